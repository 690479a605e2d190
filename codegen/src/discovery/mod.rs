//! Google Discovery document reader: schemas, nested resources and methods,
//! parameters and service metadata, lowered straight into the IR.
//!
//! Every named schema that is an object or an enum becomes a type; inline
//! objects and enums in properties become types named after their owner
//! (`Type.code` -> `TypeCode`). Method parameters become a synthetic
//! parameter struct per method (path labels, query parameters and the
//! request body as payload).

use crate::diagnostics::{At, Result, SpecError, parse_json};
use crate::docs::clean_markdown;
use crate::ir::*;
use crate::names::{self, Scope};
use std::collections::HashMap;

/// Reads a Discovery document and lowers it to the IR.
pub fn read(file: &str, bytes: &[u8]) -> Result<Service> {
    let doc = parse_json(file, bytes)?;
    let root = At::root(file, &doc);
    let mut r = Reader { types: Vec::new(), scope: Scope::default(), schemas: HashMap::new(), depth: 0, conditions: Vec::new() };
    let mut service = r.run(&root)?;
    for pending in std::mem::take(&mut r.conditions) {
        bind_conditions(&mut service, pending)?;
    }
    Ok(service)
}

/// The retry conditions of one method, as the table names them, waiting for
/// the types to be final.
struct PendingConditions {
    /// The method's id (its operation's wire name).
    method: String,
    /// Where an unbound condition is reported: the method in the document.
    at: SpecError,
    /// `(path, set)` pairs.
    conditions: Vec<(Vec<String>, bool)>,
}

/// Binds a method's retry conditions to field indices (request body, then
/// one per segment); a path the document does not have is a located error.
fn bind_conditions(service: &mut Service, pending: PendingConditions) -> Result<()> {
    let fail = |message: String| SpecError { message, ..pending.at.clone() };
    let Some(op) = service.operations.iter().position(|o| o.name.wire == pending.method) else { return Ok(()) };
    let fields_of = |id: Option<TypeId>| id.map_or(&[][..], |id| service.ty(id).fields());
    let input = fields_of(service.operations[op].input);
    let body =
        input.iter().position(|f| f.binding == Binding::Payload).ok_or_else(|| fail("retry conditions need a request body".into()))?;
    let mut bound = Vec::new();
    for (path, set) in pending.conditions {
        let mut fields = vec![body];
        let mut ty = match input[body].ty {
            TypeRef::Named(id) => Some(id),
            _ => return Err(fail("the request body of a method with retry conditions must be an object".into())),
        };
        for segment in &path {
            let members = fields_of(ty);
            let index = members
                .iter()
                .position(|f| &f.name.wire == segment)
                .ok_or_else(|| fail(format!("retry condition path `{}` names no member", path.join("."))))?;
            fields.push(index);
            ty = match members[index].ty {
                TypeRef::Named(id) => Some(id),
                _ => None,
            };
        }
        bound.push(BodyCondition { path, fields, set });
    }
    service.operations[op].idempotent_when = bound;
    Ok(())
}

#[derive(Clone)]
enum Schema {
    /// A named type (pending index before the final sort).
    Named(usize),
    /// A schema that is not an object or enum: its `$ref`s are inlined.
    Inline(serde_json::Value),
}

struct Reader {
    /// Types in creation order; `TypeRef::Named` holds indices into this
    /// vector until [`Reader::finish`] sorts them by name.
    types: Vec<TypeDef>,
    scope: Scope,
    schemas: HashMap<String, Schema>,
    /// Nesting depth of inlined `$ref`s, to stop cycles.
    depth: usize,
    /// Retry conditions to bind once the types are final.
    conditions: Vec<PendingConditions>,
}

fn is_named_schema(s: &At<'_>) -> bool {
    let ty = s.value.get("type").and_then(|t| t.as_str());
    s.value.get("enum").is_some()
        || ty == Some("object") && s.value.get("additionalProperties").is_none()
        || (ty.is_none() && s.value.get("$ref").is_none() && s.value.get("properties").is_some())
}

