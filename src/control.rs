//! qmail control-file primitives: reading, exact-line add/remove, atomic replacement.
//!
//! Locking follows IndiMail's `update_file`/`remove_line` discipline so that the
//! original tools running beside ours are serialised with us: an exclusive fcntl
//! write lock on the whole of `<file>.pre.1` (created mode 0644), held across the
//! read-modify-write, and the lock file is unlinked just before the lock is released.
//!
//! On Linux the lock is taken as an open-file-description lock (`F_OFD_SETLKW`); such
//! locks conflict with the classic `F_SETLKW` locks of the C tools *and* with each other
//! inside one process, so threads are serialised too. (Falls back to `F_SETLKW` where
//! OFD locks are unavailable.) Because holders unlink the lock file, after acquiring
//! we check that the path still names the inode we locked, and retry if not.
//!
//! Every rewrite goes to a uniquely named temp file in the same directory, is
//! fsynced, then renamed over the target; a failure at any point leaves the target
//! untouched and removes the temp file. Adding a line to a file without a `.`
//! terminator appends it in place instead (one write, synced, cut back on failure);
//! `users/assign` gets its domain lines in place of its `.` line (`replace_tail`:
//! space reserved first, put back on failure).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Wrap an error so its message names the operation and the path; the kind is kept.
pub(crate) fn err_at(what: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {}: {e}", path.display()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

// ---------------------------------------------------------------------------------
// Locking

/// An exclusive lock on `<file>.pre.1`, released (and the lock file removed) on drop.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    lock_path: PathBuf,
    cmd_unlock: libc::c_int,
}

fn fcntl_lock(file: &File, cmd: libc::c_int, ty: libc::c_int) -> io::Result<()> {
    // SAFETY: `flock` is a plain C struct for which all-zero bytes is a valid value.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = ty as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = 0;
    fl.l_len = 0; // whole file
    fl.l_pid = 0; // must be 0 for OFD locks; ignored by F_SETLKW
    loop {
        // SAFETY: the fd is open for the lifetime of `file`, and `fl` is a valid,
        // initialised `struct flock` that outlives the call.
        let r = unsafe { libc::fcntl(file.as_raw_fd(), cmd, &mut fl as *mut libc::flock) };
        if r != -1 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Take the exclusive `<path>.pre.1` lock used by IndiMail's update_file/remove_line.
/// Blocks until it is available.
pub fn lock(path: &Path) -> io::Result<FileLock> {
    let lock_path = with_suffix(path, ".pre.1");
    loop {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .mode(0o644)
            .custom_flags(libc::O_CLOEXEC)
            .open(&lock_path)
            .map_err(|e| err_at("lock: open", &lock_path, e))?;
        let unset = lock_commands(&file).map_err(|e| err_at("lock: fcntl", &lock_path, e))?;
        let held = file
            .metadata()
            .map_err(|e| err_at("lock: fstat", &lock_path, e))?;
        match fs::metadata(&lock_path) {
            Ok(m) if m.dev() == held.dev() && m.ino() == held.ino() => {
                return Ok(FileLock {
                    file,
                    lock_path,
                    cmd_unlock: unset,
                })
            }
            // The previous holder removed the file we waited on: start again.
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(err_at("lock: stat", &lock_path, e)),
        }
        let _ = fcntl_lock(&file, unset, libc::F_UNLCK);
    }
}

/// Acquire the write lock; returns the fcntl command that releases it.
fn lock_commands(file: &File) -> io::Result<libc::c_int> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        match fcntl_lock(file, libc::F_OFD_SETLKW, libc::F_WRLCK) {
            Ok(()) => return Ok(libc::F_OFD_SETLK),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
            Err(e) => return Err(e),
        }
    }
    fcntl_lock(file, libc::F_SETLKW, libc::F_WRLCK)?;
    Ok(libc::F_SETLK)
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Like the original: remove the lock file while still holding the lock, but
        // only if it is still ours.
        if let (Ok(m), Ok(held)) = (fs::metadata(&self.lock_path), self.file.metadata()) {
            if m.dev() == held.dev() && m.ino() == held.ino() {
                let _ = fs::remove_file(&self.lock_path);
            }
        }
        let _ = fcntl_lock(&self.file, self.cmd_unlock, libc::F_UNLCK);
        // closing `file` releases anything left
    }
}

