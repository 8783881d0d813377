//! vbulk: add many users from a CSV or JSON-lines file (this project's addition).

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{stdout_is_tty, AppletError, AppletResult};
use crate::db::Db;
use crate::ops::bulk::{self, Format, Options};
use crate::{hooks, sys};

const USAGE: &str = "usage: vbulk [options] file
options
  -d              - Create the homedir and Maildir of every user
  -h hash         - use one of DES, MD5, SHA256, SHA512, YESCRYPT, hash method
  -e              - the second field is an encrypted password (crypt hash)
  --format fmt    - csv (email,password[,quota[,gecos]]) or jsonl; default from the file name
  --batch-size n  - users per transaction (default 500)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('d', "create the home directory and Maildir of every user"),
    OptSpec::value(
        'h',
        "hash",
        "hash method: DES, MD5, SHA-256, SHA-512, YESCRYPT",
    ),
    OptSpec::flag('e', "the second field is already encrypted"),
    OptSpec::long_value(
        "format",
        "FMT",
        "csv or jsonl (default: from the file name)",
    ),
    OptSpec::long_value("batch-size", "N", "users per transaction (default 500)"),
];

pub const APPLET: Applet = Applet {
    name: "vbulk",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "add many users to virtual domains from a CSV or JSON-lines file",
    synopsis: "[options] file",
    options: OPTIONS,
    run,
};

fn usage(msg: &str) -> AppletError {
    AppletError::new(100, format!("vbulk: warning: {msg}{USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage(""))?;
    let hash = super::vadduser::hash_option("vbulk", p.value("h"), USAGE)?;
    let Some(file) = p.operands.first() else {
        return Err(usage("Please input file\n"));
    };
    let format = match p.value("format") {
        Some(f) => Format::parse(f).ok_or_else(|| usage(&format!("unknown format [{f}]\n")))?,
        None => Format::from_name(file),
    };
    let batch_size = match p.value("batch-size") {
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| usage(&format!("invalid batch size [{n}]\n")))?,
        None => 500,
    };
    let text = if file == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(file)
    }
    .map_err(|e| AppletError::new(111, format!("vbulk: {file}: {e}")))?;
    let opts = Options {
        create_home: p.has("d"),
        encrypted: p.has("e"),
        hash,
        batch_size,
    };

    let cfg = ctx.cfg.clone();
    let mut db = Db::open(&cfg)?;
    let (records, mut bad) = bulk::parse(&text, format);
    let plan = match bulk::validate(&cfg, &mut db, records, &opts) {
        Ok(plan) if bad.is_empty() => plan,
        Ok(_) => {
            bad.sort_by_key(|b| b.line);
            return Err(bad_lines(file, &bad));
        }
        Err(more) => {
            bad.extend(more);
            bad.sort_by_key(|b| b.line);
            return Err(bad_lines(file, &bad));
        }
    };
    // Files are created as the domains' user when every domain has the same one, as vadduser does.
    let owners: std::collections::HashSet<_> = plan
        .domains
        .iter()
        .map(|d| (d.dom.uid, d.dom.gid))
        .collect();
    if let (1, Some(&(uid, gid)), 0) = (owners.len(), owners.iter().next(), sys::geteuid()) {
        sys::switch_to(uid, gid).map_err(|e| {
            AppletError::new(1, format!("vbulk: setuser_privileges: ({uid}/{gid}): {e}"))
        })?;
    }
    let bar = stdout_is_tty().then(|| {
        let b = indicatif::ProgressBar::with_draw_target(
            Some(plan.users.len() as u64),
            indicatif::ProgressDrawTarget::stdout(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} users {per_sec} eta {eta}",
        ) {
            b.set_style(style);
        }
        b
    });
    let result = bulk::provision(&cfg, &mut db, &plan, &opts, &mut |n| {
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = result.map_err(|e| AppletError::new(e.code, format!("vbulk: {}", e.message)))?;
    drop(db);
    ctx.out.line(&format!(
        "{} users added, {} already existed (skipped)",
        report.added, report.existing
    ));
    ctx.out.flush();
    hooks::post_handle(&cfg, APPLET.name, std::slice::from_ref(file))
        .map_err(|e| AppletError::new(111, e))
}

fn bad_lines(file: &str, bad: &[bulk::BadLine]) -> AppletError {
    let mut msg: Vec<String> = bad
        .iter()
        .map(|b| format!("vbulk: {file}:{}: {}", b.line, b.message))
        .collect();
    msg.push(format!(
        "vbulk: {} bad line(s) in {file}; nothing was written",
        bad.len()
    ));
    AppletError::new(100, msg.join("\n"))
}
