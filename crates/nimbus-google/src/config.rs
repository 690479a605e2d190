//! The configuration of Google clients: the shared [`Settings`] plus what
//! only Google has (token provider, endpoint, quota project, universe
//! domain, emulator host).

use crate::auth::ProvideToken;
use nimbus_core::http::redact_url;
use nimbus_core::{Error, Settings};
use std::fmt;
use std::sync::Arc;

/// The configuration of a Google client.
///
/// ```
/// let config = nimbus_google::Config::new()
///     .token_provider(nimbus_google::StaticToken::new("ya29.token"))
///     .quota_project("billing-project");
/// assert_eq!(config.get_quota_project(), Some("billing-project"));
/// ```
///
/// Every call has timeouts and size limits by default (connect 3.1 s, 60 s
/// without a byte from the server, a minimum speed for buffered bodies,
/// 64 MiB per buffered body); a whole call or attempt has no time limit
/// unless one is set. Retries follow AIP-194: only `UNAVAILABLE` and
/// connection failures, only for calls safe to repeat.
#[derive(Clone, Default)]
pub struct Config {
    settings: Settings,
    endpoint_url: Option<String>,
    token: Option<Arc<dyn ProvideToken>>,
    no_credentials: bool,
    quota_project: Option<String>,
    universe_domain: Option<String>,
    emulator_host: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("settings", &self.settings)
            .field("endpoint_url", &self.endpoint_url.as_deref().map(redact_url))
            .field("token", &self.token)
            .field("no_credentials", &self.no_credentials)
            .field("quota_project", &self.quota_project)
            .field("universe_domain", &self.universe_domain)
            .field("emulator_host", &self.emulator_host)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults: the service's standard endpoint, Application Default
    /// Credentials (feature `google-adc`), the reqwest transport, the default
    /// timeouts and limits.
    pub fn new() -> Self {
        Self::default()
    }

    nimbus_core::settings_builders!(settings);

    /// Sends every request to this endpoint (scheme, host, optional port and
    /// base path) instead of the service's standard one.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Authenticates requests with tokens from `provider`
    /// (`Authorization: Bearer`) instead of Application Default Credentials.
    pub fn token_provider(mut self, provider: impl ProvideToken) -> Self {
        self.token = Some(Arc::new(provider));
        self.no_credentials = false;
        self
    }

    /// Sends requests without a token (tests, local servers).
    pub fn no_credentials(mut self) -> Self {
        self.no_credentials = true;
        self.token = None;
        self
    }

    /// Bills quota and usage to this project (`x-goog-user-project`)
    /// instead of the credentials' own project.
    pub fn quota_project(mut self, project: impl Into<String>) -> Self {
        self.quota_project = Some(project.into());
        self
    }

    /// The universe the service runs in (default `googleapis.com`): the
    /// standard endpoint `https://spanner.googleapis.com/` becomes
    /// `https://spanner.<domain>/`.
    pub fn universe_domain(mut self, domain: impl Into<String>) -> Self {
        self.universe_domain = Some(domain.into());
        self
    }

    /// Sends requests to a local emulator whose REST endpoint is `host:port`
    /// (for Spanner the gateway's HTTP port, not the gRPC one the
    /// `SPANNER_EMULATOR_HOST` variable names), over plain HTTP and without a
    /// token, whatever the service's emulator variable says (an endpoint URL
    /// still wins).
    pub fn emulator_host(mut self, host: impl Into<String>) -> Self {
        self.emulator_host = Some(host.into());
        self
    }

    /// The configuration of a client answered by a generated `testing::Mock`
    /// from its rules: nothing is sent, so no token is looked for.
    #[cfg(feature = "test-util")]
    #[doc(hidden)]
    pub fn test_double(mocks: Arc<nimbus_core::mock::Mocks>) -> Self {
        let mut config = Config::new().no_credentials();
        config.settings = config.settings.mocks(mocks);
        config
    }

    /// Configuration from the environment, as Google's client libraries read
    /// it: the quota project from `GOOGLE_CLOUD_QUOTA_PROJECT`, the universe
    /// domain from `GOOGLE_CLOUD_UNIVERSE_DOMAIN`; an emulator from the
    /// service's own variable (`SPANNER_EMULATOR_HOST`) when the client is
    /// built. Tokens come from Application Default Credentials at the first
    /// call.
    pub fn from_env() -> Result<Self, Error> {
        Ok(Self::from_env_with(|name| std::env::var(name).ok()))
    }

    /// [`from_env`](Self::from_env) reading variables through `env`.
    pub fn from_env_with(env: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        let mut config = Config::new();
        config.quota_project = set("GOOGLE_CLOUD_QUOTA_PROJECT");
        config.universe_domain = set("GOOGLE_CLOUD_UNIVERSE_DOMAIN");
        config
    }

    /// The configured endpoint override.
    pub fn get_endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }

    /// The configured quota project.
    pub fn get_quota_project(&self) -> Option<&str> {
        self.quota_project.as_deref()
    }

    /// The configured universe domain.
    pub fn get_universe_domain(&self) -> Option<&str> {
        self.universe_domain.as_deref()
    }

    pub(crate) fn get_emulator_host(&self) -> Option<&str> {
        self.emulator_host.as_deref()
    }

    pub(crate) fn get_token(&self) -> Option<&Arc<dyn ProvideToken>> {
        self.token.as_ref()
    }

    pub(crate) fn get_no_credentials(&self) -> bool {
        self.no_credentials
    }
}
