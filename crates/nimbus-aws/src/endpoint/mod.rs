//! Endpoint rules (Smithy `smithy.rules#endpointRuleSet`) evaluated at run time.
//!
//! A [`RuleSet`] is parsed once from the JSON document of a service's
//! `smithy.rules#endpointRuleSet` trait, then [`RuleSet::resolve`] turns a set
//! of [`Params`] (region, FIPS and dual-stack flags, a custom endpoint, ...)
//! into an [`Endpoint`]: its URL, headers and properties (such as
//! `authSchemes`, which carry the signing region and name).
//!
//! Rules are tried in order. A rule applies when all of its conditions hold: a
//! condition is a function call that holds when it returns `true` or any other
//! value that is set (a function returning nothing, like `parseURL` of an
//! invalid URL, makes it fail), and it may `assign` its result to a name that
//! later conditions, templates (`"https://{Region}.{PartitionResult#dnsSuffix}"`)
//! and sub-rules use. An `endpoint` rule yields its endpoint, an `error` rule
//! makes [`RuleSet::resolve`] fail with its message, and a `tree` rule
//! evaluates its own rules, one of which must apply.
//!
//! The functions of the Smithy standard library (`isSet`, `not`,
//! `booleanEquals`, `stringEquals`, `getAttr`, `substring`, `parseURL`,
//! `uriEncode`, `isValidHostLabel`, `coalesce`) and the AWS ones
//! (`aws.partition`, `aws.parseArn`, `aws.isVirtualHostableS3Bucket`) are
//! supported. `aws.partition` uses the `partitions.json` of botocore embedded
//! in this crate.
//!
//! ```
//! use nimbus_aws::endpoint::{Params, RuleSet};
//!
//! let rules = RuleSet::parse(r#"{
//!     "version": "1.0",
//!     "parameters": { "Region": { "type": "String", "required": true, "documentation": "" } },
//!     "rules": [{
//!         "type": "endpoint",
//!         "conditions": [{ "fn": "aws.partition", "argv": [{ "ref": "Region" }], "assign": "p" }],
//!         "endpoint": { "url": "https://svc.{Region}.{p#dnsSuffix}" }
//!     }]
//! }"#)?;
//! let endpoint = rules.resolve(&Params::new().set_str("Region", "cn-north-1"))?;
//! assert_eq!(endpoint.url, "https://svc.cn-north-1.amazonaws.com.cn");
//! # Ok::<(), nimbus_aws::Error>(())
//! ```

mod functions;
mod partition;

/// The `aws.partition` record of `region` from the embedded partition data
/// (`name`, `dnsSuffix`, `supportsDualStack`, ...).
pub fn partition_of(region: &str) -> Option<Value> {
    partition::partition(region).ok()
}

use nimbus_core::Error;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// A value of the rules' data model: a parameter, a function argument or
/// result, or a variable assigned by a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// An integer (the indices given to `substring`).
    Int(i64),
    /// An array (a `stringArray` parameter, the `resourceId` of a parsed ARN).
    Array(Vec<Value>),
    /// A record (the result of `parseURL`, `aws.partition` or `aws.parseArn`).
    Record(BTreeMap<String, Value>),
}

impl Value {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Converts JSON; `None` for `null` and for numbers that are not `i64`,
    /// which have no counterpart.
    pub fn from_json(json: &Json) -> Option<Value> {
        Some(match json {
            Json::String(s) => Value::String(s.clone()),
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Int(n.as_i64()?),
            Json::Array(items) => Value::Array(items.iter().map(Value::from_json).collect::<Option<_>>()?),
            Json::Object(o) => Value::Record(o.iter().map(|(k, v)| Some((k.clone(), Value::from_json(v)?))).collect::<Option<_>>()?),
            Json::Null => return None,
        })
    }

