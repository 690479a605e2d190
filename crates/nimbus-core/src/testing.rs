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
    if media_type.is_some_and(|m| m.contains("xml")) && !expected.trim().is_empty() {
        let mut want = xml_tree(expected).map_err(|e| format!("expected body is not XML: {e}"))?;
        let mut got = xml_tree(&actual_text).map_err(|e| format!("body is not XML ({e}): `{actual_text}`"))?;
        // Neither structure members nor map entries have an order in XML
        // (the suite lists them as the test's parameters do).
        canonical_order(&mut want);
        canonical_order(&mut got);
        if want != got {
            return Err(format!("XML body: expected `{expected}`\ngot `{actual_text}`"));
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

/// An XML element for comparing bodies: name, attributes (sorted, namespace
/// declarations included), text (trimmed when it only surrounds child
/// elements) and children in order.
#[derive(Debug, PartialEq)]
struct XmlNode {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<XmlNode>,
}

/// Parses the XML of a test body (a small reader: elements, attributes,
/// text, the five predefined entities and character references; the
/// declaration, comments and CDATA sections).
fn xml_tree(text: &str) -> Result<XmlNode, String> {
    let mut stack: Vec<XmlNode> = Vec::new();
    let mut rest = text.trim_start();
    loop {
        let Some(lt) = rest.find('<') else {
            return Err("the document ends before its root element closes".into());
        };
        if let Some(open) = stack.last_mut() {
            open.text.push_str(&xml_unescape(&rest[..lt])?);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<?").or_else(|| rest.strip_prefix("<!--")) {
            let end = if rest.starts_with("<?") { "?>" } else { "-->" };
            rest = &after[after.find(end).ok_or("an unterminated declaration or comment")? + end.len()..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").ok_or("an unterminated CDATA section")?;
            if let Some(open) = stack.last_mut() {
                open.text.push_str(&after[..end]);
            }
            rest = &after[end + 3..];
            continue;
        }
        let gt = rest.find('>').ok_or("an unterminated tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let mut done = stack.pop().ok_or("an end tag without a start tag")?;
            if done.name != name.trim() {
                return Err(format!("`</{}>` closes `<{}>`", name.trim(), done.name));
            }
            if !done.children.is_empty() && done.text.trim().is_empty() {
                done.text.clear();
            }
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => return Ok(done),
            }
            continue;
        }
        let (tag, empty) = match tag.strip_suffix('/') {
            Some(tag) => (tag, true),
            None => (tag, false),
        };
        let mut node = xml_start(tag)?;
        if empty {
            node.text.clear();
            match stack.last_mut() {
                Some(parent) => parent.children.push(node),
                None => return Ok(node),
            }
        } else {
            stack.push(node);
        }
    }
}

/// Orders every element's children by name (stably: list items keep
/// their order), then runs of same-named children shaped like map entries
/// (each exactly a key element and a value element) by their key.
fn canonical_order(node: &mut XmlNode) {
    for child in &mut node.children {
        canonical_order(child);
    }
    node.children.sort_by(|a, b| a.name.cmp(&b.name));
    let entry_like = |n: &XmlNode| n.children.len() == 2 && n.children[0].children.is_empty();
    let mut start = 0;
    while start < node.children.len() {
        let name = node.children[start].name.clone();
        let end = start + node.children[start..].iter().take_while(|c| c.name == name).count();
        if end - start > 1 && node.children[start..end].iter().all(entry_like) {
            node.children[start..end].sort_by(|a, b| a.children[0].text.cmp(&b.children[0].text));
        }
        start = end;
    }
}

/// A start tag's name and attributes.
fn xml_start(tag: &str) -> Result<XmlNode, String> {
    let tag = tag.trim();
    let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
    let mut node = XmlNode { name: tag[..name_end].to_owned(), attributes: Vec::new(), text: String::new(), children: Vec::new() };
    let mut rest = tag[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or_else(|| format!("an attribute without a value in `<{tag}>`"))?;
        let key = rest[..eq].trim().to_owned();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'').ok_or("an unquoted attribute value")?;
        let end = after[1..].find(quote).ok_or("an unterminated attribute value")?;
        node.attributes.push((key, xml_unescape(&after[1..1 + end])?));
        rest = after[end + 2..].trim_start();
    }
    node.attributes.sort();
    Ok(node)
}

fn xml_unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';').ok_or("an unterminated entity")? + amp;
        let entity = &rest[amp + 1..semi];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => entity.strip_prefix('#').ok_or(format!("unknown entity `&{entity};`"))?.parse(),
                };
                code.ok().and_then(char::from_u32).ok_or(format!("bad character reference `&{entity};`"))?
            }
        };
        out.push(c);
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
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
