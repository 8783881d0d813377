/*!
Importing a vpopmail installation (`vconvert`).

Sources: the domain directories under `~vpopmail/domains` (`<domain>/`, also
one hash level down, `domains/<x>/<domain>/`, as vpopmail lays out many
domains) with their `vpasswd` file, or only its `vpasswd.cdb` (records keyed
by user name, the rest of the vpasswd line as the value; read with
[`crate::assign::cdb`]); or vpopmail's MySQL database: the `vpopmail` table of
a many-domains installation and the per-domain tables of one built with
`--disable-many-domains` (named after the domain, dots and dashes as
underscores, no `pw_domain` column; the domain is the one named on the command
line with that table name, else the directory of the accounts' homes with it).

The conversion, in order:

1. **Read and check everything** (names, passwords, quotas, domain names);
   any bad account stops the run before anything is written, listing all of
   them.
2. **Domains** missing in IndiMail are created as `vadddomain` would (owner the
   indimail user); their postmaster gets the vpopmail postmaster's password
   hash, so it keeps its password. (The applet runs vadddomain's post-handle
   hook for them at the very end.)
3. **Accounts** are added through the bulk path of `vbulk` ([`crate::ops::bulk`]):
   the vpopmail crypt(3) hash (`$1$` MD5, DES, `$5$`/`$6$` SHA) is stored as
   it is, so every user keeps the old password; an account with only a clear
   text password is hashed with the domain's method. Accounts that already
   exist are left as they are (reported), so a run can be repeated.
4. **Mail**: the vpopmail home (its `Maildir` with every folder, and files
   such as `.qmail`) is *copied* into the new IndiMail home, owned by the
   domain's user; files already present are skipped, each file is written
   under a dot name and renamed, so a repeated or interrupted run never
   duplicates or truncates a message. `maildirsize` is then recalculated for
   the IndiMail quota. The vpopmail tree is never changed: remove it when the
   migration is checked.
5. **Aliases**: the lines of the domain's `.qmail-<alias>` files and the rows
   of vpopmail's `valias` table (MySQL source) become IndiMail `valias` rows
   (the file parsing is `vcalias`'s, [`crate::ops::calias`]): forwards as
   `&address`, paths and programs with the migrated homes rewritten to the new
   homes; an identical row is skipped, lines that cannot be converted and lines
   still naming the vpopmail tree are reported. vpopmail's `.qmail-default`
   (`| .../vdelivermail '' bounce-no-mailbox|delete|address|home`) becomes the
   IndiMail catch-all of a domain created here; a domain that was already in
   IndiMail keeps its own, with a note when they differ.
*/

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::address::validate_new_user;
use crate::cli::AppletError;
use crate::config::Config;
use crate::db::users;
use crate::db::{vpopmail as vdb, ConnSpec, Db};
use crate::mailstore::quota;
use crate::ops::bulk::{self, Options, Record};
use crate::ops::calias;
use crate::ops::domain::{self as newdomain, NewDomain};
use crate::ops::user::{self, Password};
use crate::passwd;

/// One vpopmail account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub domain: String,
    /// The crypt(3) hash (may be empty when only `clear` is known).
    pub hash: String,
    pub clear: String,
    pub gecos: String,
    /// The vpopmail home (holding `Maildir`).
    pub dir: PathBuf,
    /// vpopmail's quota field (`NOQUOTA`, `<bytes>S[,<n>C]`, ...).
    pub quota: String,
    /// vpopmail's `pw_gid` flags.
    pub flags: i64,
    /// Where it was read: `<file>:<line>` or `mysql:<table>`.
    pub origin: String,
}

/// Where the accounts come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The vpopmail directory (`~vpopmail`).
    Files(PathBuf),
    /// vpopmail's MySQL database: the many-domains `table` (`None`: the
    /// default `vpopmail`, which may be absent) and every per-domain table.
    Mysql {
        spec: ConnSpec,
        table: Option<String>,
    },
}

/// `~vpopmail` from the password database, else `/home/vpopmail`.
pub fn default_vpopmail_dir() -> PathBuf {
    match crate::sys::getpwnam("vpopmail") {
        Ok(Some(pw)) => PathBuf::from(pw.dir),
        _ => PathBuf::from("/home/vpopmail"),
    }
}

/// One vpasswd entry, `name:hash:uid:gid:gecos:dir:quota[:clear]`.
fn parse_entry(line: &str, domain: &str, origin: String) -> Result<Account, String> {
    let f: Vec<&str> = line.splitn(8, ':').collect();
    if f.len() < 7 {
        return Err(format!(
            "{origin}: expected 7 or 8 fields, found {}",
            f.len()
        ));
    }
    Ok(Account {
        name: f[0].to_string(),
        domain: domain.to_string(),
        hash: f[1].to_string(),
        gecos: f[4].to_string(),
        dir: PathBuf::from(f[5]),
        quota: f[6].to_string(),
        flags: f[3].trim().parse().unwrap_or(0),
        clear: f.get(7).unwrap_or(&"").to_string(),
        origin,
    })
}

/// Parse a `vpasswd` file: `name:hash:uid:gid:gecos:dir:quota[:clear]`.
/// Comments and blank lines are skipped; malformed lines are returned as errors.
pub fn parse_vpasswd(text: &str, domain: &str, file: &Path) -> (Vec<Account>, Vec<String>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_entry(line, domain, format!("{}:{}", file.display(), i + 1)) {
            Ok(a) => out.push(a),
            Err(e) => bad.push(e),
        }
    }
    (out, bad)
}

/// Parse a `vpasswd.cdb`: vpopmail keys each record by the user name and
/// stores the rest of the vpasswd line after the first colon
/// (`hash:uid:gid:gecos:dir:quota[:clear]`), records in vpasswd order. A
/// damaged database is an error (the whole domain could not be read).
pub fn parse_vpasswd_cdb(
    bytes: Vec<u8>,
    domain: &str,
    file: &Path,
) -> Result<(Vec<Account>, Vec<String>), String> {
    let cdb = crate::assign::cdb::Cdb::from_bytes(bytes);
    let records = cdb
        .records()
        .map_err(|e| format!("{}: not a valid cdb: {e}", file.display()))?;
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, (key, value)) in records.into_iter().enumerate() {
        let line = format!(
            "{}:{}",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(value)
        );
        match parse_entry(
            &line,
            domain,
            format!("{} record {}", file.display(), i + 1),
        ) {
            Ok(a) => out.push(a),
            Err(e) => bad.push(e),
        }
    }
    Ok((out, bad))
}

