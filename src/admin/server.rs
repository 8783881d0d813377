//! indisrvr's sessions (servers.md 2.2-2.5, 2.7) and its listeners.
//!
//! One thread per session, a cap on simultaneous sessions and on sessions per source address,
//! timeouts on every read of the conversation (TLS or not) and on every write. The command runs
//! as a separate process — this binary under the applet's name, or the configured path for
//! programs this project does not provide — never through a shell; its stdout and stderr go
//! to the client through one pipe, the client's bytes after the command line (minus the
//! separator LF) feed its stdin.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixListener;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::commands;
use super::conn::{Conn, LineError, LineReader, Sock};
use super::login::{self, Outcome};
use super::privilege::{self, Mode};
use super::throttle::Throttle;
use super::wire::{self, MAX_LINE};
use crate::config::Config;
use crate::db::{vpriv, Db};

/// Everything a session needs.
pub struct Settings {
    pub cfg: Config,
    pub verbose: AtomicBool,
    /// `-t`: every read of the conversation and every write.
    pub timeout: Duration,
    /// `-T`: the TLS handshake.
    pub handshake_timeout: Duration,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Plaintext from any address (`--plaintext-any`); otherwise loopback and UNIX only.
    pub plaintext_any: bool,
    pub max_sessions: usize,
    pub max_per_ip: usize,
    /// Variables `$NAME` words may expand to (empty: none).
    pub allow_env: Vec<String>,
    pub mode: Mode,
    pub throttle: Throttle,
    /// This executable (runs the applets it provides).
    pub exe: PathBuf,
}

/// The running server: settings and the session counters.
pub struct Server {
    pub settings: Settings,
    active: AtomicUsize,
    per_ip: Mutex<HashMap<String, usize>>,
}

/// Log a line on stderr as the original does (`<pid>: text`).
pub fn log(text: &str) {
    let mut e = io::stderr().lock();
    let _ = writeln!(e, "{}: {text}", std::process::id());
}

struct Slot<'a> {
    server: &'a Server,
    ip: String,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.server.active.fetch_sub(1, Ordering::SeqCst);
        let mut m = self.server.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// The address a connection comes from, for logs, limits and the plaintext rule.
#[derive(Debug, Clone)]
pub struct Peer {
    /// IP text, or `unix` for a UNIX-domain socket.
    pub ip: String,
    pub desc: String,
    /// Loopback address or UNIX-domain socket.
    pub local: bool,
}

impl Peer {
    pub fn tcp(addr: std::net::SocketAddr, local: Option<std::net::SocketAddr>) -> Peer {
        let ip = match addr.ip() {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map(IpAddr::V4)
                .unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        Peer {
            ip: ip.to_string(),
            desc: match local {
                Some(l) => format!(
                    "ip {ip}, port {} to ip {}, port {}",
                    addr.port(),
                    l.ip(),
                    l.port()
                ),
                None => format!("ip {ip}, port {}", addr.port()),
            },
            local: ip.is_loopback(),
        }
    }
}

impl Server {
    pub fn new(settings: Settings) -> Server {
        Server {
            settings,
            active: AtomicUsize::new(0),
            per_ip: Mutex::new(HashMap::new()),
        }
    }

    fn verbose(&self) -> bool {
        self.settings.verbose.load(Ordering::Relaxed)
    }

    fn take_slot(&self, ip: &str) -> Option<Slot<'_>> {
        let mut m = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if self.active.load(Ordering::SeqCst) >= self.settings.max_sessions {
            return None;
        }
        let n = m.entry(ip.to_string()).or_insert(0);
        if *n >= self.settings.max_per_ip {
            return None;
        }
        *n += 1;
        self.active.fetch_add(1, Ordering::SeqCst);
        Some(Slot {
            server: self,
            ip: ip.to_string(),
        })
    }

