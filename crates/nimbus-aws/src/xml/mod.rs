//! XML response bodies (awsQuery, ec2Query, restXml): a small element tree
//! read with `quick-xml`, and a serde `Deserializer` over it that the
//! generated structures read themselves from (their `wire::Object` reader
//! sees child elements and attributes as members).
//!
//! Layout rules, as the protocols define them: a structure's members are its
//! child elements (and attributes), named after the member or its
//! `@xmlName`; a list's items are the child elements of the list element
//! (`<member>` or a custom name: any name is accepted); a map's entries are
//! the child elements of the map element, each holding the key and then the
//! value element; flattened lists and maps repeat the member's own element
//! in the structure (the generated reader appends each one with
//! `wire::push_item`). Scalars are the element's text: numbers and booleans
//! trimmed, strings exactly as written (after entity and line-end
//! normalisation). Namespace prefixes are dropped from names.
//!
//! Bounded: the tree of a response whose body is already size-limited, and
//! at most [`MAX_DEPTH`] levels of nesting (deeper is a decode error, not a
//! stack overflow).

use nimbus_core::Error;
use nimbus_core::http::HttpResponse;
use quick_xml::events::Event;
use serde::de::DeserializeOwned;

mod de;
mod ser;

pub use crate::text_ser::SerError;
pub use de::DeError;
pub use ser::to_body;

/// The deepest element nesting a response may have.
pub const MAX_DEPTH: usize = 128;

/// One XML element: local name, attributes, child elements and its text
/// (the concatenation of its text and CDATA content).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The local name (any namespace prefix removed).
    pub name: String,
    /// Attributes as (local name, value); namespace declarations left out.
    pub attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// The text directly inside the element.
    pub text: String,
}

impl Element {
    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child element named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Parses an XML document into its root element.
pub fn parse(body: &[u8]) -> Result<Element, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the body is not UTF-8 (invalid byte at offset {})", e.valid_up_to()))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    // Elements and attributes cost ~100 bytes each in the tree: a body of
    // nothing but `<a/>` may not make it 25 times its size.
    let budget = body.len() / 8 + 64;
    let mut nodes = 0usize;
    let mut count = |added: usize| {
        nodes += added;
        if nodes > budget {
            Err(format!("the XML has more than {budget} elements and attributes for its {} bytes", body.len()))
        } else {
            Ok(())
        }
    };
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| format!("malformed XML at byte {at}: {e}"))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                }
                let element = element_of(&start)?;
                count(1 + element.attributes.len())?;
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = element_of(&start)?;
                count(1 + element.attributes.len())?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else { return Err("XML has an end tag without a start tag".into()) };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            // XML 1.0 line ends (`\r\n` and `\r` are `\n`; U+0085 and U+2028 are kept).
            Event::Text(text) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&text.xml10_content().map_err(|e| format!("malformed XML text: {e}"))?);
                }
            }
            Event::CData(data) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&data.xml10_content().map_err(|e| format!("malformed XML CDATA: {e}"))?);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| format!("bad character reference: {e}"))? {
                    Some(c) => c,
                    None => match &*reference.decode().map_err(|e| format!("malformed XML reference: {e}"))? {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(format!("unknown XML entity `&{other};`")),
                    },
                };
                if let Some(open) = stack.last_mut() {
                    open.text.push(resolved);
                }
            }
            Event::Eof => {
                return Err(if stack.is_empty() { "the body has no XML element".into() } else { "the XML ends inside an element".into() });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

fn local(name: &[u8]) -> Result<String, String> {
    let name = std::str::from_utf8(name).map_err(|_| "an XML name is not UTF-8".to_owned())?;
    Ok(name.rsplit(':').next().unwrap_or(name).to_owned())
}

fn element_of(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let mut element = Element { name: local(start.name().as_ref())?, ..Element::default() };
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("malformed XML attribute: {e}"))?;
        let key = attribute.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            continue;
        }
        let value = attribute.unescape_value().map_err(|e| format!("malformed XML attribute value: {e}"))?;
        element.attributes.push((local(key)?, value.into_owned()));
    }
    Ok(element)
}

