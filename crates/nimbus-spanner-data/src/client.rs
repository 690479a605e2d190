//! [`DatabaseClient`]: the entry point of the data plane.

use crate::pool::{Pool, PoolConfig, PoolStats, PooledSession, Seat, Use};
use crate::row::{QueryResult, Statement};
use crate::stream::{RowStream, StreamRequest, StreamSeat};
use crate::transaction::{
    ReadOnlyTransaction, ReadWriteTransaction, TableRead, TimestampBound, begin, is_aborted, retry_delay, sql_request,
};
use nimbus_core::{DateTime, Error, RetryConfig};
use nimbus_spanner::client::ProjectsInstancesDatabasesSessions;
use nimbus_spanner::names::DatabaseName;
use nimbus_spanner::types::{CommitRequest, PartitionedDml, ReadWrite, TransactionOptions, TransactionSelector};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Runs one call on a session for `$use` (a [`Use`]); when the server has
/// lost the session, gives it up and runs the call once more on another.
/// Evaluates to the call's result and the session it ran on. (A macro, not
/// a function taking an async closure, so the futures stay `Send`.)
macro_rules! with_session {
    ($client:expr, $use:expr, $session:ident => $call:expr) => {{
        let mut $session = $client.pool.seat($use).await?;
        let mut replaced = false;
        loop {
            match $call {
                Err(error) if !replaced && $client.pool.session_gone(&error, $session.name()).await => {
                    $client.pool.lost($session);
                    $session = $client.pool.seat($use).await?;
                    replaced = true;
                }
                other => break (other, $session),
            }
        }
    }};
}

/// A client for one database: a session pool and the transactions that
/// run on it. Cheap to clone (clones share the pool); call
/// [`close`](Self::close) when done, which deletes the sessions.
///
/// ```no_run
/// # async fn demo() -> Result<(), nimbus_spanner::Error> {
/// use nimbus_spanner_data::{DatabaseClient, PoolConfig, Statement};
/// let spanner = nimbus_spanner::Client::new(nimbus_spanner::Config::new());
/// let database = nimbus_spanner::names::DatabaseName::new("my-project", "my-instance", "music");
/// let db = DatabaseClient::new(&spanner, database, PoolConfig::default()).await?;
/// let result = db.query(Statement::new("SELECT Name FROM Singers WHERE Id = @id").bind("id", 1i64)).await?;
/// for row in &result.rows {
///     let name: String = row.get("Name")?;
///     println!("{name}");
/// }
/// db.close().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DatabaseClient {
    pool: Arc<Pool>,
    sessions: ProjectsInstancesDatabasesSessions,
    transaction_timeout: Duration,
    commit_stats: bool,
}

/// The outcome of a committed read-write transaction.
#[derive(Debug, Clone)]
pub struct Committed<T> {
    /// What the transaction's closure returned on the attempt that committed.
    pub value: T,
    /// When the transaction committed.
    pub commit_timestamp: Option<DateTime>,
    /// The number of mutations, when commit statistics were asked for and
    /// the server returned them.
    pub mutation_count: Option<i64>,
    /// How many attempts were aborted by the server and run again.
    pub aborted_retries: u32,
}

impl DatabaseClient {
    /// A client for `database` through the generated `client`, with a pool
    /// filled to `config.min_sessions` (a tokio runtime runs its upkeep).
    pub async fn new(client: &nimbus_spanner::Client, database: DatabaseName, config: PoolConfig) -> Result<DatabaseClient, Error> {
        let sessions = client.projects().instances().databases().sessions();
        let pool = Pool::start(sessions.clone(), database.to_string(), config).await?;
        Ok(DatabaseClient { pool, sessions, transaction_timeout: Duration::from_secs(600), commit_stats: false })
    }

    /// How long a read-write transaction keeps retrying `ABORTED` before the
    /// error is returned (default 10 min).
    pub fn with_transaction_timeout(mut self, timeout: Duration) -> DatabaseClient {
        self.transaction_timeout = timeout;
        self
    }

    /// Asks the server for commit statistics (the mutation count).
    pub fn with_commit_stats(mut self, on: bool) -> DatabaseClient {
        self.commit_stats = on;
        self
    }

    /// The sessions the pool holds now (idle and in use).
    pub fn session_count(&self) -> usize {
        self.pool.total()
    }

