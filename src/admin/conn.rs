//! One administration connection: a TCP or UNIX-domain socket, or fds 0/1 under tcpserver,
//! optionally wrapped in TLS (rustls, implicit TLS: the handshake comes first). Reads and writes
//! take `&self`, so one thread can feed a command's stdin while another relays its output.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The transport under the (optional) TLS layer.
#[derive(Debug)]
pub enum Sock {
    Tcp(TcpStream),
    Unix(UnixStream),
    /// Under tcpserver: read fd 0, write fd 1.
    Stdio,
}

impl Sock {
    fn read_fd(&self) -> RawFd {
        match self {
            Sock::Tcp(s) => s.as_raw_fd(),
            Sock::Unix(s) => s.as_raw_fd(),
            Sock::Stdio => 0,
        }
    }

    fn raw_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => (&*s).read(buf),
            Sock::Unix(s) => (&*s).read(buf),
            Sock::Stdio => crate::sys::with_fd(0, |f| f.read(buf)),
        }
    }

    fn raw_write_all(&self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sock::Tcp(s) => (&*s).write_all(buf),
            Sock::Unix(s) => (&*s).write_all(buf),
            Sock::Stdio => crate::sys::with_fd(1, |f| f.write_all(buf)),
        }
    }

    /// Bound every blocking write (a client that stops reading cannot pin the session).
    pub fn set_write_timeout(&self, t: Option<Duration>) {
        let _ = match self {
            Sock::Tcp(s) => s.set_write_timeout(t),
            Sock::Unix(s) => s.set_write_timeout(t),
            Sock::Stdio => Ok(()),
        };
    }

    fn shutdown(&self, how: Shutdown) {
        let _ = match self {
            Sock::Tcp(s) => s.shutdown(how),
            Sock::Unix(s) => s.shutdown(how),
            Sock::Stdio => Ok(()),
        };
    }
}

struct SockWriter<'a>(&'a Sock);

impl Write for SockWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.raw_write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A connection, plaintext or TLS.
pub struct Conn {
    pub sock: Sock,
    tls: Option<Mutex<rustls::Connection>>,
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "timeout")
}

fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Wait for `fd` to become readable before `deadline` (`None`: forever).
fn wait_readable(fd: RawFd, deadline: Option<Instant>) -> io::Result<()> {
    loop {
        let ms = match deadline {
            None => -1,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(timed_out());
                }
                left.as_millis().clamp(1, i32::MAX as u128) as i32
            }
        };
        if crate::sys::poll_readable(fd, ms)? {
            return Ok(());
        }
    }
}

impl Conn {
    pub fn plain(sock: Sock) -> Conn {
        Conn { sock, tls: None }
    }

    pub fn server_tls(sock: Sock, config: Arc<rustls::ServerConfig>) -> io::Result<Conn> {
        let c = rustls::ServerConnection::new(config).map_err(tls_error)?;
        Ok(Conn {
            sock,
            tls: Some(Mutex::new(c.into())),
        })
    }

    pub fn client_tls(
        sock: Sock,
        config: Arc<rustls::ClientConfig>,
        host: &str,
    ) -> io::Result<Conn> {
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let c = rustls::ClientConnection::new(config, name).map_err(tls_error)?;
        Ok(Conn {
            sock,
            tls: Some(Mutex::new(c.into())),
        })
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    fn lock(m: &Mutex<rustls::Connection>) -> MutexGuard<'_, rustls::Connection> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn flush_tls(&self, c: &mut rustls::Connection) -> io::Result<()> {
        while c.wants_write() {
            c.write_tls(&mut SockWriter(&self.sock))?;
        }
        Ok(())
    }

    /// Feed raw bytes from the socket into the TLS state machine.
    fn feed(&self, c: &mut rustls::Connection, mut raw: &[u8]) -> io::Result<()> {
        if raw.is_empty() {
            let _ = c.read_tls(&mut raw);
        }
        while !raw.is_empty() {
            c.read_tls(&mut raw)?;
            if let Err(e) = c.process_new_packets() {
                let _ = self.flush_tls(c);
                return Err(tls_error(e));
            }
        }
        self.flush_tls(c)
    }

