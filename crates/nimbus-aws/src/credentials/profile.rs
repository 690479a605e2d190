//! The shared AWS config and credentials files, read as the AWS SDKs and
//! Tools Reference Guide describes them.
//!
//! * Files: `~/.aws/config` (`AWS_CONFIG_FILE`) and `~/.aws/credentials`
//!   (`AWS_SHARED_CREDENTIALS_FILE`); a missing file is an empty one.
//! * Sections: in the config file `[default]`, `[profile NAME]` (which wins
//!   over `[default]` for `default`), `[sso-session NAME]` and
//!   `[services NAME]`; in the credentials file `[NAME]`. Other sections, and
//!   sections or keys with names outside `A-Z a-z 0-9 _ - / . % @ : +`, are
//!   ignored with a warning, as the SDKs do.
//! * Properties: `key = value` (keys compared case-insensitively); a value
//!   left empty opens indented sub-properties (`s3 =` then
//!   `  max_concurrent_requests = 20`); an indented line after a non-empty
//!   value continues it on a new line.
//! * Comments: a line starting with `#` or `;`; after a section header; and
//!   in a value, from a `#` or `;` that follows whitespace (`a#b` is a value).
//! * A profile's properties come from both files; the credentials file wins
//!   key by key.
//!
//! A line the rules cannot read is an error naming the file and the line,
//! not something skipped in silence.

use nimbus_core::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads environment variables (the process environment, or a test's map).
pub(crate) type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

/// One property: its value, its sub-properties, and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Property {
    pub value: String,
    pub sub: BTreeMap<String, String>,
    /// `file:line`, for errors about the value.
    pub at: String,
}

/// A section's properties by lower-case key.
pub(crate) type Section = BTreeMap<String, Property>;

/// Both files, read and merged.
#[derive(Debug, Default)]
pub(crate) struct ProfileFiles {
    pub config_path: PathBuf,
    pub credentials_path: PathBuf,
    profiles: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
}

/// The profile `AWS_PROFILE` selects (`default` otherwise), and whether it
/// was selected explicitly.
pub(crate) fn selected_profile(env: &Env) -> (String, bool) {
    match env("AWS_PROFILE") {
        Some(p) => (p, true),
        None => ("default".to_owned(), false),
    }
}

/// The user's home directory (`HOME`, or `USERPROFILE` on Windows).
pub(crate) fn home(env: &Env) -> PathBuf {
    env("HOME").or_else(|| env("USERPROFILE")).map(PathBuf::from).unwrap_or_default()
}

impl ProfileFiles {
    /// The paths of both files for `env`.
    pub fn paths(env: &Env) -> (PathBuf, PathBuf) {
        let config = env("AWS_CONFIG_FILE").map(PathBuf::from).unwrap_or_else(|| home(env).join(".aws/config"));
        let credentials = env("AWS_SHARED_CREDENTIALS_FILE").map(PathBuf::from).unwrap_or_else(|| home(env).join(".aws/credentials"));
        (config, credentials)
    }

    /// Reads and parses both files (blocking: call it off the async
    /// runtime's threads, as [`ProfileFiles::load`] does).
    pub fn load_blocking(config_path: PathBuf, credentials_path: PathBuf) -> Result<Self, Error> {
        let read = |path: &Path| match std::fs::read(path) {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| Error::config(format!("{}: not UTF-8 text", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::config(format!("cannot read {}: {e}", path.display()))),
        };
        let mut files = ProfileFiles { config_path, credentials_path, ..Default::default() };
        if let Some(text) = read(&files.config_path)? {
            let label = files.config_path.display().to_string();
            files.add(parse(&text, &label)?, FileKind::Config, &label);
        }
        if let Some(text) = read(&files.credentials_path)? {
            let label = files.credentials_path.display().to_string();
            files.add(parse(&text, &label)?, FileKind::Credentials, &label);
        }
        Ok(files)
    }

    /// Reads both files for `env` on the blocking pool.
    pub async fn load(env: &Env) -> Result<Self, Error> {
        let (config, credentials) = Self::paths(env);
        match tokio::task::spawn_blocking(move || Self::load_blocking(config, credentials)).await {
            Ok(result) => result,
            Err(e) => Err(Error::config(format!("reading the AWS config files failed: {e}"))),
        }
    }

    /// A profile's merged properties.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// An `[sso-session NAME]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// A `[services NAME]` section.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// Both paths, for messages.
    pub fn describe(&self) -> String {
        format!("{} and {}", self.config_path.display(), self.credentials_path.display())
    }

    fn add(&mut self, sections: Vec<RawSection>, kind: FileKind, label: &str) {
        // `[profile default]` wins over `[default]` in the config file:
        // apply the plain `[default]` sections first.
        let (plain_default, rest): (Vec<_>, Vec<_>) =
            sections.into_iter().partition(|s| kind == FileKind::Config && s.header.trim() == "default");
        for raw in plain_default.into_iter().chain(rest) {
            let Some((table, name)) = self.classify(&raw.header, kind) else {
                tracing::warn!("{label}:{}: section `[{}]` is ignored", raw.line, raw.header);
                continue;
            };
            let section = table.entry(name).or_default();
            for (key, property) in raw.properties {
                section.insert(key, property);
            }
        }
    }

    /// Which table a section header goes to, and its name there.
    fn classify(&mut self, header: &str, kind: FileKind) -> Option<(&mut BTreeMap<String, Section>, String)> {
        let header = header.trim();
        if kind == FileKind::Credentials {
            return valid_name(header).then(|| (&mut self.profiles, header.to_owned()));
        }
        if header == "default" {
            return Some((&mut self.profiles, "default".to_owned()));
        }
        let (prefix, name) = header.split_once([' ', '\t'])?;
        let name = name.trim();
        if !valid_name(name) {
            return None;
        }
        let table = match prefix {
            "profile" => &mut self.profiles,
            "sso-session" => &mut self.sso_sessions,
            "services" => &mut self.services,
            _ => return None,
        };
        Some((table, name.to_owned()))
    }
}

/// The endpoints a profile configures for services, read once: the
/// profile's `services` section and its `endpoint_url`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfiguredEndpoints {
    services: Section,
    profile_url: Option<String>,
}

