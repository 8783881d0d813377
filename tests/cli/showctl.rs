//! qmail-showctl on generated control directories (no database).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// etc/ (SYSCONFDIR) with control/, var/ (the qmail home), home/, a queue base q/ with queue1.
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for d in [
            "bin",
            "etc/control/defaultqueue",
            "var",
            "home",
            "q/queue1/lock",
        ] {
            fs::create_dir_all(p.join(d)).unwrap();
        }
        fs::write(p.join("q/queue1/lock/sendmutex"), "").unwrap();
        fs::write(
            p.join("etc/control/defaultqueue/QUEUE_BASE"),
            format!("{}\n", p.join("q").display()),
        )
        .unwrap();
        let exe = PathBuf::from(env!("CARGO_BIN_EXE_indimail"));
        std::os::unix::fs::symlink(&exe, p.join("bin/qmail-showctl")).unwrap();
        Site { dir }
    }
    fn p(&self) -> &Path {
        self.dir.path()
    }
    fn control(&self, name: &str, text: &str) {
        fs::write(self.p().join("etc/control").join(name), text).unwrap();
    }
    fn run(&self, args: &[&str]) -> (String, String, i32) {
        self.run_env(args, &[])
    }
    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
        let mut c = Command::new(self.p().join("bin/qmail-showctl"));
        c.args(args)
            .env_clear()
            .env("HOME", self.p().join("home"))
            .env("SYSCONFDIR", self.p().join("etc"))
            .env("DOMAINDIR", self.p().join("var"))
            .env("PATH", "/usr/bin:/bin")
            .env("SOMETHING_ELSE", "dropped");
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            o.status.code().unwrap_or(-1),
        )
    }
}

