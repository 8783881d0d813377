/*!
The few Unix calls the toolkit needs that std does not offer: identities,
group membership, user lookup, ownership and privilege changes.

All `unsafe` of the crate's own (outside helper modules that say so) lives
here, each block with the reason it is sound.
*/

use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub fn getuid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

pub fn geteuid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

pub fn getgid() -> u32 {
    // SAFETY: getgid has no preconditions and cannot fail.
    unsafe { libc::getgid() }
}

/// Supplementary group ids of the process.
pub fn getgroups() -> Vec<u32> {
    // SAFETY: a zero-sized call only returns the count.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n <= 0 {
        return Vec::new();
    }
    let mut groups = vec![0 as libc::gid_t; n as usize];
    // SAFETY: the buffer has room for `n` gids, as the call is told.
    let got = unsafe { libc::getgroups(n, groups.as_mut_ptr()) };
    groups.truncate(got.max(0) as usize);
    groups
}

/// The original's permission rule: root, the reference uid, the reference gid,
/// or membership of the reference group.
pub fn caller_may_act_as(ref_uid: u32, ref_gid: u32) -> bool {
    let uid = getuid();
    uid == 0 || uid == ref_uid || getgid() == ref_gid || getgroups().contains(&ref_gid)
}

// The user and group database is read without glibc's NSS (see `nss`).
pub use crate::nss::{getgrnam_gid, getpwnam, group_name, user_name, PwEntry};

/// chown(2) without following a final symlink.
pub fn lchown(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
}

pub fn chown(path: &Path, owner: Option<(u32, u32)>) -> io::Result<()> {
    match owner {
        Some((u, g)) => std::os::unix::fs::chown(path, Some(u), Some(g)),
        None => Ok(()),
    }
}

/// Switch the whole process (real, effective and saved ids) to `uid`/`gid`,
/// dropping supplementary groups. Used after the permission check, as the
/// original's `setuser_privileges`, so that everything created afterwards
/// belongs to the domain user and a setuid-root binary keeps no root rights.
pub fn switch_to(uid: u32, gid: u32) -> io::Result<()> {
    if geteuid() != 0 {
        // Not privileged: only a no-op switch is possible.
        if getuid() == uid && geteuid() == uid {
            return Ok(());
        }
        return Err(io::Error::from(io::ErrorKind::PermissionDenied));
    }
    let groups = [gid as libc::gid_t];
    // SAFETY: plain syscalls with valid arguments; the group list is a live array.
    unsafe {
        if libc::setgroups(1, groups.as_ptr()) != 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::setgid(gid) != 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::setuid(uid) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Become fully root (real uid too), as the original's `setuid(0)` in setuid-root
/// applets that must create files anywhere (vsetuserquota, vadddomain).
pub fn become_root() -> io::Result<()> {
    if getuid() == 0 && geteuid() == 0 {
        return Ok(());
    }
    // SAFETY: plain syscalls; failure is reported through errno.
    unsafe {
        if libc::setgid(0) != 0 || libc::setuid(0) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// True when running from a setuid binary as somebody else (real uid differs
/// from the effective one): the setuid copy then serves only setuid applets.
pub fn running_setuid() -> bool {
    getuid() != geteuid()
}

/// `access(path, F_OK)` equivalent that reports ENOENT as `false`, other
/// errors (e.g. EACCES on a parent) as "exists", like the original's test.
pub fn path_missing(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(_) => false,
        Err(e) => e.kind() == io::ErrorKind::NotFound,
    }
}

/// Host name of this machine.
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its length; gethostname NUL-terminates
    // or truncates within it.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if rc != 0 {
        return "localhost".to_string();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
/// `asctime(localtime(t))`, including its trailing newline.
pub fn asctime_local(t: i64) -> String {
    // SAFETY: `tm` is plain old data; zeroed is a valid value for localtime_r to fill.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let tt = t as libc::time_t;
    // SAFETY: both pointers refer to live locals of the right types.
    let ok = unsafe { !libc::localtime_r(&tt, &mut tm).is_null() };
    if !ok {
        return "????\n".to_string();
    }
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}\n",
        DAYS[(tm.tm_wday.rem_euclid(7)) as usize],
        MONTHS[(tm.tm_mon.rem_euclid(12)) as usize],
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        tm.tm_year + 1900
    )
}

/// The original's `no_of_days`: `D days HH Hrs MM Mins SS Secs`.
pub fn no_of_days(secs: i64) -> String {
    let s = secs.max(0);
    format!(
        "{} days {:02} Hrs {:02} Mins {:02} Secs",
        s / 86400,
        (s % 86400) / 3600,
        (s % 3600) / 60,
        s % 60
    )
}

/// The client address recorded in `lastauth`: the peer of a TCP session
/// (`TCPREMOTEIP`, set by tcpserver and indisrvr), else `127.0.0.1` as for a
/// command run from a shell.
pub fn remote_ip() -> String {
    std::env::var("TCPREMOTEIP")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "127.0.0.1".to_string())
}

