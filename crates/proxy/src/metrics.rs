//! Atomic counters the proxy updates on its hot path (relaxed increments, no
//! locks) and a Prometheus text rendering that the emulator and gateway can
//! serve as-is or merge into their own.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

macro_rules! metrics {
    ($( $(#[doc = $doc:literal])* $kind:ident $name:ident ),* $(,)?) => {
        /// Counters and gauges of one proxy (shared by all its sessions).
        #[derive(Debug, Default)]
        pub struct Metrics {
            $( $(#[doc = $doc])* pub $name: metrics!(@ty $kind), )*
        }

        impl Metrics {
            /// Prometheus text exposition; each name gets `prefix` + `_`.
            pub fn render(&self, prefix: &str) -> String {
                self.render_except(prefix, &[])
            }

            /// The same without the metrics named in `skip`: those a server
            /// does not use (the gateway has its own reservoir, not the
            /// proxy's pool) or exports under the same name itself — a
            /// name may appear only once in the exposition.
            pub fn render_except(&self, prefix: &str, skip: &[&str]) -> String {
                let mut out = String::new();
                $(
                    let help = concat!($($doc),*).trim();
                    let name = stringify!($name);
                    let kind = metrics!(@kind $kind);
                    if !skip.contains(&name) {
                        let _ = writeln!(out, "# HELP {prefix}_{name} {help}");
                        let _ = writeln!(out, "# TYPE {prefix}_{name} {kind}");
                        let _ = writeln!(out, "{prefix}_{name} {}", self.$name.load(Ordering::Relaxed));
                    }
                )*
                out
            }
        }
    };
    (@ty counter) => { AtomicU64 };
    (@ty gauge) => { AtomicI64 };
    (@kind counter) => { "counter" };
    (@kind gauge) => { "gauge" };
}

metrics! {
    /// Client connections accepted.
    counter client_connections_total,
    /// Client sessions open now.
    gauge client_sessions_active,
    /// Client TLS handshakes completed.
    counter client_tls_handshakes_total,
    /// Client connections closed for a protocol violation (bad length, garbage, unknown message).
    counter client_protocol_errors_total,
    /// Client authentications refused.
    counter client_auth_failures_total,
    /// Plaintext startups refused because TLS is required.
    counter client_tls_required_refusals_total,
    /// Upstream connections opened.
    counter upstream_connects_total,
    /// Upstream connection attempts that failed.
    counter upstream_connect_errors_total,
    /// Upstream connections idle in the pool.
    gauge upstream_idle,
    /// Checkouts served from an idle pooled connection.
    counter pool_reuses_total,
    /// Upstream connections rolled back / reset before reuse.
    counter pool_resets_total,
    /// Upstream connections discarded (broken, mid-protocol or failed reset).
    counter pool_discards_total,
    /// Upstream connections lost during a session.
    counter upstream_lost_total,
    /// Statements judged by the policy.
    counter statements_total,
    /// Statements rewritten by the policy.
    counter statements_rewritten_total,
    /// Statements refused by the policy.
    counter statements_refused_total,
    /// Requests resent after a retryable error (policy `retry_after`).
    counter statement_retries_total,
    /// Errors the upstream returned (excluding refusals).
    counter upstream_errors_total,
    /// Errors raised by the policy at CommandComplete.
    counter command_complete_errors_total,
    /// Sessions ended by a policy deadline.
    counter deadline_terminations_total,
    /// Cancel requests forwarded upstream.
    counter cancel_requests_total,
    /// Bytes relayed client → upstream.
    counter bytes_to_upstream_total,
    /// Bytes relayed upstream → client.
    counter bytes_to_client_total,
}

/// Shorthand for `fetch_add(1, Relaxed)` on counters.
pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        inc(&m.statements_total);
        m.client_sessions_active.fetch_add(2, Ordering::Relaxed);
        let text = m.render("dsql_proxy");
        assert!(text.contains("# TYPE dsql_proxy_statements_total counter\ndsql_proxy_statements_total 1\n"));
        assert!(text.contains("# TYPE dsql_proxy_client_sessions_active gauge\ndsql_proxy_client_sessions_active 2\n"));
        assert!(text.contains("# HELP dsql_proxy_statements_total Statements judged by the policy."));
    }
}
