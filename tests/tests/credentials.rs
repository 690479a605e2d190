//! The SSO credential source end to end, through the generated SSO and SSO
//! OIDC clients (`nimbus-aws-credentials`), against a local server that
//! answers as the SSO portal (`GetRoleCredentials`) and SSO OIDC
//! (`CreateToken`) do, in their documented shapes: no real server exists
//! for them. And the generated service crates install those calls.

mod fault_server;

use fault_server::{FaultServer, Step};
use nimbus_athena::config::{Config as AwsConfig, Credentials};
use nimbus_aws::credentials::DefaultCredentialsChain;

fn sha1_hex(text: &str) -> String {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn sso_refreshes_its_token_then_fetches_role_credentials() {
    let server = FaultServer::start();
    let oidc = server.scenario(vec![Step::json(
        200,
        r#"{"accessToken": "fresh-token", "tokenType": "Bearer", "expiresIn": 3600, "refreshToken": "rt-2"}"#,
    )]);
    let portal = server.scenario(vec![Step::json(
        200,
        r#"{"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "sso-secret", "sessionToken": "sso-token", "expiration": 4102444800000}}"#,
    )]);

    let dir = std::env::temp_dir().join(format!("nimbus-sso-live-{}", std::process::id()));
    let cache = dir.join("home/.aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        dir.join("config"),
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Developer\n\
         [sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n",
    )
    .unwrap();
    let cache_file = cache.join(format!("{}.json", sha1_hex("corp")));
    std::fs::write(
        &cache_file,
        r#"{"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "stale", "expiresAt": "2020-01-01T00:00:00Z", "clientId": "client-1", "clientSecret": "client-secret", "registrationExpiresAt": "2099-01-01T00:00:00Z", "refreshToken": "rt-1"}"#,
    )
    .unwrap();
    let vars: Vec<(String, String)> = [
        ("HOME", dir.join("home").display().to_string()),
        ("AWS_CONFIG_FILE", dir.join("config").display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", dir.join("none").display().to_string()),
        ("AWS_PROFILE", "dev".to_owned()),
        ("AWS_ENDPOINT_URL_SSO", portal.url()),
        ("AWS_ENDPOINT_URL_SSO_OIDC", oidc.url()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let env = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let chain = DefaultCredentialsChain::with_env(env).calls(nimbus_aws_credentials::calls());
    let credentials = chain.resolve().await.expect("SSO credentials");
    assert_eq!((credentials.access_key_id(), credentials.session_token()), ("ASIASSO", Some("sso-token")));
    assert_eq!(credentials.expiry(), Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(4_102_444_800)));

    let refresh = &oidc.requests()[0];
    assert_eq!(refresh.method, "POST");
    assert!(refresh.target.ends_with("/token"), "{}", refresh.target);
    let body: serde_json::Value = serde_json::from_slice(&refresh.body).unwrap();
    assert_eq!(body["grantType"], "refresh_token");
    assert_eq!((body["clientId"].as_str(), body["refreshToken"].as_str()), (Some("client-1"), Some("rt-1")));
    assert!(refresh.header("authorization").is_none(), "CreateToken is not signed");

    let fetch = &portal.requests()[0];
    assert_eq!(fetch.method, "GET");
    assert!(fetch.target.contains("/federation/credentials?"), "{}", fetch.target);
    assert!(fetch.target.contains("account_id=111122223333") && fetch.target.contains("role_name=Developer"), "{}", fetch.target);
    assert_eq!(fetch.header("x-amz-sso_bearer_token"), Some("fresh-token"));
    assert!(fetch.header("authorization").is_none(), "GetRoleCredentials is not signed");

    let cached: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cache_file).unwrap()).unwrap();
    assert_eq!((cached["accessToken"].as_str(), cached["refreshToken"].as_str()), (Some("fresh-token"), Some("rt-2")));
    std::fs::remove_dir_all(&dir).ok();
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
