//! Clustered sites: a central control database (the main test server) and
//! two mail stores (two more private MariaDB servers, shared by these tests),
//! tied together by dbinfo/mcdinfo, host_table and hostcntrl.

use mysql::prelude::Queryable;

use crate::common::{free_port, store_db, store_servers, TestEnv};

const IP_A: &str = "10.9.0.1";
const IP_B: &str = "10.9.0.2";
const IP_DOWN: &str = "10.9.0.3";
/// This machine: host id `hostl`, its own (local) database.
const IP_L: &str = "10.9.0.9";

/// A tree whose control/master database is its own database on the main
/// server, with `example.com` registered as distributed over the two stores
/// (host ids `hosta`, `hostb`); the local host is `hostl`, whose users are
/// in the local database.
fn cluster_env() -> TestEnv {
    let stores = store_servers();
    let env = TestEnv::new();
    let (host, pw, db) = (
        env.server.host.clone(),
        env.server.password.clone(),
        env.database.clone(),
    );
    let env = env
        .env("CNTRL_HOST", &host)
        .env("CNTRL_PASSWD", &pw)
        .env("CNTRL_DATABASE", &db)
        .env("MASTER_HOST", &host);
    std::fs::write(env.controldir().join("hostid"), "hostl\n").unwrap();
    std::fs::write(env.controldir().join("hostip"), format!("{IP_L}\n")).unwrap();
    let env = env.with_domain("example.com");
    add_store(&env, stores[0].port, &env.database, IP_A, "hosta");
    add_store(&env, stores[1].port, &env.database, IP_B, "hostb");
    env
}

/// Register a mail store of `example.com` (dbinfo -i -c, then its host id), as an
/// administrator does.
fn add_store(env: &TestEnv, port: u16, database: &str, ip: &str, hostid: &str) {
    add_record(env, "example.com", port, database, ip);
    env.run("vhostid", &["-i", ip, hostid]).ok();
}

/// A dbinfo record (distributed) of `domain` on the host `ip`.
fn add_record(env: &TestEnv, domain: &str, port: u16, database: &str, ip: &str) {
    let port = port.to_string();
    env.run(
        "dbinfo",
        &[
            "-i",
            "-c",
            "-d",
            domain,
            "-S",
            "127.0.0.1",
            "-p",
            &port,
            "-o",
            "0",
            "-D",
            database,
            "-U",
            "indimail",
            "-P",
            "ssh-1.5-",
            "-m",
            ip,
            "mcdinfo",
        ],
    )
    .ok();
}

fn store_rows(store: usize, env: &TestEnv, sql: &str) -> Vec<String> {
    store_rows_of(store, &env.database, sql)
}

