//! Names, decided once: wire names to Rust identifiers, keyword escaping and
//! collision handling. Every other module asks here.

use std::collections::BTreeSet;

/// Rust keywords (strict and reserved, all editions).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum", "extern",
    "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "union", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Type names generated code uses unqualified (prelude and our own imports):
/// a shape with one of these names is renamed so it cannot shadow them.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Deserialize",
    "Eq",
    "Err",
    "Fn",
    "From",
    "Hash",
    "Into",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "PartialEq",
    "Result",
    "Send",
    "Serialize",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToString",
    "Vec",
];

/// Splits an identifier-ish string into lowercase words.
///
/// `GetSessionRequest` -> `get session request`, `DPUSize` -> `dpu size`,
/// `s3AclOption` -> `s3 acl option`, `$.xgafv` -> `xgafv`, `IPv6Address` ->
/// `i pv6 address` is avoided by keeping a lowercase run after a single
/// capital with the capital (`I` + `Pv6`): acronyms end one letter before a
/// lowercase letter.
pub fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = if i > 0 { chars.get(i - 1).copied() } else { None };
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_uppercase() => {
                p.is_lowercase()
                    || (p.is_ascii_digit() && !cur.is_empty() && cur.len() > 1)
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            }
            _ => false,
        };
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `snake_case` of any wire name, not yet escaped.
pub fn snake(s: &str) -> String {
    let w = words(s);
    if w.is_empty() { "value".to_owned() } else { w.join("_") }
}

/// `PascalCase` of any wire name, not yet escaped.
pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let mut cs = w.chars();
        if let Some(f) = cs.next() {
            out.extend(f.to_uppercase());
            out.push_str(cs.as_str());
        }
    }
    if out.is_empty() { "Value".to_owned() } else { out }
}

/// Makes `s` usable as an identifier: a leading digit gets a prefix, keywords
/// are escaped (`type` -> `r#type`, `self` -> `self_`).
pub fn escape(s: &str, digit_prefix: &str) -> String {
    let s = if s.starts_with(|c: char| c.is_ascii_digit()) { format!("{digit_prefix}{s}") } else { s.to_owned() };
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// Rust field or method name for a wire name.
pub fn field_ident(wire: &str) -> String {
    escape(&snake(wire), "n")
}

/// Rust type name for a wire name; reserved names get a `Value` suffix.
pub fn type_ident(wire: &str) -> String {
    let p = pascal(wire);
    if RESERVED_TYPE_NAMES.contains(&p.as_str()) || p == "Self" { format!("{p}Value") } else { escape(&p, "N") }
}

/// Rust enum variant name for an enum value (`SESSION_STATE_UNSPECIFIED` ->
/// `SessionStateUnspecified`, `1` -> `V1`).
pub fn variant_ident(wire: &str) -> String {
    let p = pascal(wire);
    // `Unknown` is the variant that keeps values this SDK does not know.
    if p == "Unknown" || p == "Self" { format!("{p}Value") } else { escape(&p, "V") }
}

/// Hands out unique names within one scope, suffixing `2`, `3`, ... on collision.
#[derive(Default, Debug)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope { taken: reserved.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// Claims `name`, or the first free `name2`, `name3`, ...
    pub fn claim(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        let base = match name.strip_prefix("r#") {
            Some(b) => b.to_owned(),
            None => name.trim_end_matches('_').to_owned(),
        };
        let sep = if base.contains('_') || base.chars().all(|c| c.is_lowercase() || c.is_ascii_digit()) { "_" } else { "" };
        for n in 2.. {
            let candidate = format!("{base}{sep}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("an unbounded counter always finds a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_like_a_person_would() {
        assert_eq!(snake("GetSessionRequest"), "get_session_request");
        assert_eq!(snake("DPUSize"), "dpu_size");
        assert_eq!(snake("SessionIdleTimeoutInMinutes"), "session_idle_timeout_in_minutes");
        assert_eq!(snake("s3AclOption"), "s3_acl_option");
        assert_eq!(snake("S3AclOption"), "s3_acl_option");
        assert_eq!(snake("$.xgafv"), "xgafv");
        assert_eq!(snake("encryptionConfig.kmsKeyNames"), "encryption_config_kms_key_names");
        assert_eq!(snake("SESSION_STATE_UNSPECIFIED"), "session_state_unspecified");
        assert_eq!(snake("ListApplicationDPUSizes"), "list_application_dpu_sizes");
        assert_eq!(snake("IPv6Address"), "i_pv6_address");
        assert_eq!(snake("ec2InstanceId"), "ec2_instance_id");
        assert_eq!(snake("Int32Value"), "int32_value");
        assert_eq!(pascal("arrayElementType"), "ArrayElementType");
        assert_eq!(pascal("TYPE_CODE_UNSPECIFIED"), "TypeCodeUnspecified");
        assert_eq!(pascal("pyspark-3"), "Pyspark3");
    }

    #[test]
    fn escapes_keywords_and_digits() {
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(field_ident("Self"), "self_");
        assert_eq!(field_ident("super"), "super_");
        assert_eq!(field_ident("3d"), "n3d");
        assert_eq!(type_ident("Option"), "OptionValue");
        assert_eq!(type_ident("Self"), "SelfValue");
        assert_eq!(type_ident("String"), "StringValue");
        assert_eq!(variant_ident("1"), "V1");
        assert_eq!(variant_ident("UNKNOWN"), "UnknownValue");
        assert_eq!(variant_ident("async"), "Async");
        assert_eq!(variant_ident("self"), "SelfValue");
        assert_eq!(field_ident(""), "value");
    }

    #[test]
    fn scope_suffixes_collisions() {
        let mut s = Scope::with_reserved(&["Unknown"]);
        assert_eq!(s.claim("Foo".into()), "Foo");
        assert_eq!(s.claim("Foo".into()), "Foo2");
        assert_eq!(s.claim("Foo".into()), "Foo3");
        assert_eq!(s.claim("foo_bar".into()), "foo_bar");
        assert_eq!(s.claim("foo_bar".into()), "foo_bar_2");
        assert_eq!(s.claim("r#type".into()), "r#type");
        assert_eq!(s.claim("r#type".into()), "type_2");
    }
}
