//! URLs in messages: splitting off the origin, and hiding secrets before a
//! URL reaches an error message, a log line or a tracing field.

/// Query parameters whose values are secrets (Google API keys and access
/// tokens, presigned AWS URLs' signatures and session tokens, OAuth secrets).
const SECRET_QUERY_PARAMS: &[&str] = &[
    "key",
    "access_token",
    "oauth_token",
    "token",
    "id_token",
    "refresh_token",
    "client_secret",
    "password",
    "signature",
    "sig",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
];

/// `url` as it may appear in an error message, a log line or a tracing
/// field: the values of secret query parameters (`key`, `access_token`,
/// `oauth_token`, signatures, ...) and any userinfo (`user:password@`)
/// replaced by `REDACTED`. Borrows when there is nothing to hide.
pub fn redact_url(url: &str) -> std::borrow::Cow<'_, str> {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (head, query) = match before_fragment.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (before_fragment, None),
    };
    let userinfo = split_origin(head).and_then(|(origin, _)| {
        let scheme_end = origin.find("://")? + 3;
        origin[scheme_end..].rfind('@').map(|at| scheme_end..scheme_end + at)
    });
    let is_secret = |pair: &str| {
        let name = pair.split('=').next().unwrap_or("");
        let name = crate::percent::percent_decode(name);
        SECRET_QUERY_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
    };
    let secret_query = query.is_some_and(|q| q.split('&').any(|p| p.contains('=') && is_secret(p)));
    if userinfo.is_none() && !secret_query {
        return std::borrow::Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len());
    match userinfo {
        Some(range) => {
            out.push_str(&head[..range.start]);
            out.push_str("REDACTED");
            out.push_str(&head[range.end..]);
        }
        None => out.push_str(head),
    }
    if let Some(q) = query {
        out.push('?');
        for (i, pair) in q.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, _)) if is_secret(pair) => {
                    out.push_str(name);
                    out.push_str("=REDACTED");
                }
                _ => out.push_str(pair),
            }
        }
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    std::borrow::Cow::Owned(out)
}

/// An absolute URL split into its origin (`scheme://authority`) and the
/// rest (path, query, fragment); `None` for a URL without `://`.
pub fn split_origin(url: &str) -> Option<(&str, &str)> {
    let authority_at = url.find("://")? + 3;
    let rest_at = url[authority_at..].find(['/', '?', '#']).map_or(url.len(), |i| authority_at + i);
    Some(url.split_at(rest_at))
}
