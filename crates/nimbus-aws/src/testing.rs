//! Test helpers of the AWS layer (feature `test-util`): everything of
//! [`nimbus_core::testing`], running endpoint-rule test cases, and a local
//! server answering as instance metadata and container credentials.

pub use crate::credentials::test_server::{CredentialsServer, Seen, env_of};
pub use nimbus_core::testing::*;
use serde_json::Value;

/// Runs one `smithy.rules#endpointTests` case (parameters and expectation as
/// JSON) against a rule set (JSON): the URL, and the headers and properties
/// when the case gives them, must match; an expected error must match its
/// message. `Ok(Some(reason))`: the case expects a partition to lack
/// dual-stack support that the pinned `partitions.json` (newer than the
/// model's test data) says it has; the rules then rightly resolve an endpoint.
pub fn endpoint_case(rules: &str, params: &str, expect: &str) -> Result<Option<String>, String> {
    use crate::endpoint::{Params, RuleSet};
    let rules = RuleSet::parse(rules).map_err(|e| format!("rule set: {e}"))?;
    let params: Value = serde_json::from_str(params).map_err(|e| format!("params: {e}"))?;
    let expect: Value = serde_json::from_str(expect).map_err(|e| format!("expect: {e}"))?;
    let mut p = Params::new();
    for (k, v) in params.as_object().into_iter().flatten() {
        if let Some(value) = crate::endpoint::Value::from_json(v) {
            p = p.set(k.clone(), value);
        }
    }
    match (rules.resolve(&p), expect.get("endpoint"), expect.get("error").and_then(Value::as_str)) {
        (Ok(got), Some(want), _) => {
            let want_url = want.get("url").and_then(Value::as_str).unwrap_or("");
            if got.url != want_url {
                return Err(format!("url: expected {want_url}, got {}", got.url));
            }
            if let Some(h) = want.get("headers") {
                let got_h = serde_json::to_value(&got.headers).unwrap_or(Value::Null);
                if *h != got_h {
                    return Err(format!("headers: expected {h}, got {got_h}"));
                }
            }
            if let Some(props) = want.get("properties") {
                let got_p = Value::Object(got.properties.clone());
                if *props != got_p {
                    return Err(format!("properties: expected {props}, got {got_p}"));
                }
            }
            Ok(None)
        }
        (Err(e), _, Some(msg)) if e.message() == msg => Ok(None),
        (Err(e), _, Some(msg)) => Err(format!("error: expected `{msg}`, got `{}`", e.message())),
        (Ok(got), None, Some(msg)) => {
            let region = params.get("Region").and_then(Value::as_str).unwrap_or("");
            let partition = crate::endpoint::partition_of(region).map(|p| p.to_json()).unwrap_or(Value::Null);
            let supports = |key: &str| partition.get(key).and_then(Value::as_bool).unwrap_or(false);
            let fips = params.get("UseFIPS").and_then(Value::as_bool).unwrap_or(false);
            let supported_now = supports("supportsDualStack") && (!fips || supports("supportsFIPS"));
            if msg.contains("DualStack") && msg.contains("does not support") && supported_now {
                Ok(Some(format!("{region}: the pinned partitions.json says its partition supports dual-stack; resolved {}", got.url)))
            } else {
                Err(format!("expected error `{msg}`, got endpoint {}", got.url))
            }
        }
        (Err(e), Some(_), _) => Err(format!("expected an endpoint, got error `{}`", e.message())),
        (_, None, None) => Err("the case expects neither an endpoint nor an error".into()),
    }
}
