//! `vfilter`: per-address mail filter rules (vcfilter), one row per (emailid, filter_no).

use mysql::params;

use super::{Db, DbResult};

/// One filter rule as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FilterRow {
    pub emailid: String,
    pub filter_no: i32,
    pub filter_name: String,
    /// Index into the header list; -1 for comparison 5.
    pub header_name: i32,
    pub comparision: i32,
    pub keyword: String,
    pub destination: String,
    /// `0`, `1`, `2&user@domain`, `2|program`, `3&...`, `3|...`
    pub bounce_action: String,
}

/// The rules of an address, by filter number.
pub fn list(db: &mut Db, emailid: &str) -> DbResult<Vec<FilterRow>> {
    let rows: Vec<(i32, String, i32, i32, String, String, String)> = db.select(
        "vfilter",
        "SELECT filter_no, filter_name, header_name, comparision, keyword, destination, bounce_action \
         FROM vfilter WHERE emailid = :e ORDER BY filter_no",
        params! {"e" => emailid},
    )?;
    Ok(rows
        .into_iter()
        .map(|(n, name, h, c, k, d, b)| FilterRow {
            emailid: emailid.to_string(),
            filter_no: n,
            filter_name: name,
            header_name: h,
            comparision: c,
            keyword: k,
            destination: d,
            bounce_action: b,
        })
        .collect())
}

/// `vfilter_filterNo`: the first unused number from 1 up.
pub fn next_filter_no(db: &mut Db, emailid: &str) -> DbResult<i32> {
    let nos: Vec<i32> = db.select(
        "vfilter",
        "SELECT filter_no FROM vfilter WHERE emailid = :e AND filter_no > 0 ORDER BY filter_no",
        params! {"e" => emailid},
    )?;
    let mut want = 1;
    for n in nos {
        if n != want {
            break;
        }
        want += 1;
    }
    Ok(want)
}

pub fn insert(db: &mut Db, row: &FilterRow) -> DbResult<u64> {
    db.exec(
        "vfilter",
        "INSERT INTO vfilter (emailid, filter_no, filter_name, header_name, comparision, keyword, \
         destination, bounce_action) VALUES (:e, :n, :name, :h, :c, :k, :d, :b)",
        params! {
            "e" => &row.emailid,
            "n" => row.filter_no,
            "name" => &row.filter_name,
            "h" => row.header_name,
            "c" => row.comparision,
            "k" => &row.keyword,
            "d" => &row.destination,
            "b" => &row.bounce_action,
        },
    )
}

/// Remove one rule; rows removed.
pub fn delete(db: &mut Db, emailid: &str, filter_no: i32) -> DbResult<u64> {
    db.delete(
        "vfilter",
        "DELETE FROM vfilter WHERE emailid = :e AND filter_no = :n",
        params! {"e" => emailid, "n" => filter_no},
    )
}

/// `vfilter_update`: everything but the name; rows matched.
pub fn update(db: &mut Db, row: &FilterRow) -> DbResult<u64> {
    db.exec(
        "vfilter",
        "UPDATE vfilter SET header_name = :h, comparision = :c, keyword = :k, destination = :d, \
         bounce_action = :b WHERE emailid = :e AND filter_no = :n",
        params! {
            "e" => &row.emailid,
            "n" => row.filter_no,
            "h" => row.header_name,
            "c" => row.comparision,
            "k" => &row.keyword,
            "d" => &row.destination,
            "b" => &row.bounce_action,
        },
    )
}

/// Move a user's filters to a new address (vrenameuser).
pub fn rename_email(db: &mut Db, old: &str, new: &str) -> DbResult<u64> {
    db.exec(
        "vfilter",
        "UPDATE vfilter SET emailid = :n WHERE emailid = :o",
        params! {"n" => new, "o" => old},
    )
}
