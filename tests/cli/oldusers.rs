//! vdeloldusers with lastauth rows aged by hand.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::common::TestEnv;

fn age(path: &Path, days: u64) {
    let t = SystemTime::now() - Duration::from_secs(days * 86400);
    std::fs::File::open(path)
        .unwrap()
        .set_modified(t)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn mail(dir: &Path, name: &str, days: u64) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, "Subject: x\n\nbody\n").unwrap();
    age(&p, days);
    p
}

fn home(env: &TestEnv, user: &str) -> PathBuf {
    PathBuf::from(&env.rows(&format!(
        "SELECT pw_dir FROM indimail WHERE pw_name = '{user}' UNION SELECT pw_dir FROM indibak WHERE pw_name = '{user}'"
    ))[0])
}

/// A domain with: old1/old2 (last seen 100 days ago, old Maildirs), recent
/// (logged in now), stale (old lastauth but a Maildir/cur touched today),
/// postmaster (reserved; made old too) and skipme (old, gecos "Keep").
fn setup() -> TestEnv {
    let env = TestEnv::new();
    let tmp = env.path("").display().to_string();
    let env = env.env("TMPDIR", &tmp).with_domain("example.com");
    for (u, extra) in [
        ("old1", &[][..]),
        ("old2", &[][..]),
        ("recent", &[][..]),
        ("stale", &[][..]),
        ("skipme", &["-c", "Keep"][..]),
    ] {
        let email = format!("{u}@example.com");
        let mut args: Vec<&str> = vec!["-d"];
        args.extend_from_slice(extra);
        args.extend([email.as_str(), "Pw#12345"]);
        env.run("vadduser", &args).ok();
    }
    let mut db = env.db();
    use mysql::prelude::Queryable;
    db.query_drop(
        "UPDATE lastauth SET timestamp = NOW() - INTERVAL 100 DAY \
         WHERE domain = 'example.com' AND user IN ('old1', 'old2', 'stale', 'skipme', 'postmaster')",
    )
    .unwrap();
    db.query_drop(
        "INSERT INTO lastauth (user, domain, service, remote_ip, quota, gecos, timestamp) \
         VALUES ('recent', 'example.com', 'imap', '10.0.0.1', 0, 'recent', NOW())",
    )
    .unwrap();
    for u in ["old1", "old2", "skipme", "postmaster", "recent"] {
        age(&home(&env, u).join("Maildir/cur"), 100);
    }
    env
}

fn names(env: &TestEnv, table: &str) -> Vec<String> {
    env.rows(&format!(
        "SELECT pw_name FROM {table} WHERE pw_domain = 'example.com' ORDER BY pw_name"
    ))
}

