//! The call pipeline every provider's client runs: resolve the endpoint ->
//! authorise the attempt -> send -> read the response -> classify a failure
//! -> retry or return.
//!
//! The pipeline knows no provider. What differs between AWS and Google (where
//! requests go, how an attempt is signed or authorised, how an error response
//! reads, which failures are worth another attempt) it asks a [`Provider`],
//! which `nimbus-aws` and `nimbus-google` implement. What every provider
//! shares (the transport, timeouts, limits, the retry budget) is in
//! [`Settings`], which each provider's configuration embeds.

use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse, ReqwestTransport, StreamingResponse, Transport};
use crate::limits::{MinThroughput, ResponseLimits};
use crate::retry::{RetryConfig, RetryKind, RetryQuota};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// What the pipeline needs to know about one operation (generated, `static`).
#[derive(Debug)]
pub struct OperationInfo {
    /// Operation name as in the spec, e.g. `GetSession`.
    pub name: &'static str,
    /// Safe to send again (`@idempotent`, `@readonly`, an idempotency
    /// token that stays the same across attempts, or a Google method the
    /// generator knows to be safe). Providers that retry only safe calls
    /// read it (see their [`Provider::classify`]).
    pub idempotent: bool,
    /// Codes of the operation's errors the model marks retryable.
    pub retryable_errors: &'static [&'static str],
}

/// The decisions a provider makes for every call of its services. The
/// pipeline is generic over it: calls are direct, and authorising an attempt
/// allocates nothing of its own.
pub trait Provider: Send + Sync + fmt::Debug + 'static {
    /// The service's name, for tracing spans and messages.
    fn service_name(&self) -> &'static str;

    /// The base URL `request` goes to (scheme, authority and an optional
    /// base path), resolved from the configuration and, when it has any,
    /// the request's [`endpoint_params`](HttpRequest::endpoint_params).
    fn endpoint(&self, request: &HttpRequest) -> Result<std::borrow::Cow<'_, str>, Error>;

    /// Authorises one attempt (signs it, or adds a token). Called before
    /// every attempt, so it replaces what an earlier attempt added;
    /// `attempt` says which one it is.
    fn authorize<'a>(&'a self, request: &'a mut HttpRequest, attempt: Attempt) -> impl Future<Output = Result<(), Error>> + Send + 'a;

    /// Turns a non-2xx response into a service [`Error`] with the code,
    /// message and request id the provider's protocols define. Never fails.
    fn read_error(&self, response: HttpResponse) -> Error;

    /// Whether a failed attempt is worth another one; `idempotent` says
    /// whether this call is safe to repeat.
    fn classify(&self, error: &Error, operation: &OperationInfo, idempotent: bool) -> RetryKind;
}

/// Which attempt of a call this is: `number` of at most `max` (both from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// This attempt, the first being 1.
    pub number: u32,
    /// The most attempts the call makes.
    pub max: u32,
}

/// A hook on the calls of a client, or of one call: it reads or changes
/// each attempt's request before the attempt is authorised (so a header it
/// adds is signed), and sees how each attempt ended. For headers, tracing
/// or metrics without wrapping the transport. Both methods do nothing by
/// default; interceptors run in the order they were added, the client's
/// before the call's.
pub trait Interceptor: Send + Sync + fmt::Debug + 'static {
    /// Before `attempt` is authorised: may change the request. An error
    /// ends the call with it.
    fn modify_request(&self, request: &mut HttpRequest, attempt: Attempt) -> Result<(), Error> {
        let _ = (request, attempt);
        Ok(())
    }

    /// After `attempt`: its response, whatever the status (an error
    /// response is decoded after this), or the error that ended it before a
    /// response came. Not called for streamed responses.
    fn read_response(&self, response: Result<&HttpResponse, &Error>, attempt: Attempt) {
        let _ = (response, attempt);
    }
}

