//! `ipchange`: replace an IP address in one column of any table (on the local
//! or the master database; the connection is the caller's).

use mysql::params;

use super::{check_identifier, Db, DbResult};

/// `update low_priority <table> set <column>=<new> where <column>=<old>`;
/// the number of rows changed.
pub fn replace(db: &mut Db, table: &str, column: &str, old: &str, new: &str) -> DbResult<u64> {
    let t = check_identifier(table)?;
    let c = check_identifier(column)?;
    db.exec(
        t,
        &format!("UPDATE LOW_PRIORITY {t} SET {c} = :new WHERE {c} = :old"),
        params! {"new" => new, "old" => old},
    )
}
