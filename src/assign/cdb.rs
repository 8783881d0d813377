//! D. J. Bernstein's constant database (cdb) format: reader and writer.
//!
//! Layout: a 2048-byte header of 256 `(position, slot count)` pairs (little-endian
//! `u32`s), then the records (`key length`, `data length`, key, data), then 256 hash
//! tables. A key hashes with `h = ((h << 5) + h) ^ byte` starting at 5381; its table is
//! `h & 255` and its first slot is `(h >> 8) % slots`, probing linearly. Each slot is
//! `(hash, record position)`; position 0 marks an empty slot.
//!
//! The writer reproduces the table construction of `cdb_make` / qmail's `cdbmss`
//! exactly (tables of twice the bucket's entry count, entries of a bucket placed in
//! insertion order), so the same sequence of `add` calls gives byte-identical output.

use std::fs;
use std::io;
use std::path::Path;

use crate::control::AtomicFile;

const HEADER_LEN: usize = 2048;

/// The cdb hash function.
pub fn hash(key: &[u8]) -> u32 {
    // (h << 5) + h is h * 33; four bytes a turn, as every key of a file is hashed
    // whenever a record is added to it
    let step = |h: u32, c: u8| h.wrapping_mul(33) ^ u32::from(c);
    let mut h = 5381u32;
    let mut quads = key.chunks_exact(4);
    for q in &mut quads {
        h = step(step(step(step(h, q[0]), q[1]), q[2]), q[3]);
    }
    quads.remainder().iter().fold(h, |h, &c| step(h, c))
}

fn read_u32(data: &[u8], pos: usize) -> Option<u32> {
    let end = pos.checked_add(4)?;
    let b = data.get(pos..end)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A read-only cdb held entirely in memory.
#[derive(Debug, Clone)]
pub struct Cdb {
    data: Vec<u8>,
}

impl Cdb {
    /// Read the whole file. `Ok(None)` if it does not exist.
    pub fn open(path: &Path) -> io::Result<Option<Cdb>> {
        match fs::read(path) {
            Ok(data) => Ok(Some(Cdb::from_bytes(data))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("read: {}: {e}", path.display()),
            )),
        }
    }

    /// Wrap raw cdb bytes. Malformed data never panics: lookups just find nothing.
    pub fn from_bytes(data: Vec<u8>) -> Cdb {
        Cdb { data }
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The first value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.get_all(key).next()
    }

    /// Every value stored under `key`, in the order they were added.
    pub fn get_all<'a>(&'a self, key: &[u8]) -> impl Iterator<Item = &'a [u8]> {
        CdbIter::new(&self.data, key)
    }

    /// Every record `(key, value)` in file order (the order they were added),
    /// for reading a whole database rather than looking keys up. Unlike the
    /// lookups this checks the structure and fails on a damaged file: the
    /// header's tables must lie inside the file, the records must exactly fill
    /// the space between the header and the first table, and every record must
    /// be reachable through the hash tables (so a truncated or overwritten file
    /// is an error, never a silently shorter list).
    pub fn records(&self) -> io::Result<Vec<(&[u8], &[u8])>> {
        let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        let data = self.data.as_slice();
        if data.len() < HEADER_LEN {
            return Err(bad(format!(
                "{} bytes, shorter than the 2048-byte header",
                data.len()
            )));
        }
        let mut end = data.len();
        for t in 0..256 {
            let pos = read_u32(data, t * 8).unwrap_or(0) as usize;
            let slots = read_u32(data, t * 8 + 4).unwrap_or(0) as usize;
            let table_end = slots
                .checked_mul(8)
                .and_then(|n| n.checked_add(pos))
                .filter(|&e| pos >= HEADER_LEN && e <= data.len());
            if table_end.is_none() {
                return Err(bad(format!(
                    "hash table {t} ({slots} slots at {pos}) lies outside the file"
                )));
            }
            end = end.min(pos);
        }
        let mut out = Vec::new();
        let mut pos = HEADER_LEN;
        while pos < end {
            let record = (|| {
                let klen = read_u32(data, pos)? as usize;
                let dlen = read_u32(data, pos.checked_add(4)?)? as usize;
                let kstart = pos.checked_add(8)?;
                let dstart = kstart.checked_add(klen)?;
                let dend = dstart.checked_add(dlen)?;
                (dend <= end).then_some((kstart, dstart, dend))
            })();
            let Some((kstart, dstart, dend)) = record else {
                return Err(bad(format!("record at {pos} runs past the records' end")));
            };
            let (key, value) = (&data[kstart..dstart], &data[dstart..dend]);
            if !self.get_all(key).any(|v| v.as_ptr() == value.as_ptr()) {
                return Err(bad(format!("record at {pos} is not in the hash tables")));
            }
            out.push((key, value));
            pos = dend;
        }
        Ok(out)
    }
}

/// The first value stored under `key` in the cdb file at `path` (what
/// [`Cdb::get`] finds), read with a few positioned reads instead of loading the whole
/// file: lookups are made on every command, and `users/cdb` grows by a record per
/// domain. `Ok(None)` if the file does not exist, lacks the key or is malformed.
pub fn get_from_file(path: &Path, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
    use std::os::unix::fs::FileExt;
    let Some(file) = open_optional(path)? else {
        return Ok(None);
    };
    let err = |e: io::Error| err_at("read", path, e);
    let len = file.metadata().map_err(err)?.len();
    if len < HEADER_LEN as u64 {
        return Ok(None);
    }
    // two little-endian u32s at `pos`; None past the end of the file
    let pair = |pos: u64| -> io::Result<Option<(u32, u32)>> {
        let mut b = [0u8; 8];
        match file.read_exact_at(&mut b, pos) {
            Ok(()) => Ok(Some((
                u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            ))),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(err(e)),
        }
    };
    let h = hash(key);
    let Some((table, slots)) = pair(u64::from(h & 255) * 8)? else {
        return Ok(None);
    };
    if slots == 0 {
        return Ok(None);
    }
    let mut slot = (h >> 8) % slots;
    for _ in 0..slots {
        let Some((sh, pos)) = pair(u64::from(table) + u64::from(slot) * 8)? else {
            return Ok(None);
        };
        if pos == 0 {
            return Ok(None);
        }
        if sh == h {
            let Some((klen, dlen)) = pair(u64::from(pos))? else {
                return Ok(None);
            };
            let (klen, dlen) = (klen as usize, dlen as usize);
            let start = u64::from(pos) + 8;
            if klen == key.len() && start + (klen + dlen) as u64 <= len {
                let mut rec = vec![0u8; klen + dlen];
                file.read_exact_at(&mut rec, start).map_err(err)?;
                if rec[..klen] == *key {
                    rec.drain(..klen);
                    return Ok(Some(rec));
                }
            }
        }
        slot = (slot + 1) % slots;
    }
    Ok(None)
}

/// Iterator over the values of one key (like `cdb_findnext`).
struct CdbIter<'a> {
    data: &'a [u8],
    key: Vec<u8>,
    h: u32,
    table: usize,
    slots: usize,
    slot: usize,
    remaining: usize,
}

