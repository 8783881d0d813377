//! Per-user commands: bad input (clear error, the original's exit code,
//! nothing written), all-or-nothing changes, rows and files.

use std::path::Path;

use crate::common::TestEnv;

/// Everything a failed command must leave as it was: user rows, lastauth,
/// dir_control, and the mail tree.
fn snapshot(env: &TestEnv) -> (Vec<String>, Vec<String>) {
    let mut rows = env.rows(
        "SELECT pw_name, pw_domain, pw_passwd, pw_dir, pw_shell FROM indimail ORDER BY pw_name",
    );
    rows.extend(env.rows("SELECT pw_name, pw_domain FROM indibak ORDER BY pw_name"));
    rows.extend(env.rows("SELECT user, service FROM lastauth ORDER BY user, service"));
    rows.extend(env.rows("SELECT domain, cur_users, the_dir FROM dir_controlroot_A2E"));
    let mut files = Vec::new();
    walk(&env.base(), &mut files);
    walk(&env.domaindir(), &mut files);
    (rows, files)
}

fn walk(dir: &Path, acc: &mut Vec<String>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            acc.push(e.path().display().to_string());
            walk(&e.path(), acc);
        }
    }
}

/// Run a command that must fail with `code` and `stderr`, changing nothing.
#[track_caller]
fn refused(env: &TestEnv, applet: &str, args: &[&str], code: i32, stderr: &str) {
    crate::common::assert_refused(env, snapshot, applet, args, code, stderr);
}

#[test]
fn vadduser_bad_input_is_refused_and_changes_nothing() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["alice@example.com", "Alice#pw1"])
        .ok();
    env.run("vadduser", &["-i", "ina@example.com", "Ina#pw1"])
        .ok();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["Upper@example.com", "x"],
            100,
            "vadduser: warning: email [Upper@example.com] has an uppercase character",
        ),
        (&["bob@EXAMPLE.com", "x"], 100, "has an uppercase character"),
        (&["bob@nosuch.test", "x"], 1, "nosuch.test: No such domain"),
        (&["bob", "x"], 1, "bob: No domain specified"),
        (
            &["alice@example.com", "dup"],
            100,
            "iadduser: username alice@example.com exists",
        ),
        (
            &["ina@example.com", "dup"],
            100,
            "iadduser: username ina@example.com exists",
        ),
        (
            &[&format!("{}@example.com", "a".repeat(41)), "x"],
            100,
            "iadduser: Name too long",
        ),
        (
            &["a(b@example.com", "x"],
            100,
            "iadduser: [(] not allowed in local-part See RFC-5322",
        ),
        (
            &["_bad@example.com", "x"],
            100,
            "iadduser: illegal username",
        ),
        (
            &["x.@example.com", "x"],
            100,
            "iadduser: Trailing/Leading periods not allowed",
        ),
        (&[".x@example.com", "x"], 100, "iadduser: illegal username"),
        (
            &["a..b@example.com", "x"],
            100,
            "iadduser: successive periods not allowed",
        ),
        (
            &["a:b@example.com", "x"],
            1,
            "b@example.com: No such domain",
        ),
        (
            &["-c", "a:b", "colon@example.com", "x"],
            100,
            "iadduser: ':' not allowed in names",
        ),
        (
            &["../../etc@example.com", "x"],
            100,
            "iadduser: illegal username",
        ),
        (
            &["a/b@example.com", "x"],
            100,
            "cannot be used as a directory name",
        ),
        (
            &["-c", &"g".repeat(49), "longgecos@example.com", "x"],
            100,
            "iadduser: Name too long",
        ),
        (
            &["-q", "abc", "qbad@example.com", "x"],
            100,
            "invalid quota [abc]",
        ),
        (
            &["-q", "-5", "qneg@example.com", "x"],
            100,
            "invalid quota [-5]",
        ),
        (
            &["-h", "BOGUS", "h@example.com", "x"],
            100,
            "vadduser: fatal: wrong hash method BOGUS",
        ),
        (
            &["-Z", "z@example.com", "x"],
            1,
            "vadduser: illegal option -- Z",
        ),
        (&[], 1, "vadduser: warning: Please input email"),
    ];
    for (args, code, msg) in cases {
        refused(&env, "vadduser", args, *code, msg);
    }
    // An empty password: from the argument, and from an empty stdin.
    refused(
        &env,
        "vadduser",
        &["empty@example.com", ""],
        1,
        "Please input password",
    );
    refused(
        &env,
        "vadduser",
        &["empty@example.com"],
        1,
        "Please input password",
    );
}