impl ConfiguredEndpoints {
    /// What `profile` configures (nothing without a profile).
    pub fn of(files: &ProfileFiles, profile: Option<&Section>) -> Self {
        let Some(profile) = profile else { return Self::default() };
        ConfiguredEndpoints {
            services: profile.get("services").and_then(|name| files.services(&name.value)).cloned().unwrap_or_default(),
            profile_url: profile.get("endpoint_url").map(|p| p.value.clone()).filter(|u| !u.is_empty()),
        }
    }

    /// The endpoint URL of the service `sdk_id`: `AWS_ENDPOINT_URL_<SERVICE>`
    /// (the `sdkId` in upper snake case), `AWS_ENDPOINT_URL`, the `services`
    /// section's entry (lower snake case), the profile's `endpoint_url`.
    pub fn for_service(&self, env: &Env, sdk_id: &str) -> Option<String> {
        let snake: String = sdk_id.chars().map(|c| if c == ' ' || c == '-' { '_' } else { c }).collect();
        env(&format!("AWS_ENDPOINT_URL_{}", snake.to_ascii_uppercase()))
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| self.services.get(&snake.to_ascii_lowercase()).and_then(|s| s.sub.get("endpoint_url")).cloned())
            .or_else(|| self.profile_url.clone())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Config,
    Credentials,
}

/// Names of profiles, sessions and keys, as the SDKs accept them.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

/// A section as written, before it is classified.
#[derive(Debug)]
struct RawSection {
    header: String,
    line: usize,
    properties: Vec<(String, Property)>,
}

/// Cuts a comment off `text`: from the first `#` or `;`, or (with
/// `after_whitespace`) from the first one that follows whitespace.
fn strip_comment(text: &str, after_whitespace: bool) -> &str {
    let mut previous_is_space = false;
    for (i, c) in text.char_indices() {
        if (c == '#' || c == ';') && (previous_is_space || !after_whitespace) {
            return &text[..i];
        }
        previous_is_space = c.is_whitespace();
    }
    text
}

/// Splits `key = value` (the value's comment cut off); `None` without `=`.
fn key_value(text: &str) -> Option<(&str, &str)> {
    let (key, value) = text.split_once('=')?;
    Some((key.trim(), strip_comment(value, true).trim()))
}

