//! What the `822*` applets share: stdin/stdout plumbing with the original's
//! error messages and exit codes, the leap-second table check, and a
//! constructor for their applet entries (they take no options).

use std::io::{self, BufRead, BufReader, BufWriter, Stdin, Stdout, Write};

use super::Applet;
use crate::cli::{AppletError, AppletResult};
use crate::config::Config;
use crate::rfc822::Reader;

/// stdin as a header reader (large buffer: the body is copied in big chunks).
pub fn input() -> Reader<BufReader<Stdin>> {
    Reader::new(BufReader::with_capacity(256 * 1024, io::stdin()))
}

pub fn output() -> BufWriter<Stdout> {
    BufWriter::with_capacity(256 * 1024, io::stdout())
}

pub fn read_err(prog: &str, e: io::Error) -> AppletError {
    AppletError::new(111, format!("{prog}: fatal: unable to read input: {e}"))
}

pub fn write_err(prog: &str, e: io::Error) -> AppletError {
    AppletError::new(111, format!("{prog}: fatal: unable to write: {e}"))
}

/// Write `data`, mapping errors to the original's message.
pub fn put(prog: &str, w: &mut impl Write, data: &[u8]) -> Result<(), AppletError> {
    w.write_all(data).map_err(|e| write_err(prog, e))
}

pub fn flush(prog: &str, w: &mut impl Write) -> Result<(), AppletError> {
    w.flush().map_err(|e| write_err(prog, e))
}

/// Copy the rest of the input to `w` in the reader's chunks (constant memory).
pub fn copy_rest(prog: &str, r: &mut impl BufRead, w: &mut impl Write) -> Result<(), AppletError> {
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(prog, e)),
        };
        if buf.is_empty() {
            return Ok(());
        }
        let n = buf.len();
        w.write_all(buf).map_err(|e| write_err(prog, e))?;
        r.consume(n);
    }
}

/// `leapsecs_init()`: `<SYSCONFDIR>/leapsecs.dat` may be missing; any other
/// failure to read it is fatal (111). The table is checked, not applied:
/// times are POSIX times (see docs/COMPAT.md).
pub fn leapsecs_init(prog: &str) -> Result<(), AppletError> {
    let path = Config::from_env().sysconfdir.join("leapsecs.dat");
    match std::fs::read(&path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AppletError::new(
            111,
            format!("{prog}: fatal: unable to init leapsecs: {e}"),
        )),
    }
}

/// `ctime()` of `secs` in the local zone, without its newline (24 characters).
pub fn ctime24(secs: i64) -> String {
    let mut s = crate::sys::asctime_local(secs);
    s.pop();
    s
}

/// Exec/spawn failures: 111 when errno is temporary, otherwise 100.
pub fn exec_code(e: &io::Error) -> i32 {
    match e.raw_os_error() {
        Some(libc::EAGAIN | libc::ENOMEM | libc::ETXTBSY | libc::EIO | libc::ENFILE)
        | Some(libc::EMFILE | libc::EINTR | libc::ENOBUFS | libc::EBUSY) => 111,
        _ => 100,
    }
}

/// The applet entry of an `822*` tool (no options: arguments are operands).
pub const fn applet(
    name: &'static str,
    summary: &'static str,
    synopsis: &'static str,
    run: fn(&mut super::Ctx, &[String]) -> AppletResult,
) -> Applet {
    Applet {
        name,
        section: 1,
        setuid: false,
        dir: "bin",
        summary,
        synopsis,
        options: &[],
        run,
    }
}
