/*!
Mail filter rules (`vcfilter`): the header list, the comparisons, the two
listing formats, and adding/removing rules together with the
`<home>/Maildir/vfilter` marker that tells delivery to run the filter.
*/

use std::path::{Path, PathBuf};

use crate::cli::AppletError;
use crate::config::Config;
use crate::db::vfilter::{self, FilterRow};
use crate::db::Db;

/// `vfilter_comparision`, by number.
pub const COMPARISONS: &[&str] = &[
    "Equals",
    "Contains",
    "Does not contain",
    "Starts with",
    "Ends with",
    "My id not in To, CC, Bcc",
    "Numerical Logical Expression",
    "RegExp",
];

/// The comparison that takes neither header nor keyword.
pub const NOT_IN_RECIPIENTS: i32 = 5;
/// The comparison whose keyword loses its white space.
pub const NUMERICAL: i32 = 6;

/// The header list IndiMail installs as `SYSCONFDIR/headerlist`; used when no
/// such file is present (so header numbers mean the same as on an installed system).
pub const DEFAULT_HEADERS: &[&str] = &[
    "Return-Path",
    "From",
    "Subject",
    "To",
    "Cc",
    "Bcc",
    "Reply-To",
    "Date",
    "Sender",
    "User-Agent",
    "Message-Id",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Precedence",
    "Organization",
    "Errors-To",
    "List-Id",
    "Importance",
    "Mailing-List",
    "X-Sender",
    "X-Mailing-List",
    "X-ML-Name",
    "X-List",
    "X-Loop",
    "X-BeenThere",
    "X-Sequence",
    "X-Mailer",
    "X-QHPSI",
    "X-Priority",
    "X-Spam-Status",
    "X-Spam-Rating",
    "X-Bogosity",
    "Received",
    "X-Quarantine",
    "Domainkey-Signature",
    "DKIM-Signature",
    "DKIM-Status",
    "Domainkey-Status",
    "X-Forwarded-To",
    "X-Forwarded-For",
    "Return-Receipt-To",
    "Dispostion-Notification-To",
    "Disposition-Notification-Options",
    "Original-Recipient",
    "X-BitDefender-Spam",
    "X-DSPAM-Result",
];

/// Parse a headerlist file: `#` starts a comment, blank lines are skipped,
/// leading white space is dropped.
pub fn parse_header_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .map(|l| l.trim_start())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// `headerList`: `SYSCONFDIR/headerlist`, else `CONTROLDIR/headerlist`, else [`DEFAULT_HEADERS`].
pub fn header_list(cfg: &Config) -> Vec<String> {
    for p in [cfg.sysconfdir.join("headerlist"), cfg.control("headerlist")] {
        if let Ok(text) = std::fs::read_to_string(&p) {
            let l = parse_header_list(&text);
            if !l.is_empty() {
                return l;
            }
        }
    }
    DEFAULT_HEADERS.iter().map(|s| s.to_string()).collect()
}

fn two_columns(items: &[String], out: &mut String) {
    let mut i = 0;
    while i < items.len() {
        if i + 1 < items.len() {
            out.push_str(&format!(
                "{:>11} {:3} - {:<28} {:>8} {:3} - {}\n",
                " ",
                i,
                items[i],
                " ",
                i + 1,
                items[i + 1]
            ));
            i += 2;
        } else {
            out.push_str(&format!("{:>11} {:3} - {}\n", " ", i, items[i]));
            i += 1;
        }
    }
}

