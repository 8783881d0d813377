/*!
What `vuserinfo` reports about an address, gathered once and rendered either
as the original's text or as JSON.
*/

use std::path::Path;

use serde::Serialize;

use crate::cli::AppletError;
use crate::config::{control_lines, first_line, Config};
use crate::db::lastauth::{self, Entry};
use crate::db::users::{self, Status};
use crate::db::{userinfo as userinfo_rows, valias, Db};
use crate::domain;
use crate::mailstore::maildirsize;
use crate::passwd;
use crate::sys;

/// One lastauth event: when and from where.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Event {
    pub time: i64,
    pub ip: String,
}

/// The lastauth block.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Activity {
    pub added: Option<Event>,
    pub last_auth: Option<Event>,
    pub last_pop3: Option<Event>,
    pub last_imap: Option<Event>,
    pub password_changed: Option<Event>,
    pub inactivated: Option<Event>,
    pub activated: Option<Event>,
    pub relay_allowed: bool,
}

/// Everything known about a user.
#[derive(Debug, Clone, Serialize)]
pub struct UserInfo {
    pub email: String,
    pub user: String,
    pub domain: String,
    pub passwd: String,
    pub hash: &'static str,
    pub uid: i64,
    pub gid: i64,
    pub flags: Vec<&'static str>,
    pub gecos: String,
    pub dir: String,
    pub dir_exists: bool,
    pub quota: String,
    pub quota_bytes: i64,
    pub quota_count: i64,
    pub usage_bytes: i64,
    pub usage_count: i64,
    pub mail_store: String,
    pub table: String,
    pub status: Status,
    pub activity: Option<Activity>,
    pub forwarding: Vec<Vec<String>>,
}

/// Flag bits of `pw_gid` and their vuserinfo texts, in display order.
pub const FLAG_TEXTS: &[(i64, &str)] = &[
    (0x01, "password can not be changed by user"),
    (0x02, "pop access closed"),
    (0x04, "webmail access closed"),
    (0x08, "imap access closed"),
    (0x100, "smtp access closed"),
    (0x10, "mail will be bounced back to sender"),
    (0x20, "user not allowed to relay mail"),
    (0x40, "no dialup flag has been set"),
    (0x80, "has qmailadmin administrator privileges"),
    (0x2000, "has domain limit skip privileges"),
    (0x200, "user flag 0 is set"),
    (0x400, "user flag 1 is set"),
    (0x800, "user flag 2 is set"),
    (0x1000, "user flag 3 is set"),
];

pub fn flag_texts(gid: i64) -> Vec<&'static str> {
    if gid == 0 {
        return vec!["all services available"];
    }
    FLAG_TEXTS
        .iter()
        .filter(|(b, _)| gid & b != 0)
        .map(|(_, t)| *t)
        .collect()
}

/// Outcome of looking an address up.
pub enum Lookup {
    Found(Box<UserInfo>),
    /// No mailbox, but forwards exist (printed as `Forwarding` lines).
    ForwardsOnly(Vec<Vec<String>>),
    NotFound,
}

fn strip_forward(line: &str) -> String {
    line.strip_prefix('&').unwrap_or(line).to_string()
}

/// `.qmail` style file lines (comments removed), `&` stripped.
fn dotqmail_lines(path: &Path) -> Option<Vec<String>> {
    if !path.exists() {
        return None;
    }
    Some(
        control_lines(path)
            .unwrap_or_default()
            .iter()
            .map(|l| strip_forward(l))
            .collect(),
    )
}

/// valiasinfo: forwards from the domain's `.qmail-<user>`, the home's `.qmail`, and `valias` rows.
/// `rows` are the valias lines when they have been read already.
pub fn forwarding(
    db: &mut Db,
    domain_dir: Option<&Path>,
    home: Option<&str>,
    user: &str,
    domain: &str,
    rows: Option<&[String]>,
) -> Result<Vec<Vec<String>>, AppletError> {
    let mut blocks = Vec::new();
    let mut files = Vec::new();
    if let Some(d) = domain_dir {
        let f = d.join(format!(".qmail-{}", user.replace('.', ":")));
        if let Some(lines) = dotqmail_lines(&f) {
            files.extend(if lines.is_empty() {
                vec![format!("{}/Maildir/", d.display())]
            } else {
                lines
            });
        }
    }
    if let Some(h) = home {
        if let Some(lines) = dotqmail_lines(&Path::new(h).join(".qmail")) {
            files.extend(lines);
        }
    }
    if !files.is_empty() {
        blocks.push(files);
    }
    if !domain.is_empty() {
        let read;
        let lines = match rows {
            Some(r) => r,
            None => {
                read = valias::lines(db, user, domain)?;
                &read
            }
        };
        let rows: Vec<String> = lines.iter().map(|l| strip_forward(l)).collect();
        if !rows.is_empty() {
            blocks.push(rows);
        }
    }
    Ok(blocks)
}

fn latest<'a>(entries: &'a [Entry], services: &[&str]) -> Option<&'a Entry> {
    entries
        .iter()
        .filter(|e| services.contains(&e.service.as_str()))
        .max_by_key(|e| e.time)
}

fn event(e: Option<&Entry>) -> Option<Event> {
    e.map(|e| Event {
        time: e.time,
        ip: e.ip.clone(),
    })
}

