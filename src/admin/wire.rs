//! The administration protocol's text formats (servers.md 2.3): the command line
//! `<index> SP <command> [args]`, the argument splitter (libqmail `makeargs`, made fail-closed)
//! and the `RETURNSTATUS<n>` trailer. Every function is total: bad input is an error, never a panic.

use super::commands::MAX_INDEX;

/// Longest line accepted (login name, password, command line), without its LF.
pub const MAX_LINE: usize = 4096;
/// The prompts and answers of the conversation.
pub const LOGIN_PROMPT: &[u8] = b"Login: ";
pub const PASSWORD_PROMPT: &[u8] = b"Password: ";
pub const LOGIN_OK: &[u8] = b"OK\n";
pub const RETURNSTATUS: &[u8] = b"RETURNSTATUS";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub index: usize,
    /// The command string after the index and its blanks (`vuserinfo -n a@b`).
    pub command: String,
}

/// Why a command line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// `indisrvr: incorrect syntax [<line>]<index>`: no index, no space, index out of range,
    /// empty command.
    Syntax { index: i64 },
    /// NUL bytes, invalid UTF-8 or control characters.
    BadBytes,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parse `<index> SP <command...>` (no trailing LF). The index is a plain decimal number
/// (no sign, no leading blanks) within the tables' range.
pub fn parse_command_line(line: &[u8]) -> Result<CommandLine, LineError> {
    if line.len() > MAX_LINE || line.iter().any(|&b| b == 0 || (b < 0x20 && b != b'\t')) {
        return Err(LineError::BadBytes);
    }
    let text = std::str::from_utf8(line).map_err(|_| LineError::BadBytes)?;
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let index: i64 = if digits == 0 {
        // What the original's scan_int would have read (0 for nothing, the signed value otherwise).
        leading_int(text)
    } else {
        text[..digits.min(12)].parse().unwrap_or(i64::MAX)
    };
    if digits == 0 || digits > 12 || index < 0 || index as u64 > MAX_INDEX as u64 {
        return Err(LineError::Syntax { index });
    }
    let rest = &text[digits..];
    if !rest.starts_with(' ') {
        return Err(LineError::Syntax { index });
    }
    let command = rest.trim_start_matches([' ', '\t']);
    if command.is_empty() {
        return Err(LineError::Syntax { index });
    }
    Ok(CommandLine {
        index: index as usize,
        command: command.to_string(),
    })
}

fn leading_int(text: &str) -> i64 {
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let n = body.bytes().take_while(u8::is_ascii_digit).count().min(12);
    let v: i64 = body[..n].parse().unwrap_or(0);
    if neg {
        -v
    } else {
        v
    }
}

/// The first word of a command string and its basename (`/usr/bin/vuserinfo` → `vuserinfo`).
pub fn command_basename(command: &str) -> &str {
    let first = command.split([' ', '\t']).next().unwrap_or("");
    first.rsplit('/').next().unwrap_or(first)
}

/// The command string after its first word and the following blanks (what `vpriv` rules match
/// in the original).
pub fn arguments_text(command: &str) -> &str {
    let first = command.split([' ', '\t']).next().unwrap_or("");
    command[first.len()..].trim_start_matches([' ', '\t'])
}

/// Why an argument string could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quote that never closes, or text glued to a closing quote (`"a"b`).
    Quoting,
    /// A NUL byte or a control character other than a tab.
    BadBytes,
}

/// One word of a split command string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    /// A plain or quoted word, quotes removed.
    Text(String),
    /// A word starting with `$` outside quotes: the original replaces it with the value of that
    /// variable of the server's environment. Kept apart so that the caller decides.
    Var(String),
}

/// Split a command string as libqmail's `makeargs` does: blank-separated words; a word that
/// starts with `"` or `'` extends to the next quote of either kind and the quotes are removed
/// (no escapes). Unlike the original, an unterminated quote or text glued to a closing quote is
/// an error instead of a guess.
pub fn split_words(s: &str) -> Result<Vec<Word>, SplitError> {
    if s.bytes().any(|b| b == 0 || (b < 0x20 && b != b'\t')) {
        return Err(SplitError::BadBytes);
    }
    let b = s.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_blank(b[i]) {
            i += 1;
            continue;
        }
        if b[i] == b'"' || b[i] == b'\'' {
            let start = i + 1;
            let end = b[start..]
                .iter()
                .position(|&c| c == b'"' || c == b'\'')
                .map(|p| start + p)
                .ok_or(SplitError::Quoting)?;
            if end + 1 < b.len() && !is_blank(b[end + 1]) {
                return Err(SplitError::Quoting);
            }
            words.push(Word::Text(s[start..end].to_string()));
            i = end + 1;
        } else {
            let start = i;
            while i < b.len() && !is_blank(b[i]) {
                i += 1;
            }
            let w = &s[start..i];
            if let Some(name) = w.strip_prefix('$') {
                words.push(Word::Var(name.to_string()));
            } else {
                words.push(Word::Text(w.to_string()));
            }
        }
    }
    Ok(words)
}

