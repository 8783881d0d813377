//! Hashed home-directory layout: letter buckets, the dir_control table prefix (mount point of the base
//! path), the hash sub-directory allocator, the backfill file and `.filesystems`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{fchown_opt, lchown_opt};

/// On-disk letter buckets (the last one is `T2Zsym` on disk, `T2Z` in table names).
pub const BUCKETS: [&str; 5] = ["A2E", "F2K", "L2P", "Q2S", "T2Zsym"];

/// The 62 characters used for hash sub-directory names, in order.
const DIRLIST: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn bucket_index(user: &str) -> usize {
    match user.bytes().next().map(|c| c.to_ascii_lowercase()) {
        Some(b'a'..=b'e') => 0,
        Some(b'f'..=b'k') => 1,
        Some(b'l'..=b'p') => 2,
        Some(b'q'..=b's') => 3,
        _ => 4,
    }
}

/// Directory bucket for a user (`A2E` .. `Q2S`, `T2Zsym`), from the first character lower-cased.
pub fn dir_bucket(user: &str) -> &'static str {
    BUCKETS[bucket_index(user)]
}

/// dir_control table-suffix bucket for a user (`A2E` .. `Q2S`, `T2Z`).
pub fn prefix_bucket(user: &str) -> &'static str {
    ["A2E", "F2K", "L2P", "Q2S", "T2Z"][bucket_index(user)]
}

/// Decode the octal escapes (`\040` etc.) used for mount points in mtab / /proc/self/mounts.
fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') as u32 * 64
                + (b[i + 2] - b'0') as u32 * 8
                + (b[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Mount directories listed in a mounts table (second field of each line).
fn parse_mounts(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(unescape_mount)
        .collect()
}

/// The original's choice: the LONGEST mount directory that occurs as a SUBSTRING of the real path
/// (first one wins on equal length).
fn pick_mount(real: &str, mounts: &[String]) -> Option<String> {
    let mut best: Option<&String> = None;
    for m in mounts {
        if real.contains(m.as_str()) && best.map_or(true, |b| m.len() > b.len()) {
            best = Some(m);
        }
    }
    best.cloned()
}

/// Mount point of `base` turned into the dir_control prefix stem: `root` for `/`, otherwise the mount
/// directory with every `/` replaced by `_` (e.g. `_home`).
///
/// Like the original `pathToFilesystem()`: walk up to the nearest existing parent, resolve symlinks,
/// then pick the longest mount directory from `/etc/mtab` (fallback `/proc/self/mounts`) that is a
/// substring of the resolved path.
pub fn filesystem_prefix(base: &Path) -> io::Result<String> {
    let mut p: PathBuf = base.to_path_buf();
    while fs::symlink_metadata(&p).is_err() {
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent.to_path_buf(),
            Some(_) => {
                p = PathBuf::from(".");
                break;
            }
            None => break,
        }
    }
    let real = fs::canonicalize(&p)?;
    let real = real.to_string_lossy().into_owned();
    let text =
        fs::read_to_string("/etc/mtab").or_else(|_| fs::read_to_string("/proc/self/mounts"))?;
    let mount = pick_mount(&real, &parse_mounts(&text)).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{real}: no mount point found"),
        )
    })?;
    Ok(mount_to_stem(&mount))
}

fn mount_to_stem(mount: &str) -> String {
    if mount == "/" {
        "root".to_string()
    } else {
        mount.replace('/', "_")
    }
}

/// `<fsprefix>_<BUCKET3>`, e.g. `root_A2E`, `_home_T2Z`: the dir_control table suffix, the backfill
/// file name (`.<prefix>`) and the `.filesystems` line.
pub fn control_prefix(base: &Path, user: &str) -> io::Result<String> {
    Ok(format!(
        "{}_{}",
        filesystem_prefix(base)?,
        prefix_bucket(user)
    ))
}

/// Hash sub-directory allocator state (one `dir_control<prefix>` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirControl {
    pub cur_users: i64,
    pub level_cur: i32,
    pub level_max: i32,
    pub level_start: [i32; 3],
    pub level_end: [i32; 3],
    pub level_mod: [i32; 3],
    pub level_index: [i32; 3],
    pub the_dir: String,
}

