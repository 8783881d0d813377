//! vgroup: create mail groups and manage their members.

use super::{check_password_method, new_password, parse_args, reject_uppercase, Applet, Ctx};
use crate::address::split_email;
use crate::applets::vadduser::hash_option;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{users, valias};
use crate::mailstore::quota;
use crate::ops::group;
use crate::ops::user::{self, NewUser, Password};
use crate::{domain, fail, sys};

const USAGE: &str = "usage1: vgroup -a [-cqvVhmI] groupAddress [password]
usage2: vgroup    [-iduovV]  groupAddress

options
  -V                - print version number
  -v                - verbose
  -a                - add new group
  -r len            - generate a random password of length=len
  -e password       - set the encrypted password field
  -h hash           - use one of DES, MD5, SHA256, SHA512, YESCRYPT, hash method
  -C                - store clear txt password in database
  -H hostid         - host on which the group needs to be created - specify hostid
  -M mdahost        - host on which the group needs to be created - specify mdahost
  -n                - Ignore requirement of of groupAddress to be local
  -c comment        - sets the gecos comment field
  -q quota_in_bytes - sets the users quota
  -i member_address - insert member to group
  -d member_address - delete member from group
  -u new -o old     - update old member with a new address)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('a', "add a new group"),
    OptSpec::flag(
        'n',
        "accepted (clustered sites: the group need not be local)",
    ),
    OptSpec::value(
        'c',
        "comment",
        "gecos comment (stored as MailGroup <comment>)",
    ),
    OptSpec::value('i', "member", "add a member"),
    OptSpec::value('d', "member", "remove a member"),
    OptSpec::value('u', "new", "new member address (with -o)"),
    OptSpec::value('o', "old", "member address to replace (with -u)"),
    OptSpec::value('q', "quota", "quota of the group mailbox"),
    OptSpec::flag(
        'C',
        "store the clear-text password ({CRAM}) in the scram column",
    ),
    OptSpec::value('r', "len", "generate a random password of this length"),
    OptSpec::flag('e', "the password given is already encrypted"),
    OptSpec::value(
        'h',
        "hash",
        "hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT",
    ),
    OptSpec::value('H', "hostid", "clustered: create on this host id"),
    OptSpec::value('M', "mdahost", "clustered: create on this mail store"),
    OptSpec::value('m', "method", "CRAM (SCRAM methods are not supported)"),
    OptSpec::value('S', "salt", "SCRAM salt"),
    OptSpec::value('I', "iter", "SCRAM iteration count"),
    OptSpec::long_flag("list", "list the group's members"),
    OptSpec::long_flag("json", "list the group as JSON (see docs/json.md)"),
    OptSpec::long_flag(
        "password-stdin",
        "read the password from the first line of stdin",
    ),
];

pub const APPLET: Applet = Applet {
    name: "vgroup",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "create mail groups and manage their members",
    synopsis:
        "-a [options] groupAddress [password] | [-i member|-d member|-u new -o old] groupAddress",
    options: OPTIONS,
    run,
};

