/*!
`vmoveuser`: give a mailbox a new home directory, possibly on another
filesystem, without ever losing mail.

On one filesystem the home is renamed. Across filesystems it is copied to a
staging directory next to the target (`.<name>.vmoveuser`), every file
fsync-ed; a marker file naming the old home is put in the copy, the copy is
renamed to the target, the row (and `valias` lines naming the old directory)
committed, and only then is the marker removed and the old home deleted.

A crash (even SIGKILL) at any point leaves the mail complete where the row
points: before the commit the row still names the old, untouched home (a
staging copy or a marked target is never taken for the real one and is
removed by the next run); after the commit the target is complete.
*/

use std::path::{Path, PathBuf};

use crate::cli::AppletError;
use crate::db::users;
use crate::db::{valias, Db};
use crate::domain::Domain;
use crate::mailstore::remove;
use crate::sys;

/// Name of the marker file put in a copied home until the move is committed.
pub const MARKER: &str = ".vmoveuser.from";

/// Test hook: after this many entries are copied the process kills itself
/// with SIGKILL (used only by the crash tests).
pub const KILL_HOOK_ENV: &str = "INDIMAIL_TEST_VMOVEUSER_KILL_AFTER";

fn err(code: i32, msg: impl Into<String>) -> AppletError {
    AppletError::new(code, msg)
}

fn staging_path(target: &Path) -> PathBuf {
    target.with_file_name(format!(
        ".{}.vmoveuser",
        target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ))
}

fn same_filesystem(a: &Path, b_parent: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b_parent)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev(),
        _ => false,
    }
}

/// A target left by an interrupted earlier run: it carries the marker naming
/// the home the row still points at.
fn is_leftover(target: &Path, old: &str) -> bool {
    std::fs::read_to_string(target.join(MARKER)).is_ok_and(|s| s.trim_end() == old)
}

/// A run killed after its commit left the marker in the (complete, real) home
/// and the old home in place: remove both now.
fn finish_interrupted(user: &str, domain: &str, home: &str) {
    let marker = Path::new(home).join(MARKER);
    let Ok(from) = std::fs::read_to_string(&marker) else {
        return;
    };
    let from = from.trim_end();
    if !from.is_empty() && from != home && !sys::path_missing(Path::new(from)) {
        if let Err(e) = remove::remove_home(Path::new(from), user, domain, &mut |_| {}) {
            eprintln!("vmoveuser: warning: {from}: old home not removed: {e}");
            return;
        }
    }
    let _ = std::fs::remove_file(&marker);
}

/// Move `user@domain`'s home to `new_dir` and point its row there. Returns the old directory.
pub fn move_user(
    db: &mut Db,
    domain: &Domain,
    user: &str,
    new_dir: &str,
) -> Result<String, AppletError> {
    let Some((row, _)) = users::get(db, user, &domain.name)? else {
        return Err(err(1, format!("{user}@{}: No such user", domain.name)));
    };
    if !new_dir.starts_with('/') || new_dir.len() > crate::address::MAX_PW_DIR {
        return Err(err(
            1,
            format!(
                "vmoveuser: {new_dir}: new_dir must be an absolute path of at most 156 characters"
            ),
        ));
    }
    let new_dir = if new_dir.len() > 1 {
        new_dir.trim_end_matches('/')
    } else {
        new_dir
    };
    let old = row.dir.clone();
    if new_dir == old {
        finish_interrupted(&row.name, &domain.name, &old);
        return Ok(old);
    }
    let old_path = PathBuf::from(&old);
    let new_path = PathBuf::from(new_dir);
    if new_path.starts_with(&old_path) {
        return Err(err(
            1,
            format!("vmoveuser: MoveFile: {old} --> {new_dir}: target is inside the old home"),
        ));
    }
    let move_fail = |e: &dyn std::fmt::Display| {
        err(1, format!("vmoveuser: MoveFile: {old} --> {new_dir}: {e}"))
    };
    let old_exists = !sys::path_missing(&old_path);
    let staging = staging_path(&new_path);
    if old_exists {
        // What an interrupted run left behind is never the real home: clear it.
        remove::remove_tree(&staging).map_err(|e| move_fail(&remove::error_text(&e)))?;
        if is_leftover(&new_path, &old) {
            remove::remove_tree(&new_path).map_err(|e| move_fail(&remove::error_text(&e)))?;
        }
        if !sys::path_missing(&new_path) {
            return Err(move_fail(&"file already exists"));
        }
        let parent = new_path.parent().unwrap_or(Path::new("/"));
        if sys::path_missing(parent) {
            return Err(move_fail(&"file does not exist"));
        }
    }
    db.ensure_tables(&[&users::active_table(), &users::inactive_table(), "valias"])?;
    let parent = new_path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let cross = old_exists && !same_filesystem(&old_path, &parent);
    if cross {
        let kill_after: Option<usize> = std::env::var(KILL_HOOK_ENV)
            .ok()
            .and_then(|v| v.parse().ok());
        let mut n = 0usize;
        let copied = remove::copy_tree_observed(&old_path, &staging, &mut |_| {
            n += 1;
            if kill_after == Some(n) {
                // SAFETY: raising a signal on our own process.
                unsafe {
                    libc::raise(libc::SIGKILL);
                }
            }
        });
        let marked = copied.map_err(|e| e.to_string()).and_then(|()| {
            let m = staging.join(MARKER);
            std::fs::write(&m, format!("{old}\n"))
                .and_then(|()| std::fs::File::open(&m)?.sync_all())
                .and_then(|()| std::fs::rename(&staging, &new_path))
                .and_then(|()| std::fs::File::open(&parent)?.sync_all())
                .map_err(|e| remove::error_text(&e))
        });
        if let Err(e) = marked {
            let _ = remove::remove_tree(&staging);
            return Err(move_fail(&e));
        }
    }
    let mut renamed = false;
    let res = db.transaction(|db| -> Result<(), AppletError> {
        for r in valias::lines_containing(db, &old)? {
            let line = r.line.replace(&old, new_dir);
            valias::update_line(db, &r.alias, &r.domain, &r.line, &line)?;
        }
        let mut new = row.clone();
        new.dir = new_dir.to_string();
        if !users::set_row(db, &new, None)? {
            return Err(err(1, "vmoveuser: sql_setpw failed"));
        }
        if old_exists && !cross {
            std::fs::rename(&old_path, &new_path)
                .map_err(|e| move_fail(&remove::error_text(&e)))?;
            renamed = true;
        }
        Ok(())
    });
    if let Err(e) = res {
        if renamed {
            let _ = std::fs::rename(&new_path, &old_path);
        }
        if cross {
            let _ = remove::remove_tree(&new_path);
        }
        return Err(e);
    }
    if cross {
        let _ = std::fs::remove_file(new_path.join(MARKER));
        if let Err(e) = remove::remove_tree(&old_path) {
            eprintln!(
                "vmoveuser: warning: {old}: copied to {new_dir} but not removed: {}",
                remove::error_text(&e)
            );
        }
    }
    Ok(old)
}
