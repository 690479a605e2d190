//! Where AWS credentials and the region come from, the way the AWS SDKs
//! and Tools Reference Guide describes it.
//!
//! The default chain ([`DefaultCredentialsChain`]) tries, in order:
//!
//! 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!    `AWS_SESSION_TOKEN`;
//! 2. the shared config and credentials files ([`profile`](self) rules) for
//!    `AWS_PROFILE` (or `default`): static keys, `credential_process`, SSO
//!    ([`sso`](self)), or a role assumed through STS from another profile
//!    or a `credential_source` (chains followed, cycles refused; see
//!    [`roles`]);
//! 3. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN`
//!    (EKS IRSA), the token read again at every refresh;
//! 4. container credentials (ECS, EKS Pod Identity);
//! 5. EC2 instance metadata (IMDSv2).
//!
//! A source that is not configured passes to the next; a source that is
//! configured but fails stops the chain with its error (a broken profile
//! is not papered over by the instance's role). When nothing is found, the
//! error names every source tried and why it did not apply. STS and SSO are
//! called through [`CredentialCalls`], which the generated service crates
//! install (their default `aws-credentials` feature).
//!
//! Every provider sits behind the configuration's [`CredentialsCache`]:
//! fetched once, refreshed ahead of expiry. Files are read and processes run
//! on the blocking pool, never on the async runtime's threads. Secrets are
//! never logged; [`Credentials`] redacts them in `Debug`.

mod container;
mod imds;
mod process;
pub(crate) mod profile;
pub mod roles;
mod sso;
#[cfg(any(test, feature = "test-util"))]
#[doc(hidden)]
pub mod test_server;
#[cfg(test)]
pub(crate) mod tests_support;

pub use crate::sigv4::Credentials;
use nimbus_core::http::{BoxFuture, HttpRequest, Transport};
use nimbus_core::{Error, ErrorKind};
use profile::{Env, ProfileFiles, Section};
pub use roles::CredentialCalls;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

/// Supplies credentials for signing (called once per attempt, through the
/// configuration's [`CredentialsCache`]).
pub trait ProvideCredentials: Send + Sync + fmt::Debug + 'static {
    /// The credentials to sign with, or an error saying what was tried.
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>>;
}

impl ProvideCredentials for Credentials {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        let c = self.clone();
        Box::pin(async move { Ok(c) })
    }
}

/// How long before their expiry cached credentials are refreshed.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// Caches what a provider returns, for every client made from one
/// configuration: credentials are fetched once and again only when they
/// come within [`REFRESH_BEFORE_EXPIRY`] of their expiry (credentials
/// without an expiry never are). One refresh runs at a time: callers that
/// arrive during it wait for its result instead of fetching again. When a
/// refresh fails while the cached credentials are still valid, those are
/// used (the next call tries again).
#[derive(Debug)]
pub struct CredentialsCache {
    inner: Arc<dyn ProvideCredentials>,
    cached: RwLock<Option<Credentials>>,
    refreshing: futures_util::lock::Mutex<()>,
    /// Counts successful refreshes: a caller that waited for one takes its
    /// result (while valid) instead of refreshing again.
    refreshes: std::sync::atomic::AtomicU64,
}

impl CredentialsCache {
    /// A cache in front of `inner`.
    pub fn new(inner: Arc<dyn ProvideCredentials>) -> Self {
        CredentialsCache {
            inner,
            cached: RwLock::new(None),
            refreshing: futures_util::lock::Mutex::new(()),
            refreshes: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The cached credentials if they are not due for a refresh at `now`.
    fn fresh(&self, now: SystemTime) -> Option<Credentials> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        cached.as_ref().filter(|c| c.expiry().is_none_or(|at| at > now + REFRESH_BEFORE_EXPIRY)).cloned()
    }

    /// The cached credentials if they have not expired at all.
    fn valid(&self) -> Option<Credentials> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        cached.as_ref().filter(|c| c.expiry().is_none_or(|at| at > SystemTime::now())).cloned()
    }

