//! vmoveuserdir: move a user's home directory and update its row.

use super::{reject_uppercase, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::ops::moduser;
use crate::{domain, fail, hooks, sys};

const OPTIONS: &[OptSpec] = &[];

pub const APPLET: Applet = Applet {
    name: "vmoveuserdir",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "move the home directory of a virtual-domain user",
    synopsis: "user@domain new_dir",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    if args.len() != 2 {
        fail!(1, "usage: vmoveuserdir user new_dir");
    }
    let (email, new_dir) = (&args[0], &args[1]);
    reject_uppercase("vmoveuserdir", email)?;
    let Some((user, dname)) = email.split_once('@') else {
        fail!(
            1,
            "vmoveuserdir: warning: {email}: Not a fully qualified email"
        );
    };
    let cfg = ctx.cfg.clone();
    let Some(real) = domain::real_domain(&cfg, dname)
        .map_err(|e| AppletError::new(111, format!("vmoveuserdir: {e}")))?
    else {
        fail!(1, "vmoveuserdir: warning: {dname}: No such domain");
    };
    let Some(dom) = domain::lookup(&cfg, &real)
        .map_err(|e| AppletError::new(111, format!("vmoveuserdir: {e}")))?
    else {
        fail!(1, "vmoveuserdir: warning: domain {dname} does not exist");
    };
    if dom.uid == 0 {
        fail!(100, "vmoveuserdir: warning: domain {real} with uid 0");
    }
    if !sys::caller_may_act_as(dom.uid, dom.gid) {
        fail!(
            100,
            "vmoduser: you must be root or domain user (uid={}/gid={}) to run this program",
            dom.uid,
            dom.gid
        );
    }
    let mut db = crate::cluster::user_db(&cfg, user, &real)?;
    let old = moduser::move_home(&mut db, &dom, user, new_dir)?;
    drop(db);
    ctx.out
        .line(&format!("{user}@{dname} old {old} new {new_dir} done"));
    ctx.out.flush();
    hooks::post_handle(
        &cfg,
        APPLET.name,
        &[format!("{user}@{real}"), old, new_dir.clone()],
    )
    .map_err(|e| AppletError::new(111, e))
}
