//! vlimit: every option, the row it writes, the -s report, and refusals.

use crate::common::TestEnv;

const COLS: &str = "domain, domain_expiry, passwd_expiry, maxpopaccounts, maxaliases, maxforwards, \
maxautoresponders, maxmailinglists, diskquota, maxmsgcount, defaultquota, defaultmaxmsgcount, \
disable_pop, disable_imap, disable_dialup, disable_passwordchanging, disable_webmail, disable_relay, \
disable_smtp, perm_account, perm_alias, perm_forward, perm_autoresponder, perm_maillist, perm_quota, \
perm_defaultquota";

fn row(env: &TestEnv, key: &str) -> Vec<String> {
    env.rows(&format!(
        "SELECT {COLS} FROM vlimits WHERE domain = '{key}'"
    ))
}

fn all_rows(env: &TestEnv) -> Vec<String> {
    env.rows(&format!("SELECT {COLS} FROM vlimits ORDER BY domain"))
}

#[track_caller]
fn refused(env: &TestEnv, args: &[&str], code: i32, stderr: &str) {
    crate::common::assert_refused(env, all_rows, "vlimit", args, code, stderr);
}

#[test]
fn domain_limits_are_stored_with_every_option() {
    let env = TestEnv::new().with_domain("example.com");
    // The command of the oracle's inlookup capture (wire-inlookup.txt).
    env.run(
        "vlimit",
        &[
            "-Q",
            "100M",
            "-M",
            "5000",
            "-q",
            "10M",
            "-m",
            "1000",
            "-P",
            "50",
            "-A",
            "20",
            "-F",
            "10",
            "-R",
            "5",
            "-L",
            "3",
            "-g",
            "pi",
            "-p",
            "c",
            "-a",
            "cm",
            "example.com",
        ],
    )
    .ok();
    // The original decoded these values (perm_* were lost there: a bug, stored here).
    assert_eq!(
        row(&env, "example.com"),
        vec!["example.com\t-1\t-1\t50\t20\t10\t5\t3\t104857600\t5000\t10485760\t1000\t1\t1\t0\t0\t0\t0\t0\t1\t3\t0\t0\t0\t0\t0"]
    );
    let r = env.run("vlimit", &["-s", "example.com"]);
    assert_eq!(
        r.ok(),
        "Domain Expiry   Date : Never Expires
Password Expiry Date : Never Expires
Max Domain Quota     :     104857600
Max Domain Messages  :          5000
Default User Quota   :      10485760
Default User Messages:          1000
Max Pop Accounts     :            50
Max Aliases          :            20
Max Forwards         :            10
Max Autoresponders   :             5
Max Mailinglists     :             3

GID Flags:
  DIALUP
  PASSWD CHNG
  SMTP
  NO_IMAP
  NO_POP
  WEBMAIL
  RELAY
"
    );
    // Options change only what they name; -g resets the other service flags.
    env.run(
        "vlimit",
        &[
            "-g",
            "us",
            "-f",
            "a",
            "-r",
            "d",
            "-x",
            "m",
            "-z",
            "ca",
            "example.com",
        ],
    )
    .ok();
    assert_eq!(
        row(&env, "example.com"),
        vec!["example.com\t-1\t-1\t50\t20\t10\t5\t3\t104857600\t5000\t10485760\t1000\t0\t0\t1\t0\t0\t0\t1\t1\t3\t7\t4\t0\t2\t3"]
    );
    // -T: the letters clear; x clears everything.
    env.run("vlimit", &["-T", "-g", "u", "example.com"]).ok();
    assert!(row(&env, "example.com")[0].contains("\t1000\t0\t0\t0\t0\t0\t0\t0\t"));
    env.run("vlimit", &["-g", "dwrx", "example.com"]).ok();
    assert!(row(&env, "example.com")[0].contains("\t1000\t0\t0\t0\t0\t0\t0\t0\t"));
    // Mailing-list masks share one column: list | users << 3 | moderators << 6.
    env.run("vlimit", &["-l", "d", "-u", "m", "-o", "c", "example.com"])
        .ok();
    let r = env.rows("SELECT perm_maillist FROM vlimits WHERE domain='example.com'");
    assert_eq!(r, vec!["84"]);
    // 0 clears what came before it.
    env.run("vlimit", &["-p", "a0", "example.com"]).ok();
    let r = env.rows("SELECT perm_account FROM vlimits WHERE domain='example.com'");
    assert_eq!(r, vec!["0"]);
    // NOQUOTA default quota is -1, shown as the original shows it (unsigned).
    env.run("vlimit", &["-q", "NOQUOTA", "-P", "-1", "example.com"])
        .ok();
    let s = env.run("vlimit", &["-s", "example.com"]);
    assert!(
        s.ok()
            .contains("Default User Quota   : 18446744073709551615\n"),
        "{s:?}"
    );
    assert!(s.stdout.contains("Max Pop Accounts     :     unlimited\n"));
    // --json
    let j = env.run("vlimit", &["-s", "--json", "example.com"]);
    let v: serde_json::Value = serde_json::from_str(j.ok()).unwrap();
    assert_eq!(v["key"], "example.com");
    assert_eq!(v["type"], "domain");
    assert_eq!(v["limits"]["diskquota"], 104857600);
    assert_eq!(v["limits"]["defaultquota"], -1);
    assert_eq!(v["limits"]["perm_maillist_users"], 2);
    // -D
    let v = env.run("vlimit", &["-v", "-P", "3", "example.com"]);
    assert!(v.ok().starts_with("version: "), "{v:?}");
    assert_eq!(
        env.rows("SELECT maxpopaccounts FROM vlimits WHERE domain='example.com'"),
        vec!["3"]
    );
    let d = env.run("vlimit", &["-D", "example.com"]);
    assert_eq!(d.ok(), "Limits deleted\n");
    assert!(row(&env, "example.com").is_empty());
    refused(
        &env,
        &["-D", "example.com"],
        1,
        "vlimits: warning: No records found for example.com",
    );
    refused(
        &env,
        &["-s", "example.com"],
        1,
        "vlimits: warning: No records found for example.com",
    );
}

