//! clearopensmtp: expire POP-before-SMTP relay entries and rebuild the tcprules cdb.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::Db;
use crate::ops::relay;

const USAGE: &str = "usage: clearopensmtp [options]
options: -V (print version number)
         -t (run updaterules)
         -s (clear MySQL RELAY TABLE)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('t', "only rebuild the tcprules cdb"),
    OptSpec::flag('s', "only clear the relay table"),
];

pub const APPLET: Applet = Applet {
    name: "clearopensmtp",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "expire POP-before-SMTP relay permissions and rebuild the SMTP access rules",
    synopsis: "[-t | -s]",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || {
        AppletError::new(
            100,
            format!(
                "clearopensmtp: warning: {USAGE} ({})",
                crate::db::relay::table()
            ),
        )
    })?;
    // as the original's getopt loop: the last of -t/-s wins
    let job = args
        .iter()
        .rev()
        .find_map(|a| {
            let a = a.strip_prefix('-')?;
            a.chars().rev().find(|c| *c == 't' || *c == 's')
        })
        .filter(|_| p.has("t") || p.has("s"));
    let (clear, rules) = match job {
        Some('t') => (false, true),
        Some('s') => (true, false),
        _ => (true, true),
    };
    let (lock, lock_path) = crate::cli::single_instance("clearopensmtp")?;
    let cfg = ctx.cfg.clone();
    let mut status = 0;
    if clear {
        let minutes = crate::config::env_nonempty("RELAY_CLEAR_MINUTES")
            .and_then(|m| m.trim().parse::<i64>().ok())
            .unwrap_or(relay::DEFAULT_CLEAR_MINUTES);
        let before = crate::db::now() - minutes * 60;
        match Db::open(&cfg).and_then(|mut db| crate::db::relay::clear_older(&mut db, before)) {
            Ok(_) => {}
            Err(e) => {
                eprintln!("clear_open_smtp: {e}");
                status = 1;
            }
        }
    }
    if rules && !relay::clustered(&cfg) {
        if let Err(e) = relay::update_rules(&cfg) {
            eprintln!("update_rules: {e}");
            status = 1;
        }
    }
    let _ = std::fs::remove_file(&lock_path);
    drop(lock);
    Ok(status)
}
