//! The string functions of the rules engine's standard library and the AWS
//! `aws.parseArn` and `aws.isVirtualHostableS3Bucket`.

use super::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// `substring`: the ASCII `input`'s characters `start..stop`, counted from
/// the end when `reverse`; `None` when out of range or not ASCII.
pub(super) fn substring(input: &str, start: i64, stop: i64, reverse: bool) -> Option<String> {
    let (start, stop) = (usize::try_from(start).ok()?, usize::try_from(stop).ok()?);
    if !input.is_ascii() || start >= stop || stop > input.len() {
        return None;
    }
    let (from, to) = if reverse { (input.len() - stop, input.len() - start) } else { (start, stop) };
    input.get(from..to).map(str::to_owned)
}

/// `uriEncode`: percent-encodes (upper-case hex) every byte of the UTF-8
/// encoding except the RFC 3986 unreserved characters.
pub(super) fn uri_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `parseURL`: an `http`/`https` URL without query or fragment as the record
/// `{scheme, authority, path, normalizedPath, isIp}`.
pub(super) fn parse_url(url: &str) -> Option<Value> {
    let (scheme, rest) = url.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) || rest.contains(['?', '#']) {
        return None;
    }
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inside, after) = v6.split_once(']')?;
            if inside.is_empty() || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
                return None;
            }
            let port = if after.is_empty() { "" } else { after.strip_prefix(':')? };
            (&authority[..inside.len() + 2], port)
        }
        None => authority.split_once(':').unwrap_or((authority, "")),
    };
    let host_ok = host.starts_with('[') || (!host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || "-._~%".contains(c)));
    let port_ok = port.bytes().all(|b| b.is_ascii_digit());
    if !host_ok || !port_ok || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let mut normalized = String::with_capacity(path.len() + 2);
    if !path.starts_with('/') {
        normalized.push('/');
    }
    normalized.push_str(path);
    if !normalized.ends_with('/') {
        normalized.push('/');
    }
    let is_ip = host.starts_with('[') || is_ipv4(host);
    Some(record([
        ("scheme", Value::from(scheme)),
        ("authority", Value::from(authority)),
        ("path", Value::from(path)),
        ("normalizedPath", Value::String(normalized)),
        ("isIp", Value::Bool(is_ip)),
    ]))
}

fn is_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n <= 255))
}

/// `isValidHostLabel`: an RFC 1123 host label (1 to 63 letters, digits and
/// hyphens, not starting with a hyphen), or with `allow_sub_domains` several
/// joined by dots.
pub(super) fn is_valid_host_label(value: &str, allow_sub_domains: bool) -> bool {
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.starts_with(|c: char| c.is_ascii_alphanumeric())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if allow_sub_domains { value.split('.').all(label) } else { label(value) }
}

/// `aws.parseArn`: `arn:partition:service:region:account:resource` as the
/// record `{partition, service, region, accountId, resourceId}`, the resource
/// split on `:` and `/`.
pub(super) fn parse_arn(value: &str) -> Option<Value> {
    let mut parts = value.splitn(6, ':');
    let mut next = || parts.next();
    let (arn, partition, service, region, account, resource) = (next()?, next()?, next()?, next()?, next()?, next()?);
    if arn != "arn" || partition.is_empty() || service.is_empty() || resource.is_empty() {
        return None;
    }
    let resource_id = resource.split([':', '/']).map(Value::from).collect();
    Some(record([
        ("partition", Value::from(partition)),
        ("service", Value::from(service)),
        ("region", Value::from(region)),
        ("accountId", Value::from(account)),
        ("resourceId", Value::Array(resource_id)),
    ]))
}

