//! vconvert: a vpopmail installation made here (vpasswd files with MD5, DES,
//! SHA-512 and clear-text-only accounts, Maildirs, a hashed domain directory,
//! an alias domain; and a MySQL `vpopmail` table) migrated into IndiMail.
//! Every user must authenticate with the old password afterwards.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use mysql::prelude::Queryable;

use crate::common::TestEnv;
use indimail::passwd::{hash_with_setting, verify};

/// (user, password, hash setting or "" for clear text only, quota)
const EXAMPLE_ORG: &[(&str, &str, &str, &str)] = &[
    ("postmaster", "PmOld#1", "$1$pmsaltxx$", "NOQUOTA"),
    ("alice", "alice-old", "$1$abcdefgh$", "NOQUOTA"),
    ("bob", "bobpw12", "ab", "10485760S"),
    ("carol", "Carol#3", "$6$saltsaltsalt$", "5242880S,1000C"),
    ("dave", "Dave#4", "", "bogus-quota"),
];

fn vpasswd_line(
    vdir: &Path,
    domain_dir: &Path,
    u: &str,
    pw: &str,
    setting: &str,
    q: &str,
) -> String {
    let _ = vdir;
    let hash = if setting.is_empty() {
        String::new()
    } else {
        hash_with_setting(pw.as_bytes(), setting).unwrap()
    };
    // vpopmail flags: bob NO_POP|NO_SMTP, carol NO_SPAMASSASSIN (no IndiMail equivalent)
    let gid = match u {
        "bob" => 0x802,
        "carol" => 0x4000,
        _ => 0,
    };
    format!(
        "{u}:{hash}:1:{gid}:{u} gecos:{}:{q}:{pw}\n",
        domain_dir.join(u).display()
    )
}

fn write_message(dir: &Path, name: &str, body: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), body).unwrap();
}

/// `~vpopmail` with example.org (5 accounts, mail for alice and bob), a hashed
/// `domains/1/second.test` and the alias domain alias.test.
fn sample_vpopmail(env: &TestEnv) -> PathBuf {
    let vdir = env.path("vpopmail");
    let org = vdir.join("domains/example.org");
    std::fs::create_dir_all(&org).unwrap();
    let mut text = String::from("# vpasswd\n");
    for (u, pw, setting, q) in EXAMPLE_ORG {
        text.push_str(&vpasswd_line(&vdir, &org, u, pw, setting, q));
        for d in ["Maildir/cur", "Maildir/new", "Maildir/tmp"] {
            std::fs::create_dir_all(org.join(u).join(d)).unwrap();
        }
    }
    std::fs::write(org.join("vpasswd"), text).unwrap();
    write_message(
        &org.join("alice/Maildir/cur"),
        "1700000000.1.host,S=12:2,S",
        "Subject: a\n\nx\n",
    );
    write_message(
        &org.join("alice/Maildir/new"),
        "1700000001.2.host,S=12",
        "Subject: b\n\ny\n",
    );
    write_message(
        &org.join("alice/Maildir/.Sent/cur"),
        "1700000002.3.host,S=12:2,S",
        "Subject: c\n\nz\n",
    );
    std::fs::write(org.join("alice/Maildir/.Sent/maildirfolder"), "").unwrap();
    write_message(
        &org.join("bob/Maildir/new"),
        "1700000003.4.host,S=14",
        "Subject: bob\n\n.\n",
    );
    std::fs::write(org.join("bob/.qmail"), "&bob@elsewhere.test\n").unwrap();
    // a hashed domain directory, as vpopmail makes with many domains
    let second = vdir.join("domains/1/second.test");
    std::fs::create_dir_all(&second).unwrap();
    std::fs::write(
        second.join("vpasswd"),
        vpasswd_line(
            &vdir,
            &second,
            "erin",
            "Erin#5",
            "$1$erinsalt$",
            "5242880S,100C",
        ),
    )
    .unwrap();
    std::os::unix::fs::symlink(&org, vdir.join("domains/alias.test")).unwrap();
    // domain aliases: a forward to alice's Maildir and an address; vpopmail's own .qmail-default
    std::fs::write(
        org.join(".qmail-info"),
        format!(
            "{}/Maildir/\n&bob@example.org\n",
            org.join("alice").display()
        ),
    )
    .unwrap();
    std::fs::write(
        org.join(".qmail-default"),
        "| /home/vpopmail/bin/vdelivermail '' bounce-no-mailbox\n",
    )
    .unwrap();
    vdir
}

