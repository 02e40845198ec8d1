//! The upstream reservoir: per (user, database), connections opened ahead
//! of need up to a target and handed out on client login (session pooling:
//! one upstream per client session).
//!
//! - Every open goes through the [`RateLimiter`]; a 53400 (the cluster's
//!   connection-rate limit) backs off with jitter and retries.
//! - Connections retire on their [`Lifetime`]; a background task drops idle
//!   ones that reached their guard window and refills to the target.
//! - At most `max_per_identity` connections exist per identity; beyond it,
//!   clients wait in arrival order up to `checkout_timeout`, then get a
//!   FATAL 53300 that says what to change.
//! - A connection a client leaves mid-transaction is rolled back (and
//!   reset with `DISCARD ALL`) before reuse; one left mid-protocol is closed.
//! - Identities are forgotten: DSQL connections are a shared, rate-limited
//!   resource, so an identity not in `warm` gets no background opens
//!   unless its last open worked, its slot is dropped as soon as an open
//!   failed and nothing else is left (a login to a database that does not
//!   exist must not retry forever with nobody waiting), and an identity
//!   unused for `idle_identity_timeout` is dropped with its idle
//!   connections closed. The next client that asks starts afresh.
//!   Identities in `warm` are kept and retried (with a growing pause).
//! - After a burst, idle connections above the target are closed once the
//!   surplus has lasted `surplus_idle_timeout`, so a spike does not keep
//!   hundreds of the cluster's connections open until their lifetime ends.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use proxy::{Connector, Identity, PooledConn, Release, ReturnConn, UpstreamConn, UpstreamError, UpstreamPool};
use rand::Rng;
use tokio::sync::oneshot;
use wire::ErrorFields;

use crate::lifetime::Lifetime;
use crate::limiter::RateLimiter;
use crate::metrics::{GatewayMetrics, inc};

/// Reservoir settings.
#[derive(Debug, Clone)]
pub struct ReservoirConfig {
    /// Warm idle connections kept per identity that has connected (or is in `warm`).
    pub target_per_identity: usize,
    /// Upper bound of connections (idle + in use + opening) per identity.
    pub max_per_identity: usize,
    /// How long a client waits in line for a connection.
    pub checkout_timeout: Duration,
    /// Identities to warm up at start, before any client asks.
    pub warm: Vec<Identity>,
    /// Attempts per open when the upstream answers 53400.
    pub throttle_attempts: u32,
    /// First back-off after a 53400 (doubles, with jitter, up to 5 s).
    pub throttle_backoff: Duration,
    /// Run before reuse (after any rollback).
    pub reset_query: Option<String>,
    pub reset_timeout: Duration,
    /// How often the background task retires and refills.
    pub maintain_every: Duration,
    /// An identity not in `warm` with no checkout (or session end) for this
    /// long, and nothing in use, opening or waiting, is forgotten and its
    /// idle connections are closed.
    pub idle_identity_timeout: Duration,
    /// Idle connections above `target_per_identity` for this long are closed.
    pub surplus_idle_timeout: Duration,
}

impl Default for ReservoirConfig {
    fn default() -> Self {
        ReservoirConfig {
            target_per_identity: 4,
            max_per_identity: 1000,
            checkout_timeout: Duration::from_secs(10),
            warm: Vec::new(),
            throttle_attempts: 8,
            throttle_backoff: Duration::from_millis(100),
            reset_query: Some("DISCARD ALL".into()),
            reset_timeout: Duration::from_secs(5),
            maintain_every: Duration::from_millis(250),
            idle_identity_timeout: Duration::from_secs(600),
            surplus_idle_timeout: Duration::from_secs(60),
        }
    }
}

struct Slot {
    idle: Vec<UpstreamConn>,
    in_use: usize,
    opening: usize,
    waiters: VecDeque<oneshot::Sender<UpstreamConn>>,
    /// No background opens before this (after a failure, so a bad
    /// credential does not hammer the cluster).
    pause_until: Option<Instant>,
    /// Failed opens since the last one that worked.
    failures: u32,
    /// An open for this identity has worked (an identity not in `warm` is
    /// refilled in the background only once one has, and none failed since).
    opened_ok: bool,
    /// The last checkout or session end (the identity's last use).
    last_used: Instant,
    /// Since when more connections than the target have been idle.
    surplus_since: Option<Instant>,
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            idle: Vec::new(),
            in_use: 0,
            opening: 0,
            waiters: VecDeque::new(),
            pause_until: None,
            failures: 0,
            opened_ok: false,
            last_used: Instant::now(),
            surplus_since: None,
        }
    }
}

