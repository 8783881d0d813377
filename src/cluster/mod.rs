/*!
Clustered sites: a domain's users spread over several mail stores, each with
its own MySQL server, tied together by a central control database
(domains.md §2, §10).

* Three connections: the local database ([`Db::open`], `host.mysql`), the
  central control database ([`open_control`], `CNTRL_HOST` / `host.cntrl`)
  and the master ([`open_master`], `MASTER_HOST` / `host.master`; a site
  without it is not clustered). Control and master take their missing fields
  from the `CNTRL_*` variables.
* [`load`]: the `dbinfo` records (which MySQL server holds a domain's users
  on which mail store) from the `mcdinfo` file, kept in step with the
  master's `dbinfo` table as the original's `LoadDbInfo` does: the newer side
  wins. Every reader and writer holds the file's lock (`<mcdinfo>.pre.1`, the
  control-file lock), so two processes never interleave; the file is always
  replaced by writing a new one and renaming it over the old.
* [`locate`]: which store holds a user of a distributed domain (`hostcntrl`,
  `host_table` and the store's own table), refusing to guess when the user
  is on two stores or its store is down; [`user_db`] opens that store.
*/

pub mod mcdinfo;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::config::{env_nonempty, first_line, Config};
use crate::control;
use crate::db::cluster::{self as sql, DbInfo};
use crate::db::{users, ConnSpec, Db, DbError, Role};

/// What can go wrong on a clustered site.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// A bad `mcdinfo` file (the loader's message) or an unreadable/unwritable one.
    #[error("{0}")]
    Mcd(String),
    /// The user's mail store cannot be reached.
    #[error(
        "{user}@{domain}: mail store {mdahost} (MySQL {server}:{port}) is not reachable: {reason}"
    )]
    StoreDown {
        user: String,
        domain: String,
        mdahost: String,
        server: String,
        port: i32,
        reason: String,
    },
    /// The user has rows on more than one store: never pick one silently.
    #[error("{user}@{domain} is present on more than one mail store ({stores}); remove the stale copy first")]
    Duplicate {
        user: String,
        domain: String,
        stores: String,
    },
    /// Anything else that stops the operation (exit code, message).
    #[error("{1}")]
    Other(i32, String),
}

impl ClusterError {
    pub fn exit_code(&self) -> i32 {
        match self {
            ClusterError::Db(e) => e.exit_code(),
            ClusterError::Other(c, _) => *c,
            _ => 111,
        }
    }
}

impl From<ClusterError> for crate::cli::AppletError {
    fn from(e: ClusterError) -> Self {
        crate::cli::AppletError::new(e.exit_code(), e.to_string())
    }
}

pub type ClusterResult<T> = Result<T, ClusterError>;

/// The `mcdinfo` path: `MCDFILE` (relative names under CONTROLDIR), default `CONTROLDIR/mcdinfo`.
pub fn mcd_path(cfg: &Config) -> PathBuf {
    let name = env_nonempty("MCDFILE").unwrap_or_else(|| "mcdinfo".into());
    mcd_path_of(cfg, &name)
}

/// A given mcdinfo name: absolute or `./`-relative as is, else under CONTROLDIR.
pub fn mcd_path_of(cfg: &Config, name: &str) -> PathBuf {
    if name.starts_with('/') || name.starts_with('.') {
        PathBuf::from(name)
    } else {
        cfg.control(name)
    }
}

/// A control-style connection string: `env`, else the first line of
/// `CONTROLDIR/file`; Ok(None) when neither exists.
fn control_string(cfg: &Config, env: &str, file: &str) -> Result<Option<String>, DbError> {
    if let Some(h) = env_nonempty(env) {
        return Ok(Some(h));
    }
    let path = cfg.control(file);
    match first_line(&path) {
        Ok(Some(l)) if !l.trim().is_empty() => Ok(Some(l.trim().to_string())),
        Ok(Some(_)) => Err(DbError::Config(format!(
            "open_central_db: {}: incomplete line",
            path.display()
        ))),
        Ok(None) => Ok(None),
        Err(e) => Err(DbError::Invalid(format!("{}: {e}", path.display()))),
    }
}

/// The central control database: `CNTRL_HOST`, `host.cntrl`, else `localhost`.
pub fn control_spec(cfg: &Config) -> Result<ConnSpec, DbError> {
    let raw =
        control_string(cfg, "CNTRL_HOST", "host.cntrl")?.unwrap_or_else(|| "localhost".into());
    Ok(ConnSpec::parse_as(&raw, Role::Control))
}

