/*!
Creating a virtual domain (`iadddomain` plus the postmaster and its aliases).

Every step records how to undo itself; if a later step fails, the steps
already done are undone in reverse order, so a failed `vadddomain` leaves no
directory, control line, assign entry or row behind (the original leaves the
domain half made in several of these cases).
*/

use std::path::{Path, PathBuf};

use crate::assign::{self, AssignEntry};
use crate::cli::AppletError;
use crate::config::Config;
use crate::control;
use crate::db::{users, valias, Db};
use crate::domain::Domain;
use crate::mailstore::{hashdir, maildir};
use crate::ops::user::{self, NewUser, Password};
use crate::passwd::HashMethod;

/// `count_rcpthosts` limit after which domains go to `morercpthosts`.
pub const RCPTHOSTS_MAX: usize = 50;

/// What `vadddomain` decided before creating anything.
#[derive(Debug, Clone)]
pub struct NewDomain {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// Parent of `domains/` (`-d`, else DOMAINDIR).
    pub parent: PathBuf,
    /// Base path for homes (`-B`, else BASE_PATH).
    pub base_path: PathBuf,
    /// `-B` given: write `.base_path`.
    pub write_base_path: bool,
    pub users_per_level: Option<u64>,
    /// `-h` as typed, written to `<domaindir>/hash_method`.
    pub hash_option: Option<String>,
    pub hash: HashMethod,
    pub vfilter: bool,
    pub catch_all: Option<String>,
    pub chkrcpt: bool,
    pub postmaster_password: Password,
    pub store_cram: bool,
    pub postmaster_quota: Option<String>,
    /// Owner given to control files that do not exist yet (the indimail user).
    pub control_owner: Option<(u32, u32)>,
    /// Clustered site (`-c`/`-D`): the dbinfo record for this host (mdahost
    /// is filled in with the local IP).
    pub cluster: Option<crate::db::cluster::DbInfo>,
}

/// Validation of a new domain name, in the original's order. Returns (code, message).
pub fn check_name(name: &str) -> Result<(), (i32, String)> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err((
            100,
            format!("vadddomain: warning: domain [{name}] has an uppercase character"),
        ));
    }
    if !name.is_ascii() {
        return Err((
            111,
            format!("vadddomain: warning: invalid domain: {name}: use the ASCII (xn--) form of an internationalised name"),
        ));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if name.len() > 253 || !name.split('.').all(label_ok) {
        return Err((111, format!("vadddomain: warning: invalid domain: {name}")));
    }
    if name.len() > crate::address::MAX_PW_DOMAIN {
        return Err((100, format!("vadddomain: warning: Invalid domain {name}")));
    }
    Ok(())
}

/// Undo log: what to reverse if a later step fails.
enum Undo {
    Dirs(Vec<PathBuf>),
    File(PathBuf),
    Assign(String),
    ControlLine(PathBuf, String),
    /// A domain added to morercpthosts: its line removed and the cdb compiled again.
    MoreRcptHost(String),
    /// A line removed from `locals`, to put back.
    RestoreLine(PathBuf, String),
    Rows(String),
    /// A `dir_control<prefix>` row created before the postmaster was added.
    DirControl(String, String),
    /// A dbinfo record (domain, mdahost) added on the master.
    DbInfo(String, String),
    /// A hostcntrl row (user, domain) added on the master.
    HostCntrl(String, String),
}

struct Steps<'a> {
    cfg: &'a Config,
    done: Vec<Undo>,
}

