/*!
What `vdominfo` shows about a domain, gathered once and printed by the applet
(text or `--json`).
*/

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::AppletError;
use crate::config::{first_line, Config};
use crate::db::{dircontrol, domains, Db};
use crate::domain::Domain;
use crate::mailstore::hashdir::{self, DirControl};

/// One `dir_control<prefix>` table listed in `.filesystems`.
#[derive(Debug, Clone, Serialize)]
pub struct DirControlInfo {
    /// The `.filesystems` line with `_` shown as `/` (`root/L2P`).
    pub name: String,
    pub cur_users: i64,
    pub dir_prefix: String,
    pub users_per_level: u64,
    pub level_cur: i32,
    pub level_max: i32,
    pub level_index: [i32; 3],
    pub level_start: [i32; 3],
    pub level_end: [i32; 3],
    pub level_mod: [i32; 3],
}

#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub src_host: String,
    pub host_id: String,
    pub port: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DomainInfo {
    pub domain: String,
    /// The real domain (the same name for a real domain).
    pub real_domain: String,
    pub uid: u32,
    pub gid: u32,
    pub dir: PathBuf,
    /// host ID / IP Addr are shown only when `CONTROLDIR/host.cntrl` exists.
    pub host_cntrl: bool,
    pub host_id: Option<String>,
    pub ip: Option<String>,
    pub ports: Vec<Port>,
    /// `.base_path`'s first line, else BASE_PATH.
    pub base_dir: String,
    pub base_dir_from_file: bool,
    pub hash_method: String,
    pub dir_controls: Vec<DirControlInfo>,
    pub users: i64,
    pub vlimits: bool,
    pub alias_domains: Vec<String>,
}

impl DomainInfo {
    pub fn is_alias(&self) -> bool {
        self.domain != self.real_domain
    }
}

fn io_err(path: &Path, e: std::io::Error) -> AppletError {
    AppletError::new(111, format!("vdominfo: open: {}: {e}", path.display()))
}

/// The local host id: `CONTROLDIR/hostid`'s first line, else gethostid() in hex.
pub fn local_hostid(cfg: &Config) -> Option<String> {
    match first_line(&cfg.control("hostid")) {
        Ok(Some(l)) if !l.trim().is_empty() => Some(l.trim().to_string()),
        Ok(Some(_)) => None,
        _ => Some(crate::sys::gethostid_hex()),
    }
}

/// The local IP: `CONTROLDIR/hostip`'s first line, else the host name's first IPv4 address.
pub fn local_ip(cfg: &Config) -> Option<String> {
    if let Ok(Some(l)) = first_line(&cfg.control("hostip")) {
        if !l.trim().is_empty() {
            return Some(l.trim().to_string());
        }
    }
    crate::nss::socket_addrs(&crate::sys::hostname(), 0)
        .ok()?
        .into_iter()
        .find(|a| a.is_ipv4())
        .map(|a| a.ip().to_string())
}

