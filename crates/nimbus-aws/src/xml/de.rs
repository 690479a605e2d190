//! The serde `Deserializer` over an [`Element`] tree (layout rules in the
//! parent module's documentation).

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::Element;

pub use crate::codec_error::CodecError as DeError;

/// Deserializes from an element (see the module documentation for the
/// layout rules).
#[derive(Clone, Copy)]
pub(super) struct ElementDeserializer<'a>(pub(super) &'a Element);

/// Deserializes from text (an attribute value, a leaf element's text).
#[derive(Clone, Copy)]
struct TextDeserializer<'a>(&'a str);

macro_rules! parse_number {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                let text = self.0.trim();
                let value: $ty = text.parse().map_err(|_| crate::codec_error::CodecError(format!("`{text}` is not a valid {}", stringify!($ty))))?;
                visitor.$visit(value)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for TextDeserializer<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }

    parse_number! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f32(parse_float(self.0)? as f32)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f64(parse_float(self.0)?)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.trim() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(crate::codec_error::CodecError(format!("`{other}` is not a boolean"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

fn parse_float(text: &str) -> Result<f64, DeError> {
    match text.trim() {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        other => other.parse().map_err(|_| crate::codec_error::CodecError(format!("`{other}` is not a number"))),
    }
}

/// Scalars of an element are read from its text.
macro_rules! text_scalars {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                TextDeserializer(&self.0.text).$method(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for ElementDeserializer<'_> {
    type Error = DeError;

    /// A leaf is its text (trimmed: what reads it this way is a number,
    /// a timestamp or a document, never a string member); an element with
    /// children reads as a structure.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.0.children.is_empty() && self.0.attributes.is_empty() {
            visitor.visit_str(self.0.text.trim())
        } else {
            visitor.visit_map(StructAccess::new(self.0))
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(&self.0.text)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(&self.0.text)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(&self.0.text)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(&self.0.text)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    /// A list: the child elements, whatever their name.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_seq(Children(self.0.children.iter()))
    }

    /// A flattened map entry: the key element, then the value element.
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_seq(Children(self.0.children.iter()))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_seq(Children(self.0.children.iter()))
    }

    /// A map: each child element is an entry holding its key and value
    /// elements (`key`/`value`, or the first and second child).
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(Entries { entries: self.0.children.iter(), value: None })
    }

    /// A structure: attributes, then child elements, by local name.
    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(StructAccess::new(self.0))
    }

    /// A union: the first child element names the variant.
    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, DeError> {
        match self.0.children.first() {
            Some(member) => visitor.visit_enum(UnionAccess(member)),
            None => visitor.visit_enum(self.0.text.as_str().into_deserializer()),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(&self.0.name)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! { i128 u128 char }

    text_scalars! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_u8 deserialize_u16
        deserialize_u32 deserialize_u64 deserialize_f32 deserialize_f64
    }
}

/// The child elements as a sequence.
struct Children<'a>(std::slice::Iter<'a, Element>);

impl<'de> SeqAccess<'de> for Children<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        self.0.next().map(|child| seed.deserialize(ElementDeserializer(child))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A structure's members: attributes, then child elements.
struct StructAccess<'a> {
    attributes: std::slice::Iter<'a, (String, String)>,
    children: std::slice::Iter<'a, Element>,
    value: Option<Value<'a>>,
}

enum Value<'a> {
    Attribute(&'a str),
    Element(&'a Element),
}

impl<'a> StructAccess<'a> {
    fn new(element: &'a Element) -> Self {
        StructAccess { attributes: element.attributes.iter(), children: element.children.iter(), value: None }
    }
}

impl<'de> MapAccess<'de> for StructAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        if let Some((name, value)) = self.attributes.next() {
            self.value = Some(Value::Attribute(value));
            return seed.deserialize(TextDeserializer(name)).map(Some);
        }
        match self.children.next() {
            Some(child) => {
                self.value = Some(Value::Element(child));
                seed.deserialize(TextDeserializer(&child.name)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(Value::Attribute(text)) => seed.deserialize(TextDeserializer(text)),
            Some(Value::Element(element)) => seed.deserialize(ElementDeserializer(element)),
            None => Err(crate::codec_error::CodecError("a member value was asked for before its name".into())),
        }
    }
}

/// A map's entries.
struct Entries<'a> {
    entries: std::slice::Iter<'a, Element>,
    value: Option<&'a Element>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let Some(entry) = self.entries.next() else { return Ok(None) };
        let key = entry.child("key").or_else(|| entry.children.first());
        let value = entry.child("value").or_else(|| entry.children.get(1));
        let (Some(key), Some(value)) = (key, value) else {
            return Err(crate::codec_error::CodecError(format!("map entry `{}` has no key and value elements", entry.name)));
        };
        self.value = Some(value);
        seed.deserialize(ElementDeserializer(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(value) => seed.deserialize(ElementDeserializer(value)),
            None => Err(crate::codec_error::CodecError("a map value was asked for before its key".into())),
        }
    }
}

/// A union value: the member element names the variant.
struct UnionAccess<'a>(&'a Element);

impl<'de, 'a> de::EnumAccess<'de> for UnionAccess<'a> {
    type Error = DeError;
    type Variant = ElementDeserializer<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), DeError> {
        let name = seed.deserialize(TextDeserializer(&self.0.name))?;
        Ok((name, ElementDeserializer(self.0)))
    }
}

impl<'de> de::VariantAccess<'de> for ElementDeserializer<'_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_struct("", &[], visitor)
    }
}
