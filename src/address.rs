/*!
E-mail addresses as the tools take them on the command line, and the name
rules the original enforces when it creates a user (`iadduser`).
*/

use crate::config::{default_domain, Config};

/// Local parts reserved by RFC 2142 and IndiMail's spam filter: always active,
/// and protected from some operations.
pub const RFC_IDS: &[&str] = &[
    "postmaster",
    "abuse",
    "mailer-daemon",
    "prefilt",
    "postfilt",
    "spam",
    "nonspam",
    "register-spam",
    "register-nonspam",
];

pub fn is_rfc_id(user: &str) -> bool {
    RFC_IDS.contains(&user)
}

/// Column limits of the `indimail` table.
pub const MAX_PW_NAME: usize = 40;
pub const MAX_PW_DOMAIN: usize = 67;
pub const MAX_PW_PASS: usize = 128;
pub const MAX_PW_GECOS: usize = 48;
pub const MAX_PW_DIR: usize = 156;

/// `parse_email`: the first of `@`, `%` or `:` separates user and domain; an
/// address without one gets the default domain (possibly empty).
pub fn split_email(cfg: &Config, email: &str) -> (String, String) {
    match email.find(['@', '%', ':']) {
        Some(i) => (email[..i].to_string(), email[i + 1..].to_string()),
        None => (email.to_string(), default_domain(cfg).unwrap_or_default()),
    }
}

pub fn has_uppercase(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_uppercase())
}

/// The characters besides letters and digits allowed in a local part:
/// env `ALLOWCHARS`, else RFC 5322 atext plus space, dot and double quote.
fn allowed_chars() -> String {
    std::env::var("ALLOWCHARS").unwrap_or_else(|_| " .!#$%&'*+-/=?^_`{|}~\"".to_string())
}

/// `iadduser`'s checks on a new account, in the original's order and wording.
/// The result is the message for stderr (exit 100).
pub fn validate_new_user(
    user: &str,
    domain: &str,
    gecos: &str,
    passwd_len: usize,
) -> Result<(), String> {
    let first = user.chars().next();
    if !first.is_some_and(|c| c.is_ascii_alphanumeric()) {
        return Err("iadduser: illegal username".into());
    }
    if user.len() > MAX_PW_NAME
        || domain.len() > MAX_PW_DOMAIN
        || gecos.len() > MAX_PW_GECOS
        || passwd_len > MAX_PW_PASS
    {
        return Err("iadduser: Name too long".into());
    }
    if user.starts_with('.') || user.ends_with('.') {
        return Err("iadduser: Trailing/Leading periods not allowed".into());
    }
    if user.contains(':') || domain.contains(':') {
        return Err("iadduser: ':' not allowed in names".into());
    }
    if user.contains("..") {
        return Err("iadduser: successive periods not allowed in local-part See RFC-5322".into());
    }
    let allowed = allowed_chars();
    for c in user.chars() {
        if !c.is_ascii_alphanumeric() && !allowed.contains(c) {
            return Err(format!(
                "iadduser: [{c}] not allowed in local-part See RFC-5322"
            ));
        }
    }
    // A local part is a single path component of the home directory: whatever
    // ALLOWCHARS says, it may never climb or descend directories.
    if user.contains('/') || user == "." || user == ".." {
        return Err(format!(
            "iadduser: [{user}] cannot be used as a directory name"
        ));
    }
    if has_uppercase(user) {
        return Err(format!(
            "iadduser: user [{user}] has an uppercase character"
        ));
    }
    if has_uppercase(domain) {
        return Err(format!(
            "iadduser: domain [{domain}] has an uppercase character"
        ));
    }
    if gecos.contains(':') {
        return Err("iadduser: ':' not allowed in names".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_on_first_separator() {
        let cfg = Config::from_env();
        assert_eq!(
            split_email(&cfg, "a:b@example.com"),
            ("a".into(), "b@example.com".into())
        );
        assert_eq!(split_email(&cfg, "a%b@c"), ("a".into(), "b@c".into()));
        assert_eq!(
            split_email(&cfg, "x@example.com"),
            ("x".into(), "example.com".into())
        );
    }

    #[test]
    fn iadduser_messages() {
        let v = |u: &str| validate_new_user(u, "example.com", "g", 5);
        assert_eq!(v("_bad").unwrap_err(), "iadduser: illegal username");
        assert_eq!(
            v("x.").unwrap_err(),
            "iadduser: Trailing/Leading periods not allowed"
        );
        assert_eq!(
            v("a..b").unwrap_err(),
            "iadduser: successive periods not allowed in local-part See RFC-5322"
        );
        assert_eq!(
            v("a(b").unwrap_err(),
            "iadduser: [(] not allowed in local-part See RFC-5322"
        );
        assert_eq!(v(&"a".repeat(41)).unwrap_err(), "iadduser: Name too long");
        assert!(v(&"a".repeat(40)).is_ok());
        assert!(v("first.last").is_ok());
        assert!(v("a/b").is_err());
        assert_eq!(
            validate_new_user("a", "example.com", "a:b", 1).unwrap_err(),
            "iadduser: ':' not allowed in names"
        );
    }
}