    /// Complete the TLS handshake (no-op in plaintext) within `timeout`.
    pub fn handshake(&self, timeout: Duration) -> io::Result<()> {
        let Some(m) = &self.tls else { return Ok(()) };
        let deadline = Some(Instant::now() + timeout);
        let mut c = Self::lock(m);
        let mut raw = [0u8; 4096];
        while c.is_handshaking() {
            self.flush_tls(&mut c)?;
            if !c.is_handshaking() {
                break;
            }
            if c.wants_read() {
                wait_readable(self.sock.read_fd(), deadline)?;
                let n = self.sock.raw_read(&mut raw)?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "connection closed during the TLS handshake",
                    ));
                }
                self.feed(&mut c, &raw[..n])?;
            }
        }
        self.flush_tls(&mut c)
    }

    /// Read some plaintext; `Ok(0)` at end of stream, `TimedOut` when nothing came before
    /// `timeout`.
    pub fn read(&self, buf: &mut [u8], timeout: Option<Duration>) -> io::Result<usize> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let Some(m) = &self.tls else {
            wait_readable(self.sock.read_fd(), deadline)?;
            return self.sock.raw_read(buf);
        };
        let mut raw = [0u8; 4096];
        loop {
            {
                let mut c = Self::lock(m);
                match c.reader().read(buf) {
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                    Err(e) => return Err(e),
                }
            }
            wait_readable(self.sock.read_fd(), deadline)?;
            let n = self.sock.raw_read(&mut raw)?;
            let mut c = Self::lock(m);
            self.feed(&mut c, &raw[..n])?;
        }
    }

    pub fn write_all(&self, data: &[u8]) -> io::Result<()> {
        let Some(m) = &self.tls else {
            return self.sock.raw_write_all(data);
        };
        let mut c = Self::lock(m);
        let mut rest = data;
        while !rest.is_empty() {
            let n = c.writer().write(rest)?;
            self.flush_tls(&mut c)?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::WriteZero, "TLS buffer full"));
            }
            rest = &rest[n..];
        }
        Ok(())
    }

    /// End our direction: close_notify under TLS, then a half-close.
    pub fn close_write(&self) {
        if let Some(m) = &self.tls {
            let mut c = Self::lock(m);
            c.send_close_notify();
            let _ = self.flush_tls(&mut c);
        }
        self.sock.shutdown(Shutdown::Write);
    }

    /// End the connection in both directions: our direction first, then what the peer
    /// still sends is read and dropped until it closes too (at most [`CLOSE_LINGER`]).
    /// Closing a socket with unread input makes the kernel answer with a reset, which
    /// throws away what we sent and the peer has not received yet, such as the last
    /// `RETURNSTATUS` a client waits for after its own half-close.
    pub fn close(&self) {
        self.close_write();
        let deadline = Some(Instant::now() + CLOSE_LINGER);
        let mut buf = [0u8; 4096];
        while wait_readable(self.sock.read_fd(), deadline).is_ok() {
            match self.sock.raw_read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        self.sock.shutdown(Shutdown::Both);
    }
}

/// How long [`Conn::close`] waits for the peer to close its side.
pub const CLOSE_LINGER: Duration = Duration::from_secs(2);

/// A buffered line reader over a [`Conn`] with a length limit and a per-line deadline.
pub struct LineReader<'a> {
    conn: &'a Conn,
    pub buf: Vec<u8>,
}

/// Why no line came.
#[derive(Debug)]
pub enum LineError {
    Eof,
    TooLong,
    Io(io::Error),
}

impl<'a> LineReader<'a> {
    pub fn new(conn: &'a Conn) -> Self {
        LineReader {
            conn,
            buf: Vec::new(),
        }
    }

    /// The next line without its LF (at most `max` bytes), within `timeout`.
    pub fn line(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, LineError> {
        let deadline = Instant::now() + timeout;
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(p) = self.buf.iter().position(|&b| b == b'\n') {
                if p > max {
                    return Err(LineError::TooLong);
                }
                let mut line: Vec<u8> = self.buf.drain(..=p).collect();
                line.pop();
                return Ok(line);
            }
            if self.buf.len() > max {
                return Err(LineError::TooLong);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(LineError::Io(timed_out()));
            }
            match self.conn.read(&mut chunk, Some(left)) {
                Ok(0) => return Err(LineError::Eof),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(LineError::Io(e)),
            }
        }
    }
}
