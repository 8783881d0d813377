/*!
Mailbox lifecycle: create, delete, change password, change quota.

Each change that touches both the database and the file system is all or
nothing: the rows are written inside a transaction, the file-system step is
done while the transaction is still open, and a failure on either side undoes
the other (created directories are removed, a home being deleted is first
renamed aside and put back if the database refuses to commit).
*/

use std::path::{Path, PathBuf};

use crate::address::{is_rfc_id, validate_new_user, MAX_PW_DIR};
use crate::cli::AppletError;
use crate::config::Config;
use crate::db::users::{self, Status, UserRow};
use crate::db::{dircontrol, lastauth, valias, Db, DbError};
use crate::domain::Domain;
use crate::mailstore::hashdir::DirControl;
use crate::mailstore::{hashdir, maildir, maildirsize, quota, remove};
use crate::passwd::{self, HashMethod};
use crate::sys;

/// How the password of a new or changed account is given.
#[derive(Debug, Clone)]
pub enum Password {
    Clear(String),
    /// Already encrypted (`-e`): stored verbatim.
    Encrypted(String),
}

/// Everything `vadduser` (and vadddomain for postmaster) decides before adding.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub user: String,
    pub password: Password,
    pub hash: HashMethod,
    /// `{CRAM}<clear>` in the scram column (`-C`).
    pub store_cram: bool,
    pub gecos: Option<String>,
    /// Quota string for `pw_shell`; `None` = the hard quota.
    pub quota: Option<String>,
    pub users_per_level: u64,
    pub base_path: PathBuf,
    pub create_home: bool,
    pub inactive: bool,
}

fn io_err(what: &str, path: &Path, e: impl std::fmt::Display) -> AppletError {
    AppletError::new(111, format!("{what}: {}: {e}", path.display()))
}

/// The base path of a home, i.e. what precedes `/<bucket>/<domain>/`.
fn base_of_home(home: &str, domain: &str) -> Option<PathBuf> {
    hashdir::BUCKETS.iter().find_map(|b| {
        let marker = format!("/{b}/{domain}/");
        home.find(&marker).map(|i| PathBuf::from(&home[..i]))
    })
}

/// The stored password of a new account: a clear-text password hashed with
/// `method` (`iadduser`'s crypt step), an encrypted one verbatim.
pub fn stored_password(password: &Password, method: HashMethod) -> Result<String, AppletError> {
    match password {
        Password::Clear(p) => passwd::hash_password(p.as_bytes(), method)
            .map_err(|e| AppletError::new(111, format!("iadduser: crypt: {e}"))),
        Password::Encrypted(h) => Ok(h.clone()),
    }
}

/// [`stored_password`] for several accounts at once, results in order:
/// clear-text SHA-256 passwords are hashed together (several per core with
/// SHA-NI, [`passwd::hash_passwords`]), the others one by one.
pub fn stored_passwords(items: &[(&Password, HashMethod)]) -> Vec<Result<String, AppletError>> {
    let grouped = |(p, m): &(&Password, HashMethod)| {
        matches!(p, Password::Clear(_)) && *m == HashMethod::Sha256
    };
    let clears: Vec<&[u8]> = items
        .iter()
        .filter(|i| grouped(i))
        .map(|(p, _)| match p {
            Password::Clear(c) => c.as_bytes(),
            Password::Encrypted(_) => unreachable!("filtered to clear text"),
        })
        .collect();
    let mut hashed = passwd::hash_passwords(&clears, HashMethod::Sha256).into_iter();
    items
        .iter()
        .map(|item| {
            if grouped(item) {
                hashed
                    .next()
                    .expect("one hash per clear-text password")
                    .map_err(|e| AppletError::new(111, format!("iadduser: crypt: {e}")))
            } else {
                stored_password(item.0, item.1)
            }
        })
        .collect()
}

/// The `dir_control` prefix of a user's home under `base_path`.
pub fn home_prefix(base_path: &Path, user: &str) -> Result<String, AppletError> {
    hashdir::control_prefix(base_path, user)
        .map_err(|e| io_err("iadduser: pathToFilesystem", base_path, e))
}

/// The hash sub-directory of one new user: a reused (backfill) slot, or the
/// next one of the allocator. Updates `dc` either way.
pub fn allocate_subdir(
    dc: &mut DirControl,
    backfill: Option<&str>,
    users_per_level: u64,
) -> String {
    match backfill {
        Some(sub) => {
            if dc.cur_users != 0 {
                dc.cur_users += 1;
            }
            sub.to_string()
        }
        None => dc.allocate(users_per_level),
    }
}

