/*!
`vbulletin`: deliver a prepared message to many mailboxes.

* Direct delivery: for every active user of a domain (or one address) the
  message is put in `<pw_dir>/Maildir/new/` under a Maildir file name, by copy
  (with a `To:` line in front, written in `tmp/` and renamed into `new/`),
  hard link or symbolic link. Users without a `Maildir/new` are skipped and
  counted; addresses in an exclude list are skipped.
* Instant bulletin: the message is copied into the domain's bulk-mail
  directory (`<domain dir>/bulk_mail`, `BULK_MAILDIR`) – as `<name>,all` for
  the whole domain (`-a`), or as `<name>` with one `bulkmail` row per
  subscriber (`-S`), file and rows all or nothing.
*/

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::cli::AppletError;
use crate::db::users::UserRow;
use crate::db::{bulletin, Db};
use crate::domain::Domain;
use crate::mailstore::remove::error_text;
use crate::sys;

/// How a message is put in a Maildir.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Copy,
    HardLink,
    Symlink,
}

/// What happened to one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    NoMaildir,
}

/// Counts for one domain.
#[derive(Debug, Default, Clone, Copy)]
pub struct Report {
    pub delivered: u64,
    pub skipped: u64,
    pub excluded: u64,
    pub failed: u64,
}

fn err(code: i32, msg: impl Into<String>) -> AppletError {
    AppletError::new(code, msg)
}

/// A Maildir file name, unique per process and call: `<secs>.M<usec>P<pid>Q<n>.<host>`.
pub fn maildir_name(seq: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let host = sys::hostname().replace('/', "\\057").replace(':', "\\072");
    format!(
        "{}.M{}P{}Q{seq}.{host}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id()
    )
}

/// Addresses of a list file: one a line, `#` starts a comment, blank lines ignored.
pub fn read_list(path: &Path) -> Result<Vec<String>, AppletError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        err(
            111,
            format!("vbulletin: read: {}: {}", path.display(), error_text(&e)),
        )
    })?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// Put `message` (the file `email_file`) into `row`'s `Maildir/new` as `name`.
pub fn deliver(
    row: &UserRow,
    email_file: &Path,
    message: &[u8],
    method: Method,
    name: &str,
) -> Result<Outcome, String> {
    let maildir = Path::new(&row.dir).join("Maildir");
    let new = maildir.join("new");
    if !new.is_dir() {
        return Ok(Outcome::NoMaildir);
    }
    let fail = |op: &str, p: &Path, e: std::io::Error| {
        format!("vbulletin: {op}: {}: {}", p.display(), error_text(&e))
    };
    match method {
        Method::Copy => {
            let mut body = format!("To: {}@{}\n", row.name, row.domain).into_bytes();
            body.extend_from_slice(message);
            let fname = format!("{name},S={}", body.len());
            let tmp = maildir.join("tmp").join(&fname);
            let dst = new.join(&fname);
            let write = || -> std::io::Result<()> {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&tmp)?;
                f.write_all(&body)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &dst)
            };
            write().map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                fail("open", &dst, e)
            })?;
        }
        Method::HardLink => {
            let dst = new.join(format!("{name},S={}", message.len()));
            std::fs::hard_link(email_file, &dst).map_err(|e| {
                format!(
                    "vbulletin: hardlink: {} --> {}: {}",
                    email_file.display(),
                    dst.display(),
                    error_text(&e)
                )
            })?;
        }
        Method::Symlink => {
            let dst = new.join(format!("{name},S={}", message.len()));
            std::os::unix::fs::symlink(email_file, &dst).map_err(|e| {
                format!(
                    "vbulletin: symlink: {} --> {}: {}",
                    email_file.display(),
                    dst.display(),
                    error_text(&e)
                )
            })?;
        }
    }
    Ok(Outcome::Delivered)
}

/// Deliver to every row not in `exclude` (lower-case `user@domain`).
/// `dry_run` counts without writing; `progress` gets each address processed.
#[allow(clippy::too_many_arguments)]
pub fn deliver_all(
    rows: &[UserRow],
    exclude: &BTreeSet<String>,
    email_file: &Path,
    message: &[u8],
    method: Method,
    dry_run: bool,
    progress: &mut dyn FnMut(&str),
    warn: &mut dyn FnMut(&str),
) -> Report {
    let mut r = Report::default();
    let name = maildir_name(0);
    for row in rows {
        let addr = format!("{}@{}", row.name, row.domain);
        if exclude.contains(&addr.to_ascii_lowercase()) {
            r.excluded += 1;
            continue;
        }
        progress(&addr);
        if dry_run {
            if Path::new(&row.dir).join("Maildir/new").is_dir() {
                r.delivered += 1;
            } else {
                r.skipped += 1;
            }
            continue;
        }
        match deliver(row, email_file, message, method, &name) {
            Ok(Outcome::Delivered) => r.delivered += 1,
            Ok(Outcome::NoMaildir) => r.skipped += 1,
            Err(e) => {
                warn(&e);
                r.failed += 1;
            }
        }
    }
    r
}

/// The domain's bulk-mail directory (must exist).
pub fn bulk_dir(domain: &Domain) -> Result<PathBuf, AppletError> {
    let dir = domain
        .dir
        .join(crate::config::env_or("BULK_MAILDIR", "bulk_mail"));
    if sys::path_missing(&dir) {
        return Err(err(
            1,
            format!("vbulletin: access: {}: file does not exist", dir.display()),
        ));
    }
    Ok(dir)
}

