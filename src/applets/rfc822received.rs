//! 822received: show the Received trail, oldest hop first, one keyword per line.

use super::rfc822util::{applet, ctime24, flush, input, leapsecs_init, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::AppletResult;
use crate::rfc822::token::{tokenize, Token};
use crate::rfc822::{date, name_matches, read_fields, value};

const P: &str = "822received";
pub const APPLET: Applet = applet(P, "show the Received trail of a message", "", run);

const INDENT: &[u8] = b"\n\t\t\t ";

/// One Received value: the date (or three tabs), a space, then the tokens.
pub fn format(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match date::parse(v) {
        Some(w) => out.extend_from_slice(ctime24(w.secs).as_bytes()),
        None => out.extend_from_slice(b"\t\t\t"),
    }
    out.push(b' ');
    #[derive(PartialEq, Clone, Copy)]
    enum S {
        Start,
        Middle,
        AfterSpace,
        AfterSemicolon,
    }
    let mut s = S::Start;
    for t in tokenize(v) {
        match t {
            Token::Comment(c) => {
                out.push(b'(');
                out.extend_from_slice(&c);
                out.push(b')');
            }
            Token::Special(b';') => {
                if matches!(s, S::Middle | S::AfterSpace) {
                    out.extend_from_slice(INDENT);
                }
                out.push(b';');
                s = S::AfterSemicolon;
                continue;
            }
            Token::Space => {
                if !matches!(s, S::Start | S::AfterSpace) {
                    out.push(b' ');
                }
                if s == S::Middle {
                    s = S::AfterSpace;
                }
                continue;
            }
            Token::Special(c) => out.push(c),
            w => {
                let text = w.text();
                let kw = [&b"from"[..], b"by", b"for", b"id"]
                    .iter()
                    .any(|k| text.eq_ignore_ascii_case(k));
                if s == S::AfterSpace && kw && matches!(w, Token::Atom(_)) {
                    out.extend_from_slice(INDENT);
                }
                out.extend_from_slice(text);
            }
        }
        if matches!(s, S::Start | S::AfterSpace) {
            s = S::Middle;
        }
    }
    out.push(b'\n');
    out
}

fn run(_ctx: &mut Ctx, _args: &[String]) -> AppletResult {
    leapsecs_init(P)?;
    let mut rd = input();
    let mut received = Vec::new();
    read_fields(&mut rd, |f| {
        if name_matches(f, b"received") {
            received.push(value(f, true));
        }
    })
    .map_err(|e| read_err(P, e))?;
    let mut out = output();
    for v in received.iter().rev() {
        put(P, &mut out, &format(v))?;
    }
    flush(P, &mut out)?;
    Ok(0)
}
