//! Dates (mess822_when) and their output format (caltime_fmt).

use super::token::{tokenize, Token};

/// An instant and the zone it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// Seconds since the Unix epoch (UTC).
    pub secs: i64,
    /// The field's zone, minutes east of UTC.
    pub offset: i32,
}

const MONTHS: [&[u8]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

const ZONES: &[(&[u8], i32)] = &[
    (b"UT", 0),
    (b"GMT", 0),
    (b"BST", 60),
    (b"CDT", -300),
    (b"CET", 60),
    (b"CST", -360),
    (b"EDT", -240),
    (b"EET", 120),
    (b"EST", -300),
    (b"HKT", 480),
    (b"IST", 120),
    (b"JST", 540),
    (b"MDT", -360),
    (b"MET", 60),
    (b"METDST", 120),
    (b"MST", -420),
    (b"PDT", -420),
    (b"PST", -480),
];

fn num(t: Option<&Token>) -> Option<i64> {
    match t {
        Some(Token::Atom(a))
            if !a.is_empty() && a.len() <= 9 && a.iter().all(u8::is_ascii_digit) =>
        {
            std::str::from_utf8(a).ok()?.parse().ok()
        }
        _ => None,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

pub fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Parse the date in a normalised field value: after the last `;` or `,`,
/// `day month year hh:mm[:ss] zone [DST]`. `None` when anything surprises.
pub fn parse(value: &[u8]) -> Option<When> {
    let toks = tokenize(value);
    let start = toks
        .iter()
        .rposition(|t| matches!(t, Token::Special(b';') | Token::Special(b',')))
        .map_or(0, |p| p + 1);
    let t: Vec<&Token> = toks[start..]
        .iter()
        .filter(|t| !matches!(t, Token::Space | Token::Comment(_)))
        .collect();
    let mut i = 0;
    let mut next = || {
        let r = t.get(i).copied();
        i += 1;
        r
    };
    let day = num(next())?;
    let month = match next()? {
        Token::Atom(a) => MONTHS.iter().position(|m| a.eq_ignore_ascii_case(m))? as i64 + 1,
        _ => return None,
    };
    let mut year = num(next())?;
    if year < 50 {
        year += 2000;
    }
    if year < 999 {
        year += 1900;
    }
    let hour = num(next())?;
    if next()? != &Token::Special(b':') {
        return None;
    }
    let min = num(next())?;
    let mut sec = 0;
    let mut tok = next()?;
    if tok == &Token::Special(b':') {
        sec = num(next())?;
        tok = next()?;
    }
    let mut offset = match tok {
        Token::Atom(z) if z.len() == 5 && (z[0] == b'+' || z[0] == b'-') => {
            if !z[1..].iter().all(u8::is_ascii_digit) {
                return None;
            }
            let v = |k: usize| (z[k] - b'0') as i32;
            let m = (v(1) * 10 + v(2)) * 60 + v(3) * 10 + v(4);
            if z[0] == b'-' {
                -m
            } else {
                m
            }
        }
        Token::Atom(z) => ZONES.iter().find(|(n, _)| z.eq_ignore_ascii_case(n))?.1,
        _ => return None,
    };
    if let Some(Token::Atom(d)) = next() {
        if d.eq_ignore_ascii_case(b"DST") {
            offset += 60;
        }
    }
    let secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec
        - offset as i64 * 60;
    Some(When { secs, offset })
}

/// `YYYY-MM-DD HH:MM:SS` of `secs` shifted by `offset` minutes.
pub fn fmt_plain(secs: i64, offset: i32) -> String {
    let t = secs + offset as i64 * 60;
    let (y, m, d) = civil(t.div_euclid(86400));
    let s = t.rem_euclid(86400);
    format!(
        "{y}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// caltime_fmt: `YYYY-MM-DD HH:MM:SS ±HHMM`.
pub fn fmt_zone(secs: i64, offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    format!(
        "{} {sign}{:02}{:02}",
        fmt_plain(secs, offset),
        a / 60,
        a % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let w = parse(b"Thu, 29 Aug 1996 14:04:52 -0400").unwrap();
        assert_eq!(w.offset, -240);
        assert_eq!(fmt_zone(w.secs, w.offset), "1996-08-29 14:04:52 -0400");
        assert_eq!(fmt_zone(w.secs, 0), "1996-08-29 18:04:52 +0000");
        let w = parse(b"from a by b; 29 aug 96 14:04 EST DST").unwrap();
        assert_eq!(fmt_zone(w.secs, w.offset), "1996-08-29 14:04:00 -0400");
        assert_eq!(parse(b"29 Aug 1996 14:04:52"), None);
        assert_eq!(parse(b"29 Aug 1996 14:04:52 XYZ"), None);
        assert_eq!(parse(b"x 29 Aug 1996 14:04:52 +0000"), None);
        assert_eq!(parse(b"1 Jan 70 00:00:00 +0000").unwrap().secs, 0);
        assert_eq!(parse(b"1 Jan 49 00:00:00 +0000").unwrap().secs, 2493072000);
    }
}
