//! vbulletin: copy / hard link / symlink delivery, dry run, exclude list,
//! users without a Maildir, instant bulletins (-a, -S with bulkmail rows),
//! and bad input (one clear error, the original's exit code, nothing changed).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::common::TestEnv;

const MSG: &str = "From: admin@example.com\nSubject: maintenance\n\nDowntime tonight.\n";

fn setup() -> TestEnv {
    let env = TestEnv::new()
        .with_domain("example.com")
        .with_domain("example.org");
    for u in ["alice", "bob", "carol"] {
        env.run("vadduser", &["-d", &format!("{u}@example.com"), "Pw#12345"])
            .ok();
    }
    env.run("vadduser", &["-d", "dave@example.org", "Pw#12345"])
        .ok();
    // carol has no Maildir
    std::fs::remove_dir_all(Path::new(&home(&env, "carol")).join("Maildir")).unwrap();
    let f = msg_file(&env);
    std::fs::write(&f, MSG).unwrap();
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    env
}

fn msg_file(env: &TestEnv) -> PathBuf {
    env.domaindir().join("bulletin.txt")
}

fn home(env: &TestEnv, user: &str) -> String {
    env.rows(&format!(
        "SELECT pw_dir FROM indimail WHERE pw_name='{user}'"
    ))[0]
        .clone()
}

fn new_mail(env: &TestEnv, user: &str) -> Vec<PathBuf> {
    let dir = Path::new(&home(env, user)).join("Maildir/new");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn tree(dir: &Path, acc: &mut Vec<String>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            acc.push(e.path().display().to_string());
            tree(&e.path(), acc);
        }
    }
}

fn snapshot(env: &TestEnv) -> (Vec<String>, Vec<String>) {
    let rows = env.rows("SELECT emailid, filename FROM bulkmail ORDER BY emailid");
    let mut files = Vec::new();
    tree(&env.base(), &mut files);
    tree(&env.domaindir(), &mut files);
    (rows, files)
}

fn refused(env: &TestEnv, args: &[&str], code: i32, stderr: &str) {
    let before = snapshot(env);
    let r = env.run("vbulletin", args);
    assert_eq!(r.code, code, "{args:?}: {r:?}");
    assert!(
        r.stderr.contains(stderr),
        "{args:?}: {r:?} lacks {stderr:?}"
    );
    assert_eq!(snapshot(env), before, "{args:?} changed something");
}

