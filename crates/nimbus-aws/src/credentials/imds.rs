//! EC2 instance metadata (IMDSv2): the instance profile's role credentials.
//!
//! A session token first (`PUT /latest/api/token` with a TTL of six
//! hours), then the role name (`/latest/meta-data/iam/security-credentials/`)
//! and its credentials, each request carrying the token. Each request has
//! one second and one retry, so a machine that is not on EC2 finds out in
//! about two seconds.
//!
//! Settings, as the AWS SDKs and Tools Reference Guide lists them:
//! `AWS_EC2_METADATA_DISABLED=true` turns the source off;
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` (or the profile's
//! `ec2_metadata_service_endpoint`) names the endpoint, else
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` (or
//! `ec2_metadata_service_endpoint_mode`) picks `IPv4`
//! (`http://169.254.169.254`, the default) or `IPv6`
//! (`http://[fd00:ec2::254]`). There is no fallback to IMDSv1 (requests
//! without a token) unless it is asked for with
//! `AWS_EC2_METADATA_V1_DISABLED=false` (or `ec2_metadata_v1_disabled =
//! false`): an instance that refuses tokens is then read the old way.

use super::profile::{Env, Section};
use super::{Credentials, credentials_from_json, fetch};
use nimbus_core::http::{HttpRequest, Transport};
use nimbus_core::{Error, ErrorKind};
use std::time::Duration;

const TOKEN_PATH: &str = "/latest/api/token";
const ROLE_PATH: &str = "/latest/meta-data/iam/security-credentials/";
const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";

/// A configured instance metadata endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstanceMetadata {
    endpoint: String,
    allow_v1: bool,
}

