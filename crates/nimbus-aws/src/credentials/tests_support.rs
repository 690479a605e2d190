//! A local credentials server for the providers' tests: it answers as the
//! EC2 instance metadata service and as a container credentials endpoint
//! (the documented request and answer shapes), and records what it was
//! asked.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Variables from a list, as the providers read them.
pub(crate) fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static + use<> {
    let map: std::collections::HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |k| map.get(k).cloned()
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct State {
    seen: Vec<Seen>,
    fixed: Option<(u16, String)>,
    refuse_tokens: bool,
}

/// The server; it stops when dropped.
pub(crate) struct CredentialsServer {
    port: u16,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CredentialsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const EXPIRES: &str = "2099-01-01T00:00:00Z";

impl CredentialsServer {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, shared.clone()));
            }
        });
        CredentialsServer { port, state, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Answers every request with `status` and `body`.
    pub fn answer_with(&self, status: u16, body: &str) {
        self.state.lock().unwrap().fixed = Some((status, body.to_owned()));
    }

    /// Answers the IMDSv2 token request with 403 (an instance with tokens
    /// turned off) and serves requests without a token.
    pub fn refuse_tokens(&self) {
        self.state.lock().unwrap().refuse_tokens = true;
    }
}

fn answer(state: &mut State, seen: &Seen) -> (u16, String) {
    if let Some(fixed) = &state.fixed {
        return fixed.clone();
    }
    let token_ok = state.refuse_tokens || seen.header("x-aws-ec2-metadata-token") == Some("imds-session-token");
    match (seen.method.as_str(), seen.path.as_str()) {
        ("PUT", "/latest/api/token") if state.refuse_tokens => (403, String::new()),
        ("PUT", "/latest/api/token") if seen.header("x-aws-ec2-metadata-token-ttl-seconds").is_some() => (200, "imds-session-token".into()),
        ("PUT", "/latest/api/token") => (400, String::new()),
        (_, path) if path.starts_with("/latest/") && !token_ok => (401, String::new()),
        ("GET", "/latest/meta-data/iam/security-credentials/") => (200, "ec2-role\n".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/ec2-role") => (
            200,
            format!(
                r#"{{"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "AKIDEC2", "SecretAccessKey": "ec2-secret", "Token": "ec2-token", "Expiration": "{EXPIRES}"}}"#
            ),
        ),
        ("GET", _) => (
            200,
            format!(
                r#"{{"AccessKeyId": "AKIDSERVED", "SecretAccessKey": "served-secret", "Token": "served-token", "Expiration": "{EXPIRES}"}}"#
            ),
        ),
        _ => (405, String::new()),
    }
}

async fn serve(mut socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (request_line.next().unwrap_or_default().to_owned(), request_line.next().unwrap_or_default().to_owned());
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let seen = Seen { method, path, headers };
    let (status, body) = {
        let mut state = state.lock().unwrap();
        let answer = answer(&mut state, &seen);
        state.seen.push(seen);
        answer
    };
    let response = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
    let _ = socket.write_all(response.as_bytes()).await;
}

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
