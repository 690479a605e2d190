//! The awsQuery and ec2Query request shape: `POST /` with a form-encoded
//! body `Action=<Operation>&Version=<api version>&<members>`.
//!
//! Members are written by the generated structures' `Serialize` (the same
//! [`ObjectWriter`](nimbus_core::wire::ObjectWriter) calls as JSON, with the
//! query key names) into [`QuerySerializer`], which flattens them into keys:
//! a structure member is `Prefix.Name`; a list item is `Name.member.N`
//! (awsQuery; a custom item name replaces `member`, a flattened list drops
//! it) or `Name.N` (ec2Query, always); a map entry is
//! `Name.entry.N.key` / `.value` (custom key and value names, flattened
//! without `entry`). Numbering starts at 1. An empty awsQuery list is sent
//! as `Name=`; ec2Query leaves it out. Scalars are text: booleans
//! `true`/`false`, floats with `NaN`/`Infinity`/`-Infinity`, blobs base64,
//! timestamps in the member's format.

use nimbus_core::http::HttpRequest;
use nimbus_core::protocol::rest::push_percent_encoded;
use nimbus_core::wire::{Layout, LayoutSpec};
use serde::ser::{self, Serialize};

pub use crate::text_ser::SerError;
use crate::text_ser::text_scalars;

/// Which query dialect a request is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `aws.protocols#awsQuery`.
    AwsQuery,
    /// `aws.protocols#ec2Query`.
    Ec2Query,
}

/// Builds the request of a query-protocol operation: `Action`, `Version`,
/// then the input's members.
pub fn request<T: Serialize + ?Sized>(
    dialect: Dialect,
    action: &str,
    version: &str,
    input: Option<&T>,
) -> Result<HttpRequest, nimbus_core::Error> {
    let mut pairs = vec![("Action".to_owned(), action.to_owned()), ("Version".to_owned(), version.to_owned())];
    if let Some(input) = input {
        input
            .serialize(QuerySerializer { out: &mut pairs, key: String::new(), dialect, layout: LayoutSpec::default() })
            .map_err(|e| nimbus_core::Error::invalid_request(format!("cannot serialize the request: {e}")))?;
    }
    let mut body = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (key, value) in &pairs {
        push_pair(&mut body, key, value);
    }
    let mut request = HttpRequest::new("POST", "/");
    request.headers.insert("Content-Type", "application/x-www-form-urlencoded");
    request.body = body.into();
    Ok(request)
}

/// Appends `key=value`, both percent-encoded (RFC 3986 unreserved kept).
fn push_pair(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    push_percent_encoded(out, key.as_bytes(), false);
    out.push('=');
    push_percent_encoded(out, value.as_bytes(), false);
}

/// Serializes one value under `key` into the form body.
pub struct QuerySerializer<'a> {
    out: &'a mut Vec<(String, String)>,
    key: String,
    dialect: Dialect,
    layout: LayoutSpec<'static>,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") }
}

impl<'a> QuerySerializer<'a> {
    fn scalar(self, text: &str) -> Result<(), SerError> {
        self.out.push((self.key, text.to_owned()));
        Ok(())
    }

    fn child(&mut self, key: String) -> QuerySerializer<'_> {
        QuerySerializer { out: self.out, key, dialect: self.dialect, layout: LayoutSpec::default() }
    }
}

impl<'a> ser::Serializer for QuerySerializer<'a> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = ListWriter<'a>;
    type SerializeTuple = ser::Impossible<(), SerError>;
    type SerializeTupleStruct = ser::Impossible<(), SerError>;
    type SerializeTupleVariant = ser::Impossible<(), SerError>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = StructWriter<'a>;
    type SerializeStructVariant = ser::Impossible<(), SerError>;

    text_scalars!();

    /// A [`Layout`] name sets how the list or map inside is written.
    fn serialize_newtype_struct<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Result<(), SerError> {
        if let Some(layout) = Layout::parse(name) {
            self.layout = layout;
        }
        value.serialize(self)
    }

    /// A union member: `Key.Member=...`.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        let key = join(&self.key, variant);
        value.serialize(self.child(key))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<ListWriter<'a>, SerError> {
        let layout = self.layout;
        let prefix = match (self.dialect, layout.flattened) {
            (Dialect::Ec2Query, _) | (Dialect::AwsQuery, true) => self.key.clone(),
            (Dialect::AwsQuery, false) => join(&self.key, layout.member.unwrap_or("member")),
        };
        Ok(ListWriter { parent: self, prefix, index: 0, _len: len })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<MapWriter<'a>, SerError> {
        let layout = self.layout;
        let prefix = if layout.flattened { self.key.clone() } else { join(&self.key, "entry") };
        Ok(MapWriter {
            parent: self,
            prefix,
            key_name: layout.key.unwrap_or("key"),
            value_name: layout.value.unwrap_or("value"),
            entries: Vec::new(),
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<StructWriter<'a>, SerError> {
        Ok(StructWriter { parent: self })
    }
}

/// Writes a structure's members under its key.
pub struct StructWriter<'a> {
    parent: QuerySerializer<'a>,
}