/// `aws.isVirtualHostableS3Bucket`: a bucket name that can be the first label
/// (or, with `allow_sub_domains`, labels) of a host name: 3 to 63 lower-case
/// letters, digits and hyphens (and dots when allowed), each dot-separated
/// label starting and ending with a letter or digit, and not an IPv4 address.
pub(super) fn is_virtual_hostable_s3_bucket(value: &str, allow_sub_domains: bool) -> bool {
    let label = |l: &str| {
        l.starts_with(|c: char| c.is_ascii_alphanumeric())
            && l.ends_with(|c: char| c.is_ascii_alphanumeric())
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    (3..=63).contains(&value.len()) && (allow_sub_domains || !value.contains('.')) && value.split('.').all(label) && !is_ipv4(value)
}

fn record<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Record(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<BTreeMap<_, _>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
        match v {
            Value::Record(m) => &m[key],
            _ => panic!("not a record"),
        }
    }

    #[test]
    fn substring_forward_reverse_and_out_of_range() {
        assert_eq!(substring("abcdefg", 0, 4, false).as_deref(), Some("abcd"));
        assert_eq!(substring("abcdefg", 0, 4, true).as_deref(), Some("defg"));
        assert_eq!(substring("abcdefg", 1, 3, true).as_deref(), Some("ef"));
        assert_eq!(substring("abc", 0, 4, false), None);
        assert_eq!(substring("abc", 2, 2, false), None);
        assert_eq!(substring("abc", -1, 2, false), None);
        assert_eq!(substring("\u{1F600}abcdef", 0, 1, false), None);
    }

    #[test]
    fn uri_encode_keeps_only_unreserved() {
        assert_eq!(uri_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(
            uri_encode("a b/c:d?e#f[]{}|@!$&'()*+;=%<>\"^`\\"),
            "a%20b%2Fc%3Ad%3Fe%23f%5B%5D%7B%7D%7C%40%21%24%26%27%28%29%2A%2B%3B%3D%25%3C%3E%22%5E%60%5C"
        );
        assert_eq!(uri_encode("é"), "%C3%A9");
    }

    #[test]
    fn parse_url_records() {
        let u = parse_url("http://example.com:80/foo/bar").unwrap();
        assert_eq!(get(&u, "scheme"), &Value::from("http"));
        assert_eq!(get(&u, "authority"), &Value::from("example.com:80"));
        assert_eq!(get(&u, "path"), &Value::from("/foo/bar"));
        assert_eq!(get(&u, "normalizedPath"), &Value::from("/foo/bar/"));
        assert_eq!(get(&u, "isIp"), &Value::Bool(false));
        let u = parse_url("https://example.com").unwrap();
        assert_eq!((get(&u, "path"), get(&u, "normalizedPath")), (&Value::from(""), &Value::from("/")));
        assert_eq!(get(&parse_url("https://127.0.0.1").unwrap(), "isIp"), &Value::Bool(true));
        let u = parse_url("https://[fe80::1]:8443/").unwrap();
        assert_eq!((get(&u, "authority"), get(&u, "isIp")), (&Value::from("[fe80::1]:8443"), &Value::Bool(true)));
        for bad in ["https://example.com:8443?foo=bar", "example.com", "ftp://x", "https://", "https://a b", "https://h:x", "https://[::1"]
        {
            assert_eq!(parse_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn host_labels_and_buckets() {
        assert!(is_valid_host_label("us-east-1", false));
        assert!(!is_valid_host_label("a.b", false));
        assert!(is_valid_host_label("a.b", true));
        assert!(!is_valid_host_label("a..b", true));
        assert!(!is_valid_host_label("-a", false));
        assert!(!is_valid_host_label(&"a".repeat(64), false));
        assert!(is_virtual_hostable_s3_bucket("my-bucket", false));
        assert!(!is_virtual_hostable_s3_bucket("my.bucket", false));
        assert!(is_virtual_hostable_s3_bucket("my.bucket", true));
        assert!(!is_virtual_hostable_s3_bucket("My-Bucket", false));
        assert!(!is_virtual_hostable_s3_bucket("ab", false));
        assert!(!is_virtual_hostable_s3_bucket("192.168.1.1", true));
        assert!(!is_virtual_hostable_s3_bucket("a.-b", true));
    }

    #[test]
    fn parse_arn_records() {
        let arn = parse_arn("arn:aws:ec2:us-east-1:012345678910:vpc/vpc-0e98").unwrap();
        assert_eq!(get(&arn, "partition"), &Value::from("aws"));
        assert_eq!(get(&arn, "service"), &Value::from("ec2"));
        assert_eq!(get(&arn, "region"), &Value::from("us-east-1"));
        assert_eq!(get(&arn, "accountId"), &Value::from("012345678910"));
        assert_eq!(get(&arn, "resourceId"), &Value::from(vec!["vpc".to_owned(), "vpc-0e98".to_owned()]));
        let arn = parse_arn("arn:aws:s3:::bucket_name:a:b").unwrap();
        assert_eq!(get(&arn, "region"), &Value::from(""));
        assert_eq!(get(&arn, "resourceId"), &Value::from(vec!["bucket_name".to_owned(), "a".to_owned(), "b".to_owned()]));
        for bad in ["11111111-2222-3333-4444-555555555555", "arn:aws:s3:::", "arn::s3:::x", "arn:aws::::x", "urn:aws:s3:::x"] {
            assert_eq!(parse_arn(bad), None, "{bad}");
        }
    }
}
