//! Application Default Credentials (feature `google-adc`), on the runtime's
//! own HTTP transport.
//!
//! The search Google documents (AIP-4110): the JSON file named by
//! `GOOGLE_APPLICATION_CREDENTIALS`, then gcloud's file
//! (`application_default_credentials.json` in gcloud's configuration
//! directory), then the metadata server of the machine (`GCE_METADATA_HOST`
//! or `metadata.google.internal`). Files hold a service account key (a JWT
//! signed with RS256, by `ring`, which rustls already brings, exchanged for
//! a token) or gcloud user credentials (a refresh token). Tokens are cached
//! and renewed a few minutes before they expire; neither tokens nor keys
//! ever reach `Debug` output or logs.

use crate::auth::ProvideToken;
use base64::Engine as _;
use nimbus_core::http::{BoxFuture, HttpRequest, ReqwestTransport};
use nimbus_core::protocol::rest::push_percent_encoded;
use nimbus_core::{Error, ErrorKind};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The scope Google Cloud APIs accept for everything.
pub const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Where a service account key or user credentials are exchanged when the
/// file names no `token_uri`.
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// Tokens are renewed this long before they expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(225);

/// The longest a token request may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Tokens from Application Default Credentials (found on first use).
pub struct ApplicationDefaultCredentials {
    scopes: Vec<String>,
    source: Source,
    state: tokio::sync::Mutex<State>,
}

/// Where the credentials come from.
#[derive(Debug)]
enum Source {
    /// The ADC search.
    Search,
    /// A credentials file (service account key or gcloud user credentials).
    File(PathBuf),
    /// A metadata server at this base URL.
    MetadataServer(String),
}

#[derive(Default)]
struct State {
    credential: Option<Credential>,
    /// The current token and when it expires.
    token: Option<(String, Instant)>,
    transport: Option<ReqwestTransport>,
}

/// Usable credentials; the secrets in them have no `Debug`.
enum Credential {
    ServiceAccount { email: String, key_id: Option<String>, key: Box<ring::signature::RsaKeyPair>, token_uri: String },
    AuthorizedUser { client_id: String, client_secret: String, refresh_token: String, token_uri: String },
    MetadataServer { base: String },
}

impl fmt::Debug for ApplicationDefaultCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationDefaultCredentials").field("scopes", &self.scopes).field("source", &self.source).finish_non_exhaustive()
    }
}

impl ApplicationDefaultCredentials {
    /// ADC with the `cloud-platform` scope.
    pub fn new() -> Self {
        Self::with_scopes([CLOUD_PLATFORM])
    }

    /// ADC with these OAuth scopes.
    pub fn with_scopes<S: Into<String>>(scopes: impl IntoIterator<Item = S>) -> Self {
        Self::from_source(Source::Search, scopes.into_iter().map(Into::into).collect())
    }

    /// A credentials file (a service account key or gcloud user
    /// credentials, JSON) instead of the ADC search.
    pub fn from_file(path: impl Into<PathBuf>, scopes: &[&str]) -> Self {
        Self::from_source(Source::File(path.into()), scopes.iter().map(|s| (*s).to_owned()).collect())
    }

    /// A service account key file (JSON) instead of the ADC search (the
    /// same as [`from_file`](Self::from_file)).
    pub fn from_service_account_file(path: impl Into<PathBuf>, scopes: &[&str]) -> Self {
        Self::from_file(path, scopes)
    }

    /// The metadata server at `base_url` (`http://metadata.google.internal`
    /// on Google Cloud) instead of the ADC search.
    pub fn from_metadata_server(base_url: impl Into<String>, scopes: &[&str]) -> Self {
        Self::from_source(Source::MetadataServer(base_url.into()), scopes.iter().map(|s| (*s).to_owned()).collect())
    }

    fn from_source(source: Source, scopes: Vec<String>) -> Self {
        ApplicationDefaultCredentials { scopes, source, state: tokio::sync::Mutex::new(State::default()) }
    }

    /// Finds the credentials this provider uses.
    fn resolve(&self) -> Result<Credential, Error> {
        match &self.source {
            Source::File(path) => read_file(path),
            Source::MetadataServer(base) => Ok(Credential::MetadataServer { base: base.trim_end_matches('/').to_owned() }),
            Source::Search => {
                if let Some(path) = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").filter(|p| !p.is_empty()) {
                    return read_file(Path::new(&path));
                }
                if let Some(path) = gcloud_file().filter(|p| p.is_file()) {
                    return read_file(&path);
                }
                let host = std::env::var("GCE_METADATA_HOST").ok().filter(|h| !h.is_empty());
                Ok(Credential::MetadataServer { base: format!("http://{}", host.as_deref().unwrap_or("metadata.google.internal")) })
            }
        }
    }
}