fn desc(at: &At<'_>) -> Result<String> {
    Ok(at.opt_str("description")?.as_deref().map(clean_markdown).unwrap_or_default())
}

fn deprecation(at: &At<'_>) -> Result<Option<Deprecation>> {
    Ok(at.flag("deprecated")?.then(Deprecation::default))
}

impl Reader {
    fn run(&mut self, root: &At<'_>) -> Result<Service> {
        if root.get("discoveryVersion").is_none() && root.get("schemas").is_none() {
            return Err(root.error("missing `discoveryVersion` (not a Discovery document?)"));
        }
        let name = root.req_str("name")?;
        let version = root.req_str("version")?;
        // Pass 1: reserve names for named schemas so they win over synthesized ones.
        let schemas = root.get("schemas");
        let mut named = Vec::new();
        let mut spec_type_count = 0;
        if let Some(schemas) = &schemas {
            for (id, s) in schemas.entries()? {
                spec_type_count += 1;
                if is_named_schema(&s) {
                    let idx = self.reserve(id, format!("schemas.{id}"));
                    self.schemas.insert(id.to_owned(), Schema::Named(idx));
                    named.push((idx, id));
                } else {
                    self.schemas.insert(id.to_owned(), Schema::Inline(s.value.clone()));
                }
            }
            // Pass 2: lower their bodies.
            for (idx, id) in named {
                let s = schemas.req(id)?;
                let (kind, docs) = (self.kind(&s, id)?, desc(&s)?);
                let t = &mut self.types[idx];
                t.kind = kind;
                t.docs = docs;
                t.deprecated = deprecation(&s)?;
            }
        }
        let global_params = match root.get("parameters") {
            Some(p) => self.params(&p, "Global", root)?,
            None => Vec::new(),
        };
        let mut operations = Vec::new();
        let mut op_scope = Scope::default();
        self.resource(root, &[], root, &mut operations, &mut op_scope)?;
        let mut scopes = Vec::new();
        if let Some(auth) = root.get("auth") {
            if let Some(oauth2) = auth.get("oauth2") {
                if let Some(s) = oauth2.get("scopes") {
                    for (k, v) in s.entries()? {
                        scopes.push((k.to_owned(), v.opt_str("description")?.unwrap_or_default()));
                    }
                }
            }
        }
        let root_url = root.opt_str("rootUrl")?.unwrap_or_default();
        let emulator = emulator_env(&name).map(str::to_owned);
        let emulator_rest_port = emulator_rest_port(&name).map(|(variable, port)| (variable.to_owned(), port));
        let service = Service {
            short_name: name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase(),
            title: root.opt_str("title")?.unwrap_or_else(|| name.clone()),
            docs: desc(root)?,
            version,
            protocol: Protocol::GoogleRest,
            source_id: root.opt_str("id")?.unwrap_or(name),
            provider: ProviderMeta::Google(GoogleMeta {
                root_url,
                mtls_root_url: root.opt_str("mtlsRootUrl")?,
                service_path: root.opt_str("servicePath")?.unwrap_or_default(),
                batch_path: root.opt_str("batchPath")?,
                scopes,
                global_params,
                emulator_env: emulator,
                emulator_rest_port,
                operations_prefix: None,
            }),
            operations,
            types: Vec::new(),
            spec_type_count,
            readers: Default::default(),
            resources: Default::default(),
        };
        Ok(self.finish(service))
    }

    fn reserve(&mut self, wire: &str, origin: String) -> usize {
        let rust = self.scope.claim(names::type_ident(wire));
        self.types.push(TypeDef {
            name: Name { wire: wire.to_owned(), rust },
            origin,
            docs: String::new(),
            sensitive: false,
            deprecated: None,
            usage: Usage::default(),
            kind: TypeKind::Struct(Vec::new()),
            error: None,
            synthetic: false,
            tests: ProtocolTests::default(),
            xml_root: None,
        });
        self.types.len() - 1
    }