/// `mktime(3)` on a local date and time (month 1-12); `None` when the C
/// library cannot represent it. Out-of-range fields are normalised as mktime does.
pub fn mktime_local(year: i32, month: i32, day: i32, hour: i32, min: i32, sec: i32) -> Option<i64> {
    // SAFETY: `tm` is plain old data; zeroed is a valid starting value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    // SAFETY: the pointer refers to a live local of the right type.
    let t = unsafe { libc::mktime(&mut tm) };
    (t != -1).then_some(t as i64)
}

/// `gethostid()` in lower-case hex, as the original's `get_local_hostid` prints it.
pub fn gethostid_hex() -> String {
    // SAFETY: gethostid takes no arguments and only reads system state.
    let id = unsafe { libc::gethostid() };
    format!("{:x}", id as u32)
}

/// Try to take an exclusive `flock` on `file` without waiting: `Ok(false)` when
/// another process holds it. Released when the file is closed.
pub fn try_flock_exclusive(file: &std::fs::File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for the lifetime of `file`.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn note_stop(_: libc::c_int) {
    STOP.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Make SIGUSR1 request a clean stop (see [`stop_requested`]).
pub fn stop_on_sigusr1() {
    let handler: extern "C" fn(libc::c_int) = note_stop;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGUSR1, handler as libc::sighandler_t);
    }
}

/// Whether SIGUSR1 arrived since [`stop_on_sigusr1`].
pub fn stop_requested() -> bool {
    STOP.load(std::sync::atomic::Ordering::SeqCst)
}

