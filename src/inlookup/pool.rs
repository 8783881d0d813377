//! A small pool of MySQL connections shared by inlookup's threads. A connection that gave
//! an error is dropped (the next query opens a new one), so the server rides out a database
//! restart without being restarted itself. HUP and INT close every connection.

use std::sync::{Condvar, Mutex};

use crate::config::Config;
use crate::db::{Db, DbResult};

pub struct Pool {
    cfg: Config,
    max: usize,
    inner: Mutex<Inner>,
    ready: Condvar,
}

struct Inner {
    idle: Vec<Db>,
    /// Connections idle or in use.
    open: usize,
    /// Bumped by [`Pool::close_all`]: connections of an older generation are not reused.
    generation: u64,
    /// Threads waiting for a connection (only then is a return signalled: a system call).
    waiting: usize,
}

/// A connection taken from the pool.
pub struct Lease {
    pub db: Db,
    generation: u64,
}

impl Pool {
    pub fn new(cfg: Config, max: usize) -> Pool {
        Pool {
            cfg,
            max: max.max(1),
            inner: Mutex::new(Inner {
                idle: Vec::new(),
                open: 0,
                generation: 0,
                waiting: 0,
            }),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle connection, a new one while fewer than `max` are open, or wait for one.
    pub fn take(&self) -> DbResult<Lease> {
        let mut g = self.lock();
        loop {
            if let Some(db) = g.idle.pop() {
                return Ok(Lease {
                    db,
                    generation: g.generation,
                });
            }
            if g.open < self.max {
                g.open += 1;
                let generation = g.generation;
                drop(g);
                return match Db::open(&self.cfg) {
                    Ok(db) => Ok(Lease { db, generation }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.ready.notify_one();
                        Err(e)
                    }
                };
            }
            g.waiting += 1;
            g = self.ready.wait(g).unwrap_or_else(|p| p.into_inner());
            g.waiting -= 1;
        }
    }

    /// Return a connection; `healthy` false (it gave an error) closes it.
    pub fn give(&self, lease: Lease, healthy: bool) {
        let mut g = self.lock();
        if healthy && lease.generation == g.generation {
            g.idle.push(lease.db);
        } else {
            g.open -= 1;
        }
        let waiting = g.waiting > 0;
        drop(g);
        if waiting {
            self.ready.notify_one();
        }
    }

    /// Close every idle connection; those in use are closed when returned.
    pub fn close_all(&self) {
        let mut g = self.lock();
        let n = g.idle.len();
        g.idle.clear();
        g.open -= n;
        g.generation += 1;
        drop(g);
        self.ready.notify_all();
    }
}