/// The master database (`MASTER_HOST`, `host.master`); None: the site is not clustered.
pub fn master_spec(cfg: &Config) -> Result<Option<ConnSpec>, DbError> {
    Ok(control_string(cfg, "MASTER_HOST", "host.master")?
        .map(|raw| ConnSpec::parse_as(&raw, Role::Control)))
}

pub fn open_control(cfg: &Config) -> Result<Db, DbError> {
    Db::connect(control_spec(cfg)?)
}

pub fn open_master(cfg: &Config) -> Result<Option<Db>, DbError> {
    match master_spec(cfg)? {
        Some(s) => Db::connect(s).map(Some),
        None => Ok(None),
    }
}

/// Is anything clustered configured (an mcdinfo file or a master)?
pub fn configured(cfg: &Config) -> bool {
    mcd_path(cfg).exists()
        || env_nonempty("MASTER_HOST").is_some()
        || cfg.control("host.master").exists()
}

/// The connection string of a store record.
pub fn store_spec(r: &DbInfo) -> ConnSpec {
    let raw = format!(
        "{}:{}:{}:{}:{}",
        r.server,
        r.user,
        r.password,
        r.port,
        if r.use_ssl != 0 { "ssl" } else { "nossl" }
    );
    let mut spec = ConnSpec::parse(&raw);
    spec.database = r.database.clone();
    spec.connect_timeout = std::time::Duration::from_secs(
        env_nonempty("STORE_CONNECT_TIMEOUT")
            .and_then(|t| t.parse().ok())
            .unwrap_or(10),
    );
    spec
}

fn mtime(path: &Path) -> Option<i64> {
    std::fs::metadata(path).ok().map(|m| m.mtime())
}

fn read_file(path: &Path) -> ClusterResult<Option<Vec<DbInfo>>> {
    match std::fs::read_to_string(path) {
        Ok(t) => mcdinfo::parse(&t, &path.display().to_string())
            .map(Some)
            .map_err(ClusterError::Mcd),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ClusterError::Mcd(format!(
            "LoadDbInfo: {}: {e}",
            path.display()
        ))),
    }
}

/// Replace the file with `records` (a new file renamed over the old one),
/// modification time `mtime`. The caller holds the lock.
pub fn write_file(cfg: &Config, path: &Path, records: &[DbInfo], mtime: i64) -> ClusterResult<()> {
    let owner = cfg
        .indimail_ids()
        .ok()
        .filter(|_| crate::sys::geteuid() == 0);
    let text = mcdinfo::render(records);
    control::write_atomic(path, text.as_bytes(), 0o644, owner)
        .map_err(|e| ClusterError::Mcd(format!("writemcdinfo: {e}")))?;
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime.max(0) as u64);
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| {
            f.set_times(
                std::fs::FileTimes::new()
                    .set_modified(t)
                    .set_accessed(std::time::SystemTime::now()),
            )
        })
        .map_err(|e| ClusterError::Mcd(format!("writemcdinfo: {}: {e}", path.display())))
}

/// Hold the mcdinfo lock for the life of the value.
pub fn lock(path: &Path) -> ClusterResult<control::FileLock> {
    control::lock(path).map_err(|e| ClusterError::Mcd(format!("LoadDbInfo: {e}")))
}

/// Bring file and master table in step (the caller holds the lock) and
/// return the file's records. With no master (or an unreachable one) the
/// file alone is used.
fn sync_locked(cfg: &Config, path: &Path) -> ClusterResult<Vec<DbInfo>> {
    let file = read_file(path)?;
    let master = match open_master(cfg) {
        Ok(Some(m)) => Some(m),
        Ok(None) => None,
        Err(DbError::Config(m)) => return Err(ClusterError::Db(DbError::Config(m))),
        Err(_) => None,
    };
    let Some(mut master) = master else {
        return Ok(file.unwrap_or_default());
    };
    let fname = path.display().to_string();
    let table_time = sql::dbinfo_mtime(&mut master, &fname)?;
    let file_time = file.as_ref().and_then(|_| mtime(path));
    match (file, file_time, table_time) {
        (Some(f), Some(ft), Some(tt)) if ft == tt => Ok(f),
        (Some(f), Some(ft), tt) if tt.map_or(true, |tt| ft > tt) => {
            sql::dbinfo_replace_all(&mut master, &fname, &f, ft)?;
            Ok(f)
        }
        (_, _, Some(tt)) => {
            let rows = sql::dbinfo_rows(&mut master, &fname)?;
            write_file(cfg, path, &rows, tt)?;
            Ok(rows)
        }
        (f, _, None) => Ok(f.unwrap_or_default()),
    }
}

/// Every store record (file, master table and the synthetic local ones).
pub fn load(cfg: &Config) -> ClusterResult<Vec<DbInfo>> {
    load_at(cfg, &mcd_path(cfg))
}

