//! The STS, SSO and SSO OIDC calls behind the role, web identity and SSO
//! credential sources of `nimbus-aws`, made with the clients generated from
//! those services' models.
//!
//! `nimbus-aws` decides what to call (profile chains, token files, the SSO
//! token cache); the generated STS and SSO clients depend on it, so it
//! cannot call them itself. This crate closes the loop: [`calls`] is what
//! a generated service crate's `Client::new` installs in its configuration
//! when its `aws-credentials` feature is on (the default). A program that
//! builds its `Config` for `nimbus-aws` directly can install it the same
//! way with [`Config::credential_calls`](nimbus_aws::Config::credential_calls).

use nimbus_aws::credentials::CredentialCalls;
use nimbus_aws::credentials::roles::{CallTarget, RefreshedToken, RoleRequest, SsoRoleRequest, TokenRefresh};
use nimbus_aws::{Config, Credentials};
use nimbus_core::http::BoxFuture;
use nimbus_core::{Error, ErrorKind};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Generated code names this crate only through this module.
#[doc(hidden)]
pub mod codegen {
    pub use super::calls;
}

/// The calls, to install with
/// [`Config::credential_calls`](nimbus_aws::Config::credential_calls).
pub fn calls() -> Arc<dyn CredentialCalls> {
    Arc::new(GeneratedClients)
}

/// [`CredentialCalls`] over the generated STS, SSO and SSO OIDC clients.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeneratedClients;

/// The configuration of one call.
fn config(target: &CallTarget) -> Config {
    let config = Config::new().region(target.region.clone());
    match &target.endpoint_url {
        Some(url) => config.endpoint_url(url.clone()),
        None => config,
    }
}

/// A failed call as a credentials error naming the call.
fn failed(call: &str, detail: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Credentials, format!("{call}: {detail}"))
}

/// STS answers: the credentials, or an error when they are missing.
fn from_sts(call: &str, credentials: Option<nimbus_sts::types::Credentials>) -> Result<Credentials, Error> {
    let c = credentials.ok_or_else(|| failed(call, "the answer has no credentials"))?;
    let expiry = SystemTime::try_from(c.expiration).map_err(|e| failed(call, e))?;
    Ok(Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token)).with_expiry(expiry))
}

impl CredentialCalls for GeneratedClients {
    fn assume_role<'a>(
        &'a self,
        target: &'a CallTarget,
        base: Credentials,
        role: &'a RoleRequest,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let call = format!("STS AssumeRole ({})", role.role_arn);
            let client = nimbus_sts::Client::new(config(target).credentials(base));
            let mut request = client.assume_role(&role.role_arn, &role.session_name);
            if let Some(id) = &role.external_id {
                request = request.set_external_id(id.clone());
            }
            if let Some(seconds) = role.duration_seconds {
                request = request.set_duration_seconds(seconds);
            }
            let answer = request.send().await.map_err(|e| failed(&call, e))?;
            from_sts(&call, answer.credentials)
        })
    }

    fn assume_role_with_web_identity<'a>(
        &'a self,
        target: &'a CallTarget,
        role: &'a RoleRequest,
        token: String,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let call = format!("STS AssumeRoleWithWebIdentity ({})", role.role_arn);
            // The token is the proof: the request is not signed.
            let client = nimbus_sts::Client::new(config(target).no_credentials());
            let mut request = client.assume_role_with_web_identity(&role.role_arn, &role.session_name, token);
            if let Some(seconds) = role.duration_seconds {
                request = request.set_duration_seconds(seconds);
            }
            let answer = request.send().await.map_err(|e| failed(&call, e))?;
            from_sts(&call, answer.credentials)
        })
    }

    fn sso_role_credentials<'a>(
        &'a self,
        target: &'a CallTarget,
        role: &'a SsoRoleRequest,
        access_token: String,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let call = format!("SSO GetRoleCredentials ({} in {})", role.role_name, role.account_id);
            let client = nimbus_sso::Client::new(config(target).no_credentials());
            let answer =
                client.get_role_credentials(&role.role_name, &role.account_id, access_token).send().await.map_err(|e| failed(&call, e))?;
            let c = answer.role_credentials.ok_or_else(|| failed(&call, "the answer has no credentials"))?;
            let (Some(id), Some(secret)) = (c.access_key_id, c.secret_access_key) else {
                return Err(failed(&call, "the answer lacks the access key id or the secret"));
            };
            let expiry = UNIX_EPOCH + Duration::from_millis(u64::try_from(c.expiration).unwrap_or_default());
            Ok(Credentials::new(id, secret, c.session_token).with_expiry(expiry))
        })
    }

    fn refresh_sso_token<'a>(&'a self, target: &'a CallTarget, refresh: &'a TokenRefresh) -> BoxFuture<'a, Result<RefreshedToken, Error>> {
        Box::pin(async move {
            let call = "SSO OIDC CreateToken (refresh)";
            let client = nimbus_ssooidc::Client::new(config(target).no_credentials());
            let answer = client
                .create_token(&refresh.client_id, &refresh.client_secret, "refresh_token")
                .set_refresh_token(refresh.refresh_token.clone())
                .send()
                .await
                .map_err(|e| failed(call, e))?;
            let access_token = answer.access_token.ok_or_else(|| failed(call, "the answer has no access token"))?;
            Ok(RefreshedToken { access_token, expires_in: i64::from(answer.expires_in), refresh_token: answer.refresh_token })
        })
    }
}