    async fn provide_cached(&self) -> Result<Credentials, Error> {
        use std::sync::atomic::Ordering;
        let seen = self.refreshes.load(Ordering::Acquire);
        if let Some(credentials) = self.fresh(SystemTime::now()) {
            return Ok(credentials);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        // A refresh finished while this call waited: its result serves.
        if self.refreshes.load(Ordering::Acquire) != seen {
            if let Some(credentials) = self.valid() {
                return Ok(credentials);
            }
        }
        match self.inner.provide().await {
            Ok(credentials) => {
                *self.cached.write().unwrap_or_else(|e| e.into_inner()) = Some(credentials.clone());
                self.refreshes.fetch_add(1, Ordering::Release);
                Ok(credentials)
            }
            Err(e) => self.valid().ok_or(e),
        }
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.provide_cached())
    }
}

/// A variable of the process environment (empty counts as unset).
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The default chain (see the [module](self) docs for its order).
pub struct DefaultCredentialsChain {
    env: Box<Env>,
    /// The HTTP client of the container and instance metadata sources,
    /// made at their first use.
    transport: OnceLock<Result<Arc<dyn Transport>, String>>,
    /// The STS / SSO calls of the role, web identity and SSO sources.
    calls: Option<Arc<dyn CredentialCalls>>,
    /// The region STS is called in when neither the environment nor the
    /// profile names one (the client configuration's).
    region: Option<String>,
}

impl fmt::Debug for DefaultCredentialsChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultCredentialsChain").field("calls", &self.calls).field("region", &self.region).finish_non_exhaustive()
    }
}

impl Default for DefaultCredentialsChain {
    fn default() -> Self {
        Self::with_env(process_env)
    }
}

/// What one source of the chain found.
enum Found {
    Credentials(Credentials),
    /// Not configured here: why, for the final error.
    Nothing(String),
}

impl DefaultCredentialsChain {
    /// A chain reading variables through `env` instead of the process
    /// environment (for tests).
    pub fn with_env(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        DefaultCredentialsChain { env: Box::new(env), transport: OnceLock::new(), calls: None, region: None }
    }

    /// Makes the STS / SSO calls of the role, web identity and SSO sources
    /// through `calls` (without them, those sources are an error saying so).
    pub fn calls(mut self, calls: Arc<dyn CredentialCalls>) -> Self {
        self.calls = Some(calls);
        self
    }

    /// Sends the container and instance metadata requests through
    /// `transport` (default: a reqwest transport with a one-second connect
    /// timeout).
    pub fn transport(self, transport: Arc<dyn Transport>) -> Self {
        let _ = self.transport.set(Ok(transport));
        self
    }

    /// The region to call STS in when neither the environment nor the
    /// profile names one.
    pub fn region(mut self, region: Option<String>) -> Self {
        self.region = region;
        self
    }

    /// Resolves credentials now, trying each source in order.
    pub async fn resolve(&self) -> Result<Credentials, Error> {
        let env = self.env.as_ref();
        let mut tried = Vec::new();
        match from_environment(env) {
            Found::Credentials(c) => return Ok(c),
            Found::Nothing(why) => tried.push(why),
        }
        let files = ProfileFiles::load(env).await?;
        let (profile_name, explicit) = profile::selected_profile(env);
        match (files.profile(&profile_name), explicit) {
            (None, true) => {
                return Err(Error::config(format!("profile `{profile_name}` (AWS_PROFILE selects it) is not in {}", files.describe())));
            }
            (None, false) => tried.push(format!("profile `{profile_name}` is not in {}", files.describe())),
            (Some(_), _) => match roles::plan(&files, &profile_name)? {
                Some(plan) => return self.run(plan, &files, &profile_name).await,
                None => tried.push(format!("profile `{profile_name}` has no credentials")),
            },
        }
        match roles::web_identity_from_env(env)? {
            Some((role, file)) => {
                let plan = roles::Plan { base: roles::Base::WebIdentity(role, file), roles: Vec::new() };
                return self.run(plan, &files, &profile_name).await;
            }
            None => tried.push("web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set".into()),
        }
        match container::ContainerEndpoint::from_env(env)? {
            Some(endpoint) => return endpoint.credentials(self.http()?.as_ref()).await,
            None => tried.push("container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI are not set".into()),
        }
        match imds::InstanceMetadata::from_env(env, files.profile(&profile_name))? {
            Some(imds) => match imds.credentials(self.http()?.as_ref()).await {
                Ok(c) => return Ok(c),
                Err(e) => tried.push(e.message().to_owned()),
            },
            None => tried.push("instance metadata: AWS_EC2_METADATA_DISABLED is true".into()),
        }
        Err(Error::new(ErrorKind::Credentials, format!("no AWS credentials found; tried {}", tried.join("; "))))
    }

