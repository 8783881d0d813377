//! svstat: the state of supervised services (daemontools' `supervise/status` format), one line
//! per service directory. Listed in indisrvr's command tables (seed index 21, current 18).

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};

const USAGE: &str = "svstat: usage: svstat dir [dir ...]";

pub const APPLET: Applet = Applet {
    name: "svstat",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "show the state of supervised services",
    synopsis: "dir [dir ...]",
    options: &[] as &[OptSpec],
    run,
};

/// TAI64 label of the Unix epoch (2^62 + 10 leap seconds).
const TAI_EPOCH: u64 = 4_611_686_018_427_387_914;

/// One service's line, as daemontools' svstat words it (without the `dir: ` prefix).
pub fn describe(dir: &Path, now_unix: u64) -> String {
    let normally_up = match std::fs::metadata(dir.join("down")) {
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return format!("unable to stat down: {e}"),
    };
    match std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(dir.join("supervise/ok"))
    {
        Ok(_) => {}
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => return "supervise not running".into(),
        Err(e) => return format!("unable to open supervise/ok: {e}"),
    }
    let mut status = [0u8; 18];
    let n = match std::fs::File::open(dir.join("supervise/status")) {
        Ok(mut f) => match f.read(&mut status) {
            Ok(n) => n,
            Err(e) => return format!("unable to read supervise/status: {e}"),
        },
        Err(e) => return format!("unable to open supervise/status: {e}"),
    };
    if n < status.len() {
        return "unable to read supervise/status: bad format".into();
    }
    let when = u64::from_be_bytes(status[0..8].try_into().unwrap_or_default());
    let pid = u32::from_le_bytes(status[12..16].try_into().unwrap_or_default());
    let paused = status[16] != 0;
    let want = status[17];
    let secs = (now_unix + TAI_EPOCH).saturating_sub(when);
    let mut s = if pid != 0 {
        format!("up (pid {pid}) {secs} seconds")
    } else {
        format!("down {secs} seconds")
    };
    if pid != 0 && !normally_up {
        s.push_str(", normally down");
    }
    if pid == 0 && normally_up {
        s.push_str(", normally up");
    }
    if pid != 0 && paused {
        s.push_str(", paused");
    }
    if pid == 0 && want == b'u' {
        s.push_str(", want up");
    }
    if pid != 0 && want == b'd' {
        s.push_str(", want down");
    }
    s
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || AppletError::new(100, USAGE))?;
    if p.operands.is_empty() {
        return Err(AppletError::new(100, USAGE));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for d in &p.operands {
        let dir = Path::new(d);
        if !dir.is_dir() {
            eprintln!("svstat: warning: unable to chdir to {d}: file does not exist");
            continue;
        }
        ctx.out.line(&format!("{d}: {}", describe(dir, now)));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        std::fs::create_dir(d.join("supervise")).unwrap();
        // No FIFO: an error line.
        assert!(describe(d, 1000).starts_with("unable to open supervise/ok: "));
        crate::sys::mkfifo(&d.join("supervise/ok"), 0o600).unwrap();
        assert_eq!(describe(d, 1000), "supervise not running");
        let _reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(d.join("supervise/ok"))
            .unwrap();
        let mut st = Vec::new();
        st.extend_from_slice(&(TAI_EPOCH + 900).to_be_bytes());
        st.extend_from_slice(&[0; 4]);
        st.extend_from_slice(&4242u32.to_le_bytes());
        st.extend_from_slice(&[0, b'u']);
        std::fs::write(d.join("supervise/status"), &st).unwrap();
        assert_eq!(describe(d, 1000), "up (pid 4242) 100 seconds");
        std::fs::write(d.join("down"), "").unwrap();
        st[12..16].copy_from_slice(&[0; 4]);
        std::fs::write(d.join("supervise/status"), &st).unwrap();
        assert_eq!(describe(d, 1000), "down 100 seconds, want up");
        std::fs::write(d.join("supervise/status"), &st[..10]).unwrap();
        assert_eq!(
            describe(d, 1000),
            "unable to read supervise/status: bad format"
        );
    }
}