/// What a new row holds besides its place on disk.
pub struct RowFields<'a> {
    pub user: &'a str,
    pub passwd: String,
    pub gecos: String,
    /// `None` = the hard quota.
    pub quota: Option<String>,
    pub scram: Option<String>,
}

/// The row of a new user whose home is `<base>/<bucket>/<domain>[/<subdir>]/<user>`;
/// `iadduser: Name too long` when that does not fit `pw_dir`.
pub fn new_row(
    cfg: &Config,
    domain: &str,
    base_path: &Path,
    subdir: &str,
    f: RowFields<'_>,
) -> Result<(UserRow, PathBuf), AppletError> {
    let home = hashdir::home_dir(base_path, domain, subdir, f.user);
    let dir = home.to_string_lossy().into_owned();
    if dir.len() > MAX_PW_DIR {
        return Err(AppletError::new(100, "iadduser: Name too long"));
    }
    let row = UserRow {
        name: f.user.to_string(),
        domain: domain.to_string(),
        passwd: f.passwd,
        uid: 1,
        gid: 0,
        gecos: f.gecos,
        dir,
        shell: f.quota.unwrap_or_else(|| cfg.hard_quota()),
        scram: f.scram,
    };
    Ok((row, home))
}

/// Create a new user's home and Maildir; the paths created (for a rollback).
pub fn make_home(home: &Path, domain: &Domain) -> Result<Vec<PathBuf>, AppletError> {
    maildir::create_maildir(home, &domain.name, domain.owner()).map_err(make_home_error)
}

/// How a failed [`make_home`] is reported.
pub fn make_home_error(e: crate::mailstore::MailstoreError) -> AppletError {
    AppletError::new(111, format!("iadduser: make user dir failed: {e}"))
}

/// Add a user (`iadduser`): validate, allocate the home directory, insert the
/// row and the `lastauth` record, and create the Maildir when asked, all or nothing.
pub fn add(
    cfg: &Config,
    db: &mut Db,
    domain: &Domain,
    nu: &NewUser,
) -> Result<(UserRow, Status), AppletError> {
    let gecos = nu.gecos.clone().unwrap_or_else(|| nu.user.clone());
    let (clear, pw_len) = match &nu.password {
        Password::Clear(p) => (Some(p.as_str()), p.len()),
        Password::Encrypted(h) => (None, h.len()),
    };
    validate_new_user(&nu.user, &domain.name, &gecos, pw_len)
        .map_err(|m| AppletError::new(100, m))?;
    if users::get(db, &nu.user, &domain.name)?.is_some() {
        return Err(AppletError::new(
            100,
            format!("iadduser: username {}@{} exists", nu.user, domain.name),
        ));
    }
    let prefix = home_prefix(&nu.base_path, &nu.user)?;
    let status = if nu.inactive && !is_rfc_id(&nu.user) {
        Status::Inactive
    } else {
        Status::Active
    };
    let hash = stored_password(&nu.password, nu.hash)?;
    let scram = match clear {
        Some(p) if nu.store_cram => Some(passwd::cram_value(p)),
        _ => None,
    };
    let dc_table = dircontrol::table_name(&prefix)?;
    let backfill = hashdir::take_backfill(&domain.dir, &prefix)
        .map_err(|e| io_err("iadduser: backfill", &domain.dir, e))?;
    let owner = domain.owner();
    let job = AddJob {
        cfg,
        domain,
        nu,
        prefix: &prefix,
        backfill: backfill.as_deref(),
        hash: &hash,
        gecos: &gecos,
        scram: scram.as_deref(),
        status,
    };
    // Tables are made on first use: when one is missing the transaction is
    // rolled back, the tables are created (DDL cannot run inside it) and the
    // whole add runs once more.
    let mut result = job.run(db);
    if matches!(&result, Err(TxnError::Db(e)) if e.is_missing_table()) {
        db.ensure_tables(&[
            &users::active_table(),
            &users::inactive_table(),
            "lastauth",
            &dc_table,
        ])?;
        result = job.run(db);
    }
    match result {
        Ok(row) => {
            hashdir::note_filesystem(&domain.dir, &prefix, owner)
                .map_err(|e| io_err("iadduser: .filesystems", &domain.dir, e))?;
            Ok((row, status))
        }
        Err(e) => {
            if let Some(sub) = &backfill {
                let _ = hashdir::push_backfill(&domain.dir, &prefix, sub, owner);
            }
            Err(match e {
                TxnError::Db(e) => e.into(),
                TxnError::App(e) => e,
            })
        }
    }
}

