//! vsetuserquota: set a user's quota and rewrite its maildirsize.

use super::{parse_args, reject_uppercase, Applet, Ctx};
use crate::address::split_email;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::users;
use crate::mailstore::quota;
use crate::ops::user;
use crate::{domain, fail, sys};

const USAGE: &str = "usage: vsetuserquota [options] email_address quota
options: -V (print version number)
         -v (verbose)
quota is in bytes (k, m, g suffixes allowed), NOQUOTA, or bytes,count";

const OPTIONS: &[OptSpec] = &[OptSpec::flag('v', "verbose")];

pub const APPLET: Applet = Applet {
    name: "vsetuserquota",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "set the quota of a virtual-domain user",
    synopsis: "[options] email_address quota",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, format!("vsetuserquota: warning: {USAGE}"))
}

/// vuserinfo and vsetuserquota: root, the indimail user or its group.
pub fn require_indimail(cfg: &crate::config::Config, code: i32) -> Result<(), AppletError> {
    if sys::getuid() == 0 {
        return Ok(());
    }
    match cfg.indimail_ids() {
        Ok((u, g)) if sys::caller_may_act_as(u, g) => Ok(()),
        _ => Err(AppletError::new(
            code,
            "you must be root or indimail to run this program",
        )),
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let (Some(email), Some(q)) = (p.operands.first(), p.operands.get(1)) else {
        return Err(usage());
    };
    reject_uppercase("vsetuserquota", email)?;
    let cfg = ctx.cfg.clone();
    require_indimail(&cfg, 100)?;
    if !q.starts_with("NOQUOTA") {
        quota::validate_quota_arg(q)
            .map_err(|e| AppletError::new(100, format!("setuserquota: parse_quota: {q}: {e}")))?;
    }
    let shell = user::quota_string(q)
        .map_err(|e| AppletError::new(100, format!("setuserquota: parse_quota: {q}: {e}")))?;
    let (uname, dname) = split_email(&cfg, email);
    let Some(real) = domain::real_domain(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("vsetuserquota: {e}")))?
    else {
        fail!(1, "{dname}: No such domain");
    };
    let Some(dom) = domain::lookup(&cfg, &real)
        .map_err(|e| AppletError::new(111, format!("vsetuserquota: {e}")))?
    else {
        fail!(1, "{real}: domain does not exist");
    };
    let mut db = crate::cluster::user_db(&cfg, &uname, &real).map_err(|e| match e {
        crate::cluster::ClusterError::Db(_) => AppletError::new(1, "temporary database error"),
        e => e.into(),
    })?;
    let Some((mut row, _)) = users::get(&mut db, &uname, &real)? else {
        fail!(1, "{email}: No such user\n");
    };
    if row.shell != shell {
        users::set_quota(&mut db, &uname, &real, &shell)?;
        row.shell = shell;
    }
    let usage = match user::recalc(&row, dom.owner()) {
        Ok(Some(u)) => u.bytes,
        Ok(None) => 0,
        Err(e) => {
            eprintln!("vsetuserquota: recalc_quota: {e}");
            -1
        }
    };
    ctx.out.line(&format!("usage {usage} bytes"));
    Ok(if usage < 0 { 1 } else { 0 })
}
