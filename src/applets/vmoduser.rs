//! vmoduser: change a user's flags, comment, quota, password or state.

use super::{parse_args, reject_uppercase, Applet, Ctx};
use crate::address::split_email;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::ops::moduser::{self, FlagChange, Modification, FLAG_OPTIONS};
use crate::ops::user::Password;
use crate::{domain, fail, hooks, sys};

const USAGE: &str = "usage: vmoduser [options] email_addr
options: -v                       (verbose)
         -n                       (Inactive<->Active Toggle)
         -q quota                 (set quota to quota bytes, +/- to increase/decrease curr value)
         -c comment               (set the comment/gecos field)
         -P passwd                (set the password field)
         -e                       (set the encrypted password field as given by -P option)
         -h hash                  (use one of DES, MD5, SHA256, SHA512, YESCRYPT hash)
         -C                       (Store clear txt password in database)
         -D date format           (Delivery to a Date Folder)
         -l vacation_message_file (sets up Auto Responder)
                                  (some special values for vacation_message_file)
                                  ('-' to remove vacation, '+' to take mesage from stdin)
         -H                       (display this usage)

the following options are bit flags in the gid int field
         -t ( toggle bit flags in the gid int field for below operations )
         -u ( set no dialup flag )
         -d ( set no password changing flag )
         -p ( set no pop access flag )
         -w ( set no web mail access flag )
         -s ( set no smtp access flag )
         -i ( set no imap access flag )
         -b ( set bounce mail flag )
         -r ( set no external relay flag )
         -o ( set domain limit override privileges)
         -a ( grant administrator privileges)
         -0 ( set V_USER0 flag )
         -1 ( set V_USER1 flag )
         -2 ( set V_USER2 flag )
         -3 ( set V_USER3 flag )
         -x ( clear all flags )";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('n', "toggle active/inactive"),
    OptSpec::value(
        'q',
        "quota",
        "NOQUOTA, bytes (k/m/g suffix, optional ,count), or +bytes/-bytes relative to the current quota",
    ),
    OptSpec::value('c', "comment", "set the comment (gecos)"),
    OptSpec::value('P', "passwd", "set the password (clear text, hashed here)"),
    OptSpec::value('e', "passwd", "set the password, already encrypted"),
    OptSpec::value(
        'h',
        "hash",
        "hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT",
    ),
    OptSpec::flag('C', "store the clear-text password ({CRAM}) in the scram column"),
    OptSpec::value('m', "method", "CRAM (SCRAM methods are not supported)"),
    OptSpec::value('S', "salt", "SCRAM salt (not supported)"),
    OptSpec::value('I', "iter", "SCRAM iteration count (not supported)"),
    OptSpec::value('D', "format", "date format for date-folder delivery"),
    OptSpec::value('l', "file", "vacation message file ('-' removes, '+' reads stdin)"),
    OptSpec::flag('H', "display the usage"),
    OptSpec::flag('t', "toggle the flag bits given instead of setting them"),
    OptSpec::flag('u', "set the no-dialup flag"),
    OptSpec::flag('d', "set the no-password-change flag"),
    OptSpec::flag('p', "set the no-POP flag"),
    OptSpec::flag('w', "set the no-webmail flag"),
    OptSpec::flag('s', "set the no-SMTP flag"),
    OptSpec::flag('i', "set the no-IMAP flag"),
    OptSpec::flag('b', "set the bounce-mail flag"),
    OptSpec::flag('r', "set the no-relay flag"),
    OptSpec::flag('o', "set the domain-limit override flag"),
    OptSpec::flag('a', "grant administrator privileges"),
    OptSpec::flag('0', "set V_USER0"),
    OptSpec::flag('1', "set V_USER1"),
    OptSpec::flag('2', "set V_USER2"),
    OptSpec::flag('3', "set V_USER3"),
    OptSpec::flag('4', "accepted and ignored"),
    OptSpec::flag('5', "accepted and ignored"),
    OptSpec::flag('6', "accepted and ignored"),
    OptSpec::flag('7', "accepted and ignored"),
    OptSpec::flag('8', "accepted and ignored"),
    OptSpec::flag('9', "accepted and ignored"),
    OptSpec::flag('x', "clear all flags"),
    OptSpec::long_flag(
        "delete-mail",
        "with -n on an active user: delete the home directory and mail, as the original does",
    ),
];

