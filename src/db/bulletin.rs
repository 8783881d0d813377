//! `bulkmail`: the subscribers of an instant bulletin (vbulletin -S), one
//! row per address and bulletin file, inserted set-at-a-time with bound
//! parameters (the original bulk-loads a temporary file with `load data`).

use mysql::{Params, Value};

use super::{Db, DbResult};

/// Rows per INSERT statement.
const BATCH: usize = 500;

/// Insert `(emailid, filename)` for every address; returns the rows added.
/// Call inside a transaction for all or nothing.
pub fn insert(db: &mut Db, filename: &str, emails: &[String]) -> DbResult<u64> {
    let mut n = 0;
    for chunk in emails.chunks(BATCH) {
        let q = format!(
            "INSERT INTO bulkmail (emailid, filename) VALUES {}",
            vec!["(?, ?)"; chunk.len()].join(", ")
        );
        let mut values = Vec::with_capacity(chunk.len() * 2);
        for e in chunk {
            values.push(Value::from(e));
            values.push(Value::from(filename));
        }
        n += db.exec("bulkmail", &q, Params::Positional(values))?;
    }
    Ok(n)
}
