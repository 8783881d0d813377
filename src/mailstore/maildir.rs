//! Maildir creation (`vmake_maildir`) and recursive directory creation (`r_mkdir`).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{fchown_opt, lchown_opt, MailstoreError};

/// Mode of every directory created for a mail store.
const DIR_MODE: u32 = 0o750;

/// Create each missing component of `path` with `mode` (exact, independent of the umask) and chown
/// it to `owner`. Returns the directories it created, outermost first. An existing `path` is left alone.
pub fn make_dirs(path: &Path, mode: u32, owner: Option<(u32, u32)>) -> io::Result<Vec<PathBuf>> {
    // collect the missing components, deepest first
    let mut missing = Vec::new();
    let mut p = path.to_path_buf();
    let mut inherits_setgid = true;
    loop {
        match fs::symlink_metadata(&p) {
            Ok(m) => {
                if !m.is_dir() && !fs::metadata(&p).map(|m| m.is_dir()).unwrap_or(false) {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!("{}: exists and is not a directory", p.display()),
                    ));
                }
                inherits_setgid = m.is_symlink() || m.mode() & 0o2000 != 0;
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                missing.push(p.clone());
                match p.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => p = parent.to_path_buf(),
                    _ => break,
                }
            }
            Err(e) => return Err(e),
        }
    }
    let mut created = Vec::new();
    let exact = created_mode_is_exact(mode, inherits_setgid);
    for dir in missing.into_iter().rev() {
        match fs::DirBuilder::new().mode(mode).create(&dir) {
            Ok(()) => {}
            // raced with someone else creating it: fine, but it is not ours
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => continue,
            Err(e) => {
                rollback_created(&created);
                return Err(e);
            }
        }
        created.push(dir.clone());
        let chmod = || match exact {
            true => Ok(()),
            false => fs::set_permissions(&dir, fs::Permissions::from_mode(mode)),
        };
        if let Err(e) = chmod().and_then(|_| lchown_opt(&dir, owner)) {
            rollback_created(&created);
            return Err(e);
        }
    }
    Ok(created)
}

/// Whether a directory made with `mode` gets exactly `mode`, so the chmod after the
/// mkdir can be left out (a bulk add makes five directories a user): true when the
/// process umask clears none of its bits and no set-group-ID bit is inherited from
/// the parent; an unknown umask means chmod.
fn created_mode_is_exact(mode: u32, parent_setgid: bool) -> bool {
    !parent_setgid && crate::sys::umask().is_some_and(|m| mode & m == 0)
}

/// Remove what a create step made, deepest first. Errors are ignored (best effort); directories that
/// are no longer empty are left in place.
pub fn rollback_created(created: &[PathBuf]) {
    let mut v: Vec<&PathBuf> = created.iter().collect();
    v.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for p in v {
        match fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => {
                let _ = fs::remove_dir(p);
            }
            Ok(_) => {
                let _ = fs::remove_file(p);
            }
            Err(_) => {}
        }
    }
}

/// Create `<home>/Maildir` (each missing component 0750), `cur`, `new`, `tmp` (0750; existing ones
/// are chmod-ed to 0750), `Maildir/domain` containing `<domain>\n` (`localhost\n` when `domain` is
/// empty) and an empty `Maildir/BulkMail`, both 0644; everything chowned to `owner`.
///
/// Returns the paths created (so a caller can [`rollback_created`]); on error everything created so
/// far is removed again.
pub fn create_maildir(
    home: &Path,
    domain: &str,
    owner: Option<(u32, u32)>,
) -> Result<Vec<PathBuf>, MailstoreError> {
    let mut created = Vec::new();
    let res = create_maildir_inner(home, domain, owner, &mut created);
    if res.is_err() {
        rollback_created(&created);
    }
    res.map(|_| created)
}

