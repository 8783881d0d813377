//! inlookup: the query server behind inquery() (FIFO transport).

use std::path::PathBuf;

use super::{Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::config::env_or;
use crate::inlookup::Server;
use crate::inquery::client::base_infifo;

const USAGE: &str = "USAGE: inlookup [-f infifo] [-i instance] [-c activeSecs] [-v]";

const OPTIONS: &[OptSpec] = &[
    OptSpec::value('f', "infifo", "FIFO name or path (overrides INFIFO)"),
    OptSpec::value('i', "instance", "number of server processes"),
    OptSpec::value(
        'c',
        "activeSecs",
        "pre-warm the cache with users active in the last activeSecs seconds",
    ),
    OptSpec::flag('v', "log every query"),
];

pub const APPLET: Applet = Applet {
    name: "inlookup",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "answer inquery() lookups from MySQL over a FIFO",
    synopsis: "[-f infifo] [-i instance] [-c activeSecs] [-v]",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, USAGE)
}

/// The original's hand-rolled parser: `-v` alone, `-f`/`-i`/`-c` take the next argument.
fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let (mut fifo, mut instances, mut verbose) = (None::<String>, 1u32, false);
    let mut prewarm = None::<i64>;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-v" => verbose = true,
            "-f" | "-i" | "-c" => {
                let Some(v) = it.next() else {
                    return Err(usage());
                };
                match a.as_str() {
                    "-f" => fifo = Some(v.clone()),
                    "-i" => instances = v.trim().parse().map_err(|_| usage())?,
                    _ => prewarm = Some(v.trim().parse().map_err(|_| usage())?),
                }
            }
            _ => return Err(usage()),
        }
    }
    if std::env::var_os("TCPREMOTEIP").is_some() {
        // one-shot under tcpserver: the request on fd 0, the reply on fd 1
        ctx.out.flush();
        let code = crate::inlookup::serve_stream(
            &ctx.cfg,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
        );
        return Ok(code);
    }
    let name = fifo.unwrap_or_else(|| env_or("INFIFO", "infifo"));
    let (path, _) = base_infifo(Some(&name));
    if instances > 1 {
        ctx.out.flush();
        return Ok(crate::inlookup::supervise::supervise(
            &path,
            instances as usize,
            verbose,
            prewarm,
        ));
    }
    let mut reply_dir = env_or("FIFOTMPDIR", "/tmp/");
    if reply_dir.is_empty() {
        reply_dir = "/tmp/".into();
    }
    let mut server = Server::new(ctx.cfg.clone(), path, PathBuf::from(reply_dir), verbose);
    server.prewarm = prewarm;
    ctx.out.flush();
    Ok(server.run())
}
