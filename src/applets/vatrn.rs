//! vatrn: manage ATRN domain maps (`atrn_map`: which domains a user may ATRN).

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{domains, Db};
use crate::fail;

const USAGE: &str = "usage: vatrn [options] email|ATRNdomain
options: -d ATRNdomain (delete mapping)
         -i ATRNdomain (add    mapping)
         -u ATRNdomain -i newATRNDomain (update mapping)
         -s print mapping
         -V print version number
         -v verbose";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('s', "print the mappings"),
    OptSpec::value('d', "ATRNdomain", "delete a mapping"),
    OptSpec::value('i', "ATRNdomain", "add a mapping (with -u: the new domain)"),
    OptSpec::value('u', "ATRNdomain", "update this mapping to the -i domain"),
    OptSpec::value('n', "arg", "accepted and ignored"),
];

pub const APPLET: Applet = Applet {
    name: "vatrn",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "manage ATRN domain maps",
    synopsis: "[options] email|ATRNdomain",
    options: OPTIONS,
    run,
};

fn usage(first: &str) -> AppletError {
    AppletError::new(1, format!("{first}vatrn: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage(""))?;
    let (i, d, u) = (p.value("i"), p.value("d"), p.value("u"));
    let action = if u.is_some() {
        'u'
    } else if d.is_some() {
        'd'
    } else if i.is_some() {
        'i'
    } else if p.has("s") {
        's'
    } else {
        return Err(usage(
            "vatrn: must specify one of -s, -i, -u and -i, -d options\n",
        ));
    };
    let email = p.operands.first().cloned();
    if action != 's' && email.is_none() {
        return Err(usage("must supply email address or domain\n"));
    }
    if action == 'u' && i.is_none() {
        return Err(usage("must supply argument for domain\n"));
    }
    if let Some(e) = &email {
        if e.bytes().any(|b| b.is_ascii_uppercase()) {
            fail!(100, "vatrn: warning: [{e}] has an uppercase character");
        }
    }
    let cfg = ctx.cfg.clone();
    let (user, domain) = match &email {
        Some(e) => crate::address::split_email(&cfg, e),
        None => (String::new(), String::new()),
    };
    let mut db = Db::open(&cfg)?;
    let changed = match action {
        'i' => domains::atrn_insert(&mut db, &user, &domain, i.unwrap_or_default())?,
        'd' => domains::atrn_delete(&mut db, &user, &domain, d.unwrap_or_default())?,
        'u' => domains::atrn_update(
            &mut db,
            &user,
            &domain,
            u.unwrap_or_default(),
            i.unwrap_or_default(),
        )?,
        _ => {
            let rows = match &email {
                Some(e) if e.contains('@') => {
                    domains::atrn_select(&mut db, Some((&user, &domain)))?
                }
                Some(e) => domains::atrn_by_domain(&mut db, e)?,
                None => domains::atrn_select(&mut db, None)?,
            };
            for (u, d, l) in &rows {
                ctx.out.line(&format!("{u:<20} {d:<20} {l}"));
            }
            if rows.is_empty() && p.has("v") {
                ctx.out.line("No ATRN Maps present");
            }
            return Ok(if rows.is_empty() { 1 } else { 0 });
        }
    };
    Ok(if changed > 0 { 0 } else { 1 })
}
