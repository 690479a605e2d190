//! Container credentials: ECS task roles and EKS Pod Identity, from the
//! endpoint the container's environment names.
//!
//! * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`: a path on the ECS agent,
//!   `http://169.254.170.2`.
//! * `AWS_CONTAINER_CREDENTIALS_FULL_URI`: any `https` URL; over plain
//!   `http` only a loopback host or the ECS / EKS Pod Identity agent
//!   addresses (`169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`), so
//!   credentials never cross a network in the clear.
//! * `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read again at every fetch, as
//!   EKS rotates it) or else `AWS_CONTAINER_AUTHORIZATION_TOKEN`: the
//!   `Authorization` header.
//!
//! The answer is JSON with `AccessKeyId`, `SecretAccessKey`, `Token` and
//! `Expiration`. Each attempt has 5 seconds; a connection failure or a 5xx
//! answer is tried again, up to three attempts.

use super::profile::Env;
use super::{Credentials, credentials_from_json, fetch};
use nimbus_core::http::{HttpRequest, Transport};
use nimbus_core::{Error, ErrorKind};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The ECS agent's address, for relative URIs.
const ECS_AGENT: &str = "http://169.254.170.2";

/// Where the token for the `Authorization` header comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    File(PathBuf),
    Value(String),
}

/// A configured container credentials endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContainerEndpoint {
    url: String,
    token: Option<Token>,
}

impl ContainerEndpoint {
    /// The endpoint the environment configures: `Ok(None)` when neither
    /// variable is set, an error when the full URI may not be used.
    pub fn from_env(env: &Env) -> Result<Option<Self>, Error> {
        let url = if let Some(relative) = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let slash = if relative.starts_with('/') { "" } else { "/" };
            format!("{ECS_AGENT}{slash}{relative}")
        } else if let Some(full) = env("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            check_full_uri(&full)?;
            full
        } else {
            return Ok(None);
        };
        let token = match (env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), env("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
            (Some(file), _) => Some(Token::File(PathBuf::from(file))),
            (None, Some(value)) => Some(Token::Value(value)),
            (None, None) => None,
        };
        Ok(Some(ContainerEndpoint { url, token }))
    }

    /// Fetches credentials from the endpoint.
    pub async fn credentials(&self, transport: &dyn Transport) -> Result<Credentials, Error> {
        let source = format!("container credentials ({})", nimbus_core::http::redact_url(&self.url));
        let mut request = HttpRequest::new("GET", self.url.clone());
        request.headers.insert("Accept", "application/json");
        if let Some(token) = self.token().await? {
            request.headers.insert("Authorization", token);
        }
        let mut last = None;
        for _ in 0..3 {
            match fetch(transport, &request, Duration::from_secs(5)).await {
                Ok((200, body)) => {
                    let json = serde_json::from_slice(&body)
                        .map_err(|_| Error::new(ErrorKind::Credentials, format!("{source}: the answer is not JSON")))?;
                    return credentials_from_json(&json, "Token", &source);
                }
                Ok((status, body)) if status < 500 => {
                    let detail = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                    return Err(Error::new(ErrorKind::Credentials, format!("{source} answered {status}: {detail}")));
                }
                Ok((status, _)) => last = Some(format!("answered {status}")),
                Err(e) => last = Some(e.to_string()),
            }
        }
        Err(Error::new(ErrorKind::Credentials, format!("{source}: {}", last.unwrap_or_default())))
    }

    async fn token(&self) -> Result<Option<String>, Error> {
        let token = match &self.token {
            None => return Ok(None),
            Some(Token::Value(value)) => value.clone(),
            Some(Token::File(path)) => {
                super::read_token_file(path, "the container authorization token (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)").await?
            }
        };
        if token.contains(['\r', '\n']) {
            return Err(Error::new(ErrorKind::Credentials, "the container authorization token contains a line break"));
        }
        Ok(Some(token))
    }
}

/// A full URI is used over `https`, or over `http` to a loopback host or an
/// ECS / EKS agent address.
fn check_full_uri(uri: &str) -> Result<(), Error> {
    let refuse = |why: &str| {
        Error::new(
            ErrorKind::Credentials,
            format!("AWS_CONTAINER_CREDENTIALS_FULL_URI `{}` is not allowed: {why}", nimbus_core::http::redact_url(uri)),
        )
    };
    let (scheme, rest) = uri.split_once("://").ok_or_else(|| refuse("not an absolute URL"))?;
    if scheme.eq_ignore_ascii_case("https") {
        return Ok(());
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(refuse("the scheme must be http or https"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(());
    }
    let agent: [IpAddr; 3] = [[169, 254, 170, 2].into(), [169, 254, 170, 23].into(), [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23].into()];
    match host.parse::<IpAddr>() {
        Ok(ip) if ip.is_loopback() || agent.contains(&ip) => Ok(()),
        _ => Err(refuse("plain http is only for loopback hosts and the ECS / EKS Pod Identity agent")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::tests_support::{CredentialsServer, env_of};

    #[test]
    fn full_uris_over_http_only_to_loopback_or_the_agents() {
        for ok in [
            "https://creds.example.com/x",
            "http://127.0.0.1:8080/creds",
            "http://127.9.9.9/",
            "http://localhost/creds",
            "http://[::1]:9/c",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
            "http://169.254.170.2/creds",
        ] {
            check_full_uri(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in ["http://10.0.0.1/creds", "http://example.com/", "http://127.0.0.1.evil.com/", "ftp://127.0.0.1/", "127.0.0.1/creds"] {
            let e = check_full_uri(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Credentials, "{bad}");
        }
        let relative = ContainerEndpoint::from_env(&env_of(&[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")]));
        assert_eq!(relative.unwrap().unwrap().url, "http://169.254.170.2/v2/credentials/abc");
        assert_eq!(ContainerEndpoint::from_env(&env_of(&[])).unwrap(), None);
    }

    #[tokio::test]
    async fn pod_identity_reads_the_token_file_at_every_fetch() {
        let server = CredentialsServer::start().await;
        let dir = std::env::temp_dir().join(format!("nimbus-container-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let token_file = dir.join("token");
        std::fs::write(&token_file, "first-token\n").unwrap();
        let url = format!("{}/v1/credentials", server.url());
        let env = env_of(&[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.as_str()),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.to_str().unwrap()),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-a-file-is-set"),
        ]);
        let endpoint = ContainerEndpoint::from_env(&env).unwrap().unwrap();
        let transport = nimbus_core::http::ReqwestTransport::default();
        let c = endpoint.credentials(&transport).await.unwrap();
        assert_eq!((c.access_key_id(), c.session_token()), ("AKIDSERVED", Some("served-token")));
        assert!(c.expiry().is_some());
        std::fs::write(&token_file, "second-token").unwrap();
        endpoint.credentials(&transport).await.unwrap();
        let seen = server.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].header("authorization"), Some("first-token"));
        assert_eq!(seen[1].header("authorization"), Some("second-token"));
        assert_eq!(seen[0].path, "/v1/credentials");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn an_error_answer_is_a_credentials_error() {
        let server = CredentialsServer::start().await;
        server.answer_with(403, r#"{"Code": "AccessDenied", "Message": "not this pod"}"#);
        let url = format!("{}/creds", server.url());
        let endpoint = ContainerEndpoint::from_env(&env_of(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.as_str())])).unwrap().unwrap();
        let e = endpoint.credentials(&nimbus_core::http::ReqwestTransport::default()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert!(e.message().contains("403") && e.message().contains("not this pod"), "{e}");
    }
}