/// A domain directory found under `~vpopmail/domains`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDomain {
    pub name: String,
    pub dir: PathBuf,
    /// vpopmail alias domains are symlinks to the real domain's directory.
    pub alias_of: Option<String>,
}

fn looks_like_domain(name: &str) -> bool {
    name.contains('.') && !name.starts_with('.')
}

/// The domains of a vpopmail directory: `domains/<d>/vpasswd` (or only
/// `vpasswd.cdb`) and one hash level below (`domains/<x>/<d>/vpasswd`),
/// sorted by name.
pub fn discover(vdir: &Path) -> io::Result<Vec<FoundDomain>> {
    let root = vdir.join("domains");
    let mut found = Vec::new();
    let scan = |dir: &Path, found: &mut Vec<FoundDomain>, depth: u8| -> io::Result<Vec<PathBuf>> {
        let mut sub = Vec::new();
        for e in fs::read_dir(dir)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            let meta = fs::symlink_metadata(&path)?;
            if looks_like_domain(&name) {
                if meta.file_type().is_symlink() {
                    let target = fs::read_link(&path)?;
                    let real = target.file_name().map(|n| n.to_string_lossy().into_owned());
                    found.push(FoundDomain {
                        name,
                        dir: path,
                        alias_of: real,
                    });
                } else if path.join("vpasswd").is_file() || path.join("vpasswd.cdb").is_file() {
                    found.push(FoundDomain {
                        name,
                        dir: path,
                        alias_of: None,
                    });
                }
            } else if depth == 0 && meta.is_dir() {
                sub.push(path);
            }
        }
        Ok(sub)
    };
    for sub in scan(&root, &mut found, 0)? {
        scan(&sub, &mut found, 1)?;
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// What was read: accounts by domain, alias domains, unreadable lines.
#[derive(Debug, Default)]
pub struct Loaded {
    pub accounts: BTreeMap<String, Vec<Account>>,
    /// (alias, real domain)
    pub aliases: Vec<(String, String)>,
    /// Per domain: its `.qmail-<alias>` files as (alias, file, text).
    pub qmail_files: BTreeMap<String, Vec<(String, PathBuf, String)>>,
    /// Per domain: its `.qmail-default` (file, text).
    pub qmail_default: BTreeMap<String, (PathBuf, String)>,
    /// Per domain: the vpopmail domain directory (`./` lines are relative to it).
    pub domain_dirs: BTreeMap<String, PathBuf>,
    /// Per domain: (alias, line) rows of vpopmail's `valias` table.
    pub valias: BTreeMap<String, Vec<(String, String)>>,
    /// The vpopmail directory (file source): alias lines still naming it are reported.
    pub root: Option<PathBuf>,
    pub bad: Vec<String>,
}

/// The table name vpopmail gives a domain's own table (`--disable-many-domains`):
/// dots and dashes become underscores.
pub fn table_of_domain(domain: &str) -> String {
    domain.replace(['.', '-'], "_")
}

/// The columns every vpopmail account table has (`pw_clear_passwd` only when
/// vpopmail keeps clear passwords; `pw_domain` only in the many-domains table).
const ACCOUNT_COLUMNS: [&str; 7] = [
    "pw_name",
    "pw_passwd",
    "pw_uid",
    "pw_gid",
    "pw_gecos",
    "pw_dir",
    "pw_shell",
];

fn missing_columns(table: &str, cols: &[String], domain_column: bool) -> Result<(), AppletError> {
    let need = ACCOUNT_COLUMNS
        .iter()
        .copied()
        .chain(domain_column.then_some("pw_domain"));
    let missing: Vec<&str> = need.filter(|c| !cols.iter().any(|h| h == c)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(AppletError::new(
        100,
        format!(
            "vconvert: table {table}: not a vpopmail account table, missing column(s) {}; nothing was changed",
            missing.join(", ")
        ),
    ))
}

/// The domain a per-domain table holds: the domain named on the command line
/// whose table name it is, else a directory of the accounts' homes
/// (`~vpopmail/domains/<domain>/<user>`) whose table name it is.
fn domain_of_table(table: &str, only: &[String], rows: &[vdb::VpopRow]) -> Option<String> {
    if let Some(d) = only.iter().find(|d| table_of_domain(d) == table) {
        return Some(d.clone());
    }
    rows.iter()
        .flat_map(|r| Path::new(&r.dir).components())
        .filter_map(|c| c.as_os_str().to_str())
        .find(|c| looks_like_domain(c) && table_of_domain(c) == table)
        .map(str::to_string)
}

fn account_of(r: vdb::VpopRow, table: &str) -> Account {
    Account {
        origin: format!("mysql:{table}:{}@{}", r.name, r.domain),
        name: r.name,
        domain: r.domain,
        hash: r.passwd,
        clear: r.clear,
        gecos: r.gecos,
        dir: PathBuf::from(r.dir),
        quota: r.shell,
        flags: r.gid,
    }
}

fn read_fail(p: &Path, e: impl std::fmt::Display) -> AppletError {
    AppletError::new(111, format!("vconvert: {}: {e}", p.display()))
}

/// A domain directory's accounts (`vpasswd`, else `vpasswd.cdb`), `.qmail-*`
/// files and catch-all, into `l`.
fn load_domain_dir(l: &mut Loaded, name: &str, dir: &Path) -> Result<(), AppletError> {
    let file = dir.join("vpasswd");
    let (accts, bad) = if file.is_file() {
        let text = fs::read_to_string(&file).map_err(|e| read_fail(&file, e))?;
        parse_vpasswd(&text, name, &file)
    } else {
        let file = dir.join("vpasswd.cdb");
        let bytes = fs::read(&file).map_err(|e| read_fail(&file, e))?;
        parse_vpasswd_cdb(bytes, name, &file)
            .map_err(|e| AppletError::new(100, format!("vconvert: {e}; nothing was changed")))?
    };
    l.bad.extend(bad);
    let mut files = Vec::new();
    for (alias, path) in calias::qmail_files(dir).map_err(|e| read_fail(dir, e))? {
        let text = fs::read_to_string(&path).map_err(|e| read_fail(&path, e))?;
        files.push((alias, path, text));
    }
    l.qmail_files.insert(name.to_string(), files);
    let default = dir.join(".qmail-default");
    if default.is_file() {
        let text = fs::read_to_string(&default).map_err(|e| read_fail(&default, e))?;
        l.qmail_default.insert(name.to_string(), (default, text));
    }
    l.domain_dirs.insert(name.to_string(), dir.to_path_buf());
    l.accounts
        .entry(name.to_string())
        .or_default()
        .extend(accts);
    Ok(())
}

/// vpopmail's MySQL database: the many-domains table, the per-domain tables
/// and the valias table, into `l`.
fn load_mysql(
    l: &mut Loaded,
    spec: &ConnSpec,
    table: Option<&str>,
    only: &[String],
) -> Result<(), AppletError> {
    let wanted = |d: &str| only.is_empty() || only.iter().any(|o| o == d);
    let dbfail = |e: crate::db::DbError| AppletError::new(111, format!("vconvert: {e}"));
    let mut db = Db::connect(spec.clone()).map_err(dbfail)?;
    let tables = vdb::account_tables(&mut db).map_err(dbfail)?;
    let main = table.unwrap_or("vpopmail");
    let has = |cols: &[String], c: &str| cols.iter().any(|h| h == c);
    let mut found = false;
    for (t, cols) in &tables {
        let rows = if t == main {
            missing_columns(t, cols, true)?;
            vdb::accounts(&mut db, t, true, has(cols, "pw_clear_passwd")).map_err(dbfail)?
        } else if !has(cols, "pw_domain") {
            // a per-domain table: only those of the domains asked for
            if !only.is_empty() && !only.iter().any(|d| table_of_domain(d) == *t) {
                continue;
            }
            missing_columns(t, cols, false)?;
            let mut rows =
                vdb::accounts(&mut db, t, false, has(cols, "pw_clear_passwd")).map_err(dbfail)?;
            let Some(domain) = domain_of_table(t, only, &rows) else {
                return Err(AppletError::new(
                    100,
                    format!(
                        "vconvert: table {t}: cannot tell which domain it holds (no home under a directory of that name); name the domain on the command line"
                    ),
                ));
            };
            for r in &mut rows {
                r.domain = domain.clone();
            }
            rows
        } else {
            continue;
        };
        found = true;
        for r in rows.into_iter().filter(|r| wanted(&r.domain)) {
            l.accounts
                .entry(r.domain.clone())
                .or_default()
                .push(account_of(r, t));
        }
    }
    if !found {
        let what = match table {
            Some(t) => format!("no vpopmail account table {t}"),
            None => "neither a vpopmail table nor per-domain tables".to_string(),
        };
        return Err(AppletError::new(
            111,
            format!("vconvert: database {}: {what}", spec.database),
        ));
    }
    for (alias, domain, line) in vdb::valias_rows(&mut db, "valias")
        .map_err(dbfail)?
        .into_iter()
        .filter(|r| wanted(&r.1))
    {
        l.valias.entry(domain).or_default().push((alias, line));
    }
    Ok(())
}

/// Read the source, restricted to `only` when it is not empty. Everything is
/// read (and damaged input refused) before anything is written.
pub fn load(source: &Source, only: &[String]) -> Result<Loaded, AppletError> {
    let wanted = |d: &str| only.is_empty() || only.iter().any(|o| o == d);
    let mut l = Loaded::default();
    match source {
        Source::Files(vdir) => {
            l.root = Some(vdir.clone());
            let found = discover(vdir).map_err(|e| read_fail(&vdir.join("domains"), e))?;
            for d in found.into_iter().filter(|d| wanted(&d.name)) {
                if let Some(real) = d.alias_of {
                    l.aliases.push((d.name, real));
                    continue;
                }
                load_domain_dir(&mut l, &d.name, &d.dir)?;
            }
        }
        Source::Mysql { spec, table } => load_mysql(&mut l, spec, table.as_deref(), only)?,
    }
    for d in only {
        if !l.accounts.contains_key(d) && !l.aliases.iter().any(|(a, _)| a == d) {
            l.bad
                .push(format!("{d}: no such domain in the vpopmail installation"));
        }
    }
    Ok(l)
}

/// vpopmail's quota field as an IndiMail quota (`None`: the domain default);
/// the second value is a note when the field could not be used.
pub fn convert_quota(q: &str) -> (Option<String>, Option<String>) {
    let q = q.trim();
    if q.is_empty() {
        return (None, None);
    }
    if q.starts_with("NOQUOTA") {
        return (Some("NOQUOTA".into()), None);
    }
    match quota::validate_quota_arg(q)
        .map_err(|e| e.to_string())
        .and_then(|_| user::quota_string(q))
    {
        Ok(s) => (Some(s), None),
        Err(e) => (
            None,
            Some(format!(
                "quota [{q}] not understood ({e}); the domain default applies"
            )),
        ),
    }
}

/// vpopmail's `pw_gid` flags as IndiMail's (the same names, partly other
/// bits); the second value names the flags IndiMail does not have.
pub fn convert_flags(v: i64) -> (i64, Vec<&'static str>) {
    // (vpopmail bit, IndiMail bit, name)
    const MAP: [(i64, i64, &str); 19] = [
        (0x01, 0x01, "NO_PASSWD_CHNG"),
        (0x02, 0x02, "NO_POP"),
        (0x04, 0x04, "NO_WEBMAIL"),
        (0x08, 0x08, "NO_IMAP"),
        (0x10, 0x10, "BOUNCE_MAIL"),
        (0x20, 0x20, "NO_RELAY"),
        (0x40, 0x40, "NO_DIALUP"),
        (0x80, 0x200, "V_USER0"),
        (0x100, 0x400, "V_USER1"),
        (0x200, 0x800, "V_USER2"),
        (0x400, 0x1000, "V_USER3"),
        (0x800, 0x100, "NO_SMTP"),
        (0x1000, 0x80, "QA_ADMIN"),
        (0x2000, 0x2000, "V_OVERRIDE"),
        (0x4000, 0, "NO_SPAMASSASSIN"),
        (0x8000, 0, "DELETE_SPAM"),
        (0x10000, 0, "SA_ADMIN"),
        (0x20000, 0, "SA_EXPERT"),
        (0x40000, 0, "NO_MAILDROP"),
    ];
    let mut out = 0;
    let mut dropped = Vec::new();
    for (from, to, name) in MAP {
        if v & from != 0 {
            if to == 0 {
                dropped.push(name);
            } else {
                out |= to;
            }
        }
    }
    (out, dropped)
}

/// Check every account before anything is written; the problems found.
pub fn check(l: &Loaded) -> Vec<String> {
    let mut bad = l.bad.clone();
    for (domain, accts) in &l.accounts {
        if let Err((_, m)) = newdomain::check_name(domain) {
            bad.push(format!("{domain}: {m}"));
        }
        let mut seen = std::collections::HashSet::new();
        for a in accts {
            let who = format!("{}: {}@{}", a.origin, a.name, a.domain);
            if a.name.bytes().any(|b| b.is_ascii_uppercase()) {
                bad.push(format!("{who}: has an uppercase character"));
                continue;
            }
            if !seen.insert(a.name.as_str()) {
                bad.push(format!("{who}: listed twice"));
                continue;
            }
            if a.hash.is_empty() && a.clear.is_empty() {
                bad.push(format!("{who}: no password (neither hash nor clear text)"));
                continue;
            }
            let gecos = if a.gecos.is_empty() {
                &a.name
            } else {
                &a.gecos
            };
            let len = if a.clear.is_empty() {
                a.hash.len()
            } else {
                a.clear.len()
            };
            if let Err(m) = validate_new_user(&a.name, domain, gecos, len.max(1)) {
                bad.push(format!("{who}: {m}"));
            }
        }
    }
    bad
}

/// Counts for one domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DomainReport {
    pub domain: String,
    pub created: bool,
    pub accounts: usize,
    pub added: usize,
    pub existed: usize,
    pub mailboxes: usize,
    pub files: u64,
    pub bytes: u64,
    /// valias rows added (from `.qmail-<alias>` files and vpopmail's valias table).
    pub aliases: usize,
    /// The catch-all set from vpopmail's `.qmail-default` (a domain created here).
    pub catch_all: Option<String>,
    pub notes: Vec<String>,
}

/// What vconvert was asked for.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    pub dry_run: bool,
    pub copy_mail: bool,
    pub batch_size: usize,
}

