//! The loopback server answering the programs' calls with canned responses.

use super::*;

/// Canned responses of the loopback server.
pub(super) struct Canned {
    /// Key (`AmazonAthena.GetSession`, `spanner:GetSession`, ...) -> body.
    pub(super) bodies: BTreeMap<String, Vec<u8>>,
}

pub(super) const ATHENA_ROWS: usize = 1000;
pub(super) const ATHENA_COLUMNS: usize = 8;
pub(super) const SPANNER_ROWS: usize = 10_000;
pub(super) const SPANNER_COLUMNS: usize = 5;
pub(super) const SPANNER_SESSION: &str = "projects/p/instances/i/databases/d/sessions/s-1";
/// Rows of the streamed query (`executeStreamingSql`), in sets of
/// [`SPANNER_STREAM_SET_ROWS`], each set with a resume token.
pub(super) const SPANNER_STREAM_ROWS: usize = 100_000;
pub(super) const SPANNER_STREAM_SET_ROWS: usize = 1_000;
/// The session `batchCreateSessions` returns to the data plane's pool.
pub(super) const SPANNER_POOL_SESSION: &str = "projects/p/instances/i/databases/d/sessions/pool-1";

pub(super) fn canned() -> Canned {
    use serde_json::json;
    let mut bodies = BTreeMap::new();
    let session = json!({
        "SessionId": "s-1",
        "Description": "benchmark session",
        "WorkGroup": "primary",
        "EngineVersion": "PySpark engine version 3",
        "EngineConfiguration": {"CoordinatorDpuSize": 1, "MaxConcurrentDpus": 20, "DefaultExecutorDpuSize": 1,
            "AdditionalConfigs": {"NotebookId": "n-1"}, "SparkProperties": {"spark.executor.memory": "4g"}},
        "NotebookVersion": "Athena notebook version 1",
        "SessionConfiguration": {"ExecutionRole": "arn:aws:iam::123456789012:role/bench", "WorkingDirectory": "s3://bench/work/",
            "IdleTimeoutSeconds": 600, "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"}},
        "Status": {"StartDateTime": 1732406400.123, "LastModifiedDateTime": 1732406460.5, "State": "IDLE", "StateChangeReason": "ready"},
        "Statistics": {"DpuExecutionInMillis": 123456}
    });
    bodies.insert("AmazonAthena.GetSession".into(), session.to_string().into_bytes());
    let work_group = json!({"WorkGroup": {
        "Name": "primary",
        "State": "ENABLED",
        "Configuration": {
            "ResultConfiguration": {"OutputLocation": "s3://bench/results/", "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": "arn:aws:kms:us-east-1:123456789012:key/k"}},
            "EnforceWorkGroupConfiguration": true,
            "PublishCloudWatchMetricsEnabled": true,
            "BytesScannedCutoffPerQuery": 10_000_000_000u64,
            "RequesterPaysEnabled": false,
            "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}
        },
        "Description": "the default work group",
        "CreationTime": 1700000000.0
    }});
    bodies.insert("AmazonAthena.GetWorkGroup".into(), work_group.to_string().into_bytes());
    let columns: Vec<_> = (0..ATHENA_COLUMNS)
        .map(|c| {
            json!({"CatalogName": "hive", "SchemaName": "bench", "TableName": "events", "Name": format!("col{c}"),
                "Label": format!("col{c}"), "Type": "varchar", "Precision": 2147483647, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": true})
        })
        .collect();
    let rows: Vec<_> = (0..ATHENA_ROWS)
        .map(|r| json!({"Data": (0..ATHENA_COLUMNS).map(|c| json!({"VarCharValue": format!("value {r}-{c}")})).collect::<Vec<_>>()}))
        .collect();
    let results = json!({"UpdateCount": 0, "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": columns}}});
    bodies.insert("AmazonAthena.GetQueryResults".into(), results.to_string().into_bytes());
    let spanner_session = json!({"name": SPANNER_SESSION, "labels": {"env": "bench"}, "createTime": "2026-11-24T10:00:00.123456Z",
        "approximateLastUseTime": "2026-11-24T10:05:00Z", "creatorRole": "reader", "multiplexed": false});
    bodies.insert("spanner:GetSession".into(), spanner_session.to_string().into_bytes());
    let fields = [("SingerId", "INT64"), ("Name", "STRING"), ("Score", "FLOAT64"), ("Active", "BOOL"), ("Updated", "TIMESTAMP")];
    let row_type: Vec<_> = fields.iter().map(|(n, t)| json!({"name": n, "type": {"code": t}})).collect();
    let rows: Vec<_> = (0..SPANNER_ROWS)
        .map(|i| json!([i.to_string(), format!("Singer {i}"), i as f64 * 0.5, i % 2 == 0, "2026-11-24T10:00:00.000001Z"]))
        .collect();
    let result_set = json!({"metadata": {"rowType": {"fields": row_type}}, "rows": rows});
    bodies.insert("spanner:ExecuteSql".into(), result_set.to_string().into_bytes());
    // The data plane's pool: batchCreateSessions makes the pool's session, and
    // a single-use read on it returns one row.
    let pool_sessions = json!({"session": [{"name": SPANNER_POOL_SESSION}]});
    bodies.insert("spanner:BatchCreateSessions".into(), pool_sessions.to_string().into_bytes());
    let one_row = json!({"metadata": {"rowType": {"fields": [{"name": "SingerId", "type": {"code": "INT64"}}]}}, "rows": [["7"]]});
    bodies.insert("spanner:SingleRead".into(), one_row.to_string().into_bytes());
    let sets: Vec<_> = (0..SPANNER_STREAM_ROWS / SPANNER_STREAM_SET_ROWS)
        .map(|set| {
            let values: Vec<_> = (set * SPANNER_STREAM_SET_ROWS..(set + 1) * SPANNER_STREAM_SET_ROWS)
                .flat_map(|i| {
                    [
                        json!(i.to_string()),
                        json!(format!("Singer {i}")),
                        json!(i as f64 * 0.5),
                        json!(i % 2 == 0),
                        json!("2026-11-24T10:00:00.000001Z"),
                    ]
                })
                .collect();
            let mut part = json!({"values": values, "resumeToken": format!("dG9rZW4t{set:08}")});
            if set == 0 {
                part["metadata"] = json!({"rowType": {"fields": row_type}});
            }
            part
        })
        .collect();
    bodies.insert("spanner:StreamRows".into(), serde_json::Value::Array(sets).to_string().into_bytes());
    Canned { bodies }
}

