//! plugtest with real SMTP plugins: the Rust example (built here with cargo) and
//! small C plugins compiled with gcc at test time. No database.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Builds examples/smtp-plugin (its own package: a shared object cannot take the
/// repository's static-linking rustflags, so they are switched off) once; the
/// shared object's path.
fn rust_plugin() -> &'static Path {
    static SO: OnceLock<PathBuf> = OnceLock::new();
    SO.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.join("target"))
            .join("smtp-plugin");
        let mut c = Command::new(cargo);
        // The variables cargo sets for a test run would make build scripts that
        // watch them (ring's) rebuild everything, twice per test run.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            let set_by_cargo = k.starts_with("CARGO_PKG_")
                || k.starts_with("CARGO_BIN_EXE_")
                || [
                    "CARGO_MANIFEST_DIR",
                    "CARGO_MANIFEST_PATH",
                    "CARGO_CRATE_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_TARGET_TMPDIR",
                    "OUT_DIR",
                ]
                .contains(&k.as_ref());
            if set_by_cargo {
                c.env_remove(k.as_ref());
            }
        }
        let st = c
            .current_dir(repo.join("examples/smtp-plugin"))
            .env("CARGO_ENCODED_RUSTFLAGS", "")
            .arg("build")
            .args(["--quiet", "--locked", "--target-dir"])
            .arg(&target_dir)
            .status()
            .expect("run cargo");
        assert!(st.success(), "cargo build of examples/smtp-plugin failed");
        // build.target (.cargo/config.toml) puts it under the triple's directory.
        let so = ["x86_64-unknown-linux-gnu/debug", "debug"]
            .iter()
            .map(|d| target_dir.join(d).join("libreject_rcpt_domain.so"))
            .find(|p| p.is_file())
            .unwrap_or_else(|| {
                panic!("no libreject_rcpt_domain.so under {}", target_dir.display())
            });
        so
    })
}

/// A C plugin: hooks given as C source, built against packaging/include/smtp_plugin.h.
const C_PLUGIN: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "smtp_plugin.h"
static int mail(const char *ip, const char *from, char **mesg) {
	if (!strncmp(from, "spam", 4)) { *mesg = "553 no spam from you (#5.7.1)\r\n"; return 1; }
	return 0;
}
static int rcpt(const char *ip, const char *from, const char *rcpt, char **mesg) {
	if (!strcmp(rcpt, "crash@x")) { *(volatile int *) 0 = 1; }
	if (!strcmp(rcpt, "exit@x")) exit(3);
	if (!strcmp(rcpt, "nomesg@x")) return 1;
	if (!strcmp(rcpt, "bare@x")) { *mesg = "denied"; return 1; }
	return 0;
}
static int data(const char *local, const char *ip, const char *host, const char *info, char **mesg) {
	printf("data(%s,%s,%s,%s)\n", local ? local : "NULL", ip, host, info ? info : "NULL");
	fflush(stdout);
	if (!strcmp(host, "bad.host")) { *mesg = "451 come back later (#4.3.0)\r\n"; return 1; }
	return 0;
}
static PLUGIN p = { mail, rcpt, data };
PLUGIN *plugin_init(void) { return &p; }
PLUGIN *null_init(void) { return NULL; }
PLUGIN *crash_init(void) { return (PLUGIN *) (long) *(volatile int *) 0; }
"#;

struct Plugins {
    dir: tempfile::TempDir,
}

