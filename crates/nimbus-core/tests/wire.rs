//! The `nimbus_core::wire` adapters exercised through serde_json the way
//! generated code uses them.

use std::collections::{BTreeMap, HashMap};

use nimbus_core::wire::{self, Encode, Redacted};
use nimbus_core::{DateTime, Document};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn dt(s: &str) -> DateTime {
    DateTime::parse_rfc3339(s).expect("valid test date-time")
}

/// Serializes `value` to a JSON value, panicking with context on failure.
fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializable")
}

// ---------------------------------------------------------------------------
// Timestamps.
// ---------------------------------------------------------------------------

/// A deliberately deep nesting of containers around a timestamp.
type NestedTimes = Vec<Option<HashMap<String, Vec<DateTime>>>>;

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
struct Times {
    #[serde(default, with = "wire::date_time")]
    plain: DateTime,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::date_time")]
    created: Option<DateTime>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::epoch_seconds")]
    epoch: Option<DateTime>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::http_date")]
    http: Option<DateTime>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::date_time")]
    list: Option<Vec<DateTime>>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::epoch_seconds")]
    map: Option<HashMap<String, DateTime>>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::http_date")]
    nested: Option<NestedTimes>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::date_time")]
    boxed: Option<Box<DateTime>>,
}

#[test]
fn timestamps_serialize_in_the_selected_format() {
    let t = dt("2014-04-29T18:30:38.5Z");
    let value = Times {
        plain: t,
        created: Some(t),
        epoch: Some(t),
        http: Some(t),
        list: Some(vec![t, DateTime::from_secs(0)]),
        map: Some(HashMap::from([("k".to_owned(), DateTime::from_secs(-1))])),
        nested: Some(vec![None, Some(HashMap::from([("k".to_owned(), vec![t])]))]),
        boxed: Some(Box::new(t)),
    };
    let json = to_json(&value);
    assert_eq!(
        json,
        json!({
            "plain": "2014-04-29T18:30:38.5Z",
            "created": "2014-04-29T18:30:38.5Z",
            "epoch": 1398796238.5,
            "http": "Tue, 29 Apr 2014 18:30:38.5 GMT",
            "list": ["2014-04-29T18:30:38.5Z", "1970-01-01T00:00:00Z"],
            "map": { "k": -1 },
            "nested": [null, { "k": ["Tue, 29 Apr 2014 18:30:38.5 GMT"] }],
            "boxed": "2014-04-29T18:30:38.5Z",
        })
    );
    let back: Times = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, value);
}

#[test]
fn absent_and_null_timestamps_become_defaults() {
    let empty: Times = serde_json::from_str("{}").expect("all members default");
    assert_eq!(empty, Times::default());
    assert_eq!(to_json(&empty), json!({ "plain": "1970-01-01T00:00:00Z" }));

    let nulls: Times = serde_json::from_str(
        r#"{"plain": null, "created": null, "epoch": null, "http": null,
            "list": null, "map": null, "nested": null, "boxed": null}"#,
    )
    .expect("nulls accepted");
    assert_eq!(nulls, Times::default());
}

#[test]
fn timestamp_decoding_is_lenient_across_formats() {
    let expected = dt("2018-01-09T20:51:21Z");
    for input in
        [json!(1515531081), json!(1515531081.0), json!("2018-01-09T20:51:21Z"), json!("Tue, 09 Jan 2018 20:51:21 GMT"), json!("1515531081")]
    {
        let doc = json!({
            "plain": input.clone(),
            "created": input.clone(),
            "epoch": input.clone(),
            "http": input.clone(),
        });
        let parsed: Times = serde_json::from_value(doc).expect("lenient decode");
        assert_eq!(parsed.plain, expected, "{input}");
        assert_eq!(parsed.created, Some(expected), "{input}");
        assert_eq!(parsed.epoch, Some(expected), "{input}");
        assert_eq!(parsed.http, Some(expected), "{input}");
    }
}

#[test]
fn timestamp_collections_tolerate_null_items_only_where_typed() {
    // Null inside an Option item is None.
    let parsed: Times = serde_json::from_value(json!({ "nested": [null, {"a": []}] })).expect("valid");
    assert_eq!(parsed.nested, Some(vec![None, Some(HashMap::from([("a".to_owned(), vec![])]))]));
    // Null inside a plain Vec<DateTime> is an error, not a silent default.
    let err = serde_json::from_value::<Times>(json!({ "list": [null] })).unwrap_err();
    assert!(err.to_string().contains("date-time"), "{err}");
}

