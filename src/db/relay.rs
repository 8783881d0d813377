//! The POP-before-SMTP `relay` table (`RELAY_TABLE`, default `relay`):
//! expiry and the addresses for the tcprules file (clearopensmtp).

use mysql::params;

use super::{check_identifier, Db, DbResult};
use crate::config::env_or;

/// The relay table's name (`RELAY_TABLE`, default `relay`).
pub fn table() -> String {
    env_or("RELAY_TABLE", "relay")
}

/// Delete the entries whose timestamp is at or before `before` (seconds);
/// a missing table is created and nothing is deleted.
pub fn clear_older(db: &mut Db, before: i64) -> DbResult<u64> {
    let t = table();
    let name = check_identifier(&t)?;
    db.exec(
        name,
        &format!("DELETE LOW_PRIORITY FROM {name} WHERE timestamp <= :t"),
        params! {"t" => before},
    )
}

/// The IP address of every entry (sorted); a missing table is created.
pub fn addresses(db: &mut Db) -> DbResult<Vec<String>> {
    let t = table();
    let name = check_identifier(&t)?;
    let rows: Vec<String> = db.select(
        name,
        &format!("SELECT ipaddr FROM {name} ORDER BY ipaddr"),
        (),
    )?;
    if rows.is_empty() {
        db.ensure_table(name)?;
    }
    Ok(rows)
}