/// Progress events for the applet's bar.
pub trait Progress {
    fn start(&mut self, what: &str, len: u64);
    fn inc(&mut self, n: u64);
    fn finish(&mut self);
}

fn gecos_of(a: &Account) -> String {
    if a.gecos.is_empty() {
        a.name.clone()
    } else {
        a.gecos.clone()
    }
}

/// Create a missing domain as vadddomain would; its postmaster keeps the
/// vpopmail postmaster's password (a random one when there is none).
fn create_domain(
    cfg: &Config,
    db: &mut Db,
    domain: &str,
    accts: &[Account],
) -> Result<(), AppletError> {
    let (iuid, igid) = cfg.indimail_ids().map_err(|e| AppletError::new(111, e))?;
    let hash = crate::domain::effective_hash(cfg, None, None)
        .map_err(|e| AppletError::new(111, format!("vconvert: {e}")))?;
    let pm = accts.iter().find(|a| a.name == "postmaster");
    let (password, quota) = match pm {
        Some(a) if !a.hash.is_empty() => (
            Password::Encrypted(a.hash.clone()),
            convert_quota(&a.quota).0,
        ),
        Some(a) => (Password::Clear(a.clear.clone()), convert_quota(&a.quota).0),
        None => (Password::Clear(passwd::random_password(16)), None),
    };
    let nd = NewDomain {
        name: domain.to_string(),
        uid: iuid,
        gid: igid,
        parent: cfg.domaindir.clone(),
        base_path: cfg.base_path.clone(),
        write_base_path: false,
        users_per_level: None,
        hash_option: None,
        hash,
        vfilter: false,
        catch_all: None,
        chkrcpt: false,
        postmaster_password: password,
        store_cram: false,
        postmaster_quota: quota,
        control_owner: Some((iuid, igid)),
        // a local, non-distributed domain
        cluster: None,
    };
    newdomain::add(cfg, db, &nd, &mut |_| {})
}

