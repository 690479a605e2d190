//! A readable API summary of a service (operations and type signatures),
//! snapshotted so a spec update is reviewable as a small diff.

use super::types::{field_type, rust_type, type_text};
use crate::ir::*;
use std::fmt::Write;

fn binding(b: &Binding) -> String {
    match b {
        Binding::Body => String::new(),
        Binding::Label => " @label".into(),
        Binding::Query(q) => format!(" @query({q})"),
        Binding::QueryParams => " @queryParams".into(),
        Binding::Header(h) => format!(" @header({h})"),
        Binding::PrefixHeaders(p) => format!(" @prefixHeaders({p})"),
        Binding::Payload => " @payload".into(),
        Binding::ResponseCode => " @responseCode".into(),
    }
}

/// Renders the summary.
pub fn summary(service: &Service) -> String {
    let mut out = String::new();
    let name = |id: &Option<TypeId>| id.map_or("()".to_owned(), |i| service.ty(i).name.rust.clone());
    let _ = writeln!(out, "service {} ({}) version {}: {}", service.short_name, service.protocol.label(), service.version, service.title);
    if let Some(aws) = service.aws() {
        let _ = writeln!(out, "  sdk id {:?}, endpoint prefix {:?}, signing name {:?}", aws.sdk_id, aws.endpoint_prefix, aws.signing_name);
    }
    if let Some(g) = service.google() {
        let _ = writeln!(out, "  root {} path {:?} mtls {:?}", g.root_url, g.service_path, g.mtls_root_url);
        let params: Vec<&str> = g.global_params.iter().map(|p| p.name.wire.as_str()).collect();
        let _ = writeln!(out, "  global parameters: {}", params.join(", "));
        let _ = writeln!(out, "  emulator {:?}, operations polled at {:?}", g.emulator_env, g.operations_prefix);
        if let Some((variable, port)) = &g.emulator_rest_port {
            let _ = writeln!(out, "  emulator REST port from {variable}, default {port}");
        }
    }
    let _ = writeln!(out, "\noperations ({}):", service.operations.len());
    for op in &service.operations {
        let _ = write!(out, "  {}({}) -> {}", op.name.rust, name(&op.input), name(&op.output));
        if !op.errors.is_empty() {
            let errs: Vec<&str> = op.errors.iter().map(|e| service.ty(*e).name.rust.as_str()).collect();
            let _ = write!(out, " ! {}", errs.join(" | "));
        }
        let _ = writeln!(out);
        if let Some(h) = op.http() {
            let path: String = h
                .path
                .iter()
                .map(|s| match s {
                    PathSegment::Literal(l) => l.clone(),
                    PathSegment::Label { name, greedy: true, .. } => format!("{{+{name}}}"),
                    PathSegment::Label { name, .. } => format!("{{{name}}}"),
                })
                .collect();
            let _ = writeln!(out, "      {} {} -> {}", h.method, path, h.code);
        }
        if let Some(t) = op.rpc_target() {
            let _ = writeln!(out, "      target {t}");
        }
        if let Some(p) = &op.pagination {
            let _ =
                writeln!(out, "      paginated {} -> {} items {:?} page size {:?}", p.input_token, p.output_token, p.items, p.page_size);
        }
        let flags: Vec<&str> = [
            (op.idempotent, "idempotent"),
            (op.readonly, "readonly"),
            (op.deprecated.is_some(), "deprecated"),
            (op.streaming, "streaming"),
            (op.event_stream, "event stream: not supported yet"),
            (op.response == ResponseKind::LongRunning, "long-running"),
            (op.response == ResponseKind::ServerStream { rows: false }, "server stream"),
            (op.response == ResponseKind::ServerStream { rows: true }, "server stream of rows"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, l)| *l)
        .collect();
        if !flags.is_empty() {
            let _ = writeln!(out, "      {}", flags.join(", "));
        }
        if !op.idempotent_when.is_empty() {
            let conditions: Vec<String> =
                op.idempotent_when.iter().map(|c| format!("{} {}", c.path.join("."), if c.set { "set" } else { "unset" })).collect();
            let _ = writeln!(out, "      idempotent when {}", conditions.join(" or "));
        }
    }
    let _ = writeln!(out, "\ntypes ({}):", service.types.len());
    for t in &service.types {
        let dir = match (t.usage.input, t.usage.output) {
            (true, true) => "in/out",
            (true, false) => "in",
            (false, true) => "out",
            _ => "-",
        };
        let mut tags = vec![dir.to_owned()];
        if t.synthetic {
            tags.push("params".into());
        }
        if let Some(e) = &t.error {
            tags.push(format!(
                "error {}{}",
                if e.server_fault { "server" } else { "client" },
                e.http_status.map(|s| format!(" {s}")).unwrap_or_default()
            ));
        }
        if t.sensitive {
            tags.push("sensitive".into());
        }
        let tags = tags.join(", ");
        match &t.kind {
            TypeKind::Struct(fields) | TypeKind::Union(fields) => {
                let kw = if matches!(t.kind, TypeKind::Struct(_)) { "struct" } else { "union" };
                let _ = writeln!(out, "  {kw} {} [{tags}]", t.name.rust);
                for f in fields {
                    let ty = type_text(&if kw == "union" { rust_type(service, &f.ty) } else { field_type(service, f) });
                    let mut notes = Vec::new();
                    if f.name.wire != f.name.rust.trim_start_matches("r#") {
                        notes.push(format!("{:?}", f.name.wire));
                    }
                    if f.required {
                        notes.push("required".into());
                    }
                    if f.sensitive {
                        notes.push("sensitive".into());
                    }
                    if f.idempotency_token {
                        notes.push("idempotency token".into());
                    }
                    if f.boxed {
                        notes.push("boxed".into());
                    }
                    if let TypeRef::Timestamp(fmt) = strip(&f.ty) {
                        notes.push(format!("{fmt:?}"));
                    }
                    if let TypeRef::Int { as_string: true, .. } = strip(&f.ty) {
                        notes.push("as string".into());
                    }
                    let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join(", ")) };
                    let _ = writeln!(out, "    {}: {ty}{}{notes}", f.name.rust, binding(&f.binding));
                }
            }
            TypeKind::StringEnum(vs) | TypeKind::IntEnum(vs) => {
                let values: Vec<&str> = vs.iter().map(|v| v.name.wire.as_str()).collect();
                let _ = writeln!(out, "  enum {} [{tags}] = {}", t.name.rust, values.join(" | "));
            }
        }
    }
    out
}

fn strip(t: &TypeRef) -> &TypeRef {
    match t {
        TypeRef::List { item, .. } => strip(item),
        TypeRef::Map { value, .. } => strip(value),
        other => other,
    }
}
