//! HTTP binding protocols (Smithy `@http*` traits, Google REST paths):
//! building the URI, query and headers of a request, and reading bound
//! members back from response headers.
//!
//! Every value placed in a path label or query string is percent-encoded
//! (RFC 3986 unreserved characters only), so a value can never add a path
//! segment, a query parameter or a fragment; header values containing CR or
//! LF are rejected before anything is sent.

use crate::date_time::DateTime;
use crate::error::Error;
use crate::http::{HeaderText, HttpRequest, HttpResponse};
pub use crate::percent::{percent_decode, percent_encode, push_percent_encoded};
use base64::Engine as _;
use bytes::Bytes;
use std::collections::HashMap;

/// Builds the HTTP request of one operation call.
#[derive(Debug)]
pub struct RequestBuilder {
    method: &'static str,
    path: String,
    query: Vec<(String, String, bool)>,
    request: HttpRequest,
}

/// Whether `value` may be sent in a header: no CR, LF or NUL.
fn check_header_value(name: &str, value: &str) -> Result<(), Error> {
    if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(Error::invalid_request(format!(
            "the value of header `{name}` contains a line break (CR/LF) or NUL; such values cannot be sent"
        )));
    }
    Ok(())
}

impl RequestBuilder {
    /// A request with `method` and an empty path.
    pub fn new(method: &'static str) -> Self {
        RequestBuilder { method, path: String::new(), query: Vec::new(), request: HttpRequest::new(method, "") }
    }

    /// Appends literal path text from the URI template.
    pub fn literal(&mut self, text: &str) -> &mut Self {
        self.path.push_str(text);
        self
    }

    /// Appends a path label. `greedy` labels keep `/`; other labels encode
    /// it. A value that could change the route is an error naming the
    /// member: an empty value, a value of `.` or `..`, and (greedy labels)
    /// a value with a `.` or `..` segment. Dot segments are refused rather than encoded because URL
    /// parsers treat `%2E%2E` as `..` too (the WHATWG URL standard, which
    /// the transport's parser follows), so no encoding survives them.
    pub fn label(&mut self, name: &str, value: &str, greedy: bool) -> Result<&mut Self, Error> {
        self.push_label(name, value, greedy, false)
    }

    /// Appends a path label of a service that reads its paths literally
    /// (S3 object keys): as [`RequestBuilder::label`], but `.` and `..`
    /// segments are kept and sent as written (the transport does not
    /// resolve them), since there they name an object, not a route.
    pub fn literal_label(&mut self, name: &str, value: &str, greedy: bool) -> Result<&mut Self, Error> {
        self.push_label(name, value, greedy, true)
    }

    fn push_label(&mut self, name: &str, value: &str, greedy: bool, keep_dot_segments: bool) -> Result<&mut Self, Error> {
        if value.is_empty() {
            return Err(Error::invalid_request(format!("path parameter `{name}` must not be empty")));
        }
        let is_dot_segment = |seg: &str| seg == "." || seg == "..";
        if !keep_dot_segments && ((greedy && value.split('/').any(is_dot_segment)) || is_dot_segment(value)) {
            return Err(Error::invalid_request(format!(
                "path parameter `{name}` must not be `.` or `..` (nor contain such a segment): it would change the route"
            )));
        }
        push_percent_encoded(&mut self.path, value.as_bytes(), greedy);
        Ok(self)
    }

    /// Adds a query parameter (a literal from the URI template or a
    /// `@httpQuery` member). `value` `None` adds the bare key.
    pub fn query(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        self.query.push((name.to_owned(), value.map(str::to_owned).unwrap_or_default(), value.is_none()));
        self
    }