/// Convert everything loaded. Domains are created and accounts added unless
/// `dry_run`; the report per domain says what was (or would be) done.
pub fn convert(
    cfg: &Config,
    db: &mut Db,
    loaded: &Loaded,
    opts: &ConvertOptions,
    progress: &mut dyn Progress,
) -> Result<Vec<DomainReport>, AppletError> {
    let mut reports: BTreeMap<String, DomainReport> = BTreeMap::new();
    // 1. domains
    for (domain, accts) in &loaded.accounts {
        let r = reports.entry(domain.clone()).or_default();
        r.domain = domain.clone();
        r.accounts = accts.len();
        for a in accts {
            if let (_, Some(note)) = convert_quota(&a.quota) {
                r.notes.push(format!("{}@{domain}: {note}", a.name));
            }
            let (_, dropped) = convert_flags(a.flags);
            if !dropped.is_empty() {
                r.notes.push(format!(
                    "{}@{domain}: vpopmail flags without an IndiMail equivalent dropped: {}",
                    a.name,
                    dropped.join(" ")
                ));
            }
        }
        let exists = crate::domain::lookup(cfg, domain)
            .map_err(|e| AppletError::new(111, format!("vconvert: {e}")))?
            .is_some();
        if !exists {
            r.created = true;
            if !opts.dry_run {
                create_domain(cfg, db, domain, accts)?;
            }
        }
    }
    // 2. accounts, through the bulk path
    let mut records = Vec::new();
    let mut index: Vec<&Account> = Vec::new();
    for (domain, accts) in &loaded.accounts {
        let r = reports.get_mut(domain).expect("made above");
        if opts.dry_run && r.created {
            // nothing to compare with: everything but the postmaster is new
            r.added = accts.iter().filter(|a| a.name != "postmaster").count();
            r.existed = accts.len() - r.added;
            continue;
        }
        let method = match crate::domain::lookup(cfg, domain) {
            Ok(Some(d)) => crate::domain::effective_hash(cfg, Some(&d.dir), None)
                .map_err(|e| AppletError::new(111, format!("vconvert: {e}")))?,
            _ => passwd::HashMethod::from_id(0),
        };
        for a in accts {
            let hash = if a.hash.is_empty() {
                user::stored_password(&Password::Clear(a.clear.clone()), method)?
            } else {
                a.hash.clone()
            };
            index.push(a);
            records.push(Record {
                line: index.len(),
                email: format!("{}@{}", a.name, a.domain),
                password: hash,
                quota: convert_quota(&a.quota).0,
                gecos: Some(gecos_of(a)),
            });
        }
    }
    let bopts = Options {
        create_home: true,
        encrypted: true,
        hash: None,
        batch_size: opts.batch_size.max(1),
    };
    if !records.is_empty() {
        let plan = bulk::validate(cfg, db, records, &bopts).map_err(|bad| {
            let mut msg: Vec<String> = bad
                .iter()
                .map(|b| format!("vconvert: {}: {}", index[b.line - 1].origin, b.message))
                .collect();
            msg.push(format!(
                "vconvert: {} bad account(s); no account was added",
                bad.len()
            ));
            AppletError::new(100, msg.join("\n"))
        })?;
        for p in &plan.users {
            let a = index[p.line - 1];
            reports.get_mut(&a.domain).expect("made above").added += 1;
        }
        for (domain, accts) in &loaded.accounts {
            let r = reports.get_mut(domain).expect("made above");
            if !(opts.dry_run && r.created) {
                r.existed = accts.len() - r.added;
            }
        }
        if !opts.dry_run {
            progress.start("accounts", plan.users.len() as u64);
            let result = bulk::provision(cfg, db, &plan, &bopts, &mut |n| progress.inc(n as u64));
            progress.finish();
            result.map_err(|e| AppletError::new(e.code, format!("vconvert: {}", e.message)))?;
            // the accounts just added get their flags
            for p in &plan.users {
                let a = index[p.line - 1];
                let (flags, _) = convert_flags(a.flags);
                if flags == 0 {
                    continue;
                }
                if let Some((mut row, _)) = users::get(db, &a.name, &a.domain)? {
                    row.gid = flags;
                    users::set_row(db, &row, None)?;
                }
            }
        }
    }
    // 3. mail
    if opts.copy_mail {
        let total: usize = loaded.accounts.values().map(Vec::len).sum();
        progress.start("mailboxes", total as u64);
        for (domain, accts) in &loaded.accounts {
            let owner = crate::domain::lookup(cfg, domain)
                .ok()
                .flatten()
                .map(|d| (d.uid, d.gid));
            for a in accts {
                progress.inc(1);
                if !a.dir.is_dir() {
                    continue;
                }
                let r = reports.get_mut(domain).expect("made above");
                if opts.dry_run {
                    let (files, bytes) = count_tree(&a.dir);
                    r.mailboxes += 1;
                    r.files += files;
                    r.bytes += bytes;
                    continue;
                }
                let Some((row, _)) = users::get(db, &a.name, domain)? else {
                    continue;
                };
                let home = PathBuf::from(&row.dir);
                let (files, bytes) = merge_tree(&a.dir, &home, owner).map_err(|e| {
                    AppletError::new(
                        111,
                        format!(
                            "vconvert: copying {} to {}: {e}\nrun vconvert again to finish the copy",
                            a.dir.display(),
                            home.display()
                        ),
                    )
                })?;
                if let Err(e) = user::recalc(&row, owner) {
                    r.notes
                        .push(format!("{}@{domain}: maildirsize: {e}", a.name));
                }
                r.mailboxes += 1;
                r.files += files;
                r.bytes += bytes;
            }
        }
        progress.finish();
    }
    convert_aliases(cfg, db, loaded, opts, &mut reports)?;
    for (alias, real) in &loaded.aliases {
        let r = reports.entry(real.clone()).or_default();
        r.domain = real.clone();
        r.notes.push(format!(
            "alias domain {alias} not converted: add it with vaddaliasdomain {alias} {real}"
        ));
    }
    Ok(reports.into_values().collect())
}

