/*!
`vdeloldusers`: find the users of a domain who have not been seen for a while
and delete them (`-p`), make them inactive (`-i`), or only clean mail (`-c`);
purge old mail from folders such as `.Trash`.

A user is *active* when `lastauth` has a record of it (any service: a login,
or `add`/`pass` from the admin tools) within the last `-a` days. The reserved
addresses ([`crate::address::RFC_IDS`]) are never candidates. SIGUSR1 stops
the mail clean-up at the next user, as in the original. `dry_run`
changes nothing and says what would be done.
*/

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::address::is_rfc_id;
use crate::cli::AppletError;
use crate::db::users::{self, Status, UserRow};
use crate::db::{lastauth, now, oldusers, valias, Db};
use crate::domain::Domain;
use crate::mailstore::remove;
use crate::ops::user::{self, DeleteReport};
use crate::sys;

/// What to do with inactive users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No -c/-p/-i: only purge folders.
    Folders,
    /// `-c`: remove old mail of active users only.
    MailOnly,
    /// `-p`: delete inactive users.
    Delete,
    /// `-i`: make inactive users inactive (row to indibak, home removed).
    Inactivate,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub domain: String,
    /// `-a`: days without a lastauth record after which a user is inactive.
    pub age: i64,
    /// `-u`: mails older than this (days) are removed from active users' cur/new; <= 0 disables.
    pub mail_age: i64,
    /// `-t`: folder purge age in days; < 0 disables.
    pub trash_age: i64,
    /// Folders to purge, with their leading dot.
    pub folders: Vec<String>,
    /// `-s`: skip users with these gecos (MailGroup added when any is given).
    pub skip_gecos: Vec<String>,
    pub mode: Mode,
    pub report_only: bool,
    pub fast: bool,
    pub verbose: bool,
    pub dry_run: bool,
}

/// Where the lines go: stdout text (with its newlines) and stderr lines.
pub struct Sink<'a> {
    pub out: &'a mut dyn FnMut(&str),
    pub err: &'a mut dyn FnMut(&str),
    /// Told the name of each user deleted (`-p`): a clustered site drops its hostcntrl row.
    pub deleted: &'a mut dyn FnMut(&str) -> Result<(), AppletError>,
}

const DAY: i64 = 86400;

fn mtime(p: &Path) -> Option<i64> {
    std::fs::metadata(p)
        .ok()?
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

/// Mail files in `dir` modified more than `days` days before `now`; removed
/// unless `dry_run`. Returns how many.
fn old_mails(dir: &Path, days: i64, now: i64, dry_run: bool) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in rd.flatten() {
        let p = e.path();
        let Ok(m) = e.metadata() else { continue };
        if !m.is_file() {
            continue;
        }
        let t = mtime(&p).unwrap_or(now);
        if now - t > days * DAY && (dry_run || std::fs::remove_file(&p).is_ok()) {
            n += 1;
        }
    }
    n
}

/// Remove old mail from `<home>/Maildir[/<folder>]/{cur,new}`; the quota file is brought up to date.
fn clean_mail(
    row: &UserRow,
    folder: Option<&str>,
    days: i64,
    now: i64,
    dry_run: bool,
    owner: Option<(u32, u32)>,
) -> (usize, PathBuf) {
    let mut md = Path::new(&row.dir).join("Maildir");
    if let Some(f) = folder {
        md.push(f);
    }
    let n = old_mails(&md.join("cur"), days, now, dry_run)
        + old_mails(&md.join("new"), days, now, dry_run);
    if n > 0 && !dry_run && Path::new(&row.dir).join("Maildir/maildirsize").exists() {
        let _ = user::recalc(row, owner);
    }
    (n, md)
}

