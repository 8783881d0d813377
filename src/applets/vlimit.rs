//! vlimit: show, set or delete the limits of a domain or of one user.

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{vlimits, Db};
use crate::mailstore::quota;
use crate::ops::limits;
use crate::{domain, fail, sys};

const USAGE: &str = "usage: vlimit [options] domain
options: -v ( display the indimail version number )
         -s ( show current settings )
         -D ( delete limits for this domain, i.e. switch to default limits)
         -e edate ( set domain   expiry date (ddmmyyyyHHMMSS) | -n no of days
         -t edate ( set password expiry date (ddmmyyyyHHMMSS) | -N no of days
         -Q quota ( set domain quota )
         -M count ( set domain max msg count )
         -q quota ( set default user quota )
         -m count ( set default user max msg count )
         -P count ( set max amount of pop accounts )
         -A count ( set max amount of aliases )
         -F count ( set max amount of forwards )
         -R count ( set max amount of autoresponders )
         -L count ( set max amount of mailing lists )
the following options are bit flags in the gid int field
         -g \"flags\"  (set flags, see below)
          gid flags:
            u ( set no dialup flag )
            d ( set no password changing flag )
            s ( set no smtp access flag )
            i ( set no imap access flag )
            p ( set no pop access flag )
            w ( set no web mail access flag )
            r ( set no external relay flag )
            x ( clear all flags )
         -T toggle bit flag for -g option
the following options are bit flags for non postmaster admins
         -p \"flags\"  (set pop account flags)
         -a \"flags\"  (set alias flags)
         -f \"flags\"  (set forward flags)
         -r \"flags\"  (set autoresponder flags)
         -l \"flags\"  (set mailinglist flags)
         -u \"flags\"  (set mailinglist users flags)
         -o \"flags\"  (set mailinglist moderators flags)
         -x \"flags\"  (set domain  quota flags)
         -z \"flags\"  (set default quota flags)
         perm flags:
            0 ( clear all flags )
            a ( set deny all flag )
            c ( set deny create flag )
            m ( set deny modify flag )
            d ( set deny delete flag )";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "print the version"),
    OptSpec::flag('s', "show the current settings"),
    OptSpec::flag('D', "delete the row (back to the default limits)"),
    OptSpec::value('e', "ddmmyyyyHHMMSS", "domain expiry date (-1: never)"),
    OptSpec::value('n', "days", "domain expires in this many days"),
    OptSpec::value('t', "ddmmyyyyHHMMSS", "password expiry date (-1: never)"),
    OptSpec::value('N', "days", "passwords expire in this many days"),
    OptSpec::value('Q', "quota", "domain disk quota"),
    OptSpec::value('M', "count", "domain maximum message count"),
    OptSpec::value('q', "quota", "default user quota (NOQUOTA allowed)"),
    OptSpec::value('m', "count", "default user maximum message count"),
    OptSpec::value('P', "count", "maximum POP accounts (-1: unlimited)"),
    OptSpec::value('A', "count", "maximum aliases (-1: unlimited)"),
    OptSpec::value('F', "count", "maximum forwards (-1: unlimited)"),
    OptSpec::value('R', "count", "maximum autoresponders (-1: unlimited)"),
    OptSpec::value('L', "count", "maximum mailing lists (-1: unlimited)"),
    OptSpec::value('g', "flags", "disable services: u d s i p w r, x clears"),
    OptSpec::flag('T', "-g letters clear their flag instead"),
    OptSpec::value('p', "flags", "pop account permissions: 0 a c m d"),
    OptSpec::value('a', "flags", "alias permissions: 0 a c m d"),
    OptSpec::value('f', "flags", "forward permissions: 0 a c m d"),
    OptSpec::value('r', "flags", "autoresponder permissions: 0 a c m d"),
    OptSpec::value('l', "flags", "mailing list permissions: 0 a c m d"),
    OptSpec::value('u', "flags", "mailing list users permissions: 0 a c m d"),
    OptSpec::value('o', "flags", "mailing list moderators permissions: 0 c"),
    OptSpec::value('x', "flags", "domain quota permissions: 0 a c m d"),
    OptSpec::value('z', "flags", "default quota permissions: 0 a c m"),
    OptSpec::flag('h', "print the usage"),
    OptSpec::long_flag("json", "with -s: print one JSON object (see docs/json.md)"),
];

pub const APPLET: Applet = Applet {
    name: "vlimit",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "set or show the limits of a domain or a user",
    synopsis: "[options] domain|user@domain",
    options: OPTIONS,
    run,
};

fn usage_error(msg: &str) -> AppletError {
    AppletError::new(1, format!("{msg}vlimits: warning: {USAGE}"))
}

/// `ddmmyyyyHHMMSS` (or -1) as seconds since the epoch, local time.
fn parse_date(v: &str, what: &str) -> Result<i64, AppletError> {
    if v == "-1" {
        return Ok(-1);
    }
    let bad = || usage_error(&format!("Invalid {what} expiry date [{v}]\n"));
    if v.len() != 14 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |a: usize, b: usize| v[a..b].parse::<i32>().unwrap_or(-1);
    let (d, m, y, hh, mm, ss) = (n(0, 2), n(2, 4), n(4, 8), n(8, 10), n(10, 12), n(12, 14));
    if !(1..=31).contains(&d)
        || !(1..=12).contains(&m)
        || !(0..=23).contains(&hh)
        || !(0..=59).contains(&mm)
        || !(0..=61).contains(&ss)
    {
        return Err(bad());
    }
    let t = sys::mktime_local(y, m, d, hh, mm, ss).ok_or_else(bad)?;
    fits_int(t, v)
}

/// The expiry columns are INT(10).
fn fits_int(t: i64, v: &str) -> Result<i64, AppletError> {
    if t < i32::MIN as i64 || t > i32::MAX as i64 {
        fail!(100, "vlimits: fatal: expiry [{v}] is out of range");
    }
    Ok(t)
}

fn days(v: &str) -> Result<i64, AppletError> {
    let d: i64 = v.parse().map_err(|_| {
        AppletError::new(100, format!("vlimits: fatal: invalid number of days [{v}]"))
    })?;
    let t = d
        .checked_mul(86400)
        .and_then(|s| s.checked_add(crate::db::now()))
        .ok_or_else(|| {
            AppletError::new(100, format!("vlimits: fatal: expiry [{v}] is out of range"))
        })?;
    fits_int(t, v)
}

/// A count for an INT(10) column: -1 (unlimited) or 0 and up.
fn max_count(v: &str, opt: char) -> Result<i64, AppletError> {
    match v.parse::<i64>() {
        Ok(n) if n >= -1 && n <= i32::MAX as i64 => Ok(n),
        _ => fail!(100, "vlimits: fatal: -{opt}: invalid count [{v}]"),
    }
}

/// A message count for a BIGINT UNSIGNED column.
fn msg_count(v: &str, what: &str) -> Result<u64, AppletError> {
    match v.parse::<u64>() {
        Ok(n) if n < i64::MAX as u64 => Ok(n),
        _ => fail!(100, "vlimits: fatal: {what}: invalid count [{v}]"),
    }
}

fn quota_bytes(v: &str, what: &str) -> Result<i64, AppletError> {
    let bad = |e: String| {
        AppletError::new(
            100,
            format!("vlimits: fatal: {what}: invalid quota [{v}]: {e}"),
        )
    };
    quota::validate_quota_arg(v).map_err(|e| bad(e.to_string()))?;
    let (bytes, _) = quota::parse_quota(v).map_err(|e| bad(e.to_string()))?;
    Ok(bytes)
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || usage_error(""))?;
    if p.has("v") {
        ctx.out
            .line(&format!("version: {}", env!("CARGO_PKG_VERSION")));
        ctx.out.flush();
    }
    if p.has("h") {
        return Err(usage_error(""));
    }
    let domain_expiry = match (p.value("e"), p.value("n")) {
        (Some(_), Some(_)) => {
            return Err(usage_error(
                "must supply either Domain expiry date or Number of days\n",
            ))
        }
        (Some(e), None) => Some(parse_date(e, "domain")?),
        (None, Some(n)) => Some(days(n)?),
        (None, None) => None,
    };
    let passwd_expiry = match (p.value("t"), p.value("N")) {
        (Some(_), Some(_)) => {
            return Err(usage_error(
                "must supply either Password expiry date or Number of days\n",
            ))
        }
        (Some(t), None) => Some(parse_date(t, "password")?),
        (None, Some(n)) => Some(days(n)?),
        (None, None) => None,
    };
    let Some(key) = p.operands.first() else {
        return Err(usage_error(""));
    };
    let (dname, user_row) = match key.rfind('@') {
        Some(i) if i + 1 == key.len() => fail!(100, "vlimits: warning: domain cannot be NULL"),
        Some(i) => (&key[i + 1..], true),
        None => (key.as_str(), false),
    };
    let cfg = ctx.cfg.clone();
    let Some(dom) = domain::lookup(&cfg, dname)
        .map_err(|e| AppletError::new(111, format!("vlimits: fatal: {e}")))?
    else {
        fail!(100, "vlimits: warning: {dname}: No such domain");
    };
    if dom.uid == 0 {
        fail!(100, "vlimits: fatal: domain {dname} with uid 0");
    }
    if !sys::caller_may_act_as(dom.uid, dom.gid) {
        fail!(
            100,
            "vlimits: warning: you must be root or domain user (uid={}/gid={}) to run this program",
            dom.uid,
            dom.gid
        );
    }

    // Every value is checked before the row is touched.
    let count_opts: Vec<(char, i64)> = ['P', 'A', 'F', 'R', 'L']
        .iter()
        .filter_map(|&c| p.value(&c.to_string()).map(|v| (c, v)))
        .map(|(c, v)| max_count(v, c).map(|n| (c, n)))
        .collect::<Result<_, _>>()?;
    let diskquota = p
        .value("Q")
        .map(|v| quota_bytes(v, "diskquota").map(|b| b.max(0) as u64))
        .transpose()?;
    let maxmsgcount = p
        .value("M")
        .map(|v| msg_count(v, "maxmsgcount"))
        .transpose()?;
    let defaultquota = match p.value("q") {
        Some("NOQUOTA") => Some(-1),
        Some(v) => Some(quota_bytes(v, "defaultquota")?),
        None => None,
    };
    let defaultmaxmsgcount = p
        .value("m")
        .map(|v| msg_count(v, "defaultmaxmsgcount"))
        .transpose()?;
    let mut perms: Vec<(char, i32)> = Vec::new();
    for c in ['p', 'a', 'f', 'r', 'l', 'u', 'o', 'x', 'z'] {
        if let Some(v) = p.value(&c.to_string()) {
            let allowed = match c {
                'z' => "0acm",
                'o' => "0c",
                _ => "0acmd",
            };
            let mut m = limits::perm_mask(v, allowed).map_err(|bad| {
                AppletError::new(
                    100,
                    format!("vlimits: fatal: -{c}: flag [{bad}] not one of [{allowed}]"),
                )
            })?;
            if c == 'z' {
                m &= limits::DENY_CREATE | limits::DENY_MODIFY;
            }
            perms.push((c, m));
        }
    }
    let gid_flags = p.value("g");
    if let Some(g) = gid_flags {
        let mut scratch = vlimits::Limits::default();
        limits::apply_gid_flags(&mut scratch, g, false).map_err(|bad| {
            AppletError::new(
                100,
                format!("vlimits: fatal: -g: flag [{bad}] not one of [udsipwrx]"),
            )
        })?;
    }

    // A user row lives with the user (on a clustered site, a distributed
    // domain's user's mail store, where inlookup's limit query reads it);
    // domain rows stay in the local database.
    let mut db = if user_row {
        let user = &key[..key.rfind('@').unwrap_or(0)];
        crate::cluster::user_db(&cfg, user, &dom.name)?
    } else {
        Db::open(&cfg)?
    };
    let current = vlimits::get(&mut db, key)?;
    if p.has("D") || p.has("s") {
        let Some(l) = current else {
            fail!(1, "vlimits: warning: No records found for {key}");
        };
        if p.has("D") {
            vlimits::delete(&mut db, key)?;
            ctx.out.line("Limits deleted");
        } else if p.has("json") {
            let v = serde_json::json!({
                "key": key,
                "type": if user_row { "user" } else { "domain" },
                "limits": l,
            });
            let text = serde_json::to_string_pretty(&v)
                .map_err(|e| AppletError::new(111, format!("vlimits: json: {e}")))?;
            ctx.out.line(&text);
        } else {
            ctx.out.put(&limits::report(&l, user_row));
        }
        return Ok(0);
    }
    let mut l = current.unwrap_or_default();
    if let Some(t) = domain_expiry {
        l.domain_expiry = t;
    }
    if let Some(t) = passwd_expiry {
        l.passwd_expiry = t;
    }
    for (c, n) in count_opts {
        match c {
            'P' => l.maxpopaccounts = n,
            'A' => l.maxaliases = n,
            'F' => l.maxforwards = n,
            'R' => l.maxautoresponders = n,
            _ => l.maxmailinglists = n,
        }
    }
    if let Some(q) = diskquota {
        l.diskquota = q;
    }
    if let Some(c) = maxmsgcount {
        l.maxmsgcount = c;
    }
    if let Some(q) = defaultquota {
        l.defaultquota = q;
    }
    if let Some(c) = defaultmaxmsgcount {
        l.defaultmaxmsgcount = c;
    }
    if let Some(g) = gid_flags {
        // Letters were checked above.
        let _ = limits::apply_gid_flags(&mut l, g, p.has("T"));
    }
    for (c, m) in perms {
        match c {
            'p' => l.perm_account = m,
            'a' => l.perm_alias = m,
            'f' => l.perm_forward = m,
            'r' => l.perm_autoresponder = m,
            'l' => l.perm_maillist = m,
            'u' => l.perm_maillist_users = m,
            'o' => l.perm_maillist_moderators = m,
            'x' => l.perm_quota = m,
            _ => l.perm_defaultquota = m,
        }
    }
    if vlimits::set(&mut db, key, &l)? == 0 {
        fail!(1, "vlimits: fatal: vset_limits: Failed to set limits");
    }
    Ok(0)
}