/// The current offset of fd 0 (fails when stdin is a pipe or terminal).
pub fn stdin_offset() -> io::Result<u64> {
    // SAFETY: lseek on fd 0 only moves the offset; no memory is involved.
    let r = unsafe { libc::lseek(0, 0, libc::SEEK_CUR) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(r as u64)
}

/// Move fd 0 to the absolute offset `pos`.
pub fn stdin_seek(pos: u64) -> io::Result<()> {
    // SAFETY: as above.
    let r = unsafe { libc::lseek(0, pos as libc::off_t, libc::SEEK_SET) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The local zone's offset from UTC at `t`, in minutes east.
pub fn local_offset_minutes(t: i64) -> i32 {
    // SAFETY: `tm` is plain old data; zeroed is a valid value for localtime_r to fill.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let tt = t as libc::time_t;
    // SAFETY: both pointers refer to live locals of the right types.
    if unsafe { libc::localtime_r(&tt, &mut tm).is_null() } {
        return 0;
    }
    (tm.tm_gmtoff / 60) as i32
}

/// flock(LOCK_EX) on an open file (released when it is closed).
pub fn lock_exclusive(f: &std::fs::File) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor we own; no memory is involved.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `mkfifo(path, mode)`; fails with `AlreadyExists` if anything is there (never follows a link).
pub fn mkfifo(path: &Path, mode: u32) -> io::Result<()> {
    let c = c_path(path)?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), mode as libc::mode_t) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Wait until `fd` is readable (or hung up); `Ok(false)` on timeout.
pub fn poll_readable(fd: std::os::unix::io::RawFd, timeout_ms: i32) -> io::Result<bool> {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        // SAFETY: `p` is one live pollfd and the count passed is 1.
        let rc = unsafe { libc::poll(&mut p, 1, timeout_ms) };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        return Ok(rc > 0);
    }
}

/// The process id.
pub fn getpid() -> u32 {
    std::process::id()
}

static PENDING_SIGNALS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

extern "C" fn note_signal(sig: libc::c_int) {
    if (0..64).contains(&sig) {
        PENDING_SIGNALS.fetch_or(1u64 << sig, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Record `signals` in a pending set (see [`take_signals`]) instead of their default
/// action. Blocking calls are interrupted (no SA_RESTART) so that a loop can react.
pub fn catch_signals(signals: &[i32]) -> io::Result<()> {
    for &sig in signals {
        // SAFETY: sigaction is plain data; zeroed is a valid initial value.
        let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
        sa.sa_sigaction = note_signal as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = 0;
        // SAFETY: `sa.sa_mask` is a live sigset_t; the handler only does an atomic OR,
        // which is async-signal-safe; the pointers are valid for the call.
        let rc = unsafe {
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The signals caught since the last call (bit `1 << signo`), clearing them.
pub fn take_signals() -> u64 {
    PENDING_SIGNALS.swap(0, std::sync::atomic::Ordering::SeqCst)
}

/// `kill(pid, sig)`.
pub fn kill(pid: u32, sig: i32) -> io::Result<()> {
    // SAFETY: kill has no memory-safety preconditions; a stale pid only yields ESRCH.
    let rc = unsafe { libc::kill(pid as libc::pid_t, sig) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Run `f` on an inherited descriptor (e.g. ucspi-tcp's fds 6 and 7) without closing it.
pub fn with_fd<T>(fd: std::os::unix::io::RawFd, f: impl FnOnce(&mut std::fs::File) -> T) -> T {
    use std::os::unix::io::FromRawFd;
    // SAFETY: the File is wrapped in ManuallyDrop, so the descriptor (owned by whoever
    // gave it to us) is never closed here; an invalid fd only makes I/O return EBADF.
    let mut file = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
    f(&mut file)
}

/// `dup(fd)`: a new descriptor for the same open file, owned by the returned `File`.
pub fn dup(fd: std::os::unix::io::RawFd) -> io::Result<std::fs::File> {
    use std::os::unix::io::FromRawFd;
    // SAFETY: dup has no memory-safety preconditions; a bad fd gives EBADF.
    let new = unsafe { libc::dup(fd) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `new` is a fresh descriptor that nothing else owns.
    Ok(unsafe { std::fs::File::from_raw_fd(new) })
}

/// `dup2(from, to)`: make descriptor `to` refer to what `from` refers to.
pub fn dup2(from: std::os::unix::io::RawFd, to: std::os::unix::io::RawFd) -> io::Result<()> {
    // SAFETY: dup2 has no memory-safety preconditions; `to` is closed and reused
    // atomically; std's handles for fds 0-2 stay valid (they name the fd, not the file).
    if unsafe { libc::dup2(from, to) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// qmail-smtpd SMTP plugins: the C ABI (mta-tools spec 1.1) and dlopen.

/// `int mail_func(const char *remoteip, const char *from, char **mesg)`
pub type PluginMailFn = unsafe extern "C" fn(
    *const libc::c_char,
    *const libc::c_char,
    *mut *mut libc::c_char,
) -> libc::c_int;
/// `int rcpt_func(const char *remoteip, const char *from, const char *rcpt, char **mesg)`
pub type PluginRcptFn = unsafe extern "C" fn(
    *const libc::c_char,
    *const libc::c_char,
    *const libc::c_char,
    *mut *mut libc::c_char,
) -> libc::c_int;
/// `int data_func(const char *local, const char *remoteip, const char *remotehost,
/// const char *remoteinfo, char **mesg)`
pub type PluginDataFn = unsafe extern "C" fn(
    *const libc::c_char,
    *const libc::c_char,
    *const libc::c_char,
    *const libc::c_char,
    *mut *mut libc::c_char,
) -> libc::c_int;

/// The C `PLUGIN` struct: three function pointers, any of them NULL.
#[repr(C)]
pub struct PluginTable {
    pub mail_func: Option<PluginMailFn>,
    pub rcpt_func: Option<PluginRcptFn>,
    pub data_func: Option<PluginDataFn>,
}

/// Why a plugin could not be loaded (the texts follow plugtest's messages).
#[derive(Debug)]
pub enum PluginLoadError {
    /// dlopen failed: dlerror's text.
    Open(String),
    /// dlsym failed: dlerror's text.
    Symbol(String),
    /// The entry point returned NULL.
    InitFailed,
}

/// What a hook answered: its return value and `*mesg` (None when left NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookAnswer {
    pub rc: i32,
    pub mesg: Option<Vec<u8>>,
}

/// A loaded plugin: the library stays open as long as this lives.
pub struct LoadedPlugin {
    table: *const PluginTable,
    _lib: libloading::os::unix::Library,
}

fn c_ptr(s: Option<&CStr>) -> *const libc::c_char {
    s.map_or(std::ptr::null(), |s| s.as_ptr())
}

fn take_mesg(mesg: *mut libc::c_char) -> Option<Vec<u8>> {
    if mesg.is_null() {
        return None;
    }
    // SAFETY: the ABI says a non-NULL `*mesg` is a NUL-terminated string owned by the
    // plugin and valid after the hook returns; we copy it and never free it.
    Some(unsafe { CStr::from_ptr(mesg) }.to_bytes().to_vec())
}

impl LoadedPlugin {
    /// dlopen `path` (RTLD_NOW|RTLD_GLOBAL, as plugtest), look up `symbol` and call it.
    ///
    /// Loading a shared object runs its constructors and the entry point runs plugin
    /// code: nothing here can make a misbehaving plugin safe. Callers run plugins in a
    /// child process (see `plugin::run`) so that a crash cannot take the caller down.
    pub fn load(path: &Path, symbol: &str) -> Result<LoadedPlugin, PluginLoadError> {
        use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
        // SAFETY: dlopen of a file the administrator named as an SMTP plugin; its
        // initialisers are trusted to the same degree qmail-smtpd trusts them, and
        // the process doing it is a disposable child (see above).
        let lib = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_GLOBAL) }
            .map_err(|e| PluginLoadError::Open(e.to_string()))?;
        let mut name = symbol.as_bytes().to_vec();
        name.push(0);
        // SAFETY: the symbol is declared with the ABI's entry-point type
        // `PLUGIN *(*)(void)`; the library outlives the call (it is kept in `self`).
        let table = unsafe {
            let init = lib
                .get::<unsafe extern "C" fn() -> *const PluginTable>(&name)
                .map_err(|e| PluginLoadError::Symbol(e.to_string()))?;
            init()
        };
        if table.is_null() {
            return Err(PluginLoadError::InitFailed);
        }
        Ok(LoadedPlugin { table, _lib: lib })
    }

    fn table(&self) -> &PluginTable {
        // SAFETY: non-NULL (checked in load); the ABI says it points to a PLUGIN that
        // lives as long as the library, which `self` keeps open.
        unsafe { &*self.table }
    }

    pub fn has_mail(&self) -> bool {
        self.table().mail_func.is_some()
    }
    pub fn has_rcpt(&self) -> bool {
        self.table().rcpt_func.is_some()
    }
    pub fn has_data(&self) -> bool {
        self.table().data_func.is_some()
    }

    /// `mail_func(remoteip, from, &mesg)`; None when the slot is NULL.
    pub fn mail(&self, remoteip: &CStr, from: &CStr) -> Option<HookAnswer> {
        let f = self.table().mail_func?;
        let mut mesg: *mut libc::c_char = std::ptr::null_mut();
        // SAFETY: the arguments are valid NUL-terminated strings for the call and
        // `mesg` a valid out-pointer (pre-set to NULL), as the ABI requires.
        let rc = unsafe { f(remoteip.as_ptr(), from.as_ptr(), &mut mesg) };
        Some(HookAnswer {
            rc,
            mesg: take_mesg(mesg),
        })
    }

    /// `rcpt_func(remoteip, from, rcpt, &mesg)`; None when the slot is NULL.
    pub fn rcpt(&self, remoteip: &CStr, from: &CStr, rcpt: &CStr) -> Option<HookAnswer> {
        let f = self.table().rcpt_func?;
        let mut mesg: *mut libc::c_char = std::ptr::null_mut();
        // SAFETY: as in `mail`.
        let rc = unsafe { f(remoteip.as_ptr(), from.as_ptr(), rcpt.as_ptr(), &mut mesg) };
        Some(HookAnswer {
            rc,
            mesg: take_mesg(mesg),
        })
    }

    /// `data_func(local, remoteip, remotehost, remoteinfo, &mesg)` (any argument may
    /// be NULL, as in qmail-smtpd); None when the slot is NULL.
    pub fn data(&self, args: [Option<&CStr>; 4]) -> Option<HookAnswer> {
        let f = self.table().data_func?;
        let mut mesg: *mut libc::c_char = std::ptr::null_mut();
        // SAFETY: as in `mail`; NULL arguments are allowed by the ABI for this hook.
        let rc = unsafe {
            f(
                c_ptr(args[0]),
                c_ptr(args[1]),
                c_ptr(args[2]),
                c_ptr(args[3]),
                &mut mesg,
            )
        };
        Some(HookAnswer {
            rc,
            mesg: take_mesg(mesg),
        })
    }
}

/// `access(path, R_OK)`: Ok when the caller may read `path`.
pub fn access_readable(path: &Path) -> io::Result<()> {
    let c = c_path(path)?;
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    if unsafe { libc::access(c.as_ptr(), libc::R_OK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The bytes of a C `struct stat` that is all zero except `st_mode`, `st_ino`,
/// `st_dev`, `st_rdev` and `st_size` (what IndiMail's `crc` checksums for a
/// file that is not a regular file). The layout is this platform's.
pub fn stat_image(m: &std::fs::Metadata) -> Vec<u8> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: `stat` is plain old data; all-zero bytes are a valid value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    st.st_mode = m.mode() as libc::mode_t;
    st.st_ino = m.ino() as libc::ino_t;
    st.st_dev = m.dev() as libc::dev_t;
    st.st_rdev = m.rdev() as libc::dev_t;
    st.st_size = m.size() as libc::off_t;
    let size = std::mem::size_of::<libc::stat>();
    // SAFETY: `st` is a live, fully initialised (zeroed then assigned) value of
    // `size` bytes; it is only read, as bytes, while borrowed.
    unsafe { std::slice::from_raw_parts(&st as *const libc::stat as *const u8, size) }.to_vec()
}

/// The process umask as last set through [`set_umask`] or read from /proc
/// (`UMASK_UNKNOWN` until first asked). Reading it with umask(2) would change it
/// for a moment under the other threads.
static UMASK: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(UMASK_UNKNOWN);
const UMASK_UNKNOWN: u32 = u32::MAX;
const UMASK_UNREADABLE: u32 = u32::MAX - 1;

/// Set the process umask; returns the previous one. The toolkit changes its umask
/// only through here, so [`umask`] stays true.
pub fn set_umask(mask: u32) -> u32 {
    use std::sync::atomic::Ordering;
    // SAFETY: umask has no preconditions and cannot fail.
    let old = unsafe { libc::umask(mask as libc::mode_t) as u32 };
    UMASK.store(mask & 0o777, Ordering::Relaxed);
    old
}

/// The process umask, `None` when it cannot be known (no /proc).
pub fn umask() -> Option<u32> {
    use std::sync::atomic::Ordering;
    let v = UMASK.load(Ordering::Relaxed);
    if v == UMASK_UNKNOWN {
        let read = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let v = s.lines().find_map(|l| l.strip_prefix("Umask:"))?;
                u32::from_str_radix(v.trim(), 8).ok()
            })
            .unwrap_or(UMASK_UNREADABLE);
        // A set_umask meanwhile wins.
        let _ = UMASK.compare_exchange(UMASK_UNKNOWN, read, Ordering::Relaxed, Ordering::Relaxed);
        return umask();
    }
    (v != UMASK_UNREADABLE).then_some(v)
}

/// A pipe (read end, write end), both close-on-exec (std's `io::pipe` needs Rust 1.87).
pub fn pipe() -> io::Result<(std::fs::File, std::fs::File)> {
    use std::os::unix::io::FromRawFd;
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a live array of two ints, as pipe2 requires.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both descriptors are new and owned by nobody else.
    Ok(unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    })
}

/// Like [`catch_signals`], but interrupted system calls restart (SA_RESTART), for
/// multi-threaded servers whose threads must not see EINTR.
pub fn catch_signals_restart(signals: &[i32]) -> io::Result<()> {
    for &sig in signals {
        // SAFETY: sigaction is plain data; zeroed is a valid initial value.
        let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
        sa.sa_sigaction = note_signal as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = libc::SA_RESTART;
        // SAFETY: as in catch_signals: a live sigaction, an async-signal-safe handler.
        let rc = unsafe {
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The uid and gid of the process at the other end of a connected UNIX socket
/// (`SO_PEERCRED`, as it was when the peer connected).
pub fn peer_cred(fd: std::os::unix::io::RawFd) -> io::Result<(u32, u32)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is a live ucred and `len` holds its size; the kernel writes at most
    // `len` bytes into it. A bad fd only yields an error.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((cred.uid, cred.gid))
}

/// Reserve disk blocks for the `len` bytes at `offset` without changing the file's size
/// (`fallocate(FALLOC_FL_KEEP_SIZE)`), so that a write there cannot then fail for want
/// of space. `Ok(false)` where the filesystem cannot reserve (the write may then fail,
/// and the caller must be ready to undo it).
pub fn reserve_space(file: &std::fs::File, offset: u64, len: u64) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    #[cfg(target_os = "linux")]
    {
        let (Ok(off), Ok(n)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) else {
            return Ok(false);
        };
        // SAFETY: the descriptor is open for the lifetime of `file`; fallocate only
        // reads its integer arguments.
        let r = unsafe { libc::fallocate(file.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, off, n) };
        if r == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EOPNOTSUPP) | Some(libc::ENOSYS) | Some(libc::EINVAL) => Ok(false),
            _ => Err(e),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (file.as_raw_fd(), offset, len);
        Ok(false)
    }
}

/// Start writing a file's dirty pages to disk without waiting for them
/// (`sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that several files written one after
/// the other go to the disk together before each is fsynced. Best effort: only a hint.
pub fn start_writeback(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    #[cfg(target_os = "linux")]
    // SAFETY: the descriptor is open for the lifetime of `file`; the call only reads
    // its integer arguments (offset 0, length 0 = to the end of the file).
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file.as_raw_fd();
}

/// Copy the bytes `[offset, offset + len)` of `src` to the same offsets of `dst`, inside
/// the kernel where it can (`copy_file_range`: no read into and write from user memory;
/// a file system with shared extents may not copy at all), else through a buffer.
pub fn copy_range(
    src: &std::fs::File,
    dst: &std::fs::File,
    offset: u64,
    len: u64,
) -> io::Result<()> {
    copy_range_to(src, offset, dst, offset, len)
}

/// [`copy_range`] from offset `from` of `src` to offset `to` of `dst`.
pub fn copy_range_to(
    src: &std::fs::File,
    from: u64,
    dst: &std::fs::File,
    to: u64,
    len: u64,
) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let (mut done, end) = (0u64, len);
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        while done < end {
            let (Ok(mut off_in), Ok(mut off_out)) = (
                libc::loff_t::try_from(from + done),
                libc::loff_t::try_from(to + done),
            ) else {
                break;
            };
            let chunk = usize::try_from(end - done)
                .unwrap_or(usize::MAX)
                .min(1 << 30);
            // SAFETY: both descriptors are open for the lifetimes of `src` and `dst`;
            // the offsets are valid, initialised `loff_t`s that outlive the call (the
            // kernel updates them); no user memory is read or written otherwise.
            let n = unsafe {
                libc::copy_file_range(
                    src.as_raw_fd(),
                    &mut off_in,
                    dst.as_raw_fd(),
                    &mut off_out,
                    chunk,
                    0,
                )
            };
            if n > 0 {
                done += n as u64;
                continue;
            }
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "copy_file_range: source shorter than expected",
                ));
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                // not supported here (old kernel, these file systems, a seccomp filter):
                // copied by hand from where it stopped
                Some(
                    libc::ENOSYS | libc::EXDEV | libc::EINVAL | libc::EOPNOTSUPP | libc::EPERM,
                ) => break,
                _ => return Err(e),
            }
        }
    }
    let mut buf = vec![0u8; (end - done).min(1 << 16) as usize];
    while done < end {
        let n = buf.len().min((end - done) as usize);
        src.read_exact_at(&mut buf[..n], from + done)?;
        dst.write_all_at(&buf[..n], to + done)?;
        done += n as u64;
    }
    Ok(())
}

/// An epoll instance watching descriptors for input. One-shot entries deliver an event to
/// one waiting thread and stay quiet until re-armed, so several threads waiting on one
/// instance share a descriptor without a lock and without waking each other; otherwise
/// entries are level-triggered (for an instance that one thread waits on).
pub struct Epoll {
    fd: std::os::fd::OwnedFd,
    flags: u32,
}

impl Epoll {
    pub fn new(oneshot: bool) -> io::Result<Epoll> {
        // SAFETY: plain system call; the result is checked before it is used as an fd.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        use std::os::fd::FromRawFd;
        let flags = libc::EPOLLIN as u32
            | if oneshot {
                libc::EPOLLONESHOT as u32
            } else {
                0
            };
        // SAFETY: `fd` was just returned by epoll_create1 and is owned by nobody else.
        Ok(Epoll {
            fd: unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) },
            flags,
        })
    }

    fn ctl(&self, op: i32, fd: std::os::unix::io::RawFd, token: u64) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let mut ev = libc::epoll_event {
            events: self.flags,
            u64: token,
        };
        // SAFETY: `ev` is a live epoll_event; bad fds only yield an error.
        let rc = unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut ev) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Watch `fd` for input, reported as `token`.
    pub fn add(&self, fd: std::os::unix::io::RawFd, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token)
    }

    /// Watch a one-shot `fd` again after its event was delivered (reported at once if input
    /// is waiting).
    pub fn rearm(&self, fd: std::os::unix::io::RawFd, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token)
    }

    /// Stop watching `fd`.
    pub fn remove(&self, fd: std::os::unix::io::RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0)
    }

    /// Wait up to `timeout_ms` (-1: forever) for events: their tokens replace the contents
    /// of `out` (at most its capacity, at least one); none on timeout or signal.
    pub fn wait(&self, timeout_ms: i32, out: &mut Vec<u64>) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        out.clear();
        let max = out.capacity().clamp(1, 64);
        let mut evs = [libc::epoll_event { events: 0, u64: 0 }; 64];
        // SAFETY: `evs` has room for the `max` (at most 64) events passed as maxevents.
        let rc = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                evs.as_mut_ptr(),
                max as i32,
                timeout_ms,
            )
        };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(());
            }
            return Err(e);
        }
        out.extend(evs[..rc as usize].iter().map(|e| e.u64));
        Ok(())
    }
}

