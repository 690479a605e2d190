//! Incremental decoding of streamed Google REST responses and merging of Spanner chunked values.
//!
//! Google's REST mapping of server-streaming methods answers with one JSON
//! array whose elements are the streamed messages (`[{...},{...}]`); the
//! Cloud Spanner emulator's gateway answers with newline-delimited objects
//! `{"result": {...}}` or `{"error": {...}}`. [`json_values`] turns either
//! shape into a stream of messages, each yielded as soon as its bytes have
//! arrived. [`RowMerger`] and [`rows`] turn a stream of Spanner
//! `PartialResultSet`s into rows, merging chunked values.

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use nimbus_core::Error;
use nimbus_core::http::{Headers, HttpResponse};
use serde_json::Value;
use std::collections::VecDeque;

/// The canonical name of gRPC status `code` (`5` is `NOT_FOUND`), for the
/// codes `0..=16`.
pub fn grpc_code_name(code: i64) -> Option<&'static str> {
    Some(match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => return None,
    })
}

/// The canonical status name Google uses for an HTTP status code, for
/// error objects that carry an HTTP `code` but no `status` string.
fn http_code_name(code: i64) -> Option<&'static str> {
    Some(match code {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        412 => "FAILED_PRECONDITION",
        416 => "OUT_OF_RANGE",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        500 => "INTERNAL",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => return None,
    })
}

/// A service error for an error object found in the stream. `status` is the
/// `google.rpc.Status`-like object (`{"code", "message", "status"?,
/// "details"?}`), `raw` the whole stream element it came in (kept as the
/// response body so [`Error::details`] works).
fn stream_error(status: &Value, raw: &Value) -> Error {
    let code_name = status
        .get("status")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| match status.get("code") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(code) => code.as_i64().and_then(|c| grpc_code_name(c).or_else(|| http_code_name(c))).map(str::to_owned),
            None => None,
        })
        .or_else(|| {
            // grpc-gateway v1 shape: `{"grpc_code": 5, "http_code": 404, ...}`.
            status.get("grpc_code").and_then(Value::as_i64).and_then(grpc_code_name).map(str::to_owned)
        })
        .unwrap_or_else(|| "UNKNOWN".to_owned());
    let message = match status {
        Value::String(s) => s.clone(),
        _ => status
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("the stream returned an error: {status}")),
    };
    Error::service(code_name, message, None, HttpResponse::new(200, Headers::new(), raw.to_string()))
}

/// Where the decoder is in the overall shape of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing but whitespace seen yet.
    Start,
    /// Inside the top-level array, right after `[`.
    ArrayFirst,
    /// Inside the top-level array, right after `,`.
    ArrayNext,
    /// Inside the top-level array, right after an element.
    ArrayAfter,
    /// The top-level array is closed; only whitespace may follow.
    ArrayDone,
    /// Newline-delimited objects.
    Lines,
    /// An error was reported; nothing more is decoded.
    Failed,
}

/// The scan of one top-level value whose end has not been found yet.
#[derive(Debug, Clone, Copy)]
struct Scan {
    /// Offset of the value's first byte in the buffer.
    start: usize,
    /// Offset of the next byte to look at.
    pos: usize,
    /// Nesting depth of `{}` and `[]`.
    depth: usize,
    in_string: bool,
    escape: bool,
    /// The value is a bare number / `true` / `false` / `null`.
    scalar: bool,
}

/// The synchronous core of [`json_values`]: push bytes, pull values.
#[derive(Debug)]
struct Decoder {
    buf: Vec<u8>,
    /// Bytes before this offset are consumed.
    pos: usize,
    mode: Mode,
    scan: Option<Scan>,
}

impl Decoder {
    fn new() -> Self {
        Decoder { buf: Vec::new(), pos: 0, mode: Mode::Start, scan: None }
    }

    /// Appends `bytes`, first dropping everything already consumed so the
    /// buffer holds at most the current element plus the new bytes.
    fn push(&mut self, bytes: &[u8]) {
        let consumed = self.pos.min(self.buf.len());
        if consumed > 0 {
            self.buf.drain(..consumed);
            self.pos = 0;
            if let Some(scan) = &mut self.scan {
                scan.start = scan.start.saturating_sub(consumed);
                scan.pos = scan.pos.saturating_sub(consumed);
            }
        }
        self.buf.extend_from_slice(bytes);
    }

    fn fail(&mut self, message: impl Into<String>) -> Option<Result<Value, Error>> {
        self.mode = Mode::Failed;
        self.scan = None;
        Some(Err(Error::decode(message, None)))
    }

