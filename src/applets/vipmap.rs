//! vipmap: IP-based virtual domains (`ip_alias_map`: local IP → domain).

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::cluster as sql;
use crate::db::Db;

const USAGE: &str = "usage: vipmap [options] domain
options: -d ipaddr (delete mapping)
         -i ipaddr (add    mapping)
         -u ipaddr (update mapping)
         -s print mapping
         -V print version number
         -v verbose";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('s', "print the mappings"),
    OptSpec::value('d', "ipaddr", "delete a mapping"),
    OptSpec::value('i', "ipaddr", "add a mapping"),
    OptSpec::value('u', "ipaddr", "change the domain of a mapping"),
    OptSpec::long_flag("json", "with -s: the mappings as JSON"),
];

pub const APPLET: Applet = Applet {
    name: "vipmap",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "map local IP addresses to virtual domains",
    synopsis: "[options] [domain]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, format!("vipmap: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let action = p
        .opts
        .iter()
        .rev()
        .find(|(k, _)| ["s", "d", "i", "u"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
        .unwrap_or(("s".into(), String::new()));
    let domain = p.operands.first().cloned();
    let (action, ip) = action;
    if action != "s" && domain.is_none() {
        return Err(usage());
    }
    if let Some(d) = &domain {
        if d.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(AppletError::new(
                100,
                format!("vipmap: domain [{d}] has an uppercase character"),
            ));
        }
    }
    let cfg = ctx.cfg.clone();
    let mut db = Db::open(&cfg)?;
    let d = domain.unwrap_or_default();
    let n = match action.as_str() {
        "i" => sql::ipmap_replace(&mut db, &ip, &d)?,
        "d" => sql::ipmap_delete(&mut db, &ip, &d)?,
        "u" => sql::ipmap_update(&mut db, &ip, &d)?,
        _ => {
            let rows = sql::ipmap_select(&mut db, (!d.is_empty()).then_some(d.as_str()))?;
            if p.has("json") {
                let v: Vec<_> = rows
                    .iter()
                    .map(|(ip, d)| serde_json::json!({"ipaddr": ip, "domain": d}))
                    .collect();
                ctx.out
                    .line(&serde_json::to_string_pretty(&v).unwrap_or_default());
                return Ok(0);
            }
            for (ip, d) in &rows {
                ctx.out.line(&format!("{ip} {d}"));
            }
            if rows.is_empty() && p.has("v") {
                ctx.out.line("No IP Maps present");
            }
            return Ok(0);
        }
    };
    Ok(if n > 0 { 0 } else { 1 })
}
