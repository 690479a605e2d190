//! The credential sources end to end, one scenario each, printing
//! `credentials: N passed, M failed`. STS, SSO and SSO OIDC are called
//! through the generated clients (`nimbus-aws-credentials`) against a local
//! server that answers in their documented shapes (moto plays STS for real
//! in `live_moto`); instance metadata and container credentials against
//! `nimbus_aws::testing::CredentialsServer` (IMDSv2 refuses a request
//! without its token); `credential_process` runs a script.

mod fault_server;

use fault_server::{FaultServer, Scenario, Step};
use nimbus_athena::config::{Config as AwsConfig, Credentials};
use nimbus_aws::credentials::{CredentialsCache, DefaultCredentialsChain, ProvideCredentials};
use nimbus_aws::testing::CredentialsServer;
use nimbus_core::http::{BoxFuture, HttpRequest, ReqwestTransport, StreamingResponse, Transport};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

fn sha1_hex(text: &str) -> String {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A scratch directory with the files a scenario writes (removed on drop).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("nimbus-credentials-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// The environment of a scenario: the given variables, no real files, no
/// real instance metadata.
fn env(scratch: &Scratch, vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static + use<> {
    let mut all: Vec<(String, String)> = vec![
        ("HOME".into(), scratch.path("home")),
        ("AWS_CONFIG_FILE".into(), scratch.path("config")),
        ("AWS_SHARED_CREDENTIALS_FILE".into(), scratch.path("credentials")),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ];
    for (k, v) in vars {
        all.retain(|(name, _)| name != k);
        all.push(((*k).to_owned(), (*v).to_owned()));
    }
    move |name: &str| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn chain(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> DefaultCredentialsChain {
    DefaultCredentialsChain::with_env(env).calls(nimbus_aws_credentials::calls())
}

/// STS's documented answer to `AssumeRole` / `AssumeRoleWithWebIdentity`.
fn sts_answer(action: &str, key: &str) -> Step {
    let body = format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result><Credentials>\
         <AccessKeyId>{key}</AccessKeyId><SecretAccessKey>secret-of-{key}</SecretAccessKey><SessionToken>token-of-{key}</SessionToken>\
         <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>\
         <AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></{action}Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></{action}Response>"
    );
    Step::Respond { status: 200, headers: vec![("content-type".into(), "text/xml".into())], body: body.into_bytes() }
}

/// The form fields of a recorded awsQuery request.
fn form(scenario: &Scenario, index: usize) -> Vec<(String, String)> {
    let body = scenario.requests()[index].body.clone();
    String::from_utf8(body)
        .expect("form")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), String::from_utf8(nimbus_core::protocol::rest::percent_decode(v)).expect("utf-8")))
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

type Outcome = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

macro_rules! check {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

async fn env_keys() -> Result<(), String> {
    let s = Scratch::new("env");
    let c = chain(env(&s, &[("AWS_ACCESS_KEY_ID", "AKIDENV"), ("AWS_SECRET_ACCESS_KEY", "se"), ("AWS_SESSION_TOKEN", "tok")]))
        .resolve()
        .await
        .map_err(|e| e.to_string())?;
    check!((c.access_key_id(), c.session_token()) == ("AKIDENV", Some("tok")), "{c:?}");
    Ok(())
}

async fn static_keys() -> Result<(), String> {
    let cache = CredentialsCache::new(Arc::new(Credentials::new("AKIDSTATIC", "s", None)));
    let c = cache.provide().await.map_err(|e| e.to_string())?;
    check!(c.access_key_id() == "AKIDSTATIC" && c.expiry().is_none(), "{c:?}");
    Ok(())
}

async fn profile_keys() -> Result<(), String> {
    let s = Scratch::new("profile");
    s.write("credentials", "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = v\n");
    let c = chain(env(&s, &[("AWS_PROFILE", "dev")])).resolve().await.map_err(|e| e.to_string())?;
    check!(c.access_key_id() == "AKIDDEV", "{c:?}");
    Ok(())
}

async fn assume_role_chain() -> Result<(), String> {
    let server = FaultServer::start();
    let sts = server.scenario(vec![sts_answer("AssumeRole", "ASIAOPS"), sts_answer("AssumeRole", "ASIAADMIN")]);
    let s = Scratch::new("chain");
    s.write(
        "config",
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = ops\nexternal_id = ext-1\n\
         [profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = base\nrole_session_name = ops-session\n\
         [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = b\n",
    );
    let url = sts.url();
    let c = chain(env(&s, &[("AWS_PROFILE", "admin"), ("AWS_ENDPOINT_URL_STS", &url), ("AWS_REGION", "eu-west-1")]))
        .resolve()
        .await
        .map_err(|e| e.to_string())?;
    check!(c.access_key_id() == "ASIAADMIN" && c.expiry().is_some(), "{c:?}");
    let (first, second) = (form(&sts, 0), form(&sts, 1));
    check!(field(&first, "Action") == Some("AssumeRole"), "{first:?}");
    check!(field(&first, "RoleArn") == Some("arn:aws:iam::123456789012:role/ops"), "innermost first: {first:?}");
    check!(field(&first, "RoleSessionName") == Some("ops-session"), "{first:?}");
    check!(
        field(&second, "RoleArn") == Some("arn:aws:iam::123456789012:role/admin") && field(&second, "ExternalId") == Some("ext-1"),
        "{second:?}"
    );
    let auth = |i: usize| sts.requests()[i].header("authorization").unwrap_or_default().to_owned();
    check!(auth(0).contains("Credential=AKIDBASE/") && auth(0).contains("/eu-west-1/sts/"), "signed with the base keys: {}", auth(0));
    check!(auth(1).contains("Credential=ASIAOPS/"), "signed with the first role's: {}", auth(1));
    check!(sts.requests()[1].header("x-amz-security-token") == Some("token-of-ASIAOPS"), "the session token goes along");
    Ok(())
}

async fn credential_source() -> Result<(), String> {
    let server = FaultServer::start();
    let sts = server.scenario(vec![sts_answer("AssumeRole", "ASIAFROMECS")]);
    let container = CredentialsServer::start().await;
    let s = Scratch::new("source");
    s.write("config", "[default]\nrole_arn = arn:aws:iam::123456789012:role/deploy\ncredential_source = EcsContainer\n");
    let (url, uri) = (sts.url(), format!("{}/creds", container.url()));
    let c = chain(env(&s, &[("AWS_ENDPOINT_URL_STS", &url), ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)]))
        .resolve()
        .await
        .map_err(|e| e.to_string())?;
    check!(c.access_key_id() == "ASIAFROMECS", "{c:?}");
    let auth = sts.requests()[0].header("authorization").unwrap_or_default().to_owned();
    check!(auth.contains("Credential=AKIDSERVED/"), "the role is assumed with the container's credentials: {auth}");
    let missing = chain(env(&s, &[("AWS_ENDPOINT_URL_STS", &url)])).resolve().await;
    check!(missing.as_ref().is_err_and(|e| e.to_string().contains("EcsContainer")), "{missing:?}");
    Ok(())
}

async fn web_identity() -> Result<(), String> {
    let server = FaultServer::start();
    let sts = server.scenario(vec![sts_answer("AssumeRoleWithWebIdentity", "ASIAPOD")]);
    let s = Scratch::new("web");
    let token = s.write("token", "eyJ.pod.token\n");
    let url = sts.url();
    let c = chain(env(
        &s,
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", &token),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod"),
            ("AWS_ROLE_SESSION_NAME", "pod-1"),
            ("AWS_ENDPOINT_URL_STS", &url),
        ],
    ))
    .resolve()
    .await
    .map_err(|e| e.to_string())?;
    check!(c.access_key_id() == "ASIAPOD", "{c:?}");
    let sent = form(&sts, 0);
    check!(
        field(&sent, "Action") == Some("AssumeRoleWithWebIdentity") && field(&sent, "WebIdentityToken") == Some("eyJ.pod.token"),
        "{sent:?}"
    );
    check!(field(&sent, "RoleSessionName") == Some("pod-1"), "{sent:?}");
    check!(sts.requests()[0].header("authorization").is_none(), "not signed");
    Ok(())
}

const SSO_CONFIG: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Developer\n\
    [sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n";

const SSO_ROLE_ANSWER: &str = r#"{"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "sso-secret", "sessionToken": "sso-token", "expiration": 4102444800000}}"#;

async fn sso_cached_token() -> Result<(), String> {
    let server = FaultServer::start();
    let portal = server.scenario(vec![Step::json(200, SSO_ROLE_ANSWER)]);
    let s = Scratch::new("sso-cached");
    s.write("config", SSO_CONFIG);
    s.write(
        &format!("home/.aws/sso/cache/{}.json", sha1_hex("corp")),
        r#"{"accessToken": "cached-token", "expiresAt": "2099-01-01T00:00:00Z", "region": "eu-west-1", "startUrl": "https://corp.awsapps.com/start"}"#,
    );
    let url = portal.url();
    let c = chain(env(&s, &[("AWS_PROFILE", "dev"), ("AWS_ENDPOINT_URL_SSO", &url)])).resolve().await.map_err(|e| e.to_string())?;
    check!(c.access_key_id() == "ASIASSO", "{c:?}");
    let fetch = &portal.requests()[0];
    check!(fetch.header("x-amz-sso_bearer_token") == Some("cached-token"), "{fetch:?}");
    check!(fetch.target.contains("account_id=111122223333") && fetch.target.contains("role_name=Developer"), "{}", fetch.target);
    Ok(())
}

async fn sso_refreshed_token() -> Result<(), String> {
    let server = FaultServer::start();
    let oidc = server.scenario(vec![Step::json(
        200,
        r#"{"accessToken": "fresh-token", "tokenType": "Bearer", "expiresIn": 3600, "refreshToken": "rt-2"}"#,
    )]);
    let portal = server.scenario(vec![Step::json(200, SSO_ROLE_ANSWER)]);
    let s = Scratch::new("sso-refresh");
    s.write("config", SSO_CONFIG);
    let cache_file = s.write(
        &format!("home/.aws/sso/cache/{}.json", sha1_hex("corp")),
        r#"{"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "stale", "expiresAt": "2020-01-01T00:00:00Z", "clientId": "client-1", "clientSecret": "client-secret", "registrationExpiresAt": "2099-01-01T00:00:00Z", "refreshToken": "rt-1"}"#,
    );
    let (portal_url, oidc_url) = (portal.url(), oidc.url());
    let c = chain(env(&s, &[("AWS_PROFILE", "dev"), ("AWS_ENDPOINT_URL_SSO", &portal_url), ("AWS_ENDPOINT_URL_SSO_OIDC", &oidc_url)]))
        .resolve()
        .await
        .map_err(|e| e.to_string())?;
    check!(c.expiry() == Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(4_102_444_800)), "{c:?}");
    let refresh = &oidc.requests()[0];
    let body: serde_json::Value = serde_json::from_slice(&refresh.body).map_err(|e| e.to_string())?;
    check!(refresh.method == "POST" && refresh.target.ends_with("/token"), "{}", refresh.target);
    check!(body["grantType"] == "refresh_token" && body["refreshToken"] == "rt-1" && body["clientId"] == "client-1", "{body}");
    check!(refresh.header("authorization").is_none(), "CreateToken is not signed");
    check!(portal.requests()[0].header("x-amz-sso_bearer_token") == Some("fresh-token"), "the fetch uses the new token");
    let cached: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache_file).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    check!(cached["accessToken"] == "fresh-token" && cached["refreshToken"] == "rt-2", "the cache is updated: {cached}");
    Ok(())
}

async fn credential_process() -> Result<(), String> {
    let s = Scratch::new("process");
    let script = s.write(
        "creds.sh",
        "#!/bin/sh\necho \"signing in $1\" >&2\nprintf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"p\", \"SessionToken\": \"pt\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
    );
    s.write("config", &format!("[default]\ncredential_process = sh {script} prod\n[profile broken]\ncredential_process = sh -c 'echo token expired >&2; exit 2'\n"));
    let c = chain(env(&s, &[])).resolve().await.map_err(|e| e.to_string())?;
    check!((c.access_key_id(), c.session_token()) == ("AKIDPROC", Some("pt")) && c.expiry().is_some(), "{c:?}");
    let e = chain(env(&s, &[("AWS_PROFILE", "broken")])).resolve().await.expect_err("a failing process is an error");
    check!(e.to_string().contains("token expired"), "stderr is in the error: {e}");
    Ok(())
}

/// Sends requests for `http://169.254.170.2` (the ECS agent) to a local
/// server instead, so the relative URI form is tested as configured.
#[derive(Debug)]
struct EcsAgentAt(String, ReqwestTransport);

impl Transport for EcsAgentAt {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> BoxFuture<'a, Result<StreamingResponse, nimbus_core::Error>> {
        Box::pin(async move {
            let mut routed = request.clone();
            routed.url = request.url.replacen("http://169.254.170.2", &self.0, 1);
            self.1.send(&routed).await
        })
    }
}