    /// The idle sessions of the pool now.
    pub fn idle_session_count(&self) -> usize {
        self.pool.idle()
    }

    /// What the pool has done so far.
    pub fn stats(&self) -> &PoolStats {
        &self.pool.stats
    }

    /// Deletes every idle session now and every session in use when it comes
    /// back (a multiplexed session cannot be deleted: it expires on the
    /// server); later calls fail. Dropping the last clone without closing
    /// leaves the sessions to expire on the server (a warning is logged).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A strong single-use query: reads the latest data, in one round trip.
    pub async fn query(&self, statement: impl Into<Statement>) -> Result<QueryResult, Error> {
        self.query_at(TimestampBound::Strong, statement).await
    }

    /// A single-use query at `bound`; the result carries the timestamp the
    /// data was read at.
    pub async fn query_at(&self, bound: TimestampBound, statement: impl Into<Statement>) -> Result<QueryResult, Error> {
        let selector = bound.single_use();
        let request = sql_request(statement.into(), Some(selector));
        let (set, _session) =
            with_session!(self, Use::Read, session => self.sessions.execute_sql(session.name().to_owned(), request.clone()).send().await);
        let set = set?;
        Ok(QueryResult::from_result_set(set))
    }

    /// A strong single-use query whose rows stream in as the server sends
    /// them (`executeStreamingSql`), resumed from the last resume token after
    /// a retryable failure mid-stream; the stream runs on the multiplexed
    /// session, or holds a pooled session until dropped.
    pub async fn query_stream(&self, statement: impl Into<Statement>) -> Result<RowStream, Error> {
        self.query_stream_at(TimestampBound::Strong, statement).await
    }

    /// [`query_stream`](Self::query_stream) at `bound`.
    pub async fn query_stream_at(&self, bound: TimestampBound, statement: impl Into<Statement>) -> Result<RowStream, Error> {
        let selector = bound.single_use();
        self.stream(StreamRequest::Query(sql_request(statement.into(), Some(selector)))).await
    }

    /// A strong single-use read of `read`'s rows by key (`sessions.read`).
    pub async fn read(&self, read: TableRead) -> Result<QueryResult, Error> {
        self.read_at(TimestampBound::Strong, read).await
    }

    /// A single-use read at `bound`; the result carries the timestamp the
    /// data was read at.
    pub async fn read_at(&self, bound: TimestampBound, read: TableRead) -> Result<QueryResult, Error> {
        let selector = bound.single_use();
        let request = read.into_request(Some(selector));
        let (set, _session) =
            with_session!(self, Use::Read, session => self.sessions.read(session.name().to_owned(), request.clone()).send().await);
        Ok(QueryResult::from_result_set(set?))
    }

    /// A strong single-use read whose rows stream in (`streamingRead`),
    /// resumed from the last resume token after a retryable failure.
    pub async fn read_stream(&self, read: TableRead) -> Result<RowStream, Error> {
        self.read_stream_at(TimestampBound::Strong, read).await
    }

    /// [`read_stream`](Self::read_stream) at `bound`.
    pub async fn read_stream_at(&self, bound: TimestampBound, read: TableRead) -> Result<RowStream, Error> {
        let selector = bound.single_use();
        self.stream(StreamRequest::Read(read.into_request(Some(selector)))).await
    }

    async fn stream(&self, request: StreamRequest) -> Result<RowStream, Error> {
        let seat = self.pool.seat(Use::Read).await?;
        Ok(RowStream::new(self.sessions.clone(), StreamSeat::SingleUse(self.pool.clone(), seat), request))
    }

    /// Whether reads outside read-write transactions go to a multiplexed
    /// session (the server supports them and
    /// [`PoolConfig::multiplexed`] is on) rather than to pooled sessions.
    pub fn uses_multiplexed_sessions(&self) -> bool {
        self.pool.multiplexed_on()
    }

    /// Begins a read-only transaction at `bound` (strong, exact staleness or
    /// a read timestamp): every query in it sees the same data.
    pub async fn read_only_transaction(&self, bound: TimestampBound) -> Result<ReadOnlyTransaction, Error> {
        let options = TransactionOptions::new().set_read_only(bound.read_only());
        let (begun, session) = with_session!(self, Use::Read, session => begin(&self.sessions, session.name(), options.clone()).await);
        let (id, read_timestamp) = begun?;
        Ok(ReadOnlyTransaction { sessions: self.sessions.clone(), session: Arc::new(session), id, read_timestamp })
    }