/// [`load`] with an explicit mcdinfo path.
pub fn load_at(cfg: &Config, path: &Path) -> ClusterResult<Vec<DbInfo>> {
    let path = path.to_path_buf();
    let mut records = if master_spec(cfg)?.is_some() {
        match lock(&path) {
            Ok(_l) => sync_locked(cfg, &path)?,
            // A reader without the right to take the lock (a command running
            // as the domain's user) reads the file as it is.
            Err(_) => read_file(&path)?.unwrap_or_default(),
        }
    } else {
        read_file(&path)?.unwrap_or_default()
    };
    records.extend(local_records(cfg, &records));
    Ok(records)
}

/// Change the master's `dbinfo` rows and the file together, under the lock:
/// `f` edits the row set of this file (returning what to report); the table
/// and then the file are rewritten from it.
pub fn edit<T>(
    cfg: &Config,
    path: &Path,
    f: impl FnOnce(&mut Db, &str) -> ClusterResult<T>,
) -> ClusterResult<T> {
    let path = path.to_path_buf();
    let _l = lock(&path)?;
    let Some(mut master) = open_master(cfg)? else {
        return Err(ClusterError::Other(
            1,
            format!(
                "{}: no master database (host.master): not a clustered site",
                cfg.control("host.master").display()
            ),
        ));
    };
    // First make the table current with any newer file.
    sync_locked(cfg, &path)?;
    let fname = path.display().to_string();
    let result = f(&mut master, &fname)?;
    let rows = sql::dbinfo_rows(&mut master, &fname)?;
    let t = sql::dbinfo_mtime(&mut master, &fname)?.unwrap_or_else(crate::db::now);
    write_file(cfg, &path, &rows, t)?;
    Ok(result)
}

/// Records for the local domains not named in `known` (never written anywhere).
fn local_records(cfg: &Config, known: &[DbInfo]) -> Vec<DbInfo> {
    let Ok(spec) = ConnSpec::local(cfg) else {
        return Vec::new();
    };
    let ip = local_ip(cfg).unwrap_or_else(|| "localhost".into());
    let entries = crate::assign::list_domains(&cfg.assigndir).unwrap_or_default();
    let mut out = Vec::new();
    for e in entries {
        if std::fs::symlink_metadata(&e.dir).is_ok_and(|m| m.file_type().is_symlink())
            || known.iter().any(|k| k.domain == e.domain)
            || out.iter().any(|k: &DbInfo| k.domain == e.domain)
        {
            continue;
        }
        out.push(DbInfo {
            domain: e.domain,
            distributed: 0,
            server: spec.host.clone(),
            mdahost: ip.clone(),
            port: i32::from(spec.port),
            use_ssl: i32::from(spec.ssl),
            database: spec.database.clone(),
            user: spec.user.clone(),
            password: spec.password.clone(),
            local: true,
        });
    }
    out
}

/// The local host id (`CONTROLDIR/hostid`, else gethostid()).
pub fn local_hostid(cfg: &Config) -> Option<String> {
    crate::ops::domaininfo::local_hostid(cfg)
}

/// The local IP (`CONTROLDIR/hostip`, else the host name's address).
pub fn local_ip(cfg: &Config) -> Option<String> {
    crate::ops::domaininfo::local_ip(cfg)
}

/// Is `domain` distributed according to `records`?
pub fn is_distributed(records: &[DbInfo], domain: &str) -> bool {
    records
        .iter()
        .any(|r| r.domain == domain && r.distributed == 1)
}

/// The stores of a domain.
pub fn stores<'a>(records: &'a [DbInfo], domain: &str) -> Vec<&'a DbInfo> {
    records
        .iter()
        .filter(|r| r.domain == domain && !r.local)
        .collect()
}

/// The record of (mdahost, domain): the original's `SqlServer`.
pub fn store_for(records: &[DbInfo], mdahost: &str, domain: &str) -> Option<DbInfo> {
    records
        .iter()
        .find(|r| r.domain == domain && r.mdahost == mdahost)
        .cloned()
}

/// Where a user of a distributed domain lives.
#[derive(Debug, Clone)]
pub struct Located {
    /// The store holding the user's row; None when no store has it.
    pub store: Option<DbInfo>,
    /// The store `hostcntrl` names for the user (or the domain's `*` default).
    pub designated: Option<DbInfo>,
    pub hostid: Option<String>,
}

fn down(user: &str, domain: &str, s: &DbInfo, e: &DbError) -> ClusterError {
    ClusterError::StoreDown {
        user: user.into(),
        domain: domain.into(),
        mdahost: s.mdahost.clone(),
        server: s.server.clone(),
        port: s.port,
        reason: e.to_string(),
    }
}

