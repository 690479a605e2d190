//! JSON bodies: encoding requests, decoding responses and values.

use crate::error::Error;
use crate::http::HttpResponse;
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Serializes a body as JSON.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, Error> {
    // Most request bodies are small: one allocation instead of a few
    // doublings.
    let mut out = Vec::with_capacity(128);
    serde_json::to_writer(&mut out, value).map_err(|e| Error::invalid_request(format!("cannot serialize the request body: {e}")))?;
    Ok(Bytes::from(out))
}

/// Decodes a JSON body; an empty body counts as `{}`. Unknown fields are
/// ignored and `null` members count as absent (the generated types say so).
pub fn decode<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, Error> {
    decode_slice(&response.body, Some(response))
}

/// Decodes JSON bytes; an empty body counts as `{}`.
pub fn decode_slice<T: DeserializeOwned>(body: &[u8], response: Option<&HttpResponse>) -> Result<T, Error> {
    // Only the serde call depends on `T`; the rest is shared by every type.
    let text = json_text(body, response)?;
    serde_json::from_str(text).map_err(|e| not_a_valid(std::any::type_name::<T>(), &e, response))
}

/// The body as JSON text: `{}` when empty, and one UTF-8 check of the whole
/// body (word at a time) instead of one per string, which is what reading
/// from bytes costs.
fn json_text<'a>(body: &'a [u8], response: Option<&HttpResponse>) -> Result<&'a str, Error> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    std::str::from_utf8(body)
        .map_err(|e| Error::decode(format!("the response body is not UTF-8 (invalid byte at offset {})", e.valid_up_to()), response))
}

/// The decode error for a body that is not a valid `type_name` (a
/// `std::any::type_name`; its last path segment is named), whatever the
/// body's format.
pub fn not_a_valid(type_name: &str, e: &dyn std::fmt::Display, response: Option<&HttpResponse>) -> Error {
    let name = type_name.rsplit("::").next().unwrap_or("value");
    Error::decode(format!("the response body is not a valid `{name}`: {e}"), response)
}

/// Converts a JSON value (a long-running operation's `response`, a stream
/// element) into a typed value.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| {
        let name = std::any::type_name::<T>().rsplit("::").next().unwrap_or("value");
        Error::decode(format!("not a valid `{name}`: {e}"), None)
    })
}

/// A value as compact JSON text (structured query parameters); values that
/// cannot be serialized give an empty string.
pub fn to_text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A text body (a `@httpPayload` string or enum).
pub fn text(response: &HttpResponse) -> Result<String, Error> {
    String::from_utf8(response.body.to_vec()).map_err(|_| Error::decode("the response body is not UTF-8 text", Some(response)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::http::Headers;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(default)]
    struct Out {
        a: Option<i32>,
    }

    #[test]
    fn empty_bodies_are_empty_objects_and_bad_ones_decode_errors() {
        let ok = |b: &str| decode::<Out>(&HttpResponse::new(200, Headers::new(), b.to_owned()));
        assert_eq!(ok("").unwrap(), Out::default());
        assert_eq!(ok(" \n").unwrap(), Out::default());
        assert_eq!(ok(r#"{"a": 1, "unknown": [1]}"#).unwrap(), Out { a: Some(1) });
        for bad in ["{\"a\": 1", "<html>", "true", "{\"a\": \"x\"}"] {
            let e = ok(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode, "{bad}");
            assert!(e.message().contains("Out"), "{e}");
        }
    }
}
