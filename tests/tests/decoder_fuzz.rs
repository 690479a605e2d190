//! Mutation fuzzing of the response decoders of the three seed services:
//! mutated bodies (bytes and JSON structure) through the typed decoders, the
//! error-response parser and the streaming decoder must give values or typed
//! errors, never a panic. Prints `fuzz decoders: N executions, M crashes`.

mod common;

use nimbus_core::http::{Headers, HttpResponse};
use nimbus_core::protocol::json;
use xtask::fuzz::{Rng, mutate};

const PER_SEED: usize = 4_000;

fn decode_all(body: &[u8], status: u16) {
    let resp = HttpResponse::new(status, Headers::new(), body.to_vec());
    let _ = json::decode::<nimbus_athena::types::GetSessionResponse>(&resp);
    let _ = json::decode::<nimbus_athena::types::GetQueryResultsOutput>(&resp);
    let _ = json::decode::<nimbus_workspacesweb::types::GetSessionResponse>(&resp);
    let _ = json::decode::<nimbus_spanner::types::Session>(&resp);
    let _ = json::decode::<nimbus_spanner::types::ResultSet>(&resp);
    let _ = json::decode::<nimbus_spanner::types::PartialResultSet>(&resp);
    for e in [nimbus_aws::protocol::error_from_response(resp.clone()), nimbus_google::error::read_error(resp.clone())] {
        let _ = (e.code(), e.details(), e.to_string());
    }
    let chunks: Vec<Result<nimbus_core::http::Bytes, nimbus_core::Error>> =
        body.chunks(7).map(|c| Ok(nimbus_core::http::Bytes::copy_from_slice(c))).collect();
    let values = nimbus_google::stream::json_values(Box::pin(futures_stream(chunks)));
    let rows = nimbus_google::stream::rows(values);
    let _ = tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(collect(rows));
}

fn futures_stream<T: Send + 'static>(items: Vec<T>) -> impl nimbus_core::paginate::Stream<Item = T> + Send {
    nimbus_core::paginate::stream_iter(items)
}

async fn collect(mut s: nimbus_core::paginate::BoxStream<'static, Result<Vec<serde_json::Value>, nimbus_core::Error>>) -> usize {
    let mut n = 0;
    while let Some(item) = nimbus_core::paginate::next(&mut s).await {
        n += 1;
        if item.is_err() {
            break;
        }
    }
    n
}

#[test]
fn response_decoders_never_panic() {
    let seeds: Vec<Vec<u8>> = vec![
        common::athena_get_session_json().to_string().into_bytes(),
        br#"{"session":{"portalArn":"arn:p","sessionId":"s","username":"u","clientIpAddresses":["1.2.3.4"],"status":"Active","startTime":1700000000,"endTime":"2026-11-23T03:35:05.003991"}}"#.to_vec(),
        br#"{"name":"projects/p/instances/i/databases/d/sessions/s","createTime":"2026-11-24T10:00:00.123456789Z","labels":{"a":"b"},"multiplexed":false}"#.to_vec(),
        br#"{"metadata":{"rowType":{"fields":[{"name":"x","type":{"code":"INT64"}}]}},"rows":[["1"],["-9223372036854775808"]],"stats":{"rowCountExact":"2"}}"#.to_vec(),
        br#"[{"metadata":{"rowType":{"fields":[{"name":"s","type":{"code":"STRING"}},{"name":"n","type":{"code":"FLOAT64"}}]}},"values":["ab","NaN","c"],"chunkedValue":true},{"values":["d",1.5]}]"#.to_vec(),
        b"{\"result\":{\"values\":[\"a\"]}}\n{\"error\":{\"code\":5,\"message\":\"gone\"}}\n".to_vec(),
        br#"{"__type":"com.amazonaws.athena#InvalidRequestException","Message":"bad","AthenaErrorCode":"1"}"#.to_vec(),
        br#"{"error":{"code":404,"message":"nope","status":"NOT_FOUND","details":[{"@type":"x"}]}}"#.to_vec(),
        b"<html><body>502 Bad Gateway</body></html>".to_vec(),
    ];
    let mut rng = Rng::new(0x5eed);
    let mut executions = 0;
    let mut crashes = Vec::new();
    for seed in &seeds {
        for i in 0..PER_SEED {
            let input = mutate(seed, &mut rng);
            let status = [200, 400, 404, 500, 503][i % 5];
            executions += 1;
            if let Err(p) = std::panic::catch_unwind(|| decode_all(&input, status)) {
                let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()));
                crashes.push((String::from_utf8_lossy(&input).into_owned(), msg.unwrap_or_default()));
            }
        }
    }
    for (input, msg) in crashes.iter().take(5) {
        println!("--- fuzz decoders: crash `{msg}` on {input}");
    }
    println!("fuzz decoders: {executions} executions, {} crashes", crashes.len());
    assert!(crashes.is_empty(), "decoder crashes: {}", crashes.len());
}
