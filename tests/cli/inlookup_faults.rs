//! inlookup under fault: malformed frames on the socket, clients that vanish, a thousand
//! clients at once, a query stuck on a locked table, HUP under load, the peer-uid check of
//! the socket. Nothing may take the server down or give one client another's answer.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use indimail::config::Config;
use indimail::inquery::client::{fifo_query, socket_query};
use indimail::inquery::codec::Reply;
use mysql::prelude::Queryable;

use crate::common::{PrivateDb, TestEnv};
use crate::inlookup::{frame, open_writer, setup, setup_on, ServerProc};

/// The configuration the server sees, for in-process clients (control timeouts).
fn cfg(env: &TestEnv) -> Config {
    Config {
        sysconfdir: env.path("etc"),
        controldir: env.controldir(),
        assigndir: env.path("etc/users"),
        domaindir: env.domaindir(),
        base_path: env.base(),
        libexecdir: env.path("libexec"),
        prefix: env.root.clone(),
    }
}

/// A server on `<root>/run/infifo` whose reply FIFOs live in /tmp (the in-process
/// clients' default `FIFOTMPDIR`).
fn start(env: &TestEnv) -> (ServerProc, PathBuf, PathBuf) {
    let fifo = env.path("run/infifo");
    let server = ServerProc::start_quiet(env, &fifo, Path::new("/tmp/"));
    let sock = PathBuf::from(format!("{}.sock", fifo.display()));
    (server, fifo, sock)
}

fn pw_name(r: &Reply) -> String {
    match r {
        Reply::Password(p) => String::from_utf8_lossy(&p.name).into_owned(),
        other => format!("{other:?}"),
    }
}

/// Users user0 … user{n-1}@example.com, straight into the table.
fn add_users(env: &TestEnv, n: usize) {
    let values: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "('user{i}', 'example.com', 'x', 0, 0, 'u{i}', '/mail/user{i}', 'NOQUOTA', NULL)"
            )
        })
        .collect();
    env.db()
        .query_drop(format!(
            "INSERT INTO indimail (pw_name, pw_domain, pw_passwd, pw_uid, pw_gid, pw_gecos, \
             pw_dir, pw_shell, scram) VALUES {}",
            values.join(", ")
        ))
        .unwrap();
}

/// Reads until EOF or `limit`; what arrived.
fn read_until_closed(s: &mut UnixStream, limit: Duration) -> (Vec<u8>, bool) {
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let t0 = Instant::now();
    let mut got = Vec::new();
    while t0.elapsed() < limit {
        let mut b = [0u8; 256];
        match s.read(&mut b) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend(&b[..n]),
            Err(_) => {}
        }
    }
    (got, false)
}

fn good_frame(qtype: u8, email: &[u8]) -> Vec<u8> {
    let mut body = vec![qtype, 0];
    body.extend(email);
    body.extend(b"\0socket\0\0");
    let mut f = (body.len() as i32).to_ne_bytes().to_vec();
    f.extend(body);
    f
}

