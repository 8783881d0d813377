//! inlookup + inquerytest end to end: our server on a FIFO in the test tree, our client,
//! the original's output (transcript-inquerytest.txt) for every query type; a malformed
//! frame and a symlinked reply path must not take the server down.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;

use crate::common::TestEnv;

pub(crate) const HASH: &str = "$5$saltsaltsaltsalt$pSMZ29rcJ30AWnWPsGfMDo0l5iJ7o.aZX7TS6qDXvK6";

/// `inquerytest -q QTYPE -i FIFO EMAIL`, asking the server on `fifo` with the reply FIFOs
/// in `replies`: the command, for the caller to add to and run.
pub(crate) fn inquery(
    env: &TestEnv,
    fifo: &Path,
    replies: &Path,
    qtype: &str,
    email: &str,
) -> Command {
    let mut c = env.cmd("inquerytest");
    c.args(["-q", qtype, "-i", fifo.to_str().unwrap(), email])
        .env("FIFOTMPDIR", replies);
    c
}

/// The server process; killed (TERM, then KILL) when dropped.
pub(crate) struct ServerProc {
    pub(crate) child: Child,
}

impl ServerProc {
    pub(crate) fn start(env: &TestEnv, fifo: &Path, reply_dir: &Path) -> ServerProc {
        Self::start_with(env, fifo, reply_dir, &["-v"])
    }

