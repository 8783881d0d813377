//! vacation delivery mode: one reply per sender and day through
//! PREFIX/bin/qmail-inject, never to bounces or mailer-daemon.

use std::path::{Path, PathBuf};

use crate::common::{Run, TestEnv};

const INCOMING: &str =
    "From: Carl <carl@remote.test>\nSubject: lunch?\nTo: alice@example.com\n\nAre you free?\n";

fn setup() -> (TestEnv, String, PathBuf) {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"])
        .ok();
    let home = env
        .rows("SELECT pw_dir FROM indimail WHERE pw_name='alice'")
        .remove(0);
    let log = env.path("inject.log");
    let inject = env.path("bin/qmail-inject");
    std::fs::write(
        &inject,
        format!(
            "#!/bin/sh\n{{ echo \"ARGS $*\"; cat; echo END; }} >> {}\nexit ${{INJECT_EXIT:-0}}\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&inject, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    (env, home, log)
}

fn deliver(env: &TestEnv, vars: &[(&str, &str)]) -> Run {
    use std::io::Write;
    let mut c = env.cmd("vacation");
    for (k, v) in vars {
        c.env(k, v);
    }
    let mut child = c
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(INCOMING.as_bytes());
    let o = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        code: o.status.code().unwrap_or(-1),
    }
}

fn log(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

const NORMAL: &[(&str, &str)] = &[
    ("RECIPIENT", "example.com-alice@example.com"),
    ("SENDER", "carl@remote.test"),
    ("RPLINE", "Return-Path: <carl@remote.test>\n"),
];

#[test]
fn vacation_replies_once_per_sender() {
    let (env, home, inject_log) = setup();
    std::fs::write(format!("{home}/.vacation.msg"), "I am away until Monday.\n").unwrap();
    let r = deliver(&env, NORMAL);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    let rule = "-".repeat(74);
    assert_eq!(
        log(&inject_log),
        format!(
            "ARGS -falice@example.com carl@remote.test\n\
             To: carl@remote.test\nFrom: alice@example.com\nSubject: Re: lunch?\n\n\
             I am away until Monday.\n{rule}\n\
             Note: Further Auto Response will be deferred to carl@remote.test\n      \
             until 24 Hrs Elapses and a new message is received\n      from alice@example.com\n{rule}\nEND\n"
        )
    );
    assert!(Path::new(&format!("{home}/.vacation.dir/carl@remote.test")).is_file());
    // the same sender again: no second reply
    let r = deliver(&env, NORMAL);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(log(&inject_log).matches("ARGS").count(), 1);
    // a day later: answered again
    let rec = format!("{home}/.vacation.dir/carl@remote.test");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86400);
    std::fs::File::options()
        .write(true)
        .open(&rec)
        .unwrap()
        .set_modified(old)
        .unwrap();
    deliver(&env, NORMAL);
    assert_eq!(log(&inject_log).matches("ARGS").count(), 2);
    // another sender, no message file, a charset: the default text
    std::fs::remove_file(format!("{home}/.vacation.msg")).unwrap();
    let r = deliver(
        &env,
        &[
            ("RECIPIENT", "alice@example.com"),
            ("SENDER", "dora@remote.test"),
            ("RPLINE", "Return-Path: <dora@remote.test>"),
            ("CHARSET", "utf-8"),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let l = log(&inject_log);
    assert!(l.contains("Mime-Version: 1.0\nContent-Type: text/plain; charset=\"utf-8\"\n\nThis is an Auto Reply from alice@example.com\n"), "{l}");
}

#[test]
fn vacation_failed_injection_is_retried_next_time() {
    let (env, home, inject_log) = setup();
    let mut vars = NORMAL.to_vec();
    vars.push(("INJECT_EXIT", "111"));
    let r = deliver(&env, &vars);
    assert_eq!(r.code, 111, "{r:?}");
    assert!(!Path::new(&format!("{home}/.vacation.dir/carl@remote.test")).exists());
    let r = deliver(&env, NORMAL);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(log(&inject_log).matches("ARGS").count(), 2);
}

/// Environment, exit code, stderr.
type Case<'a> = (&'a [(&'a str, &'a str)], i32, &'a str);

#[test]
fn vacation_never_answers_bounces() {
    let (env, home, inject_log) = setup();
    let cases: &[Case] = &[
        (&[], 0, "vacation: No RECIPIENT in environment"),
        (
            &[("RECIPIENT", "alice@example.com")],
            0,
            "vacation: No SENDER in environment",
        ),
        (
            &[("RECIPIENT", "alice@example.com"), ("SENDER", "#@[]")],
            0,
            "vacation: SENDER is <#@[]> (double bounce message)",
        ),
        (
            &[("RECIPIENT", "alice@example.com"), ("SENDER", "")],
            0,
            "vacation: SENDER did not contain a hostname",
        ),
        (
            &[
                ("RECIPIENT", "alice@example.com"),
                ("SENDER", "MAILER-DAEMON@remote.test"),
            ],
            0,
            "vacation: SENDER was mailer-daemon",
        ),
        (
            &[
                ("RECIPIENT", "alice@example.com"),
                ("SENDER", "carl@remote.test"),
            ],
            0,
            "vacation: No RPLINE in environment",
        ),
        (
            &[
                ("RECIPIENT", "alice@example.com"),
                ("SENDER", "carl@remote.test"),
                ("RPLINE", "Return-Path: <../../etc/x>"),
            ],
            0,
            "cannot be answered",
        ),
        (
            &[
                ("RECIPIENT", "ghost@example.com"),
                ("SENDER", "carl@remote.test"),
                ("RPLINE", "Return-Path: <carl@remote.test>"),
            ],
            100,
            "vacation: no such user ghost@example.com",
        ),
    ];
    for (vars, code, msg) in cases {
        let r = deliver(&env, vars);
        assert_eq!(r.code, *code, "{vars:?}: {r:?}");
        assert!(r.stderr.contains(msg), "{vars:?}: {r:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{vars:?}: {r:?}");
    }
    assert_eq!(log(&inject_log), "");
    assert!(!Path::new(&format!("{home}/.vacation.dir")).exists());
}
