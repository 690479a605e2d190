//! OAuth 2.0 access tokens: the provider interface and a fixed token;
//! Application Default Credentials are in [`crate::adc`].

use nimbus_core::Error;
use nimbus_core::http::BoxFuture;
use std::fmt;

/// Supplies OAuth 2.0 access tokens (sent as `Authorization: Bearer`).
pub trait ProvideToken: Send + Sync + fmt::Debug + 'static {
    /// A currently valid access token.
    fn token(&self) -> BoxFuture<'_, Result<String, Error>>;
}

/// A fixed access token (for tests, or tokens managed elsewhere). `Debug`
/// does not show it.
#[derive(Clone)]
pub struct StaticToken(String);

impl StaticToken {
    /// Wraps `token`.
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(token.into())
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(** redacted **)")
    }
}

impl ProvideToken for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<String, Error>> {
        let t = self.0.clone();
        Box::pin(async move { Ok(t) })
    }
}