#[test]
fn users_land_on_the_chosen_store_and_are_found_there() {
    let env = cluster_env();
    // The file was written from the table, in the original's layout.
    let mcd = env.read("etc/control/mcdinfo");
    assert!(
        mcd.contains(&format!(
            "domain   example.com 1\nserver   127.0.0.1\nmdahost  {IP_A}\nport     {}\nuse_ssl  0\ndatabase {}\nuser     indimail\npass     ssh-1.5-\n\n",
            store_servers()[0].port, env.database
        )),
        "{mcd}"
    );
    assert_eq!(
        env.rows("SELECT domain, distributed, mdahost FROM dbinfo ORDER BY mdahost"),
        vec![
            format!("example.com\t1\t{IP_A}"),
            format!("example.com\t1\t{IP_B}")
        ]
    );

    let r = env.run(
        "vadduser",
        &["-v", "-M", IP_A, "alice@example.com", "Secret-1"],
    );
    r.ok();
    assert!(
        r.stdout.contains(&format!(
            "Adding to MDAhost {IP_A} SqlServer 127.0.0.1:indimail:********"
        )),
        "{}",
        r.stdout
    );
    env.run("vadduser", &["-H", "hostb", "bob@example.com", "Secret-2"])
        .ok();

    assert_eq!(
        store_rows(
            0,
            &env,
            "SELECT pw_name, pw_uid FROM indimail WHERE pw_domain='example.com'"
        ),
        vec!["alice\t1"]
    );
    assert_eq!(
        store_rows(
            1,
            &env,
            "SELECT pw_name FROM indimail WHERE pw_domain='example.com'"
        ),
        vec!["bob"]
    );
    // Neither is in the local database; hostcntrl knows both.
    assert!(env
        .rows("SELECT pw_name FROM indimail WHERE pw_name IN ('alice','bob')")
        .is_empty());
    assert_eq!(
        env.rows("SELECT pw_name, host FROM hostcntrl ORDER BY pw_name"),
        vec!["alice\thosta", "bob\thostb"]
    );
    // A user added without -M/-H lands locally and is registered on the local host id.
    env.run("vadduser", &["carl@example.com", "Secret-3"]).ok();
    assert_eq!(
        env.rows("SELECT host FROM hostcntrl WHERE pw_name='carl'"),
        vec!["hostl"]
    );
    assert_eq!(
        env.rows("SELECT pw_name FROM indimail WHERE pw_name='carl'"),
        vec!["carl"]
    );
    assert_eq!(
        env.run("vuserinfo", &["-n", "carl@example.com"])
            .ok()
            .trim(),
        "name          : carl@example.com"
    );

    // Lookups find each user on its store.
    let r = env.run("vuserinfo", &["-n", "bob@example.com"]);
    assert_eq!(r.ok().trim(), "name          : bob@example.com");
    let r = env.run("vuserinfo", &["--json", "alice@example.com"]);
    assert!(r.ok().contains("\"user\": \"alice\""), "{}", r.stdout);
    // A password change goes to the store that holds the user.
    let before = store_rows(
        1,
        &env,
        "SELECT pw_passwd FROM indimail WHERE pw_name='bob'",
    );
    env.run("vpasswd", &["bob@example.com", "Other-22"]).ok();
    assert_ne!(
        store_rows(
            1,
            &env,
            "SELECT pw_passwd FROM indimail WHERE pw_name='bob'"
        ),
        before
    );

    // hostcntrl shows them.
    let r = env.run("hostcntrl", &["-s", "bob@example.com"]);
    let out = r.ok();
    assert!(
        out.starts_with("Email                     Host ID     IP Address       Added On\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "bob@example.com           hostb       {IP_B:<16} "
        )),
        "{out}"
    );
    assert_eq!(env.run("hostcntrl", &["-s", "nobody@example.com"]).code, 1);

    // Adding a user that exists on a store is refused, whichever store is named.
    let r = env.run("vadduser", &["-M", IP_B, "alice@example.com", "Secret-1"]);
    assert_eq!(r.code, 100, "{r:?}");
    assert!(
        r.stderr.contains("username alice@example.com exists"),
        "{}",
        r.stderr
    );
    assert!(store_rows(
        1,
        &env,
        "SELECT pw_name FROM indimail WHERE pw_name='alice'"
    )
    .is_empty());
    // An unknown mail store or host id.
    let r = env.run(
        "vadduser",
        &["-M", "10.9.9.9", "dave@example.com", "Secret-1"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("Failed to obtain sqlserver for mdahost 10.9.9.9 domain example.com"),
        "{}",
        r.stderr
    );
    let r = env.run(
        "vadduser",
        &["-H", "nohost", "dave@example.com", "Secret-1"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("Failed to obtain mdahost for host nohost"),
        "{}",
        r.stderr
    );

    // A store that still has users is not removed, from dbinfo or host_table.
    let r = env.run(
        "dbinfo",
        &["-r", "-d", "example.com", "-m", IP_A, "mcdinfo"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("still has 1 user(s) of example.com"),
        "{}",
        r.stderr
    );
    assert_eq!(env.rows("SELECT COUNT(*) FROM dbinfo"), vec!["2"]);
    let r = env.run("vhostid", &["-d", "hostb"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("still has 1 hostcntrl entry"),
        "{}",
        r.stderr
    );

    // Deleting users removes them from their store and from hostcntrl.
    env.run("vdeluser", &["alice@example.com"]).ok();
    env.run("vdeluser", &["carl@example.com"]).ok();
    assert!(store_rows(
        0,
        &env,
        "SELECT pw_name FROM indimail WHERE pw_name='alice'"
    )
    .is_empty());
    assert!(env
        .rows("SELECT pw_name FROM hostcntrl WHERE pw_name IN ('alice','carl')")
        .is_empty());
    // Now the store may go: the row and its file record disappear, the other stays.
    env.run(
        "dbinfo",
        &["-r", "-v", "-d", "example.com", "-m", IP_A, "mcdinfo"],
    )
    .ok();
    let mcd = env.read("etc/control/mcdinfo");
    assert!(!mcd.contains(IP_A) && mcd.contains(IP_B), "{mcd}");
    assert_eq!(env.rows("SELECT mdahost FROM dbinfo"), vec![IP_B]);
}

/// `applet args` fails with exit 111, naming `email`'s mail store ([`IP_DOWN`],
/// MySQL on `port`) as not reachable.
#[track_caller]
fn assert_store_down(env: &TestEnv, applet: &str, args: &[&str], email: &str, port: u16) {
    let r = env.run(applet, args);
    assert_eq!(r.code, 111, "{applet}: {r:?}");
    assert!(
        r.stderr.contains(&format!(
            "{email}: mail store {IP_DOWN} (MySQL 127.0.0.1:{port}) is not reachable"
        )),
        "{applet}: {}",
        r.stderr
    );
}

#[test]
fn a_store_that_is_down_fails_its_users_only_and_duplicates_are_reported() {
    let env = cluster_env();
    let dead = free_port();
    add_store(&env, dead, "x", IP_DOWN, "hostc");
    env.run("hostcntrl", &["-i", "hostc", "carol@example.com"])
        .ok();
    env.run("vadduser", &["-M", IP_A, "alice@example.com", "Secret-1"])
        .ok();

    // Carol's store is down: a clear error naming it, exit 111.
    for (applet, args) in [
        ("vuserinfo", vec!["carol@example.com"]),
        ("vpasswd", vec!["carol@example.com", "Whatever-1"]),
        ("vdeluser", vec!["carol@example.com"]),
    ] {
        assert_store_down(&env, applet, &args, "carol@example.com", dead);
    }
    // Adding a user on it fails the same way, and nothing is registered.
    let r = env.run("vadduser", &["-M", IP_DOWN, "dora@example.com", "Secret-1"]);
    assert_eq!(r.code, 111, "{r:?}");
    assert!(r.stderr.contains("is not reachable"), "{}", r.stderr);
    assert!(env
        .rows("SELECT pw_name FROM hostcntrl WHERE pw_name='dora'")
        .is_empty());
    // Users of the other stores keep working.
    assert_eq!(
        env.run("vuserinfo", &["-n", "alice@example.com"])
            .ok()
            .trim(),
        "name          : alice@example.com"
    );
    env.run("vpasswd", &["alice@example.com", "Other-22"]).ok();

    // The same user on two stores: reported, never picked silently.
    let mut c = store_db(&store_servers()[1], &env.database);
    let row = store_rows(
        0,
        &env,
        "SELECT pw_passwd, pw_dir FROM indimail WHERE pw_name='alice'",
    );
    let (pass, dir) = row[0].split_once('\t').unwrap();
    env.run("vadduser", &["-M", IP_B, "zed@example.com", "Secret-9"])
        .ok();
    c.exec_drop(
        "INSERT INTO indimail (pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell) VALUES ('alice','example.com',?,1,0,'alice',?,'NOQUOTA')",
        (pass, dir),
    )
    .unwrap();
    let r = env.run("vuserinfo", &["alice@example.com"]);
    assert_eq!(r.code, 111, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "alice@example.com is present on more than one mail store ({IP_A}, {IP_B})"
        )),
        "{}",
        r.stderr
    );
    let r = env.run("vdeluser", &["alice@example.com"]);
    assert_eq!(r.code, 111);
    assert_eq!(
        store_rows(
            0,
            &env,
            "SELECT pw_name FROM indimail WHERE pw_name='alice'"
        ),
        vec!["alice"]
    );
    // The control database itself unreachable: a clear error, exit 111; the
    // users of a non-distributed domain are not affected.
    env.run("vadddomain", &["local.org", "Pm@ss-2024"]).ok();
    let env = env.env("CNTRL_HOST", &format!("127.0.0.1:indimail:x:{dead}"));
    let r = env.run("vuserinfo", &["zed@example.com"]);
    assert_eq!(r.code, 111, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "open_central_db: mysql_real_connect: 127.0.0.1 user indimail, port {dead}"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(
        env.run("vuserinfo", &["-n", "postmaster@local.org"])
            .ok()
            .trim(),
        "name          : postmaster@local.org"
    );
}

#[test]
fn mcdinfo_and_dbinfo_stay_in_step() {
    let env = cluster_env();
    let path = env.controldir().join("mcdinfo");
    // A newer file wins: edit it by hand (a third record) and any reader pushes it to the table.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("domain   other.org 0\nserver   db.example\nmdahost  10.9.0.7\nport     3306\nuse_ssl  1\ndatabase im\nuser     u\npass     p\n\n");
    std::fs::write(&path, &text).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let r = env.run("dbinfo", &["-s", "-l", "-d", "other.org"]);
    assert_eq!(
        r.ok(),
        "DBINFO other.org  0 db.example 10.9.0.7 3306 1 im u p\n"
    );
    assert_eq!(
        env.rows("SELECT domain FROM dbinfo ORDER BY domain, mdahost"),
        vec!["example.com", "example.com", "other.org"]
    );
    // A newer table wins: change a row behind the file's back.
    env.db()
        .query_drop("UPDATE dbinfo SET server='db2.example', timestamp=NOW() + INTERVAL 10 SECOND WHERE domain='other.org'")
        .unwrap();
    env.run("dbinfo", &["-s", "-l", "-d", "other.org"]).ok();
    assert!(env
        .read("etc/control/mcdinfo")
        .contains("server   db2.example\n"));
    // Update through dbinfo -u.
    env.run(
        "dbinfo",
        &[
            "-u",
            "-S",
            "db3.example",
            "-d",
            "other.org",
            "-m",
            "10.9.0.7",
            "mcdinfo",
        ],
    )
    .ok();
    assert!(env
        .read("etc/control/mcdinfo")
        .contains("server   db3.example\n"));
    assert_eq!(
        env.rows("SELECT server FROM dbinfo WHERE domain='other.org'"),
        vec!["db3.example"]
    );
    // The block format, with a live connection to the store.
    let r = env.run("dbinfo", &["-s", "-d", "example.com", "-m", IP_A]);
    let out = r.ok();
    assert!(
        out.starts_with("MySQL Client Version: indimail-rs "),
        "{out}"
    );
    assert!(
        out.contains("domain         example.com - Distributed\nsqlserver[000] 127.0.0.1\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "mda host       {IP_A}\nMySQL Status   connected\n"
        )),
        "{out}"
    );
    assert!(
        out.contains("server version ")
            && out.ends_with("Use SSL        No\n--------------------------\n"),
        "{out}"
    );
    assert_eq!(env.run("dbinfo", &["-s", "-d", "nosuch.org"]).code, 1);
    // The synthetic local record of a local domain is shown, never written.
    env.run("vadddomain", &["local.org", "Pm@ss-2024"]).ok();
    let r = env.run("dbinfo", &["-s", "-l"]);
    assert!(
        r.ok()
            .contains(&format!("auto local.org  0 localhost {IP_L} ")),
        "{}",
        r.stdout
    );
    assert!(!env.read("etc/control/mcdinfo").contains("local.org"));

    // Bad files: one clear line, the table and file untouched.
    let good = std::fs::read(&path).unwrap();
    for (bad, msg) in [
        ("domain x 1\nserver\n", "has no value[server]"),
        (
            "domain x 1\nserver s\nmdahost m\n",
            "Incomplete structure in file",
        ),
        (
            "domain x 1\nserver s\nmdahost m\ndomain y 1\n",
            "Line Preceding 4",
        ),
    ] {
        std::fs::write(&path, bad).unwrap();
        let before = env.rows("SELECT * FROM dbinfo ORDER BY domain, mdahost");
        let r = env.run("vuserinfo", &["someone@example.com"]);
        assert_eq!(r.code, 111, "{r:?}");
        assert!(r.stderr.contains(msg), "{}", r.stderr);
        assert_eq!(
            env.rows("SELECT * FROM dbinfo ORDER BY domain, mdahost"),
            before
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), bad);
    }
    std::fs::write(&path, &good).unwrap();

    // Missing fields are refused by dbinfo itself.
    let r = env.run("dbinfo", &["-i", "-d", "x.org", "-m", "1.2.3.4", "mcdinfo"]);
    assert_eq!(r.code, 100);
    assert!(
        r.stderr.starts_with("dbinfo: warning: \nusage: dbinfo"),
        "{}",
        r.stderr
    );
}

