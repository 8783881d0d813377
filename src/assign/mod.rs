//! qmail `users/assign` and its compiled form `users/cdb`.
//!
//! A virtual domain is one `+<domain>-:<domain>:<uid>:<gid>:<dir>:-::` line before the
//! final `.` line of `ASSIGNDIR/assign`. Lookups go through `ASSIGNDIR/cdb` (what
//! `qmail-newu` builds) with the key `!<domain>-`.
//!
//! `compile` reproduces qmail-newu exactly:
//! * lines are read up to the first one that *starts* with `.`; every line before it
//!   must end in `\n`, contain no NUL and have a `:` that is not its first byte, else
//!   the file is rejected ("bad format");
//! * key = `!` + the bytes between the first byte and the first `:`, ASCII-lowercased;
//!   for a line not starting with `+` (an `=` exact line) a NUL is appended to the key;
//! * for a `+` line whose name part is non-empty, its last byte (the wildcard
//!   character, `-` for domains) is collected once, in order of first appearance;
//! * value = the rest of the line after that `:`, with its first six `:` turned into
//!   NULs and cut just before the sixth (so `d:uid:gid:dir:-::\n` becomes
//!   `d\0uid\0gid\0dir\0-\0`); fewer than six `:` is a format error;
//! * finally the empty key holds the collected wildcard characters.
//!
//! Records are added in file order, so the bytes equal qmail-newu's output.

pub mod cdb;
pub mod stamp;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::control::{self, err_at, split_lines, AtomicFile};
#[cfg(test)]
use cdb::Cdb;
use cdb::CdbWriter;

/// Mode of `assign` when we create it and of `cdb` always.
const ASSIGN_MODE: u32 = 0o644;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignEntry {
    pub domain: String,
    pub uid: u32,
    pub gid: u32,
    pub dir: PathBuf,
}

impl AssignEntry {
    /// The users/assign line (without newline) for this domain.
    pub fn assign_line(&self) -> String {
        format!(
            "+{d}-:{d}:{}:{}:{}:-::",
            self.uid,
            self.gid,
            self.dir.display(),
            d = self.domain
        )
    }
}

fn assign_path(assigndir: &Path) -> PathBuf {
    assigndir.join("assign")
}

pub fn cdb_path(assigndir: &Path) -> PathBuf {
    assigndir.join("cdb")
}

/// The previous version of `cdb`, kept to be written over by the next domain add
/// ([`cdb::CdbFile::stage_extended`]).
fn spare_path(assigndir: &Path) -> PathBuf {
    assigndir.join("cdb.spare")
}

/// C `scan_uint`: leading decimal digits, 0 if none (wrapping on overflow).
fn scan_uint(s: &[u8]) -> u32 {
    s.iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0u32, |n, &b| {
            n.wrapping_mul(10).wrapping_add(u32::from(b - b'0'))
        })
}

/// Look up a domain in `ASSIGNDIR/cdb` under the key `!<domain>-` (domain
/// ASCII-lowercased as get_assign does). Ok(None) if there is no cdb or no such key.
pub fn lookup_domain(assigndir: &Path, domain: &str) -> io::Result<Option<AssignEntry>> {
    let path = cdb_path(assigndir);
    let domain = domain.to_ascii_lowercase();
    let key = format!("!{domain}-");
    let Some(value) = cdb::get_from_file(&path, key.as_bytes())? else {
        return Ok(None);
    };
    // <local>\0<uid>\0<gid>\0<dir>\0...
    let mut fields = value.split(|&b| b == 0);
    let (Some(_local), Some(uid), Some(gid), Some(dir)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: malformed value for key {key}", path.display()),
        ));
    };
    Ok(Some(AssignEntry {
        domain,
        uid: scan_uint(uid),
        gid: scan_uint(gid),
        dir: PathBuf::from(String::from_utf8_lossy(dir).into_owned()),
    }))
}

/// Every `+` entry of `ASSIGNDIR/assign` before the `.` line that has at least five
/// `:`-separated fields with numeric uid and gid, in file order. The domain is field 2
/// (as vdominfo uses it), so autoturn entries appear too; callers filter against
/// `virtualdomains`. Err(NotFound) if the file is absent.
pub fn list_domains(assigndir: &Path) -> io::Result<Vec<AssignEntry>> {
    let path = assign_path(assigndir);
    let data = fs::read(&path).map_err(|e| err_at("read", &path, e))?;
    let mut out = Vec::new();
    for line in split_lines(&data) {
        if line.first() == Some(&b'.') {
            break;
        }
        if line.first() != Some(&b'+') {
            continue;
        }
        let f: Vec<&[u8]> = line.split(|&b| b == b':').collect();
        if f.len() < 5 {
            continue;
        }
        let numeric = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
        if !numeric(f[2]) || !numeric(f[3]) {
            continue;
        }
        out.push(AssignEntry {
            domain: String::from_utf8_lossy(f[1]).into_owned(),
            uid: scan_uint(f[2]),
            gid: scan_uint(f[3]),
            dir: PathBuf::from(String::from_utf8_lossy(f[4]).into_owned()),
        });
    }
    Ok(out)
}

/// Translate assign-file contents into cdb records exactly as qmail-newu does (the
/// records [`build_cdb`] adds, collected for the tests). `path` is only used in error
/// messages.
#[cfg(test)]
fn assign_to_records(path: &Path, data: &[u8]) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut records = Vec::new();
    for_each_record(path, data, |k, v| {
        records.push((k.to_vec(), v.to_vec()));
        Ok(())
    })?;
    Ok(records)
}

