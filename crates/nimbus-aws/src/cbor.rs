//! Smithy RPC v2 CBOR (`smithy.protocols#rpcv2Cbor`): `POST
//! /service/<Service>/operation/<Operation>` with `smithy-protocol:
//! rpc-v2-cbor`, bodies in CBOR (RFC 8949), errors named by `__type`.
//!
//! The serde `Serializer` and `Deserializer` here are the codec: the
//! generated structures serialize through the same `ObjectWriter` calls as
//! JSON (a structure is an indefinite-length map, so unset optional members
//! are simply left out) and read through the same `wire::Object` readers.
//! CBOR is not human-readable to serde, so blobs are byte strings and
//! timestamps are tag 1 (epoch seconds) around a number. Decoding accepts
//! definite and indefinite lengths, every integer and float width, and
//! skips tags it does not know; it is bounded: lengths are checked against
//! the remaining input before anything is allocated, and nesting is limited
//! to [`MAX_DEPTH`].

use nimbus_core::Error;
use nimbus_core::http::{HttpRequest, HttpResponse};
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize};

/// The deepest nesting of arrays, maps and tags a body may have.
pub const MAX_DEPTH: usize = 128;

/// Builds the request of an operation: `POST
/// /service/<service>/operation/<operation>`, a CBOR body when there is an
/// input (`Content-Type: application/cbor`), none otherwise.
pub fn request<T: Serialize + ?Sized>(service: &str, operation: &str, input: Option<&T>) -> Result<HttpRequest, Error> {
    let mut request = HttpRequest::new("POST", format!("/service/{service}/operation/{operation}"));
    request.headers.insert("smithy-protocol", "rpc-v2-cbor");
    request.headers.insert("Accept", "application/cbor");
    if let Some(input) = input {
        request.body = to_vec(input).map_err(|e| Error::invalid_request(format!("cannot serialize the request: {e}")))?.into();
        request.headers.insert("Content-Type", "application/cbor");
    }
    Ok(request)
}

/// Decodes a `T` from a CBOR response body; an empty body is `T`'s default.
pub fn decode<T: DeserializeOwned + Default>(response: &HttpResponse) -> Result<T, Error> {
    if response.body.is_empty() {
        return Ok(T::default());
    }
    from_slice(&response.body).map_err(|e| nimbus_core::protocol::json::not_a_valid(std::any::type_name::<T>(), &e, Some(response)))
}

/// Turns a non-2xx CBOR response into a service [`Error`]: the code from
/// `x-amzn-query-error` (query-compatible services) or the body's `__type`
/// (namespace removed), the message from `message`/`Message`. Never fails.
pub fn error_from_response(response: HttpResponse) -> Error {
    let fields: ErrorFields = from_slice(&response.body).unwrap_or_default();
    let query_code = response.headers.get("x-amzn-query-error").and_then(|v| v.split(';').next()).map(str::to_owned);
    let code = query_code.or(fields.code).map(|c| crate::protocol::sanitize_error_code(&c).to_owned()).filter(|c| !c.is_empty());
    let message = fields.message.unwrap_or_else(|| nimbus_core::protocol::describe_body(&response));
    let code = code.unwrap_or_else(|| format!("Http{}", response.status));
    let request_id = crate::protocol::request_id(&response);
    Error::service(code, message, request_id, response)
}

/// What an error body says about itself (every other member skipped,
/// whatever its type).
#[derive(Default)]
struct ErrorFields {
    code: Option<String>,
    message: Option<String>,
}

impl nimbus_core::wire::Object for ErrorFields {
    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "__type" => self.code = nimbus_core::wire::optional(map)?,
            "message" | "Message" => self.message = nimbus_core::wire::optional(map)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

nimbus_core::impl_deserialize!(ErrorFields);

/// Serializes `value` as CBOR.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CborError> {
    let mut out = Vec::with_capacity(64);
    value.serialize(&mut CborSerializer { out: &mut out })?;
    Ok(out)
}

/// Deserializes a `T` from one CBOR data item (nothing may follow it).
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CborError> {
    let mut de = CborDeserializer { input: bytes, depth: 0 };
    let value = T::deserialize(&mut de)?;
    if de.input.is_empty() { Ok(value) } else { Err(CborError(format!("{} bytes after the data item", de.input.len()))) }
}

pub use crate::codec_error::CodecError as CborError;