/// What of std's start-up work a command needs, for an entry point that
/// bypasses it (see `main.rs`): descriptors 0-2 open (a closed one is opened
/// on /dev/null, so that a file this process opens can never become its
/// standard output — it may run set-user-ID), and SIGPIPE ignored, so that a
/// write to a closed pipe or socket is an `EPIPE` error, as under std's own
/// start-up, and not a silent death.
pub fn process_start() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three pollfd structures for the
    // duration of the call; a zero timeout makes it return at once.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } != -1;
    for p in &fds {
        // Where poll itself failed, ask each descriptor with fcntl.
        // SAFETY: F_GETFD on any integer is harmless; it only reports.
        let closed = if polled {
            p.revents & libc::POLLNVAL != 0
        } else {
            (unsafe { libc::fcntl(p.fd, libc::F_GETFD) }) == -1
                && io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
        };
        // SAFETY: the path is a NUL-terminated literal; the lowest free
        // descriptor is the closed one, as no other is opened in between.
        if closed && unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) } == -1 {
            std::process::abort();
        }
    }
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler
    // code; this runs before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

pub fn getegid() -> u32 {
    // SAFETY: getegid has no preconditions and cannot fail.
    unsafe { libc::getegid() }
}

/// `path` for a system call; a path holding a NUL byte is an `InvalidInput` error.
fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))
}

