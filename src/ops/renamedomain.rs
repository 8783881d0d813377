/*!
Renaming a virtual domain (`vrenamedomain`), completely: the domain directory
and the users' bucket directories are moved, `pw_dir` values follow, every
table naming the domain is updated in one transaction, assign and control
files are switched, alias-domain symlinks are re-pointed, and each user's
`Maildir/domain` gets the new name. A failure before the commit undoes the
moves and the edits.
*/

use std::path::{Path, PathBuf};

use crate::assign::AssignEntry;
use crate::cli::AppletError;
use crate::config::{first_line, Config};
use crate::db::{domains, Db};
use crate::domain::{self, Domain};
use crate::mailstore::hashdir;
use crate::ops::domainfiles::Edits;
use crate::ops::domaininfo;

fn fail(what: &str, path: &Path, e: impl std::fmt::Display) -> AppletError {
    AppletError::new(
        1,
        format!("vrenamedomain: fatal: {what}: {}: {e}", path.display()),
    )
}

/// `<path>` with its `old` component(s) replaced by `new`.
fn renamed(path: &Path, old: &str, new: &str) -> PathBuf {
    if path.file_name().is_some_and(|f| f == old) {
        return path.with_file_name(new);
    }
    PathBuf::from(path.to_string_lossy().replace(old, new))
}

/// Rename a real domain `old` (entry `entry`) to `new`.
pub fn rename_real(
    cfg: &Config,
    db: &mut Db,
    old: &str,
    new: &str,
    entry: &Domain,
    control_owner: Option<(u32, u32)>,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    let old_dir = entry.dir.clone();
    let new_dir = renamed(&old_dir, old, new);
    if std::fs::symlink_metadata(&new_dir).is_ok() {
        return Err(fail("rename", &new_dir, "File exists"));
    }
    let base: PathBuf = match first_line(&old_dir.join(".base_path")) {
        Ok(Some(l)) if !l.is_empty() => PathBuf::from(l),
        _ => cfg.base_path.clone(),
    };
    let tables = domaininfo::dir_control_tables(&old_dir)
        .map_err(|e| fail("open", &old_dir.join(".filesystems"), e))?;
    let aliases = domaininfo::alias_domains(&old_dir).unwrap_or_default();
    let chkrcpt = crate::control::has_line(&cfg.control("chkrcptdomains"), old).unwrap_or(false);
    out(&format!("Renaming real domain {old} to {new}"));

    // file-system moves, each undoable
    let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
    let undo_moves = |moved: &mut Vec<(PathBuf, PathBuf)>| {
        while let Some((from, to)) = moved.pop() {
            let _ = std::fs::rename(&to, &from);
        }
    };
    let mut dir_map = Vec::new();
    let mut relinked: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut edits = Edits::new(cfg, "vrenamedomain");
    let result = (|| -> Result<(), AppletError> {
        std::fs::rename(&old_dir, &new_dir).map_err(|e| {
            AppletError::new(
                1,
                format!(
                    "vrenamedomain: fatal: rename: {} -> {}: {e}",
                    old_dir.display(),
                    new_dir.display()
                ),
            )
        })?;
        moved.push((old_dir.clone(), new_dir.clone()));
        for b in hashdir::BUCKETS {
            let from = base.join(b).join(old);
            let to = base.join(b).join(new);
            if from.is_dir() {
                if std::fs::symlink_metadata(&to).is_ok() {
                    return Err(fail("rename", &to, "File exists"));
                }
                std::fs::rename(&from, &to).map_err(|e| fail("rename", &from, e))?;
                moved.push((from.clone(), to.clone()));
            } else {
                let _ = crate::mailstore::maildir::make_dirs(&to, 0o750, entry.owner());
            }
            dir_map.push((format!("{}/", from.display()), format!("{}/", to.display())));
        }
        // control lines first, assign last (its undo cannot keep the line order)
        edits.add_control(new, new, control_owner)?;
        if chkrcpt {
            edits.add_line("chkrcptdomains", new, control_owner)?;
        }
        edits.del_control(old)?;
        edits.assign_add(&AssignEntry {
            domain: new.to_string(),
            uid: entry.uid,
            gid: entry.gid,
            dir: new_dir.clone(),
        })?;
        edits.assign_remove(old)?;
        // alias domains: re-point their symlinks at the new directory
        for a in &aliases {
            let Some(ae) = domain::lookup(cfg, a).ok().flatten() else {
                continue;
            };
            let Ok(target) = std::fs::read_link(&ae.dir) else {
                continue;
            };
            let new_target = if target.is_relative() {
                PathBuf::from(new)
            } else {
                new_dir.clone()
            };
            let tmp = ae.dir.with_extension("relink");
            let _ = std::fs::remove_file(&tmp);
            std::os::unix::fs::symlink(&new_target, &tmp).map_err(|e| fail("symlink", &tmp, e))?;
            std::fs::rename(&tmp, &ae.dir).map_err(|e| fail("rename", &tmp, e))?;
            relinked.push((ae.dir.clone(), target));
        }
        db.transaction(|db| -> Result<(), AppletError> {
            domains::rename_domain(db, old, new, &tables, &dir_map)?;
            Ok(())
        })
    })();
    if let Err(e) = result {
        for (link, target) in relinked.iter().rev() {
            let _ = std::fs::remove_file(link);
            let _ = std::os::unix::fs::symlink(target, link);
        }
        edits.rollback();
        undo_moves(&mut moved);
        return Err(e);
    }
    edits.commit();
    if !aliases.is_empty() {
        out(&format!("Relinking domains aliased to {old}"));
        for a in &aliases {
            if let Some(ae) = domain::lookup(cfg, a).ok().flatten() {
                out(&format!(
                    "Linked Domain {a} to {new} [{}->{}]",
                    ae.dir.display(),
                    new_dir.display()
                ));
            }
        }
    }
    // each user's Maildir/domain names the new domain
    for (_, dir) in domains::users_of(db, new)? {
        let f = Path::new(&dir).join("Maildir").join("domain");
        if f.exists() {
            let _ = crate::control::write_atomic(
                &f,
                format!("{new}\n").as_bytes(),
                0o644,
                entry.owner(),
            );
        }
    }
    Ok(())
}
