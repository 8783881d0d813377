//! Password-lookup throughput and latency (used by benches/inlookup.sh, docs/benchmarks.md).
//!
//! `inlookup_bench FIFO USERS DOMAIN [SECONDS]` with the IndiMail environment of a running
//! `inlookup -f FIFO` (USE_BTREE=1, a cache big enough for USERS) whose users are
//! `u0 … u<USERS-1>@DOMAIN`. For 1, 8 and 64 concurrent in-process clients it measures
//! password queries per second and p50/p99 latency of:
//!
//! * `mysql`: direct MySQL (one connection per client, our `answer()` as inquery() without
//!   QUERY_CACHE does it);
//! * `mysql-cold` (only when named in `INLOOKUP_BENCH_MODES`): the same for users not asked
//!   before, the users a miss asks for;
//! * `miss-fifo`, `miss-sock`: inlookup, every query for a user not asked before;
//! * `hit-fifo`, `hit-sock`: inlookup, users already in its cache;
//! * `floor-fifo`: a server in this process answering a constant through the same FIFO
//!   exchange (read the request, check and open the reply FIFO, write the reply, unlink the
//!   FIFO) — the cost of the transport alone;
//! * `floor-fifo-pw` (only when named): the same server answering a constant password
//!   record (that of the first user) to a password query — the exchange of a hit, with
//!   the same request and reply sizes and the same decoding in the client;
//! * `floor-sock`: the same over a UNIX socket: a server in this process, one thread per
//!   persistent connection blocked in `read`, answering every whole frame with a constant —
//!   what the socket exchange and the scheduler cost without inlookup.
//!
//! `INLOOKUP_BENCH_MODES` (comma-separated mode names) and `INLOOKUP_BENCH_CLIENTS`
//! (comma-separated counts) restrict a run, e.g. for A/B runs of two servers in turn.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indimail::config::Config;
use indimail::db::Db;
use indimail::inquery::answer::answer;
use indimail::inquery::client::{fifo_query, socket_path, socket_query};
use indimail::inquery::codec::{Reply, Request, PIPE_BUF, PWD_QUERY};

/// Which user the next query asks for (None: no more).
type Next = Arc<dyn Fn() -> Option<usize> + Send + Sync>;
/// One query for a user; true if the answer was right. The Db is the client's own.
type Query = Arc<dyn Fn(usize, &mut Option<Db>) -> bool + Send + Sync>;

struct Result_ {
    qps: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

/// Run `clients` threads for `secs` (or until `next` runs dry); each query is `f(user)`.
fn measure(clients: usize, secs: f64, next: Next, f: Query) -> Result_ {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..clients)
            .map(|_| {
                let (next, f) = (Arc::clone(&next), Arc::clone(&f));
                s.spawn(move || {
                    let mut lat = Vec::new();
                    let mut errors = 0;
                    let mut db = None;
                    while Instant::now() < deadline {
                        let Some(u) = next() else { break };
                        let t0 = Instant::now();
                        if !f(u, &mut db) {
                            errors += 1;
                        }
                        lat.push(t0.elapsed());
                    }
                    (lat, errors)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut all: Vec<Duration> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    let errors = results.iter().map(|r| r.1).sum();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Result_ {
        qps: all.len() as f64 / elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
        errors,
    }
}

fn is_pw(r: &Reply) -> bool {
    matches!(r, Reply::Password(_))
}

/// The floor server: one thread, the FIFO exchange of inlookup, a constant answer (the
/// reply `constant`, encoded).
fn floor_server(fifo: PathBuf, reply_dir: PathBuf, stop: Arc<AtomicBool>, constant: Vec<u8>) {
    let _ = std::fs::remove_file(&fifo);
    indimail::sys::mkfifo(&fifo, 0o660).unwrap();
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let want = std::fs::canonicalize(&reply_dir).unwrap();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let mut word = [0u8; 4];
            if f.read_exact(&mut word).is_err() {
                return;
            }
            let n = i32::from_ne_bytes(word);
            if n < 2 || n as usize > PIPE_BUF {
                continue;
            }
            let mut body = vec![0u8; n as usize];
            if f.read_exact(&mut body).is_err() {
                return;
            }
            let Ok(req) = Request::decode_body(&body) else {
                continue;
            };
            use std::os::unix::ffi::OsStrExt;
            let path = Path::new(std::ffi::OsStr::from_bytes(&req.fifo));
            // the same checks as inlookup's (the configured directory as written needs no
            // resolving)
            let ok = path.parent().is_some_and(|p| {
                reply_dir.components().eq(p.components())
                    || std::fs::canonicalize(p).is_ok_and(|d| d == want)
            }) && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo());
            if !ok {
                continue;
            }
            let Ok(mut out): Result<File, _> = OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
                .open(path)
            else {
                continue;
            };
            // written, then unlinked, as inlookup does
            let _ = out.write_all(&constant);
            let _ = std::fs::remove_file(path);
        }
    });
}

