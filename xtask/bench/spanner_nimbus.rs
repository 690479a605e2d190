//! Spanner `sessions.get` with nimbus: the user program of `cargo xtask bench`.

mod harness;

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
        other => return Err(format!("unknown operation {other}").into()),
    }
    Ok(())
}
