//! Structures read from and written to JSON objects member by member.
//!
//! `#[derive(Deserialize)]` writes, for every structure, a field-name enum
//! with its own visitor, a map visitor, a sequence visitor and one wrapper
//! type per `deserialize_with` member: more code than the rest of a
//! generated crate. A generated structure instead implements [`Object`]:
//! one `match` from a member's wire name to the statement that reads it.
//! The visitor, the key handling and the skipping of unknown members are
//! written once, here, and `Deserialize` is one line
//! ([`impl_deserialize!`](crate::impl_deserialize)). Sending is the same:
//! a generated `Serialize` is one [`ObjectWriter`] call per member.
//!
//! Semantics (those of the derive with the attributes the generator used to
//! write): a member that is absent keeps the structure's `Default`; `null`
//! gives `None` for an optional member and the type's default otherwise;
//! unknown members are skipped. One difference: when a key repeats, the
//! last value wins (as in `serde_json::Value`), where the derive failed.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::{Decoded, Encode, EncodeRef};

/// A structure decoded from a JSON object member by member. Generated code
/// implements it; [`deserialize_object`] does the rest.
pub trait Object: Default {
    /// Reads the value of the member whose wire name is `key` from `map`
    /// into `self`; `false` (nothing read) for a key the structure does not
    /// know.
    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

/// `impl Deserialize for $ty` through its [`Object`] implementation.
#[macro_export]
macro_rules! impl_deserialize {
    ($ty:ty) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::wire::deserialize_object(deserializer)
            }
        }
    };
}

/// Deserializes an [`Object`] from a map: the body of a generated
/// `Deserialize::deserialize`.
#[inline]
pub fn deserialize_object<'de, T: Object, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    // A structure, not a map: a deserializer that lays the two out
    // differently (XML: members are child elements, map entries are
    // `<entry>` elements) tells them apart by this call.
    deserializer.deserialize_struct("", &[], ObjectVisitor::<T>(PhantomData))
}

/// The value of an optional member (`null` is `None`).
#[inline]
pub fn optional<'de, T: Deserialize<'de>, A: MapAccess<'de>>(map: &mut A) -> Result<Option<T>, A::Error> {
    map.next_value()
}

/// The value of a member that is not optional in Rust; `null` gives the
/// type's default (services send `null` for members their model requires).
#[inline]
pub fn or_default<'de, T: Deserialize<'de> + Default, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
    map.next_value::<Option<T>>().map(Option::unwrap_or_default)
}

/// The value of a member in the wire encoding `F` (`encoding` is one of this
/// module's markers: epoch seconds, RFC 3339, 64-bit integers as strings,
/// ...); `null` gives the type's default (`None` for an optional member).
#[inline]
pub fn encoded<'de, F, T: Encode<F> + Default, A: MapAccess<'de>>(_encoding: F, map: &mut A) -> Result<T, A::Error> {
    map.next_value::<Decoded<F, Option<T>>>().map(|decoded| decoded.0.unwrap_or_default())
}

/// Writes a structure as a JSON object member by member: the body of a
/// generated `Serialize` (one call per member sent, in declaration order;
/// unset optional members are left out). A structure is written with
/// `serialize_struct`, so a serializer can tell it from a map.
pub struct ObjectWriter<M>(M);

impl<M: SerializeStruct> ObjectWriter<M> {
    /// Starts the object; `members` is how many members the structure has
    /// (an upper bound of how many are written: unset optional ones are
    /// left out).
    #[inline]
    pub fn new<S: Serializer<SerializeStruct = M, Error = M::Error>>(serializer: S, members: usize) -> Result<Self, M::Error> {
        serializer.serialize_struct("", members).map(ObjectWriter)
    }

