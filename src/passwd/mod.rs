//! crypt(3)-compatible password hashing as done by IndiMail/libqmail
//! (`makesalt`, `mkpasswd`, `genpass`, `get_hashmethod`, vuserinfo's label).
//!
//! * DES, `$1$` (MD5-crypt), `$5$` and `$6$` (SHA-crypt) are computed in pure
//!   Rust (`des_crypt` / `md5_crypt` / `sha256_crypt` submodules, RustCrypto
//!   `sha-crypt` for `$6$`) and are
//!   byte-identical to libxcrypt's crypt(3) for every setting libxcrypt
//!   accepts; settings it rejects are rejected here too.
//! * yescrypt (`$y$`) and any other scheme (`$2b$`, `$7$`, `$gy$`, `_...`)
//!   go through the system libcrypt (`crypt_rn`), like the original does.
//!
//! Error `Display` texts are the `strerror()` of the errno libxcrypt sets,
//! so `iadduser: crypt: {err}` reads like the original.

mod des_crypt;
mod md5_crypt;
mod sha256_crypt;
mod sys;

use subtle::ConstantTimeEq;

/// Password hash scheme (the `PASSWORD_HASH` ids of libqmail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashMethod {
    Des,
    Md5,
    Sha256,
    Sha512,
    Yescrypt,
}

const ALL_METHODS: [HashMethod; 5] = [
    HashMethod::Des,
    HashMethod::Md5,
    HashMethod::Sha256,
    HashMethod::Sha512,
    HashMethod::Yescrypt,
];

/// libqmail's compiled default (`PASSWORD_HASH` = 2, sha256).
pub const DEFAULT_HASH: HashMethod = HashMethod::Sha256;

impl HashMethod {
    /// Numeric id: DES 0, MD5 1, SHA-256 2, SHA-512 3, YESCRYPT 4.
    pub fn id(self) -> i32 {
        match self {
            HashMethod::Des => 0,
            HashMethod::Md5 => 1,
            HashMethod::Sha256 => 2,
            HashMethod::Sha512 => 3,
            HashMethod::Yescrypt => 4,
        }
    }

    /// Method for a numeric id; unknown ids give SHA-512, which is what
    /// makesalt does for an unrecognised `PASSWORD_HASH`.
    pub fn from_id(id: i64) -> HashMethod {
        match id {
            0 => HashMethod::Des,
            1 => HashMethod::Md5,
            2 => HashMethod::Sha256,
            4 => HashMethod::Yescrypt,
            _ => HashMethod::Sha512,
        }
    }

    /// Canonical name: "DES", "MD5", "SHA-256", "SHA-512", "YESCRYPT".
    pub fn name(self) -> &'static str {
        match self {
            HashMethod::Des => "DES",
            HashMethod::Md5 => "MD5",
            HashMethod::Sha256 => "SHA-256",
            HashMethod::Sha512 => "SHA-512",
            HashMethod::Yescrypt => "YESCRYPT",
        }
    }

    /// Parse the `-h` option value of vadduser/vpasswd/vmoduser.
    ///
    /// Like the original (`str_diffn(optarg, NAME, strlen(NAME))` or
    /// `scan_int` consuming the whole value), checked in the order DES, MD5,
    /// SHA-256, SHA-512, YESCRYPT:
    /// * the value *starts with* the canonical name (case-sensitive), so
    ///   `SHA-256` and `SHA-256foo` both mean SHA-256, but `SHA256`, `sha-256`
    ///   or `SHA` are invalid; or
    /// * the whole value is an integer (leading blanks/tabs and one sign
    ///   allowed, as libqmail's `scan_int`) equal to an id 0..=4. Quirk kept:
    ///   a lone `-` or `+` scans as 0 and therefore means DES.
    ///
    /// `None` means "wrong hash method".
    pub fn parse_option(s: &str) -> Option<HashMethod> {
        let id = scan_int_whole(s);
        ALL_METHODS
            .into_iter()
            .find(|m| s.starts_with(m.name()) || id == Some(m.id()))
    }

    /// Parse the value of a `hash_method` control file line (comment and
    /// leading white space already removed, see [`parse_hash_method_file`]):
    /// the exact canonical name or an integer id 0..=4 (whole value scanned
    /// as `scan_int`). Trailing white space is *not* ignored, as in the
    /// original. `None` = invalid.
    pub fn parse_file_value(s: &str) -> Option<HashMethod> {
        let id = scan_int_whole(s);
        ALL_METHODS
            .into_iter()
            .find(|m| s == m.name() || id == Some(m.id()))
    }
}