impl Default for ApplicationDefaultCredentials {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideToken for ApplicationDefaultCredentials {
    fn token(&self) -> BoxFuture<'_, Result<String, Error>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let State { credential, token, transport } = &mut *state;
            if let Some((value, expires)) = token {
                if Instant::now() + REFRESH_MARGIN < *expires {
                    return Ok(value.clone());
                }
            }
            let credential = match credential {
                Some(c) => c,
                None => credential.insert(self.resolve()?),
            };
            let transport = match transport {
                Some(t) => t,
                None => transport.insert(ReqwestTransport::new(Some(Duration::from_secs(10)))?),
            };
            let request = token_request(credential, &self.scopes)?;
            let (value, lifetime) = tokio::time::timeout(TOKEN_TIMEOUT, fetch(transport, &request, credential)).await.map_err(|_| {
                credentials_error(format!("the token request to {} took longer than {TOKEN_TIMEOUT:?}", origin_of(&request.url)))
            })??;
            *token = Some((value.clone(), Instant::now() + lifetime));
            Ok(value)
        })
    }
}

/// gcloud's ADC file: `$CLOUDSDK_CONFIG`, else `%APPDATA%\gcloud` on
/// Windows and `$HOME/.config/gcloud` elsewhere.
fn gcloud_file() -> Option<PathBuf> {
    let dir = match std::env::var_os("CLOUDSDK_CONFIG").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None if cfg!(windows) => PathBuf::from(std::env::var_os("APPDATA")?).join("gcloud"),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config").join("gcloud"),
    };
    Some(dir.join("application_default_credentials.json"))
}

fn credentials_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Credentials, message)
}

/// Reads a credentials file: `service_account` or `authorized_user`.
fn read_file(path: &Path) -> Result<Credential, Error> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| credentials_error(format!("cannot read the credentials file {shown}: {e}")))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| credentials_error(format!("the credentials file {shown} is not JSON: {e}")))?;
    let field = |name: &str| -> Result<String, Error> {
        json.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| credentials_error(format!("the credentials file {shown} has no `{name}`")))
    };
    let token_uri = json.get("token_uri").and_then(Value::as_str).unwrap_or(DEFAULT_TOKEN_URI).to_owned();
    match json.get("type").and_then(Value::as_str) {
        Some("service_account") => {
            let der = pem_private_key(&field("private_key")?)
                .ok_or_else(|| credentials_error(format!("the `private_key` of {shown} is not a PEM `PRIVATE KEY` (PKCS #8)")))?;
            let key = ring::signature::RsaKeyPair::from_pkcs8(&der)
                .map_err(|e| credentials_error(format!("the `private_key` of {shown} is not a usable RSA key: {e}")))?;
            let key_id = json.get("private_key_id").and_then(Value::as_str).map(str::to_owned);
            Ok(Credential::ServiceAccount { email: field("client_email")?, key_id, key: Box::new(key), token_uri })
        }
        Some("authorized_user") => Ok(Credential::AuthorizedUser {
            client_id: field("client_id")?,
            client_secret: field("client_secret")?,
            refresh_token: field("refresh_token")?,
            token_uri,
        }),
        Some(other) => Err(credentials_error(format!(
            "the credentials file {shown} is of type `{other}`, which this client does not support (use `service_account` or `authorized_user`)"
        ))),
        None => Err(credentials_error(format!("the credentials file {shown} has no `type`"))),
    }
}

/// The DER bytes of a PEM `PRIVATE KEY` block.
fn pem_private_key(pem: &str) -> Option<Vec<u8>> {
    let body = pem.split("-----BEGIN PRIVATE KEY-----").nth(1)?.split("-----END PRIVATE KEY-----").next()?;
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(base64).ok()
}

