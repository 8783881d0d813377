/*!
Vacation (auto-reply) set-up for a mailbox (`add_vacation`): `<home>/.qmail`
runs the autoresponder and keeps delivering to the Maildir,
`<home>/.vacation.msg` holds the reply text and `<home>/.vacation.dir`
remembers who got one. Adding is all or nothing: the message is read first,
and files written are put back as they were if a later step fails.
*/

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::cli::AppletError;
use crate::mailstore::remove::error_text;
use crate::sys;

/// `INDIMAIL_QMAIL_MODE` and `INDIMAIL_DIR_MODE`.
pub const FILE_MODE: u32 = 0o644;
pub const DIR_MODE: u32 = 0o750;

pub fn qmail_file(home: &str) -> PathBuf {
    Path::new(home).join(".qmail")
}
pub fn msg_file(home: &str) -> PathBuf {
    Path::new(home).join(".vacation.msg")
}
pub fn dir(home: &str) -> PathBuf {
    Path::new(home).join(".vacation.dir")
}

/// The exact contents of `<home>/.qmail`.
pub fn qmail_contents(prefix: &Path, home: &str) -> String {
    format!(
        "| {}/bin/autoresponder -q {home}/.vacation.msg {home}/.vacation.dir\n{home}/Maildir/\n",
        prefix.display()
    )
}

/// Remove the set-up (`-`). Every file is tried; the first failure is reported.
pub fn remove(home: &str) -> Result<(), AppletError> {
    let mut first_err = None;
    for f in [qmail_file(home), msg_file(home)] {
        if !sys::path_missing(&f) {
            if let Err(e) = std::fs::remove_file(&f) {
                first_err.get_or_insert(AppletError::new(
                    1,
                    format!("add_vacation: {}: {}", f.display(), error_text(&e)),
                ));
            }
        }
    }
    let d = dir(home);
    if !sys::path_missing(&d) {
        if let Err(e) = std::fs::remove_dir_all(&d) {
            first_err.get_or_insert(AppletError::new(
                1,
                format!("vdelfiles: {}: {}", d.display(), error_text(&e)),
            ));
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// What a step changed, to put back on failure.
enum Undo {
    Restore(PathBuf, Option<Vec<u8>>),
    RemoveDir(PathBuf),
}

fn rollback(undo: Vec<Undo>) {
    for u in undo.into_iter().rev() {
        match u {
            Undo::Restore(p, Some(old)) => {
                let _ = std::fs::write(&p, old);
            }
            Undo::Restore(p, None) => {
                let _ = std::fs::remove_file(&p);
            }
            Undo::RemoveDir(p) => {
                let _ = std::fs::remove_dir(&p);
            }
        }
    }
}

fn write_file(
    path: &Path,
    data: &[u8],
    owner: Option<(u32, u32)>,
    undo: &mut Vec<Undo>,
) -> Result<(), AppletError> {
    let old = std::fs::read(path).ok();
    undo.push(Undo::Restore(path.to_path_buf(), old));
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        AppletError::new(
            111,
            format!("add_vacation: {what}: {}: {e}", path.display()),
        )
    };
    std::fs::write(path, data).map_err(|e| fail("open_trunc", &error_text(&e)))?;
    sys::chown(path, owner).map_err(|e| fail("chown/chmod", &error_text(&e)))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(FILE_MODE))
        .map_err(|e| fail("chown/chmod", &error_text(&e)))?;
    Ok(())
}

/// Set up vacation with `message` as the reply text.
pub fn add(
    prefix: &Path,
    home: &str,
    message: &[u8],
    owner: Option<(u32, u32)>,
) -> Result<PathBuf, AppletError> {
    let mut undo = Vec::new();
    let result = (|| -> Result<PathBuf, AppletError> {
        write_file(
            &qmail_file(home),
            qmail_contents(prefix, home).as_bytes(),
            owner,
            &mut undo,
        )?;
        let d = dir(home);
        if sys::path_missing(&d) {
            std::fs::DirBuilder::new()
                .mode(DIR_MODE)
                .create(&d)
                .map_err(|e| {
                    AppletError::new(
                        1,
                        format!("add_vacation: r_mkdir: {}: {}", d.display(), error_text(&e)),
                    )
                })?;
            undo.push(Undo::RemoveDir(d.clone()));
            let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(DIR_MODE));
            sys::chown(&d, owner).map_err(|e| {
                AppletError::new(
                    1,
                    format!("add_vacation: r_mkdir: {}: {}", d.display(), error_text(&e)),
                )
            })?;
        }
        let m = msg_file(home);
        write_file(&m, message, owner, &mut undo).map_err(|e| AppletError::new(1, e.message))?;
        Ok(m)
    })();
    if result.is_err() {
        rollback(undo);
    }
    result
}
