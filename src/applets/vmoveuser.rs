//! vmoveuser: move a user's home to another directory (any local filesystem).

use super::{Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::ops::moveuser;
use crate::{domain, fail, hooks, sys};

const OPTIONS: &[OptSpec] = &[];

pub const APPLET: Applet = Applet {
    name: "vmoveuser",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "move a virtual-domain user's home to another directory or filesystem",
    synopsis: "user@domain new_dir",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    if args.len() != 2 {
        fail!(1, "usage: vmoveuser user new_dir");
    }
    let cfg = ctx.cfg.clone();
    let (iuid, igid) = cfg
        .indimail_ids()
        .map_err(|e| AppletError::new(111, format!("vmoveuser: {e}")))?;
    if !sys::caller_may_act_as(iuid, igid) {
        fail!(
            1,
            "vadduser: you must be root or domain user (uid={iuid}/gid={igid}) to run this program"
        );
    }
    let (email, new_dir) = (&args[0], &args[1]);
    let Some((user, dname)) = email.split_once('@') else {
        fail!(1, "vmoveuser: {email}: Not a fully qualified email");
    };
    let Some(real) = domain::real_domain(&cfg, dname)
        .map_err(|e| AppletError::new(111, format!("vmoveuser: {e}")))?
    else {
        fail!(1, "vmoveuser: domain {dname} does not exist");
    };
    let Some(dom) = domain::lookup(&cfg, &real)
        .map_err(|e| AppletError::new(111, format!("vmoveuser: {e}")))?
    else {
        fail!(1, "vmoveuser: domain {real} does not exist");
    };
    if dom.uid == 0 {
        fail!(100, "vmovuser: domain {real} with uid 0");
    }
    sys::become_root().map_err(|e| AppletError::new(1, format!("vmoveuser: setuid-root: {e}")))?;
    let mut db = crate::cluster::user_db(&cfg, user, &real)?;
    let old = moveuser::move_user(&mut db, &dom, user, new_dir)?;
    drop(db);
    let new_dir = if new_dir.len() > 1 {
        new_dir.trim_end_matches('/')
    } else {
        new_dir
    };
    ctx.out
        .line(&format!("{user}@{dname} old {old} new {new_dir} done"));
    ctx.out.flush();
    hooks::post_handle(
        &cfg,
        APPLET.name,
        &[format!("{user}@{real}"), old, new_dir.to_string()],
    )
    .map_err(|e| AppletError::new(111, e))
}