impl Plugins {
    fn new() -> Plugins {
        let dir = tempfile::tempdir().unwrap();
        for d in ["bin", "plugins", "control", "var"] {
            fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let exe = PathBuf::from(env!("CARGO_BIN_EXE_indimail"));
        std::os::unix::fs::symlink(&exe, dir.path().join("bin/plugtest")).unwrap();
        Plugins { dir }
    }
    fn plugins(&self) -> PathBuf {
        self.dir.path().join("plugins")
    }
    /// Install the Rust example as `name`.
    fn rust(&self, name: &str) {
        fs::copy(rust_plugin(), self.plugins().join(name)).unwrap();
    }
    /// Compile the C plugin into `name`.
    fn c(&self, name: &str) {
        let src = self.dir.path().join("plugin.c");
        fs::write(&src, C_PLUGIN).unwrap();
        let include = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("packaging/include");
        let st = Command::new("gcc")
            .args(["-shared", "-fPIC", "-Wall", "-Werror", "-o"])
            .arg(self.plugins().join(name))
            .arg("-I")
            .arg(include)
            .arg(&src)
            .status()
            .expect("gcc (apt-get install gcc)");
        assert!(st.success(), "gcc failed");
    }
    fn run(&self, env: &[(&str, &str)], args: &[&str]) -> (String, String, i32) {
        let mut c = Command::new(self.dir.path().join("bin/plugtest"));
        c.args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("SYSCONFDIR", self.dir.path())
            .env("DOMAINDIR", self.dir.path().join("var"))
            .env("PLUGINDIR", self.plugins());
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            o.status
                .code()
                .expect("plugtest itself must not die by a signal"),
        )
    }
    fn path(&self, name: &str) -> String {
        self.plugins().join(name).display().to_string()
    }
}

