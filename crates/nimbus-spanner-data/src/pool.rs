//! The session pool: sessions are made with `batchCreateSessions`, reused
//! for many transactions (one at a time per session), kept alive with
//! `SELECT 1`, shrunk when idle, replaced when the server has lost them, and
//! deleted by [`DatabaseClient::close`](crate::DatabaseClient::close).
//!
//! Capacity is a fair (FIFO) semaphore of `max_sessions` permits: a checkout
//! holds a permit for as long as it holds its session, takes an idle session
//! or creates one only when none is idle, so the pool never has more than
//! `max_sessions` sessions. A [`PooledSession`] returns its session when
//! dropped, so a failed or cancelled operation cannot leak one.
//!
//! Reads that are not part of a read-write transaction (single-use queries
//! and reads, read-only transactions) go to one multiplexed session when the
//! server makes one: it carries any number of them at once, so they never
//! wait for a pooled session. Whether the server does is decided once, when
//! the pool starts: a `sessions.create` asking for `multiplexed: true` that
//! comes back without the flag (the emulator) or is refused means "no", and
//! those reads use the pool (the session that came back joins it).

use nimbus_core::{Blob, Error, ErrorKind};
use nimbus_spanner::client::ProjectsInstancesDatabasesSessions;
use nimbus_spanner::types::{BatchCreateSessionsRequest, CreateSessionRequest, ExecuteSqlRequest, RollbackRequest, Session};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// How the pool sizes, keeps and labels its sessions.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Sessions created when the pool starts and kept when idle (default 1).
    pub min_sessions: usize,
    /// The most sessions the pool holds (default 100); a checkout waits when
    /// all are busy.
    pub max_sessions: usize,
    /// How long a checkout waits for a free session before failing with a
    /// timeout (default 60 s).
    pub checkout_timeout: Duration,
    /// An idle session gets `SELECT 1` when unused for this long (default
    /// 30 min; Spanner deletes sessions unused for an hour).
    pub keep_alive_interval: Duration,
    /// A session above `min_sessions` idle for this long is deleted (default
    /// 10 min).
    pub idle_timeout: Duration,
    /// How often the background task looks at idle sessions (default 1 min).
    pub maintenance_interval: Duration,
    /// Labels put on every session the pool creates.
    pub labels: HashMap<String, String>,
    /// The database role the sessions act as (fine-grained access control).
    pub database_role: Option<String>,
    /// Whether reads outside read-write transactions use a multiplexed
    /// session when the server supports them (default true).
    pub multiplexed: bool,
    /// How old a multiplexed session gets before the pool makes a new one
    /// (default 7 days; the server keeps them for 30).
    pub multiplexed_refresh: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            min_sessions: 1,
            max_sessions: 100,
            checkout_timeout: Duration::from_secs(60),
            keep_alive_interval: Duration::from_secs(30 * 60),
            idle_timeout: Duration::from_secs(10 * 60),
            maintenance_interval: Duration::from_secs(60),
            labels: HashMap::new(),
            database_role: None,
            multiplexed: true,
            multiplexed_refresh: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Counters of what the pool has done.
#[derive(Debug, Default)]
pub struct PoolStats {
    /// Sessions created.
    pub created: AtomicU64,
    /// Sessions deleted (shrink and close).
    pub deleted: AtomicU64,
    /// Sessions found gone on the server and replaced (pooled ones, and
    /// multiplexed ones, whose replacements count in `multiplexed_created`).
    pub replaced: AtomicU64,
    /// Keep-alive queries sent.
    pub keep_alives: AtomicU64,
    /// Read-write transaction attempts retried after `ABORTED`.
    pub aborted_retries: AtomicU64,
    /// Multiplexed sessions created (the first, refreshes and replacements).
    pub multiplexed_created: AtomicU64,
    /// Operations run on the multiplexed session.
    pub multiplexed_uses: AtomicU64,
}

/// A pooled session as the pool keeps it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) name: String,
    /// When an operation last returned the session (keep-alives do not count).
    last_used: Instant,
    /// When the session last saw a request (operations and keep-alives).
    last_active: Instant,
    /// A transaction left open by a cancelled operation: rolled back before
    /// the session is used again or deleted.
    pub(crate) open_transaction: Option<Blob>,
}

#[derive(Debug, Default)]
struct State {
    /// Idle sessions, most recently used last.
    idle: Vec<Entry>,
    /// Sessions that exist (idle or checked out).
    total: usize,
}

