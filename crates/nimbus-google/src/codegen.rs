//! Everything generated Google API crates call, in one place: the only
//! path of the runtime that generated code names (besides std and serde).
//! Not for users: they name what the service crate re-exports (its
//! `config`, `primitives`, `Error` and, with `test-util`, `testing`).

pub use crate::client::{Client, ServiceInfo};
pub use crate::config::Config;
pub use crate::lro::{WaitSettings, wait_operation};
pub use crate::params::{StandardParams, check_pattern, parse_resource_name};
pub use crate::stream;
pub use nimbus_core::http::{HttpRequest, HttpResponse};
pub use nimbus_core::protocol::{json, rest};
pub use nimbus_core::{BigNumber, Blob, DateTime, Document, Error, ErrorKind, OperationInfo, UnknownIntVariant, UnknownVariant};
pub use nimbus_core::{paginate, wire};

/// What a service crate re-exports as its `config` module.
pub mod config {
    #[cfg(feature = "google-adc")]
    pub use crate::adc::ApplicationDefaultCredentials;
    pub use crate::auth::{ProvideToken, StaticToken};
    pub use crate::config::Config;
    pub use nimbus_core::http;
    pub use nimbus_core::limits::{MinThroughput, ResponseLimits};
    pub use nimbus_core::retry::RetryConfig;
    pub use nimbus_core::{Attempt, Interceptor};
}

/// What a service crate re-exports as its `primitives` module.
pub mod primitives {
    pub use crate::lro::WaitSettings;
    pub use crate::params::StandardParams;
    pub use nimbus_core::paginate::Paginated;
    pub use nimbus_core::{BigNumber, Blob, DateTime, Document, UnknownIntVariant, UnknownVariant};
}

/// Typed test doubles and the helpers of generated tests (feature `test-util`).
#[cfg(feature = "test-util")]
pub mod testing {
    pub use nimbus_core::http::MockTransport;
    pub use nimbus_core::mock::{MockRule, Mocks, RuleBuilder};
    pub use nimbus_core::testing::*;
}