#[test]
fn socket_closes_on_malformed_frames_and_keeps_serving() {
    let env = setup();
    let (mut server, fifo, sock) = start(&env);
    let c = cfg(&env);
    let mut short = 1i32.to_ne_bytes().to_vec();
    short.push(3);
    let mut big = 5000i32.to_ne_bytes().to_vec();
    big.extend(vec![b'x'; 5000]);
    let mut nonul = 6i32.to_ne_bytes().to_vec();
    nonul.extend(b"\x03\x00abcd");
    for bad in [short, big, (-9i32).to_ne_bytes().to_vec(), nonul] {
        let mut s = UnixStream::connect(&sock).unwrap();
        let _ = s.write_all(&bad);
        let (got, closed) = read_until_closed(&mut s, Duration::from_secs(5));
        assert!(closed, "connection closed after {bad:?}");
        assert!(got.is_empty(), "no reply to a malformed frame: {got:?}");
    }
    // a frame cut short, then the client goes away
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(&good_frame(3, b"alice@example.com")[..9])
        .unwrap();
    drop(s);
    // an unknown type gets the error reply and the connection stays usable; a non-UTF-8
    // address is just not found
    let mut s = UnixStream::connect(&sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(&good_frame(9, b"alice@example.com")).unwrap();
    let mut word = [0u8; 4];
    s.read_exact(&mut word).unwrap();
    assert_eq!(i32::from_ne_bytes(word), -1);
    s.write_all(&good_frame(3, b"\xff\xfe@example.com"))
        .unwrap();
    s.read_exact(&mut word).unwrap();
    let mut payload = vec![0u8; i32::from_ne_bytes(word) as usize];
    s.read_exact(&mut payload).unwrap();
    assert!(
        payload.starts_with(b"PWSTRUCT=No such user \xff\xfe@example.com"),
        "{:?}",
        String::from_utf8_lossy(&payload)
    );
    s.write_all(&good_frame(1, b"alice@example.com")).unwrap();
    s.read_exact(&mut word).unwrap();
    assert_eq!(i32::from_ne_bytes(word), 0);
    // the same non-UTF-8 address through the FIFO
    let r = fifo_query(&c, &fifo, 3, "alice@example.com", "", None).unwrap();
    assert_eq!(pw_name(&r), "alice");
    assert!(server.alive());
    let r = socket_query(&c, &sock, 3, "alice@example.com", "").unwrap();
    assert_eq!(pw_name(&r), "alice");
    let (code, _) = server.stop();
    assert_eq!(code, Some(0));
    let log = env.read("inlookup.log");
    assert!(log.contains("invalid request length, closing"), "{log}");
    assert!(
        log.contains("malformed request of 6 bytes, closing"),
        "{log}"
    );
}

#[test]
fn clients_that_vanish_before_their_reply_harm_nobody() {
    let env = setup();
    let (mut server, fifo, sock) = start(&env);
    let c = cfg(&env);
    for i in 0..30 {
        // FIFO: the reply FIFO is gone (or never read) when the server answers
        let rf = PathBuf::from(format!("/tmp/inlookup-vanish-{}-{i}", std::process::id()));
        let _ = std::fs::remove_file(&rf);
        assert!(std::process::Command::new("mkfifo")
            .arg(&rf)
            .status()
            .unwrap()
            .success());
        let r = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&rf)
            .unwrap();
        open_writer(&fifo)
            .unwrap()
            .write_all(&frame(3, "alice@example.com", rf.to_str().unwrap()))
            .unwrap();
        drop(r);
        if i % 2 == 0 {
            let _ = std::fs::remove_file(&rf);
        }
        // socket: the request, then hang up at once
        let mut s = UnixStream::connect(&sock).unwrap();
        s.write_all(&good_frame(3, b"alice@example.com")).unwrap();
        drop(s);
    }
    // a client process killed in the middle of its query
    for _ in 0..5 {
        let mut child =
            crate::inlookup::inquery(&env, &fifo, Path::new("/tmp/"), "3", "alice@example.com")
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
        std::thread::sleep(Duration::from_millis(3));
        let _ = child.kill();
        let _ = child.wait();
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.alive(), "server died");
    assert_eq!(
        pw_name(&socket_query(&c, &sock, 3, "alice@example.com", "").unwrap()),
        "alice"
    );
    assert_eq!(
        pw_name(&fifo_query(&c, &fifo, 3, "over@example.com", "", None).unwrap()),
        "over"
    );
    for i in 0..30 {
        let _ = std::fs::remove_file(format!("/tmp/inlookup-vanish-{}-{i}", std::process::id()));
    }
}

use std::os::unix::fs::OpenOptionsExt;

#[test]
fn a_thousand_clients_at_once_each_get_their_own_answer() {
    let env = setup().env("USE_BTREE", "1");
    std::fs::write(env.controldir().join("timeoutread"), "30\n").unwrap();
    std::fs::write(env.controldir().join("timeoutwrite"), "30\n").unwrap();
    add_users(&env, 250);
    let (mut server, fifo, sock) = start(&env);
    let c = Arc::new(cfg(&env));
    let n = 1000;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (c, barrier, fifo, sock) = (
                Arc::clone(&c),
                Arc::clone(&barrier),
                fifo.clone(),
                sock.clone(),
            );
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let user = format!("user{}", i % 250);
                    let email = format!("{user}@example.com");
                    barrier.wait();
                    let r = if i % 2 == 0 {
                        socket_query(&c, &sock, 3, &email, "")
                    } else {
                        fifo_query(&c, &fifo, 3, &email, "", None)
                    };
                    match r {
                        Ok(r) => (user, pw_name(&r)),
                        Err(e) => (user, format!("error: {e}")),
                    }
                })
                .unwrap()
        })
        .collect();
    let mut wrong = Vec::new();
    for h in handles {
        let (want, got) = h.join().unwrap();
        if want != got {
            wrong.push(format!("{want} got {got}"));
        }
    }
    assert!(server.alive(), "server died");
    assert!(
        wrong.is_empty(),
        "{} wrong: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
}