impl Steps<'_> {
    fn rollback(&mut self, db: &mut Db) {
        while let Some(u) = self.done.pop() {
            match u {
                Undo::Dirs(d) => maildir::rollback_created(&d),
                Undo::File(f) => {
                    let _ = std::fs::remove_file(f);
                }
                Undo::Assign(d) => {
                    let _ = assign::remove_domain(&self.cfg.assigndir, &d);
                }
                Undo::ControlLine(f, l) => {
                    let _ = control::remove_line(&f, &l);
                }
                Undo::MoreRcptHost(name) => {
                    let _ = control::remove_line(&self.cfg.control("morercpthosts"), &name);
                    let _ = compile_morercpthosts(self.cfg);
                }
                Undo::RestoreLine(f, l) => {
                    let _ = control::add_line(&f, &l, 0o644, None);
                }
                Undo::Rows(d) => {
                    let _ = crate::db::domains::delete_add_rows(db, &d);
                }
                Undo::DirControl(t, d) => {
                    let _ = crate::db::domains::delete_dir_control_row(db, &t, &d);
                }
                Undo::DbInfo(d, m) => {
                    let path = crate::cluster::mcd_path(self.cfg);
                    let _ = crate::cluster::edit(self.cfg, &path, |master, f| {
                        Ok(crate::db::cluster::dbinfo_delete(master, f, &d, &m)?)
                    });
                }
                Undo::HostCntrl(u, d) => {
                    if let Ok(Some(mut m)) = crate::cluster::open_master(self.cfg) {
                        let _ = crate::db::cluster::hostcntrl_delete(&mut m, &u, &d);
                    }
                }
            }
        }
    }

    fn add_control_line(
        &mut self,
        file: &str,
        line: &str,
        owner: Option<(u32, u32)>,
    ) -> Result<(), AppletError> {
        // An existing file keeps its owner; a new one gets the indimail user's.
        let path = self.cfg.control(file);
        if control::add_line(&path, line, 0o644, owner)
            .map_err(|e| io_fail("update_file", &path, e))?
        {
            self.done.push(Undo::ControlLine(path, line.to_string()));
        }
        Ok(())
    }
}

/// A domain's `.qmail-default`: vdelivermail (or vfilter) with the catch-all
/// `target` (`bounce-no-mailbox`, `delete`, a Maildir, an address or host:ip:port).
pub fn qmail_default_line(cfg: &Config, vfilter: bool, target: &str) -> String {
    let program = cfg.sbin(if vfilter { "vfilter" } else { "vdelivermail" });
    format!("| {} '' {target}\n", program.display())
}

/// The catch-all target of a `.qmail-default` line written by
/// [`qmail_default_line`] (or vpopmail's vdelivermail, which has the same
/// form): `| <path>/vdelivermail '' <target>` (or vfilter); None for any other line.
pub fn catch_all_target(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix('|')?;
    let mut words = rest.split_whitespace();
    let program = words.next()?;
    let empty = words.next()?;
    let target = words.next()?;
    let name = program.rsplit('/').next().unwrap_or(program);
    let delivers = name == "vdelivermail" || name == "vfilter";
    (delivers && empty == "''" && words.next().is_none()).then_some(target)
}

fn io_fail(what: &str, path: &Path, e: impl std::fmt::Display) -> AppletError {
    AppletError::new(111, format!("vadddomain: {what}: {}: {e}", path.display()))
}

/// Write a per-domain settings file (0600, domain owner).
fn write_setting(
    steps: &mut Steps<'_>,
    path: PathBuf,
    contents: &str,
    owner: Option<(u32, u32)>,
) -> Result<(), AppletError> {
    control::write_atomic(&path, contents.as_bytes(), 0o600, owner)
        .map_err(|e| io_fail("open", &path, e))?;
    steps.done.push(Undo::File(path));
    Ok(())
}

/// Add `name` to rcpthosts, or to morercpthosts (+ its cdb) past 50 domains.
fn add_rcpthost(
    steps: &mut Steps<'_>,
    name: &str,
    owner: Option<(u32, u32)>,
) -> Result<(), AppletError> {
    let rcpthosts = steps.cfg.control("rcpthosts");
    let n =
        control::count_lines(&rcpthosts).map_err(|e| io_fail("count_rcpthosts", &rcpthosts, e))?;
    if n < RCPTHOSTS_MAX {
        return steps.add_control_line("rcpthosts", name, owner);
    }
    if append_morercpthost_stamped(steps, name)? {
        return Ok(());
    }
    // the cdb compiled from the contents the line was added to, under the same lock
    let path = steps.cfg.control("morercpthosts");
    let mut compiled = Ok(());
    if control::add_line_then(&path, name, 0o644, owner, |data| {
        compiled = compile_morercpthosts_locked(steps.cfg, data);
    })
    .map_err(|e| io_fail("update_file", &path, e))?
    {
        steps.done.push(Undo::MoreRcptHost(name.to_string()));
    }
    compiled
}

