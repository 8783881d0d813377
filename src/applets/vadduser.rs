//! vadduser: add a mailbox to a virtual domain.

use std::path::PathBuf;

use super::{check_password_method, new_password, parse_args, reject_uppercase, Applet, Ctx};
use crate::address::split_email;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::config::first_line;
use crate::domain;
use crate::mailstore::quota;
use crate::ops::user::{self, NewUser, Password};
use crate::passwd::HashMethod;
use crate::{fail, hooks, sys};

const USAGE: &str = "usage: vadduser [options] email_address [password]
options
  -V              - (print version number)
  -v              - (verbose)
  -q              - quota (in bytes) (sets the users quota)
  -l level        - users per level
  -c              - comment (sets the gecos comment field)
  -b              - Balance distribution across filesystems
  -B basepath     - Specify the base directory for user's home directory
  -d              - Create the homedir (ignored if -h option is given)
  -r len          - generate a random password of length=len
  -e password     - set the encrypted password field
  -h hash         - use one of DES, MD5, SHA256, SHA512, YESCRYPT, hash method
  -C              - Store clear txt password in database
  -M mdahost      - (host on which the account needs to be created - specify mdahost)
  -H hostid       - (host on which the account needs to be created - specify hostid)
  -i              - (sets the account as inactive)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::value(
        'q',
        "quota",
        "quota: NOQUOTA, bytes with an optional k/m/g suffix, or bytes,count",
    ),
    OptSpec::value('l', "level", "users per directory level"),
    OptSpec::value('c', "comment", "comment (gecos)"),
    OptSpec::flag(
        'b',
        "balance homes across filesystems (base path from SYSCONFDIR/lastfstab)",
    ),
    OptSpec::value('B', "basepath", "base directory for the user's home"),
    OptSpec::flag('d', "create the home directory and Maildir now"),
    OptSpec::value('r', "len", "generate a random password of this length"),
    OptSpec::flag('e', "the password given is already encrypted"),
    OptSpec::value(
        'h',
        "hash",
        "hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT",
    ),
    OptSpec::flag(
        'C',
        "store the clear-text password ({CRAM}) in the scram column",
    ),
    OptSpec::value('m', "method", "CRAM (SCRAM methods are not supported)"),
    OptSpec::value('S', "salt", "SCRAM salt"),
    OptSpec::value('I', "iter", "SCRAM iteration count"),
    OptSpec::flag('i', "create the account inactive"),
    OptSpec::value('M', "mdahost", "clustered: create on this mail store"),
    OptSpec::value('H', "hostid", "clustered: create on this host id"),
    OptSpec::flag('a', "accepted and ignored"),
    OptSpec::long_flag(
        "password-stdin",
        "read the password from the first line of stdin",
    ),
];

pub const APPLET: Applet = Applet {
    name: "vadduser",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "add a user to a virtual domain",
    synopsis: "[options] email_address [password]",
    options: OPTIONS,
    run,
};

fn usage(code: i32, msg: &str) -> AppletError {
    AppletError::new(code, format!("vadduser: warning: {msg}{USAGE}"))
}

