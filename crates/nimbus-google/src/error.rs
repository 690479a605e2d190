//! Google's errors: reading an error response (`google.rpc.Status` in its
//! JSON forms) and deciding what is retried.
//!
//! Retries follow AIP-194, as google-cloud-rust's strict policy: only
//! `UNAVAILABLE` (or a bare HTTP 502/503/504 from a proxy, the HTTP form of
//! it), connection failures and timeouts are transient, and they are retried
//! only when the call is safe to repeat (decided per method, and for some
//! methods per request, by the generator). Every other code is final:
//! `RESOURCE_EXHAUSTED` (a message over the size limit does not shrink on
//! retry), `INVALID_ARGUMENT`, `DEADLINE_EXCEEDED`, `INTERNAL`, ...

use nimbus_core::http::HttpResponse;
use nimbus_core::protocol::describe_body;
use nimbus_core::retry::RetryKind;
use nimbus_core::{Error, ErrorKind};
use serde_json::Value;

/// Turns a non-2xx response into a service [`Error`] whose code is the
/// canonical status name: `{"error": {"code": 404, "message": "...",
/// "status": "NOT_FOUND"}}`, or the gRPC-gateway form `{"code": 5,
/// "message": "..."}`. Never fails: a body that is neither (an HTML page from
/// a proxy, an empty body) yields `Http<status>` and a snippet of the body.
pub fn read_error(response: HttpResponse) -> Error {
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    let obj = body.as_ref().and_then(Value::as_object);
    let wrapped = obj.and_then(|o| o.get("error")).and_then(Value::as_object);
    let envelope = wrapped.or(obj);
    let status = envelope.and_then(|e| e.get("status")).and_then(Value::as_str).map(str::to_owned).or_else(|| {
        // gRPC-gateway shape: `code` is the gRPC code number.
        let code = envelope.and_then(|e| e.get("code")).and_then(Value::as_i64)?;
        wrapped.is_none().then(|| crate::stream::grpc_code_name(code).map(str::to_owned)).flatten()
    });
    let message = envelope.and_then(|e| e.get("message")).and_then(Value::as_str).map(str::to_owned);
    let code = status.filter(|c| !c.is_empty()).unwrap_or_else(|| format!("Http{}", response.status));
    let message = message.unwrap_or_else(|| describe_body(&response));
    let request_id = response.headers.get("x-request-id").map(str::to_owned);
    Error::service(code, message, request_id, response)
}

/// Classifies a failed attempt under AIP-194; `idempotent` says whether
/// this call is safe to repeat.
pub fn classify(error: &Error, idempotent: bool) -> RetryKind {
    let transient = match error.kind() {
        ErrorKind::Transport | ErrorKind::Timeout => true,
        // A Google error body names its canonical code; a bare gateway
        // answer (no body the protocol reads) gets `Http<status>`.
        ErrorKind::Service => matches!(error.code(), Some("UNAVAILABLE" | "Http502" | "Http503" | "Http504")),
        _ => false,
    };
    if transient && idempotent { RetryKind::Transient } else { RetryKind::Final }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> HttpResponse {
        HttpResponse::new(status, headers.iter().copied().collect(), body.to_owned())
    }

    fn service(status: u16, code: &str) -> Error {
        Error::service_status(status, code, "m")
    }

    /// The decision table: `UNAVAILABLE` and connection failures, when safe to repeat.
    #[test]
    fn decision_table() {
        use RetryKind::{Final, Transient};
        let timeout = || Error::new(ErrorKind::Timeout, "t");
        let reset = || Error::transport_message("connection reset");
        #[rustfmt::skip]
        let table: Vec<(Error, bool, RetryKind)> = vec![
            (service(503, "UNAVAILABLE"), true, Transient),
            (service(503, "UNAVAILABLE"), false, Final),
            (service(503, "Http503"), true, Transient),
            (service(502, "Http502"), true, Transient),
            (service(504, "Http504"), true, Transient),
            (reset(), true, Transient),
            (reset(), false, Final),
            (timeout(), true, Transient),
            (timeout(), false, Final),
            (service(429, "RESOURCE_EXHAUSTED"), true, Final),
            (service(429, "RESOURCE_EXHAUSTED"), false, Final),
            (service(429, "Http429"), true, Final),
            (service(400, "INVALID_ARGUMENT"), true, Final),
            (service(504, "DEADLINE_EXCEEDED"), true, Final),
            (service(500, "INTERNAL"), true, Final),
            (service(409, "ABORTED"), true, Final),
            (service(404, "NOT_FOUND"), true, Final),
        ];
        for (error, idempotent, expected) in &table {
            assert_eq!(classify(error, *idempotent), *expected, "{error} idempotent={idempotent}");
        }
        assert_eq!(classify(&service(400, "TooBusyException"), true), Final, "no @retryable in Google APIs");
    }

    #[test]
    fn google_envelopes() {
        let e = read_error(resp(404, &[], r#"{"error":{"code":404,"message":"Session not found","status":"NOT_FOUND"}}"#));
        assert_eq!((e.code(), e.message()), (Some("NOT_FOUND"), "Session not found"));
        let e = read_error(resp(409, &[], r#"{"code": 6, "message": "Instance already exists"}"#));
        assert_eq!((e.code(), e.message(), e.status()), (Some("ALREADY_EXISTS"), "Instance already exists", Some(409)));
        let e = read_error(resp(502, &[("content-type", "text/html")], "<html>Bad Gateway</html>"));
        assert_eq!(e.code(), Some("Http502"));
        let e = read_error(resp(503, &[], ""));
        assert_eq!(e.code(), Some("Http503"));
    }
}
