/*!
Bulk provisioning (`vbulk`): many users from one CSV or JSON-lines file.

Three phases:

1. **Parse and validate every line** with the rules `vadduser` applies (name
   rules of `iadduser`, the domain exists, the quota parses, no address twice
   in the file). Any bad line stops everything before a single write; all bad
   lines are reported with their line numbers.
2. **Hash** clear-text passwords on every core (scoped threads), one batch
   ahead of the database, so hashing and inserting overlap.
3. **Insert** in transactions of a few hundred users: the home directories are
   allocated with the same `dir_control` allocator and backfill list as
   `vadduser` (see [`crate::ops::user`]), the rows and `lastauth` records are
   written with multi-row statements, and with `-d` the Maildirs are made while
   the transaction is open. A failing batch is rolled back (rows, allocator
   state, created directories, taken backfill slots); the batches before it
   stay, so running the same file again resumes: users that already exist are
   skipped and counted.
*/

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::address::{has_uppercase, split_email, validate_new_user, MAX_PW_DIR, MAX_PW_NAME};
use crate::cli::AppletError;
use crate::config::Config;
use crate::db::users::{self, Status, UserRow};
use crate::db::{bulk, dircontrol, lastauth, vlimits, Db};
use crate::domain::{self, Domain};
use crate::mailstore::hashdir::{self, DirControl};
use crate::mailstore::{maildir, quota};
use crate::ops::user::{self, Password, RowFields};
use crate::passwd::{self, HashMethod};
use crate::sys;

/// Input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `email,password_or_hash[,quota[,gecos]]`, RFC 4180 quoting, `#` comments.
    Csv,
    /// One JSON object per line: `email`, `password`, optional `quota`, `gecos`.
    Jsonl,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "jsonl" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
    /// The format a file name suggests (`.jsonl`/`.json`, else CSV).
    pub fn from_name(name: &str) -> Format {
        if name.ends_with(".jsonl") || name.ends_with(".json") {
            Format::Jsonl
        } else {
            Format::Csv
        }
    }
}

/// One input line as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub email: String,
    pub password: String,
    pub quota: Option<String>,
    pub gecos: Option<String>,
}

/// A line that cannot be provisioned, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Split one CSV line into fields (double quotes quote, `""` is a quote).
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            fields.push(std::mem::take(&mut cur));
            at_start = true;
        } else {
            cur.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    fields.push(cur);
    Ok(fields)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRecord {
    email: String,
    #[serde(alias = "password_or_hash", alias = "hash")]
    password: String,
    #[serde(default)]
    quota: Option<serde_json::Value>,
    #[serde(default)]
    gecos: Option<String>,
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// Read every record; the lines that cannot be read are returned as bad lines.
pub fn parse(text: &str, format: Format) -> (Vec<Record>, Vec<BadLine>) {
    let mut records = Vec::new();
    let mut bad = Vec::new();
    let mut first = true;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim_end_matches('\r');
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let is_first = std::mem::replace(&mut first, false);
        let parsed = match format {
            Format::Csv => csv_fields(l).and_then(|f| {
                if f.len() < 2 || f.len() > 4 {
                    return Err(format!(
                        "expected email,password[,quota[,gecos]], found {} field(s)",
                        f.len()
                    ));
                }
                let mut it = f.into_iter();
                Ok(Record {
                    line,
                    email: it.next().unwrap_or_default(),
                    password: it.next().unwrap_or_default(),
                    quota: nonempty(it.next()),
                    gecos: nonempty(it.next()),
                })
            }),
            Format::Jsonl => serde_json::from_str::<JsonRecord>(l)
                .map_err(|e| format!("invalid JSON: {e}"))
                .and_then(|j| {
                    let quota = match j.quota {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::String(s)) => nonempty(Some(s)),
                        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                        Some(v) => return Err(format!("invalid quota {v}")),
                    };
                    Ok(Record {
                        line,
                        email: j.email,
                        password: j.password,
                        quota,
                        gecos: nonempty(j.gecos),
                    })
                }),
        };
        match parsed {
            // A CSV header line is allowed.
            Ok(r) if is_first && format == Format::Csv && r.email == "email" => {}
            Ok(r) => records.push(r),
            Err(message) => bad.push(BadLine { line, message }),
        }
    }
    (records, bad)
}

