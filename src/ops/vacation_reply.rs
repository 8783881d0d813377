/*!
Vacation delivery mode: run from a mailbox's `.qmail` with `RECIPIENT`,
`SENDER` and `RPLINE` set by the delivery agent, answer the message once per
sender and day with `<home>/.vacation.msg`, through `PREFIX/bin/qmail-inject`.

Who got a reply is kept in `<home>/.vacation.dir/<address>` (its mtime is
the time of the last reply). Bounces, double bounces, senders without a host
and mailer-daemon are never answered.
*/

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::cli::AppletError;
use crate::mailstore::remove::error_text;

/// Replies to one sender are at most this often.
pub const INTERVAL: Duration = Duration::from_secs(86400);

const RULE: &str = "--------------------------------------------------------------------------";

/// Why a message gets no reply (each is a warning and exit 0, as the original).
pub fn refusal(sender: Option<&str>) -> Option<&'static str> {
    let Some(s) = sender else {
        return Some("vacation: No SENDER in environment");
    };
    if s == "#@[]" {
        return Some("vacation: SENDER is <#@[]> (double bounce message)");
    }
    if !s.contains('@') {
        return Some("vacation: SENDER did not contain a hostname");
    }
    if s.len() >= 13 && s[..13].eq_ignore_ascii_case("mailer-daemon") {
        return Some("vacation: SENDER was mailer-daemon");
    }
    None
}

/// The mailbox address from `RECIPIENT` (the part after the first `-`, as
/// qmail prefixes the local part with the `.qmail` owner).
pub fn mailbox(recipient: &str) -> &str {
    recipient
        .split_once('-')
        .map_or(recipient, |(_, rest)| rest)
}

/// The reply address from `RPLINE` (`Return-Path: <addr>`).
pub fn reply_to(rpline: &str) -> String {
    let rest = rpline.get(12..).unwrap_or("");
    rest.trim_start()
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '\n'))
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// `Re: <subject>` from the message headers (up to the first empty line).
pub fn subject(headers: &mut dyn BufRead) -> std::io::Result<Option<String>> {
    let mut subj = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if headers.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let l = String::from_utf8_lossy(&line);
        let l = l.trim_end_matches(['\n', '\r']);
        if l.is_empty() {
            break;
        }
        if l.len() >= 8 && l[..8].eq_ignore_ascii_case("Subject:") {
            subj = Some(format!("Re: {}", l[8..].trim_start()));
        }
    }
    Ok(subj)
}

/// The file remembering replies to `to`, or None for an address that cannot
/// name a file safely.
pub fn record_path(home: &str, to: &str) -> Option<PathBuf> {
    if to.is_empty() || to.contains('/') || to.starts_with('.') || to.len() > 255 {
        return None;
    }
    Some(Path::new(home).join(".vacation.dir").join(to))
}

/// True when `to` was answered less than [`INTERVAL`] ago.
pub fn recently_answered(record: &Path) -> bool {
    std::fs::metadata(record)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age <= INTERVAL)
}

/// The reply text.
pub fn compose(
    from: &str,
    to: &str,
    subject: Option<&str>,
    charset: Option<&str>,
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut m = format!("To: {to}\nFrom: {from}\n");
    match subject {
        Some(s) => m.push_str(&format!("Subject: {s}\n")),
        None => m.push_str(&format!("Subject: Auto Response from {from}\n")),
    }
    if let Some(cs) = charset {
        m.push_str(&format!(
            "Mime-Version: 1.0\nContent-Type: text/plain; charset=\"{cs}\"\n"
        ));
    }
    m.push('\n');
    let mut out = m.into_bytes();
    match body {
        Some(b) => {
            out.extend_from_slice(b);
            if !b.is_empty() && !b.ends_with(b"\n") {
                out.push(b'\n');
            }
        }
        None => out.extend_from_slice(format!("This is an Auto Reply from {from}\n").as_bytes()),
    }
    out.extend_from_slice(
        format!(
            "{RULE}\nNote: Further Auto Response will be deferred to {to}\n      until 24 Hrs Elapses and a new message is received\n      from {from}\n{RULE}\n"
        )
        .as_bytes(),
    );
    out
}

/// Send `reply` with `PREFIX/bin/qmail-inject -f<from> <to>`; on success
/// remember the reply in `record`. Returns qmail-inject's exit status.
pub fn send(
    prefix: &Path,
    from: &str,
    to: &str,
    reply: &[u8],
    record: &Path,
) -> Result<i32, AppletError> {
    let inject = prefix.join("bin/qmail-inject");
    let mut child = std::process::Command::new(&inject)
        .arg(format!("-f{from}"))
        .arg(to)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            AppletError::new(
                111,
                format!("vacation: {}: {}", inject.display(), error_text(&e)),
            )
        })?;
    let wrote = child.stdin.take().map(|mut s| s.write_all(reply));
    let status = child
        .wait()
        .map_err(|e| AppletError::new(111, format!("vacation: wait: {e}")))?;
    if let Some(Err(e)) = wrote {
        return Err(AppletError::new(
            111,
            format!("vacation: write error: {}", error_text(&e)),
        ));
    }
    let code = status.code().unwrap_or(111);
    if code == 0 {
        let touch = || -> std::io::Result<()> {
            if let Some(dir) = record.parent() {
                if !dir.is_dir() {
                    std::fs::create_dir(dir)?;
                }
            }
            let f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(record)?;
            f.set_modified(SystemTime::now())
        };
        touch().map_err(|e| {
            AppletError::new(
                111,
                format!(
                    "vacation: open_trunc: {}: {}",
                    record.display(),
                    error_text(&e)
                ),
            )
        })?;
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_parsing() {
        assert_eq!(
            mailbox("example.com-alice@example.com"),
            "alice@example.com"
        );
        assert_eq!(mailbox("alice@example.com"), "alice@example.com");
        assert_eq!(
            reply_to("Return-Path: <carl@remote.test>\n"),
            "carl@remote.test"
        );
        assert_eq!(
            reply_to("Return-Path:   carl@remote.test"),
            "carl@remote.test"
        );
        assert_eq!(reply_to("Return-Path: <>"), "");
        assert_eq!(reply_to("short"), "");
        assert_eq!(refusal(Some("a@b")), None);
        assert!(refusal(None).is_some());
        assert!(refusal(Some("#@[]")).unwrap().contains("double bounce"));
        assert!(refusal(Some("")).unwrap().contains("hostname"));
        assert!(refusal(Some("Mailer-Daemon@x"))
            .unwrap()
            .contains("mailer-daemon"));
        assert!(record_path("/h", "").is_none());
        assert!(record_path("/h", "a/b@c").is_none());
        assert!(record_path("/h", "..").is_none());
        assert_eq!(
            record_path("/h", "a@b").unwrap(),
            Path::new("/h/.vacation.dir/a@b")
        );
    }

    #[test]
    fn subject_from_headers_only() {
        let mut r: &[u8] = b"From: x\nsubject:   hi there\r\n\nSubject: body\n";
        assert_eq!(subject(&mut r).unwrap().as_deref(), Some("Re: hi there"));
        let mut r: &[u8] = b"From: x\n\nSubject: body\n";
        assert_eq!(subject(&mut r).unwrap(), None);
    }

    #[test]
    fn reply_text() {
        let m = String::from_utf8(compose("a@x", "b@y", None, None, Some(b"away"))).unwrap();
        assert!(m.starts_with("To: b@y\nFrom: a@x\nSubject: Auto Response from a@x\n\naway\n---"));
        assert!(m.ends_with(&format!("      from a@x\n{RULE}\n")));
    }
}
