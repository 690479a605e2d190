//! Payloads shared by the integration tests.
#![allow(dead_code)]

use nimbus_core::DateTime;
use serde_json::{Value, json};

/// An Athena `GetSession` response with every member set.
pub fn athena_get_session_json() -> Value {
    json!({
        "SessionId": "a6c5bb33-ab7d-4a39-8a3c-1b0e2c3d4e5f",
        "Description": "Notebook session for the analytics team",
        "WorkGroup": "spark-workgroup",
        "EngineVersion": "PySpark engine version 3",
        "EngineConfiguration": {
            "CoordinatorDpuSize": 1,
            "MaxConcurrentDpus": 20,
            "DefaultExecutorDpuSize": 1,
            "AdditionalConfigs": { "NotebookId": "nb-1" },
            "SparkProperties": { "spark.sql.shuffle.partitions": "200" }
        },
        "NotebookVersion": "Athena notebook version 1",
        "SessionConfiguration": {
            "ExecutionRole": "arn:aws:iam::111122223333:role/AthenaSpark",
            "WorkingDirectory": "s3://bucket/athena/",
            "IdleTimeoutSeconds": 3600,
            "EncryptionConfiguration": { "EncryptionOption": "SSE_KMS", "KmsKey": "arn:aws:kms:us-east-1:111122223333:key/k" }
        },
        "Status": {
            "StartDateTime": 1700000000.123,
            "LastModifiedDateTime": 1700000100,
            "EndDateTime": 1700003600,
            "IdleSinceDateTime": 1700000200.5,
            "State": "IDLE",
            "StateChangeReason": "Session is idle"
        },
        "Statistics": { "DpuExecutionInMillis": 123456 }
    })
}

/// The decoded form of [`athena_get_session_json`], built with the setters.
pub fn athena_expected_session() -> nimbus_athena::types::GetSessionResponse {
    use nimbus_athena::types::*;
    let status = SessionStatus::new()
        .set_start_date_time(DateTime::from_parts(1_700_000_000, 123_000_000))
        .set_last_modified_date_time(DateTime::from_secs(1_700_000_100))
        .set_end_date_time(DateTime::from_secs(1_700_003_600))
        .set_idle_since_date_time(DateTime::from_parts(1_700_000_200, 500_000_000))
        .set_state(SessionState::Idle)
        .set_state_change_reason("Session is idle");
    let engine = EngineConfiguration::new()
        .set_max_concurrent_dpus(20)
        .set_coordinator_dpu_size(1)
        .set_default_executor_dpu_size(1)
        .set_additional_configs([("NotebookId".to_owned(), "nb-1".to_owned())])
        .set_spark_properties([("spark.sql.shuffle.partitions".to_owned(), "200".to_owned())]);
    let config = SessionConfiguration::new()
        .set_execution_role("arn:aws:iam::111122223333:role/AthenaSpark")
        .set_working_directory("s3://bucket/athena/")
        .set_idle_timeout_seconds(3600)
        .set_encryption_configuration(
            EncryptionConfiguration::new(EncryptionOption::SseKms).set_kms_key("arn:aws:kms:us-east-1:111122223333:key/k"),
        );
    GetSessionResponse::new()
        .set_session_id("a6c5bb33-ab7d-4a39-8a3c-1b0e2c3d4e5f")
        .set_description("Notebook session for the analytics team")
        .set_work_group("spark-workgroup")
        .set_engine_version("PySpark engine version 3")
        .set_engine_configuration(engine.clone())
        .set_notebook_version("Athena notebook version 1")
        .set_session_configuration(config)
        .set_status(status)
        .set_statistics(SessionStatistics::new().set_dpu_execution_in_millis(123_456))
}

/// The `EngineConfiguration` of [`athena_expected_session`].
pub fn athena_engine() -> nimbus_athena::types::EngineConfiguration {
    athena_expected_session().engine_configuration.unwrap_or_default()
}

/// One scripted answer of [`ScriptedServer`].
#[derive(Clone, Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// JSON body.
    pub body: String,
    /// Wait this long before answering.
    pub delay: std::time::Duration,
    /// Extra header lines (`name: value`).
    pub headers: Vec<String>,
}

/// A request as [`ScriptedServer`] received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// When it arrived.
    pub at: std::time::Instant,
    /// The raw request (head and body).
    pub raw: String,
}

/// An HTTP/1.1 server on 127.0.0.1 (free port) answering each connection with
/// the next scripted answer (the last one repeats), recording what it got.
pub struct ScriptedServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedServer {
    /// Starts the server.
    pub async fn start(script: Vec<Answer>) -> ScriptedServer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        let task = tokio::spawn(async move {
            let mut n = 0;
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let answer = script.get(n).or(script.last()).cloned().expect("a non-empty script");
                n += 1;
                let log = log.clone();
                tokio::spawn(async move {
                    let mut raw = Vec::new();
                    let mut buf = [0u8; 8192];
                    loop {
                        let Ok(k) = sock.read(&mut buf).await else {
                            return;
                        };
                        if k == 0 {
                            return;
                        }
                        raw.extend_from_slice(&buf[..k]);
                        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
                            let len = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .map_or(0, |v| v.trim().parse::<usize>().unwrap_or(0));
                            if raw.len() >= end + 4 + len {
                                break;
                            }
                        }
                    }
                    log.lock()
                        .expect("log")
                        .push(Received { at: std::time::Instant::now(), raw: String::from_utf8_lossy(&raw).into_owned() });
                    tokio::time::sleep(answer.delay).await;
                    let extra: String = answer.headers.iter().map(|h| format!("{h}\r\n")).collect();
                    let response = format!(
                        "HTTP/1.1 {} Scripted\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{}",
                        answer.status,
                        answer.body.len(),
                        answer.body
                    );
                    let _ = sock.write_all(response.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        ScriptedServer { url, received, task }
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A scripted answer without delay.
pub fn answer(status: u16, body: &str) -> Answer {
    Answer { status, body: body.to_owned(), delay: std::time::Duration::ZERO, headers: Vec::new() }
}
