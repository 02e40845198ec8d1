//! Session pooling: a client session checks out one upstream session and
//! holds it until it ends. Checkout returns a [`PooledConn`] guard; dropping
//! it hands the connection back with a [`Release`] verdict, so no path (error,
//! panic, client vanishing) can leak a connection or return a dirty one.
//!
//! [`UpstreamPool`] is the seam: [`SessionPool`] is the simple pool used by
//! the emulator; the gateway can plug in its reservoir (pre-opened
//! connections, lifetimes, rate limit) behind the same trait.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::auth::Identity;
use crate::error::UpstreamError;
use crate::metrics::{Metrics, inc};
use crate::upstream::{Connector, UpstreamConn, is_alive, reset};

/// How a session left its upstream connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Never used by a client: reusable as is.
    Unused,
    /// Used and quiescent (no answer pending); `in_transaction` if the client
    /// left a transaction open, which must be rolled back before reuse.
    Used { in_transaction: bool },
    /// Mid-protocol, lost, or otherwise untrustworthy: close it.
    Broken,
}

/// Receives connections back from [`PooledConn`] guards.
pub trait ReturnConn: Send + Sync + 'static {
    fn give_back(&self, conn: UpstreamConn, release: Release);
}

/// A checked-out upstream connection; returned (or discarded) on drop.
pub struct PooledConn {
    conn: Option<UpstreamConn>,
    home: Option<Arc<dyn ReturnConn>>,
    release: Release,
    /// True if this connection served an earlier session.
    pub reused: bool,
}

impl PooledConn {
    /// A guard that returns `conn` to `home` on drop (`None`: close it).
    /// Starts as [`Release::Broken`] so a session that dies before saying
    /// otherwise never returns a connection in an unknown state.
    pub fn new(conn: UpstreamConn, home: Option<Arc<dyn ReturnConn>>, reused: bool) -> PooledConn {
        PooledConn { conn: Some(conn), home, release: Release::Broken, reused }
    }

    pub fn set_release(&mut self, release: Release) {
        self.release = release;
    }

    pub fn conn(&self) -> &UpstreamConn {
        // Invariant: `conn` is only taken in `drop`.
        self.conn.as_ref().expect("connection present until drop")
    }

    pub fn conn_mut(&mut self) -> &mut UpstreamConn {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for PooledConn {
    fn drop(&mut self) {
        if let (Some(conn), Some(home)) = (self.conn.take(), self.home.take()) {
            home.give_back(conn, self.release);
        }
    }
}

/// Hands out upstream sessions for an identity.
pub trait UpstreamPool: Send + Sync + 'static {
    fn checkout(&self, identity: &Identity) -> impl Future<Output = Result<PooledConn, UpstreamError>> + Send;
}

/// Settings of [`SessionPool`].
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Idle connections kept per (user, database); extra ones are closed.
    pub max_idle_per_identity: usize,
    /// Run before reuse, after any rollback; `None` keeps session state
    /// (only safe if every client is the same application).
    pub reset_query: Option<String>,
    pub reset_timeout: Duration,
    /// Connections older than this are closed instead of reused.
    pub max_lifetime: Option<Duration>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_idle_per_identity: 64,
            reset_query: Some("DISCARD ALL".into()),
            reset_timeout: Duration::from_secs(5),
            max_lifetime: None,
        }
    }
}

/// A per-identity LIFO pool of idle upstream sessions over a [`Connector`].
pub struct SessionPool<C> {
    inner: Arc<PoolInner<C>>,
}

impl<C> Clone for SessionPool<C> {
    fn clone(&self) -> Self {
        SessionPool { inner: self.inner.clone() }
    }
}

struct PoolInner<C> {
    connector: C,
    config: PoolConfig,
    metrics: Arc<Metrics>,
    idle: Mutex<HashMap<Identity, Vec<UpstreamConn>>>,
    me: Weak<PoolInner<C>>,
}

impl<C: Connector> SessionPool<C> {
    pub fn new(connector: C, config: PoolConfig, metrics: Arc<Metrics>) -> SessionPool<C> {
        SessionPool {
            inner: Arc::new_cyclic(|me| PoolInner {
                connector,
                config,
                metrics,
                idle: Mutex::new(HashMap::new()),
                me: me.clone(),
            }),
        }
    }

    /// Idle connections held now (all identities).
    pub fn idle_count(&self) -> usize {
        self.inner.idle.lock().map(|m| m.values().map(Vec::len).sum()).unwrap_or(0)
    }

    pub fn connector(&self) -> &C {
        &self.inner.connector
    }
}

impl<C: Connector> PoolInner<C> {
    fn expired(&self, conn: &UpstreamConn) -> bool {
        self.config.max_lifetime.is_some_and(|max| conn.opened_at.elapsed() >= max)
    }

    fn take_idle(&self, identity: &Identity) -> Option<UpstreamConn> {
        let mut idle = self.idle.lock().ok()?;
        let list = idle.get_mut(identity)?;
        while let Some(conn) = list.pop() {
            self.metrics.upstream_idle.fetch_sub(1, Ordering::Relaxed);
            if is_alive(&conn) && !self.expired(&conn) {
                return Some(conn);
            }
            inc(&self.metrics.pool_discards_total);
        }
        None
    }

    fn put_idle(&self, conn: UpstreamConn) {
        if self.expired(&conn) {
            inc(&self.metrics.pool_discards_total);
            return;
        }
        let Ok(mut idle) = self.idle.lock() else { return };
        let list = idle.entry(conn.identity.clone()).or_default();
        if list.len() < self.config.max_idle_per_identity {
            list.push(conn);
            self.metrics.upstream_idle.fetch_add(1, Ordering::Relaxed);
        } else {
            inc(&self.metrics.pool_discards_total);
        }
    }
}

impl<C: Connector> ReturnConn for PoolInner<C> {
    fn give_back(&self, mut conn: UpstreamConn, release: Release) {
        match release {
            Release::Broken => inc(&self.metrics.pool_discards_total),
            Release::Unused => self.put_idle(conn),
            Release::Used { in_transaction } => {
                // Resetting needs I/O; without a runtime (shutdown) just close.
                let (Ok(rt), Some(me)) = (tokio::runtime::Handle::try_current(), self.me.upgrade()) else {
                    return;
                };
                rt.spawn(async move {
                    let query = me.config.reset_query.as_deref();
                    match reset(&mut conn, in_transaction, query, me.config.reset_timeout).await {
                        Ok(()) => {
                            inc(&me.metrics.pool_resets_total);
                            me.put_idle(conn);
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "upstream reset failed; closing it");
                            inc(&me.metrics.pool_discards_total);
                        }
                    }
                });
            }
        }
    }
}

impl<C: Connector> UpstreamPool for SessionPool<C> {
    async fn checkout(&self, identity: &Identity) -> Result<PooledConn, UpstreamError> {
        let home: Arc<dyn ReturnConn> = self.inner.clone();
        if let Some(conn) = self.inner.take_idle(identity) {
            inc(&self.inner.metrics.pool_reuses_total);
            return Ok(PooledConn::new(conn, Some(home), true));
        }
        match self.inner.connector.connect(identity).await {
            Ok(conn) => {
                inc(&self.inner.metrics.upstream_connects_total);
                Ok(PooledConn::new(conn, Some(home), false))
            }
            Err(e) => {
                inc(&self.inner.metrics.upstream_connect_errors_total);
                Err(e)
            }
        }
    }
}
