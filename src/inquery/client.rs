//! `inquery()`: send one query to inlookup over its FIFO and read the reply, or — when
//! `QUERY_CACHE` is unset — answer it straight from MySQL, as the original's callers do.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::answer::answer;
use super::codec::{valid_type, CodecError, Reply, Request, LIMIT_QUERY, PIPE_BUF, PWD_QUERY};
use crate::config::{env_nonempty, env_or, first_line, Config};
use crate::db::Db;

/// Default directory of the server FIFO (`INFIFODIR`).
pub const DEFAULT_INFIFODIR: &str = "/run/indimail/inlookup";
/// Prefix of a relative `INFIFODIR`.
pub const INDIMAILDIR: &str = "/var/indimail";

#[derive(Debug, thiserror::Error)]
pub enum InqueryError {
    /// Refused locally: `inquery: fatal: Invalid query type [N]`.
    #[error("inquery: fatal: Invalid query type [{0}]")]
    InvalidType(u8),
    /// R = -1, or R = 0 for types 3/6, or an undecodable reply.
    #[error("inquery: fatal: inlookup service returned error")]
    Service,
    /// A system error (errno set in the original).
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl From<CodecError> for InqueryError {
    fn from(e: CodecError) -> Self {
        match e {
            CodecError::TooLarge(_) => {
                InqueryError::Io(io::Error::from_raw_os_error(libc::EMSGSIZE))
            }
            _ => InqueryError::Service,
        }
    }
}

/// What a query found. `NotFound` is the original's `userNotFound = 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Found(Reply),
    NotFound,
}

/// Seconds from `control/<name>` (first line), default 4.
pub fn control_timeout(cfg: &Config, name: &str) -> Duration {
    let secs = first_line(&cfg.control(name))
        .ok()
        .flatten()
        .and_then(|l| l.trim().parse::<u64>().ok())
        .unwrap_or(4);
    Duration::from_secs(secs)
}

/// The unsuffixed server FIFO path and whether instance selection applies (relative INFIFO).
pub fn base_infifo(name: Option<&str>) -> (PathBuf, bool) {
    let name = match name.filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => env_or("INFIFO", "infifo"),
    };
    if name.starts_with('/') || name.starts_with('.') {
        return (PathBuf::from(name), false);
    }
    let mut dir = env_nonempty("INFIFODIR").unwrap_or_else(|| DEFAULT_INFIFODIR.to_string());
    if !dir.starts_with('/') {
        dir = format!("{INDIMAILDIR}{dir}");
    }
    (Path::new(&dir).join(name), true)
}

/// The FIFO to write to: for a relative INFIFO one of the existing `<path>.1 … <path>.M`
/// picked by `1 + time % M`; with no numbered FIFO the unsuffixed path (the original divided
/// by zero there).
pub fn select_infifo(name: Option<&str>) -> PathBuf {
    let (base, relative) = base_infifo(name);
    if !relative {
        return base;
    }
    let numbered = |k: u64| PathBuf::from(format!("{}.{k}", base.display()));
    let mut m = 0u64;
    while !crate::sys::path_missing(&numbered(m + 1)) {
        m += 1;
    }
    if m == 0 {
        return base;
    }
    numbered(1 + (crate::db::now().max(0) as u64) % m)
}

/// The reply FIFO: `FIFOTMPDIR` (default `/tmp/`) + pid + time + a random suffix, so that
/// its name cannot be guessed in advance.
fn reply_fifo_path() -> io::Result<PathBuf> {
    let mut dir = env_or("FIFOTMPDIR", "/tmp/");
    if !dir.ends_with('/') {
        dir.push('/');
    }
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd).map_err(|e| io::Error::other(e.to_string()))?;
    let hex: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    Ok(PathBuf::from(format!(
        "{dir}{}{}{hex}",
        crate::sys::getpid(),
        crate::db::now()
    )))
}

