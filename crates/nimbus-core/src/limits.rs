//! How long the pipeline waits for a response and how much of it it keeps:
//! the defaults every call gets, so a server that never answers, dribbles,
//! or sends a huge body cannot hang a call or exhaust memory.
//!
//! | limit | default | what happens |
//! |---|---|---|
//! | connect timeout | 3.1 s (as the AWS SDK for Rust) | [`ErrorKind::Transport`] (a connection failure, retried) |
//! | read timeout | 60 s (as botocore's `read_timeout`) | no byte of the response head or body for that long: [`ErrorKind::Timeout`] (retried) |
//! | minimum throughput | 1 KiB/s on average, judged after 20 s | a buffered body arriving slower: [`ErrorKind::Timeout`] (retried) |
//! | buffered body | 64 MiB | a successful response larger than that: [`ErrorKind::ResponseTooLarge`], final |
//! | error body | 64 KiB | only that much of an error response is read (code and message fit easily) |
//!
//! Streamed responses (`executeStreamingSql`) are not buffered: each chunk
//! must arrive within the read timeout, and nothing else limits them.

use crate::error::{Error, ErrorKind};
use crate::http::{Bytes, HttpRequest, HttpResponse, StreamingResponse, Transport};
use futures_util::stream::{BoxStream, StreamExt};
use std::time::{Duration, Instant};

/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Limits on reading one response (see the module docs for the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseLimits {
    /// The longest wait for the response head, and between two chunks of
    /// its body (an idle timeout, not a total one).
    pub read_timeout: Duration,
    /// The largest successful body read into memory.
    pub max_body_bytes: usize,
    /// How much of an error response's body is read.
    pub max_error_body_bytes: usize,
    /// The slowest a buffered body may arrive, or `None` for no minimum.
    pub min_throughput: Option<MinThroughput>,
}

/// A minimum average speed for buffered bodies: a body still incomplete
/// after `grace` whose bytes so far average less than `bytes_per_second`
/// fails the attempt with a timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinThroughput {
    /// Bytes per second, averaged since the response head arrived.
    pub bytes_per_second: u64,
    /// How long a body may take before its speed is judged.
    pub grace: Duration,
}

impl Default for ResponseLimits {
    fn default() -> Self {
        ResponseLimits {
            read_timeout: Duration::from_secs(60),
            max_body_bytes: 64 << 20,
            max_error_body_bytes: 64 << 10,
            min_throughput: Some(MinThroughput { bytes_per_second: 1024, grace: Duration::from_secs(20) }),
        }
    }
}

impl ResponseLimits {
    fn idle(&self, what: &str) -> Error {
        Error::new(ErrorKind::Timeout, format!("no data for {:?} while waiting for the {what}", self.read_timeout))
    }

    /// Sends `request` and waits (at most the read timeout) for the response head.
    pub async fn send<T: Transport + ?Sized>(&self, transport: &T, request: &HttpRequest) -> Result<StreamingResponse, Error> {
        tokio::time::timeout(self.read_timeout, transport.send(request)).await.map_err(|_| self.idle("response"))?
    }

    /// Sends `request` and reads the whole response within these limits: a
    /// successful body over `max_body_bytes` is an error, an error body is
    /// cut at `max_error_body_bytes` (and then classified as usual).
    pub async fn send_full<T: Transport + ?Sized>(&self, transport: &T, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let response = self.send(transport, request).await?;
        self.collect(response).await
    }