/// What `vbulk` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-d`: create the homes and Maildirs.
    pub create_home: bool,
    /// `-e`: the second field is a crypt hash, stored as given.
    pub encrypted: bool,
    /// `-h`: hash method for clear-text passwords (else each domain's).
    pub hash: Option<HashMethod>,
    /// Users per transaction.
    pub batch_size: usize,
}

/// Everything known about a domain the file names.
#[derive(Debug, Clone)]
pub struct DomainPlan {
    pub dom: Domain,
    pub base_path: PathBuf,
    /// The mount-point part of the dir_control prefix (`root`, `_home`).
    pub fs_prefix: String,
    pub hash: HashMethod,
    pub users_per_level: u64,
    pub default_quota: Option<String>,
}

/// One user to add.
#[derive(Debug, Clone)]
pub struct Pending {
    pub line: usize,
    pub user: String,
    pub domain: usize,
    pub password: Password,
    pub gecos: String,
    pub quota: Option<String>,
}

/// The validated file: the users still to add, and how many exist already.
#[derive(Debug, Clone)]
pub struct Plan {
    pub domains: Vec<DomainPlan>,
    pub users: Vec<Pending>,
    pub existing: usize,
}

/// The longest hash sub-directory the allocator makes (`X/Y/Z`) with its slash.
const MAX_SUBDIR: usize = 6;

