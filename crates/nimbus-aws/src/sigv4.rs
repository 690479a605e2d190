//! AWS Signature Version 4 (SigV4): signing requests in the `Authorization`
//! header ([`sign_request`]) or in the query string of a presigned URL
//! ([`presign_url`]).
//!
//! Signing takes four steps, each public so that tests can compare them with
//! reference values:
//!
//! 1. [`canonical_request`]: the method, the canonical URI, the canonical
//!    query string, the canonical headers, the list of signed headers and the
//!    hash of the payload, one per line;
//! 2. [`string_to_sign`]: the algorithm, the request time, the credential
//!    scope (`yyyymmdd/region/service/aws4_request`) and the hash of the
//!    canonical request;
//! 3. [`signature`]: the HMAC-SHA256 of the string to sign with a key derived
//!    from the secret access key, the date, the region and the service;
//! 4. adding the signature (and the date and session token) to the request.
//!
//! The request must have an absolute URL (`https://host/path?query`) whose
//! path and query are already percent-encoded as they will be sent. For
//! services other than Amazon S3 the canonical URI encodes that path once
//! more ("double encoding") and removes dot segments and empty segments; S3
//! turns both off (see [`SigningSettings`]).
//!
//! Secrets never appear in logs: [`Credentials`] redacts them in `Debug`,
//! and nothing here logs canonical requests (which may contain the session
//! token).

use hmac::{Hmac, Mac};
use nimbus_core::http::HttpRequest;
use nimbus_core::protocol::rest::{percent_decode, percent_encode, push_percent_encoded};
use nimbus_core::{Error, ErrorKind};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The SigV4 algorithm name, first line of the string to sign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The payload hash of requests whose body is not signed (see
/// [`SigningSettings::unsigned_payload`]).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The longest validity of a presigned URL that SigV4 allows: seven days.
pub const MAX_PRESIGNED_EXPIRY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Headers that are never signed: set or rewritten by signing itself, or
/// commonly changed by proxies and transports after signing.
const UNSIGNED_HEADERS: &[&str] = &["authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding", "connection"];

/// Headers [`sign_request`] sets itself; values already on the request are
/// replaced (so a request can be signed again, for example on retry).
const SIGNING_HEADERS: &[&str] = &["x-amz-date", "x-amz-security-token"];

/// Query parameters [`presign_url`] sets itself; values already in the URL
/// are dropped.
const SIGNING_QUERY_PARAMS: &[&str] = &[
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
];

type HmacSha256 = Hmac<Sha256>;

/// AWS credentials: an access key id, its secret and, for temporary
/// credentials, a session token and an expiry.
///
/// `Debug` prints the access key id only; the secret and the session token
/// are redacted.
///
/// Cloning shares the strings (a cache hands out a clone per request).
#[derive(Clone)]
pub struct Credentials {
    access_key_id: std::sync::Arc<str>,
    secret_access_key: std::sync::Arc<str>,
    session_token: Option<std::sync::Arc<str>>,
    expiry: Option<SystemTime>,
}

impl Credentials {
    /// Credentials from their parts (`session_token` for temporary
    /// credentials), without an expiry.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>, session_token: Option<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into().into(),
            secret_access_key: secret_access_key.into().into(),
            session_token: session_token.map(Into::into),
            expiry: None,
        }
    }

    /// The access key id (`AKID...`, `ASIA...`).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token of temporary credentials. Never log it.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// The same credentials, expiring at `expiry`.
    pub fn with_expiry(mut self, expiry: SystemTime) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// When the credentials expire, if they do.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .field("expiry", &self.expiry)
            .finish()
    }
}

/// What to sign with: credentials, the credential scope and the time.
#[derive(Debug, Clone)]
pub struct SigningParams<'a> {
    /// The credentials.
    pub credentials: &'a Credentials,
    /// The signing region (`us-east-1`).
    pub region: &'a str,
    /// The signing name of the service (`athena`, `s3`, ...).
    pub service: &'a str,
    /// The signing time (normally now; AWS rejects requests signed more than
    /// about five minutes away from its clock).
    pub time: SystemTime,
    /// How to sign.
    pub settings: SigningSettings,
}