    /// Carries out a plan: its base credentials, then each role in turn,
    /// the innermost first.
    async fn run(&self, plan: roles::Plan, files: &ProfileFiles, profile_name: &str) -> Result<Credentials, Error> {
        use roles::Base;
        let env = self.env.as_ref();
        let sts = call_target(env, files, profile_name, "STS", &self.sts_region(files, profile_name));
        let mut credentials = match plan.base {
            Base::Static(c) => c,
            Base::Process(command, at) => process::run(command, at).await?,
            Base::Environment => match from_environment(env) {
                Found::Credentials(c) => c,
                Found::Nothing(why) => return Err(Error::new(ErrorKind::Credentials, format!("credential_source = Environment: {why}"))),
            },
            Base::InstanceMetadata => {
                let imds = imds::InstanceMetadata::from_env(env, files.profile(profile_name))?;
                let imds =
                    imds.ok_or_else(|| Error::config("credential_source = Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true"))?;
                imds.credentials(self.http()?.as_ref()).await?
            }
            Base::Container => {
                let endpoint = container::ContainerEndpoint::from_env(env)?.ok_or_else(|| {
                    Error::config("credential_source = EcsContainer, but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI are not set")
                })?;
                endpoint.credentials(self.http()?.as_ref()).await?
            }
            Base::WebIdentity(role, file) => {
                let token = read_token_file(&file, "the web identity token").await?;
                self.calls_for("web identity")?.assume_role_with_web_identity(&sts, &role, token).await?
            }
            Base::Sso(profile) => {
                sso::SsoProfile::read(files, &profile)?.credentials(self.calls_for("SSO")?, env, files, profile_name).await?
            }
        };
        for role in plan.roles.iter().rev() {
            credentials = self.calls_for("assuming a role")?.assume_role(&sts, credentials, role).await?;
        }
        Ok(credentials)
    }

    fn calls_for(&self, what: &str) -> Result<&dyn CredentialCalls, Error> {
        self.calls.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::Credentials,
                format!(
                    "{what} needs STS / SSO calls, which this build does not have: enable the `aws-credentials` feature of the service crate (on by default)"
                ),
            )
        })
    }

    /// The region STS is called in: the environment's, the profile's, the
    /// client's, else `us-east-1`.
    fn sts_region(&self, files: &ProfileFiles, profile_name: &str) -> String {
        let env = self.env.as_ref();
        env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| files.profile(profile_name)?.get("region").map(|p| p.value.clone()).filter(|r| !r.is_empty()))
            .or_else(|| self.region.clone())
            .unwrap_or_else(|| "us-east-1".to_owned())
    }

    fn http(&self) -> Result<&Arc<dyn Transport>, Error> {
        let made = self.transport.get_or_init(|| {
            let transport = nimbus_core::http::ReqwestTransport::new(Some(Duration::from_secs(1))).map_err(|e| e.to_string())?;
            Ok(Arc::new(transport) as Arc<dyn Transport>)
        });
        made.as_ref().map_err(|e| Error::new(ErrorKind::Credentials, e.clone()))
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.resolve())
    }
}

/// Where a credentials call to the service `sdk_id` (`STS`, `SSO`,
/// `SSO OIDC`) in `region` goes: its endpoint configured as for any client
/// (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's
/// `services` section or `endpoint_url`), unless configured endpoints are
/// ignored (`AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` /
/// `ignore_configured_endpoint_urls`).
pub(crate) fn call_target(env: &Env, files: &ProfileFiles, profile: &str, sdk_id: &str, region: &str) -> roles::CallTarget {
    let profile = files.profile(profile);
    let ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| profile?.get("ignore_configured_endpoint_urls").map(|p| p.value.clone()))
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let endpoint_url = (!ignore).then(|| profile::ConfiguredEndpoints::of(files, profile).for_service(env, sdk_id)).flatten();
    roles::CallTarget { region: region.to_owned(), endpoint_url }
}