/// The lastauth block of a user, from its lastauth rows.
pub fn activity(db: &mut Db, email: &str, entries: &[Entry]) -> Result<Activity, AppletError> {
    let pop3 = latest(entries, &["pop3"]);
    let imap = latest(entries, &["imap"]);
    let mut relay = false;
    for e in [pop3, imap].into_iter().flatten() {
        relay |= lastauth::relay_allowed(db, email, &e.ip)?;
    }
    Ok(Activity {
        added: event(latest(entries, &[lastauth::ADD])),
        last_auth: event(latest(entries, &["pop3", "imap", "webm"])),
        last_pop3: event(pop3),
        last_imap: event(imap),
        password_changed: event(latest(entries, &[lastauth::PASS])),
        inactivated: event(latest(entries, &[lastauth::INACTIVATE])),
        activated: event(latest(entries, &[lastauth::ACTIVATE])),
        relay_allowed: relay,
    })
}

/// The IP shown as the mail store of a non-clustered domain.
pub fn mail_store(cfg: &Config, db: &Db) -> String {
    let host = db.spec.host.as_str();
    if host == "localhost" || host == "127.0.0.1" {
        first_line(&cfg.control("hostip"))
            .ok()
            .flatten()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "127.0.0.1".to_string())
    } else {
        host.to_string()
    }
}

/// Look up `user@domain` (domain may be empty) and gather what vuserinfo shows.
/// `want_quota` recalculates `maildirsize` (the original always does so when
/// it shows the quota), `want_activity` reads lastauth.
pub fn lookup(
    cfg: &Config,
    db: &mut Db,
    user: &str,
    domain: &str,
    want_quota: bool,
    want_activity: bool,
) -> Result<Lookup, AppletError> {
    let (mut real, dom) = match domain::real_domain_entry(cfg, domain)
        .map_err(|e| AppletError::new(111, format!("userinfo: {e}")))?
    {
        Some((real, entry)) => (Some(real), entry),
        None => (None, None),
    };
    if real.is_none() && !domain.is_empty() {
        let rcpthosts = cfg.control("rcpthosts");
        if !rcpthosts.exists() {
            return Err(AppletError::new(
                1,
                "userinfo: no domains found. rcpthosts missing",
            ));
        }
        if control_lines(&rcpthosts)
            .unwrap_or_default()
            .iter()
            .any(|l| l == domain)
        {
            real = Some(domain.to_string());
        }
    }
    let real_name = real.clone().unwrap_or_default();
    // With a domain, the user row, its lastauth rows and its valias lines
    // are read in one statement.
    let (found, fetched) = if !real_name.is_empty() {
        let rows = userinfo_rows::get(db, user, &real_name)?;
        (rows.user, Some((rows.lastauth, rows.valias)))
    } else if domain.is_empty() {
        (users::get(db, user, &real_name)?, None)
    } else {
        (None, None)
    };
    let valias_rows = fetched.as_ref().map(|(_, v)| v.as_slice());
    let Some((row, status)) = found else {
        let blocks = forwarding(
            db,
            dom.as_ref().map(|d| d.dir.as_path()),
            None,
            user,
            &real_name,
            valias_rows,
        )?;
        return Ok(if blocks.is_empty() {
            Lookup::NotFound
        } else {
            Lookup::ForwardsOnly(blocks)
        });
    };
    let email = format!("{user}@{real_name}");
    let (quota_bytes, quota_count) = if row.shell.starts_with("NOQUOTA") {
        (0, 0)
    } else {
        crate::mailstore::quota::parse_quota(&row.shell).unwrap_or((0, 0))
    };
    let (mut usage_bytes, mut usage_count) = (0, 0);
    if want_quota {
        let owner = dom.as_ref().and_then(|d| d.owner());
        match crate::ops::user::recalc(&row, owner) {
            Ok(Some(u)) => (usage_bytes, usage_count) = (u.bytes, u.count),
            Ok(None) => {}
            Err(_) => {
                let u = maildirsize::read_usage(&Path::new(&row.dir).join("Maildir"))
                    .map_err(|e| AppletError::new(1, format!("userinfo: recalc_quota: {e}")))?;
                (usage_bytes, usage_count) = (u.bytes, u.count);
            }
        }
    }
    let activity = if want_activity && !domain.is_empty() {
        let read;
        let entries = match &fetched {
            Some((entries, _)) => entries,
            None => {
                read = lastauth::entries(db, &row.name, &row.domain)?;
                &read
            }
        };
        Some(activity(db, &email, entries)?)
    } else {
        None
    };
    let forwarding = forwarding(
        db,
        dom.as_ref().map(|d| d.dir.as_path()),
        Some(&row.dir),
        user,
        &real_name,
        valias_rows,
    )?;
    let passwd = row.display_passwd();
    Ok(Lookup::Found(Box::new(UserInfo {
        email: format!(
            "{}@{}",
            row.name,
            if domain.is_empty() {
                "localhost"
            } else {
                &real_name
            }
        ),
        user: row.name.clone(),
        domain: real_name,
        hash: passwd::hash_label(&passwd),
        passwd,
        uid: row.uid,
        gid: row.gid,
        flags: flag_texts(row.gid),
        gecos: row.gecos.clone(),
        dir_exists: !sys::path_missing(Path::new(&row.dir)),
        dir: row.dir.clone(),
        quota: row.shell.clone(),
        quota_bytes,
        quota_count,
        usage_bytes: usage_bytes.max(0),
        usage_count: usage_count.max(0),
        mail_store: mail_store(cfg, db),
        table: status.table(),
        status,
        activity,
        forwarding,
    })))
}
