//! The AWS client core every generated AWS client wraps: the core
//! [`Pipeline`] with the AWS decisions (endpoint rules, SigV4, AWS error
//! responses, standard-mode retries).

use crate::config::Config;
use crate::credentials::ProvideCredentials;
use nimbus_core::Error;
use nimbus_core::http::{EndpointParam, HttpRequest, HttpResponse};
use nimbus_core::pipeline::{OperationInfo, Pipeline, Provider};
use nimbus_core::retry::RetryKind;
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The wire protocol an AWS service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// `aws.protocols#awsJson1_0`.
    AwsJson1_0,
    /// `aws.protocols#awsJson1_1`.
    AwsJson1_1,
    /// `aws.protocols#restJson1`.
    RestJson1,
    /// `aws.protocols#awsQuery` (feature `xml`).
    AwsQuery,
    /// `aws.protocols#ec2Query` (feature `xml`).
    Ec2Query,
    /// `aws.protocols#restXml` (feature `xml`).
    RestXml,
    /// `smithy.protocols#rpcv2Cbor` (feature `cbor`).
    RpcV2Cbor,
    /// A protocol this runtime cannot speak: calls fail with
    /// `ErrorKind::Unsupported`.
    Unsupported(&'static str),
}

/// Turns a non-2xx response into a service [`Error`] the way `protocol`
/// lays errors out (JSON for the awsJson and restJson protocols, XML for
/// the query protocols and restXml). Never fails.
pub fn read_error(protocol: Protocol, response: HttpResponse) -> Error {
    match protocol {
        #[cfg(feature = "xml")]
        Protocol::AwsQuery | Protocol::Ec2Query | Protocol::RestXml => crate::xml::error_from_response(response),
        #[cfg(feature = "cbor")]
        Protocol::RpcV2Cbor => crate::cbor::error_from_response(response),
        _ => crate::protocol::error_from_response(response),
    }
}

/// What the pipeline needs to know about an AWS service (generated, `static`).
#[derive(Debug)]
pub struct ServiceInfo {
    /// The service's `sdkId`, e.g. `Athena`.
    pub name: &'static str,
    /// API version.
    pub api_version: &'static str,
    /// Wire protocol.
    pub protocol: Protocol,
    /// Endpoint prefix (`athena`), used by the default endpoint when the
    /// model has no endpoint rules.
    pub endpoint_prefix: &'static str,
    /// SigV4 signing name.
    pub signing_name: &'static str,
    /// The model's endpoint rule set (JSON), evaluated once per client.
    pub endpoint_rules: Option<&'static str>,
    /// `@awsQueryCompatible`: requests say `x-amzn-query-mode: true` (and
    /// errors carry the query error code, which every error reader honours).
    pub query_compatible: bool,
    /// Requests are signed as S3 wants: the path as sent (not normalised,
    /// not encoded twice) and the payload hash in a signed
    /// `x-amz-content-sha256` header.
    pub s3_signing: bool,
    /// Headers every request carries unless it has them already (service
    /// customisations: Glacier's API version, API Gateway's `Accept`).
    pub static_headers: &'static [(&'static str, &'static str)],
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

/// The shared core of a generated AWS client: cheap to clone.
#[derive(Clone)]
pub struct Client {
    pipeline: Pipeline<Aws>,
    /// Interceptors of the calls made through this handle only (a request
    /// builder's `interceptor`).
    call_interceptors: Vec<Arc<dyn nimbus_core::Interceptor>>,
}

/// The AWS decisions for one client (the pipeline's [`Provider`]).
struct Aws {
    service: &'static ServiceInfo,
    config: Config,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    rules: Option<Result<crate::endpoint::RuleSet, String>>,
    /// The endpoint, resolved on first use: it depends only on the
    /// configuration, which cannot change after `Client::new`. A failure is
    /// not cached: it is reported again on the next call.
    endpoint: OnceLock<ResolvedEndpoint>,
    /// `User-Agent` (and `x-amz-user-agent`) of every request.
    user_agent: Arc<str>,
    /// The adaptive retry mode's rate limiter, when that mode is on.
    rate_limiter: Option<Arc<crate::adaptive::RateLimiter>>,
}

/// Tells the adaptive rate limiter about successful attempts (throttled and
/// failed ones reach it through `classify`).
#[derive(Debug)]
struct Successes(Arc<crate::adaptive::RateLimiter>);

impl nimbus_core::Interceptor for Successes {
    fn read_response(&self, response: Result<&HttpResponse, &Error>, _: nimbus_core::Attempt) {
        if response.is_ok_and(HttpResponse::is_success) {
            self.0.update(false);
        }
    }
}

/// The `User-Agent` of a service's requests, in the AWS SDKs' form:
/// `nimbus-aws/<version> api/<service>/<api version> os/<os> lang/rust/<rustc version>`,
/// the feature ids the SDKs send (`m/E` or `m/F` for the retry mode, `,M` for RPC v2 CBOR),
/// then `app/<id>` when the configuration names the application.
fn user_agent(service: &ServiceInfo, config: &Config) -> String {
    let mut ua = format!(
        "nimbus-aws/{} api/{}/{} os/{} lang/rust/{}",
        env!("CARGO_PKG_VERSION"),
        service.name.replace(' ', "_"),
        service.api_version,
        std::env::consts::OS,
        crate::rustc_version()
    );
    // The SDKs' feature ids (`m/`) this client is known to use from its
    // creation: the retry mode (E standard, F adaptive) and RPC v2 CBOR (M).
    ua.push_str(if config.get_adaptive_retries() { " m/F" } else { " m/E" });
    if service.protocol == Protocol::RpcV2Cbor {
        ua.push_str(",M");
    }
    if let Some(app) = config.get_app_id() {
        ua.push_str(" app/");
        ua.extend(app.chars().map(|c| if c.is_ascii_graphic() { c } else { '_' }));
    }
    ua
}

impl fmt::Debug for Aws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Aws").field("service", &self.service.name).field("config", &self.config).finish_non_exhaustive()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let aws = self.pipeline.provider();
        f.debug_struct("Client").field("service", &aws.service.name).field("config", &aws.config).finish()
    }
}