/// What the stores of a distributed domain say about a user.
struct Scan {
    found: Vec<DbInfo>,
    unreachable: Vec<(DbInfo, DbError)>,
    designated: Option<DbInfo>,
    hostid: Option<String>,
}

fn scan(cfg: &Config, records: &[DbInfo], user: &str, domain: &str) -> ClusterResult<Scan> {
    let mut control = open_control(cfg)?;
    let hostid = match sql::hostcntrl_get(&mut control, user, domain)? {
        Some(r) => Some(r.2),
        None => sql::hostcntrl_get(&mut control, "*", domain)?.map(|r| r.2),
    };
    let designated = match &hostid {
        Some(h) => sql::host_ip(&mut control, h)?.and_then(|ip| store_for(records, &ip, domain)),
        None => None,
    };
    let mut found: Vec<DbInfo> = Vec::new();
    let mut unreachable = Vec::new();
    for s in stores(records, domain) {
        match Db::connect(store_spec(s)) {
            Ok(mut db) => {
                if users::get(&mut db, user, domain)?.is_some() {
                    found.push(s.clone());
                }
            }
            Err(e) => unreachable.push((s.clone(), e)),
        }
    }
    if found.len() > 1 {
        let names: Vec<String> = found.iter().map(|s| s.mdahost.clone()).collect();
        return Err(ClusterError::Duplicate {
            user: user.into(),
            domain: domain.into(),
            stores: names.join(", "),
        });
    }
    Ok(Scan {
        found,
        unreachable,
        designated,
        hostid,
    })
}

/// Find the store of `user@domain` (a distributed domain): the row on every
/// reachable store of the domain is checked, so a user on two stores is
/// reported, never resolved by guessing; an unreachable store that might
/// hold the user (its `hostcntrl` store, or any store when it has no row)
/// is an error.
pub fn locate(
    cfg: &Config,
    records: &[DbInfo],
    user: &str,
    domain: &str,
) -> ClusterResult<Located> {
    let sc = scan(cfg, records, user, domain)?;
    if sc.found.is_empty() {
        let suspect = sc.unreachable.iter().find(|(s, _)| match &sc.designated {
            Some(d) => d == s,
            None => sc.hostid.is_none(),
        });
        if let Some((s, e)) = suspect {
            return Err(down(user, domain, s, e));
        }
    }
    Ok(Located {
        store: sc.found.into_iter().next(),
        designated: sc.designated,
        hostid: sc.hostid,
    })
}

/// The database holding `user@domain`: the local one, or for a distributed
/// domain the user's mail store (see [`locate`]).
pub fn user_db(cfg: &Config, user: &str, domain: &str) -> ClusterResult<Db> {
    user_store(cfg, user, domain).map(|(db, _)| db)
}

/// [`user_db`], and the mail store it opened (None: the local database).
pub fn user_store(cfg: &Config, user: &str, domain: &str) -> ClusterResult<(Db, Option<DbInfo>)> {
    if !configured(cfg) {
        return Ok((Db::open(cfg)?, None));
    }
    let real = crate::domain::real_domain(cfg, domain).ok().flatten();
    let domain = real.as_deref().unwrap_or(domain);
    let records = load(cfg)?;
    if !is_distributed(&records, domain) {
        return Ok((Db::open(cfg)?, None));
    }
    let loc = locate(cfg, &records, user, domain)?;
    match loc.store.or(loc.designated) {
        Some(s) => {
            let db = open_store(cfg, &s).map_err(|e| down(user, domain, &s, &e))?;
            Ok((db, Some(s)))
        }
        None => Ok((Db::open(cfg)?, None)),
    }
}

/// Open a mail store's database for writing: its committed changes are
/// published to this host's inlookup flush log like the local database's.
pub fn open_store(cfg: &Config, s: &DbInfo) -> Result<Db, DbError> {
    Db::connect_for(cfg, store_spec(s))
}

/// Where the rows of an address (a user or a valias alias) live, by its own
/// `hostcntrl` row only: the original's `sqlOpen_user`/`findhost`, which
/// inlookup and valias use (no scan of every store, no `*` default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Not a clustered site, or the domain is not distributed: the local database.
    Local,
    /// A distributed domain, but `hostcntrl` has no row for the address.
    Unregistered,
    /// `hostcntrl` names `hostid` (IP `ip` in host_table); `store` is that
    /// host's dbinfo record for the domain; None: the host has no record, its
    /// rows are in the local database (as [`user_db`] decides).
    Registered {
        hostid: String,
        ip: Option<String>,
        store: Option<Box<DbInfo>>,
    },
}

