/*!
qmail-smtpd SMTP plugins: where they are (`PLUGINDIR`, `SMTP_PLUGIN`, the
numbered chain `smtpd-plugin.so`, `smtpd-plugin0.so` …), and running their
hooks for `plugtest` in a child process, so that a plugin that crashes or
calls `exit` cannot take the tester down.

The C ABI itself (the `PLUGIN` struct, dlopen) is in [`crate::sys`]; a C header
for plugin authors is `packaging/include/smtp_plugin.h`, a Rust plugin is
`examples/reject_rcpt_domain.rs`.

The child is this executable again (`indimail --plugtest-child`): the parent
sends it a [`Plan`] as JSON on stdin and reads framed records back on its
stdout (tag byte, u32 little-endian length, bytes): `O` text for stdout, `E`
text for stderr, `A` what is being done now (named if the child dies), `X` the
exit code as decimal text, last. The child's own fd 1 is pointed at stderr, so
a plugin that prints cannot corrupt the records.
*/

use std::ffi::CString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::sys::{self, HookAnswer, LoadedPlugin, PluginLoadError};

/// The entry symbol: `SMTP_PLUGIN_SYMB` or `plugin_init`.
pub fn entry_symbol() -> String {
    std::env::var("SMTP_PLUGIN_SYMB").unwrap_or_else(|_| "plugin_init".to_string())
}

/// The plugin directory with a trailing `/`: `PLUGINDIR` (must be absolute) or
/// `<prefix>/lib/indimail/plugins/`. `Err` is the original's message.
pub fn plugin_dir(prefix: &Path) -> Result<String, String> {
    match std::env::var("PLUGINDIR") {
        Ok(d) if d.starts_with('/') => Ok(format!("{d}/")),
        Ok(d) => Err(format!("{d}plugindir must have an absolute path")),
        Err(_) => Ok(format!("{}/lib/indimail/plugins/", prefix.display())),
    }
}

/// The base file name: `SMTP_PLUGIN` or `smtpd-plugin.so`; a name with `/` is refused.
pub fn base_name() -> Result<String, String> {
    let b = std::env::var("SMTP_PLUGIN").unwrap_or_else(|_| "smtpd-plugin.so".to_string());
    if b.is_empty() || b.contains('/') {
        return Err(format!(
            "SMTP_PLUGIN must be a file name inside the plugin directory: {b:?}"
        ));
    }
    Ok(b)
}

/// `<dir><stem><n>.so`, the stem being `base` less its last 3 bytes (meant to be `.so`).
fn numbered(dir: &str, base: &str, n: u32) -> String {
    let mut cut = base.len().saturating_sub(3);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{dir}{}{n}.so", &base[..cut])
}

/// A readable file: Ok(true); absent: Ok(false); any other access error: Err.
fn readable(path: &str) -> Result<bool, (String, io::Error)> {
    match sys::access_readable(Path::new(path)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err((path.to_string(), e)),
    }
}

/// The plugin chain, in slot order: `<dir><base>` if readable, then
/// `<stem>0.so`, `<stem>1.so` … up to the first gap; at most `<stem>9.so`
/// (the original appends one digit only). `Err` names a path whose access
/// failed otherwise than by ENOENT.
pub fn discover(dir: &str, base: &str) -> Result<Vec<String>, (String, io::Error)> {
    let mut chain = Vec::new();
    let first = format!("{dir}{base}");
    if readable(&first)? {
        chain.push(first);
    }
    for n in 0..=9 {
        let p = numbered(dir, base, n);
        let found = if n == 0 && chain.is_empty() {
            readable(&p)?
        } else {
            // Later gaps end the chain whatever the error, as the original.
            readable(&p).unwrap_or(false)
        };
        if !found {
            break;
        }
        chain.push(p);
    }
    Ok(chain)
}