impl Slot {
    fn total(&self) -> usize {
        self.idle.len() + self.in_use + self.opening
    }

    fn live_waiters(&self) -> usize {
        self.waiters.iter().filter(|w| !w.is_closed()).count()
    }

    /// Records how an open (background or for a client) ended.
    fn opened(&mut self, ok: bool) {
        if ok {
            self.failures = 0;
            self.pause_until = None;
            self.opened_ok = true;
        } else {
            self.failures += 1;
            let pause = Duration::from_millis(200 << self.failures.min(6));
            self.pause_until = Some(Instant::now() + pause);
        }
    }
}

/// The reservoir; cheap to clone.
pub struct Reservoir<C> {
    inner: Arc<Inner<C>>,
}

impl<C> Clone for Reservoir<C> {
    fn clone(&self) -> Self {
        Reservoir { inner: self.inner.clone() }
    }
}

struct Inner<C> {
    connector: C,
    config: ReservoirConfig,
    lifetime: Lifetime,
    limiter: Arc<RateLimiter>,
    metrics: Arc<GatewayMetrics>,
    slots: Mutex<HashMap<Identity, Slot>>,
    /// `config.warm`: kept and refilled whatever happens.
    warm: HashSet<Identity>,
    me: Weak<Inner<C>>,
}

impl<C: Connector> Reservoir<C> {
    /// Creates the reservoir and starts its maintenance task (which ends
    /// when the last clone of the reservoir is dropped).
    pub fn start(
        connector: C,
        config: ReservoirConfig,
        lifetime: Lifetime,
        limiter: Arc<RateLimiter>,
        metrics: Arc<GatewayMetrics>,
    ) -> Reservoir<C> {
        let warm = config.warm.iter().cloned().collect();
        let inner = Arc::new_cyclic(|me| Inner {
            connector,
            config,
            warm,
            lifetime,
            limiter,
            metrics,
            slots: Mutex::new(HashMap::new()),
            me: me.clone(),
        });
        {
            let mut slots = inner.lock();
            for id in &inner.config.warm {
                slots.entry(id.clone()).or_default();
            }
        }
        let weak = Arc::downgrade(&inner);
        let every = inner.config.maintain_every;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                inner.maintain();
            }
        });
        Reservoir { inner }
    }

    /// Idle connections now (all identities).
    pub fn idle_count(&self) -> usize {
        self.inner.lock().values().map(|s| s.idle.len()).sum()
    }

    /// Opens of `identity` (idle, in use, opening).
    pub fn counts(&self, identity: &Identity) -> (usize, usize, usize) {
        self.inner.lock().get(identity).map(|s| (s.idle.len(), s.in_use, s.opening)).unwrap_or_default()
    }

    /// The identities the reservoir keeps a slot for now (forgotten ones
    /// are not listed).
    pub fn identities(&self) -> Vec<Identity> {
        self.inner.lock().keys().cloned().collect()
    }

    pub fn lifetime(&self) -> &Lifetime {
        &self.inner.lifetime
    }

    pub fn connector(&self) -> &C {
        &self.inner.connector
    }
}

impl<C: Connector> Inner<C> {
    fn lock(&self) -> MutexGuard<'_, HashMap<Identity, Slot>> {
        // A panic while holding the lock leaves plain counters behind,
        // nothing half-updated that matters more than serving on.
        self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn home(&self) -> Option<Arc<dyn ReturnConn>> {
        self.me.upgrade().map(|me| me as Arc<dyn ReturnConn>)
    }

    fn usable(&self, conn: &UpstreamConn, now: Instant) -> bool {
        self.lifetime.can_hand_out(conn.opened_at, now) && proxy::upstream::is_alive(conn)
    }

    fn retire(&self, conn: UpstreamConn) {
        inc(&self.metrics.upstream_retired_total);
        self.metrics.upstream_open.fetch_sub(1, Relaxed);
        tracing::debug!(user = %conn.identity.user, database = %conn.identity.database, age_s = conn.opened_at.elapsed().as_secs(), "retiring upstream connection");
        drop(conn);
    }

    fn discard(&self, conn: UpstreamConn) {
        self.metrics.upstream_open.fetch_sub(1, Relaxed);
        drop(conn);
    }

    fn publish(&self, slots: &HashMap<Identity, Slot>) {
        let idle: usize = slots.values().map(|s| s.idle.len()).sum();
        let waiting: usize = slots.values().map(|s| s.waiters.len()).sum();
        let opening: usize = slots.values().map(|s| s.opening).sum();
        self.metrics.reservoir_idle.store(idle as i64, Relaxed);
        self.metrics.checkout_waiting.store(waiting as i64, Relaxed);
        self.metrics.upstream_opening.store(opening as i64, Relaxed);
        self.metrics.reservoir_target.store((slots.len() * self.config.target_per_identity) as i64, Relaxed);
    }

