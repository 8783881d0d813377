/*!
Deleting a virtual domain (`vdeldomain`): rows, control files, assign, alias
domains, then the directories.

The database rows go in one transaction; the control-file and assign edits
are made inside it and undone if the commit does not happen, so a failure
leaves the domain whole. Directories are removed only after the commit (a
failure there is warned about; the domain is gone either way).
*/

use std::path::{Path, PathBuf};

use crate::cli::AppletError;
use crate::config::{first_line, Config};
use crate::db::{domains, Db};
use crate::domain::{self, Domain};
use crate::mailstore::{hashdir, remove};
use crate::ops::domainfiles::Edits;
use crate::ops::domaininfo;

fn io_fail(what: &str, path: &Path, e: impl std::fmt::Display) -> AppletError {
    AppletError::new(111, format!("deldomain: {what}: {}: {e}", path.display()))
}

/// The real domain of `name` when `name` is an alias domain (its directory is
/// a symlink, or it is listed in some domain's `.aliasdomains`).
pub fn alias_of(cfg: &Config, name: &str, entry: &Domain) -> std::io::Result<Option<String>> {
    let is_link = std::fs::symlink_metadata(&entry.dir)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if is_link {
        return Ok(domain::real_domain(cfg, name)?.filter(|r| r != name));
    }
    Ok(None)
}

fn remove_tree(path: &Path, domain: &str, verbose: bool, out: &mut dyn FnMut(&str)) {
    if verbose {
        out(&format!("Removing {}", path.display()));
    }
    let mut v = |l: &str| {
        if verbose {
            out(l)
        }
    };
    if let Err(e) = remove::remove_home(path, "", domain, &mut v) {
        eprintln!("vdeldomain: {e}");
    }
}

/// Delete an alias domain: its assign line, control lines, its line in the
/// real domain's `.aliasdomains`, and its symlink. Only this alias.
pub fn delete_alias(
    cfg: &Config,
    name: &str,
    entry: &Domain,
    real: &str,
    verbose: bool,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    let mut edits = Edits::new(cfg, "vdeldomain");
    let r = (|| {
        edits.del_control(name)?;
        if let Some(re) =
            domain::lookup(cfg, real).map_err(|e| io_fail("get_assign", &cfg.assigndir, e))?
        {
            edits.remove_line_at(re.dir.join(".aliasdomains"), name)?;
        }
        edits.assign_remove(name)?;
        Ok(())
    })();
    if let Err(e) = r {
        edits.rollback();
        return Err(e);
    }
    edits.commit();
    remove_link(&entry.dir, verbose, out);
    Ok(())
}

fn remove_link(dir: &Path, verbose: bool, out: &mut dyn FnMut(&str)) {
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        if verbose {
            out(&format!("Removing {}", dir.display()));
            out(&format!("Removing File {}", dir.display()));
        }
        if let Err(e) = std::fs::remove_file(dir) {
            eprintln!("vdeldomain: unlink: {}: {e}", dir.display());
        }
    }
}

/// Delete a real domain and its alias domains.
pub fn delete_real(
    cfg: &Config,
    db: &mut Db,
    name: &str,
    entry: &Domain,
    verbose: bool,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    let dir = entry.dir.clone();
    let bp = dir.join(".base_path");
    let base: PathBuf = match first_line(&bp) {
        Ok(Some(l)) if !l.is_empty() => PathBuf::from(l),
        Ok(Some(_)) => {
            return Err(AppletError::new(
                111,
                format!("deldomain: {}: incomplete line", bp.display()),
            ))
        }
        Ok(None) => cfg.base_path.clone(),
        Err(e) => return Err(io_fail("open", &bp, e)),
    };
    let aliases = domaininfo::alias_domains(&dir)
        .map_err(|e| io_fail("open", &dir.join(".aliasdomains"), e))?;
    let alias_dirs: Vec<PathBuf> = aliases
        .iter()
        .filter_map(|a| domain::lookup(cfg, a).ok().flatten().map(|e| e.dir))
        .collect();
    let tables = domaininfo::dir_control_tables(&dir)
        .map_err(|e| io_fail("open", &dir.join(".filesystems"), e))?;
    let users = domains::users_of(db, name)?;

    if verbose {
        out(&format!("Removing domains aliased to {name}"));
    }
    let mut edits = Edits::new(cfg, "vdeldomain");
    let res = db.transaction(|db| -> Result<domains::Deleted, AppletError> {
        let deleted = domains::delete_domain(db, name, &tables)?;
        for a in &aliases {
            if verbose {
                out(&format!("Removing alias domain {a}"));
                eprintln!("deldomain: removing alias domain {a}");
            }
            edits.del_control(a)?;
        }
        edits.del_control(name)?;
        // assign last: its undo cannot keep the line order
        for a in &aliases {
            edits.assign_remove(a)?;
        }
        edits.assign_remove(name)?;
        Ok(deleted)
    });
    let deleted = match res {
        Ok(d) => d,
        Err(e) => {
            edits.rollback();
            return Err(e);
        }
    };
    edits.commit();
    if verbose && deleted.limits == 0 {
        out(&format!("No limits for domain {name}"));
    }
    for d in &alias_dirs {
        if std::fs::symlink_metadata(d).is_ok_and(|m| m.file_type().is_symlink()) {
            let _ = std::fs::remove_file(d);
        }
    }
    for b in hashdir::BUCKETS {
        remove_tree(&base.join(b).join(name), name, verbose, out);
    }
    remove_tree(&dir, name, verbose, out);
    for (user, home) in &users {
        let home = Path::new(home);
        if !home.as_os_str().is_empty() && home.exists() {
            let mut v = |l: &str| {
                if verbose {
                    out(l)
                }
            };
            if let Err(e) = remove::remove_home(home, user, name, &mut v) {
                eprintln!("vdeldomain: {e}");
            }
        }
        if verbose {
            out(&format!("Removing user {user}"));
        }
    }
    Ok(())
}
