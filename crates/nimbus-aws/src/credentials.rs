//! Where AWS credentials and the region come from, the way AWS users expect:
//! explicit values, the environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_DEFAULT_REGION`), then the shared files `~/.aws/credentials` and
//! `~/.aws/config` for `AWS_PROFILE` (or `default`), whose locations
//! `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` override.
//!
//! Secrets are never logged; [`Credentials`] redacts them in `Debug`.

pub use crate::sigv4::Credentials;
use nimbus_core::http::BoxFuture;
use nimbus_core::{Error, ErrorKind};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Supplies credentials for signing (called once per call; cache inside
/// when fetching is expensive).
pub trait ProvideCredentials: Send + Sync + fmt::Debug + 'static {
    /// The credentials to sign with, or an error saying what was tried.
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>>;
}

impl ProvideCredentials for Credentials {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        let c = self.clone();
        Box::pin(async move { Ok(c) })
    }
}

/// Reads environment variables; replaceable in tests.
type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The default chain: environment variables, then the shared credentials and
/// config files for the selected profile.
pub struct DefaultCredentialsChain {
    env: Box<Env>,
}

impl fmt::Debug for DefaultCredentialsChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DefaultCredentialsChain")
    }
}

impl Default for DefaultCredentialsChain {
    fn default() -> Self {
        DefaultCredentialsChain { env: Box::new(process_env) }
    }
}

impl DefaultCredentialsChain {
    /// A chain reading variables through `env` instead of the process
    /// environment (for tests).
    pub fn with_env(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        DefaultCredentialsChain { env: Box::new(env) }
    }

    /// Resolves credentials now.
    pub fn resolve(&self) -> Result<Credentials, Error> {
        let env = &self.env;
        let mut tried = Vec::new();
        match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => return Ok(Credentials::new(id, secret, env("AWS_SESSION_TOKEN"))),
            (Some(_), None) => tried.push("environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".to_owned()),
            _ => tried.push("environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set".to_owned()),
        }
        let profile = profile_name(env.as_ref());
        let files = SharedFiles::load(env.as_ref());
        let from = |section: Option<&BTreeMap<String, String>>| {
            let s = section?;
            Some(Credentials::new(
                s.get("aws_access_key_id")?.clone(),
                s.get("aws_secret_access_key")?.clone(),
                s.get("aws_session_token").cloned(),
            ))
        };
        if let Some(c) = from(files.credentials.get(&profile)) {
            return Ok(c);
        }
        tried.push(format!("{}: no keys for profile `{profile}`", files.credentials_path.display()));
        if let Some(c) = from(files.config.get(&profile)) {
            return Ok(c);
        }
        tried.push(format!("{}: no keys for profile `{profile}`", files.config_path.display()));
        Err(Error::new(ErrorKind::Credentials, format!("no AWS credentials found; tried {}", tried.join("; "))))
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(async move { self.resolve() })
    }
}

fn profile_name(env: &Env) -> String {
    env("AWS_PROFILE").unwrap_or_else(|| "default".to_owned())
}

fn home(env: &Env) -> PathBuf {
    env("HOME").or_else(|| env("USERPROFILE")).map(PathBuf::from).unwrap_or_default()
}

/// The parsed shared files, sections keyed by profile name.
struct SharedFiles {
    credentials_path: PathBuf,
    config_path: PathBuf,
    credentials: BTreeMap<String, BTreeMap<String, String>>,
    config: BTreeMap<String, BTreeMap<String, String>>,
}

impl SharedFiles {
    fn load(env: &Env) -> Self {
        let credentials_path = env("AWS_SHARED_CREDENTIALS_FILE").map(PathBuf::from).unwrap_or_else(|| home(env).join(".aws/credentials"));
        let config_path = env("AWS_CONFIG_FILE").map(PathBuf::from).unwrap_or_else(|| home(env).join(".aws/config"));
        let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        SharedFiles {
            credentials: parse_ini(&read(&credentials_path), false),
            config: parse_ini(&read(&config_path), true),
            credentials_path,
            config_path,
        }
    }
}