    /// Converts to JSON.
    pub fn to_json(&self) -> Json {
        match self {
            Value::String(s) => Json::String(s.clone()),
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Array(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Record(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Array(_) => "an array",
            Value::Record(_) => "a record",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Vec<String>> for Value {
    fn from(items: Vec<String>) -> Self {
        Value::Array(items.into_iter().map(Value::String).collect())
    }
}

/// The values of a rule set's parameters for one resolution, by parameter
/// name (`Region`, `UseFIPS`, `Endpoint`, ...). Parameters left unset take
/// their default, if the rule set declares one; names the rule set does not
/// declare are ignored.
#[derive(Default, Clone, Debug)]
pub struct Params {
    values: BTreeMap<String, Value>,
}

impl Params {
    /// No values set.
    pub fn new() -> Self {
        Params::default()
    }

    /// Sets parameter `name` to `value`.
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.values.insert(name.into(), value.into());
        self
    }

    /// Sets the string parameter `name`.
    pub fn set_str(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, Value::String(value.into()))
    }

    /// Sets the boolean parameter `name`.
    pub fn set_bool(self, name: impl Into<String>, value: bool) -> Self {
        self.set(name, Value::Bool(value))
    }

    /// Sets the `stringArray` parameter `name`.
    pub fn set_string_array<S: Into<String>>(self, name: impl Into<String>, values: impl IntoIterator<Item = S>) -> Self {
        self.set(name, Value::Array(values.into_iter().map(|s| Value::String(s.into())).collect()))
    }

    /// The value set for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

/// A resolved endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// The URL requests are sent to (scheme, host, optional port and base path).
    pub url: String,
    /// Headers to add to requests, by name.
    pub headers: BTreeMap<String, Vec<String>>,
    /// Properties of the endpoint, such as `authSchemes` (a list of objects
    /// with `name`, `signingName`, `signingRegion`, ...).
    pub properties: Map<String, Json>,
}

/// A parsed endpoint rule set, ready to resolve endpoints.
#[derive(Clone, Debug)]
pub struct RuleSet {
    params: Vec<Param>,
    rules: Vec<Rule>,
}

#[derive(Clone, Debug)]
struct Param {
    name: String,
    ty: ParamType,
    required: bool,
    default: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ParamType {
    String,
    Boolean,
    StringArray,
}

impl ParamType {
    fn accepts(self, v: &Value) -> bool {
        match (self, v) {
            (ParamType::String, Value::String(_)) | (ParamType::Boolean, Value::Bool(_)) => true,
            (ParamType::StringArray, Value::Array(items)) => items.iter().all(|i| matches!(i, Value::String(_))),
            _ => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ParamType::String => "a string",
            ParamType::Boolean => "a boolean",
            ParamType::StringArray => "an array of strings",
        }
    }
}

#[derive(Clone, Debug)]
struct Rule {
    conditions: Vec<Condition>,
    kind: RuleKind,
}

#[derive(Clone, Debug)]
enum RuleKind {
    Endpoint(EndpointTemplate),
    Error(Expr),
    Tree(Vec<Rule>),
}

#[derive(Clone, Debug)]
struct EndpointTemplate {
    url: Expr,
    headers: Vec<(String, Vec<Expr>)>,
    properties: Vec<(String, Expr)>,
}

#[derive(Clone, Debug)]
struct Condition {
    call: Expr,
    assign: Option<String>,
}

#[derive(Clone, Debug)]
enum Expr {
    /// A string literal, with `{name}` / `{name#path}` parts filled in.
    Template(Vec<Part>),
    Bool(bool),
    Int(i64),
    Array(Vec<Expr>),
    Record(Vec<(String, Expr)>),
    Ref(String),
    GetAttr(Box<Expr>, Vec<Step>),
    Call(Func, Vec<Expr>),
}

#[derive(Clone, Debug)]
enum Part {
    Text(String),
    Expr(Expr),
}

/// One step of a `getAttr` path: `key` or `[index]`.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Func {
    IsSet,
    Not,
    BooleanEquals,
    StringEquals,
    Substring,
    ParseUrl,
    UriEncode,
    IsValidHostLabel,
    Coalesce,
    Partition,
    ParseArn,
    IsVirtualHostableS3Bucket,
}

/// Name, function and number of arguments (`usize::MAX`: two or more).
const FUNCTIONS: &[(&str, Func, usize)] = &[
    ("isSet", Func::IsSet, 1),
    ("not", Func::Not, 1),
    ("booleanEquals", Func::BooleanEquals, 2),
    ("stringEquals", Func::StringEquals, 2),
    ("substring", Func::Substring, 4),
    ("parseURL", Func::ParseUrl, 1),
    ("uriEncode", Func::UriEncode, 1),
    ("isValidHostLabel", Func::IsValidHostLabel, 2),
    ("coalesce", Func::Coalesce, usize::MAX),
    ("aws.partition", Func::Partition, 1),
    ("aws.parseArn", Func::ParseArn, 1),
    ("aws.isVirtualHostableS3Bucket", Func::IsVirtualHostableS3Bucket, 2),
];

impl Func {
    fn name(self) -> &'static str {
        FUNCTIONS.iter().find(|(_, f, _)| *f == self).map_or("?", |(n, _, _)| n)
    }
}

/// Deeper nesting of rules or expressions than this is rejected when parsing,
/// which bounds the recursion of evaluation.
const MAX_DEPTH: usize = 64;

impl RuleSet {
    /// Parses the JSON document of a `smithy.rules#endpointRuleSet` trait.
    pub fn parse(json: &str) -> Result<RuleSet, Error> {
        let v: Json = serde_json::from_str(json).map_err(|e| Error::config(format!("invalid endpoint rule set: not JSON: {e}")))?;
        RuleSet::from_value(&v)
    }

    /// Parses an already decoded `smithy.rules#endpointRuleSet` document.
    pub fn from_value(v: &Json) -> Result<RuleSet, Error> {
        let root = object(v, "the document")?;
        let params = object(field(root, "parameters", "the document")?, "parameters")?
            .iter()
            .map(|(name, p)| parse_param(name, p, &format!("parameters.{name}")))
            .collect::<Result<_, _>>()?;
        let rules = parse_rules(field(root, "rules", "the document")?, "rules", 0)?;
        Ok(RuleSet { params, rules })
    }

    /// Resolves the endpoint for `params`.
    ///
    /// Fails (with [`ErrorKind::Config`](crate::ErrorKind::Config)) when an
    /// `error` rule applies (the error's message is the rule's), when a
    /// required parameter is not set or a value has the wrong type, or when
    /// no rule applies.
    pub fn resolve(&self, params: &Params) -> Result<Endpoint, Error> {
        let mut scope = Vec::with_capacity(self.params.len() + 4);
        for p in &self.params {
            match params.get(&p.name).or(p.default.as_ref()) {
                Some(v) if p.ty.accepts(v) => scope.push((p.name.clone(), v.clone())),
                Some(v) => {
                    let msg = format!("endpoint parameter `{}` must be {}, not {}", p.name, p.ty.name(), v.kind());
                    return Err(Error::config(msg));
                }
                None if p.required => {
                    return Err(Error::config(format!("endpoint parameter `{}` is required but not set", p.name)));
                }
                None => {}
            }
        }
        eval_rules(&self.rules, &mut scope)?.ok_or_else(|| Error::config("no endpoint rule matched the endpoint parameters"))
    }
}

// ---------------------------------------------------------------- parsing

fn bad(at: &str, what: impl std::fmt::Display) -> Error {
    Error::config(format!("invalid endpoint rule set: {at}: {what}"))
}

fn field<'a>(o: &'a Map<String, Json>, key: &str, at: &str) -> Result<&'a Json, Error> {
    o.get(key).ok_or_else(|| bad(at, format!("`{key}` is missing")))
}