#[test]
fn report_dry_run_and_delete() {
    let env = setup();
    // -r: the inactive users, one per line; stale is "not old"; never postmaster.
    let r = env.run("vdeloldusers", &["-r", "-d", "example.com"]);
    let out = r.ok();
    let listed: Vec<&str> = out
        .lines()
        .filter(|l| !l.contains(' ') && !l.is_empty())
        .collect();
    assert_eq!(listed, vec!["old1", "old2", "skipme"], "{out}");
    assert!(out.starts_with("Total  User List "), "{out}");
    assert!(out.contains("\n5 Total Entries\n"), "{out}");
    assert!(out.contains("\nActive  User List "), "{out}");
    assert!(out.contains("\n1 Active Entries\n"), "{out}");
    assert!(out.contains("\nProgram Complete "), "{out}");
    let stale = home(&env, "stale");
    assert_eq!(
        r.stderr,
        format!("user stale@example.com Dir {} not old\n", stale.display())
    );

    // --dry-run -p: says what it would do, changes nothing.
    let before = (
        names(&env, "indimail"),
        env.rows("SELECT user, service FROM lastauth ORDER BY 1, 2"),
    );
    let r = env.run(
        "vdeloldusers",
        &["--dry-run", "-p", "-s", "Keep", "-d", "example.com"],
    );
    let out = r.ok();
    assert_eq!(
        out,
        format!(
            "would delete old1@example.com {}\nwould delete old2@example.com {}\n",
            home(&env, "old1").display(),
            home(&env, "old2").display()
        )
    );
    assert_eq!(
        (
            names(&env, "indimail"),
            env.rows("SELECT user, service FROM lastauth ORDER BY 1, 2")
        ),
        before
    );
    assert!(home(&env, "old1").exists());

    // -p: old1 and old2 go (rows, lastauth, homes); the rest stay.
    let (h1, h2) = (home(&env, "old1"), home(&env, "old2"));
    let r = env.run(
        "vdeloldusers",
        &["-v", "-p", "-s", "Keep", "-d", "example.com"],
    );
    let out = r.ok();
    assert!(out.contains("Purging Inactive Users "), "{out}");
    assert!(out.contains("\nPurged 2/4 Inactive Users\n"), "{out}");
    assert_eq!(
        names(&env, "indimail"),
        vec!["postmaster", "recent", "skipme", "stale"]
    );
    assert!(env
        .rows("SELECT user FROM lastauth WHERE user IN ('old1', 'old2')")
        .is_empty());
    assert!(!h1.exists() && !h2.exists());
    assert!(home(&env, "skipme").join("Maildir").is_dir());

    // -c and -p together are refused.
    let r = env.run("vdeloldusers", &["-c", "-p", "-d", "example.com"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("only one of c, i, p option can be specified\nvdeloldusers: warning: usage: vdeloldusers [options]"), "{}", r.stderr);
    // No domain: usage.
    let r = env.run("vdeloldusers", &["-p"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("vdeloldusers: warning: usage:"),
        "{}",
        r.stderr
    );
    let r = env.run("vdeloldusers", &["-d", "Example.com"]);
    assert_eq!(r.code, 100);
}

#[test]
fn inactivate_and_clean_mail() {
    let env = setup();
    // Mail: recent has an old and a new message; old1 has an old one (must stay with -c).
    let rh = home(&env, "recent");
    let old_mail = mail(&rh.join("Maildir/cur"), "1.old:2,S", 40);
    let new_mail = mail(&rh.join("Maildir/new"), "2.new", 2);
    let o1 = mail(&home(&env, "old1").join("Maildir/cur"), "3.old:2,S", 40);
    let trash = mail(&rh.join("Maildir/.Trash/cur"), "4.trash:2,S", 3);
    let fresh_trash = mail(&rh.join("Maildir/.Trash/new"), "5.trash", 0);
    for u in ["old1", "recent"] {
        age(&home(&env, u).join("Maildir/cur"), 100);
    }

    let r = env.run("vdeloldusers", &["--dry-run", "-c", "-d", "example.com"]);
    assert_eq!(
        r.ok(),
        format!(
            "would remove 1 mail(s) older than 30 days from {}\nwould purge 1 mail(s) from {}\n",
            rh.join("Maildir").display(),
            rh.join("Maildir/.Trash").display()
        )
    );
    assert!(old_mail.exists() && trash.exists());

    let r = env.run("vdeloldusers", &["-c", "-d", "example.com"]);
    assert_eq!(r.ok(), "");
    assert!(!old_mail.exists());
    assert!(new_mail.exists());
    assert!(o1.exists(), "inactive users' mail is left alone by -c");
    assert!(!trash.exists());
    assert!(fresh_trash.exists());
    assert_eq!(names(&env, "indimail").len(), 6);

    // -i: old1, old2 and skipme (no -s) move to indibak, homes removed, INAC recorded; postmaster stays.
    let h1 = home(&env, "old1");
    let r = env.run("vdeloldusers", &["-i", "-u", "-1", "-d", "example.com"]);
    r.ok();
    assert_eq!(names(&env, "indibak"), vec!["old1", "old2", "skipme"]);
    assert_eq!(
        names(&env, "indimail"),
        vec!["postmaster", "recent", "stale"]
    );
    assert!(!h1.exists());
    assert_eq!(
        env.rows("SELECT service FROM lastauth WHERE user = 'old1' ORDER BY service"),
        vec!["add", "INAC"]
    );
    // Nothing left to do the second time.
    let r = env.run("vdeloldusers", &["-v", "-i", "-d", "example.com"]);
    assert!(r.ok().contains("Purged 0/2 Inactive Users"), "{}", r.stdout);
}
