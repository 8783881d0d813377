//! vaddaliasdomain: make a new domain an alias of an existing real domain.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::ops::{aliasdomain, autoturn, domain as domainops};
use crate::{fail, hooks, sys};

const USAGE: &str = "usage: vaddaliasdomain [options] new_domain old_domain
options: -V (print version number)
options: -v (verbose)";

const OPTIONS: &[OptSpec] = &[OptSpec::flag('v', "verbose")];

pub const APPLET: Applet = Applet {
    name: "vaddaliasdomain",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "add an alias domain to a virtual domain",
    synopsis: "[options] new_domain old_domain",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, format!("vaddaliasdomain: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let (Some(new), Some(old)) = (p.operands.first().cloned(), p.operands.get(1).cloned()) else {
        return Err(usage());
    };
    for d in [&new, &old] {
        if d.bytes().any(|b| b.is_ascii_uppercase()) {
            fail!(
                100,
                "vaddaliasdomain: warning: domain [{d}] has an uppercase character"
            );
        }
    }
    let cfg = ctx.cfg.clone();
    let entry = crate::domain::lookup(&cfg, &old)
        .map_err(|e| AppletError::new(111, format!("vaddaliasdomain: {e}")))?;
    let Some(entry) = entry else {
        fail!(
            255,
            "vaddaliasdomain: warning: {old}: domain does not exist"
        );
    };
    if entry.uid == 0 {
        fail!(100, "vaddaliasdomain: warning: domain {old} with uid 0");
    }
    if !sys::caller_may_act_as(entry.uid, entry.gid) {
        fail!(
            100,
            "vaddaliasdomain: warning: you must be root or domain user (uid={}, gid={}) to run this program",
            entry.uid,
            entry.gid
        );
    }
    let fatal =
        format!("vaddaliasdomain: fatal: failed to create alias domain {new} for domain {old}");
    if let Err((_, msg)) = domainops::check_name(&new) {
        let reason = msg
            .strip_prefix("vadddomain: warning: ")
            .unwrap_or(&msg)
            .to_string();
        fail!(1, "addaliasdomain: Invalid Domain Name: {reason}\n{fatal}");
    }
    if autoturn::known(&cfg, &new) {
        fail!(1, "addaliasdomain: domain {new} exists\n{fatal}");
    }
    let real = crate::domain::real_domain(&cfg, &old)
        .map_err(|e| AppletError::new(111, format!("vaddaliasdomain: {e}")))?
        .unwrap_or_else(|| old.clone());
    if real != old {
        fail!(
            1,
            "addaliasdomain: {old} is itself an alias of {real}: make {new} an alias of {real}\n{fatal}"
        );
    }
    let (iuid, igid) = cfg.indimail_ids().map_err(|e| AppletError::new(111, e))?;
    sys::become_root()
        .map_err(|e| AppletError::new(111, format!("vaddaliasdomain: fatal: setuid: {e}")))?;
    if let Err(e) = aliasdomain::add(&cfg, &new, &old, &entry, Some((iuid, igid))) {
        fail!(1, "{}\n{fatal}", e.message);
    }
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, &[new, old]).map_err(|e| AppletError::new(111, e))
}
