//! Spanner with nimbus: the user program of `cargo xtask bench` (raw
//! `sessions.get`/`executeSql`, single-use reads through the data plane's
//! session pool, and a streamed query of many rows).

mod harness;

use nimbus_spanner::types::ExecuteSqlRequest;
use nimbus_spanner_data::nimbus_spanner;
use nimbus_spanner_data::{DatabaseClient, PoolConfig, Statement};

#[global_allocator]
static ALLOCATOR: harness::Counting = harness::Counting;

const SESSION: &str = "projects/p/instances/i/databases/d/sessions/s-1";
const MAX_SESSIONS: usize = 4;

/// The data plane's client for the bench database: a pool of 1..4 sessions.
async fn data_plane(client: &nimbus_spanner::Client, multiplexed: bool) -> Result<DatabaseClient, nimbus_spanner::Error> {
    let database = nimbus_spanner::names::DatabaseName::new("p", "i", "d");
    let config = PoolConfig { min_sessions: 1, max_sessions: MAX_SESSIONS, multiplexed, ..PoolConfig::default() };
    DatabaseClient::new(client, database, config).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(args) = harness::bench_args() else {
        // Normal use: get a session with Application Default Credentials.
        let name = std::env::args().nth(1).ok_or("usage: spanner <session-name>")?;
        let client = nimbus_spanner::Client::new(nimbus_spanner::Config::new());
        let session = client.projects().instances().databases().sessions().get(name).send().await?;
        println!("{:?}", session.create_time);
        return Ok(());
    };
    let config =
        nimbus_spanner::Config::new().endpoint_url(&args.endpoint).token_provider(nimbus_spanner::config::StaticToken::new("bench-token"));
    let client = nimbus_spanner::Client::new(config);
    let sessions = &client.projects().instances().databases().sessions();
    match args.operation.as_str() {
        "GetSession" => {
            harness::measure(&args, || async move {
                let session = sessions.get(SESSION).send().await?;
                Ok::<_, nimbus_spanner::Error>(session.name.map_or(0, |n| n.len()))
            })
            .await
        }
        "ExecuteSql" => {
            harness::measure(&args, || async move {
                let request = ExecuteSqlRequest::new().set_sql("SELECT * FROM Singers");
                let result = sessions.execute_sql(SESSION, request).send().await?;
                let rows = result.rows.unwrap_or_default();
                Ok::<_, nimbus_spanner::Error>(rows.iter().map(Vec::len).sum())
            })
            .await
        }
        "SingleRead" => {
            // The pool's own path (checkout, return): multiplexed sessions off.
            let db = &data_plane(&client, false).await?;
            let created = || db.stats().created.load(std::sync::atomic::Ordering::Relaxed);
            let extras = || vec![("sessions_created", created() as f64)];
            harness::measure_then(
                &args,
                || async move {
                    let statement = Statement::new("SELECT SingerId FROM Singers WHERE SingerId = @id").bind("id", 7i64);
                    let result = db.query(statement).await?;
                    let id: i64 = result.rows[0].get("SingerId")?;
                    Ok::<_, nimbus_spanner::Error>(usize::from(id == 7))
                },
                extras,
            )
            .await;
            // The pool reuses its sessions: never more than max_sessions.
            if created() > MAX_SESSIONS as u64 {
                return Err(format!("the pool created {} sessions for {} reads", created(), args.calls).into());
            }
        }
        "StreamRows" => {
            // A streamed query through the pool: rows decoded one set at a
            // time; the peak RSS shows what the stream holds.
            let db = &data_plane(&client, false).await?;
            harness::measure(&args, || async move {
                let mut stream = db.query_stream("SELECT * FROM Singers").await?;
                let mut rows = 0;
                while let Some(row) = stream.next().await {
                    let id: i64 = row?.get(0)?;
                    rows += usize::from(id >= 0);
                }
                Ok::<_, nimbus_spanner::Error>(rows)
            })
            .await
        }
        other => return Err(format!("unknown operation {other}").into()),
    }
    Ok(())
}
