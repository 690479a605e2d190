//! The fault suite: the three seed calls (Athena `GetSession`, WorkSpaces Web
//! `GetSession`, Spanner `sessions.get`) against one local server that
//! misbehaves on purpose, one case per (fault, client) pair, plus hostile
//! identifiers in every label, query and body position of those calls, each
//! checked against what the server received. Prints
//! `fault suite: N passed, M failed`.

mod fault_server;

use fault_server::{FaultServer, Recorded, Scenario, Step};
use nimbus_athena::config::{Config as AwsConfig, MinThroughput, RetryConfig};
use nimbus_core::ErrorKind;
use nimbus_core::protocol::rest::percent_decode;
use nimbus_spanner::config::Config as GoogleConfig;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SESSION_NAME: &str = "projects/p/instances/i/databases/d/sessions/s-1";

/// What a call ended with, whichever client made it.
#[derive(Debug)]
struct Outcome {
    /// `None` for success.
    kind: Option<ErrorKind>,
    code: Option<String>,
    status: Option<u16>,
    request_id: Option<String>,
    display: String,
    elapsed: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    Athena,
    WorkSpacesWeb,
    Spanner,
}

const SERVICES: [Service; 3] = [Service::Athena, Service::WorkSpacesWeb, Service::Spanner];

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Athena => "athena",
            Service::WorkSpacesWeb => "workspacesweb",
            Service::Spanner => "spanner",
        }
    }

    /// A successful answer to the seed call.
    fn ok_body(self) -> &'static str {
        match self {
            Service::Athena => r#"{"SessionId":"s-1","Status":{"State":"IDLE"}}"#,
            Service::WorkSpacesWeb => r#"{"session":{"sessionId":"s-1","status":"Active"}}"#,
            Service::Spanner => r#"{"name":"projects/p/instances/i/databases/d/sessions/s-1"}"#,
        }
    }

    /// An "unavailable" answer in the provider's error format.
    fn unavailable(self) -> Step {
        match self {
            Service::Spanner => Step::json(503, r#"{"error":{"code":503,"message":"The service is unavailable","status":"UNAVAILABLE"}}"#),
            _ => Step::json(503, r#"{"__type":"ServiceUnavailableException","message":"try again"}"#),
        }
    }
}

/// A fast retry policy: three attempts, short waits.
fn retry() -> RetryConfig {
    RetryConfig { max_attempts: 3, initial_backoff: Duration::from_millis(20), max_backoff: Duration::from_secs(2) }
}

/// What a case configures, for either provider's configuration type.
#[derive(Clone)]
struct Setup {
    url: String,
    retry: RetryConfig,
    /// Short read timeouts and a strict minimum speed, so the timeout
    /// faults end quickly.
    quick: bool,
}

/// The shared settings of `setup` on a provider's configuration (both
/// have the same builder methods for them).
macro_rules! shared_settings {
    ($config:expr, $setup:expr) => {{
        let config = $config.endpoint_url(&$setup.url).no_credentials().retry($setup.retry);
        if $setup.quick {
            config
                .read_timeout(Duration::from_millis(300))
                .min_throughput(Some(MinThroughput { bytes_per_second: 1024, grace: Duration::from_millis(400) }))
        } else {
            config
        }
    }};
}

impl Setup {
    fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    fn aws(&self) -> AwsConfig {
        shared_settings!(AwsConfig::new().region("us-east-1"), self)
    }

    fn google(&self) -> GoogleConfig {
        shared_settings!(GoogleConfig::new(), self)
    }
}

fn config(url: &str) -> Setup {
    Setup { url: url.to_owned(), retry: retry(), quick: false }
}

fn quick(url: &str) -> Setup {
    Setup { quick: true, ..config(url) }
}

/// Runs the seed call of `service` with `config`.
async fn call(service: Service, config: Setup) -> Outcome {
    call_with(service, config, "s-1", "p-1").await
}

/// Runs the seed call with the given identifiers (session id; for WorkSpaces
/// Web also the portal id; for Spanner the session id is the last segment of
/// the session name).
async fn call_with(service: Service, config: Setup, session: &str, portal: &str) -> Outcome {
    let started = Instant::now();
    let (result, ok_request_id): (Result<(), Box<dyn ErrorParts>>, Option<String>) = match service {
        Service::Athena => match nimbus_athena::Client::new(config.aws()).get_session(session).send().await {
            Ok(out) => (Ok(()), out.request_id().map(str::to_owned)),
            Err(e) => (Err(Box::new(e)), None),
        },
        Service::WorkSpacesWeb => match nimbus_workspacesweb::Client::new(config.aws()).get_session(portal, session).send().await {
            Ok(out) => (Ok(()), out.request_id().map(str::to_owned)),
            Err(e) => (Err(Box::new(e)), None),
        },
        Service::Spanner => {
            let name = format!("projects/p/instances/i/databases/d/sessions/{session}");
            let client = nimbus_spanner::Client::new(config.google());
            match client.projects().instances().databases().sessions().get(name).send().await {
                Ok(_) => (Ok(()), None),
                Err(e) => (Err(Box::new(e)), None),
            }
        }
    };
    let elapsed = started.elapsed();
    match result {
        Ok(()) => Outcome { kind: None, code: None, status: None, request_id: ok_request_id, display: String::new(), elapsed },
        Err(e) => Outcome {
            kind: Some(e.kind()),
            code: e.code().map(str::to_owned),
            status: e.status(),
            request_id: e.request_id().map(str::to_owned),
            display: e.to_string(),
            elapsed,
        },
    }
}

/// The parts of an operation error the suite checks, for both error types.
trait ErrorParts: std::fmt::Display + std::fmt::Debug + Send {
    fn kind(&self) -> ErrorKind;
    fn code(&self) -> Option<&str>;
    fn status(&self) -> Option<u16>;
    fn request_id(&self) -> Option<&str>;
}

impl ErrorParts for nimbus_core::Error {
    fn kind(&self) -> ErrorKind {
        nimbus_core::Error::kind(self)
    }
    fn code(&self) -> Option<&str> {
        nimbus_core::Error::code(self)
    }
    fn status(&self) -> Option<u16> {
        nimbus_core::Error::status(self)
    }
    fn request_id(&self) -> Option<&str> {
        nimbus_core::Error::request_id(self)
    }
}

macro_rules! error_parts {
    ($($t:ty),*) => {$(
        impl ErrorParts for $t {
            fn kind(&self) -> ErrorKind {
                match self {
                    Self::Unhandled(e) => e.kind(),
                    _ => ErrorKind::Service,
                }
            }
            fn code(&self) -> Option<&str> {
                <$t>::code(self)
            }
            fn status(&self) -> Option<u16> {
                <$t>::status(self)
            }
            fn request_id(&self) -> Option<&str> {
                <$t>::request_id(self)
            }
        }
    )*};
}
error_parts!(nimbus_athena::errors::GetSessionError, nimbus_workspacesweb::errors::GetSessionError);

type Check = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// One named case of the suite.
struct Case {
    name: String,
    check: Check,
    /// Measures the process's peak memory: runs alone.
    alone: bool,
}

fn case(name: impl Into<String>, check: impl Future<Output = Result<(), String>> + Send + 'static) -> Case {
    Case { name: name.into(), check: Box::pin(check), alone: false }
}

fn case_alone(name: impl Into<String>, check: impl Future<Output = Result<(), String>> + Send + 'static) -> Case {
    Case { alone: true, ..case(name, check) }
}

fn ensure(condition: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(what()) }
}

