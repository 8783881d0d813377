//! hostcntrl: which mail store (host id) each user of a distributed domain lives on.

use super::{parse_args, Applet, Ctx};
use crate::address::split_email;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::cluster;
use crate::db::cluster as sql;
use crate::sys::asctime_local;

const USAGE: &str = "usage: hostcntrl [options] emailid
options: -V        ( print version number )
         -v        ( verbose )
         -l        ( List all hostcntrl entries )
         -s        ( show   hostcntrl entry )
         -d hostid ( remove hostcntrl entry )
         -i hostid ( insert hostcntrl entry )
         -m hostid ( modify hostcntrl entry )";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('l', "list every hostcntrl entry"),
    OptSpec::flag('s', "show the entry of emailid"),
    OptSpec::value('d', "hostid", "remove the entry of emailid"),
    OptSpec::value('i', "hostid", "add an entry: emailid lives on hostid"),
    OptSpec::value('m', "hostid", "move the entry of emailid to hostid"),
    OptSpec::long_flag("json", "with -l/-s: the entries as JSON"),
];

pub const APPLET: Applet = Applet {
    name: "hostcntrl",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "show and edit the host of each user of a distributed domain",
    synopsis: "[options] emailid",
    options: OPTIONS,
    run,
};

fn usage(first: &str) -> AppletError {
    AppletError::new(1, format!("{first}hostcntrl: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage(""))?;
    let action = p
        .opts
        .iter()
        .rev()
        .find(|(k, _)| ["l", "s", "d", "i", "m"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()));
    let Some((action, hostid)) = action else {
        return Err(usage(""));
    };
    let cfg = ctx.cfg.clone();
    let json = p.has("json");
    if action == "l" {
        let mut control = cluster::open_control(&cfg)?;
        let rows = sql::hostcntrl_list(&mut control)?;
        let mut out = Vec::new();
        for (u, d, h, t) in rows {
            let ip = sql::host_ip(&mut control, &h)?;
            out.push((u, d, h, ip, t));
        }
        if json {
            let v: Vec<_> = out
                .iter()
                .map(|(u, d, h, ip, t)| serde_json::json!({"user": u, "domain": d, "hostid": h, "ipaddr": ip, "added": t}))
                .collect();
            ctx.out
                .line(&serde_json::to_string_pretty(&v).unwrap_or_default());
            return Ok(0);
        }
        ctx.out.line(&format!(
            "{:<20} {:<20} {:<9} {:<15} Added on",
            "User", "Domain", "Host ID", "IP Address"
        ));
        for (u, d, h, ip, t) in out {
            ctx.out.put(&format!(
                "{u:<20} {d:<20} {h:<9} {:<15} {}",
                ip.as_deref().unwrap_or("????"),
                asctime_local(t)
            ));
        }
        return Ok(0);
    }
    let Some(email) = p.operands.first() else {
        return Err(usage("must supply emailid\n"));
    };
    let (user, domain) = split_email(&cfg, email);
    match action.as_str() {
        "s" => {
            let mut control = cluster::open_control(&cfg)?;
            let Some((_, _, h, t)) = sql::hostcntrl_get(&mut control, &user, &domain)? else {
                return Ok(1);
            };
            let ip = sql::host_ip(&mut control, &h)?;
            if json {
                let v = serde_json::json!({"email": email, "hostid": h, "ipaddr": ip, "added": t});
                ctx.out
                    .line(&serde_json::to_string_pretty(&v).unwrap_or_default());
                return Ok(0);
            }
            ctx.out.line(&format!(
                "{:<25} {:<11} {:<16} Added On",
                "Email", "Host ID", "IP Address"
            ));
            ctx.out.put(&format!(
                "{email:<25} {h:<11} {:<16} {}",
                ip.as_deref().unwrap_or("????"),
                asctime_local(t)
            ));
            Ok(0)
        }
        "i" => {
            let mut m = cluster::open_writer(&cfg)?;
            if sql::hostcntrl_insert(&mut m, &user, &domain, "manual", &hostid)? {
                Ok(0)
            } else {
                Err(AppletError::new(
                    1,
                    format!("hostcntrl: duplicate entry {user}@{domain} host {hostid}"),
                ))
            }
        }
        "d" => {
            let mut m = cluster::open_writer(&cfg)?;
            Ok(if sql::hostcntrl_delete(&mut m, &user, &domain)? > 0 {
                0
            } else {
                1
            })
        }
        _ => {
            let mut m = cluster::open_writer(&cfg)?;
            Ok(
                if sql::hostcntrl_update(&mut m, &user, &domain, &hostid)? > 0 {
                    0
                } else {
                    1
                },
            )
        }
    }
}