/// The environment's keys.
fn from_environment(env: &Env) -> Found {
    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Found::Credentials(Credentials::new(id, secret, env("AWS_SESSION_TOKEN"))),
        (Some(_), None) => Found::Nothing("environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".into()),
        _ => Found::Nothing("environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set".into()),
    }
}

/// `aws_access_key_id` and `aws_secret_access_key` (and the session token)
/// of a profile; one key without the other is an error naming it.
fn static_keys(profile: &Section, name: &str) -> Result<Option<Found>, Error> {
    let value = |k: &str| profile.get(k).map(|p| p.value.clone()).filter(|v| !v.is_empty());
    match (profile.get("aws_access_key_id"), value("aws_secret_access_key")) {
        (None, _) => Ok(None),
        (Some(id), Some(secret)) => Ok(Some(Found::Credentials(Credentials::new(id.value.clone(), secret, value("aws_session_token"))))),
        (Some(id), None) => Err(Error::new(
            ErrorKind::Credentials,
            format!("profile `{name}` ({}) has `aws_access_key_id` but no `aws_secret_access_key`", id.at),
        )),
    }
}

/// Runs blocking file or process work on the blocking pool (never on the
/// async runtime's threads); the task failing reads as an I/O error.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> std::io::Result<T> + Send + 'static) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
}

/// Reads a token file, trimmed (at every fetch: the platforms rotate
/// them); `what` names the token in errors. An empty file is an error.
pub(crate) async fn read_token_file(path: &std::path::Path, what: &str) -> Result<String, Error> {
    let shown = path.display().to_string();
    let owned = path.to_owned();
    let text = blocking(move || std::fs::read_to_string(owned))
        .await
        .map_err(|e| Error::new(ErrorKind::Credentials, format!("cannot read {what} {shown}: {e}")))?;
    match text.trim() {
        "" => Err(Error::new(ErrorKind::Credentials, format!("{what} {shown} is empty"))),
        token => Ok(token.to_owned()),
    }
}

/// Credentials from a JSON answer (`AccessKeyId`, `SecretAccessKey`, the
/// session token under `token_key`, an optional RFC 3339 `Expiration`);
/// `source` names where it came from in errors, which never quote a secret.
pub(crate) fn credentials_from_json(json: &serde_json::Value, token_key: &str, source: &str) -> Result<Credentials, Error> {
    let fail = |what: &str| Error::new(ErrorKind::Credentials, format!("{source}: {what}"));
    let text = |k: &str| json.get(k).and_then(serde_json::Value::as_str).filter(|s| !s.is_empty());
    let id = text("AccessKeyId").ok_or_else(|| fail("the answer has no `AccessKeyId`"))?;
    let secret = text("SecretAccessKey").ok_or_else(|| fail("the answer has no `SecretAccessKey`"))?;
    let credentials = Credentials::new(id, secret, text(token_key).map(str::to_owned));
    match json.get("Expiration") {
        None | Some(serde_json::Value::Null) => Ok(credentials),
        Some(expiration) => {
            let at = expiration
                .as_str()
                .and_then(|s| nimbus_core::DateTime::parse_rfc3339(s).ok())
                .and_then(|t| SystemTime::try_from(t).ok())
                .ok_or_else(|| fail("the answer's `Expiration` is not an RFC 3339 date-time"))?;
            Ok(credentials.with_expiry(at))
        }
    }
}