/// Maximum length of `the_dir` (the original's buffer; appending `/` is skipped beyond it).
const MAX_DIR_NAME: usize = 300;

/// Emulates the original's fixed, zero-initialised character buffer holding `the_dir`.
struct DirBuf(Vec<u8>);

impl DirBuf {
    fn get(&self, i: usize) -> u8 {
        self.0.get(i).copied().unwrap_or(0)
    }
    fn set(&mut self, i: usize, c: u8) {
        // writes outside the original's fixed buffer are dropped
        if i > MAX_DIR_NAME + 1 {
            return;
        }
        if i >= self.0.len() {
            self.0.resize(i + 1, 0);
        }
        self.0[i] = c;
    }
    fn strlen(&self) -> usize {
        self.0.iter().position(|&c| c == 0).unwrap_or(self.0.len())
    }
    fn as_string(&self) -> String {
        String::from_utf8_lossy(&self.0[..self.strlen()]).into_owned()
    }
}

fn dl(i: i32) -> u8 {
    usize::try_from(i)
        .ok()
        .and_then(|i| DIRLIST.get(i).copied())
        .unwrap_or(0)
}

fn lvl(i: i32) -> usize {
    i.clamp(0, 2) as usize
}

/// Successor of `c` in the dirlist range `[start, end]`, wrapping to `start` (an unknown character
/// also maps to `start`).
fn next_char(c: u8, start: i32, end: i32) -> u8 {
    let (start, end) = (i64::from(start), i64::from(end));
    let mut i = start;
    while i <= end && dl64(i) != c {
        i += 1;
    }
    i += 1;
    if i > end {
        i = start;
    }
    dl64(i)
}

fn dl64(i: i64) -> u8 {
    usize::try_from(i)
        .ok()
        .and_then(|i| DIRLIST.get(i).copied())
        .unwrap_or(0)
}

impl DirControl {
    /// State of a fresh (or missing) row: 0 users, level 0 of 3, ranges 0..61, mods 0,2,4, empty dir.
    pub fn initial() -> Self {
        DirControl {
            cur_users: 0,
            level_cur: 0,
            level_max: 3,
            level_start: [0; 3],
            level_end: [61; 3],
            level_mod: [0, 2, 4],
            level_index: [0; 3],
            the_dir: String::new(),
        }
    }

    /// Increment the character of level `level` (with carry into the level above it).
    fn inc_dir(&mut self, buf: &mut DirBuf, level: usize) {
        let pos = usize::try_from(self.level_mod[level]).unwrap_or(usize::MAX / 2);
        if buf.get(pos) == dl(self.level_end[level]) {
            buf.set(pos, dl(self.level_start[level]));
            self.level_index[level] = self.level_start[level];
            if level > 0 {
                self.inc_dir(buf, level - 1);
            }
        } else {
            let c = next_char(buf.get(pos), self.level_start[level], self.level_end[level]);
            buf.set(pos, c);
            self.level_index[level] = self.level_index[level].wrapping_add(1);
        }
    }

    fn append_slash(buf: &mut DirBuf) {
        let len = buf.strlen();
        if len < MAX_DIR_NAME {
            buf.set(len, b'/');
            buf.set(len + 1, 0);
        }
    }

