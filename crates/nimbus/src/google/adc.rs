//! Application Default Credentials (feature `google-adc`), through the
//! well-kept `gcp_auth` crate: a service account key named by
//! `GOOGLE_APPLICATION_CREDENTIALS`, then gcloud's user credentials, then the
//! metadata server, then `gcloud auth print-access-token`. Tokens are cached
//! and refreshed before they expire by `gcp_auth`; they are never logged.

use super::ProvideToken;
use crate::error::{Error, ErrorKind};
use crate::http::BoxFuture;
use std::fmt;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The scope Google Cloud APIs accept for everything.
pub const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Tokens from Application Default Credentials (found on first use).
pub struct ApplicationDefaultCredentials {
    scopes: Vec<String>,
    source: Source,
    provider: OnceCell<Arc<dyn gcp_auth::TokenProvider>>,
}

enum Source {
    Default,
    ServiceAccountFile(std::path::PathBuf),
}

impl fmt::Debug for ApplicationDefaultCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationDefaultCredentials").field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

impl ApplicationDefaultCredentials {
    /// ADC with the `cloud-platform` scope.
    pub fn new() -> Self {
        Self::with_scopes([CLOUD_PLATFORM])
    }

    /// ADC with these OAuth scopes.
    pub fn with_scopes<S: Into<String>>(scopes: impl IntoIterator<Item = S>) -> Self {
        ApplicationDefaultCredentials { scopes: scopes.into_iter().map(Into::into).collect(), source: Source::Default, provider: OnceCell::new() }
    }

    /// A service account key file (JSON) instead of the ADC search.
    pub fn from_service_account_file(path: impl Into<std::path::PathBuf>, scopes: &[&str]) -> Self {
        ApplicationDefaultCredentials {
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            source: Source::ServiceAccountFile(path.into()),
            provider: OnceCell::new(),
        }
    }

    async fn provider(&self) -> Result<&Arc<dyn gcp_auth::TokenProvider>, Error> {
        self.provider
            .get_or_try_init(|| async {
                let provider: Arc<dyn gcp_auth::TokenProvider> = match &self.source {
                    Source::Default => gcp_auth::provider().await.map_err(|e| credentials_error("no Application Default Credentials", e))?,
                    Source::ServiceAccountFile(path) => Arc::new(
                        gcp_auth::CustomServiceAccount::from_file(path)
                            .map_err(|e| credentials_error(&format!("cannot use the service account key {}", path.display()), e))?,
                    ),
                };
                Ok(provider)
            })
            .await
    }
}

impl Default for ApplicationDefaultCredentials {
    fn default() -> Self {
        Self::new()
    }
}

fn credentials_error(what: &str, e: gcp_auth::Error) -> Error {
    Error::new(ErrorKind::Credentials, format!("{what}: {e}"))
}

impl ProvideToken for ApplicationDefaultCredentials {
    fn token(&self) -> BoxFuture<'_, Result<String, Error>> {
        Box::pin(async move {
            let provider = self.provider().await?;
            let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
            let token = provider.token(&scopes).await.map_err(|e| credentials_error("cannot obtain an access token", e))?;
            Ok(token.as_str().to_owned())
        })
    }
}
