//! inquerytest: send one query to inlookup (or answer it from MySQL) and print the result.

use std::io::Write;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult, Out};
use crate::db::users;
use crate::inquery::client::{inquery, Answer, InqueryError};
use crate::inquery::codec::{
    Reply, VLimits, ALIAS_QUERY, DOMAIN_QUERY, HOST_QUERY, LIMIT_QUERY, PWD_QUERY, RELAY_QUERY,
    USER_QUERY,
};

const USAGE: &str = "usage: inquerytest [-v] -q query_type -i infifo email [ipaddr]
1   - User         Status Query
2   - Relay        Status Query
3   - Passwd       Query
4   - SmtpRoute    Query
5   - Valias       Query
6   - Domain Limit Query
7   - Domain       Query";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose: print the FIFOs used"),
    OptSpec::value('q', "query_type", "query type 1-7"),
    OptSpec::value('i', "infifo", "inlookup FIFO name or path"),
];

pub const APPLET: Applet = Applet {
    name: "inquerytest",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "test the inlookup query service",
    synopsis: "[-v] -q query_type [-i infifo] email [ipaddr]",
    options: OPTIONS,
    run,
};

fn usage(msg: Option<&str>) -> AppletError {
    match msg {
        Some(m) => AppletError::new(100, format!("inquerytest: {m}\n{USAGE}")),
        None => AppletError::new(100, USAGE),
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage(None))?;
    let Some(q) = p.value("q") else {
        return Err(usage(None));
    };
    let qtype = match q.chars().next().and_then(|c| c.to_digit(10)) {
        Some(d) if (1..=7).contains(&d) => d as u8,
        Some(d) => return Err(usage(Some(&format!("Invalid query type [{d}]")))),
        None => return Err(usage(Some(&format!("Invalid query type [{q}]")))),
    };
    let Some(email) = p.operands.first() else {
        return Err(usage(Some("email not specified")));
    };
    let ip = p.operands.get(1).map(String::as_str).unwrap_or("");
    if qtype == RELAY_QUERY && ip.is_empty() {
        return Err(usage(Some("ipaddr must be specified for RELAY query")));
    }
    let infifo = p.value("i");
    let mut verbose_log: Vec<u8> = Vec::new();
    let log: Option<&mut dyn Write> = if p.has("v") {
        Some(&mut verbose_log)
    } else {
        None
    };
    // a named FIFO that does not exist: run a private inlookup on it for this query
    let private = match infifo.filter(|f| !f.is_empty()) {
        Some(f) => {
            let path = crate::inquery::client::base_infifo(Some(f)).0;
            if crate::sys::path_missing(&path) {
                eprintln!("Creating FIFO {}", path.display());
                Some(start_private(&path)?)
            } else {
                None
            }
        }
        None => None,
    };
    let result = inquery(&ctx.cfg, qtype, email, ip, infifo, log);
    if let Some((mut child, path)) = private {
        let _ = crate::sys::kill(child.id(), libc::SIGTERM);
        let _ = child.wait();
        let _ = std::fs::remove_file(&path);
    }
    ctx.out.put(&String::from_utf8_lossy(&verbose_log));
    let reply = match result {
        Ok(Answer::Found(r)) => r,
        Ok(Answer::NotFound) => {
            ctx.out.flush();
            return Err(AppletError::new(1, format!("{email}: No such user")));
        }
        Err(InqueryError::Io(e)) => {
            ctx.out.flush();
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            return Err(AppletError::new(
                1,
                format!("{email}: No such user: {text}"),
            ));
        }
        Err(e) => {
            ctx.out.flush();
            return Err(AppletError::new(
                1,
                format!("{e}\n{email}: inquery failure"),
            ));
        }
    };
    print_reply(&mut ctx.out, qtype, email, ip, &reply);
    ctx.out.flush();
    Ok(0)
}