    /// `inlookup <options> -f <fifo>`, stderr piped; ready once its FIFO takes a writer.
    pub(crate) fn start_with(
        env: &TestEnv,
        fifo: &Path,
        reply_dir: &Path,
        options: &[&str],
    ) -> ServerProc {
        let child = env
            .cmd("inlookup")
            .args(options)
            .args(["-f", fifo.to_str().unwrap()])
            .env("FIFOTMPDIR", reply_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        // ready once a non-blocking writer can open the FIFO (ENXIO until the server has it open)
        while open_writer(fifo).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "inlookup did not open its FIFO"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        ServerProc { child }
    }

    /// Without `-v`, stderr to `<root>/inlookup.log` (a busy server would fill a pipe);
    /// ready once its socket is there too.
    pub(crate) fn start_quiet(env: &TestEnv, fifo: &Path, reply_dir: &Path) -> ServerProc {
        let log = std::fs::File::create(env.path("inlookup.log")).unwrap();
        let child = env
            .cmd("inlookup")
            .args(["-f", fifo.to_str().unwrap()])
            .env("FIFOTMPDIR", reply_dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let sock = format!("{}.sock", fifo.display());
        let t0 = Instant::now();
        while open_writer(fifo).is_err() || !Path::new(&sock).exists() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "inlookup did not open its FIFO and socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        ServerProc { child }
    }

    pub(crate) fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGTERM and wait: returns (exit code, stderr).
    pub(crate) fn stop(mut self) -> (Option<i32>, String) {
        // kill(1), so that the test needs no unsafe code
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let t0 = Instant::now();
        while self.alive() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let out = std::mem::replace(
            &mut self.child,
            std::process::Command::new("true").spawn().unwrap(),
        )
        .wait_with_output()
        .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn open_writer(fifo: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo)
}

pub(crate) fn setup() -> TestEnv {
    setup_on(TestEnv::new())
}

/// [`setup`] in a given tree.
pub(crate) fn setup_on(env: TestEnv) -> TestEnv {
    let env = env.with_domain("example.com");
    env.run("vadduser", &["-e", "alice@example.com", HASH]).ok();
    env.run("vadduser", &["-e", "-i", "ina@example.com", HASH])
        .ok();
    env.run("vadduser", &["-e", "over@example.com", HASH]).ok();
    let mut c = env.db();
    c.query_drop("UPDATE indimail SET pw_gid = 16 WHERE pw_name = 'over'")
        .unwrap();
    c.query_drop("UPDATE indimail SET pw_shell = '5000000S,1000C' WHERE pw_name = 'alice'")
        .unwrap();
    for t in ["valias", "vlimits", "relay"] {
        c.query_drop(indimail::db::schema::create_sql(t).unwrap())
            .unwrap();
    }
    c.query_drop(
        "INSERT INTO valias (alias, domain, valias_line) VALUES \
         ('info','example.com','alice@example.com'), ('info','example.com','&bob@remote.test')",
    )
    .unwrap();
    c.query_drop(
        "INSERT INTO vlimits (domain, maxpopaccounts, maxaliases, maxforwards, maxautoresponders, \
         maxmailinglists, diskquota, maxmsgcount, defaultquota, defaultmaxmsgcount, disable_pop, \
         disable_imap) VALUES ('example.com', 50, 20, 10, 5, 3, 104857600, 5000, 10485760, 1000, 1, 1), \
         ('alice@example.com', 7, -1, -1, -1, -1, 0, 0, 20971520, 0, 0, 0)",
    )
    .unwrap();
    c.query_drop(format!(
        "INSERT INTO relay (email, ipaddr, timestamp) VALUES ('alice@example.com', '192.0.2.7', {})",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    ))
    .unwrap();
    env
}

/// (argv after `-i <fifo>`, stdout, stderr, exit) of the oracle transcript, by case number.
fn oracle_case(n: u32) -> (String, String, i32) {
    let shared = crate::common::shared();
    let text = std::fs::read_to_string(shared.join("oracle/transcript-inquerytest.txt")).unwrap();
    let head = format!("################ [{n}] $ ");
    let start = text.find(&head).unwrap();
    let block = &text[start..];
    let end = block[head.len()..]
        .find("################ [")
        .map_or(block.len(), |e| e + head.len());
    let block = &block[..end];
    let section = |name: &str| -> String {
        let Some(i) = block.find(&format!("---- {name} (")) else {
            return String::new();
        };
        let rest = &block[i..];
        let nl = rest.find('\n').unwrap();
        let len: usize = rest[name.len() + 7..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        rest[nl + 1..nl + 1 + len].to_string()
    };
    let code: i32 = block
        .split("---- exit: ")
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (section("stdout"), section("stderr"), code)
}

fn normalise(s: &str, env: &TestEnv) -> String {
    s.replace(&env.base().display().to_string(), "<BASE>")
        .replace("/tmp/oracle/mail", "<BASE>")
        .lines()
        .map(|l| {
            // our vadduser hashes homes like the original, but the letters may differ
            if let Some(rest) = l.strip_prefix("pw_dir   : <BASE>/") {
                let tail: Vec<&str> = rest.splitn(2, '/').collect();
                format!("pw_dir   : <BASE>/<H>/{}", tail.get(1).unwrap_or(&""))
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn inlookup_answers_every_query_type_like_the_original() {
    let env = setup();
    let run = env.path("run");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = run.join("infifo");
    let server = ServerProc::start(&env, &fifo, &replies);
    let fifo_s = fifo.to_str().unwrap();
    // (oracle case, args) — alias domain cases (6, 15, 18, 27) need vaddaliasdomain
    let cases: &[(u32, &[&str])] = &[
        (1, &["-q", "1", "alice@example.com"]),
        (2, &["-q", "1", "nosuch@example.com"]),
        (3, &["-q", "1", "ina@example.com"]),
        (4, &["-q", "1", "over@example.com"]),
        (5, &["-q", "1", "info@example.com"]),
        (7, &["-q", "1", "someone@unknown.test"]),
        (8, &["-q", "2", "alice@example.com", "192.0.2.7"]),
        (9, &["-q", "2", "alice@example.com", "198.51.100.1"]),
        (10, &["-q", "2", "alice@example.com"]),
        (11, &["-q", "3", "alice@example.com"]),
        (12, &["-q", "3", "ina@example.com"]),
        (13, &["-q", "3", "over@example.com"]),
        (14, &["-q", "3", "nosuch@example.com"]),
        (16, &["-q", "4", "alice@example.com"]),
        (17, &["-q", "4", "nosuch@example.com"]),
        (21, &["-q", "5", "alice@example.com"]),
        (22, &["-q", "5", "nosuch@example.com"]),
        (23, &["-q", "6", "example.com"]),
        (24, &["-q", "6", "alice@example.com"]),
        (25, &["-q", "6", "over@example.com"]),
        (26, &["-q", "6", "unknown.test"]),
        (28, &["-q", "7", "example.com"]),
        (29, &["-q", "7", "unknown.test"]),
        (31, &["-q", "8", "alice@example.com"]),
        (32, &["-q", "1"]),
    ];
    for (n, args) in cases {
        let mut argv: Vec<&str> = Vec::new();
        argv.extend(&args[..2]);
        argv.extend(["-i", fifo_s]);
        argv.extend(&args[2..]);
        let out = env
            .cmd("inquerytest")
            .args(&argv)
            .env("FIFOTMPDIR", &replies)
            .output()
            .unwrap();
        let (ostdout, ostderr, ocode) = oracle_case(*n);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            normalise(&stdout, &env),
            normalise(&ostdout, &env),
            "case {n} stdout"
        );
        assert_eq!(stderr, ostderr, "case {n} stderr");
        assert_eq!(out.status.code(), Some(ocode), "case {n} exit");
    }
    // the original answered every alias query with an empty list (its clustered DB open
    // failed); we return the lines
    let out = inquery(&env, &fifo, &replies, "5", "info@example.com")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Alias List for info@example.com\n&bob@remote.test\nalice@example.com\n"
    );
    // -v names the socket used (our second transport)
    let out = env
        .cmd("inquerytest")
        .args(["-v", "-q", "1", "-i", fifo_s, "alice@example.com"])
        .env("FIFOTMPDIR", &replies)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Using INSOCK={fifo_s}.sock\nalice@example.com has all services enabled\n")
    );
    // -v prints the FIFOs on stdout first (FIFO transport)
    let out = env
        .cmd("inquerytest")
        .args(["-v", "-q", "1", "-i", fifo_s, "alice@example.com"])
        .env("FIFOTMPDIR", &replies)
        .env("INLOOKUP_SOCKET", "0")
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = s.lines().collect();
    assert!(
        lines[0].starts_with(&format!("Using MYFIFO={}", replies.display())),
        "{s}"
    );
    assert_eq!(lines[1], format!("Using INFIFO={fifo_s}"));
    assert_eq!(lines[2], "alice@example.com has all services enabled");
    // no reply FIFO is left behind
    assert_eq!(std::fs::read_dir(&replies).unwrap().count(), 0);
    let (code, log) = server.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("infifo->"), "{log}");
    assert!(log.contains("'Domain Limits Query'"), "{log}");
    assert!(
        log.contains("User:Relay:Password:Limit:Alias:Host:Domain"),
        "{log}"
    );
    assert!(!fifo.exists(), "FIFO removed on TERM");
}

pub(crate) fn frame(qtype: u8, email: &str, reply: &str) -> Vec<u8> {
    let mut body = vec![qtype, 0];
    for f in [email, reply, ""] {
        body.extend(f.as_bytes());
        body.push(0);
    }
    let mut f = (body.len() as i32).to_ne_bytes().to_vec();
    f.extend(body);
    f
}

#[test]
fn inlookup_survives_malformed_frames_and_hostile_reply_paths() {
    let env = setup();
    let run = env.path("run");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = run.join("infifo");
    let mut server = ServerProc::start(&env, &fifo, &replies);
    let mut w = open_writer(&fifo).unwrap();
    // oversized length with its (drained) body
    let mut big = 5000i32.to_ne_bytes().to_vec();
    big.extend(vec![b'x'; 5000]);
    w.write_all(&big).unwrap();
    // negative and tiny lengths
    w.write_all(&(-7i32).to_ne_bytes()).unwrap();
    w.write_all(&[1, 0, 0, 0, 9]).unwrap();
    // a body without NULs
    let mut nonul = 6i32.to_ne_bytes().to_vec();
    nonul.extend(b"\x01\x00abcd");
    w.write_all(&nonul).unwrap();
    // a reply path that is a symlink to a file outside: must not be written or unlinked
    let victim = env.path("victim");
    std::fs::write(&victim, "keep").unwrap();
    let link = replies.join("evil");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    w.write_all(&frame(3, "alice@example.com", link.to_str().unwrap()))
        .unwrap();
    // a reply path outside the reply directory
    let outside = env.path("outside");
    std::fs::write(&outside, "keep").unwrap();
    w.write_all(&frame(1, "alice@example.com", outside.to_str().unwrap()))
        .unwrap();
    drop(w);
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.alive(), "server died");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert!(
        link.symlink_metadata().is_ok(),
        "symlink must not be unlinked"
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
    // an unknown type through a good reply FIFO gets the error reply R = -1
    let rf = replies.join("probe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&rf)
        .status()
        .unwrap()
        .success());
    let mut r = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&rf)
        .unwrap();
    open_writer(&fifo)
        .unwrap()
        .write_all(&frame(8, "alice@example.com", rf.to_str().unwrap()))
        .unwrap();
    let mut got: Vec<u8> = Vec::new();
    let t0 = Instant::now();
    while got.len() < 4 && t0.elapsed() < Duration::from_secs(5) {
        let mut b = [0u8; 16];
        match std::io::Read::read(&mut r, &mut b) {
            Ok(n) => got.extend(&b[..n]),
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    assert_eq!(got, (-1i32).to_ne_bytes());
    // the server unlinks it once the reply is written: give it that moment
    let t0 = Instant::now();
    while rf.symlink_metadata().is_ok() && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!rf.exists(), "reply FIFO unlinked by the server");
    // still serving, in step
    let out = inquery(&env, &fifo, &replies, "1", "alice@example.com")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "alice@example.com has all services enabled\n",
        "{out:?}"
    );
    let (code, _log) = server.stop();
    assert_eq!(code, Some(0));
}

/// The reply directory is held open by the server; replaced under it (renamed away and
/// made again), it is found again by its path.
#[test]
fn inlookup_follows_a_reply_directory_made_again() {
    let env = setup();
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = env.path("run/infifo");
    let server = ServerProc::start(&env, &fifo, &replies);
    let ask = || {
        let out = inquery(&env, &fifo, &replies, "1", "alice@example.com")
            .env("INLOOKUP_SOCKET", "0")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let good = "alice@example.com has all services enabled\n";
    assert_eq!(ask(), good);
    std::fs::rename(&replies, env.path("run/reply.old")).unwrap();
    std::fs::create_dir(&replies).unwrap();
    for _ in 0..3 {
        assert_eq!(ask(), good);
    }
    assert_eq!(
        std::fs::read_dir(&replies).unwrap().count(),
        0,
        "FIFOs left"
    );
    let (code, log) = server.stop();
    assert_eq!(code, Some(0));
    assert!(!log.contains("open-probably-timeout"), "{log}");
}

#[test]
fn inquerytest_without_query_cache_asks_mysql_directly() {
    let env = setup();
    let r = env.run("inquerytest", &["-q", "1", "alice@example.com"]);
    assert_eq!(r.ok(), "alice@example.com has all services enabled\n");
    let r = env.run("inquerytest", &["-q", "3", "ina@example.com"]);
    assert!(r.ok().ends_with("Table    : indibak\n"), "{r:?}");
    let r = env.run(
        "inquerytest",
        &["-q", "2", "alice@example.com", "192.0.2.7"],
    );
    assert_eq!(r.ok(), "alice@example.com is authenticated on 192.0.2.7\n");
    // with QUERY_CACHE set and no server, the FIFO exchange fails cleanly
    let env = env
        .env("QUERY_CACHE", "1")
        .env("INFIFO", "/nonexistent-dir/infifo");
    let r = env.run("inquerytest", &["-q", "1", "alice@example.com"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.starts_with("alice@example.com: No such user: "),
        "{r:?}"
    );
}

#[test]
fn inlookup_instances_are_selected_and_stopped() {
    let env = setup();
    let run = env.path("run");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let base = run.join("infifo");
    let mut parent = env
        .cmd("inlookup")
        .args(["-i", "2", "-f", base.to_str().unwrap()])
        .env("FIFOTMPDIR", &replies)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let guard = scopeguard(parent.id());
    let t0 = Instant::now();
    for k in 1..=2 {
        let f = run.join(format!("infifo.{k}"));
        while open_writer(&f).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "instance {k} not ready"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    // a relative INFIFO picks one of the numbered FIFOs
    for _ in 0..2 {
        let out = env
            .cmd("inquerytest")
            .args(["-q", "7", "example.com"])
            .env("QUERY_CACHE", "")
            .env("INFIFO", "infifo")
            .env("INFIFODIR", &run)
            .env("FIFOTMPDIR", &replies)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "example.com: Real Domain is example.com\n",
            "{out:?}"
        );
    }
    let (code, log) = {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &parent.id().to_string()])
            .status();
        let t0 = Instant::now();
        while parent.try_wait().unwrap().is_none() && t0.elapsed() < Duration::from_secs(15) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = parent.kill();
        let out = parent.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    drop(guard);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("InLookup[1] PPID"), "{log}");
    assert!(log.contains("InLookup[2] PPID"), "{log}");
    for k in 1..=2 {
        assert!(
            !run.join(format!("infifo.{k}")).exists(),
            "infifo.{k} left behind: {log}"
        );
    }
}

/// Kills the supervisor on drop if the test failed early; its instances then notice
/// that they were orphaned and exit.
struct Guard(u32);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}
fn scopeguard(pid: u32) -> Guard {
    Guard(pid)
}

fn run_bytes(mut cmd: std::process::Command, input: &[u8]) -> (Vec<u8>, i32) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.stdout, out.status.code().unwrap_or(-1))
}

