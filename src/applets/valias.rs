//! valias: show, track, add, remove and change `valias` delivery lines.

use super::{parse_args, Applet, Ctx};
use crate::address::split_email;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::cluster::{self, Route};
use crate::db::valias;
use crate::{domain, fail};

const USAGE: &str = "usage: valias [options] [email_address | domain_name]
options: -v ( print version number )
         -v ( verbose )
         -s ( show aliases )
         -S ( track aliases )
         -d alias_line (delete alias line)
         -i alias_line (insert alias line)
         -u old_alias_line -i new_alias_line (update alias line)
         -m ( ignore requirement of email_address to be local)";

/// Width of the `valias_line` column.
const MAX_LINE: usize = 190;

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag(
        'm',
        "ignore the requirement of the address to be local (implies -v)",
    ),
    OptSpec::flag(
        's',
        "show the lines of an alias, a domain (@domain) or every alias",
    ),
    OptSpec::flag('S', "track: the aliases that have this exact line"),
    OptSpec::value('d', "alias_line", "delete this line"),
    OptSpec::value(
        'i',
        "alias_line",
        "insert this line (with -u: the new line)",
    ),
    OptSpec::value(
        'u',
        "old_alias_line",
        "update this line (the new one is given with -i)",
    ),
    OptSpec::long_flag("json", "show/track: print JSON (docs/json.md)"),
];

pub const APPLET: Applet = Applet {
    name: "valias",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "manage the database aliases (valias) of a virtual domain",
    synopsis: "[options] [email_address | domain_name]",
    options: OPTIONS,
    run,
};

fn usage_error(msg: &str) -> AppletError {
    let lead = if msg.is_empty() {
        String::new()
    } else {
        format!("{msg}\n")
    };
    AppletError::new(1, format!("{lead}valias: warning: {USAGE}"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Select,
    Insert,
    Delete,
    Update,
    Track,
}

fn check_line(line: &str) -> Result<(), AppletError> {
    if line.chars().count() > MAX_LINE {
        fail!(
            1,
            "valias: alias line too long ({} characters, at most {MAX_LINE})",
            line.chars().count()
        );
    }
    Ok(())
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage_error(""))?;
    let mut action = Action::Select;
    let (mut line, mut old_line): (Option<String>, Option<String>) = (None, None);
    for (k, v) in &p.opts {
        match (k.as_str(), v) {
            ("S", _) => action = Action::Track,
            ("s", _) => action = Action::Select,
            ("u", Some(v)) => {
                action = Action::Update;
                if v.is_empty() {
                    return Err(usage_error("valias: You cannot have an empty alias line"));
                }
                old_line = Some(v.clone());
            }
            ("d", Some(v)) => {
                action = Action::Delete;
                line = Some(v.clone());
            }
            ("i", Some(v)) => {
                if action != Action::Update {
                    action = Action::Insert;
                }
                if v.is_empty() {
                    return Err(usage_error("valias: You cannot have an empty alias line"));
                }
                line = Some(v.clone());
            }
            _ => {}
        }
    }
    let verbose = p.has("v") || p.has("m");
    let json = p.has("json");
    let Some(email) = p.operands.first().filter(|e| !e.is_empty()) else {
        return Err(usage_error(
            "valias: must supply alias email address or a domain name",
        ));
    };
    let cfg = ctx.cfg.clone();
    let (alias, dname) = split_email(&cfg, email);
    let real = if dname.is_empty() {
        dname.clone()
    } else {
        domain::real_domain(&cfg, &dname)
            .map_err(|e| AppletError::new(111, format!("valias: {e}")))?
            .unwrap_or_else(|| dname.clone())
    };
    // -u without -i: nothing to update to.
    if action == Action::Update && line.is_none() {
        return Err(usage_error("valias: -u needs the new alias line with -i"));
    }
    if matches!(action, Action::Insert | Action::Update) {
        if alias.is_empty() || real.is_empty() {
            fail!(
                1,
                "valias: {email}: an alias address (alias@domain) is needed to insert or update"
            );
        }
        if alias.len() > crate::address::MAX_PW_NAME || real.len() > crate::address::MAX_PW_DOMAIN {
            fail!(
                1,
                "valias: {email}: alias or domain too long (at most 40 and 67 characters)"
            );
        }
    }
    // A distributed domain's alias lives on the mail store its hostcntrl row
    // names (valias registers it there on the first insert); listings of a
    // domain or of every alias, and tracking, read the local database (as
    // the original).
    let route = if alias.is_empty() || real.is_empty() || action == Action::Track {
        Route::Local
    } else {
        cluster::route(&cfg, &alias, &real)?
    };
    if matches!(action, Action::Insert | Action::Update) && !p.has("m") {
        let l = line.as_deref().unwrap_or_default().trim_start_matches(' ');
        check_mailstore(&cfg, &route, l)?;
    }
    // An alias of a distributed domain inserted for the first time is
    // registered on this host (hostcntrl, password `alias`), as the original
    // does; its lines then go to the store that row names, so every reader
    // (inlookup, valias) finds them there.
    let mut registered = false;
    let route = if action == Action::Insert && route == Route::Unregistered {
        registered = register_alias(&cfg, &alias, &real)?;
        cluster::route(&cfg, &alias, &real)?
    } else {
        route
    };
    let result = run_action(
        ctx,
        action,
        &cfg,
        &route,
        AliasArgs {
            email,
            alias: &alias,
            dname: &dname,
            real: &real,
            line,
            old_line,
            verbose,
            json,
        },
    );
    if registered && !matches!(result, Ok(0)) {
        // All or nothing: our registration goes with a failed insert.
        if let Some(mut m) = cluster::open_master(&cfg)? {
            crate::db::cluster::hostcntrl_delete_alias(&mut m, &alias, &real)?;
        }
    }
    result
}

struct AliasArgs<'a> {
    email: &'a str,
    alias: &'a str,
    dname: &'a str,
    real: &'a str,
    line: Option<String>,
    old_line: Option<String>,
    verbose: bool,
    json: bool,
}