/// Turn words into arguments. `$NAME` words are expanded only when `NAME` is in `allowed`
/// (an explicit allow-list); otherwise they stay literal text (`$MYSQL_PASSWD` is passed as
/// those 13 characters). An allowed but unset variable becomes an empty argument, which the
/// privilege check refuses.
pub fn expand_words(
    words: &[Word],
    allowed: &[String],
    getenv: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    words
        .iter()
        .map(|w| match w {
            Word::Text(t) => t.clone(),
            Word::Var(name) if allowed.iter().any(|a| a == name) => {
                getenv(name).unwrap_or_default()
            }
            Word::Var(name) => format!("${name}"),
        })
        .collect()
}

/// Split and expand with no variable allowed: the words exactly as literal text.
pub fn split_args(s: &str) -> Result<Vec<String>, SplitError> {
    Ok(expand_words(&split_words(s)?, &[], |_| None))
}

/// Where the status trailer starts in `data` if `data` ends with `RETURNSTATUS<n>` (`n` an
/// optionally negative decimal), and the status. Only the trailer at the very end counts, so a
/// command printing the word cannot fake its status.
pub fn parse_trailer(data: &[u8]) -> Option<(usize, i32)> {
    let digits = data.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let mut end = data.len() - digits;
    let neg = end > 0 && data[end - 1] == b'-';
    if neg {
        end -= 1;
    }
    let start = end.checked_sub(RETURNSTATUS.len())?;
    if &data[start..end] != RETURNSTATUS {
        return None;
    }
    let n: i64 = std::str::from_utf8(&data[data.len() - digits..])
        .ok()?
        .parse()
        .ok()?;
    let n = if neg { -n } else { n };
    Some((start, i32::try_from(n).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn command_lines() {
        assert_eq!(
            parse_command_line(b"7 vuserinfo alice@example.com"),
            Ok(CommandLine {
                index: 7,
                command: "vuserinfo alice@example.com".into()
            })
        );
        assert_eq!(
            parse_command_line(b"0   vadduser -c \"A B\" x@y"),
            Ok(CommandLine {
                index: 0,
                command: "vadduser -c \"A B\" x@y".into()
            })
        );
        assert_eq!(parse_command_line(b"45 vmoddomain").unwrap().index, 45);
        for bad in [
            &b"46 vuserinfo"[..],
            b"-1 vuserinfo",
            b" 7 vuserinfo",
            b"vuserinfo",
            b"7",
            b"7 ",
            b"7vuserinfo",
            b"99999999999999999999 x",
            b"x7 vuserinfo",
        ] {
            assert!(
                matches!(parse_command_line(bad), Err(LineError::Syntax { .. })),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            parse_command_line(b"-1 vuserinfo"),
            Err(LineError::Syntax { index: -1 })
        );
        assert_eq!(
            parse_command_line(b"7 vuser\0info"),
            Err(LineError::BadBytes)
        );
        assert_eq!(parse_command_line(b"7 v\xffx"), Err(LineError::BadBytes));
        let long = format!("7 vuserinfo {}", "a".repeat(MAX_LINE));
        assert_eq!(
            parse_command_line(long.as_bytes()),
            Err(LineError::BadBytes)
        );
    }

    #[test]
    fn basenames_and_argument_text() {
        assert_eq!(command_basename("/usr/bin/vuserinfo -n a"), "vuserinfo");
        assert_eq!(command_basename("vuserinfo"), "vuserinfo");
        assert_eq!(arguments_text("vuserinfo   -n a@b"), "-n a@b");
        assert_eq!(arguments_text("vuserinfo"), "");
    }

    #[test]
    fn splitting_like_makeargs() {
        assert_eq!(
            split_args("vadduser -c \"Carol Remote\" carol@example.com Carol#pw1").unwrap(),
            [
                "vadduser",
                "-c",
                "Carol Remote",
                "carol@example.com",
                "Carol#pw1"
            ]
        );
        assert_eq!(split_args("a 'b c' \"\"").unwrap(), ["a", "b c", ""]);
        // Either quote closes (the original's rule).
        assert_eq!(split_args("'a\" b").unwrap(), ["a", "b"]);
        assert_eq!(split_args("a \"b"), Err(SplitError::Quoting));
        assert_eq!(split_args("a \"b\"c"), Err(SplitError::Quoting));
        assert_eq!(split_args("a\0b"), Err(SplitError::BadBytes));
        assert_eq!(split_args("  ").unwrap(), Vec::<String>::new());
        // Quotes inside a word are literal.
        assert_eq!(split_args("a\"b").unwrap(), ["a\"b"]);
    }

    #[test]
    fn variables_are_literal_unless_allowed() {
        let w = split_words("vuserinfo $MYSQL_PASSWD '$HOME'").unwrap();
        let env = |n: &str| (n == "MYSQL_PASSWD").then(|| "secret".to_string());
        assert_eq!(
            expand_words(&w, &[], env),
            ["vuserinfo", "$MYSQL_PASSWD", "$HOME"]
        );
        assert_eq!(
            expand_words(&w, &["MYSQL_PASSWD".into()], env),
            ["vuserinfo", "secret", "$HOME"]
        );
        assert_eq!(
            expand_words(&split_words("x $UNSET").unwrap(), &["UNSET".into()], env),
            ["x", ""]
        );
    }

    #[test]
    fn trailers() {
        assert_eq!(parse_trailer(b"RETURNSTATUS0"), Some((0, 0)));
        assert_eq!(parse_trailer(b"out\nRETURNSTATUS-1"), Some((4, -1)));
        assert_eq!(
            parse_trailer(b"RETURNSTATUS0\nRETURNSTATUS3"),
            Some((14, 3))
        );
        assert_eq!(parse_trailer(b"RETURNSTATUS0\n"), None);
        assert_eq!(parse_trailer(b"RETURNSTATUS"), None);
        assert_eq!(parse_trailer(b"STATUS1"), None);
        assert_eq!(parse_trailer(b"RETURNSTATUS99999999999"), None);
    }

    proptest! {
        #[test]
        fn command_line_parser_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(c) = parse_command_line(&bytes) {
                prop_assert!(c.index <= MAX_INDEX);
                prop_assert!(!c.command.is_empty());
                prop_assert!(!c.command.contains('\0'));
            }
        }

        #[test]
        fn splitter_is_total_and_never_yields_blanks(s in "[ a-z\"'$\t-]{0,60}") {
            if let Ok(words) = split_args(&s) {
                let total: usize = words.iter().map(String::len).sum();
                prop_assert!(total <= s.len());
                if !s.contains(['"', '\'']) {
                    for w in &words {
                        prop_assert!(!w.is_empty() && !w.contains([' ', '\t']));
                    }
                }
            }
        }

        #[test]
        fn plain_words_round_trip(words in proptest::collection::vec("[a-zA-Z0-9@.#_-]{1,12}", 0..8)) {
            let joined = words.join(" ");
            prop_assert_eq!(split_args(&joined).unwrap(), words);
        }

        #[test]
        fn quoted_words_round_trip(words in proptest::collection::vec("[a-zA-Z0-9 @.#_-]{0,12}", 0..8)) {
            let joined: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
            prop_assert_eq!(split_args(&joined.join(" ")).unwrap(), words);
        }

        #[test]
        fn trailer_parser_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..64), n in -1i32..100000) {
            let _ = parse_trailer(&bytes);
            let mut v = bytes.clone();
            v.extend_from_slice(format!("RETURNSTATUS{n}").as_bytes());
            prop_assert_eq!(parse_trailer(&v).map(|t| t.1), Some(n));
        }
    }

    /// Everything under tests/corpus/indisrvr goes through the parsers without panicking;
    /// files named `ok-*` must parse.
    #[test]
    fn corpus_replay() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/indisrvr");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let data = std::fs::read(&p).unwrap();
            let line = data.strip_suffix(b"\n").unwrap_or(&data);
            let parsed = parse_command_line(line);
            if let Ok(c) = &parsed {
                let _ = split_args(arguments_text(&c.command));
            }
            let _ = split_args(&String::from_utf8_lossy(line));
            let _ = parse_trailer(line);
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("ok-") {
                assert!(parsed.is_ok(), "{name}: {parsed:?}");
            } else if name.starts_with("bad-") {
                assert!(parsed.is_err(), "{name}: {parsed:?}");
            }
            n += 1;
        }
        assert!(n >= 8, "corpus has {n} files");
    }
}
