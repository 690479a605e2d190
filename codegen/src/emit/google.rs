//! IR of a Discovery document -> the Google REST client: `src/client.rs`
//! (the `Client` and one accessor struct per resource, following the
//! resource tree: `client.projects().instances().databases().sessions()`),
//! `src/operations.rs` (a request builder per method, with its parameters,
//! the global parameters, pagination, long-running-operation waiting and
//! streaming), and `src/names.rs` (typed resource names from the parameter
//! patterns, e.g. `SessionName::new(project, instance, database, session)`).

use super::client::{builder_name, first_sentence, paginator, raw, rest_request, rust_type, static_name, struct_fields, type_path};
use super::runtime::rt;
use super::types::{doc_attrs, ident};
use crate::ir::*;
use crate::names::{self, Scope};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeMap;

/// The `Params` struct name of a method.
pub(super) fn params_struct(op: &Operation) -> syn::Ident {
    ident(&op.items.params)
}

/// `src/client.rs`.
pub fn client_rs(service: &Service) -> Result<TokenStream, String> {
    let rt = rt(service);
    let google = service.google().cloned().unwrap_or_default();
    let endpoint = format!("{}{}", google.root_url, google.service_path);
    let name = &service.short_name;
    let version = &service.version;
    let emulator = match &google.emulator_env {
        Some(variable) => quote! { Some(#variable) },
        None => quote! { None },
    };
    let emulator_rest_port = match &google.emulator_rest_port {
        Some((variable, port)) => quote! { Some((#variable, #port)) },
        None => quote! { None },
    };
    let mut items = Vec::new();
    for (path, node) in &service.resources {
        let mut members = Vec::new();
        for (accessor, child_path) in &node.children {
            let accessor = ident(accessor);
            let ty = ident(service.resources.get(child_path).map_or("Client", |c| c.type_name.as_str()));
            let doc = doc_attrs(&format!("The `{}` resource.", child_path.join(".")));
            members.push(quote! {
                #doc
                pub fn #accessor(&self) -> #ty {
                    #ty { core: self.core.clone() }
                }
            });
        }
        for (method, i) in &node.methods {
            members.push(method_fn(service, &service.operations[*i], method)?);
        }
        if path.is_empty() {
            let doc = doc_attrs(&format!(
                "Client for {} ({version}): the resource tree of the API as accessor methods, each method \
                 taking its required parameters and returning a request builder.\n\n\
                 Requests go to `{endpoint}`{}, or to `Config::endpoint_url`.",
                service.title,
                match (&google.emulator_env, &google.emulator_rest_port) {
                    (Some(emulator), Some((rest, port))) => format!(
                        ", or to the emulator when `{emulator}` is set (`host:port` of its gRPC endpoint, as Google's \
                         libraries read it): `http://host:${rest}`, port {port} by default (plain HTTP, no authentication)"
                    ),
                    (Some(emulator), None) =>
                        format!(", or to `http://$({emulator})` when that variable is set (plain HTTP, no authentication)"),
                    (None, _) => String::new(),
                }
            ));
            items.push(quote! {
                #doc
                #[derive(Clone, Debug)]
                pub struct Client {
                    core: #rt::Client,
                }

                impl Client {
                    /// A client with `config` (token provider, endpoint, transport, timeouts).
                    pub fn new(config: #rt::Config) -> Self {
                        Self { core: #rt::Client::new(&SERVICE, config) }
                    }

                    /// The runtime core: configuration and endpoint.
                    pub fn core(&self) -> &#rt::Client {
                        &self.core
                    }

                    #(#members)*
                }
            });
        } else {
            let ty = ident(&node.type_name);
            let doc = doc_attrs(&format!("Methods of the `{}` resource.", path.join(".")));
            items.push(quote! {
                #doc
                #[derive(Clone, Debug)]
                pub struct #ty {
                    core: #rt::Client,
                }

                impl #ty {
                    #(#members)*
                }
            });
        }
    }
    Ok(quote! {
        //! The service client and its resource tree.
        #![allow(deprecated)]

        /// What the runtime needs to know about the service.
        pub(crate) static SERVICE: #rt::ServiceInfo = #rt::ServiceInfo {
            name: #name,
            api_version: #version,
            default_endpoint: #endpoint,
            emulator_env: #emulator,
            emulator_rest_port: #emulator_rest_port,
        };

        #(#items)*
    })
}

/// The required parameters of a method: path labels first, then the rest.
fn required_params(service: &Service, op: &Operation) -> Vec<Field> {
    let fields = op.input.map(|id| struct_fields(service, id)).unwrap_or_default();
    fields.iter().filter(|f| f.required).cloned().collect()
}

fn method_fn(service: &Service, op: &Operation, method: &str) -> Result<TokenStream, String> {
    let method = ident(method);
    let builder = builder_name(op);
    let params = params_struct(op);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for f in required_params(service, op) {
        let fname = ident(&f.name.rust);
        let inner = rust_type(service, &f.ty);
        args.push(quote! { #fname: impl Into<#inner> });
        inits.push(quote! { #fname: #fname.into(), });
    }
    let mut doc = if op.docs.trim().is_empty() { format!("Calls `{}`.", op.name.wire) } else { op.docs.trim().to_owned() };
    doc.push_str(&format!("\n\n`{}` {}", op.http().map_or("", |h| h.method.as_str()), route_text(op)));
    let doc = doc_attrs(&doc);
    let deprecated = op.deprecated.as_ref().map(|_| quote! { #[deprecated] });
    Ok(quote! {
        #doc
        #deprecated
        pub fn #method(&self, #(#args),*) -> crate::operations::#builder {
            crate::operations::#builder::new(self.core.clone(), crate::operations::#params { #(#inits)* ..Default::default() })
        }
    })
}

fn route_text(op: &Operation) -> String {
    let Some(h) = op.http() else {
        return String::new();
    };
    h.path
        .iter()
        .map(|s| match s {
            PathSegment::Literal(l) => l.clone(),
            PathSegment::Label { name, greedy: true, .. } => format!("{{+{name}}}"),
            PathSegment::Label { name, .. } => format!("{{{name}}}"),
        })
        .collect()
}

/// `src/operations.rs`.
pub fn operations_rs(service: &Service) -> Result<TokenStream, String> {
    super::client::operations_module(
        service,
        "One request builder per method, created by the matching accessor of [`Client`](crate::Client): \
         set optional parameters with its `set_*` methods, then `send().await`.",
        operation_item,
    )
}

fn operation_item(service: &Service, op: &Operation) -> Result<TokenStream, String> {
    let rt = rt(service);
    let builder = builder_name(op);
    let params = params_struct(op);
    let info = static_name(op);
    let wire = &op.name.wire;
    let idempotent = op.idempotent;
    let fields = op.input.map(|id| struct_fields(service, id)).unwrap_or_default();
    let output_ty = match op.output {
        Some(id) => type_path(service, id),
        None => quote! { () },
    };
    let mut param_fields = Vec::new();
    for f in fields {
        let fname = ident(&f.name.rust);
        let mut ty = rust_type(service, &f.ty);
        if !f.required {
            ty = quote! { Option<#ty> };
        }
        // The parameter's own text documents the field; setters link to it.
        let doc = if f.docs.trim().is_empty() { format!("The `{}` parameter.", f.name.wire) } else { f.docs.clone() };
        let doc = doc_attrs(&doc);
        param_fields.push(quote! { #doc pub #fname: #ty, });
    }
    let mut setters = Vec::new();
    for f in fields.iter().filter(|f| !f.required) {
        let fname = ident(&f.name.rust);
        let setter = format_ident!("set_{}", raw(&f.name.rust));
        let inner = rust_type(service, &f.ty);
        let doc = doc_attrs(&format!("Sets the `{}` parameter ([`{params}::{}`]).", f.name.wire, raw(&f.name.rust)));
        setters.push(quote! {
            #doc
            pub fn #setter(mut self, value: impl Into<#inner>) -> Self {
                self.input.#fname = Some(value.into());
                self
            }
        });
    }
    let globals = service.google().map(|g| g.global_params.as_slice()).unwrap_or_default();
    if !globals.is_empty() {
        // One setter taking the runtime's `StandardParams` instead of one
        // per global parameter in every builder.
        let setter = ident(&op.items.standard_params);
        let names: Vec<String> = globals.iter().map(|g| format!("`{}`", g.name.wire)).collect();
        let doc = doc_attrs(&format!(
            "Sets the standard parameters every method accepts ({}), replacing earlier ones: see [`StandardParams`](crate::primitives::StandardParams).",
            names.join(", ")
        ));
        setters.push(quote! {
            #doc
            pub fn #setter(mut self, params: #rt::StandardParams) -> Self {
                self.globals = params;
                self
            }
        });
    }
    let CallShape::Http(route) = &op.call else {
        return Err(format!("internal error: Discovery method `{}` has no HTTP route", op.name.wire));
    };
    let serialize = rest_request(service, op, route, quote! {})?;
    let send_call = match idempotent_expr(service, op) {
        Some(safe) => quote! {
            // Whether this call is safe to repeat depends on the request.
            let idempotent = #safe;
            client.send_with(&#info, request, idempotent).await
        },
        None => quote! { client.send(&#info, request).await },
    };
    let deserialize = match op.output {
        Some(id) => {
            let read = super::client::read_fn_name(service, id);
            quote! { #read(&response) }
        }
        None => quote! {
            let _ = response;
            Ok(())
        },
    };
    let paginator = paginator(service, op, quote! { #rt::Error })?;
    let prefix = service.google().and_then(|g| g.operations_prefix.as_deref());
    let wait = match (op.response, prefix) {
        (ResponseKind::LongRunning, Some(prefix)) => quote! {
            /// Sends the request, then polls the long-running operation (with
            /// backoff, up to `settings.deadline`) until it is done: its
            /// `response` decoded as `T`, or its `error` as an error.
            pub async fn wait<T: serde::de::DeserializeOwned>(self, settings: #rt::WaitSettings) -> Result<T, #rt::Error> {
                let client = self.client.clone();
                let response = self.send_raw().await?;
                let operation: #rt::Document = #rt::json::decode(&response)?;
                let result = #rt::wait_operation(&client, #prefix, operation, settings).await?;
                #rt::json::from_value(result)
            }
        },
        _ => quote! {},
    };
    let stream = match (op.response, op.output) {
        (ResponseKind::ServerStream { rows }, Some(out)) => {
            let out_ty = type_path(service, out);
            // Rows only for messages that merge into rows (Spanner's `PartialResultSet`).
            let rows = rows.then(|| {
                quote! {
                    /// Sends the request and yields complete rows as they arrive,
                    /// merging values that the service split across chunks.
                    pub async fn rows(self) -> Result<#rt::paginate::Paginated<Vec<#rt::Document>, #rt::Error>, #rt::Error> {
                        let values = self.stream_values().await?;
                        Ok(#rt::paginate::Paginated::from_boxed(#rt::stream::rows(values)))
                    }
                }
            });
            quote! {
                /// Sends the request and decodes the response as it streams in:
                /// one item per message, errors mid-stream included.
                pub async fn stream(self) -> Result<#rt::paginate::Paginated<#out_ty, #rt::Error>, #rt::Error> {
                    let values = self.stream_values().await?;
                    Ok(#rt::paginate::Paginated::from_stream(values, #rt::json::from_value))
                }

                #rows

                async fn stream_values(self) -> Result<#rt::paginate::BoxStream<'static, Result<#rt::Document, #rt::Error>>, #rt::Error> {
                    let Self { client, input, globals } = self;
                    let request = Self::request(&input, &globals)?;
                    let response = client.send_streaming(&#info, request).await?;
                    Ok(#rt::stream::json_values(response.body))
                }
            }
        }
        _ => quote! {},
    };
    let summary = first_sentence(&op.docs);
    let doc =
        doc_attrs(&format!("Request builder of `{wire}`{}", if summary.is_empty() { ".".to_owned() } else { format!(": {summary}") }));
    let params_doc = doc_attrs(&format!("The parameters of `{wire}`."));
    let send_doc = doc_attrs(&format!("Sends the `{wire}` request and decodes the response."));
    let mock_hook = super::mock::send_hook(service, op);
    Ok(quote! {
        static #info: #rt::OperationInfo = #rt::OperationInfo { name: #wire, idempotent: #idempotent, retryable_errors: &[] };

        #params_doc
        #[derive(Clone, Debug, Default)]
        #[non_exhaustive]
        pub struct #params {
            #(#param_fields)*
        }

        #doc
        #[derive(Clone, Debug)]
        #[must_use = "a request does nothing until `send().await`"]
        pub struct #builder {
            client: #rt::Client,
            input: #params,
            globals: #rt::StandardParams,
        }

        impl #builder {
            pub(crate) fn new(client: #rt::Client, input: #params) -> Self {
                Self { client, input, globals: #rt::StandardParams::new() }
            }

            /// The parameters as set so far.
            pub fn input(&self) -> &#params {
                &self.input
            }

            #(#setters)*

            #paginator
            #wait
            #stream

            fn request(input: &#params, globals: &#rt::StandardParams) -> Result<#rt::HttpRequest, #rt::Error> {
                let mut request = { #serialize };
                #rt::rest::append_query(&mut request, globals.iter());
                Ok(request)
            }

            async fn send_raw(self) -> Result<#rt::HttpResponse, #rt::Error> {
                let Self { client, input, globals } = self;
                let request = Self::request(&input, &globals)?;
                #send_call
            }

            #send_doc
            pub async fn send(self) -> Result<#output_ty, #rt::Error> {
                #mock_hook
                let response = self.send_raw().await?;
                #deserialize
            }
        }
    })
}

/// The expression deciding from `input` whether a call of `op` is safe to
/// repeat, for operations with [`Operation::idempotent_when`] conditions
/// (bound to field indices by the reader).
fn idempotent_expr(service: &Service, op: &Operation) -> Option<TokenStream> {
    if op.idempotent || op.idempotent_when.is_empty() {
        return None;
    }
    let input = op.input.map(|id| struct_fields(service, id)).unwrap_or_default();
    let terms = op.idempotent_when.iter().map(|condition| {
        let (body, path) = condition.fields.split_first().expect("a bound condition starts at the request body");
        let body = &input[*body];
        let root = ident(&body.name.rust);
        // An `Option<&T>` walking the path from the body.
        let mut expr = if body.required {
            quote! { Some(&input.#root) }
        } else {
            quote! { input.#root.as_ref() }
        };
        let mut ty = &body.ty;
        for index in path {
            let TypeRef::Named(id) = ty else { unreachable!("the reader binds paths through structures only") };
            let field = &struct_fields(service, *id)[*index];
            let fname = ident(&field.name.rust);
            expr = if field.required || field.defaulted {
                quote! { #expr.map(|v| &v.#fname) }
            } else {
                quote! { #expr.and_then(|v| v.#fname.as_ref()) }
            };
            ty = &field.ty;
        }
        if condition.set {
            quote! { #expr.is_some() }
        } else {
            quote! { #expr.is_none() }
        }
    });
    Some(quote! { #(#terms)||* })
}

/// `src/names.rs`: a typed name per distinct `^a/[^/]+/b/[^/]+$` pattern of
/// the path parameters, or `None` when there is none.
pub fn names_rs(service: &Service) -> Option<TokenStream> {
    let rt = rt(service);
    let mut patterns = std::collections::BTreeSet::new();
    for op in &service.operations {
        for f in op.input.map(|id| struct_fields(service, id)).unwrap_or_default() {
            if f.binding == Binding::Label {
                if let Some(p) = &f.constraints.pattern {
                    patterns.insert(p.clone());
                }
            }
        }
    }
    let singular = |c: &str| -> String {
        let s = c
            .strip_suffix("ies")
            .map(|s| format!("{s}y"))
            .or_else(|| c.strip_suffix('s').map(str::to_owned))
            .unwrap_or_else(|| c.to_owned());
        names::snake(&s)
    };
    // Collection lists of the clean patterns (`a/[^/]+/b/[^/]+`).
    let parsed: Vec<(String, Vec<String>)> = patterns
        .into_iter()
        .filter_map(|pattern| {
            let body = pattern.strip_prefix('^').and_then(|p| p.strip_suffix('$'))?.replace("[^/]+", "*");
            let parts: Vec<&str> = body.split('/').collect();
            let clean = parts.len() >= 2
                && parts.len() % 2 == 0
                && parts.chunks(2).all(|c| c[1] == "*" && c[0].chars().all(|ch| ch.is_ascii_alphanumeric()));
            let collections = parts.chunks(2).map(|c| c[0].to_owned()).collect();
            clean.then_some((pattern, collections))
        })
        .collect();
    let mut last_counts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, c) in &parsed {
        *last_counts.entry(c.last().cloned().unwrap_or_default()).or_default() += 1;
    }
    let mut scope = Scope::default();
    let mut items = Vec::new();
    for (pattern, collections) in parsed {
        let vars: Vec<String> = collections.iter().map(|c| singular(c)).collect();
        let last = collections.last().cloned().unwrap_or_default();
        // A collection that ends several patterns (`operations`) is named with its parent.
        let base = match (last_counts.get(&last), collections.len()) {
            (Some(n), len) if *n > 1 && len >= 2 => {
                format!("{}_{}", singular(&collections[len - 2]), singular(&last))
            }
            _ => singular(&last),
        };
        let type_name = scope.claim(format!("{}Name", names::type_ident(&base)));
        let ty = ident(&type_name);
        // `nodes/{node}/nodes/{node}`: repeated collections get distinct field names.
        let mut field_scope = Scope::default();
        let fields: Vec<syn::Ident> = vars.iter().map(|v| ident(&field_scope.claim(names::field_ident(v)))).collect();
        let mut fmt_str = String::new();
        for (i, c) in collections.iter().enumerate() {
            if i > 0 {
                fmt_str.push('/');
            }
            fmt_str.push_str(c);
            fmt_str.push_str("/{}");
        }
        let doc = doc_attrs(&format!(
            "The resource name `{}`, built from its ids (pattern `{pattern}`); pass it wherever a \
             method takes that name (it converts into `String`).",
            collections.iter().zip(&vars).map(|(c, v)| format!("{c}/{{{v}}}")).collect::<Vec<_>>().join("/")
        ));
        let field_docs = vars.iter().map(|v| doc_attrs(&format!("The `{v}` id.")));
        let fields2 = fields.clone();
        let fields3 = fields.clone();
        let fields4 = fields.clone();
        let fields5 = fields.clone();
        let collections = collections.iter().map(String::as_str);
        items.push(quote! {
            #doc
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            pub struct #ty {
                #( #field_docs pub #fields: String, )*
            }

            impl #ty {
                /// The name from its ids.
                pub fn new(#(#fields2: impl Into<String>),*) -> Self {
                    Self { #(#fields3: #fields3.into()),* }
                }
            }

            impl std::fmt::Display for #ty {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, #fmt_str, #(self.#fields4),*)
                }
            }

            impl From<#ty> for String {
                fn from(name: #ty) -> String {
                    name.to_string()
                }
            }

            impl std::str::FromStr for #ty {
                type Err = #rt::Error;

                /// Reads a name of this form back into its ids.
                fn from_str(name: &str) -> Result<Self, Self::Err> {
                    let [#(#fields5),*] = #rt::parse_resource_name(name, [#(#collections),*], #type_name)?;
                    Ok(Self { #(#fields5),* })
                }
            }

            impl TryFrom<&str> for #ty {
                type Error = #rt::Error;

                fn try_from(name: &str) -> Result<Self, Self::Error> {
                    name.parse()
                }
            }
        });
    }
    if items.is_empty() {
        return None;
    }
    Some(quote! {
        //! Typed resource names: build a name from its ids instead of formatting
        //! the path by hand.

        #(#items)*
    })
}

/// The Google client emitter: `client.rs` (the resource tree),
/// `operations.rs` and `names.rs` (typed resource names).
pub struct GoogleEmitter;

impl super::ClientEmitter for GoogleEmitter {
    fn client_files(&self, service: &Service) -> Result<Vec<super::GeneratedFile>, String> {
        use super::{GeneratedFile, format_file};
        let mut files = vec![
            GeneratedFile { path: "src/client.rs".into(), contents: format_file(client_rs(service)?, "client.rs")? },
            GeneratedFile { path: "src/operations.rs".into(), contents: format_file(operations_rs(service)?, "operations.rs")? },
        ];
        if let Some(names) = names_rs(service) {
            files.push(GeneratedFile { path: "src/names.rs".into(), contents: format_file(names, "names.rs")? });
        }
        Ok(files)
    }

    fn readme(&self, service: &Service, spec: &super::CrateSpec) -> String {
        readme(service, spec)
    }
}

/// `README.md` of a Google API crate: how to configure and call it.
pub(super) fn readme(service: &Service, spec: &super::CrateSpec) -> String {
    let krate = spec.crate_name.replace('-', "_");
    let google = service.google().cloned().unwrap_or_default();
    let emulator = match (&google.emulator_env, &google.emulator_rest_port) {
        (Some(variable), Some((rest, port))) => format!(
            "\n// Emulator: with {variable}=host:port set (the emulator's gRPC address, as for Google's own\n// libraries), this REST client goes to http://host:${rest} ({port} unless set),\n// unauthenticated; `Config::emulator_host` names the REST address itself.\nlet client = {krate}::Client::new(Config::new());\n"
        ),
        (Some(variable), None) => format!(
            "\n// Emulator: with {variable}=host:port set (or `Config::emulator_host`), requests go to\n// http://host:port, unauthenticated.\nlet client = {krate}::Client::new(Config::new());\n"
        ),
        (None, _) => String::new(),
    };
    format!(
        r#"<!-- @generated by `cargo xtask codegen` from {label}; do not edit. -->
# {name}

{title} ({version}): an async client for every method of the REST API and every schema,
generated from its Discovery document. Runtime: [`nimbus-google`](../nimbus-google) on
[`nimbus-core`](../nimbus-core); this crate is the only dependency a program needs.

## Configuration

```rust,ignore
use {krate}::config::{{Config, StaticToken}};

// Production: Application Default Credentials (feature `google-adc`, on by default), or
// any token provider; requests go to {root}{path}.
let client = {krate}::Client::new(Config::new());
let client = {krate}::Client::new(Config::new().token_provider(StaticToken::new(token)));

// Quota project and universe domain (also GOOGLE_CLOUD_QUOTA_PROJECT and
// GOOGLE_CLOUD_UNIVERSE_DOMAIN with `Config::from_env()`):
let client = {krate}::Client::new(Config::new().quota_project("billing-project"));
{emulator}
// Any other endpoint:
let client = {krate}::Client::new(Config::new().endpoint_url("http://127.0.0.1:9020").no_credentials());
```

Resources are accessors (`client.projects().instances().databases().sessions()`); each method
takes its required parameters (typed names in `{krate}::names`, e.g. `SessionName::new(..)`,
convert into them) and returns a request builder with `set_*` for optional and global
parameters, then `.send().await`. List methods have `.pages()`/`.items()`, long-running
operations `.wait(settings)`, streaming methods `.stream()` and `.rows()`. Errors are
`{krate}::Error` with the canonical status (`NOT_FOUND`, `ALREADY_EXISTS`, ...) as `code()`.

## Testing code that calls the service

With the `test-util` feature, `{krate}::testing::Mock` answers calls with typed values,
without HTTP:

```rust,ignore
let mock = {krate}::testing::Mock::new();
let rule = mock.on_projects_instances_databases_sessions_get()
    .matching(|params| params.name.ends_with("/sessions/s1"))
    .returns(session);
let client = mock.client();
// ... code under test calls client.projects()...get(name).send().await ...
assert_eq!(rule.calls(), 1);
```

See `examples/` for a runnable call.
"#,
        label = spec.spec_label,
        name = spec.crate_name,
        title = service.title,
        version = service.version,
        root = google.root_url,
        path = google.service_path,
    )
}
