//! Removing a home directory (`vdelfiles`) and moving one (rename or copy + delete).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::MailstoreError;

/// qmail-style error text (`error_str`) for the common errno values, as the original prints them
/// (e.g. `access denied`); other errors fall back to the OS description.
pub fn error_text(e: &io::Error) -> String {
    let s = match e.raw_os_error() {
        Some(libc::EACCES) => "access denied",
        Some(libc::ENOENT) => "file does not exist",
        Some(libc::EPERM) => "permission denied",
        Some(libc::ENOTDIR) => "not a directory",
        Some(libc::EISDIR) => "is a directory",
        Some(libc::ENOTEMPTY) => "directory not empty",
        Some(libc::EEXIST) => "file already exists",
        Some(libc::EROFS) => "read-only file system",
        Some(libc::EBUSY) => "device busy",
        Some(libc::EIO) => "input/output error",
        Some(libc::ENOSPC) => "out of disk space",
        Some(libc::ELOOP) => "symbolic link loop",
        Some(libc::ENAMETOOLONG) => "file name too long",
        Some(libc::EXDEV) => "cross-device link",
        _ => {
            let t = e.to_string();
            return match t.find(" (os error") {
                Some(p) => t[..p].to_string(),
                None => t,
            };
        }
    };
    s.to_string()
}

fn warn(op: &str, path: &Path, e: &io::Error) {
    eprintln!("vdelfiles: {op}: {}: {}", path.display(), error_text(e));
}

/// Recursively delete a home directory like the original `vdelfiles()`.
///
/// Refuses (error, nothing deleted) the paths `/`, `/usr`, `/var`, `/mail`, an empty path, and any path
/// that does not contain `user` (when non-empty) and `domain` (when non-empty) as substrings.
/// A missing path is success. With every entry (readdir order, depth first) `verbose` receives
/// `Removing File <path>` (non-directories, symlinks are not followed) or, after its contents,
/// `Removing Dir <path>`. Like the original, failures to lstat/unlink an entry are warned about on
/// stderr (`vdelfiles: unlink: <path>: <err>`) and skipped; failing to open or remove a directory is
/// warned about and returned as an error (`op` = `opendir`/`rmdir`/`unlink`/`lstat`).
pub fn remove_home(
    home: &Path,
    user: &str,
    domain: &str,
    verbose: &mut dyn FnMut(&str),
) -> Result<(), MailstoreError> {
    let s = home.to_string_lossy();
    let refuse = |reason: &str| MailstoreError::Refused {
        op: "remove",
        path: home.to_path_buf(),
        reason: reason.to_string(),
    };
    if s.is_empty() || matches!(s.as_ref(), "/" | "/usr" | "/var" | "/mail") {
        return Err(refuse("protected directory"));
    }
    if !user.is_empty() && !s.contains(user) {
        return Err(refuse("path does not contain the user name"));
    }
    if !domain.is_empty() && !s.contains(domain) {
        return Err(refuse("path does not contain the domain name"));
    }
    del_tree(home, verbose)
}

fn del_tree(path: &Path, verbose: &mut dyn FnMut(&str)) -> Result<(), MailstoreError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(MailstoreError::io("lstat", path, e)),
    };
    if !meta.is_dir() {
        verbose(&format!("Removing File {}", path.display()));
        return fs::remove_file(path).map_err(|e| {
            warn("unlink", path, &e);
            MailstoreError::io("unlink", path, e)
        });
    }
    let entries = fs::read_dir(path).map_err(|e| {
        warn("opendir", path, &e);
        MailstoreError::io("opendir", path, e)
    })?;
    for ent in entries {
        let ent = match ent {
            Ok(e) => e,
            Err(e) => {
                warn("readdir", path, &e);
                return Err(MailstoreError::io("readdir", path, e));
            }
        };
        let child = path.join(ent.file_name());
        let m = match fs::symlink_metadata(&child) {
            Ok(m) => m,
            Err(e) => {
                warn("lstat", &child, &e);
                continue;
            }
        };
        if !m.is_dir() {
            verbose(&format!("Removing File {}", child.display()));
            if let Err(e) = fs::remove_file(&child) {
                warn("unlink", &child, &e);
            }
            continue;
        }
        del_tree(&child, verbose)?;
    }
    verbose(&format!("Removing Dir {}", path.display()));
    fs::remove_dir(path).map_err(|e| {
        warn("rmdir", path, &e);
        MailstoreError::io("rmdir", path, e)
    })
}