fn domain_plan(
    cfg: &Config,
    db: &mut Db,
    name: &str,
    opts: &Options,
) -> Result<DomainPlan, String> {
    let real = domain::real_domain(cfg, name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{name}: No such domain"))?;
    let dom = domain::lookup(cfg, &real)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{real}: domain does not exist"))?;
    if dom.uid == 0 {
        return Err(format!("domain {real} with uid 0"));
    }
    if !sys::caller_may_act_as(dom.uid, dom.gid) {
        return Err(format!(
            "you must be root or domain user (uid={}/gid={}) to run this program",
            dom.uid, dom.gid
        ));
    }
    let base_path = match dom.base_path() {
        Ok(Some(l)) if l.len() < 3 => {
            return Err(format!(
                "{}: incomplete line",
                dom.file(".base_path").display()
            ))
        }
        Ok(Some(l)) => PathBuf::from(l),
        Ok(None) => cfg.base_path.clone(),
        Err(e) => return Err(format!("{}: {e}", dom.file(".base_path").display())),
    };
    let fs_prefix = hashdir::filesystem_prefix(&base_path)
        .map_err(|e| format!("pathToFilesystem: {}: {e}", base_path.display()))?;
    let hash = domain::effective_hash(cfg, Some(&dom.dir), opts.hash)?;
    let default_quota = if dom.limits_enabled() {
        vlimits::default_quota(db, &real).map_err(|e| e.to_string())?
    } else {
        None
    };
    Ok(DomainPlan {
        users_per_level: dom.users_per_level(),
        dom,
        base_path,
        fs_prefix,
        hash,
        default_quota,
    })
}

/// Check every record; either the plan or every bad line (nothing is written either way).
pub fn validate(
    cfg: &Config,
    db: &mut Db,
    records: Vec<Record>,
    opts: &Options,
) -> Result<Plan, Vec<BadLine>> {
    let mut bad = Vec::new();
    let mut domains: Vec<DomainPlan> = Vec::new();
    let mut by_name: HashMap<String, Result<usize, String>> = HashMap::new();
    let mut existing_by_domain: HashMap<usize, HashSet<String>> = HashMap::new();
    let mut seen: HashMap<(String, usize), usize> = HashMap::new();
    let mut users = Vec::new();
    let mut existing = 0;
    for r in records {
        let line = r.line;
        let mut fail = |message: String| bad.push(BadLine { line, message });
        if has_uppercase(&r.email) {
            fail(format!("email [{}] has an uppercase character", r.email));
            continue;
        }
        let (user, dname) = split_email(cfg, &r.email);
        if dname.is_empty() {
            fail(format!("{user}: No domain specified"));
            continue;
        }
        let idx = by_name
            .entry(dname.clone())
            .or_insert_with(|| {
                let p = domain_plan(cfg, db, &dname, opts)?;
                if let Some(i) = domains.iter().position(|d| d.dom.name == p.dom.name) {
                    return Ok(i);
                }
                domains.push(p);
                Ok(domains.len() - 1)
            })
            .clone();
        let idx = match idx {
            Ok(i) => i,
            Err(m) => {
                fail(m);
                continue;
            }
        };
        let d = &domains[idx];
        if r.password.is_empty() {
            fail("empty password".into());
            continue;
        }
        let gecos = r.gecos.clone().unwrap_or_else(|| user.clone());
        if let Err(m) = validate_new_user(&user, &d.dom.name, &gecos, r.password.len()) {
            fail(m);
            continue;
        }
        let quota = match r.quota.as_deref() {
            None => d.default_quota.clone(),
            Some("NOQUOTA") => Some("NOQUOTA".to_string()),
            Some(q) => match quota::validate_quota_arg(q)
                .map_err(|e| e.to_string())
                .and_then(|_| user::quota_string(q))
            {
                Ok(s) => Some(s),
                Err(e) => {
                    fail(format!("invalid quota [{q}]: {e}"));
                    continue;
                }
            },
        };
        let longest = hashdir::home_dir(&d.base_path, &d.dom.name, "", &user)
            .to_string_lossy()
            .len()
            + MAX_SUBDIR;
        if longest > MAX_PW_DIR || user.len() > MAX_PW_NAME {
            fail("iadduser: Name too long".into());
            continue;
        }
        if let Some(first) = seen.get(&(user.clone(), idx)) {
            fail(format!("{user}@{} already on line {first}", d.dom.name));
            continue;
        }
        seen.insert((user.clone(), idx), line);
        let names = match existing_by_domain.get(&idx) {
            Some(n) => n,
            None => match bulk::existing_names(db, &d.dom.name) {
                Ok(n) => existing_by_domain.entry(idx).or_insert(n),
                Err(e) => {
                    fail(e.to_string());
                    continue;
                }
            },
        };
        if names.contains(&user) {
            existing += 1;
            continue;
        }
        users.push(Pending {
            line,
            user,
            domain: idx,
            password: if opts.encrypted {
                Password::Encrypted(r.password)
            } else {
                Password::Clear(r.password)
            },
            gecos,
            quota,
        });
    }
    if bad.is_empty() {
        Ok(Plan {
            domains,
            users,
            existing,
        })
    } else {
        Err(bad)
    }
}

/// Hash a batch's passwords on `workers` threads, in order.
pub fn hash_batch(
    batch: &[Pending],
    domains: &[DomainPlan],
    workers: usize,
) -> Result<Vec<String>, AppletError> {
    let some = |c: &[Pending]| {
        let items: Vec<_> = c
            .iter()
            .map(|p| (&p.password, domains[p.domain].hash))
            .collect();
        user::stored_passwords(&items)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
    };
    let clear = batch
        .iter()
        .filter(|p| matches!(p.password, Password::Clear(_)))
        .count();
    if clear < 2 || workers < 2 {
        return some(batch);
    }
    let chunk = batch.len().div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = batch
            .chunks(chunk)
            .map(|c| s.spawn(move || some(c)))
            .collect();
        let mut out = Vec::with_capacity(batch.len());
        for h in handles {
            out.extend(
                h.join()
                    .map_err(|_| AppletError::new(111, "iadduser: crypt: worker failed"))??,
            );
        }
        Ok(out)
    })
}