/// Start `inlookup -f <path>` and wait until it has the FIFO open.
fn start_private(
    path: &std::path::Path,
) -> Result<(std::process::Child, std::path::PathBuf), AppletError> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::process::CommandExt;
    let fail = |e: std::io::Error| AppletError::new(111, format!("inquerytest: inlookup: {e}"));
    let exe = std::env::current_exe().map_err(fail)?;
    let mut child = std::process::Command::new(exe)
        .arg0("inlookup")
        .arg("-f")
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(fail)?;
    let t0 = std::time::Instant::now();
    loop {
        let ready = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .is_ok();
        if ready {
            return Ok((child, path.to_path_buf()));
        }
        if let Ok(Some(_)) = child.try_wait() {
            let _ = std::fs::remove_file(path);
            return Err(AppletError::new(1, "inquerytest: InLookup died"));
        }
        if t0.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(path);
            return Err(AppletError::new(1, "inquerytest: InLookup died"));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn print_reply(out: &mut Out, qtype: u8, email: &str, ip: &str, reply: &Reply) {
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match (qtype, reply) {
        (USER_QUERY, Reply::Status(st)) => out.line(&match st {
            0 => format!("{email} has all services enabled"),
            1 => format!("{email} is Absent on this domain (#5.1.1)"),
            2 => format!("{email} is Inactive on this domain (#5.2.1)"),
            3 => format!("{email} is Overquota on this domain (#5.2.2)"),
            4 => format!("{email} is an alias"),
            n => format!("{email} has unknown status [{n}]"),
        }),
        (RELAY_QUERY, Reply::Status(st)) => out.line(&match st {
            1 => format!("{email} is authenticated on {ip}"),
            0 => format!("{email} is not authenticated on {ip}"),
            n => format!("{email} has unknown relay status [{n}]"),
        }),
        (PWD_QUERY, Reply::Password(pw)) => {
            out.line(&format!("pw_name  : {}", s(&pw.name)));
            out.line(&format!("pw_passwd: {}", s(&pw.passwd)));
            out.line(&format!("pw_uid   : {}", pw.uid));
            out.line(&format!("pw_gid   : {}", pw.gid));
            out.line(&format!("pw_gecos : {}", s(&pw.gecos)));
            out.line(&format!("pw_dir   : {}", s(&pw.dir)));
            out.line(&format!("pw_shell : {}", s(&pw.shell)));
            let table = if pw.inactive != 0 {
                users::inactive_table()
            } else {
                users::active_table()
            };
            out.line(&format!("Table    : {table}"));
        }
        (HOST_QUERY, Reply::Host(h)) => out.line(&format!("{email}: SMTPROUTE is {}", s(h))),
        (ALIAS_QUERY, Reply::Aliases(lines)) => {
            if lines.is_empty() {
                out.flush();
                eprint!("{email}: No aliases\n\n");
            } else {
                out.line(&format!("Alias List for {email}"));
                for l in lines {
                    out.line(&s(l));
                }
            }
        }
        (LIMIT_QUERY, Reply::Limits(v)) => print_limits(out, v),
        (DOMAIN_QUERY, Reply::Domain(d)) => out.line(&format!("{email}: Real Domain is {}", s(d))),
        _ => {}
    }
}

/// The limits block (`print_limits`): header and GID flags for domain and user rows,
/// the permission flags for user rows; nothing when the type is unset.
pub fn print_limits(out: &mut Out, v: &VLimits) {
    if v.limit_type != 1 && v.limit_type != 2 {
        return;
    }
    let expiry = |t: i64| {
        if t == -1 {
            "Never Expires\n".to_string()
        } else {
            crate::sys::asctime_local(t)
        }
    };
    out.put(&format!(
        "Domain Expiry   Date : {}",
        expiry(v.domain_expiry)
    ));
    out.put(&format!(
        "Password Expiry Date : {}",
        expiry(v.passwd_expiry)
    ));
    let unsigned = |label: &str, n: u64| {
        if n == 0 {
            format!("{label}:     unlimited")
        } else {
            format!("{label}: {n:13}")
        }
    };
    let signed = |label: &str, n: i64| {
        if n == -1 {
            format!("{label}:     unlimited")
        } else {
            format!("{label}: {n:13}")
        }
    };
    out.line(&unsigned("Max Domain Quota     ", v.diskquota));
    out.line(&unsigned("Max Domain Messages  ", v.maxmsgcount));
    out.line(&unsigned("Default User Quota   ", v.defaultquota));
    out.line(&unsigned("Default User Messages", v.defaultmaxmsgcount));
    out.line(&signed("Max Pop Accounts     ", v.maxpopaccounts));
    out.line(&signed("Max Aliases          ", v.maxaliases));
    out.line(&signed("Max Forwards         ", v.maxforwards));
    out.line(&signed("Max Autoresponders   ", v.maxautoresponders));
    out.line(&signed("Max Mailinglists     ", v.maxmailinglists));
    out.line("");
    out.line("GID Flags:");
    // disable[]: pop, imap, dialup, passwordchanging, webmail, relay, smtp
    let d = v.disable;
    for (off, no, yes) in [
        (d[2], "NO_DIALUP", "DIALUP"),
        (d[3], "NO_PASSWD_CHNG", "PASSWD CHNG"),
        (d[6], "NO_SMTP", "SMTP"),
        (d[1], "NO_IMAP", "IMAP"),
        (d[0], "NO_POP", "POP3"),
        (d[4], "NO_WEBMAIL", "WEBMAIL"),
        (d[5], "NO_RELAY", "RELAY"),
    ] {
        out.line(&format!("  {}", if off != 0 { no } else { yes }));
    }
    if v.limit_type != 2 {
        return;
    }
    out.line("Flags for non postmaster accounts:");
    let names = [
        "pop account           ",
        "alias                 ",
        "forward               ",
        "autoresponder         ",
        "mailinglist           ",
        "mailinglist users     ",
        "mailinglist moderators",
        "domain quota          ",
        "default quota         ",
    ];
    for (i, name) in names.iter().enumerate() {
        let p = v.perm[i];
        let c = if p & 1 != 0 {
            "DENY_CREATE"
        } else {
            "ALLOW_CREATE"
        };
        let m = if p & 2 != 0 {
            "DENY_MODIFY"
        } else {
            "ALLOW_MODIFY"
        };
        let x = if p & 4 != 0 {
            "DENY_DELETE"
        } else {
            "ALLOW_DELETE"
        };
        if i == names.len() - 1 {
            out.line(&format!("  {name}: {c:>12} {m:>12}"));
        } else {
            out.line(&format!("  {name}: {c:>12} {m:>12} {x:>12}"));
        }
    }
}
