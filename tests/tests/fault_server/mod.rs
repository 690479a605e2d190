//! A deliberately misbehaving HTTP/1.1 server for the fault suite.
//!
//! [`FaultServer`] listens on 127.0.0.1 (a free port) on its own thread with its own tokio runtime. A test registers
//! [`Scenario`]s, each a script of [`Step`]s answering, in order, the requests whose target starts with the scenario's
//! base path `/s/<id>` (the last step repeats once the script runs out). Every routed request is recorded exactly as
//! received ([`Recorded`]), so tests can assert the raw request line and headers. One request per connection: every
//! response says `connection: close` and the connection is closed after it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The largest request head accepted; a longer one is answered with 431.
const HEAD_CAP: usize = 1 << 20;
/// The largest request body accepted; a longer one is answered with 413.
const BODY_CAP: usize = 16 << 20;
/// How long a [`Step::Silent`] connection is held open at most.
const SILENT_MAX: Duration = Duration::from_secs(600);
/// The bytes of every [`Step::Huge`] body, written piece by piece.
static FILL: [u8; 64 * 1024] = [b'x'; 64 * 1024];

type Conn = BufReader<TcpStream>;
type Scenarios = Arc<Mutex<HashMap<u64, Arc<ScenarioState>>>>;

/// An HTTP/1.1 server on 127.0.0.1 answering each scenario's requests by its script. Dropping it stops it.
pub struct FaultServer {
    port: u16,
    scenarios: Scenarios,
    next_id: AtomicU64,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultServer {
    /// Starts the server on 127.0.0.1 with a free port, on its own thread with its own tokio runtime
    /// (so it is independent of the test's runtime), and waits until it accepts connections.
    pub fn start() -> FaultServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("fault server: bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("fault server: non-blocking listener");
        let port = listener.local_addr().expect("fault server: local address").port();
        let scenarios = Scenarios::default();
        let (stop, stopped) = watch::channel(false);
        let (ready, started) = std::sync::mpsc::channel();
        let shared = scenarios.clone();
        let thread = std::thread::Builder::new()
            .name("fault-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("fault server: runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("fault server: listener");
                    let _ = ready.send(());
                    accept_loop(listener, shared, stopped).await;
                });
                // Dropping the runtime drops the connection tasks that are left, closing their sockets.
            })
            .expect("fault server: thread");
        started.recv().expect("fault server: start");
        FaultServer { port, scenarios, next_id: AtomicU64::new(1), stop, thread: Some(thread) }
    }

    /// `http://127.0.0.1:<port>`
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Registers a scenario: the n-th request (0-based) whose path starts with `/s/<id>` is answered by
    /// `script[n]`, or by the last step once the script runs out. Returns the handle; ids are unique.
    ///
    /// Panics if `script` is empty.
    pub fn scenario(&self, script: Vec<Step>) -> Scenario {
        assert!(!script.is_empty(), "a fault scenario needs at least one step");
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ScenarioState { id, script, requests: Mutex::default() });
        lock(&self.scenarios).insert(id, state.clone());
        Scenario { url: format!("{}/s/{id}", self.origin()), state }
    }
}

impl Drop for FaultServer {
    /// Signals shutdown (every connection task, Silent, Dribble and Huge ones included, ends and closes its
    /// socket) and joins the server thread.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A scenario registered with [`FaultServer::scenario`]: its base URL and what it received.
#[derive(Clone)]
pub struct Scenario {
    url: String,
    state: Arc<ScenarioState>,
}

/// The script and the record of one scenario, shared with the server.
struct ScenarioState {
    id: u64,
    script: Vec<Step>,
    requests: Mutex<Vec<Recorded>>,
}

impl Scenario {
    /// `http://127.0.0.1:<port>/s/<id>` — used as the client's endpoint URL (a base path).
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The scenario id: the n-th response (0-based) carries `x-amzn-requestid: fault-<id>-<n>`.
    pub fn id(&self) -> u64 {
        self.state.id
    }

    /// The requests received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.requests).clone()
    }

    /// Number of requests received so far.
    pub fn count(&self) -> usize {
        lock(&self.state.requests).len()
    }
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// When the request head was complete.
    pub at: Instant,
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target with the `/s/<id>` prefix removed, exactly as sent otherwise (not decoded, not normalized),
    /// e.g. `/portals/p%2F1/sessions/s?x=1`. If the remainder is empty it is `/`. (Bytes that are not UTF-8, here
    /// and in headers, read as U+FFFD.)
    pub target: String,
    /// Header fields in order as received (names as sent).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }
}

