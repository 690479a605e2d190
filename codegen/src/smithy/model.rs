//! Smithy JSON AST (1.0 and 2.0) into typed shapes and traits.
//!
//! `apply` statements and mixins are resolved on the JSON first, so the typed
//! parse sees flattened shapes. Traits the generator needs are parsed into
//! [`Traits`] with type checks; other traits are ignored.

use crate::diagnostics::{At, Result, SpecError, parse_json};
use crate::ir::{Deprecation, Protocol, TimestampFormat};
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// A parsed Smithy model.
#[derive(Debug, Clone)]
pub struct Model {
    /// The file the model was read from.
    pub file: String,
    /// Shapes by absolute shape id, in document order.
    pub shapes: IndexMap<String, Shape>,
}

/// The kind of a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ShapeKind {
    Blob,
    Boolean,
    String,
    Byte,
    Short,
    Integer,
    Long,
    Float,
    Double,
    BigInteger,
    BigDecimal,
    Timestamp,
    Document,
    Enum,
    IntEnum,
    List,
    Set,
    Map,
    Structure,
    Union,
    Operation,
    Resource,
    Service,
}

impl ShapeKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "blob" => Self::Blob,
            "boolean" => Self::Boolean,
            "string" => Self::String,
            "byte" => Self::Byte,
            "short" => Self::Short,
            "integer" => Self::Integer,
            "long" => Self::Long,
            "float" => Self::Float,
            "double" => Self::Double,
            "bigInteger" => Self::BigInteger,
            "bigDecimal" => Self::BigDecimal,
            "timestamp" => Self::Timestamp,
            "document" => Self::Document,
            "enum" => Self::Enum,
            "intEnum" => Self::IntEnum,
            "list" => Self::List,
            "set" => Self::Set,
            "map" => Self::Map,
            "structure" => Self::Structure,
            "union" => Self::Union,
            "operation" => Self::Operation,
            "resource" => Self::Resource,
            "service" => Self::Service,
            _ => return None,
        })
    }
}

/// A shape with its members, references and traits.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Absolute shape id, `namespace#Name`.
    pub id: String,
    /// Shape type.
    pub kind: ShapeKind,
    /// Traits of the shape.
    pub traits: Traits,
    /// Members: structure/union/enum members; `member` of lists; `key` and
    /// `value` of maps.
    pub members: Vec<Member>,
    /// Operation input/output, service version etc.
    pub refs: Refs,
}

/// A member of an aggregate shape.
#[derive(Debug, Clone)]
pub struct Member {
    /// Member name.
    pub name: String,
    /// Target shape id.
    pub target: String,
    /// Member traits.
    pub traits: Traits,
}

/// Shape references of operations, resources and services.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    /// Operation input.
    pub input: Option<String>,
    /// Operation output.
    pub output: Option<String>,
    /// Operation or service errors.
    pub errors: Vec<String>,
    /// Service version.
    pub version: Option<String>,
    /// Service/resource operations, resource lifecycle operations, in
    /// model order (create, put, read, update, delete, list, operations,
    /// collectionOperations).
    pub operations: Vec<String>,
    /// Service/resource child resources.
    pub resources: Vec<String>,
}

/// A 1.0 `@enum` trait entry.
#[derive(Debug, Clone)]
pub struct EnumDefinition {
    /// Wire value.
    pub value: String,
    /// Symbolic name.
    pub name: Option<String>,
    /// Documentation.
    pub documentation: Option<String>,
    /// Deprecated value.
    pub deprecated: bool,
}

/// An `@enumValue`.
#[derive(Debug, Clone, PartialEq)]
pub enum EnumValue {
    /// String enum value.
    Str(String),
    /// Int enum value.
    Int(i64),
}

/// `@http`.
#[derive(Debug, Clone)]
pub struct HttpTrait {
    /// Method.
    pub method: String,
    /// URI template.
    pub uri: String,
    /// Success code.
    pub code: u16,
}

/// `@paginated`.
#[derive(Debug, Clone, Default)]
pub struct PaginatedTrait {
    /// `inputToken`.
    pub input_token: Option<String>,
    /// `outputToken`.
    pub output_token: Option<String>,
    /// `items`.
    pub items: Option<String>,
    /// `pageSize`.
    pub page_size: Option<String>,
}

