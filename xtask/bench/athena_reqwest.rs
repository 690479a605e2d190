//! The floor for Athena calls: a hand-written request with reqwest and serde,
//! decoding only what the benchmark reads (no signing, retries or modeled
//! errors).

mod harness;

use serde::Deserialize;

#[global_allocator]
static ALLOCATOR: harness::Counting = harness::Counting;

#[derive(Deserialize)]
struct GetSession {
    #[serde(rename = "SessionId")]
    session_id: Option<String>,
}

#[derive(Deserialize)]
struct GetWorkGroup {
    #[serde(rename = "WorkGroup")]
    work_group: Option<WorkGroup>,
}

#[derive(Deserialize)]
struct WorkGroup {
    #[serde(rename = "Name")]
    name: String,
}

#[derive(Deserialize)]
struct GetQueryResults {
    #[serde(rename = "ResultSet")]
    result_set: Option<ResultSet>,
}

#[derive(Deserialize)]
struct ResultSet {
    #[serde(rename = "Rows")]
    rows: Option<Vec<Row>>,
}

#[derive(Deserialize)]
struct Row {
    #[serde(rename = "Data")]
    data: Option<Vec<Datum>>,
}

#[derive(Deserialize)]
struct Datum {
    #[serde(rename = "VarCharValue")]
    #[allow(dead_code)]
    var_char_value: Option<String>,
}

async fn call<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    endpoint: &str,
    target: &str,
    body: &'static str,
) -> Result<T, String> {
    let response = client
        .post(endpoint)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("AmazonAthena.{target}"))
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("status {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = harness::bench_args().ok_or("usage: athena-floor bench <endpoint> <operation> <calls>")?;
    let client = &reqwest::Client::new();
    let endpoint = args.endpoint.as_str();
    match args.operation.as_str() {
        "GetSession" => {
            harness::measure(&args, || async move {
                let out: GetSession = call(&client, endpoint, "GetSession", r#"{"SessionId":"s-1"}"#).await?;
                Ok::<_, String>(out.session_id.map_or(0, |id| id.len()))
            })
            .await
        }
        "GetWorkGroup" => {
            harness::measure(&args, || async move {
                let out: GetWorkGroup = call(&client, endpoint, "GetWorkGroup", r#"{"WorkGroup":"primary"}"#).await?;
                Ok::<_, String>(out.work_group.map_or(0, |w| w.name.len()))
            })
            .await
        }
        "GetQueryResults" => {
            harness::measure(&args, || async move {
                let out: GetQueryResults = call(&client, endpoint, "GetQueryResults", r#"{"QueryExecutionId":"q-1"}"#).await?;
                let rows = out.result_set.and_then(|r| r.rows).unwrap_or_default();
                Ok::<_, String>(rows.iter().map(|r| r.data.as_ref().map_or(0, Vec::len)).sum())
            })
            .await
        }
        other => return Err(format!("unknown operation {other}").into()),
    }
    Ok(())
}