    /// Adds the entries of an `@httpQueryParams` map; a key also set by a
    /// `@httpQuery` member is left to that member.
    pub fn query_params<'a>(&mut self, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> &mut Self {
        let mut extra: Vec<(String, String, bool)> = Vec::new();
        for (k, v) in params {
            if !self.query.iter().any(|(q, _, _)| q == k) {
                extra.push((k.to_owned(), v.to_owned(), false));
            }
        }
        extra.sort_by(|a, b| a.0.cmp(&b.0));
        self.query.extend(extra);
        self
    }

    /// Sets a header (checked for CR/LF).
    pub fn header(&mut self, name: &'static str, value: &str) -> Result<&mut Self, Error> {
        self.set_header(name, value.to_owned())
    }

    fn set_header(&mut self, name: impl Into<HeaderText>, value: String) -> Result<&mut Self, Error> {
        let name = name.into();
        check_header_value(name.as_str(), &value)?;
        self.request.headers.insert(name, value);
        Ok(self)
    }

    /// Sets a list-valued header: values joined with `, `; a value holding a
    /// comma or a double quote is quoted (unless `raw`, used for HTTP dates,
    /// which contain commas by definition).
    pub fn header_list<S: AsRef<str>>(
        &mut self,
        name: &'static str,
        values: impl IntoIterator<Item = S>,
        raw: bool,
    ) -> Result<&mut Self, Error> {
        let mut joined = String::new();
        for (i, v) in values.into_iter().enumerate() {
            let v = v.as_ref();
            if i > 0 {
                joined.push_str(", ");
            }
            if !raw && (v.contains(',') || v.contains('"') || v != v.trim()) {
                joined.push('"');
                for c in v.chars() {
                    if c == '"' || c == '\\' {
                        joined.push('\\');
                    }
                    joined.push(c);
                }
                joined.push('"');
            } else {
                joined.push_str(v);
            }
        }
        self.set_header(name, joined)
    }

    /// Sets the headers of a `@httpPrefixHeaders` map.
    pub fn prefix_headers<'a>(&mut self, prefix: &str, map: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<&mut Self, Error> {
        let mut entries: Vec<(&str, &str)> = map.into_iter().collect();
        entries.sort();
        for (k, v) in entries {
            self.set_header(format!("{prefix}{k}"), v.to_owned())?;
        }
        Ok(self)
    }

    /// Sets the body and, unless a header already set it, its content type.
    pub fn body(&mut self, body: Bytes, content_type: &'static str) -> &mut Self {
        if !self.request.headers.contains("content-type") {
            self.request.headers.insert("Content-Type", content_type);
        }
        self.request.body = body;
        self
    }

    /// The request, its URL relative to the endpoint.
    pub fn finish(mut self) -> HttpRequest {
        // Discovery paths are relative to the service path (`v1/...`); an
        // empty path is the endpoint's own (an S3 bucket's, path style).
        let mut url = self.path;
        if !url.is_empty() && !url.starts_with('/') {
            url.insert(0, '/');
        }
        for (i, (k, v, bare)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            push_percent_encoded(&mut url, k.as_bytes(), false);
            if !bare {
                url.push('=');
                push_percent_encoded(&mut url, v.as_bytes(), false);
            }
        }
        self.request.url = url;
        self.request.method = self.method.to_owned();
        self.request
    }
}

/// Checks an expanded host prefix (Smithy `@endpoint`): every label must be
/// a valid host label, so a member value cannot redirect the request.
pub fn check_host_prefix(prefix: &str) -> Result<(), Error> {
    let host = prefix.strip_suffix('.').unwrap_or(prefix);
    if host.split('.').any(|l| !is_valid_host_label(l)) {
        return Err(Error::invalid_request(format!(
            "`{prefix}` is not a valid host prefix (a host label is empty or has characters other than letters, digits and `-`)"
        )));
    }
    Ok(())
}

/// Appends query parameters (already-typed global parameters such as
/// `fields` or `prettyPrint`) to a built request's URL, percent-encoded.
pub fn append_query<'a>(request: &mut HttpRequest, params: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (k, v) in params {
        request.url.push(if request.url.contains('?') { '&' } else { '?' });
        push_percent_encoded(&mut request.url, k.as_bytes(), false);
        request.url.push('=');
        push_percent_encoded(&mut request.url, v.as_bytes(), false);
    }
}

/// Whether `label` is a valid DNS host label (1-63 letters, digits, `-`,
/// not starting with `-`).
pub fn is_valid_host_label(label: &str) -> bool {
    !label.is_empty() && label.len() <= 63 && !label.starts_with('-') && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Formats a float for a header or query value (`NaN`, `Infinity`,
/// `-Infinity` for the special values).
pub fn fmt_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        v.to_string()
    }
}

/// Formats a single-precision float for a header or query value (shortest
/// form that reads back as the same `f32`: `1.1`, not `1.100000023841858`).
pub fn fmt_f32(v: f32) -> String {
    if v.is_finite() { v.to_string() } else { fmt_float(f64::from(v)) }
}

/// Base64 of a string (a `@mediaType` string in a header).
pub fn base64_string(v: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(v)
}

