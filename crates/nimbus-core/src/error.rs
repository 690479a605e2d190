//! The one error type of the runtime.
//!
//! Every failure of a call that is not a *modeled* service error (those get
//! their own variants in the generated per-operation error enums) is an
//! [`Error`]: a service error the model does not describe (with its code,
//! message, HTTP status and request id), a transport failure, a timeout, a
//! request that cannot be built, a response that cannot be decoded, or a
//! configuration problem. It is small (one pointer) so `Result`s stay cheap.

use crate::message::HttpResponse;
use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service answered with an error response.
    Service,
    /// The request could not be sent or the response not received
    /// (connection refused, reset, TLS, DNS, ...).
    Transport,
    /// An attempt or the whole call took longer than configured.
    Timeout,
    /// The request is invalid and was not sent (a missing path label, a
    /// header value with CR/LF, a value that violates a pattern, ...).
    InvalidRequest,
    /// The response could not be decoded (malformed or truncated JSON, a
    /// wrong type, a body that is not the expected format).
    Decode,
    /// The client is misconfigured (no region, a bad endpoint URL, ...).
    Config,
    /// Credentials could not be obtained.
    Credentials,
    /// The operation or protocol is not supported by this client.
    Unsupported,
    /// A successful response's body is larger than the configured limit
    /// (`Config::max_response_body_bytes`); it was not read whole.
    ResponseTooLarge,
}

impl ErrorKind {
    fn label(self) -> &'static str {
        match self {
            ErrorKind::Service => "service error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Decode => "cannot decode the response",
            ErrorKind::Config => "configuration error",
            ErrorKind::Credentials => "credentials error",
            ErrorKind::Unsupported => "not supported",
            ErrorKind::ResponseTooLarge => "response too large",
        }
    }
}

/// A failed call that is not a modeled service error.
#[derive(Clone)]
pub struct Error(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    code: Option<String>,
    status: Option<u16>,
    request_id: Option<String>,
    response: Option<HttpResponse>,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Inner { kind, message: message.into(), code: None, status: None, request_id: None, response: None, source: None }))
    }

    /// A service error response with its parsed code, message and request id.
    pub fn service(code: impl Into<String>, message: impl Into<String>, request_id: Option<String>, response: HttpResponse) -> Self {
        let mut e = Error::new(ErrorKind::Service, message);
        e.0.code = Some(code.into());
        e.0.status = Some(response.status);
        e.0.request_id = request_id;
        e.0.response = Some(response);
        e
    }

    /// A service error with an HTTP `status`, a `code` and a `message` but
    /// no response body, as a test double answers for a service
    /// (`Error::service_status(404, "NOT_FOUND", "Session not found")`).
    pub fn service_status(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Error::service(code, message, None, HttpResponse::new(status, crate::message::Headers::new(), bytes::Bytes::new()))
    }

    /// An invalid-request error.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidRequest, message)
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    /// A transport error: `message` says what failed (one line, no secrets:
    /// see [`redact_url`](crate::http::redact_url)); `source` says why and is
    /// reached through [`std::error::Error::source`], not printed.
    pub fn transport(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        let mut e = Error::new(ErrorKind::Transport, message);
        e.0.source = Some(std::sync::Arc::new(source));
        e
    }

    /// A transport error with a message only.
    pub fn transport_message(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Transport, message)
    }

    /// A decode error for `response`, explaining what is wrong.
    pub fn decode(message: impl Into<String>, response: Option<&HttpResponse>) -> Self {
        let mut e = Error::new(ErrorKind::Decode, message);
        if let Some(r) = response {
            e.0.status = Some(r.status);
            e.0.response = Some(r.clone());
        }
        e
    }

    /// Attaches the underlying cause (reached through `source()`; the
    /// message should not repeat it).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(std::sync::Arc::new(source));
        self
    }

    /// Attaches a request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.0.request_id = request_id;
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The service's error code (sanitized: no namespace, no `:` suffix),
    /// for service errors.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The request id the service assigned, when known.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// Structured error details from a JSON response body (`error.details`
    /// or a top-level `details`), when present.
    pub fn details(&self) -> Option<serde_json::Value> {
        let body: serde_json::Value = serde_json::from_slice(&self.response()?.body).ok()?;
        let envelope = body.get("error").filter(|e| e.is_object()).unwrap_or(&body);
        envelope.get("details").cloned()
    }

    /// The raw response, for service and decode errors.
    pub fn response(&self) -> Option<&HttpResponse> {
        self.0.response.as_ref()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind).field("message", &self.0.message);
        if let Some(c) = &self.0.code {
            d.field("code", c);
        }
        if let Some(s) = self.0.status {
            d.field("status", &s);
        }
        if let Some(r) = &self.0.request_id {
            d.field("request_id", r);
        }
        if let Some(s) = &self.0.source {
            d.field("source", s);
        }
        d.finish()
    }
}

/// One line saying what happened: the code (or kind) and message, the HTTP
/// status and request id. The cause is not repeated here: it is what
/// [`source`](std::error::Error::source) returns.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.code, self.0.kind) {
            (Some(code), _) => {
                write!(f, "{code}")?;
                if !self.0.message.is_empty() {
                    write!(f, ": {}", self.0.message)?;
                }
            }
            (None, kind) => write!(f, "{}: {}", kind.label(), self.0.message)?,
        }
        match (self.0.status, &self.0.request_id) {
            (Some(s), Some(id)) => write!(f, " (HTTP {s}, request id {id})"),
            (Some(s), None) => write!(f, " (HTTP {s})"),
            (None, Some(id)) => write!(f, " (request id {id})"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    #[test]
    fn display_prints_code_message_status_and_request_id() {
        let resp = HttpResponse::new(400, Headers::new(), "{}");
        let e = Error::service("ThrottlingException", "slow down", Some("req-1".into()), resp);
        assert_eq!(e.to_string(), "ThrottlingException: slow down (HTTP 400, request id req-1)");
        assert_eq!(e.kind(), ErrorKind::Service);
        assert_eq!(e.status(), Some(400));
        let e = Error::invalid_request("header `X-A` contains CR or LF");
        assert_eq!(e.to_string(), "invalid request: header `X-A` contains CR or LF");
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
