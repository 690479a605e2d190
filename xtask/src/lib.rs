//! Project automation behind `cargo xtask`: materialise the pinned specs,
//! regenerate the service crates, and check that committed output is fresh.
//!
//! This crate only orchestrates: reading and writing files, checksums and
//! downloads live here; everything about specs and Rust lives in
//! `nimbus-codegen`.

use nimbus_codegen::emit::{CrateSpec, GeneratedFile};
use nimbus_codegen::{SpecFormat, read_spec};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

pub mod bench;
pub mod catalog;
pub mod coverage;
pub mod fuzz;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `specs/manifest.toml`.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    /// Specs that generate a crate.
    #[serde(default)]
    pub service: Vec<ServiceEntry>,
    /// Other pinned inputs.
    #[serde(default)]
    pub input: Vec<InputEntry>,
}

/// A pinned file.
#[derive(Debug, Deserialize, Clone)]
pub struct InputEntry {
    /// Short id.
    pub id: String,
    /// Path under `specs/` (committed) or `specs/.materialized/` (not committed).
    pub path: String,
    /// May the file be committed into this repository?
    pub committed: bool,
    /// Path inside a local mirror directory such as `../shared`.
    pub mirror: Option<String>,
    /// Upstream location at a fixed commit or version.
    pub url: String,
    /// Expected sha256 of the file, hex (for a directory: see [`tree_sha256`]).
    pub sha256: String,
    /// A directory input: the listing file (under `specs/`) of its files;
    /// `url` and `mirror` are then directory prefixes.
    #[serde(default)]
    pub files: Option<String>,
    /// Materialised only by the commands that need it (`catalog`), not by `specs`/`test`.
    #[serde(default)]
    pub on_demand: bool,
}

/// A spec that generates a crate.
#[derive(Debug, Deserialize, Clone)]
pub struct ServiceEntry {
    /// Short id, e.g. `athena`.
    pub id: String,
    /// Crate name, e.g. `nimbus-athena`.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// `smithy` or `discovery`.
    pub format: String,
    /// Smithy service shape id.
    pub service: Option<String>,
    /// Directory (relative to the root) holding the crate; default `crates`.
    pub dir: Option<String>,
    /// Also generate the model's protocol compliance cases as tests.
    #[serde(default)]
    pub protocol_tests: bool,
    /// Another service entry whose endpoint rules (and client context
    /// parameters) this model's service takes: the compliance suite's S3
    /// model has none, and its cases expect S3's real ones.
    #[serde(default)]
    pub endpoint_rules_from: Option<String>,
    /// The pinned file.
    #[serde(flatten)]
    pub file: InputEntryFields,
}

/// The file fields of a service entry (same as [`InputEntry`] minus the id).
#[derive(Debug, Deserialize, Clone)]
pub struct InputEntryFields {
    /// See [`InputEntry::path`].
    pub path: String,
    /// See [`InputEntry::committed`].
    pub committed: bool,
    /// See [`InputEntry::mirror`].
    pub mirror: Option<String>,
    /// See [`InputEntry::url`]; absent for the project's own fixtures.
    #[serde(default)]
    pub url: String,
    /// See [`InputEntry::sha256`]; absent for the project's own fixtures.
    #[serde(default)]
    pub sha256: String,
}

impl ServiceEntry {
    /// Directory of the generated crate, relative to the root.
    pub fn crate_dir(&self) -> PathBuf {
        Path::new(self.dir.as_deref().unwrap_or("crates")).join(&self.crate_name)
    }

    fn as_input(&self) -> InputEntry {
        let f = &self.file;
        InputEntry {
            id: self.id.clone(),
            path: f.path.clone(),
            committed: f.committed,
            mirror: f.mirror.clone(),
            url: f.url.clone(),
            sha256: f.sha256.clone(),
            files: None,
            on_demand: false,
        }
    }
}