impl<'a> CdbIter<'a> {
    fn new(data: &'a [u8], key: &[u8]) -> CdbIter<'a> {
        let h = hash(key);
        let hdr = (h as usize & 255) * 8;
        let (table, slots) = match (read_u32(data, hdr), read_u32(data, hdr + 4)) {
            (Some(p), Some(n)) if data.len() >= HEADER_LEN => (p as usize, n as usize),
            _ => (0, 0),
        };
        let slot = if slots == 0 {
            0
        } else {
            (h >> 8) as usize % slots
        };
        CdbIter {
            data,
            key: key.to_vec(),
            h,
            table,
            slots,
            slot,
            remaining: slots,
        }
    }

    fn record(&self, pos: usize) -> Option<&'a [u8]> {
        let data: &'a [u8] = self.data;
        let klen = read_u32(data, pos)? as usize;
        let dlen = read_u32(data, pos.checked_add(4)?)? as usize;
        let kstart = pos.checked_add(8)?;
        let dstart = kstart.checked_add(klen)?;
        let dend = dstart.checked_add(dlen)?;
        if klen != self.key.len() || data.get(kstart..dstart)? != self.key.as_slice() {
            return None;
        }
        data.get(dstart..dend)
    }
}

impl<'a> Iterator for CdbIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        while self.remaining > 0 {
            self.remaining -= 1;
            let at = self.table.checked_add(self.slot.checked_mul(8)?)?;
            self.slot = (self.slot + 1) % self.slots;
            let (Some(h), Some(p)) = (read_u32(self.data, at), read_u32(self.data, at + 4)) else {
                self.remaining = 0;
                return None;
            };
            if p == 0 {
                self.remaining = 0;
                return None;
            }
            if h == self.h {
                if let Some(v) = self.record(p as usize) {
                    return Some(v);
                }
            }
        }
        None
    }
}

/// Where the records of a cdb lie and their keys' hashes: what an update needs to
/// extend the database by a few records without re-reading its source.
#[derive(Debug, Clone)]
pub struct Layout {
    /// `(hash, position)` of every record, in record (= insertion) order.
    entries: Vec<(u32, u32)>,
    /// Offset just past the last record (where the hash tables begin).
    records_end: usize,
}

impl Layout {
    /// Read the layout of `data`: its records, walked from the header to where the
    /// first hash table begins, each key hashed. `None` unless the records fill that
    /// space exactly and the file is as long as `cdb_make` makes it (tables of two
    /// slots per record). The old tables are not read: a writer made from this layout
    /// lays them out again from the records.
    pub fn parse(data: &[u8]) -> Option<Layout> {
        Layout::parse_prefix(data, data.len() as u64)
    }

    /// [`Layout::parse`] of a file `file_len` bytes long of which `data` holds at least
    /// the header and the records (the tables need not be read).
    pub fn parse_prefix(data: &[u8], file_len: u64) -> Option<Layout> {
        let records_end = read_u32(data, 0)? as usize;
        if data.len() < HEADER_LEN || records_end < HEADER_LEN || records_end > data.len() {
            return None;
        }
        let mut entries = Vec::with_capacity((records_end - HEADER_LEN) / 32);
        let mut pos = HEADER_LEN;
        while pos < records_end {
            let (key, value) = record_at(data, pos)?;
            entries.push((hash(key), pos as u32));
            pos += 8 + key.len() + value.len();
        }
        let tables = entries.len().checked_mul(16)?;
        if pos != records_end || records_end.checked_add(tables)? as u64 != file_len {
            return None;
        }
        Some(Layout {
            entries,
            records_end,
        })
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if the database holds no record.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The records of `data` (the bytes this layout was read from), in order.
    pub fn records<'a>(
        &'a self,
        data: &'a [u8],
    ) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        self.entries
            .iter()
            .filter_map(move |&(_, p)| record_at(data, p as usize))
    }
}

/// A cdb file opened to be extended by a few records, kept open so that
/// [`CdbFile::stage_extended`] can have the kernel copy the kept records into the new
/// file instead of writing them from memory. Its layout is read either from its
/// records ([`CdbFile::open`]) or, for a file known to be as this program wrote it,
/// from its hash tables ([`CdbFile::open_stamped`]), which are far smaller.
#[derive(Debug)]
pub struct CdbFile {
    file: fs::File,
    /// The file's bytes up to the end of its records ([`CdbFile::open`]), or only its
    /// header ([`CdbFile::open_stamped`]).
    pub data: Vec<u8>,
    pub layout: Layout,
    /// What its stamp says it extends ([`CdbFile::open_stamped`] only).
    origin: Option<super::stamp::Origin>,
    /// Opened by [`CdbFile::open_stamped`]: the records were not read (`layout` has
    /// none), the hash tables are trusted and an extension reuses them.
    tables_trusted: bool,
}

impl CdbFile {
    /// `Ok(None)` if the file does not exist or is not laid out as `cdb_make` lays a
    /// database out (see [`Layout::parse`]).
    pub fn open(path: &Path) -> io::Result<Option<CdbFile>> {
        use std::os::unix::fs::FileExt;
        let err = |what: &str, e: io::Error| err_at(what, path, e);
        let Some(file) = open_optional(path)? else {
            return Ok(None);
        };
        let len = file.metadata().map_err(|e| err("fstat", e))?.len();
        let mut first = [0u8; 4];
        if len < HEADER_LEN as u64 {
            return Ok(None);
        }
        file.read_exact_at(&mut first, 0)
            .map_err(|e| err("read", e))?;
        let records_end = u64::from(u32::from_le_bytes(first));
        if records_end < HEADER_LEN as u64 || records_end > len {
            return Ok(None);
        }
        // (read into spare capacity: a zero-filled buffer would be written twice)
        let mut data = Vec::with_capacity(records_end as usize);
        io::Read::read_to_end(&mut io::Read::take(&file, records_end), &mut data)
            .map_err(|e| err("read", e))?;
        if data.len() as u64 != records_end {
            return Ok(None);
        }
        let Some(layout) = Layout::parse_prefix(&data, len) else {
            return Ok(None);
        };
        Ok(Some(CdbFile {
            file,
            data,
            layout,
            origin: None,
            tables_trusted: false,
        }))
    }

