//! vconvert: a vpopmail installation made here (vpasswd files with MD5, DES,
//! SHA-512 and clear-text-only accounts, Maildirs, a hashed domain directory,
//! an alias domain; and a MySQL `vpopmail` table) migrated into IndiMail.
//! Every user must authenticate with the old password afterwards.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use mysql::prelude::Queryable;

use crate::common::TestEnv;
use indimail::assign::cdb::CdbWriter;
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
    // a hashed domain directory, as vpopmail makes with many domains, holding
    // only vpasswd.cdb (written as vpopmail does: the user name as key, the
    // rest of the vpasswd line as value)
    let second = vdir.join("domains/1/second.test");
    std::fs::create_dir_all(&second).unwrap();
    let mut cdb = CdbWriter::new();
    for (u, pw, setting, q) in SECOND_TEST {
        let line = vpasswd_line(&vdir, &second, u, pw, setting, q);
        let (key, value) = line.trim_end().split_once(':').unwrap();
        cdb.add(key.as_bytes(), value.as_bytes());
    }
    std::fs::write(second.join("vpasswd.cdb"), cdb.finish()).unwrap();
    std::fs::write(
        second.join(".qmail-default"),
        "| /home/vpopmail/bin/vdelivermail '' delete\n",
    )
    .unwrap();
    // vpopmail's default catch-all is IndiMail's default too: nothing to set
    let third = vdir.join("domains/third.test");
    std::fs::create_dir_all(&third).unwrap();
    std::fs::write(
        third.join("vpasswd"),
        vpasswd_line(&vdir, &third, "gus", "Gus#12", "$5$gussalt$", "NOQUOTA"),
    )
    .unwrap();
    std::fs::write(
        third.join(".qmail-default"),
        "| /home/vpopmail/bin/vdelivermail '' bounce-no-mailbox\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&org, vdir.join("domains/alias.test")).unwrap();
    // domain aliases: a forward to alice's Maildir and an address; a plain
    // address, a program, a relative path, a comment and a line that is none of these
    std::fs::write(
        org.join(".qmail-info"),
        format!(
            "{}/Maildir/\n&bob@example.org\n",
            org.join("alice").display()
        ),
    )
    .unwrap();
    std::fs::write(
        org.join(".qmail-sales"),
        "# sales team\nbob@example.org\n|/usr/bin/autorespond 86400 3 msg sales\n./carol/Maildir/\njustaname\n",
    )
    .unwrap();
    // vpopmail's catch-all: unknown users go to the postmaster's mailbox
    std::fs::write(
        org.join(".qmail-default"),
        format!(
            "| /home/vpopmail/bin/vdelivermail '' {}\n",
            org.join("postmaster").display()
        ),
    )
    .unwrap();
    vdir
}