/// The common case of [`add_rcpthost`] past 50 domains, without reading morercpthosts
/// or its cdb's records: the cdb's stamp ([`assign::stamp`]) shows that it holds what
/// morercpthosts compiles to and that neither changed since. Then no line is `name`
/// (nor `.`, which would have to stay last) if the cdb has no such key, the line is
/// appended, and the cdb extended by its record, stamped and renamed into place.
/// Ok(false): the case does not apply, nothing was done.
fn append_morercpthost_stamped(steps: &mut Steps<'_>, name: &str) -> Result<bool, AppletError> {
    use assign::cdb::{CdbFile, CdbWriter};
    let path = steps.cfg.control("morercpthosts");
    let dst = steps.cfg.control("morercpthosts.cdb");
    let fail = |e| io_fail("qmail-newmrh", &dst, e);
    // (a name that is not read as itself, as a line, is left to the full path)
    if !plain_line_is(name.as_bytes(), name.as_bytes()) {
        return Ok(false);
    }
    let _lock = control::lock(&path).map_err(|e| io_fail("update_file", &path, e))?;
    let Some((old, meta)) = CdbFile::open_stamped(&dst, &path).map_err(fail)? else {
        return Ok(false);
    };
    if old.contains_key(name.as_bytes()).map_err(fail)? || old.contains_key(b".").map_err(fail)? {
        return Ok(false);
    }
    let len = meta.len();
    let last = control::read_tail(&path, len, 1).map_err(|e| io_fail("update_file", &path, e))?;
    let mut w = CdbWriter::extending(&old, old.records_end(), name.len() + 8);
    w.try_add(name.as_bytes(), b"").map_err(fail)?;
    // the cdb written first; hash tables found damaged though stamped: left to the full path
    let tmp = match old.stage_extended(&dst, w, 0o644, Some(&mrh_spare(steps.cfg))) {
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Ok(false),
        staged => staged.map_err(fail)?,
    };
    control::append_line_at(&path, len, last.first().is_some_and(|&b| b != b'\n'), name)
        .map_err(|e| io_fail("update_file", &path, e))?;
    steps.done.push(Undo::MoreRcptHost(name.to_string()));
    tmp.stamp(&path);
    tmp.commit().map_err(fail)?;
    Ok(true)
}

/// The previous version of `morercpthosts.cdb`, kept to be written over by the next
/// domain added to it ([`assign::cdb::CdbFile::stage_extended`]).
pub fn mrh_spare(cfg: &Config) -> std::path::PathBuf {
    cfg.control("morercpthosts.cdb.spare")
}

/// Our qmail-newmrh: `morercpthosts.cdb` with one key per domain.
///
/// Under the morercpthosts lock, so that concurrent adds install their cdbs in the order
/// they read the file. When the old cdb holds exactly the file's first lines (compared
/// key by key), those records are copied as bytes and only the lines after them are
/// added (domains are appended at the end); an unchanged cdb is left alone. Otherwise
/// it is compiled from scratch. Either way the bytes are what compiling gives.
pub fn compile_morercpthosts(cfg: &Config) -> Result<(), AppletError> {
    let src = cfg.control("morercpthosts");
    let dst = cfg.control("morercpthosts.cdb");
    let _lock = control::lock(&src).map_err(|e| io_fail("qmail-newmrh", &dst, e))?;
    let data = std::fs::read(&src).unwrap_or_default();
    compile_morercpthosts_locked(cfg, &data)
}

