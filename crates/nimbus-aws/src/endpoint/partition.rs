//! `aws.partition`, backed by botocore's `partitions.json` embedded in the
//! crate, and the small regular-expression matcher its `regionRegex`es need.

use super::Value;
use nimbus_core::Error;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const PARTITIONS_JSON: &str = include_str!("../../data/partitions.json");

struct Partition {
    id: String,
    region_regex: Option<Regex>,
    /// Region name to the outputs it overrides (usually none).
    regions: BTreeMap<String, BTreeMap<String, Value>>,
    outputs: BTreeMap<String, Value>,
}

fn partitions() -> Result<&'static [Partition], Error> {
    static PARTITIONS: OnceLock<Result<Vec<Partition>, String>> = OnceLock::new();
    PARTITIONS
        .get_or_init(|| load(PARTITIONS_JSON))
        .as_deref()
        .map_err(|e| Error::config(format!("the embedded partitions.json is invalid: {e}")))
}

fn load(json: &str) -> Result<Vec<Partition>, String> {
    let doc: Json = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let list = doc.get("partitions").and_then(Json::as_array).ok_or("`partitions` is not an array")?;
    list.iter()
        .map(|p| {
            let id = p.get("id").and_then(Json::as_str).ok_or("a partition has no `id`")?.to_owned();
            let record = |v: Option<&Json>| match v.and_then(Value::from_json) {
                Some(Value::Record(m)) => Ok(m),
                None if v.is_none() => Ok(BTreeMap::new()),
                _ => Err(format!("partition `{id}`: `outputs` and `regions` must be objects")),
            };
            let outputs = record(p.get("outputs"))?;
            let regions = record(p.get("regions"))?
                .into_iter()
                .map(|(name, region)| match region {
                    Value::Record(mut fields) => {
                        fields.retain(|k, _| outputs.contains_key(k));
                        Ok((name, fields))
                    }
                    _ => Err(format!("partition `{id}`: region `{name}` is not an object")),
                })
                .collect::<Result<_, String>>()?;
            let region_regex = match p.get("regionRegex").and_then(Json::as_str) {
                Some(re) => Some(Regex::new(re).ok_or_else(|| format!("partition `{id}`: unsupported regionRegex `{re}`"))?),
                None => None,
            };
            Ok(Partition { id, region_regex, regions, outputs })
        })
        .collect()
}

/// The partition record (`name`, `dnsSuffix`, `dualStackDnsSuffix`,
/// `supportsFIPS`, `supportsDualStack`, `implicitGlobalRegion`) of `region`:
/// the partition listing the region, else the first whose `regionRegex`
/// matches it, else `aws`.
pub(super) fn partition(region: &str) -> Result<Value, Error> {
    let all = partitions()?;
    let listed = all.iter().find_map(|p| p.regions.get(region).map(|overrides| (p, Some(overrides))));
    let found = listed
        .or_else(|| all.iter().find(|p| p.region_regex.as_ref().is_some_and(|re| re.is_match(region))).map(|p| (p, None)))
        .or_else(|| all.iter().find(|p| p.id == "aws").map(|p| (p, None)));
    let Some((p, overrides)) = found else {
        return Err(Error::config("the embedded partitions.json has no `aws` partition"));
    };
    let mut record = p.outputs.clone();
    record.extend(overrides.into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())));
    record.entry("name".to_owned()).or_insert_with(|| Value::String(p.id.clone()));
    Ok(Value::Record(record))
}

/// A backtracking matcher for the regular expressions of `partitions.json`:
/// literals, `.`, `\d` `\w` `\s` (and negations), escaped punctuation,
/// `[...]` classes, groups with `|`, the quantifiers `*` `+` `?` `{n,m}`, and
/// the anchors `^` `$`.
#[derive(Debug)]
struct Regex(Node);

#[derive(Debug)]
enum Node {
    Start,
    End,
    Any,
    Char(char),
    /// Inclusive ranges; the flag negates the class.
    Class(Vec<(char, char)>, bool),
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, usize, usize),
}

/// Inputs longer than this never match (region names are far shorter), which
/// bounds the matcher's recursion.
const MAX_INPUT: usize = 256;

