//! Queries of `vdeloldusers`: a domain's active users, who logged in (or was
//! changed) recently, and moving a row between the active and inactive tables.

use std::collections::HashSet;

use mysql::params;

use super::users::{Status, UserRow};
use super::{check_identifier, Db, DbResult};

/// Every row of `domain` in the active table, by name.
pub fn domain_users(db: &mut Db, domain: &str) -> DbResult<Vec<UserRow>> {
    let table = Status::Active.table();
    check_identifier(&table)?;
    let q = format!(
        "SELECT pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell, scram \
         FROM {table} WHERE pw_domain = :d ORDER BY pw_name"
    );
    let rows: Vec<mysql::Row> = db.select(&table, &q, params! {"d" => domain})?;
    Ok(rows
        .into_iter()
        .map(|r| UserRow {
            name: r.get::<Option<String>, _>(0).flatten().unwrap_or_default(),
            domain: r.get::<Option<String>, _>(1).flatten().unwrap_or_default(),
            passwd: r.get::<Option<String>, _>(2).flatten().unwrap_or_default(),
            uid: r.get::<Option<i64>, _>(3).flatten().unwrap_or(0),
            gid: r.get::<Option<i64>, _>(4).flatten().unwrap_or(0),
            gecos: r.get::<Option<String>, _>(5).flatten().unwrap_or_default(),
            dir: r.get::<Option<String>, _>(6).flatten().unwrap_or_default(),
            shell: r.get::<Option<String>, _>(7).flatten().unwrap_or_default(),
            scram: r.get::<Option<String>, _>(8).flatten(),
        })
        .collect())
}

/// Lower-cased names of `domain` with a `lastauth` record at or after `since` (unix time).
pub fn active_since(db: &mut Db, domain: &str, since: i64) -> DbResult<HashSet<String>> {
    let rows: Vec<String> = db.select(
        "lastauth",
        "SELECT DISTINCT LOWER(user) FROM lastauth WHERE domain = :d AND UNIX_TIMESTAMP(timestamp) >= :t",
        params! {"d" => domain, "t" => since},
    )?;
    Ok(rows.into_iter().collect())
}
