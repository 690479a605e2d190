//! The one place that names the runtime. Generated code calls nothing of
//! the runtime but the `codegen` module of its provider's crate
//! (`nimbus_aws::codegen` or `nimbus_google::codegen`), always through the
//! path returned here.

use crate::ir::Service;
use proc_macro2::TokenStream;
use quote::quote;

/// The runtime crate of the service's provider (package name).
pub fn runtime_package(service: &Service) -> &'static str {
    if service.is_google() { "nimbus-google" } else { "nimbus-aws" }
}

/// The path of the provider's `codegen` module, as source text.
pub fn runtime_path(service: &Service) -> &'static str {
    if service.is_google() { "nimbus_google::codegen" } else { "nimbus_aws::codegen" }
}

/// The path of the provider's `codegen` module, as tokens for `quote!`.
pub fn rt(service: &Service) -> TokenStream {
    if service.is_google() {
        quote! { nimbus_google::codegen }
    } else {
        quote! { nimbus_aws::codegen }
    }
}

/// `item` (e.g. `wire::date_time`) under the provider's `codegen` module, as
/// source text (for serde attributes and types built as text).
pub fn runtime_item(service: &Service, item: &str) -> String {
    format!("{}::{item}", runtime_path(service))
}
