//! The AWS layer of the `nimbus` service crates, on top of `nimbus-core`.
//!
//! Generated AWS service crates (Athena, WorkSpaces Web, ...) call only
//! [`codegen`]; users name what the service crates re-export ([`Config`],
//! [`Credentials`], [`Region`], [`RetryConfig`], ...). This crate holds what
//! only AWS has:
//!
//! * [`Config`]: the core's shared settings plus region, credentials,
//!   FIPS/dual-stack, endpoint URL, idempotency tokens and compression;
//! * the [`Client`] core, which runs the core pipeline with the AWS
//!   decisions: [`endpoint`] rules (with botocore's `partitions.json`),
//!   [`sigv4`] signing with [`credentials`] from the default chain, AWS
//!   error responses ([`protocol`]) and standard-mode [`retry`];
//! * the awsJson request shape, request compression and `Content-MD5`
//!   ([`protocol`]), and what generated operation errors share
//!   ([`operation_error!`], [`OperationError`], [`ModeledError`], [`ResponseMeta`]).

#![forbid(unsafe_code)]

mod adaptive;
#[cfg(feature = "cbor")]
pub mod cbor;
mod client;
#[cfg(any(feature = "xml", feature = "cbor"))]
mod codec_error;
pub mod codegen;
mod config;
pub mod credentials;
pub mod endpoint;
mod meta;
mod operation_error;
pub mod protocol;
#[cfg(feature = "xml")]
pub mod query;
pub mod retry;
pub mod sigv4;
#[cfg(feature = "test-util")]
pub mod testing;
#[cfg(feature = "xml")]
mod text_ser;
#[cfg(feature = "xml")]
pub mod xml;

pub use client::{Client, Protocol, ResolvedEndpoint, ServiceInfo};
pub use config::{Config, Region, TokenGenerator};
pub use credentials::{Credentials, ProvideCredentials};

/// The version of the Rust compiler this crate was built with, as the
/// `User-Agent` reports it (`lang/rust/<version>`).
pub fn rustc_version() -> &'static str {
    env!("NIMBUS_RUSTC_VERSION")
}
pub use meta::ResponseMeta;
pub use nimbus_core::{Error, ErrorKind, RetryConfig};
pub use operation_error::{ModeledError, OperationError};
