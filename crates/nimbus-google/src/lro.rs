//! Long-running operations: polling an `Operation` until it is done.

use crate::client::Client;
use nimbus_core::http::HttpRequest;
use nimbus_core::{Error, ErrorKind, OperationInfo};
use serde_json::Value;
use std::time::Duration;

/// How [`wait_operation`] polls.
#[derive(Debug, Clone, Copy)]
pub struct WaitSettings {
    /// First wait between polls (doubles up to `max_delay`).
    pub initial_delay: Duration,
    /// Longest wait between polls.
    pub max_delay: Duration,
    /// Give up (a timeout error) after this long.
    pub deadline: Duration,
}

impl Default for WaitSettings {
    fn default() -> Self {
        WaitSettings { initial_delay: Duration::from_millis(500), max_delay: Duration::from_secs(10), deadline: Duration::from_secs(600) }
    }
}

static GET_OPERATION: OperationInfo = OperationInfo { name: "operations.get", idempotent: true, retryable_errors: &[] };

/// Polls a long-running `Operation` (JSON) until `done`, with backoff and a
/// deadline: returns its `response` (`null` when it has none), or its
/// `error` as a service error. `path_prefix` is what goes before the
/// operation's name in the get URL (`v1/`).
pub async fn wait_operation(client: &Client, path_prefix: &str, mut operation: Value, settings: WaitSettings) -> Result<Value, Error> {
    let start = std::time::Instant::now();
    let mut delay = settings.initial_delay;
    loop {
        if operation.get("done").and_then(Value::as_bool) == Some(true) {
            if let Some(error) = operation.get("error") {
                return Err(status_error(error));
            }
            return Ok(operation.get("response").cloned().unwrap_or(Value::Null));
        }
        let name = operation
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::decode("the operation is not done and has no name to poll", None))?
            .to_owned();
        if start.elapsed() + delay > settings.deadline {
            return Err(Error::new(ErrorKind::Timeout, format!("operation `{name}` not done after {:?}", settings.deadline)));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(settings.max_delay);
        let mut url = format!("/{path_prefix}");
        for (i, seg) in name.split('/').enumerate() {
            if i > 0 {
                url.push('/');
            }
            nimbus_core::protocol::rest::push_percent_encoded(&mut url, seg.as_bytes(), false);
        }
        let response = client.send(&GET_OPERATION, HttpRequest::new("GET", url)).await?;
        operation = nimbus_core::protocol::json::decode(&response)?;
    }
}

/// A `google.rpc.Status` (`{code, message, details}`) as a service error
/// with the canonical code name.
pub fn status_error(status: &Value) -> Error {
    let code = status.get("code").and_then(Value::as_i64).unwrap_or(2);
    let name = crate::stream::grpc_code_name(code).unwrap_or("UNKNOWN");
    let message = status.get("message").and_then(Value::as_str).unwrap_or("").to_owned();
    let body = status.to_string();
    Error::service(name, message, None, nimbus_core::http::HttpResponse::new(200, nimbus_core::http::Headers::new(), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_have_canonical_names() {
        let e = status_error(&serde_json::json!({"code": 6, "message": "exists"}));
        assert_eq!((e.code(), e.message()), (Some("ALREADY_EXISTS"), "exists"));
    }
}