/// Rewrite the vpopmail homes named in an alias line to the new IndiMail homes.
fn rewrite(line: &str, homes: &[(String, String)]) -> String {
    let mut out = line.to_string();
    for (old, new) in homes {
        out = out.replace(old.as_str(), new.as_str());
    }
    out
}

/// The widths of IndiMail's `valias_line` and `alias` columns.
const MAX_ALIAS_LINE: usize = 190;
const MAX_ALIAS_NAME: usize = 40;

/// vpopmail's vdelivermail target (`.qmail-default`'s last argument) in
/// IndiMail's catch-all form: `bounce-no-mailbox` and `delete` as they are, an
/// address without a leading `&`, a vpopmail home (where vpopmail delivers to
/// its `Maildir/`) as the new home's `Maildir/`.
fn convert_target(target: &str, homes: &[(String, String)]) -> Result<String, String> {
    match target {
        "bounce-no-mailbox" | "delete" => Ok(target.to_string()),
        t if t.contains('@') => Ok(t.trim_start_matches('&').to_string()),
        t if t.starts_with('/') => {
            let dir = format!("{}/", t.trim_end_matches('/'));
            homes
                .iter()
                .find(|(old, _)| *old == dir)
                .map(|(_, new)| format!("{new}Maildir/"))
                .ok_or_else(|| format!("[{t}] is not the home of a converted account"))
        }
        t => Err(format!("vdelivermail target [{t}] not understood")),
    }
}

/// A vpopmail alias line (`.qmail-<alias>` or vpopmail's valias table) as an
/// IndiMail valias line: forwards as `&address` (a plain address gets the
/// `&`), Maildir/mbox paths and programs kept with migrated homes rewritten,
/// `./` paths made absolute from the vpopmail domain directory, a vdelivermail
/// line delivering to an address or a home turned into that delivery. The
/// error says why a line cannot be converted.
fn convert_alias_line(
    line: &str,
    homes: &[(String, String)],
    vdomain_dir: Option<&Path>,
) -> Result<String, String> {
    let out = if line.starts_with('|') {
        match crate::ops::domain::catch_all_target(line) {
            Some(t) => match convert_target(t, homes)? {
                t if t == "bounce-no-mailbox" || t == "delete" => {
                    return Err(format!("vdelivermail {t} has no valias form"))
                }
                t if t.contains('@') => format!("&{t}"),
                t => t,
            },
            None => rewrite(line, homes),
        }
    } else if line.starts_with('&') {
        line.to_string()
    } else if let Some(rel) = line.strip_prefix("./") {
        let Some(dir) = vdomain_dir else {
            return Err("a relative path without a domain directory".into());
        };
        rewrite(&format!("{}/{rel}", dir.display()), homes)
    } else if line.starts_with('/') {
        rewrite(line, homes)
    } else if line.contains('@') {
        format!("&{line}")
    } else {
        return Err("neither an address, a path nor a program".into());
    };
    if out.chars().count() > MAX_ALIAS_LINE {
        return Err(format!("longer than {MAX_ALIAS_LINE} characters"));
    }
    Ok(out)
}