impl Regex {
    fn new(pattern: &str) -> Option<Regex> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let alternatives = parse_alternatives(&chars, &mut pos, 0)?;
        (pos == chars.len()).then_some(Regex(Node::Group(alternatives)))
    }

    fn is_match(&self, input: &str) -> bool {
        let s: Vec<char> = input.chars().collect();
        s.len() <= MAX_INPUT && (0..=s.len()).any(|i| match_here(std::slice::from_ref(&self.0), &s, i, &|_| true))
    }
}

fn parse_alternatives(p: &[char], pos: &mut usize, depth: usize) -> Option<Vec<Vec<Node>>> {
    if depth > 16 {
        return None;
    }
    let mut alternatives = vec![Vec::new()];
    while let Some(&c) = p.get(*pos) {
        match c {
            ')' => break,
            '|' => {
                *pos += 1;
                alternatives.push(Vec::new());
            }
            _ => {
                let atom = parse_atom(p, pos, depth)?;
                let node = parse_quantifier(atom, p, pos)?;
                alternatives.last_mut()?.push(node);
            }
        }
    }
    Some(alternatives)
}

fn parse_atom(p: &[char], pos: &mut usize, depth: usize) -> Option<Node> {
    let c = *p.get(*pos)?;
    *pos += 1;
    Some(match c {
        '^' => Node::Start,
        '$' => Node::End,
        '.' => Node::Any,
        '(' => {
            if p.get(*pos) == Some(&'?') {
                (p.get(*pos + 1) == Some(&':')).then_some(())?;
                *pos += 2;
            }
            let alternatives = parse_alternatives(p, pos, depth + 1)?;
            (p.get(*pos) == Some(&')')).then_some(())?;
            *pos += 1;
            Node::Group(alternatives)
        }
        '[' => {
            let negated = p.get(*pos) == Some(&'^');
            if negated {
                *pos += 1;
            }
            let mut ranges = Vec::new();
            loop {
                let c = *p.get(*pos)?;
                *pos += 1;
                let lo = match c {
                    ']' if !ranges.is_empty() => break,
                    '\\' => match escape(p, pos)? {
                        Node::Char(c) => c,
                        Node::Class(r, false) => {
                            ranges.extend(r);
                            continue;
                        }
                        _ => return None,
                    },
                    c => c,
                };
                if p.get(*pos) == Some(&'-') && p.get(*pos + 1).is_some_and(|&c| c != ']') {
                    let hi = *p.get(*pos + 1)?;
                    *pos += 2;
                    ranges.push((lo, hi));
                } else {
                    ranges.push((lo, lo));
                }
            }
            Node::Class(ranges, negated)
        }
        '\\' => escape(p, pos)?,
        '*' | '+' | '?' | '{' | ')' | '|' | ']' => return None,
        c => Node::Char(c),
    })
}

fn escape(p: &[char], pos: &mut usize) -> Option<Node> {
    const DIGIT: &[(char, char)] = &[('0', '9')];
    const WORD: &[(char, char)] = &[('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
    const SPACE: &[(char, char)] = &[(' ', ' '), ('\t', '\r')];
    let c = *p.get(*pos)?;
    *pos += 1;
    Some(match c {
        'd' | 'D' => Node::Class(DIGIT.to_vec(), c == 'D'),
        'w' | 'W' => Node::Class(WORD.to_vec(), c == 'W'),
        's' | 'S' => Node::Class(SPACE.to_vec(), c == 'S'),
        'n' => Node::Char('\n'),
        't' => Node::Char('\t'),
        c if c.is_ascii_alphanumeric() => return None,
        c => Node::Char(c),
    })
}

fn parse_quantifier(atom: Node, p: &[char], pos: &mut usize) -> Option<Node> {
    let (min, max) = match p.get(*pos) {
        Some('*') => (0, usize::MAX),
        Some('+') => (1, usize::MAX),
        Some('?') => (0, 1),
        Some('{') => {
            let end = *pos + p[*pos..].iter().position(|&c| c == '}')?;
            let inner: String = p[*pos + 1..end].iter().collect();
            *pos = end;
            match inner.split_once(',') {
                None => {
                    let n = inner.parse().ok()?;
                    (n, n)
                }
                Some((lo, "")) => (lo.parse().ok()?, usize::MAX),
                Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
            }
        }
        _ => return Some(atom),
    };
    *pos += 1;
    if p.get(*pos) == Some(&'?') {
        *pos += 1; // A lazy quantifier accepts the same inputs.
    }
    (min <= max && !matches!(atom, Node::Start | Node::End)).then(|| Node::Repeat(Box::new(atom), min, max))
}

/// Whether `seq` matches `s` from `i` and the continuation `k` accepts the
/// position where that match ends (backtracking through every choice).
fn match_here(seq: &[Node], s: &[char], i: usize, k: &dyn Fn(usize) -> bool) -> bool {
    let Some((node, rest)) = seq.split_first() else { return k(i) };
    let next = |j: usize| match_here(rest, s, j, k);
    match node {
        Node::Start => i == 0 && next(i),
        Node::End => i == s.len() && next(i),
        Node::Group(alternatives) => alternatives.iter().any(|alt| match_here(alt, s, i, &next)),
        Node::Repeat(inner, min, max) => repeat(inner, *min, *max, s, i, &next),
        Node::Any => i < s.len() && next(i + 1),
        Node::Char(c) => s.get(i) == Some(c) && next(i + 1),
        Node::Class(ranges, negated) => {
            s.get(i).is_some_and(|c| ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)) != *negated) && next(i + 1)
        }
    }
}