/// Checks an outcome: error kind (None = success), attempts the server saw,
/// and an upper time bound.
fn expect(outcome: &Outcome, scenario: &Scenario, kind: Option<ErrorKind>, attempts: usize, within: Duration) -> Result<(), String> {
    ensure(outcome.kind == kind, || format!("expected {kind:?}, got {outcome:?}"))?;
    ensure(scenario.count() == attempts, || format!("expected {attempts} attempt(s), the server saw {}: {outcome:?}", scenario.count()))?;
    ensure(outcome.elapsed <= within, || format!("took {:?}, more than {within:?}", outcome.elapsed))
}

/// Peak resident memory of this process (VmHWM), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// The fault cases: one per (fault, client).
fn fault_cases(server: &Arc<FaultServer>) -> Vec<Case> {
    let mut cases = Vec::new();
    let long = Duration::from_secs(15);
    for service in SERVICES {
        let name = service.name();
        let ok = || Step::json(200, service.ok_body());
        // Google retries transient failures of safe methods only; `sessions.get` is a GET, so it is safe.
        let s = server.scenario(vec![Step::CloseMidBody { status: 200, declared: 1000, sent: b"{\"SessionId\":".to_vec() }]);
        cases.push(case(format!("close mid-body / {name}"), async move {
            let out = call(service, config(&s.url())).await;
            expect(&out, &s, Some(ErrorKind::Transport), 3, long)
        }));

        let s = server.scenario(vec![Step::json(200, "{\"SessionId\": \"abc")]);
        cases.push(case(format!("truncated JSON / {name}"), async move {
            let out = call(service, config(&s.url())).await;
            expect(&out, &s, Some(ErrorKind::Decode), 1, long)
        }));

        let html = "<html><body><h1>500 Internal Server Error</h1></body></html>";
        let s = server.scenario(vec![Step::Respond {
            status: 500,
            headers: vec![("content-type".into(), "text/html".into())],
            body: html.into(),
        }]);
        cases.push(case(format!("500 with an HTML page / {name}"), async move {
            let out = call(service, config(&s.url())).await;
            // AWS retries a 500 for every operation; Google (AIP-194) never retries INTERNAL.
            let attempts = if service == Service::Spanner { 1 } else { 3 };
            expect(&out, &s, Some(ErrorKind::Service), attempts, long)?;
            ensure(out.code.as_deref() == Some("Http500") && out.status == Some(500), || format!("{out:?}"))?;
            ensure(out.display.matches("HTTP 500").count() == 1 && out.display.contains("Internal Server Error"), || {
                format!("one status and the page's text in one line: {}", out.display)
            })
        }));

        let s = server.scenario(vec![service.unavailable(), service.unavailable(), ok()]);
        cases.push(case(format!("503 twice then 200 / {name}"), async move {
            let out = call(service, config(&s.url())).await;
            expect(&out, &s, None, 3, long)?;
            let times: Vec<Instant> = s.requests().iter().map(|r| r.at).collect();
            ensure(times.windows(2).all(|w| w[1] - w[0] >= Duration::from_millis(10)), || "retries wait (backoff)".into())?;
            match service {
                Service::Spanner => Ok(()),
                _ => ensure(out.request_id.as_deref().is_some_and(|id| id.starts_with("fault-")), || {
                    format!("the output says its request id: {out:?}")
                }),
            }
        }));

        let s = server.scenario(vec![Step::Silent]);
        cases.push(case(format!("never answers / {name}"), async move {
            let out = call(service, quick(&s.url())).await;
            expect(&out, &s, Some(ErrorKind::Timeout), 3, Duration::from_secs(5))?;
            ensure(out.elapsed >= Duration::from_millis(900), || format!("three read timeouts of 300 ms: {:?}", out.elapsed))
        }));

        let s = server.scenario(vec![Step::Dribble { status: 200, body: vec![b' '; 2000], interval: Duration::from_millis(50) }]);
        cases.push(case(format!("dribbled body / {name}"), async move {
            let out = call(service, quick(&s.url())).await;
            expect(&out, &s, Some(ErrorKind::Timeout), 3, Duration::from_secs(8))?;
            ensure(out.display.contains("too slowly"), || out.display.clone())
        }));

        for chunked in [false, true] {
            let s = server.scenario(vec![Step::Huge { status: 200, len: 1 << 30, chunked, content_type: "application/json".into() }]);
            let how = if chunked { "chunked" } else { "with Content-Length" };
            cases.push(case_alone(format!("1 GiB body {how} / {name}"), async move {
                let before = peak_rss();
                let out = call(service, config(&s.url())).await;
                expect(&out, &s, Some(ErrorKind::ResponseTooLarge), 1, long)?;
                let growth = peak_rss().saturating_sub(before);
                ensure(growth < 300 << 20, || format!("peak RSS grew by {} MiB", growth >> 20))
            }));
        }

        let s = server.scenario(vec![Step::Huge { status: 500, len: 1 << 30, chunked: true, content_type: "text/html".into() }]);
        cases.push(case_alone(format!("1 GiB error page / {name}"), async move {
            let before = peak_rss();
            let out = call(service, config(&s.url())).await;
            let attempts = if service == Service::Spanner { 1 } else { 3 };
            expect(&out, &s, Some(ErrorKind::Service), attempts, long)?;
            let growth = peak_rss().saturating_sub(before);
            ensure(growth < 64 << 20, || format!("error bodies are cut at 64 KiB; peak RSS grew by {} MiB", growth >> 20))
        }));

        for (target, location) in
            [("another host", "http://127.0.0.2:9/elsewhere".to_owned()), ("the same host", format!("{}/s/0/", server.origin()))]
        {
            let s = server.scenario(vec![Step::Redirect { status: 302, location }]);
            cases.push(case(format!("302 to {target} / {name}"), async move {
                let out = call(service, config(&s.url())).await;
                expect(&out, &s, Some(ErrorKind::Service), 1, long)?;
                ensure(out.status == Some(302), || format!("{out:?}"))
            }));
        }

        let throttled = match service {
            Service::Spanner => r#"{"error":{"code":429,"message":"Received message larger than max","status":"RESOURCE_EXHAUSTED"}}"#,
            _ => r#"{"__type":"TooManyRequestsException","message":"slow down"}"#,
        };
        for retry_after in [None, Some("1")] {
            let headers: Vec<(&str, &str)> = retry_after.map(|v| ("Retry-After", v)).into_iter().collect();
            let s = server.scenario(vec![Step::json_with(429, &headers, throttled), ok()]);
            let label = if retry_after.is_some() { "with Retry-After: 1" } else { "without Retry-After" };
            cases.push(case(format!("429 {label} / {name}"), async move {
                let out = call(service, config(&s.url())).await;
                if service == Service::Spanner {
                    // RESOURCE_EXHAUSTED cannot change on retry (AIP-194).
                    expect(&out, &s, Some(ErrorKind::Service), 1, long)?;
                    return ensure(out.code.as_deref() == Some("RESOURCE_EXHAUSTED"), || format!("{out:?}"));
                }
                expect(&out, &s, None, 2, long)?;
                let r = s.requests();
                let gap = r[1].at - r[0].at;
                let wanted = if retry_after.is_some() { Duration::from_millis(950) } else { Duration::ZERO };
                ensure(gap >= wanted, || format!("waited {gap:?}, Retry-After asked for {wanted:?}"))
            }));
        }
    }

    // The default timeouts, with no configuration at all (one attempt each):
    // 60 s without a byte, and a body slower than 1 KiB/s after 20 s.
    let s = server.scenario(vec![Step::Silent]);
    cases.push(case("never answers, default timeouts / athena", async move {
        let out = call(Service::Athena, config(&s.url()).retry(RetryConfig::disabled())).await;
        expect(&out, &s, Some(ErrorKind::Timeout), 1, Duration::from_secs(75))?;
        ensure(out.elapsed >= Duration::from_secs(59), || format!("the default read timeout is 60 s: {:?}", out.elapsed))
    }));
    let s = server.scenario(vec![Step::Dribble { status: 200, body: vec![b' '; 1000], interval: Duration::from_secs(1) }]);
    cases.push(case("dribbled body at 1 byte/s, default limits / workspacesweb", async move {
        let out = call(Service::WorkSpacesWeb, config(&s.url()).retry(RetryConfig::disabled())).await;
        expect(&out, &s, Some(ErrorKind::Timeout), 1, Duration::from_secs(40))
    }));

    // Spanner `executeSql`: retried on UNAVAILABLE only when safe to repeat.
    for (label, request, attempts) in [
        ("single-use read-only query", nimbus_spanner::types::ExecuteSqlRequest::new().set_sql("SELECT 1"), 3),
        ("DML in a read-write transaction", dml(None), 1),
        ("DML with a seqno", dml(Some(7)), 3),
    ] {
        let s = server.scenario(vec![Service::Spanner.unavailable()]);
        cases.push(case(format!("executeSql 503 UNAVAILABLE, {label} / spanner"), async move {
            let client = nimbus_spanner::Client::new(config(&s.url()).google());
            let err = client.projects().instances().databases().sessions().execute_sql(SESSION_NAME, request).send().await.unwrap_err();
            ensure(err.code() == Some("UNAVAILABLE") && s.count() == attempts, || {
                format!("{attempts} attempt(s) expected, saw {}: {err}", s.count())
            })
        }));
    }
    let s = server.scenario(vec![Step::json(
        429,
        r#"{"error":{"code":429,"message":"Received message larger than max (5242880 vs. 4194304)","status":"RESOURCE_EXHAUSTED"}}"#,
    )]);
    cases.push(case("executeSql 429 RESOURCE_EXHAUSTED / spanner", async move {
        let client = nimbus_spanner::Client::new(config(&s.url()).google());
        let request = nimbus_spanner::types::ExecuteSqlRequest::new().set_sql("SELECT 1");
        let err = client.projects().instances().databases().sessions().execute_sql(SESSION_NAME, request).send().await.unwrap_err();
        ensure(err.code() == Some("RESOURCE_EXHAUSTED") && s.count() == 1, || format!("never retried: saw {}: {err}", s.count()))
    }));
    cases
}

