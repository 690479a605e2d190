//! The Google client core every generated Google client wraps: the core
//! [`Pipeline`] with the Google decisions (endpoint, emulator, bearer
//! tokens, `google.rpc.Status` errors, AIP-194 retries).

use crate::auth::ProvideToken;
use crate::config::Config;
use nimbus_core::http::{HttpRequest, HttpResponse, StreamingResponse};
use nimbus_core::pipeline::{OperationInfo, Pipeline, Provider};
use nimbus_core::retry::RetryKind;
use nimbus_core::{Error, ErrorKind};
use std::fmt;
use std::sync::Arc;

/// What the pipeline needs to know about a Google API (generated, `static`).
#[derive(Debug)]
pub struct ServiceInfo {
    /// The API's name, e.g. `spanner`.
    pub name: &'static str,
    /// API version, e.g. `v1`.
    pub api_version: &'static str,
    /// The standard endpoint: the Discovery document's `rootUrl` +
    /// `servicePath`, e.g. `https://spanner.googleapis.com/`.
    pub default_endpoint: &'static str,
    /// Environment variable naming a local emulator (`host:port`): when set,
    /// requests go there over plain HTTP, unauthenticated
    /// (`SPANNER_EMULATOR_HOST`).
    pub emulator_env: Option<&'static str>,
    /// When the emulator variable names the emulator's gRPC address and its
    /// REST gateway listens on another port (Spanner): the variable naming
    /// the REST port, and the port when it is not set
    /// (`SPANNER_EMULATOR_REST_PORT`, 9020).
    pub emulator_rest_port: Option<(&'static str, u16)>,
}

/// The host of a `host:port` address (`[::1]:9010` keeps its brackets).
fn host_of(address: &str) -> &str {
    match address.rfind(':') {
        Some(i) if !address[i..].contains(']') => &address[..i],
        _ => address,
    }
}

/// The shared core of a generated Google client: cheap to clone.
#[derive(Clone)]
pub struct Client {
    pipeline: Pipeline<Google>,
}

/// The Google decisions for one client (the pipeline's [`Provider`]).
struct Google {
    service: &'static ServiceInfo,
    config: Config,
    endpoint: String,
    /// Where tokens come from; `None` when requests go unauthenticated (an
    /// emulator, `no_credentials`).
    tokens: Option<Result<Arc<dyn ProvideToken>, String>>,
}

impl fmt::Debug for Google {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Google").field("service", &self.service.name).field("config", &self.config).finish_non_exhaustive()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let google = self.google();
        f.debug_struct("Client").field("service", &google.service.name).field("config", &google.config).finish()
    }
}

impl Client {
    /// A client for `service` with `config`. The emulator variable is read
    /// here, once.
    pub fn new(service: &'static ServiceInfo, config: Config) -> Self {
        Self::with_env(service, config, |name| std::env::var(name).ok())
    }

    /// [`new`](Self::new) reading the emulator variable through `env`.
    pub fn with_env(service: &'static ServiceInfo, config: Config, env: impl Fn(&str) -> Option<String>) -> Self {
        let from_variable = || {
            let address = service.emulator_env.and_then(&env).filter(|host| !host.is_empty())?;
            Some(match service.emulator_rest_port {
                Some((variable, default)) => {
                    let port = env(variable).and_then(|p| p.trim().parse::<u16>().ok()).unwrap_or(default);
                    format!("{}:{port}", host_of(&address))
                }
                None => address,
            })
        };
        let emulator = config.get_emulator_host().filter(|host| !host.is_empty()).map(str::to_owned).or_else(from_variable);
        let endpoint = match (config.get_endpoint_url(), &emulator) {
            (Some(url), _) => url.to_owned(),
            (None, Some(host)) => format!("http://{host}"),
            (None, None) => in_universe(service.default_endpoint, config.get_universe_domain()),
        };
        let tokens = (emulator.is_none() && !config.get_no_credentials()).then(|| token_provider(service, &config));
        let settings = config.settings().clone();
        let google = Google { service, config, endpoint, tokens };
        Client { pipeline: Pipeline::new(settings, google) }
    }

