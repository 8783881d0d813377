//! Remote administration end to end: mgmtpass and vpriv against the real database, indisrvr
//! over real TCP (IPv4, IPv6), UNIX sockets and under a tcpserver-like pipe (-l), adminclient,
//! TLS with certificates made by openssl, and the attack list of issue #6.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestEnv;

const ADMIN_PW: &str = "Adm1n#pw";
const HELP_PW: &str = "Help#pw1";

/// A running indisrvr, killed when dropped; its log is a file.
struct Srv {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Srv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Srv {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start indisrvr listening on `ip` with extra arguments; wait until it accepts.
fn start_on(env: &TestEnv, ip: &str, args: &[&str]) -> Srv {
    let port = free_port();
    let log = env.path(&format!("indisrvr-{port}.log"));
    let child = env
        .cmd("indisrvr")
        .args(["-i", ip, "-p", &port.to_string(), "-b", "64", "-v"])
        .args(args)
        .env("ADMIN_SECRET", "s3cr3t-v4lue")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut srv = Srv { child, port, log };
    let host = if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    };
    let t0 = Instant::now();
    while TcpStream::connect(&host).is_err() {
        assert!(srv.alive(), "indisrvr exited: {}", srv.log());
        assert!(t0.elapsed() < Duration::from_secs(10), "indisrvr not ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    srv
}

fn start(env: &TestEnv) -> Srv {
    start_on(env, "127.0.0.1", &["--plaintext"])
}

/// A domain, a user, the accounts admin (every program) and helpdesk (`vuserinfo -n *`).
fn setup() -> TestEnv {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["alice@example.com", "Al1ce#pw"]).ok();
    env.run("mgmtpass", &["-u", "admin", "-a", ADMIN_PW]).ok();
    env.run("mgmtpass", &["-u", "helpdesk", "-a", HELP_PW]).ok();
    env.run("vpriv", &["-a", "admin"]).ok();
    let vuserinfo = env.path("bin/vuserinfo");
    env.run(
        "vpriv",
        &["-i", vuserinfo.to_str().unwrap(), "helpdesk", "-n *"],
    )
    .ok();
    env
}

/// One raw conversation from a given source address: everything is sent at once, then a
/// half-close; the whole server stream comes back.
fn raw_from(src: Option<&str>, port: u16, send: &[u8]) -> Vec<u8> {
    let mut s = connect_from(src, port);
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(send);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

fn raw(port: u16, send: &[u8]) -> Vec<u8> {
    raw_from(None, port, send)
}

fn connect_from(src: Option<&str>, port: u16) -> TcpStream {
    let dst: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    match src {
        None => TcpStream::connect(dst).unwrap(),
        Some(ip) => {
            let s =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            let a: SocketAddr = format!("{ip}:0").parse().unwrap();
            s.bind(&a.into()).unwrap();
            s.connect(&dst.into()).unwrap();
            s.into()
        }
    }
}

fn session(user: &str, pw: &str, line: &str) -> Vec<u8> {
    format!("{user}\n{pw}\n{line}\n\n").into_bytes()
}

fn exec(env: &TestEnv, sql: &str) {
    use mysql::prelude::Queryable;
    env.db().query_drop(sql).unwrap();
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn alice_exists(env: &TestEnv) -> bool {
    env.rows("SELECT pw_name FROM indimail WHERE pw_name = 'alice'")
        .len()
        == 1
}

#[test]
fn mgmtpass_manages_accounts_with_hashes_and_policy() {
    let env = setup();
    assert_eq!(env.run("mgmtpass", &["-l"]).ok(), "admin\nhelpdesk\n");
    let rows = env.rows("SELECT user, pass, attempts, status FROM mgmtaccess ORDER BY user");
    assert_eq!(rows.len(), 2);
    for r in &rows {
        let f: Vec<&str> = r.split('\t').collect();
        assert!(f[1].starts_with("$5$"), "stored hash {r}");
        assert!(!r.contains(ADMIN_PW) && !r.contains(HELP_PW));
        assert_eq!((f[2], f[3]), ("0", "0"));
    }
    let info = env.run("mgmtpass", &["-u", "helpdesk", "-i"]);
    let lines: Vec<&str> = info.ok().lines().collect();
    assert_eq!(lines[0], "User        : helpdesk");
    assert!(lines[1].starts_with("Pass        : $5$"));
    assert_eq!(lines[2], "Uid         : 0");
    assert!(lines[4].starts_with("Last Access : "));
    assert_eq!(lines[6], "Attempts    : 0");
    assert_eq!(lines[7], "Status      : 0 (Enabled)");
    // Refusals: nothing changes.
    let before = env.rows("SELECT * FROM mgmtaccess ORDER BY user");
    let r = env.run("mgmtpass", &["-u", "admin", "-a", "Other#pw9"]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (1, "mgmtpass: User admin exists")
    );
    for (pw, msg) in [
        ("Sh0rt", "passwd must be of minimum 8 chars"),
        ("Abc1 xyz9", "whitespace not allowed"),
        ("Abcc1xyz", "two consequtive chars cannot be same"),
        ("Abcdefgh", "passwd must be alpha-numeric"),
    ] {
        let r = env.run("mgmtpass", &["-u", "weak", "-a", pw]);
        assert_eq!((r.code, r.stderr.trim()), (1, msg));
    }
    let r = env.run("mgmtpass", &["-u", "x\" or \"1\"=\"1", "-a", "Inj3ct#pw"]);
    assert_eq!(r.code, 1);
    let r = env.run("mgmtpass", &["-u", "nosuch", "-i"]);
    assert_eq!((r.code, r.stderr.trim()), (1, "nosuch: No such user"));
    let r = env.run("mgmtpass", &[]);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("usage: mgmtpass -u user [-a passwd | -p passwd] [-i]\n"));
    assert_eq!(env.rows("SELECT * FROM mgmtaccess ORDER BY user"), before);
    // -p resets the password, the failure counter and the status.
    exec(
        &env,
        "UPDATE mgmtaccess SET attempts = 9, status = '1' WHERE user = 'helpdesk'",
    );
    env.run("mgmtpass", &["-u", "helpdesk", "-p", "N3w#pass"])
        .ok();
    let r = env.rows("SELECT attempts, status FROM mgmtaccess WHERE user = 'helpdesk'");
    assert_eq!(r, ["0\t0"]);
    let r = env.run("mgmtpass", &["-u", "nosuch", "-p", "N3w#pass"]);
    assert_eq!(r.code, 1);
}

#[test]
fn vpriv_rules_and_list_format() {
    let env = setup();
    let bin = env.path("bin");
    let vuserinfo = bin.join("vuserinfo");
    let vu = vuserinfo.to_str().unwrap();
    let r = env.run("vpriv", &["-s", "helpdesk"]);
    assert_eq!(r.ok(), format!("{:<20} --> {:<20} -n *\n", "helpdesk", vu));
    let all = env.run("vpriv", &["-s"]);
    assert!(all.ok().lines().count() > 44);
    assert!(all.stdout.contains(&format!(
        "admin                --> {} *\n",
        bin.join("vadduser").display()
    )));
    // Verbose insert, update, delete.
    let vd = bin.join("vdeluser");
    let vd = vd.to_str().unwrap();
    let r = env.run("vpriv", &["-v", "-i", vd, "helpdesk", "*@example.com"]);
    assert_eq!(
        r.ok(),
        format!("Added Privilege for helpdesk [{vd} *@example.com]\n")
    );
    let r = env.run("vpriv", &["-v", "-m", vd, "helpdesk", "bob@example.com"]);
    assert_eq!(
        r.ok(),
        format!("Updated Cmdargs bob@example.com for user helpdesk program {vd} (1 entries)\n")
    );
    let r = env.run("vpriv", &["-v", "-d", vd, "helpdesk"]);
    assert_eq!(
        r.ok(),
        format!("Deleted program {vd} for user helpdesk (1 entries)\n")
    );
    // Unknown account: silent exit 1; missing arguments: the original's messages.
    let r = env.run("vpriv", &["-i", vu, "nobody", "*"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (1, "", ""));
    let r = env.run("vpriv", &["-i", vu, "helpdesk"]);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("vpriv: must supply Command Line Switches\n"));
    let r = env.run("vpriv", &[]);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("vpriv: warning: usage: vpriv [options] user CommandLineSwitches\n"));
    // SQL in a rule is stored as text.
    let inj = "-n x\"; DROP TABLE vpriv; --";
    env.run("vpriv", &["-m", vu, "helpdesk", inj]).ok();
    assert_eq!(
        env.rows("SELECT cmdswitches FROM vpriv WHERE user = 'helpdesk'"),
        [inj]
    );
    // -D removes every rule of the user.
    env.run("vpriv", &["-D", "helpdesk"]).ok();
    assert_eq!(env.run("vpriv", &["-s", "helpdesk"]).ok(), "");
    // -a twice: the second finds the rules present.
    assert_eq!(env.run("vpriv", &["-a", "admin"]).code, 1);
}

#[test]
fn indisrvr_conversation_is_byte_exact() {
    let env = setup();
    let srv = start(&env);
    let out = raw(
        srv.port,
        &session("helpdesk", HELP_PW, "7 vuserinfo -n alice@example.com"),
    );
    assert_eq!(
        text(&out),
        "Login: Password: OK\nname          : alice@example.com\nRETURNSTATUS0"
    );
    // A non-zero status and the command's stderr come through.
    let out = raw(
        srv.port,
        &session("admin", ADMIN_PW, "7 vuserinfo nosuch@example.com"),
    );
    assert_eq!(
        text(&out),
        "Login: Password: OK\nnosuch@example.com: No such user\nRETURNSTATUS1"
    );
    // Login refusals, without RETURNSTATUS.
    let out = raw_from(
        Some("127.0.0.11"),
        srv.port,
        &session("admin", "wrong", "7 vuserinfo alice@example.com"),
    );
    assert_eq!(
        text(&out),
        "Login: Password: indisrvr: Password incorrect\n"
    );
    let out = raw_from(
        Some("127.0.0.12"),
        srv.port,
        &session("nobody", "x", "7 vuserinfo alice@example.com"),
    );
    assert_eq!(text(&out), "Login: Password: You are disabled\n");
    exec(
        &env,
        "UPDATE mgmtaccess SET status = '1' WHERE user = 'helpdesk'",
    );
    let out = raw_from(
        Some("127.0.0.3"),
        srv.port,
        &session("helpdesk", HELP_PW, "7 vuserinfo -n alice@example.com"),
    );
    assert_eq!(text(&out), "Login: Password: You are disabled\n");
    // Both command tables: mgmtpass is 18 in the seed's and 41 in the current one.
    for idx in ["18", "41"] {
        let out = raw_from(
            Some("127.0.0.4"),
            srv.port,
            &session("admin", ADMIN_PW, &format!("{idx} mgmtpass -l")),
        );
        assert_eq!(
            text(&out),
            "Login: Password: OK\nadmin\nhelpdesk\nRETURNSTATUS0",
            "index {idx}"
        );
    }
    // svstat: index 21 in the seed's table, 18 in the current one.
    let svc = env.path("svc");
    std::fs::create_dir_all(svc.join("supervise")).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(svc.join("supervise/ok"))
        .status()
        .unwrap()
        .success());
    for idx in ["21", "18"] {
        let out = raw_from(
            Some("127.0.0.4"),
            srv.port,
            &session(
                "admin",
                ADMIN_PW,
                &format!("{idx} svstat {}", svc.display()),
            ),
        );
        assert_eq!(
            text(&out),
            format!(
                "Login: Password: OK\n{}: supervise not running\nRETURNSTATUS0",
                svc.display()
            )
        );
    }
    let log = srv.log();
    assert!(log.contains("user admin logged in"), "{log}");
    assert!(log.contains("user admin password incorrect"), "{log}");
    assert!(log.contains("user nobody disabled"), "{log}");
    assert!(
        log.contains("executing command no 7 [vuserinfo -n alice@example.com]"),
        "{log}"
    );
    assert!(
        !log.contains(ADMIN_PW) && !log.contains(HELP_PW) && !log.contains("wrong"),
        "{log}"
    );
}

#[test]
fn stdin_is_streamed_to_the_command() {
    let env = setup();
    let srv = start(&env);
    let before = env.rows("SELECT pw_passwd FROM indimail WHERE pw_name = 'alice'");
    let out = raw(
        srv.port,
        &session("admin", ADMIN_PW, "1 vpasswd alice@example.com")
            .into_iter()
            .chain(b"Secret#12\nSecret#12\n".iter().copied())
            .collect::<Vec<u8>>(),
    );
    assert!(text(&out).ends_with("RETURNSTATUS0"), "{}", text(&out));
    let after = env.rows("SELECT pw_passwd FROM indimail WHERE pw_name = 'alice'");
    assert_ne!(before, after);
    let out = env.run("vuserinfo", &["-p", "alice@example.com"]);
    let hash = out.ok().split_whitespace().nth(2).unwrap().to_string();
    assert!(indimail::passwd::verify(b"Secret#12", &hash));
}

fn adminclient(env: &TestEnv, port: u16, args: &[&str]) -> crate::common::Run {
    let pwfile = env.path("adminpw");
    std::fs::write(&pwfile, format!("{ADMIN_PW}\n")).unwrap();
    let mut all = vec!["-h", "127.0.0.1", "-u", "admin"];
    let p = port.to_string();
    all.extend(["-p", &p, "--password-file", pwfile.to_str().unwrap()]);
    all.extend(args);
    env.run("adminclient", &all)
}

#[test]
fn adminclient_runs_commands_and_returns_their_status() {
    let env = setup();
    let srv = start(&env);
    let r = adminclient(&env, srv.port, &["-c", "vuserinfo -n alice@example.com"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "name          : alice@example.com\n")
    );
    let r = adminclient(
        &env,
        srv.port,
        &["-v", "-c", "vuserinfo nosuch@example.com"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stdout,
        format!(
            "connecting to 127.0.0.1@{0} as admin\nconnected\nexecuting command no 7 [vuserinfo nosuch@example.com]\nnosuch@example.com: No such user\n",
            srv.port
        )
    );
    let r = adminclient(&env, srv.port, &["-c", "rm -rf /tmp/x"]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (
            1,
            "adminclient: invalid or unauthorized command rm -rf /tmp/x"
        )
    );
    let r = env.run(
        "adminclient",
        &["-h", "127.0.0.1", "-p", "1", "-u", "admin", "-P", "x"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "usage: adminclient -h adminHost -p adminPort -u adminUser -P adminPasswd [-n certfile] [-i] -c cmmd [-v]\n");
    // -P works but warns.
    let p = srv.port.to_string();
    let r = env.run(
        "adminclient",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &p,
            "-u",
            "admin",
            "-P",
            ADMIN_PW,
            "-c",
            "vuserinfo -n alice@example.com",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("warning: -P"), "{r:?}");
    // Streaming stdin (-i) and the password from stdin are both possible.
    let pw = env.path("pw2");
    std::fs::write(&pw, ADMIN_PW).unwrap();
    let r = env.run_stdin(
        "adminclient",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &p,
            "-u",
            "admin",
            "--password-file",
            pw.to_str().unwrap(),
            "-i",
            "-c",
            "vpasswd alice@example.com",
        ],
        "Other#pw3\nOther#pw3\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    let hash = env.run("vuserinfo", &["-p", "alice@example.com"]).stdout;
    assert!(indimail::passwd::verify(
        b"Other#pw3",
        hash.split_whitespace().nth(2).unwrap()
    ));
    // Output that contains the word RETURNSTATUS does not fake the status.
    env.run("vmoduser", &["-c", "x RETURNSTATUS7", "alice@example.com"])
        .ok();
    let r = adminclient(&env, srv.port, &["-c", "vuserinfo -c alice@example.com"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("RETURNSTATUS7"), "{r:?}");
    let r = env.run("vmoduser", &["-c", "RETURNSTATUS9", "alice@example.com"]);
    r.ok();
    let r = adminclient(&env, srv.port, &["-c", "vuserinfo -c nosuch@example.com"]);
    assert_eq!(r.code, 1, "{r:?}");
    // Wrong password: the original's message, exit 1.
    let r = env.run(
        "adminclient",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &p,
            "-u",
            "helpdesk",
            "-P",
            "wrong",
            "-c",
            "vuserinfo -n alice@example.com",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.ends_with(&format!(
            "adminclient: auth_admin: 127.0.0.1@{p} as helpdesk: \n"
        )),
        "{r:?}"
    );
}

#[test]
fn attacks_are_refused_logged_and_the_server_keeps_serving() {
    let env = setup();
    let mut srv = start_on(&env, "127.0.0.1", &["--plaintext", "-t", "2"]);
    let port = srv.port;
    let ok = |src: &str| {
        let out = raw_from(
            Some(src),
            port,
            &session("helpdesk", HELP_PW, "7 vuserinfo -n alice@example.com"),
        );
        assert_eq!(
            text(&out),
            "Login: Password: OK\nname          : alice@example.com\nRETURNSTATUS0"
        );
    };
    // SQL injection in the login line.
    for (i, user) in [
        "admin\" or \"1\"=\"1",
        "admin' -- ",
        "x\" union select 1,2,3,4,5,6,7,8,9 #",
    ]
    .iter()
    .enumerate()
    {
        let src = format!("127.0.1.{}", i + 1);
        let out = raw_from(
            Some(&src),
            port,
            &session(user, "x\" or \"1\"=\"1", "7 vuserinfo alice@example.com"),
        );
        assert_eq!(text(&out), "Login: Password: You are disabled\n", "{user}");
    }
    // Bad indices and mismatches run nothing.
    let bad = [
        (
            "46 vuserinfo alice@example.com",
            "indisrvr: incorrect syntax [46 vuserinfo alice@example.com]46\n",
        ),
        (
            "-1 vuserinfo alice@example.com",
            "indisrvr: incorrect syntax [-1 vuserinfo alice@example.com]-1\n",
        ),
        (
            "x vuserinfo alice@example.com",
            "indisrvr: incorrect syntax [x vuserinfo alice@example.com]0\n",
        ),
        ("7vuserinfo", "indisrvr: incorrect syntax [7vuserinfo]7\n"),
        (
            "44 vdeluser alice@example.com",
            "indisrvr: command mismatch [vdeluser]8 [inquerytest]11\n",
        ),
        (
            "7 vdeluser alice@example.com",
            "indisrvr: command mismatch [vdeluser]8 [vuserinfo]9\n",
        ),
        (
            "7 vuser\0info alice@example.com",
            "indisrvr: incorrect syntax [7 vuser?info alice@example.com]0\n",
        ),
    ];
    for (line, answer) in bad {
        let out = raw_from(Some("127.0.0.6"), port, &session("admin", ADMIN_PW, line));
        assert_eq!(
            text(&out),
            format!("Login: Password: OK\n{answer}"),
            "{line:?}"
        );
    }
    assert!(alice_exists(&env));
    // Overlong lines (login and command).
    let long = "a".repeat(5000);
    let out = raw_from(Some("127.0.0.6"), port, format!("{long}\n").as_bytes());
    assert_eq!(text(&out), "Login: ");
    let out = raw_from(
        Some("127.0.0.6"),
        port,
        &session("admin", ADMIN_PW, &format!("7 vuserinfo {long}")),
    );
    assert_eq!(text(&out), "Login: Password: OK\n");
    // vpriv escapes.
    let pw = env.server.password.clone();
    for line in [
        "7 vuserinfo -n alice@example.com; vdeluser alice@example.com",
        "7 vuserinfo -n -p alice@example.com",
        "7 vuserinfo -p alice@example.com",
        "7 vuserinfo -n \"alice@example.com -p\" x",
        "7 vuserinfo -n '' ",
        "7 vuserinfo -n \"unterminated",
        "7 vuserinfo alice@example.com",
        "2 vdeluser alice@example.com",
    ] {
        let out = text(&raw_from(
            Some("127.0.0.7"),
            port,
            &session("helpdesk", HELP_PW, line),
        ));
        assert!(
            out.starts_with("Login: Password: OK\nhelpdesk: "),
            "{line}: {out}"
        );
        assert!(
            out.ends_with(": permission denied\nRETURNSTATUS1"),
            "{line}: {out}"
        );
    }
    assert!(alice_exists(&env));
    // $VAR is not expanded: the literal text reaches the command, the secret does not.
    for var in ["MYSQL_PASSWD", "ADMIN_SECRET"] {
        let out = text(&raw_from(
            Some("127.0.0.7"),
            port,
            &session("helpdesk", HELP_PW, &format!("7 vuserinfo -n ${var}")),
        ));
        assert_eq!(
            out,
            format!("Login: Password: OK\n${var}: No such user\nRETURNSTATUS1")
        );
        assert!(
            !out.contains("s3cr3t") && (pw.is_empty() || !out.contains(&pw)),
            "{out}"
        );
    }
    // A client that stops talking is dropped (plaintext too).
    let t0 = Instant::now();
    let mut s = connect_from(Some("127.0.0.8"), port);
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    assert_eq!(text(&got), "Login: ");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    // 500 parallel connections: refused beyond the limits, the server keeps serving.
    let mut held = Vec::new();
    for _ in 0..500 {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            held.push(s);
        }
    }
    ok("127.0.0.9");
    drop(held);
    assert!(srv.alive());
    let log = srv.log();
    assert!(log.contains("refused: too many sessions"), "{log}");
    assert!(log.contains("incorrect syntax"), "{log}");
    assert!(log.contains("command mismatch"), "{log}");
    assert!(log.contains("permission denied"), "{log}");
    assert!(log.contains("line longer than 4096 bytes"), "{log}");
    assert!(
        !log.contains(HELP_PW) && !log.contains(ADMIN_PW),
        "passwords in the log"
    );
    ok("127.0.0.10");
}

#[test]
fn ten_thousand_wrong_passwords_are_throttled() {
    let env = setup();
    let srv = start(&env);
    let port = srv.port;
    let t0 = Instant::now();
    let answers: Vec<Vec<String>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(move || {
                    (0..1250)
                        .map(|i| text(&raw(port, format!("admin\nwrong{i}\n").as_bytes())))
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let answers: Vec<String> = answers.into_iter().flatten().collect();
    assert_eq!(answers.len(), 10_000);
    for a in &answers {
        assert!(
            a == "Login: Password: indisrvr: Password incorrect\n"
                || a.is_empty()
                || a == "Login: ",
            "{a:?}"
        );
    }
    assert!(answers.iter().all(|a| !a.contains("OK")));
    // Only the first few attempts reached the database.
    let attempts = env.rows("SELECT attempts FROM mgmtaccess WHERE user = 'admin'");
    let n: i64 = attempts[0].parse().unwrap();
    assert!(n <= 5, "attempts {n} after {:?}", t0.elapsed());
    // The right password from another address is accepted at once (timed up to "OK").
    let t1 = Instant::now();
    let mut s = connect_from(Some("127.0.0.2"), port);
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(format!("admin\n{ADMIN_PW}\n").as_bytes())
        .unwrap();
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !out.ends_with(b"OK\n") && s.read(&mut byte).unwrap() == 1 {
        out.push(byte[0]);
    }
    let login_time = t1.elapsed();
    assert!(login_time < Duration::from_secs(1), "{login_time:?}");
    s.write_all(b"7 vuserinfo -n alice@example.com\n\n")
        .unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    s.read_to_end(&mut out).unwrap();
    assert_eq!(
        text(&out),
        "Login: Password: OK\nname          : alice@example.com\nRETURNSTATUS0"
    );
    // Success reset the counter; the attacking address is still throttled, even with the right password.
    assert_eq!(
        env.rows("SELECT attempts FROM mgmtaccess WHERE user = 'admin'"),
        ["0"]
    );
    let out = raw(
        port,
        &session("admin", ADMIN_PW, "7 vuserinfo -n alice@example.com"),
    );
    assert_eq!(
        text(&out),
        "Login: Password: indisrvr: Password incorrect\n"
    );
    assert!(srv.log().contains("throttled"));
}

#[test]
fn transports_ipv6_unix_socket_and_tcpserver_mode() {
    let env = setup();
    let conv = session("helpdesk", HELP_PW, "7 vuserinfo -n alice@example.com");
    let expect = "Login: Password: OK\nname          : alice@example.com\nRETURNSTATUS0";
    // IPv6 loopback.
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        let srv = start_on(&env, "::1", &["--plaintext"]);
        let mut s = TcpStream::connect(("::1", srv.port)).unwrap();
        s.write_all(&conv).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        assert_eq!(text(&out), expect);
    }
    // UNIX socket.
    let sock = env.path("indisrvr.sock");
    let log = env.path("unix.log");
    let mut child = env
        .cmd("indisrvr")
        .args([
            "-i",
            sock.to_str().unwrap(),
            "-p",
            "0",
            "-b",
            "5",
            "--plaintext",
        ])
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let mut s = loop {
        if let Ok(s) = std::os::unix::net::UnixStream::connect(&sock) {
            break s;
        }
        assert!(t0.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    };
    s.write_all(&conv).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(text(&out), expect);
    // -l: one session on fds 0/1, logs on fd 2.
    let mut c = env
        .cmd("indisrvr")
        .args(["-l", "-v", "--plaintext"])
        .env("TCPREMOTEIP", "127.0.0.1")
        .env("TCPREMOTEPORT", "5555")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(&conv).unwrap();
    let o = c.wait_with_output().unwrap();
    assert_eq!(text(&o.stdout), expect);
    assert!(text(&o.stderr).contains("Connection from ip 127.0.0.1, port 5555"));
    // Under tcpserver from a remote address, plaintext needs --plaintext-any.
    let o = env
        .cmd("indisrvr")
        .args(["-l", "--plaintext"])
        .env("TCPREMOTEIP", "192.0.2.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), "");
    assert!(text(&o.stderr).contains("plaintext refused from 192.0.2.1"));
    // Plaintext is refused without --plaintext, and on a public address without --plaintext-any.
    let r = env.run("indisrvr", &["-i", "127.0.0.1", "-p", "0", "-b", "5"]);
    assert_eq!(r.code, 100);
    assert!(r.stderr.contains("no certificate"), "{r:?}");
    let r = env.run(
        "indisrvr",
        &["-i", "0", "-p", "0", "-b", "5", "--plaintext"],
    );
    assert_eq!(r.code, 100);
    assert!(r.stderr.contains("refusing plaintext"), "{r:?}");
}

/// Certificates made with openssl(1): a CA, a server certificate for localhost/127.0.0.1,
/// a client certificate, and a second, untrusted CA. `None` when openssl fails.
fn make_certs(dir: &Path) -> Option<()> {
    let sh = |script: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    sh("command -v openssl")?;
    let script = r#"
set -e
cat > ext.cnf <<EOT
[srv]
subjectAltName=DNS:localhost,IP:127.0.0.1
[cli]
extendedKeyUsage=clientAuth
EOT
for ca in ca other; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout $ca.key -out $ca.pem -days 2 -subj "/CN=$ca test CA" 2>/dev/null
done
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.crt -days 2 -extfile ext.cnf -extensions srv 2>/dev/null
cat srv.crt srv.key > server.pem
openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj "/CN=provisioner" 2>/dev/null
openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cli.crt -days 2 -extfile ext.cnf -extensions cli 2>/dev/null
cat cli.crt cli.key > client.pem
openssl req -newkey rsa:2048 -nodes -keyout bad.key -out bad.csr -subj "/CN=intruder" 2>/dev/null
openssl x509 -req -in bad.csr -CA other.pem -CAkey other.key -CAcreateserial -out bad.crt -days 2 -extfile ext.cnf -extensions cli 2>/dev/null
cat bad.crt bad.key > badclient.pem
"#;
    sh(script)?;
    Some(())
}

#[test]
fn tls_with_server_and_client_certificates() {
    let env = setup();
    let dir = env.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    make_certs(&dir).expect("openssl(1) failed or is missing (bash .ci/deps installs it)");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let srv = start_on(&env, "127.0.0.1", &["-n", &d("server.pem")]);
    let p = srv.port.to_string();
    let base = |host: &'static str| {
        vec![
            "-h".to_string(),
            host.to_string(),
            "-p".into(),
            p.clone(),
            "-u".into(),
            "admin".into(),
            "-P".into(),
            ADMIN_PW.into(),
        ]
    };
    let run = |args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        env.run("adminclient", &a)
    };
    let mut a = base("localhost");
    a.extend([
        "-C".into(),
        d("ca.pem"),
        "-c".into(),
        "vuserinfo -n alice@example.com".into(),
    ]);
    let r = run(a);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "name          : alice@example.com\n"),
        "{r:?}"
    );
    // By IP address (in the certificate's SAN) too.
    let mut a = base("127.0.0.1");
    a.extend([
        "-C".into(),
        d("ca.pem"),
        "-c".into(),
        "vuserinfo -n alice@example.com".into(),
    ]);
    assert_eq!(run(a).code, 0);
    // An untrusted server is refused by default.
    let mut a = base("localhost");
    a.extend([
        "-C".into(),
        d("other.pem"),
        "-c".into(),
        "vuserinfo -n alice@example.com".into(),
    ]);
    let r = run(a);
    assert_ne!(r.code, 0);
    assert_eq!(r.stdout, "");
    // A plaintext client gets nothing useful from a TLS server; the server survives.
    let out = raw(
        srv.port,
        &session("admin", ADMIN_PW, "7 vuserinfo alice@example.com"),
    );
    assert!(!text(&out).contains("alice"));
    // Client certificates required and verified when -c is given.
    let srv2 = start_on(
        &env,
        "127.0.0.1",
        &["-n", &d("server.pem"), "-c", &d("ca.pem")],
    );
    let p2 = srv2.port.to_string();
    let with = |cert: Option<&str>| {
        let mut a: Vec<String> = [
            "-h",
            "localhost",
            "-p",
            &p2,
            "-u",
            "admin",
            "-P",
            ADMIN_PW,
            "-C",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.push(d("ca.pem"));
        if let Some(c) = cert {
            a.extend(["-n".into(), d(c)]);
        }
        a.extend(["-c".into(), "vuserinfo -n alice@example.com".into()]);
        run(a)
    };
    assert_eq!(with(Some("client.pem")).code, 0);
    assert_ne!(with(None).code, 0);
    assert_ne!(with(Some("badclient.pem")).code, 0);
    assert!(srv2.log().contains("TLS handshake"), "{}", srv2.log());
    // -i through TLS.
    let r = env.run_stdin(
        "adminclient",
        &[
            "-h",
            "localhost",
            "-p",
            &p,
            "-u",
            "admin",
            "-P",
            ADMIN_PW,
            "-C",
            &d("ca.pem"),
            "-i",
            "-c",
            "vpasswd alice@example.com",
        ],
        "Tls#pw12\nTls#pw12\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    let hash = env.run("vuserinfo", &["-p", "alice@example.com"]).stdout;
    assert!(indimail::passwd::verify(
        b"Tls#pw12",
        hash.split_whitespace().nth(2).unwrap()
    ));
    // -l with -n: TLS on fds 0/1, as when started per connection by tcpserver.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let lport = listener.local_addr().unwrap().port().to_string();
    let cmd = env.cmd("indisrvr");
    let server_pem = d("server.pem");
    let launcher = std::thread::spawn(move || {
        let mut cmd = cmd;
        let (sock, peer) = listener.accept().unwrap();
        let out = sock.try_clone().unwrap();
        cmd.args(["-l", "-n", &server_pem])
            .env("TCPREMOTEIP", peer.ip().to_string())
            .stdin(Stdio::from(std::os::fd::OwnedFd::from(sock)))
            .stdout(Stdio::from(std::os::fd::OwnedFd::from(out)))
            .stderr(Stdio::null())
            .status()
            .unwrap()
    });
    let r = env.run(
        "adminclient",
        &[
            "-h",
            "localhost",
            "-p",
            &lport,
            "-u",
            "admin",
            "-P",
            ADMIN_PW,
            "-C",
            &d("ca.pem"),
            "-c",
            "vuserinfo -n alice@example.com",
        ],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "name          : alice@example.com\n"),
        "{r:?}"
    );
    assert!(launcher.join().unwrap().success());
}

/// The steps of a provisioning run: (command, stdin, expected status). Every command of the
/// tables that this project provides is run at least once; those without a step here are
/// run without arguments (their usage error is a status too).
fn plan() -> Vec<(&'static str, &'static str, Option<i32>)> {
    vec![
        ("indiversion", "", Some(0)),
        ("vadddomain example.org Pm@ss-2024", "", Some(0)),
        ("vdominfo -n example.org", "", Some(0)),
        ("vaddaliasdomain alias.example.org example.org", "", Some(0)),
        ("vmoddomain -l 1 example.org", "", Some(0)),
        ("vlimit -m 10 example.org", "", Some(0)),
        ("vlimit -s example.org", "", Some(0)),
        ("vadduser -d bob@example.org B0b#pass1", "", Some(0)),
        ("vpasswd bob@example.org", "N3w#pass2\nN3w#pass2\n", Some(0)),
        ("vuserinfo -n bob@example.org", "", Some(0)),
        ("vsetuserquota bob@example.org 10M", "", Some(0)),
        ("vmoduser -c \"Bob Remote\" bob@example.org", "", Some(0)),
        ("valias -i bob@example.org carol@example.org", "", Some(0)),
        ("valias -s carol@example.org", "", Some(0)),
        ("vacation bob@example.org +", "Away until Monday\n", Some(0)),
        ("vacation bob@example.org -", "", Some(0)),
        ("vgroup -a team@example.org Gr0up#pw1", "", Some(0)),
        ("vatrn -i example.net bob@example.org", "", Some(0)),
        (
            "vrenameuser bob@example.org robert@example.org",
            "",
            Some(0),
        ),
        ("vuserinfo nosuch@example.org", "", Some(1)),
        ("vdeluser robert@example.org", "", Some(0)),
        ("vdeloldusers -d example.org -a 3650", "", None),
        ("mgmtpass -l", "", Some(0)),
        ("vpriv -s helpdesk", "", Some(0)),
        ("vrenamedomain example.org example.info", "", Some(0)),
        ("vdeldomain example.info", "", Some(0)),
    ]
}

fn provision(
    env: &TestEnv,
    port: u16,
    host: &str,
    cafile: Option<&str>,
) -> Vec<(String, Option<i64>, String, Option<i32>)> {
    use indimail::admin::commands;
    let mut steps = plan();
    let named: Vec<&str> = steps
        .iter()
        .map(|s| s.0.split(' ').next().unwrap())
        .collect();
    let extra: Vec<&'static str> = commands::all_names()
        .into_iter()
        .filter(|n| commands::applet_for(n).is_some() && !named.contains(n))
        .collect();
    for n in extra {
        steps.push((n, "", None));
    }
    let json: Vec<serde_json::Value> = steps
        .iter()
        .map(|(c, stdin, _)| {
            let name = c.split(' ').next().unwrap();
            let (index, _) = commands::client_indices(name).unwrap();
            serde_json::json!({"index": index, "command": c, "stdin": stdin})
        })
        .collect();
    let pw = env.path("provision.pw");
    std::fs::write(&pw, format!("{ADMIN_PW}\n")).unwrap();
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(crate::common::repo().join("tests/provision/provision.py"))
        .args([host, &port.to_string(), "admin", pw.to_str().unwrap()]);
    if let Some(ca) = cafile {
        cmd.args(["--cafile", ca]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&json).unwrap().as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "provision.py: {}", text(&o.stderr));
    let results: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(results.len(), steps.len());
    results
        .iter()
        .zip(&steps)
        .map(|(r, s)| {
            (
                r["command"].as_str().unwrap().to_string(),
                r["status"].as_i64(),
                r["output"].as_str().unwrap().to_string(),
                s.2,
            )
        })
        .collect()
}

fn check_provisioning(results: &[(String, Option<i64>, String, Option<i32>)]) {
    let mut wrong = Vec::new();
    for (cmd, status, output, want) in results {
        match (status, want) {
            (None, _) => wrong.push(format!("{cmd}: no RETURNSTATUS: {output}")),
            (Some(s), Some(w)) if *s != i64::from(*w) => {
                wrong.push(format!("{cmd}: status {s}, wanted {w}: {output}"))
            }
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let out = |c: &str| &results.iter().find(|r| r.0 == c).unwrap().2;
    assert_eq!(
        out("vuserinfo -n bob@example.org"),
        "name          : bob@example.org\n"
    );
    assert_eq!(out("mgmtpass -l"), "admin\nhelpdesk\n");
}

#[test]
fn provisioning_script_over_plaintext_and_tls() {
    assert!(
        std::process::Command::new("python3")
            .arg("-V")
            .output()
            .is_ok(),
        "python3 is needed for the provisioning script (bash .ci/deps installs it)"
    );
    let env = setup();
    let srv = start(&env);
    let results = provision(&env, srv.port, "127.0.0.1", None);
    check_provisioning(&results);
    assert!(env
        .rows("SELECT pw_name FROM indimail WHERE pw_domain = 'example.org'")
        .is_empty());
    drop(srv);
    // The same over TLS, on a fresh installation.
    let env = setup();
    let dir = env.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    make_certs(&dir).expect("openssl(1) failed or is missing (bash .ci/deps installs it)");
    let server_pem = dir.join("server.pem");
    let srv = start_on(&env, "127.0.0.1", &["-n", server_pem.to_str().unwrap()]);
    let ca = dir.join("ca.pem");
    let results = provision(&env, srv.port, "localhost", Some(ca.to_str().unwrap()));
    check_provisioning(&results);
}

/// adminclient against a server that only knows the current table (as the original release):
/// the seed index is answered with `command mismatch`, nothing runs, and the client retries once
/// with the current table's index.
#[test]
fn adminclient_retries_once_with_the_other_table_after_a_mismatch() {
    let env = TestEnv::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let (mut s, _) = listener.accept().unwrap();
            let mut r = std::io::BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            let mut read_line = |r: &mut std::io::BufReader<TcpStream>| {
                line.clear();
                std::io::BufRead::read_line(r, &mut line).unwrap();
                line.trim_end_matches('\n').to_string()
            };
            s.write_all(b"Login: ").unwrap();
            read_line(&mut r);
            s.write_all(b"Password: ").unwrap();
            read_line(&mut r);
            s.write_all(b"OK\n").unwrap();
            let cmd = read_line(&mut r);
            if cmd.starts_with("41 ") {
                s.write_all(b"admin\nRETURNSTATUS0").unwrap();
            } else {
                s.write_all(b"indisrvr: command mismatch [mgmtpass]8 [svstat]6\n")
                    .unwrap();
            }
            seen.push(cmd);
        }
        seen
    });
    let p = port.to_string();
    let r = env.run(
        "adminclient",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &p,
            "-u",
            "admin",
            "-P",
            "x",
            "-c",
            "mgmtpass -l",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, "admin\n"), "{r:?}");
    assert_eq!(server.join().unwrap(), ["18 mgmtpass -l", "41 mgmtpass -l"]);
}

#[test]
fn mgmtpass_interactive_change_and_lockout() {
    let env = setup();
    // Old password, a refused new one (policy), then a good one twice.
    let r = env.run_stdin(
        "mgmtpass",
        &["-u", "helpdesk"],
        "Help#pw1\nshort\nN3w#pas9x\nN3w#pas9x\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("passwd must be of minimum 8 chars"),
        "{r:?}"
    );
    let hash = env.rows("SELECT pass FROM mgmtaccess WHERE user = 'helpdesk'");
    assert!(indimail::passwd::verify(b"N3w#pas9x", &hash[0]));
    // Mismatched confirmation, then the same as the old one, then too many tries.
    let r = env.run_stdin(
        "mgmtpass",
        &["-u", "helpdesk"],
        "N3w#pas9x\nAb1cdefg\nAb1cdefx\nN3w#pas9x\n",
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("They don't match; try again."), "{r:?}");
    assert!(
        r.stderr
            .contains("Your passwd cannot be same as the previous one"),
        "{r:?}"
    );
    // Three wrong old passwords disable the account.
    let r = env.run_stdin("mgmtpass", &["-u", "helpdesk"], "x\ny\nz\n");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.ends_with("Login incorrect or you are disabled\n"),
        "{r:?}"
    );
    assert_eq!(
        env.rows("SELECT status FROM mgmtaccess WHERE user = 'helpdesk'"),
        ["1"]
    );
}

