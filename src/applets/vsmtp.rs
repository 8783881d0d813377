//! vsmtp: SMTP/QMTP ports for relaying a distributed domain's mail between hosts (`smtp_port`).

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::cluster;
use crate::db::cluster as sql;
use crate::fail;

const USAGE: &str = "usage: vsmtp [options] [[-d|-i port|-u port] -m mta hostid@domain_name]
       vsmtp [options] [-s domain_name]
       vsmtp [options] [-s hostid@domain_name]
       vsmtp [options] [-s -m mta hostid@domain_name]
options: -V ( print version number )
         -v ( verbose )
         -s domain_name ( show smtp ports )
         -d ( delete smtp ports )
         -i port (insert smtp port)
         -u port (update smtp port)
         -m mta_ipaddress";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('s', "show the ports"),
    OptSpec::flag('d', "delete a port"),
    OptSpec::value('i', "port", "add a port"),
    OptSpec::value('u', "port", "change a port"),
    OptSpec::value('m', "mta_ip", "the source MTA's IP address"),
];

pub const APPLET: Applet = Applet {
    name: "vsmtp",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "manage the SMTP/QMTP ports between the hosts of a clustered site",
    synopsis: "[options] hostid@domain|domain",
    options: OPTIONS,
    run,
};

fn usage0(first: &str) -> AppletError {
    AppletError::new(0, format!("{first}\n{USAGE}"))
}

fn port_arg(s: &str) -> Result<i64, AppletError> {
    s.parse::<i64>()
        .ok()
        .filter(|p| (0..=65535).contains(p))
        .ok_or_else(|| AppletError::new(100, format!("vsmtp: invalid port [{s}]")))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage0("vsmtp: warning: "))?;
    let action = p
        .opts
        .iter()
        .rev()
        .find(|(k, _)| ["s", "d", "i", "u"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
        .unwrap_or(("s".into(), String::new()));
    let (action, port) = action;
    let Some(target) = p.operands.first() else {
        return Err(usage0(if action == "s" {
            "vsmtp: must supply hostid@domain or domain_name"
        } else {
            "vsmtp: must supply hostid@domain"
        }));
    };
    let (hostid, domain) = match target.split_once('@') {
        Some((h, d)) => (Some(h.to_string()), d.to_string()),
        None => (None, target.clone()),
    };
    let mta = p.value("m");
    let cfg = ctx.cfg.clone();
    if action != "s" {
        let Some(hostid) = hostid else {
            return Err(usage0("vsmtp: must supply hostid@domain"));
        };
        let Some(mta) = mta else {
            return Err(usage0("vsmtp: must supply MTA IP Address"));
        };
        let mut m = cluster::open_writer(&cfg)?;
        return match action.as_str() {
            "i" => {
                let port = port_arg(&port)?;
                if !sql::smtp_port_insert(&mut m, &hostid, mta, &domain, port)? {
                    fail!(
                        1,
                        "vsmtp: {mta} -> {hostid}@{domain}: a port is set already (use -u)"
                    );
                }
                Ok(0)
            }
            "u" => {
                let port = port_arg(&port)?;
                let exists = sql::smtp_port_rows(&mut m, &domain)?
                    .iter()
                    .any(|(h, s, _)| *h == hostid && s == mta);
                if !exists {
                    fail!(1, "failed to get Old Port");
                }
                sql::smtp_port_update(&mut m, &hostid, mta, &domain, port)?;
                Ok(0)
            }
            _ => Ok(
                if sql::smtp_port_delete(&mut m, &hostid, mta, &domain)? > 0 {
                    0
                } else {
                    1
                },
            ),
        };
    }
    let mut control = cluster::open_control(&cfg)?;
    let rows = sql::smtp_port_rows(&mut control, &domain)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut shown = 0;
    for (host, src, port) in rows {
        if mta.is_some_and(|m| !src.starts_with(m)) || hostid.as_ref().is_some_and(|h| *h != host) {
            continue;
        }
        if shown == 0 {
            ctx.out
                .line("Source HostIP        Destination HostID IP Address-> Port");
        }
        shown += 1;
        let ip = sql::host_ip(&mut control, &host)?.unwrap_or_else(|| "x.x.x.x".into());
        ctx.out
            .line(&format!("{src:<20} {host:<18} {ip:<18} -> {port}"));
    }
    Ok(if shown > 0 { 0 } else { 1 })
}