/// The catch-all of a vpopmail `.qmail-default` in IndiMail's form (None: no
/// vdelivermail line), and a note for each line that could not be converted.
fn convert_catch_all(text: &str, homes: &[(String, String)]) -> (Option<String>, Vec<String>) {
    let mut target = None;
    let mut notes = Vec::new();
    for line in calias::alias_lines(text) {
        match crate::ops::domain::catch_all_target(line) {
            Some(t) if target.is_none() => match convert_target(t, homes) {
                Ok(t) => target = Some(t),
                Err(e) => notes.push(format!("catch-all not converted: {e}: {line}")),
            },
            _ => notes.push(format!(".qmail-default line not converted: {line}")),
        }
    }
    (target, notes)
}

/// Domain aliases: the lines of each `.qmail-<alias>` file and the rows of
/// vpopmail's valias table become IndiMail valias rows (one transaction per
/// domain; an identical row is skipped, an alias the IndiMail domain directory
/// has a `.qmail-<alias>` file for is kept as it is); paths of migrated homes
/// are rewritten to the new homes, lines that cannot be converted and lines
/// still naming the vpopmail tree are reported. vpopmail's `.qmail-default`
/// sets the catch-all of the domains created here.
fn convert_aliases(
    cfg: &Config,
    db: &mut Db,
    loaded: &Loaded,
    opts: &ConvertOptions,
    reports: &mut BTreeMap<String, DomainReport>,
) -> Result<(), AppletError> {
    let domains: std::collections::BTreeSet<&String> = loaded
        .qmail_files
        .keys()
        .chain(loaded.valias.keys())
        .chain(loaded.qmail_default.keys())
        .collect();
    let vpop_root = loaded.root.as_ref().map(|p| p.display().to_string());
    for domain in domains {
        let files = loaded
            .qmail_files
            .get(domain)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let rows = loaded.valias.get(domain).map(Vec::as_slice).unwrap_or(&[]);
        let default = loaded.qmail_default.get(domain);
        if files.is_empty() && rows.is_empty() && default.is_none() {
            continue;
        }
        let r = reports.entry(domain.clone()).or_default();
        r.domain = domain.clone();
        let dom = crate::domain::lookup(cfg, domain)
            .map_err(|e| AppletError::new(111, format!("vconvert: {e}")))?;
        if dom.is_none() && !loaded.accounts.contains_key(domain) {
            r.notes.push(format!(
                "{} aliases skipped: the domain has no accounts to convert and is not in IndiMail",
                files.len() + rows.len()
            ));
            continue;
        }
        if dom.is_none() && !opts.dry_run {
            continue;
        }
        let vdomain_dir = loaded.domain_dirs.get(domain).map(PathBuf::as_path);
        // old home → new home, with a trailing slash so that `/alice` does not
        // match `/alice2`; in a dry run the accounts not yet added get a
        // placeholder (nothing is written with it). Only the accounts whose
        // home the alias texts name (directly or as `./<dir>`) are looked up:
        // most domains have no path in their aliases.
        let mut texts: Vec<&str> = files.iter().map(|f| f.2.as_str()).collect();
        texts.extend(rows.iter().map(|r| r.1.as_str()));
        texts.extend(default.map(|d| d.1.as_str()));
        let named = |a: &Account| {
            let old = a.dir.display().to_string();
            let rel = vdomain_dir
                .and_then(|v| a.dir.strip_prefix(v).ok())
                .map(|r| format!("./{}", r.display()));
            texts.iter().any(|t| {
                t.contains(old.trim_end_matches('/')) || rel.as_ref().is_some_and(|r| t.contains(r))
            })
        };
        let mut homes = Vec::new();
        for a in loaded
            .accounts
            .get(domain)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter(|a| named(a))
        {
            let old = format!("{}/", a.dir.display().to_string().trim_end_matches('/'));
            let new = match users::get(db, &a.name, domain)? {
                Some((row, _)) => format!("{}/", row.dir.trim_end_matches('/')),
                None if opts.dry_run => format!("<new home of {}@{domain}>/", a.name),
                None => continue,
            };
            homes.push((old, new));
        }
        // (alias, line, where it came from)
        let mut wanted: Vec<(&str, String, String)> = Vec::new();
        let mut notes = Vec::new();
        for (alias, path, text) in files {
            if alias.chars().count() > MAX_ALIAS_NAME {
                notes.push(format!(
                    "{}: not converted: the alias is longer than {MAX_ALIAS_NAME} characters",
                    path.display()
                ));
                continue;
            }
            if let Some(d) = &dom {
                let mine = d.dir.join(format!(".qmail-{}", alias.replace('.', ":")));
                if mine.exists() {
                    notes.push(format!("{}: exists, kept", mine.display()));
                    continue;
                }
            }
            let lines = calias::alias_lines(text);
            if lines.is_empty() {
                notes.push(format!(
                    "{}: no delivery lines, not converted",
                    path.display()
                ));
            }
            for line in lines {
                match convert_alias_line(line, &homes, vdomain_dir) {
                    Ok(l) => wanted.push((alias, l, path.display().to_string())),
                    Err(e) => {
                        notes.push(format!("{}: not converted ({e}): {line}", path.display()))
                    }
                }
            }
        }
        for (alias, line) in rows {
            let what = format!("valias {alias}@{domain}");
            match convert_alias_line(line, &homes, None) {
                Ok(l) => wanted.push((alias, l, what)),
                Err(e) => notes.push(format!("{what}: not converted ({e}): {line}")),
            }
        }
        let mut add = Vec::new();
        for (alias, line, what) in wanted {
            if let Some(root) = &vpop_root {
                if line.contains(root.as_str()) {
                    notes.push(format!("{what}: still names the vpopmail tree: {line}"));
                }
            }
            let present = dom.is_some() && crate::db::valias::exists(db, alias, domain, &line)?;
            if !present && !add.contains(&(alias, line.clone())) {
                add.push((alias, line));
            }
        }
        // the catch-all: set for a domain made here, reported for one that was there
        let mut catch_all = None;
        if let Some((_, text)) = default {
            let (target, n) = convert_catch_all(text, &homes);
            notes.extend(n);
            // a domain still to be made (dry run) gets vadddomain's bounce-no-mailbox
            let current = match &dom {
                Some(d) => fs::read_to_string(d.dir.join(".qmail-default"))
                    .ok()
                    .and_then(|text| {
                        let line = calias::alias_lines(&text).first()?.to_string();
                        crate::ops::domain::catch_all_target(&line).map(str::to_string)
                    }),
                None => Some("bounce-no-mailbox".to_string()),
            };
            match target {
                Some(t) if current.as_deref() == Some(t.as_str()) => {}
                Some(t) if r.created => catch_all = Some(t),
                Some(t) => notes.push(format!(
                    "catch-all kept as [{}]; vpopmail's is [{t}] (vmoddomain -f 0 -h sets it)",
                    current.unwrap_or_default()
                )),
                None => {}
            }
        }
        r.aliases += add.len();
        r.notes.extend(notes);
        r.catch_all.clone_from(&catch_all);
        if opts.dry_run {
            continue;
        }
        let Some(dom) = dom else { continue };
        db.transaction(|db| -> Result<(), AppletError> {
            for (alias, line) in &add {
                crate::db::valias::insert(db, alias, domain, line)?;
            }
            Ok(())
        })?;
        if let Some(t) = catch_all {
            let path = dom.dir.join(".qmail-default");
            let line = crate::ops::domain::qmail_default_line(cfg, false, &t);
            crate::control::write_atomic(&path, line.as_bytes(), 0o600, dom.owner())
                .map_err(|e| AppletError::new(111, format!("vconvert: {}: {e}", path.display())))?;
        }
    }
    Ok(())
}