    /// Writes a member that is always sent.
    #[inline]
    pub fn value<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), M::Error> {
        self.0.serialize_field(name, value)
    }

    /// Writes an optional member when it is set.
    #[inline]
    pub fn optional<T: Serialize>(&mut self, name: &'static str, value: &Option<T>) -> Result<(), M::Error> {
        match value {
            Some(value) => self.0.serialize_field(name, value),
            None => Ok(()),
        }
    }

    /// Writes a member that is always sent, in the wire encoding `F`.
    #[inline]
    pub fn encoded<F, T: Encode<F>>(&mut self, name: &'static str, _encoding: F, value: &T) -> Result<(), M::Error> {
        self.0.serialize_field(name, &EncodeRef::<F, T>::new(value))
    }

    /// Writes an optional member in the wire encoding `F` when it is set.
    #[inline]
    pub fn optional_encoded<F, T: Encode<F>>(&mut self, name: &'static str, _encoding: F, value: &Option<T>) -> Result<(), M::Error> {
        match value {
            Some(value) => self.0.serialize_field(name, &EncodeRef::<F, T>::new(value)),
            None => Ok(()),
        }
    }

    /// Writes a list or map member with a [`Layout`] (XML-shaped protocols:
    /// flattened, or custom item / key / value names) when it is set. JSON
    /// ignores the layout.
    #[inline]
    pub fn laid_out<T: Serialize>(&mut self, name: &'static str, layout: Layout, value: Option<&T>) -> Result<(), M::Error> {
        match value {
            Some(value) => self.0.serialize_field(name, &LaidOut(layout, value)),
            None => Ok(()),
        }
    }

    /// [`laid_out`](Self::laid_out) in the wire encoding `F`.
    #[inline]
    pub fn laid_out_encoded<F, T: Encode<F>>(
        &mut self,
        name: &'static str,
        layout: Layout,
        _encoding: F,
        value: Option<&T>,
    ) -> Result<(), M::Error> {
        match value {
            Some(value) => self.0.serialize_field(name, &LaidOut(layout, &EncodeRef::<F, T>::new(value))),
            None => Ok(()),
        }
    }

    /// Ends the object.
    #[inline]
    pub fn end(self) -> Result<M::Ok, M::Error> {
        self.0.end()
    }
}

/// How a list or map member is laid out in XML and in query strings, when
/// it is not the default (`<member>` items, `<entry>` with `<key>` and
/// `<value>`). The layout travels to the serializer as the name of a
/// newtype struct (`xml:flat`, `xml:member=item`, `xml:key=K;value=V`,
/// `xml:flat;key=K;value=V`); serializers that do not look at names (JSON)
/// see just the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout(pub &'static str);

impl Layout {
    /// The prefix of every layout name.
    pub const PREFIX: &'static str = "xml:";

    /// Parses a newtype struct name written by [`ObjectWriter::laid_out`]:
    /// `;`-separated parts after [`Layout::PREFIX`], each `flat`, `attr` or
    /// `key=value` (`member`, `key`, `value` names; `ns`, `nsprefix`,
    /// `member_ns`, `key_ns`, `value_ns` namespace URIs and prefix); a `|`
    /// starts the layout of the items of a nested list or map.
    pub fn parse(name: &str) -> Option<LayoutSpec<'_>> {
        name.strip_prefix(Self::PREFIX).map(LayoutSpec::parse_level)
    }
}

impl<'a> LayoutSpec<'a> {
    /// Parses one level of a layout; what follows the first `|` is the
    /// layout of the items (a list's) or values (a map's), kept in
    /// [`LayoutSpec::inner`].
    pub fn parse_level(spec: &'a str) -> LayoutSpec<'a> {
        let (spec, inner) = match spec.split_once('|') {
            Some((level, inner)) => (level, Some(inner)),
            None => (spec, None),
        };
        let mut out = LayoutSpec { inner, ..LayoutSpec::default() };
        for part in spec.split(';').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                None if part == "flat" => out.flattened = true,
                None if part == "attr" => out.attribute = true,
                Some(("member", v)) => out.member = Some(v),
                Some(("key", v)) => out.key = Some(v),
                Some(("value", v)) => out.value = Some(v),
                Some(("ns", v)) => out.namespace = Some(v),
                Some(("nsprefix", v)) => out.namespace_prefix = Some(v),
                Some(("member_ns", v)) => out.member_namespace = Some(v),
                Some(("key_ns", v)) => out.key_namespace = Some(v),
                Some(("value_ns", v)) => out.value_namespace = Some(v),
                _ => {}
            }
        }
        out
    }

    /// The layout of this collection's items or values.
    pub fn items(&self) -> LayoutSpec<'a> {
        self.inner.map(LayoutSpec::parse_level).unwrap_or_default()
    }
}