fn object<'a>(v: &'a Json, at: &str) -> Result<&'a Map<String, Json>, Error> {
    v.as_object().ok_or_else(|| bad(at, "expected an object"))
}

fn array<'a>(v: &'a Json, at: &str) -> Result<&'a [Json], Error> {
    v.as_array().map(Vec::as_slice).ok_or_else(|| bad(at, "expected an array"))
}

fn string<'a>(v: &'a Json, at: &str) -> Result<&'a str, Error> {
    v.as_str().ok_or_else(|| bad(at, "expected a string"))
}

fn parse_param(name: &str, v: &Json, at: &str) -> Result<Param, Error> {
    let o = object(v, at)?;
    let ty = match string(field(o, "type", at)?, &format!("{at}.type"))?.to_ascii_lowercase().as_str() {
        "string" => ParamType::String,
        "boolean" => ParamType::Boolean,
        "stringarray" => ParamType::StringArray,
        other => return Err(bad(at, format!("unknown parameter type `{other}`"))),
    };
    let required = match o.get("required") {
        None => false,
        Some(r) => r.as_bool().ok_or_else(|| bad(&format!("{at}.required"), "expected a boolean"))?,
    };
    let default = match o.get("default") {
        None => None,
        Some(d) => match Value::from_json(d) {
            Some(v) if ty.accepts(&v) => Some(v),
            _ => return Err(bad(&format!("{at}.default"), format!("expected {}", ty.name()))),
        },
    };
    Ok(Param { name: name.to_owned(), ty, required, default })
}

