//! 822headerok: exit 0 when the header is well formed (ends at a blank line or EOF), 100 if not.

use super::rfc822util::{applet, input, read_err};
use super::{Applet, Ctx};
use crate::cli::AppletResult;
use crate::rfc822::{is_blank, Line};

const P: &str = "822headerok";
pub const APPLET: Applet = applet(P, "check that a mail header is well formed", "", run);

fn run(_ctx: &mut Ctx, _args: &[String]) -> AppletResult {
    let mut rd = input();
    loop {
        if let Line::End(t) = rd.next_line().map_err(|e| read_err(P, e))? {
            return Ok(if t.is_empty() || is_blank(&t) { 0 } else { 100 });
        }
    }
}
