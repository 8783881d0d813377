//! vgroup (group accounts and their members) and vacation (admin mode).

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::common::TestEnv;

fn state(env: &TestEnv) -> Vec<String> {
    let mut v = env.rows("SELECT pw_name, pw_gecos, pw_shell FROM indimail ORDER BY pw_name");
    v.extend(env.rows("SELECT alias, domain, valias_line FROM valias ORDER BY alias, valias_line"));
    v
}

#[track_caller]
fn refused(env: &TestEnv, applet: &str, args: &[&str], code: i32, stderr: &str) {
    crate::common::assert_refused(env, state, applet, args, code, stderr);
}

fn members(env: &TestEnv) -> Vec<String> {
    env.rows("SELECT valias_line FROM valias WHERE alias='sales' AND domain='example.com' ORDER BY valias_line")
}

#[test]
fn vgroup_creates_groups_and_manages_members() {
    let env = TestEnv::new().with_domain("example.com");
    env.run(
        "vgroup",
        &[
            "-a",
            "-c",
            "Sales team",
            "-q",
            "10M,100",
            "sales@example.com",
            "Sales#pw1",
        ],
    )
    .ok();
    let row = env.rows(
        "SELECT pw_gecos, pw_shell, pw_uid, pw_gid, pw_dir FROM indimail WHERE pw_name='sales'",
    );
    assert_eq!(row.len(), 1);
    let f: Vec<&str> = row[0].split('\t').collect();
    assert_eq!(&f[..4], &["MailGroup Sales team", "10485760,100", "1", "0"]);
    assert!(f[4].ends_with("/example.com/sales"), "{}", f[4]);
    assert!(
        !std::path::Path::new(f[4]).exists(),
        "no home is made for a group"
    );
    let hash = env
        .rows("SELECT pw_passwd FROM indimail WHERE pw_name='sales'")
        .remove(0);
    assert!(indimail::passwd::verify(b"Sales#pw1", &hash));
    // Without -c the gecos names the user; -r prints the password.
    let r = env.run("vgroup", &["-a", "-r", "12", "support@example.com"]);
    assert!(r.ok().starts_with("Password is "), "{r:?}");
    assert_eq!(
        env.rows("SELECT pw_gecos, pw_shell FROM indimail WHERE pw_name='support'"),
        vec!["MailGroup support\t524288000"]
    );
    // -C keeps the clear text for CRAM; -n is accepted (clustered sites only).
    env.run(
        "vgroup",
        &["-a", "-n", "-C", "-h", "MD5", "hr@example.com", "Hr#pw1"],
    )
    .ok();
    let r = env.rows("SELECT scram, LEFT(pw_passwd, 3) FROM indimail WHERE pw_name='hr'");
    assert_eq!(r, vec!["{CRAM}Hr#pw1\t$1$"]);
    // -e: an encrypted password is stored as given.
    env.run("vgroup", &["-a", "-e", "ops@example.com", "$5$abc$def"])
        .ok();
    assert_eq!(
        env.rows("SELECT pw_passwd FROM indimail WHERE pw_name='ops'"),
        vec!["$5$abc$def"]
    );

    let r = env.run(
        "vgroup",
        &["-v", "-i", "bob@example.com", "sales@example.com"],
    );
    assert_eq!(r.ok(), "Added alias sales@example.com\n");
    env.run("vgroup", &["-i", "|/usr/bin/logger", "sales@example.com"])
        .ok();
    env.run("vgroup", &["-i", "&carol@remote.test", "sales@example.com"])
        .ok();
    assert_eq!(
        members(&env),
        vec!["&bob@example.com", "&carol@remote.test", "|/usr/bin/logger"]
    );
    let r = env.run(
        "vgroup",
        &[
            "-v",
            "-u",
            "dave@example.com",
            "-o",
            "bob@example.com",
            "sales@example.com",
        ],
    );
    assert_eq!(
        r.ok(),
        "Updated alias line &dave@example.com for alias sales@example.com (1 entries)\n"
    );
    assert_eq!(
        members(&env),
        vec![
            "&carol@remote.test",
            "&dave@example.com",
            "|/usr/bin/logger"
        ]
    );
    let r = env.run(
        "vgroup",
        &["-v", "-d", "|/usr/bin/logger", "sales@example.com"],
    );
    assert_eq!(
        r.ok(),
        "Deleted alias line |/usr/bin/logger for alias sales@example.com (1) entries\n"
    );
    let r = env.run(
        "vgroup",
        &["-v", "-d", "nobody@example.com", "sales@example.com"],
    );
    assert_eq!(
        r.ok(),
        "No alias line &nobody@example.com for alias sales@example.com\n"
    );
    let l = env.run("vgroup", &["--list", "sales@example.com"]);
    assert_eq!(l.ok(), "&carol@remote.test\n&dave@example.com\n");
    let j = env.run("vgroup", &["--json", "sales@example.com"]);
    let v: serde_json::Value = serde_json::from_str(j.ok()).unwrap();
    assert_eq!(v["group"], "sales@example.com");
    assert_eq!(v["gecos"], "MailGroup Sales team");
    assert_eq!(v["is_mail_group"], true);
    assert_eq!(v["members"][1], "&dave@example.com");
}

