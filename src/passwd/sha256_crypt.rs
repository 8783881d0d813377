//! SHA-256-crypt (`$5$`, Ulrich Drepper's "Unix crypt using SHA-256"),
//! allocation-free, and a multi-buffer variant for bulk hashing.
//!
//! Nearly all the time goes into the rounds loop (5000 by default): each
//! round is one SHA-256 of C (the previous digest), the password sequence P
//! and the salt sequence S, concatenated in an order fixed by `i % 2`,
//! `i % 3` and `i % 7`. There are only 8 such layouts, so each is laid out
//! once as a padded message template ([`Rounds`]); a round then writes the
//! 32 bytes of C into its template and compresses the template's blocks.
//!
//! One stream is bound by the latency of the SHA-256 compression (SHA-NI's
//! `sha256rnds2` chain); [`crypt_many`] runs several independent passwords
//! through the rounds in lock-step on one core with the SHA-NI instructions
//! interleaved, so the CPU overlaps their latency. Without SHA-NI it hashes
//! one after another with `sha2::compress256` (the portable path).

use sha2::compress256;
use sha2::digest::generic_array::GenericArray;

/// Drepper's bounds; crypt(3) settings outside them are rejected by the
/// caller (libxcrypt), the core clamps like the reference implementation.
const ROUNDS_MIN: u32 = 1000;
const ROUNDS_MAX: u32 = 999_999_999;

/// Longest salt used (longer ones are truncated by the caller).
pub const SALT_MAX: usize = 16;

/// Longest pass phrase: libxcrypt refuses 512 bytes and more.
const PHRASE_MAX: usize = 511;

/// Bytes of the longest round message (C, P twice, S) plus padding, whole
/// blocks: 32 + 2 * 511 + 16 + 9 bytes fit in 17 blocks.
const BUF: usize = 17 * 64;

const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Number of passwords hashed together by [`crypt_many`] on the SHA-NI path.
pub const LANES: usize = 4;

fn compress_block(state: &mut [u32; 8], block: &[u8]) {
    compress256(
        state,
        core::slice::from_ref(GenericArray::from_slice(block)),
    );
}

fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// Streaming SHA-256 on a stack buffer, for the setup digests.
struct Sha256 {
    state: [u32; 8],
    buf: [u8; 64],
    len: usize,
    total: u64,
}

