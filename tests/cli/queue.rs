//! qmail-qread, qmail-tcpto and qmail-tcpok on queue trees built here (no database).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

/// A queue base with `queue<N>` directories (split 3, BIGTODO on).
struct QueueTree {
    dir: tempfile::TempDir,
}

const SPLIT: u64 = 3;

impl QueueTree {
    fn new(queues: &[&str]) -> QueueTree {
        let dir = tempfile::tempdir().unwrap();
        let exe = PathBuf::from(env!("CARGO_BIN_EXE_indimail"));
        fs::create_dir_all(dir.path().join("bin")).unwrap();
        fs::create_dir_all(dir.path().join("control")).unwrap();
        for n in ["qmail-qread", "qmail-tcpto", "qmail-tcpok"] {
            std::os::unix::fs::symlink(&exe, dir.path().join("bin").join(n)).unwrap();
        }
        let t = QueueTree { dir };
        for q in queues {
            let q = t.queue(q);
            for d in ["info", "mess", "local", "remote", "todo", "intd"] {
                for s in 0..SPLIT {
                    fs::create_dir_all(q.join(d).join(s.to_string())).unwrap();
                }
            }
            for d in ["bounce", "lock", "pid"] {
                fs::create_dir_all(q.join(d)).unwrap();
            }
            fs::write(q.join("lock/tcpto"), [0u8; 64]).unwrap();
            fs::write(q.join("lock/sendmutex"), "").unwrap();
        }
        t
    }

    fn base(&self) -> PathBuf {
        self.dir.path().join("queue")
    }
    fn queue(&self, name: &str) -> PathBuf {
        self.base().join(name)
    }

    /// A message `id` in `q` (mtime `t`), with local and remote records and a todo entry if asked.
    fn message(&self, q: &str, id: u64, sender: &str, local: &[&str], remote: &[&str], t: u64) {
        let q = self.queue(q);
        let s = (id % SPLIT).to_string();
        let set_time = |p: &Path| {
            let f = fs::File::options().write(true).open(p).unwrap();
            f.set_modified(UNIX_EPOCH + Duration::from_secs(t)).unwrap();
        };
        fs::write(
            q.join("mess").join(&s).join(id.to_string()),
            vec![b'x'; 100 + id as usize],
        )
        .unwrap();
        let info = q.join("info").join(&s).join(id.to_string());
        fs::write(&info, format!("F{sender}\0")).unwrap();
        set_time(&info);
        for (chan, rcpts) in [("local", local), ("remote", remote)] {
            if rcpts.is_empty() {
                continue;
            }
            let body: String = rcpts.iter().map(|r| format!("{r}\0")).collect();
            fs::write(q.join(chan).join(&s).join(id.to_string()), body).unwrap();
        }
    }

    fn todo(&self, q: &str, id: u64, sender: &str, rcpts: &[&str], t: u64) {
        let q = self.queue(q);
        let s = (id % SPLIT).to_string();
        fs::write(q.join("mess").join(&s).join(id.to_string()), b"hello").unwrap();
        let mut body = format!("u0\0p1\0F{sender}\0");
        for r in rcpts {
            body += &format!("T{r}\0");
        }
        let p = q.join("todo").join(&s).join(id.to_string());
        fs::write(&p, body).unwrap();
        fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(UNIX_EPOCH + Duration::from_secs(t))
            .unwrap();
    }

    fn run(&self, name: &str, args: &[&str]) -> (String, String, i32) {
        let o = Command::new(self.dir.path().join("bin").join(name))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("QUEUE_BASE", self.base())
            .env("CONTROLDIR", self.dir.path().join("control"))
            .env("CONFSPLIT", SPLIT.to_string())
            .env("TZ", "UTC")
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            o.status.code().unwrap_or(-1),
        )
    }
}

