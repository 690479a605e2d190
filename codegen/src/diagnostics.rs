//! Located errors for bad specs, and a JSON cursor that tracks where it is.
//!
//! Every problem in an input document becomes one [`SpecError`] naming the
//! file, the JSON path of the offending value and what is wrong with it. The
//! readers never panic on input: they walk `serde_json::Value`s through
//! [`At`], whose accessors return located errors instead.

use serde_json::Value;
use std::fmt;

/// One problem found in an input spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The file (or label) the spec was read from.
    pub file: String,
    /// JSON path of the offending value, e.g. `$.shapes["a#B"].members.c.target`.
    pub path: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: at {}: {}", self.file, self.path, self.message)
    }
}

impl std::error::Error for SpecError {}

/// Result alias of the readers.
pub type Result<T, E = SpecError> = std::result::Result<T, E>;

/// Parses `bytes` as JSON, turning a syntax error into a located [`SpecError`].
pub fn parse_json(file: &str, bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|e| SpecError {
        file: file.to_owned(),
        path: format!("line {} column {}", e.line(), e.column()),
        message: format!("malformed JSON: {}", strip_position(&e.to_string())),
    })
}

fn strip_position(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i])
}

/// A JSON value together with its file and path, for located errors.
///
/// Children borrow their parent cursor, so paths cost nothing until an error
/// is rendered.
#[derive(Clone, Copy)]
pub struct At<'a> {
    /// The value under the cursor.
    pub value: &'a Value,
    file: &'a str,
    parent: Option<&'a At<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

/// What a JSON value is, for error messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> At<'a> {
    /// A cursor at the document root.
    pub fn root(file: &'a str, value: &'a Value) -> Self {
        At { value, file, parent: None, step: Step::Root }
    }

    /// The rendered JSON path of this cursor, e.g. `$.shapes["a#B"].members`.
    pub fn path(&self) -> String {
        let mut steps = vec![self.step];
        let mut node = self.parent;
        while let Some(n) = node {
            steps.push(n.step);
            node = n.parent;
        }
        let mut out = String::from("$");
        for step in steps.iter().rev() {
            match step {
                Step::Root => {}
                Step::Index(i) => out.push_str(&format!("[{i}]")),
                Step::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !k.starts_with(|c: char| c.is_ascii_digit());
                    if plain {
                        out.push('.');
                        out.push_str(k);
                    } else {
                        out.push_str(&format!("[{}]", Value::String((*k).to_owned())));
                    }
                }
            }
        }
        out
    }

    /// A located error at this cursor.
    pub fn error(&self, message: impl Into<String>) -> SpecError {
        SpecError { file: self.file.to_owned(), path: self.path(), message: message.into() }
    }

    /// The file this cursor reads.
    pub fn file(&self) -> &'a str {
        self.file
    }

    /// A cursor at `key` if the key exists and is not null.
    pub fn get<'b>(&'b self, key: &'b str) -> Option<At<'b>> {
        match self.value.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(At { value, file: self.file, parent: Some(self), step: Step::Key(key) }),
        }
    }

    /// A cursor at `key`; a missing key is an error.
    pub fn req<'b>(&'b self, key: &'b str) -> Result<At<'b>> {
        self.get(key).ok_or_else(|| self.error(format!("missing required key `{key}`")))
    }

    /// The value as a string.
    pub fn str(&self) -> Result<&'a str> {
        self.value.as_str().ok_or_else(|| self.expected("a string"))
    }

    /// The value as a boolean.
    pub fn bool(&self) -> Result<bool> {
        self.value.as_bool().ok_or_else(|| self.expected("a boolean"))
    }

    /// The value as an unsigned integer.
    pub fn u64(&self) -> Result<u64> {
        self.value.as_u64().ok_or_else(|| self.expected("a non-negative integer"))
    }

    /// The value as a number.
    pub fn f64(&self) -> Result<f64> {
        self.value.as_f64().ok_or_else(|| self.expected("a number"))
    }

    /// An error saying what was expected here and what was found.
    pub fn expected(&self, what: &str) -> SpecError {
        self.error(format!("expected {what}, found {}", kind_of(self.value)))
    }

    /// The entries of an object, in document order, as cursors.
    pub fn entries<'b>(&'b self) -> Result<Vec<(&'b str, At<'b>)>> {
        let map = self.value.as_object().ok_or_else(|| self.expected("an object"))?;
        Ok(map.iter().map(|(k, value)| (k.as_str(), At { value, file: self.file, parent: Some(self), step: Step::Key(k) })).collect())
    }

    /// The elements of an array as cursors.
    pub fn items<'b>(&'b self) -> Result<Vec<At<'b>>> {
        let items = self.value.as_array().ok_or_else(|| self.expected("an array"))?;
        Ok(items.iter().enumerate().map(|(i, value)| At { value, file: self.file, parent: Some(self), step: Step::Index(i) }).collect())
    }

    /// Optional string member.
    pub fn opt_str(&self, key: &str) -> Result<Option<String>> {
        self.get(key).map(|a| a.str().map(str::to_owned)).transpose()
    }

    /// Optional boolean member (absent or null = false).
    pub fn flag(&self, key: &str) -> Result<bool> {
        Ok(self.get(key).map(|a| a.bool()).transpose()?.unwrap_or(false))
    }

    /// Required string member.
    pub fn req_str(&self, key: &str) -> Result<String> {
        self.req(key)?.str().map(str::to_owned)
    }

    /// Optional list of strings (absent = empty).
    pub fn str_list(&self, key: &str) -> Result<Vec<String>> {
        let Some(list) = self.get(key) else { return Ok(Vec::new()) };
        list.items()?.iter().map(|i| i.str().map(str::to_owned)).collect()
    }
}
