//! The generated Athena and WorkSpaces Web clients end to end: the exact
//! bytes of the seed `GetSession` requests as a local stub server receives
//! them, the decoded responses, and how errors, odd bodies, path labels and
//! idempotency tokens are handled.

mod common;

use common::{ScriptedServer, answer, athena_expected_session, athena_get_session_json};
use nimbus_athena::config::Config as AwsConfig;
use nimbus_core::ErrorKind;
use nimbus_core::http::{Headers, HttpResponse, MockTransport};
use nimbus_spanner::config::Config as GoogleConfig;

/// A server answering once with `body` (status 200).
async fn stub_server(body: String) -> (String, ScriptedServer) {
    let server = ScriptedServer::start(vec![answer(200, &body)]).await;
    (server.url.clone(), server)
}

/// The request as received, split into request line, headers (sorted, lower
/// case names) and body.
fn split_request(server: &ScriptedServer) -> (String, Vec<String>, String) {
    let text = server.received().first().map(|r| r.raw.clone()).unwrap_or_default();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete request");
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut headers: Vec<String> = lines
        .map(|l| match l.split_once(':') {
            Some((name, value)) => format!("{}:{value}", name.to_lowercase()),
            None => l.to_owned(),
        })
        .collect();
    headers.sort();
    // The AWS clients' invocation id is a fresh UUID v4 per call: checked here, then left out.
    if let Some(at) = headers.iter().position(|h| h.starts_with("amz-sdk-invocation-id: ")) {
        let id = headers.remove(at)["amz-sdk-invocation-id: ".len()..].to_owned();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert!(groups == [8, 4, 4, 4, 12] && id.as_bytes()[14] == b'4', "a UUID v4: {id}");
    }
    (request_line, headers, body.to_owned())
}

