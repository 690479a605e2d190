//! Wire encodings used by generated code.
//!
//! A shape member's Rust type does not always determine how it looks on the
//! wire: an AWS timestamp may be epoch seconds or an RFC 3339 string
//! depending on the protocol and `@timestampFormat`, and Google's JSON
//! mapping writes 64-bit integers as strings and non-finite floats as
//! `"NaN"` / `"Infinity"`. Generated code selects the encoding per member
//! with serde's `with` attribute:
//!
//! ```
//! use std::collections::HashMap;
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Example {
//!     #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::date_time")]
//!     created: Option<nimbus_core::DateTime>,
//!     #[serde(skip_serializing_if = "Option::is_none", default, with = "nimbus_core::wire::int64_string")]
//!     sizes: Option<HashMap<String, i64>>,
//! }
//!
//! let parsed: Example =
//!     serde_json::from_str(r#"{"created": "2024-02-29T12:00:00Z", "sizes": {"a": "7"}}"#).unwrap();
//! assert_eq!(parsed.sizes.unwrap()["a"], 7);
//! ```
//!
//! Each encoding is a marker type ([`EpochSeconds`], [`DateTimeFormat`],
//! [`HttpDate`], [`Int64String`], [`SpecialFloat`]); the [`Encode`] trait
//! connects a marker to the base types it applies to, and is implemented
//! recursively for `Option`, `Vec`, `Box` and `HashMap`, so one adapter
//! module handles any nesting of those containers. Decoders are lenient:
//! they accept every representation the encoding's base type could
//! reasonably arrive in.
//!
//! The module also holds the helpers for deserializing unions
//! ([`Union`], [`deserialize_union`]), the [`Object`] reader of generated
//! structures (its own module), and
//! [`Redacted`] for the `Debug` output of sensitive members.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::DateTime;
use crate::date_time::DateTimeVisitor;

mod object;
pub use crate::impl_deserialize;
pub use object::{
    Collect, Layout, LayoutSpec, Object, ObjectWriter, Union, deserialize_object, deserialize_union, encoded, optional, or_default,
    push_item,
};

pub use crate::date_time::EPOCH_SECONDS_TAG;

/// Encoding marker: a timestamp as a JSON number of seconds since the Unix
/// epoch (with a fractional part when needed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EpochSeconds;

/// Encoding marker: a timestamp as an RFC 3339 string
/// (`2019-12-16T23:48:18Z`), Smithy's `date-time` format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DateTimeFormat;

/// Encoding marker: a timestamp as an HTTP-date string
/// (`Tue, 29 Apr 2014 18:30:38 GMT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HttpDate;

/// Encoding marker: an integer as a decimal JSON string (`"123"`), as
/// Google's JSON mapping does for 64-bit integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Int64String;

/// Encoding marker: a float as a JSON number, except that NaN and the
/// infinities are the strings `"NaN"`, `"Infinity"` and `"-Infinity"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SpecialFloat;

/// Serializes and deserializes `Self` in the wire encoding `F`.
///
/// `F` is one of the marker types of this module. Implementations exist for
/// the base types of each encoding and, for every `F`, recursively for
/// `Option<T>` (`null` is `None`), `Vec<T>`, `Box<T>` and `HashMap<K, T>`.
pub trait Encode<F>: Sized {
    /// Serializes `self` in encoding `F`.
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;

    /// Deserializes a value in encoding `F`.
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// Serializes a borrowed `T` through its `Encode<F>` implementation.
struct EncodeRef<'a, F, T>(&'a T, PhantomData<fn() -> F>);

impl<'a, F, T> EncodeRef<'a, F, T> {
    fn new(value: &'a T) -> Self {
        Self(value, PhantomData)
    }
}

impl<F, T: Encode<F>> Serialize for EncodeRef<'_, F, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        <T as Encode<F>>::encode(self.0, serializer)
    }
}

/// Deserializes a `T` through its `Encode<F>` implementation.
struct Decoded<F, T>(T, PhantomData<fn() -> F>);

impl<'de, F, T: Encode<F>> Deserialize<'de> for Decoded<F, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <T as Encode<F>>::decode(deserializer).map(|value| Self(value, PhantomData))
    }
}

