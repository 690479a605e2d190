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
    for f in &failed {
        println!("--- spanner pool: {f}");
    }
    println!("spanner pool: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "{failed:?}");
}
