//! vadddomain: create a virtual domain with its postmaster.

use std::path::PathBuf;

use super::vadduser::hash_option;
use super::{new_password, parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::Db;
use crate::ops::domain::{self, NewDomain};
use crate::ops::user::Password;
use crate::{fail, hooks, sys};

const USAGE: &str = "usage: vaddomain [options] virtual_domain [postmaster password]
options
  -V                         - print version number
  -v                         - verbose
  -q quota_in_bytes          - sets the quota for postmaster account
  -l level                   - users per level
  -R                         - Do recipient check for this domain
  -E [email_address|maildir] - forwards all non matching user to this address [*]
  -u user                    - sets the uid/gid based on a user in /etc/passwd
  -B basepath                - specify the base directory for postmaster's home directory
  -d dir                     - sets the dir to use for this domain
  -i uid                     - sets the uid to use for this domain
  -g gid                     - sets the gid to use for this domain
  -f                         - sets the Domain with VFILTER capability
  -t                         - sets the Domain for ETRN/ATRN
  -T ipaddr                  - sets the Domain for ETRN/AUTOTURN from IP ipaddr
  -O                         - optimize adding, for bulk adds set this for all
                               except the last one
  -r len                     - generate a random password of length=len
  -e password                - set the encrypted password field
  -h hash                    - use one of DES, MD5, SHA256, SHA512, YESCRYPT, hash method
  -C                         - store clear txt password in database
  -D database                - database name. adds a clustered domain, extra
                               options apply as below
  -H host                    - sqlServer host/IP
  -U user                    - database User
  -P pass                    - database Password
  -p port                    - database Port
  -c                         - add domain as a clustered domain";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('a', "accepted and ignored"),
    OptSpec::flag('b', "accepted and ignored"),
    OptSpec::flag('t', "ETRN/ATRN domain"),
    OptSpec::flag('e', "the postmaster password is already encrypted"),
    OptSpec::value(
        'h',
        "hash",
        "hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT",
    ),
    OptSpec::value('T', "ipaddr", "ETRN/AUTOTURN domain for this IP"),
    OptSpec::value('q', "quota", "postmaster quota"),
    OptSpec::value('l', "level", "users per directory level"),
    OptSpec::value('B', "basepath", "base directory for user homes"),
    OptSpec::value(
        'E',
        "address",
        "catch-all: deliver unmatched addresses here (address or Maildir)",
    ),
    OptSpec::value('u', "user", "take uid/gid from this system user"),
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('R', "add the domain to chkrcptdomains"),
    OptSpec::value('i', "uid", "uid of the domain"),
    OptSpec::value('g', "gid", "gid of the domain"),
    OptSpec::value(
        'd',
        "dir",
        "parent directory of domains/ instead of DOMAINDIR",
    ),
    OptSpec::flag(
        'O',
        "optimize bulk adds (accepted; our cdb is always rebuilt)",
    ),
    OptSpec::value(
        'r',
        "len",
        "generate a random postmaster password of this length",
    ),
    OptSpec::flag('C', "store the clear-text password ({CRAM})"),
    OptSpec::value('D', "database", "clustered: database name"),
    OptSpec::value('H', "host", "clustered: SQL server host"),
    OptSpec::value('U', "user", "clustered: database user"),
    OptSpec::value('P', "pass", "clustered: database password"),
    OptSpec::value('s', "ssl", "clustered: use SSL"),
    OptSpec::value('p', "port", "clustered: database port"),
    OptSpec::flag('c', "clustered domain"),
    OptSpec::flag('f', "deliver through vfilter"),
    OptSpec::value('m', "method", "CRAM (SCRAM methods are not supported)"),
    OptSpec::value('S', "salt", "SCRAM salt"),
    OptSpec::value('I', "iter", "SCRAM iteration count"),
    OptSpec::long_flag(
        "password-stdin",
        "read the postmaster password from the first line of stdin",
    ),
];

pub const APPLET: Applet = Applet {
    name: "vadddomain",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "add a virtual domain",
    synopsis: "[options] virtual_domain [postmaster_password]",
    options: OPTIONS,
    run,
};

fn usage_err(code: i32, msg: &str) -> AppletError {
    AppletError::new(code, format!("{msg}{USAGE}"))
}