// ---------------------------------------------------------------------------------
// Atomic replacement

#[cfg(test)]
pub(crate) mod fault {
    //! Test-only fault injection: make the rename onto a target with this file name fail.
    use std::cell::RefCell;
    use std::path::Path;

    thread_local! {
        static FAIL_RENAME_TO: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    pub(crate) fn fail_rename_to(name: Option<&str>) {
        FAIL_RENAME_TO.with(|f| *f.borrow_mut() = name.map(str::to_string));
    }

    pub(crate) fn should_fail(target: &Path) -> bool {
        FAIL_RENAME_TO.with(|f| {
            f.borrow()
                .as_deref()
                .is_some_and(|n| target.file_name().and_then(|s| s.to_str()) == Some(n))
        })
    }
}

static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// A fully written, fsynced temp file waiting to be renamed over its target.
/// Dropping it without [`AtomicFile::commit`] removes the temp file (one made by
/// [`AtomicFile::stage_with`]; an adopted file is left where it is).
#[derive(Debug)]
pub struct AtomicFile {
    tmp: PathBuf,
    target: PathBuf,
    /// Open until synced (see [`AtomicFile::stage`]).
    file: Option<File>,
    done: bool,
    /// Made here, so removed if never committed.
    made: bool,
}

impl AtomicFile {
    /// Write `contents` to a new temp file beside `target`, with exactly `mode` and,
    /// if given, owner `uid:gid`; fsync it.
    pub fn prepare(
        target: &Path,
        contents: &[u8],
        mode: u32,
        owner: Option<(u32, u32)>,
    ) -> io::Result<AtomicFile> {
        let mut f = AtomicFile::stage(target, contents, mode, owner)?;
        f.sync()?;
        Ok(f)
    }

    /// [`AtomicFile::prepare`] without waiting for the disk: the write-back is only
    /// started, so that the next files written go to the disk together with this one;
    /// [`AtomicFile::commit`] fsyncs before renaming.
    pub fn stage(
        target: &Path,
        contents: &[u8],
        mode: u32,
        owner: Option<(u32, u32)>,
    ) -> io::Result<AtomicFile> {
        AtomicFile::stage_with(target, mode, owner, |mut f| f.write_all(contents))
    }

