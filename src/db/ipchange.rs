//! `ipchange`: replace an IP address in one column of any table, on the local
//! or the master database.

use mysql::params;

use super::{check_identifier, ConnSpec, Db, DbResult};
use crate::config::{first_line, Config};

/// `update low_priority <table> set <column>=<new> where <column>=<old>`;
/// the number of rows changed.
pub fn replace(db: &mut Db, table: &str, column: &str, old: &str, new: &str) -> DbResult<u64> {
    let t = check_identifier(table)?;
    let c = check_identifier(column)?;
    db.exec(
        t,
        &format!("UPDATE LOW_PRIORITY {t} SET {c} = :new WHERE {c} = :old"),
        params! {"new" => new, "old" => old},
    )
}

/// The master database of a clustered site: env `MASTER_HOST`, else the first
/// line of `CONTROLDIR/host.master`; `None` when neither exists (not clustered).
pub fn master_spec(cfg: &Config) -> Option<ConnSpec> {
    let raw = match std::env::var("MASTER_HOST") {
        Ok(h) if !h.is_empty() => h,
        _ => first_line(&cfg.control("host.master")).ok()??,
    };
    (!raw.is_empty()).then(|| ConnSpec::parse(&raw))
}
