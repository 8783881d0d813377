//! Whether a compiled cdb still holds exactly what its source text compiles to, told
//! without reading either file.
//!
//! Adding a domain extends `users/cdb` and `morercpthosts.cdb` by a record. Doing
//! that safely needs to know that the source (`users/assign`, `morercpthosts`) has not
//! been edited by hand since the cdb was compiled, or the edit would be lost until the
//! next full compile. Comparing both files record by record tells, but it reads and
//! checks the whole of both on every add, which made an add slower the more domains
//! there were.
//!
//! So whenever this program writes a cdb whose source it knows to compile to it, it
//! records on the new cdb (an extended attribute, `user.indimail.source`) the identity
//! of the source as it then stood: device, inode, size, modification and change
//! times, together with the cdb's own inode, size and modification time. Any later
//! change to the source changes at least its change time (which no user can set) or
//! its inode (an editor saving a new file); any rewrite of the cdb by another tool
//! (qmail-newu, the original vadddomain) makes a new file without the attribute. A
//! stamp that still matches therefore means both files are as they were left, and the
//! add can trust the cdb's hash tables instead of reading every record.
//!
//! The one thing this cannot see is an edit made in place, without changing the
//! source's size, in the same clock tick as our own write of it, on a kernel that
//! stamps files with coarse times: Linux since 6.13 gives a change made after the time
//! was read a finer time. Where the file system keeps no user attributes, nothing is
//! recorded and every add compares the files as before.

use std::ffi::CStr;
use std::fs::{self, File, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

const ATTRIBUTE: &CStr = c"user.indimail.source";
/// First byte of a stamp: the layout of what follows.
const VERSION: u8 = 1;
const LEN: usize = 1 + 11 * 8;
/// Where the cdb's own part of a stamp begins (inode, size, modification time).
const OWN: usize = 1 + 7 * 8;

/// For a cdb made by extending an older one: the older file's inode and how many of its
/// bytes (header, then records) the new one begins with, its header aside. Kept after
/// the stamp proper, so that the older file can be reused for the next version
/// ([`super::cdb::CdbFile::stage_extended`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub ino: u64,
    pub shared: u64,
}

fn image(source: &Metadata, cdb: &Metadata) -> [u8; LEN] {
    let fields = [
        source.dev(),
        source.ino(),
        source.size(),
        source.mtime() as u64,
        source.mtime_nsec() as u64,
        source.ctime() as u64,
        source.ctime_nsec() as u64,
        cdb.ino(),
        cdb.size(),
        cdb.mtime() as u64,
        cdb.mtime_nsec() as u64,
    ];
    let mut out = [0u8; LEN];
    out[0] = VERSION;
    for (chunk, n) in out[1..].chunks_exact_mut(8).zip(fields) {
        chunk.copy_from_slice(&n.to_le_bytes());
    }
    out
}

/// Record on `cdb` (fully written: its size and modification time are part of the
/// stamp) that it holds what `source`, as it now stands, compiles to, and where it came
/// from if it extends an older file. Best effort: a cdb without a stamp is only checked
/// the slow way.
pub fn record(cdb: &File, source: &Path, origin: Option<Origin>) {
    if let (Ok(s), Ok(c)) = (fs::metadata(source), cdb.metadata()) {
        let mut stamp = image(&s, &c).to_vec();
        if let Some(o) = origin {
            stamp.extend_from_slice(&o.ino.to_le_bytes());
            stamp.extend_from_slice(&o.shared.to_le_bytes());
        }
        let _ = crate::sys::set_xattr(cdb, ATTRIBUTE, &stamp);
    }
}

/// [`record`] on a cdb compiled from scratch (no origin), staged to be renamed into
/// place.
pub fn record_staged(cdb: &crate::control::AtomicFile, source: &Path) {
    if let Some(f) = cdb.file() {
        record(f, source, None);
    }
}

