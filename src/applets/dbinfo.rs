//! dbinfo: the `dbinfo` table and the `mcdinfo` file (which MySQL server holds
//! a domain's users on which mail store), kept in step.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::cluster::{self, ClusterError};
use crate::db::cluster::{self as sql, DbInfo, DbInfoUpdate};
use crate::db::Db;

const USAGE: &str = "usage: dbinfo [options] MCDF_file_PATH
       dbinfo -i -S MySQL_server  -p port -o use_ssl -D database -U user -P password  [-c] -d domain -m mdahost MCDF_file
       dbinfo -u -S MySQL_server [-p port -o use_ssl -D database -U user -P password] [-c] -d domain -m mdahost MCDF_file
       dbinfo -r -d domain -m mdahost MCDF_file
       dbinfo -s [-d domain] [-m mdahost] MCDF_file
       dbinfo -e
options: -v verbose
         -i Insert Entry
         -u Update Entry
         -r Remove Entry
         -s Show   Entries
         -d Domain Name
         -c If Clustered
         -S MySQL Server IP
         -p MySQL Port
         -o Use SSL
         -D MySQL Database Name
         -U MySQL User Name
         -P MySQL Password
         -m Mail Store IP
         -e Edit Dbinfo using vi
         -l Row Format display";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('i', "insert an entry"),
    OptSpec::flag('u', "update an entry"),
    OptSpec::flag('r', "remove an entry"),
    OptSpec::flag('s', "show entries"),
    OptSpec::flag('e', "edit the file with $EDITOR (default vi)"),
    OptSpec::flag('l', "one line per entry"),
    OptSpec::value('d', "domain", "domain name"),
    OptSpec::flag('c', "the domain is distributed (clustered)"),
    OptSpec::value('S', "server", "MySQL server"),
    OptSpec::value('p', "port", "MySQL port"),
    OptSpec::value('o', "use_ssl", "use SSL (1, the default) or not (0)"),
    OptSpec::value('D', "database", "MySQL database name"),
    OptSpec::value('U', "user", "MySQL user name"),
    OptSpec::value('P', "password", "MySQL password"),
    OptSpec::value('m', "mdahost", "mail store IP"),
    OptSpec::long_flag("json", "with -s: the entries as a JSON array"),
];

pub const APPLET: Applet = Applet {
    name: "dbinfo",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "manage the MySQL servers of a clustered site (dbinfo table, mcdinfo file)",
    synopsis: "[options] [MCDF_file]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(100, format!("dbinfo: warning: \n{USAGE}"))
}

