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
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// Supplies credentials for signing (called once per attempt, through the
/// configuration's [`CredentialsCache`]).
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

/// How long before their expiry cached credentials are refreshed.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// Caches what a provider returns, for every client made from one
/// configuration: credentials are fetched once and again only when they
/// come within [`REFRESH_BEFORE_EXPIRY`] of their expiry (credentials
/// without an expiry never are). One refresh runs at a time: callers that
/// arrive during it wait for its result instead of fetching again. When a
/// refresh fails while the cached credentials are still valid, those are
/// used (the next call tries again).
#[derive(Debug)]
pub struct CredentialsCache {
    inner: Arc<dyn ProvideCredentials>,
    cached: RwLock<Option<Credentials>>,
    refreshing: futures_util::lock::Mutex<()>,
    /// Counts successful refreshes: a caller that waited for one takes its
    /// result (while valid) instead of refreshing again.
    refreshes: std::sync::atomic::AtomicU64,
}

impl CredentialsCache {
    /// A cache in front of `inner`.
    pub fn new(inner: Arc<dyn ProvideCredentials>) -> Self {
        CredentialsCache {
            inner,
            cached: RwLock::new(None),
            refreshing: futures_util::lock::Mutex::new(()),
            refreshes: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The cached credentials if they are not due for a refresh at `now`.
    fn fresh(&self, now: SystemTime) -> Option<Credentials> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        cached.as_ref().filter(|c| c.expiry().is_none_or(|at| at > now + REFRESH_BEFORE_EXPIRY)).cloned()
    }

    /// The cached credentials if they have not expired at all.
    fn valid(&self) -> Option<Credentials> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        cached.as_ref().filter(|c| c.expiry().is_none_or(|at| at > SystemTime::now())).cloned()
    }

    async fn provide_cached(&self) -> Result<Credentials, Error> {
        use std::sync::atomic::Ordering;
        let seen = self.refreshes.load(Ordering::Acquire);
        if let Some(credentials) = self.fresh(SystemTime::now()) {
            return Ok(credentials);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        // A refresh finished while this call waited: its result serves.
        if self.refreshes.load(Ordering::Acquire) != seen {
            if let Some(credentials) = self.valid() {
                return Ok(credentials);
            }
        }
        match self.inner.provide().await {
            Ok(credentials) => {
                *self.cached.write().unwrap_or_else(|e| e.into_inner()) = Some(credentials.clone());
                self.refreshes.fetch_add(1, Ordering::Release);
                Ok(credentials)
            }
            Err(e) => self.valid().ok_or(e),
        }
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.provide_cached())
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its fetches; each takes a few scheduler turns and returns
    /// credentials expiring `ttl` from now (never, without one), or fails.
    #[derive(Debug)]
    struct Counting {
        fetches: AtomicUsize,
        ttl: Option<Duration>,
        fail: bool,
    }

    impl ProvideCredentials for Counting {
        fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
            Box::pin(async move {
                let n = self.fetches.fetch_add(1, Ordering::SeqCst);
                for _ in 0..5 {
                    tokio::task::yield_now().await;
                }
                if self.fail {
                    return Err(Error::config("the provider is down"));
                }
                let credentials = Credentials::new(format!("AKID{n}"), "secret", None);
                Ok(match self.ttl {
                    Some(ttl) => credentials.with_expiry(SystemTime::now() + ttl),
                    None => credentials,
                })
            })
        }
    }

    fn counting(ttl: Option<Duration>, fail: bool) -> Arc<Counting> {
        Arc::new(Counting { fetches: AtomicUsize::new(0), ttl, fail })
    }

    #[tokio::test]
    async fn credentials_cache_refreshes_once_for_a_hundred_concurrent_calls() {
        let report = |name: &str, fetches: usize, expected: usize| {
            println!("credentials cache {name}: {fetches} fetches (expected {expected})");
            assert_eq!(fetches, expected, "{name}");
        };
        // Expiring in an hour: one fetch serves every caller, now and later.
        let provider = counting(Some(Duration::from_secs(3600)), false);
        let cache = CredentialsCache::new(provider.clone());
        let all = futures_util::future::join_all((0..100).map(|_| cache.provide())).await;
        assert!(all.iter().all(|c| c.as_ref().is_ok_and(|c| c.access_key_id() == "AKID0")));
        cache.provide().await.expect("cached");
        report("hour", provider.fetches.load(Ordering::SeqCst), 1);

        // Inside the refresh window (2 minutes left): each wave refreshes
        // once, however many callers it has.
        let provider = counting(Some(Duration::from_secs(120)), false);
        let cache = CredentialsCache::new(provider.clone());
        futures_util::future::join_all((0..100).map(|_| cache.provide())).await;
        report("refresh window, first wave", provider.fetches.load(Ordering::SeqCst), 1);
        futures_util::future::join_all((0..100).map(|_| cache.provide())).await;
        report("refresh window, second wave", provider.fetches.load(Ordering::SeqCst), 2);

        // Without an expiry: never refreshed.
        let provider = counting(None, false);
        let cache = CredentialsCache::new(provider.clone());
        for _ in 0..10 {
            cache.provide().await.expect("static");
        }
        report("static", provider.fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_still_valid_credentials_and_reports_otherwise() {
        #[derive(Debug)]
        struct Flaky(AtomicUsize);
        impl ProvideCredentials for Flaky {
            fn provide(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
                let n = self.0.fetch_add(1, Ordering::SeqCst);
                Box::pin(async move {
                    match n {
                        0 => Ok(Credentials::new("AKID", "s", None).with_expiry(SystemTime::now() + Duration::from_secs(60))),
                        _ => Err(Error::config("the provider is down")),
                    }
                })
            }
        }
        let cache = CredentialsCache::new(Arc::new(Flaky(AtomicUsize::new(0))));
        cache.provide().await.expect("first fetch");
        let kept = cache.provide().await.expect("the refresh fails, the credentials still hold for a minute");
        assert_eq!(kept.access_key_id(), "AKID");
        let down = CredentialsCache::new(counting(None, true));
        assert_eq!(down.provide().await.unwrap_err().message(), "the provider is down");
    }

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