    fn google(&self) -> &Google {
        self.pipeline.provider()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.google().config
    }

    /// The service description.
    pub fn service(&self) -> &'static ServiceInfo {
        self.google().service
    }

    /// The rules of the test double this client was built from, if any.
    #[cfg(feature = "test-util")]
    pub fn mocks(&self) -> Option<&nimbus_core::mock::Mocks> {
        self.pipeline.mocks()
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &str {
        &self.google().endpoint
    }

    /// Runs the pipeline for a serialized request (see [`Pipeline::send`]),
    /// retrying transient failures only when the operation is safe to repeat.
    pub async fn send(&self, operation: &'static OperationInfo, request: HttpRequest) -> Result<HttpResponse, Error> {
        self.pipeline.send(operation, request, operation.idempotent).await
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
        self.pipeline.send(operation, request, idempotent).await
    }

    /// The response as it streams in (see [`Pipeline::send_streaming`]).
    pub async fn send_streaming(&self, operation: &'static OperationInfo, request: HttpRequest) -> Result<StreamingResponse, Error> {
        self.pipeline.send_streaming(operation, request).await
    }
}

/// `endpoint` with `googleapis.com` replaced by the universe `domain`.
fn in_universe(endpoint: &str, domain: Option<&str>) -> String {
    match domain {
        Some(domain) if domain != "googleapis.com" => endpoint.replacen(".googleapis.com", &[".", domain].concat(), 1),
        _ => endpoint.to_owned(),
    }
}

/// The configured token provider, else Application Default Credentials
/// (feature `google-adc`), else an error reported at the first call.
fn token_provider(service: &ServiceInfo, config: &Config) -> Result<Arc<dyn ProvideToken>, String> {
    if let Some(provider) = config.get_token() {
        return Ok(provider.clone());
    }
    default_token_provider(service)
}

#[cfg(feature = "google-adc")]
fn default_token_provider(_: &ServiceInfo) -> Result<Arc<dyn ProvideToken>, String> {
    Ok(Arc::new(crate::adc::ApplicationDefaultCredentials::new()))
}

#[cfg(not(feature = "google-adc"))]
fn default_token_provider(service: &ServiceInfo) -> Result<Arc<dyn ProvideToken>, String> {
    Err(format!(
        "no access token for {}: set `Config::token_provider` (or enable the `google-adc` feature), or point `{}` at an emulator",
        service.name,
        service.emulator_env.unwrap_or("the emulator variable")
    ))
}