/// What the child does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub paths: Vec<String>,
    pub symbol: String,
    pub mail: bool,
    pub rcpt: bool,
    pub data: bool,
    pub remoteip: String,
    pub mailfrom: String,
    /// `-l`: the first DATA argument (NULL when absent).
    pub localip: Option<String>,
    /// `-R`: the third DATA argument (`unknown` when absent, as qmail-smtpd).
    pub remotehost: String,
    pub recipients: Vec<String>,
}

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The child finished: its exit code (0 accept or no plugins, 1 reject or load failure).
    Exit(i32),
    /// The child died while doing `at`; the message to print.
    Died(String),
}

fn record(w: &mut impl Write, tag: u8, data: &[u8]) -> io::Result<()> {
    w.write_all(&[tag])?;
    w.write_all(&(data.len() as u32).to_le_bytes())?;
    w.write_all(data)?;
    w.flush()
}

/// The child: `indimail --plugtest-child` with a [`Plan`] on stdin.
pub fn child_main() -> i32 {
    let mut proto = match sys::dup(1) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("plugtest: fatal: dup: {e}");
            return 111;
        }
    };
    // What a plugin prints on stdout goes to stderr, away from the records.
    if let Err(e) = sys::dup2(2, 1) {
        eprintln!("plugtest: fatal: dup2: {e}");
        return 111;
    }
    let mut input = Vec::new();
    let plan: Plan = match io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_slice(&input).map_err(|e| e.to_string()))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("plugtest: fatal: bad plan from the parent: {e}");
            return 111;
        }
    };
    match run_plan(&plan, &mut proto) {
        Ok(code) => {
            let _ = record(&mut proto, b'X', code.to_string().as_bytes());
            code
        }
        Err(_) => 111, // the parent went away
    }
}

fn cstr(s: &str) -> CString {
    // Arguments and environment strings cannot hold NUL bytes.
    CString::new(s).unwrap_or_default()
}

/// The reply line for a rejection, and warnings about a malformed one.
fn reject_text(mesg: &Option<Vec<u8>>) -> (Vec<u8>, Vec<String>) {
    let mut warn = Vec::new();
    let Some(m) = mesg.as_ref().filter(|m| !m.is_empty()) else {
        warn.push("rejected without setting a message (qmail-smtpd would send garbage)".into());
        return (b"(no message)\n".to_vec(), warn);
    };
    let mut text = m.clone();
    let code_ok = m.len() >= 4
        && matches!(m[0], b'4' | b'5')
        && m[1].is_ascii_digit()
        && m[2].is_ascii_digit()
        && matches!(m[3], b' ' | b'-');
    if !code_ok {
        warn.push("reply does not start with a 4xx or 5xx SMTP code".into());
    }
    if !m.ends_with(b"\r\n") {
        warn.push("reply does not end in CRLF".into());
        if !m.ends_with(b"\n") {
            text.push(b'\n');
        }
    }
    (text, warn)
}