/// How to sign. The defaults suit every AWS service except Amazon S3, which
/// wants `normalize_path: false` and `double_uri_encode: false` (and usually
/// `payload_checksum_header: true`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigningSettings {
    /// Remove `.` and `..` segments and empty segments (`//`) from the path
    /// of the canonical URI. Default `true`.
    pub normalize_path: bool,
    /// Percent-encode the (already percent-encoded) request path once more
    /// for the canonical URI, so `%20` becomes `%2520`. When `false`, escapes
    /// already in the path are kept and only characters that are not
    /// unreserved are encoded. Default `true`.
    pub double_uri_encode: bool,
    /// Add and sign the `x-amz-content-sha256` header with the payload hash
    /// (header signing only). Default `false`.
    pub payload_checksum_header: bool,
    /// Use [`UNSIGNED_PAYLOAD`] instead of the SHA-256 of the body as the
    /// payload hash (common for S3 presigned URLs). An `x-amz-content-sha256`
    /// header already on the request wins over both. Default `false`.
    pub unsigned_payload: bool,
    /// Leave the session token out of the signature and add it to the
    /// request only after signing (some services, such as IoT, want this).
    /// Default `false`.
    pub omit_session_token: bool,
    /// How long a presigned URL stays valid ([`presign_url`] requires it; at
    /// most [`MAX_PRESIGNED_EXPIRY`], whole seconds). Ignored by
    /// [`sign_request`]. Default `None`.
    pub expires_in: Option<Duration>,
}

impl Default for SigningSettings {
    fn default() -> Self {
        SigningSettings {
            normalize_path: true,
            double_uri_encode: true,
            payload_checksum_header: false,
            unsigned_payload: false,
            omit_session_token: false,
            expires_in: None,
        }
    }
}

/// Where the signature goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureLocation {
    /// In the `Authorization` header ([`sign_request`]).
    Headers,
    /// In the query string of a presigned URL ([`presign_url`]).
    QueryParams,
}

/// Signs `request` (absolute URL) in place: sets `X-Amz-Date`, the
/// `X-Amz-Security-Token` of temporary credentials, `x-amz-content-sha256`
/// when [`SigningSettings::payload_checksum_header`] is set, and
/// `Authorization`. Values of these headers already on the request are
/// replaced, so a request can be signed again.
///
/// The `host` header is signed with the `Host` header of the request, or
/// else the host of the URL (with its port unless it is the scheme's
/// default); no `Host` header is added, the transport sends that value.
///
/// Fails with an [`ErrorKind::Credentials`] error for unusable or expired
/// credentials and an [`ErrorKind::InvalidRequest`] error for a request or
/// scope that cannot be signed (no host, a region with `/`, ...).
pub fn sign_request(request: &mut HttpRequest, params: &SigningParams<'_>) -> Result<(), Error> {
    let prepared = prepare(request, params, SignatureLocation::Headers)?;
    let sig = prepared.signature(params);
    for name in SIGNING_HEADERS.iter().chain(&["authorization"]) {
        request.headers.remove(name);
    }
    request.headers.insert("X-Amz-Date", prepared.stamp.date_time().to_owned());
    if let Some(token) = &params.credentials.session_token {
        request.headers.insert("X-Amz-Security-Token", token);
    }
    if params.settings.payload_checksum_header && !request.headers.contains("x-amz-content-sha256") {
        request.headers.insert("x-amz-content-sha256", prepared.payload_hash.clone());
    }
    request.headers.insert(
        "Authorization",
        format!(
            "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={sig}",
            params.credentials.access_key_id(),
            prepared.scope,
            prepared.signed_headers
        ),
    );
    tracing::trace!(scope = %prepared.scope, signed_headers = %prepared.signed_headers, "signed the request with SigV4");
    Ok(())
}