fn snapshot(env: &TestEnv) -> (Vec<String>, String) {
    let rows =
        env.rows("SELECT pw_name, pw_domain, pw_passwd FROM indimail ORDER BY pw_domain, pw_name");
    let assign = std::fs::read_to_string(env.path("etc/users/assign")).unwrap_or_default();
    (rows, assign)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn vconvert_migrates_vpasswd_files_with_passwords_and_mail() {
    let env = TestEnv::new();
    // vadddomain's post-handle hook, run for each domain created
    let hook = env.path("hook.sh");
    let hooklog = env.path("hook.log");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\necho \"$@\" >> {}\n", hooklog.display()),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let env = env.env("POST_HANDLE", hook.to_str().unwrap());
    let vdir = sample_vpopmail(&env);
    let v = vdir.to_str().unwrap();

    // dry run: a report, nothing changed
    let before = snapshot(&env);
    let r = env.run("vconvert", &["--dry-run", "-d", v]);
    let out = r.ok();
    assert!(
        out.contains("example.org: domain would be created, 5 accounts: 4 would be added, 1 already present (kept), 1 aliases would be added, 5 mailboxes: 6 files"),
        "{out}"
    );
    assert!(
        out.contains(
            "second.test: domain would be created, 1 accounts: 0 would be added, 1 already present"
        ) || out.contains("second.test: domain would be created, 1 accounts: 1 would be added"),
        "{out}"
    );
    assert!(out.contains("nothing was changed (dry run)"), "{out}");
    assert!(
        out.contains("alias domain alias.test not converted"),
        "{out}"
    );
    assert_eq!(snapshot(&env), before);
    assert!(!env.domaindir().join("domains/example.org").exists());

    // the migration
    let r = env.run("vconvert", &["-d", v]);
    let out = r.ok().to_string();
    assert!(out.contains("example.org: domain created, 5 accounts: 4 added, 1 already present (kept), 1 aliases added, 5 mailboxes: 6 files"), "{out}");
    assert!(
        out.contains("second.test: domain created, 1 accounts: 1 added"),
        "{out}"
    );
    assert!(
        out.contains("note: dave@example.org: quota [bogus-quota] not understood"),
        "{out}"
    );

    assert_eq!(
        std::fs::read_to_string(&hooklog).unwrap(),
        "example.org\nsecond.test\n"
    );
    // every account authenticates with its old password
    let mut all: Vec<(&str, &str, &str)> = EXAMPLE_ORG
        .iter()
        .map(|(u, pw, _, _)| (*u, "example.org", *pw))
        .collect();
    all.push(("erin", "second.test", "Erin#5"));
    for (u, d, pw) in &all {
        let rows = env.rows(&format!(
            "SELECT pw_passwd, pw_dir, pw_shell, pw_gecos FROM indimail WHERE pw_name='{u}' AND pw_domain='{d}'"
        ));
        assert_eq!(rows.len(), 1, "{u}@{d}");
        let f: Vec<&str> = rows[0].split('\t').collect();
        assert!(
            verify(pw.as_bytes(), f[0]),
            "{u}@{d}: {} does not verify",
            f[0]
        );
        assert!(!verify(b"wrong", f[0]));
        let info = env.run("vuserinfo", &[&format!("{u}@{d}")]);
        assert!(
            info.ok().contains(&format!("name          : {u}")),
            "{}",
            info.stdout
        );
    }
    // the stored hashes are vpopmail's own (MD5 stays MD5, DES stays DES)
    let alice = env
        .rows("SELECT pw_passwd, pw_dir, pw_shell, pw_gecos FROM indimail WHERE pw_name='alice'");
    let a: Vec<&str> = alice[0].split('\t').collect();
    assert!(a[0].starts_with("$1$abcdefgh$"), "{}", a[0]);
    assert_eq!(a[2], "NOQUOTA");
    assert_eq!(a[3], "alice gecos");
    let bob = env.rows("SELECT pw_passwd, pw_shell FROM indimail WHERE pw_name='bob'");
    assert!(bob[0].starts_with(&hash_with_setting(b"bobpw12", "ab").unwrap()));
    assert!(bob[0].ends_with("\t10485760"), "{}", bob[0]);
    assert_eq!(
        env.rows("SELECT pw_shell, pw_gid FROM indimail WHERE pw_name='carol'"),
        ["5242880S,1000C\t0"]
    );
    // NO_POP stays 0x02, vpopmail's NO_SMTP 0x800 is IndiMail's 0x100
    assert_eq!(
        env.rows("SELECT pw_gid FROM indimail WHERE pw_name='bob'"),
        ["258"]
    );
    assert!(out.contains("note: carol@example.org: vpopmail flags without an IndiMail equivalent dropped: NO_SPAMASSASSIN"), "{out}");
    assert_eq!(
        env.rows("SELECT pw_shell FROM indimail WHERE pw_name='erin'"),
        ["5242880S,100C"]
    );

    // mail is in the new homes, owned by the domain user, the vpopmail tree untouched
    let home = PathBuf::from(a[1]);
    assert!(home.starts_with(env.base()), "{}", home.display());
    let msgs = files_under(&home.join("Maildir"));
    let names: Vec<String> = msgs
        .iter()
        .map(|p| p.strip_prefix(&home).unwrap().display().to_string())
        .collect();
    for want in [
        "Maildir/cur/1700000000.1.host,S=12:2,S",
        "Maildir/new/1700000001.2.host,S=12",
        "Maildir/.Sent/cur/1700000002.3.host,S=12:2,S",
        "Maildir/.Sent/maildirfolder",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing in {names:?}"
        );
    }
    assert!(!names.iter().any(|n| n.contains(".vconvert.")), "{names:?}");
    for p in &msgs {
        assert_eq!(std::fs::metadata(p).unwrap().uid(), 999, "{}", p.display());
    }
    assert_eq!(
        std::fs::read_to_string(home.join("Maildir/new/1700000001.2.host,S=12")).unwrap(),
        "Subject: b\n\ny\n"
    );
    let size = std::fs::read_to_string(home.join("Maildir/maildirsize")).unwrap();
    assert!(size.ends_with("36 3\n"), "{size:?}");
    let bob_home = env.rows("SELECT pw_dir FROM indimail WHERE pw_name='bob'");
    assert_eq!(
        std::fs::read_to_string(Path::new(&bob_home[0]).join(".qmail")).unwrap(),
        "&bob@elsewhere.test\n"
    );
    assert!(vdir
        .join("domains/example.org/alice/Maildir/new/1700000001.2.host,S=12")
        .exists());
    // the alias file, its path rewritten to alice's new home; .qmail-default is IndiMail's own
    let ddir = env.domaindir().join("domains/example.org");
    assert_eq!(
        std::fs::read_to_string(ddir.join(".qmail-info")).unwrap(),
        format!("{}/Maildir/\n&bob@example.org\n", home.display())
    );
    assert_eq!(
        std::fs::metadata(ddir.join(".qmail-info")).unwrap().uid(),
        999
    );
    assert!(!std::fs::read_to_string(ddir.join(".qmail-default"))
        .unwrap()
        .contains("vpopmail"));

    // a second run adds and copies nothing
    let r = env.run("vconvert", &["-d", v, "example.org"]);
    let out = r.ok();
    assert!(
        out.contains("5 accounts: 0 added, 5 already present (kept), 5 mailboxes: 0 files"),
        "{out}"
    );
    assert!(out.contains(".qmail-info: exists, kept"), "{out}");
    assert_eq!(files_under(&home.join("Maildir")).len(), msgs.len());
    assert_eq!(
        std::fs::read_to_string(&hooklog).unwrap(),
        "example.org\nsecond.test\n"
    );
}

