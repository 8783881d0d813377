//! Maildir++ quota file `Maildir/maildirsize`: usage walk (`count_dir`), forced recalculation
//! (`recalc_quota`) and reading (`check_quota`).

use std::ffi::OsStr;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use super::fchown_opt;

/// Mailbox usage: total bytes and message count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub bytes: i64,
    pub count: i64,
}

/// Names never counted (the original `skip_system_files`).
const SYSTEM_FILES: [&str; 18] = [
    ".Trash",
    ".current_size",
    "domain",
    "QuotaWarn",
    "vfilter",
    "folder.dateformat",
    "noprefilt",
    "nopostfilt",
    "BulkMail",
    "deliveryCount",
    "maildirfolder",
    "maildirsize",
    "core",
    "sqwebmail",
    "courier",
    "shared-maildirs",
    "shared-timestamp",
    "shared-folders",
];

fn is_system_file(name: &[u8]) -> bool {
    SYSTEM_FILES.iter().any(|s| s.as_bytes() == name)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// qmail `scan_ulong`: leading decimal digits, 0 when none.
fn scan_ulong(s: &[u8]) -> i64 {
    let mut v: i64 = 0;
    for &c in s.iter().take_while(|c| c.is_ascii_digit()) {
        v = v.wrapping_mul(10).wrapping_add((c - b'0') as i64);
    }
    v
}

/// Usage of one directory tree, following the original `count_dir()`:
/// * `.`/`..` and system files (`.Trash`, `domain`, `maildirsize`, `BulkMail`, ...) are skipped;
/// * an entry whose FULL path contains `,S=<n>` counts n bytes and one message (not stat-ed, not
///   recursed, no trash rule);
/// * otherwise (stat, following symlinks) directories are recursed; other files count `st_size` and
///   one message, except — unless `INCLUDE_TRASH` is set — names ending in `T` and everything in a
///   directory whose path contains `/Maildir/.Trash`;
/// * unreadable directories / failing stats count as nothing.
fn count_dir(dir: &Path, include_trash: bool) -> Usage {
    let mut u = Usage::default();
    let dir_bytes = dir.as_os_str().as_bytes();
    if dir_bytes.is_empty() {
        return u;
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) => return u,
    };
    let is_trash = !include_trash && find(dir_bytes, b"/Maildir/.Trash").is_some();
    for ent in entries.flatten() {
        let name = ent.file_name();
        let name = name.as_bytes();
        if name == b"." || name == b".." || is_system_file(name) {
            continue;
        }
        let mut full = dir_bytes.to_vec();
        full.push(b'/');
        full.extend_from_slice(name);
        let full_path = PathBuf::from(OsStr::from_bytes(&full));
        if let Some(pos) = find(&full, b",S=") {
            u.bytes = u.bytes.wrapping_add(scan_ulong(&full[pos + 3..]));
            u.count += 1;
        } else if let Ok(m) = fs::metadata(&full_path) {
            if m.is_dir() {
                let sub = count_dir(&full_path, include_trash);
                u.bytes = u.bytes.wrapping_add(sub.bytes);
                u.count += sub.count;
            } else {
                if !include_trash && (name.last() == Some(&b'T') || is_trash) {
                    continue;
                }
                u.count += 1;
                u.bytes = u.bytes.wrapping_add(m.len() as i64);
            }
        }
    }
    u
}

/// Usage of one directory tree exactly as given (`count_dir` on a folder, as
/// resetquota uses it); env `INCLUDE_TRASH` disables the trash exclusions.
pub fn count_tree(dir: &Path) -> Usage {
    count_dir(dir, std::env::var_os("INCLUDE_TRASH").is_some())
}

/// Normalise a Maildir path like the original: cut anything after `/Maildir/`, drop a trailing `/`.
fn normalise(maildir: &Path) -> PathBuf {
    let b = maildir.as_os_str().as_bytes();
    let mut v = b.to_vec();
    if let Some(pos) = find(&v, b"/Maildir/") {
        if v.len() > pos + 9 {
            v.truncate(pos + 9);
        }
    }
    if v.len() > 1 && v.last() == Some(&b'/') {
        v.pop();
    }
    PathBuf::from(OsStr::from_bytes(&v))
}

