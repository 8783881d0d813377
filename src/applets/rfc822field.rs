//! 822field: print the value of every field with one name (`+name`: every field whose name starts so).

use super::rfc822util::{applet, flush, input, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::AppletResult;
use crate::rfc822::{name_matches, prefix_matches, read_fields, value};

const P: &str = "822field";
pub const APPLET: Applet = applet(
    P,
    "print the values of a header field",
    "[name|+prefix]",
    run,
);

/// `name` or `+prefix` (a bare `+` is the prefix `subject`): (name, prefix mode).
pub fn selector(arg: &str) -> (&str, bool) {
    match arg.strip_prefix('+') {
        Some("") => ("subject", true),
        Some(n) => (n, true),
        None => (arg, false),
    }
}

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let (name, prefix) = selector(args.first().map_or("subject", |s| s.as_str()));
    let mut rd = input();
    let mut out = output();
    let mut matched = false;
    let mut werr = Ok(());
    read_fields(&mut rd, |f| {
        let hit = if prefix {
            prefix_matches(f, name.as_bytes())
        } else {
            name_matches(f, name.as_bytes())
        };
        if hit && werr.is_ok() {
            matched = true;
            let mut v = value(f, !prefix);
            v.push(b'\n');
            werr = put(P, &mut out, &v);
        }
    })
    .map_err(|e| read_err(P, e))?;
    werr?;
    flush(P, &mut out)?;
    // the original exits 0 in prefix mode whatever matched
    Ok(if matched || prefix { 0 } else { 100 })
}
