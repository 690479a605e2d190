//! Credentials that come from AWS calls: roles assumed through STS (from a
//! `role_arn` profile, with `source_profile` chains or a
//! `credential_source`), web identity (`AWS_WEB_IDENTITY_TOKEN_FILE`, or
//! `web_identity_token_file` in a profile) and SSO (see [`super::sso`]).
//!
//! The calls themselves are made through [`CredentialCalls`], which the
//! `nimbus-aws-credentials` crate implements over the clients generated
//! for STS, SSO and SSO OIDC (they depend on this crate, so this crate
//! cannot call them); the generated service crates install it by default.
//! What to call, in which order, and with which settings is decided here.

use super::profile::{Env, ProfileFiles, Section};
use super::{Credentials, Found, static_keys};
use nimbus_core::http::BoxFuture;
use nimbus_core::{Error, ErrorKind};
use std::fmt;
use std::path::PathBuf;

/// A role to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRequest {
    /// `role_arn`.
    pub role_arn: String,
    /// `role_session_name`, or one made up (`nimbus-aws-<milliseconds>`).
    pub session_name: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `duration_seconds`.
    pub duration_seconds: Option<i32>,
}

/// An SSO role's credentials to fetch with an access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoRoleRequest {
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
}

/// What SSO OIDC returned for a refresh.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshedToken {
    /// The new access token.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// A new refresh token, if one was issued.
    pub refresh_token: Option<String>,
}

impl fmt::Debug for RefreshedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshedToken").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

/// A refresh of an SSO token through SSO OIDC `CreateToken`.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRefresh {
    /// The registered client's id.
    pub client_id: String,
    /// The registered client's secret.
    pub client_secret: String,
    /// The refresh token.
    pub refresh_token: String,
}

impl fmt::Debug for TokenRefresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRefresh").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// Where a credentials call goes: the region, and an endpoint URL when one
/// is configured (`AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallTarget {
    /// The region to call.
    pub region: String,
    /// The endpoint, instead of the service's regional one.
    pub endpoint_url: Option<String>,
}

/// The AWS calls behind the role, web identity and SSO credential sources.
/// Each call gets the [`CallTarget`] to call; the implementation adds what
/// it signs with.
pub trait CredentialCalls: Send + Sync + fmt::Debug + 'static {
    /// STS `AssumeRole`, signed with `base`.
    fn assume_role<'a>(
        &'a self,
        target: &'a CallTarget,
        base: Credentials,
        role: &'a RoleRequest,
    ) -> BoxFuture<'a, Result<Credentials, Error>>;

    /// STS `AssumeRoleWithWebIdentity` (unsigned) with `token`.
    fn assume_role_with_web_identity<'a>(
        &'a self,
        target: &'a CallTarget,
        role: &'a RoleRequest,
        token: String,
    ) -> BoxFuture<'a, Result<Credentials, Error>>;

    /// SSO `GetRoleCredentials` with an access token.
    fn sso_role_credentials<'a>(
        &'a self,
        target: &'a CallTarget,
        role: &'a SsoRoleRequest,
        access_token: String,
    ) -> BoxFuture<'a, Result<Credentials, Error>>;

    /// SSO OIDC `CreateToken` with a refresh token.
    fn refresh_sso_token<'a>(&'a self, target: &'a CallTarget, refresh: &'a TokenRefresh) -> BoxFuture<'a, Result<RefreshedToken, Error>>;
}

/// Where the first credentials of a role chain come from.
#[derive(Debug, Clone)]
pub(crate) enum Base {
    /// Keys from a profile, or the environment's.
    Static(Credentials),
    /// A profile's `credential_process` (command, `file:line`).
    Process(String, String),
    /// `credential_source = Environment`.
    Environment,
    /// `credential_source = Ec2InstanceMetadata`.
    InstanceMetadata,
    /// `credential_source = EcsContainer`.
    Container,
    /// Web identity for a role.
    WebIdentity(RoleRequest, PathBuf),
    /// An SSO role (the profile name).
    Sso(String),
}

