//! vdeldomain: delete a virtual domain, its users, aliases and files.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::Db;
use crate::ops::{autoturn, deldomain};
use crate::{fail, hooks, sys};

const USAGE: &str = "usage: vdeldomain [options] domain_name
options: -c (Remove MCD Information)
options: -T (Remove Autoturn Domain)
options: -V (print version number)
options: -v (verbose)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag(
        'c',
        "remove MCD information (clustered; accepted, nothing to do here)",
    ),
    OptSpec::flag('T', "remove an ETRN/ATRN/AUTOTURN domain"),
    OptSpec::flag('v', "verbose"),
];

pub const APPLET: Applet = Applet {
    name: "vdeldomain",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "delete a virtual domain",
    synopsis: "[options] domain_name",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || {
        AppletError::new(100, format!("vdeldomain: warning: \n{USAGE}"))
    })?;
    let verbose = p.has("v");
    if let Some(d) = p.operands.first() {
        if d.bytes().any(|b| b.is_ascii_uppercase()) {
            fail!(
                100,
                "vdeldomain: warning: domain [{d}] has an uppercase character"
            );
        }
    }
    let Some(name) = p.operands.first().cloned() else {
        fail!(100, "vdeldomain: warning: Domain not specified\n{USAGE}");
    };
    let cfg = ctx.cfg.clone();
    let lookup_name = if p.has("T") {
        "autoturn"
    } else {
        name.as_str()
    };
    let entry = crate::domain::lookup(&cfg, lookup_name)
        .map_err(|e| AppletError::new(111, format!("vdeldomain: {e}")))?;
    let Some(entry) = entry else {
        if p.has("T") {
            fail!(
                1,
                "vdeldomain: warning: autoturn domain {name} does not exist"
            );
        }
        fail!(1, "vdeldomain: warning: domain {name} does not exist");
    };
    if entry.uid == 0 {
        fail!(100, "vdeldomain: warning: domain {name} with uid 0");
    }
    if !sys::caller_may_act_as(entry.uid, entry.gid) {
        fail!(
            100,
            "vdeldomain: warning: you must be root or domain user (uid={}/gid={}) to run this program",
            entry.uid,
            entry.gid
        );
    }
    sys::become_root()
        .map_err(|e| AppletError::new(111, format!("vdeldomain: fatal: setuid: {e}")))?;
    let mut lines = Vec::new();
    let mut out = |l: &str| lines.push(l.to_string());
    if p.has("T") {
        autoturn::delete(&cfg, &name, &entry, verbose, &mut out)?;
    } else if let Some(real) = deldomain::alias_of(&cfg, &name, &entry)
        .map_err(|e| AppletError::new(111, format!("vdeldomain: {e}")))?
    {
        deldomain::delete_alias(&cfg, &name, &entry, &real, verbose, &mut out)?;
    } else {
        let distributed = crate::cluster::domain_is_distributed(&cfg, &name)?;
        let mut db = Db::open(&cfg)?;
        deldomain::delete_real(&cfg, &mut db, &name, &entry, verbose, &mut out)?;
        drop(db);
        if distributed || (p.has("c") && crate::cluster::master_spec(&cfg)?.is_some()) {
            crate::cluster::forget_local_store(&cfg, &name, distributed)?;
        }
    }
    for l in lines {
        ctx.out.line(&l);
    }
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, &[name]).map_err(|e| AppletError::new(111, e))
}
