//! Login throttling for indisrvr (servers.md Part 4, item 11).
//!
//! Failures are counted per source address and per (user, source address). After the n-th
//! failure the key may not try again for `base · 2^(n-1)` (capped); from `lock_after` failures
//! on it is locked out for `lock_time`. An attempt made too early is refused without looking at
//! the password (and without touching the database), answered exactly like a wrong password.
//! A success clears the (user, address) counter and the address counter. A user is never
//! locked out globally here, so an attacker on one address cannot keep the real administrator
//! out; attacks spread over many addresses meet the per-user counter in `mgmtaccess`.
//! Checks from one address run one at a time ([`Throttle::begin`]), so that a burst of parallel
//! guesses is judged after the first failure instead of all at once.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub base: Duration,
    pub max_delay: Duration,
    pub lock_after: u32,
    pub lock_time: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            base: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            lock_after: 5,
            lock_time: Duration::from_secs(900),
        }
    }
}

impl Policy {
    /// How long a key must wait after its `failures`-th failure.
    pub fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        if failures >= self.lock_after {
            // Each failure after the lockout doubles it (up to a day).
            let extra = (failures - self.lock_after).min(16);
            return self
                .lock_time
                .saturating_mul(1u32 << extra)
                .min(Duration::from_secs(86_400));
        }
        let factor = 1u32.checked_shl(failures - 1).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max_delay)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Addr(String),
    UserAddr(String, String),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    until: Instant,
}

/// What to do with an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Check,
    /// Too early after failures: refuse without checking; the time left.
    Throttled(Duration),
}

/// The shared throttle state of a server.
#[derive(Debug, Default)]
pub struct Throttle {
    pub policy: Policy,
    map: Mutex<HashMap<Key, Entry>>,
    inflight: Mutex<HashSet<String>>,
    turn: Condvar,
}

/// A password check in progress for one address (see [`Throttle::begin`]).
pub struct Turn<'a> {
    throttle: &'a Throttle,
    addr: String,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut f = self
            .throttle
            .inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        f.remove(&self.addr);
        self.throttle.turn.notify_all();
    }
}

const MAX_ENTRIES: usize = 100_000;

fn addr_key(addr: &str) -> String {
    // IPv4-mapped IPv6 addresses count as the IPv4 address.
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        Ok(v4) => v4.to_string(),
        Err(_) => addr.to_string(),
    }
}

impl Throttle {
    pub fn new(policy: Policy) -> Throttle {
        Throttle {
            policy,
            ..Throttle::default()
        }
    }

    /// Wait for this address's turn to have a password checked (one at a time per address,
    /// at most `wait`), then judge the attempt. `Ok` holds the turn until dropped.
    pub fn begin(&self, user: &str, addr: &str, wait: Duration) -> Result<Turn<'_>, Verdict> {
        let key = addr_key(addr);
        let deadline = Instant::now() + wait;
        let mut f = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        while f.contains(&key) {
            let now = Instant::now();
            if now >= deadline {
                return Err(Verdict::Throttled(Duration::ZERO));
            }
            f = self
                .turn
                .wait_timeout(f, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        match self.verdict(user, addr, Instant::now()) {
            Verdict::Check => {
                f.insert(key.clone());
                Ok(Turn {
                    throttle: self,
                    addr: key,
                })
            }
            v => Err(v),
        }
    }

    fn keys(user: &str, addr: &str) -> [Key; 2] {
        let a = addr_key(addr);
        [Key::Addr(a.clone()), Key::UserAddr(user.to_string(), a)]
    }

    pub fn verdict(&self, user: &str, addr: &str, now: Instant) -> Verdict {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Duration::ZERO;
        for k in Self::keys(user, addr) {
            if let Some(e) = map.get(&k) {
                if e.until > now {
                    wait = wait.max(e.until - now);
                }
            }
        }
        if wait.is_zero() {
            Verdict::Check
        } else {
            Verdict::Throttled(wait)
        }
    }

    /// Record a failed check; returns the failure count of the (user, address) key.
    pub fn failure(&self, user: &str, addr: &str, now: Instant) -> u32 {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            let horizon = self.policy.lock_time;
            map.retain(|_, e| e.until + horizon > now);
        }
        let mut count = 0;
        for k in Self::keys(user, addr) {
            let e = map.entry(k).or_insert(Entry {
                failures: 0,
                until: now,
            });
            e.failures = e.failures.saturating_add(1);
            e.until = now + self.policy.delay(e.failures);
            count = e.failures;
        }
        count
    }

    pub fn success(&self, user: &str, addr: &str) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        for k in Self::keys(user, addr) {
            map.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_lock() {
        let p = Policy::default();
        assert_eq!(p.delay(0), Duration::ZERO);
        assert_eq!(p.delay(1), Duration::from_secs(1));
        assert_eq!(p.delay(2), Duration::from_secs(2));
        assert_eq!(p.delay(4), Duration::from_secs(8));
        assert_eq!(p.delay(5), Duration::from_secs(900));
        assert_eq!(p.delay(6), Duration::from_secs(1800));
        assert_eq!(p.delay(40), Duration::from_secs(86_400));
    }

    #[test]
    fn failures_throttle_the_address_not_other_addresses() {
        let t = Throttle::new(Policy::default());
        let now = Instant::now();
        assert_eq!(t.verdict("admin", "10.0.0.1", now), Verdict::Check);
        t.failure("admin", "10.0.0.1", now);
        assert!(matches!(
            t.verdict("admin", "10.0.0.1", now),
            Verdict::Throttled(_)
        ));
        // Another user from the same address is throttled too (password spraying).
        assert!(matches!(
            t.verdict("other", "10.0.0.1", now),
            Verdict::Throttled(_)
        ));
        // The same user from another address is not.
        assert_eq!(t.verdict("admin", "10.0.0.2", now), Verdict::Check);
        assert_eq!(
            t.verdict("admin", "10.0.0.1", now + Duration::from_millis(1001)),
            Verdict::Check
        );
        // Mapped IPv6 counts as IPv4.
        assert!(matches!(
            t.verdict("admin", "::ffff:10.0.0.1", now),
            Verdict::Throttled(_)
        ));
        t.success("admin", "10.0.0.1");
        assert_eq!(t.verdict("admin", "10.0.0.1", now), Verdict::Check);
    }

    #[test]
    fn one_check_at_a_time_per_address() {
        let t = Throttle::new(Policy::default());
        let turn = t
            .begin("admin", "10.0.0.1", Duration::from_secs(1))
            .unwrap();
        assert!(t.begin("x", "10.0.0.1", Duration::from_millis(20)).is_err());
        assert!(t.begin("admin", "10.0.0.2", Duration::ZERO).is_ok());
        t.failure("admin", "10.0.0.1", Instant::now());
        drop(turn);
        // After the failure, the next attempt from there is throttled, not checked.
        assert!(matches!(
            t.begin("admin", "10.0.0.1", Duration::from_millis(20)),
            Err(Verdict::Throttled(_))
        ));
    }

    #[test]
    fn lockout_after_repeated_failures() {
        let t = Throttle::new(Policy::default());
        let mut now = Instant::now();
        for _ in 0..5 {
            now += Duration::from_secs(61);
            t.failure("admin", "10.0.0.1", now);
        }
        assert_eq!(
            t.verdict("admin", "10.0.0.1", now + Duration::from_secs(120)),
            Verdict::Throttled(Duration::from_secs(780))
        );
    }
}
