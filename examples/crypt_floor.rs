//! The crypt floor: how many password hashes per second this machine makes
//! with our crate, on one core and on every core (used by benches/bulk.sh).
//!
//! `crypt_floor [SECONDS] [METHOD] [system]` prints `per_core=<h/s> all_cores=<h/s> cores=<n>`
//! (with `system`: the system's crypt(3), libxcrypt, which the original tools use);
//! `crypt_floor --hash PASSWORD [METHOD]` prints one hash.

use std::time::{Duration, Instant};

use indimail::passwd::{hash_password, make_salt, system_crypt, HashMethod};

fn rate(threads: usize, secs: f64, method: HashMethod, system: bool) -> f64 {
    let deadline = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut n = 0u64;
                    while start.elapsed() < deadline {
                        let pw = format!("Password-{t}-{n}");
                        if system {
                            system_crypt(pw.as_bytes(), &make_salt(method)).unwrap();
                        } else {
                            hash_password(pw.as_bytes(), method).unwrap();
                        }
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let method = |i: usize| {
        args.get(i)
            .and_then(|m| HashMethod::parse_option(m))
            .unwrap_or(HashMethod::Sha256)
    };
    if args.first().map(String::as_str) == Some("--hash") {
        let pw = args.get(1).expect("--hash PASSWORD");
        println!("{}", hash_password(pw.as_bytes(), method(2)).unwrap());
        return;
    }
    let secs: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let system = args.get(2).map(String::as_str) == Some("system");
    let one = rate(1, secs, method(1), system);
    let all = rate(cores, secs, method(1), system);
    println!("per_core={one:.0} all_cores={all:.0} cores={cores}");
}
