//! Everything generated AWS service crates call, in one place: the only
//! path of the runtime that generated code names (besides std and serde).
//! Not for users: they name what the service crate re-exports (its
//! `config`, `primitives`, `Error` and, with `test-util`, `testing`).

pub use crate::client::{Client, Protocol, ServiceInfo};
pub use crate::config::Config;
pub use crate::meta::ResponseMeta;
pub use crate::operation_error;
pub use crate::operation_error::{Decoded, ModeledError, OperationError, decode_as};
pub use crate::protocol::{compress_gzip, content_md5, glacier_checksums};
pub use nimbus_core::http::{EndpointParam, HttpRequest, HttpResponse};
pub use nimbus_core::protocol::rest;
pub use nimbus_core::{
    Attempt, BigNumber, Blob, DateTime, Document, Error, ErrorKind, Interceptor, OperationInfo, UnknownIntVariant, UnknownVariant,
};
pub use nimbus_core::{paginate, wire};

/// JSON bodies and the awsJson request shape.
pub mod json {
    pub use crate::protocol::rpc_request;
    pub use nimbus_core::protocol::json::*;
}

/// The query request shape and XML bodies (feature `xml`).
#[cfg(feature = "xml")]
pub mod xml {
    pub use crate::query::{Dialect, request as query_request};
    pub use crate::xml::{decode, decode_error, decode_unwrapped, to_body};
}

/// The RPC v2 CBOR request shape and bodies (feature `cbor`).
#[cfg(feature = "cbor")]
pub mod cbor {
    pub use crate::cbor::{decode, request};
}

/// What a service crate re-exports as its `config` module.
pub mod config {
    pub use crate::config::{Config, Region, TokenGenerator};
    pub use crate::credentials::{Credentials, ProvideCredentials};
    pub use nimbus_core::http;
    pub use nimbus_core::limits::{MinThroughput, ResponseLimits};
    pub use nimbus_core::retry::RetryConfig;
    pub use nimbus_core::{Attempt, Interceptor};
}

/// What a service crate re-exports as its `primitives` module.
pub mod primitives {
    pub use crate::meta::ResponseMeta;
    pub use nimbus_core::paginate::Paginated;
    pub use nimbus_core::{BigNumber, Blob, DateTime, Document, UnknownIntVariant, UnknownVariant};
}

/// Typed test doubles and the helpers of generated tests (feature `test-util`).
#[cfg(feature = "test-util")]
pub mod testing {
    pub use crate::client::read_error;
    pub use crate::protocol::error_from_response;
    pub use crate::testing::*;
    pub use nimbus_core::http::MockTransport;
    pub use nimbus_core::mock::{MockRule, Mocks, RuleBuilder};
}
