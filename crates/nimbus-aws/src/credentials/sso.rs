//! SSO (IAM Identity Center) credentials for a profile, from the token
//! `aws sso login` caches.
//!
//! A profile names its session (`sso_session`, whose `[sso-session]`
//! section holds `sso_start_url` and `sso_region`) or, in the legacy form,
//! the start URL and region itself; `sso_account_id` and `sso_role_name`
//! name the role. The token is `~/.aws/sso/cache/<sha1>.json`, the SHA-1 (hex)
//! of the session name, or of the start URL in the legacy form, as the CLI
//! writes it. A token within 5 minutes of its expiry is refreshed through
//! SSO OIDC `CreateToken` when the cache holds a refresh token and a client
//! registration (session form only), and the cache file is updated; then
//! SSO `GetRoleCredentials` returns the role's credentials.

use super::profile::{Env, ProfileFiles, Section, home};
use super::roles::{CredentialCalls, SsoRoleRequest, TokenRefresh};
use super::{Credentials, REFRESH_BEFORE_EXPIRY, call_target};
use nimbus_core::{DateTime, Error, ErrorKind};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// A profile's SSO settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoProfile {
    /// The `sso_session` name (`None`: the legacy form).
    session: Option<String>,
    start_url: String,
    region: String,
    role: SsoRoleRequest,
}

impl SsoProfile {
    /// Reads the SSO settings of profile `name`.
    pub fn read(files: &ProfileFiles, name: &str) -> Result<Self, Error> {
        let profile = files.profile(name).ok_or_else(|| Error::config(format!("profile `{name}` is not in {}", files.describe())))?;
        let get = |section: &Section, key: &str| section.get(key).map(|p| p.value.clone()).filter(|v| !v.is_empty());
        let required = |key: &str| {
            get(profile, key).ok_or_else(|| Error::config(format!("profile `{name}` uses SSO but has no `{key}` ({})", files.describe())))
        };
        let (session, start_url, region) = match profile.get("sso_session") {
            Some(session) => {
                let section = files.sso_session(&session.value).ok_or_else(|| {
                    Error::config(format!("{}: no `[sso-session {}]` section in {}", session.at, session.value, files.describe()))
                })?;
                let from_session = |key: &str| {
                    let value = get(section, key)
                        .ok_or_else(|| Error::config(format!("{}: `[sso-session {}]` has no `{key}`", session.at, session.value)))?;
                    match get(profile, key) {
                        Some(own) if own != value => Err(Error::config(format!(
                            "profile `{name}` sets `{key}` to `{own}`, but its session `{}` says `{value}`",
                            session.value
                        ))),
                        _ => Ok(value),
                    }
                };
                (Some(session.value.clone()), from_session("sso_start_url")?, from_session("sso_region")?)
            }
            None => (None, required("sso_start_url")?, required("sso_region")?),
        };
        let role = SsoRoleRequest { account_id: required("sso_account_id")?, role_name: required("sso_role_name")? };
        Ok(SsoProfile { session, start_url, region, role })
    }

    /// Where the CLI caches this profile's token.
    fn cache_file(&self, env: &Env) -> PathBuf {
        let key = self.session.as_deref().unwrap_or(&self.start_url);
        home(env).join(".aws/sso/cache").join(format!("{}.json", sha1_hex(key)))
    }

    fn login_hint(&self) -> String {
        match &self.session {
            Some(session) => format!("run `aws sso login --sso-session {session}`"),
            None => "run `aws sso login`".to_owned(),
        }
    }