fn parse_rules(v: &Json, at: &str, depth: usize) -> Result<Vec<Rule>, Error> {
    let items = array(v, at)?;
    items.iter().enumerate().map(|(i, r)| parse_rule(r, &format!("{at}[{i}]"), depth)).collect()
}

fn parse_rule(v: &Json, at: &str, depth: usize) -> Result<Rule, Error> {
    if depth > MAX_DEPTH {
        return Err(bad(at, "rules are nested too deeply"));
    }
    let o = object(v, at)?;
    let conditions = match o.get("conditions") {
        None => Vec::new(),
        Some(c) => {
            let at = format!("{at}.conditions");
            let items = array(c, &at)?;
            items.iter().enumerate().map(|(i, c)| parse_condition(c, &format!("{at}[{i}]"), depth)).collect::<Result<_, _>>()?
        }
    };
    let kind = match string(field(o, "type", at)?, &format!("{at}.type"))? {
        "endpoint" => RuleKind::Endpoint(parse_endpoint(field(o, "endpoint", at)?, &format!("{at}.endpoint"), depth)?),
        "error" => RuleKind::Error(parse_expr(field(o, "error", at)?, &format!("{at}.error"), depth)?),
        "tree" => RuleKind::Tree(parse_rules(field(o, "rules", at)?, &format!("{at}.rules"), depth + 1)?),
        other => return Err(bad(at, format!("unknown rule type `{other}`"))),
    };
    Ok(Rule { conditions, kind })
}

fn parse_condition(v: &Json, at: &str, depth: usize) -> Result<Condition, Error> {
    let o = object(v, at)?;
    let call = parse_call(o, at, depth)?;
    let assign = o.get("assign").map(|a| string(a, &format!("{at}.assign")).map(str::to_owned)).transpose()?;
    Ok(Condition { call, assign })
}

fn parse_endpoint(v: &Json, at: &str, depth: usize) -> Result<EndpointTemplate, Error> {
    let o = object(v, at)?;
    let url = parse_expr(field(o, "url", at)?, &format!("{at}.url"), depth)?;
    let mut headers = Vec::new();
    if let Some(h) = o.get("headers") {
        for (name, values) in object(h, &format!("{at}.headers"))? {
            let at = format!("{at}.headers.{name}");
            let values = array(values, &at)?;
            let values = values.iter().map(|e| parse_expr(e, &at, depth)).collect::<Result<_, _>>()?;
            headers.push((name.clone(), values));
        }
    }
    let mut properties = Vec::new();
    if let Some(p) = o.get("properties") {
        for (name, value) in object(p, &format!("{at}.properties"))? {
            properties.push((name.clone(), parse_expr(value, &format!("{at}.properties.{name}"), depth)?));
        }
    }
    Ok(EndpointTemplate { url, headers, properties })
}

fn parse_call(o: &Map<String, Json>, at: &str, depth: usize) -> Result<Expr, Error> {
    let name = string(field(o, "fn", at)?, &format!("{at}.fn"))?;
    let argv = array(field(o, "argv", at)?, &format!("{at}.argv"))?;
    let arg = |i: usize, a: &Json| parse_expr(a, &format!("{at}.argv[{i}]"), depth + 1);
    if name == "getAttr" {
        return match argv {
            [target, Json::String(path)] => Ok(Expr::GetAttr(Box::new(arg(0, target)?), parse_path(path, at)?)),
            _ => Err(bad(at, "`getAttr` takes a value and a path string")),
        };
    }
    let Some(&(_, func, arity)) = FUNCTIONS.iter().find(|(n, _, _)| *n == name) else {
        return Err(bad(at, format!("unknown function `{name}`")));
    };
    if (arity == usize::MAX && argv.len() < 2) || (arity != usize::MAX && argv.len() != arity) {
        let expected = if arity == usize::MAX { "two or more".to_owned() } else { arity.to_string() };
        return Err(bad(at, format!("`{name}` takes {expected} arguments, not {}", argv.len())));
    }
    let args = argv.iter().enumerate().map(|(i, a)| arg(i, a)).collect::<Result<_, _>>()?;
    Ok(Expr::Call(func, args))
}

