//! mgmtpass: manage the accounts of the administration server (`mgmtaccess`).
//!
//! Options act left to right as in the original (its hand-rolled loop: a `-x` word's value is
//! the next word, other words are skipped), so `-u` must come before `-a`, `-p` and `-i`.

use super::{Applet, Ctx};
use crate::admin::login::{now_epoch, today};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{mgmtaccess, Db};
use crate::{domain, fail, passwd, sys};

const USAGE: &str = "usage: mgmtpass -u user [-a passwd | -p passwd] [-i]
usage: mgmtpass -l (list users)]
mgmtpass: warning: options: -u user   (specify username)
         -a passwd (adds user with specified password)
         -p passwd (resets/changes password of existing user)
         -i        (displays user information/stats)
          or
         -l        (lists admin users)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::value('u', "user", "the account to act on (must come first)"),
    OptSpec::value(
        'a',
        "passwd",
        "add the account (asked for when not given; root or the admin password)",
    ),
    OptSpec::value(
        'p',
        "passwd",
        "set the password (root only); re-enables the account",
    ),
    OptSpec::flag('i', "show the account's row"),
    OptSpec::flag('l', "list the accounts"),
];

pub const APPLET: Applet = Applet {
    name: "mgmtpass",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "manage the accounts of the IndiMail administration server",
    synopsis: "-u user [-a passwd | -p passwd] [-i] | -l",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, USAGE)
}

fn is_root() -> bool {
    sys::getuid() == 0 && sys::geteuid() == 0
}

/// Read a password: without echo on a terminal, else one line of stdin (prompt on stderr).
fn ask(prompt: &str) -> Result<String, AppletError> {
    if crate::cli::stdin_is_tty() {
        rpassword::prompt_password(prompt)
            .map_err(|e| AppletError::new(1, format!("mgmtpass: read password: {e}")))
    } else {
        eprint!("{prompt}");
        match crate::cli::read_stdin_line() {
            Ok(Some(l)) => Ok(l),
            Ok(None) => Err(AppletError::new(1, "mgmtpass: end of input")),
            Err(e) => Err(AppletError::new(1, format!("mgmtpass: read: stdin: {e}"))),
        }
    }
}

/// The original's password policy (`passwd_policy.c`), with its messages.
pub fn check_policy(pw: &str) -> Result<(), &'static str> {
    if pw.len() < 8 {
        return Err("passwd must be of minimum 8 chars");
    }
    let b = pw.as_bytes();
    if b.iter().any(u8::is_ascii_whitespace) {
        return Err("whitespace not allowed");
    }
    if b.windows(2).any(|w| w[0] == w[1]) {
        return Err("two consequtive chars cannot be same");
    }
    if !b.iter().any(u8::is_ascii_alphabetic) || !b.iter().any(u8::is_ascii_digit) {
        return Err("passwd must be alpha-numeric");
    }
    Ok(())
}

fn hash(ctx: &Ctx, pw: &str) -> Result<String, AppletError> {
    let m = domain::effective_hash(&ctx.cfg, None, None)
        .map_err(|e| AppletError::new(1, format!("mgmtpass: {e}")))?;
    passwd::hash_password(pw.as_bytes(), m)
        .map_err(|e| AppletError::new(1, format!("mgmtpass: {e}")))
}

fn open(ctx: &Ctx) -> Result<Db, AppletError> {
    Db::open_master(&ctx.cfg)
        .map_err(|e| AppletError::new(255, format!("mgmtpass: Unable to open central db: {e}")))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let mut user: Option<&str> = None;
    for (i, a) in args.iter().enumerate() {
        let Some(opt) = a.strip_prefix('-') else {
            continue;
        };
        let next = args.get(i + 1).map(String::as_str);
        match opt.chars().next() {
            Some('u') => user = next,
            Some('l') => return list(ctx),
            Some('p') => {
                let u = need_user(user)?;
                if !is_root() {
                    fail!(1, "mgmtpass: Only superuser can specify -p option");
                }
                if let Some(pw) = next {
                    return set_password(ctx, u, pw);
                }
            }
            Some('i') => {
                let u = need_user(user)?;
                if sys::getuid() != 0 && sys::geteuid() != 0 {
                    fail!(1, "mgmtpass: Only superuser can specify -p option");
                }
                return info(ctx, u);
            }
            Some('a') => {
                let u = need_user(user)?;
                return add(ctx, u, next);
            }
            _ => return Err(usage()),
        }
    }
    match user {
        Some(u) => change_interactively(ctx, u),
        None => Err(usage()),
    }
}

fn need_user(user: Option<&str>) -> Result<&str, AppletError> {
    match user {
        Some(u) if !u.is_empty() => Ok(u),
        _ => Err(AppletError::new(1, "user not specified")),
    }
}

fn list(ctx: &mut Ctx) -> AppletResult {
    let mut db = open(ctx)?;
    for u in mgmtaccess::list(&mut db)? {
        ctx.out.line(&u);
    }
    Ok(0)
}

fn info(ctx: &mut Ctx, user: &str) -> AppletResult {
    let mut db = open(ctx)?;
    let Some(a) = mgmtaccess::get(&mut db, user)? else {
        fail!(1, "{user}: No such user");
    };
    let enabled = a.status.trim().parse::<i64>().unwrap_or(1) == 0;
    ctx.out.line(&format!("User        : {}", a.user));
    ctx.out.line(&format!("Pass        : {}", a.pass));
    ctx.out.line(&format!("Uid         : {}", a.pw_uid));
    ctx.out.line(&format!("Gid         : {}", a.pw_gid));
    ctx.out.line(&format!(
        "Last Access : {}",
        sys::asctime_local(a.lastaccess).trim_end()
    ));
    ctx.out.line(&format!(
        "Last Update : {}",
        sys::asctime_local(a.lastupdate).trim_end()
    ));
    ctx.out.line(&format!("Attempts    : {}", a.attempts));
    ctx.out.line(&format!(
        "Status      : {} ({})",
        a.status.trim(),
        if enabled { "Enabled" } else { "Disabled" }
    ));
    Ok(0)
}