// ---------------------------------------------------------------- encoding

const BREAK: u8 = 0xff;

/// The initial byte(s) of a data item: major type and argument.
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

fn int(out: &mut Vec<u8>, v: i128) -> Result<(), CborError> {
    match v {
        0.. => head(out, 0, u64::try_from(v).map_err(|_| CborError(format!("{v} is out of CBOR's integer range")))?),
        _ => head(out, 1, u64::try_from(-1 - v).map_err(|_| CborError(format!("{v} is out of CBOR's integer range")))?),
    }
    Ok(())
}

struct CborSerializer<'a> {
    out: &'a mut Vec<u8>,
}

macro_rules! ints {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method(self, v: $ty) -> Result<(), CborError> {
                int(self.out, i128::from(v))
            }
        )*
    };
}

impl<'s, 'a> ser::Serializer for &'s mut CborSerializer<'a> {
    type Ok = ();
    type Error = CborError;
    type SerializeSeq = Compound<'s, 'a>;
    type SerializeTuple = Compound<'s, 'a>;
    type SerializeTupleStruct = Compound<'s, 'a>;
    type SerializeTupleVariant = Compound<'s, 'a>;
    type SerializeMap = Compound<'s, 'a>;
    type SerializeStruct = Compound<'s, 'a>;
    type SerializeStructVariant = Compound<'s, 'a>;

    fn is_human_readable(&self) -> bool {
        false
    }