/// A profile's credentials as a plan: the base, then the roles to assume
/// in order.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub base: Base,
    pub roles: Vec<RoleRequest>,
}

/// A made-up session name, as the SDKs make one when none is configured.
fn session_name() -> String {
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    format!("nimbus-aws-{millis}")
}

fn role_request(profile: &Section, name: &str) -> Result<RoleRequest, Error> {
    let value = |k: &str| profile.get(k).map(|p| p.value.clone()).filter(|v| !v.is_empty());
    if let Some(mfa) = profile.get("mfa_serial") {
        return Err(Error::new(
            ErrorKind::Credentials,
            format!(
                "profile `{name}` ({}) sets `mfa_serial`: assuming a role with MFA needs a token code, and this runtime has no token code provider",
                mfa.at
            ),
        ));
    }
    let duration_seconds =
        match profile.get("duration_seconds") {
            None => None,
            Some(d) => Some(d.value.trim().parse::<i32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                Error::config(format!("{}: `duration_seconds` must be a whole number of seconds, not `{}`", d.at, d.value))
            })?),
        };
    Ok(RoleRequest {
        role_arn: value("role_arn").unwrap_or_default(),
        session_name: value("role_session_name").unwrap_or_else(session_name),
        external_id: value("external_id"),
        duration_seconds,
    })
}

/// The plan for profile `name`: follows `source_profile` links (a cycle is
/// an error listing it), stops at static keys in a source profile (in the
/// selected profile `role_arn` wins over keys), at a `credential_source`,
/// web identity, SSO or `credential_process`. `Ok(None)`: the profile names
/// no credentials at all.
pub(crate) fn plan(files: &ProfileFiles, name: &str) -> Result<Option<Plan>, Error> {
    let mut roles = Vec::new();
    let mut visited: Vec<String> = Vec::new();
    let mut current = name.to_owned();
    loop {
        let profile = files.profile(&current).ok_or_else(|| {
            Error::config(format!(
                "profile `{current}` (the `source_profile` of `{}`) is not in {}",
                visited.last().map(String::as_str).unwrap_or_default(),
                files.describe()
            ))
        })?;
        let first = visited.is_empty();
        let keys = static_keys(profile, &current)?;
        // In a source profile, keys end the chain (even one that comes
        // back to where it started).
        if let (false, Some(Found::Credentials(c))) = (first, &keys) {
            return Ok(Some(Plan { base: Base::Static(c.clone()), roles }));
        }
        if visited.contains(&current) {
            visited.push(current);
            return Err(Error::config(format!("the profiles' `source_profile` links form a cycle: {}", visited.join(" -> "))));
        }
        visited.push(current.clone());
        if profile.contains_key("role_arn") {
            let role = role_request(profile, &current)?;
            if let Some(file) = profile.get("web_identity_token_file") {
                return Ok(Some(Plan { base: Base::WebIdentity(role, PathBuf::from(&file.value)), roles }));
            }
            if let Some(source) = profile.get("source_profile") {
                roles.push(role);
                // A profile may be its own source when it holds the keys.
                if source.value == current {
                    let Some(Found::Credentials(c)) = keys else {
                        return Err(Error::config(format!(
                            "{}: profile `{current}` is its own `source_profile` but has no keys",
                            source.at
                        )));
                    };
                    return Ok(Some(Plan { base: Base::Static(c), roles }));
                }
                current = source.value.clone();
                continue;
            }
            if let Some(source) = profile.get("credential_source") {
                roles.push(role);
                let base = match source.value.as_str() {
                    "Environment" => Base::Environment,
                    "Ec2InstanceMetadata" => Base::InstanceMetadata,
                    "EcsContainer" => Base::Container,
                    other => {
                        return Err(Error::config(format!(
                            "{}: `credential_source` must be Environment, Ec2InstanceMetadata or EcsContainer, not `{other}`",
                            source.at
                        )));
                    }
                };
                return Ok(Some(Plan { base, roles }));
            }
            let at = &profile["role_arn"].at;
            return Err(Error::config(format!(
                "{at}: profile `{current}` sets `role_arn` without `source_profile`, `credential_source` or `web_identity_token_file`"
            )));
        }
        if profile.contains_key("sso_session") || profile.contains_key("sso_start_url") {
            return Ok(Some(Plan { base: Base::Sso(current), roles }));
        }
        if let Some(command) = profile.get("credential_process") {
            return Ok(Some(Plan { base: Base::Process(command.value.clone(), command.at.clone()), roles }));
        }
        if let Some(Found::Credentials(c)) = keys {
            return Ok(Some(Plan { base: Base::Static(c), roles }));
        }
        if first {
            return Ok(None);
        }
        return Err(Error::config(format!("profile `{current}` (a `source_profile`) has no credentials")));
    }
}

