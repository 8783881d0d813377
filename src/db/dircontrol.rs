//! `dir_control<prefix>` tables: the per-domain state of the home-directory
//! hashing (see [`crate::mailstore::hashdir`]).

use mysql::params;

use super::{check_identifier, Db, DbResult};
use crate::mailstore::hashdir::DirControl;

pub fn table_name(prefix: &str) -> DbResult<String> {
    let t = format!("dir_control{prefix}");
    check_identifier(&t)?;
    Ok(t)
}

/// Read the domain's row (locked for update inside a transaction); the
/// original's initial state when there is none.
pub fn load(db: &mut Db, prefix: &str, domain: &str, for_update: bool) -> DbResult<DirControl> {
    let table = table_name(prefix)?;
    let q = format!(
        "SELECT cur_users, level_cur, level_max, level_start0, level_start1, level_start2, \
         level_end0, level_end1, level_end2, level_mod0, level_mod1, level_mod2, \
         level_index0, level_index1, level_index2, the_dir FROM {table} WHERE domain = :d{}",
        if for_update { " FOR UPDATE" } else { "" }
    );
    let rows: Vec<mysql::Row> = db.select(&table, &q, params! {"d" => domain})?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(DirControl::initial());
    };
    let g = |i: usize| -> i32 { row.get::<Option<i32>, _>(i).flatten().unwrap_or(0) };
    Ok(DirControl {
        cur_users: row.get::<Option<i64>, _>(0).flatten().unwrap_or(0),
        level_cur: g(1),
        level_max: g(2),
        level_start: [g(3), g(4), g(5)],
        level_end: [g(6), g(7), g(8)],
        level_mod: [g(9), g(10), g(11)],
        level_index: [g(12), g(13), g(14)],
        the_dir: row
            .get::<Option<String>, _>(15)
            .flatten()
            .unwrap_or_default(),
    })
}

/// Write the domain's row back (`replace into`).
pub fn store(db: &mut Db, prefix: &str, domain: &str, dc: &DirControl) -> DbResult<()> {
    let table = table_name(prefix)?;
    let q = format!(
        "REPLACE INTO {table} (domain, cur_users, level_cur, level_max, level_start0, level_start1, level_start2, \
         level_end0, level_end1, level_end2, level_mod0, level_mod1, level_mod2, \
         level_index0, level_index1, level_index2, the_dir) \
         VALUES (:d, :cu, :lc, :lm, :s0, :s1, :s2, :e0, :e1, :e2, :m0, :m1, :m2, :i0, :i1, :i2, :dir)"
    );
    db.exec(
        &table,
        &q,
        params! {
            "d" => domain, "cu" => dc.cur_users, "lc" => dc.level_cur, "lm" => dc.level_max,
            "s0" => dc.level_start[0], "s1" => dc.level_start[1], "s2" => dc.level_start[2],
            "e0" => dc.level_end[0], "e1" => dc.level_end[1], "e2" => dc.level_end[2],
            "m0" => dc.level_mod[0], "m1" => dc.level_mod[1], "m2" => dc.level_mod[2],
            "i0" => dc.level_index[0], "i1" => dc.level_index[1], "i2" => dc.level_index[2],
            "dir" => &dc.the_dir,
        },
    )?;
    Ok(())
}
