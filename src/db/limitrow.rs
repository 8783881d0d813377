//! `vlimits`: the whole row, as the limit query (`vget_limits`) returns it.

use mysql::params;

use super::{Db, DbResult};

/// All limit columns of one `vlimits` row, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitRow {
    /// domain_expiry, passwd_expiry, maxpopaccounts, maxaliases, maxforwards,
    /// maxautoresponders, maxmailinglists.
    pub longs: [i64; 7],
    /// diskquota, maxmsgcount, defaultquota, defaultmaxmsgcount.
    pub ulongs: [u64; 4],
    /// disable_pop … disable_smtp.
    pub disable: [i64; 7],
    /// perm_account, perm_alias, perm_forward, perm_autoresponder, perm_maillist
    /// (three packed 3-bit groups), perm_quota, perm_defaultquota.
    pub perm: [i64; 7],
}

const COLUMNS: &str = "domain_expiry, passwd_expiry, maxpopaccounts, maxaliases, maxforwards, \
maxautoresponders, maxmailinglists, diskquota, maxmsgcount, defaultquota, defaultmaxmsgcount, \
disable_pop, disable_imap, disable_dialup, disable_passwordchanging, disable_webmail, disable_relay, \
disable_smtp, perm_account, perm_alias, perm_forward, perm_autoresponder, perm_maillist, perm_quota, \
perm_defaultquota";

/// The row keyed `key` (a domain, or `user@domain` for a per-user row); `None` when absent.
pub fn get(db: &mut Db, key: &str) -> DbResult<Option<LimitRow>> {
    let stmt = format!("SELECT {COLUMNS} FROM vlimits WHERE domain = :d");
    let rows: Vec<mysql::Row> = db.select("vlimits", &stmt, params! {"d" => key})?;
    Ok(rows.first().map(|r| {
        let i = |k: usize| int(r.as_ref(k));
        let u = |k: usize| int(r.as_ref(k)) as u64;
        let mut row = LimitRow::default();
        for (k, v) in row.longs.iter_mut().enumerate() {
            *v = i(k);
        }
        for (k, v) in row.ulongs.iter_mut().enumerate() {
            *v = u(7 + k);
        }
        for (k, v) in row.disable.iter_mut().enumerate() {
            *v = i(11 + k);
        }
        for (k, v) in row.perm.iter_mut().enumerate() {
            *v = i(18 + k);
        }
        row
    }))
}

/// A numeric column as i64 (unsigned values above i64::MAX wrap, as C's `long` cast does).
fn int(v: Option<&mysql::Value>) -> i64 {
    match v {
        Some(mysql::Value::Int(i)) => *i,
        Some(mysql::Value::UInt(u)) => *u as i64,
        Some(mysql::Value::Bytes(b)) => std::str::from_utf8(b)
            .ok()
            .and_then(|t| {
                t.trim()
                    .parse::<i64>()
                    .ok()
                    .or_else(|| t.trim().parse::<u64>().ok().map(|u| u as i64))
            })
            .unwrap_or(0),
        _ => 0,
    }
}
