//! `src/testing.rs` (feature `test-util`): the service's typed test double.
//! One `on_<operation>()` per operation, each a one-line call into the
//! runtime's rule builder; matching and replay live in the runtime.

use super::client::{builder_name, error_enum, raw, static_name, supports, type_path};
use super::runtime::rt;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Whether the operation's `send()` asks a test double first.
pub fn is_mockable(service: &Service, op: &Operation) -> bool {
    service.is_google() || (!service.is_google() && supports(service.protocol) && !op.event_stream)
}

/// Whether the crate gets a `testing` module: a client crate users call
/// (the test-only protocol crates have no use for one).
pub fn has_mock(service: &Service, spec: &super::CrateSpec) -> bool {
    !spec.protocol_tests && service.operations.iter().any(|op| is_mockable(service, op))
}

/// The statement at the top of a mockable `send()`: a client built from a
/// `testing::Mock` answers from its rules instead of sending.
pub fn send_hook(service: &Service, op: &Operation) -> TokenStream {
    if !is_mockable(service, op) {
        return quote! {};
    }
    // The rule's operation name is the one `OperationInfo` carries.
    let info = static_name(op);
    quote! {
        #[cfg(feature = "test-util")]
        if let Some(mocks) = self.client.mocks() {
            return mocks.answer(#info.name, &self.input);
        }
    }
}

fn optional_type(service: &Service, id: Option<TypeId>) -> TokenStream {
    match id {
        Some(id) => type_path(service, id),
        None => quote! { () },
    }
}

/// `src/testing.rs`, when the crate has mockable operations.
pub fn testing_rs(service: &Service, spec: &super::CrateSpec) -> Result<Option<TokenStream>, String> {
    if !has_mock(service, spec) {
        return Ok(None);
    }
    let rt = rt(service);
    let google = service.is_google();
    let mut methods = Vec::new();
    for op in service.operations.iter().filter(|op| is_mockable(service, op)) {
        let method = format_ident!("on_{}", raw(&op.name.rust));
        let wire = &op.name.wire;
        let (input, error) = if google {
            let params = super::google::params_struct(op);
            (quote! { crate::operations::#params }, quote! { #rt::Error })
        } else {
            let err = error_enum(op);
            (optional_type(service, op.input), quote! { crate::errors::#err })
        };
        let output = optional_type(service, op.output);
        let builder = builder_name(op);
        let doc = format!(" A rule answering `{wire}` calls ([`{builder}::send`](crate::operations::{builder}::send)).");
        methods.push(quote! {
            #[doc = #doc]
            pub fn #method(&self) -> RuleBuilder<#input, #output, #error> {
                RuleBuilder::new(self.mocks.clone(), #wire)
            }
        });
    }
    Ok(Some(quote! {
        //! Typed test doubles for code that calls the service (feature
        //! `test-util`): [`Mock`] answers calls with typed outputs and errors,
        //! decided from the typed input, without HTTP; each rule records the
        //! inputs it answered. A call no rule accepts fails with a
        //! configuration error naming the operation and the input.
        #![allow(deprecated)]

        pub use #rt::testing::{MockRule, MockTransport, RuleBuilder};

        /// A test double of the service: rules per operation, and clients
        /// answering from them.
        #[derive(Clone, Debug, Default)]
        pub struct Mock {
            mocks: std::sync::Arc<#rt::testing::Mocks>,
        }

        impl Mock {
            /// A test double without rules: every call fails as unmatched.
            pub fn new() -> Self {
                Self::default()
            }

            /// A client whose calls this test double answers (nothing is sent).
            pub fn client(&self) -> crate::Client {
                crate::Client::new(self.config())
            }

            /// The configuration of [`client`](Self::client), to adjust before
            /// building a client from it.
            pub fn config(&self) -> crate::Config {
                #rt::Config::test_double(self.mocks.clone())
            }

            #(#methods)*
        }
    }))
}
