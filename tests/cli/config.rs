//! Configuration as the original resolves it: host.mysql, environment
//! overrides, relative CONTROLDIR, users/cdb and alias domains.

use mysql::prelude::Queryable;

use crate::common::TestEnv;

/// A MySQL account with a real password, to check it never reaches the output.
fn password_account(env: &TestEnv) -> (String, String) {
    let (user, pw) = ("imtest".to_string(), "S3cret-Pw_42".to_string());
    let mut c = env.db();
    for host in ["localhost", "%"] {
        c.query_drop(format!(
            "CREATE USER IF NOT EXISTS '{user}'@'{host}' IDENTIFIED BY '{pw}'"
        ))
        .unwrap();
        c.query_drop(format!("GRANT ALL ON *.* TO '{user}'@'{host}'"))
            .unwrap();
    }
    (user, pw)
}

/// The server's address part of a host.mysql line (`:socket` or `:port`).
fn where_is(env: &TestEnv) -> (String, String) {
    let mut f = env.server.host.split(':');
    let host = f.next().unwrap().to_string();
    let place = f.nth(2).unwrap_or("3306").to_string();
    (host, place)
}

#[test]
fn host_mysql_is_read_and_its_password_never_shown() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["dave@example.com", "Dave#pw1"]).ok();
    let (user, pw) = password_account(&env);
    let (host, place) = where_is(&env);
    let line = format!("{host}:{user}:{pw}:{place}:nossl");
    std::fs::write(env.path("etc/control/host.mysql"), format!("{line}\n")).unwrap();
    let r = env
        .cmd("vuserinfo")
        .env_remove("MYSQL_HOST")
        .env_remove("MYSQL_PASSWD")
        .arg("dave@example.com")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(
        r.status.success(),
        "{out} {}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(!out.contains(&pw), "password shown:\n{out}");
    assert!(
        out.contains(&format!(
            "Sql Database  : {host}:{user}:********:{place}:nossl\n"
        )),
        "{out}"
    );
    // A wrong password: the error names server and user, never the password.
    std::fs::write(
        env.path("etc/control/host.mysql"),
        format!("{host}:{user}:Wrong-{pw}:{place}\n"),
    )
    .unwrap();
    let r = env
        .cmd("vuserinfo")
        .env_remove("MYSQL_HOST")
        .env_remove("MYSQL_PASSWD")
        .arg("dave@example.com")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(111), "{err}");
    assert!(err.contains(&format!("user {user}")), "{err}");
    assert!(!err.contains(&pw), "{err}");
    // An empty first line is the original's fatal "incomplete line".
    std::fs::write(env.path("etc/control/host.mysql"), "\n").unwrap();
    let r = env
        .cmd("vuserinfo")
        .env_remove("MYSQL_HOST")
        .arg("dave@example.com")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(100));
    assert!(String::from_utf8_lossy(&r.stderr).contains("host.mysql: incomplete line"));
}

#[test]
fn relative_controldir_is_under_sysconfdir() {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["dave@example.com", "Dave#pw1"]).ok();
    // CONTROLDIR "control" means SYSCONFDIR/control; rcpthosts there makes an
    // unknown-to-assign domain acceptable to vuserinfo (and a missing one is an error).
    let r = env
        .cmd("vuserinfo")
        .env("CONTROLDIR", "control")
        .env("ASSIGNDIR", env.path("nowhere"))
        .arg("dave@example.com")
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let r = env
        .cmd("vuserinfo")
        .env("CONTROLDIR", "elsewhere")
        .env("ASSIGNDIR", env.path("nowhere"))
        .arg("dave@example.com")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "userinfo: no domains found. rcpthosts missing\n"
    );
}

#[test]
fn alias_domains_resolve_to_the_real_domain() {
    let env = TestEnv::new().with_domain("example.com");
    // An alias domain as vaddaliasdomain makes it: assign entry + symlinked domain dir.
    let domains = env.domaindir().join("domains");
    std::os::unix::fs::symlink("example.com", domains.join("example.net")).unwrap();
    let entry = indimail::assign::AssignEntry {
        domain: "example.net".into(),
        uid: 999,
        gid: 995,
        dir: domains.join("example.net"),
    };
    indimail::assign::add_domain(&env.path("etc/users"), &entry).unwrap();
    env.run("vadduser", &["carol@example.net", "Carol#pw1"])
        .ok();
    assert_eq!(
        env.rows("SELECT pw_domain FROM indimail WHERE pw_name='carol'"),
        vec!["example.com"]
    );
    let out = env.run("vuserinfo", &["-n", "carol@example.net"]);
    assert_eq!(out.ok(), "name          : carol@example.com\n");
    env.run("vpasswd", &["carol@example.net", "Carol#new"]).ok();
    env.run("vdeluser", &["carol@example.net"]).ok();
    assert!(env
        .rows("SELECT * FROM indimail WHERE pw_name='carol'")
        .is_empty());
    // Our users/cdb is what qmail-newu would make from users/assign.
    let cdb = indimail::assign::cdb::Cdb::open(&env.path("etc/users/cdb"))
        .unwrap()
        .unwrap();
    let v = cdb.get(b"!example.net-").unwrap();
    assert!(v.starts_with(b"example.net\x00999\x00995\x00"), "{v:?}");
}

#[test]
fn default_domain_applies_to_bare_names() {
    let env = TestEnv::new()
        .with_domain("example.com")
        .env("DEFAULT_DOMAIN", "example.com");
    env.run("vadduser", &["bare", "Bare#pw1"]).ok();
    assert_eq!(
        env.rows("SELECT pw_domain FROM indimail WHERE pw_name='bare'"),
        vec!["example.com"]
    );
    std::fs::write(env.path("etc/control/defaultdomain"), "example.com\n").unwrap();
    let r = env
        .cmd("vuserinfo")
        .env_remove("DEFAULT_DOMAIN")
        .args(["-n", "bare"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "name          : bare@example.com\n"
    );
}
