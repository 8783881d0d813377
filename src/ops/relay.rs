/*!
POP-before-SMTP relaying: rebuilding the SMTP access rules (`tcp.smtp.cdb`)
from the `relay` table and the administrator's `tcp.smtp` file, as IndiMail's
`update_rules` does for clearopensmtp.

The cdb is made by `tcprules` (`TCPRULES_PROG`, else `<prefix>/bin/tcprules`)
run as `tcprules <TCP_FILE>.cdb <TCP_FILE>.tmp.<pid>` with umask 022; its
input is one `<ip>:allow,RELAYCLIENT=""` line per relay entry followed by the
lines of `TCP_FILE` (default `SYSCONFDIR/tcp/tcp.smtp`) with comments and
blank lines removed. The cdb is then given to the indimail user when we are root.
*/

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::config::{env_nonempty, Config};
use crate::db::Db;

/// Minutes a relay permission lasts unless `RELAY_CLEAR_MINUTES` says otherwise
/// (IndiMail's configure default).
pub const DEFAULT_CLEAR_MINUTES: i64 = 60;

/// `TCP_FILE`, else `SYSCONFDIR/tcp/tcp.smtp`.
pub fn tcp_file(cfg: &Config) -> PathBuf {
    env_nonempty("TCP_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| cfg.sysconfdir.join("tcp/tcp.smtp"))
}

/// A clustered site (an mcdinfo file exists: `MCDFILE`, relative to
/// CONTROLDIR) leaves the rules alone, as the original.
pub fn clustered(cfg: &Config) -> bool {
    let m = crate::config::env_or("MCDFILE", "mcdinfo");
    let path = if m.starts_with('/') {
        PathBuf::from(m)
    } else {
        cfg.control(&m)
    };
    path.exists()
}

/// The rule lines fed to tcprules.
pub fn rule_lines(relay_ips: &[String], tcp_smtp: &str) -> String {
    let mut out = String::new();
    for ip in relay_ips {
        out.push_str(&format!("{ip}:allow,RELAYCLIENT=\"\"\n"));
    }
    for line in tcp_smtp.lines() {
        let l = line.split('#').next().unwrap_or("");
        if l.trim().is_empty() {
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// Rebuild `<TCP_FILE>.cdb`.
pub fn update_rules(cfg: &Config) -> Result<(), String> {
    let mut db = Db::open(cfg).map_err(|e| e.to_string())?;
    let ips = crate::db::relay::addresses(&mut db).map_err(|e| e.to_string())?;
    let file = tcp_file(cfg);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("read: {}: {e}", file.display())),
    };
    let input = rule_lines(&ips, &text);
    let prog = env_nonempty("TCPRULES_PROG")
        .map(PathBuf::from)
        .unwrap_or_else(|| cfg.prefix.join("bin/tcprules"));
    let cdb = PathBuf::from(format!("{}.cdb", file.display()));
    let tmp = format!("{}.tmp.{}", file.display(), std::process::id());
    // the child inherits our umask: 022 around the spawn, as the original
    let old = crate::sys::set_umask(0o022);
    let child = Command::new(&prog)
        .arg(&cdb)
        .arg(&tmp)
        .stdin(Stdio::piped())
        .spawn();
    crate::sys::set_umask(old);
    let mut child = child.map_err(|e| format!("{}: {e}", prog.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| format!("write: {}: {e}", prog.display()))?;
    }
    let st = child
        .wait()
        .map_err(|e| format!("wait: {}: {e}", prog.display()))?;
    if !st.success() {
        return Err(format!("{} exited with {st}", prog.display()));
    }
    if crate::sys::geteuid() == 0 {
        let owner = cfg.indimail_ids()?;
        crate::sys::chown(&cdb, Some(owner))
            .map_err(|e| format!("chown: {}: {e}", cdb.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rules_text() {
        let ips = vec!["192.0.2.1".to_string()];
        let t = "# comment\n127.:allow,RELAYCLIENT=\"\"\n\n:allow # default\n";
        assert_eq!(
            super::rule_lines(&ips, t),
            "192.0.2.1:allow,RELAYCLIENT=\"\"\n127.:allow,RELAYCLIENT=\"\"\n:allow \n"
        );
    }
}
