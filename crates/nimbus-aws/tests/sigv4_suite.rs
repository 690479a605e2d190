//! The AWS SigV4 test suite (`specs/.materialized/aws/sigv4/v4`, produced by
//! `cargo xtask specs`): every case is signed in the `Authorization` header
//! and presigned in the query string, and each intermediate result (canonical
//! request, string to sign, signature) and the signed request are compared
//! with the reference files.

use nimbus_aws::sigv4::{self, Credentials, SignatureLocation, SigningParams, SigningSettings};
use nimbus_core::http::HttpRequest;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const SUITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../specs/.materialized/aws/sigv4/v4");

/// A request parsed from a `request.txt`-style file.
struct RawRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Parses a raw HTTP/1.1 request: `METHOD TARGET HTTP/1.1`, header lines
/// (lines starting with whitespace continue the previous value and are
/// joined with one space, as for an obsolete line folding), a blank line and
/// the body. The target may contain spaces.
fn parse_raw(text: &str) -> Result<RawRequest, String> {
    let text = text.replace("\r\n", "\n");
    let (head, body) = match text.split_once("\n\n") {
        Some((head, body)) => (head.to_owned(), body.as_bytes().to_vec()),
        None => (text.trim_end_matches('\n').to_owned(), Vec::new()),
    };
    let mut lines = head.lines();
    let request_line = lines.next().ok_or("empty request")?;
    let (method, rest) = request_line.split_once(' ').ok_or_else(|| format!("bad request line `{request_line}`"))?;
    let (target, _version) = rest.rsplit_once(' ').ok_or_else(|| format!("bad request line `{request_line}`"))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let (_, value) = headers.last_mut().ok_or_else(|| format!("continuation line without a header: `{line}`"))?;
            value.push(' ');
            value.push_str(line.trim());
        } else {
            let (name, value) = line.split_once(':').ok_or_else(|| format!("bad header line `{line}`"))?;
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(RawRequest { method: method.to_owned(), target: target.to_owned(), headers, body })
}

impl RawRequest {
    fn host(&self) -> Result<&str, String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.trim())
            .ok_or_else(|| "the request has no Host header".to_owned())
    }

    fn to_http(&self) -> Result<HttpRequest, String> {
        let mut request = HttpRequest::new(self.method.clone(), format!("https://{}{}", self.host()?, self.target));
        for (name, value) in &self.headers {
            request.headers.append(name.clone(), value.clone());
        }
        request.body = self.body.clone().into();
        Ok(request)
    }
}

/// Header fields as sorted (lower-case name, trimmed value) pairs.
fn header_set<'a>(headers: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let mut set: Vec<(String, String)> = headers.map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned())).collect();
    set.sort();
    set
}

/// The path and the sorted query parameters of a request target.
fn split_target(target: &str) -> (String, Vec<String>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut params: Vec<String> = query.split('&').filter(|p| !p.is_empty()).map(str::to_owned).collect();
    params.sort();
    (path.to_owned(), params)
}

struct Context {
    credentials: Credentials,
    region: String,
    service: String,
    time: SystemTime,
    settings: SigningSettings,
}

fn read_context(dir: &Path) -> Result<Context, String> {
    let text = read(dir, "context.json")?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("context.json: {e}"))?;
    let str_field =
        |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned).ok_or(format!("context.json: no `{name}`"));
    let bool_field = |name: &str| json.get(name).and_then(Value::as_bool).unwrap_or(false);
    let creds = json.get("credentials").ok_or("context.json: no `credentials`")?;
    let token = creds.get("token").and_then(Value::as_str).map(str::to_owned);
    let credentials = Credentials::new(str_field(creds, "access_key_id")?, str_field(creds, "secret_access_key")?, token);
    let timestamp = str_field(&json, "timestamp")?;
    let time = nimbus_core::DateTime::parse_rfc3339(&timestamp)
        .map_err(|e| format!("timestamp: {e}"))
        .and_then(|t| SystemTime::try_from(t).map_err(|e| format!("timestamp: {e}")))?;
    let expires = json.get("expiration_in_seconds").and_then(Value::as_u64).ok_or("context.json: no `expiration_in_seconds`")?;
    let settings = SigningSettings {
        normalize_path: json.get("normalize").and_then(Value::as_bool).unwrap_or(true),
        payload_checksum_header: bool_field("sign_body"),
        omit_session_token: bool_field("omit_session_token"),
        expires_in: Some(Duration::from_secs(expires)),
        ..SigningSettings::default()
    };
    Ok(Context { credentials, region: str_field(&json, "region")?, service: str_field(&json, "service")?, time, settings })
}

