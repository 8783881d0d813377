//! vuserinfo: show a user's record, quota, activity and forwards.

use super::vsetuserquota::require_indimail;
use super::{parse_args, Applet, Ctx};
use crate::address::split_email;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult, Out};
use crate::db::Db;
use crate::ops::userinfo::{self, Activity, Event, Lookup, UserInfo};
use crate::{fail, sys};

const USAGE: &str = "usage: vuserinfo [options] email_address
options: -V (print version number)
         -a (display all fields, this is the default)
         -n (display name)
         -p (display crypted password)
         -u (display uid field)
         -g (display gid field)
         -c (display comment field)
         -d (display directory)
         -q (display quota field)
         -l (display usage times)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('a', "display all fields (the default)"),
    OptSpec::flag('n', "display the name"),
    OptSpec::flag('p', "display the encrypted password"),
    OptSpec::flag('u', "display the uid field"),
    OptSpec::flag('g', "display the gid field and its flags"),
    OptSpec::flag('c', "display the comment (gecos)"),
    OptSpec::flag('d', "display the home directory"),
    OptSpec::flag('q', "display the quota and current usage"),
    OptSpec::flag('l', "display the login and change times"),
    OptSpec::flag('f', "display forwards and filters"),
    OptSpec::long_flag("json", "print one JSON object (see docs/json.md)"),
];

pub const APPLET: Applet = Applet {
    name: "vuserinfo",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "show information about a virtual-domain user",
    synopsis: "[options] email_address",
    options: OPTIONS,
    run,
};

/// Which fields to show.
struct Show {
    all: bool,
    name: bool,
    passwd: bool,
    uid: bool,
    gid: bool,
    comment: bool,
    dir: bool,
    quota: bool,
    lastauth: bool,
    filter: bool,
}

fn usage() -> AppletError {
    AppletError::new(100, format!("vuserinfo: warning: {USAGE}"))
}

fn label(out: &mut Out, l: &str, value: &str) {
    out.put(&format!("{l:<14}: {value}\n"));
}

fn print_forwarding(out: &mut Out, blocks: &[Vec<String>]) {
    for block in blocks {
        for (i, line) in block.iter().enumerate() {
            label(out, if i == 0 { "Forwarding" } else { "" }, line);
        }
    }
}

fn event(out: &mut Out, l: &str, e: &Option<Event>, none: &str) {
    match e {
        Some(ev) if ev.time > 0 => out.put(&format!(
            "{l:<14}: ({}) {}",
            ev.ip,
            sys::asctime_local(ev.time)
        )),
        _ => label(out, l, none),
    }
}

fn print_activity(out: &mut Out, a: &Activity, inactive: bool) {
    let add = a.added.as_ref().map(|e| e.time).unwrap_or(0);
    let auth = a.last_auth.as_ref().map(|e| e.time).unwrap_or(0);
    if auth > 0 || add > 0 {
        label(
            out,
            "Relay Allowed",
            if a.relay_allowed { "YES" } else { "NO" },
        );
        label(
            out,
            "Days inact",
            &sys::no_of_days(crate::db::now() - if auth > 0 { auth } else { add }),
        );
    } else {
        label(out, "Relay Allowed", "No");
        label(out, "Days inact", "Unknown");
    }
    if add > 0 {
        event(out, "Added On", &a.added, "");
    } else {
        out.put("Added   On    : Unknown\n");
    }
    if auth == 0 {
        label(out, "last  auth", "Not yet logged in");
        label(out, "last  IMAP", "Not yet logged in");
        label(out, "last  POP3", "Not yet logged in");
    } else if a.last_pop3.is_some() || a.last_imap.is_some() {
        event(out, "last  auth", &a.last_auth, "");
        event(out, "last  POP3", &a.last_pop3, "Not yet logged in");
        event(out, "last  IMAP", &a.last_imap, "Not yet logged in");
    }
    event(out, "PassChange", &a.password_changed, "Not yet Changed");
    event(out, "Inact Date", &a.inactivated, "Not yet Inactivated");
    if a.inactivated.is_some() {
        event(out, "Activ Date", &a.activated, "Not yet Activated");
    } else if inactive {
        label(out, "Activ Date", "Not yet Activated");
    } else {
        event(out, "Activ Date", &a.added, "Unknown");
    }
    label(
        out,
        "Delivery Time",
        "No Mails Delivered yet / Per Day Limit not configured",
    );
}

