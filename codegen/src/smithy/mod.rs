//! Smithy JSON AST reader: [`model`] parses shapes and traits, [`lower`]
//! turns one service of a model into the IR.

pub mod customize;
pub mod lower;
pub mod model;

use crate::diagnostics::Result;
use crate::ir::Service;

/// Reads a Smithy JSON AST model and lowers one of its services to the IR.
/// `service` names the service shape when the model holds several.
pub fn read(file: &str, bytes: &[u8], service: Option<&str>) -> Result<Service> {
    let model = model::Model::parse(file, bytes)?;
    let mut service = lower::lower(&model, service)?;
    customize::apply(&mut service);
    Ok(service)
}