/// `aws.api#service`.
#[derive(Debug, Clone, Default)]
pub struct AwsServiceTrait {
    /// `sdkId`.
    pub sdk_id: String,
    /// `endpointPrefix`.
    pub endpoint_prefix: Option<String>,
}

/// The traits the generator uses, typed.
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct Traits {
    pub documentation: Option<String>,
    pub title: Option<String>,
    pub required: bool,
    pub default: Option<Value>,
    pub client_optional: bool,
    pub sensitive: bool,
    pub enum_def: Option<Vec<EnumDefinition>>,
    pub enum_value: Option<EnumValue>,
    pub json_name: Option<String>,
    pub timestamp_format: Option<TimestampFormat>,
    pub http: Option<HttpTrait>,
    pub http_label: bool,
    pub http_query: Option<String>,
    pub http_query_params: bool,
    pub http_header: Option<String>,
    pub http_prefix_headers: Option<String>,
    pub http_payload: bool,
    pub http_response_code: bool,
    /// `client` or `server`.
    pub error: Option<String>,
    pub http_error: Option<u16>,
    /// `Some(throttling)`.
    pub retryable: Option<bool>,
    pub idempotency_token: bool,
    pub idempotent: bool,
    pub readonly: bool,
    pub paginated: Option<PaginatedTrait>,
    pub deprecated: Option<Deprecation>,
    pub length: Option<(Option<f64>, Option<f64>)>,
    pub range: Option<(Option<f64>, Option<f64>)>,
    pub pattern: Option<String>,
    pub streaming: bool,
    pub sparse: bool,
    pub media_type: Option<String>,
    pub input: bool,
    pub output: bool,
    pub mixin: bool,
    pub aws_service: Option<AwsServiceTrait>,
    pub sigv4_name: Option<String>,
    pub protocol: Option<Protocol>,
    pub endpoint_rule_set: Option<Value>,
    pub endpoint_tests: Option<Value>,
    /// `@endpoint(hostPrefix)`.
    pub host_prefix: Option<String>,
    pub host_label: bool,
    pub http_checksum_required: bool,
    /// `@requestCompression(encodings)`.
    pub request_compression: Option<Vec<String>>,
    /// `@xmlName`.
    pub xml_name: Option<String>,
    /// `@xmlFlattened`.
    pub xml_flattened: bool,
    /// `@xmlAttribute`.
    pub xml_attribute: bool,
    /// `@xmlNamespace(uri, prefix)`.
    pub xml_namespace: Option<(String, Option<String>)>,
    /// `aws.protocols#ec2QueryName`.
    pub ec2_query_name: Option<String>,
    /// `aws.protocols#awsQueryCompatible` (on a service).
    pub aws_query_compatible: bool,
    /// `smithy.rules#contextParam` (on an input member): the endpoint
    /// rules parameter the member's value sets.
    pub context_param: Option<String>,
    /// `smithy.rules#staticContextParams` (on an operation): endpoint rules
    /// parameters the operation always sets (name, string or boolean).
    pub static_context_params: Vec<(String, Value)>,
    /// `aws.protocols#awsQueryError(code, httpResponseCode)`.
    pub aws_query_error: Option<(String, u16)>,
    /// `smithy.test#httpRequestTests`, kept as JSON for generated tests.
    pub request_tests: Option<Value>,
    /// `smithy.test#httpResponseTests`, kept as JSON for generated tests.
    pub response_tests: Option<Value>,
}

