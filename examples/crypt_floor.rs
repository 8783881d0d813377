//! The crypt floor: how many password hashes per second this machine makes
//! with our crate, on one core and on every core (used by benches/bulk.sh).
//!
//! `crypt_floor [SECONDS] [METHOD] [system|multi]` prints `per_core=<h/s> all_cores=<h/s> cores=<n>`
//! (with `system`: the system's crypt(3), libxcrypt, which the original tools use; with `multi`:
//! `hash_passwords`, several passwords at a time per core as vbulk hashes them);
//! `crypt_floor --compare [SECONDS]` prints SHA-256-crypt hashes/s on one core of the `sha_crypt`
//! crate, our one-password hasher and the multi-buffer one with groups of 1 to `HASH_GROUP`
//! passwords, measured in short slices taking turns so that the machine's load hits them alike;
//! `crypt_floor --hash PASSWORD [METHOD]` prints one hash.

use std::time::{Duration, Instant};

use indimail::passwd::{
    hash_password, hash_passwords, make_salt, system_crypt, HashMethod, HASH_GROUP,
};

#[derive(Clone, Copy, PartialEq)]
enum Hasher {
    Ours,
    System,
    Multi,
}

fn rate(threads: usize, secs: f64, method: HashMethod, hasher: Hasher) -> f64 {
    let deadline = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut n = 0u64;
                    while start.elapsed() < deadline {
                        let pw = format!("Password-{t}-{n}");
                        match hasher {
                            Hasher::System => {
                                system_crypt(pw.as_bytes(), &make_salt(method)).unwrap();
                            }
                            Hasher::Ours => {
                                hash_password(pw.as_bytes(), method).unwrap();
                            }
                            Hasher::Multi => {
                                n += multi(&pw, HASH_GROUP, method) - 1;
                            }
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

/// Hash `group` passwords derived from `pw` together; returns how many.
fn multi(pw: &str, group: usize, method: HashMethod) -> u64 {
    let pws: Vec<String> = (0..group).map(|i| format!("{pw}-{i}")).collect();
    let refs: Vec<&[u8]> = pws.iter().map(|p| p.as_bytes()).collect();
    for h in hash_passwords(&refs, method) {
        h.unwrap();
    }
    group as u64
}

/// One core, SHA-256-crypt ($5$, 5000 rounds, 16-char salt): the contenders take turns in
/// slices of 0.25 s until `secs` are used up; prints each one's hashes/s and its ratio to
/// the `sha_crypt` crate.
fn compare(secs: f64) {
    let names: Vec<String> = ["sha_crypt".to_string(), "scalar".to_string()]
        .into_iter()
        .chain((1..=HASH_GROUP).map(|g| format!("multi{g}")))
        .collect();
    let mut count = vec![0u64; names.len()];
    let mut time = vec![0f64; names.len()];
    let params = sha_crypt::Sha256Params::new(5000).unwrap();
    let slice = Duration::from_millis(250);
    let total = Instant::now();
    let mut n = 0u64;
    while total.elapsed().as_secs_f64() < secs {
        for (k, (c, t)) in count.iter_mut().zip(&mut time).enumerate() {
            let start = Instant::now();
            while start.elapsed() < slice {
                let pw = format!("Password-{n}");
                n += 1;
                *c += match k {
                    0 => {
                        let salt = make_salt(HashMethod::Sha256);
                        sha_crypt::sha256_crypt_b64(
                            pw.as_bytes(),
                            &salt.as_bytes()[3..19],
                            &params,
                        )
                        .unwrap();
                        1
                    }
                    1 => {
                        hash_password(pw.as_bytes(), HashMethod::Sha256).unwrap();
                        1
                    }
                    g => multi(&pw, g - 1, HashMethod::Sha256),
                };
            }
            *t += start.elapsed().as_secs_f64();
        }
    }
    let rate: Vec<f64> = count
        .iter()
        .zip(&time)
        .map(|(c, t)| *c as f64 / t)
        .collect();
    let line: Vec<String> = names
        .iter()
        .zip(&rate)
        .map(|(name, r)| format!("{name}={r:.0} ({:.2}x)", r / rate[0]))
        .collect();
    println!("{}", line.join(" "));
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
    if args.first().map(String::as_str) == Some("--compare") {
        compare(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10.0));
        return;
    }
    let secs: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let hasher = match args.get(2).map(String::as_str) {
        Some("system") => Hasher::System,
        Some("multi") => Hasher::Multi,
        _ => Hasher::Ours,
    };
    let one = rate(1, secs, method(1), hasher);
    let all = rate(cores, secs, method(1), hasher);
    println!("per_core={one:.0} all_cores={all:.0} cores={cores}");
}
