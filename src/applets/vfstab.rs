//! vfstab: the filesystems user homes may be placed on (`fstab`), and the
//! balancing choice `vadduser -b` uses (`SYSCONFDIR/lastfstab`).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::cluster;
use crate::db::cluster::{self as sql, FsRow};
use crate::db::Db;
use crate::fail;

const USAGE: &str = "usage: vfstab [options] [filesystem]
options: -V ( print version number )
         -v ( verbose )
         -d ( delete filesystem )
         -i ( insert filesystem )
         -u ( update filesystem )
         -o 0|1 ( set filesystem offline (0) or online (1) )
         -l ( local filesystem )
         -s ( show filesystems )
         -b ( balance: select the least loaded filesystem )
         -n max_users
         -q max_size
         -m mdahost";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('d', "delete a filesystem"),
    OptSpec::flag('i', "add a filesystem"),
    OptSpec::flag('u', "change the limits of a filesystem"),
    OptSpec::value('o', "status", "set a filesystem offline (0) or online (1)"),
    OptSpec::flag('l', "a filesystem of this host (no -m needed)"),
    OptSpec::flag('s', "show the filesystems"),
    OptSpec::flag('b', "select the least loaded filesystem for new homes"),
    OptSpec::value('n', "max_users", "most users on the filesystem"),
    OptSpec::value('q', "max_size", "most bytes on the filesystem"),
    OptSpec::value('m', "mdahost", "the mail store's IP address"),
    OptSpec::long_flag("json", "with -s: the filesystems as JSON"),
];

pub const APPLET: Applet = Applet {
    name: "vfstab",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "manage the filesystems that hold user homes",
    synopsis: "[options] [filesystem]",
    options: OPTIONS,
    run,
};

fn usage0(first: &str) -> AppletError {
    AppletError::new(0, format!("{first}\nvfstab: warning: {USAGE}"))
}

/// Is `path` a mount point (its device differs from its parent's, or it is `/`)?
fn is_mount_point(path: &Path) -> bool {
    let Ok(m) = std::fs::metadata(path) else {
        return false;
    };
    if !m.is_dir() {
        return false;
    }
    match std::fs::metadata(path.join("..")) {
        Ok(parent) => parent.dev() != m.dev() || parent.ino() == m.ino(),
        Err(_) => false,
    }
}

fn load(r: &FsRow) -> f64 {
    if r.cur_size > 0 {
        r.cur_users as f64 * 1_048_576.0 / r.cur_size as f64
    } else {
        0.1
    }
}

fn number(v: Option<&str>, what: &str) -> Result<Option<i64>, AppletError> {
    v.map(|s| {
        s.parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| AppletError::new(100, format!("vfstab: invalid {what} [{s}]")))
    })
    .transpose()
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage0(""))?;
    let action = p
        .opts
        .iter()
        .rev()
        .find(|(k, _)| ["d", "i", "u", "o", "s", "b"].contains(&k.as_str()))
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| "s".into());
    let cfg = ctx.cfg.clone();
    let mut db = Db::open(&cfg)?;
    let host_of = |ip: &str| -> Result<String, AppletError> {
        let mut control = cluster::open_control(&cfg)?;
        Ok(sql::host_id(&mut control, ip)?.unwrap_or_else(|| ip.to_string()))
    };
    match action.as_str() {
        "s" => {
            let host = match p.value("m") {
                Some(ip) => Some(host_of(ip)?),
                None => None,
            };
            let rows = sql::fstab_list(&mut db, host.as_deref())?;
            if p.has("json") {
                ctx.out
                    .line(&serde_json::to_string_pretty(&rows).unwrap_or_default());
                return Ok(if rows.is_empty() { 1 } else { 0 });
            }
            if !rows.is_empty() {
                ctx.out.line("File System          Host                 Status   Max Users  Cur Users       Max Size        Cur Size Load");
            }
            for r in &rows {
                ctx.out.line(&format!(
                    "{:<20} {:<20} {} {:>10} {:>10} {:>10}  Kb  {:>10}  Kb  {:6.4}",
                    r.filesystem,
                    r.host,
                    if r.status == 1 {
                        "ONLINE  "
                    } else {
                        "OFFLINE "
                    },
                    r.max_users,
                    r.cur_users,
                    r.max_size / 1024,
                    r.cur_size / 1024,
                    load(r)
                ));
            }
            Ok(if rows.is_empty() { 1 } else { 0 })
        }
        "b" => {
            let Some(host) = cluster::local_hostid(&cfg) else {
                fail!(1, "vfstab: balancing failed");
            };
            let last_path = cfg.sysconfdir.join("lastfstab");
            let last = crate::config::first_line(&last_path).ok().flatten();
            let rows = sql::fstab_list(&mut db, Some(&host))?;
            let online: Vec<&FsRow> = rows.iter().filter(|r| r.status == 1).collect();
            // The least loaded online filesystem, preferring one other than the last choice.
            let pick = online
                .iter()
                .filter(|r| Some(r.filesystem.as_str()) != last.as_deref().map(str::trim))
                .chain(online.iter())
                .min_by(|a, b| load(a).total_cmp(&load(b)))
                .map(|r| r.filesystem.clone());
            let Some(fs) = pick else {
                fail!(1, "vfstab: balancing failed");
            };
            crate::control::write_atomic(&last_path, format!("{fs}\n").as_bytes(), 0o644, None)
                .map_err(|e| AppletError::new(1, format!("vfstab: balancing failed: {e}")))?;
            eprintln!("Filesystem Selected {fs}");
            Ok(0)
        }
        _ => {
            let Some(fs) = p.operands.first() else {
                return Err(usage0("vfstab: Must specify FileSystem"));
            };
            let host = if p.has("l") {
                match cluster::local_hostid(&cfg) {
                    Some(h) => h,
                    None => fail!(1, "vfstab: could not get local hostid"),
                }
            } else {
                match p.value("m") {
                    Some(ip) => host_of(ip)?,
                    None => return Err(usage0("vfstab: must supply MDA IP Address")),
                }
            };
            let (max_users, max_size) = (
                number(p.value("n"), "max_users")?,
                number(p.value("q"), "max_size")?,
            );
            match action.as_str() {
                "i" | "u" if max_users.is_none() && max_size.is_none() => {
                    Err(usage0("vfstab: Must specify Max Size or Max Users"))
                }
                "i" => {
                    if p.has("l") && !is_mount_point(Path::new(fs)) {
                        fail!(1, "{fs}: Not a filesystem");
                    }
                    if !sql::fstab_insert(
                        &mut db,
                        fs,
                        &host,
                        max_users.unwrap_or(0),
                        max_size.unwrap_or(0),
                    )? {
                        fail!(1, "vfstab: {fs} on {host} exists");
                    }
                    Ok(0)
                }
                "u" => Ok(
                    if sql::fstab_update(&mut db, fs, &host, max_users, max_size)? > 0 {
                        0
                    } else {
                        1
                    },
                ),
                "d" => Ok(if sql::fstab_delete(&mut db, fs, &host)? > 0 {
                    0
                } else {
                    1
                }),
                _ => {
                    let status = match p.value("o") {
                        Some("0") => 0,
                        Some("1") => 1,
                        _ => return Err(usage0("vfstab: status should be 0 or 1")),
                    };
                    Ok(if sql::fstab_status(&mut db, fs, &host, status)? > 0 {
                        0
                    } else {
                        1
                    })
                }
            }
        }
    }
}
