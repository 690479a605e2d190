//! The session pool's accounting and the transaction runner's decisions,
//! against the generated `testing::Mock` (no HTTP): no session leaks on an
//! error or a cancelled operation, the pool never exceeds its maximum, a full
//! pool times out with a clear error, `ABORTED` is re-run after the delay
//! `RetryInfo` asks for, a lost session is replaced. Prints
//! `spanner pool: N passed, M failed`.

use nimbus_core::ErrorKind;
use nimbus_core::http::{Headers, HttpResponse};
use nimbus_spanner::names::DatabaseName;
use nimbus_spanner::testing::Mock;
use nimbus_spanner::types::*;
use nimbus_spanner_data::{DatabaseClient, Keys, PoolConfig, Statement, TableRead, TimestampBound};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn database() -> DatabaseName {
    DatabaseName::new("p", "inst", "db")
}

/// A mock whose session creation makes numbered regular sessions (asked for
/// a multiplexed one, it makes a regular one, as the emulator does), and
/// whose begins, commits and rollbacks succeed.
fn mock() -> Mock {
    let mock = Mock::new();
    let next = Arc::new(AtomicUsize::new(0));
    let counter = next.clone();
    mock.on_projects_instances_databases_sessions_create()
        .answers(move |_| Ok(Session::new().set_name(format!("{}/sessions/s-{}", database(), counter.fetch_add(1, Ordering::SeqCst) + 1))));
    with_batch_create(mock, next)
}

/// [`mock`] without `sessions.create`: the test answers it.
fn mock_without_create() -> Mock {
    with_batch_create(Mock::new(), Arc::new(AtomicUsize::new(0)))
}

fn with_batch_create(mock: Mock, next: Arc<AtomicUsize>) -> Mock {
    mock.on_projects_instances_databases_sessions_batch_create().answers(move |params| {
        let count = params.request.session_count.unwrap_or(1).max(1) as usize;
        let sessions = (0..count)
            .map(|_| Session::new().set_name(format!("{}/sessions/s-{}", database(), next.fetch_add(1, Ordering::SeqCst) + 1)))
            .collect::<Vec<_>>();
        Ok(BatchCreateSessionsResponse::new().set_session(sessions))
    });
    mock.on_projects_instances_databases_sessions_begin_transaction().returns(Transaction::new().set_id(nimbus_core::Blob::new(*b"tx")));
    mock.on_projects_instances_databases_sessions_commit().returns(CommitResponse::new());
    mock.on_projects_instances_databases_sessions_rollback().returns(Empty::new());
    mock
}

fn config(min: usize, max: usize) -> PoolConfig {
    PoolConfig { min_sessions: min, max_sessions: max, ..PoolConfig::default() }
}

fn count_result() -> ResultSet {
    let field = Field::new().set_name("n").set_type(Type::new().set_code(TypeCode::Int64));
    ResultSet::new()
        .set_metadata(ResultSetMetadata::new().set_row_type(StructType::new().set_fields(vec![field])))
        .set_rows(vec![vec![serde_json::json!("1")]])
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

async fn cancelled_transaction_returns_its_session() -> Result<(), String> {
    let db = DatabaseClient::new(&mock().client(), database(), config(1, 2)).await.map_err(|e| e.to_string())?;
    let run = db.read_write_transaction(|_tx| async move {
        std::future::pending::<()>().await;
        Ok(())
    });
    ensure!(tokio::time::timeout(Duration::from_millis(50), run).await.is_err(), "the transaction never finishes");
    ensure!(db.session_count() == 1 && db.idle_session_count() == 1, "{} sessions, {} idle", db.session_count(), db.idle_session_count());
    Ok(())
}

async fn failed_transaction_returns_its_session() -> Result<(), String> {
    let db = DatabaseClient::new(&mock().client(), database(), config(1, 2)).await.map_err(|e| e.to_string())?;
    let err = db
        .read_write_transaction(|_tx| async move { Err::<(), _>(nimbus_core::Error::new(ErrorKind::InvalidRequest, "the body failed")) })
        .await
        .unwrap_err();
    ensure!(err.message() == "the body failed", "the body's error is returned: {err}");
    ensure!(db.session_count() == 1 && db.idle_session_count() == 1, "{} sessions, {} idle", db.session_count(), db.idle_session_count());
    Ok(())
}

async fn never_more_than_max_sessions() -> Result<(), String> {
    let mock = mock();
    let db = DatabaseClient::new(&mock.client(), database(), config(0, 3)).await.map_err(|e| e.to_string())?;
    let runs = (0..20).map(|_| {
        db.read_write_transaction(|_tx| async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(())
        })
    });
    futures_util::future::try_join_all(runs).await.map_err(|e| e.to_string())?;
    let created = db.stats().created.load(Ordering::Relaxed);
    ensure!(created == 3, "20 concurrent transactions through max 3 sessions created {created}");
    ensure!(db.idle_session_count() == 3, "all 3 back, {} idle", db.idle_session_count());
    Ok(())
}

