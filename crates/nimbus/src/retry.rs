//! Retries: how many attempts, how long to wait between them, which failures
//! are worth another attempt (one policy per provider), and a client-wide
//! retry quota so a struggling service is not flooded.
//!
//! **AWS (standard retry mode, as the AWS SDKs define it)**, for *every*
//! operation, within the quota:
//! - throttling: HTTP 429 or a throttling error code;
//! - transient failures: HTTP 500, 502, 503, 504, transient error codes,
//!   connection failures (refused, reset, closed mid-body) and timeouts;
//! - errors the model marks `@retryable`;
//! - nothing else (a 400 validation error is final).
//!
//! **Google (AIP-194, as google-cloud-rust's strict policy)**: only
//! `UNAVAILABLE` (or a bare HTTP 502/503/504 from a proxy, the HTTP form of
//! it), connection failures and timeouts are transient, and they are retried
//! only when the call is safe to repeat (decided per method, and for some
//! methods per request, by the generator). Every other code is final:
//! `RESOURCE_EXHAUSTED` (a message over the size limit does not shrink on
//! retry), `INVALID_ARGUMENT`, `DEADLINE_EXCEEDED`, `INTERNAL`, ...
//!
//! A `Retry-After` (seconds) on a retried answer raises the wait to that
//! many seconds; when it asks for more than `max_backoff`, the error is
//! returned instead of waiting.

use crate::error::{Error, ErrorKind};
use std::sync::Mutex;
use std::time::Duration;

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts per call, the first included (default 3; 1 disables retries).
    pub max_attempts: u32,
    /// Base of the exponential backoff (default 1 s; the n-th retry waits
    /// between half and all of `initial_backoff * 2^(n-1)`, capped).
    pub initial_backoff: Duration,
    /// Longest wait between attempts (default 20 s).
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig { max_attempts: 3, initial_backoff: Duration::from_secs(1), max_backoff: Duration::from_secs(20) }
    }
}

impl RetryConfig {
    /// No retries.
    pub fn disabled() -> Self {
        RetryConfig { max_attempts: 1, ..Default::default() }
    }

    /// The wait before retry number `retry` (1-based), with "equal jitter":
    /// half the exponential step plus a random part of the other half, so
    /// waits grow from one retry to the next.
    pub fn backoff(&self, retry: u32) -> Duration {
        let step = self.initial_backoff.saturating_mul(1u32 << retry.saturating_sub(1).min(30)).min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(jitter())
    }
}

/// A random fraction in `[0, 1)` (not for cryptography).
fn jitter() -> f64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let n = u64::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[7], bytes[9]]);
    (n >> 11) as f64 / (1u64 << 53) as f64
}

/// Error codes AWS services use for throttling.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes AWS services use for transient server-side failures.
const TRANSIENT_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable"];

/// How a failed attempt is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// The service throttled the request.
    Throttling,
    /// A transient failure (server error, timeout, connection problem).
    Transient,
    /// Final: do not retry.
    Final,
}

/// Which provider's rules decide what is retried (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryPolicy {
    /// The AWS SDKs' standard retry mode.
    AwsStandard,
    /// Google's AIP-194: `UNAVAILABLE` only, and only when safe to repeat.
    GoogleAip194,
}

/// Classifies a failed attempt under `policy`. `retryable_codes` are the
/// errors the model marks `@retryable` (AWS); `idempotent` says whether this
/// call is safe to repeat (Google).
pub fn classify(policy: RetryPolicy, error: &Error, retryable_codes: &[&str], idempotent: bool) -> RetryKind {
    match policy {
        RetryPolicy::AwsStandard => classify_aws(error, retryable_codes),
        RetryPolicy::GoogleAip194 => classify_google(error, idempotent),
    }
}

fn classify_aws(error: &Error, retryable_codes: &[&str]) -> RetryKind {
    match error.kind() {
        ErrorKind::Transport | ErrorKind::Timeout => RetryKind::Transient,
        ErrorKind::Service => {
            let code = error.code().unwrap_or("");
            if error.status() == Some(429) || THROTTLING_CODES.contains(&code) {
                RetryKind::Throttling
            } else if matches!(error.status(), Some(500 | 502 | 503 | 504))
                || TRANSIENT_CODES.contains(&code)
                || retryable_codes.contains(&code)
            {
                RetryKind::Transient
            } else {
                RetryKind::Final
            }
        }
        _ => RetryKind::Final,
    }
}

fn classify_google(error: &Error, idempotent: bool) -> RetryKind {
    let transient = match error.kind() {
        ErrorKind::Transport | ErrorKind::Timeout => true,
        // A Google error body names its canonical code; a bare gateway
        // answer (no body the protocol reads) gets `Http<status>`.
        ErrorKind::Service => matches!(error.code(), Some("UNAVAILABLE" | "Http502" | "Http503" | "Http504")),
        _ => false,
    };
    if transient && idempotent { RetryKind::Transient } else { RetryKind::Final }
}

/// The wait a retried answer asks for with `Retry-After` (delay-seconds form).
pub fn retry_after(error: &Error) -> Option<Duration> {
    let value = error.response()?.headers.get("retry-after")?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The client-wide retry quota (token bucket): each retry costs tokens,
/// successes give some back; when empty, failures are returned at once.
#[derive(Debug)]
pub struct RetryQuota {
    tokens: Mutex<u32>,
}

const QUOTA: u32 = 500;
const RETRY_COST: u32 = 5;
const TIMEOUT_COST: u32 = 10;

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota { tokens: Mutex::new(QUOTA) }
    }
}