/// A failed add: database errors stay typed so a missing table can be told apart.
enum TxnError {
    Db(DbError),
    App(AppletError),
}

impl From<DbError> for TxnError {
    fn from(e: DbError) -> Self {
        TxnError::Db(e)
    }
}

impl From<AppletError> for TxnError {
    fn from(e: AppletError) -> Self {
        TxnError::App(e)
    }
}

/// Everything one attempt at adding a user needs.
struct AddJob<'a> {
    cfg: &'a Config,
    domain: &'a Domain,
    nu: &'a NewUser,
    prefix: &'a str,
    backfill: Option<&'a str>,
    hash: &'a str,
    gecos: &'a str,
    scram: Option<&'a str>,
    status: Status,
}

impl AddJob<'_> {
    /// One transaction: allocate the home, insert the rows, create the
    /// Maildir. On any failure the rows are rolled back and the Maildir removed.
    fn run(&self, db: &mut Db) -> Result<UserRow, TxnError> {
        let (nu, domain) = (self.nu, self.domain);
        let mut created: Vec<PathBuf> = Vec::new();
        let result = db.transaction(|db| -> Result<UserRow, TxnError> {
            let mut dc = dircontrol::load(db, self.prefix, &domain.name, true)?;
            let subdir = allocate_subdir(&mut dc, self.backfill, nu.users_per_level);
            dircontrol::store(db, self.prefix, &domain.name, &dc)?;
            let (row, home) = new_row(
                self.cfg,
                &domain.name,
                &nu.base_path,
                &subdir,
                RowFields {
                    user: &nu.user,
                    passwd: self.hash.to_string(),
                    gecos: self.gecos.to_string(),
                    quota: nu.quota.clone(),
                    scram: self.scram.map(str::to_string),
                },
            )?;
            users::insert(db, &row, self.status).map_err(|e| {
                if e.is_missing_table() {
                    TxnError::Db(e)
                } else {
                    TxnError::App(AppletError::new(255, format!("sql_adduser: {e}")))
                }
            })?;
            lastauth::record(
                db,
                &row.name,
                &row.domain,
                lastauth::ADD,
                &sys::remote_ip(),
                0,
                &row.gecos,
            )?;
            if nu.create_home {
                created = make_home(&home, domain)?;
            }
            Ok(row)
        });
        if result.is_err() {
            maildir::rollback_created(&created);
        }
        result
    }
}

/// Options of a deletion.
pub struct DeleteReport<'a> {
    pub verbose: bool,
    pub out: &'a mut dyn FnMut(&str),
}

