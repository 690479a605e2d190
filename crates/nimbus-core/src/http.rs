//! HTTP messages as the pipeline sees them, and the transport that sends them.
//!
//! Generated code builds an [`HttpRequest`] whose `url` is still relative to
//! the service endpoint (`/path?query`); the pipeline resolves the endpoint,
//! signs, and hands the request to a [`Transport`]. The default transport is
//! [`ReqwestTransport`] (rustls); tests and users can plug in their own, for
//! example [`MockTransport`], which records requests and replays canned
//! responses.

use crate::error::Error;
pub use crate::message::{Bytes, EndpointParam, Headers, HttpRequest, HttpResponse};
pub use crate::url::{redact_url, split_origin};
use futures_util::stream::{BoxStream, StreamExt};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// A boxed, sendable future, as returned by [`Transport::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A response whose body is read as it arrives.
pub struct StreamingResponse {
    /// Status code.
    pub status: u16,
    /// Header fields.
    pub headers: Headers,
    /// The body, chunk by chunk.
    pub body: BoxStream<'static, Result<Bytes, Error>>,
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse").field("status", &self.status).field("headers", &self.headers).finish_non_exhaustive()
    }
}

impl StreamingResponse {
    /// A response with the whole body at hand.
    pub fn full(status: u16, headers: Headers, body: impl Into<Bytes>) -> Self {
        let body: Bytes = body.into();
        StreamingResponse { status, headers, body: futures_util::stream::once(async move { Ok(body) }).boxed() }
    }
}

/// Sends HTTP requests: the seam between the pipeline and the network.
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Sends `request` (absolute URL) and returns the response head with a
    /// body stream. Connection and protocol failures are
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) errors.
    ///
    /// The request is borrowed: the pipeline keeps it for a retry (signed
    /// again in place) instead of copying it for every attempt.
    fn send<'a>(&'a self, request: &'a HttpRequest) -> BoxFuture<'a, Result<StreamingResponse, Error>>;
}

/// The default transport: a shared `reqwest` client (rustls; HTTP/1.1, and
/// HTTP/2 with the `http2` feature).
#[derive(Clone, Debug, Default)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    /// The last origin (`scheme://authority`) parsed, as a URL with an empty
    /// path: a client sends to one origin, so most URLs only need their path
    /// and query read.
    origin: Arc<Mutex<Option<(String, reqwest::Url)>>>,
}

impl ReqwestTransport {
    /// A transport with `reqwest`'s defaults and the given connect timeout.
    pub fn new(connect_timeout: Option<std::time::Duration>) -> Result<Self, Error> {
        // Redirects are answers for the caller, never followed: a signed
        // request must not be replayed to another host (and cloud APIs do
        // not redirect API calls), so a 3xx reaches the error path.
        let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(t) = connect_timeout {
            builder = builder.connect_timeout(t);
        }
        let client = builder.build().map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self::from_client(client))
    }

    /// A transport on an existing `reqwest` client.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client, origin: Arc::default() }
    }

    /// Parses an absolute URL, reusing the parsed origin of the previous
    /// one when it is the same (same result as parsing the whole URL).
    fn parse_url(&self, url: &str) -> Result<reqwest::Url, Error> {
        fn invalid(url: &str, e: impl fmt::Display) -> Error {
            Error::invalid_request(format!("invalid URL `{}`: {e}", redact_url(url)))
        }
        let Some((origin, rest)) = split_origin(url) else {
            return reqwest::Url::parse(url).map_err(|e| invalid(url, e));
        };
        let cached = self.origin.lock().ok().and_then(|c| c.as_ref().filter(|(o, _)| o == origin).map(|(_, u)| u.clone()));
        if let (Some(mut parsed), false) = (cached, rest.contains('#')) {
            let (path, query) = match rest.split_once('?') {
                Some((path, query)) => (path, Some(query)),
                None => (rest, None),
            };
            parsed.set_path(path);
            parsed.set_query(query);
            return Ok(parsed);
        }
        let parsed = reqwest::Url::parse(url).map_err(|e| invalid(url, e))?;
        if !parsed.cannot_be_a_base() {
            let mut base = parsed.clone();
            base.set_path("");
            base.set_query(None);
            base.set_fragment(None);
            if let Ok(mut slot) = self.origin.lock() {
                *slot = Some((origin.to_owned(), base));
            }
        }
        Ok(parsed)
    }
}

impl ReqwestTransport {
    /// Sends through reqwest and returns the response with its head copied.
    async fn exchange(&self, request: &HttpRequest) -> Result<(reqwest::Response, u16, Headers), Error> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::invalid_request(format!("invalid HTTP method `{}`", request.method)))?;
        let mut outgoing = reqwest::Request::new(method, self.parse_url(&request.url)?);
        let headers = outgoing.headers_mut();
        headers.reserve(request.headers.len());
        for (name, value) in request.headers.iter() {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid_request(format!("invalid header name `{}`", name.escape_debug())))?;
            let value = reqwest::header::HeaderValue::from_str(value)
                .map_err(|_| Error::invalid_request(format!("the value of header `{name}` cannot be sent (control characters)")))?;
            headers.append(name, value);
        }
        *outgoing.body_mut() = Some(request.body.clone().into());
        let response = self.client.execute(outgoing).await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers =
            response.headers().iter().map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        Ok((response, status, headers))
    }
}

/// A reqwest failure as a transport error: what failed, with the URL
/// redacted, in the message; reqwest's error (without its URL, which may
/// carry `?key=` or `access_token=`) as the source.
fn transport_error(e: reqwest::Error) -> Error {
    let url = e.url().map(|u| redact_url(u.as_str()).into_owned()).unwrap_or_else(|| "the service".to_owned());
    let what = if e.is_connect() {
        "cannot connect to"
    } else if e.is_timeout() {
        "timed out talking to"
    } else if e.is_body() || e.is_decode() {
        "the connection failed while reading the response body from"
    } else if e.is_request() {
        "the request could not be sent to"
    } else {
        "the exchange failed with"
    };
    Error::transport(format!("{what} {url}"), e.without_url())
}