/// The workspace root (parent of `xtask/`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// Reads `specs/manifest.toml`.
pub fn read_manifest(root: &Path) -> Result<Manifest, String> {
    let path = root.join("specs/manifest.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Where a local mirror of the non-committable inputs is, if any:
/// `explicit`, else `$NIMBUS_SPEC_MIRROR`, else `../shared` when present.
pub fn mirror_dir(root: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("NIMBUS_SPEC_MIRROR") {
        return Some(PathBuf::from(p));
    }
    let shared = root.join("../shared");
    shared.is_dir().then_some(shared)
}

/// The checksum of a directory input: sha256 over `relpath<TAB>sha256(file)<LF>`
/// lines in listing order.
pub fn tree_sha256(dir: &Path, files: &[String]) -> Result<String, String> {
    let mut listing = String::new();
    for rel in files {
        let path = dir.join(rel);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let _ = writeln!(listing, "{rel}\t{}", sha256_hex(&bytes));
    }
    Ok(sha256_hex(listing.as_bytes()))
}

/// Materialises a directory input: every file of its listing, from the
/// mirror or downloaded from `url` + relative path; the tree checksum must match.
fn materialise_dir(root: &Path, entry: &InputEntry, listing: &str, mirror: Option<&Path>) -> Result<PathBuf, String> {
    let list_path = root.join("specs").join(listing);
    let text = std::fs::read_to_string(&list_path).map_err(|e| format!("{}: {e}", list_path.display()))?;
    let files: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
    let dest = root.join("specs/.materialized").join(&entry.path);
    if tree_sha256(&dest, &files).is_ok_and(|h| h == entry.sha256) {
        return Ok(dest);
    }
    for rel in &files {
        let bytes = match (mirror, &entry.mirror) {
            (Some(dir), Some(m)) if dir.join(m).join(rel).is_file() => {
                let src = dir.join(m).join(rel);
                std::fs::read(&src).map_err(|e| format!("{}: {e}", src.display()))?
            }
            _ => download(&format!("{}{rel}", entry.url))?,
        };
        let target = dest.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, &bytes).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    let got = tree_sha256(&dest, &files)?;
    if got != entry.sha256 {
        return Err(format!(
            "{}: tree checksum mismatch for `{}`: expected {}, got {got} (pinned in specs/manifest.toml)",
            dest.display(),
            entry.id,
            entry.sha256
        ));
    }
    Ok(dest)
}

/// Makes one pinned input available and returns its path, verifying the sha256.
pub fn materialise(root: &Path, entry: &InputEntry, mirror: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(listing) = &entry.files {
        return materialise_dir(root, entry, listing, mirror);
    }
    let check = |path: &Path, bytes: &[u8]| -> Result<(), String> {
        let got = sha256_hex(bytes);
        if got == entry.sha256 || (entry.sha256.is_empty() && entry.committed) {
            Ok(())
        } else {
            Err(format!(
                "{}: checksum mismatch for `{}`: expected sha256 {}, got {got} (pinned in specs/manifest.toml)",
                path.display(),
                entry.id,
                entry.sha256
            ))
        }
    };
    if entry.committed {
        let path = root.join("specs").join(&entry.path);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        check(&path, &bytes)?;
        return Ok(path);
    }
    let dest = root.join("specs/.materialized").join(&entry.path);
    if let Ok(bytes) = std::fs::read(&dest)
        && sha256_hex(&bytes) == entry.sha256
    {
        return Ok(dest);
    }
    let bytes = match (mirror, &entry.mirror) {
        (Some(dir), Some(rel)) if dir.join(rel).is_file() => {
            let src = dir.join(rel);
            let bytes = std::fs::read(&src).map_err(|e| format!("{}: {e}", src.display()))?;
            check(&src, &bytes)?;
            bytes
        }
        _ => download(&entry.url).and_then(|bytes| check(Path::new(&entry.url), &bytes).map(|()| bytes))?,
    };
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(&dest, &bytes).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(dest)
}

fn download(url: &str) -> Result<Vec<u8>, String> {
    let out = std::process::Command::new("curl")
        .args(["--fail", "--silent", "--show-error", "--location", "--max-time", "120", url])
        .output()
        .map_err(|e| format!("downloading {url}: could not run curl: {e}"))?;
    if !out.status.success() {
        return Err(format!("downloading {url}: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(out.stdout)
}

/// Materialises every input of the manifest; returns `(id, path)` pairs.
pub fn materialise_all(root: &Path, mirror: Option<&Path>) -> Result<Vec<(String, PathBuf)>, String> {
    let manifest = read_manifest(root)?;
    let mirror = mirror_dir(root, mirror);
    let entries = manifest.service.iter().map(ServiceEntry::as_input).chain(manifest.input.iter().filter(|i| !i.on_demand).cloned());
    entries.map(|e| materialise(root, &e, mirror.as_deref()).map(|p| (e.id.clone(), p))).collect()
}

/// What generating one service produced.
#[derive(Debug)]
pub struct Generated {
    /// Manifest entry.
    pub entry: ServiceEntry,
    /// Number of operations / methods.
    pub operations: usize,
    /// Number of named types in the spec (shapes / schemas).
    pub spec_types: usize,
    /// Number of Rust types emitted.
    pub rust_types: usize,
    /// The crate's files.
    pub files: Vec<GeneratedFile>,
    /// Generator time (read + lower + emit), excluding file I/O.
    pub elapsed: Duration,
}

/// Path from a generated crate's directory to `crates` (the runtime crates).
fn runtime_dir(entry: &ServiceEntry) -> String {
    let depth = entry.crate_dir().components().count();
    format!("{}crates", "../".repeat(depth))
}

/// Generates one service from its (materialised) spec bytes, no I/O.
pub fn generate(entry: &ServiceEntry, label: &str, bytes: &[u8], examples: Vec<String>) -> Result<Generated, String> {
    let start = Instant::now();
    let format = match entry.format.as_str() {
        "smithy" => SpecFormat::Smithy,
        "discovery" => SpecFormat::Discovery,
        other => return Err(format!("specs/manifest.toml: service `{}`: unknown format `{other}`", entry.id)),
    };
    let service = read_spec(format, label, bytes, entry.service.as_deref()).map_err(|e| e.to_string())?;
    let spec = CrateSpec {
        crate_name: entry.crate_name.clone(),
        spec_label: format!("specs/manifest.toml [{}]", entry.id),
        runtime_dir: runtime_dir(entry),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol_tests: entry.protocol_tests,
        examples,
    };
    let files = nimbus_codegen::emit::emit_crate(&service, &spec)?;
    Ok(Generated {
        operations: service.operations.len(),
        spec_types: service.spec_type_count,
        rust_types: service.types.iter().filter(|t| nimbus_codegen::emit::is_emitted_type(t)).count(),
        entry: entry.clone(),
        files,
        elapsed: start.elapsed(),
    })
}

/// The traits of a service shape that describe its endpoints and that
/// [`borrow_endpoint_rules`] copies.
const ENDPOINT_TRAITS: [&str; 2] = ["smithy.rules#endpointRuleSet", "smithy.rules#clientContextParams"];

/// The traits of operations and members that bind them to endpoint
/// parameters, copied to the shapes of the same id.
const BINDING_TRAITS: [&str; 3] = ["smithy.rules#staticContextParams", "smithy.rules#operationContextParams", "smithy.rules#contextParam"];

/// `model` (a Smithy JSON AST) with the endpoint traits of `donor`'s
/// service shape set on `entry`'s service shape, and the donor's endpoint
/// parameter bindings on the operations and members both models have.
fn borrow_endpoint_rules(model: &[u8], entry: &ServiceEntry, donor: &[u8], donor_entry: &ServiceEntry) -> Result<Vec<u8>, String> {
    fn service_traits<'a>(
        model: &'a mut serde_json::Value,
        id: Option<&str>,
    ) -> Result<&'a mut serde_json::Map<String, serde_json::Value>, String> {
        let id = id.ok_or("the entry names no `service` shape")?;
        let shape = model.pointer_mut(&format!("/shapes/{}", id.replace('~', "~0").replace('/', "~1")));
        let shape = shape.ok_or_else(|| format!("no shape `{id}` in the model"))?.as_object_mut().ok_or("not an object")?;
        let traits = shape.entry("traits").or_insert_with(|| serde_json::json!({}));
        traits.as_object_mut().ok_or_else(|| format!("`{id}`: traits is not an object"))
    }
    let parse = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).map_err(|e| e.to_string());
    let (mut model, mut donor) = (parse(model)?, parse(donor)?);
    let donor_traits = service_traits(&mut donor, donor_entry.service.as_deref())?;
    let borrowed: Vec<(String, serde_json::Value)> =
        ENDPOINT_TRAITS.iter().filter_map(|t| Some((t.to_string(), donor_traits.get(*t)?.clone()))).collect();
    if borrowed.is_empty() {
        return Err("the donor service has no endpoint rule set".into());
    }
    service_traits(&mut model, entry.service.as_deref())?.extend(borrowed);
    let bindings = |traits: Option<&serde_json::Value>| -> Vec<(String, serde_json::Value)> {
        let Some(traits) = traits.and_then(|t| t.as_object()) else { return Vec::new() };
        BINDING_TRAITS.iter().filter_map(|t| Some((t.to_string(), traits.get(*t)?.clone()))).collect()
    };
    let add = |traits: &mut serde_json::Value, found: Vec<(String, serde_json::Value)>| {
        if let (Some(traits), false) = (traits.as_object_mut(), found.is_empty()) {
            traits.extend(found);
        } else if traits.is_null() && !found.is_empty() {
            *traits = serde_json::Value::Object(found.into_iter().collect());
        }
    };
    let donor_shapes = donor.get("shapes").and_then(|s| s.as_object()).ok_or("the donor has no shapes")?;
    let shapes = model.get_mut("shapes").and_then(|s| s.as_object_mut()).ok_or("the model has no shapes")?;
    for (id, shape) in shapes.iter_mut() {
        let Some(donor_shape) = donor_shapes.get(id) else { continue };
        add(&mut shape["traits"], bindings(donor_shape.get("traits")));
        let Some(members) = shape.get_mut("members").and_then(|m| m.as_object_mut()) else { continue };
        for (name, member) in members.iter_mut() {
            add(&mut member["traits"], bindings(donor_shape.pointer(&format!("/members/{name}/traits"))));
        }
    }
    serde_json::to_vec(&model).map_err(|e| e.to_string())
}

/// Options of `cargo xtask codegen`.
#[derive(Debug, Default)]
pub struct CodegenOptions {
    /// Only these service ids (all when empty).
    pub only: Vec<String>,
    /// Compare instead of writing.
    pub check: bool,
    /// Local mirror of the non-committable inputs.
    pub mirror: Option<PathBuf>,
    /// Directory the crate directories are relative to (default: the root).
    pub crates_dir: Option<PathBuf>,
}

/// Result of `codegen`: what was generated and, with `check`, the stale files.
#[derive(Debug)]
pub struct CodegenReport {
    /// Per service.
    pub generated: Vec<Generated>,
    /// Files that differ from (or are missing in) the crates directory.
    pub stale: Vec<PathBuf>,
}

/// Regenerates (or checks) the service crates.
pub fn codegen(root: &Path, opts: &CodegenOptions) -> Result<CodegenReport, String> {
    let manifest = read_manifest(root)?;
    for id in &opts.only {
        if !manifest.service.iter().any(|s| &s.id == id) {
            let known: Vec<&str> = manifest.service.iter().map(|s| s.id.as_str()).collect();
            return Err(format!("no service `{id}` in specs/manifest.toml (known: {})", known.join(", ")));
        }
    }
    let mirror = mirror_dir(root, opts.mirror.as_deref());
    let out_root = opts.crates_dir.clone().unwrap_or_else(|| root.to_path_buf());
    let mut report = CodegenReport { generated: Vec::new(), stale: Vec::new() };
    for entry in manifest.service.iter().filter(|s| opts.only.is_empty() || opts.only.contains(&s.id)) {
        let path = materialise(root, &entry.as_input(), mirror.as_deref())?;
        let mut bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let label = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        if let Some(donor_id) = &entry.endpoint_rules_from {
            let unknown = || format!("specs/manifest.toml [{}]: endpoint_rules_from: no service `{donor_id}`", entry.id);
            let donor = manifest.service.iter().find(|s| &s.id == donor_id).ok_or_else(unknown)?;
            let donor_path = materialise(root, &donor.as_input(), mirror.as_deref())?;
            let donor_bytes = std::fs::read(&donor_path).map_err(|e| format!("{}: {e}", donor_path.display()))?;
            bytes = borrow_endpoint_rules(&bytes, entry, &donor_bytes, donor)
                .map_err(|e| format!("specs/manifest.toml [{}]: endpoint_rules_from `{donor_id}`: {e}", entry.id))?;
        }
        let generated = generate(entry, &label, &bytes, example_stems(&root.join(entry.crate_dir())))?;
        let dir = out_root.join(entry.crate_dir());
        for file in &generated.files {
            let target = dir.join(&file.path);
            let current = std::fs::read_to_string(&target).ok();
            if current.as_deref() == Some(file.contents.as_str()) {
                continue;
            }
            if opts.check {
                report.stale.push(target);
            } else {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::write(&target, &file.contents).map_err(|e| format!("{}: {e}", target.display()))?;
            }
        }
        if opts.check {
            report.stale.extend(extra_files(&dir, &generated.files));
        } else {
            for extra in extra_files(&dir, &generated.files) {
                std::fs::remove_file(&extra).map_err(|e| format!("{}: {e}", extra.display()))?;
            }
        }
        report.generated.push(generated);
    }
    Ok(report)
}

/// Stems of the hand-written `examples/*.rs` of a crate, sorted.
fn example_stems(crate_dir: &Path) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(crate_dir.join("examples"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".rs")).map(str::to_owned))
        .collect();
    stems.sort();
    stems
}

