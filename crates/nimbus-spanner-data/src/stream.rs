//! Streamed query and read results that resume after a failure mid-stream.
//!
//! `executeStreamingSql` and `streamingRead` answer with `PartialResultSet`s, some of which
//! carry a `resumeToken`: a request repeated with that token continues right
//! after that set. [`RowStream`] holds back the sets received since the last
//! token; when the stream fails with a retryable error (a cut connection,
//! `UNAVAILABLE`, a truncated body) it drops them and asks again from the
//! last token, so no row is yielded twice or lost. Sets are released without
//! a token once more than [`MAX_HELD_BYTES`] are held (memory stays bounded);
//! until the next token the stream then cannot resume, and a failure is
//! returned.

use crate::pool::{Pool, Seat};
use crate::row::{Columns, Row};
use nimbus_core::paginate::Paginated;
use nimbus_core::retry::RetryKind;
use nimbus_core::{Blob, Error, ErrorKind, RetryConfig};
use nimbus_google::stream::RowMerger;
use nimbus_spanner::client::ProjectsInstancesDatabasesSessions;
use nimbus_spanner::types::{ExecuteSqlRequest, PartialResultSet, ReadRequest, ResultSetMetadata, TransactionSelector};
use serde_json::Value as JsonValue;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// The most bytes of values held back waiting for a resume token.
pub const MAX_HELD_BYTES: usize = 4 << 20;

/// Consecutive failed resumptions before the error is returned.
const MAX_RESUMES: u32 = 5;

/// What a stream asks for: a query (`executeStreamingSql`) or a read by key
/// (`streamingRead`).
#[derive(Debug, Clone)]
pub(crate) enum StreamRequest {
    Query(ExecuteSqlRequest),
    Read(ReadRequest),
}

impl StreamRequest {
    /// Opens the stream, from `token` when resuming.
    async fn open(
        &self,
        sessions: &ProjectsInstancesDatabasesSessions,
        session: &str,
        token: Option<&Blob>,
    ) -> Result<Paginated<PartialResultSet, Error>, Error> {
        match self {
            StreamRequest::Query(request) => {
                let mut request = request.clone();
                request.resume_token = token.cloned();
                sessions.execute_streaming_sql(session.to_owned(), request).stream().await
            }
            StreamRequest::Read(request) => {
                let mut request = request.clone();
                request.resume_token = token.cloned();
                sessions.streaming_read(session.to_owned(), request).stream().await
            }
        }
    }

    /// Runs the stream in `selector`'s transaction.
    pub(crate) fn set_transaction(&mut self, selector: TransactionSelector) {
        match self {
            StreamRequest::Query(request) => request.transaction = Some(selector),
            StreamRequest::Read(request) => request.transaction = Some(selector),
        }
    }
}

/// The session a stream runs on, and what keeps it.
#[derive(Debug)]
pub(crate) enum StreamSeat {
    /// A single-use read's own session: replaced once when the server lost it
    /// before anything was received.
    SingleUse(Arc<Pool>, Seat),
    /// A read-only transaction's session, kept while the stream lives.
    Transaction(Arc<Seat>),
    /// A read-write transaction's session, kept by the transaction runner.
    Named(String),
}

impl StreamSeat {
    fn name(&self) -> &str {
        match self {
            StreamSeat::SingleUse(_, seat) => seat.name(),
            StreamSeat::Transaction(seat) => seat.name(),
            StreamSeat::Named(name) => name,
        }
    }
}