    /// Gives a connection that is free (new, returned or reset) to the
    /// first live waiter, else keeps it idle, else retires it.
    fn place(&self, mut conn: UpstreamConn) {
        let now = Instant::now();
        if !self.usable(&conn, now) {
            return self.retire(conn);
        }
        let mut slots = self.lock();
        let slot = slots.entry(conn.identity.clone()).or_default();
        // A working connection exists (the slot may have been forgotten and
        // made afresh while a session ended).
        slot.opened_ok = true;
        while let Some(waiter) = slot.waiters.pop_front() {
            match waiter.send(conn) {
                Ok(()) => {
                    slot.in_use += 1;
                    self.publish(&slots);
                    return;
                }
                Err(back) => conn = back,
            }
        }
        slot.idle.push(conn);
        self.publish(&slots);
    }

    /// Opens one connection: limiter, then connect, retrying 53400 with backoff.
    async fn open(&self, identity: &Identity) -> Result<UpstreamConn, UpstreamError> {
        let mut backoff = self.config.throttle_backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let waited = self.limiter.acquire().await;
            if waited > Duration::from_micros(100) {
                inc(&self.metrics.limiter_waits_total);
                self.metrics.limiter_wait_micros_total.fetch_add(waited.as_micros() as u64, Relaxed);
            }
            match self.connector.connect(identity).await {
                Ok(conn) => {
                    inc(&self.metrics.upstream_opens_total);
                    self.metrics.upstream_open.fetch_add(1, Relaxed);
                    self.metrics.upstream_ok.store(true, Relaxed);
                    return Ok(conn);
                }
                Err(UpstreamError::Rejected(f))
                    if f.sqlstate() == "53400" && attempt < self.config.throttle_attempts =>
                {
                    inc(&self.metrics.throttled_53400_total);
                    self.metrics.upstream_error("53400");
                    let pause = backoff.mul_f64(rand::thread_rng().gen_range(0.5..1.5));
                    tracing::info!(
                        attempt,
                        pause_ms = pause.as_millis() as u64,
                        "upstream refused a connection with 53400 (rate limit); backing off"
                    );
                    tokio::time::sleep(pause).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    let e = explain(e);
                    inc(&self.metrics.upstream_open_errors_total);
                    if let UpstreamError::Rejected(f) = &e {
                        self.metrics.upstream_error(f.sqlstate());
                        if f.sqlstate() == "53400" {
                            inc(&self.metrics.throttled_53400_total);
                        }
                    }
                    if self.says_upstream_unwell(identity, &e) {
                        self.metrics.upstream_ok.store(false, Relaxed);
                    }
                    tracing::warn!(user = %identity.user, database = %identity.database, error = %e, "upstream open failed");
                    return Err(e);
                }
            }
        }
    }

    /// Whether a failed open means the upstream cannot serve (then /readyz
    /// turns 503 until an open works again). A client asking for a database
    /// or role that does not exist says nothing about the upstream, nor does
    /// a cluster at its connection cap (53300) while our sessions work.
    fn says_upstream_unwell(&self, identity: &Identity, e: &UpstreamError) -> bool {
        match e {
            UpstreamError::Rejected(f) => {
                let state = f.sqlstate();
                let clients_choice = state.starts_with("3D") || state.starts_with("28");
                state != "53300" && (!clients_choice || self.warm.contains(identity))
            }
            _ => true,
        }
    }

    /// Why `slot` should be forgotten now, if it should: never for a warm
    /// identity nor while anything is in use, opening or waiting.
    fn forget_reason(&self, identity: &Identity, slot: &Slot, now: Instant) -> Option<&'static str> {
        if self.warm.contains(identity) || slot.in_use > 0 || slot.opening > 0 || slot.live_waiters() > 0 {
            return None;
        }
        if slot.failures > 0 && slot.idle.is_empty() {
            Some("its last upstream open failed")
        } else if now.saturating_duration_since(slot.last_used) >= self.config.idle_identity_timeout {
            Some("unused for idle_identity_timeout")
        } else {
            None
        }
    }

    /// Drops the slots to forget; returns their idle connections (to retire
    /// outside the lock).
    fn forget(&self, slots: &mut HashMap<Identity, Slot>, now: Instant) -> Vec<UpstreamConn> {
        let mut idle = Vec::new();
        slots.retain(|identity, slot| {
            let Some(reason) = self.forget_reason(identity, slot, now) else { return true };
            tracing::debug!(
                user = %identity.user,
                database = %identity.database,
                idle = slot.idle.len(),
                reason,
                "forgetting identity"
            );
            idle.append(&mut slot.idle);
            false
        });
        idle
    }

    /// Retires idle connections at their guard window, forgets identities
    /// no longer used (or whose opens fail) and starts opens for
    /// identities below target (or with clients waiting).
    fn maintain(&self) {
        let now = Instant::now();
        let mut to_retire = Vec::new();
        let mut to_trim = Vec::new();
        let mut to_open = Vec::new();
        {
            let mut slots = self.lock();
            for slot in slots.values_mut() {
                let mut keep = Vec::with_capacity(slot.idle.len());
                for conn in slot.idle.drain(..) {
                    if self.usable(&conn, now) { keep.push(conn) } else { to_retire.push(conn) }
                }
                slot.idle = keep;
                // Checkouts take from the end, so the front has waited longest.
                let target = self.config.target_per_identity;
                if slot.idle.len() <= target {
                    slot.surplus_since = None;
                } else {
                    let since = *slot.surplus_since.get_or_insert(now);
                    if now.saturating_duration_since(since) >= self.config.surplus_idle_timeout {
                        let surplus = slot.idle.len() - target;
                        to_trim.extend(slot.idle.drain(..surplus));
                        slot.surplus_since = None;
                    }
                }
            }
            to_retire.extend(self.forget(&mut slots, now));
            for (identity, slot) in slots.iter_mut() {
                if slot.pause_until.is_some_and(|t| t > now) {
                    continue;
                }
                // Not in `warm`: no background refill until an open has
                // worked, nor after one failed (only live waiters get opens).
                let target = if self.warm.contains(identity) || (slot.opened_ok && slot.failures == 0) {
                    self.config.target_per_identity
                } else {
                    0
                };
                let live_waiters = slot.live_waiters();
                let want = target
                    .saturating_sub(slot.idle.len() + slot.opening)
                    .max(live_waiters.saturating_sub(slot.opening));
                let room = self.config.max_per_identity.saturating_sub(slot.total());
                let n = want.min(room);
                slot.opening += n;
                to_open.extend(std::iter::repeat_n(identity.clone(), n));
            }
            self.publish(&slots);
        }
        for conn in to_retire {
            self.retire(conn);
        }
        for conn in to_trim {
            inc(&self.metrics.upstream_trimmed_total);
            self.discard(conn);
        }
        for identity in to_open {
            let Some(me) = self.me.upgrade() else { return };
            tokio::spawn(async move {
                let result = me.open(&identity).await;
                let mut slots = me.lock();
                let slot = slots.entry(identity).or_default();
                slot.opening -= 1;
                slot.opened(result.is_ok());
                match result {
                    Ok(conn) => {
                        drop(slots);
                        me.place(conn);
                    }
                    Err(_) => {
                        let forgotten = me.forget(&mut slots, Instant::now());
                        me.publish(&slots);
                        drop(slots);
                        forgotten.into_iter().for_each(|c| me.retire(c));
                    }
                }
            });
        }
    }

    fn timeout_error(&self, identity: &Identity) -> UpstreamError {
        inc(&self.metrics.checkout_timeouts_total);
        UpstreamError::Rejected(
            ErrorFields::fatal(
                "53300",
                format!(
                    "gateway: no upstream connection for user \"{}\" database \"{}\" became free within {:?} ({} connections in use)",
                    identity.user, identity.database, self.config.checkout_timeout, self.config.max_per_identity
                ),
            )
            .hint("raise [gateway] max_connections_per_identity or checkout_timeout_ms, or end idle client sessions"),
        )
    }
}