/// A DML statement inside a read-write transaction (by id), with or without a `seqno`.
fn dml(seqno: Option<i64>) -> nimbus_spanner::types::ExecuteSqlRequest {
    let selector = nimbus_spanner::types::TransactionSelector::new().set_id(nimbus_core::Blob::new(b"tx-1".to_vec()));
    let request =
        nimbus_spanner::types::ExecuteSqlRequest::new().set_sql("UPDATE Singers SET Name = 'x' WHERE Id = 1").set_transaction(selector);
    match seqno {
        Some(n) => request.set_seqno(n),
        None => request,
    }
}

/// Everything traced anywhere in the process, at every level, as text.
mod capture {
    use std::fmt::Write as _;
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// A subscriber that keeps the text of every span field and event.
    pub struct Capture(pub Arc<Mutex<String>>);

    struct Text<'a>(&'a mut String);

    impl Visit for Text<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }

    impl Capture {
        fn write(&self, f: impl FnOnce(&mut Text<'_>)) {
            let mut text = self.0.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut Text(&mut text));
            text.push('\n');
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
            Some(tracing::level_filters::LevelFilter::TRACE)
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            self.write(|t| span.record(t));
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            self.write(|t| values.record(t));
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            self.write(|t| event.record(t));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

/// Secrets in the query (`key`, `access_token`) must not reach any error's
/// `Display` or `Debug`, whatever failed: a refused connection, a timeout, a
/// body cut short, an error answer.
fn secret_cases(server: &Arc<FaultServer>) -> Vec<Case> {
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("addr"))
    };
    let steps = [
        ("a refused connection", None),
        ("a timeout", Some(Step::Silent)),
        ("a body cut short", Some(Step::CloseMidBody { status: 200, declared: 100, sent: b"{".to_vec() })),
        ("an error answer", Some(Step::json(403, r#"{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}"#))),
    ];
    steps
        .into_iter()
        .map(|(label, step)| {
            let url = match &step {
                Some(step) => server.scenario(vec![step.clone()]).url(),
                None => refused.clone(),
            };
            case(format!("secrets stay out of errors after {label} / spanner"), async move {
                let client = nimbus_spanner::Client::new(quick(&url).google());
                let params = nimbus_google::StandardParams::new().key("AIzaSECRETKEY").access_token("ya29.SECRETTOKEN");
                let err = client
                    .projects()
                    .instances()
                    .databases()
                    .sessions()
                    .get(SESSION_NAME)
                    .standard_params(params)
                    .send()
                    .await
                    .unwrap_err();
                let mut chain = format!("{err}\n{err:?}");
                let mut source = std::error::Error::source(&err);
                while let Some(s) = source {
                    chain.push_str(&format!("\n{s}\n{s:?}"));
                    source = s.source();
                }
                ensure(!chain.contains("SECRET"), || format!("a secret leaked: {chain}"))
            })
        })
        .collect()
}

/// Hostile identifiers and what must happen to each: refused before sending
/// (`None`), or sent with the value intact in its position.
const HOSTILE: &[&str] = &[".", "..", "../x", "?x=1", "#", "%2F", "a\r\nX-Injected: 1", "naïve 日本", ""];

/// Checks the request the server received for a hostile value: the route
/// has exactly the template's segments, the value decodes back exactly, and
/// no header was injected.
fn check_received(r: &Recorded, literal_segments: &[&str], value_at: usize, value: &str) -> Result<(), String> {
    ensure(r.header("X-Injected").is_none(), || "a header was injected".into())?;
    let (path, _) = r.target.split_once('?').unwrap_or((&r.target, ""));
    ensure(!r.target.contains('#'), || format!("a fragment reached the wire: {}", r.target))?;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    ensure(segments.len() == literal_segments.len(), || {
        format!("the route changed: {} (expected {} segments)", r.target, literal_segments.len())
    })?;
    for (i, (got, want)) in segments.iter().zip(literal_segments).enumerate() {
        if i == value_at {
            ensure(percent_decode(got) == value.as_bytes(), || format!("segment {i} is {got:?}, which does not decode to {value:?}"))?;
        } else {
            ensure(got == want, || format!("segment {i} is {got:?}, expected {want:?}"))?;
        }
    }
    Ok(())
}

/// The hostile-identifier cases: every label, query and body position of
/// the three seed calls.
fn hostile_cases(server: &Arc<FaultServer>) -> Vec<Case> {
    let mut cases = Vec::new();
    let big = "a".repeat(10_240);
    let values: Vec<String> = HOSTILE.iter().map(|v| (*v).to_owned()).chain([big]).collect();
    for value in values {
        let shown: String = value.escape_debug().take(20).collect();
        // Athena: the session id travels in the JSON body; any value is sent intact.
        let s = server.scenario(vec![Step::json(200, Service::Athena.ok_body())]);
        let v = value.clone();
        cases.push(case(format!("hostile {shown:?} in Athena SessionId (body)"), async move {
            let out = call_with(Service::Athena, config(&s.url()), &v, "p").await;
            expect(&out, &s, None, 1, Duration::from_secs(10))?;
            let r = &s.requests()[0];
            ensure(r.method == "POST" && r.target == "/", || format!("{} {}", r.method, r.target))?;
            let body: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
            ensure(body["SessionId"] == v.as_str(), || format!("body {body}"))
        }));
        // WorkSpaces Web: both path labels; `.`, `..` and empty values are refused.
        let refused = matches!(value.as_str(), "." | ".." | "");
        for (position, at) in [("portalId", 1), ("sessionId", 3)] {
            let s = server.scenario(vec![Step::json(200, Service::WorkSpacesWeb.ok_body())]);
            let v = value.clone();
            cases.push(case(format!("hostile {shown:?} in WorkSpaces Web {position} (label)"), async move {
                let (session, portal) = if at == 1 { ("s-1", v.as_str()) } else { (v.as_str(), "p-1") };
                let out = call_with(Service::WorkSpacesWeb, config(&s.url()), session, portal).await;
                if refused {
                    expect(&out, &s, Some(ErrorKind::InvalidRequest), 0, Duration::from_secs(10))?;
                    return ensure(out.display.contains(position), || format!("the error names the member: {}", out.display));
                }
                expect(&out, &s, None, 1, Duration::from_secs(10))?;
                let r = &s.requests()[0];
                ensure(r.method == "GET", || r.method.clone())?;
                check_received(r, &["portals", "p-1", "sessions", "s-1"], at, &v)
            }));
        }
        // Spanner: the session id inside the `{+name}` label (its pattern
        // refuses `/` and empty; dot segments are refused), and a query value.
        let refused = refused || value.contains('/');
        let s = server.scenario(vec![Step::json(200, Service::Spanner.ok_body())]);
        let v = value.clone();
        cases.push(case(format!("hostile {shown:?} in Spanner session name (label)"), async move {
            let out = call_with(Service::Spanner, config(&s.url()), &v, "p").await;
            if refused {
                return expect(&out, &s, Some(ErrorKind::InvalidRequest), 0, Duration::from_secs(10));
            }
            expect(&out, &s, None, 1, Duration::from_secs(10))?;
            check_received(&s.requests()[0], &["v1", "projects", "p", "instances", "i", "databases", "d", "sessions", "s-1"], 8, &v)
        }));
        let s = server.scenario(vec![Step::json(200, Service::Spanner.ok_body())]);
        let v = value.clone();
        cases.push(case(format!("hostile {shown:?} in Spanner quotaUser (query)"), async move {
            let client = nimbus_spanner::Client::new(config(&s.url()).google());
            let params = nimbus_google::StandardParams::new().quota_user(v.clone());
            client
                .projects()
                .instances()
                .databases()
                .sessions()
                .get(SESSION_NAME)
                .standard_params(params)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let r = &s.requests()[0];
            check_received(r, &["v1", "projects", "p", "instances", "i", "databases", "d", "sessions", "s-1"], usize::MAX, "")?;
            let query = r.target.split_once('?').map(|(_, q)| q).unwrap_or("");
            let pairs: Vec<&str> = query.split('&').collect();
            ensure(pairs.len() == 1, || format!("one query parameter expected: {query}"))?;
            let (name, got) = pairs[0].split_once('=').unwrap_or((pairs[0], ""));
            ensure(name == "quotaUser" && percent_decode(got) == v.as_bytes(), || format!("query {query}"))
        }));
    }
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fault_suite() {
    let traced = Arc::new(std::sync::Mutex::new(String::new()));
    let _ = tracing::subscriber::set_global_default(capture::Capture(traced.clone()));
    let server = Arc::new(FaultServer::start());
    let mut cases = fault_cases(&server);
    cases.extend(hostile_cases(&server));
    cases.extend(secret_cases(&server));
    let (alone, together): (Vec<Case>, Vec<Case>) = cases.into_iter().partition(|c| c.alone);
    let (mut passed, mut failed) = (0, Vec::new());
    let mut record = |name: String, result: Result<(), String>| match result {
        Ok(()) => passed += 1,
        Err(why) => failed.push(format!("{name}: {why}")),
    };
    // Memory is measured one case at a time, then the rest run together.
    for Case { name, check, .. } in alone {
        record(name, check.await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for Case { name, check, .. } in together {
        tasks.spawn(async move { (name, check.await) });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((name, result)) => record(name, result),
            Err(e) => record("a case".into(), Err(format!("panicked: {e}"))),
        }
    }
    let traced = traced.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let leaked = traced.lines().filter(|l| l.contains("SECRET")).count();
    record(
        "no secret in any traced span or event".into(),
        match (leaked, traced.contains("nimbus.call") || traced.contains("operation=")) {
            (0, true) => Ok(()),
            (0, false) => Err("nothing was traced: the capture is not working".into()),
            _ => Err(format!("{leaked} traced line(s) hold a secret")),
        },
    );
    failed.sort();
    for f in &failed {
        println!("--- fault suite: {f}");
    }
    println!("fault suite: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "{} fault suite case(s) failed", failed.len());
}
