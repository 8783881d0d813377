//! Maildir creation (`vmake_maildir`) and recursive directory creation (`r_mkdir`).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{fchown_opt, lchown_opt, MailstoreError};

/// Mode of every directory created for a mail store.
const DIR_MODE: u32 = 0o750;

/// Mode of the files a new Maildir holds.
const FILE_MODE: u32 = 0o644;

/// The subdirectories of a new Maildir.
const SUBDIRS: [&str; 3] = ["cur", "new", "tmp"];

/// The files of a new Maildir and their contents: `domain` names the domain
/// (`localhost` for none), `BulkMail` is empty.
fn maildir_files(domain: &str) -> [(&'static str, Vec<u8>); 2] {
    let domain = if domain.is_empty() {
        "localhost"
    } else {
        domain
    };
    [
        ("domain", format!("{domain}\n").into_bytes()),
        ("BulkMail", Vec::new()),
    ]
}

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
    for sub in SUBDIRS {
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
    for (name, data) in maildir_files(domain) {
        write_file(&maildir.join(name), &data, owner, created)?;
    }
    Ok(())
}

/// Create/truncate a [`FILE_MODE`] file with `data`, chowned to `owner`.
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
        .mode(FILE_MODE)
        .open(path)
        .map_err(|e| MailstoreError::io("open", path, e))?;
    if !existed {
        created.push(path.to_path_buf());
    }
    // A new file has its creation mode unless the umask took bits away.
    if existed || !created_mode_is_exact(FILE_MODE, false) {
        f.set_permissions(fs::Permissions::from_mode(FILE_MODE))
            .map_err(|e| MailstoreError::io("chmod", path, e))?;
    }
    f.write_all(data)
        .map_err(|e| MailstoreError::io("write", path, e))?;
    fchown_opt(&f, owner).map_err(|e| MailstoreError::io("chown", path, e))?;
    Ok(())
}

/// Makes many Maildirs in a row (`vbulk -d`) with fewer system calls than
/// [`create_maildir`]: each home's parent directory is opened once and the
/// directories and files are made relative to it, already with their owner
/// (the process's own ids, or, as root, the thread's file-system ids switched
/// to the owner), so nothing is chowned, chmod-ed or looked up first. The
/// result is the same as [`create_maildir`]'s; any home it cannot make that
/// way (the parent is missing or set-group-ID, the home exists, the umask
/// would change a mode, permission denied) goes through [`create_maildir`].
///
/// The file-system ids are per thread: use one `MaildirMaker` per thread.
pub struct MaildirMaker {
    /// The parent directory opened last: its path, descriptor, set-group-ID bit.
    parent: Option<(PathBuf, fs::File, bool)>,
    ids: Option<(Option<(u32, u32)>, crate::sys::FsIds)>,
    exact: bool,
    euid: u32,
    egid: u32,
    /// Homes made the direct way (the rest went through `create_maildir`).
    pub direct: usize,
}

impl Default for MaildirMaker {
    fn default() -> Self {
        Self::new()
    }
}

impl MaildirMaker {
    pub fn new() -> MaildirMaker {
        MaildirMaker {
            parent: None,
            ids: None,
            exact: created_mode_is_exact(DIR_MODE, false)
                && created_mode_is_exact(FILE_MODE, false),
            euid: crate::sys::geteuid(),
            egid: crate::sys::getegid(),
            direct: 0,
        }
    }

    /// As [`create_maildir`].
    pub fn create(
        &mut self,
        home: &Path,
        domain: &str,
        owner: Option<(u32, u32)>,
    ) -> Result<Vec<PathBuf>, MailstoreError> {
        match self.try_direct(home, domain, owner) {
            Some(r) => r,
            None => {
                // The slow path chowns: it needs the thread's own ids back.
                self.ids = None;
                create_maildir(home, domain, owner)
            }
        }
    }

    /// `None`: this home is not for the direct path (nothing was created).
    fn try_direct(
        &mut self,
        home: &Path,
        domain: &str,
        owner: Option<(u32, u32)>,
    ) -> Option<Result<Vec<PathBuf>, MailstoreError>> {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        if !self.exact {
            return None;
        }
        let (parent, name) = (home.parent()?, home.file_name()?);
        if !matches!(&self.parent, Some((p, _, _)) if p == parent) {
            let dir = crate::sys::open_dir_path(parent).ok()?;
            let setgid = dir.metadata().ok()?.mode() & 0o2000 != 0;
            self.parent = Some((parent.to_path_buf(), dir, setgid));
        }
        let (_, dir, setgid) = self.parent.as_ref()?;
        if *setgid {
            return None;
        }
        // Created with the right owner: as the process, or as root with the
        // thread's file-system ids switched.
        match owner {
            Some(o) if o != (self.euid, self.egid) => {
                if self.euid != 0 {
                    return None;
                }
                if self.ids.as_ref().map(|(w, _)| *w) != Some(Some(o)) {
                    self.ids = None;
                    self.ids = Some((Some(o), crate::sys::FsIds::switch(o.0, o.1).ok()?));
                }
            }
            _ => self.ids = None,
        }
        let name = name.as_bytes();
        let rel = |tail: &str| {
            let mut v = Vec::with_capacity(name.len() + tail.len() + 1);
            v.extend_from_slice(name);
            v.extend_from_slice(tail.as_bytes());
            CString::new(v).ok()
        };
        // The home itself: if it exists or cannot be made here, nothing is
        // created and the general path decides.
        crate::sys::mkdir_at(dir, &rel("")?, DIR_MODE).ok()?;
        let mut created = vec![home.to_path_buf()];
        let res = (|| -> Result<(), MailstoreError> {
            let maildir = home.join("Maildir");
            // Maildir itself, then its subdirectories.
            for sub in std::iter::once(None).chain(SUBDIRS.map(Some)) {
                let (path, tail) = match sub {
                    None => (maildir.clone(), "/Maildir".to_string()),
                    Some(d) => (maildir.join(d), format!("/Maildir/{d}")),
                };
                let c = rel(&tail).ok_or_else(|| nul_error("mkdir", &path))?;
                crate::sys::mkdir_at(dir, &c, DIR_MODE)
                    .map_err(|e| MailstoreError::io("mkdir", &path, e))?;
                created.push(path);
            }
            for (name, data) in maildir_files(domain) {
                let path = maildir.join(name);
                let c = rel(&format!("/Maildir/{name}")).ok_or_else(|| nul_error("open", &path))?;
                let mut f = crate::sys::create_new_at(dir, &c, FILE_MODE)
                    .map_err(|e| MailstoreError::io("open", &path, e))?;
                created.push(path.clone());
                f.write_all(&data)
                    .map_err(|e| MailstoreError::io("write", &path, e))?;
            }
            Ok(())
        })();
        Some(match res {
            Ok(()) => {
                self.direct += 1;
                Ok(created)
            }
            Err(e) => {
                rollback_created(&created);
                Err(e)
            }
        })
    }
}

