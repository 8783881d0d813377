/*!
Mail groups (`vgroup`): a group is an ordinary mailbox whose gecos is
`MailGroup <comment>`, and its members are the `valias` lines of its address
(`&user@domain` forwards, `/path/Maildir/` or `|program`).
*/

use crate::cli::AppletError;
use crate::db::{valias, Db};

/// The gecos of a group account.
pub fn gecos(comment: Option<&str>, user: &str) -> String {
    format!("MailGroup {}", comment.unwrap_or(user))
}

/// The valias line for a member: addresses get a leading `&`; lines that
/// already start with `&`, `/` or `|` are kept. A leading `.` is refused.
pub fn member_line(member: &str) -> Result<String, AppletError> {
    if member.starts_with('.') {
        return Err(AppletError::new(
            1,
            format!("vgroup: Illegal member {member}"),
        ));
    }
    Ok(if member.starts_with(['&', '/', '|']) {
        member.to_string()
    } else {
        format!("&{member}")
    })
}

/// Add a member line; refused when the group already has it.
pub fn insert(db: &mut Db, user: &str, domain: &str, line: &str) -> Result<(), AppletError> {
    if valias::lines(db, user, domain)?.iter().any(|l| l == line) {
        return Err(AppletError::new(
            255,
            format!("valias_insert: {line} is already a member of {user}@{domain}"),
        ));
    }
    valias::insert(db, user, domain, line)?;
    Ok(())
}

/// Replace a member line; an error when the old line is not there.
pub fn update(
    db: &mut Db,
    user: &str,
    domain: &str,
    old: &str,
    new: &str,
) -> Result<u64, AppletError> {
    let lines = valias::lines(db, user, domain)?;
    if !lines.iter().any(|l| l == old) {
        return Err(AppletError::new(
            1,
            format!("No alias line {old} for alias {user}@{domain}"),
        ));
    }
    if old != new && lines.iter().any(|l| l == new) {
        return Err(AppletError::new(
            1,
            format!("valias_update: {new} is already a member of {user}@{domain}"),
        ));
    }
    Ok(valias::update_line(db, user, domain, old, new)?)
}