/// Call `f(key, value)` for every cdb record of the assign contents, in file order,
/// the wildcard record last (see the module comment); returns the offset of the line
/// that ends the file (the first one starting with `.`). The buffers are reused between
/// calls: this runs on every domain add over the whole file, so it allocates nothing
/// per line.
fn for_each_record(
    path: &Path,
    data: &[u8],
    mut f: impl FnMut(&[u8], &[u8]) -> io::Result<()>,
) -> io::Result<usize> {
    let bad = |lineno: usize, why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bad format in {} line {lineno}: {why}", path.display()),
        )
    };
    let mut wildchars: Vec<u8> = Vec::new();
    let mut key: Vec<u8> = Vec::with_capacity(256);
    let mut value: Vec<u8> = Vec::with_capacity(256);
    // One scan for NUL over the whole text; lines are checked only if it has one.
    let has_nul = memchr::memchr(0, data).is_some();
    let mut rest = data;
    let mut lineno = 0;
    let end = loop {
        lineno += 1;
        let start = data.len() - rest.len();
        let (line, terminated) = match memchr::memchr(b'\n', rest) {
            Some(n) => {
                let l = &rest[..n];
                rest = &rest[n + 1..];
                (l, true)
            }
            None => {
                let l = rest;
                rest = &[];
                (l, false)
            }
        };
        if line.first() == Some(&b'.') {
            break start;
        }
        if !terminated {
            return Err(bad(lineno, "missing final \".\" line"));
        }
        if has_nul && memchr::memchr(0, line).is_some() {
            return Err(bad(lineno, "NUL byte"));
        }
        let i = match memchr::memchr(b':', line) {
            Some(0) | None => return Err(bad(lineno, "no name before ':'")),
            Some(i) => i,
        };
        key.clear();
        key.push(b'!');
        key.extend_from_slice(&line[1..i]);
        key.make_ascii_lowercase();
        if line[0] == b'+' {
            if i >= 2 && !wildchars.contains(&line[i - 1]) {
                wildchars.push(line[i - 1]);
            }
        } else {
            key.push(0);
        }
        // value: rest of the line *including* its newline, first six ':' -> NUL,
        // truncated at the sixth.
        value.clear();
        let mut field = &line[i + 1..];
        for colons in 1..=6 {
            let Some(n) = memchr::memchr(b':', field) else {
                return Err(bad(lineno, "fewer than 7 ':'-separated fields"));
            };
            value.extend_from_slice(&field[..n]);
            if colons < 6 {
                value.push(0);
            }
            field = &field[n + 1..];
        }
        f(&key, &value)?;
    };
    f(&[], &wildchars)?;
    Ok(end)
}

fn build_cdb(path: &Path, data: &[u8]) -> io::Result<Vec<u8>> {
    // Records are about the size of their lines; one allocation up front.
    let mut w = CdbWriter::with_capacity(data.len() + data.len() / 4);
    for_each_record(path, data, |k, v| {
        w.try_add(k, v).map_err(|e| err_at("cdb", path, e))
    })?;
    Ok(w.finish())
}

/// Key of an assign line (bytes before the first ':').
fn line_key(line: &[u8]) -> &[u8] {
    let end = line.iter().position(|&b| b == b':').unwrap_or(line.len());
    &line[..end]
}

fn check_field(what: &str, s: &str, allow_empty: bool) -> io::Result<()> {
    if (!allow_empty && s.is_empty()) || s.contains([':', '\n', '\0']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid {what} for users/assign: {s:?}"),
        ));
    }
    Ok(())
}

/// Install new assign contents and the matching cdb. Caller holds the assign lock.
///
/// Order: (1) build the cdb in memory from the new contents (a format error changes
/// nothing); (2) write and fsync both temp files; (3) rename assign; (4) rename cdb.
/// A failure before (3) leaves both files untouched. If (4) fails, assign is put
/// back to its old contents (or removed if it did not exist) before the error is
/// returned, so the pair stays consistent.
fn install(assigndir: &Path, old: Option<&[u8]>, new: &[u8]) -> io::Result<()> {
    let apath = assign_path(assigndir);
    let cpath = cdb_path(assigndir);
    let cdb_bytes = build_cdb(&apath, new)?;
    let (amode, aowner) = match control::file_attrs(&apath)? {
        Some((m, o)) => (m, Some(o)),
        None => (ASSIGN_MODE, None),
    };
    // both written before either is synced: their write-back overlaps
    let atmp = AtomicFile::stage(&apath, new, amode, aowner)?;
    let ctmp = AtomicFile::stage(&cpath, &cdb_bytes, ASSIGN_MODE, None)?;
    atmp.commit()?;
    if dot_line_last(new) {
        stamp::record_staged(&ctmp, &apath);
    }
    if let Err(e) = ctmp.commit() {
        let _ = match old {
            Some(old) => control::write_atomic(&apath, old, amode, aowner),
            None => fs::remove_file(&apath),
        };
        return Err(e);
    }
    Ok(())
}

fn read_assign(apath: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(apath) {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err_at("read", apath, e)),
    }
}

/// Add or replace (matched by the exact key `+<domain>-`, ASCII case-insensitively
/// as qmail-newu lowercases keys; never by prefix) the domain's line in
/// `ASSIGNDIR/assign`, keeping a final `.` line last (an absent file is treated as
/// `.\n`), then rebuild `ASSIGNDIR/cdb`. Locked with `assign.pre.1` like the original
/// update_file; both files replaced atomically; mode 0644 for new files.
pub fn add_domain(assigndir: &Path, entry: &AssignEntry) -> io::Result<()> {
    check_field("domain", &entry.domain, false)?;
    check_field("directory", &entry.dir.to_string_lossy(), false)?;
    let apath = assign_path(assigndir);
    let _lock = control::lock(&apath)?;
    let new_line = entry.assign_line();
    if append_stamped(assigndir, &new_line)? {
        return Ok(());
    }
    let old = read_assign(&apath)?;
    if let Some(old) = &old {
        if append_checked(assigndir, old, &new_line)? {
            return Ok(());
        }
    }
    let old_bytes = old.as_deref().unwrap_or(b".\n");
    let key = format!("+{}-", entry.domain);
    let mut out: Vec<&[u8]> = Vec::new();
    let mut replaced = false;
    for line in split_lines(old_bytes) {
        if line == b"." {
            continue;
        }
        if line_key(line).eq_ignore_ascii_case(key.as_bytes()) {
            if !replaced {
                out.push(new_line.as_bytes());
                replaced = true;
            }
            continue;
        }
        out.push(line);
    }
    if !replaced {
        out.push(new_line.as_bytes());
    }
    out.push(b".");
    let mut new = Vec::new();
    for l in out {
        new.extend_from_slice(l);
        new.push(b'\n');
    }
    install(assigndir, old.as_deref(), &new)
}

/// Does the assign text end with the first of its lines that starts with `.`, and is
/// that line `.` alone? Then a line added in place of it is compiled after all the
/// others, and a stamp may be recorded for the pair ([`append_stamped`] relies on it).
fn dot_line_last(data: &[u8]) -> bool {
    let Some(body) = data.strip_suffix(b".\n") else {
        return false;
    };
    (body.is_empty() || body.ends_with(b"\n"))
        && !body.starts_with(b".")
        && memchr::memmem::find(body, b"\n.").is_none()
}

/// The common case of [`add_domain`] without reading either file: the cdb's stamp
/// ([`stamp`]) shows that it holds what `assign` compiles to and that neither changed
/// since, which also means `assign` ends with its only `.` line (stamps are recorded
/// only then). See [`append_records`]. Ok(false): the case does not apply.
fn append_stamped(assigndir: &Path, new_line: &str) -> io::Result<bool> {
    let apath = assign_path(assigndir);
    let Some((old_cdb, meta)) = cdb::CdbFile::open_stamped(&cdb_path(assigndir), &apath)? else {
        return Ok(false);
    };
    // (the promise checked all the same where it is cheap: the last bytes)
    let len = meta.len();
    let last = control::read_tail(&apath, len, 3)?;
    if !(last == b".\n" || last == b"\n.\n") {
        return Ok(false);
    }
    append_records(assigndir, &old_cdb, len, len - 2, new_line)
}