/// A parsed [`Layout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LayoutSpec<'a> {
    /// Items (entries) repeat the member's own element (query key) instead
    /// of nesting under it.
    pub flattened: bool,
    /// The member is an attribute of its structure's element (XML).
    pub attribute: bool,
    /// The item element name of a list (default `member`).
    pub member: Option<&'a str>,
    /// The key element name of a map entry (default `key`).
    pub key: Option<&'a str>,
    /// The value element name of a map entry (default `value`).
    pub value: Option<&'a str>,
    /// The namespace URI declared on the member's element (XML).
    pub namespace: Option<&'a str>,
    /// The prefix the namespace is declared with (`xmlns:prefix=`).
    pub namespace_prefix: Option<&'a str>,
    /// The namespace URI of a list's item elements.
    pub member_namespace: Option<&'a str>,
    /// The namespace URI of a map's key elements.
    pub key_namespace: Option<&'a str>,
    /// The namespace URI of a map's value elements.
    pub value_namespace: Option<&'a str>,
    /// The layout of the items (values) when they are lists or maps
    /// themselves, unparsed (see [`LayoutSpec::items`]).
    pub inner: Option<&'a str>,
}

struct LaidOut<'a, T>(Layout, &'a T);

impl<T: Serialize> Serialize for LaidOut<'_, T> {
    #[inline]
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(self.0.0, self.1)
    }
}

/// Reads one item of a flattened list or map member and adds it to
/// `items` (XML: each list item, or each map entry holding its key and
/// value elements in that order, is an element named after the member,
/// directly in the structure).
#[inline]
pub fn push_item<'de, T: Deserialize<'de>, C: Collect<T>, A: MapAccess<'de>>(items: &mut C, map: &mut A) -> Result<(), A::Error> {
    let item = map.next_value::<T>()?;
    items.collect_one(item);
    Ok(())
}

/// A list or map (optional or not) that [`push_item`] adds to.
pub trait Collect<T> {
    /// Adds one item (a map: one `(key, value)` entry).
    fn collect_one(&mut self, item: T);
}

impl<T> Collect<T> for Vec<T> {
    fn collect_one(&mut self, item: T) {
        self.push(item);
    }
}

impl<T> Collect<T> for Option<Vec<T>> {
    fn collect_one(&mut self, item: T) {
        self.get_or_insert_with(Vec::new).push(item);
    }
}

impl<K: Eq + std::hash::Hash, V, H: std::hash::BuildHasher + Default> Collect<(K, V)> for std::collections::HashMap<K, V, H> {
    fn collect_one(&mut self, (key, value): (K, V)) {
        self.insert(key, value);
    }
}

impl<K: Eq + std::hash::Hash, V, H: std::hash::BuildHasher + Default> Collect<(K, V)> for Option<std::collections::HashMap<K, V, H>> {
    fn collect_one(&mut self, (key, value): (K, V)) {
        self.get_or_insert_with(Default::default).insert(key, value);
    }
}

/// A union decoded member by member, from a JSON object or an XML element
/// with exactly one member set. Generated code implements it;
/// [`deserialize_union`] does the rest.
pub trait Union: Sized {
    /// Reads the member whose wire name is `key`: `Ok(Some(Some(v)))` when
    /// it is set, `Ok(Some(None))` when its value is `null`, `Ok(None)` for
    /// a key the union does not know (its value is left unread).
    fn read<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<Option<Option<Self>>, A::Error>;

    /// The value for a member this version of the SDK does not know.
    fn unknown(tag: String) -> Self;
}

/// Deserializes a [`Union`]: members set to `null` and the `__type` key
/// (which AWS services may add) are ignored; exactly one member must
/// remain (an unknown one gives [`Union::unknown`]). Anything else is an
/// error naming `union_name`.
pub fn deserialize_union<'de, T: Union, D: Deserializer<'de>>(deserializer: D, union_name: &'static str) -> Result<T, D::Error> {
    deserializer.deserialize_struct("", &[], UnionVisitor::<T>(union_name, PhantomData))
}

struct UnionVisitor<T>(&'static str, PhantomData<fn() -> T>);

impl<'de, T: Union> Visitor<'de> for UnionVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with one member of union `{}`", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut set: Vec<String> = Vec::new();
        let mut value = None;
        let mut unknown = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "__type" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match T::read(&key, &mut map)? {
                Some(Some(v)) => {
                    value = Some(v);
                    set.push(key);
                }
                Some(None) => {}
                None => {
                    if map.next_value::<Option<IgnoredAny>>()?.is_some() {
                        set.push(key.clone());
                        unknown = Some(key);
                    }
                }
            }
        }
        match (set.len(), value, unknown) {
            (1, Some(v), _) => Ok(v),
            (1, None, Some(tag)) => Ok(T::unknown(tag)),
            (0, ..) => Err(de::Error::custom(format_args!("union `{}` has no member set; exactly one is required", self.0))),
            (n, ..) => {
                Err(de::Error::custom(format_args!("union `{}` has {n} members set ({}); exactly one is allowed", self.0, set.join(", "))))
            }
        }
    }
}

