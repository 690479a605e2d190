//! Realistic payloads through the generated types: every member decoded,
//! round trips where the type goes both ways, unknown enum values kept,
//! nulls and unknown fields tolerated, sensitive members redacted.

mod common;

use common::{athena_engine, athena_expected_session, athena_get_session_json};
use nimbus_core::DateTime;
use serde_json::{Value, json};

#[test]
fn athena_get_session_response_decodes_every_member() {
    use nimbus_athena::types::*;
    let decoded: GetSessionResponse = serde_json::from_value(athena_get_session_json()).unwrap();
    let expected = athena_expected_session();
    let engine = athena_engine();
    assert_eq!(decoded, expected);

    // EngineConfiguration is sent too: it round-trips through its wire form.
    let wire = serde_json::to_value(&engine).unwrap();
    assert_eq!(wire, athena_get_session_json()["EngineConfiguration"]);
    let back: EngineConfiguration = serde_json::from_value(wire).unwrap();
    assert_eq!(back, engine);
}

#[test]
fn athena_tolerates_unknown_values_nulls_and_fields() {
    use nimbus_athena::types::*;
    let mut v = athena_get_session_json();
    v["Status"]["State"] = json!("HIBERNATING");
    v["Description"] = Value::Null;
    v["EngineConfiguration"]["MaxConcurrentDpus"] = Value::Null;
    v["SomethingNew"] = json!({"nested": [1, 2, 3]});
    let decoded: GetSessionResponse = serde_json::from_value(v).unwrap();
    let state = decoded.status.unwrap().state.unwrap();
    assert!(matches!(state, SessionState::Unknown(_)));
    assert_eq!(state.as_str(), "HIBERNATING");
    assert_eq!(state.to_string(), "HIBERNATING");
    assert_eq!(decoded.description, None);
    // A required member that arrives null decodes to its zero value.
    assert_eq!(decoded.engine_configuration.unwrap().max_concurrent_dpus, 0);
    assert_eq!(SessionState::from("IDLE"), SessionState::Idle);
    assert!(SessionState::VALUES.contains(&"DEGRADED"));
}

#[test]
fn athena_request_serializes_wire_names() {
    use nimbus_athena::types::*;
    let req = GetSessionRequest::new("sess-1");
    assert_eq!(serde_json::to_value(&req).unwrap(), json!({"SessionId": "sess-1"}));
    // Optional members are omitted when unset, present when set.
    let req = ListSessionsRequest::new("wg").set_max_results(5);
    assert_eq!(serde_json::to_value(&req).unwrap(), json!({"WorkGroup": "wg", "MaxResults": 5}));
}

#[test]
fn workspacesweb_session_decodes_and_redacts() {
    use nimbus_workspacesweb::types::*;
    let body = json!({
        "session": {
            "portalArn": "arn:aws:workspaces-web:us-east-1:111122223333:portal/p-1",
            "sessionId": "s-1",
            "username": "alice@example.com",
            "clientIpAddresses": ["203.0.113.7"],
            "status": "Active",
            "startTime": 1700000000,
            "endTime": 1700003600.25
        }
    });
    let decoded: GetSessionResponse = serde_json::from_value(body).unwrap();
    let session = decoded.session.clone().unwrap();
    assert_eq!(session.session_id.as_deref(), Some("s-1"));
    assert_eq!(session.status, Some(SessionStatus::Active));
    assert_eq!(session.end_time, Some(DateTime::from_parts(1_700_003_600, 250_000_000)));
    assert_eq!(session.client_ip_addresses.as_deref(), Some(&["203.0.113.7".to_owned()][..]));
    // Sensitive members never reach Debug output, also through a containing type.
    let debug = format!("{decoded:?}");
    assert!(!debug.contains("alice@example.com"), "{debug}");
    assert!(!debug.contains("203.0.113.7"), "{debug}");
    assert!(debug.contains("s-1"), "{debug}");
    assert!(debug.contains("Redacted"), "{debug}");

    let idp: IdentityProvider = serde_json::from_value(json!({
        "identityProviderArn": "arn:idp",
        "identityProviderName": "corp",
        "identityProviderDetails": { "client_secret": "hunter2" }
    }))
    .unwrap();
    let debug = format!("{idp:?}");
    assert!(!debug.contains("hunter2") && !debug.contains("corp"), "{debug}");
}