async fn full_pool_times_out() -> Result<(), String> {
    let config = PoolConfig { checkout_timeout: Duration::from_millis(100), ..config(1, 1) };
    let mock = mock();
    mock.on_projects_instances_databases_sessions_execute_sql().returns(count_result());
    let db = DatabaseClient::new(&mock.client(), database(), config).await.map_err(|e| e.to_string())?;
    let held = db.read_only_transaction(TimestampBound::Strong).await.map_err(|e| e.to_string())?;
    let err = db.query("SELECT 1").await.unwrap_err();
    ensure!(err.kind() == ErrorKind::Timeout && err.message().contains("in use"), "timeout error: {err}");
    drop(held);
    db.query("SELECT 1").await.map_err(|e| format!("after the holder is done: {e}"))?;
    Ok(())
}

async fn aborted_reruns_after_retry_info() -> Result<(), String> {
    let mock = mock();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    mock.on_projects_instances_databases_sessions_execute_sql().answers(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            let body = r#"{"error":{"code":409,"status":"ABORTED","message":"aborted","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"0.300s"}]}}"#;
            return Err(nimbus_core::Error::service("ABORTED", "aborted", None, HttpResponse::new(409, Headers::new(), body)));
        }
        Ok(count_result().set_stats(ResultSetStats::new().set_row_count_exact(1)))
    });
    let db = DatabaseClient::new(&mock.client(), database(), config(1, 1)).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let committed = db
        .read_write_transaction(|tx| async move { tx.execute_update(Statement::new("UPDATE T SET x = 1 WHERE TRUE")).await })
        .await
        .map_err(|e| e.to_string())?;
    ensure!(committed.aborted_retries == 1 && committed.value == 1, "one retry: {committed:?}");
    ensure!(started.elapsed() >= Duration::from_millis(300), "waited {:?}, RetryInfo asked 300 ms", started.elapsed());
    ensure!(calls.load(Ordering::SeqCst) == 2, "the body ran twice");
    Ok(())
}

async fn lost_session_is_replaced() -> Result<(), String> {
    let mock = mock();
    mock.on_projects_instances_databases_sessions_execute_sql().answers(|params| {
        if params.session.ends_with("/s-1") {
            let body = r#"{"error":{"code":404,"status":"NOT_FOUND","message":"Session not found: s-1"}}"#;
            return Err(nimbus_core::Error::service(
                "NOT_FOUND",
                "Session not found: s-1",
                None,
                HttpResponse::new(404, Headers::new(), body),
            ));
        }
        Ok(count_result())
    });
    let db = DatabaseClient::new(&mock.client(), database(), config(1, 2)).await.map_err(|e| e.to_string())?;
    let result = db.query("SELECT 1").await.map_err(|e| e.to_string())?;
    ensure!(result.rows[0].get::<i64>("n").map_err(|e| e.to_string())? == 1, "the retried query's row");
    ensure!(db.stats().replaced.load(Ordering::Relaxed) == 1, "one session replaced");
    ensure!(db.session_count() == 1, "the lost session left the pool: {} sessions", db.session_count());
    ensure!(!db.uses_multiplexed_sessions(), "a regular session answered the probe: multiplexed sessions are off");
    Ok(())
}

