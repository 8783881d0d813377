//! The `822*` helpers, run through their links on awkward input. They need
//! no database, so they get a light tree of links of their own.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

struct Tools {
    dir: tempfile::TempDir,
}

struct Out {
    stdout: Vec<u8>,
    stderr: String,
    code: i32,
}

impl Tools {
    fn new() -> Tools {
        let dir = tempfile::tempdir().unwrap();
        let exe = PathBuf::from(env!("CARGO_BIN_EXE_indimail"));
        for name in [
            "822addr",
            "822body",
            "822bodyfilter",
            "822date",
            "822field",
            "822fields",
            "822header",
            "822headerfilter",
            "822headerok",
            "822print",
            "822received",
        ] {
            std::os::unix::fs::symlink(&exe, dir.path().join(name)).unwrap();
        }
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        Tools { dir }
    }

    fn cmd(&self, name: &str, args: &[&str]) -> Command {
        let mut c = Command::new(self.dir.path().join(name));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SYSCONFDIR", self.dir.path().join("etc"))
            .env("TZ", "UTC");
        c
    }

    /// Run with `input` on a pipe (written from a thread, so large inputs cannot deadlock).
    fn run(&self, name: &str, args: &[&str], input: &[u8]) -> Out {
        let mut child = self
            .cmd(name, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
        let o = child.wait_with_output().unwrap();
        writer.join().unwrap();
        Out::from(o)
    }

    /// Run with `input` in a regular (seekable) file on stdin.
    fn run_file(&self, name: &str, args: &[&str], input: &[u8]) -> Out {
        let p = self.dir.path().join("input");
        std::fs::write(&p, input).unwrap();
        let o = self
            .cmd(name, args)
            .stdin(std::fs::File::open(&p).unwrap())
            .output()
            .unwrap();
        Out::from(o)
    }
}

impl Out {
    fn from(o: std::process::Output) -> Out {
        use std::os::unix::process::ExitStatusExt;
        Out {
            stdout: o.stdout,
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            code: o
                .status
                .code()
                .unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0)),
        }
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

const MSG: &[u8] = b"Received: from a.example (a [1.2.3.4])\n\tby b.example with SMTP id 42\n\tfor <x@y>; Thu, 29 Aug 1996 14:04:52 -0400\n\
Received: from c by d; 29 Aug 1996 17:00:00 +0000\n\
From: Joe Smith <joe@x>\n\
To: Joe Smith <joe@x>, bob@y (Bob)\n\
Cc: grp: a@b, c@d;\n\
Subject: hello\n world\n\
Date: Thu, 29 Aug 1996 14:04:52 -0400\n\
X-Spam-Score: 5.0\n\
\n\
body line\n\
last";

#[test]
fn header_body_split() {
    let t = Tools::new();
    let h = t.run("822header", &[], MSG);
    assert_eq!(h.code, 0);
    assert!(h.text().ends_with("X-Spam-Score: 5.0\n"));
    let b = t.run("822body", &[], MSG);
    assert_eq!((b.code, b.text().as_str()), (0, "body line\nlast"));
    assert_eq!(t.run("822headerok", &[], MSG).code, 0);
}

#[test]
fn header_include_exclude_and_usage() {
    let t = Tools::new();
    let i = t.run("822header", &["-I", "subject", "-I", "cc"], MSG);
    assert_eq!(i.text(), "Cc: grp: a@b, c@d;\nSubject: hello\n world\n");
    let x = t.run("822header", &["-X", "received", "-X", "To"], MSG);
    assert!(x.text().starts_with("From: Joe"));
    assert!(!x.text().contains("by b.example"));
    let both = t.run("822header", &["-I", "a", "-X", "b"], MSG);
    assert_eq!(both.code, 100);
    assert!(both
        .stderr
        .contains("Only one of -I or -X can be specified"));
    let bad = t.run("822header", &["-z"], MSG);
    assert_eq!(bad.code, 100);
    assert!(bad
        .stderr
        .contains("USAGE: 822header [-I include headers] [-X exclude headers]"));
    // a continuation line at the very start is dropped by -I and -X
    let c = t.run("822header", &["-X", "zz"], b" lead\nA: 1\n\n");
    assert_eq!(c.text(), "A: 1\n");
    let c = t.run("822header", &[], b" lead\nA: 1\n\n");
    assert_eq!(c.text(), " lead\nA: 1\n");
}

#[test]
fn no_separator_and_nonblank_terminator() {
    let t = Tools::new();
    // header only, no blank line, no final LF
    let m = b"A: 1\nB: 2";
    assert_eq!(t.run("822header", &[], m).text(), "A: 1\nB: 2");
    let b = t.run("822body", &[], m);
    assert_eq!((b.code, b.stdout.len()), (0, 0));
    assert_eq!(t.run("822headerok", &[], m).code, 0);
    assert_eq!(t.run("822headerok", &[], b"").code, 0);
    // the body starts without a blank line: that line belongs to the body
    let m = b"A: 1\nnot a header\nmore\n";
    assert_eq!(t.run("822header", &[], m).text(), "A: 1\n");
    assert_eq!(t.run("822body", &[], m).text(), "not a header\nmore\n");
    assert_eq!(t.run("822headerok", &[], m).code, 100);
    assert_eq!(t.run("822headerok", &[], b"From joe\nA: 1\n\n").code, 100);
    // CRLF separator
    let m = b"A: 1\r\n\r\nbody\r\n";
    assert_eq!(t.run("822header", &[], m).stdout, b"A: 1\r\n");
    assert_eq!(t.run("822body", &[], m).stdout, b"body\r\n");
    assert_eq!(t.run("822headerok", &[], m).code, 0);
}

#[test]
fn bare_cr_nul_and_invalid_utf8_pass_as_bytes() {
    let t = Tools::new();
    let m = b"Subject: a\rb \xff\xfe\0z\nX: \xc3(\n\nbo\0dy \xff\r\rend";
    let h = t.run("822header", &[], m);
    assert_eq!(h.stdout, b"Subject: a\rb \xff\xfe\0z\nX: \xc3(\n");
    assert_eq!(t.run("822body", &[], m).stdout, b"bo\0dy \xff\r\rend");
    let f = t.run("822field", &[], m);
    assert_eq!((f.code, &f.stdout[..]), (0, &b"ab \xff\xfe\0z\n"[..]));
    let f = t.run("822field", &["x"], m);
    assert_eq!(f.stdout, b"\xc3(\n");
    // an 8-bit field name is not a header line
    assert_eq!(t.run("822headerok", &[], b"S\xe9: x\n\n").code, 100);
}

#[test]
fn huge_header_line() {
    let t = Tools::new();
    let mut m = b"Subject: ".to_vec();
    m.extend(std::iter::repeat(b'x').take(1 << 20));
    m.extend_from_slice(b"\nA: 1\n\nbody\n");
    let h = t.run("822header", &["-X", "a"], &m);
    assert_eq!((h.code, h.stdout.len()), (0, 9 + (1 << 20) + 1));
    assert_eq!(t.run("822body", &[], &m).stdout, b"body\n");
    let f = t.run("822field", &[], &m);
    assert_eq!(f.stdout.len(), (1 << 20) + 1);
}

#[test]
fn encoded_words_are_not_decoded() {
    let t = Tools::new();
    let m = b"Subject: =?UTF-8?B?aMOpbGxv?=\nFrom: =?iso-8859-1?q?J=F6rg?= <j@x>\n\n";
    assert_eq!(t.run("822field", &[], m).text(), "=?UTF-8?B?aMOpbGxv?=\n");
    let a = t.run("822addr", &["from"], m);
    assert_eq!(a.stdout, b"(=?iso-8859-1?q?J=F6rg?=\0+j@x\0");
}

#[test]
fn fields_and_unfolding() {
    let t = Tools::new();
    // folded words keep their space (the original since 2020 glues them)
    assert_eq!(t.run("822field", &["subject"], MSG).text(), "hello world\n");
    let none = t.run("822field", &["nosuch"], MSG);
    assert_eq!((none.code, none.stdout.len()), (100, 0));
    // prefix mode: name kept, exit 0 even without a match (as the original)
    assert_eq!(
        t.run("822field", &["+x-"], MSG).text(),
        "X-Spam-Score: 5.0\n"
    );
    assert_eq!(t.run("822field", &["+nosuch"], MSG).code, 0);
    // several fields: header order, not argument order
    let f = t.run("822fields", &["subject", "+x", "from"], MSG);
    assert_eq!(
        (f.code, f.text().as_str()),
        (0, "Joe Smith <joe@x>\nhello world\nX-Spam-Score: 5.0\n")
    );
    // prefix-only matches count (the original exits 100 here)
    assert_eq!(t.run("822fields", &["+x"], MSG).code, 0);
    assert_eq!(t.run("822fields", &["nosuch"], MSG).code, 100);
    // `Subject :` is a header line but never matches a name
    let m = b"Subject : x\n\n";
    assert_eq!(t.run("822headerok", &[], m).code, 0);
    assert_eq!(t.run("822field", &[], m).code, 100);
}

#[test]
fn addresses() {
    let t = Tools::new();
    let a = t.run("822addr", &[], MSG);
    assert_eq!(a.code, 0);
    assert_eq!(
        a.stdout,
        b"(Joe Smith\0+joe@x\0(Bob\0+bob@y\0(grp\0+a@b\0+c@d\0".to_vec()
    );
    assert_eq!(t.run("822addr", &["bcc"], MSG).code, 100);
    let e = t.run("822addr", &[], b"To: (nobody)\n\n");
    assert_eq!((e.code, &e.stdout[..]), (0, &b"(nobody\0"[..]));
}

#[test]
fn dates() {
    let t = Tools::new();
    let d = t.run("822date", &[], MSG);
    assert_eq!(
        (d.code, d.text().as_str()),
        (
            0,
            "1996-08-29 14:04:52 -0400\n1996-08-29 18:04:52 +0000\nThu Aug 29 18:04:52 1996\n"
        )
    );
    let d = t.run("822date", &["received"], MSG);
    assert!(d.text().starts_with("1996-08-29 17:00:00 +0000\n"));
    assert_eq!(t.run("822date", &[], b"Date: yesterday\n\n").code, 100);
    assert_eq!(
        t.run("822date", &[], b"Date: 1 Jan 2000 00:00 XYZ\n\n")
            .code,
        100
    );
    assert_eq!(t.run("822date", &[], b"A: b\n\n").code, 100);
    // the last field that parses wins; a later bad one keeps it
    let m = b"Date: 1 Jan 2000 00:00 GMT\nDate: 2 Jan 2000 00:00 EST\nDate: junk\n\n";
    assert!(t
        .run("822date", &[], m)
        .text()
        .starts_with("2000-01-02 00:00:00 -0500\n"));
}

#[test]
fn leapsecs_table_unreadable() {
    let t = Tools::new();
    std::fs::create_dir(t.dir.path().join("etc/leapsecs.dat")).unwrap();
    for tool in ["822date", "822print", "822received"] {
        let r = t.run(tool, &[], MSG);
        assert_eq!(r.code, 111, "{tool}");
        assert!(r.stderr.contains("unable to init leapsecs"), "{}", r.stderr);
    }
}

#[test]
fn received_trail() {
    let t = Tools::new();
    let r = t.run("822received", &[], MSG);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.text(),
        "Thu Aug 29 17:00:00 1996 from c \n\t\t\t by d\n\t\t\t ; 29 Aug 1996 17:00:00 +0000\n\
Thu Aug 29 18:04:52 1996 from a.example (a [1.2.3.4]) \n\t\t\t by b.example with SMTP \n\t\t\t id 42 \n\t\t\t for <x@y>\n\t\t\t ; Thu, 29 Aug 1996 14:04:52 -0400\n"
    );
    let r = t.run("822received", &[], b"Received: from x\n\n");
    assert_eq!(r.text(), "\t\t\t from x\n");
    assert_eq!(t.run("822received", &[], b"A: b\n\n").code, 0);
}