/// A line naming an address of a distributed domain that lives on another
/// mail store than the alias is refused unless -m (the original's
/// `not local (mailstore X)`; it compares with this host, we with the store
/// that will hold the alias's rows).
fn check_mailstore(
    cfg: &crate::config::Config,
    route: &Route,
    line: &str,
) -> Result<(), AppletError> {
    // Only an alias of a distributed domain is checked (as the original),
    // and only a line that is an address (not a Maildir or a program).
    if matches!(route, Route::Local) || line.starts_with(['|', '/']) {
        return Ok(());
    }
    let Some((u, d)) = line.trim_start_matches('&').split_once('@') else {
        return Ok(());
    };
    if u.is_empty() || d.is_empty() || d.contains('/') {
        return Ok(());
    }
    let d = domain::real_domain(cfg, d)
        .ok()
        .flatten()
        .unwrap_or_else(|| d.to_string());
    let target = cluster::route(cfg, u, &d)?;
    let Route::Registered { ip: Some(ip), .. } = &target else {
        return Ok(());
    };
    let here = match route {
        Route::Registered { ip, .. } => ip.clone(),
        _ => cluster::local_ip(cfg),
    };
    if here.as_deref() != Some(ip.as_str()) {
        fail!(1, "valias: {line} not local (mailstore {ip})");
    }
    Ok(())
}

/// hostcntrl row for a new alias of a distributed domain, on this host;
/// false when another process registered it first (its row stands).
fn register_alias(
    cfg: &crate::config::Config,
    alias: &str,
    real: &str,
) -> Result<bool, AppletError> {
    let Some(host) = cluster::local_hostid(cfg) else {
        fail!(
            111,
            "valias_insert: could not get local hostid: {alias}@{real}"
        );
    };
    let Some(mut m) = cluster::open_master(cfg)? else {
        fail!(111, "valias_insert: failed to open master db");
    };
    Ok(crate::db::cluster::hostcntrl_insert(
        &mut m, alias, real, "alias", &host,
    )?)
}