pub const APPLET: Applet = Applet {
    name: "vmoduser",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "modify a user of a virtual domain",
    synopsis: "[options] email_addr",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(100, format!("vmoduser: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    if p.has("H") {
        return Err(usage());
    }
    let hash_opt = super::vadduser::hash_option("vmoduser", p.value("h"), USAGE)?;
    if let Some(m) = p.value("m") {
        if m != "CRAM" {
            fail!(
                100,
                "vmoduser: warning: {m}: SCRAM methods are not supported; use CRAM or omit -m"
            );
        }
    }
    if p.has("S") || p.has("I") {
        fail!(
            100,
            "vmoduser: warning: -S/-I (SCRAM salt and iteration count) are not supported"
        );
    }
    let Some(email) = p.operands.first() else {
        return Err(usage());
    };
    reject_uppercase("vmoduser", email)?;
    if email.is_empty() {
        return Err(usage());
    }
    // -e and -P both give the password; the last one wins, -h forces hashing.
    let password_opt = p
        .opts
        .iter()
        .rev()
        .find(|(k, _)| k == "P" || k == "e")
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()));
    if p.has("C") && password_opt.is_none() {
        fail!(100, "vmoduser: warning: Password not provided\n{USAGE}");
    }
    let cfg = ctx.cfg.clone();
    let (user, dname) = split_email(&cfg, email);
    let Some(real) = domain::real_domain(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("vmoduser: {e}")))?
    else {
        fail!(1, "vmoduser: warning: {dname}: No such domain");
    };
    let Some(dom) =
        domain::lookup(&cfg, &real).map_err(|e| AppletError::new(111, format!("vmoduser: {e}")))?
    else {
        fail!(1, "vmoduser: warning: {real}: domain does not exist");
    };
    if dom.uid == 0 {
        fail!(100, "vmoduser: warning: domain {real} with uid 0");
    }
    if !sys::caller_may_act_as(dom.uid, dom.gid) {
        fail!(
            100,
            "vmoduser: warning: you must be root or domain user (uid={}, gid={}) to run this program",
            dom.uid,
            dom.gid
        );
    }
    if let Some(file) = p.value("l") {
        // -l is the vacation applet's admin mode; nothing else is done.
        let Some(vacation) = super::find("vacation") else {
            fail!(
                100,
                "vmoduser: -l: the vacation auto-responder is not available in this build (vacation is not implemented yet); nothing was changed"
            );
        };
        return (vacation.run)(ctx, &[email.clone(), file.to_string()]);
    }
    let mut mask = 0i64;
    for (k, _) in &p.opts {
        if let Some((_, bit)) = FLAG_OPTIONS
            .iter()
            .find(|(c, _)| k.len() == 1 && k.starts_with(*c))
        {
            mask |= bit;
        }
    }
    let flags = if p.has("x") {
        FlagChange::Clear
    } else if mask == 0 {
        FlagChange::None
    } else if p.has("t") {
        FlagChange::Toggle(mask)
    } else {
        FlagChange::Set(mask)
    };
    let password = match password_opt {
        None => None,
        Some((k, v)) => {
            let hash = domain::effective_hash(&cfg, Some(&dom.dir), hash_opt)
                .map_err(|e| AppletError::new(111, format!("vmoduser: fatal: {e}")))?;
            let pw = if k == "e" && hash_opt.is_none() {
                Password::Encrypted(v)
            } else {
                Password::Clear(v)
            };
            Some((pw, hash, p.has("C")))
        }
    };
    let m = Modification {
        gecos: p.value("c").map(str::to_string),
        password,
        flags,
        quota: p.value("q").map(str::to_string),
        toggle_active: p.has("n"),
        delete_mail: p.has("delete-mail"),
        date_format: p.value("D").map(str::to_string),
        verbose: p.has("v"),
    };
    let mut db = crate::cluster::user_db(&cfg, &user, &dname)?;
    if sys::geteuid() == 0 {
        sys::switch_to(dom.uid, dom.gid).map_err(|e| {
            AppletError::new(
                111,
                format!(
                    "vmoduser: fatal: setuser_privileges: ({}/{}): {e}",
                    dom.uid, dom.gid
                ),
            )
        })?;
    }
    let out = &mut ctx.out;
    let mut print = |l: &str| out.line(l);
    moduser::modify(&mut db, &dom, &user, &m, &mut print)?;
    drop(db);
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, args).map_err(|e| AppletError::new(111, e))
}
