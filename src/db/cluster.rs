/*!
The cluster tables of the central control / master database (`dbinfo`,
`hostcntrl`, `host_table`, `smtp_port`, `fstab`) and the local `ip_alias_map`.
Layouts in [`super::schema`]; the multi-step logic lives in `crate::cluster`.
*/

use mysql::params;

use super::{Db, DbError, DbResult};

/// One `dbinfo` row / `mcdinfo` record: which MySQL server holds the users
/// of `domain` on the mail store `mdahost`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DbInfo {
    pub domain: String,
    /// 1 distributed, 0 not, -1 unknown (a record without a `domain` line).
    pub distributed: i32,
    pub server: String,
    pub mdahost: String,
    pub port: i32,
    pub use_ssl: i32,
    pub database: String,
    pub user: String,
    pub password: String,
    /// Synthesised from `users/assign` + `host.mysql` (never written anywhere).
    #[serde(skip)]
    pub local: bool,
}

const DBINFO_COLUMNS: &str =
    "domain, distributed, server, mdahost, port, use_ssl, dbname, user, passwd";

type DbInfoTuple = (
    String,
    i32,
    String,
    String,
    i32,
    i32,
    String,
    String,
    String,
);

fn from_tuple(t: DbInfoTuple) -> DbInfo {
    DbInfo {
        domain: t.0,
        distributed: t.1,
        server: t.2,
        mdahost: t.3,
        port: t.4,
        use_ssl: t.5,
        database: t.6,
        user: t.7,
        password: t.8,
        local: false,
    }
}

/// Newest `timestamp` (epoch seconds) of the rows written for `filename`; None when there are none.
pub fn dbinfo_mtime(db: &mut Db, filename: &str) -> DbResult<Option<i64>> {
    let r: Vec<Option<i64>> = db.select(
        "dbinfo",
        "SELECT UNIX_TIMESTAMP(MAX(timestamp)) FROM dbinfo WHERE filename = :f",
        params! {"f" => filename},
    )?;
    Ok(r.into_iter().next().flatten())
}

/// The rows written for `filename`, in insertion-independent order.
pub fn dbinfo_rows(db: &mut Db, filename: &str) -> DbResult<Vec<DbInfo>> {
    let rows: Vec<DbInfoTuple> = db.select(
        "dbinfo",
        &format!("SELECT {DBINFO_COLUMNS} FROM dbinfo WHERE filename = :f ORDER BY domain, mdahost, server, port"),
        params! {"f" => filename},
    )?;
    Ok(rows.into_iter().map(from_tuple).collect())
}

/// Replace the rows of `filename` by `records`, stamped with `mtime` (the
/// file's modification time), in one transaction.
pub fn dbinfo_replace_all(
    db: &mut Db,
    filename: &str,
    records: &[DbInfo],
    mtime: i64,
) -> DbResult<()> {
    db.ensure_table("dbinfo")?;
    db.transaction(|db| {
        db.delete(
            "dbinfo",
            "DELETE FROM dbinfo WHERE filename = :f",
            params! {"f" => filename},
        )?;
        for r in records {
            db.exec(
                "dbinfo",
                &format!("REPLACE INTO dbinfo (filename, {DBINFO_COLUMNS}, timestamp) VALUES \
                 (:f, :d, :dist, :s, :m, :p, :ssl, :db, :u, :pw, FROM_UNIXTIME(:t))"),
                params! {"f" => filename, "d" => &r.domain, "dist" => r.distributed, "s" => &r.server,
                "m" => &r.mdahost, "p" => r.port, "ssl" => r.use_ssl, "db" => &r.database,
                "u" => &r.user, "pw" => &r.password, "t" => mtime},
            )?;
        }
        Ok::<(), DbError>(())
    })
}

