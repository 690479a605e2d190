//! The floor for Spanner calls: a hand-written request with reqwest and
//! serde, decoding only what the benchmark reads.

mod harness;

use serde::Deserialize;

#[global_allocator]
static ALLOCATOR: harness::Counting = harness::Counting;

const SESSION: &str = "projects/p/instances/i/databases/d/sessions/s-1";
const POOL_SESSION: &str = "projects/p/instances/i/databases/d/sessions/pool-1";

#[derive(Deserialize)]
struct Session {
    name: Option<String>,
}

#[derive(Deserialize)]
struct ResultSet {
    rows: Option<Vec<Vec<serde_json::Value>>>,
}

async fn read<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T, String> {
    let response = request.bearer_auth("bench-token").send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("status {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = harness::bench_args().ok_or("usage: spanner-floor bench <endpoint> <operation> <calls>")?;
    let client = &reqwest::Client::new();
    let session_url = &format!("{}/v1/{SESSION}", args.endpoint);
    let execute_url = &format!("{session_url}:executeSql");
    match args.operation.as_str() {
        "GetSession" => {
            harness::measure(&args, || async move {
                let session: Session = read(client.get(session_url)).await?;
                Ok::<_, String>(session.name.map_or(0, |n| n.len()))
            })
            .await
        }
        "ExecuteSql" => {
            harness::measure(&args, || async move {
                let body = serde_json::json!({ "sql": "SELECT * FROM Singers" }).to_string();
                let request = client.post(execute_url).header("content-type", "application/json").body(body);
                let result: ResultSet = read(request).await?;
                Ok::<_, String>(result.rows.unwrap_or_default().iter().map(Vec::len).sum())
            })
            .await
        }
        "SingleRead" => {
            let url = &format!("{}/v1/{POOL_SESSION}:executeSql", args.endpoint);
            harness::measure(&args, || async move {
                let body = serde_json::json!({ "sql": "SELECT SingerId FROM Singers WHERE SingerId = 7" }).to_string();
                let request = client.post(url).header("content-type", "application/json").body(body);
                let result: ResultSet = read(request).await?;
                Ok::<_, String>(result.rows.unwrap_or_default().len())
            })
            .await
        }
        other => return Err(format!("unknown operation {other}").into()),
    }
    Ok(())
}