/// [`append_stamped`] where the cdb has no matching stamp: the whole of `assign`
/// (`old`) is compared with the cdb's records ([`compiled_from`]), so that an
/// administrator's edit of `assign` since the last compile is noticed and leads to a
/// compile from scratch. Ok(false): the case does not apply, nothing was done.
fn append_checked(assigndir: &Path, old: &[u8], new_line: &str) -> io::Result<bool> {
    let Some(old_cdb) = cdb::CdbFile::open(&cdb_path(assigndir))? else {
        return Ok(false);
    };
    // (a format error is left to the full rewrite to report)
    let Some(end) = compiled_from(old, &old_cdb.data, &old_cdb.layout) else {
        return Ok(false);
    };
    if &old[end..] != b".\n" {
        return Ok(false);
    }
    append_records(assigndir, &old_cdb, old.len() as u64, end as u64, new_line)
}

/// Add `new_line` without recompiling, given that `old_cdb` is exactly what `assign`
/// (`assign_len` bytes) compiles to and that `assign` ends with its only `.` line at
/// `end`, if it has no line for the domain yet. The new line is written in place of the
/// `.` line (followed by a new `.`), and the cdb is the old one's records copied as
/// bytes plus the new record and the wildcard record, with only the hash tables laid
/// out again. Both files end up byte for byte as the full rewrite would make them, and
/// the new cdb is stamped. Ok(false): the domain has a line, nothing was done.
fn append_records(
    assigndir: &Path,
    old_cdb: &cdb::CdbFile,
    assign_len: u64,
    end: u64,
    new_line: &str,
) -> io::Result<bool> {
    let apath = assign_path(assigndir);
    let cpath = cdb_path(assigndir);
    let tail = format!("{new_line}\n.\n");
    // the records of the new line alone: (key, value) and the wildcard record
    let mut add: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(2);
    for_each_record(&apath, tail.as_bytes(), |k, v| {
        add.push((k.to_vec(), v.to_vec()));
        Ok(())
    })?;
    let [(key, value), (_, line_wild)] = &add[..] else {
        return Ok(false);
    };
    let read_err = |e| err_at("read", &cpath, e);
    if old_cdb.contains_key(key).map_err(read_err)? {
        return Ok(false);
    }
    // the wildcard record, last: dropped, and added again after the new one
    let Some((kept, mut wild)) = old_cdb.find(b"").map_err(read_err)? else {
        return Ok(false);
    };
    if kept + 8 + wild.len() != old_cdb.records_end() {
        return Ok(false);
    }
    for c in line_wild {
        if !wild.contains(c) {
            wild.push(*c);
        }
    }
    let mut w = cdb::CdbWriter::extending(old_cdb, kept, tail.len() + wild.len());
    w.try_add(key, value)
        .and_then(|()| w.try_add(&[], &wild))
        .map_err(|e| err_at("cdb", &apath, e))?;
    // The cdb is written first (a full disk fails here and changes nothing), assign
    // edited while its write-back runs; the cdb renamed last, assign put back if that fails.
    // (hash tables found damaged though stamped: left to the full rewrite)
    let ctmp = match old_cdb.stage_extended(&cpath, w, ASSIGN_MODE, Some(&spare_path(assigndir))) {
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(false),
        staged => staged?,
    };
    let edit = control::replace_tail(&apath, assign_len, end, b".\n", tail.as_bytes())?;
    ctmp.stamp(&apath);
    if let Err(e) = ctmp.commit() {
        let _ = edit.undo();
        return Err(e);
    }
    Ok(true)
}

/// Does the cdb whose header and records are `cdb` (laid out as `layout`) hold exactly
/// the records the assign text `data` compiles to ([`for_each_record`]: same records,
/// same order, nothing more)? If so, the offset of the line that ends the text. None
/// also for a text qmail-newu would reject, and (to keep this simple) for one holding a
/// NUL byte anywhere.
///
/// This runs over the whole of `assign` on every domain add, so instead of building each
/// line's record (as the compile does) it checks each line against the record it must
/// give, which fixes where the line's fields lie: the key's length gives the first `:`,
/// the value's length the sixth after it. What lies between is compared as whole runs,
/// with loops free of branches that the compiler turns into vector code.
fn compiled_from(data: &[u8], cdb: &[u8], layout: &cdb::Layout) -> Option<usize> {
    if memchr::memchr(0, data).is_some() {
        return None;
    }
    let mut records = layout.records(cdb);
    let mut wild: Vec<u8> = Vec::new();
    let mut pos = 0;
    for _ in 1..layout.len() {
        let (k, v) = records.next()?;
        let line = &data[pos..];
        pos += line_gives(line, k, v)?;
        // a `+` line's key is one byte shorter than its record's (`!` replaces `+`)
        if line[0] == b'+' && k.len() >= 2 && !wild.contains(&line[k.len() - 1]) {
            wild.push(line[k.len() - 1]);
        }
    }
    let (k, v) = records.next()?;
    (data.get(pos) == Some(&b'.') && k.is_empty() && v == wild.as_slice()).then_some(pos)
}

