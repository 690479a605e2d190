//! Bad specs give one located error line (file, JSON path, problem), never a
//! panic. The messages are pinned by snapshots.

mod common;
use common::fixture;

fn error_of(name: &str) -> String {
    let (label, bytes) = fixture(&format!("bad/{name}"));
    // The whole read: the reader, the passes and the validation before emission.
    let format = if name.ends_with(".smithy.json") { nimbus_codegen::SpecFormat::Smithy } else { nimbus_codegen::SpecFormat::Discovery };
    let result = nimbus_codegen::read_spec(format, &label, &bytes, None).map(|_| ());
    let err = result.expect_err("a bad spec must be rejected");
    let line = err.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.starts_with(&label), "names the file: {line}");
    assert!(line.contains(" at "), "names the JSON path: {line}");
    line
}

#[test]
fn malformed_smithy_json() {
    insta::assert_snapshot!(error_of("malformed.smithy.json"), @"fixtures/bad/malformed.smithy.json: at line 5 column 0: malformed JSON: EOF while parsing an object");
}

#[test]
fn dangling_shape_target() {
    insta::assert_snapshot!(error_of("dangling-target.smithy.json"));
}

#[test]
fn unknown_shape_type() {
    insta::assert_snapshot!(error_of("unknown-shape-type.smithy.json"));
}

#[test]
fn wrong_typed_trait_value() {
    insta::assert_snapshot!(error_of("wrong-trait-type.smithy.json"));
}

#[test]
fn out_of_range_http_status() {
    insta::assert_snapshot!(error_of("bad-http-status.smithy.json"));
}

/// A restJson1 operation without `@http` cannot be called: refused when
/// lowering, so the emitters never meet an operation without its route.
#[test]
fn rest_operation_without_route() {
    insta::assert_snapshot!(error_of("rest-operation-without-route.smithy.json"));
}

/// A URI label without its `@httpLabel` member is refused when lowering.
#[test]
fn unknown_uri_label() {
    insta::assert_snapshot!(error_of("unknown-uri-label.smithy.json"));
}

/// `;` and `|` separate the parts of the layout the XML codecs read.
#[test]
fn xml_namespace_with_a_layout_separator() {
    insta::assert_snapshot!(error_of("xml-namespace-with-separator.smithy.json"));
}

/// A protocol test whose parameters do not fit the input is reported when
/// the spec is read, not while the tests are emitted.
#[test]
fn protocol_test_parameters_that_do_not_fit() {
    insta::assert_snapshot!(error_of("test-params-mismatch.smithy.json"));
}

#[test]
fn structure_bound_to_a_header() {
    insta::assert_snapshot!(error_of("structure-in-header.smithy.json"));
}

#[test]
fn retry_condition_on_a_member_the_request_lacks() {
    insta::assert_snapshot!(error_of("retry-condition-without-member.discovery.json"));
}

#[test]
fn ambiguous_service() {
    insta::assert_snapshot!(error_of("two-services.smithy.json"));
}

#[test]
fn ref_to_missing_schema() {
    insta::assert_snapshot!(error_of("missing-ref.discovery.json"));
}

#[test]
fn malformed_discovery_json() {
    insta::assert_snapshot!(error_of("malformed.discovery.json"));
}

#[test]
fn wrong_typed_discovery_value() {
    insta::assert_snapshot!(error_of("wrong-type.discovery.json"));
}

#[test]
fn path_label_without_parameter() {
    insta::assert_snapshot!(error_of("unknown-label.discovery.json"));
}

/// Every prefix of a real spec (truncated downloads) is rejected cleanly.
#[test]
fn truncated_specs_never_panic() {
    let (label, bytes) = fixture("kitchen-sink.smithy.json");
    for cut in (0..bytes.len()).step_by(97) {
        assert!(nimbus_codegen::smithy::read(&label, &bytes[..cut], None).is_err());
    }
    let (label, bytes) = fixture("kitchen-sink.discovery.json");
    for cut in (0..bytes.len()).step_by(89) {
        assert!(nimbus_codegen::discovery::read(&label, &bytes[..cut]).is_err());
    }
}