fn print_user(
    out: &mut Out,
    info: &UserInfo,
    show: &Show,
    db: &Db,
    root: bool,
    domain_given: bool,
) {
    let all = show.all;
    if show.name || all {
        label(out, "name", &info.email);
    }
    if show.passwd || all {
        label(out, "passwd", &format!("{} ({})", info.passwd, info.hash));
    }
    if show.uid || all {
        label(out, "uid", &info.uid.to_string());
    }
    if show.gid || all {
        label(out, "gid", &info.gid.to_string());
        for f in &info.flags {
            out.put(&format!("                -{f}\n"));
        }
    }
    if show.comment || all {
        label(out, "gecos", &info.gecos);
    }
    if show.dir || all {
        label(
            out,
            "dir",
            &format!(
                "{} {}",
                info.dir,
                if info.dir_exists { "" } else { " (missing)" }
            ),
        );
    }
    if show.quota || all {
        if info.quota.starts_with("NOQUOTA") {
            label(out, "quota", "unlimited");
        } else {
            let mib = info.quota_bytes / 1048576;
            let (v, unit) = if mib < 1024 {
                (mib, "MiB")
            } else {
                (mib / 1024, "GiB")
            };
            label(
                out,
                "quota",
                &format!("{} [{:.2}] {unit}", info.quota, v as f64),
            );
        }
        label(
            out,
            "curr quota",
            &format!("{}S,{}C", info.usage_bytes, info.usage_count),
        );
    }
    if all {
        label(
            out,
            "Mail Store IP",
            &format!("{} (NonClustered - local)", info.mail_store),
        );
        label(out, "Mail Store ID", "non-clustered domain");
        // Never the database password: masked for root, host only for others.
        let sql = if root {
            db.spec.masked()
        } else {
            db.spec.raw.split(':').next().unwrap_or("").to_string()
        };
        label(out, "Sql Database", &sql);
        match db.socket() {
            Some(s) => label(out, "Unix   Socket", &s),
            None => {
                label(out, "TCP/IP Port", &db.port().to_string());
                label(out, "Use SSL", if db.spec.ssl { "Yes" } else { "No" });
            }
        }
        if domain_given {
            label(out, "Table Name", &info.table);
        }
    }
    if let Some(a) = &info.activity {
        print_activity(out, a, info.status == crate::db::users::Status::Inactive);
    }
    if show.filter || all {
        print_forwarding(out, &info.forwarding);
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let any = |k: &str| p.has(k);
    let mut show = Show {
        all: true,
        name: any("n"),
        passwd: any("p"),
        uid: any("u"),
        gid: any("g"),
        comment: any("c"),
        dir: any("d"),
        quota: any("q"),
        lastauth: any("l"),
        filter: any("f"),
    };
    if ["n", "p", "u", "g", "c", "d", "q", "l", "f"]
        .iter()
        .any(|k| p.has(k))
        && !p.has("a")
    {
        show.all = false;
    }
    let json = p.has("json");
    let Some(email) = p.operands.first() else {
        return Err(usage());
    };
    let cfg = ctx.cfg.clone();
    require_indimail(&cfg, 1)?;
    let (user, dname) = split_email(&cfg, email);
    let mut db = crate::cluster::user_db(&cfg, &user, &dname)?;
    let want_quota = show.all || show.quota || json;
    let want_activity = show.all || show.lastauth || json;
    match userinfo::lookup(&cfg, &mut db, &user, &dname, want_quota, want_activity)? {
        Lookup::Found(info) => {
            if json {
                let text = serde_json::to_string_pretty(&info)
                    .map_err(|e| AppletError::new(111, format!("vuserinfo: json: {e}")))?;
                ctx.out.line(&text);
            } else {
                print_user(
                    &mut ctx.out,
                    &info,
                    &show,
                    &db,
                    sys::getuid() == 0 || sys::geteuid() == 0,
                    !dname.is_empty(),
                );
            }
            Ok(0)
        }
        Lookup::ForwardsOnly(blocks) => {
            if json {
                let v =
                    serde_json::json!({"email": format!("{user}@{dname}"), "forwarding": blocks});
                ctx.out.line(&v.to_string());
            } else {
                print_forwarding(&mut ctx.out, &blocks);
            }
            Ok(0)
        }
        Lookup::NotFound if dname.is_empty() => fail!(1, "{user}: No such user"),
        Lookup::NotFound => fail!(1, "{user}@{dname}: No such user"),
    }
}
