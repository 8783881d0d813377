//! execmysql: run SQL on the IndiMail database (root only; vpriv admins via indisrvr).

use std::io::{IsTerminal, Read};

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{adhoc, ConnSpec, Db};
use crate::fail;

const USAGE: &str = "USAGE: execmysql [-v] [-d domain host] [statement ...]";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose: report the rows each statement changed"),
    OptSpec::value(
        'd',
        "domain",
        "the database of this domain on mail store `host` (first operand)",
    ),
];

pub const APPLET: Applet = Applet {
    name: "execmysql",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "run SQL statements or the mysql client on the IndiMail database",
    synopsis: "[-v] [-d domain host] [statement ...]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, USAGE)
}

/// The connection for `domain` on mail store `host`: its dbinfo record (the
/// original's lookup; local domains have a synthetic local record).
fn locate(cfg: &crate::config::Config, domain: &str, host: &str) -> Option<ConnSpec> {
    let records = crate::cluster::load(cfg).ok()?;
    let r = crate::cluster::store_for(&records, host, domain)?;
    Some(if r.local {
        ConnSpec::local(cfg).ok()?
    } else {
        crate::cluster::store_spec(&r)
    })
}

fn print_sets(ctx: &mut Ctx, sets: &[adhoc::ResultSet], verbose: bool) {
    for s in sets {
        if s.columns.is_empty() {
            if verbose {
                ctx.out.line(&format!("{} rows affected", s.affected));
            }
            continue;
        }
        ctx.out.line(&s.columns.join("\t"));
        for r in &s.rows {
            let cells: Vec<&str> = r.iter().map(|c| c.as_deref().unwrap_or("NULL")).collect();
            ctx.out.line(&cells.join("\t"));
        }
    }
}

/// Replace this process by the mysql client, connected as the toolkit connects.
fn exec_client(spec: &ConnSpec) -> AppletError {
    use std::os::unix::process::CommandExt;
    let client = crate::config::env_nonempty("MYSQL_CLIENT").unwrap_or_else(|| "mysql".into());
    let mut cmd = std::process::Command::new(&client);
    cmd.arg("-u").arg(&spec.user);
    match &spec.socket {
        Some(s) => {
            cmd.arg("-S").arg(s);
        }
        None => {
            cmd.arg("-h").arg(&spec.host);
            if spec.port != 0 {
                cmd.arg("-P").arg(spec.port.to_string());
            }
        }
    }
    // the password goes through the environment, not the (visible) command line
    cmd.arg(&spec.database).env("MYSQL_PWD", &spec.password);
    let e = cmd.exec();
    AppletError::new(111, format!("execmysql: exec: {client}: {e}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    if let Err(msg) = crate::ops::guard::caller_may_run("execmysql") {
        fail!(100, "{msg}");
    }
    let cfg = ctx.cfg.clone();
    let mut statements: &[String] = &p.operands;
    let spec = match p.value("d") {
        Some(domain) => {
            let Some((host, rest)) = p.operands.split_first() else {
                return Err(usage());
            };
            statements = rest;
            match locate(&cfg, domain, host) {
                Some(s) => s,
                None => fail!(
                    1,
                    "execmysql: could not locate MySql server for domain {domain} server {host}"
                ),
            }
        }
        None => ConnSpec::local(&cfg)?,
    };
    let sql = if !statements.is_empty() {
        statements.join(";\n")
    } else if std::io::stdin().is_terminal() {
        return Err(exec_client(&spec));
    } else {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| AppletError::new(111, format!("execmysql: read: stdin: {e}")))?;
        s
    };
    if sql.trim().is_empty() {
        return Ok(0);
    }
    let mut db = Db::connect(spec)?;
    let sets =
        adhoc::run(&mut db, &sql).map_err(|e| AppletError::new(1, format!("execmysql: {e}")))?;
    print_sets(ctx, &sets, p.has("v"));
    Ok(0)
}
