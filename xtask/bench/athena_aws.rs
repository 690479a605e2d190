//! Athena `GetSession` with aws-sdk-athena + aws-config: the anchor program
//! of `cargo xtask bench`.

mod harness;

use aws_sdk_athena::config::{BehaviorVersion, Credentials, Region};

#[global_allocator]
static ALLOCATOR: harness::Counting = harness::Counting;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(args) = harness::bench_args() else {
        // Normal use: one GetSession against the configured account.
        let session_id = std::env::args().nth(1).ok_or("usage: athena <session-id>")?;
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        let client = aws_sdk_athena::Client::new(&config);
        let session = client.get_session().session_id(session_id).send().await?;
        println!("{:?}", session.status.and_then(|s| s.state));
        return Ok(());
    };
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&args.endpoint)
        .credentials_provider(Credentials::new("AKIDBENCHMARK", "bench/secret", None, None, "bench"))
        .load()
        .await;
    let client = &aws_sdk_athena::Client::new(&config);
    match args.operation.as_str() {
        "GetSession" => {
            harness::measure(&args, || async move {
                let out = client.get_session().session_id("s-1").send().await.map_err(|e| format!("{e:?}"))?;
                Ok::<_, String>(out.session_id.map_or(0, |id| id.len()))
            })
            .await
        }
        "GetWorkGroup" => {
            harness::measure(&args, || async move {
                let out = client.get_work_group().work_group("primary").send().await.map_err(|e| format!("{e:?}"))?;
                Ok::<_, String>(out.work_group.map_or(0, |w| w.name.len()))
            })
            .await
        }
        "GetQueryResults" => {
            harness::measure(&args, || async move {
                let out = client.get_query_results().query_execution_id("q-1").send().await.map_err(|e| format!("{e:?}"))?;
                let rows = out.result_set.and_then(|r| r.rows).unwrap_or_default();
                Ok::<_, String>(rows.iter().map(|r| r.data.as_ref().map_or(0, Vec::len)).sum())
            })
            .await
        }
        other => return Err(format!("unknown operation {other}").into()),
    }
    Ok(())
}