/// A loopback HTTP/1.1 server (keep-alive, one thread per connection)
/// answering every request from the canned bodies.
pub(super) fn start_server(canned: Canned) -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding the loopback server: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let canned = Arc::new(canned);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let canned = canned.clone();
            std::thread::spawn(move || serve(stream, &canned));
        }
    });
    Ok(format!("http://{addr}"))
}

pub(super) fn serve(stream: TcpStream, canned: &Canned) {
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else { return };
    let mut writer = std::io::BufWriter::new(write_half);
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let (mut length, mut chunked, mut target) = (0usize, false, None);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.parse().unwrap_or(0),
                    "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                    "x-amz-target" => target = Some(value.to_owned()),
                    _ => {}
                }
            }
        }
        if !read_body(&mut reader, length, chunked) {
            return;
        }
        let key = match target {
            Some(t) => t,
            None if path.contains(":batchCreate") => "spanner:BatchCreateSessions".into(),
            None if path.contains(":executeStreamingSql") => "spanner:StreamRows".into(),
            None if path.contains(SPANNER_POOL_SESSION) => "spanner:SingleRead".into(),
            None if path.contains(":executeSql") => "spanner:ExecuteSql".into(),
            None => "spanner:GetSession".into(),
        };
        let (status, body, content_type) = match canned.bodies.get(&key) {
            Some(b) if key.starts_with("spanner:") => ("200 OK", b.as_slice(), "application/json; charset=UTF-8"),
            Some(b) => ("200 OK", b.as_slice(), "application/x-amz-json-1.1"),
            None => ("404 Not Found", &b"{\"message\":\"no canned response\"}"[..], "application/json"),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-amzn-requestid: bench-request\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).and_then(|_| writer.write_all(body)).and_then(|_| writer.flush()).is_err() {
            return;
        }
    }
}

/// Reads (and drops) a request body; false when the connection broke.
pub(super) fn read_body(reader: &mut BufReader<TcpStream>, length: usize, chunked: bool) -> bool {
    if !chunked {
        return std::io::copy(&mut reader.by_ref().take(length as u64), &mut std::io::sink()).is_ok();
    }
    loop {
        let mut size_line = String::new();
        if reader.read_line(&mut size_line).unwrap_or(0) == 0 {
            return false;
        }
        let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        // The chunk and its CRLF (or, for the last chunk, the final CRLF).
        if std::io::copy(&mut reader.by_ref().take(size as u64 + 2), &mut std::io::sink()).is_err() {
            return false;
        }
        if size == 0 {
            return true;
        }
    }
}
