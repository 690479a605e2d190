//! Which failures AWS clients retry: the AWS SDKs' standard retry mode,
//! for *every* operation (within the core's retry quota):
//! - throttling: HTTP 429 or a throttling error code;
//! - transient failures: HTTP 500, 502, 503, 504, transient error codes,
//!   connection failures (refused, reset, closed mid-body) and timeouts;
//! - errors the model marks `@retryable`;
//! - nothing else (a 400 validation error is final).

use nimbus_core::retry::RetryKind;
use nimbus_core::{Error, ErrorKind};

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

/// Classifies a failed attempt; `retryable_codes` are the operation's
/// errors the model marks `@retryable`.
pub fn classify(error: &Error, retryable_codes: &[&str]) -> RetryKind {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn service(status: u16, code: &str) -> Error {
        Error::service_status(status, code, "m")
    }

    /// The decision table: every operation, idempotent or not.
    #[test]
    fn decision_table() {
        use RetryKind::{Final, Throttling, Transient};
        let timeout = || Error::new(ErrorKind::Timeout, "t");
        let reset = || Error::transport_message("connection reset");
        #[rustfmt::skip]
        let table: Vec<(Error, bool, RetryKind)> = vec![
            (service(500, "InternalServerException"), false, Transient),
            (service(500, "InternalServerException"), true, Transient),
            (service(502, "Http502"), false, Transient),
            (service(503, "ServiceUnavailable"), false, Transient),
            (service(504, "Http504"), false, Transient),
            (service(400, "RequestTimeout"), false, Transient),
            (reset(), false, Transient),
            (timeout(), false, Transient),
            (service(400, "ThrottlingException"), false, Throttling),
            (service(429, "Whatever"), false, Throttling),
            (service(400, "TooBusyException"), false, Final),
            (service(400, "ValidationException"), true, Final),
            (service(404, "ResourceNotFoundException"), true, Final),
            (service(501, "NotImplemented"), true, Final),
            (Error::decode("truncated JSON", None), true, Final),
            (Error::invalid_request("bad"), true, Final),
        ];
        for (error, idempotent, expected) in &table {
            assert_eq!(classify(error, &[]), *expected, "{error} idempotent={idempotent}");
        }
        assert_eq!(classify(&service(400, "TooBusyException"), &["TooBusyException"]), Transient, "@retryable");
    }
}
