//! When an upstream connection retires. DSQL closes every connection after
//! 60 minutes; retiring at base ± jitter (default 50 ± 5 min) replaces them
//! well before that and spreads the replacements so a fleet opened together
//! does not reconnect together. A connection is never handed out within
//! the guard window before its retirement, so a fresh session always has
//! at least `guard` of upstream life ahead of it.
//!
//! The jitter is derived from a hash of the connection's open time and a
//! per-process seed: the reservoir (retiring idle connections) and the
//! policy (ending a session whose upstream must retire) compute the same
//! instant without a shared table.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

/// The retirement schedule.
#[derive(Debug, Clone)]
pub struct Lifetime {
    pub base: Duration,
    pub jitter: Duration,
    pub guard: Duration,
    seed: RandomState,
}

impl Lifetime {
    pub fn new(base: Duration, jitter: Duration, guard: Duration) -> Lifetime {
        Lifetime { base, jitter, guard, seed: RandomState::new() }
    }

    /// When a connection opened at `opened` retires.
    pub fn retire_at(&self, opened: Instant) -> Instant {
        let jitter_ms = self.jitter.as_millis() as u64;
        if jitter_ms == 0 {
            return opened + self.base;
        }
        let offset = self.seed.hash_one(opened) % (2 * jitter_ms + 1);
        opened + self.base + Duration::from_millis(offset) - self.jitter
    }

    /// May a connection opened at `opened` start serving a client now?
    pub fn can_hand_out(&self, opened: Instant, now: Instant) -> bool {
        now + self.guard < self.retire_at(opened)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retirement_stays_within_base_plus_minus_jitter() {
        let l = Lifetime::new(Duration::from_secs(3000), Duration::from_secs(300), Duration::from_secs(60));
        let start = Instant::now();
        let mut seen = std::collections::HashSet::new();
        for i in 0..500 {
            let opened = start + Duration::from_millis(i * 7);
            let at = l.retire_at(opened);
            assert_eq!(at, l.retire_at(opened), "deterministic per connection");
            let life = at - opened;
            assert!(life >= Duration::from_secs(2700) && life <= Duration::from_secs(3300), "{life:?}");
            seen.insert(life.as_secs() / 60);
        }
        assert!(seen.len() > 5, "retirements are spread: {seen:?}");
        let opened = start;
        assert!(l.can_hand_out(opened, opened));
        assert!(!l.can_hand_out(opened, l.retire_at(opened) - Duration::from_secs(30)));
    }
}
