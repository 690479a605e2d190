//! Transactions: single-use reads, multi-use read-only transactions, and
//! read-write transactions run by a runner that retries `ABORTED`.

use crate::pool::{OpenTransaction, PooledSession, Seat};
use crate::row::{QueryResult, Statement};
use crate::stream::{RowStream, StreamRequest, StreamSeat, retryable, transaction_of};
use crate::value::ToSpanner;
use nimbus_core::{Blob, DateTime, Error, ErrorKind};
use nimbus_spanner::client::ProjectsInstancesDatabasesSessions;
use nimbus_spanner::types::{
    BeginTransactionRequest, ExecuteBatchDmlRequest, ExecuteSqlRequest, KeyRange, KeySet, Mutation, ReadOnly, ReadRequest, ReadWrite,
    ResultSet, TransactionOptions, TransactionSelector, Write,
};
use serde_json::Value as JsonValue;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which data a read-only transaction sees.
#[derive(Debug, Clone, PartialEq)]
pub enum TimestampBound {
    /// All data committed before the read starts (the default).
    Strong,
    /// Data as of exactly this long ago.
    ExactStaleness(Duration),
    /// Data at most this old, chosen by the server (single-use only).
    MaxStaleness(Duration),
    /// Data as of this timestamp.
    ReadTimestamp(DateTime),
    /// Data as of a timestamp no earlier than this one (single-use only).
    MinReadTimestamp(DateTime),
}

fn duration_text(d: Duration) -> String {
    format!("{}.{:09}s", d.as_secs(), d.subsec_nanos())
}

impl TimestampBound {
    /// A single-use read-only transaction at this bound.
    pub(crate) fn single_use(&self) -> TransactionSelector {
        TransactionSelector::new().set_single_use(TransactionOptions::new().set_read_only(self.read_only()))
    }

    pub(crate) fn read_only(&self) -> ReadOnly {
        let read_only = ReadOnly::new().set_return_read_timestamp(true);
        match self {
            TimestampBound::Strong => read_only.set_strong(true),
            TimestampBound::ExactStaleness(d) => read_only.set_exact_staleness(duration_text(*d)),
            TimestampBound::MaxStaleness(d) => read_only.set_max_staleness(duration_text(*d)),
            TimestampBound::ReadTimestamp(t) => read_only.set_read_timestamp(*t),
            TimestampBound::MinReadTimestamp(t) => read_only.set_min_read_timestamp(*t),
        }
    }
}

pub(crate) fn sql_request(statement: Statement, selector: Option<TransactionSelector>) -> ExecuteSqlRequest {
    let mut request = ExecuteSqlRequest::new().set_sql(statement.sql);
    if !statement.params.is_empty() {
        request = request.set_params(statement.params).set_param_types(statement.param_types);
    }
    if let Some(selector) = selector {
        request = request.set_transaction(selector);
    }
    request
}

/// A read by key: a table's (or an index's) rows with the given keys and in
/// the given key ranges.
///
/// ```
/// use nimbus_spanner_data::{Keys, TableRead};
/// let read = TableRead::new("Singers", &["Id", "Name"], Keys::new().range(&[&1i64], &[&10i64])).limit(5);
/// ```
#[derive(Debug, Clone)]
pub struct TableRead {
    request: ReadRequest,
}

impl TableRead {
    /// `columns` of the rows of `table` in `keys`.
    pub fn new(table: &str, columns: &[&str], keys: Keys) -> TableRead {
        let columns = columns.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        TableRead { request: ReadRequest::new().set_table(table).set_columns(columns).set_key_set(keys.set) }
    }

    /// Reads through the secondary index `index` (the keys are then index
    /// keys, and only the index's columns can be read).
    pub fn index(mut self, index: &str) -> TableRead {
        self.request = self.request.set_index(index);
        self
    }

    /// Returns at most `limit` rows.
    pub fn limit(mut self, limit: i64) -> TableRead {
        self.request = self.request.set_limit(limit);
        self
    }

    pub(crate) fn into_request(self, selector: Option<TransactionSelector>) -> ReadRequest {
        match selector {
            Some(selector) => self.request.set_transaction(selector),
            None => self.request,
        }
    }
}

