/*!
Importing a vpopmail installation (`vconvert`).

Sources: the `vpasswd` files under `~vpopmail/domains` (`<domain>/vpasswd`,
also one hash level down, `domains/<x>/<domain>/vpasswd`, as vpopmail lays
out many domains), or vpopmail's MySQL `vpopmail` table.

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
5. **Aliases**: the domain's `.qmail-<alias>` files (not vpopmail's own
   `.qmail-default`) are copied into the IndiMail domain directory and the
   rows of vpopmail's `valias` table (MySQL source) added to IndiMail's, with
   the paths of migrated homes rewritten to the new homes; an existing file or
   identical row is kept, lines still naming the vpopmail tree are reported.
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
    Mysql {
        spec: ConnSpec,
        table: String,
    },
}

/// `~vpopmail` from the password database, else `/home/vpopmail`.
pub fn default_vpopmail_dir() -> PathBuf {
    match crate::sys::getpwnam("vpopmail") {
        Ok(Some(pw)) => PathBuf::from(pw.dir),
        _ => PathBuf::from("/home/vpopmail"),
    }
}

/// Parse a `vpasswd` file: `name:hash:uid:gid:gecos:dir:quota[:clear]`.
/// Comments and blank lines are skipped; malformed lines are returned as errors.
pub fn parse_vpasswd(text: &str, domain: &str, file: &Path) -> (Vec<Account>, Vec<String>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let origin = format!("{}:{}", file.display(), i + 1);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.splitn(8, ':').collect();
        if f.len() < 7 {
            bad.push(format!(
                "{origin}: expected 7 or 8 fields, found {}",
                f.len()
            ));
            continue;
        }
        out.push(Account {
            name: f[0].to_string(),
            domain: domain.to_string(),
            hash: f[1].to_string(),
            gecos: f[4].to_string(),
            dir: PathBuf::from(f[5]),
            quota: f[6].to_string(),
            flags: f[3].trim().parse().unwrap_or(0),
            clear: f.get(7).unwrap_or(&"").to_string(),
            origin,
        });
    }
    (out, bad)
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

/// The domains of a vpopmail directory: `domains/<d>/vpasswd` and one
/// hash level below (`domains/<x>/<d>/vpasswd`), sorted by name.
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
                } else if path.join("vpasswd").is_file() {
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
    /// Per domain: its `.qmail-<alias>` files (not `.qmail-default`).
    pub qmail_files: BTreeMap<String, Vec<PathBuf>>,
    /// Per domain: (alias, line) rows of vpopmail's `valias` table.
    pub valias: BTreeMap<String, Vec<(String, String)>>,
    /// The vpopmail directory (file source): alias lines still naming it are reported.
    pub root: Option<PathBuf>,
    pub bad: Vec<String>,
}

/// The `.qmail-<alias>` files of a vpopmail domain directory, sorted
/// (`.qmail-default` is vpopmail's own delivery and is left out).
fn qmail_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(".qmail-") && name != ".qmail-default" && e.file_type()?.is_file() {
            out.push(e.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Read the source, restricted to `only` when it is not empty.
pub fn load(source: &Source, only: &[String]) -> Result<Loaded, AppletError> {
    let wanted = |d: &str| only.is_empty() || only.iter().any(|o| o == d);
    let mut l = Loaded::default();
    match source {
        Source::Files(vdir) => {
            l.root = Some(vdir.clone());
            let found = discover(vdir).map_err(|e| {
                AppletError::new(
                    111,
                    format!("vconvert: {}: {e}", vdir.join("domains").display()),
                )
            })?;
            for d in found.into_iter().filter(|d| wanted(&d.name)) {
                if let Some(real) = d.alias_of {
                    l.aliases.push((d.name, real));
                    continue;
                }
                let file = d.dir.join("vpasswd");
                let text = fs::read_to_string(&file).map_err(|e| {
                    AppletError::new(111, format!("vconvert: {}: {e}", file.display()))
                })?;
                let (accts, bad) = parse_vpasswd(&text, &d.name, &file);
                l.bad.extend(bad);
                let files = qmail_files(&d.dir).map_err(|e| {
                    AppletError::new(111, format!("vconvert: {}: {e}", d.dir.display()))
                })?;
                l.qmail_files.insert(d.name.clone(), files);
                l.accounts.entry(d.name).or_default().extend(accts);
            }
        }
        Source::Mysql { spec, table } => {
            let mut db = Db::connect(spec.clone())
                .map_err(|e| AppletError::new(111, format!("vconvert: {e}")))?;
            let rows = vdb::accounts(&mut db, table, None)
                .map_err(|e| AppletError::new(111, format!("vconvert: {e}")))?;
            for (alias, domain, line) in vdb::valias_rows(&mut db, "valias")
                .map_err(|e| AppletError::new(111, format!("vconvert: {e}")))?
                .into_iter()
                .filter(|r| wanted(&r.1))
            {
                l.valias.entry(domain).or_default().push((alias, line));
            }
            for r in rows.into_iter().filter(|r| wanted(&r.domain)) {
                l.accounts
                    .entry(r.domain.clone())
                    .or_default()
                    .push(Account {
                        origin: format!("mysql:{table}:{}@{}", r.name, r.domain),
                        name: r.name,
                        domain: r.domain,
                        hash: r.passwd,
                        clear: r.clear,
                        gecos: r.gecos,
                        dir: PathBuf::from(r.dir),
                        quota: r.shell,
                        flags: r.gid,
                    });
            }
        }
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
    /// `.qmail-<alias>` files copied and valias rows added.
    pub aliases: usize,
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

/// Domain aliases: each `.qmail-<alias>` file is copied into the IndiMail
/// domain directory (an existing file is kept), each valias row added (an
/// identical row is skipped); paths of migrated homes are rewritten to the new
/// homes, and lines still naming the vpopmail tree are reported.
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
        .collect();
    for domain in domains {
        let files = loaded
            .qmail_files
            .get(domain)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let rows = loaded.valias.get(domain).map(Vec::as_slice).unwrap_or(&[]);
        if files.is_empty() && rows.is_empty() {
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
        if opts.dry_run {
            r.aliases += files.len() + rows.len();
            continue;
        }
        let Some(dom) = dom else {
            continue;
        };
        // old home → new home, with a trailing slash so that `/alice` does not match `/alice2`
        let mut homes = Vec::new();
        for a in loaded
            .accounts
            .get(domain)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if let Some((row, _)) = users::get(db, &a.name, domain)? {
                let old = a.dir.display().to_string();
                homes.push((
                    format!("{}/", old.trim_end_matches('/')),
                    format!("{}/", row.dir),
                ));
            }
        }
        let vpop_root = loaded.root.as_ref().map(|p| p.display().to_string());
        let check = |line: &str, what: &str, r: &mut DomainReport| {
            if let Some(root) = &vpop_root {
                if line.contains(root.as_str()) {
                    r.notes
                        .push(format!("{what}: still names the vpopmail tree: {line}"));
                }
            }
        };
        for f in files {
            let name = f.file_name().unwrap_or_default();
            let target = dom.dir.join(name);
            if target.exists() {
                r.notes.push(format!("{}: exists, kept", target.display()));
                continue;
            }
            let text = fs::read_to_string(f)
                .map_err(|e| AppletError::new(111, format!("vconvert: {}: {e}", f.display())))?;
            let mut out = String::new();
            for line in text.lines() {
                let l = rewrite(line, &homes);
                check(&l, &target.display().to_string(), r);
                out.push_str(&l);
                out.push('\n');
            }
            crate::control::write_atomic(&target, out.as_bytes(), 0o600, dom.owner())
                .map_err(|e| AppletError::new(111, format!("vconvert: {e}")))?;
            r.aliases += 1;
        }
        for (alias, line) in rows {
            let l = rewrite(line, &homes);
            check(&l, &format!("valias {alias}@{domain}"), r);
            if crate::db::valias::exists(db, alias, domain, &l)? {
                continue;
            }
            crate::db::valias::insert(db, alias, domain, &l)?;
            r.aliases += 1;
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
