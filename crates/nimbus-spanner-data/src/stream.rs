//! Streamed query results that resume after a failure mid-stream.
//!
//! `executeStreamingSql` answers with `PartialResultSet`s, some of which
//! carry a `resumeToken`: a request repeated with that token continues right
//! after that set. [`RowStream`] holds back the sets received since the last
//! token; when the stream fails with a retryable error (a cut connection,
//! `UNAVAILABLE`, a truncated body) it drops them and asks again from the
//! last token, so no row is yielded twice or lost. Sets are released without
//! a token once more than [`MAX_HELD_BYTES`] are held (memory stays bounded);
//! until the next token the stream then cannot resume, and a failure is
//! returned.

use crate::pool::PooledSession;
use crate::row::{Columns, Row};
use nimbus_core::paginate::Paginated;
use nimbus_core::retry::RetryKind;
use nimbus_core::{Blob, Error, ErrorKind, RetryConfig};
use nimbus_google::stream::RowMerger;
use nimbus_spanner::client::ProjectsInstancesDatabasesSessions;
use nimbus_spanner::types::{ExecuteSqlRequest, PartialResultSet};
use serde_json::Value as JsonValue;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// The most bytes of values held back waiting for a resume token.
pub const MAX_HELD_BYTES: usize = 4 << 20;

/// Consecutive failed resumptions before the error is returned.
const MAX_RESUMES: u32 = 5;

/// Rows of a streamed query, resumed from the last resume token after a
/// retryable failure. Holds its pooled session until dropped.
#[derive(Debug)]
pub struct RowStream {
    sessions: ProjectsInstancesDatabasesSessions,
    session: PooledSession,
    request: ExecuteSqlRequest,
    sets: Option<Parts>,
    merger: RowMerger,
    held: Vec<PartialResultSet>,
    held_bytes: usize,
    /// Whether the merger's state is that of the last token (or the start).
    resumable: bool,
    token: Option<Blob>,
    columns: Option<Arc<Columns>>,
    ready: VecDeque<Row>,
    failures: u32,
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
    pub(crate) fn new(sessions: ProjectsInstancesDatabasesSessions, session: PooledSession, request: ExecuteSqlRequest) -> RowStream {
        RowStream {
            sessions,
            session,
            request,
            sets: None,
            merger: RowMerger::new(),
            held: Vec::new(),
            held_bytes: 0,
            resumable: true,
            token: None,
            columns: None,
            ready: VecDeque::new(),
            failures: 0,
            done: false,
            resumed: 0,
        }
    }

    /// The columns, once the first set has arrived.
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
            if self.sets.is_none() {
                let mut request = self.request.clone();
                if let Some(token) = &self.token {
                    request = request.set_resume_token(token.clone());
                }
                match self.sessions.execute_streaming_sql(self.session.name().to_owned(), request).stream().await {
                    Ok(sets) => self.sets = Some(Parts(sets)),
                    Err(error) => match self.retry(error).await {
                        Some(error) => return Some(Err(error)),
                        None => continue,
                    },
                }
            }
            let Some(Parts(sets)) = self.sets.as_mut() else { continue };
            match sets.next().await {
                Some(Ok(set)) => {
                    let token = set.resume_token.clone().filter(|t| !t.is_empty());
                    self.held_bytes += set.values.as_deref().map(|v| v.iter().map(size_of_value).sum::<usize>()).unwrap_or(0);
                    self.held.push(set);
                    if token.is_some() || self.held_bytes > MAX_HELD_BYTES {
                        if let Err(error) = self.release() {
                            self.done = true;
                            return Some(Err(error));
                        }
                        self.resumable = token.is_some();
                        if token.is_some() {
                            self.token = token;
                            self.failures = 0;
                        }
                    }
                }
                Some(Err(error)) => {
                    if let Some(error) = self.retry(error).await {
                        return Some(Err(error));
                    }
                }
                None => {
                    self.done = true;
                    if let Err(error) = self.release().and_then(|()| std::mem::take(&mut self.merger).finish()) {
                        return Some(Err(error));
                    }
                }
            }
        }
    }

    /// Decides about a failure: `None` when the stream will be asked again
    /// from the last token (after a pause), else the error to return.
    async fn retry(&mut self, error: Error) -> Option<Error> {
        self.sets = None;
        // Google's transient failures (AIP-194: connection failures, timeouts,
        // UNAVAILABLE), plus a body cut short mid-JSON: re-asking from a token
        // is always safe for a read.
        let retryable = error.kind() == ErrorKind::Decode || nimbus_google::error::classify(&error, true) == RetryKind::Transient;
        if !retryable || !self.resumable || self.failures >= MAX_RESUMES {
            self.done = true;
            return Some(error);
        }
        self.failures += 1;
        self.resumed += 1;
        self.held.clear();
        self.held_bytes = 0;
        let backoff = RetryConfig { initial_backoff: Duration::from_millis(50), max_backoff: Duration::from_secs(2), ..Default::default() };
        tracing::debug!(%error, attempt = self.failures, "resuming a Spanner result stream");
        tokio::time::sleep(backoff.backoff(self.failures)).await;
        None
    }

    /// Merges the held sets into rows ready to be yielded.
    fn release(&mut self) -> Result<(), Error> {
        for set in std::mem::take(&mut self.held) {
            if self.columns.is_none() {
                if let Some(metadata) = set.metadata.as_ref() {
                    let columns = Arc::new(Columns::from_metadata(Some(metadata)));
                    self.merger.set_columns(columns.len());
                    self.columns = Some(columns);
                }
            }
            let chunked = set.chunked_value.unwrap_or(false);
            let rows = self.merger.push_values(set.values.unwrap_or_default(), chunked)?;
            let columns = self.columns.clone().unwrap_or_default();
            self.ready.extend(rows.into_iter().map(|values| Row::new(columns.clone(), values)));
        }
        self.held_bytes = 0;
        Ok(())
    }
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