impl InstanceMetadata {
    /// The endpoint the environment and `profile` configure; `Ok(None)`
    /// when the source is turned off.
    pub fn from_env(env: &Env, profile: Option<&Section>) -> Result<Option<Self>, Error> {
        let setting = |var: &str, key: &str| env(var).or_else(|| profile?.get(key).map(|p| p.value.clone()));
        if env("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let endpoint = match setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint") {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => match setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode").as_deref() {
                None => "http://169.254.169.254".to_owned(),
                Some(mode) if mode.eq_ignore_ascii_case("ipv4") => "http://169.254.169.254".to_owned(),
                Some(mode) if mode.eq_ignore_ascii_case("ipv6") => "http://[fd00:ec2::254]".to_owned(),
                Some(other) => {
                    return Err(Error::config(format!(
                        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE / ec2_metadata_service_endpoint_mode must be IPv4 or IPv6, not `{other}`"
                    )));
                }
            },
        };
        let allow_v1 =
            setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled").is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
        Ok(Some(InstanceMetadata { endpoint, allow_v1 }))
    }

    /// Fetches the instance profile's credentials.
    pub async fn credentials(&self, transport: &dyn Transport) -> Result<Credentials, Error> {
        let token = self.session_token(transport).await?;
        let role = self.get(transport, ROLE_PATH, token.as_deref()).await?;
        let role = role.lines().next().unwrap_or_default().trim().to_owned();
        if role.is_empty() || role.contains(['/', '?', '#', '%']) {
            return Err(self.error("no instance profile role is attached (or its name is not usable)".into()));
        }
        let body = self.get(transport, &format!("{ROLE_PATH}{role}"), token.as_deref()).await?;
        let source = format!("instance metadata ({}, role `{role}`)", self.endpoint);
        let json: serde_json::Value =
            serde_json::from_str(&body).map_err(|_| Error::new(ErrorKind::Credentials, format!("{source}: the answer is not JSON")))?;
        if let Some(code) = json.get("Code").and_then(|c| c.as_str()).filter(|c| *c != "Success") {
            return Err(Error::new(ErrorKind::Credentials, format!("{source}: the answer's code is `{code}`")));
        }
        credentials_from_json(&json, "Token", &source)
    }

    /// The instance's region (`/latest/meta-data/placement/region`).
    pub async fn region(&self, transport: &dyn Transport) -> Result<String, Error> {
        let token = self.session_token(transport).await?;
        let region = self.get(transport, "/latest/meta-data/placement/region", token.as_deref()).await?;
        let region = region.trim();
        if region.is_empty() || !region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(self.error(format!("the region `{region}` is not a region name")));
        }
        Ok(region.to_owned())
    }

    fn error(&self, what: String) -> Error {
        Error::new(ErrorKind::Credentials, format!("instance metadata ({}): {what}", self.endpoint))
    }

    /// One request with a one-second limit and one retry (a connection
    /// failure or a 5xx); the status and the body.
    async fn send(&self, transport: &dyn Transport, request: &HttpRequest) -> Result<(u16, String), Error> {
        let mut last = String::new();
        for _ in 0..2 {
            match fetch(transport, request, Duration::from_secs(1)).await {
                Ok((status, _)) if status >= 500 => last = format!("answered {status}"),
                Ok((status, body)) => return Ok((status, String::from_utf8_lossy(&body).into_owned())),
                Err(e) => last = e.message().to_owned(),
            }
        }
        Err(self.error(last))
    }

    /// The IMDSv2 session token; `None` when the instance refuses tokens
    /// and IMDSv1 was allowed.
    async fn session_token(&self, transport: &dyn Transport) -> Result<Option<String>, Error> {
        let mut request = HttpRequest::new("PUT", format!("{}{TOKEN_PATH}", self.endpoint));
        request.headers.insert(TOKEN_TTL_HEADER, "21600");
        match self.send(transport, &request).await? {
            (200, token) if !token.trim().is_empty() && !token.contains(['\r', '\n']) => Ok(Some(token.trim().to_owned())),
            (403..=405, _) if self.allow_v1 => Ok(None),
            (status, _) => Err(self.error(format!(
                "the session token request answered {status} (IMDSv1 without a token is used only with AWS_EC2_METADATA_V1_DISABLED=false)"
            ))),
        }
    }

    async fn get(&self, transport: &dyn Transport, path: &str, token: Option<&str>) -> Result<String, Error> {
        let mut request = HttpRequest::new("GET", format!("{}{path}", self.endpoint));
        if let Some(token) = token {
            request.headers.insert(TOKEN_HEADER, token.to_owned());
        }
        match self.send(transport, &request).await? {
            (200, body) => Ok(body),
            (status, _) => Err(self.error(format!("{path} answered {status}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::tests_support::{CredentialsServer, env_of};

    fn at(url: &str) -> InstanceMetadata {
        InstanceMetadata::from_env(&env_of(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", url)]), None).unwrap().unwrap()
    }

    #[test]
    fn settings_choose_the_endpoint_or_turn_the_source_off() {
        let of = |vars: &[(&str, &str)]| InstanceMetadata::from_env(&env_of(vars), None);
        assert_eq!(of(&[]).unwrap().unwrap().endpoint, "http://169.254.169.254");
        assert_eq!(of(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")]).unwrap().unwrap().endpoint, "http://[fd00:ec2::254]");
        assert_eq!(of(&[("AWS_EC2_METADATA_DISABLED", "TRUE")]).unwrap(), None);
        let e = of(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5")]).unwrap_err();
        assert!(e.message().contains("IPv5"), "{e}");
        assert!(!of(&[]).unwrap().unwrap().allow_v1);
        assert!(of(&[("AWS_EC2_METADATA_V1_DISABLED", "false")]).unwrap().unwrap().allow_v1);
    }

    #[tokio::test]
    async fn imds_v2_token_then_role_then_credentials() {
        let server = CredentialsServer::start().await;
        let c = at(&server.url()).credentials(&nimbus_core::http::ReqwestTransport::default()).await.unwrap();
        assert_eq!((c.access_key_id(), c.session_token()), ("AKIDEC2", Some("ec2-token")));
        assert!(c.expiry().is_some());
        let seen = server.requests();
        let lines: Vec<String> = seen.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
        assert_eq!(
            lines,
            [
                "PUT /latest/api/token",
                "GET /latest/meta-data/iam/security-credentials/",
                "GET /latest/meta-data/iam/security-credentials/ec2-role"
            ]
        );
        assert_eq!(seen[0].header(TOKEN_TTL_HEADER), Some("21600"));
        assert!(seen[1..].iter().all(|r| r.header(TOKEN_HEADER) == Some("imds-session-token")));
    }

    #[tokio::test]
    async fn the_region_comes_from_placement() {
        let server = CredentialsServer::start().await;
        let region = at(&server.url()).region(&nimbus_core::http::ReqwestTransport::default()).await.unwrap();
        assert_eq!(region, "ap-northeast-2");
        let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
        assert_eq!(paths, ["/latest/api/token", "/latest/meta-data/placement/region"]);
    }

    #[tokio::test]
    async fn no_imds_v1_fallback_unless_asked_for() {
        let server = CredentialsServer::start().await;
        server.refuse_tokens();
        let e = at(&server.url()).credentials(&nimbus_core::http::ReqwestTransport::default()).await.unwrap_err();
        assert!(e.message().contains("403") && e.message().contains("AWS_EC2_METADATA_V1_DISABLED"), "{e}");
        let v1 = InstanceMetadata::from_env(
            &env_of(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url().as_str()), ("AWS_EC2_METADATA_V1_DISABLED", "false")]),
            None,
        )
        .unwrap()
        .unwrap();
        let c = v1.credentials(&nimbus_core::http::ReqwestTransport::default()).await.unwrap();
        assert_eq!(c.access_key_id(), "AKIDEC2");
        assert!(server.requests().iter().skip(1).all(|r| r.header(TOKEN_HEADER).is_none()));
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_fails_fast_with_its_address() {
        let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let e = at(&format!("http://127.0.0.1:{port}")).credentials(&nimbus_core::http::ReqwestTransport::default()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert!(e.message().contains(&format!("127.0.0.1:{port}")), "{e}");
    }
}