#[test]
fn empty_password_from_stdin_is_refused() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["dave@example.com", "Dave#pw1"]).ok();
    let before = env.rows("SELECT pw_passwd FROM indimail WHERE pw_name='dave'");
    let r = env.run_stdin("vpasswd", &["dave@example.com"], "\n\n");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("empty password refused"), "{r:?}");
    assert_eq!(
        env.rows("SELECT pw_passwd FROM indimail WHERE pw_name='dave'"),
        before
    );
    // --password-stdin takes one line and sets it.
    let r = env.run_stdin(
        "vpasswd",
        &["--password-stdin", "dave@example.com"],
        "Fresh#pw9\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    let hash = env
        .rows("SELECT pw_passwd FROM indimail WHERE pw_name='dave'")
        .remove(0);
    assert!(indimail::passwd::verify(b"Fresh#pw9", &hash), "{hash}");
}

#[test]
fn unreachable_database_names_the_server_but_not_the_password() {
    let env = TestEnv::new()
        .with_domain("example.com")
        .env("MYSQL_HOST", "127.0.0.1:indimail:Secr3tPw:1")
        .env("MYSQL_PASSWD", "");
    let before = snapshot(&env);
    let r = env.run("vadduser", &["zed@example.com", "Zed#pw1"]);
    assert_eq!(r.code, 111, "{r:?}");
    assert!(r.stderr.starts_with("iopen: mysql_real_connect: "), "{r:?}");
    assert!(
        r.stderr.contains("127.0.0.1 user indimail, port 1"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("Secr3tPw"), "password leaked: {r:?}");
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    assert_eq!(snapshot(&env), before);
    let r = env.run("vuserinfo", &["postmaster@example.com"]);
    assert_eq!(r.code, 111);
    assert!(!r.stderr.contains("Secr3tPw"));
}

#[test]
fn failed_maildir_rolls_back_the_row() {
    let env = TestEnv::new().with_domain("example.com");
    // Something that is not a directory where alice's home must go.
    let bucket = env.base().join("A2E/example.com");
    std::fs::write(bucket.join("alice"), "in the way").unwrap();
    let before = snapshot(&env);
    let r = env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"]);
    assert_eq!(r.code, 111, "{r:?}");
    assert!(r.stderr.contains("iadduser: make user dir failed"), "{r:?}");
    assert_eq!(snapshot(&env), before, "row or directory left behind");
    assert!(env
        .rows("SELECT * FROM indimail WHERE pw_name='alice'")
        .is_empty());
    // And once the obstacle is gone, the same command works.
    std::fs::remove_file(bucket.join("alice")).unwrap();
    env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"])
        .ok();
    assert!(bucket.join("alice/Maildir/new").is_dir());
}

#[test]
fn vadduser_writes_the_original_rows_and_files() {
    let env = TestEnv::new().with_domain("example.com");
    env.run(
        "vadduser",
        &["-d", "-c", "Dave D", "dave@example.com", "Dave#pw1"],
    )
    .ok();
    let row = env.rows("SELECT pw_name, pw_domain, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell, scram FROM indimail WHERE pw_name='dave'");
    let home = env.base().join("A2E/example.com/dave");
    assert_eq!(
        row,
        vec![format!(
            "dave\texample.com\t1\t0\tDave D\t{}\t524288000\tNULL",
            home.display()
        )]
    );
    let hash = env
        .rows("SELECT pw_passwd FROM indimail WHERE pw_name='dave'")
        .remove(0);
    assert!(hash.starts_with("$5$") && hash.len() == 63, "{hash}");
    assert!(indimail::passwd::verify(b"Dave#pw1", &hash));
    assert_eq!(
        env.rows(
            "SELECT user, domain, service, remote_ip, quota, gecos FROM lastauth WHERE user='dave'"
        ),
        vec!["dave\texample.com\tadd\t127.0.0.1\t0\tDave D"]
    );
    // The Maildir, its modes and owner (compare shared/oracle/tree.txt).
    use std::os::unix::fs::MetadataExt;
    for (rel, mode) in [
        ("", 0o750),
        ("Maildir", 0o750),
        ("Maildir/cur", 0o750),
        ("Maildir/new", 0o750),
        ("Maildir/tmp", 0o750),
        ("Maildir/domain", 0o644),
        ("Maildir/BulkMail", 0o644),
    ] {
        let m = std::fs::metadata(home.join(rel)).unwrap();
        assert_eq!(m.mode() & 0o7777, mode, "{rel}");
        assert_eq!((m.uid(), m.gid()), (999, 995), "{rel}");
    }
    assert_eq!(
        std::fs::read_to_string(home.join("Maildir/domain")).unwrap(),
        "example.com\n"
    );
    assert_eq!(
        env.read("var/domains/example.com/.filesystems"),
        "root_L2P\nroot_A2E\n"
    );
    // users/assign and the control files (compare shared/oracle/files.txt).
    assert_eq!(
        env.read("etc/users/assign"),
        format!(
            "+example.com-:example.com:999:995:{}:-::\n.\n",
            env.domaindir().join("domains/example.com").display()
        )
    );
    assert_eq!(env.read("etc/control/rcpthosts"), "example.com\n");
    assert_eq!(
        env.read("etc/control/virtualdomains"),
        "example.com:example.com\n"
    );
    assert_eq!(
        env.read("var/domains/example.com/.qmail-default"),
        format!(
            "| {}/sbin/vdelivermail '' bounce-no-mailbox\n",
            env.root.display()
        )
    );
    // -C keeps {CRAM}<clear>; -e keeps the hash verbatim; -i goes to indibak.
    env.run("vadduser", &["-C", "cram@example.com", "Cram#pw1"])
        .ok();
    assert_eq!(
        env.rows("SELECT scram FROM indimail WHERE pw_name='cram'"),
        vec!["{CRAM}Cram#pw1"]
    );
    let given = "$5$saltsaltsaltsalt$pSMZ29rcJ30AWnWPsGfMDo0l5iJ7o.aZX7TS6qDXvK6";
    env.run("vadduser", &["-e", "enc@example.com", given]).ok();
    assert_eq!(
        env.rows("SELECT pw_passwd FROM indimail WHERE pw_name='enc'"),
        vec![given]
    );
    env.run("vadduser", &["-i", "ina@example.com", "Ina#pw1"])
        .ok();
    assert_eq!(env.rows("SELECT pw_name FROM indibak"), vec!["ina"]);
    // RFC ids stay active even with -i.
    env.run("vadduser", &["-i", "abuse@example.com", "Ab#pw1"])
        .ok();
    assert_eq!(
        env.rows("SELECT pw_name FROM indimail WHERE pw_name='abuse'"),
        vec!["abuse"]
    );
}

#[test]
fn quota_option_stores_the_intended_value() {
    // The original garbles -q (shared/oracle/transcript-vadduser-q.txt); we store what was asked.
    let env = TestEnv::new().with_domain("example.com");
    for (user, q, stored) in [
        ("qa", "10485760", "10485760"),
        ("qc", "20M", "20971520"),
        ("qd", "5000000,1000", "5000000S,1000C"),
        ("qe", "NOQUOTA", "NOQUOTA"),
    ] {
        env.run(
            "vadduser",
            &["-q", q, &format!("{user}@example.com"), "Qa#pw1"],
        )
        .ok();
        assert_eq!(
            env.rows(&format!(
                "SELECT pw_shell FROM indimail WHERE pw_name='{user}'"
            )),
            vec![stored],
            "-q {q}"
        );
    }
    let out = env.run("vuserinfo", &["-q", "qc@example.com"]);
    assert_eq!(
        out.ok(),
        "quota         : 20971520 [20.00] MiB\ncurr quota    : 0S,0C\n"
    );
}

#[test]
fn hash_methods_and_random_passwords() {
    let env = TestEnv::new().with_domain("example.com");
    for (h, prefix) in [
        ("MD5", "$1$"),
        ("SHA-512", "$6$"),
        ("DES", ""),
        ("2", "$5$"),
    ] {
        let user = format!("h{}", h.to_lowercase().replace('-', ""));
        env.run(
            "vadduser",
            &["-h", h, &format!("{user}@example.com"), "Hash#pw1"],
        )
        .ok();
        let hash = env
            .rows(&format!(
                "SELECT pw_passwd FROM indimail WHERE pw_name='{user}'"
            ))
            .remove(0);
        assert!(hash.starts_with(prefix), "{h}: {hash}");
        assert!(indimail::passwd::verify(b"Hash#pw1", &hash), "{h}: {hash}");
    }
    // A domain hash_method file is honoured.
    std::fs::write(env.path("var/domains/example.com/hash_method"), "SHA-512\n").unwrap();
    env.run("vadduser", &["dom@example.com", "Dom#pw1"]).ok();
    assert!(env.rows("SELECT pw_passwd FROM indimail WHERE pw_name='dom'")[0].starts_with("$6$"));
    let r = env.run("vadduser", &["-r", "12", "rand@example.com"]);
    let pw = r
        .ok()
        .lines()
        .next()
        .unwrap()
        .strip_prefix("Password is ")
        .unwrap()
        .to_string();
    assert_eq!(pw.chars().count(), 12);
    let hash = env
        .rows("SELECT pw_passwd FROM indimail WHERE pw_name='rand'")
        .remove(0);
    assert!(indimail::passwd::verify(pw.as_bytes(), &hash));
}

#[test]
fn home_directories_follow_dir_control_hashing() {
    let env = TestEnv::new().with_domain("example.com");
    // With 2 users per level the original puts every second user one level down.
    for i in 0..5 {
        env.run(
            "vadduser",
            &["-l", "2", &format!("a{i}@example.com"), "Pw#12345"],
        )
        .ok();
    }
    let dirs =
        env.rows("SELECT pw_name, pw_dir FROM indimail WHERE pw_name LIKE 'a_' ORDER BY pw_name");
    let base = env.base().join("A2E/example.com");
    let expect = |sub: &str, u: &str| {
        let p = if sub.is_empty() {
            base.join(u)
        } else {
            base.join(sub).join(u)
        };
        format!("{u}\t{}", p.display())
    };
    assert_eq!(
        dirs,
        vec![
            expect("", "a0"),
            expect("0", "a1"),
            expect("0", "a2"),
            expect("1", "a3"),
            expect("1", "a4")
        ]
    );
    assert_eq!(
        env.rows("SELECT cur_users, the_dir FROM dir_controlroot_A2E"),
        vec!["5\t1"]
    );
    // A deleted user's slot is offered to the next new user (backfill).
    env.run("vdeluser", &["a1@example.com"]).ok();
    env.run("vadduser", &["-l", "2", "a9@example.com", "Pw#12345"])
        .ok();
    assert_eq!(
        env.rows("SELECT pw_dir FROM indimail WHERE pw_name='a9'"),
        vec![base.join("0/a9").display().to_string()]
    );
}

#[test]
fn vdeluser_removes_rows_files_and_is_all_or_nothing() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "dave@example.com", "Dave#pw1"])
        .ok();
    let home = env.base().join("A2E/example.com/dave");
    std::fs::write(home.join("Maildir/new/1.msg"), "hello").unwrap();
    let mut c = env.db();
    use mysql::prelude::Queryable;
    c.query_drop("INSERT INTO valias (alias, domain, valias_line) VALUES ('dave','example.com','x@y.z'), ('info','example.com','&dave@example.com')").unwrap();
    std::fs::write(
        env.path("var/domains/example.com/.qmail-dave"),
        "&elsewhere@example.org\n",
    )
    .unwrap();
    let r = env.run("vdeluser", &["-v", "dave@example.com"]);
    let out = r.ok();
    assert!(
        out.starts_with("Deleted alias line  for alias dave@example.com (1) entries\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "Removing File {}/Maildir/new/1.msg\n",
            home.display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("Removing Dir {}\n", home.display())),
        "{out}"
    );
    assert!(!home.exists());
    assert!(!env.path("var/domains/example.com/.qmail-dave").exists());
    for t in ["indimail", "indibak"] {
        assert!(env
            .rows(&format!("SELECT * FROM {t} WHERE pw_name='dave'"))
            .is_empty());
    }
    assert!(env
        .rows("SELECT * FROM lastauth WHERE user='dave'")
        .is_empty());
    assert!(env
        .rows("SELECT * FROM valias WHERE alias='dave' OR valias_line='&dave@example.com'")
        .is_empty());
    // Errors.
    let r = env.run("vdeluser", &["nosuch@example.com"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (255, "deluser: nosuch@example.com: no such user\n")
    );
    let r = env.run("vdeluser", &["x@nosuch.test"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "vdeluser: warning: nosuch.test: domain does not exist\n")
    );
    // A home that cannot be moved aside leaves the user fully in place.
    env.run("vadduser", &["-d", "erin@example.com", "Erin#pw1"])
        .ok();
    let bucket = env.base().join("A2E/example.com");
    use std::os::unix::fs::PermissionsExt;
    std::os::unix::fs::chown(&bucket, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&bucket, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = env.run("vdeluser", &["erin@example.com"]);
    assert_eq!(r.code, 255, "{r:?}");
    assert!(r.stderr.contains("failed to remove dir"), "{r:?}");
    assert_eq!(
        env.rows("SELECT pw_name FROM indimail WHERE pw_name='erin'"),
        vec!["erin"]
    );
    assert!(bucket.join("erin/Maildir").is_dir());
}

#[test]
fn vpasswd_and_vsetuserquota() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "dave@example.com", "Dave#pw1"])
        .ok();
    env.run("vpasswd", &["dave@example.com", "Dave#new"]).ok();
    let hash = env
        .rows("SELECT pw_passwd FROM indimail WHERE pw_name='dave'")
        .remove(0);
    assert!(indimail::passwd::verify(b"Dave#new", &hash));
    assert_eq!(
        env.rows("SELECT service FROM lastauth WHERE user='dave' ORDER BY service"),
        vec!["add", "pass"]
    );
    // NO_PASSWD_CHNG refuses.
    use mysql::prelude::Queryable;
    env.db()
        .query_drop("UPDATE indimail SET pw_gid = 1 WHERE pw_name = 'dave'")
        .unwrap();
    let r = env.run("vpasswd", &["dave@example.com", "Other#pw"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (255, "ipasswd: User not allowed to change password\n")
    );
    // Quotas and maildirsize.
    let maildirsize = env.base().join("A2E/example.com/dave/Maildir/maildirsize");
    for (q, shell, file) in [
        ("5M", "5242880", "5242880S\n"),
        ("5000000,1000", "5000000S,1000C", "5000000S,1000C\n"),
        ("NOQUOTA", "NOQUOTA", "0S\n"),
    ] {
        let r = env.run("vsetuserquota", &["dave@example.com", q]);
        assert_eq!(r.ok(), "usage 0 bytes\n");
        assert_eq!(
            env.rows("SELECT pw_shell FROM indimail WHERE pw_name='dave'"),
            vec![shell]
        );
        assert_eq!(
            std::fs::read_to_string(&maildirsize).unwrap(),
            file,
            "-q {q}"
        );
    }
    std::fs::write(
        env.base()
            .join("A2E/example.com/dave/Maildir/new/1.msg,S=1234"),
        "x",
    )
    .unwrap();
    assert_eq!(
        env.run("vsetuserquota", &["dave@example.com", "1M"]).ok(),
        "usage 1234 bytes\n"
    );
    let r = env.run("vsetuserquota", &["dave@example.com", "lots"]);
    assert_eq!(r.code, 100, "{r:?}");
    let r = env.run("vsetuserquota", &["nosuch@example.com", "1M"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "nosuch@example.com: No such user\n\n")
    );
}

