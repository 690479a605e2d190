//! Percent-encoding (RFC 3986) of path labels, query strings and form
//! values, and its inverse.

/// Percent-encodes `value` (text or raw bytes), keeping RFC 3986 unreserved
/// characters (and `/` when `keep_slash`), with upper-case hex digits.
pub fn percent_encode(value: impl AsRef<[u8]>, keep_slash: bool) -> String {
    let bytes = value.as_ref();
    let mut out = String::with_capacity(bytes.len());
    push_percent_encoded(&mut out, bytes, keep_slash);
    out
}

/// Appends `bytes` to `out` percent-encoded (upper-case hex), keeping RFC
/// 3986 unreserved characters (and `/` when `keep_slash`).
pub fn push_percent_encoded(out: &mut String, bytes: &[u8], keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = bytes;
    while !rest.is_empty() {
        // Copy the run of bytes that stay as they are in one go.
        let keep = rest.iter().position(|&b| !(is_unreserved(b) || (keep_slash && b == b'/'))).unwrap_or(rest.len());
        let (kept, tail) = rest.split_at(keep);
        // The kept bytes are ASCII.
        out.push_str(std::str::from_utf8(kept).unwrap_or_default());
        let Some((&b, after)) = tail.split_first() else {
            break;
        };
        for c in [b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]] {
            out.push(char::from(c));
        }
        rest = after;
    }
}

/// Decodes `%XX` escapes; anything else (including `+` and a `%` not
/// followed by two hex digits) is kept as is. The inverse of
/// [`percent_encode`] (bytes, since a decoded value need not be UTF-8).
pub fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|&b| char::from(b).to_digit(16));
        if let (b'%', Some(high), Some(low)) = (bytes[i], hex(i + 1), hex(i + 2)) {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Whether `b` is an RFC 3986 unreserved character (letters, digits,
/// `-`, `.`, `_`, `~`), which is never percent-encoded.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}