    /// [`AtomicFile::stage`] with the contents written by `write` (given the new, empty
    /// temp file), for contents not held in one buffer.
    pub fn stage_with(
        target: &Path,
        mode: u32,
        owner: Option<(u32, u32)>,
        write: impl FnOnce(&File) -> io::Result<()>,
    ) -> io::Result<AtomicFile> {
        let name = target.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: not a file path", target.display()),
            )
        })?;
        let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
        let mut tmpname = name.to_os_string();
        tmpname.push(format!(".tmp.{}.{}", std::process::id(), seq));
        let tmp = target.with_file_name(tmpname);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode & 0o7777)
            .custom_flags(libc::O_CLOEXEC)
            .open(&tmp)
            .map_err(|e| err_at("open", &tmp, e))?;
        let mut pending = AtomicFile {
            tmp,
            target: target.to_path_buf(),
            file: None,
            done: false,
            made: true,
        };
        let tmp = &pending.tmp;
        if let Some((uid, gid)) = owner {
            let m = file.metadata().map_err(|e| err_at("fstat", tmp, e))?;
            if m.uid() != uid || m.gid() != gid {
                std::os::unix::fs::fchown(&file, Some(uid), Some(gid))
                    .map_err(|e| err_at("fchown", tmp, e))?;
            }
        }
        // after fchown (which may clear set-id bits); not subject to the umask
        file.set_permissions(fs::Permissions::from_mode(mode & 0o7777))
            .map_err(|e| err_at("fchmod", tmp, e))?;
        write(&file).map_err(|e| err_at("write", tmp, e))?;
        crate::sys::start_writeback(&file);
        pending.file = Some(file);
        Ok(pending)
    }

    /// An existing file at `path` beside `target`, written in full through `file`, to
    /// be synced and renamed over `target` as a temp file is (its write-back is started
    /// here). Not removed if never committed.
    pub fn adopt(file: File, path: PathBuf, target: &Path) -> AtomicFile {
        crate::sys::start_writeback(&file);
        AtomicFile {
            tmp: path,
            target: target.to_path_buf(),
            file: Some(file),
            done: false,
            made: false,
        }
    }

    /// The temp file, until [`AtomicFile::commit`] syncs and closes it.
    pub fn file(&self) -> Option<&File> {
        self.file.as_ref()
    }

    /// Wait until the temp file's contents are on disk.
    fn sync(&mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(|e| err_at("fsync", &self.tmp, e))?;
        }
        Ok(())
    }

    /// Rename the temp file over the target (after syncing it if still needed).
    pub fn commit(mut self) -> io::Result<()> {
        self.sync()?;
        #[cfg(test)]
        if fault::should_fail(&self.target) {
            return Err(err_at(
                "rename",
                &self.target,
                io::Error::other("injected fault"),
            ));
        }
        fs::rename(&self.tmp, &self.target).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "rename: {} --> {}: {e}",
                    self.tmp.display(),
                    self.target.display()
                ),
            )
        })?;
        self.done = true;
        sync_dir(&self.target);
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.done && self.made {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Best-effort fsync of the directory holding `path` (makes renames durable).
fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Write whole contents atomically (temp + fsync + rename), with exactly `mode` and an
/// optional owner.
pub fn write_atomic(
    path: &Path,
    contents: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    AtomicFile::prepare(path, contents, mode, owner)?.commit()
}

// ---------------------------------------------------------------------------------
// Reading

/// Split into lines without their `\n`; a final unterminated line is included.
pub(crate) fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = Vec::with_capacity(memchr::memchr_iter(b'\n', data).count() + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', data) {
        v.push(&data[start..end]);
        start = end + 1;
    }
    if start < data.len() {
        v.push(&data[start..]);
    }
    v
}

fn join_lines<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// Strip comments (`#` to end of line) and surrounding white space; skip blank lines.
/// Err(NotFound) if the file does not exist.
pub fn read_lines(path: &Path) -> io::Result<Vec<String>> {
    let data = fs::read(path).map_err(|e| err_at("read", path, e))?;
    Ok(parse_lines(&data))
}

/// The meaningful lines of control-file text: comments (`#` to end of line)
/// and surrounding white space removed, blank lines skipped.
pub fn parse_lines(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for_each_line(data, |l| out.push(l.to_string()));
    out
}

/// Call `f` with each meaningful line of control-file text (as [`parse_lines`]
/// gives them) without allocating per line: files such as `morercpthosts` are read
/// whole on every domain add.
pub fn for_each_line(data: &[u8], mut f: impl FnMut(&str)) {
    for line in split_lines(data) {
        meaningful_line(line, &mut f);
    }
}

/// Call `f` with what [`for_each_line`] makes of one line (without its `\n`), if
/// anything.
pub(crate) fn meaningful_line(line: &[u8], f: &mut impl FnMut(&str)) {
    let cut = memchr::memchr(b'#', line).unwrap_or(line.len());
    let line = &line[..cut];
    match std::str::from_utf8(line) {
        Ok(s) => {
            let s = s.trim();
            if !s.is_empty() {
                f(s);
            }
        }
        Err(_) => {
            let s = String::from_utf8_lossy(line);
            let s = s.trim();
            if !s.is_empty() {
                f(s);
            }
        }
    }
}

/// First line without its trailing newline (an empty file gives `Some("")`);
/// Ok(None) if the file does not exist.
pub fn read_first_line(path: &Path) -> io::Result<Option<String>> {
    crate::config::first_line(path).map_err(|e| err_at("read", path, e))
}

