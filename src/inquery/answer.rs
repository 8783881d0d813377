//! Answers to the seven query types, computed from MySQL (bound parameters only, via `db`).
//! Used by the inlookup server and by `inquery()` when `QUERY_CACHE` is unset.

use super::codec::{
    PwRecord, Reply, VLimits, ALIAS_QUERY, DOMAIN_QUERY, HOST_QUERY, LIMIT_QUERY, PWD_QUERY,
    RELAY_QUERY, USER_QUERY,
};
use super::memo::MEMO;
use crate::cluster::Route;
use crate::config::{default_domain, first_line, Config};
use crate::db::{lastauth, users, valias, vlimits, Db, DbResult};

/// `BOUNCE_MAIL` flag in pw_gid: the mailbox is over quota.
pub const BOUNCE_MAIL: i64 = 0x10;
/// `V_OVERRIDE` flag in pw_gid: domain limits do not apply to this user.
pub const V_OVERRIDE: i64 = 0x2000;

/// User status codes of USER_QUERY.
pub const USER_OK: i32 = 0;
pub const USER_ABSENT: i32 = 1;
pub const USER_INACTIVE: i32 = 2;
pub const USER_OVERQUOTA: i32 = 3;
pub const USER_ALIAS: i32 = 4;

/// `user@domain` → (lower-cased user, lower-cased domain); no `@` → the default domain.
fn split(cfg: &Config, email: &str) -> (String, Option<String>) {
    match email.split_once('@') {
        Some((u, d)) => (u.to_lowercase(), Some(d.to_lowercase())),
        None => (
            email.to_lowercase(),
            default_domain(cfg).map(|d| d.to_lowercase()),
        ),
    }
}

/// The real domain of an alias domain; the domain itself when it is real or unknown.
pub fn real_domain(cfg: &Config, domain: &str) -> String {
    match MEMO.real_domain(cfg, domain, || crate::domain::real_domain(cfg, domain)) {
        Ok(Some(r)) => r,
        _ => domain.to_string(),
    }
}

/// Answer a query as it came off the wire. An address or ip that is not UTF-8 names nothing
/// we store (our names are checked when added): it gets the not-found answer of its type
/// without asking MySQL.
pub fn answer_bytes(cfg: &Config, db: &mut Db, qtype: u8, email: &[u8], ip: &[u8]) -> Reply {
    match (std::str::from_utf8(email), std::str::from_utf8(ip)) {
        (Ok(e), Ok(i)) => answer(cfg, db, qtype, e, i),
        _ => match qtype {
            USER_QUERY => Reply::Status(USER_ABSENT),
            RELAY_QUERY => Reply::Status(0),
            PWD_QUERY => Reply::NoSuchUser(email.to_vec()),
            HOST_QUERY => Reply::Zero,
            ALIAS_QUERY => Reply::Aliases(Vec::new()),
            LIMIT_QUERY if email.contains(&b'@') => Reply::Limits(VLimits::unlimited()),
            LIMIT_QUERY => Reply::Zero,
            DOMAIN_QUERY => Reply::Domain(email.to_vec()),
            _ => Reply::Error,
        },
    }
}

/// Answer one query. Unknown types get the error reply (the original sent nothing).
pub fn answer(cfg: &Config, db: &mut Db, qtype: u8, email: &str, ip: &str) -> Reply {
    let r = match qtype {
        USER_QUERY | PWD_QUERY | ALIAS_QUERY => per_user(cfg, db, qtype, email),
        LIMIT_QUERY if email.contains('@') => per_user(cfg, db, qtype, email),
        RELAY_QUERY => lastauth::relay_allowed(db, email, ip).map(|b| Reply::Status(i32::from(b))),
        HOST_QUERY => host(cfg, db, email),
        LIMIT_QUERY => limits(cfg, db, None, email),
        DOMAIN_QUERY => Ok(Reply::Domain(real_domain(cfg, email).into_bytes())),
        _ => Ok(Reply::Error),
    };
    match r {
        Ok(reply) => reply,
        // a database failure: -1 for the status types, R=0 for the password query, -1 otherwise
        Err(_) => match qtype {
            USER_QUERY | RELAY_QUERY => Reply::Status(-1),
            PWD_QUERY => Reply::Zero,
            _ => Reply::Error,
        },
    }
}