    ints! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
    }

    fn serialize_i128(self, v: i128) -> Result<(), CborError> {
        int(self.out, v)
    }

    fn serialize_u128(self, v: u128) -> Result<(), CborError> {
        int(self.out, i128::try_from(v).map_err(|_| CborError(format!("{v} is out of CBOR's integer range")))?)
    }

    fn serialize_bool(self, v: bool) -> Result<(), CborError> {
        self.out.push(if v { 0xf5 } else { 0xf4 });
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), CborError> {
        self.out.push(0xfa);
        self.out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<(), CborError> {
        self.out.push(0xfb);
        self.out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), CborError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), CborError> {
        head(self.out, 3, v.len() as u64);
        self.out.extend_from_slice(v.as_bytes());
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), CborError> {
        head(self.out, 2, v.len() as u64);
        self.out.extend_from_slice(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), CborError> {
        self.out.push(0xf6);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CborError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), CborError> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), CborError> {
        self.serialize_none()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), CborError> {
        self.serialize_str(variant)
    }

    /// [`nimbus_core::wire::EPOCH_SECONDS_TAG`] is tag 1 (a timestamp);
    /// other names (layouts) are transparent.
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<(), CborError> {
        if name == nimbus_core::wire::EPOCH_SECONDS_TAG {
            head(self.out, 6, 1);
        }
        value.serialize(self)
    }

    /// A union member: a map of one entry.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), CborError> {
        head(self.out, 5, 1);
        self.serialize_str(variant)?;
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'s, 'a>, CborError> {
        Ok(Compound::open(self, 4, len))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'s, 'a>, CborError> {
        Ok(Compound::open(self, 4, Some(len)))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'s, 'a>, CborError> {
        Ok(Compound::open(self, 4, Some(len)))
    }

    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, len: usize) -> Result<Compound<'s, 'a>, CborError> {
        head(self.out, 5, 1);
        self.serialize_str(variant)?;
        Ok(Compound::open(self, 4, Some(len)))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'s, 'a>, CborError> {
        Ok(Compound::open(self, 5, len))
    }

    /// A structure is an indefinite-length map: its writer leaves unset
    /// optional members out, so `len` is only an upper bound.
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'s, 'a>, CborError> {
        Ok(Compound::open(self, 5, None))
    }

    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Compound<'s, 'a>, CborError> {
        head(self.out, 5, 1);
        self.serialize_str(variant)?;
        Ok(Compound::open(self, 5, None))
    }
}

/// An array or map being written; indefinite ones end with a break.
struct Compound<'s, 'a> {
    ser: &'s mut CborSerializer<'a>,
    indefinite: bool,
}

impl<'s, 'a> Compound<'s, 'a> {
    fn open(ser: &'s mut CborSerializer<'a>, major: u8, len: Option<usize>) -> Self {
        match len {
            Some(n) => head(ser.out, major, n as u64),
            None => ser.out.push((major << 5) | 31),
        }
        Compound { ser, indefinite: len.is_none() }
    }

    fn close(self) -> Result<(), CborError> {
        if self.indefinite {
            self.ser.out.push(BREAK);
        }
        Ok(())
    }
}

macro_rules! compound {
    ($($trait:ident { $($method:ident($($arg:ident: $ty:ty),*) => $body:expr;)* })*) => {
        $(
            impl ser::$trait for Compound<'_, '_> {
                type Ok = ();
                type Error = CborError;
                $(
                    fn $method<T: Serialize + ?Sized>(&mut self, $($arg: $ty,)* value: &T) -> Result<(), CborError> {
                        let this: &mut Self = self;
                        let _ = &this;
                        $body(this, $($arg,)*)?;
                        value.serialize(&mut *this.ser)
                    }
                )*
                fn end(self) -> Result<(), CborError> {
                    self.close()
                }
            }
        )*
    };
}

fn nothing(_: &mut Compound<'_, '_>) -> Result<(), CborError> {
    Ok(())
}

fn key(this: &mut Compound<'_, '_>, name: &'static str) -> Result<(), CborError> {
    ser::Serializer::serialize_str(&mut *this.ser, name)
}

compound! {
    SerializeSeq { serialize_element() => nothing; }
    SerializeTuple { serialize_element() => nothing; }
    SerializeTupleStruct { serialize_field() => nothing; }
    SerializeTupleVariant { serialize_field() => nothing; }
    SerializeMap { serialize_key() => nothing; serialize_value() => nothing; }
    SerializeStruct { serialize_field(name: &'static str) => key; }
    SerializeStructVariant { serialize_field(name: &'static str) => key; }
}

// ---------------------------------------------------------------- decoding

struct CborDeserializer<'de> {
    input: &'de [u8],
    depth: usize,
}

/// The argument of a data item: a number, or indefinite length.
#[derive(Clone, Copy)]
enum Arg {
    Value(u64),
    Indefinite,
}

impl<'de> CborDeserializer<'de> {
    fn take(&mut self, n: usize) -> Result<&'de [u8], CborError> {
        if self.input.len() < n {
            return Err(CborError(format!("the body ends inside a data item ({n} more bytes expected)")));
        }
        let (taken, rest) = self.input.split_at(n);
        self.input = rest;
        Ok(taken)
    }

    fn peek(&self) -> Option<u8> {
        self.input.first().copied()
    }

    /// Reads an initial byte and its argument: (major type, info, argument).
    fn head(&mut self) -> Result<(u8, u8, Arg), CborError> {
        let initial = self.take(1)?[0];
        let (major, info) = (initial >> 5, initial & 0x1f);
        let arg = match info {
            0..=23 => Arg::Value(u64::from(info)),
            24 => Arg::Value(u64::from(self.take(1)?[0])),
            25 => Arg::Value(u64::from(u16::from_be_bytes(self.array()?))),
            26 => Arg::Value(u64::from(u32::from_be_bytes(self.array()?))),
            27 => Arg::Value(u64::from_be_bytes(self.array()?)),
            31 if matches!(major, 2..=5 | 7) => Arg::Indefinite,
            _ => return Err(CborError(format!("malformed initial byte 0x{initial:02x}"))),
        };
        Ok((major, info, arg))
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CborError> {
        let bytes = self.take(N)?;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A definite length that fits in the remaining input.
    fn length(&self, n: u64) -> Result<usize, CborError> {
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.input.len())
            .ok_or_else(|| CborError(format!("a length of {n} is more than the body holds")))
    }

    fn enter(&mut self) -> Result<(), CborError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(CborError(format!("nested deeper than {MAX_DEPTH}"))) } else { Ok(()) }
    }

    /// The chunks of an indefinite-length byte or text string, joined.
    fn chunks(&mut self, major: u8) -> Result<Vec<u8>, CborError> {
        let mut out = Vec::new();
        loop {
            if self.peek() == Some(BREAK) {
                self.take(1)?;
                return Ok(out);
            }
            match self.head()? {
                (m, _, Arg::Value(n)) if m == major => {
                    let len = self.length(n)?;
                    out.extend_from_slice(self.take(len)?);
                }
                _ => return Err(CborError("an indefinite-length string holds a chunk of another kind".into())),
            }
        }
    }
}

/// Half-precision to `f64` (RFC 8949 Appendix D).
fn half(bits: u16) -> f64 {
    let exponent = i32::from((bits >> 10) & 0x1f);
    let mantissa = f64::from(bits & 0x3ff);
    let magnitude = match exponent {
        0 => mantissa * 2f64.powi(-24),
        31 if mantissa == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (mantissa + 1024.0) * 2f64.powi(e - 25),
    };
    if bits & 0x8000 != 0 { -magnitude } else { magnitude }
}

impl<'de> Deserializer<'de> for &mut CborDeserializer<'de> {
    type Error = CborError;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CborError> {
        let (major, info, arg) = self.head()?;
        match (major, arg) {
            (0, Arg::Value(n)) => visitor.visit_u64(n),
            (1, Arg::Value(n)) => match i64::try_from(n) {
                Ok(n) => visitor.visit_i64(-1 - n),
                Err(_) => visitor.visit_i128(-1 - i128::from(n)),
            },
            (2, Arg::Value(n)) => {
                let len = self.length(n)?;
                visitor.visit_borrowed_bytes(self.take(len)?)
            }
            (2, Arg::Indefinite) => visitor.visit_byte_buf(self.chunks(2)?),
            (3, Arg::Value(n)) => {
                let len = self.length(n)?;
                let text = std::str::from_utf8(self.take(len)?).map_err(|_| CborError("a text string is not UTF-8".into()))?;
                visitor.visit_borrowed_str(text)
            }
            (3, Arg::Indefinite) => {
                let bytes = self.chunks(3)?;
                visitor.visit_string(String::from_utf8(bytes).map_err(|_| CborError("a text string is not UTF-8".into()))?)
            }
            (4, arg) => {
                self.enter()?;
                let remaining = match arg {
                    Arg::Value(n) => Some(self.length(n)?),
                    Arg::Indefinite => None,
                };
                let mut items = Items { de: &mut *self, remaining, ended: false };
                let value = visitor.visit_seq(&mut items)?;
                items.finish()?;
                self.depth -= 1;
                Ok(value)
            }
            (5, arg) => {
                self.enter()?;
                let remaining = match arg {
                    Arg::Value(n) => Some(self.length(n)?),
                    Arg::Indefinite => None,
                };
                let mut items = Items { de: &mut *self, remaining, ended: false };
                let value = visitor.visit_map(&mut items)?;
                items.finish()?;
                self.depth -= 1;
                Ok(value)
            }
            // A tag (tag 1: a timestamp) is read as the item it wraps.
            (6, Arg::Value(_)) => {
                self.enter()?;
                let value = self.deserialize_any(visitor)?;
                self.depth -= 1;
                Ok(value)
            }
            (7, _) => match (info, arg) {
                (20, _) => visitor.visit_bool(false),
                (21, _) => visitor.visit_bool(true),
                (22 | 23, _) => visitor.visit_unit(),
                (25, Arg::Value(bits)) => visitor.visit_f64(half(bits as u16)),
                (26, Arg::Value(bits)) => visitor.visit_f32(f32::from_bits(bits as u32)),
                (27, Arg::Value(bits)) => visitor.visit_f64(f64::from_bits(bits)),
                _ => Err(CborError(format!("unexpected simple value {info}"))),
            },
            _ => Err(CborError(format!("unexpected data item (major type {major})"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CborError> {
        match self.peek() {
            Some(0xf6 | 0xf7) => {
                self.take(1)?;
                visitor.visit_none()
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, CborError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The items of an array, or the entries of a map (definite or not).
struct Items<'a, 'de> {
    de: &'a mut CborDeserializer<'de>,
    remaining: Option<usize>,
    /// An indefinite container's break was read.
    ended: bool,
}

impl<'de> Items<'_, 'de> {
    /// Whether another item follows (consuming an indefinite one's break).
    fn more(&mut self) -> Result<bool, CborError> {
        match &mut self.remaining {
            Some(0) => Ok(false),
            Some(n) => {
                *n -= 1;
                Ok(true)
            }
            None if self.ended => Ok(false),
            None if self.de.peek() == Some(BREAK) => {
                self.de.take(1)?;
                self.ended = true;
                Ok(false)
            }
            None => Ok(true),
        }
    }

    /// After the visitor: every item was read (a visitor that stops early,
    /// like a fixed-size array's, leaves none behind to be misread).
    fn finish(&mut self) -> Result<(), CborError> {
        if self.more()? { Err(CborError("the array or map has more items than expected".into())) } else { Ok(()) }
    }
}

impl<'de> SeqAccess<'de> for &mut Items<'_, 'de> {
    type Error = CborError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, CborError> {
        if self.more()? { seed.deserialize(&mut *self.de).map(Some) } else { Ok(None) }
    }

    fn size_hint(&self) -> Option<usize> {
        self.remaining
    }
}

impl<'de> MapAccess<'de> for &mut Items<'_, 'de> {
    type Error = CborError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, CborError> {
        if self.more()? { seed.deserialize(&mut *self.de).map(Some) } else { Ok(None) }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, CborError> {
        seed.deserialize(&mut *self.de)
    }

    fn size_hint(&self) -> Option<usize> {
        self.remaining
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_core::wire::{self, ObjectWriter};
    use nimbus_core::{Blob, DateTime};
    use std::collections::BTreeMap;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn rfc_8949_appendix_a_encodings() {
        assert_eq!(hex(&to_vec(&0u8).unwrap()), "00");
        assert_eq!(hex(&to_vec(&23u8).unwrap()), "17");
        assert_eq!(hex(&to_vec(&24u8).unwrap()), "1818");
        assert_eq!(hex(&to_vec(&1000u16).unwrap()), "1903e8");
        assert_eq!(hex(&to_vec(&1_000_000u32).unwrap()), "1a000f4240");
        assert_eq!(hex(&to_vec(&1_000_000_000_000u64).unwrap()), "1b000000e8d4a51000");
        assert_eq!(hex(&to_vec(&-1i8).unwrap()), "20");
        assert_eq!(hex(&to_vec(&-1000i16).unwrap()), "3903e7");
        assert_eq!(hex(&to_vec(&1.1f64).unwrap()), "fb3ff199999999999a");
        assert_eq!(hex(&to_vec(&true).unwrap()), "f5");
        assert_eq!(hex(&to_vec(&Option::<u8>::None).unwrap()), "f6");
        assert_eq!(hex(&to_vec("IETF").unwrap()), "6449455446");
        assert_eq!(hex(&to_vec(&[1u8, 2, 3][..]).unwrap()), "83010203");
        assert_eq!(hex(&to_vec(&BTreeMap::from([("a", 1u8), ("b", 2)])).unwrap()), "a2616101616202");
    }

    #[test]
    fn rfc_8949_appendix_a_decodings() {
        assert_eq!(from_slice::<u64>(&unhex("1b000000e8d4a51000")).unwrap(), 1_000_000_000_000);
        assert_eq!(from_slice::<i64>(&unhex("3903e7")).unwrap(), -1000);
        assert_eq!(from_slice::<f64>(&unhex("f93e00")).unwrap(), 1.5);
        assert_eq!(from_slice::<f64>(&unhex("f90001")).unwrap(), 5.960464477539063e-8);
        assert_eq!(from_slice::<f64>(&unhex("f97c00")).unwrap(), f64::INFINITY);
        assert!(from_slice::<f64>(&unhex("f97e00")).unwrap().is_nan());
        assert_eq!(from_slice::<f32>(&unhex("fa47c35000")).unwrap(), 100000.0);
        assert_eq!(from_slice::<String>(&unhex("7f657374726561646d696e67ff")).unwrap(), "streaming");
        assert!(from_slice::<Vec<u8>>(&unhex("9f018202039f0405ffff")).is_err(), "nested arrays are not u8s");
        assert_eq!(from_slice::<Vec<Vec<u8>>>(&unhex("9f8101820203ff")).unwrap(), vec![vec![1], vec![2, 3]]);
        // {_ "a": "1", "b": "2"}
        let map: BTreeMap<String, String> = from_slice(&unhex("bf6161613161626132ff")).unwrap();
        assert_eq!(map["b"], "2");
        assert_eq!(from_slice::<Option<u8>>(&unhex("f6")).unwrap(), None);
        // A tag is read as what it wraps (tag 1: epoch seconds).
        let t: DateTime = from_slice(&unhex("c11a514b67b0")).unwrap();
        assert_eq!(t, DateTime::from_secs(1_363_896_240));
    }

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: Option<String>,
        count: i32,
        data: Option<Blob>,
        when: Option<DateTime>,
        ratio: Option<f64>,
        tags: Option<Vec<String>>,
    }

    impl Serialize for Sample {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut w = ObjectWriter::new(s, 6)?;
            w.optional("name", &self.name)?;
            w.value("count", &self.count)?;
            w.optional("data", &self.data)?;
            w.optional_encoded("when", wire::EpochSeconds, &self.when)?;
            w.optional_encoded("ratio", wire::SpecialFloat, &self.ratio)?;
            w.optional("tags", &self.tags)?;
            w.end()
        }
    }

    impl wire::Object for Sample {
        fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, m: &mut A) -> Result<bool, A::Error> {
            match key {
                "name" => self.name = wire::optional(m)?,
                "count" => self.count = wire::or_default(m)?,
                "data" => self.data = wire::optional(m)?,
                "when" => self.when = wire::encoded(wire::EpochSeconds, m)?,
                "ratio" => self.ratio = wire::encoded(wire::SpecialFloat, m)?,
                "tags" => self.tags = wire::optional(m)?,
                _ => return Ok(false),
            }
            Ok(true)
        }
    }

    nimbus_core::impl_deserialize!(Sample);

    #[test]
    fn structures_round_trip_with_bytes_tags_and_unset_members_left_out() {
        let full = Sample {
            name: Some("n".into()),
            count: -3,
            data: Some(Blob::new(vec![0, 255])),
            when: Some(DateTime::from_parts(1_700_000_000, 500_000_000)),
            ratio: Some(f64::INFINITY),
            tags: Some(vec!["a".into()]),
        };
        let bytes = to_vec(&full).unwrap();
        assert_eq!(bytes[0], 0xbf, "an indefinite-length map");
        assert_eq!(*bytes.last().unwrap(), 0xff);
        assert!(hex(&bytes).contains("4200ff"), "a blob is a byte string: {}", hex(&bytes));
        assert!(hex(&bytes).contains("c1fb"), "a timestamp is tag 1 around a double: {}", hex(&bytes));
        assert_eq!(from_slice::<Sample>(&bytes).unwrap(), full);
        let empty = Sample::default();
        assert_eq!(hex(&to_vec(&empty).unwrap()), "bf65636f756e7400ff", "only the member that is always sent");
        assert_eq!(from_slice::<Sample>(&unhex("bf65636f756e7400616af6ff")).unwrap(), empty, "unknown members are skipped");
    }

    #[test]
    fn a_fixed_size_read_leaves_no_items_behind() {
        assert!(from_slice::<(u8, u8)>(&unhex("83010203")).is_err(), "three items are not a pair");
        assert_eq!(from_slice::<(u8, u8)>(&unhex("820102")).unwrap(), (1, 2));
        assert_eq!(from_slice::<(u8, u8)>(&unhex("9f0102ff")).unwrap(), (1, 2));
    }

    #[test]
    fn bad_bodies_are_errors_not_panics_and_stay_bounded() {
        let deep = "81".repeat(MAX_DEPTH + 1) + "00";
        for body in ["", "1b00", "5bffffffffffffffff", "7a7fffffff61", "9f01", "bf6161", "1c", "62c328", deep.as_str(), "0000"] {
            assert!(from_slice::<serde_json::Value>(&unhex(body)).is_err(), "{body}");
        }
    }

    #[test]
    fn errors_name_their_type_and_query_code() {
        let body = to_vec(&BTreeMap::from([("__type", "ns#CustomCodeError"), ("message", "Hi")])).unwrap();
        let e = error_from_response(HttpResponse::new(400, Default::default(), body.clone()));
        assert_eq!((e.code(), e.message()), (Some("CustomCodeError"), "Hi"));
        let headers = [("x-amzn-query-error", "Customized;Sender")].into_iter().collect();
        let e = error_from_response(HttpResponse::new(400, headers, body));
        assert_eq!(e.code(), Some("Customized"));
        let e = error_from_response(HttpResponse::new(503, Default::default(), b"<html>".to_vec()));
        assert_eq!(e.code(), Some("Http503"));
        // A member of another type (a blob) does not hide the code.
        let body = unhex("a3665f5f74797065616e64646174614100676d6573736167656148");
        let e = error_from_response(HttpResponse::new(400, Default::default(), body));
        assert_eq!(e.code(), Some("n"), "{e}");
    }
}
