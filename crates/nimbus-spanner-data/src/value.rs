//! Typed Spanner values: Rust values become query parameters with their
//! Spanner type inferred ([`ToSpanner`], [`SpannerType`]), and the values of
//! result rows become Rust values ([`FromSpanner`]).
//!
//! Spanner's JSON encoding (REST): `INT64` and `NUMERIC` are strings (an
//! `i64` does not fit a JSON number), `FLOAT64`/`FLOAT32` numbers or the
//! strings `"NaN"`, `"Infinity"`, `"-Infinity"`, `BYTES` base64,
//! `TIMESTAMP` RFC 3339 with up to nine fractional digits, `DATE`
//! `YYYY-MM-DD`, `JSON` a string holding the document, `ARRAY` a list and
//! `STRUCT` a list of its field values in order; `NULL` is `null`.

use base64::Engine as _;
use nimbus_core::DateTime;
use nimbus_spanner::types::{Field, StructType, Type, TypeCode};
use serde_json::Value as JsonValue;
use std::fmt;
use std::str::FromStr;

/// A parameter value: its JSON encoding and its Spanner type.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    json: JsonValue,
    ty: Type,
}

impl Value {
    /// A `NULL` of type `ty`.
    pub fn null(ty: Type) -> Value {
        Value { json: JsonValue::Null, ty }
    }

    /// The JSON encoding sent on the wire.
    pub fn json(&self) -> &JsonValue {
        &self.json
    }

    /// The Spanner type sent in `paramTypes`.
    pub fn spanner_type(&self) -> &Type {
        &self.ty
    }

    pub(crate) fn into_parts(self) -> (JsonValue, Type) {
        (self.json, self.ty)
    }
}

pub(crate) fn typed(json: JsonValue, ty: Type) -> Value {
    Value { json, ty }
}

/// A Rust type whose Spanner type is known without a value (needed for
/// `NULL`s and empty arrays).
pub trait SpannerType {
    /// The Spanner type of every value of `Self`.
    fn spanner_type() -> Type;
}

/// A Rust value that can be sent as a Spanner parameter or mutation value.
pub trait ToSpanner {
    /// The value with its Spanner type.
    fn to_spanner(&self) -> Value;
}

/// A Rust value that can be read from a Spanner value of a given type.
pub trait FromSpanner: Sized {
    /// Reads `json`, a value of Spanner type `ty`; the error says why it
    /// cannot be read (the caller adds the column).
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String>;
}

/// A scalar type of the given code.
pub fn scalar_type(code: TypeCode) -> Type {
    Type::new().set_code(code)
}

/// `ARRAY<element>`.
pub fn array_type(element: Type) -> Type {
    Type::new().set_code(TypeCode::Array).set_array_element_type(element)
}

/// The type's code, for messages: `INT64`, `ARRAY<STRING>`, ...
pub fn type_name(ty: &Type) -> String {
    match ty.code.as_ref() {
        Some(TypeCode::Array) => {
            format!("ARRAY<{}>", ty.array_element_type.as_deref().map(type_name).unwrap_or_else(|| "?".to_owned()))
        }
        Some(code) => code.as_str().to_owned(),
        None => "an unknown type".to_owned(),
    }
}

fn code_of(ty: &Type) -> Option<&TypeCode> {
    ty.code.as_ref()
}

fn expect_code(ty: &Type, allowed: &[TypeCode]) -> Result<(), String> {
    match code_of(ty) {
        Some(code) if allowed.contains(code) => Ok(()),
        _ => Err(format!("the column is {}", type_name(ty))),
    }
}

macro_rules! typed {
    ($rust:ty, $code:expr) => {
        impl SpannerType for $rust {
            fn spanner_type() -> Type {
                scalar_type($code)
            }
        }
    };
}