impl Route {
    /// The mail store named by the route, if any.
    pub fn store(&self) -> Option<&DbInfo> {
        match self {
            Route::Registered { store, .. } => store.as_deref(),
            _ => None,
        }
    }
}

/// The [`Route`] of `user@domain` (`domain`: the real domain) given the records.
pub fn route_in(
    cfg: &Config,
    records: &[DbInfo],
    user: &str,
    domain: &str,
) -> ClusterResult<Route> {
    if !is_distributed(records, domain) {
        return Ok(Route::Local);
    }
    route_on(&mut open_control(cfg)?, records, user, domain)
}

/// [`route_in`] of a distributed domain's address with an open control connection.
fn route_on(
    control: &mut Db,
    records: &[DbInfo],
    user: &str,
    domain: &str,
) -> ClusterResult<Route> {
    let Some(row) = sql::hostcntrl_get(control, user, domain)? else {
        return Ok(Route::Unregistered);
    };
    let hostid = row.2;
    let ip = sql::host_ip(control, &hostid)?;
    let store = ip
        .as_deref()
        .and_then(|ip| store_for(records, ip, domain))
        .map(Box::new);
    Ok(Route::Registered { hostid, ip, store })
}

/// The addresses `emails` (`user@domain`, one real domain) grouped by the
/// database that holds them ([`Route`]): the local database first. An
/// unregistered address of a distributed domain is passed to `unknown` and
/// left out (the original's `No such user`); a store that cannot be reached
/// is an error.
pub fn group_by_store(
    cfg: &Config,
    domain: &str,
    emails: &[String],
    unknown: &mut dyn FnMut(&str),
) -> ClusterResult<Vec<(Db, Vec<String>)>> {
    let records = if configured(cfg) {
        load(cfg)?
    } else {
        Vec::new()
    };
    if !is_distributed(&records, domain) {
        return Ok(vec![(Db::open(cfg)?, emails.to_vec())]);
    }
    let mut control = open_control(cfg)?;
    let mut groups: Vec<(Option<DbInfo>, Vec<String>)> = vec![(None, Vec::new())];
    for e in emails {
        let user = e.rsplit_once('@').map_or(e.as_str(), |(u, _)| u);
        let store = match route_on(&mut control, &records, user, domain)? {
            Route::Registered { store, .. } => store.map(|s| *s),
            _ => {
                unknown(e);
                continue;
            }
        };
        match groups.iter_mut().find(|(s, _)| *s == store) {
            Some((_, list)) => list.push(e.clone()),
            None => groups.push((store, vec![e.clone()])),
        }
    }
    let mut out = Vec::new();
    for (store, list) in groups.into_iter().filter(|(_, l)| !l.is_empty()) {
        let db = match &store {
            Some(s) => open_store(cfg, s).map_err(|err| {
                let user = list[0].rsplit_once('@').map_or("", |(u, _)| u);
                down(user, domain, s, &err)
            })?,
            None => Db::open(cfg)?,
        };
        out.push((db, list));
    }
    Ok(out)
}

/// The [`Route`] of `user@domain` (`domain`: the real domain).
pub fn route(cfg: &Config, user: &str, domain: &str) -> ClusterResult<Route> {
    if !configured(cfg) {
        return Ok(Route::Local);
    }
    route_in(cfg, &load(cfg)?, user, domain)
}

/// The database a [`Route`] leads to (`user@domain` names it in the error
/// when its store cannot be reached). An unregistered address of a
/// distributed domain reads the local database, as the original does.
pub fn open_route(cfg: &Config, r: &Route, user: &str, domain: &str) -> ClusterResult<Db> {
    match r.store() {
        Some(s) => open_store(cfg, s).map_err(|e| down(user, domain, s, &e)),
        None => Ok(Db::open(cfg)?),
    }
}

/// The database of this host's own mail store of `domain`: its dbinfo record
/// for the local IP when the domain is distributed and has one, else the
/// local database. Commands that work on mail directories (which only this
/// host can reach) use the users of this store only.
pub fn local_store_db(cfg: &Config, domain: &str) -> ClusterResult<(Db, Option<DbInfo>)> {
    if !configured(cfg) {
        return Ok((Db::open(cfg)?, None));
    }
    let records = load(cfg)?;
    if !is_distributed(&records, domain) {
        return Ok((Db::open(cfg)?, None));
    }
    match local_ip(cfg).and_then(|ip| store_for(&records, &ip, domain)) {
        Some(s) => {
            let db = open_store(cfg, &s).map_err(|e| {
                ClusterError::Other(
                    111,
                    format!(
                        "{domain}: this host's mail store {} (MySQL {}:{}) is not reachable: {e}",
                        s.mdahost, s.server, s.port
                    ),
                )
            })?;
            Ok((db, Some(s)))
        }
        None => Ok((Db::open(cfg)?, None)),
    }
}

