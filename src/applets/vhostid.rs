//! vhostid: host ids of a clustered site (`host_table`: host id ↔ IP) and the local host id.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::cluster;
use crate::db::cluster as sql;
use crate::fail;

const USAGE: &str = "usage: vhostid [options] [HostId]
options: -V        (print version number)
         -v        (verbose)
         -S        (print local HostID)
         -s        (show HostId Mappings)
         -d HostId (delete Mapping for HostId)
         -i Ipaddr (Add Mapping for HostId to Ipaddr)
         -u Ipaddr (Map HostId to New_Ipaddr)
";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('S', "print the local host id; with HostId: set it"),
    OptSpec::flag('s', "show the host id mappings"),
    OptSpec::flag('d', "delete the mapping of HostId"),
    OptSpec::value('i', "ipaddr", "map HostId to this IP"),
    OptSpec::value('u', "ipaddr", "map HostId to a new IP"),
];

pub const APPLET: Applet = Applet {
    name: "vhostid",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "manage the host ids of a clustered site",
    synopsis: "[options] [HostId]",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || {
        AppletError::new(0, format!("vhostid: warning: {USAGE}"))
    })?;
    let action = p
        .opts
        .iter()
        .rev()
        .find(|(k, _)| ["S", "s", "d", "i", "u"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
        .unwrap_or(("s".into(), String::new()));
    let hostid = p.operands.first().cloned();
    let cfg = ctx.cfg.clone();
    let (action, ip) = action;
    if ["d", "i", "u"].contains(&action.as_str()) && hostid.is_none() {
        return Err(AppletError::new(
            0,
            format!("must supply Host Id\nvhostid: warning: {USAGE}"),
        ));
    }
    let hostid = hostid.unwrap_or_default();
    match action.as_str() {
        "S" => {
            if hostid.is_empty() {
                let Some(id) = cluster::local_hostid(&cfg) else {
                    fail!(
                        100,
                        "get_local_hostid: read: {}",
                        cfg.control("hostid").display()
                    );
                };
                ctx.out.line(&id);
            } else {
                let path = cfg.control("hostid");
                crate::control::write_atomic(&path, format!("{hostid}\n").as_bytes(), 0o644, None)
                    .map_err(|e| AppletError::new(111, format!("vhostid: {e}")))?;
                ctx.out.line(&format!("updated local hostid to {hostid}"));
            }
            Ok(0)
        }
        "i" => {
            let mut m = cluster::open_writer(&cfg)?;
            if !sql::host_insert(&mut m, &hostid, &ip)? {
                fail!(1, "vhostid: host id {hostid} exists");
            }
            Ok(0)
        }
        "u" => {
            let mut m = cluster::open_writer(&cfg)?;
            if sql::host_update(&mut m, &hostid, &ip)? == 0
                && sql::host_ip(&mut m, &hostid)?.is_none()
            {
                fail!(1, "vhostid: no such host id {hostid}");
            }
            Ok(0)
        }
        "d" => {
            let mut m = cluster::open_writer(&cfg)?;
            let users = sql::host_users(&mut m, &hostid)?;
            if users > 0 {
                fail!(
                    1,
                    "vhostid: host id {hostid} still has {users} hostcntrl entr{}: move or delete its users first",
                    if users == 1 { "y" } else { "ies" }
                );
            }
            if sql::host_delete(&mut m, &hostid)? == 0 {
                fail!(1, "vhostid: no such host id {hostid}");
            }
            Ok(0)
        }
        _ => {
            let mut control = cluster::open_control(&cfg)?;
            ctx.out.line(&format!("{:<30} {}", "HostID", "IP Address"));
            let one = if hostid.is_empty() {
                None
            } else {
                sql::host_ip(&mut control, &hostid)?
            };
            match one {
                Some(ip) => ctx.out.line(&format!("{hostid:<30} {ip}")),
                None => {
                    for (h, ip) in sql::host_list(&mut control)? {
                        ctx.out.line(&format!("{h:<30} {ip}"));
                    }
                }
            }
            Ok(0)
        }
    }
}
