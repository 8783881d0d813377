//! The `indimail` (active) and `indibak` (inactive) user tables.

use mysql::params;

use super::{check_identifier, Db, DbResult};
use crate::config::env_or;
use crate::flushlog::Change;

/// Active table name (`MYSQL_TABLE`, default `indimail`).
pub fn active_table() -> String {
    env_or("MYSQL_TABLE", "indimail")
}

/// Inactive table name (`MYSQL_INACTIVE_TABLE`, default `indibak`).
pub fn inactive_table() -> String {
    env_or("MYSQL_INACTIVE_TABLE", "indibak")
}

/// Which of the two tables a row lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Inactive,
}

impl Status {
    pub fn table(self) -> String {
        match self {
            Status::Active => active_table(),
            Status::Inactive => inactive_table(),
        }
    }
}

/// One row of `indimail`/`indibak`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub name: String,
    pub domain: String,
    pub passwd: String,
    pub uid: i64,
    pub gid: i64,
    pub gecos: String,
    pub dir: String,
    /// The quota string (IndiMail keeps it in `pw_shell`).
    pub shell: String,
    pub scram: Option<String>,
}

impl UserRow {
    /// The password as the original's `sql_getpw` presents it: `<scram>,<hash>` when a scram value exists.
    pub fn display_passwd(&self) -> String {
        match &self.scram {
            Some(s) if !s.is_empty() => format!("{s},{}", self.passwd),
            _ => self.passwd.clone(),
        }
    }
}

type RawUser = (
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn from_raw(r: RawUser) -> UserRow {
    UserRow {
        name: r.0,
        domain: r.1,
        passwd: r.2,
        uid: r.3.unwrap_or(0),
        gid: r.4.unwrap_or(0),
        gecos: r.5,
        dir: r.6.unwrap_or_default(),
        shell: r.7.unwrap_or_default(),
        scram: r.8,
    }
}

const USER_COLUMNS: &str =
    "pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell, scram";

/// Row kinds of [`both_tables_sql`] (its first column).
const KIND_ACTIVE: i64 = 0;
const KIND_INACTIVE: i64 = 1;

/// The statement reading a user's row from both tables (parameters `:u`, `:d`),
/// each row led by its kind.
pub(super) fn both_tables_sql() -> DbResult<String> {
    let (active, inactive) = (active_table(), inactive_table());
    check_identifier(&active)?;
    check_identifier(&inactive)?;
    Ok(format!(
        "SELECT {KIND_ACTIVE}, {USER_COLUMNS} FROM {active} WHERE pw_name = :u AND pw_domain = :d \
         UNION ALL SELECT {KIND_INACTIVE}, {USER_COLUMNS} FROM {inactive} WHERE pw_name = :u AND pw_domain = :d"
    ))
}

/// Of rows led by their kind, the one `sql_getpw` takes: the active row before an
/// inactive one, whichever comes first; rows of other kinds are passed over.
pub(super) fn pick<'a>(
    rows: impl IntoIterator<Item = &'a mysql::Row>,
) -> Option<(UserRow, Status)> {
    let (row, status) = rows
        .into_iter()
        .filter_map(|r| match r.get::<i64, _>(0) {
            Some(KIND_ACTIVE) => Some((r, Status::Active)),
            Some(KIND_INACTIVE) => Some((r, Status::Inactive)),
            _ => None,
        })
        .min_by_key(|(_, status)| *status == Status::Inactive)?;
    Some((from_row(row), status))
}

/// `sql_getpw`: the active table first, then the inactive one. Both are asked
/// in one statement; if one of them does not exist yet, one at a time.
pub fn get(db: &mut Db, user: &str, domain: &str) -> DbResult<Option<(UserRow, Status)>> {
    let q = both_tables_sql()?;
    match db.select_strict::<mysql::Row>(&q, params! {"u" => user, "d" => domain}) {
        Ok(rows) => Ok(pick(&rows)),
        Err(e) if e.is_missing_table() => get_one_by_one(db, user, domain),
        Err(e) => Err(e),
    }
}

