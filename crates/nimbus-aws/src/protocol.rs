//! The AWS protocol codecs on top of the core's JSON and REST ones: the
//! awsJson RPC request shape, AWS error responses, request compression and
//! `Content-MD5`.

use crate::config::Config;
use base64::Engine as _;
use nimbus_core::http::{HttpRequest, HttpResponse};
use nimbus_core::{Error, protocol::describe_body};
use serde_json::Value;
use std::io::Write as _;

/// An awsJson RPC request: `POST /` with `X-Amz-Target` and the JSON body.
/// `content_type` is `application/x-amz-json-1.0` or `-1.1`.
pub fn rpc_request(content_type: &'static str, target: &'static str, body: bytes::Bytes) -> HttpRequest {
    let mut request = HttpRequest::new("POST", "/");
    request.headers.insert("Content-Type", content_type);
    request.headers.insert("X-Amz-Target", target);
    request.body = body;
    request
}

/// Strips what AWS protocols allow around an error code: a namespace
/// (`aws.protocoltests#FooError` -> `FooError`) and a `:`-suffix
/// (`FooError:http://internal...` -> `FooError`).
pub fn sanitize_error_code(raw: &str) -> &str {
    let before_colon = raw.split(':').next().unwrap_or(raw);
    before_colon.rsplit('#').next().unwrap_or(before_colon).trim()
}

/// The request id AWS services put in response headers.
pub fn request_id(response: &HttpResponse) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id", "x-request-id"].iter().find_map(|h| response.headers.get(h)).map(str::to_owned)
}

/// Turns a non-2xx response into a service [`Error`] with the code, message
/// and request id the AWS JSON protocols define (`X-Amzn-Errortype`, then
/// `code`/`__type`/`Code` in the body). Never fails: a body that is not JSON
/// (an HTML error page from a proxy, an empty or truncated body) yields an
/// error with a code derived from the status and a snippet of the body.
pub fn error_from_response(response: HttpResponse) -> Error {
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    let obj = body.as_ref().and_then(Value::as_object);
    let field = |names: &[&str]| -> Option<String> {
        let obj = obj?;
        names.iter().find_map(|n| obj.get(*n).and_then(Value::as_str)).map(str::to_owned)
    };
    // A query-compatible service names the awsQuery error code first
    // (`x-amzn-query-error: Code;Type`).
    let query_code = response.headers.get("x-amzn-query-error").and_then(|v| v.split(';').next()).map(str::to_owned);
    let header = query_code.or_else(|| response.headers.get("x-amzn-errortype").map(str::to_owned));
    let code = header.or_else(|| field(&["code", "__type", "Code"]));
    let message = field(&["message", "Message", "errorMessage"]);
    let code = code.map(|c| sanitize_error_code(&c).to_owned()).filter(|c| !c.is_empty());
    let message = message.unwrap_or_else(|| describe_body(&response));
    let code = code.unwrap_or_else(|| format!("Http{}", response.status));
    let request_id = request_id(&response);
    Error::service(code, message, request_id, response)
}

/// Gzips the body of an operation with `@requestCompression` when the
/// configuration allows it and the body is large enough, appending `gzip`
/// to any `Content-Encoding` already set.
pub fn compress_gzip(request: &mut HttpRequest, config: &Config) -> Result<(), Error> {
    let Some(min) = config.request_compression() else {
        return Ok(());
    };
    if request.body.len() < min {
        return Ok(());
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&request.body)
        .and_then(|()| encoder.finish())
        .map(|gz| request.body = gz.into())
        .map_err(|e| Error::invalid_request(format!("cannot gzip the request body: {e}")))?;
    let encoding = match request.headers.get("content-encoding") {
        Some(existing) if !existing.is_empty() => format!("{existing}, gzip"),
        _ => "gzip".to_owned(),
    };
    request.headers.insert("Content-Encoding", encoding);
    Ok(())
}

/// Sets `Content-MD5` (base64 of the body's MD5), for operations marked
/// `@httpChecksumRequired`.
pub fn content_md5(request: &mut HttpRequest) {
    use md5::Digest as _;
    let digest = md5::Md5::digest(&request.body);
    request.headers.insert("Content-MD5", base64::engine::general_purpose::STANDARD.encode(digest));
}

/// Glacier's checksums of an upload (unless the request has them): the
/// hex SHA-256 of the body (`x-amz-content-sha256`, which SigV4 then signs
/// as the payload hash) and its tree hash (`x-amz-sha256-tree-hash`: the
/// SHA-256 of each 1 MiB chunk, combined pairwise up to one).
pub fn glacier_checksums(request: &mut HttpRequest) {
    use crate::sigv4::hex;
    use sha2::{Digest as _, Sha256};
    if !request.headers.contains("x-amz-content-sha256") {
        request.headers.insert("X-Amz-Content-Sha256", hex(&Sha256::digest(&request.body)));
    }
    if !request.headers.contains("x-amz-sha256-tree-hash") {
        let mut level: Vec<[u8; 32]> = if request.body.is_empty() {
            vec![Sha256::digest(b"").into()]
        } else {
            request.body.chunks(1 << 20).map(|chunk| Sha256::digest(chunk).into()).collect()
        };
        while level.len() > 1 {
            // Pairs combine; an odd one out rises unchanged.
            let combine = |a: [u8; 32], b: [u8; 32]| Sha256::new().chain_update(a).chain_update(b).finalize().into();
            level = level.chunks(2).filter_map(|pair| pair.iter().copied().reduce(combine)).collect();
        }
        request.headers.insert("X-Amz-Sha256-Tree-Hash", hex(&level[0]));
    }
}