    /// The body of a named schema.
    fn kind(&mut self, s: &At<'_>, owner: &str) -> Result<TypeKind> {
        if let Some(values) = s.get("enum") {
            return Ok(TypeKind::StringEnum(enum_variants(&values, s.get("enumDescriptions"), s.get("enumDeprecated"))?));
        }
        let mut fields = Vec::new();
        let mut scope = Scope::default();
        if let Some(props) = s.get("properties") {
            for (prop, p) in props.entries()? {
                let ty = self.type_ref(&p, &format!("{owner}.{prop}"), &names::pascal(owner), prop)?;
                fields.push(Field {
                    name: Name { wire: prop.to_owned(), rust: scope.claim(names::field_ident(prop)) },
                    member_name: prop.to_owned(),
                    docs: desc(&p)?,
                    ty,
                    required: false,
                    defaulted: false,
                    default_value: None,
                    sensitive: false,
                    deprecated: deprecation(&p)?,
                    binding: Binding::Body,
                    boxed: false,
                    idempotency_token: false,
                    constraints: Constraints { pattern: p.opt_str("pattern")?, ..Constraints::default() },
                    read_only: p.flag("readOnly")?,
                    streaming: false,
                    host_label: false,
                    media_type: None,
                    xml: None,
                });
            }
        }
        Ok(TypeKind::Struct(fields))
    }

    /// The type of a property, items or additionalProperties schema.
    /// Inline objects and enums become new types named `{owner}{prop}`.
    fn type_ref(&mut self, p: &At<'_>, origin: &str, owner: &str, prop: &str) -> Result<TypeRef> {
        if let Some(r) = p.get("$ref") {
            let target = r.str()?;
            return match self.schemas.get(target).cloned() {
                Some(Schema::Named(idx)) => Ok(TypeRef::Named(TypeId(idx))),
                Some(Schema::Inline(value)) => {
                    // A named array or scalar schema: lower its body in place.
                    if self.depth > 32 {
                        return Err(r.error(format!("`$ref` cycle through `{target}`")));
                    }
                    self.depth += 1;
                    let at = At::root(p.file(), &value);
                    let ty = self.type_ref(&at, origin, &names::pascal(target), "");
                    self.depth -= 1;
                    ty
                }
                None => Err(r.error(format!("`$ref` to `{target}`, which is not a schema of this document"))),
            };
        }
        let ty = p.get("type").map(|t| t.str()).transpose()?;
        let format = p.opt_str("format")?;
        let int = |kind, as_string| TypeRef::Int { kind, as_string };
        Ok(match ty {
            Some("string") if p.get("enum").is_some() => {
                let idx = self.reserve(&format!("{owner}{}", names::pascal(prop)), origin.to_owned());
                let e = p.req("enum")?;
                self.types[idx].kind = TypeKind::StringEnum(enum_variants(&e, p.get("enumDescriptions"), p.get("enumDeprecated"))?);
                self.types[idx].docs = desc(p)?;
                TypeRef::Named(TypeId(idx))
            }
            Some("string") => match format.as_deref() {
                Some("byte") => TypeRef::Blob,
                Some("int64") => int(IntKind::I64, true),
                Some("uint64") => int(IntKind::U64, true),
                Some("int32") => int(IntKind::I32, true),
                Some("uint32") => int(IntKind::U32, true),
                Some("google-datetime") | Some("date-time") => TypeRef::Timestamp(TimestampFormat::DateTime),
                _ => TypeRef::String,
            },
            Some("integer") => match format.as_deref() {
                Some("uint32") => int(IntKind::U32, false),
                Some("int64") => int(IntKind::I64, false),
                Some("uint64") => int(IntKind::U64, false),
                _ => int(IntKind::I32, false),
            },
            Some("number") => match format.as_deref() {
                Some("float") => TypeRef::Float,
                _ => TypeRef::Double,
            },
            Some("boolean") => TypeRef::Bool,
            Some("any") => TypeRef::Document,
            Some("null") => TypeRef::Document,
            Some("array") => {
                let items = p.req("items")?;
                TypeRef::List { item: Box::new(self.type_ref(&items, &format!("{origin}[]"), owner, prop)?), sparse: false }
            }
            Some("object") | None => {
                if let Some(ap) = p.get("additionalProperties") {
                    let value = self.type_ref(&ap, &format!("{origin}{{}}"), owner, &format!("{prop}Value"))?;
                    TypeRef::Map { key: Box::new(TypeRef::String), value: Box::new(value), sparse: false }
                } else if p.get("properties").is_some() {
                    let wire = format!("{owner}{}", names::pascal(prop));
                    let idx = self.reserve(&wire, origin.to_owned());
                    let kind = self.kind(p, &wire)?;
                    self.types[idx].kind = kind;
                    self.types[idx].docs = desc(p)?;
                    TypeRef::Named(TypeId(idx))
                } else {
                    TypeRef::Document
                }
            }
            Some(other) => {
                return Err(p.req("type")?.error(format!("unknown schema type `{other}`")));
            }
        })
    }

