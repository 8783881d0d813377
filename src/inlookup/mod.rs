//! The inlookup server: answers inquery() requests arriving on a FIFO (servers.md 1.6-1.12).
//!
//! Hardening that keeps the wire format: the reply path must be a FIFO directly inside the
//! reply directory (`FIFOTMPDIR`, default `/tmp/`), checked with lstat and opened with
//! `O_NOFOLLOW`; request lengths are validated and oversized bodies drained so the stream
//! stays in step; unknown query types get the error reply; the cache has a TTL and a bound
//! and follows every change our commands commit ([`crate::flushlog`]).
//!
//! One [`Engine`] (cache, MySQL pool, counters) serves the FIFO's reader threads and the
//! UNIX socket's loop and worker threads ([`socket`]); the main thread handles signals.

pub mod cache;
pub mod pool;
pub mod socket;
pub mod supervise;

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use cache::{Cache, Encoded, DEFAULT_CACHE_MAX, DEFAULT_CACHE_TTL};

use crate::config::{env_nonempty, Config};
use crate::flushlog::{Seen, Watcher};
use crate::inquery::answer::answer_bytes;
use crate::inquery::client::control_timeout;
use crate::inquery::codec::{
    check_request_len, query_name, valid_type, Reply, Request, ALIAS_QUERY, DOMAIN_QUERY,
    HOST_QUERY, LIMIT_QUERY, PIPE_BUF, PWD_QUERY, RELAY_QUERY, USER_QUERY,
};
use crate::inquery::memo::MEMO;

/// Default number of threads answering FIFO requests (`INLOOKUP_THREADS`).
pub const DEFAULT_THREADS: usize = 8;
/// Default number of MySQL connections (`INLOOKUP_DB_CONNECTIONS`).
pub const DEFAULT_DB_CONNECTIONS: usize = 8;

fn env_count(name: &str, default: usize) -> usize {
    env_nonempty(name)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// Default time slice asked for the threads that answer requests (`INLOOKUP_SLICE_US`).
pub const DEFAULT_SLICE_US: u64 = 100;

/// Give the calling thread (a socket loop thread, which answers cache hits: a few
/// microseconds per wake-up) a short time slice ([`crate::sys::short_slice`],
/// `INLOOKUP_SLICE_US` microseconds, default 100, `0`: the scheduler's default): woken by a
/// request, it preempts a busy client at once rather than queueing behind it. Not for the
/// threads that ask MySQL: a miss takes longer than such a slice, and a thread that
/// overruns it is preempted in the middle. Silently nothing where the kernel does not
/// support it.
fn short_slice() {
    let us = env_nonempty("INLOOKUP_SLICE_US")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_SLICE_US);
    if us > 0 {
        crate::sys::short_slice(us * 1000);
    }
}

struct CacheState {
    cache: Option<Cache>,
    watcher: Option<Watcher>,
}

/// What answers queries, shared by every thread and transport: the cache (kept current
/// through the invalidation log), the MySQL connections, the counters.
pub struct Engine {
    cfg: Config,
    state: Mutex<CacheState>,
    /// The invalidation log, stat'ed before the cache is locked (None: no cache).
    log_path: Option<PathBuf>,
    /// The log as the watcher has it open, when a stat of the open file may stand in for
    /// a stat of the path ([`Watcher::handle`]: no path walk); refreshed whenever the
    /// watcher follows the path.
    log_handle: Mutex<Option<Arc<File>>>,
    pool: pool::Pool,
    stats: [AtomicU64; 8],
}

