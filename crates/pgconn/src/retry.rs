//! Backoff between attempts: exponential with "equal jitter" (half fixed,
//! half random) so that many clients refused at once (53400) do not come
//! back in lock-step, while each still waits at least half the nominal delay.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with jitter, capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Nominal delay after the first failed attempt.
    pub initial: Duration,
    /// Largest nominal delay.
    pub max: Duration,
}

impl Default for Backoff {
    /// 100 ms doubling up to 5 s: the AWS connectors' guidance for DSQL.
    fn default() -> Self {
        Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(5) }
    }
}

impl Backoff {
    /// Nominal (un-jittered) delay after failed attempt number `attempt` (1-based).
    pub fn nominal(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }

    /// Delay to sleep after failed attempt `attempt`: in [nominal/2, nominal].
    pub fn delay(&self, attempt: u32) -> Duration {
        let nominal = self.nominal(attempt);
        let half = nominal / 2;
        let jitter_nanos = rand::thread_rng().gen_range(0..=half.as_nanos().min(u64::MAX as u128) as u64);
        half + Duration::from_nanos(jitter_nanos)
    }

    /// The longest total sleep `attempts` attempts can take (for timeouts).
    pub fn worst_case_total(&self, attempts: u32) -> Duration {
        (1..attempts).map(|a| self.nominal(a)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_stay_within_jitter_bounds() {
        let b = Backoff { initial: Duration::from_millis(100), max: Duration::from_millis(700) };
        assert_eq!(b.nominal(1), Duration::from_millis(100));
        assert_eq!(b.nominal(2), Duration::from_millis(200));
        assert_eq!(b.nominal(3), Duration::from_millis(400));
        assert_eq!(b.nominal(4), Duration::from_millis(700));
        assert_eq!(b.nominal(100), Duration::from_millis(700));
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..200 {
            let d = b.delay(3);
            assert!(d >= Duration::from_millis(200) && d <= Duration::from_millis(400), "{d:?}");
            distinct.insert(d);
        }
        assert!(distinct.len() > 10, "jitter should spread delays");
        assert_eq!(b.worst_case_total(4), Duration::from_millis(700));
    }
}