fn from_row(r: &mysql::Row) -> UserRow {
    let s = |i: usize| r.get::<Option<String>, _>(i).flatten().unwrap_or_default();
    UserRow {
        name: s(1),
        domain: s(2),
        passwd: s(3),
        uid: r.get::<Option<i64>, _>(4).flatten().unwrap_or(0),
        gid: r.get::<Option<i64>, _>(5).flatten().unwrap_or(0),
        gecos: s(6),
        dir: s(7),
        shell: s(8),
        scram: r.get::<Option<String>, _>(9).flatten(),
    }
}

fn get_one_by_one(db: &mut Db, user: &str, domain: &str) -> DbResult<Option<(UserRow, Status)>> {
    for status in [Status::Active, Status::Inactive] {
        let table = status.table();
        check_identifier(&table)?;
        let q = format!("SELECT {USER_COLUMNS} FROM {table} WHERE pw_name = :u AND pw_domain = :d");
        let rows: Vec<RawUser> = db.select(&table, &q, params! {"u" => user, "d" => domain})?;
        if let Some(r) = rows.into_iter().next() {
            return Ok(Some((from_raw(r), status)));
        }
    }
    Ok(None)
}

/// Insert a new row (the caller made sure the tables exist and the name is free).
pub fn insert(db: &mut Db, row: &UserRow, status: Status) -> DbResult<()> {
    let table = status.table();
    check_identifier(&table)?;
    let q = format!(
        "INSERT INTO {table} (pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell, scram) \
         VALUES (:n, :d, :p, :uid, :gid, :g, :dir, :sh, :sc)"
    );
    db.exec(
        &table,
        &q,
        params! {
            "n" => &row.name, "d" => &row.domain, "p" => &row.passwd, "uid" => row.uid, "gid" => row.gid,
            "g" => &row.gecos, "dir" => &row.dir, "sh" => &row.shell, "sc" => &row.scram,
        },
    )?;
    db.changed(Change::user(&row.name, &row.domain));
    Ok(())
}

/// Delete the user from whichever table holds it; returns where it was.
pub fn delete(db: &mut Db, user: &str, domain: &str) -> DbResult<Option<Status>> {
    for status in [Status::Active, Status::Inactive] {
        let table = status.table();
        check_identifier(&table)?;
        let q = format!("DELETE FROM {table} WHERE pw_name = :u AND pw_domain = :d");
        if db.delete(&table, &q, params! {"u" => user, "d" => domain})? > 0 {
            db.changed(Change::user(user, domain));
            return Ok(Some(status));
        }
    }
    Ok(None)
}

/// Update one column set on the user's row, active table first. Returns whether a row matched.
fn update(
    db: &mut Db,
    user: &str,
    domain: &str,
    set: &str,
    values: Vec<(String, mysql::Value)>,
) -> DbResult<bool> {
    for status in [Status::Active, Status::Inactive] {
        let table = status.table();
        check_identifier(&table)?;
        // A SELECT decides the table: affected_rows is 0 for an unchanged value.
        let found: Vec<u8> = db.select(
            &table,
            &format!("SELECT 1 FROM {table} WHERE pw_name = :u AND pw_domain = :d"),
            params! {"u" => user, "d" => domain},
        )?;
        if found.is_empty() {
            continue;
        }
        let mut p = values.clone();
        p.push(("u".into(), user.into()));
        p.push(("d".into(), domain.into()));
        let q = format!("UPDATE {table} SET {set} WHERE pw_name = :u AND pw_domain = :d");
        db.exec(&table, &q, mysql::Params::from(p))?;
        db.changed(Change::user(user, domain));
        return Ok(true);
    }
    Ok(false)
}

/// vpasswd: new hash and scram value (NULL when none).
pub fn set_password(
    db: &mut Db,
    user: &str,
    domain: &str,
    hash: &str,
    scram: Option<&str>,
) -> DbResult<bool> {
    update(
        db,
        user,
        domain,
        "pw_passwd = :p, scram = :s",
        vec![
            ("p".into(), hash.into()),
            ("s".into(), scram.map(str::to_string).into()),
        ],
    )
}