impl RetryQuota {
    /// Takes the cost of one retry after `error`; `None` when the quota is
    /// exhausted (the retry must not happen).
    pub fn acquire(&self, error: &Error) -> Option<u32> {
        let cost = if error.kind() == ErrorKind::Timeout { TIMEOUT_COST } else { RETRY_COST };
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if *tokens < cost {
            return None;
        }
        *tokens -= cost;
        Some(cost)
    }

    /// Returns tokens after a successful attempt: the cost of the retry that
    /// led to it, or 1 for a first-attempt success.
    pub fn release(&self, retry_cost: Option<u32>) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        *tokens = (*tokens + retry_cost.unwrap_or(1)).min(QUOTA);
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Headers, HttpResponse};

    fn service(status: u16, code: &str) -> Error {
        Error::service(code, "m", None, HttpResponse::new(status, Headers::new(), ""))
    }

    /// The decision table of both policies: (failure, idempotent?) -> decision.
    #[test]
    fn decision_table() {
        use RetryKind::{Final, Throttling, Transient};
        use RetryPolicy::{AwsStandard, GoogleAip194};
        let timeout = || Error::new(ErrorKind::Timeout, "t");
        let reset = || Error::transport_message("connection reset");
        #[rustfmt::skip]
        let table: Vec<(RetryPolicy, Error, bool, RetryKind)> = vec![
            // AWS: every operation, idempotent or not.
            (AwsStandard, service(500, "InternalServerException"), false, Transient),
            (AwsStandard, service(500, "InternalServerException"), true, Transient),
            (AwsStandard, service(502, "Http502"), false, Transient),
            (AwsStandard, service(503, "ServiceUnavailable"), false, Transient),
            (AwsStandard, service(504, "Http504"), false, Transient),
            (AwsStandard, service(400, "RequestTimeout"), false, Transient),
            (AwsStandard, reset(), false, Transient),
            (AwsStandard, timeout(), false, Transient),
            (AwsStandard, service(400, "ThrottlingException"), false, Throttling),
            (AwsStandard, service(429, "Whatever"), false, Throttling),
            (AwsStandard, service(400, "TooBusyException"), false, Final),
            (AwsStandard, service(400, "ValidationException"), true, Final),
            (AwsStandard, service(404, "ResourceNotFoundException"), true, Final),
            (AwsStandard, service(501, "NotImplemented"), true, Final),
            (AwsStandard, Error::decode("truncated JSON", None), true, Final),
            (AwsStandard, Error::invalid_request("bad"), true, Final),
            // Google: UNAVAILABLE and connection failures, when safe to repeat.
            (GoogleAip194, service(503, "UNAVAILABLE"), true, Transient),
            (GoogleAip194, service(503, "UNAVAILABLE"), false, Final),
            (GoogleAip194, service(503, "Http503"), true, Transient),
            (GoogleAip194, service(502, "Http502"), true, Transient),
            (GoogleAip194, service(504, "Http504"), true, Transient),
            (GoogleAip194, reset(), true, Transient),
            (GoogleAip194, reset(), false, Final),
            (GoogleAip194, timeout(), true, Transient),
            (GoogleAip194, timeout(), false, Final),
            (GoogleAip194, service(429, "RESOURCE_EXHAUSTED"), true, Final),
            (GoogleAip194, service(429, "RESOURCE_EXHAUSTED"), false, Final),
            (GoogleAip194, service(429, "Http429"), true, Final),
            (GoogleAip194, service(400, "INVALID_ARGUMENT"), true, Final),
            (GoogleAip194, service(504, "DEADLINE_EXCEEDED"), true, Final),
            (GoogleAip194, service(500, "INTERNAL"), true, Final),
            (GoogleAip194, service(409, "ABORTED"), true, Final),
            (GoogleAip194, service(404, "NOT_FOUND"), true, Final),
        ];
        for (policy, error, idempotent, expected) in &table {
            assert_eq!(classify(*policy, error, &[], *idempotent), *expected, "{policy:?} {error} idempotent={idempotent}");
        }
        assert_eq!(classify(AwsStandard, &service(400, "TooBusyException"), &["TooBusyException"], false), Transient, "@retryable");
        assert_eq!(classify(GoogleAip194, &service(400, "TooBusyException"), &["TooBusyException"], true), Final);
    }

    #[test]
    fn retry_after_in_seconds() {
        let headers: Headers = [("Retry-After", "3")].into_iter().collect();
        let e = Error::service("Throttling", "m", None, HttpResponse::new(429, headers, ""));
        assert_eq!(retry_after(&e), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&service(429, "Throttling")), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = RetryConfig { max_attempts: 5, initial_backoff: Duration::from_millis(100), max_backoff: Duration::from_millis(300) };
        for _ in 0..50 {
            let (a, b, d) = (c.backoff(1), c.backoff(2), c.backoff(5));
            assert!(a >= Duration::from_millis(50) && a <= Duration::from_millis(100), "{a:?}");
            assert!(b >= Duration::from_millis(100) && b <= Duration::from_millis(200), "{b:?}");
            assert!(d <= Duration::from_millis(300), "{d:?}");
        }
    }

    #[test]
    fn quota_runs_out_and_refills() {
        let q = RetryQuota::default();
        let e = service(503, "x");
        let mut n = 0;
        while q.acquire(&e).is_some() {
            n += 1;
        }
        assert_eq!(n, 100);
        q.release(Some(5));
        assert!(q.acquire(&e).is_some());
    }
}
