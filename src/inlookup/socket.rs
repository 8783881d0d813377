//! The second transport: a UNIX stream socket beside the FIFO (`<fifo>.sock`).
//!
//! Same request and reply layouts as the FIFO (the reply-path field is ignored; clients
//! send `socket`), but a connection stays open for any number of requests, and the peer is
//! known:
//! password queries are answered only for the uids in `INLOOKUP_PWD_UIDS` (default: root,
//! the server's own uid and the indimail user). A malformed frame closes the connection.
//!
//! Threads: a few loop threads (`INLOOKUP_SOCKET_THREADS`, default one per core but one,
//! at least 1 and at most 4), each with its own epoll set of connections (given out in turn), answer cache hits
//! themselves, with no hand-off, no thread per connection to schedule and every ready
//! connection served per wake-up (read first, then one look at the invalidation log for
//! all the requests read, then the answers). A
//! miss (or a client with no room for its reply) goes to a worker thread of its own, so one
//! slow query or stalled client holds up nobody else; the connection then returns to its
//! loop.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{env_count, log, Engine, Lookup};
use crate::config::{env_nonempty, Config};
use crate::inquery::client::control_timeout;
use crate::inquery::codec::{check_request_len, query_name, Reply, Request, PIPE_BUF, PWD_QUERY};

/// Default bound on simultaneous connections (`INLOOKUP_MAX_CLIENTS`); more are closed at
/// once (our client then falls back to the FIFO).
pub const DEFAULT_MAX_CLIENTS: usize = 1024;
/// A connection idle (or stalled in the middle of a frame) this long is closed.
pub const IDLE: Duration = Duration::from_secs(300);

pub use crate::inquery::client::socket_path as path_for;

/// The socket is served unless `INLOOKUP_SOCKET` is `0`, `no` or `off`.
pub use crate::inquery::client::socket_wanted as enabled;

/// Who may ask password queries: None = anyone.
fn pwd_uids(cfg: &Config) -> Option<HashSet<u32>> {
    let mut set = HashSet::new();
    match env_nonempty("INLOOKUP_PWD_UIDS") {
        Some(v) if v.trim() == "*" => return None,
        Some(v) => {
            for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match item.parse::<u32>() {
                    Ok(uid) => {
                        set.insert(uid);
                    }
                    Err(_) => match crate::sys::getpwnam(item) {
                        Ok(Some(pw)) => {
                            set.insert(pw.uid);
                        }
                        _ => log(&format!("InLookup: INLOOKUP_PWD_UIDS: unknown user {item}")),
                    },
                }
            }
        }
        None => {
            set.insert(0);
            set.insert(crate::sys::geteuid());
            if let Ok((uid, _)) = cfg.indimail_ids() {
                set.insert(uid);
            }
        }
    }
    Some(set)
}

pub struct Listener {
    inner: UnixListener,
    path: PathBuf,
}