/// Parses an AWS shared file: `[name]` sections (`[profile name]` in the
/// config file, where `[default]` stays `default`), `key = value` lines,
/// `#`/`;` comments. Malformed lines are ignored.
fn parse_ini(text: &str, config_file: bool) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim();
            let name = match (config_file, name.strip_prefix("profile ")) {
                (true, Some(p)) => p.trim().to_owned(),
                (true, None) if name != "default" => {
                    current = None;
                    continue;
                }
                _ => name.to_owned(),
            };
            out.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        if let (Some(section), Some((k, v))) = (&current, line.split_once('=')) {
            out.entry(section.clone()).or_default().insert(k.trim().to_lowercase(), v.trim().to_owned());
        }
    }
    out
}

/// The region from `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's
/// `region` in the config file; the error names what was tried.
pub fn region_from_env() -> Result<String, Error> {
    region_with_env(&process_env)
}

/// [`region_from_env`] reading variables through `env` (for tests).
pub fn region_with_env(env: &Env) -> Result<String, Error> {
    if let Some(r) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
        return Ok(r);
    }
    let profile = profile_name(env);
    let files = SharedFiles::load(env);
    if let Some(r) = files.config.get(&profile).and_then(|s| s.get("region")) {
        return Ok(r.clone());
    }
    Err(Error::config(format!(
        "no AWS region found; tried AWS_REGION, AWS_DEFAULT_REGION and `region` of profile `{profile}` in {}",
        files.config_path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn environment_wins_then_profiles() {
        let dir = std::env::temp_dir().join(format!("nimbus-creds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let creds = dir.join("credentials");
        let config = dir.join("config");
        std::fs::write(&creds, "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=s2\naws_session_token = tok\n").unwrap();
        std::fs::write(&config, "[default]\nregion = eu-west-1\n[profile dev]\nregion = ap-south-1\n[sso-session x]\nregion = nope\n")
            .unwrap();
        let files = [("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()), ("AWS_CONFIG_FILE", config.to_str().unwrap())];

        let chain = DefaultCredentialsChain::with_env(env_of(&[("AWS_ACCESS_KEY_ID", "AKIDENV"), ("AWS_SECRET_ACCESS_KEY", "se")]));
        assert_eq!(chain.resolve().unwrap().access_key_id(), "AKIDENV");

        let chain = DefaultCredentialsChain::with_env(env_of(&files));
        assert_eq!(chain.resolve().unwrap().access_key_id(), "AKIDDEFAULT");
        assert_eq!(region_with_env(&env_of(&files)).unwrap(), "eu-west-1");

        let mut dev = files.to_vec();
        dev.push(("AWS_PROFILE", "dev"));
        let c = DefaultCredentialsChain::with_env(env_of(&dev)).resolve().unwrap();
        assert_eq!((c.access_key_id(), c.session_token()), ("AKIDDEV", Some("tok")));
        assert_eq!(region_with_env(&env_of(&dev)).unwrap(), "ap-south-1");
        dev.push(("AWS_REGION", "us-west-2"));
        assert_eq!(region_with_env(&env_of(&dev)).unwrap(), "us-west-2");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn nothing_found_names_what_was_tried() {
        let env = env_of(&[("HOME", "/nonexistent-home"), ("AWS_PROFILE", "ghost")]);
        let e = DefaultCredentialsChain::with_env(env).resolve().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        for part in ["AWS_ACCESS_KEY_ID", "/nonexistent-home/.aws/credentials", "ghost"] {
            assert!(e.message().contains(part), "{e}");
        }
        let e = region_with_env(&env_of(&[("HOME", "/nonexistent-home")])).unwrap_err();
        assert!(e.message().contains("AWS_REGION") && e.message().contains("AWS_DEFAULT_REGION"), "{e}");
    }
}
