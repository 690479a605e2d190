//! Client configuration and the request pipeline every generated client uses:
//! serialize (generated) -> resolve endpoint -> sign -> send -> classify ->
//! deserialize (generated).

use crate::credentials::{DefaultCredentialsChain, ProvideCredentials};
use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse, ReqwestTransport, Transport, redact_url};
use crate::limits::{MinThroughput, ResponseLimits};
use crate::retry::{RetryConfig, RetryKind, RetryPolicy, RetryQuota};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// The wire protocol a service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// `aws.protocols#awsJson1_0`.
    AwsJson1_0,
    /// `aws.protocols#awsJson1_1`.
    AwsJson1_1,
    /// `aws.protocols#restJson1`.
    RestJson1,
    /// Google's REST/JSON mapping (Discovery documents).
    GoogleRest,
    /// A protocol this runtime cannot speak yet (`awsQuery`, `restXml`,
    /// `ec2Query`): calls fail with [`ErrorKind::Unsupported`].
    Unsupported(&'static str),
}

/// What the pipeline needs to know about a service (generated, `static`).
#[derive(Debug)]
pub struct ServiceInfo {
    /// The service's name, e.g. `Athena` (AWS `sdkId`) or `spanner`.
    pub name: &'static str,
    /// API version.
    pub api_version: &'static str,
    /// Wire protocol.
    pub protocol: Protocol,
    /// AWS endpoint prefix (`athena`), used by the default endpoint.
    pub endpoint_prefix: &'static str,
    /// SigV4 signing name.
    pub signing_name: &'static str,
    /// The service's default endpoint when it has a fixed one (Google
    /// `rootUrl` + `servicePath`); `None` for region-based AWS endpoints.
    pub default_endpoint: Option<&'static str>,
    /// The model's endpoint rule set (JSON), evaluated per call.
    pub endpoint_rules: Option<&'static str>,
    /// Environment variable naming a local emulator (`host:port`): when set,
    /// requests go there over plain HTTP, unauthenticated
    /// (`SPANNER_EMULATOR_HOST`).
    pub emulator_env: Option<&'static str>,
}

/// What the pipeline needs to know about one operation (generated, `static`).
#[derive(Debug)]
pub struct OperationInfo {
    /// Operation name as in the spec, e.g. `GetSession`.
    pub name: &'static str,
    /// Safe to send again (`@idempotent`, `@readonly`, an idempotency
    /// token that stays the same across attempts, or a Google method the
    /// generator knows to be safe). Google transient errors are retried only
    /// for such calls (AWS retries every operation: see [`crate::retry`]).
    pub idempotent: bool,
    /// Codes of the operation's errors the model marks `@retryable`.
    pub retryable_errors: &'static [&'static str],
}

/// Generates idempotency tokens.
pub type TokenGenerator = Arc<dyn Fn() -> String + Send + Sync>;