impl<F, T: Encode<F>> Encode<F> for Option<T> {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => s.serialize_some(&EncodeRef::<F, T>::new(value)),
            None => s.serialize_none(),
        }
    }

    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<Decoded<F, T>>::deserialize(d).map(|value| value.map(|v| v.0))
    }
}

impl<F, T: Encode<F>> Encode<F> for Box<T> {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        <T as Encode<F>>::encode(self, s)
    }

    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <T as Encode<F>>::decode(d).map(Box::new)
    }
}

impl<F, T: Encode<F>> Encode<F> for Vec<T> {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(EncodeRef::<F, T>::new))
    }

    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Decoded<F, T>>::deserialize(d).map(|items| items.into_iter().map(|v| v.0).collect())
    }
}

impl<F, K, T, H> Encode<F> for HashMap<K, T, H>
where
    K: Serialize + DeserializeOwned + Eq + Hash,
    T: Encode<F>,
    H: BuildHasher + Default,
{
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter().map(|(key, value)| (key, EncodeRef::<F, T>::new(value))))
    }

    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        HashMap::<K, Decoded<F, T>, H>::deserialize(d).map(|entries| entries.into_iter().map(|(k, v)| (k, v.0)).collect())
    }
}

// ---------------------------------------------------------------------------
// Timestamps.
// ---------------------------------------------------------------------------

impl Encode<EpochSeconds> for DateTime {
    /// Writes a number, see [`DateTime`]'s `Serialize`.
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }

    /// Lenient: accepts every form [`DateTime`]'s `Deserialize` does.
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DateTimeVisitor)
    }
}

impl Encode<DateTimeFormat> for DateTime {
    /// Writes [`DateTime::to_rfc3339`].
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }

    /// Lenient: accepts every form [`DateTime`]'s `Deserialize` does.
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DateTimeVisitor)
    }
}

impl Encode<HttpDate> for DateTime {
    /// Writes [`DateTime::to_http_date`].
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_http_date())
    }

    /// Lenient: accepts every form [`DateTime`]'s `Deserialize` does.
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DateTimeVisitor)
    }
}

// ---------------------------------------------------------------------------
// Integers as strings.
// ---------------------------------------------------------------------------

/// Accepts an integer of type `T` as a JSON number or a decimal string.
struct IntVisitor<T>(PhantomData<fn() -> T>);

impl<T> IntVisitor<T> {
    fn out_of_range<E: de::Error>(value: impl fmt::Display) -> E {
        E::custom(format_args!("integer {value} is out of range for {}", std::any::type_name::<T>()))
    }
}

impl<T> Visitor<'_> for IntVisitor<T>
where
    T: TryFrom<i64> + TryFrom<u64> + FromStr,
    <T as FromStr>::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an integer ({}) as a decimal string or a number", std::any::type_name::<T>())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| Self::out_of_range(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| Self::out_of_range(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // 2^63 and 2^64 as f64; integral floats inside are converted exactly.
        const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;
        const U64_LIMIT: f64 = 18_446_744_073_709_551_616.0;
        if !v.is_finite() || v.fract() != 0.0 {
            return Err(E::invalid_value(de::Unexpected::Float(v), &self));
        }
        if (-I64_LIMIT..I64_LIMIT).contains(&v) {
            self.visit_i64(v as i64)
        } else if (0.0..U64_LIMIT).contains(&v) {
            self.visit_u64(v as u64)
        } else {
            Err(Self::out_of_range(format_args!("{v:e}")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse::<T>().map_err(|err| {
            let echoed: String = v.chars().take(100).collect();
            E::custom(format_args!("invalid {} string `{echoed}`: {err}", std::any::type_name::<T>()))
        })
    }
}

macro_rules! int64_string {
    ($($ty:ty),*) => {$(
        impl Encode<Int64String> for $ty {
            /// Writes the decimal string.
            fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }

            /// Accepts a decimal string or a JSON number; rejects anything
            /// that is not an integer in range.
            fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(IntVisitor::<$ty>(PhantomData))
            }
        }
    )*};
}

int64_string!(i64, u64, i32, u32);

// ---------------------------------------------------------------------------
// Floats with special values.
// ---------------------------------------------------------------------------

