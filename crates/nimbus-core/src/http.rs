//! HTTP messages as the pipeline sees them, and the transport that sends them.
//!
//! Generated code builds an [`HttpRequest`] whose `url` is still relative to
//! the service endpoint (`/path?query`); the pipeline resolves the endpoint,
//! signs, and hands the request to a [`Transport`]. The default transport is
//! [`ReqwestTransport`] (rustls); tests and users can plug in their own, for
//! example [`MockTransport`], which records requests and replays canned
//! responses.

use crate::error::Error;
pub use crate::message::{Bytes, EndpointParam, HeaderText, Headers, HttpRequest, HttpResponse};
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
///
/// A request whose path keeps a `.` or `..` segment (an S3 object key such
/// as `a/../b`, sent as it is) goes, with the `literal-paths` feature,
/// through a plain hyper client instead (without it, it is refused):
/// reqwest parses every URL by the WHATWG rules, which resolve such segments
/// (`%2E%2E` too), and would send the request to another key. That client is
/// built on first use from the crates reqwest already compiles; it honours
/// the connect timeout but not a proxy from the environment, nor the
/// settings of a client given to [`ReqwestTransport::from_client`].
#[derive(Clone, Debug, Default)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    /// The last origin (`scheme://authority`) parsed, as a URL with an empty
    /// path: a client sends to one origin, so most URLs only need their path
    /// and query read.
    origin: Arc<Mutex<Option<(String, reqwest::Url)>>>,
    /// The client for paths with dot segments, built on first use.
    #[cfg(feature = "literal-paths")]
    literal: Arc<std::sync::OnceLock<Result<LiteralPathClient, String>>>,
    #[cfg(feature = "literal-paths")]
    connect_timeout: Option<std::time::Duration>,
}

/// The hyper client that sends a path exactly as written.
#[cfg(feature = "literal-paths")]
type LiteralPathClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<Bytes>,
>;

/// Whether the path of `url` has a `.` or `..` segment, plain or
/// percent-encoded (`%2E`), which a WHATWG URL parser would resolve.
fn has_dot_segment(url: &str) -> bool {
    let rest = split_origin(url).map_or(url, |(_, rest)| rest);
    let path = rest.split(['?', '#']).next().unwrap_or("");
    path.split('/').any(|segment| {
        // Count the dots (`.` or `%2E`) the segment is made of, if that is all it is.
        let (mut rest, mut dots) = (segment.as_bytes(), 0);
        while !rest.is_empty() && dots < 3 {
            match rest {
                [b'.', tail @ ..] => rest = tail,
                [b'%', b'2', b'e' | b'E', tail @ ..] => rest = tail,
                _ => return false,
            }
            dots += 1;
        }
        rest.is_empty() && (dots == 1 || dots == 2)
    })
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
        #[cfg(feature = "literal-paths")]
        return Ok(ReqwestTransport { connect_timeout, ..Self::from_client(client) });
        #[cfg(not(feature = "literal-paths"))]
        Ok(Self::from_client(client))
    }

    /// A transport on an existing `reqwest` client.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport {
            client,
            origin: Arc::default(),
            #[cfg(feature = "literal-paths")]
            literal: Arc::default(),
            #[cfg(feature = "literal-paths")]
            connect_timeout: None,
        }
    }

    /// The client for paths with dot segments (built once).
    #[cfg(feature = "literal-paths")]
    fn literal_client(&self) -> Result<&LiteralPathClient, Error> {
        let built = self.literal.get_or_init(|| {
            let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
            http.enforce_http(false);
            http.set_connect_timeout(self.connect_timeout);
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
                .map_err(|e| format!("cannot set up TLS: {e}"))?
                .https_or_http()
                .enable_http1()
                .wrap_connector(http);
            Ok(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(https))
        });
        built.as_ref().map_err(|e| Error::config(format!("cannot build the HTTP client for literal paths: {e}")))
    }

    /// Sends a request whose path has dot segments through hyper, the path
    /// as written.
    #[cfg(feature = "literal-paths")]
    async fn send_literal(&self, request: &HttpRequest) -> Result<StreamingResponse, Error> {
        use http_body_util::BodyExt;
        let uri: hyper::Uri =
            request.url.parse().map_err(|e| Error::invalid_request(format!("invalid URL `{}`: {e}", redact_url(&request.url))))?;
        let mut outgoing = hyper::Request::new(http_body_util::Full::new(request.body.clone()));
        *outgoing.method_mut() = hyper::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::invalid_request(format!("invalid HTTP method `{}`", request.method)))?;
        *outgoing.uri_mut() = uri;
        *outgoing.headers_mut() = header_map(request)?;
        let failed = |what: &str, e: hyper_util::client::legacy::Error| {
            let what = if e.is_connect() { "cannot connect to" } else { what };
            Error::transport(format!("{what} {}", redact_url(&request.url)), e)
        };
        let response = self.literal_client()?.request(outgoing).await.map_err(|e| failed("the exchange failed with", e))?;
        let (head, body) = response.into_parts();
        let headers = copy_headers(&head.headers);
        let url = redact_url(&request.url).into_owned();
        let body = futures_util::stream::unfold(Some(body), move |state| {
            let url = url.clone();
            async move {
                let mut body = state?;
                loop {
                    match body.frame().await? {
                        Ok(frame) => match frame.into_data() {
                            Ok(chunk) => return Some((Ok(chunk), Some(body))),
                            Err(_trailers) => continue,
                        },
                        Err(e) => {
                            let what = format!("the connection failed while reading the response body from {url}");
                            return Some((Err(Error::transport(what, e)), None));
                        }
                    }
                }
            }
        })
        .boxed();
        Ok(StreamingResponse { status: head.status.as_u16(), headers, body })
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
        *outgoing.headers_mut() = header_map(request)?;
        *outgoing.body_mut() = Some(request.body.clone().into());
        let response = self.client.execute(outgoing).await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = copy_headers(response.headers());
        Ok((response, status, headers))
    }
}

