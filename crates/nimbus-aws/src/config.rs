//! The configuration of AWS clients: the shared [`Settings`] plus what only
//! AWS has (region, credentials, FIPS and dual-stack endpoints, an endpoint
//! URL, idempotency tokens, request compression).

use crate::credentials::ProvideCredentials;
use nimbus_core::http::{EndpointParam, redact_url};
use nimbus_core::{Error, Settings};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// An AWS region, e.g. `eu-west-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(Cow<'static, str>);

impl Region {
    /// The region named `name`.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Region(name.into())
    }

    /// The region's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&'static str> for Region {
    fn from(name: &'static str) -> Self {
        Region(Cow::Borrowed(name))
    }
}

impl From<String> for Region {
    fn from(name: String) -> Self {
        Region(Cow::Owned(name))
    }
}

/// Generates idempotency tokens.
pub type TokenGenerator = Arc<dyn Fn() -> String + Send + Sync>;

/// The configuration of an AWS client.
///
/// ```
/// use std::time::Duration;
/// let config = nimbus_aws::Config::new()
///     .region("eu-west-1")
///     .endpoint_url("http://127.0.0.1:5000")
///     .attempt_timeout(Duration::from_secs(10));
/// assert_eq!(config.get_region(), Some("eu-west-1"));
/// ```
///
/// Every call has timeouts and size limits by default (connect 3.1 s, 60 s
/// without a byte from the server, a minimum speed for buffered bodies,
/// 64 MiB per buffered body); a whole call or attempt has no time limit
/// unless one is set. Retries follow the AWS SDKs' standard mode.
#[derive(Clone, Default)]
pub struct Config {
    settings: Settings,
    endpoint_url: Option<String>,
    region: Option<Region>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    no_credentials: bool,
    use_fips: bool,
    use_dual_stack: bool,
    token_generator: Option<TokenGenerator>,
    disable_request_compression: bool,
    min_compression_size: Option<usize>,
    endpoint_params: Vec<(String, EndpointParam)>,
    app_id: Option<String>,
    /// The cached default chain, shared by every client of this
    /// configuration (and its clones).
    default_credentials: Arc<std::sync::OnceLock<Arc<dyn ProvideCredentials>>>,
    /// The STS / SSO calls of the default chain's role, web identity and
    /// SSO sources.
    credential_calls: Option<Arc<dyn crate::credentials::CredentialCalls>>,
    /// AWS's adaptive retry mode: standard retries plus a client-side rate
    /// limiter that slows down after throttling.
    adaptive_retries: bool,
    /// Endpoints configured outside the code ([`from_env`](Self::from_env)):
    /// the endpoint URL for a service, by its `sdkId`.
    configured_endpoints: Option<Arc<ConfiguredEndpoints>>,
}

