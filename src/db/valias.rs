//! `valias`: per-address delivery lines kept in the database.

use mysql::params;

use super::{Db, DbResult};
use crate::flushlog::Change;

/// Lines of one alias, in the table's index order.
pub fn lines(db: &mut Db, alias: &str, domain: &str) -> DbResult<Vec<String>> {
    db.select(
        "valias",
        "SELECT valias_line FROM valias WHERE alias = :a AND domain = :d ORDER BY valias_line",
        params! {"a" => alias, "d" => domain},
    )
}

pub fn insert(db: &mut Db, alias: &str, domain: &str, line: &str) -> DbResult<u64> {
    let n = db.exec(
        "valias",
        "INSERT INTO valias (alias, domain, valias_line) VALUES (:a, :d, :l)",
        params! {"a" => alias, "d" => domain, "l" => line},
    )?;
    db.changed(Change::user(alias, domain));
    Ok(n)
}

/// Remove every line of an alias.
pub fn delete_alias(db: &mut Db, alias: &str, domain: &str) -> DbResult<u64> {
    let n = db.delete(
        "valias",
        "DELETE FROM valias WHERE alias = :a AND domain = :d",
        params! {"a" => alias, "d" => domain},
    )?;
    db.changed(Change::user(alias, domain));
    Ok(n)
}

/// Remove forwards to an address (`&user@domain` lines of other aliases).
pub fn delete_forwards_to(db: &mut Db, line: &str) -> DbResult<u64> {
    let n = db.delete(
        "valias",
        "DELETE FROM valias WHERE valias_line = :l",
        params! {"l" => line},
    )?;
    if n > 0 {
        // lines of any number of aliases
        db.changed(Change::All);
    }
    Ok(n)
}

/// One `valias` row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AliasRow {
    pub alias: String,
    pub domain: String,
    pub line: String,
}

fn rows(raw: Vec<(String, String, String)>) -> Vec<AliasRow> {
    raw.into_iter()
        .map(|(alias, domain, line)| AliasRow {
            alias,
            domain,
            line,
        })
        .collect()
}

/// `valias_select_all`: every row of a domain, or of every domain.
pub fn select_all(db: &mut Db, domain: Option<&str>) -> DbResult<Vec<AliasRow>> {
    Ok(rows(match domain {
        Some(d) => db.select(
            "valias",
            "SELECT alias, domain, valias_line FROM valias WHERE domain = :d \
             ORDER BY alias, domain, valias_line",
            params! {"d" => d},
        )?,
        None => db.select(
            "valias",
            "SELECT alias, domain, valias_line FROM valias ORDER BY alias, domain, valias_line",
            (),
        )?,
    }))
}

/// `valias_track`: the aliases that have exactly this line.
pub fn track(db: &mut Db, line: &str) -> DbResult<Vec<(String, String)>> {
    db.select(
        "valias",
        "SELECT alias, domain FROM valias WHERE valias_line = :l ORDER BY alias, domain",
        params! {"l" => line},
    )
}

/// Does this exact row exist?
pub fn exists(db: &mut Db, alias: &str, domain: &str, line: &str) -> DbResult<bool> {
    let r: Vec<u8> = db.select(
        "valias",
        "SELECT 1 FROM valias WHERE alias = :a AND domain = :d AND valias_line = :l",
        params! {"a" => alias, "d" => domain, "l" => line},
    )?;
    Ok(!r.is_empty())
}

/// Remove one line of an alias.
pub fn delete_line(db: &mut Db, alias: &str, domain: &str, line: &str) -> DbResult<u64> {
    let n = db.delete(
        "valias",
        "DELETE FROM valias WHERE alias = :a AND domain = :d AND valias_line = :l",
        params! {"a" => alias, "d" => domain, "l" => line},
    )?;
    db.changed(Change::user(alias, domain));
    Ok(n)
}

/// `valias_update`: replace one line of an alias.
pub fn update_line(db: &mut Db, alias: &str, domain: &str, old: &str, new: &str) -> DbResult<u64> {
    let n = db.exec(
        "valias",
        "UPDATE valias SET valias_line = :n WHERE alias = :a AND domain = :d AND valias_line = :o",
        params! {"n" => new, "a" => alias, "d" => domain, "o" => old},
    )?;
    db.changed(Change::user(alias, domain));
    Ok(n)
}

/// Give every line of an alias to another alias name/domain (vrenameuser).
/// Lines the new name already has are merged (the old copies are dropped).
pub fn rename_alias(
    db: &mut Db,
    alias: &str,
    domain: &str,
    new_alias: &str,
    new_domain: &str,
) -> DbResult<u64> {
    let n = db.exec(
        "valias",
        "UPDATE IGNORE valias SET alias = :na, domain = :nd WHERE alias = :a AND domain = :d",
        params! {"na" => new_alias, "nd" => new_domain, "a" => alias, "d" => domain},
    )?;
    delete_alias(db, alias, domain)?;
    db.changed(Change::user(new_alias, new_domain));
    Ok(n)
}

/// Every row (any domain) whose line contains `needle`.
pub fn lines_containing(db: &mut Db, needle: &str) -> DbResult<Vec<AliasRow>> {
    let all = select_all(db, None)?;
    Ok(all
        .into_iter()
        .filter(|r| r.line.contains(needle))
        .collect())
}
