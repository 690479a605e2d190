//! Runtime support shared by the generated `nimbus` service crates.
//!
//! The service crates (for example AWS Athena and WorkSpaces Web, which speak
//! the AWS JSON protocols, and Google Cloud Spanner, which speaks Google's REST
//! JSON mapping) are produced by `nimbus-codegen`. Everything they have in
//! common and that is worth writing by hand lives here:
//!
//! * the value types that appear in generated shapes: [`DateTime`], [`Blob`],
//!   [`BigNumber`], [`Document`] and the holders of unrecognised enum values
//!   [`UnknownVariant`] and [`UnknownIntVariant`];
//! * the [`wire`] module with the serde adapters generated code uses to pick a
//!   wire encoding per member (`#[serde(with = "nimbus::wire::date_time")]`
//!   and friends), the helpers for deserializing unions, and
//!   [`wire::Redacted`] for the `Debug` output of sensitive members.
//!
//! * the call pipeline: [`Config`], the [`Client`] core every generated
//!   client wraps, [`http`] messages and the pluggable [`http::Transport`]
//!   (reqwest with rustls by default), the [`protocol`] codecs, and the one
//!   runtime [`Error`] type.
//!
//! With the `schemars` feature the value types implement
//! `schemars::JsonSchema` and [`wire`] offers schema builders for the open
//! (forward-compatible) enums that generated code emits.
//!
//! Nothing in this crate panics on malformed input: every parser and
//! deserializer reports a descriptive error instead.

#![forbid(unsafe_code)]

mod big_number;
mod blob;
mod client;
pub mod credentials;
mod date_time;
pub mod endpoint;
mod error;
pub mod google;
pub mod http;
pub mod limits;
mod meta;
mod operation_error;
pub mod paginate;
pub mod protocol;
pub mod retry;
#[cfg(feature = "schemars")]
mod schema;
pub mod sigv4;
#[cfg(feature = "test-util")]
pub mod testing;
mod unknown;
pub mod wire;

pub use big_number::{BigNumber, BigNumberParseError};
pub use blob::Blob;
pub use client::{Client, Config, OperationInfo, Protocol, ResolvedEndpoint, ServiceInfo, TokenGenerator};
pub use credentials::Credentials;
pub use date_time::{DateTime, DateTimeParseError, DateTimeRangeError};
pub use error::{Error, ErrorKind};
pub use limits::{MinThroughput, ResponseLimits};
pub use meta::ResponseMeta;
pub use operation_error::ModeledError;
pub use retry::RetryConfig;
pub use unknown::{UnknownIntVariant, UnknownVariant};

/// An untyped JSON document.
///
/// This is the Rust type of a Smithy `document` member and of a Google
/// Discovery `any` property: arbitrary JSON whose structure the service
/// model does not describe.
pub type Document = serde_json::Value;
