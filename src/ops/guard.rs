//! Who may run the commands that act on the database as a whole (execmysql).
//!
//! Direct use is for root only. Administrators that the `vpriv` table allows
//! a program reach it through indisrvr, which checks vpriv itself and then
//! runs the command as root; so this check never needs the table.

/// May the calling (real) user run `program` directly? `Err` carries the
/// refusal text.
pub fn caller_may_run(program: &str) -> Result<(), String> {
    let uid = crate::sys::getuid();
    if uid == 0 {
        return Ok(());
    }
    Err(format!(
        "{program}: you must be root to run this program (uid={uid}); \
         administrators allowed by vpriv use it through indisrvr"
    ))
}
