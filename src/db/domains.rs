//! Domain-wide rows: what vdominfo reads and what vdeldomain / vrenamedomain
//! delete or rename in one transaction.

use mysql::params;

use super::{check_identifier, users, Db, DbResult};

/// `smtp_port` rows of a domain: (src_host, host id, port). A missing table reads as none.
pub fn smtp_ports(db: &mut Db, domain: &str) -> DbResult<Vec<(String, String, i64)>> {
    let rows: Vec<(Option<String>, Option<String>, Option<i64>)> = db.select(
        "smtp_port",
        "SELECT src_host, host, port FROM smtp_port WHERE domain = :d",
        params! {"d" => domain},
    )?;
    Ok(rows
        .into_iter()
        .map(|(s, h, p)| (s.unwrap_or_default(), h.unwrap_or_default(), p.unwrap_or(0)))
        .collect())
}

/// Every user of the domain in both tables: (pw_name, pw_dir), sorted by name.
pub fn users_of(db: &mut Db, domain: &str) -> DbResult<Vec<(String, String)>> {
    let mut all = Vec::new();
    for t in [users::active_table(), users::inactive_table()] {
        check_identifier(&t)?;
        let rows: Vec<(String, String)> = db.select(
            &t,
            &format!("SELECT pw_name, pw_dir FROM {t} WHERE pw_domain = :d"),
            params! {"d" => domain},
        )?;
        all.extend(rows);
    }
    all.sort();
    Ok(all)
}

/// What [`delete_domain`] removed.
#[derive(Debug, Default, Clone)]
pub struct Deleted {
    pub users: u64,
    pub limits: u64,
}

/// Execute a statement on a table that may not exist (nothing to delete then).
fn exec_optional(db: &mut Db, table: &str, stmt: &str, p: mysql::Params) -> DbResult<u64> {
    let exists: Vec<String> = db.select(
        "information_schema",
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = :t",
        params! {"t" => table},
    )?;
    if exists.is_empty() {
        return Ok(0);
    }
    db.exec(table, stmt, p)
}

/// The rows a failed `vadddomain` may have written for its new domain (users of
/// both tables, lastauth, valias), removed when the add is rolled back.
pub fn delete_add_rows(db: &mut Db, domain: &str) -> DbResult<()> {
    for t in [users::active_table(), users::inactive_table()] {
        check_identifier(&t)?;
        db.delete(
            &t,
            &format!("DELETE FROM {t} WHERE pw_domain = :d"),
            params! {"d" => domain},
        )?;
    }
    db.delete(
        "lastauth",
        "DELETE FROM lastauth WHERE domain = :d",
        params! {"d" => domain},
    )?;
    db.delete(
        "valias",
        "DELETE FROM valias WHERE domain = :d",
        params! {"d" => domain},
    )?;
    Ok(())
}

/// Delete every row of the domain: both user tables, lastauth, valias, vlimits,
/// userquota, the dir_control rows of `dir_tables`, and the vfilter rules of
/// `prefilt@` / `postfilt@`. Call inside a transaction.
pub fn delete_domain(db: &mut Db, domain: &str, dir_tables: &[String]) -> DbResult<Deleted> {
    let mut d = Deleted::default();
    for t in [users::active_table(), users::inactive_table()] {
        check_identifier(&t)?;
        d.users += exec_optional(
            db,
            &t,
            &format!("DELETE FROM {t} WHERE pw_domain = :d"),
            params! {"d" => domain},
        )?;
    }
    for (table, col) in [
        ("lastauth", "domain"),
        ("valias", "domain"),
        ("userquota", "domain"),
    ] {
        exec_optional(
            db,
            table,
            &format!("DELETE FROM {table} WHERE {col} = :d"),
            params! {"d" => domain},
        )?;
    }
    d.limits = exec_optional(
        db,
        "vlimits",
        "DELETE FROM vlimits WHERE domain = :d",
        params! {"d" => domain},
    )?;
    for t in dir_tables {
        check_identifier(t)?;
        exec_optional(
            db,
            t,
            &format!("DELETE FROM {t} WHERE domain = :d"),
            params! {"d" => domain},
        )?;
    }
    for id in ["prefilt", "postfilt"] {
        exec_optional(
            db,
            "vfilter",
            "DELETE FROM vfilter WHERE emailid = :e",
            params! {"e" => format!("{id}@{domain}")},
        )?;
    }
    db.changed(crate::flushlog::Change::All);
    Ok(d)
}

