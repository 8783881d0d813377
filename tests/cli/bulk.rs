//! vbulk: validate everything first, provision in batches, resume.

use std::os::unix::fs::MetadataExt;

use crate::common::TestEnv;

fn write(env: &TestEnv, name: &str, text: &str) -> String {
    let p = env.path(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn count(env: &TestEnv, sql: &str) -> usize {
    env.rows(sql)[0].parse().unwrap()
}

#[test]
fn a_bad_line_anywhere_writes_nothing_and_every_bad_line_is_listed() {
    let env = TestEnv::new().with_domain("example.com");
    let before_users = env.rows("SELECT pw_name FROM indimail ORDER BY pw_name");
    let before_dc = env.rows("SELECT domain, cur_users FROM dir_controlroot_A2E");
    let mut text = String::from("email,password,quota,gecos\n");
    for i in 0..40 {
        text.push_str(&format!("a{i}@example.com,Pw#{i}x,,User {i}\n"));
        match i {
            10 => text.push_str("Upper@example.com,x\n"), // line 13
            20 => text.push_str("bob@nosuch.test,x\n"),   // line 24
            25 => text.push_str("a3@example.com,again\n"), // line 30: duplicate
            30 => text.push_str("c@example.com,x,12zz\n"), // line 36: bad quota
            33 => text.push_str("onlyone\n"),             // line 40: field count
            35 => text.push_str("d..d@example.com,x\n"),  // line 43
            _ => {}
        }
    }
    let f = write(&env, "users.csv", &text);
    let r = env.run("vbulk", &["-d", &f]);
    assert_eq!(r.code, 100, "{r:?}");
    for (line, what) in [
        (13, "email [Upper@example.com] has an uppercase character"),
        (24, "nosuch.test: No such domain"),
        (30, "a3@example.com already on line 5"),
        (36, "invalid quota [12zz]"),
        (40, "expected email,password"),
        (43, "iadduser: successive periods not allowed"),
    ] {
        let needle = format!("vbulk: {f}:{line}: {what}");
        assert!(
            r.stderr.contains(&needle),
            "missing {needle:?} in\n{}",
            r.stderr
        );
    }
    assert!(r.stderr.contains("vbulk: 6 bad line(s)"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 7, "{}", r.stderr);
    assert_eq!(
        env.rows("SELECT pw_name FROM indimail ORDER BY pw_name"),
        before_users
    );
    assert_eq!(
        env.rows("SELECT pw_name FROM indibak"),
        Vec::<String>::new()
    );
    assert_eq!(
        count(&env, "SELECT COUNT(*) FROM lastauth WHERE user LIKE 'a%'"),
        0
    );
    assert_eq!(
        env.rows("SELECT domain, cur_users FROM dir_controlroot_A2E"),
        before_dc
    );
    assert!(!env.base().join("A2E/example.com/a0").exists());
}

#[test]
fn rows_dirs_and_resume() {
    let env = TestEnv::new().with_domain("example.com");
    // 250 users, batches of 40: the hash directories roll over at 100 users per level.
    let mut text = String::new();
    for i in 0..250 {
        text.push_str(&format!("b{i:03}@example.com,Secret-{i}\n"));
    }
    let half: String = text.lines().take(90).map(|l| format!("{l}\n")).collect();
    let f_half = write(&env, "half.csv", &half);
    let f = write(&env, "all.csv", &text);

    let r = env.run("vbulk", &["--batch-size", "40", &f_half]);
    assert_eq!(r.ok(), "90 users added, 0 already existed (skipped)\n");
    let r = env.run("vbulk", &["--batch-size", "40", &f]);
    assert_eq!(r.ok(), "160 users added, 90 already existed (skipped)\n");
    let r = env.run("vbulk", &[&f]);
    assert_eq!(r.ok(), "0 users added, 250 already existed (skipped)\n");

    assert_eq!(
        count(
            &env,
            "SELECT COUNT(*) FROM indimail WHERE pw_name LIKE 'b%'"
        ),
        250
    );
    assert_eq!(
        count(
            &env,
            "SELECT COUNT(*) FROM lastauth WHERE user LIKE 'b%' AND service = 'add'"
        ),
        250
    );
    // The same allocator as vadduser: abuse is user 1 of A2E, then b000...; every 100th starts a new dir.
    let base = env.base().display().to_string();
    let dir = |u: &str| {
        env.rows(&format!(
            "SELECT pw_dir FROM indimail WHERE pw_name = '{u}'"
        ))[0]
            .clone()
    };
    let cur: usize = count(
        &env,
        "SELECT cur_users FROM dir_controlroot_A2E WHERE domain = 'example.com'",
    );
    let pre = cur - 250; // users of A2E before (abuse)
    for i in [0usize, 97, 98, 99, 197, 198, 249] {
        let n = pre + i + 1; // cur_users after this user
        let sub = match n / 100 {
            0 => String::new(),
            k => format!("{}/", (b'0' + (k - 1) as u8) as char),
        };
        assert_eq!(
            dir(&format!("b{i:03}")),
            format!("{base}/A2E/example.com/{sub}b{i:03}"),
            "user {i}"
        );
    }
    // Hashes verify; default quota; gecos = name.
    let row = env.rows(
        "SELECT pw_passwd, pw_shell, pw_gecos, pw_uid, pw_gid FROM indimail WHERE pw_name = 'b007'",
    );
    let f: Vec<&str> = row[0].split('\t').collect();
    assert!(f[0].starts_with("$5$"), "{}", f[0]);
    assert!(indimail::passwd::verify(b"Secret-7", f[0]));
    // Hashed on several threads, several users at a time per thread: every hash is still its
    // own user's (0..12 spans three whole groups of hash_passwords).
    for i in (0..12).chain([39, 40, 89, 90, 131, 249]) {
        let h = env.rows(&format!(
            "SELECT pw_passwd FROM indimail WHERE pw_name = 'b{i:03}'"
        ))[0]
            .clone();
        assert!(
            indimail::passwd::verify(format!("Secret-{i}").as_bytes(), &h),
            "b{i:03}"
        );
    }
    assert_eq!(&f[1..], &["524288000", "b007", "1", "0"]);
    // Without -d no home is made.
    assert!(!env.base().join("A2E/example.com/b007").exists());
    assert!(env
        .read("var/domains/example.com/.filesystems")
        .contains("root_A2E"));
}

#[test]
fn maildirs_hashes_and_jsonl() {
    let env = TestEnv::new().with_domain("example.com");
    let hash =
        indimail::passwd::hash_password(b"Hashed#1", indimail::passwd::HashMethod::Sha512).unwrap();
    let csv = format!(
        "carol@example.com,{hash},10M,Carol C\n\"dave@example.com\",\"{hash}\",\"1000,20\",\"Dave, D\"\nzed@example.com,{hash}\n"
    );
    let f = write(&env, "pre.csv", &csv);
    let r = env.run("vbulk", &["-d", "-e", &f]);
    assert_eq!(r.ok(), "3 users added, 0 already existed (skipped)\n");
    let rows = env.rows(
        "SELECT pw_name, pw_passwd = '', pw_shell, pw_gecos, pw_dir FROM indimail \
         WHERE pw_name IN ('carol','dave','zed') ORDER BY pw_name",
    );
    let base = env.base().display().to_string();
    assert_eq!(
        rows,
        vec![
            format!("carol\t0\t10485760\tCarol C\t{base}/A2E/example.com/carol"),
            format!("dave\t0\t1000S,20C\tDave, D\t{base}/A2E/example.com/dave"),
            format!("zed\t0\t524288000\tzed\t{base}/T2Zsym/example.com/zed"),
        ]
    );
    assert_eq!(
        env.rows("SELECT pw_passwd FROM indimail WHERE pw_name = 'dave'"),
        vec![hash.clone()]
    );
    for u in [
        "A2E/example.com/carol",
        "A2E/example.com/dave",
        "T2Zsym/example.com/zed",
    ] {
        let md = env.base().join(u).join("Maildir");
        for sub in ["cur", "new", "tmp"] {
            let m = std::fs::metadata(md.join(sub)).unwrap();
            assert!(m.is_dir());
            assert_eq!(m.mode() & 0o7777, 0o750);
            assert_eq!((m.uid(), m.gid()), (999, 995));
        }
        assert_eq!(
            std::fs::read_to_string(md.join("domain")).unwrap(),
            "example.com\n"
        );
        assert!(md.join("BulkMail").exists());
    }

    let jsonl = "{\"email\":\"erin@example.com\",\"password\":\"Erin#pw\",\"quota\":\"NOQUOTA\"}\n\
                 {\"email\":\"fred@example.com\",\"password\":\"Fred#pw\",\"gecos\":\"Fred\",\"quota\":5000}\n";
    let f = write(&env, "more.jsonl", jsonl);
    let r = env.run("vbulk", &["-h", "MD5", "-d", &f]);
    assert_eq!(r.ok(), "2 users added, 0 already existed (skipped)\n");
    let rows = env.rows(
        "SELECT pw_name, LEFT(pw_passwd, 3), pw_shell FROM indimail WHERE pw_name IN ('erin','fred') ORDER BY pw_name",
    );
    assert_eq!(rows, vec!["erin\t$1$\tNOQUOTA", "fred\t$1$\t5000"]);
    assert!(env.base().join("F2K/example.com/fred/Maildir/new").is_dir());
    // Bad JSON is a bad line, with its number.
    let f = write(
        &env,
        "bad.jsonl",
        "{\"email\":\"gail@example.com\",\"password\":\"x\"}\n{\"email\":\"h@example.com\"}\n",
    );
    let r = env.run("vbulk", &[&f]);
    assert_eq!(r.code, 100);
    assert!(
        r.stderr.contains(&format!("vbulk: {f}:2: invalid JSON")),
        "{}",
        r.stderr
    );
    assert!(env
        .rows("SELECT 1 FROM indimail WHERE pw_name = 'gail'")
        .is_empty());
}

#[test]
fn a_failing_batch_is_rolled_back_and_the_rerun_resumes() {
    let env = TestEnv::new().with_domain("example.com");
    let mut text = String::new();
    for i in 0..30 {
        text.push_str(&format!("m{i:02}@example.com,pw{i}\n"));
    }
    let f = write(&env, "m.csv", &text);
    // m15's home exists as a file: its batch (10..20) cannot make its Maildir.
    let blocker = env.base().join("L2P/example.com/m15");
    std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
    std::fs::write(&blocker, "x").unwrap();
    let r = env.run("vbulk", &["-d", "--batch-size", "10", &f]);
    assert_eq!(r.code, 111, "{r:?}");
    assert!(r.stderr.contains("make user dir failed"), "{}", r.stderr);
    assert!(
        r.stderr.contains("10 users added before the failure"),
        "{}",
        r.stderr
    );
    assert_eq!(
        count(
            &env,
            "SELECT COUNT(*) FROM indimail WHERE pw_name LIKE 'm%'"
        ),
        10
    );
    assert!(env.base().join("L2P/example.com/m09/Maildir").is_dir());
    assert!(!env.base().join("L2P/example.com/m10").exists());
    assert_eq!(
        count(
            &env,
            "SELECT cur_users FROM dir_controlroot_L2P WHERE domain = 'example.com'"
        ),
        10 + 1 // postmaster
    );
    std::fs::remove_file(&blocker).unwrap();
    let r = env.run("vbulk", &["-d", "--batch-size", "10", &f]);
    assert_eq!(r.ok(), "20 users added, 10 already existed (skipped)\n");
    assert_eq!(
        count(
            &env,
            "SELECT COUNT(*) FROM indimail WHERE pw_name LIKE 'm%'"
        ),
        30
    );
    assert!(env.base().join("L2P/example.com/m15/Maildir/cur").is_dir());
}

#[test]
fn usage_errors() {
    let env = TestEnv::new();
    let r = env.run("vbulk", &[]);
    assert_eq!(r.code, 100);
    assert!(r.stderr.contains("usage: vbulk"), "{}", r.stderr);
    let r = env.run("vbulk", &["--format", "xml", "f"]);
    assert_eq!(r.code, 100);
    assert!(r.stderr.contains("unknown format [xml]"), "{}", r.stderr);
    let r = env.run("vbulk", &["/nonexistent/file.csv"]);
    assert_eq!(r.code, 111);
}
