/*!
Changing an existing mailbox: `vmoduser` (flags, gecos, quota, password,
active/inactive toggle, date-folder format), `vrenameuser` and
`vmoveuserdir`.

Every change is all or nothing: the rows are written in one transaction and
the file-system step (moving a home aside or creating a Maildir) is undone
when the database refuses to commit.
*/

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::address::{is_rfc_id, validate_new_user};
use crate::cli::AppletError;
use crate::db::users::{self, Status, UserRow};
use crate::db::{dircontrol, lastauth, valias, vfilter, Db};
use crate::domain::Domain;
use crate::mailstore::{hashdir, maildir, quota, remove};
use crate::ops::user::{self, Password};
use crate::passwd::{self, HashMethod};
use crate::sys;

/// `pw_gid` flag bits (spec §6) by vmoduser option letter.
pub const FLAG_OPTIONS: &[(char, i64)] = &[
    ('d', 0x01),
    ('p', 0x02),
    ('w', 0x04),
    ('i', 0x08),
    ('b', 0x10),
    ('r', 0x20),
    ('u', 0x40),
    ('a', 0x80),
    ('s', 0x100),
    ('0', 0x200),
    ('1', 0x400),
    ('2', 0x800),
    ('3', 0x1000),
    ('o', 0x2000),
];

/// How the flag bits change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagChange {
    None,
    /// `-x`: all flags cleared.
    Clear,
    /// OR the mask in.
    Set(i64),
    /// `-t`: XOR the mask.
    Toggle(i64),
}

impl FlagChange {
    pub fn apply(self, gid: i64) -> i64 {
        match self {
            FlagChange::None => gid,
            FlagChange::Clear => 0,
            FlagChange::Set(m) => gid | m,
            FlagChange::Toggle(m) => gid ^ m,
        }
    }
}

/// The `pw_shell` value for `vmoduser -q <arg>` given the current value.
///
/// `NOQUOTA`; an absolute quota (`<bytes>[kmg]`, optionally `,<count>`); or a
/// relative one (`+<bytes>[kmg]` / `-<bytes>[kmg]`) added to the current size.
/// A message-count limit (the argument's, else the current one) is kept as
/// `<bytes>S,<count>C`; the original appends the old count without its comma
/// (`5000000S,1000C` with `-q 100` became `1001000C`).
pub fn modified_quota(current: &str, arg: &str) -> Result<String, String> {
    if arg == "NOQUOTA" {
        return Ok("NOQUOTA".into());
    }
    let (sign, body) = match arg.as_bytes().first() {
        Some(b'+') => (1i64, &arg[1..]),
        Some(b'-') => (-1i64, &arg[1..]),
        _ => (0, arg),
    };
    if body == "NOQUOTA" && sign != 0 {
        return Err("NOQUOTA cannot be added or subtracted".into());
    }
    if sign != 0 && body.contains(',') {
        return Err("a relative quota takes no message count".into());
    }
    quota::validate_quota_arg(body).map_err(|e| e.to_string())?;
    let (bytes, count) = quota::parse_quota(body).map_err(|e| e.to_string())?;
    let bytes = if sign != 0 {
        let (cur, _) = quota::parse_quota(current).map_err(|e| e.to_string())?;
        cur.checked_add(sign * bytes)
            .filter(|b| *b >= 0)
            .ok_or_else(|| "the resulting quota would be negative".to_string())?
    } else {
        bytes
    };
    let count = if body.contains(',') {
        Some(count)
    } else if current.contains(',') {
        Some(quota::parse_quota(current).map_err(|e| e.to_string())?.1)
    } else {
        None
    };
    let s = match count {
        Some(c) => format!("{bytes}S,{c}C"),
        None => bytes.to_string(),
    };
    if s.len() > 30 {
        return Err("quota too long for the pw_shell column".into());
    }
    Ok(s)
}