#[test]
fn spanner_session_round_trips() {
    use nimbus_spanner::types::*;
    let wire = json!({
        "name": "projects/p/instances/i/databases/d/sessions/s1",
        "labels": { "env": "prod" },
        "createTime": "2024-05-01T12:34:56.123456Z",
        "approximateLastUseTime": "2024-05-01T12:40:00Z",
        "creatorRole": "analyst",
        "multiplexed": true
    });
    let session: Session = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(session.create_time, Some(DateTime::from_parts(1_714_566_896, 123_456_000)));
    assert_eq!(session.multiplexed, Some(true));
    assert_eq!(serde_json::to_value(&session).unwrap(), wire);
    let built = Session::new()
        .set_name("projects/p/instances/i/databases/d/sessions/s1")
        .set_labels([("env".to_owned(), "prod".to_owned())])
        .set_create_time(DateTime::from_parts(1_714_566_896, 123_456_000))
        .set_approximate_last_use_time(DateTime::parse_rfc3339("2024-05-01T12:40:00Z").unwrap())
        .set_creator_role("analyst")
        .set_multiplexed(true);
    assert_eq!(built, session);
}

#[test]
fn spanner_int64_strings_bytes_and_recursion() {
    use nimbus_spanner::types::*;
    // int64 arrives as a string (and, tolerated, as a number).
    let stats: ResultSetStats = serde_json::from_value(json!({"rowCountExact": "9007199254740993"})).unwrap();
    assert_eq!(stats.row_count_exact, Some(9_007_199_254_740_993));
    let stats: ResultSetStats = serde_json::from_value(json!({"rowCountExact": 12})).unwrap();
    assert_eq!(stats.row_count_exact, Some(12));
    let req = RollbackRequest::new().set_transaction_id(nimbus_core::Blob::new(b"\x00\x01txn".to_vec()));
    assert_eq!(serde_json::to_value(&req).unwrap(), json!({"transactionId": "AAF0eG4="}));
    // A recursive type (ARRAY<STRUCT<a ARRAY<INT64>>>) round-trips.
    let wire = json!({
        "code": "ARRAY",
        "arrayElementType": {
            "code": "STRUCT",
            "structType": { "fields": [ { "name": "a", "type": { "code": "ARRAY", "arrayElementType": { "code": "INT64" } } } ] }
        }
    });
    let ty: Type = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(ty.array_element_type.as_ref().unwrap().code, Some(TypeCode::Struct));
    assert_eq!(serde_json::to_value(&ty).unwrap(), wire);
}

