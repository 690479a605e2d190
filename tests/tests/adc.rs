//! Application Default Credentials against local token endpoints and a
//! local metadata server: what is sent, that the service account's JWT
//! verifies with its public key, caching and renewal, and typed errors.

mod common;

use base64::Engine as _;
use common::{ScriptedServer, answer};
use nimbus_core::ErrorKind;
use nimbus_google::ProvideToken;
use nimbus_google::adc::{ApplicationDefaultCredentials, CLOUD_PLATFORM};

/// A throwaway RSA key made for these tests only.
const KEY: &str = include_str!("data/throwaway-test-key.pem");

fn temp_file(name: &str, json: &serde_json::Value) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nimbus-adc-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("credentials.json");
    std::fs::write(&file, json.to_string()).expect("write credentials");
    file
}

/// The form fields of a raw HTTP request.
fn form(raw: &str) -> Vec<(String, String)> {
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), String::from_utf8(nimbus_core::protocol::rest::percent_decode(v)).expect("UTF-8")))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

#[tokio::test]
async fn service_account_jwt_is_signed_with_the_key_and_names_the_account() {
    let server = ScriptedServer::start(vec![answer(200, r#"{"access_token":"ya29.sa","expires_in":3600}"#)]).await;
    let token_uri = format!("{}/token", server.url);
    let file = temp_file(
        "sa",
        &serde_json::json!({"type": "service_account", "private_key_id": "k1", "private_key": KEY,
            "client_email": "robot@nimbus-test.iam.gserviceaccount.com", "token_uri": token_uri}),
    );
    let adc = ApplicationDefaultCredentials::from_file(&file, &[CLOUD_PLATFORM]);
    assert_eq!(adc.token().await.expect("token"), "ya29.sa");
    assert_eq!(adc.token().await.expect("cached token"), "ya29.sa");
    let got = server.received();
    assert_eq!(got.len(), 1, "one token request for two calls");
    assert!(got[0].raw.starts_with("POST /token "), "{}", got[0].raw);
    let fields = form(&got[0].raw);
    assert_eq!(field(&fields, "grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");

    let jwt = field(&fields, "assertion");
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: serde_json::Value = serde_json::from_slice(&b64.decode(parts[0]).expect("header")).expect("header JSON");
    let claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).expect("claims")).expect("claims JSON");
    assert_eq!((header["alg"].as_str(), header["kid"].as_str()), (Some("RS256"), Some("k1")));
    assert_eq!(claims["iss"], "robot@nimbus-test.iam.gserviceaccount.com");
    assert_eq!(claims["aud"], token_uri.as_str());
    assert_eq!(claims["scope"], CLOUD_PLATFORM);
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 3600);

    // The signature verifies with the key's public half.
    let pem: String = KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(pem).expect("PEM");
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).expect("key");
    use ring::signature::KeyPair as _;
    let public = ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref());
    let signed = format!("{}.{}", parts[0], parts[1]);
    public.verify(signed.as_bytes(), &b64.decode(parts[2]).expect("signature")).expect("the signature verifies");
    assert!(!format!("{adc:?}").contains("PRIVATE"), "keys never reach Debug output");
    std::fs::remove_dir_all(file.parent().unwrap()).ok();
}

#[tokio::test]
async fn user_credentials_refresh_and_renew_tokens_near_expiry() {
    let server = ScriptedServer::start(vec![
        // Expires within the renewal margin: the next call asks again.
        answer(200, r#"{"access_token":"ya29.first","expires_in":60}"#),
        answer(200, r#"{"access_token":"ya29.second","expires_in":3600}"#),
    ])
    .await;
    let file = temp_file(
        "user",
        &serde_json::json!({"type": "authorized_user", "client_id": "cid", "client_secret": "c-secret",
            "refresh_token": "1//refresh", "token_uri": format!("{}/token", server.url)}),
    );
    let adc = ApplicationDefaultCredentials::from_file(&file, &[CLOUD_PLATFORM]);
    assert_eq!(adc.token().await.expect("first"), "ya29.first");
    assert_eq!(adc.token().await.expect("second"), "ya29.second");
    assert_eq!(adc.token().await.expect("cached"), "ya29.second");
    let got = server.received();
    assert_eq!(got.len(), 2);
    let fields = form(&got[0].raw);
    assert_eq!(
        (field(&fields, "grant_type"), field(&fields, "client_id"), field(&fields, "client_secret"), field(&fields, "refresh_token")),
        ("refresh_token", "cid", "c-secret", "1//refresh")
    );
    std::fs::remove_dir_all(file.parent().unwrap()).ok();
}

#[tokio::test]
async fn metadata_server_tokens_carry_the_flavor_header_and_scopes() {
    let server = ScriptedServer::start(vec![answer(200, r#"{"access_token":"ya29.gce","expires_in":3599,"token_type":"Bearer"}"#)]).await;
    let adc =
        ApplicationDefaultCredentials::from_metadata_server(&server.url, &[CLOUD_PLATFORM, "https://www.googleapis.com/auth/spanner.data"]);
    assert_eq!(adc.token().await.expect("token"), "ya29.gce");
    let raw = &server.received()[0].raw;
    assert!(
        raw.starts_with("GET /computeMetadata/v1/instance/service-accounts/default/token?scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform%2Chttps%3A%2F%2F"),
        "{raw}"
    );
    assert!(raw.to_ascii_lowercase().contains("metadata-flavor: google"), "{raw}");
}

#[tokio::test]
async fn refused_and_unreachable_token_endpoints_are_credentials_errors() {
    let server =
        ScriptedServer::start(vec![answer(400, r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#)])
            .await;
    let file = temp_file(
        "refused",
        &serde_json::json!({"type": "authorized_user", "client_id": "cid", "client_secret": "s", "refresh_token": "r",
            "token_uri": format!("{}/token", server.url)}),
    );
    let err = ApplicationDefaultCredentials::from_file(&file, &[CLOUD_PLATFORM]).token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert!(err.to_string().contains("invalid_grant") && err.to_string().contains("HTTP 400"), "{err}");
    std::fs::remove_dir_all(file.parent().unwrap()).ok();

    let err = ApplicationDefaultCredentials::from_metadata_server("http://127.0.0.1:9", &[CLOUD_PLATFORM]).token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert!(err.to_string().contains("cannot reach http://127.0.0.1:9"), "{err}");

    let missing = std::env::temp_dir().join("nimbus-adc-no-such-file.json");
    let err = ApplicationDefaultCredentials::from_file(&missing, &[CLOUD_PLATFORM]).token().await.unwrap_err();
    assert!(err.to_string().contains("cannot read the credentials file"), "{err}");
}