/// [`compile_morercpthosts`] of the contents `data`, the lock held.
fn compile_morercpthosts_locked(cfg: &Config, data: &[u8]) -> Result<(), AppletError> {
    use assign::cdb::{CdbFile, CdbWriter};
    let src = cfg.control("morercpthosts");
    let dst = cfg.control("morercpthosts.cdb");
    let fail = |e| io_fail("qmail-newmrh", &dst, e);
    let mut key = String::new();
    let mut lower = |l: &str| {
        key.clear();
        key.push_str(l);
        key.make_ascii_lowercase();
        key.as_bytes().to_vec()
    };
    let old = CdbFile::open(&dst).ok().flatten();
    if let Some(old) = &old {
        if let Some(at) = mrh_compiled_prefix(data, &old.data, &old.layout) {
            let mut newer = Vec::new();
            control::for_each_line(&data[at..], |l| newer.push(lower(l)));
            if newer.is_empty() {
                return Ok(());
            }
            let end = old.records_end();
            let mut w = CdbWriter::extending(old, end, newer.iter().map(|k| k.len() + 8).sum());
            let mut result = Ok(());
            for k in &newer {
                result = result.and_then(|()| w.try_add(k, b""));
            }
            result.map_err(fail)?;
            let tmp = old
                .stage_extended(&dst, w, 0o644, Some(&mrh_spare(cfg)))
                .map_err(fail)?;
            tmp.stamp(&src);
            return tmp.commit().map_err(fail);
        }
    }
    let mut w = CdbWriter::with_capacity(data.len() + data.len() / 2);
    let mut result = Ok(());
    control::for_each_line(data, |l| {
        if result.is_ok() {
            let k = lower(l);
            result = w.try_add(&k, b"");
        }
    });
    result.map_err(fail)?;
    let tmp = control::AtomicFile::stage(&dst, &w.finish(), 0o644, None).map_err(fail)?;
    assign::stamp::record_staged(&tmp, &src);
    tmp.commit().map_err(fail)
}

/// If the records of the cdb whose header and records are `cdb` (laid out as `layout`)
/// are exactly the keys of the first lines of the morercpthosts text `data`, in order
/// (every value empty), the offset just past those lines. The text is read as
/// [`control::for_each_line`] reads it; but as this runs on every domain add over the
/// whole file, the common line (a record's key as it stands, then a newline) is
/// recognised by comparing bytes with the key, without taking the line apart.
fn mrh_compiled_prefix(data: &[u8], cdb: &[u8], layout: &assign::cdb::Layout) -> Option<usize> {
    let mut pos = 0;
    let mut key = String::new();
    for (k, v) in layout.records(cdb) {
        if !v.is_empty() {
            return None;
        }
        let rest = &data[pos..];
        if rest.len() > k.len() && rest[k.len()] == b'\n' && plain_line_is(&rest[..k.len()], k) {
            pos += k.len() + 1;
            continue;
        }
        // else the lines as the compile reads them, up to one that gives a key
        loop {
            if pos >= data.len() {
                return None;
            }
            let (line, next) = match memchr::memchr(b'\n', &data[pos..]) {
                Some(n) => (&data[pos..pos + n], pos + n + 1),
                None => (&data[pos..], data.len()),
            };
            pos = next;
            let mut got = false;
            control::meaningful_line(line, &mut |l: &str| {
                key.clear();
                key.push_str(l);
                key.make_ascii_lowercase();
                got = true;
            });
            if got {
                if key.as_bytes() != k {
                    return None;
                }
                break;
            }
        }
    }
    Some(pos)
}

/// Is `line` the key `k` and read as itself (not empty; nothing stripped as a comment
/// or white space, nothing lowercased)? Printable ASCII without `#` or capitals is.
fn plain_line_is(line: &[u8], k: &[u8]) -> bool {
    let mut odd = [0u8; assign::cdb::LANES];
    // (the zeros padding the last block pass: a NUL is read as itself)
    assign::cdb::for_blocks(line, k, |c, want| {
        for j in 0..assign::cdb::LANES {
            odd[j] |= (c[j] ^ want[j])
                | u8::from(c[j].wrapping_sub(1) < b' ')
                | u8::from(c[j] >= 0x7f)
                | u8::from(c[j] == b'#')
                | u8::from(c[j].wrapping_sub(b'A') < 26);
        }
    });
    line.len() == k.len() && !k.is_empty() && odd.iter().fold(0, |a, &b| a | b) == 0
}

/// Create the domain. `out` receives the lines the original prints.
pub fn add(
    cfg: &Config,
    db: &mut Db,
    nd: &NewDomain,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    if assign::lookup_domain(&cfg.assigndir, &nd.name)
        .map_err(|e| io_fail("get_assign", &cfg.assigndir, e))?
        .is_some()
    {
        return Err(AppletError::new(
            255,
            format!("adddomain: domain {} exists", nd.name),
        ));
    }
    // A deadlock between concurrent adds (MariaDB error 1213) is retried:
    // everything done so far has been undone by then.
    let mut attempt = 0;
    loop {
        let mut steps = Steps {
            cfg,
            done: Vec::new(),
        };
        let mut lines = Vec::new();
        let result = add_steps(cfg, db, nd, &mut steps, &mut |l| lines.push(l.to_string()));
        match result {
            Ok(()) => {
                for l in &lines {
                    out(l);
                }
                return Ok(());
            }
            Err(e) => {
                steps.rollback(db);
                attempt += 1;
                if attempt >= 5 || !e.message.contains("ERROR 1213") {
                    return Err(e);
                }
                std::thread::sleep(std::time::Duration::from_millis(20 * attempt));
            }
        }
    }
}

