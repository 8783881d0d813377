//! vrenamedomain: rename a virtual domain (users, rows, homes, control files).

use super::{Applet, Ctx};
use crate::cli::{AppletError, AppletResult};
use crate::db::Db;
use crate::ops::{aliasdomain, autoturn, deldomain, domain as domainops, renamedomain};
use crate::{fail, hooks, sys};

pub const APPLET: Applet = Applet {
    name: "vrenamedomain",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "rename a virtual domain",
    synopsis: "old_domain_name new_domain_name",
    options: &[],
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    if args.len() != 2 {
        fail!(1, "USAGE: vrenamedomain old_domain_name new_domain_name");
    }
    let (old, new) = (args[0].clone(), args[1].clone());
    for d in [&old, &new] {
        if d.bytes().any(|b| b.is_ascii_uppercase()) {
            fail!(
                100,
                "vrenamedomain: warning: domain [{d}] has an uppercase character"
            );
        }
    }
    let cfg = ctx.cfg.clone();
    let Some(entry) = crate::domain::lookup(&cfg, &old)
        .map_err(|e| AppletError::new(111, format!("vrenamedomain: {e}")))?
    else {
        fail!(1, "vrenamedomain: warning: {old}: domain does not exist");
    };
    if entry.uid == 0 {
        fail!(100, "vrenamedomain: warning: domain {old} with uid 0");
    }
    if !sys::caller_may_act_as(entry.uid, entry.gid) {
        fail!(
            100,
            "vrenamedomain: warning: you must be root or domain user (uid={}, gid={}) to run this program",
            entry.uid,
            entry.gid
        );
    }
    sys::become_root()
        .map_err(|e| AppletError::new(111, format!("vrenamedomain: fatal: setuid-root: {e}")))?;
    if autoturn::known(&cfg, &new) {
        fail!(1, "vrenamedomain: warning: {new}: domain exists");
    }
    if let Err((code, msg)) = domainops::check_name(&new) {
        fail!(code, "{}", msg.replace("vadddomain:", "vrenamedomain:"));
    }
    let (iuid, igid) = cfg.indimail_ids().map_err(|e| AppletError::new(111, e))?;
    let mut lines = Vec::new();
    let mut out = |l: &str| lines.push(l.to_string());
    if let Some(real) = deldomain::alias_of(&cfg, &old, &entry)
        .map_err(|e| AppletError::new(111, format!("vrenamedomain: {e}")))?
    {
        out(&format!("Renaming alias domain {old} ({real}) to {new}"));
        let Some(re) = crate::domain::lookup(&cfg, &real)
            .map_err(|e| AppletError::new(111, format!("vrenamedomain: {e}")))?
        else {
            fail!(1, "vrenamedomain: warning: {real}: domain does not exist");
        };
        aliasdomain::add(&cfg, &new, &real, &re, Some((iuid, igid)))?;
        deldomain::delete_alias(&cfg, &old, &entry, &real, false, &mut out)?;
        for l in lines {
            ctx.out.line(&l);
        }
        return Ok(0);
    }
    let mut db = Db::open(&cfg)?;
    renamedomain::rename_real(
        &cfg,
        &mut db,
        &old,
        &new,
        &entry,
        Some((iuid, igid)),
        &mut out,
    )?;
    drop(db);
    for l in lines {
        ctx.out.line(&l);
    }
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, &[old, new]).map_err(|e| AppletError::new(111, e))
}