#[test]
fn vuserinfo_json_and_masked_password() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "dave@example.com", "Dave#pw1"])
        .ok();
    let text = env.run("vuserinfo", &["dave@example.com"]);
    let sql = text
        .ok()
        .lines()
        .find(|l| l.starts_with("Sql Database"))
        .unwrap()
        .to_string();
    if !env.server.password.is_empty() {
        assert!(!sql.contains(&env.server.password), "{sql}");
    }
    let r = env
        .cmd("vuserinfo")
        .args(["--json", "dave@example.com"])
        .output()
        .unwrap();
    assert!(r.status.success());
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["email"], "dave@example.com");
    assert_eq!(v["hash"], "sha256");
    assert_eq!(v["quota_bytes"], 524288000);
    assert_eq!(v["status"], "active");
    assert_eq!(v["dir_exists"], true);
    assert!(v["activity"]["added"]["time"].as_i64().unwrap() > 0);
}

/// vuserinfo reads the user row, its lastauth rows and its valias lines in one
/// statement; what it shows must be what reading them one by one gives,
/// including the order of the forwards and the fallback when a table is missing.
#[test]
fn vuserinfo_reads_row_activity_and_forwards_together() {
    use mysql::prelude::Queryable;
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "erin@example.com", "Erin#pw1"])
        .ok();
    let mut db = env.db();
    // Inserted out of order; valias orders them by the column's collation.
    for line in ["&zed@remote.test", "&Bob@remote.test", "&amy@remote.test"] {
        env.run("valias", &["-i", line, "erin@example.com"]).ok();
    }
    db.query_drop(
        "INSERT INTO lastauth (user, domain, service, remote_ip, quota, gecos, timestamp) VALUES \
         ('erin', 'example.com', 'pop3', '10.0.0.1', 0, 'erin', FROM_UNIXTIME(1700000000)), \
         ('erin', 'example.com', 'imap', '10.0.0.2', 0, 'erin', FROM_UNIXTIME(1700000100))",
    )
    .unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let r = env.cmd("vuserinfo").args(args).output().unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        serde_json::from_slice(&r.stdout).unwrap()
    };
    let v = json(&["--json", "erin@example.com"]);
    assert_eq!(v["status"], "active");
    assert_eq!(v["activity"]["last_pop3"]["ip"], "10.0.0.1");
    assert_eq!(v["activity"]["last_imap"]["time"], 1700000100);
    assert_eq!(v["activity"]["last_auth"]["ip"], "10.0.0.2");
    let forwards = v["forwarding"].as_array().unwrap();
    let rows = forwards.last().unwrap();
    assert_eq!(
        rows,
        &serde_json::json!(["amy@remote.test", "Bob@remote.test", "zed@remote.test"])
    );
    // The combined statement itself works here (no fallback taken) and gives
    // what the reads one by one give.
    let mut spec = indimail::db::ConnSpec::parse(&env.server.host);
    spec.password = env.server.password.clone();
    spec.database = env.database.clone();
    let mut lib_db = indimail::db::Db::connect(spec).unwrap();
    let together = indimail::db::userinfo::combined(&mut lib_db, "erin", "example.com").unwrap();
    let apart = indimail::db::userinfo::one_by_one(&mut lib_db, "erin", "example.com").unwrap();
    assert_eq!(together, apart);
    assert_eq!(together.lastauth.len(), 3, "add, pop3, imap");
    assert_eq!(together.valias.len(), 3);
    let text = env.run("vuserinfo", &["erin@example.com"]);
    let shown: Vec<&str> = text
        .ok()
        .lines()
        .filter(|l| l.contains("@remote.test"))
        .collect();
    assert_eq!(shown.len(), 3, "{}", text.stdout);
    assert!(shown[0].ends_with("amy@remote.test") && shown[2].ends_with("zed@remote.test"));

    // An inactive user is found in indibak with the same activity.
    db.query_drop("INSERT INTO indibak SELECT * FROM indimail WHERE pw_name = 'erin'")
        .unwrap();
    // In both tables, the active row is the one shown.
    assert_eq!(json(&["--json", "erin@example.com"])["status"], "active");
    db.query_drop("DELETE FROM indimail WHERE pw_name = 'erin'")
        .unwrap();
    let v = json(&["--json", "erin@example.com"]);
    assert_eq!(v["status"], "inactive");
    assert_eq!(v["activity"]["last_pop3"]["ip"], "10.0.0.1");

    // Without a valias table the combined statement fails; the reads are then
    // made one by one and the user is still shown, without the forwards.
    db.query_drop("DROP TABLE valias").unwrap();
    let v = json(&["--json", "erin@example.com"]);
    assert_eq!(v["status"], "inactive");
    assert_eq!(v["activity"]["last_imap"]["ip"], "10.0.0.2");
    assert!(v["forwarding"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| !b.to_string().contains("remote.test")));
}
