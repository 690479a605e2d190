//! Athena `GetSession` with nimbus: the user program of `cargo xtask bench`.

mod harness;

#[global_allocator]
static ALLOCATOR: harness::Counting = harness::Counting;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(args) = harness::bench_args() else {
        // Normal use: one GetSession against the configured account.
        let session_id = std::env::args().nth(1).ok_or("usage: athena <session-id>")?;
        let client = nimbus_athena::Client::new(nimbus_athena::Config::from_env()?);
        let session = client.get_session(session_id).send().await?;
        println!("{:?}", session.status.and_then(|s| s.state));
        return Ok(());
    };
    let mut config = nimbus_athena::Config::new().region("us-east-1").endpoint_url(&args.endpoint);
    config = if args.unsigned {
        config.no_credentials()
    } else {
        config.credentials(nimbus_athena::config::Credentials::new("AKIDBENCHMARK", "bench/secret", None))
    };
    let client = &nimbus_athena::Client::new(config);
    match args.operation.as_str() {
        "GetSession" => {
            harness::measure(&args, || async move {
                let out = client.get_session("s-1").send().await?;
                Ok::<_, nimbus_athena::errors::GetSessionError>(out.session_id.map_or(0, |id| id.len()))
            })
            .await
        }
        "GetWorkGroup" => {
            harness::measure(&args, || async move {
                let out = client.get_work_group("primary").send().await?;
                Ok::<_, nimbus_athena::errors::GetWorkGroupError>(out.work_group.map_or(0, |w| w.name.len()))
            })
            .await
        }
        "GetQueryResults" => {
            harness::measure(&args, || async move {
                let out = client.get_query_results("q-1").send().await?;
                let rows = out.result_set.and_then(|r| r.rows).unwrap_or_default();
                Ok::<_, nimbus_athena::errors::GetQueryResultsError>(rows.iter().map(|r| r.data.as_ref().map_or(0, Vec::len)).sum())
            })
            .await
        }
        other => return Err(format!("unknown operation {other}").into()),
    }
    Ok(())
}