/// The settings every provider's configuration shares: transport,
/// timeouts, response limits and retries.
///
/// Every call has timeouts and size limits by default (connect 3.1 s, 60 s
/// without a byte from the server, a minimum speed for buffered bodies,
/// 64 MiB per buffered body: see [`crate::limits`]); a whole call or attempt
/// has no time limit unless one is set.
#[derive(Clone, Default)]
pub struct Settings {
    transport: Option<Arc<dyn Transport>>,
    connect_timeout: Option<Duration>,
    limits: ResponseLimits,
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    retry: RetryConfig,
    interceptors: Vec<Arc<dyn Interceptor>>,
    #[cfg(feature = "test-util")]
    mocks: Option<Arc<crate::mock::Mocks>>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("transport", &self.transport)
            .field("connect_timeout", &self.get_connect_timeout())
            .field("limits", &self.limits)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("retry", &self.retry)
            .field("interceptors", &self.interceptors)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// The defaults described on the type.
    pub fn new() -> Self {
        Self::default()
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
    /// 64 MiB); a larger one fails with [`ErrorKind::ResponseTooLarge`].
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

    /// Retry settings (default: 3 attempts, exponential backoff from 1 s
    /// to 20 s with jitter).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Runs `interceptor` on every call (after those added before it).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Answers calls from typed rules instead of sending them (the
    /// generated `testing::Mock` of each service crate sets this).
    #[cfg(feature = "test-util")]
    #[doc(hidden)]
    pub fn mocks(mut self, mocks: Arc<crate::mock::Mocks>) -> Self {
        self.mocks = Some(mocks);
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

    /// The retry settings.
    pub fn get_retry(&self) -> RetryConfig {
        self.retry
    }

    /// The transport: the configured one, or reqwest with the connect
    /// timeout (a failure to build it is reported at the first call).
    fn make_transport(&self) -> Result<Arc<dyn Transport>, String> {
        match &self.transport {
            Some(t) => Ok(t.clone()),
            None => ReqwestTransport::new(Some(self.get_connect_timeout()))
                .map(|t| Arc::new(t) as Arc<dyn Transport>)
                .map_err(|e| e.to_string()),
        }
    }
}

/// Writes, inside an `impl` block of a provider's configuration type, the
/// builder methods of [`Settings`] (delegating to the field `$field`), so
/// both providers offer the shared knobs with one set of docs.
#[doc(hidden)]
#[macro_export]
macro_rules! settings_builders {
    ($field:ident) => {
        /// Uses `transport` to send requests (default: reqwest with rustls).
        pub fn transport(mut self, transport: impl $crate::http::Transport) -> Self {
            self.$field = self.$field.transport(transport);
            self
        }

        /// Runs `interceptor` on every call of the clients made from this
        /// configuration: it may change each attempt's request before it is
        /// signed and sees each attempt's response.
        pub fn interceptor(mut self, interceptor: impl $crate::pipeline::Interceptor) -> Self {
            self.$field = self.$field.interceptor(interceptor);
            self
        }

        /// Limit for establishing a connection (default transport only;
        /// default 3.1 s, as the AWS SDK for Rust).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field = self.$field.connect_timeout(timeout);
            self
        }

        /// The longest wait for the response head and between two chunks of
        /// the body, streamed bodies included (default 60 s): an idle
        /// timeout, so a long stream that keeps sending is never cut.
        pub fn read_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field = self.$field.read_timeout(timeout);
            self
        }

        /// The largest successful response body read into memory (default
        /// 64 MiB); a larger one fails with `ErrorKind::ResponseTooLarge`.
        /// Streamed responses are not buffered and not limited.
        pub fn max_response_body_bytes(mut self, bytes: usize) -> Self {
            self.$field = self.$field.max_response_body_bytes(bytes);
            self
        }

        /// How much of an error response's body is read (default 64 KiB).
        pub fn max_error_body_bytes(mut self, bytes: usize) -> Self {
            self.$field = self.$field.max_error_body_bytes(bytes);
            self
        }

        /// The slowest a buffered body may arrive (default 1 KiB/s on
        /// average, judged after 20 s); `None` turns the check off.
        pub fn min_throughput(mut self, minimum: Option<$crate::limits::MinThroughput>) -> Self {
            self.$field = self.$field.min_throughput(minimum);
            self
        }

        /// Limit for one attempt: sending the request and reading the response.
        pub fn attempt_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field = self.$field.attempt_timeout(timeout);
            self
        }

