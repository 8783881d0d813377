//! Administrator-supplied SQL (execmysql): the one place where a statement
//! text comes from outside the crate. Only reachable after the caller check
//! in [`crate::ops::guard`].

use mysql::prelude::Queryable;

use super::{Db, DbError, DbResult};

/// One result of a statement: its column names and rows (NULL as `None`), or
/// for a statement without a result set the number of rows it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    pub affected: u64,
}

fn text(v: &mysql::Value) -> Option<String> {
    match v {
        mysql::Value::NULL => None,
        mysql::Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

/// Run `sql` (one or more statements) as given and collect every result set.
pub fn run(db: &mut Db, sql: &str) -> DbResult<Vec<ResultSet>> {
    let err = |e| DbError::query("execmysql", e);
    let mut result = db.conn.query_iter(sql).map_err(err)?;
    let mut sets = Vec::new();
    while let Some(set) = result.iter() {
        let columns: Vec<String> = set
            .columns()
            .as_ref()
            .iter()
            .map(|c| c.name_str().into_owned())
            .collect();
        let affected = set.affected_rows();
        let mut rows = Vec::new();
        for row in set {
            let row = row.map_err(err)?;
            rows.push(row.unwrap().iter().map(text).collect());
        }
        sets.push(ResultSet {
            columns,
            rows,
            affected,
        });
    }
    Ok(sets)
}
