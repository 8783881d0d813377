//! `vpriv`: which administration programs (full paths) an account may run, with which
//! arguments (servers.md 3.2). Primary key (user, program).

use mysql::params;

use super::{Db, DbResult};

/// One rule: user, program path, switches (`NULL` possible in tables made by others).
pub type Rule = (String, String, Option<String>);

/// Insert a rule; `Ok(false)` when (user, program) already has one.
pub fn insert(db: &mut Db, user: &str, program: &str, switches: &str) -> DbResult<bool> {
    match db.exec(
        "vpriv",
        "INSERT INTO vpriv (user, program, cmdswitches) VALUES (:u, :p, :s)",
        params! {"u" => user, "p" => program, "s" => switches},
    ) {
        Ok(_) => Ok(true),
        Err(e) if e.is_duplicate() => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn update(db: &mut Db, user: &str, program: &str, switches: &str) -> DbResult<u64> {
    db.exec(
        "vpriv",
        "UPDATE vpriv SET cmdswitches = :s WHERE user = :u AND program = :p",
        params! {"s" => switches, "u" => user, "p" => program},
    )
}

pub fn delete(db: &mut Db, user: &str, program: &str) -> DbResult<u64> {
    db.delete(
        "vpriv",
        "DELETE FROM vpriv WHERE user = :u AND program = :p",
        params! {"u" => user, "p" => program},
    )
}

pub fn delete_all(db: &mut Db, user: &str) -> DbResult<u64> {
    db.delete(
        "vpriv",
        "DELETE FROM vpriv WHERE user = :u",
        params! {"u" => user},
    )
}

/// Rules of one user, or of everybody, in key order.
pub fn list(db: &mut Db, user: Option<&str>) -> DbResult<Vec<Rule>> {
    match user {
        Some(u) => db.select(
            "vpriv",
            "SELECT user, program, cmdswitches FROM vpriv WHERE user = :u ORDER BY user, program",
            params! {"u" => u},
        ),
        None => db.select(
            "vpriv",
            "SELECT user, program, cmdswitches FROM vpriv ORDER BY user, program",
            (),
        ),
    }
}

/// The switches of (user, program): `None` without a rule, `Some(None)` for a NULL column.
pub fn get(db: &mut Db, user: &str, program: &str) -> DbResult<Option<Option<String>>> {
    let rows: Vec<Option<String>> = db.select(
        "vpriv",
        "SELECT cmdswitches FROM vpriv WHERE user = :u AND program = :p",
        params! {"u" => user, "p" => program},
    )?;
    Ok(rows.into_iter().next())
}