    /// [`CdbFile::open`] of a file that still holds what `source` compiles to, as its
    /// stamp shows ([`super::stamp::holds`]), reading only its header: the records and
    /// the hash tables are looked up in the file where needed, and an extension copies
    /// the tables it does not change ([`CdbFile::stage_extended`]). `Ok(None)` if the
    /// file does not exist, has no matching stamp, or its header does not lay the
    /// tables out one after the other from the end of the records to the end of the
    /// file, each twice as long as its entries, as `cdb_make` does; else also the
    /// source's metadata.
    pub fn open_stamped(path: &Path, source: &Path) -> io::Result<Option<(CdbFile, fs::Metadata)>> {
        use std::os::unix::fs::FileExt;
        let err = |what: &str, e: io::Error| err_at(what, path, e);
        let Some(file) = open_optional(path)? else {
            return Ok(None);
        };
        let Some((source_meta, origin)) = super::stamp::holds(&file, source) else {
            return Ok(None);
        };
        let len = file.metadata().map_err(|e| err("fstat", e))?.len();
        if len < HEADER_LEN as u64 {
            return Ok(None);
        }
        let mut header = vec![0u8; HEADER_LEN];
        file.read_exact_at(&mut header, 0)
            .map_err(|e| err("read", e))?;
        let records_end = u64::from(read_u32(&header, 0).unwrap_or(0));
        let mut at = records_end;
        for b in 0..256 {
            let (pos, slots) = table_at(&header, b);
            if u64::from(pos) != at || slots % 2 != 0 {
                return Ok(None);
            }
            at += u64::from(slots) * 8;
        }
        if records_end < HEADER_LEN as u64 || at != len {
            return Ok(None);
        }
        let layout = Layout {
            entries: Vec::new(),
            records_end: records_end as usize,
        };
        let cdb = CdbFile {
            file,
            data: header,
            layout,
            origin,
            tables_trusted: true,
        };
        Ok(Some((cdb, source_meta)))
    }

    /// Key and value of the record at `pos`, from memory if the records were read,
    /// else from the file. `Ok(None)` if it does not lie within the records.
    fn record_bytes(&self, pos: usize) -> io::Result<Option<(Vec<u8>, Vec<u8>)>> {
        use std::os::unix::fs::FileExt;
        let end = self.layout.records_end;
        if self.data.len() >= end {
            return Ok(record_at(&self.data[..end], pos).map(|(k, v)| (k.to_vec(), v.to_vec())));
        }
        let mut lens = [0u8; 8];
        if pos < HEADER_LEN || pos.checked_add(8).map_or(true, |e| e > end) {
            return Ok(None);
        }
        self.file.read_exact_at(&mut lens, pos as u64)?;
        let klen = read_u32(&lens, 0).unwrap_or(0) as usize;
        let dlen = read_u32(&lens, 4).unwrap_or(0) as usize;
        let start = pos + 8;
        let rec_end = start.checked_add(klen).and_then(|n| n.checked_add(dlen));
        if rec_end.map_or(true, |e| e > end) {
            return Ok(None);
        }
        let mut rec = vec![0u8; klen + dlen];
        self.file.read_exact_at(&mut rec, start as u64)?;
        let value = rec.split_off(klen);
        Ok(Some((rec, value)))
    }

    /// The first record with this key: its position and value. Found through the hash
    /// tables if they are trusted, else through the keys' hashes taken while walking the
    /// records.
    pub fn find(&self, key: &[u8]) -> io::Result<Option<(usize, Vec<u8>)>> {
        use std::os::unix::fs::FileExt;
        let h = hash(key);
        let found = |pos: u32| -> io::Result<Option<(usize, Vec<u8>)>> {
            Ok(self
                .record_bytes(pos as usize)?
                .and_then(|(k, v)| (k == key).then_some((pos as usize, v))))
        };
        if !self.tables_trusted {
            for &(_, pos) in self.layout.entries.iter().filter(|e| e.0 == h) {
                if let Some(hit) = found(pos)? {
                    return Ok(Some(hit));
                }
            }
            return Ok(None);
        }
        let (table, slots) = table_at(&self.data, (h & 255) as usize);
        if slots == 0 {
            return Ok(None);
        }
        let mut slot = (h >> 8) % slots;
        for _ in 0..slots {
            let mut b = [0u8; 8];
            self.file
                .read_exact_at(&mut b, u64::from(table) + u64::from(slot) * 8)?;
            let (sh, pos) = (read_u32(&b, 0).unwrap_or(0), read_u32(&b, 4).unwrap_or(0));
            if pos == 0 {
                return Ok(None);
            }
            if sh == h {
                if let Some(hit) = found(pos)? {
                    return Ok(Some(hit));
                }
            }
            slot = (slot + 1) % slots;
        }
        Ok(None)
    }

    /// Where the records end (and the hash tables begin).
    pub fn records_end(&self) -> usize {
        self.layout.records_end
    }

    /// Is there a record with this key?
    pub fn contains_key(&self, key: &[u8]) -> io::Result<bool> {
        Ok(self.find(key)?.is_some())
    }

