//! plugtest: load qmail-smtpd's SMTP plugins and run their MAIL, RCPT and DATA hooks.

use std::io::Write;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::fail;
use crate::plugin::{self, Outcome, Plan};

const P: &str = "plugtest";

const USAGE: &str = "usage: plugtest -MTD -l localip -r remoteip  -R remotehost -m mailfrom recipient ...]\n        -M test mail plugin\n        -T test rcpt plugin\n        -D test data plugin";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('M', "run every plugin's MAIL hook"),
    OptSpec::flag('T', "run every plugin's RCPT hook, once per recipient"),
    OptSpec::flag('D', "run every plugin's DATA hook"),
    OptSpec::flag(
        'i',
        "accepted for compatibility (no plugin argument carries it)",
    ),
    OptSpec::flag(
        'I',
        "accepted for compatibility (no plugin argument carries it)",
    ),
    OptSpec::value('r', "remoteip", "the client's IP address (required)"),
    OptSpec::value(
        'R',
        "remotehost",
        "the client's host name (DATA hook; default unknown)",
    ),
    OptSpec::value('l', "localip", "the local host (first DATA hook argument)"),
    OptSpec::value('m', "mailfrom", "the envelope sender (required)"),
];

pub const APPLET: Applet = Applet {
    name: P,
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "test qmail-smtpd SMTP plugins",
    synopsis: "[-MTD] [-r remoteip] [-R remotehost] [-l localip] [-m mailfrom] [recipient ...]",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || AppletError::new(100, USAGE))?;
    let (mail, rcpt, data) = (p.has("M"), p.has("T"), p.has("D"));
    if !mail && !rcpt && !data {
        fail!(100, "{USAGE}");
    }
    // The original reports these on stdout.
    let mut missing = |what: &str| -> AppletResult {
        ctx.out.line(&format!("{what} not specified"));
        Ok(100)
    };
    let Some(remoteip) = p.value("r") else {
        return missing("remoteip");
    };
    let Some(mailfrom) = p.value("m") else {
        return missing("mailfrom");
    };
    if (rcpt || data) && p.operands.is_empty() {
        return missing("recipients");
    }
    let qmail_home = &ctx.cfg.domaindir;
    if let Err(e) = std::env::set_current_dir(qmail_home) {
        fail!(111, "{P}: fatal: {}: {e}", qmail_home.display());
    }
    let dir = plugin::plugin_dir(&ctx.cfg.prefix).map_err(|m| AppletError::new(1, m))?;
    let base = plugin::base_name().map_err(|m| AppletError::new(100, format!("{P}: {m}")))?;
    let paths = match plugin::discover(&dir, &base) {
        Ok(p) => p,
        Err((path, e)) => fail!(111, "{P}: fatal: {path}: {e}"),
    };
    if paths.is_empty() {
        ctx.out.line("plugtest: no plugins found");
        return Ok(0);
    }
    let plan = Plan {
        paths,
        symbol: plugin::entry_symbol(),
        mail,
        rcpt,
        data,
        remoteip: remoteip.to_string(),
        mailfrom: mailfrom.to_string(),
        localip: p.value("l").map(str::to_string),
        remotehost: p.value("R").unwrap_or("unknown").to_string(),
        recipients: p.operands.clone(),
    };
    ctx.out.flush();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut err = std::io::stderr();
    match plugin::run(&plan, &mut out, &mut err) {
        Ok(Outcome::Exit(code)) => Ok(code),
        Ok(Outcome::Died(why)) => {
            let _ = out.flush();
            fail!(1, "{P}: {why}")
        }
        Err(m) => fail!(111, "{P}: fatal: {m}"),
    }
}