typed!(bool, TypeCode::Bool);
typed!(i64, TypeCode::Int64);
typed!(f64, TypeCode::Float64);
typed!(f32, TypeCode::Float32);
typed!(String, TypeCode::String);
typed!(Vec<u8>, TypeCode::Bytes);
typed!(DateTime, TypeCode::Timestamp);
typed!(Date, TypeCode::Date);
typed!(Numeric, TypeCode::Numeric);
typed!(Json, TypeCode::Json);

impl<T: SpannerType + ?Sized> SpannerType for &T {
    fn spanner_type() -> Type {
        T::spanner_type()
    }
}

impl SpannerType for str {
    fn spanner_type() -> Type {
        scalar_type(TypeCode::String)
    }
}

fn typed_value<T: SpannerType + ?Sized>(json: JsonValue) -> Value {
    Value { json, ty: T::spanner_type() }
}

impl ToSpanner for Value {
    fn to_spanner(&self) -> Value {
        self.clone()
    }
}

impl<T: ToSpanner + ?Sized> ToSpanner for &T {
    fn to_spanner(&self) -> Value {
        (**self).to_spanner()
    }
}

impl ToSpanner for bool {
    fn to_spanner(&self) -> Value {
        typed_value::<bool>(JsonValue::Bool(*self))
    }
}

impl ToSpanner for i64 {
    fn to_spanner(&self) -> Value {
        typed_value::<i64>(JsonValue::String(self.to_string()))
    }
}

fn float_json(value: f64) -> JsonValue {
    if value.is_nan() {
        JsonValue::String("NaN".to_owned())
    } else if value.is_infinite() {
        JsonValue::String(if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned())
    } else {
        serde_json::Number::from_f64(value).map(JsonValue::Number).unwrap_or(JsonValue::Null)
    }
}

impl ToSpanner for f64 {
    fn to_spanner(&self) -> Value {
        typed_value::<f64>(float_json(*self))
    }
}

impl ToSpanner for f32 {
    fn to_spanner(&self) -> Value {
        typed_value::<f32>(float_json(f64::from(*self)))
    }
}

impl ToSpanner for str {
    fn to_spanner(&self) -> Value {
        typed_value::<str>(JsonValue::String(self.to_owned()))
    }
}

impl ToSpanner for String {
    fn to_spanner(&self) -> Value {
        self.as_str().to_spanner()
    }
}

impl ToSpanner for Vec<u8> {
    fn to_spanner(&self) -> Value {
        typed_value::<Vec<u8>>(JsonValue::String(base64::engine::general_purpose::STANDARD.encode(self)))
    }
}

impl ToSpanner for DateTime {
    fn to_spanner(&self) -> Value {
        typed_value::<DateTime>(JsonValue::String(self.to_rfc3339()))
    }
}

impl<T: ToSpanner + SpannerType> ToSpanner for Option<T> {
    fn to_spanner(&self) -> Value {
        match self {
            Some(value) => value.to_spanner(),
            None => Value::null(T::spanner_type()),
        }
    }
}

impl<T: SpannerType> SpannerType for Option<T> {
    fn spanner_type() -> Type {
        T::spanner_type()
    }
}

impl<T: ToSpanner + SpannerType> ToSpanner for [T] {
    fn to_spanner(&self) -> Value {
        let json = self.iter().map(|v| v.to_spanner().json).collect();
        Value { json: JsonValue::Array(json), ty: array_type(T::spanner_type()) }
    }
}

impl<T: ToSpanner + SpannerType> ToSpanner for Vec<T> {
    fn to_spanner(&self) -> Value {
        self.as_slice().to_spanner()
    }
}

impl<T: SpannerType> SpannerType for Vec<T> {
    fn spanner_type() -> Type {
        array_type(T::spanner_type())
    }
}

fn not_null<'a>(json: &'a JsonValue, ty: &Type) -> Result<&'a JsonValue, String> {
    if json.is_null() { Err(format!("the value is NULL ({}); read it as an Option", type_name(ty))) } else { Ok(json) }
}

