//! vmoveuser: moving a home on one filesystem and onto another (/dev/shm),
//! bad input, and a SIGKILL in the middle of a cross-filesystem copy.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;

fn setup() -> TestEnv {
    let env = TestEnv::new().with_domain("example.com");
    env.run("vadduser", &["-d", "alice@example.com", "Alice#pw1"])
        .ok();
    env.run("vadduser", &["-d", "bob@example.com", "Bob#pw1"])
        .ok();
    env
}

fn home(env: &TestEnv, user: &str) -> String {
    env.rows(&format!(
        "SELECT pw_dir FROM indimail WHERE pw_name='{user}'"
    ))[0]
        .clone()
}

/// Every path under `dir` (relative) with its contents, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, acc: &mut Vec<String>) {
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                if p.is_dir() {
                    acc.push(format!("{rel}/"));
                    walk(base, &p, acc);
                } else {
                    acc.push(format!(
                        "{rel} {}",
                        std::fs::read_to_string(&p).unwrap_or_default()
                    ));
                }
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

fn put_mail(home: &str, n: usize) {
    for i in 0..n {
        let p = Path::new(home).join(format!("Maildir/cur/{i}.1.host:2,S"));
        std::fs::write(&p, format!("Subject: {i}\n\nbody {i}\n")).unwrap();
    }
}

fn snapshot(env: &TestEnv) -> (Vec<String>, Vec<String>) {
    let mut rows = env.rows("SELECT pw_name, pw_dir FROM indimail ORDER BY pw_name");
    rows.extend(env.rows("SELECT alias, valias_line FROM valias ORDER BY alias, valias_line"));
    (rows, tree(&env.base()))
}

fn refused(env: &TestEnv, args: &[&str], code: i32, stderr: &str) {
    let before = snapshot(env);
    let r = env.run("vmoveuser", args);
    assert_eq!(r.code, code, "{args:?}: {r:?}");
    assert!(
        r.stderr.contains(stderr),
        "{args:?}: {r:?} lacks {stderr:?}"
    );
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    assert_eq!(snapshot(env), before, "{args:?} changed something");
}

/// A directory on another filesystem (tmpfs), removed on drop.
struct Shm(PathBuf);
impl Shm {
    fn new() -> Option<Shm> {
        let d = tempfile::Builder::new()
            .prefix("vmoveuser")
            .tempdir_in("/dev/shm")
            .ok()?
            .keep();
        Some(Shm(d))
    }
}
impl Drop for Shm {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn vmoveuser_bad_input_changes_nothing() {
    let env = setup();
    let target = env.base().join("elsewhere/alice").display().to_string();
    let bob = home(&env, "bob");
    refused(
        &env,
        &["alice@example.com"],
        1,
        "usage: vmoveuser user new_dir",
    );
    refused(&env, &[], 1, "usage: vmoveuser user new_dir");
    refused(
        &env,
        &["alice", &target],
        1,
        "vmoveuser: alice: Not a fully qualified email",
    );
    refused(
        &env,
        &["alice@nosuch.org", &target],
        1,
        "vmoveuser: domain nosuch.org does not exist",
    );
    refused(
        &env,
        &["nobody@example.com", &target],
        1,
        "nobody@example.com: No such user",
    );
    refused(
        &env,
        &["alice@example.com", "relative/dir"],
        1,
        "absolute path",
    );
    // parent of the target missing
    refused(
        &env,
        &["alice@example.com", &target],
        1,
        "file does not exist",
    );
    // target exists (bob's home)
    refused(&env, &["alice@example.com", &bob], 1, "file already exists");
    // target inside the old home
    let inside = format!("{}/sub", home(&env, "alice"));
    refused(
        &env,
        &["alice@example.com", &inside],
        1,
        "inside the old home",
    );
}

#[test]
fn vmoveuser_same_filesystem_moves_home_row_and_alias_lines() {
    let env = setup();
    let old = home(&env, "alice");
    put_mail(&old, 3);
    env.run(
        "valias",
        &["-i", &format!("{old}/Maildir/"), "info@example.com"],
    )
    .ok();
    let before = tree(Path::new(&old));
    let new = env.base().join("moved-alice").display().to_string();
    let r = env.run("vmoveuser", &["alice@example.com", &format!("{new}/")]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            format!("alice@example.com old {old} new {new} done\n").as_str()
        ),
        "{r:?}"
    );
    assert!(!Path::new(&old).exists());
    assert_eq!(tree(Path::new(&new)), before);
    assert_eq!(home(&env, "alice"), new);
    assert_eq!(
        env.rows("SELECT valias_line FROM valias WHERE alias='info'"),
        vec![format!("{new}/Maildir/")]
    );
    // moving to where it already is: nothing to do
    let r = env.run("vmoveuser", &["alice@example.com", &new]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(tree(Path::new(&new)), before);
}

#[test]
fn vmoveuser_other_filesystem_copies_then_deletes() {
    let Some(shm) = Shm::new() else { return };
    let env = setup();
    let old = home(&env, "alice");
    put_mail(&old, 20);
    std::os::unix::fs::symlink("Maildir", Path::new(&old).join("mail")).unwrap();
    let before = tree(Path::new(&old));
    let new = shm.0.join("alice").display().to_string();
    let r = env.run("vmoveuser", &["alice@example.com", &new]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            format!("alice@example.com old {old} new {new} done\n").as_str()
        ),
        "{r:?}"
    );
    assert!(!Path::new(&old).exists());
    assert_eq!(tree(Path::new(&new)), before);
    assert!(!Path::new(&new).join(".vmoveuser.from").exists());
    assert_eq!(
        std::fs::read_link(Path::new(&new).join("mail")).unwrap(),
        Path::new("Maildir")
    );
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(Path::new(&new).join("Maildir/cur")).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (999, 995, 0o750));
    assert_eq!(home(&env, "alice"), new);
    // and back again
    let r = env.run("vmoveuser", &["alice@example.com", &old]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(tree(Path::new(&old)), before);
    assert!(!Path::new(&new).exists());
}