impl Traits {
    fn parse(at: &At<'_>) -> Result<Traits> {
        let mut t = Traits::default();
        for (id, v) in at.entries()? {
            match id {
                "smithy.api#documentation" => t.documentation = Some(v.str()?.to_owned()),
                "smithy.api#title" => t.title = Some(v.str()?.to_owned()),
                "smithy.api#required" => t.required = true,
                "smithy.api#default" => t.default = Some(v.value.clone()),
                "smithy.api#clientOptional" => t.client_optional = true,
                "smithy.api#sensitive" => t.sensitive = true,
                "smithy.api#enum" => {
                    let mut defs = Vec::new();
                    for item in v.items()? {
                        defs.push(EnumDefinition {
                            value: item.req_str("value")?,
                            name: item.opt_str("name")?,
                            documentation: item.opt_str("documentation")?,
                            deprecated: item.flag("deprecated")?,
                        });
                    }
                    t.enum_def = Some(defs);
                }
                "smithy.api#enumValue" => {
                    t.enum_value = Some(match v.value {
                        Value::String(s) => EnumValue::Str(s.clone()),
                        Value::Number(n) => EnumValue::Int(n.as_i64().ok_or_else(|| v.error("enum value must be an integer"))?),
                        _ => return Err(v.expected("a string or an integer")),
                    })
                }
                "smithy.api#jsonName" => t.json_name = Some(v.str()?.to_owned()),
                "smithy.api#timestampFormat" => {
                    t.timestamp_format = Some(match v.str()? {
                        "epoch-seconds" => TimestampFormat::EpochSeconds,
                        "date-time" => TimestampFormat::DateTime,
                        "http-date" => TimestampFormat::HttpDate,
                        other => return Err(v.error(format!("unknown timestamp format `{other}`"))),
                    })
                }
                "smithy.api#http" => {
                    let code = match v.get("code") {
                        Some(c) => u16::try_from(c.u64()?).map_err(|_| c.error("HTTP status out of range"))?,
                        None => 200,
                    };
                    t.http = Some(HttpTrait { method: v.req_str("method")?, uri: v.req_str("uri")?, code });
                }
                "smithy.api#httpLabel" => t.http_label = true,
                "smithy.api#httpQuery" => t.http_query = Some(v.str()?.to_owned()),
                "smithy.api#httpQueryParams" => t.http_query_params = true,
                "smithy.api#httpHeader" => t.http_header = Some(v.str()?.to_owned()),
                "smithy.api#httpPrefixHeaders" => t.http_prefix_headers = Some(v.str()?.to_owned()),
                "smithy.api#httpPayload" => t.http_payload = true,
                "smithy.api#httpResponseCode" => t.http_response_code = true,
                "smithy.api#error" => {
                    let s = v.str()?;
                    if s != "client" && s != "server" {
                        return Err(v.error(format!("error must be \"client\" or \"server\", found \"{s}\"")));
                    }
                    t.error = Some(s.to_owned());
                }
                "smithy.api#httpError" => t.http_error = Some(u16::try_from(v.u64()?).map_err(|_| v.error("HTTP status out of range"))?),
                "smithy.api#retryable" => t.retryable = Some(v.flag("throttling")?),
                "smithy.api#idempotencyToken" => t.idempotency_token = true,
                "smithy.api#idempotent" => t.idempotent = true,
                "smithy.api#readonly" => t.readonly = true,
                "smithy.api#paginated" => {
                    t.paginated = Some(PaginatedTrait {
                        input_token: v.opt_str("inputToken")?,
                        output_token: v.opt_str("outputToken")?,
                        items: v.opt_str("items")?,
                        page_size: v.opt_str("pageSize")?,
                    })
                }
                "smithy.api#deprecated" => t.deprecated = Some(Deprecation { message: v.opt_str("message")?, since: v.opt_str("since")? }),
                "smithy.api#length" | "smithy.api#range" => {
                    let bound = |k: &str| v.get(k).map(|b| b.f64()).transpose();
                    let pair = Some((bound("min")?, bound("max")?));
                    if id == "smithy.api#length" { t.length = pair } else { t.range = pair }
                }
                "smithy.api#pattern" => t.pattern = Some(v.str()?.to_owned()),
                "smithy.api#streaming" => t.streaming = true,
                "smithy.api#sparse" => t.sparse = true,
                "smithy.api#mediaType" => t.media_type = Some(v.str()?.to_owned()),
                "smithy.api#input" => t.input = true,
                "smithy.api#output" => t.output = true,
                "smithy.api#mixin" => t.mixin = true,
                "aws.api#service" => {
                    t.aws_service = Some(AwsServiceTrait { sdk_id: v.req_str("sdkId")?, endpoint_prefix: v.opt_str("endpointPrefix")? })
                }
                "aws.auth#sigv4" => t.sigv4_name = Some(v.req_str("name")?),
                "aws.protocols#awsJson1_0" => t.protocol = Some(Protocol::AwsJson1_0),
                "aws.protocols#awsJson1_1" => t.protocol = Some(Protocol::AwsJson1_1),
                "aws.protocols#restJson1" => t.protocol = Some(Protocol::RestJson1),
                "aws.protocols#awsQuery" => t.protocol = t.protocol.or(Some(Protocol::AwsQuery)),
                "aws.protocols#ec2Query" => t.protocol = t.protocol.or(Some(Protocol::Ec2Query)),
                "aws.protocols#restXml" => t.protocol = t.protocol.or(Some(Protocol::RestXml)),
                "smithy.protocols#rpcv2Cbor" => t.protocol = t.protocol.or(Some(Protocol::RpcV2Cbor)),
                "smithy.rules#endpointRuleSet" => {
                    v.entries()?;
                    t.endpoint_rule_set = Some(v.value.clone())
                }
                "smithy.rules#endpointTests" => {
                    v.entries()?;
                    t.endpoint_tests = Some(v.value.clone())
                }
                "smithy.api#endpoint" => t.host_prefix = Some(v.req_str("hostPrefix")?),
                "smithy.api#hostLabel" => t.host_label = true,
                "smithy.api#httpChecksumRequired" => t.http_checksum_required = true,
                "smithy.api#requestCompression" => {
                    let mut encodings = Vec::new();
                    if let Some(list) = v.get("encodings") {
                        for e in list.items()? {
                            encodings.push(e.str()?.to_owned());
                        }
                    }
                    t.request_compression = Some(encodings);
                }
                "smithy.api#xmlName" => t.xml_name = Some(v.str()?.to_owned()),
                "smithy.api#xmlFlattened" => t.xml_flattened = true,
                "smithy.api#xmlAttribute" => t.xml_attribute = true,
                "smithy.api#xmlNamespace" => t.xml_namespace = Some((v.req_str("uri")?, v.opt_str("prefix")?)),
                "aws.protocols#ec2QueryName" => t.ec2_query_name = Some(v.str()?.to_owned()),
                "aws.protocols#awsQueryCompatible" => t.aws_query_compatible = true,
                "smithy.rules#contextParam" => t.context_param = Some(v.req_str("name")?),
                "smithy.rules#staticContextParams" => {
                    for (name, param) in v.entries()? {
                        let value = param.get("value").ok_or_else(|| param.error("a static context parameter needs a `value`"))?;
                        match value.value {
                            Value::String(_) | Value::Bool(_) => t.static_context_params.push((name.to_owned(), value.value.clone())),
                            _ => return Err(value.expected("a string or a boolean")),
                        }
                    }
                }
                "aws.protocols#awsQueryError" => {
                    let status = v.get("httpResponseCode").ok_or_else(|| v.error("awsQueryError needs httpResponseCode"))?;
                    let status = u16::try_from(status.u64()?).map_err(|_| status.error("HTTP status out of range"))?;
                    t.aws_query_error = Some((v.req_str("code")?, status));
                }
                "smithy.test#httpRequestTests" => {
                    v.items()?;
                    t.request_tests = Some(v.value.clone())
                }
                "smithy.test#httpResponseTests" => {
                    v.items()?;
                    t.response_tests = Some(v.value.clone())
                }
                _ => {}
            }
        }
        Ok(t)
    }
}