impl Sha256 {
    fn new() -> Self {
        Sha256 {
            state: H0,
            buf: [0; 64],
            len: 0,
            total: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if self.len > 0 {
            let take = (64 - self.len).min(data.len());
            self.buf[self.len..self.len + take].copy_from_slice(&data[..take]);
            self.len += take;
            data = &data[take..];
            if self.len < 64 {
                return;
            }
            compress_block(&mut self.state, &self.buf);
            self.len = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for b in &mut blocks {
            compress_block(&mut self.state, b);
        }
        let rest = blocks.remainder();
        self.buf[..rest.len()].copy_from_slice(rest);
        self.len = rest.len();
    }

    fn finish(mut self) -> [u8; 32] {
        let bits = self.total * 8;
        let mut tail = [0u8; 128];
        tail[..self.len].copy_from_slice(&self.buf[..self.len]);
        tail[self.len] = 0x80;
        let n = if self.len < 56 { 64 } else { 128 };
        tail[n - 8..n].copy_from_slice(&bits.to_be_bytes());
        for b in tail[..n].chunks_exact(64) {
            compress_block(&mut self.state, b);
        }
        state_bytes(&self.state)
    }
}

/// Layout of round `i`: bit 0 odd round, bit 1 `i % 3 == 0` (no S),
/// bit 2 `i % 7 == 0` (P once).
fn layout(i: u32) -> usize {
    (i & 1) as usize | usize::from(i % 3 == 0) << 1 | usize::from(i % 7 == 0) << 2
}

/// The rounds of one password: the 8 padded message templates, where C goes
/// in each and how many blocks each has, and the running digest C.
struct Rounds {
    tmpl: [[u8; BUF]; 8],
    c_off: [usize; 8],
    blocks: [usize; 8],
    c: [u8; 32],
}

impl Rounds {
    const fn empty() -> Rounds {
        Rounds {
            tmpl: [[0; BUF]; 8],
            c_off: [0; 8],
            blocks: [0; 8],
            c: [0; 32],
        }
    }

    /// Everything before the rounds loop (Drepper's steps 1-20): digest A
    /// (= the first C) and the P and S sequences, laid out into templates.
    fn init(&mut self, phrase: &[u8], salt: &[u8]) {
        assert!(phrase.len() <= PHRASE_MAX && salt.len() <= SALT_MAX);
        let (plen, slen) = (phrase.len(), salt.len());
        let mut b = Sha256::new();
        b.update(phrase);
        b.update(salt);
        b.update(phrase);
        let b = b.finish();
        let mut a = Sha256::new();
        a.update(phrase);
        a.update(salt);
        let mut cnt = plen;
        while cnt > 32 {
            a.update(&b);
            cnt -= 32;
        }
        a.update(&b[..cnt]);
        let mut cnt = plen;
        while cnt > 0 {
            a.update(if cnt & 1 != 0 { &b[..] } else { phrase });
            cnt >>= 1;
        }
        self.c = a.finish();

        let mut dp = Sha256::new();
        for _ in 0..plen {
            dp.update(phrase);
        }
        let dp = dp.finish();
        let mut ds = Sha256::new();
        for _ in 0..16 + usize::from(self.c[0]) {
            ds.update(salt);
        }
        let s_seq = &ds.finish()[..slen];
        let mut p_buf = [0u8; PHRASE_MAX];
        for (i, x) in p_buf[..plen].iter_mut().enumerate() {
            *x = dp[i % 32];
        }
        let p_seq = &p_buf[..plen];

        for lay in 0..8 {
            let (odd, no_s, one_p) = (lay & 1 != 0, lay & 2 != 0, lay & 4 != 0);
            let t = &mut self.tmpl[lay];
            let mut at = 0;
            let mut put = |t: &mut [u8; BUF], d: &[u8]| {
                t[at..at + d.len()].copy_from_slice(d);
                at += d.len();
            };
            // Odd rounds: P [S] [P] C; even rounds: C [S] [P] P.
            put(t, if odd { p_seq } else { &[0; 32] });
            if !no_s {
                put(t, s_seq);
            }
            if !one_p {
                put(t, p_seq);
            }
            put(t, if odd { &[0; 32] } else { p_seq });
            let len = at;
            self.c_off[lay] = if odd { len - 32 } else { 0 };
            let nb = (len + 9).div_ceil(64);
            t[len] = 0x80;
            t[len + 1..nb * 64 - 8].fill(0);
            t[nb * 64 - 8..nb * 64].copy_from_slice(&(len as u64 * 8).to_be_bytes());
            self.blocks[lay] = nb;
        }
    }

    /// Round `i`'s message, with C in place.
    fn message(&mut self, i: u32) -> &[u8] {
        let lay = layout(i);
        let off = self.c_off[lay];
        self.tmpl[lay][off..off + 32].copy_from_slice(&self.c);
        &self.tmpl[lay][..self.blocks[lay] * 64]
    }

    /// The rounds loop one compression after another (`sha2::compress256`,
    /// which uses SHA-NI itself when the CPU has it).
    fn run_portable(&mut self, rounds: u32) {
        for i in 0..rounds {
            let mut st = H0;
            for b in self.message(i).chunks_exact(64) {
                compress_block(&mut st, b);
            }
            self.c = state_bytes(&st);
        }
    }

    /// The final digest in crypt's base64 (43 characters).
    fn encoded(&self) -> [u8; 43] {
        encode(&self.c)
    }
}

fn clamp_rounds(rounds: u32) -> u32 {
    rounds.clamp(ROUNDS_MIN, ROUNDS_MAX)
}

/// SHA-256-crypt of one password: the 43 base64 characters after the salt.
/// `phrase` at most 511 bytes, `salt` at most 16 (the caller truncates);
/// `rounds` is clamped to 1000..=999999999. Nothing is allocated.
pub fn crypt(phrase: &[u8], salt: &[u8], rounds: u32) -> [u8; 43] {
    let mut r = Rounds::empty();
    r.init(phrase, salt);
    r.run_portable(clamp_rounds(rounds));
    r.encoded()
}

/// Which implementation [`crypt_many_with`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// [`crypt`] for each password in turn.
    Portable,
    /// [`LANES`] passwords interleaved with the SHA-NI instructions.
    ShaNi,
}

impl Backend {
    /// The fastest backend this CPU runs.
    pub fn detect() -> Backend {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("sha")
                && std::is_x86_feature_detected!("sse2")
                && std::is_x86_feature_detected!("ssse3")
                && std::is_x86_feature_detected!("sse4.1")
            {
                return Backend::ShaNi;
            }
        }
        Backend::Portable
    }
}