/// Base64 of bytes (a blob in a header or query).
pub fn base64_bytes(v: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(v)
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/// Parses a header value into a member value.
pub type Parse<T> = fn(&str) -> Result<T, String>;

/// Reads one header bound to a member: `None` when absent.
pub fn header<T>(response: &HttpResponse, name: &str, parse: Parse<T>) -> Result<Option<T>, Error> {
    match response.headers.get_joined(name) {
        None => Ok(None),
        Some(v) => parse(v.trim()).map(Some).map_err(|e| Error::decode(format!("header `{name}`: {e}"), Some(response))),
    }
}

/// Reads a list-valued header (values split on commas outside quotes;
/// HTTP dates, which contain a comma, when `http_dates`).
pub fn header_list<T>(response: &HttpResponse, name: &str, parse: Parse<T>, http_dates: bool) -> Result<Option<Vec<T>>, Error> {
    let Some(joined) = response.headers.get_joined(name) else {
        return Ok(None);
    };
    let items = if http_dates { split_http_dates(&joined) } else { split_list(&joined) };
    items
        .iter()
        .map(|v| parse(v).map_err(|e| Error::decode(format!("header `{name}`: {e}"), Some(response))))
        .collect::<Result<Vec<T>, Error>>()
        .map(Some)
}

/// The headers starting with `prefix` (case-insensitively), keyed by the
/// rest of their name; an empty map when there are none (the member is a
/// map of what the response has, which may be nothing).
pub fn prefix_headers(response: &HttpResponse, prefix: &str) -> HashMap<String, String> {
    response
        .headers
        .iter()
        .filter(|(n, _)| n.len() >= prefix.len() && n.is_char_boundary(prefix.len()) && n[..prefix.len()].eq_ignore_ascii_case(prefix))
        .map(|(n, v)| (n[prefix.len()..].to_owned(), v.to_owned()))
        .collect()
}

/// Splits a header list on commas outside double quotes, unquoting items.
pub fn split_list(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ',' if !quoted => {
                out.push(if was_quoted { std::mem::take(&mut cur) } else { std::mem::take(&mut cur).trim().to_owned() });
                was_quoted = false;
            }
            c if !quoted && was_quoted && c.is_whitespace() => {}
            c if !quoted && cur.is_empty() && c.is_whitespace() => {}
            c => cur.push(c),
        }
    }
    if !cur.is_empty() || was_quoted || !out.is_empty() {
        out.push(if was_quoted { cur } else { cur.trim().to_owned() });
    }
    out
}

/// Splits a list of HTTP dates (`Mon, 16 Dec 2019 23:48:18 GMT, Tue, ...`).
fn split_http_dates(value: &str) -> Vec<String> {
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    parts.chunks(2).map(|c| c.join(", ")).collect()
}

/// A string header value.
pub fn parse_string(v: &str) -> Result<String, String> {
    Ok(v.to_owned())
}

/// A base64-encoded string header value (`@mediaType` strings).
pub fn parse_base64_string(v: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(v).map_err(|e| format!("invalid base64 `{v}`: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("base64 `{v}` is not UTF-8 text"))
}

/// A base64-encoded blob header value.
pub fn parse_blob(v: &str) -> Result<crate::Blob, String> {
    base64::engine::general_purpose::STANDARD.decode(v).map(crate::Blob::new).map_err(|e| format!("invalid base64 `{v}`: {e}"))
}

/// A boolean header value.
pub fn parse_bool(v: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("expected `true` or `false`, found `{v}`")),
    }
}

/// An integer header value.
pub fn parse_int<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.parse().map_err(|_| format!("expected an integer in range, found `{v}`"))
}

/// A float header value (`NaN`, `Infinity`, `-Infinity` accepted).
pub fn parse_f64(v: &str) -> Result<f64, String> {
    match v {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        _ => v.parse().map_err(|_| format!("expected a number, found `{v}`")),
    }
}

/// A single-precision float header value.
pub fn parse_f32(v: &str) -> Result<f32, String> {
    parse_f64(v).map(|f| f as f32)
}

/// An HTTP-date header value.
pub fn parse_http_date(v: &str) -> Result<DateTime, String> {
    DateTime::parse_http_date(v).map_err(|e| e.to_string())
}

/// An RFC 3339 header value.
pub fn parse_date_time(v: &str) -> Result<DateTime, String> {
    DateTime::parse_rfc3339(v).map_err(|e| e.to_string())
}

