//! `vlimits`: per-domain limits (the parts the per-user commands consult).

use mysql::params;

use super::{Db, DbResult};

/// The default quota string for new users of a domain with limits enabled:
/// `<bytes>` or `<bytes>,<count>`; `None` when the row is absent or says 0.
pub fn default_quota(db: &mut Db, domain: &str) -> DbResult<Option<String>> {
    let rows: Vec<(i64, u64)> = db.select(
        "vlimits",
        "SELECT defaultquota, defaultmaxmsgcount FROM vlimits WHERE domain = :d",
        params! {"d" => domain},
    )?;
    Ok(rows.first().and_then(|&(q, c)| match (q, c) {
        (0, _) => None,
        (q, 0) => Some(q.to_string()),
        (q, c) => Some(format!("{q},{c}")),
    }))
}