/// The socket floor server: a thread per connection, blocking reads, whole frames (the
/// same length checks as inlookup's) answered with a constant in one write each.
fn floor_sock_server(path: PathBuf) {
    let _ = std::fs::remove_file(&path);
    let l = UnixListener::bind(&path).unwrap();
    let constant = Reply::Status(0).encode();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s): Result<UnixStream, _> = s else {
                continue;
            };
            let constant = constant.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; PIPE_BUF + 4];
                let (mut start, mut end) = (0, 0);
                loop {
                    buf.copy_within(start..end, 0);
                    end -= start;
                    start = 0;
                    match s.read(&mut buf[end..]) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => end += n,
                    }
                    while end - start >= 4 {
                        let w = &buf[start..start + 4];
                        let n = i32::from_ne_bytes([w[0], w[1], w[2], w[3]]);
                        if n < 2 || n as usize > PIPE_BUF {
                            return;
                        }
                        if end - start < 4 + n as usize {
                            break;
                        }
                        if Request::decode_body(&buf[start + 4..start + 4 + n as usize]).is_err() {
                            return;
                        }
                        start += 4 + n as usize;
                        if s.write_all(&constant).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: inlookup_bench FIFO USERS DOMAIN [SECONDS]");
        std::process::exit(100);
    }
    let fifo = PathBuf::from(&args[1]);
    let users: usize = args[2].parse().unwrap();
    let domain = args[3].clone();
    let secs: f64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let cfg = Arc::new(Config::from_env());
    let sock = socket_path(&fifo);
    let email = {
        let d = domain.clone();
        Arc::new(move |u: usize| format!("u{u}@{d}"))
    };
    // users [0, HOT) are the cache-hit set, filled first; misses walk up from HOT
    const HOT: usize = 1000;
    for u in 0..HOT {
        let r = socket_query(&cfg, &sock, PWD_QUERY, &email(u), "").unwrap();
        assert!(is_pw(&r), "u{u}: {r:?}");
    }
    let miss_next = Arc::new(AtomicUsize::new(HOT));
    let floor_fifo = fifo.with_file_name("floorfifo");
    let floor_sock = fifo.with_file_name("floorsock");
    floor_sock_server(floor_sock.clone());
    let stop = Arc::new(AtomicBool::new(false));
    // The reply directory of the clients (and of inlookup), as the FIFO floor must
    // pay the same file system's costs.
    let reply_dir = std::env::var_os("FIFOTMPDIR").unwrap_or_else(|| "/tmp/".into());
    floor_server(
        floor_fifo.clone(),
        PathBuf::from(&reply_dir),
        Arc::clone(&stop),
        Reply::Status(0).encode(),
    );
    let floor_pw = fifo.with_file_name("floorpw");
    floor_server(
        floor_pw.clone(),
        PathBuf::from(&reply_dir),
        Arc::clone(&stop),
        socket_query(&cfg, &sock, PWD_QUERY, &email(0), "")
            .unwrap()
            .encode(),
    );

    let list = |name: &str| -> Option<Vec<String>> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
    };
    let modes = list("INLOOKUP_BENCH_MODES");
    let counts: Vec<usize> = list("INLOOKUP_BENCH_CLIENTS")
        .map(|v| v.iter().filter_map(|c| c.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 8, 64]);
    println!("mode\tclients\tqueries/s\tp50_us\tp99_us\terrors");
    for clients in counts {
        let hot_counter = Arc::new(AtomicUsize::new(0));
        let hot: Next = {
            let c = Arc::clone(&hot_counter);
            Arc::new(move || Some(c.fetch_add(1, Ordering::Relaxed) % HOT))
        };
        let miss: Next = {
            let c = Arc::clone(&miss_next);
            Arc::new(move || {
                let u = c.fetch_add(1, Ordering::Relaxed);
                (u < users).then_some(u)
            })
        };
        // direct MySQL: `answer()` on the client's own connection, as inquery() without
        // QUERY_CACHE asks
        let direct = || -> Query {
            let (cfg, email) = (Arc::clone(&cfg), Arc::clone(&email));
            Arc::new(move |u, db: &mut Option<Db>| {
                if db.is_none() {
                    *db = Db::open(&cfg).ok();
                }
                db.as_mut()
                    .is_some_and(|d| is_pw(&answer(&cfg, d, PWD_QUERY, &email(u), "")))
            })
        };
        let runs: Vec<(&str, Next, Query)> = vec![
            ("mysql", Arc::clone(&hot), direct()),
            // direct MySQL over users not asked before, as the misses ask them (run only
            // when named: it uses up users the miss modes would ask)
            ("mysql-cold", Arc::clone(&miss), direct()),
            ("floor-fifo", Arc::clone(&hot), {
                let (cfg, f) = (Arc::clone(&cfg), floor_fifo.clone());
                Arc::new(move |_, _: &mut Option<Db>| {
                    fifo_query(&cfg, &f, 1, "x@y", "", None).is_ok_and(|r| r == Reply::Status(0))
                })
            }),
            ("floor-fifo-pw", Arc::clone(&hot), {
                let (cfg, email, f) = (Arc::clone(&cfg), Arc::clone(&email), floor_pw.clone());
                Arc::new(move |u, _: &mut Option<Db>| {
                    fifo_query(&cfg, &f, PWD_QUERY, &email(u), "", None).is_ok_and(|r| is_pw(&r))
                })
            }),
            ("floor-sock", Arc::clone(&hot), {
                let (cfg, s) = (Arc::clone(&cfg), floor_sock.clone());
                Arc::new(move |_, _: &mut Option<Db>| {
                    socket_query(&cfg, &s, 1, "x@y", "").is_ok_and(|r| r == Reply::Status(0))
                })
            }),
            ("hit-fifo", Arc::clone(&hot), {
                let (cfg, email, f) = (Arc::clone(&cfg), Arc::clone(&email), fifo.clone());
                Arc::new(move |u, _: &mut Option<Db>| {
                    fifo_query(&cfg, &f, PWD_QUERY, &email(u), "", None).is_ok_and(|r| is_pw(&r))
                })
            }),
            ("hit-sock", Arc::clone(&hot), {
                let (cfg, email, s) = (Arc::clone(&cfg), Arc::clone(&email), sock.clone());
                Arc::new(move |u, _: &mut Option<Db>| {
                    socket_query(&cfg, &s, PWD_QUERY, &email(u), "").is_ok_and(|r| is_pw(&r))
                })
            }),
            ("miss-fifo", Arc::clone(&miss), {
                let (cfg, email, f) = (Arc::clone(&cfg), Arc::clone(&email), fifo.clone());
                Arc::new(move |u, _: &mut Option<Db>| {
                    fifo_query(&cfg, &f, PWD_QUERY, &email(u), "", None).is_ok_and(|r| is_pw(&r))
                })
            }),
            ("miss-sock", Arc::clone(&miss), {
                let (cfg, email, s) = (Arc::clone(&cfg), Arc::clone(&email), sock.clone());
                Arc::new(move |u, _: &mut Option<Db>| {
                    socket_query(&cfg, &s, PWD_QUERY, &email(u), "").is_ok_and(|r| is_pw(&r))
                })
            }),
        ];
        for (name, next, f) in runs {
            let named = modes.as_ref().map(|m| m.iter().any(|m| m == name));
            let on_demand = ["mysql-cold", "floor-fifo-pw"];
            if named == Some(false) || (named.is_none() && on_demand.contains(&name)) {
                continue;
            }
            let r = measure(clients, secs, next, f);
            println!(
                "{name}\t{clients}\t{:.0}\t{}\t{}\t{}",
                r.qps,
                r.p50.as_micros(),
                r.p99.as_micros(),
                r.errors
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = std::fs::remove_file(&floor_fifo);
    let _ = std::fs::remove_file(&floor_sock);
}