/// Rename the domain in every table that names it, and rewrite `pw_dir` values
/// `old_dir` → `new_dir` prefix for its users. Call inside a transaction.
pub fn rename_domain(
    db: &mut Db,
    old: &str,
    new: &str,
    dir_tables: &[String],
    dir_map: &[(String, String)],
) -> DbResult<()> {
    for t in [users::active_table(), users::inactive_table()] {
        check_identifier(&t)?;
        exec_optional(
            db,
            &t,
            &format!("UPDATE {t} SET pw_domain = :n WHERE pw_domain = :o"),
            params! {"n" => new, "o" => old},
        )?;
        for (from, to) in dir_map {
            exec_optional(
                db,
                &t,
                &format!(
                    "UPDATE {t} SET pw_dir = CONCAT(:to, SUBSTRING(pw_dir, CHAR_LENGTH(:from) + 1)) \
                     WHERE pw_domain = :n AND LEFT(pw_dir, CHAR_LENGTH(:from)) = :from"
                ),
                params! {"to" => to, "from" => from, "n" => new},
            )?;
        }
    }
    for (table, col) in [
        ("lastauth", "domain"),
        ("valias", "domain"),
        ("userquota", "domain"),
        ("vlimits", "domain"),
        ("smtp_port", "domain"),
        ("atrn_map", "pw_domain"),
    ] {
        exec_optional(
            db,
            table,
            &format!("UPDATE {table} SET {col} = :n WHERE {col} = :o"),
            params! {"n" => new, "o" => old},
        )?;
    }
    for t in dir_tables {
        check_identifier(t)?;
        exec_optional(
            db,
            t,
            &format!("UPDATE {t} SET domain = :n WHERE domain = :o"),
            params! {"n" => new, "o" => old},
        )?;
    }
    // valias lines pointing at users of the old domain
    exec_optional(
        db,
        "valias",
        "UPDATE valias SET valias_line = REPLACE(valias_line, :o, :n) WHERE valias_line LIKE :pat",
        params! {"o" => format!("@{old}"), "n" => format!("@{new}"), "pat" => format!("%@{}", like_escape(old))},
    )?;
    // vfilter rules are keyed by address
    exec_optional(
        db,
        "vfilter",
        "UPDATE vfilter SET emailid = CONCAT(SUBSTRING_INDEX(emailid, '@', 1), '@', :n) \
         WHERE SUBSTRING_INDEX(emailid, '@', -1) = :o",
        params! {"n" => new, "o" => old},
    )?;
    db.changed(crate::flushlog::Change::All);
    Ok(())
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `atrn_map` rows: (pw_name, pw_domain, domain_list); all when `email` is None.
pub fn atrn_select(
    db: &mut Db,
    email: Option<(&str, &str)>,
) -> DbResult<Vec<(String, String, String)>> {
    match email {
        Some((u, d)) => db.select(
            "atrn_map",
            "SELECT pw_name, pw_domain, domain_list FROM atrn_map WHERE pw_name = :u AND pw_domain = :d",
            params! {"u" => u, "d" => d},
        ),
        None => db.select(
            "atrn_map",
            "SELECT pw_name, pw_domain, domain_list FROM atrn_map",
            mysql::Params::Empty,
        ),
    }
}

/// Delete one domain's row of a `dir_control<prefix>` table (missing table: nothing).
pub fn delete_dir_control_row(db: &mut Db, table: &str, domain: &str) -> DbResult<u64> {
    check_identifier(table)?;
    exec_optional(
        db,
        table,
        &format!("DELETE FROM {table} WHERE domain = :d"),
        params! {"d" => domain},
    )
}

/// Rows of `atrn_map` whose domain_list is `domain`.
pub fn atrn_by_domain(db: &mut Db, domain: &str) -> DbResult<Vec<(String, String, String)>> {
    db.select(
        "atrn_map",
        "SELECT pw_name, pw_domain, domain_list FROM atrn_map WHERE domain_list = :d",
        params! {"d" => domain},
    )
}

pub fn atrn_insert(db: &mut Db, user: &str, domain: &str, list: &str) -> DbResult<u64> {
    db.exec(
        "atrn_map",
        "INSERT INTO atrn_map (pw_name, pw_domain, domain_list) VALUES (:u, :d, :l)",
        params! {"u" => user, "d" => domain, "l" => list},
    )
}

pub fn atrn_delete(db: &mut Db, user: &str, domain: &str, list: &str) -> DbResult<u64> {
    exec_optional(
        db,
        "atrn_map",
        "DELETE FROM atrn_map WHERE pw_name = :u AND pw_domain = :d AND domain_list = :l",
        params! {"u" => user, "d" => domain, "l" => list},
    )
}

pub fn atrn_update(db: &mut Db, user: &str, domain: &str, old: &str, new: &str) -> DbResult<u64> {
    exec_optional(
        db,
        "atrn_map",
        "UPDATE atrn_map SET domain_list = :n WHERE pw_name = :u AND pw_domain = :d AND domain_list = :o",
        params! {"u" => user, "d" => domain, "o" => old, "n" => new},
    )
}

/// `valias` rows of a domain (alias, line), in insertion order, locked for update.
pub fn valias_of_domain(db: &mut Db, domain: &str) -> DbResult<Vec<(String, String)>> {
    db.select(
        "valias",
        "SELECT alias, valias_line FROM valias WHERE domain = :d ORDER BY alias FOR UPDATE",
        params! {"d" => domain},
    )
}

pub fn valias_delete_domain(db: &mut Db, domain: &str) -> DbResult<u64> {
    let n = exec_optional(
        db,
        "valias",
        "DELETE FROM valias WHERE domain = :d",
        params! {"d" => domain},
    )?;
    db.changed(crate::flushlog::Change::All);
    Ok(n)
}
