//! The error type every codec of this crate's optional protocols reports
//! (query and XML, CBOR): a message saying what does not fit.

use std::fmt;

use serde::{de, ser};

/// A value a body cannot carry, or a body that does not hold the value
/// asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub(crate) String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

impl ser::Error for CodecError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CodecError(msg.to_string())
    }
}

impl de::Error for CodecError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CodecError(msg.to_string())
    }
}