#[test]
fn variable_expansion_only_when_allowed_and_regex_rules() {
    let env = setup();
    let vu = env.path("bin/vuserinfo");
    env.run(
        "vpriv",
        &[
            "-m",
            vu.to_str().unwrap(),
            "helpdesk",
            "-n .*@EXAMPLE\\.com",
        ],
    )
    .ok();
    let srv = start_on(
        &env,
        "127.0.0.1",
        &["--plaintext", "--allow-env", "ADMIN_SECRET"],
    );
    let out = text(&raw(
        srv.port,
        &session("admin", ADMIN_PW, "7 vuserinfo -n $ADMIN_SECRET"),
    ));
    assert_eq!(
        out,
        "Login: Password: OK\ns3cr3t-v4lue: No such user\nRETURNSTATUS1"
    );
    // MYSQL_PASSWD is not in the allow-list: literal.
    let out = text(&raw(
        srv.port,
        &session("admin", ADMIN_PW, "7 vuserinfo -n $MYSQL_PASSWD"),
    ));
    assert_eq!(
        out,
        "Login: Password: OK\n$MYSQL_PASSWD: No such user\nRETURNSTATUS1"
    );
    drop(srv);
    // QREGEX: anchored, case-insensitive regular expressions per argument.
    let port = free_port();
    let mut child = env
        .cmd("indisrvr")
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-b",
            "5",
            "--plaintext",
        ])
        .env("QREGEX", "1")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = text(&raw(
        port,
        &session("helpdesk", HELP_PW, "7 vuserinfo -n alice@example.com"),
    ));
    assert_eq!(
        out,
        "Login: Password: OK\nname          : alice@example.com\nRETURNSTATUS0"
    );
    let out = text(&raw(
        port,
        &session("helpdesk", HELP_PW, "7 vuserinfo -n alice@example.com.evil"),
    ));
    assert!(out.ends_with(": permission denied\nRETURNSTATUS1"), "{out}");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn non_root_callers() {
    let env = setup();
    // -p and -i are for root only.
    let r = env.run_as(
        999,
        995,
        "mgmtpass",
        &["-u", "helpdesk", "-p", "Any#pw123"],
        "",
    );
    assert_eq!(
        (r.code, r.stderr.trim()),
        (1, "mgmtpass: Only superuser can specify -p option")
    );
    // -a without root needs the admin password.
    let r = env.run_as(
        999,
        995,
        "mgmtpass",
        &["-u", "ops", "-a", "0ps#pa5s1"],
        &format!("{ADMIN_PW}\n"),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        env.rows("SELECT user, pw_uid FROM mgmtaccess WHERE user = 'ops'"),
        ["ops\t999"]
    );
    let r = env.run_as(
        999,
        995,
        "mgmtpass",
        &["-u", "ops2", "-a", "0ps#pa5s1"],
        "a\nb\nc\n",
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(env
        .rows("SELECT user FROM mgmtaccess WHERE user = 'ops2'")
        .is_empty());
    assert_eq!(
        env.rows("SELECT status FROM mgmtaccess WHERE user = 'admin'"),
        ["1"]
    );
    // vpriv: root, the indimail uid or gid only.
    let r = env.run_as(4321, 4321, "vpriv", &["-s"], "");
    assert_eq!(
        (r.code, r.stderr.trim()),
        (
            1,
            "vpriv: you must be root or domain user (uid=999/gid=995) to run this program"
        )
    );
    assert_eq!(
        env.run_as(999, 995, "vpriv", &["-s", "helpdesk"], "").code,
        0
    );
}

#[test]
fn mgmtpass_and_vpriv_match_the_original_transcript() {
    // transcript-indisrvr.txt [1], [3]-[10]: the accounts (made by hand with SQL in the
    // capture) listed, rules added verbosely, the list format, a rule for an unknown admin.
    // [2] and [24] show that capture's hashes and times; [11] is the original crashing.
    // The sessions [12]-[22] (bytes in wire-indisrvr.txt) are asserted text for text by the
    // conversation tests above.
    let env = TestEnv::new();
    env.run("mgmtpass", &["-u", "admin", "-a", ADMIN_PW]).ok();
    env.run("mgmtpass", &["-u", "helpdesk", "-a", HELP_PW]).ok();
    crate::oracle::replay(
        &env,
        "transcript-indisrvr.txt",
        &[],
        &[1, 3, 4, 5, 6, 7, 8, 9, 10],
    );
}