/// How the server answers one request. Every response head also carries `connection: close` and
/// `x-amzn-requestid: fault-<scenario id>-<n>`, unless the step's own headers set them.
#[derive(Clone, Debug)]
pub enum Step {
    /// A complete response with Content-Length (unless `headers` set one).
    Respond {
        /// Status code.
        status: u16,
        /// Header fields, written first and in order.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Head says `content-length: declared` (and `content-type: application/json`), then only `sent` bytes of body
    /// are written, then the connection is closed.
    CloseMidBody {
        /// Status code.
        status: u16,
        /// The content-length announced.
        declared: usize,
        /// The body bytes actually written.
        sent: Vec<u8>,
    },
    /// Reads the request and never answers; keeps the connection open until the client closes it or the server stops
    /// (and at most 10 minutes).
    Silent,
    /// Head with content-length = body.len() (and `content-type: application/json`), then the body one byte every
    /// `interval`, the first one an `interval` after the head (stops at the next write once the client goes away).
    Dribble {
        /// Status code.
        status: u16,
        /// The body.
        body: Vec<u8>,
        /// The pause before each body byte.
        interval: Duration,
    },
    /// A body of `len` bytes `x` generated on the fly (64 KiB pieces of one static buffer, never held in memory),
    /// with `content-length` when `chunked` is false, or `transfer-encoding: chunked` when true.
    /// Stops quietly when the client closes the connection. `content_type` is sent as the content-type header.
    Huge {
        /// Status code.
        status: u16,
        /// The body length.
        len: u64,
        /// Chunked transfer coding instead of content-length.
        chunked: bool,
        /// The content-type header.
        content_type: String,
    },
    /// A redirect: `status` (e.g. 302) with `location` and an empty body.
    Redirect {
        /// Status code.
        status: u16,
        /// The location header.
        location: String,
    },
}

impl Step {
    /// `Respond` with a JSON body and `content-type: application/json`.
    pub fn json(status: u16, body: &str) -> Step {
        Step::json_with(status, &[], body)
    }

    /// `Respond` with extra headers (content-type application/json unless one is given).
    pub fn json_with(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> Step {
        let mut headers: Vec<_> = headers.iter().map(|&(name, value)| (name.to_owned(), value.to_owned())).collect();
        if header_of(&headers, "content-type").is_none() {
            headers.insert(0, ("content-type".into(), "application/json".into()));
        }
        Step::Respond { status, headers, body: body.as_bytes().to_vec() }
    }
}

/// Accepts connections until shutdown, each served on its own task that also ends on shutdown.
async fn accept_loop(listener: TcpListener, scenarios: Scenarios, mut stopped: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let (scenarios, mut stopped) = (scenarios.clone(), stopped.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = serve(stream, &scenarios) => {}
                _ = stopped.wait_for(|stop| *stop) => {}
            }
        });
    }
}

