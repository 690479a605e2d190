//! Retries: how many attempts, how long to wait between them, and a
//! client-wide retry quota so a struggling service is not flooded. Which
//! failures are worth another attempt is the provider's decision
//! ([`Provider::classify`](crate::pipeline::Provider::classify)): AWS
//! standard mode in `nimbus-aws`, Google's AIP-194 in `nimbus-google`.
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

/// A random fraction in `[0, 1)` (not for cryptography): the std hasher's
/// random keys over a counter and the clock.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

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
        Error::service_status(status, code, "m")
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