/// A directory opened only as the base of the `*at` calls below (`O_PATH`: no
/// read permission needed, nothing to read through it).
pub fn open_dir_path(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::io::FromRawFd;
    let c = c_path(path)?;
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

/// Whether `file` lives on a local file system whose link counts are kept exactly: one of
/// ext2/3/4, XFS, Btrfs, tmpfs, F2FS, ZFS, bcachefs. Not NFS and the like, whose clients
/// keep a removed file that is still open alive under another name (link count 1).
pub fn local_file_system(file: &std::fs::File) -> bool {
    use std::os::unix::io::AsRawFd;
    const LOCAL: [u32; 7] = [
        0xEF53,      // ext2, ext3, ext4
        0x5846_5342, // XFS
        0x9123_683E, // Btrfs
        0x0102_1994, // tmpfs
        0xF2F5_2010, // F2FS
        0x2FC1_2FC1, // ZFS
        0xCA45_1A4E, // bcachefs
    ];
    // SAFETY: statfs is plain data, so zeroed is a valid value to fill in.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `file` is an open descriptor and `st` a live statfs for the call.
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut st) } != 0 {
        return false;
    }
    // the type's width differs between C libraries; the magic numbers fit in 32 bits
    LOCAL.contains(&(st.f_type as u32))
}

