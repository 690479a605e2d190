//! `cargo xtask fuzz`: mutation fuzzing of the Smithy and Discovery readers
//! (and the emitters behind them) on stable Rust. Seeds are the project's
//! fixtures and slices of real corpus specs (a few shapes / schemas and
//! methods each, so an execution stays fast); mutations work on bytes and on
//! the JSON structure. Any panic is a crash: its input is saved under
//! `target/fuzz/crashes/` to become a regression fixture.

use nimbus_codegen::{SpecFormat, read_then_emit};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A small, fast pseudo-random generator (xorshift64*); deterministic per seed.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
}

/// Which reader a seed is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Smithy JSON AST.
    Smithy,
    /// Google Discovery.
    Discovery,
}

/// A slice of a Smithy model: the service shape, up to `n` operations and
/// the shapes they reach (depth-limited), so targets mostly resolve.
fn smithy_slice(model: &Value, rng: &mut Rng, n: usize) -> Option<Value> {
    let shapes = model.get("shapes")?.as_object()?;
    let (svc_id, svc) = shapes.iter().find(|(_, s)| s.get("type").and_then(Value::as_str) == Some("service"))?;
    let ops: Vec<&String> =
        shapes.iter().filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("operation")).map(|(k, _)| k).collect();
    if ops.is_empty() {
        return None;
    }
    let mut keep: Vec<String> = Vec::new();
    let mut chosen = Vec::new();
    for _ in 0..n {
        chosen.push(ops[rng.below(ops.len())].clone());
    }
    let mut stack: Vec<(String, usize)> = chosen.iter().map(|o| (o.clone(), 0)).collect();
    while let Some((id, depth)) = stack.pop() {
        if keep.contains(&id) || depth > 4 || keep.len() > 60 {
            continue;
        }
        let Some(shape) = shapes.get(&id) else { continue };
        keep.push(id.clone());
        let mut targets = Vec::new();
        collect_targets(shape, &mut targets);
        stack.extend(targets.into_iter().map(|t| (t, depth + 1)));
    }
    let mut out = Map::new();
    let mut service = svc.clone();
    if let Some(obj) = service.as_object_mut() {
        obj.insert("operations".into(), Value::Array(chosen.iter().map(|o| serde_json::json!({ "target": o })).collect()));
        obj.remove("resources");
        if let Some(traits) = obj.get_mut("traits").and_then(Value::as_object_mut) {
            traits.remove("smithy.rules#endpointRuleSet");
            traits.remove("smithy.rules#endpointTests");
        }
    }
    out.insert(svc_id.clone(), service);
    for id in keep {
        if let Some(s) = shapes.get(&id) {
            out.insert(id, s.clone());
        }
    }
    Some(serde_json::json!({ "smithy": model.get("smithy").cloned().unwrap_or(Value::from("2.0")), "shapes": out }))
}

fn collect_targets(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == "target" {
                    if let Some(t) = x.as_str() {
                        out.push(t.to_owned());
                    }
                } else if k != "traits" {
                    collect_targets(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_targets(x, out)),
        _ => {}
    }
}

/// A slice of a Discovery document: a few schemas and one resource.
fn discovery_slice(doc: &Value, rng: &mut Rng, n: usize) -> Option<Value> {
    let mut out = doc.as_object()?.clone();
    if let Some(schemas) = doc.get("schemas").and_then(Value::as_object) {
        let keys: Vec<&String> = schemas.keys().collect();
        let mut kept = Map::new();
        for _ in 0..n.min(keys.len()) {
            let k = keys[rng.below(keys.len())];
            kept.insert(k.clone(), schemas[k].clone());
        }
        out.insert("schemas".into(), Value::Object(kept));
    }
    if let Some(resources) = doc.get("resources").and_then(Value::as_object) {
        let keys: Vec<&String> = resources.keys().collect();
        if !keys.is_empty() {
            let k = keys[rng.below(keys.len())];
            let mut kept = Map::new();
            kept.insert(k.clone(), resources[k].clone());
            out.insert("resources".into(), Value::Object(kept));
        }
    }
    out.remove("auth");
    Some(Value::Object(out))
}