impl Listener {
    /// Bind `path` (a stale socket there is replaced; anything else is an error), owned by
    /// `owner`, mode `mode` or 0660.
    pub fn bind(path: &Path, owner: Option<(u32, u32)>, mode: Option<u32>) -> io::Result<Listener> {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_socket() => std::fs::remove_file(path)?,
            Ok(_) => {
                return Err(io::Error::other(format!(
                    "{}: exists and is not a socket",
                    path.display()
                )))
            }
            Err(_) => {}
        }
        // bound and listening under a temporary name, then renamed into place: a client
        // never finds the path without a listener behind it
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".new{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        let inner = UnixListener::bind(&tmp)?;
        let placed = (|| {
            if let Some((u, g)) = owner {
                crate::sys::lchown(&tmp, u, g)?;
            }
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                &tmp,
                std::fs::Permissions::from_mode(mode.unwrap_or(0o660) & 0o777),
            )?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = placed {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(Listener {
            inner,
            path: path.to_path_buf(),
        })
    }

    /// Accept connections on a thread of their own; a few loop threads answer them.
    pub fn spawn(self, engine: Arc<Engine>, cfg: Config, verbose: bool) -> io::Result<()> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let max = env_count("INLOOKUP_MAX_CLIENTS", DEFAULT_MAX_CLIENTS);
        let loops = env_count(
            "INLOOKUP_SOCKET_THREADS",
            // One core is left to the clients and to MySQL: on 2 cores one loop
            // thread gave the steadier tail (docs/benchmarks.md, fourth session).
            std::thread::available_parallelism().map_or(1, |n| (n.get() - 1).clamp(1, 4)),
        );
        let sh = Arc::new(Shared {
            allowed: pwd_uids(&cfg),
            wto: control_timeout(&cfg, "timeoutwrite"),
            engine,
            name,
            verbose,
            loops: (0..loops)
                .map(|_| {
                    Ok(Loop {
                        poll: crate::sys::Epoll::new(false)?,
                        parked: Mutex::new(HashMap::new()),
                    })
                })
                .collect::<io::Result<_>>()?,
            next_token: AtomicU64::new(0),
            active: Arc::new(AtomicUsize::new(0)),
            workers: Arc::new(Workers::default()),
        });
        for i in 0..loops {
            let sh = Arc::clone(&sh);
            std::thread::spawn(move || sh.event_loop(i));
        }
        std::thread::spawn(move || {
            for conn in self.inner.incoming() {
                let Ok(stream) = conn else {
                    // EMFILE and the like: do not spin
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                if sh.active.load(Ordering::SeqCst) >= max {
                    log(&format!(
                        "InLookup: {}: {max} clients, connection refused",
                        sh.name
                    ));
                    continue;
                }
                let uid = match crate::sys::peer_cred(stream.as_raw_fd()) {
                    Ok((uid, _)) => uid,
                    Err(_) => continue,
                };
                // the loop threads never block on a client; a worker that must wait (a
                // miss, a full socket) does so within timeoutwrite
                if stream.set_nonblocking(true).is_err()
                    || stream.set_write_timeout(Some(sh.wto)).is_err()
                {
                    continue;
                }
                let client = Client {
                    s: stream,
                    uid,
                    buf: vec![0; PIPE_BUF + 4].into_boxed_slice(),
                    start: 0,
                    end: 0,
                    last: Instant::now(),
                    _count: Counted::new(&sh.active),
                };
                let token = sh.next_token.fetch_add(1, Ordering::Relaxed);
                sh.park(token, client);
            }
        });
        Ok(())
    }
}

/// How often parked connections are checked for [`IDLE`].
const SWEEP: Duration = Duration::from_secs(10);

/// Counts a live connection (toward `INLOOKUP_MAX_CLIENTS`) until dropped.
struct Counted(Arc<AtomicUsize>);
impl Counted {
    fn new(n: &Arc<AtomicUsize>) -> Counted {
        n.fetch_add(1, Ordering::SeqCst);
        Counted(Arc::clone(n))
    }
}
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One connection: its non-blocking stream, peer uid and the bytes of a frame not yet whole.
struct Client {
    s: UnixStream,
    uid: u32,
    /// Room for the longest frame, allocated once; `buf[start..end]` is not answered yet.
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// Last activity (a connection idle or stalled in a frame for [`IDLE`] is closed).
    last: Instant,
    _count: Counted,
}

/// What a read from a connection gave.
enum Input {
    /// New bytes in its buffer.
    Read,
    /// Nothing yet.
    Nothing,
    Close,
}

/// What to do with a connection after its input was looked at.
enum Next {
    /// Wait for more input.
    Park,
    Close,
    /// A worker must go on: ask MySQL for `req` (and/or finish writing `out`).
    Slow(Option<(Request, Option<u64>, Instant)>, Vec<u8>),
}

/// One loop thread's connections: those parked (waiting for input) are in `parked` and in
/// `poll`; one being answered by a worker is in neither.
struct Loop {
    poll: crate::sys::Epoll,
    parked: Mutex<HashMap<u64, Client>>,
}

impl Loop {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Client>> {
        self.parked.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Shared {
    engine: Arc<Engine>,
    allowed: Option<HashSet<u32>>,
    wto: Duration,
    name: String,
    verbose: bool,
    /// Connection `token` belongs to `loops[token % loops.len()]`: a connection is always
    /// answered by the same thread (warm caches, no wake-ups of other threads).
    loops: Vec<Loop>,
    next_token: AtomicU64,
    active: Arc<AtomicUsize>,
    workers: Arc<Workers>,
}

impl Shared {
    fn may_ask(&self, uid: u32, qtype: u8) -> bool {
        qtype != PWD_QUERY
            || match &self.allowed {
                None => true,
                Some(s) => s.contains(&uid),
            }
    }

    fn home(&self, token: u64) -> &Loop {
        &self.loops[(token % self.loops.len() as u64) as usize]
    }

    /// Give a connection (new, or back from a worker) to its loop thread.
    fn park(&self, token: u64, mut c: Client) {
        c.last = Instant::now();
        let fd = c.s.as_raw_fd();
        let lp = self.home(token);
        lp.lock().insert(token, c);
        if lp.poll.add(fd, token).is_err() {
            lp.lock().remove(&token);
        }
    }

