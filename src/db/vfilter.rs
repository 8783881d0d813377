//! `vfilter`: per-user mail filters (rows follow the user's address).

use mysql::params;

use super::{Db, DbResult};

/// Move a user's filters to a new address (vrenameuser).
pub fn rename_email(db: &mut Db, old: &str, new: &str) -> DbResult<u64> {
    db.exec(
        "vfilter",
        "UPDATE vfilter SET emailid = :n WHERE emailid = :o",
        params! {"n" => new, "o" => old},
    )
}