impl Client {
    /// A client for `service` with `config`.
    pub fn new(service: &'static ServiceInfo, config: Config) -> Self {
        // An endpoint configured for this service outside the code.
        let config = match (config.get_endpoint_url(), config.endpoint_url_for(service.name)) {
            (None, Some(url)) => config.endpoint_url(url),
            _ => config,
        };
        let credentials = config.credentials_provider();
        let rules = service.endpoint_rules.map(|json| crate::endpoint::RuleSet::parse(json).map_err(|e| e.message().to_owned()));
        let mut settings = config.settings().clone();
        let rate_limiter = config.get_adaptive_retries().then(|| Arc::new(crate::adaptive::RateLimiter::new()));
        if let Some(limiter) = &rate_limiter {
            settings = settings.interceptor(Successes(limiter.clone()));
        }
        let user_agent = user_agent(service, &config).into();
        let aws = Aws { service, config, credentials, rules, endpoint: OnceLock::new(), user_agent, rate_limiter };
        Client { pipeline: Pipeline::new(settings, aws), call_interceptors: Vec::new() }
    }

    fn aws(&self) -> &Aws {
        self.pipeline.provider()
    }

    /// This client with `interceptor` added for the calls made through the
    /// returned handle (after the configuration's interceptors).
    pub fn with_interceptor(&self, interceptor: impl nimbus_core::Interceptor) -> Client {
        let mut client = self.clone();
        client.call_interceptors.push(Arc::new(interceptor));
        client
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.aws().config
    }

    /// The service description.
    pub fn service(&self) -> &'static ServiceInfo {
        self.aws().service
    }

    /// The rules of the test double this client was built from, if any.
    #[cfg(feature = "test-util")]
    pub fn mocks(&self) -> Option<&nimbus_core::mock::Mocks> {
        self.pipeline.mocks()
    }

    /// A fresh idempotency token (UUIDv4 unless configured otherwise).
    pub fn idempotency_token(&self) -> String {
        self.aws().config.idempotency_token()
    }

    /// Runs the pipeline for a serialized request (see [`Pipeline::send`]).
    /// AWS standard mode retries every operation, so the operation's own
    /// idempotency is passed on only for the record.
    pub async fn send(&self, operation: &'static OperationInfo, mut request: HttpRequest) -> Result<HttpResponse, Error> {
        let aws = self.aws();
        let service = aws.service;
        request.headers.insert("User-Agent", &aws.user_agent);
        request.headers.insert("x-amz-user-agent", &aws.user_agent);
        // One id for all the attempts of this call.
        request.headers.insert("amz-sdk-invocation-id", uuid::Uuid::new_v4().to_string());
        if service.query_compatible {
            request.headers.insert("x-amzn-query-mode", "true");
        }
        for (name, value) in service.static_headers {
            if !request.headers.contains(name) {
                request.headers.insert(*name, *value);
            }
        }
        self.pipeline.send_with(operation, request, operation.idempotent, &self.call_interceptors).await
    }

    /// The endpoint requests go to: the service's endpoint rules (which let
    /// an endpoint URL set in the configuration win), else the override or
    /// the regional endpoint.
    pub fn endpoint(&self) -> Result<ResolvedEndpoint, Error> {
        self.aws().cached_endpoint().cloned()
    }
}