#[test]
fn vconvert_refuses_bad_data_and_changes_nothing() {
    let env = TestEnv::new();
    let vdir = env.path("vpopmail");
    let d = vdir.join("domains/bad.test");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("vpasswd"),
        "good:$1$aaaaaaaa$bbbbbbbbbbbbbbbbbbbbbb:1:0::/x/good:NOQUOTA\n\
         Upper:$1$aaaaaaaa$bbbbbbbbbbbbbbbbbbbbbb:1:0::/x/u:NOQUOTA\n\
         nopw::1:0::/x/n:NOQUOTA\n\
         short:line\n",
    )
    .unwrap();
    let before = snapshot(&env);
    let r = env.run("vconvert", &["-d", vdir.to_str().unwrap()]);
    assert_eq!(r.code, 100, "{r:?}");
    for want in [
        "vpasswd:2: Upper@bad.test: has an uppercase character",
        "vpasswd:3: nopw@bad.test: no password",
        "vpasswd:4: expected 7 or 8 fields, found 2",
        "3 problem(s) in the vpopmail data; nothing was changed",
    ] {
        assert!(r.stderr.contains(want), "{want}: {}", r.stderr);
    }
    assert_eq!(snapshot(&env), before);
    assert!(!env.domaindir().join("domains/bad.test").exists());
    let r = env.run("vconvert", &["-d", vdir.to_str().unwrap(), "nosuch.test"]);
    assert_eq!(r.code, 100);
    assert!(r
        .stderr
        .contains("nosuch.test: no such domain in the vpopmail installation"));
    // only root may convert
    let r = env.run_as(999, 995, "vconvert", &["-d", vdir.to_str().unwrap()], "");
    assert_eq!(r.code, 100);
}