    /// The header and the writes that make the hash tables of the extension `w` of a
    /// file whose tables are trusted: a table no new record goes into and no dropped
    /// record (one at or after `w.copied`) was in is the same bytes as before, only
    /// further on, and is copied from this file (runs of them at once); the others are
    /// laid out again from their kept entries (in record order) and the new ones, as
    /// `cdb_make` lays them out. So nothing is read but the changed tables and the
    /// dropped records.
    fn splice_tables(&self, w: &CdbWriter) -> io::Result<([u8; HEADER_LEN], Vec<Piece>)> {
        use std::os::unix::fs::FileExt;
        let damaged = || io::Error::new(io::ErrorKind::InvalidData, "damaged cdb hash table");
        let copied = w.copied;
        let mut touched = [false; 256];
        for &(h, _) in &w.entries {
            touched[(h & 255) as usize] = true;
        }
        let old_end = self.layout.records_end;
        let mut dropped = vec![0u8; old_end - copied];
        self.file.read_exact_at(&mut dropped, copied as u64)?;
        let mut pos = 0;
        while pos < dropped.len() {
            let (k, v) = record_at(&dropped, pos).ok_or_else(damaged)?;
            touched[(hash(k) & 255) as usize] = true;
            pos += 8 + k.len() + v.len();
        }
        let mut header = [0u8; HEADER_LEN];
        let mut pieces = Vec::new();
        let mut off = (copied + w.buf.len()) as u64;
        // a run of unchanged tables: (old offset, new offset, length)
        let mut run: Option<(u64, u64, u64)> = None;
        for (b, &changed) in touched.iter().enumerate() {
            let (opos, oslots) = table_at(&self.data, b);
            let slots = if changed {
                if let Some((from, to, len)) = run.take() {
                    pieces.push(Piece::Copy { from, to, len });
                }
                let mut old = vec![0u8; oslots as usize * 8];
                self.file.read_exact_at(&mut old, u64::from(opos))?;
                let mut list = Vec::with_capacity(oslots as usize / 2 + 2);
                for e in old.chunks_exact(8) {
                    let (h, p) = (read_u32(e, 0).unwrap_or(0), read_u32(e, 4).unwrap_or(0));
                    if p == 0 {
                        continue;
                    }
                    if (h & 255) as usize != b || (p as usize) < HEADER_LEN {
                        return Err(damaged());
                    }
                    list.push((h, p));
                }
                if list.len() * 2 != oslots as usize {
                    return Err(damaged());
                }
                list.retain(|&(_, p)| (p as usize) < copied);
                list.sort_unstable_by_key(|e| e.1);
                list.extend(w.entries.iter().filter(|e| (e.0 & 255) as usize == b));
                let mut table = vec![0u8; list.len() * 16];
                place(&list, &mut table);
                pieces.push(Piece::Write {
                    to: off,
                    bytes: table,
                });
                list.len() as u32 * 2
            } else {
                let len = u64::from(oslots) * 8;
                run = match run {
                    Some((from, to, n)) if from + n == u64::from(opos) => Some((from, to, n + len)),
                    Some((from, to, n)) => {
                        pieces.push(Piece::Copy { from, to, len: n });
                        Some((u64::from(opos), off, len))
                    }
                    None => Some((u64::from(opos), off, len)),
                };
                oslots
            };
            header[b * 8..b * 8 + 4].copy_from_slice(&(off as u32).to_le_bytes());
            header[b * 8 + 4..b * 8 + 8].copy_from_slice(&slots.to_le_bytes());
            off += u64::from(slots) * 8;
        }
        if let Some((from, to, len)) = run {
            pieces.push(Piece::Copy { from, to, len });
        }
        if off > u64::from(u32::MAX) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "cdb: database would exceed 4 GiB",
            ));
        }
        Ok((header, pieces))
    }

    /// Write the database `w` (made by [`CdbWriter::extending`] from this file), to be
    /// put in place of `target` (this file) by [`StagedCdb::commit`].
    ///
    /// With `spare` (a path beside `target`), the version this file replaces is kept
    /// there when the new one is put in place, and this time the new version is written
    /// into the spare if that is the version this file was extended from
    /// ([`super::stamp::Origin`]), unchanged since, and open nowhere else: then only the
    /// header, the records this file added and the new bytes are written, in place. On
    /// a file system without shared extents this spares writing, syncing and freeing a
    /// copy of the whole database on every update (`users/cdb` grows by a record per
    /// domain). The spare is only ever written while no one else has it open (a lease
    /// proves it) and is put in place by a rename, like a temp file.
    ///
    /// Else it is a new temp file: the kept records copied from this file by the kernel,
    /// in whole blocks from the start of the file (the old header included, then
    /// overwritten), so that a file system with shared extents (XFS, btrfs) shares them
    /// instead of copying and the fsync before the rename writes only the blocks that
    /// changed. Offsets that are not block multiples would make it copy every byte.
    pub fn stage_extended(
        &self,
        target: &Path,
        w: CdbWriter,
        mode: u32,
        spare: Option<&Path>,
    ) -> io::Result<StagedCdb> {
        use std::os::unix::fs::{FileExt, MetadataExt};
        let copied = w.copied;
        assert!(copied >= HEADER_LEN && copied <= self.layout.records_end);
        let (header, tail, pieces) = if self.tables_trusted {
            let (header, pieces) = self
                .splice_tables(&w)
                .map_err(|e| err_at("read", target, e))?;
            (header, w.buf, pieces)
        } else {
            let (header, tail) = w.finish_parts();
            (header, tail, Vec::new())
        };
        let new_len = pieces.iter().fold(copied + tail.len(), |end, p| match p {
            Piece::Copy { to, len, .. } => end.max((to + len) as usize),
            Piece::Write { to, bytes } => end.max(*to as usize + bytes.len()),
        });
        let place_pieces = |f: &fs::File| -> io::Result<()> {
            for p in &pieces {
                match p {
                    Piece::Copy { from, to, len } => {
                        crate::sys::copy_range_to(&self.file, *from, f, *to, *len)?
                    }
                    Piece::Write { to, bytes } => f.write_all_at(bytes, *to)?,
                }
            }
            Ok(())
        };
        let meta = self
            .file
            .metadata()
            .map_err(|e| err_at("fstat", target, e))?;
        let origin = super::stamp::Origin {
            ino: meta.ino(),
            shared: copied as u64,
        };
        let staged = |new: AtomicFile| StagedCdb {
            new,
            target: target.to_path_buf(),
            keep_as: spare.map(Path::to_path_buf),
            origin,
        };
        if let Some(spare) = spare {
            if let Some(file) = self.reusable_spare(spare, copied)? {
                let f = &file;
                let from = self.origin.map_or(0, |o| o.shared);
                // (the mode as a new file gets it; the spare may be a version chmod-ed since)
                let written = crate::sys::copy_range(&self.file, f, from, copied as u64 - from)
                    .and_then(|()| f.write_all_at(&header, 0))
                    .and_then(|()| f.write_all_at(&tail, copied as u64))
                    .and_then(|()| place_pieces(f))
                    .and_then(|()| f.set_len(new_len as u64))
                    .and_then(|()| {
                        use std::os::unix::fs::PermissionsExt;
                        f.set_permissions(fs::Permissions::from_mode(mode & 0o7777))
                    });
                written.map_err(|e| err_at("write", spare, e))?;
                let adopted = AtomicFile::adopt(file, spare.to_path_buf(), target);
                return Ok(staged(adopted));
            }
        }
        let block = Some(meta.blksize())
            .filter(|b| b.is_power_of_two() && (512..=1 << 20).contains(b))
            .unwrap_or(4096) as usize;
        let shared = copied - copied % block;
        let tmp = AtomicFile::stage_with(target, mode, None, |f| {
            // (two copies: the part of a last block is copied even where blocks are shared)
            crate::sys::copy_range(&self.file, f, 0, shared as u64)?;
            crate::sys::copy_range(&self.file, f, shared as u64, (copied - shared) as u64)?;
            f.write_all_at(&header, 0)?;
            f.write_all_at(&tail, copied as u64)?;
            place_pieces(f)
        })?;
        Ok(staged(tmp))
    }

    /// The spare at `path` opened for writing, leased, if it is what this file was
    /// extended from and may be written: a regular file with one name, unchanged since
    /// it was stamped, open nowhere else, and no longer than the `copied` bytes the new
    /// version keeps of this file (so every byte of it after those is written).
    fn reusable_spare(&self, path: &Path, copied: usize) -> io::Result<Option<fs::File>> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let Some(origin) = self.origin else {
            return Ok(None);
        };
        let Ok(f) = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(path)
        else {
            return Ok(None);
        };
        let m = f.metadata().map_err(|e| err_at("fstat", path, e))?;
        let usable = m.is_file()
            && m.nlink() == 1
            && m.ino() == origin.ino
            && origin.shared >= HEADER_LEN as u64
            && origin.shared <= copied as u64
            && m.len() >= origin.shared
            && super::stamp::intact(&f, &m)
            && crate::sys::take_write_lease(&f);
        Ok(usable.then_some(f))
    }
}

/// A write that makes part of a new cdb file from an old one.
#[derive(Debug)]
enum Piece {
    /// `len` bytes of the old file from `from`, copied to `to`.
    Copy { from: u64, to: u64, len: u64 },
    /// These bytes at `to`.
    Write { to: u64, bytes: Vec<u8> },
}

/// Position and slot count of hash table `b` in a header.
fn table_at(header: &[u8], b: usize) -> (u32, u32) {
    (
        read_u32(header, b * 8).unwrap_or(0),
        read_u32(header, b * 8 + 4).unwrap_or(0),
    )
}