#[tokio::test]
async fn athena_get_session_on_the_wire() {
    let body = athena_get_session_json().to_string();
    let (endpoint, server) = stub_server(body).await;
    let client = nimbus_athena::Client::new(AwsConfig::new().region("us-east-1").endpoint_url(&endpoint).no_credentials());

    let session = client.get_session("a6c5bb33-ab7d-4a39-8a3c-1b0e2c3d4e5f").send().await.expect("GetSession");
    assert_eq!(session, athena_expected_session());

    let (line, headers, body) = split_request(&server);
    assert_eq!(line, "POST / HTTP/1.1");
    assert_eq!(body, r#"{"SessionId":"a6c5bb33-ab7d-4a39-8a3c-1b0e2c3d4e5f"}"#);
    let host = endpoint.trim_start_matches("http://");
    let expected = [
        "accept: */*".to_owned(),
        "amz-sdk-request: attempt=1; max=3".to_owned(),
        format!("content-length: {}", body.len()),
        "content-type: application/x-amz-json-1.1".to_owned(),
        format!("host: {host}"),
        format!("user-agent: {}", user_agent("Athena/2017-05-18")),
        "x-amz-target: AmazonAthena.GetSession".to_owned(),
        format!("x-amz-user-agent: {}", user_agent("Athena/2017-05-18")),
    ];
    assert_eq!(headers, expected);
}

/// Every member boto3 documents for Athena `get_session` (the newer model adds
/// `MonitoringConfiguration`, `EngineConfiguration.Classifications` and
/// `SessionConfiguration.SessionIdleTimeoutInMinutes`), decoded through the client from
/// a stub server and compared with a value built with the generated setters, so a member
/// the client drops (or a value it replaces with a default) fails the test.
#[tokio::test]
async fn athena_get_session_decodes_every_documented_member() {
    use nimbus_athena::types::*;
    use nimbus_core::DateTime;
    // Values differ from the modeled defaults (MaxConcurrentDpus defaults to 20, the
    // logging `Enabled` flags to false), so a value that is not decoded cannot pass.
    let body = serde_json::json!({
        "SessionId": "b7d6cc44-bc8e-4b4a-9b2d-2c1f3d4e5f60",
        "Description": "Spark session with monitoring",
        "WorkGroup": "spark-monitored",
        "EngineVersion": "PySpark engine version 3",
        "EngineConfiguration": {
            "CoordinatorDpuSize": 1,
            "MaxConcurrentDpus": 60,
            "DefaultExecutorDpuSize": 1,
            "AdditionalConfigs": { "NotebookId": "nb-2", "NotebookIframeParentUrl": "https://console.example" },
            "SparkProperties": { "spark.sql.shuffle.partitions": "400" },
            "Classifications": [
                { "Name": "athena-query-engine-properties", "Properties": { "max-dpu-count": "60", "min-dpu-count": "4" } },
                { "Name": "spark-defaults", "Properties": { "spark.executor.memory": "4g" } }
            ]
        },
        "NotebookVersion": "Athena notebook version 1",
        "MonitoringConfiguration": {
            "CloudWatchLoggingConfiguration": {
                "Enabled": true,
                "LogGroup": "/aws/athena/spark",
                "LogStreamNamePrefix": "session-",
                "LogTypes": { "SPARK_DRIVER": ["STDOUT", "STDERR"], "SPARK_EXECUTOR": ["STDOUT"] }
            },
            "ManagedLoggingConfiguration": {
                "Enabled": true,
                "KmsKey": "arn:aws:kms:us-east-1:111122223333:key/managed"
            },
            "S3LoggingConfiguration": {
                "Enabled": true,
                "KmsKey": "arn:aws:kms:us-east-1:111122223333:key/s3",
                "LogLocation": "s3://logs-bucket/athena/"
            }
        },
        "SessionConfiguration": {
            "ExecutionRole": "arn:aws:iam::111122223333:role/AthenaSpark",
            "WorkingDirectory": "s3://bucket/athena/work/",
            "IdleTimeoutSeconds": 1800,
            "SessionIdleTimeoutInMinutes": 45,
            "EncryptionConfiguration": { "EncryptionOption": "CSE_KMS", "KmsKey": "arn:aws:kms:us-east-1:111122223333:key/c" }
        },
        "Status": {
            "StartDateTime": 1700000000.25,
            "LastModifiedDateTime": 1700000100,
            "EndDateTime": 1700003600,
            "IdleSinceDateTime": 1700000200.5,
            "State": "TERMINATED",
            "StateChangeReason": "Session terminated by user"
        },
        "Statistics": { "DpuExecutionInMillis": 987654 }
    });
    let (endpoint, server) = stub_server(body.to_string()).await;
    let client = nimbus_athena::Client::new(AwsConfig::new().region("us-east-1").endpoint_url(&endpoint).no_credentials());
    let session = client.get_session("b7d6cc44-bc8e-4b4a-9b2d-2c1f3d4e5f60").send().await.expect("GetSession");

    let map = |pairs: &[(&str, &str)]| -> std::collections::HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    let engine = EngineConfiguration::new()
        .set_coordinator_dpu_size(1)
        .set_max_concurrent_dpus(60)
        .set_default_executor_dpu_size(1)
        .set_additional_configs(map(&[("NotebookId", "nb-2"), ("NotebookIframeParentUrl", "https://console.example")]))
        .set_spark_properties(map(&[("spark.sql.shuffle.partitions", "400")]))
        .set_classifications(vec![
            Classification::new()
                .set_name("athena-query-engine-properties")
                .set_properties(map(&[("max-dpu-count", "60"), ("min-dpu-count", "4")])),
            Classification::new().set_name("spark-defaults").set_properties(map(&[("spark.executor.memory", "4g")])),
        ]);
    let log_types: std::collections::HashMap<String, Vec<String>> = [
        ("SPARK_DRIVER".to_owned(), vec!["STDOUT".to_owned(), "STDERR".to_owned()]),
        ("SPARK_EXECUTOR".to_owned(), vec!["STDOUT".to_owned()]),
    ]
    .into_iter()
    .collect();
    let monitoring = MonitoringConfiguration::new()
        .set_cloud_watch_logging_configuration(
            CloudWatchLoggingConfiguration::new(true)
                .set_log_group("/aws/athena/spark")
                .set_log_stream_name_prefix("session-")
                .set_log_types(log_types),
        )
        .set_managed_logging_configuration(
            ManagedLoggingConfiguration::new(true).set_kms_key("arn:aws:kms:us-east-1:111122223333:key/managed"),
        )
        .set_s3_logging_configuration(
            S3LoggingConfiguration::new(true)
                .set_kms_key("arn:aws:kms:us-east-1:111122223333:key/s3")
                .set_log_location("s3://logs-bucket/athena/"),
        );
    let config = SessionConfiguration::new()
        .set_execution_role("arn:aws:iam::111122223333:role/AthenaSpark")
        .set_working_directory("s3://bucket/athena/work/")
        .set_idle_timeout_seconds(1800)
        .set_session_idle_timeout_in_minutes(45)
        .set_encryption_configuration(
            EncryptionConfiguration::new(EncryptionOption::CseKms).set_kms_key("arn:aws:kms:us-east-1:111122223333:key/c"),
        );
    let status = SessionStatus::new()
        .set_start_date_time(DateTime::from_parts(1_700_000_000, 250_000_000))
        .set_last_modified_date_time(DateTime::from_secs(1_700_000_100))
        .set_end_date_time(DateTime::from_secs(1_700_003_600))
        .set_idle_since_date_time(DateTime::from_parts(1_700_000_200, 500_000_000))
        .set_state(SessionState::Terminated)
        .set_state_change_reason("Session terminated by user");
    let expected = GetSessionResponse::new()
        .set_session_id("b7d6cc44-bc8e-4b4a-9b2d-2c1f3d4e5f60")
        .set_description("Spark session with monitoring")
        .set_work_group("spark-monitored")
        .set_engine_version("PySpark engine version 3")
        .set_engine_configuration(engine)
        .set_notebook_version("Athena notebook version 1")
        .set_monitoring_configuration(monitoring)
        .set_session_configuration(config)
        .set_status(status)
        .set_statistics(SessionStatistics::new().set_dpu_execution_in_millis(987_654));
    assert_eq!(session, expected);

    let (line, headers, request) = split_request(&server);
    assert_eq!(line, "POST / HTTP/1.1");
    assert!(headers.contains(&"x-amz-target: AmazonAthena.GetSession".to_owned()), "{headers:?}");
    assert_eq!(request, r#"{"SessionId":"b7d6cc44-bc8e-4b4a-9b2d-2c1f3d4e5f60"}"#);
}

#[tokio::test]
async fn workspacesweb_get_session_on_the_wire() {
    let body = serde_json::json!({
        "session": {
            "portalArn": "arn:aws:workspaces-web:us-east-1:111122223333:portal/p-1",
            "sessionId": "s-1",
            "username": "alice@example.com",
            "clientIpAddresses": ["203.0.113.7", "2001:db8::1"],
            "status": "Terminated",
            "startTime": 1700000000,
            "endTime": 1700003600.25
        }
    })
    .to_string();
    let (endpoint, server) = stub_server(body).await;
    let client = nimbus_workspacesweb::Client::new(AwsConfig::new().region("us-east-1").endpoint_url(&endpoint).no_credentials());

    let response = client.get_session("p-1", "s-1").send().await.expect("GetSession");
    use nimbus_workspacesweb::types::{Session, SessionStatus};
    let expected = Session::new()
        .set_portal_arn("arn:aws:workspaces-web:us-east-1:111122223333:portal/p-1")
        .set_session_id("s-1")
        .set_username("alice@example.com")
        .set_client_ip_addresses(vec!["203.0.113.7".to_owned(), "2001:db8::1".to_owned()])
        .set_status(SessionStatus::Terminated)
        .set_start_time(nimbus_core::DateTime::from_secs(1_700_000_000))
        .set_end_time(nimbus_core::DateTime::from_parts(1_700_003_600, 250_000_000));
    assert_eq!(response.session, Some(expected));

    let (line, headers, body) = split_request(&server);
    assert_eq!(line, "GET /portals/p-1/sessions/s-1 HTTP/1.1");
    assert_eq!(body, "", "a GET with only label members has no body");
    let host = endpoint.trim_start_matches("http://");
    let ua = user_agent("WorkSpaces_Web/2020-07-08");
    assert_eq!(
        headers,
        [
            "accept: */*".to_owned(),
            "amz-sdk-request: attempt=1; max=3".to_owned(),
            format!("host: {host}"),
            format!("user-agent: {ua}"),
            format!("x-amz-user-agent: {ua}")
        ]
    );
}

/// The `User-Agent` the AWS clients send for `api` (`Service/version`).
fn user_agent(api: &str) -> String {
    format!("nimbus-aws/{} api/{api} os/{} lang/rust/{} m/E", env!("CARGO_PKG_VERSION"), std::env::consts::OS, nimbus_aws::rustc_version())
}

fn mock_athena(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> (nimbus_athena::Client, MockTransport) {
    let mock = MockTransport::new(HttpResponse::new(status, headers.iter().copied().collect(), body.to_owned()));
    let config = AwsConfig::new().region("us-east-1").endpoint_url("https://athena.test").transport(mock.clone()).no_credentials();
    (nimbus_athena::Client::new(config), mock)
}

#[tokio::test]
async fn modeled_errors_are_one_match_away() {
    use nimbus_athena::errors::GetSessionError;
    let (client, _) = mock_athena(
        400,
        &[("x-amzn-requestid", "req-9")],
        r#"{"__type":"com.amazonaws.athena#InvalidRequestException","Message":"Session not found","AthenaErrorCode":"1003"}"#,
    );
    let err = client.get_session("nope").send().await.unwrap_err();
    match &err {
        GetSessionError::InvalidRequestException(e) => {
            assert_eq!(e.message.as_deref(), Some("Session not found"));
            assert_eq!(e.athena_error_code.as_deref(), Some("1003"));
        }
        other => panic!("expected InvalidRequestException, got {other:?}"),
    }
    assert_eq!(err.code(), Some("InvalidRequestException"));
    assert_eq!(err.to_string(), "InvalidRequestException: Session not found");
}

#[tokio::test]
async fn odd_error_bodies_are_unhandled_errors_not_panics() {
    use nimbus_athena::errors::GetSessionError;
    // (status, headers, body, the code the error must carry)
    type Case<'a> = (u16, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (500, &[("content-type", "text/html")], "<html><body><h1>502 Bad Gateway</h1></body></html>", "Http500"),
        (503, &[], "", "Http503"),
        (400, &[], r#"{"__type":"InvalidRequestExc"#, "Http400"),
        (400, &[("x-amzn-requestid", "r-2")], r#"{"__type":"SomethingNewException","message":"new"}"#, "SomethingNewException"),
        (400, &[], r#"{"__type":"InvalidRequestException","Message":7}"#, "InvalidRequestException"),
    ];
    for (status, headers, body, code) in cases {
        let (client, _) = mock_athena(*status, headers, body);
        let err = client.get_session("s").send().await.unwrap_err();
        let GetSessionError::Unhandled(e) = &err else { panic!("{body}: expected Unhandled, got {err:?}") };
        assert_eq!(e.kind(), ErrorKind::Service, "{body}");
        assert_eq!(e.code(), Some(*code), "{body}");
        assert_eq!(e.status(), Some(*status), "{body}");
        assert!(err.to_string().starts_with(code), "{err}");
    }
    // A success status with a body that is not the output is a decode error.
    let (client, _) = mock_athena(200, &[], r#"{"SessionId": 5"#);
    let err = client.get_session("s").send().await.unwrap_err();
    let GetSessionError::Unhandled(e) = &err else { panic!("expected Unhandled, got {err:?}") };
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn labels_cannot_change_the_route() {
    let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}"));
    let client = nimbus_workspacesweb::Client::new(
        AwsConfig::new().region("us-east-1").endpoint_url("https://wsw.test").transport(mock.clone()).no_credentials(),
    );
    client.get_session("a/b?c=d#e", "s 1%é").send().await.expect("sent");
    let url = &mock.requests()[0].url;
    assert_eq!(url, "https://wsw.test/portals/a%2Fb%3Fc%3Dd%23e/sessions/s%201%25%C3%A9");
    let err = client.get_session("", "s").send().await.unwrap_err();
    assert!(err.to_string().contains("portalId"), "{err}");
    assert_eq!(mock.requests().len(), 1, "an invalid request is not sent");
}

#[tokio::test]
async fn idempotency_tokens_are_filled_once_per_call() {
    let (client, mock) = mock_athena(200, &[], r#"{"QueryExecutionId":"q-1"}"#);
    let out = client.start_query_execution("SELECT 1").send().await.expect("sent");
    assert_eq!(out.query_execution_id.as_deref(), Some("q-1"));
    client.start_query_execution("SELECT 1").set_client_request_token("mine-0123456789abcdef0123456789abcdef").send().await.expect("sent");
    let bodies: Vec<serde_json::Value> = mock.requests().iter().map(|r| serde_json::from_slice(&r.body).expect("json")).collect();
    let token = bodies[0]["ClientRequestToken"].as_str().expect("a generated token");
    assert_eq!(token.len(), 36);
    assert_eq!(&token[14..15], "4", "UUID version 4: {token}");
    assert_eq!(bodies[1]["ClientRequestToken"], "mine-0123456789abcdef0123456789abcdef");
}

#[test]
fn every_operation_has_a_method() {
    // The generated operations module has one builder per operation: count them.
    for (src, expected) in [
        (include_str!("../../crates/nimbus-athena/src/operations.rs"), 70),
        (include_str!("../../crates/nimbus-workspacesweb/src/operations.rs"), 68),
    ] {
        let builders = src.matches("pub async fn send(").count();
        assert_eq!(builders, expected);
    }
}

#[tokio::test]
async fn spanner_names_cannot_add_a_query_or_fragment() {
    let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), r#"{"name":"x"}"#));
    let client =
        nimbus_spanner::Client::new(GoogleConfig::new().endpoint_url("https://spanner.test/").transport(mock.clone()).no_credentials());
    let sessions = client.projects().instances().databases().sessions();
    sessions
        .get("projects/p/instances/i/databases/d/sessions/a?alt=media#x")
        .standard_params(nimbus_google::StandardParams::new().fields("name"))
        .send()
        .await
        .expect("sent");
    let url = &mock.requests()[0].url;
    assert_eq!(url, "https://spanner.test/v1/projects/p/instances/i/databases/d/sessions/a%3Falt%3Dmedia%23x?fields=name");
    // `%`, spaces and non-ASCII are percent-encoded; `..` segments are refused.
    let name = "projects/p/instances/i/databases/d/sessions/100% sure ✓";
    sessions.get(name).send().await.expect("sent");
    assert_eq!(mock.requests()[1].url, "https://spanner.test/v1/projects/p/instances/i/databases/d/sessions/100%25%20sure%20%E2%9C%93");
    let err = sessions.get("projects/p/instances/i/databases/d/sessions/..").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
    // A value outside the parameter's pattern is refused before sending, with the pattern named.
    let err = sessions.get("projects/p/instances/i").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("sessions/[^/]+"), "{err}");
    assert_eq!(mock.requests().len(), 2);
    // Without a token provider or an emulator, the call fails clearly instead of going out unauthenticated.
    let client = nimbus_spanner::Client::new(GoogleConfig::new().endpoint_url("https://spanner.test/").transport(mock.clone()));
    let err =
        client.projects().instances().databases().sessions().get("projects/p/instances/i/databases/d/sessions/s").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    let client = nimbus_spanner::Client::new(
        GoogleConfig::new()
            .endpoint_url("https://spanner.test/")
            .transport(mock.clone())
            .token_provider(nimbus_google::StaticToken::new("ya29.secret")),
    );
    client.projects().instances().databases().sessions().get("projects/p/instances/i/databases/d/sessions/s").send().await.expect("sent");
    let last = mock.requests().pop().expect("a request");
    assert_eq!(last.headers.get("authorization"), Some("Bearer ya29.secret"));
    assert!(!format!("{last:?}").contains("ya29"), "tokens never reach Debug output");
}

#[tokio::test]
async fn application_default_credentials_from_a_service_account_key() {
    use nimbus_google::adc::{ApplicationDefaultCredentials, CLOUD_PLATFORM};
    let dir = std::env::temp_dir().join(format!("nimbus-adc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // A throwaway RSA key made for this test only (it signs the JWT the token endpoint receives).
    let key = include_str!("data/throwaway-test-key.pem");
    let token_server =
        ScriptedServer::start(vec![answer(200, r#"{"access_token":"ya29.from-adc","expires_in":3600,"token_type":"Bearer"}"#)]).await;
    let account = serde_json::json!({
        "type": "service_account",
        "project_id": "nimbus-test",
        "private_key_id": "k1",
        "private_key": key,
        "client_email": "robot@nimbus-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": format!("{}/token", token_server.url),
    });
    let file = dir.join("service-account.json");
    std::fs::write(&file, account.to_string()).expect("write key file");

    let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), r#"{"name":"x"}"#));
    let adc = ApplicationDefaultCredentials::from_service_account_file(&file, &[CLOUD_PLATFORM]);
    let client =
        nimbus_spanner::Client::new(GoogleConfig::new().endpoint_url("https://spanner.test/").transport(mock.clone()).token_provider(adc));
    let sessions = client.projects().instances().databases().sessions();
    for _ in 0..2 {
        sessions.get("projects/p/instances/i/databases/d/sessions/s").send().await.expect("sent");
    }
    for r in mock.requests() {
        assert_eq!(r.headers.get("authorization"), Some("Bearer ya29.from-adc"));
    }
    let token_requests = token_server.received();
    assert_eq!(token_requests.len(), 1, "the token is cached");
    assert!(
        token_requests[0].raw.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"),
        "{}",
        token_requests[0].raw
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn event_stream_operations_fail_clearly_without_sending() {
    let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}".to_owned()));
    let client = nimbus_fixture_smithy::Client::new(
        AwsConfig::new().region("us-east-1").endpoint_url("http://127.0.0.1:9").no_credentials().transport(mock.clone()),
    );
    let err = client.watch_widgets().set_prefix("w-").send().await.expect_err("event streams are not supported yet");
    let nimbus_fixture_smithy::errors::WatchWidgetsError::Unhandled(inner) = &err else { panic!("expected Unhandled, got {err:?}") };
    assert_eq!(inner.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("`WatchWidgets`: event streams are not supported"), "{err}");
    assert!(mock.requests().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // A signed request must never be replayed elsewhere: a 3xx is an error.
    let moved = common::Answer { headers: vec!["location: /elsewhere".to_owned()], ..answer(301, "") };
    let server = ScriptedServer::start(vec![moved, answer(200, "{}")]).await;
    let client = nimbus_athena::Client::new(AwsConfig::new().region("us-east-1").endpoint_url(&server.url).no_credentials());
    let err = client.get_session("s-1").send().await.expect_err("a redirect is an error");
    let nimbus_athena::errors::GetSessionError::Unhandled(inner) = &err else { panic!("expected Unhandled, got {err:?}") };
    assert_eq!(inner.status(), Some(301));
    assert_eq!(server.received().len(), 1, "the redirect was followed");
}

/// Typed resource names read back into their ids (a session name the API
/// returned becomes its four ids), and print as they were read.
#[test]
fn resource_names_parse_back_into_their_ids() {
    use nimbus_spanner::names::{DatabaseName, SessionName};
    let text = "projects/p-1/instances/i/databases/d/sessions/AB12-cd";
    let session: SessionName = text.parse().expect("a session name");
    assert_eq!(session, SessionName::new("p-1", "i", "d", "AB12-cd"));
    assert_eq!(session.to_string(), text);
    assert_eq!(SessionName::try_from(text).expect("the same by TryFrom"), session);
    let database = DatabaseName::try_from("projects/p-1/instances/i/databases/d").expect("a database name");
    assert_eq!((database.project.as_str(), database.database.as_str()), ("p-1", "d"));
    let e = "projects/p-1/instances/i/databases/d".parse::<SessionName>().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.to_string().contains("SessionName") && e.to_string().contains("sessions/{id}"), "{e}");
}