fn set_password(ctx: &mut Ctx, user: &str, pw: &str) -> AppletResult {
    if pw.is_empty() {
        fail!(1, "mgmtpass: empty password refused");
    }
    let h = hash(ctx, pw)?;
    let mut db = open(ctx)?;
    let now = now_epoch();
    let n = mgmtaccess::set_password(
        &mut db,
        user,
        &h,
        sys::getuid(),
        sys::getgid(),
        now,
        today(now),
    )?;
    if n == 0 && mgmtaccess::get(&mut db, user)?.is_none() {
        fail!(1, "{user}: No such user");
    }
    Ok(0)
}

/// Ask for the admin password (3 tries; 3 failures disable admin).
fn check_admin_password(ctx: &Ctx, db: &mut Db) -> Result<(), AppletError> {
    let Some(admin) = mgmtaccess::get(db, "admin")? else {
        fail!(1, "admin: No such user");
    };
    for _ in 0..3 {
        let pw = ask("(current admin) Password: ")?;
        if !admin.is_disabled(today(now_epoch())) && passwd::verify(pw.as_bytes(), &admin.pass) {
            return Ok(());
        }
        mgmtaccess::record_failure(db, "admin", today(now_epoch()))?;
    }
    let _ = ctx;
    mgmtaccess::disable(db, "admin", today(now_epoch()))?;
    fail!(1, "Login incorrect or you are disabled")
}

fn add(ctx: &mut Ctx, user: &str, pw: Option<&str>) -> AppletResult {
    let mut db = open(ctx)?;
    let now = now_epoch();
    if user != "admin" && mgmtaccess::get(&mut db, "admin")?.is_none() {
        let apw = ask("New Admin password: ")?;
        if let Err(m) = check_policy(&apw) {
            fail!(1, "{m}");
        }
        eprintln!("Creating user admin");
        let h = hash(ctx, &apw)?;
        mgmtaccess::insert(
            &mut db,
            "admin",
            &h,
            sys::getuid(),
            sys::getgid(),
            now,
            today(now),
        )?;
    }
    if !is_root() {
        check_admin_password(ctx, &mut db)?;
    }
    if !crate::admin::login::valid_user(user) {
        fail!(1, "mgmtpass: invalid user name [{user}]");
    }
    if mgmtaccess::get(&mut db, user)?.is_some() {
        fail!(1, "mgmtpass: User {user} exists");
    }
    let pw = match pw {
        Some(p) => p.to_string(),
        None => ask("New password: ")?,
    };
    if let Err(m) = check_policy(&pw) {
        fail!(1, "{m}");
    }
    let h = hash(ctx, &pw)?;
    match mgmtaccess::insert(
        &mut db,
        user,
        &h,
        sys::getuid(),
        sys::getgid(),
        now,
        today(now),
    ) {
        Ok(_) => Ok(0),
        Err(e) if e.is_duplicate() => fail!(1, "mgmtpass: User {user} exists"),
        Err(e) => Err(AppletError::new(255, e.to_string())),
    }
}

fn change_interactively(ctx: &mut Ctx, user: &str) -> AppletResult {
    let mut db = open(ctx)?;
    let Some(row) = mgmtaccess::get(&mut db, user)? else {
        fail!(1, "Login incorrect or you are disabled");
    };
    let mut old = None;
    for _ in 0..3 {
        let pw = ask("Old password: ")?;
        if !row.is_disabled(today(now_epoch())) && passwd::verify(pw.as_bytes(), &row.pass) {
            old = Some(pw);
            break;
        }
        mgmtaccess::record_failure(&mut db, user, today(now_epoch()))?;
    }
    let Some(old) = old else {
        mgmtaccess::disable(&mut db, user, today(now_epoch()))?;
        fail!(1, "Login incorrect or you are disabled");
    };
    for _ in 0..6 {
        let new = ask("New password: ")?;
        if let Err(m) = check_policy(&new) {
            eprintln!("{m}");
            continue;
        }
        if new == old {
            eprintln!("Your passwd cannot be same as the previous one");
            continue;
        }
        let again = ask("Re-enter new password: ")?;
        if again != new {
            eprintln!("They don't match; try again.");
            continue;
        }
        return set_password(ctx, user, &new);
    }
    fail!(1, "passwd: Too many tries; try again later.")
}

#[cfg(test)]
mod tests {
    use super::check_policy;

    #[test]
    fn policy() {
        assert_eq!(
            check_policy("Abc1"),
            Err("passwd must be of minimum 8 chars")
        );
        assert_eq!(check_policy("Abc1 xyz9"), Err("whitespace not allowed"));
        assert_eq!(
            check_policy("Abcc1xyz"),
            Err("two consequtive chars cannot be same")
        );
        assert_eq!(
            check_policy("Abcdefgh"),
            Err("passwd must be alpha-numeric")
        );
        assert_eq!(
            check_policy("12345678"),
            Err("passwd must be alpha-numeric")
        );
        assert_eq!(check_policy("Help#pw1"), Ok(()));
    }
}
