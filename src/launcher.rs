/*!
Dispatch for the multi-call binary and the launcher's own verbs:
`indimail --list`, `indimail --version`, `indimail install-links DIR [--force]`
and `indimail <applet> args...`.

When the binary runs setuid (real uid ≠ effective uid) it serves only the
applets the original installs setuid-root and refuses the others, so the
setuid copy can never run, say, an applet that would trust its caller.
*/

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::applets::{self, Ctx, TABLE};
use crate::cli::Out;
use crate::config::Config;

/// The launcher answers to `indimail` and any `indimail-*`/`indimail.*` name
/// (the setuid copy `indimail-suid`, renamed builds); applets never start so.
fn is_launcher(name: &str) -> bool {
    name == "indimail" || name.starts_with("indimail-") || name.starts_with("indimail.")
}

fn basename(arg0: &OsString) -> String {
    let p = Path::new(arg0);
    let name = p
        .file_name()
        .map(|n| n.as_bytes())
        .unwrap_or(arg0.as_bytes());
    String::from_utf8_lossy(name)
        .trim_start_matches('-')
        .to_string()
}

pub fn main(args: Vec<OsString>) -> i32 {
    let name = args.first().map(basename).unwrap_or_default();
    if is_launcher(&name) {
        launcher(&args[1.min(args.len())..])
    } else {
        run_applet(&name, &args[1.min(args.len())..])
    }
}

fn known_applets() -> String {
    TABLE.iter().map(|a| a.name).collect::<Vec<_>>().join(" ")
}

fn launcher(args: &[OsString]) -> i32 {
    let first = args.first().map(|a| a.to_string_lossy().into_owned());
    match first.as_deref() {
        None | Some("--help") | Some("-h") => {
            Out::new().line(&format!(
                "indimail {} - IndiMail virtual-domain administration toolkit (multi-call binary)\n\n\
                 usage: indimail <applet> [arguments]   (or call the applet through a link named after it)\n       \
                 indimail --list | --version | install-links DIR [--force]\n\napplets: {}",
                env!("CARGO_PKG_VERSION"),
                known_applets()
            ));
            0
        }
        Some("--list") => {
            let mut out = Out::new();
            for a in TABLE {
                out.line(a.name);
            }
            0
        }
        Some("--list-table") => {
            // For packaging scripts: name, install dir, setuid flag, man section.
            let mut out = Out::new();
            for a in TABLE {
                out.line(&format!(
                    "{} {} {} {}",
                    a.name,
                    a.dir,
                    u8::from(a.setuid),
                    a.section
                ));
            }
            0
        }
        Some("--version") => {
            Out::new().line(&applets::indiversion::version_line("indimail"));
            0
        }
        Some("install-links") => install_links(&args[1..]),
        // plugtest's child process, which loads the plugins (see plugin::run).
        Some("--plugtest-child") => crate::plugin::child_main(),
        Some("--generate") => match args.get(1) {
            Some(dir) => match crate::docgen::generate(Path::new(dir)) {
                Ok(n) => {
                    Out::new().line(&format!(
                        "indimail: wrote {n} files under {}",
                        dir.to_string_lossy()
                    ));
                    0
                }
                Err(e) => {
                    eprintln!("indimail: --generate: {e}");
                    111
                }
            },
            None => {
                eprintln!("usage: indimail --generate DIR   (writes DIR/man and DIR/completions)");
                100
            }
        },
        Some(name) => run_applet(name, &args[1..]),
    }
}

/// Run one applet with its arguments; the process exit status.
pub fn run_applet(name: &str, args: &[OsString]) -> i32 {
    let Some(applet) = applets::find(name) else {
        eprintln!(
            "indimail: {name}: applet not found\nknown applets: {}",
            known_applets()
        );
        return 100;
    };
    if crate::sys::running_setuid() && !applet.setuid {
        eprintln!("{name}: not a setuid applet: refusing to run with raised privileges");
        return 100;
    }
    if args.len() == 1 && args[0] == "--version" {
        Out::new().line(&applets::indiversion::version_line(applet.name));
        return 0;
    }
    let mut strings = Vec::with_capacity(args.len());
    for a in args {
        match a.to_str() {
            Some(s) => strings.push(s.to_string()),
            None => {
                eprintln!(
                    "{name}: argument is not valid UTF-8: {}",
                    a.to_string_lossy()
                );
                return 100;
            }
        }
    }
    let mut ctx = Ctx {
        cfg: Config::from_env(),
        name: applet.name,
        out: Out::new(),
    };
    let result = (applet.run)(&mut ctx, &strings);
    ctx.out.flush();
    match result {
        Ok(code) => code,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{}", e.message);
            }
            e.code
        }
    }
}

/// `install-links DIR [--force]`: a symlink per applet to this executable.
fn install_links(args: &[OsString]) -> i32 {
    let mut force = false;
    let mut dir: Option<PathBuf> = None;
    for a in args {
        if a == "--force" || a == "-f" {
            force = true;
        } else if dir.is_none() {
            dir = Some(PathBuf::from(a));
        } else {
            eprintln!(
                "indimail: install-links: unexpected argument {}",
                a.to_string_lossy()
            );
            return 100;
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: indimail install-links DIR [--force]");
        return 100;
    };
    let cfg = Config::from_env();
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if canon(&dir) == canon(&cfg.libexecdir) || dir.ends_with("libexec/indimail") {
        eprintln!(
            "indimail: install-links: refusing {}: the post-handle hooks live there and a link would make each applet run itself",
            dir.display()
        );
        return 100;
    }
    let target = match std::env::current_exe() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("indimail: install-links: cannot find this executable: {e}");
            return 111;
        }
    };
    let mut status = 0;
    for a in TABLE {
        let link = dir.join(a.name);
        match std::fs::symlink_metadata(&link) {
            Ok(m) if m.file_type().is_symlink() => {
                if std::fs::read_link(&link).ok().as_deref() == Some(target.as_path()) {
                    continue;
                }
                if let Err(e) = std::fs::remove_file(&link) {
                    eprintln!("indimail: install-links: {}: {e}", link.display());
                    status = 111;
                    continue;
                }
            }
            Ok(_) if !force => {
                eprintln!(
                    "indimail: install-links: {} exists and is not a link (use --force to replace it)",
                    link.display()
                );
                status = 100;
                continue;
            }
            Ok(_) => {
                if let Err(e) = std::fs::remove_file(&link) {
                    eprintln!("indimail: install-links: {}: {e}", link.display());
                    status = 111;
                    continue;
                }
            }
            Err(_) => {}
        }
        if let Err(e) = std::os::unix::fs::symlink(&target, &link) {
            eprintln!("indimail: install-links: {}: {e}", link.display());
            status = 111;
        }
    }
    status
}
