//! An SMTP plugin for qmail-smtpd written in Rust: it rejects RCPT TO a domain
//! listed in the control file `rejectrcptdomains` (one domain a line, `#`
//! comments; `.example.com` also covers every subdomain).
//!
//! The control file is `$CONTROLDIR/rejectrcptdomains` (a relative CONTROLDIR is
//! taken under SYSCONFDIR), else `$SYSCONFDIR/control/rejectrcptdomains`
//! (SYSCONFDIR defaults to `/etc/indimail`). It is read at every RCPT, so edits
//! apply at once.
//!
//! Build and install (the plugin directory is `PLUGINDIR` or
//! `/usr/lib/indimail/plugins`):
//!
//! ```text
//! cd examples/smtp-plugin
//! CARGO_ENCODED_RUSTFLAGS= cargo build --release   # no crt-static: it is a shared object
//! cp target/x86_64-unknown-linux-gnu/release/libreject_rcpt_domain.so /usr/lib/indimail/plugins/smtpd-plugin.so
//! plugtest -T -r 192.0.2.1 -m sender@example.org rcpt@blocked.example
//! ```
//!
//! The ABI (see packaging/include/smtp_plugin.h for C): `plugin_init` returns a
//! pointer to a static struct of three hook pointers (mail, rcpt, data); a hook
//! returns 0 to pass, or non-zero after pointing `*mesg` at a complete SMTP
//! reply line ending in CRLF that stays valid after the call.

use std::ffi::{c_char, c_int, CStr};
use std::path::PathBuf;

type MailFn = unsafe extern "C" fn(*const c_char, *const c_char, *mut *const c_char) -> c_int;
type RcptFn =
    unsafe extern "C" fn(*const c_char, *const c_char, *const c_char, *mut *const c_char) -> c_int;
type DataFn = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const c_char,
    *const c_char,
    *mut *const c_char,
) -> c_int;

/// The C `PLUGIN` struct.
#[repr(C)]
pub struct Plugin {
    mail_func: Option<MailFn>,
    rcpt_func: Option<RcptFn>,
    data_func: Option<DataFn>,
}

static PLUGIN: Plugin = Plugin {
    mail_func: None,
    rcpt_func: Some(rcpt_hook),
    data_func: None,
};

/// A static reply: the host keeps the pointer and never frees it.
const REJECT: &CStr = c"553 sorry, mail to that domain is not accepted here (#5.7.1)\r\n";

fn control_file() -> PathBuf {
    let sysconf = std::env::var_os("SYSCONFDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/indimail"));
    let dir = match std::env::var_os("CONTROLDIR") {
        Some(c) => sysconf.join(c), // joining an absolute path replaces the base
        None => sysconf.join("control"),
    };
    dir.join("rejectrcptdomains")
}

/// Whether `domain` (lower case) is listed, exactly or under a `.parent` entry.
fn listed(domain: &str, list: &str) -> bool {
    list.lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|l| !l.is_empty())
        .any(|l| match l.strip_prefix('.') {
            Some(parent) => domain.ends_with(&l) || domain == parent,
            None => domain == l,
        })
}

/// The RCPT hook: `rcpt` is the recipient address without angle brackets.
///
/// # Safety
/// The host passes NUL-terminated strings (or NULL) and a valid `mesg` pointer.
unsafe extern "C" fn rcpt_hook(
    _remoteip: *const c_char,
    _from: *const c_char,
    rcpt: *const c_char,
    mesg: *mut *const c_char,
) -> c_int {
    if rcpt.is_null() || mesg.is_null() {
        return 0;
    }
    // SAFETY: the host passes a NUL-terminated string that lives for the call.
    let rcpt = unsafe { CStr::from_ptr(rcpt) }.to_string_lossy();
    let Some((_, domain)) = rcpt.rsplit_once('@') else {
        return 0;
    };
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let Ok(list) = std::fs::read_to_string(control_file()) else {
        return 0; // no control file: nothing is rejected
    };
    if !listed(&domain, &list) {
        return 0;
    }
    // SAFETY: `mesg` is the host's valid out-pointer; REJECT is 'static.
    unsafe { *mesg = REJECT.as_ptr() };
    1
}

/// The entry point qmail-smtpd and plugtest look up (`SMTP_PLUGIN_SYMB` may name another).
#[no_mangle]
pub extern "C" fn plugin_init() -> *const Plugin {
    &PLUGIN
}

#[cfg(test)]
mod tests {
    use super::listed;

    #[test]
    fn domains_and_parents() {
        let list = "# blocked\nBlocked.example\n.spam.test  # and below\n";
        assert!(listed("blocked.example", list));
        assert!(!listed("x.blocked.example", list));
        assert!(listed("spam.test", list));
        assert!(listed("a.b.spam.test", list));
        assert!(!listed("notspam.test", list));
        assert!(!listed("example.org", list));
    }
}
