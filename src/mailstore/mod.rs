//! Mail store handling: quota strings, hashed home directories, Maildir creation,
//! `maildirsize` (Maildir++ quota) and home-directory removal.
//!
//! Behaviour follows the IndiMail admin tools (see `docs`/spec `users.md` §4, §7, §10.3).

pub mod hashdir;
pub mod maildir;
pub mod maildirsize;
pub mod quota;
pub mod remove;

use std::path::PathBuf;

pub use hashdir::{
    control_prefix, dir_bucket, filesystem_prefix, hashdir_of, home_dir, note_filesystem,
    prefix_bucket, push_backfill, read_filesystems, take_backfill, DirControl, BUCKETS,
};
pub use maildir::{create_maildir, make_dirs, rollback_created};
pub use maildirsize::{count_maildir, read_usage, recalc_quota, Usage};
pub use quota::{parse_quota, validate_quota_arg, QuotaError};
pub use remove::{error_text, move_dir, remove_home};

/// Errors from mail store operations. I/O errors carry the path involved.
#[derive(Debug, thiserror::Error)]
pub enum MailstoreError {
    /// An I/O operation on `path` failed.
    #[error("{op}: {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The operation was refused for safety reasons (nothing was changed).
    #[error("refusing to {op} {path}: {reason}")]
    Refused {
        op: &'static str,
        path: PathBuf,
        reason: String,
    },
}

impl MailstoreError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        MailstoreError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// The underlying OS error, if any (e.g. to map EACCES to "access denied").
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            MailstoreError::Io { source, .. } => Some(source),
            MailstoreError::Refused { .. } => None,
        }
    }
}

/// chown without following symlinks; `None` leaves ownership alone.
pub(crate) fn lchown_opt(path: &std::path::Path, owner: Option<(u32, u32)>) -> std::io::Result<()> {
    match owner {
        Some((uid, gid)) => std::os::unix::fs::lchown(path, Some(uid), Some(gid)),
        None => Ok(()),
    }
}

/// chown of an open file; `None` leaves ownership alone.
pub(crate) fn fchown_opt(file: &std::fs::File, owner: Option<(u32, u32)>) -> std::io::Result<()> {
    match owner {
        Some((uid, gid)) => std::os::unix::fs::fchown(file, Some(uid), Some(gid)),
        None => Ok(()),
    }
}
