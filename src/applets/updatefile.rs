//! updatefile: add, remove or show lines of a control file (used by scripts and indisrvr).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::control;
use crate::mailstore::remove::error_text;

const USAGE: &str = "USAGE: updatefile [-s] [-a] [-u updateline] [-d deleteline] -m mode filename
-s Display File
-u updateline - Update File with updateline
-d deleteline - Delete line deleteline (first match)
-a Delete all matching Lines
-m mode       - Set permission on file";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('s', "display the file"),
    OptSpec::flag('a', "with -d: delete every matching line"),
    OptSpec::value('u', "updateline", "add this line unless it is present"),
    OptSpec::value('d', "deleteline", "delete this line (the first match)"),
    OptSpec::value('m', "mode", "permission of the file, octal (default 0644)"),
];

pub const APPLET: Applet = Applet {
    name: "updatefile",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "add, delete or show lines of a control file",
    synopsis: "[-s] [-a] [-u updateline] [-d deleteline] [-m mode] filename",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    // "udpatefile" is the original's spelling
    AppletError::new(1, format!("udpatefile: warning: {USAGE}"))
}

/// qmail `scan_8long`: leading octal digits, 0 when none.
fn scan_8long(s: &str) -> u32 {
    s.bytes()
        .take_while(|b| (b'0'..=b'7').contains(b))
        .fold(0u32, |v, b| {
            v.wrapping_mul(8).wrapping_add(u32::from(b - b'0'))
        })
}

fn set_mode(path: &Path, mode: u32) -> Result<(), AppletError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7777)).map_err(|e| {
        AppletError::new(
            1,
            format!("update_file: chmod: {}: {}", path.display(), error_text(&e)),
        )
    })
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let mode = p.value("m").map(scan_8long).unwrap_or(0o644);
    let Some(file) = p.operands.first() else {
        return Err(usage());
    };
    if mode == 0 {
        return Err(usage());
    }
    let path = Path::new(file);
    if let Some(line) = p.value("d") {
        if let Err(e) = std::fs::metadata(path) {
            return Err(AppletError::new(
                1,
                format!("remove_line: stat: {file}: {}", error_text(&e)),
            ));
        }
        let limit = if p.has("a") { usize::MAX } else { 1 };
        control::remove_lines(path, line, limit)
            .map_err(|e| AppletError::new(1, format!("remove_line: {e}")))?;
        set_mode(path, mode)?;
    }
    if let Some(line) = p.value("u") {
        // a new file belongs to the indimail user, as in the original
        let owner = if crate::sys::geteuid() == 0 {
            ctx.cfg.indimail_ids().ok()
        } else {
            None
        };
        control::add_line(path, line, mode, owner)
            .map_err(|e| AppletError::new(1, format!("update_file: {e}")))?;
        set_mode(path, mode)?;
    }
    if p.has("s") {
        let data = std::fs::read(path).map_err(|e| {
            AppletError::new(111, format!("updatefile: open: {file}: {}", error_text(&e)))
        })?;
        ctx.out.flush();
        let mut out = std::io::stdout().lock();
        out.write_all(&data)
            .and_then(|()| out.flush())
            .map_err(|e| {
                AppletError::new(
                    111,
                    format!("udpatefile: unable to write to stdout: {}", error_text(&e)),
                )
            })?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn octal_modes() {
        assert_eq!(super::scan_8long("0640"), 0o640);
        assert_eq!(super::scan_8long("755"), 0o755);
        assert_eq!(super::scan_8long("9"), 0);
    }
}