impl Engine {
    /// `cache`: the cache to use (None = always ask MySQL); `connections`: pool size.
    pub fn new(cfg: Config, cache: Option<Cache>, connections: usize) -> Engine {
        let watcher = cache.as_ref().map(|_| {
            let owner = if crate::sys::geteuid() == 0 {
                cfg.indimail_ids().ok()
            } else {
                None
            };
            Watcher::new(crate::flushlog::path(&cfg), owner)
        });
        Engine {
            log_path: watcher.as_ref().map(|w| w.path().to_path_buf()),
            log_handle: Mutex::new(watcher.as_ref().and_then(Watcher::handle)),
            pool: pool::Pool::new(cfg.clone(), connections),
            cfg,
            state: Mutex::new(CacheState { cache, watcher }),
            stats: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answer one request: (the reply as it goes on the wire, whether it came from the cache).
    pub fn answer(&self, req: &Request) -> (Encoded, bool) {
        match self.lookup(req) {
            Lookup::Ready(r, hit) => (r, hit),
            Lookup::Compute(epoch) => (self.fill(req, epoch), false),
        }
    }

    /// The first half of [`Engine::answer`], without MySQL: a cache hit (or the error reply
    /// of an unknown type), or what [`Engine::fill`] needs to compute the answer.
    pub fn lookup(&self, req: &Request) -> Lookup {
        let seen = if Cache::cacheable(req.qtype) {
            self.log_state()
        } else {
            None
        };
        self.lookup_seen(req, &seen)
    }

    /// The invalidation log as it is now (one stat; None: no cache, or no log). Requests
    /// read before this call may be answered with it ([`Engine::lookup_seen`]): any change
    /// committed before they were sent is in the log by then.
    pub fn log_state(&self) -> Option<std::fs::Metadata> {
        let handle = self
            .log_handle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match handle {
            Some(f) => f.metadata().ok(),
            None => self
                .log_path
                .as_ref()
                .and_then(|p| std::fs::symlink_metadata(p).ok()),
        }
    }

    /// [`Engine::lookup`] with the log's state taken by [`Engine::log_state`] after `req`
    /// was read — one stat serves every request read before it.
    pub fn lookup_seen(&self, req: &Request, meta: &Option<std::fs::Metadata>) -> Lookup {
        if !valid_type(req.qtype) {
            return Lookup::Ready(Reply::Error.encode().into(), false);
        }
        self.stats[req.qtype as usize].fetch_add(1, Ordering::Relaxed);
        if let (true, Some(_)) = (Cache::cacheable(req.qtype), &self.log_path) {
            // the stat is made before locking, so the threads do not queue behind a
            // system call; under the lock only a changed log is read
            let mut st = self.lock();
            let CacheState { cache, watcher } = &mut *st;
            if let (Some(c), Some(w)) = (cache.as_mut(), watcher.as_mut()) {
                if !meta.as_ref().is_some_and(|m| w.unchanged(m)) {
                    let seen = w.poll();
                    if seen == Seen::All {
                        // e.g. a domain renamed: its alias domains' links moved
                        MEMO.forget();
                    }
                    c.apply(seen);
                    *self.log_handle.lock().unwrap_or_else(|p| p.into_inner()) = w.handle();
                }
                if w.usable() {
                    if let Some(r) = c.get(req.qtype, &req.email) {
                        return Lookup::Ready(r, true);
                    }
                    return Lookup::Compute(Some(c.epoch()));
                }
            }
        }
        Lookup::Compute(None)
    }

    /// The second half: ask MySQL and store the answer if it may be cached (`epoch`).
    pub fn fill(&self, req: &Request, epoch: Option<u64>) -> Encoded {
        let r = self.compute(req);
        let bytes = Encoded::from(r.encode());
        if let Some(e) = epoch {
            if let Some(c) = self.lock().cache.as_mut() {
                c.put(req.qtype, &req.email, &r, &bytes, e);
            }
        }
        bytes
    }

    fn compute(&self, req: &Request) -> Reply {
        let mut lease = match self.pool.take() {
            Ok(l) => l,
            Err(e) => {
                log(&format!("InLookup: {e}"));
                return answer_error(req.qtype);
            }
        };
        let r = answer_bytes(&self.cfg, &mut lease.db, req.qtype, &req.email, &req.ip);
        // a connection that gave an error is not reused (it may have broken)
        let healthy = !(matches!(r, Reply::Error) || r == answer_error(req.qtype));
        self.pool.give(lease, healthy);
        r
    }

    /// `-c activeSecs`: fill the cache with the password records of the users who logged
    /// in (imap, pop3, webmail) within the last `secs` seconds, newest first.
    pub fn prewarm(&self, secs: i64) {
        let (epoch, room) = {
            let st = self.lock();
            match (&st.cache, &st.watcher) {
                (Some(c), Some(w)) if w.usable() => (c.epoch(), c.room()),
                _ => return,
            }
        };
        let mut lease = match self.pool.take() {
            Ok(l) => l,
            Err(e) => {
                log(&format!("InLookup: {e}"));
                return;
            }
        };
        let since = crate::db::now() - secs;
        let rows = crate::db::users::recently_active(&mut lease.db, since, room);
        self.pool.give(lease, rows.is_ok());
        let rows = match rows {
            Ok(r) => r,
            Err(e) => {
                log(&format!("InLookup: {e}"));
                return;
            }
        };
        // A distributed domain's users are answered from their mail store
        // (answer::per_user): a local row may not be theirs, so none is pre-warmed.
        let distributed: Vec<String> = if crate::cluster::configured(&self.cfg) {
            match crate::cluster::load(&self.cfg) {
                Ok(recs) => recs
                    .into_iter()
                    .filter(|r| r.distributed == 1)
                    .map(|r| r.domain)
                    .collect(),
                Err(e) => {
                    log(&format!("InLookup: {e}"));
                    return;
                }
            }
        } else {
            Vec::new()
        };
        let mut st = self.lock();
        let Some(c) = st.cache.as_mut() else {
            return;
        };
        let before = c.len();
        for row in rows
            .into_iter()
            .filter(|r| !distributed.contains(&r.domain))
        {
            let key = format!("{}@{}", row.name, row.domain);
            let domain = row.domain.clone();
            let reply = crate::inquery::answer::password_reply(
                row,
                crate::db::users::Status::Active,
                domain,
            );
            let bytes = Encoded::from(reply.encode());
            c.put(PWD_QUERY, key.as_bytes(), &reply, &bytes, epoch);
        }
        log(&format!("cached {} records", c.len() - before));
    }

    /// HUP: empty the cache (and the lookups remembered outside MySQL) and close the MySQL
    /// connections.
    pub fn flush(&self) {
        MEMO.forget();
        if let Some(c) = self.lock().cache.as_mut() {
            c.clear();
        }
        self.pool.close_all();
    }

    /// INT: close the MySQL connections.
    pub fn close_db(&self) {
        self.pool.close_all();
    }

    pub fn cached(&self) -> usize {
        self.lock().cache.as_ref().map_or(0, Cache::len)
    }

    fn counts(&self) -> [u64; 8] {
        std::array::from_fn(|i| self.stats[i].load(Ordering::Relaxed))
    }
}

/// What [`Engine::lookup`] found.
pub enum Lookup {
    /// The reply as it goes on the wire, and whether it came from the cache.
    Ready(Encoded, bool),
    /// MySQL must be asked; `Some(epoch)` when the answer may then be cached.
    Compute(Option<u64>),
}

/// Server settings.
pub struct Server {
    pub cfg: Config,
    /// The FIFO served.
    pub fifo: PathBuf,
    /// Directory reply FIFOs must live in.
    pub reply_dir: PathBuf,
    pub verbose: bool,
    /// `-c activeSecs`: pre-warm the cache with users active in that window.
    pub prewarm: Option<i64>,
}

fn log(line: &str) {
    let mut e = io::stderr().lock();
    let _ = writeln!(e, "{line}");
}

/// Owner for the files the server creates: the indimail user when running as root.
fn indimail_owner(cfg: &Config) -> Option<(u32, u32)> {
    if crate::sys::geteuid() == 0 {
        cfg.indimail_ids().ok()
    } else {
        None
    }
}

/// `FIFO_MODE` (octal), if set.
fn fifo_mode() -> Option<u32> {
    env_nonempty("FIFO_MODE").and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
}

/// Create the server FIFO (an existing FIFO is reused, anything else is an error); owned by
/// the indimail user when running as root, mode 0660 or `FIFO_MODE`.
pub fn create_fifo(path: &Path, owner: Option<(u32, u32)>) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        if path.is_absolute() && !dir.as_os_str().is_empty() && !dir.exists() {
            std::fs::create_dir_all(dir)?;
            let _ = crate::sys::chown(dir, owner);
        }
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_fifo() => {}
        Ok(_) => return Err(io::Error::other(format!("{}: not a FIFO", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => crate::sys::mkfifo(path, 0o660)?,
        Err(e) => return Err(e),
    }
    if let Some((u, g)) = owner {
        crate::sys::lchown(path, u, g)?;
    }
    if let Some(mode) = fifo_mode() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o777))?;
    }
    Ok(())
}

