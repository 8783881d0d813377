//! Generated documentation: every applet has a man page and completions, and
//! the committed copies are what `indimail --generate` makes now.

use std::process::Command;

use crate::common::repo;

#[test]
fn committed_man_pages_and_completions_are_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_indimail"))
        .arg("--generate")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut stale = Vec::new();
    for (rel, _) in indimail::docgen::all_files().unwrap() {
        let fresh = std::fs::read(dir.path().join(&rel)).unwrap();
        match std::fs::read(repo().join(&rel)) {
            Ok(committed) if committed == fresh => {}
            Ok(_) => stale.push(format!("{rel} (stale)")),
            Err(_) => stale.push(format!("{rel} (missing)")),
        }
    }
    assert!(
        stale.is_empty(),
        "regenerate with `cargo run -- --generate .` and commit:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_applet_has_a_page_and_three_completions() {
    let files: Vec<String> = indimail::docgen::all_files()
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    for a in indimail::applets::TABLE {
        for want in [
            format!("man/{}.{}", a.name, a.section),
            format!("completions/bash/{}", a.name),
            format!("completions/zsh/_{}", a.name),
            format!("completions/fish/{}.fish", a.name),
        ] {
            assert!(files.contains(&want), "{want}");
        }
    }
}

#[test]
fn man_pages_render() {
    if Command::new("man").arg("--version").output().is_err() {
        eprintln!("man(1) not installed: rendering not checked");
        return;
    }
    let out = Command::new("man")
        .arg("-l")
        .arg(repo().join("man/vadduser.1"))
        .env("MANPAGER", "cat")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("vadduser - add a user to a virtual domain"),
        "{text}"
    );
    assert!(text.contains("EXIT STATUS"), "{text}");
}

#[test]
fn every_applet_has_hand_written_description_and_examples() {
    for a in indimail::applets::TABLE {
        let page = indimail::docgen::pages::page(a.name);
        assert!(
            page.is_some_and(|p| !p.1.is_empty() && !p.2.is_empty()),
            "{}: no description/examples in src/docgen/pages.rs",
            a.name
        );
    }
}