fn usage(msg: &str) -> AppletError {
    AppletError::new(1, format!("{msg}vgroup: warning: {USAGE}"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Add,
    Insert,
    Delete,
    Update,
    List,
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage(""))?;
    let mut mode = None;
    for (k, v) in &p.opts {
        let v = v.as_deref().unwrap_or("");
        let m = match k.as_str() {
            "a" => Mode::Add,
            "i" => Mode::Insert,
            "d" => Mode::Delete,
            "u" | "o" => Mode::Update,
            _ => continue,
        };
        if (m == Mode::Add && mode.is_some()) || (m != Mode::Add && mode == Some(Mode::Add)) {
            return Err(usage(""));
        }
        if m != Mode::Add && m != Mode::Delete && v.is_empty() {
            return Err(usage("You cannot have an empty email address\n"));
        }
        mode = Some(m);
    }
    let hash_opt = hash_option("vgroup", p.value("h"), USAGE)?;
    check_password_method("vgroup", &p)?;
    let Some(group_addr) = p.operands.first() else {
        return Err(usage(""));
    };
    reject_uppercase("vgroup", group_addr)?;
    if mode == Some(Mode::Update) && (p.value("u").is_none() || p.value("o").is_none()) {
        return Err(usage(""));
    }
    if mode.is_none() && (p.has("list") || p.has("json")) {
        mode = Some(Mode::List);
    }
    let Some(mode) = mode else {
        return Err(usage(""));
    };
    let random_len = match p.value("r") {
        Some(r) => Some(r.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            AppletError::new(
                100,
                format!("vgroup: warning: invalid password length [{r}]"),
            )
        })?),
        None => None,
    };
    let quota_arg = p.value("q").filter(|q| !q.is_empty());
    if let Some(q) = quota_arg {
        if q != "NOQUOTA" {
            quota::validate_quota_arg(q)
                .map_err(|e| AppletError::new(100, format!("vgroup: parse_quota: {q}: {e}")))?;
        }
    }

    let cfg = ctx.cfg.clone();
    let (user, dname) = split_email(&cfg, group_addr);
    if dname.is_empty() {
        fail!(1, "{user}: No domain specified");
    }
    let Some(real) = domain::real_domain(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("vgroup: {e}")))?
    else {
        fail!(1, "{dname}: No such domain");
    };
    let Some(dom) =
        domain::lookup(&cfg, &real).map_err(|e| AppletError::new(111, format!("vgroup: {e}")))?
    else {
        fail!(1, "{real}: No such domain");
    };
    if mode != Mode::List && !sys::caller_may_act_as(dom.uid, dom.gid) {
        fail!(
            1,
            "vgroup: you must be root or domain user (uid={}/gid={}) to run this program",
            dom.uid,
            dom.gid
        );
    }
    let verbose = p.has("v");
    // The group account lives on a mail store like any user (-M/-H choose it when adding).
    let (mut db, mut cntrl) = if mode == Mode::Add {
        let t = crate::cluster::new_user_target(&cfg, &user, &real, p.value("M"), p.value("H"))?;
        (t.db, t.cntrl)
    } else {
        (crate::cluster::user_db(&cfg, &user, &real)?, None)
    };
    match mode {
        Mode::List => {
            let account = users::get(&mut db, &user, &real)?;
            let members = valias::lines(&mut db, &user, &real)?;
            if account.is_none() && members.is_empty() {
                fail!(1, "vgroup: {user}@{real}: No such group");
            }
            if p.has("json") {
                let v = serde_json::json!({
                    "group": format!("{user}@{real}"),
                    "gecos": account.as_ref().map(|(r, _)| r.gecos.clone()),
                    "is_mail_group": account.as_ref().is_some_and(|(r, _)| r.gecos.starts_with("MailGroup ")),
                    "members": members,
                });
                let text = serde_json::to_string_pretty(&v)
                    .map_err(|e| AppletError::new(111, format!("vgroup: json: {e}")))?;
                ctx.out.line(&text);
            } else {
                for m in &members {
                    ctx.out.line(m);
                }
            }
            Ok(0)
        }
        Mode::Add => {
            let (password, _) = new_password("vgroup", &p, 1, random_len, group_addr)?;
            if password.is_empty() {
                fail!(1, "vgroup: warning: empty password refused");
            }
            let quota = match quota_arg {
                Some("NOQUOTA") => Some("NOQUOTA".to_string()),
                Some(q) => {
                    let (bytes, _) = quota::parse_quota(q).map_err(|e| {
                        AppletError::new(100, format!("vgroup: parse_quota: {q}: {e}"))
                    })?;
                    Some(match q.find(',') {
                        Some(i) => format!("{bytes}{}", &q[i..]),
                        None => bytes.to_string(),
                    })
                }
                None => None,
            };
            let base_path = match dom.base_path() {
                Ok(Some(l)) if l.len() >= 3 => std::path::PathBuf::from(l),
                _ => cfg.base_path.clone(),
            };
            let hash = domain::effective_hash(&cfg, Some(&dom.dir), hash_opt)
                .map_err(|e| AppletError::new(111, format!("vgroup: fatal: {e}")))?;
            if sys::geteuid() == 0 {
                sys::switch_to(dom.uid, dom.gid).map_err(|e| {
                    AppletError::new(
                        1,
                        format!("vgroup: setuser_privileges: ({}/{}): {e}", dom.uid, dom.gid),
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
                gecos: Some(group::gecos(p.value("c"), &user)),
                quota,
                users_per_level: 0,
                base_path,
                create_home: false,
                inactive: false,
            };
            user::add(&cfg, &mut db, &dom, &nu)?;
            crate::cluster::register_new_user(&mut db, cntrl.as_mut(), &user, &real)?;
            if random_len.is_some() && p.operands.get(1).is_none() {
                ctx.out.line(&format!("Password is {password}"));
            }
            Ok(0)
        }
        Mode::Insert => {
            let line = group::member_line(p.value("i").unwrap_or(""))?;
            group::insert(&mut db, &user, &real, &line)?;
            if verbose {
                ctx.out.line(&format!("Added alias {user}@{real}"));
            }
            Ok(0)
        }
        Mode::Delete => {
            let line = group::member_line(p.value("d").unwrap_or(""))?;
            let n = valias::delete_line(&mut db, &user, &real, &line)?;
            if verbose {
                ctx.out.line(&if n > 0 {
                    format!("Deleted alias line {line} for alias {user}@{real} ({n}) entries")
                } else {
                    format!("No alias line {line} for alias {user}@{real}")
                });
            }
            Ok(0)
        }
        Mode::Update => {
            let new = group::member_line(p.value("u").unwrap_or(""))?;
            let old = group::member_line(p.value("o").unwrap_or(""))?;
            let n = group::update(&mut db, &user, &real, &old, &new)?;
            if verbose {
                ctx.out.line(&format!(
                    "Updated alias line {new} for alias {user}@{real} ({n} entries)"
                ));
            }
            Ok(0)
        }
    }
}