/// Number of hashing threads: every core.
pub fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The outcome of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub added: usize,
    pub existing: usize,
}

fn prefix_of(d: &DomainPlan, user: &str) -> String {
    format!("{}_{}", d.fs_prefix, hashdir::prefix_bucket(user))
}

/// Make the homes of a batch on every core while `meanwhile` runs on this
/// thread (the batch's statements: the database works while the file system
/// does); all paths created, the first error, and what `meanwhile` returned.
fn make_homes<R>(
    homes: &[(PathBuf, &Domain)],
    workers: usize,
    meanwhile: impl FnOnce() -> R,
) -> (Vec<PathBuf>, Option<AppletError>, R) {
    let chunk = homes.len().div_ceil(workers.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = homes
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    let mut maker = maildir::MaildirMaker::new();
                    let mut created = Vec::new();
                    for (home, dom) in c {
                        match maker.create(home, &dom.name, dom.owner()) {
                            Ok(v) => created.extend(v),
                            Err(e) => return (created, Some(user::make_home_error(e))),
                        }
                    }
                    (created, None)
                })
            })
            .collect();
        let r = meanwhile();
        let mut created = Vec::new();
        let mut err = None;
        for h in handles {
            match h.join() {
                Ok((c, e)) => {
                    created.extend(c);
                    if err.is_none() {
                        err = e;
                    }
                }
                Err(_) => {
                    err.get_or_insert_with(|| {
                        AppletError::new(111, "iadduser: make user dir failed")
                    });
                }
            }
        }
        (created, err, r)
    })
}

/// Mutable state across batches.
struct Run<'a> {
    cfg: &'a Config,
    plan: &'a Plan,
    opts: &'a Options,
    workers: usize,
    /// (prefix, domain index) whose backfill file has nothing left.
    no_backfill: HashSet<(String, usize)>,
    noted: HashSet<(String, usize)>,
}

