//! resetquota: rewrite the Maildir++ `maildirsize` of folders from a fresh count.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::mailstore::maildirsize::count_tree;
use crate::mailstore::remove::error_text;

const USAGE: &str = "usage: resetquota [options] directory(s)
       -v            ( verbose )
       -u user       ( username )
       -g group      ( group )
       -p perm       ( permission )
       -q quota_spec ( maildirquota quota_spec )";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::value('u', "user", "owner of the new maildirsize (and its group)"),
    OptSpec::value('g', "group", "group of the new maildirsize"),
    OptSpec::value('p', "perm", "permission, octal (default 0600)"),
    OptSpec::value(
        'q',
        "quota_spec",
        "the quota line (default: keep the file's first line)",
    ),
];

pub const APPLET: Applet = Applet {
    name: "resetquota",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "recalculate the maildirsize quota file of Maildir folders",
    synopsis: "[-v] [-u user] [-g group] [-p perm] [-q quota_spec] directory...",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, format!("resetquota: warning: {USAGE}"))
}

/// One folder: the quota line to keep, a fresh count, the file rewritten.
fn reset(
    dir: &str,
    quota: Option<&str>,
    owner: Option<(u32, u32)>,
    perms: u32,
) -> Result<String, String> {
    let file = Path::new(dir).join("maildirsize");
    let name = file.display();
    let quota = match quota {
        Some(q) => q.to_string(),
        None => {
            let first = crate::config::first_line(&file)
                .map_err(|e| format!("resetquota: open-read: {name}: {}", error_text(&e)))?
                .ok_or_else(|| format!("resetquota: open-read: {name}: file does not exist"))?;
            if first.is_empty() {
                return Err(format!("resetquota: incomplete line: {name}"));
            }
            first
        }
    };
    if quota.contains('\n') {
        return Err(format!("resetquota: {name}: quota_spec contains a newline"));
    }
    let usage = count_tree(Path::new(dir));
    // keep the owner of an existing file unless -u says otherwise (the original
    // rewrote the same inode)
    let owner = owner.or_else(|| std::fs::metadata(&file).ok().map(|m| (m.uid(), m.gid())));
    let text = format!("{quota}\n{} {}\n", usage.bytes, usage.count);
    crate::control::write_atomic(&file, text.as_bytes(), perms, owner)
        .map_err(|e| format!("resetquota: write: {e}"))?;
    Ok(text)
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    if p.operands.is_empty() {
        return Err(usage());
    }
    let mut owner: Option<(u32, u32)> = None;
    if let Some(u) = p.value("u") {
        match crate::sys::getpwnam(u) {
            Ok(Some(pw)) => owner = Some((pw.uid, pw.gid)),
            _ => return Err(AppletError::new(1, format!("{u}: failed to get user info"))),
        }
    }
    if let Some(g) = p.value("g") {
        let Some(gid) = crate::sys::getgrnam_gid(g) else {
            return Err(AppletError::new(
                1,
                format!("{g}: failed to get group info"),
            ));
        };
        // as the original: a group alone changes nothing (it needs -u)
        owner = owner.map(|(uid, _)| (uid, gid));
    }
    let perms = p
        .value("p")
        .map(|s| {
            s.bytes()
                .take_while(|b| (b'0'..=b'7').contains(b))
                .fold(0u32, |v, b| {
                    v.wrapping_mul(8).wrapping_add(u32::from(b - b'0'))
                })
        })
        .unwrap_or(0o600);
    let mut status = 0;
    for dir in &p.operands {
        match reset(dir, p.value("q"), owner, perms) {
            Ok(text) => ctx.out.put(&text),
            Err(msg) => {
                ctx.out.flush();
                eprintln!("{msg}");
                status = 255;
            }
        }
    }
    Ok(status)
}
