//! vcfilter: the rows the vadddomain hook makes, listing formats, add/update/
//! delete with the Maildir/vfilter marker, and refusals.

use std::os::unix::fs::MetadataExt;

use crate::common::TestEnv;

const COLS: &str =
    "emailid, filter_no, filter_name, header_name, comparision, keyword, destination, bounce_action";

fn rows(env: &TestEnv) -> Vec<String> {
    env.rows(&format!(
        "SELECT {COLS} FROM vfilter ORDER BY emailid, filter_no"
    ))
}

#[track_caller]
fn refused(env: &TestEnv, args: &[&str], code: i32, stderr: &str) {
    let before = rows(env);
    let marker = env
        .path("mail/A2E/example.com/alice/Maildir/vfilter")
        .exists();
    let r = env.run("vcfilter", args);
    assert_eq!(r.code, code, "vcfilter {args:?}: {r:?}");
    assert!(
        r.stderr.contains(stderr),
        "vcfilter {args:?}: stderr {:?} lacks {stderr:?}",
        r.stderr
    );
    assert_eq!(rows(env), before, "vcfilter {args:?} changed rows");
    assert_eq!(
        env.path("mail/A2E/example.com/alice/Maildir/vfilter")
            .exists(),
        marker,
        "vcfilter {args:?} changed the marker"
    );
}

/// The rows of shared/oracle/rows.sql, made by the post-handle hook of vadddomain.
#[test]
fn vadddomain_hook_makes_the_original_filter_rows() {
    let env = TestEnv::new().with_hooks().with_domain("example.com");
    assert_eq!(
        rows(&env),
        vec![
            "prefilt@example.com\t1\tspamFilter\t32\t3\tYes, spamicity=\tSpam\t0",
            "prefilt@example.com\t2\tvirusFilter\t28\t0\tvirus found\tQuarantine\t0",
        ]
    );
    // The spam-filter accounts get no marker file.
    let home = env
        .rows("SELECT pw_dir FROM indimail WHERE pw_name='prefilt'")
        .remove(0);
    assert!(!std::path::Path::new(&home).join("Maildir/vfilter").exists());
    let hy = "-".repeat(144);
    let s = env.run("vcfilter", &["-s", "prefilt@example.com"]);
    assert_eq!(
        s.ok(),
        format!(
            "No  EmailId                       FilterName           Header          Comparision                Keyword         Folder          Bounce Forward\n{hy}\n  1 prefilt@example.com           spamFilter           X-Bogosity      Starts with                Yes, spamicity= Spam            No     No\n  2 prefilt@example.com           virusFilter          X-QHPSI         Equals                     virus found     Quarantine      No     No\n{hy}\n"
        )
    );
    let r = env.run("vcfilter", &["-s", "-r", "prefilt@example.com"]);
    assert_eq!(
        r.ok(),
        "1 prefilt@example.com spamFilter 32 3 Yes,~spamicity= Spam Deliver\n\
2 prefilt@example.com virusFilter 28 0 virus~found Quarantine Deliver\n"
    );
    let j = env.run("vcfilter", &["-s", "--json", "prefilt@example.com"]);
    let v: serde_json::Value = serde_json::from_str(j.ok()).unwrap();
    assert_eq!(v["emailid"], "prefilt@example.com");
    assert_eq!(v["filters"][0]["header"], "X-Bogosity");
    assert_eq!(v["filters"][1]["comparison"], "Equals");
    assert_eq!(v["filters"][1]["bounce_action"], "0");
}

