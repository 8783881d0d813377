//! The multi-call launcher: dispatch by link name and by first argument,
//! `--list`, `install-links`, unknown applets.

use std::process::Command;

use crate::common::{repo, TestEnv};

fn indimail() -> Command {
    Command::new(env!("CARGO_BIN_EXE_indimail"))
}

#[test]
fn list_names_every_applet_once() {
    let out = indimail().arg("--list").output().unwrap();
    assert!(out.status.success());
    let names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    for a in indimail::applets::TABLE {
        assert_eq!(
            names.iter().filter(|n| *n == a.name).count(),
            1,
            "{}",
            a.name
        );
    }
    assert_eq!(names.len(), indimail::applets::TABLE.len());
}

#[test]
fn unknown_applet_is_refused_with_the_list() {
    let out = indimail().arg("vnosuch").output().unwrap();
    assert_eq!(out.status.code(), Some(100));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("vnosuch: applet not found"), "{err}");
    assert!(err.contains("vadduser"), "{err}");
    // The same through a link with an unknown name.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("vbogus");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_indimail"), &link).unwrap();
    let out = Command::new(&link).output().unwrap();
    assert_eq!(out.status.code(), Some(100));
}

#[test]
fn launcher_form_runs_the_applet_and_its_usage() {
    let out = indimail().arg("vuserinfo").output().unwrap();
    assert_eq!(out.status.code(), Some(100));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("vuserinfo: warning: usage: vuserinfo")
    );
}

#[test]
fn install_links_is_idempotent_and_respects_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| {
        indimail()
            .arg("install-links")
            .arg(d)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&[]).status.success());
    assert!(run(&[]).status.success(), "second run must succeed too");
    for a in indimail::applets::TABLE {
        let target = std::fs::read_link(d.join(a.name)).unwrap();
        assert_eq!(target, std::path::Path::new(env!("CARGO_BIN_EXE_indimail")));
    }
    // A real file is not replaced without --force.
    std::fs::remove_file(d.join("vadduser")).unwrap();
    std::fs::write(d.join("vadduser"), "keep me").unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(100));
    assert_eq!(
        std::fs::read_to_string(d.join("vadduser")).unwrap(),
        "keep me"
    );
    assert!(run(&["--force"]).status.success());
    assert!(std::fs::symlink_metadata(d.join("vadduser"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn install_links_refuses_the_hook_directory() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = dir.path().join("libexec/indimail");
    std::fs::create_dir_all(&hooks).unwrap();
    let out = indimail()
        .arg("install-links")
        .arg(&hooks)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(100));
    assert_eq!(std::fs::read_dir(&hooks).unwrap().count(), 0);
}

#[test]
fn hook_is_named_after_the_applet_not_the_launcher() {
    let env = TestEnv::new().with_domain("example.com");
    // The hook runs as the domain's user: give it somewhere to write.
    let spool = env.path("spool");
    std::fs::create_dir(&spool).unwrap();
    std::fs::set_permissions(&spool, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let marker = spool.join("hook-ran");
    let hook = env.path("libexec/vadduser");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\necho \"$0 $*\" > {}\nexit 7\n", marker.display()),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let r = env.run("indimail", &["vadduser", "hooked@example.com", "Pw#12345"]);
    assert_eq!(r.code, 7, "the hook's status becomes ours: {r:?}");
    let ran = std::fs::read_to_string(&marker).unwrap();
    assert!(
        ran.ends_with("libexec/vadduser hooked@example.com\n"),
        "{ran}"
    );
}

#[test]
fn version_everywhere() {
    let env = TestEnv::new();
    let r = env.run("vadduser", &["--version"]);
    assert!(r.ok().starts_with(&format!(
        "vadduser (indimail-rs) {}\nfeatures: ",
        env!("CARGO_PKG_VERSION")
    )));
    let r = env.run("indiversion", &[]);
    assert!(r.ok().contains("crypt:DES,MD5,SHA-256,SHA-512,YESCRYPT"));
    let r = env.run("indiversion", &["--json"]);
    let v: serde_json::Value = serde_json::from_str(r.ok()).unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    // `indimail --version | grep -q x`: the reader goes away before we write.
    use std::process::Stdio;
    for args in [
        &["--version"][..],
        &["--list"],
        &["--help"],
        &["vadduser", "--version"],
    ] {
        let mut child = indimail()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.code().is_some(),
            "{args:?} killed: {:?}",
            out.status
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{args:?}"
        );
    }
}

/// `packaging/link-order.txt` (see build.rs): one symbol a line, each once,
/// with what every command runs (entered by every training run) in front.
#[test]
fn link_order_puts_the_common_start_up_path_first() {
    let text = std::fs::read_to_string(repo().join("packaging/link-order.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 100, "only {} lines", lines.len());
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        assert!(
            !line.is_empty() && !line.contains(char::is_whitespace),
            "not a symbol: {line:?}"
        );
        assert!(seen.insert(line), "listed twice: {line}");
    }
    for needle in [
        "8launcher4main",
        "3sys13process_start",
        "6config6Config8from_env",
    ] {
        let at = lines.iter().position(|l| l.contains(needle));
        assert!(
            at.is_some_and(|at| at < lines.len() / 4),
            "{needle} at {at:?} of {}",
            lines.len()
        );
    }
}