/// The type, device and inode of `name` in the directory `dir`, not following a symbolic
/// link (fstatat with `AT_SYMLINK_NOFOLLOW`): one path component to look up.
pub fn lstat_at(dir: &std::fs::File, name: &CStr) -> io::Result<FileId> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: stat is plain data, so zeroed is a valid value to fill in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `dir` is an open descriptor, `name` a NUL-terminated string and `st` a
    // live stat, all valid for the call.
    let rc = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(FileId {
        fifo: st.st_mode & libc::S_IFMT == libc::S_IFIFO,
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
    })
}

/// What [`lstat_at`] tells of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub fifo: bool,
    pub dev: u64,
    pub ino: u64,
}

impl From<&std::fs::Metadata> for FileId {
    fn from(m: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        FileId {
            fifo: m.file_type().is_fifo(),
            dev: m.dev(),
            ino: m.ino(),
        }
    }
}

/// Open `name` in the directory `dir` with `flags` (`O_CLOEXEC` added; no `O_CREAT`).
pub fn open_at(dir: &std::fs::File, name: &CStr, flags: i32) -> io::Result<std::fs::File> {
    open_at_mode(dir, name, flags, 0)
}

/// openat(2) of `name` in the directory `dir` with `flags` and `O_CLOEXEC`; `mode` is
/// the new file's with `O_CREAT`.
fn open_at_mode(
    dir: &std::fs::File,
    name: &CStr,
    flags: i32,
    mode: u32,
) -> io::Result<std::fs::File> {
    use std::os::unix::io::{AsRawFd, FromRawFd};
    // SAFETY: `dir` is an open descriptor and `name` a NUL-terminated string, both
    // alive for the call; the mode is passed as the variadic argument openat reads
    // with O_CREAT (and ignores otherwise).
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            flags | libc::O_CLOEXEC,
            mode as libc::c_uint,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

/// unlinkat(2) of the non-directory `name` in the directory `dir`.
pub fn unlink_at(dir: &std::fs::File, name: &CStr) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: `dir` is an open descriptor and `name` a NUL-terminated string, both
    // alive for the call.
    if unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Clear `O_NONBLOCK` on `file`'s open file description: its reads and writes wait.
pub fn set_blocking(file: &std::fs::File) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl with F_GETFL/F_SETFL takes and returns plain integers; a bad
    // descriptor only gives EBADF.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// mkdirat(2): `name` relative to the directory `dir`.
pub fn mkdir_at(dir: &std::fs::File, name: &CStr, mode: u32) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: `dir` is an open descriptor and `name` a NUL-terminated string,
    // both alive for the call.
    if unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode as libc::mode_t) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A new file `name` relative to `dir`, write-only, created with `mode`