fn add_steps(
    cfg: &Config,
    db: &mut Db,
    nd: &NewDomain,
    steps: &mut Steps<'_>,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    let owner = Some((nd.uid, nd.gid));
    let ddir = nd.parent.join("domains").join(&nd.name);
    let created =
        maildir::make_dirs(&ddir, 0o750, owner).map_err(|e| io_fail("r_mkdir", &ddir, e))?;
    steps.done.push(Undo::Dirs(created));
    let bulk = ddir.join(crate::config::env_or("BULK_MAILDIR", "bulk_mail"));
    let created =
        maildir::make_dirs(&bulk, 0o750, owner).map_err(|e| io_fail("r_mkdir", &bulk, e))?;
    steps.done.push(Undo::Dirs(created));

    let qmail_default = ddir.join(".qmail-default");
    if qmail_default.exists() {
        return Err(AppletError::new(
            255,
            format!("adddomain: open: {}: File exists", qmail_default.display()),
        ));
    }
    let target = nd.catch_all.as_deref().unwrap_or("bounce-no-mailbox");
    write_setting(
        steps,
        qmail_default,
        &qmail_default_line(cfg, nd.vfilter, target),
        owner,
    )?;

    let entry = AssignEntry {
        domain: nd.name.clone(),
        uid: nd.uid,
        gid: nd.gid,
        dir: ddir.clone(),
    };
    assign::add_domain(&cfg.assigndir, &entry)
        .map_err(|e| io_fail("add_domain_assign", &cfg.assigndir, e))?;
    steps.done.push(Undo::Assign(nd.name.clone()));

    add_rcpthost(steps, &nd.name, nd.control_owner)?;
    steps.add_control_line(
        "virtualdomains",
        &format!("{0}:{0}", nd.name),
        nd.control_owner,
    )?;
    let locals = cfg.control("locals");
    if control::remove_line(&locals, &nd.name).map_err(|e| io_fail("remove_line", &locals, e))? > 0
    {
        steps.done.push(Undo::RestoreLine(locals, nd.name.clone()));
    }

    db.ensure_tables(&[
        &users::active_table(),
        &users::inactive_table(),
        "lastauth",
        "valias",
    ])?;
    steps.done.push(Undo::Rows(nd.name.clone()));
    if nd.chkrcpt {
        steps.add_control_line("chkrcptdomains", &nd.name, nd.control_owner)?;
    }
    for bucket in hashdir::BUCKETS {
        let d = nd.base_path.join(bucket).join(&nd.name);
        let created = maildir::make_dirs(&d, 0o750, owner)
            .map_err(|e| io_fail("CreateDomainDirs: r_mkdir", &d, e))?;
        steps.done.push(Undo::Dirs(created));
    }
    if let Some(n) = nd.users_per_level {
        write_setting(steps, ddir.join(".users_per_level"), &n.to_string(), owner)?;
    }
    if let Some(h) = &nd.hash_option {
        write_setting(steps, ddir.join("hash_method"), &format!("{h}\n"), owner)?;
    }
    if nd.write_base_path {
        write_setting(
            steps,
            ddir.join(".base_path"),
            &format!("{}\n", nd.base_path.display()),
            owner,
        )?;
    }

    let mut distributed_pm = None;
    if let Some(rec) = &nd.cluster {
        if cluster_step(cfg, nd, rec, steps)? {
            return Ok(());
        }
        if rec.distributed == 1 {
            distributed_pm = Some(crate::cluster::local_hostid(cfg).ok_or_else(|| {
                AppletError::new(111, "vadddomain: fatal: unable to get local hostid")
            })?);
        }
    }

    let domain = Domain {
        name: nd.name.clone(),
        uid: nd.uid,
        gid: nd.gid,
        dir: ddir,
    };
    let pm = NewUser {
        user: "postmaster".into(),
        password: nd.postmaster_password.clone(),
        hash: nd.hash,
        store_cram: nd.store_cram,
        gecos: Some("Postmaster".into()),
        quota: None,
        users_per_level: nd.users_per_level.unwrap_or(0),
        base_path: nd.base_path.clone(),
        create_home: true,
        inactive: false,
    };
    // The domain's dir_control row exists before the postmaster's transaction
    // locks it: concurrent vadddomain runs then lock distinct rows instead of
    // the same index gap (which deadlocks).
    let prefix = hashdir::control_prefix(&nd.base_path, "postmaster")
        .map_err(|e| io_fail("control_prefix", &nd.base_path, e))?;
    crate::db::dircontrol::store(db, &prefix, &nd.name, &hashdir::DirControl::initial())?;
    steps.done.push(Undo::DirControl(
        crate::db::dircontrol::table_name(&prefix)?,
        nd.name.clone(),
    ));
    let (mut row, _) = user::add(cfg, db, &domain, &pm)?;
    let home = PathBuf::from(&row.dir);
    steps.done.push(Undo::Dirs(vec![home]));
    if let Some(host) = distributed_pm {
        let mut m = crate::cluster::open_writer(cfg)?;
        if !crate::db::cluster::hostcntrl_insert(
            &mut m,
            "postmaster",
            &nd.name,
            &row.passwd,
            &host,
        )? {
            return Err(AppletError::new(
                111,
                format!("iadduser: username postmaster@{} exists", nd.name),
            ));
        }
        steps
            .done
            .push(Undo::HostCntrl("postmaster".into(), nd.name.clone()));
    }
    if let Some(q) = &nd.postmaster_quota {
        let shell = user::quota_string(q)
            .map_err(|e| AppletError::new(100, format!("vadddomain: {q}: {e}")))?;
        users::set_quota(db, "postmaster", &nd.name, &shell)?;
        row.shell = shell;
        user::recalc(&row, owner)
            .map_err(|e| AppletError::new(111, format!("vadddomain: recalc_quota: {e}")))?;
    }
    for id in ["abuse", "mailer-daemon"] {
        out(&format!(
            "Adding alias {id}@{0} --> postmaster@{0}",
            nd.name
        ));
        valias::insert(db, id, &nd.name, &format!("&postmaster@{}", nd.name))?;
    }
    Ok(())
}

