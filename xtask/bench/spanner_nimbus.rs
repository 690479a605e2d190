//! Spanner with nimbus: the user program of `cargo xtask bench` (raw
//! `sessions.get`/`executeSql`, and single-use reads through the data plane's
//! session pool).

mod harness;

use nimbus_spanner_data::nimbus_spanner;
use nimbus_spanner_data::{DatabaseClient, PoolConfig, Statement};
use nimbus_spanner::types::ExecuteSqlRequest;

#[global_allocator]
static ALLOCATOR: harness::Counting = harness::Counting;

const SESSION: &str = "projects/p/instances/i/databases/d/sessions/s-1";

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
    let config = nimbus_spanner::Config::new()
        .endpoint_url(&args.endpoint)
        .token_provider(nimbus_spanner::config::StaticToken::new("bench-token"));
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
            let database = nimbus_spanner::names::DatabaseName::new("p", "i", "d");
            let config = PoolConfig { min_sessions: 1, max_sessions: 4, ..PoolConfig::default() };
            let db = &DatabaseClient::new(&client, database, config).await?;
            harness::measure(&args, || async move {
                let statement = Statement::new("SELECT SingerId FROM Singers WHERE SingerId = @id").bind("id", 7i64);
                let result = db.query(statement).await?;
                let id: i64 = result.rows[0].get("SingerId")?;
                Ok::<_, nimbus_spanner::Error>(usize::from(id == 7))
            })
            .await;
            // The pool reuses its sessions: never more than max_sessions.
            let created = db.stats().created.load(std::sync::atomic::Ordering::Relaxed);
            if created > 4 {
                return Err(format!("the pool created {created} sessions for {} reads", args.calls).into());
            }
        }
        other => return Err(format!("unknown operation {other}").into()),
    }
    Ok(())
}
