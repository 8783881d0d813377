//! 822fields: print the values of several fields, in header order.

use super::rfc822field::selector;
use super::rfc822util::{applet, flush, input, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::AppletResult;
use crate::rfc822::{name_matches, prefix_matches, read_fields, value};

const P: &str = "822fields";
pub const APPLET: Applet = applet(
    P,
    "print the values of several header fields",
    "[name|+prefix]...",
    run,
);

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let default = ["subject".to_string()];
    let args = if args.is_empty() { &default[..] } else { args };
    let sel: Vec<(&str, bool)> = args.iter().map(|a| selector(a)).collect();
    let mut rd = input();
    let mut out = output();
    let mut printed = false;
    let mut werr = Ok(());
    read_fields(&mut rd, |f| {
        for &(name, prefix) in &sel {
            let hit = if prefix {
                prefix_matches(f, name.as_bytes())
            } else {
                name_matches(f, name.as_bytes())
            };
            if hit {
                if werr.is_ok() {
                    let mut v = value(f, !prefix);
                    v.push(b'\n');
                    werr = put(P, &mut out, &v);
                }
                printed = true;
                break;
            }
        }
    })
    .map_err(|e| read_err(P, e))?;
    werr?;
    flush(P, &mut out)?;
    Ok(if printed { 0 } else { 100 })
}