    /// The next complete value: `None` when more bytes are needed (or after
    /// an error was reported), `Some(Err)` for malformed input or an error
    /// element (after which the decoder stays failed).
    fn next_value(&mut self) -> Option<Result<Value, Error>> {
        loop {
            if self.mode == Mode::Failed {
                return None;
            }
            if let Some(scan) = self.scan {
                return self.continue_scan(scan).map(|end| self.finish_value(scan.start, end));
            }
            // Skip whitespace between values.
            while let Some(b) = self.buf.get(self.pos) {
                if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            let &b = self.buf.get(self.pos)?;
            match self.mode {
                Mode::Start => match b {
                    b'[' => {
                        self.mode = Mode::ArrayFirst;
                        self.pos += 1;
                    }
                    b'{' => self.mode = Mode::Lines,
                    _ => return self.fail(format!("expected a JSON array or object, found {}", describe(b))),
                },
                Mode::ArrayFirst => {
                    if b == b']' {
                        self.mode = Mode::ArrayDone;
                        self.pos += 1;
                    } else {
                        self.start_scan();
                    }
                }
                Mode::ArrayNext => {
                    if matches!(b, b']' | b',') {
                        return self.fail(format!("expected an array element, found {}", describe(b)));
                    }
                    self.start_scan();
                }
                Mode::ArrayAfter => match b {
                    b',' => {
                        self.mode = Mode::ArrayNext;
                        self.pos += 1;
                    }
                    b']' => {
                        self.mode = Mode::ArrayDone;
                        self.pos += 1;
                    }
                    _ => return self.fail(format!("expected `,` or `]` after an array element, found {}", describe(b))),
                },
                Mode::ArrayDone => return self.fail(format!("unexpected {} after the end of the array", describe(b))),
                Mode::Lines => {
                    if b != b'{' {
                        return self.fail(format!("expected a JSON object, found {}", describe(b)));
                    }
                    self.start_scan();
                }
                Mode::Failed => return None,
            }
        }
    }

    fn start_scan(&mut self) {
        let scalar = !matches!(self.buf.get(self.pos), Some(b'{' | b'[' | b'"'));
        self.scan = Some(Scan { start: self.pos, pos: self.pos, depth: 0, in_string: false, escape: false, scalar });
    }

    /// Scans on from `scan.pos`; returns the end offset (exclusive) of the
    /// value when it is complete, else saves the progress.
    fn continue_scan(&mut self, mut scan: Scan) -> Option<usize> {
        let mut i = scan.pos;
        while let Some(&b) = self.buf.get(i) {
            if scan.scalar {
                if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                    return Some(i);
                }
            } else if scan.in_string {
                if scan.escape {
                    scan.escape = false;
                } else if b == b'\\' {
                    scan.escape = true;
                } else if b == b'"' {
                    scan.in_string = false;
                    if scan.depth == 0 {
                        return Some(i + 1);
                    }
                }
            } else {
                match b {
                    b'"' => scan.in_string = true,
                    b'{' | b'[' => scan.depth = scan.depth.saturating_add(1),
                    b'}' | b']' => {
                        scan.depth = scan.depth.saturating_sub(1);
                        if scan.depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        scan.pos = i;
        self.scan = Some(scan);
        None
    }

    /// Parses the complete value `buf[start..end]` and interprets it
    /// according to the mode.
    fn finish_value(&mut self, start: usize, end: usize) -> Result<Value, Error> {
        self.scan = None;
        self.pos = end;
        let parsed = match self.buf.get(start..end) {
            Some(slice) => serde_json::from_slice::<Value>(slice),
            None => {
                self.mode = Mode::Failed;
                return Err(Error::decode("internal error: stream element out of the buffer", None));
            }
        };
        let value = match parsed {
            Ok(v) => v,
            Err(e) => {
                self.mode = Mode::Failed;
                return Err(Error::decode(format!("malformed JSON in the response stream: {e}"), None));
            }
        };
        if self.mode == Mode::Lines {
            let Value::Object(mut obj) = value else {
                self.mode = Mode::Failed;
                return Err(Error::decode("expected a JSON object in the response stream", None));
            };
            if let Some(err) = obj.get("error").filter(|e| !e.is_null()) {
                self.mode = Mode::Failed;
                let raw = Value::Object(obj.clone());
                return Err(stream_error(err, &raw));
            }
            return Ok(match obj.remove("result") {
                Some(result) => result,
                None => Value::Object(obj),
            });
        }
        self.mode = Mode::ArrayAfter;
        if let Value::Object(obj) = &value {
            if obj.len() == 1 {
                if let Some(err) = obj.get("error").filter(|e| e.is_object()) {
                    self.mode = Mode::Failed;
                    return Err(stream_error(err, &value));
                }
            }
        }
        Ok(value)
    }

    /// Called at the end of the body: an error when the body stopped in the
    /// middle of a value or of the array.
    fn finish(&mut self) -> Option<Error> {
        let truncated = self.scan.is_some() || matches!(self.mode, Mode::ArrayFirst | Mode::ArrayNext | Mode::ArrayAfter);
        if self.mode == Mode::Failed || !truncated {
            return None;
        }
        self.mode = Mode::Failed;
        self.scan = None;
        Some(Error::decode("the response stream ended in the middle of a JSON value", None))
    }
}

fn describe(b: u8) -> String {
    if b.is_ascii_graphic() { format!("`{}`", char::from(b)) } else { format!("byte 0x{b:02x}") }
}

/// Decodes a streamed JSON response body incrementally, yielding each
/// element as soon as its bytes have arrived.
///
/// Accepts both shapes Google uses: one JSON array of messages (production
/// REST; an element that is exactly `{"error": {...}}` is a stream error),
/// and newline-delimited `{"result": {...}}` / `{"error": {...}}` objects
/// (the Spanner emulator's gateway; the inner `result` is yielded). An error
/// object becomes a [`ErrorKind::Service`](nimbus_core::ErrorKind::Service) error whose code is the canonical
/// status name (`NOT_FOUND`, ...). Malformed or truncated JSON yields a
/// [`ErrorKind::Decode`](nimbus_core::ErrorKind::Decode) error; transport errors of `body` pass through.
/// The stream ends after the first error.
pub fn json_values(body: BoxStream<'static, Result<Bytes, Error>>) -> BoxStream<'static, Result<Value, Error>> {
    struct State {
        body: BoxStream<'static, Result<Bytes, Error>>,
        decoder: Decoder,
        done: bool,
    }
    let state = State { body, decoder: Decoder::new(), done: false };
    stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            match st.decoder.next_value() {
                Some(Ok(v)) => return Some((Ok(v), st)),
                Some(Err(e)) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                None if st.decoder.mode == Mode::Failed => return None,
                None => {}
            }
            match st.body.next().await {
                Some(Ok(bytes)) => st.decoder.push(&bytes),
                Some(Err(e)) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                None => {
                    st.done = true;
                    return st.decoder.finish().map(|e| (Err(e), st));
                }
            }
        }
    })
    .boxed()
}

/// Assembles rows from Spanner `PartialResultSet` JSON messages, merging
/// chunked values (`chunkedValue: true`) with the first value of the next
/// set as the Spanner API specifies: strings concatenate; lists concatenate,
/// merging the boundary elements when both are strings or both lists;
/// objects combine, merging overlapping fields; other values cannot be
/// chunked.
#[derive(Debug, Default, Clone)]
pub struct RowMerger {
    metadata: Option<Value>,
    columns: Option<usize>,
    /// Complete values of the row being assembled.
    row: Vec<Value>,
    /// The incomplete last value of the previous set.
    chunk: Option<Value>,
}

impl RowMerger {
    /// A merger that has seen no set yet.
    pub fn new() -> Self {
        RowMerger::default()
    }

    /// The number of columns, once the metadata has arrived.
    pub fn columns(&self) -> Option<usize> {
        self.columns
    }

    /// The `metadata` of the first set (`ResultSetMetadata`), once it has
    /// arrived.
    pub fn metadata(&self) -> Option<&Value> {
        self.metadata.as_ref()
    }

    /// Takes in the next `PartialResultSet` and returns the rows it completed.
    pub fn push(&mut self, partial: &Value) -> Result<Vec<Vec<Value>>, Error> {
        let Some(set) = partial.as_object() else {
            return Err(Error::decode("a PartialResultSet is not a JSON object", None));
        };
        if self.metadata.is_none() {
            if let Some(metadata) = set.get("metadata").filter(|m| !m.is_null()) {
                let columns = match metadata.get("rowType").and_then(|r| r.get("fields")) {
                    None | Some(Value::Null) => 0,
                    Some(Value::Array(fields)) => fields.len(),
                    Some(_) => return Err(Error::decode("PartialResultSet metadata.rowType.fields is not a list", None)),
                };
                self.metadata = Some(metadata.clone());
                self.columns = Some(columns);
            }
        }
        let values = match set.get("values") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(values)) => values,
            Some(_) => return Err(Error::decode("PartialResultSet values is not a list", None)),
        };
        let chunked = match set.get("chunkedValue") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Error::decode("PartialResultSet chunkedValue is not a boolean", None)),
        };
        self.push_values(values.iter().cloned(), chunked)
    }

    /// Takes in the values of the next `PartialResultSet` (already decoded;
    /// the metadata of the first set given with [`set_columns`](Self::set_columns)),
    /// and returns the rows they completed.
    pub fn push_values(&mut self, values: impl IntoIterator<Item = Value>, chunked: bool) -> Result<Vec<Vec<Value>>, Error> {
        let mut values: VecDeque<Value> = values.into_iter().collect();
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let columns = match self.columns {
            None => return Err(Error::decode("PartialResultSet values arrived before the metadata", None)),
            Some(0) => return Err(Error::decode("PartialResultSet has values but the row type has no columns", None)),
            Some(c) => c,
        };
        if let Some(chunk) = self.chunk.take() {
            if let Some(first) = values.pop_front() {
                values.push_front(merge(chunk, first)?);
            }
        }
        if chunked {
            self.chunk = values.pop_back();
        }
        let mut rows = Vec::new();
        for value in values {
            self.row.push(value);
            if self.row.len() >= columns {
                rows.push(std::mem::take(&mut self.row));
            }
        }
        Ok(rows)
    }

    /// Sets the number of columns (from the first set's metadata) when the
    /// sets are decoded elsewhere; the first call wins.
    pub fn set_columns(&mut self, columns: usize) {
        self.columns.get_or_insert(columns);
    }

    /// Checks that the stream ended on a row boundary: an error when a
    /// chunked value or a partial row is left over.
    pub fn finish(self) -> Result<(), Error> {
        if self.chunk.is_some() {
            return Err(Error::decode("the result stream ended with an incomplete chunked value", None));
        }
        if !self.row.is_empty() {
            return Err(Error::decode(
                format!("the result stream ended in the middle of a row ({} of {} values)", self.row.len(), self.columns.unwrap_or(0)),
                None,
            ));
        }
        Ok(())
    }
}