    /// Serve one accepted connection in its own thread (or refuse it when over the limits).
    pub fn spawn_session(self: &Arc<Self>, sock: Sock, peer: Peer) {
        let me = Arc::clone(self);
        // Check the limits before spawning, so that a flood costs no threads.
        if self.active.load(Ordering::SeqCst) >= self.settings.max_sessions {
            log(&format!(
                "connection from {} refused: too many sessions",
                peer.desc
            ));
            return;
        }
        let r = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let Some(_slot) = me.take_slot(&peer.ip) else {
                    log(&format!(
                        "connection from {} refused: too many sessions",
                        peer.desc
                    ));
                    return;
                };
                me.session(sock, &peer);
            });
        if let Err(e) = r {
            log(&format!("cannot start a session thread: {e}"));
        }
    }

    /// One whole conversation.
    pub fn session(&self, sock: Sock, peer: &Peer) {
        let s = &self.settings;
        log(&format!("Connection from {}", peer.desc));
        sock.set_write_timeout(Some(s.timeout));
        let conn = match &s.tls {
            Some(cfg) => match Conn::server_tls(sock, Arc::clone(cfg)) {
                Ok(c) => c,
                Err(e) => return log(&format!("TLS: {e}")),
            },
            None => {
                if !peer.local && !s.plaintext_any {
                    log(&format!(
                        "plaintext refused from {} (not loopback; use TLS or --plaintext-any)",
                        peer.ip
                    ));
                    return;
                }
                Conn::plain(sock)
            }
        };
        let conn = Arc::new(conn);
        if let Err(e) = conn.handshake(s.handshake_timeout) {
            log(&format!("TLS handshake with {}: {e}", peer.ip));
            conn.close();
            return;
        }
        if let Err(e) = self.converse(&conn, peer) {
            log(&format!("{}: {e}", peer.ip));
        }
        conn.close();
    }

    fn read_line(&self, r: &mut LineReader, what: &str) -> io::Result<Vec<u8>> {
        match r.line(MAX_LINE, self.settings.timeout) {
            Ok(l) => Ok(l),
            Err(LineError::Eof) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("read {what}: end of input"),
            )),
            Err(LineError::TooLong) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("read {what}: line longer than {MAX_LINE} bytes"),
            )),
            Err(LineError::Io(e)) => Err(io::Error::new(e.kind(), format!("read {what}: {e}"))),
        }
    }

    fn converse(&self, conn: &Arc<Conn>, peer: &Peer) -> io::Result<()> {
        let s = &self.settings;
        let mut reader = LineReader::new(conn);
        conn.write_all(wire::LOGIN_PROMPT)?;
        let user = self.read_line(&mut reader, "login")?;
        conn.write_all(wire::PASSWORD_PROMPT)?;
        let password = self.read_line(&mut reader, "password")?;
        let user_text = String::from_utf8_lossy(&user).into_owned();
        let shown: String = user_text
            .chars()
            .take(64)
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        let user = match std::str::from_utf8(&user) {
            Ok(u) => u.to_string(),
            Err(_) => String::new(),
        };
        let (outcome, db) =
            login::authenticate(&s.cfg, &s.throttle, &user, &password, &peer.ip, &log);
        // Every attempt is logged (the original logs successes only with -v), never the password.
        match outcome {
            Outcome::Ok => log(&format!("user {shown} logged in from {}", peer.ip)),
            Outcome::Disabled => log(&format!("user {shown} disabled (from {})", peer.ip)),
            Outcome::BadPassword => log(&format!(
                "user {shown} password incorrect (from {})",
                peer.ip
            )),
            Outcome::Throttled => log(&format!(
                "user {shown} from {} throttled after failures",
                peer.ip
            )),
        }
        if outcome != Outcome::Ok {
            conn.write_all(outcome.message().as_bytes())?;
            return Ok(());
        }
        conn.write_all(wire::LOGIN_OK)?;
        let line = self.read_line(&mut reader, "command")?;
        let shown_line: String = String::from_utf8_lossy(&line)
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        let cl = match wire::parse_command_line(&line) {
            Ok(c) => c,
            Err(e) => {
                let index = match e {
                    wire::LineError::Syntax { index } => index,
                    wire::LineError::BadBytes => 0,
                };
                log(&format!("incorrect syntax [{shown_line}]"));
                conn.write_all(
                    format!("indisrvr: incorrect syntax [{shown_line}]{index}\n").as_bytes(),
                )?;
                return Ok(());
            }
        };
        let given = wire::command_basename(&cl.command);
        let name = match commands::resolve(cl.index, given) {
            Ok(n) => n,
            Err(expected) => {
                let expected = expected.unwrap_or("");
                log(&format!(
                    "command mismatch [{given}] [{expected}] index {}",
                    cl.index
                ));
                conn.write_all(
                    format!(
                        "indisrvr: command mismatch [{given}]{} [{expected}]{}\n",
                        given.len(),
                        expected.len()
                    )
                    .as_bytes(),
                )?;
                return Ok(());
            }
        };
        log(&format!(
            "executing command no {} [{}]",
            cl.index, cl.command
        ));
        let program = commands::program_path(&s.cfg, name);
        let first_word = cl
            .command
            .split([' ', '\t'])
            .next()
            .unwrap_or(name)
            .to_string();
        let allowed = match wire::split_words(wire::arguments_text(&cl.command)) {
            Ok(words) => {
                let literal = wire::expand_words(&words, &[], |_| None);
                match self.privilege(db, &user, &program.to_string_lossy(), &literal) {
                    Ok(true) => Some(wire::expand_words(&words, &s.allow_env, |n| {
                        std::env::var(n).ok()
                    })),
                    Ok(false) => None,
                    Err(e) => {
                        log(&format!("vpriv: {e}"));
                        None
                    }
                }
            }
            Err(_) => None,
        };
        let Some(args) = allowed else {
            let msg = format!(
                "{user}: {} args [{}]: permission denied",
                program.display(),
                cl.command
            );
            log(&msg);
            conn.write_all(format!("{msg}\n").as_bytes())?;
            conn.write_all(b"RETURNSTATUS1")?;
            return Ok(());
        };
        // What the reader already holds beyond the command line is the start of stdin.
        let pending = std::mem::take(&mut reader.buf);
        let status = self.run(conn, name, &program, &first_word, &args, pending);
        if self.verbose() {
            log(&format!("normal exit return status {status}"));
        }
        conn.write_all(format!("RETURNSTATUS{status}").as_bytes())?;
        Ok(())
    }

    fn privilege(
        &self,
        db: Option<Db>,
        user: &str,
        program: &str,
        args: &[String],
    ) -> crate::db::DbResult<bool> {
        let mut db = match db {
            Some(db) => db,
            None => Db::open_master(&self.settings.cfg)?,
        };
        if crate::db::mgmtaccess::get(&mut db, user)?.is_none() {
            return Ok(false);
        }
        Ok(match vpriv::get(&mut db, user, program)? {
            Some(sw) => privilege::allows(sw.as_deref(), args, self.settings.mode),
            None => false,
        })
    }

    /// Run the command with the connection as its stdin/stdout/stderr; its exit status
    /// (-1 when killed by a signal or when it could not be started... then 1 as the original).
    fn run(
        &self,
        conn: &Arc<Conn>,
        name: &str,
        program: &std::path::Path,
        first_word: &str,
        args: &[String],
        pending: Vec<u8>,
    ) -> i32 {
        let (mut out_r, out_w) = match crate::sys::pipe() {
            Ok(p) => p,
            Err(e) => {
                log(&format!("pipe: {e}"));
                return 1;
            }
        };
        let err_w = match out_w.try_clone() {
            Ok(w) => w,
            Err(e) => {
                log(&format!("pipe: {e}"));
                return 1;
            }
        };
        let mut cmd = match commands::applet_for(name) {
            Some(a) => {
                let mut c = Command::new(&self.settings.exe);
                c.arg0(a.name);
                c
            }
            None => {
                let mut c = Command::new(program);
                c.arg0(first_word);
                c
            }
        };
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(out_w)
            .stderr(err_w);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                log(&format!("exec {}: {e}", program.display()));
                return 1;
            }
        };
        drop(cmd);
        let stdin = child.stdin.take();
        let done = Arc::new(AtomicBool::new(false));
        {
            let conn = Arc::clone(conn);
            let done = Arc::clone(&done);
            let _ = std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || feed_stdin(&conn, stdin, pending, &done));
        }
        let mut buf = [0u8; 16 * 1024];
        let mut client_gone = false;
        loop {
            match out_r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if !client_gone && conn.write_all(&buf[..n]).is_err() {
                        client_gone = true;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let status = match child.wait() {
            Ok(st) => match st.code() {
                Some(c) => c,
                None => {
                    let _ = st.signal();
                    -1
                }
            },
            Err(_) => -1,
        };
        done.store(true, Ordering::SeqCst);
        status
    }
}