/// Whether reads go to a multiplexed session.
#[derive(Debug)]
enum Multiplexed {
    /// Not asked for, or the server does not make them: reads use the pool.
    Off,
    /// The session reads go to, and when it was made.
    On(Arc<str>, Instant),
    /// The server lost it: the next read makes a new one.
    Lost,
}

/// What an operation needs a session for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// Single-use reads and read-only transactions: the multiplexed session
    /// when there is one.
    Read,
    /// Read-write and partitioned DML transactions: a pooled session.
    Write,
}

/// A session an operation runs on: pooled (held until dropped) or the
/// shared multiplexed one.
#[derive(Debug)]
pub(crate) enum Seat {
    Pooled(PooledSession),
    Multiplexed(Arc<str>),
}

impl Seat {
    /// The session's resource name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Seat::Pooled(session) => session.name(),
            Seat::Multiplexed(name) => name,
        }
    }
}

pub(crate) struct Pool {
    pub(crate) sessions: ProjectsInstancesDatabasesSessions,
    pub(crate) database: String,
    pub(crate) config: PoolConfig,
    state: Mutex<State>,
    multiplexed: Mutex<Multiplexed>,
    /// Held while a multiplexed session is being made, so one is made at a time.
    making_multiplexed: tokio::sync::Mutex<()>,
    permits: Arc<Semaphore>,
    closed: AtomicBool,
    pub(crate) stats: PoolStats,
    shutdown: Arc<Notify>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("database", &self.database).field("config", &self.config).finish_non_exhaustive()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown.notify_one();
        if !self.closed.load(Ordering::SeqCst) {
            let total = self.state.lock().map(|s| s.total).unwrap_or(0);
            tracing::warn!(
                database = %self.database,
                sessions = total,
                "Spanner session pool dropped without close(): its sessions stay on the server until they expire (one hour)"
            );
        }
    }
}

impl Pool {
    /// A pool for `database`, filled with `min_sessions`, with its
    /// background task started.
    pub(crate) async fn start(
        sessions: ProjectsInstancesDatabasesSessions,
        database: String,
        config: PoolConfig,
    ) -> Result<Arc<Pool>, Error> {
        if config.max_sessions == 0 || config.min_sessions > config.max_sessions {
            return Err(Error::config(format!(
                "the session pool needs 0 < max_sessions ({}) and min_sessions ({}) <= max_sessions",
                config.max_sessions, config.min_sessions
            )));
        }
        let pool = Arc::new(Pool {
            sessions,
            database,
            permits: Arc::new(Semaphore::new(config.max_sessions)),
            config,
            state: Mutex::new(State::default()),
            multiplexed: Mutex::new(Multiplexed::Off),
            making_multiplexed: tokio::sync::Mutex::new(()),
            closed: AtomicBool::new(false),
            stats: PoolStats::default(),
            shutdown: Arc::new(Notify::new()),
        });
        if let Err(error) = pool.fill().await {
            // Sessions made before the failure are not left to expire.
            pool.close().await;
            return Err(error);
        }
        let weak = Arc::downgrade(&pool);
        let shutdown = pool.shutdown.clone();
        let every = pool.config.maintenance_interval.max(Duration::from_millis(10));
        tokio::spawn(maintain(weak, shutdown, every));
        Ok(pool)
    }