impl Run<'_> {
    fn batch(
        &mut self,
        db: &mut Db,
        batch: &[Pending],
        hashes: Vec<String>,
    ) -> Result<(), AppletError> {
        let mut created: Vec<PathBuf> = Vec::new();
        let mut taken: Vec<(String, usize, String)> = Vec::new();
        let mut used: Vec<(String, usize)> = Vec::new();
        let result = db.transaction(|db| -> Result<(), AppletError> {
            let mut dcs: HashMap<(String, usize), DirControl> = HashMap::new();
            let mut rows: Vec<UserRow> = Vec::with_capacity(batch.len());
            let mut homes: Vec<(PathBuf, &Domain)> = Vec::new();
            for (p, hash) in batch.iter().zip(hashes) {
                let d = &self.plan.domains[p.domain];
                let key = (prefix_of(d, &p.user), p.domain);
                if !dcs.contains_key(&key) {
                    let dc = dircontrol::load(db, &key.0, &d.dom.name, true)?;
                    dcs.insert(key.clone(), dc);
                    used.push(key.clone());
                }
                let backfill = if self.no_backfill.contains(&key) {
                    None
                } else {
                    match hashdir::take_backfill(&d.dom.dir, &key.0) {
                        Ok(Some(s)) => {
                            taken.push((key.0.clone(), key.1, s.clone()));
                            Some(s)
                        }
                        Ok(None) => {
                            self.no_backfill.insert(key.clone());
                            None
                        }
                        Err(e) => {
                            return Err(AppletError::new(
                                111,
                                format!("iadduser: backfill: {}: {e}", d.dom.dir.display()),
                            ))
                        }
                    }
                };
                let dc = dcs.get_mut(&key).expect("loaded above");
                let sub = user::allocate_subdir(dc, backfill.as_deref(), d.users_per_level);
                let (row, home) = user::new_row(
                    self.cfg,
                    &d.dom.name,
                    &d.base_path,
                    &sub,
                    RowFields {
                        user: &p.user,
                        passwd: hash,
                        gecos: p.gecos.clone(),
                        quota: p.quota.clone(),
                        scram: None,
                    },
                )
                .map_err(|e| AppletError::new(e.code, format!("line {}: {}", p.line, e.message)))?;
                rows.push(row);
                if self.opts.create_home {
                    homes.push((home, &d.dom));
                }
            }
            let domains = &self.plan.domains;
            let statements = |db: &mut Db| -> Result<(), AppletError> {
                for ((prefix, idx), dc) in &dcs {
                    dircontrol::store(db, prefix, &domains[*idx].dom.name, dc)?;
                }
                bulk::insert_users(db, &rows, Status::Active)
                    .map_err(|e| AppletError::new(255, format!("sql_adduser: {e}")))?;
                bulk::record_lastauth(db, &rows, lastauth::ADD, &sys::remote_ip())?;
                Ok(())
            };
            if homes.is_empty() {
                return statements(db);
            }
            let (c, err, r) = make_homes(&homes, self.workers, || statements(db));
            created = c;
            r?;
            err.map_or(Ok(()), Err)
        });
        match result {
            Ok(()) => {
                for key in used {
                    if self.noted.insert(key.clone()) {
                        let dom = &self.plan.domains[key.1].dom;
                        hashdir::note_filesystem(&dom.dir, &key.0, dom.owner()).map_err(|e| {
                            AppletError::new(
                                111,
                                format!("iadduser: .filesystems: {}: {e}", dom.dir.display()),
                            )
                        })?;
                    }
                }
                Ok(())
            }
            Err(e) => {
                maildir::rollback_created(&created);
                // Put the taken slots back, in their order.
                for (prefix, idx, sub) in taken.iter().rev() {
                    let dom = &self.plan.domains[*idx].dom;
                    let _ = restore_backfill(&dom.dir, prefix, sub, dom.owner());
                }
                Err(e)
            }
        }
    }
}

/// Return a slot to the front of the backfill file (it was taken from there).
fn restore_backfill(
    domaindir: &Path,
    prefix: &str,
    sub: &str,
    owner: Option<(u32, u32)>,
) -> std::io::Result<()> {
    let path = domaindir.join(format!(".{prefix}"));
    let rest = std::fs::read(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    hashdir::push_backfill(domaindir, prefix, sub, owner)?;
    if !rest.is_empty() {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&path)?;
        f.write_all(&rest)?;
    }
    Ok(())
}

