//! vcaliasrev: convert a domain's valias rows back into `.qmail-<alias>` files.

use super::{Applet, Ctx};
use crate::cli::{AppletError, AppletResult};
use crate::db::Db;
use crate::fail;
use crate::ops::calias;

pub const APPLET: Applet = Applet {
    name: "vcaliasrev",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "convert valias rows of a domain into .qmail alias files",
    synopsis: "domain",
    options: &[],
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    if args.len() != 1 {
        fail!(1, "USAGE: vcaliasrev domain");
    }
    let cfg = ctx.cfg.clone();
    let Some(d) = crate::domain::resolve(&cfg, &args[0])
        .map_err(|e| AppletError::new(111, format!("vcaliasrev: {e}")))?
    else {
        fail!(1, "{}: Invalid Domain", args[0]);
    };
    super::vsetuserquota::require_indimail(&cfg, 100)?;
    let mut db = Db::open(&cfg)?;
    let name = d.name.clone();
    let out = &mut ctx.out;
    calias::rows_to_files(&mut db, &name, &d, &mut |l| out.line(l))?;
    Ok(0)
}