/// The HTTP request that obtains a token with `credential`.
fn token_request(credential: &Credential, scopes: &[String]) -> Result<HttpRequest, Error> {
    let mut form = String::new();
    let mut field = |name: &str, value: &str| {
        if !form.is_empty() {
            form.push('&');
        }
        form.push_str(name);
        form.push('=');
        push_percent_encoded(&mut form, value.as_bytes(), false);
    };
    let url = match credential {
        Credential::ServiceAccount { email, key_id, key, token_uri } => {
            field("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
            field("assertion", &signed_jwt(email, key_id.as_deref(), key, token_uri, scopes)?);
            token_uri.clone()
        }
        Credential::AuthorizedUser { client_id, client_secret, refresh_token, token_uri } => {
            field("grant_type", "refresh_token");
            field("client_id", client_id);
            field("client_secret", client_secret);
            field("refresh_token", refresh_token);
            token_uri.clone()
        }
        Credential::MetadataServer { base } => {
            let mut url = format!("{base}/computeMetadata/v1/instance/service-accounts/default/token");
            if !scopes.is_empty() {
                url.push_str("?scopes=");
                push_percent_encoded(&mut url, scopes.join(",").as_bytes(), false);
            }
            let mut request = HttpRequest::new("GET", url);
            request.headers.insert("Metadata-Flavor", "Google");
            return Ok(request);
        }
    };
    let mut request = HttpRequest::new("POST", url);
    request.headers.insert("Content-Type", "application/x-www-form-urlencoded");
    request.body = form.into();
    Ok(request)
}

/// A JWT asserting the service account, signed with RS256, valid for an
/// hour.
fn signed_jwt(
    email: &str,
    key_id: Option<&str>,
    key: &ring::signature::RsaKeyPair,
    audience: &str,
    scopes: &[String],
) -> Result<String, Error> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
    if let Some(kid) = key_id {
        header["kid"] = kid.into();
    }
    let claims = serde_json::json!({"iss": email, "scope": scopes.join(" "), "aud": audience, "iat": now, "exp": now + 3600});
    let mut jwt = format!("{}.{}", b64.encode(header.to_string()), b64.encode(claims.to_string()));
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), jwt.as_bytes(), &mut signature)
        .map_err(|_| credentials_error("cannot sign the service account assertion"))?;
    jwt.push('.');
    jwt.push_str(&b64.encode(signature));
    Ok(jwt)
}

/// `scheme://host` of a URL, for messages (no path or query).
fn origin_of(url: &str) -> &str {
    nimbus_core::http::split_origin(url).map_or(url, |(origin, _)| origin)
}

/// Sends a token request and reads `access_token` and `expires_in`.
async fn fetch(transport: &ReqwestTransport, request: &HttpRequest, credential: &Credential) -> Result<(String, Duration), Error> {
    let origin = origin_of(&request.url);
    let response = nimbus_core::limits::ResponseLimits::default().send_full(transport, request).await.map_err(|e| {
        let hint = match credential {
            Credential::MetadataServer { .. } => {
                " (no GOOGLE_APPLICATION_CREDENTIALS, no gcloud credentials file, and no metadata server: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS)"
            }
            _ => "",
        };
        credentials_error(format!("cannot reach {origin} for an access token: {}{hint}", e.message()))
    })?;
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    if !response.is_success() {
        // OAuth errors name the problem in `error` / `error_description`;
        // neither holds a secret.
        let text = |name: &str| body.as_ref().and_then(|b| b.get(name)).and_then(Value::as_str).unwrap_or("");
        return Err(credentials_error(
            format!("{origin} refused the token request: HTTP {} {} {}", response.status, text("error"), text("error_description"))
                .trim_end()
                .to_owned(),
        ));
    }
    let token = body
        .as_ref()
        .and_then(|b| b.get("access_token"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| credentials_error(format!("the answer of {origin} has no `access_token`")))?;
    let lifetime = body.as_ref().and_then(|b| b.get("expires_in")).and_then(Value::as_u64).unwrap_or(3600);
    Ok((token.to_owned(), Duration::from_secs(lifetime)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_and_origins() {
        assert_eq!(pem_private_key("-----BEGIN PRIVATE KEY-----\nAAEC\nAw==\n-----END PRIVATE KEY-----\n"), Some(vec![0, 1, 2, 3]));
        assert_eq!(pem_private_key("-----BEGIN RSA PRIVATE KEY-----\nAAEC\n-----END RSA PRIVATE KEY-----"), None);
        assert_eq!(origin_of("https://oauth2.googleapis.com/token?x"), "https://oauth2.googleapis.com");
        assert_eq!(origin_of("http://127.0.0.1:9"), "http://127.0.0.1:9");
    }

    #[test]
    fn files_of_unknown_types_and_broken_keys_are_clear_errors() {
        let dir = std::env::temp_dir().join(format!("nimbus-adc-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            (r#"{"type":"external_account"}"#, "type `external_account`"),
            (r#"{"type":"service_account","client_email":"a@b","private_key":"nope"}"#, "not a PEM"),
            (r#"{"type":"authorized_user","client_id":"c"}"#, "no `client_secret`"),
            ("not json", "not JSON"),
        ];
        for (i, (text, expected)) in cases.iter().enumerate() {
            let path = dir.join(format!("{i}.json"));
            std::fs::write(&path, text).unwrap();
            let Err(e) = read_file(&path) else { panic!("{text} was accepted") };
            assert_eq!(e.kind(), ErrorKind::Credentials);
            assert!(e.to_string().contains(expected), "{e}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
