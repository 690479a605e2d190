//! Smithy model -> IR: service closure (operations and resources, recursively),
//! type closure with usage directions, names, bindings and encodings.

use super::model::{Member, Model, Shape, ShapeKind, Traits, UNIT, prelude};
use crate::diagnostics::{Result, SpecError};
use crate::docs::html_to_markdown;
use crate::ir::*;
use crate::names::{self, Scope};
use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

/// Lowers the service `service_id` (or the only service) of `model`.
pub fn lower(model: &Model, service_id: Option<&str>) -> Result<Service> {
    let service = find_service(model, service_id)?;
    let mut cx = Lowering { model, service, protocol: service.traits.protocol.unwrap_or(Protocol::Unknown), op_inputs: IndexSet::new() };
    let inputs: IndexSet<String> =
        cx.operations()?.iter().filter_map(|op| model.shapes.get(op).and_then(|s| s.refs.input.clone())).collect();
    cx.op_inputs = inputs;
    cx.run()
}

fn find_service<'m>(model: &'m Model, service_id: Option<&str>) -> Result<&'m Shape> {
    let err = |message: String| SpecError { file: model.file.clone(), path: "$.shapes".into(), message };
    match service_id {
        Some(id) => match model.shapes.get(id) {
            Some(s) if s.kind == ShapeKind::Service => Ok(s),
            Some(_) => Err(err(format!("`{id}` is not a service shape"))),
            None => Err(err(format!("no service shape `{id}` in the model"))),
        },
        None => {
            let services: Vec<&Shape> = model.shapes.values().filter(|s| s.kind == ShapeKind::Service).collect();
            match services.as_slice() {
                [one] => Ok(one),
                [] => Err(err("the model defines no service shape".into())),
                many => Err(err(format!(
                    "the model defines {} services ({}); name the one to generate",
                    many.len(),
                    many.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
                ))),
            }
        }
    }
}

struct Lowering<'m> {
    model: &'m Model,
    service: &'m Shape,
    protocol: Protocol,
    /// Shape ids of operation inputs (top-level input structures).
    op_inputs: IndexSet<String>,
}

fn local_name(id: &str) -> &str {
    id.rsplit_once('#').map_or(id, |(_, n)| n)
}

fn shape_path(id: &str) -> String {
    format!("$.shapes[{}]", Value::String(id.to_owned()))
}

fn member_path(id: &str, member: &str) -> String {
    format!("{}.members[{}]", shape_path(id), Value::String(member.to_owned()))
}

/// Whether a shape becomes a named Rust type.
fn is_named(shape: &Shape) -> bool {
    match shape.kind {
        ShapeKind::Structure | ShapeKind::Union | ShapeKind::Enum | ShapeKind::IntEnum => true,
        ShapeKind::String => shape.traits.enum_def.is_some(),
        _ => false,
    }
}

fn docs(traits: &Traits) -> String {
    traits.documentation.as_deref().map(html_to_markdown).unwrap_or_default()
}

impl<'m> Lowering<'m> {
    fn err(&self, path: String, message: String) -> SpecError {
        SpecError { file: self.model.file.clone(), path, message }
    }