fn parse_expr(v: &Json, at: &str, depth: usize) -> Result<Expr, Error> {
    if depth > MAX_DEPTH {
        return Err(bad(at, "expressions are nested too deeply"));
    }
    Ok(match v {
        Json::String(s) => parse_template(s, at)?,
        Json::Bool(b) => Expr::Bool(*b),
        Json::Number(n) => Expr::Int(n.as_i64().ok_or_else(|| bad(at, format!("{n} is not an integer")))?),
        Json::Array(items) => {
            Expr::Array(items.iter().enumerate().map(|(i, e)| parse_expr(e, &format!("{at}[{i}]"), depth + 1)).collect::<Result<_, _>>()?)
        }
        Json::Object(o) if o.contains_key("ref") => Expr::Ref(string(&o["ref"], &format!("{at}.ref"))?.to_owned()),
        Json::Object(o) if o.contains_key("fn") => parse_call(o, at, depth)?,
        Json::Object(o) => Expr::Record(
            o.iter().map(|(k, e)| Ok((k.clone(), parse_expr(e, &format!("{at}.{k}"), depth + 1)?))).collect::<Result<_, Error>>()?,
        ),
        Json::Null => return Err(bad(at, "null is not a value")),
    })
}

/// Parses a template string: `{name}` and `{name#path}` are replaced by
/// values, `{{` and `}}` stand for `{` and `}`.
fn parse_template(s: &str, at: &str) -> Result<Expr, Error> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        text.push_str(&rest[..i]);
        let brace = if rest[i..].starts_with('{') { '{' } else { '}' };
        let after = &rest[i + 1..];
        if let Some(after) = after.strip_prefix(brace) {
            text.push(brace);
            rest = after;
        } else if brace == '}' {
            text.push('}');
            rest = after;
        } else {
            let end = after.find('}').ok_or_else(|| bad(at, format!("unclosed `{{` in template `{s}`")))?;
            let inner = &after[..end];
            let (name, path) = inner.split_once('#').map_or((inner, None), |(n, p)| (n, Some(p)));
            if name.is_empty() {
                return Err(bad(at, format!("empty reference in template `{s}`")));
            }
            let reference = Expr::Ref(name.to_owned());
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Expr(match path {
                Some(p) => Expr::GetAttr(Box::new(reference), parse_path(p, at)?),
                None => reference,
            }));
            rest = &after[end + 1..];
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(Expr::Template(parts))
}

/// Parses a `getAttr` path: keys separated by `.`, each optionally followed
/// by an `[index]`.
fn parse_path(path: &str, at: &str) -> Result<Vec<Step>, Error> {
    let invalid = || bad(at, format!("invalid attribute path `{path}`"));
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, index)) => (key, Some(index.strip_suffix(']').and_then(|i| i.parse().ok()).ok_or_else(invalid)?)),
            None => (part, None),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key.to_owned()));
        } else if index.is_none() {
            return Err(invalid());
        }
        steps.extend(index.map(Step::Index));
    }
    Ok(steps)
}

// ---------------------------------------------------------------- evaluation

/// Parameters and assigned variables, innermost last.
type Scope = Vec<(String, Value)>;

fn eval_rules(rules: &[Rule], scope: &mut Scope) -> Result<Option<Endpoint>, Error> {
    for rule in rules {
        let mark = scope.len();
        let outcome = eval_rule(rule, scope);
        scope.truncate(mark);
        if let Some(endpoint) = outcome? {
            return Ok(Some(endpoint));
        }
    }
    Ok(None)
}

