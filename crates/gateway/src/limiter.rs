//! The token bucket every upstream open goes through. DSQL admits 100 new
//! connections per second per cluster with a burst of 1,000 (DSQL-FACTS);
//! `rate_share` divides that budget between N gateways in front of the
//! same cluster so that together they stay under it.
//!
//! Waiters are served in arrival order: the bucket sits behind tokio's
//! fair mutex, and the holder sleeps for its token while holding it.

use std::time::{Duration, Instant};

/// An async token bucket.
#[derive(Debug)]
pub struct RateLimiter {
    rate_per_sec: f64,
    burst: f64,
    bucket: tokio::sync::Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// `rate_per_sec` and `burst` are the cluster budget; each of
    /// `rate_share` gateways takes its fraction (at least one token of burst).
    pub fn new(rate_per_sec: f64, burst: u32, rate_share: u32) -> RateLimiter {
        let share = f64::from(rate_share.max(1));
        let burst = (f64::from(burst) / share).max(1.0);
        RateLimiter {
            rate_per_sec: (rate_per_sec / share).max(f64::MIN_POSITIVE),
            burst,
            bucket: tokio::sync::Mutex::new(Bucket { tokens: burst, last: Instant::now() }),
        }
    }

    pub fn rate_per_sec(&self) -> f64 {
        self.rate_per_sec
    }

    pub fn burst(&self) -> f64 {
        self.burst
    }

    /// Takes one token, waiting (FIFO) until there is one. Returns the wait.
    pub async fn acquire(&self) -> Duration {
        let started = Instant::now();
        let mut bucket = self.bucket.lock().await;
        self.refill(&mut bucket);
        if bucket.tokens < 1.0 {
            let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate_per_sec);
            tokio::time::sleep(wait).await;
            self.refill(&mut bucket);
        }
        bucket.tokens = (bucket.tokens - 1.0).max(0.0);
        started.elapsed()
    }

    fn refill(&self, bucket: &mut Bucket) {
        let now = Instant::now();
        let earned = now.duration_since(bucket.last).as_secs_f64() * self.rate_per_sec;
        bucket.tokens = (bucket.tokens + earned).min(self.burst);
        bucket.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn burst_then_steady_rate() {
        let limiter = RateLimiter::new(50.0, 5, 1);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(20), "the burst is immediate");
        for _ in 0..10 {
            limiter.acquire().await;
        }
        // 10 tokens at 50/s take 200 ms (minus the little refilled meanwhile).
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(180), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(400), "{elapsed:?}");
    }

    #[test]
    fn rate_share_divides_the_budget() {
        let limiter = RateLimiter::new(100.0, 1000, 4);
        assert_eq!(limiter.rate_per_sec(), 25.0);
        assert_eq!(limiter.burst(), 250.0);
        assert_eq!(RateLimiter::new(100.0, 2, 8).burst(), 1.0);
    }
}
