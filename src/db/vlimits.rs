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

/// One `vlimits` row (`struct vlimits`); the key is a domain or `user@domain`.
/// `perm_maillist` holds three 3-bit masks: list, list users (<<3), moderators (<<6).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    pub domain_expiry: i64,
    pub passwd_expiry: i64,
    pub maxpopaccounts: i64,
    pub maxaliases: i64,
    pub maxforwards: i64,
    pub maxautoresponders: i64,
    pub maxmailinglists: i64,
    pub diskquota: u64,
    pub maxmsgcount: u64,
    pub defaultquota: i64,
    pub defaultmaxmsgcount: u64,
    pub disable_pop: i32,
    pub disable_imap: i32,
    pub disable_dialup: i32,
    pub disable_passwordchanging: i32,
    pub disable_webmail: i32,
    pub disable_relay: i32,
    pub disable_smtp: i32,
    pub perm_account: i32,
    pub perm_alias: i32,
    pub perm_forward: i32,
    pub perm_autoresponder: i32,
    pub perm_maillist: i32,
    pub perm_maillist_users: i32,
    pub perm_maillist_moderators: i32,
    pub perm_quota: i32,
    pub perm_defaultquota: i32,
}

impl Default for Limits {
    /// `vdefault_limits`: what a missing row means.
    fn default() -> Self {
        Limits {
            domain_expiry: -1,
            passwd_expiry: -1,
            maxpopaccounts: -1,
            maxaliases: -1,
            maxforwards: -1,
            maxautoresponders: -1,
            maxmailinglists: -1,
            diskquota: 0,
            maxmsgcount: 0,
            defaultquota: 0,
            defaultmaxmsgcount: 0,
            disable_pop: 0,
            disable_imap: 0,
            disable_dialup: 0,
            disable_passwordchanging: 0,
            disable_webmail: 0,
            disable_relay: 0,
            disable_smtp: 0,
            perm_account: 0,
            perm_alias: 0,
            perm_forward: 0,
            perm_autoresponder: 0,
            perm_maillist: 0,
            perm_maillist_users: 0,
            perm_maillist_moderators: 0,
            perm_quota: 0,
            perm_defaultquota: 0,
        }
    }
}

impl Limits {
    /// `vlimits_get_flag_mask`: the `pw_gid` bits the domain's disable_* settings stand for
    /// (NO_POP 0x02, NO_IMAP 0x08, NO_DIALUP 0x40, NO_PASSWD_CHNG 0x01, NO_WEBMAIL 0x04,
    /// NO_RELAY 0x20, NO_SMTP 0x100).
    pub fn gid_mask(&self) -> i64 {
        [
            (self.disable_pop, 0x02),
            (self.disable_imap, 0x08),
            (self.disable_dialup, 0x40),
            (self.disable_passwordchanging, 0x01),
            (self.disable_webmail, 0x04),
            (self.disable_relay, 0x20),
            (self.disable_smtp, 0x100),
        ]
        .iter()
        .filter(|(set, _)| *set != 0)
        .fold(0, |m, (_, bit)| m | bit)
    }
}

const LIMIT_COLUMNS: &str = "domain_expiry, passwd_expiry, maxpopaccounts, maxaliases, maxforwards, \
maxautoresponders, maxmailinglists, diskquota, maxmsgcount, defaultquota, defaultmaxmsgcount, \
disable_pop, disable_imap, disable_dialup, disable_passwordchanging, disable_webmail, disable_relay, \
disable_smtp, perm_account, perm_alias, perm_forward, perm_autoresponder, perm_maillist, perm_quota, \
perm_defaultquota";

