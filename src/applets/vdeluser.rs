//! vdeluser: remove a user, its rows and its mail.

use std::io::Read;

use super::{parse_args, reject_uppercase, Applet, Ctx};
use crate::address::{is_rfc_id, split_email};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::ops::user::{self, DeleteReport};
use crate::{domain, fail, hooks, sys};

const USAGE: &str = "usage: vdeluser [options] email_address
options: -V (print version number)
options: -v (verbose)";

const OPTIONS: &[OptSpec] = &[OptSpec::flag('v', "verbose: list what is removed")];

pub const APPLET: Applet = Applet {
    name: "vdeluser",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "delete a user of a virtual domain and its mail",
    synopsis: "[options] email_address",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || {
        AppletError::new(100, format!("vdeluser: warning: \n{USAGE}"))
    })?;
    let Some(email) = p.operands.first() else {
        fail!(1, "vdeluser: warning: {USAGE}");
    };
    reject_uppercase("vdeluser", email)?;
    let cfg = ctx.cfg.clone();
    let (user, dname) = split_email(&cfg, email);
    let Some(dom) = domain::resolve(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("vdeluser: {e}")))?
    else {
        fail!(1, "vdeluser: warning: {dname}: domain does not exist");
    };
    if dom.uid == 0 {
        fail!(100, "vdeluser: warning: domain {} with uid 0", dom.name);
    }
    if !sys::caller_may_act_as(dom.uid, dom.gid) {
        fail!(
            100,
            "vdeluser: you must be root or domain user (uid={}/gid={}) to run this program",
            dom.uid,
            dom.gid
        );
    }
    if is_rfc_id(&user) {
        ctx.out.put(&format!(
            "Are You sure removing RFC Id {user}@{} (y/n) - ",
            dom.name
        ));
        ctx.out.flush();
        let mut b = [0u8; 1];
        let answer = std::io::stdin()
            .read(&mut b)
            .map(|n| n == 1 && (b[0] == b'y' || b[0] == b'Y'));
        if !matches!(answer, Ok(true)) {
            fail!(255, "");
        }
    }
    let mut db = crate::cluster::user_db(&cfg, &user, &dom.name)?;
    // A distributed domain's user also leaves hostcntrl (connected before privileges drop).
    let mut master = if crate::cluster::domain_is_distributed(&cfg, &dom.name)? {
        crate::cluster::open_master(&cfg)?
    } else {
        None
    };
    if sys::geteuid() == 0 {
        sys::switch_to(dom.uid, dom.gid).map_err(|e| {
            AppletError::new(
                111,
                format!(
                    "vdeluser: setuser_privileges: ({}/{}): {e}",
                    dom.uid, dom.gid
                ),
            )
        })?;
    }
    let verbose = p.has("v");
    let out = &mut ctx.out;
    let mut print = |l: &str| out.line(l);
    user::delete(
        &mut db,
        &dom,
        &user,
        DeleteReport {
            verbose,
            out: &mut print,
        },
    )?;
    drop(db);
    if let Some(m) = master.as_mut() {
        crate::db::cluster::hostcntrl_delete(m, &user, &dom.name)?;
    }
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, &[format!("{user}@{}", dom.name)])
        .map_err(|e| AppletError::new(111, e))
}