fn run_plan(plan: &Plan, proto: &mut std::fs::File) -> io::Result<i32> {
    let mut plugins = Vec::new();
    for (slot, path) in plan.paths.iter().enumerate() {
        record(proto, b'O', format!("plugin {slot}: {path}\n").as_bytes())?;
        if Path::new(path).is_dir() {
            let msg = format!(
                "plugtest: dlopen failed for {path}: is a directory, not a shared object\n"
            );
            record(proto, b'E', msg.as_bytes())?;
            return Ok(1);
        }
        record(
            proto,
            b'A',
            format!("loading plugin {slot} ({path})").as_bytes(),
        )?;
        match LoadedPlugin::load(Path::new(path), &plan.symbol) {
            Ok(p) => plugins.push(p),
            Err(e) => {
                let msg = match e {
                    PluginLoadError::Open(err) => {
                        format!("plugtest: dlopen failed for {path}: {err}")
                    }
                    PluginLoadError::Symbol(err) => {
                        format!("plugtest: dlsym {} failed: {err}", plan.symbol)
                    }
                    PluginLoadError::InitFailed => {
                        format!("plugtest: function {} failed", plan.symbol)
                    }
                };
                record(proto, b'E', format!("{msg}\n").as_bytes())?;
                return Ok(1);
            }
        }
    }
    let ip = cstr(&plan.remoteip);
    let from = cstr(&plan.mailfrom);
    let rcpts: Vec<CString> = plan.recipients.iter().map(|r| cstr(r)).collect();
    let local = plan.localip.as_deref().map(cstr);
    let rhost = cstr(&plan.remotehost);
    let mut status = 0;
    for (i, p) in plugins.iter().enumerate() {
        let path = &plan.paths[i];
        let mut report = |proto: &mut std::fs::File,
                          hook: &str,
                          ok: &str,
                          answer: HookAnswer|
         -> io::Result<()> {
            if answer.rc == 0 {
                return record(proto, b'O', format!("plugin {i}: {ok}\n").as_bytes());
            }
            status = 1;
            let (text, warnings) = reject_text(&answer.mesg);
            let mut line = format!("plugin {i}: {hook} plugin returned non-zero: ").into_bytes();
            line.extend_from_slice(&text);
            record(proto, b'O', &line)?;
            for w in warnings {
                record(
                    proto,
                    b'E',
                    format!("plugtest: warning: plugin {i}: {hook} hook: {w}\n").as_bytes(),
                )?;
            }
            Ok(())
        };
        if plan.mail {
            record(
                proto,
                b'A',
                format!("plugin {i} ({path}): mail hook").as_bytes(),
            )?;
            match p.mail(&ip, &from) {
                None => record(
                    proto,
                    b'O',
                    format!("plugin {i}: no mail plugin returned\n").as_bytes(),
                )?,
                Some(a) => report(proto, "mail", "from plugin success", a)?,
            }
        }
        if plan.rcpt {
            if !p.has_rcpt() {
                record(
                    proto,
                    b'O',
                    format!("plugin {i}: no rcpt plugin returned\n").as_bytes(),
                )?;
            }
            for (r, name) in rcpts.iter().zip(&plan.recipients) {
                record(
                    proto,
                    b'A',
                    format!("plugin {i} ({path}): rcpt hook for <{name}>").as_bytes(),
                )?;
                if let Some(a) = p.rcpt(&ip, &from, r) {
                    report(proto, "rcpt", "rcpt plugin success", a)?;
                }
            }
        }
        if plan.data {
            record(
                proto,
                b'A',
                format!("plugin {i} ({path}): data hook").as_bytes(),
            )?;
            match p.data([local.as_deref(), Some(&ip), Some(&rhost), None]) {
                None => record(
                    proto,
                    b'O',
                    format!("plugin {i}: no data plugin returned\n").as_bytes(),
                )?,
                Some(a) => report(proto, "data", "data plugin success", a)?,
            }
        }
    }
    drop(plugins);
    record(
        proto,
        b'O',
        if status == 0 {
            b"accept\n"
        } else {
            b"reject\n"
        },
    )?;
    Ok(status)
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV, segmentation fault",
        libc::SIGBUS => "SIGBUS, bus error",
        libc::SIGABRT => "SIGABRT, aborted",
        libc::SIGFPE => "SIGFPE, arithmetic exception",
        libc::SIGILL => "SIGILL, illegal instruction",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}