#[test]
fn expiry_dates_and_days() {
    let env = TestEnv::new().with_domain("example.com");
    env.run(
        "vlimit",
        &[
            "-e",
            "01012030000000",
            "-t",
            "15062031123000",
            "example.com",
        ],
    )
    .ok();
    assert!(row(&env, "example.com")[0].starts_with("example.com\t1893456000\t1939293000\t"));
    let s = env.run("vlimit", &["-s", "example.com"]);
    assert!(s.ok().starts_with(
        "Domain Expiry   Date : Tue Jan  1 00:00:00 2030\nPassword Expiry Date : Sun Jun 15 12:30:00 2031\n"
    ), "{s:?}");
    env.run("vlimit", &["-e", "-1", "-N", "10", "example.com"])
        .ok();
    let r = env.rows("SELECT domain_expiry, passwd_expiry - UNIX_TIMESTAMP() FROM vlimits");
    let f: Vec<&str> = r[0].split('\t').collect();
    assert_eq!(f[0], "-1");
    let left: i64 = f[1].parse().unwrap();
    assert!((863990..=864010).contains(&left), "{left}");
    env.run("vlimit", &["-n", "1", "-t", "-1", "example.com"])
        .ok();
    let r = env.rows("SELECT domain_expiry - UNIX_TIMESTAMP(), passwd_expiry FROM vlimits");
    let f: Vec<&str> = r[0].split('\t').collect();
    assert!((86390..=86410).contains(&f[0].parse::<i64>().unwrap()));
    assert_eq!(f[1], "-1");
}

#[test]
fn user_limits_have_their_own_row_and_show_permissions() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vlimit", &["-q", "20M", "-P", "7", "alice@example.com"])
        .ok();
    // As decoded from the original's row for the same command.
    assert_eq!(
        row(&env, "alice@example.com"),
        vec!["alice@example.com\t-1\t-1\t7\t-1\t-1\t-1\t-1\t0\t0\t20971520\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0"]
    );
    assert!(row(&env, "example.com").is_empty());
    env.run(
        "vlimit",
        &["-p", "cd", "-a", "a", "-z", "m", "alice@example.com"],
    )
    .ok();
    let s = env.run("vlimit", &["-s", "alice@example.com"]);
    let out = s.ok();
    assert!(out.starts_with("Domain Expiry   Date : Never Expires\n"));
    assert!(out.contains("Max Domain Quota     :     unlimited\nMax Domain Messages  :     unlimited\nDefault User Quota   :      20971520\n"));
    assert!(
        out.ends_with(
            "  RELAY
Flags for non postmaster accounts:
  pop account           :  DENY_CREATE ALLOW_MODIFY  DENY_DELETE
  alias                 :  DENY_CREATE  DENY_MODIFY  DENY_DELETE
  forward               : ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE
  autoresponder         : ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE
  mailinglist           : ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE
  mailinglist users     : ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE
  mailinglist moderators: ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE
  domain quota          : ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE
  default quota         : ALLOW_CREATE  DENY_MODIFY
"
        ),
        "{out}"
    );
    let j = env.run("vlimit", &["--json", "-s", "alice@example.com"]);
    let v: serde_json::Value = serde_json::from_str(j.ok()).unwrap();
    assert_eq!(v["type"], "user");
    assert_eq!(v["limits"]["perm_account"], 5);
}