/// How vrenameuser renames `old` to `new` on a clustered site.
pub struct RenamePlan {
    /// The database holding the old address; the new one will be in it too.
    pub db: Db,
    /// The old address's domain is distributed: its hostcntrl row goes.
    pub old_registered: bool,
    /// The new address's domain is distributed: its hostcntrl row (this host id).
    pub new_host: Option<String>,
}

/// The (server, port, database) a store record or (None) the local database names.
fn database_of(cfg: &Config, s: Option<&DbInfo>) -> Option<(String, i64, String)> {
    match s {
        Some(s) => Some((s.server.clone(), i64::from(s.port), s.database.clone())),
        None => ConnSpec::local(cfg)
            .ok()
            .map(|l| (l.host, i64::from(l.port), l.database)),
    }
}

/// Plan a rename of `old_user@old_dom` to `new_user@new_dom` (real domains):
/// the row is renamed where it is, so the new address must belong in the same
/// database: the old store's record of the new domain (same mail store host)
/// for a distributed new domain, the local database for a non-distributed
/// one. Anything else would move the user between stores: refused (exit 1).
/// The new address must not exist in hostcntrl or on a store of its domain.
pub fn rename_plan(
    cfg: &Config,
    old_user: &str,
    old_dom: &str,
    new_user: &str,
    new_dom: &str,
) -> ClusterResult<RenamePlan> {
    if !configured(cfg) {
        return Ok(RenamePlan {
            db: Db::open(cfg)?,
            old_registered: false,
            new_host: None,
        });
    }
    let records = load(cfg)?;
    let (old_dist, new_dist) = (
        is_distributed(&records, old_dom),
        is_distributed(&records, new_dom),
    );
    if !old_dist && !new_dist {
        return Ok(RenamePlan {
            db: Db::open(cfg)?,
            old_registered: false,
            new_host: None,
        });
    }
    let mut control = open_control(cfg)?;
    let old_store = if old_dist {
        let loc = locate(cfg, &records, old_user, old_dom)?;
        loc.store.or(loc.designated)
    } else {
        None
    };
    let old_host = match &old_store {
        Some(s) => Some(s.mdahost.clone()),
        None => local_ip(cfg),
    };
    let new_store = if new_dist {
        old_host
            .as_deref()
            .and_then(|ip| store_for(&records, ip, new_dom))
    } else {
        None
    };
    if database_of(cfg, old_store.as_ref()) != database_of(cfg, new_store.as_ref()) {
        let name = |s: &Option<DbInfo>| match s {
            Some(s) => format!(
                "mail store {} ({}:{}/{})",
                s.mdahost, s.server, s.port, s.database
            ),
            None => "the local database".to_string(),
        };
        return Err(ClusterError::Other(
            1,
            format!(
                "vrenameuser: {old_user}@{old_dom} is in {}, {new_user}@{new_dom} would be in {}: moving a user between mail stores is not supported",
                name(&old_store),
                name(&new_store)
            ),
        ));
    }
    let new_host = if new_dist {
        let exists = || ClusterError::Other(1, format!("vrenameuser: {new_user}@{new_dom} exists"));
        if sql::hostcntrl_get(&mut control, new_user, new_dom)?.is_some() {
            return Err(exists());
        }
        // Rows on any reachable store count too (hostcntrl may lag behind), as for vadduser.
        if !scan(cfg, &records, new_user, new_dom)?.found.is_empty() {
            return Err(exists());
        }
        let host = match &new_store {
            Some(s) => sql::host_id(&mut control, &s.mdahost)?,
            None => local_hostid(cfg),
        };
        Some(host.ok_or_else(|| {
            ClusterError::Other(
                111,
                format!("vrenameuser: no host id for the mail store of {new_user}@{new_dom}"),
            )
        })?)
    } else {
        None
    };
    let db = match &old_store {
        Some(s) => open_store(cfg, s).map_err(|e| down(old_user, old_dom, s, &e))?,
        None => Db::open(cfg)?,
    };
    Ok(RenamePlan {
        db,
        old_registered: old_dist,
        new_host,
    })
}

/// Is the domain distributed (a clustered site's mcdinfo/dbinfo says so)?
pub fn domain_is_distributed(cfg: &Config, domain: &str) -> ClusterResult<bool> {
    if !configured(cfg) {
        return Ok(false);
    }
    Ok(is_distributed(&load(cfg)?, domain))
}