/// Run `plan` in a child process, copying its output to `out` and `err` as it
/// comes. `Err` is a failure of our own (spawn, pipe, write to `out`).
pub fn run(plan: &Plan, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome, String> {
    use std::os::unix::process::ExitStatusExt;
    let exe: PathBuf =
        std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let mut child = Command::new(exe)
        .arg("--plugtest-child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the plugin process: {e}"))?;
    let json = serde_json::to_vec(plan).map_err(|e| e.to_string())?;
    {
        let mut stdin = child.stdin.take().expect("piped stdin");
        // A child that died at once is reported below, from its status.
        let _ = stdin.write_all(&json);
    }
    let mut from_child = io::BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut at = String::from("starting");
    let mut exit = None;
    let mut write_failed = None;
    loop {
        let mut head = [0u8; 5];
        if from_child.read_exact(&mut head).is_err() {
            break;
        }
        let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut data = vec![0u8; len];
        if from_child.read_exact(&mut data).is_err() {
            break;
        }
        match head[0] {
            b'O' => {
                if let Err(e) = out.write_all(&data).and_then(|_| out.flush()) {
                    write_failed = Some(e);
                    break;
                }
            }
            b'E' => {
                let _ = err.write_all(&data);
                let _ = err.flush();
            }
            b'A' => at = String::from_utf8_lossy(&data).into_owned(),
            b'X' => exit = String::from_utf8_lossy(&data).parse::<i32>().ok(),
            _ => {}
        }
    }
    drop(from_child);
    let status = child.wait().map_err(|e| format!("wait: {e}"))?;
    if let Some(e) = write_failed {
        return Err(format!("write: {e}"));
    }
    if let Some(code) = exit {
        return Ok(Outcome::Exit(code));
    }
    Ok(Outcome::Died(match (status.signal(), status.code()) {
        (Some(sig), _) => format!(
            "{at}: crashed: killed by signal {sig} ({})",
            signal_name(sig)
        ),
        (None, Some(code)) => format!("{at}: the plugin ended the process (exit status {code})"),
        _ => format!("{at}: the plugin process ended abnormally"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_names_cut_three_bytes() {
        assert_eq!(numbered("/p/", "smtpd-plugin.so", 0), "/p/smtpd-plugin0.so");
        assert_eq!(numbered("/p/", "x.lib", 3), "/p/x.3.so");
        assert_eq!(numbered("/p/", "ab", 1), "/p/1.so");
    }

    #[test]
    fn chain_cases() {
        let d = tempfile::tempdir().unwrap();
        let dir = format!("{}/", d.path().display());
        assert!(discover(&dir, "smtpd-plugin.so").unwrap().is_empty());
        // Case B: no base file, numbered ones up to the first gap.
        for n in ["smtpd-plugin0.so", "smtpd-plugin1.so", "smtpd-plugin3.so"] {
            std::fs::write(d.path().join(n), "").unwrap();
        }
        let names = |v: Vec<String>| -> Vec<String> {
            v.iter()
                .map(|p| p.rsplit('/').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            names(discover(&dir, "smtpd-plugin.so").unwrap()),
            ["smtpd-plugin0.so", "smtpd-plugin1.so"]
        );
        // Case A: the base file first.
        std::fs::write(d.path().join("smtpd-plugin.so"), "").unwrap();
        assert_eq!(
            names(discover(&dir, "smtpd-plugin.so").unwrap()),
            ["smtpd-plugin.so", "smtpd-plugin0.so", "smtpd-plugin1.so"]
        );
        // At most index 9.
        for n in 0..=12 {
            std::fs::write(d.path().join(format!("smtpd-plugin{n}.so")), "").unwrap();
        }
        assert_eq!(discover(&dir, "smtpd-plugin.so").unwrap().len(), 11);
    }

    #[test]
    fn reject_messages_are_checked() {
        let (t, w) = reject_text(&Some(b"553 no (#5.7.1)\r\n".to_vec()));
        assert_eq!(t, b"553 no (#5.7.1)\r\n");
        assert!(w.is_empty());
        let (t, w) = reject_text(&Some(b"denied".to_vec()));
        assert_eq!(t, b"denied\n");
        assert_eq!(w.len(), 2);
        let (t, w) = reject_text(&None);
        assert_eq!(t, b"(no message)\n");
        assert_eq!(w.len(), 1);
    }
}