/// Decide the hash method from the contents of a `hash_method` control file
/// the way `get_hashmethod()` does: the first line that is non-blank after
/// removing everything from `#` on and skipping leading white space is
/// parsed with [`HashMethod::parse_file_value`]. `None` (no such line, or an
/// invalid value) corresponds to the original's -1 (fatal `get_hashmethod`).
pub fn parse_hash_method_file(contents: &str) -> Option<HashMethod> {
    for line in contents.split('\n') {
        let line = line.split('#').next().unwrap_or("");
        let value = line.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        if value.is_empty() {
            continue;
        }
        return HashMethod::parse_file_value(value);
    }
    None
}

/// libqmail `scan_int` applied to a whole string: `Some(value)` only when the
/// scan consumed every character. Leading blanks/tabs are skipped, then an
/// optional sign, then decimal digits (C `int` wrap-around on overflow).
fn scan_int_whole(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let mut pos = b.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
    if pos == b.len() {
        // scan_int returns 0 without storing a value: only equals the
        // length for "", where the original reads an unset variable.
        return None;
    }
    let mut sign: i32 = 1;
    match b[pos] {
        b'-' => {
            sign = -1;
            pos += 1;
        }
        b'+' => pos += 1,
        _ => {}
    }
    let mut result: i32 = 0;
    while pos < b.len() && b[pos].is_ascii_digit() {
        result = result
            .wrapping_mul(10)
            .wrapping_add(i32::from(b[pos] - b'0'));
        pos += 1;
    }
    (pos == b.len()).then(|| result.wrapping_mul(sign))
}

/// Hashing failure. `Display` mirrors `strerror(errno)` from crypt(3).
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The setting (salt string) is malformed or names a scheme the system
    /// crypt(3) does not support (libxcrypt: EINVAL).
    #[error("Invalid argument")]
    InvalidSetting(String),
    /// Pass phrase of 512 bytes or more (libxcrypt: ERANGE).
    #[error("Numerical result out of range")]
    PhraseTooLong,
}

/// Salt alphabet in the order libqmail's makesalt uses.
const SALT_CHARS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./";

/// Characters of libqmail's `genpass`. The C literal is written
/// ``...`|\(){}...`` where `\(` is just `(`, so no backslash is produced;
/// it also ends with a second `)`, kept for the same distribution.
const PASS_CHARS: &[u8] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz~!@#$%^&*_-+=`|(){}[]:;\"'<>,.?/)";

/// libxcrypt's `CRYPT_MAX_PASSPHRASE_SIZE`: phrases this long or longer are
/// refused.
const MAX_PHRASE: usize = 512;

fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // The OS RNG (getrandom(2)) does not fail on supported Linux systems;
    // there is no meaningful fallback for salt/password generation.
    getrandom::fill(&mut buf).expect("OS random number generator failed");
    buf
}

/// `n` uniformly random characters from `alphabet` (rejection sampling).
fn random_from(alphabet: &[u8], n: usize) -> String {
    debug_assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random_bytes(n - out.len() + 8) {
            if usize::from(b) < limit {
                out.push(char::from(alphabet[usize::from(b) % alphabet.len()]));
                if out.len() == n {
                    break;
                }
            }
        }
    }
    out
}

/// A fresh random setting for `method`, as makesalt builds it:
/// DES `xx`; `$1$<8>$`; `$5$<16>$`; `$6$<16>$`; yescrypt
/// `crypt_gensalt("$y$", 5, ...)` + `$` (e.g. `$y$j9T$<22>$`), or
/// `$y$j9T$<24>$` if the system library cannot make one.
pub fn make_salt(method: HashMethod) -> String {
    match method {
        HashMethod::Des => random_from(SALT_CHARS, 2),
        HashMethod::Md5 => format!("$1${}$", random_from(SALT_CHARS, 8)),
        HashMethod::Sha256 => format!("$5${}$", random_from(SALT_CHARS, 16)),
        HashMethod::Sha512 => format!("$6${}$", random_from(SALT_CHARS, 16)),
        HashMethod::Yescrypt => match sys::system_gensalt("$y$", 5, &random_bytes(16)) {
            Some(s) => format!("{s}$"),
            None => format!("$y$j9T${}$", random_from(SALT_CHARS, 24)),
        },
    }
}