    /// Loop thread `i`: answers cache hits at once, hands misses to a worker.
    fn event_loop(self: Arc<Self>, i: usize) {
        super::short_slice();
        let lp = &self.loops[i];
        let mut ready = Vec::with_capacity(16);
        let mut slow = Vec::new();
        let mut got = Vec::with_capacity(16);
        let mut last_sweep = Instant::now();
        loop {
            if let Err(e) = lp.poll.wait(SWEEP.as_millis() as i32, &mut ready) {
                log(&format!("InLookup: {}: epoll: {e}", self.name));
                std::thread::sleep(Duration::from_millis(100));
            }
            let now = Instant::now();
            // every ready connection is answered under one lock (a worker giving one back
            // waits these few microseconds); what needs a worker is handed on only after
            // the hits are written, so they do not wait behind its wake-up
            {
                let mut parked = lp.lock();
                if now.duration_since(last_sweep) >= SWEEP {
                    last_sweep = now;
                    parked.retain(|_, c| now.duration_since(c.last) < IDLE);
                }
                // everything is read first, then the invalidation log is looked at once for
                // all the requests read
                got.clear();
                for &token in &ready {
                    let Some(c) = parked.get_mut(&token) else {
                        continue;
                    };
                    match self.input(c) {
                        Input::Read => got.push(token),
                        Input::Nothing => {}
                        Input::Close => {
                            parked.remove(&token);
                        }
                    }
                }
                let seen = if got.is_empty() {
                    None
                } else {
                    self.engine.log_state()
                };
                for &token in &got {
                    let Some(c) = parked.get_mut(&token) else {
                        continue;
                    };
                    match self.frames(c, false, &seen) {
                        Next::Park => c.last = now,
                        // closing the descriptor takes it out of the epoll set
                        Next::Close => {
                            parked.remove(&token);
                        }
                        Next::Slow(miss, out) => {
                            if let Some(c) = parked.remove(&token) {
                                // no events while a worker has it
                                let _ = lp.poll.remove(c.s.as_raw_fd());
                                slow.push((token, c, miss, out));
                            }
                        }
                    }
                }
            }
            for (token, c, miss, out) in slow.drain(..) {
                let sh = Arc::clone(&self);
                self.workers
                    .submit(Box::new(move || sh.slow(token, c, miss, out)));
            }
        }
    }

    /// Read what the client sent (its whole frames are answered by [`Shared::frames`]).
    fn input(&self, c: &mut Client) -> Input {
        // what is left is the start of one frame (a whole one was answered): to the front
        c.buf.copy_within(c.start..c.end, 0);
        c.end -= c.start;
        c.start = 0;
        if c.end == c.buf.len() {
            // cannot happen: a frame whose length was accepted fits
            return Input::Close;
        }
        let got = (&c.s).read(&mut c.buf[c.end..]);
        match got {
            Ok(0) => {
                if c.end >= 4 {
                    log(&format!(
                        "InLookup: {}: aborted read from client",
                        self.name
                    ));
                }
                Input::Close
            }
            Ok(n) => {
                c.end += n;
                Input::Read
            }
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                Input::Nothing
            }
            Err(_) => Input::Close,
        }
    }

    /// Answer the whole frames in the buffer. `inline`: misses are answered here (a
    /// worker) rather than handed on (a loop thread). `seen`: the invalidation log as it
    /// was after the buffer was filled ([`Engine::log_state`]).
    fn frames(&self, c: &mut Client, inline: bool, seen: &Option<std::fs::Metadata>) -> Next {
        let mut at = 0;
        let next = loop {
            let rest = &c.buf[c.start + at..c.end];
            if rest.len() < 4 {
                break Next::Park;
            }
            let n = i32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]);
            let Ok(len) = check_request_len(n, PIPE_BUF) else {
                log(&format!(
                    "InLookup: {} uid {}: bytes {n}: invalid request length, closing",
                    self.name, c.uid
                ));
                break Next::Close;
            };
            if rest.len() < 4 + len {
                break Next::Park;
            }
            let Ok(req) = Request::decode_body(&rest[4..4 + len]) else {
                log(&format!(
                    "InLookup: {} uid {}: malformed request of {len} bytes, closing",
                    self.name, c.uid
                ));
                break Next::Close;
            };
            at += 4 + len;
            self.log_request(c.uid, &req, len);
            let t0 = Instant::now();
            let (reply, hit) = if !self.may_ask(c.uid, req.qtype) {
                log(&format!(
                    "InLookup: {}: password query refused for uid {}",
                    self.name, c.uid
                ));
                (Reply::Error.encode().into(), false)
            } else {
                match self.engine.lookup_seen(&req, seen) {
                    Lookup::Ready(r, hit) => (r, hit),
                    Lookup::Compute(epoch) if inline => (self.engine.fill(&req, epoch), false),
                    Lookup::Compute(epoch) => {
                        break Next::Slow(Some((req, epoch, t0)), Vec::new());
                    }
                }
            };
            match self.write(c, &reply, inline) {
                Ok(()) => self.log_answer(c.uid, &req, hit, t0),
                Err(Some(out)) => break Next::Slow(None, out),
                Err(None) => break Next::Close,
            }
        };
        c.start += at;
        next
    }