#[test]
fn add_update_delete_keep_the_marker_in_step() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"])
        .ok();
    let marker = env.path("mail/A2E/example.com/alice/Maildir/vfilter");
    // An empty listing: the closing rule only, exit 254 as the original.
    let e = env.run("vcfilter", &["-s", "alice@example.com"]);
    assert_eq!(
        (e.code, e.stdout.clone()),
        (254, format!("{}\n", "-".repeat(144)))
    );
    let e = env.run("vcfilter", &["-s", "-r", "alice@example.com"]);
    assert_eq!((e.code, e.stdout.as_str()), (254, ""));
    let e = env.run("vcfilter", &["-s", "--json", "alice@example.com"]);
    assert_eq!(e.code, 254);
    let v: serde_json::Value = serde_json::from_str(&e.stdout).unwrap();
    assert_eq!(v["filters"], serde_json::json!([]));
    // -C looks the address up first.
    let e = env.run("vcfilter", &["-s", "-C", "alice@example.com"]);
    assert_eq!(e.code, 254, "{e:?}");

    let add = |args: &[&str]| {
        let mut a = vec!["-i"];
        a.extend_from_slice(args);
        a.push("alice@example.com");
        env.run("vcfilter", &a)
    };
    let r = add(&[
        "-v",
        "-t",
        "news letters",
        "-c",
        "Contains",
        "-h",
        "Subject",
        "-k",
        "sale",
        "-f",
        "News",
        "-b",
        "0",
    ]);
    assert_eq!(r.ok(), "added filter No 1 for alice@example.com\n");
    let m = std::fs::metadata(&marker).unwrap();
    assert_eq!((m.len(), m.uid(), m.gid()), (0, 999, 995));
    add(&[
        "-t",
        "boss",
        "-c",
        "0",
        "-h",
        "1",
        "-k",
        "boss@corp.test",
        "-f",
        "/NoDeliver",
        "-b",
        "3&carol@example.com",
    ])
    .ok();
    add(&["-t", "notme", "-c", "5", "-f", "Other", "-b", "1"]).ok();
    add(&[
        "-t",
        "math",
        "-c",
        "6",
        "-h",
        "28",
        "-k",
        "X > 5 ",
        "-f",
        "Math",
        "-b",
        "2|/bin/true",
    ])
    .ok();
    assert_eq!(
        rows(&env),
        vec![
            "alice@example.com\t0\tnotme\t-1\t5\t\tOther\t1",
            "alice@example.com\t1\tnews letters\t2\t1\tsale\tNews\t0",
            "alice@example.com\t2\tboss\t1\t0\tboss@corp.test\t/NoDeliver\t3&carol@example.com",
            "alice@example.com\t3\tmath\t28\t6\tX>5\tMath\t2|/bin/true",
        ]
    );
    let s = env.run("vcfilter", &["-s", "alice@example.com"]);
    let out = s.ok();
    assert!(out.contains("\n  0 alice@example.com             notme                N/A             My id not in To, CC, Bcc   N/A             Other           Yes    No\n"), "{out}");
    assert!(out.contains("\n  2 alice@example.com             boss                 From            Equals                     boss@corp.test  Void            Yes    &carol@example.com\n"), "{out}");
    let r = env.run("vcfilter", &["-s", "-r", "alice@example.com"]);
    assert_eq!(
        r.ok(),
        "0 alice@example.com notme -1 5 N/A Other Bounce\n\
1 alice@example.com news~letters 2 1 sale News Deliver\n\
2 alice@example.com boss 1 0 boss@corp.test /NoDeliver &carol@example.com\n\
3 alice@example.com math 28 6 X>5 Math |/bin/true\n"
    );
    // A gap is reused.
    env.run("vcfilter", &["-d", "1", "alice@example.com"]).ok();
    add(&[
        "-t", "again", "-c", "4", "-h", "Subject", "-k", "x", "-f", "X", "-b", "0",
    ])
    .ok();
    assert_eq!(
        env.rows("SELECT filter_no, filter_name FROM vfilter ORDER BY filter_no"),
        vec!["0\tnotme", "1\tagain", "2\tboss", "3\tmath"]
    );
    // Update changes everything but the name.
    let u = env.run(
        "vcfilter",
        &[
            "-v",
            "-u",
            "1",
            "-t",
            "ignored",
            "-c",
            "7",
            "-h",
            "3",
            "-k",
            "^x",
            "-f",
            "Y",
            "-b",
            "1",
            "alice@example.com",
        ],
    );
    assert_eq!(
        u.ok(),
        "updated filter no 1 header 3 keyword [^x] comparision 7 folder Y bounce_action 1 email [alice@example.com]\n"
    );
    assert_eq!(
        env.rows("SELECT filter_name, header_name, comparision, keyword, destination, bounce_action FROM vfilter WHERE filter_no=1"),
        vec!["again\t3\t7\t^x\tY\t1"]
    );
    for n in ["0", "1", "2"] {
        env.run("vcfilter", &["-d", n, "alice@example.com"]).ok();
        assert!(marker.exists());
    }
    env.run("vcfilter", &["-d", "3", "alice@example.com"]).ok();
    assert!(!marker.exists(), "the last delete removes the marker");
    assert!(rows(&env).is_empty());
}