/// The user, password, alias and user-limit queries, answered from the
/// database that holds the address: on a clustered site a distributed
/// domain's address is read from the mail store its `hostcntrl` row names
/// (the original's `sqlOpen_user`); an address without a row is unknown
/// there (absent, no password, no aliases, the domain's limits). Domain-wide
/// rows (vlimits of the domain) stay in the local database, where vlimit
/// writes them.
fn per_user(cfg: &Config, db: &mut Db, qtype: u8, email: &str) -> DbResult<Reply> {
    // A site without cluster configuration pays two stats, no assign lookup.
    if !MEMO.clustered(cfg, || crate::cluster::configured(cfg)) {
        return answer_on(cfg, db, None, qtype, email);
    }
    let (user, Some(domain)) = split(cfg, email) else {
        return answer_on(cfg, db, None, qtype, email);
    };
    let real = real_domain(cfg, &domain);
    let route = crate::cluster::route(cfg, &user, &real)
        .map_err(|e| crate::db::DbError::Invalid(e.to_string()))?;
    match route {
        // A host without a store record of the domain keeps its rows locally.
        Route::Local | Route::Registered { store: None, .. } => {
            answer_on(cfg, db, None, qtype, email)
        }
        Route::Unregistered => Ok(match qtype {
            USER_QUERY => Reply::Status(USER_ABSENT),
            PWD_QUERY => Reply::NoSuchUser(email.as_bytes().to_vec()),
            ALIAS_QUERY => Reply::Aliases(Vec::new()),
            _ => domain_limits(db, &real)?,
        }),
        r => {
            let mut store = crate::cluster::open_route(cfg, &r, &user, &real)
                .map_err(|e| crate::db::DbError::Invalid(e.to_string()))?;
            answer_on(cfg, db, Some(&mut store), qtype, email)
        }
    }
}

/// Answer a per-user query with the user's rows in `user_db` (None: in `db`).
fn answer_on(
    cfg: &Config,
    db: &mut Db,
    user_db: Option<&mut Db>,
    qtype: u8,
    email: &str,
) -> DbResult<Reply> {
    match qtype {
        USER_QUERY => user_status(cfg, user_db.unwrap_or(db), email).map(Reply::Status),
        PWD_QUERY => password(cfg, db, user_db, email),
        ALIAS_QUERY => aliases(cfg, user_db.unwrap_or(db), email),
        _ => limits(cfg, db, user_db, email),
    }
}

fn user_status(cfg: &Config, db: &mut Db, email: &str) -> DbResult<i32> {
    let (user, Some(domain)) = split(cfg, email) else {
        return Ok(USER_ABSENT);
    };
    let real = real_domain(cfg, &domain);
    Ok(match users::get(db, &user, &real)? {
        Some((_, users::Status::Inactive)) => USER_INACTIVE,
        Some((row, _)) if row.gid & BOUNCE_MAIL != 0 => USER_OVERQUOTA,
        Some(_) => USER_OK,
        None if !valias::lines(db, &user, &real)?.is_empty() => USER_ALIAS,
        None => USER_ABSENT,
    })
}

/// `db`: the local database (domain limits); `user_db`: the user's, when elsewhere.
fn password(cfg: &Config, db: &mut Db, user_db: Option<&mut Db>, email: &str) -> DbResult<Reply> {
    let not_found = || Reply::NoSuchUser(email.as_bytes().to_vec());
    let (user, Some(domain)) = split(cfg, email) else {
        return Ok(not_found());
    };
    let real = real_domain(cfg, &domain);
    let found = match user_db {
        Some(u) => users::get(u, &user, &real)?,
        None => users::get(db, &user, &real)?,
    };
    Ok(match found {
        Some((mut row, status)) => {
            // DOMAIN_LIMITS: the domain's disable_* settings show as gid flags
            if std::env::var_os("DOMAIN_LIMITS").is_some() && row.gid & V_OVERRIDE == 0 {
                if let Some(l) = vlimits::get(db, &real)? {
                    row.gid |= l.gid_mask();
                }
            }
            password_reply(row, status, domain)
        }
        None => not_found(),
    })
}