/// Hash `clear` with a fresh random salt of `method`.
pub fn hash_password(clear: &[u8], method: HashMethod) -> Result<String, HashError> {
    hash_with_setting(clear, &make_salt(method))
}

/// How many passwords [`hash_passwords`] hashes together on one core: bulk
/// callers hand it groups of this size.
pub const HASH_GROUP: usize = sha256_crypt::LANES;

/// [`hash_password`] for many passwords, results in order. SHA-256 hashes
/// several at once on this core (multi-buffer SHA-NI, see `sha256_crypt`);
/// the other methods one after another.
pub fn hash_passwords(clears: &[&[u8]], method: HashMethod) -> Vec<Result<String, HashError>> {
    if method != HashMethod::Sha256 {
        return clears.iter().map(|c| hash_password(c, method)).collect();
    }
    let salts: Vec<String> = clears.iter().map(|_| random_from(SALT_CHARS, 16)).collect();
    let phrases: Vec<Result<&[u8], HashError>> = clears.iter().map(|c| phrase(c)).collect();
    let jobs: Vec<(&[u8], &[u8])> = phrases
        .iter()
        .zip(&salts)
        .filter_map(|(p, s)| Some((*p.as_ref().ok()?, s.as_bytes())))
        .collect();
    let mut hashes = sha256_crypt::crypt_many(&jobs, 5000).into_iter();
    phrases
        .into_iter()
        .zip(&salts)
        .map(|(p, salt)| {
            p?;
            let h = hashes.next().expect("one hash per accepted phrase");
            Ok(format!("$5${salt}${}", b64_str(&h)))
        })
        .collect()
}

/// The crypt base64 characters as a `str` (they are ASCII).
fn b64_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).expect("crypt base64 is ASCII")
}

/// The phrase crypt(3) hashes: `clear` up to its first NUL byte, as in C;
/// 512 bytes or more are refused.
fn phrase(clear: &[u8]) -> Result<&[u8], HashError> {
    let clear = match clear.iter().position(|&b| b == 0) {
        Some(n) => &clear[..n],
        None => clear,
    };
    if clear.len() >= MAX_PHRASE {
        return Err(HashError::PhraseTooLong);
    }
    Ok(clear)
}

/// libxcrypt refuses any setting containing these, or any byte outside
/// printable ASCII (space included).
fn bad_setting_byte(b: u8) -> bool {
    matches!(b, b':' | b';' | b'*' | b'!' | b'\\') || !(0x21..=0x7e).contains(&b)
}

fn invalid(setting: &str) -> HashError {
    HashError::InvalidSetting(setting.to_owned())
}

/// `crypt(clear, setting)`; `setting` may be a bare salt string or a full
/// stored hash (only its salt part is used).
///
/// As in C, `clear` ends at its first NUL byte.
pub fn hash_with_setting(clear: &[u8], setting: &str) -> Result<String, HashError> {
    let clear = phrase(clear)?;
    if setting.bytes().any(bad_setting_byte) {
        return Err(invalid(setting));
    }
    if let Some(rest) = setting.strip_prefix("$1$") {
        let salt = rest.split('$').next().unwrap_or("");
        let salt = &salt.as_bytes()[..salt.len().min(8)];
        return Ok(md5_crypt::md5_crypt(clear, salt));
    }
    if let Some(rest) = setting.strip_prefix("$5$") {
        return sha_crypt_str(clear, rest, false).ok_or_else(|| invalid(setting));
    }
    if let Some(rest) = setting.strip_prefix("$6$") {
        return sha_crypt_str(clear, rest, true).ok_or_else(|| invalid(setting));
    }
    if setting.starts_with('$') || setting.starts_with('_') {
        return sys::system_crypt(clear, setting).ok_or_else(|| invalid(setting));
    }
    // libxcrypt switches to bigcrypt for DES settings of 14+ characters.
    des_crypt::des_crypt(clear, setting.as_bytes(), setting.len() >= 14)
        .ok_or_else(|| invalid(setting))
}