/// Everything vmoduser was asked to do (besides `-l`).
#[derive(Debug, Clone)]
pub struct Modification {
    pub gecos: Option<String>,
    /// New password, hash method, store `{CRAM}` (`-C`).
    pub password: Option<(Password, HashMethod, bool)>,
    pub flags: FlagChange,
    /// `-q` argument.
    pub quota: Option<String>,
    /// `-n`.
    pub toggle_active: bool,
    /// `--delete-mail`: with `-n` on an active user, remove the home like the original.
    pub delete_mail: bool,
    /// `-D`.
    pub date_format: Option<String>,
    pub verbose: bool,
}

fn err(code: i32, msg: impl Into<String>) -> AppletError {
    AppletError::new(code, msg)
}

fn aside_path(home: &Path, what: &str) -> PathBuf {
    home.with_file_name(format!(
        ".{}.{what}.{}",
        home.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ))
}

/// `vmoduser`: apply `m` to `user@domain`.
pub fn modify(
    db: &mut Db,
    domain: &Domain,
    user: &str,
    m: &Modification,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    let Some((row, status)) = users::get(db, user, &domain.name)? else {
        return Err(err(
            1,
            format!("vmoduser: warning: no such user {user}@{}", domain.name),
        ));
    };
    let email = format!("{user}@{}", domain.name);
    let mut new = row.clone();
    if let Some(g) = &m.gecos {
        if g.len() > crate::address::MAX_PW_GECOS || g.contains(':') {
            return Err(err(
                1,
                format!("vmoduser: warning: invalid comment [{g}]: at most 48 characters, no ':'"),
            ));
        }
        new.gecos = g.clone();
    }
    let mut scram: Option<Option<String>> = None;
    if let Some((pw, hash, cram)) = &m.password {
        match pw {
            Password::Clear(p) => {
                if p.is_empty() {
                    return Err(err(1, "vmoduser: warning: empty password refused"));
                }
                new.passwd = passwd::hash_password(p.as_bytes(), *hash)
                    .map_err(|e| err(111, format!("vmoduser: fatal: crypt: {e}")))?;
                scram = Some(cram.then(|| passwd::cram_value(p)));
            }
            Password::Encrypted(h) => {
                if h.is_empty() || h.len() > crate::address::MAX_PW_PASS {
                    return Err(err(
                        1,
                        "vmoduser: warning: invalid encrypted password (empty or longer than 128 characters)",
                    ));
                }
                new.passwd = h.clone();
                scram = Some(None);
            }
        }
        if m.verbose {
            eprintln!("encrypted password set as {}", new.passwd);
        }
    }
    new.gid = m.flags.apply(row.gid);
    if let Some(q) = &m.quota {
        new.shell = modified_quota(&row.shell, q).map_err(|e| {
            err(
                1,
                format!("vmoduser: warning: invalid quota specification [{q}]: {e}"),
            )
        })?;
    }
    let activating = m.toggle_active && status == Status::Inactive;
    let inactivating = m.toggle_active && status == Status::Active;
    if inactivating && is_rfc_id(user) {
        return Err(err(255, "RFC Ids cannot be made inactive"));
    }
    let home = PathBuf::from(&row.dir);
    let maildir_path = home.join("Maildir");
    let maildir_missing = !maildir_path.is_dir();
    if let Some(_fmt) = &m.date_format {
        let will_exist = !maildir_missing || activating;
        if !will_exist || (inactivating && m.delete_mail) {
            return Err(err(
                111,
                format!(
                    "vmoduser: fatal: open: {}/folder.dateformat: No such file or directory",
                    maildir_path.display()
                ),
            ));
        }
    }
    let changed = m.gecos.is_some()
        || m.password.is_some()
        || m.flags != FlagChange::None
        || m.quota.is_some();
    db.ensure_tables(&[
        &users::active_table(),
        &users::inactive_table(),
        "lastauth",
        "vfilter",
        "userquota",
        "valias",
    ])?;

    let home_exists = !sys::path_missing(&home);
    let aside = aside_path(&home, "inactivating");
    let move_aside = inactivating && m.delete_mail && home_exists;
    let mut created: Vec<PathBuf> = Vec::new();
    let mut alias_msg = None;
    let owner = domain.owner();
    let res = db.transaction(|db| -> Result<(), AppletError> {
        if activating {
            if !users::move_row(db, user, &domain.name, Status::Inactive)? {
                return Err(err(
                    1,
                    format!("vmoduser: fatal: sql_active: failed to activate {email}"),
                ));
            }
            lastauth::record(
                db,
                user,
                &domain.name,
                lastauth::ACTIVATE,
                &sys::remote_ip(),
                user::usage_bytes(&row),
                &new.gecos,
            )?;
        } else if inactivating {
            if !users::move_row(db, user, &domain.name, Status::Active)? {
                return Err(err(
                    255,
                    format!("deluser: failed to mark user {email} as inactive"),
                ));
            }
            lastauth::record(
                db,
                user,
                &domain.name,
                lastauth::INACTIVATE,
                &sys::remote_ip(),
                0,
                &new.gecos,
            )?;
            lastauth::delete_vfilter(db, &email)?;
            lastauth::delete_userquota(db, user, &domain.name)?;
            valias::delete_forwards_to(db, &format!("&{email}"))?;
            let n = valias::delete_alias(db, user, &domain.name)?;
            alias_msg = Some(if n > 0 {
                format!("Deleted alias line  for alias {email} ({n}) entries")
            } else {
                format!("No alias line   for alias {email}")
            });
        }
        if changed {
            let sc = scram.as_ref().map(|s| s.as_deref());
            if !users::set_row(db, &new, sc)? {
                return Err(err(1, "vmoduser: fatal: sql_setpw failed"));
            }
        }
        if m.password.is_some() {
            lastauth::record(
                db,
                user,
                &domain.name,
                lastauth::PASS,
                &sys::remote_ip(),
                user::usage_bytes(&row),
                &new.gecos,
            )?;
        }
        if activating && maildir_missing {
            created = maildir::create_maildir(&home, &domain.name, owner)
                .map_err(|e| err(111, format!("vmoduser: fatal: vmake_maildir: {e}")))?;
        }
        if move_aside {
            std::fs::rename(&home, &aside)
                .map_err(|e| err(255, format!("failed to remove dir {}: {e}", home.display())))?;
        }
        Ok(())
    });
    if let Err(e) = res {
        maildir::rollback_created(&created);
        if move_aside && aside.exists() && !home.exists() {
            let _ = std::fs::rename(&aside, &home);
        }
        return Err(e);
    }
    if m.verbose {
        if let Some(msg) = &alias_msg {
            out(msg);
        }
    }
    if move_aside {
        let aside_str = aside.to_string_lossy().into_owned();
        let home_str = home.to_string_lossy().into_owned();
        let verbose = m.verbose;
        let mut relabel = |line: &str| {
            if verbose {
                out(&line.replacen(&aside_str, &home_str, 1));
            }
        };
        remove::remove_home(&aside, user, &domain.name, &mut relabel)
            .map_err(|e| err(255, format!("failed to remove dir {}: {e}", home.display())))?;
        let dotqmail = domain
            .dir
            .join(format!(".qmail-{}", user.replace('.', ":")));
        if dotqmail.exists() {
            if let Err(e) = std::fs::remove_file(&dotqmail) {
                eprintln!("deluser: unlink: {}: {e}", dotqmail.display());
            }
        }
    }
    if m.quota.is_some() && !(move_aside) {
        if let Err(e) = user::recalc(&new, owner) {
            return Err(err(111, format!("vmoduser: warning: recalc_quota: {e}")));
        }
    }
    if let Some(fmt) = &m.date_format {
        let path = maildir_path.join("folder.dateformat");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o644)
                .open(&path)?;
            sys::chown(&path, owner).or_else(|e| {
                if e.raw_os_error() == Some(libc::EPERM) {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
            f.write_all(fmt.as_bytes())?;
            f.sync_all()
        };
        write().map_err(|e| {
            err(
                111,
                format!("vmoduser: fatal: open: {}: {e}", path.display()),
            )
        })?;
    }
    Ok(())
}

/// `vmoveuserdir`: point the user's `pw_dir` at `new_dir`, moving the home
/// there and rewriting `valias` lines that mention the old directory, all or
/// nothing. Returns the old directory.
pub fn move_home(
    db: &mut Db,
    domain: &Domain,
    user: &str,
    new_dir: &str,
) -> Result<String, AppletError> {
    let Some((row, _)) = users::get(db, user, &domain.name)? else {
        return Err(err(
            1,
            format!(
                "vmoveuserdir: warning: sql_getpw: No such user {user}@{}",
                domain.name
            ),
        ));
    };
    if new_dir.is_empty() || !new_dir.starts_with('/') || new_dir.len() > crate::address::MAX_PW_DIR
    {
        return Err(err(
            1,
            format!("vmoveuserdir: warning: {new_dir}: new_dir must be an absolute path of at most 156 characters"),
        ));
    }
    let old = row.dir.clone();
    if new_dir == old {
        return Ok(old);
    }
    let new_path = PathBuf::from(new_dir);
    let old_path = PathBuf::from(&old);
    let old_exists = !sys::path_missing(&old_path);
    if old_exists && !sys::path_missing(&new_path) {
        return Err(err(
            111,
            format!("vmoveuserdir: fatal: MoveFile: {old} --> {new_dir}: File exists"),
        ));
    }
    if old_exists && new_path.parent().is_some_and(sys::path_missing) {
        return Err(err(
            111,
            format!(
                "vmoveuserdir: fatal: MoveFile: {old} --> {new_dir}: No such file or directory"
            ),
        ));
    }
    db.ensure_tables(&[&users::active_table(), &users::inactive_table(), "valias"])?;
    let mut moved = false;
    let res = db.transaction(|db| -> Result<(), AppletError> {
        if !old.is_empty() {
            for r in valias::lines_containing(db, &old)? {
                let line = r.line.replace(&old, new_dir);
                valias::update_line(db, &r.alias, &r.domain, &r.line, &line)?;
            }
        }
        let mut new = row.clone();
        new.dir = new_dir.to_string();
        if !users::set_row(db, &new, None)? {
            return Err(err(1, "vmoveuserdir: warning: sql_setpw failed"));
        }
        if old_exists {
            remove::move_dir(&old_path, &new_path).map_err(|e| {
                err(
                    111,
                    format!("vmoveuserdir: fatal: MoveFile: {old} --> {new_dir}: {e}"),
                )
            })?;
            moved = true;
        }
        Ok(())
    });
    if let Err(e) = res {
        if moved {
            let _ = remove::move_dir(&new_path, &old_path);
        }
        return Err(e);
    }
    Ok(old)
}

/// Change the owner of a whole tree (a home moved to a domain with another uid).
fn chown_tree(path: &Path, owner: (u32, u32)) -> std::io::Result<()> {
    sys::lchown(path, owner.0, owner.1)?;
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_dir() {
        for e in std::fs::read_dir(path)? {
            chown_tree(&e?.path(), owner)?;
        }
    }
    Ok(())
}

/// `vrenameuser`: give `old_user@old_dom` the address `new_user@new_dom`,
/// in the same domain or across domains. Every related row follows (the
/// user row, lastauth, valias rows of the alias and lines naming the old
/// address, vfilter, userquota), the home is moved to its new hashed place,
/// and the old dir_control slot is released; all or nothing.
pub fn rename(
    db: &mut Db,
    old_dom: &Domain,
    old_user: &str,
    new_dom: &Domain,
    new_user: &str,
    base_path: &Path,
) -> Result<(), AppletError> {
    if !new_user
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        || old_user.is_empty()
        || new_dom.name.is_empty()
    {
        return Err(err(1, "renameuser: Illegal Username/domain"));
    }
    if new_user.len() > crate::address::MAX_PW_NAME
        || new_dom.name.len() > crate::address::MAX_PW_DOMAIN
    {
        return Err(err(
            1,
            "renameuser: Name Too Long (name > 40 or domain > 67)",
        ));
    }
    if users::get(db, new_user, &new_dom.name)?.is_some() {
        return Err(err(1, format!("User {new_user}@{} exists", new_dom.name)));
    }
    let Some((row, status)) = users::get(db, old_user, &old_dom.name)? else {
        return Err(err(1, format!("{old_user}@{}: No such user", old_dom.name)));
    };
    validate_new_user(new_user, &new_dom.name, &row.gecos, row.passwd.len())
        .map_err(|m| err(1, m.replacen("iadduser", "renameuser", 1)))?;
    let old_email = format!("{old_user}@{}", old_dom.name);
    let new_email = format!("{new_user}@{}", new_dom.name);
    let new_prefix = hashdir::control_prefix(base_path, new_user).map_err(|e| {
        err(
            111,
            format!("renameuser: pathToFilesystem: {}: {e}", base_path.display()),
        )
    })?;
    let new_dc_table = dircontrol::table_name(&new_prefix)?;
    let old_home = PathBuf::from(&row.dir);
    let old_base = hashdir::BUCKETS.iter().find_map(|b| {
        let marker = format!("/{b}/{}/", old_dom.name);
        row.dir.find(&marker).map(|i| PathBuf::from(&row.dir[..i]))
    });
    let old_prefix = old_base
        .as_ref()
        .and_then(|b| hashdir::control_prefix(b, old_user).ok());
    let old_subdir = hashdir::hashdir_of(&old_home, &old_dom.name, old_user);
    let mut tables = vec![
        users::active_table(),
        users::inactive_table(),
        "lastauth".to_string(),
        "valias".to_string(),
        "vfilter".to_string(),
        "userquota".to_string(),
        new_dc_table,
    ];
    if let Some(p) = &old_prefix {
        tables.push(dircontrol::table_name(p)?);
    }
    let refs: Vec<&str> = tables.iter().map(String::as_str).collect();
    db.ensure_tables(&refs)?;

    let old_exists = !sys::path_missing(&old_home);
    let mut new_home = PathBuf::new();
    let mut moved = false;
    let owner_changes = old_dom.uid != new_dom.uid || old_dom.gid != new_dom.gid;
    let res = db.transaction(|db| -> Result<(), AppletError> {
        let mut dc = dircontrol::load(db, &new_prefix, &new_dom.name, true)?;
        let subdir = dc.allocate(new_dom.users_per_level());
        dircontrol::store(db, &new_prefix, &new_dom.name, &dc)?;
        new_home = hashdir::home_dir(base_path, &new_dom.name, &subdir, new_user);
        let dir = new_home.to_string_lossy().into_owned();
        if dir.len() > crate::address::MAX_PW_DIR {
            return Err(err(1, "renameuser: Name Too Long (home directory > 156)"));
        }
        if let Some(p) = &old_prefix {
            let mut odc = dircontrol::load(db, p, &old_dom.name, true)?;
            if odc.cur_users > 0 {
                odc.cur_users -= 1;
            }
            dircontrol::store(db, p, &old_dom.name, &odc)?;
        }
        users::delete(db, old_user, &old_dom.name)?
            .ok_or_else(|| err(1, format!("{old_email}: No such user")))?;
        let new_row = UserRow {
            name: new_user.to_string(),
            domain: new_dom.name.clone(),
            dir,
            ..row.clone()
        };
        users::insert(db, &new_row, status)?;
        lastauth::delete_user(db, new_user, &new_dom.name)?;
        lastauth::rename_user(db, old_user, &old_dom.name, new_user, &new_dom.name)?;
        lastauth::record(
            db,
            new_user,
            &new_dom.name,
            lastauth::ADD,
            &sys::remote_ip(),
            0,
            &row.gecos,
        )?;
        lastauth::delete_userquota(db, new_user, &new_dom.name)?;
        lastauth::rename_userquota(db, old_user, &old_dom.name, new_user, &new_dom.name)?;
        vfilter::rename_email(db, &old_email, &new_email)?;
        valias::rename_alias(db, old_user, &old_dom.name, new_user, &new_dom.name)?;
        for r in valias::lines_containing(db, &old_email)? {
            let line = replace_address(&r.line, &old_email, &new_email);
            if line != r.line {
                if valias::exists(db, &r.alias, &r.domain, &line)? {
                    valias::delete_line(db, &r.alias, &r.domain, &r.line)?;
                } else {
                    valias::update_line(db, &r.alias, &r.domain, &r.line, &line)?;
                }
            }
        }
        if !row.dir.is_empty() {
            let old_dir = row.dir.as_str();
            let new_dir = new_home.to_string_lossy().into_owned();
            for r in valias::lines_containing(db, old_dir)? {
                let line = r.line.replace(old_dir, &new_dir);
                valias::update_line(db, &r.alias, &r.domain, &r.line, &line)?;
            }
        }
        if old_exists {
            if let Some(parent) = new_home.parent() {
                maildir::make_dirs(parent, 0o750, new_dom.owner()).map_err(|e| {
                    err(111, format!("renameuser: mkdir: {}: {e}", parent.display()))
                })?;
            }
            remove::move_dir(&old_home, &new_home).map_err(|e| {
                err(
                    111,
                    format!(
                        "renameuser: MoveFile: {} --> {}: {e}",
                        old_home.display(),
                        new_home.display()
                    ),
                )
            })?;
            moved = true;
            if owner_changes && sys::geteuid() == 0 {
                chown_tree(&new_home, (new_dom.uid, new_dom.gid)).map_err(|e| {
                    err(
                        111,
                        format!("renameuser: chown: {}: {e}", new_home.display()),
                    )
                })?;
            }
        }
        Ok(())
    });
    if let Err(e) = res {
        if moved {
            let _ = remove::move_dir(&new_home, &old_home);
            if owner_changes && sys::geteuid() == 0 {
                let _ = chown_tree(&old_home, (old_dom.uid, old_dom.gid));
            }
        }
        return Err(e);
    }
    if let (Some(p), Some(sub)) = (&old_prefix, &old_subdir) {
        if !sub.is_empty() {
            let _ = hashdir::push_backfill(&old_dom.dir, p, sub, old_dom.owner());
        }
    }
    let _ = hashdir::note_filesystem(&new_dom.dir, &new_prefix, new_dom.owner());
    Ok(())
}

/// Replace `old` by `new` in a valias line only where it is a whole address
/// (not a suffix of a longer local part, e.g. `xbob@d` for `bob@d`).
fn replace_address(line: &str, old: &str, new: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(old) {
        let before = rest[..i].chars().last();
        let after = rest[i + old.len()..].chars().next();
        let word_char = |c: char| c.is_ascii_alphanumeric() || "._-+=".contains(c);
        let whole = !before.is_some_and(word_char) && !after.is_some_and(word_char);
        out.push_str(&rest[..i]);
        out.push_str(if whole { new } else { old });
        rest = &rest[i + old.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_changes() {
        assert_eq!(modified_quota("NOQUOTA", "20M").unwrap(), "20971520");
        assert_eq!(modified_quota("20971520", "+1M").unwrap(), "22020096");
        assert_eq!(modified_quota("20971520", "-1M").unwrap(), "19922944");
        assert_eq!(
            modified_quota("5000000S,1000C", "100").unwrap(),
            "100S,1000C"
        );
        assert_eq!(
            modified_quota("5000000,1000", "+100").unwrap(),
            "5000100S,1000C"
        );
        assert_eq!(modified_quota("5000000", "1M,20").unwrap(), "1048576S,20C");
        assert_eq!(
            modified_quota("5000000S,1000C", "NOQUOTA").unwrap(),
            "NOQUOTA"
        );
        assert!(modified_quota("5000000", "bogus").is_err());
        assert!(modified_quota("100", "-1M").is_err());
        assert!(modified_quota("100", "+NOQUOTA").is_err());
        assert!(modified_quota("100", "").is_err());
    }

    #[test]
    fn flags() {
        assert_eq!(FlagChange::Set(0x02).apply(0x0c), 0x0e);
        assert_eq!(FlagChange::Toggle(0x06).apply(0x0c), 0x0a);
        assert_eq!(FlagChange::Clear.apply(0xff), 0);
        assert_eq!(FlagChange::None.apply(5), 5);
    }

    #[test]
    fn addresses_are_replaced_whole() {
        assert_eq!(
            replace_address("&bob@d.com", "bob@d.com", "rob@e.com"),
            "&rob@e.com"
        );
        assert_eq!(
            replace_address("xbob@d.com", "bob@d.com", "rob@e.com"),
            "xbob@d.com"
        );
        assert_eq!(
            replace_address("bob@d.community", "bob@d.com", "rob@e.com"),
            "bob@d.community"
        );
    }
}
