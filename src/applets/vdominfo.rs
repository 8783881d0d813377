//! vdominfo: show a virtual domain's settings (all domains without an argument).

use super::{Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult, Out};
use crate::db::Db;
use crate::ops::domaininfo::{self, DomainInfo};
use crate::{fail, sys};

const USAGE: &str = "usage: vdominfo [options] [domain]
options: -V (print version number)
         -a (display all fields, this is the default)
         -n (display domain name)
         -u (display uid field)
         -g (display gid field)
         -d (display domain directory)
         -b (display user's base directory)
         -t (display total users)
         -l (display alias domains)
         -p (display smtp ports)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('a', "display all fields (the default)"),
    OptSpec::flag('n', "display the domain name"),
    OptSpec::flag('u', "display the uid"),
    OptSpec::flag('g', "display the gid"),
    OptSpec::flag('d', "display the domain directory"),
    OptSpec::flag('b', "display the users' base directory"),
    OptSpec::flag('t', "display the dir_control tables and total users"),
    OptSpec::flag('l', "display the alias domains"),
    OptSpec::flag('p', "display the smtp ports"),
    OptSpec::flag('v', "accepted, no effect"),
    OptSpec::long_flag("json", "print JSON (see docs/json.md)"),
];

pub const APPLET: Applet = Applet {
    name: "vdominfo",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "show information about virtual domains",
    synopsis: "[options] [domain]",
    options: OPTIONS,
    run,
};

#[derive(Default)]
struct Show {
    all: bool,
    name: bool,
    uid: bool,
    gid: bool,
    dir: bool,
    base: bool,
    total: bool,
    aliases: bool,
    ports: bool,
}

/// The original's getopt loop: an unknown option is reported and skipped.
fn parse(args: &[String]) -> (Show, bool, Option<String>) {
    let mut s = Show {
        all: true,
        ..Show::default()
    };
    let mut json = false;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if a == "--json" {
            json = true;
            i += 1;
            continue;
        }
        if !a.starts_with('-') || a.len() < 2 {
            break;
        }
        for c in a[1..].chars() {
            match c {
                'n' => s.name = true,
                'u' => s.uid = true,
                'g' => s.gid = true,
                'd' => s.dir = true,
                'b' => s.base = true,
                't' => s.total = true,
                'l' => s.aliases = true,
                'p' => s.ports = true,
                'a' => s.all = true,
                'v' => continue,
                c => {
                    eprintln!("vdominfo: illegal option -- {c}");
                    eprintln!("vdominfo: warning: {USAGE}");
                    continue;
                }
            }
            if c != 'a' {
                s.all = false;
            }
        }
        i += 1;
    }
    (s, json, args.get(i).cloned())
}

/// `Ports     :[<src_host %-18s> ]<host id %20s>@<domain %-35s><port>`, one per smtp_port row.
fn ports(out: &mut Out, info: &DomainInfo) {
    for (n, p) in info.ports.iter().enumerate() {
        let mut l = String::from(if n == 0 { "Ports     :" } else { "          :" });
        if !p.src_host.is_empty() {
            l.push_str(&format!("{:<18} ", p.src_host));
        }
        l.push_str(&format!("{:>20}@{:<35}{}", p.host_id, info.domain, p.port));
        out.line(&l);
    }
}

fn host_lines(out: &mut Out, info: &DomainInfo) {
    if info.host_cntrl {
        out.line(&format!(
            "   host ID: {}",
            info.host_id.as_deref().unwrap_or("???")
        ));
        out.line(&format!(
            "   IP Addr: {}",
            info.ip.as_deref().unwrap_or("??")
        ));
    }
}

fn name_line(out: &mut Out, info: &DomainInfo) {
    if info.is_alias() {
        out.line(&format!(
            "    domain: {} aliased to {}",
            info.domain, info.real_domain
        ));
    } else {
        out.line(&format!("    domain: {}", info.domain));
    }
}

fn totals(out: &mut Out, info: &DomainInfo) {
    for dc in &info.dir_controls {
        domaininfo::print_control(dc, &mut |l| out.line(l));
    }
    out.line(&format!("     Users: {}", info.users));
    out.line(&format!(
        "   vlimits: {}",
        if info.vlimits { "enabled" } else { "disabled" }
    ));
}

