//! Thin bindings to the system libcrypt (libxcrypt on Debian), used for the
//! schemes not implemented natively: yescrypt (`$y$`) and anything else the
//! system crypt(3) understands (`$2b$`, `$7$`, `$gy$`, `_...`, ...).
//!
//! Only the re-entrant, caller-buffer entry points are used (`crypt_rn`,
//! `crypt_gensalt_rn`): they keep no hidden static state, take explicit
//! buffer sizes, and report failure with a NULL return instead of writing
//! past the buffer.

use std::ffi::{c_char, c_int, c_ulong, c_void, CStr, CString};

/// `sizeof(struct crypt_data)` in libxcrypt (output 384 + setting 384 +
/// input 512 + reserved 767 + initialized 1 + internal 30720). If a libcrypt
/// ever needs more, `crypt_rn` refuses with ERANGE (NULL), it does not
/// overflow.
const CRYPT_DATA_SIZE: usize = 32768;
/// `CRYPT_GENSALT_OUTPUT_SIZE` in libxcrypt.
const GENSALT_OUTPUT_SIZE: usize = 192;

#[link(name = "crypt")]
extern "C" {
    fn crypt_rn(
        phrase: *const c_char,
        setting: *const c_char,
        data: *mut c_void,
        size: c_int,
    ) -> *mut c_char;
    fn crypt_gensalt_rn(
        prefix: *const c_char,
        count: c_ulong,
        rbytes: *const c_char,
        nrbytes: c_int,
        output: *mut c_char,
        output_size: c_int,
    ) -> *mut c_char;
}

/// `crypt(phrase, setting)` through the system library. `None` when the
/// library rejects the input (invalid/unsupported setting) or the inputs
/// contain a NUL byte.
pub(crate) fn system_crypt(phrase: &[u8], setting: &str) -> Option<String> {
    let phrase = CString::new(phrase).ok()?;
    let setting = CString::new(setting).ok()?;
    let mut data = vec![0u8; CRYPT_DATA_SIZE];
    // SAFETY: `phrase` and `setting` are valid NUL-terminated strings that
    // outlive the call. `data` is a writable, zero-initialised buffer of
    // exactly `CRYPT_DATA_SIZE` bytes and that size is what we pass, so the
    // library never writes outside it (it returns NULL if the size is too
    // small). `struct crypt_data` is all `char`, so alignment 1 suffices.
    let out = unsafe {
        crypt_rn(
            phrase.as_ptr(),
            setting.as_ptr(),
            data.as_mut_ptr().cast::<c_void>(),
            CRYPT_DATA_SIZE as c_int,
        )
    };
    if out.is_null() {
        return None;
    }
    // SAFETY: a non-NULL result points at the NUL-terminated output field
    // inside `data`, which is still alive here; we copy it out before `data`
    // is dropped.
    let s = unsafe { CStr::from_ptr(out) }.to_str().ok()?.to_owned();
    // libxcrypt's failure token starts with '*'; crypt_rn normally returns
    // NULL instead, but be defensive.
    if s.starts_with('*') {
        None
    } else {
        Some(s)
    }
}

/// `crypt_gensalt(prefix, count, rbytes)` through the system library.
pub(crate) fn system_gensalt(prefix: &str, count: u64, rbytes: &[u8]) -> Option<String> {
    let prefix = CString::new(prefix).ok()?;
    let nrbytes = c_int::try_from(rbytes.len()).ok()?;
    let count = c_ulong::try_from(count).ok()?;
    let mut out = vec![0u8; GENSALT_OUTPUT_SIZE];
    // SAFETY: `prefix` is NUL-terminated and outlives the call; `rbytes` is
    // read for exactly `nrbytes` bytes (its length); `out` is a writable
    // buffer whose exact length is passed as `output_size`, so the library
    // writes at most that many bytes (NULL on failure).
    let r = unsafe {
        crypt_gensalt_rn(
            prefix.as_ptr(),
            count,
            rbytes.as_ptr().cast::<c_char>(),
            nrbytes,
            out.as_mut_ptr().cast::<c_char>(),
            GENSALT_OUTPUT_SIZE as c_int,
        )
    };
    if r.is_null() {
        return None;
    }
    let s = CStr::from_bytes_until_nul(&out)
        .ok()?
        .to_str()
        .ok()?
        .to_owned();
    if s.is_empty() || s.starts_with('*') {
        None
    } else {
        Some(s)
    }
}
