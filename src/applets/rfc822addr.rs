//! 822addr: print the addresses of some fields (default To and Cc) as NUL-terminated records.

use super::rfc822util::{applet, flush, input, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::AppletResult;
use crate::rfc822::{addr::addrlist, name_matches, read_fields, value};

const P: &str = "822addr";
pub const APPLET: Applet = applet(P, "print the addresses in header fields", "[field]...", run);

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let default = ["to".to_string(), "cc".to_string()];
    let names = if args.is_empty() { &default[..] } else { args };
    let mut rd = input();
    let mut out = output();
    let mut matched = false;
    let mut werr = Ok(());
    read_fields(&mut rd, |f| {
        if names.iter().any(|n| name_matches(f, n.as_bytes())) {
            matched = true;
            if werr.is_ok() {
                werr = put(P, &mut out, &addrlist(&value(f, true)));
            }
        }
    })
    .map_err(|e| read_err(P, e))?;
    werr?;
    flush(P, &mut out)?;
    Ok(if matched { 0 } else { 100 })
}