/// vcfilter's usage text (it lists the comparisons and the header list).
pub fn usage(headers: &[String]) -> String {
    let mut s = String::from(
        "usage: vcfilter [options] emailid
options: -v verbose
         -C connect to Cluster
         -r raw display (for -s option)
         -s show filter(s)
         -i add filter
         -d filter_no delete filter(s)
         -u filter_no update filter
         -t Filter Name (textual description of filter)
         -c comparision
",
    );
    let comps: Vec<String> = COMPARISONS.iter().map(|s| s.to_string()).collect();
    two_columns(&comps, &mut s);
    s.push_str("         -h header value\n             -1 - If comparision (-c) option is 5\n");
    two_columns(headers, &mut s);
    s.push_str(
        "         -k keyword [\"\" string if comparision (-c) option is 5]
         -f folder [Specify /NoDeliver for delivery to be junked]
         -b bounce action
              0               - Do not Bounce to sender
              1               - Bounce to sender
              2'&user@domain' - Forward to another id
              2'|program'     - Feed mail to another program
              3'&user@domain' - Forward to another id and Bounce
              3'|program'     - Feed mail to another program and Bounce",
    );
    s
}

/// The numeric bounce action of a stored `bounce_action` (its leading digits).
fn bounce_number(b: &str) -> i32 {
    let digits: String = b.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().unwrap_or(0)
}

fn forward_of(row: &FilterRow) -> &str {
    match bounce_number(&row.bounce_action) {
        2 | 3 => row.bounce_action.get(1..).unwrap_or(""),
        _ => "",
    }
}

pub const TITLE: &str = "No  EmailId                       FilterName           Header          Comparision                Keyword         Folder          Bounce Forward";

/// One line of the formatted listing.
pub fn format_row(row: &FilterRow, headers: &[String]) -> String {
    let hname = if row.header_name == -1 {
        "N/A"
    } else {
        usize::try_from(row.header_name)
            .ok()
            .and_then(|i| headers.get(i))
            .map(String::as_str)
            .unwrap_or("invalid header")
    };
    let comp = usize::try_from(row.comparision)
        .ok()
        .and_then(|i| COMPARISONS.get(i))
        .copied()
        .unwrap_or("invalid comparision");
    let b = bounce_number(&row.bounce_action);
    format!(
        "{:3} {:<29} {:<20} {:<15} {:<26} {:<15} {:<15} {:<6} {}",
        row.filter_no,
        row.emailid,
        row.filter_name,
        hname,
        comp,
        if row.keyword.is_empty() {
            "N/A"
        } else {
            &row.keyword
        },
        if row.destination == "/NoDeliver" {
            "Void"
        } else {
            &row.destination
        },
        if b == 1 || b == 3 { "Yes" } else { "No" },
        if b == 2 || b == 3 {
            forward_of(row)
        } else {
            "No"
        },
    )
}

/// One line of the raw listing (`-r`): white space in name and keyword becomes `~`.
pub fn raw_row(row: &FilterRow) -> String {
    let tilde = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_whitespace() { '~' } else { c })
            .collect()
    };
    let b = bounce_number(&row.bounce_action);
    let last = if b != 0 {
        if b == 2 || b == 3 {
            forward_of(row).to_string()
        } else {
            "Bounce".to_string()
        }
    } else if row.destination != "/NoDeliver" {
        "Deliver".to_string()
    } else {
        "Vapour".to_string()
    };
    format!(
        "{} {} {} {} {} {} {} {}",
        row.filter_no,
        row.emailid,
        tilde(&row.filter_name),
        row.header_name,
        row.comparision,
        if row.keyword.is_empty() {
            "N/A".to_string()
        } else {
            tilde(&row.keyword)
        },
        row.destination,
        last
    )
}

/// The marker file delivery looks for.
pub fn marker(home: &str) -> PathBuf {
    Path::new(home).join("Maildir").join("vfilter")
}

/// Whether an address gets the marker file (the spam-filter accounts do not).
fn wants_marker(emailid: &str) -> bool {
    !emailid.starts_with("prefilt@") && !emailid.starts_with("postfilt@")
}