/// Add one row (`dbinfo -i`); false when it exists already.
pub fn dbinfo_insert(db: &mut Db, filename: &str, r: &DbInfo) -> DbResult<bool> {
    match db.exec(
        "dbinfo",
        &format!(
            "INSERT INTO dbinfo (filename, {DBINFO_COLUMNS}) VALUES \
             (:f, :d, :dist, :s, :m, :p, :ssl, :db, :u, :pw)"
        ),
        params! {"f" => filename, "d" => &r.domain, "dist" => r.distributed, "s" => &r.server,
        "m" => &r.mdahost, "p" => r.port, "ssl" => r.use_ssl, "db" => &r.database,
        "u" => &r.user, "pw" => &r.password},
    ) {
        Ok(n) => Ok(n > 0),
        Err(e) if e.is_duplicate() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The fields `dbinfo -u` may change (None = keep).
#[derive(Debug, Default, Clone)]
pub struct DbInfoUpdate {
    pub distributed: Option<i32>,
    pub server: Option<String>,
    pub port: Option<i32>,
    pub use_ssl: Option<i32>,
    pub database: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
}

/// Change the row of (filename, domain, mdahost); the number of rows changed.
pub fn dbinfo_update(
    db: &mut Db,
    filename: &str,
    domain: &str,
    mdahost: &str,
    u: &DbInfoUpdate,
) -> DbResult<u64> {
    db.exec(
        "dbinfo",
        "UPDATE dbinfo SET distributed = COALESCE(:dist, distributed), server = COALESCE(:s, server), \
         port = COALESCE(:p, port), use_ssl = COALESCE(:ssl, use_ssl), dbname = COALESCE(:db, dbname), \
         user = COALESCE(:u, user), passwd = COALESCE(:pw, passwd), timestamp = NOW() \
         WHERE filename = :f AND domain = :d AND mdahost = :m",
        params! {"dist" => u.distributed, "s" => &u.server, "p" => u.port, "ssl" => u.use_ssl,
        "db" => &u.database, "u" => &u.user, "pw" => &u.password,
        "f" => filename, "d" => domain, "m" => mdahost},
    )
}

/// Remove the row of (filename, domain, mdahost).
pub fn dbinfo_delete(db: &mut Db, filename: &str, domain: &str, mdahost: &str) -> DbResult<u64> {
    db.delete(
        "dbinfo",
        "DELETE FROM dbinfo WHERE filename = :f AND domain = :d AND mdahost = :m",
        params! {"f" => filename, "d" => domain, "m" => mdahost},
    )
}

/// A `hostcntrl` row: (pw_name, pw_domain, host, added epoch seconds).
pub type HostCntrl = (String, String, String, i64);

/// The host id of a user (exact row only).
pub fn hostcntrl_get(db: &mut Db, user: &str, domain: &str) -> DbResult<Option<HostCntrl>> {
    let r: Vec<HostCntrl> = db.select(
        "hostcntrl",
        "SELECT pw_name, pw_domain, host, UNIX_TIMESTAMP(timestamp) FROM hostcntrl \
         WHERE pw_name = :u AND pw_domain = :d",
        params! {"u" => user, "d" => domain},
    )?;
    Ok(r.into_iter().next())
}

/// Every row, ordered by domain and user.
pub fn hostcntrl_list(db: &mut Db) -> DbResult<Vec<HostCntrl>> {
    db.select(
        "hostcntrl",
        "SELECT pw_name, pw_domain, host, UNIX_TIMESTAMP(timestamp) FROM hostcntrl ORDER BY pw_domain, pw_name",
        (),
    )
}

/// Add a row; false when the user has one already.
pub fn hostcntrl_insert(
    db: &mut Db,
    user: &str,
    domain: &str,
    passwd: &str,
    host: &str,
) -> DbResult<bool> {
    match db.exec(
        "hostcntrl",
        "INSERT INTO hostcntrl (pw_name, pw_domain, pw_passwd, host, timestamp) \
         VALUES (:u, :d, :p, :h, NOW())",
        params! {"u" => user, "d" => domain, "p" => passwd, "h" => host},
    ) {
        Ok(_) => Ok(true),
        Err(e) if e.is_duplicate() => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn hostcntrl_delete(db: &mut Db, user: &str, domain: &str) -> DbResult<u64> {
    db.delete(
        "hostcntrl",
        "DELETE FROM hostcntrl WHERE pw_name = :u AND pw_domain = :d",
        params! {"u" => user, "d" => domain},
    )
}

/// Remove the row that valias registered for an alias (its `pw_passwd` is
/// `alias`); a user's row is never touched.
pub fn hostcntrl_delete_alias(db: &mut Db, alias: &str, domain: &str) -> DbResult<u64> {
    db.delete(
        "hostcntrl",
        "DELETE FROM hostcntrl WHERE pw_name = :u AND pw_domain = :d AND pw_passwd = 'alias'",
        params! {"u" => alias, "d" => domain},
    )
}

pub fn hostcntrl_update(db: &mut Db, user: &str, domain: &str, host: &str) -> DbResult<u64> {
    db.exec(
        "hostcntrl",
        "UPDATE hostcntrl SET host = :h WHERE pw_name = :u AND pw_domain = :d",
        params! {"u" => user, "d" => domain, "h" => host},
    )
}

/// How many users of `domain` (the `*` default row excluded) live on `host`.
pub fn hostcntrl_count(db: &mut Db, domain: &str, host: &str) -> DbResult<i64> {
    let r: Vec<i64> = db.select(
        "hostcntrl",
        "SELECT COUNT(*) FROM hostcntrl WHERE pw_domain = :d AND host = :h AND pw_name <> '*'",
        params! {"d" => domain, "h" => host},
    )?;
    Ok(r.into_iter().next().unwrap_or(0))
}

/// Remove every row of `domain` on `host` (vdeldomain on a distributed domain).
pub fn hostcntrl_delete_domain(db: &mut Db, domain: &str, host: &str) -> DbResult<u64> {
    db.delete(
        "hostcntrl",
        "DELETE FROM hostcntrl WHERE pw_domain = :d AND host = :h",
        params! {"d" => domain, "h" => host},
    )
}

/// `host_table`: the IP of a host id.
pub fn host_ip(db: &mut Db, host: &str) -> DbResult<Option<String>> {
    let r: Vec<String> = db.select(
        "host_table",
        "SELECT ipaddr FROM host_table WHERE host = :h",
        params! {"h" => host},
    )?;
    Ok(r.into_iter().next())
}

/// `host_table`: the host id of an IP.
pub fn host_id(db: &mut Db, ip: &str) -> DbResult<Option<String>> {
    let r: Vec<String> = db.select(
        "host_table",
        "SELECT host FROM host_table WHERE ipaddr = :ip ORDER BY host",
        params! {"ip" => ip},
    )?;
    Ok(r.into_iter().next())
}

/// Every (host, ipaddr) row.
pub fn host_list(db: &mut Db) -> DbResult<Vec<(String, String)>> {
    db.select(
        "host_table",
        "SELECT host, ipaddr FROM host_table ORDER BY host",
        (),
    )
}

/// Add a host id; false when it exists.
pub fn host_insert(db: &mut Db, host: &str, ip: &str) -> DbResult<bool> {
    match db.exec(
        "host_table",
        "INSERT INTO host_table (host, ipaddr) VALUES (:h, :ip)",
        params! {"h" => host, "ip" => ip},
    ) {
        Ok(_) => Ok(true),
        Err(e) if e.is_duplicate() => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn host_update(db: &mut Db, host: &str, ip: &str) -> DbResult<u64> {
    db.exec(
        "host_table",
        "UPDATE host_table SET ipaddr = :ip WHERE host = :h",
        params! {"h" => host, "ip" => ip},
    )
}

pub fn host_delete(db: &mut Db, host: &str) -> DbResult<u64> {
    db.delete(
        "host_table",
        "DELETE FROM host_table WHERE host = :h",
        params! {"h" => host},
    )
}

/// How many `hostcntrl` rows name `host` (any domain, the `*` rows included).
pub fn host_users(db: &mut Db, host: &str) -> DbResult<i64> {
    let r: Vec<i64> = db.select(
        "hostcntrl",
        "SELECT COUNT(*) FROM hostcntrl WHERE host = :h",
        params! {"h" => host},
    )?;
    Ok(r.into_iter().next().unwrap_or(0))
}

/// `smtp_port` rows of a domain: (host, src_host, port).
pub fn smtp_port_rows(db: &mut Db, domain: &str) -> DbResult<Vec<(String, String, i64)>> {
    db.select(
        "smtp_port",
        "SELECT host, src_host, COALESCE(port, 0) FROM smtp_port WHERE domain = :d ORDER BY host, src_host",
        params! {"d" => domain},
    )
}

pub fn smtp_port_insert(
    db: &mut Db,
    host: &str,
    src: &str,
    domain: &str,
    port: i64,
) -> DbResult<bool> {
    match db.exec(
        "smtp_port",
        "INSERT INTO smtp_port (host, src_host, domain, port) VALUES (:h, :s, :d, :p)",
        params! {"h" => host, "s" => src, "d" => domain, "p" => port},
    ) {
        Ok(_) => Ok(true),
        Err(e) if e.is_duplicate() => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn smtp_port_update(
    db: &mut Db,
    host: &str,
    src: &str,
    domain: &str,
    port: i64,
) -> DbResult<u64> {
    db.exec(
        "smtp_port",
        "UPDATE smtp_port SET port = :p WHERE host = :h AND src_host = :s AND domain = :d",
        params! {"h" => host, "s" => src, "d" => domain, "p" => port},
    )
}

pub fn smtp_port_delete(db: &mut Db, host: &str, src: &str, domain: &str) -> DbResult<u64> {
    db.delete(
        "smtp_port",
        "DELETE FROM smtp_port WHERE host = :h AND src_host = :s AND domain = :d",
        params! {"h" => host, "s" => src, "d" => domain},
    )
}

/// `ip_alias_map` (local database): every (ipaddr, domain), or those of one domain.
pub fn ipmap_select(db: &mut Db, domain: Option<&str>) -> DbResult<Vec<(String, String)>> {
    match domain {
        Some(d) => db.select(
            "ip_alias_map",
            "SELECT ipaddr, domain FROM ip_alias_map WHERE domain = :d ORDER BY ipaddr",
            params! {"d" => d},
        ),
        None => db.select(
            "ip_alias_map",
            "SELECT ipaddr, domain FROM ip_alias_map ORDER BY ipaddr",
            (),
        ),
    }
}

pub fn ipmap_replace(db: &mut Db, ip: &str, domain: &str) -> DbResult<u64> {
    db.exec(
        "ip_alias_map",
        "REPLACE INTO ip_alias_map (ipaddr, domain) VALUES (:ip, :d)",
        params! {"ip" => ip, "d" => domain},
    )
}

pub fn ipmap_delete(db: &mut Db, ip: &str, domain: &str) -> DbResult<u64> {
    db.delete(
        "ip_alias_map",
        "DELETE FROM ip_alias_map WHERE ipaddr = :ip AND domain = :d",
        params! {"ip" => ip, "d" => domain},
    )
}

pub fn ipmap_update(db: &mut Db, ip: &str, domain: &str) -> DbResult<u64> {
    db.exec(
        "ip_alias_map",
        "UPDATE ip_alias_map SET domain = :d WHERE ipaddr = :ip",
        params! {"ip" => ip, "d" => domain},
    )
}

/// One `fstab` row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FsRow {
    pub filesystem: String,
    pub host: String,
    pub status: i32,
    pub max_users: i64,
    pub cur_users: i64,
    pub max_size: i64,
    pub cur_size: i64,
}

type FsTuple = (String, String, i32, i64, i64, i64, i64);

pub fn fstab_list(db: &mut Db, host: Option<&str>) -> DbResult<Vec<FsRow>> {
    let sql =
        "SELECT filesystem, host, status, max_users, cur_users, max_size, cur_size FROM fstab";
    let rows: Vec<FsTuple> = match host {
        Some(h) => db.select(
            "fstab",
            &format!("{sql} WHERE host = :h ORDER BY filesystem"),
            params! {"h" => h},
        )?,
        None => db.select("fstab", &format!("{sql} ORDER BY host, filesystem"), ())?,
    };
    Ok(rows
        .into_iter()
        .map(|t| FsRow {
            filesystem: t.0,
            host: t.1,
            status: t.2,
            max_users: t.3,
            cur_users: t.4,
            max_size: t.5,
            cur_size: t.6,
        })
        .collect())
}

/// Add a filesystem (online, no users yet); false when it exists.
pub fn fstab_insert(
    db: &mut Db,
    fs: &str,
    host: &str,
    max_users: i64,
    max_size: i64,
) -> DbResult<bool> {
    match db.exec(
        "fstab",
        "INSERT INTO fstab (filesystem, host, status, max_users, cur_users, max_size, cur_size) \
         VALUES (:f, :h, 1, :mu, 0, :ms, 0)",
        params! {"f" => fs, "h" => host, "mu" => max_users, "ms" => max_size},
    ) {
        Ok(_) => Ok(true),
        Err(e) if e.is_duplicate() => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn fstab_delete(db: &mut Db, fs: &str, host: &str) -> DbResult<u64> {
    db.delete(
        "fstab",
        "DELETE FROM fstab WHERE filesystem = :f AND host = :h",
        params! {"f" => fs, "h" => host},
    )
}

/// Change the limits (None = keep).
pub fn fstab_update(
    db: &mut Db,
    fs: &str,
    host: &str,
    max_users: Option<i64>,
    max_size: Option<i64>,
) -> DbResult<u64> {
    db.exec(
        "fstab",
        "UPDATE fstab SET max_users = COALESCE(:mu, max_users), max_size = COALESCE(:ms, max_size) \
         WHERE filesystem = :f AND host = :h",
        params! {"f" => fs, "h" => host, "mu" => max_users, "ms" => max_size},
    )
}

pub fn fstab_status(db: &mut Db, fs: &str, host: &str, status: i32) -> DbResult<u64> {
    db.exec(
        "fstab",
        "UPDATE fstab SET status = :s WHERE filesystem = :f AND host = :h",
        params! {"f" => fs, "h" => host, "s" => status},
    )
}

/// Record one more (or fewer) user of `bytes` on a filesystem.
pub fn fstab_account(db: &mut Db, fs: &str, host: &str, users: i64, bytes: i64) -> DbResult<u64> {
    db.exec(
        "fstab",
        "UPDATE fstab SET cur_users = GREATEST(cur_users + :n, 0), cur_size = GREATEST(cur_size + :b, 0) \
         WHERE filesystem = :f AND host = :h",
        params! {"f" => fs, "h" => host, "n" => users, "b" => bytes},
    )
}