fn base_name(email_file: &Path) -> String {
    email_file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Where `-a` (`all`) or `-S` puts the message; refused when it exists.
pub fn bulk_target(domain: &Domain, email_file: &Path, all: bool) -> Result<PathBuf, AppletError> {
    let dir = bulk_dir(domain)?;
    let name = base_name(email_file);
    let target = dir.join(if all { format!("{name},all") } else { name });
    if !sys::path_missing(&target) {
        return Err(err(
            1,
            format!("vbulletin: {}: file already exists", target.display()),
        ));
    }
    Ok(target)
}

/// Copy `message` to `target` (mode 0644, owner the domain's) through a
/// temporary name; returns the temporary path, to be renamed by the caller.
fn stage(target: &Path, message: &[u8], owner: Option<(u32, u32)>) -> Result<PathBuf, AppletError> {
    let tmp = target.with_file_name(format!(".{}.{}", base_name(target), std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(message)?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644))?;
        sys::chown(&tmp, owner).or_else(|e| {
            if e.raw_os_error() == Some(libc::EPERM) {
                Ok(())
            } else {
                Err(e)
            }
        })
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(
            111,
            format!(
                "vbulletin: fappend: {}: {}",
                target.display(),
                error_text(&e)
            ),
        )
    })?;
    Ok(tmp)
}

/// `-a`: the message for the whole domain, `<bulk dir>/<name>,all`.
pub fn domain_bulletin(domain: &Domain, target: &Path, message: &[u8]) -> Result<(), AppletError> {
    let tmp = stage(target, message, domain.owner())?;
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(
            111,
            format!(
                "vbulletin: rename: {}: {}",
                target.display(),
                error_text(&e)
            ),
        )
    })
}

/// `-S`: the subscribers of `domain` among `list` (bare names get `@domain`;
/// other domains are warned about and skipped), deduplicated, in list order.
pub fn subscribers(domain: &str, list: &[String], warn: &mut dyn FnMut(&str)) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for l in list {
        let addr = match l.split_once('@') {
            Some((_, d)) if !d.eq_ignore_ascii_case(domain) => {
                warn(&format!(
                    "Skipping email [{l}] - does not belong to {domain}"
                ));
                continue;
            }
            Some(_) => l.to_ascii_lowercase(),
            None => format!("{}@{domain}", l.to_ascii_lowercase()),
        };
        if seen.insert(addr.clone()) {
            out.push(addr);
        }
    }
    out
}

/// `-S`: file and `bulkmail` rows, all or nothing. `stores`: each database
/// with the subscribers whose rows go there (on a clustered site, the mail
/// store of each subscriber, as the original splits the list by mail store).
/// Every store's rows are inserted in its own transaction, all of them open
/// until the file is in place, then committed. Returns the rows added.
pub fn instant_bulletin(
    stores: &mut [(Db, Vec<String>)],
    domain: &Domain,
    target: &Path,
    message: &[u8],
) -> Result<u64, AppletError> {
    let filename = base_name(target);
    if filename.len() > 64 {
        return Err(err(
            1,
            format!("vbulletin: {filename}: file name longer than 64 characters"),
        ));
    }
    if let Some(e) = stores
        .iter()
        .flat_map(|(_, e)| e.iter())
        .find(|e| e.len() > 107)
    {
        return Err(err(
            1,
            format!("vbulletin: {e}: address longer than 107 characters"),
        ));
    }
    for (db, _) in stores.iter_mut() {
        db.ensure_tables(&["bulkmail"])?;
    }
    let tmp = stage(target, message, domain.owner())?;
    let mut place = || {
        std::fs::rename(&tmp, target).map_err(|e| {
            err(
                111,
                format!(
                    "vbulletin: rename: {}: {}",
                    target.display(),
                    error_text(&e)
                ),
            )
        })
    };
    let res = insert_nested(stores, &filename, &mut place);
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
        if target.exists() {
            let _ = std::fs::remove_file(target);
        }
    }
    res
}

/// The rows of each store inside its transaction, the next store's inside
/// this one's, `finish` innermost: any failure rolls every store back.
fn insert_nested(
    stores: &mut [(Db, Vec<String>)],
    filename: &str,
    finish: &mut dyn FnMut() -> Result<(), AppletError>,
) -> Result<u64, AppletError> {
    match stores.split_first_mut() {
        None => finish().map(|()| 0),
        Some(((db, emails), rest)) => db.transaction(|db| -> Result<u64, AppletError> {
            let n = bulletin::insert(db, filename, emails)?;
            Ok(n + insert_nested(rest, filename, finish)?)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_of_one_domain() {
        let list: Vec<String> = [
            "Alice@Example.com",
            "bob",
            "x@other.org",
            "alice@example.com",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut warnings = Vec::new();
        let got = subscribers("example.com", &list, &mut |w| warnings.push(w.to_string()));
        assert_eq!(got, vec!["alice@example.com", "bob@example.com"]);
        assert_eq!(
            warnings,
            vec!["Skipping email [x@other.org] - does not belong to example.com"]
        );
    }

    #[test]
    fn maildir_names_are_unique_per_sequence() {
        let (a, b) = (maildir_name(0), maildir_name(1));
        assert_ne!(a, b);
        assert!(!a.contains('/'));
        let parts: Vec<&str> = a.splitn(3, '.').collect();
        assert!(parts[0].parse::<u64>().is_ok(), "{a}");
        assert!(parts[1].starts_with('M') && parts[1].contains('P'), "{a}");
    }

    #[test]
    fn list_files_skip_comments_and_blanks() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("l");
        std::fs::write(&p, "# c\n\n  a@b  # x\nc\n").unwrap();
        assert_eq!(read_list(&p).unwrap(), vec!["a@b", "c"]);
        assert_eq!(read_list(&t.path().join("none")).unwrap_err().code, 111);
    }
}