impl ser::SerializeStruct for StructWriter<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), SerError> {
        let key = join(&self.parent.key, name);
        value.serialize(self.parent.child(key))
    }

    fn end(self) -> Result<(), SerError> {
        Ok(())
    }
}

/// Writes a list's items, numbered from 1.
pub struct ListWriter<'a> {
    parent: QuerySerializer<'a>,
    prefix: String,
    index: usize,
    _len: Option<usize>,
}

impl ser::SerializeSeq for ListWriter<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.index += 1;
        let key = format!("{}.{}", self.prefix, self.index);
        let layout = self.parent.layout.items();
        value.serialize(QuerySerializer { layout, ..self.parent.child(key) })
    }

    fn end(self) -> Result<(), SerError> {
        if self.index == 0 && self.parent.dialect == Dialect::AwsQuery {
            self.parent.out.push((self.parent.key, String::new()));
        }
        Ok(())
    }
}

/// Writes a map's entries, numbered from 1 in the order of their keys (a
/// `HashMap` has no order of its own; sorted, the body is deterministic).
pub struct MapWriter<'a> {
    parent: QuerySerializer<'a>,
    prefix: String,
    key_name: &'static str,
    value_name: &'static str,
    /// Per entry: the key's text and the value's pairs (keys relative to
    /// the value).
    entries: Vec<(String, Vec<(String, String)>)>,
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        let mut pairs = Vec::with_capacity(1);
        key.serialize(QuerySerializer {
            out: &mut pairs,
            key: String::new(),
            dialect: self.parent.dialect,
            layout: LayoutSpec::default(),
        })?;
        match <[_; 1]>::try_from(pairs) {
            Ok([(_, text)]) => {
                self.entries.push((text, Vec::new()));
                Ok(())
            }
            Err(_) => Err(SerError("a map key must be a string".into())),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let dialect = self.parent.dialect;
        let Some((_, pairs)) = self.entries.last_mut() else { return Err(SerError("a map value without a key".into())) };
        let layout = self.parent.layout.items();
        value.serialize(QuerySerializer { out: pairs, key: String::new(), dialect, layout })
    }

    fn end(mut self) -> Result<(), SerError> {
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (index, (key, pairs)) in self.entries.into_iter().enumerate() {
            let entry = format!("{}.{}", self.prefix, index + 1);
            self.parent.out.push((format!("{entry}.{}", self.key_name), key));
            for (suffix, value) in pairs {
                let name = if suffix.is_empty() {
                    format!("{entry}.{}", self.value_name)
                } else {
                    format!("{entry}.{}.{suffix}", self.value_name)
                };
                self.parent.out.push((name, value));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_core::wire::ObjectWriter;
    use std::collections::BTreeMap;

    struct Input {
        name: Option<String>,
        list: Vec<String>,
        flat: Option<Vec<i32>>,
        nested: Option<Box<Input>>,
        map: Option<BTreeMap<String, String>>,
        ratio: f64,
    }

    impl Serialize for Input {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut w = ObjectWriter::new(s, 6)?;
            w.optional("Name", &self.name)?;
            w.value("List", &self.list)?;
            w.laid_out("Flat", Layout("xml:flat"), self.flat.as_ref())?;
            w.optional("Nested", &self.nested)?;
            w.laid_out("Map", Layout("xml:key=K;value=V"), self.map.as_ref())?;
            w.value("Ratio", &self.ratio)?;
            w.end()
        }
    }

    fn body(dialect: Dialect, input: &Input) -> String {
        let request = request(dialect, "Op", "2020-01-08", Some(input)).unwrap();
        String::from_utf8(request.body.to_vec()).unwrap()
    }

    #[test]
    fn keys_lists_maps_and_escapes() {
        let inner = Input { name: Some("a b&c=é".into()), list: vec![], flat: None, nested: None, map: None, ratio: f64::NAN };
        let outer = Input {
            name: None,
            list: vec!["x".into(), "y".into()],
            flat: Some(vec![1, 2]),
            nested: Some(Box::new(inner)),
            map: Some([("k".to_owned(), "v".to_owned())].into()),
            ratio: 1.5,
        };
        assert_eq!(
            body(Dialect::AwsQuery, &outer),
            "Action=Op&Version=2020-01-08&List.member.1=x&List.member.2=y&Flat.1=1&Flat.2=2&Nested.Name=a%20b%26c%3D%C3%A9\
             &Nested.List=&Nested.Ratio=NaN&Map.entry.1.K=k&Map.entry.1.V=v&Ratio=1.5"
        );
        assert_eq!(
            body(Dialect::Ec2Query, &outer),
            "Action=Op&Version=2020-01-08&List.1=x&List.2=y&Flat.1=1&Flat.2=2&Nested.Name=a%20b%26c%3D%C3%A9\
             &Nested.Ratio=NaN&Map.entry.1.K=k&Map.entry.1.V=v&Ratio=1.5"
        );
        let request = request::<Input>(Dialect::AwsQuery, "Op", "1", None).unwrap();
        assert_eq!(request.headers.get("content-type"), Some("application/x-www-form-urlencoded"));
    }
}