#[test]
fn vconvert_reads_the_vpopmail_mysql_table() {
    let env = TestEnv::new().with_domain("mysql.test");
    let vdb = format!("{}_vpop", env.database);
    let mut c = crate::common::connect(&env.server.host, &env.server.password).unwrap();
    c.query_drop(format!("CREATE DATABASE `{vdb}`")).unwrap();
    c.select_db(&vdb).unwrap();
    c.query_drop(
        "CREATE TABLE vpopmail (pw_name char(32) not null, pw_domain char(96) not null, \
         pw_passwd char(128), pw_uid int, pw_gid int, pw_gecos char(48), pw_dir char(160), \
         pw_shell char(20), pw_clear_passwd char(16), primary key (pw_name, pw_domain))",
    )
    .unwrap();
    let maildirs = env.path("vpop-homes");
    let users = [
        ("frank", "Frank#6", "$1$franksal$"),
        ("gina", "Gina#7", "$6$ginasalt$"),
        ("hugo", "Hugo#8", ""),
    ];
    for (u, pw, setting) in users {
        let hash = if setting.is_empty() {
            String::new()
        } else {
            hash_with_setting(pw.as_bytes(), setting).unwrap()
        };
        let dir = maildirs.join(u);
        write_message(&dir.join("Maildir/new"), "1.2.h,S=5", "hello");
        c.exec_drop(
            "INSERT INTO vpopmail VALUES (?, 'mysql.test', ?, 1, 0, ?, ?, 'NOQUOTA', ?)",
            (u, hash, format!("{u} g"), dir.display().to_string(), pw),
        )
        .unwrap();
    }
    c.query_drop(
        "CREATE TABLE valias (alias char(32) not null, domain char(64) not null, \
         valias_line text not null, index (alias, domain))",
    )
    .unwrap();
    c.exec_drop(
        "INSERT INTO valias VALUES ('sales', 'mysql.test', '&frank@mysql.test'), \
         ('sales', 'mysql.test', ?), ('other', 'elsewhere.test', '&x@y')",
        (format!("{}/Maildir/", maildirs.join("gina").display()),),
    )
    .unwrap();
    let r = env.run("vconvert", &["-m", &env.server.host, "-D", &vdb]);
    let out = r.ok();
    assert!(
        out.contains(
            "mysql.test: 3 accounts: 3 added, 0 already present (kept), 2 aliases added, 3 mailboxes: 3 files"
        ),
        "{out}"
    );
    assert!(
        out.contains("elsewhere.test: 0 accounts: 0 added, 0 already present (kept), 0 mailboxes: 0 files (0 bytes) copied\n  note: 1 aliases skipped"),
        "{out}"
    );
    assert!(env
        .rows("SELECT alias FROM valias WHERE domain='elsewhere.test'")
        .is_empty());
    let gina = env.rows("SELECT pw_dir FROM indimail WHERE pw_name='gina'");
    assert_eq!(
        env.rows("SELECT valias_line FROM valias WHERE alias='sales' ORDER BY valias_line"),
        vec![
            "&frank@mysql.test".to_string(),
            format!("{}/Maildir/", gina[0])
        ]
    );
    for (u, pw, _) in users {
        let rows = env.rows(&format!(
            "SELECT pw_passwd, pw_dir FROM indimail WHERE pw_name='{u}'"
        ));
        let f: Vec<&str> = rows[0].split('\t').collect();
        assert!(verify(pw.as_bytes(), f[0]), "{u}: {}", f[0]);
        assert!(Path::new(f[1]).join("Maildir/new/1.2.h,S=5").exists());
    }
    c.query_drop(format!("DROP DATABASE `{vdb}`")).unwrap();
}