fn run_action(
    ctx: &mut Ctx,
    action: Action,
    cfg: &crate::config::Config,
    route: &Route,
    a: AliasArgs,
) -> AppletResult {
    let AliasArgs {
        email,
        alias,
        dname,
        real,
        line,
        old_line,
        verbose,
        json,
    } = a;
    let (alias, dname, real) = (alias.to_string(), dname.to_string(), real.to_string());
    let email = email.to_string();
    let mut db = cluster::open_route(cfg, route, &alias, &real).map_err(|e| match e {
        cluster::ClusterError::Db(e) => AppletError::new(1, e.to_string()),
        e => AppletError::from(e),
    })?;
    match action {
        Action::Select => {
            let rows = if !alias.is_empty() {
                if real.is_empty() {
                    Vec::new()
                } else {
                    valias::lines(&mut db, &alias, &real)?
                        .into_iter()
                        .map(|l| valias::AliasRow {
                            alias: alias.clone(),
                            domain: real.clone(),
                            line: l,
                        })
                        .collect()
                }
            } else {
                valias::select_all(&mut db, (!real.is_empty()).then_some(real.as_str()))?
            };
            if json {
                ctx.out
                    .line(&serde_json::to_string_pretty(&rows).unwrap_or_default());
            } else {
                for r in &rows {
                    // An alias-domain query prints the name as given, like the original.
                    let d = if dname.is_empty() { &r.domain } else { &dname };
                    ctx.out.line(&format!("{}@{d} -> {}", r.alias, r.line));
                }
            }
            Ok(0)
        }
        Action::Track => {
            let rows = valias::track(&mut db, &email)?;
            if json {
                let v: Vec<valias::AliasRow> = rows
                    .into_iter()
                    .map(|(alias, domain)| valias::AliasRow {
                        alias,
                        domain,
                        line: email.clone(),
                    })
                    .collect();
                ctx.out
                    .line(&serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                for (a, d) in rows {
                    ctx.out.line(&format!("{a}@{d} -> {email}"));
                }
            }
            Ok(0)
        }
        Action::Insert => {
            let l = line.unwrap_or_default();
            let l = l.trim_start_matches(' ');
            if l.is_empty() {
                return Err(usage_error("valias: You cannot have an empty alias line"));
            }
            check_line(l)?;
            if valias::exists(&mut db, &alias, &real, l)? {
                fail!(
                    255,
                    "valias_insert: alias line [{l}] already exists for alias {alias}@{real}"
                );
            }
            let n = valias::insert(&mut db, &alias, &real, l)?;
            if verbose {
                if n > 0 {
                    ctx.out.line(&format!("Added alias {alias}@{real}"));
                } else {
                    eprintln!("valias_insert: No alias {alias}@{real}");
                }
            }
            Ok(if n > 0 { 0 } else { 1 })
        }
        Action::Delete => {
            let l = line.unwrap_or_default();
            if real.is_empty() {
                return Ok(1);
            }
            let n = if l.is_empty() {
                valias::delete_alias(&mut db, &alias, &real)?
            } else {
                valias::delete_line(&mut db, &alias, &real, &l)?
            };
            // The alias's last line gone: so is the hostcntrl row valias
            // registered for it (the original drops it at every delete).
            if matches!(route, Route::Registered { .. })
                && valias::lines(&mut db, &alias, &real)?.is_empty()
            {
                if let Some(mut m) = cluster::open_master(cfg)? {
                    crate::db::cluster::hostcntrl_delete_alias(&mut m, &alias, &real)?;
                }
            }
            if verbose {
                if n > 0 {
                    ctx.out.line(&format!(
                        "Deleted alias line {l} for alias {alias}@{real} ({n}) entries"
                    ));
                } else {
                    let shown = if l.is_empty() { " " } else { l.as_str() };
                    ctx.out
                        .line(&format!("No alias line {shown} for alias {alias}@{real}"));
                }
            }
            Ok(0)
        }
        Action::Update => {
            let new = line.unwrap_or_default();
            let new = new.trim_start_matches(' ');
            let old = old_line.unwrap_or_default();
            if new.is_empty() {
                return Err(usage_error("valias: You cannot have an empty alias line"));
            }
            check_line(new)?;
            if new != old && valias::exists(&mut db, &alias, &real, new)? {
                fail!(
                    255,
                    "valias_update: alias line [{new}] already exists for alias {alias}@{real}"
                );
            }
            let n = valias::update_line(&mut db, &alias, &real, &old, new)?;
            if n > 0 {
                if verbose {
                    ctx.out.put(&format!(
                        "Updated alias line {new} for alias {alias}@{real} ({n} entries)"
                    ));
                }
                Ok(0)
            } else {
                if verbose {
                    eprintln!("No alias line {new} for alias {alias}@{real}");
                }
                Ok(1)
            }
        }
    }
}