/// Does the file contain exactly this line (after comment and white-space
/// stripping)? false if the file is absent.
pub fn has_line(path: &Path, line: &str) -> io::Result<bool> {
    match read_lines(path) {
        Ok(lines) => Ok(lines.iter().any(|l| l == line)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Number of non-blank, non-comment lines (count_rcpthosts semantics); 0 if absent.
pub fn count_lines(path: &Path) -> io::Result<usize> {
    match read_lines(path) {
        Ok(lines) => Ok(lines.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------
// Editing

fn check_line(path: &Path, line: &str) -> io::Result<()> {
    if line.contains('\n') || line.contains('\0') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: line contains a newline or NUL", path.display()),
        ));
    }
    Ok(())
}

/// Mode (permission bits) and owner of an existing file; None if absent.
pub(crate) fn file_attrs(path: &Path) -> io::Result<Option<(u32, (u32, u32))>> {
    match fs::metadata(path) {
        Ok(m) => Ok(Some((m.mode() & 0o7777, (m.uid(), m.gid())))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err_at("stat", path, e)),
    }
}

fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err_at("read", path, e)),
    }
}

/// Add `line` unless an identical line (whole raw line, never a prefix) exists.
/// As in the original update_file, a `.` terminator line (users/assign style) is kept
/// last. Locked and atomic; an existing file keeps its owner and mode, a new one gets
/// `mode` and `owner` (if Some). Returns true if the file changed.
///
/// A file without a `.` line is extended in place (see [`append_line`]) instead of
/// being rewritten: `rcpthosts`, `morercpthosts` and `virtualdomains` grow by a line per
/// domain, and rewriting and fsyncing them whole made every add slower than the last.
pub fn add_line(path: &Path, line: &str, mode: u32, owner: Option<(u32, u32)>) -> io::Result<bool> {
    check_line(path, line)?;
    let _lock = lock(path)?;
    // the common case without holding the file in memory: neither the line nor a `.`
    // line there, so the line is appended
    match File::open(path) {
        Ok(f) => {
            let (found, len, last) = find_lines(&f, &[line.as_bytes(), b"."], 64 * 1024)
                .map_err(|e| err_at("read", path, e))?;
            if found[0] {
                return Ok(false);
            }
            if !found[1] {
                append_line_at(path, len, last.is_some_and(|b| b != b'\n'), line)?;
                return Ok(true);
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(err_at("open", path, e)),
    }
    add_line_locked(path, line, mode, owner, |_| ())
}

/// The last `n` bytes (fewer if it is shorter) of the file at `path`, known to be `len`
/// bytes long: to check how a file ends without reading it.
pub(crate) fn read_tail(path: &Path, len: u64, n: u64) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let from = len.saturating_sub(n);
    let mut tail = vec![0u8; (len - from) as usize];
    File::open(path)
        .and_then(|f| f.read_exact_at(&mut tail, from))
        .map_err(|e| err_at("read", path, e))?;
    Ok(tail)
}

/// Which of `lines` (none holding a newline) are lines of the file, as
/// [`has_exact_line`] finds them in its contents, with the file's length and last byte.
/// Read `block` bytes at a time through one buffer, searching each block with the end
/// of the one before: the files searched on every domain add grow by a line per domain.
fn find_lines(
    file: &File,
    lines: &[&[u8]],
    block: usize,
) -> io::Result<(Vec<bool>, u64, Option<u8>)> {
    let needles: Vec<Vec<u8>> = lines
        .iter()
        .map(|l| [&b"\n"[..], l, b"\n"].concat())
        .collect();
    let finders: Vec<_> = needles.iter().map(memchr::memmem::Finder::new).collect();
    // what a match that began in the block before can have left there
    let keep = needles.iter().map(Vec::len).max().unwrap_or(2) - 1;
    let mut found = vec![false; lines.len()];
    let (mut len, mut last) = (0u64, None);
    // the text searched begins with a newline, so that the first line is found too
    let mut window = Vec::with_capacity(keep + block);
    window.push(b'\n');
    let mut search = |window: &[u8]| {
        for (hit, finder) in found.iter_mut().zip(&finders) {
            *hit = *hit || finder.find(window).is_some();
        }
    };
    loop {
        let start = window.len();
        window.resize(start + block, 0);
        let n = match io::Read::read(&mut &*file, &mut window[start..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                window.truncate(start);
                continue;
            }
            Err(e) => return Err(e),
        };
        window.truncate(start + n);
        if n == 0 {
            break;
        }
        len += n as u64;
        last = window.last().copied();
        search(&window);
        let cut = window.len().saturating_sub(keep);
        window.drain(..cut);
    }
    // and ends with one, so that an unterminated last line is found too
    if last.is_some_and(|b| b != b'\n') {
        window.push(b'\n');
        search(&window);
    }
    Ok((found, len, last))
}

/// [`add_line`], then `then` called with the file's contents (changed or not) while
/// the lock is still held: for work that depends on the file (compiling
/// `morercpthosts.cdb`) without reading it again.
pub fn add_line_then(
    path: &Path,
    line: &str,
    mode: u32,
    owner: Option<(u32, u32)>,
    then: impl FnOnce(&[u8]),
) -> io::Result<bool> {
    check_line(path, line)?;
    let _lock = lock(path)?;
    add_line_locked(path, line, mode, owner, then)
}

/// [`add_line_then`] with the lock held.
fn add_line_locked(
    path: &Path,
    line: &str,
    mode: u32,
    owner: Option<(u32, u32)>,
    then: impl FnOnce(&[u8]),
) -> io::Result<bool> {
    let (contents, mode, owner) = match read_optional(path)? {
        None => (join_lines([line.as_bytes()]), mode, owner),
        Some(mut data) => {
            if has_exact_line(&data, line.as_bytes()) {
                then(&data);
                return Ok(false);
            }
            if !has_exact_line(&data, b".") {
                let added = append_line(path, &data, line)?;
                data.extend_from_slice(&added);
                then(&data);
                return Ok(true);
            }
            let lines = split_lines(&data);
            let mut out: Vec<&[u8]> = lines.into_iter().filter(|l| *l != b".").collect();
            out.push(line.as_bytes());
            out.push(b".");
            let (m, o) = file_attrs(path)?.unwrap_or((mode, (0, 0)));
            (join_lines(out), m, Some(o))
        }
    };
    write_atomic(path, &contents, mode, owner)?;
    then(&contents);
    Ok(true)
}

/// Is `line` one of the lines of `data` (as [`split_lines`] cuts them)? A substring
/// search instead of a vector of lines: the files searched on every domain add grow by
/// a line per domain.
pub(crate) fn has_exact_line(data: &[u8], line: &[u8]) -> bool {
    let n = line.len();
    if data.is_empty() {
        return false;
    }
    // the first line, the last (unterminated) one, or "\n<line>\n" anywhere
    if data.starts_with(line) && (data.len() == n || data[n] == b'\n') {
        return true;
    }
    if n > 0 && data.len() > n && data.ends_with(line) && data[data.len() - n - 1] == b'\n' {
        return true;
    }
    let mut needle = Vec::with_capacity(n + 2);
    needle.push(b'\n');
    needle.extend_from_slice(line);
    needle.push(b'\n');
    memchr::memmem::find(data, &needle).is_some()
}

/// Append `line` to the file whose current contents are `old` (caller holds the
/// lock). One `write` at the end of the file: readers see the old file or the whole
/// new line, since the kernel moves the end of file only after the bytes are in
/// place. Synced before returning; on any failure the file is cut back to its old
/// length, so it is left exactly as it was. Returns the bytes added.
fn append_line(path: &Path, old: &[u8], line: &str) -> io::Result<Vec<u8>> {
    let unterminated = !old.is_empty() && !old.ends_with(b"\n");
    append_line_at(path, old.len() as u64, unterminated, line)
}

/// [`append_line`] to a file known to be `old_len` bytes long, whose last line lacks
/// its newline if `unterminated`, without having read it.
pub(crate) fn append_line_at(
    path: &Path,
    old_len: u64,
    unterminated: bool,
    line: &str,
) -> io::Result<Vec<u8>> {
    check_line(path, line)?;
    let mut add = Vec::with_capacity(line.len() + 2);
    if unterminated {
        add.push(b'\n');
    }
    add.extend_from_slice(line.as_bytes());
    add.push(b'\n');
    let mut file = OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| err_at("open", path, e))?;
    let written = file.write_all(&add).and_then(|()| {
        #[cfg(test)]
        if fault::should_fail(path) {
            return Err(io::Error::other("injected failure"));
        }
        file.sync_data()
    });
    if let Err(e) = written {
        let _ = file.set_len(old_len);
        let _ = file.sync_data();
        return Err(err_at("append", path, e));
    }
    Ok(add)
}

