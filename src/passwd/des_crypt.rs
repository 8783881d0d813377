//! Traditional (Seventh Edition) DES-based `crypt(3)`: 2-character salt,
//! 13-character result.
//!
//! The algorithm: the first eight bytes of the pass phrase (7 low bits each)
//! form a DES key; a zero block is encrypted 25 times with a DES variant whose
//! expansion (E) table is perturbed by the 12 salt bits; the 64-bit result is
//! printed as 11 characters of the crypt alphabet after the two salt
//! characters.
//!
//! This is a straightforward bit-permutation implementation written from the
//! published DES standard (FIPS 46). Speed is irrelevant here (one hash per
//! command invocation), clarity is not.

/// The crypt(3) alphabet in value order (`.` = 0 ... `z` = 63).
const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Value (0..=63) of a crypt(3) alphabet character.
pub(crate) fn crypt64_value(c: u8) -> Option<u8> {
    match c {
        b'.' | b'/' => Some(c - b'.'),
        b'0'..=b'9' => Some(c - b'0' + 2),
        b'A'..=b'Z' => Some(c - b'A' + 12),
        b'a'..=b'z' => Some(c - b'a' + 38),
        _ => None,
    }
}

// Permutation tables: entries are 1-based bit positions, bit 1 = most
// significant bit of the input.

const IP: [u8; 64] = [
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, //
    62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8, //
    57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, //
    61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];

const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, //
    10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, //
    63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, //
    14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];

const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, //
    23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, //
    41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, //
    44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

const SHIFTS: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

const E: [u8; 48] = [
    32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, //
    8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, //
    16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, //
    24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];

const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, //
    2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];

const SBOX: [[u8; 64]; 8] = [
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, //
        0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8, //
        4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, //
        15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
    ],
    [
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, //
        3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5, //
        0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, //
        13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
    ],
    [
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, //
        13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1, //
        13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, //
        1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
    ],
    [
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, //
        13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9, //
        10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, //
        3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
    ],
    [
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, //
        14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6, //
        4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, //
        11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
    ],
    [
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, //
        10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8, //
        9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, //
        4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
    ],
    [
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, //
        13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6, //
        1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, //
        6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
    ],
    [
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, //
        1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2, //
        7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, //
        2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ],
];

/// Apply a permutation table: output bit `i` (MSB first, `table.len()` bits
/// wide) is input bit `table[i]` (1-based, MSB first, `in_bits` wide).
fn permute(input: u64, in_bits: u32, table: &[u8]) -> u64 {
    table.iter().fold(0u64, |acc, &pos| {
        (acc << 1) | ((input >> (in_bits - u32::from(pos))) & 1)
    })
}

/// Inverse of a full 64-entry permutation (used to derive FP from IP).
fn inverse64(table: &[u8; 64]) -> [u8; 64] {
    let mut inv = [0u8; 64];
    for (i, &pos) in table.iter().enumerate() {
        // `i` < 64, so the cast cannot truncate.
        inv[usize::from(pos) - 1] = (i + 1) as u8;
    }
    inv
}

/// The 16 round keys (48 bits each) for a 64-bit DES key.
fn key_schedule(key: u64) -> [u64; 16] {
    const MASK28: u64 = (1 << 28) - 1;
    let cd = permute(key, 64, &PC1);
    let mut c = cd >> 28;
    let mut d = cd & MASK28;
    let mut keys = [0u64; 16];
    for (k, &s) in keys.iter_mut().zip(SHIFTS.iter()) {
        c = ((c << s) | (c >> (28 - s))) & MASK28;
        d = ((d << s) | (d >> (28 - s))) & MASK28;
        *k = permute((c << 28) | d, 56, &PC2);
    }
    keys
}

