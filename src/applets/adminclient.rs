//! adminclient: run an administration command on an indisrvr server.
//!
//! Options are read as the original reads them (each `-x` takes the next word as its value);
//! the password may come from a prompt, a file or stdin instead of `-P`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Applet, Ctx};
use crate::admin::client::{self, Error, Options};
use crate::admin::tls;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::fail;

const USAGE: &str = "usage: adminclient -h adminHost -p adminPort -u adminUser -P adminPasswd [-n certfile] [-i] -c cmmd [-v]";

const OPTIONS: &[OptSpec] = &[
    OptSpec::value('h', "adminHost", "server host (else ADMIN_HOST)"),
    OptSpec::value('p', "adminPort", "server port (else ADMIN_PORT)"),
    OptSpec::value('u', "adminUser", "account (else ADMIN_USER)"),
    OptSpec::value('P', "adminPasswd", "password on the command line (visible to other users; prefer the prompt, --password-file or --password-stdin)"),
    OptSpec::value('n', "certfile", "use TLS, presenting this certificate (and key) to the server"),
    OptSpec::value('C', "cafile", "use TLS and trust these CA certificates for the server"),
    OptSpec::value('r', "crlfile", "accepted for compatibility"),
    OptSpec::flag('m', "verify the server (always done under TLS)"),
    OptSpec::flag('i', "copy stdin to the command"),
    OptSpec::flag('v', "verbose"),
    OptSpec::value('c', "cmmd", "the command and its arguments"),
    OptSpec::long_flag("tls", "use TLS without a client certificate"),
    OptSpec::long_value("key", "keyfile", "client private key when not in the certificate file"),
    OptSpec::long_value("password-file", "file", "read the password from the first line of file"),
    OptSpec::long_flag("password-stdin", "read the password from the first line of stdin"),
];

pub const APPLET: Applet = Applet {
    name: "adminclient",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "run an IndiMail administration command on a remote indisrvr",
    synopsis:
        "-h adminHost -p adminPort -u adminUser [-P adminPasswd] [-n certfile] [-i] -c cmmd [-v]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, USAGE)
}

/// The options as the original reads them: `-x value` pairs, `--long[=value]`.
fn parse(args: &[String]) -> Result<Vec<(String, Option<String>)>, AppletError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let spec = OPTIONS
                .iter()
                .find(|o| o.long == Some(name))
                .ok_or_else(usage)?;
            let value = if spec.value.is_some() {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        i += 1;
                        Some(args.get(i).cloned().ok_or_else(usage)?)
                    }
                }
            } else {
                None
            };
            out.push((name.to_string(), value));
        } else if let Some(short) = a.strip_prefix('-').and_then(|s| s.chars().next()) {
            let spec = OPTIONS
                .iter()
                .find(|o| o.short == Some(short))
                .ok_or_else(usage)?;
            let value = if spec.value.is_some() {
                i += 1;
                Some(args.get(i).cloned().ok_or_else(usage)?)
            } else {
                None
            };
            out.push((short.to_string(), value));
        } else {
            return Err(usage());
        }
        i += 1;
    }
    Ok(out)
}

fn get<'a>(opts: &'a [(String, Option<String>)], k: &str) -> Option<&'a str> {
    opts.iter()
        .rev()
        .find(|(n, _)| n == k)
        .and_then(|(_, v)| v.as_deref())
}

fn has(opts: &[(String, Option<String>)], k: &str) -> bool {
    opts.iter().any(|(n, _)| n == k)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn secs(name: &str, default: u64) -> Duration {
    Duration::from_secs(
        env(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
            .max(1),
    )
}

fn password(opts: &[(String, Option<String>)]) -> Result<String, AppletError> {
    if let Some(p) = get(opts, "P") {
        eprintln!("adminclient: warning: -P shows the password to other local users; use the prompt, --password-file or --password-stdin");
        return Ok(p.to_string());
    }
    if let Some(f) = get(opts, "password-file") {
        let text = std::fs::read_to_string(f)
            .map_err(|e| AppletError::new(1, format!("adminclient: {f}: {e}")))?;
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    if has(opts, "password-stdin") {
        return match crate::cli::read_stdin_line() {
            Ok(Some(l)) => Ok(l),
            _ => Err(AppletError::new(1, "adminclient: no password on stdin")),
        };
    }
    if let Some(p) = env("ADMIN_PASS") {
        return Ok(p);
    }
    if crate::cli::stdin_is_tty() {
        return rpassword::prompt_password("Password: ")
            .map_err(|e| AppletError::new(1, format!("adminclient: read password: {e}")));
    }
    Err(usage())
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let opts = parse(args)?;
    let Some(command) = get(&opts, "c").map(str::to_string) else {
        return Err(usage());
    };
    let host = get(&opts, "h")
        .map(str::to_string)
        .or_else(|| env("ADMIN_HOST"));
    let port = get(&opts, "p")
        .map(str::to_string)
        .or_else(|| env("ADMIN_PORT"));
    let user = get(&opts, "u")
        .map(str::to_string)
        .or_else(|| env("ADMIN_USER"));
    let (Some(host), Some(port), Some(user)) = (host, port, user) else {
        return Err(usage());
    };
    let Ok(port) = port.parse::<u16>() else {
        fail!(1, "adminclient: {port}: invalid port");
    };
    if crate::admin::commands::client_indices(crate::admin::wire::command_basename(&command))
        .is_none()
    {
        fail!(1, "adminclient: invalid or unauthorized command {command}");
    }
    let pw = password(&opts)?;
    let use_tls = has(&opts, "n") || has(&opts, "C") || has(&opts, "tls");
    let tls_cfg = if use_tls {
        let cert = get(&opts, "n").map(PathBuf::from);
        let key = get(&opts, "key").map(PathBuf::from);
        let ca = get(&opts, "C").map(PathBuf::from);
        Some(
            tls::client_config(ca.as_deref(), cert.as_deref(), key.as_deref())
                .map_err(|e| AppletError::new(1, format!("adminclient: TLS: {e}")))?,
        )
    } else {
        None
    };
    let o = Options {
        host: host.clone(),
        port,
        user: user.clone(),
        password: pw,
        tls: tls_cfg.map(|c: Arc<rustls::ClientConfig>| c),
        stdin: has(&opts, "i"),
        verbose: has(&opts, "v"),
        timeout: secs("TIMEOUTDATA", 120),
        connect_timeout: secs("TIMEOUTCONN", 60),
    };
    ctx.out.flush();
    let mut stdout = std::io::stdout().lock();
    match client::run(&o, &command, &mut stdout) {
        Ok(status) => Ok(status & 0xff),
        Err(Error::Invalid) => fail!(1, "adminclient: invalid or unauthorized command {command}"),
        Err(Error::Auth(text)) => {
            use std::io::Write;
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            fail!(1, "adminclient: auth_admin: {host}@{port} as {user}: ")
        }
        Err(Error::Io(e)) => fail!(255, "adminclient: {host}@{port}: {e}"),
    }
}
