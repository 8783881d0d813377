//! vdeloldusers: delete, inactivate or clean up the users of a domain not seen for a while.

use super::{parse_args, Applet, Ctx};
use crate::address::has_uppercase;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::ops::oldusers::{self, Mode, Options, Sink};
use crate::{domain, fail, sys};

const USAGE: &str = "usage: vdeloldusers [options]
options: -d domain
         -a age_in_days (will delete accounts older than this date)
                        (default is 2 months or 60 days)
         -u age_in_days (will delete mails    older than this date)
                        (default is 1 months or 30 days)
                        (-1 for not to delete mails)
         -t days        (will clean trash for user active for this number of days)
                        (default is 1 day)
                        (-1 for not to delete trash)
         -m mailboxes   (List of mailboxes to be purged. Multiple -m can be given)
                        (default value .Trash)
         -s gecos       (Skip entries having this gecos. Multiple -s can be given)
         -c Remove Mails only
         -p Purge entry from Database
         -i Mark the user as Inactive
         -r Report only
         -f Run Fast    (avoids costly stat in Maildir/cur)
         -v (verbose)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('r', "report only: list the inactive users (implies -v)"),
    OptSpec::flag('p', "delete inactive users"),
    OptSpec::flag(
        'i',
        "make inactive users inactive (their homes are removed)",
    ),
    OptSpec::flag('c', "remove old mail of active users only"),
    OptSpec::flag('f', "fast: skip the Maildir/cur age check"),
    OptSpec::value('d', "domain", "the domain (required)"),
    OptSpec::value('a', "days", "inactivity age in days (default 60)"),
    OptSpec::value(
        'u',
        "days",
        "remove mail older than this from active users (default 30, -1: never)",
    ),
    OptSpec::value(
        't',
        "days",
        "folder purge age for recently active users (default 1, -1: never)",
    ),
    OptSpec::value(
        'm',
        "mailbox",
        "folder to purge (repeatable; default .Trash and .BulkMail)",
    ),
    OptSpec::value('s', "gecos", "skip users with this gecos (repeatable)"),
    OptSpec::long_flag("dry-run", "change nothing; list what would be done"),
];

pub const APPLET: Applet = Applet {
    name: "vdeloldusers",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "delete or inactivate users who have not logged in for a while",
    synopsis: "-d domain [options]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, format!("vdeloldusers: warning: {USAGE}"))
}

/// `scan_int`: leading optional sign and digits; anything else reads as 0.
fn scan_int(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let v: i64 = digits.parse().unwrap_or(0);
    if neg {
        -v
    } else {
        v
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let modes: Vec<Mode> = p
        .opts
        .iter()
        .filter_map(|(k, _)| match k.as_str() {
            "c" => Some(Mode::MailOnly),
            "p" => Some(Mode::Delete),
            "i" => Some(Mode::Inactivate),
            _ => None,
        })
        .collect();
    if modes.iter().any(|m| *m != modes[0]) {
        return Err(AppletError::new(
            1,
            format!("only one of c, i, p option can be specified\nvdeloldusers: warning: {USAGE}"),
        ));
    }
    let Some(dname) = p.value("d") else {
        return Err(usage());
    };
    if has_uppercase(dname) {
        fail!(
            100,
            "vdeloldusers: warning: domain [{dname}] has an uppercase character"
        );
    }
    let mut folders: Vec<String> = p.values("m").iter().map(|m| format!(".{m}")).collect();
    if folders.is_empty() {
        folders = vec![".Trash".into(), ".BulkMail".into()];
    }
    let o = Options {
        domain: dname.to_string(),
        age: p.value("a").map_or(60, scan_int),
        mail_age: p.value("u").map_or(30, scan_int),
        trash_age: p.value("t").map_or(1, scan_int),
        folders,
        skip_gecos: p.values("s").iter().map(|s| s.to_string()).collect(),
        mode: modes.first().copied().unwrap_or(Mode::Folders),
        report_only: p.has("r"),
        fast: p.has("f"),
        verbose: p.has("v") || p.has("r"),
        dry_run: p.has("dry-run"),
    };
    let cfg = ctx.cfg.clone();
    let dom = domain::resolve(&cfg, dname)
        .map_err(|e| AppletError::new(111, format!("vdeloldusers: {e}")))?;
    if dom.is_none() && matches!(o.mode, Mode::Delete | Mode::Inactivate) && !o.dry_run {
        fail!(1, "vdeloldusers: {dname}: No such domain");
    }
    // Mail directories are this host's: on a clustered site the users of
    // this host's own mail store of the domain are handled (run it on each
    // store), and a deleted user's hostcntrl row goes with it.
    let real = dom.as_ref().map_or(dname.to_string(), |d| d.name.clone());
    let distributed = crate::cluster::domain_is_distributed(&cfg, &real)?;
    // One instance at a time (the original's /tmp/vdeloldusers.PID).
    let (lock, lock_path) = crate::cli::single_instance("vdeloldusers")?;
    sys::stop_on_sigusr1();

    let result = crate::cluster::local_store_db(&cfg, &real)
        .map_err(|e| match e {
            crate::cluster::ClusterError::Db(e) => {
                AppletError::new(1, format!("{e}\ncould not get entries from indimail table"))
            }
            e => AppletError::from(e),
        })
        .and_then(|(mut db, _)| {
            let out = &mut ctx.out;
            let cfg = &cfg;
            let real = &real;
            oldusers::run(
                &mut db,
                dom.as_ref(),
                &o,
                &mut Sink {
                    out: &mut |s| {
                        out.put(s);
                        out.flush();
                    },
                    err: &mut |s| eprintln!("{s}"),
                    deleted: &mut |u| {
                        if distributed {
                            crate::cluster::forget_user(cfg, u, real)?;
                        }
                        Ok(())
                    },
                },
            )
        });
    let _ = std::fs::remove_file(&lock_path);
    drop(lock);
    result.map(|()| 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn scan_int_like_c() {
        assert_eq!(super::scan_int("-1"), -1);
        assert_eq!(super::scan_int("30days"), 30);
        assert_eq!(super::scan_int("x"), 0);
    }
}