fn as_str<'a>(json: &'a JsonValue, ty: &Type) -> Result<&'a str, String> {
    not_null(json, ty)?.as_str().ok_or_else(|| format!("the {} value is not a JSON string: {json}", type_name(ty)))
}

impl FromSpanner for bool {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Bool])?;
        not_null(json, ty)?.as_bool().ok_or_else(|| format!("not a boolean: {json}"))
    }
}

impl FromSpanner for i64 {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Int64, TypeCode::Enum])?;
        match not_null(json, ty)? {
            JsonValue::Number(n) => n.as_i64().ok_or_else(|| format!("not an INT64: {n}")),
            other => as_str(other, ty)?.parse().map_err(|e| format!("not an INT64 ({e}): {other}")),
        }
    }
}

fn read_float(json: &JsonValue, ty: &Type) -> Result<f64, String> {
    match not_null(json, ty)? {
        JsonValue::Number(n) => n.as_f64().ok_or_else(|| format!("not a float: {n}")),
        JsonValue::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            other => Err(format!("not a float: {other:?}")),
        },
        other => Err(format!("not a float: {other}")),
    }
}

impl FromSpanner for f64 {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Float64, TypeCode::Float32])?;
        read_float(json, ty)
    }
}

impl FromSpanner for f32 {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        // A FLOAT64 does not narrow silently.
        expect_code(ty, &[TypeCode::Float32])?;
        read_float(json, ty).map(|v| v as f32)
    }
}

impl FromSpanner for String {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::String, TypeCode::Json, TypeCode::Numeric, TypeCode::Uuid])?;
        as_str(json, ty).map(str::to_owned)
    }
}

impl FromSpanner for Vec<u8> {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Bytes, TypeCode::Proto])?;
        base64::engine::general_purpose::STANDARD.decode(as_str(json, ty)?).map_err(|e| format!("not base64: {e}"))
    }
}

impl FromSpanner for DateTime {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Timestamp])?;
        DateTime::parse_rfc3339(as_str(json, ty)?).map_err(|e| format!("not a timestamp: {e}"))
    }
}

impl<T: FromSpanner> FromSpanner for Option<T> {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        if json.is_null() { Ok(None) } else { T::from_spanner(json, ty).map(Some) }
    }
}

impl<T: FromSpanner> FromSpanner for Vec<T> {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Array])?;
        let element = ty.array_element_type.as_deref().ok_or("the ARRAY type names no element type")?;
        let items = not_null(json, ty)?.as_array().ok_or_else(|| format!("the ARRAY value is not a list: {json}"))?;
        items.iter().enumerate().map(|(i, item)| T::from_spanner(item, element).map_err(|e| format!("element {i}: {e}"))).collect()
    }
}

/// A `DATE`: a day of the proleptic Gregorian calendar, without a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, or `None` when `month`/`day` do not name a day of `year`
    /// (Spanner's range is years 1 to 9999).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((1..=9999).contains(&year) && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("{s:?} is not a date (YYYY-MM-DD)");
        let mut parts = s.splitn(3, '-');
        let mut next = |width: usize| -> Result<u32, String> {
            let part = parts.next().filter(|p| p.len() == width && p.bytes().all(|b| b.is_ascii_digit())).ok_or_else(bad)?;
            part.parse().map_err(|_| bad())
        };
        let (year, month, day) = (next(4)?, next(2)?, next(2)?);
        Date::new(year as i32, month as u8, day as u8).ok_or_else(bad)
    }
}

impl ToSpanner for Date {
    fn to_spanner(&self) -> Value {
        typed_value::<Date>(JsonValue::String(self.to_string()))
    }
}

impl FromSpanner for Date {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Date])?;
        as_str(json, ty)?.parse()
    }
}

/// A `NUMERIC`: an exact decimal with up to 29 digits before and 9 after the
/// point, kept as its decimal text (convert with your decimal crate of
/// choice).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Numeric(String);

impl Numeric {
    /// The decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Numeric {
    type Err = String;

