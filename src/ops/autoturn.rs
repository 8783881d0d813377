/*!
ETRN/ATRN (`vadddomain -t`) and AUTOTURN (`vadddomain -T ip`) domains: no
users and no rows; mail for them is queued in a Maildir under the shared
`autoturn` directory (`+autoturn-` assign entry, default `DOMAINDIR/autoturn`).
*/

use std::path::{Path, PathBuf};

use crate::assign::AssignEntry;
use crate::cli::AppletError;
use crate::config::Config;
use crate::control;
use crate::domain::{self, Domain};
use crate::mailstore::{maildir, remove};
use crate::ops::domainfiles::Edits;

fn io_fail(what: &str, path: &Path, e: impl std::fmt::Display) -> AppletError {
    AppletError::new(111, format!("vadddomain: {what}: {}: {e}", path.display()))
}

/// `.qmail-<sub with . → :>-default` in the autoturn directory.
fn qmail_file(parent: &Path, sub: &str) -> PathBuf {
    parent.join(format!(".qmail-{}-default", sub.replace('.', ":")))
}

/// The virtualdomains target of a domain (`autoturn-<x>` gives `<x>`), if any.
pub fn autoturn_target(cfg: &Config, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(cfg.control("virtualdomains")).ok()?;
    text.lines().find_map(|l| {
        let (d, t) = l.split_once(':')?;
        (d == name).then(|| t.strip_prefix("autoturn-").map(str::to_string))?
    })
}

/// Is `name` already a domain (assign entry or virtualdomains line)?
pub fn known(cfg: &Config, name: &str) -> bool {
    domain::lookup(cfg, name).ok().flatten().is_some()
        || std::fs::read_to_string(cfg.control("virtualdomains"))
            .unwrap_or_default()
            .lines()
            .any(|l| l.split_once(':').is_some_and(|(d, _)| d == name))
}

/// Add an ETRN (`ip` None) or AUTOTURN domain.
pub fn add(
    cfg: &Config,
    name: &str,
    ip: Option<&str>,
    uid: u32,
    gid: u32,
    control_owner: Option<(u32, u32)>,
) -> Result<(), AppletError> {
    if known(cfg, name) {
        return Err(AppletError::new(
            255,
            format!("adddomain: domain {name} exists"),
        ));
    }
    let existing =
        domain::lookup(cfg, "autoturn").map_err(|e| io_fail("get_assign", &cfg.assigndir, e))?;
    let (parent, uid, gid) = match &existing {
        Some(e) => (e.dir.clone(), e.uid, e.gid),
        None => (cfg.domaindir.join("autoturn"), uid, gid),
    };
    let owner = Some((uid, gid));
    let sub = ip.unwrap_or(name).to_string();
    let mut created: Vec<PathBuf> = Vec::new();
    let mut edits = Edits::new(cfg, "vadddomain");
    let r = (|| -> Result<(), AppletError> {
        let md = parent.join(&sub).join("Maildir");
        for d in ["cur", "new", "tmp"] {
            let p = md.join(d);
            created.extend(
                maildir::make_dirs(&p, 0o750, owner).map_err(|e| io_fail("r_mkdir", &p, e))?,
            );
        }
        let qf = qmail_file(&parent, &sub);
        if !qf.exists() {
            let contents = match ip {
                None => format!("{}/\n", md.display()),
                Some(ip) => format!("./{ip}/Maildir/\n"),
            };
            control::write_atomic(&qf, contents.as_bytes(), 0o600, owner)
                .map_err(|e| io_fail("open", &qf, e))?;
            created.push(qf);
        }
        if existing.is_none() {
            edits.assign_add(&AssignEntry {
                domain: "autoturn".into(),
                uid,
                gid,
                dir: parent.clone(),
            })?;
        }
        edits.add_control(name, &format!("autoturn-{sub}"), control_owner)?;
        edits.add_line("etrnhosts", name, control_owner)?;
        Ok(())
    })();
    if let Err(e) = r {
        edits.rollback();
        for p in created.iter().rev() {
            if p.is_dir() {
                let _ = std::fs::remove_dir(p);
            } else {
                let _ = std::fs::remove_file(p);
            }
        }
        return Err(e);
    }
    edits.commit();
    Ok(())
}

/// Delete an autoturn domain (`vdeldomain -T`); `entry` is the `autoturn` assign entry.
pub fn delete(
    cfg: &Config,
    name: &str,
    entry: &Domain,
    verbose: bool,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    let Some(sub) = autoturn_target(cfg, name) else {
        return Err(AppletError::new(
            1,
            format!("vdeldomain: warning: autoturn domain {name} does not exist"),
        ));
    };
    let mut edits = Edits::new(cfg, "vdeldomain");
    if let Err(e) = edits.del_control(name) {
        edits.rollback();
        return Err(e);
    }
    edits.commit();
    // an AUTOTURN IP queue may serve other domains too
    let shared = std::fs::read_to_string(cfg.control("virtualdomains"))
        .unwrap_or_default()
        .lines()
        .any(|l| {
            l.split_once(':')
                .is_some_and(|(_, t)| t == format!("autoturn-{sub}"))
        });
    if !shared {
        let dir = entry.dir.join(&sub);
        if verbose {
            out(&format!("Removing {}", dir.display()));
        }
        let mut v = |l: &str| {
            if verbose {
                out(l)
            }
        };
        if let Err(e) = remove::remove_home(&dir, "", &sub, &mut v) {
            eprintln!("vdeldomain: {e}");
        }
        let qf = qmail_file(&entry.dir, &sub);
        if verbose {
            out(&format!("Removing File {}", qf.display()));
        }
        let _ = std::fs::remove_file(qf);
    }
    Ok(())
}
