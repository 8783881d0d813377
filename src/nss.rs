//! Users, groups and host names without glibc's NSS modules in this process.
//!
//! The executable is static (`.cargo/config.toml`). glibc's static NSS knows
//! `files` and `dns` itself but loads any other module (systemd, sss, ldap,
//! mdns, resolve ...) with `dlopen`, which is not safe in a static executable:
//! on Debian's default `passwd: files systemd` a lookup of a missing user
//! crashed. So the files are read here, and a name or id they do not have is
//! asked of `getent(1)`, a dynamic program with the machine's whole NSS.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::process::{Command, Stdio};

const PASSWD_FILE: &str = "/etc/passwd";
const GROUP_FILE: &str = "/etc/group";
const NSSWITCH_FILE: &str = "/etc/nsswitch.conf";

/// A password-file entry (only what the toolkit uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PwEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub dir: String,
}

/// One `name:passwd:uid:gid:gecos:dir:shell` line; NIS `+`/`-` lines and
/// comments are not entries.
fn parse_passwd_line(line: &str) -> Option<PwEntry> {
    if line.starts_with(['+', '-', '#']) {
        return None;
    }
    let f: Vec<&str> = line.split(':').collect();
    if f.len() < 7 || f[0].is_empty() {
        return None;
    }
    Some(PwEntry {
        name: f[0].to_string(),
        uid: f[2].parse().ok()?,
        gid: f[3].parse().ok()?,
        dir: f[5].to_string(),
    })
}

/// One `name:passwd:gid:members` line: (name, gid).
fn parse_group_line(line: &str) -> Option<(String, u32)> {
    if line.starts_with(['+', '-', '#']) {
        return None;
    }
    let f: Vec<&str> = line.split(':').collect();
    if f.len() < 4 || f[0].is_empty() {
        return None;
    }
    Some((f[0].to_string(), f[2].parse().ok()?))
}

/// The lines `getent <db> <key>` prints; empty when it finds nothing or is missing.
fn getent(db: &str, key: &str) -> String {
    Command::new("getent")
        .args([db, "--", key])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// The first entry of `file` (parsed by `parse`) that `pick` accepts, else of
/// `getent <db> <key>`.
fn find<T>(
    file: &str,
    db: &str,
    key: &str,
    parse: fn(&str) -> Option<T>,
    pick: impl Fn(&T) -> bool,
) -> Option<T> {
    let first = |text: &str| text.lines().filter_map(parse).find(|e| pick(e));
    std::fs::read_to_string(file)
        .ok()
        .and_then(|s| first(&s))
        .or_else(|| first(&getent(db, key)))
}

fn find_user(key: &str, pick: impl Fn(&PwEntry) -> bool) -> Option<PwEntry> {
    find(PASSWD_FILE, "passwd", key, parse_passwd_line, pick)
}

fn find_group(key: &str, pick: impl Fn(&(String, u32)) -> bool) -> Option<(String, u32)> {
    find(GROUP_FILE, "group", key, parse_group_line, pick)
}

/// getpwnam(3): the user called `name`.
pub fn getpwnam(name: &str) -> io::Result<Option<PwEntry>> {
    if name.contains(['\0', ':', '\n']) {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    // `getent passwd 1000` would look up a uid: only an entry of that name counts.
    Ok(find_user(name, |e| e.name == name))
}

/// The user name of `uid` (getpwuid(3)); `None` when there is none.
pub fn user_name(uid: u32) -> Option<String> {
    find_user(&uid.to_string(), |e| e.uid == uid).map(|e| e.name)
}

/// The gid of group `name`, None if there is no such group.
pub fn getgrnam_gid(name: &str) -> Option<u32> {
    if name.contains(['\0', ':', '\n']) {
        return None;
    }
    find_group(name, |g| g.0 == name).map(|g| g.1)
}

/// The group name of `gid` (getgrgid(3)); `None` when there is none.
pub fn group_name(gid: u32) -> Option<String> {
    find_group(&gid.to_string(), |g| g.1 == gid).map(|g| g.0)
}

/// Whether the `hosts:` line of nsswitch.conf names only the services glibc
/// has built in (`files`, `dns`); glibc's default without the file is those two.
fn hosts_builtin_only(nsswitch: Option<&str>) -> bool {
    let Some(conf) = nsswitch else { return true };
    let Some(line) = conf
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .find_map(|l| l.trim_start().strip_prefix("hosts:"))
    else {
        return true;
    };
    line.split_whitespace()
        .filter(|t| !t.starts_with('[') && !t.ends_with(']'))
        .all(|t| t == "files" || t == "dns")
}

/// Whether names must be resolved through getent: nsswitch.conf names host
/// services that glibc has not built in.
fn hosts_need_getent() -> bool {
    !hosts_builtin_only(std::fs::read_to_string(NSSWITCH_FILE).ok().as_deref())
}

/// The addresses of `host` (a name or an IP literal) at `port`, as getaddrinfo(3)
/// with the machine's NSS would give them.
pub fn socket_addrs(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if !hosts_need_getent() {
        return Ok((host, port).to_socket_addrs()?.collect());
    }
    getent_addrs(host, port)
}

/// `getent ahosts host`: its addresses in order, without repeats.
fn getent_addrs(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    let mut out: Vec<SocketAddr> = Vec::new();
    for line in getent("ahosts", host).lines() {
        let Some(ip) = line.split_whitespace().next().and_then(|a| a.parse().ok()) else {
            continue;
        };
        let a = SocketAddr::new(ip, port);
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host}: host not found"),
        ));
    }
    Ok(out)
}