#[test]
fn tcp_variants_speak_the_fifo_reply_format() {
    let env = setup();
    // inlookup under tcpserver: one request on fd 0, the reply on fd 1
    let mut c = env.cmd("inlookup");
    c.env("TCPREMOTEIP", "192.0.2.1");
    let (out, code) = run_bytes(c, &frame(4, "alice@example.com", "socket"));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        [&25i32.to_ne_bytes()[..], b"example.com:127.0.0.1:25\0"].concat()
    );
    let mut c = env.cmd("inlookup");
    c.env("TCPREMOTEIP", "192.0.2.1");
    let (out, _) = run_bytes(c, &frame(9, "alice@example.com", "socket"));
    assert_eq!(out, (-1i32).to_ne_bytes());
    let mut c = env.cmd("inlookup");
    c.env("TCPREMOTEIP", "192.0.2.1");
    let mut big = 2000i32.to_ne_bytes().to_vec();
    big.extend(vec![b'x'; 2000]);
    let (out, code) = run_bytes(c, &big);
    assert!(out.is_empty());
    assert_eq!(code, 111);
    // tcplookup relays to the FIFO server
    let run = env.path("run");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = run.join("infifo");
    let server = ServerProc::start(&env, &fifo, &replies);
    let mut c = env.cmd("tcplookup");
    c.env("INFIFO", &fifo).env("FIFOTMPDIR", &replies);
    let (out, code) = run_bytes(c, &frame(1, "ina@example.com", "socket"));
    assert_eq!(code, 0);
    assert_eq!(out, 2i32.to_ne_bytes());
    let mut c = env.cmd("tcplookup");
    c.env("INFIFO", &fifo).env("FIFOTMPDIR", &replies);
    let (out, _) = run_bytes(c, &frame(3, "nosuch@example.com", "socket"));
    assert_eq!(
        out,
        [
            &41i32.to_ne_bytes()[..],
            b"PWSTRUCT=No such user nosuch@example.com\0"
        ]
        .concat()
    );
    let (code, _) = server.stop();
    assert_eq!(code, Some(0));
    let r = env.run("tcplookup", &["-x"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (100, "usage: tcplookup [-v]\n")
    );
}