/// second.test's accounts (vpasswd.cdb only).
const SECOND_TEST: &[(&str, &str, &str, &str)] = &[
    ("erin", "Erin#5", "$1$erinsalt$", "5242880S,100C"),
    ("fred", "fredpw9", "fr", "NOQUOTA"),
];

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
        out.contains("example.org: domain would be created, 5 accounts: 4 would be added, 1 already present (kept), 5 alias lines would be added, catch-all would be set to <new home of postmaster@example.org>/Maildir/, 5 mailboxes: 6 files"),
        "{out}"
    );
    assert!(
        out.contains(
            "second.test: domain would be created, 2 accounts: 2 would be added, 0 already present (kept), catch-all would be set to delete"
        ),
        "{out}"
    );
    assert!(
        out.contains("not converted (neither an address, a path nor a program): justaname"),
        "{out}"
    );
    assert!(
        out.contains("third.test: domain would be created, 1 accounts: 1 would be added, 0 already present (kept), 0 mailboxes"),
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
    assert!(out.contains("example.org: domain created, 5 accounts: 4 added, 1 already present (kept), 5 alias lines added, catch-all set to "), "{out}");
    assert!(
        out.contains("second.test: domain created, 2 accounts: 2 added, 0 already present (kept), catch-all set to delete"),
        "{out}"
    );
    assert!(
        out.contains(
            ".qmail-sales: not converted (neither an address, a path nor a program): justaname"
        ),
        "{out}"
    );
    assert!(
        out.contains("third.test: domain created, 1 accounts: 1 added, 0 already present (kept), 0 mailboxes"),
        "{out}"
    );
    assert!(
        out.contains("note: dave@example.org: quota [bogus-quota] not understood"),
        "{out}"
    );

    assert_eq!(
        std::fs::read_to_string(&hooklog).unwrap(),
        "example.org\nsecond.test\nthird.test\n"
    );
    // every account authenticates with its old password
    let mut all: Vec<(&str, &str, &str)> = EXAMPLE_ORG
        .iter()
        .map(|(u, pw, _, _)| (*u, "example.org", *pw))
        .collect();
    all.extend(
        SECOND_TEST
            .iter()
            .map(|(u, pw, _, _)| (*u, "second.test", *pw)),
    );
    all.push(("gus", "third.test", "Gus#12"));
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
    // the alias files are valias rows, paths rewritten to the new homes, plain
    // addresses as forwards; no .qmail-<alias> file in the IndiMail domain
    let carol = env.rows("SELECT pw_dir FROM indimail WHERE pw_name='carol'");
    assert_eq!(
        env.rows(
            "SELECT alias, valias_line FROM valias WHERE domain='example.org' \
             AND alias IN ('info', 'sales') ORDER BY alias, valias_line"
        ),
        vec![
            "info\t&bob@example.org".to_string(),
            format!("info\t{}/Maildir/", home.display()),
            "sales\t&bob@example.org".to_string(),
            format!("sales\t{}/Maildir/", carol[0]),
            "sales\t|/usr/bin/autorespond 86400 3 msg sales".to_string(),
        ]
    );
    let ddir = env.domaindir().join("domains/example.org");
    assert!(!ddir.join(".qmail-info").exists());
    // the catch-all in IndiMail's form: the postmaster's new Maildir, delete for second.test
    let pm = env
        .rows("SELECT pw_dir FROM indimail WHERE pw_name='postmaster' AND pw_domain='example.org'");
    let qd = std::fs::read_to_string(ddir.join(".qmail-default")).unwrap();
    assert!(
        qd.starts_with("| ")
            && qd.ends_with(&format!("/sbin/vdelivermail '' {}/Maildir/\n", pm[0])),
        "{qd}"
    );
    assert_eq!(
        std::fs::metadata(ddir.join(".qmail-default"))
            .unwrap()
            .uid(),
        999
    );
    let qd2 = std::fs::read_to_string(env.domaindir().join("domains/second.test/.qmail-default"))
        .unwrap();
    assert!(qd2.ends_with("/sbin/vdelivermail '' delete\n"), "{qd2}");

    // a second run adds and copies nothing
    let r = env.run("vconvert", &["-d", v, "example.org"]);
    let out = r.ok();
    assert!(
        out.contains("5 accounts: 0 added, 5 already present (kept), 5 mailboxes: 0 files"),
        "{out}"
    );
    assert!(
        !out.contains("alias lines added") && !out.contains("catch-all"),
        "{out}"
    );
    assert_eq!(
        env.rows(
            "SELECT COUNT(*) FROM valias WHERE domain='example.org' AND alias IN ('info', 'sales')"
        ),
        ["5"]
    );
    assert_eq!(files_under(&home.join("Maildir")).len(), msgs.len());
    assert_eq!(
        std::fs::read_to_string(&hooklog).unwrap(),
        "example.org\nsecond.test\nthird.test\n"
    );
    // a domain already in IndiMail keeps its own catch-all, with a note
    env.run(
        "vmoddomain",
        &["-f", "0", "-h", "bounce-no-mailbox", "second.test"],
    )
    .ok();
    let r = env.run("vconvert", &["-d", v, "second.test"]);
    assert!(
        r.ok().contains(
            "note: catch-all kept as [bounce-no-mailbox]; vpopmail's is [delete] (vmoddomain -f 0 -h sets it)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        std::fs::read_to_string(env.domaindir().join("domains/second.test/.qmail-default"))
            .unwrap()
            .ends_with("'' bounce-no-mailbox\n")
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
    // a damaged vpasswd.cdb (a domain without vpasswd): one line, nothing changed
    let vdir2 = env.path("vpopmail2");
    let d = vdir2.join("domains/cdb.test");
    std::fs::create_dir_all(&d).unwrap();
    let mut w = CdbWriter::new();
    w.add(
        b"ann",
        b"$1$aaaaaaaa$bbbbbbbbbbbbbbbbbbbbbb:1:0::/x/ann:NOQUOTA",
    );
    let bytes = w.finish();
    std::fs::write(d.join("vpasswd.cdb"), &bytes[..bytes.len() - 5]).unwrap();
    let r = env.run("vconvert", &["-d", vdir2.to_str().unwrap()]);
    assert_eq!(r.code, 100, "{r:?}");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cdb.test/vpasswd.cdb: not a valid cdb: ")
            && r.stderr.contains("nothing was changed"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshot(&env), before);
    assert!(!env.domaindir().join("domains/cdb.test").exists());
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
    c.exec_drop(
        "INSERT INTO valias VALUES ('odd', 'mysql.test', 'plainname')",
        (),
    )
    .unwrap();
    // per-domain tables of a vpopmail built with --disable-many-domains: no
    // pw_domain (and here no pw_clear_passwd); the domain is found from the
    // homes (~vpopmail/domains/<domain>/<user>)
    c.query_drop(
        "CREATE TABLE per_dom_test (pw_name char(32) not null, pw_passwd char(128), \
         pw_uid int, pw_gid int, pw_gecos char(48), pw_dir char(160), pw_shell char(20), \
         primary key (pw_name))",
    )
    .unwrap();
    let per_dom = [
        ("ivan", "Ivan#9", "$1$ivansalt$"),
        ("judy", "Judy#10", "$6$judysalt$"),
    ];
    for (u, pw, setting) in per_dom {
        let dir = maildirs.join("domains/per-dom.test").join(u);
        write_message(&dir.join("Maildir/new"), "3.4.h,S=5", "hello");
        c.exec_drop(
            "INSERT INTO per_dom_test VALUES (?, ?, 1, 0, ?, ?, '5242880S')",
            (
                u,
                hash_with_setting(pw.as_bytes(), setting).unwrap(),
                u,
                dir.display().to_string(),
            ),
        )
        .unwrap();
    }
    let vpop = |env: &TestEnv, extra: &[&str]| {
        let mut args = vec!["-m", env.server.host.as_str(), "-D", vdb.as_str()];
        args.extend_from_slice(extra);
        env.run("vconvert", &args)
    };
    // dry run: the report, nothing changed
    let before = (
        snapshot(&env),
        env.rows("SELECT alias, valias_line FROM valias"),
    );
    let r = vpop(&env, &["--dry-run"]);
    let out = r.ok();
    assert!(
        out.contains("mysql.test: 3 accounts: 3 would be added, 0 already present (kept), 2 alias lines would be added"),
        "{out}"
    );
    assert!(
        out.contains("per-dom.test: domain would be created, 2 accounts: 2 would be added"),
        "{out}"
    );
    assert!(out.contains("nothing was changed (dry run)"), "{out}");
    assert_eq!(
        (
            snapshot(&env),
            env.rows("SELECT alias, valias_line FROM valias")
        ),
        before
    );
    let r = vpop(&env, &[]);
    let out = r.ok();
    assert!(
        out.contains(
            "mysql.test: 3 accounts: 3 added, 0 already present (kept), 2 alias lines added, 3 mailboxes: 3 files"
        ),
        "{out}"
    );
    assert!(
        out.contains("valias odd@mysql.test: not converted (neither an address, a path nor a program): plainname"),
        "{out}"
    );
    assert!(
        out.contains("per-dom.test: domain created, 2 accounts: 2 added, 0 already present (kept), 2 mailboxes: 2 files"),
        "{out}"
    );
    for (u, pw, _) in per_dom {
        let rows = env.rows(&format!(
            "SELECT pw_passwd, pw_dir, pw_shell FROM indimail WHERE pw_name='{u}' AND pw_domain='per-dom.test'"
        ));
        assert_eq!(rows.len(), 1, "{u}");
        let f: Vec<&str> = rows[0].split('\t').collect();
        assert!(verify(pw.as_bytes(), f[0]), "{u}: {}", f[0]);
        assert!(!verify(b"wrong", f[0]));
        assert_eq!(f[2], "5242880");
        assert!(Path::new(f[1]).join("Maildir/new/3.4.h,S=5").exists());
    }
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
    // a per-domain table whose domain cannot be told from its homes: named
    // on the command line it converts, otherwise one line and nothing changed
    c.query_drop(
        "CREATE TABLE named_test (pw_name char(32) not null, pw_passwd char(128), \
         pw_uid int, pw_gid int, pw_gecos char(48), pw_dir char(160), pw_shell char(20), \
         pw_clear_passwd char(16), primary key (pw_name))",
    )
    .unwrap();
    c.exec_drop(
        "INSERT INTO named_test VALUES ('kim', ?, 1, 0, 'kim', '/nowhere/kim', 'NOQUOTA', 'Kim#11')",
        (hash_with_setting(b"Kim#11", "$1$kimsalts$").unwrap(),),
    )
    .unwrap();
    let before = (
        snapshot(&env),
        env.rows("SELECT alias, valias_line FROM valias"),
    );
    let r = vpop(&env, &[]);
    assert_eq!(r.code, 100, "{r:?}");
    assert_eq!(
        r.stderr,
        "vconvert: table named_test: cannot tell which domain it holds (no home under a directory of that name); name the domain on the command line\n"
    );
    assert_eq!(
        (
            snapshot(&env),
            env.rows("SELECT alias, valias_line FROM valias")
        ),
        before
    );
    let r = vpop(&env, &["named.test"]);
    assert!(
        r.ok()
            .contains("named.test: domain created, 1 accounts: 1 added"),
        "{}",
        r.stdout
    );
    let kim =
        env.rows("SELECT pw_passwd FROM indimail WHERE pw_name='kim' AND pw_domain='named.test'");
    assert!(verify(b"Kim#11", &kim[0]), "{kim:?}");
    // a per-domain table lacking columns: one line, nothing changed
    c.query_drop("CREATE TABLE broken_test (pw_name char(32) not null, pw_passwd char(128))")
        .unwrap();
    let before = (
        snapshot(&env),
        env.rows("SELECT alias, valias_line FROM valias"),
    );
    let r = vpop(&env, &[]);
    assert_eq!(r.code, 100, "{r:?}");
    assert_eq!(
        r.stderr,
        "vconvert: table broken_test: not a vpopmail account table, missing column(s) pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell; nothing was changed\n"
    );
    assert_eq!(
        (
            snapshot(&env),
            env.rows("SELECT alias, valias_line FROM valias")
        ),
        before
    );
    c.query_drop(format!("DROP DATABASE `{vdb}`")).unwrap();
}