#[test]
fn headerfilter() {
    let t = Tools::new();
    let r = t.run("822headerfilter", &["grep", "-i", "^subject"], MSG);
    assert_eq!(
        (r.code, r.text().as_str()),
        (0, "Subject: hello\n\nbody line\nlast")
    );
    // the program's exit code, and nothing more
    let r = t.run(
        "822headerfilter",
        &["sh", "-c", "cat >/dev/null; exit 3"],
        MSG,
    );
    assert_eq!((r.code, r.stdout.len()), (3, 0));
    let r = t.run("822headerfilter", &["sh", "-c", "kill -9 $$"], MSG);
    assert_eq!(r.code, 111);
    assert!(r.stderr.contains("child crashed"));
    let r = t.run("822headerfilter", &[], MSG);
    assert_eq!(r.code, 100);
    assert!(r
        .stderr
        .contains("822headerfilter: usage: 822headerfilter program [ arg ... ]"));
    assert_eq!(
        t.run("822headerfilter", &["/nonexistent/prog"], MSG).code,
        100
    );
}

#[test]
fn headerfilter_program_stops_reading_early() {
    let t = Tools::new();
    // a header far larger than a pipe buffer; the program reads nothing
    let mut m = Vec::new();
    for i in 0..20000 {
        m.extend_from_slice(format!("X-Line-{i}: some text to fill the pipe\n").as_bytes());
    }
    m.extend_from_slice(b"\nthe body\n");
    let r = t.run("822headerfilter", &["true"], &m);
    assert_eq!(
        (r.code, r.text().as_str()),
        (0, "\nthe body\n"),
        "{}",
        r.stderr
    );
    let r = t.run("822headerfilter", &["head", "-n", "1"], &m);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.text(),
        "X-Line-0: some text to fill the pipe\n\nthe body\n"
    );
    let r = t.run("822headerfilter", &["false"], &m);
    assert_eq!((r.code, r.stdout.len()), (1, 0));
}