impl Transport for ReqwestTransport {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> BoxFuture<'a, Result<StreamingResponse, Error>> {
        Box::pin(async move {
            let (response, status, headers) = self.exchange(request).await?;
            let body = futures_util::stream::unfold(Some(response), |state| async move {
                let mut response = state?;
                match response.chunk().await {
                    Ok(Some(chunk)) => Some((Ok(chunk), Some(response))),
                    Ok(None) => None,
                    Err(e) => Some((Err(transport_error(e)), None)),
                }
            })
            .boxed();
            Ok(StreamingResponse { status, headers, body })
        })
    }
}

/// A transport for tests: records every request and answers from a queue
/// of canned responses (the last one repeats when the queue runs dry).
#[derive(Debug, Clone, Default)]
pub struct MockTransport {
    state: Arc<Mutex<MockState>>,
}

#[derive(Debug, Default)]
struct MockState {
    requests: Vec<HttpRequest>,
    responses: std::collections::VecDeque<HttpResponse>,
    last: Option<HttpResponse>,
}

impl MockTransport {
    /// A transport answering every request with `response`.
    pub fn new(response: HttpResponse) -> Self {
        let t = MockTransport::default();
        t.push(response);
        t
    }

    /// Queues a response.
    pub fn push(&self, response: HttpResponse) {
        self.lock().responses.push_back(response);
    }

    /// The requests sent so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MockState> {
        // A panic while holding the lock cannot leave the state inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Transport for MockTransport {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> BoxFuture<'a, Result<StreamingResponse, Error>> {
        let mut state = self.lock();
        state.requests.push(request.clone());
        let response = match state.responses.pop_front() {
            Some(r) => {
                state.last = Some(r.clone());
                Some(r)
            }
            None => state.last.clone(),
        };
        drop(state);
        Box::pin(async move {
            let r = response.ok_or_else(|| Error::transport_message("the mock transport has no response queued"))?;
            Ok(StreamingResponse::full(r.status, r.headers, r.body))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_a_known_origin_parse_like_whole_urls() {
        let transport = ReqwestTransport::default();
        let paths = [
            "",
            "/",
            "/v1/projects/p/instances/i",
            "/a/../b/./c",
            "/%2e%2e/x",
            "/a b/ü?q=1 2&r",
            "?x=1",
            "/p?",
            "/p?a=%41&b",
            "/a\\b",
            "/sessions/s:executeSql?alt=json&$.xgafv=2",
            "/x#frag",
            "/x?y#z",
        ];
        for origin in ["http://127.0.0.1:8080", "https://Athena.us-east-1.AmazonAWS.com", "http://user:pw@h:80"] {
            for path in paths {
                let url = format!("{origin}{path}");
                let whole = reqwest::Url::parse(&url).unwrap();
                // Twice: the first parse fills the origin slot, the second uses it.
                assert_eq!(transport.parse_url(&url).unwrap(), whole, "{url}");
                assert_eq!(transport.parse_url(&url).unwrap(), whole, "{url} (cached origin)");
            }
        }
        assert!(transport.parse_url("http://[::1/x").unwrap_err().to_string().contains("invalid URL"));
    }

    #[test]
    fn headers_are_case_insensitive_and_secrets_redacted() {
        let mut h = Headers::new();
        h.insert("Content-Type", "a");
        h.insert("content-type", "b");
        h.append("X-List", "1");
        h.append("x-list", "2");
        h.insert("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/secret");
        assert_eq!(h.get("CONTENT-TYPE"), Some("b"));
        assert_eq!(h.get_joined("x-LIST").as_deref(), Some("1, 2"));
        let debug = format!("{h:?}");
        assert!(!debug.contains("AKID"), "{debug}");
        assert!(debug.contains("redacted"));
    }

    #[test]
    fn secrets_in_urls_are_redacted() {
        for (url, expected) in [
            (
                "https://spanner.googleapis.com/v1/x?alt=json&key=AIzaSECRET&fields=a",
                "https://spanner.googleapis.com/v1/x?alt=json&key=REDACTED&fields=a",
            ),
            ("https://h/p?access_token=ya29.SECRET", "https://h/p?access_token=REDACTED"),
            ("https://h/p?Access_Token=S1&oauth_token=S2#frag", "https://h/p?Access_Token=REDACTED&oauth_token=REDACTED#frag"),
            ("https://h/p?acc%65ss_token=S1", "https://h/p?acc%65ss_token=REDACTED"),
            ("https://h/p?X-Amz-Signature=abc&X-Amz-Credential=AKID", "https://h/p?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED"),
            ("http://user:pw@h:80/p?keys=1", "http://REDACTED@h:80/p?keys=1"),
            ("https://h/p?monkey=1&key", "https://h/p?monkey=1&key"),
        ] {
            assert_eq!(redact_url(url), expected, "{url}");
            assert!(!redact_url(url).contains("SECRET"));
        }
        assert!(matches!(redact_url("https://h/p?a=1"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn url_parts() {
        let r = HttpRequest::new("GET", "https://example.com:8443/a/b?x=1&y#frag");
        assert_eq!(r.path(), "/a/b");
        assert_eq!(r.query(), Some("x=1&y"));
        assert_eq!(r.host(), Some("example.com:8443"));
        let r = HttpRequest::new("GET", "/only/path");
        assert_eq!(r.path(), "/only/path");
        assert_eq!(r.host(), None);
    }
}