/// Seeds for both readers: the fixtures, then `slices` slices of corpus specs.
pub fn seeds(root: &Path, corpora: &[PathBuf], slices: usize, rng: &mut Rng) -> Result<Vec<(Reader, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for (reader, file) in [(Reader::Smithy, "kitchen-sink.smithy.json"), (Reader::Discovery, "kitchen-sink.discovery.json")] {
        let p = root.join("codegen/tests/fixtures").join(file);
        out.push((reader, std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?));
    }
    let mut files = Vec::new();
    for dir in corpora {
        for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.filter_map(|e| e.ok()) {
            if e.path().extension().is_some_and(|x| x == "json") {
                files.push(e.path());
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Ok(out);
    }
    for _ in 0..slices {
        let path = &files[rng.below(files.len())];
        let Ok(bytes) = std::fs::read(path) else { continue };
        let Ok(doc) = serde_json::from_slice::<Value>(&bytes) else { continue };
        let (reader, slice) = if doc.get("smithy").is_some() {
            (Reader::Smithy, smithy_slice(&doc, rng, 3))
        } else {
            (Reader::Discovery, discovery_slice(&doc, rng, 6))
        };
        if let Some(s) = slice {
            out.push((reader, serde_json::to_vec(&s).unwrap_or_default()));
        }
    }
    Ok(out)
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 3 { 6 } else { 9 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::from(rng.next_u64() as i64),
        3 => Value::from(-1.5e300),
        4 => Value::String(String::new()),
        5 => Value::String(
            ["smithy.api#String", "{+name}", "#", "ns#", "\u{0}", "r#type", "Self", "aws.protocols#restJson1", "..", "☃"][rng.below(10)]
                .to_owned(),
        ),
        6 => Value::Array((0..rng.below(3)).map(|_| random_value(rng, depth + 1)).collect()),
        7 => {
            let mut m = Map::new();
            for _ in 0..rng.below(3) {
                let k = ["type", "target", "members", "traits", "$ref", "items", "properties", "parameters", "path", "enum", "member"]
                    [rng.below(11)];
                m.insert(k.to_owned(), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
        _ => Value::String("x".repeat(rng.below(4))),
    }
}

/// Replaces, deletes or duplicates a random node of the JSON tree.
fn mutate_tree(v: &mut Value, rng: &mut Rng, depth: usize) {
    let descend = depth < 12 && rng.below(4) != 0;
    match v {
        Value::Object(o) if descend && !o.is_empty() => {
            let keys: Vec<String> = o.keys().cloned().collect();
            let k = keys[rng.below(keys.len())].clone();
            match rng.below(6) {
                0 => {
                    o.remove(&k);
                }
                1 => {
                    let dup = o.get(&k).cloned().unwrap_or(Value::Null);
                    o.insert(format!("{k}{}", rng.below(3)), dup);
                }
                _ => {
                    if let Some(child) = o.get_mut(&k) {
                        mutate_tree(child, rng, depth + 1);
                    }
                }
            }
        }
        Value::Array(a) if descend && !a.is_empty() => {
            let i = rng.below(a.len());
            match rng.below(5) {
                0 => {
                    a.remove(i);
                }
                1 => {
                    let dup = a[i].clone();
                    a.push(dup);
                }
                _ => mutate_tree(&mut a[i], rng, depth + 1),
            }
        }
        _ => *v = random_value(rng, depth),
    }
}

/// One mutated input from a seed.
pub fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    if rng.below(3) != 0
        && let Ok(mut v) = serde_json::from_slice::<Value>(seed)
    {
        for _ in 0..=rng.below(3) {
            mutate_tree(&mut v, rng, 0);
        }
        return serde_json::to_vec(&v).unwrap_or_default();
    }
    let mut b = seed.to_vec();
    for _ in 0..=rng.below(4) {
        if b.is_empty() {
            break;
        }
        let i = rng.below(b.len());
        match rng.below(5) {
            0 => b[i] ^= 1 << rng.below(8),
            1 => {
                b.truncate(i);
            }
            2 => {
                let end = (i + rng.below(64)).min(b.len());
                let slice = b[i..end].to_vec();
                b.splice(i..i, slice);
            }
            3 => {
                b.remove(i);
            }
            _ => b.insert(i, [b'{', b'}', b'[', b']', b'"', b',', b':', b'\\', 0xff][rng.below(9)]),
        }
    }
    b
}

/// Runs one input through a reader and the emitters; `Err` = a crash: a
/// panic, or an emitter failing on a model the reader accepted.
pub fn execute(reader: Reader, input: &[u8]) -> Result<(), String> {
    let format = match reader {
        Reader::Smithy => SpecFormat::Smithy,
        Reader::Discovery => SpecFormat::Discovery,
    };
    match std::panic::catch_unwind(|| read_then_emit(format, input)) {
        Ok(result) => result.map(|_| ()),
        Err(p) => Err(panic_message(p.as_ref())),
    }
}

/// The message a caught panic carried (empty when it was not text).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload.downcast_ref::<String>().cloned().or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned())).unwrap_or_default()
}
