//! What every method of a Google API accepts: the standard query
//! parameters, and checks of resource names against their patterns.

use nimbus_core::Error;
use std::fmt;

/// Google's standard query parameters ("system parameters"), which every
/// method of a Google API accepts, for a request builder's
/// `standard_params(..)`:
///
/// ```
/// use nimbus_google::StandardParams;
/// let params = StandardParams::new().fields("name,createTime").quota_user("tenant-7").pretty_print(false);
/// assert_eq!(params.iter().count(), 3);
/// ```
///
/// Setting a parameter again replaces its value. `Debug` does not show the
/// values of `access_token`, `oauth_token` and `key`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StandardParams(Vec<(std::borrow::Cow<'static, str>, String)>);

impl StandardParams {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the parameter `name` (one this type has no method for, such as
    /// an API's own global parameter).
    pub fn set(mut self, name: impl Into<std::borrow::Cow<'static, str>>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.0.retain(|(n, _)| *n != name);
        self.0.push((name, value.into()));
        self
    }

    /// `fields`: the fields to include in a partial response (`name,createTime`).
    pub fn fields(self, value: impl Into<String>) -> Self {
        self.set("fields", value)
    }

    /// `quotaUser`: the user or tenant to count quota against (up to 40
    /// characters).
    pub fn quota_user(self, value: impl Into<String>) -> Self {
        self.set("quotaUser", value)
    }

    /// `prettyPrint`: whether the response is indented.
    pub fn pretty_print(self, value: bool) -> Self {
        self.set("prettyPrint", if value { "true" } else { "false" })
    }

    /// `alt`: the response format (`json`, `media`, `proto`).
    pub fn alt(self, value: impl Into<String>) -> Self {
        self.set("alt", value)
    }

    /// `$.xgafv`: the error format version (`1` or `2`).
    pub fn xgafv(self, value: impl Into<String>) -> Self {
        self.set("$.xgafv", value)
    }

    /// `key`: an API key (identifies the project for quota and billing).
    pub fn key(self, value: impl Into<String>) -> Self {
        self.set("key", value)
    }

    /// `access_token`: an OAuth access token in the query instead of the
    /// `Authorization` header.
    pub fn access_token(self, value: impl Into<String>) -> Self {
        self.set("access_token", value)
    }

    /// `oauth_token`: the OAuth 2.0 token of the current user.
    pub fn oauth_token(self, value: impl Into<String>) -> Self {
        self.set("oauth_token", value)
    }

    /// `callback`: the JSONP callback.
    pub fn callback(self, value: impl Into<String>) -> Self {
        self.set("callback", value)
    }

    /// `uploadType`: the legacy upload protocol (`media`, `multipart`).
    pub fn upload_type(self, value: impl Into<String>) -> Self {
        self.set("uploadType", value)
    }

    /// `upload_protocol`: the upload protocol (`raw`, `multipart`).
    pub fn upload_protocol(self, value: impl Into<String>) -> Self {
        self.set("upload_protocol", value)
    }

    /// The parameters set, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// Whether no parameter is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for StandardParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.iter() {
            let secret = matches!(name, "access_token" | "oauth_token" | "key");
            map.entry(&name, &if secret { "** redacted **" } else { value });
        }
        map.finish()
    }
}

/// Splits a resource name (`projects/p/instances/i`) into its ids, one per
/// collection of `collections` (`["projects", "instances"]`), for the typed
/// names' `FromStr`: each collection must be where it belongs and each id
/// must be there and not empty. The error names `what` (the type) and the
/// expected form.
pub fn parse_resource_name<const N: usize>(name: &str, collections: [&str; N], what: &str) -> Result<[String; N], Error> {
    let fail = || {
        let form: Vec<String> = collections.iter().map(|c| format!("{c}/{{id}}")).collect();
        Error::invalid_request(format!("`{name}` is not a {what} (`{}`)", form.join("/")))
    };
    let mut segments = name.split('/');
    let mut ids: [String; N] = std::array::from_fn(|_| String::new());
    for (id, collection) in ids.iter_mut().zip(collections) {
        if segments.next() != Some(collection) {
            return Err(fail());
        }
        match segments.next() {
            Some(value) if !value.is_empty() => *id = value.to_owned(),
            _ => return Err(fail()),
        }
    }
    match segments.next() {
        None => Ok(ids),
        Some(_) => Err(fail()),
    }
}

/// Checks `value` against a Discovery parameter `pattern` before sending.
/// Supports the forms Google APIs use: `^` + literal text, `[^/]+`, `.*`,
/// `.+` and `[^/]*` + `$`; an unsupported pattern accepts every value.
pub fn check_pattern(name: &str, value: &str, pattern: &str) -> Result<(), Error> {
    let Some(body) = pattern.strip_prefix('^').and_then(|p| p.strip_suffix('$')) else { return Ok(()) };
    // Matched as written, without building anything: Google's patterns are
    // short and their wildcards are followed by `/` or the end.
    if !supported(body.as_bytes()) || matches(body.as_bytes(), value.as_bytes()) {
        Ok(())
    } else {
        Err(Error::invalid_request(format!("`{name}` = `{value}` does not match the pattern `{pattern}`")))
    }
}