        /// Limit for the whole call, all attempts included.
        pub fn call_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field = self.$field.call_timeout(timeout);
            self
        }

        /// Retry settings (default: 3 attempts, exponential backoff from
        /// 1 s to 20 s with jitter).
        pub fn retry(mut self, retry: $crate::retry::RetryConfig) -> Self {
            self.$field = self.$field.retry(retry);
            self
        }

        /// The settings every provider shares (transport, timeouts, limits, retries).
        pub fn settings(&self) -> &$crate::pipeline::Settings {
            &self.$field
        }

        /// The retry settings.
        pub fn get_retry(&self) -> $crate::retry::RetryConfig {
            self.$field.get_retry()
        }
    };
}

/// The provider-neutral core of a service client, with the decisions of
/// provider `P`: cheap to clone (one reference count).
pub struct Pipeline<P> {
    inner: Arc<Inner<P>>,
}

struct Inner<P> {
    settings: Settings,
    transport: Result<Arc<dyn Transport>, String>,
    quota: RetryQuota,
    provider: P,
}

impl<P> Clone for Pipeline<P> {
    fn clone(&self) -> Self {
        Pipeline { inner: self.inner.clone() }
    }
}

impl<P: fmt::Debug> fmt::Debug for Pipeline<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline").field("provider", &self.inner.provider).field("settings", &self.inner.settings).finish()
    }
}

impl<P: Provider> Pipeline<P> {
    /// A pipeline sending with `settings` and asking `provider` what differs
    /// per provider.
    pub fn new(settings: Settings, provider: P) -> Self {
        let transport = settings.make_transport();
        Pipeline { inner: Arc::new(Inner { settings, transport, quota: RetryQuota::default(), provider }) }
    }

    /// The provider's decisions.
    pub fn provider(&self) -> &P {
        &self.inner.provider
    }

    /// The shared settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The typed answers of a test double, when the client was built from one.
    #[cfg(feature = "test-util")]
    pub fn mocks(&self) -> Option<&crate::mock::Mocks> {
        self.inner.settings.mocks.as_deref()
    }

    /// Runs a call: resolves the endpoint, then sends attempts (authorised
    /// each time) until one succeeds, a failure is final, or the attempts or
    /// the retry quota run out. A non-2xx response becomes the provider's
    /// service error; generated code turns the codes it models into typed
    /// errors. `idempotent` says whether this call is safe to repeat (the
    /// operation's flag, or a per-request decision).
    pub async fn send(&self, operation: &'static OperationInfo, request: HttpRequest, idempotent: bool) -> Result<HttpResponse, Error> {
        self.send_with(operation, request, idempotent, &[]).await
    }

    /// [`send`](Self::send) with `interceptors` for this call only (after
    /// the configuration's).
    pub async fn send_with(
        &self,
        operation: &'static OperationInfo,
        request: HttpRequest,
        idempotent: bool,
        interceptors: &[Arc<dyn Interceptor>],
    ) -> Result<HttpResponse, Error> {
        let span = self.call_span(operation);
        let call = async {
            match self.inner.settings.call_timeout {
                Some(limit) => tokio::time::timeout(limit, self.attempts(operation, request, idempotent, interceptors))
                    .await
                    .map_err(|_| Error::new(ErrorKind::Timeout, format!("the call took longer than {limit:?}")))?,
                None => self.attempts(operation, request, idempotent, interceptors).await,
            }
        };
        call.instrument(span).await
    }

    /// The configuration's interceptors, then `extra`.
    fn interceptors<'a>(&'a self, extra: &'a [Arc<dyn Interceptor>]) -> impl Iterator<Item = &'a Arc<dyn Interceptor>> {
        self.inner.settings.interceptors.iter().chain(extra)
    }

    /// Lets every interceptor change the request of `attempt`.
    fn modify_request(&self, extra: &[Arc<dyn Interceptor>], request: &mut HttpRequest, attempt: Attempt) -> Result<(), Error> {
        self.interceptors(extra).try_for_each(|interceptor| interceptor.modify_request(request, attempt))
    }

    /// The tracing span of one call (all its attempts).
    fn call_span(&self, operation: &OperationInfo) -> tracing::Span {
        tracing::debug_span!("nimbus.call", service = self.inner.provider.service_name(), operation = operation.name)
    }