/// Presigns `request` (absolute URL): returns its URL with `X-Amz-Algorithm`,
/// `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Expires`,
/// the `X-Amz-Security-Token` of temporary credentials and
/// `X-Amz-Signature` appended to the query (the fragment is dropped).
///
/// Every header of the request (except a few that are never signed, such as
/// `User-Agent`) is signed, so whoever uses the URL must send them with the
/// same values. Requires [`SigningSettings::expires_in`]; fails like
/// [`sign_request`].
pub fn presign_url(request: &HttpRequest, params: &SigningParams<'_>) -> Result<String, Error> {
    let prepared = prepare(request, params, SignatureLocation::QueryParams)?;
    let sig = prepared.signature(params);
    let without_fragment = request.url.split('#').next().unwrap_or("");
    let (base, query) = match without_fragment.split_once('?') {
        Some((base, query)) => (base, query),
        None => (without_fragment, ""),
    };
    let mut url = base.to_owned();
    let mut separator = '?';
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        if is_signing_query_param(piece) {
            continue;
        }
        url.push(separator);
        url.push_str(piece);
        separator = '&';
    }
    let credential = format!("{}/{}", params.credentials.access_key_id(), prepared.scope);
    let mut added: Vec<(&str, &str)> = vec![
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", prepared.stamp.date_time()),
        ("X-Amz-SignedHeaders", &prepared.signed_headers),
        ("X-Amz-Expires", &prepared.expires),
    ];
    if let Some(token) = params.credentials.session_token() {
        added.push(("X-Amz-Security-Token", token));
    }
    added.push(("X-Amz-Signature", &sig));
    for (name, value) in added {
        url.push(separator);
        url.push_str(name);
        url.push('=');
        url.push_str(&percent_encode(value, false));
        separator = '&';
    }
    tracing::trace!(scope = %prepared.scope, signed_headers = %prepared.signed_headers, "presigned a URL with SigV4");
    Ok(url)
}

/// The canonical request of `request` for signing with `params` in `mode`,
/// and its list of signed headers (`host;x-amz-date`).
///
/// It includes what signing adds: in [`SignatureLocation::Headers`] mode the
/// `x-amz-date` header, the `x-amz-security-token` header (unless
/// [`SigningSettings::omit_session_token`]) and the `x-amz-content-sha256`
/// header (with [`SigningSettings::payload_checksum_header`]); in
/// [`SignatureLocation::QueryParams`] mode the `X-Amz-*` query parameters
/// except the signature.
pub fn canonical_request(request: &HttpRequest, params: &SigningParams<'_>, mode: SignatureLocation) -> Result<(String, String), Error> {
    let prepared = prepare(request, params, mode)?;
    Ok((prepared.canonical_request, prepared.signed_headers))
}

/// The string to sign for `canonical_request`: the algorithm, the request
/// time, the credential scope and the hex SHA-256 of the canonical request.
pub fn string_to_sign(canonical_request: &str, params: &SigningParams<'_>) -> String {
    let stamp = Stamp::new(params.time);
    string_to_sign_at(canonical_request, &stamp, &scope(&stamp, params))
}

fn string_to_sign_at(canonical_request: &str, stamp: &Stamp, scope: &str) -> String {
    [ALGORITHM, "\n", stamp.date_time(), "\n", scope, "\n", &hex(&Sha256::digest(canonical_request.as_bytes()))].concat()
}

/// The signature (lower-case hex) of `string_to_sign`, with the key derived
/// from the secret access key, the date, the region and the service.
pub fn signature(string_to_sign: &str, params: &SigningParams<'_>) -> String {
    signature_at(string_to_sign, &Stamp::new(params.time), params)
}

