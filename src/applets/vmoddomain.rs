//! vmoddomain: change a domain's catch-all handler, vfilter delivery, domain
//! limits switch and hash method.

use std::path::Path;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::passwd::HashMethod;
use crate::{control, fail};

const USAGE: &str = "usage: vmoddomain [options] domain
options: -V             (print version number)
         -v             (verbose)
         -l 0|1         Enable Domain Limits
         -H 0|1|2|3|4|5 Enable Hash Method (DES, MD5, SHA-256,
                        SHA-512, YESCRYPT)
         -f 0|1         Enable VFILTER capability
         -h handler     (can be one of the following
                        delete
                        bounce-no-mailbox
                        Maildir    - Maildir Path
                        email      - Email Addres
                        IP Address - SMTPROUTE/QMTPROUTE spec)
you need to specify handler and vfilter option, domain limits
or hash method";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('a', "accepted and ignored"),
    OptSpec::flag('v', "verbose"),
    OptSpec::value(
        'f',
        "0|1",
        "deliver through vfilter (1) or vdelivermail (0); needs -h",
    ),
    OptSpec::value(
        'h',
        "handler",
        "catch-all: delete, bounce-no-mailbox, a Maildir, an address or host:ip:port",
    ),
    OptSpec::value(
        'H',
        "hash",
        "hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT or 0-4",
    ),
    OptSpec::value('l', "0|1", "enable (1) or disable (0) domain limits"),
];

pub const APPLET: Applet = Applet {
    name: "vmoddomain",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "modify a virtual domain's delivery handler, limits and hash method",
    synopsis: "[options] domain",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, USAGE)
}

/// `-H`: the names (SHA-512 included, which the original does not accept) or ids 0-4.
fn hash_arg(h: &str) -> Option<HashMethod> {
    match h {
        "DES" | "0" => Some(HashMethod::Des),
        "MD5" | "1" => Some(HashMethod::Md5),
        "SHA-256" | "2" => Some(HashMethod::Sha256),
        "SHA-512" | "3" => Some(HashMethod::Sha512),
        "YESCRYPT" | "4" => Some(HashMethod::Yescrypt),
        _ => None,
    }
}

fn check_handler(h: &str) -> Result<(), AppletError> {
    if h == "bounce-no-mailbox" || h == "delete" {
        return Ok(());
    }
    if h.starts_with('/') {
        let d = Path::new(h);
        if let Err(e) = std::fs::read_dir(d) {
            fail!(111, "vmoddomain: fatal: : chdir: {h}: {e}");
        }
        if ["new", "cur", "tmp"].iter().any(|s| !d.join(s).is_dir()) {
            fail!(1, "vmoddomain: warning: {h}: not a Maildir");
        }
        return Ok(());
    }
    if !h.contains('@') && h.matches(':').count() != 2 {
        fail!(1, "Invalid SMTPROUTE/QMTPROUTE Specification [{h}]");
    }
    Ok(())
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let vfilter = match p.value("f") {
        Some("0") => Some(false),
        Some("1") => Some(true),
        Some(_) => return Err(usage()),
        None => None,
    };
    let limits = match p.value("l") {
        Some("0") => Some(false),
        Some("1") => Some(true),
        Some(_) => return Err(usage()),
        None => None,
    };
    let hash = match p.value("H") {
        Some(h) => Some(hash_arg(h).ok_or_else(usage)?),
        None => None,
    };
    let handler = p.value("h");
    if vfilter.is_some() != handler.is_some()
        || (handler.is_none() && limits.is_none() && hash.is_none())
    {
        return Err(usage());
    }
    let Some(name) = p.operands.first() else {
        return Err(usage());
    };
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        fail!(
            100,
            "vmoddomain: warning: domain [{name}] has an uppercase character"
        );
    }
    let cfg = ctx.cfg.clone();
    let Some(d) = crate::domain::lookup(&cfg, name)
        .map_err(|e| AppletError::new(111, format!("vmoddomain: {e}")))?
    else {
        fail!(1, "{name}: domain does not exist");
    };
    super::vsetuserquota::require_indimail(&cfg, 100)?;
    let owner = d.owner();
    if !d.dir.exists() {
        crate::mailstore::maildir::make_dirs(&d.dir, 0o750, owner).map_err(|e| {
            AppletError::new(
                111,
                format!("vmoddomain: fatal: r_mkdir: {}: {e}", d.dir.display()),
            )
        })?;
    }
    let wfail = |path: &Path, e: std::io::Error| {
        AppletError::new(
            1,
            format!("vmoddomain: fatal: open: {}: {e}", path.display()),
        )
    };
    if let Some(h) = handler {
        check_handler(h)?;
        let line = crate::ops::domain::qmail_default_line(&cfg, vfilter == Some(true), h);
        let path = d.dir.join(".qmail-default");
        control::write_atomic(&path, line.as_bytes(), 0o600, owner).map_err(|e| wfail(&path, e))?;
    }
    if let Some(on) = limits {
        let path = d.dir.join(".domain_limits");
        if on {
            control::write_atomic(&path, b"", 0o644, owner).map_err(|e| wfail(&path, e))?;
        } else if let Err(e) = std::fs::remove_file(&path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                fail!(1, "vmoddomain: fatal: unlink: {}: {e}", path.display());
            }
        }
    }
    if let Some(m) = hash {
        let path = d.dir.join("hash_method");
        control::write_atomic(&path, format!("{}\n", m.name()).as_bytes(), 0o600, owner)
            .map_err(|e| wfail(&path, e))?;
    }
    Ok(0)
}