/// SHA-256-crypt of many `(phrase, salt)` pairs with the same `rounds`, the
/// results in order; same limits as [`crypt`]. Uses the multi-buffer SHA-NI
/// path when the CPU has it.
pub fn crypt_many(jobs: &[(&[u8], &[u8])], rounds: u32) -> Vec<[u8; 43]> {
    crypt_many_with(jobs, rounds, Backend::detect())
}

/// [`crypt_many`] with a chosen backend (tests force the portable one).
/// `Backend::ShaNi` on a CPU without SHA-NI falls back to the portable path.
pub fn crypt_many_with(jobs: &[(&[u8], &[u8])], rounds: u32, backend: Backend) -> Vec<[u8; 43]> {
    let rounds = clamp_rounds(rounds);
    #[cfg(target_arch = "x86_64")]
    if backend == Backend::ShaNi && Backend::detect() == Backend::ShaNi {
        let mut out = Vec::with_capacity(jobs.len());
        // One set of templates per lane, reused for every group (35 KiB).
        let mut lanes: Box<[Rounds; LANES]> = Box::new([const { Rounds::empty() }; LANES]);
        for group in jobs.chunks(LANES) {
            for (lane, (phrase, salt)) in lanes.iter_mut().zip(group) {
                lane.init(phrase, salt);
            }
            // SAFETY: the CPU has SHA-NI, SSE2, SSSE3 and SSE4.1 (checked
            // at run time just above by `Backend::detect`).
            unsafe { shani::run(&mut lanes[..group.len()], rounds) };
            out.extend(lanes[..group.len()].iter().map(Rounds::encoded));
        }
        return out;
    }
    // Only x86_64 has a SHA-NI path to choose.
    #[cfg(not(target_arch = "x86_64"))]
    let _ = backend;
    jobs.iter()
        .map(|(phrase, salt)| crypt(phrase, salt, rounds))
        .collect()
}

const B64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// crypt's base64 of a SHA-256-crypt digest: the bytes in Drepper's order,
/// 24 bits at a time, least significant 6 bits first.
fn encode(d: &[u8; 32]) -> [u8; 43] {
    const ORDER: [(usize, usize, usize); 10] = [
        (0, 10, 20),
        (21, 1, 11),
        (12, 22, 2),
        (3, 13, 23),
        (24, 4, 14),
        (15, 25, 5),
        (6, 16, 26),
        (27, 7, 17),
        (18, 28, 8),
        (9, 19, 29),
    ];
    let mut out = [0u8; 43];
    let mut at = 0;
    let mut put = |w: u32, n: usize| {
        let mut w = w;
        for _ in 0..n {
            out[at] = B64[(w & 0x3f) as usize];
            w >>= 6;
            at += 1;
        }
    };
    for (x, y, z) in ORDER {
        put(
            u32::from(d[x]) << 16 | u32::from(d[y]) << 8 | u32::from(d[z]),
            4,
        );
    }
    put(u32::from(d[31]) << 8 | u32::from(d[30]), 3);
    out
}