#[test]
fn control_files_section() {
    let s = Site::new();
    s.control("me", "mx.example.com\n");
    s.control("rcpthosts", "a.example\n# not this\n\nb.example  \n");
    s.control("databytes", "1048576\n");
    s.control("timeoutread", "-3\n");
    s.control("helohost", "helo.example.com\n");
    s.control("hostip", "192.0.2.5\n");
    s.control("hostid", "c0a80001\n");
    s.control("smtpgreeting", "hi\tthere\n");
    s.control("morercpthosts", "c.example\n");
    let (out, err, code) = s.run(&["-c"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("------------------- begin control files ----------------------\nme                    : My name is mx.example.com\n\n"), "{out}");
    for want in [
        "rcpthosts             : SMTP clients may send messages to recipients at a.example.\n                        SMTP clients may send messages to recipients at b.example.\n\n",
        "morercpthosts         : SMTP clients may send messages to recipients at c.example.\n\n",
        "morercpthosts.cdb     : Oops! morercpthosts exists but morercpthosts.cdb doesn't.\n\n",
        "locals                : Messages for me are delivered locally. (Default)\n\n",
        // Host-name entries default to control/me.
        "defaulthost           : Default host name is mx.example.com (Default) \n\n",
        "smtpgreeting          : SMTP greeting: 220 hi?there\n\n",
        "helohost              : SMTP client HELO host name is helo.example.com\n\n",
        "bouncefrom            : Bounce user name is MAILER-DAEMON (Default) \n\n",
        "databytes             : SMTP DATA limit is 1048576 bytes\n\n",
        "timeoutread           : InServer Read data timeout is 0 seconds\n\n",
        "timeoutwrite          : InServer Write data timeout is 4 seconds (Default)\n\n",
        "localiphost           : Hostname for local ip addresses 192.0.2.5 (Default) \n\n",
        "hostip                : Host Local IP: 192.0.2.5\n\n",
        "hostid                : Host Local ID: c0a80001\n\n",
        &format!("queue_base            : Base queue directory: {} (Default) \n\n", s.p().join("q").display()),
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert!(out.ends_with(
        "nodnscheck            : Any MAIL FROM is checked for existing Domains. (Default)\n\n\n"
    ));
    // One entry per control file, in the original's order.
    let names: Vec<&str> = out
        .lines()
        .filter(|l| l.len() > 24 && &l[22..24] == ": ")
        .map(|l| l[..22].trim_end())
        .collect();
    assert_eq!(names.len(), 104, "{names:?}");
    assert_eq!(
        &names[..4],
        ["me", "rcpthosts", "morercpthosts", "morercpthosts.cdb"]
    );
    // Without rcpthosts, morercpthosts is irrelevant; an up-to-date cdb.
    fs::remove_file(s.p().join("etc/control/rcpthosts")).unwrap();
    s.control("morercpthosts.cdb", "");
    let (out, _, _) = s.run(&["-c"]);
    assert!(out.contains(
        "morercpthosts         : No rcpthosts; doesn't matter that morercpthosts has c.example.\n"
    ));
    assert!(
        out.contains("morercpthosts.cdb     : Modified recently enough; hopefully up to date.\n")
    );
}

#[test]
fn concurrency_internals_versions_env_unknown() {
    let s = Site::new();
    s.control("concurrencylocal", "30\n");
    s.control("concurrencyr.queue1", "7\n");
    s.control("concurrencyl.queue2", "junk\n");
    s.control("rcpthosts", "a.example\n");
    s.control("badmailfrom.cdb", "");
    s.control("stray.bak", "");
    s.control("custom", "");
    fs::write(s.p().join("etc/controlfiles.q"), "custom\n").unwrap();
    fs::write(
        s.p().join("etc/indimail-mta-release"),
        "indimail-mta 3.0.9\n",
    )
    .unwrap();
    fs::write(s.p().join("etc/other-release"), "other 1\n").unwrap();
    fs::write(s.p().join("etc/notes.txt"), "not a release file\n").unwrap();
    let (out, err, code) = s.run(&["-C"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "-------------------- concurrency limits ----------------------\n\
         concurrencylocal      : Global Local  concurrency is 30\n\n\
         concurrencyremote     : Global Remote concurrency is 20 (Default)\n\n\
         concurrencyl.queue2   : Local   Queue concurrency is 10 (Default)\n\n\
         concurrencyr.queue1   : Remote  Queue concurrency is 7\n\n"
    );
    let (out, err, code) = s.run(&["-e"]);
    assert_eq!((out.as_str(), code), ("", 0));
    assert_eq!(
        err,
        "------------------- begin unknown files ----------------------\nstray.bak: I have no idea what this file does\n\n"
    );
    let (out, _, code) = s.run(&["-v"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "---------------- software version information ----------------\nindimail-mta 3.0.9\n\nother 1\n\n"
    );
    // -E: the caller's environment is gone, the defaultqueue envdir is loaded.
    let (out, _, code) = s.run(&["-E"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("------------------ begin show env ----------------------------\n"));
    assert!(
        out.contains(&format!("QUEUE_BASE={}\n", s.p().join("q").display())),
        "{out}"
    );
    assert!(
        !out.contains("SOMETHING_ELSE") && !out.contains("PATH="),
        "{out}"
    );
    // -i with a user environment directory.
    fs::create_dir(s.p().join("home/.defaultqueue")).unwrap();
    let (out, _, code) = s.run(&["-i"]);
    assert_eq!(code, 0);
    let etc = s.p().join("etc");
    let etc = etc.display();
    let want_head = format!(
        "------------------ begin show internals ----------------------\n\
         indimail-mta  home dir: {}\n\
         user        assign dir: {etc}/users\n\
         tcp         access dir: {etc}/tcp\n\
         certificates       dir: {etc}/certs\n\
         control            dir: {etc}/control\n\
         filter             dir: {etc}/control/filters.d\n\
         global environment dir: {etc}/control/defaultqueue\n\
         user   environment dir: {}/.defaultqueue\n\
         surbl        cache dir: {etc}/control/cache\n\
         domainkeys         dir: {etc}/control/domainkeys\n\n\
         user-ext delimiter      : -\n\
         paternalism (in decimal): 2\n\
         silent concurrency limit: 500\n\nuser  ids\n alias   : ",
        s.p().join("var").display(),
        s.p().join("home").display()
    );
    assert!(out.starts_with(&want_head), "{out}");
    assert!(
        out.contains("\ngroup ids\n nofiles : ") && out.ends_with("\n\n"),
        "{out}"
    );
    // No option: internals, then queues.
    let (out, _, code) = s.run(&[]);
    assert_eq!(code, 0);
    let q = out.find("--------------------- begin show queues").unwrap();
    assert!(out.starts_with("------------------ begin show internals") && q > 0);
    assert!(out[q..].contains(&format!("queue 001 {}/queue1\n", s.p().join("q").display())));
    // -a: every section, in the original's order.
    let (out, err, code) = s.run(&["-a"]);
    assert_eq!(code, 0);
    let at = |h: &str| out.find(h).unwrap_or_else(|| panic!("no {h} in {out}"));
    assert!(at("software version") < at("begin show env"));
    assert!(at("begin show env") < at("begin show internals"));
    assert!(at("begin show internals") < at("begin show queues"));
    assert!(at("begin show queues") < at("concurrency limits"));
    assert!(at("concurrency limits") < at("begin control files"));
    assert!(err.contains("stray.bak: I have no idea"));
}

#[test]
fn failures_and_svctool() {
    let s = Site::new();
    let usage = s.run(&["-z"]);
    assert_eq!(usage.2, 100);
    assert!(usage.1.starts_with("qmail-showctl: illegal option -- z\nqmail-showctl: fatal: usage: qmail-showctl [-cCie]\n"), "{}", usage.1);
    // An unreadable control file.
    fs::create_dir(s.p().join("etc/control/databytes")).unwrap();
    let (_, err, code) = s.run(&["-c"]);
    assert_eq!(code, 111);
    assert!(err.starts_with("unable to read databytes: "), "{err}");
    fs::remove_dir(s.p().join("etc/control/databytes")).unwrap();
    fs::create_dir(s.p().join("etc/control/me")).unwrap();
    let (out, _, code) = s.run(&["-c"]);
    assert_eq!(code, 111);
    assert_eq!(
        out,
        format!("Oops! Trouble reading {}/etc/control/me.", s.p().display())
    );
    // A missing control directory.
    let (out, _, code) = s.run_env(&["-C"], &[("CONTROLDIR", "/nonexistent/control")]);
    assert_eq!(
        (out.as_str(), code),
        ("Oops! Unable to chdir to /nonexistent/control.\n", 111)
    );
    // -s runs PREFIX/sbin/svctool --dumpconfig.
    let prefix = s.p().join("prefix");
    fs::create_dir_all(prefix.join("sbin")).unwrap();
    let svctool = prefix.join("sbin/svctool");
    fs::write(&svctool, "#!/bin/sh\necho \"svctool $*\"\nexit 3\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&svctool, fs::Permissions::from_mode(0o755)).unwrap();
    let prefix_s = prefix.display().to_string();
    let (out, _, code) = s.run_env(&["-s"], &[("INDIMAIL_PREFIX", &prefix_s)]);
    assert_eq!((out.as_str(), code), ("svctool --dumpconfig\n", 3));
    let (_, err, code) = s.run_env(&["-s"], &[("INDIMAIL_PREFIX", "/nonexistent")]);
    assert_eq!(code, 111);
    assert!(
        err.starts_with("qmail-showctl: fatal: execv: svctool: "),
        "{err}"
    );
}