/// A read-only transaction over several reads at one timestamp; it holds its
/// session until it and its streams are dropped.
#[derive(Debug)]
pub struct ReadOnlyTransaction {
    pub(crate) sessions: ProjectsInstancesDatabasesSessions,
    pub(crate) session: Arc<Seat>,
    pub(crate) id: Blob,
    pub(crate) read_timestamp: Option<DateTime>,
}

impl ReadOnlyTransaction {
    /// The timestamp every read of the transaction sees.
    pub fn read_timestamp(&self) -> Option<DateTime> {
        self.read_timestamp
    }

    fn selector(&self) -> TransactionSelector {
        TransactionSelector::new().set_id(self.id.clone())
    }

    fn at_read_timestamp(&self, set: ResultSet) -> QueryResult {
        let mut result = QueryResult::from_result_set(set);
        result.read_timestamp = self.read_timestamp;
        result
    }

    /// Runs a query in the transaction.
    pub async fn execute_query(&self, statement: impl Into<Statement>) -> Result<QueryResult, Error> {
        let request = sql_request(statement.into(), Some(self.selector()));
        let set = self.sessions.execute_sql(self.session.name().to_owned(), request).send().await?;
        Ok(self.at_read_timestamp(set))
    }

    /// Reads rows by key in the transaction.
    pub async fn read(&self, read: TableRead) -> Result<QueryResult, Error> {
        let set = self.sessions.read(self.session.name().to_owned(), read.into_request(Some(self.selector()))).send().await?;
        Ok(self.at_read_timestamp(set))
    }

    /// Runs a query in the transaction, its rows streamed and resumed after
    /// a retryable failure; the stream keeps the transaction's session.
    pub fn query_stream(&self, statement: impl Into<Statement>) -> RowStream {
        self.stream(StreamRequest::Query(sql_request(statement.into(), Some(self.selector()))))
    }

    /// Reads rows by key in the transaction, streamed and resumed after a
    /// retryable failure.
    pub fn read_stream(&self, read: TableRead) -> RowStream {
        self.stream(StreamRequest::Read(read.into_request(Some(self.selector()))))
    }

    fn stream(&self, request: StreamRequest) -> RowStream {
        RowStream::new(self.sessions.clone(), StreamSeat::Transaction(self.session.clone()), request)
    }
}

/// Keys and key ranges of rows to delete.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub(crate) set: KeySet,
}

impl Keys {
    /// No keys yet.
    pub fn new() -> Keys {
        Keys::default()
    }

    /// Every row of the table.
    pub fn all() -> Keys {
        Keys { set: KeySet::new().set_all(true) }
    }

    /// One row by its primary key (one value per key column).
    pub fn key(mut self, key: &[&dyn ToSpanner]) -> Keys {
        let key: Vec<JsonValue> = key.iter().map(|v| v.to_spanner().json().clone()).collect();
        let mut keys = self.set.keys.take().unwrap_or_default();
        keys.push(key);
        self.set.keys = Some(keys);
        self
    }

