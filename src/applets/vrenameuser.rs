//! vrenameuser: give a mailbox a new address, in the same or another domain.

use std::path::PathBuf;

use super::{parse_args, Applet, Ctx};
use crate::address::split_email;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::ops::moduser;
use crate::{domain, fail, hooks, sys};

const USAGE: &str = "usage: vrenameuser [options] old_email_address new_email_address
options: -V (print version number)
options: -v (verbose)";

const OPTIONS: &[OptSpec] = &[OptSpec::flag('v', "verbose")];

pub const APPLET: Applet = Applet {
    name: "vrenameuser",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "rename a user of a virtual domain (also to another domain)",
    synopsis: "[options] old_email_address new_email_address",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, format!("vrenameuser: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let (Some(old_email), Some(new_email)) = (p.operands.first(), p.operands.get(1)) else {
        return Err(usage());
    };
    if old_email.is_empty() || new_email.is_empty() {
        return Err(usage());
    }
    let cfg = ctx.cfg.clone();
    let (old_user, old_d) = split_email(&cfg, old_email);
    let (new_user, new_d) = split_email(&cfg, new_email);
    let resolve = |d: &str| -> Result<domain::Domain, AppletError> {
        match domain::resolve(&cfg, d)
            .map_err(|e| AppletError::new(111, format!("vrenameuser: {e}")))?
        {
            Some(dom) if dom.uid == 0 => Err(AppletError::new(
                100,
                format!("vrenameuser: warning: domain {d} with uid 0"),
            )),
            Some(dom) => Ok(dom),
            None => Err(AppletError::new(
                1,
                format!("vrenameuser: warning: {d}: domain does not exist"),
            )),
        }
    };
    let old_dom = resolve(&old_d)?;
    let new_dom = resolve(&new_d)?;
    if sys::getuid() != 0 {
        let (iu, ig) = cfg
            .indimail_ids()
            .map_err(|e| AppletError::new(111, format!("vrenameuser: {e}")))?;
        if !sys::caller_may_act_as(iu, ig) {
            fail!(
                100,
                "vrenameuser: warning: you must be root or domain user (uid={iu}, gid={ig}) to run this program"
            );
        }
    }
    let base_path = match new_dom.base_path() {
        Ok(Some(l)) if l.len() < 3 => fail!(
            1,
            "vrenameuser: {}: incomplete line",
            new_dom.file(".base_path").display()
        ),
        Ok(Some(l)) => PathBuf::from(l),
        Ok(None) => cfg.base_path.clone(),
        Err(e) => fail!(
            111,
            "vrenameuser: open: {}: {e}",
            new_dom.file(".base_path").display()
        ),
    };
    // Clustered sites: the user is renamed on its own mail store, and its
    // hostcntrl row follows; across domains only when the new address
    // belongs on the same store (crate::cluster::rename_plan).
    let plan =
        crate::cluster::rename_plan(&cfg, &old_user, &old_dom.name, &new_user, &new_dom.name)?;
    let mut db = plan.db;
    let mut master = if plan.old_registered || plan.new_host.is_some() {
        Some(
            crate::cluster::open_master(&cfg)?
                .ok_or_else(|| AppletError::new(111, "vrenameuser: failed to open master db"))?,
        )
    } else {
        None
    };
    if old_dom.uid == new_dom.uid && old_dom.gid == new_dom.gid {
        if sys::geteuid() == 0 {
            sys::switch_to(old_dom.uid, old_dom.gid).map_err(|e| {
                AppletError::new(
                    111,
                    format!(
                        "vrenameuser: fatal: setuser_privilege: ({}/{}): {e}",
                        old_dom.uid, old_dom.gid
                    ),
                )
            })?;
        }
    } else if sys::geteuid() != 0 {
        fail!(
            111,
            "vrenameuser: fatal: setuid-root: the two domains have different owners; root is needed"
        );
    }
    moduser::rename(
        &mut db, &old_dom, &old_user, &new_dom, &new_user, &base_path,
    )?;
    if let Some(m) = master.as_mut() {
        let passwd = crate::db::users::get(&mut db, &new_user, &new_dom.name)?
            .map(|(r, _)| r.passwd)
            .unwrap_or_default();
        if plan.old_registered {
            crate::db::cluster::hostcntrl_delete(m, &old_user, &old_dom.name)?;
        }
        if let Some(host) = &plan.new_host {
            crate::db::cluster::hostcntrl_insert(m, &new_user, &new_dom.name, &passwd, host)?;
        }
    }
    drop(db);
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, &[old_email.clone(), new_email.clone()])
        .map_err(|e| AppletError::new(111, e))
}