/// An in-place edit of a file's end made by [`replace_tail`], which can be undone.
#[derive(Debug)]
pub(crate) struct TailEdit {
    file: File,
    path: PathBuf,
    at: u64,
    old_tail: Vec<u8>,
}

/// Replace the bytes of `path` from offset `at` to its end with `tail`, in place; the
/// file is `old_len` bytes long and ends with `old_tail` from `at` on (the caller holds
/// the file's lock and has read them). For a file that
/// must keep a last line, such as the `.` of users/assign, this adds a line without
/// rewriting the file. The disk space is reserved first, so the one `pwrite` cannot run
/// out of space half-way; synced before returning. On any failure the file is put back
/// as it was.
pub(crate) fn replace_tail(
    path: &Path,
    old_len: u64,
    at: u64,
    old_tail: &[u8],
    tail: &[u8],
) -> io::Result<TailEdit> {
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| err_at("open", path, e))?;
    let len = file.metadata().map_err(|e| err_at("fstat", path, e))?.len();
    if len != old_len || at.checked_add(old_tail.len() as u64) != Some(len) {
        return Err(io::Error::other(format!(
            "{}: changed while locked",
            path.display()
        )));
    }
    let edit = TailEdit {
        file,
        path: path.to_path_buf(),
        at,
        old_tail: old_tail.to_vec(),
    };
    let new_len = at + tail.len() as u64;
    let written = (|| {
        if new_len > len {
            crate::sys::reserve_space(&edit.file, len, new_len - len)?;
        }
        #[cfg(test)]
        if fault::should_fail(path) {
            // half of the tail written, as a failing disk might leave it
            let _ = edit.file.write_all_at(&tail[..tail.len() / 2], edit.at);
            return Err(io::Error::other("injected failure"));
        }
        edit.file.write_all_at(tail, edit.at)?;
        if new_len < len {
            edit.file.set_len(new_len)?;
        }
        edit.file.sync_data()
    })();
    match written {
        Ok(()) => Ok(edit),
        Err(e) => {
            let _ = edit.restore();
            Err(err_at("write", path, e))
        }
    }
}

