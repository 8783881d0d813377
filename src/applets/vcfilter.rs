//! vcfilter: list, add, change and remove the mail filter rules of an address.

use super::{parse_args, reject_uppercase, Applet, Ctx};
use crate::address::{split_email, RFC_IDS};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::users;
use crate::db::vfilter::{self, FilterRow};
use crate::ops::filter;
use crate::{domain, fail, sys};

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose"),
    OptSpec::flag('C', "look the address up first (clustered sites)"),
    OptSpec::flag('s', "show the filters"),
    OptSpec::flag('r', "raw display (with -s)"),
    OptSpec::flag('i', "add a filter"),
    OptSpec::value('d', "filter_no", "delete a filter"),
    OptSpec::value('u', "filter_no", "update a filter"),
    OptSpec::value('t', "name", "filter name"),
    OptSpec::value('c', "comparision", "comparison: number or name (0-7)"),
    OptSpec::value(
        'h',
        "header",
        "header: number or name from the header list (-1 with -c 5)",
    ),
    OptSpec::value('k', "keyword", "keyword"),
    OptSpec::value('f', "folder", "destination folder (/NoDeliver to junk)"),
    OptSpec::value(
        'b',
        "bounce_action",
        "0, 1, 2'&user@domain', 2'|prog', 3'&...', 3'|...'",
    ),
    OptSpec::long_flag("json", "with -s: print JSON (see docs/json.md)"),
];

