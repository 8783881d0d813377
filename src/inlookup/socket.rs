//! The second transport: a UNIX stream socket beside the FIFO (`<fifo>.sock`).
//!
//! Same request and reply layouts as the FIFO (the reply-path field is ignored; clients
//! send `socket`), but a connection stays open for any number of requests, each connection
//! has its own thread (one slow query holds up nobody else), and the peer is known:
//! password queries are answered only for the uids in `INLOOKUP_PWD_UIDS` (default: root,
//! the server's own uid and the indimail user). A malformed frame closes the connection.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{env_count, log, Engine};
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

    /// Accept connections on a thread of their own, one thread per connection.
    pub fn spawn(self, engine: Arc<Engine>, cfg: Config, verbose: bool) {
        let allowed = Arc::new(pwd_uids(&cfg));
        let max = env_count("INLOOKUP_MAX_CLIENTS", DEFAULT_MAX_CLIENTS);
        let active = Arc::new(AtomicUsize::new(0));
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cfg = Arc::new(cfg);
        std::thread::spawn(move || {
            for conn in self.inner.incoming() {
                let Ok(stream) = conn else {
                    // EMFILE and the like: do not spin
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                if active.load(Ordering::SeqCst) >= max {
                    log(&format!(
                        "InLookup: {name}: {max} clients, connection refused"
                    ));
                    continue;
                }
                let uid = match crate::sys::peer_cred(stream.as_raw_fd()) {
                    Ok((uid, _)) => uid,
                    Err(_) => continue,
                };
                active.fetch_add(1, Ordering::SeqCst);
                let conn = Conn {
                    engine: Arc::clone(&engine),
                    cfg: Arc::clone(&cfg),
                    allowed: Arc::clone(&allowed),
                    name: name.clone(),
                    uid,
                    verbose,
                };
                let active2 = Arc::clone(&active);
                let spawned = std::thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn(move || {
                        conn.serve(stream);
                        active2.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    active.fetch_sub(1, Ordering::SeqCst);
                }
            }
        });
    }
}

struct Conn {
    engine: Arc<Engine>,
    cfg: Arc<Config>,
    allowed: Arc<Option<HashSet<u32>>>,
    name: String,
    uid: u32,
    verbose: bool,
}

impl Conn {
    fn may_ask(&self, qtype: u8) -> bool {
        qtype != PWD_QUERY
            || match self.allowed.as_ref() {
                None => true,
                Some(s) => s.contains(&self.uid),
            }
    }

    fn serve(&self, s: UnixStream) {
        let wto = control_timeout(&self.cfg, "timeoutwrite");
        // one timeout for waiting and for a frame's parts (fewer system calls per request);
        // a stalled client holds only its own thread
        if s.set_write_timeout(Some(wto)).is_err() || s.set_read_timeout(Some(IDLE)).is_err() {
            return;
        }
        let mut r = std::io::BufReader::with_capacity(PIPE_BUF + 4, &s);
        let mut w = &s;
        loop {
            let mut word = [0u8; 4];
            if r.read_exact(&mut word).is_err() {
                return;
            }
            let n = i32::from_ne_bytes(word);
            let Ok(len) = check_request_len(n, PIPE_BUF) else {
                log(&format!(
                    "InLookup: {} uid {}: bytes {n}: invalid request length, closing",
                    self.name, self.uid
                ));
                return;
            };
            let mut body = vec![0u8; len];
            if r.read_exact(&mut body).is_err() {
                log(&format!(
                    "InLookup: {}: aborted read from client",
                    self.name
                ));
                return;
            }
            let Ok(req) = Request::decode_body(&body) else {
                log(&format!(
                    "InLookup: {} uid {}: malformed request of {len} bytes, closing",
                    self.name, self.uid
                ));
                return;
            };
            let qname = query_name(req.qtype).unwrap_or("Unknown Query");
            if self.verbose {
                log(&format!(
                    "{}->uid {}, Bytes {len}, Query ['{qname}'], User {}, RemoteIp {}",
                    self.name,
                    self.uid,
                    req.email_lossy(),
                    if req.ip.is_empty() {
                        "N/A".to_string()
                    } else {
                        String::from_utf8_lossy(&req.ip).into_owned()
                    }
                ));
            }
            let t0 = std::time::Instant::now();
            let (reply, hit) = if self.may_ask(req.qtype) {
                self.engine.answer(&req)
            } else {
                log(&format!(
                    "InLookup: {}: password query refused for uid {}",
                    self.name, self.uid
                ));
                (Reply::Error.encode().into(), false)
            };
            if w.write_all(&reply).is_err() {
                return;
            }
            if self.verbose {
                let h = if hit { ", cache hit" } else { "" };
                log(&format!(
                    "{} '{qname}' -> uid {}{h}",
                    t0.elapsed().as_secs(),
                    self.uid
                ));
            }
        }
    }
}