fn number(opt: &str, v: &str) -> Result<u32, AppletError> {
    v.parse().map_err(|_| {
        AppletError::new(
            100,
            format!("vadddomain: warning: invalid value for -{opt}: {v}"),
        )
    })
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage_err(100, "vadddomain: warning: "))?;
    let hash_opt = hash_option("vadddomain", p.value("h"), USAGE)?;
    let Some(name) = p.operands.first().cloned() else {
        return Err(usage_err(
            100,
            "vadddomain: warning: Domain not specified\n",
        ));
    };
    if let Err((code, msg)) = domain::check_name(&name) {
        return Err(AppletError::new(code, msg));
    }
    let cluster = if p.has("c") || p.has("D") {
        let (Some(h), Some(d), Some(u), Some(pw), Some(port)) = (
            p.value("H"),
            p.value("D"),
            p.value("U"),
            p.value("P"),
            p.value("p"),
        ) else {
            return Err(usage_err(
                100,
                "vadddomain: warning: specify sqlserver, database, dbuser, dbpass and dbport\n",
            ));
        };
        let num = |v: &str, what: &str| {
            v.parse::<i32>().map_err(|_| {
                AppletError::new(100, format!("vadddomain: warning: invalid {what} [{v}]"))
            })
        };
        for (what, v) in [
            ("sqlserver", h),
            ("database", d),
            ("dbuser", u),
            ("dbpass", pw),
        ] {
            if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c == '#') {
                fail!(100, "vadddomain: warning: invalid {what} [{v}]");
            }
        }
        Some(crate::db::cluster::DbInfo {
            domain: name.clone(),
            distributed: i32::from(p.has("c")),
            server: h.into(),
            mdahost: String::new(),
            port: num(port, "dbport")?,
            use_ssl: p
                .value("s")
                .map(|s| num(s, "ssl"))
                .transpose()?
                .unwrap_or(1),
            database: d.into(),
            user: u.into(),
            password: pw.into(),
            local: false,
        })
    } else {
        None
    };
    let autoturn = p.has("t") || p.has("T");
    if autoturn && p.has("B") {
        return Err(usage_err(
            100,
            "vadddomain: warning: option -B not valid for ETRN/ATRN/AUTORUN\n",
        ));
    }
    if let Some(e) = p.value("E") {
        if !e.contains('@') && !e.starts_with('/') {
            fail!(100, "vadddomain: warning: Invalid bounce email address {e}");
        }
    }
    let cfg = ctx.cfg.clone();
    let (iuid, igid) = cfg.indimail_ids().map_err(|e| AppletError::new(111, e))?;
    if !sys::caller_may_act_as(iuid, igid) {
        fail!(
            100,
            "vadddomain: warning: you must be root or domain user (uid={iuid}, gid={igid}) to run this program"
        );
    }
    sys::become_root()
        .map_err(|e| AppletError::new(111, format!("vadddomain: fatal: setuid: {e}")))?;
    let (mut uid, mut gid) = (iuid, igid);
    if let Some(u) = p.value("u") {
        match sys::getpwnam(u) {
            Ok(Some(pw)) if pw.uid == 0 => fail!(100, "vadddomain: warning: user {u} has uid=0"),
            Ok(Some(pw)) => (uid, gid) = (pw.uid, pw.gid),
            _ => fail!(
                100,
                "vadddomain: warning: user {u} not found in /etc/passwd"
            ),
        }
    }
    if let Some(i) = p.value("i") {
        uid = number("i", i)?;
    }
    if let Some(g) = p.value("g") {
        gid = number("g", g)?;
    }
    if autoturn {
        crate::ops::autoturn::add(&cfg, &name, p.value("T"), uid, gid, Some((iuid, igid)))?;
        ctx.out.flush();
        return hooks::post_handle(&cfg, APPLET.name, args).map_err(|e| AppletError::new(111, e));
    }
    let users_per_level = match p.value("l") {
        Some(l) => Some(l.parse::<u64>().map_err(|_| {
            AppletError::new(
                100,
                format!("vadddomain: warning: invalid users per level [{l}]"),
            )
        })?),
        None => None,
    };
    if let Some(q) = p.value("q") {
        if q != "NOQUOTA" {
            crate::mailstore::quota::validate_quota_arg(q).map_err(|e| {
                AppletError::new(
                    100,
                    format!("vadddomain: warning: invalid quota [{q}]: {e}"),
                )
            })?;
        }
    }
    let hash = crate::domain::effective_hash(&cfg, None, hash_opt)
        .map_err(|e| AppletError::new(111, format!("vadddomain: fatal: {e}")))?;

    let random = match p.value("r") {
        Some(r) => Some(r.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            AppletError::new(
                100,
                format!("vadddomain: warning: invalid password length [{r}]"),
            )
        })?),
        None => None,
    };
    let (clear, _) = new_password("vadddomain", &p, 1, random, &format!("postmaster@{name}"))?;
    let base_path = p
        .value("B")
        .map(PathBuf::from)
        .unwrap_or_else(|| cfg.base_path.clone());
    let nd = NewDomain {
        name: name.clone(),
        uid,
        gid,
        parent: p
            .value("d")
            .map(PathBuf::from)
            .unwrap_or_else(|| cfg.domaindir.clone()),
        write_base_path: p.has("B"),
        base_path,
        users_per_level,
        hash_option: p.value("h").map(str::to_string),
        hash,
        vfilter: p.has("f"),
        catch_all: p.value("E").map(str::to_string),
        chkrcpt: p.has("R"),
        postmaster_password: if p.has("e") && hash_opt.is_none() {
            Password::Encrypted(clear.clone())
        } else {
            Password::Clear(clear.clone())
        },
        store_cram: p.has("C"),
        postmaster_quota: p.value("q").map(str::to_string),
        control_owner: Some((iuid, igid)),
        cluster,
    };
    let mut db = Db::open(&cfg)?;
    let mut lines = Vec::new();
    domain::add(&cfg, &mut db, &nd, &mut |l| lines.push(l.to_string()))?;
    drop(db);
    if random.is_some() && p.operands.get(1).is_none() {
        ctx.out.line(&format!("Password is {clear}"));
    }
    for l in lines {
        ctx.out.line(&l);
    }
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, args).map_err(|e| AppletError::new(111, e))
}
