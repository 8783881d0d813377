//! Reading vpopmail's MySQL tables for `vconvert`: the `vpopmail` table of a
//! many-domains installation (vpopmail's default), the per-domain tables of
//! one built with `--disable-many-domains`, and its `valias` table.

use super::{check_identifier, Db, DbResult};

/// One vpopmail account row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpopRow {
    pub name: String,
    pub domain: String,
    pub passwd: String,
    pub uid: i64,
    pub gid: i64,
    pub gecos: String,
    pub dir: String,
    pub shell: String,
    pub clear: String,
}

type Raw = (
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn row(r: Raw) -> VpopRow {
    VpopRow {
        name: r.0,
        domain: r.1,
        passwd: r.2.unwrap_or_default(),
        uid: r.3.unwrap_or(0),
        gid: r.4.unwrap_or(0),
        gecos: r.5.unwrap_or_default(),
        dir: r.6.unwrap_or_default(),
        shell: r.7.unwrap_or_default(),
        clear: r.8.unwrap_or_default(),
    }
}

/// The tables of the connection's database with a `pw_name` column (vpopmail
/// account tables: the many-domains `vpopmail` table and the per-domain tables
/// of a vpopmail built with `--disable-many-domains`), each with its column
/// names, ordered by table name.
pub fn account_tables(db: &mut Db) -> DbResult<Vec<(String, Vec<String>)>> {
    let rows: Vec<(String, String)> = db.select_strict(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c \
         WHERE c.table_schema = DATABASE() AND c.table_name IN \
         (SELECT table_name FROM information_schema.columns \
          WHERE table_schema = DATABASE() AND column_name = 'pw_name') \
         ORDER BY c.table_name, c.ordinal_position",
        (),
    )?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (table, column) in rows {
        match out.last_mut() {
            Some((t, cols)) if *t == table => cols.push(column.to_ascii_lowercase()),
            _ => out.push((table, vec![column.to_ascii_lowercase()])),
        }
    }
    Ok(out)
}

/// Every account of `table`, ordered by domain and name. A per-domain table
/// (`with_domain` false) reads with an empty domain, a table without
/// `pw_clear_passwd` (vpopmail built without clear passwords) with empty clear
/// texts. A missing table is an error (the source must exist).
pub fn accounts(
    db: &mut Db,
    table: &str,
    with_domain: bool,
    with_clear: bool,
) -> DbResult<Vec<VpopRow>> {
    let t = check_identifier(table)?;
    let domain = if with_domain { "pw_domain" } else { "''" };
    let clear = if with_clear { "pw_clear_passwd" } else { "''" };
    let rows: Vec<Raw> = db.select_strict(
        &format!(
            "SELECT pw_name, {domain}, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell, \
             {clear} FROM {t} ORDER BY 2, pw_name"
        ),
        (),
    )?;
    Ok(rows.into_iter().map(row).collect())
}

/// The rows of vpopmail's `valias` table (alias, domain, line), ordered; a
/// missing table (vpopmail built without valias) reads as none.
pub fn valias_rows(db: &mut Db, table: &str) -> DbResult<Vec<(String, String, String)>> {
    let t = check_identifier(table)?;
    db.select(
        t,
        &format!("SELECT alias, domain, valias_line FROM {t} ORDER BY domain, alias, valias_line"),
        (),
    )
}