#[test]
fn bad_timestamps_are_rejected_with_context() {
    let err = serde_json::from_value::<Times>(json!({ "created": "2023-02-29T00:00:00Z" })).unwrap_err().to_string();
    assert!(err.contains("day 29"), "{err}");
    let err = serde_json::from_value::<Times>(json!({ "epoch": true })).unwrap_err().to_string();
    assert!(err.contains("epoch seconds"), "{err}");
    let err = serde_json::from_value::<Times>(json!({ "list": "2018-01-09T20:51:21Z" })).unwrap_err().to_string();
    assert!(err.contains("sequence"), "{err}");
}

// ---------------------------------------------------------------------------
// Integers as strings.
// ---------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
struct Ints {
    #[serde(default, with = "nimbus_core::wire::int64_string")]
    signed: i64,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::int64_string")]
    unsigned: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::int64_string")]
    small: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::int64_string")]
    small_unsigned: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::int64_string")]
    list: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::int64_string")]
    map: Option<HashMap<String, i64>>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::int64_string")]
    nested: Option<HashMap<String, Vec<Option<u64>>>>,
}

#[test]
fn int64_strings_round_trip() {
    let value = Ints {
        signed: i64::MIN,
        unsigned: Some(u64::MAX),
        small: Some(-5),
        small_unsigned: Some(u32::MAX),
        list: Some(vec![1, -2, i64::MAX]),
        map: Some(HashMap::from([("a".to_owned(), 7)])),
        nested: Some(HashMap::from([("n".to_owned(), vec![Some(3), None])])),
    };
    let json = to_json(&value);
    assert_eq!(
        json,
        json!({
            "signed": "-9223372036854775808",
            "unsigned": "18446744073709551615",
            "small": "-5",
            "small_unsigned": "4294967295",
            "list": ["1", "-2", "9223372036854775807"],
            "map": { "a": "7" },
            "nested": { "n": ["3", null] },
        })
    );
    let back: Ints = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, value);
}

#[test]
fn int64_strings_accept_numbers() {
    let parsed: Ints = serde_json::from_value(json!({
        "signed": -42,
        "unsigned": 42,
        "small": 7.0,
        "list": [1, "2", 3],
        "map": { "a": 9 },
    }))
    .expect("numbers accepted");
    assert_eq!(parsed.signed, -42);
    assert_eq!(parsed.unsigned, Some(42));
    assert_eq!(parsed.small, Some(7));
    assert_eq!(parsed.list, Some(vec![1, 2, 3]));
    assert_eq!(parsed.map, Some(HashMap::from([("a".to_owned(), 9)])));
}

#[test]
fn int64_strings_null_gives_default() {
    let parsed: Ints = serde_json::from_value(json!({
        "signed": null, "unsigned": null, "list": null, "map": null,
    }))
    .expect("nulls accepted");
    assert_eq!(parsed, Ints::default());
}

