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
use nimbus_spanner_data::{DatabaseClient, PoolConfig, Statement, TimestampBound};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn database() -> DatabaseName {
    DatabaseName::new("p", "inst", "db")
}

/// A mock whose batchCreateSessions makes numbered sessions, and whose
/// queries, begins and commits succeed.
fn mock() -> Mock {
    let mock = Mock::new();
    let next = Arc::new(AtomicUsize::new(0));
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

fn token(row: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("after-{row}"))
}

/// One `PartialResultSet` per row (the first with the metadata); every third
/// carries a resume token, and row 12 is chunked across two sets.
fn set_for(row: i64) -> Vec<serde_json::Value> {
    let metadata =
        serde_json::json!({"rowType": {"fields": [{"name": "n", "type": {"code": "INT64"}}, {"name": "s", "type": {"code": "STRING"}}]}});
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

/// Starts the server; returns its URL and the resume tokens it was asked with.
async fn stream_server(failure: Failure) -> (String, Arc<std::sync::Mutex<Vec<Option<String>>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = asked.clone();
    tokio::spawn(async move {
        let mut streams = 0;
        'accept: while let Ok((mut socket, _)) = listener.accept().await {
            let Some((line, body)) = read_request(&mut socket).await else { continue };
            if line.contains(":batchCreate") {
                let body = format!(r#"{{"session":[{{"name":"{}/sessions/s-1"}}]}}"#, database());
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(format!("{head}{body}").as_bytes()).await;
                continue;
            }
            streams += 1;
            let resume = body.get("resumeToken").and_then(|t| t.as_str()).map(str::to_owned);
            seen.lock().unwrap().push(resume.clone());
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
            for row in start..=STREAM_ROWS {
                for set in set_for(row) {
                    let _ = write_chunk(&mut socket, &element(&set)).await;
                }
                if streams == 1 && row == 10 {
                    match failure {
                        Failure::Cut => {
                            let _ = socket.flush().await;
                            drop(socket);
                            continue 'accept;
                        }
                        Failure::Unavailable => {
                            let error = serde_json::json!({"error": {"code": 503, "status": "UNAVAILABLE", "message": "try again"}});
                            let _ = write_chunk(&mut socket, &element(&error)).await;
                            let _ = write_chunk(&mut socket, "]").await;
                            let _ = socket.write_all(b"0\r\n\r\n").await;
                        }
                    }
                    break;
                }
            }
            if streams > 1 || start > 10 {
                let _ = write_chunk(&mut socket, if first { "[]" } else { "]" }).await;
                let _ = socket.write_all(b"0\r\n\r\n").await;
            }
        }
    });
    (url, asked)
}

async fn stream_resumes_after(failure: Failure) -> Result<(), String> {
    let (url, asked) = stream_server(failure).await;
    let spanner = nimbus_spanner::Client::new(nimbus_spanner::Config::new().endpoint_url(url).no_credentials());
    let db = DatabaseClient::new(&spanner, database(), config(1, 1)).await.map_err(|e| e.to_string())?;
    let mut stream = db.query_stream("SELECT n, s FROM t").await.map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    while let Some(row) = stream.next().await {
        let row = row.map_err(|e| e.to_string())?;
        rows.push((row.get::<i64>("n").map_err(|e| e.to_string())?, row.get::<String>("s").map_err(|e| e.to_string())?));
    }
    let want: Vec<(i64, String)> = (1..=STREAM_ROWS).map(|r| (r, format!("row-{r}"))).collect();
    ensure!(rows == want, "every row exactly once, in order: {rows:?}");
    ensure!(stream.resumed() == 1, "resumed {} times", stream.resumed());
    let asked = asked.lock().unwrap().clone();
    ensure!(asked == vec![None, Some(token(9))], "asked with tokens {asked:?}");
    Ok(())
}

async fn stream_resumes_after_a_cut_connection() -> Result<(), String> {
    stream_resumes_after(Failure::Cut).await
}

async fn stream_resumes_after_unavailable() -> Result<(), String> {
    stream_resumes_after(Failure::Unavailable).await
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
    for f in &failed {
        println!("--- spanner pool: {f}");
    }
    println!("spanner pool: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "{failed:?}");
}
