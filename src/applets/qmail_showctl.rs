//! qmail-showctl: show the mail system's configuration. Only the queue section (-q) so far.

use std::fmt::Write as _;
use std::path::Path;

use super::{Applet, Ctx};
use crate::cli::getopt::{self, OptSpec};
use crate::cli::{AppletError, AppletResult};
use crate::{fail, queue};

const P: &str = "qmail-showctl";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('a', "everything (not yet supported)"),
    OptSpec::flag('c', "control files (not yet supported)"),
    OptSpec::flag('C', "concurrency (not yet supported)"),
    OptSpec::flag('i', "internals (not yet supported)"),
    OptSpec::flag('q', "the queue directories"),
    OptSpec::flag('e', "unknown control files (not yet supported)"),
    OptSpec::flag('E', "the environment (not yet supported)"),
    OptSpec::flag('s', "svctool --dumpconfig (not yet supported)"),
    OptSpec::flag('v', "version files (not yet supported)"),
];

pub const APPLET: Applet = Applet {
    name: P,
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "show the mail system's configuration (queue section)",
    synopsis: "[-acCiqeEsv]",
    options: OPTIONS,
    run,
};

/// The `-q` section for queue base `base`.
pub fn show_queues(base: &Path) -> String {
    let mut o = String::from("--------------------- begin show queues ----------------------\n");
    let _ = writeln!(o, "subdirectory split      : {}", queue::split());
    let big = if queue::bigtodo() { "Yes" } else { "No" };
    let _ = writeln!(o, "big todo / big intd     : {big}");
    let _ = writeln!(o, "indimail-mta  queue base: {}\n", base.display());
    let mut main = 0;
    while base
        .join(format!("queue{}/lock/sendmutex", main + 1))
        .exists()
    {
        main += 1;
        if main == 1 {
            o += "main  queue directories\n";
        }
        let _ = writeln!(
            o,
            "queue {main:03} {}",
            base.join(format!("queue{main}")).display()
        );
    }
    let mut extra = false;
    for name in ["slowq", "nqueue", "qmta"] {
        if base.join(name).join("lock/sendmutex").exists() {
            if !extra {
                if main > 0 {
                    o.push('\n');
                }
                o += "extra queue directories\n";
                extra = true;
            }
            let _ = writeln!(o, "{name:<6} {}", base.join(name).display());
        }
    }
    o.push('\n');
    o
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = match getopt::parse(OPTIONS, args) {
        Ok(p) => p,
        Err(e) => fail!(100, "{}\nusage: {P} [-acCiqeEsv]", e.message(P)),
    };
    for c in ["a", "c", "C", "i", "e", "E", "s", "v"] {
        if p.has(c) {
            fail!(100, "{P}: -{c} is not supported yet (only -q)");
        }
    }
    // As the original: the caller's environment is dropped (HOME kept; also
    // SYSCONFDIR/CONTROLDIR, which locate a relocated installation), then the
    // defaultqueue envdirs are loaded.
    let keep = ["HOME", "SYSCONFDIR", "CONTROLDIR"];
    for (k, _) in std::env::vars_os() {
        if !keep.iter().any(|x| k == *x) {
            std::env::remove_var(&k);
        }
    }
    for w in queue::preload_environment(P).map_err(|m| AppletError::new(111, m))? {
        eprintln!("{w}");
    }
    let base = queue::queue_base().map_err(|e| {
        AppletError::new(111, format!("{P}: fatal: unable to read queue_base: {e}"))
    })?;
    if let Err(e) = std::fs::read_dir(&base) {
        fail!(
            111,
            "{P}: fatal: unable to switch to {}: {e}",
            base.display()
        );
    }
    ctx.out.put(&show_queues(&base));
    Ok(0)
}