/// (`O_EXCL`: an existing one, or a symlink, is an error).
pub fn create_new_at(dir: &std::fs::File, name: &CStr, mode: u32) -> io::Result<std::fs::File> {
    open_at_mode(
        dir,
        name,
        libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL,
        mode,
    )
}

/// The calling thread's file-system uid and gid switched (Linux keeps them per
/// thread, and glibc's wrappers are plain system calls that do not broadcast to
/// other threads as setuid does): what the thread creates is owned by them
/// without a chown. Needs root (`CAP_SETUID`/`CAP_SETGID`); the previous ids
/// come back on drop.
pub struct FsIds {
    uid: u32,
    gid: u32,
}

impl FsIds {
    pub fn switch(uid: u32, gid: u32) -> io::Result<FsIds> {
        // setfsuid/setfsgid return the previous id and report no error: a
        // second call returns the id in force, which tells whether the first took.
        // SAFETY: plain system calls on the calling thread's credentials.
        unsafe {
            let old_gid = libc::setfsgid(gid) as u32;
            if libc::setfsgid(gid) as u32 != gid {
                return Err(io::Error::from(io::ErrorKind::PermissionDenied));
            }
            let old_uid = libc::setfsuid(uid) as u32;
            if libc::setfsuid(uid) as u32 != uid {
                libc::setfsgid(old_gid);
                return Err(io::Error::from(io::ErrorKind::PermissionDenied));
            }
            Ok(FsIds {
                uid: old_uid,
                gid: old_gid,
            })
        }
    }
}

impl Drop for FsIds {
    fn drop(&mut self) {
        // SAFETY: as in `switch`; the uid goes back first, so the thread is
        // privileged again when its gid is restored.
        unsafe {
            libc::setfsuid(self.uid);
            libc::setfsgid(self.gid);
        }
    }
}

/// Ask the scheduler for a short time slice for the calling thread (Linux ≥ 6.12, EEVDF:
/// `sched_setattr` with `sched_runtime` under `SCHED_OTHER`): a thread with a short slice
/// gets an early deadline, so when it is woken it preempts a thread running a longer slice
/// at once instead of waiting for that slice to end. For threads that answer requests in a
/// few microseconds and then sleep again. Unprivileged; the nice value is kept. Returns
/// false (and changes nothing) where the kernel refuses it or the thread is not
/// `SCHED_OTHER`; older kernels ignore the field.
pub fn short_slice(ns: u64) -> bool {
    #[cfg(target_os = "linux")]
    {
        /// `struct sched_attr` (include/uapi/linux/sched/types.h), first version (48 bytes).
        #[repr(C)]
        #[derive(Default)]
        struct SchedAttr {
            size: u32,
            policy: u32,
            flags: u64,
            nice: i32,
            priority: u32,
            runtime: u64,
            deadline: u64,
            period: u64,
        }
        let mut a = SchedAttr::default();
        let size = std::mem::size_of::<SchedAttr>() as u32;
        // SAFETY: `a` is a live, writable sched_attr of `size` bytes (the kernel writes at
        // most `size`); pid 0 is the calling thread.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_sched_getattr,
                0,
                &mut a as *mut SchedAttr,
                size,
                0,
            )
        };
        if rc != 0 || a.policy != libc::SCHED_OTHER as u32 {
            return false;
        }
        a.size = size;
        a.flags = 0;
        a.runtime = ns;
        // SAFETY: `a` is a live sched_attr whose `size` field says how much the kernel may
        // read; pid 0 is the calling thread.
        let rc = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &a as *const SchedAttr, 0) };
        rc == 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = ns;
        false
    }
}