/// `deluser(..., 2)`: move the row to the inactive table, record `INAC`, drop
/// the user's aliases, filters and quota rows, and remove the home directory.
pub fn inactivate(db: &mut Db, domain: &Domain, row: &UserRow) -> Result<(), AppletError> {
    if is_rfc_id(&row.name) {
        return Err(AppletError::new(1, "RFC Ids cannot be made inactive"));
    }
    db.ensure_tables(&[&users::active_table(), &users::inactive_table()])?;
    let email = format!("{}@{}", row.name, row.domain);
    let home = PathBuf::from(&row.dir);
    let aside = home.with_file_name(format!(".{}.inactivating.{}", row.name, std::process::id()));
    let home_exists = !sys::path_missing(&home);
    db.transaction(|db| -> Result<(), AppletError> {
        if !crate::db::users::move_row(db, &row.name, &row.domain, Status::Active)? {
            return Err(AppletError::new(1, format!("{email}: not an active user")));
        }
        lastauth::record(
            db,
            &row.name,
            &row.domain,
            lastauth::INACTIVATE,
            &sys::remote_ip(),
            user::usage_bytes(row),
            &row.gecos,
        )?;
        lastauth::delete_vfilter(db, &email)?;
        lastauth::delete_userquota(db, &row.name, &row.domain)?;
        valias::delete_alias(db, &row.name, &row.domain)?;
        if home_exists {
            std::fs::rename(&home, &aside).map_err(|e| {
                AppletError::new(111, format!("failed to remove dir {}: {e}", home.display()))
            })?;
        }
        Ok(())
    })
    .inspect_err(|_| {
        if home_exists && aside.exists() && !home.exists() {
            let _ = std::fs::rename(&aside, &home);
        }
    })?;
    if home_exists {
        remove::remove_home(&aside, &row.name, &row.domain, &mut |_| {}).map_err(|e| {
            AppletError::new(111, format!("failed to remove dir {}: {e}", home.display()))
        })?;
    }
    let dotqmail = domain
        .dir
        .join(format!(".qmail-{}", row.name.replace('.', ":")));
    let _ = std::fs::remove_file(dotqmail);
    Ok(())
}

fn stamp(sink: &mut Sink<'_>, what: &str) {
    (sink.out)(&format!("{what} {}", sys::asctime_local(now())));
}

