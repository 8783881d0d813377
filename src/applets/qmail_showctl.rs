//! qmail-showctl: show the mail system's configuration, section by section.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::config::Config;
use crate::ops::showctl::{self, Fail};
use crate::{fail, queue};

const P: &str = "qmail-showctl";

const USAGE: &str = "qmail-showctl: fatal: usage: qmail-showctl [-cCie]
      options:
        -v show version information for all entire indimail suite
        -c show control file information
        -C show concurrency limits for deliveries
        -i show internal information
        -q Display indimail-mta queues
        -s Dump entire indimail-mta configuration
        -e Display files that shouldn't be there
        -E Display default env variables set
        -a Do all of the above";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('a', "every section below except -s"),
    OptSpec::flag('c', "the control files and what each is set to"),
    OptSpec::flag('C', "the concurrency limits for deliveries"),
    OptSpec::flag(
        'i',
        "internals: directories, compiled-in constants, account ids",
    ),
    OptSpec::flag('q', "the queue directories"),
    OptSpec::flag(
        'e',
        "files in the control directory that nothing reads (on stderr)",
    ),
    OptSpec::flag('E', "the environment the mail programs get"),
    OptSpec::flag('s', "run svctool --dumpconfig instead"),
    OptSpec::flag('v', "the software version files (SYSCONFDIR/*-release)"),
];

pub const APPLET: Applet = Applet {
    name: P,
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "show the mail system's configuration",
    synopsis: "[-acCiqeEsv]",
    options: OPTIONS,
    run,
};

/// Variables kept when the environment is cleared: HOME (as the original) and
/// the ones that relocate an installation (the original's compiled-in paths).
const KEEP: &[&str] = &[
    "HOME",
    "SYSCONFDIR",
    "CONTROLDIR",
    "ASSIGNDIR",
    "DOMAINDIR",
    "INDIMAIL_PREFIX",
];

fn fatal(ctx: &mut Ctx, f: Fail) -> AppletResult {
    if f.on_stdout {
        ctx.out.put(&f.message);
        Ok(111)
    } else {
        Err(AppletError::new(111, f.message))
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || AppletError::new(100, USAGE))?;
    if p.has("s") {
        let svctool = ctx.cfg.sbin("svctool");
        let e = std::process::Command::new(&svctool)
            .arg0("svctool")
            .arg("--dumpconfig")
            .exec();
        fail!(111, "{P}: fatal: execv: svctool: {e}");
    }
    let all = p.has("a");
    let on = |c: &str| all || p.has(c);
    let (control, concurrency, mut internals, mut queues, errors, env, version) = (
        on("c"),
        on("C"),
        on("i"),
        on("q"),
        on("e"),
        on("E"),
        on("v"),
    );
    if !(control || concurrency || internals || queues || errors || env || version) {
        queues = true;
        internals = true;
    }
    if version {
        match showctl::versions(&ctx.cfg.sysconfdir) {
            Ok(s) => ctx.out.put(&s),
            Err(f) => return fatal(ctx, f),
        }
    }
    for (k, _) in std::env::vars_os() {
        if !KEEP.iter().any(|x| k == *x) {
            std::env::remove_var(&k);
        }
    }
    for w in queue::preload_environment(P).map_err(|m| AppletError::new(111, m))? {
        eprintln!("{w}");
    }
    let cfg = Config::from_env();
    if env {
        ctx.out.put(&showctl::environment());
    }
    if internals {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if let Some(h) = &home {
            if !h.is_dir() {
                return fatal(ctx, Fail::chdir(h));
            }
        }
        ctx.out.put(&showctl::internals(&cfg, home.as_deref()));
    }
    if queues {
        let base = queue::queue_base().map_err(|e| {
            AppletError::new(
                111,
                format!("{P}: fatal: Unable to read control file queue_base: {e}"),
            )
        })?;
        if let Err(e) = std::fs::read_dir(&base) {
            ctx.out.flush();
            fail!(
                111,
                "{P}: fatal: unable to switch to {}: {e}",
                base.display()
            );
        }
        ctx.out.put(&showctl::queues(&base));
    }
    if !cfg.controldir.is_dir() {
        return fatal(ctx, Fail::chdir(&cfg.controldir));
    }
    let entries = match showctl::control_entries(&cfg.controldir) {
        Ok(e) => e,
        Err(f) => return fatal(ctx, f),
    };
    if concurrency {
        match showctl::concurrency(&cfg, &entries) {
            Ok(s) => ctx.out.put(&s),
            Err(f) => return fatal(ctx, f),
        }
    }
    if control {
        match showctl::control(&cfg) {
            Ok(s) => ctx.out.put(&s),
            Err(f) => return fatal(ctx, f),
        }
    }
    if errors {
        match showctl::unknown_files(&cfg, &entries) {
            Ok(s) => {
                ctx.out.flush();
                eprint!("{s}");
            }
            Err(f) => return fatal(ctx, f),
        }
    }
    Ok(0)
}