/// Move a directory tree from `from` to `to` (whose parent must exist; `to` must not exist).
/// Uses rename; across filesystems (EXDEV) the tree is copied completely (modes, owners, symlinks,
/// timestamps), every file and directory fsync-ed, and only then is the source deleted. If the copy
/// fails the partial destination is removed and the source is left untouched.
pub fn move_dir(from: &Path, to: &Path) -> Result<(), MailstoreError> {
    if fs::symlink_metadata(to).is_ok() {
        return Err(MailstoreError::io(
            "rename",
            to,
            io::Error::from_raw_os_error(libc::EEXIST),
        ));
    }
    match fs::rename(from, to) {
        Ok(()) => return Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {}
        Err(e) => return Err(MailstoreError::io("rename", from, e)),
    }
    if let Err(e) = copy_tree(from, to) {
        let _ = remove_tree_quiet(to);
        return Err(e);
    }
    if let Some(parent) = to.parent() {
        sync_dir(parent)?;
    }
    remove_tree_quiet(from).map_err(|(p, e)| MailstoreError::io("remove", p, e))
}

fn sync_dir(dir: &Path) -> Result<(), MailstoreError> {
    let d = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(d)
        .and_then(|f| f.sync_all())
        .map_err(|e| MailstoreError::io("fsync", d, e))
}