    /// Runs a read-write transaction: `body` gets the transaction, runs its
    /// statements and buffers its mutations; then the transaction commits.
    /// When the server aborts it (`ABORTED`, in a statement or at commit),
    /// the whole of `body` runs again, after the delay the server's
    /// `RetryInfo` asks for or an exponential backoff, until the transaction
    /// timeout. Any other error rolls the transaction back and is returned.
    /// `body` may therefore run more than once: keep side effects outside
    /// the database out of it.
    pub async fn read_write_transaction<T, F, Fut>(&self, mut body: F) -> Result<Committed<T>, Error>
    where
        F: FnMut(ReadWriteTransaction) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let deadline = Instant::now() + self.transaction_timeout;
        let backoff =
            RetryConfig { initial_backoff: Duration::from_millis(10), max_backoff: Duration::from_millis(500), ..Default::default() };
        let mut aborted_retries = 0u32;
        let mut replaced = false;
        loop {
            let session = self.pool.checkout().await?;
            let transaction = ReadWriteTransaction::new(self.sessions.clone(), &session);
            let outcome = match body(transaction.clone()).await {
                Ok(value) => self.commit(&transaction, &session).await.map(|response| (value, response)),
                Err(error) => Err(error),
            };
            match outcome {
                Ok((value, response)) => {
                    transaction.finished();
                    return Ok(Committed {
                        value,
                        commit_timestamp: response.commit_timestamp,
                        mutation_count: response.commit_stats.and_then(|s| s.mutation_count),
                        aborted_retries,
                    });
                }
                Err(error) if is_aborted(&error) => {
                    // An aborted transaction is over on the server.
                    transaction.finished();
                    drop(session);
                    if Instant::now() >= deadline {
                        return Err(error);
                    }
                    aborted_retries += 1;
                    self.pool.stats.aborted_retries.fetch_add(1, Ordering::Relaxed);
                    let wait = retry_delay(&error).unwrap_or_else(|| backoff.backoff(aborted_retries.min(16)));
                    tokio::time::sleep(wait).await;
                }
                Err(error) => {
                    if !replaced && self.pool.session_gone(&error, session.name()).await {
                        transaction.finished();
                        session.discard();
                        replaced = true;
                        continue;
                    }
                    if let Some(id) = transaction.begun_id().await {
                        if self.pool.roll_back(session.name(), id).await {
                            transaction.finished();
                        }
                    }
                    return Err(error);
                }
            }
        }
    }

    async fn commit(
        &self,
        transaction: &ReadWriteTransaction,
        session: &PooledSession,
    ) -> Result<nimbus_spanner::types::CommitResponse, Error> {
        let mut request = CommitRequest::new().set_mutations(transaction.take_mutations());
        request = match transaction.begun_id().await {
            Some(id) => request.set_transaction_id(id),
            None => request.set_single_use_transaction(TransactionOptions::new().set_read_write(ReadWrite::new())),
        };
        if self.commit_stats {
            request = request.set_return_commit_stats(true);
        }
        self.sessions.commit(session.name().to_owned(), request).send().await
    }

    /// Runs a partitioned DML statement (an `UPDATE` or `DELETE` applied
    /// partition by partition, not atomically, over a whole table) and
    /// returns the lower bound of the rows it changed.
    pub async fn partitioned_update(&self, statement: impl Into<Statement>) -> Result<i64, Error> {
        let statement = statement.into();
        with_session!(self, Use::Write, session => self.partitioned_update_on(&session, &statement).await).0
    }

    async fn partitioned_update_on(&self, session: &Seat, statement: &Statement) -> Result<i64, Error> {
        let options = TransactionOptions::new().set_partitioned_dml(PartitionedDml::new());
        let (id, _) = begin(&self.sessions, session.name(), options).await?;
        let request = sql_request(statement.clone(), Some(TransactionSelector::new().set_id(id))).set_seqno(1);
        let set = self.sessions.execute_sql(session.name().to_owned(), request).send().await?;
        Ok(set.stats.and_then(|s| s.row_count_lower_bound).unwrap_or(0))
    }
}
