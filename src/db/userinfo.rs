//! What `vuserinfo` reads about one address — its row in `indimail` or
//! `indibak`, its `lastauth` rows and its `valias` lines — in one statement.
//! Each statement costs a prepare and an execute round trip to the server,
//! and these round trips were most of a `vuserinfo` run; asked one by one,
//! the answers are the same (the fallback below does exactly that).

use mysql::params;

use super::lastauth::{self, Entry};
use super::users::{self, Status, UserRow};
use super::{valias, Db, DbResult};

/// The three reads of one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfoRows {
    /// The active row if there is one, else the inactive one.
    pub user: Option<(UserRow, Status)>,
    /// Every `lastauth` row of the address (empty when there is no user row).
    pub lastauth: Vec<Entry>,
    /// The address's `valias` lines, ordered as `valias::lines` orders them.
    pub valias: Vec<String>,
}

// Row kinds (the first column) of the parts after the two user-row parts,
// whose kinds are 0 and 1 (see `users::both_tables_sql`).
const LASTAUTH: i64 = 2;
const VALIAS: i64 = 3;

/// Read everything about `user@domain` at once. If the combined statement
/// fails on the server (a table not created yet, say), the reads are made one
/// at a time, each with its own handling of a missing table.
pub fn get(db: &mut Db, user: &str, domain: &str) -> DbResult<UserInfoRows> {
    match combined(db, user, domain) {
        Err(e) if e.is_server_error() => one_by_one(db, user, domain),
        other => other,
    }
}

/// The three reads as one statement (an error if any table is missing).
pub fn combined(db: &mut Db, user: &str, domain: &str) -> DbResult<UserInfoRows> {
    // Column 1 holds the service of a lastauth row and the line of a valias
    // row, column 2 the IP, column 4 the time. No ORDER BY: it would make the
    // server gather the rows in a temporary table and sort them; the rows
    // come as each part reads them (lastauth in primary-key order, as a plain
    // read of the table gives them), and several valias lines are read again
    // in their own order below.
    let q = format!(
        "{} \
         UNION ALL SELECT {LASTAUTH}, service, remote_ip, NULL, UNIX_TIMESTAMP(timestamp), NULL, NULL, NULL, NULL, NULL \
           FROM lastauth WHERE user = :u AND domain = :d \
         UNION ALL SELECT {VALIAS}, valias_line, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
           FROM valias WHERE alias = :u AND domain = :d",
        users::both_tables_sql()?
    );
    let rows = db.select_strict::<mysql::Row>(&q, params! {"u" => user, "d" => domain})?;
    let text =
        |r: &mysql::Row, i: usize| r.get::<Option<String>, _>(i).flatten().unwrap_or_default();
    let mut out = UserInfoRows {
        user: users::pick(&rows),
        lastauth: Vec::new(),
        valias: Vec::new(),
    };
    for r in &rows {
        match r.get::<i64, _>(0) {
            Some(LASTAUTH) => out.lastauth.push(Entry {
                service: text(r, 1),
                ip: text(r, 2),
                time: r.get::<Option<i64>, _>(4).flatten().unwrap_or(0),
            }),
            Some(VALIAS) => out.valias.push(text(r, 1)),
            _ => {}
        }
    }
    if out.valias.len() > 1 {
        out.valias = valias::lines(db, user, domain)?;
    }
    // lastauth is keyed by the stored name; a row found under another
    // spelling (the tables compare case-insensitively) is read by that name.
    match &out.user {
        Some((row, _)) if row.name != user || row.domain != domain => {
            out.lastauth = lastauth::entries(db, &row.name, &row.domain)?;
        }
        None => out.lastauth.clear(),
        _ => {}
    }
    Ok(out)
}

/// The three reads one at a time.
pub fn one_by_one(db: &mut Db, user: &str, domain: &str) -> DbResult<UserInfoRows> {
    let found = users::get(db, user, domain)?;
    let lastauth = match &found {
        Some((row, _)) => lastauth::entries(db, &row.name, &row.domain)?,
        None => Vec::new(),
    };
    Ok(UserInfoRows {
        user: found,
        lastauth,
        valias: valias::lines(db, user, domain)?,
    })
}