    async fn attempts(
        &self,
        operation: &'static OperationInfo,
        request: HttpRequest,
        idempotent: bool,
        extra: &[Arc<dyn Interceptor>],
    ) -> Result<HttpResponse, Error> {
        let provider = &self.inner.provider;
        let mut request = self.locate(request)?;
        let retry = self.inner.settings.retry;
        let mut attempt = 1;
        let mut retry_cost = None;
        loop {
            let this = Attempt { number: attempt, max: retry.max_attempts };
            self.modify_request(extra, &mut request, this)?;
            provider.authorize(&mut request, this).await?;
            let outcome = self.attempt(&request).await;
            for interceptor in self.interceptors(extra) {
                interceptor.read_response(outcome.as_ref(), this);
            }
            let result = outcome.and_then(|response| if response.is_success() { Ok(response) } else { Err(provider.read_error(response)) });
            let error = match result {
                Ok(response) => {
                    tracing::debug!(status = response.status, attempt, "response");
                    self.inner.quota.release(retry_cost);
                    return Ok(response);
                }
                Err(e) => e,
            };
            if provider.classify(&error, operation, idempotent) == RetryKind::Final || attempt >= retry.max_attempts {
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

    /// Like [`send`](Self::send) but returns the response as it streams in
    /// (one attempt; each chunk must arrive within the read timeout, and
    /// there is no total limit; a non-2xx answer is read, up to the error
    /// body limit, and returned as an error).
    pub async fn send_streaming(&self, operation: &'static OperationInfo, request: HttpRequest) -> Result<StreamingResponse, Error> {
        let span = self.call_span(operation);
        async {
            let mut request = self.locate(request)?;
            let only = Attempt { number: 1, max: 1 };
            self.modify_request(&[], &mut request, only)?;
            self.inner.provider.authorize(&mut request, only).await?;
            let transport = self.transport()?;
            let limits = self.inner.settings.limits;
            let mut response = limits.send(transport, &request).await?;
            if (200..300).contains(&response.status) {
                response.body = limits.idle_timeout(response.body);
                return Ok(response);
            }
            let full = limits.collect(response).await?;
            Err(self.inner.provider.read_error(full))
        }
        .instrument(span)
        .await
    }

    fn transport(&self) -> Result<&dyn Transport, Error> {
        self.inner.transport.as_deref().map_err(|m| Error::config(m.to_owned()))
    }

    async fn attempt(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let exchange = self.inner.settings.limits.send_full(self.transport()?, request);
        match self.inner.settings.attempt_timeout {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .map_err(|_| Error::new(ErrorKind::Timeout, format!("the attempt took longer than {limit:?}")))?,
            None => exchange.await,
        }
    }

    /// Puts the request at the provider's endpoint (or the request's own
    /// [`endpoint_override`](HttpRequest::endpoint_override)): the endpoint's scheme,
    /// the request's host prefix, the endpoint's authority and base path,
    /// then the request's path and query; sets `Content-Length`.
    fn locate(&self, mut request: HttpRequest) -> Result<HttpRequest, Error> {
        if !request.body.is_empty() {
            request.headers.insert("Content-Length", request.body.len().to_string());
        }
        let url = match request.endpoint_override.clone() {
            Some(url) => std::borrow::Cow::Owned(url),
            None => self.inner.provider.endpoint(&request)?,
        };
        let url = url.as_ref();
        let redacted = || crate::http::redact_url(url);
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| Error::config(format!("endpoint `{}` has no scheme (expected http:// or https://)", redacted())))?;
        let (authority, base_path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(Error::config(format!("endpoint `{}` has no host", redacted())));
        }
        let prefix = request.host_prefix.take().unwrap_or_default();
        // A request without a path of its own is the endpoint's path (`/`
        // when the endpoint has none).
        let root = if base_path.is_empty() && (request.url.is_empty() || request.url.starts_with('?')) { "/" } else { "" };
        request.url = [scheme, "://", &prefix, authority, base_path, root, &request.url].concat();
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Headers, MockTransport};

    /// A provider with a fixed endpoint that adds a header per attempt and
    /// retries every server error.
    #[derive(Debug)]
    struct Fixed(&'static str);

    impl Provider for Fixed {
        fn service_name(&self) -> &'static str {
            "Test"
        }
        fn endpoint(&self, _: &HttpRequest) -> Result<std::borrow::Cow<'_, str>, Error> {
            Ok(self.0.into())
        }
        async fn authorize(&self, request: &mut HttpRequest, _: Attempt) -> Result<(), Error> {
            request.headers.insert("x-authorized", "yes");
            Ok(())
        }
        fn read_error(&self, response: HttpResponse) -> Error {
            Error::service(format!("Http{}", response.status), "failed", None, response)
        }
        fn classify(&self, error: &Error, _: &OperationInfo, _: bool) -> RetryKind {
            if error.status().is_some_and(|s| s >= 500) { RetryKind::Transient } else { RetryKind::Final }
        }
    }

    static OP: OperationInfo = OperationInfo { name: "Op", idempotent: false, retryable_errors: &[] };

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime").block_on(f)
    }