#[test]
fn a_slow_query_holds_up_nobody() {
    let env = setup();
    let (_server, fifo, sock) = start(&env);
    let c = Arc::new(cfg(&env));
    // a user query now waits on the table lock
    let mut locker = env.db();
    locker.query_drop("LOCK TABLES indimail WRITE").unwrap();
    let slow: Vec<_> = [true, false]
        .into_iter()
        .map(|use_sock| {
            let (c, fifo, sock) = (Arc::clone(&c), fifo.clone(), sock.clone());
            std::thread::spawn(move || {
                let r = if use_sock {
                    socket_query(&c, &sock, 3, "alice@example.com", "")
                } else {
                    fifo_query(&c, &fifo, 3, "alice@example.com", "", None)
                };
                r.map(|r| pw_name(&r)).map_err(|e| e.to_string())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // meanwhile other queries are answered at once, on both transports
    let t0 = Instant::now();
    let r = socket_query(&c, &sock, 2, "alice@example.com", "192.0.2.7").unwrap();
    assert_eq!(r, Reply::Status(1));
    let r = fifo_query(&c, &fifo, 2, "alice@example.com", "192.0.2.7", None).unwrap();
    assert_eq!(r, Reply::Status(1));
    let r = fifo_query(&c, &fifo, 7, "example.com", "", None).unwrap();
    assert_eq!(r, Reply::Domain(b"example.com".to_vec()));
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "answers waited for the slow query: {:?}",
        t0.elapsed()
    );
    for h in &slow {
        assert!(!h.is_finished(), "the slow queries are still waiting");
    }
    locker.query_drop("UNLOCK TABLES").unwrap();
    for h in slow {
        assert_eq!(h.join().unwrap(), Ok("alice".to_string()));
    }
}

#[test]
fn hup_under_load_loses_no_answer() {
    let env = setup().env("USE_BTREE", "1");
    add_users(&env, 20);
    let (mut server, fifo, sock) = start(&env);
    let c = Arc::new(cfg(&env));
    let stop = Instant::now() + Duration::from_secs(3);
    let workers: Vec<_> = (0..6)
        .map(|t| {
            let (c, fifo, sock) = (Arc::clone(&c), fifo.clone(), sock.clone());
            std::thread::spawn(move || {
                let mut wrong = Vec::new();
                let mut n = 0;
                while Instant::now() < stop {
                    let user = format!("user{}", (n * 7 + t) % 20);
                    let email = format!("{user}@example.com");
                    let r = if t % 2 == 0 {
                        socket_query(&c, &sock, 3, &email, "")
                    } else {
                        fifo_query(&c, &fifo, 3, &email, "", None)
                    };
                    let got = r.map(|r| pw_name(&r)).unwrap_or_else(|e| e.to_string());
                    if got != user {
                        wrong.push(format!("{user}: {got}"));
                    }
                    n += 1;
                }
                (n, wrong)
            })
        })
        .collect();
    let pid = server.child.id().to_string();
    while Instant::now() < stop {
        let _ = std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status();
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut total = 0;
    for w in workers {
        let (n, wrong) = w.join().unwrap();
        total += n;
        assert!(wrong.is_empty(), "{wrong:?}");
    }
    assert!(total > 20, "only {total} answers");
    assert!(server.alive(), "server died");
    let log = env.read("inlookup.log");
    assert!(log.contains("Got Hangup, Reconfiguring"), "{log}");
}

#[test]
fn password_queries_on_the_socket_depend_on_the_peer_uid() {
    let env = setup().env("FIFO_MODE", "0666");
    let (_server, fifo, _sock) = start(&env);
    // run inquerytest as another uid (the test runs as root)
    let ask = |uid: u32, q: &str| {
        use std::os::unix::process::CommandExt;
        let out = env
            .cmd("inquerytest")
            .args(["-q", q, "-i", fifo.to_str().unwrap(), "alice@example.com"])
            .env("FIFOTMPDIR", "/tmp/")
            .uid(uid)
            .gid(uid)
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code(),
        )
    };
    // the indimail user (INDIMAIL_UID) may; uid 4321 may not, but may ask the rest
    let (out, _, code) = ask(999, "3");
    assert!(out.contains("pw_name  : alice"), "{out}");
    assert_eq!(code, Some(0));
    let (out, err, code) = ask(4321, "3");
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        (
            "",
            "inquery: fatal: inlookup service returned error\nalice@example.com: inquery failure\n",
            Some(1)
        )
    );
    let (out, _, code) = ask(4321, "1");
    assert_eq!(
        (out.as_str(), code),
        ("alice@example.com has all services enabled\n", Some(0))
    );
    let log = env.read("inlookup.log");
    assert!(
        log.contains("infifo.sock: password query refused for uid 4321"),
        "{log}"
    );
}

#[test]
fn mariadb_restart_under_load_errors_then_recovers_without_restarting_inlookup() {
    let mut mariadb = PrivateDb::new();
    let env = setup_on(TestEnv::on_server(mariadb.server.clone()));
    let (mut server, fifo, sock) = start(&env);
    let pid = server.child.id();
    let c = Arc::new(cfg(&env));
    // 0 up, 1 stopping, 2 down, 3 starting, 4 up again, 5 done
    let phase = Arc::new(std::sync::atomic::AtomicU8::new(0));
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let (c, fifo, sock, phase) = (
                Arc::clone(&c),
                fifo.clone(),
                sock.clone(),
                Arc::clone(&phase),
            );
            std::thread::spawn(move || {
                // per phase: (answers, error replies); anything else is wrong
                let mut seen = [(0u32, 0u32); 5];
                let mut wrong = Vec::new();
                loop {
                    let p = phase.load(std::sync::atomic::Ordering::SeqCst) as usize;
                    if p == 5 {
                        break;
                    }
                    let r = if t % 2 == 0 {
                        socket_query(&c, &sock, 3, "alice@example.com", "")
                    } else {
                        fifo_query(&c, &fifo, 3, "alice@example.com", "", None)
                    };
                    // a query that straddled a phase change counts for neither
                    if phase.load(std::sync::atomic::Ordering::SeqCst) as usize != p {
                        continue;
                    }
                    match r {
                        Ok(r) if pw_name(&r) == "alice" => seen[p].0 += 1,
                        Ok(Reply::Zero) => seen[p].1 += 1,
                        other => wrong.push(format!("{other:?}")),
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                (seen, wrong)
            })
        })
        .collect();
    let set = |p: u8| phase.store(p, std::sync::atomic::Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(800));
    set(1);
    mariadb.stop();
    set(2);
    std::thread::sleep(Duration::from_millis(800));
    set(3);
    mariadb.start();
    // connections broken by the restart are replaced by the first queries
    std::thread::sleep(Duration::from_millis(300));
    set(4);
    std::thread::sleep(Duration::from_millis(800));
    set(5);
    for w in workers {
        let (seen, wrong) = w.join().unwrap();
        assert!(wrong.is_empty(), "{wrong:?}");
        assert!(seen[0].0 > 0 && seen[0].1 == 0, "before: {seen:?}");
        assert!(seen[2].0 == 0 && seen[2].1 > 0, "outage: {seen:?}");
        assert!(seen[4].0 > 0 && seen[4].1 == 0, "after: {seen:?}");
    }
    assert!(server.alive(), "inlookup died");
    assert_eq!(server.child.id(), pid);
}

/// Reads one reply of a type-3 or type-1 query from the socket.
fn read_reply(s: &mut UnixStream, qtype: u8) -> Reply {
    let mut word = [0u8; 4];
    s.read_exact(&mut word).unwrap();
    let mut all = word.to_vec();
    let n = i32::from_ne_bytes(word);
    if qtype >= 3 && n > 0 {
        let mut payload = vec![0u8; n as usize];
        s.read_exact(&mut payload).unwrap();
        all.extend(payload);
    }
    Reply::decode(qtype, &all).unwrap()
}

#[test]
fn socket_frames_in_pieces_or_back_to_back_are_answered_in_order() {
    let env = setup().env("USE_BTREE", "1");
    add_users(&env, 3);
    let (mut server, _fifo, sock) = start(&env);
    let mut s = UnixStream::connect(&sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // one frame in three pieces, with pauses: the server waits for the whole of it
    let f = good_frame(3, b"user0@example.com");
    for part in [&f[..2], &f[2..9], &f[9..]] {
        s.write_all(part).unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(pw_name(&read_reply(&mut s, 3)), "user0");
    // three frames in one write (a miss, a hit, a miss of another type), the last one cut
    // in two: three replies, in order
    for _ in 0..2 {
        let mut all = good_frame(3, b"user1@example.com");
        all.extend(good_frame(3, b"user0@example.com"));
        let last = good_frame(1, b"user2@example.com");
        all.extend(&last[..5]);
        s.write_all(&all).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        s.write_all(&last[5..]).unwrap();
        assert_eq!(pw_name(&read_reply(&mut s, 3)), "user1");
        assert_eq!(pw_name(&read_reply(&mut s, 3)), "user0");
        assert_eq!(read_reply(&mut s, 1), Reply::Status(0));
    }
    assert!(server.alive());
    let (code, _) = server.stop();
    assert_eq!(code, Some(0));
}
