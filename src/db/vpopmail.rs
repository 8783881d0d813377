//! Reading a vpopmail MySQL user table (the `vpopmail` table of a
//! many-domains installation, vpopmail's default), for `vconvert`.

use mysql::params;

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

/// Every account of `table`, or of one domain, ordered by domain and name.
/// A missing table is an error (the source must exist).
pub fn accounts(db: &mut Db, table: &str, domain: Option<&str>) -> DbResult<Vec<VpopRow>> {
    let t = check_identifier(table)?;
    let cols = "pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell, pw_clear_passwd";
    let rows: Vec<Raw> = match domain {
        Some(d) => db.select_strict(
            &format!("SELECT {cols} FROM {t} WHERE pw_domain = :d ORDER BY pw_domain, pw_name"),
            params! {"d" => d},
        )?,
        None => db.select_strict(
            &format!("SELECT {cols} FROM {t} ORDER BY pw_domain, pw_name"),
            (),
        )?,
    };
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