/// After a user of a distributed domain was deleted from its store: drop its `hostcntrl` row.
pub fn forget_user(cfg: &Config, user: &str, domain: &str) -> ClusterResult<()> {
    if let Some(mut m) = open_master(cfg)? {
        sql::hostcntrl_delete(&mut m, user, domain)?;
    }
    Ok(())
}

/// Where the control tables are written: the master, else (a site without
/// `host.master`) the control database itself.
pub fn open_writer(cfg: &Config) -> Result<Db, DbError> {
    match open_master(cfg)? {
        Some(m) => Ok(m),
        None => open_control(cfg),
    }
}

/// Where a new user goes and what the control database must learn about it.
pub struct NewUserTarget {
    /// The database to add the row to (a mail store's, or the local one).
    pub db: Db,
    /// The store chosen with -M/-H.
    pub store: Option<DbInfo>,
    /// For a distributed domain: the master and the host id for `hostcntrl`.
    pub cntrl: Option<(Db, String)>,
}

/// Choose the database for a new `user@domain` (vadduser, -M mdahost / -H hostid).
/// For a distributed domain the user must not exist on any store yet.
pub fn new_user_target(
    cfg: &Config,
    user: &str,
    domain: &str,
    mdahost: Option<&str>,
    hostid: Option<&str>,
) -> ClusterResult<NewUserTarget> {
    let chosen = mdahost.is_some() || hostid.is_some();
    if !configured(cfg) {
        if chosen {
            return Err(ClusterError::Other(
                1,
                format!(
                    "{}: not a clustered site (no {} and no host.master): -M/-H cannot be used",
                    domain,
                    mcd_path(cfg).display()
                ),
            ));
        }
        return Ok(NewUserTarget {
            db: Db::open(cfg)?,
            store: None,
            cntrl: None,
        });
    }
    let records = load(cfg)?;
    let mut store = None;
    let mut ip = mdahost.map(str::to_string);
    if chosen {
        let mut control = open_control(cfg)?;
        if ip.is_none() {
            let h = hostid.unwrap_or_default();
            ip = Some(sql::host_ip(&mut control, h)?.ok_or_else(|| {
                ClusterError::Other(
                    1,
                    format!("Failed to obtain mdahost for host {h} domain {domain}"),
                )
            })?);
        }
        let m = ip.clone().unwrap_or_default();
        store = Some(store_for(&records, &m, domain).ok_or_else(|| {
            ClusterError::Other(
                1,
                format!("Failed to obtain sqlserver for mdahost {m} domain {domain}"),
            )
        })?);
    }
    let db = match &store {
        Some(s) => open_store(cfg, s).map_err(|e| down(user, domain, s, &e))?,
        None => Db::open(cfg)?,
    };
    let cntrl = if is_distributed(&records, domain) {
        let master = open_master(cfg)?
            .ok_or_else(|| ClusterError::Other(111, "iadduser: Failed to open Master Db".into()))?;
        let host = match (hostid, &ip) {
            (Some(h), _) => h.to_string(),
            (None, Some(ip)) => {
                let mut control = open_control(cfg)?;
                sql::host_id(&mut control, ip)?.ok_or_else(|| {
                    ClusterError::Other(
                        111,
                        format!("iadduser-sql_gethostid: Unable to get hostid for {ip}"),
                    )
                })?
            }
            (None, None) => local_hostid(cfg).ok_or_else(|| {
                ClusterError::Other(
                    111,
                    "iadduser-sql_gethostid: unable to get local hostid".into(),
                )
            })?,
        };
        let mut control = open_control(cfg)?;
        let exists =
            || ClusterError::Other(100, format!("iadduser: username {user}@{domain} exists"));
        if sql::hostcntrl_get(&mut control, user, domain)?.is_some() {
            return Err(exists());
        }
        // Rows on any reachable store count too (hostcntrl may lag behind).
        if !scan(cfg, &records, user, domain)?.found.is_empty() {
            return Err(exists());
        }
        Some((master, host))
    } else {
        None
    };
    Ok(NewUserTarget { db, store, cntrl })
}

