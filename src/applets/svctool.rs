//! svctool: the admin-toolkit subset of IndiMail's service configurator
//! (inlookup and indisrvr service directories, host.mysql).

use std::path::PathBuf;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::fail;
use crate::ops::services::{self, Indisrvr, Inlookup, MysqlConn};

const USAGE: &str = "usage: svctool [options]
  --config=indimail [--mysqlhost=h --mysqluser=u --mysqlpass=p] [--mysqlport=n | --mysqlsocket=s]
        create CONTROLDIR/host.mysql and the default tcp.imap/tcp.pop3/tcp.poppass (when absent)
  --inlookup=infifo --servicedir=dir [--threads=N] [--activeDays=D] [--domainlimits]
        create the supervised inlookup service dir/inlookup.<infifo>
  --indisrvr=port --servicedir=dir [--localip=a] [--maxdaemons=m] [--maxperip=i]
        [--mysqlhost=h --mysqluser=u --mysqlpass=p] [--avguserquota=q] [--hardquota=q]
        [--base_path=path] [--domainlimits] [--certfile=file]
        create the supervised admin server service dir/indisrvr.<port>
  common: [--logdir=dir] [--down] [--nooverwrite]";

const OPTIONS: &[OptSpec] = &[
    OptSpec::long_value(
        "config",
        "indimail",
        "create host.mysql and the default tcp rule sources",
    ),
    OptSpec::long_value(
        "inlookup",
        "infifo",
        "create the inlookup service for this FIFO",
    ),
    OptSpec::long_value(
        "indisrvr",
        "port",
        "create the indisrvr service on this port",
    ),
    OptSpec::long_value("servicedir", "dir", "where services are created"),
    OptSpec::long_value(
        "logdir",
        "dir",
        "where the services log (default /var/log/svc)",
    ),
    OptSpec::long_value("threads", "N", "inlookup instances (default 5)"),
    OptSpec::long_value("activeDays", "D", "inlookup cache window in days"),
    OptSpec::long_value("localip", "a", "indisrvr: address to bind (default 0)"),
    OptSpec::long_value(
        "maxdaemons",
        "m",
        "indisrvr: concurrent sessions (default 40)",
    ),
    OptSpec::long_value(
        "maxperip",
        "i",
        "indisrvr: sessions per client (default 10)",
    ),
    OptSpec::long_value("avguserquota", "q", "indisrvr: average user quota"),
    OptSpec::long_value("hardquota", "q", "indisrvr: hard quota"),
    OptSpec::long_value("base_path", "path", "indisrvr: base path of homes"),
    OptSpec::long_value("certfile", "file", "indisrvr: TLS certificate"),
    OptSpec::long_value("mysqlhost", "h", "MySQL host"),
    OptSpec::long_value("mysqluser", "u", "MySQL user"),
    OptSpec::long_value("mysqlpass", "p", "MySQL password"),
    OptSpec::long_value("mysqlport", "n", "MySQL port"),
    OptSpec::long_value("mysqlsocket", "s", "MySQL socket"),
    OptSpec::long_flag("domainlimits", "enable domain limits"),
    OptSpec::long_flag("down", "create the service down (not started)"),
    OptSpec::long_flag("nooverwrite", "leave existing services and files alone"),
];

pub const APPLET: Applet = Applet {
    name: "svctool",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "create inlookup/indisrvr service directories and host.mysql",
    synopsis: "--config=indimail | --inlookup=infifo | --indisrvr=port [options]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(100, USAGE)
}

fn number<T: std::str::FromStr>(
    p: &crate::cli::getopt::Parsed,
    key: &str,
    default: T,
) -> Result<T, AppletError> {
    match p.value(key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| AppletError::new(100, format!("svctool: invalid --{key} [{v}]"))),
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    if !p.operands.is_empty() {
        return Err(usage());
    }
    if let Err(msg) = crate::ops::guard::caller_may_run("svctool") {
        fail!(100, "{msg}");
    }
    let cfg = ctx.cfg.clone();
    let invocation = format!("svctool {}", args.join(" "));
    let down = p.has("down");
    let noover = p.has("nooverwrite");
    let logdir = PathBuf::from(p.value("logdir").unwrap_or("/var/log/svc"));
    let conn = MysqlConn {
        host: p.value("mysqlhost").unwrap_or("localhost").to_string(),
        user: p.value("mysqluser").unwrap_or("indimail").to_string(),
        pass: p.value("mysqlpass").unwrap_or("ssh-1.5-").to_string(),
        port: p
            .value("mysqlport")
            .map(|_| number(&p, "mysqlport", 3306u16))
            .transpose()?,
        socket: p.value("mysqlsocket").map(String::from),
    };
    let mut did = false;
    let servicedir = || -> Result<PathBuf, AppletError> {
        p.value("servicedir")
            .map(PathBuf::from)
            .ok_or_else(|| AppletError::new(100, "svctool: --servicedir is required"))
    };
    if let Some(c) = p.value("config") {
        if c != "indimail" {
            fail!(
                100,
                "svctool: --config={c}: only --config=indimail is provided (see docs/COMPAT.md)"
            );
        }
        let written = services::default_indimail_control(&cfg, &conn)
            .map_err(|e| AppletError::new(111, format!("svctool: {e}")))?;
        for w in written {
            ctx.out.line(&format!("created {}", w.display()));
        }
        did = true;
    }
    if let Some(fifo) = p.value("inlookup") {
        let s = Inlookup {
            infifo: fifo.to_string(),
            threads: number(&p, "threads", 5u32)?,
            active_days: p
                .value("activeDays")
                .map(|_| number(&p, "activeDays", 0u32))
                .transpose()?,
            domain_limits: p.has("domainlimits"),
        };
        let (made, dir) =
            services::create_inlookup(&cfg, &servicedir()?, &logdir, &s, down, noover, &invocation)
                .map_err(|e| AppletError::new(111, format!("svctool: {e}")))?;
        ctx.out.line(&format!(
            "{} {}",
            if made { "created" } else { "kept" },
            dir.display()
        ));
        did = true;
    }
    if p.value("indisrvr").is_some() {
        let s = Indisrvr {
            port: number(&p, "indisrvr", 4000u16)?,
            localip: p.value("localip").unwrap_or("0").to_string(),
            maxdaemons: number(&p, "maxdaemons", 40u32)?,
            maxperip: number(&p, "maxperip", 10u32)?,
            cntrl: p
                .value("mysqlhost")
                .map(|h| (h.to_string(), conn.user.clone(), conn.pass.clone())),
            avg_user_quota: p.value("avguserquota").unwrap_or("").to_string(),
            hard_quota: p
                .value("hardquota")
                .map(String::from)
                .unwrap_or_else(|| cfg.hard_quota()),
            base_path: p
                .value("base_path")
                .map(String::from)
                .unwrap_or_else(|| cfg.base_path.display().to_string()),
            domain_limits: p.has("domainlimits"),
            certfile: p.value("certfile").map(String::from),
        };
        let (made, dir) =
            services::create_indisrvr(&cfg, &servicedir()?, &logdir, &s, down, noover, &invocation)
                .map_err(|e| AppletError::new(111, format!("svctool: {e}")))?;
        ctx.out.line(&format!(
            "{} {}",
            if made { "created" } else { "kept" },
            dir.display()
        ));
        did = true;
    }
    if !did {
        return Err(usage());
    }
    Ok(0)
}