    /// Parameters of a method (or the document's global parameters).
    fn params(&mut self, ps: &At<'_>, owner: &str, _root: &At<'_>) -> Result<Vec<Field>> {
        let mut fields = Vec::new();
        let mut scope = Scope::default();
        for (name, p) in ps.entries()? {
            let location = p.opt_str("location")?.unwrap_or_else(|| "query".into());
            let binding = match location.as_str() {
                "path" => Binding::Label,
                "query" => Binding::Query(name.to_owned()),
                other => return Err(p.error(format!("unknown parameter location `{other}`"))),
            };
            let mut ty = self.type_ref(&p, &format!("{owner}.{name}"), owner, name)?;
            if let TypeRef::Named(TypeId(idx)) = ty {
                self.types[idx].synthetic = true;
            }
            if p.flag("repeated")? {
                ty = TypeRef::List { item: Box::new(ty), sparse: false };
            }
            let required = p.flag("required")?;
            fields.push(Field {
                name: Name { wire: name.to_owned(), rust: scope.claim(names::field_ident(name)) },
                member_name: name.to_owned(),
                docs: desc(&p)?,
                ty,
                required,
                defaulted: false,
                default_value: None,
                sensitive: false,
                deprecated: deprecation(&p)?,
                binding,
                boxed: false,
                idempotency_token: false,
                constraints: Constraints { pattern: p.opt_str("pattern")?, ..Constraints::default() },
                read_only: false,
                streaming: false,
                host_label: false,
                media_type: None,
                xml: None,
            });
        }
        Ok(fields)
    }

    fn resource(&mut self, at: &At<'_>, path: &[String], root: &At<'_>, ops: &mut Vec<Operation>, op_scope: &mut Scope) -> Result<()> {
        if let Some(methods) = at.get("methods") {
            for (name, m) in methods.entries()? {
                ops.push(self.method(&m, path, name, root, op_scope)?);
            }
        }
        if let Some(resources) = at.get("resources") {
            for (name, r) in resources.entries()? {
                let mut p = path.to_vec();
                p.push(name.to_owned());
                self.resource(&r, &p, root, ops, op_scope)?;
            }
        }
        Ok(())
    }

