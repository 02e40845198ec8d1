//! The gateway's own metrics (reservoir, limiter, tokens, rewrites, OCC,
//! upstream errors by SQLSTATE, checkout latency histogram) and the
//! Prometheus text of everything, including the proxy engine's counters.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The proxy's metrics the gateway leaves out: its pool's (the gateway
/// keeps connections in its own reservoir, counted by the `upstream_*` and
/// `reservoir_*` metrics below) and `upstream_errors_total`, which the
/// gateway exports itself, by SQLSTATE.
const PROXY_METRICS_NOT_OURS: &[&str] = &[
    "upstream_connects_total",
    "upstream_connect_errors_total",
    "upstream_idle",
    "pool_reuses_total",
    "pool_resets_total",
    "pool_discards_total",
    "upstream_errors_total",
];

/// Metric name prefix of everything the gateway exports.
pub const PREFIX: &str = "dsql_gateway";

/// Upper bounds (seconds) of the checkout latency histogram: 50 µs to 10 s,
/// because a warm checkout is microseconds and a cold TLS + token open is
/// tens of milliseconds (hundreds when rate-limited).
const BUCKETS: [f64; 16] =
    [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A fixed-bucket latency histogram (lock-free).
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(d.as_micros() as u64, Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, c) in BUCKETS.iter().zip(&self.counts) {
            cumulative += c.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_micros.load(Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
    }
}

/// Everything the gateway counts beyond the proxy engine.
#[derive(Debug, Default)]
pub struct GatewayMetrics {
    /// The proxy engine's counters (client sessions, bytes, statements, …).
    pub proxy: Arc<proxy::Metrics>,
    pub upstream_open: AtomicI64,
    pub upstream_opening: AtomicI64,
    pub reservoir_idle: AtomicI64,
    pub reservoir_target: AtomicI64,
    pub checkout_waiting: AtomicI64,
    pub checkout_seconds: Histogram,
    pub checkout_timeouts_total: AtomicU64,
    pub upstream_opens_total: AtomicU64,
    pub upstream_open_errors_total: AtomicU64,
    pub upstream_retired_total: AtomicU64,
    pub upstream_trimmed_total: AtomicU64,
    pub upstream_rollbacks_total: AtomicU64,
    pub token_mints_total: AtomicU64,
    pub token_mint_errors_total: AtomicU64,
    pub limiter_waits_total: AtomicU64,
    pub limiter_wait_micros_total: AtomicU64,
    pub throttled_53400_total: AtomicU64,
    pub occ_conflicts_total: AtomicU64,
    pub occ_retries_total: AtomicU64,
    pub rewrites_for_share_total: AtomicU64,
    pub rewrites_for_no_key_update_total: AtomicU64,
    /// Upstream ErrorResponses by SQLSTATE (statements and opens).
    pub upstream_errors: Mutex<BTreeMap<String, u64>>,
    /// Whether the last upstream open succeeded (drives /readyz).
    pub upstream_ok: AtomicBool,
}

impl GatewayMetrics {
    pub fn upstream_error(&self, sqlstate: &str) {
        if let Ok(mut m) = self.upstream_errors.lock() {
            *m.entry(sqlstate.to_string()).or_default() += 1;
        }
    }

    pub fn errors_for(&self, sqlstate: &str) -> u64 {
        self.upstream_errors.lock().ok().and_then(|m| m.get(sqlstate).copied()).unwrap_or(0)
    }

    /// Prometheus text exposition of the gateway and its proxy engine.
    pub fn render(&self) -> String {
        let mut out = self.proxy.render_except(PREFIX, PROXY_METRICS_NOT_OURS);
        let p = PREFIX;
        let gauges: [(&str, &AtomicI64, &str); 5] = [
            ("upstream_connections", &self.upstream_open, "Upstream connections open now (idle + in use)."),
            ("upstream_connections_opening", &self.upstream_opening, "Upstream connections being opened now."),
            ("reservoir_idle", &self.reservoir_idle, "Warm upstream connections waiting in the reservoir."),
            (
                "reservoir_target",
                &self.reservoir_target,
                "Warm connections the reservoir aims to hold (all identities).",
            ),
            ("checkout_waiting", &self.checkout_waiting, "Clients waiting in line for an upstream connection."),
        ];
        for (name, v, help) in gauges {
            let _ = writeln!(out, "# HELP {p}_{name} {help}\n# TYPE {p}_{name} gauge\n{p}_{name} {}", v.load(Relaxed));
        }
        let counters: [(&str, &AtomicU64, &str); 15] = [
            (
                "checkout_timeouts_total",
                &self.checkout_timeouts_total,
                "Clients that gave up waiting for an upstream connection.",
            ),
            ("upstream_opens_total", &self.upstream_opens_total, "Upstream connections opened (TLS + auth)."),
            ("upstream_open_errors_total", &self.upstream_open_errors_total, "Upstream opens that failed."),
            (
                "upstream_retired_total",
                &self.upstream_retired_total,
                "Upstream connections closed at the end of their lifetime.",
            ),
            (
                "upstream_trimmed_total",
                &self.upstream_trimmed_total,
                "Idle upstream connections closed because more than the target stayed idle (after a burst).",
            ),
            (
                "upstream_rollbacks_total",
                &self.upstream_rollbacks_total,
                "Upstream transactions rolled back after a client left mid-transaction.",
            ),
            ("token_mints_total", &self.token_mints_total, "IAM auth tokens minted."),
            ("token_mint_errors_total", &self.token_mint_errors_total, "IAM auth token mints that failed."),
            (
                "limiter_waits_total",
                &self.limiter_waits_total,
                "Upstream opens that waited for the connection-rate limiter.",
            ),
            (
                "throttled_53400_total",
                &self.throttled_53400_total,
                "Upstream opens refused with 53400 (cluster rate limit) and retried.",
            ),
            (
                "occ_conflicts_total",
                &self.occ_conflicts_total,
                "Statements that failed with 40001 (optimistic concurrency conflict).",
            ),
            ("occ_retries_total", &self.occ_retries_total, "Statements retried after a 40001."),
            ("rewrites_total{rule=\"for_share\"}", &self.rewrites_for_share_total, ""),
            ("rewrites_total{rule=\"for_no_key_update\"}", &self.rewrites_for_no_key_update_total, ""),
            (
                "limiter_wait_seconds_total",
                &self.limiter_wait_micros_total,
                "Time upstream opens spent waiting for the limiter.",
            ),
        ];
        for (name, v, help) in counters {
            let value = v.load(Relaxed);
            if name.starts_with("rewrites_total{rule=\"for_share") {
                let _ = writeln!(
                    out,
                    "# HELP {p}_rewrites_total Statements whose locking clause was rewritten, by rule.\n# TYPE {p}_rewrites_total counter"
                );
            }
            if help.is_empty() {
                let _ = writeln!(out, "{p}_{name} {value}");
            } else if name == "limiter_wait_seconds_total" {
                let _ = writeln!(
                    out,
                    "# HELP {p}_{name} {help}\n# TYPE {p}_{name} counter\n{p}_{name} {}",
                    value as f64 / 1e6
                );
            } else {
                let _ = writeln!(out, "# HELP {p}_{name} {help}\n# TYPE {p}_{name} counter\n{p}_{name} {value}");
            }
        }
        self.checkout_seconds.render(
            &mut out,
            &format!("{p}_checkout_seconds"),
            "Time from client login to an upstream connection in hand.",
        );
        let _ = writeln!(
            out,
            "# HELP {p}_upstream_errors_total Upstream errors by SQLSTATE.\n# TYPE {p}_upstream_errors_total counter"
        );
        if let Ok(m) = self.upstream_errors.lock() {
            for (code, n) in m.iter() {
                let _ = writeln!(out, "{p}_upstream_errors_total{{sqlstate=\"{code}\"}} {n}");
            }
        }
        let ready = u8::from(self.upstream_ok.load(Relaxed));
        let _ = writeln!(
            out,
            "# HELP {p}_ready 1 when the last upstream open succeeded.\n# TYPE {p}_ready gauge\n{p}_ready {ready}"
        );
        out
    }
}

/// `fetch_add(1)` on a counter.
pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_metric_name_is_declared_once() {
        let m = GatewayMetrics::default();
        m.upstream_error("53300");
        let text = m.render();
        let mut seen = std::collections::HashSet::new();
        for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
            let name = line.split_whitespace().nth(2).unwrap_or_default();
            assert!(seen.insert(name.to_string()), "{name} declared twice:\n{text}");
        }
        // Nothing the gateway never updates (the proxy's pool is not used here).
        assert!(!text.contains("pool_reuses_total"), "{text}");
    }

    #[test]
    fn renders_histogram_and_labelled_counters() {
        let m = GatewayMetrics::default();
        m.checkout_seconds.observe(Duration::from_micros(80));
        m.checkout_seconds.observe(Duration::from_millis(30));
        m.upstream_error("40001");
        m.upstream_error("40001");
        inc(&m.rewrites_for_share_total);
        let text = m.render();
        assert!(text.contains("dsql_gateway_checkout_seconds_bucket{le=\"0.0001\"} 1\n"), "{text}");
        assert!(text.contains("dsql_gateway_checkout_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("dsql_gateway_checkout_seconds_count 2\n"));
        assert!(text.contains("dsql_gateway_upstream_errors_total{sqlstate=\"40001\"} 2\n"));
        assert!(text.contains("dsql_gateway_rewrites_total{rule=\"for_share\"} 1\n"));
        assert!(text.contains("dsql_gateway_client_sessions_active 0\n"));
        assert_eq!(text.matches("# TYPE dsql_gateway_rewrites_total counter").count(), 1);
    }
}