/// Writes `code: message` (or just the code when there is no message), the
/// `Display` form of modeled errors.
pub fn fmt_error(f: &mut std::fmt::Formatter<'_>, code: &str, message: Option<&str>) -> std::fmt::Result {
    match message {
        Some(m) if !m.is_empty() => write!(f, "{code}: {m}"),
        _ => f.write_str(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_core::ErrorKind;

    fn resp(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> HttpResponse {
        HttpResponse::new(status, headers.iter().copied().collect(), body.to_owned())
    }

    #[test]
    fn codes_are_sanitized() {
        for raw in [
            "FooError",
            "FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/",
            "aws.protocoltests.restjson#FooError",
            "aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/",
            " FooError ",
        ] {
            assert_eq!(sanitize_error_code(raw), "FooError", "{raw}");
        }
    }

    #[test]
    fn code_from_header_then_body() {
        let e = error_from_response(resp(
            400,
            &[("X-Amzn-Errortype", "A#Bad:x"), ("x-amzn-requestid", "r1")],
            r#"{"code":"Other","message":"m"}"#,
        ));
        assert_eq!((e.code(), e.message(), e.request_id(), e.status()), (Some("Bad"), "m", Some("r1"), Some(400)));
        let e = error_from_response(resp(400, &[], r#"{"__type":"ns#Thing","Message":"mm"}"#));
        assert_eq!((e.code(), e.message()), (Some("Thing"), "mm"));
    }

    #[test]
    fn html_empty_and_truncated_bodies_still_give_service_errors() {
        for (status, body) in [(500, "<html><body><h1>Internal Server Error</h1></body></html>"), (503, ""), (400, r#"{"__type": "Trunc"#)]
        {
            let e = error_from_response(resp(status, &[("content-type", "text/html")], body));
            assert_eq!(e.kind(), ErrorKind::Service);
            assert_eq!(e.code(), Some(format!("Http{status}").as_str()));
            assert_eq!(e.status(), Some(status));
        }
        let e = error_from_response(resp(500, &[], "<html>oops</html>"));
        assert!(e.message().contains("oops"), "{e}");
        assert_eq!(e.to_string(), "Http500: unknown content type body: <html>oops</html> (HTTP 500)", "the status once");
    }

    #[test]
    fn glacier_tree_hash_combines_megabyte_chunks_pairwise() {
        // Four chunks (3 MiB + 5 bytes): two pairs, then the pair of pairs;
        // expected values from Python's hashlib.
        let mut request = HttpRequest::new("POST", "/");
        request.body = (0..3 * 1024 * 1024 + 5).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into();
        glacier_checksums(&mut request);
        assert_eq!(request.headers.get("x-amz-sha256-tree-hash"), Some("c9e0c11a00161b193e0a1b3692ec553d4033a887f2086a7cadd4cd722d87f09f"));
        assert_eq!(request.headers.get("x-amz-content-sha256"), Some("b01669d77761c4dfdfc8fb927821087bcf5c9ef1f917c4f1f8504e529f19edab"));
        let mut preset = HttpRequest::new("POST", "/");
        preset.headers.insert("X-Amz-Sha256-Tree-Hash", "given");
        glacier_checksums(&mut preset);
        assert_eq!(preset.headers.get("x-amz-sha256-tree-hash"), Some("given"), "a caller's checksum stays");
    }

    #[test]
    fn gzip_above_the_threshold_appends_the_encoding() {
        let config = Config::new().request_min_compression_size_bytes(4);
        let mut small = HttpRequest::new("POST", "/");
        small.body = "abc".into();
        compress_gzip(&mut small, &config).unwrap();
        assert!(!small.headers.contains("content-encoding"));
        let mut big = HttpRequest::new("POST", "/");
        big.body = "abcdefgh".repeat(10).into();
        big.headers.insert("Content-Encoding", "custom");
        compress_gzip(&mut big, &config).unwrap();
        assert_eq!(big.headers.get("content-encoding"), Some("custom, gzip"));
        assert_eq!(&big.body[..2], &[0x1f, 0x8b]);
        let mut off = HttpRequest::new("POST", "/");
        off.body = "abcdefgh".repeat(10).into();
        compress_gzip(&mut off, &config.clone().disable_request_compression(true)).unwrap();
        assert!(!off.headers.contains("content-encoding"));
    }

    #[test]
    fn content_md5_of_the_body() {
        let mut r = HttpRequest::new("POST", "/");
        r.body = r#"{"foo":"base64 encoded md5 checksum"}"#.into();
        content_md5(&mut r);
        assert_eq!(r.headers.get("content-md5"), Some("iB0/3YSo7maijL0IGOgA9g=="));
    }

    #[test]
    fn rpc_request_shape() {
        let r = rpc_request(
            "application/x-amz-json-1.1",
            "AmazonAthena.GetSession",
            nimbus_core::protocol::json::encode(&serde_json::json!({})).unwrap(),
        );
        assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "/"));
        assert_eq!(r.headers.get("x-amz-target"), Some("AmazonAthena.GetSession"));
        assert_eq!(&r.body[..], b"{}");
    }
}
