//! hostsync: push a distributed domain's pending user additions/deletions
//! (the ADD/DEL flags in `pw_uid`) to the central `hostcntrl` table.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::cluster;
use crate::db::cluster as sql;
use crate::db::{users, Db};
use crate::fail;

const USAGE: &str = "usage: hostsync [options]
options: -d domain
         -v (verbose)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::value('d', "domain", "the distributed domain to synchronise"),
];

pub const APPLET: Applet = Applet {
    name: "hostsync",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "synchronise a distributed domain's pending users with hostcntrl",
    synopsis: "-d domain [-v]",
    options: OPTIONS,
    run,
};

/// `pw_uid` flags of a clustered site.
const ADD_FLAG: i64 = 2;
const DEL_FLAG: i64 = 4;

fn usage() -> AppletError {
    AppletError::new(1, format!("hostsync: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let Some(domain) = p.value("d").map(str::to_string) else {
        return Err(usage());
    };
    let verbose = p.has("v");
    let cfg = ctx.cfg.clone();
    let (lock, lock_path) = crate::cli::single_instance("hostsync")?;
    let result = (|| {
        match cluster::domain_is_distributed(&cfg, &domain) {
            Ok(true) => {}
            Ok(false) => fail!(1, "hostsync: {domain} is not a distributed domain"),
            Err(e) => fail!(
                1,
                "hostsync: unable to verify {domain} as a distributed domain: {e}"
            ),
        }
        let mut master = match cluster::open_master(&cfg) {
            Ok(Some(m)) => m,
            _ => fail!(1, "hostsync: failed to open master db"),
        };
        let Some(host) = cluster::local_hostid(&cfg) else {
            fail!(1, "hostsync: unable to get local hostid");
        };
        let mut db = Db::open(&cfg)?;
        let pending = users::pending_flags(&mut db, &domain)?;
        let mut n = 0;
        for (name, passwd, flag) in pending {
            let what = match flag {
                ADD_FLAG => {
                    // An existing row (ours or another host's) is left alone.
                    sql::hostcntrl_insert(&mut master, &name, &domain, &passwd, &host)?;
                    users::set_uid_flag(&mut db, &name, &domain, 1)?;
                    "Adding      "
                }
                DEL_FLAG => {
                    sql::hostcntrl_delete(&mut master, &name, &domain)?;
                    users::set_uid_flag(&mut db, &name, &domain, 1)?;
                    "Deleting    "
                }
                other => {
                    eprintln!("hostsync: Invalid case {other}");
                    "Ignoring??? "
                }
            };
            n += 1;
            if verbose {
                ctx.out.line(&format!("{what}user {name}@{domain}"));
            }
        }
        if verbose {
            ctx.out.line(&format!("Synced {n} entries"));
        }
        Ok(0)
    })();
    let _ = std::fs::remove_file(&lock_path);
    drop(lock);
    result
}