    /// Decides about multiplexed sessions and makes the minimum of pooled
    /// ones (the regular session a server without multiplexed sessions
    /// answers the probe with counts).
    async fn fill(&self) -> Result<(), Error> {
        if self.config.multiplexed {
            if let Some(name) = self.ask_multiplexed().await? {
                *self.lock_multiplexed() = Multiplexed::On(name, Instant::now());
            }
        }
        let missing = self.config.min_sessions.saturating_sub(self.total());
        let created = self.create(missing).await?;
        let mut state = self.lock();
        state.total += created.len();
        state.idle.extend(created);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn template(&self) -> Session {
        let mut session = Session::new().set_labels(self.config.labels.clone());
        if let Some(role) = &self.config.database_role {
            session = session.set_creator_role(role.clone());
        }
        session
    }

    /// Creates `count` sessions with `batchCreateSessions` (which may return
    /// fewer than asked: it is called until all are made).
    async fn create(&self, count: usize) -> Result<Vec<Entry>, Error> {
        let mut made = Vec::with_capacity(count);
        while made.len() < count {
            let ask = (count - made.len()).min(100) as i32;
            let request = BatchCreateSessionsRequest::new().set_session_count(ask).set_session_template(self.template());
            let response = self.sessions.batch_create(self.database.clone(), request).send().await?;
            let sessions = response.session.unwrap_or_default();
            if sessions.is_empty() {
                return Err(Error::decode("batchCreateSessions returned no session", None));
            }
            for session in sessions {
                let name = session.name.ok_or_else(|| Error::decode("batchCreateSessions returned a session without a name", None))?;
                made.push(Entry { name, last_used: Instant::now(), last_active: Instant::now(), open_transaction: None });
                self.stats.created.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(made)
    }

    /// Asks the server for a multiplexed session: its name when it made one;
    /// `None` when it refused (`UNIMPLEMENTED`, `INVALID_ARGUMENT`,
    /// `FAILED_PRECONDITION`, or a bare HTTP 400 or 501) or made a regular
    /// session instead (which then joins the pool, or is deleted when the
    /// pool is full); other errors are returned.
    async fn ask_multiplexed(&self) -> Result<Option<Arc<str>>, Error> {
        let request = CreateSessionRequest::new().set_session(self.template().set_multiplexed(true));
        let session = match self.sessions.create(self.database.clone(), request).send().await {
            Ok(session) => session,
            Err(error) if refuses_multiplexed(&error) => {
                tracing::debug!(database = %self.database, %error, "multiplexed sessions refused: reads use the pool");
                return Ok(None);
            }
            Err(error) => return Err(error),
        };
        let name = session.name.ok_or_else(|| Error::decode("sessions.create returned a session without a name", None))?;
        if session.multiplexed == Some(true) {
            self.stats.multiplexed_created.fetch_add(1, Ordering::Relaxed);
            return Ok(Some(name.into()));
        }
        tracing::debug!(database = %self.database, "the server made a regular session: reads use the pool");
        self.stats.created.fetch_add(1, Ordering::Relaxed);
        let entry = Entry { name, last_used: Instant::now(), last_active: Instant::now(), open_transaction: None };
        let surplus = {
            let mut state = self.lock();
            if state.total < self.config.max_sessions {
                state.total += 1;
                state.idle.push(entry);
                None
            } else {
                Some(entry)
            }
        };
        if let Some(entry) = surplus {
            self.delete(entry).await;
        }
        Ok(None)
    }

    fn lock_multiplexed(&self) -> std::sync::MutexGuard<'_, Multiplexed> {
        self.multiplexed.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether reads go to a multiplexed session now.
    pub(crate) fn multiplexed_on(&self) -> bool {
        !matches!(*self.lock_multiplexed(), Multiplexed::Off)
    }

    /// A session for one operation of kind `kind`.
    pub(crate) async fn seat(self: &Arc<Self>, kind: Use) -> Result<Seat, Error> {
        if kind == Use::Read {
            if self.closed.load(Ordering::SeqCst) {
                return Err(closed_error());
            }
            let current = match &*self.lock_multiplexed() {
                Multiplexed::Off => None,
                Multiplexed::On(name, _) => Some(Some(name.clone())),
                Multiplexed::Lost => Some(None),
            };
            let name = match current {
                Some(Some(name)) => Some(name),
                Some(None) => self.remake_multiplexed().await?,
                None => None,
            };
            if let Some(name) = name {
                self.stats.multiplexed_uses.fetch_add(1, Ordering::Relaxed);
                return Ok(Seat::Multiplexed(name));
            }
        }
        self.checkout().await.map(Seat::Pooled)
    }

    /// Makes a new multiplexed session, one at a time (a caller that waited
    /// for another's takes that one); `None` when the server no longer makes
    /// them (multiplexed sessions are then off).
    async fn remake_multiplexed(&self) -> Result<Option<Arc<str>>, Error> {
        let _making = self.making_multiplexed.lock().await;
        match &*self.lock_multiplexed() {
            Multiplexed::Off => return Ok(None),
            Multiplexed::On(name, made) if made.elapsed() < self.config.multiplexed_refresh => return Ok(Some(name.clone())),
            _ => {}
        }
        let made = self.ask_multiplexed().await?;
        *self.lock_multiplexed() = match &made {
            Some(name) => Multiplexed::On(name.clone(), Instant::now()),
            None => Multiplexed::Off,
        };
        Ok(made)
    }

    /// Gives up a session the server lost: a pooled one leaves the pool; a
    /// multiplexed one is made again by the next read.
    pub(crate) fn lost(&self, seat: Seat) {
        match seat {
            Seat::Pooled(session) => session.discard(),
            Seat::Multiplexed(name) => {
                let mut current = self.lock_multiplexed();
                if matches!(&*current, Multiplexed::On(now, _) if *now == name) {
                    *current = Multiplexed::Lost;
                    self.stats.replaced.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Takes a session for one operation: an idle one, or a new one when none
    /// is idle and the pool is below `max_sessions`; otherwise waits in line,
    /// at most `checkout_timeout`.
    pub(crate) async fn checkout(self: &Arc<Self>) -> Result<PooledSession, Error> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(closed_error());
        }
        let permit = match tokio::time::timeout(self.config.checkout_timeout, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(closed_error()),
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "no Spanner session became free within {:?} (all {} sessions of the pool are in use)",
                        self.config.checkout_timeout, self.config.max_sessions
                    ),
                ));
            }
        };
        let idle = self.lock().idle.pop();
        let entry = match idle {
            Some(entry) => entry,
            None => {
                let entry = self.create(1).await?.pop().ok_or_else(|| Error::decode("no session created", None))?;
                self.lock().total += 1;
                entry
            }
        };
        let mut session =
            PooledSession { pool: self.clone(), entry: Some(entry), open: OpenTransaction::default(), keep_alive: false, _permit: permit };
        session.roll_back_leftover().await;
        Ok(session)
    }

    /// Puts a session back (or deletes it when the pool is closed).
    fn give_back(self: &Arc<Self>, mut entry: Entry, keep_alive: bool) {
        entry.last_active = Instant::now();
        if !keep_alive {
            entry.last_used = entry.last_active;
        }
        if self.closed.load(Ordering::SeqCst) {
            self.lock().total -= 1;
            let pool = self.clone();
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { pool.delete(entry).await });
            }
            return;
        }
        self.lock().idle.push(entry);
    }

    /// Deletes a session on the server (rolling back what a cancelled
    /// operation left open first: the emulator keeps the lock of a deleted
    /// session's transaction otherwise).
    async fn delete(&self, entry: Entry) {
        if let Some(id) = entry.open_transaction {
            self.roll_back(&entry.name, id).await;
        }
        match self.sessions.delete(entry.name.clone()).send().await {
            Ok(_) => {
                self.stats.deleted.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => tracing::debug!(session = %entry.name, %error, "deleting a session failed"),
        }
    }

    /// Rolls back transaction `id` on `session`; whether the server
    /// confirmed it (a failure is only logged: the transaction then ends
    /// when the session is reused or expires).
    pub(crate) async fn roll_back(&self, session: &str, id: Blob) -> bool {
        match self.sessions.rollback(session.to_owned(), RollbackRequest::new().set_transaction_id(id)).send().await {
            Ok(_) => true,
            Err(error) => {
                tracing::debug!(%session, %error, "rollback failed");
                false
            }
        }
    }

    /// Whether `error`, from a call on `session`, means the server no longer
    /// has the session. `NOT_FOUND` "Session not found" says so; the
    /// emulator cannot encode that error (it answers 500 `INTERNAL` "failed
    /// to marshal error message", or 404 without a body for streaming calls),
    /// so a `NOT_FOUND`, `INTERNAL` or bare 404 is confirmed by getting the
    /// session.
    pub(crate) async fn session_gone(&self, error: &Error, session: &str) -> bool {
        if error.kind() != ErrorKind::Service {
            return false;
        }
        let code = error.code().unwrap_or_default();
        if code == "NOT_FOUND" && error.message().contains("Session not found") {
            return true;
        }
        if !matches!(code, "NOT_FOUND" | "INTERNAL" | "Http404") {
            return false;
        }
        match self.sessions.get(session.to_owned()).send().await {
            Ok(_) => false,
            Err(check) => check.kind() == ErrorKind::Service && matches!(check.code(), Some("NOT_FOUND" | "INTERNAL" | "Http404")),
        }
    }

    /// Closes the pool: waiting checkouts fail, idle sessions are deleted
    /// now, sessions in use when they come back.
    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.permits.close();
        self.shutdown.notify_one();
        let idle = {
            let mut state = self.lock();
            let idle = std::mem::take(&mut state.idle);
            state.total -= idle.len();
            idle
        };
        for entry in idle {
            self.delete(entry).await;
        }
    }

    /// The number of sessions the pool holds (idle and in use).
    pub(crate) fn total(&self) -> usize {
        self.lock().total
    }

    /// The number of idle sessions.
    pub(crate) fn idle(&self) -> usize {
        self.lock().idle.len()
    }

    /// One round of upkeep: `SELECT 1` on sessions idle for longer than the
    /// keep-alive interval, deletion of sessions above the minimum idle for
    /// longer than the idle timeout.
    async fn maintain_once(self: &Arc<Self>) {
        let now = Instant::now();
        let refresh =
            matches!(&*self.lock_multiplexed(), Multiplexed::On(_, made) if now.duration_since(*made) >= self.config.multiplexed_refresh);
        if refresh {
            // The old session stays usable for operations that hold it; the
            // server deletes it when it expires.
            if let Err(error) = self.remake_multiplexed().await {
                tracing::debug!(%error, "making a new multiplexed session failed; the old one stays in use");
            }
        }
        let surplus = {
            let mut state = self.lock();
            let mut surplus = Vec::new();
            let mut i = 0;
            while i < state.idle.len() && state.total > self.config.min_sessions {
                if now.duration_since(state.idle[i].last_used) >= self.config.idle_timeout {
                    surplus.push(state.idle.remove(i));
                    state.total -= 1;
                } else {
                    i += 1;
                }
            }
            surplus
        };
        for entry in surplus {
            self.delete(entry).await;
        }
        loop {
            // A keep-alive takes a permit like any checkout, so it never
            // pushes the pool past max_sessions; a busy pool skips it.
            let Ok(permit) = self.permits.clone().try_acquire_owned() else { return };
            let stale = {
                let mut state = self.lock();
                let position = state.idle.iter().position(|e| now.duration_since(e.last_active) >= self.config.keep_alive_interval);
                position.map(|i| state.idle.remove(i))
            };
            let Some(entry) = stale else { return };
            let session = PooledSession {
                pool: self.clone(),
                entry: Some(entry),
                open: OpenTransaction::default(),
                keep_alive: true,
                _permit: permit,
            };
            let request = ExecuteSqlRequest::new().set_sql("SELECT 1");
            match self.sessions.execute_sql(session.name().to_owned(), request).send().await {
                Ok(_) => {
                    self.stats.keep_alives.fetch_add(1, Ordering::Relaxed);
                }
                Err(error) => {
                    if self.session_gone(&error, session.name()).await {
                        session.discard();
                        continue;
                    }
                    tracing::debug!(%error, "keep-alive query failed");
                }
            }
            drop(session);
        }
    }
}