    fn shape(&self, id: &str) -> Option<&'m Shape> {
        self.model.shapes.get(id)
    }

    fn run(&self) -> Result<Service> {
        let op_ids = self.operations()?;
        // Roots of the type closure, split by direction.
        let mut input_roots = Vec::new();
        let mut output_roots = Vec::new();
        let service_errors = &self.service.refs.errors;
        for id in &op_ids {
            let op = &self.model.shapes[id];
            input_roots.extend(op.refs.input.iter().filter(|t| *t != UNIT).cloned());
            output_roots.extend(op.refs.output.iter().filter(|t| *t != UNIT).cloned());
            output_roots.extend(op.refs.errors.iter().cloned());
        }
        output_roots.extend(service_errors.iter().cloned());
        let input_reach = self.reach(&input_roots);
        let output_reach = self.reach(&output_roots);

        // Named types, names claimed in shape-id order, arena in Rust-name order.
        let mut named: Vec<&str> = input_reach
            .iter()
            .chain(output_reach.iter())
            .map(String::as_str)
            .filter(|id| self.shape(id).is_some_and(is_named))
            .collect::<IndexSet<_>>()
            .into_iter()
            .collect();
        named.sort_unstable();
        let mut scope = Scope::default();
        let mut rust_names: Vec<(String, &str)> = named.iter().map(|id| (scope.claim(names::type_ident(local_name(id))), *id)).collect();
        rust_names.sort();
        let ids: IndexMap<&str, TypeId> = rust_names.iter().enumerate().map(|(i, (_, id))| (*id, TypeId(i))).collect();

        let mut types = Vec::with_capacity(rust_names.len());
        for (rust, id) in &rust_names {
            let shape = &self.model.shapes[*id];
            let usage = Usage { input: input_reach.contains(*id), output: output_reach.contains(*id) };
            types.push(self.type_def(shape, rust.clone(), usage, &ids)?);
        }

        let mut op_scope = Scope::default();
        let mut operations = Vec::new();
        for id in &op_ids {
            operations.push(self.operation(&self.model.shapes[id], &ids, &types, &mut op_scope)?);
        }
        operations.sort_by(|a, b| a.name.rust.cmp(&b.name.rust));

        let t = &self.service.traits;
        let aws_service = t.aws_service.clone().unwrap_or_default();
        let sdk_id = if aws_service.sdk_id.is_empty() { local_name(&self.service.id).to_owned() } else { aws_service.sdk_id };
        let short_name: String = sdk_id.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
        let spec_type_count = types.len();
        Ok(Service {
            short_name,
            title: t.title.clone().unwrap_or_else(|| sdk_id.clone()),
            docs: docs(t),
            version: self.service.refs.version.clone().unwrap_or_default(),
            protocol: self.protocol,
            source_id: self.service.id.clone(),
            provider: ProviderMeta::Aws(AwsMeta {
                endpoint_prefix: aws_service.endpoint_prefix.unwrap_or_else(|| sdk_id.to_lowercase()),
                signing_name: t.sigv4_name.clone().unwrap_or_default(),
                target_prefix: local_name(&self.service.id).to_owned(),
                query_compatible: t.aws_query_compatible,
                s3_signing: false,
                literal_paths: false,
                credential_calls: true,
                static_headers: Vec::new(),
                endpoint_rules: t.endpoint_rule_set.clone(),
                endpoint_tests: endpoint_tests(
                    &t.endpoint_tests,
                    &format!("{}.traits[\"smithy.rules#endpointTests\"].testCases", shape_path(&self.service.id)),
                    &|path, message| self.err(path, message),
                )?,
                sdk_id,
            }),
            operations,
            types,
            spec_type_count,
            readers: Default::default(),
            resources: Default::default(),
        })
    }

    /// Operation ids bound to the service and its resources, recursively.
    fn operations(&self) -> Result<Vec<String>> {
        let mut ops = IndexSet::new();
        let mut seen_resources = IndexSet::new();
        let mut stack = vec![self.service];
        while let Some(container) = stack.pop() {
            for op in &container.refs.operations {
                match self.shape(op) {
                    Some(s) if s.kind == ShapeKind::Operation => {
                        ops.insert(op.clone());
                    }
                    _ => {
                        return Err(self.err(shape_path(&container.id), format!("`{op}` is bound as an operation but is not one")));
                    }
                }
            }
            for r in container.refs.resources.iter().rev() {
                match self.shape(r) {
                    Some(s) if s.kind == ShapeKind::Resource => {
                        if seen_resources.insert(r.clone()) {
                            stack.push(s);
                        }
                    }
                    _ => {
                        return Err(self.err(shape_path(&container.id), format!("`{r}` is bound as a resource but is not one")));
                    }
                }
            }
        }
        Ok(ops.into_iter().collect())
    }

    /// Every shape id reachable from `roots` through members.
    fn reach(&self, roots: &[String]) -> IndexSet<String> {
        let mut seen = IndexSet::new();
        let mut stack: Vec<&str> = roots.iter().map(String::as_str).collect();
        while let Some(id) = stack.pop() {
            if !seen.insert(id.to_owned()) {
                continue;
            }
            if let Some(shape) = self.shape(id) {
                for m in &shape.members {
                    stack.push(&m.target);
                }
            }
        }
        seen
    }

    fn type_def(&self, shape: &Shape, rust: String, usage: Usage, ids: &IndexMap<&str, TypeId>) -> Result<TypeDef> {
        let t = &shape.traits;
        let kind = match shape.kind {
            ShapeKind::Structure => TypeKind::Struct(self.fields(shape, ids, &mut Scope::default())?),
            ShapeKind::Union => TypeKind::Union(self.fields(shape, ids, &mut Scope::with_reserved(&["Unknown"]))?),
            ShapeKind::Enum | ShapeKind::IntEnum => {
                let int = shape.kind == ShapeKind::IntEnum;
                let mut scope = Scope::with_reserved(&["Unknown"]);
                let mut variants = Vec::new();
                for m in &shape.members {
                    let (wire, int_value) = match &m.traits.enum_value {
                        Some(super::model::EnumValue::Str(s)) if !int => (s.clone(), None),
                        Some(super::model::EnumValue::Int(i)) if int => (i.to_string(), Some(*i)),
                        None if !int => (m.name.clone(), None),
                        _ => {
                            return Err(self.err(
                                member_path(&shape.id, &m.name),
                                format!("enum member `{}` has no {} enumValue", m.name, if int { "integer" } else { "string" }),
                            ));
                        }
                    };
                    variants.push(EnumVariant {
                        name: Name { wire, rust: scope.claim(names::variant_ident(&m.name)) },
                        int_value,
                        docs: docs(&m.traits),
                        deprecated: m.traits.deprecated.clone(),
                    });
                }
                if int { TypeKind::IntEnum(variants) } else { TypeKind::StringEnum(variants) }
            }
            _ => {
                let defs = t.enum_def.as_deref().unwrap_or_default();
                let mut scope = Scope::with_reserved(&["Unknown"]);
                TypeKind::StringEnum(
                    defs.iter()
                        .map(|d| EnumVariant {
                            name: Name {
                                wire: d.value.clone(),
                                rust: scope.claim(names::variant_ident(d.name.as_deref().unwrap_or(&d.value))),
                            },
                            int_value: None,
                            docs: d.documentation.as_deref().map(html_to_markdown).unwrap_or_default(),
                            deprecated: d.deprecated.then(Deprecation::default),
                        })
                        .collect(),
                )
            }
        };
        // awsQuery (and awsJson with query compatibility) name an error by
        // its `@awsQueryError` code.
        let query_code =
            t.aws_query_error.as_ref().filter(|_| self.protocol == Protocol::AwsQuery || self.service.traits.aws_query_compatible);
        let error = t.error.as_ref().map(|fault| ErrorInfo {
            code: query_code.map_or_else(|| local_name(&shape.id).to_owned(), |(code, _)| code.clone()),
            server_fault: fault == "server",
            http_status: t.http_error.or(query_code.map(|(_, status)| *status)),
            retryable: t.retryable,
        });
        let kind_is_struct = matches!(kind, TypeKind::Struct(_));
        Ok(TypeDef {
            name: Name { wire: local_name(&shape.id).to_owned(), rust },
            origin: shape.id.clone(),
            docs: docs(t),
            sensitive: t.sensitive,
            deprecated: t.deprecated.clone(),
            usage,
            kind,
            error,
            synthetic: false,
            xml_root: (self.protocol == Protocol::RestXml && kind_is_struct).then(|| XmlRoot {
                name: t.xml_name.clone().unwrap_or_else(|| local_name(&shape.id).to_owned()),
                namespace: t.xml_namespace.clone().or_else(|| self.service.traits.xml_namespace.clone()),
            }),
            tests: ProtocolTests {
                request: Vec::new(),
                response: test_cases(
                    &t.response_tests,
                    &format!("{}.traits[\"smithy.test#httpResponseTests\"]", shape_path(&shape.id)),
                    &|path, message| self.err(path, message),
                )?,
            },
        })
    }

    /// Whether a header can carry a value of `ty` (the type of shape
    /// `target`): a scalar or an enum, or a list of those.
    fn header_carries(&self, ty: &TypeRef, target: &str, in_list: bool) -> bool {
        match ty {
            TypeRef::Document | TypeRef::Map { .. } => false,
            TypeRef::List { item, .. } => {
                let member = self.shape(target).and_then(|s| s.members.first()).map_or("", |m| m.target.as_str());
                !in_list && self.header_carries(item, member, true)
            }
            TypeRef::Named(_) => self.shape(target).is_some_and(|s| !matches!(s.kind, ShapeKind::Structure | ShapeKind::Union)),
            _ => true,
        }
    }

    fn fields(&self, shape: &Shape, ids: &IndexMap<&str, TypeId>, scope: &mut Scope) -> Result<Vec<Field>> {
        let union = shape.kind == ShapeKind::Union;
        shape.members.iter().map(|m| self.field(shape, m, ids, scope, union)).collect()
    }

    fn field(&self, owner: &Shape, m: &Member, ids: &IndexMap<&str, TypeId>, scope: &mut Scope, union: bool) -> Result<Field> {
        let t = &m.traits;
        let rest = matches!(self.protocol, Protocol::RestJson1 | Protocol::RestXml);
        let binding = if !rest {
            Binding::Body
        } else if t.http_label {
            Binding::Label
        } else if let Some(q) = &t.http_query {
            Binding::Query(q.clone())
        } else if t.http_query_params {
            Binding::QueryParams
        } else if let Some(h) = &t.http_header {
            Binding::Header(h.clone())
        } else if let Some(p) = &t.http_prefix_headers {
            Binding::PrefixHeaders(p.clone())
        } else if t.http_payload {
            Binding::Payload
        } else if t.http_response_code {
            Binding::ResponseCode
        } else {
            Binding::Body
        };
        let xml_protocol = matches!(self.protocol, Protocol::AwsQuery | Protocol::Ec2Query | Protocol::RestXml);
        let default_format = match binding {
            Binding::Header(_) | Binding::PrefixHeaders(_) => TimestampFormat::HttpDate,
            Binding::Label | Binding::Query(_) | Binding::QueryParams => TimestampFormat::DateTime,
            _ if xml_protocol => TimestampFormat::DateTime,
            _ => TimestampFormat::EpochSeconds,
        };
        let path = member_path(&owner.id, &m.name);
        let ty = self.type_ref(&m.target, t, ids, default_format, &path)?;
        if matches!(binding, Binding::Header(_)) && !self.header_carries(&ty, &m.target, false) {
            return Err(self.err(
                path,
                format!(
                    "an `@httpHeader` member must be a boolean, number, string, timestamp, blob or enum, or a list of those (`{}`)",
                    m.target
                ),
            ));
        }
        let target = self.shape(&m.target);
        let primitive = prelude(&m.target).is_some_and(|p| p.1);
        let zero_default = t.default.as_ref().is_some_and(|d| is_zero_default(d, &ty));
        let required = t.required && !t.client_optional && !union;
        // Members with a default are plain values, except at the top level of
        // an operation input: there an unset member must stay unset (not sent).
        let has_default = t.default.as_ref().is_some_and(|d| !d.is_null());
        let top_level_input = self.op_inputs.contains(owner.id.as_str());
        let defaulted = !required && !t.client_optional && !union && !top_level_input && (zero_default || primitive || has_default);
        let wire = match (&t.json_name, &t.xml_name, self.protocol) {
            (Some(j), _, Protocol::RestJson1) => j.clone(),
            // Responses are read by local name (`xsi:someName` -> `someName`).
            (_, Some(x), Protocol::AwsQuery | Protocol::Ec2Query | Protocol::RestXml) => x.rsplit(':').next().unwrap_or(x).to_owned(),
            _ => m.name.clone(),
        };
        let xml = match xml_protocol {
            true => Some(self.xml_member(m, &wire).map_err(|message| self.err(path.clone(), message))?),
            false => None,
        };
        let rust = if union { names::variant_ident(&m.name) } else { names::field_ident(&m.name) };
        let mut doc = docs(t);
        if doc.is_empty() {
            doc = target.map(|s| docs(&s.traits)).unwrap_or_default();
        }
        Ok(Field {
            name: Name { wire, rust: scope.claim(rust) },
            member_name: m.name.clone(),
            docs: doc,
            ty,
            required,
            defaulted,
            default_value: if (defaulted || (required && !top_level_input)) && has_default && !zero_default {
                t.default.clone()
            } else {
                None
            },
            sensitive: t.sensitive || self.is_sensitive(&m.target, 0),
            deprecated: t.deprecated.clone(),
            binding,
            boxed: false,
            idempotency_token: t.idempotency_token,
            constraints: Constraints {
                length: t.length.or(target.and_then(|s| s.traits.length)),
                range: t.range.or(target.and_then(|s| s.traits.range)),
                pattern: t.pattern.clone().or_else(|| target.and_then(|s| s.traits.pattern.clone())),
            },
            read_only: false,
            streaming: target.is_some_and(|s| s.traits.streaming),
            host_label: t.host_label,
            media_type: t.media_type.clone().or_else(|| target.and_then(|s| s.traits.media_type.clone())),
            xml,
        })
    }

    /// The XML-protocol shape of member `m` whose element name is `wire`.
    fn xml_member(&self, m: &Member, wire: &str) -> std::result::Result<XmlMember, String> {
        let t = &m.traits;
        let target = self.shape(&m.target);
        let request_name = match (self.protocol, &t.ec2_query_name) {
            (Protocol::Ec2Query, Some(name)) => name.clone(),
            (Protocol::Ec2Query, None) => capitalize(t.xml_name.as_deref().unwrap_or(wire)),
            // A structure payload is the body's root element.
            (Protocol::RestXml, _) if t.http_payload && t.xml_name.is_none() => match target {
                Some(s) if matches!(s.kind, ShapeKind::Structure | ShapeKind::Union) => {
                    s.traits.xml_name.clone().unwrap_or_else(|| local_name(&s.id).to_owned())
                }
                _ => wire.to_owned(),
            },
            _ => t.xml_name.clone().unwrap_or_else(|| wire.to_owned()),
        };
        let collection = target.is_some_and(|s| matches!(s.kind, ShapeKind::List | ShapeKind::Set | ShapeKind::Map));
        let flattened = t.xml_flattened && collection;
        // A structure's own namespace applies only where it is a body's root.
        let namespace = t.xml_namespace.clone();
        let mut parts: Vec<String> = Vec::new();
        if flattened {
            parts.push("flat".into());
        }
        if t.xml_attribute {
            parts.push("attr".into());
        }
        // A payload declares its namespace as the body's root instead.
        if let Some((uri, prefix)) = namespace.as_ref().filter(|_| !t.http_payload) {
            parts.push(format!("ns={uri}"));
            parts.extend(prefix.as_ref().map(|p| format!("nsprefix={p}")));
        }
        // One level per nested list or map: the member's collection, then
        // its items' (values'), ... (`|`-separated, trailing empty levels cut).
        let mut levels = vec![parts];
        let mut next = target;
        for _ in 0..8 {
            let Some(shape) = next else { break };
            let (level, inner) = self.collection_layout(shape);
            if let Some(current) = levels.last_mut() {
                current.extend(level);
            }
            next = inner;
            if next.is_some() {
                levels.push(Vec::new());
            }
        }
        while levels.len() > 1 && levels.last().is_some_and(Vec::is_empty) {
            levels.pop();
        }
        // `;` and `|` separate the parts and levels of a layout.
        if let Some(bad) = levels.iter().flatten().find(|p| p.split_once('=').is_some_and(|(_, v)| v.contains([';', '|']))) {
            return Err(format!("an XML name or namespace with `;` or `|` is not supported (`{bad}`)"));
        }
        let layout = levels.iter().map(|l| l.join(";")).collect::<Vec<_>>().join("|");
        Ok(XmlMember {
            request_name,
            flattened,
            attribute: t.xml_attribute,
            namespace,
            layout: (!layout.is_empty()).then(|| format!("xml:{layout}")),
        })
    }

    /// The layout parts of a list or map shape (custom item / key / value
    /// names and namespaces), and the shape of its items (values) when they
    /// are a list or map themselves.
    fn collection_layout(&self, shape: &Shape) -> (Vec<String>, Option<&Shape>) {
        let mut parts = Vec::new();
        let inner = match shape.kind {
            ShapeKind::List | ShapeKind::Set => {
                let item = shape.members.first();
                if let Some(item) = item {
                    parts.extend(item.traits.xml_name.as_ref().map(|n| format!("member={n}")));
                    parts.extend(item.traits.xml_namespace.as_ref().map(|(uri, _)| format!("member_ns={uri}")));
                }
                item
            }
            ShapeKind::Map => {
                for (member, role) in shape.members.iter().zip(["key", "value"]) {
                    parts.extend(member.traits.xml_name.as_ref().map(|n| format!("{role}={n}")));
                    parts.extend(member.traits.xml_namespace.as_ref().map(|(uri, _)| format!("{role}_ns={uri}")));
                }
                shape.members.get(1)
            }
            _ => None,
        };
        let inner =
            inner.and_then(|m| self.shape(&m.target)).filter(|s| matches!(s.kind, ShapeKind::List | ShapeKind::Set | ShapeKind::Map));
        (parts, inner)
    }

    fn is_sensitive(&self, id: &str, depth: usize) -> bool {
        let Some(s) = self.shape(id) else {
            return false;
        };
        s.traits.sensitive
            || (depth < 8
                && matches!(s.kind, ShapeKind::List | ShapeKind::Set | ShapeKind::Map)
                && s.members.iter().any(|m| m.traits.sensitive || self.is_sensitive(&m.target, depth + 1)))
    }

    fn type_ref(
        &self,
        target: &str,
        member_traits: &Traits,
        ids: &IndexMap<&str, TypeId>,
        default_format: TimestampFormat,
        path: &str,
    ) -> Result<TypeRef> {
        if target == UNIT {
            return Ok(TypeRef::Document);
        }
        let shape = self.shape(target);
        let kind = self.model.kind(target).ok_or_else(|| self.err(path.to_owned(), format!("`{target}` is not defined")))?;
        let int = |kind| TypeRef::Int { kind, as_string: false };
        Ok(match kind {
            ShapeKind::Blob => TypeRef::Blob,
            ShapeKind::Boolean => TypeRef::Bool,
            ShapeKind::Byte => int(IntKind::I8),
            ShapeKind::Short => int(IntKind::I16),
            ShapeKind::Integer => int(IntKind::I32),
            ShapeKind::Long => int(IntKind::I64),
            ShapeKind::Float => TypeRef::Float,
            ShapeKind::Double => TypeRef::Double,
            ShapeKind::BigInteger | ShapeKind::BigDecimal => TypeRef::BigNumber,
            // RPC v2 CBOR has one timestamp form (tag 1, epoch seconds) and
            // ignores `@timestampFormat`.
            ShapeKind::Timestamp if self.protocol == Protocol::RpcV2Cbor => TypeRef::Timestamp(TimestampFormat::EpochSeconds),
            ShapeKind::Timestamp => TypeRef::Timestamp(
                member_traits.timestamp_format.or_else(|| shape.and_then(|s| s.traits.timestamp_format)).unwrap_or(default_format),
            ),
            ShapeKind::Document => TypeRef::Document,
            ShapeKind::String if shape.is_none_or(|s| s.traits.enum_def.is_none()) => TypeRef::String,
            ShapeKind::String | ShapeKind::Enum | ShapeKind::IntEnum | ShapeKind::Structure | ShapeKind::Union => TypeRef::Named(
                *ids.get(target).ok_or_else(|| self.err(path.to_owned(), format!("internal: `{target}` missing from the type closure")))?,
            ),
            ShapeKind::List | ShapeKind::Set => {
                let s = shape.ok_or_else(|| self.err(path.to_owned(), format!("`{target}` is not defined")))?;
                let item = &s.members[0];
                TypeRef::List {
                    item: Box::new(self.type_ref(&item.target, &item.traits, ids, default_format, &member_path(target, "member"))?),
                    sparse: s.traits.sparse,
                }
            }
            ShapeKind::Map => {
                let s = shape.ok_or_else(|| self.err(path.to_owned(), format!("`{target}` is not defined")))?;
                let (k, v) = (&s.members[0], &s.members[1]);
                let key = self.type_ref(&k.target, &k.traits, ids, default_format, &member_path(target, "key"))?;
                if !matches!(key, TypeRef::String | TypeRef::Named(_)) {
                    return Err(self.err(member_path(target, "key"), "map keys must be strings".into()));
                }
                TypeRef::Map {
                    key: Box::new(key),
                    value: Box::new(self.type_ref(&v.target, &v.traits, ids, default_format, &member_path(target, "value"))?),
                    sparse: s.traits.sparse,
                }
            }
            ShapeKind::Operation | ShapeKind::Resource | ShapeKind::Service => {
                return Err(self.err(path.to_owned(), format!("a member cannot target the {kind:?} shape `{target}`")));
            }
        })
    }

    /// The endpoint rules parameters `op` sets per request: its input
    /// members with `@contextParam`, then its `@staticContextParams`; none
    /// when the service has no rules to read them.
    fn endpoint_params(&self, op: &Shape, input_fields: &[Field]) -> Vec<EndpointParamBinding> {
        if self.service.traits.endpoint_rule_set.is_none() {
            return Vec::new();
        }
        let input = op.refs.input.as_deref().and_then(|id| self.shape(id));
        let mut out: Vec<EndpointParamBinding> = input
            .into_iter()
            .flat_map(|shape| &shape.members)
            .filter_map(|m| {
                let name = m.traits.context_param.clone()?;
                let field = input_fields.iter().position(|f| f.member_name == m.name)?;
                matches!(input_fields[field].ty, TypeRef::String | TypeRef::Bool)
                    .then_some(EndpointParamBinding { name, source: EndpointParamSource::Field(field) })
            })
            .collect();
        for (name, value) in &op.traits.static_context_params {
            let source = match value {
                Value::Bool(b) => EndpointParamSource::Bool(*b),
                other => EndpointParamSource::Str(other.as_str().unwrap_or_default().to_owned()),
            };
            out.push(EndpointParamBinding { name: name.clone(), source });
        }
        out
    }

    fn operation(&self, op: &Shape, ids: &IndexMap<&str, TypeId>, types: &[TypeDef], scope: &mut Scope) -> Result<Operation> {
        let t = &op.traits;
        let name = local_name(&op.id).to_owned();
        let named = |r: &Option<String>| r.as_deref().filter(|id| *id != UNIT).and_then(|id| ids.get(id).copied());
        // The lowered input members: route and host labels bind to them by index.
        let input_fields: &[Field] = named(&op.refs.input).map_or(&[], |id| types[id.0].fields());
        // Operation errors, then service errors; an error listed in both appears once.
        let mut errors: Vec<TypeId> = Vec::new();
        for id in op.refs.errors.iter().chain(&self.service.refs.errors).filter_map(|e| ids.get(e.as_str()).copied()) {
            if !errors.contains(&id) {
                errors.push(id);
            }
        }
        let http = match &t.http {
            Some(h) => {
                Some(parse_route(h, &op.id).map_err(|m| self.err(format!("{}.traits[\"smithy.api#http\"].uri", shape_path(&op.id)), m))?)
            }
            None => None,
        };
        let pagination = t.paginated.as_ref().and_then(|p| {
            let svc = self.service.traits.paginated.clone().unwrap_or_default();
            Some(Pagination {
                input_token: p.input_token.clone().or(svc.input_token.clone())?,
                output_token: p.output_token.clone().or(svc.output_token.clone())?,
                items: p.items.clone().or(svc.items.clone()),
                page_size: p.page_size.clone().or(svc.page_size),
            })
        });
        let streaming_targets: Vec<&Shape> = [&op.refs.input, &op.refs.output]
            .iter()
            .filter_map(|r| r.as_deref().and_then(|id| self.shape(id)))
            .flat_map(|s| s.members.iter().filter_map(|m| self.shape(&m.target)))
            .filter(|t| t.traits.streaming)
            .collect();
        let streaming = !streaming_targets.is_empty();
        let event_stream = streaming_targets.iter().any(|t| t.kind == ShapeKind::Union);
        let readonly = t.readonly || http.as_ref().is_some_and(|h| h.method == "GET");
        // The protocol decides the call shape; a route an RPC protocol does
        // not use is dropped here, so emitters never choose.
        let call = match (self.protocol, http) {
            (Protocol::AwsJson1_0 | Protocol::AwsJson1_1, _) => {
                CallShape::Rpc { target: format!("{}.{}", local_name(&self.service.id), name) }
            }
            (Protocol::AwsQuery | Protocol::Ec2Query | Protocol::RpcV2Cbor, _) => CallShape::Rpc { target: name.clone() },
            (_, Some(route)) => CallShape::Http(route.bind(input_fields).map_err(|label| {
                self.err(
                    format!("{}.traits[\"smithy.api#http\"].uri", shape_path(&op.id)),
                    format!("the URI label `{label}` has no input member with `@httpLabel`"),
                )
            })?),
            (Protocol::RestJson1 | Protocol::RestXml, None) => {
                return Err(self.err(
                    format!("{}.traits", shape_path(&op.id)),
                    format!("a {} operation needs the `smithy.api#http` trait", self.protocol.label()),
                ));
            }
            (_, None) => CallShape::Rpc { target: name.clone() },
        };
        let host_prefix = match &t.host_prefix {
            Some(p) => {
                let at = format!("{}.traits[\"smithy.api#endpoint\"].hostPrefix", shape_path(&op.id));
                let template = parse_template(p).map_err(|m| self.err(at.clone(), m))?;
                let bound = bind_template(&template, input_fields, |f, label| f.member_name == label)
                    .map_err(|label| self.err(at, format!("the host prefix label `{label}` is not an input member")))?;
                Some(bound)
            }
            None => None,
        };
        Ok(Operation {
            name: Name { rust: scope.claim(names::field_ident(&name)), wire: name.clone() },
            resource: Vec::new(),
            method: name,
            docs: docs(t),
            input: named(&op.refs.input),
            output: named(&op.refs.output),
            errors,
            call,
            response: ResponseKind::Unary,
            items: OperationItems::default(),
            pagination,
            idempotent: t.idempotent || readonly,
            readonly,
            deprecated: t.deprecated.clone(),
            scopes: Vec::new(),
            streaming,
            event_stream,
            host_prefix,
            request_compression: t.request_compression.clone().unwrap_or_default(),
            checksum_required: t.http_checksum_required,
            endpoint_params: self.endpoint_params(op, input_fields),
            custom: OperationCustomization::default(),
            idempotent_when: Vec::new(),
            tests: ProtocolTests {
                request: test_cases(
                    &t.request_tests,
                    &format!("{}.traits[\"smithy.test#httpRequestTests\"]", shape_path(&op.id)),
                    &|path, message| self.err(path, message),
                )?,
                response: test_cases(
                    &t.response_tests,
                    &format!("{}.traits[\"smithy.test#httpResponseTests\"]", shape_path(&op.id)),
                    &|path, message| self.err(path, message),
                )?,
            },
        })
    }
}

