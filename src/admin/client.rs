//! adminclient's side of the conversation (servers.md 2.6), with the fixes of Part 4: the
//! status is only the `RETURNSTATUS<n>` trailer at the very end of the stream (output containing
//! the word cannot fake it), and a `command mismatch` answer (nothing was run) is retried once
//! with the other command table's index.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use super::commands;
use super::conn::{Conn, Sock};
use super::wire;

pub struct Options {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// `-i`: copy stdin to the command.
    pub stdin: bool,
    pub verbose: bool,
    /// `TIMEOUTDATA`: every read of the login conversation.
    pub timeout: Duration,
    /// `TIMEOUTCONN`: connect and TLS handshake.
    pub connect_timeout: Duration,
}

/// Why the client gave up.
#[derive(Debug)]
pub enum Error {
    /// The command is in neither table: `invalid or unauthorized command`.
    Invalid,
    /// Login refused (the server's text) or failed.
    Auth(String),
    Io(String),
}

const MISMATCH: &[u8] = b"indisrvr: command mismatch";
const HOLD: usize = 24;

fn io_err(what: &str, e: io::Error) -> Error {
    Error::Io(format!("{what}: {e}"))
}

fn connect(o: &Options) -> Result<Conn, Error> {
    let addrs = crate::nss::socket_addrs(&o.host, o.port)
        .map_err(|e| io_err(&format!("{}@{}", o.host, o.port), e))?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, o.connect_timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                let _ = s.set_write_timeout(Some(o.timeout));
                let conn = match &o.tls {
                    Some(cfg) => Conn::client_tls(Sock::Tcp(s), Arc::clone(cfg), &o.host)
                        .map_err(|e| io_err("tls", e))?,
                    None => Conn::plain(Sock::Tcp(s)),
                };
                conn.handshake(o.connect_timeout)
                    .map_err(|e| io_err("TLS handshake", e))?;
                return Ok(conn);
            }
            Err(e) => last = e,
        }
    }
    Err(io_err(&format!("connect {}@{}", o.host, o.port), last))
}

/// Read until `want` has been seen (its text and what precedes it is consumed).
fn expect(conn: &Conn, seen: &mut Vec<u8>, want: &[u8], timeout: Duration) -> Result<(), Error> {
    let mut buf = [0u8; 1024];
    loop {
        if let Some(p) = seen.windows(want.len()).position(|w| w == want) {
            seen.drain(..p + want.len());
            return Ok(());
        }
        match conn.read(&mut buf, Some(timeout)) {
            Ok(0) => return Err(Error::Auth(String::from_utf8_lossy(seen).into_owned())),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) => return Err(io_err("read", e)),
        }
    }
}

fn login(conn: &Conn, o: &Options) -> Result<(), Error> {
    let mut seen = Vec::new();
    expect(conn, &mut seen, wire::LOGIN_PROMPT, o.timeout)?;
    conn.write_all(format!("{}\n", o.user).as_bytes())
        .map_err(|e| io_err("write", e))?;
    expect(conn, &mut seen, wire::PASSWORD_PROMPT, o.timeout)?;
    let mut line = Vec::with_capacity(o.password.len() + 1);
    line.extend_from_slice(o.password.as_bytes());
    line.push(b'\n');
    conn.write_all(&line).map_err(|e| io_err("write", e))?;
    expect(conn, &mut seen, wire::LOGIN_OK, o.timeout)
}

/// What one attempt gave.
enum Attempt {
    Status(i32),
    Mismatch,
}

fn attempt(
    o: &Options,
    index: usize,
    command: &str,
    out: &mut dyn Write,
) -> Result<Attempt, Error> {
    if o.verbose {
        let _ = writeln!(out, "connecting to {}@{} as {}", o.host, o.port, o.user);
    }
    let conn = Arc::new(connect(o)?);
    login(&conn, o)?;
    if o.verbose {
        let _ = writeln!(out, "connected");
        let _ = writeln!(out, "executing command no {index} [{command}]");
        let _ = out.flush();
    }
    conn.write_all(format!("{index} {command}\n\n").as_bytes())
        .map_err(|e| io_err("write", e))?;
    let feeder = if o.stdin {
        let c = Arc::clone(&conn);
        Some(std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            let mut input = io::stdin().lock();
            loop {
                match input.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if c.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            c.close_write();
        }))
    } else {
        conn.close_write();
        None
    };
    // Stream the output, holding back the last bytes until end of stream: only a trailer at
    // the very end is the status.
    let mut held: Vec<u8> = Vec::new();
    let mut decided = false;
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match conn.read(&mut buf, None) {
            Ok(n) => n,
            Err(e) => {
                let _ = out.write_all(&held);
                return Err(io_err("read", e));
            }
        };
        if n == 0 {
            break;
        }
        held.extend_from_slice(&buf[..n]);
        if !decided {
            if held.len() < MISMATCH.len() && MISMATCH.starts_with(&held) {
                continue;
            }
            decided = true;
            if held.starts_with(MISMATCH) {
                // Read the rest of the refusal and report it.
                while let Ok(n) = conn.read(&mut buf, Some(o.timeout)) {
                    if n == 0 {
                        break;
                    }
                    held.extend_from_slice(&buf[..n]);
                }
                if wire::parse_trailer(&held).is_none() {
                    drop(feeder);
                    return Ok(Attempt::Mismatch);
                }
            }
        }
        if held.len() > HOLD {
            let cut = held.len() - HOLD;
            out.write_all(&held[..cut])
                .map_err(|e| io_err("write", e))?;
            held.drain(..cut);
        }
    }
    let status = match wire::parse_trailer(&held) {
        Some((at, st)) => {
            let _ = out.write_all(&held[..at]);
            st
        }
        None => {
            let _ = out.write_all(&held);
            -1
        }
    };
    let _ = out.flush();
    drop(feeder);
    Ok(Attempt::Status(status))
}

/// Run `command` on the server; the remote exit status (-1 if it never came).
pub fn run(o: &Options, command: &str, out: &mut dyn Write) -> Result<i32, Error> {
    let name = wire::command_basename(command);
    let Some((first, retry)) = commands::client_indices(name) else {
        return Err(Error::Invalid);
    };
    match attempt(o, first, command, out)? {
        Attempt::Status(s) => Ok(s),
        Attempt::Mismatch => match retry {
            Some(i) => match attempt(o, i, command, out)? {
                Attempt::Status(s) => Ok(s),
                Attempt::Mismatch => Err(Error::Io(format!(
                    "command mismatch for {name} with both command tables"
                ))),
            },
            None => Err(Error::Io(format!("command mismatch for {name}"))),
        },
    }
}
