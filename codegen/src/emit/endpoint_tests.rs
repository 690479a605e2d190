//! The model's `smithy.rules#endpointTests` -> `src/endpoint_tests.rs`, a
//! `#[cfg(test)]` module running every case against the crate's embedded
//! rule set and printing `endpoints <service>: N passed, M failed`.

use super::runtime::rt;
use crate::ir::Service;
use quote::quote;

/// The test module, or `None` when the model has no endpoint tests.
pub fn endpoint_tests_rs(service: &Service) -> Option<proc_macro2::TokenStream> {
    let rt = rt(service);
    let aws = service.aws()?;
    aws.endpoint_rules.as_ref()?;
    if aws.endpoint_tests.is_empty() {
        return None;
    }
    let rows = aws.endpoint_tests.iter().map(|case| {
        let (doc, params, expect) = (&case.documentation, case.params.to_string(), case.expect.to_string());
        quote! { (#doc, #params, #expect), }
    });
    let suite = format!("endpoints {}", service.short_name);
    Some(quote! {
        //! The endpoint rule test cases of the model (`smithy.rules#endpointTests`):
        //! (documentation, parameters, expected endpoint or error), as JSON.

        const CASES: &[(&str, &str, &str)] = &[
            #(#rows)*
        ];

        #[test]
        fn endpoint_rule_cases() {
            let rules = crate::client::SERVICE.endpoint_rules.unwrap_or_default();
            let mut summary = #rt::testing::Summary::default();
            for (doc, params, expect) in CASES {
                summary.run_case(doc, || #rt::testing::endpoint_case(rules, params, expect));
            }
            assert!(summary.report(#suite), "some endpoint cases failed");
        }
    })
}