/// vsetuserquota: the quota string in `pw_shell`.
pub fn set_quota(db: &mut Db, user: &str, domain: &str, quota: &str) -> DbResult<bool> {
    update(
        db,
        user,
        domain,
        "pw_shell = :q",
        vec![("q".into(), quota.into())],
    )
}
/// `sql_setpw`: write every column of `row` (passwd, uid, gid, gecos, dir,
/// shell) to the user's row in whichever table holds it; `scram` is written
/// only when given (`Some(None)` stores NULL). Returns whether a row matched.
pub fn set_row(db: &mut Db, row: &UserRow, scram: Option<Option<&str>>) -> DbResult<bool> {
    let mut set = String::from(
        "pw_passwd = :p, pw_uid = :uid, pw_gid = :gid, pw_gecos = :g, pw_dir = :dir, pw_shell = :sh",
    );
    let mut values: Vec<(String, mysql::Value)> = vec![
        ("p".into(), row.passwd.clone().into()),
        ("uid".into(), row.uid.into()),
        ("gid".into(), row.gid.into()),
        ("g".into(), row.gecos.clone().into()),
        ("dir".into(), row.dir.clone().into()),
        ("sh".into(), row.shell.clone().into()),
    ];
    if let Some(s) = scram {
        set.push_str(", scram = :sc");
        values.push(("sc".into(), s.map(str::to_string).into()));
    }
    update(db, &row.name, &row.domain, &set, values)
}

/// `sql_active`: move a user's row between the active and the inactive
/// table (`INSERT .. SELECT` then `DELETE`; run it inside a transaction).
/// Returns false when the row was not in `from`.
pub fn move_row(db: &mut Db, user: &str, domain: &str, from: Status) -> DbResult<bool> {
    let (src, dst) = match from {
        Status::Active => (active_table(), inactive_table()),
        Status::Inactive => (inactive_table(), active_table()),
    };
    check_identifier(&src)?;
    check_identifier(&dst)?;
    let q = format!("INSERT INTO {dst} SELECT * FROM {src} WHERE pw_name = :u AND pw_domain = :d");
    if db.exec(&dst, &q, params! {"u" => user, "d" => domain})? == 0 {
        return Ok(false);
    }
    let q = format!("DELETE FROM {src} WHERE pw_name = :u AND pw_domain = :d");
    let moved = db.exec(&src, &q, params! {"u" => user, "d" => domain})? > 0;
    db.changed(Change::user(user, domain));
    Ok(moved)
}

/// inlookup `-c`: active users who logged in by imap, pop3 or webmail since `since`
/// (unix time), most recent first, at most `limit`.
pub fn recently_active(db: &mut Db, since: i64, limit: usize) -> DbResult<Vec<UserRow>> {
    let active = active_table();
    check_identifier(&active)?;
    let q = format!(
        "SELECT {cols} FROM {active} a JOIN (SELECT user, domain, MAX(timestamp) AS t FROM lastauth \
         WHERE service IN ('imap', 'pop3', 'webm') AND timestamp > FROM_UNIXTIME(:since) \
         GROUP BY user, domain) l ON a.pw_name = l.user AND a.pw_domain = l.domain \
         ORDER BY l.t DESC LIMIT {limit}",
        cols = USER_COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows: Vec<RawUser> = db.select(&active, &q, params! {"since" => since})?;
    Ok(rows.into_iter().map(from_raw).collect())
}

/// Clustered sites: set the `pw_uid` flag (1 normal, 2 ADD pending, 4 DEL
/// pending) of a user's row in whichever table holds it.
pub fn set_uid_flag(db: &mut Db, user: &str, domain: &str, flag: i64) -> DbResult<bool> {
    update(
        db,
        user,
        domain,
        "pw_uid = :f",
        vec![("f".into(), flag.into())],
    )
}

/// Clustered sites: (pw_name, pw_passwd, pw_uid) of the users of `domain`
/// with a pending ADD (2) or DEL (4) flag, active table first.
pub fn pending_flags(db: &mut Db, domain: &str) -> DbResult<Vec<(String, String, i64)>> {
    let mut out = Vec::new();
    for table in [active_table(), inactive_table()] {
        check_identifier(&table)?;
        let q = format!(
            "SELECT pw_name, pw_passwd, pw_uid FROM {table} WHERE pw_domain = :d AND pw_uid IN (2, 4) ORDER BY pw_name"
        );
        let rows: Vec<(String, String, i64)> = db.select(&table, &q, params! {"d" => domain})?;
        out.extend(rows);
    }
    Ok(out)
}
