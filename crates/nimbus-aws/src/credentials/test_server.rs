//! A local credentials server for tests (feature `test-util`): it answers
//! as the EC2 instance metadata service (IMDSv2: a request without the
//! session token is 401) and as a container credentials endpoint, in their
//! documented request and answer shapes, and records what it was asked.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Variables from a list, as the providers read them.
pub fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static + use<> {
    let map: std::collections::HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |k| map.get(k).cloned()
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The request target (path and query).
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
pub struct CredentialsServer {
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
        ("GET", "/latest/meta-data/placement/region") => (200, "ap-northeast-2".into()),
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