async fn container_relative_uri() -> Result<(), String> {
    let server = CredentialsServer::start().await;
    let s = Scratch::new("ecs");
    let c = chain(env(&s, &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-1")]))
        .transport(Arc::new(EcsAgentAt(server.url(), ReqwestTransport::default())))
        .resolve()
        .await
        .map_err(|e| e.to_string())?;
    check!(c.access_key_id() == "AKIDSERVED", "{c:?}");
    check!(server.requests()[0].path == "/v2/credentials/task-1", "{:?}", server.requests());
    Ok(())
}

async fn container_full_uri() -> Result<(), String> {
    let server = CredentialsServer::start().await;
    let s = Scratch::new("eks");
    let token = s.write("eks-token", "pod-identity-token");
    let uri = format!("{}/v1/credentials", server.url());
    let c = chain(env(&s, &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri), ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token)]))
        .resolve()
        .await
        .map_err(|e| e.to_string())?;
    check!(c.access_key_id() == "AKIDSERVED", "{c:?}");
    check!(server.requests()[0].header("authorization") == Some("pod-identity-token"), "{:?}", server.requests());
    let refused = chain(env(&s, &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.9/creds")])).resolve().await;
    check!(refused.as_ref().is_err_and(|e| e.to_string().contains("not allowed")), "plain http to a remote host: {refused:?}");
    Ok(())
}

async fn instance_metadata() -> Result<(), String> {
    let server = CredentialsServer::start().await;
    let s = Scratch::new("imds");
    let url = server.url();
    let c = chain(env(&s, &[("AWS_EC2_METADATA_DISABLED", "false"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url)]))
        .resolve()
        .await
        .map_err(|e| e.to_string())?;
    check!((c.access_key_id(), c.session_token()) == ("AKIDEC2", Some("ec2-token")), "{c:?}");
    let seen = server.requests();
    check!(seen[0].method == "PUT" && seen[0].header("x-aws-ec2-metadata-token-ttl-seconds") == Some("21600"), "{seen:?}");
    check!(seen[1..].iter().all(|r| r.header("x-aws-ec2-metadata-token") == Some("imds-session-token")), "{seen:?}");
    Ok(())
}

async fn default_chain_order() -> Result<(), String> {
    let server = CredentialsServer::start().await;
    let s = Scratch::new("order");
    s.write("credentials", "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = p\n");
    let uri = format!("{}/creds", server.url());
    let imds = server.url();
    let all = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "e"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.as_str()),
    ];
    let key = |vars: &[(&str, &str)]| {
        let chain = chain(env(&s, vars));
        async move { chain.resolve().await.map(|c| c.access_key_id().to_owned()).map_err(|e| e.to_string()) }
    };
    check!(key(&all).await? == "AKIDENV", "environment first");
    check!(key(&all[2..]).await? == "AKIDPROFILE", "then the profile");
    std::fs::remove_file(s.path("credentials")).map_err(|e| e.to_string())?;
    check!(key(&all[2..]).await? == "AKIDSERVED", "then the container");
    check!(key(&all[3..]).await? == "AKIDEC2", "then instance metadata");
    let none = key(&[("AWS_EC2_METADATA_DISABLED", "true")]).await.expect_err("nothing");
    check!(
        none.contains("environment") && none.contains("profile") && none.contains("container") && none.contains("instance metadata"),
        "{none}"
    );
    Ok(())
}

