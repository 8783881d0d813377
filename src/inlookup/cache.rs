//! inlookup's answer cache (`USE_BTREE=1`): bounded, with a TTL, flushed on HUP and kept
//! current through the invalidation log ([`crate::flushlog`]).
//!
//! Entries are keyed by the exact query string and type (as the original) and grouped by the
//! lower-cased local part, the granularity of invalidation. An epoch counts invalidations:
//! an answer computed from the database is stored only if no invalidation happened since its
//! lookup began, so a reader that raced a writer's commit cannot put a stale row back.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{env_nonempty, env_or};
use crate::flushlog::Seen;
use crate::inquery::codec::{Reply, ALIAS_QUERY, HOST_QUERY, PWD_QUERY, USER_QUERY};

/// Default lifetime of a cache entry (the original's never expired).
pub const DEFAULT_CACHE_TTL: u64 = 60;
/// Default bound of the cache when `MAX_BTREE_COUNT` is unset or 0.
pub const DEFAULT_CACHE_MAX: usize = 100_000;

/// An answer as it goes on the wire (a hit is written as stored: no decoding, no copying).
pub type Encoded = Arc<[u8]>;

/// The answers about one exact query string, one slot per cacheable type.
type Slots = [Option<(Instant, Encoded)>; 4];
/// Keyed by the exact query string (looked up by `&[u8]`, without allocating).
type Bucket = HashMap<Vec<u8>, Slots>;

fn slot(qtype: u8) -> Option<usize> {
    match qtype {
        USER_QUERY => Some(0),
        PWD_QUERY => Some(1),
        ALIAS_QUERY => Some(2),
        HOST_QUERY => Some(3),
        _ => None,
    }
}

/// The lower-cased local part: borrowed when it is lower case already (the usual case).
fn local_of(key: &[u8]) -> Cow<'_, [u8]> {
    let end = key.iter().position(|&b| b == b'@').unwrap_or(key.len());
    let local = &key[..end];
    if local.iter().any(u8::is_ascii_uppercase) {
        Cow::Owned(local.to_ascii_lowercase())
    } else {
        Cow::Borrowed(local)
    }
}

pub struct Cache {
    map: HashMap<Vec<u8>, Bucket>,
    count: usize,
    max: usize,
    ttl: Duration,
    epoch: u64,
}

impl Cache {
    pub fn new(max: usize, ttl: Duration) -> Cache {
        Cache {
            map: HashMap::new(),
            count: 0,
            max: max.max(1),
            ttl,
            epoch: 0,
        }
    }