#[test]
fn vbulletin_copies_to_every_user_with_a_maildir() {
    let env = setup();
    let f = msg_file(&env).display().to_string();
    let r = env.run("vbulletin", &["-V", "-f", &f, "example.com"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "Processing alice@example.com\nProcessing bob@example.com\nProcessing carol@example.com\nProcessing postmaster@example.com\n\
         example.com: 3 delivered, 1 skipped (no Maildir), 0 excluded, 0 failed\n"
    );
    for u in ["alice", "bob"] {
        let m = new_mail(&env, u);
        assert_eq!(m.len(), 1, "{u}");
        let body = std::fs::read_to_string(&m[0]).unwrap();
        assert_eq!(body, format!("To: {u}@example.com\n{MSG}"));
        let name = m[0].file_name().unwrap().to_string_lossy().into_owned();
        // <secs>.M<usec>P<pid>Q<n>.<host>,S=<size>
        let size: usize = name.rsplit_once(",S=").unwrap().1.parse().unwrap();
        assert_eq!(size, body.len());
        assert!(name.split('.').nth(1).unwrap().starts_with('M'), "{name}");
        let meta = std::fs::metadata(&m[0]).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (999, 995));
        // nothing left in tmp/
        let tmp = Path::new(&home(&env, u)).join("Maildir/tmp");
        assert_eq!(std::fs::read_dir(tmp).unwrap().count(), 0);
    }
    assert!(!Path::new(&home(&env, "carol")).join("Maildir").exists());
    assert!(new_mail(&env, "dave").is_empty(), "other domain untouched");
    // -c is the default
    let r = env.run("vbulletin", &["-c", "-f", &f, "example.com"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(new_mail(&env, "alice").len(), 2);
    // a mailbox that cannot be written: warned about, counted, exit 111, others delivered
    let new = Path::new(&home(&env, "alice")).join("Maildir/new");
    std::fs::set_permissions(&new, std::os::unix::fs::PermissionsExt::from_mode(0o500)).unwrap();
    let r = env.run("vbulletin", &["-f", &f, "example.com"]);
    std::fs::set_permissions(&new, std::os::unix::fs::PermissionsExt::from_mode(0o750)).unwrap();
    assert_eq!(r.code, 111, "{r:?}");
    assert_eq!(
        r.stdout,
        "example.com: 2 delivered, 1 skipped (no Maildir), 0 excluded, 1 failed\n"
    );
    assert!(r.stderr.contains("access denied"), "{r:?}");
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    assert_eq!(new_mail(&env, "alice").len(), 2);
    assert_eq!(new_mail(&env, "bob").len(), 3);
    let tmp = Path::new(&home(&env, "alice")).join("Maildir/tmp");
    assert_eq!(std::fs::read_dir(tmp).unwrap().count(), 0);
}

#[test]
fn vbulletin_links_dry_run_exclude_and_several_domains() {
    let env = setup();
    let f = msg_file(&env).display().to_string();
    // dry run: counts, writes nothing
    let before = snapshot(&env);
    let r = env.run("vbulletin", &["-n", "-f", &f, "example.com", "example.org"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "example.com: 3 delivered, 1 skipped (no Maildir), 0 excluded, 0 failed (dry run)\n\
         example.org: 2 delivered, 0 skipped (no Maildir), 0 excluded, 0 failed (dry run)\n"
    );
    assert_eq!(snapshot(&env), before);
    // exclude list: comments and blanks ignored, case-insensitive
    let ex = env.domaindir().join("exclude");
    std::fs::write(&ex, "# staff\n\n  BOB@example.com  # on leave\n").unwrap();
    let ex = ex.display().to_string();
    let r = env.run("vbulletin", &["-s", "-e", &ex, "-f", &f, "example.com"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "example.com: 2 delivered, 1 skipped (no Maildir), 1 excluded, 0 failed\n"
    );
    assert!(new_mail(&env, "bob").is_empty());
    let m = new_mail(&env, "alice");
    assert_eq!(m.len(), 1);
    assert_eq!(std::fs::read_link(&m[0]).unwrap(), msg_file(&env));
    // hard links (same filesystem): the very same inode; the file must belong
    // to the domain user when the kernel protects hard links
    std::os::unix::fs::chown(msg_file(&env), Some(999), Some(995)).unwrap();
    let r = env.run("vbulletin", &["-h", "-f", &f, "example.org"]);
    assert_eq!(r.code, 0, "{r:?}");
    let m = new_mail(&env, "dave");
    assert_eq!(m.len(), 1);
    assert_eq!(
        std::fs::metadata(&m[0]).unwrap().ino(),
        std::fs::metadata(msg_file(&env)).unwrap().ino()
    );
}

#[test]
fn vbulletin_one_address() {
    let env = setup();
    let f = msg_file(&env).display().to_string();
    let r = env.run("vbulletin", &["-f", &f, "bob@example.com"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "Processing Email bob@example.com\n"),
        "{r:?}"
    );
    assert_eq!(new_mail(&env, "bob").len(), 1);
    assert!(new_mail(&env, "alice").is_empty());
    refused(
        &env,
        &["-f", &f, "nobody@example.com"],
        1,
        "nobody@example.com: No such User",
    );
    refused(&env, &["-f", &f, "carol@example.com"], 1, "no Maildir");
    refused(
        &env,
        &["-e", &f, "-f", &f, "bob@example.com"],
        1,
        "option -e cannot be used with user bulletin",
    );
}

#[test]
fn vbulletin_instant_bulletins() {
    let env = setup();
    let f = msg_file(&env).display().to_string();
    let bulk = env.domaindir().join("domains/example.com/bulk_mail");
    // -a: the whole domain
    let r = env.run("vbulletin", &["-a", "-f", &f, "example.com"]);
    assert_eq!(r.code, 0, "{r:?}");
    let all = bulk.join("bulletin.txt,all");
    assert_eq!(std::fs::read_to_string(&all).unwrap(), MSG);
    let m = std::fs::metadata(&all).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o777), (999, 995, 0o644));
    refused(
        &env,
        &["-a", "-f", &f, "example.com"],
        1,
        "file already exists",
    );
    // -S: subscribers in bulkmail, the message in bulk_mail/<name>
    let list = env.domaindir().join("subscribers");
    std::fs::write(
        &list,
        "alice@example.com\nbob\n# comment\n\nalice@example.com\ndave@example.org\n",
    )
    .unwrap();
    let list = list.display().to_string();
    let r = env.run("vbulletin", &["-n", "-S", &list, "-f", &f, "example.com"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(env.rows("SELECT emailid FROM bulkmail").is_empty());
    assert!(!bulk.join("bulletin.txt").exists());
    let r = env.run("vbulletin", &["-S", &list, "-f", &f, "example.com"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("Skipping email [dave@example.org] - does not belong to example.com"),
        "{r:?}"
    );
    assert_eq!(
        r.stdout,
        format!(
            "example.com: bulletin {} for 2 subscribers\n",
            bulk.join("bulletin.txt").display()
        )
    );
    assert_eq!(
        env.rows("SELECT emailid, filename FROM bulkmail ORDER BY emailid"),
        vec![
            "alice@example.com\tbulletin.txt".to_string(),
            "bob@example.com\tbulletin.txt".to_string()
        ]
    );
    assert_eq!(
        std::fs::read_to_string(bulk.join("bulletin.txt")).unwrap(),
        MSG
    );
    refused(
        &env,
        &["-S", &list, "-f", &f, "example.com"],
        1,
        "file already exists",
    );
    refused(
        &env,
        &["-S", &list, "-f", &f, "bob@example.com"],
        1,
        "options -e or email cannot be used with bulk bulletin",
    );
    refused(
        &env,
        &["-a", "-e", &f, "-f", &f, "example.com"],
        1,
        "options -e or email cannot be used with bulk bulletin",
    );
}

#[test]
fn vbulletin_bad_input_changes_nothing() {
    let env = setup();
    let f = msg_file(&env).display().to_string();
    refused(&env, &["example.com"], 1, "usage: vbulletin -f email_file");
    refused(&env, &["-f", &f], 1, "usage: vbulletin -f email_file");
    refused(
        &env,
        &["-f", "bulletin.txt", "example.com"],
        1,
        "vbulletin: path [bulletin.txt] is not absolute",
    );
    refused(
        &env,
        &["-f", "/nonexistent/msg", "example.com"],
        1,
        "/nonexistent/msg: file does not exist",
    );
    refused(
        &env,
        &["-e", "/nonexistent/ex", "-f", &f, "example.com"],
        1,
        "/nonexistent/ex: file does not exist",
    );
    refused(
        &env,
        &["-S", "/nonexistent/list", "-f", &f, "example.com"],
        1,
        "/nonexistent/list: file does not exist",
    );
    refused(&env, &["-x", "-f", &f, "example.com"], 1, "illegal option");
    refused(
        &env,
        &["-f", &f, "nosuch.org"],
        1,
        "nosuch.org: No such domain",
    );
    // an unknown domain among several: nothing delivered anywhere
    refused(
        &env,
        &["-f", &f, "example.com", "nosuch.org"],
        1,
        "nosuch.org: No such domain",
    );
    // -a needs the bulk_mail directory
    std::fs::remove_dir(env.domaindir().join("domains/example.org/bulk_mail")).unwrap();
    refused(
        &env,
        &["-a", "-f", &f, "example.org"],
        1,
        "bulk_mail: file does not exist",
    );
}