/// Adds what to check to a refused login (the client sees the upstream's
/// own words plus this hint).
fn explain(e: UpstreamError) -> UpstreamError {
    match e {
        UpstreamError::Rejected(f) if f.sqlstate().starts_with("28") && f.get(b'H').is_none() => {
            UpstreamError::Rejected(f.hint(
                "the upstream refused the gateway's login: check the gateway's AWS credentials and region \
             (IAM tokens: the role needs dsql:DbConnect, or dsql:DbConnectAdmin for admin) or its upstream password",
            ))
        }
        other => other,
    }
}

/// A place in line; if dropped after a connection was sent to it, the
/// connection goes back to the reservoir instead of being lost.
struct InLine<C: Connector> {
    rx: Option<oneshot::Receiver<UpstreamConn>>,
    inner: Arc<Inner<C>>,
}

impl<C: Connector> Drop for InLine<C> {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if let Ok(conn) = rx.try_recv() {
                self.inner.give_back(conn, Release::Unused);
            }
        }
    }
}

impl<C: Connector> Inner<C> {
    /// The connection no longer counts as in use (it is being placed,
    /// reset or closed).
    fn release_slot(&self, identity: &Identity) {
        if let Some(slot) = self.lock().get_mut(identity) {
            slot.in_use = slot.in_use.saturating_sub(1);
            slot.last_used = Instant::now();
        }
    }
}

