//! Client configuration and the request pipeline every generated client uses:
//! serialize (generated) -> resolve endpoint -> sign -> send -> classify ->
//! deserialize (generated).

use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse, ReqwestTransport, Transport};
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
}

/// What the pipeline needs to know about one operation (generated, `static`).
#[derive(Debug)]
pub struct OperationInfo {
    /// Operation name as in the spec, e.g. `GetSession`.
    pub name: &'static str,
    /// Safe to send again (`@idempotent`, `@readonly`, or an idempotency
    /// token that stays the same across attempts).
    pub idempotent: bool,
}

/// Generates idempotency tokens.
pub type TokenGenerator = Arc<dyn Fn() -> String + Send + Sync>;

/// Client configuration: endpoint, region, transport and timeouts.
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
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    token_generator: Option<TokenGenerator>,
    disable_request_compression: bool,
    min_compression_size: Option<usize>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("endpoint_url", &self.endpoint_url)
            .field("region", &self.region)
            .field("transport", &self.transport)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults: no region, the service's standard endpoint, the reqwest
    /// transport, no timeouts.
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

    /// Limit for establishing a connection (default transport only).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
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
            None => ReqwestTransport::new(config.connect_timeout)
                .map(|t| Arc::new(t) as Arc<dyn Transport>)
                .map_err(|e| e.message().to_owned()),
        };
        Client { inner: Arc::new(Inner { service, config, transport }) }
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
        let service = self.inner.service;
        let span = tracing::debug_span!("nimbus.call", service = service.name, operation = operation.name);
        let call = async {
            let request = self.resolve_endpoint(request)?;
            let response = match self.inner.config.call_timeout {
                Some(limit) => tokio::time::timeout(limit, self.attempt(request))
                    .await
                    .map_err(|_| Error::new(ErrorKind::Timeout, format!("the call took longer than {limit:?}")))??,
                None => self.attempt(request).await?,
            };
            tracing::debug!(status = response.status, "response");
            if response.is_success() {
                Ok(response)
            } else {
                Err(crate::protocol::error_from_response(service.protocol, response))
            }
        };
        call.instrument(span).await
    }

    async fn attempt(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let transport = self.inner.transport.as_ref().map_err(|m| Error::config(m.clone()))?;
        let exchange = async { transport.send(request).await?.collect().await };
        match self.inner.config.attempt_timeout {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .map_err(|_| Error::new(ErrorKind::Timeout, format!("the attempt took longer than {limit:?}")))?,
            None => exchange.await,
        }
    }

    /// The endpoint requests go to: the override, the service's fixed
    /// endpoint, or the regional AWS endpoint.
    pub fn endpoint(&self) -> Result<String, Error> {
        let config = &self.inner.config;
        let service = self.inner.service;
        if let Some(url) = &config.endpoint_url {
            return Ok(url.clone());
        }
        if let Some(url) = service.default_endpoint {
            return Ok(url.to_owned());
        }
        let region = config.region.as_deref().ok_or_else(|| {
            Error::config(format!("no region is configured for {}: set one with `Config::region`", service.name))
        })?;
        Ok(format!("https://{}.{region}.amazonaws.com", service.endpoint_prefix))
    }

    fn resolve_endpoint(&self, mut request: HttpRequest) -> Result<HttpRequest, Error> {
        if !request.body.is_empty() {
            request.headers.insert("Content-Length", request.body.len().to_string());
        }
        let endpoint = self.endpoint()?;
        let (scheme, rest) = endpoint
            .split_once("://")
            .ok_or_else(|| Error::config(format!("endpoint `{endpoint}` has no scheme (expected http:// or https://)")))?;
        let (authority, base_path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(Error::config(format!("endpoint `{endpoint}` has no host")));
        }
        let prefix = request.host_prefix.take().unwrap_or_default();
        request.url = format!("{scheme}://{prefix}{authority}{base_path}{}", request.url);
        Ok(request)
    }
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
    };
    static OP: OperationInfo = OperationInfo { name: "Op", idempotent: false };

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime").block_on(f)
    }

    #[test]
    fn endpoint_override_keeps_base_path_and_host_prefix() {
        let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}"));
        let client = Client::new(&SERVICE, Config::new().endpoint_url("https://example.com/custom/").transport(mock.clone()));
        let mut req = HttpRequest::new("POST", "/");
        req.host_prefix = Some("foo.".into());
        block_on(client.send(&OP, req)).expect("ok");
        assert_eq!(mock.requests()[0].url, "https://foo.example.com/custom/");
    }

    #[test]
    fn regional_endpoint_needs_a_region() {
        let client = Client::new(&SERVICE, Config::new().transport(MockTransport::default()));
        let err = block_on(client.send(&OP, HttpRequest::new("POST", "/"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("region"), "{err}");
        let client = Client::new(&SERVICE, Config::new().region("eu-west-1"));
        assert_eq!(client.endpoint().expect("endpoint"), "https://test.eu-west-1.amazonaws.com");
    }

    #[test]
    fn attempt_timeout_is_a_timeout_error() {
        #[derive(Debug)]
        struct Never;
        impl Transport for Never {
            fn send(&self, _: HttpRequest) -> crate::http::BoxFuture<'_, Result<crate::http::StreamingResponse, Error>> {
                Box::pin(std::future::pending())
            }
        }
        let client = Client::new(
            &SERVICE,
            Config::new().endpoint_url("http://127.0.0.1:1").transport(Never).attempt_timeout(Duration::from_millis(20)),
        );
        let err = block_on(client.send(&OP, HttpRequest::new("POST", "/"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
    }
}
