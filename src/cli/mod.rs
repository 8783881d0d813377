/*!
Plumbing shared by every applet: the error type that carries IndiMail's exit
code, buffered output, terminal detection and password prompts.

Applets print their normal output themselves; anything that ends the applet
early is an [`AppletError`], whose message goes to stderr as one or more lines
and whose code becomes the exit status (100 usage/permanent, 111 temporary,
1 or 255 where the original uses them).
*/

pub mod getopt;

use std::fmt;
use std::io::{self, BufRead, IsTerminal, Write};

/// An applet's early exit: the message for stderr and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppletError {
    pub code: i32,
    pub message: String,
}

impl AppletError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        AppletError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for AppletError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppletError {}

/// What an applet returns: its exit status, or an early exit.
pub type AppletResult = Result<i32, AppletError>;

/// `Err(AppletError)` with a formatted message.
#[macro_export]
macro_rules! fail {
    ($code:expr, $($arg:tt)*) => {
        return Err($crate::cli::AppletError::new($code, format!($($arg)*)))
    };
}

impl From<crate::db::DbError> for AppletError {
    fn from(e: crate::db::DbError) -> Self {
        AppletError::new(e.exit_code(), e.to_string())
    }
}

/// Buffered stdout; a closed pipe is not an error worth reporting.
pub struct Out {
    inner: io::BufWriter<io::Stdout>,
}

impl Default for Out {
    fn default() -> Self {
        Out {
            inner: io::BufWriter::with_capacity(16 * 1024, io::stdout()),
        }
    }
}

impl Out {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn put(&mut self, s: &str) {
        let _ = self.inner.write_all(s.as_bytes());
    }
    pub fn line(&mut self, s: &str) {
        self.put(s);
        self.put("\n");
    }
    pub fn flush(&mut self) {
        let _ = self.inner.flush();
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        self.flush();
    }
}

pub fn stdin_is_tty() -> bool {
    io::stdin().is_terminal()
}

pub fn stdout_is_tty() -> bool {
    io::stdout().is_terminal()
}

/// Read one line from stdin without its line ending (`None` at end of input).
pub fn read_stdin_line() -> io::Result<Option<String>> {
    let mut line = String::new();
    if io::stdin().lock().read_line(&mut line)? == 0 {
        return Ok(None);
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// How a missing password argument is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSource {
    /// `--password-stdin`: exactly one line from stdin, no prompt.
    StdinLine,
    /// The original's `vgetpasswd`: prompt twice (on the terminal when there is one).
    Prompt,
}

/// Ask for a new password for `email`, as the original's vgetpasswd does
/// (prompt, then confirm). On a terminal the input is not echoed; without one
/// the prompts go to stderr and two lines are read from stdin (scripts that
/// pipe the password twice keep working). The result is never empty.
pub fn obtain_password(
    prog: &str,
    email: &str,
    source: PasswordSource,
) -> Result<String, AppletError> {
    let first = match source {
        PasswordSource::StdinLine => read_stdin_line()
            .map_err(|e| AppletError::new(111, format!("{prog}: read: stdin: {e}")))?
            .unwrap_or_default(),
        PasswordSource::Prompt if stdin_is_tty() => {
            let a = rpassword::prompt_password(format!("New IndiMail password for {email}: "))
                .map_err(|e| AppletError::new(111, format!("{prog}: read password: {e}")))?;
            let b = rpassword::prompt_password("Retype new IndiMail password: ")
                .map_err(|e| AppletError::new(111, format!("{prog}: read password: {e}")))?;
            if a != b {
                return Err(AppletError::new(
                    1,
                    format!("{prog}: passwords do not match"),
                ));
            }
            a
        }
        PasswordSource::Prompt => {
            eprint!("New IndiMail password for {email}: Retype new IndiMail password: ");
            let a = read_stdin_line()
                .map_err(|e| AppletError::new(111, format!("{prog}: read: stdin: {e}")))?
                .unwrap_or_default();
            let b = read_stdin_line()
                .map_err(|e| AppletError::new(111, format!("{prog}: read: stdin: {e}")))?;
            eprintln!();
            if let Some(b) = b {
                if a != b {
                    return Err(AppletError::new(
                        1,
                        format!("{prog}: passwords do not match"),
                    ));
                }
            }
            a
        }
    };
    if first.is_empty() {
        return Err(AppletError::new(
            1,
            format!("{prog}: empty password refused (give it as an argument, with -r, or on stdin with --password-stdin)"),
        ));
    }
    Ok(first)
}

/// One instance of `prog` at a time (the original's `/tmp/<prog>.PID`): an
/// flock on `$TMPDIR/<prog>.PID` (else `/tmp`), held while the returned file
/// is open, so a stale file left by a crash does not block. Returns the file
/// and its path (removed by the caller when done, as the original does).
pub fn single_instance(prog: &str) -> Result<(std::fs::File, std::path::PathBuf), AppletError> {
    let dir = std::env::var("TMPDIR")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/tmp".into());
    let lock_path = std::path::Path::new(&dir).join(format!("{prog}.PID"));
    let fail = |e: io::Error| AppletError::new(1, format!("{prog}: {}: {e}", lock_path.display()));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(fail)?;
    if !crate::sys::try_flock_exclusive(&lock).map_err(fail)? {
        return Err(AppletError::new(1, format!("{prog} is already running")));
    }
    let _ = std::fs::write(&lock_path, format!("{}\n", std::process::id()));
    Ok((lock, lock_path))
}