impl Provider for Google {
    fn service_name(&self) -> &'static str {
        self.service.name
    }

    fn endpoint(&self, _: &HttpRequest) -> Result<std::borrow::Cow<'_, str>, Error> {
        Ok(self.endpoint.as_str().into())
    }

    /// Adds the bearer token (unless an emulator or `no_credentials` says
    /// not to) and the quota project.
    async fn authorize(&self, request: &mut HttpRequest, _: nimbus_core::pipeline::Attempt) -> Result<(), Error> {
        if let Some(project) = self.config.get_quota_project() {
            request.headers.insert("x-goog-user-project", project.to_owned());
        }
        let Some(tokens) = &self.tokens else { return Ok(()) };
        let provider = tokens.as_ref().map_err(|m| Error::new(ErrorKind::Credentials, m.clone()))?;
        let token = provider.token().await?;
        request.headers.insert("Authorization", ["Bearer ", &token].concat());
        Ok(())
    }

    fn read_error(&self, response: HttpResponse) -> Error {
        crate::error::read_error(response)
    }

    fn classify(&self, error: &Error, _operation: &OperationInfo, idempotent: bool) -> RetryKind {
        crate::error::classify(error, idempotent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StaticToken;
    use nimbus_core::http::{Headers, MockTransport};

    static SERVICE: ServiceInfo = ServiceInfo {
        name: "spanner",
        api_version: "v1",
        default_endpoint: "https://spanner.googleapis.com/",
        emulator_env: Some("TEST_EMULATOR_HOST"),
        emulator_rest_port: None,
    };
    static OP: OperationInfo = OperationInfo { name: "get", idempotent: true, retryable_errors: &[] };

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime").block_on(f)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn sent(config: Config, env: impl Fn(&str) -> Option<String>) -> HttpRequest {
        let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}"));
        let client = Client::with_env(&SERVICE, config.transport(mock.clone()), env);
        block_on(client.send(&OP, HttpRequest::new("GET", "/v1/x"))).expect("ok");
        mock.requests().remove(0)
    }

    #[test]
    fn token_and_quota_project_are_sent() {
        let request = sent(Config::new().token_provider(StaticToken::new("tok")).quota_project("billing"), no_env);
        assert_eq!(request.url, "https://spanner.googleapis.com/v1/x");
        assert_eq!(request.headers.get("authorization"), Some("Bearer tok"));
        assert_eq!(request.headers.get("x-goog-user-project"), Some("billing"));
    }

    #[test]
    fn universe_domain_moves_the_standard_endpoint() {
        let request = sent(Config::new().no_credentials().universe_domain("example-universe.net"), no_env);
        assert_eq!(request.url, "https://spanner.example-universe.net/v1/x");
        let env = |name: &str| (name == "GOOGLE_CLOUD_UNIVERSE_DOMAIN").then(|| "u.example".to_owned());
        assert_eq!(Config::from_env_with(env).get_universe_domain(), Some("u.example"));
    }

    #[test]
    fn emulator_goes_unauthenticated_and_endpoint_url_wins() {
        let env = |name: &str| (name == "TEST_EMULATOR_HOST").then(|| "127.0.0.1:9020".to_owned());
        let request = sent(Config::new().token_provider(StaticToken::new("tok")), env);
        assert_eq!((request.url.as_str(), request.headers.get("authorization")), ("http://127.0.0.1:9020/v1/x", None));
        let request = sent(Config::new().no_credentials().emulator_host("localhost:1"), no_env);
        assert_eq!(request.url, "http://localhost:1/v1/x");
        let request = sent(Config::new().no_credentials().endpoint_url("http://127.0.0.1:2/"), env);
        assert_eq!(request.url, "http://127.0.0.1:2/v1/x");
    }

    /// Spanner's convention: the variable names the gRPC address; REST goes
    /// to the same host on the REST port (its own variable, else 9020).
    #[test]
    fn emulator_variable_names_the_grpc_address() {
        static SPANNER: ServiceInfo = ServiceInfo {
            name: "spanner",
            api_version: "v1",
            default_endpoint: "https://spanner.googleapis.com/",
            emulator_env: Some("TEST_EMULATOR_HOST"),
            emulator_rest_port: Some(("TEST_EMULATOR_REST_PORT", 9020)),
        };
        let url = |vars: &'static [(&'static str, &'static str)]| {
            let env = move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned());
            Client::with_env(&SPANNER, Config::new(), env).endpoint().to_owned()
        };
        assert_eq!(url(&[("TEST_EMULATOR_HOST", "localhost:9010")]), "http://localhost:9020");
        assert_eq!(url(&[("TEST_EMULATOR_HOST", "127.0.0.1:9010"), ("TEST_EMULATOR_REST_PORT", "19020")]), "http://127.0.0.1:19020");
        assert_eq!(url(&[("TEST_EMULATOR_HOST", "[::1]:9010")]), "http://[::1]:9020");
        assert_eq!(url(&[("TEST_EMULATOR_HOST", "emulator")]), "http://emulator:9020");
        assert_eq!(Client::with_env(&SPANNER, Config::new().emulator_host("h:1"), no_env).endpoint(), "http://h:1");
    }
}
