//! What every generated per-operation error enum shares: decoding the
//! modeled error a service response carries, its code and message,
//! `Display`, `std::error::Error` and `From<nimbus_core::Error>`.
//!
//! A generated crate declares the enum itself (one documented variant per
//! modeled error, then `Unhandled(nimbus_core::Error)`), implements
//! [`OperationError`] (its per-variant decisions, as plain `match` arms) and
//! invokes [`operation_error!`](crate::operation_error), which writes the rest.

/// A modeled error structure (`@error` in Smithy): where its message and
/// the metadata of its response are.
pub trait ModeledError {
    /// The message the service sent, if the structure has one.
    fn message(&self) -> Option<&str>;

    /// The request id and HTTP status of the response it was decoded from.
    fn response_meta(&self) -> &crate::ResponseMeta;

    /// Decodes the structure from the error response that carried it.
    fn read(response: &nimbus_core::http::HttpResponse) -> Result<Self, nimbus_core::Error>
    where
        Self: Sized;
}

/// One arm of [`OperationError::decode_modeled`]: the modeled error `T`
/// decoded from `response` and wrapped in the operation's `variant`.
pub fn decode_as<T: ModeledError, E>(response: &nimbus_core::http::HttpResponse, variant: fn(T) -> E) -> Decoded<E> {
    Some(T::read(response).map(variant))
}

/// What a generated operation error enum says about itself: which modeled
/// error a value holds, and how a failed call becomes one. Generated code
/// implements it with one `match` arm per modeled error;
/// [`operation_error!`](crate::operation_error) writes everything else.
pub trait OperationError: Sized {
    /// The modeled error this value holds, with its wire code, or the
    /// unhandled error.
    fn modeled(&self) -> Result<(&'static str, &dyn ModeledError), &nimbus_core::Error>;

    /// The modeled error that the error code `code` names, decoded from
    /// `response`; `None` for a code the operation does not model (the
    /// default: an operation without modeled errors). The runtime's
    /// `from_error` makes anything else `Unhandled`.
    fn decode_modeled(code: &str, response: &nimbus_core::http::HttpResponse) -> Decoded<Self> {
        let _ = (code, response);
        None
    }
}

/// What [`OperationError::decode_modeled`] gives: `None` for a code the
/// operation does not model, else the decoded error (or why it did not decode).
pub type Decoded<T> = Option<Result<T, nimbus_core::Error>>;

/// Implements the shared methods and traits of a generated operation error
/// enum (`operation_error!(Enum)`) from its [`OperationError`]
/// implementation: `code`, `message`, `request_id`, `status`, `Display`,
/// `std::error::Error` (transparent for `Unhandled`), `From<Error>`, and the
/// crate-internal `from_error` the generated operations call.
///
/// The enum must have an `Unhandled(nimbus_core::Error)` variant.
#[macro_export]
macro_rules! operation_error {
    ($name:ident) => {
        impl $name {
            pub(crate) fn from_error(error: $crate::codegen::Error) -> Self {
                let decoded = match (error.code(), error.response()) {
                    (Some(code), Some(response)) => <Self as $crate::codegen::OperationError>::decode_modeled(code, response),
                    _ => None,
                };
                match decoded {
                    Some(Ok(modeled)) => modeled,
                    // A modeled error whose body does not decode stays the call's error.
                    _ => Self::Unhandled(error),
                }
            }

            /// The error code: the modeled error's, or the one the service sent.
            pub fn code(&self) -> Option<&str> {
                match $crate::codegen::OperationError::modeled(self) {
                    Ok((code, _)) => Some(code),
                    Err(e) => e.code(),
                }
            }

            /// The message the service sent (or the failure's description).
            pub fn message(&self) -> Option<&str> {
                match $crate::codegen::OperationError::modeled(self) {
                    Ok((_, modeled)) => modeled.message(),
                    Err(e) => Some(e.message()),
                }
            }

            /// The request id of the failed call's response, when there was one.
            pub fn request_id(&self) -> Option<&str> {
                match $crate::codegen::OperationError::modeled(self) {
                    Ok((_, modeled)) => modeled.response_meta().request_id(),
                    Err(e) => e.request_id(),
                }
            }

            /// The HTTP status of the failed call's response, when there was one.
            pub fn status(&self) -> Option<u16> {
                match $crate::codegen::OperationError::modeled(self) {
                    Ok((_, modeled)) => modeled.response_meta().status(),
                    Err(e) => e.status(),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match $crate::codegen::OperationError::modeled(self) {
                    Ok((code, _)) => $crate::protocol::fmt_error(f, code, self.message()),
                    Err(e) => ::std::fmt::Display::fmt(e, f),
                }
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match $crate::codegen::OperationError::modeled(self) {
                    Ok(_) => None,
                    // Transparent: `Unhandled` prints its error's line, so
                    // the chain continues with that error's cause.
                    Err(e) => ::std::error::Error::source(e),
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