/// Built-in prelude shapes (`smithy.api#String`, ...): their kind, and
/// whether they are 1.0 "primitive" (non-nullable, zero default).
pub fn prelude(id: &str) -> Option<(ShapeKind, bool)> {
    let name = id.strip_prefix("smithy.api#")?;
    let (name, primitive) = match name.strip_prefix("Primitive") {
        Some(rest) => (rest, true),
        None => (name, false),
    };
    let kind = match name {
        "Blob" => ShapeKind::Blob,
        "Boolean" => ShapeKind::Boolean,
        "String" => ShapeKind::String,
        "Byte" => ShapeKind::Byte,
        "Short" => ShapeKind::Short,
        "Integer" => ShapeKind::Integer,
        "Long" => ShapeKind::Long,
        "Float" => ShapeKind::Float,
        "Double" => ShapeKind::Double,
        "BigInteger" => ShapeKind::BigInteger,
        "BigDecimal" => ShapeKind::BigDecimal,
        "Timestamp" => ShapeKind::Timestamp,
        "Document" => ShapeKind::Document,
        "Unit" => ShapeKind::Structure,
        _ => return None,
    };
    Some((kind, primitive))
}

/// The unit shape (no input / no output).
pub const UNIT: &str = "smithy.api#Unit";

impl Model {
    /// Reads a Smithy JSON AST model from bytes.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Model> {
        let mut doc = parse_json(file, bytes)?;
        flatten(file, &mut doc)?;
        let root = At::root(file, &doc);
        let version = root.opt_str("smithy")?;
        if let Some(v) = &version {
            if !(v.starts_with("1.") || v.starts_with("2.") || v == "1" || v == "2") {
                return Err(root.req("smithy")?.error(format!("unsupported Smithy version `{v}`")));
            }
        } else {
            return Err(root.error("missing required key `smithy` (not a Smithy JSON AST model?)"));
        }
        let mut shapes = IndexMap::new();
        if let Some(s) = root.get("shapes") {
            for (id, at) in s.entries()? {
                if !id.contains('#') {
                    return Err(at.error(format!("shape id `{id}` is not absolute (`namespace#Name`)")));
                }
                if let Some(shape) = parse_shape(id, &at)? {
                    shapes.insert(id.to_owned(), shape);
                }
            }
        }
        let model = Model { file: file.to_owned(), shapes };
        model.check_targets(&doc)?;
        Ok(model)
    }

    /// Kind of a shape id, including prelude shapes.
    pub fn kind(&self, id: &str) -> Option<ShapeKind> {
        self.shapes.get(id).map(|s| s.kind).or_else(|| prelude(id).map(|p| p.0))
    }

    fn check_targets(&self, doc: &Value) -> Result<()> {
        let root = At::root(&self.file, doc);
        let Some(shapes) = root.get("shapes") else { return Ok(()) };
        for (id, at) in shapes.entries()? {
            let check = |holder: &At<'_>| -> Result<()> {
                let Some(t) = holder.get("target") else { return Ok(()) };
                let target = t.str()?;
                if self.kind(target).is_some() {
                    Ok(())
                } else {
                    Err(t.error(format!("shape `{id}` refers to `{target}`, which is not defined")))
                }
            };
            for key in ["member", "key", "value", "input", "output", "create", "put", "read", "update", "delete", "list"] {
                if let Some(holder) = at.get(key) {
                    check(&holder)?;
                }
            }
            if let Some(ms) = at.get("members") {
                for (_, m) in ms.entries()? {
                    check(&m)?;
                }
            }
            for key in ["errors", "operations", "collectionOperations", "resources"] {
                if let Some(list) = at.get(key) {
                    for item in list.items()? {
                        check(&item)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn parse_shape(id: &str, at: &At<'_>) -> Result<Option<Shape>> {
    let ty = at.req("type")?;
    let ty_name = ty.str()?;
    if ty_name == "apply" {
        return Ok(None);
    }
    let Some(kind) = ShapeKind::parse(ty_name) else {
        return Err(ty.error(format!("unknown shape type `{ty_name}`")));
    };
    let traits = match at.get("traits") {
        Some(t) => Traits::parse(&t)?,
        None => Traits::default(),
    };
    let mut members = Vec::new();
    let member = |name: &str, m: &At<'_>| -> Result<Member> {
        Ok(Member {
            name: name.to_owned(),
            target: m.req_str("target")?,
            traits: match m.get("traits") {
                Some(t) => Traits::parse(&t)?,
                None => Traits::default(),
            },
        })
    };
    match kind {
        ShapeKind::List | ShapeKind::Set => members.push(member("member", &at.req("member")?)?),
        ShapeKind::Map => {
            members.push(member("key", &at.req("key")?)?);
            members.push(member("value", &at.req("value")?)?);
        }
        ShapeKind::Structure | ShapeKind::Union | ShapeKind::Enum | ShapeKind::IntEnum => {
            if let Some(ms) = at.get("members") {
                for (name, m) in ms.entries()? {
                    members.push(member(name, &m)?);
                }
            }
        }
        _ => {}
    }
    let target_of = |key: &str| -> Result<Option<String>> { at.get(key).map(|t| t.req_str("target")).transpose() };
    let targets_of = |key: &str| -> Result<Vec<String>> {
        match at.get(key) {
            Some(list) => list.items()?.iter().map(|i| i.req_str("target")).collect(),
            None => Ok(Vec::new()),
        }
    };
    let mut refs = Refs::default();
    match kind {
        ShapeKind::Operation => {
            refs.input = target_of("input")?;
            refs.output = target_of("output")?;
            refs.errors = targets_of("errors")?;
        }
        ShapeKind::Service | ShapeKind::Resource => {
            refs.version = at.opt_str("version")?;
            for key in ["create", "put", "read", "update", "delete", "list"] {
                refs.operations.extend(target_of(key)?);
            }
            refs.operations.extend(targets_of("operations")?);
            refs.operations.extend(targets_of("collectionOperations")?);
            refs.resources = targets_of("resources")?;
            refs.errors = targets_of("errors")?;
        }
        _ => {}
    }
    Ok(Some(Shape { id: id.to_owned(), kind, traits, members, refs }))
}

/// Resolves `apply` statements and mixins on the raw JSON.
fn flatten(file: &str, doc: &mut Value) -> Result<()> {
    let Some(shapes) = doc.get_mut("shapes").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    // apply: merge traits into the target shape or member.
    let applies: Vec<(String, Map<String, Value>)> = shapes
        .iter()
        .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("apply"))
        .filter_map(|(id, s)| Some((id.clone(), s.get("traits")?.as_object()?.clone())))
        .collect();
    for (target, traits) in applies {
        let (shape_id, member) = match target.split_once('$') {
            Some((s, m)) => (s.to_owned(), Some(m.to_owned())),
            None => (target.clone(), None),
        };
        let Some(shape) = shapes.get_mut(&shape_id) else {
            return Err(SpecError {
                file: file.to_owned(),
                path: format!("$.shapes[{}]", Value::String(target.clone())),
                message: format!("`apply` targets `{target}`, which is not defined"),
            });
        };
        let node = match &member {
            Some(m) => shape.get_mut("members").and_then(|ms| ms.get_mut(m.as_str())),
            None => Some(shape),
        };
        if let Some(Value::Object(obj)) = node {
            let entry = obj.entry("traits").or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(t) = entry {
                t.extend(traits);
            }
        }
    }
    // mixins: copy members and traits of mixins into the shapes using them.
    let ids: Vec<String> = shapes.keys().cloned().collect();
    for id in ids {
        let mut seen = Vec::new();
        let (members, traits) = collect_mixins(shapes, &id, &mut seen);
        if members.is_empty() && traits.is_empty() {
            continue;
        }
        if let Some(Value::Object(obj)) = shapes.get_mut(&id) {
            let own_members = obj.remove("members").and_then(|m| m.as_object().cloned()).unwrap_or_default();
            let mut merged = members;
            merged.extend(own_members);
            obj.insert("members".into(), Value::Object(merged));
            let own_traits = obj.remove("traits").and_then(|m| m.as_object().cloned()).unwrap_or_default();
            let mut t = traits;
            t.extend(own_traits);
            obj.insert("traits".into(), Value::Object(t));
        }
    }
    Ok(())
}

fn collect_mixins(shapes: &Map<String, Value>, id: &str, seen: &mut Vec<String>) -> (Map<String, Value>, Map<String, Value>) {
    let mut members = Map::new();
    let mut traits = Map::new();
    let Some(mixins) = shapes.get(id).and_then(|s| s.get("mixins")).and_then(Value::as_array) else {
        return (members, traits);
    };
    for m in mixins {
        let Some(mid) = m.get("target").and_then(Value::as_str) else { continue };
        if seen.iter().any(|s| s == mid) {
            continue;
        }
        seen.push(mid.to_owned());
        let (inner_m, inner_t) = collect_mixins(shapes, mid, seen);
        members.extend(inner_m);
        traits.extend(inner_t);
        if let Some(mixin) = shapes.get(mid) {
            if let Some(ms) = mixin.get("members").and_then(Value::as_object) {
                members.extend(ms.clone());
            }
            if let Some(ts) = mixin.get("traits").and_then(Value::as_object) {
                traits.extend(ts.iter().filter(|(k, _)| *k != "smithy.api#mixin").map(|(k, v)| (k.clone(), v.clone())));
            }
        }
    }
    (members, traits)
}