fn copy_attrs(src_meta: &fs::Metadata, dst: &Path) -> io::Result<()> {
    std::os::unix::fs::lchown(dst, Some(src_meta.uid()), Some(src_meta.gid())).or_else(|e| {
        if e.raw_os_error() == Some(libc::EPERM) {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    if !src_meta.file_type().is_symlink() {
        fs::set_permissions(dst, fs::Permissions::from_mode(src_meta.mode() & 0o7777))?;
        let times = fs::FileTimes::new()
            .set_accessed(src_meta.accessed()?)
            .set_modified(src_meta.modified()?);
        File::open(dst)?.set_times(times)?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), MailstoreError> {
    copy_tree_observed(from, to, &mut |_| {})
}

/// Copy a tree like the cross-filesystem branch of [`move_dir`] (modes, owners,
/// symlinks, timestamps, every file and directory fsync-ed), calling `copied`
/// with each source path once it is copied. `to` must not exist; on failure the
/// partial copy is left for the caller to remove.
pub fn copy_tree_observed(
    from: &Path,
    to: &Path,
    copied: &mut dyn FnMut(&Path),
) -> Result<(), MailstoreError> {
    let meta = fs::symlink_metadata(from).map_err(|e| MailstoreError::io("lstat", from, e))?;
    let ft = meta.file_type();
    if ft.is_symlink() {
        let target = fs::read_link(from).map_err(|e| MailstoreError::io("readlink", from, e))?;
        std::os::unix::fs::symlink(&target, to)
            .map_err(|e| MailstoreError::io("symlink", to, e))?;
        copy_attrs(&meta, to).map_err(|e| MailstoreError::io("chown", to, e))?;
    } else if ft.is_dir() {
        fs::create_dir(to).map_err(|e| MailstoreError::io("mkdir", to, e))?;
        for ent in fs::read_dir(from).map_err(|e| MailstoreError::io("opendir", from, e))? {
            let ent = ent.map_err(|e| MailstoreError::io("readdir", from, e))?;
            copy_tree_observed(&ent.path(), &to.join(ent.file_name()), copied)?;
        }
        // attributes last, so that a read-only source directory can still be filled
        copy_attrs(&meta, to).map_err(|e| MailstoreError::io("chmod", to, e))?;
        sync_dir(to)?;
    } else if ft.is_file() {
        let mut src = File::open(from).map_err(|e| MailstoreError::io("open", from, e))?;
        let mut dst = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(to)
            .map_err(|e| MailstoreError::io("open", to, e))?;
        io::copy(&mut src, &mut dst).map_err(|e| MailstoreError::io("copy", to, e))?;
        dst.sync_all()
            .map_err(|e| MailstoreError::io("fsync", to, e))?;
        drop(dst);
        copy_attrs(&meta, to).map_err(|e| MailstoreError::io("chmod", to, e))?;
    } else {
        // fifos, sockets, devices: not expected in a mail store
        return Err(MailstoreError::io(
            "copy",
            from,
            io::Error::new(io::ErrorKind::Unsupported, "special file"),
        ));
    }
    copied(from);
    Ok(())
}

/// Remove a tree (or file) without output; a missing path is success.
pub fn remove_tree(p: &Path) -> io::Result<()> {
    remove_tree_quiet(p).map_err(|(_, e)| e)
}

fn remove_tree_quiet(p: &Path) -> Result<(), (PathBuf, io::Error)> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p).map_err(|e| (p.to_path_buf(), e)),
        Ok(_) => fs::remove_file(p).map_err(|e| (p.to_path_buf(), e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err((p.to_path_buf(), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailstore::maildir::create_maildir;

    fn lines_for(
        home: &Path,
        user: &str,
        domain: &str,
    ) -> (Result<(), MailstoreError>, Vec<String>) {
        let mut v = Vec::new();
        let r = remove_home(home, user, domain, &mut |l: &str| v.push(l.to_string()));
        (r, v)
    }

    #[test]
    fn removes_tree_in_original_order() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("A2E/example.com/dave");
        create_maildir(&home, "example.com", None).unwrap();
        fs::write(home.join("Maildir/maildirsize"), "1S\n").unwrap();
        fs::write(home.join("Maildir/new/1,S=3"), "abc").unwrap();
        std::os::unix::fs::symlink("/etc", home.join("link")).unwrap();
        // expected order: readdir order of each directory, depth first, dir after contents
        fn expect(p: &Path, out: &mut Vec<String>) {
            for e in fs::read_dir(p).unwrap() {
                let e = e.unwrap();
                let c = e.path();
                if fs::symlink_metadata(&c).unwrap().is_dir() {
                    expect(&c, out);
                } else {
                    out.push(format!("Removing File {}", c.display()));
                }
            }
            out.push(format!("Removing Dir {}", p.display()));
        }
        let mut want = Vec::new();
        expect(&home, &mut want);
        let (r, got) = lines_for(&home, "dave", "example.com");
        r.unwrap();
        assert_eq!(got, want);
        assert_eq!(
            got.last().unwrap(),
            &format!("Removing Dir {}", home.display())
        );
        assert_eq!(got.len(), 10);
        assert!(!home.exists());
        assert!(Path::new("/etc").exists());
        // missing home is fine
        let (r, got) = lines_for(&home, "dave", "example.com");
        r.unwrap();
        assert!(got.is_empty());
    }

    #[test]
    fn refuses_dangerous_paths() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("A2E/example.com/dave");
        fs::create_dir_all(&home).unwrap();
        for (p, u, d) in [
            (Path::new("/"), "", ""),
            (Path::new("/usr"), "", ""),
            (Path::new("/var"), "", ""),
            (Path::new("/mail"), "", ""),
            (Path::new(""), "", ""),
            (home.as_path(), "erin", "example.com"),
            (home.as_path(), "dave", "example.org"),
        ] {
            let (r, got) = lines_for(p, u, d);
            assert!(
                matches!(r, Err(MailstoreError::Refused { .. })),
                "{}",
                p.display()
            );
            assert!(got.is_empty());
        }
        assert!(home.exists());
    }

    #[test]
    fn single_file() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("example.com-dave");
        fs::write(&f, "x").unwrap();
        let (r, got) = lines_for(&f, "dave", "example.com");
        r.unwrap();
        assert_eq!(got, vec![format!("Removing File {}", f.display())]);
        assert!(!f.exists());
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            error_text(&io::Error::from_raw_os_error(libc::EACCES)),
            "access denied"
        );
        assert_eq!(
            error_text(&io::Error::from_raw_os_error(libc::ENOENT)),
            "file does not exist"
        );
        assert!(!error_text(&io::Error::from_raw_os_error(libc::E2BIG)).contains("os error"));
    }

    #[test]
    fn move_dir_rename_and_copy() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a/example.com/u");
        create_maildir(&a, "example.com", None).unwrap();
        fs::write(a.join("Maildir/new/1,S=5"), "hello").unwrap();
        let b = t.path().join("b");
        move_dir(&a, &b).unwrap();
        assert!(!a.exists());
        assert_eq!(
            fs::read_to_string(b.join("Maildir/new/1,S=5")).unwrap(),
            "hello"
        );
        // destination exists → error, nothing lost
        fs::create_dir(&a).unwrap();
        assert!(move_dir(&b, &a).is_err());
        assert!(b.join("Maildir/domain").exists());
        fs::remove_dir(&a).unwrap();
        // the copy path (used on EXDEV) keeps content and modes
        let c = t.path().join("c");
        copy_tree(&b, &c).unwrap();
        for rel in [
            "Maildir",
            "Maildir/cur",
            "Maildir/domain",
            "Maildir/BulkMail",
            "Maildir/new/1,S=5",
        ] {
            let (m1, m2) = (
                fs::metadata(b.join(rel)).unwrap(),
                fs::metadata(c.join(rel)).unwrap(),
            );
            assert_eq!(m1.mode(), m2.mode(), "{rel}");
            assert_eq!((m1.uid(), m1.gid()), (m2.uid(), m2.gid()), "{rel}");
        }
        assert_eq!(
            fs::read_to_string(c.join("Maildir/new/1,S=5")).unwrap(),
            "hello"
        );
    }

    #[test]
    fn move_dir_across_filesystems_if_possible() {
        // /dev/shm is usually a different filesystem from the temp dir
        let shm = Path::new("/dev/shm");
        if !shm.is_dir() {
            return;
        }
        let src = match tempfile::tempdir_in(shm) {
            Ok(d) => d,
            Err(_) => return,
        };
        let t = tempfile::tempdir().unwrap();
        let from = src.path().join("u");
        create_maildir(&from, "example.com", None).unwrap();
        fs::write(from.join("Maildir/cur/x"), "data").unwrap();
        let to = t.path().join("u");
        move_dir(&from, &to).unwrap();
        assert!(!from.exists());
        assert_eq!(
            fs::read_to_string(to.join("Maildir/cur/x")).unwrap(),
            "data"
        );
        assert_eq!(
            fs::metadata(to.join("Maildir")).unwrap().mode() & 0o7777,
            0o750
        );
    }
}