#[test]
fn concurrent_dbinfo_writers_lose_nothing() {
    let env = cluster_env();
    let children: Vec<_> = (0..6)
        .map(|i| {
            let d = format!("d{i}.example");
            let ip = format!("10.8.0.{i}");
            env.cmd("dbinfo")
                .args([
                    "-i",
                    "-d",
                    &d,
                    "-S",
                    "db.example",
                    "-p",
                    "3306",
                    "-o",
                    "0",
                    "-D",
                    "im",
                    "-U",
                    "u",
                    "-P",
                    "p",
                    "-m",
                    &ip,
                    "mcdinfo",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let mcd = env.read("etc/control/mcdinfo");
    for i in 0..6 {
        assert!(mcd.contains(&format!("domain   d{i}.example 0\n")), "{mcd}");
    }
    assert_eq!(env.rows("SELECT COUNT(*) FROM dbinfo"), vec!["8"]);
    // No temporary or editing copies are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(env.controldir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("mcdinfo") && n != "mcdinfo" && !n.ends_with(".pre.1"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn vhostid_vsmtp_vipmap_hostcntrl() {
    let env = cluster_env();
    let r = env.run("vhostid", &["-s"]);
    assert_eq!(
        r.ok(),
        format!("HostID                         IP Address\nhosta                          {IP_A}\nhostb                          {IP_B}\n")
    );
    assert_eq!(
        env.run("vhostid", &["hostb"]).ok(),
        format!(
            "HostID                         IP Address\nhostb                          {IP_B}\n"
        )
    );
    env.run("vhostid", &["-u", "10.9.0.22", "hostb"]).ok();
    assert_eq!(
        env.rows("SELECT ipaddr FROM host_table WHERE host='hostb'"),
        vec!["10.9.0.22"]
    );
    let r = env.run("vhostid", &["-i", IP_A, "hosta"]);
    assert_eq!(r.code, 1);
    let r = env.run("vhostid", &["-d"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .starts_with("must supply Host Id\nvhostid: warning: usage: vhostid"),
        "{}",
        r.stderr
    );
    assert_eq!(env.run("vhostid", &["-S"]).ok(), "hostl\n");
    assert_eq!(
        env.run("vhostid", &["-S", "hostz"]).ok(),
        "updated local hostid to hostz\n"
    );
    assert_eq!(env.read("etc/control/hostid"), "hostz\n");

    // vsmtp
    env.run("vsmtp", &["-i", "2525", "-m", IP_A, "hostb@example.com"])
        .ok();
    env.run("vsmtp", &["-i", "209", "-m", "*", "hostb@example.com"])
        .ok();
    let r = env.run("vsmtp", &["example.com"]);
    assert_eq!(
        r.ok(),
        "Source HostIP        Destination HostID IP Address-> Port\n\
         *                    hostb              10.9.0.22          -> 209\n\
         10.9.0.1             hostb              10.9.0.22          -> 2525\n"
    );
    env.run("vsmtp", &["-u", "2526", "-m", IP_A, "hostb@example.com"])
        .ok();
    assert_eq!(
        env.rows("SELECT port FROM smtp_port WHERE src_host='10.9.0.1'"),
        vec!["2526"]
    );
    assert_eq!(
        env.run("vsmtp", &["-s", "-m", "10.7", "example.com"]).code,
        1
    );
    assert_eq!(env.run("vsmtp", &["-s", "none.org"]).code, 0);
    let r = env.run("vsmtp", &["-d", "hostb@example.com"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .starts_with("vsmtp: must supply MTA IP Address\nusage: vsmtp"),
        "{}",
        r.stderr
    );
    env.run("vsmtp", &["-d", "-m", "*", "hostb@example.com"])
        .ok();
    assert_eq!(env.rows("SELECT COUNT(*) FROM smtp_port"), vec!["1"]);

    // vipmap (local database)
    env.run("vipmap", &["-i", "192.0.2.5", "example.com"]).ok();
    env.run("vipmap", &["-i", "192.0.2.6", "example.com"]).ok();
    env.run("vipmap", &["-u", "192.0.2.6", "other.org"]).ok();
    assert_eq!(
        env.run("vipmap", &["-s"]).ok(),
        "192.0.2.5 example.com\n192.0.2.6 other.org\n"
    );
    assert_eq!(
        env.run("vipmap", &["-s", "other.org"]).ok(),
        "192.0.2.6 other.org\n"
    );
    env.run("vipmap", &["-d", "192.0.2.6", "other.org"]).ok();
    assert_eq!(
        env.run("vipmap", &["-s", "-v", "other.org"]).ok(),
        "No IP Maps present\n"
    );
    assert_eq!(env.run("vipmap", &["-i", "1.2.3.4"]).code, 1);

    // hostcntrl by hand
    env.run("hostcntrl", &["-i", "hosta", "x@example.com"]).ok();
    let r = env.run("hostcntrl", &["-i", "hostb", "x@example.com"]);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .contains("hostcntrl: duplicate entry x@example.com host hostb"));
    env.run("hostcntrl", &["-m", "hostb", "x@example.com"]).ok();
    let l = env.run("hostcntrl", &["-l"]);
    let out = l.ok();
    assert!(
        out.starts_with(
            "User                 Domain               Host ID   IP Address      Added on\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("x                    example.com          hostb     10.9.0.22       "),
        "{out}"
    );
    env.run("hostcntrl", &["-d", "hostb", "x@example.com"]).ok();
    assert_eq!(
        env.run("hostcntrl", &["-d", "hostb", "x@example.com"]).code,
        1
    );
    let r = env.run("hostcntrl", &["-i", "hostb"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("must supply emailid\nhostcntrl: warning: usage"),
        "{}",
        r.stderr
    );
}

#[test]
fn clustered_domains_are_added_and_removed_with_their_records() {
    let env = cluster_env();
    let port = store_servers()[0].port.to_string();
    let db = env.database.clone();
    let r = env.run("vadddomain", &["-c", "-D", &db, "new.org", "Pm@ss-2024"]);
    assert_eq!(r.code, 100, "{r:?}");
    assert!(
        r.stderr.starts_with(
            "vadddomain: warning: specify sqlserver, database, dbuser, dbpass and dbport\n"
        ),
        "{}",
        r.stderr
    );
    assert!(!env.domaindir().join("domains/new.org").exists());

    let cl = [
        "-D",
        db.as_str(),
        "-H",
        "127.0.0.1",
        "-U",
        "indimail",
        "-P",
        "ssh-1.5-",
        "-p",
        port.as_str(),
        "-s",
        "0",
    ];
    let mut args = vec!["-c"];
    args.extend_from_slice(&cl);
    args.extend_from_slice(&["new.org", "Pm@ss-2024"]);
    env.run("vadddomain", &args).ok();
    assert_eq!(
        env.rows("SELECT distributed, server, mdahost, use_ssl FROM dbinfo WHERE domain='new.org'"),
        vec![format!("1\t127.0.0.1\t{IP_L}\t0")]
    );
    assert!(env
        .read("etc/control/mcdinfo")
        .contains("domain   new.org 1\n"));
    assert_eq!(
        env.rows("SELECT host FROM hostcntrl WHERE pw_name='postmaster' AND pw_domain='new.org'"),
        vec!["hostl"]
    );
    assert_eq!(
        env.run("vuserinfo", &["-n", "postmaster@new.org"])
            .ok()
            .trim(),
        "name          : postmaster@new.org"
    );
    // A non-distributed record (-D without -c).
    let mut args = cl.to_vec();
    args.extend_from_slice(&["plain.org", "Pm@ss-2024"]);
    env.run("vadddomain", &args).ok();
    assert_eq!(
        env.rows("SELECT distributed FROM dbinfo WHERE domain='plain.org'"),
        vec!["0"]
    );

    // vdeldomain: a distributed domain's record and hostcntrl rows of this host go;
    // a non-distributed one's only with -c.
    env.run("vdeldomain", &["new.org"]).ok();
    assert!(env
        .rows("SELECT * FROM dbinfo WHERE domain='new.org'")
        .is_empty());
    assert!(env
        .rows("SELECT * FROM hostcntrl WHERE pw_domain='new.org'")
        .is_empty());
    assert!(!env.read("etc/control/mcdinfo").contains("new.org"));
    env.run("vdeldomain", &["-c", "plain.org"]).ok();
    assert!(env
        .rows("SELECT * FROM dbinfo WHERE domain='plain.org'")
        .is_empty());
    assert_eq!(env.rows("SELECT COUNT(*) FROM dbinfo"), vec!["2"]);

    env.run("vadddomain", &["local.org", "Pm@ss-2024"]).ok();
    // The other per-user commands reach the user's store too.
    env.run("vadduser", &["-M", IP_B, "eve@example.com", "Secret-1"])
        .ok();
    env.run("vmoduser", &["-c", "Eve E", "eve@example.com"])
        .ok();
    env.run("vsetuserquota", &["eve@example.com", "5000000"])
        .ok();
    assert_eq!(
        store_rows(
            1,
            &env,
            "SELECT pw_gecos, pw_shell FROM indimail WHERE pw_name='eve'"
        ),
        vec!["Eve E\t5000000"]
    );
    // A group account on a chosen store; its members are kept there.
    env.run(
        "vgroup",
        &[
            "-a",
            "-M",
            IP_B,
            "-c",
            "Sales",
            "sales@example.com",
            "Grp#pw-1",
        ],
    )
    .ok();
    env.run("vgroup", &["-i", "eve@example.com", "sales@example.com"])
        .ok();
    assert_eq!(
        store_rows(
            1,
            &env,
            "SELECT valias_line FROM valias WHERE alias='sales'"
        ),
        vec!["&eve@example.com"]
    );
    assert_eq!(
        env.rows("SELECT host FROM hostcntrl WHERE pw_name='sales'"),
        vec!["hostb"]
    );
    assert_eq!(
        env.run("vgroup", &["--list", "sales@example.com"]).ok(),
        "&eve@example.com\n"
    );
    // A rename stays on the user's store and moves its hostcntrl row.
    env.run("vrenameuser", &["eve@example.com", "eva@example.com"])
        .ok();
    assert_eq!(
        store_rows(
            1,
            &env,
            "SELECT pw_name FROM indimail WHERE pw_name IN ('eve','eva')"
        ),
        vec!["eva"]
    );
    assert_eq!(
        env.rows("SELECT pw_name, host FROM hostcntrl WHERE pw_name IN ('eve','eva')"),
        vec!["eva\thostb"]
    );
    let r = env.run("vrenameuser", &["eva@example.com", "eva@local.org"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("moving a user between mail stores is not supported"),
        "{}",
        r.stderr
    );
}

#[test]
fn hostsync_pushes_pending_flags() {
    let env = cluster_env();
    env.run("vadddomain", &["local.org", "Pm@ss-2024"]).ok();
    env.run("vadduser", &["carl@example.com", "Secret-3"]).ok();
    env.run("vadduser", &["dan@example.com", "Secret-3"]).ok();
    // carl's registration was lost (ADD pending); dan is marked for deletion.
    env.db()
        .query_drop("DELETE FROM hostcntrl WHERE pw_name='carl'")
        .unwrap();
    env.db()
        .query_drop("UPDATE indimail SET pw_uid = 2 WHERE pw_name='carl'")
        .unwrap();
    env.db()
        .query_drop("UPDATE indimail SET pw_uid = 4 WHERE pw_name='dan'")
        .unwrap();
    let r = env.run("hostsync", &["-v", "-d", "example.com"]);
    assert_eq!(
        r.ok(),
        "Adding      user carl@example.com\nDeleting    user dan@example.com\nSynced 2 entries\n"
    );
    assert_eq!(
        env.rows("SELECT pw_name, host FROM hostcntrl WHERE pw_name IN ('carl','dan')"),
        vec!["carl\thostl"]
    );
    assert_eq!(
        env.rows(
            "SELECT pw_name, pw_uid FROM indimail WHERE pw_name IN ('carl','dan') ORDER BY pw_name"
        ),
        vec!["carl\t1", "dan\t1"]
    );
    assert_eq!(
        env.run("hostsync", &["-v", "-d", "example.com"]).ok(),
        "Synced 0 entries\n"
    );
    let r = env.run("hostsync", &["-d", "local.org"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("hostsync: local.org is not a distributed domain"),
        "{}",
        r.stderr
    );
    let r = env.run("hostsync", &["-v"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("hostsync: warning: usage: hostsync [options]"),
        "{}",
        r.stderr
    );
}

#[test]
fn vfstab_tracks_filesystems_and_balances_new_homes() {
    let env = cluster_env();
    env.run("vhostid", &["-i", IP_L, "hostl"]).ok();
    let fs1 = env.base().join("fs1");
    let fs2 = env.base().join("fs2");
    for f in [&fs1, &fs2] {
        std::fs::create_dir_all(f).unwrap();
        std::fs::set_permissions(f, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    }
    let (f1, f2) = (fs1.to_str().unwrap(), fs2.to_str().unwrap());
    env.run(
        "vfstab",
        &["-i", "-m", IP_L, "-n", "100", "-q", "1048576", f1],
    )
    .ok();
    env.run("vfstab", &["-i", "-m", IP_L, "-n", "100", f2]).ok();
    env.run("vfstab", &["-i", "-m", IP_A, "-n", "100", "/srv/a"])
        .ok();
    // A local filesystem must be a mount point; limits are required.
    let r = env.run("vfstab", &["-i", "-l", "-n", "5", f1]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(&format!("{f1}: Not a filesystem")),
        "{}",
        r.stderr
    );
    let r = env.run("vfstab", &["-i", "-m", IP_L, "/x"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .starts_with("vfstab: Must specify Max Size or Max Users\n"),
        "{}",
        r.stderr
    );
    let r = env.run("vfstab", &["-i", "-n", "3", "/x"]);
    assert!(
        r.stderr.starts_with("vfstab: must supply MDA IP Address\n"),
        "{}",
        r.stderr
    );
    assert_eq!(env.rows("SELECT COUNT(*) FROM fstab"), vec!["3"]);

    let r = env.run("vfstab", &["-s", "-m", IP_L]);
    let out = r.ok();
    assert!(out.starts_with("File System          Host                 Status   Max Users  Cur Users       Max Size        Cur Size Load\n"), "{out}");
    assert!(out.contains(&format!("{f1:<20} hostl                ONLINE          100          0       1024  Kb           0  Kb  0.1000\n")), "{out}");
    assert!(!out.contains("/srv/a"), "{out}");

    // -b picks an online filesystem of this host, not the one chosen last time.
    env.run("vfstab", &["-o", "0", "-m", IP_L, f2]).ok();
    let r = env.run("vfstab", &["-b"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stderr, format!("Filesystem Selected {f1}\n"));
    assert_eq!(env.read("etc/lastfstab"), format!("{f1}\n"));
    env.run("vfstab", &["-o", "1", "-m", IP_L, f2]).ok();
    let r = env.run("vfstab", &["-b"]);
    assert_eq!(r.stderr, format!("Filesystem Selected {f2}\n"));
    // vadduser -b puts the home there.
    env.run("vadduser", &["-b", "-d", "fay@example.com", "Secret-1"])
        .ok();
    let dir = env.rows("SELECT pw_dir FROM indimail WHERE pw_name='fay'");
    assert!(dir[0].starts_with(f2), "{dir:?}");
    assert!(std::path::Path::new(&dir[0]).join("Maildir/new").is_dir());
    env.run("vfstab", &["-u", "-m", IP_L, "-n", "7", f2]).ok();
    env.run("vfstab", &["-d", "-m", IP_A, "/srv/a"]).ok();
    assert_eq!(
        env.rows("SELECT filesystem, max_users FROM fstab ORDER BY filesystem"),
        vec![format!("{f1}\t100"), format!("{f2}\t7")]
    );
    assert_eq!(env.run("vfstab", &["-o", "2", "-m", IP_L, f2]).code, 0);
    let r = env.run("vfstab", &["-o", "2", "-m", IP_L, f2]);
    assert!(
        r.stderr.starts_with("vfstab: status should be 0 or 1"),
        "{}",
        r.stderr
    );
}

#[test]
fn inlookup_host_query_routes_from_the_control_tables() {
    let env = cluster_env();
    env.run("vadduser", &["-H", "hostb", "bob@example.com", "Secret-2"])
        .ok();
    env.run("vadduser", &["-M", IP_A, "alice@example.com", "Secret-1"])
        .ok();
    // Default port; a `*` row; a row for this host's own IP wins.
    let r = env.run("inquerytest", &["-q", "4", "bob@example.com"]);
    assert_eq!(
        r.ok(),
        format!("bob@example.com: SMTPROUTE is example.com:{IP_B}:25\n")
    );
    env.run("vsmtp", &["-i", "209", "-m", "*", "hostb@example.com"])
        .ok();
    let r = env.run("inquerytest", &["-q", "4", "bob@example.com"]);
    assert_eq!(
        r.ok(),
        format!("bob@example.com: SMTPROUTE is example.com:{IP_B}:209\n")
    );
    env.run("vsmtp", &["-i", "2525", "-m", IP_L, "hostb@example.com"])
        .ok();
    let r = env.run("inquerytest", &["-q", "4", "bob@example.com"]);
    assert_eq!(
        r.ok(),
        format!("bob@example.com: SMTPROUTE is example.com:{IP_B}:2525\n")
    );
    let r = env.run("inquerytest", &["-q", "4", "alice@example.com"]);
    assert_eq!(
        r.ok(),
        format!("alice@example.com: SMTPROUTE is example.com:{IP_A}:25\n")
    );
    // No hostcntrl row: unknown (R=0), unless the domain has a `*` default.
    let r = env.run("inquerytest", &["-q", "4", "nobody@example.com"]);
    assert_ne!(r.code, 0, "{r:?}");
    env.run("hostcntrl", &["-i", "hosta", "*@example.com"]).ok();
    let r = env.run("inquerytest", &["-q", "4", "nobody@example.com"]);
    assert_eq!(
        r.ok(),
        format!("nobody@example.com: SMTPROUTE is example.com:{IP_A}:25\n")
    );
}

#[test]
fn vreorg_rehashes_homes_with_rows_and_aliases() {
    let env = TestEnv::new();
    env.run("vadddomain", &["-l", "2", "r.org", "Pm@ss-2024"])
        .ok();
    for u in ["a1", "a2", "a3", "a4"] {
        env.run("vadduser", &["-d", &format!("{u}@r.org"), "Secret-1"])
            .ok();
    }
    let dir_of =
        |u: &str| env.rows(&format!("SELECT pw_dir FROM indimail WHERE pw_name='{u}'"))[0].clone();
    let before: Vec<String> = ["a1", "a2", "a3", "a4"].iter().map(|u| dir_of(u)).collect();
    std::fs::write(before[3].clone() + "/Maildir/new/1.mail", "hello\n").unwrap();
    env.run(
        "valias",
        &["-i", &format!("{}/Maildir/", before[3]), "copy@r.org"],
    )
    .ok();
    let list = env.path("users.txt");
    std::fs::write(&list, "a4\na3\nnosuch\n# a comment\na2\na1\n").unwrap();
    let r = env.run(
        "vreorg",
        &["-v", "-r", "-d", "r.org", list.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .starts_with("Resetting directory layout status done\nWorking on users \n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("vreorg: nosuch@r.org: sql_getpw failed"),
        "{}",
        r.stderr
    );
    let after: Vec<String> = ["a1", "a2", "a3", "a4"].iter().map(|u| dir_of(u)).collect();
    let moved = before.iter().zip(&after).filter(|(b, a)| b != a).count();
    assert!(moved > 0, "{before:?} {after:?}");
    assert!(
        r.stdout.ends_with(&format!("done {moved} users\n")),
        "{}",
        r.stdout
    );
    for (b, a) in before.iter().zip(&after) {
        assert!(std::path::Path::new(a).join("Maildir/new").is_dir(), "{a}");
        if b != a {
            assert!(!std::path::Path::new(b).exists(), "{b} still there");
        }
    }
    // a4's mail moved with its home, and the alias line follows it.
    assert_eq!(
        std::fs::read_to_string(after[3].clone() + "/Maildir/new/1.mail").unwrap(),
        "hello\n"
    );
    assert_eq!(
        env.rows("SELECT valias_line FROM valias WHERE alias='copy'"),
        vec![format!("{}/Maildir/", after[3])]
    );
    let r = env.run("vreorg", &["-d", "none.org", list.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("vreorg: none.org: No such domain"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_mail_store_server_that_stops_fails_only_its_users() {
    let env = cluster_env();
    let third = &store_servers()[2];
    let port = third.port;
    add_store(&env, port, &env.database, IP_DOWN, "hostc");
    env.run("vadduser", &["-M", IP_DOWN, "gus@example.com", "Secret-1"])
        .ok();
    env.run("vadduser", &["-M", IP_B, "hal@example.com", "Secret-1"])
        .ok();
    assert_eq!(
        env.run("vuserinfo", &["-n", "gus@example.com"]).ok().trim(),
        "name          : gus@example.com"
    );
    third.stop();
    assert_store_down(
        &env,
        "vuserinfo",
        &["gus@example.com"],
        "gus@example.com",
        port,
    );
    assert_eq!(
        env.run("vuserinfo", &["-n", "hal@example.com"]).ok().trim(),
        "name          : hal@example.com"
    );
    env.run("vpasswd", &["hal@example.com", "Other-22"]).ok();
    // The routed per-user commands and queries fail the same way for its users only.
    for (applet, args) in [
        ("valias", vec!["-i", "&x@remote.test", "gus@example.com"]),
        ("valias", vec!["-s", "gus@example.com"]),
        ("vlimit", vec!["-A", "5", "gus@example.com"]),
    ] {
        assert_store_down(&env, applet, &args, "gus@example.com", port);
    }
    let r = env.run("inquerytest", &["-q", "3", "gus@example.com"]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("pw_name"), "{r:?}");
    let r = env.run("inquerytest", &["-q", "3", "hal@example.com"]);
    assert!(r.ok().contains("pw_name  : hal"), "{r:?}");
    env.run("valias", &["-i", "&x@remote.test", "hal@example.com"])
        .ok();
    let r = env.run("inquerytest", &["-q", "4", "gus@example.com"]);
    assert_eq!(
        r.ok(),
        format!("gus@example.com: SMTPROUTE is example.com:{IP_DOWN}:25\n")
    );
}

#[test]
fn dbinfo_e_installs_an_edited_copy_only_when_it_parses() {
    let env = cluster_env();
    let path = env.controldir().join("mcdinfo");
    let env = env.env("EDITOR", "sed -i s/ssh-1.5-/n3w-pass/");
    let r = env.run_stdin("dbinfo", &["-e"], "\n");
    assert_eq!(
        r.ok(),
        format!("Loaded 2 entries in file {}\nPress ENTER to continueEditor is sed -i s/ssh-1.5-/n3w-pass/\n", path.display())
    );
    assert_eq!(
        env.rows("SELECT DISTINCT passwd FROM dbinfo"),
        vec!["n3w-pass"]
    );
    assert!(env
        .read("etc/control/mcdinfo")
        .contains("pass     n3w-pass\n"));
    // An edit that breaks the file changes nothing.
    let before = env.read("etc/control/mcdinfo");
    let env = env.env("EDITOR", "sed -i s/^port.*/port/");
    let r = env.run_stdin("dbinfo", &["-e"], "\n");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("has no value[port]"), "{}", r.stderr);
    assert_eq!(env.read("etc/control/mcdinfo"), before);
    assert_eq!(
        env.rows("SELECT DISTINCT passwd FROM dbinfo"),
        vec!["n3w-pass"]
    );
}

#[test]
fn valias_vlimit_and_inlookup_use_the_store_of_the_address() {
    let env = cluster_env();
    env.run("vadduser", &["-M", IP_B, "bob@example.com", "Secret-2"])
        .ok();
    env.run("vadduser", &["-M", IP_A, "alice@example.com", "Secret-1"])
        .ok();
    // An alias registered on hostb: its lines live on that store.
    env.run("hostcntrl", &["-i", "hostb", "list@example.com"])
        .ok();
    env.run("valias", &["-i", "&bob@example.com", "list@example.com"])
        .ok();
    let on_b = |sql: &str| store_rows(1, &env, sql);
    assert_eq!(
        on_b("SELECT valias_line FROM valias WHERE alias='list'"),
        vec!["&bob@example.com"]
    );
    assert!(env
        .rows("SELECT valias_line FROM valias WHERE alias='list'")
        .is_empty());
    assert_eq!(
        env.run("valias", &["-s", "list@example.com"]).ok(),
        "list@example.com -> &bob@example.com\n"
    );
    // A line naming a user of another store is refused (exit 1, nothing
    // written) unless -m.
    let r = env.run("valias", &["-i", "&alice@example.com", "list@example.com"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr.trim(),
        format!("valias: &alice@example.com not local (mailstore {IP_A})")
    );
    assert_eq!(
        on_b("SELECT COUNT(*) FROM valias WHERE alias='list'"),
        vec!["1"]
    );
    env.run(
        "valias",
        &["-m", "-i", "&alice@example.com", "list@example.com"],
    )
    .ok();
    env.run(
        "valias",
        &[
            "-u",
            "&alice@example.com",
            "-i",
            "&out@remote.test",
            "list@example.com",
        ],
    )
    .ok();
    assert_eq!(
        on_b("SELECT valias_line FROM valias WHERE alias='list' ORDER BY 1"),
        vec!["&bob@example.com", "&out@remote.test"]
    );
    env.run("valias", &["-d", "&out@remote.test", "list@example.com"])
        .ok();
    assert_eq!(
        on_b("SELECT valias_line FROM valias WHERE alias='list'"),
        vec!["&bob@example.com"]
    );
    // A user's own forwarding lines go to its store.
    env.run("valias", &["-i", "&fwd@remote.test", "bob@example.com"])
        .ok();
    assert_eq!(
        on_b("SELECT valias_line FROM valias WHERE alias='bob'"),
        vec!["&fwd@remote.test"]
    );
    // An alias not in hostcntrl is registered on this host (password
    // `alias`) and its lines are kept where that row points (the local
    // database: hostl has no store record); its last line gone, so is the row.
    env.run("valias", &["-i", "&carl@remote.test", "sales@example.com"])
        .ok();
    assert_eq!(
        env.rows("SELECT host, pw_passwd FROM hostcntrl WHERE pw_name='sales'"),
        vec!["hostl\talias"]
    );
    assert_eq!(
        env.rows("SELECT valias_line FROM valias WHERE alias='sales'"),
        vec!["&carl@remote.test"]
    );
    assert_eq!(
        env.run("inquerytest", &["-q", "1", "sales@example.com"])
            .ok(),
        "sales@example.com is an alias\n"
    );
    env.run("valias", &["-d", "&carl@remote.test", "sales@example.com"])
        .ok();
    assert!(env
        .rows("SELECT * FROM hostcntrl WHERE pw_name='sales'")
        .is_empty());

    // vlimit: a user row lives with the user; a domain row stays local.
    env.run("vlimit", &["-A", "7", "bob@example.com"]).ok();
    assert_eq!(
        on_b("SELECT maxaliases FROM vlimits WHERE domain='bob@example.com'"),
        vec!["7"]
    );
    assert!(env
        .rows("SELECT * FROM vlimits WHERE domain='bob@example.com'")
        .is_empty());
    assert!(env
        .run("vlimit", &["-s", "bob@example.com"])
        .ok()
        .contains("Max Aliases          :             7"));
    env.run("vlimit", &["-A", "9", "example.com"]).ok();
    assert_eq!(
        env.rows("SELECT maxaliases FROM vlimits WHERE domain='example.com'"),
        vec!["9"]
    );

    // inlookup's per-user queries read the address's store.
    let q = |t: &str, e: &str| env.run("inquerytest", &["-q", t, e]);
    assert_eq!(
        q("1", "bob@example.com").ok(),
        "bob@example.com has all services enabled\n"
    );
    assert!(q("3", "bob@example.com").ok().contains("pw_name  : bob"));
    assert_eq!(
        q("1", "list@example.com").ok(),
        "list@example.com is an alias\n"
    );
    assert!(q("5", "list@example.com").ok().contains("&bob@example.com"));
    assert!(q("5", "bob@example.com").ok().contains("&fwd@remote.test"));
    let lim = q("6", "bob@example.com").ok().to_string();
    assert!(
        lim.contains("Max Aliases          :             7"),
        "{lim}"
    );
    // A user without a row of its own gets the domain's (local) limits.
    let lim = q("6", "alice@example.com").ok().to_string();
    assert!(
        lim.contains("Max Aliases          :             9"),
        "{lim}"
    );
    // Not in hostcntrl: unknown, whatever the local database has.
    env.db()
        .query_drop("INSERT INTO indimail (pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell) VALUES ('ghost','example.com','x',1,0,'g','/nonexistent','NOQUOTA')")
        .unwrap();
    assert_eq!(
        q("1", "ghost@example.com").ok(),
        "ghost@example.com is Absent on this domain (#5.1.1)\n"
    );

    // The running server's cache follows changes made on a store.
    let env = env.env("USE_BTREE", "1").env("INLOOKUP_CACHE_TTL", "600");
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = env.path("run/infifo");
    let server = crate::inlookup::ServerProc::start(&env, &fifo, &replies);
    let ask = |t: &str, e: &str| {
        let out = crate::inlookup::inquery(&env, &fifo, &replies, t, e)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let hash = || {
        format!(
            "pw_passwd: {}",
            store_rows(
                1,
                &env,
                "SELECT pw_passwd FROM indimail WHERE pw_name='bob'"
            )[0]
        )
    };
    let before = ask("3", "bob@example.com");
    assert!(before.contains(&hash()), "{before}");
    env.run("vpasswd", &["bob@example.com", "Other-22"]).ok();
    let after = ask("3", "bob@example.com");
    assert!(after.contains(&hash()), "{after}");
    assert_ne!(before, after);
    assert!(ask("5", "list@example.com").contains("&bob@example.com"));
    env.run("valias", &["-i", "&more@remote.test", "list@example.com"])
        .ok();
    assert!(ask("5", "list@example.com").contains("&more@remote.test"));
    drop(server);
}

#[test]
fn vrenameuser_across_domains_stays_on_one_store() {
    let env = cluster_env();
    let stores = store_servers();
    env.run("vadddomain", &["other.com", "Pm@ss-2024"]).ok();
    env.run("vadddomain", &["local.org", "Pm@ss-2024"]).ok();
    // other.com is distributed too, with a store on hosta's database.
    add_record(&env, "other.com", stores[0].port, &env.database, IP_A);
    env.run("vadduser", &["-M", IP_A, "dan@example.com", "Secret-1"])
        .ok();
    env.run("vadduser", &["-M", IP_B, "bob@example.com", "Secret-2"])
        .ok();
    env.run("vrenameuser", &["dan@example.com", "dan@other.com"])
        .ok();
    assert_eq!(
        store_rows(
            0,
            &env,
            "SELECT pw_domain FROM indimail WHERE pw_name='dan'"
        ),
        vec!["other.com"]
    );
    assert_eq!(
        env.rows("SELECT pw_domain, host FROM hostcntrl WHERE pw_name='dan'"),
        vec!["other.com\thosta"]
    );
    assert_eq!(
        env.run("vuserinfo", &["-n", "dan@other.com"]).ok().trim(),
        "name          : dan@other.com"
    );
    // other.com has no store on hostb: bob would change stores. Refused,
    // nothing changed; likewise to a local (non-distributed) domain.
    for new in ["bob@other.com", "bob@local.org"] {
        let r = env.run("vrenameuser", &["bob@example.com", new]);
        assert_eq!(r.code, 1, "{new}: {r:?}");
        assert!(
            r.stderr
                .contains("moving a user between mail stores is not supported"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(
        store_rows(
            1,
            &env,
            "SELECT pw_domain FROM indimail WHERE pw_name='bob'"
        ),
        vec!["example.com"]
    );
    assert_eq!(
        env.rows("SELECT pw_domain FROM hostcntrl WHERE pw_name='bob'"),
        vec!["example.com"]
    );
    // The new address taken: refused.
    env.run("vadduser", &["-M", IP_A, "eve@other.com", "Secret-3"])
        .ok();
    env.run("vadduser", &["-M", IP_A, "eve@example.com", "Secret-3"])
        .ok();
    let r = env.run("vrenameuser", &["eve@example.com", "eve@other.com"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("eve@other.com exists"), "{}", r.stderr);
    // A local user into a distributed domain whose store on this host is the
    // local database: renamed in place and registered on this host.
    env.run("vadduser", &["ann@local.org", "Secret-4"]).ok();
    env.run("vrenameuser", &["ann@local.org", "ann@example.com"])
        .ok();
    assert_eq!(
        env.rows("SELECT pw_domain FROM indimail WHERE pw_name='ann'"),
        vec!["example.com"]
    );
    assert_eq!(
        env.rows("SELECT pw_domain, host FROM hostcntrl WHERE pw_name='ann'"),
        vec!["example.com\thostl"]
    );
    // And back out again.
    env.run("vrenameuser", &["ann@example.com", "ann@local.org"])
        .ok();
    assert!(env
        .rows("SELECT * FROM hostcntrl WHERE pw_name='ann'")
        .is_empty());
}

#[test]
fn mail_directory_commands_use_this_hosts_store_and_bulletins_each_subscribers() {
    let env = cluster_env();
    let stores = store_servers();
    let ldb = format!("{}_l", env.database);
    env.run("vadduser", &["-M", IP_B, "bob@example.com", "Secret-2"])
        .ok();
    let msg = env.path("bulletin.txt");
    std::fs::write(&msg, "Subject: hi\n\nhello\n").unwrap();
    let msg = msg.display().to_string();
    // Without a store of its own this host delivers to the local database's
    // users (the postmaster), never to bob on hostb.
    let r = env.run("vbulletin", &["-n", "-f", &msg, "example.com"]);
    assert_eq!(
        r.ok(),
        "example.com: 1 delivered, 0 skipped (no Maildir), 0 excluded, 0 failed (dry run)\n"
    );
    let r = env.run("vbulletin", &["-n", "-f", &msg, "bob@example.com"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("mail store {IP_B} is not this host")),
        "{}",
        r.stderr
    );
    // This host becomes a store of the domain (its own database): its users only.
    add_record(&env, "example.com", stores[1].port, &ldb, IP_L);
    let _ = env.run("vhostid", &["-i", IP_L, "hostl"]);
    env.run("vadduser", &["-M", IP_L, "lou@example.com", "Secret-5"])
        .ok();
    assert_eq!(
        store_rows_of(1, &ldb, "SELECT pw_name FROM indimail"),
        vec!["lou"]
    );
    let r = env.run("vbulletin", &["-n", "-f", &msg, "example.com"]);
    assert_eq!(
        r.ok(),
        "example.com: 0 delivered, 1 skipped (no Maildir), 0 excluded, 0 failed (dry run)\n"
    );
    let r = env.run("vdeloldusers", &["-r", "-d", "example.com"]);
    assert!(r.ok().contains("\n1 Total Entries\n"), "{r:?}");
    // -S: each subscriber's bulkmail row on its own store; unknown ones are named.
    let list = env.path("subscribers");
    std::fs::write(&list, "bob\nlou@example.com\nnobody\n").unwrap();
    let r = env.run(
        "vbulletin",
        &["-S", list.to_str().unwrap(), "-f", &msg, "example.com"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("nobody@example.com: No such user"),
        "{}",
        r.stderr
    );
    assert_eq!(
        store_rows(1, &env, "SELECT emailid FROM bulkmail"),
        vec!["bob@example.com"]
    );
    assert_eq!(
        store_rows_of(1, &ldb, "SELECT emailid FROM bulkmail"),
        vec!["lou@example.com"]
    );
    assert!(env.rows("SELECT emailid FROM bulkmail").is_empty());
}

fn store_rows_of(store: usize, db: &str, sql: &str) -> Vec<String> {
    let mut c = store_db(&store_servers()[store], db);
    let rows: Vec<mysql::Row> = c.query(sql).unwrap_or_default();
    rows.into_iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.get::<Option<String>, _>(i).flatten().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect()
}

#[test]
fn inlookup_prewarms_no_local_rows_of_a_distributed_domain() {
    let env = cluster_env().env("USE_BTREE", "1");
    env.run("vadddomain", &["local.org", "Pm@ss-2024"]).ok();
    env.run("vadduser", &["pat@local.org", "Secret-1"]).ok();
    let mut c = env.db();
    c.query_drop(indimail::db::schema::create_sql("lastauth").unwrap())
        .unwrap();
    // A stale local row of example.com (its users are answered from their stores).
    c.query_drop("INSERT INTO indimail (pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell) VALUES ('ghost','example.com','x',1,0,'g','/nonexistent','NOQUOTA')")
        .unwrap();
    c.query_drop(
        "INSERT INTO lastauth (user, domain, service, remote_ip, quota, gecos) VALUES \
         ('pat', 'local.org', 'imap', '192.0.2.1', 0, ''), \
         ('ghost', 'example.com', 'imap', '192.0.2.1', 0, '')",
    )
    .unwrap();
    let replies = env.path("run/reply");
    std::fs::create_dir_all(&replies).unwrap();
    let fifo = env.path("run/infifo");
    let server = crate::inlookup::ServerProc::start_with(&env, &fifo, &replies, &["-c", "3600"]);
    let out = crate::inlookup::inquery(&env, &fifo, &replies, "3", "ghost@example.com")
        .output()
        .unwrap();
    assert_eq!(
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        "ghost@example.com: No such user\n"
    );
    let (_, log) = server.stop();
    assert!(log.contains("cached 1 records"), "{log}");
}
