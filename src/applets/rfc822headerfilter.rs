//! 822headerfilter: run a program on the header; if it succeeds, the body follows its output.

use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use super::rfc822util::{applet, copy_rest, exec_code, flush, input, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::{AppletError, AppletResult};
use crate::fail;
use crate::rfc822::Line;

const P: &str = "822headerfilter";
pub const APPLET: Applet = applet(
    P,
    "run a program on the header of a mail message",
    "program [arg ...]",
    run,
);

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let Some(prog) = args.first() else {
        fail!(
            100,
            "822headerfilter: usage: 822headerfilter program [ arg ... ]"
        );
    };
    let mut child = Command::new(prog)
        .args(&args[1..])
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| {
            AppletError::new(
                exec_code(&e),
                format!("{P}: fatal: exec failed: {prog}: {e}"),
            )
        })?;
    let mut pipe = Some(io::BufWriter::with_capacity(
        64 * 1024,
        child.stdin.take().unwrap(),
    ));
    let mut rd = input();
    let term = loop {
        match rd.next_line().map_err(|e| read_err(P, e))? {
            Line::Field(l) | Line::Cont(l) => {
                if let Some(w) = pipe.as_mut() {
                    match w.write_all(&l) {
                        Ok(()) => {}
                        // the program stopped reading: keep reading the header, send no more
                        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => pipe = None,
                        Err(e) => fail!(111, "{P}: fatal: unable to write to pipe: {e}"),
                    }
                }
            }
            Line::End(t) => break t,
        }
    };
    if let Some(mut w) = pipe.take() {
        match w.flush() {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            Err(e) => fail!(111, "{P}: fatal: unable to write to pipe: {e}"),
        }
    }
    let status = child
        .wait()
        .map_err(|e| AppletError::new(111, format!("{P}: fatal: unable to wait for child: {e}")))?;
    if status.signal().is_some() {
        fail!(111, "{P}: fatal: child crashed");
    }
    match status.code() {
        Some(0) => {}
        Some(c) => return Ok(c),
        None => fail!(111, "{P}: fatal: child crashed"),
    }
    let mut out = output();
    put(P, &mut out, &term)?;
    copy_rest(P, &mut rd.into_inner(), &mut out)?;
    flush(P, &mut out)?;
    Ok(0)
}
