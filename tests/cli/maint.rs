//! Maintenance applets: crc, printdir, updatefile, resetquota, execmysql,
//! ipchange, clearopensmtp, vserverinfo, svctool.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::common::TestEnv;

fn cksum(path: &std::path::Path) -> u32 {
    let o = Command::new("cksum").arg(path).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn crc_matches_posix_cksum() {
    let env = TestEnv::new();
    let files: Vec<std::path::PathBuf> = [
        ("empty", Vec::new()),
        ("small", b"hello\n".to_vec()),
        ("big", (0..200_000u32).map(|i| (i % 251) as u8).collect()),
    ]
    .iter()
    .map(|(n, data)| {
        let p = env.path(n);
        std::fs::write(&p, data).unwrap();
        p
    })
    .collect();
    let names: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let hex = env.run("crc", &names);
    let dec = env.run("crc", &[&["-d"], names.as_slice()].concat());
    let (hex, dec) = (hex.ok().lines().collect::<Vec<_>>(), dec.ok().to_string());
    let dec: Vec<&str> = dec.lines().collect();
    for (i, p) in files.iter().enumerate() {
        let want = cksum(p);
        assert_eq!(hex[i], format!("0x{want:08x}"), "{}", p.display());
        assert_eq!(dec[i], want.to_string(), "{}", p.display());
    }
    // another initial value changes the result
    let other = env.run("crc", &["-i", "1", names[1]]);
    assert_ne!(other.ok().trim(), hex[1]);
}

#[test]
fn crc_verbose_listing_tags_and_errors() {
    let env = TestEnv::new();
    let f = env.path("f");
    std::fs::write(&f, "abc").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let fname = f.to_str().unwrap();
    let r = env.run("crc", &["-v", "-t", "base", fname]);
    let re = regex::Regex::new(&format!(
        r"^0x[0-9a-f]{{8}} -rw-r----- root\troot\t[A-Z][a-z]{{2}} [ 0-9]\d \d\d:\d\d:\d\d \d{{4}} {}{}\n$",
        regex::escape(fname),
        ",tag=base"
    ))
    .unwrap();
    assert!(re.is_match(r.ok()), "{:?}", r.stdout);
    // a directory is checksummed from its stat data, the same each time
    let d = env.path("etc");
    let a = env.run("crc", &[d.to_str().unwrap()]);
    let b = env.run("crc", &[d.to_str().unwrap()]);
    assert_eq!(a.ok(), b.ok());
    // a missing file: warned about, the others still done, exit 100
    let r = env.run("crc", &["/nonexistent/x", fname]);
    assert_eq!(r.code, 100, "{r:?}");
    assert!(
        r.stderr
            .contains("crc: warn: /nonexistent/x: file does not exist"),
        "{r:?}"
    );
    assert_eq!(r.stdout.lines().count(), 1);
    // no arguments: usage, exit 0; a bad option: usage, exit 100
    let r = env.run("crc", &[]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("-v (verbose listing)"), "{r:?}");
    let r = env.run("crc", &["-x", fname]);
    assert_eq!(r.code, 100, "{r:?}");
    assert!(r.stdout.is_empty());
}

#[test]
fn printdir_dumps_the_hashing_tables() {
    let env = TestEnv::new().with_domain("example.com");
    for u in ["alice", "bob"] {
        env.run("vadduser", &[&format!("{u}@example.com"), "Pw#12345"])
            .ok();
    }
    let r = env.run("printdir", &["example.com"]);
    let out = r.ok();
    assert!(out.starts_with("Dir Control     = "), "{out}");
    let users: u32 = out
        .lines()
        .filter_map(|l| l.strip_prefix("cur users       = "))
        .map(|n| n.parse::<u32>().unwrap())
        .sum();
    assert_eq!(users, 3, "{out}");
    assert!(out.contains("\nUsers per level = 100\n"), "{out}");
    assert!(out.contains("\nlevel_mod   0   = "), "{out}");
    assert!(out.ends_with("\n\n"), "{out}");
    // .users_per_level is shown
    let dir = env.domaindir().join("domains/example.com");
    std::fs::write(dir.join(".users_per_level"), "50\n").unwrap();
    assert!(env
        .run("printdir", &["example.com"])
        .ok()
        .contains("\nUsers per level = 50\n"));
    std::fs::write(dir.join(".users_per_level"), "\n").unwrap();
    let r = env.run("printdir", &["example.com"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("print_control: incomplete line: "),
        "{r:?}"
    );
    let r = env.run("printdir", &["nosuch.test"]);
    assert_eq!(r.code, 255, "{r:?}");
    assert!(r
        .stderr
        .contains("printdir: domain nosuch.test does not exist"));
    let r = env.run("printdir", &[]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (1, "usage: printdir domain_name")
    );
}

#[test]
fn updatefile_adds_removes_and_shows() {
    let env = TestEnv::new();
    let f = env.path("etc/control/rcpthosts");
    let fname = f.to_str().unwrap();
    env.run("updatefile", &["-u", "a.test", fname]).ok();
    env.run("updatefile", &["-u", "b.test", fname]).ok();
    env.run("updatefile", &["-u", "a.test", fname]).ok();
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "a.test\nb.test\n");
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o7777,
        0o644
    );
    // a new file belongs to the indimail user
    assert_eq!(
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&f).unwrap()),
        999
    );
    env.run("updatefile", &["-u", "a.test", fname]).ok();
    std::fs::write(&f, "a.test\nb.test\na.test\n").unwrap();
    env.run("updatefile", &["-d", "a.test", fname]).ok();
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "b.test\na.test\n");
    std::fs::write(&f, "a.test\nb.test\na.test\n").unwrap();
    let r = env.run(
        "updatefile",
        &["-a", "-d", "a.test", "-m", "0640", "-s", fname],
    );
    assert_eq!(r.ok(), "b.test\n");
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    // users/assign: the '.' line stays last
    let a = env.path("etc/users/assign");
    std::fs::write(&a, "+x-:x:1:1:/x:-::\n.\n").unwrap();
    env.run(
        "updatefile",
        &["-u", "+y-:y:1:1:/y:-::", a.to_str().unwrap()],
    )
    .ok();
    assert_eq!(
        std::fs::read_to_string(&a).unwrap(),
        "+x-:x:1:1:/x:-::\n+y-:y:1:1:/y:-::\n.\n"
    );
    // errors
    let r = env.run("updatefile", &["-u", "x"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("udpatefile: warning: USAGE: updatefile"),
        "{r:?}"
    );
    let r = env.run("updatefile", &["-m", "0", "-u", "x", fname]);
    assert_eq!(r.code, 1);
    let missing = env.path("etc/control/nosuch");
    let r = env.run("updatefile", &["-d", "x", missing.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("remove_line: stat: "), "{r:?}");
    assert!(!missing.exists());
    let r = env.run("updatefile", &["-s", missing.to_str().unwrap()]);
    assert_eq!(r.code, 111, "{r:?}");
}

#[test]
fn resetquota_recounts_a_maildir() {
    let env = TestEnv::new();
    let md = env.path("mail/Maildir");
    for d in ["cur", "new", "tmp", ".Sent/cur", ".Trash/cur"] {
        std::fs::create_dir_all(md.join(d)).unwrap();
    }
    std::fs::write(md.join("new/1.M1P1.host,S=100"), "x").unwrap();
    std::fs::write(md.join("cur/2.M1P1.host,S=250:2,S"), "x").unwrap();
    std::fs::write(md.join(".Sent/cur/3.host"), "twelve bytes").unwrap();
    std::fs::write(md.join(".Trash/cur/4.host,S=999"), "x").unwrap();
    std::fs::write(md.join("maildirsize"), "5000S\n1 1\n17 3\n").unwrap();
    let mds = md.to_str().unwrap();
    let r = env.run("resetquota", &[mds]);
    assert_eq!(r.ok(), "5000S\n362 3\n");
    assert_eq!(
        std::fs::read_to_string(md.join("maildirsize")).unwrap(),
        "5000S\n362 3\n"
    );
    assert_eq!(
        std::fs::metadata(md.join("maildirsize"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o600
    );
    let r = env.run(
        "resetquota",
        &["-q", "100S,10C", "-p", "0644", "-u", "daemon", mds],
    );
    assert_eq!(r.ok(), "100S,10C\n362 3\n");
    let m = std::fs::metadata(md.join("maildirsize")).unwrap();
    let daemon = Command::new("id").args(["-u", "daemon"]).output().unwrap();
    let daemon: u32 = String::from_utf8_lossy(&daemon.stdout)
        .trim()
        .parse()
        .unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&m), daemon);
    assert_eq!(m.permissions().mode() & 0o7777, 0o644);
    // a folder without maildirsize and no -q: reported, exit 255, the others done
    let empty = env.path("mail/empty");
    std::fs::create_dir_all(&empty).unwrap();
    let r = env.run("resetquota", &[empty.to_str().unwrap(), mds]);
    assert_eq!(r.code, 255, "{r:?}");
    assert!(r.stderr.contains("resetquota: open-read: "), "{r:?}");
    assert_eq!(r.stdout, "100S,10C\n362 3\n");
    assert!(!empty.join("maildirsize").exists());
    let r = env.run("resetquota", &[]);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .starts_with("resetquota: warning: usage: resetquota"));
    let r = env.run("resetquota", &["-u", "no-such-user-x", mds]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (1, "no-such-user-x: failed to get user info")
    );
}

