//! indisrvr: the administration server (port 4000). See [`crate::admin::server`].

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{parse_args, Applet, Ctx};
use crate::admin::conn::Sock;
use crate::admin::privilege::Mode;
use crate::admin::server::{self, log, Peer, Server, Settings};
use crate::admin::throttle::{Policy, Throttle};
use crate::admin::tls;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::fail;

const USAGE: &str = "usage: indisrvr -i ipaddr -p port -b backlog [-v] [-l] [-d certdir] [-n certfile] [-c cafile] [-r crlfile] [-t timeoutdata] [-T timeoutconn]";

const OPTIONS: &[OptSpec] = &[
    OptSpec::value(
        'i',
        "ipaddr",
        "address to listen on (0: all, IPv6 and IPv4), or a UNIX socket path",
    ),
    OptSpec::value('p', "port", "port number or service name"),
    OptSpec::value('b', "backlog", "listen backlog"),
    OptSpec::flag('v', "verbose log (SIGUSR2 toggles it)"),
    OptSpec::flag('l', "serve one connection on fds 0/1 (under tcpserver)"),
    OptSpec::value('d', "certdir", "directory for relative certificate paths"),
    OptSpec::value(
        'n',
        "certfile",
        "PEM certificate chain and private key: implicit TLS",
    ),
    OptSpec::value(
        'c',
        "cafile",
        "CA certificates: client certificates are required and verified",
    ),
    OptSpec::value(
        'r',
        "crlfile",
        "certificate revocation list for client certificates",
    ),
    OptSpec::value(
        't',
        "timeoutdata",
        "seconds allowed for each read and write (default 300)",
    ),
    OptSpec::value(
        'T',
        "timeoutconn",
        "seconds allowed for the TLS handshake (default 60)",
    ),
    OptSpec::long_value(
        "key",
        "keyfile",
        "private key when it is not in the certificate file",
    ),
    OptSpec::long_flag(
        "plaintext",
        "allow plaintext (no -n) on loopback or a UNIX socket",
    ),
    OptSpec::long_flag(
        "plaintext-any",
        "allow plaintext from any address (not recommended)",
    ),
    OptSpec::long_value("max-sessions", "n", "simultaneous sessions (default 64)"),
    OptSpec::long_value(
        "max-per-ip",
        "n",
        "simultaneous sessions per source address (default 16)",
    ),
    OptSpec::long_value(
        "allow-env",
        "names",
        "comma-separated variables that $NAME arguments may expand (default none)",
    ),
];

pub const APPLET: Applet = Applet {
    name: "indisrvr",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "IndiMail administration server (runs admin commands for adminclient)",
    synopsis: "-i ipaddr -p port -b backlog [-v] [-l] [-n certfile] [options]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(100, USAGE)
}

fn number(p: &crate::cli::getopt::Parsed, key: &str, default: u64) -> Result<u64, AppletError> {
    match p.value(key) {
        None => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) => Ok(n),
            Err(_) => fail!(100, "indisrvr: {v}: not a number"),
        },
    }
}

/// A port number, or a name from /etc/services.
fn port_of(s: &str) -> Option<u16> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let services = std::fs::read_to_string("/etc/services").ok()?;
    services.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        let name = f.next()?;
        let pp = f.next()?;
        let aliases: Vec<&str> = f.take_while(|a| !a.starts_with('#')).collect();
        let (port, proto) = pp.split_once('/')?;
        (proto == "tcp" && (name == s || aliases.contains(&s)))
            .then(|| port.parse().ok())
            .flatten()
    })
}

fn resolve(certdir: &Path, p: Option<&str>) -> Option<PathBuf> {
    let p = PathBuf::from(p?);
    if p.is_relative() && !p.exists() {
        return Some(certdir.join(p));
    }
    Some(p)
}

enum Listen {
    Tcp(Vec<TcpListener>),
    Unix(std::os::unix::net::UnixListener, PathBuf),
}

fn bind_tcp(addr: SocketAddr, backlog: i32, dual: bool) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    s.set_reuse_address(true)?;
    if addr.is_ipv6() {
        s.set_only_v6(!dual)?;
    }
    s.bind(&addr.into())?;
    s.listen(backlog)?;
    Ok(s.into())
}