/// Files and bytes under a directory (regular files only).
fn count_tree(dir: &Path) -> (u64, u64) {
    let mut acc = (0, 0);
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            match fs::symlink_metadata(e.path()) {
                Ok(m) if m.is_dir() => {
                    let (f, b) = count_tree(&e.path());
                    acc = (acc.0 + f, acc.1 + b);
                }
                Ok(m) if m.is_file() => acc = (acc.0 + 1, acc.1 + m.len()),
                _ => {}
            }
        }
    }
    acc
}

fn chown(path: &Path, owner: Option<(u32, u32)>) -> io::Result<()> {
    match owner {
        Some((u, g)) => std::os::unix::fs::lchown(path, Some(u), Some(g)),
        None => Ok(()),
    }
}

/// Copy the tree `from` into `to`, merging: directories are created when
/// missing, files only when absent (written under a `.vconvert.` name and
/// renamed, mode and mtime kept), symlinks and special files skipped.
/// Everything made belongs to `owner`. Returns the files and bytes copied.
pub fn merge_tree(from: &Path, to: &Path, owner: Option<(u32, u32)>) -> io::Result<(u64, u64)> {
    let at = |what: &str, p: &Path, e: io::Error| {
        io::Error::new(e.kind(), format!("{what}: {}: {e}", p.display()))
    };
    let meta = fs::metadata(from).map_err(|e| at("stat", from, e))?;
    if !to.exists() {
        fs::create_dir(to).map_err(|e| at("mkdir", to, e))?;
        fs::set_permissions(to, fs::Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(|e| at("chmod", to, e))?;
        chown(to, owner).map_err(|e| at("chown", to, e))?;
    }
    let mut acc = (0u64, 0u64);
    for e in fs::read_dir(from).map_err(|e| at("opendir", from, e))? {
        let e = e.map_err(|e| at("readdir", from, e))?;
        let name = e.file_name();
        let src = e.path();
        let dst = to.join(&name);
        let m = fs::symlink_metadata(&src).map_err(|e| at("lstat", &src, e))?;
        if m.is_dir() {
            let (f, b) = merge_tree(&src, &dst, owner)?;
            acc = (acc.0 + f, acc.1 + b);
        } else if m.is_file() {
            if fs::symlink_metadata(&dst).is_ok() {
                continue;
            }
            let mut tmpname = std::ffi::OsString::from(".vconvert.");
            tmpname.push(&name);
            let tmp = to.join(tmpname);
            let _ = fs::remove_file(&tmp);
            let result = (|| -> io::Result<()> {
                let mut input = fs::File::open(&src).map_err(|e| at("open", &src, e))?;
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&tmp)
                    .map_err(|e| at("open", &tmp, e))?;
                io::copy(&mut input, &mut out).map_err(|e| at("copy", &tmp, e))?;
                out.set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))
                    .map_err(|e| at("chmod", &tmp, e))?;
                out.set_modified(m.modified()?)
                    .map_err(|e| at("utime", &tmp, e))?;
                out.sync_all().map_err(|e| at("fsync", &tmp, e))?;
                drop(out);
                chown(&tmp, owner).map_err(|e| at("chown", &tmp, e))?;
                fs::rename(&tmp, &dst).map_err(|e| at("rename", &dst, e))
            })();
            if result.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            result?;
            acc = (acc.0 + 1, acc.1 + m.len());
        }
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpasswd_lines() {
        let text =
            "alice:$1$ab$xyz:1:0:Alice A:/home/vpopmail/domains/x.org/alice:NOQUOTA:secret\n\
                    # comment\n\nbob:abXYZ:1:0::/d/bob:5242880S\nbroken:line\n";
        let (a, bad) = parse_vpasswd(text, "x.org", Path::new("vpasswd"));
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].name, "alice");
        assert_eq!(a[0].hash, "$1$ab$xyz");
        assert_eq!(a[0].clear, "secret");
        assert_eq!(a[0].gecos, "Alice A");
        assert_eq!(a[0].origin, "vpasswd:1");
        assert_eq!(a[1].clear, "");
        assert_eq!(a[1].quota, "5242880S");
        assert_eq!(bad, vec!["vpasswd:5: expected 7 or 8 fields, found 2"]);
    }

    #[test]
    fn vpasswd_cdb_records() {
        let mut w = crate::assign::cdb::CdbWriter::new();
        // vpopmail's records: the user name, then the rest of the vpasswd line
        w.add(b"alice", b"$1$ab$xyz:1:0:Alice:/d/alice:NOQUOTA:secret");
        w.add(b"bob", b"abXYZ:1:2::/d/bob:5242880S");
        w.add(b"broken", b"x:1");
        let file = Path::new("vpasswd.cdb");
        let (a, bad) = parse_vpasswd_cdb(w.finish(), "x.org", file).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(
            (a[0].name.as_str(), a[0].hash.as_str()),
            ("alice", "$1$ab$xyz")
        );
        assert_eq!(
            (a[0].clear.as_str(), a[0].gecos.as_str()),
            ("secret", "Alice")
        );
        assert_eq!((a[1].name.as_str(), a[1].flags), ("bob", 2));
        assert_eq!(a[1].dir, PathBuf::from("/d/bob"));
        assert_eq!(a[1].origin, "vpasswd.cdb record 2");
        assert_eq!(
            bad,
            vec!["vpasswd.cdb record 3: expected 7 or 8 fields, found 3"]
        );
        let e = parse_vpasswd_cdb(b"not a cdb".to_vec(), "x.org", file).unwrap_err();
        assert!(e.starts_with("vpasswd.cdb: not a valid cdb: "), "{e}");
    }

    #[test]
    fn per_domain_tables() {
        assert_eq!(
            table_of_domain("my-site.example.org"),
            "my_site_example_org"
        );
        let row = |dir: &str| vdb::VpopRow {
            name: "a".into(),
            domain: String::new(),
            passwd: String::new(),
            uid: 0,
            gid: 0,
            gecos: String::new(),
            dir: dir.into(),
            shell: String::new(),
            clear: String::new(),
        };
        let rows = [row("/home/vpopmail/domains/my-site.org/a")];
        assert_eq!(
            domain_of_table("my_site_org", &[], &rows).as_deref(),
            Some("my-site.org")
        );
        assert_eq!(domain_of_table("other_org", &[], &rows), None);
        assert_eq!(
            domain_of_table("other_org", &["other.org".into()], &rows).as_deref(),
            Some("other.org")
        );
        let cols: Vec<String> = ["pw_name", "pw_passwd", "pw_uid", "pw_gid", "pw_gecos"]
            .map(String::from)
            .to_vec();
        let e = missing_columns("x_org", &cols, false).unwrap_err();
        assert!(
            e.message.contains(
                "table x_org: not a vpopmail account table, missing column(s) pw_dir, pw_shell"
            ),
            "{}",
            e.message
        );
    }

    #[test]
    fn alias_lines_and_catch_all() {
        let homes = vec![("/v/d/alice/".to_string(), "/m/A/alice/".to_string())];
        let dir = Some(Path::new("/v/d"));
        let conv = |l: &str| convert_alias_line(l, &homes, dir);
        assert_eq!(conv("&bob@x.org").unwrap(), "&bob@x.org");
        assert_eq!(conv("bob@x.org").unwrap(), "&bob@x.org");
        assert_eq!(conv("/v/d/alice/Maildir/").unwrap(), "/m/A/alice/Maildir/");
        assert_eq!(conv("./alice/Maildir/").unwrap(), "/m/A/alice/Maildir/");
        assert_eq!(
            conv("|/usr/bin/autorespond 1 2").unwrap(),
            "|/usr/bin/autorespond 1 2"
        );
        assert_eq!(
            conv("| /home/vpopmail/bin/vdelivermail '' /v/d/alice").unwrap(),
            "/m/A/alice/Maildir/"
        );
        assert_eq!(
            conv("| /home/vpopmail/bin/vdelivermail '' carol@y.org").unwrap(),
            "&carol@y.org"
        );
        assert!(conv("| /home/vpopmail/bin/vdelivermail '' delete").is_err());
        assert!(conv("bob").is_err());
        assert!(convert_alias_line("./alice/Maildir/", &homes, None).is_err());
        assert!(conv(&format!("&{}@x.org", "a".repeat(200))).is_err());

        let vd = |t: &str| format!("| /home/vpopmail/bin/vdelivermail '' {t}\n");
        for (t, want) in [
            ("bounce-no-mailbox", "bounce-no-mailbox"),
            ("delete", "delete"),
            ("pm@x.org", "pm@x.org"),
            ("/v/d/alice", "/m/A/alice/Maildir/"),
            ("/v/d/alice/", "/m/A/alice/Maildir/"),
        ] {
            assert_eq!(
                convert_catch_all(&vd(t), &homes),
                (Some(want.into()), vec![])
            );
        }
        let (t, notes) =
            convert_catch_all(&format!("| preline procmail\n{}", vd("/v/d/gone")), &homes);
        assert_eq!(t, None);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[1].contains("[/v/d/gone] is not the home of a converted account"));
    }

    #[test]
    fn flags() {
        assert_eq!(convert_flags(0), (0, vec![]));
        assert_eq!(convert_flags(0x02 | 0x08), (0x0a, vec![]));
        assert_eq!(
            convert_flags(0x800 | 0x1000 | 0x80),
            (0x100 | 0x80 | 0x200, vec![])
        );
        assert_eq!(
            convert_flags(0x4000 | 0x20),
            (0x20, vec!["NO_SPAMASSASSIN"])
        );
    }

    #[test]
    fn quotas() {
        assert_eq!(convert_quota("NOQUOTA").0.as_deref(), Some("NOQUOTA"));
        assert_eq!(convert_quota("5242880S").0.as_deref(), Some("5242880"));
        assert_eq!(
            convert_quota("5242880S,1000C").0.as_deref(),
            Some("5242880S,1000C")
        );
        assert_eq!(convert_quota("").0, None);
        let (q, note) = convert_quota("lots");
        assert!(q.is_none() && note.is_some());
    }

    #[test]
    fn merge_copies_only_missing_files() {
        let d = tempfile::tempdir().unwrap();
        let (src, dst) = (d.path().join("src"), d.path().join("dst"));
        fs::create_dir_all(src.join("Maildir/cur")).unwrap();
        fs::write(src.join("Maildir/cur/1,S=3"), "abc").unwrap();
        fs::write(src.join(".qmail"), "&x@y\n").unwrap();
        fs::create_dir_all(dst.join("Maildir/cur")).unwrap();
        assert_eq!(merge_tree(&src, &dst, None).unwrap(), (2, 8));
        assert_eq!(
            fs::read_to_string(dst.join("Maildir/cur/1,S=3")).unwrap(),
            "abc"
        );
        // again: nothing new
        assert_eq!(merge_tree(&src, &dst, None).unwrap(), (0, 0));
        assert!(fs::read_dir(dst.join("Maildir/cur")).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".vconvert")));
    }
}