/// The hash method of `-h`, or the original's fatal message.
pub fn hash_option(
    prog: &str,
    value: Option<&str>,
    usage: &str,
) -> Result<Option<HashMethod>, AppletError> {
    match value {
        None => Ok(None),
        Some(v) => HashMethod::parse_option(v).map(Some).ok_or_else(|| {
            AppletError::new(
                100,
                format!(
                    "{prog}: fatal: wrong hash method {v}. Supported HASH Methods: DES MD5 SHA-256 SHA-512 YESCRYPT\n{usage}"
                ),
            )
        }),
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage(1, ""))?;
    let hash_opt = hash_option("vadduser", p.value("h"), USAGE)?;
    check_password_method("vadduser", &p)?;
    let Some(email) = p.operands.first() else {
        return Err(usage(1, "Please input email\n"));
    };
    reject_uppercase("vadduser", email)?;
    let random_len = match p.value("r") {
        Some(r) => Some(r.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            AppletError::new(
                100,
                format!("vadduser: warning: invalid password length [{r}]"),
            )
        })?),
        None => None,
    };
    let quota_arg = p.value("q").map(str::to_string);
    if let Some(q) = &quota_arg {
        if q != "NOQUOTA" {
            quota::validate_quota_arg(q).map_err(|e| {
                AppletError::new(100, format!("vadduser: warning: invalid quota [{q}]: {e}"))
            })?;
        }
    }
    let users_per_level = match p.value("l") {
        Some(l) => l.parse::<u64>().map_err(|_| {
            AppletError::new(
                100,
                format!("vadduser: warning: invalid users per level [{l}]"),
            )
        })?,
        None => 0,
    };

    let cfg = ctx.cfg.clone();
    let (user, dname) = split_email(&cfg, email);
    if dname.is_empty() {
        fail!(1, "{user}: No domain specified");
    }
    let real = domain::real_domain(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("vadduser: {e}")))?;
    let Some(real) = real else {
        fail!(1, "{dname}: No such domain");
    };
    let Some(dom) =
        domain::lookup(&cfg, &real).map_err(|e| AppletError::new(111, format!("vadduser: {e}")))?
    else {
        fail!(1, "{real}: domain does not exist");
    };
    if dom.uid == 0 {
        fail!(100, "vadduser: domain {real} with uid 0");
    }
    if !sys::caller_may_act_as(dom.uid, dom.gid) {
        fail!(
            1,
            "vadduser: you must be root or domain user (uid={}/gid={}) to run this program",
            dom.uid,
            dom.gid
        );
    }

    let (password, _) = new_password("vadduser", &p, 1, random_len, email).map_err(|e| {
        if e.code == 1 {
            usage(
                1,
                "Please input password
",
            )
        } else {
            e
        }
    })?;
    if password.is_empty() {
        return Err(usage(1, "Please input password\n"));
    }

    let base_path = if p.has("b") {
        let lastfstab = cfg.sysconfdir.join("lastfstab");
        match first_line(&lastfstab) {
            Ok(Some(l)) if !l.is_empty() => PathBuf::from(l),
            Ok(_) => fail!(
                1,
                "vadduser: {}: No such file or directory",
                lastfstab.display()
            ),
            Err(e) => fail!(1, "vadduser: {}: {e}", lastfstab.display()),
        }
    } else if let Some(b) = p.value("B") {
        PathBuf::from(b)
    } else {
        match dom.base_path() {
            Ok(Some(l)) if l.len() < 3 => fail!(
                255,
                "vadduser: {}: incomplete line",
                dom.file(".base_path").display()
            ),
            Ok(Some(l)) => PathBuf::from(l),
            Ok(None) => cfg.base_path.clone(),
            Err(e) => fail!(111, "vadduser: {}: {e}", dom.file(".base_path").display()),
        }
    };
    let hash = domain::effective_hash(&cfg, Some(&dom.dir), hash_opt)
        .map_err(|e| AppletError::new(111, format!("vadduser: fatal: {e}")))?;

    let mut target =
        crate::cluster::new_user_target(&cfg, &user, &real, p.value("M"), p.value("H"))?;
    if p.has("v") {
        if let Some(s) = &target.store {
            ctx.out.line(&format!(
                "Adding to MDAhost {} SqlServer {}",
                s.mdahost,
                crate::cluster::store_spec(s).masked()
            ));
        }
    }
    let on_store = target.store.is_some();
    let db = &mut target.db;
    let quota = match quota_arg.as_deref() {
        Some("NOQUOTA") => Some("NOQUOTA".to_string()),
        Some(q) => Some(
            user::quota_string(q)
                .map_err(|e| AppletError::new(100, format!("vadduser: {q}: {e}")))?,
        ),
        None if dom.limits_enabled() => crate::db::vlimits::default_quota(db, &real)?,
        None => None,
    };
    // Everything below is created as the domain's user, as the original does.
    if sys::geteuid() == 0 {
        sys::switch_to(dom.uid, dom.gid).map_err(|e| {
            AppletError::new(
                1,
                format!(
                    "vadduser: setuser_privileges: ({}/{}): {e}",
                    dom.uid, dom.gid
                ),
            )
        })?;
    }
    let nu = NewUser {
        user: user.clone(),
        password: if p.has("e") && hash_opt.is_none() {
            Password::Encrypted(password.clone())
        } else {
            Password::Clear(password.clone())
        },
        hash,
        store_cram: p.has("C"),
        gecos: p.value("c").map(str::to_string),
        quota,
        users_per_level,
        base_path,
        // On another mail store the home is made there (on first delivery), as the original.
        create_home: p.has("d") && !on_store,
        inactive: p.has("i"),
    };
    user::add(&cfg, db, &dom, &nu)?;
    crate::cluster::register_new_user(db, target.cntrl.as_mut(), &user, &real)?;
    drop(target);
    if random_len.is_some() && p.operands.get(1).is_none() {
        ctx.out.line(&format!("Password is {password}"));
    }
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, &[format!("{user}@{real}")])
        .map_err(|e| AppletError::new(111, e))
}