#[test]
fn default_quota_of_limits_is_used_by_vadduser() {
    let env = TestEnv::new().with_domain("example.com");
    std::fs::write(env.path("var/domains/example.com/.domain_limits"), "").unwrap();
    env.run("vlimit", &["-q", "10M", "-m", "1000", "example.com"])
        .ok();
    env.run("vadduser", &["bob@example.com", "Bob#pw1"]).ok();
    assert_eq!(
        env.rows("SELECT pw_shell FROM indimail WHERE pw_name='bob'"),
        vec!["10485760,1000"]
    );
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vlimit", &["-P", "5", "example.com"]).ok();
    let cases: &[(&[&str], i32, &str)] = &[
        (&[], 1, "vlimits: warning: usage: vlimit [options] domain"),
        (&["-h", "example.com"], 1, "vlimits: warning: usage: vlimit"),
        (&["-Z", "example.com"], 1, "vlimit: illegal option -- Z"),
        (&["-P"], 1, "vlimit: option requires an argument -- P"),
        (
            &["-P", "9", "nosuch.test"],
            100,
            "vlimits: warning: nosuch.test: No such domain",
        ),
        (
            &["-P", "9", "alice@"],
            100,
            "vlimits: warning: domain cannot be NULL",
        ),
        (
            &["-e", "2030", "example.com"],
            1,
            "Invalid domain expiry date [2030]",
        ),
        (
            &["-e", "32012030000000", "example.com"],
            1,
            "Invalid domain expiry date [32012030000000]",
        ),
        (
            &["-t", "x1012030000000", "example.com"],
            1,
            "Invalid password expiry date [x1012030000000]",
        ),
        (
            &["-e", "01012030000000", "-n", "5", "example.com"],
            1,
            "must supply either Domain expiry date or Number of days",
        ),
        (
            &["-t", "-1", "-N", "5", "example.com"],
            1,
            "must supply either Password expiry date or Number of days",
        ),
        (
            &["-n", "abc", "example.com"],
            100,
            "invalid number of days [abc]",
        ),
        (&["-N", "99999999", "example.com"], 100, "out of range"),
        (
            &["-P", "abc", "example.com"],
            100,
            "-P: invalid count [abc]",
        ),
        (&["-A", "-2", "example.com"], 100, "-A: invalid count [-2]"),
        (
            &["-M", "-5", "example.com"],
            100,
            "maxmsgcount: invalid count [-5]",
        ),
        (
            &["-m", "x", "example.com"],
            100,
            "defaultmaxmsgcount: invalid count [x]",
        ),
        (
            &["-Q", "abc", "example.com"],
            100,
            "diskquota: invalid quota [abc]",
        ),
        (
            &["-q", "-5", "example.com"],
            100,
            "defaultquota: invalid quota [-5]",
        ),
        (
            &["-g", "pq", "example.com"],
            100,
            "-g: flag [q] not one of [udsipwrx]",
        ),
        (
            &["-p", "cz", "example.com"],
            100,
            "-p: flag [z] not one of [0acmd]",
        ),
        (
            &["-o", "d", "example.com"],
            100,
            "-o: flag [d] not one of [0c]",
        ),
        (
            &["-z", "d", "example.com"],
            100,
            "-z: flag [d] not one of [0acm]",
        ),
    ];
    for (args, code, msg) in cases {
        refused(&env, args, *code, msg);
    }
}

#[test]
fn other_users_are_refused() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vcfilter", &["-s", "x@example.com"]);
    for (applet, args, code, msg) in [
        (
            "vlimit",
            &["-P", "5", "example.com"][..],
            100,
            "vlimits: warning: you must be root or domain user (uid=999/gid=995) to run this program",
        ),
        (
            "vcfilter",
            &["-i", "-t", "n", "-c", "1", "-h", "2", "-k", "k", "-f", "F", "-b", "0", "alice@example.com"][..],
            1,
            "vcfilter: you must be root or domain user (uid=999/gid=995) to run this program",
        ),
        (
            "vgroup",
            &["-i", "a@example.com", "g@example.com"][..],
            1,
            "vgroup: you must be root or domain user (uid=999/gid=995) to run this program",
        ),
    ] {
        let r = env.run_as(65534, 65534, applet, args, "");
        assert_eq!(r.code, code, "{applet}: {}", r.stderr);
        assert!(r.stderr.contains(msg), "{applet}: {}", r.stderr);
    }
    assert!(env.rows("SELECT domain FROM vlimits").is_empty());
    assert!(env.rows("SELECT emailid FROM vfilter").is_empty());
    assert!(env
        .rows("SELECT alias FROM valias WHERE alias='g'")
        .is_empty());
}