/// Lay the entries of one hash table out in `table` (zero, twice as many slots as
/// entries), in order, each at the first free slot from `(h >> 8) % slots` on, as
/// `cdb_make` does.
fn place(list: &[(u32, u32)], table: &mut [u8]) {
    let slots = table.len() / 8;
    for &(h, p) in list {
        let mut w = (h >> 8) as usize % slots;
        while table[w * 8 + 4..w * 8 + 8] != [0; 4] {
            w += 1;
            if w == slots {
                w = 0;
            }
        }
        table[w * 8..w * 8 + 4].copy_from_slice(&h.to_le_bytes());
        table[w * 8 + 4..w * 8 + 8].copy_from_slice(&p.to_le_bytes());
    }
}

/// A new version of a cdb, written (a new temp file, or the spare, leased while open),
/// to be synced and renamed over its target by [`StagedCdb::commit`]; dropped without
/// it, a temp file is removed (a spare written in part is left: it no longer matches
/// its stamp, so it is never used again).
#[derive(Debug)]
pub struct StagedCdb {
    new: AtomicFile,
    target: std::path::PathBuf,
    /// Keep the version replaced under this name.
    keep_as: Option<std::path::PathBuf>,
    origin: super::stamp::Origin,
}

impl StagedCdb {
    /// Stamp the new version ([`super::stamp::record`]): it holds what `source`, as it
    /// now stands, compiles to.
    pub fn stamp(&self, source: &Path) {
        if let Some(f) = self.new.file() {
            super::stamp::record(f, source, Some(self.origin));
        }
    }

    /// Sync the new version and rename it over the target (closing the spare first,
    /// which gives its lease up); the version it replaces goes to the spare's name if
    /// one was given (a link made first, so the target always names a whole database).
    pub fn commit(self) -> io::Result<()> {
        // the old version linked under a temporary name, renamed to the spare's last
        let kept = self.keep_as.as_ref().and_then(|spare| {
            let mut name = spare.as_os_str().to_os_string();
            name.push(".new");
            let next = std::path::PathBuf::from(name);
            let _ = fs::remove_file(&next);
            fs::hard_link(&self.target, &next)
                .ok()
                .map(|()| (next, spare))
        });
        match (self.new.commit(), kept) {
            (Ok(()), Some((next, spare))) => {
                let _ = fs::rename(&next, spare);
                Ok(())
            }
            (Err(e), Some((next, _))) => {
                let _ = fs::remove_file(&next);
                Err(e)
            }
            (result, None) => result,
        }
    }
}

fn err_at(what: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {}: {e}", path.display()))
}

/// The file opened for reading; `Ok(None)` if it does not exist.
fn open_optional(path: &Path) -> io::Result<Option<fs::File>> {
    match fs::File::open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err_at("open", path, e)),
    }
}

/// Width of the blocks of [`for_blocks`].
pub const LANES: usize = 16;

/// Call `f` with the bytes of `a` and of `b` (of equal length) side by side, in blocks
/// of [`LANES`], the last one padded with zeros. For comparisons run over whole files
/// on every domain add: `f` doing the same to each lane of fixed-size arrays is what
/// the compiler turns into vector instructions, where a loop over the bytes that stops
/// at the first difference stays one byte at a time.
#[inline(always)]
pub fn for_blocks(a: &[u8], b: &[u8], mut f: impl FnMut(&[u8; LANES], &[u8; LANES])) {
    let n = a.len().min(b.len());
    debug_assert_eq!(a.len(), b.len());
    let mut i = 0;
    // one call of `f` in the loop, so that it is inlined
    while i < n {
        let (x, y): ([u8; LANES], [u8; LANES]) = match (a.get(i..i + LANES), b.get(i..i + LANES)) {
            (Some(x), Some(y)) => (x.try_into().unwrap(), y.try_into().unwrap()),
            _ => {
                let (mut x, mut y) = ([0u8; LANES], [0u8; LANES]);
                x[..n - i].copy_from_slice(&a[i..n]);
                y[..n - i].copy_from_slice(&b[i..n]);
                (x, y)
            }
        };
        f(&x, &y);
        i += LANES;
    }
}

/// Key and value of the record at `pos`.
fn record_at(data: &[u8], pos: usize) -> Option<(&[u8], &[u8])> {
    let klen = read_u32(data, pos)? as usize;
    let dlen = read_u32(data, pos.checked_add(4)?)? as usize;
    let kstart = pos.checked_add(8)?;
    let dstart = kstart.checked_add(klen)?;
    let dend = dstart.checked_add(dlen)?;
    Some((data.get(kstart..dstart)?, data.get(dstart..dend)?))
}

/// Builds a cdb in memory, byte-for-byte as `cdb_make`/`cdbmss` would.
#[derive(Debug, Clone)]
pub struct CdbWriter {
    /// The file from offset `copied` on (from 0, header included, unless made by
    /// [`CdbWriter::extending`]).
    buf: Vec<u8>,
    /// Bytes at the start of the file not held in `buf`: the header and the records
    /// kept from an old file, which [`CdbFile::stage_extended`] copies from it.
    copied: usize,
    /// (hash, record position) in insertion order; for an extension of a file whose
    /// tables are trusted, only those of the records added (the kept ones stay in the
    /// old file's tables, see [`CdbFile::splice_tables`]).
    entries: Vec<(u32, u32)>,
}

impl Default for CdbWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CdbWriter {
    pub fn new() -> CdbWriter {
        CdbWriter::with_capacity(0)
    }

    /// A writer whose buffer holds about `bytes` of records without growing.
    pub fn with_capacity(bytes: usize) -> CdbWriter {
        let mut buf = Vec::with_capacity(HEADER_LEN + bytes);
        buf.resize(HEADER_LEN, 0);
        CdbWriter {
            buf,
            copied: 0,
            entries: Vec::with_capacity(bytes / 64),
        }
    }

    /// A writer for the file `old` extended: its records before offset `end` (a record
    /// boundary, at most where its records end) kept as they are (not held in memory:
    /// [`CdbFile::stage_extended`] has the kernel copy them), as if they had been added
    /// one by one; the records from `end` on dropped. `extra` is about how many bytes of
    /// records will be added.
    pub fn extending(old: &CdbFile, end: usize, extra: usize) -> CdbWriter {
        let layout = &old.layout;
        let end = end.clamp(HEADER_LEN, layout.records_end);
        // (with trusted tables, only the new entries: the kept ones stay in the tables)
        let keep = layout.entries.partition_point(|&(_, p)| (p as usize) < end);
        let mut entries = Vec::with_capacity(keep + extra / 32 + 1);
        entries.extend_from_slice(&layout.entries[..keep]);
        CdbWriter {
            buf: Vec::with_capacity(extra + (keep + extra / 32 + 1) * 16),
            copied: end,
            entries,
        }
    }

    /// A writer holding the first `keep` records of `data` (whose layout is `layout`),
    /// copied as bytes, as if they had been added one by one: adding the rest and
    /// finishing gives exactly the cdb that adding every record from scratch gives.
    /// `extra` is about how many bytes of records will be added.
    pub fn from_prefix(data: &[u8], layout: &Layout, keep: usize, extra: usize) -> CdbWriter {
        let keep = keep.min(layout.entries.len());
        let end = layout
            .entries
            .get(keep)
            .map_or(layout.records_end, |&(_, p)| p as usize);
        let mut buf = Vec::with_capacity(end + extra + (keep + extra / 32 + 1) * 16);
        buf.extend_from_slice(&data[..end]);
        buf[..HEADER_LEN].fill(0);
        let mut entries = Vec::with_capacity(keep + extra / 32 + 1);
        entries.extend_from_slice(&layout.entries[..keep]);
        CdbWriter {
            buf,
            copied: 0,
            entries,
        }
    }

