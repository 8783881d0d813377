//! vbulletin: deliver a prepared message to every user of domains, or to one address.

use std::collections::BTreeSet;
use std::path::Path;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{oldusers, users};
use crate::mailstore::remove::error_text;
use crate::ops::bulletin::{self, Method};
use crate::{domain, fail, sys};

const USAGE: &str = "usage: vbulletin -f email_file [-e exclude_email_addr_file]
                               [-v (verbose)]
                               [-n (don't mail)]
                               [-c (default, copy file)]
                               [-h (use hard links)]
                               [-s (use symbolic links)]
                               [-S Subsriber_list_file (use Instant Mysql Bulletin)]
                               [-a (Instant Bulletin for entire domain)]
                               [ virtual_domain... | Email]";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('V', "verbose: name every address processed"),
    OptSpec::flag('v', "verbose (same as -V)"),
    OptSpec::flag('c', "copy the message into each Maildir (default)"),
    OptSpec::flag('s', "symbolic links to the message"),
    OptSpec::flag('h', "hard links to the message"),
    OptSpec::flag('n', "dry run: count, change nothing"),
    OptSpec::flag('a', "instant bulletin for the entire domain"),
    OptSpec::value(
        'S',
        "subscriber_list",
        "instant bulletin for the listed subscribers",
    ),
    OptSpec::value('f', "email_file", "the message (absolute path)"),
    OptSpec::value('e', "exclude_file", "addresses to skip (absolute path)"),
];

pub const APPLET: Applet = Applet {
    name: "vbulletin",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "deliver a bulletin to every user of virtual domains",
    synopsis: "-f email_file [-e exclude_file] [-V] [-n] [-c|-h|-s] [-S subscriber_list | -a] virtual_domain... | email",
    options: OPTIONS,
    run,
};

fn usage_err(msg: &str) -> AppletError {
    let prefix = if msg.is_empty() {
        String::new()
    } else {
        format!("{msg}\n")
    };
    AppletError::new(1, format!("{prefix}vbulletin: warning: {USAGE}"))
}

/// `-f`/`-e`/`-S` path checks: absolute (except -S) and existing.
fn check_path(p: &str, absolute: bool) -> Result<(), AppletError> {
    if p.is_empty() || (absolute && !p.starts_with('/')) {
        return Err(usage_err(&format!("vbulletin: path [{p}] is not absolute")));
    }
    if let Err(e) = std::fs::metadata(p) {
        fail!(1, "{p}: {}", error_text(&e));
    }
    Ok(())
}

fn resolve(cfg: &crate::config::Config, d: &str) -> Result<domain::Domain, AppletError> {
    let found = domain::real_domain(cfg, d)
        .and_then(|r| match r {
            Some(r) => domain::lookup(cfg, &r),
            None => Ok(None),
        })
        .map_err(|e| AppletError::new(111, format!("vbulletin: {e}")))?;
    let Some(dom) = found else {
        fail!(1, "{d}: No such domain");
    };
    if dom.uid == 0 {
        fail!(100, "vbulletin: domain {} with uid 0", dom.name);
    }
    if !sys::caller_may_act_as(dom.uid, dom.gid) {
        fail!(
            1,
            "vbulletin: you must be root or domain user (uid={}/gid={}) to run this program",
            dom.uid,
            dom.gid
        );
    }
    Ok(dom)
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage_err(""))?;
    let verbose = p.has("V") || p.has("v");
    let dry_run = p.has("n");
    let mut method = Method::Copy;
    for (k, _) in &p.opts {
        match k.as_str() {
            "c" => method = Method::Copy,
            "s" => method = Method::Symlink,
            "h" => method = Method::HardLink,
            _ => {}
        }
    }
    let Some(email_file) = p.value("f") else {
        return Err(usage_err(""));
    };
    check_path(email_file, true)?;
    let exclude_file = p.value("e");
    if let Some(e) = exclude_file {
        check_path(e, true)?;
    }
    let list_file = p.value("S");
    if let Some(s) = list_file {
        if s.is_empty() {
            return Err(usage_err(""));
        }
        check_path(s, false)?;
    }
    let bulk = list_file.is_some() || p.has("a");
    if p.operands.is_empty() {
        return Err(usage_err(""));
    }
    let email = p.operands.iter().find(|o| o.contains('@'));
    if bulk && (exclude_file.is_some() || email.is_some()) {
        return Err(usage_err(
            "options -e or email cannot be used with bulk bulletin",
        ));
    }
    if email.is_some() && exclude_file.is_some() {
        return Err(usage_err("option -e cannot be used with user bulletin"));
    }
    if email.is_some() && p.operands.len() > 1 {
        return Err(usage_err("vbulletin: one email address, or domains"));
    }
    if list_file.is_some() && p.operands.len() > 1 {
        return Err(usage_err("vbulletin: -S takes one domain"));
    }
    let cfg = ctx.cfg.clone();
    // Every domain is resolved and checked before anything is written.
    let mut doms = Vec::new();
    let user_part = email.map(|e| e.split_once('@').unwrap_or((e, "")).0.to_string());
    for o in &p.operands {
        let d = o.split_once('@').map_or(o.as_str(), |(_, d)| d);
        let dom = resolve(&cfg, d)?;
        if !doms.iter().any(|x: &domain::Domain| x.name == dom.name) {
            doms.push(dom);
        }
    }
    if doms
        .iter()
        .any(|d| (d.uid, d.gid) != (doms[0].uid, doms[0].gid))
    {
        fail!(
            1,
            "vbulletin: the domains belong to different users: run once per owner"
        );
    }
    let message = std::fs::read(email_file).map_err(|e| {
        AppletError::new(
            111,
            format!("vbulletin: open_read: {email_file}: {}", error_text(&e)),
        )
    })?;
    let exclude: BTreeSet<String> = match exclude_file {
        Some(e) => bulletin::read_list(Path::new(e))?
            .into_iter()
            .map(|l| l.to_ascii_lowercase())
            .collect(),
        None => BTreeSet::new(),
    };
    let subscribers = match list_file {
        Some(s) => Some(bulletin::read_list(Path::new(s))?),
        None => None,
    };
    sys::switch_to(doms[0].uid, doms[0].gid).map_err(|e| {
        AppletError::new(
            1,
            format!(
                "vbulletin: setuser_privilege: ({}/{}): {e}",
                doms[0].uid, doms[0].gid
            ),
        )
    })?;
    let file = Path::new(email_file);
    if bulk {
        let dom = &doms[0];
        let all = list_file.is_none();
        let target = bulletin::bulk_target(dom, file, all)?;
        if all {
            if !dry_run {
                bulletin::domain_bulletin(dom, &target, &message)?;
            }
            ctx.out.line(&format!(
                "{}: bulletin {} for every user{}",
                dom.name,
                target.display(),
                if dry_run { " (dry run)" } else { "" }
            ));
            return Ok(0);
        }
        let list = subscribers.unwrap_or_default();
        let emails = bulletin::subscribers(&dom.name, &list, &mut |w| eprintln!("{w}"));
        // The rows go to each subscriber's own database (on a clustered
        // site its mail store, as the original splits the list).
        let mut stores = crate::cluster::group_by_store(&cfg, &dom.name, &emails, &mut |e| {
            eprintln!("{e}: No such user")
        })?;
        let n = if dry_run {
            stores.iter().map(|(_, l)| l.len() as u64).sum()
        } else {
            bulletin::instant_bulletin(&mut stores, dom, &target, &message)?
        };
        ctx.out.line(&format!(
            "{}: bulletin {} for {n} subscribers{}",
            dom.name,
            target.display(),
            if dry_run { " (dry run)" } else { "" }
        ));
        return Ok(0);
    }
    if let Some(user) = user_part {
        let dom = &doms[0];
        let addr = format!("{user}@{}", dom.name);
        ctx.out.line(&format!("Processing Email {addr}"));
        // The user's row is found where it lives; its Maildir must be here.
        let (mut db, store) = crate::cluster::user_store(&cfg, &user, &dom.name)?;
        if let Some(s) =
            store.filter(|s| crate::cluster::local_ip(&cfg).as_ref() != Some(&s.mdahost))
        {
            fail!(
                1,
                "vbulletin: {addr}: mail store {} is not this host: run vbulletin there",
                s.mdahost
            );
        }
        let Some((row, _)) = users::get(&mut db, &user, &dom.name)? else {
            fail!(1, "{}: No such User", email.map_or("", |e| e.as_str()));
        };
        if !Path::new(&row.dir).join("Maildir/new").is_dir() {
            fail!(1, "vbulletin: {addr}: no Maildir, not delivered");
        }
        if dry_run {
            return Ok(0);
        }
        bulletin::deliver(&row, file, &message, method, &bulletin::maildir_name(0))
            .map_err(|e| AppletError::new(111, e))?;
        return Ok(0);
    }
    let mut failed = 0;
    for dom in &doms {
        // Maildirs are this host's: the users of this host's own store.
        let (mut db, _) = crate::cluster::local_store_db(&cfg, &dom.name)?;
        let rows = oldusers::domain_users(&mut db, &dom.name)?;
        let out = &mut ctx.out;
        let mut progress = |a: &str| {
            if verbose {
                out.line(&format!("Processing {a}"));
            }
        };
        let r = bulletin::deliver_all(
            &rows,
            &exclude,
            file,
            &message,
            method,
            dry_run,
            &mut progress,
            &mut |w| eprintln!("{w}"),
        );
        failed += r.failed;
        ctx.out.line(&format!(
            "{}: {} delivered, {} skipped (no Maildir), {} excluded, {} failed{}",
            dom.name,
            r.delivered,
            r.skipped,
            r.excluded,
            r.failed,
            if dry_run { " (dry run)" } else { "" }
        ));
    }
    Ok(if failed > 0 { 111 } else { 0 })
}