#[test]
fn inlookup_cache_serves_until_hup_and_counts_in_stats() {
    let env = setup()
        .env("USE_BTREE", "1")
        .env("INLOOKUP_CACHE_TTL", "600");
    let run = env.path("run");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = run.join("infifo");
    let server = ServerProc::start(&env, &fifo, &replies);
    let ask = || {
        let out = inquery(&env, &fifo, &replies, "1", "over@example.com")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        ask(),
        "over@example.com is Overquota on this domain (#5.2.2)\n"
    );
    env.db()
        .query_drop("UPDATE indimail SET pw_gid = 0 WHERE pw_name = 'over'")
        .unwrap();
    // cached
    assert_eq!(
        ask(),
        "over@example.com is Overquota on this domain (#5.2.2)\n"
    );
    let pid = server.child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-USR1", &pid])
        .status();
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(ask(), "over@example.com has all services enabled\n");
    let (code, log) = server.stop();
    assert_eq!(code, Some(0));
    assert!(log.contains(", cache hit"), "{log}");
    assert!(log.contains("Got Hangup, Reconfiguring"), "{log}");
    assert!(
        log.contains("User:Relay:Password:Limit:Alias:Host:Domain 2 0 0 0 0 0 0 Cached Nodes 1"),
        "{log}"
    );
}