#[test]
fn fixture_unions_enums_and_special_values() {
    use nimbus_fixture_smithy::types::*;
    let thing: Thing = serde_json::from_value(json!({
        "tree": { "value": "root", "left": { "value": "l" } },
        "shape": { "circle": "NaN" },
        "float": "-Infinity",
        "level": 10,
        "nested": { "red": ["1985-04-12T23:20:50.52Z"] },
        "sparse": [1, null, 3],
        "blob": "aGVsbG8=",
        "document": { "any": ["json", 1, true] },
        "bigInteger": 123456789012345678901234567890u128.to_string()
    }))
    .unwrap();
    assert!(matches!(thing.shape, Some(Shape::Circle(x)) if x.is_nan()));
    assert_eq!(thing.float, Some(f32::NEG_INFINITY));
    assert_eq!(thing.level, Some(Level::High));
    assert_eq!(thing.sparse, Some(vec![Some(1), None, Some(3)]));
    assert_eq!(thing.blob.as_ref().map(|b| b.as_bytes().to_vec()), Some(b"hello".to_vec()));
    assert_eq!(thing.tree.left.as_ref().and_then(|l| l.value.as_deref()), Some("l"));
    assert_eq!(thing.nested.unwrap()[&Color::Red][0], DateTime::parse_rfc3339("1985-04-12T23:20:50.52Z").unwrap());

    // Unknown union members, enum values and int enum values are kept.
    let thing: Thing = serde_json::from_value(json!({"shape": {"hexagon": 6}, "color": "mauve", "level": 7})).unwrap();
    assert!(matches!(&thing.shape, Some(Shape::Unknown(v)) if v.as_str() == "hexagon"));
    assert_eq!(thing.color.as_ref().map(Color::as_str), Some("mauve"));
    assert_eq!(thing.level.as_ref().map(Level::value), Some(7));
    // A union must have exactly one member.
    assert!(serde_json::from_value::<Thing>(json!({"shape": {"circle": 1.0, "label": "x"}})).is_err());

    // Unions serialize with wire names and codecs; an unknown member cannot be sent.
    let shape = Shape::When(DateTime::from_secs(0));
    assert_eq!(serde_json::to_value(&shape).unwrap(), json!({"when": "1970-01-01T00:00:00Z"}));
    assert!(serde_json::to_value(Shape::default()).is_err());
    // Sensitive union members are redacted.
    assert!(!format!("{:?}", Shape::Label("top secret".into())).contains("top secret"));

    // Keywords and jsonName: `type` is `r#type` in Rust, "kind" on the wire (restJson1).
    let input = GetThingInput::new("t", "a/b").set_type(Color::DarkBlue).set_self_(true);
    let v = serde_json::to_value(&input).unwrap();
    assert_eq!(v, json!({"kind": "dark-blue", "self": true}), "labels/query/headers are not body members");
    // Debug redacts the sensitive member and everything else is printed.
    let dbg = format!("{:?}", input.set_secret("pa55word"));
    assert!(!dbg.contains("pa55word") && dbg.contains("DarkBlue"), "{dbg}");
}

#[test]
#[allow(deprecated)] // `ThingState::SelfValue` is marked deprecated in the fixture.
fn fixture_discovery_types() {
    use nimbus_fixture_discovery::types::*;
    let thing: Thing = serde_json::from_value(json!({
        "big": "-42", "bigger": "18446744073709551615", "counts": {"a": "1"},
        "state": "self", "inline": {"type": "t", "when": "2020-01-01T00:00:00Z"},
        "matrix": [[{"k": {"name": "inner"}}]], "data": "_-8=", "anything": null
    }))
    .unwrap();
    assert_eq!(thing.big, Some(-42));
    assert_eq!(thing.bigger, Some(u64::MAX));
    assert_eq!(thing.state, Some(ThingState::SelfValue));
    assert_eq!(thing.matrix.as_ref().unwrap()[0][0]["k"].name.as_deref(), Some("inner"));
    assert_eq!(thing.data.as_ref().unwrap().as_bytes(), &[0xff, 0xef]);
    let v = serde_json::to_value(&thing).unwrap();
    assert_eq!(v["big"], json!("-42"));
    assert_eq!(v["counts"], json!({"a": "1"}));
    assert_eq!(v["inline"]["when"], json!("2020-01-01T00:00:00Z"));
}

#[cfg(feature = "schemars")]
#[test]
fn json_schemas_describe_the_wire() {
    let schema = schemars::schema_for!(nimbus_spanner::types::ResultSetStats);
    let text = serde_json::to_string(&schema).unwrap();
    assert!(text.contains("rowCountExact"), "{text}");
    let schema = serde_json::to_value(schemars::schema_for!(nimbus_athena::types::SessionStatus)).unwrap();
    let props = &schema["properties"];
    assert!(props.get("StartDateTime").is_some(), "{schema}");
    assert!(props.get("State").is_some(), "{schema}");
}