    /// Add a record. Panics if the database would exceed 4 GiB (use
    /// [`CdbWriter::try_add`] to get an error instead).
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        if let Err(e) = self.try_add(key, value) {
            panic!("{e}");
        }
    }

    /// Add a record; fails if the database would no longer fit in 32-bit offsets.
    pub fn try_add(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        // Final size = records + 16 bytes of hash table per entry.
        let after = (self.copied as u64)
            + (self.buf.len() as u64)
            + 8
            + key.len() as u64
            + value.len() as u64
            + 16 * (self.entries.len() as u64 + 1);
        if after > u64::from(u32::MAX) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "cdb: database would exceed 4 GiB",
            ));
        }
        let pos = (self.copied + self.buf.len()) as u32;
        self.buf
            .extend_from_slice(&(key.len() as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&(value.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(key);
        self.buf.extend_from_slice(value);
        self.entries.push((hash(key), pos));
        Ok(())
    }

    /// Append the hash tables, fill in the header and return the database.
    pub fn finish(self) -> Vec<u8> {
        assert_eq!(
            self.copied, 0,
            "an extending writer finishes with finish_parts"
        );
        let (header, mut buf) = self.finish_parts();
        buf[..HEADER_LEN].copy_from_slice(&header);
        buf
    }

    /// Append the hash tables; return the header and `buf` (the file from the offset
    /// `copied` on; for a writer not made by [`CdbWriter::extending`], the header's
    /// place at its start is left zero).
    fn finish_parts(self) -> ([u8; HEADER_LEN], Vec<u8>) {
        let CdbWriter {
            mut buf,
            copied,
            entries,
        } = self;
        // Group the entries by table (h & 255), keeping insertion order inside a
        // table: a counting sort into one vector instead of 256 small ones.
        let mut start = [0usize; 257];
        for &(h, _) in &entries {
            start[(h & 255) as usize + 1] += 1;
        }
        for b in 0..256 {
            start[b + 1] += start[b];
        }
        let mut fill = start;
        let mut grouped = vec![(0u32, 0u32); entries.len()];
        for &(h, p) in &entries {
            let b = (h & 255) as usize;
            grouped[fill[b]] = (h, p);
            fill[b] += 1;
        }
        // the tables are placed straight into their bytes (zero: every slot empty, as
        // no record lies at position 0)
        let mut off = buf.len();
        buf.resize(off + entries.len() * 16, 0);
        let mut header = [0u8; HEADER_LEN];
        for b in 0..256 {
            let list = &grouped[start[b]..start[b + 1]];
            let slots = list.len() * 2;
            header[b * 8..b * 8 + 4].copy_from_slice(&((copied + off) as u32).to_le_bytes());
            header[b * 8 + 4..b * 8 + 8].copy_from_slice(&(slots as u32).to_le_bytes());
            place(list, &mut buf[off..off + slots * 8]);
            off += slots * 8;
        }
        (header, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build a cdb from `entries` (in order) and install it at `path` atomically: temp
    /// file in the same directory, fsync, rename. The file gets exactly `mode`.
    fn write_cdb_atomic(path: &Path, entries: &[(Vec<u8>, Vec<u8>)], mode: u32) -> io::Result<()> {
        let mut w = CdbWriter::new();
        for (k, v) in entries {
            w.try_add(k, v)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        }
        crate::control::write_atomic(path, &w.finish(), mode, None)
    }
    use std::process::Command;

    fn build(entries: &[(&[u8], &[u8])]) -> Cdb {
        let mut w = CdbWriter::new();
        for (k, v) in entries {
            w.add(k, v);
        }
        Cdb::from_bytes(w.finish())
    }

    #[test]
    fn hash_known_values() {
        assert_eq!(hash(b""), 5381);
        // 5381*33 ^ 'a'(97) = 177573 ^ 97 = 177604
        assert_eq!(hash(b"a"), 177_604);
        // the definition, byte by byte, for keys of every length up to a few turns
        let key: Vec<u8> = (0u8..=40).map(|i| i.wrapping_mul(97)).collect();
        for n in 0..key.len() {
            let want = key[..n]
                .iter()
                .fold(5381u32, |h, &c| (h << 5).wrapping_add(h) ^ u32::from(c));
            assert_eq!(hash(&key[..n]), want, "{n}");
        }
    }

    #[test]
    fn roundtrip_small() {
        let c = build(&[(b"one", b"1"), (b"two", b"22"), (b"", b"empty")]);
        assert_eq!(c.get(b"one"), Some(&b"1"[..]));
        assert_eq!(c.get(b"two"), Some(&b"22"[..]));
        assert_eq!(c.get(b""), Some(&b"empty"[..]));
        assert_eq!(c.get(b"three"), None);
        assert_eq!(c.get(b"on"), None);
    }

    #[test]
    fn records_in_order_and_damage_detected() {
        let entries: &[(&[u8], &[u8])] = &[(b"one", b"1"), (b"two", b"22"), (b"one", b"x")];
        let c = build(entries);
        assert_eq!(c.records().unwrap(), entries.to_vec());
        assert!(build(&[]).records().unwrap().is_empty());
        let bytes = c.as_bytes().to_vec();
        // truncated: the tables fall outside the file
        assert!(Cdb::from_bytes(bytes[..bytes.len() - 8].to_vec())
            .records()
            .is_err());
        assert!(Cdb::from_bytes(bytes[..100].to_vec()).records().is_err());
        // a record length overwritten
        let mut b = bytes.clone();
        b[HEADER_LEN] = 200;
        assert!(Cdb::from_bytes(b).records().is_err());
        // a key byte changed: the record no longer hashes to its slot
        let mut b = bytes.clone();
        b[HEADER_LEN + 8] = b'O';
        assert!(Cdb::from_bytes(b).records().is_err());
        assert!(Cdb::from_bytes(vec![0xff; 4096]).records().is_err());
    }

    #[test]
    fn empty_database() {
        let bytes = CdbWriter::new().finish();
        assert_eq!(bytes.len(), 2048);
        // every header entry points just past the header with 0 slots
        for b in 0..256 {
            assert_eq!(read_u32(&bytes, b * 8), Some(2048));
            assert_eq!(read_u32(&bytes, b * 8 + 4), Some(0));
        }
        assert_eq!(Cdb::from_bytes(bytes).get(b"x"), None);
    }

    /// Hand-built golden file: one record, key "a", value "b".
    #[test]
    fn golden_single_record() {
        let mut want = vec![0u8; 2048];
        let h = hash(b"a"); // 177604 = 0x2B5C4, bucket 0xC4 = 196
        assert_eq!(h & 255, 196);
        // record at 2048: klen 1, dlen 1, "a", "b" -> ends at 2058; tables start there
        for b in 0..256usize {
            let slots: u32 = if b == 196 { 2 } else { 0 };
            let pos: u32 = if b <= 196 { 2058 } else { 2058 + 16 };
            want[b * 8..b * 8 + 4].copy_from_slice(&pos.to_le_bytes());
            want[b * 8 + 4..b * 8 + 8].copy_from_slice(&slots.to_le_bytes());
        }
        want.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, b'a', b'b']);
        // table for bucket 196: 2 slots, start (h >> 8) % 2 = 0x2B5 % 2 = 1
        want.extend_from_slice(&[0; 8]);
        want.extend_from_slice(&h.to_le_bytes());
        want.extend_from_slice(&2048u32.to_le_bytes());
        let mut w = CdbWriter::new();
        w.add(b"a", b"b");
        let got = w.finish();
        assert_eq!(got, want);
        assert_eq!(Cdb::from_bytes(want).get(b"a"), Some(&b"b"[..]));
    }

    #[test]
    fn many_keys() {
        let mut w = CdbWriter::new();
        for i in 0..5000u32 {
            w.add(
                format!("key{i}").as_bytes(),
                format!("value{}", i * 7).as_bytes(),
            );
        }
        let c = Cdb::from_bytes(w.finish());
        for i in 0..5000u32 {
            assert_eq!(
                c.get(format!("key{i}").as_bytes()),
                Some(format!("value{}", i * 7).as_bytes())
            );
        }
        assert_eq!(c.get(b"key5000"), None);
    }

    #[test]
    fn duplicate_keys_in_order() {
        let c = build(&[(b"k", b"1"), (b"x", b"-"), (b"k", b"2"), (b"k", b"3")]);
        let all: Vec<&[u8]> = c.get_all(b"k").collect();
        assert_eq!(all, vec![&b"1"[..], b"2", b"3"]);
        assert_eq!(c.get(b"k"), Some(&b"1"[..]));
        assert_eq!(c.get_all(b"nope").count(), 0);
    }

    #[test]
    fn full_hash_collisions() {
        // Find distinct keys with the same 32-bit hash: for two-byte keys,
        // h = ((5381*33 ^ a) * 33) ^ b, so search a small space.
        let mut seen = std::collections::HashMap::new();
        let mut pair = None;
        'outer: for a in 0u8..=255 {
            for b in 0u8..=255 {
                for c in [b'x', b'y'] {
                    let k = vec![a, b, c];
                    if let Some(prev) = seen.insert(hash(&k), k.clone()) {
                        pair = Some((prev, k));
                        break 'outer;
                    }
                }
            }
        }
        let (k1, k2) = pair.expect("a collision exists among 3-byte keys");
        assert_ne!(k1, k2);
        assert_eq!(hash(&k1), hash(&k2));
        let c = build(&[(&k1, b"first"), (&k2, b"second"), (b"other", b"o")]);
        assert_eq!(c.get(&k1), Some(&b"first"[..]));
        assert_eq!(c.get(&k2), Some(&b"second"[..]));
        assert_eq!(c.get_all(&k1).count(), 1);
        assert_eq!(c.get(b"other"), Some(&b"o"[..]));
    }

    #[test]
    fn same_bucket_collisions() {
        // many keys in one bucket (same h & 255) exercise linear probing/wrap-around
        let keys: Vec<Vec<u8>> = (0u32..100_000)
            .map(|i| i.to_string().into_bytes())
            .filter(|k| hash(k) & 255 == 7)
            .take(50)
            .collect();
        let mut w = CdbWriter::new();
        for k in &keys {
            w.add(k, k);
        }
        let c = Cdb::from_bytes(w.finish());
        for k in &keys {
            assert_eq!(c.get(k), Some(k.as_slice()));
        }
    }

    fn records(n: u32, offset: u32) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..n)
            .map(|i| {
                let k = format!("key{}", i + offset).into_bytes();
                let v = "v".repeat((i % 7) as usize).into_bytes();
                (k, v)
            })
            .collect()
    }

    fn compiled(recs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut w = CdbWriter::new();
        for (k, v) in recs {
            w.add(k, v);
        }
        w.finish()
    }

    #[test]
    fn layout_lists_records_in_order() {
        let recs = records(300, 0);
        let data = compiled(&recs);
        let l = Layout::parse(&data).unwrap();
        assert_eq!(l.len(), 300);
        let got: Vec<(Vec<u8>, Vec<u8>)> = l
            .records(&data)
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect();
        assert_eq!(got, recs);
        assert!(Layout::parse(&CdbWriter::new().finish())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn layout_rejects_what_cdb_make_would_not_write() {
        let data = compiled(&records(50, 0));
        assert!(Layout::parse(&data[..data.len() - 1]).is_none());
        assert!(Layout::parse(&data[..100]).is_none());
        let mut longer = data.clone();
        longer.push(0);
        assert!(Layout::parse(&longer).is_none());
        // a changed key is read as it now is
        let mut k = data.clone();
        k[2048 + 8] ^= 1;
        let l = Layout::parse(&k).unwrap();
        assert_eq!(l.records(&k).next().unwrap().0, b"jey0");
        assert_eq!(l.entries[0].0, hash(b"jey0"));
        // a record length pointing past the next record
        let mut l = data.clone();
        l[2048] += 1;
        assert!(Layout::parse(&l).is_none());
        // every byte flipped somewhere in the header or tables: rejected or still right
        let end = read_u32(&data, 0).unwrap() as usize;
        for at in (0..2048).step_by(61).chain((end..data.len()).step_by(7)) {
            let mut c = data.clone();
            c[at] ^= 0x40;
            if let Some(l) = Layout::parse(&c) {
                assert_eq!(l.len(), 50, "byte {at}");
            }
        }
    }

    proptest::proptest! {
        /// Old records copied as bytes plus new ones equal the cdb built from scratch.
        #[test]
        fn prefix_plus_new_records_equals_from_scratch(
            keys in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..6), 0..80),
            keep_back in 0usize..4,
            added in 0usize..5,
        ) {
            let recs: Vec<(Vec<u8>, Vec<u8>)> =
                keys.iter().map(|k| (k.clone(), k.repeat(2))).collect();
            let data = compiled(&recs);
            let l = Layout::parse(&data).unwrap();
            let keep = recs.len().saturating_sub(keep_back);
            let mut all = recs[..keep].to_vec();
            all.extend(records(added as u32, 1000));
            let mut w = CdbWriter::from_prefix(&data, &l, keep, 64);
            for (k, v) in &all[keep..] {
                w.add(k, v);
            }
            proptest::prop_assert_eq!(w.finish(), compiled(&all));
        }
    }

    #[test]
    fn file_lookup_finds_what_memory_lookup_finds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.cdb");
        assert_eq!(get_from_file(&p, b"a").unwrap(), None);
        let mut recs = records(500, 0);
        recs.push((b"key7".to_vec(), b"second".to_vec()));
        recs.push((Vec::new(), b"empty key".to_vec()));
        let data = compiled(&recs);
        fs::write(&p, &data).unwrap();
        let mem = Cdb::from_bytes(data.clone());
        for i in 0..600 {
            let k = format!("key{i}");
            assert_eq!(
                get_from_file(&p, k.as_bytes()).unwrap().as_deref(),
                mem.get(k.as_bytes()),
                "{k}"
            );
        }
        assert_eq!(get_from_file(&p, b"key7").unwrap().unwrap(), b"");
        assert_eq!(get_from_file(&p, b"").unwrap().unwrap(), b"empty key");
        // cut short or garbage: nothing found, no error, no panic
        for cut in [0, 100, 2047, 2048, data.len() / 2, data.len() - 1] {
            fs::write(&p, &data[..cut]).unwrap();
            for i in (0..500).step_by(37) {
                let k = format!("key{i}");
                assert_eq!(
                    get_from_file(&p, k.as_bytes()).unwrap().as_deref(),
                    Cdb::from_bytes(data[..cut].to_vec()).get(k.as_bytes()),
                    "{k} cut at {cut}"
                );
            }
        }
        fs::write(&p, vec![0xffu8; 4096]).unwrap();
        assert_eq!(get_from_file(&p, b"key1").unwrap(), None);
    }

    #[test]
    fn malformed_data_does_not_panic() {
        assert_eq!(Cdb::from_bytes(vec![]).get(b"a"), None);
        assert_eq!(Cdb::from_bytes(vec![0xff; 100]).get(b"a"), None);
        let mut bad = vec![0xffu8; 2048];
        bad.extend_from_slice(&[0xff; 64]);
        assert_eq!(Cdb::from_bytes(bad).get_all(b"a").count(), 0);
    }

    /// An extended file is byte for byte the database built from scratch, whether the
    /// kept records end before the first whole block, on a block boundary or past many
    /// blocks (the copied part is whole blocks from offset 0, the rest written).
    #[test]
    fn extended_file_equals_a_fresh_build_at_every_block_alignment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cdb");
        let source = dir.path().join("source");
        fs::write(&source, b"compiled from").unwrap();
        let rec = |i: usize| (format!("key{i:05}").into_bytes(), vec![b'v'; i % 37]);
        // 8 bytes of lengths + 8 of key + value: sizes that put the end of the kept
        // records below, at and above block boundaries. The old file's last record (an
        // empty key, as users/cdb's wildcard record) is dropped and added again changed.
        for kept in [0, 1, 20, 100, 117, 118, 119, 400, 2000] {
            // tables read from the records, or trusted as stamped and partly copied
            for trusted in [false, true] {
                let mut old: Vec<_> = (0..kept).map(rec).collect();
                old.push((Vec::new(), b"ab".to_vec()));
                write_cdb_atomic(&path, &old, 0o644).unwrap();
                super::super::stamp::record(&fs::File::open(&path).unwrap(), &source, None);
                let file = if trusted {
                    CdbFile::open_stamped(&path, &source).unwrap().unwrap().0
                } else {
                    CdbFile::open(&path).unwrap().unwrap()
                };
                let (last, value) = file.find(b"").unwrap().unwrap();
                assert_eq!(value, b"ab");
                let mut new: Vec<_> = (kept..kept + 3).map(rec).collect();
                new.push((Vec::new(), b"abc".to_vec()));
                let mut w = CdbWriter::extending(&file, last, 200);
                for (k, v) in &new {
                    w.add(k, v);
                }
                file.stage_extended(&path, w, 0o644, None)
                    .unwrap()
                    .commit()
                    .unwrap();
                let mut fresh = CdbWriter::new();
                for (k, v) in old[..kept].iter().chain(&new) {
                    fresh.add(k, v);
                }
                let got = fs::read(&path).unwrap();
                assert_eq!(got, fresh.finish(), "{kept} kept, trusted {trusted}");
            }
        }
        // a stamped file whose tables were damaged: refused, nothing written
        let old: Vec<_> = (0..50).map(rec).collect();
        write_cdb_atomic(&path, &old, 0o644).unwrap();
        let mut bytes = fs::read(&path).unwrap();
        let end = read_u32(&bytes, 0).unwrap() as usize;
        let first = (end..bytes.len())
            .step_by(8)
            .find(|&i| read_u32(&bytes, i + 4) != Some(0))
            .unwrap();
        bytes[first + 4..first + 8].copy_from_slice(&7u32.to_le_bytes());
        fs::write(&path, &bytes).unwrap();
        super::super::stamp::record(&fs::File::open(&path).unwrap(), &source, None);
        let file = CdbFile::open_stamped(&path, &source).unwrap().unwrap().0;
        // (every table changed: each gets a record)
        let mut w = CdbWriter::extending(&file, end, 200);
        for i in 0..600 {
            w.add(format!("new{i}").as_bytes(), b"");
        }
        let e = file.stage_extended(&path, w, 0o644, None).unwrap_err();
        assert!(e.to_string().contains("damaged"), "{e}");
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn open_missing_and_atomic_write() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.cdb");
        assert!(Cdb::open(&p).unwrap().is_none());
        let entries = vec![
            (b"a".to_vec(), b"1".to_vec()),
            (b"b".to_vec(), b"2".to_vec()),
        ];
        write_cdb_atomic(&p, &entries, 0o644).unwrap();
        let c = Cdb::open(&p).unwrap().unwrap();
        assert_eq!(c.get(b"b"), Some(&b"2"[..]));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
            0o644
        );
        // no temp files left behind
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Cross-check with tinycdb's `cdb -c` when installed (apt package `tinycdb`).
    #[test]
    fn reads_cdb_made_by_system_tool() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sys.cdb");
        let input = "+3,5:one->first\n+3,6:two->second\n+3,5:one->again\n+0,4:->wild\n\n";
        let child = Command::new("cdb")
            .arg("-c")
            .arg(&p)
            .stdin(std::process::Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(_) => {
                println!("note: `cdb` (tinycdb) not installed; skipping system-cdb test");
                return;
            }
        };
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
        let c = Cdb::open(&p).unwrap().unwrap();
        assert_eq!(
            c.get_all(b"one").collect::<Vec<_>>(),
            vec![&b"first"[..], b"again"]
        );
        assert_eq!(c.get(b"two"), Some(&b"second"[..]));
        assert_eq!(c.get(b""), Some(&b"wild"[..]));
        // same records in the same order: byte-identical to the system tool's file
        let mut w = CdbWriter::new();
        w.add(b"one", b"first");
        w.add(b"two", b"second");
        w.add(b"one", b"again");
        w.add(b"", b"wild");
        assert_eq!(w.finish(), c.as_bytes());
        // and tinycdb must read what we write
        let mine = dir.path().join("mine.cdb");
        let entries = vec![
            (b"one".to_vec(), b"first".to_vec()),
            (b"two".to_vec(), b"second".to_vec()),
        ];
        write_cdb_atomic(&mine, &entries, 0o644).unwrap();
        let out = Command::new("cdb")
            .arg("-q")
            .arg(&mine)
            .arg("two")
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"second");
    }
}