    fn from_str(s: &str) -> Result<Numeric, String> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let ok = !whole.is_empty()
            && whole.len() <= 29
            && fraction.len() <= 9
            && whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit());
        if ok { Ok(Numeric(s.to_owned())) } else { Err(format!("{s:?} is not a NUMERIC (up to 29 digits, a point, up to 9 digits)")) }
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ToSpanner for Numeric {
    fn to_spanner(&self) -> Value {
        typed_value::<Numeric>(JsonValue::String(self.0.clone()))
    }
}

impl FromSpanner for Numeric {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Numeric])?;
        as_str(json, ty)?.parse()
    }
}

/// A `JSON` value: the document, sent as its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub JsonValue);

impl ToSpanner for Json {
    fn to_spanner(&self) -> Value {
        typed_value::<Json>(JsonValue::String(self.0.to_string()))
    }
}

impl FromSpanner for Json {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        expect_code(ty, &[TypeCode::Json])?;
        serde_json::from_str(as_str(json, ty)?).map(Json).map_err(|e| format!("not a JSON document: {e}"))
    }
}

/// A `STRUCT` parameter: named fields in order.
///
/// ```
/// use nimbus_spanner_data::Struct;
/// let singer = Struct::new().field("id", 7i64).field("name", "Marc");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Struct {
    fields: Vec<(String, Value)>,
}

impl Struct {
    /// A struct without fields.
    pub fn new() -> Struct {
        Struct::default()
    }

    /// Appends a field.
    pub fn field(mut self, name: impl Into<String>, value: impl ToSpanner) -> Struct {
        self.fields.push((name.into(), value.to_spanner()));
        self
    }
}

impl ToSpanner for Struct {
    fn to_spanner(&self) -> Value {
        let json = self.fields.iter().map(|(_, v)| v.json.clone()).collect();
        let fields = self.fields.iter().map(|(name, v)| Field::new().set_name(name.clone()).set_type(v.ty.clone())).collect::<Vec<_>>();
        Value {
            json: JsonValue::Array(json),
            ty: Type::new().set_code(TypeCode::Struct).set_struct_type(StructType::new().set_fields(fields)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: ToSpanner + FromSpanner + PartialEq + fmt::Debug>(value: T) {
        let v = value.to_spanner();
        let back = T::from_spanner(v.json(), v.spanner_type()).expect("reads back");
        assert_eq!(back, value);
    }

    #[test]
    fn scalars_round_trip() {
        round_trip(true);
        round_trip(i64::MIN);
        round_trip(1.5f64);
        round_trip(f64::INFINITY);
        round_trip(0.25f32);
        round_trip("Ünïcode".to_owned());
        round_trip(vec![0u8, 255, 7]);
        round_trip(DateTime::parse_rfc3339("2026-11-30T10:00:00.123456789Z").unwrap());
        round_trip(Date::new(2024, 2, 29).unwrap());
        round_trip("-123.456789".parse::<Numeric>().unwrap());
        round_trip(Json(serde_json::json!({"a": [1, null]})));
        round_trip(vec![Some(1i64), None]);
        round_trip(Option::<String>::None);
        assert_eq!(i64::to_spanner(&5).json(), &JsonValue::String("5".into()));
        assert!(f64::from_spanner(&"NaN".into(), &f64::spanner_type()).unwrap().is_nan());
    }

    #[test]
    fn mismatches_say_why() {
        let err = i64::from_spanner(&"x".into(), &String::spanner_type()).unwrap_err();
        assert_eq!(err, "the column is STRING");
        let err = i64::from_spanner(&JsonValue::Null, &i64::spanner_type()).unwrap_err();
        assert!(err.contains("NULL"), "{err}");
        assert!(Date::from_str("2023-02-29").is_err());
        assert!(Numeric::from_str("1e5").is_err());
        assert!(f32::from_spanner(&1.5.into(), &f64::spanner_type()).is_err(), "no silent narrowing");
    }
}