#[test]
fn vgroup_bad_input_is_refused_and_changes_nothing() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vgroup", &["-a", "sales@example.com", "Sales#pw1"])
        .ok();
    env.run("vgroup", &["-i", "bob@example.com", "sales@example.com"])
        .ok();
    let cases: &[(&[&str], i32, &str)] = &[
        (&[], 1, "vgroup: warning: usage1: vgroup -a"),
        (&["sales@example.com"], 1, "vgroup: warning: usage1"),
        (
            &["-a", "-i", "x@example.com", "g@example.com"],
            1,
            "vgroup: warning: usage1",
        ),
        (
            &["-i", "x@example.com", "-a", "g@example.com"],
            1,
            "vgroup: warning: usage1",
        ),
        (
            &["-i", "", "sales@example.com"],
            1,
            "You cannot have an empty email address\nvgroup: warning: usage1",
        ),
        (
            &["-u", "x@example.com", "sales@example.com"],
            1,
            "vgroup: warning: usage1",
        ),
        (
            &["-Z", "sales@example.com"],
            1,
            "vgroup: illegal option -- Z",
        ),
        (
            &["-i", ".x", "sales@example.com"],
            1,
            "vgroup: Illegal member .x",
        ),
        (
            &["-i", "x@example.com", "Sales@example.com"],
            100,
            "vgroup: warning: email [Sales@example.com] has an uppercase character",
        ),
        (
            &["-i", "x@example.com", "sales@nosuch.test"],
            1,
            "nosuch.test: No such domain",
        ),
        (
            &["-i", "bob@example.com", "sales@example.com"],
            255,
            "&bob@example.com is already a member of sales@example.com",
        ),
        (
            &[
                "-u",
                "y@example.com",
                "-o",
                "zz@example.com",
                "sales@example.com",
            ],
            1,
            "No alias line &zz@example.com for alias sales@example.com",
        ),
        (
            &["-a", "sales@example.com", "x"],
            100,
            "iadduser: username sales@example.com exists",
        ),
        (
            &["-a", "-q", "lots", "g2@example.com", "x"],
            100,
            "vgroup: parse_quota: lots",
        ),
        (
            &["-a", "-h", "BOGUS", "g2@example.com", "x"],
            100,
            "vgroup: fatal: wrong hash method BOGUS",
        ),
        (
            &["--list", "nosuch@example.com"],
            1,
            "vgroup: nosuch@example.com: No such group",
        ),
    ];
    for (args, code, msg) in cases {
        refused(&env, "vgroup", args, *code, msg);
    }
}

