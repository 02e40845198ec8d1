//! [`Proxy`]: the accept loop and the life of one client session —
//! handshake, upstream checkout, startup answer, relay, and handing the
//! upstream back with the right [`Release`] verdict.

use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use wire::{Authentication, Backend, ErrorFields, TxStatus};

use crate::auth::Authenticator;
use crate::config::ProxyConfig;
use crate::error::UpstreamError;
use crate::handshake::{Outcome, handshake};
use crate::metrics::{Metrics, inc};
use crate::policy::{Policy, SessionPolicy};
use crate::pool::{Release, UpstreamPool};
use crate::relay::{End, Relay};
use crate::session_params;
use crate::state::SessionState;
use crate::upstream::{CancelTarget, send_cancel};

/// The proxy engine. Cheap to clone (shared state behind an `Arc`).
pub struct Proxy<A, U, P> {
    shared: Arc<Shared<A, U, P>>,
}

impl<A, U, P> Clone for Proxy<A, U, P> {
    fn clone(&self) -> Self {
        Proxy { shared: self.shared.clone() }
    }
}

struct Shared<A, U, P> {
    config: ProxyConfig,
    auth: A,
    pool: U,
    policy: P,
    metrics: Arc<Metrics>,
    /// Our BackendKeyData → the upstream session to cancel.
    cancels: Mutex<HashMap<(i32, i32), CancelTarget>>,
    next_pid: AtomicI32,
    keys: RandomState,
    /// Set once by [`Proxy::drain`]; every session watches it.
    drain: watch::Sender<bool>,
}