    fn method(&mut self, m: &At<'_>, resource: &[String], name: &str, root: &At<'_>, op_scope: &mut Scope) -> Result<Operation> {
        let id = m.opt_str("id")?.unwrap_or_else(|| [resource, &[name.to_owned()]].concat().join("."));
        let qualified = [resource, &[name.to_owned()]].concat().join(".");
        let params_name = format!("{}Params", names::pascal(&qualified.replace('.', "_")));
        let http_method = m.req_str("httpMethod")?.to_uppercase();
        let path_at = m.req("path")?;
        let template = parse_template(path_at.str()?).map_err(|e| path_at.error(e))?;
        let mut fields = match m.get("parameters") {
            Some(ps) => self.params(&ps, &names::pascal(&qualified.replace('.', "_")), root)?,
            None => Vec::new(),
        };
        // Positional order first (parameterOrder), then the rest in document order.
        let order = m.str_list("parameterOrder")?;
        fields.sort_by_key(|f| order.iter().position(|o| *o == f.name.wire).unwrap_or(usize::MAX));
        // Labels bind to the path parameters by index (the request body is appended after them).
        let path = bind_template(&template, &fields, |f, label| f.name.wire == label && f.binding == Binding::Label)
            .map_err(|label| path_at.error(format!("path label `{label}` has no matching path parameter")))?;
        let request = match m.get("request") {
            Some(r) => {
                let ty = self.type_ref(&r, &format!("{id}.request"), "", "request")?;
                let mut scope = Scope::default();
                for f in &fields {
                    scope.claim(f.name.rust.clone());
                }
                fields.push(Field {
                    name: Name { wire: "request".into(), rust: scope.claim("request".into()) },
                    member_name: "request".into(),
                    docs: "The request body.".into(),
                    ty,
                    required: true,
                    defaulted: false,
                    default_value: None,
                    sensitive: false,
                    deprecated: None,
                    binding: Binding::Payload,
                    boxed: false,
                    idempotency_token: false,
                    constraints: Constraints::default(),
                    read_only: false,
                    streaming: false,
                    host_label: false,
                    media_type: None,
                    xml: None,
                });
                true
            }
            None => false,
        };
        let _ = request;
        let input = {
            let idx = self.reserve(&params_name, format!("{id}.parameters"));
            let t = &mut self.types[idx];
            t.synthetic = true;
            t.docs = format!("Parameters of `{id}`.");
            t.kind = TypeKind::Struct(fields);
            TypeId(idx)
        };
        let output = match m.get("response") {
            Some(r) => match self.type_ref(&r, &format!("{id}.response"), "", "response")? {
                TypeRef::Named(id) => Some(id),
                _ => None,
            },
            None => None,
        };
        let has_param = |p: &str| self.types[input.0].fields().iter().any(|f| f.name.wire == p);
        let pagination = match output {
            Some(out) if has_param("pageToken") => {
                let fields = self.types[out.0].fields();
                fields.iter().any(|f| f.name.wire == "nextPageToken").then(|| Pagination {
                    input_token: "pageToken".into(),
                    output_token: "nextPageToken".into(),
                    items: fields.iter().find(|f| matches!(f.ty, TypeRef::List { .. })).map(|f| f.name.wire.clone()),
                    page_size: has_param("pageSize").then(|| "pageSize".into()),
                })
            }
            _ => None,
        };
        let readonly = http_method == "GET";
        let safe_when = safe_to_repeat(&id);
        if let Some(conditions) = safe_when.clone().filter(|c| !c.is_empty()) {
            self.conditions.push(PendingConditions { method: id.clone(), at: m.error(""), conditions });
        }
        let response = server_stream(&id).map_or(ResponseKind::Unary, |rows| ResponseKind::ServerStream { rows });
        Ok(Operation {
            name: Name { wire: id, rust: op_scope.claim(names::field_ident(&qualified.replace('.', "_"))) },
            resource: resource.to_vec(),
            method: name.to_owned(),
            docs: desc(m)?,
            input: Some(input),
            output,
            errors: Vec::new(),
            call: CallShape::Http(HttpRoute { method: http_method.clone(), path, query: Vec::new(), code: 200 }),
            response,
            items: OperationItems::default(),
            pagination,
            idempotent: readonly || http_method == "PUT" || http_method == "DELETE" || safe_when.as_ref().is_some_and(Vec::is_empty),
            idempotent_when: Vec::new(),
            readonly,
            deprecated: deprecation(m)?,
            scopes: m.str_list("scopes")?,
            streaming: m.flag("supportsMediaDownload")? || m.flag("supportsMediaUpload")?,
            event_stream: false,
            host_prefix: None,
            request_compression: Vec::new(),
            checksum_required: false,
            endpoint_params: Vec::new(),
            custom: Default::default(),
            tests: ProtocolTests::default(),
        })
    }