/// The wildcards of [`check_pattern`]: text, minimum length, and whether
/// it stops at `/`.
const WILDCARDS: [(&[u8], usize, bool); 4] = [(b"[^/]+", 1, true), (b"[^/]*", 0, true), (b".+", 1, false), (b".*", 0, false)];

fn wildcard(body: &[u8]) -> Option<(&[u8], usize, bool)> {
    WILDCARDS.iter().find(|(token, _, _)| body.starts_with(token)).map(|&(token, min, segment)| (&body[token.len()..], min, segment))
}

/// Bytes that are not literal text in a pattern.
const SPECIAL: &[u8] = b"[]().*+?{}|\\";

/// The literal text before the first special byte, and the rest.
fn literal_prefix(body: &[u8]) -> (&[u8], &[u8]) {
    body.split_at(body.iter().position(|b| SPECIAL.contains(b)).unwrap_or(body.len()))
}

/// Whether `body` is only literal text and [`WILDCARDS`].
fn supported(body: &[u8]) -> bool {
    let mut rest = literal_prefix(body).1;
    while !rest.is_empty() {
        match wildcard(rest) {
            Some((after, _, _)) => rest = literal_prefix(after).1,
            None => return false,
        }
    }
    true
}

/// Whether `value` matches the whole of `body` (a [`supported`] pattern):
/// literal runs compare as slices; a wildcard tries its longest match first.
fn matches(body: &[u8], value: &[u8]) -> bool {
    let (literal, rest) = literal_prefix(body);
    let Some(value) = value.strip_prefix(literal) else { return false };
    let Some((rest, min, segment)) = wildcard(rest) else { return value.is_empty() };
    let max = if segment { value.iter().position(|&b| b == b'/').unwrap_or(value.len()) } else { value.len() };
    (min..=max).rev().any(|n| matches(rest, &value[n..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_split_into_their_ids() {
        let ids = parse_resource_name("projects/p/instances/i-1", ["projects", "instances"], "InstanceName").unwrap();
        assert_eq!(ids, ["p", "i-1"]);
        for bad in
            ["projects/p", "projects/p/instances/", "projects/p/databases/d", "projects/p/instances/i/extra", "", "/projects/p/instances/i"]
        {
            let e = parse_resource_name(bad, ["projects", "instances"], "InstanceName").unwrap_err();
            assert_eq!(e.kind(), nimbus_core::ErrorKind::InvalidRequest, "{bad}");
            assert!(e.message().contains("InstanceName") && e.message().contains("projects/{id}/instances/{id}"), "{e}");
        }
    }

    #[test]
    fn patterns() {
        let p = "^projects/[^/]+/instances/[^/]+/databases/[^/]+/sessions/[^/]+$";
        assert!(check_pattern("name", "projects/p/instances/i/databases/d/sessions/s", p).is_ok());
        for bad in [
            "projects/p/instances/i/databases/d/sessions/s/x",
            "projects/p/instances/i/databases/d",
            "projects//instances/i/databases/d/sessions/s",
            "x",
        ] {
            let e = check_pattern("name", bad, p).unwrap_err();
            assert!(e.to_string().contains("does not match"), "{e}");
        }
        assert!(check_pattern("name", "projects/p/operations/a/b", "^projects/[^/]+/operations/.*$").is_ok());
        assert!(check_pattern("name", "anything", "^(a|b)$").is_ok(), "unsupported patterns accept");
        assert!(check_pattern("name", "zzz", "^projects/(a|b)$").is_ok(), "unsupported anywhere: accept");
        assert!(check_pattern("name", "projects/é/ü", "^projects/[^/]+/ü$").is_ok(), "multi-byte text");
        assert!(check_pattern("name", "projects/é", "^projects/[^/]+/ü$").is_err());
        assert!(check_pattern("name", "a/", "^a/.*$").is_ok() && check_pattern("name", "a/", "^a/.+$").is_err());
        assert!(check_pattern("name", "a//b", "^a/[^/]*/b$").is_ok() && check_pattern("name", "a//b", "^a/[^/]+/b$").is_err());
        assert!(check_pattern("name", "v1/x/y", "^v1/.+/y$").is_ok(), "`.+` crosses `/` and backtracks");
    }

    #[test]
    fn standard_params_replace_and_redact() {
        let p = StandardParams::new().fields("a").key("AIza-secret").fields("b").pretty_print(true).set("userIp", "1.2.3.4");
        assert_eq!(p.iter().collect::<Vec<_>>(), [("key", "AIza-secret"), ("fields", "b"), ("prettyPrint", "true"), ("userIp", "1.2.3.4")]);
        let shown = format!("{p:?}");
        assert!(!shown.contains("AIza") && shown.contains("\"fields\": \"b\""), "{shown}");
    }
}