/// Rows of a streamed query or read, resumed from the last resume token
/// after a retryable failure. A single-use stream holds its pooled session
/// until dropped, a read-only transaction's stream its transaction's
/// session; a read-write transaction's stream is read inside the
/// transaction's closure (its session goes back when the transaction ends).
#[derive(Debug)]
pub struct RowStream {
    sessions: ProjectsInstancesDatabasesSessions,
    seat: StreamSeat,
    request: StreamRequest,
    sets: Option<Parts>,
    merger: RowMerger,
    held: Vec<PartialResultSet>,
    held_bytes: usize,
    /// Whether the merger's state is that of the last token (or the start).
    resumable: bool,
    token: Option<Blob>,
    columns: Option<Arc<Columns>>,
    /// The transaction the first set began (inline begin), if any.
    begun: Option<Blob>,
    /// Whether the request begins a transaction inline and no set has
    /// arrived: a failure then is not resumed (asking again would begin a
    /// second transaction); the caller decides.
    beginning: bool,
    /// Whether any set has arrived.
    received: bool,
    ready: VecDeque<Row>,
    failures: u32,
    replaced_session: bool,
    done: bool,
    resumed: u32,
}

struct Parts(Paginated<PartialResultSet, Error>);

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parts")
    }
}

impl RowStream {
    pub(crate) fn new(sessions: ProjectsInstancesDatabasesSessions, seat: StreamSeat, request: StreamRequest) -> RowStream {
        RowStream {
            sessions,
            seat,
            request,
            sets: None,
            merger: RowMerger::new(),
            held: Vec::new(),
            held_bytes: 0,
            resumable: true,
            token: None,
            columns: None,
            begun: None,
            beginning: false,
            received: false,
            ready: VecDeque::new(),
            failures: 0,
            replaced_session: false,
            done: false,
            resumed: 0,
        }
    }

    /// The request, to run again another way.
    pub(crate) fn into_request(self) -> StreamRequest {
        self.request
    }

    /// The columns, once the first set (which carries them) has arrived.
    pub fn columns(&self) -> Option<&Arc<Columns>> {
        self.columns.as_ref()
    }

    /// How many times the stream was resumed after a failure.
    pub fn resumed(&self) -> u32 {
        self.resumed
    }

    /// The next row; `None` at the end. After an error the stream is over.
    pub async fn next(&mut self) -> Option<Result<Row, Error>> {
        loop {
            if let Some(row) = self.ready.pop_front() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            if let Err(error) = self.advance().await {
                return Some(Err(error));
            }
        }
    }

    /// For a stream whose request begins a transaction inline: waits for
    /// the first set and returns the id of the transaction it began; later
    /// resumptions then run in that transaction instead of beginning another.
    pub(crate) async fn begin(&mut self) -> Result<Blob, Error> {
        self.beginning = true;
        while !self.received && !self.done {
            self.advance().await?;
        }
        let id =
            self.begun.clone().ok_or_else(|| Error::decode("the stream's first result did not carry the transaction it began", None))?;
        self.request.set_transaction(TransactionSelector::new().set_id(id.clone()));
        Ok(id)
    }

    /// Receives one set (opening the stream first, or again after a
    /// failure), or ends the stream; an error ends it for good.
    async fn advance(&mut self) -> Result<(), Error> {
        let sets = match self.sets.as_mut() {
            Some(Parts(sets)) => sets,
            None => {
                match self.request.open(&self.sessions, self.seat.name(), self.token.as_ref()).await {
                    Ok(sets) => self.sets = Some(Parts(sets)),
                    Err(error) => return self.retry(error).await,
                }
                return Ok(());
            }
        };
        match sets.next().await {
            Some(Ok(set)) => {
                if !self.received {
                    self.received = true;
                    self.begun = transaction_of(set.metadata.as_ref());
                    if let Some(metadata) = set.metadata.as_ref() {
                        let columns = Arc::new(Columns::from_metadata(Some(metadata)));
                        self.merger.set_columns(columns.len());
                        self.columns = Some(columns);
                    }
                }
                let token = set.resume_token.clone().filter(|t| !t.is_empty());
                self.held_bytes += set.values.as_deref().map(|v| v.iter().map(size_of_value).sum::<usize>()).unwrap_or(0);
                self.held.push(set);
                if token.is_some() || self.held_bytes > MAX_HELD_BYTES {
                    if let Err(error) = self.release() {
                        self.done = true;
                        return Err(error);
                    }
                    self.resumable = token.is_some();
                    if token.is_some() {
                        self.token = token;
                        self.failures = 0;
                    }
                }
                Ok(())
            }
            Some(Err(error)) => self.retry(error).await,
            None => {
                self.done = true;
                self.release().and_then(|()| std::mem::take(&mut self.merger).finish())
            }
        }
    }

