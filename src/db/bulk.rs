//! Set-at-a-time statements for bulk provisioning (`vbulk`): the names a
//! domain already has, and multi-row inserts of users and `lastauth` records.
//! Every value is a bound parameter; only checked table names are spliced in.

use std::collections::HashSet;

use mysql::{params, Params, Value};

use super::users::{Status, UserRow};
use super::{check_identifier, now, Db, DbResult};

/// Local parts of every user of `domain`, active or inactive.
pub fn existing_names(db: &mut Db, domain: &str) -> DbResult<HashSet<String>> {
    let mut names = HashSet::new();
    for status in [Status::Active, Status::Inactive] {
        let table = status.table();
        check_identifier(&table)?;
        let rows: Vec<String> = db.select(
            &table,
            &format!("SELECT pw_name FROM {table} WHERE pw_domain = :d"),
            params! {"d" => domain},
        )?;
        names.extend(rows);
    }
    Ok(names)
}

fn placeholders(columns: usize, rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns].join(", "));
    vec![one.as_str(); rows].join(", ")
}

/// Insert `rows` into the table of `status` with one statement.
pub fn insert_users(db: &mut Db, rows: &[UserRow], status: Status) -> DbResult<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let table = status.table();
    check_identifier(&table)?;
    let q = format!(
        "INSERT INTO {table} (pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell, scram) VALUES {}",
        placeholders(9, rows.len())
    );
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 9);
    for r in rows {
        values.extend([
            Value::from(&r.name),
            Value::from(&r.domain),
            Value::from(&r.passwd),
            Value::from(r.uid),
            Value::from(r.gid),
            Value::from(&r.gecos),
            Value::from(&r.dir),
            Value::from(&r.shell),
            Value::from(&r.scram),
        ]);
    }
    let n = db.exec(&table, &q, Params::Positional(values))?;
    db.changed(crate::flushlog::Change::All);
    Ok(n)
}

/// `lastauth` records of `service` for every row, stamped now, with one statement.
pub fn record_lastauth(
    db: &mut Db,
    rows: &[UserRow],
    service: &str,
    remote_ip: &str,
) -> DbResult<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let q = format!(
        "REPLACE INTO lastauth (user, domain, service, remote_ip, quota, gecos, timestamp) VALUES {}",
        vec!["(?, ?, ?, ?, 0, ?, FROM_UNIXTIME(?))"; rows.len()].join(", ")
    );
    let t = now();
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 6);
    for r in rows {
        values.extend([
            Value::from(&r.name),
            Value::from(&r.domain),
            Value::from(service),
            Value::from(remote_ip),
            Value::from(&r.gecos),
            Value::from(t),
        ]);
    }
    db.exec("lastauth", &q, Params::Positional(values))
}