#[test]
fn int64_strings_reject_garbage_and_overflow() {
    let cases = [
        (json!({ "signed": "12x" }), "invalid i64 string `12x`"),
        (json!({ "signed": "" }), "invalid i64 string"),
        (json!({ "signed": "9223372036854775808" }), "too large"),
        (json!({ "signed": 18446744073709551615u64 }), "out of range for i64"),
        (json!({ "unsigned": -1 }), "out of range for u64"),
        (json!({ "unsigned": "-1" }), "invalid u64 string"),
        (json!({ "small": 2147483648u64 }), "out of range for i32"),
        (json!({ "small": "2147483648" }), "invalid i32 string"),
        (json!({ "small_unsigned": -1 }), "out of range for u32"),
        (json!({ "small": 1.5 }), "floating point"),
        (json!({ "signed": 1e300 }), "integer 1e300 is out of range for i64"),
        (json!({ "signed": true }), "decimal string or a number"),
        (json!({ "list": ["1", "two"] }), "invalid i64 string `two`"),
    ];
    for (input, needle) in cases {
        let err = match serde_json::from_value::<Ints>(input.clone()) {
            Ok(v) => panic!("{input} parsed as {v:?}"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(needle), "{input}: {err}");
    }
}

// ---------------------------------------------------------------------------
// Special floats.
// ---------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Default)]
struct Floats {
    #[serde(default, with = "nimbus_core::wire::special_float")]
    double: f64,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::special_float")]
    single: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::special_float")]
    list: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::special_float")]
    map: Option<HashMap<String, f32>>,
}

#[test]
fn special_floats_serialize_as_strings() {
    let value = Floats {
        double: f64::NAN,
        single: Some(f32::NEG_INFINITY),
        list: Some(vec![1.5, f64::INFINITY, -0.25, 3.0]),
        map: Some(HashMap::from([("x".to_owned(), 2.5f32)])),
    };
    assert_eq!(
        to_json(&value),
        json!({
            "double": "NaN",
            "single": "-Infinity",
            "list": [1.5, "Infinity", -0.25, 3.0],
            "map": { "x": 2.5 },
        })
    );
}

#[test]
fn special_floats_decode_numbers_and_strings() {
    let parsed: Floats = serde_json::from_value(json!({
        "double": "Infinity",
        "single": "NaN",
        "list": ["-Infinity", 1, 2.5, "3.25"],
        "map": { "x": -7 },
    }))
    .expect("valid");
    assert_eq!(parsed.double, f64::INFINITY);
    assert!(parsed.single.is_some_and(f32::is_nan));
    let list = parsed.list.expect("list present");
    assert_eq!(list, vec![f64::NEG_INFINITY, 1.0, 2.5, 3.25]);
    assert_eq!(parsed.map, Some(HashMap::from([("x".to_owned(), -7.0f32)])));

    let nulls: Floats = serde_json::from_value(json!({ "double": null, "single": null })).expect("nulls");
    assert_eq!(nulls.double, 0.0);
    assert_eq!(nulls.single, None);

    let err = serde_json::from_value::<Floats>(json!({ "double": "lots" })).unwrap_err().to_string();
    assert!(err.contains("invalid float string `lots`"), "{err}");
    let err = serde_json::from_value::<Floats>(json!({ "double": [] })).unwrap_err().to_string();
    assert!(err.contains("\"NaN\""), "{err}");
}

// ---------------------------------------------------------------------------
// Direct use of the Encode trait and the with-module functions.
// ---------------------------------------------------------------------------

#[test]
fn encode_trait_is_usable_directly() {
    let mut out = Vec::new();
    let t = dt("2024-02-29T00:00:00Z");
    <DateTime as Encode<wire::HttpDate>>::encode(&t, &mut serde_json::Serializer::new(&mut out)).expect("serializes");
    assert_eq!(String::from_utf8(out).expect("utf-8"), "\"Thu, 29 Feb 2024 00:00:00 GMT\"");

    let decoded = <Option<Vec<i64>> as Encode<wire::Int64String>>::decode(json!(["5", 6])).expect("decodes");
    assert_eq!(decoded, Some(vec![5, 6]));

    let none: Option<Vec<i64>> = wire::int64_string::deserialize(Value::Null).expect("null");
    assert_eq!(none, None);
    let zero: i64 = wire::int64_string::deserialize(Value::Null).expect("null");
    assert_eq!(zero, 0);
    let empty: Vec<DateTime> = wire::date_time::deserialize(Value::Null).expect("null");
    assert!(empty.is_empty());
    let epoch: DateTime = wire::epoch_seconds::deserialize(json!(-1.5)).expect("number");
    assert_eq!(epoch, DateTime::from_parts(-2, 500_000_000));
    let serialized = wire::epoch_seconds::serialize(&Some(epoch), serde_json::value::Serializer).expect("ok");
    assert_eq!(serialized, json!(-1.5));
    let map: HashMap<String, DateTime> = wire::http_date::deserialize(json!({ "a": "Thu, 01 Jan 1970 00:00:01 GMT" })).expect("map");
    assert_eq!(map["a"], DateTime::from_secs(1));
}

// ---------------------------------------------------------------------------
// Unions.
// ---------------------------------------------------------------------------

/// A union as generated code would write it.
#[derive(Debug, PartialEq)]
enum Shape {
    Circle(f64),
    Label(String),
    Tags(Vec<String>),
    Unknown(String),
}

impl wire::Union for Shape {
    fn read<'de, A: serde::de::MapAccess<'de>>(key: &str, m: &mut A) -> Result<Option<Option<Self>>, A::Error> {
        Ok(Some(match key {
            "circle" => wire::optional(m)?.map(Shape::Circle),
            "label" => wire::optional(m)?.map(Shape::Label),
            "tags" => wire::optional(m)?.map(Shape::Tags),
            _ => return Ok(None),
        }))
    }

    fn unknown(tag: String) -> Self {
        Shape::Unknown(tag)
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        wire::deserialize_union(d, "Shape")
    }
}

#[test]
fn union_with_one_member() {
    let shape: Shape = serde_json::from_str(r#"{"circle": 2.5}"#).expect("one member");
    assert_eq!(shape, Shape::Circle(2.5));
    let shape: Shape = serde_json::from_str(r#"{"tags": ["a", "b"]}"#).expect("one member");
    assert_eq!(shape, Shape::Tags(vec!["a".into(), "b".into()]));
    let shape: Shape = serde_json::from_str(r#"{"hexagon": {}}"#).expect("unknown member");
    assert_eq!(shape, Shape::Unknown("hexagon".into()));
}

#[test]
fn union_ignores_null_members_and_type_key() {
    let shape: Shape = serde_json::from_str(r#"{"__type": "com.example#Shape", "circle": null, "label": "hi", "tags": null}"#)
        .expect("nulls and __type ignored");
    assert_eq!(shape, Shape::Label("hi".into()));
}

#[test]
fn union_with_zero_or_several_members_is_an_error() {
    for json in [r#"{}"#, r#"{"circle": null}"#, r#"{"__type": "x"}"#] {
        let err = serde_json::from_str::<Shape>(json).unwrap_err().to_string();
        assert!(err.contains("union `Shape` has no member set"), "{json}: {err}");
    }
    let err = serde_json::from_str::<Shape>(r#"{"circle": 1, "label": "x", "tags": []}"#).unwrap_err().to_string();
    assert!(err.contains("union `Shape` has 3 members set"), "{err}");
    assert!(err.contains("circle") && err.contains("label") && err.contains("tags"), "{err}");
    let err = serde_json::from_str::<Shape>("[1]").unwrap_err().to_string();
    assert!(err.contains("an object with one member of union `Shape`"), "{err}");
    let err = serde_json::from_str::<Shape>(r#"{"circle": "big"}"#).unwrap_err().to_string();
    assert!(err.contains("invalid type"), "{err}");
}

// ---------------------------------------------------------------------------
// Misc.
// ---------------------------------------------------------------------------

#[test]
fn redacted_debug() {
    assert_eq!(format!("{Redacted:?}"), "*** Sensitive Data Redacted ***");
    struct Credentials {
        user: String,
    }
    impl std::fmt::Debug for Credentials {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Credentials").field("user", &self.user).field("password", &Redacted).finish()
        }
    }
    let text = format!("{:?}", Credentials { user: "me".into() });
    assert_eq!(text, r#"Credentials { user: "me", password: *** Sensitive Data Redacted *** }"#);
}

#[test]
fn document_is_json_value() {
    let doc: Document = serde_json::from_str(r#"{"a": [1, null, "x"]}"#).expect("json");
    assert_eq!(doc["a"][2], "x");
}

#[test]
fn blob_and_big_number_inside_generated_shapes() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Payload {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        data: Option<nimbus_core::Blob>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        amount: Option<nimbus_core::BigNumber>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        extra: Option<BTreeMap<String, Document>>,
    }
    let parsed: Payload = serde_json::from_value(json!({
        "data": "aGk",
        "amount": "12345678901234567890123",
        "extra": { "k": [true] },
    }))
    .expect("valid");
    assert_eq!(parsed.data.as_ref().map(nimbus_core::Blob::as_bytes), Some(&b"hi"[..]));
    assert_eq!(parsed.amount.as_ref().map(nimbus_core::BigNumber::as_str), Some("12345678901234567890123"));
    let json = to_json(&parsed);
    assert_eq!(json["data"], "aGk=");
    assert_eq!(json["amount"], 1.2345678901234568e22);
}