#[test]
fn qread_lists_and_counts_across_queues() {
    let t = QueueTree::new(&["queue1", "queue2", "queue4", "nqueue"]);
    t.message(
        "queue1",
        7,
        "a@b.c",
        &["Tjoe@local"],
        &["Dx@remote", "Ty@remote"],
        1704445387,
    );
    t.message("queue2", 9, "", &[], &["Tz@r"], 1704445388);
    fs::write(t.queue("queue2").join("bounce/9"), "").unwrap();
    t.message("queue4", 11, "never@seen", &["Tq@l"], &[], 0); // queue3 missing: stop
    t.todo("queue1", 13, "t@d", &["r1@x", "r2@y"], 1704445389);
    let (out, err, code) = t.run("qmail-qread", &["-c"]);
    assert_eq!(code, 0, "{err}");
    let b = t.base();
    let b = b.display();
    assert_eq!(
        out,
        format!(
            "processing queue {b}/queue1
5 Jan 2024 09:03:07 GMT  1/#7  107  <a@b.c> 
\tlocal\tjoe@local
  done\tremote\tx@remote
\tremote\ty@remote
Messages in local  queue: 1
Messages in remote queue: 2
Messages in bounce queue: 0

processing queue {b}/queue2
5 Jan 2024 09:03:08 GMT  0/#9  109  <>  bouncing
\tremote\tz@r
Messages in local  queue: 0
Messages in remote queue: 1
Messages in bounce queue: 1

processing queue {b}/nqueue
Messages in local  queue: 0
Messages in remote queue: 0
Messages in bounce queue: 0

Total Messages in local  queue: 1
Total Messages in remote queue: 3
Total Messages in bounce queue: 1
"
        )
    );
    // -a: todo too; -s: no listing
    let (out, _, code) = t.run("qmail-qread", &["-a", "-c", "-s"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(&format!(
        "processing queue {b}/queue1\nMessages in local  queue: 1\n"
    )));
    assert!(
        out.ends_with("Total Messages in bounce queue: 1\nTotal Messages in todo   queue: 2\n"),
        "{out}"
    );
    let (out, _, _) = t.run("qmail-qread", &["-t"]);
    assert!(
        out.contains("5 Jan 2024 09:03:09 GMT  1/#13  5  <t@d> \n\ttodo\tr1@x\n\ttodo\tr2@y\n"),
        "{out}"
    );
}

#[test]
fn qread_usage_and_errors() {
    let t = QueueTree::new(&["queue1"]);
    let (out, _, code) = t.run("qmail-qread", &["-x"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("qmail-read [-calrt]\n\t-a - Display local, remote and todo Queues\n"));
    // a missing mess file: a warning, the message skipped
    fs::write(t.queue("queue1").join("info/1/4"), "Fa@b\0").unwrap();
    let (out, err, code) = t.run("qmail-qread", &[]);
    assert_eq!(code, 0);
    assert!(
        err.contains("qmail-qread: warn: trouble with #4: No such file"),
        "{err}"
    );
    assert_eq!(
        out,
        format!("processing queue {}/queue1\n\n", t.base().display())
    );
    // a missing split directory is fatal
    fs::remove_dir(t.queue("queue1").join("info/2")).unwrap();
    let (_, err, code) = t.run("qmail-qread", &[]);
    assert_eq!(code, 111);
    assert!(
        err.contains("qmail-qread: fatal: unable to opendir"),
        "{err}"
    );
}

#[test]
fn tcpto_and_tcpok() {
    let t = QueueTree::new(&["queue1", "queue2"]);
    let mut r = vec![0u8; 64];
    r[0] = 2; // AF_INET
    r[4] = 2;
    let now = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32;
    r[8..12].copy_from_slice(&(now - 100).to_le_bytes());
    r[16..20].copy_from_slice(&[192, 0, 2, 7]);
    fs::write(t.queue("queue2").join("lock/tcpto"), &r).unwrap();
    let (out, err, code) = t.run("qmail-tcpto", &[]);
    assert_eq!(code, 0, "{err}");
    let b = t.base();
    assert_eq!(
        out,
        format!(
            "processing queue {0}/queue1\n\nprocessing queue {0}/queue2\n\n",
            b.display()
        )
    );
    assert!(err.starts_with("192.0.2.7 ipv4 timed out 10"), "{err}");
    assert!(
        err.ends_with(" seconds ago; # recent timeouts: 2\n"),
        "{err}"
    );
    let (_, _, code) = t.run("qmail-tcpok", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        fs::read(t.queue("queue2").join("lock/tcpto")).unwrap(),
        vec![0u8; 64]
    );
    let (_, err, _) = t.run("qmail-tcpto", &[]);
    assert_eq!(err, "");
    fs::remove_file(t.queue("queue1").join("lock/tcpto")).unwrap();
    let (_, err, code) = t.run("qmail-tcpok", &[]);
    assert_eq!(code, 111);
    assert!(err.contains("qmail-tcpok: fatal: unable to open"), "{err}");
}

#[test]
fn showctl_queues() {
    let t = QueueTree::new(&["queue1", "queue2", "queue4", "nqueue", "slowq"]);
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_indimail"));
    std::os::unix::fs::symlink(&exe, t.dir.path().join("bin/qmail-showctl")).unwrap();
    // the caller's QUEUE_BASE is ignored (as the original); HOME/.defaultqueue counts
    let home = t.dir.path().join("home");
    fs::create_dir_all(home.join(".defaultqueue")).unwrap();
    fs::write(
        home.join(".defaultqueue/QUEUE_BASE"),
        format!("{}\n", t.base().display()),
    )
    .unwrap();
    fs::write(home.join(".defaultqueue/BIGTODO"), "0\n").unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(t.dir.path().join("bin/qmail-showctl"))
            .args(args)
            .env_clear()
            .env("HOME", &home)
            .env("QUEUE_BASE", "/nonexistent")
            .env("CONTROLDIR", t.dir.path().join("control"))
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            o.status.code().unwrap_or(-1),
        )
    };
    let (out, err, code) = run(&["-q"]);
    assert_eq!(code, 0, "{err}");
    let b = t.base();
    let b = b.display();
    assert_eq!(
        out,
        format!(
            "--------------------- begin show queues ----------------------
subdirectory split      : 151
big todo / big intd     : No
indimail-mta  queue base: {b}

main  queue directories
queue 001 {b}/queue1
queue 002 {b}/queue2

extra queue directories
slowq  {b}/slowq
nqueue {b}/nqueue

"
        )
    );
    assert_eq!(run(&["-z"]).2, 100);
    fs::write(home.join(".defaultqueue/QUEUE_BASE"), "/nonexistent/q\n").unwrap();
    let (_, err, code) = run(&["-q"]);
    assert_eq!(code, 111);
    assert!(
        err.contains("qmail-showctl: fatal: unable to switch to /nonexistent/q"),
        "{err}"
    );
}