impl TailEdit {
    fn restore(&self) -> io::Result<()> {
        self.file.write_all_at(&self.old_tail, self.at)?;
        self.file.set_len(self.at + self.old_tail.len() as u64)?;
        self.file.sync_data()
    }

    /// Put the file back as it was before the edit.
    pub(crate) fn undo(self) -> io::Result<()> {
        self.restore().map_err(|e| err_at("restore", &self.path, e))
    }
}

/// Remove every line equal to `line` (exact). Locked and atomic, keeping owner and
/// mode. Returns the number removed; Ok(0) if the file is absent.
pub fn remove_line(path: &Path, line: &str) -> io::Result<usize> {
    remove_lines(path, line, usize::MAX)
}

/// [`remove_line`] that removes at most `limit` matching lines (the first ones).
pub fn remove_lines(path: &Path, line: &str, limit: usize) -> io::Result<usize> {
    check_line(path, line)?;
    if file_attrs(path)?.is_none() {
        return Ok(0);
    }
    let _lock = lock(path)?;
    let Some(data) = read_optional(path)? else {
        return Ok(0);
    };
    let lines = split_lines(&data);
    let before = lines.len();
    let mut removed = 0;
    let kept: Vec<&[u8]> = lines
        .into_iter()
        .filter(|l| {
            let hit = *l == line.as_bytes() && removed < limit;
            removed += usize::from(hit);
            !hit
        })
        .collect();
    debug_assert_eq!(removed, before - kept.len());
    if removed == 0 {
        return Ok(0);
    }
    let Some((mode, owner)) = file_attrs(path)? else {
        return Ok(0);
    };
    write_atomic(path, &join_lines(kept), mode, Some(owner))?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().mode() & 0o7777
    }

    #[test]
    fn read_lines_strips_comments_and_blanks() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("rcpthosts");
        fs::write(
            &p,
            "# header\n a.test \n\n  \nb.test # trailing\n#x\nc.test",
        )
        .unwrap();
        assert_eq!(read_lines(&p).unwrap(), vec!["a.test", "b.test", "c.test"]);
        assert_eq!(count_lines(&p).unwrap(), 3);
        assert!(has_line(&p, "b.test").unwrap());
        assert!(!has_line(&p, "b.tes").unwrap());
        let missing = d.path().join("nope");
        let e = read_lines(&missing).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("nope"), "{e}");
        assert_eq!(count_lines(&missing).unwrap(), 0);
        assert!(!has_line(&missing, "a").unwrap());
    }

    #[test]
    fn first_line() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("me");
        assert_eq!(read_first_line(&p).unwrap(), None);
        fs::write(&p, "host.example\nsecond\n").unwrap();
        assert_eq!(
            read_first_line(&p).unwrap().as_deref(),
            Some("host.example")
        );
        fs::write(&p, "nonl").unwrap();
        assert_eq!(read_first_line(&p).unwrap().as_deref(), Some("nonl"));
        fs::write(&p, "").unwrap();
        assert_eq!(read_first_line(&p).unwrap().as_deref(), Some(""));
    }

    #[test]
    fn add_line_exact_not_prefix() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("rcpthosts");
        assert!(add_line(&p, "example.com", 0o644, None).unwrap());
        assert_eq!(mode_of(&p), 0o644);
        assert!(add_line(&p, "example.com.au", 0o600, None).unwrap());
        assert!(!add_line(&p, "example.com", 0o644, None).unwrap());
        assert!(add_line(&p, "example.co", 0o644, None).unwrap());
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "example.com\nexample.com.au\nexample.co\n"
        );
        // existing file keeps its mode
        assert_eq!(mode_of(&p), 0o644);
        // no lock or temp files left behind
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn exact_line_search_agrees_with_split_lines() {
        let texts: [&[u8]; 7] = [
            b"",
            b"a",
            b"a\n",
            b"\n",
            b"ab\nb\n\nba",
            b"x.\n.\n",
            b"b\nab",
        ];
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        for data in texts {
            for line in [&b""[..], b"a", b"b", b"ab", b".", b"x.", b"ba", b"\nb"] {
                let want = split_lines(data).contains(&line);
                assert_eq!(has_exact_line(data, line), want, "{data:?} {line:?}");
            }
            // read in blocks: every way of cutting the text, lines of all lengths
            fs::write(&p, data).unwrap();
            let lines = [&b""[..], b"a", b"b", b"ab", b".", b"x.", b"ba"];
            for block in [1, 2, 3, 5, 64] {
                let (found, len, last) =
                    find_lines(&File::open(&p).unwrap(), &lines, block).unwrap();
                let want: Vec<bool> = lines
                    .iter()
                    .map(|l| split_lines(data).contains(l))
                    .collect();
                assert_eq!(found, want, "{data:?} in blocks of {block}");
                assert_eq!((len, last), (data.len() as u64, data.last().copied()));
            }
        }
    }

    #[test]
    fn add_line_keeps_dot_last_and_fixes_missing_newline() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("assign");
        fs::write(&p, "+a-:a:1:1:/a:-::\n.\n").unwrap();
        add_line(&p, "+b-:b:1:1:/b:-::", 0o644, None).unwrap();
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "+a-:a:1:1:/a:-::\n+b-:b:1:1:/b:-::\n.\n"
        );
        let q = d.path().join("locals");
        fs::write(&q, "x").unwrap();
        add_line(&q, "y", 0o644, None).unwrap();
        assert_eq!(fs::read_to_string(&q).unwrap(), "x\ny\n");
    }

    #[test]
    fn add_line_preserves_mode_and_owner() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("virtualdomains");
        fs::write(&p, "a:a\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        let me = fs::metadata(&p).unwrap();
        add_line(&p, "b:b", 0o644, None).unwrap();
        let m = fs::metadata(&p).unwrap();
        assert_eq!(m.mode() & 0o7777, 0o640);
        assert_eq!((m.uid(), m.gid()), (me.uid(), me.gid()));
    }

    #[test]
    fn new_file_owner_applied_when_root() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("etrnhosts");
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let owner = if root {
            (1234, 4321)
        } else {
            (me_uid(), me_gid())
        };
        add_line(&p, "x.test", 0o600, Some(owner)).unwrap();
        let m = fs::metadata(&p).unwrap();
        assert_eq!((m.uid(), m.gid()), owner);
        assert_eq!(m.mode() & 0o7777, 0o600);
    }

    fn me_uid() -> u32 {
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() }
    }
    fn me_gid() -> u32 {
        // SAFETY: getgid has no preconditions and cannot fail.
        unsafe { libc::getgid() }
    }

    #[test]
    fn remove_line_exact() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("locals");
        assert_eq!(remove_line(&p, "x").unwrap(), 0);
        assert!(!p.exists());
        fs::write(&p, "example.com\nexample.com.au\nexample.com\nexample.co\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(remove_line(&p, "example.com").unwrap(), 2);
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "example.com.au\nexample.co\n"
        );
        assert_eq!(mode_of(&p), 0o600);
        assert_eq!(remove_line(&p, "example").unwrap(), 0);
        fs::write(&p, "a\nb\na\n").unwrap();
        assert_eq!(remove_lines(&p, "a", 1).unwrap(), 1);
        assert_eq!(fs::read_to_string(&p).unwrap(), "b\na\n");
        fs::write(&p, "example.com.au\nexample.co\n").unwrap();
        assert_eq!(remove_line(&p, "example.co").unwrap(), 1);
        assert_eq!(fs::read_to_string(&p).unwrap(), "example.com.au\n");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_rename_leaves_file_unchanged() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("rcpthosts");
        fs::write(&p, "a.test\n").unwrap();
        fault::fail_rename_to(Some("rcpthosts"));
        let e = add_line(&p, "b.test", 0o644, None).unwrap_err();
        assert!(e.to_string().contains("rcpthosts"), "{e}");
        let e = remove_line(&p, "a.test").unwrap_err();
        assert!(e.to_string().contains("injected"), "{e}");
        fault::fail_rename_to(None);
        assert_eq!(fs::read_to_string(&p).unwrap(), "a.test\n");
        // temp and lock files cleaned up
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn temp_path_is_directory_error() {
        // an unwritable target directory: target path's parent is a regular file
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("file");
        fs::write(&f, "x").unwrap();
        let e = write_atomic(&f.join("sub"), b"data", 0o644, None).unwrap_err();
        assert!(e.to_string().contains("file/sub"), "{e}");
        assert_eq!(fs::read_to_string(&f).unwrap(), "x");
    }

    #[test]
    fn write_atomic_sets_mode_exactly() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x");
        write_atomic(&p, b"one\n", 0o640, None).unwrap();
        assert_eq!(mode_of(&p), 0o640);
        write_atomic(&p, b"two\n", 0o644, None).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two\n");
        assert_eq!(mode_of(&p), 0o644);
    }

    #[test]
    fn concurrent_threads_all_lines_present() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("rcpthosts");
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let p = p.clone();
                std::thread::spawn(move || {
                    add_line(&p, &format!("host{i}.test"), 0o644, None).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let lines = read_lines(&p).unwrap();
        assert_eq!(lines.len(), 20, "{lines:?}");
        for i in 0..20 {
            assert!(lines.contains(&format!("host{i}.test")));
        }
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    /// Helper run in child processes by `concurrent_processes_all_lines_present`.
    #[test]
    fn child_add_line_helper() {
        if let (Ok(p), Ok(l)) = (
            std::env::var("CONTROL_TEST_CHILD_PATH"),
            std::env::var("CONTROL_TEST_CHILD_LINE"),
        ) {
            add_line(Path::new(&p), &l, 0o644, None).unwrap();
        }
    }

    #[test]
    fn concurrent_processes_all_lines_present() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("morercpthosts");
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..20)
            .map(|i| {
                std::process::Command::new(&exe)
                    .args([
                        "--exact",
                        "control::tests::child_add_line_helper",
                        "--quiet",
                    ])
                    .env("CONTROL_TEST_CHILD_PATH", &p)
                    .env("CONTROL_TEST_CHILD_LINE", format!("proc{i}.test"))
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let lines = read_lines(&p).unwrap();
        assert_eq!(lines.len(), 20, "{lines:?}");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
