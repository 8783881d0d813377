/*!
A small streaming model of RFC 822 / 5322 messages, for the `822*` helpers.

Everything works on bytes: header fields may hold 8-bit text, NULs or bare
CRs and are passed through untouched. The header is read one line at a
time ([`Reader`]); the body is never held in memory (callers copy the rest
of the input with [`Reader::into_inner`] and `io::copy`).

* [`is_header_line`] — mess822's header-line test (what ends the header).
* [`Reader`] — header lines, then the terminating line.
* [`read_fields`] — whole fields (a line plus its continuation lines).
* [`name_matches`], [`prefix_matches`], [`value`] — field selection and the
  normalised value. Unfolding follows RFC 5322 (CRLF removed, the folding
  whitespace kept), unlike IndiMail's mess822 since 2020 which drops it.
* [`addr`] — address lists, [`date`] — dates, [`token`] — the tokeniser.
*/

pub mod addr;
pub mod date;
pub mod pretty;
pub mod token;

use std::io::{self, BufRead};

/// mess822's test: can this raw line (with or without its LF) belong to the header?
pub fn is_header_line(line: &[u8]) -> bool {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    match l.first() {
        None => false,
        Some(b' ') | Some(b'\t') => true,
        Some(_) => {
            let Some(colon) = l.iter().position(|&b| b == b':') else {
                return false;
            };
            let mut name = &l[..colon];
            while let Some((&last, rest)) = name.split_last() {
                if last == b' ' || last == b'\t' {
                    name = rest;
                } else {
                    break;
                }
            }
            !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))
        }
    }
}

/// A blank line: `\n` or `\r\n`.
pub fn is_blank(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

/// One step through the header.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The first line of a field.
    Field(Vec<u8>),
    /// A continuation line (starts with a space or a tab).
    Cont(Vec<u8>),
    /// The line that ended the header: blank (the separator), a nonblank
    /// body line, or empty at end of input.
    End(Vec<u8>),
}

/// Reads the header of a message line by line.
pub struct Reader<R> {
    inner: R,
    consumed: u64,
    done: bool,
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R) -> Self {
        Reader {
            inner,
            consumed: 0,
            done: false,
        }
    }

    /// The next header line, or the terminating line. After `End`, always `End(empty)`.
    pub fn next_line(&mut self) -> io::Result<Line> {
        if self.done {
            return Ok(Line::End(Vec::new()));
        }
        let mut line = Vec::new();
        self.inner.read_until(b'\n', &mut line)?;
        self.consumed += line.len() as u64;
        if !is_header_line(&line) {
            self.done = true;
            return Ok(Line::End(line));
        }
        Ok(match line[0] {
            b' ' | b'\t' => Line::Cont(line),
            _ => Line::Field(line),
        })
    }

    /// Bytes taken from the input so far (header lines and the terminating line).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The input, positioned just after the terminating line.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// Read the whole header, calling `f` with every complete field (its raw
/// bytes: first line and continuation lines, line ends kept). A continuation
/// line at the very start of input forms a field of its own. Returns the
/// terminating line.
pub fn read_fields<R: BufRead>(
    rd: &mut Reader<R>,
    mut f: impl FnMut(&[u8]),
) -> io::Result<Vec<u8>> {
    let mut field: Vec<u8> = Vec::new();
    loop {
        match rd.next_line()? {
            Line::Field(l) => {
                if !field.is_empty() {
                    f(&field);
                }
                field = l;
            }
            Line::Cont(l) => field.extend_from_slice(&l),
            Line::End(t) => {
                if !field.is_empty() {
                    f(&field);
                }
                return Ok(t);
            }
        }
    }
}

/// Exact mode: the field is `name:` (ASCII case ignored; no space before the colon).
pub fn name_matches(field: &[u8], name: &[u8]) -> bool {
    field.len() > name.len()
        && field[..name.len()].eq_ignore_ascii_case(name)
        && field[name.len()] == b':'
}

/// Prefix mode: the field's name starts with `name` (ASCII case ignored).
pub fn prefix_matches(field: &[u8], name: &[u8]) -> bool {
    field.len() >= name.len() && field[..name.len()].eq_ignore_ascii_case(name)
}

/// The normalised value of a field.
///
/// Exact mode: the text after the colon, one leading space skipped.
/// Prefix mode: the field's name and colon, then the text as it is.
/// Line ends are removed, the folding whitespace is kept (RFC 5322
/// unfolding), and runs of spaces and tabs collapse to their first byte.
pub fn value(field: &[u8], exact: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let rest;
    if exact {
        let colon = field.iter().position(|&b| b == b':').unwrap_or(field.len());
        let mut r = field.get(colon + 1..).unwrap_or(&[]);
        if r.first() == Some(&b' ') {
            r = &r[1..];
        }
        rest = r;
    } else {
        let n = field
            .iter()
            .position(|&b| !(33..=126).contains(&b) || b == b':')
            .unwrap_or(field.len());
        let n = if field.get(n) == Some(&b':') {
            n + 1
        } else {
            n
        };
        out.extend_from_slice(&field[..n]);
        rest = &field[n..];
    }
    let start = out.len();
    let mut prev_ws = false;
    let mut after_lf = false;
    for &b in rest {
        match b {
            b'\r' => {}
            b'\n' => after_lf = true,
            b' ' | b'\t' => {
                // folding whitespace right at the start of an exact value is dropped
                if prev_ws || (exact && after_lf && out.len() == start) {
                    continue;
                }
                out.push(b);
                prev_ws = true;
            }
            _ => {
                out.push(b);
                prev_ws = false;
                after_lf = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_line_test() {
        assert!(is_header_line(b"Subject: x\n"));
        assert!(is_header_line(b"Subject : x\n"));
        assert!(is_header_line(b" cont\n"));
        assert!(!is_header_line(b"\n"));
        assert!(!is_header_line(b"\r\n"));
        assert!(!is_header_line(b"From joe Thu\n"));
        assert!(!is_header_line(b": x\n"));
        assert!(!is_header_line(b"S\xe9: x\n"));
        assert!(!is_header_line(b""));
    }

    #[test]
    fn values_unfold_correctly() {
        assert_eq!(value(b"Subject: hello\n world\n", true), b"hello world");
        assert_eq!(
            value(b"Received: from a\r\n\tby b\r\n", true),
            b"from a\tby b"
        );
        assert_eq!(
            value(b"Subject:\n  hello   there \n", true),
            b"hello there "
        );
        assert_eq!(value(b"Subject:\tx\n", true), b"\tx");
        assert_eq!(value(b"X-Spam-Score: 5.0\n", false), b"X-Spam-Score: 5.0");
        assert_eq!(value(b"Subject: a\0b\n", true), b"a\0b");
    }

    #[test]
    fn reader_splits_header_and_body() {
        let msg = b"A: 1\n b\nC: 2\n\nbody\n";
        let mut rd = Reader::new(&msg[..]);
        let mut fields = Vec::new();
        let t = read_fields(&mut rd, |f| fields.push(f.to_vec())).unwrap();
        assert_eq!(fields, vec![b"A: 1\n b\n".to_vec(), b"C: 2\n".to_vec()]);
        assert_eq!(t, b"\n");
        assert_eq!(rd.consumed(), 14);
    }
}
