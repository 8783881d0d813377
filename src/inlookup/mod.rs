//! The inlookup server: answers inquery() requests arriving on a FIFO (servers.md 1.6-1.12).
//!
//! Hardening that keeps the wire format: the reply path must be a FIFO directly inside the
//! reply directory (`FIFOTMPDIR`, default `/tmp/`), checked with lstat and opened with
//! `O_NOFOLLOW`; request lengths are validated and oversized bodies drained so the stream
//! stays in step; unknown query types get the error reply; the cache has a TTL and a bound.

pub mod supervise;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::{env_nonempty, env_or, Config};
use crate::db::Db;
use crate::inquery::answer::answer;
use crate::inquery::client::control_timeout;
use crate::inquery::codec::{
    check_request_len, query_name, valid_type, Reply, Request, ALIAS_QUERY, DOMAIN_QUERY,
    HOST_QUERY, LIMIT_QUERY, PIPE_BUF, PWD_QUERY, RELAY_QUERY, USER_QUERY,
};

/// Default lifetime of a cache entry (the original's never expired).
pub const DEFAULT_CACHE_TTL: u64 = 60;
/// Default bound of the cache when `MAX_BTREE_COUNT` is unset or 0.
pub const DEFAULT_CACHE_MAX: usize = 100_000;

/// Bounded query cache with a TTL, keyed by the exact query string and type.
pub struct Cache {
    map: HashMap<(u8, Vec<u8>), (Instant, Reply)>,
    max: usize,
    ttl: Duration,
}

impl Cache {
    pub fn new(max: usize, ttl: Duration) -> Cache {
        Cache {
            map: HashMap::new(),
            max: max.max(1),
            ttl,
        }
    }

    pub fn from_env() -> Option<Cache> {
        if !env_or("USE_BTREE", "").starts_with('1') {
            return None;
        }
        let max = env_nonempty("MAX_BTREE_COUNT")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_CACHE_MAX);
        let ttl = env_nonempty("INLOOKUP_CACHE_TTL")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(DEFAULT_CACHE_TTL);
        Some(Cache::new(max, Duration::from_secs(ttl)))
    }

    /// Types the original cached: user status, password, alias list, host.
    pub fn cacheable(qtype: u8) -> bool {
        matches!(qtype, USER_QUERY | PWD_QUERY | ALIAS_QUERY | HOST_QUERY)
    }

    pub fn get(&mut self, qtype: u8, key: &[u8]) -> Option<Reply> {
        let k = (qtype, key.to_vec());
        match self.map.get(&k) {
            Some((at, r)) if at.elapsed() < self.ttl => Some(r.clone()),
            Some(_) => {
                self.map.remove(&k);
                None
            }
            None => None,
        }
    }

    /// Store a good answer (errors and not-found are retried next time).
    pub fn put(&mut self, qtype: u8, key: &[u8], reply: &Reply) {
        let good = match reply {
            Reply::Status(s) => *s >= 0,
            Reply::Password(_) | Reply::Aliases(_) | Reply::Host(_) => true,
            _ => false,
        };
        if !good || !Cache::cacheable(qtype) {
            return;
        }
        if self.map.len() >= self.max {
            let now = Instant::now();
            let ttl = self.ttl;
            self.map.retain(|_, (at, _)| now.duration_since(*at) < ttl);
            if self.map.len() >= self.max {
                return;
            }
        }
        self.map
            .insert((qtype, key.to_vec()), (Instant::now(), reply.clone()));
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Per-type counters for the stats dump.
#[derive(Default)]
struct Stats {
    by_type: [u64; 8],
}

/// Server settings.
pub struct Server {
    pub cfg: Config,
    /// The FIFO served.
    pub fifo: PathBuf,
    /// Directory reply FIFOs must live in.
    pub reply_dir: PathBuf,
    pub verbose: bool,
}

fn log(line: &str) {
    let mut e = io::stderr().lock();
    let _ = writeln!(e, "{line}");
}

/// Create the server FIFO (an existing FIFO is reused, anything else is an error).
pub fn create_fifo(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        if path.is_absolute() && !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_fifo() => {}
        Ok(_) => return Err(io::Error::other(format!("{}: not a FIFO", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => crate::sys::mkfifo(path, 0o660)?,
        Err(e) => return Err(e),
    }
    if let Some(mode) = env_nonempty("FIFO_MODE").and_then(|m| u32::from_str_radix(&m, 8).ok()) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o777))?;
    }
    Ok(())
}

