//! IR operations -> the client of an AWS JSON service: `src/client.rs` (the
//! `Client` with one method per operation), `src/operations.rs` (a request
//! builder per operation with its serializer and deserializer) and
//! `src/errors.rs` (an error enum per operation).
//!
//! The generated code only decides what is specific to an operation (which
//! member goes where, which error codes it models); everything else is a
//! call into the AWS runtime's `codegen` module (the client, `json`, `rest`).

use super::runtime::rt;
use super::types::{doc_attrs, ident, rust_type_with};
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Whether this emitter generates a working client for `protocol`.
pub fn supports(protocol: Protocol) -> bool {
    matches!(
        protocol,
        Protocol::AwsJson1_0
            | Protocol::AwsJson1_1
            | Protocol::RestJson1
            | Protocol::AwsQuery
            | Protocol::Ec2Query
            | Protocol::RestXml
            | Protocol::RpcV2Cbor
    )
}

/// The runtime features the service's client needs: `xml` (the query
/// protocols and restXml), `cbor` (RPC v2 CBOR), `literal-paths` (paths
/// sent with their `.`/`..` segments, S3's keys).
pub fn runtime_features(service: &Service) -> Vec<&'static str> {
    let mut features = match service.protocol {
        Protocol::AwsQuery | Protocol::Ec2Query | Protocol::RestXml => vec!["xml"],
        Protocol::RpcV2Cbor => vec!["cbor"],
        _ => Vec::new(),
    };
    if service.aws().is_some_and(|aws| aws.literal_paths) {
        features.push("literal-paths");
    }
    features
}

/// Whether the crate installs the runtime's STS / SSO credential calls
/// (`nimbus-aws-credentials`, behind its default `aws-credentials` feature).
pub fn installs_credential_calls(service: &Service) -> bool {
    emits_client(service) && supports(service.protocol) && service.aws().is_some_and(|aws| aws.credential_calls)
}

/// Whether type `id` is a structure an AWS client decodes whole from a
/// response (an operation's output or a modeled error): it then carries the
/// response's request id and status (`_response`, a `ResponseMeta`).
pub(super) fn carries_response_meta(service: &Service, id: TypeId) -> bool {
    emits_client(service)
        && service
            .operations
            .iter()
            .any(|op| op.errors.contains(&id) || (supports(service.protocol) && !op.event_stream && op.output == Some(id)))
}

/// Whether this emitter generates a client at all: AWS protocols it cannot
/// speak yet get one whose calls fail with "protocol X is not supported".
pub fn emits_client(service: &Service) -> bool {
    !service.is_google()
}

/// The Rust type of a reference, named types qualified with `crate::types::`.
pub(super) fn rust_type(service: &Service, ty: &TypeRef) -> TokenStream {
    rust_type_with(service, ty, &|leaf| match leaf {
        TypeRef::Named(id) => Some(type_path(service, *id)),
        _ => None,
    })
}

pub(super) fn raw(s: &str) -> &str {
    s.strip_prefix("r#").unwrap_or(s)
}

