//! vserverinfo: which database server holds a domain's users on a mail store.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::cluster;
use crate::fail;

const USAGE: &str = "usage: vserserverinfo [-upPsmd] [-D domain -M host | -S server] | [email]";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('d', "show the database name"),
    OptSpec::flag('s', "show the server"),
    OptSpec::flag('m', "show the mail store (mdahost)"),
    OptSpec::flag('u', "show the user"),
    OptSpec::flag('p', "show the password"),
    OptSpec::flag('P', "show the port"),
    OptSpec::value('D', "domain", "the domain"),
    OptSpec::value('M', "mdahost", "the mail store"),
    OptSpec::value('S', "server", "the database server"),
    OptSpec::flag('a', "show every field (the default)"),
];

pub const APPLET: Applet = Applet {
    name: "vserverinfo",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "show the database server of a domain on a mail store",
    synopsis: "[-a|-s|-m|-u|-p|-P|-d] (-D domain (-M mdahost | -S server) | email)",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || AppletError::new(1, USAGE))?;
    // -a and the field letters switch each other off in order; the last wins
    let mut all = false;
    let mut fields = std::collections::HashSet::new();
    for a in args.iter().take_while(|a| a.starts_with('-')) {
        for c in a.chars().skip(1) {
            match c {
                'a' => all = true,
                'u' | 'p' | 'P' | 's' | 'm' | 'd' => {
                    all = false;
                    fields.insert(c);
                }
                'D' | 'M' | 'S' => break,
                _ => {}
            }
        }
    }
    if fields.is_empty() {
        all = true;
    }
    let show = |c: char| all || fields.contains(&c);
    let domain_opt = p.value("D");
    if let Some(d) = domain_opt {
        if d.bytes().any(|b| b.is_ascii_uppercase()) {
            fail!(100, "vserverinfo: domain [{d}] has an uppercase character");
        }
    }
    let (mut mdahost, mut server) = (
        p.value("M").map(String::from),
        p.value("S").map(String::from),
    );
    let cfg = ctx.cfg.clone();
    let records = cluster::load(&cfg)
        .map_err(|e| AppletError::new(1, format!("vserverinfo: LoadDbInfo_TXT: {e}")))?;
    let domain = if (mdahost.is_none() && server.is_none()) || domain_opt.is_none() {
        let Some(email) = p.operands.first() else {
            return Err(AppletError::new(1, USAGE));
        };
        if email.bytes().any(|b| b.is_ascii_uppercase()) {
            fail!(
                100,
                "vserverinfo: email [{email}] has an uppercase character"
            );
        }
        server = None;
        mdahost = None;
        let (user, d) = crate::address::split_email(&cfg, email);
        let real = crate::domain::real_domain(&cfg, &d)
            .ok()
            .flatten()
            .unwrap_or(d);
        if cluster::is_distributed(&records, &real) {
            // findhost: the user's mail store
            let loc = cluster::locate(&cfg, &records, &user, &real)
                .map_err(|e| AppletError::new(1, format!("vserverinfo: {e}")))?;
            match loc.store.or(loc.designated) {
                Some(s) => mdahost = Some(s.mdahost),
                None if loc.hostid.is_none() => {
                    fail!(1, "vserverinfo: email {email} not found")
                }
                None => fail!(1, "vserverinfo: No mailstore for {email}"),
            }
        } else {
            eprintln!("vserverinfo: {real}: not a distributed domain");
        }
        real
    } else {
        domain_opt.unwrap_or_default().to_string()
    };
    let mut found = 0;
    for r in records.iter().filter(|r| r.domain == domain) {
        let hit = mdahost.as_deref() == Some(r.mdahost.as_str())
            || server.as_deref() == Some(r.server.as_str());
        if !hit {
            continue;
        }
        if server.is_some() {
            ctx.out.line(&format!("Record  : {:03}", found + 1));
        }
        if show('s') {
            ctx.out.line(&format!("server  : {}", r.server));
        }
        if show('m') {
            ctx.out.line(&format!("mdahost : {}", r.mdahost));
        }
        if show('u') {
            ctx.out.line(&format!("user    : {}", r.user));
        }
        if show('p') {
            ctx.out.line(&format!("password: {}", r.password));
        }
        // the original labels port and database "password:" too
        if show('P') {
            ctx.out.line(&format!("password: {}", r.port));
        }
        if show('d') {
            ctx.out.line(&format!("password: {}", r.database));
        }
        found += 1;
    }
    if found == 0 {
        fail!(1, "vserverinfo: could not locate server info for {domain}");
    }
    Ok(0)
}