/// Merges the chunked value `a` with its continuation `b`.
fn merge(a: Value, b: Value) -> Result<Value, Error> {
    match (a, b) {
        (Value::String(mut a), Value::String(b)) => {
            a.push_str(&b);
            Ok(Value::String(a))
        }
        (Value::Array(mut a), Value::Array(b)) => {
            let mut rest = b.into_iter();
            let mergeable = matches!(
                (a.last(), rest.as_slice().first()),
                (Some(Value::String(_)), Some(Value::String(_))) | (Some(Value::Array(_)), Some(Value::Array(_)))
            );
            if mergeable {
                if let (Some(last), Some(first)) = (a.pop(), rest.next()) {
                    a.push(merge(last, first)?);
                }
            }
            a.extend(rest);
            Ok(Value::Array(a))
        }
        (Value::Object(mut a), Value::Object(b)) => {
            for (key, value) in b {
                let merged = match a.remove(&key) {
                    Some(existing) => merge(existing, value)?,
                    None => value,
                };
                a.insert(key, merged);
            }
            Ok(Value::Object(a))
        }
        (a, b) => Err(Error::decode(format!("cannot merge a chunked {} value with a {} value", kind_name(&a), kind_name(&b)), None)),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Runs a [`RowMerger`] over a stream of `PartialResultSet` JSON values
/// (such as [`json_values`] yields), producing complete rows. Errors of
/// `values` pass through and end the stream; a chunk or partial row left
/// at the end is an error.
pub fn rows(values: BoxStream<'static, Result<Value, Error>>) -> BoxStream<'static, Result<Vec<Value>, Error>> {
    struct State {
        values: BoxStream<'static, Result<Value, Error>>,
        merger: Option<RowMerger>,
        ready: VecDeque<Vec<Value>>,
    }
    let state = State { values, merger: Some(RowMerger::new()), ready: VecDeque::new() };
    stream::unfold(state, |mut st| async move {
        loop {
            if let Some(row) = st.ready.pop_front() {
                return Some((Ok(row), st));
            }
            let merger = st.merger.as_mut()?;
            match st.values.next().await {
                Some(Ok(set)) => match merger.push(&set) {
                    Ok(rows) => st.ready.extend(rows),
                    Err(e) => {
                        st.merger = None;
                        return Some((Err(e), st));
                    }
                },
                Some(Err(e)) => {
                    st.merger = None;
                    return Some((Err(e), st));
                }
                None => {
                    let result = st.merger.take()?.finish();
                    return result.err().map(|e| (Err(e), st));
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_core::ErrorKind;
    use serde_json::json;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
    }

    fn body_from(chunks: Vec<Vec<u8>>) -> BoxStream<'static, Result<Bytes, Error>> {
        stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from(c)))).boxed()
    }

    fn decode_chunks(chunks: Vec<Vec<u8>>) -> Vec<Result<Value, Error>> {
        block_on(json_values(body_from(chunks)).collect::<Vec<_>>())
    }

    fn decode(body: &[u8]) -> Vec<Result<Value, Error>> {
        decode_chunks(vec![body.to_vec()])
    }

    fn ok_values(results: Vec<Result<Value, Error>>) -> Vec<Value> {
        results.into_iter().map(|r| r.expect("no error expected")).collect()
    }

    fn one_byte_chunks(body: &[u8]) -> Vec<Vec<u8>> {
        body.iter().map(|b| vec![*b]).collect()
    }

    /// Splits `body` into chunks of pseudo-random sizes 1..=max.
    fn random_chunks(body: &[u8], seed: u64, max: usize) -> Vec<Vec<u8>> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut out = Vec::new();
        let mut rest = body;
        while !rest.is_empty() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let size = ((state >> 33) as usize % max + 1).min(rest.len());
            let (head, tail) = rest.split_at(size);
            out.push(head.to_vec());
            rest = tail;
        }
        out
    }

    const TRICKY: &str = concat!(
        "[\n  {\"a\": \"x]y}z,w\", \"b\": [1, 2, {\"c\": \"\\\"quoted\\\" and \\\\ backslash\"}]},\n",
        "  {\"s\": \"caf\u{e9} \u{65e5}\u{672c} \u{1F600} \\u00e9 \\\\\\\" end\", \"n\": -1.5e3, \"t\": true, \"z\": null},\n",
        "  {\"empty\": {}, \"list\": [], \"nested\": [[[\"]]]\"]]], \"k\\\"}\": \"v\"}\r\n",
        "]\n"
    );

    fn tricky_expected() -> Vec<Value> {
        match serde_json::from_str::<Value>(TRICKY).expect("valid test JSON") {
            Value::Array(items) => items,
            other => panic!("not an array: {other}"),
        }
    }

    #[test]
    fn array_whole_body() {
        let got = ok_values(decode(TRICKY.as_bytes()));
        assert_eq!(got, tricky_expected());
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn array_one_byte_per_chunk() {
        let got = ok_values(decode_chunks(one_byte_chunks(TRICKY.as_bytes())));
        assert_eq!(got, tricky_expected());
    }

    #[test]
    fn array_split_at_every_boundary() {
        let body = TRICKY.as_bytes();
        let expected = tricky_expected();
        for i in 0..=body.len() {
            let (a, b) = body.split_at(i);
            let got = ok_values(decode_chunks(vec![a.to_vec(), b.to_vec()]));
            assert_eq!(got, expected, "split at {i}");
        }
    }

    #[test]
    fn array_random_chunkings() {
        let body = TRICKY.as_bytes();
        let expected = tricky_expected();
        for seed in 0..200 {
            let chunks = random_chunks(body, seed, 1 + (seed as usize % 13));
            let got = ok_values(decode_chunks(chunks));
            assert_eq!(got, expected, "seed {seed}");
        }
    }

    #[test]
    fn tricky_strings_survive() {
        let got = ok_values(decode_chunks(one_byte_chunks(TRICKY.as_bytes())));
        assert_eq!(got[0]["a"], "x]y}z,w");
        assert_eq!(got[0]["b"][2]["c"], "\"quoted\" and \\ backslash");
        assert_eq!(got[1]["s"], "caf\u{e9} \u{65e5}\u{672c} \u{1F600} \u{e9} \\\" end");
        assert_eq!(got[2]["nested"], json!([[["]]]"]]]));
        assert_eq!(got[2]["k\"}"], "v");
    }

    #[test]
    fn array_of_scalars_and_empty_array() {
        let got = ok_values(decode_chunks(one_byte_chunks(b"[1, \"x\" ,true,null , [2],-0.5]")));
        assert_eq!(got, vec![json!(1), json!("x"), json!(true), Value::Null, json!([2]), json!(-0.5)]);
        assert!(decode(b" [ ] \n").is_empty());
        assert!(decode(b"").is_empty());
        assert!(decode(b"  \n ").is_empty());
    }

    #[test]
    fn elements_arrive_before_the_body_ends() {
        // The first element must be yielded before the second chunk is pulled.
        // The body never ends after the first chunk, so the first element can
        // only be seen if it is yielded as soon as its bytes are there.
        for first in [&b"[{\"a\": 1}, {\"b\""[..], b"{\"result\": {\"a\": 1}}\n{\"res"] {
            let body = stream::iter(vec![Ok(Bytes::copy_from_slice(first))]).chain(stream::pending()).boxed();
            let mut values = json_values(body);
            let got = block_on(values.next());
            assert_eq!(got.and_then(Result::ok), Some(json!({"a": 1})));
        }
    }

    #[test]
    fn ndjson_result_wrappers() {
        let body = b"{\"result\": {\"values\": [\"1\"]}}\n{\"result\": {\"values\": [\"2\"], \"x\": \"}\\n{\"}}\n\n{\"result\":{}}\n";
        let expected = vec![json!({"values": ["1"]}), json!({"values": ["2"], "x": "}\n{"}), json!({})];
        assert_eq!(ok_values(decode(body)), expected);
        assert_eq!(ok_values(decode_chunks(one_byte_chunks(body))), expected);
        for seed in 0..50 {
            assert_eq!(ok_values(decode_chunks(random_chunks(body, seed, 9))), expected, "seed {seed}");
        }
    }

    #[test]
    fn ndjson_error_mid_stream() {
        let body = b"{\"result\": {\"n\": 1}}\n{\"result\": {\"n\": 2}}\n{\"error\": {\"code\": 5, \"message\": \"Database not found: db1\"}}\n{\"result\": {\"n\": 3}}\n";
        for chunks in [vec![body.to_vec()], one_byte_chunks(body)] {
            let mut got = decode_chunks(chunks);
            assert_eq!(got.len(), 3, "ends after the error");
            let err = got.pop().expect("three items").expect_err("an error");
            assert_eq!(ok_values(got), vec![json!({"n": 1}), json!({"n": 2})]);
            assert_eq!(err.kind(), ErrorKind::Service);
            assert_eq!(err.code(), Some("NOT_FOUND"));
            assert!(err.message().contains("Database not found: db1"));
            assert!(err.to_string().contains("Database not found: db1"));
        }
    }

    #[test]
    fn array_error_element_with_status() {
        let body = br#"[{"n": 1}, {"error": {"code": 404, "message": "Session not found", "status": "NOT_FOUND", "details": [{"@type": "x"}]}}, {"n": 2}]"#;
        let mut got = decode(body);
        assert_eq!(got.len(), 2);
        let err = got.pop().expect("two items").expect_err("an error");
        assert_eq!(ok_values(got), vec![json!({"n": 1})]);
        assert_eq!(err.kind(), ErrorKind::Service);
        assert_eq!(err.code(), Some("NOT_FOUND"));
        assert_eq!(err.message(), "Session not found");
        assert_eq!(err.details(), Some(json!([{"@type": "x"}])));
        // An element with an `error` field among others is just an element.
        let got = ok_values(decode(br#"[{"error": {"code": 1}, "other": 2}]"#));
        assert_eq!(got, vec![json!({"error": {"code": 1}, "other": 2})]);
    }

    #[test]
    fn error_code_names() {
        let e = stream_error(&json!({"code": 14, "message": "m"}), &json!({}));
        assert_eq!(e.code(), Some("UNAVAILABLE"));
        let e = stream_error(&json!({"code": 503, "message": "m"}), &json!({}));
        assert_eq!(e.code(), Some("UNAVAILABLE"));
        let e = stream_error(&json!({"code": 3, "status": "ABORTED"}), &json!({}));
        assert_eq!(e.code(), Some("ABORTED"));
        let e = stream_error(&json!({"grpc_code": 7, "message": "no"}), &json!({}));
        assert_eq!(e.code(), Some("PERMISSION_DENIED"));
        let e = stream_error(&json!("plain"), &json!({}));
        assert_eq!(e.code(), Some("UNKNOWN"));
        assert_eq!(e.message(), "plain");
        assert_eq!(grpc_code_name(0), Some("OK"));
        assert_eq!(grpc_code_name(5), Some("NOT_FOUND"));
        assert_eq!(grpc_code_name(16), Some("UNAUTHENTICATED"));
        assert_eq!(grpc_code_name(17), None);
        assert_eq!(grpc_code_name(-1), None);
    }

    fn assert_decode_error_last(got: &[Result<Value, Error>]) {
        match got.last() {
            Some(Err(e)) => assert_eq!(e.kind(), ErrorKind::Decode, "{e}"),
            other => panic!("expected a decode error last, got {other:?}"),
        }
    }

    #[test]
    fn truncated_body_is_a_decode_error() {
        for body in [
            &b"[{\"a\": 1}, {\"b\": \"unfinished"[..],
            b"[{\"a\": 1}, {\"b\": [1, 2",
            b"[{\"a\": 1}",
            b"[{\"a\": 1},",
            b"[",
            b"[1",
            b"{\"result\": {\"a\": 1}}\n{\"result\": ",
            b"[{\"a\": \"\\",
        ] {
            for chunks in [vec![body.to_vec()], one_byte_chunks(body)] {
                let got = decode_chunks(chunks);
                assert_decode_error_last(&got);
                assert_eq!(got.iter().filter(|r| r.is_err()).count(), 1);
            }
        }
        let got = decode(b"[{\"a\": 1}, {\"b\": 2");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].as_ref().ok(), Some(&json!({"a": 1})));
    }

    #[test]
    fn garbage_is_a_decode_error() {
        for body in [
            &b"garbage"[..],
            b"<html>oops</html>",
            b"[{\"a\": }]",
            b"[{\"a\": 1} {\"b\": 2}]",
            b"[1,,2]",
            b"[1,]",
            b"[{\"a\": 1]",
            b"[] trailing",
            b"[tru]",
            b"{\"result\": {}} [1]",
            b"{\"result\": {\"a\": \"\xff\"}}",
        ] {
            let got = decode(body);
            assert_decode_error_last(&got);
            assert_eq!(got.iter().filter(|r| r.is_err()).count(), 1, "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn transport_error_passes_through() {
        let body = stream::iter(vec![
            Ok(Bytes::from_static(b"[{\"a\": 1}, {\"b\"")),
            Err(Error::transport_message("connection reset")),
            Ok(Bytes::from_static(b": 2}]")),
        ])
        .boxed();
        let got = block_on(json_values(body).collect::<Vec<_>>());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].as_ref().ok(), Some(&json!({"a": 1})));
        match &got[1] {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Transport);
                assert_eq!(e.message(), "connection reset");
            }
            Ok(v) => panic!("expected an error, got {v}"),
        }
    }

    #[test]
    fn memory_is_bounded_to_the_current_element() {
        let mut decoder = Decoder::new();
        decoder.push(b"[");
        for i in 0..1000 {
            let element = format!("{{\"i\": {i}, \"pad\": \"{}\"}},", "x".repeat(100));
            for piece in element.as_bytes().chunks(7) {
                decoder.push(piece);
                assert!(decoder.buf.len() < 2 * element.len(), "buffer grew to {}", decoder.buf.len());
                while let Some(v) = decoder.next_value() {
                    assert_eq!(v.expect("valid")["i"], i);
                }
            }
        }
        decoder.push(b"{}]");
        assert_eq!(decoder.next_value().map(|r| r.ok()), Some(Some(json!({}))));
        assert!(decoder.next_value().is_none());
        assert!(decoder.finish().is_none());
    }

    fn metadata(columns: usize) -> Value {
        let fields: Vec<Value> = (0..columns).map(|i| json!({"name": format!("c{i}"), "type": {"code": "STRING"}})).collect();
        json!({"rowType": {"fields": fields}})
    }

    #[test]
    fn string_split_across_three_sets() {
        let mut m = RowMerger::new();
        assert_eq!(m.columns(), None);
        let rows = m.push(&json!({"metadata": metadata(1), "values": ["hel"], "chunkedValue": true})).expect("push");
        assert!(rows.is_empty());
        assert_eq!(m.columns(), Some(1));
        assert_eq!(m.metadata(), Some(&metadata(1)));
        let rows = m.push(&json!({"values": ["lo, "], "chunkedValue": true})).expect("push");
        assert!(rows.is_empty());
        let rows = m.push(&json!({"values": ["world", "next"], "resumeToken": "abc"})).expect("push");
        assert_eq!(rows, vec![vec![json!("hello, world")], vec![json!("next")]]);
        m.finish().expect("clean end");
    }

    #[test]
    fn list_chunked() {
        let mut m = RowMerger::new();
        assert!(m.push(&json!({"metadata": metadata(2), "values": ["k", ["a", "b"]], "chunkedValue": true})).expect("push").is_empty());
        let rows = m.push(&json!({"values": [["c", "d"]]})).expect("push");
        assert_eq!(rows, vec![vec![json!("k"), json!(["a", "bc", "d"])]]);
        // Lists of non-strings concatenate.
        assert!(m.push(&json!({"values": ["k2", ["1", 2]], "chunkedValue": true})).expect("push").is_empty());
        let rows = m.push(&json!({"values": [[3, "4"]]})).expect("push");
        assert_eq!(rows, vec![vec![json!("k2"), json!(["1", 2, 3, "4"])]]);
        m.finish().expect("clean end");
    }

    #[test]
    fn nested_lists_and_objects_merge_as_documented() {
        assert_eq!(merge(json!(["a", ["b", "c"]]), json!([["d"], "e"])).expect("merge"), json!(["a", ["b", "cd"], "e"]));
        assert_eq!(merge(json!([2, 3]), json!([4])).expect("merge"), json!([2, 3, 4]));
        assert_eq!(merge(json!({"a": "1"}), json!({"b": "2"})).expect("merge"), json!({"a": "1", "b": "2"}));
        assert_eq!(merge(json!({"a": ["1"]}), json!({"a": ["2"]})).expect("merge"), json!({"a": ["12"]}));
        assert_eq!(merge(json!([]), json!(["x"])).expect("merge"), json!(["x"]));
        assert!(merge(json!("a"), json!(["b"])).is_err());
        assert!(merge(json!(null), json!(null)).is_err());
        assert!(merge(json!(true), json!(false)).is_err());
    }

    #[test]
    fn rows_spanning_sets_with_three_columns() {
        let mut m = RowMerger::new();
        let mut all = Vec::new();
        all.extend(m.push(&json!({"metadata": metadata(3), "values": ["1", "a"]})).expect("push"));
        assert!(all.is_empty());
        all.extend(m.push(&json!({"values": ["x", "2", "b", "y", "3"]})).expect("push"));
        assert_eq!(all.len(), 2);
        all.extend(m.push(&json!({"values": ["c", "z"], "chunkedValue": true})).expect("push"));
        assert_eq!(all.len(), 2, "the last value of row 3 is still chunked");
        all.extend(m.push(&json!({"values": ["zz", "4", null, "w"]})).expect("push"));
        all.extend(m.push(&json!({"stats": {"rowCount": "4"}})).expect("push"));
        assert_eq!(
            all,
            vec![
                vec![json!("1"), json!("a"), json!("x")],
                vec![json!("2"), json!("b"), json!("y")],
                vec![json!("3"), json!("c"), json!("zzz")],
                vec![json!("4"), Value::Null, json!("w")],
            ]
        );
        m.finish().expect("clean end");
    }

    #[test]
    fn unmergeable_chunk_is_an_error() {
        let mut m = RowMerger::new();
        m.push(&json!({"metadata": metadata(2), "values": ["a", 1], "chunkedValue": true})).expect("push");
        let err = m.push(&json!({"values": [2]})).expect_err("numbers cannot be chunked");
        assert_eq!(err.kind(), ErrorKind::Decode);
    }

    #[test]
    fn leftovers_at_finish_are_errors() {
        let mut m = RowMerger::new();
        m.push(&json!({"metadata": metadata(1), "values": ["a"], "chunkedValue": true})).expect("push");
        assert_eq!(m.finish().expect_err("leftover chunk").kind(), ErrorKind::Decode);
        let mut m = RowMerger::new();
        m.push(&json!({"metadata": metadata(2), "values": ["a", "b", "c"]})).expect("push");
        assert!(m.finish().is_err(), "partial row");
    }

    #[test]
    fn malformed_sets_are_errors() {
        let mut m = RowMerger::new();
        assert!(m.push(&json!(["not", "an", "object"])).is_err());
        assert!(m.push(&json!({"values": ["before metadata"]})).is_err());
        assert!(m.push(&json!({"metadata": metadata(1), "values": "nope"})).is_err());
        let mut m = RowMerger::new();
        assert!(m.push(&json!({"metadata": metadata(1), "values": ["a"], "chunkedValue": "yes"})).is_err());
        let mut m = RowMerger::new();
        assert!(m.push(&json!({"metadata": {"rowType": {"fields": []}}, "values": ["a"]})).is_err());
        // DML-style result: no columns, no values.
        let mut m = RowMerger::new();
        assert!(m.push(&json!({"metadata": {"rowType": {}}, "stats": {"rowCountExact": "3"}})).expect("push").is_empty());
        assert_eq!(m.columns(), Some(0));
        m.finish().expect("clean end");
    }

    #[test]
    fn rows_stream_end_to_end() {
        let body = concat!(
            "[{\"metadata\": {\"rowType\": {\"fields\": [{\"name\": \"id\"}, {\"name\": \"name\"}]}}, ",
            "\"values\": [\"1\", \"Al\"], \"chunkedValue\": true},\n",
            "{\"values\": [\"ice\", \"2\", \"Bob\"], \"resumeToken\": \"t1\"}]"
        );
        for chunks in [vec![body.as_bytes().to_vec()], one_byte_chunks(body.as_bytes())] {
            let got = block_on(rows(json_values(body_from(chunks))).collect::<Vec<_>>());
            let got: Vec<Vec<Value>> = got.into_iter().map(|r| r.expect("row")).collect();
            assert_eq!(got, vec![vec![json!("1"), json!("Alice")], vec![json!("2"), json!("Bob")]]);
        }
        // An error element passes through after the complete rows; the stream ends.
        let body = concat!(
            "{\"result\": {\"metadata\": {\"rowType\": {\"fields\": [{\"name\": \"id\"}]}}, \"values\": [\"1\", \"2\"]}}\n",
            "{\"error\": {\"code\": 10, \"message\": \"Transaction aborted\"}}\n"
        );
        let got = block_on(rows(json_values(body_from(vec![body.as_bytes().to_vec()]))).collect::<Vec<_>>());
        assert_eq!(got.len(), 3);
        let err = got.last().and_then(|r| r.as_ref().err()).expect("an error last");
        assert_eq!(err.code(), Some("ABORTED"));
        // A leftover chunk at the end of the stream is reported.
        let body = "[{\"metadata\": {\"rowType\": {\"fields\": [{}]}}, \"values\": [\"ab\"], \"chunkedValue\": true}]";
        let got = block_on(rows(json_values(body_from(vec![body.as_bytes().to_vec()]))).collect::<Vec<_>>());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].as_ref().err().map(Error::kind), Some(ErrorKind::Decode));
    }
}
