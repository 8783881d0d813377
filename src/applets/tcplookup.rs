//! tcplookup: relay one query from a TCP client (fds 0/1 under tcpserver) to the local
//! inlookup FIFO and copy the reply back.

use std::io::{Read, Write};

use super::{Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::inquery::client::{fifo_query, select_infifo, InqueryError};
use crate::inquery::codec::{check_request_len, error_reply, valid_type, Request, TCP_MAX_BODY};

const USAGE: &str = "usage: tcplookup [-v]";

const OPTIONS: &[OptSpec] = &[OptSpec::flag('v', "log each query on stderr")];

pub const APPLET: Applet = Applet {
    name: "tcplookup",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "relay an inlookup query from TCP to the local inlookup FIFO",
    synopsis: "[-v]",
    options: OPTIONS,
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let mut verbose = false;
    for a in args {
        match a.as_str() {
            "-v" => verbose = true,
            _ => return Err(AppletError::new(100, USAGE)),
        }
    }
    ctx.out.flush();
    let mut input = std::io::stdin().lock();
    let mut word = [0u8; 4];
    if input.read_exact(&mut word).is_err() {
        return Err(AppletError::new(111, "tcplookup: read: short request"));
    }
    let n = i32::from_ne_bytes(word);
    let len = check_request_len(n, TCP_MAX_BODY).map_err(|_| {
        AppletError::new(111, format!("tcplookup: bytes {n}: invalid request length"))
    })?;
    let mut body = vec![0u8; len];
    if input.read_exact(&mut body).is_err() {
        return Err(AppletError::new(111, "tcplookup: read: short request"));
    }
    let req = Request::decode_body(&body)
        .map_err(|e| AppletError::new(111, format!("tcplookup: malformed request: {e}")))?;
    let infifo = select_infifo(None);
    if verbose {
        eprintln!(
            "tcplookup: type {} user {} -> {}",
            req.qtype,
            req.email_lossy(),
            infifo.display()
        );
    }
    let bytes = if !valid_type(req.qtype) {
        error_reply()
    } else {
        let email = String::from_utf8_lossy(&req.email).into_owned();
        let ip = String::from_utf8_lossy(&req.ip).into_owned();
        match fifo_query(&ctx.cfg, &infifo, req.qtype, &email, &ip, None) {
            Ok(reply) => reply.encode(),
            // the original wrote errno as the reply word on a failed exchange
            Err(InqueryError::Io(e)) => {
                e.raw_os_error().unwrap_or(libc::EIO).to_ne_bytes().to_vec()
            }
            Err(_) => error_reply(),
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)
        .and_then(|_| out.flush())
        .map_err(|e| AppletError::new(111, format!("tcplookup: write: {e}")))?;
    Ok(0)
}