/// Read exactly `buf.len()` bytes from the (non-blocking) FIFO before `deadline`. Returns
/// Ok(false) on EOF.
fn read_exact_timed(f: &File, buf: &mut [u8], deadline: Instant) -> io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        // the data is usually there already: read first, wait only when it is not
        match (&*f).read(&mut buf[got..]) {
            Ok(0) => return Ok(false),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let left = deadline.saturating_duration_since(Instant::now());
                let ms = left.as_millis().min(i32::MAX as u128) as i32;
                if left.is_zero() || !crate::sys::poll_readable(f.as_raw_fd(), ms)? {
                    return Err(io::Error::from_raw_os_error(libc::ETIMEDOUT));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// What one read from the FIFO gave.
enum Got {
    Request(Request, usize),
    /// A malformed request (logged, and skipped so that the next one is read in step).
    Skipped,
    /// Nothing waiting.
    Empty,
}

/// A reply FIFO's name, checked to be directly inside the reply directory.
enum ReplyName {
    /// The directory as configured, held open, and the name in it.
    At(Arc<File>, std::ffi::CString),
    /// The path as the client spelled it (another spelling of the same directory).
    Path(PathBuf),
}

impl ReplyName {
    fn is_at(&self) -> bool {
        matches!(self, ReplyName::At(..))
    }

    /// Type and identity, without following a symbolic link.
    fn lstat(&self) -> io::Result<crate::sys::FileId> {
        match self {
            ReplyName::At(dir, name) => crate::sys::lstat_at(dir, name),
            ReplyName::Path(p) => std::fs::symlink_metadata(p).map(|m| (&m).into()),
        }
    }

    /// Opened for writing, without waiting for a reader and never through a link.
    fn open_writer(&self) -> io::Result<File> {
        match self {
            ReplyName::At(dir, name) => crate::sys::open_at(
                dir,
                name,
                libc::O_WRONLY | libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY,
            ),
            ReplyName::Path(p) => OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
                .open(p),
        }
    }

    fn unlink(&self) -> io::Result<()> {
        match self {
            ReplyName::At(dir, name) => crate::sys::unlink_at(dir, name),
            ReplyName::Path(p) => std::fs::remove_file(p),
        }
    }
}

/// A reply FIFO written to. Unlinked after the write, not between the open and the write
/// (as the original): opening the FIFO wakes the client, and a reply that follows at once
/// finds it still awake instead of having to wake it a second time after the unlink.
struct Written {
    name: ReplyName,
    /// The FIFO written.
    id: crate::sys::FileId,
}

impl Written {
    /// Unlink the name if it still holds the FIFO written: by then the client may have
    /// removed it and made another under the same name (the original client's names are
    /// its pid and the time), which must not go. Clients remove their FIFO themselves
    /// once they have the reply; this is for those that do not.
    fn unlink(self) {
        if self.name.lstat().is_ok_and(|id| id == self.id) {
            let _ = self.name.unlink();
        }
    }
}

/// Reply FIFOs of cache hits not unlinked yet (see [`spawn_readers`]).
const MAX_PENDING_UNLINKS: usize = 64;

/// The part of the server that answers FIFO requests (shared by the worker threads).
struct FifoSide {
    engine: Arc<Engine>,
    name: String,
    reply_dir: PathBuf,
    /// `reply_dir` resolved once (None: resolved per request until it exists).
    reply_dir_real: Option<PathBuf>,
    /// `reply_dir` held open: a reply FIFO named through it as configured is looked up by
    /// its last component alone, not by a walk of its whole path (four lookups a query).
    /// If the directory is renamed away and made again, names not found through it are
    /// looked up by path and the new directory is held from then on.
    reply_dir_fd: Mutex<Option<Arc<File>>>,
    /// `control/timeoutwrite` and `timeoutread` in milliseconds, read at start and on HUP.
    wto_ms: AtomicU64,
    rto_ms: AtomicU64,
    verbose: bool,
}

impl FifoSide {
    /// The reply directory held open, opened again if it was not there before.
    fn reply_dir_handle(&self, reopen: bool) -> Option<Arc<File>> {
        let mut g = self.reply_dir_fd.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() || reopen {
            *g = crate::sys::open_dir_path(&self.reply_dir)
                .ok()
                .map(Arc::new);
        }
        g.clone()
    }

    /// Check the reply path and open it for writing: a FIFO directly inside `reply_dir`,
    /// never through a symbolic link. Returns the FIFO's identity and its name, by which
    /// the caller unlinks it, as the original did, once the reply is written.
    fn open_reply(&self, raw: &[u8]) -> io::Result<(File, crate::sys::FileId, ReplyName)> {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(raw));
        let bad = || io::Error::new(io::ErrorKind::PermissionDenied, "reply path refused");
        let parent = path.parent().ok_or_else(bad)?;
        let file_name = path.file_name().ok_or_else(bad)?;
        // the configured directory as written needs no resolving, and is held open
        let configured = self.reply_dir.components().eq(parent.components());
        let held = if configured {
            self.reply_dir_handle(false)
        } else {
            let dir = std::fs::canonicalize(parent).map_err(|_| bad())?;
            let want = match &self.reply_dir_real {
                Some(w) => w.clone(),
                None => std::fs::canonicalize(&self.reply_dir).map_err(|_| bad())?,
            };
            if dir != want {
                return Err(bad());
            }
            None
        };
        let mut name = match held {
            Some(dir) => {
                let c = std::ffi::CString::new(file_name.as_bytes()).map_err(|_| bad())?;
                ReplyName::At(dir, c)
            }
            None => ReplyName::Path(path.to_path_buf()),
        };
        let id = match name.lstat() {
            // the directory held open may have been replaced since it was opened
            Err(e) if e.kind() == io::ErrorKind::NotFound && name.is_at() => {
                let by_path = ReplyName::Path(path.to_path_buf());
                let id = by_path.lstat()?;
                self.reply_dir_handle(true);
                name = by_path;
                id
            }
            r => r?,
        };
        if !id.fifo {
            return Err(bad());
        }
        let f = name.open_writer()?;
        // the FIFO looked at, not something put in its place since
        if crate::sys::FileId::from(&f.metadata()?) != id {
            return Err(bad());
        }
        Ok((f, id, name))
    }

    /// Write the reply; `patient` false: a reply FIFO that cannot take it at once (a client
    /// that filled its own FIFO) is given up at once instead of waiting up to timeoutwrite.
    fn write_reply(&self, f: &mut File, bytes: &[u8], patient: bool) -> io::Result<()> {
        let wait = if patient {
            Duration::from_millis(self.wto_ms.load(Ordering::Relaxed))
        } else {
            Duration::ZERO
        };
        let deadline = Instant::now() + wait;
        // The int and the payload in one write (the original made two; the bytes are the
        // same): the client, waiting on its FIFO, is woken once instead of twice, and a
        // reply of at most PIPE_BUF bytes arrives whole.
        let mut done = 0;
        while done < bytes.len() {
            match f.write(&bytes[done..]) {
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Read one request from the FIFO `f` (non-blocking; the caller is its one reader),
    /// its length word through `first` (`f`, or a blocking descriptor of the same FIFO to
    /// wait on). An oversized body is drained so that the next length word is read in step.
    fn read_request(&self, f: &File, first: &File) -> Got {
        let rto = Duration::from_millis(self.rto_ms.load(Ordering::Relaxed));
        let mut word = [0u8; 4];
        match (&*first).read(&mut word) {
            Ok(4) => {}
            Ok(0) => {
                // not expected: the server holds a write end of its FIFO itself
                log("InLookup: aborted read from client");
                std::thread::sleep(Duration::from_millis(10));
                return Got::Empty;
            }
            // a length word written in pieces
            Ok(n) => match read_exact_timed(f, &mut word[n..], Instant::now() + rto) {
                Ok(true) => {}
                _ => {
                    log("InLookup: aborted read from client");
                    return Got::Skipped;
                }
            },
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                return Got::Empty
            }
            Err(e) => {
                log(&format!("InLookup: read: {e}"));
                std::thread::sleep(Duration::from_millis(10));
                return Got::Empty;
            }
        }
        let n = i32::from_ne_bytes(word);
        let len = match check_request_len(n, PIPE_BUF) {
            Ok(l) => l,
            Err(_) => {
                log(&format!(
                    "InLookup: bytes {n}, pipe_size {PIPE_BUF}: invalid request length"
                ));
                let deadline = Instant::now() + rto;
                let mut left = n.max(0) as usize;
                let mut buf = [0u8; 4096];
                while left > 0 {
                    let k = left.min(buf.len());
                    match read_exact_timed(f, &mut buf[..k], deadline) {
                        Ok(true) => left -= k,
                        _ => break,
                    }
                }
                return Got::Skipped;
            }
        };
        let mut body = vec![0u8; len];
        match read_exact_timed(f, &mut body, Instant::now() + rto) {
            Ok(true) => {}
            Ok(false) | Err(_) => {
                log("InLookup: aborted read from client");
                return Got::Skipped;
            }
        }
        match Request::decode_body(&body) {
            Ok(req) => Got::Request(req, len),
            Err(_) => {
                log(&format!("InLookup: malformed request of {len} bytes"));
                Got::Skipped
            }
        }
    }

    /// Answer one request read from the FIFO (`pre`: what the cache lookup found). Returns
    /// the reply FIFO written to, for the caller to unlink ([`Written::unlink`]).
    fn serve(&self, req: Request, len: usize, pre: Lookup, patient: bool) -> Option<Written> {
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
                "{}->{fifo_s}, Bytes {len}, Query ['{qname}'], User {}, RemoteIp {ip}",
                self.name,
                req.email_lossy()
            ));
        }
        let (reply, hit) = match pre {
            Lookup::Ready(r, hit) => (r, hit),
            Lookup::Compute(epoch) => (self.engine.fill(&req, epoch), false),
        };
        // opened once the answer is known: a writer opening the reply FIFO wakes the client
        // waiting on it, which would only go back to sleep while MySQL is asked
        let (mut out, opened, name) = match self.open_reply(&req.fifo) {
            Ok(f) => f,
            Err(e) => {
                log(&format!("InLookup: {fifo_s}: open-probably-timeout: {e}"));
                return None;
            }
        };
        if let Err(e) = self.write_reply(&mut out, &reply, patient) {
            log(&format!("InLookup: write {fifo_s}: {e}"));
        }
        drop(out);
        if self.verbose {
            let secs = t0.elapsed().as_secs();
            let h = if hit { ", cache hit" } else { "" };
            log(&format!("{secs} '{qname}' -> {fifo_s}{h}"));
        }
        Some(Written { name, id: opened })
    }
}

