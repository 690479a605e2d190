//! Helpers for protocol tests of generated clients (feature `test-util`):
//! comparing a serialized request with the expectations of a Smithy
//! `httpRequestTests` case, and building values from test parameters.

use crate::http::HttpRequest;
use serde_json::Value;

/// What a request test case expects (fields of `smithy.test#httpRequestTests`).
#[derive(Debug, Default)]
pub struct ExpectedRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path (without query), as it appears on the wire.
    pub uri: &'a str,
    /// Expected host after endpoint resolution, when the case says.
    pub resolved_host: Option<&'a str>,
    /// `key=value` pairs that must be present (percent-encoded).
    pub query_params: &'a [&'a str],
    /// Keys that must be absent.
    pub forbid_query_params: &'a [&'a str],
    /// Keys that must be present.
    pub require_query_params: &'a [&'a str],
    /// Header values that must be present.
    pub headers: &'a [(&'a str, &'a str)],
    /// Headers that must be absent.
    pub forbid_headers: &'a [&'a str],
    /// Headers that must be present.
    pub require_headers: &'a [&'a str],
    /// Expected body, when the case says.
    pub body: Option<&'a str>,
    /// Media type of the body: JSON bodies are compared structurally.
    pub body_media_type: Option<&'a str>,
}

fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&crate::protocol::rest::percent_decode(s)).into_owned()
}

fn query_pairs(request: &HttpRequest) -> Vec<(String, String)> {
    request
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// Compares `actual` with `expected`; the error lists every mismatch.
pub fn check_request(actual: &HttpRequest, expected: &ExpectedRequest<'_>) -> Result<(), String> {
    let mut problems = Vec::new();
    if actual.method != expected.method {
        problems.push(format!("method: expected {}, got {}", expected.method, actual.method));
    }
    if actual.path() != expected.uri {
        problems.push(format!("path: expected `{}`, got `{}`", expected.uri, actual.path()));
    }
    if let Some(host) = expected.resolved_host {
        if actual.host() != Some(host) {
            problems.push(format!("host: expected `{host}`, got `{}`", actual.host().unwrap_or("")));
        }
    }
    let mut pairs = query_pairs(actual);
    for q in expected.query_params {
        let want = match q.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(q), String::new()),
        };
        match pairs.iter().position(|p| *p == want) {
            Some(i) => {
                pairs.remove(i);
            }
            None => problems.push(format!("query: missing `{q}` in `{}`", actual.query().unwrap_or(""))),
        }
    }
    let all = query_pairs(actual);
    for k in expected.forbid_query_params {
        if all.iter().any(|(n, _)| n == k) {
            problems.push(format!("query: `{k}` must be absent"));
        }
    }
    for k in expected.require_query_params {
        if !all.iter().any(|(n, _)| n == k) {
            problems.push(format!("query: `{k}` must be present"));
        }
    }
    for (name, value) in expected.headers {
        match actual.headers.get_joined(name) {
            Some(v) if v == *value => {}
            Some(v) => problems.push(format!("header `{name}`: expected `{value}`, got `{v}`")),
            None => problems.push(format!("header `{name}`: missing (expected `{value}`)")),
        }
    }
    for name in expected.forbid_headers {
        if actual.headers.contains(name) {
            problems.push(format!("header `{name}` must be absent"));
        }
    }
    for name in expected.require_headers {
        if !actual.headers.contains(name) {
            problems.push(format!("header `{name}` must be present"));
        }
    }
    if let Some(body) = expected.body {
        if let Err(e) = check_body(&actual.body, body, expected.body_media_type) {
            problems.push(e);
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// Compares a body: structurally for JSON, byte for byte otherwise.
pub fn check_body(actual: &[u8], expected: &str, media_type: Option<&str>) -> Result<(), String> {
    let actual_text = String::from_utf8_lossy(actual);
    let json = media_type.is_some_and(|m| m.contains("json"));
    if json && !expected.trim().is_empty() {
        let want: Value = serde_json::from_str(expected).map_err(|e| format!("expected body is not JSON: {e}"))?;
        let got: Value = serde_json::from_slice(actual).map_err(|e| format!("body is not JSON ({e}): `{actual_text}`"))?;
        if want != got {
            return Err(format!("body: expected {want}, got {got}"));
        }
        return Ok(());
    }
    if media_type == Some("application/x-www-form-urlencoded") {
        // Form bodies compare as the set of their decoded pairs (the order
        // of members is not part of the protocol).
        let pairs = |text: &str| {
            let mut pairs: Vec<(String, String)> = text
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
                })
                .collect();
            pairs.sort();
            pairs
        };
        let (want, got) = (pairs(expected.trim()), pairs(actual_text.trim()));
        if want != got {
            return Err(format!("form body: expected {want:?}\ngot {got:?}"));
        }
        return Ok(());
    }
    if actual != expected.as_bytes() {
        return Err(format!("body: expected `{expected}`, got `{actual_text}`"));
    }
    Ok(())
}

