//! `schemars` support (feature `schemars`).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use crate::{BigNumber, Blob, DateTime, UnknownIntVariant, UnknownVariant};

/// Turns a JSON object literal into a schema.
fn schema(value: Value) -> Schema {
    match value {
        Value::Object(map) => Schema::from(map),
        // Only object literals are passed in; `true` accepts anything.
        _ => Schema::from(true),
    }
}

/// Schema of an open string enum with the given known values.
///
/// Generated enums keep unknown values (see [`UnknownVariant`]), so the
/// schema must accept any string. It is
/// `{"anyOf": [{"type": "string", "enum": [values…]}, {"type": "string"}]}`:
/// the first branch documents the known values for tools and readers, the
/// second keeps the schema open.
pub fn string_enum_schema(values: &[&str]) -> Schema {
    schema(json!({
        "anyOf": [
            { "type": "string", "enum": values },
            { "type": "string", "description": "A value not known to this SDK version." },
        ]
    }))
}

/// Schema of an open integer enum with the given known values.
///
/// Like [`string_enum_schema`]:
/// `{"anyOf": [{"type": "integer", "format": "int32", "enum": [values…]},
/// {"type": "integer", "format": "int32"}]}`.
pub fn int_enum_schema(values: &[i32]) -> Schema {
    schema(json!({
        "anyOf": [
            { "type": "integer", "format": "int32", "enum": values },
            {
                "type": "integer",
                "format": "int32",
                "description": "A value not known to this SDK version.",
            },
        ]
    }))
}

impl JsonSchema for DateTime {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "DateTime".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "nimbus_core::DateTime".into()
    }

    /// An RFC 3339 string (`format: date-time`), the representation
    /// documented for users; the decoders also accept epoch seconds.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": "string", "format": "date-time" }))
    }
}

impl JsonSchema for Blob {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Blob".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "nimbus_core::Blob".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": "string", "contentEncoding": "base64" }))
    }
}

impl JsonSchema for BigNumber {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "BigNumber".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "nimbus_core::BigNumber".into()
    }

    /// A number, or a string holding a decimal number when it exceeds what
    /// JSON numbers can carry precisely.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({
            "anyOf": [
                { "type": "number" },
                { "type": "string", "pattern": "^[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$" },
            ]
        }))
    }
}

impl JsonSchema for UnknownVariant {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "UnknownVariant".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "nimbus_core::UnknownVariant".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": "string" }))
    }
}

impl JsonSchema for UnknownIntVariant {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "UnknownIntVariant".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "nimbus_core::UnknownIntVariant".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": "integer", "format": "int32" }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of<T: JsonSchema>() -> Value {
        SchemaGenerator::default().subschema_for::<T>().to_value()
    }

    #[test]
    fn value_type_schemas() {
        assert_eq!(value_of::<DateTime>(), json!({ "type": "string", "format": "date-time" }));
        assert_eq!(value_of::<Blob>(), json!({ "type": "string", "contentEncoding": "base64" }));
        assert_eq!(value_of::<UnknownVariant>(), json!({ "type": "string" }));
        assert_eq!(value_of::<UnknownIntVariant>(), json!({ "type": "integer", "format": "int32" }));
        let big = value_of::<BigNumber>();
        assert_eq!(big["anyOf"][0], json!({ "type": "number" }));
        assert_eq!(big["anyOf"][1]["type"], "string");
        // Option<DateTime> is nullable in the derived schema.
        let optional = value_of::<Option<DateTime>>();
        assert_eq!(optional["format"], "date-time");
    }

    #[test]
    fn open_enum_schemas() {
        let s = string_enum_schema(&["RUNNING", "STOPPED"]).to_value();
        assert_eq!(s["anyOf"][0]["enum"], json!(["RUNNING", "STOPPED"]));
        assert_eq!(s["anyOf"][0]["type"], "string");
        assert_eq!(s["anyOf"][1]["type"], "string");
        assert!(s["anyOf"][1].get("enum").is_none());
        let i = int_enum_schema(&[1, 2, 3]).to_value();
        assert_eq!(i["anyOf"][0]["enum"], json!([1, 2, 3]));
        assert_eq!(i["anyOf"][1]["format"], "int32");
    }

    #[test]
    fn schemas_in_a_derived_struct() {
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct Shape {
            created: Option<DateTime>,
            payload: Blob,
        }
        let root = schemars::schema_for!(Shape).to_value();
        assert_eq!(root["properties"]["payload"]["contentEncoding"], "base64");
        assert_eq!(root["properties"]["created"]["format"], "date-time");
        assert_eq!(root["required"], json!(["payload"]));
    }
}