impl Server {
    pub fn new(cfg: Config, fifo: PathBuf, reply_dir: PathBuf, verbose: bool) -> Server {
        Server {
            cfg,
            fifo,
            reply_dir,
            verbose,
            prewarm: None,
        }
    }

    /// The UNIX socket served beside the FIFO: `<fifo>.sock`.
    pub fn socket_path(&self) -> PathBuf {
        socket::path_for(&self.fifo)
    }

    /// Serve until SIGTERM. Returns the exit status.
    pub fn run(&self) -> i32 {
        let owner = indimail_owner(&self.cfg);
        if let Err(e) = create_fifo(&self.fifo, owner) {
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
        MEMO.enable();
        let engine = Arc::new(Engine::new(
            self.cfg.clone(),
            Cache::from_env(),
            env_count("INLOOKUP_DB_CONNECTIONS", DEFAULT_DB_CONNECTIONS),
        ));
        if let Some(secs) = self.prewarm {
            engine.prewarm(secs);
        }
        let start = crate::db::now();
        let fifo = match self.open_fifo() {
            Ok(f) => f,
            Err(e) => {
                log(&format!("InLookup: open {}: {e}", self.fifo.display()));
                return 111;
            }
        };
        let sock = socket::enabled().then(|| self.socket_path());
        if let Some(p) = &sock {
            match socket::Listener::bind(p, owner, fifo_mode()) {
                Ok(l) => {
                    if let Err(e) = l.spawn(Arc::clone(&engine), self.cfg.clone(), self.verbose) {
                        log(&format!("InLookup: socket {}: {e}", p.display()));
                    }
                }
                Err(e) => log(&format!("InLookup: socket {}: {e}", p.display())),
            }
        }
        let ms = |name: &str| control_timeout(&self.cfg, name).as_millis() as u64;
        let side = Arc::new(FifoSide {
            engine: Arc::clone(&engine),
            name: name.clone(),
            reply_dir: self.reply_dir.clone(),
            reply_dir_real: std::fs::canonicalize(&self.reply_dir).ok(),
            reply_dir_fd: Mutex::new(None),
            wto_ms: AtomicU64::new(ms("timeoutwrite")),
            rto_ms: AtomicU64::new(ms("timeoutread")),
            verbose: self.verbose,
        });
        let waiting = self.open_fifo_waiting(&fifo);
        if let Err(e) = spawn_readers(
            &side,
            Arc::new(fifo),
            waiting,
            env_count("INLOOKUP_THREADS", DEFAULT_THREADS),
        ) {
            log(&format!("InLookup: epoll {}: {e}", self.fifo.display()));
            return 111;
        }
        let mut debug = std::env::var_os("DEBUG").is_some();
        // an instance of `inlookup -i N` stops when its parent is gone (reparented)
        let supervised = std::env::var_os(supervise::CHILD_ENV).is_some();
        let first_ppid = std::os::unix::process::parent_id();
        let cleanup = || {
            let _ = std::fs::remove_file(&self.fifo);
            if let Some(p) = &sock {
                let _ = std::fs::remove_file(p);
            }
        };
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
                self.dump_stats(&engine, start);
                cleanup();
                return 0;
            }
            if sigs & (1 << libc::SIGUSR1) != 0 {
                self.dump_stats(&engine, start);
            }
            if sigs & (1 << libc::SIGHUP) != 0 {
                log(&format!(
                    "{pid} INFIFO {}, Got Hangup, Reconfiguring",
                    self.fifo.display()
                ));
                engine.flush();
                side.rto_ms.store(ms("timeoutread"), Ordering::Relaxed);
                side.wto_ms.store(ms("timeoutwrite"), Ordering::Relaxed);
            }
            if sigs & (1 << libc::SIGINT) != 0 {
                log(&format!("{pid} INFIFO {}, closing db", self.fifo.display()));
                engine.close_db();
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
                cleanup();
                return 0;
            }
            // the reader threads do the work; this one waits for signals
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn open_fifo(&self) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&self.fifo)
    }

    /// A second, read-only descriptor of the FIFO open as `fifo`, made blocking, to wait on
    /// for requests in `read`; None if the path no longer names that FIFO.
    fn open_fifo_waiting(&self, fifo: &File) -> Option<File> {
        let f = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&self.fifo)
            .ok()?;
        let (a, b) = (fifo.metadata().ok()?, f.metadata().ok()?);
        let same = b.file_type().is_fifo() && (a.dev(), a.ino()) == (b.dev(), b.ino());
        (same && crate::sys::set_blocking(&f).is_ok()).then_some(f)
    }

    fn dump_stats(&self, engine: &Engine, start: i64) {
        let b = engine.counts();
        log(&format!(
            "User:Relay:Password:Limit:Alias:Host:Domain {} {} {} {} {} {} {} Cached Nodes {}",
            b[USER_QUERY as usize],
            b[RELAY_QUERY as usize],
            b[PWD_QUERY as usize],
            b[LIMIT_QUERY as usize],
            b[ALIAS_QUERY as usize],
            b[HOST_QUERY as usize],
            b[DOMAIN_QUERY as usize],
            engine.cached()
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

/// The FIFO's threads. One at a time owns the FIFO: it is woken by the one-shot epoll entry
/// (no other thread wakes), reads a whole request and answers it itself (no hand-off). A
/// thread answering cache hits keeps the FIFO and waits on it for the next request, so at
/// low load one thread serves without waking another. Before asking MySQL it re-arms the
/// entry: only if another request arrives meanwhile is another thread woken to read it, so a
/// slow query holds up only its own thread.
///
/// The thread that keeps the FIFO after a hit waits for the next request in a blocking
/// `read` of its length word, on a second, blocking descriptor of the same FIFO (`waiting`,
/// when one could be opened): one system call instead of a `poll` and a `read`.
///
/// The reply FIFOs of hits are unlinked ([`Written::unlink`]) when the FIFO has no request
/// waiting, or once [`MAX_PENDING_UNLINKS`] have gathered: under load the next request is
/// answered first, and by the time the name is looked at its client has usually removed it
/// (our client and the original's both do), which leaves a cheap failed lookup instead of
/// a lookup and an unlink on the way of every answer.
fn spawn_readers(
    side: &Arc<FifoSide>,
    fifo: Arc<File>,
    waiting: Option<File>,
    n: usize,
) -> io::Result<()> {
    let poll = Arc::new(crate::sys::Epoll::new(true)?);
    let fd = fifo.as_raw_fd();
    let waiting = waiting.map(Arc::new);
    poll.add(fd, 0)?;
    let rearm = {
        let poll = Arc::clone(&poll);
        move || {
            // without the entry armed nobody would read the FIFO again: retry until it is
            while let Err(e) = poll.rearm(fd, 0) {
                log(&format!("InLookup: epoll: {e}"));
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    for _ in 0..n {
        let (side, fifo, waiting, poll, rearm) = (
            Arc::clone(side),
            Arc::clone(&fifo),
            waiting.clone(),
            Arc::clone(&poll),
            rearm.clone(),
        );
        std::thread::spawn(move || {
            let mut ev = Vec::with_capacity(1);
            // after a hit: wait on the FIFO (kept) for the next request's length word
            let mut wait_next = false;
            let mut pending: Vec<Written> = Vec::new();
            let unlink_pending =
                |pending: &mut Vec<Written>| pending.drain(..).for_each(Written::unlink);
            loop {
                match poll.wait(-1, &mut ev) {
                    Ok(()) if !ev.is_empty() => {}
                    Ok(()) => continue,
                    Err(e) => {
                        log(&format!("InLookup: epoll: {e}"));
                        std::thread::sleep(Duration::from_millis(100));
                        continue;
                    }
                }
                // this thread owns the FIFO until it re-arms the entry
                loop {
                    let mut got = side.read_request(&fifo, &fifo);
                    if wait_next && matches!(got, Got::Empty) {
                        // idle: time to unlink the replies written, then wait
                        unlink_pending(&mut pending);
                        got = match &waiting {
                            Some(w) => side.read_request(&fifo, w),
                            None => {
                                let _ = crate::sys::poll_readable(fd, -1);
                                side.read_request(&fifo, &fifo)
                            }
                        };
                    }
                    wait_next = false;
                    match got {
                        Got::Empty => {
                            rearm();
                            unlink_pending(&mut pending);
                            break;
                        }
                        Got::Skipped => {}
                        Got::Request(req, len) => match side.engine.lookup(&req) {
                            pre @ Lookup::Ready(..) => {
                                pending.extend(side.serve(req, len, pre, false));
                                if pending.len() >= MAX_PENDING_UNLINKS {
                                    unlink_pending(&mut pending);
                                }
                                wait_next = true;
                            }
                            pre => {
                                rearm();
                                if let Some(w) = side.serve(req, len, pre, true) {
                                    w.unlink();
                                }
                                unlink_pending(&mut pending);
                                break;
                            }
                        },
                    }
                }
            }
        });
    }
    Ok(())
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
    let (reply, _) = Engine::new(cfg.clone(), None, 1).answer(&req);
    if output
        .write_all(&reply)
        .and_then(|_| output.flush())
        .is_err()
    {
        return 111;
    }
    0
}