    /// The rows with `start <= key <= end` (closed at both ends; prefixes of
    /// the key work).
    pub fn range(mut self, start: &[&dyn ToSpanner], end: &[&dyn ToSpanner]) -> Keys {
        let encode = |key: &[&dyn ToSpanner]| key.iter().map(|v| v.to_spanner().json().clone()).collect::<Vec<_>>();
        let range = KeyRange::new().set_start_closed(encode(start)).set_end_closed(encode(end));
        let mut ranges = self.set.ranges.take().unwrap_or_default();
        ranges.push(range);
        self.set.ranges = Some(ranges);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeKind {
    Insert,
    Update,
    InsertOrUpdate,
    Replace,
    Delete,
}

/// A mutation: a change written at commit, without reading first.
///
/// ```
/// use nimbus_spanner_data::{Change, Keys};
/// let insert = Change::insert("Singers", &["Id", "Name"]).row(&[&1i64, &"Marc"]).row(&[&2i64, &"Catalina"]);
/// let delete = Change::delete("Singers", Keys::new().key(&[&1i64]).range(&[&10i64], &[&20i64]));
/// ```
#[derive(Debug, Clone)]
pub struct Change {
    kind: ChangeKind,
    table: String,
    columns: Vec<String>,
    rows: Vec<Vec<JsonValue>>,
    keys: Keys,
}

impl Change {
    fn write(kind: ChangeKind, table: &str, columns: &[&str]) -> Change {
        Change {
            kind,
            table: table.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
            keys: Keys::new(),
        }
    }

    /// Inserts rows; the commit fails with `ALREADY_EXISTS` if one exists.
    pub fn insert(table: &str, columns: &[&str]) -> Change {
        Self::write(ChangeKind::Insert, table, columns)
    }

    /// Updates the given columns of existing rows; the commit fails with
    /// `NOT_FOUND` if one does not exist.
    pub fn update(table: &str, columns: &[&str]) -> Change {
        Self::write(ChangeKind::Update, table, columns)
    }

    /// Inserts rows, or updates the given columns of the ones that exist.
    pub fn insert_or_update(table: &str, columns: &[&str]) -> Change {
        Self::write(ChangeKind::InsertOrUpdate, table, columns)
    }

    /// Inserts rows, or replaces the ones that exist whole (columns not
    /// given become `NULL`).
    pub fn replace(table: &str, columns: &[&str]) -> Change {
        Self::write(ChangeKind::Replace, table, columns)
    }

    /// Deletes the rows with these keys and in these key ranges.
    pub fn delete(table: &str, keys: Keys) -> Change {
        Change { keys, ..Self::write(ChangeKind::Delete, table, &[]) }
    }

    /// Adds one row to an insert, update, insert-or-update or replace: one
    /// value per column, in column order.
    pub fn row(mut self, values: &[&dyn ToSpanner]) -> Change {
        self.rows.push(values.iter().map(|v| v.to_spanner().json().clone()).collect());
        self
    }

    fn into_mutation(self) -> Mutation {
        let write = || Write::new().set_table(self.table.clone()).set_columns(self.columns.clone()).set_values(self.rows.clone());
        match self.kind {
            ChangeKind::Insert => Mutation::new().set_insert(write()),
            ChangeKind::Update => Mutation::new().set_update(write()),
            ChangeKind::InsertOrUpdate => Mutation::new().set_insert_or_update(write()),
            ChangeKind::Replace => Mutation::new().set_replace(write()),
            ChangeKind::Delete => {
                Mutation::new().set_delete(nimbus_spanner::types::Delete::new().set_table(self.table).set_key_set(self.keys.set))
            }
        }
    }
}

/// The state of one attempt of a read-write transaction.
#[derive(Debug)]
struct Attempt {
    /// The transaction id, once the first statement began it.
    id: Option<Blob>,
    /// The sequence number of the last DML statement.
    seqno: i64,
}

#[derive(Debug)]
struct Shared {
    sessions: ProjectsInstancesDatabasesSessions,
    session: String,
    attempt: tokio::sync::Mutex<Attempt>,
    mutations: Mutex<Vec<Mutation>>,
    open: OpenTransaction,
}

/// A read-write transaction, handed to the closure of
/// [`DatabaseClient::read_write_transaction`](crate::DatabaseClient::read_write_transaction):
/// cheap to clone; statements run in order. The first statement begins the
/// transaction inline (no `beginTransaction` round trip).
#[derive(Debug, Clone)]
pub struct ReadWriteTransaction {
    shared: Arc<Shared>,
}

impl ReadWriteTransaction {
    pub(crate) fn new(sessions: ProjectsInstancesDatabasesSessions, session: &PooledSession) -> ReadWriteTransaction {
        ReadWriteTransaction {
            shared: Arc::new(Shared {
                sessions,
                session: session.name().to_owned(),
                attempt: tokio::sync::Mutex::new(Attempt { id: None, seqno: 0 }),
                mutations: Mutex::new(Vec::new()),
                open: session.transaction_slot(),
            }),
        }
    }

    /// Runs `call` with the selector of this transaction (its id, or an
    /// inline begin), keeping the id the response carries. Statements are
    /// serialized: the begin must finish before the next statement uses the
    /// id.
    async fn run<T>(&self, call: impl AsyncFnOnce(TransactionSelector, i64) -> Result<(T, Option<Blob>), Error>) -> Result<T, Error> {
        let mut attempt = self.shared.attempt.lock().await;
        attempt.seqno += 1;
        let selector = match &attempt.id {
            Some(id) => TransactionSelector::new().set_id(id.clone()),
            None => TransactionSelector::new().set_begin(TransactionOptions::new().set_read_write(ReadWrite::new())),
        };
        let (value, id) = call(selector, attempt.seqno).await?;
        if attempt.id.is_none() {
            if let Some(id) = id {
                *self.shared.open.lock().unwrap_or_else(|p| p.into_inner()) = Some(id.clone());
                attempt.id = Some(id);
            }
        }
        Ok(value)
    }

    /// Runs a query and returns its rows.
    pub async fn execute_query(&self, statement: impl Into<Statement>) -> Result<QueryResult, Error> {
        let statement = statement.into();
        self.run(async |selector, _| {
            let set = self.shared.sessions.execute_sql(self.shared.session.clone(), sql_request(statement, Some(selector))).send().await?;
            let id = transaction_id(&set);
            Ok((QueryResult::from_result_set(set), id))
        })
        .await
    }

    /// Runs a DML statement (`INSERT`, `UPDATE`, `DELETE`) and returns the
    /// number of rows it changed.
    pub async fn execute_update(&self, statement: impl Into<Statement>) -> Result<i64, Error> {
        let statement = statement.into();
        self.run(async |selector, seqno| {
            let request = sql_request(statement, Some(selector)).set_seqno(seqno);
            let set = self.shared.sessions.execute_sql(self.shared.session.clone(), request).send().await?;
            let id = transaction_id(&set);
            let count = set.stats.as_ref().and_then(|s| s.row_count_exact).unwrap_or(0);
            Ok((count, id))
        })
        .await
    }

    /// Runs several DML statements in one call and returns each one's row
    /// count. When one fails, the error says which; the ones before it took
    /// effect in the transaction.
    pub async fn batch_update(&self, statements: Vec<Statement>) -> Result<Vec<i64>, Error> {
        self.run(async |selector, seqno| {
            let statements: Vec<_> = statements
                .into_iter()
                .map(|s| {
                    let mut statement = nimbus_spanner::types::Statement::new().set_sql(s.sql);
                    if !s.params.is_empty() {
                        statement = statement.set_params(s.params).set_param_types(s.param_types);
                    }
                    statement
                })
                .collect();
            let request = ExecuteBatchDmlRequest::new().set_statements(statements).set_transaction(selector).set_seqno(seqno);
            let response = self.shared.sessions.execute_batch_dml(self.shared.session.clone(), request).send().await?;
            let sets = response.result_sets.unwrap_or_default();
            let id = sets.first().and_then(transaction_id);
            let counts: Vec<i64> = sets.iter().map(|s| s.stats.as_ref().and_then(|st| st.row_count_exact).unwrap_or(0)).collect();
            let status = response.status.unwrap_or_default();
            match status.code {
                None | Some(0) => Ok((counts, id)),
                Some(code) => {
                    let name = nimbus_google::stream::grpc_code_name(i64::from(code)).unwrap_or("UNKNOWN");
                    let message = format!("statement {} of the batch failed: {}", counts.len(), status.message.unwrap_or_default());
                    // The id still counts: earlier statements began the transaction.
                    if let Some(id) = id {
                        *self.shared.open.lock().unwrap_or_else(|p| p.into_inner()) = Some(id);
                    }
                    Err(Error::service_status(200, name, message))
                }
            }
        })
        .await
    }

    /// Reads rows by key in the transaction (the read's locks are held
    /// until commit).
    pub async fn read(&self, read: TableRead) -> Result<QueryResult, Error> {
        self.run(async |selector, _| {
            let set = self.shared.sessions.read(self.shared.session.clone(), read.into_request(Some(selector))).send().await?;
            let id = transaction_id(&set);
            Ok((QueryResult::from_result_set(set), id))
        })
        .await
    }

    /// Runs a query in the transaction with its rows streamed and resumed
    /// after a retryable failure. As the first statement it begins the
    /// transaction inline (the call returns once the first result arrived).
    /// Read the stream inside the transaction's closure.
    pub async fn query_stream(&self, statement: impl Into<Statement>) -> Result<RowStream, Error> {
        self.stream(StreamRequest::Query(sql_request(statement.into(), None))).await
    }

    /// Reads rows by key in the transaction, streamed like
    /// [`query_stream`](Self::query_stream).
    pub async fn read_stream(&self, read: TableRead) -> Result<RowStream, Error> {
        self.stream(StreamRequest::Read(read.into_request(None))).await
    }

    async fn stream(&self, mut request: StreamRequest) -> Result<RowStream, Error> {
        self.run(async |selector, _| {
            let begins = selector.begin.is_some();
            request.set_transaction(selector);
            let mut stream = RowStream::new(self.shared.sessions.clone(), StreamSeat::Named(self.shared.session.clone()), request);
            if !begins {
                return Ok((stream, None));
            }
            match stream.begin().await {
                Ok(id) => Ok((stream, Some(id))),
                // Failed before the first result: the inline begin may or may
                // not have begun a transaction, whose id is unknown. As
                // Google's clients do, begin one explicitly and run the
                // stream in it.
                Err(error) if retryable(&error) => {
                    tracing::debug!(%error, "inline begin of a stream failed; beginning the transaction explicitly");
                    let options = TransactionOptions::new().set_read_write(ReadWrite::new());
                    let (id, _) = begin(&self.shared.sessions, &self.shared.session, options).await?;
                    let mut request = stream.into_request();
                    request.set_transaction(TransactionSelector::new().set_id(id.clone()));
                    let stream = RowStream::new(self.shared.sessions.clone(), StreamSeat::Named(self.shared.session.clone()), request);
                    Ok((stream, Some(id)))
                }
                Err(error) => Err(error),
            }
        })
        .await
    }

    /// Buffers a mutation, applied when the transaction commits.
    pub fn buffer(&self, change: Change) {
        self.shared.mutations.lock().unwrap_or_else(|p| p.into_inner()).push(change.into_mutation());
    }

    pub(crate) async fn begun_id(&self) -> Option<Blob> {
        self.shared.attempt.lock().await.id.clone()
    }

    pub(crate) fn take_mutations(&self) -> Vec<Mutation> {
        std::mem::take(&mut *self.shared.mutations.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn finished(&self) {
        self.shared.open.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// Begins a transaction with `options` on `session` (`beginTransaction`):
/// its id and, for a read-only one, its read timestamp.
pub(crate) async fn begin(
    sessions: &ProjectsInstancesDatabasesSessions,
    session: &str,
    options: TransactionOptions,
) -> Result<(Blob, Option<DateTime>), Error> {
    let request = BeginTransactionRequest::new().set_options(options);
    let begun = sessions.begin_transaction(session.to_owned(), request).send().await?;
    let id = begun.id.ok_or_else(|| Error::decode("beginTransaction returned no id", None))?;
    Ok((id, begun.read_timestamp))
}

fn transaction_id(set: &ResultSet) -> Option<Blob> {
    transaction_of(set.metadata.as_ref())
}

/// Whether `error` is Spanner's `ABORTED` (the transaction should be run
/// again).
pub fn is_aborted(error: &Error) -> bool {
    error.kind() == ErrorKind::Service && error.code() == Some("ABORTED")
}

/// The delay `google.rpc.RetryInfo` asks for in an error's details, if any.
pub fn retry_delay(error: &Error) -> Option<Duration> {
    let details = error.details()?;
    let list = details.as_array()?;
    list.iter().find(|d| d.get("@type").and_then(JsonValue::as_str).is_some_and(|t| t.ends_with("google.rpc.RetryInfo"))).and_then(|d| {
        let text = d.get("retryDelay")?.as_str()?.strip_suffix('s')?;
        let seconds: f64 = text.parse().ok()?;
        (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(60.0)))
    })
}
