/*!
Test harness: a real MariaDB and a relocated IndiMail tree per test.

* The server is the one named by `INDIMAIL_TEST_MYSQL` (a `host.mysql`-style
  string, e.g. `127.0.0.1:root::3306`), else a throwaway `mariadbd` started once
  per test binary with its own datadir and socket in a temp directory. A small
  shell watchdog kills it and removes the directory when the test process
  exits, however it exits.
* Each [`TestEnv`] gets its own database name and its own directory tree
  (control, users, domains, mail base, libexec, bin with applet symlinks), so
  tests run in parallel and never touch system paths.
*/

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;

/// How the tests reach the server.
#[derive(Debug, Clone)]
pub struct Server {
    /// Value for `MYSQL_HOST` (a connection string).
    pub host: String,
    /// Value for `MYSQL_PASSWD` (may be empty).
    pub password: String,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in path.split(':').chain(["/usr/sbin", "/usr/bin", "/sbin"]) {
        for n in names {
            let p = Path::new(dir).join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// A fresh MariaDB data directory `<dir>/data` (mariadb-install-db, retried: it can fail
/// transiently on a loaded machine).
fn install_datadir(dir: &Path) -> PathBuf {
    let install = find_program(&["mariadb-install-db", "mysql_install_db"])
        .expect("mariadb-install-db not found");
    let data = dir.join("data");
    // mariadb-install-db can fail transiently on a loaded machine: try a few times.
    let mut last_err = String::new();
    for attempt in 0..3 {
        let _ = std::fs::remove_dir_all(&data);
        let out = Command::new(&install)
            .args([
                "--no-defaults",
                &format!("--datadir={}", data.display()),
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .env("TMPDIR", dir)
            .stdin(Stdio::null())
            .output()
            .expect("run mariadb-install-db");
        if out.status.success() {
            last_err.clear();
            break;
        }
        last_err = format!(
            "attempt {attempt}: {}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    assert!(last_err.is_empty(), "mariadb-install-db failed: {last_err}");
    data
}

fn start_private_server() -> Server {
    let mariadbd = find_program(&["mariadbd", "mysqld"]).expect(
        "no MariaDB server found: install one (apt-get install mariadb-server) or set INDIMAIL_TEST_MYSQL",
    );
    let dir = std::env::temp_dir().join(format!("indimail-test-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = install_datadir(&dir);
    let sock = dir.join("mysqld.sock");
    // The watchdog: start mariadbd, wait for this test process to go away, then stop it and clean up.
    let script = format!(
        r#"{bin} --no-defaults --datadir={data} --socket={sock} --skip-networking --pid-file={dir}/mysqld.pid \
            --user=root --log-error={dir}/error.log --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
            --skip-log-bin --innodb-flush-log-at-trx-commit=0 --max-connections=500 &
           child=$!
           while kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done
           kill $child 2>/dev/null; wait $child 2>/dev/null; rm -rf {dir}"#,
        bin = mariadbd.display(),
        data = data.display(),
        sock = sock.display(),
        dir = dir.display(),
        parent = std::process::id()
    );
    // The watchdog outlives this function by design; it exits with the test process.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mariadbd");
    let host = format!("localhost:root::{}", sock.display());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if sock.exists() && connect(&host, "").is_ok() {
            break;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            panic!("private mariadbd did not start within 60 s:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Let the applets (which may switch to the domain's uid) reach the socket.
    let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755));
    Server {
        host,
        password: String::new(),
    }
}

/// An extra private MariaDB server listening on 127.0.0.1 (a mail store of
/// a clustered site in the tests), with a user `indimail`/`ssh-1.5-` that
/// may do everything.
#[derive(Debug)]
pub struct StoreServer {
    pub port: u16,
    pub socket: PathBuf,
    pid_file: PathBuf,
}

impl StoreServer {
    /// Stop the server (SIGTERM to mariadbd) and wait until its port is closed.
    /// Only for a server no other test uses (see [`store_servers`]).
    pub fn stop(&self) {
        let pid = std::fs::read_to_string(&self.pid_file).expect("store server pid file");
        let st = Command::new("kill").arg(pid.trim()).status().unwrap();
        assert!(st.success(), "kill {pid}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "store server did not stop");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

static STORES: OnceLock<Vec<StoreServer>> = OnceLock::new();

/// A TCP port on 127.0.0.1 that nothing listens on (at the time of the call).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// Three extra private servers, started once per test binary: the first two
/// are shared by every test that needs several database servers (each test
/// uses its own database names on them); the third is for the one test that
/// stops a server. One `mariadb-install-db` makes a template data directory
/// that all copy; each server has a watchdog like the main one.
pub fn store_servers() -> &'static [StoreServer] {
    STORES.get_or_init(|| {
        let mariadbd = find_program(&["mariadbd", "mysqld"]).expect("no MariaDB server found");
        let dir = std::env::temp_dir().join(format!("indimail-test-stores-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // One data directory made once (`dir/data`), copied for each server.
        let template = install_datadir(&dir);
        let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755));
        let mut started = Vec::new();
        for i in 0..3 {
            let data = dir.join(format!("data{i}"));
            let st = Command::new("cp").arg("-a").arg(&template).arg(&data).status().unwrap();
            assert!(st.success(), "copy the template data directory");
            let sock = dir.join(format!("s{i}.sock"));
            let port = free_port();
            let script = format!(
                r#"{bin} --no-defaults --datadir={data} --socket={sock} --port={port} --bind-address=127.0.0.1 \
                    --pid-file={data}.pid --user=root --log-error={data}.err --innodb-buffer-pool-size=16M \
                    --innodb-log-file-size=8M --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
                    --skip-name-resolve --max-connections=200 &
                   child=$!
                   while kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done
                   kill $child 2>/dev/null; wait $child 2>/dev/null; rm -rf {data} {data}.err {data}.pid; rmdir {dir}/data {dir} 2>/dev/null"#,
                bin = mariadbd.display(),
                data = data.display(),
                sock = sock.display(),
                dir = dir.display(),
                parent = std::process::id()
            );
            #[allow(clippy::zombie_processes)]
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start a store mariadbd");
            started.push(StoreServer {
                port,
                socket: sock,
                pid_file: PathBuf::from(format!("{}.pid", data.display())),
            });
        }
        let _ = std::fs::remove_dir_all(&template);
        for s in &started {
            let host = format!("localhost:root::{}", s.socket.display());
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut c = loop {
                if s.socket.exists() {
                    if let Ok(c) = connect(&host, "") {
                        break c;
                    }
                }
                assert!(Instant::now() < deadline, "store mariadbd did not start within 60 s");
                std::thread::sleep(Duration::from_millis(100));
            };
            c.query_drop("CREATE USER IF NOT EXISTS 'indimail'@'%' IDENTIFIED BY 'ssh-1.5-'")
                .unwrap();
            c.query_drop("GRANT ALL ON *.* TO 'indimail'@'%'").unwrap();
        }
        started
    })
}

/// A connection to a store server as `indimail`, on `database` (created if needed).
pub fn store_db(s: &StoreServer, database: &str) -> mysql::Conn {
    let o = mysql::OptsBuilder::new()
        .user(Some("indimail"))
        .pass(Some("ssh-1.5-"))
        .ip_or_hostname(Some("127.0.0.1"))
        .tcp_port(s.port)
        .prefer_socket(false);
    let mut c = mysql::Conn::new(o).expect("connect to a store server");
    c.query_drop(format!("CREATE DATABASE IF NOT EXISTS `{database}`"))
        .unwrap();
    c.select_db(database).unwrap();
    c
}

/// A MariaDB server of one test's own, which the test may stop and start again (the
/// shared one must stay up for the others). Killed and removed when dropped.
pub struct PrivateDb {
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
    pub server: Server,
}

impl PrivateDb {
    pub fn new() -> PrivateDb {
        let dir = tempfile::Builder::new()
            .prefix("indimail-privdb")
            .tempdir()
            .unwrap();
        install_datadir(dir.path());
        let sock = dir.path().join("mysqld.sock");
        let _ = std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        );
        let mut db = PrivateDb {
            server: Server {
                host: format!("localhost:root::{}", sock.display()),
                password: String::new(),
            },
            dir,
            child: None,
        };
        db.start();
        db
    }

    /// Start mariadbd and wait until it takes connections.
    pub fn start(&mut self) {
        let mariadbd = find_program(&["mariadbd", "mysqld"]).expect("no MariaDB server found");
        let d = self.dir.path();
        let child = Command::new(mariadbd)
            .args([
                "--no-defaults".to_string(),
                format!("--datadir={}", d.join("data").display()),
                format!("--socket={}", d.join("mysqld.sock").display()),
                "--skip-networking".into(),
                format!("--pid-file={}", d.join("mysqld.pid").display()),
                "--user=root".into(),
                format!("--log-error={}", d.join("error.log").display()),
                "--innodb-buffer-pool-size=32M".into(),
                "--innodb-log-file-size=16M".into(),
                "--skip-log-bin".into(),
                "--innodb-flush-log-at-trx-commit=0".into(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mariadbd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while connect(&self.server.host, "").is_err() {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(d.join("error.log")).unwrap_or_default();
                panic!("private mariadbd did not start within 60 s:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stop mariadbd (SIGTERM, then SIGKILL) and wait for it.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let t0 = Instant::now();
            while c.try_wait().ok().flatten().is_none() && t0.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateDb {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A direct connection for checking rows.
pub fn connect(host: &str, password: &str) -> mysql::Result<mysql::Conn> {
    let mut f = host.split(':');
    let h = f.next().unwrap_or("localhost").to_string();
    let user = f
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("root")
        .to_string();
    let _pw = f.next();
    let sock_or_port = f.next().unwrap_or("").to_string();
    let mut o = mysql::OptsBuilder::new()
        .user(Some(user))
        .pass(Some(password.to_string()))
        .prefer_socket(false);
    if sock_or_port.starts_with('/') {
        o = o.socket(Some(sock_or_port));
    } else {
        o = o
            .ip_or_hostname(Some(if h == "localhost" {
                "127.0.0.1".to_string()
            } else {
                h
            }))
            .tcp_port(sock_or_port.parse().unwrap_or(3306));
    }
    mysql::Conn::new(o)
}

pub fn server() -> &'static Server {
    SERVER.get_or_init(|| match std::env::var("INDIMAIL_TEST_MYSQL") {
        Ok(h) if !h.is_empty() => {
            let password = h.split(':').nth(2).unwrap_or("").to_string();
            Server { host: h, password }
        }
        _ => start_private_server(),
    })
}

/// Spawn `cmd`, write `input` to its stdin, close it and collect the outcome.
fn run_with_input(cmd: &mut Command, input: &str) -> Run {
    use std::io::Write;
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
        .write_all(input.as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    fn from(o: Output) -> Run {
        use std::os::unix::process::ExitStatusExt;
        Run {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            code: o
                .status
                .code()
                .unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0)),
        }
    }
    /// Assert success and return stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        &self.stdout
    }
}

/// Root of the repository (for packaging/ and the oracle in ../shared).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project's shared documents: `INDIMAIL_SHARED`, else `../shared` beside
/// the checkout (as CI has it), else two levels up (a git worktree).
pub fn shared() -> PathBuf {
    if let Ok(s) = std::env::var("INDIMAIL_SHARED") {
        return PathBuf::from(s);
    }
    ["../shared", "../../shared"]
        .iter()
        .map(|rel| repo().join(rel))
        .find(|p| p.join("oracle").is_dir())
        .unwrap_or_else(|| repo().join("../shared"))
}

/// A relocated IndiMail installation with its own database.
pub struct TestEnv {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub database: String,
    pub server: Server,
    extra_env: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv::on_server(server().clone())
    }

    /// A tree whose database lives on `server` (e.g. a [`PrivateDb`]).
    pub fn on_server(server: Server) -> TestEnv {
        let tmp = tempfile::Builder::new()
            .prefix("indimail-t")
            .tempdir()
            .unwrap();
        let root = tmp.path().to_path_buf();
        for d in [
            "etc/control",
            "etc/users",
            "var",
            "mail",
            "libexec",
            "bin",
            "sbin",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        // Domain users (uid 999) must be able to walk to their files.
        for d in [
            "",
            "etc",
            "etc/control",
            "etc/users",
            "var",
            "mail",
            "libexec",
            "bin",
        ] {
            let _ = std::fs::set_permissions(
                root.join(d),
                std::os::unix::fs::PermissionsExt::from_mode(0o755),
            );
        }
        std::fs::write(root.join("etc/control/locals"), "").unwrap();
        let exe = PathBuf::from(env!("CARGO_BIN_EXE_indimail"));
        let out = Command::new(&exe)
            .arg("install-links")
            .arg(root.join("bin"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "install-links: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::os::unix::fs::symlink(&exe, root.join("bin/indimail")).unwrap();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let database = format!("t{}_{}", std::process::id(), n);
        TestEnv {
            _tmp: tmp,
            root,
            database,
            server,
            extra_env: Vec::new(),
        }
    }

    /// Install our post-handle hook scripts (packaging/libexec/indimail) in LIBEXECDIR.
    pub fn with_hooks(self) -> TestEnv {
        let src = repo().join("packaging/libexec/indimail");
        for e in std::fs::read_dir(&src).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), self.root.join("libexec").join(e.file_name())).unwrap();
        }
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> TestEnv {
        self.extra_env.push((k.into(), v.into()));
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
    pub fn base(&self) -> PathBuf {
        self.path("mail")
    }
    pub fn domaindir(&self) -> PathBuf {
        self.path("var")
    }
    pub fn controldir(&self) -> PathBuf {
        self.path("etc/control")
    }

    /// The applet `name` through its symlink, with this tree's environment.
    pub fn cmd(&self, name: &str) -> Command {
        let mut c = Command::new(self.path("bin").join(name));
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env_clear()
            .env("PATH", path)
            .env("SYSCONFDIR", self.path("etc"))
            .env("CONTROLDIR", self.controldir())
            .env("ASSIGNDIR", self.path("etc/users"))
            .env("DOMAINDIR", self.domaindir())
            .env("BASE_PATH", self.base())
            .env("LIBEXECDIR", self.path("libexec"))
            .env("INDIMAIL_PREFIX", &self.root)
            .env("INDIMAIL_UID", "999")
            .env("INDIMAIL_GID", "995")
            .env("MYSQL_HOST", &self.server.host)
            .env("MYSQL_PASSWD", &self.server.password)
            .env("MYSQL_DATABASE", &self.database)
            .env("TZ", "UTC")
            .stdin(Stdio::null());
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Run an applet with arguments and no stdin.
    pub fn run(&self, name: &str, args: &[&str]) -> Run {
        Run::from(self.cmd(name).args(args).output().unwrap())
    }

    /// Run with `input` on stdin.
    pub fn run_stdin(&self, name: &str, args: &[&str], input: &str) -> Run {
        run_with_input(self.cmd(name).args(args), input)
    }

    /// Run as another user (the tests run as root), with `input` on stdin.
    pub fn run_as(&self, uid: u32, gid: u32, name: &str, args: &[&str], input: &str) -> Run {
        use std::os::unix::process::CommandExt;
        run_with_input(self.cmd(name).args(args).uid(uid).gid(gid), input)
    }

    /// A domain with postmaster, as most tests need.
    pub fn with_domain(self, domain: &str) -> TestEnv {
        let r = self.run("vadddomain", &[domain, "Pm@ss-2024"]);
        r.ok();
        self
    }

    pub fn db(&self) -> mysql::Conn {
        let mut c =
            connect(&self.server.host, &self.server.password).expect("connect to the test server");
        c.query_drop(format!("CREATE DATABASE IF NOT EXISTS `{}`", self.database))
            .unwrap();
        c.select_db(&self.database).unwrap();
        c
    }

    /// Rows of a query as tab-joined strings (NULL as "NULL").
    pub fn rows(&self, sql: &str) -> Vec<String> {
        let rows: Vec<mysql::Row> = self.db().query(sql).unwrap_or_default();
        rows.into_iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| match r.as_ref(i) {
                        Some(mysql::Value::NULL) | None => "NULL".to_string(),
                        Some(mysql::Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
                        Some(v) => v.as_sql(true).trim_matches('\'').to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if std::env::var("INDIMAIL_TEST_MYSQL").is_ok_and(|v| !v.is_empty()) {
            if let Ok(mut c) = connect(&self.server.host, &self.server.password) {
                let _ = c.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.database));
            }
        }
    }
}

/// Run `applet args` and check that it is refused: exit `code`, a message
/// containing `stderr`, and `state` (what the caller snapshots: rows, files)
/// the same afterwards.
#[track_caller]
pub fn assert_refused<S: PartialEq + std::fmt::Debug>(
    env: &TestEnv,
    state: impl Fn(&TestEnv) -> S,
    applet: &str,
    args: &[&str],
    code: i32,
    stderr: &str,
) {
    let before = state(env);
    let r = env.run(applet, args);
    assert_eq!(r.code, code, "{applet} {args:?}: {r:?}");
    assert!(
        r.stderr.contains(stderr),
        "{applet} {args:?}: stderr {:?} lacks {stderr:?}",
        r.stderr
    );
    assert_eq!(state(env), before, "{applet} {args:?} changed something");
}