fn not_found(what: &str) -> nimbus_core::Error {
    let body = format!(r#"{{"error":{{"code":404,"status":"NOT_FOUND","message":"Session not found: {what}"}}}}"#);
    nimbus_core::Error::service("NOT_FOUND", format!("Session not found: {what}"), None, HttpResponse::new(404, Headers::new(), body))
}

/// A server that makes multiplexed sessions: single-use queries and
/// read-only transactions run on it while the only pooled session is held by
/// a read-write transaction (through the pool they would time out); when the
/// server loses it, a new one is made.
async fn multiplexed_session_carries_reads() -> Result<(), String> {
    let mock = mock_without_create();
    let made = Arc::new(AtomicUsize::new(0));
    let counter = made.clone();
    mock.on_projects_instances_databases_sessions_create().answers(move |params| {
        let asked = params.request.session.as_ref().and_then(|s| s.multiplexed) == Some(true);
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Session::new().set_name(format!("{}/sessions/mux-{n}", database())).set_multiplexed(asked))
    });
    let lost_once = Arc::new(AtomicUsize::new(0));
    mock.on_projects_instances_databases_sessions_execute_sql().answers(move |params| {
        if params.session.ends_with("/mux-1") && lost_once.fetch_add(1, Ordering::SeqCst) == 5 {
            return Err(not_found("mux-1"));
        }
        if params.session.contains("/mux-") {
            Ok(count_result())
        } else {
            Err(nimbus_core::Error::config("a read went to a pooled session"))
        }
    });
    let config = PoolConfig { checkout_timeout: Duration::from_millis(100), ..config(1, 1) };
    let db = DatabaseClient::new(&mock.client(), database(), config).await.map_err(|e| e.to_string())?;
    ensure!(db.uses_multiplexed_sessions(), "the server made a multiplexed session");
    let writer = db.read_write_transaction(|_tx| async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    });
    let readers = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let queries = (0..10).map(|_| db.query("SELECT 1"));
        let results = futures_util::future::try_join_all(queries).await?;
        let ro = db.read_only_transaction(TimestampBound::Strong).await?;
        drop(ro);
        Ok::<_, nimbus_core::Error>(results.len())
    };
    let (written, read) = tokio::join!(writer, readers);
    written.map_err(|e| format!("the read-write transaction: {e}"))?;
    let read = read.map_err(|e| format!("reads while the pool is busy: {e}"))?;
    ensure!(read == 10, "10 queries");
    let stats = db.stats();
    ensure!(stats.multiplexed_created.load(Ordering::Relaxed) == 2, "one multiplexed session, and one after the server lost it");
    ensure!(stats.replaced.load(Ordering::Relaxed) == 1, "the lost one counted as replaced");
    // 10 queries, the one retried after the loss, the read-only transaction.
    ensure!(stats.multiplexed_uses.load(Ordering::Relaxed) == 12, "uses: {:?}", stats.multiplexed_uses);
    ensure!(stats.created.load(Ordering::Relaxed) == 1 && db.session_count() == 1, "one pooled session for the writer");
    Ok(())
}

/// A server that refuses multiplexed sessions: reads use the pool.
async fn multiplexed_refused_falls_back_to_the_pool() -> Result<(), String> {
    let mock = mock_without_create();
    mock.on_projects_instances_databases_sessions_create().answers(|_| {
        let body = r#"{"error":{"code":501,"status":"UNIMPLEMENTED","message":"multiplexed sessions are not supported"}}"#;
        Err(nimbus_core::Error::service("UNIMPLEMENTED", "not supported", None, HttpResponse::new(501, Headers::new(), body)))
    });
    mock.on_projects_instances_databases_sessions_execute_sql().returns(count_result());
    let db = DatabaseClient::new(&mock.client(), database(), config(1, 2)).await.map_err(|e| e.to_string())?;
    ensure!(!db.uses_multiplexed_sessions(), "multiplexed sessions are off");
    db.query("SELECT 1").await.map_err(|e| e.to_string())?;
    ensure!(db.stats().created.load(Ordering::Relaxed) == 1, "the pool's one session");
    ensure!(db.stats().multiplexed_uses.load(Ordering::Relaxed) == 0, "nothing ran on a multiplexed session");
    Ok(())
}

// ---- A fake streaming server: cuts or fails the stream, then resumes from the token ----

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const STREAM_ROWS: i64 = 20;

/// How the first streaming answer ends after row 10.
#[derive(Clone, Copy, PartialEq)]
enum Failure {
    /// The connection is closed mid-body.
    Cut,
    /// An `UNAVAILABLE` error element ends the stream.
    Unavailable,
}