/// Does the first line of `text` (which holds no NUL) compile to the record `(k, v)`?
/// If so, the length of the line with its newline.
fn line_gives(text: &[u8], k: &[u8], v: &[u8]) -> Option<usize> {
    let first = *text.first()?;
    if first == b'.' {
        return None;
    }
    let plus = first == b'+';
    // the key is `!`, the name lowercased, and a NUL unless the line starts with `+`
    let colon = if plus {
        k.len()
    } else {
        k.len().checked_sub(1)?
    };
    if colon == 0 || k[0] != b'!' || (!plus && k[k.len() - 1] != 0) {
        return None;
    }
    let sixth = colon + 1 + v.len();
    if text.len() <= sixth || text[colon] != b':' || text[sixth] != b':' {
        return None;
    }
    // Each check ORs into `bad` lanes, a nonzero lane meaning a difference.
    let mut bad = [0u8; cdb::LANES];
    bad[0] = u8::from(first == b':' || first == b'\n');
    // no `:` or newline in the name, which lowercased is the key
    cdb::for_blocks(&text[1..colon], &k[1..colon], |c, want| {
        for j in 0..cdb::LANES {
            let upper = u8::from(c[j].wrapping_sub(b'A') < 26);
            bad[j] |= ((c[j] | (upper << 5)) ^ want[j])
                | u8::from(c[j] == b':')
                | u8::from(c[j] == b'\n');
        }
    });
    // the value is the text up to the sixth `:` after the name, its `:`s made NULs;
    // exactly five `:` before that sixth, no newline
    let mut colons = [0u8; cdb::LANES];
    cdb::for_blocks(&text[colon + 1..sixth], v, |c, want| {
        for j in 0..cdb::LANES {
            let is_colon = u8::from(c[j] == b':');
            bad[j] |= ((c[j] & is_colon.wrapping_sub(1)) ^ want[j]) | u8::from(c[j] == b'\n');
            colons[j] = colons[j].wrapping_add(is_colon);
        }
    });
    // (a lane counts up to one `:` per block: no wrap-around below 255 blocks)
    let colons: usize = if v.len() < 255 * cdb::LANES {
        colons.iter().map(|&n| usize::from(n)).sum()
    } else {
        memchr::memchr_iter(b':', &text[colon + 1..sixth]).count()
    };
    if bad.iter().fold(0, |a, &b| a | b) != 0 || colons != 5 {
        return None;
    }
    if text.get(sixth + 1) == Some(&b'\n') {
        return Some(sixth + 2);
    }
    let nl = memchr::memchr(b'\n', &text[sixth + 1..])?;
    Some(sixth + nl + 2)
}

/// Remove the domain's line(s) (exact key `+<domain>-`) and rebuild the cdb.
/// Returns whether a line was removed; Ok(false) if `assign` does not exist.
pub fn remove_domain(assigndir: &Path, domain: &str) -> io::Result<bool> {
    let apath = assign_path(assigndir);
    if control::file_attrs(&apath)?.is_none() {
        return Ok(false);
    }
    let _lock = control::lock(&apath)?;
    let Some(old) = read_assign(&apath)? else {
        return Ok(false);
    };
    let key = format!("+{domain}-");
    let mut new = Vec::with_capacity(old.len());
    let mut removed = false;
    for line in split_lines(&old) {
        if line_key(line).eq_ignore_ascii_case(key.as_bytes()) {
            removed = true;
            continue;
        }
        new.extend_from_slice(line);
        new.push(b'\n');
    }
    if removed {
        install(assigndir, Some(&old), &new)?;
    } else {
        // like the original (which always runs qmail-newu): refresh the cdb
        compile_locked(assigndir)?;
    }
    Ok(removed)
}

fn compile_locked(assigndir: &Path) -> io::Result<()> {
    let apath = assign_path(assigndir);
    let data = fs::read(&apath).map_err(|e| err_at("read", &apath, e))?;
    let bytes = build_cdb(&apath, &data)?;
    let tmp = AtomicFile::stage(&cdb_path(assigndir), &bytes, ASSIGN_MODE, None)?;
    if dot_line_last(&data) {
        stamp::record_staged(&tmp, &apath);
    }
    tmp.commit()
}