/// Parses one file into its sections; `label` names it in errors.
fn parse(text: &str, label: &str) -> Result<Vec<RawSection>, Error> {
    let error = |line: usize, message: &str| Error::config(format!("{label}:{line}: {message}"));
    let mut sections: Vec<RawSection> = Vec::new();
    for (index, raw_line) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        // An indented line continues the property above it, if any.
        if indented {
            if let Some((key, property)) = sections.last_mut().and_then(|s| s.properties.last_mut()) {
                if property.value.is_empty() {
                    let (sub_key, sub_value) =
                        key_value(trimmed).ok_or_else(|| error(number, &format!("expected `name = value` under `{key}`")))?;
                    if sub_key.is_empty() {
                        return Err(error(number, &format!("a sub-property of `{key}` has no name")));
                    }
                    property.sub.insert(sub_key.to_ascii_lowercase(), sub_value.to_owned());
                } else {
                    property.value.push('\n');
                    property.value.push_str(strip_comment(trimmed, true).trim());
                }
                continue;
            }
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some((name, after)) = rest.split_once(']') else {
                return Err(error(number, "a section header without its closing `]`"));
            };
            if !strip_comment(after, false).trim().is_empty() {
                return Err(error(number, "text after a section header's `]`"));
            }
            if name.trim().is_empty() {
                return Err(error(number, "a section header without a name"));
            }
            sections.push(RawSection { header: name.trim().to_owned(), line: number, properties: Vec::new() });
            continue;
        }
        let Some(section) = sections.last_mut() else {
            return Err(error(number, "a property before any `[section]`"));
        };
        let (key, value) = key_value(trimmed).ok_or_else(|| error(number, "expected `name = value`"))?;
        if key.is_empty() {
            return Err(error(number, "a property without a name"));
        }
        if !valid_name(key) {
            tracing::warn!("{label}:{number}: property `{key}` is ignored (not a valid name)");
            continue;
        }
        let property = Property { value: value.to_owned(), sub: BTreeMap::new(), at: format!("{label}:{number}") };
        section.properties.push((key.to_ascii_lowercase(), property));
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(config: &str, credentials: &str) -> ProfileFiles {
        let mut files = ProfileFiles::default();
        files.add(parse(config, "config").unwrap(), FileKind::Config, "config");
        files.add(parse(credentials, "credentials").unwrap(), FileKind::Credentials, "credentials");
        files
    }

    fn value<'a>(files: &'a ProfileFiles, profile: &str, key: &str) -> Option<&'a str> {
        files.profile(profile)?.get(key).map(|p| p.value.as_str())
    }

    #[test]
    fn sections_of_both_files_merge_with_the_credentials_file_winning() {
        let config = "\
# a comment
[default]
region = us-east-1
[profile default]
region = eu-west-1 ; the profile form wins
[profile dev]
region=ap-south-1
Output = json
aws_access_key_id = FROMCONFIG
[sso-session corp]
sso_region = us-east-2
sso_start_url = https://corp.awsapps.com/start#/x
[services local]
athena =
  endpoint_url = http://localhost:4566
[plugins]
x = y
";
        let credentials = "\
[dev]
aws_access_key_id = AKIDDEV
aws_secret_access_key = se#cret
[profile odd]
aws_access_key_id = IGNORED
";
        let files = files(config, credentials);
        assert_eq!(value(&files, "default", "region"), Some("eu-west-1"));
        assert_eq!(value(&files, "dev", "region"), Some("ap-south-1"));
        assert_eq!(value(&files, "dev", "output"), Some("json"), "keys are case-insensitive");
        assert_eq!(value(&files, "dev", "aws_access_key_id"), Some("AKIDDEV"), "the credentials file wins");
        assert_eq!(value(&files, "dev", "aws_secret_access_key"), Some("se#cret"), "a comment needs whitespace before it");
        assert_eq!(files.profile("dev").unwrap()["aws_secret_access_key"].at, "credentials:3");
        assert!(files.profile("odd").is_none() && files.profile("profile odd").is_none());
        let corp = &files.sso_sessions["corp"];
        assert_eq!(corp["sso_start_url"].value, "https://corp.awsapps.com/start#/x");
        let athena = &files.services["local"]["athena"];
        assert_eq!((athena.value.as_str(), athena.sub["endpoint_url"].as_str()), ("", "http://localhost:4566"));
        assert!(files.profile("plugins").is_none());
    }

    #[test]
    fn continuation_lines_and_comments() {
        let files = files("[profile p] # header comment\nlong = first\n  second ; c\n\tthird\nempty =\n", "");
        assert_eq!(value(&files, "p", "long"), Some("first\nsecond\nthird"));
        assert_eq!(value(&files, "p", "empty"), Some(""));
        let files = files_of("[profile  spaced\t]\nk = v\n[profile bad name]\nk = v\n");
        assert_eq!(value(&files, "spaced", "k"), Some("v"));
        assert!(files.profile("bad name").is_none() && files.profile("bad").is_none());
    }

    fn files_of(config: &str) -> ProfileFiles {
        files(config, "")
    }

    #[test]
    fn malformed_lines_are_errors_naming_file_and_line() {
        for (text, line, what) in [
            ("k = v\n", 1, "before any"),
            ("[default]\nregion\n", 2, "expected `name = value`"),
            ("[default\nregion = x\n", 1, "closing `]`"),
            ("[default] trailing\n", 1, "after a section header"),
            ("[]\n", 1, "without a name"),
            ("[default]\n = v\n", 2, "without a name"),
            ("[default]\ns3 =\n  not a pair\n", 3, "under `s3`"),
        ] {
            let e = parse(text, "/home/u/.aws/config").unwrap_err();
            assert_eq!(e.kind(), nimbus_core::ErrorKind::Config);
            assert!(e.message().starts_with(&format!("/home/u/.aws/config:{line}: ")), "{text:?}: {e}");
            assert!(e.message().contains(what), "{text:?}: {e}");
        }
    }

    #[test]
    fn missing_files_are_empty_and_unreadable_ones_are_errors() {
        let dir = std::env::temp_dir().join(format!("nimbus-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let files = ProfileFiles::load_blocking(dir.join("none"), dir.join("none-either")).unwrap();
        assert!(files.profile("default").is_none());
        std::fs::write(dir.join("config"), [0xff, 0xfe]).unwrap();
        let e = ProfileFiles::load_blocking(dir.join("config"), dir.join("none")).unwrap_err();
        assert!(e.message().contains("not UTF-8"), "{e}");
        let e = ProfileFiles::load_blocking(dir.clone(), dir.join("none")).unwrap_err();
        assert!(e.message().contains("cannot read"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