    /// The role's credentials, refreshing the cached token when due.
    /// `files` and `profile` (the selected one) say where SSO and SSO OIDC
    /// are called when their endpoints are configured.
    pub async fn credentials(
        &self,
        calls: &dyn CredentialCalls,
        env: &Env,
        files: &ProfileFiles,
        profile: &str,
    ) -> Result<Credentials, Error> {
        let path = self.cache_file(env);
        let fail = |what: String| Error::new(ErrorKind::Credentials, format!("SSO ({}): {what}; {}", self.start_url, self.login_hint()));
        let text = super::blocking({
            let path = path.clone();
            move || std::fs::read_to_string(path)
        })
        .await
        .map_err(|e| fail(format!("no cached token at {}: {e}", path.display())))?;
        let mut cached: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|_| fail(format!("{} is not a JSON object", path.display())))?;
        let text_of = |cached: &serde_json::Map<String, serde_json::Value>, key: &str| {
            cached.get(key).and_then(|v| v.as_str()).filter(|v| !v.is_empty()).map(str::to_owned)
        };
        let time_of = |cached: &serde_json::Map<String, serde_json::Value>, key: &str| {
            text_of(cached, key).and_then(|t| DateTime::parse_rfc3339(&t).ok()).and_then(|t| SystemTime::try_from(t).ok())
        };
        let mut token = text_of(&cached, "accessToken").ok_or_else(|| fail(format!("{} holds no `accessToken`", path.display())))?;
        let expires = time_of(&cached, "expiresAt").ok_or_else(|| fail(format!("{} holds no valid `expiresAt`", path.display())))?;
        let now = SystemTime::now();
        if expires <= now + REFRESH_BEFORE_EXPIRY {
            let refresh =
                match (&self.session, text_of(&cached, "clientId"), text_of(&cached, "clientSecret"), text_of(&cached, "refreshToken")) {
                    (Some(_), Some(client_id), Some(client_secret), Some(refresh_token))
                        if time_of(&cached, "registrationExpiresAt").is_none_or(|at| at > now) =>
                    {
                        Some(TokenRefresh { client_id, client_secret, refresh_token })
                    }
                    _ => None,
                };
            let refreshed = match refresh {
                Some(refresh) => Some(calls.refresh_sso_token(&call_target(env, files, profile, "SSO OIDC", &self.region), &refresh).await),
                None => None,
            };
            match refreshed {
                Some(Ok(new)) => {
                    let expires_at = DateTime::from(now + Duration::from_secs(new.expires_in.max(0) as u64));
                    cached.insert("accessToken".into(), new.access_token.clone().into());
                    cached.insert("expiresAt".into(), expires_at.to_rfc3339().into());
                    if let Some(refresh_token) = new.refresh_token {
                        cached.insert("refreshToken".into(), refresh_token.into());
                    }
                    let json = serde_json::Value::Object(cached).to_string();
                    let target = path.clone();
                    if let Err(e) = super::blocking(move || std::fs::write(target, json)).await {
                        tracing::warn!("could not update the SSO token cache {}: {e}", path.display());
                    }
                    token = new.access_token;
                }
                // A failed refresh: the token serves while it lasts.
                Some(Err(e)) if expires <= now => return Err(fail(format!("the token expired and its refresh failed: {}", e.message()))),
                None if expires <= now => return Err(fail("the cached token has expired".into())),
                _ => {}
            }
        }
        calls.sso_role_credentials(&call_target(env, files, profile, "SSO", &self.region), &self.role, token).await
    }
}

/// The SHA-1 of `text` in lower-case hex: how the CLI names a token's cache file.
pub(crate) fn sha1_hex(text: &str) -> String {
    crate::sigv4::hex(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::tests_support::env_of;

    fn files(config: &str) -> ProfileFiles {
        let dir = std::env::temp_dir().join(format!("nimbus-sso-files-{}-{}", std::process::id(), config.len()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), config).unwrap();
        let files = ProfileFiles::load_blocking(dir.join("config"), dir.join("none")).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        files
    }

    const CONFIG: &str = "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = SampleRole\n\
        [sso-session my-sso]\nsso_region = us-east-1\nsso_start_url = https://my-sso-portal.awsapps.com/start\n\
        [profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = R\n\
        [profile broken]\nsso_session = nowhere\n";

    #[test]
    fn settings_and_the_cache_file_name_the_cli_uses() {
        let f = files(CONFIG);
        let dev = SsoProfile::read(&f, "dev").unwrap();
        assert_eq!((dev.region.as_str(), dev.role.account_id.as_str()), ("us-east-1", "111122223333"));
        // SHA-1 of the session name, and of the start URL in the legacy form (the reference guide's examples).
        let env = env_of(&[("HOME", "/home/u")]);
        let file = dev.cache_file(&env);
        assert_eq!(file, PathBuf::from("/home/u/.aws/sso/cache").join(format!("{}.json", sha1_hex("my-sso"))));
        let legacy = SsoProfile::read(&f, "legacy").unwrap();
        assert_eq!((legacy.session.as_deref(), legacy.region.as_str()), (None, "eu-west-1"));
        assert!(legacy.cache_file(&env).ends_with(format!("{}.json", sha1_hex("https://legacy.awsapps.com/start"))));
        let e = SsoProfile::read(&f, "broken").unwrap_err();
        assert!(e.message().contains("[sso-session nowhere]"), "{e}");
        assert_eq!(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}