    fn pipeline(endpoint: &'static str, settings: Settings) -> Pipeline<Fixed> {
        Pipeline::new(settings, Fixed(endpoint))
    }

    #[test]
    fn endpoint_keeps_base_path_and_host_prefix() {
        let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}"));
        let p = pipeline("https://example.com/custom/", Settings::new().transport(mock.clone()));
        let mut req = HttpRequest::new("POST", "/");
        req.host_prefix = Some("foo.".into());
        block_on(p.send(&OP, req, false)).expect("ok");
        assert_eq!(mock.requests()[0].url, "https://foo.example.com/custom/");
        assert_eq!(mock.requests()[0].headers.get("x-authorized"), Some("yes"));
    }

    #[test]
    fn a_request_without_a_path_is_the_endpoints_own() {
        for (endpoint, url, expected) in [
            ("https://s3.example.com/bucket", "?list-type=2", "https://s3.example.com/bucket?list-type=2"),
            ("https://bucket.s3.example.com", "?list-type=2", "https://bucket.s3.example.com/?list-type=2"),
            ("https://bucket.s3.example.com", "", "https://bucket.s3.example.com/"),
        ] {
            let mock = MockTransport::new(HttpResponse::new(200, Headers::new(), "{}"));
            let p = pipeline(endpoint, Settings::new().transport(mock.clone()));
            block_on(p.send(&OP, HttpRequest::new("GET", url), true)).expect("ok");
            assert_eq!(mock.requests()[0].url, expected);
        }
    }

    #[test]
    fn endpoint_without_scheme_or_host_is_a_config_error() {
        for endpoint in ["example.com", "https:///path"] {
            let p = pipeline(endpoint, Settings::new().transport(MockTransport::default()));
            let err = block_on(p.send(&OP, HttpRequest::new("GET", "/"), true)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{endpoint}: {err}");
        }
    }

    #[test]
    fn provider_decides_what_is_retried() {
        let mock = MockTransport::default();
        mock.push(HttpResponse::new(503, Headers::new(), ""));
        mock.push(HttpResponse::new(400, Headers::new(), ""));
        let retry = RetryConfig { max_attempts: 5, initial_backoff: Duration::from_millis(1), max_backoff: Duration::from_millis(2) };
        let p = pipeline("http://127.0.0.1:1", Settings::new().transport(mock.clone()).retry(retry));
        let err = block_on(p.send(&OP, HttpRequest::new("POST", "/"), false)).unwrap_err();
        assert_eq!((err.code(), mock.requests().len()), (Some("Http400"), 2), "503 retried, 400 final");
    }

    #[test]
    fn attempt_timeout_is_a_timeout_error() {
        #[derive(Debug)]
        struct Never;
        impl Transport for Never {
            fn send<'a>(&'a self, _: &'a HttpRequest) -> crate::http::BoxFuture<'a, Result<StreamingResponse, Error>> {
                Box::pin(std::future::pending())
            }
        }
        let p = pipeline("http://127.0.0.1:1", Settings::new().transport(Never).attempt_timeout(Duration::from_millis(20)));
        let err = block_on(p.send(&OP, HttpRequest::new("POST", "/"), false)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
    }
}
