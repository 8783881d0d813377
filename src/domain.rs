/*!
A virtual domain as the tools see it: its `users/assign` entry (uid, gid,
directory), its real domain when it is an alias, and the per-domain settings
files in its directory (`.base_path`, `.users_per_level`, `hash_method`,
`.domain_limits`).
*/

use std::path::{Path, PathBuf};

use crate::assign::{self, AssignEntry};
use crate::config::{first_line, Config};
use crate::passwd::HashMethod;

/// A domain found in `users/cdb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// The real domain (for an alias domain, the domain it points to).
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub dir: PathBuf,
}

impl Domain {
    fn from_entry(e: AssignEntry) -> Domain {
        Domain {
            name: e.domain,
            uid: e.uid,
            gid: e.gid,
            dir: e.dir,
        }
    }

    pub fn owner(&self) -> Option<(u32, u32)> {
        Some((self.uid, self.gid))
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `.users_per_level` (0 when absent or not a number: the allocator then uses 100).
    pub fn users_per_level(&self) -> u64 {
        first_line(&self.file(".users_per_level"))
            .ok()
            .flatten()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0)
    }

    /// `.base_path`'s first line, if the file exists.
    pub fn base_path(&self) -> std::io::Result<Option<String>> {
        first_line(&self.file(".base_path"))
    }

    pub fn limits_enabled(&self) -> bool {
        self.file(".domain_limits").exists()
    }
}

/// `get_assign`: the domain's entry in `users/cdb`, as given (no alias mapping).
pub fn lookup(cfg: &Config, domain: &str) -> std::io::Result<Option<Domain>> {
    if domain.is_empty() {
        return Ok(None);
    }
    Ok(assign::lookup_domain(&cfg.assigndir, domain)?.map(Domain::from_entry))
}

/// The name an alias domain's directory links to (`None`: not a link).
fn link_target(d: &Domain) -> Option<String> {
    let target = std::fs::read_link(&d.dir).ok()?;
    Some(target.file_name()?.to_string_lossy().into_owned())
}

/// `get_real_domain`: an alias domain's directory is a symlink to the real
/// domain's; a real domain maps to itself. `None` when the domain is unknown.
pub fn real_domain(cfg: &Config, domain: &str) -> std::io::Result<Option<String>> {
    Ok(lookup(cfg, domain)?.map(|d| link_target(&d).unwrap_or(d.name)))
}

/// [`real_domain`] and the real domain's entry (`None` if an alias points at
/// a domain that is not assigned), with one lookup when it is not an alias.
pub fn real_domain_entry(
    cfg: &Config,
    domain: &str,
) -> std::io::Result<Option<(String, Option<Domain>)>> {
    let Some(d) = lookup(cfg, domain)? else {
        return Ok(None);
    };
    match link_target(&d) {
        Some(real) if real != d.name => {
            let entry = lookup(cfg, &real)?;
            Ok(Some((real, entry)))
        }
        _ => Ok(Some((d.name.clone(), Some(d)))),
    }
}

/// Resolve alias → real domain, then the real domain's entry.
pub fn resolve(cfg: &Config, domain: &str) -> std::io::Result<Option<Domain>> {
    Ok(real_domain_entry(cfg, domain)?.and_then(|(_, entry)| entry))
}

/// Read a hash-method file: first line that is not blank or a comment.
fn read_hash_file(path: &Path) -> Result<Option<HashMethod>, String> {
    let data = match std::fs::read_to_string(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("get_hashmethod: {}: {e}", path.display())),
    };
    for line in data.lines() {
        let value = line.split('#').next().unwrap_or("").trim();
        if value.is_empty() {
            continue;
        }
        return HashMethod::parse_file_value(value)
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "get_hashmethod: {}: invalid hash method [{value}]",
                    path.display()
                )
            });
    }
    Ok(None)
}

/// `get_hashmethod`: `<domaindir>/hash_method`, else `CONTROLDIR/hash_method`,
/// else the compiled default (SHA-256).
pub fn hash_method(cfg: &Config, domain_dir: Option<&Path>) -> Result<HashMethod, String> {
    if let Some(dir) = domain_dir {
        if let Some(m) = read_hash_file(&dir.join("hash_method"))? {
            return Ok(m);
        }
    }
    Ok(read_hash_file(&cfg.control("hash_method"))?.unwrap_or(crate::passwd::DEFAULT_HASH))
}

/// The hash method a password change uses: `-h` (already parsed), else env
/// `PASSWORD_HASH` (an id), else the domain/control file, else the default.
pub fn effective_hash(
    cfg: &Config,
    domain_dir: Option<&Path>,
    option: Option<HashMethod>,
) -> Result<HashMethod, String> {
    if let Some(m) = option {
        return Ok(m);
    }
    if let Ok(v) = std::env::var("PASSWORD_HASH") {
        if let Ok(id) = v.trim().parse::<i64>() {
            return Ok(HashMethod::from_id(id));
        }
    }
    hash_method(cfg, domain_dir)
}