/// Decrements the active-session gauge however a session ends.
struct ActiveGuard<'a>(&'a Metrics);

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        self.0.client_sessions_active.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<A: Authenticator, U: UpstreamPool, P: Policy> Proxy<A, U, P> {
    pub fn new(config: ProxyConfig, auth: A, pool: U, policy: P, metrics: Arc<Metrics>) -> Self {
        Proxy {
            shared: Arc::new(Shared {
                config,
                auth,
                pool,
                policy,
                metrics,
                cancels: Mutex::new(HashMap::new()),
                next_pid: AtomicI32::new(1),
                keys: RandomState::new(),
                drain: watch::Sender::new(false),
            }),
        }
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.shared.metrics
    }

    pub fn pool(&self) -> &U {
        &self.shared.pool
    }

    pub fn policy(&self) -> &P {
        &self.shared.policy
    }

    /// Accepts clients forever, one task per connection.
    pub async fn serve(&self, listener: TcpListener) -> std::io::Result<()> {
        self.serve_until(listener, std::future::pending()).await
    }

    /// Starts draining: no new clients are accepted, and each session ends
    /// with FATAL 57P01 as soon as it is between transactions (a session in
    /// a transaction finishes it first). Callers wait for
    /// `client_sessions_active` to reach 0, as long as they can afford.
    pub fn drain(&self) {
        self.shared.drain.send_replace(true);
    }

    /// Accepts clients until `shutdown` completes or the proxy drains
    /// (running sessions go on).
    pub async fn serve_until(&self, listener: TcpListener, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        tokio::pin!(shutdown);
        let mut drain = self.shared.drain.subscribe();
        loop {
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = drain_started(&mut drain) => return Ok(()),
                accepted = listener.accept() => match accepted {
                    Ok((tcp, peer)) => {
                        let me = self.clone();
                        tokio::spawn(async move { me.handle(tcp, peer).await });
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
    }

    /// Runs one client connection to its end (for callers with their own accept loop).
    pub async fn handle(&self, tcp: TcpStream, peer: SocketAddr) {
        let s = &*self.shared;
        inc(&s.metrics.client_connections_total);
        s.metrics.client_sessions_active.fetch_add(1, Ordering::Relaxed);
        let _active = ActiveGuard(&s.metrics);
        let _ = tcp.set_nodelay(true);
        let outcome =
            tokio::time::timeout(s.config.handshake_timeout, handshake(tcp, peer, &s.config, &s.auth, &s.metrics))
                .await;
        let client = match outcome {
            Ok(Outcome::Ready(client)) => client,
            Ok(Outcome::Cancel { process_id, secret_key }) => return self.cancel(process_id, secret_key).await,
            Ok(Outcome::Closed) | Err(_) => return,
        };
        self.session(*client, peer).await;
    }

    async fn cancel(&self, process_id: i32, secret_key: i32) {
        let target = self.shared.cancels.lock().ok().and_then(|m| m.get(&(process_id, secret_key)).copied());
        if let Some(target) = target {
            inc(&self.shared.metrics.cancel_requests_total);
            if let Err(e) = send_cancel(target).await {
                tracing::debug!(error = %e, "forwarding cancel request failed");
            }
        }
    }

    async fn session(&self, client: crate::handshake::Authenticated, peer: SocketAddr) {
        let s = &*self.shared;
        let crate::handshake::Authenticated { mut stream, startup, identity, leftover, final_message } = client;
        let checkout = tokio::time::timeout(s.config.checkout_timeout, s.pool.checkout(&identity)).await;
        let mut upstream = match checkout {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return send_fatal(&mut stream, e.to_client_error()).await,
            Err(_) => {
                let e = UpstreamError::CheckoutTimeout(s.config.checkout_timeout);
                return send_fatal(&mut stream, e.to_client_error()).await;
            }
        };
        match session_params::apply(upstream.conn_mut(), &session_params::requested_settings(&startup)).await {
            Ok(None) => {}
            Ok(Some(error)) => {
                upstream.set_release(Release::Used { in_transaction: false });
                return send_fatal(&mut stream, error).await;
            }
            Err(e) => {
                let error =
                    ErrorFields::fatal("08006", format!("upstream failed while applying session settings: {e}"));
                return send_fatal(&mut stream, error).await;
            }
        }

        let mut state = SessionState::new(identity, peer);
        state.upstream_opened_at = Some(upstream.conn().opened_at);
        let mut policy = s.policy.session(&state);
        let mut params = upstream.conn().params.clone();
        policy.startup_parameters(&mut params);
        let (process_id, secret_key) = self.new_key();
        if let Some(target) = upstream.conn().cancel {
            if let Ok(mut m) = s.cancels.lock() {
                m.insert((process_id, secret_key), target);
            }
        }
        let mut hello = BytesMut::new();
        if let Some(m) = final_message {
            Backend::Authentication(m).encode(&mut hello);
        }
        Backend::Authentication(Authentication::Ok).encode(&mut hello);
        for (name, value) in params {
            Backend::ParameterStatus { name, value }.encode(&mut hello);
        }
        Backend::BackendKeyData { process_id, secret_key }.encode(&mut hello);
        Backend::ReadyForQuery(TxStatus::Idle).encode(&mut hello);

        let mut relay = Relay::new(policy, state, &s.metrics, s.config.max_message_len, s.config.max_buffered);
        relay.drain = Some(s.drain.subscribe());
        relay.to_client = hello;
        relay.client_in = leftover;
        let conn = upstream.conn_mut();
        relay.up_in = std::mem::take(&mut conn.read_buf);
        let (mut client_r, mut client_w) = tokio::io::split(stream);
        let (mut up_r, mut up_w) = tokio::io::split(&mut conn.stream);
        let end = relay.run(&mut client_r, &mut client_w, &mut up_r, &mut up_w).await;
        drop((up_r, up_w));

        for (name, value) in std::mem::take(&mut relay.param_updates) {
            conn.set_param(&name, &value);
        }
        let quiescent = relay.quiescent();
        // A client that vanished while its statement runs: cancel the
        // statement, else it runs on (PostgreSQL notices the closed socket
        // only when it writes) holding its locks and a backend.
        if matches!(end, End::ClientGone) && !quiescent {
            if let Some(target) = conn.cancel {
                inc(&s.metrics.cancel_requests_total);
                tokio::spawn(async move {
                    if let Err(e) = send_cancel(target).await {
                        tracing::debug!(error = %e, "cancelling the vanished client's statement failed");
                    }
                });
            }
        }
        conn.read_buf = std::mem::take(&mut relay.up_in);
        let release = match &end {
            End::UpstreamLost { .. } => Release::Broken,
            _ if quiescent => Release::Used { in_transaction: relay.state.status != TxStatus::Idle },
            _ => Release::Broken,
        };
        upstream.set_release(release);
        if let Ok(mut m) = s.cancels.lock() {
            m.remove(&(process_id, secret_key));
        }
        let last_words = match end {
            End::ClientGone => None,
            End::ClientProtocol(f) | End::Terminated(f) => Some(f),
            End::UpstreamLost { fatal_forwarded: true, .. } => None,
            End::UpstreamLost { reason, .. } => {
                tracing::debug!(%peer, %reason, "upstream lost");
                Some(ErrorFields::fatal("08006", format!("lost the upstream connection: {reason}")))
            }
        };
        let mut stream = client_r.unsplit(client_w);
        let mut tail = std::mem::take(&mut relay.to_client);
        if let Some(mut f) = last_words {
            f.set_severity(wire::Severity::Fatal);
            Backend::ErrorResponse(f).encode(&mut tail);
        }
        if !tail.is_empty() {
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                let _ = stream.write_all(&tail).await;
                let _ = stream.shutdown().await;
            })
            .await;
        }
    }

    fn new_key(&self) -> (i32, i32) {
        let pid = self.shared.next_pid.fetch_add(1, Ordering::Relaxed) & 0x3fff_ffff;
        let key = self.shared.keys.hash_one((pid, std::time::Instant::now())) as i32;
        (pid, key)
    }
}

/// Completes when the proxy starts draining (a `Ref` to the value must not
/// live across an await: it is not `Send`).
pub(crate) async fn drain_started(drain: &mut watch::Receiver<bool>) {
    let started = drain.wait_for(|d| *d).await.is_ok();
    if !started {
        std::future::pending::<()>().await;
    }
}

async fn send_fatal(stream: &mut crate::stream::ClientStream, fields: ErrorFields) {
    let mut out = BytesMut::new();
    Backend::ErrorResponse(fields).encode(&mut out);
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(&out)).await;
}