/// Web identity from the environment: `AWS_WEB_IDENTITY_TOKEN_FILE` with
/// `AWS_ROLE_ARN` (and `AWS_ROLE_SESSION_NAME`); `Ok(None)` when the token
/// file is not set.
pub(crate) fn web_identity_from_env(env: &Env) -> Result<Option<(RoleRequest, PathBuf)>, Error> {
    let Some(file) = env("AWS_WEB_IDENTITY_TOKEN_FILE") else { return Ok(None) };
    let role_arn = env("AWS_ROLE_ARN").ok_or_else(|| {
        Error::config("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: web identity needs the role to assume")
    })?;
    let role = RoleRequest {
        role_arn,
        session_name: env("AWS_ROLE_SESSION_NAME").unwrap_or_else(session_name),
        external_id: None,
        duration_seconds: None,
    };
    Ok(Some((role, PathBuf::from(file))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(config: &str) -> ProfileFiles {
        let dir = std::env::temp_dir().join(format!("nimbus-roles-{}-{}", std::process::id(), config.len()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), config).unwrap();
        let files = ProfileFiles::load_blocking(dir.join("config"), dir.join("none")).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        files
    }

    fn arns(plan: &Plan) -> Vec<&str> {
        plan.roles.iter().map(|r| r.role_arn.as_str()).collect()
    }

    #[test]
    fn source_profile_chains_end_at_keys_and_list_roles_outermost_first() {
        let f = files(
            "[profile a]\nrole_arn = arn:a\nsource_profile = b\nrole_session_name = sa\nexternal_id = ext\nduration_seconds = 900\n\
             [profile b]\nrole_arn = arn:b\nsource_profile = c\n\
             [profile c]\naws_access_key_id = AKIDC\naws_secret_access_key = sc\nrole_arn = arn:ignored-in-a-source\nsource_profile = a\n",
        );
        let plan = plan(&f, "a").unwrap().unwrap();
        assert_eq!(arns(&plan), ["arn:a", "arn:b"]);
        assert_eq!(plan.roles[0].session_name, "sa");
        assert_eq!((plan.roles[0].external_id.as_deref(), plan.roles[0].duration_seconds), (Some("ext"), Some(900)));
        assert!(plan.roles[1].session_name.starts_with("nimbus-aws-"));
        let Base::Static(c) = &plan.base else { panic!("{plan:?}") };
        assert_eq!(c.access_key_id(), "AKIDC");
        // Selected directly, `c`'s role wins over its keys.
        let plan_c = super::plan(&f, "c").unwrap().unwrap();
        assert_eq!(arns(&plan_c), ["arn:ignored-in-a-source", "arn:a", "arn:b"]);
    }

    #[test]
    fn cycles_missing_sources_and_bad_settings_are_errors() {
        let f = files("[profile a]\nrole_arn = arn:a\nsource_profile = b\n[profile b]\nrole_arn = arn:b\nsource_profile = a\n");
        let e = plan(&f, "a").unwrap_err();
        assert!(e.message().contains("a -> b -> a"), "{e}");
        let f = files("[profile a]\nrole_arn = arn:a\nsource_profile = ghost\n");
        assert!(plan(&f, "a").unwrap_err().message().contains("`ghost`"));
        let f = files("[profile a]\nrole_arn = arn:a\n");
        assert!(plan(&f, "a").unwrap_err().message().contains("without `source_profile`"));
        let f = files("[profile a]\nrole_arn = arn:a\ncredential_source = Laptop\n");
        assert!(plan(&f, "a").unwrap_err().message().contains("`Laptop`"));
        let f = files(
            "[profile a]\nrole_arn = arn:a\nsource_profile = b\nmfa_serial = arn:mfa\n[profile b]\naws_access_key_id = A\naws_secret_access_key = s\n",
        );
        assert!(plan(&f, "a").unwrap_err().message().contains("MFA"));
        let f = files("[profile a]\nrole_arn = arn:a\ncredential_source = Environment\nduration_seconds = an hour\n");
        assert!(plan(&f, "a").unwrap_err().message().contains(":4: `duration_seconds`"));
        let f = files("[profile a]\nrole_arn = arn:a\nsource_profile = b\n[profile b]\nregion = x\n");
        assert!(plan(&f, "a").unwrap_err().message().contains("has no credentials"));
    }

    #[test]
    fn the_other_bases() {
        let f = files(
            "[profile env]\nrole_arn = arn:e\ncredential_source = Environment\n\
             [profile ec2]\nrole_arn = arn:i\ncredential_source = Ec2InstanceMetadata\n\
             [profile ecs]\nrole_arn = arn:c\ncredential_source = EcsContainer\n\
             [profile web]\nrole_arn = arn:w\nweb_identity_token_file = /var/token\n\
             [profile self]\nrole_arn = arn:s\nsource_profile = self\naws_access_key_id = A\naws_secret_access_key = s\n\
             [profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n\
             [profile chained-sso]\nrole_arn = arn:x\nsource_profile = sso\n\
             [profile proc]\ncredential_process = echo\n\
             [profile empty]\nregion = us-east-1\n",
        );
        let base = |name: &str| plan(&f, name).unwrap().unwrap().base;
        assert!(matches!(base("env"), Base::Environment));
        assert!(matches!(base("ec2"), Base::InstanceMetadata));
        assert!(matches!(base("ecs"), Base::Container));
        assert!(matches!(base("web"), Base::WebIdentity(r, p) if r.role_arn == "arn:w" && p == std::path::Path::new("/var/token")));
        assert!(matches!(base("self"), Base::Static(_)));
        assert_eq!(arns(&plan(&f, "self").unwrap().unwrap()), ["arn:s"]);
        assert!(matches!(base("sso"), Base::Sso(p) if p == "sso"));
        assert!(matches!(base("chained-sso"), Base::Sso(p) if p == "sso"));
        assert!(matches!(base("proc"), Base::Process(c, _) if c == "echo"));
        assert!(plan(&f, "empty").unwrap().is_none());
    }

    #[test]
    fn web_identity_from_the_environment() {
        let env = crate::credentials::tests_support::env_of(&[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/pod"),
            ("AWS_ROLE_SESSION_NAME", "pod-session"),
        ]);
        let (role, file) = web_identity_from_env(&env).unwrap().unwrap();
        assert_eq!((role.role_arn.as_str(), role.session_name.as_str()), ("arn:aws:iam::1:role/pod", "pod-session"));
        assert_eq!(file, PathBuf::from("/var/run/secrets/token"));
        let env = crate::credentials::tests_support::env_of(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")]);
        assert!(web_identity_from_env(&env).unwrap_err().message().contains("AWS_ROLE_ARN"));
        assert_eq!(web_identity_from_env(&crate::credentials::tests_support::env_of(&[])).unwrap(), None);
    }
}