#[test]
fn a_header_list_file_is_used_when_present() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"])
        .ok();
    std::fs::write(
        env.path("etc/headerlist"),
        "# local list\nFrom\n\n   X-Custom  \nSubject\n",
    )
    .unwrap();
    let r = env.run(
        "vcfilter",
        &[
            "-i",
            "-t",
            "c",
            "-c",
            "1",
            "-h",
            "X-Custom  ",
            "-k",
            "k",
            "-f",
            "F",
            "-b",
            "0",
            "alice@example.com",
        ],
    );
    r.ok();
    assert_eq!(env.rows("SELECT header_name FROM vfilter"), vec!["1"]);
    let r = env.run(
        "vcfilter",
        &[
            "-i",
            "-t",
            "c",
            "-c",
            "1",
            "-h",
            "3",
            "-k",
            "k",
            "-f",
            "F",
            "-b",
            "0",
            "alice@example.com",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(
            "vcfilter: header value 3 out of range\nusage: vcfilter [options] emailid\n"
        ),
        "{r:?}"
    );
    let pair = |a: usize, x: &str, y: &str| {
        format!(
            "{:>11} {:3} - {:<28} {:>8} {:3} - {}\n",
            " ",
            a,
            x,
            " ",
            a + 1,
            y
        )
    };
    let expected = format!(
        "{}{:>11} {:3} - Subject\n",
        pair(0, "From", "X-Custom  "),
        " ",
        2
    );
    assert!(r.stderr.contains(&expected), "{:?}", r.stderr);
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"])
        .ok();
    env.run("vadduser", &["nomaildir@example.com", "Nomd#pw1"])
        .ok();
    env.run(
        "vcfilter",
        &[
            "-i",
            "-t",
            "one",
            "-c",
            "1",
            "-h",
            "2",
            "-k",
            "k",
            "-f",
            "F",
            "-b",
            "0",
            "alice@example.com",
        ],
    )
    .ok();
    let ok = [
        "-t", "two", "-c", "1", "-h", "2", "-k", "other", "-f", "F", "-b", "0",
    ];
    let with = |pre: &[&'static str], email: &'static str| -> Vec<&'static str> {
        let mut v: Vec<&'static str> = pre.to_vec();
        v.extend_from_slice(&ok);
        v.push(email);
        v
    };
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["alice@example.com"], 1, "Must specify one of -s -i, -u, -d, -m option\nusage: vcfilter"),
        (vec!["-i"], 1, "vcfilter: must supply emailid\nusage: vcfilter"),
        (vec!["-Z", "alice@example.com"], 1, "vcfilter: illegal option -- Z\nusage: vcfilter"),
        (with(&["-i"], "Alice@example.com"), 100, "vcfilter: warning: email [Alice@example.com] has an uppercase character"),
        (with(&["-i"], "postmaster@example.com"), 1, "vcfilter: email postmaster@example.com not allowed for filtering"),
        (with(&["-i"], "spammer@example.com"), 1, "vcfilter: email spammer@example.com not allowed for filtering"),
        (vec!["-i", "-h", "99", "alice@example.com"], 1, "vcfilter: header value 99 out of range"),
        (vec!["-i", "-c", "8", "alice@example.com"], 1, "vcfilter: comparision value 8 out of range"),
        (vec!["-i", "-c", "Looks like", "alice@example.com"], 1, "vcfilter: comparision value Looks like out of range"),
        (vec!["-i", "-b", "5", "alice@example.com"], 1, "vcfilter: invalid bounce action 5"),
        (vec!["-i", "-b", "2x@y", "alice@example.com"], 1, "vcfilter: forwarding address incorrect or not specified"),
        (vec!["-i", "-b", "3&", "alice@example.com"], 1, "vcfilter: forwarding address incorrect or not specified"),
        (vec!["-i", "-f", ".Spam", "alice@example.com"], 1, "vcfilter: .Spam: Folder Name cannot start with [.]"),
        (vec!["-i", "-f", "a/b", "alice@example.com"], 1, "vcfilter: a/b: Invalid Char [/]"),
        (vec!["-i", "-c", "1", "-h", "2", "-k", "x", "-f", "F", "-b", "0", "alice@example.com"], 1, "vcfilter: filter name not specified"),
        (vec!["-d", "abc", "alice@example.com"], 1, "vcfilter: filter no not specified or invalid"),
        (vec!["-u", "-1", "alice@example.com"], 1, "vcfilter: filter no not specified or invalid"),
        (vec!["-i", "-t", "x", "alice@example.com"], 1, "vcfilter: -c option not specified\nvcfilter: -b option not specified\nvcfilter: -f option not specified\nusage"),
        (vec!["-i", "-t", "x", "-c", "1", "-f", "F", "-b", "0", "alice@example.com"], 1, "vcfilter: -h option not specified\nvcfilter: -k option not specified\nusage"),
        (vec!["-i", "-t", "x", "-c", "1", "-h", "Nope", "-k", "k", "-f", "F", "-b", "0", "alice@example.com"], 1, "vcfilter: -h option not specified"),
        (with(&["-i"], "bob@nosuch.test"), 1, "vcfilter: nosuch.test: domain does not exist"),
        (with(&["-i"], "ghost@example.com"), 1, "vcfilter: ghost@example.com: No such user"),
        (with(&["-i", "-C"], "ghost@example.com"), 1, "vcfilter: ghost@example.com: No such user"),
        (vec!["-i", "-t", "dup", "-c", "1", "-h", "2", "-k", "k", "-f", "F", "-b", "0", "alice@example.com"], 255, "the same rule exists as filter No 1"),
        (with(&["-i"], "nomaildir@example.com"), 255, "vcfilter: open_trunc: "),
        (vec!["-d", "7", "alice@example.com"], 1, "vcfilter: no filter No 7 for alice@example.com"),
        (vec!["-u", "7", "-c", "1", "-h", "2", "-k", "k", "-f", "F", "-b", "0", "alice@example.com"], 1, "No filter No 7 for alice@example.com"),
    ];
    for (args, code, msg) in &cases {
        refused(&env, args, *code, msg);
    }
    // The usage lists the comparisons and headers in two columns.
    let r = env.run("vcfilter", &["alice@example.com"]);
    let pair = |a: usize, x: &str, y: &str| {
        format!(
            "{:>11} {:3} - {:<28} {:>8} {:3} - {}\n",
            " ",
            a,
            x,
            " ",
            a + 1,
            y
        )
    };
    assert!(
        r.stderr.contains(&format!(
            "         -c comparision\n{}",
            pair(0, "Equals", "Contains")
        )),
        "{:?}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&pair(32, "X-Bogosity", "Received")),
        "{:?}",
        r.stderr
    );
    assert!(
        r.stderr
            .ends_with("3'|program'     - Feed mail to another program and Bounce\n"),
        "{:?}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}
