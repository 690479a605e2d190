//! The serde `Serializer` that writes restXml request bodies.
//!
//! A structure (written with `serialize_struct` by the generated
//! `ObjectWriter` calls) is an element whose members are child elements, or
//! attributes when their [`Layout`] says `attr`; a list is an element
//! holding one `<member>` element per item (a custom item name, or, when
//! flattened, one element per item named after the member); a map is an
//! element holding `<entry><key/><value/></entry>` elements (custom names;
//! flattened: one member element per entry), entries in the order of their
//! keys; a union is an element holding its one member's element. A
//! [`Layout`] also declares namespaces (`xmlns` or `xmlns:prefix`) on the
//! member's element and on list items and map keys and values. Scalars are
//! text, escaped: booleans `true`/`false`, floats with `NaN`/`Infinity`,
//! blobs base64, timestamps in the member's format.

use nimbus_core::wire::{Layout, LayoutSpec};
use serde::ser::{self, Serialize};

use crate::text_ser::{SerError, text_scalars};

/// Serializes `value` as an XML document whose root element is `root`,
/// declaring `namespace` (URI, optional prefix) on it.
pub fn to_body<T: Serialize + ?Sized>(
    root: &str,
    namespace: Option<(&'static str, Option<&'static str>)>,
    value: &T,
) -> Result<bytes::Bytes, nimbus_core::Error> {
    let mut out = String::with_capacity(128);
    let layout = LayoutSpec { namespace: namespace.map(|n| n.0), namespace_prefix: namespace.and_then(|n| n.1), ..LayoutSpec::default() };
    value
        .serialize(XmlSerializer { out: &mut out, attributes: None, name: root, layout })
        .map_err(|e| nimbus_core::Error::invalid_request(format!("cannot serialize the request body: {e}")))?;
    Ok(out.into())
}

fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\n' if attribute => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

/// `<name` with its namespace declaration (the tag is left open).
fn open_tag(out: &mut String, name: &str, namespace: Option<&str>, prefix: Option<&str>) {
    out.push('<');
    out.push_str(name);
    if let Some(uri) = namespace {
        match prefix {
            Some(prefix) => {
                out.push_str(" xmlns:");
                out.push_str(prefix);
            }
            None => out.push_str(" xmlns"),
        }
        out.push_str("=\"");
        escape_into(out, uri, true);
        out.push('"');
    }
}

fn close_tag(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Serializes one value as the element `name` into `out` (or, for an
/// attribute, into the parent's `attributes`).
struct XmlSerializer<'a> {
    out: &'a mut String,
    attributes: Option<&'a mut String>,
    name: &'a str,
    layout: LayoutSpec<'static>,
}

impl XmlSerializer<'_> {
    fn scalar(self, text: &str) -> Result<(), SerError> {
        if self.layout.attribute {
            let Some(attributes) = self.attributes else { return Err(SerError(format!("`{}` cannot be an attribute here", self.name))) };
            attributes.push(' ');
            attributes.push_str(self.name);
            attributes.push_str("=\"");
            escape_into(attributes, text, true);
            attributes.push('"');
            return Ok(());
        }
        open_tag(self.out, self.name, self.layout.namespace, self.layout.namespace_prefix);
        self.out.push('>');
        escape_into(self.out, text, false);
        close_tag(self.out, self.name);
        Ok(())
    }
}

impl<'a> ser::Serializer for XmlSerializer<'a> {
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

    /// A [`Layout`] name sets how the value inside is written.
    fn serialize_newtype_struct<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Result<(), SerError> {
        if let Some(layout) = Layout::parse(name) {
            self.layout = layout;
        }
        value.serialize(self)
    }

    /// A union: its element holding the member's element.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        open_tag(self.out, self.name, self.layout.namespace, self.layout.namespace_prefix);
        self.out.push('>');
        value.serialize(XmlSerializer { out: self.out, attributes: None, name: variant, layout: LayoutSpec::default() })?;
        close_tag(self.out, self.name);
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<ListWriter<'a>, SerError> {
        let layout = self.layout;
        if !layout.flattened {
            open_tag(self.out, self.name, layout.namespace, layout.namespace_prefix);
            self.out.push('>');
        }
        Ok(ListWriter { parent: self })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<MapWriter<'a>, SerError> {
        Ok(MapWriter { parent: self, entries: Vec::new() })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<StructWriter<'a>, SerError> {
        Ok(StructWriter { parent: self, attributes: String::new(), children: String::new() })
    }
}

/// Writes a structure: its attributes and child elements are collected,
/// then written inside its element.
struct StructWriter<'a> {
    parent: XmlSerializer<'a>,
    attributes: String,
    children: String,
}

impl ser::SerializeStruct for StructWriter<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), SerError> {
        value.serialize(XmlSerializer {
            out: &mut self.children,
            attributes: Some(&mut self.attributes),
            name,
            layout: LayoutSpec::default(),
        })
    }

    fn end(self) -> Result<(), SerError> {
        let p = self.parent;
        open_tag(p.out, p.name, p.layout.namespace, p.layout.namespace_prefix);
        p.out.push_str(&self.attributes);
        p.out.push('>');
        p.out.push_str(&self.children);
        close_tag(p.out, p.name);
        Ok(())
    }
}