/// Whether `error` answers a request for a multiplexed session with "not
/// here" (rather than a failure worth returning).
fn refuses_multiplexed(error: &Error) -> bool {
    error.kind() == ErrorKind::Service
        && matches!(error.code(), Some("UNIMPLEMENTED" | "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "Http400" | "Http501"))
}

fn closed_error() -> Error {
    Error::config("the Spanner session pool is closed")
}

/// The background task: upkeep every `every` until the pool is dropped or
/// closed.
async fn maintain(pool: Weak<Pool>, shutdown: Arc<Notify>, every: Duration) {
    loop {
        if tokio::time::timeout(every, shutdown.notified()).await.is_ok() {
            return;
        }
        let Some(pool) = pool.upgrade() else { return };
        if pool.closed.load(Ordering::SeqCst) {
            return;
        }
        pool.maintain_once().await;
    }
}

/// The id of the transaction open on a checked-out session, if any.
pub(crate) type OpenTransaction = Arc<Mutex<Option<Blob>>>;

/// A session checked out of the pool; it goes back when dropped.
#[derive(Debug)]
pub struct PooledSession {
    pool: Arc<Pool>,
    entry: Option<Entry>,
    open: OpenTransaction,
    /// Checked out by the keep-alive, which does not count as a use.
    keep_alive: bool,
    // Released after the session is back in the idle list (fields drop
    // after `Drop::drop` runs).
    _permit: OwnedSemaphorePermit,
}

impl PooledSession {
    /// The session's resource name.
    pub fn name(&self) -> &str {
        self.entry.as_ref().map(|e| e.name.as_str()).unwrap_or_default()
    }

    /// Where a transaction on this session records its id while it is open
    /// (and clears it once committed or rolled back): a session returned
    /// with one open has it rolled back before its next use or deletion.
    pub(crate) fn transaction_slot(&self) -> OpenTransaction {
        self.open.clone()
    }

    async fn roll_back_leftover(&mut self) {
        let Some(entry) = self.entry.as_mut() else { return };
        if let Some(id) = entry.open_transaction.take() {
            self.pool.roll_back(&entry.name, id).await;
        }
    }

    /// Drops the session from the pool (the server no longer has it).
    pub(crate) fn discard(mut self) {
        if self.entry.take().is_some() {
            self.pool.lock().total -= 1;
            self.pool.stats.replaced.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for PooledSession {
    fn drop(&mut self) {
        if let Some(mut entry) = self.entry.take() {
            entry.open_transaction = self.open.lock().unwrap_or_else(|p| p.into_inner()).take();
            self.pool.give_back(entry, self.keep_alive);
        }
    }
}