/// `host` as the mysql client should be given it: unchanged when glibc can
/// resolve it itself, else its first address.
pub fn host_for_client(host: &str) -> io::Result<String> {
    if host.parse::<IpAddr>().is_ok() || !hosts_need_getent() {
        return Ok(host.to_string());
    }
    Ok(getent_addrs(host, 0)?[0].ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group_lines() {
        assert_eq!(
            parse_passwd_line("indimail:x:555:555:IndiMail:/var/indimail:/sbin/nologin"),
            Some(PwEntry {
                name: "indimail".into(),
                uid: 555,
                gid: 555,
                dir: "/var/indimail".into()
            })
        );
        assert_eq!(parse_passwd_line("+@nisgroup::::::"), None);
        assert_eq!(parse_passwd_line("# comment"), None);
        assert_eq!(parse_passwd_line("short:x:1:1"), None);
        assert_eq!(parse_passwd_line("bad:x:uid:1:::"), None);
        assert_eq!(
            parse_group_line("indimail:x:555:a,b"),
            Some(("indimail".into(), 555))
        );
        assert_eq!(parse_group_line("-bad:x:1:"), None);
    }

    #[test]
    fn system_entries_are_found() {
        assert_eq!(getpwnam("root").unwrap().map(|e| e.uid), Some(0));
        assert_eq!(user_name(0).as_deref(), Some("root"));
        assert_eq!(getgrnam_gid("root"), Some(0));
        assert_eq!(group_name(0).as_deref(), Some("root"));
        assert_eq!(getpwnam("no-such-user-x").unwrap(), None);
        assert_eq!(getgrnam_gid("no-such-group-x"), None);
        assert!(getpwnam("a:b").is_err());
    }

    #[test]
    fn nsswitch_hosts_line() {
        assert!(hosts_builtin_only(None));
        assert!(hosts_builtin_only(Some(
            "passwd: files\nhosts: files dns\n"
        )));
        assert!(hosts_builtin_only(Some(
            "hosts: dns [!UNAVAIL=return] files"
        )));
        assert!(!hosts_builtin_only(Some(
            "hosts: files mdns4_minimal [NOTFOUND=return] dns"
        )));
        assert!(!hosts_builtin_only(Some(
            "# x\nhosts: files resolve [!UNAVAIL=return] dns myhostname"
        )));
        assert!(hosts_builtin_only(Some("passwd: files systemd\n")));
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        assert_eq!(
            socket_addrs("127.0.0.1", 3306).unwrap(),
            vec!["127.0.0.1:3306".parse().unwrap()]
        );
        assert_eq!(host_for_client("::1").unwrap(), "::1");
        assert!(!socket_addrs("localhost", 1).unwrap().is_empty());
    }
}
