//! FreeBSD/glibc "MD5-crypt" (`$1$`), built on the RustCrypto `md-5` digest.
//!
//! Written from the published algorithm description (Poul-Henning Kamp's
//! scheme as documented for glibc/libxcrypt): an initial digest over
//! phrase + magic + salt mixed with an alternate digest, then 1000
//! strengthening rounds, then a fixed byte shuffle into 22 characters.

use md5::{Digest, Md5};

const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Append `n` characters encoding `v`, least significant 6 bits first.
fn push_b64(out: &mut String, mut v: u32, n: usize) {
    for _ in 0..n {
        out.push(char::from(CRYPT64[(v & 0x3f) as usize]));
        v >>= 6;
    }
}

/// `$1$<salt>$<22 chars>`. `salt` is the raw salt text (already cut at the
/// first `$` and to at most 8 bytes by the caller).
pub(crate) fn md5_crypt(phrase: &[u8], salt: &[u8]) -> String {
    const MAGIC: &[u8] = b"$1$";

    let alt = {
        let mut h = Md5::new();
        h.update(phrase);
        h.update(salt);
        h.update(phrase);
        h.finalize()
    };

    let mut h = Md5::new();
    h.update(phrase);
    h.update(MAGIC);
    h.update(salt);
    let mut left = phrase.len();
    while left > 0 {
        let n = left.min(16);
        h.update(&alt[..n]);
        left -= n;
    }
    // For each bit of the phrase length (low bit first): a NUL byte when the
    // bit is set, else the first phrase byte.
    let mut bits = phrase.len();
    while bits != 0 {
        if bits & 1 != 0 {
            h.update([0u8]);
        } else {
            h.update(&phrase[..1]);
        }
        bits >>= 1;
    }
    let mut fin = h.finalize();

    for i in 0..1000 {
        let mut h = Md5::new();
        if i & 1 != 0 {
            h.update(phrase);
        } else {
            h.update(fin);
        }
        if i % 3 != 0 {
            h.update(salt);
        }
        if i % 7 != 0 {
            h.update(phrase);
        }
        if i & 1 != 0 {
            h.update(fin);
        } else {
            h.update(phrase);
        }
        fin = h.finalize();
    }

    let mut out = String::with_capacity(3 + salt.len() + 1 + 22);
    out.push_str("$1$");
    // Salt bytes are printable ASCII (checked by the caller).
    out.extend(salt.iter().map(|&b| char::from(b)));
    out.push('$');
    let f = |i: usize| u32::from(fin[i]);
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        push_b64(&mut out, (f(a) << 16) | (f(b) << 8) | f(c), 4);
    }
    push_b64(&mut out, f(11), 2);
    out
}