/// Create the plan's users batch by batch; `progress` is told how many were
/// added after each batch. On error, the batches already committed stay.
pub fn provision(
    cfg: &Config,
    db: &mut Db,
    plan: &Plan,
    opts: &Options,
    progress: &mut dyn FnMut(usize),
) -> Result<Report, AppletError> {
    let mut report = Report {
        added: 0,
        existing: plan.existing,
    };
    if plan.users.is_empty() {
        return Ok(report);
    }
    let mut tables: Vec<String> = vec![
        users::active_table(),
        users::inactive_table(),
        "lastauth".into(),
    ];
    let mut prefixes = HashSet::new();
    for p in &plan.users {
        prefixes.insert(prefix_of(&plan.domains[p.domain], &p.user));
    }
    for prefix in &prefixes {
        tables.push(dircontrol::table_name(prefix)?);
    }
    let refs: Vec<&str> = tables.iter().map(String::as_str).collect();
    db.ensure_tables(&refs)?;

    let workers = workers();
    let batch_size = opts.batch_size.max(1);
    let mut run = Run {
        cfg,
        plan,
        opts,
        workers,
        no_backfill: HashSet::new(),
        noted: HashSet::new(),
    };
    let any_clear = plan
        .users
        .iter()
        .any(|p| matches!(p.password, Password::Clear(_)));
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| -> Result<(), AppletError> {
        let mut insert = |batch: &[Pending], hashes: Vec<String>| -> Result<(), AppletError> {
            run.batch(db, batch, hashes)?;
            report.added += batch.len();
            progress(batch.len());
            Ok(())
        };
        if !any_clear {
            for batch in plan.users.chunks(batch_size) {
                insert(batch, hash_batch(batch, &plan.domains, 1)?)?;
            }
            return Ok(());
        }
        // Every core hashes, `passwd::HASH_GROUP` users at a time (hashed together, see
        // user::stored_passwords), as far ahead of the inserts as it gets; a batch is
        // inserted as soon as all its hashes are there.
        let n = plan.users.len();
        let (tx, rx) = mpsc::channel::<(usize, Result<String, AppletError>)>();
        for _ in 0..workers {
            let (tx, next) = (tx.clone(), &next);
            s.spawn(move || loop {
                let i = next.fetch_add(passwd::HASH_GROUP, Ordering::Relaxed);
                let Some(group) = plan.users.get(i..n.min(i + passwd::HASH_GROUP)) else {
                    break;
                };
                let items: Vec<_> = group
                    .iter()
                    .map(|p| (&p.password, plan.domains[p.domain].hash))
                    .collect();
                for (j, h) in user::stored_passwords(&items).into_iter().enumerate() {
                    if tx.send((i + j, h)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut slots: Vec<Option<String>> = vec![None; n];
        let mut done = vec![0usize; n.div_ceil(batch_size)];
        for (b, batch) in plan.users.chunks(batch_size).enumerate() {
            while done[b] < batch.len() {
                let (i, h) = rx
                    .recv()
                    .map_err(|_| AppletError::new(111, "iadduser: crypt: worker failed"))?;
                slots[i] = Some(h?);
                done[i / batch_size] += 1;
            }
            let start = b * batch_size;
            let hashes = slots[start..start + batch.len()]
                .iter_mut()
                .map(|h| h.take().unwrap_or_default())
                .collect();
            insert(batch, hashes)?;
        }
        Ok(())
    })
    .map_err(|e| {
        AppletError::new(
            e.code,
            format!(
                "{}\n{} users added before the failure; run the same file again to resume",
                e.message, report.added
            ),
        )
    })?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_fields("a,b,,c").unwrap(), vec!["a", "b", "", "c"]);
        assert_eq!(
            csv_fields(r#"a@b,"p,w""x",1M,"Doe, John""#).unwrap(),
            vec!["a@b", "p,w\"x", "1M", "Doe, John"]
        );
        assert!(csv_fields(r#"a,"b"#).is_err());
    }

    #[test]
    fn parse_reports_line_numbers() {
        let text = "email,password\n# comment\na@x.org,pw\n\nb@x.org\nc@x.org,pw,5M,Cee\n";
        let (recs, bad) = parse(text, Format::Csv);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].line, 3);
        assert_eq!(recs[1].quota.as_deref(), Some("5M"));
        assert_eq!(recs[1].gecos.as_deref(), Some("Cee"));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 5);
        let j = "{\"email\":\"a@x.org\",\"password\":\"p\",\"quota\":1000}\n{\"email\":1}\n";
        let (recs, bad) = parse(j, Format::Jsonl);
        assert_eq!(recs[0].quota.as_deref(), Some("1000"));
        assert_eq!(bad[0].line, 2);
    }

    #[test]
    fn formats() {
        assert_eq!(Format::from_name("u.jsonl"), Format::Jsonl);
        assert_eq!(Format::from_name("u.csv"), Format::Csv);
        assert_eq!(Format::parse("jsonl"), Some(Format::Jsonl));
        assert_eq!(Format::parse("xml"), None);
    }
}