/// Reads one request, records it with its scenario and answers it by the script. Errors just end the connection.
async fn serve(stream: TcpStream, scenarios: &Scenarios) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut conn = BufReader::new(stream);
    let refuse = |status, message: &str| Step::json(status, &format!(r#"{{"message":"{message}"}}"#));
    let Some(head) = read_head(&mut conn).await? else {
        return answer(&mut conn, &refuse(431, "request head too large"), "fault-refused").await;
    };
    let mut request = parse_head(&head).ok_or_else(|| bad("malformed request head"))?;
    let Some(body) = read_body(&mut conn, &request.headers).await? else {
        return answer(&mut conn, &refuse(413, "request body too large"), "fault-refused").await;
    };
    let Some((scenario, target)) = route(&request.target).and_then(|(id, rest)| Some((lock(scenarios).get(&id)?.clone(), rest))) else {
        return answer(&mut conn, &refuse(404, "unknown fault scenario"), "fault-refused").await;
    };
    (request.target, request.body) = (target, body);
    let n = {
        let mut requests = lock(&scenario.requests);
        requests.push(request);
        requests.len() - 1
    };
    let step = &scenario.script[n.min(scenario.script.len() - 1)];
    answer(&mut conn, step, &format!("fault-{}-{n}", scenario.id)).await
}

/// Splits `/s/<id><rest>` into the id and the recorded target (`/` for an empty rest, `/?q` for `?q`).
fn route(target: &str) -> Option<(u64, String)> {
    let rest = target.strip_prefix("/s/")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = rest[..digits].parse().ok()?;
    match &rest[digits..] {
        "" => Some((id, "/".into())),
        rest if rest.starts_with('/') => Some((id, rest.into())),
        rest if rest.starts_with('?') => Some((id, format!("/{rest}"))),
        _ => None,
    }
}

/// Answers with `step` (`rid` is the `x-amzn-requestid` value), then closes.
async fn answer(conn: &mut Conn, step: &Step, rid: &str) -> io::Result<()> {
    let common = [("x-amzn-requestid", rid), ("connection", "close")];
    let head = |status, given: &[(String, String)], defaults: &[(&str, &str)]| response_head(status, given, &[defaults, &common].concat());
    let json = ("content-type", "application/json");
    match step {
        Step::Respond { status, headers, body } => {
            let len = body.len().to_string();
            conn.write_all(&[&head(*status, headers, &[("content-length", &len)]), body.as_slice()].concat()).await
        }
        Step::CloseMidBody { status, declared, sent } => {
            let len = declared.to_string();
            conn.write_all(&[&head(*status, &[], &[json, ("content-length", &len)]), sent.as_slice()].concat()).await
        }
        Step::Silent => {
            drain(conn, SILENT_MAX).await;
            Ok(())
        }
        Step::Dribble { status, body, interval } => {
            let len = body.len().to_string();
            conn.write_all(&head(*status, &[], &[json, ("content-length", &len)])).await?;
            for byte in body {
                tokio::time::sleep(*interval).await;
                conn.write_all(&[*byte]).await?;
            }
            Ok(())
        }
        Step::Huge { status, len, chunked, content_type } => {
            let framing = if *chunked { ("transfer-encoding", "chunked".to_owned()) } else { ("content-length", len.to_string()) };
            conn.write_all(&head(*status, &[], &[("content-type", content_type), (framing.0, &framing.1)])).await?;
            let (crlf, last): (&[u8], &[u8]) = if *chunked { (b"\r\n", b"0\r\n\r\n") } else { (b"", b"") };
            let mut left = *len;
            while left > 0 {
                let piece = &FILL[..left.min(FILL.len() as u64) as usize];
                let size = if *chunked { format!("{:x}\r\n", piece.len()) } else { String::new() };
                conn.write_all(size.as_bytes()).await?;
                conn.write_all(piece).await?;
                conn.write_all(crlf).await?;
                left -= piece.len() as u64;
            }
            conn.write_all(last).await
        }
        Step::Redirect { status, location } => {
            conn.write_all(&head(*status, &[], &[("location", location), ("content-length", "0")])).await
        }
    }?;
    conn.shutdown().await?;
    // A lingering close: what the client still sends is read, so that closing does not reset the connection under it.
    drain(conn, Duration::from_secs(1)).await;
    Ok(())
}

/// Reads and discards until the client closes the connection (or fails), at most for `limit`.
async fn drain(conn: &mut Conn, limit: Duration) {
    let mut sink = [0; 8192];
    let _ = tokio::time::timeout(limit, async { while conn.read(&mut sink).await.is_ok_and(|n| n > 0) {} }).await;
}

/// A response head: the status line, the `given` fields in order, then the `defaults` not given.
fn response_head(status: u16, given: &[(String, String)], defaults: &[(&str, &str)]) -> Vec<u8> {
    let reason = if status < 300 {
        "OK"
    } else if status < 400 {
        "Redirect"
    } else {
        "Error"
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    let missing = defaults.iter().copied().filter(|(name, _)| header_of(given, name).is_none());
    for (name, value) in given.iter().map(|(n, v)| (n.as_str(), v.as_str())).chain(missing) {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// Reads the request head through its blank line; `None` beyond [`HEAD_CAP`].
async fn read_head(conn: &mut Conn) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        if (&mut *conn).take((HEAD_CAP + 1 - start) as u64).read_until(b'\n', &mut head).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if head.len() > HEAD_CAP {
            return Ok(None);
        }
        if matches!(&head[start..], b"\r\n" | b"\n") {
            return Ok(Some(head));
        }
    }
}

/// The request head as a [`Recorded`] with the full raw target and no body yet; `None` if it is malformed.
fn parse_head(head: &[u8]) -> Option<Recorded> {
    let at = Instant::now();
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line));
    let (method, rest) = lines.next()?.split_once(' ')?;
    let (target, version) = rest.rsplit_once(' ')?;
    if method.is_empty() || target.is_empty() || !version.starts_with("HTTP/1.") {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines.take_while(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    Some(Recorded { at, method: method.to_owned(), target: target.to_owned(), headers, body: Vec::new() })
}

/// The body announced by `content-length` or `transfer-encoding: chunked`; `None` beyond [`BODY_CAP`].
async fn read_body(conn: &mut Conn, headers: &[(String, String)]) -> io::Result<Option<Vec<u8>>> {
    if let Some(coding) = header_of(headers, "transfer-encoding") {
        return if coding.eq_ignore_ascii_case("chunked") { read_chunked(conn).await } else { Err(bad("unsupported transfer-encoding")) };
    }
    let len: u64 = header_of(headers, "content-length").map_or(Ok(0), str::parse).map_err(|_| bad("bad content-length"))?;
    if len > BODY_CAP as u64 {
        return Ok(None);
    }
    let mut body = vec![0; len as usize];
    conn.read_exact(&mut body).await?;
    Ok(Some(body))
}

/// Decodes a chunked body (extensions and trailers are skipped); `None` beyond [`BODY_CAP`].
async fn read_chunked<R: AsyncBufRead + Unpin>(conn: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(conn).await?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            break;
        }
        if size > BODY_CAP - body.len() {
            return Ok(None);
        }
        let start = body.len();
        body.resize(start + size, 0);
        conn.read_exact(&mut body[start..]).await?;
        if !read_line(conn).await?.is_empty() {
            return Err(bad("chunk data longer than its size"));
        }
    }
    while !read_line(conn).await?.is_empty() {}
    Ok(Some(body))
}

