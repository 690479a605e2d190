//! What a response says about the exchange besides its body: the request id
//! the service assigned (users quote it to AWS support) and the HTTP status.
//! Generated output and error structures carry one, filled when decoded.

use nimbus_core::http::HttpResponse;
use std::fmt;

/// The request id and HTTP status of the response a value was decoded from
/// (both empty for a value built in code).
///
/// It describes the exchange, not the value: two values compare equal
/// whatever their metadata, so a decoded response equals the same response
/// built with its setters.
#[derive(Clone, Default)]
pub struct ResponseMeta {
    request_id: Option<String>,
    status: Option<u16>,
}

impl ResponseMeta {
    /// The metadata of `response`.
    pub fn from_response(response: &HttpResponse) -> Self {
        ResponseMeta { request_id: crate::protocol::request_id(response), status: Some(response.status) }
    }

    /// The request id the service assigned, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
}

impl PartialEq for ResponseMeta {
    /// Always equal: the metadata is not part of the value (see the type's docs).
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseMeta").field("request_id", &self.request_id).field("status", &self.status).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_core::http::Headers;

    #[test]
    fn read_from_the_response_and_ignored_by_equality() {
        let headers: Headers = [("x-amzn-RequestId", "req-7")].into_iter().collect();
        let meta = ResponseMeta::from_response(&HttpResponse::new(404, headers, ""));
        assert_eq!((meta.request_id(), meta.status()), (Some("req-7"), Some(404)));
        assert_eq!(meta, ResponseMeta::default());
    }
}