    /// Account for one new user and return the hash sub-directory for it (`""`, `"0"`, `"z/0"` ...).
    /// `users_per_level` 0 means 100. Same sequence as the original `inc_dir_control()`.
    pub fn allocate(&mut self, users_per_level: u64) -> String {
        let per_level: i64 = if users_per_level == 0 {
            100
        } else {
            i64::try_from(users_per_level).unwrap_or(i64::MAX)
        };
        self.cur_users = self.cur_users.wrapping_add(1);
        if self.cur_users % per_level == 0 {
            let mut buf = DirBuf(self.the_dir.as_bytes().to_vec());
            if buf.strlen() == 0 {
                self.the_dir = (dl(self.level_start[0]) as char).to_string();
                return self.the_dir.clone();
            }
            let cur = lvl(self.level_cur);
            if self.level_index[cur] == self.level_end[cur] {
                match self.level_cur {
                    0 => {
                        self.inc_dir(&mut buf, 0);
                        self.level_cur = self.level_cur.wrapping_add(1);
                        Self::append_slash(&mut buf);
                    }
                    1 if self.level_index[0] == self.level_end[0]
                        && self.level_index[1] == self.level_end[1] =>
                    {
                        self.inc_dir(&mut buf, 1);
                        self.level_cur = self.level_cur.wrapping_add(1);
                        Self::append_slash(&mut buf);
                    }
                    _ => {}
                }
            }
            let cur = lvl(self.level_cur);
            self.inc_dir(&mut buf, cur);
            self.the_dir = buf.as_string();
        }
        self.the_dir.clone()
    }
}

fn backfill_path(domaindir: &Path, prefix: &str) -> PathBuf {
    domaindir.join(format!(".{prefix}"))
}

/// Write `data` to `path` atomically (temp file in the same directory, fsync, rename), with `mode`
/// and the given owner.
fn write_atomic(path: &Path, data: &[u8], mode: u32, owner: Option<(u32, u32)>) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let res = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        fchown_opt(&f, owner)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

/// Take the first non-empty line of the backfill file `<domaindir>/.<prefix>` and remove it (and any
/// empty lines before it) from the file. `None` when the file is missing or holds no non-empty line.
///
/// The file is rewritten via temp file + rename (crash safe), mode 0644, keeping its owner — as the
/// original `remove_line()` does (it writes `<file>.bak` and renames it over the file). The original
/// takes the very first line even if empty; an empty line is never a usable sub-directory, so here it is
/// skipped. The caller should increment `cur_users` only when it is non-zero (original behaviour).
pub fn take_backfill(domaindir: &Path, prefix: &str) -> io::Result<Option<String>> {
    let path = backfill_path(domaindir, prefix);
    let data = match fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut pos = 0;
    while pos < data.len() {
        let end = data[pos..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(data.len(), |e| pos + e);
        let line = &data[pos..end];
        let next = (end + 1).min(data.len());
        if !line.is_empty() {
            let taken = String::from_utf8_lossy(line).into_owned();
            let meta = fs::metadata(&path)?;
            use std::os::unix::fs::MetadataExt;
            write_atomic(&path, &data[next..], 0o644, Some((meta.uid(), meta.gid())))?;
            return Ok(Some(taken));
        }
        pos = next;
    }
    Ok(None)
}

/// Record a freed hash sub-directory: append `<subdir>\n` to `<domaindir>/.<prefix>` (created with mode
/// 0644 and chowned to `owner` when missing; a missing final newline of the existing content is
/// supplied first). An empty `subdir` (home directly under the domain directory) is not recorded.
///
/// NOTE (original behaviour, `backfill.c` operation 2): the original opens the file READ-ONLY and then
/// writes to it, so the write always fails (EBADF, warning `backfill: write<file>: ...` when the file
/// exists; silently nothing when it does not): at HEAD, deleting users never fills the backfill file,
/// and it would have written the sub-directory without a newline. This function implements the evident
/// intent, with one sub-directory per line so that [`take_backfill`] round-trips.
pub fn push_backfill(
    domaindir: &Path,
    prefix: &str,
    subdir: &str,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    let subdir = subdir.trim_matches('/');
    if subdir.is_empty() {
        return Ok(());
    }
    let path = backfill_path(domaindir, prefix);
    let existed = path.exists();
    let mut f = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o644)
        .open(&path)?;
    let len = f.metadata()?.len();
    if !existed {
        f.set_permissions(fs::Permissions::from_mode(0o644))?;
        fchown_opt(&f, owner)?;
    }
    let mut line = Vec::with_capacity(subdir.len() + 2);
    if len > 0 {
        use std::os::unix::fs::FileExt;
        let mut last = [0u8; 1];
        f.read_exact_at(&mut last, len - 1)?;
        if last[0] != b'\n' {
            line.push(b'\n');
        }
    }
    line.extend_from_slice(subdir.as_bytes());
    line.push(b'\n');
    f.write_all(&line)?;
    f.sync_all()
}

