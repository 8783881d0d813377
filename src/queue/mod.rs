/*!
qmail's multiple queues: where they are (`QUEUE_BASE`, `queue<N>` from
`QUEUE_START`/`QUEUE_COUNT`, the extra `nqueue`/`slowq`/`qmta`), the
environment pre-load from `defaultqueue` envdirs, and reading one queue's
messages (info/mess/local/remote/bounce/todo).
*/

pub mod shm;

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::config::Config;

/// conf-split.
pub const AUTO_SPLIT: u64 = 151;
/// `<auto_qmail>/queue`.
pub const DEFAULT_QUEUE_BASE: &str = "/var/indimail/queue";

/// daemontools envdir: every file sets the variable of its name to its first
/// line (trailing spaces and tabs removed, NUL read as LF); an empty file unsets it.
pub fn envdir(dir: &Path) -> io::Result<()> {
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || name.contains('=') {
            continue;
        }
        let data = fs::read(e.path())?;
        if data.is_empty() {
            std::env::remove_var(name);
            continue;
        }
        let line = data.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let mut v: Vec<u8> = line
            .iter()
            .map(|&b| if b == 0 { b'\n' } else { b })
            .collect();
        while matches!(v.last(), Some(b' ' | b'\t')) {
            v.pop();
        }
        std::env::set_var(name, String::from_utf8_lossy(&v).into_owned());
    }
    Ok(())
}

/// The pre-load of set_environment: `$HOME/.defaultqueue` (errors are
/// warnings), then `<CONTROLDIR>/defaultqueue` if QUEUE_BASE is still unset
/// (errors are fatal). Returns the warnings; `Err` is the fatal message.
pub fn preload_environment(prog: &str) -> Result<Vec<String>, String> {
    let mut warnings = Vec::new();
    if std::env::var_os("SKIP_LOCAL_ENVIRONMENT").is_none() {
        if let Some(home) = std::env::var_os("HOME") {
            let d = PathBuf::from(home).join(".defaultqueue");
            if d.is_dir() {
                if let Err(e) = envdir(&d) {
                    warnings.push(format!("{prog}: warning: envdir: {}: {e}", d.display()));
                }
            }
        }
    }
    if std::env::var_os("QUEUE_BASE").is_none() {
        let d = Config::from_env().control("defaultqueue");
        match envdir(&d) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{prog}: fatal: envdir: {}: {e}", d.display())),
        }
    }
    Ok(warnings)
}

/// The queue base: `QUEUE_BASE`, else the control file `queue_base`, else the default.
pub fn queue_base() -> io::Result<PathBuf> {
    if let Some(b) = std::env::var_os("QUEUE_BASE") {
        return Ok(PathBuf::from(b));
    }
    match crate::config::first_line(&Config::from_env().control("queue_base")) {
        Ok(Some(l)) if !l.is_empty() => Ok(PathBuf::from(l)),
        Ok(_) => Ok(PathBuf::from(DEFAULT_QUEUE_BASE)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(PathBuf::from(DEFAULT_QUEUE_BASE)),
        Err(e) => Err(e),
    }
}

/// scan_int: optional sign and leading digits; anything else gives 0.
pub fn scan_int(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n: i64 = digits.parse().unwrap_or(0);
    if neg {
        -n
    } else {
        n
    }
}

fn env_int(name: &str, default: i64) -> i64 {
    std::env::var(name).map_or(default, |v| scan_int(&v))
}

/// The split: `CONFSPLIT` may lower conf-split, never raise it.
pub fn split() -> u64 {
    match std::env::var("CONFSPLIT") {
        Ok(v) => {
            let n = scan_int(&v);
            if n <= 0 || n as u64 > AUTO_SPLIT {
                AUTO_SPLIT
            } else {
                n as u64
            }
        }
        Err(_) => AUTO_SPLIT,
    }
}

/// `BIGTODO` (default 1).
pub fn bigtodo() -> bool {
    env_int("BIGTODO", 1) != 0
}

/// The queue directories to visit, as process_queue does: `queue<start>`...
/// until one is missing (at most `QUEUE_COUNT`), then nqueue, slowq, qmta if present.
pub fn queues(base: &Path) -> Result<Vec<PathBuf>, (PathBuf, io::Error)> {
    let start = env_int("QUEUE_START", 1);
    let count = env_int("QUEUE_COUNT", 10);
    let mut out = Vec::new();
    let mut check = |p: PathBuf, stop_on_missing: bool| -> Result<bool, (PathBuf, io::Error)> {
        match fs::metadata(&p) {
            Ok(_) => {
                out.push(p);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(!stop_on_missing),
            Err(e) => Err((p, e)),
        }
    };
    for i in 0..count.max(0) {
        if !check(base.join(format!("queue{}", start + i)), true)? {
            break;
        }
    }
    for extra in ["nqueue", "slowq", "qmta"] {
        check(base.join(extra), false)?;
    }
    Ok(out)
}

/// NUL-terminated records of a file (a last unterminated one included).
pub fn records(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == 0).filter(|r| !r.is_empty())
}

/// One message (or todo entry) as qmail-qread lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subdirectory name (or the id itself for an unsplit todo).
    pub split: String,
    pub id: String,
    pub size: u64,
    pub mtime: i64,
    pub sender: Vec<u8>,
    pub bouncing: bool,
}

/// Entries of a directory (names), in readdir order.
pub fn list(dir: &Path) -> io::Result<Vec<String>> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir)? {
        if let Some(n) = e?.file_name().to_str() {
            v.push(n.to_string());
        }
    }
    Ok(v)
}

/// The stats line: `<D> <Mon> <YYYY> <HH>:<MM>:<SS> GMT  <split>/#<id>  <size>  <<sender>> [ bouncing]`,
/// bytes outside 32..126 shown as `_`.
pub fn stats_line(m: &Message) -> Vec<u8> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = m.mtime.div_euclid(86400);
    let s = m.mtime.rem_euclid(86400);
    let (y, mo, d) = crate::rfc822::date::civil(days);
    let mut out = format!(
        "{d} {} {y} {:02}:{:02}:{:02} GMT  {}/#{}  {}  <",
        MONTHS[(mo - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60,
        m.split,
        m.id,
        m.size
    )
    .into_bytes();
    out.extend_from_slice(&m.sender);
    out.extend_from_slice(b"> ");
    if m.bouncing {
        out.extend_from_slice(b" bouncing");
    }
    for b in out.iter_mut() {
        if !(32..=126).contains(b) {
            *b = b'_';
        }
    }
    out
}

/// Size and mtime helpers.
pub fn size_of(p: &Path) -> io::Result<u64> {
    fs::metadata(p).map(|m| m.len())
}
pub fn mtime_of(p: &Path) -> io::Result<i64> {
    fs::metadata(p).map(|m| m.mtime())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats() {
        let m = Message {
            split: "12".into(),
            id: "4063253".into(),
            size: 2048,
            mtime: 1704445387,
            sender: b"a@b.c".to_vec(),
            bouncing: false,
        };
        assert_eq!(
            stats_line(&m),
            b"5 Jan 2024 09:03:07 GMT  12/#4063253  2048  <a@b.c> ".to_vec()
        );
        assert_eq!(scan_int("12abc"), 12);
        assert_eq!(scan_int("x"), 0);
    }
}