/// Greedily matches `node` between `min` and `max` more times, then `k`.
fn repeat(node: &Node, min: usize, max: usize, s: &[char], i: usize, k: &dyn Fn(usize) -> bool) -> bool {
    let once = std::slice::from_ref(node);
    // A repetition that consumed nothing can be repeated to reach `min` for free.
    (max > 0
        && match_here(once, s, i, &|j| {
            if j == i { k(j) } else { repeat(node, min.saturating_sub(1), max - 1, s, j, k) }
        }))
        || (min == 0 && k(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(region: &str, key: &str) -> Value {
        match partition(region).unwrap() {
            Value::Record(m) => m[key].clone(),
            _ => panic!("not a record"),
        }
    }

    #[test]
    fn regions_resolve_to_their_partitions() {
        assert_eq!(attr("us-east-1", "name"), Value::from("aws"));
        assert_eq!(attr("us-east-1", "dnsSuffix"), Value::from("amazonaws.com"));
        assert_eq!(attr("us-east-1", "supportsFIPS"), Value::Bool(true));
        assert_eq!(attr("cn-north-1", "dnsSuffix"), Value::from("amazonaws.com.cn"));
        assert_eq!(attr("us-gov-west-1", "name"), Value::from("aws-us-gov"));
        // Listed regions that no regex matches, then regex matches, then the fallback.
        assert_eq!(attr("aws-global", "name"), Value::from("aws"));
        assert_eq!(attr("aws-cn-global", "name"), Value::from("aws-cn"));
        assert_eq!(attr("us-iso-west-9", "name"), Value::from("aws-iso"));
        assert_eq!(attr("us-isob-east-7", "dnsSuffix"), Value::from("sc2s.sgov.gov"));
        assert_eq!(attr("eu-west-9", "name"), Value::from("aws"));
        assert_eq!(attr("mars-north-1", "name"), Value::from("aws"));
        assert_eq!(attr("", "name"), Value::from("aws"));
        assert_eq!(attr(&"x".repeat(100_000), "name"), Value::from("aws"));
    }

    #[test]
    fn regex_subset() {
        let re = |p: &str| Regex::new(p).unwrap();
        let aws = re(r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$");
        assert!(aws.is_match("us-east-1") && aws.is_match("ap-southeast-10"));
        assert!(!aws.is_match("us-east-") && !aws.is_match("cn-north-1") && !aws.is_match("us-east-1x"));
        assert!(re(r"^eusc\-(de)\-\w+\-\d+$").is_match("eusc-de-east-1"));
        assert!(re("a[b-d_]{2,3}e?$").is_match("xxacb_"));
        assert!(!re("^a[^0-9]+$").is_match("a1"));
        assert!(re("^(a*)+b$").is_match("b"));
        assert!(!re("^(a|ab)(c|bcd)(d*)$").is_match("abcdx"));
        for bad in ["(a", "a)", "*a", "[a", r"\q", "a{3,1}", "^*"] {
            assert!(Regex::new(bad).is_none(), "{bad}");
        }
    }
}