/// Client configuration: endpoint, region, transport, timeouts and limits.
///
/// Every call has timeouts and size limits by default (connect 3.1 s, 60 s
/// without a byte from the server, a minimum speed for buffered bodies,
/// 64 MiB per buffered body: see [`crate::limits`]); a whole call or attempt
/// has no time limit unless one is set.
///
/// ```
/// use std::time::Duration;
/// let config = nimbus::Config::new()
///     .region("eu-west-1")
///     .endpoint_url("http://127.0.0.1:5000")
///     .attempt_timeout(Duration::from_secs(10));
/// assert_eq!(config.get_region(), Some("eu-west-1"));
/// ```
#[derive(Clone, Default)]
pub struct Config {
    endpoint_url: Option<String>,
    region: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    connect_timeout: Option<Duration>,
    limits: ResponseLimits,
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    token_generator: Option<TokenGenerator>,
    disable_request_compression: bool,
    min_compression_size: Option<usize>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    no_credentials: bool,
    retry: RetryConfig,
    token: Option<Arc<dyn crate::google::ProvideToken>>,
    use_fips: bool,
    use_dual_stack: bool,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("endpoint_url", &self.endpoint_url.as_deref().map(redact_url))
            .field("region", &self.region)
            .field("transport", &self.transport)
            .field("connect_timeout", &self.get_connect_timeout())
            .field("limits", &self.limits)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults: no region, the service's standard endpoint, the reqwest
    /// transport, the default timeouts and limits of [`crate::limits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends every request to this endpoint (scheme, host, optional port and
    /// base path) instead of the service's standard one.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// The region, e.g. `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Uses `transport` to send requests.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Limit for establishing a connection (default transport only;
    /// default 3.1 s, as the AWS SDK for Rust).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The longest wait for the response head and between two chunks of
    /// the body, streamed bodies included (default 60 s): an idle timeout,
    /// so a long stream that keeps sending is never cut.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.read_timeout = timeout;
        self
    }

    /// The largest successful response body read into memory (default
    /// 64 MiB); a larger one fails with
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge).
    /// Streamed responses are not buffered and not limited.
    pub fn max_response_body_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_body_bytes = bytes;
        self
    }

    /// How much of an error response's body is read (default 64 KiB).
    pub fn max_error_body_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_error_body_bytes = bytes;
        self
    }

    /// The slowest a buffered body may arrive (default 1 KiB/s on average,
    /// judged after 20 s); `None` turns the check off.
    pub fn min_throughput(mut self, minimum: Option<MinThroughput>) -> Self {
        self.limits.min_throughput = minimum;
        self
    }

    /// The connect timeout in force.
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout.unwrap_or(crate::limits::DEFAULT_CONNECT_TIMEOUT)
    }

    /// The response limits in force (read timeout, body caps, minimum speed).
    pub fn get_response_limits(&self) -> ResponseLimits {
        self.limits
    }

    /// Limit for one attempt: sending the request and reading the response.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Limit for the whole call, all attempts included.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
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

    /// Whether request compression is on, and from which body size.
    pub fn request_compression(&self) -> Option<usize> {
        (!self.disable_request_compression).then_some(self.min_compression_size.unwrap_or(10_240))
    }

    /// Signs with these credentials (a [`Credentials`](crate::credentials::Credentials)
    /// value or any provider) instead of the default chain (environment,
    /// then shared files).
    pub fn credentials(mut self, provider: impl ProvideCredentials) -> Self {
        self.credentials = Some(Arc::new(provider));
        self.no_credentials = false;
        self
    }

    /// Authenticates Google requests with tokens from `provider`
    /// (`Authorization: Bearer`).
    pub fn token_provider(mut self, provider: impl crate::google::ProvideToken) -> Self {
        self.token = Some(Arc::new(provider));
        self
    }

    /// Sends requests unsigned (local emulators, tests).
    pub fn no_credentials(mut self) -> Self {
        self.no_credentials = true;
        self.credentials = None;
        self
    }

    /// Retry settings (default: standard mode, 3 attempts).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
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

    /// Configuration from the environment, as the AWS SDKs do it: region
    /// from `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile; credentials
    /// from the default chain (resolved at the first call); an endpoint
    /// override from `AWS_ENDPOINT_URL`. The error names what was tried.
    pub fn from_env() -> Result<Self, Error> {
        let mut config = Config::new().region(crate::credentials::region_from_env()?);
        if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
            if !url.is_empty() {
                config = config.endpoint_url(url);
            }
        }
        Ok(config)
    }

    /// The retry settings.
    pub fn get_retry(&self) -> RetryConfig {
        self.retry
    }

    /// The configured region.
    pub fn get_region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The configured endpoint override.
    pub fn get_endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }
}

/// The shared core of a generated service client: cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    service: &'static ServiceInfo,
    config: Config,
    transport: Result<Arc<dyn Transport>, String>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    rules: Option<Result<crate::endpoint::RuleSet, String>>,
    /// The endpoint, resolved on first use: it depends only on the
    /// configuration, which cannot change after `Client::new`.
    endpoint: std::sync::OnceLock<ResolvedEndpoint>,
    quota: RetryQuota,
    /// `host:port` of an emulator named by the service's environment variable.
    emulator: Option<String>,
    /// Application Default Credentials, used when no token provider is set.
    #[cfg(feature = "google-adc")]
    adc: Arc<dyn crate::google::ProvideToken>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("service", &self.inner.service.name).field("config", &self.inner.config).finish()
    }
}

