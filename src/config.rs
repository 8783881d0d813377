/*!
Where things are: compiled defaults, overridden by the environment exactly as
the original's `getEnvConfigStr` does (a variable that is set wins even when
empty), so that every path can be relocated and tests never touch system
directories.

| variable | default |
|---|---|
| `SYSCONFDIR` | `/etc/indimail` |
| `CONTROLDIR` | `$SYSCONFDIR/control` (a relative value is taken under `SYSCONFDIR`) |
| `ASSIGNDIR` | `$SYSCONFDIR/users` |
| `DOMAINDIR` | `/var/indimail` (domains live in `DOMAINDIR/domains/<domain>`) |
| `BASE_PATH` | `/home/mail` |
| `LIBEXECDIR` | `/usr/libexec/indimail` (post-handle hooks; our addition: read from the environment) |
| `INDIMAIL_PREFIX` | `/usr` (for `sbin/vdelivermail` in `.qmail-default`; our addition) |
| `HARD_QUOTA` | `524288000` |
| `INDIMAIL_UID`/`INDIMAIL_GID` | the `indimail` user's ids from the password database (our addition) |
*/

use std::env;
use std::path::{Path, PathBuf};

/// `getEnvConfigStr`: the variable if set (even empty), else the default.
pub fn env_or(name: &str, default: &str) -> String {
    env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The variable if set and non-empty.
pub fn env_nonempty(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.is_empty())
}

pub const DEFAULT_HARD_QUOTA: &str = "524288000";

#[derive(Debug, Clone)]
pub struct Config {
    pub sysconfdir: PathBuf,
    pub controldir: PathBuf,
    pub assigndir: PathBuf,
    pub domaindir: PathBuf,
    pub base_path: PathBuf,
    pub libexecdir: PathBuf,
    pub prefix: PathBuf,
}

impl Config {
    pub fn from_env() -> Config {
        let sysconfdir = PathBuf::from(env_or("SYSCONFDIR", "/etc/indimail"));
        let controldir = match env::var("CONTROLDIR") {
            Ok(c) if c.starts_with('/') => PathBuf::from(c),
            Ok(c) => sysconfdir.join(c),
            Err(_) => sysconfdir.join("control"),
        };
        let assigndir = match env::var("ASSIGNDIR") {
            Ok(a) => PathBuf::from(a),
            Err(_) => sysconfdir.join("users"),
        };
        Config {
            controldir,
            assigndir,
            domaindir: PathBuf::from(env_or("DOMAINDIR", "/var/indimail")),
            base_path: PathBuf::from(env_or("BASE_PATH", "/home/mail")),
            libexecdir: PathBuf::from(env_or("LIBEXECDIR", "/usr/libexec/indimail")),
            prefix: PathBuf::from(env_or("INDIMAIL_PREFIX", "/usr")),
            sysconfdir,
        }
    }

    /// A file in the control directory.
    pub fn control(&self, name: &str) -> PathBuf {
        self.controldir.join(name)
    }

    /// `DOMAINDIR/domains`
    pub fn domains_dir(&self) -> PathBuf {
        self.domaindir.join("domains")
    }

    /// The default per-domain directory `DOMAINDIR/domains/<domain>`.
    pub fn domain_dir(&self, domain: &str) -> PathBuf {
        self.domains_dir().join(domain)
    }

    /// The quota given to new users when nothing else says: `HARD_QUOTA` or 500 MiB.
    pub fn hard_quota(&self) -> String {
        env_nonempty("HARD_QUOTA").unwrap_or_else(|| DEFAULT_HARD_QUOTA.to_string())
    }

    /// `<prefix>/sbin/<program>`
    pub fn sbin(&self, program: &str) -> PathBuf {
        self.prefix.join("sbin").join(program)
    }

    /// The `indimail` user's uid and gid: `INDIMAIL_UID`/`INDIMAIL_GID` when set,
    /// else the password database (as the original's `getpwnam("indimail")`).
    pub fn indimail_ids(&self) -> Result<(u32, u32), String> {
        let from_env = |n: &str| env_nonempty(n).and_then(|v| v.parse::<u32>().ok());
        if let (Some(u), Some(g)) = (from_env("INDIMAIL_UID"), from_env("INDIMAIL_GID")) {
            return Ok((u, g));
        }
        match crate::sys::getpwnam("indimail") {
            Ok(Some(pw)) => Ok((pw.uid, pw.gid)),
            Ok(None) => Err("getpwnam: indimail: No such user".to_string()),
            Err(e) => Err(format!("getpwnam: indimail: {e}")),
        }
    }
}

/// The first line of a file (without its newline); `None` if the file is absent.
pub fn first_line(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(data) => {
            let end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
            Ok(Some(String::from_utf8_lossy(&data[..end]).into_owned()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Lines of a control file with `#` comments and surrounding white space
/// removed, blank lines skipped; empty when the file is absent.
pub fn control_lines(path: &Path) -> std::io::Result<Vec<String>> {
    match std::fs::read(path) {
        Ok(data) => Ok(crate::control::parse_lines(&data)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The domain used for an address without one: `INDIMAIL_DOMAIN`, `DEFAULT_DOMAIN`,
/// then the first line of `CONTROLDIR/defaultdomain`.
pub fn default_domain(cfg: &Config) -> Option<String> {
    env_nonempty("INDIMAIL_DOMAIN")
        .or_else(|| env_nonempty("DEFAULT_DOMAIN"))
        .or_else(|| {
            first_line(&cfg.control("defaultdomain"))
                .ok()
                .flatten()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
        })
}