/// The cases of a `smithy.rules#endpointTests` trait value, typed.
fn endpoint_tests(trait_value: &Option<Value>, path: &str, error: &dyn Fn(String, String) -> SpecError) -> Result<Vec<EndpointTestCase>> {
    let Some(cases) = trait_value.as_ref().and_then(|t| t.get("testCases")) else { return Ok(Vec::new()) };
    let cases = cases.as_array().ok_or_else(|| error(path.to_owned(), "`testCases` must be a list".into()))?;
    cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let object = case.as_object().ok_or_else(|| error(format!("{path}[{i}]"), "a test case must be an object".into()))?;
            Ok(EndpointTestCase {
                documentation: object.get("documentation").and_then(Value::as_str).map_or_else(|| format!("case {i}"), str::to_owned),
                params: object.get("params").cloned().unwrap_or_else(|| Value::Object(Default::default())),
                expect: object.get("expect").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// The client-side cases of a `smithy.test#http*Tests` trait value, typed;
/// a case that does not have the shape the trait defines is a located error.
fn test_cases(trait_value: &Option<Value>, path: &str, error: &dyn Fn(String, String) -> SpecError) -> Result<Vec<ProtocolTestCase>> {
    /// The members of a case as the trait spells them.
    #[derive(serde::Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Case {
        id: String,
        protocol: String,
        method: String,
        uri: String,
        host: Option<String>,
        resolved_host: Option<String>,
        code: u16,
        headers: serde_json::Map<String, Value>,
        query_params: Vec<String>,
        forbid_query_params: Vec<String>,
        require_query_params: Vec<String>,
        forbid_headers: Vec<String>,
        require_headers: Vec<String>,
        body: Option<String>,
        body_media_type: Option<String>,
        params: Option<Value>,
        applies_to: Option<String>,
        vendor_params: Option<Value>,
    }
    let cases = trait_value.as_ref().and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut out = Vec::new();
    for (i, value) in cases.iter().enumerate() {
        let case: Case =
            serde_json::from_value(value.clone()).map_err(|e| error(format!("{path}[{i}]"), format!("not a protocol test case: {e}")))?;
        if case.applies_to.as_deref() == Some("server") {
            continue;
        }
        let mut headers = Vec::with_capacity(case.headers.len());
        for (name, value) in case.headers {
            let value =
                value.as_str().ok_or_else(|| error(format!("{path}[{i}].headers.{name}"), "a header value must be a string".into()))?;
            headers.push((name, value.to_owned()));
        }
        out.push(ProtocolTestCase {
            id: case.id,
            protocol: case.protocol,
            method: case.method,
            uri: case.uri,
            host: case.host,
            resolved_host: case.resolved_host,
            code: if case.code == 0 { 200 } else { case.code },
            headers,
            query_params: case.query_params,
            forbid_query_params: case.forbid_query_params,
            require_query_params: case.require_query_params,
            forbid_headers: case.forbid_headers,
            require_headers: case.require_headers,
            body: case.body,
            body_media_type: case.body_media_type,
            params: case.params.unwrap_or_else(|| Value::Object(Default::default())),
            config: test_client_config(case.vendor_params.as_ref()),
        });
    }
    Ok(out)
}

/// The client settings in a case's `vendorParams` (the AWS suite's
/// `scopedConfig`: `client`, then `operation` over it); what it does not
/// say stays unset.
fn test_client_config(vendor_params: Option<&Value>) -> TestClientConfig {
    let mut config = TestClientConfig::default();
    for scope in ["client", "operation"] {
        let Some(scoped) = vendor_params.and_then(|v| v.pointer(&format!("/scopedConfig/{scope}"))) else { continue };
        if let Some(region) = scoped.get("region").and_then(Value::as_str) {
            config.region = Some(region.to_owned());
        }
        let s3 = scoped.get("s3");
        let flag = |name: &str| s3.and_then(|s| s.get(name)).and_then(Value::as_bool);
        if let Some(style) = s3.and_then(|s| s.get("addressing_style")).and_then(Value::as_str) {
            config.force_path_style = Some(style == "path");
        }
        config.dual_stack = flag("use_dualstack_endpoint").or(config.dual_stack);
        config.accelerate = flag("use_accelerate_endpoint").or(config.accelerate);
    }
    config
}

fn is_zero_default(v: &Value, ty: &TypeRef) -> bool {
    match (v, ty) {
        (Value::Bool(b), TypeRef::Bool) => !b,
        (Value::Number(n), TypeRef::Int { .. } | TypeRef::Float | TypeRef::Double) => n.as_f64() == Some(0.0),
        (Value::String(s), TypeRef::String) => s.is_empty(),
        (Value::Array(a), TypeRef::List { .. }) => a.is_empty(),
        (Value::Object(o), TypeRef::Map { .. }) => o.is_empty(),
        _ => false,
    }
}

/// A Smithy `@http` route as parsed, before its labels are bound to the
/// input members ([`RouteTemplate::bind`]).
pub struct RouteTemplate {
    /// HTTP method, upper case.
    pub method: String,
    path: Vec<TemplatePart>,
    query: Vec<(String, Option<String>)>,
    code: u16,
}

impl RouteTemplate {
    /// The route with every URI label bound to the `@httpLabel` member of
    /// that name; `Err` names a label without one.
    pub fn bind(self, fields: &[Field]) -> std::result::Result<HttpRoute, String> {
        let path = bind_template(&self.path, fields, |f, label| f.binding == Binding::Label && f.member_name == label)?;
        Ok(HttpRoute { method: self.method, path, query: self.query, code: self.code })
    }
}

/// Parses a Smithy `@http` URI template into path parts and literal query.
pub fn parse_route(h: &super::model::HttpTrait, op: &str) -> std::result::Result<RouteTemplate, String> {
    let (path, query) = match h.uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (h.uri.as_str(), None),
    };
    if !path.starts_with('/') {
        return Err(format!("URI `{}` of `{op}` must start with `/`", h.uri));
    }
    let path = parse_template(path)?;
    let query = query
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                    None => (p.to_owned(), None),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RouteTemplate { method: h.method.to_uppercase(), path, query, code: h.code })
}

/// `name` with its first letter upper-cased (ec2Query request keys).
fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
