//! qmail-tcpok: forget every remote-host timeout, in every queue.

use std::io::{Seek, Write};

use super::qmail_tcpto::each_queue;
use super::{Applet, Ctx};
use crate::cli::{AppletError, AppletResult};
use crate::sys;

pub const APPLET: Applet = Applet {
    name: "qmail-tcpok",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "clear the remote-host timeout table",
    synopsis: "",
    options: &[],
    run,
};

fn run(_ctx: &mut Ctx, _args: &[String]) -> AppletResult {
    const P: &str = "qmail-tcpok";
    each_queue(P, |path| {
        let fatal = |what: &str, e: std::io::Error| {
            AppletError::new(
                111,
                format!("{P}: fatal: unable to {what} {}: {e}", path.display()),
            )
        };
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| fatal("open", e))?;
        sys::lock_exclusive(&f).map_err(|e| fatal("lock", e))?;
        let len = f.metadata().map_err(|e| fatal("stat", e))?.len();
        f.seek(std::io::SeekFrom::Start(0))
            .and_then(|_| f.write_all(&vec![0u8; len as usize]))
            .and_then(|()| f.sync_all())
            .map_err(|e| fatal("write", e))?;
        Ok(())
    })
}