/// Read exactly `buf.len()` bytes; `deadline` None = wait forever. Returns Ok(false) on EOF,
/// Err(Interrupted) when a signal arrived while nothing had been read.
fn read_exact_timed(f: &mut File, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            let ms = left.as_millis().min(i32::MAX as u128) as i32;
            if left.is_zero() || !crate::sys::poll_readable(f.as_raw_fd(), ms)? {
                return Err(io::Error::from_raw_os_error(libc::ETIMEDOUT));
            }
        }
        match f.read(&mut buf[got..]) {
            Ok(0) => return Ok(false),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted && got == 0 && deadline.is_none() => {
                return Err(e)
            }
            Err(e)
                if e.kind() == io::ErrorKind::Interrupted
                    || e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

impl Server {
    /// Check the reply path and open it for writing: a FIFO directly inside `reply_dir`,
    /// never through a symbolic link. It is unlinked once opened, as the original did.
    fn open_reply(&self, raw: &[u8]) -> io::Result<File> {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(raw));
        let bad = || io::Error::new(io::ErrorKind::PermissionDenied, "reply path refused");
        let parent = path.parent().ok_or_else(bad)?;
        let dir = std::fs::canonicalize(parent).map_err(|_| bad())?;
        let want = std::fs::canonicalize(&self.reply_dir).map_err(|_| bad())?;
        if dir != want || path.file_name().is_none() {
            return Err(bad());
        }
        let m = std::fs::symlink_metadata(path)?;
        if !m.file_type().is_fifo() {
            return Err(bad());
        }
        let f = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
            .open(path)?;
        let fm = f.metadata()?;
        if !fm.file_type().is_fifo() || fm.ino() != m.ino() || fm.dev() != m.dev() {
            return Err(bad());
        }
        let _ = std::fs::remove_file(path);
        Ok(f)
    }

    fn write_reply(&self, f: &mut File, bytes: &[u8], qtype: u8) -> io::Result<()> {
        let deadline = Instant::now() + control_timeout(&self.cfg, "timeoutwrite");
        // the int, then the payload (two writes, as the original)
        let split = if bytes.len() > 4 && qtype >= PWD_QUERY {
            4
        } else {
            bytes.len()
        };
        for part in [&bytes[..split], &bytes[split..]] {
            let mut done = 0;
            while done < part.len() {
                match f.write(&part[done..]) {
                    Ok(n) => done += n,
                    Err(e)
                        if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline =>
                    {
                        std::thread::sleep(Duration::from_millis(2))
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Serve until SIGTERM. Returns the exit status.
    pub fn run(&self) -> i32 {
        if let Err(e) = create_fifo(&self.fifo) {
            log(&format!("InLookup: {}: {e}", self.fifo.display()));
            return 111;
        }
        if let Err(e) = crate::sys::catch_signals(&[
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGINT,
            libc::SIGUSR1,
            libc::SIGUSR2,
        ]) {
            log(&format!("InLookup: signals: {e}"));
            return 111;
        }
        let pid = std::process::id();
        let name = self
            .fifo
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        log(&format!("InLookup INFIFO={name}"));
        let mut cache = Cache::from_env();
        let mut db: Option<Db> = None;
        let mut stats = Stats::default();
        let start = crate::db::now();
        let mut fifo = match self.open_fifo() {
            Ok(f) => f,
            Err(e) => {
                log(&format!("InLookup: open {}: {e}", self.fifo.display()));
                return 111;
            }
        };
        let mut debug = std::env::var_os("DEBUG").is_some();
        // an instance of `inlookup -i N` stops when its parent is gone (reparented)
        let supervised = std::env::var_os(supervise::CHILD_ENV).is_some();
        let first_ppid = std::os::unix::process::parent_id();
        loop {
            let sigs = crate::sys::take_signals();
            if sigs & (1 << libc::SIGTERM) != 0 {
                if self.verbose || debug {
                    log(&format!(
                        "{pid} INFIFO {} ARGH!! Committing suicide on SIGTERM",
                        self.fifo.display()
                    ));
                }
                log(&format!(
                    "{pid} INFIFO {}, Got Terminated",
                    self.fifo.display()
                ));
                self.dump_stats(&stats, cache.as_ref().map_or(0, Cache::len), start);
                let _ = std::fs::remove_file(&self.fifo);
                return 0;
            }
            if sigs & (1 << libc::SIGUSR1) != 0 {
                self.dump_stats(&stats, cache.as_ref().map_or(0, Cache::len), start);
            }
            if sigs & (1 << libc::SIGHUP) != 0 {
                log(&format!(
                    "{pid} INFIFO {}, Got Hangup, Reconfiguring",
                    self.fifo.display()
                ));
                db = None;
                if let Some(c) = cache.as_mut() {
                    c.clear();
                }
            }
            if sigs & (1 << libc::SIGINT) != 0 {
                log(&format!("{pid} INFIFO {}, closing db", self.fifo.display()));
                db = None;
            }
            if sigs & (1 << libc::SIGUSR2) != 0 {
                debug = !debug;
                log(&format!(
                    "{pid} INFIFO {}, Resetting DEBUG flag to {}",
                    self.fifo.display(),
                    u8::from(debug)
                ));
            }
            if supervised && std::os::unix::process::parent_id() != first_ppid {
                log(&format!(
                    "{pid} INFIFO {}, parent died, exiting",
                    self.fifo.display()
                ));
                let _ = std::fs::remove_file(&self.fifo);
                return 0;
            }
            // wake up at least once a second to notice signals that raced the wait
            match crate::sys::poll_readable(fifo.as_raw_fd(), 1000) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log(&format!("InLookup: poll: {e}"));
                    return 111;
                }
            }
            let mut word = [0u8; 4];
            match read_exact_timed(&mut fifo, &mut word, None) {
                Ok(true) => {}
                Ok(false) => {
                    log("InLookup: aborted read from client");
                    match self.open_fifo() {
                        Ok(f) => fifo = f,
                        Err(_) => return 111,
                    }
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log(&format!("InLookup: read: {e}"));
                    continue;
                }
            }
            let n = i32::from_ne_bytes(word);
            let len = match check_request_len(n, PIPE_BUF) {
                Ok(l) => l,
                Err(_) => {
                    log(&format!(
                        "InLookup: bytes {n}, pipe_size {PIPE_BUF}: invalid request length"
                    ));
                    if n > 0 {
                        self.drain(&mut fifo, n as usize);
                    }
                    continue;
                }
            };
            let rto = control_timeout(&self.cfg, "timeoutread");
            let mut body = vec![0u8; len];
            match read_exact_timed(&mut fifo, &mut body, Some(Instant::now() + rto)) {
                Ok(true) => {}
                Ok(false) | Err(_) => {
                    log("InLookup: aborted read from client");
                    continue;
                }
            }
            let Ok(req) = Request::decode_body(&body) else {
                log(&format!("InLookup: malformed request of {len} bytes"));
                continue;
            };
            let qname = query_name(req.qtype).unwrap_or("Unknown Query");
            let t0 = Instant::now();
            let fifo_s = String::from_utf8_lossy(&req.fifo).into_owned();
            if self.verbose {
                let ip = if req.ip.is_empty() {
                    "N/A".to_string()
                } else {
                    String::from_utf8_lossy(&req.ip).into_owned()
                };
                log(&format!(
                    "{name}->{fifo_s}, Bytes {len}, Query ['{qname}'], User {}, RemoteIp {ip}",
                    req.email_lossy()
                ));
            }
            let mut out = match self.open_reply(&req.fifo) {
                Ok(f) => f,
                Err(e) => {
                    log(&format!("InLookup: {fifo_s}: open-probably-timeout: {e}"));
                    continue;
                }
            };
            let mut hit = false;
            let reply = if !valid_type(req.qtype) {
                Reply::Error
            } else if let Some(r) = cache.as_mut().and_then(|c| c.get(req.qtype, &req.email)) {
                hit = true;
                r
            } else {
                let r = self.compute(&mut db, &req);
                if let Some(c) = cache.as_mut() {
                    c.put(req.qtype, &req.email, &r);
                }
                r
            };
            if valid_type(req.qtype) {
                stats.by_type[req.qtype as usize] += 1;
            }
            if let Err(e) = self.write_reply(&mut out, &reply.encode(), req.qtype) {
                log(&format!("InLookup: write {fifo_s}: {e}"));
            }
            if self.verbose {
                let secs = t0.elapsed().as_secs();
                let h = if hit { ", cache hit" } else { "" };
                log(&format!("{secs} '{qname}' -> {fifo_s}{h}"));
            }
        }
    }

    fn compute(&self, db: &mut Option<Db>, req: &Request) -> Reply {
        let email = String::from_utf8_lossy(&req.email).into_owned();
        let ip = String::from_utf8_lossy(&req.ip).into_owned();
        if db.is_none() {
            match Db::open(&self.cfg) {
                Ok(d) => *db = Some(d),
                Err(e) => {
                    log(&format!("InLookup: {e}"));
                    return answer_error(req.qtype);
                }
            }
        }
        let Some(conn) = db.as_mut() else {
            return answer_error(req.qtype);
        };
        let r = answer(&self.cfg, conn, req.qtype, &email, &ip);
        if matches!(r, Reply::Error) || r == answer_error(req.qtype) {
            // reconnect next time in case the connection broke
            *db = None;
        }
        r
    }

    fn open_fifo(&self) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.fifo)
    }

    /// Skip the body of a refused request so that the next length word is read in step.
    fn drain(&self, f: &mut File, mut n: usize) {
        let deadline = Instant::now() + control_timeout(&self.cfg, "timeoutread");
        let mut buf = [0u8; 4096];
        while n > 0 {
            let k = n.min(buf.len());
            match read_exact_timed(f, &mut buf[..k], Some(deadline)) {
                Ok(true) => n -= k,
                _ => return,
            }
        }
    }

    fn dump_stats(&self, s: &Stats, nodes: usize, start: i64) {
        let b = &s.by_type;
        log(&format!(
            "User:Relay:Password:Limit:Alias:Host:Domain {} {} {} {} {} {} {} Cached Nodes {nodes}",
            b[USER_QUERY as usize],
            b[RELAY_QUERY as usize],
            b[PWD_QUERY as usize],
            b[LIMIT_QUERY as usize],
            b[ALIAS_QUERY as usize],
            b[HOST_QUERY as usize],
            b[DOMAIN_QUERY as usize]
        ));
        let end = crate::db::now();
        let total: u64 = b.iter().sum();
        let mut e = io::stderr().lock();
        let _ = write!(e, "Start Time: {}", crate::sys::asctime_local(start));
        let _ = write!(e, "End   Time: {}", crate::sys::asctime_local(end));
        let _ = writeln!(
            e,
            "Queries {total}, Total Time {} secs, Query/Sec = ",
            end - start
        );
    }
}

fn answer_error(qtype: u8) -> Reply {
    match qtype {
        USER_QUERY | RELAY_QUERY => Reply::Status(-1),
        PWD_QUERY => Reply::Zero,
        _ => Reply::Error,
    }
}

/// One request on a byte stream (inlookup under tcpserver, `TCPREMOTEIP` set): read the
/// frame from `input` (body limit 1024), answer it from MySQL without a cache, write the
/// reply to `output`. Malformed frames get no reply; unknown types get the error reply.
pub fn serve_stream(cfg: &Config, input: &mut dyn Read, output: &mut dyn Write) -> i32 {
    let mut word = [0u8; 4];
    if input.read_exact(&mut word).is_err() {
        log("InLookup: aborted read from client");
        return 111;
    }
    let n = i32::from_ne_bytes(word);
    let Ok(len) = check_request_len(n, crate::inquery::codec::TCP_MAX_BODY) else {
        log(&format!(
            "InLookup: bytes {n}, limit {}: invalid request length",
            crate::inquery::codec::TCP_MAX_BODY
        ));
        return 111;
    };
    let mut body = vec![0u8; len];
    if input.read_exact(&mut body).is_err() {
        log("InLookup: aborted read from client");
        return 111;
    }
    let Ok(req) = Request::decode_body(&body) else {
        log(&format!("InLookup: malformed request of {len} bytes"));
        return 111;
    };
    let reply = if valid_type(req.qtype) {
        let server = Server {
            cfg: cfg.clone(),
            fifo: PathBuf::new(),
            reply_dir: PathBuf::new(),
            verbose: false,
        };
        server.compute(&mut None, &req)
    } else {
        Reply::Error
    };
    if output
        .write_all(&reply.encode())
        .and_then(|_| output.flush())
        .is_err()
    {
        return 111;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_ttl_bound_and_flush() {
        let mut c = Cache::new(2, Duration::from_millis(50));
        c.put(USER_QUERY, b"a", &Reply::Status(0));
        c.put(USER_QUERY, b"b", &Reply::Status(-1)); // errors are not cached
        c.put(LIMIT_QUERY, b"c", &Reply::Status(0)); // type not cached
        c.put(PWD_QUERY, b"d", &Reply::NoSuchUser(b"d".to_vec()));
        assert_eq!(c.len(), 1);
        c.put(ALIAS_QUERY, b"a", &Reply::Aliases(vec![]));
        c.put(HOST_QUERY, b"a", &Reply::Host(b"h".to_vec()));
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(USER_QUERY, b"a"), Some(Reply::Status(0)));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(c.get(USER_QUERY, b"a"), None);
        c.clear();
        assert!(c.is_empty());
    }
}