fn signature_at(string_to_sign: &str, stamp: &Stamp, params: &SigningParams<'_>) -> String {
    let mut mac = keyed_signer(params.credentials.secret_access_key(), stamp.date(), params.region, params.service);
    mac.update(string_to_sign.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Everything signing computes before the signature.
struct Prepared {
    canonical_request: String,
    signed_headers: String,
    payload_hash: String,
    stamp: Stamp,
    scope: String,
    /// `X-Amz-Expires` (query signing only, else empty).
    expires: String,
}

impl Prepared {
    /// The signature of this canonical request (one stamp and scope for
    /// the whole signing).
    fn signature(&self, params: &SigningParams<'_>) -> String {
        signature_at(&string_to_sign_at(&self.canonical_request, &self.stamp, &self.scope), &self.stamp, params)
    }
}

fn prepare(request: &HttpRequest, params: &SigningParams<'_>, mode: SignatureLocation) -> Result<Prepared, Error> {
    check_params(params)?;
    let stamp = Stamp::new(params.time);
    if !stamp.valid {
        return Err(Error::invalid_request("cannot sign with a time before 1970 or after 9999"));
    }
    let settings = &params.settings;
    let scope = scope(&stamp, params);
    let expires = match mode {
        SignatureLocation::Headers => String::new(),
        SignatureLocation::QueryParams => {
            let expires =
                settings.expires_in.ok_or_else(|| Error::invalid_request("presigning needs an expiry (`SigningSettings::expires_in`)"))?;
            if expires.as_secs() == 0 || expires > MAX_PRESIGNED_EXPIRY {
                return Err(Error::invalid_request(format!(
                    "a presigned URL must expire within 1 second to 7 days, not {} seconds",
                    expires.as_secs()
                )));
            }
            expires.as_secs().to_string()
        }
    };
    if request.method.is_empty() || request.method.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(Error::invalid_request(format!("cannot sign the HTTP method `{}`", request.method.escape_debug())));
    }

    // Headers: (lower-case name, canonical value), sorted by name; values
    // of a repeated name keep their order.
    let mut headers: Vec<(String, String)> = Vec::with_capacity(request.headers.len() + 4);
    for (name, value) in request.headers.iter() {
        let lower = name.to_ascii_lowercase();
        if UNSIGNED_HEADERS.contains(&lower.as_str()) || SIGNING_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        if lower.is_empty() || lower.bytes().any(|b| !b.is_ascii_graphic() || b == b':') {
            return Err(Error::invalid_request(format!("cannot sign the header name `{}`", name.escape_debug())));
        }
        headers.push((lower, canonical_header_value(value)));
    }
    let has = |headers: &[(String, String)], name: &str| headers.iter().any(|(n, _)| n == name);
    if !has(&headers, "host") {
        headers.push(("host".to_owned(), url_host(request)?));
    }
    let token = params.credentials.session_token().filter(|_| !settings.omit_session_token);
    let payload_hash = match headers.iter().find(|(n, _)| n == "x-amz-content-sha256") {
        Some((_, value)) => value.clone(),
        None if settings.unsigned_payload => UNSIGNED_PAYLOAD.to_owned(),
        None => hex(&Sha256::digest(&request.body)),
    };
    if mode == SignatureLocation::Headers {
        headers.push(("x-amz-date".to_owned(), stamp.date_time().to_owned()));
        if let Some(token) = token {
            headers.push(("x-amz-security-token".to_owned(), canonical_header_value(token)));
        }
        if settings.payload_checksum_header && !has(&headers, "x-amz-content-sha256") {
            headers.push(("x-amz-content-sha256".to_owned(), payload_hash.clone()));
        }
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    // One group per name (its values in order).
    let groups: Vec<&[(String, String)]> = headers.chunk_by(|a, b| a.0 == b.0).collect();
    let signed_headers = groups.iter().map(|g| g[0].0.as_str()).collect::<Vec<_>>().join(";");

    // Query: encoded (name, value) pairs, sorted.
    let mut query: Vec<(String, String)> = Vec::new();
    for piece in request.query().unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        if mode == SignatureLocation::QueryParams && is_signing_query_param(piece) {
            continue;
        }
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        query.push((percent_encode(percent_decode(name), false), percent_encode(percent_decode(value), false)));
    }
    if mode == SignatureLocation::QueryParams {
        let credential = format!("{}/{scope}", params.credentials.access_key_id());
        let mut add = |name: &str, value: &str| query.push((name.to_owned(), percent_encode(value, false)));
        add("X-Amz-Algorithm", ALGORITHM);
        add("X-Amz-Credential", &credential);
        add("X-Amz-Date", stamp.date_time());
        add("X-Amz-Expires", &expires);
        add("X-Amz-SignedHeaders", &signed_headers);
        if let Some(token) = token {
            add("X-Amz-Security-Token", token);
        }
    }
    query.sort();

    let mut cr = String::with_capacity(256 + headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum::<usize>());
    cr.push_str(&request.method);
    cr.push('\n');
    cr.push_str(&canonical_uri(request.path(), settings));
    cr.push('\n');
    for (i, (name, value)) in query.iter().enumerate() {
        if i > 0 {
            cr.push('&');
        }
        cr.push_str(name);
        cr.push('=');
        cr.push_str(value);
    }
    cr.push('\n');
    for group in &groups {
        cr.push_str(&group[0].0);
        cr.push(':');
        for (i, (_, value)) in group.iter().enumerate() {
            if i > 0 {
                cr.push(',');
            }
            cr.push_str(value);
        }
        cr.push('\n');
    }
    cr.push('\n');
    cr.push_str(&signed_headers);
    cr.push('\n');
    cr.push_str(&payload_hash);

    Ok(Prepared { canonical_request: cr, signed_headers, payload_hash, stamp, scope, expires })
}

/// Rejects credentials and scopes that cannot be signed with.
fn check_params(params: &SigningParams<'_>) -> Result<(), Error> {
    let credentials = params.credentials;
    let bad_id = |s: &str| s.is_empty() || s.bytes().any(|b| !b.is_ascii_graphic() || b == b'/' || b == b',');
    if bad_id(credentials.access_key_id()) {
        return Err(Error::new(ErrorKind::Credentials, "the access key id is empty or contains `/`, `,`, spaces or control characters"));
    }
    if credentials.secret_access_key().is_empty() {
        return Err(Error::new(ErrorKind::Credentials, "the secret access key is empty"));
    }
    if let Some(token) = credentials.session_token() {
        if token.is_empty() || token.bytes().any(|b| b.is_ascii_control()) {
            return Err(Error::new(ErrorKind::Credentials, "the session token is empty or contains control characters"));
        }
    }
    if let Some(expiry) = credentials.expiry() {
        if expiry <= params.time {
            return Err(Error::new(ErrorKind::Credentials, "the credentials have expired; refresh them before signing"));
        }
    }
    if bad_id(params.region) {
        return Err(Error::invalid_request(format!("cannot sign for the region `{}`", params.region.escape_debug())));
    }
    if bad_id(params.service) {
        return Err(Error::invalid_request(format!("cannot sign for the service `{}`", params.service.escape_debug())));
    }
    Ok(())
}

fn is_signing_query_param(piece: &str) -> bool {
    let name = piece.split_once('=').map_or(piece, |(n, _)| n);
    SIGNING_QUERY_PARAMS.contains(&name)
}

/// The host to sign when the request has no `Host` header: the URL's host,
/// lower-cased, without user info and without the scheme's default port.
fn url_host(request: &HttpRequest) -> Result<String, Error> {
    let no_host = || Error::invalid_request("cannot sign a request without a host: the URL must be absolute (`https://host/path`)");
    let authority = request.host().ok_or_else(no_host)?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let scheme = request.url.split_once("://").map_or("", |(s, _)| s);
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        Some(":443")
    } else if scheme.eq_ignore_ascii_case("http") {
        Some(":80")
    } else {
        None
    };
    let host = match default_port {
        Some(port) if authority.len() > port.len() && authority.ends_with(port) => &authority[..authority.len() - port.len()],
        _ => authority,
    };
    if host.is_empty() || host.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(no_host());
    }
    Ok(host.to_ascii_lowercase())
}