fn read(cdb: &File) -> Option<Vec<u8>> {
    let stamp = crate::sys::get_xattr(cdb, ATTRIBUTE, LEN + 17).ok()??;
    (stamp.len() == LEN || stamp.len() == LEN + 16).then_some(stamp)
}

/// Does `cdb` carry a stamp that `source` and `cdb` still match, so that it holds
/// exactly what `source` compiles to? If so, the source's metadata and the cdb's origin.
pub fn holds(cdb: &File, source: &Path) -> Option<(Metadata, Option<Origin>)> {
    let stamp = read(cdb)?;
    let s = fs::metadata(source).ok()?;
    let c = cdb.metadata().ok()?;
    if stamp[..LEN] != image(&s, &c)[..] {
        return None;
    }
    let origin = stamp.get(LEN..LEN + 16).map(|o| Origin {
        ino: u64::from_le_bytes(o[..8].try_into().unwrap()),
        shared: u64::from_le_bytes(o[8..].try_into().unwrap()),
    });
    Some((s, origin))
}

/// Is `cdb` (whose metadata is `meta`) unchanged since this program wrote and stamped
/// it, whatever became of its source since?
pub fn intact(cdb: &File, meta: &Metadata) -> bool {
    read(cdb).is_some_and(|stamp| stamp[OWN..LEN] == image(meta, meta)[OWN..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::FileExt;

    fn pair(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let (src, cdb) = (dir.join("src"), dir.join("cdb"));
        fs::write(&src, b"one\ntwo\n").unwrap();
        fs::write(&cdb, b"compiled").unwrap();
        (src, cdb)
    }

    fn stamped(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let (src, cdb) = pair(dir);
        record(&File::open(&cdb).unwrap(), &src, None);
        // (a file system without user attributes skips the tests that need them)
        assert!(holds(&File::open(&cdb).unwrap(), &src).is_some());
        (src, cdb)
    }

    #[test]
    fn no_stamp_no_trust() {
        let dir = tempfile::tempdir().unwrap();
        let (src, cdb) = pair(dir.path());
        assert!(holds(&File::open(&cdb).unwrap(), &src).is_none());
    }

    #[test]
    fn source_edited_in_place_at_same_size() {
        let dir = tempfile::tempdir().unwrap();
        let (src, cdb) = stamped(dir.path());
        let f = fs::OpenOptions::new().write(true).open(&src).unwrap();
        f.write_all_at(b"T", 4).unwrap();
        assert_eq!(fs::read(&src).unwrap(), b"one\nTwo\n");
        assert!(holds(&File::open(&cdb).unwrap(), &src).is_none());
    }

    #[test]
    fn source_replaced_or_appended() {
        let dir = tempfile::tempdir().unwrap();
        let (src, cdb) = stamped(dir.path());
        fs::write(dir.path().join("new"), b"one\ntwo\n").unwrap();
        fs::rename(dir.path().join("new"), &src).unwrap();
        assert!(holds(&File::open(&cdb).unwrap(), &src).is_none());

        let (src, cdb) = stamped(dir.path());
        let mut f = fs::OpenOptions::new().append(true).open(&src).unwrap();
        f.write_all(b"three\n").unwrap();
        assert!(holds(&File::open(&cdb).unwrap(), &src).is_none());
    }

    #[test]
    fn cdb_rewritten_or_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (src, cdb) = stamped(dir.path());
        // written over in place (as cp does): the attribute stays, the size changes
        fs::write(&cdb, b"other bytes").unwrap();
        assert!(holds(&File::open(&cdb).unwrap(), &src).is_none());

        let (src, cdb) = stamped(dir.path());
        fs::write(dir.path().join("new"), b"compiled").unwrap();
        fs::rename(dir.path().join("new"), &cdb).unwrap();
        assert!(holds(&File::open(&cdb).unwrap(), &src).is_none());
    }

    #[test]
    fn source_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (src, cdb) = stamped(dir.path());
        fs::remove_file(&src).unwrap();
        assert!(holds(&File::open(&cdb).unwrap(), &src).is_none());
    }
}