/// Finds the endpoint URL configured for a service by its `sdkId`.
type ConfiguredEndpoints = dyn Fn(&str) -> Option<String> + Send + Sync;

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("settings", &self.settings)
            .field("endpoint_url", &self.endpoint_url.as_deref().map(redact_url))
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("no_credentials", &self.no_credentials)
            .field("use_fips", &self.use_fips)
            .field("use_dual_stack", &self.use_dual_stack)
            .field("endpoint_params", &self.endpoint_params)
            .field("credential_calls", &self.credential_calls)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults: no region, the service's standard endpoint, credentials
    /// from the default chain, the reqwest transport, the default timeouts
    /// and limits.
    pub fn new() -> Self {
        Self::default()
    }

    nimbus_core::settings_builders!(settings);

    /// AWS's adaptive retry mode (`AWS_RETRY_MODE=adaptive`): the standard
    /// mode's retries, and once the service throttles, a client-side rate
    /// limiter (a token bucket whose rate follows CUBIC) that makes each
    /// attempt of the client wait for a token. Off by default.
    pub fn adaptive_retries(mut self, on: bool) -> Self {
        self.adaptive_retries = on;
        self
    }

    /// Whether the adaptive retry mode is on.
    pub fn get_adaptive_retries(&self) -> bool {
        self.adaptive_retries
    }

    /// Lets the default credentials chain assume roles, use web identity
    /// and SSO through `calls` (STS, SSO and SSO OIDC). The generated
    /// service crates set it with their `aws-credentials` feature (on by
    /// default); a value already set is kept.
    pub fn credential_calls(mut self, calls: Arc<dyn crate::credentials::CredentialCalls>) -> Self {
        if self.credential_calls.is_none() {
            self.credential_calls = Some(calls);
        }
        self
    }

    /// Sends every request to this endpoint (scheme, host, optional port and
    /// base path) instead of the service's standard one.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// The region, e.g. `us-east-1`.
    pub fn region(mut self, region: impl Into<Region>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Signs with these credentials (a [`Credentials`](crate::Credentials)
    /// value or any provider) instead of the default chain (environment,
    /// then shared files).
    pub fn credentials(mut self, provider: impl ProvideCredentials) -> Self {
        self.credentials = Some(Arc::new(crate::credentials::CredentialsCache::new(Arc::new(provider))));
        self.no_credentials = false;
        self
    }

    /// Sends requests unsigned (local emulators, tests).
    pub fn no_credentials(mut self) -> Self {
        self.no_credentials = true;
        self.credentials = None;
        self
    }

    /// Uses FIPS endpoints (endpoint rules parameter `UseFIPS`).
    pub fn use_fips(mut self, on: bool) -> Self {
        self.use_fips = on;
        self
    }

    /// Uses dual-stack endpoints (endpoint rules parameter `UseDualStack`).
    pub fn use_dual_stack(mut self, on: bool) -> Self {
        self.use_dual_stack = on;
        self
    }

    /// Sets a parameter of the service's endpoint rules that a client
    /// configures (a Smithy client context parameter, such as S3's
    /// `ForcePathStyle` or `Accelerate`); rules that do not declare it
    /// ignore it.
    pub fn endpoint_param(mut self, name: impl Into<String>, value: EndpointParam) -> Self {
        let name = name.into();
        self.endpoint_params.retain(|(n, _)| *n != name);
        self.endpoint_params.push((name, value));
        self
    }

    /// Names the application in every request's `User-Agent` (`app/<id>`;
    /// `AWS_SDK_UA_APP_ID` in [`from_env`](Self::from_env)), as the AWS SDKs do.
    pub fn app_id(mut self, id: impl Into<String>) -> Self {
        self.app_id = Some(id.into());
        self
    }

    /// The application id for the `User-Agent`, if one is set.
    pub fn get_app_id(&self) -> Option<&str> {
        self.app_id.as_deref()
    }

    /// S3: addresses buckets in the path (`https://s3.<region>.amazonaws.com/<bucket>/<key>`)
    /// instead of the host (endpoint rules parameter `ForcePathStyle`).
    pub fn force_path_style(self, on: bool) -> Self {
        self.endpoint_param("ForcePathStyle", EndpointParam::Bool(on))
    }

    /// S3: uses Transfer Acceleration endpoints (endpoint rules parameter
    /// `Accelerate`).
    pub fn use_accelerate(self, on: bool) -> Self {
        self.endpoint_param("Accelerate", EndpointParam::Bool(on))
    }

    /// The endpoint rules parameters set with [`endpoint_param`](Self::endpoint_param).
    pub fn get_endpoint_params(&self) -> &[(String, EndpointParam)] {
        &self.endpoint_params
    }

    /// Replaces the UUIDv4 generator of idempotency tokens (for tests).
    pub fn idempotency_token_generator(mut self, generator: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.token_generator = Some(Arc::new(generator));
        self
    }

    /// Turns off request compression (`@requestCompression` operations).
    pub fn disable_request_compression(mut self, disable: bool) -> Self {
        self.disable_request_compression = disable;
        self
    }

    /// Bodies at least this large are compressed where the operation
    /// supports it (default 10 240 bytes, as in the AWS SDKs).
    pub fn request_min_compression_size_bytes(mut self, size: usize) -> Self {
        self.min_compression_size = Some(size);
        self
    }

    /// The configuration of a client answered by a generated `testing::Mock`
    /// from its rules: nothing is sent, so no credentials are looked for
    /// and any region will do.
    #[cfg(feature = "test-util")]
    #[doc(hidden)]
    pub fn test_double(mocks: Arc<nimbus_core::mock::Mocks>) -> Self {
        let mut config = Config::new().region("us-east-1").no_credentials();
        config.settings = config.settings.mocks(mocks);
        config
    }

    /// Configuration from the environment, as the AWS SDKs do it: region
    /// from `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile; credentials
    /// from the default chain (resolved at the first call); the endpoint of
    /// each service from `AWS_ENDPOINT_URL_<SERVICE>` (its `sdkId` in upper
    /// snake case), `AWS_ENDPOINT_URL`, the profile's `services` section or
    /// its `endpoint_url`, in that order, unless
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls`
    /// is true; the application id from `AWS_SDK_UA_APP_ID` /
    /// `sdk_ua_app_id`; FIPS and dual-stack endpoints from
    /// `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint` and
    /// `AWS_USE_DUALSTACK_ENDPOINT` / `use_dualstack_endpoint`; retries from
    /// `AWS_MAX_ATTEMPTS` / `max_attempts` and `AWS_RETRY_MODE` /
    /// `retry_mode` (see [`from_env_with`](Self::from_env_with)). A variable
    /// wins over the profile (`AWS_PROFILE`, or `default`). The error names
    /// what was tried or what is wrong, with the file and line of a bad
    /// profile value.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_with(crate::credentials::process_env)
    }

    /// [`from_env`](Self::from_env) reading variables through `env` (for
    /// tests). Also: `AWS_MAX_ATTEMPTS` (attempts per call, the first
    /// included) and `AWS_RETRY_MODE` (`standard`; `legacy` is read as
    /// `standard`; `adaptive` turns on [`adaptive_retries`](Self::adaptive_retries)).
    pub fn from_env_with(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Result<Self, Error> {
        let files = Self::profile_files(&env)?;
        let region = crate::credentials::region_in(&env, &files)?;
        Self::from_env_in(env, &files, region)
    }

    /// The shared config and credentials files `env` selects, read once.
    fn profile_files(env: &crate::credentials::profile::Env) -> Result<crate::credentials::profile::ProfileFiles, Error> {
        use crate::credentials::profile::ProfileFiles;
        let (config_path, credentials_path) = ProfileFiles::paths(env);
        ProfileFiles::load_blocking(config_path, credentials_path)
    }

    /// [`from_env`](Self::from_env), and when neither the environment nor
    /// the profile names a region, the region of the EC2 instance this runs
    /// on (instance metadata), as the SDKs look last; the error then names
    /// every place tried.
    pub async fn load() -> Result<Self, Error> {
        Self::load_with(crate::credentials::process_env).await
    }

    /// [`load`](Self::load) reading variables through `env` (for tests).
    pub async fn load_with(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Result<Self, Error> {
        let files = Self::profile_files(&env)?;
        let region = match crate::credentials::region_in(&env, &files) {
            Ok(region) => region,
            Err(not_found) => crate::credentials::region_from_instance(&env, &files)
                .await
                .map_err(|e| Error::config(format!("{}; and the instance metadata: {}", not_found.message(), e.message())))?,
        };
        Self::from_env_in(env, &files, region)
    }

    /// The configuration from `env` (and the profile it selects) in `region`.
    fn from_env_in(
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        files: &crate::credentials::profile::ProfileFiles,
        region: String,
    ) -> Result<Self, Error> {
        use crate::credentials::profile::{ConfiguredEndpoints, selected_profile};
        let mut config = Config::new().region(region);
        let (profile_name, _) = selected_profile(&env);
        let profile = files.profile(&profile_name).cloned().unwrap_or_default();
        // A setting from its variable, else from the profile (`what` names both in errors).
        let setting = |var: &str, key: &str| match env(var) {
            Some(value) => Some((value, var.to_owned())),
            None => profile.get(key).map(|p| (p.value.clone(), format!("`{key}` ({})", p.at))),
        };
        let flag = |var: &str, key: &str| -> Result<Option<bool>, Error> {
            match setting(var, key) {
                None => Ok(None),
                Some((value, what)) => match value.trim().to_ascii_lowercase().as_str() {
                    "true" => Ok(Some(true)),
                    "false" => Ok(Some(false)),
                    _ => Err(Error::config(format!("{what} must be `true` or `false`, not `{value}`"))),
                },
            }
        };
        if let Some((app, _)) = setting("AWS_SDK_UA_APP_ID", "sdk_ua_app_id") {
            config = config.app_id(app);
        }
        if let Some(on) = flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")? {
            config = config.use_fips(on);
        }
        if let Some(on) = flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")? {
            config = config.use_dual_stack(on);
        }
        if let Some((attempts, what)) = setting("AWS_MAX_ATTEMPTS", "max_attempts") {
            let max_attempts = attempts
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Error::config(format!("{what} must be a whole number of at least 1, not `{attempts}`")))?;
            config = config.retry(nimbus_core::RetryConfig { max_attempts, ..Default::default() });
        }
        match setting("AWS_RETRY_MODE", "retry_mode") {
            None => {}
            Some((mode, what)) => match mode.trim() {
                "standard" | "legacy" => {}
                "adaptive" => config = config.adaptive_retries(true),
                other => return Err(Error::config(format!("{what} must be `standard`, `legacy` or `adaptive`, not `{other}`"))),
            },
        }
        if flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "ignore_configured_endpoint_urls")? != Some(true) {
            let endpoints = ConfiguredEndpoints::of(files, Some(&profile));
            config.configured_endpoints = Some(Arc::new(move |sdk_id: &str| endpoints.for_service(&env, sdk_id)));
        }
        Ok(config)
    }

    /// The endpoint URL for the service `sdk_id`: the one set in code, else
    /// the one configured in the environment or the profile (see
    /// [`from_env`](Self::from_env)).
    pub fn endpoint_url_for(&self, sdk_id: &str) -> Option<String> {
        self.endpoint_url.clone().or_else(|| self.configured_endpoints.as_ref().and_then(|resolve| resolve(sdk_id)))
    }

    /// Whether request compression is on, and from which body size.
    pub fn request_compression(&self) -> Option<usize> {
        (!self.disable_request_compression).then_some(self.min_compression_size.unwrap_or(10_240))
    }

    /// The configured region.
    pub fn get_region(&self) -> Option<&str> {
        self.region.as_ref().map(Region::as_str)
    }

    /// The configured endpoint override.
    pub fn get_endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }

    /// Whether FIPS endpoints are asked for.
    pub fn get_use_fips(&self) -> bool {
        self.use_fips
    }

    /// Whether dual-stack endpoints are asked for.
    pub fn get_use_dual_stack(&self) -> bool {
        self.use_dual_stack
    }

    /// The credentials provider calls are signed with: the configured one,
    /// the default chain, or none with [`no_credentials`](Self::no_credentials).
    pub(crate) fn credentials_provider(&self) -> Option<Arc<dyn ProvideCredentials>> {
        if self.no_credentials {
            return None;
        }
        let default_chain = || -> Arc<dyn ProvideCredentials> {
            let mut chain = crate::credentials::DefaultCredentialsChain::default().region(self.get_region().map(str::to_owned));
            if let Some(calls) = &self.credential_calls {
                chain = chain.calls(calls.clone());
            }
            let chain: Arc<dyn ProvideCredentials> = Arc::new(chain);
            Arc::new(crate::credentials::CredentialsCache::new(chain))
        };
        Some(self.credentials.clone().unwrap_or_else(|| self.default_credentials.get_or_init(default_chain).clone()))
    }

    /// A fresh idempotency token.
    pub(crate) fn idempotency_token(&self) -> String {
        match &self.token_generator {
            Some(generate) => generate(),
            None => uuid::Uuid::new_v4().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn environment_variables_set_region_endpoint_app_and_retries() {
        let config = Config::from_env_with(env_of(&[
            ("AWS_REGION", "eu-north-1"),
            ("AWS_ENDPOINT_URL", "http://localhost:4566"),
            ("AWS_SDK_UA_APP_ID", "billing"),
            ("AWS_MAX_ATTEMPTS", "5"),
            ("AWS_RETRY_MODE", "standard"),
        ]))
        .expect("config");
        assert_eq!(config.get_region(), Some("eu-north-1"));
        assert_eq!(config.endpoint_url_for("Athena").as_deref(), Some("http://localhost:4566"));
        assert_eq!(config.get_app_id(), Some("billing"));
        assert_eq!(config.get_retry().max_attempts, 5);
        let adaptive = Config::from_env_with(env_of(&[("AWS_REGION", "x"), ("AWS_RETRY_MODE", "adaptive")])).expect("adaptive");
        assert_eq!((adaptive.get_retry().max_attempts, adaptive.get_adaptive_retries()), (3, true));
    }

    /// A scratch config file and the variables that select it.
    fn with_config_file(tag: &str, text: &str, vars: &[(&str, &str)]) -> (std::path::PathBuf, Result<Config, Error>) {
        let dir = std::env::temp_dir().join(format!("nimbus-config-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), text).unwrap();
        let mut all: Vec<(String, String)> = vec![
            ("AWS_CONFIG_FILE".into(), dir.join("config").display().to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), dir.join("none").display().to_string()),
        ];
        all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let config = Config::from_env_with(move |name| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
        std::fs::remove_dir_all(&dir).ok();
        (dir, config)
    }

    #[test]
    fn service_endpoints_from_variables_then_the_profile() {
        let text = "[default]\nregion = eu-west-1\nendpoint_url = http://profile:1\nservices = local\nmax_attempts = 7\nuse_fips_endpoint = true\nsdk_ua_app_id = from-profile\n\
                    [services local]\nathena =\n  endpoint_url = http://athena-from-services:2\nworkspaces_web =\n  endpoint_url = http://wsw:3\n";
        let (_, config) = with_config_file("endpoints", text, &[]);
        let config = config.unwrap();
        assert_eq!(config.endpoint_url_for("Athena").as_deref(), Some("http://athena-from-services:2"));
        assert_eq!(config.endpoint_url_for("WorkSpaces Web").as_deref(), Some("http://wsw:3"));
        assert_eq!(config.endpoint_url_for("S3").as_deref(), Some("http://profile:1"));
        assert_eq!((config.get_region(), config.get_retry().max_attempts, config.get_use_fips()), (Some("eu-west-1"), 7, true));
        assert_eq!(config.get_app_id(), Some("from-profile"));
        let (_, config) = with_config_file(
            "endpoints-env",
            text,
            &[("AWS_ENDPOINT_URL_WORKSPACES_WEB", "http://env-wsw:4"), ("AWS_ENDPOINT_URL", "http://env:5"), ("AWS_MAX_ATTEMPTS", "2")],
        );
        let config = config.unwrap();
        assert_eq!(config.endpoint_url_for("WorkSpaces Web").as_deref(), Some("http://env-wsw:4"));
        assert_eq!(config.endpoint_url_for("Athena").as_deref(), Some("http://env:5"), "the global variable beats the file");
        assert_eq!(config.get_retry().max_attempts, 2, "a variable beats the profile");
        assert_eq!(config.clone().endpoint_url("http://code:6").endpoint_url_for("Athena").as_deref(), Some("http://code:6"));
        let (_, config) =
            with_config_file("ignored", text, &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"), ("AWS_ENDPOINT_URL", "http://env:5")]);
        assert_eq!(config.unwrap().endpoint_url_for("Athena"), None);
    }

    #[tokio::test]
    async fn the_region_comes_from_the_instance_last() {
        let server = crate::credentials::test_server::CredentialsServer::start().await;
        let url = server.url();
        let env = move |name: &str| match name {
            "AWS_EC2_METADATA_SERVICE_ENDPOINT" => Some(url.clone()),
            "AWS_CONFIG_FILE" | "AWS_SHARED_CREDENTIALS_FILE" => Some("/nonexistent".to_owned()),
            _ => None,
        };
        assert!(Config::from_env_with(env.clone()).is_err(), "without the instance, no region");
        let config = Config::load_with(env.clone()).await.expect("the instance's region");
        assert_eq!(config.get_region(), Some("ap-northeast-2"));
        let with_region = move |name: &str| if name == "AWS_REGION" { Some("us-west-2".to_owned()) } else { env(name) };
        assert_eq!(Config::load_with(with_region).await.unwrap().get_region(), Some("us-west-2"));
        assert_eq!(server.requests().len(), 2, "the instance is asked only when nothing else names a region");
    }

    #[test]
    fn bad_profile_values_name_their_line() {
        let (dir, config) = with_config_file("bad", "[default]\nregion = x\nuse_dualstack_endpoint = yes\n", &[]);
        let e = config.unwrap_err();
        assert!(e.message().contains(&format!("{}:3", dir.join("config").display())) && e.message().contains("`yes`"), "{e}");
    }

    #[test]
    fn bad_values_are_config_errors_naming_the_variable() {
        for (vars, variable) in [
            (&[("AWS_REGION", "x"), ("AWS_MAX_ATTEMPTS", "0")][..], "AWS_MAX_ATTEMPTS"),
            (&[("AWS_REGION", "x"), ("AWS_MAX_ATTEMPTS", "three")][..], "AWS_MAX_ATTEMPTS"),
            (&[("AWS_REGION", "x"), ("AWS_RETRY_MODE", "eager")][..], "AWS_RETRY_MODE"),
        ] {
            let vars: &'static [(&'static str, &'static str)] = Box::leak(vars.to_vec().into_boxed_slice());
            let e = Config::from_env_with(env_of(vars)).unwrap_err();
            assert_eq!(e.kind(), nimbus_core::ErrorKind::Config);
            assert!(e.message().contains(variable), "{e}");
        }
    }
}