/// Trims a header value and collapses each run of whitespace (including
/// folded line breaks) into one space.
fn canonical_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split([' ', '\t', '\r', '\n']).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The canonical URI of `path` (percent-encoded as sent).
fn canonical_uri(path: &str, settings: &SigningSettings) -> String {
    let path = if settings.normalize_path {
        remove_dot_segments(path)
    } else if path.is_empty() {
        "/".to_owned()
    } else {
        path.to_owned()
    };
    if settings.double_uri_encode {
        percent_encode(path, true)
    } else {
        // Keep existing escapes (upper-casing their hex digits) and encode
        // what is neither unreserved nor `/`.
        let bytes = path.as_bytes();
        let mut out = String::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match (bytes[i], bytes.get(i + 1).copied(), bytes.get(i + 2).copied()) {
                (b'%', Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                    out.push('%');
                    out.push(char::from(h.to_ascii_uppercase()));
                    out.push(char::from(l.to_ascii_uppercase()));
                    i += 3;
                }
                (b, _, _) => {
                    push_percent_encoded(&mut out, &[b], true);
                    i += 1;
                }
            }
        }
        out
    }
}

/// Removes `.` and `..` segments and empty segments; the result starts with
/// `/` and ends with `/` when the input ended with a directory (`/`, `/.`,
/// `/..`) and is not the root.
fn remove_dot_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut last = "";
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            s => kept.push(s),
        }
        last = segment;
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &kept {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() || matches!(last, "" | "." | "..") {
        out.push('/');
    }
    out
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// An HMAC-SHA256 keyed with `key`.
fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail, the
    // fallback only keeps this function total.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()))
}