    /// Sorts the types by Rust name and rewrites every reference.
    fn finish(&mut self, mut service: Service) -> Service {
        let mut order: Vec<usize> = (0..self.types.len()).collect();
        order.sort_by(|a, b| self.types[*a].name.rust.cmp(&self.types[*b].name.rust));
        let mut new_id = vec![TypeId(0); order.len()];
        for (new, old) in order.iter().enumerate() {
            new_id[*old] = TypeId(new);
        }
        let mut types: Vec<TypeDef> = order.iter().map(|i| self.types[*i].clone()).collect();
        for t in &mut types {
            if let TypeKind::Struct(fs) | TypeKind::Union(fs) = &mut t.kind {
                for f in fs {
                    f.ty.remap(&new_id);
                }
            }
        }
        for op in &mut service.operations {
            op.input = op.input.map(|i| new_id[i.0]);
            op.output = op.output.map(|i| new_id[i.0]);
        }
        if let ProviderMeta::Google(g) = &mut service.provider {
            for f in &mut g.global_params {
                f.ty.remap(&new_id);
            }
        }
        service.operations.sort_by(|a, b| a.name.rust.cmp(&b.name.rust));
        service.types = types;
        decide_long_running(&mut service);
        crate::passes::compute_usage(&mut service);
        // Schemas no method uses (operation metadata, ...): usable both ways.
        let unused: Vec<TypeId> = (0..service.types.len())
            .map(TypeId)
            .filter(|id| {
                let t = service.ty(*id);
                !t.usage.input && !t.usage.output && !t.synthetic
            })
            .collect();
        crate::passes::mark_usage(&mut service, unused.clone(), true);
        crate::passes::mark_usage(&mut service, unused, false);
        service
    }
}

fn enum_variants(values: &At<'_>, descriptions: Option<At<'_>>, deprecated: Option<At<'_>>) -> Result<Vec<EnumVariant>> {
    let descs = match &descriptions {
        Some(d) => d.items()?.iter().map(|i| i.str().map(clean_markdown)).collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let deps = match &deprecated {
        Some(d) => d.items()?.iter().map(|i| i.bool()).collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let mut scope = Scope::with_reserved(&["Unknown"]);
    values
        .items()?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let wire = v.str()?.to_owned();
            Ok(EnumVariant {
                name: Name { rust: scope.claim(names::variant_ident(&wire)), wire },
                int_value: None,
                docs: descs.get(i).cloned().unwrap_or_default(),
                deprecated: deps.get(i).copied().unwrap_or(false).then(Deprecation::default),
            })
        })
        .collect()
}

/// The POST methods that are safe to repeat (retried on `UNAVAILABLE`, as
/// Google's own clients retry them), by method id: always (no conditions),
/// or when the request body meets one of the conditions. The Discovery
/// document does not say; this table does, per API.
///
/// Spanner: reads and partitioning have no side effects; beginning or
/// rolling back a transaction twice is harmless; `executeBatchDml` carries
/// the `seqno` that makes the server answer a replay with the first result;
/// `executeSql` is safe as a single-use or newly begun read-only query
/// (including the default, no transaction: a strong single-use read), or
/// with a `seqno`. `commit`, DML without `seqno`, and session creation are
/// not retried.
/// The emulator variable of the APIs Google ships a local emulator for
/// (the Discovery document does not say), by API name.
fn emulator_env(api: &str) -> Option<&'static str> {
    match api {
        "spanner" => Some("SPANNER_EMULATOR_HOST"),
        "firestore" => Some("FIRESTORE_EMULATOR_HOST"),
        "datastore" => Some("DATASTORE_EMULATOR_HOST"),
        "pubsub" => Some("PUBSUB_EMULATOR_HOST"),
        "bigtableadmin" => Some("BIGTABLE_EMULATOR_HOST"),
        _ => None,
    }
}

