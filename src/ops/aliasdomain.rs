/*!
Alias domains (`vaddaliasdomain`): `DOMAINDIR/domains/<alias>` is a relative
symlink to the real domain's directory, with its own assign line and control
lines, and is listed in the real domain's `.aliasdomains`. Every step is
undone if a later one fails.
*/

use std::path::PathBuf;

use crate::assign::AssignEntry;
use crate::cli::AppletError;
use crate::config::Config;
use crate::domain::Domain;
use crate::ops::domainfiles::Edits;

/// Make `alias` an alias of the real domain `real` (whose entry is `entry`).
pub fn add(
    cfg: &Config,
    alias: &str,
    real: &str,
    entry: &Domain,
    control_owner: Option<(u32, u32)>,
) -> Result<(), AppletError> {
    let link: PathBuf = cfg.domain_dir(alias);
    if std::fs::symlink_metadata(&link).is_ok() {
        return Err(AppletError::new(
            1,
            format!("addaliasdomain: {}: File exists", link.display()),
        ));
    }
    // relative when the real domain lives in the same domains directory
    let target: PathBuf = if entry.dir.parent() == link.parent() {
        PathBuf::from(real)
    } else {
        entry.dir.clone()
    };
    if let Some(parent) = link.parent() {
        crate::mailstore::maildir::make_dirs(parent, 0o755, None).map_err(|e| {
            AppletError::new(
                1,
                format!("addaliasdomain: mkdir: {}: {e}", parent.display()),
            )
        })?;
    }
    std::os::unix::fs::symlink(&target, &link).map_err(|e| {
        AppletError::new(
            1,
            format!(
                "addaliasdomain: symlink: {} -> {}: {e}",
                link.display(),
                target.display()
            ),
        )
    })?;
    let mut edits = Edits::new(cfg, "addaliasdomain");
    let r = (|| -> Result<(), AppletError> {
        edits.assign_add(&AssignEntry {
            domain: alias.to_string(),
            uid: entry.uid,
            gid: entry.gid,
            dir: link.clone(),
        })?;
        edits.add_control(alias, alias, control_owner)?;
        edits.add_line_at(entry.dir.join(".aliasdomains"), alias, 0o640, entry.owner())?;
        Ok(())
    })();
    if let Err(e) = r {
        edits.rollback();
        let _ = std::fs::remove_file(&link);
        return Err(e);
    }
    edits.commit();
    Ok(())
}
