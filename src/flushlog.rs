/*!
The inlookup cache-invalidation log, `DOMAINDIR/domains/.inlookup-flush`.

inlookup's cache (USE_BTREE) must never answer with a row that a command has changed since.
Every change to the tables the cache serves (users, aliases, limits, domains) goes through
[`crate::db::Db`], which notes what changed and, once the change is committed, appends one
line per changed mailbox to this log (`user@domain`, or `*` for "everything", e.g. a domain
rename). It works across processes and needs no running server: a command just appends; a
running inlookup checks the log with one `stat` before every cache lookup and drops the
entries of every local part named since (`user@any-domain`, so alias domains and queries
without a domain are covered too), or everything when the log was replaced, truncated or
removed.

The server creates the log (mode 0660, owned by the indimail user when it runs as root) and
caches only while it has the log open, so a change made while no log exists cannot be missed.
A command finds no log → no server has a cache → nothing to do. The log is replaced by an
empty one by the writer that sees it grow past [`ROTATE_AT`]; servers then flush everything.
*/

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;

/// File name of the log inside `DOMAINDIR/domains`.
pub const NAME: &str = ".inlookup-flush";
/// Size after which a writer starts a new log.
pub const ROTATE_AT: u64 = 1 << 20;
/// More changes than this in one commit are published as "everything".
const MAX_LINES: usize = 1000;

/// Where the log lives for this configuration.
pub fn path(cfg: &Config) -> PathBuf {
    cfg.domains_dir().join(NAME)
}

/// What a committed change invalidates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// Every cached answer about this mailbox (local part, domain).
    User(String, String),
    /// Every cached answer.
    All,
}

impl Change {
    pub fn user(user: &str, domain: &str) -> Change {
        Change::User(user.to_lowercase(), domain.to_lowercase())
    }

    fn line(&self) -> String {
        match self {
            Change::User(u, d) => format!("{}@{}\n", clean(u), clean(d)),
            Change::All => "*\n".to_string(),
        }
    }
}

/// A line must stay one line.
fn clean(s: &str) -> String {
    s.replace(['\n', '\r'], "?")
}

/// The lower-cased local part of a query key (the whole key when it has no `@`): the
/// granularity of invalidation.
pub fn local_part(key: &[u8]) -> Vec<u8> {
    let end = key.iter().position(|&b| b == b'@').unwrap_or(key.len());
    key[..end].to_ascii_lowercase()
}

