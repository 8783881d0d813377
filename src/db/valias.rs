//! `valias`: per-address delivery lines kept in the database.

use mysql::params;

use super::{Db, DbResult};

/// Lines of one alias, in the table's index order.
pub fn lines(db: &mut Db, alias: &str, domain: &str) -> DbResult<Vec<String>> {
    db.select(
        "valias",
        "SELECT valias_line FROM valias WHERE alias = :a AND domain = :d ORDER BY valias_line",
        params! {"a" => alias, "d" => domain},
    )
}

pub fn insert(db: &mut Db, alias: &str, domain: &str, line: &str) -> DbResult<u64> {
    db.exec(
        "valias",
        "INSERT INTO valias (alias, domain, valias_line) VALUES (:a, :d, :l)",
        params! {"a" => alias, "d" => domain, "l" => line},
    )
}

/// Remove every line of an alias.
pub fn delete_alias(db: &mut Db, alias: &str, domain: &str) -> DbResult<u64> {
    db.delete(
        "valias",
        "DELETE FROM valias WHERE alias = :a AND domain = :d",
        params! {"a" => alias, "d" => domain},
    )
}

/// Remove forwards to an address (`&user@domain` lines of other aliases).
pub fn delete_forwards_to(db: &mut Db, line: &str) -> DbResult<u64> {
    db.delete(
        "valias",
        "DELETE FROM valias WHERE valias_line = :l",
        params! {"l" => line},
    )
}

/// Remove one line of an alias (`valias_delete` with a line); rows removed.
pub fn delete_line(db: &mut Db, alias: &str, domain: &str, line: &str) -> DbResult<u64> {
    db.exec(
        "valias",
        "DELETE FROM valias WHERE alias = :a AND domain = :d AND valias_line = :l",
        params! {"a" => alias, "d" => domain, "l" => line},
    )
}

/// Replace one line of an alias (`valias_update`); rows changed.
pub fn update_line(db: &mut Db, alias: &str, domain: &str, old: &str, new: &str) -> DbResult<u64> {
    db.exec(
        "valias",
        "UPDATE valias SET valias_line = :n WHERE alias = :a AND domain = :d AND valias_line = :o",
        params! {"a" => alias, "d" => domain, "o" => old, "n" => new},
    )
}