pub(super) fn type_path(service: &Service, id: TypeId) -> TokenStream {
    let name = ident(&service.ty(id).name.rust);
    quote! { crate::types::#name }
}

pub(super) fn struct_fields(service: &Service, id: TypeId) -> &[Field] {
    service.ty(id).fields()
}

pub(super) fn first_sentence(docs: &str) -> String {
    let para = docs.split("\n\n").next().unwrap_or("").trim();
    if para.is_empty() || para.starts_with("```") || para.starts_with('-') || para.starts_with('#') {
        return String::new();
    }
    para.to_owned()
}

/// Name of the per-operation error enum.
pub(super) fn error_enum(op: &Operation) -> syn::Ident {
    ident(&op.items.error)
}

/// Name of the per-operation request builder.
pub(super) fn builder_name(op: &Operation) -> syn::Ident {
    ident(&op.items.builder)
}

pub(super) fn static_name(op: &Operation) -> syn::Ident {
    ident(&op.items.info)
}

// ---------------------------------------------------------------------------
// client.rs
// ---------------------------------------------------------------------------

/// `src/client.rs`.
pub fn client_rs(service: &Service) -> Result<TokenStream, String> {
    let rt = rt(service);
    let aws = service.aws().cloned().unwrap_or_default();
    let protocol = match service.protocol {
        Protocol::AwsJson1_0 => quote! { #rt::Protocol::AwsJson1_0 },
        Protocol::AwsJson1_1 => quote! { #rt::Protocol::AwsJson1_1 },
        Protocol::RestJson1 => quote! { #rt::Protocol::RestJson1 },
        Protocol::AwsQuery => quote! { #rt::Protocol::AwsQuery },
        Protocol::Ec2Query => quote! { #rt::Protocol::Ec2Query },
        Protocol::RestXml => quote! { #rt::Protocol::RestXml },
        Protocol::RpcV2Cbor => quote! { #rt::Protocol::RpcV2Cbor },
        other => {
            let label = other.label();
            quote! { #rt::Protocol::Unsupported(#label) }
        }
    };
    let (name, version, prefix, signing) = (&aws.sdk_id, &service.version, &aws.endpoint_prefix, &aws.signing_name);
    let title = &service.title;
    // The rule set lives beside the code as pretty-printed JSON (see
    // `endpoint_rules_json`), so a spec change shows as a readable diff.
    let rules = match &aws.endpoint_rules {
        Some(_) => quote! { Some(include_str!("endpoint_rules.json")) },
        None => quote! { None },
    };
    let query_compatible = aws.query_compatible;
    let s3_signing = aws.s3_signing;
    let install_calls = if installs_credential_calls(service) {
        quote! {
            #[cfg(feature = "aws-credentials")]
            let config = config.credential_calls(nimbus_aws_credentials::codegen::calls());
        }
    } else {
        quote! {}
    };
    let static_headers = aws.static_headers.iter().map(|(k, v)| quote! { (#k, #v) });
    let client_doc = doc_attrs(&format!(
        "Client for {title}: one method per operation, each returning a request builder \
         whose `send` performs the call.\n\n\
         Cloning is cheap (the connection pool and configuration are shared)."
    ));
    let mut methods = Vec::new();
    for op in &service.operations {
        let method = ident(&op.name.rust);
        let builder = builder_name(op);
        let mut doc = op.docs.trim().to_owned();
        if doc.is_empty() {
            doc = format!("Calls `{}`.", op.name.wire);
        }
        let deprecated = op.deprecated.as_ref().map(|d| match &d.message {
            Some(m) => quote! { #[deprecated(note = #m)] },
            None => quote! { #[deprecated] },
        });
        let (args, input) = match op.input {
            Some(id) => {
                let required: Vec<&Field> = struct_fields(service, id).iter().filter(|f| f.required).collect();
                let mut args = Vec::new();
                let mut names_ = Vec::new();
                for f in &required {
                    let fname = ident(&f.name.rust);
                    let inner = rust_type(service, &f.ty);
                    args.push(quote! { #fname: impl Into<#inner> });
                    names_.push(fname);
                }
                if !required.is_empty() {
                    doc.push_str(&format!(
                        "\n\nRequired members are arguments ({}); set optional ones on the returned builder.",
                        required.iter().map(|f| format!("`{}`", raw(&f.name.rust))).collect::<Vec<_>>().join(", ")
                    ));
                }
                let ty = type_path(service, id);
                (args, quote! { #ty::new(#(#names_),*) })
            }
            None => (Vec::new(), quote! { () }),
        };
        let doc = doc_attrs(&doc);
        methods.push(quote! {
            #doc
            #deprecated
            pub fn #method(&self, #(#args),*) -> crate::operations::#builder {
                crate::operations::#builder::new(self.core.clone(), #input)
            }
        });
    }
    Ok(quote! {
        //! The service client.
        #![allow(deprecated)]

        /// What the runtime needs to know about the service.
        pub(crate) static SERVICE: #rt::ServiceInfo = #rt::ServiceInfo {
            name: #name,
            api_version: #version,
            protocol: #protocol,
            endpoint_prefix: #prefix,
            signing_name: #signing,
            endpoint_rules: #rules,
            query_compatible: #query_compatible,
            s3_signing: #s3_signing,
            static_headers: &[#(#static_headers),*],
        };

        #client_doc
        #[derive(Clone, Debug)]
        pub struct Client {
            core: #rt::Client,
        }

        impl Client {
            /// A client with `config` (region, endpoint, transport, timeouts).
            pub fn new(config: #rt::Config) -> Self {
                #install_calls
                Self { core: #rt::Client::new(&SERVICE, config) }
            }

            /// The runtime core: configuration and endpoint.
            pub fn core(&self) -> &#rt::Client {
                &self.core
            }

            #(#methods)*
        }
    })
}

/// `src/endpoint_rules.json`: the model's endpoint rule set, pretty-printed,
/// when it has one.
pub fn endpoint_rules_json(service: &Service) -> Option<String> {
    let rules = service.aws()?.endpoint_rules.as_ref()?;
    serde_json::to_string_pretty(rules).ok().map(|text| text + "\n")
}

// ---------------------------------------------------------------------------
// errors.rs
// ---------------------------------------------------------------------------

/// The message member of an error structure, as an `Option<&str>` expression on `self`.
fn message_expr(service: &Service, id: TypeId) -> TokenStream {
    let field = struct_fields(service, id).iter().find(|f| f.member_name.eq_ignore_ascii_case("message") && f.ty == TypeRef::String);
    match field {
        Some(f) => {
            let name = ident(&f.name.rust);
            if f.required || f.defaulted {
                quote! { Some(self.#name.as_str()) }
            } else {
                quote! { self.#name.as_deref() }
            }
        }
        None => quote! { None },
    }
}

/// `src/errors.rs`: per operation, the enum with its documented variants and
/// one `operation_error!` line for everything shared; per modeled
/// error structure, where its message is.
pub fn errors_rs(service: &Service) -> Result<TokenStream, String> {
    let rt = rt(service);
    let mut items = Vec::new();
    let mut modeled = std::collections::BTreeSet::new();
    for op in &service.operations {
        let name = error_enum(op);
        let doc = doc_attrs(&format!(
            "Errors of [`{}`](crate::Client::{}): one variant per error the model declares, \
             and [`Unhandled`](Self::Unhandled) for everything else.",
            op.name.wire,
            raw(&op.name.rust)
        ));
        let mut variants = Vec::new();
        let mut modeled_arms = Vec::new();
        let mut decode_arms = Vec::new();
        for &id in &op.errors {
            modeled.insert(id);
            let t = service.ty(id);
            let v = ident(&t.name.rust);
            let ty = type_path(service, id);
            let vdoc = if t.docs.trim().is_empty() { format!("The `{}` error.", t.name.wire) } else { t.docs.clone() };
            let vdoc = doc_attrs(&vdoc);
            variants.push(quote! { #vdoc #v(#ty), });
            let code = t.error.as_ref().map_or(t.name.wire.clone(), |e| e.code.clone());
            modeled_arms.push(quote! { Self::#v(e) => Ok((#code, e)), });
            decode_arms.push(quote! { #code => rt::decode_as(r, Self::#v), });
        }
        // Without modeled errors the trait's default (decode nothing) applies.
        let decode = (!decode_arms.is_empty()).then(|| {
            quote! {
                fn decode_modeled(code: &str, r: &rt::HttpResponse) -> rt::Decoded<Self> {
                    match code {
                        #(#decode_arms)*
                        _ => None,
                    }
                }
            }
        });
        items.push(quote! {
            #doc
            #[derive(Clone, Debug)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
                /// An error the model does not declare for this operation (its code,
                /// message, HTTP status and request id are on the [`Error`](crate::Error)),
                /// or a failure to send the request or read the response.
                Unhandled(rt::Error),
            }

            impl rt::OperationError for #name {
                fn modeled(&self) -> Result<(&'static str, &dyn rt::ModeledError), &rt::Error> {
                    match self {
                        #(#modeled_arms)*
                        Self::Unhandled(e) => Err(e),
                    }
                }

                #decode
            }

            rt::operation_error!(#name);
        });
    }
    for id in modeled {
        let ty = type_path(service, id);
        let msg = message_expr(service, id);
        let read = read_fn_name(service, id);
        items.push(quote! {
            impl rt::ModeledError for #ty {
                fn message(&self) -> Option<&str> {
                    #msg
                }

                fn response_meta(&self) -> &rt::ResponseMeta {
                    &self._response
                }

                fn read(response: &rt::HttpResponse) -> Result<Self, rt::Error> {
                    crate::operations::#read(response)
                }
            }
        });
    }
    Ok(quote! {
        //! One error enum per operation: `match` on it to reach a modeled error.
        #![allow(deprecated)]

        // (A module alias: an operation's error enum may be called anything.)
        use #rt as rt;

        #(#items)*
    })
}

// ---------------------------------------------------------------------------
// operations.rs
// ---------------------------------------------------------------------------

/// The reader function of an output or error structure (named by the names
/// pass; every structure an operation returns or fails with has one).
pub(super) fn read_fn_name(service: &Service, id: TypeId) -> syn::Ident {
    ident(service.readers.get(&id).map_or("read_unnamed_structure", String::as_str))
}

/// `src/operations.rs`.
pub fn operations_rs(service: &Service) -> Result<TokenStream, String> {
    operations_module(
        service,
        "One request builder per operation, created by the matching [`Client`](crate::Client) method: \
         set optional members with its `set_*` methods, then `send().await`.",
        operation_item,
    )
}

/// An operations module: one item per operation from `item`, then a reader
/// function per output and error structure.
pub(super) fn operations_module(
    service: &Service,
    doc: &str,
    item: fn(&Service, &Operation) -> Result<TokenStream, String>,
) -> Result<TokenStream, String> {
    let mut items = Vec::new();
    let mut readers = std::collections::BTreeSet::new();
    for op in &service.operations {
        items.push(item(service, op)?);
        if (supports(service.protocol) || service.is_google()) && !op.event_stream {
            readers.extend(op.output);
        }
        readers.extend(op.errors.iter().copied());
    }
    for id in readers {
        items.push(reader_fn(service, id)?);
    }
    let doc = format!(" {doc}");
    Ok(quote! {
        #![doc = #doc]
        #![allow(deprecated)]

        #(#items)*
    })
}

fn operation_item(service: &Service, op: &Operation) -> Result<TokenStream, String> {
    let rt = rt(service);
    let builder = builder_name(op);
    let err = error_enum(op);
    let info = static_name(op);
    let wire = &op.name.wire;
    let idempotent = op.idempotent || op.input.is_some_and(|id| struct_fields(service, id).iter().any(|f| f.idempotency_token));
    let retryable: Vec<String> = op
        .errors
        .iter()
        .filter_map(|&id| service.ty(id).error.as_ref().filter(|e| e.retryable.is_some()).map(|e| e.code.clone()))
        .collect();
    let input_ty = match op.input {
        Some(id) => type_path(service, id),
        None => quote! { () },
    };
    let output_ty = match op.output {
        Some(id) => type_path(service, id),
        None => quote! { () },
    };
    let summary = first_sentence(&op.docs);
    let doc = doc_attrs(&format!(
        "Request builder of [`Client::{}`](crate::Client::{}){}",
        raw(&op.name.rust),
        raw(&op.name.rust),
        if summary.is_empty() { ".".to_owned() } else { format!(": {summary}") }
    ));
    let mut setters = Vec::new();
    let mut token_fill = Vec::new();
    if let Some(id) = op.input {
        for f in struct_fields(service, id).iter().filter(|f| !f.required) {
            let setter = format_ident!("set_{}", raw(&f.name.rust));
            let inner = rust_type(service, &f.ty);
            let sdoc = if f.docs.trim().is_empty() { format!("Sets the `{}` member.", f.member_name) } else { f.docs.clone() };
            let sdoc = doc_attrs(&sdoc);
            let dep = f.deprecated.as_ref().map(|_| quote! { #[deprecated] });
            setters.push(quote! {
                #sdoc
                #dep
                pub fn #setter(mut self, value: impl Into<#inner>) -> Self {
                    self.input = self.input.#setter(value);
                    self
                }
            });
            if f.idempotency_token && !f.defaulted {
                let fname = ident(&f.name.rust);
                token_fill.push(quote! {
                    if input.#fname.is_none() {
                        input.#fname = Some(client.idempotency_token());
                    }
                });
            }
        }
    }
    // Customisations: members that take a value when empty or unset.
    let fields = op.input.map(|id| struct_fields(service, id)).unwrap_or_default();
    for (field, value) in &op.custom.empty_defaults {
        let f = &fields[*field];
        let fname = ident(&f.name.rust);
        token_fill.push(if f.required || f.defaulted {
            quote! {
                if input.#fname.is_empty() {
                    input.#fname = #value.to_owned();
                }
            }
        } else {
            quote! {
                if input.#fname.as_deref().is_none_or(str::is_empty) {
                    input.#fname = Some(#value.to_owned());
                }
            }
        });
    }
    if !supports(service.protocol) {
        let reason = format!("the {} protocol is not supported by this client yet", service.protocol.label());
        return unsupported_operation_item(service, op, &reason);
    }
    if op.event_stream {
        return unsupported_operation_item(service, op, "event streams are not supported by this client yet");
    }
    let serialize = serialize_body(service, op)?;
    let uses_input = !token_fill.is_empty() || serialize.clone().into_iter().any(|t| t.to_string() == "input") || {
        let text = serialize.to_string();
        text.contains("input .") || text.contains("& input")
    };
    let binding = match (uses_input, token_fill.is_empty()) {
        (false, _) => quote! { input: _ },
        (true, true) => quote! { input },
        (true, false) => quote! { mut input },
    };
    let deserialize = match op.output {
        Some(id) => {
            let read = read_fn_name(service, id);
            quote! { Ok(#read(&response)?) }
        }
        None => quote! {
            let _ = response;
            Ok(())
        },
    };
    let paginator = paginator(service, op, quote! { crate::errors::#err })?;
    let mock_hook = super::mock::send_hook(service, op);
    let send_doc = doc_attrs(&format!(
        "Sends the `{wire}` request and decodes the response; a modeled error arrives as its [`{err}`](crate::errors::{err}) variant."
    ));
    Ok(quote! {
        static #info: #rt::OperationInfo = #rt::OperationInfo {
            name: #wire,
            idempotent: #idempotent,
            retryable_errors: &[#(#retryable),*],
        };

        #doc
        #[derive(Clone, Debug)]
        #[must_use = "a request does nothing until `send().await`"]
        pub struct #builder {
            client: #rt::Client,
            input: #input_ty,
        }

        impl #builder {
            pub(crate) fn new(client: #rt::Client, input: #input_ty) -> Self {
                Self { client, input }
            }

            /// The request input as set so far.
            pub fn input(&self) -> &#input_ty {
                &self.input
            }

            /// Runs `interceptor` on this call only (after the configuration's).
            pub fn interceptor(mut self, interceptor: impl #rt::Interceptor) -> Self {
                self.client = self.client.with_interceptor(interceptor);
                self
            }

            #(#setters)*

            #paginator

            #send_doc
            pub async fn send(self) -> Result<#output_ty, crate::errors::#err> {
                #mock_hook
                let Self { client, #binding } = self;
                #(#token_fill)*
                let request = {
                    #serialize
                };
                let response = client.send(&#info, request).await.map_err(crate::errors::#err::from_error)?;
                #deserialize
            }
        }
    })
}

/// A member path (`NextToken`, `Result.NextToken`) as field accesses on
/// `root`, giving an `Option<&T>`; `None` when a segment is not an optional
/// structure member.
pub(super) fn member_path(service: &Service, mut ty: TypeId, path: &str, root: TokenStream) -> Option<(TokenStream, TypeRef)> {
    let mut expr = quote! { Some(#root) };
    let mut last = None;
    for (i, seg) in path.split('.').enumerate() {
        if i > 0 {
            let TypeRef::Named(next) = last.as_ref()? else {
                return None;
            };
            ty = *next;
        }
        let f = struct_fields(service, ty).iter().find(|f| f.member_name == seg)?;
        let fname = ident(&f.name.rust);
        expr = if f.required || f.defaulted {
            quote! { #expr.map(|v| &v.#fname) }
        } else {
            quote! { #expr.and_then(|v| v.#fname.as_ref()) }
        };
        last = Some(f.ty.clone());
    }
    Some((expr, last?))
}

/// `pages()` / `items()` for a `@paginated` operation.
pub(super) fn paginator(service: &Service, op: &Operation, err_ty: TokenStream) -> Result<TokenStream, String> {
    let rt = rt(service);
    let (Some(p), Some(input), Some(output)) = (&op.pagination, op.input, op.output) else {
        return Ok(quote! {});
    };
    let Some(token_field) = struct_fields(service, input).iter().find(|f| f.member_name == p.input_token && !f.required) else {
        return Ok(quote! {});
    };
    let Some((next, TypeRef::String)) = member_path(service, output, &p.output_token, quote! { page }) else {
        return Ok(quote! {});
    };
    let builder = builder_name(op);
    let out_ty = type_path(service, output);
    let setter = format_ident!("set_{}", raw(&token_field.name.rust));
    let doc = doc_attrs(&format!(
        "Every page, following `{}` -> `{}` until the service returns no token or repeats one.",
        p.output_token, p.input_token
    ));
    let items = match p.items.as_deref().and_then(|i| member_path(service, output, i, quote! { &page })) {
        Some((path, TypeRef::List { item, sparse: false })) => {
            let item_ty = rust_type(service, &item);
            let item_doc = doc_attrs(&format!("Every item of every page (`{}`), in order.", p.items.as_deref().unwrap_or_default()));
            quote! {
                #item_doc
                pub fn items(self) -> #rt::paginate::Paginated<#item_ty, #err_ty> {
                    #rt::paginate::items(self.pages(), |page| #path.cloned().unwrap_or_default())
                }
            }
        }
        _ => quote! {},
    };
    Ok(quote! {
        #doc
        pub fn pages(self) -> #rt::paginate::Paginated<#out_ty, #err_ty> {
            #rt::paginate::pages(self, |b, token| b.#setter(token), #builder::send, |page: &#out_ty| #next.cloned())
        }
        #items
    })
}

/// An operation the runtime cannot perform yet (its protocol, or an event
/// stream): the builder with its setters, whose `send` fails with a clear
/// "not supported" error naming the operation and `reason`.
fn unsupported_operation_item(service: &Service, op: &Operation, reason: &str) -> Result<TokenStream, String> {
    let rt = rt(service);
    let builder = builder_name(op);
    let err = error_enum(op);
    let input_ty = match op.input {
        Some(id) => type_path(service, id),
        None => quote! { () },
    };
    let output_ty = match op.output {
        Some(id) => type_path(service, id),
        None => quote! { () },
    };
    let mut setters = Vec::new();
    if let Some(id) = op.input {
        for f in struct_fields(service, id).iter().filter(|f| !f.required) {
            let setter = format_ident!("set_{}", raw(&f.name.rust));
            let inner = rust_type(service, &f.ty);
            let doc = doc_attrs(&format!("Sets the `{}` member.", f.member_name));
            setters.push(quote! {
                #doc
                pub fn #setter(mut self, value: impl Into<#inner>) -> Self {
                    self.input = self.input.#setter(value);
                    self
                }
            });
        }
    }
    let message = format!("`{}`: {reason}", op.name.wire);
    let doc = doc_attrs(&format!("Request builder of `{}` ({reason}: `send` fails).", op.name.wire));
    Ok(quote! {
        #doc
        #[derive(Clone, Debug)]
        pub struct #builder {
            client: #rt::Client,
            input: #input_ty,
        }

        impl #builder {
            pub(crate) fn new(client: #rt::Client, input: #input_ty) -> Self {
                Self { client, input }
            }

            /// The request input as set so far.
            pub fn input(&self) -> &#input_ty {
                &self.input
            }

            #(#setters)*

            /// Fails with [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported): see the type's documentation.
            pub async fn send(self) -> Result<#output_ty, crate::errors::#err> {
                let _ = (self.client, self.input);
                Err(crate::errors::#err::from_error(#rt::Error::new(#rt::ErrorKind::Unsupported, #message)))
            }
        }
    })
}

/// The block building the runtime's `HttpRequest` from `input`.
fn serialize_body(service: &Service, op: &Operation) -> Result<TokenStream, String> {
    let rt = rt(service);
    let host = host_prefix(service, op)?;
    // The input of the query and CBOR request shapes, which take it optionally.
    let input = if op.input.is_some() {
        quote! { Some(&input) }
    } else {
        quote! { None::<&()> }
    };
    match &op.call {
        CallShape::Http(route) => rest_request(service, op, route, host),
        CallShape::Rpc { target } if matches!(service.protocol, Protocol::AwsQuery | Protocol::Ec2Query) => {
            let dialect = if service.protocol == Protocol::Ec2Query {
                quote! { Ec2Query }
            } else {
                quote! { AwsQuery }
            };
            let version = &service.version;
            Ok(then_finish(
                quote! { #rt::xml::query_request(#rt::xml::Dialect::#dialect, #target, #version, #input)? },
                finish_request(service, host, op),
            ))
        }
        CallShape::Rpc { target } if service.protocol == Protocol::RpcV2Cbor => {
            let service_name = service.aws().map(|a| a.target_prefix.as_str()).unwrap_or_default();
            Ok(then_finish(quote! { #rt::cbor::request(#service_name, #target, #input)? }, finish_request(service, host, op)))
        }
        CallShape::Rpc { target } => {
            let content_type =
                if service.protocol == Protocol::AwsJson1_0 { "application/x-amz-json-1.0" } else { "application/x-amz-json-1.1" };
            let body = match op.input {
                Some(_) => quote! { #rt::json::encode(&input)? },
                None => {
                    quote! { #rt::json::encode(&#rt::Document::Object(Default::default()))? }
                }
            };
            Ok(then_finish(quote! { #rt::json::rpc_request(#content_type, #target, #body) }, finish_request(service, host, op)))
        }
    }
}

/// The request `expr` builds, then the `post` statements that modify it
/// (just `expr` when there are none).
fn then_finish(expr: TokenStream, post: TokenStream) -> TokenStream {
    if post.is_empty() {
        expr
    } else {
        quote! {
            let mut request = #expr;
            #post
            request
        }
    }
}

/// Statements finishing the request: host prefix, endpoint parameters or
/// a member's endpoint, `Content-MD5`, checksums, compression.
fn finish_request(service: &Service, host: TokenStream, op: &Operation) -> TokenStream {
    let body = body_finish(service, op);
    let params = endpoint_params(service, op);
    let endpoint = op.custom.endpoint_from.map(|field| {
        let fields = op.input.map(|id| struct_fields(service, id)).unwrap_or_default();
        with_value(&fields[field], quote! { request.endpoint_override = Some(v.clone()); })
    });
    quote! { #host #params #endpoint #body }
}

/// Statements adding the operation's endpoint rules parameters to the
/// request (a member's value when it is set).
fn endpoint_params(service: &Service, op: &Operation) -> TokenStream {
    let rt = rt(service);
    let fields = op.input.map(|id| struct_fields(service, id)).unwrap_or_default();
    let stmts = op.endpoint_params.iter().map(|p| {
        let name = &p.name;
        let push = |value: TokenStream| quote! { request.endpoint_params.push((#name, #value)); };
        match &p.source {
            EndpointParamSource::Str(s) => push(quote! { #rt::EndpointParam::Str(#s.to_owned()) }),
            EndpointParamSource::Bool(b) => push(quote! { #rt::EndpointParam::Bool(#b) }),
            EndpointParamSource::Field(i) => {
                let f = &fields[*i];
                let value = match f.ty {
                    TypeRef::Bool => quote! { #rt::EndpointParam::Bool(*v) },
                    _ => quote! { #rt::EndpointParam::Str(v.clone()) },
                };
                with_value(f, push(value))
            }
        }
    });
    quote! { #(#stmts)* }
}

/// Statements finishing the body: `Content-MD5`, then compression.
fn body_finish(service: &Service, op: &Operation) -> TokenStream {
    let rt = rt(service);
    let md5 = op.checksum_required.then(|| quote! { #rt::content_md5(&mut request); });
    let md5 = match op.custom.glacier_checksums {
        true => quote! { #md5 #rt::glacier_checksums(&mut request); },
        false => quote! { #md5 },
    };
    let gzip = op.request_compression.iter().any(|e| e == "gzip").then(|| quote! { #rt::compress_gzip(&mut request, client.config())?; });
    quote! { #md5 #gzip }
}

/// Statements setting `request.host_prefix` from the `@endpoint` template.
fn host_prefix(service: &Service, op: &Operation) -> Result<TokenStream, String> {
    let rt = rt(service);
    let Some(segments) = &op.host_prefix else {
        return Ok(quote! {});
    };
    let fields = op.input.map(|id| struct_fields(service, id)).unwrap_or_default();
    let mut parts = Vec::new();
    for seg in segments {
        match seg {
            PathSegment::Literal(l) if l.chars().count() == 1 => {
                let c = l.chars().next().unwrap_or_default();
                parts.push(quote! { prefix.push(#c); })
            }
            PathSegment::Literal(l) => parts.push(quote! { prefix.push_str(#l); }),
            PathSegment::Label { field, .. } => {
                let f = &fields[*field];
                let fname = ident(&f.name.rust);
                let value = if f.required || f.defaulted {
                    quote! { input.#fname.as_str() }
                } else {
                    quote! { input.#fname.as_deref().unwrap_or_default() }
                };
                parts.push(quote! { prefix.push_str(#value); });
            }
        }
    }
    Ok(quote! {
        let mut prefix = String::new();
        #(#parts)*
        #rt::rest::check_host_prefix(&prefix)?;
        request.host_prefix = Some(prefix);
    })
}

/// A value as text for a label, query or header, from `v` (a reference to
/// the member value): the expression, and whether it is already a `&str`
/// (otherwise it makes an owned `String`).
fn text_expr(service: &Service, ty: &TypeRef, media_type: bool, v: TokenStream) -> Result<(TokenStream, bool), String> {
    let rt = rt(service);
    let as_str = quote! { #v.as_str() };
    Ok(match ty {
        TypeRef::String if media_type => (quote! { #rt::rest::base64_string(#v) }, false),
        TypeRef::String | TypeRef::BigNumber => (as_str, true),
        TypeRef::Bool | TypeRef::Int { .. } => (quote! { #v.to_string() }, false),
        TypeRef::Float => (quote! { #rt::rest::fmt_f32(*#v) }, false),
        TypeRef::Double => (quote! { #rt::rest::fmt_float(*#v) }, false),
        TypeRef::Blob => (quote! { #rt::rest::base64_bytes(#v.as_bytes()) }, false),
        TypeRef::Timestamp(TimestampFormat::DateTime) => (quote! { #v.to_rfc3339() }, false),
        TypeRef::Timestamp(TimestampFormat::HttpDate) => (quote! { #v.to_http_date() }, false),
        TypeRef::Timestamp(TimestampFormat::EpochSeconds) => (quote! { #v.to_epoch_seconds_string() }, false),
        TypeRef::Named(id) => match &service.ty(*id).kind {
            TypeKind::StringEnum(_) => (as_str, true),
            TypeKind::IntEnum(_) => (quote! { #v.value().to_string() }, false),
            _ => (quote! { #rt::json::to_text(#v) }, false),
        },
        // Structured values (Discovery `object` query parameters): JSON text.
        TypeRef::Document | TypeRef::Map { .. } | TypeRef::List { .. } => (quote! { #rt::json::to_text(#v) }, false),
    })
}

/// [`text_expr`] as a `&str` argument: borrowed when it makes a `String`.
fn text_arg(service: &Service, ty: &TypeRef, media_type: bool, v: TokenStream) -> Result<TokenStream, String> {
    let (text, is_str) = text_expr(service, ty, media_type, v)?;
    Ok(if is_str {
        text
    } else {
        quote! { &#text }
    })
}

/// `(binding statement wrapper)`: runs `body` with `v` bound to a reference to
/// the member value, skipping unset optional members.
fn with_value(f: &Field, body: TokenStream) -> TokenStream {
    let fname = ident(&f.name.rust);
    if f.required || f.defaulted {
        quote! { { let v = &input.#fname; #body } }
    } else {
        quote! { if let Some(v) = &input.#fname { #body } }
    }
}

pub(super) fn rest_request(service: &Service, op: &Operation, route: &HttpRoute, host: TokenStream) -> Result<TokenStream, String> {
    let rt = rt(service);
    let method = &route.method;
    let fields = op.input.map(|id| struct_fields(service, id)).unwrap_or_default();
    let label = if service.aws().is_some_and(|aws| aws.literal_paths) {
        quote! { literal_label }
    } else {
        quote! { label }
    };
    let mut stmts = Vec::new();
    for seg in &route.path {
        match seg {
            PathSegment::Literal(l) => stmts.push(quote! { r.literal(#l); }),
            PathSegment::Label { name, greedy, field } => {
                let f = &fields[*field];
                let text = text_arg(service, &f.ty, false, quote! { v })?;
                let fname = ident(&f.name.rust);
                if let (Protocol::GoogleRest, Some(pattern)) = (service.protocol, &f.constraints.pattern) {
                    stmts.push(with_value(f, quote! { #rt::check_pattern(#name, #text, #pattern)?; }));
                }
                stmts.push(if f.required || f.defaulted {
                    quote! { { let v = &input.#fname; r.#label(#name, #text, #greedy)?; } }
                } else {
                    quote! {
                        match &input.#fname {
                            Some(v) => { r.#label(#name, #text, #greedy)?; }
                            None => { r.#label(#name, "", #greedy)?; }
                        }
                    }
                });
            }
        }
    }
    for (k, v) in &route.query {
        let v = match v {
            Some(v) => quote! { Some(#v) },
            None => quote! { None },
        };
        stmts.push(quote! { r.query(#k, #v); });
    }
    let mut params_stmts = Vec::new();
    let mut body_members = false;
    let mut payload = None;
    for f in fields {
        match &f.binding {
            Binding::Query(name) => {
                let stmt = match &f.ty {
                    TypeRef::List { item, .. } => {
                        let text = text_arg(service, item, false, quote! { v })?;
                        quote! { for v in v { r.query(#name, Some(#text)); } }
                    }
                    ty => {
                        let text = text_arg(service, ty, false, quote! { v })?;
                        quote! { r.query(#name, Some(#text)); }
                    }
                };
                stmts.push(with_value(f, stmt));
            }
            Binding::QueryParams => {
                let stmt = match &f.ty {
                    TypeRef::Map { value, .. } if matches!(**value, TypeRef::List { .. }) => {
                        quote! { r.query_params(v.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.as_str())))); }
                    }
                    _ => {
                        quote! { r.query_params(v.iter().map(|(k, v)| (k.as_str(), v.as_str()))); }
                    }
                };
                params_stmts.push(with_value(f, stmt));
            }
            Binding::Header(name) => {
                let media = f.media_type.is_some();
                let stmt = match &f.ty {
                    TypeRef::List { item, .. } => {
                        let (text, _) = text_expr(service, item, media, quote! { v })?;
                        let raw_dates = matches!(**item, TypeRef::Timestamp(TimestampFormat::HttpDate));
                        quote! { r.header_list(#name, v.iter().map(|v| #text), #raw_dates)?; }
                    }
                    ty => {
                        let text = text_arg(service, ty, media, quote! { v })?;
                        quote! { r.header(#name, #text)?; }
                    }
                };
                stmts.push(with_value(f, stmt));
            }
            Binding::PrefixHeaders(prefix) => {
                stmts.push(with_value(f, quote! { r.prefix_headers(#prefix, v.iter().map(|(k, v)| (k.as_str(), v.as_str())))?; }));
            }
            Binding::Payload => payload = Some(f),
            Binding::Body => body_members = true,
            Binding::Label | Binding::ResponseCode => {}
        }
    }
    stmts.extend(params_stmts);
    if let Some(f) = payload {
        stmts.push(payload_stmt(service, f)?);
    } else if body_members && service.protocol == Protocol::RestXml {
        let root = match op.input.and_then(|id| service.ty(id).xml_root.as_ref()) {
            Some(r) => xml_root_args(&r.name, &r.namespace),
            None => xml_root_args(&op.name.wire, &None),
        };
        stmts.push(quote! { r.body(#rt::xml::to_body(#root, &input)?, "application/xml"); });
    } else if body_members {
        stmts.push(quote! { r.body(#rt::json::encode(&input)?, "application/json"); });
    }
    let finish = then_finish(quote! { r.finish() }, finish_request(service, host, op));
    Ok(quote! {
        let mut r = #rt::rest::RequestBuilder::new(#method);
        #(#stmts)*
        #finish
    })
}

/// The root element arguments of `xml::to_body`: name and namespace.
fn xml_root_args(name: &str, namespace: &Option<(String, Option<String>)>) -> TokenStream {
    let namespace = match namespace {
        Some((uri, Some(prefix))) => quote! { Some((#uri, Some(#prefix))) },
        Some((uri, None)) => quote! { Some((#uri, None)) },
        None => quote! { None },
    };
    quote! { #name, #namespace }
}

fn payload_stmt(service: &Service, f: &Field) -> Result<TokenStream, String> {
    let rt = rt(service);
    let fname = ident(&f.name.rust);
    let optional = !(f.required || f.defaulted);
    let media = f.media_type.as_deref();
    let (bytes, content_type, empty_when_unset) = match &f.ty {
        TypeRef::Blob => (quote! { v.as_bytes().to_vec().into() }, media.unwrap_or("application/octet-stream").to_owned(), None),
        TypeRef::String => (quote! { v.clone().into_bytes().into() }, media.unwrap_or("text/plain").to_owned(), None),
        TypeRef::Named(id) if matches!(service.ty(*id).kind, TypeKind::StringEnum(_)) => {
            (quote! { v.as_str().as_bytes().to_vec().into() }, "text/plain".to_owned(), None)
        }
        TypeRef::Named(id)
            if service.protocol == Protocol::RestXml && matches!(service.ty(*id).kind, TypeKind::Struct(_) | TypeKind::Union(_)) =>
        {
            // The payload is the body's root element, named by the member.
            let xml = f.xml.as_ref();
            let name = xml.map_or(&f.name.wire, |x| &x.request_name);
            let namespace =
                xml.and_then(|x| x.namespace.clone()).or_else(|| service.ty(*id).xml_root.as_ref().and_then(|r| r.namespace.clone()));
            let root = xml_root_args(name, &namespace);
            (quote! { #rt::xml::to_body(#root, v)? }, "application/xml".to_owned(), None)
        }
        TypeRef::Named(id) if matches!(service.ty(*id).kind, TypeKind::Struct(_)) => {
            (quote! { #rt::json::encode(v)? }, "application/json".to_owned(), Some(quote! { b"{}".as_slice().into() }))
        }
        _ => (quote! { #rt::json::encode(v)? }, media.unwrap_or("application/json").to_owned(), None),
    };
    if !optional {
        return Ok(quote! { { let v = &input.#fname; r.body(#bytes, #content_type); } });
    }
    Ok(match empty_when_unset {
        Some(b) => quote! {
            match &input.#fname {
                Some(v) => { r.body(#bytes, #content_type); }
                None => { r.body(#b, #content_type); }
            }
        },
        None => quote! {
            if let Some(v) = &input.#fname {
                r.body(#bytes, #content_type);
            }
        },
    })
}

/// `fn read_x(response) -> Result<types::X, Error>` for an output or error structure.
pub(super) fn reader_fn(service: &Service, id: TypeId) -> Result<TokenStream, String> {
    let rt = rt(service);
    let name = read_fn_name(service, id);
    let ty = type_path(service, id);
    let t = service.ty(id);
    let doc = doc_attrs(&format!("Decodes a `{}` from a response.", t.name.wire));
    let fields = struct_fields(service, id);
    let rest = matches!(service.protocol, Protocol::RestJson1 | Protocol::RestXml);
    // The body's decoder: `Result<T, Error>`. An output whose one member is
    // the root element (a customisation) is read unwrapped.
    let unwrapped = service.operations.iter().filter(|op| op.output == Some(id)).find_map(|op| op.custom.unwrapped_output.as_deref());
    let body_decode = match service.protocol {
        Protocol::RestXml if unwrapped.is_some() => {
            let member = unwrapped.unwrap_or_default();
            quote! { #rt::xml::decode_unwrapped(response, #member) }
        }
        // Error structures are read from the error element.
        Protocol::AwsQuery | Protocol::Ec2Query | Protocol::RestXml if t.error.is_some() => quote! { #rt::xml::decode_error(response) },
        // awsQuery wraps the members in `<OperationResult>`.
        Protocol::AwsQuery => quote! { #rt::xml::decode(response, true) },
        Protocol::Ec2Query | Protocol::RestXml => quote! { #rt::xml::decode(response, false) },
        Protocol::RpcV2Cbor => quote! { #rt::cbor::decode(response) },
        _ => quote! { #rt::json::decode(response) },
    };
    let bound: Vec<&Field> = if rest {
        fields
            .iter()
            .filter(|f| matches!(f.binding, Binding::Header(_) | Binding::PrefixHeaders(_) | Binding::ResponseCode | Binding::Payload))
            .collect()
    } else {
        Vec::new()
    };
    let meta = carries_response_meta(service, id).then(|| quote! { out._response = #rt::ResponseMeta::from_response(response); });
    if bound.is_empty() && meta.is_none() {
        return Ok(quote! {
            #doc
            pub(crate) fn #name(response: &#rt::HttpResponse) -> Result<#ty, #rt::Error> {
                #body_decode
            }
        });
    }
    let has_body = bound.is_empty()
        || fields.iter().any(|f| matches!(f.binding, Binding::Body | Binding::Query(_) | Binding::QueryParams | Binding::Label));
    // Without a body every member comes from the head, one assignment each
    // (some with `?`), which a struct literal could not say as plainly.
    let (init, allow) = if has_body {
        (quote! { let mut out: #ty = #body_decode?; }, quote! {})
    } else {
        (quote! { let mut out = <#ty>::default(); }, quote! { #[allow(clippy::field_reassign_with_default)] })
    };
    let mut stmts = Vec::new();
    for f in bound {
        let fname = ident(&f.name.rust);
        let optional = !(f.required || f.defaulted);
        let assign = |value: TokenStream| {
            if optional {
                quote! { out.#fname = #value; }
            } else {
                quote! { if let Some(v) = #value { out.#fname = v; } }
            }
        };
        match &f.binding {
            Binding::Header(h) => {
                let value = match header_parser(service, f)? {
                    (parse, Some(dates)) => quote! { #rt::rest::header_list(response, #h, #parse, #dates)? },
                    (parse, None) => quote! { #rt::rest::header(response, #h, #parse)? },
                };
                stmts.push(assign(value));
            }
            // Always a map (empty when no header has the prefix).
            Binding::PrefixHeaders(p) if optional => stmts.push(quote! { out.#fname = Some(#rt::rest::prefix_headers(response, #p)); }),
            Binding::PrefixHeaders(p) => stmts.push(quote! { out.#fname = #rt::rest::prefix_headers(response, #p); }),
            Binding::ResponseCode => {
                let int = rust_type(service, &f.ty);
                stmts.push(assign(quote! { Some(response.status as #int) }));
            }
            Binding::Payload => {
                let value = match &f.ty {
                    TypeRef::Blob => {
                        quote! { (!response.body.is_empty()).then(|| #rt::Blob::new(response.body.to_vec())) }
                    }
                    TypeRef::String => quote! {
                        if response.body.is_empty() { None } else { Some(#rt::json::text(response)?) }
                    },
                    TypeRef::Named(tid) if matches!(service.ty(*tid).kind, TypeKind::StringEnum(_)) => {
                        let et = type_path(service, *tid);
                        quote! {
                            if response.body.is_empty() { None } else { Some(#et::from(#rt::json::text(response)?.as_str())) }
                        }
                    }
                    TypeRef::Document => quote! {
                        if response.body.is_empty() { None } else { Some(#rt::json::decode(response)?) }
                    },
                    _ if service.protocol == Protocol::RestXml => quote! {
                        if response.body.iter().all(u8::is_ascii_whitespace) { None } else { Some(#rt::xml::decode(response, false)?) }
                    },
                    _ => quote! {
                        if response.body.iter().all(u8::is_ascii_whitespace) { None } else { Some(#rt::json::decode(response)?) }
                    },
                };
                let value = if f.boxed {
                    quote! { (#value).map(Box::new) }
                } else {
                    value
                };
                stmts.push(assign(value));
            }
            // Query and label bindings do not apply to responses; such members come from the body.
            Binding::Query(_) | Binding::QueryParams | Binding::Label | Binding::Body => {}
        }
    }
    Ok(quote! {
        #doc
        #allow
        pub(crate) fn #name(response: &#rt::HttpResponse) -> Result<#ty, #rt::Error> {
            #init
            #(#stmts)*
            #meta
            Ok(out)
        }
    })
}

/// A `rest::Parse<T>` of the runtime for a header value of type `ty`.
/// How a header-bound member is read: the parser of one value, and for a
/// list, whether its items are HTTP dates (which contain commas). An error
/// for a type no header can carry (validation reports it before emission).
pub(crate) fn header_parser(service: &Service, f: &Field) -> Result<(TokenStream, Option<bool>), String> {
    let media = f.media_type.is_some();
    match &f.ty {
        TypeRef::List { item, .. } => {
            Ok((parse_fn(service, item, media)?, Some(matches!(**item, TypeRef::Timestamp(TimestampFormat::HttpDate)))))
        }
        ty => Ok((parse_fn(service, ty, media)?, None)),
    }
}

fn parse_fn(service: &Service, ty: &TypeRef, media_type: bool) -> Result<TokenStream, String> {
    let rt = rt(service);
    let p = quote! { #rt::rest };
    Ok(match ty {
        TypeRef::String if media_type => quote! { #p::parse_base64_string },
        TypeRef::String => quote! { #p::parse_string },
        TypeRef::Bool => quote! { #p::parse_bool },
        TypeRef::Int { .. } => {
            let int = rust_type(service, ty);
            quote! { #p::parse_int::<#int> }
        }
        TypeRef::Float => quote! { #p::parse_f32 },
        TypeRef::Double => quote! { #p::parse_f64 },
        TypeRef::BigNumber => quote! { |v| Ok(#rt::BigNumber::new(v)) },
        TypeRef::Blob => quote! { #p::parse_blob },
        TypeRef::Timestamp(TimestampFormat::HttpDate) => quote! { #p::parse_http_date },
        TypeRef::Timestamp(TimestampFormat::DateTime) => quote! { #p::parse_date_time },
        TypeRef::Timestamp(TimestampFormat::EpochSeconds) => quote! { #p::parse_epoch_seconds },
        TypeRef::Named(id) => {
            let et = type_path(service, *id);
            match &service.ty(*id).kind {
                TypeKind::StringEnum(_) => quote! { |v| Ok(#et::from(v)) },
                TypeKind::IntEnum(_) => quote! { |v| #p::parse_int::<i32>(v).map(#et::from) },
                _ => {
                    return Err(format!("`{}` cannot be read from a header", service.ty(*id).name.wire));
                }
            }
        }
        other => return Err(format!("a {other:?} value cannot be read from a header")),
    })
}

/// The AWS client emitter: `client.rs`, `errors.rs`, `operations.rs` and
/// the endpoint rule set (a client that reports an unsupported protocol when
/// the protocol is one this runtime cannot speak yet).
pub struct AwsEmitter;

impl super::ClientEmitter for AwsEmitter {
    fn client_files(&self, service: &Service) -> Result<Vec<super::GeneratedFile>, String> {
        use super::{GeneratedFile, format_file};
        let mut files = vec![GeneratedFile { path: "src/client.rs".into(), contents: format_file(client_rs(service)?, "client.rs")? }];
        if let Some(rules) = endpoint_rules_json(service) {
            files.push(GeneratedFile { path: "src/endpoint_rules.json".into(), contents: rules });
        }
        files.push(GeneratedFile { path: "src/errors.rs".into(), contents: format_file(errors_rs(service)?, "errors.rs")? });
        files.push(GeneratedFile { path: "src/operations.rs".into(), contents: format_file(operations_rs(service)?, "operations.rs")? });
        Ok(files)
    }

    fn readme(&self, service: &Service, spec: &super::CrateSpec) -> String {
        readme(service, spec)
    }
}

/// `README.md` of an AWS service crate: how to configure and call it.
pub(super) fn readme(service: &Service, spec: &super::CrateSpec) -> String {
    let krate = spec.crate_name.replace('-', "_");
    format!(
        r#"<!-- @generated by `cargo xtask codegen` from {label}; do not edit. -->
# {name}

{title} (API version {version}, protocol {protocol}): an async client and every type of the
service, generated from its Smithy model. Runtime: [`nimbus-aws`](../nimbus-aws) on
[`nimbus-core`](../nimbus-core); this crate is the only dependency a program needs.

## Configuration from the environment

```rust,ignore
let config = {krate}::Config::from_env()?; // region: AWS_REGION, AWS_DEFAULT_REGION or the profile
let client = {krate}::Client::new(config);  // credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
                                             // (+ AWS_SESSION_TOKEN), else ~/.aws/credentials and
                                             // ~/.aws/config for AWS_PROFILE (default `default`)
```

## Endpoint override and other settings

```rust,ignore
use std::time::Duration;
let config = {krate}::Config::new()
    .region("us-east-1")
    .endpoint_url("http://127.0.0.1:5000") // or AWS_ENDPOINT_URL with `from_env`
    .attempt_timeout(Duration::from_secs(10))
    .retry({krate}::config::RetryConfig {{ max_attempts: 5, ..Default::default() }});
let client = {krate}::Client::new(config);
```

Every operation is a method taking the required members and returning a request builder:
set optional members with `set_*`, then `.send().await`. Errors are one enum per operation
(`{krate}::errors`), with a variant per modeled error and `Unhandled` for the rest.
Paginated operations also have `.pages()` and `.items()` streams.

## Testing code that calls the service

With the `test-util` feature, `{krate}::testing::Mock` answers calls with typed outputs and
modeled errors, without HTTP, and records the typed inputs:

```rust,ignore
let mock = {krate}::testing::Mock::new();
let rule = mock.on_{example_op}().returns(output);
let client = mock.client();
// ... code under test calls client ...
assert_eq!(rule.calls(), 1);
```

See `examples/` for a runnable call.
"#,
        label = spec.spec_label,
        name = spec.crate_name,
        title = service.title,
        version = service.version,
        protocol = service.protocol.label(),
        example_op = service.operations.first().map_or("operation".to_owned(), |op| op.name.rust.trim_start_matches("r#").to_owned()),
    )
}