pub const APPLET: Applet = Applet {
    name: "vcfilter",
    section: 1,
    setuid: true,
    dir: "bin",
    summary: "manage the mail filter rules of an address",
    synopsis: "[options] emailid",
    options: OPTIONS,
    run,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Select,
    Insert,
    Delete,
    Update,
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let cfg = ctx.cfg.clone();
    let headers = filter::header_list(&cfg);
    let usage = filter::usage(&headers);
    let with_usage = |msg: &str| -> AppletError {
        if msg.is_empty() {
            AppletError::new(1, usage.clone())
        } else {
            AppletError::new(1, format!("{msg}\n{usage}"))
        }
    };
    let p = parse_args(&APPLET, args, || AppletError::new(1, usage.clone()))?;

    let mut action = None;
    let mut filter_no: Option<i32> = None;
    let mut header: Option<i32> = None;
    let mut comparision: Option<i32> = None;
    let mut bounce: Option<String> = None;
    let mut folder: Option<String> = None;
    for (k, v) in &p.opts {
        let v = v.as_deref().unwrap_or("");
        match k.as_str() {
            "s" => action = Some(Action::Select),
            "i" => action = Some(Action::Insert),
            "d" | "u" => {
                action = Some(if k == "d" {
                    Action::Delete
                } else {
                    Action::Update
                });
                filter_no = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    v.parse::<i32>().ok()
                } else {
                    None
                };
            }
            "h" => {
                if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    match v.parse::<usize>() {
                        Ok(n) if n < headers.len() => header = Some(n as i32),
                        _ => {
                            return Err(with_usage(&format!(
                                "vcfilter: header value {v} out of range"
                            )))
                        }
                    }
                } else {
                    header = headers.iter().position(|h| h == v).map(|i| i as i32);
                }
            }
            "c" => {
                let n = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    v.parse::<usize>().ok()
                } else {
                    filter::COMPARISONS.iter().position(|c| *c == v)
                };
                match n {
                    Some(n) if n < filter::COMPARISONS.len() => comparision = Some(n as i32),
                    _ => {
                        return Err(with_usage(&format!(
                            "vcfilter: comparision value {v} out of range"
                        )))
                    }
                }
            }
            "b" => {
                let first = v.chars().next();
                bounce = match first {
                    Some(d) if d.is_ascii_digit() => {
                        if !('0'..='3').contains(&d) {
                            return Err(with_usage(&format!(
                                "vcfilter: invalid bounce action {d}"
                            )));
                        }
                        if d == '2' || d == '3' {
                            let rest = &v[1..];
                            if !(rest.starts_with('&') || rest.starts_with('|')) || rest.len() < 2 {
                                return Err(with_usage(
                                    "vcfilter: forwarding address incorrect or not specified",
                                ));
                            }
                            Some(v.to_string())
                        } else {
                            Some(d.to_string())
                        }
                    }
                    _ => None,
                };
            }
            "f" => {
                if v.starts_with('.') {
                    fail!(1, "vcfilter: {v}: Folder Name cannot start with [.]");
                }
                let junk = v.len() >= 10 && v[..10].eq_ignore_ascii_case("/NoDeliver");
                if !junk && v.contains('/') {
                    fail!(1, "vcfilter: {v}: Invalid Char [/]");
                }
                folder = Some(v.to_string());
            }
            _ => {}
        }
    }
    let Some(action) = action else {
        return Err(with_usage("Must specify one of -s -i, -u, -d, -m option"));
    };
    let Some(emailid) = p.operands.first().cloned() else {
        return Err(with_usage("vcfilter: must supply emailid"));
    };
    reject_uppercase("vcfilter", &emailid)?;
    if !emailid.starts_with("prefilt")
        && !emailid.starts_with("postfilt")
        && RFC_IDS.iter().any(|id| emailid.starts_with(id))
    {
        return Err(with_usage(&format!(
            "vcfilter: email {emailid} not allowed for filtering"
        )));
    }
    let mut keyword = p.value("k").map(str::to_string);
    if comparision == Some(filter::NUMERICAL) {
        keyword = keyword.map(|k| k.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    }
    if comparision == Some(filter::NOT_IN_RECIPIENTS) {
        header = Some(-1);
        keyword = None;
    }
    let filter_name = p.value("t").map(str::to_string);
    if action != Action::Select {
        if action == Action::Insert && filter_name.is_none() {
            return Err(with_usage("vcfilter: filter name not specified"));
        }
        if matches!(action, Action::Update | Action::Delete) && filter_no.is_none() {
            return Err(with_usage("vcfilter: filter no not specified or invalid"));
        }
        if action != Action::Delete {
            let mut msgs = Vec::new();
            if comparision.is_none() {
                msgs.push("vcfilter: -c option not specified");
            }
            if bounce.is_none() {
                msgs.push("vcfilter: -b option not specified");
            }
            if folder.is_none() {
                msgs.push("vcfilter: -f option not specified");
            }
            if msgs.is_empty() && comparision != Some(filter::NOT_IN_RECIPIENTS) {
                if header.is_none() {
                    msgs.push("vcfilter: -h option not specified");
                }
                if keyword.is_none() {
                    msgs.push("vcfilter: -k option not specified");
                }
            }
            if !msgs.is_empty() {
                return Err(with_usage(&msgs.join("\n")));
            }
        }
    }

    let (user, dname) = split_email(&cfg, &emailid);
    let real = domain::real_domain(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("vcfilter: {e}")))?
        .unwrap_or_else(|| dname.clone());
    let Some(dom) =
        domain::lookup(&cfg, &real).map_err(|e| AppletError::new(111, format!("vcfilter: {e}")))?
    else {
        fail!(1, "vcfilter: {real}: domain does not exist");
    };
    if dom.uid == 0 {
        fail!(100, "vcfilter: domain {real} with uid 0");
    }
    if action != Action::Select {
        if !sys::caller_may_act_as(dom.uid, dom.gid) {
            fail!(
                1,
                "vcfilter: you must be root or domain user (uid={}/gid={}) to run this program",
                dom.uid,
                dom.gid
            );
        }
        if sys::geteuid() == 0 {
            sys::switch_to(dom.uid, dom.gid).map_err(|e| {
                AppletError::new(
                    1,
                    format!(
                        "vcfilter: setuser_privilege: ({}/{}): {e}",
                        dom.uid, dom.gid
                    ),
                )
            })?;
        }
    }
    let mut db = crate::cluster::user_db(&cfg, &user, &real)?;
    if p.has("C") && users::get(&mut db, &user, &real)?.is_none() {
        fail!(1, "vcfilter: {emailid}: No such user");
    }
    let home = if matches!(action, Action::Insert | Action::Delete) {
        match users::get(&mut db, &user, &real)? {
            Some((row, _)) => row.dir,
            None => fail!(1, "vcfilter: {user}@{real}: No such user"),
        }
    } else {
        String::new()
    };
    let verbose = p.has("v");
    match action {
        Action::Select => {
            let rows = vfilter::list(&mut db, &emailid)?;
            if p.has("json") {
                let list: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "filter_no": r.filter_no,
                            "filter_name": r.filter_name,
                            "header_name": r.header_name,
                            "header": usize::try_from(r.header_name).ok().and_then(|i| headers.get(i)),
                            "comparision": r.comparision,
                            "comparison": usize::try_from(r.comparision).ok().and_then(|i| filter::COMPARISONS.get(i)),
                            "keyword": r.keyword,
                            "destination": r.destination,
                            "bounce_action": r.bounce_action,
                        })
                    })
                    .collect();
                let v = serde_json::json!({"emailid": emailid, "filters": list});
                let text = serde_json::to_string_pretty(&v)
                    .map_err(|e| AppletError::new(111, format!("vcfilter: json: {e}")))?;
                ctx.out.line(&text);
            } else {
                let raw = p.has("r");
                let hyphens = "-".repeat(144);
                for (i, r) in rows.iter().enumerate() {
                    if i == 0 && !raw {
                        ctx.out.line(filter::TITLE);
                        ctx.out.line(&hyphens);
                    }
                    ctx.out.line(&if raw {
                        filter::raw_row(r)
                    } else {
                        filter::format_row(r, &headers)
                    });
                }
                if !raw {
                    ctx.out.line(&hyphens);
                }
            }
            Ok(if rows.is_empty() { 254 } else { 0 })
        }
        Action::Insert | Action::Update => {
            let row = FilterRow {
                emailid: emailid.clone(),
                filter_no: filter_no.unwrap_or(0),
                filter_name: filter_name.unwrap_or_default(),
                header_name: header.unwrap_or(-1),
                comparision: comparision.unwrap_or(0),
                keyword: keyword.unwrap_or_default(),
                destination: folder.unwrap_or_default(),
                bounce_action: bounce.unwrap_or_default(),
            };
            if action == Action::Insert {
                let n = filter::add(&mut db, row, &home, dom.owner())?;
                if verbose {
                    ctx.out.line(&format!("added filter No {n} for {emailid}"));
                }
            } else {
                let n = row.filter_no;
                if !vfilter::list(&mut db, &emailid)?
                    .iter()
                    .any(|r| r.filter_no == n)
                {
                    fail!(
                        1,
                        "vfilter_update: No filter No {n} for {emailid} or no filter to update"
                    );
                }
                vfilter::update(&mut db, &row)?;
                if verbose {
                    ctx.out.line(&format!(
                        "updated filter no {n} header {} keyword [{}] comparision {} folder {} bounce_action {} email [{emailid}]",
                        row.header_name,
                        row.keyword,
                        row.comparision,
                        row.destination,
                        row.bounce_action.chars().next().unwrap_or('0'),
                    ));
                }
            }
            Ok(0)
        }
        Action::Delete => {
            let n = filter_no.unwrap_or(0);
            if !filter::remove(&mut db, &emailid, n, &home)? {
                fail!(1, "vcfilter: no filter No {n} for {emailid}");
            }
            Ok(0)
        }
    }
}