/// Add `prefix` as a line of `<domaindir>/.filesystems` unless already present (mode 0640, chowned to
/// `owner`), like the original `update_file(.filesystems, table, 0640)` + chown.
pub fn note_filesystem(
    domaindir: &Path,
    prefix: &str,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    let path = domaindir.join(".filesystems");
    let mut existing = match fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    let present = existing
        .split(|&c| c == b'\n')
        .any(|l| l == prefix.as_bytes());
    if !present {
        if !existing.is_empty() && existing.last() != Some(&b'\n') {
            existing.push(b'\n');
        }
        existing.extend_from_slice(prefix.as_bytes());
        existing.push(b'\n');
        write_atomic(&path, &existing, 0o640, owner)?;
    } else {
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640))?;
        lchown_opt(&path, owner)?;
    }
    Ok(())
}

/// Lines of `<domaindir>/.filesystems` (empty lines dropped); missing file → empty list.
pub fn read_filesystems(domaindir: &Path) -> io::Result<Vec<String>> {
    match fs::read_to_string(domaindir.join(".filesystems")) {
        Ok(t) => Ok(t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// `<base>/<bucket>/<domain>[/<hashdir>]/<user>`.
pub fn home_dir(base: &Path, domain: &str, hashdir: &str, user: &str) -> PathBuf {
    let mut p = base.join(dir_bucket(user)).join(domain);
    let h = hashdir.trim_matches('/');
    if !h.is_empty() {
        p.push(h);
    }
    p.push(user);
    p
}

/// The hash sub-directory part of a home (between `<domain>/` and `/<user>`): `Some("")` when the home
/// is directly under the domain directory, `None` when the path does not end in `/<user>` below a
/// `<domain>` component.
pub fn hashdir_of(home: &Path, domain: &str, user: &str) -> Option<String> {
    let s = home.to_str()?.trim_end_matches('/');
    let parent = s.strip_suffix(user)?.strip_suffix('/')?;
    // find the last "<domain>" component in the parent
    let comps: Vec<&str> = parent.split('/').collect();
    let idx = comps.iter().rposition(|c| *c == domain)?;
    Some(comps[idx + 1..].join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(per_level: u64, n: usize) -> Vec<String> {
        let mut d = DirControl::initial();
        (0..n).map(|_| d.allocate(per_level)).collect()
    }

    #[test]
    fn buckets() {
        assert_eq!(dir_bucket("alice"), "A2E");
        assert_eq!(dir_bucket("Eve"), "A2E");
        assert_eq!(dir_bucket("frank"), "F2K");
        assert_eq!(dir_bucket("kim"), "F2K");
        assert_eq!(dir_bucket("lisa"), "L2P");
        assert_eq!(dir_bucket("postmaster"), "L2P");
        assert_eq!(dir_bucket("sam"), "Q2S");
        assert_eq!(dir_bucket("tom"), "T2Zsym");
        assert_eq!(dir_bucket("9lives"), "T2Zsym");
        assert_eq!(dir_bucket("_x"), "T2Zsym");
        assert_eq!(dir_bucket(""), "T2Zsym");
        assert_eq!(prefix_bucket("zed"), "T2Z");
        assert_eq!(prefix_bucket("Quinn"), "Q2S");
    }

    #[test]
    fn allocate_default_level() {
        let s = seq(0, 350);
        assert!(s[..99].iter().all(|d| d.is_empty()));
        assert_eq!(s[99], "0"); // 100th user
        assert!(s[100..199].iter().all(|d| d == "0"));
        assert_eq!(s[199], "1");
        assert_eq!(s[299], "2");
        assert_eq!(seq(100, 350), s);
    }

    #[test]
    fn allocate_one_per_level() {
        let s = seq(1, 200);
        // level 0: 0..9 A..Z a..z
        let lvl0: Vec<String> = DIRLIST.iter().map(|&c| (c as char).to_string()).collect();
        assert_eq!(&s[..62], &lvl0[..]);
        // then two levels: "0/0" .. "0/z", "1/0" ...
        for (k, &c) in DIRLIST.iter().enumerate() {
            assert_eq!(s[62 + k], format!("0/{}", c as char));
        }
        for (k, &c) in DIRLIST.iter().enumerate().take(200 - 124) {
            assert_eq!(s[124 + k], format!("1/{}", c as char));
        }
    }

    #[test]
    fn allocate_two_per_level() {
        let s = seq(2, 300);
        // users 1,3,5.. keep the current dir; 2,4,6 advance
        assert_eq!(s[0], "");
        assert_eq!(s[1], "0");
        assert_eq!(s[2], "0");
        assert_eq!(s[3], "1");
        assert_eq!(s[4], "1");
        assert_eq!(s[5], "2");
        assert_eq!(s[2 * 61 + 1], "z"); // 124th user
        assert_eq!(s[2 * 61 + 2], "z");
        assert_eq!(s[2 * 62 + 1], "0/0"); // 126th user
        assert_eq!(s[2 * 62 + 3], "0/1");
        assert_eq!(s[2 * 123 + 1], "0/z");
        assert_eq!(s[2 * 124 + 1], "1/0");
    }

    #[test]
    fn allocate_state_after_wrap() {
        let mut d = DirControl::initial();
        for _ in 0..63 {
            d.allocate(1);
        }
        assert_eq!(d.the_dir, "0/0");
        assert_eq!(d.level_cur, 1);
        assert_eq!(d.level_index, [0, 1, 0]); // index[1] runs one ahead until the first carry
        assert_eq!(d.cur_users, 63);
    }

    #[test]
    fn allocate_three_levels() {
        let mut d = DirControl::initial();
        let mut last = String::new();
        // level 0 (62) + two levels (62*62) then three levels
        for _ in 0..(62 + 62 * 62 + 1) {
            last = d.allocate(1);
        }
        assert_eq!(last, "0/0/0");
        assert_eq!(d.level_cur, 2);
        assert_eq!(d.allocate(1), "0/0/1");
    }

    #[test]
    fn mounts_pick_longest_substring() {
        let m = parse_mounts(
            "/dev/vda / ext4 rw 0 0\n/dev/vdb /home ext4 rw 0 0\nx /home/mail\\040x tmpfs rw 0 0\n",
        );
        assert_eq!(m, vec!["/", "/home", "/home/mail x"]);
        assert_eq!(pick_mount("/home/mail", &m).as_deref(), Some("/home"));
        assert_eq!(pick_mount("/var/mail", &m).as_deref(), Some("/"));
        assert_eq!(mount_to_stem("/"), "root");
        assert_eq!(mount_to_stem("/home"), "_home");
        assert_eq!(mount_to_stem("/srv/mail"), "_srv_mail");
    }

    #[test]
    fn prefix_of_real_paths() {
        let p = filesystem_prefix(Path::new("/proc/self")).unwrap();
        assert_eq!(p, "_proc");
        let t = tempfile::tempdir().unwrap();
        let missing = t.path().join("a/b/c");
        let pre = control_prefix(&missing, "alice").unwrap();
        assert!(pre.ends_with("_A2E"));
        assert_eq!(pre, format!("{}_A2E", filesystem_prefix(t.path()).unwrap()));
    }

    #[test]
    fn backfill_roundtrip() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        assert_eq!(take_backfill(d, "root_A2E").unwrap(), None);
        push_backfill(d, "root_A2E", "0", None).unwrap();
        push_backfill(d, "root_A2E", "z/1", None).unwrap();
        push_backfill(d, "root_A2E", "", None).unwrap(); // ignored
        let f = d.join(".root_A2E");
        assert_eq!(fs::read_to_string(&f).unwrap(), "0\nz/1\n");
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o7777,
            0o644
        );
        assert_eq!(take_backfill(d, "root_A2E").unwrap().as_deref(), Some("0"));
        assert_eq!(fs::read_to_string(&f).unwrap(), "z/1\n");
        assert_eq!(
            take_backfill(d, "root_A2E").unwrap().as_deref(),
            Some("z/1")
        );
        assert_eq!(take_backfill(d, "root_A2E").unwrap(), None);
        assert_eq!(fs::read_to_string(&f).unwrap(), "");
        // a file written without final newline (as the original intended) still round-trips
        fs::write(&f, "\n\n5").unwrap();
        push_backfill(d, "root_A2E", "6", None).unwrap();
        assert_eq!(fs::read_to_string(&f).unwrap(), "\n\n5\n6\n");
        assert_eq!(take_backfill(d, "root_A2E").unwrap().as_deref(), Some("5"));
        assert_eq!(take_backfill(d, "root_A2E").unwrap().as_deref(), Some("6"));
        // no temp files left behind
        let names: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn filesystems_file() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        assert!(read_filesystems(d).unwrap().is_empty());
        let owner = if unsafe_is_root() {
            Some((999, 995))
        } else {
            None
        };
        note_filesystem(d, "root_L2P", owner).unwrap();
        note_filesystem(d, "root_A2E", owner).unwrap();
        note_filesystem(d, "root_L2P", owner).unwrap();
        let f = d.join(".filesystems");
        assert_eq!(fs::read_to_string(&f).unwrap(), "root_L2P\nroot_A2E\n");
        let m = fs::metadata(&f).unwrap();
        assert_eq!(m.permissions().mode() & 0o7777, 0o640);
        if owner.is_some() {
            use std::os::unix::fs::MetadataExt;
            assert_eq!((m.uid(), m.gid()), (999, 995));
        }
        assert_eq!(read_filesystems(d).unwrap(), vec!["root_L2P", "root_A2E"]);
    }

    fn unsafe_is_root() -> bool {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }

    #[test]
    fn home_paths() {
        let b = Path::new("/home/mail");
        assert_eq!(
            home_dir(b, "example.com", "", "mbhangui"),
            PathBuf::from("/home/mail/L2P/example.com/mbhangui")
        );
        assert_eq!(
            home_dir(b, "example.com", "0", "alice"),
            PathBuf::from("/home/mail/A2E/example.com/0/alice")
        );
        assert_eq!(
            home_dir(b, "example.com", "z/1", "tom"),
            PathBuf::from("/home/mail/T2Zsym/example.com/z/1/tom")
        );
        let h = home_dir(b, "example.com", "z/1", "tom");
        assert_eq!(hashdir_of(&h, "example.com", "tom").as_deref(), Some("z/1"));
        let h = home_dir(b, "example.com", "", "tom");
        assert_eq!(hashdir_of(&h, "example.com", "tom").as_deref(), Some(""));
        // user name also appearing in the base path / domain in the base path
        let h = Path::new("/mail/example.com/T2Zsym/example.com/0/mail");
        assert_eq!(hashdir_of(h, "example.com", "mail").as_deref(), Some("0"));
        assert_eq!(
            hashdir_of(Path::new("/x/other.org/u"), "example.com", "u"),
            None
        );
        assert_eq!(
            hashdir_of(Path::new("/x/example.com/v"), "example.com", "u"),
            None
        );
    }
}

#[cfg(test)]
mod robustness {
    use super::*;

    #[test]
    fn allocate_never_panics_on_odd_rows() {
        let mut d = DirControl {
            cur_users: i64::MAX - 1,
            level_cur: 7,
            level_max: 3,
            level_start: [-5, 90, i32::MAX],
            level_end: [i32::MAX, -1, 61],
            level_mod: [0, 1000, -3],
            level_index: [i32::MAX, i32::MAX, 0],
            the_dir: "zz".into(),
        };
        for n in [1u64, 2, 100, u64::MAX] {
            let _ = d.allocate(n);
        }
        let mut d = DirControl::initial();
        d.the_dir = "q/w".into();
        d.level_cur = 1;
        for _ in 0..500 {
            let _ = d.allocate(1);
        }
    }
}