/// Removes the reply FIFO however the exchange ends.
struct Unlink(PathBuf);
impl Drop for Unlink {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn timed_out() -> io::Error {
    io::Error::from_raw_os_error(libc::ETIMEDOUT)
}

/// How long the reply whose first `got.len()` bytes are in `got` is: the status int
/// alone, or for the query types with a payload the int and as many bytes as it says.
fn reply_len(qtype: u8, got: &[u8]) -> Result<usize, InqueryError> {
    let Some(head) = got.get(..4) else {
        return Ok(4);
    };
    let r = i32::from_ne_bytes([head[0], head[1], head[2], head[3]]);
    if qtype >= PWD_QUERY && r > 0 {
        if r as usize > PIPE_BUF {
            return Err(io::Error::from_raw_os_error(libc::EMSGSIZE).into());
        }
        Ok(4 + r as usize)
    } else {
        Ok(4)
    }
}

/// Read the reply from our non-blocking FIFO before `deadline`: wait until the server has
/// written, then read what is there — usually the whole reply, the server writes it at
/// once — waiting again only while it is incomplete. Bytes after the reply are ignored.
fn read_reply(f: &mut File, qtype: u8, deadline: Instant) -> Result<Reply, InqueryError> {
    let mut buf = [0u8; 4 + PIPE_BUF];
    let mut got = 0;
    // before the server opens the FIFO a read would find no writer (end of file): wait first
    let mut wait = true;
    loop {
        let want = reply_len(qtype, &buf[..got])?;
        if got >= want {
            return Ok(Reply::decode(qtype, &buf[..want])?);
        }
        if wait {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero()
                || !crate::sys::poll_readable(
                    f.as_raw_fd(),
                    left.as_millis().min(i32::MAX as u128) as i32,
                )?
            {
                return Err(timed_out().into());
            }
        }
        match f.read(&mut buf[got..]) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            Ok(n) => {
                got += n;
                wait = false;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait = true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// One exchange over the FIFOs. `log` receives the `Using …` lines of `-v`.
pub fn fifo_query(
    cfg: &Config,
    infifo: &Path,
    qtype: u8,
    email: &str,
    ip: &str,
    log: Option<&mut dyn Write>,
) -> Result<Reply, InqueryError> {
    let reply_path = reply_fifo_path()?;
    if let Some(w) = log {
        let _ = writeln!(w, "Using MYFIFO={}", reply_path.display());
        let _ = writeln!(w, "Using INFIFO={}", infifo.display());
    }
    let mut server = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(infifo)?;
    let frame = Request::new(
        qtype,
        email.as_bytes(),
        reply_path.as_os_str().as_encoded_bytes(),
        ip.as_bytes(),
    )
    .encode(PIPE_BUF)?;
    crate::sys::mkfifo(&reply_path, 0o660)?;
    let _guard = Unlink(reply_path.clone());
    if let Some(mode) = env_nonempty("FIFO_MODE").and_then(|m| u32::from_str_radix(&m, 8).ok()) {
        std::fs::set_permissions(&reply_path, std::fs::Permissions::from_mode(mode & 0o777))?;
    }
    let mut reply = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(&reply_path)?;
    // one write, so that it is atomic on the shared FIFO
    let wdeadline = Instant::now() + control_timeout(cfg, "timeoutwrite");
    loop {
        match server.write(&frame) {
            Ok(n) if n == frame.len() => break,
            Ok(_) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < wdeadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(timed_out().into()),
            Err(e) => return Err(e.into()),
        }
    }
    drop(server);
    let rto = control_timeout(cfg, "timeoutread");
    read_reply(&mut reply, qtype, Instant::now() + rto)
}

/// The UNIX socket an inlookup serves beside its FIFO: `<fifo>.sock`.
pub fn socket_path(fifo: &Path) -> PathBuf {
    let mut s = fifo.as_os_str().to_owned();
    s.push(".sock");
    PathBuf::from(s)
}

/// Whether to use the socket transport (`INLOOKUP_SOCKET` not `0`, `no` or `off`).
pub fn socket_wanted() -> bool {
    !matches!(env_or("INLOOKUP_SOCKET", "1").trim(), "0" | "no" | "off")
}

/// Ask the inlookup on `infifo`: over its UNIX socket when it offers one (a persistent
/// connection, reused by later queries of this thread), otherwise — or when the socket
/// exchange fails — over the FIFO.
pub fn query_server(
    cfg: &Config,
    infifo: &Path,
    qtype: u8,
    email: &str,
    ip: &str,
    mut log: Option<&mut dyn Write>,
) -> Result<Reply, InqueryError> {
    if socket_wanted() {
        let sock = socket_path(infifo);
        if let Some(w) = log.as_mut() {
            if sock.exists() {
                let _ = writeln!(w, "Using INSOCK={}", sock.display());
            }
        }
        match socket_query(cfg, &sock, qtype, email, ip) {
            Ok(r) => return Ok(r),
            Err(InqueryError::Io(_)) => {}
            Err(e) => return Err(e),
        }
    }
    fifo_query(cfg, infifo, qtype, email, ip, log)
}

thread_local! {
    /// This thread's connection to an inlookup socket, kept between queries, and its
    /// read timeout.
    static CONN: std::cell::RefCell<Option<(PathBuf, UnixStream, Duration)>> =
        const { std::cell::RefCell::new(None) };
}

/// One exchange over inlookup's UNIX socket, on this thread's persistent connection (a
/// broken one is replaced once). An `Io` error means: use the FIFO.
pub fn socket_query(
    cfg: &Config,
    sock: &Path,
    qtype: u8,
    email: &str,
    ip: &str,
) -> Result<Reply, InqueryError> {
    let frame = Request::new(qtype, email.as_bytes(), b"socket", ip.as_bytes()).encode(PIPE_BUF)?;
    CONN.with(|cell| {
        let mut slot = cell.borrow_mut();
        let reused = matches!(&*slot, Some((p, ..)) if p == sock);
        if !reused {
            *slot = None;
        }
        for attempt in 0..2 {
            if slot.is_none() {
                // the timeouts are read once per connection: a query on a kept connection
                // costs one write and one read, no look at the control files
                let s = UnixStream::connect(sock)?;
                let rto = control_timeout(cfg, "timeoutread");
                s.set_write_timeout(Some(control_timeout(cfg, "timeoutwrite")))?;
                s.set_read_timeout(Some(rto))?;
                *slot = Some((sock.to_path_buf(), s, rto));
            }
            let Some((_, s, rto)) = slot.as_mut() else {
                break;
            };
            match exchange(s, &frame, qtype, *rto) {
                Ok(r) => return Ok(r),
                Err(InqueryError::Io(e)) => {
                    *slot = None;
                    // a kept connection may have been closed by the server: retry once
                    if attempt == 1 || !reused {
                        return Err(InqueryError::Io(e));
                    }
                }
                Err(e) => {
                    *slot = None;
                    return Err(e);
                }
            }
        }
        Err(InqueryError::Io(io::Error::from(
            io::ErrorKind::NotConnected,
        )))
    })
}

fn exchange(
    s: &mut UnixStream,
    frame: &[u8],
    qtype: u8,
    rto: Duration,
) -> Result<Reply, InqueryError> {
    s.write_all(frame)?;
    let ms = rto.as_millis().clamp(1, i32::MAX as u128) as i32;
    // the server writes a reply in one piece: usually one read gets all of it
    let mut buf = [0u8; 4 + PIPE_BUF];
    let mut got = 0;
    loop {
        let want = reply_len(qtype, &buf[..got])?;
        if got >= want {
            if got > want {
                // more than one reply: the stream is out of step
                return Err(InqueryError::Service);
            }
            break;
        }
        // Waited for in poll, not in read: when the server reads the request, the kernel
        // wakes whoever sleeps on this socket to say there is room to write again; a
        // reader blocked in read would be woken by that for nothing (and the server pay
        // for the wake-up), a poll for input is not.
        if !crate::sys::poll_readable(s.as_raw_fd(), ms)? {
            return Err(timed_out().into());
        }
        match s.read(&mut buf[got..]) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Reply::decode(qtype, &buf[..got])?)
}

/// Client interpretation of a reply (servers.md 1.4).
pub fn interpret(qtype: u8, reply: Reply) -> Result<Answer, InqueryError> {
    match reply {
        Reply::Error => Err(InqueryError::Service),
        Reply::Zero if qtype == PWD_QUERY || qtype == LIMIT_QUERY => Err(InqueryError::Service),
        Reply::Zero | Reply::NoSuchUser(_) => Ok(Answer::NotFound),
        r => Ok(Answer::Found(r)),
    }
}

/// `inquery(type, email, ip)`: over the FIFO `infifo` (or the selected instance) when
/// `QUERY_CACHE` is set or a FIFO is named, otherwise directly from MySQL.
pub fn inquery(
    cfg: &Config,
    qtype: u8,
    email: &str,
    ip: &str,
    infifo: Option<&str>,
    log: Option<&mut dyn Write>,
) -> Result<Answer, InqueryError> {
    if !valid_type(qtype) {
        return Err(InqueryError::InvalidType(qtype));
    }
    let tcp = std::env::var_os("TCPCLIENT").is_some() && std::env::var_os("TCPREMOTEIP").is_some();
    let reply = if tcp {
        tcp_query(qtype, email, ip)?
    } else if std::env::var_os("QUERY_CACHE").is_some() || infifo.is_some_and(|f| !f.is_empty()) {
        let path = select_infifo(infifo);
        query_server(cfg, &path, qtype, email, ip, log)?
    } else {
        let mut db = Db::open(cfg).map_err(|e| io::Error::other(e.to_string()))?;
        answer(cfg, &mut db, qtype, email, ip)
    };
    interpret(qtype, reply)
}

/// Reply size limit of the TCP client mode.
pub const TCP_PIPE_BUF: usize = 8192;

/// `TCPCLIENT` mode (under ucspi-tcp's tcpclient): the request (reply path `socket`) is
/// written to fd 7 and the reply read from fd 6.
pub fn tcp_query(qtype: u8, email: &str, ip: &str) -> Result<Reply, InqueryError> {
    let frame =
        Request::new(qtype, email.as_bytes(), b"socket", ip.as_bytes()).encode(TCP_PIPE_BUF)?;
    crate::sys::with_fd(7, |w| w.write_all(&frame))?;
    crate::sys::with_fd(6, |r| -> Result<Reply, InqueryError> {
        let mut word = [0u8; 4];
        r.read_exact(&mut word)?;
        let n = i32::from_ne_bytes(word);
        let mut all = word.to_vec();
        if qtype >= PWD_QUERY && n > 0 {
            if n as usize > TCP_PIPE_BUF {
                return Err(io::Error::from_raw_os_error(libc::EMSGSIZE).into());
            }
            let mut payload = vec![0u8; n as usize];
            r.read_exact(&mut payload)?;
            all.extend(payload);
        }
        Ok(Reply::decode(qtype, &all)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply FIFO opened as fifo_query opens it, and a thread writing `parts` to it (a
    /// pause between them), as inlookup (one write) or the original server (the int, then
    /// the payload) does.
    fn exchange_parts(parts: Vec<Vec<u8>>, qtype: u8) -> Result<Reply, InqueryError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reply");
        crate::sys::mkfifo(&path, 0o600).unwrap();
        let mut reader = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)
            .unwrap();
        let p = path.clone();
        let writer = std::thread::spawn(move || {
            // a moment after the client waits, as the server answers after reading
            std::thread::sleep(Duration::from_millis(20));
            let mut w = OpenOptions::new().write(true).open(&p).unwrap();
            for part in parts {
                w.write_all(&part).unwrap();
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let r = read_reply(&mut reader, qtype, Instant::now() + Duration::from_secs(5));
        writer.join().unwrap();
        r
    }

    #[test]
    fn reply_read_whole_or_in_pieces() {
        let reply = Reply::Host(b"example.com:127.0.0.1:25".to_vec());
        let bytes = reply.encode();
        assert_eq!(exchange_parts(vec![bytes.clone()], 4).unwrap(), reply);
        let (word, payload) = bytes.split_at(4);
        assert_eq!(
            exchange_parts(vec![word.to_vec(), payload.to_vec()], 4).unwrap(),
            reply
        );
        // a status type has no payload: the int alone
        assert_eq!(
            exchange_parts(vec![Reply::Status(2).encode()], 1).unwrap(),
            Reply::Status(2)
        );
    }

    #[test]
    fn truncated_reply_is_an_error() {
        let bytes = Reply::Host(b"example.com:127.0.0.1:25".to_vec()).encode();
        match exchange_parts(vec![bytes[..10].to_vec()], 4) {
            Err(InqueryError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof),
            other => panic!("{other:?}"),
        }
        let mut big = (PIPE_BUF as i32 + 1).to_ne_bytes().to_vec();
        big.extend([0u8; 8]);
        match exchange_parts(vec![big], 4) {
            Err(InqueryError::Io(e)) => assert_eq!(e.raw_os_error(), Some(libc::EMSGSIZE)),
            other => panic!("{other:?}"),
        }
    }
}