/// C `scan_uint`: leading digits, 0 when none.
fn scan_uint(s: &str) -> i32 {
    s.bytes().take_while(u8::is_ascii_digit).fold(0i32, |n, b| {
        n.wrapping_mul(10).wrapping_add(i32::from(b - b'0'))
    })
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let mode = p.opts.iter().rev().find_map(|(k, _)| {
        ["s", "i", "u", "r", "e"]
            .contains(&k.as_str())
            .then(|| k.clone())
    });
    let Some(mode) = mode else {
        return Err(usage());
    };
    let file = p.operands.first().cloned();
    if !matches!(mode.as_str(), "s" | "e") && file.is_none() {
        return Err(usage());
    }
    let (domain, mdahost) = (p.value("d"), p.value("m"));
    if mode == "i"
        && (p.value("S").is_none()
            || p.value("p").is_none()
            || p.value("D").is_none()
            || p.value("U").is_none()
            || p.value("P").is_none())
    {
        return Err(usage());
    }
    if matches!(mode.as_str(), "i" | "u" | "r") && (domain.is_none() || mdahost.is_none()) {
        return Err(usage());
    }
    let cfg = ctx.cfg.clone();
    let path = match &file {
        Some(f) => cluster::mcd_path_of(&cfg, f),
        None => cluster::mcd_path(&cfg),
    };
    let verbose = p.has("v");
    let (domain, mdahost) = (domain.unwrap_or(""), mdahost.unwrap_or(""));
    match mode.as_str() {
        "i" => {
            let rec = DbInfo {
                domain: domain.into(),
                distributed: i32::from(p.has("c")),
                server: p.value("S").unwrap_or_default().into(),
                mdahost: mdahost.into(),
                port: scan_uint(p.value("p").unwrap_or_default()),
                use_ssl: p.value("o").map(scan_uint).unwrap_or(1),
                database: p.value("D").unwrap_or_default().into(),
                user: p.value("U").unwrap_or_default().into(),
                password: p.value("P").unwrap_or_default().into(),
                local: false,
            };
            check_fields(&rec)?;
            let added = cluster::edit(&cfg, &path, |m, f| Ok(sql::dbinfo_insert(m, f, &rec)?))?;
            if verbose {
                ctx.out.line(&if added {
                    format!("Added domain {domain}")
                } else {
                    format!("No domain added {domain}")
                });
            }
            Ok(if added { 0 } else { 1 })
        }
        "u" => {
            let u = DbInfoUpdate {
                distributed: p.has("c").then_some(1),
                server: p.value("S").map(str::to_string),
                port: p.value("p").map(scan_uint),
                use_ssl: p.value("o").map(scan_uint),
                database: p.value("D").map(str::to_string),
                user: p.value("U").map(str::to_string),
                password: p.value("P").map(str::to_string),
            };
            if u.server.is_none()
                && u.port.is_none()
                && u.use_ssl.is_none()
                && u.database.is_none()
                && u.user.is_none()
                && u.password.is_none()
                && u.distributed.is_none()
            {
                return Err(AppletError::new(255, "dbinfoUpdate: Invalid Arguments"));
            }
            let n = cluster::edit(&cfg, &path, |m, f| {
                Ok(sql::dbinfo_update(m, f, domain, mdahost, &u)?)
            })?;
            if verbose {
                ctx.out.line(&format!(
                    "{} filename[{}], domain {domain}, mdahost {mdahost}",
                    if n > 0 {
                        "Updated Table"
                    } else {
                        "No Update for Table"
                    },
                    path.display()
                ));
            }
            Ok(if n > 0 { 0 } else { 1 })
        }
        "r" => {
            let n = cluster::edit(&cfg, &path, |m, f| {
                refuse_if_in_use(&cfg, domain, mdahost)?;
                Ok(sql::dbinfo_delete(m, f, domain, mdahost)?)
            })?;
            if verbose {
                ctx.out.line(&if n > 0 {
                    format!("Deleted Domain {domain}")
                } else {
                    format!("No MCD for domain {domain}")
                });
            }
            Ok(if n > 0 { 0 } else { 1 })
        }
        "e" => edit(ctx, &cfg, &path),
        _ => show(ctx, &cfg, &path, &p),
    }
}

/// Values that would make an unreadable file (white space splits the fields).
fn check_fields(r: &DbInfo) -> Result<(), AppletError> {
    for (name, v) in [
        ("domain", &r.domain),
        ("server", &r.server),
        ("mdahost", &r.mdahost),
        ("database", &r.database),
        ("user", &r.user),
        ("password", &r.password),
    ] {
        if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c == '#') {
            return Err(AppletError::new(
                100,
                format!("dbinfo: {name} [{v}] must be non-empty, without white space or '#'"),
            ));
        }
    }
    Ok(())
}

/// A mail store that still has users of a distributed domain is not removed.
fn refuse_if_in_use(
    cfg: &crate::config::Config,
    domain: &str,
    mdahost: &str,
) -> Result<(), ClusterError> {
    let mut control = cluster::open_control(cfg)?;
    let Some(host) = sql::host_id(&mut control, mdahost)? else {
        return Ok(());
    };
    let n = sql::hostcntrl_count(&mut control, domain, &host)?;
    if n > 0 {
        return Err(ClusterError::Other(
            1,
            format!("dbinfo: mail store {mdahost} (host {host}) still has {n} user(s) of {domain}: move or delete them first"),
        ));
    }
    Ok(())
}

