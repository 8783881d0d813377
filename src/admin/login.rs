//! Checking an indisrvr login (servers.md 3.1) with the hardening of Part 4: bound SQL,
//! throttling per address and per (user, address), the `mgmtaccess` failure counter reset on
//! success, unknown and disabled accounts answered alike and in the same time, constant-time
//! hash comparison.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::throttle::Throttle;
use crate::config::Config;
use crate::db::{mgmtaccess, Db};

/// How a login attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Unknown, disabled or locked-out account, or the central database is unreachable:
    /// `You are disabled`.
    Disabled,
    /// Wrong password: `indisrvr: Password incorrect`.
    BadPassword,
    /// Too early after failures from this address; answered like a wrong password.
    Throttled,
}

impl Outcome {
    /// The line the client gets (none on success).
    pub fn message(&self) -> &'static str {
        match self {
            Outcome::Ok => "",
            Outcome::Disabled => "You are disabled\n",
            Outcome::BadPassword | Outcome::Throttled => "indisrvr: Password incorrect\n",
        }
    }
}

/// A login name the table can hold: 1-32 printable characters without blanks or quotes.
pub fn valid_user(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= 32
        && user
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\'' && b != b'\\')
}

/// Spend the time of a real verification, so that unknown accounts answer as fast as known ones.
fn dummy_verify(password: &[u8]) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let h = DUMMY.get_or_init(|| {
        crate::passwd::hash_with_setting(b"not a password", "$5$indisrvrdummysal")
            .unwrap_or_default()
    });
    let _ = crate::passwd::verify(password, h);
}

/// Today's day of the month, local time (what the original stores in `mgmtaccess.day`).
pub fn today(now: i64) -> u32 {
    let local = now + i64::from(crate::sys::local_offset_minutes(now)) * 60;
    day_of_month(local.div_euclid(86_400))
}

/// Day of month of a day number since 1970-01-01 (civil calendar).
fn day_of_month(days: i64) -> u32 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    (doy - (153 * mp + 2) / 5 + 1) as u32
}

pub fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Check `user`/`password` coming from `addr`; logs nothing itself (the caller logs the
/// outcome, never the password). `log` receives database errors. On success the open
/// connection to the central database comes back for the privilege check.
pub fn authenticate(
    cfg: &Config,
    throttle: &Throttle,
    user: &str,
    password: &[u8],
    addr: &str,
    log: &dyn Fn(&str),
) -> (Outcome, Option<Db>) {
    let mut db = None;
    let o = check(cfg, throttle, user, password, addr, log, &mut db);
    (o, db)
}

fn check(
    cfg: &Config,
    throttle: &Throttle,
    user: &str,
    password: &[u8],
    addr: &str,
    log: &dyn Fn(&str),
    keep: &mut Option<Db>,
) -> Outcome {
    let Ok(_turn) = throttle.begin(user, addr, Duration::from_secs(10)) else {
        return Outcome::Throttled;
    };
    if !valid_user(user) {
        dummy_verify(password);
        throttle.failure(user, addr, Instant::now());
        return Outcome::Disabled;
    }
    let mut db = match Db::open_master(cfg) {
        Ok(db) => db,
        Err(e) => {
            log(&format!("mgmtpass: Unable to open central db: {e}"));
            return Outcome::Disabled;
        }
    };
    let now = now_epoch();
    let day = today(now);
    let row = match mgmtaccess::get(&mut db, user) {
        Ok(r) => r,
        Err(e) => {
            log(&format!("mgmtaccess: {e}"));
            return Outcome::Disabled;
        }
    };
    let row = match row {
        Some(r) if !r.is_disabled(day) => r,
        _ => {
            dummy_verify(password);
            throttle.failure(user, addr, Instant::now());
            return Outcome::Disabled;
        }
    };
    if crate::passwd::verify(password, &row.pass) {
        if let Err(e) = mgmtaccess::record_success(&mut db, user, now) {
            log(&format!("mgmtaccess: {e}"));
        }
        throttle.success(user, addr);
        *keep = Some(db);
        Outcome::Ok
    } else {
        if let Err(e) = mgmtaccess::record_failure(&mut db, user, day) {
            log(&format!("mgmtaccess: {e}"));
        }
        throttle.failure(user, addr, Instant::now());
        Outcome::BadPassword
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        assert!(valid_user("admin"));
        assert!(valid_user("help.desk@example.com"));
        assert!(!valid_user(""));
        assert!(!valid_user("x\" or \"1\"=\"1"));
        assert!(!valid_user("a b"));
        assert!(!valid_user("a\0b"));
        assert!(!valid_user(&"a".repeat(33)));
    }

    #[test]
    fn days_of_month() {
        assert_eq!(day_of_month(0), 1); // 1970-01-01
        assert_eq!(day_of_month(20_415), 23); // 2025-11-23
        assert_eq!(day_of_month(11_016), 29); // 2000-02-29
    }

    #[test]
    fn disabled_rules() {
        let mut a = mgmtaccess::Admin {
            user: "admin".into(),
            pass: String::new(),
            pw_uid: 0,
            pw_gid: 0,
            lastaccess: 0,
            lastupdate: 0,
            day: "23".into(),
            attempts: 7,
            status: "0".into(),
        };
        assert!(a.is_disabled(23));
        assert!(!a.is_disabled(24));
        a.attempts = 6;
        assert!(!a.is_disabled(23));
        a.status = "1".into();
        assert!(a.is_disabled(24));
        a.status = "x".into();
        assert!(a.is_disabled(24));
    }
}
