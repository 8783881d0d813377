//! `inlookup -i N` (N > 1): N server processes on `<fifo>.1 … <fifo>.N`, restarted when they
//! die; TERM, HUP, INT, USR1 and USR2 are forwarded to every child; TERM ends the parent
//! (exit 1, as the original).

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Marks a process started by the supervisor: it stops when orphaned.
pub const CHILD_ENV: &str = "INLOOKUP_INSTANCE";

fn log(line: &str) {
    eprintln!("{line}");
}

fn spawn(
    exe: &Path,
    fifo: &str,
    k: usize,
    verbose: bool,
    prewarm: Option<i64>,
) -> std::io::Result<Child> {
    let mut c = Command::new(exe);
    c.arg0("inlookup")
        .args(["-f", fifo])
        .env("INFIFO", fifo)
        .env(CHILD_ENV, k.to_string());
    if verbose {
        c.arg("-v");
    }
    if let Some(secs) = prewarm {
        c.args(["-c", &secs.to_string()]);
    }
    let child = c.spawn()?;
    log(&format!(
        "InLookup[{k}] PPID {} PID {} Ready with INFIFO={fifo}",
        std::process::id(),
        child.id()
    ));
    Ok(child)
}

/// Run the instances until SIGTERM.
pub fn supervise(base: &Path, n: usize, verbose: bool, prewarm: Option<i64>) -> i32 {
    const SIGS: [i32; 5] = [
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGUSR1,
        libc::SIGUSR2,
    ];
    if let Err(e) = crate::sys::catch_signals(&SIGS) {
        log(&format!("inlookup: signals: {e}"));
        return 111;
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            log(&format!("inlookup: {e}"));
            return 111;
        }
    };
    let fifos: Vec<String> = (1..=n).map(|k| format!("{}.{k}", base.display())).collect();
    let mut children: Vec<Option<Child>> = Vec::with_capacity(n);
    for (i, f) in fifos.iter().enumerate() {
        match spawn(&exe, f, i + 1, verbose, prewarm) {
            Ok(c) => children.push(Some(c)),
            Err(e) => {
                log(&format!("inlookup[{}]: fork: {e}", i + 1));
                children.push(None);
            }
        }
    }
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let sigs = crate::sys::take_signals();
        for sig in SIGS {
            if sigs & (1u64 << sig) != 0 {
                for c in children.iter().flatten() {
                    let _ = crate::sys::kill(c.id(), sig);
                }
            }
        }
        if sigs & (1u64 << libc::SIGTERM) != 0 {
            let t0 = Instant::now();
            for c in children.iter_mut().flatten() {
                while c.try_wait().ok().flatten().is_none()
                    && t0.elapsed() < Duration::from_secs(10)
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                let _ = c.kill();
                let _ = c.wait();
            }
            return 1;
        }
        for (i, slot) in children.iter_mut().enumerate() {
            let died = match slot {
                Some(c) => match c.try_wait() {
                    Ok(Some(st)) => {
                        match (st.code(), st.signal()) {
                            (Some(code), _) => log(&format!(
                                "inlookup[{}]: child [{}] died with status {code}",
                                i + 1,
                                c.id()
                            )),
                            (_, Some(sig)) => log(&format!(
                                "inlookup[{}]: child [{}] died with signal {sig}",
                                i + 1,
                                c.id()
                            )),
                            _ => {}
                        }
                        true
                    }
                    _ => false,
                },
                None => true,
            };
            if died {
                // do not spin if the child cannot start at all
                std::thread::sleep(Duration::from_millis(200));
                *slot = spawn(&exe, &fifos[i], i + 1, verbose, prewarm).ok();
            }
        }
    }
}