#[test]
fn rust_and_c_plugins_in_a_chain() {
    let t = Plugins::new();
    t.rust("smtpd-plugin.so");
    t.c("smtpd-plugin0.so");
    fs::write(
        t.dir.path().join("control/rejectrcptdomains"),
        "# test\nblocked.example\n",
    )
    .unwrap();
    let args = [
        "-M",
        "-T",
        "-D",
        "-r",
        "192.0.2.1",
        "-l",
        "mx.local",
        "-m",
        "spam@x.org",
        "a@blocked.example",
        "b@ok.example",
    ];
    let (out, err, code) = t.run(&[], &args);
    let want = format!(
        "plugin 0: {}\nplugin 1: {}\n\
         plugin 0: no mail plugin returned\n\
         plugin 0: rcpt plugin returned non-zero: 553 sorry, mail to that domain is not accepted here (#5.7.1)\r\n\
         plugin 0: rcpt plugin success\n\
         plugin 0: no data plugin returned\n\
         plugin 1: mail plugin returned non-zero: 553 no spam from you (#5.7.1)\r\n\
         plugin 1: rcpt plugin success\n\
         plugin 1: rcpt plugin success\n\
         plugin 1: data plugin success\n\
         reject\n",
        t.path("smtpd-plugin.so"),
        t.path("smtpd-plugin0.so")
    );
    assert_eq!(out, want, "stderr: {err}");
    assert_eq!(code, 1);
    // DATA gets qmail-smtpd's arguments; what a plugin prints goes to stderr.
    assert_eq!(err, "data(mx.local,192.0.2.1,unknown,NULL)\n");

    // Everything passes: accept, exit 0; -R reaches the DATA hook.
    let (out, err, code) = t.run(
        &[],
        &[
            "-M",
            "-T",
            "-D",
            "-R",
            "ok.host",
            "-r",
            "192.0.2.1",
            "-m",
            "joe@x.org",
            "b@ok.example",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.ends_with("plugin 1: data plugin success\naccept\n"),
        "{out}"
    );
    assert_eq!(err, "data(NULL,192.0.2.1,ok.host,NULL)\n");
    let (out, _, code) = t.run(
        &[],
        &[
            "-D",
            "-R",
            "bad.host",
            "-r",
            "192.0.2.1",
            "-m",
            "joe@x.org",
            "b@ok.example",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        out.ends_with(
            "plugin 1: data plugin returned non-zero: 451 come back later (#4.3.0)\r\nreject\n"
        ),
        "{out}"
    );

    // The control file is read at each call: an empty one rejects nothing.
    fs::write(t.dir.path().join("control/rejectrcptdomains"), "").unwrap();
    let (out, _, code) = t.run(
        &[],
        &[
            "-T",
            "-r",
            "192.0.2.1",
            "-m",
            "joe@x.org",
            "a@blocked.example",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("plugin 0: rcpt plugin success\n"));
}

#[test]
fn numbered_chain_stops_at_a_gap() {
    let t = Plugins::new();
    t.c("smtpd-plugin0.so");
    t.rust("smtpd-plugin1.so");
    t.rust("smtpd-plugin3.so");
    let (out, _, code) = t.run(&[], &["-M", "-r", "1.2.3.4", "-m", "a@b"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!(
            "plugin 0: {}\nplugin 1: {}\nplugin 0: from plugin success\nplugin 1: no mail plugin returned\naccept\n",
            t.path("smtpd-plugin0.so"),
            t.path("smtpd-plugin1.so")
        )
    );
    // SMTP_PLUGIN names the base file (its last three characters are cut for the numbers).
    fs::rename(
        t.plugins().join("smtpd-plugin0.so"),
        t.plugins().join("mine.so"),
    )
    .unwrap();
    let (out, _, code) = t.run(
        &[("SMTP_PLUGIN", "mine.so")],
        &["-M", "-r", "1.2.3.4", "-m", "spam@b"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        format!(
            "plugin 0: {}\nplugin 0: mail plugin returned non-zero: 553 no spam from you (#5.7.1)\r\nreject\n",
            t.path("mine.so")
        )
    );
}

#[test]
fn a_crashing_or_exiting_plugin_is_reported() {
    let t = Plugins::new();
    t.c("smtpd-plugin.so");
    let so = t.path("smtpd-plugin.so");
    let (out, err, code) = t.run(
        &[],
        &[
            "-M", "-T", "-r", "1.2.3.4", "-m", "a@b", "ok@x", "crash@x", "never@x",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        format!("plugin 0: {so}\nplugin 0: from plugin success\nplugin 0: rcpt plugin success\n")
    );
    assert_eq!(
        err,
        format!("plugtest: plugin 0 ({so}): rcpt hook for <crash@x>: crashed: killed by signal 11 (SIGSEGV, segmentation fault)\n")
    );
    let (_, err, code) = t.run(&[], &["-T", "-r", "1.2.3.4", "-m", "a@b", "exit@x"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!("plugtest: plugin 0 ({so}): rcpt hook for <exit@x>: the plugin ended the process (exit status 3)\n")
    );
    // A reject without a message, or with a malformed one: shown, with warnings.
    let (out, err, code) = t.run(
        &[],
        &["-T", "-r", "1.2.3.4", "-m", "a@b", "nomesg@x", "bare@x"],
    );
    assert_eq!(code, 1);
    assert!(out.contains("plugin 0: rcpt plugin returned non-zero: (no message)\nplugin 0: rcpt plugin returned non-zero: denied\nreject\n"), "{out}");
    assert!(
        err.contains("plugtest: warning: plugin 0: rcpt hook: rejected without setting a message"),
        "{err}"
    );
    assert!(
        err.contains("plugtest: warning: plugin 0: rcpt hook: reply does not end in CRLF"),
        "{err}"
    );
    assert!(
        err.contains("reply does not start with a 4xx or 5xx SMTP code"),
        "{err}"
    );
}

#[test]
fn load_failures() {
    let t = Plugins::new();
    let so = t.path("smtpd-plugin.so");
    let args = ["-M", "-r", "1.2.3.4", "-m", "a@b"];
    // No plugin at all.
    assert_eq!(
        t.run(&[], &args),
        ("plugtest: no plugins found\n".into(), String::new(), 0)
    );
    // Not a shared object.
    fs::write(t.plugins().join("smtpd-plugin.so"), "not an ELF file\n").unwrap();
    let (out, err, code) = t.run(&[], &args);
    assert_eq!((out, code), (format!("plugin 0: {so}\n"), 1));
    assert!(
        err.starts_with(&format!("plugtest: dlopen failed for {so}: ")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // A directory.
    fs::remove_file(t.plugins().join("smtpd-plugin.so")).unwrap();
    fs::create_dir(t.plugins().join("smtpd-plugin.so")).unwrap();
    let (_, err, code) = t.run(&[], &args);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!("plugtest: dlopen failed for {so}: is a directory, not a shared object\n")
    );
    fs::remove_dir(t.plugins().join("smtpd-plugin.so")).unwrap();
    // Missing entry symbol; an entry point that returns NULL.
    t.c("smtpd-plugin.so");
    let (_, err, code) = t.run(&[("SMTP_PLUGIN_SYMB", "no_such_init")], &args);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("plugtest: dlsym no_such_init failed: ")
            && err.contains("undefined symbol"),
        "{err}"
    );
    let (_, err, code) = t.run(&[("SMTP_PLUGIN_SYMB", "null_init")], &args);
    assert_eq!(
        (err.as_str(), code),
        ("plugtest: function null_init failed\n", 1)
    );
    // An entry point that crashes.
    let (out, err, code) = t.run(&[("SMTP_PLUGIN_SYMB", "crash_init")], &args);
    assert_eq!((out, code), (format!("plugin 0: {so}\n"), 1));
    assert_eq!(
        err,
        format!("plugtest: loading plugin 0 ({so}): crashed: killed by signal 11 (SIGSEGV, segmentation fault)\n")
    );
    // PLUGINDIR must be absolute.
    let (out, err, code) = t.run(&[("PLUGINDIR", "plugins")], &args);
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("", "pluginsplugindir must have an absolute path\n", 1)
    );
    // SMTP_PLUGIN is a file name, not a path.
    let (_, err, code) = t.run(&[("SMTP_PLUGIN", "../x.so")], &args);
    assert_eq!(code, 100);
    assert!(
        err.starts_with("plugtest: SMTP_PLUGIN must be a file name"),
        "{err}"
    );
}

#[test]
fn usage_and_missing_arguments() {
    let t = Plugins::new();
    let (out, err, code) = t.run(&[], &["-r", "1.2.3.4"]);
    assert_eq!((out.as_str(), code), ("", 100));
    assert!(err.starts_with(
        "usage: plugtest -MTD -l localip -r remoteip  -R remotehost -m mailfrom recipient ...]\n"
    ));
    assert_eq!(
        t.run(&[], &["-M", "-m", "a@b"]),
        ("remoteip not specified\n".into(), String::new(), 100)
    );
    assert_eq!(
        t.run(&[], &["-M", "-r", "1.2.3.4"]),
        ("mailfrom not specified\n".into(), String::new(), 100)
    );
    assert_eq!(
        t.run(&[], &["-T", "-r", "1.2.3.4", "-m", "a@b"]),
        ("recipients not specified\n".into(), String::new(), 100)
    );
    // -i and -I after -r no longer wipe the remote IP.
    assert_eq!(
        t.run(&[], &["-M", "-r", "1.2.3.4", "-i", "-I", "-m", "a@b"]),
        ("plugtest: no plugins found\n".into(), String::new(), 0)
    );
    let (_, err, code) = t.run(&[], &["-M", "-x", "-r", "1.2.3.4", "-m", "a@b"]);
    assert_eq!(code, 100);
    assert!(
        err.starts_with("plugtest: illegal option -- x\nusage: plugtest"),
        "{err}"
    );
    // The qmail home must exist.
    let (_, err, code) = t.run(
        &[("DOMAINDIR", "/nonexistent/qmail")],
        &["-M", "-r", "1.2.3.4", "-m", "a@b"],
    );
    assert_eq!(code, 111);
    assert!(
        err.starts_with("plugtest: fatal: /nonexistent/qmail: "),
        "{err}"
    );
}