/// Writes a list's items.
struct ListWriter<'a> {
    parent: XmlSerializer<'a>,
}

impl ser::SerializeSeq for ListWriter<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let layout = self.parent.layout;
        let (name, namespace, prefix) = if layout.flattened {
            (self.parent.name, layout.namespace, layout.namespace_prefix)
        } else {
            (layout.member.unwrap_or("member"), layout.member_namespace, None)
        };
        let item_layout = LayoutSpec { namespace, namespace_prefix: prefix, ..layout.items() };
        value.serialize(XmlSerializer { out: self.parent.out, attributes: None, name, layout: item_layout })
    }

    fn end(self) -> Result<(), SerError> {
        if !self.parent.layout.flattened {
            close_tag(self.parent.out, self.parent.name);
        }
        Ok(())
    }
}

/// Writes a map's entries in the order of their keys (a `HashMap` has no
/// order of its own; sorted, the body is deterministic).
struct MapWriter<'a> {
    parent: XmlSerializer<'a>,
    /// Per entry: the key's text and the value's element.
    entries: Vec<(String, String)>,
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = SerError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        let text = match serde_json::to_value(key) {
            Ok(serde_json::Value::String(text)) => text,
            _ => return Err(SerError("a map key must be a string".into())),
        };
        self.entries.push((text, String::new()));
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let layout = self.parent.layout;
        let Some((_, out)) = self.entries.last_mut() else { return Err(SerError("a map value without a key".into())) };
        let value_layout = LayoutSpec { namespace: layout.value_namespace, ..layout.items() };
        value.serialize(XmlSerializer { out, attributes: None, name: layout.value.unwrap_or("value"), layout: value_layout })
    }

    fn end(mut self) -> Result<(), SerError> {
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        let p = self.parent;
        let layout = p.layout;
        let key_name = layout.key.unwrap_or("key");
        if !layout.flattened {
            open_tag(p.out, p.name, layout.namespace, layout.namespace_prefix);
            p.out.push('>');
        }
        for (key, value) in &self.entries {
            if layout.flattened {
                open_tag(p.out, p.name, layout.namespace, layout.namespace_prefix);
                p.out.push('>');
            } else {
                p.out.push_str("<entry>");
            }
            open_tag(p.out, key_name, layout.key_namespace, None);
            p.out.push('>');
            escape_into(p.out, key, false);
            close_tag(p.out, key_name);
            p.out.push_str(value);
            close_tag(p.out, if layout.flattened { p.name } else { "entry" });
        }
        if !layout.flattened {
            close_tag(p.out, p.name);
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
        id: Option<String>,
        name: String,
        list: Option<Vec<String>>,
        flat: Option<Vec<i32>>,
        map: Option<BTreeMap<String, bool>>,
        nested: Option<Box<Input>>,
    }

    impl Serialize for Input {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut w = ObjectWriter::new(s, 6)?;
            w.value("name", &self.name)?;
            w.laid_out("id", Layout("xml:attr"), self.id.as_ref())?;
            w.laid_out("list", Layout("xml:member=item;member_ns=urn:i"), self.list.as_ref())?;
            w.laid_out("flat", Layout("xml:flat"), self.flat.as_ref())?;
            w.laid_out("map", Layout("xml:key=K;value=V;ns=urn:m;nsprefix=m"), self.map.as_ref())?;
            w.optional("nested", &self.nested)?;
            w.end()
        }
    }

    #[test]
    fn elements_attributes_lists_maps_namespaces_and_escapes() {
        let inner = Input { id: None, name: "a<b>&\"c\"".into(), list: Some(vec![]), flat: None, map: None, nested: None };
        let outer = Input {
            id: Some("x\"y".into()),
            name: "n".into(),
            list: Some(vec!["p".into(), "q".into()]),
            flat: Some(vec![1, 2]),
            map: Some([("b".to_owned(), true), ("a".to_owned(), false)].into()),
            nested: Some(Box::new(inner)),
        };
        let body = to_body("Root", Some(("https://example.com/", None)), &outer).unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            "<Root xmlns=\"https://example.com/\" id=\"x&quot;y\"><name>n</name>\
             <list><item xmlns=\"urn:i\">p</item><item xmlns=\"urn:i\">q</item></list><flat>1</flat><flat>2</flat>\
             <map xmlns:m=\"urn:m\"><entry><K>a</K><V>false</V></entry><entry><K>b</K><V>true</V></entry></map>\
             <nested><name>a&lt;b&gt;&amp;\"c\"</name><list></list></nested></Root>"
        );
        let back = super::super::parse(&body).unwrap();
        assert_eq!(back.child("nested").and_then(|n| n.child_text("name")), Some("a<b>&\"c\""));
    }
}
