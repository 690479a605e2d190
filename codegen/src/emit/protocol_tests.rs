//! Protocol compliance cases (`smithy.test#httpRequestTests` /
//! `httpResponseTests`) -> `src/protocol_tests.rs`, a `#[cfg(test)]` module
//! of the generated crate (inside it, so expected values can be written as
//! struct literals). Every case is its own `#[test]`, named after the case
//! (`cargo test -p <crate> request_rest_json_http_payload_with_blob`), and
//! one `#[test]` per suite runs them all and prints
//! `<suite>: N passed, M failed`.

use super::runtime::rt;
use super::types::ident;
use crate::ir::*;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

fn applies(service: &Service, case: &ProtocolTestCase) -> bool {
    case.protocol.rsplit('#').next() == Some(service.protocol.label())
}

fn fields(service: &Service, id: TypeId) -> &[Field] {
    match &service.ty(id).kind {
        TypeKind::Struct(f) | TypeKind::Union(f) => f,
        _ => &[],
    }
}

/// A Rust expression of type `ty` for the test parameter `v`.
fn value_expr(service: &Service, ty: &TypeRef, v: &Value) -> Result<TokenStream, String> {
    let rt = rt(service);
    Ok(match ty {
        TypeRef::Bool => {
            let b = v.as_bool().ok_or_else(|| format!("expected a boolean, found {v}"))?;
            quote! { #b }
        }
        TypeRef::Int { kind, .. } => {
            let n = v.as_i64().ok_or_else(|| format!("expected an integer, found {v}"))?;
            let lit = match kind {
                IntKind::I8 => Literal::i8_suffixed(n as i8),
                IntKind::I16 => Literal::i16_suffixed(n as i16),
                IntKind::I32 => Literal::i32_suffixed(n as i32),
                IntKind::I64 => Literal::i64_suffixed(n),
                IntKind::U32 => Literal::u32_suffixed(n as u32),
                IntKind::U64 => Literal::u64_suffixed(n as u64),
            };
            quote! { #lit }
        }
        TypeRef::Float | TypeRef::Double => {
            let t = if *ty == TypeRef::Float {
                quote! { f32 }
            } else {
                quote! { f64 }
            };
            match v {
                Value::String(x) if x == "NaN" => quote! { #t::NAN },
                Value::String(x) if x == "Infinity" => quote! { #t::INFINITY },
                Value::String(x) if x == "-Infinity" => quote! { #t::NEG_INFINITY },
                Value::Number(n) => {
                    let f = n.as_f64().unwrap_or_default();
                    let lit = if *ty == TypeRef::Float { Literal::f32_suffixed(f as f32) } else { Literal::f64_suffixed(f) };
                    quote! { #lit }
                }
                _ => return Err(format!("expected a number, found {v}")),
            }
        }
        TypeRef::BigNumber => {
            let text = match v {
                Value::String(x) => x.clone(),
                other => other.to_string(),
            };
            quote! { #rt::BigNumber::new(#text) }
        }
        TypeRef::String => {
            let x = v.as_str().ok_or_else(|| format!("expected a string, found {v}"))?;
            quote! { String::from(#x) }
        }
        TypeRef::Blob => {
            let x = v.as_str().ok_or_else(|| format!("expected a string (blob), found {v}"))?;
            quote! { #rt::Blob::from(#x) }
        }
        TypeRef::Timestamp(_) => {
            let text = match v {
                Value::Number(n) => n.to_string(),
                _ => return Err(format!("expected epoch seconds, found {v}")),
            };
            quote! { #rt::DateTime::parse_epoch_seconds(#text).expect("epoch seconds") }
        }
        TypeRef::Document => {
            let text = v.to_string();
            quote! { #rt::testing::document(#text) }
        }
        TypeRef::List { item, sparse } => {
            let items = v.as_array().ok_or_else(|| format!("expected a list, found {v}"))?;
            let mut out = Vec::new();
            for i in items {
                out.push(match (sparse, i) {
                    (true, Value::Null) => quote! { None },
                    (true, i) => {
                        let e = value_expr(service, item, i)?;
                        quote! { Some(#e) }
                    }
                    (false, i) => value_expr(service, item, i)?,
                });
            }
            quote! { vec![#(#out),*] }
        }
        TypeRef::Map { key, value, sparse } => {
            let obj = v.as_object().ok_or_else(|| format!("expected a map, found {v}"))?;
            let mut out = Vec::new();
            for (k, val) in obj {
                let k = value_expr(service, key, &Value::String(k.clone()))?;
                let val = match (sparse, val) {
                    (true, Value::Null) => quote! { None },
                    (true, val) => {
                        let e = value_expr(service, value, val)?;
                        quote! { Some(#e) }
                    }
                    (false, Value::Null) => continue,
                    (false, val) => value_expr(service, value, val)?,
                };
                out.push(quote! { (#k, #val) });
            }
            quote! { [#(#out),*].into_iter().collect::<std::collections::HashMap<_, _>>() }
        }
        TypeRef::Named(id) => named_expr(service, *id, v)?,
    })
}

fn named_expr(service: &Service, id: TypeId, v: &Value) -> Result<TokenStream, String> {
    let t = service.ty(id);
    let name = ident(&t.name.rust);
    Ok(match &t.kind {
        TypeKind::StringEnum(_) => {
            let x = v.as_str().ok_or_else(|| format!("expected an enum string, found {v}"))?;
            quote! { crate::types::#name::from(#x) }
        }
        TypeKind::IntEnum(_) => {
            let n = v.as_i64().ok_or_else(|| format!("expected an int enum, found {v}"))? as i32;
            quote! { crate::types::#name::from(#n) }
        }
        TypeKind::Union(members) => {
            let obj = v.as_object().ok_or_else(|| format!("expected a union object, found {v}"))?;
            let (k, val) = obj.iter().next().ok_or_else(|| format!("empty union value for `{}`", t.name.wire))?;
            let f = members.iter().find(|f| f.member_name == *k).ok_or_else(|| format!("`{}` has no member `{k}`", t.name.wire))?;
            let vn = ident(&f.name.rust);
            let mut e = value_expr(service, &f.ty, val)?;
            if f.boxed {
                e = quote! { Box::new(#e) };
            }
            quote! { crate::types::#name::#vn(#e) }
        }
        TypeKind::Struct(members) => struct_literal(service, id, members, v)?,
    })
}

fn struct_literal(service: &Service, id: TypeId, members: &[Field], v: &Value) -> Result<TokenStream, String> {
    let name = ident(&service.ty(id).name.rust);
    let empty = serde_json::Map::new();
    let obj = match v {
        Value::Object(o) => o,
        Value::Null => &empty,
        _ => {
            return Err(format!("expected an object for `{}`, found {v}", service.ty(id).name.wire));
        }
    };
    let mut inits = Vec::new();
    for (k, val) in obj {
        let f =
            members.iter().find(|f| f.member_name == *k).ok_or_else(|| format!("`{}` has no member `{k}`", service.ty(id).name.wire))?;
        if val.is_null() {
            continue;
        }
        let fname = ident(&f.name.rust);
        let mut e = value_expr(service, &f.ty, val)?;
        if f.boxed {
            e = quote! { Box::new(#e) };
        }
        if !(f.required || f.defaulted) {
            e = quote! { Some(#e) };
        }
        inits.push(quote! { #fname: #e, });
    }
    Ok(quote! { crate::types::#name { #(#inits)* ..Default::default() } })
}

fn contains_nan(v: &Value) -> bool {
    match v {
        Value::String(s) => s == "NaN",
        Value::Array(a) => a.iter().any(contains_nan),
        Value::Object(o) => o.values().any(contains_nan),
        _ => false,
    }
}

fn case_fn_name(prefix: &str, id: &str) -> syn::Ident {
    let snake = crate::names::snake(id);
    format_ident!("{prefix}_{snake}")
}

fn strs(items: &[String]) -> TokenStream {
    quote! { &[#(#items),*] }
}

fn request_case(service: &Service, op: &Operation, case: &ProtocolTestCase) -> Result<(syn::Ident, TokenStream), String> {
    let rt = rt(service);
    let fname = case_fn_name("request", &case.id);
    let builder = super::client::builder_name(op);
    let input = match op.input {
        Some(iid) => struct_literal(service, iid, fields(service, iid), &case.params)?,
        None => quote! { () },
    };
    // A case that names a region is resolved by the service's endpoint rules
    // (its `host` is the region's default); the others go to their host.
    let c = &case.config;
    let rules = service.aws().is_some_and(|a| a.endpoint_rules.is_some());
    let endpoint = match (&c.region, rules) {
        (Some(_), true) => quote! { None },
        _ => {
            let url = format!("https://{}", case.host.as_deref().unwrap_or("example.com"));
            quote! { Some(#url) }
        }
    };
    let mut settings = Vec::new();
    settings.extend(c.region.as_ref().map(|r| quote! { .region(#r) }));
    settings.extend(c.force_path_style.map(|b| quote! { .force_path_style(#b) }));
    settings.extend(c.dual_stack.map(|b| quote! { .use_dual_stack(#b) }));
    settings.extend(c.accelerate.map(|b| quote! { .use_accelerate(#b) }));
    let (method, uri) = (&case.method, &case.uri);
    let resolved = option_str(case.resolved_host.as_deref());
    let headers = header_pairs(&case.headers);
    let (qp, fqp, rqp) = (strs(&case.query_params), strs(&case.forbid_query_params), strs(&case.require_query_params));
    let (fh, rh) = (strs(&case.forbid_headers), strs(&case.require_headers));
    let body = option_str(case.body.as_deref());
    let media = option_str(case.body_media_type.as_deref());
    let code = quote! {
        #[test]
        fn #fname() -> Result<(), String> {
            let mock = #rt::testing::MockTransport::new(#rt::HttpResponse::new(200, Default::default(), "{}"));
            let client = crate::Client::new(config(#endpoint, &mock) #(#settings)*);
            let input = #input;
            let _ = #rt::testing::block_on(crate::operations::#builder::new(client.core().clone(), input).send());
            let requests = mock.requests();
            let request = requests.first().ok_or("no request was sent")?;
            #rt::testing::check_request(request, &#rt::testing::ExpectedRequest {
                method: #method,
                uri: #uri,
                resolved_host: #resolved,
                query_params: #qp,
                forbid_query_params: #fqp,
                require_query_params: #rqp,
                headers: #headers,
                forbid_headers: #fh,
                require_headers: #rh,
                body: #body,
                body_media_type: #media,
            })
        }
    };
    Ok((fname, code))
}

/// `Some("text")` or `None`, as tokens.
fn option_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(t) => quote! { Some(#t) },
        None => quote! { None },
    }
}

/// `&[("name", "value"), ...]`.
fn header_pairs(headers: &[(String, String)]) -> TokenStream {
    let pairs = headers.iter().map(|(k, v)| quote! { (#k, #v) });
    quote! { &[#(#pairs),*] }
}

fn response_parts(service: &Service, case: &ProtocolTestCase) -> TokenStream {
    let rt = rt(service);
    let code = case.code;
    let headers = header_pairs(&case.headers);
    let body = case.body.as_deref().unwrap_or("");
    // A binary (CBOR) body is written in the case as base64.
    let body = match case.body_media_type.as_deref() {
        Some("application/cbor") => quote! { #rt::wire::blob_from_base64(#body).as_bytes().to_vec() },
        _ => quote! { #body },
    };
    quote! {
        let headers: &[(&str, &str)] = #headers;
        let response = #rt::HttpResponse::new(#code, headers.iter().copied().collect(), #body);
    }
}

/// Compares `actual` with `expected`; by their `Debug` text when NaN is
/// expected (NaN != NaN), with `actual`'s response metadata cleared first
/// when `decoded` (equality already ignores it; `Debug` shows it).
fn compare(expected_params: &Value, decoded: bool) -> TokenStream {
    if contains_nan(expected_params) {
        let clear = decoded.then(|| quote! { let actual = { let mut a = actual; a._response = Default::default(); a }; });
        quote! {
            #clear
            if format!("{actual:?}") != format!("{expected:?}") {
                return Err(format!("expected {expected:?}\ngot      {actual:?}"));
            }
        }
    } else {
        quote! {
            if actual != expected {
                return Err(format!("expected {expected:?}\ngot      {actual:?}"));
            }
        }
    }
}

fn output_case(service: &Service, op: &Operation, case: &ProtocolTestCase) -> Result<(syn::Ident, TokenStream), String> {
    let rt = rt(service);
    let fname = case_fn_name("response", &case.id);
    let parts = response_parts(service, case);
    let params = &case.params;
    let (expected, read) = match op.output {
        Some(oid) => {
            let read = super::client::read_fn_name(service, oid);
            (struct_literal(service, oid, fields(service, oid), params)?, quote! { crate::operations::#read(&response) })
        }
        None => (quote! { () }, quote! { Ok::<(), #rt::Error>(()) }),
    };
    let cmp = compare(params, op.output.is_some());
    Ok((
        fname.clone(),
        quote! {
            #[test]
        fn #fname() -> Result<(), String> {
                #parts
                let _ = &response;
                let actual = #read.map_err(|e| format!("decode failed: {e}"))?;
                let expected = #expected;
                #cmp
                Ok(())
            }
        },
    ))
}

fn error_case(service: &Service, op: &Operation, err: TypeId, case: &ProtocolTestCase) -> Result<(syn::Ident, TokenStream), String> {
    let rt = rt(service);
    let fname = case_fn_name("response", &case.id);
    let parts = response_parts(service, case);
    let params = &case.params;
    let expected = struct_literal(service, err, fields(service, err), params)?;
    let enum_name = super::client::error_enum(op);
    let variant = ident(&service.ty(err).name.rust);
    let cmp = compare(params, true);
    Ok((
        fname.clone(),
        quote! {
            #[test]
        fn #fname() -> Result<(), String> {
                #parts
                let error = crate::errors::#enum_name::from_error(#rt::testing::read_error(crate::client::SERVICE.protocol, response));
                let crate::errors::#enum_name::#variant(actual) = error else {
                    return Err(format!("expected the modeled error, got {error:?}"));
                };
                let expected = #expected;
                #cmp
                Ok(())
            }
        },
    ))
}

/// Checks that every protocol test case's parameters fit the shape they
/// describe (the input for a request case, the output or the error for a
/// response case): the operation, the case and what does not fit. Run by
/// validation, so emitting the cases cannot fail.
pub(crate) fn check_params(service: &Service) -> Result<(), (String, String, String)> {
    let fail = |op: &Operation, case: &ProtocolTestCase, e: String| (op.name.wire.clone(), case.id.clone(), e);
    for op in &service.operations {
        for case in &op.tests.request {
            if let Some(iid) = op.input {
                struct_literal(service, iid, fields(service, iid), &case.params).map_err(|e| fail(op, case, e))?;
            }
        }
        for case in &op.tests.response {
            if let Some(oid) = op.output {
                struct_literal(service, oid, fields(service, oid), &case.params).map_err(|e| fail(op, case, e))?;
            }
        }
        for &err in &op.errors {
            for case in &service.ty(err).tests.response {
                struct_literal(service, err, fields(service, err), &case.params).map_err(|e| fail(op, case, e))?;
            }
        }
    }
    Ok(())
}

/// `src/protocol_tests.rs`, or `None` when the service has no cases.
pub fn protocol_tests_rs(service: &Service) -> Result<Option<TokenStream>, String> {
    let rt = rt(service);
    let mut request = Vec::new();
    let mut response = Vec::new();
    let mut items = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for op in &service.operations {
        for case in op.tests.request.iter().filter(|c| applies(service, c)) {
            let (name, code) = request_case(service, op, case).map_err(|e| format!("{}: {e}", case.id))?;
            request.push((case.id.clone(), name));
            items.push(code);
        }
        for case in op.tests.response.iter().filter(|c| applies(service, c)) {
            let (name, code) = output_case(service, op, case).map_err(|e| format!("{}: {e}", case.id))?;
            response.push((case.id.clone(), name));
            items.push(code);
        }
        for &err in &op.errors {
            if !seen.insert(err) {
                continue;
            }
            for case in service.ty(err).tests.response.iter().filter(|c| applies(service, c)) {
                let (name, code) = error_case(service, op, err, case).map_err(|e| format!("{}: {e}", case.id))?;
                response.push((case.id.clone(), name));
                items.push(code);
            }
        }
    }
    if request.is_empty() && response.is_empty() {
        return Ok(None);
    }
    // A sub-namespace of a protocol's suite (`aws.protocoltests.restxml.xmlns`)
    // is its own suite: `restXml xmlns request tests`.
    let namespace = service.source_id.split('#').next().unwrap_or_default();
    // A service's own cases (`com.amazonaws.glacier`) are `glacier restJson1`.
    let mut label = match (namespace.strip_prefix("aws.protocoltests."), namespace.split('.').nth(3)) {
        (Some(_), Some(sub)) => format!("{} {sub}", service.protocol.label()),
        (Some(_), None) => service.protocol.label().to_owned(),
        (None, _) => format!("{} {}", namespace.rsplit('.').next().unwrap_or(namespace), service.protocol.label()),
    };
    if service.aws().is_some_and(|a| a.query_compatible) {
        label.push_str(" query-compatible");
    }
    let suite = |kind: &str, cases: &[(String, syn::Ident)]| {
        let name = format!("{label} {kind} tests");
        let test = format_ident!("{}_cases", kind);
        let runs = cases.iter().map(|(id, f)| quote! { summary.run(#id, #f); });
        quote! {
            #[test]
            fn #test() {
                let mut summary = #rt::testing::Summary::default();
                #(#runs)*
                assert!(summary.report(#name), "some {} cases failed", #name);
            }
        }
    };
    // A suite without cases prints no line.
    let req_suite = (!request.is_empty()).then(|| suite("request", &request));
    let resp_suite = (!response.is_empty()).then(|| suite("response", &response));
    Ok(Some(quote! {
        //! Protocol compliance cases of the model (`smithy.test#httpRequestTests`
        //! and `httpResponseTests`): one test per case, named after it, and one
        //! per suite printing its summary line.
        #![allow(deprecated, clippy::all)]

        fn config(endpoint: Option<&str>, mock: &#rt::testing::MockTransport) -> #rt::Config {
            let config = match endpoint {
                Some(url) => #rt::Config::new().endpoint_url(url),
                None => #rt::Config::new(),
            };
            config
                .region("us-east-1")
                .transport(mock.clone())
                .idempotency_token_generator(|| "00000000-0000-4000-8000-000000000000".to_owned())
                .no_credentials()
        }

        #req_suite
        #resp_suite

        #(#items)*
    }))
}