async fn one_refresh_under_concurrency() -> Result<(), String> {
    let server = CredentialsServer::start().await;
    let s = Scratch::new("cache");
    let uri = format!("{}/creds", server.url());
    let cache = CredentialsCache::new(Arc::new(chain(env(&s, &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)]))));
    let all = futures_util::future::join_all((0..100).map(|_| cache.provide())).await;
    check!(all.iter().all(|c| c.as_ref().is_ok_and(|c| c.access_key_id() == "AKIDSERVED")), "every caller gets the credentials");
    check!(server.requests().len() == 1, "one fetch for 100 callers: {}", server.requests().len());
    Ok(())
}

async fn malformed_files() -> Result<(), String> {
    let s = Scratch::new("malformed");
    let config = s.write("config", "[default]\nregion = eu-west-1\n[profile dev\nregion = x\n");
    let e = chain(env(&s, &[])).resolve().await.expect_err("a malformed file");
    check!(e.to_string().contains(&format!("{config}:3")) && e.to_string().contains("closing `]`"), "{e}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_scenarios() {
    let scenarios: Vec<(&str, Outcome)> = vec![
        ("environment", Box::pin(env_keys())),
        ("static", Box::pin(static_keys())),
        ("profile", Box::pin(profile_keys())),
        ("assume-role chain", Box::pin(assume_role_chain())),
        ("credential_source", Box::pin(credential_source())),
        ("web identity", Box::pin(web_identity())),
        ("SSO with a cached token", Box::pin(sso_cached_token())),
        ("SSO with a refresh", Box::pin(sso_refreshed_token())),
        ("credential_process", Box::pin(credential_process())),
        ("container, relative URI", Box::pin(container_relative_uri())),
        ("container, full URI", Box::pin(container_full_uri())),
        ("IMDSv2", Box::pin(instance_metadata())),
        ("default chain order", Box::pin(default_chain_order())),
        ("one refresh for 100 callers", Box::pin(one_refresh_under_concurrency())),
        ("malformed files", Box::pin(malformed_files())),
    ];
    let (mut passed, mut failed) = (0, Vec::new());
    for (name, scenario) in scenarios {
        match tokio::spawn(scenario).await {
            Ok(Ok(())) => passed += 1,
            Ok(Err(why)) => failed.push(format!("{name}: {why}")),
            Err(panic) => failed.push(format!("{name}: {panic}")),
        }
    }
    for f in &failed {
        println!("--- credentials: {f}");
    }
    println!("credentials: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "credential scenarios failed: {failed:?}");
}

#[test]
fn generated_clients_install_the_credential_calls() {
    let client = nimbus_athena::Client::new(AwsConfig::new().region("us-east-1"));
    let debug = format!("{:?}", client.core().config());
    assert!(debug.contains("credential_calls: Some(GeneratedClients)"), "{debug}");
    // Explicit credentials are used as they are; the calls are still there for the default chain.
    let client = nimbus_athena::Client::new(AwsConfig::new().credentials(Credentials::new("AKID", "s", None)));
    assert!(format!("{:?}", client.core().config()).contains("GeneratedClients"));
}