/// Runs a future to completion on a fresh current-thread runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread().enable_time().build() {
        Ok(rt) => rt.block_on(future),
        Err(e) => panic!("cannot start a tokio runtime: {e}"),
    }
}

/// A document value from JSON text (test parameters).
pub fn document(json: &str) -> crate::Document {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

/// The outcome of one case, for the suite summary.
#[derive(Debug, Default)]
pub struct Summary {
    /// Cases that passed.
    pub passed: usize,
    /// Failed cases with what went wrong.
    pub failed: Vec<(String, String)>,
    /// Cases whose expectation the pinned data supersedes, with why.
    pub superseded: Vec<(String, String)>,
}

impl Summary {
    /// Runs one case, catching panics.
    pub fn run(&mut self, id: &str, case: impl FnOnce() -> Result<(), String> + std::panic::UnwindSafe) {
        match std::panic::catch_unwind(case) {
            Ok(Ok(())) => self.passed += 1,
            Ok(Err(e)) => self.failed.push((id.to_owned(), e)),
            Err(p) => {
                let msg =
                    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned())).unwrap_or_default();
                self.failed.push((id.to_owned(), format!("panicked: {msg}")));
            }
        }
    }

    /// Runs one case that may be superseded (`Ok(Some(why))`), catching panics.
    pub fn run_case(&mut self, id: &str, case: impl FnOnce() -> Result<Option<String>, String> + std::panic::UnwindSafe) {
        let why = std::sync::Mutex::new(None);
        self.run(id, || {
            let outcome = case()?;
            *why.lock().unwrap_or_else(|e| e.into_inner()) = outcome;
            Ok(())
        });
        if let Some(w) = why.into_inner().unwrap_or_else(|e| e.into_inner()) {
            self.passed -= 1;
            self.superseded.push((id.to_owned(), w));
        }
    }

    /// Prints `<suite>: N passed, M failed` (with any superseded cases after
    /// it) and each failure; returns whether none failed.
    pub fn report(&self, suite: &str) -> bool {
        for (id, e) in &self.failed {
            println!("--- {suite}: {id} FAILED\n{e}");
        }
        for (id, why) in &self.superseded {
            println!("--- {suite}: {id} superseded: {why}");
        }
        let note = if self.superseded.is_empty() {
            String::new()
        } else {
            format!(" ({} superseded by newer pinned data)", self.superseded.len())
        };
        println!("{suite}: {} passed, {} failed{note}", self.passed, self.failed.len());
        self.failed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatches_are_listed() {
        let mut r = HttpRequest::new("POST", "https://example.com/a?b=c%20d&e");
        r.headers.insert("X-A", "1");
        r.body = r#"{"x": 1}"#.into();
        let ok = ExpectedRequest {
            method: "POST",
            uri: "/a",
            resolved_host: Some("example.com"),
            query_params: &["b=c%20d", "e"],
            headers: &[("x-a", "1")],
            body: Some(r#"{"x":1}"#),
            body_media_type: Some("application/json"),
            ..Default::default()
        };
        assert_eq!(check_request(&r, &ok), Ok(()));
        let bad = ExpectedRequest { method: "GET", uri: "/b", forbid_headers: &["X-A"], body: Some("{}"), ..ok };
        let e = check_request(&r, &bad).unwrap_err();
        assert_eq!(e.lines().count(), 4, "{e}");
    }
}
