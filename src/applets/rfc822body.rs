//! 822body: print the body of a mail message (everything after the header).

use super::rfc822util::{applet, copy_rest, flush, input, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::AppletResult;
use crate::rfc822::{is_blank, Line};

const P: &str = "822body";
pub const APPLET: Applet = applet(P, "print the body of a mail message", "", run);

fn run(_ctx: &mut Ctx, _args: &[String]) -> AppletResult {
    let mut rd = input();
    let mut out = output();
    loop {
        if let Line::End(t) = rd.next_line().map_err(|e| read_err(P, e))? {
            if !is_blank(&t) {
                put(P, &mut out, &t)?;
            }
            break;
        }
    }
    copy_rest(P, &mut rd.into_inner(), &mut out)?;
    flush(P, &mut out)?;
    Ok(0)
}
