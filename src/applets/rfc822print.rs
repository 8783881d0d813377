//! 822print: show a message in readable form (nroff-style bold and underline, as `less` shows them).

use super::rfc822util::{applet, copy_rest, flush, input, leapsecs_init, output, put, read_err};
use super::{Applet, Ctx};
use crate::cli::AppletResult;
use crate::rfc822::pretty::{left, left_right, styled, Style};
use crate::rfc822::{addr::addrlist, date, name_matches, read_fields, value};

const P: &str = "822print";
pub const APPLET: Applet = applet(P, "show a mail message in readable form", "", run);

const ENVELOPE: &[&str] = &[
    "received",
    "delivered-to",
    "errors-to",
    "resent-sender",
    "resent-from",
    "resent-reply-to",
    "resent-to",
    "resent-cc",
    "resent-bcc",
    "resent-date",
    "resent-message-id",
];

/// Where a field goes: (name, kind, slot); kind d=date, v=value, a=addresses, c=raw copy.
const ROUTES: &[(&str, char, usize)] = &[
    ("date", 'd', 0),
    ("subject", 'v', 0),
    ("to", 'a', 0),
    ("cc", 'a', 1),
    ("bcc", 'a', 2),
    ("apparently-to", 'a', 2),
    ("notice-requested-upon-delivery-to", 'a', 3),
    ("from", 'a', 4),
    ("sender", 'a', 5),
    ("reply-to", 'a', 6),
    ("mail-reply-to", 'a', 7),
    ("mail-followup-to", 'a', 8),
    ("message-id", 'a', 9),
    ("references", 'a', 10),
    ("return-path", 'a', 11),
    ("in-reply-to", 'c', 1),
];

#[derive(Default)]
struct Header {
    subject: Vec<u8>,
    dates: Vec<u8>,
    when: Option<date::When>,
    addrs: [Vec<u8>; 12],
    /// 0 envelope, 1 threading (In-Reply-To), 2 everything else
    copies: [Vec<u8>; 3],
}

impl Header {
    fn add(&mut self, f: &[u8]) {
        if let Some(&(_, kind, slot)) = ROUTES
            .iter()
            .find(|(n, _, _)| name_matches(f, n.as_bytes()))
        {
            match kind {
                'd' => {
                    let v = value(f, true);
                    if let Some(w) = date::parse(&v) {
                        self.when = Some(w);
                    }
                    self.dates.extend_from_slice(&v);
                    self.dates.push(b'\n');
                }
                'v' => {
                    self.subject.extend_from_slice(&value(f, true));
                    self.subject.push(b'\n');
                }
                'a' => self.addrs[slot].extend(addrlist(&value(f, true))),
                _ => self.copies[slot].extend_from_slice(f),
            }
        } else if ENVELOPE.iter().any(|n| name_matches(f, n.as_bytes())) {
            self.copies[0].extend_from_slice(f);
        } else {
            self.copies[2].extend_from_slice(f);
            if !f.ends_with(b"\n") {
                self.copies[2].push(b'\n');
            }
        }
    }
}

fn chop(v: &[u8]) -> &[u8] {
    v.strip_suffix(b"\n").unwrap_or(v)
}

/// Address rows: the comment (underlined) after `pre` on the left, `post` + address in `style` on the right.
fn put_addrs(out: &mut Vec<u8>, recs: &[u8], pre: &str, post: &str, style: Style) {
    let mut comment: Option<&[u8]> = None;
    let lrow = |c: &[u8]| styled(pre, c, Style::Under, Style::Plain);
    for rec in recs.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        match rec[0] {
            b'(' => {
                if let Some(c) = comment {
                    left(out, &lrow(c));
                }
                comment = Some(&rec[1..]);
            }
            _ => {
                let l = lrow(comment.take().unwrap_or(b""));
                let r = styled(post, &rec[1..], style, Style::Under);
                left_right(out, &l, &r);
            }
        }
    }
    if let Some(c) = comment {
        left(out, &lrow(c));
    }
}

fn put_copies(out: &mut Vec<u8>, raw: &[u8]) {
    for line in raw.split_inclusive(|&b| b == b'\n') {
        left(out, &styled("", chop(line), Style::Plain, Style::Under));
    }
}

const RULE: &[u8] =
    b"------------------------------------------------------------------------------\n";

fn render(h: &Header) -> Vec<u8> {
    let mut o = Vec::new();
    left_right(
        &mut o,
        &styled("Subject:", b"", Style::Plain, Style::Under),
        &styled("", chop(&h.subject), Style::Under, Style::Plain),
    );
    put_addrs(&mut o, &h.addrs[4], "From: ", "", Style::Bold);
    let dl = styled("Date:", chop(&h.dates), Style::Plain, Style::Under);
    match h.when {
        None => left(&mut o, &dl),
        Some(w) => {
            let r = date::fmt_plain(w.secs, crate::sys::local_offset_minutes(w.secs));
            left_right(
                &mut o,
                &dl,
                &styled("", r.as_bytes(), Style::Under, Style::Plain),
            );
        }
    }
    put_addrs(
        &mut o,
        &h.addrs[11],
        "Return-Path: ",
        "return ",
        Style::Bold,
    );
    put_copies(&mut o, &h.copies[0]);
    put_copies(&mut o, &h.copies[1]);
    put_addrs(&mut o, &h.addrs[10], "Ref: ", "", Style::Under);
    put_addrs(&mut o, &h.addrs[9], "Message-ID: ", "", Style::Under);
    o.extend_from_slice(RULE);
    put_addrs(&mut o, &h.addrs[0], "To: ", "", Style::Bold);
    put_addrs(&mut o, &h.addrs[1], "Cc: ", "", Style::Bold);
    put_addrs(&mut o, &h.addrs[2], "Bcc: ", "", Style::Bold);
    put_addrs(
        &mut o,
        &h.addrs[3],
        "Notice-Requested-Upon-Delivery-To: ",
        "",
        Style::Bold,
    );
    o.extend_from_slice(RULE);
    put_addrs(&mut o, &h.addrs[5], "Sender: ", "sender ", Style::Bold);
    put_addrs(&mut o, &h.addrs[6], "Reply-To: ", "reply to ", Style::Bold);
    put_addrs(
        &mut o,
        &h.addrs[7],
        "Mail-Reply-To: ",
        "reply to ",
        Style::Bold,
    );
    put_addrs(
        &mut o,
        &h.addrs[8],
        "Mail-Followup-To: ",
        "follow up to ",
        Style::Bold,
    );
    put_copies(&mut o, &h.copies[2]);
    o
}

fn run(_ctx: &mut Ctx, _args: &[String]) -> AppletResult {
    leapsecs_init(P)?;
    let mut rd = input();
    let mut h = Header::default();
    let term = read_fields(&mut rd, |f| h.add(f)).map_err(|e| read_err(P, e))?;
    let mut out = output();
    put(P, &mut out, &render(&h))?;
    put(P, &mut out, &term)?;
    copy_rest(P, &mut rd.into_inner(), &mut out)?;
    flush(P, &mut out)?;
    Ok(0)
}