/// Add a rule: number it, insert it and create the marker, all or nothing.
/// Returns the filter number.
pub fn add(
    db: &mut Db,
    mut row: FilterRow,
    home: &str,
    owner: Option<(u32, u32)>,
) -> Result<i32, AppletError> {
    let existing = vfilter::list(db, &row.emailid)?;
    if let Some(dup) = existing.iter().find(|r| {
        r.header_name == row.header_name
            && r.comparision == row.comparision
            && r.keyword == row.keyword
            && r.destination == row.destination
    }) {
        return Err(AppletError::new(
            255,
            format!(
                "vfilter_insert: {}: the same rule exists as filter No {}",
                row.emailid, dup.filter_no
            ),
        ));
    }
    if row.comparision == NOT_IN_RECIPIENTS {
        if existing.iter().any(|r| r.filter_no == 0) {
            return Err(AppletError::new(
                255,
                format!(
                    "vfilter_insert: {}: filter No 0 (comparision 5) exists",
                    row.emailid
                ),
            ));
        }
        row.filter_no = 0;
    } else {
        row.filter_no = vfilter::next_filter_no(db, &row.emailid)?;
    }
    db.ensure_table("vfilter")?;
    let mark = marker(home);
    let make_marker = wants_marker(&row.emailid) && !mark.exists();
    db.transaction(|db| -> Result<(), AppletError> {
        vfilter::insert(db, &row)?;
        if make_marker {
            std::fs::File::create(&mark).map_err(|e| {
                AppletError::new(
                    255,
                    format!(
                        "vcfilter: open_trunc: {}: {}",
                        mark.display(),
                        crate::mailstore::remove::error_text(&e)
                    ),
                )
            })?;
            if let Err(e) = crate::sys::chown(&mark, owner) {
                let _ = std::fs::remove_file(&mark);
                return Err(AppletError::new(
                    255,
                    format!("vcfilter: chown: {}: {e}", mark.display()),
                ));
            }
        }
        Ok(())
    })?;
    Ok(row.filter_no)
}

/// Remove a rule; the marker goes when the address has no rule left.
/// `Ok(false)` when there was no such rule.
pub fn remove(db: &mut Db, emailid: &str, filter_no: i32, home: &str) -> Result<bool, AppletError> {
    if vfilter::delete(db, emailid, filter_no)? == 0 {
        return Ok(false);
    }
    if vfilter::list(db, emailid)?.is_empty() {
        let _ = std::fs::remove_file(marker(home));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(b: &str, dest: &str) -> FilterRow {
        FilterRow {
            emailid: "prefilt@example.com".into(),
            filter_no: 1,
            filter_name: "spam Filter".into(),
            header_name: 32,
            comparision: 3,
            keyword: "Yes, spamicity=".into(),
            destination: dest.into(),
            bounce_action: b.into(),
        }
    }

    #[test]
    fn listing_formats() {
        let h: Vec<String> = DEFAULT_HEADERS.iter().map(|s| s.to_string()).collect();
        assert_eq!(h[32], "X-Bogosity");
        assert_eq!(h[28], "X-QHPSI");
        assert_eq!(
            format_row(&row("0", "Spam"), &h),
            "  1 prefilt@example.com           spam Filter          X-Bogosity      Starts with                Yes, spamicity= Spam            No     No"
        );
        assert_eq!(
            raw_row(&row("0", "Spam")),
            "1 prefilt@example.com spam~Filter 32 3 Yes,~spamicity= Spam Deliver"
        );
        assert!(raw_row(&row("0", "/NoDeliver")).ends_with("Vapour"));
        assert!(raw_row(&row("1", "x")).ends_with("Bounce"));
        assert!(raw_row(&row("3&a@b.c", "x")).ends_with(" &a@b.c"));
        assert!(format_row(&row("3&a@b.c", "/NoDeliver"), &h)
            .ends_with("Void            Yes    &a@b.c"));
    }

    #[test]
    fn header_files() {
        assert_eq!(
            parse_header_list("From\n\n  # c\n  To # x\nSubject"),
            vec!["From", "To ", "Subject"]
        );
    }
}