    /// Reads a response's body within these limits (see [`send_full`](Self::send_full)).
    pub async fn collect(&self, mut response: StreamingResponse) -> Result<HttpResponse, Error> {
        let success = (200..300).contains(&response.status);
        let cap = if success { self.max_body_bytes } else { self.max_error_body_bytes };
        let declared = response.headers.get("content-length").and_then(|v| v.trim().parse::<u64>().ok());
        if success {
            if let Some(len) = declared.filter(|&len| len > cap as u64) {
                return Err(too_large(len, cap));
            }
        }
        let started = Instant::now();
        let mut body = BodyBuffer::with_hint(declared.unwrap_or(0).min(cap as u64) as usize);
        loop {
            let next = tokio::time::timeout(self.read_timeout, response.body.next()).await.map_err(|_| self.idle("response body"))?;
            let Some(chunk) = next else { break };
            let chunk = chunk?;
            if body.len() + chunk.len() > cap {
                if success {
                    return Err(too_large((body.len() + chunk.len()) as u64, cap));
                }
                body.push(chunk.slice(..cap - body.len()));
                break;
            }
            body.push(chunk);
            if let Some(min) = self.min_throughput {
                let elapsed = started.elapsed();
                if elapsed > min.grace && (body.len() as f64) < min.bytes_per_second as f64 * elapsed.as_secs_f64() {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "the response body arrives too slowly: {} bytes in {elapsed:.1?} (minimum {} bytes/s)",
                            body.len(),
                            min.bytes_per_second
                        ),
                    ));
                }
            }
        }
        Ok(HttpResponse { status: response.status, headers: response.headers, body: body.finish() })
    }

    /// Wraps a streamed body so that each chunk must arrive within the read timeout.
    pub fn idle_timeout(&self, body: BoxStream<'static, Result<Bytes, Error>>) -> BoxStream<'static, Result<Bytes, Error>> {
        let limits = *self;
        futures_util::stream::unfold(Some(body), move |state| async move {
            let mut body = state?;
            match tokio::time::timeout(limits.read_timeout, body.next()).await {
                Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(body))),
                Ok(Some(Err(e))) => Some((Err(e), None)),
                Ok(None) => None,
                Err(_) => Some((Err(limits.idle("next chunk of the stream")), None)),
            }
        })
        .boxed()
    }
}

fn too_large(len: u64, cap: usize) -> Error {
    Error::new(
        ErrorKind::ResponseTooLarge,
        format!(
            "the response body is larger than the limit of {cap} bytes (at least {len} bytes); raise `Config::max_response_body_bytes` to accept it"
        ),
    )
}

/// Body chunks gathered into one buffer; a body in one chunk is kept as is.
struct BodyBuffer {
    single: Option<Bytes>,
    buf: Vec<u8>,
    hint: usize,
}

impl BodyBuffer {
    fn with_hint(hint: usize) -> Self {
        BodyBuffer { single: None, buf: Vec::new(), hint }
    }

    fn len(&self) -> usize {
        self.single.as_ref().map_or(self.buf.len(), Bytes::len)
    }

    fn push(&mut self, chunk: Bytes) {
        if self.single.is_none() && self.buf.is_empty() {
            self.single = Some(chunk);
            return;
        }
        if let Some(first) = self.single.take() {
            self.buf.reserve(self.hint.max(first.len() + chunk.len()));
            self.buf.extend_from_slice(&first);
        }
        self.buf.extend_from_slice(&chunk);
    }

    fn finish(self) -> Bytes {
        self.single.unwrap_or_else(|| Bytes::from(self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    fn chunked(status: u16, headers: &[(&'static str, &'static str)], chunks: Vec<&'static [u8]>) -> StreamingResponse {
        let body = futures_util::stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from_static(c)))).boxed();
        StreamingResponse { status, headers: headers.iter().copied().collect::<Headers>(), body }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime").block_on(f)
    }

    #[test]
    fn bodies_over_the_cap_are_errors_and_error_bodies_are_cut() {
        let limits = ResponseLimits { max_body_bytes: 8, max_error_body_bytes: 4, ..Default::default() };
        let ok = block_on(limits.collect(chunked(200, &[], vec![b"abcd", b"efgh"]))).unwrap();
        assert_eq!(&ok.body[..], b"abcdefgh");
        let e = block_on(limits.collect(chunked(200, &[], vec![b"abcd", b"efgh", b"i"]))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResponseTooLarge);
        let e = block_on(limits.collect(chunked(200, &[("Content-Length", "9")], vec![]))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "declared length alone");
        let cut = block_on(limits.collect(chunked(500, &[], vec![b"ab", b"cdef", b"gh"]))).unwrap();
        assert_eq!((cut.status, &cut.body[..]), (500, &b"abcd"[..]));
    }

    #[test]
    fn a_silent_stream_times_out() {
        let limits = ResponseLimits { read_timeout: Duration::from_millis(20), ..Default::default() };
        let silent = StreamingResponse { status: 200, headers: Headers::new(), body: futures_util::stream::pending().boxed() };
        assert_eq!(block_on(limits.collect(silent)).unwrap_err().kind(), ErrorKind::Timeout);
        let mut stream = limits.idle_timeout(futures_util::stream::pending().boxed());
        let e = block_on(stream.next()).expect("an item").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout);
    }
}