fn alias_lines(out: &mut Out, info: &DomainInfo) {
    if !info.alias_domains.is_empty() {
        out.line("AliasDomains:");
        for a in &info.alias_domains {
            out.line(a);
        }
    }
}

fn display(out: &mut Out, info: &DomainInfo, s: &Show) {
    if s.all {
        out.line(&format!(
            "---- Domain {:<25} -------------------------------",
            info.domain
        ));
        name_line(out, info);
        out.line(&format!("       uid: {}", info.uid));
        out.line(&format!("       gid: {}", info.gid));
        host_lines(out, info);
        ports(out, info);
        out.line(&format!("Domain Dir: {}", info.dir.display()));
        if info.is_alias() {
            return;
        }
        out.line(&format!("  Base Dir: {}", info.base_dir));
        out.line(&format!("crypt Hash: {}", info.hash_method));
        totals(out, info);
        alias_lines(out, info);
        return;
    }
    out.line(&format!("---- Domain {} ----------------", info.domain));
    if s.name {
        name_line(out, info);
        host_lines(out, info);
    }
    if s.uid {
        out.line(&format!("       uid: {}", info.uid));
    }
    if s.gid {
        out.line(&format!("       gid: {}", info.gid));
    }
    if s.ports && info.host_cntrl {
        ports(out, info);
    }
    if s.dir {
        out.line(&format!("Domain Dir: {}", info.dir.display()));
    }
    if info.is_alias() {
        return;
    }
    if s.base {
        out.line(&format!("  Base Dir: {}", info.base_dir));
    }
    if s.total {
        totals(out, info);
    }
    if s.aliases {
        alias_lines(out, info);
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let (show, json, domain) = parse(args);
    let cfg = ctx.cfg.clone();
    let mut infos = Vec::new();
    let single = domain.is_some();
    match domain {
        Some(d) => {
            if d.bytes().any(|b| b.is_ascii_uppercase()) {
                fail!(
                    100,
                    "vdominfo: warning: domain [{d}] has an uppercase character"
                );
            }
            let entry = crate::domain::lookup(&cfg, &d)
                .map_err(|e| AppletError::new(111, format!("vdominfo: {e}")))?;
            let Some(entry) = entry else {
                fail!(1, "{d}: domain does not exist");
            };
            if entry.uid == 0 {
                fail!(100, "vdominfo: domain {d} with uid 0");
            }
            if !sys::caller_may_act_as(entry.uid, entry.gid) {
                fail!(
                    1,
                    "vdominfo: you must be root or domain user (uid={}/gid={}) to run this program",
                    entry.uid,
                    entry.gid
                );
            }
            if !domaininfo::is_virtual_domain(&cfg, &d) {
                eprintln!("vdominfo: domain {d} is not a virtual domain");
                return Ok(0);
            }
            let mut db = Db::open(&cfg)?;
            infos.push(domaininfo::gather(&cfg, &mut db, &d, &entry)?);
        }
        None => {
            let (iuid, igid) = cfg.indimail_ids().map_err(|e| AppletError::new(111, e))?;
            if !sys::caller_may_act_as(iuid, igid) {
                fail!(
                    1,
                    "vdominfo: you must be root or domain user (uid={iuid}/gid={igid}) to run this program"
                );
            }
            let entries = match crate::assign::list_domains(&cfg.assigndir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    eprintln!("vdominfo: no domains found");
                    return Ok(0);
                }
                Err(e) => fail!(111, "vdominfo: {e}"),
            };
            let mut db = Db::open(&cfg)?;
            for e in entries {
                if !domaininfo::is_virtual_domain(&cfg, &e.domain) {
                    continue;
                }
                let name = e.domain.clone();
                let d = crate::domain::Domain {
                    name: e.domain,
                    uid: e.uid,
                    gid: e.gid,
                    dir: e.dir,
                };
                infos.push(domaininfo::gather(&cfg, &mut db, &name, &d)?);
            }
        }
    }
    if json {
        let text = if single {
            serde_json::to_string_pretty(&infos[0])
        } else {
            serde_json::to_string_pretty(&infos)
        }
        .map_err(|e| AppletError::new(111, format!("vdominfo: json: {e}")))?;
        ctx.out.line(&text);
        return Ok(0);
    }
    for info in &infos {
        display(&mut ctx.out, info, &show);
    }
    Ok(0)
}