fn listen(ip: &str, port: &str, backlog: i32) -> Result<Listen, AppletError> {
    if ip.contains('/') {
        let path = PathBuf::from(ip);
        if path.parent().is_some_and(Path::is_dir) {
            use std::os::unix::fs::FileTypeExt;
            if let Ok(m) = std::fs::symlink_metadata(&path) {
                if m.file_type().is_socket() {
                    let _ = std::fs::remove_file(&path);
                }
            }
            return std::os::unix::net::UnixListener::bind(&path)
                .map(|l| Listen::Unix(l, path.clone()))
                .map_err(|e| AppletError::new(111, format!("indisrvr: bind {ip}: {e}")));
        }
    }
    let Some(port) = port_of(port) else {
        fail!(100, "indisrvr: {port}: unknown port");
    };
    if ip == "0" || ip.is_empty() {
        let any6: SocketAddr = (std::net::Ipv6Addr::UNSPECIFIED, port).into();
        return match bind_tcp(any6, backlog, true) {
            Ok(l) => Ok(Listen::Tcp(vec![l])),
            Err(_) => bind_tcp(
                (std::net::Ipv4Addr::UNSPECIFIED, port).into(),
                backlog,
                false,
            )
            .map(|l| Listen::Tcp(vec![l]))
            .map_err(|e| AppletError::new(111, format!("indisrvr: bind 0:{port}: {e}"))),
        };
    }
    let host = ip.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = crate::nss::socket_addrs(host, port)
        .map_err(|e| AppletError::new(111, format!("indisrvr: {ip}: {e}")))?;
    let mut out = Vec::new();
    let mut last = None;
    for a in addrs {
        match bind_tcp(a, backlog, false) {
            Ok(l) => out.push(l),
            Err(e) => last = Some(e),
        }
    }
    if out.is_empty() {
        fail!(
            111,
            "indisrvr: bind {ip}:{port}: {}",
            last.map(|e| e.to_string())
                .unwrap_or_else(|| "no address".into())
        );
    }
    Ok(Listen::Tcp(out))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let inetd = p.has("l");
    let certdir = PathBuf::from(p.value("d").map(str::to_string).unwrap_or_else(|| {
        ctx.cfg
            .sysconfdir
            .join("certs")
            .to_string_lossy()
            .into_owned()
    }));
    let certfile = resolve(&certdir, p.value("n"));
    let cafile = resolve(&certdir, p.value("c"));
    let crlfile = resolve(&certdir, p.value("r"));
    let keyfile = resolve(&certdir, p.value("key"));
    let tls = match &certfile {
        Some(c) => Some(
            tls::server_config(c, keyfile.as_deref(), cafile.as_deref(), crlfile.as_deref())
                .map_err(|e| AppletError::new(111, format!("indisrvr: TLS: {e}")))?,
        ),
        None => None,
    };
    let plaintext_any = p.has("plaintext-any");
    let plaintext = p.has("plaintext") || plaintext_any;
    if tls.is_none() && !plaintext && !(inetd && std::env::var("PROTO").as_deref() == Ok("SSL")) {
        fail!(
            100,
            "indisrvr: no certificate: give -n certfile for TLS, or --plaintext to serve without TLS on loopback or a UNIX socket"
        );
    }
    let max_sessions = number(&p, "max-sessions", 64)?.max(1) as usize;
    let settings = Settings {
        verbose: AtomicBool::new(p.has("v")),
        timeout: Duration::from_secs(number(&p, "t", 300)?.max(1)),
        handshake_timeout: Duration::from_secs(number(&p, "T", 60)?.max(1)),
        tls,
        plaintext_any,
        max_sessions,
        max_per_ip: number(&p, "max-per-ip", 16)?.max(1) as usize,
        allow_env: p
            .value("allow-env")
            .map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        mode: if std::env::var_os("QREGEX").is_some() {
            Mode::Regex
        } else {
            Mode::Glob
        },
        throttle: Throttle::new(Policy::default()),
        exe: std::env::current_exe().map_err(|e| {
            AppletError::new(111, format!("indisrvr: cannot find this executable: {e}"))
        })?,
        cfg: ctx.cfg.clone(),
    };
    if inetd {
        let ip = std::env::var("TCPREMOTEIP").unwrap_or_default();
        let port = std::env::var("TCPREMOTEPORT").unwrap_or_default();
        let local = ip.is_empty()
            || ip
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| a.is_loopback())
            || std::env::var("PROTO").as_deref() == Ok("SSL");
        let peer = Peer {
            desc: format!(
                "ip {ip}, port {port} to ip {}, port {}",
                std::env::var("TCPLOCALIP").unwrap_or_default(),
                std::env::var("TCPLOCALPORT").unwrap_or_default()
            ),
            ip: if ip.is_empty() { "unknown".into() } else { ip },
            local,
        };
        let server = Server::new(settings);
        server.session(Sock::Stdio, &peer);
        return Ok(0);
    }
    let (Some(ip), Some(port)) = (p.value("i"), p.value("p")) else {
        return Err(usage());
    };
    if p.value("b").is_none() {
        return Err(usage());
    }
    let backlog = number(&p, "b", 64)?.clamp(1, 65535) as i32;
    let listeners = listen(ip, port, backlog)?;
    if settings.tls.is_none() && !plaintext_any {
        if let Listen::Tcp(ls) = &listeners {
            if let Some(l) = ls
                .iter()
                .find(|l| !l.local_addr().is_ok_and(|a| a.ip().is_loopback()))
            {
                fail!(
                    100,
                    "indisrvr: refusing plaintext on {}: use -n certfile, a loopback address, a UNIX socket, or --plaintext-any",
                    l.local_addr().map(|a| a.to_string()).unwrap_or_default()
                );
            }
        }
    }
    crate::sys::catch_signals_restart(&[libc::SIGTERM, libc::SIGUSR2])
        .map_err(|e| AppletError::new(111, format!("indisrvr: sigaction: {e}")))?;
    let cert = certfile
        .map(|c| c.display().to_string())
        .unwrap_or_else(|| "none (plaintext)".into());
    let server = Arc::new(Server::new(settings));
    match listeners {
        Listen::Tcp(ls) => {
            for l in ls {
                log(&format!(
                    "IndiServer Ready with Address {} backlog {backlog} cert={cert}",
                    l.local_addr().map(|a| a.to_string()).unwrap_or_default()
                ));
                let s = Arc::clone(&server);
                std::thread::spawn(move || server::serve_tcp(s, l));
            }
        }
        Listen::Unix(l, path) => {
            log(&format!(
                "IndiServer Ready with Address {} backlog {backlog} cert={cert}",
                path.display()
            ));
            let s = Arc::clone(&server);
            std::thread::spawn(move || server::serve_unix(s, l));
        }
    }
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let sigs = crate::sys::take_signals();
        if sigs & (1 << libc::SIGTERM) != 0 {
            log("indisrvr going down on SIGTERM");
            return Ok(0);
        }
        if sigs & (1 << libc::SIGUSR2) != 0 {
            let v = !server.settings.verbose.load(Ordering::Relaxed);
            server.settings.verbose.store(v, Ordering::Relaxed);
            log(&format!("Resetting Verbose flag to {}", u8::from(v)));
        }
    }
}