fn create_maildir_inner(
    home: &Path,
    domain: &str,
    owner: Option<(u32, u32)>,
    created: &mut Vec<PathBuf>,
) -> Result<(), MailstoreError> {
    let maildir = home.join("Maildir");
    let made = make_dirs(&maildir, DIR_MODE, owner)
        .map_err(|e| MailstoreError::io("mkdir", &maildir, e))?;
    // Made just now by make_dirs, Maildir has no set-group-ID bit for its children to
    // inherit unless its parent had one; one stat tells.
    let setgid = fs::symlink_metadata(&maildir).map_or(true, |m| m.mode() & 0o2000 != 0);
    let exact = created_mode_is_exact(DIR_MODE, setgid);
    created.extend(made);
    for sub in ["cur", "new", "tmp"] {
        let d = maildir.join(sub);
        let new = match fs::DirBuilder::new().mode(DIR_MODE).create(&d) {
            Ok(()) => {
                created.push(d.clone());
                lchown_opt(&d, owner).map_err(|e| MailstoreError::io("chown", &d, e))?;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(MailstoreError::io("mkdir", &d, e)),
        };
        if !(new && exact) {
            fs::set_permissions(&d, fs::Permissions::from_mode(DIR_MODE))
                .map_err(|e| MailstoreError::io("chmod", &d, e))?;
        }
    }
    let content = if domain.is_empty() {
        "localhost\n".to_string()
    } else {
        format!("{domain}\n")
    };
    write_file(&maildir.join("domain"), content.as_bytes(), owner, created)?;
    write_file(&maildir.join("BulkMail"), b"", owner, created)?;
    Ok(())
}

/// Create/truncate a 0644 file with `data`, chowned to `owner`.
fn write_file(
    path: &Path,
    data: &[u8],
    owner: Option<(u32, u32)>,
    created: &mut Vec<PathBuf>,
) -> Result<(), MailstoreError> {
    let existed = fs::symlink_metadata(path).is_ok();
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| MailstoreError::io("open", path, e))?;
    if !existed {
        created.push(path.to_path_buf());
    }
    // A new file has its creation mode unless the umask took bits away.
    if existed || !created_mode_is_exact(0o644, false) {
        f.set_permissions(fs::Permissions::from_mode(0o644))
            .map_err(|e| MailstoreError::io("chmod", path, e))?;
    }
    f.write_all(data)
        .map_err(|e| MailstoreError::io("write", path, e))?;
    fchown_opt(&f, owner).map_err(|e| MailstoreError::io("chown", path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn is_root() -> bool {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().mode() & 0o7777
    }

    #[test]
    fn make_dirs_modes_and_list() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("A2E/example.com/0/alice");
        // a restrictive umask must not matter
        let old = crate::sys::set_umask(0o077);
        let created = make_dirs(&target, 0o750, None).unwrap();
        crate::sys::set_umask(old);
        assert_eq!(created.len(), 4);
        assert_eq!(created[0], t.path().join("A2E"));
        assert_eq!(created[3], target);
        for p in &created {
            assert_eq!(mode(p), 0o750, "{}", p.display());
        }
        assert!(make_dirs(&target, 0o750, None).unwrap().is_empty());
        rollback_created(&created);
        assert!(!t.path().join("A2E").exists());
    }

    #[test]
    fn make_dirs_refuses_file() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("f"), "x").unwrap();
        assert!(make_dirs(&t.path().join("f/g"), 0o750, None).is_err());
    }

    #[test]
    fn maildir_layout() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("L2P/example.com/postmaster");
        let owner = if is_root() { Some((999, 995)) } else { None };
        let created = create_maildir(&home, "example.com", owner).unwrap();
        let md = home.join("Maildir");
        for d in [
            &home,
            &md,
            &md.join("cur"),
            &md.join("new"),
            &md.join("tmp"),
        ] {
            assert!(d.is_dir());
            assert_eq!(mode(d), 0o750, "{}", d.display());
        }
        assert_eq!(
            fs::read_to_string(md.join("domain")).unwrap(),
            "example.com\n"
        );
        assert_eq!(mode(&md.join("domain")), 0o644);
        assert_eq!(fs::read(md.join("BulkMail")).unwrap().len(), 0);
        assert_eq!(mode(&md.join("BulkMail")), 0o644);
        assert!(!md.join("maildirsize").exists());
        if let Some((u, g)) = owner {
            for p in &created {
                let m = fs::symlink_metadata(p).unwrap();
                assert_eq!((m.uid(), m.gid()), (u, g), "{}", p.display());
            }
        }
        // home, L2P, example.com, Maildir, cur, new, tmp, domain, BulkMail
        assert_eq!(created.len(), 9);
        rollback_created(&created);
        assert_eq!(fs::read_dir(t.path()).unwrap().count(), 0);
    }

    #[test]
    fn maildir_existing_subdirs_chmodded_and_localhost() {
        let t = tempfile::tempdir().unwrap();
        let md = t.path().join("u/Maildir");
        fs::create_dir_all(md.join("cur")).unwrap();
        fs::set_permissions(md.join("cur"), fs::Permissions::from_mode(0o700)).unwrap();
        let created = create_maildir(&t.path().join("u"), "", None).unwrap();
        assert_eq!(mode(&md.join("cur")), 0o750);
        assert!(!created.contains(&md.join("cur")));
        assert_eq!(
            fs::read_to_string(md.join("domain")).unwrap(),
            "localhost\n"
        );
    }

    #[test]
    fn maildir_error_carries_path() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("home"), "x").unwrap();
        let e = create_maildir(&t.path().join("home"), "d", None).unwrap_err();
        assert!(e.to_string().contains("home"), "{e}");
    }
}