#[test]
fn bodyfilter() {
    let t = Tools::new();
    let r = t.run_file("822bodyfilter", &["tr", "a-z", "A-Z"], MSG);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = r.text();
    assert!(
        text.ends_with("X-Spam-Score: 5.0\n\nBODY LINE\nLAST"),
        "{text}"
    );
    // a nonblank terminator becomes the program's first line
    let r = t.run_file("822bodyfilter", &["cat"], b"A: b\r\nno header\nx\n");
    assert_eq!(r.text(), "A: b\r\nno header\nx\n");
    let r = t.run_file(
        "822bodyfilter",
        &["sh", "-c", "read l; echo \"[$l]\""],
        b"A: b\r\n\r\nfirst\nsecond\n",
    );
    assert_eq!(r.text(), "A: b\r\n\r\n[first]\n");
    // a large body: the program starts exactly at the first body byte
    let mut m = b"A: b\n\n".to_vec();
    m.extend(std::iter::repeat(b'y').take(300_000));
    let r = t.run_file("822bodyfilter", &["wc", "-c"], &m);
    assert_eq!(r.text().trim_start_matches("A: b\n\n").trim(), "300000");
    // the program stops reading early
    let r = t.run_file("822bodyfilter", &["true"], &m);
    assert_eq!((r.code, r.text().as_str()), (0, "A: b\n\n"));
    // exit code of the program
    assert_eq!(t.run_file("822bodyfilter", &["false"], MSG).code, 1);
    // not seekable
    let r = t.run("822bodyfilter", &["cat"], MSG);
    assert_eq!(r.code, 111);
    assert!(r.stderr.contains("unable to seek input"), "{}", r.stderr);
    let r = t.run_file("822bodyfilter", &[], MSG);
    assert_eq!(r.code, 100);
    assert!(r
        .stderr
        .contains("822bodyfilter: usage: 822bodyfilter program [ arg ... ]"));
    assert_eq!(
        t.run_file("822bodyfilter", &["/nonexistent/prog"], MSG)
            .code,
        100
    );
}