/// vadddomain -c/-D: register this host as a mail store of the domain
/// (host_table when empty, dbinfo + mcdinfo). Ok(true): the domain is
/// distributed and its postmaster exists elsewhere in the cluster already,
/// so nothing more is to be done here.
fn cluster_step(
    cfg: &Config,
    nd: &NewDomain,
    rec: &crate::db::cluster::DbInfo,
    steps: &mut Steps<'_>,
) -> Result<bool, AppletError> {
    use crate::cluster;
    use crate::db::cluster as sql;
    let ip = cluster::local_ip(cfg)
        .ok_or_else(|| AppletError::new(111, "vadddomain: fatal: failed to get local IP"))?;
    let mut rec = rec.clone();
    rec.mdahost = ip.clone();
    let mut m = cluster::open_writer(cfg)?;
    if sql::host_list(&mut m)?.is_empty() {
        let host = cluster::local_hostid(cfg).ok_or_else(|| {
            AppletError::new(111, "vadddomain: fatal: unable to get local hostid")
        })?;
        sql::host_insert(&mut m, &host, &ip)?;
    }
    let path = cluster::mcd_path(cfg);
    let added = cluster::edit(cfg, &path, |master, f| {
        Ok(sql::dbinfo_insert(master, f, &rec)?)
    })?;
    if !added {
        return Err(AppletError::new(
            111,
            format!(
                "vadddomain: fatal: Failed to add {}domain{}",
                if rec.distributed == 1 {
                    "Clustered"
                } else {
                    "NonClustered"
                },
                nd.name
            ),
        ));
    }
    steps
        .done
        .push(Undo::DbInfo(nd.name.clone(), rec.mdahost.clone()));
    if rec.distributed == 1 {
        let mut control = cluster::open_control(cfg)?;
        if sql::hostcntrl_get(&mut control, "postmaster", &nd.name)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::{catch_all_target, mrh_compiled_prefix};
    use crate::assign::cdb::{CdbWriter, Layout};
    use crate::control;

    /// The keys of the lines after those `cdb` holds, if it holds exactly the keys of
    /// the text's first lines: by [`mrh_compiled_prefix`], and by reading every line.
    fn newer_keys(text: &[u8], cdb: &[u8]) -> (Option<Vec<String>>, Option<Vec<String>>) {
        let layout = Layout::parse(cdb).unwrap();
        let keys = |t: &[u8]| {
            let mut v = Vec::new();
            control::for_each_line(t, |l| v.push(l.to_ascii_lowercase()));
            v
        };
        let quick = mrh_compiled_prefix(text, cdb, &layout).map(|at| keys(&text[at..]));
        let all = keys(text);
        let n = layout.len();
        let same = all.len() >= n
            && layout
                .records(cdb)
                .zip(&all)
                .all(|((k, v), l)| k == l.as_bytes() && v.is_empty());
        (quick, same.then(|| all[n..].to_vec()))
    }

    fn compiled(text: &[u8]) -> Vec<u8> {
        let mut w = CdbWriter::new();
        control::for_each_line(text, |l| w.add(l.to_ascii_lowercase().as_bytes(), b""));
        w.finish()
    }

    /// Any one byte of morercpthosts changed, removed or doubled, against the cdb of
    /// its first lines: the quick comparison agrees with reading every line.
    #[test]
    fn morercpthosts_edits_noticed() {
        let text = b"a.test\nB.test # by hand\n\n  c.test \nd\xe9.test\n#x\ne.test\nf.test\ng.test";
        for lines in [0, 3, 5, 6, 7] {
            let head: Vec<u8> = text
                .split(|&b| b == b'\n')
                .take(lines)
                .flat_map(|l| [l, b"\n"].concat())
                .collect();
            let cdb = compiled(&head);
            let (quick, all) = newer_keys(text, &cdb);
            assert!(quick.is_some(), "{lines}");
            assert_eq!(quick, all, "{lines}");
            for at in 0..text.len() {
                for b in [b'\n', b'#', b' ', b'A', b'a', b'x', b'.', 0xe9] {
                    let mut t = text.to_vec();
                    t[at] = b;
                    let (quick, all) = newer_keys(&t, &cdb);
                    assert_eq!(quick, all, "{:?}", String::from_utf8_lossy(&t));
                }
                let mut t = text.to_vec();
                t.remove(at);
                let (quick, all) = newer_keys(&t, &cdb);
                assert_eq!(quick, all, "{:?}", String::from_utf8_lossy(&t));
            }
        }
        // values not empty, or a record more than the text has lines: not the file's cdb
        let mut w = CdbWriter::new();
        w.add(b"a.test", b"1");
        assert_eq!(newer_keys(b"a.test\n", &w.finish()), (None, None));
        assert_eq!(
            newer_keys(b"a.test\n", &compiled(b"a.test\nb.test\n")),
            (None, None)
        );
        // another tool's cdb holding a line as it stands where reading it changes it
        for line in [&b"B.test"[..], b"a#b", b" a", b"a\t", b"d\xe9"] {
            let mut w = CdbWriter::new();
            w.add(line, b"");
            let text = [line, b"\n"].concat();
            assert_eq!(newer_keys(&text, &w.finish()), (None, None), "{line:?}");
        }
    }

    #[test]
    fn catch_all_targets() {
        for (line, want) in [
            (
                "| /usr/sbin/vdelivermail '' bounce-no-mailbox\n",
                Some("bounce-no-mailbox"),
            ),
            (
                "|/home/vpopmail/bin/vdelivermail '' /h/d/pm",
                Some("/h/d/pm"),
            ),
            ("| vdelivermail '' a@b.c", Some("a@b.c")),
            ("| /usr/sbin/vfilter '' delete", Some("delete")),
            ("| /usr/sbin/vdelivermail '' a b", None),
            ("| /usr/sbin/vdelivermail x delete", None),
            ("&a@b.c", None),
            ("| preline procmail", None),
        ] {
            assert_eq!(catch_all_target(line), want, "{line}");
        }
    }
}