/// Append `changes` to the log at `path` (writer side). A missing log means that no server
/// caches anything: nothing to do.
pub fn publish(path: &Path, changes: &[Change]) -> io::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let text: String = if changes.len() > MAX_LINES || changes.contains(&Change::All) {
        Change::All.line()
    } else {
        changes.iter().map(Change::line).collect()
    };
    // a writer that races a rotation re-appends to the new log
    for _ in 0..4 {
        let mut f = match OpenOptions::new()
            .append(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        // one write: O_APPEND keeps concurrent writers' lines whole
        f.write_all(text.as_bytes())?;
        let mine = f.metadata()?;
        match std::fs::symlink_metadata(path) {
            Ok(now) if now.ino() == mine.ino() && now.dev() == mine.dev() => {
                if mine.len() > ROTATE_AT {
                    rotate(path, &mine)?;
                }
                return Ok(());
            }
            Ok(_) => continue,
            // removed: no server can cache without it
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// [`publish`], with a warning on stderr when it fails (the change itself is done).
pub fn notify(path: &Path, changes: &[Change]) {
    if let Err(e) = publish(path, changes) {
        eprintln!(
            "warning: inlookup cache not told about the change: {}: {e}",
            path.display()
        );
    }
}

/// Replace a grown log by an empty one with the same owner and mode.
fn rotate(path: &Path, old: &std::fs::Metadata) -> io::Result<()> {
    let tmp = path.with_extension(format!("new{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o660)
        .open(&tmp)?;
    let _ = std::os::unix::fs::fchown(&f, Some(old.uid()), Some(old.gid()));
    f.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o777))?;
    std::fs::rename(&tmp, path)
}

/// What a server learns from the log.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    Nothing,
    /// Local parts (lower case) whose entries must go.
    Users(Vec<Vec<u8>>),
    /// Everything must go.
    All,
}

/// The server side: follows the log.
pub struct Watcher {
    path: PathBuf,
    file: Option<Arc<File>>,
    /// Whether a stat of `file` itself tells everything a stat of `path` would
    /// ([`Watcher::handle`]).
    fstat_sound: bool,
    dev: u64,
    ino: u64,
    offset: u64,
    owner: Option<(u32, u32)>,
    /// When creating the log last failed (retried at most once a second).
    failed_create: Option<Instant>,
}

impl Watcher {
    /// Follow the log at `path`, creating it (owned by `owner` when given) if missing.
    pub fn new(path: PathBuf, owner: Option<(u32, u32)>) -> Watcher {
        let mut w = Watcher {
            path,
            file: None,
            fstat_sound: false,
            dev: 0,
            ino: 0,
            offset: 0,
            owner,
            failed_create: None,
        };
        w.poll();
        w
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the log is followed: a cache may be used only then.
    pub fn usable(&self) -> bool {
        self.file.is_some()
    }

    fn create(&mut self) {
        if self
            .failed_create
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        match OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o660)
            .open(&self.path)
        {
            Ok(f) => {
                if let Some((u, g)) = self.owner {
                    let _ = std::os::unix::fs::fchown(&f, Some(u), Some(g));
                }
                // the creation mode is subject to the umask
                let _ = f.set_permissions(std::fs::Permissions::from_mode(0o660));
                self.failed_create = None;
            }
            Err(_) => self.failed_create = Some(Instant::now()),
        }
    }

    /// The log as opened, when a stat of it (`fstat`: no path walk) may stand in for a
    /// stat of the path in [`Watcher::unchanged`]: a log that a writer replaced (rotation)
    /// or removed is then unlinked, and shows a link count of 0. Only where the file
    /// system keeps that count honest (not NFS, whose clients keep a removed file that is
    /// still open under another name), and only for a log that had one name when opened.
    pub fn handle(&self) -> Option<Arc<File>> {
        self.fstat_sound.then(|| self.file.clone()).flatten()
    }

    /// Whether `meta`, a stat of the log (of its path, or of [`Watcher::handle`]) made by
    /// the caller, shows nothing new since the last [`Watcher::poll`] (which is then not
    /// needed).
    pub fn unchanged(&self, meta: &std::fs::Metadata) -> bool {
        self.file.is_some()
            && meta.file_type().is_file()
            && meta.nlink() > 0
            && meta.ino() == self.ino
            && meta.dev() == self.dev
            && meta.len() == self.offset
    }

    /// Check the log (one stat when nothing changed).
    pub fn poll(&mut self) -> Seen {
        let meta = match std::fs::symlink_metadata(&self.path) {
            Ok(m) if m.file_type().is_file() => m,
            _ => {
                let had = self.file.take().is_some();
                self.create();
                return match self.open() {
                    Some(()) => Seen::All,
                    None if had => Seen::All,
                    None => Seen::Nothing,
                };
            }
        };
        if self.file.is_none() || meta.ino() != self.ino || meta.dev() != self.dev {
            self.file = None;
            self.open();
            return Seen::All;
        }
        if meta.len() < self.offset {
            self.offset = meta.len();
            return Seen::All;
        }
        if meta.len() == self.offset {
            return Seen::Nothing;
        }
        self.read_new(meta.len())
    }

    fn open(&mut self) -> Option<()> {
        let f = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.path)
            .ok()?;
        let m = f.metadata().ok()?;
        if !m.file_type().is_file() {
            return None;
        }
        (self.dev, self.ino, self.offset) = (m.dev(), m.ino(), m.len());
        self.fstat_sound = m.nlink() == 1 && crate::sys::local_file_system(&f);
        self.file = Some(Arc::new(f));
        Some(())
    }

    fn read_new(&mut self, len: u64) -> Seen {
        let Some(f) = self.file.as_ref() else {
            return Seen::All;
        };
        let mut buf = vec![0; (len - self.offset) as usize];
        if f.read_exact_at(&mut buf, self.offset).is_err() {
            self.file = None;
            return Seen::All;
        }
        // only whole lines; a line still being written is read next time
        let Some(end) = buf.iter().rposition(|&b| b == b'\n') else {
            return Seen::Nothing;
        };
        self.offset += end as u64 + 1;
        let mut users = Vec::new();
        for line in buf[..end].split(|&b| b == b'\n') {
            if line == b"*" {
                return Seen::All;
            }
            if !line.is_empty() {
                users.push(local_part(line));
            }
        }
        Seen::Users(users)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_and_watcher_agree() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(NAME);
        // no log: publishing is a no-op, nothing is created
        publish(&p, &[Change::user("Bob", "x.org")]).unwrap();
        assert!(!p.exists());
        let mut w = Watcher::new(p.clone(), None);
        assert!(w.usable());
        assert_eq!(w.poll(), Seen::Nothing);
        publish(&p, &[Change::user("Bob", "X.org"), Change::user("al", "y")]).unwrap();
        assert_eq!(w.poll(), Seen::Users(vec![b"bob".to_vec(), b"al".to_vec()]));
        assert_eq!(w.poll(), Seen::Nothing);
        publish(&p, &[Change::All]).unwrap();
        assert_eq!(w.poll(), Seen::All);
        // a partial line waits for its newline
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"car")
            .unwrap();
        assert_eq!(w.poll(), Seen::Nothing);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"ol@z\n")
            .unwrap();
        assert_eq!(w.poll(), Seen::Users(vec![b"carol".to_vec()]));
        // replaced, truncated, removed: everything goes
        let big: Vec<Change> = (0..MAX_LINES / 2)
            .map(|i| Change::user(&format!("user{i:040}"), "example.com"))
            .collect();
        let ino = std::fs::metadata(&p).unwrap().ino();
        for _ in 0..100 {
            publish(&p, &big).unwrap();
            if std::fs::metadata(&p).unwrap().ino() != ino {
                break;
            }
        }
        assert_ne!(std::fs::metadata(&p).unwrap().ino(), ino, "rotated");
        // the log as opened tells it too, without a look at the path: it has no name left
        // (a handle is given only on a local file system, as the test's temp dir usually is)
        let handle_stat = |w: &Watcher| w.handle().map(|f| f.metadata().unwrap());
        if let Some(m) = handle_stat(&w) {
            assert!(!w.unchanged(&m));
        }
        assert!(std::fs::metadata(&p).unwrap().len() < ROTATE_AT);
        assert_eq!(w.poll(), Seen::All);
        publish(&p, &[Change::user("dan", "z")]).unwrap();
        assert_eq!(w.poll(), Seen::Users(vec![b"dan".to_vec()]));
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&p)
            .unwrap();
        assert_eq!(w.poll(), Seen::All);
        let before = handle_stat(&w);
        std::fs::remove_file(&p).unwrap();
        if let (Some(before), Some(after)) = (before, handle_stat(&w)) {
            assert!(w.unchanged(&before) && !w.unchanged(&after), "removed");
        }
        // recreated at once (the watcher owns the log)
        assert_eq!(w.poll(), Seen::All);
        assert!(w.usable());
        assert_eq!(local_part(b"Ann@Example.COM"), b"ann");
        assert_eq!(local_part(b"Ann"), b"ann");
    }
}