    /// Write a reply: Err(Some(rest)) when a loop thread would have to wait for room,
    /// Err(None) when the connection is broken.
    fn write(&self, c: &Client, bytes: &[u8], blocking: bool) -> Result<(), Option<Vec<u8>>> {
        let mut done = 0;
        while done < bytes.len() {
            match (&c.s).write(&bytes[done..]) {
                Ok(0) => return Err(None),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && !blocking => {
                    return Err(Some(bytes[done..].to_vec()))
                }
                Err(_) => return Err(None),
            }
        }
        Ok(())
    }

    /// A worker: finish a reply the client had no room for and/or answer a miss, then the
    /// rest of the buffered frames; then the connection is parked again. The stream is
    /// blocking meanwhile (with timeoutwrite), so a stalled client holds only this thread.
    fn slow(
        &self,
        token: u64,
        mut c: Client,
        miss: Option<(Request, Option<u64>, Instant)>,
        out: Vec<u8>,
    ) {
        if c.s.set_nonblocking(false).is_err() || self.write(&c, &out, true).is_err() {
            return;
        }
        if let Some((req, epoch, t0)) = miss {
            let reply = self.engine.fill(&req, epoch);
            if self.write(&c, &reply, true).is_err() {
                return;
            }
            self.log_answer(c.uid, &req, false, t0);
        }
        if let Next::Close = self.frames(&mut c, true, &self.engine.log_state()) {
            return;
        }
        if c.s.set_nonblocking(true).is_err() {
            return;
        }
        self.park(token, c);
    }

    fn log_request(&self, uid: u32, req: &Request, len: usize) {
        if self.verbose {
            log(&format!(
                "{}->uid {uid}, Bytes {len}, Query ['{}'], User {}, RemoteIp {}",
                self.name,
                query_name(req.qtype).unwrap_or("Unknown Query"),
                req.email_lossy(),
                if req.ip.is_empty() {
                    "N/A".to_string()
                } else {
                    String::from_utf8_lossy(&req.ip).into_owned()
                }
            ));
        }
    }

    fn log_answer(&self, uid: u32, req: &Request, hit: bool, t0: Instant) {
        if self.verbose {
            let h = if hit { ", cache hit" } else { "" };
            log(&format!(
                "{} '{}' -> uid {uid}{h}",
                t0.elapsed().as_secs(),
                query_name(req.qtype).unwrap_or("Unknown Query"),
            ));
        }
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Threads for the slow path. Every job gets a thread at once (an idle one, or a new one),
/// so a slow query holds up nobody else; a thread idle for a while exits.
#[derive(Default)]
struct Workers {
    q: Mutex<(VecDeque<Job>, usize)>,
    ready: Condvar,
}

impl Workers {
    fn submit(self: &Arc<Self>, job: Job) {
        let mut g = self.q.lock().unwrap_or_else(|p| p.into_inner());
        g.0.push_back(job);
        // g.1 threads wait; each queued job needs one of them
        if g.1 >= g.0.len() {
            drop(g);
            self.ready.notify_one();
            return;
        }
        drop(g);
        let me = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || me.work());
        if let Err(e) = spawned {
            log(&format!("InLookup: thread: {e}"));
        }
    }

    fn work(&self) {
        let mut g = self.q.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(job) = g.0.pop_front() {
                drop(g);
                job();
                g = self.q.lock().unwrap_or_else(|p| p.into_inner());
                continue;
            }
            g.1 += 1;
            let (ng, to) = self
                .ready
                .wait_timeout(g, Duration::from_secs(30))
                .unwrap_or_else(|p| p.into_inner());
            g = ng;
            g.1 -= 1;
            if to.timed_out() && g.0.is_empty() {
                return;
            }
        }
    }
}