#[test]
fn stdout_closed_early_is_no_crash() {
    let t = Tools::new();
    let mut m = b"A: b\n\n".to_vec();
    m.extend(std::iter::repeat(b'z').take(4 << 20));
    // stdout is a pipe whose reader goes away: exit 111 with a message, not SIGPIPE
    let mut child = t
        .cmd("822body", &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    let w = std::thread::spawn(move || {
        let _ = stdin.write_all(&m);
    });
    let o = child.wait_with_output().unwrap();
    w.join().unwrap();
    assert_eq!(o.status.code(), Some(111));
    assert!(String::from_utf8_lossy(&o.stderr).contains("822body: fatal: unable to write"));
}

/// Undo nroff overstrike: `_`BS`c` and `c`BS`c` become `c`.
fn plain(b: &[u8]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if i + 2 < b.len() && b[i + 1] == 8 {
            out.push(b[i + 2]);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn print_layout() {
    let t = Tools::new();
    let r = t.run("822print", &[], MSG);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // styles: the subject underlined, addresses bold
    assert!(r.stdout.starts_with(b"Subject:"));
    let s = r.text();
    assert!(s.contains("_\x08h_\x08e_\x08l_\x08l_\x08o_\x08 _\x08w"));
    assert!(s.contains("j\x08jo\x08oe\x08e@\x08@x\x08x"));
    let lines: Vec<String> = plain(&r.stdout).lines().map(String::from).collect();
    let pad = |l: &str, r: &str| format!("{l}{}{r}", " ".repeat(78 - l.len() - r.len()));
    assert_eq!(lines[0], pad("Subject:", "hello world"));
    assert_eq!(lines[1], pad("From: Joe Smith", "joe@x"));
    assert_eq!(
        lines[2],
        pad(
            "Date:Thu, 29 Aug 1996 14:04:52 -0400",
            "1996-08-29 18:04:52"
        )
    );
    assert_eq!(lines[3], "Received: from a.example (a [1.2.3.4])");
    assert_eq!(lines[4], " by b.example with SMTP id 42");
    assert_eq!(lines[7], "-".repeat(78));
    assert_eq!(lines[8], pad("To: Joe Smith", "joe@x"));
    assert_eq!(lines[10], pad("Cc: grp", "a@b"));
    assert_eq!(lines[12], "-".repeat(78));
    assert_eq!(lines[13], "X-Spam-Score: 5.0");
    assert_eq!(&lines[14..], ["", "body line", "last"]);
    // odd bytes as \ooo, a nonblank terminator printed as it is, no header at all
    let r = t.run("822print", &[], b"Subject: a\xe9\0\nX: 1\nbody\n");
    let p = plain(&r.stdout);
    assert!(p.starts_with(&pad("Subject:", "a\\351\\000")), "{p}");
    assert!(p.ends_with("X: 1\nbody\n"), "{p}");
    let r = t.run("822print", &[], b"");
    assert_eq!(r.code, 0);
    assert!(plain(&r.stdout).starts_with(&format!("Subject:{}\nDate:\n", " ".repeat(70))));
}
