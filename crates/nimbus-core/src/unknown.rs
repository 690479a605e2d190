//! Holders for enum values this SDK version does not know.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string enum value that this version of the SDK does not recognise.
///
/// Generated string enums are open: a service may start returning new values
/// before the SDK is regenerated. Such values are preserved in an
/// `Unknown(UnknownVariant)` variant so they round-trip unchanged. The type is
/// deliberately opaque so that matching on a value that a later SDK version
/// does know keeps compiling.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownVariant(String);

impl UnknownVariant {
    /// Wraps an unrecognised value. Used by generated code only.
    #[doc(hidden)]
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The value as received from (or to be sent to) the service.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for UnknownVariant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnknownVariant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// An integer enum value that this version of the SDK does not recognise.
///
/// The integer counterpart of [`UnknownVariant`], for Smithy `intEnum`
/// shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownIntVariant(i32);

impl UnknownIntVariant {
    /// Wraps an unrecognised value. Used by generated code only.
    #[doc(hidden)]
    pub fn new(value: i32) -> Self {
        Self(value)
    }

    /// The value as received from (or to be sent to) the service.
    pub fn value(&self) -> i32 {
        self.0
    }
}

impl fmt::Display for UnknownIntVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for UnknownIntVariant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i32(self.0)
    }
}

impl<'de> Deserialize<'de> for UnknownIntVariant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i32::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_variant() {
        let v = UnknownVariant::new("NEW_VALUE".to_owned());
        assert_eq!(v.as_str(), "NEW_VALUE");
        assert_eq!(v.to_string(), "NEW_VALUE");
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"NEW_VALUE\"");
        assert_eq!(serde_json::from_str::<UnknownVariant>("\"NEW_VALUE\"").unwrap(), v);
        assert!(UnknownVariant::new("A".into()) < UnknownVariant::new("B".into()));
    }

    #[test]
    fn unknown_int_variant() {
        let v = UnknownIntVariant::new(-7);
        assert_eq!(v.value(), -7);
        assert_eq!(v.to_string(), "-7");
        assert_eq!(serde_json::to_string(&v).unwrap(), "-7");
        assert_eq!(serde_json::from_str::<UnknownIntVariant>("-7").unwrap(), v);
        assert!(serde_json::from_str::<UnknownIntVariant>("4294967296").is_err());
    }
}