/// Decodes a `T` from an XML response body. `wrapped`: the members are in
/// the root's `<OperationResult>` child (awsQuery: the first child whose
/// name ends in `Result`); otherwise in the root element itself (ec2Query,
/// restXml). An empty body, or a missing result element, gives `T`'s
/// default (an operation with no output members).
pub fn decode<T: DeserializeOwned + Default>(response: &HttpResponse, wrapped: bool) -> Result<T, Error> {
    let Some(root) = document(response)? else { return Ok(T::default()) };
    let element = if wrapped {
        match root.children.iter().find(|c| c.name.ends_with("Result")) {
            Some(element) => element,
            None => return Ok(T::default()),
        }
    } else {
        &root
    };
    typed(element, response)
}

/// Decodes a `T` whose member `member` is the body's root element (S3's
/// `GetBucketLocation` answers `<LocationConstraint>..</LocationConstraint>`);
/// an empty body gives `T`'s default.
pub fn decode_unwrapped<T: DeserializeOwned + Default>(response: &HttpResponse, member: &str) -> Result<T, Error> {
    let Some(root) = document(response)? else { return Ok(T::default()) };
    typed(&Element { children: vec![Element { name: member.to_owned(), ..root }], ..Element::default() }, response)
}

/// The root element of a success response's body (`None` when it is
/// empty); a document that is an error response is the service error it
/// names (a 200 that says it failed: S3's CompleteMultipartUpload, CopyObject).
fn document(response: &HttpResponse) -> Result<Option<Element>, Error> {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let root = parse(&response.body).map_err(|e| Error::decode(format!("the response body is not valid XML: {e}"), Some(response)))?;
    if is_error_document(&root) {
        return Err(error_from_response(response.clone()));
    }
    Ok(Some(root))
}

/// Deserializes a `T` from `element` of `response`.
fn typed<T: DeserializeOwned>(element: &Element, response: &HttpResponse) -> Result<T, Error> {
    from_element(element).map_err(|e| nimbus_core::protocol::json::not_a_valid(std::any::type_name::<T>(), &e, Some(response)))
}

/// Deserializes a `T` from one element.
pub fn from_element<T: DeserializeOwned>(element: &Element) -> Result<T, DeError> {
    T::deserialize(de::ElementDeserializer(element))
}

/// The element of an XML error response that holds the code, the message
/// and the error structure's members: `<ErrorResponse><Error>` (awsQuery,
/// restXml), `<Response><Errors><Error>` (ec2Query), or a root `<Error>`
/// (restXml with `noErrorWrapping`, S3).
pub fn error_element(root: &Element) -> Option<&Element> {
    if root.name == "Error" {
        return Some(root);
    }
    root.child("Error").or_else(|| root.child("Errors").and_then(|errors| errors.child("Error")))
}

/// Whether a document is an error response rather than an output: an
/// `<ErrorResponse>`, a `<Response>` with `<Errors>`, or an `<Error>` with a
/// `<Code>`.
fn is_error_document(root: &Element) -> bool {
    match root.name.as_str() {
        "ErrorResponse" => root.child("Error").is_some(),
        "Response" => root.child("Errors").is_some(),
        "Error" => root.child("Code").is_some(),
        _ => false,
    }
}

/// Decodes a modeled error structure from an XML error response.
pub fn decode_error<T: DeserializeOwned + Default>(response: &HttpResponse) -> Result<T, Error> {
    let root = parse(&response.body).map_err(|e| Error::decode(format!("the error body is not valid XML: {e}"), Some(response)))?;
    match error_element(&root) {
        Some(element) => from_element(element).map_err(|e| Error::decode(format!("the error body is not valid: {e}"), Some(response))),
        None => Ok(T::default()),
    }
}

