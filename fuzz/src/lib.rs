//! The bodies of the fuzz targets, shared by the libFuzzer binaries
//! (`fuzz_targets/`, run by `cargo xtask fuzz --coverage`) and by the
//! regression test that replays the committed corpus (`fuzz/corpus/`) on
//! every `cargo xtask test`.
//!
//! Each body panics exactly when an invariant breaks, which is what a fuzzer
//! reports as a crash:
//! - [`spec`]: a spec either fails with a located `SpecError` or emits;
//!   no reader, pass or emitter panics, and no emitter fails on a model that
//!   passed validation;
//! - [`responses`]: any response body gives a value or a typed error from
//!   the typed decoders, both providers' error readers and the Spanner
//!   stream decoder; none of them panics.

use nimbus_codegen::{SpecFormat, read_then_emit};
use nimbus_core::http::{Bytes, Headers, HttpResponse};
use nimbus_core::protocol::json;
use nimbus_core::{Error, paginate};

/// The targets, by the name of their binary and corpus folder.
pub const TARGETS: [&str; 3] = ["smithy", "discovery", "decoders"];

/// Runs `input` through the target called `name` (one of [`TARGETS`]).
pub fn run(name: &str, input: &[u8]) {
    match name {
        "smithy" => spec(SpecFormat::Smithy, input),
        "discovery" => spec(SpecFormat::Discovery, input),
        "decoders" => responses(input),
        other => panic!("no fuzz target named `{other}`"),
    }
}

/// Reads `input` as a spec of `format` and emits the crate when it reads.
pub fn spec(format: SpecFormat, input: &[u8]) {
    if let Err(broken) = read_then_emit(format, input) {
        panic!("{broken}");
    }
}

/// Decodes `body` with every decoder, as a success (200) and as a failure
/// (400 and 503) response.
pub fn responses(body: &[u8]) {
    let success = HttpResponse::new(200, Headers::new(), body.to_vec());
    let _ = json::decode::<nimbus_athena::types::GetSessionResponse>(&success);
    let _ = json::decode::<nimbus_athena::types::GetQueryResultsOutput>(&success);
    let _ = json::decode::<nimbus_workspacesweb::types::GetSessionResponse>(&success);
    let _ = json::decode::<nimbus_spanner::types::Session>(&success);
    let _ = json::decode::<nimbus_spanner::types::ResultSet>(&success);
    let _ = json::decode::<nimbus_spanner::types::PartialResultSet>(&success);
    let _ = json::decode::<nimbus_spanner::types::Operation>(&success);
    // The XML (awsQuery, restXml) and CBOR (rpcv2Cbor) decoders.
    let _ = nimbus_aws::xml::decode::<nimbus_sts::types::AssumeRoleResponse>(&success, true);
    let _ = nimbus_aws::xml::decode::<nimbus_sts::types::AssumeRoleResponse>(&success, false);
    let _ = nimbus_aws::xml::decode_unwrapped::<nimbus_sts::types::GetCallerIdentityResponse>(&success, "Account");
    let _ = nimbus_aws::cbor::decode::<nimbus_athena::types::GetSessionResponse>(&success);
    let _ = nimbus_aws::cbor::from_slice::<serde_json::Value>(body);
    for status in [400, 503] {
        let failure = HttpResponse::new(status, Headers::new(), body.to_vec());
        let xml = nimbus_aws::xml::error_from_response(failure.clone());
        let cbor = nimbus_aws::cbor::error_from_response(failure.clone());
        let _ = nimbus_aws::xml::decode_error::<nimbus_sts::types::ExpiredTokenException>(&failure);
        for e in [nimbus_aws::protocol::error_from_response(failure.clone()), nimbus_google::error::read_error(failure), xml, cbor] {
            let _ = (e.code(), e.details(), e.to_string());
        }
    }
    stream_rows(body);
}

/// Feeds `body` to the Spanner stream decoder in 7-byte chunks and reads
/// rows until the end or the first error.
fn stream_rows(body: &[u8]) {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime =
            tokio::runtime::Builder::new_current_thread().build().expect("a current-thread runtime needs no I/O driver");
    }
    let chunks: Vec<Result<Bytes, Error>> = body.chunks(7).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let values = nimbus_google::stream::json_values(Box::pin(paginate::stream_iter(chunks)));
    let mut rows = nimbus_google::stream::rows(values);
    RUNTIME.with(|rt| {
        rt.block_on(async {
            while let Some(row) = paginate::next(&mut rows).await {
                if row.is_err() {
                    break;
                }
            }
        })
    });
}