fn show(
    ctx: &mut Ctx,
    cfg: &crate::config::Config,
    path: &std::path::Path,
    p: &crate::cli::getopt::Parsed,
) -> AppletResult {
    let records = cluster::load_at(cfg, path)?;
    let (d, m) = (p.value("d"), p.value("m"));
    let matching: Vec<&DbInfo> = records
        .iter()
        .filter(|r| d.map_or(true, |d| d == r.domain) && m.map_or(true, |m| m == r.mdahost))
        .collect();
    if p.has("json") {
        ctx.out
            .line(&serde_json::to_string_pretty(&matching).unwrap_or_default());
        return Ok(if matching.is_empty() { 1 } else { 0 });
    }
    if !p.has("l") {
        ctx.out.line(&format!(
            "MySQL Client Version: indimail-rs {}",
            env!("CARGO_PKG_VERSION")
        ));
    }
    for (i, r) in matching.iter().enumerate() {
        let method = if r.local { "auto " } else { "DBINFO " };
        if p.has("l") {
            ctx.out.line(&format!(
                "{method}{} {:2} {} {} {} {} {} {} {}",
                r.domain,
                r.distributed,
                r.server,
                r.mdahost,
                r.port,
                r.use_ssl,
                r.database,
                r.user,
                r.password
            ));
            continue;
        }
        let spec = cluster::store_spec(r);
        let dist = match r.distributed {
            1 => "Distributed",
            0 => "Non Distributed",
            _ => "can't figure out dist flag",
        };
        ctx.out
            .line(&format!("domain         {} - {dist}", r.domain));
        ctx.out.line(&format!("sqlserver[{i:03}] {}", r.server));
        ctx.out.line(&format!("TCP/IP Port    {}", r.port));
        ctx.out.line(&format!("database       {}", r.database));
        ctx.out.line(&format!("user           {}", r.user));
        ctx.out.line(&format!("password       {}", r.password));
        ctx.out
            .line(&format!("DBINFO Method  {}", method.trim_end()));
        ctx.out.line(&format!("mda host       {}", r.mdahost));
        match Db::connect(spec) {
            Ok(db) => {
                ctx.out.line("MySQL Status   connected");
                ctx.out
                    .line(&format!("connection to  {} via TCP/IP", r.server));
                ctx.out
                    .line(&format!("server version {}", db.server_version()));
            }
            Err(e) => ctx
                .out
                .line(&format!("MySQL Status   mysql_real_connect: {e}")),
        }
        ctx.out.line(&format!(
            "Use SSL        {}",
            if r.use_ssl != 0 { "Yes" } else { "No" }
        ));
        ctx.out.line("--------------------------");
    }
    Ok(if matching.is_empty() { 1 } else { 0 })
}

fn edit(ctx: &mut Ctx, cfg: &crate::config::Config, path: &std::path::Path) -> AppletResult {
    let records = cluster::load_at(cfg, path)?;
    let count = records.iter().filter(|r| !r.local).count();
    ctx.out.line(&format!(
        "Loaded {count} entries in file {}",
        path.display()
    ));
    ctx.out.put("Press ENTER to continue");
    ctx.out.flush();
    let mut b = [0u8; 1];
    let _ = std::io::Read::read(&mut std::io::stdin(), &mut b);
    if !path.exists() {
        let _l = cluster::lock(path)?;
        cluster::write_file(cfg, path, &records, crate::db::now())?;
    }
    let editor = crate::config::env_or("EDITOR", "vi");
    ctx.out.line(&format!("Editor is {editor}"));
    ctx.out.flush();
    // The editor works on a copy; the result replaces the file (atomically,
    // under the lock) only when it parses.
    let copy = path.with_extension(format!("edit.{}", std::process::id()));
    std::fs::copy(path, &copy)
        .map_err(|e| AppletError::new(111, format!("dbinfo: {}: {e}", path.display())))?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&copy)
        .status();
    let result = (|| {
        status.map_err(|e| AppletError::new(111, format!("dbinfo: {editor}: {e}")))?;
        let text = std::fs::read_to_string(&copy)
            .map_err(|e| AppletError::new(111, format!("dbinfo: {}: {e}", copy.display())))?;
        let edited = cluster::mcdinfo::parse(&text, &path.display().to_string())
            .map_err(|e| AppletError::new(1, e))?;
        cluster::replace_all(cfg, path, &edited)?;
        Ok(0)
    })();
    let _ = std::fs::remove_file(&copy);
    result
}
