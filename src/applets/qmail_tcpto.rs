//! qmail-tcpto: show the remote hosts that timed out recently, for every queue.

use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::{Applet, Ctx};
use crate::cli::{AppletError, AppletResult};
use crate::{queue, sys};

pub const APPLET: Applet = Applet {
    name: "qmail-tcpto",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "print the remote hosts that timed out recently",
    synopsis: "",
    options: &[],
    run,
};

/// The lines for one `lock/tcpto` file's 32-byte records.
pub fn describe(data: &[u8], now: i64) -> String {
    let mut out = String::new();
    for r in data.chunks_exact(32) {
        if r[4] < 1 {
            continue;
        }
        let (ip, kind) = match r[0] as i32 {
            libc::AF_INET => (
                Ipv4Addr::new(r[16], r[17], r[18], r[19]).to_string(),
                "ipv4",
            ),
            libc::AF_INET6 => {
                let mut b = [0u8; 16];
                b.copy_from_slice(&r[16..32]);
                (Ipv6Addr::from(b).to_string(), "ipv6")
            }
            _ => continue,
        };
        let when = u32::from_le_bytes([r[8], r[9], r[10], r[11]]) as i64;
        out += &format!(
            "{ip} {kind} timed out {} seconds ago; # recent timeouts: {}\n",
            now - when,
            r[4]
        );
    }
    out
}

/// Visit every queue (process_queue), running `action` on each `<queue>/lock/tcpto`.
pub fn each_queue(
    prog: &str,
    mut action: impl FnMut(&Path) -> Result<(), AppletError>,
) -> AppletResult {
    for w in queue::preload_environment(prog).map_err(|m| AppletError::new(111, m))? {
        eprintln!("{w}");
    }
    let fatal = |m: String| AppletError::new(111, format!("{prog}: fatal: {m}"));
    let base = queue::queue_base().map_err(|e| fatal(format!("unable to read queue_base: {e}")))?;
    let queues = queue::queues(&base)
        .map_err(|(p, e)| fatal(format!("unable to access {}: {e}", p.display())))?;
    let mut out = std::io::stdout().lock();
    for q in queues {
        let _ = writeln!(out, "processing queue {}", q.display());
        let _ = out.flush();
        action(&q.join("lock/tcpto"))?;
        let _ = writeln!(out);
        let _ = out.flush();
    }
    Ok(0)
}

fn run(_ctx: &mut Ctx, _args: &[String]) -> AppletResult {
    const P: &str = "qmail-tcpto";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    each_queue(P, |path| {
        let fatal = |what: &str, e: std::io::Error| {
            AppletError::new(
                111,
                format!("{P}: fatal: unable to {what} {}: {e}", path.display()),
            )
        };
        let w = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| fatal("open", e))?;
        sys::lock_exclusive(&w).map_err(|e| fatal("lock", e))?;
        let data = std::fs::read(path).map_err(|e| fatal("read", e))?;
        eprint!("{}", describe(&data, now));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn records() {
        let mut r = vec![0u8; 64];
        r[0] = libc::AF_INET as u8;
        r[4] = 3;
        r[8..12].copy_from_slice(&1000u32.to_le_bytes());
        r[16..20].copy_from_slice(&[192, 0, 2, 1]);
        r[32] = libc::AF_INET as u8; // count 0: not shown
        assert_eq!(
            super::describe(&r, 1060),
            "192.0.2.1 ipv4 timed out 60 seconds ago; # recent timeouts: 3\n"
        );
    }
}