#[test]
fn vacation_writes_and_removes_its_files() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"])
        .ok();
    let home = env
        .rows("SELECT pw_dir FROM indimail WHERE pw_name='alice'")
        .remove(0);
    let msg = env.path("away.txt");
    std::fs::write(&msg, "I am away.\nBack on Monday.\n").unwrap();
    let r = env.run("vacation", &["alice@example.com", msg.to_str().unwrap()]);
    assert_eq!(
        r.ok(),
        format!("Successfully wrote Vacation Message to {home}/.vacation.msg\n")
    );
    let qmail = std::fs::read_to_string(format!("{home}/.qmail")).unwrap();
    assert_eq!(
        qmail,
        format!(
            "| {}/bin/autoresponder -q {home}/.vacation.msg {home}/.vacation.dir\n{home}/Maildir/\n",
            env.root.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(format!("{home}/.vacation.msg")).unwrap(),
        "I am away.\nBack on Monday.\n"
    );
    for (f, mode) in [
        (".qmail", 0o644),
        (".vacation.msg", 0o644),
        (".vacation.dir", 0o750),
    ] {
        let m = std::fs::metadata(format!("{home}/{f}")).unwrap();
        assert_eq!(m.permissions().mode() & 0o7777, mode, "{f}");
        assert_eq!((m.uid(), m.gid()), (999, 995), "{f}");
    }
    // + reads the text from stdin, after a prompt.
    let r = env.run_stdin("vacation", &["alice@example.com", "+"], "Gone fishing.\n");
    assert_eq!(
        r.ok(),
        format!("Enter Text for Vacation Message. Type ^D (Ctrl-D) to end\nSuccessfully wrote Vacation Message to {home}/.vacation.msg\n")
    );
    assert_eq!(
        std::fs::read_to_string(format!("{home}/.vacation.msg")).unwrap(),
        "Gone fishing.\n"
    );
    std::fs::write(format!("{home}/.vacation.dir/someone@x.test"), "").unwrap();
    // - removes everything.
    let r = env.run("vacation", &["alice@example.com", "-"]);
    assert_eq!(r.ok(), "");
    for f in [".qmail", ".vacation.msg", ".vacation.dir"] {
        assert!(
            !std::path::Path::new(&format!("{home}/{f}")).exists(),
            "{f}"
        );
    }
    // Removing again is fine.
    env.run("vacation", &["alice@example.com", "-"]).ok();
}

#[test]
fn vacation_bad_input_is_refused_and_changes_nothing() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"])
        .ok();
    let home = env
        .rows("SELECT pw_dir FROM indimail WHERE pw_name='alice'")
        .remove(0);
    let listing = || {
        let mut v: Vec<String> = std::fs::read_dir(&home)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let before = listing();
    let cases: &[(&[&str], i32, &str)] = &[
        (&[], 0, "vacation: No RECIPIENT in environment"),
        (
            &["alice@example.com"],
            100,
            "vacation: warning: usage: vacation | vacation email_addr vacation_mesg_file",
        ),
        (&["a", "b", "c"], 100, "vacation: warning: usage:"),
        (&["-h", "x"], 100, "vacation: warning: usage:"),
        (
            &["Alice@example.com", "-"],
            100,
            "vacation: warning: email [Alice@example.com] has an uppercase character",
        ),
        (
            &["alice@nosuch.test", "-"],
            1,
            "add_vacation: nosuch.test: No such domain",
        ),
        (
            &["ghost@example.com", "-"],
            1,
            "vmoduser: no such user ghost@example.com",
        ),
        (
            &["alice@example.com", "/nonexistent/msg"],
            1,
            "add_vacaton: open_read: /nonexistent/msg: file does not exist",
        ),
    ];
    for (args, code, msg) in cases {
        let r = env.run("vacation", args);
        assert_eq!(r.code, *code, "{args:?}: {r:?}");
        assert!(
            r.stderr.contains(msg),
            "{args:?}: {:?} lacks {msg:?}",
            r.stderr
        );
        assert_eq!(listing(), before, "{args:?} changed the home");
    }
}
