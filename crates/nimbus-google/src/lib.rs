//! The Google layer of the `nimbus` service crates, on top of `nimbus-core`.
//!
//! Generated Google API crates (Cloud Spanner, ...) call only [`codegen`];
//! users name what the service crates re-export ([`Config`],
//! [`StaticToken`], [`WaitSettings`], [`StandardParams`], ...). This crate
//! holds what only Google has:
//!
//! * [`Config`]: the core's shared settings plus token provider, endpoint,
//!   quota project, universe domain and emulator host;
//! * the [`Client`] core, which runs the core pipeline with the Google
//!   decisions: the standard endpoint or an emulator, bearer tokens
//!   ([`auth`], and Application Default Credentials in [`adc`] with the
//!   `google-adc` feature), `google.rpc.Status` errors and AIP-194 retries
//!   ([`error`]);
//! * what Discovery APIs share: [`StandardParams`] and resource-name
//!   patterns ([`params`]), long-running operations ([`lro`]) and streamed
//!   responses ([`stream`]).

#![forbid(unsafe_code)]

#[cfg(feature = "google-adc")]
pub mod adc;
pub mod auth;
mod client;
pub mod codegen;
mod config;
pub mod error;
pub mod lro;
pub mod params;
pub mod stream;

pub use auth::{ProvideToken, StaticToken};
pub use client::{Client, ServiceInfo};
pub use config::Config;
pub use lro::WaitSettings;
pub use nimbus_core::{Error, ErrorKind, RetryConfig};
pub use params::StandardParams;