/// The request's header fields as the transports send them; a name or value
/// that cannot be sent is an error naming it.
fn header_map(request: &HttpRequest) -> Result<reqwest::header::HeaderMap, Error> {
    let mut headers = reqwest::header::HeaderMap::with_capacity(request.headers.len());
    for (name, value) in request.headers.iter() {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid_request(format!("invalid header name `{}`", name.escape_debug())))?;
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_request(format!("the value of header `{name}` cannot be sent (control characters)")))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// A response's header fields as [`Headers`] (values that are not UTF-8
/// read lossily).
fn copy_headers(headers: &reqwest::header::HeaderMap) -> Headers {
    headers.iter().map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect()
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
            if has_dot_segment(&request.url) {
                #[cfg(feature = "literal-paths")]
                return self.send_literal(request).await;
                #[cfg(not(feature = "literal-paths"))]
                return Err(Error::invalid_request(format!(
                    "the path of `{}` has `.` or `..` segments, which this build cannot send as written (the `literal-paths` feature of nimbus-core)",
                    redact_url(&request.url)
                )));
            }
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

    #[test]
    fn dot_segments_are_found_plain_and_encoded() {
        for url in ["http://h/a/../b", "http://h/..", "http://h/./x", "http://h/b/%2E%2e/k?x=/../", "http://h/%2e", "/a/.%2E/b"] {
            assert!(has_dot_segment(url), "{url}");
        }
        for url in ["http://h/a/b", "http://h/...", "http://h/a..b/.x", "http://h/p?q=/../", "http://h/p#/../", "http://../p"] {
            assert!(!has_dot_segment(url), "{url}");
        }
    }

    /// A request whose path has dot segments reaches the server with the
    /// path as written (the literal-path client), its headers and body
    /// intact; the answer is read as usual.
    #[cfg(feature = "literal-paths")]
    #[tokio::test(flavor = "current_thread")]
    async fn dot_segments_reach_the_server_as_written() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut received = Vec::new();
            let mut buf = [0u8; 4096];
            while !received.ends_with(b"body") {
                let n = socket.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..n]);
            }
            socket.write_all(b"HTTP/1.1 200 OK\r\nx-answer: yes\r\ncontent-length: 2\r\n\r\nok").await.unwrap();
            String::from_utf8(received).unwrap()
        });
        let transport = ReqwestTransport::new(Some(std::time::Duration::from_secs(5))).unwrap();
        let mut request = HttpRequest::new("PUT", format!("http://127.0.0.1:{port}/b/../%2E%2E/./k?x=1"));
        request.headers.insert("x-amz-meta", "m");
        request.body = Bytes::from_static(b"body");
        let mut response = transport.send(&request).await.unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.headers.get("x-answer"), Some("yes"));
        let mut body = Vec::new();
        while let Some(chunk) = response.body.next().await {
            body.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(body, b"ok");
        let received = server.await.unwrap();
        assert!(received.starts_with("PUT /b/../%2E%2E/./k?x=1 HTTP/1.1\r\n"), "{received}");
        assert!(received.contains("x-amz-meta: m\r\n") && received.contains("content-length: 4\r\n"), "{received}");
    }

    /// A server that is not there is a transport error naming it, from the
    /// literal-path client as from reqwest.
    #[cfg(feature = "literal-paths")]
    #[tokio::test(flavor = "current_thread")]
    async fn literal_paths_fail_as_transport_errors() {
        let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let transport = ReqwestTransport::default();
        let e = transport.send(&HttpRequest::new("GET", format!("http://127.0.0.1:{port}/a/../b"))).await.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Transport);
        assert!(e.message().starts_with("cannot connect to http://127.0.0.1:"), "{e}");
    }
}
