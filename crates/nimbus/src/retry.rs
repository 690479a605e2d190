//! Standard-mode retries: how many attempts, how long to wait between them,
//! which failures are worth another attempt, and a client-wide retry quota so
//! a struggling service is not flooded.
//!
//! What is retried:
//! - throttling (HTTP 429 or a throttling error code): always, the service
//!   refused the request;
//! - server errors (500, 502, 503, 504), transient error codes, errors the
//!   model marks `@retryable`, transport failures and attempt timeouts: only
//!   for operations that are safe to repeat (`@idempotent`, `@readonly`, or
//!   carrying an idempotency token, which stays the same on every attempt);
//! - nothing else (a 400 validation error is final).

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
    "RESOURCE_EXHAUSTED",
];

/// Error codes for transient server-side failures.
const TRANSIENT_CODES: &[&str] =
    &["RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable", "UNAVAILABLE"];

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

/// Classifies a failed attempt. `retryable_codes` are the errors the model
/// marks `@retryable`; `idempotent` says whether the operation is safe to repeat.
pub fn classify(error: &Error, retryable_codes: &[&str], idempotent: bool) -> RetryKind {
    let transient_if_safe = if idempotent { RetryKind::Transient } else { RetryKind::Final };
    match error.kind() {
        ErrorKind::Transport | ErrorKind::Timeout => transient_if_safe,
        ErrorKind::Service => {
            let code = error.code().unwrap_or("");
            if error.status() == Some(429) || THROTTLING_CODES.contains(&code) {
                RetryKind::Throttling
            } else if matches!(error.status(), Some(500 | 502 | 503 | 504))
                || TRANSIENT_CODES.contains(&code)
                || retryable_codes.contains(&code)
            {
                transient_if_safe
            } else {
                RetryKind::Final
            }
        }
        _ => RetryKind::Final,
    }
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

    #[test]
    fn classification() {
        assert_eq!(classify(&service(400, "ThrottlingException"), &[], false), RetryKind::Throttling);
        assert_eq!(classify(&service(429, "Whatever"), &[], false), RetryKind::Throttling);
        assert_eq!(classify(&service(503, "ServiceUnavailable"), &[], true), RetryKind::Transient);
        assert_eq!(classify(&service(503, "UNAVAILABLE"), &[], true), RetryKind::Transient, "Google");
        assert_eq!(classify(&service(429, "RESOURCE_EXHAUSTED"), &[], false), RetryKind::Throttling, "Google");
        assert_eq!(classify(&service(500, "InternalServerException"), &[], false), RetryKind::Final, "unsafe to repeat");
        assert_eq!(classify(&service(400, "ValidationException"), &[], true), RetryKind::Final);
        assert_eq!(classify(&service(400, "TooBusyException"), &["TooBusyException"], true), RetryKind::Transient);
        assert_eq!(classify(&Error::new(ErrorKind::Timeout, "t"), &[], true), RetryKind::Transient);
        assert_eq!(classify(&Error::invalid_request("bad"), &[], true), RetryKind::Final);
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