/// Compile `ASSIGNDIR/assign` into `ASSIGNDIR/cdb` (our qmail-newu), byte-identical to
/// qmail-newu's output. Takes the assign lock so it never sees a half-done edit of ours.
pub fn compile(assigndir: &Path) -> io::Result<()> {
    let _lock = control::lock(&assign_path(assigndir))?;
    compile_locked(assigndir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::fault;

    fn entry(d: &str, uid: u32) -> AssignEntry {
        AssignEntry {
            domain: d.to_string(),
            uid,
            gid: uid + 1,
            dir: PathBuf::from(format!("/var/indimail/domains/{d}")),
        }
    }

    fn read(p: &Path) -> String {
        fs::read_to_string(p).unwrap()
    }

    #[test]
    fn oracle_assign_compiles_to_same_size_and_value() {
        // users/assign captured from the original (oracle files.txt); its cdb was 2182 bytes.
        let d = tempfile::tempdir().unwrap();
        fs::write(
            d.path().join("assign"),
            "+example.com-:example.com:999:995:/tmp/oracle/inst/var/indimail/domains/example.com:-::\n.\n",
        )
        .unwrap();
        compile(d.path()).unwrap();
        let bytes = fs::read(d.path().join("cdb")).unwrap();
        assert_eq!(bytes.len(), 2182);
        let db = Cdb::from_bytes(bytes);
        assert_eq!(
            db.get(b"!example.com-"),
            Some(&b"example.com\x00999\x00995\x00/tmp/oracle/inst/var/indimail/domains/example.com\x00-\x00"[..])
        );
        assert_eq!(db.get(b""), Some(&b"-"[..]));
        let e = lookup_domain(d.path(), "Example.COM").unwrap().unwrap();
        assert_eq!(e.uid, 999);
        assert_eq!(e.gid, 995);
        assert_eq!(e.domain, "example.com");
        assert_eq!(
            e.dir,
            PathBuf::from("/tmp/oracle/inst/var/indimail/domains/example.com")
        );
    }

    #[test]
    fn newu_records_exact_and_wild_lines() {
        let data = b"+Foo-:foo:1:2:/h/foo:-::\n=JoE:joe:3:4:/h/joe:::\n+:all:5:6:/h:-:x:\n+bar-:bar:7:8:/b:-::extra:stuff\n+baz.:baz:9:9:/z:.::\n.\nignored garbage\n";
        let recs = assign_to_records(Path::new("assign"), data).unwrap();
        let want: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (
                b"!foo-".to_vec(),
                b"foo\x001\x002\x00/h/foo\x00-\x00".to_vec(),
            ),
            (
                b"!joe\x00".to_vec(),
                b"joe\x003\x004\x00/h/joe\x00\x00".to_vec(),
            ),
            (b"!".to_vec(), b"all\x005\x006\x00/h\x00-\x00x".to_vec()),
            (b"!bar-".to_vec(), b"bar\x007\x008\x00/b\x00-\x00".to_vec()),
            (b"!baz.".to_vec(), b"baz\x009\x009\x00/z\x00.\x00".to_vec()),
            (Vec::new(), b"-.".to_vec()),
        ];
        assert_eq!(recs, want);
    }

    #[test]
    fn newu_format_errors() {
        for bad in [
            &b""[..],                // no "." line
            b"+a-:a:1:1:/a:-::\n",   // no "." line
            b"+a-:a:1:1:/a:-::",     // unterminated
            b"+a-:a:1:1:/a:-:\n.\n", // only 5 colons after the key
            b"nocolon\n.\n",
            b":x:1:1:/a:-::\n.\n",
            b"+a-:a\x00:1:1:/a:-::\n.\n",
        ] {
            let e = assign_to_records(Path::new("/x/assign"), bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData);
            assert!(e.to_string().contains("/x/assign"), "{e}");
        }
        // "." alone (empty assign) is fine: only the wildcard record
        let r = assign_to_records(Path::new("a"), b".\n").unwrap();
        assert_eq!(r, vec![(Vec::new(), Vec::new())]);
        // any line starting with '.' ends the file
        assert_eq!(assign_to_records(Path::new("a"), b".x").unwrap().len(), 1);
    }

    #[test]
    fn add_creates_files_with_terminator() {
        let d = tempfile::tempdir().unwrap();
        add_domain(d.path(), &entry("example.com", 555)).unwrap();
        assert_eq!(
            read(&d.path().join("assign")),
            "+example.com-:example.com:555:556:/var/indimail/domains/example.com:-::\n.\n"
        );
        use std::os::unix::fs::PermissionsExt;
        for f in ["assign", "cdb"] {
            let m = fs::metadata(d.path().join(f)).unwrap().permissions().mode();
            assert_eq!(m & 0o7777, 0o644, "{f}");
        }
        assert_eq!(
            lookup_domain(d.path(), "example.com").unwrap(),
            Some(entry("example.com", 555))
        );
        // nothing else left in the directory (no temp or lock files)
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2);
    }

    #[test]
    fn prefix_domains_coexist() {
        let d = tempfile::tempdir().unwrap();
        add_domain(d.path(), &entry("example.com", 1)).unwrap();
        add_domain(d.path(), &entry("example.com.au", 2)).unwrap();
        add_domain(d.path(), &entry("ample.com", 3)).unwrap();
        assert_eq!(
            lookup_domain(d.path(), "example.com").unwrap(),
            Some(entry("example.com", 1))
        );
        assert_eq!(
            lookup_domain(d.path(), "example.com.au").unwrap(),
            Some(entry("example.com.au", 2))
        );
        let listed = list_domains(d.path()).unwrap();
        assert_eq!(
            listed,
            vec![
                entry("example.com", 1),
                entry("example.com.au", 2),
                entry("ample.com", 3)
            ]
        );
        // removing the shorter one leaves the longer one alone, and vice versa
        assert!(remove_domain(d.path(), "example.com").unwrap());
        assert_eq!(lookup_domain(d.path(), "example.com").unwrap(), None);
        assert!(lookup_domain(d.path(), "example.com.au").unwrap().is_some());
        assert!(!remove_domain(d.path(), "example.co").unwrap());
        assert!(remove_domain(d.path(), "example.com.au").unwrap());
        assert_eq!(list_domains(d.path()).unwrap(), vec![entry("ample.com", 3)]);
        assert_eq!(
            read(&d.path().join("assign")),
            "+ample.com-:ample.com:3:4:/var/indimail/domains/ample.com:-::\n.\n"
        );
    }

    #[test]
    fn replace_keeps_position_and_other_lines() {
        let d = tempfile::tempdir().unwrap();
        fs::write(
            d.path().join("assign"),
            "=joe:joe:1:1:/home/joe:::\n+a.test-:a.test:1:1:/a:-::\n+b.test-:b.test:1:1:/b:-::\n.\n",
        )
        .unwrap();
        add_domain(d.path(), &entry("a.test", 9)).unwrap();
        assert_eq!(
            read(&d.path().join("assign")),
            "=joe:joe:1:1:/home/joe:::\n+a.test-:a.test:9:10:/var/indimail/domains/a.test:-::\n+b.test-:b.test:1:1:/b:-::\n.\n"
        );
        let db = Cdb::open(&d.path().join("cdb")).unwrap().unwrap();
        assert!(db.get(b"!joe\0").is_some());
        assert_eq!(lookup_domain(d.path(), "a.test").unwrap().unwrap().uid, 9);
        assert_eq!(list_domains(d.path()).unwrap().len(), 2);
    }

    #[test]
    fn lookup_without_cdb_or_key() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(lookup_domain(d.path(), "x.test").unwrap(), None);
        add_domain(d.path(), &entry("y.test", 5)).unwrap();
        assert_eq!(lookup_domain(d.path(), "x.test").unwrap(), None);
        assert_eq!(lookup_domain(d.path(), "y.tes").unwrap(), None);
        assert_eq!(
            list_domains(&d.path().join("none")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        assert!(!remove_domain(&d.path().join("none"), "y.test").unwrap());
    }

    #[test]
    fn invalid_input_rejected() {
        let d = tempfile::tempdir().unwrap();
        let mut e = entry("bad:domain", 1);
        assert_eq!(
            add_domain(d.path(), &e).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        e = entry("ok.test", 1);
        e.dir = PathBuf::from("/a:b");
        assert_eq!(
            add_domain(d.path(), &e).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert!(!d.path().join("assign").exists());
    }

    #[test]
    fn failure_leaves_both_files_unchanged() {
        let d = tempfile::tempdir().unwrap();
        add_domain(d.path(), &entry("a.test", 1)).unwrap();
        let a0 = fs::read(d.path().join("assign")).unwrap();
        let c0 = fs::read(d.path().join("cdb")).unwrap();
        for target in ["assign", "cdb"] {
            fault::fail_rename_to(Some(target));
            assert!(add_domain(d.path(), &entry("b.test", 2)).is_err());
            assert!(remove_domain(d.path(), "a.test").is_err());
            fault::fail_rename_to(None);
            assert_eq!(fs::read(d.path().join("assign")).unwrap(), a0, "{target}");
            assert_eq!(fs::read(d.path().join("cdb")).unwrap(), c0, "{target}");
            assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2, "{target}");
        }
        // a malformed assign file blocks the edit without touching anything
        fs::write(d.path().join("assign"), "garbage\n").unwrap();
        assert_eq!(
            add_domain(d.path(), &entry("b.test", 2))
                .unwrap_err()
                .kind(),
            io::ErrorKind::InvalidData
        );
        assert_eq!(read(&d.path().join("assign")), "garbage\n");
        assert_eq!(fs::read(d.path().join("cdb")).unwrap(), c0);
    }

    #[test]
    fn failure_on_first_add_removes_new_assign() {
        let d = tempfile::tempdir().unwrap();
        fault::fail_rename_to(Some("cdb"));
        assert!(add_domain(d.path(), &entry("a.test", 1)).is_err());
        fault::fail_rename_to(None);
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[test]
    fn concurrent_adds_all_present() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_path_buf();
        let hs: Vec<_> = (0..20)
            .map(|i| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    add_domain(&dir, &entry(&format!("d{i}.test"), i)).unwrap()
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(list_domains(&dir).unwrap().len(), 20);
        for i in 0..20 {
            assert!(lookup_domain(&dir, &format!("d{i}.test"))
                .unwrap()
                .is_some());
        }
        assert!(read(&dir.join("assign")).ends_with("\n.\n"));
    }

    /// The cdb an add leaves must be what compiling its assign gives, whichever way
    /// the add went (in place or rewritten).
    fn assert_cdb_compiled(dir: &Path) {
        let data = fs::read(dir.join("assign")).unwrap();
        assert_eq!(
            fs::read(dir.join("cdb")).unwrap(),
            build_cdb(Path::new("assign"), &data).unwrap()
        );
    }

    #[test]
    fn in_place_add_equals_full_rewrite() {
        let d = tempfile::tempdir().unwrap();
        let full = tempfile::tempdir().unwrap();
        fs::write(
            d.path().join("assign"),
            "=joe:joe:1:2:/h/joe:::\n+w.:w:1:1:/w:.::\n.\n",
        )
        .unwrap();
        compile(d.path()).unwrap();
        for i in 0..40 {
            let e = entry(&format!("d{i}.test"), i);
            let before = fs::read(d.path().join("assign")).unwrap();
            let ino = || {
                use std::os::unix::fs::MetadataExt;
                fs::metadata(d.path().join("assign")).unwrap().ino()
            };
            let ino0 = ino();
            add_domain(d.path(), &e).unwrap();
            // edited in place, not rewritten
            assert_eq!(ino(), ino0);
            // the same add done the old way: whole file rewritten, cdb compiled
            fs::write(full.path().join("assign"), &before).unwrap();
            fs::remove_file(full.path().join("cdb")).ok();
            let lock = control::lock(&full.path().join("assign")).unwrap();
            let mut want = before.clone();
            want.truncate(want.len() - 2);
            want.extend_from_slice(format!("{}\n.\n", e.assign_line()).as_bytes());
            install(full.path(), Some(&before), &want).unwrap();
            drop(lock);
            for f in ["assign", "cdb"] {
                assert_eq!(
                    fs::read(d.path().join(f)).unwrap(),
                    fs::read(full.path().join(f)).unwrap(),
                    "{f} after d{i}.test"
                );
            }
        }
        assert_eq!(
            lookup_domain(d.path(), "d39.test").unwrap(),
            Some(entry("d39.test", 39))
        );
        // the wildcard record gained '-' next to the '.' it had
        let db = Cdb::open(&d.path().join("cdb")).unwrap().unwrap();
        assert_eq!(db.get(b""), Some(&b".-"[..]));
    }

    #[test]
    fn administrators_edit_of_assign_is_compiled() {
        let d = tempfile::tempdir().unwrap();
        add_domain(d.path(), &entry("a.test", 1)).unwrap();
        add_domain(d.path(), &entry("b.test", 2)).unwrap();
        // edited by hand without running qmail-newu: a line changed, one added
        let a = read(&d.path().join("assign"))
            .replace(":1:2:/var", ":7:2:/var")
            .replace(".\n", "=joe:joe:3:4:/j:::\n.\n");
        fs::write(d.path().join("assign"), &a).unwrap();
        add_domain(d.path(), &entry("c.test", 3)).unwrap();
        assert_cdb_compiled(d.path());
        assert_eq!(lookup_domain(d.path(), "a.test").unwrap().unwrap().uid, 7);
        let db = Cdb::open(&d.path().join("cdb")).unwrap().unwrap();
        assert!(db.get(b"!joe\0").is_some());
        // a cdb damaged (or made by another tool with another layout): compiled again
        let mut c = fs::read(d.path().join("cdb")).unwrap();
        let n = c.len();
        c[n - 3] ^= 0x55;
        fs::write(d.path().join("cdb"), &c).unwrap();
        add_domain(d.path(), &entry("e.test", 5)).unwrap();
        assert_cdb_compiled(d.path());
        // lines after the '.' line, or a line for the domain: the full rewrite's result
        fs::write(
            d.path().join("assign"),
            read(&d.path().join("assign")) + "after:the:dot\n",
        )
        .unwrap();
        add_domain(d.path(), &entry("f.test", 6)).unwrap_err();
        fs::write(
            d.path().join("assign"),
            read(&d.path().join("assign")).replace("after:the:dot\n", ""),
        )
        .unwrap();
        add_domain(d.path(), &entry("E.test", 9)).unwrap();
        assert_eq!(
            read(&d.path().join("assign")).matches("e.test-:").count(),
            0
        );
        assert_eq!(
            read(&d.path().join("assign")).matches("E.test-:").count(),
            1
        );
        assert_cdb_compiled(d.path());
    }

    #[test]
    fn stamped_add_trusts_an_untouched_pair_only() {
        use std::os::unix::fs::FileExt;
        let d = tempfile::tempdir().unwrap();
        let (apath, cpath) = (d.path().join("assign"), d.path().join("cdb"));
        add_domain(d.path(), &entry("a.test", 1)).unwrap();
        add_domain(d.path(), &entry("b.test", 2)).unwrap();
        // (a file system without user attributes: every add compares the files)
        assert!(cdb::CdbFile::open_stamped(&cpath, &apath)
            .unwrap()
            .is_some());
        assert!(append_stamped(d.path(), &entry("c.test", 3).assign_line()).unwrap());
        assert_cdb_compiled(d.path());
        // a domain already there: not for the quick way
        assert!(!append_stamped(d.path(), &entry("c.test", 4).assign_line()).unwrap());
        // edited in place at the same size (a uid changed), without qmail-newu: the
        // stamp no longer holds, and the next add compiles the edit
        let at = read(&apath).find(":1:2:").unwrap() + 1;
        let f = fs::OpenOptions::new().write(true).open(&apath).unwrap();
        f.write_all_at(b"7", at as u64).unwrap();
        drop(f);
        assert!(!append_stamped(d.path(), &entry("d.test", 4).assign_line()).unwrap());
        add_domain(d.path(), &entry("d.test", 4)).unwrap();
        assert_cdb_compiled(d.path());
        assert_eq!(lookup_domain(d.path(), "a.test").unwrap().unwrap().uid, 7);
        // the add that noticed it stamped its cdb again
        assert!(cdb::CdbFile::open_stamped(&cpath, &apath)
            .unwrap()
            .is_some());
        // a table damaged on disk under a stamp that still matches (the table of the
        // wildcard record, which every add changes): the add compiles from scratch
        let mut c = fs::read(&cpath).unwrap();
        let at = u32::from_le_bytes(c[5 * 8..5 * 8 + 4].try_into().unwrap()) as usize;
        c[at + 4..at + 8].copy_from_slice(&9u32.to_le_bytes());
        fs::write(&cpath, &c).unwrap();
        stamp::record(&fs::File::open(&cpath).unwrap(), &apath, None);
        add_domain(d.path(), &entry("d2.test", 4)).unwrap();
        assert_cdb_compiled(d.path());
        // a line starting with '.' before the last: compiled from scratch, not stamped
        let text = read(&apath).replace("+b.test", ".b.test");
        fs::write(&apath, text).unwrap();
        add_domain(d.path(), &entry("e.test", 5)).unwrap();
        assert_cdb_compiled(d.path());
        assert!(cdb::CdbFile::open_stamped(&cpath, &apath)
            .unwrap()
            .is_none());
        assert!(!dot_line_last(read(&apath).as_bytes()));
    }

    #[test]
    fn failed_in_place_add_leaves_both_files() {
        let d = tempfile::tempdir().unwrap();
        add_domain(d.path(), &entry("a.test", 1)).unwrap();
        add_domain(d.path(), &entry("b.test", 2)).unwrap();
        let a0 = fs::read(d.path().join("assign")).unwrap();
        let c0 = fs::read(d.path().join("cdb")).unwrap();
        // "assign": the in-place write fails half-way; "cdb": its rename fails after
        // assign was edited
        for target in ["assign", "cdb"] {
            fault::fail_rename_to(Some(target));
            let e = add_domain(d.path(), &entry("c.test", 3)).unwrap_err();
            fault::fail_rename_to(None);
            assert!(e.to_string().contains("injected"), "{e}");
            assert_eq!(fs::read(d.path().join("assign")).unwrap(), a0, "{target}");
            assert_eq!(fs::read(d.path().join("cdb")).unwrap(), c0, "{target}");
            assert_eq!(names(d.path()), ["assign", "cdb", "cdb.spare"], "{target}");
        }
        add_domain(d.path(), &entry("c.test", 3)).unwrap();
        assert_cdb_compiled(d.path());
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn spare_reused_only_when_untouched_and_open_nowhere_else() {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let d = tempfile::tempdir().unwrap();
        let (cpath, spare) = (d.path().join("cdb"), d.path().join("cdb.spare"));
        let ino = |p: &Path| fs::metadata(p).unwrap().ino();
        // an add that writes the new version over the spare: the two files trade places
        let reuses = |name: &str, uid: u32| {
            let (live, kept) = (ino(&cpath), ino(&spare));
            add_domain(d.path(), &entry(name, uid)).unwrap();
            assert_cdb_compiled(d.path());
            assert_eq!((ino(&cpath), ino(&spare)), (kept, live), "{name}");
        };
        // an add that makes a new file, keeping the version it replaces as the spare
        let makes_new = |name: &str, uid: u32| {
            let (live, kept) = (ino(&cpath), ino(&spare));
            add_domain(d.path(), &entry(name, uid)).unwrap();
            assert_cdb_compiled(d.path());
            assert!(ino(&cpath) != kept && ino(&cpath) != live, "{name}");
            assert_eq!(ino(&spare), live, "{name}");
        };
        // the first add makes the file, the second keeps it as the spare; from then on,
        // each new version is written over the spare
        add_domain(d.path(), &entry("a.test", 0)).unwrap();
        add_domain(d.path(), &entry("b.test", 1)).unwrap();
        for (i, name) in ["c.test", "d.test", "e.test", "f.test"].iter().enumerate() {
            reuses(name, 10 + i as u32);
        }
        assert_eq!(names(d.path()), ["assign", "cdb", "cdb.spare"]);
        // a reader still holding the version before: left as it is
        let mut reader = fs::File::open(&spare).unwrap();
        let held = fs::read(&spare).unwrap();
        makes_new("g.test", 20);
        let mut seen = Vec::new();
        reader.read_to_end(&mut seen).unwrap();
        assert_eq!(seen, held);
        drop(reader);
        // the spare changed by someone else: not written over
        let f = fs::OpenOptions::new().write(true).open(&spare).unwrap();
        f.set_len(100).unwrap();
        drop(f);
        makes_new("h.test", 21);
        reuses("i.test", 22);
        // a version made from scratch (a domain removed) was not made from the spare:
        // the add after it makes a new file, the one after that reuses the spare again
        remove_domain(d.path(), "b.test").unwrap();
        assert_cdb_compiled(d.path());
        makes_new("j.test", 23);
        reuses("k.test", 24);
    }

    /// What [`compiled_from`] decides, found the plain way: every line's record built
    /// and compared with the cdb's.
    fn compiled_from_by_records(data: &[u8], cdb: &[u8]) -> Option<usize> {
        let layout = cdb::Layout::parse(cdb)?;
        let mut records = layout.records(cdb);
        let mut same = true;
        let end = for_each_record(Path::new("assign"), data, |k, v| {
            same = same && records.next() == Some((k, v));
            Ok(())
        })
        .ok()?;
        (same && records.next().is_none()).then_some(end)
    }

    fn compiled_from_bytes(data: &[u8], cdb: &[u8]) -> Option<usize> {
        compiled_from(data, cdb, &cdb::Layout::parse(cdb)?)
    }

    /// Any one byte of assign changed, removed or doubled: the quick check agrees with
    /// building the records (so a hand edit that changes a record is noticed, and one
    /// that does not change any, such as text after the sixth `:`, is not).
    #[test]
    fn quick_check_notices_every_edit_of_a_record() {
        let data = b"+a.test-:a.test:1:2:/d/a.test:-::\n=JoE:joe:3:4:/h/joe:::x\n+B.test.:b.test:5:6:/d/b:.::\n+:all:7:8:/h:-:x:\nz:y:1:1:/z:-::\n.\n";
        let cdb = build_cdb(Path::new("assign"), data).unwrap();
        assert_eq!(compiled_from_bytes(data, &cdb), Some(data.len() - 2));
        let mut unnoticed = 0;
        for at in 0..data.len() {
            let mut edits: Vec<Vec<u8>> = Vec::new();
            for b in [
                b':', b'\n', b'.', b'+', b'=', b'!', b'a', b'A', b'x', 0, b'-', 0xc3,
            ] {
                let mut d = data.to_vec();
                d[at] = b;
                edits.push(d);
            }
            let mut d = data.to_vec();
            d.remove(at);
            edits.push(d);
            let mut d = data.to_vec();
            d.insert(at, data[at]);
            edits.push(d);
            for d in edits {
                let want = if d.contains(&0) {
                    None
                } else {
                    compiled_from_by_records(&d, &cdb)
                };
                assert_eq!(
                    compiled_from_bytes(&d, &cdb),
                    want,
                    "{:?}",
                    String::from_utf8_lossy(&d)
                );
                unnoticed += usize::from(want.is_some() && d != data);
            }
        }
        // some edits leave the records alone: a name's case, text after the sixth ':',
        // lines after the '.'; most do not
        assert!((1..200).contains(&unnoticed), "{unnoticed}");
        // a cdb from other text (one record fewer, or one longer) is not taken for it
        let shorter = build_cdb(
            Path::new("assign"),
            &data[data.iter().position(|&b| b == b'\n').unwrap() + 1..],
        )
        .unwrap();
        assert_eq!(compiled_from_bytes(data, &shorter), None);
        let mut longer = data.to_vec();
        longer.splice(data.len() - 2..data.len() - 2, *b"+c-:c:1:1:/c:-::\n");
        let longer = build_cdb(Path::new("assign"), &longer).unwrap();
        assert_eq!(compiled_from_bytes(data, &longer), None);
        assert_eq!(
            compiled_from_bytes(b".\n", &build_cdb(Path::new("a"), b".\n").unwrap()),
            Some(0)
        );
    }

    /// A cdb not made by compiling (another tool's, or damaged) whose records would
    /// line up with the text if its separators were taken on trust.
    #[test]
    fn quick_check_trusts_nothing_in_the_cdb() {
        let cases: [(&[u8], &[u8], &[u8]); 6] = [
            // a ':' inside the key, a newline inside the key or the value
            (
                b"+a:b-:x:1:1:/d:-::\n.\n",
                b"!a:b-",
                b"x\x001\x001\x00/d\x00-\x00",
            ),
            (
                b"+a\nb-:x:1:1:/d:-::\n.\n",
                b"!a\nb-",
                b"x\x001\x001\x00/d\x00-\x00",
            ),
            (
                b"+a-:x:1\n:1:/d:-::\n.\n",
                b"!a-",
                b"x\x001\n\x001\x00/d\x00-\x00",
            ),
            // six NULs in the value where qmail-newu cuts at the sixth ':'
            (
                b"+a-:x:1:1:/d:-:y:z:\n.\n",
                b"!a-",
                b"x\x001\x001\x00/d\x00-\x00y\x00z",
            ),
            // a line starting with ':' or empty
            (
                b":b:x:1:1:/d:-::\n.\n",
                b"!b\x00",
                b"x\x001\x001\x00/d\x00-\x00",
            ),
            (
                b"\nb:x:1:1:/d:-::\n.\n",
                b"!b\x00",
                b"x\x001\x001\x00/d\x00-\x00",
            ),
        ];
        for (data, k, v) in cases {
            let mut w = CdbWriter::new();
            w.add(k, v);
            w.add(b"", if data[0] == b'+' { b"-" } else { b"" });
            let cdb = w.finish();
            assert_eq!(compiled_from_by_records(data, &cdb), None);
            assert_eq!(
                compiled_from_bytes(data, &cdb),
                None,
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(200))]
        /// Random assign texts (valid or not), each compiled, then one byte changed: the
        /// quick check agrees with building the records.
        #[test]
        fn quick_check_agrees_with_records(
            lines in proptest::collection::vec("[+=x.][a-cA-C.:-]{0,4}(:[a-c:]{0,3}){4,8}", 0..8),
            at in 0usize..400,
            b in proptest::sample::select(vec![b':', b'\n', b'.', b'+', b'a', b'A', b'b', b'-']),
        ) {
            let mut data: Vec<u8> = lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect();
            data.extend_from_slice(b".\n");
            if let Ok(cdb) = build_cdb(Path::new("assign"), &data) {
                proptest::prop_assert_eq!(compiled_from_bytes(&data, &cdb), compiled_from_by_records(&data, &cdb));
                proptest::prop_assert!(compiled_from_bytes(&data, &cdb).is_some());
                let mut d = data.clone();
                let at = at % d.len();
                d[at] = b;
                proptest::prop_assert_eq!(compiled_from_bytes(&d, &cdb), compiled_from_by_records(&d, &cdb));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(24))]
        /// Any sequence of adds (new names, names again, other case) leaves the cdb
        /// that compiling assign gives.
        #[test]
        fn adds_keep_cdb_compiled(names in proptest::collection::vec("[a-cA-C]{1,3}\\.t", 1..25)) {
            let d = tempfile::tempdir().unwrap();
            fs::write(d.path().join("assign"), "+x:y:1:1:/x:-::\n.\n").unwrap();
            compile(d.path()).unwrap();
            for (i, n) in names.iter().enumerate() {
                add_domain(d.path(), &entry(n, i as u32)).unwrap();
                assert_cdb_compiled(d.path());
            }
        }
    }

    /// The oracle assign file compiled by us equals tinycdb's `cdb -c` output for
    /// qmail-newu's records (skipped when tinycdb is absent).
    #[test]
    fn oracle_cdb_matches_tinycdb() {
        use std::io::Write;
        let d = tempfile::tempdir().unwrap();
        let assign = "+example.com-:example.com:999:995:/tmp/oracle/inst/var/indimail/domains/example.com:-::\n=joe:joe:1:2:/h/joe:::\n.\n";
        fs::write(d.path().join("assign"), assign).unwrap();
        compile(d.path()).unwrap();
        let mut input = Vec::new();
        for (k, v) in assign_to_records(Path::new("assign"), assign.as_bytes()).unwrap() {
            input.extend_from_slice(format!("+{},{}:", k.len(), v.len()).as_bytes());
            input.extend_from_slice(&k);
            input.extend_from_slice(b"->");
            input.extend_from_slice(&v);
            input.push(b'\n');
        }
        input.push(b'\n');
        let out = d.path().join("sys.cdb");
        let Ok(mut child) = std::process::Command::new("cdb")
            .arg("-c")
            .arg(&out)
            .stdin(std::process::Stdio::piped())
            .spawn()
        else {
            println!("note: `cdb` (tinycdb) not installed; skipping");
            return;
        };
        child.stdin.take().unwrap().write_all(&input).unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(
            fs::read(d.path().join("cdb")).unwrap(),
            fs::read(&out).unwrap()
        );
    }

    /// Compare with the real qmail-newu when one is installed.
    #[test]
    fn matches_system_qmail_newu() {
        let newu = ["/usr/sbin/qmail-newu", "/var/qmail/bin/qmail-newu"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.exists());
        let Some(newu) = newu else {
            println!("note: qmail-newu not installed; skipping byte comparison");
            return;
        };
        let d = tempfile::tempdir().unwrap();
        fs::write(
            d.path().join("assign"),
            "+a.test-:a.test:1:2:/a:-::\n=joe:joe:3:4:/j:::\n.\n",
        )
        .unwrap();
        let st = std::process::Command::new(newu)
            .arg(d.path())
            .env("ASSIGNDIR", d.path())
            .status()
            .unwrap();
        assert!(st.success());
        let theirs = fs::read(d.path().join("cdb")).unwrap();
        compile(d.path()).unwrap();
        assert_eq!(fs::read(d.path().join("cdb")).unwrap(), theirs);
    }
}
