//! The [`BigNumber`] arbitrary-precision number type.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};

/// The map key serde_json uses for numbers when its `arbitrary_precision`
/// feature is enabled somewhere in the dependency graph.
const SERDE_JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// An arbitrary-precision number (Smithy `bigInteger` / `bigDecimal`),
/// kept as its decimal text so that no precision is lost in memory.
///
/// [`BigNumber::new`] stores any text unchecked; [`FromStr`] validates it as
/// a decimal number (`[+-]digits[.digits][(e|E)[+-]digits]`).
///
/// # Serde
///
/// [`Serialize`] writes a JSON integer when the text fits an `i64` or `u64`,
/// otherwise a JSON float when it parses as a finite `f64` (which may round
/// it), and otherwise the text as a string. [`Deserialize`] accepts any
/// number (keeping its printed text) or a string holding a decimal number.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct BigNumber(String);

/// Error returned when text is not a valid decimal number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigNumberParseError {
    input: String,
}

impl fmt::Display for BigNumberParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let echoed: String = self.input.chars().take(100).collect();
        write!(
            f,
            "cannot parse `{echoed}` as a number: expected decimal digits with an optional \
             sign, fraction and exponent, like -12.5e3"
        )
    }
}

impl std::error::Error for BigNumberParseError {}

impl BigNumber {
    /// Creates a number from its decimal text without validating it.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The decimal text of the number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for BigNumber {
    /// Zero.
    fn default() -> Self {
        Self("0".to_owned())
    }
}

impl fmt::Display for BigNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BigNumber {
    type Err = BigNumberParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if is_decimal_number(s) { Ok(Self(s.to_owned())) } else { Err(BigNumberParseError { input: s.to_owned() }) }
    }
}

/// Whether `s` matches `[+-]digits[.digits][(e|E)[+-]digits]`.
fn is_decimal_number(s: &str) -> bool {
    fn digits(bytes: &[u8], pos: &mut usize) -> bool {
        let start = *pos;
        while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
            *pos += 1;
        }
        *pos > start
    }
    fn sign(bytes: &[u8], pos: &mut usize) {
        if matches!(bytes.get(*pos), Some(b'+' | b'-')) {
            *pos += 1;
        }
    }
    let bytes = s.as_bytes();
    let mut pos = 0;
    sign(bytes, &mut pos);
    if !digits(bytes, &mut pos) {
        return false;
    }
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        if !digits(bytes, &mut pos) {
            return false;
        }
    }
    if matches!(bytes.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        sign(bytes, &mut pos);
        if !digits(bytes, &mut pos) {
            return false;
        }
    }
    pos == bytes.len()
}

impl Serialize for BigNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Ok(v) = self.0.parse::<i64>() {
            serializer.serialize_i64(v)
        } else if let Ok(v) = self.0.parse::<u64>() {
            serializer.serialize_u64(v)
        } else {
            match self.0.parse::<f64>() {
                Ok(v) if v.is_finite() && is_decimal_number(&self.0) => serializer.serialize_f64(v),
                _ => serializer.serialize_str(&self.0),
            }
        }
    }
}

impl<'de> Deserialize<'de> for BigNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BigNumberVisitor)
    }
}

struct BigNumberVisitor;

impl<'de> Visitor<'de> for BigNumberVisitor {
    type Value = BigNumber;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a string holding a decimal number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<BigNumber, E> {
        Ok(BigNumber(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<BigNumber, E> {
        Ok(BigNumber(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<BigNumber, E> {
        Ok(BigNumber(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<BigNumber, E> {
        Ok(BigNumber(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<BigNumber, E> {
        if v.is_finite() {
            // `Debug` prints the shortest round-tripping text, keeping `.0`
            // on integral values and using an exponent for extreme ones.
            Ok(BigNumber(format!("{v:?}")))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<BigNumber, E> {
        v.parse().map_err(E::custom)
    }

    /// serde_json with `arbitrary_precision` hands numbers over as a
    /// one-entry map holding the exact text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BigNumber, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == SERDE_JSON_NUMBER_TOKEN => {
                let text: String = map.next_value()?;
                text.parse().map_err(de::Error::custom)
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construction_and_display() {
        let n = BigNumber::new("123456789012345678901234567890");
        assert_eq!(n.as_str(), "123456789012345678901234567890");
        assert_eq!(n.to_string(), "123456789012345678901234567890");
        assert_eq!(BigNumber::default().as_str(), "0");
        assert_eq!("-1.5e-3".parse::<BigNumber>().unwrap().as_str(), "-1.5e-3");
        for bad in ["", "abc", "1.", ".5", "1e", "1e+", "--1", "1 ", "NaN", "0x10"] {
            let err = bad.parse::<BigNumber>().unwrap_err();
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn serialize_picks_the_narrowest_json_form() {
        let json = |s: &str| serde_json::to_string(&BigNumber::new(s)).unwrap();
        assert_eq!(json("-42"), "-42");
        assert_eq!(json("18446744073709551615"), "18446744073709551615");
        assert_eq!(json("1.5"), "1.5");
        assert_eq!(json("1e400"), "\"1e400\"");
        assert_eq!(json("not a number"), "\"not a number\"");
        assert_eq!(json("inf"), "\"inf\"");
        assert_eq!(json("123456789012345678901234567890"), "1.2345678901234568e+29");
    }

    #[test]
    fn deserialize_numbers_and_strings() {
        let from = |s: &str| serde_json::from_str::<BigNumber>(s).map(|n| n.0);
        assert_eq!(from("42").unwrap(), "42");
        assert_eq!(from("-42").unwrap(), "-42");
        assert_eq!(from("1.5").unwrap(), "1.5");
        assert_eq!(from("100.0").unwrap(), "100.0");
        assert_eq!(from("1e300").unwrap(), "1e300");
        assert_eq!(from("\"123456789012345678901234567890.123\"").unwrap(), "123456789012345678901234567890.123");
        let err = from("\"twelve\"").unwrap_err().to_string();
        assert!(err.contains("`twelve`"), "{err}");
        let err = from("true").unwrap_err().to_string();
        assert!(err.contains("decimal number"), "{err}");
        assert!(from("{\"a\": 1}").is_err());
    }
}