/// What the fake server does.
#[derive(Clone, Copy, Default)]
struct Scenario {
    failure: Option<Failure>,
    /// The first session made (`s-1` or `mux-1`) is gone: every call on it
    /// answers `NOT_FOUND`.
    first_session_lost: bool,
    /// `sessions.create` makes multiplexed sessions (`mux-N`).
    multiplexed: bool,
    /// The first stream ends before its first result.
    cut_before_first_set: bool,
}

/// A request the fake server received.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    body: serde_json::Value,
}

fn token(row: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("after-{row}"))
}

const TRANSACTION_ID: &str = "dHgtNDI="; // "tx-42"

/// One `PartialResultSet` per row (the first with the metadata, and the
/// transaction when the request began one); every third carries a resume
/// token, and row 12 is chunked across two sets.
fn set_for(row: i64, began: bool) -> Vec<serde_json::Value> {
    let mut metadata =
        serde_json::json!({"rowType": {"fields": [{"name": "n", "type": {"code": "INT64"}}, {"name": "s", "type": {"code": "STRING"}}]}});
    if began {
        metadata["transaction"] = serde_json::json!({"id": TRANSACTION_ID});
    }
    let with_token = |mut v: serde_json::Value| {
        if row % 3 == 0 {
            v["resumeToken"] = token(row).into();
        }
        v
    };
    if row == 12 {
        return vec![
            serde_json::json!({"values": [row.to_string(), "row-"], "chunkedValue": true}),
            with_token(serde_json::json!({"values": ["12"]})),
        ];
    }
    let mut set = serde_json::json!({"values": [row.to_string(), format!("row-{row}")]});
    if row == 1 {
        set["metadata"] = metadata;
    }
    vec![with_token(set)]
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(String, serde_json::Value)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = socket.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = serde_json::from_slice(&buf[end + 4..end + 4 + length]).unwrap_or(serde_json::Value::Null);
            return Some((head.lines().next().unwrap_or_default().to_owned(), body));
        }
    }
}

async fn write_chunk(socket: &mut tokio::net::TcpStream, data: &str) -> std::io::Result<()> {
    socket.write_all(format!("{:x}\r\n{data}\r\n", data.len()).as_bytes()).await
}

async fn answer_json(socket: &mut tokio::net::TcpStream, status: &str, body: &str) {
    let head =
        format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
    let _ = socket.write_all(format!("{head}{body}").as_bytes()).await;
}

