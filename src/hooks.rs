/*!
Post-handle hooks: after a successful change the original runs
`$POST_HANDLE <args>` or, when that is unset, `LIBEXECDIR/<applet> <args>` if
that file exists, and the hook's exit status becomes the command's. The hook
runs without a shell (its command line is split on white space only, as the
original's `runcmmd` does).

The hook is named after the applet's canonical name, never after the
launcher (`indimail vadduser` runs `LIBEXECDIR/vadduser`).
*/

use std::path::PathBuf;
use std::process::Command;

use crate::config::Config;

/// What would run: program and leading arguments.
pub fn hook_command(cfg: &Config, applet: &str) -> Option<(PathBuf, Vec<String>)> {
    if let Ok(ph) = std::env::var("POST_HANDLE") {
        let mut words = ph.split_whitespace().map(str::to_string);
        let prog = words.next()?;
        return Some((PathBuf::from(prog), words.collect()));
    }
    let path = cfg.libexecdir.join(applet);
    path.is_file().then(|| (path, Vec::new()))
}

/// Run the hook (if any) with `args`; its exit status, or 0 when there is none.
/// Our own buffered output must be flushed by the caller first so that the
/// hook's output follows it.
pub fn post_handle(cfg: &Config, applet: &str, args: &[String]) -> Result<i32, String> {
    let Some((prog, lead)) = hook_command(cfg, applet) else {
        return Ok(0);
    };
    let status = Command::new(&prog)
        .args(lead)
        .args(args)
        .status()
        .map_err(|e| format!("{applet}: post handle {}: {e}", prog.display()))?;
    Ok(match status.code() {
        Some(c) => c,
        None => {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        }
    })
}
