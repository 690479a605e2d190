//! The [`Blob`] binary payload type.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// Decoder for the standard alphabet that accepts input with or without padding.
const STANDARD_LENIENT: GeneralPurpose =
    GeneralPurpose::new(&alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent));

/// Decoder for the URL-safe alphabet that accepts input with or without padding.
const URL_SAFE_LENIENT: GeneralPurpose =
    GeneralPurpose::new(&alphabet::URL_SAFE, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent));

/// An opaque sequence of bytes (Smithy `blob`, Discovery `format: byte`).
///
/// On the JSON wire a blob is a base64 string. [`Serialize`] writes the
/// standard alphabet with padding; [`Deserialize`] accepts the standard or
/// the URL-safe alphabet, padded or unpadded, and raw bytes from binary
/// formats.
///
/// `Debug` prints only the length (`Blob(3 bytes)`) so that payloads do not
/// flood logs.
#[derive(Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Blob {
    inner: Vec<u8>,
}

impl Blob {
    /// Creates a blob from anything convertible into a byte vector.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self { inner: bytes.into() }
    }

    /// The bytes of the blob.
    pub fn as_bytes(&self) -> &[u8] {
        &self.inner
    }

    /// Consumes the blob, returning its bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.inner
    }

    /// Number of bytes in the blob.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the blob holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Decodes base64 in the standard or URL-safe alphabet, padded or not.
    fn decode_base64(text: &str) -> Result<Self, String> {
        match STANDARD_LENIENT.decode(text) {
            Ok(bytes) => Ok(Self::new(bytes)),
            Err(standard_err) => {
                URL_SAFE_LENIENT.decode(text).map(Self::new).map_err(|_| format!("invalid base64 data for a blob: {standard_err}"))
            }
        }
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.inner.len())
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl From<&[u8]> for Blob {
    fn from(bytes: &[u8]) -> Self {
        Self::new(bytes)
    }
}

impl From<&str> for Blob {
    /// Uses the UTF-8 bytes of the string (no base64 decoding).
    fn from(text: &str) -> Self {
        Self::new(text.as_bytes())
    }
}

impl From<String> for Blob {
    /// Uses the UTF-8 bytes of the string (no base64 decoding).
    fn from(text: String) -> Self {
        Self::new(text.into_bytes())
    }
}

impl From<Blob> for Vec<u8> {
    fn from(blob: Blob) -> Self {
        blob.inner
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        &self.inner
    }
}

impl Serialize for Blob {
    /// Base64 text; raw bytes for a binary format (CBOR).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&STANDARD.encode(&self.inner))
        } else {
            serializer.serialize_bytes(&self.inner)
        }
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(BlobVisitor)
    }
}

struct BlobVisitor;

impl Visitor<'_> for BlobVisitor {
    type Value = Blob;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a base64-encoded string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Blob, E> {
        Blob::decode_base64(v).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Blob, E> {
        Ok(Blob::from(v))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Blob, E> {
        Ok(Blob::new(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_and_conversions() {
        let blob = Blob::new(b"abc".to_vec());
        assert_eq!(blob.as_bytes(), b"abc");
        assert_eq!(blob.len(), 3);
        assert!(!blob.is_empty());
        assert!(Blob::default().is_empty());
        assert_eq!(format!("{blob:?}"), "Blob(3 bytes)");
        assert_eq!(Blob::from("abc"), blob);
        assert_eq!(Blob::from(&b"abc"[..]), blob);
        assert_eq!(Blob::from(vec![b'a', b'b', b'c']), blob);
        assert_eq!(Blob::from(String::from("abc")), blob);
        assert_eq!(blob.as_ref(), b"abc");
        assert_eq!(Vec::from(blob.clone()), b"abc".to_vec());
        assert_eq!(blob.into_inner(), b"abc".to_vec());
        assert!(Blob::from("a") < Blob::from("b"));
    }

    #[test]
    fn serializes_standard_padded() {
        let blob = Blob::new(vec![0xfb, 0xff, 0xfe, 0x01]);
        assert_eq!(serde_json::to_string(&blob).unwrap(), "\"+//+AQ==\"");
        assert_eq!(serde_json::to_string(&Blob::default()).unwrap(), "\"\"");
        assert_eq!(serde_json::to_string(&Blob::from("hello")).unwrap(), "\"aGVsbG8=\"");
    }

    #[test]
    fn deserializes_all_base64_variants() {
        let expected = Blob::new(vec![0xfb, 0xff, 0xfe, 0x01]);
        for json in ["\"+//+AQ==\"", "\"+//+AQ\"", "\"-__-AQ==\"", "\"-__-AQ\""] {
            assert_eq!(serde_json::from_str::<Blob>(json).unwrap(), expected, "{json}");
        }
        assert_eq!(serde_json::from_str::<Blob>("\"\"").unwrap(), Blob::default());
    }

    #[test]
    fn rejects_bad_base64() {
        for json in ["\"not base64!\"", "\"+/-_\"", "\"a\"", "\"aGVsbG8===\""] {
            let err = serde_json::from_str::<Blob>(json).unwrap_err().to_string();
            assert!(err.contains("invalid base64"), "{json}: {err}");
        }
        let err = serde_json::from_str::<Blob>("42").unwrap_err().to_string();
        assert!(err.contains("base64-encoded string"), "{err}");
    }
}