/// Lines of `.aliasdomains` (blank lines and comments skipped).
pub fn alias_domains(dir: &Path) -> std::io::Result<Vec<String>> {
    match std::fs::read_to_string(dir.join(".aliasdomains")) {
        Ok(t) => Ok(t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The `dir_control<prefix>` table names of a domain (from `.filesystems`).
pub fn dir_control_tables(dir: &Path) -> std::io::Result<Vec<String>> {
    Ok(hashdir::read_filesystems(dir)?
        .into_iter()
        .map(|p| format!("dir_control{p}"))
        .collect())
}

/// Is `domain` listed in `CONTROLDIR/virtualdomains` (a `<domain>:` line)?
pub fn is_virtual_domain(cfg: &Config, domain: &str) -> bool {
    crate::control::read_lines(&cfg.control("virtualdomains"))
        .unwrap_or_default()
        .iter()
        .any(|l| l.split(':').next() == Some(domain))
}

/// Gather the information about `name`, whose assign entry is `entry`.
pub fn gather(
    cfg: &Config,
    db: &mut Db,
    name: &str,
    entry: &Domain,
) -> Result<DomainInfo, AppletError> {
    let real = crate::domain::real_domain(cfg, name)
        .map_err(|e| io_err(&entry.dir, e))?
        .unwrap_or_else(|| name.to_string());
    let host_cntrl = cfg.control("host.cntrl").exists();
    let (host_id, ip, ports) = if host_cntrl {
        let ports = domains::smtp_ports(db, name)?
            .into_iter()
            .map(|(src_host, host_id, port)| Port {
                src_host,
                host_id,
                port,
            })
            .collect();
        (local_hostid(cfg), local_ip(cfg), ports)
    } else {
        (None, None, Vec::new())
    };
    let dir = entry.dir.clone();
    let mut info = DomainInfo {
        domain: name.to_string(),
        real_domain: real.clone(),
        uid: entry.uid,
        gid: entry.gid,
        dir: dir.clone(),
        host_cntrl,
        host_id,
        ip,
        ports,
        base_dir: cfg.base_path.display().to_string(),
        base_dir_from_file: false,
        hash_method: String::new(),
        dir_controls: Vec::new(),
        users: 0,
        vlimits: false,
        alias_domains: Vec::new(),
    };
    if info.is_alias() {
        return Ok(info);
    }
    let bp = dir.join(".base_path");
    match first_line(&bp) {
        Ok(Some(l)) if !l.is_empty() => {
            info.base_dir = l;
            info.base_dir_from_file = true;
        }
        Ok(_) => {}
        Err(e) => return Err(io_err(&bp, e)),
    }
    info.hash_method = crate::domain::hash_method(cfg, Some(&dir))
        .map_err(|e| AppletError::new(111, format!("vdominfo: {e}")))?
        .name()
        .to_string();
    info.dir_controls = dir_controls(db, name, &dir, entry.users_per_level())?;
    info.users = info.dir_controls.iter().map(|d| d.cur_users).sum();
    info.vlimits = entry.limits_enabled();
    info.alias_domains = alias_domains(&dir).map_err(|e| io_err(&dir.join(".aliasdomains"), e))?;
    Ok(info)
}

/// The `dir_control` rows of a domain, one per `.filesystems` line, as
/// print_control reads them (`per_level` 0 shows the default 100).
pub fn dir_controls(
    db: &mut Db,
    name: &str,
    dir: &Path,
    per_level: u64,
) -> Result<Vec<DirControlInfo>, AppletError> {
    let per_level = if per_level == 0 { 100 } else { per_level };
    let fs = hashdir::read_filesystems(dir).map_err(|e| io_err(&dir.join(".filesystems"), e))?;
    let mut out = Vec::new();
    for prefix in fs {
        let dc: DirControl = dircontrol::load(db, &prefix, name, false)?;
        out.push(DirControlInfo {
            name: prefix.replace('_', "/"),
            cur_users: dc.cur_users,
            dir_prefix: dc.the_dir,
            users_per_level: per_level,
            level_cur: dc.level_cur,
            level_max: dc.level_max,
            level_index: dc.level_index,
            level_start: dc.level_start,
            level_end: dc.level_end,
            level_mod: dc.level_mod,
        });
    }
    Ok(out)
}

/// The print_control dump of one table.
pub fn print_control(dc: &DirControlInfo, out: &mut dyn FnMut(&str)) {
    out(&format!("Dir Control     = {}", dc.name));
    out(&format!("cur users       = {}", dc.cur_users));
    out(&format!("dir prefix      = {}", dc.dir_prefix));
    out(&format!("Users per level = {}", dc.users_per_level));
    out(&format!("level_cur       = {}", dc.level_cur));
    out(&format!("level_max       = {}", dc.level_max));
    for (label, v) in [
        ("level_index", dc.level_index),
        ("level_start", dc.level_start),
        ("level_end  ", dc.level_end),
        ("level_mod  ", dc.level_mod),
    ] {
        out(&format!("{label} 0   = {}", v[0]));
        out(&format!("            1   = {}", v[1]));
        out(&format!("            2   = {}", v[2]));
    }
    out("");
}