/// Sends `request` with `timeout` for the whole exchange; the status and
/// at most 64 KiB of body.
pub(crate) async fn fetch(transport: &dyn Transport, request: &HttpRequest, timeout: Duration) -> Result<(u16, Vec<u8>), Error> {
    use futures_util::StreamExt;
    const LIMIT: usize = 64 * 1024;
    let exchange = async {
        let mut response = transport.send(request).await?;
        let mut body = Vec::new();
        while let Some(chunk) = response.body.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > LIMIT {
                return Err(Error::new(ErrorKind::Credentials, "the credentials answer is larger than 64 KiB"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((response.status, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(Error::transport_message(format!(
            "no answer from {} within {} ms",
            nimbus_core::http::redact_url(&request.url),
            timeout.as_millis()
        ))),
    }
}

/// The region of the EC2 instance this runs on (instance metadata), the
/// last place the SDKs look; an error when the source is turned off or
/// does not answer.
pub(crate) async fn region_from_instance(env: &Env, files: &ProfileFiles) -> Result<String, Error> {
    let (profile, _) = profile::selected_profile(env);
    let imds = imds::InstanceMetadata::from_env(env, files.profile(&profile))?
        .ok_or_else(|| Error::config("instance metadata is turned off (AWS_EC2_METADATA_DISABLED)"))?;
    let transport = nimbus_core::http::ReqwestTransport::new(Some(Duration::from_secs(1)))?;
    imds.region(&transport).await
}

/// The region from `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's
/// `region` in the config file; the error names what was tried.
pub fn region_from_env() -> Result<String, Error> {
    region_with_env(&process_env)
}

/// [`region_from_env`] reading variables through `env` (for tests). A
/// malformed config file is an error naming its line.
pub fn region_with_env(env: &Env) -> Result<String, Error> {
    if let Some(r) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
        return Ok(r);
    }
    let (config_path, credentials_path) = ProfileFiles::paths(env);
    region_in(env, &ProfileFiles::load_blocking(config_path, credentials_path)?)
}

/// [`region_with_env`] with the files already read.
pub(crate) fn region_in(env: &Env, files: &ProfileFiles) -> Result<String, Error> {
    if let Some(r) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
        return Ok(r);
    }
    let (profile, _) = profile::selected_profile(env);
    if let Some(r) = files.profile(&profile).and_then(|s| s.get("region")).filter(|r| !r.value.is_empty()) {
        return Ok(r.value.clone());
    }
    Err(Error::config(format!(
        "no AWS region found; tried AWS_REGION, AWS_DEFAULT_REGION and `region` of profile `{profile}` in {}",
        files.describe()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its fetches; each takes a few scheduler turns and returns
    /// credentials expiring `ttl` from now (never, without one), or fails.
    #[derive(Debug)]
    struct Counting {
        fetches: AtomicUsize,
        ttl: Option<Duration>,
        fail: bool,
    }

    impl ProvideCredentials for Counting {
        fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
            Box::pin(async move {
                let n = self.fetches.fetch_add(1, Ordering::SeqCst);
                for _ in 0..5 {
                    tokio::task::yield_now().await;
                }
                if self.fail {
                    return Err(Error::config("the provider is down"));
                }
                let credentials = Credentials::new(format!("AKID{n}"), "secret", None);
                Ok(match self.ttl {
                    Some(ttl) => credentials.with_expiry(SystemTime::now() + ttl),
                    None => credentials,
                })
            })
        }
    }

    fn counting(ttl: Option<Duration>, fail: bool) -> Arc<Counting> {
        Arc::new(Counting { fetches: AtomicUsize::new(0), ttl, fail })
    }

    #[tokio::test]
    async fn credentials_cache_refreshes_once_for_a_hundred_concurrent_calls() {
        let report = |name: &str, fetches: usize, expected: usize| {
            println!("credentials cache {name}: {fetches} fetches (expected {expected})");
            assert_eq!(fetches, expected, "{name}");
        };
        // Expiring in an hour: one fetch serves every caller, now and later.
        let provider = counting(Some(Duration::from_secs(3600)), false);
        let cache = CredentialsCache::new(provider.clone());
        let all = futures_util::future::join_all((0..100).map(|_| cache.provide())).await;
        assert!(all.iter().all(|c| c.as_ref().is_ok_and(|c| c.access_key_id() == "AKID0")));
        cache.provide().await.expect("cached");
        report("hour", provider.fetches.load(Ordering::SeqCst), 1);

        // Inside the refresh window (2 minutes left): each wave refreshes
        // once, however many callers it has.
        let provider = counting(Some(Duration::from_secs(120)), false);
        let cache = CredentialsCache::new(provider.clone());
        futures_util::future::join_all((0..100).map(|_| cache.provide())).await;
        report("refresh window, first wave", provider.fetches.load(Ordering::SeqCst), 1);
        futures_util::future::join_all((0..100).map(|_| cache.provide())).await;
        report("refresh window, second wave", provider.fetches.load(Ordering::SeqCst), 2);

        // Without an expiry: never refreshed.
        let provider = counting(None, false);
        let cache = CredentialsCache::new(provider.clone());
        for _ in 0..10 {
            cache.provide().await.expect("static");
        }
        report("static", provider.fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_still_valid_credentials_and_reports_otherwise() {
        #[derive(Debug)]
        struct Flaky(AtomicUsize);
        impl ProvideCredentials for Flaky {
            fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
                let n = self.0.fetch_add(1, Ordering::SeqCst);
                Box::pin(async move {
                    match n {
                        0 => Ok(Credentials::new("AKID", "s", None).with_expiry(SystemTime::now() + Duration::from_secs(60))),
                        _ => Err(Error::config("the provider is down")),
                    }
                })
            }
        }
        let cache = CredentialsCache::new(Arc::new(Flaky(AtomicUsize::new(0))));
        cache.provide().await.expect("first fetch");
        let kept = cache.provide().await.expect("the refresh fails, the credentials still hold for a minute");
        assert_eq!(kept.access_key_id(), "AKID");
        let down = CredentialsCache::new(counting(None, true));
        assert_eq!(down.provide().await.unwrap_err().message(), "the provider is down");
    }

    use tests_support::{CredentialsServer, env_of};

    /// A directory with the two files (either may be absent).
    struct Files {
        dir: std::path::PathBuf,
    }

    impl Files {
        fn new(tag: &str, config: Option<&str>, credentials: Option<&str>) -> Self {
            let dir = std::env::temp_dir().join(format!("nimbus-chain-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            if let Some(text) = config {
                std::fs::write(dir.join("config"), text).unwrap();
            }
            if let Some(text) = credentials {
                std::fs::write(dir.join("credentials"), text).unwrap();
            }
            Files { dir }
        }

        /// The file variables, IMDS off, and `extra`.
        fn env(&self, extra: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static + use<> {
            let config = self.dir.join("config").display().to_string();
            let credentials = self.dir.join("credentials").display().to_string();
            let mut vars = vec![
                ("AWS_CONFIG_FILE", config.as_str()),
                ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ];
            vars.extend_from_slice(extra);
            env_of(&vars)
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }

    #[tokio::test]
    async fn environment_wins_then_profiles() {
        let files = Files::new(
            "order",
            Some("[default]\nregion = eu-west-1\n[profile dev]\nregion = ap-south-1\n[sso-session x]\nregion = nope\n"),
            Some(
                "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=s2\naws_session_token = tok\n",
            ),
        );
        let chain = DefaultCredentialsChain::with_env(files.env(&[("AWS_ACCESS_KEY_ID", "AKIDENV"), ("AWS_SECRET_ACCESS_KEY", "se")]));
        assert_eq!(chain.resolve().await.unwrap().access_key_id(), "AKIDENV");
        let chain = DefaultCredentialsChain::with_env(files.env(&[]));
        assert_eq!(chain.resolve().await.unwrap().access_key_id(), "AKIDDEFAULT");
        assert_eq!(region_with_env(&files.env(&[])).unwrap(), "eu-west-1");
        let c = DefaultCredentialsChain::with_env(files.env(&[("AWS_PROFILE", "dev")])).resolve().await.unwrap();
        assert_eq!((c.access_key_id(), c.session_token()), ("AKIDDEV", Some("tok")));
        assert_eq!(region_with_env(&files.env(&[("AWS_PROFILE", "dev")])).unwrap(), "ap-south-1");
        assert_eq!(region_with_env(&files.env(&[("AWS_PROFILE", "dev"), ("AWS_REGION", "us-west-2")])).unwrap(), "us-west-2");
    }

    #[tokio::test]
    async fn nothing_found_names_every_source_tried() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let endpoint = format!("http://127.0.0.1:{closed}");
        let env = env_of(&[("HOME", "/nonexistent-home"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint.as_str())]);
        let e = DefaultCredentialsChain::with_env(env).resolve().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        for part in [
            "AWS_ACCESS_KEY_ID",
            "/nonexistent-home/.aws/credentials",
            "profile `default`",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            &endpoint,
        ] {
            assert!(e.message().contains(part), "{part}: {e}");
        }
        let e = region_with_env(&env_of(&[("HOME", "/nonexistent-home")])).unwrap_err();
        assert!(e.message().contains("AWS_REGION") && e.message().contains("AWS_DEFAULT_REGION"), "{e}");
    }

    #[tokio::test]
    async fn a_configured_source_that_fails_stops_the_chain() {
        let files = Files::new(
            "fails",
            Some(
                "[profile half]\naws_access_key_id = AKIDHALF\n[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\n[profile keys]\naws_access_key_id = A\naws_secret_access_key = s\n[profile sso]\nsso_session = corp\n",
            ),
            None,
        );
        let config = files.dir.join("config").display().to_string();
        let e = DefaultCredentialsChain::with_env(files.env(&[("AWS_PROFILE", "half")])).resolve().await.unwrap_err();
        assert!(e.message().contains(&format!("{config}:2")) && e.message().contains("aws_secret_access_key"), "{e}");
        // Without the STS / SSO calls installed, a role is an error saying how to get them.
        let e = DefaultCredentialsChain::with_env(files.env(&[("AWS_PROFILE", "role")])).resolve().await.unwrap_err();
        assert!(e.message().contains("assuming a role") && e.message().contains("aws-credentials"), "{e}");
        let e = DefaultCredentialsChain::with_env(files.env(&[("AWS_PROFILE", "sso")])).resolve().await.unwrap_err();
        assert!(e.message().contains("[sso-session corp]"), "{e}");
        let e = DefaultCredentialsChain::with_env(files.env(&[("AWS_PROFILE", "ghost")])).resolve().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().contains("ghost") && e.message().contains("AWS_PROFILE"), "{e}");
        let e =
            DefaultCredentialsChain::with_env(files.env(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token")])).resolve().await.unwrap_err();
        assert!(e.message().contains("AWS_ROLE_ARN"), "{e}");
    }

    #[tokio::test]
    async fn roles_are_assumed_innermost_first_in_the_sts_region_and_endpoint() {
        let files = Files::new(
            "roles",
            Some(
                "[profile admin]\nrole_arn = arn:admin\nsource_profile = ops\nregion = eu-central-1\n[profile ops]\nrole_arn = arn:ops\nsource_profile = base\n[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n",
            ),
            None,
        );
        let calls = Arc::new(tests_support::FakeCalls::default());
        let chain =
            DefaultCredentialsChain::with_env(files.env(&[("AWS_PROFILE", "admin"), ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000")]))
                .calls(calls.clone());
        let c = chain.resolve().await.unwrap();
        assert_eq!(c.access_key_id(), "AKID[arn:admin]");
        let log = calls.log();
        assert_eq!(log.len(), 2, "{log:?}");
        assert!(log[0].starts_with("AssumeRole arn:ops as AKIDBASE (nimbus-aws-"), "{log:?}");
        assert!(log[1].starts_with("AssumeRole arn:admin as AKID[arn:ops]"), "{log:?}");
        assert!(log.iter().all(|l| l.ends_with("in eu-central-1 at http://127.0.0.1:5000")), "{log:?}");
        // Through a `Config`, the chain is cached: a second call does not assume again.
        let cache = CredentialsCache::new(Arc::new(chain));
        cache.provide().await.unwrap();
        cache.provide().await.unwrap();
        assert_eq!(calls.log().len(), 4);
    }

    #[tokio::test]
    async fn web_identity_reads_the_token_at_every_refresh() {
        let files = Files::new("web", None, None);
        let token = files.dir.join("token");
        std::fs::write(&token, "eyJ.first\n").unwrap();
        let calls = Arc::new(tests_support::FakeCalls::default());
        let chain = DefaultCredentialsChain::with_env(files.env(&[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/pod"),
            ("AWS_ROLE_SESSION_NAME", "pod"),
        ]))
        .calls(calls.clone())
        .region(Some("ap-southeast-2".into()));
        assert_eq!(chain.resolve().await.unwrap().access_key_id(), "AKIDWEB");
        std::fs::write(&token, "eyJ.second").unwrap();
        chain.resolve().await.unwrap();
        assert_eq!(
            calls.log(),
            [
                "AssumeRoleWithWebIdentity arn:aws:iam::1:role/pod token eyJ.first in ap-southeast-2 at default",
                "AssumeRoleWithWebIdentity arn:aws:iam::1:role/pod token eyJ.second in ap-southeast-2 at default"
            ]
        );
    }

    #[tokio::test]
    async fn sso_tokens_are_used_then_refreshed_and_the_cache_updated() {
        let files = Files::new(
            "sso",
            Some(
                "[default]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session corp]\nsso_region = us-west-2\nsso_start_url = https://corp.awsapps.com/start\n",
            ),
            None,
        );
        let home = files.dir.join("home");
        let cache_dir = home.join(".aws/sso/cache");
        std::fs::create_dir_all(&cache_dir).unwrap();
        let cache_file = cache_dir.join(format!("{}.json", sso::sha1_hex("corp")));
        let write = |access: &str, expires: &str| {
            let json = format!(
                r#"{{"startUrl": "https://corp.awsapps.com/start", "region": "us-west-2", "accessToken": "{access}", "expiresAt": "{expires}", "clientId": "cid", "clientSecret": "csecret", "registrationExpiresAt": "2099-01-01T00:00:00Z", "refreshToken": "rt-1"}}"#
            );
            std::fs::write(&cache_file, json).unwrap();
        };
        let calls = Arc::new(tests_support::FakeCalls::default());
        let chain = DefaultCredentialsChain::with_env(files.env(&[("HOME", home.to_str().unwrap())])).calls(calls.clone());
        write("valid-token", "2099-01-01T00:00:00Z");
        assert_eq!(chain.resolve().await.unwrap().access_key_id(), "AKIDSSO");
        write("old-token", "2020-01-01T00:00:00Z");
        assert_eq!(chain.resolve().await.unwrap().access_key_id(), "AKIDSSO");
        assert_eq!(
            calls.log(),
            [
                "GetRoleCredentials 111122223333/Dev token valid-token in us-west-2 at default",
                "CreateToken cid rt-1 in us-west-2 at default",
                "GetRoleCredentials 111122223333/Dev token fresh-token in us-west-2 at default",
            ]
        );
        let updated: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cache_file).unwrap()).unwrap();
        assert_eq!((updated["accessToken"].as_str(), updated["refreshToken"].as_str()), (Some("fresh-token"), Some("rt-2")));
        assert_eq!(updated["startUrl"].as_str(), Some("https://corp.awsapps.com/start"), "other fields are kept");
        // Expired and not refreshable: an error saying to log in again.
        std::fs::write(&cache_file, r#"{"accessToken": "old", "expiresAt": "2020-01-01T00:00:00Z"}"#).unwrap();
        let e = chain.resolve().await.unwrap_err();
        assert!(e.message().contains("aws sso login --sso-session corp"), "{e}");
    }

    #[tokio::test]
    async fn a_malformed_file_is_an_error_naming_its_line() {
        let files = Files::new("malformed", Some("[default]\nregion = eu-west-1\noops\n"), None);
        let config = files.dir.join("config").display().to_string();
        let e = DefaultCredentialsChain::with_env(files.env(&[])).resolve().await.unwrap_err();
        assert_eq!(e.message(), format!("{config}:3: expected `name = value`"));
        let e = region_with_env(&files.env(&[])).unwrap_err();
        assert!(e.message().starts_with(&format!("{config}:3:")), "{e}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn credential_process_profiles_run_their_command() {
        let files = Files::new(
            "process",
            Some("[default]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"s\"}'\n"),
            None,
        );
        let c = DefaultCredentialsChain::with_env(files.env(&[])).resolve().await.unwrap();
        assert_eq!(c.access_key_id(), "AKIDPROC");
    }

    #[tokio::test]
    async fn container_then_instance_metadata() {
        let server = CredentialsServer::start().await;
        let files = Files::new("http", None, None);
        let full = format!("{}/creds", server.url());
        let env = files.env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", full.as_str()), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok")]);
        let c = DefaultCredentialsChain::with_env(env).resolve().await.unwrap();
        assert_eq!(c.access_key_id(), "AKIDSERVED");
        let url = server.url();
        let env = env_of(&[
            ("AWS_CONFIG_FILE", "/nonexistent/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", url.as_str()),
        ]);
        let c = DefaultCredentialsChain::with_env(env).resolve().await.unwrap();
        assert_eq!(c.access_key_id(), "AKIDEC2");
    }
}