#[test]
fn vmoveuser_killed_during_copy_keeps_mail_in_one_complete_place() {
    let Some(shm) = Shm::new() else { return };
    let env = setup();
    let old = home(&env, "alice");
    put_mail(&old, 30);
    let before = tree(Path::new(&old));
    let new = shm.0.join("alice");
    let new_s = new.display().to_string();
    for kill_after in [1, 10, 25] {
        let out = env
            .cmd("vmoveuser")
            .env("INDIMAIL_TEST_VMOVEUSER_KILL_AFTER", kill_after.to_string())
            .args(["alice@example.com", &new_s])
            .output()
            .unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(libc::SIGKILL), "{out:?}");
        // the old home is intact and still the real one; no half copy at the target
        assert_eq!(tree(Path::new(&old)), before);
        assert_eq!(home(&env, "alice"), old);
        assert!(!new.exists());
    }
    // a crash after the copy was put in place but before the commit leaves a
    // marked copy: it is not the real home either, and a rerun replaces it
    std::fs::create_dir(&new).unwrap();
    std::fs::write(new.join(".vmoveuser.from"), format!("{old}\n")).unwrap();
    std::fs::write(new.join("stale"), "x").unwrap();
    let r = env.run("vmoveuser", &["alice@example.com", &new_s]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(tree(&new), before);
    assert!(!Path::new(&old).exists());
    assert_eq!(home(&env, "alice"), new_s);
    assert_eq!(
        std::fs::read_dir(&shm.0).unwrap().count(),
        1,
        "no staging copy left"
    );
    // a crash after the commit, before the old home was deleted: the row
    // names the new (complete) home, which still has the marker; the next run
    // for the same target finishes the job
    std::fs::create_dir_all(Path::new(&old).join("Maildir/cur")).unwrap();
    std::fs::write(Path::new(&old).join("Maildir/cur/dup"), "x").unwrap();
    std::fs::write(new.join(".vmoveuser.from"), format!("{old}\n")).unwrap();
    let r = env.run("vmoveuser", &["alice@example.com", &new_s]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!Path::new(&old).exists());
    assert!(!new.join(".vmoveuser.from").exists());
    assert_eq!(tree(&new), before);
}

#[test]
fn vmoveuser_unmarked_existing_target_is_refused() {
    let Some(shm) = Shm::new() else { return };
    let env = setup();
    let new = shm.0.join("alice");
    std::fs::create_dir(&new).unwrap();
    std::fs::write(new.join(".vmoveuser.from"), "/some/other/home\n").unwrap();
    refused(
        &env,
        &["alice@example.com", &new.display().to_string()],
        1,
        "file already exists",
    );
    assert!(new.join(".vmoveuser.from").exists());
}