/// After the row of a new user of a distributed domain was added: record
/// its host in `hostcntrl`. Another process that registered the same user
/// first wins and our row is removed again; with the master unreachable the
/// row keeps the ADD flag for `hostsync`.
pub fn register_new_user(
    db: &mut Db,
    cntrl: Option<&mut (Db, String)>,
    user: &str,
    domain: &str,
) -> ClusterResult<()> {
    let Some((master, host)) = cntrl else {
        return Ok(());
    };
    let passwd = users::get(db, user, domain)?
        .map(|(r, _)| r.passwd)
        .unwrap_or_default();
    match sql::hostcntrl_insert(master, user, domain, &passwd, host) {
        Ok(true) => Ok(()),
        Ok(false) => {
            users::delete(db, user, domain)?;
            Err(ClusterError::Other(
                111,
                format!("iadduser: username {user}@{domain} exists"),
            ))
        }
        Err(e) => {
            users::set_uid_flag(db, user, domain, 2)?;
            Err(ClusterError::Other(
                111,
                format!("iadduser: {user}@{domain} added, but hostcntrl was not updated ({e}); run hostsync -d {domain}"),
            ))
        }
    }
}

/// vdeldomain on a clustered site: this host stops being a mail store of
/// `domain`: its users' `hostcntrl` rows (distributed domains) and its dbinfo
/// record (mdahost = the local IP) go; the mcdinfo file is rewritten, never
/// removed.
pub fn forget_local_store(cfg: &Config, domain: &str, distributed: bool) -> ClusterResult<()> {
    let ip = local_ip(cfg)
        .ok_or_else(|| ClusterError::Other(1, "vdeldomain: failed to get local ipaddr".into()))?;
    if distributed {
        if let (Some(mut m), Some(host)) = (open_master(cfg)?, local_hostid(cfg)) {
            sql::hostcntrl_delete_domain(&mut m, domain, &host)?;
        }
    }
    let path = mcd_path(cfg);
    edit(cfg, &path, |m, f| {
        Ok(sql::dbinfo_delete(m, f, domain, &ip)?)
    })?;
    Ok(())
}

/// Default SMTP route port: 25, or QMTP's 209 with `ROUTES=qmtp`.
fn default_route_port() -> i64 {
    if crate::config::env_or("ROUTES", "") == "qmtp" {
        209
    } else {
        25
    }
}

/// inlookup's HOST query on a clustered site (servers.md 1.5.4): the route
/// `domain:host:port` of `user@domain` (`domain` as asked). Ok(None): not a
/// clustered domain, the caller answers as for a single host; Ok(Some(None)):
/// no such user. A distributed domain's host is the user's `hostcntrl` host
/// (else the domain's `*` row) resolved through `host_table`, the port its
/// `smtp_port` row for this host's IP, else the `*` row, else the default; a
/// non-distributed domain with a dbinfo record routes to that record's mail store.
pub fn host_route(
    cfg: &Config,
    db: &mut Db,
    user: &str,
    domain: &str,
) -> ClusterResult<Option<Option<String>>> {
    if !configured(cfg) {
        return Ok(None);
    }
    let real = crate::domain::real_domain(cfg, domain)
        .ok()
        .flatten()
        .unwrap_or_else(|| domain.to_string());
    let records = load(cfg)?;
    if !is_distributed(&records, &real) {
        let Some(rec) = stores(&records, &real).into_iter().next().cloned() else {
            return Ok(None);
        };
        if users::get(db, user, &real)?.is_none() {
            return Ok(Some(None));
        }
        return Ok(Some(Some(format!(
            "{domain}:{}:{}",
            rec.mdahost,
            default_route_port()
        ))));
    }
    let mut control = open_control(cfg)?;
    let host = match sql::hostcntrl_get(&mut control, user, &real)? {
        Some(r) => r.2,
        None => match sql::hostcntrl_get(&mut control, "*", &real)? {
            Some(r) => r.2,
            None => return Ok(Some(None)),
        },
    };
    let Some(ip) = sql::host_ip(&mut control, &host)? else {
        return Ok(Some(None));
    };
    let local = local_ip(cfg).unwrap_or_default();
    let rows = sql::smtp_port_rows(&mut control, &real)?;
    let port_of = |src: &str| {
        rows.iter()
            .find(|(h, s, _)| *h == host && s == src)
            .map(|r| r.2)
    };
    let port = port_of(&local)
        .or_else(|| port_of("*"))
        .filter(|p| *p > 0)
        .unwrap_or_else(default_route_port);
    Ok(Some(Some(format!("{domain}:{ip}:{port}"))))
}

/// Install `records` as the whole record set of the mcdinfo file at `path`:
/// file and (when there is a master) table, same time stamp, under the lock.
pub fn replace_all(cfg: &Config, path: &Path, records: &[DbInfo]) -> ClusterResult<()> {
    let _l = lock(path)?;
    let now = crate::db::now();
    write_file(cfg, path, records, now)?;
    if let Some(mut m) = open_master(cfg)? {
        sql::dbinfo_replace_all(&mut m, &path.display().to_string(), records, now)?;
    }
    Ok(())
}