/// Remove a user (`deluser` with remove_db=1): rows in every table, the
/// dir_control slot (to the backfill list), the home directory and the
/// domain's `.qmail-<user>` file.
pub fn delete(
    db: &mut Db,
    domain: &Domain,
    user: &str,
    report: DeleteReport<'_>,
) -> Result<(), AppletError> {
    let DeleteReport { verbose, out } = report;
    if !user
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return Err(AppletError::new(255, "Illegal Username"));
    }
    let Some((row, _status)) = users::get(db, user, &domain.name)? else {
        return Err(AppletError::new(
            255,
            format!("deluser: {user}@{}: no such user", domain.name),
        ));
    };
    let home = PathBuf::from(&row.dir);
    // Move the home aside first: reversible until the database commits.
    let aside = home.with_file_name(format!(
        ".{}.deleting.{}",
        home.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let home_exists = !sys::path_missing(&home);
    let email = format!("{user}@{}", domain.name);
    let base = base_of_home(&row.dir, &domain.name);
    let subdir = hashdir::hashdir_of(&home, &domain.name, user);
    let prefix = base
        .as_ref()
        .and_then(|b| hashdir::control_prefix(b, user).ok());

    let mut alias_msg = None;
    // Tables written inside the transaction must exist before it starts.
    if let Some(prefix) = &prefix {
        db.ensure_table(&dircontrol::table_name(prefix)?)?;
    }
    db.transaction(|db| -> Result<(), AppletError> {
        users::delete(db, user, &domain.name)?.ok_or_else(|| {
            AppletError::new(255, format!("deluser: failed to remove user {email}"))
        })?;
        lastauth::delete_user(db, user, &domain.name)?;
        lastauth::delete_vfilter(db, &email)?;
        lastauth::delete_userquota(db, user, &domain.name)?;
        valias::delete_forwards_to(db, &format!("&{email}"))?;
        let n = valias::delete_alias(db, user, &domain.name)?;
        alias_msg = Some(if n > 0 {
            format!("Deleted alias line  for alias {email} ({n}) entries")
        } else {
            format!("No alias line   for alias {email}")
        });
        if let Some(prefix) = &prefix {
            let mut dc = dircontrol::load(db, prefix, &domain.name, true)?;
            if dc.cur_users > 0 {
                dc.cur_users -= 1;
            }
            dircontrol::store(db, prefix, &domain.name, &dc)?;
        }
        if home_exists {
            std::fs::rename(&home, &aside).map_err(|e| {
                AppletError::new(255, format!("failed to remove dir {}: {e}", home.display()))
            })?;
        }
        Ok(())
    })
    .inspect_err(|_| {
        if home_exists && aside.exists() && !home.exists() {
            let _ = std::fs::rename(&aside, &home);
        }
    })?;
    if verbose {
        if let Some(m) = &alias_msg {
            out(m);
        }
    }
    if let (Some(prefix), Some(sub)) = (&prefix, &subdir) {
        if !sub.is_empty() {
            let _ = hashdir::push_backfill(&domain.dir, prefix, sub, domain.owner());
        }
    }
    if home_exists {
        let aside_str = aside.to_string_lossy().into_owned();
        let home_str = home.to_string_lossy().into_owned();
        let mut relabel = |line: &str| {
            if verbose {
                out(&line.replacen(&aside_str, &home_str, 1));
            }
        };
        remove::remove_home(&aside, user, &domain.name, &mut relabel).map_err(|e| {
            AppletError::new(255, format!("failed to remove dir {}: {e}", home.display()))
        })?;
    }
    let dotqmail = domain
        .dir
        .join(format!(".qmail-{}", user.replace('.', ":")));
    if dotqmail.exists() {
        if verbose {
            out(&format!("Removing file {}", dotqmail.display()));
        }
        if let Err(e) = std::fs::remove_file(&dotqmail) {
            eprintln!("deluser: unlink: {}: {e}", dotqmail.display());
        }
    }
    Ok(())
}

/// Current mailbox usage in bytes from `maildirsize` (0 without a Maildir).
pub fn usage_bytes(row: &UserRow) -> i64 {
    maildirsize::read_usage(&Path::new(&row.dir).join("Maildir"))
        .map(|u| u.bytes)
        .unwrap_or(0)
}

/// Change a password (`ipasswd`): hash, update, record `pass` in lastauth.
pub fn change_password(
    db: &mut Db,
    row: &UserRow,
    password: &Password,
    hash: HashMethod,
    store_cram: bool,
) -> Result<(), AppletError> {
    let (stored, scram) = match password {
        Password::Clear(p) => (
            passwd::hash_password(p.as_bytes(), hash)
                .map_err(|e| AppletError::new(111, format!("ipasswd: crypt: {e}")))?,
            store_cram.then(|| passwd::cram_value(p)),
        ),
        Password::Encrypted(h) => (h.clone(), None),
    };
    db.ensure_table("lastauth")?;
    db.transaction(|db| -> Result<(), AppletError> {
        if !users::set_password(db, &row.name, &row.domain, &stored, scram.as_deref())? {
            return Err(AppletError::new(
                1,
                format!("vpasswd: {}@{}: No such user", row.name, row.domain),
            ));
        }
        lastauth::record(
            db,
            &row.name,
            &row.domain,
            lastauth::PASS,
            &sys::remote_ip(),
            usage_bytes(row),
            &row.gecos,
        )?;
        Ok(())
    })
}

/// The `pw_shell` value vsetuserquota stores for an argument.
pub fn quota_string(arg: &str) -> Result<String, String> {
    if arg.starts_with("NOQUOTA") {
        return Ok("NOQUOTA".into());
    }
    let (bytes, count) = quota::parse_quota(arg).map_err(|e| e.to_string())?;
    Ok(if arg.contains(',') {
        format!("{bytes}S,{count}C")
    } else {
        bytes.to_string()
    })
}

/// Rewrite `Maildir/maildirsize` for the row's quota; the usage found
/// (`None` when the user has no Maildir).
pub fn recalc(
    row: &UserRow,
    owner: Option<(u32, u32)>,
) -> Result<Option<maildirsize::Usage>, String> {
    let (size, count) = if row.shell.starts_with("NOQUOTA") {
        (0, 0)
    } else {
        quota::parse_quota(&row.shell).map_err(|e| e.to_string())?
    };
    maildirsize::recalc_quota(&Path::new(&row.dir).join("Maildir"), size, count, owner)
        .map_err(|e| e.to_string())
}