impl Client {
    /// A client for `service` with `config`.
    pub fn new(service: &'static ServiceInfo, config: Config) -> Self {
        let transport = match &config.transport {
            Some(t) => Ok(t.clone()),
            None => ReqwestTransport::new(Some(config.get_connect_timeout()))
                .map(|t| Arc::new(t) as Arc<dyn Transport>)
                .map_err(|e| e.message().to_owned()),
        };
        let signed = !matches!(service.protocol, Protocol::GoogleRest) && !config.no_credentials;
        let credentials = match (&config.credentials, signed) {
            (Some(c), true) => Some(c.clone()),
            (None, true) => Some(Arc::new(DefaultCredentialsChain::default()) as Arc<dyn ProvideCredentials>),
            (_, false) => None,
        };
        let rules = service.endpoint_rules.map(|json| crate::endpoint::RuleSet::parse(json).map_err(|e| e.message().to_owned()));
        let emulator = service.emulator_env.and_then(|v| std::env::var(v).ok()).filter(|h| !h.is_empty());
        Client {
            inner: Arc::new(Inner {
                service,
                config,
                transport,
                credentials,
                rules,
                endpoint: std::sync::OnceLock::new(),
                quota: RetryQuota::default(),
                emulator,
                #[cfg(feature = "google-adc")]
                adc: Arc::new(crate::google::adc::ApplicationDefaultCredentials::new()),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The service description.
    pub fn service(&self) -> &'static ServiceInfo {
        self.inner.service
    }

    /// A fresh idempotency token (UUIDv4 unless configured otherwise).
    pub fn idempotency_token(&self) -> String {
        match &self.inner.config.token_generator {
            Some(g) => g(),
            None => uuid::Uuid::new_v4().to_string(),
        }
    }

    /// Runs the pipeline for a serialized request: resolves the endpoint,
    /// sends, reads the response and classifies it. A non-2xx response
    /// becomes a [`ErrorKind::Service`] error with the code, message and
    /// request id the protocol defines; generated code turns the codes it
    /// models into typed errors.
    pub async fn send(&self, operation: &'static OperationInfo, request: HttpRequest) -> Result<HttpResponse, Error> {
        self.send_with(operation, request, operation.idempotent).await
    }

    /// [`send`](Self::send) for a call whose safety to repeat is decided
    /// per request (a Spanner query in a single-use read-only transaction is,
    /// DML in a read-write transaction is not): `idempotent` replaces the
    /// operation's own flag for this call.
    pub async fn send_with(
        &self,
        operation: &'static OperationInfo,
        request: HttpRequest,
        idempotent: bool,
    ) -> Result<HttpResponse, Error> {
        let span = self.call_span(operation);
        let call = async {
            match self.inner.config.call_timeout {
                Some(limit) => tokio::time::timeout(limit, self.attempts(operation, request, idempotent))
                    .await
                    .map_err(|_| Error::new(ErrorKind::Timeout, format!("the call took longer than {limit:?}")))?,
                None => self.attempts(operation, request, idempotent).await,
            }
        };
        call.instrument(span).await
    }

    /// The tracing span of one call (all its attempts).
    fn call_span(&self, operation: &OperationInfo) -> tracing::Span {
        tracing::debug_span!("nimbus.call", service = self.inner.service.name, operation = operation.name)
    }

    /// The retry rules of the service's provider.
    fn retry_policy(&self) -> RetryPolicy {
        match self.inner.service.protocol {
            Protocol::GoogleRest => RetryPolicy::GoogleAip194,
            _ => RetryPolicy::AwsStandard,
        }
    }

    /// Resolves the endpoint once, then runs attempts (signed each time)
    /// until one succeeds, a failure is final, or the attempts or the retry
    /// quota run out.
    async fn attempts(&self, operation: &'static OperationInfo, request: HttpRequest, idempotent: bool) -> Result<HttpResponse, Error> {
        let service = self.inner.service;
        let (mut request, scope) = self.resolve_endpoint(request)?;
        let retry = self.inner.config.retry;
        let mut attempt = 1;
        let mut retry_cost = None;
        loop {
            // Signed in place: signing replaces the previous attempt's
            // signature headers, so one request serves every attempt.
            if let Some(provider) = &self.inner.credentials {
                let credentials = provider.provide().await?;
                let params = crate::sigv4::SigningParams {
                    credentials: &credentials,
                    region: &scope.signing_region,
                    service: &scope.signing_name,
                    time: std::time::SystemTime::now(),
                    settings: crate::sigv4::SigningSettings::default(),
                };
                crate::sigv4::sign_request(&mut request, &params)?;
            }
            self.authorize_google(&mut request).await?;
            let result = self.attempt(&request).await.and_then(|response| {
                if response.is_success() { Ok(response) } else { Err(crate::protocol::error_from_response(service.protocol, response)) }
            });
            let error = match result {
                Ok(response) => {
                    tracing::debug!(status = response.status, attempt, "response");
                    self.inner.quota.release(retry_cost);
                    return Ok(response);
                }
                Err(e) => e,
            };
            let kind = crate::retry::classify(self.retry_policy(), &error, operation.retryable_errors, idempotent);
            if kind == RetryKind::Final || attempt >= retry.max_attempts {
                return Err(error);
            }
            let asked = crate::retry::retry_after(&error);
            if asked.is_some_and(|wait| wait > retry.max_backoff) {
                tracing::debug!(?asked, "Retry-After is longer than the longest backoff; not retrying");
                return Err(error);
            }
            let Some(cost) = self.inner.quota.acquire(&error) else {
                tracing::debug!("retry quota exhausted");
                return Err(error);
            };
            retry_cost = Some(cost);
            let delay = retry.backoff(attempt).max(asked.unwrap_or_default());
            tracing::debug!(attempt, ?delay, error = %error, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Adds the bearer token of Google services, unless an emulator or
    /// `no_credentials` says not to.
    async fn authorize_google(&self, request: &mut HttpRequest) -> Result<(), Error> {
        let config = &self.inner.config;
        if self.inner.service.protocol != Protocol::GoogleRest || config.no_credentials || self.inner.emulator.is_some() {
            return Ok(());
        }
        #[cfg(feature = "google-adc")]
        let provider = Some(config.token.as_ref().unwrap_or(&self.inner.adc));
        #[cfg(not(feature = "google-adc"))]
        let provider = config.token.as_ref();
        let provider = provider.ok_or_else(|| {
            Error::new(
                ErrorKind::Credentials,
                format!(
                    "no access token for {}: set `Config::token_provider` (or enable the `google-adc` feature), or point `{}` at an emulator",
                    self.inner.service.name,
                    self.inner.service.emulator_env.unwrap_or("the emulator variable")
                ),
            )
        })?;
        let token = provider.token().await?;
        request.headers.insert("Authorization", ["Bearer ", &token].concat());
        Ok(())
    }

    /// Like [`send`](Self::send) but returns the response as it streams in
    /// (one attempt; each chunk must arrive within the read timeout, and
    /// there is no total limit; a non-2xx answer is read, up to the error
    /// body limit, and returned as an error).
    pub async fn send_streaming(
        &self,
        operation: &'static OperationInfo,
        request: HttpRequest,
    ) -> Result<crate::http::StreamingResponse, Error> {
        let span = self.call_span(operation);
        async {
            let (mut request, _) = self.resolve_endpoint(request)?;
            self.authorize_google(&mut request).await?;
            let transport = self.inner.transport.as_ref().map_err(|m| Error::config(m.clone()))?;
            let limits = self.inner.config.limits;
            let mut response = limits.send(transport.as_ref(), &request).await?;
            if (200..300).contains(&response.status) {
                response.body = limits.idle_timeout(response.body);
                return Ok(response);
            }
            let full = limits.collect(response).await?;
            Err(crate::protocol::error_from_response(self.inner.service.protocol, full))
        }
        .instrument(span)
        .await
    }

    async fn attempt(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let transport = self.inner.transport.as_ref().map_err(|m| Error::config(m.clone()))?;
        let exchange = self.inner.config.limits.send_full(transport.as_ref(), request);
        match self.inner.config.attempt_timeout {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .map_err(|_| Error::new(ErrorKind::Timeout, format!("the attempt took longer than {limit:?}")))?,
            None => exchange.await,
        }
    }

    /// The endpoint requests go to: the service's endpoint rules (which let
    /// an endpoint URL set in the configuration win), else the override, the
    /// service's fixed endpoint, or the regional AWS endpoint.
    pub fn endpoint(&self) -> Result<ResolvedEndpoint, Error> {
        self.cached_endpoint().cloned()
    }

    /// [`endpoint`](Self::endpoint), resolved once per client (a failure is
    /// not cached: it is reported again on the next call).
    fn cached_endpoint(&self) -> Result<&ResolvedEndpoint, Error> {
        if let Some(endpoint) = self.inner.endpoint.get() {
            return Ok(endpoint);
        }
        let resolved = self.resolve_endpoint_uncached()?;
        Ok(self.inner.endpoint.get_or_init(|| resolved))
    }

    fn resolve_endpoint_uncached(&self) -> Result<ResolvedEndpoint, Error> {
        let config = &self.inner.config;
        let service = self.inner.service;
        let region = config.region.clone();
        let mut resolved = ResolvedEndpoint {
            url: String::new(),
            signing_region: region.clone().unwrap_or_else(|| "us-east-1".to_owned()),
            signing_name: service.signing_name.to_owned(),
        };
        if let Some(rules) = &self.inner.rules {
            let rules = rules.as_ref().map_err(|m| Error::config(format!("the endpoint rules of {} are invalid: {m}", service.name)))?;
            let mut params =
                crate::endpoint::Params::default().set_bool("UseFIPS", config.use_fips).set_bool("UseDualStack", config.use_dual_stack);
            if let Some(r) = &region {
                params = params.set_str("Region", r);
            }
            if let Some(url) = &config.endpoint_url {
                params = params.set_str("Endpoint", url);
            }
            let endpoint = rules.resolve(&params)?;
            resolved.url = endpoint.url.clone();
            let schemes = endpoint.properties.get("authSchemes").and_then(serde_json::Value::as_array);
            let sigv4 = schemes.into_iter().flatten().find(|s| s.get("name").and_then(serde_json::Value::as_str) == Some("sigv4"));
            if let Some(scheme) = sigv4 {
                if let Some(r) = scheme.get("signingRegion").and_then(serde_json::Value::as_str) {
                    resolved.signing_region = r.to_owned();
                }
                if let Some(n) = scheme.get("signingName").and_then(serde_json::Value::as_str) {
                    resolved.signing_name = n.to_owned();
                }
            }
            return Ok(resolved);
        }
        resolved.url = if let Some(url) = &config.endpoint_url {
            url.clone()
        } else if let Some(host) = &self.inner.emulator {
            format!("http://{host}")
        } else if let Some(url) = service.default_endpoint {
            url.to_owned()
        } else {
            let region = region.ok_or_else(|| {
                Error::config(format!("no region is configured for {}: set one with `Config::region` or AWS_REGION", service.name))
            })?;
            format!("https://{}.{region}.amazonaws.com", service.endpoint_prefix)
        };
        Ok(resolved)
    }

    fn resolve_endpoint(&self, mut request: HttpRequest) -> Result<(HttpRequest, &ResolvedEndpoint), Error> {
        if !request.body.is_empty() {
            request.headers.insert("Content-Length", request.body.len().to_string());
        }
        let endpoint = self.cached_endpoint()?;
        let url = &endpoint.url;
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| Error::config(format!("endpoint `{}` has no scheme (expected http:// or https://)", redact_url(url))))?;
        let (authority, base_path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(Error::config(format!("endpoint `{}` has no host", redact_url(url))));
        }
        let prefix = request.host_prefix.take().unwrap_or_default();
        request.url = [scheme, "://", &prefix, authority, base_path, &request.url].concat();
        Ok((request, endpoint))
    }
}

/// Where a call goes and how it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    /// Base URL (scheme, host, optional port and path).
    pub url: String,
    /// SigV4 region.
    pub signing_region: String,
    /// SigV4 service name.
    pub signing_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Headers, MockTransport};

    static SERVICE: ServiceInfo = ServiceInfo {
        name: "Test",
        api_version: "2020-01-01",
        protocol: Protocol::AwsJson1_1,
        endpoint_prefix: "test",
        signing_name: "test",
        default_endpoint: None,
        endpoint_rules: None,
        emulator_env: None,
    };
    static OP: OperationInfo = OperationInfo { name: "Op", idempotent: false, retryable_errors: &[] };

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime").block_on(f)
    }

    #[test]
    fn endpoint_override_keeps_base_path_and_host_prefix() {
        let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}"));
        let client =
            Client::new(&SERVICE, Config::new().endpoint_url("https://example.com/custom/").transport(mock.clone()).no_credentials());
        let mut req = HttpRequest::new("POST", "/");
        req.host_prefix = Some("foo.".into());
        block_on(client.send(&OP, req)).expect("ok");
        assert_eq!(mock.requests()[0].url, "https://foo.example.com/custom/");
    }

    #[test]
    fn regional_endpoint_needs_a_region() {
        let client = Client::new(&SERVICE, Config::new().transport(MockTransport::default()).no_credentials());
        let err = block_on(client.send(&OP, HttpRequest::new("POST", "/"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("region"), "{err}");
        let client = Client::new(&SERVICE, Config::new().region("eu-west-1"));
        assert_eq!(client.endpoint().expect("endpoint").url, "https://test.eu-west-1.amazonaws.com");
    }

    #[test]
    fn attempt_timeout_is_a_timeout_error() {
        #[derive(Debug)]
        struct Never;
        impl Transport for Never {
            fn send<'a>(&'a self, _: &'a HttpRequest) -> crate::http::BoxFuture<'a, Result<crate::http::StreamingResponse, Error>> {
                Box::pin(std::future::pending())
            }
        }
        let client = Client::new(
            &SERVICE,
            Config::new().endpoint_url("http://127.0.0.1:1").transport(Never).attempt_timeout(Duration::from_millis(20)).no_credentials(),
        );
        let err = block_on(client.send(&OP, HttpRequest::new("POST", "/"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
    }
}
