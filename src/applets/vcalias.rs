//! vcalias: convert a domain's `.qmail-<alias>` files into valias rows.

use super::{Applet, Ctx};
use crate::cli::{AppletError, AppletResult};
use crate::db::Db;
use crate::fail;
use crate::ops::calias;

pub const APPLET: Applet = Applet {
    name: "vcalias",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "convert .qmail alias files of a domain into valias rows",
    synopsis: "domain",
    options: &[],
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    if args.len() != 1 {
        fail!(1, "vcalias: Usage: vcalias domain");
    }
    let cfg = ctx.cfg.clone();
    let Some(d) = crate::domain::resolve(&cfg, &args[0])
        .map_err(|e| AppletError::new(111, format!("vcalias: {e}")))?
    else {
        fail!(
            255,
            "could not find domain {} in indimail assign file",
            args[0]
        );
    };
    super::vsetuserquota::require_indimail(&cfg, 100)?;
    let mut db = Db::open(&cfg)?;
    let name = d.name.clone();
    let out = &mut ctx.out;
    calias::files_to_rows(&mut db, &name, &d, &mut |l| out.line(l))?;
    Ok(0)
}