#[test]
fn execmysql_runs_sql_for_root_only() {
    let env = TestEnv::new().with_domain("example.com");
    let r = env.run(
        "execmysql",
        &["select pw_name, pw_domain from indimail order by pw_name"],
    );
    assert_eq!(r.ok(), "pw_name\tpw_domain\npostmaster\texample.com\n");
    let r = env.run_stdin(
        "execmysql",
        &["-v"],
        "update indimail set pw_gecos='x' where pw_name='postmaster';\nselect pw_gecos, NULL as n from indimail;\n",
    );
    assert_eq!(r.ok(), "1 rows affected\npw_gecos\tn\nx\tNULL\n");
    // the domain's database on this mail store
    std::fs::write(env.path("etc/control/hostip"), "192.0.2.1\n").unwrap();
    let r = env.run(
        "execmysql",
        &["-d", "example.com", "192.0.2.1", "select 7 as seven"],
    );
    assert_eq!(r.ok(), "seven\n7\n");
    let r = env.run(
        "execmysql",
        &["-d", "example.com", "192.0.2.99", "select 1"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        "execmysql: could not locate MySql server for domain example.com server 192.0.2.99"
    );
    let r = env.run("execmysql", &["-d", "nosuch.test", "192.0.2.1", "select 1"]);
    assert_eq!(r.code, 1);
    let r = env.run("execmysql", &["select nosuchcolumn from indimail"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("nosuchcolumn"), "{r:?}");
    // anyone but root is refused before anything runs
    let r = env.run_as(999, 995, "execmysql", &["delete from indimail"], "");
    assert_eq!(r.code, 100);
    assert!(r.stderr.contains("you must be root"));
    assert_eq!(env.rows("select count(*) from indimail"), ["1"]);
}

fn relay_rows(env: &TestEnv) -> Vec<String> {
    env.rows("SELECT email, ipaddr FROM relay ORDER BY ipaddr")
}

#[test]
fn clearopensmtp_expires_relay_entries_and_rebuilds_the_rules() {
    let env = TestEnv::new()
        .env("TMPDIR", "/nonexistent-placeholder")
        .env("TCPRULES_PROG", "")
        .env("TCP_FILE", "");
    let tmp = env.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::create_dir_all(env.path("etc/tcp")).unwrap();
    let tcp = env.path("etc/tcp/tcp.smtp");
    std::fs::write(&tcp, "# local\n127.:allow,RELAYCLIENT=\"\"\n\n:allow\n").unwrap();
    // a stand-in for ucspi-tcp's tcprules (not installed here): keeps its input as the "cdb"
    let prog = env.path("tcprules");
    std::fs::write(&prog, "#!/bin/sh\ncat > \"$2\" && mv \"$2\" \"$1\"\n").unwrap();
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = env
        .env("TMPDIR", tmp.to_str().unwrap())
        .env("TCPRULES_PROG", prog.to_str().unwrap())
        .env("TCP_FILE", tcp.to_str().unwrap());
    // the table is made on first use
    env.run("clearopensmtp", &["-s"]).ok();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut db = env.db();
    use mysql::prelude::Queryable;
    db.exec_drop(
        "INSERT INTO relay VALUES ('old@x.test', '192.0.2.1', ?), ('new@x.test', '192.0.2.2', ?)",
        (now - 7200, now - 60),
    )
    .unwrap();
    // -t: only the rules, from both entries
    env.run("clearopensmtp", &["-t"]).ok();
    assert_eq!(relay_rows(&env).len(), 2);
    let cdb = env.path("etc/tcp/tcp.smtp.cdb");
    assert_eq!(
        std::fs::read_to_string(&cdb).unwrap(),
        "192.0.2.1:allow,RELAYCLIENT=\"\"\n192.0.2.2:allow,RELAYCLIENT=\"\"\n127.:allow,RELAYCLIENT=\"\"\n:allow\n"
    );
    assert_eq!(
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&cdb).unwrap()),
        999
    );
    // default: expire (60 minutes) and rebuild
    env.run("clearopensmtp", &[]).ok();
    assert_eq!(relay_rows(&env), ["new@x.test\t192.0.2.2"]);
    assert!(!std::fs::read_to_string(&cdb).unwrap().contains("192.0.2.1"));
    assert!(!tmp.join("clearopensmtp.PID").exists());
    // RELAY_CLEAR_MINUTES
    let r = env
        .cmd("clearopensmtp")
        .arg("-s")
        .env("RELAY_CLEAR_MINUTES", "0")
        .output()
        .unwrap();
    assert!(r.status.success());
    assert!(relay_rows(&env).is_empty());
    // a clustered site (mcdinfo) keeps its rules: the cdb is not rebuilt
    std::fs::remove_file(&cdb).unwrap();
    std::fs::write(env.path("etc/control/mcdinfo"), "").unwrap();
    env.run("clearopensmtp", &["-t"]).ok();
    assert!(!cdb.exists());
    // a failing tcprules is reported, exit 1
    std::fs::remove_file(env.path("etc/control/mcdinfo")).unwrap();
    std::fs::write(&prog, "#!/bin/sh\nexit 3\n").unwrap();
    let r = env.run("clearopensmtp", &["-t"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("update_rules: "), "{r:?}");
    let r = env.run("clearopensmtp", &["-x"]);
    assert_eq!(r.code, 100);
    assert!(r.stderr.contains("(relay)"), "{r:?}");
}

#[test]
fn ipchange_replaces_addresses() {
    let env = TestEnv::new();
    env.run("clearopensmtp", &["-s"]).ok();
    let mut db = env.db();
    use mysql::prelude::Queryable;
    db.query_drop(
        "INSERT INTO relay VALUES ('a@x.test', '10.0.0.1', 1), ('b@x.test', '10.0.0.1', 1), ('c@x.test', '10.0.0.3', 1)",
    )
    .unwrap();
    let r = env.run(
        "ipchange",
        &[
            "-v", "-o", "10.0.0.1", "-n", "10.0.0.2", "-c", "ipaddr", "relay",
        ],
    );
    assert_eq!(r.ok(), "2 rows affected\n");
    assert_eq!(
        env.rows("SELECT count(*) FROM relay WHERE ipaddr='10.0.0.2'"),
        ["2"]
    );
    let r = env.run(
        "ipchange",
        &["-o", "10.0.0.1", "-n", "10.0.0.2", "-c", "ipaddr", "relay"],
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    let r = env.run("ipchange", &["-o", "10.0.0.1", "-n", "10.0.0.2", "relay"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("ipchange: warning: usage: ipchange"),
        "{r:?}"
    );
    let r = env.run(
        "ipchange",
        &["-o", "1", "-n", "2", "-c", "ipaddr", "relay;drop"],
    );
    assert_eq!(r.code, 255, "{r:?}");
    assert!(r.stderr.contains("ipchange: mysql_query [update low_priority relay;drop set ipaddr=\"2\" where ipaddr=\"1\"]"), "{r:?}");
    // -m: the master database (not clustered: refused; with host.master: used)
    let r = env.run(
        "ipchange",
        &[
            "-m", "-o", "10.0.0.3", "-n", "10.0.0.4", "-c", "ipaddr", "relay",
        ],
    );
    assert_eq!(
        (r.code, r.stderr.trim()),
        (255, "ipchange: failed to open master db")
    );
    std::fs::write(
        env.path("etc/control/host.master"),
        format!("{}\n", env.server.host),
    )
    .unwrap();
    // the master connection takes its password and database from the CNTRL_* settings
    let o = env
        .cmd("ipchange")
        .args([
            "-m", "-o", "10.0.0.3", "-n", "10.0.0.4", "-c", "ipaddr", "relay",
        ])
        .env("CNTRL_PASSWD", &env.server.password)
        .env("CNTRL_DATABASE", &env.database)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        env.rows("SELECT email FROM relay WHERE ipaddr='10.0.0.4'"),
        ["c@x.test"]
    );
}

#[test]
fn vserverinfo_shows_the_local_server_records() {
    let env = TestEnv::new().with_domain("example.com");
    std::fs::write(env.path("etc/control/hostip"), "192.0.2.5\n").unwrap();
    let host = env.server.host.split(':').next().unwrap().to_string();
    let r = env.run("vserverinfo", &["-D", "example.com", "-M", "192.0.2.5"]);
    let out = r.ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(lines[0], format!("server  : {host}"));
    assert_eq!(lines[1], "mdahost : 192.0.2.5");
    assert!(lines[2].starts_with("user    : "));
    assert!(lines[3].starts_with("password: "));
    assert!(
        lines[4].starts_with("password: ") && lines[4][10..].parse::<u16>().is_ok(),
        "{out}"
    );
    assert_eq!(lines[5], format!("password: {}", env.database));
    let r = env.run(
        "vserverinfo",
        &["-m", "-d", "-D", "example.com", "-S", &host],
    );
    assert_eq!(
        r.ok(),
        format!(
            "Record  : 001\nmdahost : 192.0.2.5\npassword: {}\n",
            env.database
        )
    );
    let r = env.run("vserverinfo", &["-D", "example.com", "-M", "192.0.2.9"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        "vserverinfo: could not locate server info for example.com"
    );
    let r = env.run("vserverinfo", &["postmaster@example.com"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("vserverinfo: example.com: not a distributed domain"),
        "{r:?}"
    );
    let r = env.run("vserverinfo", &["-D", "Example.com", "-M", "x"]);
    assert_eq!(r.code, 100);
    let r = env.run("vserverinfo", &[]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (
            1,
            "usage: vserserverinfo [-upPsmd] [-D domain -M host | -S server] | [email]"
        )
    );
}

#[test]
fn svctool_creates_services_and_host_mysql() {
    let env = TestEnv::new();
    let sd = env.path("service");
    let sds = format!("--servicedir={}", sd.display());
    // host.mysql and the tcp rule sources, only when absent
    std::fs::remove_file(env.path("etc/control/host.mysql")).ok();
    let r = env.run(
        "svctool",
        &[
            "--config=indimail",
            "--mysqlhost=db.test",
            "--mysqluser=u",
            "--mysqlpass=p",
            "--mysqlport=3307",
        ],
    );
    assert!(r.ok().contains("host.mysql"), "{r:?}");
    let hm = env.path("etc/control/host.mysql");
    assert_eq!(std::fs::read_to_string(&hm).unwrap(), "db.test:u:p:3307\n");
    let m = std::fs::metadata(&hm).unwrap();
    assert_eq!(m.permissions().mode() & 0o7777, 0o640);
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&m), 999);
    assert_eq!(
        env.read("etc/tcp/tcp.pop3"),
        "127.:allow,POP3CLIENT=\"\"\n::1:allow,POP3CLIENT=\"\"\n"
    );
    let r = env.run("svctool", &["--config=indimail", "--mysqlsocket=/x.sock"]);
    assert_eq!(r.ok(), "");
    assert_eq!(std::fs::read_to_string(&hm).unwrap(), "db.test:u:p:3307\n");

    // inlookup
    let r = env.run(
        "svctool",
        &[
            "--inlookup=infifo",
            &sds,
            "--threads=3",
            "--activeDays=2",
            "--down",
        ],
    );
    r.ok();
    let svc = sd.join("inlookup.infifo");
    let var = |n: &str| std::fs::read_to_string(svc.join("variables").join(n)).unwrap();
    assert_eq!(var("INFIFO"), "infifo\n");
    assert_eq!(var("INFIFODIR"), "/run/indimail/inlookup\n");
    assert_eq!(var("THREAD_COUNT"), "3\n");
    assert_eq!(var("CACHE_COUNT"), "172800\n");
    assert_eq!(var("QUERY_CACHE"), "");
    assert!(svc.join("down").exists());
    for script in ["run", "log/run"] {
        let p = svc.join(script);
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o111,
            0o111
        );
        let st = Command::new("sh").arg("-n").arg(&p).status().unwrap();
        assert!(st.success(), "{script} is not valid sh");
    }
    let run = std::fs::read_to_string(svc.join("run")).unwrap();
    assert!(
        run.contains("/sbin/inlookup \\\n  -i \\$THREAD_COUNT -c \\$CACHE_COUNT\""),
        "{run}"
    );
    // --nooverwrite keeps an existing service
    std::fs::write(svc.join("variables/THREAD_COUNT"), "9\n").unwrap();
    let r = env.run("svctool", &["--inlookup=infifo", &sds, "--nooverwrite"]);
    assert!(r.ok().starts_with("kept "));
    assert_eq!(var("THREAD_COUNT"), "9\n");

    // indisrvr
    env.run(
        "svctool",
        &[
            "--indisrvr=4000",
            &sds,
            "--localip=127.0.0.1",
            "--mysqlhost=db.test",
        ],
    )
    .ok();
    let svc = sd.join("indisrvr.4000");
    assert_eq!(
        std::fs::read_to_string(svc.join("variables/PORT")).unwrap(),
        "4000\n"
    );
    assert_eq!(
        std::fs::read_to_string(svc.join("variables/LOCALIP")).unwrap(),
        "127.0.0.1\n"
    );
    assert_eq!(
        std::fs::read_to_string(svc.join("variables/CNTRL_HOST")).unwrap(),
        "db.test\n"
    );
    assert!(!svc.join("down").exists());
    assert!(Command::new("sh")
        .arg("-n")
        .arg(svc.join("run"))
        .status()
        .unwrap()
        .success());

    // errors
    assert_eq!(env.run("svctool", &[]).code, 100);
    let r = env.run("svctool", &["--inlookup=infifo"]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (100, "svctool: --servicedir is required")
    );
    let r = env.run("svctool", &["--config=qmail"]);
    assert_eq!(r.code, 100);
    let r = env.run_as(999, 995, "svctool", &["--inlookup=x", &sds], "");
    assert_eq!(r.code, 100);
    assert!(!sd.join("inlookup.x").exists());
}

#[test]
fn vserverinfo_reads_the_mcdinfo_records() {
    let env = TestEnv::new().with_domain("example.com");
    std::fs::write(
        env.path("etc/control/mcdinfo"),
        "domain   remote.test 1\nserver   db2.test\nmdahost  192.0.2.77\nport     3307\nuse_ssl  0\n\
         database maildb\nuser     mailer\npass     s3cret\n\n\
         domain   remote.test 1\nserver   db3.test\nmdahost  192.0.2.78\nport     3308\nuse_ssl  0\n\
         database maildb\nuser     mailer\npass     s3cret\n\n",
    )
    .unwrap();
    let r = env.run("vserverinfo", &["-D", "remote.test", "-M", "192.0.2.77"]);
    assert_eq!(
        r.ok(),
        "server  : db2.test\nmdahost : 192.0.2.77\nuser    : mailer\npassword: s3cret\npassword: 3307\npassword: maildb\n"
    );
    let r = env.run(
        "vserverinfo",
        &["-s", "-P", "-D", "remote.test", "-S", "db3.test"],
    );
    assert_eq!(
        r.ok(),
        "Record  : 001\nserver  : db3.test\npassword: 3308\n"
    );
    // the local domain still has its synthetic record
    std::fs::write(env.path("etc/control/hostip"), "192.0.2.5\n").unwrap();
    let r = env.run(
        "vserverinfo",
        &["-m", "-D", "example.com", "-M", "192.0.2.5"],
    );
    assert_eq!(r.ok(), "mdahost : 192.0.2.5\n");
}