    pub fn from_env() -> Option<Cache> {
        if !env_or("USE_BTREE", "").starts_with('1') {
            return None;
        }
        let max = env_nonempty("MAX_BTREE_COUNT")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_CACHE_MAX);
        let ttl = env_nonempty("INLOOKUP_CACHE_TTL")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(DEFAULT_CACHE_TTL);
        Some(Cache::new(max, Duration::from_secs(ttl)))
    }

    /// Types the original cached: user status, password, alias list, host.
    pub fn cacheable(qtype: u8) -> bool {
        slot(qtype).is_some()
    }

    /// The invalidation count; pass it to [`Cache::put`].
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The encoded answer, if cached and not expired.
    pub fn get(&mut self, qtype: u8, key: &[u8]) -> Option<Encoded> {
        let i = slot(qtype)?;
        let local = local_of(key);
        let bucket = self.map.get_mut(local.as_ref())?;
        let slots = bucket.get_mut(key)?;
        match &slots[i] {
            Some((at, r)) if at.elapsed() < self.ttl => Some(Arc::clone(r)),
            Some(_) => {
                slots[i] = None;
                self.count -= 1;
                if slots.iter().all(Option::is_none) {
                    bucket.remove(key);
                    if bucket.is_empty() {
                        self.map.remove(local.as_ref());
                    }
                }
                None
            }
            None => None,
        }
    }

    /// Store a good answer (errors and not-found are retried next time) computed since
    /// `epoch` was read; `encoded` is `reply` as it goes on the wire.
    pub fn put(&mut self, qtype: u8, key: &[u8], reply: &Reply, encoded: &Encoded, epoch: u64) {
        let good = match reply {
            Reply::Status(s) => *s >= 0,
            Reply::Password(_) | Reply::Aliases(_) | Reply::Host(_) => true,
            _ => false,
        };
        let Some(i) = slot(qtype) else {
            return;
        };
        if !good || epoch != self.epoch {
            return;
        }
        if self.count >= self.max {
            let now = Instant::now();
            let ttl = self.ttl;
            let mut count = 0;
            for b in self.map.values_mut() {
                b.retain(|_, slots| {
                    for s in slots.iter_mut() {
                        if s.as_ref()
                            .is_some_and(|(at, _)| now.duration_since(*at) >= ttl)
                        {
                            *s = None;
                        }
                    }
                    let n = slots.iter().flatten().count();
                    count += n;
                    n > 0
                });
            }
            self.map.retain(|_, b| !b.is_empty());
            self.count = count;
            if self.count >= self.max {
                return;
            }
        }
        let old = self
            .map
            .entry(local_of(key).into_owned())
            .or_default()
            .entry(key.to_vec())
            .or_default()[i]
            .replace((Instant::now(), Arc::clone(encoded)));
        if old.is_none() {
            self.count += 1;
        }
    }

    /// Drop every answer about a local part (any domain).
    pub fn invalidate(&mut self, local: &[u8]) {
        self.epoch += 1;
        if let Some(b) = self.map.remove(local) {
            self.count -= b
                .values()
                .map(|s| s.iter().flatten().count())
                .sum::<usize>();
        }
    }

    pub fn clear(&mut self) {
        self.epoch += 1;
        self.map.clear();
        self.count = 0;
    }

    /// Apply what the invalidation log said.
    pub fn apply(&mut self, seen: Seen) {
        match seen {
            Seen::Nothing => {}
            Seen::All => self.clear(),
            Seen::Users(users) => users.iter().for_each(|u| self.invalidate(u)),
        }
    }

    /// How many more entries fit.
    pub fn room(&self) -> usize {
        self.max.saturating_sub(self.count)
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inquery::codec::LIMIT_QUERY;

    fn put(c: &mut Cache, qtype: u8, key: &[u8], r: &Reply, epoch: u64) {
        c.put(qtype, key, r, &Encoded::from(r.encode()), epoch);
    }

    fn get(c: &mut Cache, qtype: u8, key: &[u8]) -> Option<Reply> {
        c.get(qtype, key).map(|b| Reply::decode(qtype, &b).unwrap())
    }

    #[test]
    fn ttl_bound_flush_and_invalidation() {
        let mut c = Cache::new(2, Duration::from_millis(50));
        let e = c.epoch();
        put(&mut c, USER_QUERY, b"a", &Reply::Status(0), e);
        put(&mut c, USER_QUERY, b"b", &Reply::Status(-1), e); // errors are not cached
        put(&mut c, LIMIT_QUERY, b"c", &Reply::Status(0), e); // type not cached
        put(
            &mut c,
            PWD_QUERY,
            b"d",
            &Reply::NoSuchUser(b"d".to_vec()),
            e,
        );
        assert_eq!(c.len(), 1);
        put(&mut c, ALIAS_QUERY, b"a", &Reply::Aliases(vec![]), e);
        put(&mut c, HOST_QUERY, b"a", &Reply::Host(b"h".to_vec()), e);
        assert_eq!(c.len(), 2);
        assert_eq!(get(&mut c, USER_QUERY, b"a"), Some(Reply::Status(0)));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(get(&mut c, USER_QUERY, b"a"), None);
        c.clear();
        assert!(c.is_empty());

        let mut c = Cache::new(10, Duration::from_secs(60));
        let e = c.epoch();
        put(&mut c, USER_QUERY, b"Bob@X.org", &Reply::Status(0), e);
        put(&mut c, USER_QUERY, b"bob@alias.org", &Reply::Status(0), e);
        put(&mut c, USER_QUERY, b"carol@x.org", &Reply::Status(0), e);
        assert_eq!(c.len(), 3);
        c.apply(Seen::Users(vec![b"bob".to_vec()]));
        assert_eq!(c.len(), 1);
        assert_eq!(get(&mut c, USER_QUERY, b"Bob@X.org"), None);
        assert_eq!(
            get(&mut c, USER_QUERY, b"carol@x.org"),
            Some(Reply::Status(0))
        );
        // an answer looked up before an invalidation is not stored
        put(&mut c, USER_QUERY, b"bob@x.org", &Reply::Status(0), e);
        assert_eq!(get(&mut c, USER_QUERY, b"bob@x.org"), None);
        c.apply(Seen::All);
        assert!(c.is_empty());
    }
}