/// Run the whole procedure. `domain` is needed for `-p`/`-i` (the caller checks).
pub fn run(
    db: &mut Db,
    domain: Option<&Domain>,
    o: &Options,
    sink: &mut Sink<'_>,
) -> Result<(), AppletError> {
    let verbose = o.verbose || o.report_only;
    let owner = domain.and_then(Domain::owner);
    if verbose {
        stamp(sink, "Total  User List");
    }
    // -r alone reports (the original purged folders instead: a report that deletes mail).
    let accounts = o.mode != Mode::Folders || o.report_only;
    let mut skip: Vec<&str> = o.skip_gecos.iter().map(String::as_str).collect();
    if !skip.is_empty() {
        skip.push("MailGroup");
    }
    let list: Vec<UserRow> = oldusers::domain_users(db, &o.domain)
        .map_err(|e| {
            AppletError::new(1, format!("could not get entries from indimail table: {e}"))
        })?
        .into_iter()
        .filter(|r| !is_rfc_id(&r.name))
        .filter(|r| !accounts || !skip.contains(&r.gecos.as_str()))
        .collect();
    let total = list.len();
    if verbose {
        (sink.out)(&format!("{total} Total Entries\n"));
    }
    let t = now();
    if accounts {
        if verbose {
            stamp(sink, "Active  User List");
        }
        let recent = oldusers::active_since(db, &o.domain, t - o.age * DAY).map_err(|e| {
            AppletError::new(1, format!("could not get entries from lastauth table: {e}"))
        })?;
        let active: HashSet<&str> = list
            .iter()
            .filter(|r| recent.contains(&r.name.to_lowercase()))
            .map(|r| r.name.as_str())
            .collect();
        if verbose {
            (sink.out)(&format!("{} Active Entries\n", active.len()));
            stamp(sink, "Dedup  User List");
        }
        let purge = matches!(o.mode, Mode::Delete | Mode::Inactivate) && active.len() != total;
        let mut purged = 0usize;
        for row in &list {
            let email = format!("{}@{}", row.name, o.domain);
            let is_active = active.contains(row.name.as_str());
            let not_old = || {
                !o.fast
                    && mtime(&Path::new(&row.dir).join("Maildir/cur"))
                        .is_some_and(|m| (t - m) / DAY <= o.age)
            };
            if o.report_only {
                if !is_active {
                    if not_old() {
                        (sink.err)(&format!("user {email} Dir {} not old", row.dir));
                        continue;
                    }
                    purged += 1;
                    (sink.out)(&format!("{}\n", row.name));
                }
                continue;
            }
            if is_active {
                if sys::stop_requested() {
                    return Ok(());
                }
                if o.mail_age > 0 {
                    let (n, md) = clean_mail(row, None, o.mail_age, t, o.dry_run, owner);
                    if o.dry_run && n > 0 {
                        (sink.out)(&format!(
                            "would remove {n} mail(s) older than {} days from {}\n",
                            o.mail_age,
                            md.display()
                        ));
                    }
                }
                continue;
            }
            if !purge {
                continue;
            }
            if not_old() {
                (sink.err)(&format!("user {email} Dir {} not old", row.dir));
                continue;
            }
            if verbose && purged == 0 {
                (sink.out)(&format!("Purging Inactive Users {}", sys::asctime_local(t)));
            }
            if o.dry_run {
                (sink.out)(&match o.mode {
                    Mode::Delete => format!("would delete {email} {}\n", row.dir),
                    _ => format!("would make {email} inactive and remove {}\n", row.dir),
                });
                purged += 1;
                continue;
            }
            let dom = domain
                .ok_or_else(|| AppletError::new(1, format!("{}: No such domain", o.domain)))?;
            let done = match o.mode {
                Mode::Delete => user::delete(
                    db,
                    dom,
                    &row.name,
                    DeleteReport {
                        verbose: false,
                        out: &mut |_| {},
                    },
                ),
                _ => inactivate(db, dom, row),
            };
            let done = match (done, o.mode) {
                (Ok(()), Mode::Delete) => (sink.deleted)(&row.name),
                (d, _) => d,
            };
            match done {
                Ok(()) => purged += 1,
                Err(e) => (sink.err)(&format!("vdeloldusers: {email}: {}", e.message)),
            }
        }
        if verbose && !o.report_only {
            (sink.out)(&format!("Purged {purged}/{total} Inactive Users\n"));
        }
        if o.report_only {
            if verbose {
                stamp(sink, "Program Complete");
            }
            return Ok(());
        }
    }
    if !o.folders.is_empty() && o.trash_age >= 0 {
        let tt = now();
        let everyone = o.folders.iter().any(|f| f == ".Trash");
        let recent = if everyone {
            if verbose {
                (sink.out)(&format!(
                    "Deleting Folders {}{}",
                    o.folders.join(" "),
                    sys::asctime_local(tt)
                ));
            }
            None
        } else {
            if verbose {
                stamp(sink, "Deleting Trash");
            }
            Some(
                oldusers::active_since(db, &o.domain, tt - o.trash_age * DAY).map_err(|e| {
                    AppletError::new(1, format!("could not get entries from lastauth table: {e}"))
                })?,
            )
        };
        for row in &list {
            if sys::stop_requested() {
                return Ok(());
            }
            if recent
                .as_ref()
                .is_some_and(|r| !r.contains(&row.name.to_lowercase()))
            {
                continue;
            }
            for f in &o.folders {
                let (n, md) = clean_mail(row, Some(f), o.trash_age, tt, o.dry_run, owner);
                if o.dry_run && n > 0 {
                    (sink.out)(&format!("would purge {n} mail(s) from {}\n", md.display()));
                }
            }
        }
    }
    if verbose {
        stamp(sink, "Program Complete");
    }
    Ok(())
}
