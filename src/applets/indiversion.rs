//! indiversion: the toolkit's version and the features of this build.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};

const OPTIONS: &[OptSpec] = &[OptSpec::long_flag("json", "print one JSON object")];

pub const APPLET: Applet = Applet {
    name: "indiversion",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "show the version and build features of the toolkit",
    synopsis: "[--json]",
    options: OPTIONS,
    run,
};

/// What this build can do, for `indiversion` and every applet's `--version`.
pub const FEATURES: &[&str] = &[
    "mysql",
    "mysql-tls",
    "crypt:DES,MD5,SHA-256,SHA-512,YESCRYPT",
    "valias",
    "vfilter",
    "domain-limits",
    "auth-logging",
    "maildir-quota",
    "hard-quota=524288000",
];

pub fn version_line(name: &str) -> String {
    format!(
        "{name} (indimail-rs) {}\nfeatures: {}",
        env!("CARGO_PKG_VERSION"),
        FEATURES.join(" ")
    )
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || {
        AppletError::new(100, "usage: indiversion [--json]")
    })?;
    if p.has("json") {
        let v = serde_json::json!({"name": "indimail-rs", "version": env!("CARGO_PKG_VERSION"), "features": FEATURES});
        ctx.out.line(&v.to_string());
    } else {
        ctx.out.line(&version_line("indimail"));
    }
    Ok(0)
}