/// An HMAC-SHA256 already keyed with the signing key
/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`,
/// remembered for the few (secret, date, region, service) combinations a
/// process signs with: deriving the key is four of the five HMACs of a
/// signature, and keying the fifth is two of its SHA-256 blocks.
fn keyed_signer(secret: &str, date: &str, region: &str, service: &str) -> HmacSha256 {
    /// Derived keys are secrets: this cache has no `Debug` and never leaves
    /// this function.
    struct CachedKey {
        secret: String,
        date: String,
        region: String,
        service: String,
        key: HmacSha256,
    }
    const CAPACITY: usize = 8;
    static CACHE: std::sync::Mutex<Vec<CachedKey>> = std::sync::Mutex::new(Vec::new());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = cache.iter().find(|c| c.date == date && c.region == region && c.service == service && c.secret == secret) {
        return hit.key.clone();
    }
    let key = keyed(&derive_signing_key(secret, date, region, service));
    if cache.len() >= CAPACITY {
        cache.remove(0);
    }
    cache.push(CachedKey {
        secret: secret.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        key: key.clone(),
    });
    key
}

fn derive_signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

fn scope(stamp: &Stamp, params: &SigningParams<'_>) -> String {
    [stamp.date(), "/", params.region, "/", params.service, "/aws4_request"].concat()
}

/// The signing time in the two formats SigV4 uses.
struct Stamp {
    /// `yyyymmddThhmmssZ`.
    date_time: String,
    /// Whether the year is within 1970..=9999.
    valid: bool,
}

impl Stamp {
    fn new(time: SystemTime) -> Self {
        let secs = match time.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(_) => -1,
        };
        let at = nimbus_core::DateTime::from_secs(secs);
        Stamp { date_time: at.to_iso8601_basic(), valid: secs >= 0 && at.year() <= 9999 }
    }

    /// `yyyymmddThhmmssZ`.
    fn date_time(&self) -> &str {
        &self.date_time
    }

    /// `yyyymmdd` (out-of-range years, which `valid` refuses, aside).
    fn date(&self) -> &str {
        self.date_time.get(..8).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn params<'a>(credentials: &'a Credentials, settings: SigningSettings) -> SigningParams<'a> {
        // 2015-08-30T12:36:00Z
        SigningParams { credentials, region: "us-east-1", service: "service", time: at(1_440_938_160), settings }
    }

    #[test]
    fn debug_redacts_secret_and_token() {
        let c = Credentials::new("AKIDEXAMPLE", SECRET, Some("TOKEN-SECRET".into()));
        let debug = format!("{c:?}");
        assert!(debug.contains("AKIDEXAMPLE"), "{debug}");
        assert!(!debug.contains("wJalr") && !debug.contains("TOKEN-SECRET"), "{debug}");
        assert!(debug.contains("** redacted **"), "{debug}");
        assert_eq!(c.session_token(), Some("TOKEN-SECRET"));
        assert_eq!(c.clone().with_expiry(at(5)).expiry(), Some(at(5)));
    }

    #[test]
    fn formats_dates() {
        let stamp = Stamp::new(at(1_440_938_160));
        assert_eq!((stamp.date_time(), stamp.date()), ("20150830T123600Z", "20150830"));
        assert_eq!(Stamp::new(at(0)).date_time(), "19700101T000000Z");
        // 2000-02-29T23:59:59Z and 2100-03-01T00:00:00Z.
        assert_eq!(Stamp::new(at(951_868_799)).date_time(), "20000229T235959Z");
        assert_eq!(Stamp::new(at(4_107_542_400)).date_time(), "21000301T000000Z");
        assert!(!Stamp::new(at(300_000_000_000)).valid);
    }

    #[test]
    fn derives_the_documented_signing_key() {
        // The example of the AWS General Reference.
        let key = derive_signing_key(SECRET, "20150830", "us-east-1", "iam");
        assert_eq!(hex(&key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    }

    #[test]
    fn canonical_uri_encodes_twice_except_for_s3() {
        let default = SigningSettings::default();
        assert_eq!(canonical_uri("/a%20b/c:d/./e/../f//", &default), "/a%2520b/c%3Ad/f/");
        assert_eq!(canonical_uri("", &default), "/");
        let s3 = SigningSettings { normalize_path: false, double_uri_encode: false, ..default };
        assert_eq!(canonical_uri("/a%20b//c d/%e2%82%ac/./x%", &s3), "/a%20b//c%20d/%E2%82%AC/./x%25");
        assert_eq!(remove_dot_segments("/a/b/.."), "/a/");
        assert_eq!(remove_dot_segments("/../../a"), "/a");
    }

    #[test]
    fn canonical_query_decodes_and_reencodes() {
        let c = Credentials::new("AKIDEXAMPLE", SECRET, None);
        let mut r = HttpRequest::new("GET", "https://example.com/?b=2&a=x+y%2b%7e&a=1&flag&&c=%zz#frag");
        r.headers.insert("User-Agent", "not signed");
        let (cr, signed) = canonical_request(&r, &params(&c, SigningSettings::default()), SignatureLocation::Headers).unwrap();
        let lines: Vec<&str> = cr.lines().collect();
        assert_eq!(lines[2], "a=1&a=x%2By%2B~&b=2&c=%25zz&flag=");
        assert_eq!(signed, "host;x-amz-date");
        assert_eq!(lines[3], "host:example.com");
    }

    #[test]
    fn host_comes_from_the_url_without_default_port() {
        let c = Credentials::new("AKIDEXAMPLE", SECRET, None);
        let p = params(&c, SigningSettings::default());
        for (url, host) in
            [("https://Example.com:443/", "example.com"), ("https://example.com:8443/x", "example.com:8443"), ("http://u@h:80", "h")]
        {
            let (cr, _) = canonical_request(&HttpRequest::new("GET", url), &p, SignatureLocation::Headers).unwrap();
            assert!(cr.contains(&format!("\nhost:{host}\n")), "{url}: {cr}");
        }
        let e = canonical_request(&HttpRequest::new("GET", "/relative"), &p, SignatureLocation::Headers).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn signing_twice_replaces_the_signing_headers() {
        let c = Credentials::new("AKIDEXAMPLE", SECRET, Some("tok".into()));
        let settings = SigningSettings { payload_checksum_header: true, ..SigningSettings::default() };
        let p = params(&c, settings);
        let mut r = HttpRequest::new("POST", "https://example.com/");
        r.body = bytes::Bytes::from_static(b"{}");
        sign_request(&mut r, &p).unwrap();
        let first = r.clone();
        sign_request(&mut r, &p).unwrap();
        let sorted = |r: &HttpRequest| {
            let mut h: Vec<(String, String)> = r.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned())).collect();
            h.sort();
            h
        };
        assert_eq!(sorted(&r), sorted(&first));
        assert_eq!(r.headers.len(), 4);
        let auth = r.headers.get("authorization").unwrap();
        assert!(auth.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"), "{auth}");
    }

    #[test]
    fn rejects_unusable_input() {
        let good = Credentials::new("AKIDEXAMPLE", SECRET, None);
        let r = HttpRequest::new("GET", "https://example.com/");
        let mut p = params(&good, SigningSettings::default());
        assert!(presign_url(&r, &p).is_err(), "no expiry");
        p.settings.expires_in = Some(Duration::from_secs(8 * 24 * 3600));
        assert!(presign_url(&r, &p).is_err(), "too long");
        p.settings.expires_in = Some(Duration::from_secs(60));
        let url = presign_url(&r, &p).unwrap();
        assert!(url.starts_with("https://example.com/?X-Amz-Algorithm=AWS4-HMAC-SHA256&"), "{url}");
        assert!(url.contains("&X-Amz-Expires=60&"), "{url}");
        // Presigning a presigned URL replaces the old parameters.
        let again = presign_url(&HttpRequest::new("GET", url.as_str()), &p).unwrap();
        assert_eq!(again, url);

        let expired = good.clone().with_expiry(at(1_440_938_000));
        let e = sign_request(&mut r.clone(), &params(&expired, SigningSettings::default())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        let empty = Credentials::new("", "", None);
        assert_eq!(sign_request(&mut r.clone(), &params(&empty, SigningSettings::default())).unwrap_err().kind(), ErrorKind::Credentials);
        let mut bad_region = params(&good, SigningSettings::default());
        bad_region.region = "us/east";
        assert!(sign_request(&mut r.clone(), &bad_region).is_err());
        let mut before_epoch = params(&good, SigningSettings::default());
        before_epoch.time = UNIX_EPOCH - Duration::from_secs(1);
        assert!(sign_request(&mut r.clone(), &before_epoch).is_err());
    }
}