/// Copy the client's bytes to the command's stdin: first what was already read, without the
/// separator LF; end of input closes the command's stdin. Ends when the session does.
fn feed_stdin(
    conn: &Conn,
    stdin: Option<std::process::ChildStdin>,
    pending: Vec<u8>,
    done: &AtomicBool,
) {
    let mut stdin = stdin;
    let mut first = true;
    let mut push = |data: &[u8], stdin: &mut Option<std::process::ChildStdin>| {
        let mut data = data;
        if first && !data.is_empty() {
            first = false;
            if data[0] == b'\n' {
                data = &data[1..];
            }
        }
        if let Some(w) = stdin.as_mut() {
            if w.write_all(data).is_err() {
                *stdin = None;
            }
        }
    };
    if !pending.is_empty() {
        push(&pending, &mut stdin);
    }
    let mut buf = [0u8; 16 * 1024];
    while !done.load(Ordering::SeqCst) {
        match conn.read(&mut buf, Some(Duration::from_millis(500))) {
            Ok(0) => break,
            Ok(n) => push(&buf[..n], &mut stdin),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
    }
}

/// Accept loop of a TCP listener.
pub fn serve_tcp(server: Arc<Server>, listener: TcpListener) {
    for s in listener.incoming() {
        match s {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                let peer = match stream.peer_addr() {
                    Ok(a) => Peer::tcp(a, stream.local_addr().ok()),
                    Err(_) => continue,
                };
                server.spawn_session(Sock::Tcp(stream), peer);
            }
            Err(e) => {
                log(&format!("accept: {e}"));
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Accept loop of a UNIX-domain listener.
pub fn serve_unix(server: Arc<Server>, listener: UnixListener) {
    for s in listener.incoming() {
        match s {
            Ok(stream) => server.spawn_session(
                Sock::Unix(stream),
                Peer {
                    ip: "unix".into(),
                    desc: "unix socket".into(),
                    local: true,
                },
            ),
            Err(e) => {
                log(&format!("accept: {e}"));
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Is `stream` connected over loopback (used by tests and the plaintext rule)?
pub fn is_loopback(stream: &TcpStream) -> bool {
    stream
        .peer_addr()
        .map(|a| a.ip().is_loopback())
        .unwrap_or(false)
}