impl<C: Connector> ReturnConn for Inner<C> {
    fn give_back(&self, conn: UpstreamConn, release: Release) {
        match release {
            Release::Broken => {
                self.release_slot(&conn.identity);
                self.discard(conn);
            }
            Release::Unused => {
                self.release_slot(&conn.identity);
                self.place(conn);
            }
            Release::Used { in_transaction } => {
                // Still counted as in use while it is reset, so the
                // per-identity maximum holds.
                let (Ok(rt), Some(me)) = (tokio::runtime::Handle::try_current(), self.me.upgrade()) else {
                    self.release_slot(&conn.identity);
                    return self.discard(conn);
                };
                if in_transaction {
                    inc(&self.metrics.upstream_rollbacks_total);
                }
                rt.spawn(async move {
                    let mut conn = conn;
                    let query = me.config.reset_query.as_deref();
                    let result =
                        proxy::upstream::reset(&mut conn, in_transaction, query, me.config.reset_timeout).await;
                    me.release_slot(&conn.identity);
                    match result {
                        Ok(()) => me.place(conn),
                        Err(e) => {
                            tracing::debug!(error = %e, "upstream reset failed; closing it");
                            me.discard(conn);
                        }
                    }
                });
            }
        }
    }
}

impl<C: Connector> UpstreamPool for Reservoir<C> {
    async fn checkout(&self, identity: &Identity) -> Result<PooledConn, UpstreamError> {
        let inner = &self.inner;
        let started = Instant::now();
        let home = inner.home();
        let rx = {
            let now = Instant::now();
            let mut slots = inner.lock();
            let slot = slots.entry(identity.clone()).or_default();
            slot.last_used = now;
            let mut stale = Vec::new();
            let mut found = None;
            while let Some(conn) = slot.idle.pop() {
                if inner.usable(&conn, now) {
                    found = Some(conn);
                    break;
                }
                stale.push(conn);
            }
            let plan = if let Some(conn) = found {
                slot.in_use += 1;
                Ok(conn)
            } else if slot.total() < inner.config.max_per_identity {
                slot.opening += 1;
                Err(None)
            } else {
                let (tx, rx) = oneshot::channel();
                slot.waiters.push_back(tx);
                Err(Some(rx))
            };
            inner.publish(&slots);
            drop(slots);
            stale.into_iter().for_each(|c| inner.retire(c));
            match plan {
                Ok(conn) => {
                    inner.metrics.checkout_seconds.observe(started.elapsed());
                    return Ok(PooledConn::new(conn, home, true));
                }
                Err(rx) => rx,
            }
        };
        let Some(rx) = rx else {
            // Nothing idle and room to grow: open one for this client.
            let result = inner.open(identity).await;
            let mut slots = inner.lock();
            let slot = slots.entry(identity.clone()).or_default();
            slot.opening -= 1;
            slot.opened(result.is_ok());
            let mut forgotten = Vec::new();
            if result.is_ok() {
                slot.in_use += 1;
            } else {
                // Nobody else needs it: forget the identity at once (the
                // next client simply tries again).
                forgotten = inner.forget(&mut slots, Instant::now());
            }
            inner.publish(&slots);
            drop(slots);
            forgotten.into_iter().for_each(|c| inner.retire(c));
            inner.metrics.checkout_seconds.observe(started.elapsed());
            return result.map(|conn| PooledConn::new(conn, home, false));
        };
        let mut line = InLine { rx: Some(rx), inner: inner.clone() };
        let waited = match line.rx.as_mut() {
            Some(rx) => tokio::time::timeout(inner.config.checkout_timeout, rx).await,
            None => return Err(inner.timeout_error(identity)),
        };
        match waited {
            Ok(Ok(conn)) => {
                line.rx = None;
                inner.metrics.checkout_seconds.observe(started.elapsed());
                Ok(PooledConn::new(conn, home, true))
            }
            // Timed out (a connection sent meanwhile goes back via InLine's drop).
            _ => {
                drop(line);
                Err(inner.timeout_error(identity))
            }
        }
    }
}
