//! 822date: print the date of a field (default Date) in its zone, in UTC and in local time.

use super::rfc822util::{applet, flush, input, leapsecs_init, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::AppletResult;
use crate::rfc822::{date, name_matches, read_fields, value};

const P: &str = "822date";
pub const APPLET: Applet = applet(P, "print the date in a header field", "[name]", run);

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    leapsecs_init(P)?;
    let name = args.first().map_or("date", |s| s.as_str());
    let mut rd = input();
    let mut when = None;
    read_fields(&mut rd, |f| {
        if name_matches(f, name.as_bytes()) {
            // the last field that parses wins
            if let Some(w) = date::parse(&value(f, true)) {
                when = Some(w);
            }
        }
    })
    .map_err(|e| read_err(P, e))?;
    let Some(w) = when else { return Ok(100) };
    let mut out = output();
    let text = format!(
        "{}\n{}\n{}",
        date::fmt_zone(w.secs, w.offset),
        date::fmt_zone(w.secs, 0),
        crate::sys::asctime_local(w.secs)
    );
    put(P, &mut out, text.as_bytes())?;
    flush(P, &mut out)?;
    Ok(0)
}
