//! What a long-running server keeps between queries of the lookups [`super::answer`] makes
//! outside MySQL: whether the site is clustered (two `stat`s a query otherwise) and the
//! real domain of each domain asked (a `users/cdb` lookup and a `readlink` a query).
//!
//! Off unless [`Memo::enable`]d (inlookup does; a command asks once and exits). The real domains
//! are kept while `users/cdb` is the file they were read from: every change of the domains
//! replaces it (ours, qmail-newu, vadddomain and vaddaliasdomain of the original), and a
//! stat of it is checked on every lookup. Everything is forgotten on [`Memo::forget`] (inlookup:
//! HUP, and a change logged as "everything", e.g. a domain renamed, whose alias domains'
//! links move without `users/cdb` changing). The original kept the last domain looked up
//! for the life of the process.

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use crate::config::Config;

/// At most this many domains are remembered; then the memo starts again.
const MAX_DOMAINS: usize = 4096;

/// `users/cdb`'s path and identity: device, inode, size, mtime and ctime (ns).
type Stamp = (PathBuf, u64, u64, u64, i64, i64, i64, i64);

#[derive(Default)]
struct State {
    /// Whether the site is clustered, and for which control directory.
    clustered: Option<(PathBuf, bool)>,
    /// `users/cdb` when `real` was filled.
    cdb: Option<Stamp>,
    real: HashMap<String, Option<String>>,
}

/// The memo: off (None) until enabled.
pub struct Memo(Mutex<Option<State>>);

/// The process's memo, used by [`super::answer`].
pub static MEMO: Memo = Memo::new();

impl Memo {
    pub const fn new() -> Memo {
        Memo(Mutex::new(None))
    }

    fn lock(&self) -> MutexGuard<'_, Option<State>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remember from now on (for the life of the process).
    pub fn enable(&self) {
        *self.lock() = Some(State::default());
    }

    /// Forget everything remembered (still on).
    pub fn forget(&self) {
        if let Some(s) = self.lock().as_mut() {
            *s = State::default();
        }
    }

    /// Whether the site is clustered: `compute()`d the first time after [`Memo::enable`]
    /// or [`Memo::forget`], remembered then.
    pub fn clustered(&self, cfg: &Config, compute: impl FnOnce() -> bool) -> bool {
        match self.lock().as_ref().map(|s| s.clustered.as_ref()) {
            None => return compute(),
            Some(Some((dir, c))) if *dir == cfg.controldir => return *c,
            Some(_) => {}
        }
        let c = compute();
        if let Some(s) = self.lock().as_mut() {
            s.clustered = Some((cfg.controldir.clone(), c));
        }
        c
    }

    /// The real domain of `domain` (None: unknown), as [`crate::domain::real_domain`]
    /// (`compute`) gives it: remembered while `users/cdb` is unchanged. A failed lookup
    /// is not remembered.
    pub fn real_domain(
        &self,
        cfg: &Config,
        domain: &str,
        compute: impl FnOnce() -> io::Result<Option<String>>,
    ) -> io::Result<Option<String>> {
        if self.lock().is_none() {
            return compute();
        }
        // stat'ed before the lookup: a lookup that raced a change is remembered under the
        // stamp of before, which the next stat no longer matches
        let Some(stamp) = cdb_stamp(cfg) else {
            return compute();
        };
        if let Some(s) = self.lock().as_mut() {
            if s.cdb.as_ref() != Some(&stamp) {
                s.real.clear();
                s.cdb = Some(stamp.clone());
            } else if let Some(r) = s.real.get(domain) {
                return Ok(r.clone());
            }
        }
        let real = compute()?;
        if let Some(s) = self.lock().as_mut() {
            if s.cdb.as_ref() == Some(&stamp) {
                if s.real.len() >= MAX_DOMAINS {
                    s.real.clear();
                }
                s.real.insert(domain.to_string(), real.clone());
            }
        }
        Ok(real)
    }
}

impl Default for Memo {
    fn default() -> Memo {
        Memo::new()
    }
}

fn cdb_stamp(cfg: &Config) -> Option<Stamp> {
    let path = crate::assign::cdb_path(&cfg.assigndir);
    let m = std::fs::metadata(&path).ok()?;
    Some((
        path,
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_while_the_cdb_is_unchanged_and_forgets_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config {
            assigndir: dir.path().to_path_buf(),
            ..Config::from_env()
        };
        let cdb = crate::assign::cdb_path(&cfg.assigndir);
        let memo = Memo::new();
        // what the memo answers when the lookup would give `now`
        let ask = |now: &str| {
            memo.real_domain(&cfg, "a.test", || Ok(Some(now.to_string())))
                .unwrap()
                .unwrap()
        };
        // off: always looked up
        assert_eq!((ask("one"), ask("two")), ("one".into(), "two".into()));
        memo.enable();
        // no users/cdb to check a memo against: always looked up
        assert_eq!((ask("one"), ask("two")), ("one".into(), "two".into()));
        std::fs::write(&cdb, b"first").unwrap();
        // a failed lookup is not remembered
        let failed = memo.real_domain(&cfg, "a.test", || Err(io::Error::other("broken")));
        assert!(failed.is_err());
        assert_eq!((ask("one"), ask("two")), ("one".into(), "one".into()));
        // replaced, as every change of the domains does
        let tmp = cdb.with_extension("tmp");
        std::fs::write(&tmp, b"second").unwrap();
        std::fs::rename(&tmp, &cdb).unwrap();
        assert_eq!((ask("two"), ask("three")), ("two".into(), "two".into()));
        assert!(memo.clustered(&cfg, || true));
        assert!(memo.clustered(&cfg, || false));
        memo.forget();
        assert_eq!(ask("four"), "four");
        assert!(!memo.clustered(&cfg, || false));
    }
}