/// An epoch-seconds header value.
pub fn parse_epoch_seconds(v: &str) -> Result<DateTime, String> {
    DateTime::parse_epoch_seconds(v).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::http::Headers;

    #[test]
    fn labels_cannot_change_the_route() {
        for value in ["a/b", "a?b=c", "a#frag", "100%", "two words", "naïve", "../x", "a&b=c"] {
            let mut b = RequestBuilder::new("GET");
            b.literal("/things/").label("id", value, false).unwrap();
            b.query("q", Some(value));
            let r = b.finish();
            let path = r.path().to_owned();
            assert_eq!(path.matches('/').count(), 2, "{value} -> {}", r.url);
            assert!(!path.contains(['?', '#', ' ']), "{value} -> {}", r.url);
            let query = r.query().unwrap();
            assert_eq!(query.matches('&').count(), 0, "{value} -> {}", r.url);
            assert_eq!(query.matches('=').count(), 1, "{value} -> {}", r.url);
            assert!(r.url.is_ascii());
        }
        let mut b = RequestBuilder::new("GET");
        b.literal("/k/").label("key", "a/b c/d", true).unwrap();
        assert_eq!(b.finish().url, "/k/a/b%20c/d");
        let mut b = RequestBuilder::new("GET");
        assert_eq!(b.label("id", "", false).unwrap_err().kind(), ErrorKind::InvalidRequest);
        assert_eq!(b.label("key", "a/../b", true).unwrap_err().kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn percent_decode_inverts_percent_encode() {
        for value in ["a/b c", "naïve 日本", "%", "100%25", "\r\n", ""] {
            assert_eq!(percent_decode(&percent_encode(value, false)), value.as_bytes(), "{value}");
        }
        assert_eq!(percent_decode("%zz%4"), b"%zz%4", "invalid escapes are kept");
        assert_eq!(percent_decode("a+b%2f"), b"a+b/");
    }

    #[test]
    fn dot_segments_are_refused_in_every_label() {
        for (value, greedy) in [(".", false), ("..", false), (".", true), ("..", true), ("a/.", true), ("./a", true), ("a/../b", true)] {
            let mut b = RequestBuilder::new("GET");
            let e = b.literal("/portals/").label("portalId", value, greedy).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{value}");
            assert!(e.message().contains("`portalId`") && e.message().contains("route"), "{e}");
        }
        // Dots inside a segment are ordinary characters.
        for value in ["...", ".x", "x.", "a..b", ".hidden"] {
            let mut b = RequestBuilder::new("GET");
            b.literal("/p/").label("id", value, false).unwrap();
            assert_eq!(b.finish().url, format!("/p/{value}"));
        }
    }

    #[test]
    fn literal_labels_keep_dot_segments() {
        for (value, url) in [("..", "/b/.."), ("a/../b", "/b/a/../b"), ("./a/.", "/b/./a/."), ("../ x", "/b/../%20x")] {
            let mut b = RequestBuilder::new("GET");
            b.literal("/b/").literal_label("Key", value, true).unwrap();
            assert_eq!(b.finish().url, url);
        }
        let mut b = RequestBuilder::new("GET");
        assert_eq!(b.literal_label("Key", "", true).unwrap_err().kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn header_values_with_line_breaks_are_rejected() {
        let mut b = RequestBuilder::new("GET");
        for bad in ["a\r\nX-Injected: 1", "a\nb", "a\rb"] {
            let e = b.header("X-Value", bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
            assert!(e.to_string().contains("X-Value"), "{e}");
        }
        assert!(b.header_list("X-List", ["ok", "bad\n"], false).is_err());
    }

    #[test]
    fn query_params_yield_to_explicit_query_members() {
        let mut b = RequestBuilder::new("POST");
        b.literal("/op");
        b.query("corge", Some("named"));
        b.query_params([("corge", "map"), ("baz", "b a")]);
        assert_eq!(b.finish().url, "/op?corge=named&baz=b%20a");
    }

    #[test]
    fn header_lists_round_trip() {
        let mut b = RequestBuilder::new("GET");
        b.header_list("X-L", ["a", "b,c", "d\"e", " f "], false).unwrap();
        let r = b.finish();
        let v = r.headers.get("x-l").unwrap().to_owned();
        assert_eq!(v, r#"a, "b,c", "d\"e", " f ""#);
        assert_eq!(split_list(&v), vec!["a", "b,c", "d\"e", " f "]);
        let resp =
            HttpResponse::new(200, [("X-D", "Mon, 16 Dec 2019 23:48:18 GMT, Mon, 16 Dec 2019 23:48:18 GMT")].into_iter().collect(), "");
        let dates = header_list(&resp, "x-d", parse_http_date, true).unwrap().unwrap();
        assert_eq!(dates.len(), 2);
        let bad = HttpResponse::new(200, [("X-N", "1, x")].into_iter().collect(), "");
        assert_eq!(header_list(&bad, "X-N", parse_int::<i32>, false).unwrap_err().kind(), ErrorKind::Decode);
        let _ = Headers::new();
    }

    #[test]
    fn floats_and_prefix_headers() {
        assert_eq!(fmt_float(f64::NAN), "NaN");
        assert_eq!(fmt_float(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(fmt_float(1.5), "1.5");
        let resp = HttpResponse::new(200, [("X-Foo-A", "1"), ("x-foo-b", "2"), ("Other", "3")].into_iter().collect(), "");
        let m = prefix_headers(&resp, "X-Foo-");
        assert_eq!(m.len(), 2);
        assert_eq!(m["A"], "1");
        assert_eq!(prefix_headers(&resp, "X-Bar-"), HashMap::new(), "none is an empty map");
    }
}