fn read(dir: &Path, file: &str) -> Result<String, String> {
    std::fs::read_to_string(dir.join(file)).map_err(|e| format!("cannot read {file}: {e}"))
}

/// Compares one value, recording a mismatch.
fn check(failures: &mut Vec<String>, what: &str, expected: &str, actual: &str) {
    if expected != actual {
        failures.push(format!("{what}:\n      expected: {expected:?}\n      actual:   {actual:?}"));
    }
}

/// Runs one case; returns the list of mismatches (empty when it passes).
fn run_case(dir: &Path) -> Result<Vec<String>, String> {
    let ctx = read_context(dir)?;
    let raw = parse_raw(&read(dir, "request.txt")?)?;
    let request = raw.to_http()?;
    let params =
        SigningParams { credentials: &ctx.credentials, region: &ctx.region, service: &ctx.service, time: ctx.time, settings: ctx.settings };
    let expected = |file: &str| read(dir, file).map(|s| s.trim_end_matches(['\r', '\n']).to_owned());
    let mut failures = Vec::new();

    for (mode, prefix) in [(SignatureLocation::Headers, "header"), (SignatureLocation::QueryParams, "query")] {
        let (canonical, _signed_headers) =
            sigv4::canonical_request(&request, &params, mode).map_err(|e| format!("{prefix}: canonical_request failed: {e}"))?;
        check(&mut failures, &format!("{prefix} canonical request"), &expected(&format!("{prefix}-canonical-request.txt"))?, &canonical);
        let sts = sigv4::string_to_sign(&canonical, &params);
        check(&mut failures, &format!("{prefix} string to sign"), &expected(&format!("{prefix}-string-to-sign.txt"))?, &sts);
        let signature = sigv4::signature(&sts, &params);
        check(&mut failures, &format!("{prefix} signature"), expected(&format!("{prefix}-signature.txt"))?.trim(), &signature);

        let signed_raw = parse_raw(&read(dir, &format!("{prefix}-signed-request.txt"))?)?;
        match mode {
            SignatureLocation::Headers => {
                let mut signed = request.clone();
                sigv4::sign_request(&mut signed, &params).map_err(|e| format!("sign_request failed: {e}"))?;
                let want = header_set(signed_raw.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
                let got = header_set(signed.headers.iter());
                for name in ["authorization", "x-amz-date", "x-amz-security-token"] {
                    let pick = |set: &[(String, String)]| {
                        set.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect::<Vec<_>>().join(" | ")
                    };
                    check(&mut failures, &format!("signed request header `{name}`"), &pick(&want), &pick(&got));
                }
                check(&mut failures, "signed request headers", &format!("{want:?}"), &format!("{got:?}"));
                check(&mut failures, "signed request URL", &request.url, &signed.url);
            }
            SignatureLocation::QueryParams => {
                let url = sigv4::presign_url(&request, &params).map_err(|e| format!("presign_url failed: {e}"))?;
                let origin = format!("https://{}", raw.host()?);
                let target = url.strip_prefix(&origin).ok_or_else(|| format!("presigned URL `{url}` does not start with `{origin}`"))?;
                let (want_path, want_query) = split_target(&signed_raw.target);
                let (got_path, got_query) = split_target(target);
                check(&mut failures, "presigned URL path", &want_path, &got_path);
                check(&mut failures, "presigned URL query parameters", &want_query.join("&"), &got_query.join("&"));
            }
        }
    }
    Ok(failures)
}

#[test]
fn aws_sigv4_suite() {
    let root = PathBuf::from(SUITE);
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(e) => panic!("the SigV4 test suite is missing at {} ({e}); run `cargo xtask specs` first", root.display()),
    };
    let mut cases: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("request.txt").is_file()).collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}; run `cargo xtask specs` first", root.display());

    let (mut passed, mut failed) = (0, 0);
    for dir in &cases {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match run_case(dir) {
            Ok(failures) if failures.is_empty() => passed += 1,
            Ok(failures) => {
                failed += 1;
                println!("FAIL {name}");
                for f in failures {
                    println!("    {f}");
                }
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {name}: {e}");
            }
        }
    }
    println!("sigv4: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} of {} SigV4 cases failed (details above)", cases.len());
}
