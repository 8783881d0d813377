//! printdir: the print_control dump of a domain's directory-hashing tables.

use super::{Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::Db;
use crate::fail;
use crate::ops::domaininfo;
use crate::sys;

const OPTIONS: &[OptSpec] = &[];

pub const APPLET: Applet = Applet {
    name: "printdir",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "show the directory-hashing state of a domain",
    synopsis: "domain_name",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, "usage: printdir domain_name")
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    if args.len() != 1 {
        return Err(usage());
    }
    // no getopt: the original takes its one argument as the domain
    let domain = args[0].clone();
    let cfg = ctx.cfg.clone();
    let entry = crate::domain::lookup(&cfg, &domain)
        .map_err(|e| AppletError::new(111, format!("printdir: {e}")))?;
    let Some(entry) = entry else {
        fail!(255, "printdir: domain {domain} does not exist");
    };
    if entry.uid == 0 {
        fail!(100, "printdir: domain {domain} with uid 0");
    }
    if sys::getuid() != entry.uid {
        sys::switch_to(entry.uid, entry.gid).map_err(|e| {
            AppletError::new(
                1,
                format!(
                    "printdir: setuser_privilege: ({}/{}): {}",
                    entry.uid,
                    entry.gid,
                    crate::mailstore::remove::error_text(&e)
                ),
            )
        })?;
    }
    let upl = entry.file(".users_per_level");
    let per_level = match crate::config::first_line(&upl) {
        Ok(None) => 0,
        Ok(Some(l)) if l.is_empty() => {
            fail!(1, "print_control: incomplete line: {}", upl.display())
        }
        Ok(Some(l)) => scan_int(&l),
        Err(e) => fail!(
            1,
            "printdir: {}: {}",
            upl.display(),
            crate::mailstore::remove::error_text(&e)
        ),
    };
    let mut db = Db::open(&cfg)?;
    for dc in domaininfo::dir_controls(&mut db, &domain, &entry.dir, per_level)? {
        domaininfo::print_control(&dc, &mut |l| ctx.out.line(l));
    }
    Ok(0)
}

/// qmail `scan_int` of a non-negative count: leading digits, 0 when none.
fn scan_int(s: &str) -> u64 {
    s.bytes().take_while(u8::is_ascii_digit).fold(0u64, |v, b| {
        v.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    })
}