struct ObjectVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object ({})", std::any::type_name::<T>())
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        while let Some(key) = map.next_key_seed(KeySeed::<T>(PhantomData))? {
            if !value.read(key.as_str(), &mut map)? {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(value)
    }
}

/// An object key: borrowed from the input when the deserializer can lend
/// it (serde_json from a slice, without escapes), otherwise owned.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    #[inline]
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(key) => key,
            Key::Owned(key) => key,
        }
    }
}

/// Reads a [`Key`]. Generic over the structure only so that each
/// structure's key reading is its own function, which the optimiser can
/// inline into that structure's loop (as the derive's field visitor was);
/// the code is the same for every structure.
struct KeySeed<T>(PhantomData<fn() -> T>);

impl<'de, T> DeserializeSeed<'de> for KeySeed<T> {
    type Value = Key<'de>;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, T> Visitor<'de> for KeySeed<T> {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(key))
    }

    #[inline]
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(key.to_owned()))
    }

    #[inline]
    fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DateTime;
    use crate::wire::DateTimeFormat;

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: Option<String>,
        count: i32,
        when: Option<DateTime>,
        tags: Vec<String>,
    }

    impl Object for Sample {
        fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
            match key {
                "name" => self.name = optional(map)?,
                "count" => self.count = or_default(map)?,
                "when" => self.when = encoded(DateTimeFormat, map)?,
                "tags" => self.tags = or_default(map)?,
                _ => return Ok(false),
            }
            Ok(true)
        }
    }

    crate::impl_deserialize!(Sample);

    impl Serialize for Sample {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut o = ObjectWriter::new(s, 4)?;
            o.optional("name", &self.name)?;
            o.value("count", &self.count)?;
            o.optional_encoded("when", DateTimeFormat, &self.when)?;
            o.value("tags", &self.tags)?;
            o.end()
        }
    }

    #[test]
    fn the_writer_sends_members_in_order_leaves_unset_ones_out_and_round_trips() {
        let empty = Sample::default();
        assert_eq!(serde_json::to_string(&empty).unwrap(), r#"{"count":0,"tags":[]}"#);
        let full = Sample { name: Some("n".into()), count: 2, when: Some(DateTime::from_secs(1_704_164_645)), tags: vec!["t".into()] };
        let text = serde_json::to_string(&full).unwrap();
        assert_eq!(text, r#"{"name":"n","count":2,"when":"2024-01-02T03:04:05Z","tags":["t"]}"#);
        assert_eq!(serde_json::from_str::<Sample>(&text).unwrap(), full);
    }

    #[test]
    fn members_by_table_unknown_skipped_nulls_defaulted_last_key_wins() {
        let s: Sample = serde_json::from_str(
            r#"{"x":{"deep":[1,2]},"name":"a","count":null,"when":"2024-01-02T03:04:05Z","t\u0061gs":["t"],"name":"b"}"#,
        )
        .unwrap();
        assert_eq!(s.name.as_deref(), Some("b"));
        assert_eq!(s.count, 0);
        assert_eq!(s.when, Some(DateTime::from_secs(1_704_164_645)));
        assert_eq!(s.tags, ["t"]);
        assert_eq!(serde_json::from_str::<Sample>("{}").unwrap(), Sample::default());
        let from_value: Sample = serde_json::from_value(serde_json::json!({"count": 3, "when": null})).unwrap();
        assert_eq!((from_value.count, from_value.when), (3, None));
    }

    #[test]
    fn a_non_object_is_an_error_naming_the_structure_and_a_wrong_member_type_an_error() {
        let e = serde_json::from_str::<Sample>("[1]").unwrap_err().to_string();
        assert!(e.contains("a JSON object (nimbus_core::wire::object::tests::Sample)"), "{e}");
        let e = serde_json::from_str::<Sample>(r#"{"count":"x"}"#).unwrap_err().to_string();
        assert!(e.contains("invalid type"), "{e}");
    }
}