impl Aws {
    fn cached_endpoint(&self) -> Result<&ResolvedEndpoint, Error> {
        if let Some(endpoint) = self.endpoint.get() {
            return Ok(endpoint);
        }
        let resolved = self.resolve_endpoint(&[])?;
        Ok(self.endpoint.get_or_init(|| resolved))
    }

    /// The endpoint of `request`: the client's, unless the request carries
    /// endpoint parameters of its own (then resolved for it).
    fn endpoint_for(&self, request: &HttpRequest) -> Result<Cow<'_, ResolvedEndpoint>, Error> {
        if request.endpoint_params.is_empty() {
            self.cached_endpoint().map(Cow::Borrowed)
        } else {
            self.resolve_endpoint(&request.endpoint_params).map(Cow::Owned)
        }
    }

    fn resolve_endpoint(&self, request_params: &[(&'static str, EndpointParam)]) -> Result<ResolvedEndpoint, Error> {
        let config = &self.config;
        let service = self.service;
        let region = config.get_region();
        let mut resolved = ResolvedEndpoint {
            url: String::new(),
            signing_region: region.unwrap_or("us-east-1").to_owned(),
            signing_name: service.signing_name.to_owned(),
        };
        let Some(rules) = &self.rules else {
            resolved.url = match (config.get_endpoint_url(), region) {
                (Some(url), _) => url.to_owned(),
                (None, Some(region)) => format!("https://{}.{region}.amazonaws.com", service.endpoint_prefix),
                (None, None) => {
                    return Err(Error::config(format!(
                        "no region is configured for {}: set one with `Config::region` or AWS_REGION",
                        service.name
                    )));
                }
            };
            return Ok(resolved);
        };
        let rules = rules.as_ref().map_err(|m| Error::config(format!("the endpoint rules of {} are invalid: {m}", service.name)))?;
        let mut params = crate::endpoint::Params::default()
            .set_bool("UseFIPS", config.get_use_fips())
            .set_bool("UseDualStack", config.get_use_dual_stack());
        if let Some(r) = region {
            params = params.set_str("Region", r);
        }
        if let Some(url) = config.get_endpoint_url() {
            params = params.set_str("Endpoint", url);
        }
        let configured = config.get_endpoint_params().iter().map(|(n, v)| (n.as_str(), v));
        for (name, value) in configured.chain(request_params.iter().map(|(n, v)| (*n, v))) {
            params = match value {
                EndpointParam::Str(s) => params.set_str(name, s.as_str()),
                EndpointParam::Bool(b) => params.set_bool(name, *b),
            };
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
        Ok(resolved)
    }
}

impl Provider for Aws {
    fn service_name(&self) -> &'static str {
        self.service.name
    }

    fn endpoint(&self, request: &HttpRequest) -> Result<Cow<'_, str>, Error> {
        Ok(match self.endpoint_for(request)? {
            Cow::Borrowed(endpoint) => Cow::Borrowed(endpoint.url.as_str()),
            Cow::Owned(endpoint) => Cow::Owned(endpoint.url),
        })
    }

    /// Says which attempt this is (`amz-sdk-request: attempt=N; max=M`, as
    /// the AWS SDKs send it) and signs with SigV4 (in place: signing
    /// replaces the previous attempt's signature headers, so one request
    /// serves every attempt).
    async fn authorize(&self, request: &mut HttpRequest, attempt: nimbus_core::pipeline::Attempt) -> Result<(), Error> {
        request.headers.insert("amz-sdk-request", format!("attempt={}; max={}", attempt.number, attempt.max));
        if let Some(limiter) = &self.rate_limiter {
            limiter.acquire().await;
        }
        let Some(provider) = &self.credentials else { return Ok(()) };
        let scope = self.endpoint_for(request)?;
        let credentials = provider.provide().await?;
        let s3 = self.service.s3_signing;
        let settings = crate::sigv4::SigningSettings {
            normalize_path: !s3,
            double_uri_encode: !s3,
            payload_checksum_header: s3,
            ..crate::sigv4::SigningSettings::default()
        };
        let params = crate::sigv4::SigningParams {
            credentials: &credentials,
            region: &scope.signing_region,
            service: &scope.signing_name,
            time: std::time::SystemTime::now(),
            settings,
        };
        crate::sigv4::sign_request(request, &params)
    }

    fn read_error(&self, response: HttpResponse) -> Error {
        read_error(self.service.protocol, response)
    }

    fn classify(&self, error: &Error, operation: &OperationInfo, _idempotent: bool) -> RetryKind {
        let kind = crate::retry::classify(error, operation.retryable_errors);
        if let Some(limiter) = &self.rate_limiter {
            limiter.update(kind == RetryKind::Throttling);
        }
        kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_core::ErrorKind;
    use nimbus_core::http::{Headers, MockTransport};

    static SERVICE: ServiceInfo = ServiceInfo {
        name: "Test",
        api_version: "2020-01-01",
        protocol: Protocol::AwsJson1_1,
        endpoint_prefix: "test",
        signing_name: "test",
        endpoint_rules: None,
        query_compatible: false,
        s3_signing: false,
        static_headers: &[],
    };
    static OP: OperationInfo = OperationInfo { name: "Op", idempotent: false, retryable_errors: &[] };

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime").block_on(f)
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
    fn an_endpoint_configured_for_the_service_is_used() {
        let env = |name: &str| match name {
            "AWS_REGION" => Some("eu-west-1".to_owned()),
            "AWS_ENDPOINT_URL_TEST" => Some("http://localhost:4566".to_owned()),
            "AWS_CONFIG_FILE" | "AWS_SHARED_CREDENTIALS_FILE" => Some("/nonexistent".to_owned()),
            _ => None,
        };
        let client = Client::new(&SERVICE, Config::from_env_with(env).expect("config"));
        assert_eq!(client.endpoint().expect("endpoint").url, "http://localhost:4566");
        let client = Client::new(&SERVICE, Config::from_env_with(env).expect("config").endpoint_url("http://code:1"));
        assert_eq!(client.endpoint().expect("endpoint").url, "http://code:1", "the code's endpoint wins");
    }

    #[test]
    fn requests_are_signed_for_the_resolved_scope() {
        let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}"));
        let config = Config::new().region("eu-west-1").transport(mock.clone()).credentials(crate::Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        ));
        block_on(Client::new(&SERVICE, config).send(&OP, HttpRequest::new("POST", "/"))).expect("ok");
        let sent = &mock.requests()[0];
        assert_eq!(sent.url, "https://test.eu-west-1.amazonaws.com/");
        let auth = sent.headers.get("authorization").expect("signed");
        assert!(auth.contains("/eu-west-1/test/aws4_request"), "{auth}");
    }

    #[test]
    fn requests_name_the_sdk_the_service_and_the_application() {
        let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}"));
        let config = Config::new().region("eu-west-1").transport(mock.clone()).no_credentials().app_id("billing job\n");
        block_on(Client::new(&SERVICE, config).send(&OP, HttpRequest::new("POST", "/"))).expect("ok");
        let ua = mock.requests()[0].headers.get("user-agent").expect("a User-Agent").to_owned();
        assert!(ua.starts_with(&format!("nimbus-aws/{} api/Test/2020-01-01 os/", env!("CARGO_PKG_VERSION"))), "{ua}");
        let lang = format!(" lang/rust/{} m/E app/billing_job_", crate::rustc_version());
        assert!(ua.ends_with(&lang), "the compiler's version; no spaces or control characters from the id: {ua}");
        assert!(crate::rustc_version().starts_with("1."), "{}", crate::rustc_version());
        assert_eq!(mock.requests()[0].headers.get("x-amz-user-agent"), Some(ua.as_str()));
        let adaptive = Config::new().region("eu-west-1").no_credentials().adaptive_retries(true);
        let cbor = ServiceInfo { protocol: Protocol::RpcV2Cbor, ..SERVICE };
        assert!(user_agent(&cbor, &adaptive).ends_with(" m/F,M"), "{}", user_agent(&cbor, &adaptive));
    }
}
