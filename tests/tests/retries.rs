//! Standard-mode retries against a local server that fails a set number of
//! times: what is retried, how often, how long it waits, and what is not.

mod common;

use common::{Answer, ScriptedServer, answer};
use nimbus_athena::config::{Config as AwsConfig, RetryConfig};
use nimbus_core::ErrorKind;
use std::time::Duration;

fn client(server: &ScriptedServer, attempts: u32) -> nimbus_athena::Client {
    let retry = RetryConfig { max_attempts: attempts, initial_backoff: Duration::from_millis(60), max_backoff: Duration::from_secs(2) };
    nimbus_athena::Client::new(AwsConfig::new().region("us-east-1").endpoint_url(&server.url).no_credentials().retry(retry))
}

fn token_of(raw: &str) -> String {
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let v: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    v["ClientRequestToken"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn server_errors_are_retried_with_growing_delays_and_the_same_token() {
    let server = ScriptedServer::start(vec![
        answer(500, r#"{"__type":"InternalServerException","Message":"boom"}"#),
        answer(503, r#"{"__type":"ServiceUnavailable"}"#),
        answer(200, r#"{"QueryExecutionId":"q-1"}"#),
    ])
    .await;
    let out = client(&server, 3).start_query_execution("SELECT 1").send().await.expect("third attempt succeeds");
    assert_eq!(out.query_execution_id.as_deref(), Some("q-1"));
    let got = server.received();
    assert_eq!(got.len(), 3);
    let tokens: Vec<String> = got.iter().map(|r| token_of(&r.raw)).collect();
    assert_eq!(tokens.len(), 3);
    assert!(!tokens[0].is_empty() && tokens.iter().all(|t| *t == tokens[0]), "one token for all attempts: {tokens:?}");
    // The SDKs' attempt headers: one invocation id for the call, the attempt numbered.
    let header = |raw: &str, name: &str| {
        raw.split("\r\n").find_map(|l| l.split_once(": ").filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_owned()))
    };
    let ids: Vec<Option<String>> = got.iter().map(|r| header(&r.raw, "amz-sdk-invocation-id")).collect();
    assert!(ids[0].is_some() && ids.iter().all(|id| *id == ids[0]), "one invocation id: {ids:?}");
    let attempts: Vec<Option<String>> = got.iter().map(|r| header(&r.raw, "amz-sdk-request")).collect();
    assert_eq!(attempts, [1, 2, 3].map(|n| Some(format!("attempt={n}; max=3"))));
    let (first, second) = (got[1].at - got[0].at, got[2].at - got[1].at);
    assert!(first >= Duration::from_millis(30), "first wait {first:?}");
    assert!(second >= Duration::from_millis(60), "second wait {second:?}");
    assert!(second >= first, "waits grow: {first:?} then {second:?}");
}

#[tokio::test]
async fn retries_stop_at_the_limit() {
    let server = ScriptedServer::start(vec![answer(503, r#"{"__type":"ServiceUnavailable","message":"later"}"#)]).await;
    let err = client(&server, 3).start_query_execution("SELECT 1").send().await.unwrap_err();
    assert_eq!(server.received().len(), 3);
    assert_eq!(err.code(), Some("ServiceUnavailable"));
}

#[tokio::test]
async fn throttling_is_retried_even_for_operations_that_are_not_idempotent() {
    let server = ScriptedServer::start(vec![
        answer(400, r#"{"__type":"ThrottlingException","message":"slow down"}"#),
        answer(200, r#"{"WorkGroups":[]}"#),
    ])
    .await;
    client(&server, 3).list_work_groups().send().await.expect("second attempt succeeds");
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn validation_errors_are_not_retried() {
    let server = ScriptedServer::start(vec![answer(400, r#"{"__type":"InvalidRequestException","Message":"bad"}"#)]).await;
    let err = client(&server, 3).start_query_execution("SELECT 1").send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidRequestException"));
    assert_eq!(server.received().len(), 1, "a 400 validation error is final");
}

/// AWS standard mode retries transient errors for every operation, not only
/// idempotent ones: CreateDataCatalog has no idempotency token and GetSession
/// is not marked `@idempotent`.
#[tokio::test]
async fn server_errors_are_retried_for_every_operation() {
    let server = ScriptedServer::start(vec![answer(500, r#"{"__type":"InternalServerException"}"#), answer(200, "{}")]).await;
    client(&server, 3).create_data_catalog("c", nimbus_athena::types::DataCatalogType::Glue).send().await.expect("second attempt succeeds");
    assert_eq!(server.received().len(), 2);

    let server = ScriptedServer::start(vec![answer(503, ""), answer(200, r#"{"SessionId":"s-1"}"#)]).await;
    let session = client(&server, 3).get_session("s-1").send().await.expect("second attempt succeeds");
    assert_eq!(session.session_id.as_deref(), Some("s-1"));
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn timeouts_surface_as_typed_errors() {
    let slow = Answer { delay: Duration::from_millis(600), ..answer(200, r#"{"QueryExecutionId":"late"}"#) };
    let server = ScriptedServer::start(vec![slow]).await;
    let retry = RetryConfig { max_attempts: 2, initial_backoff: Duration::from_millis(10), max_backoff: Duration::from_millis(10) };
    let client = nimbus_athena::Client::new(
        AwsConfig::new()
            .region("us-east-1")
            .endpoint_url(&server.url)
            .no_credentials()
            .retry(retry)
            .attempt_timeout(Duration::from_millis(100)),
    );
    let err = client.start_query_execution("SELECT 1").send().await.unwrap_err();
    let nimbus_athena::errors::StartQueryExecutionError::Unhandled(e) = &err else { panic!("expected Unhandled, got {err:?}") };
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(server.received().len(), 2, "a timed-out attempt of a safe call is retried");

    let client = nimbus_athena::Client::new(
        AwsConfig::new().region("us-east-1").endpoint_url(&server.url).no_credentials().call_timeout(Duration::from_millis(150)),
    );
    let err = client.start_query_execution("SELECT 1").send().await.unwrap_err();
    let nimbus_athena::errors::StartQueryExecutionError::Unhandled(e) = &err else { panic!("expected Unhandled, got {err:?}") };
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn every_attempt_is_signed_once() {
    let server = ScriptedServer::start(vec![
        answer(400, r#"{"__type":"ThrottlingException","message":"slow down"}"#),
        answer(200, r#"{"WorkGroups":[]}"#),
    ])
    .await;
    let retry = RetryConfig { max_attempts: 2, initial_backoff: Duration::from_millis(10), max_backoff: Duration::from_millis(10) };
    let credentials = nimbus_aws::Credentials::new("AKIDEXAMPLE", "secret", Some("token".into()));
    let client =
        nimbus_athena::Client::new(AwsConfig::new().region("us-east-1").endpoint_url(&server.url).credentials(credentials).retry(retry));
    client.list_work_groups().send().await.expect("second attempt succeeds");
    let got = server.received();
    assert_eq!(got.len(), 2);
    for request in &got {
        let count = |name: &str| request.raw.lines().filter(|l| l.to_ascii_lowercase().starts_with(name)).count();
        assert_eq!((count("authorization:"), count("x-amz-date:"), count("x-amz-security-token:")), (1, 1, 1), "{}", request.raw);
        let authorization = request.raw.lines().find(|l| l.to_ascii_lowercase().starts_with("authorization:")).unwrap_or_default();
        assert!(authorization.contains("SignedHeaders=") && !authorization.contains("authorization;"), "{authorization}");
    }
}

/// Interceptors: the configuration's on every call, a request builder's on
/// that call only; each sees every attempt, changes the request before it
/// is signed (the header it adds is in `SignedHeaders`) and sees how each
/// attempt ended.
#[tokio::test]
async fn interceptors_change_requests_before_signing_and_see_every_attempt() {
    use nimbus_athena::config::{Attempt, Credentials, Interceptor, http::HttpRequest, http::HttpResponse};
    use std::sync::{Arc, Mutex};
    #[derive(Debug)]
    struct Tag(&'static str, Arc<Mutex<Vec<String>>>);
    impl Interceptor for Tag {
        fn modify_request(&self, request: &mut HttpRequest, attempt: Attempt) -> Result<(), nimbus_core::Error> {
            request.headers.insert(self.0, format!("attempt {} of {}", attempt.number, attempt.max));
            Ok(())
        }
        fn read_response(&self, response: Result<&HttpResponse, &nimbus_core::Error>, attempt: Attempt) {
            let status = response.map(|r| r.status.to_string()).unwrap_or_else(|e| e.to_string());
            self.1.lock().unwrap().push(format!("{} saw {status} on attempt {}", self.0, attempt.number));
        }
    }
    let server = ScriptedServer::start(vec![
        answer(503, r#"{"__type":"ServiceUnavailable"}"#),
        answer(200, r#"{"WorkGroups": []}"#),
        answer(200, r#"{"WorkGroups": []}"#),
    ])
    .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let retry = RetryConfig { max_attempts: 2, initial_backoff: Duration::from_millis(10), max_backoff: Duration::from_millis(50) };
    let config = AwsConfig::new()
        .region("us-east-1")
        .endpoint_url(&server.url)
        .credentials(Credentials::new("AKIDTEST", "secret", None))
        .retry(retry)
        .interceptor(Tag("x-client-tag", seen.clone()));
    let client = nimbus_athena::Client::new(config);
    client.list_work_groups().interceptor(Tag("x-call-tag", seen.clone())).send().await.expect("the second attempt succeeds");
    client.list_work_groups().send().await.expect("a call without the call's interceptor");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "x-client-tag saw 503 on attempt 1",
            "x-call-tag saw 503 on attempt 1",
            "x-client-tag saw 200 on attempt 2",
            "x-call-tag saw 200 on attempt 2",
            "x-client-tag saw 200 on attempt 1",
        ]
    );
    let got = server.received();
    let header = |raw: &str, name: &str| {
        raw.split("\r\n").find_map(|l| l.split_once(": ").filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_owned()))
    };
    assert_eq!(header(&got[1].raw, "x-call-tag").as_deref(), Some("attempt 2 of 2"));
    assert!(header(&got[1].raw, "authorization").is_some_and(|a| a.contains("x-call-tag") && a.contains("x-client-tag")), "signed");
    assert_eq!(header(&got[2].raw, "x-call-tag"), None, "the call's interceptor stays with its call");
    assert_eq!(header(&got[2].raw, "x-client-tag").as_deref(), Some("attempt 1 of 2"));
}

/// The adaptive retry mode: after a throttling answer the client-side rate
/// limiter is on, and (nothing measured yet) the retry waits for a token at
/// the smallest rate, half a token per second; the standard mode retries at
/// once.
#[tokio::test]
async fn adaptive_mode_slows_down_after_throttling() {
    let elapsed = |adaptive: bool| async move {
        let server = ScriptedServer::start(vec![
            answer(400, r#"{"__type":"ThrottlingException","message":"slow down"}"#),
            answer(200, r#"{"WorkGroups": []}"#),
        ])
        .await;
        let retry = RetryConfig { max_attempts: 3, initial_backoff: Duration::from_millis(1), max_backoff: Duration::from_millis(5) };
        let config =
            AwsConfig::new().region("us-east-1").endpoint_url(&server.url).no_credentials().retry(retry).adaptive_retries(adaptive);
        let start = std::time::Instant::now();
        nimbus_athena::Client::new(config).list_work_groups().send().await.expect("the retry succeeds");
        assert_eq!(server.received().len(), 2);
        start.elapsed()
    };
    let standard = elapsed(false).await;
    let adaptive = elapsed(true).await;
    assert!(standard < Duration::from_millis(500), "standard mode retries at once: {standard:?}");
    assert!(adaptive >= Duration::from_millis(1900), "the limiter waits for a token: {adaptive:?}");
}
