//! vconvert: migrate a vpopmail installation (vpasswd files or cdbs, or its
//! MySQL tables; aliases and catch-alls) into IndiMail.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{ConnSpec, Db};
use crate::fail;
use crate::ops::vpopmail::{self, ConvertOptions, Progress, Source};

const USAGE: &str = "usage: vconvert [options] [domain ...]
options: -d dir       vpopmail directory (default ~vpopmail): read domains/*/vpasswd
                      (or vpasswd.cdb), .qmail-<alias> and .qmail-default
         -m conn      read vpopmail's MySQL tables instead: host:user:password[:port|socket]
         -D database  with -m: the vpopmail database (default vpopmail)
         -t table     with -m: the many-domains table (default vpopmail; per-domain
                      tables are read as well)
         -n           dry run: report what would be done, change nothing (also --dry-run)
         -M           do not copy the mail (also --no-mail)
         -b n         accounts per transaction (default 500)
         -v           verbose: list the notes of every domain";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::value('d', "dir", "the vpopmail directory (default: ~vpopmail)"),
    OptSpec::value(
        'm',
        "conn",
        "read vpopmail's MySQL tables: host:user:password[:port|socket]",
    ),
    OptSpec::value('D', "database", "with -m: the database (default vpopmail)"),
    OptSpec::value(
        't',
        "table",
        "with -m: the many-domains table (default vpopmail); per-domain tables are read too",
    ),
    OptSpec::flag('n', "dry run"),
    OptSpec::long_flag("dry-run", "report what would be done and change nothing"),
    OptSpec::flag('M', "do not copy the mail"),
    OptSpec::long_flag("no-mail", "do not copy the mail"),
    OptSpec::value('b', "n", "accounts per transaction (default 500)"),
];

pub const APPLET: Applet = Applet {
    name: "vconvert",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "migrate a vpopmail installation into IndiMail",
    synopsis: "[-v] [-n|--dry-run] [-M|--no-mail] [-d vpopmail_dir | -m conn [-D db] [-t table]] [domain ...]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(100, format!("vconvert: warning: {USAGE}"))
}

/// A bar on stderr when it is a terminal, nothing otherwise.
struct Bar(Option<indicatif::ProgressBar>);

impl Progress for Bar {
    fn start(&mut self, what: &str, len: u64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let b = indicatif::ProgressBar::with_draw_target(
            Some(len),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what} {{per_sec}} eta {{eta}}"
        )) {
            b.set_style(style);
        }
        self.0 = Some(b);
    }
    fn inc(&mut self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
    fn finish(&mut self) {
        if let Some(b) = self.0.take() {
            b.finish_and_clear();
        }
    }
}

fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    if p.has("d") && p.has("m") {
        return Err(usage());
    }
    if let Err(msg) = crate::ops::guard::caller_may_run("vconvert") {
        fail!(100, "{msg}");
    }
    let dry_run = p.has("n") || p.has("dry-run");
    let batch_size = match p.value("b") {
        Some(n) => match n.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => fail!(100, "vconvert: warning: invalid batch size [{n}]"),
        },
        None => 500,
    };
    let source = match p.value("m") {
        Some(conn) => {
            let mut spec = ConnSpec::parse(conn);
            spec.database = p.value("D").unwrap_or("vpopmail").to_string();
            Source::Mysql {
                spec,
                table: p.value("t").map(str::to_string),
            }
        }
        None => Source::Files(
            p.value("d")
                .map(PathBuf::from)
                .unwrap_or_else(vpopmail::default_vpopmail_dir),
        ),
    };
    let loaded = vpopmail::load(&source, &p.operands)?;
    let bad = vpopmail::check(&loaded);
    if !bad.is_empty() {
        let mut msg: Vec<String> = bad.iter().map(|b| format!("vconvert: {b}")).collect();
        msg.push(format!(
            "vconvert: {} problem(s) in the vpopmail data; nothing was changed",
            bad.len()
        ));
        return Err(AppletError::new(100, msg.join("\n")));
    }
    if loaded.accounts.is_empty() && loaded.aliases.is_empty() {
        fail!(1, "vconvert: no vpopmail domains found");
    }
    let cfg = ctx.cfg.clone();
    let mut db = Db::open(&cfg)?;
    let opts = ConvertOptions {
        dry_run,
        copy_mail: !(p.has("M") || p.has("no-mail")),
        batch_size,
    };
    let mut bar = Bar(None);
    let mut reports = vpopmail::convert(&cfg, &mut db, &loaded, &opts, &mut bar)?;
    drop(db);
    // the domains made here get vadddomain's post-handle hook (so services
    // learn about them), once the accounts and the mail are in
    if !dry_run {
        ctx.out.flush();
        for r in reports.iter_mut().filter(|r| r.created) {
            match crate::hooks::post_handle(&cfg, "vadddomain", std::slice::from_ref(&r.domain)) {
                Ok(0) => {}
                Ok(c) => r
                    .notes
                    .push(format!("vadddomain post-handle hook exited with {c}")),
                Err(e) => r.notes.push(e),
            }
        }
    }
    let would = if dry_run { "would be " } else { "" };
    let (mut users, mut added, mut files, mut bytes) = (0, 0, 0, 0);
    for r in &reports {
        let mut line = format!("{}: ", r.domain);
        if r.created {
            line.push_str(&format!("domain {would}created, "));
        }
        line.push_str(&format!(
            "{} accounts: {} {would}added, {} already present (kept)",
            r.accounts, r.added, r.existed
        ));
        if r.aliases > 0 {
            line.push_str(&format!(", {} alias lines {would}added", r.aliases));
        }
        if let Some(t) = &r.catch_all {
            line.push_str(&format!(", catch-all {would}set to {t}"));
        }
        if opts.copy_mail {
            line.push_str(&format!(
                ", {} mailboxes: {} files ({}) {would}copied",
                r.mailboxes,
                r.files,
                human(r.bytes)
            ));
        }
        ctx.out.line(&line);
        let show = if p.has("v") {
            r.notes.len()
        } else {
            r.notes.len().min(5)
        };
        for n in &r.notes[..show] {
            ctx.out.line(&format!("  note: {n}"));
        }
        if show < r.notes.len() {
            ctx.out.line(&format!(
                "  ... {} more notes (-v shows all)",
                r.notes.len() - show
            ));
        }
        users += r.accounts;
        added += r.added;
        files += r.files;
        bytes += r.bytes;
    }
    ctx.out.line(&format!(
        "total: {} domains, {users} accounts, {added} {would}added, {files} files ({}) {would}copied{}",
        reports.len(),
        human(bytes),
        if dry_run { "; nothing was changed (dry run)" } else { "" }
    ));
    Ok(0)
}
