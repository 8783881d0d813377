//! `lastauth`: when a user was added, changed, (in)activated or last logged in,
//! and `relay`/`userquota`/`vfilter` rows that go with a user.

use mysql::params;

use super::{now, Db, DbResult};

/// Services written by the admin tools.
pub const ADD: &str = "add";
pub const PASS: &str = "pass";
pub const INACTIVATE: &str = "INAC";
pub const ACTIVATE: &str = "ACTI";

/// `replace into lastauth set ...` with the current time.
pub fn record(
    db: &mut Db,
    user: &str,
    domain: &str,
    service: &str,
    remote_ip: &str,
    quota: i64,
    gecos: &str,
) -> DbResult<()> {
    db.exec(
        "lastauth",
        "REPLACE INTO lastauth (user, domain, service, remote_ip, quota, gecos, timestamp) \
         VALUES (:u, :d, :s, :ip, :q, :g, FROM_UNIXTIME(:t))",
        params! {"u" => user, "d" => domain, "s" => service, "ip" => remote_ip,
        "q" => quota.clamp(i32::MIN as i64, i32::MAX as i64), "g" => gecos, "t" => now()},
    )?;
    Ok(())
}

/// One lastauth row: service, remote ip, unix time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub service: String,
    pub ip: String,
    pub time: i64,
}

/// Every lastauth row of a user.
pub fn entries(db: &mut Db, user: &str, domain: &str) -> DbResult<Vec<Entry>> {
    let rows: Vec<(String, String, Option<i64>)> = db.select(
        "lastauth",
        "SELECT service, remote_ip, UNIX_TIMESTAMP(timestamp) FROM lastauth WHERE user = :u AND domain = :d",
        params! {"u" => user, "d" => domain},
    )?;
    Ok(rows
        .into_iter()
        .map(|(service, ip, t)| Entry {
            service,
            ip,
            time: t.unwrap_or(0),
        })
        .collect())
}

pub fn delete_user(db: &mut Db, user: &str, domain: &str) -> DbResult<u64> {
    db.delete(
        "lastauth",
        "DELETE FROM lastauth WHERE user = :u AND domain = :d",
        params! {"u" => user, "d" => domain},
    )
}

/// Does `relay` allow this address from this IP?
pub fn relay_allowed(db: &mut Db, email: &str, ip: &str) -> DbResult<bool> {
    if ip.is_empty() {
        return Ok(false);
    }
    let rows: Vec<u8> = db.select(
        "relay",
        "SELECT 1 FROM relay WHERE email = :e AND ipaddr = :ip",
        params! {"e" => email, "ip" => ip},
    )?;
    Ok(!rows.is_empty())
}

pub fn delete_userquota(db: &mut Db, user: &str, domain: &str) -> DbResult<u64> {
    db.delete(
        "userquota",
        "DELETE FROM userquota WHERE user = :u AND domain = :d",
        params! {"u" => user, "d" => domain},
    )
}

pub fn delete_vfilter(db: &mut Db, email: &str) -> DbResult<u64> {
    db.delete(
        "vfilter",
        "DELETE FROM vfilter WHERE emailid = :e",
        params! {"e" => email},
    )
}

/// Move a user's lastauth rows to a new name/domain (vrenameuser).
pub fn rename_user(
    db: &mut Db,
    user: &str,
    domain: &str,
    new_user: &str,
    new_domain: &str,
) -> DbResult<u64> {
    db.exec(
        "lastauth",
        "UPDATE IGNORE lastauth SET user = :nu, domain = :nd WHERE user = :u AND domain = :d",
        params! {"nu" => new_user, "nd" => new_domain, "u" => user, "d" => domain},
    )
}

/// Move a user's userquota row to a new name/domain (vrenameuser).
pub fn rename_userquota(
    db: &mut Db,
    user: &str,
    domain: &str,
    new_user: &str,
    new_domain: &str,
) -> DbResult<u64> {
    db.exec(
        "userquota",
        "UPDATE IGNORE userquota SET user = :nu, domain = :nd WHERE user = :u AND domain = :d",
        params! {"nu" => new_user, "nd" => new_domain, "u" => user, "d" => domain},
    )
}
