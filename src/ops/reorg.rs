//! vreorg: give users of a domain fresh hashed home directories (the
//! vadduser allocation), moving each home with its row and valias lines.

use std::path::{Path, PathBuf};

use crate::cli::AppletError;
use crate::config::Config;
use crate::db::{dircontrol, domains, users, Db};
use crate::domain::Domain;
use crate::mailstore::{hashdir, maildir};
use crate::ops::{domaininfo, moduser, user};

/// The base path new homes of the domain use (`.base_path`, else BASE_PATH).
pub fn base_path(cfg: &Config, dom: &Domain) -> Result<PathBuf, AppletError> {
    match dom.base_path() {
        Ok(Some(l)) if !l.trim().is_empty() => Ok(PathBuf::from(l.trim())),
        Ok(_) => Ok(cfg.base_path.clone()),
        Err(e) => Err(AppletError::new(
            111,
            format!("vreorg: {}: {e}", dom.file(".base_path").display()),
        )),
    }
}

/// `-r`: forget the domain's directory layout (its dir_control rows).
pub fn reset_layout(db: &mut Db, dom: &Domain) -> Result<(), AppletError> {
    let tables = domaininfo::dir_control_tables(&dom.dir).map_err(|e| {
        AppletError::new(
            111,
            format!("vreorg: {}: {e}", dom.dir.join(".filesystems").display()),
        )
    })?;
    for t in tables {
        domains::delete_dir_control_row(db, &t, &dom.name)?;
    }
    Ok(())
}

/// What happened to one user.
pub enum Outcome {
    Moved { old: String, new: String },
    Unchanged,
    NoSuchUser,
}

/// Allocate a new hash directory for `user` and move its home there (row,
/// valias lines and directory all or nothing). `release_old`: count the old
/// slot as freed first (the original's decrement, skipped with -r/-R).
pub fn reorganise(
    db: &mut Db,
    dom: &Domain,
    base: &Path,
    user: &str,
    release_old: bool,
) -> Result<Outcome, AppletError> {
    let Some((row, _)) = users::get(db, user, &dom.name)? else {
        return Ok(Outcome::NoSuchUser);
    };
    let prefix = user::home_prefix(base, user)?;
    let subdir = db.transaction(|db| -> Result<String, AppletError> {
        let mut dc = dircontrol::load(db, &prefix, &dom.name, true)?;
        if release_old && dc.cur_users > 0 {
            dc.cur_users -= 1;
        }
        let sub = user::allocate_subdir(&mut dc, None, dom.users_per_level());
        dircontrol::store(db, &prefix, &dom.name, &dc)?;
        Ok(sub)
    })?;
    let new = hashdir::home_dir(base, &dom.name, &subdir, user);
    let new_s = new.to_string_lossy().into_owned();
    if new_s == row.dir {
        return Ok(Outcome::Unchanged);
    }
    if let Some(parent) = new.parent() {
        maildir::make_dirs(parent, 0o750, dom.owner()).map_err(|e| {
            AppletError::new(111, format!("vreorg: r_mkdir: {}: {e}", parent.display()))
        })?;
    }
    let old = moduser::move_home(db, dom, user, &new_s)?;
    Ok(Outcome::Moved { old, new: new_s })
}