/// SHA-crypt with libxcrypt's setting rules: optional `rounds=N$` (N without
/// leading zero, 1000..=999999999, otherwise the setting is invalid), then
/// the salt up to the next `$`, truncated to 16 bytes. `rounds=` appears in
/// the output only when it was given.
fn sha_crypt_str(clear: &[u8], rest: &str, sha512: bool) -> Option<String> {
    const ROUNDS_PREFIX: &str = "rounds=";
    let (rounds, salt_part) = match rest.strip_prefix(ROUNDS_PREFIX) {
        Some(num) => {
            let digits = num.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || num.starts_with('0') || num.as_bytes().get(digits) != Some(&b'$') {
                return None;
            }
            let n: u64 = num[..digits].parse().ok()?;
            if !(1000..=999_999_999).contains(&n) {
                return None;
            }
            (Some(n), &num[digits + 1..])
        }
        None => (None, rest),
    };
    let salt = salt_part.split('$').next().unwrap_or("");
    let salt = &salt[..salt.len().min(sha256_crypt::SALT_MAX)];
    let r = rounds.unwrap_or(5000);
    let encoded = if sha512 {
        let params = sha_crypt::Sha512Params::new(usize::try_from(r).ok()?).ok()?;
        sha_crypt::sha512_crypt_b64(clear, salt.as_bytes(), &params).ok()?
    } else {
        let h = sha256_crypt::crypt(clear, salt.as_bytes(), u32::try_from(r).ok()?);
        b64_str(&h).to_owned()
    };
    let id = if sha512 { '6' } else { '5' };
    Some(match rounds {
        Some(n) => format!("${id}$rounds={n}${salt}${encoded}"),
        None => format!("${id}${salt}${encoded}"),
    })
}

/// crypt(3) of the system library (libxcrypt), for comparisons: the tests check
/// our hashes against it and `examples/crypt_floor.rs` measures its speed, the
/// floor the original's tools hash at. None when the library rejects the input.
pub fn system_crypt(clear: &[u8], setting: &str) -> Option<String> {
    sys::system_crypt(clear, setting)
}

/// Does `clear` match the stored crypt string? The recomputed hash is
/// compared with `stored` in constant time. Unknown/invalid formats (and
/// an empty `stored`) never match.
pub fn verify(clear: &[u8], stored: &str) -> bool {
    if stored.is_empty() {
        return false;
    }
    match hash_with_setting(clear, stored) {
        Ok(h) => ct_eq(h.as_bytes(), stored.as_bytes()),
        Err(_) => false,
    }
}

/// Constant-time equality (length is not secret).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// vuserinfo's label for the displayed password string, in the original's
/// check order (spec 5.3).
pub fn hash_label(displayed: &str) -> &'static str {
    let b = displayed.as_bytes();
    if displayed.starts_with("{SCRAM-SHA-1}") {
        return "scram-sha-1";
    }
    if displayed.starts_with("{SCRAM-SHA-256}") {
        return "scram-sha-256";
    }
    if displayed.starts_with("{CRAM}") {
        return "cram";
    }
    match b.first() {
        Some(b'_') => "bsdicrypt",
        Some(b'$') => match b.get(1) {
            Some(b'1') => "MD5",
            Some(b'2') => match (b.get(2), b.get(3)) {
                (Some(b'b'), Some(b'$')) => "bcrypt",
                (Some(b'$'), _) => "nt",
                _ => "unknown",
            },
            Some(b'5') => "sha256",
            Some(b'6') => "sha512",
            Some(b'7') => "scrypt",
            Some(b'g') if b.get(2) == Some(&b'y') && b.get(3) == Some(&b'$') => "gostYesCrypt",
            Some(b'm') if displayed.starts_with("$md5") => "SunMD5",
            Some(b's') if displayed.starts_with("$sha1") => "sha1Crypt",
            Some(b'g' | b'm' | b's') => "unknown",
            Some(b'y') => "YesCrypt",
            _ => "$?$",
        },
        _ if b.len() == 13 => "DES/cleartxt",
        _ => "un-encrypted",
    }
}

/// `genpass(len)`: a random password whose first character is alphanumeric
/// and the rest drawn from 0-9A-Za-z and ``~!@#$%^&*_-+=`|(){}[]:;"'<>,.?/``
/// (no backslash: see [`PASS_CHARS`]). `len` 0 gives "".
pub fn random_password(len: usize) -> String {
    if len == 0 {
        return String::new();
    }
    let mut s = random_from(&PASS_CHARS[..62], 1);
    s.push_str(&random_from(PASS_CHARS, len - 1));
    s
}

/// Value stored in the `scram` column for `-C` without SCRAM.
pub fn cram_value(clear: &str) -> String {
    format!("{{CRAM}}{clear}")
}

#[cfg(test)]
mod tests;