#[test]
fn inquerytest_starts_a_private_inlookup_on_a_missing_fifo() {
    let env = setup();
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = env.path("run/private");
    let out = inquery(&env, &fifo, &replies, "1", "ina@example.com")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ina@example.com is Inactive on this domain (#5.2.1)\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("Creating FIFO {}\n", fifo.display())),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!fifo.exists(), "private FIFO removed");
}

#[test]
fn inquerytest_under_tcpclient_uses_fds_6_and_7() {
    let env = TestEnv::new();
    let reply = env.path("reply.bin");
    let request = env.path("request.bin");
    std::fs::write(&reply, 2i32.to_ne_bytes()).unwrap();
    let template = env.cmd("inquerytest");
    let mut sh = std::process::Command::new("/bin/sh");
    sh.env_clear();
    for (k, v) in template.get_envs() {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    let out = sh
        .args([
            "-c",
            &format!(
                "exec inquerytest -q 1 ina@example.com 6<{} 7>{}",
                reply.display(),
                request.display()
            ),
        ])
        .env("TCPCLIENT", "1")
        .env("TCPREMOTEIP", "192.0.2.9")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ina@example.com is Inactive on this domain (#5.2.1)\n",
        "{out:?}"
    );
    assert_eq!(
        std::fs::read(&request).unwrap(),
        frame(1, "ina@example.com", "socket")
    );
}

/// `pw_passwd: …` of a password answer.
fn passwd_line(out: &str) -> String {
    out.lines()
        .find(|l| l.starts_with("pw_passwd: "))
        .unwrap_or("")
        .to_string()
}

#[test]
fn inlookup_cache_follows_changes_made_by_our_commands() {
    let env = setup()
        .env("USE_BTREE", "1")
        .env("INLOOKUP_CACHE_TTL", "600");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = env.path("run/infifo");
    let server = ServerProc::start(&env, &fifo, &replies);
    let log = env.path("var/domains/.inlookup-flush");
    assert!(log.exists(), "the server creates the invalidation log");
    // (socket, FIFO) answers of one query; both transports share the cache
    let ask = |q: &str, email: &str| -> String {
        let mut outs = Vec::new();
        for sock in ["1", "0"] {
            let out = inquery(&env, &fifo, &replies, q, email)
                .env("INLOOKUP_SOCKET", sock)
                .output()
                .unwrap();
            outs.push(format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        assert_eq!(outs[0], outs[1], "socket and FIFO disagree");
        outs.remove(0)
    };
    let db_hash = |user: &str| {
        env.rows(&format!(
            "SELECT pw_passwd FROM indimail WHERE pw_name = '{user}'"
        ))
    };
    // cached, and a change behind our back (direct SQL) is not seen: the cache is in use
    let before = passwd_line(&ask("3", "alice@example.com"));
    assert_eq!(before, format!("pw_passwd: {HASH}"));
    env.db()
        .query_drop("UPDATE indimail SET pw_gecos = 'behind' WHERE pw_name = 'alice'")
        .unwrap();
    assert!(!ask("3", "alice@example.com").contains("behind"));
    // vpasswd: the next answer has the new hash, never the old one
    env.run("vpasswd", &["alice@example.com", "N3w-secret!"])
        .ok();
    let after = passwd_line(&ask("3", "alice@example.com"));
    assert_ne!(after, before);
    assert_eq!(after, format!("pw_passwd: {}", db_hash("alice")[0]));
    // the same mailbox asked through another spelling is dropped too
    ask("3", "ALICE@example.com");
    env.run("vpasswd", &["alice@example.com", "Th1rd-secret!"])
        .ok();
    assert_eq!(
        passwd_line(&ask("3", "ALICE@example.com")),
        format!("pw_passwd: {}", db_hash("alice")[0])
    );
    // vsetuserquota, vmoduser (quota, inactive toggle, bounce flag)
    env.run("vsetuserquota", &["alice@example.com", "7000000"])
        .ok();
    let a = ask("3", "alice@example.com");
    assert!(a.contains("pw_shell : 7000000"), "{a}");
    assert_eq!(
        ask("1", "alice@example.com"),
        "alice@example.com has all services enabled\n"
    );
    env.run("vmoduser", &["-b", "alice@example.com"]).ok();
    assert_eq!(
        ask("1", "alice@example.com"),
        "alice@example.com is Overquota on this domain (#5.2.2)\n"
    );
    env.run("vmoduser", &["-n", "alice@example.com"]).ok();
    assert!(ask("3", "alice@example.com").ends_with("Table    : indibak\n"));
    // valias: the alias list and the user status of an alias
    assert_eq!(
        ask("1", "sales@example.com"),
        "sales@example.com is Absent on this domain (#5.1.1)\n"
    );
    env.run("valias", &["-i", "&x@remote.test", "sales@example.com"])
        .ok();
    assert_eq!(
        ask("1", "sales@example.com"),
        "sales@example.com is an alias\n"
    );
    // vrenameuser and vdeluser
    assert!(ask("3", "over@example.com").contains("pw_name  : over"));
    env.run("vrenameuser", &["over@example.com", "newover@example.com"])
        .ok();
    assert_eq!(
        ask("3", "over@example.com"),
        "over@example.com: No such user\n"
    );
    assert!(ask("3", "newover@example.com").contains("pw_name  : newover"));
    env.run("vdeluser", &["newover@example.com"]).ok();
    assert_eq!(
        ask("1", "newover@example.com"),
        "newover@example.com is Absent on this domain (#5.1.1)\n"
    );
    // HUP empties the cache: the change made behind our back shows
    let pid = server.child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(ask("3", "ina@example.com").contains("pw_name  : ina"));
    let (code, log) = server.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains(", cache hit"), "{log}");
}

#[test]
fn domain_limits_show_in_the_password_gid_and_follow_vlimit() {
    // the domain row disables pop and imap (0x02 | 0x08)
    let env = setup()
        .env("DOMAIN_LIMITS", "1")
        .env("USE_BTREE", "1")
        .env("INLOOKUP_CACHE_TTL", "600");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = env.path("run/infifo");
    let _server = ServerProc::start(&env, &fifo, &replies);
    let gid = |user: &str| -> String {
        let out = inquery(&env, &fifo, &replies, "3", user).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with("pw_gid   : "))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(gid("alice@example.com"), "pw_gid   : 10");
    // over has BOUNCE_MAIL (16); with V_OVERRIDE the domain's bits stay out
    assert_eq!(gid("over@example.com"), "pw_gid   : 26");
    env.db()
        .query_drop("UPDATE indimail SET pw_gid = 8192 WHERE pw_name = 'ina'")
        .unwrap();
    env.db()
        .query_drop("UPDATE indibak SET pw_gid = 8192 WHERE pw_name = 'ina'")
        .unwrap();
    assert_eq!(gid("ina@example.com"), "pw_gid   : 8192");
    // vlimit -g s leaves only no-smtp (0x100): the cached answer follows at once
    env.run("vlimit", &["-g", "s", "example.com"]).ok();
    assert_eq!(gid("alice@example.com"), "pw_gid   : 256");
    // without DOMAIN_LIMITS the stored gid
    let env2 = env.env("DOMAIN_LIMITS", "");
    let out = env2
        .cmd("inquerytest")
        .args(["-q", "3", "alice@example.com"])
        .env_remove("DOMAIN_LIMITS")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("pw_gid   : 0\n"));
}

#[test]
fn prewarm_caches_recent_logins_and_files_belong_to_indimail() {
    use std::os::unix::fs::MetadataExt;
    let env = setup().env("USE_BTREE", "1");
    let mut c = env.db();
    c.query_drop(indimail::db::schema::create_sql("lastauth").unwrap())
        .unwrap();
    c.query_drop(
        "INSERT INTO lastauth (user, domain, service, remote_ip, quota, gecos) VALUES \
         ('alice', 'example.com', 'imap', '192.0.2.1', 0, ''), \
         ('over', 'example.com', 'smtp', '192.0.2.1', 0, ''), \
         ('ina', 'example.com', 'pop3', '192.0.2.1', 0, '')",
    )
    .unwrap();
    // ina is inactive: only alice (imap, active) is pre-warmed; over only used smtp
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = env.path("run/infifo");
    let mut server = ServerProc::start_with(&env, &fifo, &replies, &["-c", "3600"]);
    assert!(server.alive());
    // the FIFO's mode is 0660 less the umask, as the original (FIFO_MODE overrides)
    for (p, mode) in [
        (fifo.clone(), None),
        (env.path("run/infifo.sock"), Some(0o660)),
        (env.path("var/domains/.inlookup-flush"), Some(0o660)),
    ] {
        let m = std::fs::symlink_metadata(&p).unwrap();
        assert_eq!((m.uid(), m.gid()), (999, 995), "{}", p.display());
        if let Some(mode) = mode {
            assert_eq!(m.mode() & 0o777, mode, "{}", p.display());
        }
    }
    let (code, log) = server.stop();
    assert_eq!(code, Some(0));
    assert!(log.contains("cached 1 records"), "{log}");
    assert!(log.contains("Cached Nodes 1"), "{log}");
}

#[test]
fn inlookup_cache_follows_domain_commands() {
    let env = setup()
        .env("USE_BTREE", "1")
        .env("INLOOKUP_CACHE_TTL", "600");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = env.path("run/infifo");
    let _server = ServerProc::start(&env, &fifo, &replies);
    let ask = |email: &str| -> String {
        let out = inquery(&env, &fifo, &replies, "1", email).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        ask("alice@alias.test"),
        "alice@alias.test is Absent on this domain (#5.1.1)\n"
    );
    // an alias domain (files only, no row changes) reaches the cache too
    env.run("vaddaliasdomain", &["alias.test", "example.com"])
        .ok();
    assert_eq!(
        ask("alice@alias.test"),
        "alice@alias.test has all services enabled\n"
    );
    assert_eq!(
        ask("alice@example.com"),
        "alice@example.com has all services enabled\n"
    );
    env.run("vdeldomain", &["example.com"]).ok();
    assert_eq!(
        ask("alice@example.com"),
        "alice@example.com is Absent on this domain (#5.1.1)\n"
    );
}