/// Files under `dir/src` that the generator no longer produces.
fn extra_files(dir: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("src")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if !files.iter().any(|f| f.path == rel) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Generates a crate from any spec file (format sniffed) into `out`; returns
/// the service's short name and operation/type counts.
pub fn generate_file(
    root: &Path,
    file: &Path,
    service: Option<&str>,
    out: Option<&Path>,
) -> Result<(String, PathBuf, usize, usize), String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let label = file.display().to_string();
    let ir = read_spec(SpecFormat::sniff(&bytes), &label, &bytes, service).map_err(|e| e.to_string())?;
    let crate_name = format!("nimbus-{}", ir.short_name);
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| root.join("target/gen").join(&crate_name));
    let runtime = root.join("crates");
    let spec = CrateSpec {
        crate_name,
        spec_label: format!("`{}`", file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
        runtime_dir: runtime.display().to_string(),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol_tests: false,
        examples: Vec::new(),
    };
    let files = nimbus_codegen::emit::emit_crate(&ir, &spec)?;
    for f in &files {
        let target = out.join(&f.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, &f.contents).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok((ir.short_name, out, ir.operations.len(), ir.types.iter().filter(|t| nimbus_codegen::emit::is_emitted_type(t)).count()))
}

/// Materialises one input by id (on-demand inputs included).
pub fn materialise_id(root: &Path, id: &str, mirror: Option<&Path>) -> Result<PathBuf, String> {
    let manifest = read_manifest(root)?;
    let entry = manifest.input.iter().find(|i| i.id == id).ok_or_else(|| format!("no input `{id}` in specs/manifest.toml"))?;
    materialise(root, entry, mirror_dir(root, mirror).as_deref())
}

/// The moto version the live tests run against (PyPI `moto[server]`).
pub const MOTO_VERSION: &str = "5.2.5";

/// Makes sure `moto_server` is installed in `target/moto-venv` (a Python
/// virtual environment, created with `python3 -m venv` and pip from PyPI on
/// first use) and returns its path.
pub fn ensure_moto(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("target/moto-venv");
    let server = venv.join("bin/moto_server");
    let stamp = venv.join(format!("moto-{MOTO_VERSION}.installed"));
    if server.is_file() && stamp.is_file() {
        return Ok(server);
    }
    let run = |cmd: &mut std::process::Command, what: &str| -> Result<(), String> {
        let status = cmd.status().map_err(|e| format!("{what}: {e}"))?;
        if status.success() { Ok(()) } else { Err(format!("{what} failed ({status})")) }
    };
    println!("installing moto[server]=={MOTO_VERSION} into {} (first run only)", venv.display());
    run(std::process::Command::new("python3").arg("-m").arg("venv").arg(&venv), "python3 -m venv")?;
    run(
        std::process::Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("moto[server]=={MOTO_VERSION}")),
        "pip install moto[server]",
    )?;
    std::fs::write(&stamp, MOTO_VERSION).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(server)
}
