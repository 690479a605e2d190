//! Snapshot tests: the fixture specs (every shape kind and trait) through the
//! whole pipeline, the API summary of each service, and the session types of
//! the three seed services. Review changes with `cargo insta review`.

mod common;
use common::*;

#[test]
fn fixture_smithy_summary() {
    let (l, b) = fixture("kitchen-sink.smithy.json");
    insta::assert_snapshot!(nimbus_codegen::emit::summary::summary(&smithy(&l, &b, None)));
}

#[test]
fn fixture_smithy_rust() {
    let (l, b) = fixture("kitchen-sink.smithy.json");
    let s = smithy(&l, &b, None);
    let ids: Vec<_> = (0..s.types.len()).map(nimbus_codegen::ir::TypeId).collect();
    insta::assert_snapshot!(rust_of(&s, &ids));
}

#[test]
fn fixture_discovery_summary() {
    let (l, b) = fixture("kitchen-sink.discovery.json");
    insta::assert_snapshot!(nimbus_codegen::emit::summary::summary(&discovery(&l, &b)));
}

#[test]
fn fixture_discovery_rust() {
    let (l, b) = fixture("kitchen-sink.discovery.json");
    let s = discovery(&l, &b);
    let ids: Vec<_> = (0..s.types.len()).map(nimbus_codegen::ir::TypeId).filter(|id| !s.ty(*id).synthetic).collect();
    insta::assert_snapshot!(rust_of(&s, &ids));
}

/// The Google client of the fixture: resource accessors (incl. the colliding
/// `a2aTasks` / `a2a_tasks` and a method named `type`), typed names, an
/// `object` query parameter sent as JSON, pagination.
#[test]
fn fixture_discovery_client() {
    let (l, b) = fixture("kitchen-sink.discovery.json");
    let s = discovery(&l, &b);
    let client = nimbus_codegen::emit::format_file(nimbus_codegen::emit::google::client_rs(&s).unwrap(), "client.rs").unwrap();
    let ops = nimbus_codegen::emit::format_file(nimbus_codegen::emit::google::operations_rs(&s).unwrap(), "operations.rs").unwrap();
    let names =
        nimbus_codegen::emit::google::names_rs(&s).map(|t| nimbus_codegen::emit::format_file(t, "names.rs").unwrap()).unwrap_or_default();
    insta::assert_snapshot!(format!("{client}\n{names}\n{ops}"));
}

/// The AWS client of the Smithy fixture (restJson1 bindings, errors, paginators).
#[test]
fn fixture_smithy_client() {
    let (l, b) = fixture("kitchen-sink.smithy.json");
    let s = nimbus_codegen::read_spec(nimbus_codegen::SpecFormat::Smithy, &l, &b, None).unwrap();
    let client = nimbus_codegen::emit::format_file(nimbus_codegen::emit::client::client_rs(&s).unwrap(), "client.rs").unwrap();
    let ops = nimbus_codegen::emit::format_file(nimbus_codegen::emit::client::operations_rs(&s).unwrap(), "operations.rs").unwrap();
    let errors = nimbus_codegen::emit::format_file(nimbus_codegen::emit::client::errors_rs(&s).unwrap(), "errors.rs").unwrap();
    insta::assert_snapshot!(format!("{client}\n{ops}\n{errors}"));
}

#[test]
fn athena_api_summary() {
    let s = athena();
    assert_eq!(s.operations.len(), 70);
    insta::assert_snapshot!(nimbus_codegen::emit::summary::summary(&s));
}

#[test]
fn workspacesweb_api_summary() {
    let s = workspacesweb();
    assert_eq!(s.operations.len(), 68);
    insta::assert_snapshot!(nimbus_codegen::emit::summary::summary(&s));
}

#[test]
fn spanner_api_summary() {
    let s = spanner();
    assert_eq!(s.operations.len(), 99);
    assert_eq!(s.spec_type_count, 180);
    insta::assert_snapshot!(nimbus_codegen::emit::summary::summary(&s));
}

#[test]
fn athena_get_session_types() {
    let s = athena();
    insta::assert_snapshot!(rust_of(&s, &closure(&s, "GetSessionResponse")));
}

#[test]
fn workspacesweb_session_types() {
    let s = workspacesweb();
    insta::assert_snapshot!(rust_of(&s, &closure(&s, "Session")));
}

#[test]
fn spanner_session_types() {
    let s = spanner();
    insta::assert_snapshot!(rust_of(&s, &closure(&s, "Session")));
}

#[test]
fn generation_is_deterministic() {
    let (l, b) = spec_bytes("google/spanner.v1.json");
    let a = rust_of(&discovery(&l, &b), &[]);
    let first = nimbus_codegen::emit::types_rs(&discovery(&l, &b)).to_string();
    let second = nimbus_codegen::emit::types_rs(&discovery(&l, &b)).to_string();
    assert_eq!(first, second);
    assert!(a.starts_with(nimbus_codegen::emit::PREAMBLE));
    let s1 = athena();
    let s2 = athena();
    assert_eq!(nimbus_codegen::emit::types_rs(&s1).to_string(), nimbus_codegen::emit::types_rs(&s2).to_string());
}