/// The password reply for a row; `domain` is the domain as asked (the original prints the
/// alias domain, not the real one).
pub fn password_reply(row: users::UserRow, status: users::Status, domain: String) -> Reply {
    Reply::Password(PwRecord {
        passwd: row.display_passwd().into_bytes(),
        name: row.name.into_bytes(),
        domain: domain.into_bytes(),
        uid: row.uid as u32,
        gid: row.gid as u32,
        gecos: row.gecos.into_bytes(),
        dir: row.dir.into_bytes(),
        shell: row.shell.into_bytes(),
        inactive: i32::from(status == users::Status::Inactive),
    })
}

/// SMTP route of a mailbox: `domain:host:port`. Without a cluster definition the host is
/// the first line of `control/localiphost` (default 127.0.0.1) and the port 25.
fn host(cfg: &Config, db: &mut Db, email: &str) -> DbResult<Reply> {
    let (user, Some(domain)) = split(cfg, email) else {
        return Ok(Reply::Zero);
    };
    // A clustered site routes from its control tables (crate::cluster).
    if let Some(route) = crate::cluster::host_route(cfg, db, &user, &domain)
        .map_err(|e| crate::db::DbError::Invalid(e.to_string()))?
    {
        return Ok(route.map_or(Reply::Zero, |r| Reply::Host(r.into_bytes())));
    }
    let real = real_domain(cfg, &domain);
    if users::get(db, &user, &real)?.is_none() {
        return Ok(Reply::Zero);
    }
    let host = first_line(&cfg.control("localiphost"))
        .ok()
        .flatten()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    Ok(Reply::Host(format!("{domain}:{host}:25").into_bytes()))
}

fn aliases(cfg: &Config, db: &mut Db, email: &str) -> DbResult<Reply> {
    let (user, Some(domain)) = split(cfg, email) else {
        return Ok(Reply::Aliases(Vec::new()));
    };
    let real = real_domain(cfg, &domain);
    let lines = valias::lines(db, &user, &real)?;
    Ok(Reply::Aliases(
        lines.into_iter().map(String::into_bytes).collect(),
    ))
}

fn to_vlimits(row: &vlimits::Limits, limit_type: i16) -> VLimits {
    let mut v = VLimits {
        domain_expiry: row.domain_expiry,
        passwd_expiry: row.passwd_expiry,
        maxpopaccounts: row.maxpopaccounts,
        maxaliases: row.maxaliases,
        maxforwards: row.maxforwards,
        maxautoresponders: row.maxautoresponders,
        maxmailinglists: row.maxmailinglists,
        diskquota: row.diskquota,
        maxmsgcount: row.maxmsgcount,
        defaultquota: row.defaultquota as u64,
        defaultmaxmsgcount: row.defaultmaxmsgcount,
        limit_type,
        ..VLimits::default()
    };
    let disable = [
        row.disable_pop,
        row.disable_imap,
        row.disable_dialup,
        row.disable_passwordchanging,
        row.disable_webmail,
        row.disable_relay,
        row.disable_smtp,
    ];
    for (d, s) in v.disable.iter_mut().zip(disable) {
        *d = s as i16;
    }
    v.perm = [
        row.perm_account,
        row.perm_alias,
        row.perm_forward,
        row.perm_autoresponder,
        row.perm_maillist,
        row.perm_maillist_users,
        row.perm_maillist_moderators,
        row.perm_quota,
        row.perm_defaultquota,
    ]
    .map(|p| p as i16);
    v
}

/// `db`: the local database (domain rows); `user_db`: the user's, when elsewhere.
fn limits(cfg: &Config, db: &mut Db, user_db: Option<&mut Db>, key: &str) -> DbResult<Reply> {
    let Some((_, domain)) = key.split_once('@') else {
        return Ok(match vlimits::get(db, key)? {
            Some(row) => Reply::Limits(to_vlimits(&row, 1)),
            None => Reply::Zero,
        });
    };
    let user_row = match user_db {
        Some(u) => vlimits::get(u, key)?,
        None => vlimits::get(db, key)?,
    };
    if let Some(row) = user_row {
        return Ok(Reply::Limits(to_vlimits(&row, 2)));
    }
    domain_limits(db, &real_domain(cfg, domain))
}

/// A user without a row of its own gets its domain's limits, else none.
fn domain_limits(db: &mut Db, real: &str) -> DbResult<Reply> {
    Ok(Reply::Limits(match vlimits::get(db, real)? {
        Some(row) => to_vlimits(&row, 1),
        None => VLimits::unlimited(),
    }))
}
