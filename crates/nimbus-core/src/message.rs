//! HTTP messages as the pipeline sees them: header fields, a request whose
//! URL is relative to the service endpoint until the pipeline resolves it,
//! and a response with its body read. (Re-exported by [`crate::http`].)

use crate::url::split_origin;
pub use bytes::Bytes;
use std::fmt;

/// A header name or value: text the program holds for its whole run (the
/// usual names, content types, operation targets), text shared with the
/// client (a `User-Agent` computed once), or text of its own. Only the last
/// costs an allocation per request.
#[derive(Clone)]
pub enum HeaderText {
    /// Text that lives as long as the program.
    Static(&'static str),
    /// Text shared by reference count.
    Shared(std::sync::Arc<str>),
    /// Text of its own.
    Owned(String),
}

impl HeaderText {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            HeaderText::Static(s) => s,
            HeaderText::Shared(s) => s,
            HeaderText::Owned(s) => s,
        }
    }
}

impl PartialEq for HeaderText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for HeaderText {}

impl fmt::Debug for HeaderText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&'static str> for HeaderText {
    fn from(s: &'static str) -> Self {
        HeaderText::Static(s)
    }
}

impl From<String> for HeaderText {
    fn from(s: String) -> Self {
        HeaderText::Owned(s)
    }
}

impl From<&String> for HeaderText {
    fn from(s: &String) -> Self {
        HeaderText::Owned(s.clone())
    }
}

impl From<std::sync::Arc<str>> for HeaderText {
    fn from(s: std::sync::Arc<str>) -> Self {
        HeaderText::Shared(s)
    }
}

impl From<&std::sync::Arc<str>> for HeaderText {
    fn from(s: &std::sync::Arc<str>) -> Self {
        HeaderText::Shared(s.clone())
    }
}

/// HTTP header fields in order, names compared case-insensitively.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(HeaderText, HeaderText)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.as_str().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(n, _)| n.as_str().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The values of `name` joined as one field value (`a, b`), as HTTP
    /// allows for repeated fields; `None` when absent.
    pub fn get_joined(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.get_all(name).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`, replacing earlier values.
    pub fn insert(&mut self, name: impl Into<HeaderText>, value: impl Into<HeaderText>) {
        let name = name.into();
        self.remove(name.as_str());
        self.0.push((name, value.into()));
    }

    /// Adds a value for `name`, keeping earlier ones.
    pub fn append(&mut self, name: impl Into<HeaderText>, value: impl Into<HeaderText>) {
        self.0.push((name.into(), value.into()));
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.as_str().eq_ignore_ascii_case(name));
    }

    /// All fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Header names whose values are secrets: printed as `** redacted **`.
const SECRET_HEADERS: &[&str] = &["authorization", "x-amz-security-token", "proxy-authorization", "cookie", "set-cookie", "x-goog-api-key"];

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (n, v) in &self.0 {
            if SECRET_HEADERS.iter().any(|s| n.as_str().eq_ignore_ascii_case(s)) {
                map.entry(n, &"** redacted **");
            } else {
                map.entry(n, v);
            }
        }
        map.finish()
    }
}

impl<N: Into<HeaderText>, V: Into<HeaderText>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Headers(iter.into_iter().map(|(n, v)| (n.into(), v.into())).collect())
    }
}

/// The value of an endpoint parameter a request carries
/// ([`HttpRequest::endpoint_params`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointParam {
    /// A string parameter.
    Str(String),
    /// A boolean parameter.
    Bool(bool),
}

/// An HTTP request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method, upper case (`GET`, `POST`, ...).
    pub method: String,
    /// Before endpoint resolution: the path and query relative to the service
    /// endpoint (`/portals?maxResults=2`); afterwards the absolute URL.
    pub url: String,
    /// A prefix for the endpoint's host (Smithy `@endpoint(hostPrefix)`),
    /// applied by the pipeline; already expanded and validated.
    pub host_prefix: Option<String>,
    /// Parameters of this request that the provider's endpoint resolution
    /// reads (AWS endpoint rules' context parameters, such as an S3
    /// `Bucket`); empty for most requests, whose endpoint is the client's.
    pub endpoint_params: Vec<(&'static str, EndpointParam)>,
    /// A URL this request goes to instead of the client's endpoint (Machine
    /// Learning's `Predict` names its own).
    pub endpoint_override: Option<String>,
    /// Header fields.
    pub headers: Headers,
    /// Body bytes (empty for none).
    pub body: Bytes,
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        // Room for the usual headers (content type, target, length, date,
        // authorization, token, and AWS's agent and invocation headers) without regrowing.
        HttpRequest {
            method: method.into(),
            url: url.into(),
            host_prefix: None,
            endpoint_params: Vec::new(),
            endpoint_override: None,
            headers: Headers(Vec::with_capacity(12)),
            body: Bytes::new(),
        }
    }

    /// The path of the URL (without query), for absolute or relative URLs.
    pub fn path(&self) -> &str {
        let after_scheme = match self.url.find("://") {
            Some(i) => {
                let rest = &self.url[i + 3..];
                rest.find('/').map_or("", |j| &rest[j..])
            }
            None => self.url.as_str(),
        };
        after_scheme.split(['?', '#']).next().unwrap_or("")
    }

    /// The raw query string (without `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.url.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or(""))
    }

    /// The host (and port) of an absolute URL.
    pub fn host(&self) -> Option<&str> {
        let (origin, _) = split_origin(&self.url)?;
        origin.split_once("://").map(|(_, host)| host)
    }
}

/// A response with its whole body read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header fields.
    pub headers: Headers,
    /// Body bytes.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response from its parts.
    pub fn new(status: u16, headers: Headers, body: impl Into<Bytes>) -> Self {
        HttpResponse { status, headers, body: body.into() }
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