/// Starts the server; returns its URL and the requests it received.
async fn stream_server(scenario: Scenario) -> (String, Arc<std::sync::Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut streams = 0;
        let mut sessions = 0;
        'accept: while let Ok((mut socket, _)) = listener.accept().await {
            let Some((line, body)) = read_request(&mut socket).await else { continue };
            log.lock().unwrap().push(Seen { line: line.clone(), body: body.clone() });
            if scenario.first_session_lost && (line.contains("/sessions/s-1") || line.contains("/sessions/mux-1")) {
                let body = r#"{"error":{"code":404,"status":"NOT_FOUND","message":"Session not found: the first"}}"#;
                answer_json(&mut socket, "404 Not Found", body).await;
                continue;
            }
            if line.contains(":batchCreate") || line.ends_with("/sessions HTTP/1.1") {
                sessions += 1;
                let multiplexed = scenario.multiplexed && !line.contains(":batchCreate");
                let session = if multiplexed {
                    format!(r#"{{"name":"{}/sessions/mux-{sessions}","multiplexed":true}}"#, database())
                } else {
                    format!(r#"{{"name":"{}/sessions/s-{sessions}"}}"#, database())
                };
                let body = if line.contains(":batchCreate") { format!(r#"{{"session":[{session}]}}"#) } else { session };
                answer_json(&mut socket, "200 OK", &body).await;
                continue;
            }
            if line.contains(":commit") {
                answer_json(&mut socket, "200 OK", r#"{"commitTimestamp":"2026-11-30T00:00:00Z"}"#).await;
                continue;
            }
            if line.contains(":beginTransaction") {
                answer_json(&mut socket, "200 OK", &format!(r#"{{"id":"{TRANSACTION_ID}"}}"#)).await;
                continue;
            }
            streams += 1;
            if streams == 1 && scenario.cut_before_first_set {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.flush().await;
                continue;
            }
            let began = body.pointer("/transaction/begin").is_some();
            let resume = body.get("resumeToken").and_then(|t| t.as_str()).map(str::to_owned);
            let start = match resume {
                Some(t) => (1..=STREAM_ROWS).find(|r| token(*r) == t).map_or(1, |r| r + 1),
                None => 1,
            };
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            let mut first = true;
            let mut element = |v: &serde_json::Value| {
                let prefix = if first { "[" } else { "," };
                first = false;
                format!("{prefix}{v}")
            };
            let fail_now = |row: i64| streams == 1 && row == 10 && scenario.failure.is_some();
            for row in start..=STREAM_ROWS {
                for set in set_for(row, began) {
                    let _ = write_chunk(&mut socket, &element(&set)).await;
                }
                if fail_now(row) {
                    match scenario.failure {
                        Some(Failure::Cut) | None => {
                            let _ = socket.flush().await;
                            drop(socket);
                            continue 'accept;
                        }
                        Some(Failure::Unavailable) => {
                            let error = serde_json::json!({"error": {"code": 503, "status": "UNAVAILABLE", "message": "try again"}});
                            let _ = write_chunk(&mut socket, &element(&error)).await;
                            let _ = write_chunk(&mut socket, "]").await;
                            let _ = socket.write_all(b"0\r\n\r\n").await;
                        }
                    }
                    continue 'accept;
                }
            }
            let _ = write_chunk(&mut socket, if first { "[]" } else { "]" }).await;
            let _ = socket.write_all(b"0\r\n\r\n").await;
        }
    });
    (url, seen)
}

fn stream_requests(seen: &std::sync::Mutex<Vec<Seen>>) -> Vec<Seen> {
    seen.lock().unwrap().iter().filter(|s| s.line.contains(":executeStreamingSql") || s.line.contains(":streamingRead")).cloned().collect()
}

async fn client_for(scenario: Scenario) -> Result<(DatabaseClient, Arc<std::sync::Mutex<Vec<Seen>>>), String> {
    client_with(scenario, config(1, 2)).await
}

async fn client_with(scenario: Scenario, config: PoolConfig) -> Result<(DatabaseClient, Arc<std::sync::Mutex<Vec<Seen>>>), String> {
    let (url, seen) = stream_server(scenario).await;
    let spanner = nimbus_spanner::Client::new(nimbus_spanner::Config::new().endpoint_url(url).no_credentials());
    let db = DatabaseClient::new(&spanner, database(), config).await.map_err(|e| e.to_string())?;
    Ok((db, seen))
}

async fn collect(stream: &mut nimbus_spanner_data::RowStream) -> Result<Vec<(i64, String)>, String> {
    let mut rows = Vec::new();
    while let Some(row) = stream.next().await {
        let row = row.map_err(|e| e.to_string())?;
        rows.push((row.get::<i64>("n").map_err(|e| e.to_string())?, row.get::<String>("s").map_err(|e| e.to_string())?));
    }
    Ok(rows)
}

fn all_rows() -> Vec<(i64, String)> {
    (1..=STREAM_ROWS).map(|r| (r, format!("row-{r}"))).collect()
}

fn tokens_asked(requests: &[Seen]) -> Vec<Option<String>> {
    requests.iter().map(|s| s.body.get("resumeToken").and_then(|t| t.as_str()).map(str::to_owned)).collect()
}

/// A single-use query (or read) whose stream fails after row 10 yields rows
/// 1..20 exactly once, asking again from the token of row 9.
async fn stream_resumes_after(failure: Failure, by_key: bool) -> Result<(), String> {
    let (db, seen) = client_for(Scenario { failure: Some(failure), ..Scenario::default() }).await?;
    let mut stream = if by_key {
        db.read_stream(TableRead::new("t", &["n", "s"], Keys::all())).await
    } else {
        db.query_stream("SELECT n, s FROM t").await
    }
    .map_err(|e| e.to_string())?;
    let rows = collect(&mut stream).await?;
    ensure!(rows == all_rows(), "every row exactly once, in order: {rows:?}");
    ensure!(stream.resumed() == 1, "resumed {} times", stream.resumed());
    let requests = stream_requests(&seen);
    ensure!(tokens_asked(&requests) == vec![None, Some(token(9))], "asked with tokens {:?}", tokens_asked(&requests));
    let verb = if by_key { ":streamingRead" } else { ":executeStreamingSql" };
    ensure!(requests.iter().all(|r| r.line.contains(verb)), "every request is {verb}");
    if by_key {
        ensure!(requests.iter().all(|r| r.body["table"] == "t" && r.body["keySet"]["all"] == true), "the read's table and keys");
    }
    Ok(())
}

async fn stream_resumes_after_a_cut_connection() -> Result<(), String> {
    stream_resumes_after(Failure::Cut, false).await
}

async fn stream_resumes_after_unavailable() -> Result<(), String> {
    stream_resumes_after(Failure::Unavailable, false).await
}

async fn streaming_read_resumes_after_a_cut_connection() -> Result<(), String> {
    stream_resumes_after(Failure::Cut, true).await
}

/// A stream as the first statement of a read-write transaction begins it
/// inline; cut after row 10, it resumes in that transaction (by id, with the
/// token), and the commit names the same transaction.
async fn read_write_stream_begins_inline_and_resumes() -> Result<(), String> {
    let (db, seen) = client_for(Scenario { failure: Some(Failure::Cut), ..Scenario::default() }).await?;
    let committed = db
        .read_write_transaction(|tx| async move {
            let mut stream = tx.query_stream("SELECT n, s FROM t").await?;
            let rows = collect(&mut stream).await.map_err(nimbus_core::Error::config)?;
            Ok((rows, stream.resumed()))
        })
        .await
        .map_err(|e| e.to_string())?;
    let (rows, resumed) = committed.value;
    ensure!(rows == all_rows() && resumed == 1, "every row once after one resume: {rows:?}");
    let requests = stream_requests(&seen);
    ensure!(requests.len() == 2, "two stream requests: {requests:?}");
    ensure!(requests[0].body.pointer("/transaction/begin/readWrite").is_some(), "the first begins inline: {}", requests[0].body);
    ensure!(
        requests[1].body.pointer("/transaction/id") == Some(&serde_json::json!(TRANSACTION_ID))
            && requests[1].body["resumeToken"] == token(9),
        "the resume runs in the begun transaction from row 9's token: {}",
        requests[1].body
    );
    let commit = seen.lock().unwrap().iter().find(|s| s.line.contains(":commit")).cloned().ok_or("no commit")?;
    ensure!(commit.body["transactionId"] == TRANSACTION_ID, "the commit names the transaction: {}", commit.body);
    Ok(())
}

/// A single-use stream whose session the server lost moves to another
/// session before any row, once: a pooled session (the pool's only one, so
/// the lost one must give up its place first) or the multiplexed session.
async fn stream_replaces_a_lost_session() -> Result<(), String> {
    for multiplexed in [false, true] {
        let config = PoolConfig { checkout_timeout: Duration::from_secs(2), ..config(1, 1) };
        let (db, seen) = client_with(Scenario { first_session_lost: true, multiplexed, ..Scenario::default() }, config).await?;
        ensure!(db.uses_multiplexed_sessions() == multiplexed, "multiplexed sessions {multiplexed}");
        let mut stream = db.query_stream("SELECT n, s FROM t").await.map_err(|e| e.to_string())?;
        let rows = collect(&mut stream).await.map_err(|e| format!("multiplexed {multiplexed}: {e}"))?;
        ensure!(rows == all_rows(), "every row once on the new session: {rows:?}");
        let requests = stream_requests(&seen);
        let first = if multiplexed { "/sessions/mux-1:" } else { "/sessions/s-1:" };
        let on: Vec<bool> = requests.iter().map(|r| r.line.contains(first)).collect();
        ensure!(on == vec![true, false], "asked on the first session, then on another: {requests:?}");
        ensure!(db.stats().replaced.load(Ordering::Relaxed) == 1, "one session replaced");
        if multiplexed {
            ensure!(db.stats().multiplexed_created.load(Ordering::Relaxed) == 2, "a new multiplexed session");
        }
    }
    Ok(())
}

/// A read-write transaction whose first statement is a stream that breaks
/// before its first result cannot know whether the inline begin began a
/// transaction: it begins one explicitly and runs the stream in it.
async fn read_write_stream_begins_explicitly_after_an_early_failure() -> Result<(), String> {
    let (db, seen) = client_for(Scenario { cut_before_first_set: true, ..Scenario::default() }).await?;
    let committed = db
        .read_write_transaction(|tx| async move {
            let mut stream = tx.query_stream("SELECT n, s FROM t").await?;
            collect(&mut stream).await.map_err(nimbus_core::Error::config)
        })
        .await
        .map_err(|e| e.to_string())?;
    ensure!(committed.value == all_rows(), "every row once: {:?}", committed.value);
    let seen = seen.lock().unwrap().clone();
    let calls: Vec<&str> = seen
        .iter()
        .filter_map(|s| ["executeStreamingSql", "beginTransaction", "commit"].into_iter().find(|verb| s.line.contains(&format!(":{verb}"))))
        .collect();
    ensure!(calls == ["executeStreamingSql", "beginTransaction", "executeStreamingSql", "commit"], "calls {calls:?}");
    let streams = stream_requests(&std::sync::Mutex::new(seen.clone()));
    ensure!(streams[0].body.pointer("/transaction/begin").is_some(), "the first asks to begin inline");
    ensure!(streams[1].body.pointer("/transaction/id") == Some(&serde_json::json!(TRANSACTION_ID)), "the second runs in the begun one");
    let commit = seen.iter().find(|s| s.line.contains(":commit")).ok_or("no commit")?;
    ensure!(commit.body["transactionId"] == TRANSACTION_ID, "the commit names it: {}", commit.body);
    Ok(())
}

/// Every future of the data plane can be spawned on a multi-threaded
/// runtime: this function compiles only if they are all `Send`.
#[allow(dead_code)]
fn futures_are_send(
    db: DatabaseClient,
    tx: nimbus_spanner_data::ReadWriteTransaction,
    ro: nimbus_spanner_data::ReadOnlyTransaction,
    mut stream: nimbus_spanner_data::RowStream,
) {
    fn send<T: Send>(_: T) {}
    send(db.query("SELECT 1"));
    send(db.query_at(TimestampBound::Strong, "SELECT 1"));
    send(db.query_stream("SELECT 1"));
    send(db.read(TableRead::new("T", &["a"], Keys::all())));
    send(db.read_stream(TableRead::new("T", &["a"], Keys::all())));
    send(tx.query_stream("SELECT 1"));
    send(tx.read(TableRead::new("T", &["a"], Keys::all())));
    send(tx.read_stream(TableRead::new("T", &["a"], Keys::all())));
    send(ro.read(TableRead::new("T", &["a"], Keys::all())));
    send(db.read_only_transaction(TimestampBound::Strong));
    send(db.partitioned_update("DELETE FROM T WHERE TRUE"));
    send(db.read_write_transaction(|tx| async move { tx.execute_update("DELETE FROM T WHERE TRUE").await }));
    send(db.close());
    send(tx.execute_query("SELECT 1"));
    send(tx.execute_update("DELETE FROM T WHERE TRUE"));
    send(tx.batch_update(Vec::new()));
    send(ro.execute_query("SELECT 1"));
    send(stream.next());
}

#[tokio::test]
async fn spanner_pool_suite() {
    let mut failed = Vec::new();
    let mut passed = 0;
    macro_rules! case {
        ($f:ident) => {
            match $f().await {
                Ok(()) => passed += 1,
                Err(why) => failed.push(format!("{}: {why}", stringify!($f))),
            }
        };
    }
    case!(cancelled_transaction_returns_its_session);
    case!(failed_transaction_returns_its_session);
    case!(never_more_than_max_sessions);
    case!(full_pool_times_out);
    case!(aborted_reruns_after_retry_info);
    case!(lost_session_is_replaced);
    case!(stream_resumes_after_a_cut_connection);
    case!(stream_resumes_after_unavailable);
    case!(streaming_read_resumes_after_a_cut_connection);
    case!(read_write_stream_begins_inline_and_resumes);
    case!(stream_replaces_a_lost_session);
    case!(read_write_stream_begins_explicitly_after_an_early_failure);
    case!(multiplexed_session_carries_reads);
    case!(multiplexed_refused_falls_back_to_the_pool);
    for f in &failed {
        println!("--- spanner pool: {f}");
    }
    println!("spanner pool: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "{failed:?}");
}