/// Usage of a Maildir by walking it (spec §7.3); env `INCLUDE_TRASH` disables the trash exclusions.
/// A missing/unreadable Maildir counts as empty.
pub fn count_maildir(maildir: &Path) -> io::Result<Usage> {
    let include_trash = std::env::var_os("INCLUDE_TRASH").is_some();
    Ok(count_dir(&normalise(maildir), include_trash))
}

/// fcntl write lock on the whole file (blocking, retried on EINTR). Released when the file is closed.
fn lock_write(f: &fs::File) -> io::Result<()> {
    loop {
        // SAFETY: flock is a plain C struct for which all-zero is a valid value.
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = libc::F_WRLCK as libc::c_short;
        fl.l_whence = libc::SEEK_SET as libc::c_short;
        // SAFETY: the fd is valid for the lifetime of `f`; `fl` is a valid flock struct.
        let r = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETLKW, &fl) };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Forced recalculation (`recalc_quota(.., force)`): walk the Maildir and rewrite
/// `<maildir>/maildirsize`:
/// ```text
/// <quota_bytes>S[,<quota_count>C]\n      (",<count>C" only when quota_count != 0)
/// <bytes> <count>\n                      (only when bytes or count != 0)
/// ```
/// so an empty Maildir with quota 524288000 gives exactly `524288000S\n`.
/// The file is opened `O_CREAT|O_RDWR` (new files get mode 0600 regardless of the umask; like the
/// original an existing file keeps its mode), write-locked, and only then truncated and rewritten
/// (the original truncates before it holds the lock), chowned to `owner`. A file that already holds
/// exactly this text and owner is left alone: a read-only `vuserinfo` does not rewrite it.
/// Returns `Ok(None)` (nothing written) when the Maildir does not exist.
pub fn recalc_quota(
    maildir: &Path,
    quota_bytes: i64,
    quota_count: i64,
    owner: Option<(u32, u32)>,
) -> io::Result<Option<Usage>> {
    let maildir = normalise(maildir);
    let usage = count_maildir(&maildir)?;
    let path = maildir.join("maildirsize");
    let existed = fs::symlink_metadata(&path).is_ok();
    let mut f = match OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    lock_write(&f)?;
    if !existed {
        f.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    // the original formats the limits with fmt_ulonglong (unsigned)
    let mut out = if quota_count != 0 {
        format!("{}S,{}C\n", quota_bytes as u64, quota_count as u64)
    } else {
        format!("{}S\n", quota_bytes as u64)
    };
    if usage.bytes != 0 || usage.count != 0 {
        out.push_str(&format!("{} {}\n", usage.bytes as u64, usage.count as u64));
    }
    let meta = f.metadata()?;
    let owned = owner.map_or(true, |(u, g)| meta.uid() == u && meta.gid() == g);
    if owned && meta.len() == out.len() as u64 {
        let mut current = Vec::with_capacity(out.len());
        (&f).read_to_end(&mut current)?;
        if current == out.as_bytes() {
            return Ok(Some(usage));
        }
    }
    fchown_opt(&f, owner)?;
    f.set_len(0)?;
    f.write_all_at(out.as_bytes(), 0)?;
    f.flush()?;
    Ok(Some(usage))
}

/// Current usage from `<maildir>/maildirsize` (`check_quota`): the sum over every line containing a
/// space of `<bytes> <count>` (qmail `scan_ulong`, so negative Maildir++ adjustment lines count 0);
/// the limits line has no space and is ignored. Missing file → zero usage.
pub fn read_usage(maildir: &Path) -> io::Result<Usage> {
    let path = normalise(maildir).join("maildirsize");
    let data = match fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Usage::default()),
        Err(e) => return Err(e),
    };
    let mut u = Usage::default();
    for line in data.split(|&c| c == b'\n') {
        if let Some(sp) = line.iter().position(|&c| c == b' ') {
            u.count = u.count.wrapping_add(scan_ulong(&line[sp + 1..]));
            u.bytes = u.bytes.wrapping_add(scan_ulong(&line[..sp]));
        }
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailstore::maildir::create_maildir;
    use std::os::unix::fs::MetadataExt;

    fn is_root() -> bool {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("L2P/example.com/postmaster");
        create_maildir(&home, "example.com", None).unwrap();
        let md = home.join("Maildir");
        (t, md)
    }

    #[test]
    fn empty_maildir_oracle_file() {
        let (_t, md) = setup();
        let owner = if is_root() { Some((999, 995)) } else { None };
        let u = recalc_quota(&md, 524288000, 0, owner).unwrap().unwrap();
        assert_eq!(u, Usage::default());
        let f = md.join("maildirsize");
        assert_eq!(fs::read(&f).unwrap(), b"524288000S\n");
        let m = fs::metadata(&f).unwrap();
        assert_eq!(m.mode() & 0o7777, 0o600);
        if owner.is_some() {
            assert_eq!((m.uid(), m.gid()), (999, 995));
        }
        // the maildirsize file itself is a system file: a second run gives the same result
        recalc_quota(&md, 524288000, 0, owner).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"524288000S\n");
        assert_eq!(read_usage(&md).unwrap(), Usage::default());
    }

    #[test]
    fn counts_messages() {
        let (_t, md) = setup();
        fs::write(md.join("new/1.2.host,S=1500"), "short").unwrap(); // size from the name
        fs::write(md.join("cur/3.4.host:2,S"), vec![b'x'; 100]).unwrap(); // st_size
        fs::write(md.join("cur/5.6.host:2,ST"), vec![b'x'; 70]).unwrap(); // trashed: skipped
        fs::create_dir_all(md.join(".Sent/cur")).unwrap();
        fs::write(md.join(".Sent/maildirfolder"), "").unwrap();
        fs::write(md.join(".Sent/cur/7.host,S=200:2,S"), "").unwrap();
        fs::create_dir_all(md.join(".Trash/cur")).unwrap();
        fs::write(md.join(".Trash/cur/9.host,S=999"), "").unwrap(); // .Trash never entered
        fs::create_dir_all(md.join(".Trash.old/cur")).unwrap();
        fs::write(md.join(".Trash.old/cur/plain"), vec![b'x'; 50]).unwrap(); // under /Maildir/.Trash*
        fs::write(md.join("QuotaWarn"), "xxxxx").unwrap();
        fs::write(md.join("deliveryCount"), "xxxxx").unwrap();
        let u = count_maildir(&md).unwrap();
        assert_eq!(
            u,
            Usage {
                bytes: 1800,
                count: 3
            }
        );
        let r = recalc_quota(&md, 5000000, 1000, None).unwrap().unwrap();
        assert_eq!(r, u);
        assert_eq!(
            fs::read_to_string(md.join("maildirsize")).unwrap(),
            "5000000S,1000C\n1800 3\n"
        );
        assert_eq!(read_usage(&md).unwrap(), u);
        // trailing slash / path inside the Maildir are normalised
        let mut s = md.clone().into_os_string();
        s.push("/cur/");
        assert_eq!(read_usage(Path::new(&s)).unwrap(), u);
    }

    #[test]
    fn missing_maildir_writes_nothing() {
        let t = tempfile::tempdir().unwrap();
        let md = t.path().join("nohome/Maildir");
        assert_eq!(recalc_quota(&md, 100, 0, None).unwrap(), None);
        assert!(!md.exists());
        assert_eq!(read_usage(&md).unwrap(), Usage::default());
        assert_eq!(count_maildir(&md).unwrap(), Usage::default());
    }

    #[test]
    fn read_usage_sums_lines() {
        let (_t, md) = setup();
        fs::write(md.join("maildirsize"), "1000S,10C\n100 2\n50 1\n-20 -1\n").unwrap();
        assert_eq!(
            read_usage(&md).unwrap(),
            Usage {
                bytes: 150,
                count: 3
            }
        );
    }

    #[test]
    fn noquota_limits_line() {
        let (_t, md) = setup();
        fs::write(md.join("new/1,S=10"), "").unwrap();
        recalc_quota(&md, 0, 0, None).unwrap();
        assert_eq!(
            fs::read_to_string(md.join("maildirsize")).unwrap(),
            "0S\n10 1\n"
        );
    }
}
