//! IR types -> Rust items (structs, open enums, unions) with serde.

use crate::emit::runtime::{rt, runtime_item};
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Doc attributes, one per line (what `///` comments desugar to).
pub fn doc_attrs(docs: &str) -> TokenStream {
    let wrapped = crate::docs::wrap_markdown(docs, crate::docs::DOC_WIDTH);
    let lines: Vec<String> = wrapped.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") }).collect();
    quote! { #( #[doc = #lines] )* }
}

/// Docs or a fallback sentence, so every public item is documented.
fn docs_or(docs: &str, fallback: impl FnOnce() -> String) -> TokenStream {
    if docs.trim().is_empty() { doc_attrs(&fallback()) } else { doc_attrs(docs) }
}

fn deprecated_attr(d: &Option<Deprecation>) -> TokenStream {
    match d {
        None => quote! {},
        Some(Deprecation { message: Some(m), .. }) => quote! { #[deprecated(note = #m)] },
        Some(_) => quote! { #[deprecated] },
    }
}

/// Parses an identifier that may be raw (`r#type`).
pub fn ident(s: &str) -> syn::Ident {
    match s.strip_prefix("r#") {
        Some(raw) => syn::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => format_ident!("{}", s),
    }
}

/// The Rust type of a reference (named types by their name in `types.rs`).
pub fn rust_type(service: &Service, ty: &TypeRef) -> TokenStream {
    rust_type_with(service, ty, &|_| None)
}

/// The type whose JSON schema matches a codec's wire form (epoch seconds are
/// numbers, 64-bit integers strings, ...), for `#[schemars(with = ...)]`.
fn schema_type(service: &Service, ty: &TypeRef) -> TokenStream {
    rust_type_with(service, ty, &|leaf| match leaf {
        TypeRef::Timestamp(TimestampFormat::EpochSeconds) => Some(quote! { f64 }),
        TypeRef::Timestamp(TimestampFormat::HttpDate) | TypeRef::Int { as_string: true, .. } => Some(quote! { String }),
        _ => None,
    })
}

/// The Rust type of a reference, built as tokens; `leaf` may replace any
/// part of it (qualified names, schema stand-ins).
pub(crate) fn rust_type_with(service: &Service, ty: &TypeRef, leaf: &dyn Fn(&TypeRef) -> Option<TokenStream>) -> TokenStream {
    if let Some(t) = leaf(ty) {
        return t;
    }
    let rt = rt(service);
    match ty {
        TypeRef::Bool => quote! { bool },
        TypeRef::Int { kind, .. } => match kind {
            IntKind::I8 => quote! { i8 },
            IntKind::I16 => quote! { i16 },
            IntKind::I32 => quote! { i32 },
            IntKind::I64 => quote! { i64 },
            IntKind::U32 => quote! { u32 },
            IntKind::U64 => quote! { u64 },
        },
        TypeRef::Float => quote! { f32 },
        TypeRef::Double => quote! { f64 },
        TypeRef::BigNumber => quote! { #rt::BigNumber },
        TypeRef::String => quote! { String },
        TypeRef::Blob => quote! { #rt::Blob },
        TypeRef::Timestamp(_) => quote! { #rt::DateTime },
        TypeRef::Document => quote! { #rt::Document },
        TypeRef::List { item, sparse } => {
            let inner = rust_type_with(service, item, leaf);
            if *sparse {
                quote! { Vec<Option<#inner>> }
            } else {
                quote! { Vec<#inner> }
            }
        }
        TypeRef::Map { key, value, sparse } => {
            let (k, v) = (rust_type_with(service, key, leaf), rust_type_with(service, value, leaf));
            if *sparse {
                quote! { std::collections::HashMap<#k, Option<#v>> }
            } else {
                quote! { std::collections::HashMap<#k, #v> }
            }
        }
        TypeRef::Named(id) => {
            let name = ident(&service.ty(*id).name.rust);
            quote! { #name }
        }
    }
}

/// The field's declared type: boxed and optional as the IR says.
pub fn field_type(service: &Service, f: &Field) -> TokenStream {
    let mut t = rust_type(service, &f.ty);
    if f.boxed {
        t = quote! { Box<#t> };
    }
    if f.required || f.defaulted {
        t
    } else {
        quote! { Option<#t> }
    }
}

/// A type as compact text, as written by hand (`Option<Vec<String>>`): for
/// attributes that take a type as a string and for the API summary.
pub fn type_text(ty: &TokenStream) -> String {
    ty.to_string().split_whitespace().collect::<String>().replace(',', ", ")
}

/// A wire encoding of the runtime's `wire` module: its `#[serde(with)]`
/// module and its marker type (for `wire::encoded`).
#[derive(Clone, Copy)]
struct Codec {
    module: &'static str,
    marker: &'static str,
}

/// The wire codec of a leaf type, if it needs one.
fn codec(ty: &TypeRef) -> Option<Codec> {
    let (module, marker) = match ty {
        TypeRef::Timestamp(TimestampFormat::EpochSeconds) => ("wire::epoch_seconds", "EpochSeconds"),
        TypeRef::Timestamp(TimestampFormat::DateTime) => ("wire::date_time", "DateTimeFormat"),
        TypeRef::Timestamp(TimestampFormat::HttpDate) => ("wire::http_date", "HttpDate"),
        TypeRef::Int { as_string: true, .. } => ("wire::int64_string", "Int64String"),
        TypeRef::Float | TypeRef::Double => ("wire::special_float", "SpecialFloat"),
        TypeRef::List { item, .. } => return codec(item),
        TypeRef::Map { value, .. } => return codec(value),
        _ => return None,
    };
    Some(Codec { module, marker })
}

fn raw(s: &str) -> &str {
    s.strip_prefix("r#").unwrap_or(s)
}

/// The attributes of a structure member that the schemars derive reads
/// (the wire name, members outside the JSON object); serde reads none: the
/// structure's serde impls are generated ([`serialize_impl`], [`object_impls`]).
fn field_attrs(f: &Field, json_body: bool) -> TokenStream {
    let wire = &f.name.wire;
    if !in_json_object(f, json_body) {
        quote! { #[cfg_attr(feature = "schemars", schemars(skip))] }
    } else if raw(&f.name.rust) != wire {
        quote! { #[cfg_attr(feature = "schemars", schemars(rename = #wire))] }
    } else {
        quote! {}
    }
}

/// `impl Serialize` of an input structure: one `ObjectWriter` call per
/// member of the JSON object a request sends (members bound to the URI,
/// headers or the payload are not in it), unset optional members left out.
fn serialize_impl(t: &TypeDef, fields: &[Field], json_body: bool) -> TokenStream {
    let name = ident(&t.name.rust);
    let writes: Vec<TokenStream> = fields
        .iter()
        // (URI-bound members are read from a response's body, but never sent in one.)
        .filter(|f| !json_body || f.binding == Binding::Body)
        .map(|f| {
            let fname = ident(&f.name.rust);
            // XML-shaped protocols: the request name, and a list or map laid
            // out other than the default way.
            let wire = f.xml.as_ref().map_or(&f.name.wire, |x| &x.request_name);
            let optional = !(f.required || f.defaulted);
            if let Some(layout) = f.xml.as_ref().and_then(|x| x.layout.as_ref()) {
                let value = if optional {
                    quote! { self.#fname.as_ref() }
                } else {
                    quote! { Some(&self.#fname) }
                };
                return match codec(&f.ty) {
                    Some(c) => {
                        let marker = format_ident!("{}", c.marker);
                        quote! { o.laid_out_encoded(#wire, wire::Layout(#layout), wire::#marker, #value)?; }
                    }
                    None => quote! { o.laid_out(#wire, wire::Layout(#layout), #value)?; },
                };
            }
            match (codec(&f.ty), optional) {
                (Some(c), true) => {
                    let marker = format_ident!("{}", c.marker);
                    quote! { o.optional_encoded(#wire, wire::#marker, &self.#fname)?; }
                }
                (Some(c), false) => {
                    let marker = format_ident!("{}", c.marker);
                    quote! { o.encoded(#wire, wire::#marker, &self.#fname)?; }
                }
                (None, true) => quote! { o.optional(#wire, &self.#fname)?; },
                (None, false) => quote! { o.value(#wire, &self.#fname)?; },
            }
        })
        .collect();
    let members = proc_macro2::Literal::usize_unsuffixed(writes.len());
    let body = if writes.is_empty() {
        quote! { wire::ObjectWriter::new(s, 0)?.end() }
    } else {
        quote! {
            let mut o = wire::ObjectWriter::new(s, #members)?;
            #(#writes)*
            o.end()
        }
    };
    quote! {
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                #body
            }
        }
    }
}

/// Whether a member of a structure is read from (and written to) the JSON
/// object: not when it is bound to a header, the status or the payload.
fn in_json_object(f: &Field, json_body: bool) -> bool {
    !json_body || matches!(f.binding, Binding::Body | Binding::Label | Binding::Query(_) | Binding::QueryParams)
}

/// `impl wire::Object` of an output structure (one statement per member of
/// the JSON object, by wire name) and its `Deserialize`, which the runtime
/// writes from it: no serde derive, so no per-type visitors.
fn object_impls(t: &TypeDef, fields: &[Field], json_body: bool) -> TokenStream {
    let name = ident(&t.name.rust);
    let arms: Vec<TokenStream> = fields
        .iter()
        .filter(|f| in_json_object(f, json_body))
        .map(|f| {
            let fname = ident(&f.name.rust);
            let wire = &f.name.wire;
            // A flattened list or map: each element is one item (entry).
            if f.xml.as_ref().is_some_and(|x| x.flattened) && codec(&f.ty).is_none() {
                return quote! { #wire => wire::push_item(&mut self.#fname, m)?, };
            }
            let value = match codec(&f.ty) {
                Some(c) => {
                    let marker = format_ident!("{}", c.marker);
                    quote! { wire::encoded(wire::#marker, m)? }
                }
                None if !(f.required || f.defaulted) => quote! { wire::optional(m)? },
                None => quote! { wire::or_default(m)? },
            };
            quote! { #wire => self.#fname = #value, }
        })
        .collect();
    let body = if arms.is_empty() {
        quote! { let _ = (key, m); Ok(false) }
    } else {
        quote! {
            match key {
                #(#arms)*
                _ => return Ok(false),
            }
            Ok(true)
        }
    };
    quote! {
        impl wire::Object for #name {
            // Inlined into the runtime's visitor loop: as fast as the derive.
            #[inline]
            fn read<'de, A: de::MapAccess<'de>>(&mut self, key: &str, m: &mut A) -> Result<bool, A::Error> {
                #body
            }
        }

        wire::impl_deserialize!(#name);
    }
}

/// Emits one named type (`t`, the type `id` of `service`).
pub fn type_item(service: &Service, id: TypeId, t: &TypeDef) -> TokenStream {
    match &t.kind {
        TypeKind::Struct(fields) => struct_item(service, id, t, fields),
        TypeKind::StringEnum(vs) => enum_item(service, t, vs, false),
        TypeKind::IntEnum(vs) => enum_item(service, t, vs, true),
        TypeKind::Union(vs) => union_item(service, t, vs),
    }
}

fn struct_item(service: &Service, id: TypeId, t: &TypeDef, fields: &[Field]) -> TokenStream {
    let rt = rt(service);
    let name = ident(&t.name.rust);
    let docs = docs_or(&t.docs, || format!("The `{}` structure.", t.name.wire));
    let deprecated = deprecated_attr(&t.deprecated);
    let redact = t.sensitive || fields.iter().any(|f| f.sensitive);
    let debug = (!redact).then(|| quote! { Debug, });
    let member_defaults = fields.iter().any(|f| f.default_value.is_some());
    let derive_default = (!member_defaults).then(|| quote! { Default, });
    // No serde derive: input types implement `Serialize` through the runtime's
    // `ObjectWriter` ([`serialize_impl`]), output types `Deserialize` through
    // `wire::Object` ([`object_impls`]).
    let derive = quote! { #[derive(Clone, PartialEq, #derive_default #debug)] };
    // Every member of an output may be absent (it keeps the `Default`), and
    // members with modeled defaults need not be given.
    let schema_default = (t.usage.output || member_defaults).then(|| quote! { #[cfg_attr(feature = "schemars", schemars(default))] });
    let skip_attr = quote! { #[cfg_attr(feature = "schemars", schemars(skip))] };
    let meta = super::client::carries_response_meta(service, id);
    let meta_field = meta.then(|| {
        quote! {
            /// The request id and HTTP status of the response this was decoded from.
            #skip_attr
            pub(crate) _response: #rt::ResponseMeta,
        }
    });
    let meta_init = meta.then(|| quote! { _response: Default::default(), });
    let meta_methods = meta.then(|| {
        let status = t.error.is_some().then(|| {
            quote! {
                /// The HTTP status of the error response this was decoded from.
                pub fn status(&self) -> Option<u16> {
                    self._response.status()
                }
            }
        });
        quote! {
            /// The request id the service assigned to the call that returned
            /// this (quote it to AWS support); `None` for a value built in code.
            pub fn request_id(&self) -> Option<&str> {
                self._response.request_id()
            }
            #status
        }
    });
    let default_impl = member_defaults.then(|| {
        let inits = fields.iter().map(|f| {
            let fname = ident(&f.name.rust);
            match &f.default_value {
                Some(v) => {
                    let mut e = default_expr(service, &f.ty, v);
                    if f.boxed {
                        e = quote! { Box::new(#e) };
                    }
                    if !(f.required || f.defaulted) {
                        e = quote! { Some(#e) };
                    }
                    quote! { #fname: #e, }
                }
                None => quote! { #fname: Default::default(), },
            }
        });
        quote! {
            impl Default for #name {
                /// Every member with a modeled default holds it; the others are empty.
                fn default() -> Self {
                    Self { #(#inits)* #meta_init }
                }
            }
        }
    });
    let json_body = service.protocol != Protocol::GoogleRest;
    let object = t.usage.output.then(|| object_impls(t, fields, json_body));
    let serialize = t.usage.input.then(|| serialize_impl(t, fields, json_body));
    let field_items = fields.iter().map(|f| {
        let fname = ident(&f.name.rust);
        let ty = field_type(service, f);
        let docs = docs_or(&f.docs, || format!("The `{}` member.", f.member_name));
        let serde = field_attrs(f, json_body);
        let dep = deprecated_attr(&f.deprecated);
        let schema = schemars_with(service, f, true);
        quote! { #docs #dep #serde #schema pub #fname: #ty, }
    });
    let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    let new_args = required.iter().map(|f| {
        let fname = ident(&f.name.rust);
        let (arg, _) = setter_arg(service, f);
        quote! { #fname: #arg }
    });
    let new_inits = required.iter().map(|f| {
        let fname = ident(&f.name.rust);
        let conv = if f.boxed {
            quote! { Box::new(#fname.into()) }
        } else {
            quote! { #fname.into() }
        };
        quote! { #fname: #conv, }
    });
    let body = if required.is_empty() {
        quote! { Self::default() }
    } else if required.len() < fields.len() {
        quote! { Self { #(#new_inits)* ..Default::default() } }
    } else {
        quote! { Self { #(#new_inits)* #meta_init } }
    };
    let new_doc = if required.is_empty() {
        format!("Creates an empty `{}`; optional members are set with the `set_*` methods.", t.name.rust)
    } else {
        format!(
            "Creates a `{}` from its required members ({}); optional members are set with the `set_*` methods.",
            t.name.rust,
            required.iter().map(|f| format!("`{}`", raw(&f.name.rust))).collect::<Vec<_>>().join(", ")
        )
    };
    let setters = fields.iter().filter(|f| !f.required).map(|f| {
        let fname = ident(&f.name.rust);
        let setter = format_ident!("set_{}", raw(&f.name.rust));
        let (arg, _) = setter_arg(service, f);
        let mut value = quote! { value.into() };
        if f.boxed {
            value = quote! { Box::new(#value) };
        }
        if !f.defaulted {
            value = quote! { Some(#value) };
        }
        let doc = doc_attrs(&format!("Sets [`{}::{}`](Self::{}).", t.name.rust, raw(&f.name.rust), raw(&f.name.rust)));
        quote! {
            #doc
            pub fn #setter(mut self, value: #arg) -> Self {
                self.#fname = #value;
                self
            }
        }
    });
    let debug_impl = redact.then(|| {
        let name_str = &t.name.rust;
        let entries = fields.iter().map(|f| {
            let fname = ident(&f.name.rust);
            let label = raw(&f.name.rust);
            if t.sensitive || f.sensitive {
                quote! { .field(#label, &#rt::wire::Redacted) }
            } else {
                quote! { .field(#label, &self.#fname) }
            }
        });
        quote! {
            impl std::fmt::Debug for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.debug_struct(#name_str) #(#entries)* .finish()
                }
            }
        }
    });
    let new_doc = doc_attrs(&new_doc);
    quote! {
        #docs
        #deprecated
        #derive
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #schema_default
        #[non_exhaustive]
        pub struct #name {
            #(#field_items)*
            #meta_field
        }

        #default_impl

        #object

        #serialize

        impl #name {
            #new_doc
            pub fn new(#(#new_args),*) -> Self {
                #body
            }
            #(#setters)*
            #meta_methods
        }

        #debug_impl
    }
}

/// A Rust expression for a member's modeled (non-zero) default value.
fn default_expr(service: &Service, ty: &TypeRef, v: &serde_json::Value) -> TokenStream {
    let rt = rt(service);
    use serde_json::Value;
    match (ty, v) {
        (TypeRef::Bool, Value::Bool(b)) => quote! { #b },
        (TypeRef::Int { kind, .. }, Value::Number(n)) => {
            let n = n.as_i64().unwrap_or_default();
            let lit = match kind {
                IntKind::I8 => proc_macro2::Literal::i8_suffixed(n as i8),
                IntKind::I16 => proc_macro2::Literal::i16_suffixed(n as i16),
                IntKind::I32 => proc_macro2::Literal::i32_suffixed(n as i32),
                IntKind::I64 => proc_macro2::Literal::i64_suffixed(n),
                IntKind::U32 => proc_macro2::Literal::u32_suffixed(n as u32),
                IntKind::U64 => proc_macro2::Literal::u64_suffixed(n as u64),
            };
            quote! { #lit }
        }
        (TypeRef::Float, Value::Number(n)) => {
            let lit = proc_macro2::Literal::f32_suffixed(n.as_f64().unwrap_or_default() as f32);
            quote! { #lit }
        }
        (TypeRef::Double, Value::Number(n)) => {
            let lit = proc_macro2::Literal::f64_suffixed(n.as_f64().unwrap_or_default());
            quote! { #lit }
        }
        (TypeRef::String, Value::String(x)) => quote! { String::from(#x) },
        (TypeRef::BigNumber, v) => {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            quote! { #rt::BigNumber::new(#text) }
        }
        (TypeRef::Blob, Value::String(b64)) => quote! { #rt::wire::blob_from_base64(#b64) },
        (TypeRef::Timestamp(_), Value::Number(n)) => {
            let text = n.to_string();
            quote! { #rt::DateTime::parse_epoch_seconds(#text).unwrap_or_default() }
        }
        (TypeRef::Timestamp(_), Value::String(x)) => {
            quote! { #rt::DateTime::parse_rfc3339(#x).unwrap_or_default() }
        }
        (TypeRef::Document, v) => {
            let text = v.to_string();
            quote! { #rt::wire::document_from_json(#text) }
        }
        (TypeRef::Named(id), Value::String(x)) if matches!(service.ty(*id).kind, TypeKind::StringEnum(_)) => {
            let name = ident(&service.ty(*id).name.rust);
            quote! { #name::from(#x) }
        }
        (TypeRef::Named(id), Value::Number(n)) if matches!(service.ty(*id).kind, TypeKind::IntEnum(_)) => {
            let name = ident(&service.ty(*id).name.rust);
            let n = n.as_i64().unwrap_or_default() as i32;
            quote! { #name::from(#n) }
        }
        // Empty lists and maps, and values the model gives in a shape that
        // does not fit the type: the type's own default.
        _ => quote! { Default::default() },
    }
}

/// `#[schemars(with = ...)]` for members whose wire form differs from their
/// Rust type's schema (codec members).
fn schemars_with(service: &Service, f: &Field, as_field: bool) -> TokenStream {
    if codec(&f.ty).is_none() || (as_field && f.binding != Binding::Body && service.protocol != Protocol::GoogleRest) {
        return quote! {};
    }
    let mut ty = schema_type(service, &f.ty);
    if as_field && !(f.required || f.defaulted) {
        ty = quote! { Option<#ty> };
    }
    let ty = type_text(&ty);
    quote! { #[cfg_attr(feature = "schemars", schemars(with = #ty))] }
}

/// The argument type of a constructor argument or setter.
fn setter_arg(service: &Service, f: &Field) -> (TokenStream, ()) {
    let inner = rust_type(service, &f.ty);
    (quote! { impl Into<#inner> }, ())
}

fn enum_item(service: &Service, t: &TypeDef, variants: &[EnumVariant], int: bool) -> TokenStream {
    let rt = rt(service);
    let name = ident(&t.name.rust);
    let name_str = &t.name.rust;
    let docs = docs_or(&t.docs, || format!("The `{}` enumeration.", t.name.wire));
    let deprecated = deprecated_attr(&t.deprecated);
    let vnames: Vec<syn::Ident> = variants.iter().map(|v| ident(&v.name.rust)).collect();
    let decls = variants.iter().zip(&vnames).map(|(v, vn)| {
        let docs = docs_or(&v.docs, || format!("`{}`", v.name.wire));
        let dep = deprecated_attr(&v.deprecated);
        quote! { #docs #dep #vn, }
    });
    let (unknown_ty, wire_ty, unknown_doc) = if int {
        (quote! { #rt::UnknownIntVariant }, quote! { i32 }, "A value this version of the SDK does not know; [`Self::value`] returns it.")
    } else {
        (
            quote! { #rt::UnknownVariant },
            quote! { &'static str },
            "A value this version of the SDK does not know; [`Self::as_str`] returns it.",
        )
    };
    let debug = if t.sensitive {
        quote! {
            impl std::fmt::Debug for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    std::fmt::Debug::fmt(&#rt::wire::Redacted, f)
                }
            }
        }
    } else {
        quote! {}
    };
    let derive_debug = (!t.sensitive).then(|| quote! { Debug, });
    let body = if int {
        let values: Vec<i32> = variants.iter().map(|v| v.int_value.unwrap_or_default() as i32).collect();
        let ser = t.usage.input.then(|| {
            quote! {
                impl serde::Serialize for #name {
                    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        s.serialize_i32(self.value())
                    }
                }
            }
        });
        let de = t.usage.output.then(|| {
            quote! {
                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        <i32 as serde::Deserialize>::deserialize(d).map(Self::from)
                    }
                }
            }
        });
        quote! {
            impl #name {
                /// Every value known to this version of the SDK.
                pub const VALUES: &'static [#wire_ty] = &[#(#values),*];
                /// The value as sent on the wire.
                pub fn value(&self) -> i32 {
                    match self {
                        #( Self::#vnames => #values, )*
                        Self::Unknown(v) => v.value(),
                    }
                }
            }
            impl From<i32> for #name {
                fn from(value: i32) -> Self {
                    match value {
                        #( #values => Self::#vnames, )*
                        other => Self::Unknown(#rt::UnknownIntVariant::new(other)),
                    }
                }
            }
            impl Default for #name {
                /// The unknown value 0 (what a missing required member decodes to).
                fn default() -> Self {
                    Self::from(0)
                }
            }
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    std::fmt::Display::fmt(&self.value(), f)
                }
            }
            #ser
            #de
            #[cfg(feature = "schemars")]
            impl schemars::JsonSchema for #name {
                fn schema_name() -> std::borrow::Cow<'static, str> {
                    #name_str.into()
                }
                fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                    #rt::wire::int_enum_schema(Self::VALUES)
                }
            }
        }
    } else {
        let values: Vec<&str> = variants.iter().map(|v| v.name.wire.as_str()).collect();
        let ser = t.usage.input.then(|| {
            quote! {
                impl serde::Serialize for #name {
                    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        s.serialize_str(self.as_str())
                    }
                }
            }
        });
        let de = t.usage.output.then(|| {
            quote! {
                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        <String as serde::Deserialize>::deserialize(d).map(|s| Self::from(s.as_str()))
                    }
                }
            }
        });
        quote! {
            impl #name {
                /// Every value known to this version of the SDK, as sent on the wire.
                pub const VALUES: &'static [#wire_ty] = &[#(#values),*];
                /// The value as sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#vnames => #values, )*
                        Self::Unknown(v) => v.as_str(),
                    }
                }
            }
            impl From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #( #values => Self::#vnames, )*
                        other => Self::Unknown(#rt::UnknownVariant::new(other.to_owned())),
                    }
                }
            }
            impl Default for #name {
                /// The unknown empty value (what a missing required member decodes to).
                fn default() -> Self {
                    Self::Unknown(#rt::UnknownVariant::new(String::new()))
                }
            }
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
            #ser
            #de
            #[cfg(feature = "schemars")]
            impl schemars::JsonSchema for #name {
                fn schema_name() -> std::borrow::Cow<'static, str> {
                    #name_str.into()
                }
                fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                    #rt::wire::string_enum_schema(Self::VALUES)
                }
            }
        }
    };
    let unknown_doc = doc_attrs(unknown_doc);
    quote! {
        #docs
        #deprecated
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, #derive_debug)]
        #[non_exhaustive]
        pub enum #name {
            #(#decls)*
            #unknown_doc
            Unknown(#unknown_ty),
        }
        #body
        #debug
    }
}

fn union_item(service: &Service, t: &TypeDef, variants: &[Field]) -> TokenStream {
    let rt = rt(service);
    let name = ident(&t.name.rust);
    let name_str = &t.name.rust;
    let docs = docs_or(&t.docs, || format!("The `{}` union: exactly one member is set.", t.name.wire));
    let deprecated = deprecated_attr(&t.deprecated);
    let redact = t.sensitive || variants.iter().any(|f| f.sensitive);
    let vnames: Vec<syn::Ident> = variants.iter().map(|v| ident(&v.name.rust)).collect();
    let decls = variants.iter().zip(&vnames).map(|(v, vn)| {
        let docs = docs_or(&v.docs, || format!("The `{}` member.", v.member_name));
        let dep = deprecated_attr(&v.deprecated);
        let wire = &v.name.wire;
        let mut ty = rust_type(service, &v.ty);
        if v.boxed {
            ty = quote! { Box<#ty> };
        }
        let with = codec(&v.ty).map(|c| {
            let c = runtime_item(service, &format!("{}::serialize", c.module));
            quote! { , serialize_with = #c }
        });
        let schema = schemars_with(service, v, false);
        quote! { #docs #dep #[serde(rename = #wire #with)] #schema #vn(#ty), }
    });
    // Unions always derive `Serialize`: its attributes carry the wire names
    // that the schemars derive reads too.
    let debug = (!redact).then(|| quote! { Debug, });
    let de = t.usage.output.then(|| {
        let arms = variants.iter().zip(&vnames).map(|(v, vn)| {
            let wire = &v.name.wire;
            let read = match codec(&v.ty) {
                Some(c) => {
                    let marker = format_ident!("{}", c.marker);
                    let mut ty = rust_type(service, &v.ty);
                    if v.boxed {
                        ty = quote! { Box<#ty> };
                    }
                    quote! { wire::encoded::<_, Option<#ty>, _>(wire::#marker, m)? }
                }
                None => quote! { wire::optional(m)? },
            };
            quote! { #wire => #read.map(Self::#vn), }
        });
        quote! {
            impl wire::Union for #name {
                fn read<'de, A: de::MapAccess<'de>>(key: &str, m: &mut A) -> Result<Option<Option<Self>>, A::Error> {
                    Ok(Some(match key {
                        #(#arms)*
                        _ => return Ok(None),
                    }))
                }

                fn unknown(tag: String) -> Self {
                    Self::Unknown(#rt::UnknownVariant::new(tag))
                }
            }

            impl<'de> serde::Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    wire::deserialize_union(d, #name_str)
                }
            }
        }
    });
    let debug_impl = redact.then(|| {
        let arms = variants.iter().zip(&vnames).map(|(v, vn)| {
            let label = vn.to_string();
            if t.sensitive || v.sensitive {
                quote! { Self::#vn(_) => f.debug_tuple(#label).field(&#rt::wire::Redacted).finish(), }
            } else {
                quote! { Self::#vn(v) => f.debug_tuple(#label).field(v).finish(), }
            }
        });
        quote! {
            impl std::fmt::Debug for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    match self {
                        #(#arms)*
                        Self::Unknown(v) => f.debug_tuple("Unknown").field(v).finish(),
                    }
                }
            }
        }
    });
    quote! {
        #docs
        #deprecated
        #[derive(Clone, PartialEq, #debug serde::Serialize)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[non_exhaustive]
        pub enum #name {
            #(#decls)*
            /// A member this version of the SDK does not know (its name is kept);
            /// it cannot be sent.
            #[serde(skip)]
            Unknown(#rt::UnknownVariant),
        }
        impl Default for #name {
            /// An unknown, empty member (what a missing required union decodes to).
            fn default() -> Self {
                Self::Unknown(#rt::UnknownVariant::new(String::new()))
            }
        }
        #de
        #debug_impl
    }
}
