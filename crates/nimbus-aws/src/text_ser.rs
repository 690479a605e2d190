//! What the query and XML serializers share: their error type and the
//! serde methods that write a scalar as text (each serializer has a
//! `scalar(self, &str)` that puts the text where its format wants it).

pub use crate::codec_error::CodecError as SerError;

/// The `serde::Serializer` methods of a text format, inside its `impl`:
/// scalars through `self.scalar(text)` (booleans `true`/`false`, floats with
/// `NaN`/`Infinity`/`-Infinity`, bytes base64, unit variants by name),
/// nothing for `None` and units, and an error for tuples and struct
/// variants, which no Smithy shape produces.
macro_rules! text_scalars {
    () => {
        $crate::text_ser::text_scalars!(@display
            serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128,
            serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128,
            serialize_char: char
        );

        fn serialize_bool(self, v: bool) -> Result<(), SerError> {
            self.scalar(if v { "true" } else { "false" })
        }

        fn serialize_f32(self, v: f32) -> Result<(), SerError> {
            self.scalar(&nimbus_core::protocol::rest::fmt_f32(v))
        }

        fn serialize_f64(self, v: f64) -> Result<(), SerError> {
            self.scalar(&nimbus_core::protocol::rest::fmt_float(v))
        }

        fn serialize_str(self, v: &str) -> Result<(), SerError> {
            self.scalar(v)
        }

        fn serialize_bytes(self, v: &[u8]) -> Result<(), SerError> {
            use base64::Engine as _;
            self.scalar(&base64::engine::general_purpose::STANDARD.encode(v))
        }

        fn serialize_none(self) -> Result<(), SerError> {
            Ok(())
        }

        fn serialize_some<T: serde::Serialize + ?Sized>(self, value: &T) -> Result<(), SerError> {
            value.serialize(self)
        }

        fn serialize_unit(self) -> Result<(), SerError> {
            Ok(())
        }

        fn serialize_unit_struct(self, _: &'static str) -> Result<(), SerError> {
            Ok(())
        }

        fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), SerError> {
            self.scalar(variant)
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, SerError> {
            Err(SerError("tuples have no text form".into()))
        }

        fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, SerError> {
            Err(SerError("tuples have no text form".into()))
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, SerError> {
            Err(SerError("tuples have no text form".into()))
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, SerError> {
            Err(SerError("struct variants have no text form".into()))
        }
    };
    (@display $($method:ident: $ty:ty),*) => {
        $(
            fn $method(self, v: $ty) -> Result<(), SerError> {
                self.scalar(&v.to_string())
            }
        )*
    };
}

pub(crate) use text_scalars;
