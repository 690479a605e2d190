//! What every generated per-operation error enum shares: decoding the
//! modeled error a service response carries, its code and message,
//! `Display`, `std::error::Error` and `From<nimbus_core::Error>`.
//!
//! A generated crate declares the enum itself (one documented variant per
//! modeled error, then `Unhandled(nimbus_core::Error)`) and hands its variants to
//! [`operation_error!`](crate::operation_error), which writes the rest.

/// A modeled error structure (`@error` in Smithy): where its message and
/// the metadata of its response are.
pub trait ModeledError {
    /// The message the service sent, if the structure has one.
    fn message(&self) -> Option<&str>;

    /// The request id and HTTP status of the response it was decoded from.
    fn response_meta(&self) -> &crate::ResponseMeta;
}

/// Implements the shared methods and traits of a generated operation error
/// enum: `operation_error! { Enum; Variant("wire code", path::to::reader); ... }`,
/// where `reader(&HttpResponse) -> Result<Structure, Error>` (a function of
/// the generated crate) decodes the variant's structure from the error
/// response.
///
/// The enum must end with `Unhandled(nimbus_core::Error)`; every other variant
/// holds a type implementing [`ModeledError`].
#[macro_export]
macro_rules! operation_error {
    ($name:ident $(;)?) => {
        impl $name {
            /// The operation models no errors: everything is [`Unhandled`](Self::Unhandled).
            pub(crate) fn from_error(error: $crate::codegen::Error) -> Self {
                Self::Unhandled(error)
            }
        }
        $crate::operation_error!(@shared $name {});
    };
    ($name:ident; $($variant:ident($code:literal, $read:path));+ $(;)?) => {
        impl $name {
            /// Decodes the modeled error a service error response carries;
            /// anything else stays [`Unhandled`](Self::Unhandled).
            pub(crate) fn from_error(error: $crate::codegen::Error) -> Self {
                let decoded = match (error.code(), error.response()) {
                    $((Some($code), Some(response)) => $read(response).map(Self::$variant),)+
                    _ => return Self::Unhandled(error),
                };
                decoded.unwrap_or(Self::Unhandled(error))
            }
        }
        $crate::operation_error!(@shared $name { $($variant = $code),+ });
    };
    (@shared $name:ident { $($variant:ident = $code:literal),* }) => {
        impl $name {
            /// The error code (the modeled error's name, or the code the service sent).
            pub fn code(&self) -> Option<&str> {
                match self {
                    $(Self::$variant(_) => Some($code),)*
                    Self::Unhandled(e) => e.code(),
                }
            }

            /// The error message, when there is one.
            pub fn message(&self) -> Option<&str> {
                match self {
                    $(Self::$variant(e) => $crate::codegen::ModeledError::message(e),)*
                    Self::Unhandled(e) => Some(e.message()),
                }
            }

            /// The request id the service assigned to the failed call, when
            /// known (quote it to the service's support).
            pub fn request_id(&self) -> Option<&str> {
                match self {
                    $(Self::$variant(e) => $crate::codegen::ModeledError::response_meta(e).request_id(),)*
                    Self::Unhandled(e) => e.request_id(),
                }
            }

            /// The HTTP status of the error response, when there was one.
            pub fn status(&self) -> Option<u16> {
                match self {
                    $(Self::$variant(e) => $crate::codegen::ModeledError::response_meta(e).status(),)*
                    Self::Unhandled(e) => e.status(),
                }
            }
        }

        /// One line: the code and message of a modeled error, or the
        /// unhandled error's own line (its cause is its `source()`).
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    $(Self::$variant(_) => $crate::protocol::fmt_error(f, $code, self.message()),)*
                    Self::Unhandled(e) => ::std::fmt::Display::fmt(e, f),
                }
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    $(Self::$variant(_) => None,)*
                    // Transparent: `Unhandled` prints its error's line, so
                    // the chain continues with that error's cause.
                    Self::Unhandled(e) => ::std::error::Error::source(e),
                }
            }
        }

        impl ::std::convert::From<$crate::codegen::Error> for $name {
            fn from(error: $crate::codegen::Error) -> Self {
                Self::Unhandled(error)
            }
        }
    };
}
