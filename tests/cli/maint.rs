//! Maintenance applets: crc, printdir, updatefile, resetquota, execmysql,
//! ipchange, clearopensmtp, vserverinfo, svctool.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
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
    let o = env
        .cmd("execmysql")
        .arg("delete from indimail")
        .uid(999)
        .gid(995)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(100));
    assert!(String::from_utf8_lossy(&o.stderr).contains("you must be root"));
    assert_eq!(env.rows("select count(*) from indimail"), ["1"]);
}