fn eval_rule(rule: &Rule, scope: &mut Scope) -> Result<Option<Endpoint>, Error> {
    for c in &rule.conditions {
        match eval(&c.call, scope)? {
            None | Some(Value::Bool(false)) => return Ok(None),
            Some(v) => {
                if let Some(name) = &c.assign {
                    scope.push((name.clone(), v));
                }
            }
        }
    }
    match &rule.kind {
        RuleKind::Endpoint(t) => build_endpoint(t, scope).map(Some),
        RuleKind::Error(message) => Err(Error::config(eval_string(message, scope, "the error message")?)),
        RuleKind::Tree(rules) => match eval_rules(rules, scope)? {
            Some(endpoint) => Ok(Some(endpoint)),
            None => Err(Error::config("no endpoint rule matched within a tree rule whose conditions held")),
        },
    }
}

fn build_endpoint(t: &EndpointTemplate, scope: &Scope) -> Result<Endpoint, Error> {
    let url = eval_string(&t.url, scope, "the endpoint URL")?;
    let mut headers = BTreeMap::new();
    for (name, values) in &t.headers {
        let what = format!("header `{name}`");
        let values = values.iter().map(|v| eval_string(v, scope, &what)).collect::<Result<_, _>>()?;
        headers.insert(name.clone(), values);
    }
    let mut properties = Map::new();
    for (name, value) in &t.properties {
        let v = eval(value, scope)?.ok_or_else(|| Error::config(format!("endpoint property `{name}` refers to an unset value")))?;
        properties.insert(name.clone(), v.to_json());
    }
    Ok(Endpoint { url, headers, properties })
}

fn eval_string(e: &Expr, scope: &Scope, what: &str) -> Result<String, Error> {
    match eval(e, scope)? {
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(Error::config(format!("{what} must be a string, not {}", v.kind()))),
        None => Err(Error::config(format!("{what} refers to an unset value"))),
    }
}

/// Evaluates `e`; `None` when it is unset (an unset parameter, a function
/// that returns nothing, a missing attribute).
fn eval(e: &Expr, scope: &Scope) -> Result<Option<Value>, Error> {
    Ok(match e {
        Expr::Template(parts) => {
            let mut out = String::new();
            for part in parts {
                match part {
                    Part::Text(t) => out.push_str(t),
                    Part::Expr(e) => match eval(e, scope)? {
                        Some(Value::String(s)) => out.push_str(&s),
                        Some(Value::Bool(b)) => out.push_str(if b { "true" } else { "false" }),
                        Some(Value::Int(i)) => out.push_str(&i.to_string()),
                        Some(v) => {
                            return Err(Error::config(format!("cannot put {} into a template string", v.kind())));
                        }
                        None => return Ok(None),
                    },
                }
            }
            Some(Value::String(out))
        }
        Expr::Bool(b) => Some(Value::Bool(*b)),
        Expr::Int(i) => Some(Value::Int(*i)),
        Expr::Array(items) => {
            let items = items.iter().map(|e| eval(e, scope)).collect::<Result<Option<_>, _>>()?;
            items.map(Value::Array)
        }
        Expr::Record(fields) => {
            let mut record = BTreeMap::new();
            for (k, e) in fields {
                let Some(v) = eval(e, scope)? else { return Ok(None) };
                record.insert(k.clone(), v);
            }
            Some(Value::Record(record))
        }
        Expr::Ref(name) => scope.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone()),
        Expr::GetAttr(target, path) => eval(target, scope)?.and_then(|v| get_attr(&v, path)),
        Expr::Call(func, args) => call(*func, args, scope)?,
    })
}

