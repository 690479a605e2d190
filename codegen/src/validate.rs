//! The last check before emission: what the emitters would otherwise find
//! out while writing code is found here, on the IR, and reported as one
//! located [`SpecError`]. A service that passes is emitted without error
//! (the fuzzers hold `read_spec` then `emit_crate` to that).
//!
//! Checked: every protocol test case's parameters fit the shape they
//! describe; every header-bound member of a structure has a type a header
//! can carry; every Google (Discovery) method has an HTTP route.

use crate::diagnostics::{Result, SpecError};
use crate::emit::{client, protocol_tests};
use crate::ir::{Binding, CallShape, Service, TypeKind};

/// Validates `service`, read from `file`.
pub fn run(service: &Service, file: &str) -> Result<()> {
    let error = |path: String, message: String| SpecError { file: file.to_owned(), path, message };
    if let Err((op, case, message)) = protocol_tests::check_params(service) {
        return Err(error(format!("operation `{op}`, protocol test `{case}`"), format!("the test's parameters do not fit: {message}")));
    }
    for ty in &service.types {
        let TypeKind::Struct(fields) = &ty.kind else { continue };
        for f in fields.iter().filter(|f| matches!(f.binding, Binding::Header(_))) {
            if let Err(message) = client::header_parser(service, f) {
                return Err(error(format!("shape `{}`, member `{}`", ty.name.wire, f.member_name), message));
            }
        }
    }
    if service.is_google() {
        if let Some(op) = service.operations.iter().find(|op| !matches!(op.call, CallShape::Http(_))) {
            return Err(error(format!("method `{}`", op.name.wire), "a Discovery method needs an HTTP path and method".into()));
        }
    }
    Ok(())
}
