//! `mgmtaccess`: the accounts of the administration server (servers.md 3.1), on the central
//! database ([`super::Db::open_master`]).

use mysql::params;

use super::{Db, DbResult};

/// One `mgmtaccess` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    pub user: String,
    pub pass: String,
    pub pw_uid: i64,
    pub pw_gid: i64,
    pub lastaccess: i64,
    pub lastupdate: i64,
    pub day: String,
    pub attempts: i64,
    pub status: String,
}

/// Failed attempts on one day after which the account is refused for the rest of that day
/// (the original's `attempts > 6`).
pub const MAX_ATTEMPTS: i64 = 6;

impl Admin {
    /// The original's `isDisabled`: a non-zero status, or too many failures today.
    pub fn is_disabled(&self, today: u32) -> bool {
        let status = self.status.trim().parse::<i64>().unwrap_or(1);
        status != 0
            || (self.day.trim().parse::<u32>().ok() == Some(today) && self.attempts > MAX_ATTEMPTS)
    }
}

type Row = (String, String, i64, i64, i64, i64, String, i64, String);

pub fn get(db: &mut Db, user: &str) -> DbResult<Option<Admin>> {
    let rows: Vec<Row> = db.select(
        "mgmtaccess",
        "SELECT user, pass, pw_uid, pw_gid, lastaccess, lastupdate, day, attempts, status \
         FROM mgmtaccess WHERE user = :u",
        params! {"u" => user},
    )?;
    Ok(rows.into_iter().next().map(
        |(user, pass, pw_uid, pw_gid, lastaccess, lastupdate, day, attempts, status)| Admin {
            user,
            pass,
            pw_uid,
            pw_gid,
            lastaccess,
            lastupdate,
            day,
            attempts,
            status,
        },
    ))
}

/// Every account name (`mgmtpass -l`).
pub fn list(db: &mut Db) -> DbResult<Vec<String>> {
    db.select(
        "mgmtaccess",
        "SELECT user FROM mgmtaccess ORDER BY user",
        (),
    )
}

/// A failed login: one more attempt, on `day`.
pub fn record_failure(db: &mut Db, user: &str, day: u32) -> DbResult<u64> {
    db.exec(
        "mgmtaccess",
        "UPDATE mgmtaccess SET attempts = attempts + 1, day = :d WHERE user = :u",
        params! {"d" => day.to_string(), "u" => user},
    )
}

/// A successful login: the failure counter starts again, `lastaccess` is now.
pub fn record_success(db: &mut Db, user: &str, now: i64) -> DbResult<u64> {
    db.exec(
        "mgmtaccess",
        "UPDATE mgmtaccess SET attempts = 0, lastaccess = :t WHERE user = :u",
        params! {"t" => now, "u" => user},
    )
}

/// Set a new password hash; re-enables the account and clears its failures.
pub fn set_password(
    db: &mut Db,
    user: &str,
    hash: &str,
    uid: u32,
    gid: u32,
    now: i64,
    day: u32,
) -> DbResult<u64> {
    db.exec(
        "mgmtaccess",
        "UPDATE mgmtaccess SET pass = :p, pw_uid = :uid, pw_gid = :gid, lastaccess = :t, \
         lastupdate = :t, day = :d, attempts = 0, status = '0' WHERE user = :u",
        params! {"p" => hash, "uid" => uid, "gid" => gid, "t" => now, "d" => day.to_string(), "u" => user},
    )
}

/// Create an account with a hashed password (never stored in clear, even briefly).
pub fn insert(
    db: &mut Db,
    user: &str,
    hash: &str,
    uid: u32,
    gid: u32,
    now: i64,
    day: u32,
) -> DbResult<u64> {
    db.exec(
        "mgmtaccess",
        "INSERT INTO mgmtaccess (user, pass, pw_uid, pw_gid, lastaccess, lastupdate, day, attempts, status) \
         VALUES (:u, :p, :uid, :gid, :t, :t, :d, 0, '0')",
        params! {"u" => user, "p" => hash, "uid" => uid, "gid" => gid, "t" => now, "d" => day.to_string()},
    )
}

/// Set the status (`1` disables), and count a failure on `day`.
pub fn disable(db: &mut Db, user: &str, day: u32) -> DbResult<u64> {
    db.exec(
        "mgmtaccess",
        "UPDATE mgmtaccess SET status = '1', attempts = attempts + 1, day = :d WHERE user = :u",
        params! {"d" => day.to_string(), "u" => user},
    )
}
