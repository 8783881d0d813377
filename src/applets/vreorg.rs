//! vreorg: re-hash the home directories of a list of users of a domain.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::ops::reorg::{self, Outcome};
use crate::{domain, fail, sys};

const USAGE: &str = "usage: vreorg [options] user_list_file
options: -V ( print version number )
         -v ( verbose )
         -d domain
         -r ( reset the directory layout first )
         -R ( do not release the users' old slots )";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::value('d', "domain", "the users' domain"),
    OptSpec::flag('r', "reset the domain's directory layout first"),
    OptSpec::flag('R', "do not release the users' old directory slots"),
];

pub const APPLET: Applet = Applet {
    name: "vreorg",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "give users of a domain new hashed home directories",
    synopsis: "-d domain [-v] [-r] [-R] user_list_file",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, format!("vreorg: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let (Some(dname), Some(list)) = (p.value("d"), p.operands.first()) else {
        return Err(usage());
    };
    let cfg = ctx.cfg.clone();
    let Some(dom) =
        domain::resolve(&cfg, dname).map_err(|e| AppletError::new(111, format!("vreorg: {e}")))?
    else {
        fail!(1, "vreorg: {dname}: No such domain");
    };
    if dom.uid == 0 {
        fail!(100, "vreorg: domain {} with uid 0", dom.name);
    }
    if !sys::caller_may_act_as(dom.uid, dom.gid) {
        fail!(
            1,
            "vreorg: you must be root or domain user (uid={}/gid={}) to run this program",
            dom.uid,
            dom.gid
        );
    }
    let names: Vec<String> = std::fs::read_to_string(list)
        .map_err(|e| AppletError::new(1, format!("vreorg: {list}: {e}")))?
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let base = reorg::base_path(&cfg, &dom)?;
    let mut db = crate::db::Db::open(&cfg)?;
    if sys::geteuid() == 0 {
        sys::switch_to(dom.uid, dom.gid).map_err(|e| {
            AppletError::new(
                111,
                format!("vreorg: setuser_privileges: ({}/{}): {e}", dom.uid, dom.gid),
            )
        })?;
    }
    if p.has("r") {
        ctx.out.put("Resetting directory layout status ");
        reorg::reset_layout(&mut db, &dom)?;
        ctx.out.line("done");
    }
    ctx.out.line("Working on users ");
    let release = !p.has("r") && !p.has("R");
    let mut count = 0;
    for name in &names {
        let name = name.split('@').next().unwrap_or(name);
        match reorg::reorganise(&mut db, &dom, &base, name, release)? {
            Outcome::NoSuchUser => {
                ctx.out.flush();
                eprintln!("vreorg: {name}@{}: sql_getpw failed", dom.name);
            }
            Outcome::Unchanged => {
                if p.has("v") {
                    ctx.out.line(&format!("{name}@{} unchanged", dom.name));
                }
            }
            Outcome::Moved { old, new } => {
                count += 1;
                if p.has("v") {
                    ctx.out.line(&format!("{name}@{} {old} -> {new}", dom.name));
                }
            }
        }
    }
    ctx.out.line(&format!("done {count} users"));
    Ok(0)
}