/// One line of at most 8 KiB without its line ending.
async fn read_line<R: AsyncBufRead + Unpin>(conn: &mut R) -> io::Result<String> {
    let mut line = Vec::new();
    (&mut *conn).take(8192).read_until(b'\n', &mut line).await?;
    let line = line.strip_suffix(b"\n").ok_or_else(|| bad("line too long or cut short"))?;
    Ok(String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line)).into_owned())
}

/// The first value of header `name` (case-insensitive).
fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// An error for malformed input; it just ends the connection.
fn bad(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Locks, ignoring poisoning (a panicking test must not take the server down with it).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(5);

    async fn connect(server: &FaultServer) -> TcpStream {
        TcpStream::connect(server.origin().trim_start_matches("http://")).await.expect("connect")
    }

    /// Sends `raw` on a new connection and reads until the server closes it.
    async fn exchange(server: &FaultServer, raw: &[u8]) -> Response {
        let mut stream = connect(server).await;
        stream.write_all(raw).await.expect("write");
        let mut out = Vec::new();
        tokio::time::timeout(WAIT, stream.read_to_end(&mut out)).await.expect("closed in time").expect("read");
        Response::parse(&out)
    }

    fn get(scenario: &Scenario, path: &str) -> Vec<u8> {
        format!("GET /s/{}{path} HTTP/1.1\r\nHost: localhost\r\n\r\n", scenario.id()).into_bytes()
    }

    /// Reads from `stream` until at least `n` bytes arrived.
    async fn read_at_least(stream: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut out = vec![0; n];
        tokio::time::timeout(WAIT, stream.read_exact(&mut out)).await.expect("in time").expect("read");
        out
    }

    struct Response {
        status: u16,
        head: String,
        body: Vec<u8>,
    }

    impl Response {
        fn parse(raw: &[u8]) -> Response {
            let end = raw.windows(4).position(|w| w == b"\r\n\r\n").map_or(raw.len(), |p| p + 4);
            let head = String::from_utf8_lossy(&raw[..end]).into_owned();
            let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            Response { status, head, body: raw[end..].to_vec() }
        }

        fn header(&self, name: &str) -> Option<&str> {
            self.head.lines().skip(1).filter_map(|l| l.split_once(':')).find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
        }
    }

    #[tokio::test]
    async fn the_script_advances_and_the_last_step_repeats() {
        let server = FaultServer::start();
        let s =
            server.scenario(vec![Step::json(503, r#"{"a":1}"#), Step::json(503, "{}"), Step::json_with(200, &[("X-Extra", "1")], "{}")]);
        let post = format!("POST /s/{}/op HTTP/1.1\r\nHost: h\r\nX-Amz-Target: A.B\r\ncontent-length: 7\r\n\r\n{{\"k\":1}}", s.id());
        let mut statuses = Vec::new();
        for n in 0..4 {
            let r = exchange(&server, post.as_bytes()).await;
            assert_eq!(r.header("x-amzn-requestid"), Some(format!("fault-{}-{n}", s.id()).as_str()));
            assert_eq!(r.header("connection"), Some("close"));
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert_eq!(r.header("content-length"), Some(r.body.len().to_string().as_str()));
            statuses.push(r.status);
        }
        assert_eq!(statuses, [503, 503, 200, 200]);
        let r = exchange(&server, &get(&s, "")).await;
        assert_eq!(r.header("x-extra"), Some("1"));
        let requests = s.requests();
        assert_eq!((s.count(), requests.len()), (5, 5));
        let first = &requests[0];
        assert_eq!((first.method.as_str(), first.target.as_str(), first.body.as_slice()), ("POST", "/op", br#"{"k":1}"#.as_slice()));
        let names: Vec<_> = first.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Host", "X-Amz-Target", "content-length"]);
        assert_eq!(first.header("x-amz-target"), Some("A.B"));
        assert!(requests.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[tokio::test]
    async fn targets_are_recorded_raw_and_bodies_may_be_chunked() {
        let server = FaultServer::start();
        let s = server.scenario(vec![Step::json(200, "{}")]);
        assert_eq!(s.url(), format!("{}/s/{}", server.origin(), s.id()));
        for (path, recorded) in [
            ("/portals/..%2F/sessions/%0D%0A?x=%3F", "/portals/..%2F/sessions/%0D%0A?x=%3F"),
            ("", "/"),
            ("?x=1", "/?x=1"),
            ("//a/./b/../c", "//a/./b/../c"),
        ] {
            assert_eq!(exchange(&server, &get(&s, path)).await.status, 200);
            assert_eq!(s.requests().last().map(|r| r.target.clone()).as_deref(), Some(recorded));
        }
        let chunked =
            format!("PUT /s/{}/c HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nt: 1\r\n\r\n", s.id());
        assert_eq!(exchange(&server, chunked.as_bytes()).await.status, 200);
        assert_eq!(s.requests().last().map(|r| r.body.clone()), Some(b"hello world".to_vec()));
    }

    #[tokio::test]
    async fn unknown_scenarios_garbage_and_oversized_heads_are_refused() {
        let server = FaultServer::start();
        let s = server.scenario(vec![Step::json(200, "{}")]);
        for target in [format!("/s/{}0/x", s.id()), format!("/s/{}x", s.id()), "/s/".into(), "/other".into()] {
            let r = exchange(&server, format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes()).await;
            assert_eq!((r.status, r.body.as_slice()), (404, br#"{"message":"unknown fault scenario"}"#.as_slice()));
        }
        for garbage in [
            "garbage\r\n\r\n",
            "GET /s/1 HTTP/1.1\r\nno colon\r\n\r\n",
            "GET /s/1 HTTP/1.1\r\ncontent-length: -1\r\n\r\n",
            "\u{0}\u{1}\r\n\r\n",
        ] {
            assert!(exchange(&server, garbage.as_bytes()).await.head.is_empty(), "{garbage:?}");
        }
        let mut big = format!("GET /s/{}/ HTTP/1.1\r\nx-big: ", s.id()).into_bytes();
        big.resize(HEAD_CAP + 1, b'a');
        assert_eq!(exchange(&server, &big).await.status, 431);
        assert_eq!(s.count(), 0);
        assert_eq!(exchange(&server, &get(&s, "/ok")).await.status, 200);
    }

    #[tokio::test]
    async fn close_mid_body_redirect_and_silent() {
        let server = FaultServer::start();
        let s = server.scenario(vec![Step::CloseMidBody { status: 200, declared: 100, sent: b"{\"partial".to_vec() }]);
        let r = exchange(&server, &get(&s, "/")).await;
        assert_eq!((r.status, r.header("content-length"), r.body.as_slice()), (200, Some("100"), b"{\"partial".as_slice()));
        let s = server.scenario(vec![Step::Redirect { status: 302, location: "http://127.0.0.1:1/elsewhere".into() }]);
        let r = exchange(&server, &get(&s, "/")).await;
        assert_eq!((r.status, r.header("location"), r.header("content-length")), (302, Some("http://127.0.0.1:1/elsewhere"), Some("0")));
        assert!(r.body.is_empty());
        let s = server.scenario(vec![Step::Silent]);
        let mut stream = connect(&server).await;
        stream.write_all(&get(&s, "/")).await.expect("write");
        assert!(tokio::time::timeout(Duration::from_millis(300), stream.read(&mut [0])).await.is_err());
        assert_eq!(s.count(), 1);
    }

    #[tokio::test]
    async fn dribble_spaces_the_body_bytes() {
        let server = FaultServer::start();
        let interval = Duration::from_millis(80);
        let s = server.scenario(vec![Step::Dribble { status: 200, body: b"abcd".to_vec(), interval }]);
        let mut stream = connect(&server).await;
        let sent = Instant::now();
        stream.write_all(&get(&s, "/")).await.expect("write");
        let (mut raw, mut seen, mut buf) = (Vec::new(), Vec::new(), [0; 512]);
        while let Ok(n @ 1..) = tokio::time::timeout(WAIT, stream.read(&mut buf)).await.expect("in time") {
            raw.extend_from_slice(&buf[..n]);
            seen.push((raw.len(), Instant::now()));
        }
        let r = Response::parse(&raw);
        assert_eq!((r.status, r.header("content-length"), r.body.as_slice()), (200, Some("4"), b"abcd".as_slice()));
        assert!(seen.len() > 1, "the body came apart from the head");
        // Body byte k is written after k pauses, so it cannot arrive sooner (later is fine on a busy machine).
        for k in 1..=4 {
            let arrived = seen.iter().find(|(len, _)| *len >= r.head.len() + k).map(|(_, at)| *at).expect("byte");
            assert!(arrived - sent >= interval * k as u32, "byte {k} after {:?}", arrived - sent);
        }
    }

    #[tokio::test]
    async fn huge_bodies_stream_and_the_server_survives_clients_that_leave() {
        let server = FaultServer::start();
        for chunked in [false, true] {
            let huge = Step::Huge { status: 200, len: 1 << 30, chunked, content_type: "application/octet-stream".into() };
            let s = server.scenario(vec![huge, Step::json(200, "{}")]);
            let mut stream = connect(&server).await;
            stream.write_all(&get(&s, "/big")).await.expect("write");
            let head = Response::parse(&read_at_least(&mut stream, 4096).await);
            assert_eq!((head.status, head.header("content-type")), (200, Some("application/octet-stream")));
            let body = [head.body.clone(), read_at_least(&mut stream, 10 << 20).await].concat();
            if chunked {
                assert_eq!(head.header("transfer-encoding"), Some("chunked"));
                assert!(body.starts_with(b"10000\r\n") && body[7..7 + 65536].iter().all(|&b| b == b'x'));
                assert_eq!(&body[7 + 65536..7 + 65536 + 9], b"\r\n10000\r\n");
            } else {
                assert_eq!(head.header("content-length"), Some("1073741824"));
                assert!(body.iter().all(|&b| b == b'x'));
            }
            drop(stream);
            assert_eq!(exchange(&server, &get(&s, "/next")).await.status, 200);
        }
        let s = server.scenario(vec![Step::Huge { status: 200, len: 100_000, chunked: true, content_type: "text/plain".into() }]);
        let r = exchange(&server, &get(&s, "/")).await;
        let decoded = read_chunked(&mut BufReader::new(r.body.as_slice())).await.expect("chunked body");
        assert_eq!(decoded, Some(vec![b'x'; 100_000]));
    }

    #[tokio::test]
    async fn drop_closes_open_connections_promptly() {
        let server = FaultServer::start();
        let scenarios = [
            server.scenario(vec![Step::Silent]),
            server.scenario(vec![Step::Dribble { status: 200, body: vec![b'.'; 1000], interval: Duration::from_secs(1) }]),
            server.scenario(vec![Step::Huge { status: 200, len: 1 << 40, chunked: false, content_type: "text/plain".into() }]),
        ];
        let mut streams = Vec::new();
        for s in &scenarios {
            let mut stream = connect(&server).await;
            stream.write_all(&get(s, "/")).await.expect("write");
            streams.push(stream);
        }
        while scenarios.iter().any(|s| s.count() == 0) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let started = Instant::now();
        drop(server);
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        for mut stream in streams {
            let mut sink = Vec::new();
            let closed = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut sink)).await;
            assert!(closed.is_ok(), "connection still open after drop");
        }
    }
}
