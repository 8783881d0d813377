//! vpasswd: change a user's password.

use super::vadduser::hash_option;
use super::{check_password_method, new_password, parse_args, reject_uppercase, Applet, Ctx};
use crate::address::split_email;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::users;
use crate::ops::user::{self, Password};
use crate::{domain, fail, hooks};

const USAGE: &str = "usage: vpasswd [options] email_address [password]
options: -v (verbose)
         -h hash
         -e encrypted password (set the encrypted password field)
         -r Generate a random password of specfied length
         -C Store clear txt password in database";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('e', "the password given is already encrypted"),
    OptSpec::value(
        'h',
        "hash",
        "hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT",
    ),
    OptSpec::value('r', "len", "generate a random password of this length"),
    OptSpec::flag(
        'C',
        "store the clear-text password ({CRAM}) in the scram column",
    ),
    OptSpec::value('m', "method", "CRAM (SCRAM methods are not supported)"),
    OptSpec::value('S', "salt", "SCRAM salt"),
    OptSpec::value('I', "iter", "SCRAM iteration count"),
    OptSpec::long_flag(
        "password-stdin",
        "read the password from the first line of stdin",
    ),
];

pub const APPLET: Applet = Applet {
    name: "vpasswd",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "change the password of a virtual-domain user",
    synopsis: "[options] email_address [password]",
    options: OPTIONS,
    run,
};

/// User flag: the user may not change the password.
const NO_PASSWD_CHNG: i64 = 0x01;

fn usage() -> AppletError {
    AppletError::new(1, format!("vpasswd: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let hash_opt = hash_option("vpasswd", p.value("h"), USAGE)?;
    check_password_method("vpasswd", &p)?;
    let Some(email) = p.operands.first() else {
        return Err(usage());
    };
    reject_uppercase("vpasswd", email)?;
    let cfg = ctx.cfg.clone();
    let (user, dname) = split_email(&cfg, email);
    if dname.is_empty() {
        fail!(1, "{user}: No domain specified");
    }
    let Some(dom) = domain::resolve(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("vpasswd: {e}")))?
    else {
        fail!(1, "{dname}: No such domain\n");
    };
    let mut db = crate::cluster::user_db(&cfg, &user, &dom.name)?;
    let Some((row, _)) = users::get(&mut db, &user, &dom.name)? else {
        fail!(1, "vpasswd: {user}@{}: No such user", dom.name);
    };
    if row.gid & NO_PASSWD_CHNG != 0 {
        fail!(255, "ipasswd: User not allowed to change password");
    }
    let random = p.value("r").map(|r| r.parse::<usize>().unwrap_or(8).max(1));
    let (clear, generated) = new_password("vpasswd", &p, 1, random, email)?;
    if generated {
        eprintln!("Generated random passwd [{clear}]");
    }
    let password = if p.has("e") && hash_opt.is_none() {
        Password::Encrypted(clear)
    } else {
        Password::Clear(clear)
    };
    let hash = domain::effective_hash(&cfg, Some(&dom.dir), hash_opt)
        .map_err(|e| AppletError::new(111, format!("vpasswd: fatal: {e}")))?;
    user::change_password(&mut db, &row, &password, hash, p.has("C"))?;
    drop(db);
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, &[format!("{user}@{}", dom.name)])
        .map_err(|e| AppletError::new(111, e))
}
