//! Quota strings as stored in `pw_shell` (`NOQUOTA`, `<bytes>`, `<bytes>S,<count>C`, `<bytes>,<count>`).

/// Errors from quota parsing / validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    /// A number was out of range (the original's `parse_quota` returns -1 → "numerical result out of range").
    #[error("{0}: numerical result out of range")]
    Overflow(String),
    /// Input rejected by [`validate_quota_arg`].
    #[error("invalid quota '{input}': {reason}")]
    Invalid { input: String, reason: String },
}

/// C `strtoll(s, NULL, 0)`: leading white space, optional sign, `0x` hex / leading-`0` octal / decimal,
/// stops at the first invalid character. Returns `None` when the value is out of range (C clamps to
/// LLONG_MIN/LLONG_MAX and sets ERANGE); a clamped-looking exact LLONG_MIN/MAX is reported by the caller.
fn strtoll0(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let mut radix = 10u32;
    if i < b.len() && b[i] == b'0' {
        if i + 2 < b.len()
            && (b[i + 1] == b'x' || b[i + 1] == b'X')
            && (b[i + 2] as char).is_ascii_hexdigit()
        {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    // accumulate as a negative-capable i128 to detect overflow exactly
    let mut acc: i128 = 0;
    let mut overflow = false;
    while i < b.len() {
        let d = match (b[i] as char).to_digit(radix) {
            Some(d) => d,
            None => break,
        };
        if !overflow {
            acc = acc * radix as i128 + d as i128;
            if acc > i64::MAX as i128 + 1 {
                overflow = true;
            }
        }
        i += 1;
    }
    if neg {
        acc = -acc;
    }
    if overflow || acc > i64::MAX as i128 || acc < i64::MIN as i128 {
        return None;
    }
    Some(acc as i64)
}

/// strtoll as the original uses it, with its error check: a result equal to LLONG_MIN/LLONG_MAX is an error.
fn strtoll_checked(s: &str, whole: &str) -> Result<i64, QuotaError> {
    match strtoll0(s) {
        Some(v) if v != i64::MIN && v != i64::MAX => Ok(v),
        _ => Err(QuotaError::Overflow(whole.to_string())),
    }
}

/// Parse a quota string exactly like the original `parse_quota()` (spec §7.2), returning
/// `(bytes, count)`:
///
/// * a comma splits off the count, parsed with `strtoll(.., 0)` (`1000C` → 1000, `0x10` → 16);
///   no comma → count 0;
/// * the part before the comma equal to `NOQUOTA` → size 0;
/// * size = `strtoll(part before the comma, 0)` (sign allowed, trailing junk ignored, non-numeric → 0);
/// * the FIRST `k`/`m`/`g` (any case) anywhere in the whole string multiplies the size
///   (so `100,5k` gives 102400 bytes);
/// * out-of-range numbers (or a multiplication overflow, UB in the original) → `Err`.
pub fn parse_quota(s: &str) -> Result<(i64, i64), QuotaError> {
    // the original works on a C string: anything after an embedded NUL is invisible
    let s = s.split('\0').next().unwrap_or("");
    let (size_part, count) = match s.find(',') {
        Some(pos) => (&s[..pos], strtoll_checked(&s[pos + 1..], s)?),
        None => (s, 0),
    };
    if size_part == "NOQUOTA" {
        return Ok((0, count));
    }
    let mut size = strtoll_checked(size_part, s)?;
    for c in s.bytes() {
        let mul: i64 = match c {
            b'k' | b'K' => 1024,
            b'm' | b'M' => 1_048_576,
            b'g' | b'G' => 1_073_741_824,
            _ => continue,
        };
        size = size
            .checked_mul(mul)
            .ok_or_else(|| QuotaError::Overflow(s.to_string()))?;
        break;
    }
    Ok((size, count))
}

/// Strict validation of a quota argument given to OUR applets, applied before anything is written.
///
/// Accepted: `NOQUOTA`; `<digits>[k|m|g]` (any case); optionally followed by `,<digits>`; or the stored
/// form `<digits>[k|m|g]S,<digits>C` (the `S`/`C` markers are each optional). Rejected: empty strings,
/// signs, non-numeric text, unit letters in the count, trailing junk, values that overflow.
pub fn validate_quota_arg(s: &str) -> Result<(), QuotaError> {
    let bad = |reason: &str| QuotaError::Invalid {
        input: s.to_string(),
        reason: reason.to_string(),
    };
    if s == "NOQUOTA" {
        return Ok(());
    }
    if s.is_empty() {
        return Err(bad("empty quota"));
    }
    let (size_part, count_part) = match s.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    // size: digits, optional unit, optional 'S'
    let digits_end = size_part
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(size_part.len());
    if digits_end == 0 {
        return Err(bad(
            "quota must start with a number of bytes (or be NOQUOTA)",
        ));
    }
    let mut rest = &size_part[digits_end..];
    if let Some(c) = rest.bytes().next() {
        if matches!(c, b'k' | b'K' | b'm' | b'M' | b'g' | b'G') {
            rest = &rest[1..];
        }
    }
    if rest == "S" || rest == "s" {
        rest = "";
    }
    if !rest.is_empty() {
        return Err(bad(
            "unexpected characters after the size (allowed units: k, m, g)",
        ));
    }
    if let Some(count) = count_part {
        let count = count.strip_suffix(['C', 'c']).unwrap_or(count);
        if count.is_empty() || !count.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad("message count after ',' must be a number"));
        }
        // strtoll base 0 would read a leading 0 as octal: refuse ambiguity
        if count.len() > 1 && count.starts_with('0') {
            return Err(bad("message count must not have leading zeros"));
        }
    }
    if size_part.len() > 1 && size_part.starts_with('0') && digits_end > 1 {
        return Err(bad("size must not have leading zeros"));
    }
    match parse_quota(s) {
        Ok((size, count)) if size >= 0 && count >= 0 => Ok(()),
        Ok(_) => Err(bad("negative value")),
        Err(_) => Err(bad("value out of range")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_basic_forms() {
        assert_eq!(parse_quota("NOQUOTA"), Ok((0, 0)));
        assert_eq!(parse_quota("NOQUOTA,5"), Ok((0, 5)));
        assert_eq!(parse_quota("NOQUOTAX"), Ok((0, 0))); // strtoll of text → 0
        assert_eq!(parse_quota("524288000"), Ok((524288000, 0)));
        assert_eq!(parse_quota("5000000S,1000C"), Ok((5000000, 1000)));
        assert_eq!(parse_quota("5000000,1000"), Ok((5000000, 1000)));
        assert_eq!(parse_quota("5M"), Ok((5242880, 0)));
        assert_eq!(parse_quota("10m"), Ok((10485760, 0)));
        assert_eq!(parse_quota("2g"), Ok((2147483648, 0)));
        assert_eq!(parse_quota("2K"), Ok((2048, 0)));
        assert_eq!(parse_quota(""), Ok((0, 0)));
    }

    #[test]
    fn parse_quirks() {
        // unit letter found in the count part still multiplies the size
        assert_eq!(parse_quota("100,5k"), Ok((102400, 5)));
        // first unit letter wins
        assert_eq!(parse_quota("1mk"), Ok((1048576, 0)));
        // strtoll base 0: hex / octal / sign / junk
        assert_eq!(parse_quota("0x10"), Ok((16, 0)));
        assert_eq!(parse_quota("010"), Ok((8, 0)));
        assert_eq!(parse_quota("5,0x10"), Ok((5, 16)));
        assert_eq!(parse_quota("+7"), Ok((7, 0)));
        assert_eq!(parse_quota("-5"), Ok((-5, 0)));
        assert_eq!(parse_quota("  42abc"), Ok((42, 0)));
        assert_eq!(parse_quota("abc"), Ok((0, 0)));
        assert_eq!(parse_quota("bogus"), Ok((0, 0))); // 'g' multiplies 0
        assert_eq!(parse_quota("0x"), Ok((0, 0)));
        assert_eq!(parse_quota("09"), Ok((0, 0))); // octal stops at 9
    }

    #[test]
    fn parse_overflow() {
        assert!(parse_quota("99999999999999999999").is_err());
        assert!(parse_quota("9223372036854775807").is_err()); // == LLONG_MAX is an error too
        assert!(parse_quota("-9223372036854775808").is_err());
        assert!(parse_quota("1,99999999999999999999").is_err());
        assert!(parse_quota("9000000000000000000k").is_err());
        assert_eq!(
            parse_quota("9223372036854775806"),
            Ok((9223372036854775806, 0))
        );
    }

    #[test]
    fn validate_accepts() {
        for ok in [
            "NOQUOTA",
            "0",
            "524288000",
            "5M",
            "10m",
            "2g",
            "100k",
            "5000000,1000",
            "5000000S,1000C",
            "5MS,10C",
            "1048576,0",
        ] {
            assert_eq!(validate_quota_arg(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn validate_rejects() {
        for bad in [
            "",
            "abc",
            "-5",
            "+5",
            "5x",
            "5MB",
            "5,",
            ",5",
            "5,abc",
            "5,5k",
            "5,-1",
            "noquota",
            "NOQUOTA,5",
            "0x10",
            "010",
            "5 ",
            " 5",
            "99999999999999999999",
            "9000000000000000000k",
        ] {
            assert!(
                validate_quota_arg(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        let e = validate_quota_arg("abc").unwrap_err().to_string();
        assert!(e.contains("abc"), "{e}");
    }
}