/// The REST port of an emulator whose variable names its gRPC address (the
/// Spanner emulator's gateway: gRPC 9010, REST 9020 by default, as `gcloud
/// emulators spanner start` runs it): the variable that names the REST port
/// and the default. The other emulators answer REST on the variable's port.
fn emulator_rest_port(api: &str) -> Option<(&'static str, u16)> {
    match api {
        "spanner" => Some(("SPANNER_EMULATOR_REST_PORT", 9020)),
        _ => None,
    }
}

/// The methods whose REST response is a stream of messages (a JSON array
/// sent in chunks), which the Discovery document does not mark; `true` when
/// the messages are Spanner `PartialResultSet`s that merge into rows.
fn server_stream(method_id: &str) -> Option<bool> {
    match method_id {
        "spanner.projects.instances.databases.sessions.executeStreamingSql"
        | "spanner.projects.instances.databases.sessions.streamingRead" => Some(true),
        "firestore.projects.databases.documents.runQuery"
        | "firestore.projects.databases.documents.runAggregationQuery"
        | "firestore.projects.databases.documents.batchGet" => Some(false),
        _ => None,
    }
}

/// Marks the methods that answer with a long-running operation (a schema
/// named `Operation` with `done`, as AIP-151 defines it), when the API can
/// poll them: it has an `operations.get` at `<prefix>{+name}`.
fn decide_long_running(service: &mut Service) {
    let prefix = service.operations.iter().filter(|o| o.resource.last().is_some_and(|r| r == "operations") && o.method == "get").find_map(
        |o| match o.http()?.path.as_slice() {
            [PathSegment::Literal(prefix), PathSegment::Label { greedy: true, .. }] => Some(prefix.clone()),
            _ => None,
        },
    );
    let Some(prefix) = prefix else { return };
    let is_operation = |id: TypeId| {
        let t = &service.types[id.0];
        t.name.wire == "Operation" && matches!(&t.kind, TypeKind::Struct(fields) if fields.iter().any(|f| f.member_name == "done"))
    };
    let long_running: Vec<bool> = service.operations.iter().map(|op| op.output.is_some_and(is_operation)).collect();
    for (op, lro) in service.operations.iter_mut().zip(long_running) {
        if lro && op.response == ResponseKind::Unary {
            op.response = ResponseKind::LongRunning;
        }
    }
    if let ProviderMeta::Google(g) = &mut service.provider {
        g.operations_prefix = Some(prefix);
    }
}

/// Methods whose retry safety the spec does not say (it has no idempotency
/// marks): `Some(vec![])` for always safe to repeat, `Some(conditions)` for
/// safe when one `(path, set)` condition on the request body holds.
fn safe_to_repeat(method_id: &str) -> Option<Vec<(Vec<String>, bool)>> {
    const SESSIONS: &str = "spanner.projects.instances.databases.sessions.";
    let path = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    match method_id.strip_prefix(SESSIONS)? {
        "read" | "partitionQuery" | "partitionRead" | "beginTransaction" | "rollback" | "executeBatchDml" => Some(Vec::new()),
        "executeSql" => Some(vec![
            (path(&["transaction"]), false),
            (path(&["transaction", "singleUse", "readOnly"]), true),
            (path(&["transaction", "begin", "readOnly"]), true),
            (path(&["seqno"]), true),
        ]),
        _ => None,
    }
}