fn nul_error(op: &'static str, path: &Path) -> MailstoreError {
    MailstoreError::io(
        op,
        path,
        io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"),
    )
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

    /// Everything below `root`: relative path, mode, owner, content of files.
    fn tree(root: &Path) -> Vec<(PathBuf, u32, u32, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut todo = vec![root.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let m = fs::symlink_metadata(&p).unwrap();
                let data = if m.is_dir() {
                    todo.push(p.clone());
                    Vec::new()
                } else {
                    fs::read(&p).unwrap()
                };
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                out.push((rel, m.mode() & 0o7777, m.uid(), m.gid(), data));
            }
        }
        out.sort();
        out
    }

    /// The maker leaves exactly what create_maildir leaves, for homes whose parent
    /// exists (direct path), is missing, or is set-group-ID (both general path),
    /// and an existing home; as root, with an owner other than the process.
    #[test]
    fn maker_matches_create_maildir() {
        let owner = if is_root() { Some((999, 995)) } else { None };
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let setup = |t: &Path| {
            let p = t.join("A2E/example.com");
            make_dirs(&p, DIR_MODE, owner).unwrap();
            let g = t.join("S2G/example.com");
            make_dirs(&g, DIR_MODE, owner).unwrap();
            fs::set_permissions(&g, fs::Permissions::from_mode(0o2750)).unwrap();
            make_dirs(&t.join("A2E/example.com/old"), DIR_MODE, owner).unwrap();
        };
        setup(a.path());
        setup(b.path());
        let homes = [
            "A2E/example.com/alice",
            "A2E/example.com/bob",
            "A2E/example.com/old",
            "B2F/example.com/0/carol",
            "S2G/example.com/dave",
            "A2E/example.com/erin",
        ];
        let mut maker = MaildirMaker::new();
        for h in homes {
            let dom = if h.ends_with("erin") {
                ""
            } else {
                "example.com"
            };
            let x = create_maildir(&a.path().join(h), dom, owner).unwrap();
            let y = maker.create(&b.path().join(h), dom, owner).unwrap();
            let rel = |v: Vec<PathBuf>, t: &Path| -> Vec<PathBuf> {
                v.iter()
                    .map(|p| p.strip_prefix(t).unwrap().to_path_buf())
                    .collect()
            };
            assert_eq!(rel(x, a.path()), rel(y, b.path()), "{h}");
        }
        // alice, bob and erin; the others need the general path
        assert_eq!(maker.direct, 3);
        let ta = tree(a.path());
        assert_eq!(ta, tree(b.path()));
        assert!(ta
            .iter()
            .any(|e| e.0 == Path::new("A2E/example.com/alice/Maildir/domain")
                && e.1 == 0o644
                && e.4 == b"example.com\n"));
        if let Some((u, g)) = owner {
            assert!(ta.iter().all(|e| (e.2, e.3) == (u, g)), "{ta:?}");
        }
        // The thread's file-system ids are back: what it makes now is its own.
        drop(maker);
        fs::create_dir(b.path().join("mine")).unwrap();
        let m = fs::symlink_metadata(b.path().join("mine")).unwrap();
        assert_eq!(
            (m.uid(), m.gid()),
            (crate::sys::geteuid(), crate::sys::getegid())
        );
    }

    #[test]
    fn maker_error_rolls_back_and_names_the_path() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir(t.path().join("u")).unwrap();
        let mut maker = MaildirMaker::new();
        // a file where the home should be: the general path reports it
        fs::write(t.path().join("home"), "x").unwrap();
        let e = maker.create(&t.path().join("home"), "d", None).unwrap_err();
        assert!(e.to_string().contains("home"), "{e}");
        let created = maker.create(&t.path().join("u/v"), "d", None).unwrap();
        assert_eq!(created.len(), 7);
        rollback_created(&created);
        assert_eq!(fs::read_dir(t.path().join("u")).unwrap().count(), 0);
    }
}