/// Take a write lease on the open file (`F_SETLEASE`, `F_WRLCK`), held until the file
/// is closed. The kernel grants it only while no other descriptor or mapping of the
/// file exists anywhere, which is what it is taken to prove. Someone opening the file
/// meanwhile makes the kernel signal this process, with SIGURG here (`F_SETSIG`: its
/// default action is to ignore it, where SIGIO's would end the process half-way through
/// its work); the opener waits until the file is closed. False where the lease is
/// refused (another opener, a file system without leases, no right to one).
pub fn take_write_lease(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    #[cfg(target_os = "linux")]
    {
        // <asm-generic/fcntl.h> (the libc crate does not export it for glibc)
        const F_SETSIG: libc::c_int = 10;
        let fd = file.as_raw_fd();
        // SAFETY: the descriptor is open for the lifetime of `file`; F_SETSIG and
        // F_SETLEASE take integer arguments.
        unsafe {
            libc::fcntl(fd, F_SETSIG, libc::SIGURG) == 0
                && libc::fcntl(fd, libc::F_SETLEASE, libc::F_WRLCK) == 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file.as_raw_fd();
        false
    }
}

/// Set the extended attribute `name` of the open file to `value`.
pub fn set_xattr(file: &std::fs::File, name: &CStr, value: &[u8]) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for the lifetime of `file`; `name` is a
    // NUL-terminated string and `value` a readable buffer of the length passed, both
    // only read during the call.
    let r = unsafe {
        libc::fsetxattr(
            file.as_raw_fd(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The extended attribute `name` of the open file, if it has one of at most `max`
/// bytes; `Ok(None)` also where the file system keeps no such attributes.
pub fn get_xattr(file: &std::fs::File, name: &CStr, max: usize) -> io::Result<Option<Vec<u8>>> {
    use std::os::fd::AsRawFd;
    let mut buf = vec![0u8; max];
    // SAFETY: the descriptor is open for the lifetime of `file`; `name` is a
    // NUL-terminated string; the kernel writes at most `buf.len()` bytes into `buf`.
    let n = unsafe {
        libc::fgetxattr(
            file.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n >= 0 {
        buf.truncate(n as usize);
        return Ok(Some(buf));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENODATA | libc::ENOTSUP | libc::ERANGE) => Ok(None),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn lease_only_while_open_nowhere_else() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, b"x").unwrap();
        let open = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&p)
                .unwrap()
        };
        let reader = std::fs::File::open(&p).unwrap();
        assert!(!super::take_write_lease(&open()));
        drop(reader);
        let leased = open();
        assert!(super::take_write_lease(&leased));
        // opened meanwhile by another process: it waits for the lease, and this
        // process is signalled with SIGURG, which it ignores (the test goes on)
        let path = p.clone();
        let opener = std::thread::spawn(move || {
            let child = std::process::Command::new("cat")
                .arg(&path)
                .output()
                .unwrap();
            child.stdout
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(leased);
        assert_eq!(opener.join().unwrap(), b"x");
        // given up with the file: another lease can be taken at once
        assert!(super::take_write_lease(&open()));
    }
    /// `sched_attr.sched_runtime` of the calling thread.
    fn runtime() -> u64 {
        let mut a = [0u64; 6];
        // SAFETY: `a` is 48 writable bytes, the size passed; pid 0 is the calling thread.
        let rc = unsafe { libc::syscall(libc::SYS_sched_getattr, 0, a.as_mut_ptr(), 48u32, 0u32) };
        assert_eq!(rc, 0);
        // size+policy, flags, nice+priority, then the runtime
        a[3]
    }

    /// The slice is asked for the calling thread only and keeps its nice value; where the
    /// kernel takes it (Linux >= 6.12) `sched_getattr` reports it.
    #[test]
    fn short_slice_keeps_nice_and_other_threads() {
        // SAFETY: plain system call on the calling thread (`who` 0).
        let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let before = (nice(), runtime());
        let (taken, inner_nice, inner_runtime) = std::thread::spawn(move || {
            // SAFETY: plain system call; on Linux the nice value is per thread.
            unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 3) };
            let taken = super::short_slice(200_000);
            (taken, nice(), runtime())
        })
        .join()
        .unwrap();
        assert_eq!(inner_nice, 3, "the nice value is kept");
        if taken {
            assert_eq!(inner_runtime, 200_000);
        }
        assert_eq!(
            (nice(), runtime()),
            before,
            "only the calling thread is changed"
        );
    }
}