/// DES round function with a (possibly salt-perturbed) expansion table.
fn feistel(r: u64, subkey: u64, e: &[u8; 48]) -> u64 {
    let x = permute(r, 32, e) ^ subkey;
    let mut out = 0u64;
    for (i, sbox) in SBOX.iter().enumerate() {
        let six = (x >> (42 - 6 * i)) & 0x3f;
        let row = ((six >> 4) & 2) | (six & 1);
        let col = (six >> 1) & 0xf;
        // row < 4 and col < 16, so the index is < 64.
        out = (out << 4) | u64::from(sbox[(row * 16 + col) as usize]);
    }
    permute(out, 32, &P)
}

/// One DES block encryption with the given round keys and E table.
fn encrypt_block(block: u64, keys: &[u64; 16], e: &[u8; 48], fp: &[u8; 64]) -> u64 {
    let ip = permute(block, 64, &IP);
    let mut l = ip >> 32;
    let mut r = ip & 0xffff_ffff;
    for &k in keys {
        let next = l ^ feistel(r, k, e);
        l = r;
        r = next;
    }
    permute((r << 32) | l, 64, fp)
}

/// Plain DES encryption (standard E table); used by the tests to check the
/// core against the published FIPS test vector.
#[cfg(test)]
pub(crate) fn des_encrypt(key: u64, block: u64) -> u64 {
    encrypt_block(block, &key_schedule(key), &E, &inverse64(&IP))
}

/// Traditional DES crypt, or libxcrypt's "bigcrypt" variant when `bigcrypt`
/// is set (libxcrypt selects it for DES settings of 14 or more characters).
///
/// `salt` must start with two characters of the crypt alphabet (anything
/// after them is ignored); returns `None` otherwise. Traditional DES uses
/// the first 8 bytes of `phrase`. bigcrypt hashes the phrase in 8-byte
/// segments (at least one, at most 16), each segment after the first salted
/// with the first two output characters of the previous one, and
/// concatenates the 11-character segment outputs.
pub(crate) fn des_crypt(phrase: &[u8], salt: &[u8], bigcrypt: bool) -> Option<String> {
    let (s0, s1) = match salt {
        [a, b, ..] => (*a, *b),
        _ => return None,
    };
    crypt64_value(s0)?;
    crypt64_value(s1)?;

    let mut out = String::with_capacity(2 + 11);
    out.push(char::from(s0));
    out.push(char::from(s1));
    let (mut c0, mut c1) = (s0, s1);
    let mut rest = phrase;
    for _ in 0..16 {
        let seg = des_segment(&rest[..rest.len().min(8)], c0, c1)?;
        rest = &rest[rest.len().min(8)..];
        c0 = seg[0];
        c1 = seg[1];
        out.extend(seg.iter().map(|&b| char::from(b)));
        if !bigcrypt || rest.is_empty() {
            break;
        }
    }
    Some(out)
}

/// 11 output characters of 25 salted DES encryptions of a zero block keyed
/// with (up to) 8 phrase bytes.
fn des_segment(key_bytes: &[u8], s0: u8, s1: u8) -> Option<[u8; 11]> {
    let saltbits = u32::from(crypt64_value(s0)?) | (u32::from(crypt64_value(s1)?) << 6);

    // Salt bit k (k = 0..12) swaps expansion entries k and k + 24.
    let mut e = E;
    for k in 0..12 {
        if saltbits & (1 << k) != 0 {
            e.swap(k, k + 24);
        }
    }

    // Key: 7 low bits of each byte, shifted into the high 7 bits of each key
    // byte (the low/parity bit is 0); missing bytes are 0.
    let key = (0..8).fold(0u64, |acc, i| {
        let b = key_bytes.get(i).copied().unwrap_or(0);
        (acc << 8) | u64::from(b << 1)
    });

    let keys = key_schedule(key);
    let fp = inverse64(&IP);
    let mut block = 0u64;
    for _ in 0..25 {
        block = encrypt_block(block, &keys, &e, &fp);
    }

    // 64 bits + 2 zero pad bits = 11 six-bit groups, most significant first.
    let mut out = [0u8; 11];
    let padded = u128::from(block) << 2;
    for (i, o) in out.iter_mut().enumerate() {
        let v = ((padded >> (6 * (10 - i))) & 0x3f) as usize;
        *o = CRYPT64[v];
    }
    Some(out)
}