/// Accepts a float as a JSON number, `"NaN"`, `"Infinity"`, `"-Infinity"`
/// or another string Rust's `f64` parser accepts.
struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or one of the strings \"NaN\", \"Infinity\", \"-Infinity\"")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            other => other.parse::<f64>().map_err(|_| {
                let echoed: String = other.chars().take(100).collect();
                E::custom(format_args!(
                    "invalid float string `{echoed}`: expected a number, \"NaN\", \
                     \"Infinity\" or \"-Infinity\""
                ))
            }),
        }
    }
}

macro_rules! special_float {
    ($($ty:ident => $serialize:ident),*) => {$(
        impl Encode<SpecialFloat> for $ty {
            /// Writes finite values as numbers and the special values as
            /// `"NaN"`, `"Infinity"` and `"-Infinity"` (a binary format,
            /// which has them, gets the number).
            fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if !s.is_human_readable() {
                    s.$serialize(*self)
                } else if self.is_nan() {
                    s.serialize_str("NaN")
                } else if self.is_infinite() {
                    s.serialize_str(if *self > 0.0 { "Infinity" } else { "-Infinity" })
                } else {
                    s.$serialize(*self)
                }
            }

            /// Accepts numbers, the special-value strings and numeric strings.
            fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(FloatVisitor).map(|v| v as $ty)
            }
        }
    )*};
}

special_float!(f32 => serialize_f32, f64 => serialize_f64);

// ---------------------------------------------------------------------------
// `with` modules.
// ---------------------------------------------------------------------------

macro_rules! with_module {
    ($(#[$meta:meta])* $name:ident, $format:ty) => {
        $(#[$meta])*
        ///
        /// Works on any type implementing [`Encode`] for this encoding:
        /// the base type and any nesting of `Option`, `Vec`, `Box` and
        /// `HashMap` around it. Deserializing is null-tolerant: JSON `null`
        /// yields `T::default()` (`None` for an `Option`).
        pub mod $name {
            use serde::{Deserializer, Serializer};

            use super::Encode;

            /// Serializes `value` in this module's encoding.
            pub fn serialize<T: Encode<$format>, S: Serializer>(
                value: &T,
                s: S,
            ) -> Result<S::Ok, S::Error> {
                <T as Encode<$format>>::encode(value, s)
            }

            /// Deserializes a value in this module's encoding; `null` gives
            /// `T::default()`.
            pub fn deserialize<'de, T: Encode<$format> + Default, D: Deserializer<'de>>(
                d: D,
            ) -> Result<T, D::Error> {
                <Option<T> as Encode<$format>>::decode(d).map(Option::unwrap_or_default)
            }
        }
    };
}

with_module!(
    /// `#[serde(with)]` adapter for timestamps as epoch-seconds numbers
    /// ([`EpochSeconds`]).
    epoch_seconds,
    super::EpochSeconds
);
with_module!(
    /// `#[serde(with)]` adapter for timestamps as RFC 3339 strings
    /// ([`DateTimeFormat`]).
    date_time,
    super::DateTimeFormat
);
with_module!(
    /// `#[serde(with)]` adapter for timestamps as HTTP-date strings
    /// ([`HttpDate`]).
    http_date,
    super::HttpDate
);
with_module!(
    /// `#[serde(with)]` adapter for integers as decimal strings
    /// ([`Int64String`]).
    int64_string,
    super::Int64String
);
with_module!(
    /// `#[serde(with)]` adapter for floats whose NaN and infinities are
    /// strings ([`SpecialFloat`]).
    special_float,
    super::SpecialFloat
);

// ---------------------------------------------------------------------------
// Other helpers.
// ---------------------------------------------------------------------------

/// Stand-in for a sensitive value in generated `Debug` output.
///
/// Its `Debug` prints `*** Sensitive Data Redacted ***`, so generated code
/// writes `.field("password", &nimbus_core::wire::Redacted)` for members the
/// model marks `@sensitive`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("*** Sensitive Data Redacted ***")
    }
}

#[cfg(feature = "schemars")]
pub use crate::schema::{int_enum_schema, string_enum_schema};

/// A blob from base64 text (modeled `@default` values); empty when the text
/// is not valid base64.
pub fn blob_from_base64(text: &str) -> crate::Blob {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).map(crate::Blob::new).unwrap_or_default()
}

/// A document from JSON text (modeled `@default` values); `null` when the
/// text is not JSON.
pub fn document_from_json(text: &str) -> crate::Document {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}