/// Turns a non-2xx XML response into a service [`Error`]: the code and
/// message of the error element and the request id (`RequestId`,
/// `RequestID`, or a header). Never fails: a body that is not XML yields an
/// error with a code derived from the status and a snippet of the body.
pub fn error_from_response(response: HttpResponse) -> Error {
    let root = parse(&response.body).ok();
    let error = root.as_ref().and_then(error_element);
    let text = |element: Option<&Element>, names: &[&str]| -> Option<String> {
        let element = element?;
        names.iter().find_map(|n| element.child_text(n)).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
    };
    let code = text(error, &["Code"]).map(|c| crate::protocol::sanitize_error_code(&c).to_owned());
    let message = text(error, &["Message", "message"]);
    let request_id = text(root.as_ref(), &["RequestId", "RequestID"])
        .or_else(|| text(error, &["RequestId"]))
        .or_else(|| crate::protocol::request_id(&response))
        .or_else(|| response.headers.get("x-amz-id-2").map(str::to_owned));
    let message = message.unwrap_or_else(|| nimbus_core::protocol::describe_body(&response));
    let code = code.unwrap_or_else(|| format!("Http{}", response.status));
    Error::service(code, message, request_id, response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::MapAccess;
    use std::collections::HashMap;

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: Option<String>,
        count: i32,
        flag: Option<bool>,
        items: Option<Vec<String>>,
        flat: Option<Vec<i64>>,
        map: Option<HashMap<String, String>>,
        flat_map: Option<HashMap<String, i32>>,
        id: Option<String>,
        nested: Option<Box<Sample>>,
    }

    impl nimbus_core::wire::Object for Sample {
        fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, m: &mut A) -> Result<bool, A::Error> {
            use nimbus_core::wire;
            match key {
                "Name" => self.name = wire::optional(m)?,
                "Count" => self.count = wire::or_default(m)?,
                "Flag" => self.flag = wire::optional(m)?,
                "Items" => self.items = wire::optional(m)?,
                "Flat" => wire::push_item(&mut self.flat, m)?,
                "Map" => self.map = wire::optional(m)?,
                "FlatMap" => wire::push_item(&mut self.flat_map, m)?,
                "id" => self.id = wire::optional(m)?,
                "Nested" => self.nested = wire::optional(m)?,
                _ => return Ok(false),
            }
            Ok(true)
        }
    }

    nimbus_core::impl_deserialize!(Sample);

    #[test]
    fn members_lists_maps_attributes_and_entities() {
        let body = br#"<?xml version="1.0"?>
            <OpResponse xmlns="https://example.com/"><OpResult id="a&amp;b">
              <Name>x &lt;&#x41;&gt; <![CDATA[<raw>]]></Name>
              <Count> 7 </Count><Flag>true</Flag>
              <Items><member>a</member><member></member></Items>
              <Flat>1</Flat><Unknown><Deep>1</Deep></Unknown><Flat>2</Flat>
              <Map><entry><key>k</key><value>v</value></entry><entry><K>k2</K><V>v2</V></entry></Map>
              <FlatMap><key>a</key><value>1</value></FlatMap><FlatMap><key>b</key><value>2</value></FlatMap>
              <Nested><Count>1</Count></Nested>
            </OpResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></OpResponse>"#;
        let response = HttpResponse::new(200, Default::default(), body.to_vec());
        let s: Sample = decode(&response, true).unwrap();
        assert_eq!(s.name.as_deref(), Some("x <A> <raw>"));
        assert_eq!((s.count, s.flag), (7, Some(true)));
        assert_eq!(s.items, Some(vec!["a".to_owned(), String::new()]));
        assert_eq!(s.flat, Some(vec![1, 2]));
        assert_eq!(s.map.unwrap()["k2"], "v2");
        assert_eq!(s.flat_map.unwrap()["b"], 2);
        assert_eq!(s.id.as_deref(), Some("a&b"));
        assert_eq!(s.nested.unwrap().count, 1);
        let empty: Sample = decode(&HttpResponse::new(200, Default::default(), b"<OpResponse/>".to_vec()), true).unwrap();
        assert_eq!(empty, Sample::default());
    }

    #[test]
    fn an_unwrapped_body_is_its_one_member() {
        let body =
            br#"<?xml version="1.0"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">us-west-2</LocationConstraint>"#;
        let response = HttpResponse::new(200, Default::default(), body.to_vec());
        let s: Sample = decode_unwrapped(&response, "Name").unwrap();
        assert_eq!(s.name.as_deref(), Some("us-west-2"));
        let empty: Sample = decode_unwrapped(&HttpResponse::new(200, Default::default(), Vec::new()), "Name").unwrap();
        assert_eq!(empty, Sample::default());
    }

    #[test]
    fn bad_bodies_are_decode_errors_not_panics() {
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        for body in ["<a><b></a>", "<a>", "not xml", "<a>&bogus;</a>", deep.as_str(), "<a><Count>x</Count></a>"] {
            let response = HttpResponse::new(200, Default::default(), body.as_bytes().to_vec());
            let e = decode::<Sample>(&response, false).unwrap_err();
            assert_eq!(e.kind(), nimbus_core::ErrorKind::Decode, "{body}: {e}");
        }
    }

    #[test]
    fn a_success_status_with_an_error_document_is_an_error() {
        for (body, wrapped) in [
            ("<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>", false),
            ("<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>", true),
        ] {
            let response = HttpResponse::new(200, Default::default(), body.as_bytes().to_vec());
            let e = decode::<Sample>(&response, wrapped).unwrap_err();
            assert_eq!(e.kind(), nimbus_core::ErrorKind::Service, "{body}");
            assert!(matches!(e.code(), Some("InternalError" | "Throttling")), "{e}");
        }
        let fine = HttpResponse::new(200, Default::default(), b"<Error><Name>a</Name></Error>".to_vec());
        assert_eq!(decode::<Sample>(&fine, false).unwrap().name.as_deref(), Some("a"), "an output named Error without a Code");
    }

    #[test]
    fn line_ends_are_xml_1_0_and_text_is_bounded() {
        let response = HttpResponse::new(200, Default::default(), "<a><Name>x\r\ny\u{2028}z</Name></a>".as_bytes().to_vec());
        assert_eq!(decode::<Sample>(&response, false).unwrap().name.as_deref(), Some("x\ny\u{2028}z"));
        let flood = format!("<a>{}</a>", "<b/>".repeat(10_000));
        let e = decode::<Sample>(&HttpResponse::new(200, Default::default(), flood.into_bytes()), false).unwrap_err();
        assert!(e.message().contains("elements and attributes"), "{e}");
    }

    #[test]
    fn error_responses_of_each_protocol() {
        let query = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidGreeting</Code><Message>Hi</Message></Error><RequestId>foo-id</RequestId></ErrorResponse>";
        let ec2 = "<Response><Errors><Error><Code>InvalidGreeting</Code><Message>Hi</Message></Error></Errors><RequestID>foo-id</RequestID></Response>";
        let unwrapped = "<Error><Code>InvalidGreeting</Code><Message>Hi</Message><RequestId>foo-id</RequestId></Error>";
        for body in [query, ec2, unwrapped] {
            let e = error_from_response(HttpResponse::new(400, Default::default(), body.as_bytes().to_vec()));
            assert_eq!(
                (e.code(), e.message(), e.request_id(), e.status()),
                (Some("InvalidGreeting"), "Hi", Some("foo-id"), Some(400)),
                "{body}"
            );
        }
        let e = error_from_response(HttpResponse::new(503, Default::default(), b"<html>busy".to_vec()));
        assert_eq!(e.code(), Some("Http503"));
    }
}