fn get_attr(v: &Value, path: &[Step]) -> Option<Value> {
    let mut cur = v;
    for step in path {
        cur = match (step, cur) {
            (Step::Key(k), Value::Record(m)) => m.get(k)?,
            (Step::Index(i), Value::Array(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(cur.clone())
}

fn call(func: Func, args: &[Expr], scope: &Scope) -> Result<Option<Value>, Error> {
    let args = args.iter().map(|a| eval(a, scope)).collect::<Result<Vec<_>, _>>()?;
    match func {
        Func::IsSet => return Ok(Some(Value::Bool(args.iter().all(Option::is_some)))),
        Func::Coalesce => return Ok(args.into_iter().flatten().next()),
        _ => {}
    }
    // Every other function needs all of its arguments: an unset one makes
    // the result unset (and the condition using it fail).
    let Some(args) = args.into_iter().collect::<Option<Vec<_>>>() else { return Ok(None) };
    let name = func.name();
    let s = |v| string_arg(name, v);
    let b = |v: &Value| v.as_bool().ok_or_else(|| type_error(name, "a boolean", v));
    let i = |v: &Value| match v {
        Value::Int(i) => Ok(*i),
        _ => Err(type_error(name, "an integer", v)),
    };
    Ok(match (func, args.as_slice()) {
        (Func::Not, [x]) => Some(Value::Bool(!b(x)?)),
        (Func::BooleanEquals, [x, y]) => Some(Value::Bool(b(x)? == b(y)?)),
        (Func::StringEquals, [x, y]) => Some(Value::Bool(s(x)? == s(y)?)),
        (Func::Substring, [x, start, stop, rev]) => functions::substring(s(x)?, i(start)?, i(stop)?, b(rev)?).map(Value::String),
        (Func::ParseUrl, [x]) => functions::parse_url(s(x)?),
        (Func::UriEncode, [x]) => Some(Value::String(functions::uri_encode(s(x)?))),
        (Func::IsValidHostLabel, [x, sub]) => Some(Value::Bool(functions::is_valid_host_label(s(x)?, b(sub)?))),
        (Func::Partition, [x]) => Some(partition::partition(s(x)?)?),
        (Func::ParseArn, [x]) => functions::parse_arn(s(x)?),
        (Func::IsVirtualHostableS3Bucket, [x, sub]) => Some(Value::Bool(functions::is_virtual_hostable_s3_bucket(s(x)?, b(sub)?))),
        _ => return Err(Error::config(format!("wrong number of arguments to `{name}`"))),
    })
}

fn string_arg<'a>(func: &str, v: &'a Value) -> Result<&'a str, Error> {
    v.as_str().ok_or_else(|| type_error(func, "a string", v))
}

fn type_error(func: &str, expected: &str, got: &Value) -> Error {
    Error::config(format!("`{func}` expects {expected}, not {}", got.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_core::ErrorKind;

    fn rules(rules: &str) -> RuleSet {
        let doc = format!(
            r#"{{"version": "1.0", "parameters": {{
                "Region": {{"type": "String", "documentation": ""}},
                "UseFIPS": {{"type": "Boolean", "required": true, "default": false, "documentation": ""}},
                "Tags": {{"type": "stringArray", "documentation": ""}}
            }}, "rules": {rules}}}"#
        );
        RuleSet::parse(&doc).unwrap()
    }

    #[test]
    fn error_rule_fails_with_its_message() {
        let set = rules(
            r#"[{"type": "error", "conditions": [{"fn": "booleanEquals", "argv": [{"ref": "UseFIPS"}, true]}],
                 "error": "FIPS is not supported in {Region}"},
                {"type": "error", "conditions": [], "error": "Invalid Configuration: Missing Region"}]"#,
        );
        let e = set.resolve(&Params::new().set_str("Region", "us-east-1").set_bool("UseFIPS", true)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert_eq!(e.message(), "FIPS is not supported in us-east-1");
        // The default of `UseFIPS` (false) skips the first rule.
        assert_eq!(set.resolve(&Params::new()).unwrap_err().message(), "Invalid Configuration: Missing Region");
    }

    #[test]
    fn endpoint_with_headers_properties_and_assignments() {
        let set = rules(
            r#"[{"type": "tree", "conditions": [
                    {"fn": "isSet", "argv": [{"ref": "Region"}]},
                    {"fn": "aws.partition", "argv": [{"ref": "Region"}], "assign": "P"},
                    {"fn": "substring", "argv": [{"ref": "Region"}, 0, 2, false], "assign": "Prefix"}],
                 "rules": [{"type": "endpoint", "conditions": [], "endpoint": {
                    "url": "https://svc.{Region}.{P#dnsSuffix}",
                    "headers": {"x-prefix": ["{Prefix}", "{{literal}}"], "x-tag": [{"fn": "getAttr", "argv": [{"ref": "Tags"}, "[1]"]}]},
                    "properties": {"authSchemes": [{"name": "sigv4", "signingRegion": "{Region}", "disableDoubleEncoding": true}]}}}]},
                {"type": "endpoint", "conditions": [], "endpoint": {"url": "https://fallback"}}]"#,
        );
        let params = Params::new().set_str("Region", "eu-west-1").set_string_array("Tags", ["a", "b"]);
        let e = set.resolve(&params).unwrap();
        assert_eq!(e.url, "https://svc.eu-west-1.amazonaws.com");
        assert_eq!(e.headers["x-prefix"], ["eu", "{literal}"]);
        assert_eq!(e.headers["x-tag"], ["b"]);
        let expected = serde_json::json!([{"name": "sigv4", "signingRegion": "eu-west-1", "disableDoubleEncoding": true}]);
        assert_eq!(e.properties["authSchemes"], expected);
        // A one-letter region makes `substring` return nothing: the tree does not apply.
        assert_eq!(set.resolve(&Params::new().set_str("Region", "x")).unwrap().url, "https://fallback");
    }

    #[test]
    fn parameters_are_checked() {
        let doc = r#"{"version": "1.0", "parameters": {"Bucket": {"type": "string", "required": true}},
                      "rules": [{"type": "endpoint", "conditions": [], "endpoint": {"url": "https://{Bucket}.example.com"}}]}"#;
        let set = RuleSet::parse(doc).unwrap();
        assert_eq!(set.resolve(&Params::new()).unwrap_err().message(), "endpoint parameter `Bucket` is required but not set");
        let e = set.resolve(&Params::new().set_bool("Bucket", true)).unwrap_err();
        assert_eq!(e.message(), "endpoint parameter `Bucket` must be a string, not a boolean");
        assert_eq!(set.resolve(&Params::new().set_str("Bucket", "b")).unwrap().url, "https://b.example.com");
    }

    #[test]
    fn exhausted_rules_are_an_error() {
        let set = rules(
            r#"[{"type": "endpoint", "conditions": [{"fn": "isSet", "argv": [{"ref": "Region"}]}], "endpoint": {"url": "https://x"}}]"#,
        );
        assert!(set.resolve(&Params::new()).unwrap_err().message().contains("no endpoint rule matched"));
    }

    #[test]
    fn parse_errors_name_the_problem() {
        let msg = |doc: &str| RuleSet::parse(doc).unwrap_err().message().to_owned();
        assert!(msg("[").contains("not JSON"));
        assert!(msg(r#"{"parameters": {}}"#).contains("`rules` is missing"));
        let doc =
            r#"{"parameters": {}, "rules": [{"type": "endpoint", "conditions": [{"fn": "nope", "argv": []}], "endpoint": {"url": "x"}}]}"#;
        assert_eq!(msg(doc), "invalid endpoint rule set: rules[0].conditions[0]: unknown function `nope`");
        let doc = r#"{"parameters": {}, "rules": [{"type": "error", "error": "unclosed {Region"}]}"#;
        assert!(msg(doc).contains("rules[0].error: unclosed `{`"));
        let doc = r#"{"parameters": {"A": {"type": "Boolean", "default": "yes"}}, "rules": []}"#;
        assert_eq!(msg(doc), "invalid endpoint rule set: parameters.A.default: expected a boolean");
        let doc = r#"{"parameters": {}, "rules": [{"type": "error", "error": {"fn": "not", "argv": [true, false]}}]}"#;
        assert!(msg(doc).contains("`not` takes 1 arguments, not 2"));
    }

    #[test]
    fn attribute_paths() {
        let steps = parse_path("resourceId[1]", "").unwrap();
        let arn = functions::parse_arn("arn:aws:s3:us-west-2:123:accesspoint/name").unwrap();
        assert_eq!(get_attr(&arn, &steps), Some(Value::from("name")));
        assert_eq!(get_attr(&arn, &parse_path("resourceId[5]", "").unwrap()), None);
        assert!(parse_path("a[x]", "").is_err());
        assert!(parse_path("a..b", "").is_err());
    }
}
