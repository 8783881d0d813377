//! 822bodyfilter: print the header, then run a program on the body (stdin must be seekable).

use std::os::unix::process::CommandExt;
use std::process::Command;

use super::rfc822util::{applet, exec_code, flush, input, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::{AppletError, AppletResult};
use crate::rfc822::{is_blank, Line};
use crate::{fail, sys};

const P: &str = "822bodyfilter";
pub const APPLET: Applet = applet(
    P,
    "run a program on the body of a mail message",
    "program [arg ...]",
    run,
);

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let Some(prog) = args.first() else {
        fail!(
            100,
            "822bodyfilter: usage: 822bodyfilter program [ arg ... ]"
        );
    };
    let start = sys::stdin_offset()
        .map_err(|e| AppletError::new(111, format!("{P}: fatal: unable to seek input: {e}")))?;
    let mut rd = input();
    let mut out = output();
    let body = loop {
        match rd.next_line().map_err(|e| read_err(P, e))? {
            Line::Field(l) | Line::Cont(l) => put(P, &mut out, &l)?,
            Line::End(t) => {
                // a blank separator stays with the header; a nonblank line starts the body
                if is_blank(&t) {
                    put(P, &mut out, &t)?;
                    break start + rd.consumed();
                }
                break start + rd.consumed() - t.len() as u64;
            }
        }
    };
    flush(P, &mut out)?;
    drop(out);
    sys::stdin_seek(body)
        .map_err(|e| AppletError::new(111, format!("{P}: fatal: unable to seek input: {e}")))?;
    let e = Command::new(prog).args(&args[1..]).exec();
    Err(AppletError::new(
        exec_code(&e),
        format!("{P}: fatal: exec failed: {prog}: {e}"),
    ))
}
