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

/// A password-file entry (only what the toolkit uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PwEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub dir: String,
}

/// getpwnam(3) through NSS, thread-safe variant.
pub fn getpwnam(name: &str) -> io::Result<Option<PwEntry>> {
    let cname = CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: `passwd` is plain old data; zeroed is a valid initial value.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the call: `cname` is NUL-terminated,
    // `buf` is writable for its stated length, `pwd`/`result` are live locals.
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    if result.is_null() {
        return Ok(None);
    }
    // SAFETY: on success the string fields point into `buf`, NUL-terminated, and
    // `buf` outlives these reads.
    let (pname, dir) = unsafe {
        (
            CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned(),
            CStr::from_ptr(pwd.pw_dir).to_string_lossy().into_owned(),
        )
    };
    Ok(Some(PwEntry {
        name: pname,
        uid: pwd.pw_uid,
        gid: pwd.pw_gid,
        dir,
    }))
}

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
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
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
