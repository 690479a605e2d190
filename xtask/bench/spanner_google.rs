//! Spanner `sessions.get` with google-spanner1 (google-apis-rs): the anchor
//! program of `cargo xtask bench`, with its minimal setup (a hyper client and
//! a bearer token).

mod harness;

use google_spanner1::api::ExecuteSqlRequest;
use google_spanner1::{Spanner, hyper_rustls, hyper_util};

#[global_allocator]
static ALLOCATOR: harness::Counting = harness::Counting;

const SESSION: &str = "projects/p/instances/i/databases/d/sessions/s-1";
const POOL_SESSION: &str = "projects/p/instances/i/databases/d/sessions/pool-1";

fn hub(
    token: String,
) -> Result<Spanner<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>>, Box<dyn std::error::Error>> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new().with_native_roots()?.https_or_http().enable_http1().enable_http2().build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    Ok(Spanner::new(client, token))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(args) = harness::bench_args() else {
        // Normal use: get a session with an access token from the environment.
        let name = std::env::args().nth(1).ok_or("usage: spanner <session-name>")?;
        let hub = hub(std::env::var("GOOGLE_ACCESS_TOKEN")?)?;
        let (_, session) = hub.projects().instances_databases_sessions_get(&name).doit().await?;
        println!("{:?}", session.create_time);
        return Ok(());
    };
    let mut hub = hub("bench-token".to_owned())?;
    hub.base_url(format!("{}/", args.endpoint));
    hub.root_url(format!("{}/", args.endpoint));
    let projects = &hub.projects();
    match args.operation.as_str() {
        "GetSession" => {
            harness::measure(&args, || async move {
                let (_, session) = projects.instances_databases_sessions_get(SESSION).doit().await.map_err(|e| e.to_string())?;
                Ok::<_, String>(session.name.map_or(0, |n| n.len()))
            })
            .await
        }
        "ExecuteSql" => {
            harness::measure(&args, || async move {
                let request = ExecuteSqlRequest { sql: Some("SELECT * FROM Singers".to_owned()), ..Default::default() };
                let (_, result) =
                    projects.instances_databases_sessions_execute_sql(request, SESSION).doit().await.map_err(|e| e.to_string())?;
                let rows = result.rows.unwrap_or_default();
                Ok::<_, String>(rows.iter().map(Vec::len).sum())
            })
            .await
        }
        "SingleRead" => {
            harness::measure(&args, || async move {
                let request =
                    ExecuteSqlRequest { sql: Some("SELECT SingerId FROM Singers WHERE SingerId = 7".to_owned()), ..Default::default() };
                let (_, result) =
                    projects.instances_databases_sessions_execute_sql(request, POOL_SESSION).doit().await.map_err(|e| e.to_string())?;
                Ok::<_, String>(result.rows.unwrap_or_default().len())
            })
            .await
        }
        other => return Err(format!("unknown operation {other}").into()),
    }
    Ok(())
}