#[cfg(target_arch = "x86_64")]
mod shani {
    //! SHA-256 compressions of up to [`LANES`] independent messages
    //! interleaved instruction by instruction with SHA-NI. The round and
    //! message-schedule sequence is the standard one (Intel's SHA extensions
    //! paper, as in the `sha2` crate's x86 backend); the state is kept in
    //! the instructions' ABEF/CDGH form during a round.

    use super::{layout, Rounds, H0, LANES};
    use core::arch::x86_64::*;

    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// Per-32-bit-word byte swap (message words and digest are big-endian).
    #[inline(always)]
    unsafe fn bswap_mask() -> __m128i {
        // SAFETY (caller): SSE2 is available.
        _mm_set_epi64x(0x0C0D_0E0F_0809_0A0B, 0x0405_0607_0001_0203)
    }

    /// Compress one 64-byte block of each of `M` lanes into `abef`/`cdgh`.
    ///
    /// # Safety
    /// The CPU must have SHA-NI, SSE2, SSSE3, SSE4.1; every `blocks[l]`
    /// must point to 64 readable bytes.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    unsafe fn compress<const M: usize>(
        abef: &mut [__m128i; M],
        cdgh: &mut [__m128i; M],
        blocks: [*const u8; M],
    ) {
        let mask = bswap_mask();
        let (abef0, cdgh0) = (*abef, *cdgh);
        let mut w = [[_mm_setzero_si128(); M]; 4];
        for (j, wj) in w.iter_mut().enumerate() {
            for l in 0..M {
                // SAFETY: blocks[l] has 64 readable bytes (caller); the load
                // is unaligned.
                wj[l] = _mm_shuffle_epi8(
                    _mm_loadu_si128(blocks[l].add(16 * j).cast::<__m128i>()),
                    mask,
                );
            }
        }
        macro_rules! quad {
            ($r:expr) => {{
                // SAFETY: K has 64 words; 4 * $r + 4 <= 64.
                let k = _mm_loadu_si128(K.as_ptr().add(4 * $r).cast::<__m128i>());
                for l in 0..M {
                    if $r >= 4 {
                        // W[4r..4r+4] from the previous 16 words.
                        let t1 = _mm_sha256msg1_epu32(w[$r % 4][l], w[($r + 1) % 4][l]);
                        let t2 = _mm_alignr_epi8(w[($r + 3) % 4][l], w[($r + 2) % 4][l], 4);
                        w[$r % 4][l] =
                            _mm_sha256msg2_epu32(_mm_add_epi32(t1, t2), w[($r + 3) % 4][l]);
                    }
                    let t = _mm_add_epi32(w[$r % 4][l], k);
                    cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], t);
                    abef[l] = _mm_sha256rnds2_epu32(abef[l], cdgh[l], _mm_shuffle_epi32(t, 0x0E));
                }
            }};
        }
        quad!(0);
        quad!(1);
        quad!(2);
        quad!(3);
        quad!(4);
        quad!(5);
        quad!(6);
        quad!(7);
        quad!(8);
        quad!(9);
        quad!(10);
        quad!(11);
        quad!(12);
        quad!(13);
        quad!(14);
        quad!(15);
        for l in 0..M {
            abef[l] = _mm_add_epi32(abef[l], abef0[l]);
            cdgh[l] = _mm_add_epi32(cdgh[l], cdgh0[l]);
        }
    }

    /// `compress` for the lanes listed in `idx[..M]`.
    ///
    /// # Safety
    /// As `compress`; `blocks[l]` is valid for every listed lane.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    unsafe fn compress_some<const M: usize>(
        abef: &mut [__m128i; LANES],
        cdgh: &mut [__m128i; LANES],
        blocks: &[*const u8; LANES],
        idx: &[usize; LANES],
    ) {
        let mut a = [_mm_setzero_si128(); M];
        let mut c = [_mm_setzero_si128(); M];
        let mut b = [core::ptr::null(); M];
        for j in 0..M {
            (a[j], c[j], b[j]) = (abef[idx[j]], cdgh[idx[j]], blocks[idx[j]]);
        }
        // SAFETY: forwarded from the caller.
        compress::<M>(&mut a, &mut c, b);
        for j in 0..M {
            (abef[idx[j]], cdgh[idx[j]]) = (a[j], c[j]);
        }
    }

    /// Run `rounds` rounds on every lane in lock-step; lanes whose round
    /// message has fewer blocks drop out of the later compressions.
    ///
    /// # Safety
    /// The CPU must have SHA-NI, SSE2, SSSE3 and SSE4.1.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub unsafe fn run(lanes: &mut [Rounds], rounds: u32) {
        let n = lanes.len();
        assert!(n <= LANES);
        let mask = bswap_mask();
        // The initial state in ABEF/CDGH form.
        // SAFETY: H0 has 8 words; unaligned loads.
        let dcba = _mm_loadu_si128(H0.as_ptr().cast::<__m128i>());
        let efgh = _mm_loadu_si128(H0.as_ptr().add(4).cast::<__m128i>());
        let cdab = _mm_shuffle_epi32(dcba, 0xB1);
        let efgh = _mm_shuffle_epi32(efgh, 0x1B);
        let iv_abef = _mm_alignr_epi8(cdab, efgh, 8);
        let iv_cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
        for i in 0..rounds {
            let lay = layout(i);
            let mut blocks = [core::ptr::null(); LANES];
            let mut count = [0usize; LANES];
            let mut most = 0;
            for (l, r) in lanes.iter_mut().enumerate() {
                blocks[l] = r.message(i).as_ptr();
                count[l] = r.blocks[lay];
                most = most.max(count[l]);
            }
            let mut abef = [iv_abef; LANES];
            let mut cdgh = [iv_cdgh; LANES];
            for k in 0..most {
                let mut idx = [0usize; LANES];
                let mut m = 0;
                for (l, &c) in count[..n].iter().enumerate() {
                    if c > k {
                        idx[m] = l;
                        m += 1;
                    }
                }
                // SAFETY: each listed lane's message has more than k blocks,
                // so blocks[l] points to 64 readable bytes of its template.
                match m {
                    4 => compress_some::<4>(&mut abef, &mut cdgh, &blocks, &idx),
                    3 => compress_some::<3>(&mut abef, &mut cdgh, &blocks, &idx),
                    2 => compress_some::<2>(&mut abef, &mut cdgh, &blocks, &idx),
                    _ => compress_some::<1>(&mut abef, &mut cdgh, &blocks, &idx),
                }
                for &l in &idx[..m] {
                    blocks[l] = blocks[l].add(64);
                }
            }
            for (l, r) in lanes.iter_mut().enumerate() {
                let feba = _mm_shuffle_epi32(abef[l], 0x1B);
                let dchg = _mm_shuffle_epi32(cdgh[l], 0xB1);
                let dcba = _mm_blend_epi16(feba, dchg, 0xF0);
                let hgef = _mm_alignr_epi8(dchg, feba, 8);
                // SAFETY: r.c is 32 bytes; unaligned stores.
                let c = r.c.as_mut_ptr().cast::<__m128i>();
                _mm_storeu_si128(c, _mm_shuffle_epi8(dcba, mask));
                _mm_storeu_si128(c.add(1), _mm_shuffle_epi8(hgef, mask));
            }
        }
    }
}
