//! Helpers shared by the codegen integration tests.
#![allow(dead_code, missing_docs)]

use nimbus_codegen::ir::{Service, TypeId, TypeKind};
use std::path::{Path, PathBuf};

/// Workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("codegen/ has a parent").to_path_buf()
}

/// Reads a spec file under `specs/` (committed) or `specs/.materialized/`.
pub fn spec_bytes(rel: &str) -> (String, Vec<u8>) {
    for base in ["specs", "specs/.materialized"] {
        let p = root().join(base).join(rel);
        if let Ok(b) = std::fs::read(&p) {
            return (format!("{base}/{rel}"), b);
        }
    }
    panic!("spec `{rel}` is not materialised: run `cargo xtask specs` (the README's test command does)");
}

pub fn fixture(name: &str) -> (String, Vec<u8>) {
    let p = root().join("codegen/tests/fixtures").join(name);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (format!("fixtures/{name}"), bytes)
}

pub fn smithy(label: &str, bytes: &[u8], service: Option<&str>) -> Service {
    let mut s = nimbus_codegen::smithy::read(label, bytes, service).unwrap_or_else(|e| panic!("{e}"));
    nimbus_codegen::passes::run(&mut s);
    s
}

pub fn discovery(label: &str, bytes: &[u8]) -> Service {
    let mut s = nimbus_codegen::discovery::read(label, bytes).unwrap_or_else(|e| panic!("{e}"));
    nimbus_codegen::passes::run(&mut s);
    s
}

pub fn athena() -> Service {
    let (l, b) = spec_bytes("aws/athena-2017-05-18.2026-06-05.json");
    smithy(&l, &b, None)
}

pub fn workspacesweb() -> Service {
    let (l, b) = spec_bytes("aws/workspaces-web-2020-07-08.json");
    smithy(&l, &b, None)
}

pub fn spanner() -> Service {
    let (l, b) = spec_bytes("google/spanner.v1.json");
    discovery(&l, &b)
}

/// The type named `rust`.
pub fn type_id(service: &Service, rust: &str) -> TypeId {
    let i = service.types.iter().position(|t| t.name.rust == rust).unwrap_or_else(|| panic!("no type {rust}"));
    TypeId(i)
}

/// `rust` and every type it contains, in arena order.
pub fn closure(service: &Service, rust: &str) -> Vec<TypeId> {
    let mut seen = vec![false; service.types.len()];
    let mut stack = vec![type_id(service, rust)];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.0], true) {
            continue;
        }
        if let TypeKind::Struct(fs) | TypeKind::Union(fs) = &service.ty(id).kind {
            for f in fs {
                f.ty.visit_named(&mut |n| stack.push(n));
            }
        }
    }
    (0..seen.len()).filter(|i| seen[*i]).map(TypeId).collect()
}

/// Formatted Rust of the given types.
pub fn rust_of(service: &Service, ids: &[TypeId]) -> String {
    let items = ids.iter().map(|id| nimbus_codegen::emit::types::type_item(service, *id, service.ty(*id)));
    let tokens = quote::quote! { #(#items)* };
    nimbus_codegen::emit::format_file(tokens, "snapshot").unwrap_or_else(|e| panic!("{e}"))
}