/// `vget_limits`: the row for a domain or `user@domain`, `None` when there is none.
pub fn get(db: &mut Db, key: &str) -> DbResult<Option<Limits>> {
    let sql = format!("SELECT {LIMIT_COLUMNS} FROM vlimits WHERE domain = :d");
    let rows: Vec<mysql::Row> = db.select("vlimits", &sql, params! {"d" => key})?;
    let Some(r) = rows.into_iter().next() else {
        return Ok(None);
    };
    let i = |n: usize| -> i64 { r.get_opt::<i64, _>(n).and_then(Result::ok).unwrap_or(0) };
    let u = |n: usize| -> u64 { r.get_opt::<u64, _>(n).and_then(Result::ok).unwrap_or(0) };
    let perm = i(22) as i32;
    Ok(Some(Limits {
        domain_expiry: i(0),
        passwd_expiry: i(1),
        maxpopaccounts: i(2),
        maxaliases: i(3),
        maxforwards: i(4),
        maxautoresponders: i(5),
        maxmailinglists: i(6),
        diskquota: u(7),
        maxmsgcount: u(8),
        defaultquota: i(9),
        defaultmaxmsgcount: u(10),
        disable_pop: i(11) as i32,
        disable_imap: i(12) as i32,
        disable_dialup: i(13) as i32,
        disable_passwordchanging: i(14) as i32,
        disable_webmail: i(15) as i32,
        disable_relay: i(16) as i32,
        disable_smtp: i(17) as i32,
        perm_account: i(18) as i32,
        perm_alias: i(19) as i32,
        perm_forward: i(20) as i32,
        perm_autoresponder: i(21) as i32,
        perm_maillist: perm & 7,
        perm_maillist_users: (perm >> 3) & 7,
        perm_maillist_moderators: (perm >> 6) & 7,
        perm_quota: i(23) as i32,
        perm_defaultquota: i(24) as i32,
    }))
}

/// `vset_limits`: write the whole row (`REPLACE`).
pub fn set(db: &mut Db, key: &str, l: &Limits) -> DbResult<u64> {
    let sql = format!(
        "REPLACE INTO vlimits (domain, {LIMIT_COLUMNS}) VALUES (:domain, :domain_expiry, \
:passwd_expiry, :maxpopaccounts, :maxaliases, :maxforwards, :maxautoresponders, :maxmailinglists, \
:diskquota, :maxmsgcount, :defaultquota, :defaultmaxmsgcount, :disable_pop, :disable_imap, \
:disable_dialup, :disable_passwordchanging, :disable_webmail, :disable_relay, :disable_smtp, \
:perm_account, :perm_alias, :perm_forward, :perm_autoresponder, :perm_maillist, :perm_quota, \
:perm_defaultquota)"
    );
    let maillist =
        l.perm_maillist | (l.perm_maillist_users << 3) | (l.perm_maillist_moderators << 6);
    let n = db.exec(
        "vlimits",
        &sql,
        params! {
            "domain" => key,
            "domain_expiry" => l.domain_expiry,
            "passwd_expiry" => l.passwd_expiry,
            "maxpopaccounts" => l.maxpopaccounts,
            "maxaliases" => l.maxaliases,
            "maxforwards" => l.maxforwards,
            "maxautoresponders" => l.maxautoresponders,
            "maxmailinglists" => l.maxmailinglists,
            "diskquota" => l.diskquota,
            "maxmsgcount" => l.maxmsgcount,
            "defaultquota" => l.defaultquota,
            "defaultmaxmsgcount" => l.defaultmaxmsgcount,
            "disable_pop" => l.disable_pop,
            "disable_imap" => l.disable_imap,
            "disable_dialup" => l.disable_dialup,
            "disable_passwordchanging" => l.disable_passwordchanging,
            "disable_webmail" => l.disable_webmail,
            "disable_relay" => l.disable_relay,
            "disable_smtp" => l.disable_smtp,
            "perm_account" => l.perm_account,
            "perm_alias" => l.perm_alias,
            "perm_forward" => l.perm_forward,
            "perm_autoresponder" => l.perm_autoresponder,
            "perm_maillist" => maillist,
            "perm_quota" => l.perm_quota,
            "perm_defaultquota" => l.perm_defaultquota,
        },
    )?;
    db.changed(limits_change(key));
    Ok(n)
}

/// A user row changes that user's answers; a domain row (DOMAIN_LIMITS gid bits) any.
fn limits_change(key: &str) -> crate::flushlog::Change {
    match key.split_once('@') {
        Some((u, d)) => crate::flushlog::Change::user(u, d),
        None => crate::flushlog::Change::All,
    }
}

/// `vdel_limits`: remove the row; the number of rows removed.
pub fn delete(db: &mut Db, key: &str) -> DbResult<u64> {
    let n = db.exec(
        "vlimits",
        "DELETE FROM vlimits WHERE domain = :d",
        params! {"d" => key},
    )?;
    db.changed(limits_change(key));
    Ok(n)
}