    /// Decides about a failure: `Ok` when the stream will be asked again
    /// (from the last token, after a pause; or on a new session when the
    /// server lost a single-use read's session before it sent anything),
    /// else the error, which ends the stream.
    async fn retry(&mut self, error: Error) -> Result<(), Error> {
        self.sets = None;
        if self.replace_session(&error).await? {
            return Ok(());
        }
        if !retryable(&error) || !self.resumable || self.failures >= MAX_RESUMES || (self.beginning && !self.received) {
            self.done = true;
            return Err(error);
        }
        self.failures += 1;
        self.resumed += 1;
        self.held.clear();
        self.held_bytes = 0;
        let backoff = RetryConfig { initial_backoff: Duration::from_millis(50), max_backoff: Duration::from_secs(2), ..Default::default() };
        tracing::debug!(%error, attempt = self.failures, "resuming a Spanner result stream");
        tokio::time::sleep(backoff.backoff(self.failures)).await;
        Ok(())
    }

    /// Moves a single-use stream that has received nothing to a new session
    /// when `error` says the server lost its session (once); whether it did.
    /// The lost session is given up first, so a full pool has its place.
    async fn replace_session(&mut self, error: &Error) -> Result<bool, Error> {
        let StreamSeat::SingleUse(pool, seat) = &self.seat else { return Ok(false) };
        if self.replaced_session || self.received || !pool.session_gone(error, seat.name()).await {
            return Ok(false);
        }
        self.replaced_session = true;
        let StreamSeat::SingleUse(pool, lost) = std::mem::replace(&mut self.seat, StreamSeat::Named(String::new())) else {
            return Ok(false);
        };
        pool.lost(lost);
        match pool.seat(crate::pool::Use::Read).await {
            Ok(fresh) => {
                self.seat = StreamSeat::SingleUse(pool, fresh);
                Ok(true)
            }
            Err(error) => {
                self.done = true;
                Err(error)
            }
        }
    }

    /// Merges the held sets into rows ready to be yielded.
    fn release(&mut self) -> Result<(), Error> {
        for set in std::mem::take(&mut self.held) {
            let chunked = set.chunked_value.unwrap_or(false);
            let rows = self.merger.push_values(set.values.unwrap_or_default(), chunked)?;
            let columns = self.columns.clone().unwrap_or_default();
            self.ready.extend(rows.into_iter().map(|values| Row::new(columns.clone(), values)));
        }
        self.held_bytes = 0;
        Ok(())
    }
}

/// Whether a failed stream may be asked again: Google's transient failures
/// (AIP-194: connection failures, timeouts, `UNAVAILABLE`), plus a body cut
/// short mid-JSON. Re-asking from a token is always safe for a read.
pub(crate) fn retryable(error: &Error) -> bool {
    error.kind() == ErrorKind::Decode || nimbus_google::error::classify(error, true) == RetryKind::Transient
}

/// The transaction a result's metadata says its statement began.
pub(crate) fn transaction_of(metadata: Option<&ResultSetMetadata>) -> Option<Blob> {
    metadata.and_then(|m| m.transaction.as_ref()).and_then(|t| t.id.clone())
}

/// Roughly the bytes a value holds.
fn size_of_value(value: &JsonValue) -> usize {
    match value {
        JsonValue::String(s) => s.len() + 24,
        JsonValue::Array(items) => items.iter().map(size_of_value).sum::<usize>() + 24,
        JsonValue::Object(map) => map.iter().map(|(k, v)| k.len() + size_of_value(v)).sum::<usize>() + 48,
        _ => 16,
    }
}
