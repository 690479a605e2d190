//! Test helpers of the credential sources' unit tests.

pub(crate) use super::test_server::{CredentialsServer, env_of};
use std::sync::Mutex;

/// [`CredentialCalls`](super::CredentialCalls) that answer from a script
/// and log each call (with the region and endpoint it was given).
#[derive(Debug, Default)]
pub(crate) struct FakeCalls {
    log: Mutex<Vec<String>>,
}

impl FakeCalls {
    /// The calls so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn record(&self, target: &super::roles::CallTarget, what: String) {
        let endpoint = target.endpoint_url.as_deref().unwrap_or("default");
        self.log.lock().unwrap().push(format!("{what} in {} at {endpoint}", target.region));
    }
}

fn issued(key: String) -> super::Credentials {
    super::Credentials::new(key, "issued-secret", Some("issued-token".into()))
        .with_expiry(std::time::SystemTime::now() + std::time::Duration::from_secs(3600))
}

impl super::CredentialCalls for FakeCalls {
    fn assume_role<'a>(
        &'a self,
        target: &'a super::roles::CallTarget,
        base: super::Credentials,
        role: &'a super::roles::RoleRequest,
    ) -> nimbus_core::http::BoxFuture<'a, Result<super::Credentials, nimbus_core::Error>> {
        self.record(target, format!("AssumeRole {} as {} ({})", role.role_arn, base.access_key_id(), role.session_name));
        Box::pin(async move { Ok(issued(format!("AKID[{}]", role.role_arn))) })
    }

    fn assume_role_with_web_identity<'a>(
        &'a self,
        target: &'a super::roles::CallTarget,
        role: &'a super::roles::RoleRequest,
        token: String,
    ) -> nimbus_core::http::BoxFuture<'a, Result<super::Credentials, nimbus_core::Error>> {
        self.record(target, format!("AssumeRoleWithWebIdentity {} token {token}", role.role_arn));
        Box::pin(async move { Ok(issued("AKIDWEB".into())) })
    }

    fn sso_role_credentials<'a>(
        &'a self,
        target: &'a super::roles::CallTarget,
        role: &'a super::roles::SsoRoleRequest,
        access_token: String,
    ) -> nimbus_core::http::BoxFuture<'a, Result<super::Credentials, nimbus_core::Error>> {
        self.record(target, format!("GetRoleCredentials {}/{} token {access_token}", role.account_id, role.role_name));
        Box::pin(async move { Ok(issued("AKIDSSO".into())) })
    }

    fn refresh_sso_token<'a>(
        &'a self,
        target: &'a super::roles::CallTarget,
        refresh: &'a super::roles::TokenRefresh,
    ) -> nimbus_core::http::BoxFuture<'a, Result<super::roles::RefreshedToken, nimbus_core::Error>> {
        self.record(target, format!("CreateToken {} {}", refresh.client_id, refresh.refresh_token));
        Box::pin(async move {
            Ok(super::roles::RefreshedToken { access_token: "fresh-token".into(), expires_in: 3600, refresh_token: Some("rt-2".into()) })
        })
    }
}
