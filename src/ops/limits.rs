/*!
Domain and per-user limits (`vlimit`): the flag letters of `-g` and of the
permission options, and the original's `print_limits` report.
*/

use crate::db::vlimits::Limits;
use crate::sys;

/// `VLIMIT_DISABLE_*` bits of the permission masks.
pub const DENY_CREATE: i32 = 0x01;
pub const DENY_MODIFY: i32 = 0x02;
pub const DENY_DELETE: i32 = 0x04;
pub const DENY_ALL: i32 = DENY_CREATE | DENY_MODIFY | DENY_DELETE;

/// Every `disable_*` flag off.
fn clear_gid_flags(l: &mut Limits) {
    l.disable_dialup = 0;
    l.disable_passwordchanging = 0;
    l.disable_pop = 0;
    l.disable_smtp = 0;
    l.disable_webmail = 0;
    l.disable_imap = 0;
    l.disable_relay = 0;
}

/// Apply a `-g` flag string: every `disable_*` is reset first, then each letter
/// sets its flag (`toggle`, `-T`, makes the letters clear instead).
pub fn apply_gid_flags(l: &mut Limits, flags: &str, toggle: bool) -> Result<(), char> {
    let v = i32::from(!toggle);
    clear_gid_flags(l);
    for c in flags.chars() {
        match c {
            'u' => l.disable_dialup = v,
            'd' => l.disable_passwordchanging = v,
            'p' => l.disable_pop = v,
            's' => l.disable_smtp = v,
            'w' => l.disable_webmail = v,
            'i' => l.disable_imap = v,
            'r' => l.disable_relay = v,
            'x' => clear_gid_flags(l),
            other => return Err(other),
        }
    }
    Ok(())
}

/// A permission mask from `0 a c m d` (`0` clears what came before).
/// `allowed` is the set of letters the object takes.
pub fn perm_mask(flags: &str, allowed: &str) -> Result<i32, char> {
    let mut m = 0;
    for c in flags.chars() {
        if !allowed.contains(c) {
            return Err(c);
        }
        match c {
            '0' => m = 0,
            'a' => m |= DENY_ALL,
            'c' => m |= DENY_CREATE,
            'm' => m |= DENY_MODIFY,
            'd' => m |= DENY_DELETE,
            _ => return Err(c),
        }
    }
    Ok(m)
}

fn expiry(t: i64) -> String {
    if t == -1 {
        "Never Expires\n".to_string()
    } else {
        sys::asctime_local(t)
    }
}

fn size(label: &str, v: u64) -> String {
    if v == 0 {
        format!("{label}:     unlimited\n")
    } else {
        format!("{label}: {v:13}\n")
    }
}

fn count(label: &str, v: i64) -> String {
    if v == -1 {
        format!("{label}:     unlimited\n")
    } else {
        format!("{label}: {v:13}\n")
    }
}

/// `ALLOW_<what>` or `DENY_<what>` for one permission bit.
fn allow_deny(m: i32, bit: i32, what: &str) -> String {
    format!("{}_{what}", if m & bit != 0 { "DENY" } else { "ALLOW" })
}

fn perm3(label: &str, m: i32) -> String {
    format!(
        "  {label}: {:>12} {:>12} {:>12}\n",
        allow_deny(m, DENY_CREATE, "CREATE"),
        allow_deny(m, DENY_MODIFY, "MODIFY"),
        allow_deny(m, DENY_DELETE, "DELETE")
    )
}

/// `print_limits`: the report of `vlimit -s` (and of inquerytest's limit query).
/// The permission block is shown for per-user rows only, as the original does.
pub fn report(l: &Limits, user_row: bool) -> String {
    let mut s = String::new();
    s += &format!("Domain Expiry   Date : {}", expiry(l.domain_expiry));
    s += &format!("Password Expiry Date : {}", expiry(l.passwd_expiry));
    s += &size("Max Domain Quota     ", l.diskquota);
    s += &size("Max Domain Messages  ", l.maxmsgcount);
    s += &size("Default User Quota   ", l.defaultquota as u64);
    s += &size("Default User Messages", l.defaultmaxmsgcount);
    s += &count("Max Pop Accounts     ", l.maxpopaccounts);
    s += &count("Max Aliases          ", l.maxaliases);
    s += &count("Max Forwards         ", l.maxforwards);
    s += &count("Max Autoresponders   ", l.maxautoresponders);
    s += &count("Max Mailinglists     ", l.maxmailinglists);
    s += "\nGID Flags:\n";
    let flag = |on: i32, yes: &str, no: &str| format!("  {}\n", if on != 0 { yes } else { no });
    s += &flag(l.disable_dialup, "NO_DIALUP", "DIALUP");
    s += &flag(l.disable_passwordchanging, "NO_PASSWD_CHNG", "PASSWD CHNG");
    s += &flag(l.disable_smtp, "NO_SMTP", "SMTP");
    s += &flag(l.disable_imap, "NO_IMAP", "IMAP");
    s += &flag(l.disable_pop, "NO_POP", "POP3");
    s += &flag(l.disable_webmail, "NO_WEBMAIL", "WEBMAIL");
    s += &flag(l.disable_relay, "NO_RELAY", "RELAY");
    if user_row {
        s += "Flags for non postmaster accounts:\n";
        s += &perm3("pop account           ", l.perm_account);
        s += &perm3("alias                 ", l.perm_alias);
        s += &perm3("forward               ", l.perm_forward);
        s += &perm3("autoresponder         ", l.perm_autoresponder);
        s += &perm3("mailinglist           ", l.perm_maillist);
        s += &perm3("mailinglist users     ", l.perm_maillist_users);
        s += &perm3("mailinglist moderators", l.perm_maillist_moderators);
        s += &perm3("domain quota          ", l.perm_quota);
        let m = l.perm_defaultquota;
        s += &format!(
            "  default quota         : {:>12} {:>12}\n",
            allow_deny(m, DENY_CREATE, "CREATE"),
            allow_deny(m, DENY_MODIFY, "MODIFY")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_matches_the_original_layout() {
        let mut l = Limits {
            diskquota: 104857600,
            maxpopaccounts: 50,
            disable_pop: 1,
            ..Limits::default()
        };
        let r = report(&l, false);
        assert!(r.starts_with(
            "Domain Expiry   Date : Never Expires\nPassword Expiry Date : Never Expires\n\
Max Domain Quota     :     104857600\nMax Domain Messages  :     unlimited\n"
        ));
        assert!(r.contains("Max Pop Accounts     :            50\n"));
        assert!(r.ends_with("  NO_POP\n  WEBMAIL\n  RELAY\n"));
        l.perm_alias = DENY_CREATE | DENY_MODIFY;
        let r = report(&l, true);
        assert!(r.contains("  alias                 :  DENY_CREATE  DENY_MODIFY ALLOW_DELETE\n"));
        assert!(r.ends_with("  default quota         : ALLOW_CREATE ALLOW_MODIFY\n"));
    }

    #[test]
    fn flags() {
        assert_eq!(perm_mask("cm", "0acmd"), Ok(3));
        assert_eq!(perm_mask("a0c", "0acmd"), Ok(1));
        assert_eq!(perm_mask("q", "0acmd"), Err('q'));
        let mut l = Limits::default();
        apply_gid_flags(&mut l, "pi", false).unwrap();
        assert_eq!((l.disable_pop, l.disable_imap, l.disable_smtp), (1, 1, 0));
        apply_gid_flags(&mut l, "p", true).unwrap();
        assert_eq!(l.disable_pop, 0);
    }
}
