//! The nimbus code generator: spec readers, one IR, Rust emitters.
//!
//! Bytes in, files out: this crate does no I/O. `xtask` reads the pinned
//! specs, calls [`read_spec`] and [`emit::emit_crate`], and writes (or checks)
//! the files.
//!
//! - [`smithy`] reads Smithy JSON AST models (AWS), [`discovery`] reads
//!   Google Discovery documents; both lower into [`ir`].
//! - [`passes`] run on the IR (recursion boxing).
//! - [`emit`] turns the IR into formatted Rust and crate files.

pub mod diagnostics;
pub mod discovery;
pub mod docs;
pub mod emit;
pub mod ir;
pub mod names;
pub mod passes;
pub mod smithy;
pub mod validate;

/// Which reader a spec needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecFormat {
    /// Smithy JSON AST.
    Smithy,
    /// Google Discovery document.
    Discovery,
}

impl SpecFormat {
    /// Guesses the format from the document: Discovery documents carry
    /// `discoveryVersion`, everything else is read as Smithy (whose reader
    /// says clearly when the `smithy` version key is missing).
    pub fn sniff(bytes: &[u8]) -> SpecFormat {
        // Smithy JSON ASTs open with `"smithy": "2.0"`; Discovery documents
        // carry `"discoveryVersion"`, sometimes after a large `auth` block.
        let head = &bytes[..bytes.len().min(256)];
        let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        if has(head, b"\"smithy\"") {
            SpecFormat::Smithy
        } else if has(bytes, b"\"discoveryVersion\"") {
            SpecFormat::Discovery
        } else {
            SpecFormat::Smithy
        }
    }
}

/// Reads a spec of either format, lowers it and runs the IR passes.
pub fn read_spec(format: SpecFormat, file: &str, bytes: &[u8], service: Option<&str>) -> diagnostics::Result<ir::Service> {
    let mut s = match format {
        SpecFormat::Smithy => smithy::read(file, bytes, service)?,
        SpecFormat::Discovery => discovery::read(file, bytes)?,
    };
    passes::run(&mut s);
    validate::run(&s, file)?;
    Ok(s)
}

/// The invariant the fuzzers check, as one call: reading `bytes` either
/// fails with a located [`diagnostics::SpecError`] (`Ok(false)`), or gives a
/// service that every emitter turns into crate files (`Ok(true)`). `Err`
/// means the invariant broke: an emitter failed on a model the readers and
/// passes accepted.
pub fn read_then_emit(format: SpecFormat, bytes: &[u8]) -> Result<bool, String> {
    let Ok(service) = read_spec(format, "fuzz.json", bytes, None) else { return Ok(false) };
    let spec = emit::CrateSpec {
        crate_name: "fuzz".into(),
        spec_label: "fuzz".into(),
        runtime_dir: "crates".into(),
        version: "0.1.0".into(),
        protocol_tests: true,
        examples: Vec::new(),
    };
    emit::emit_crate(&service, &spec).map(|_| true).map_err(|e| format!("an emitter failed on a model that passed validation: {e}"))
}

#[cfg(test)]
mod tests {
    use super::SpecFormat;

    #[test]
    fn sniffing_finds_discovery_documents_behind_a_long_auth_block() {
        // Found by the catalog run: chat.v1 and others list thousands of bytes of scopes first.
        let mut doc = String::from("{\n\"auth\": {\"oauth2\": {\"scopes\": {");
        for i in 0..200 {
            doc.push_str(&format!("\"https://www.googleapis.com/auth/scope{i}\": {{\"description\": \"x\"}},"));
        }
        doc.push_str("\"last\": {}}}},\n\"discoveryVersion\": \"v1\"}");
        assert_eq!(SpecFormat::sniff(doc.as_bytes()), SpecFormat::Discovery);
        assert_eq!(SpecFormat::sniff(br#"{"smithy": "2.0", "shapes": {"a#discoveryVersion": {}}}"#), SpecFormat::Smithy);
    }
}
