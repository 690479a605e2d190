//! `cargo xtask catalog`: every AWS model and Google Discovery document of the
//! corpora through the generator, in parallel, into a scratch directory, with
//! a summary table (status, counts, time per spec).

use nimbus_codegen::emit::{CrateSpec, emit_crate};
use nimbus_codegen::ir::Protocol;
use nimbus_codegen::{SpecFormat, read_spec};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Outcome of one spec.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File name of the spec.
    pub spec: String,
    /// Crate name written (when generated).
    pub crate_name: String,
    /// `ok`, `unsupported protocol`, or `error`.
    pub status: Status,
    /// Protocol label.
    pub protocol: String,
    /// Operations (methods).
    pub operations: usize,
    /// Rust types.
    pub types: usize,
    /// Generation time.
    pub elapsed: Duration,
}

/// Status of one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Generated with a client.
    Ok,
    /// Generated (types and a client that reports the protocol as unsupported).
    Unsupported,
    /// Not an API description (the Discovery directory list `index.json`).
    NotAnApi,
    /// The generator failed (message).
    Error(String),
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Spec directories (each file `*.json` is one spec).
    pub dirs: Vec<PathBuf>,
    /// Only specs whose file name contains this.
    pub filter: Option<String>,
    /// Where crates and `summary.md` go.
    pub out: PathBuf,
    /// Worker threads.
    pub jobs: usize,
    /// Write the crates (otherwise only generate in memory).
    pub write: bool,
}

/// Whether the generator emits a working client for `protocol`.
pub fn supported(protocol: Protocol) -> bool {
    protocol == Protocol::GoogleRest || nimbus_codegen::emit::client::supports(protocol)
}

fn generate_one(path: &Path, out: &Path, write: bool, runtime: &Path) -> Entry {
    let start = Instant::now();
    let spec = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut entry = Entry {
        spec: spec.clone(),
        crate_name: String::new(),
        status: Status::Ok,
        protocol: String::new(),
        operations: 0,
        types: 0,
        elapsed: Duration::ZERO,
    };
    let result = (|| -> Result<(), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let needle = b"\"discovery#directoryList\"";
        if bytes[..bytes.len().min(1024)].windows(needle.len()).any(|w| w == needle) {
            entry.status = Status::NotAnApi;
            return Ok(());
        }
        let service = read_spec(SpecFormat::sniff(&bytes), &spec, &bytes, None).map_err(|e| e.to_string())?;
        let stem = spec.trim_end_matches(".json").replace(['.', '_'], "-").to_lowercase();
        let prefix = if service.is_google() { "g" } else { "aws" };
        entry.crate_name = format!("catalog-{prefix}-{stem}");
        entry.protocol = service.protocol.label().to_owned();
        entry.operations = service.operations.len();
        entry.types = service.types.iter().filter(|t| nimbus_codegen::emit::is_emitted_type(t)).count();
        let crate_spec = CrateSpec {
            crate_name: entry.crate_name.clone(),
            spec_label: format!("the catalog spec `{spec}`"),
            runtime_dir: runtime.display().to_string(),
            version: env!("CARGO_PKG_VERSION").into(),
            protocol_tests: false,
            examples: Vec::new(),
        };
        let files = emit_crate(&service, &crate_spec)?;
        if !supported(service.protocol) {
            entry.status = Status::Unsupported;
        }
        if write {
            let dir = out.join(&entry.crate_name);
            for f in files {
                let target = dir.join(&f.path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::write(&target, f.contents).map_err(|e| format!("{}: {e}", target.display()))?;
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        entry.status = Status::Error(e);
    }
    entry.elapsed = start.elapsed();
    entry
}

/// Runs the catalog; `progress` is called after each spec with (done, total).
pub fn run(root: &Path, opts: &Options, progress: &(dyn Fn(usize, usize, &Entry) + Sync)) -> Result<Vec<Entry>, String> {
    let mut specs = Vec::new();
    for dir in &opts.dirs {
        let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for e in rd.filter_map(|e| e.ok()) {
            let p = e.path();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.ends_with(".json") && opts.filter.as_ref().is_none_or(|f| name.contains(f.as_str())) {
                specs.push(p);
            }
        }
    }
    specs.sort();
    // Largest first, so the slowest specs do not end up alone at the end.
    specs.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
    let runtime = root.join("crates");
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(specs.len()));
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = specs.get(i) else { break };
                    let entry = generate_one(path, &opts.out, opts.write, &runtime);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(n, specs.len(), &entry);
                    results.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by(|a, b| a.spec.cmp(&b.spec));
    Ok(results)
}

/// The summary table (Markdown).
pub fn summary(results: &[Entry], wall: Duration) -> String {
    let count = |f: &dyn Fn(&Entry) -> bool| results.iter().filter(|e| f(e)).count();
    let ok = count(&|e| e.status == Status::Ok);
    let unsupported = count(&|e| e.status == Status::Unsupported);
    let errors = count(&|e| matches!(e.status, Status::Error(_)));
    let not_api = count(&|e| e.status == Status::NotAnApi);
    let mut out = format!(
        "# Catalog run\n\n{} specs in {:.1} s wall: {ok} ok, {unsupported} unsupported protocol (types, and a client that reports it), {not_api} not an API, {errors} errors.\n\n",
        results.len(),
        wall.as_secs_f64()
    );
    let mut slowest: Vec<&Entry> = results.iter().collect();
    slowest.sort_by_key(|e| std::cmp::Reverse(e.elapsed));
    out.push_str("Slowest: ");
    out.push_str(
        &slowest.iter().take(5).map(|e| format!("{} ({:.0} ms)", e.spec, e.elapsed.as_secs_f64() * 1000.0)).collect::<Vec<_>>().join(", "),
    );
    out.push_str("\n\n| spec | crate | protocol | status | operations | types | ms |\n|---|---|---|---|---:|---:|---:|\n");
    for e in results {
        let status = match &e.status {
            Status::Ok => "ok".to_owned(),
            Status::Unsupported => "unsupported protocol (client reports it)".to_owned(),
            Status::NotAnApi => "not an API (directory list)".to_owned(),
            Status::Error(m) => format!("error: {}", m.replace('|', "\\|").replace('\n', " ")),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {status} | {} | {} | {:.1} |\n",
            e.spec,
            e.crate_name,
            e.protocol,
            e.operations,
            e.types,
            e.elapsed.as_secs_f64() * 1000.0
        ));
    }
    out
}

/// The CI sample: the largest awsJson1_1, awsJson1_0 and restJson1 models by
/// operation count, the smallest awsQuery and restXml ones (their codecs
/// compile the same for any size), and the `n_google` largest Discovery
/// documents.
pub fn sample(results: &[Entry], n_google: usize) -> Vec<Entry> {
    let mut out = Vec::new();
    for protocol in ["awsJson1_1", "awsJson1_0", "restJson1"] {
        if let Some(e) = results.iter().filter(|e| e.status == Status::Ok && e.protocol == protocol).max_by_key(|e| e.operations) {
            out.push(e.clone());
        }
    }
    for protocol in ["awsQuery", "restXml"] {
        if let Some(e) = results.iter().filter(|e| e.status == Status::Ok && e.protocol == protocol).min_by_key(|e| e.operations) {
            out.push(e.clone());
        }
    }
    // The smallest model of a protocol not supported yet: its client must compile too.
    if let Some(e) = results.iter().filter(|e| e.status == Status::Unsupported).min_by_key(|e| e.operations) {
        out.push(e.clone());
    }
    let mut google: Vec<&Entry> = results.iter().filter(|e| e.status == Status::Ok && e.protocol == "googleRest").collect();
    google.sort_by_key(|e| std::cmp::Reverse((e.operations, e.types)));
    out.extend(google.into_iter().take(n_google).cloned());
    out
}

/// `cargo check`s the generated crates `entries` (written under `out`) as one
/// scratch workspace sharing `target_dir`, in batches; returns the failures
/// (crate, first error lines).
pub fn check(root: &Path, out: &Path, entries: &[Entry], target_dir: &Path, batch: usize) -> Result<Vec<(String, String)>, String> {
    let mut failures = Vec::new();
    let batches = entries.len().div_ceil(batch.max(1));
    for (k, chunk) in entries.chunks(batch.max(1)).enumerate() {
        let batch_start = Instant::now();
        let failed_before = failures.len();
        let members: Vec<String> = chunk.iter().map(|e| format!("    \"{}\",", e.crate_name)).collect();
        let manifest = format!(
            "# Scratch workspace written by `cargo xtask catalog --check`.\n[workspace]\nresolver = \"3\"\nmembers = [\n{}\n]\n\n[workspace.lints.rust]\nmissing_docs = \"deny\"\nunsafe_code = \"forbid\"\n",
            members.join("\n")
        );
        std::fs::write(out.join("Cargo.toml"), manifest).map_err(|e| format!("{}: {e}", out.display()))?;
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = std::process::Command::new(cargo)
            .args(["check", "--workspace", "--quiet", "--message-format", "short"])
            .env("CARGO_TARGET_DIR", target_dir)
            // Incremental data of ~1000 large crates fills tens of GB and a
            // one-off check never reuses it.
            .env("CARGO_INCREMENTAL", "0")
            .current_dir(out)
            .output()
            .map_err(|e| format!("running cargo check: {e}"))?;
        let report = |failed: usize| {
            if batches > 1 {
                println!(
                    "catalog check: batch {}/{batches}: {} crates, {failed} failed ({:.0} s)",
                    k + 1,
                    chunk.len(),
                    batch_start.elapsed().as_secs_f64()
                );
            }
        };
        if output.status.success() {
            report(0);
            continue;
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        for e in chunk {
            let dir = format!("{}/", e.crate_name);
            let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(&dir) && l.contains("error")).take(3).collect();
            if !lines.is_empty() {
                failures.push((e.crate_name.clone(), lines.join("\n")));
            }
        }
        if failures.len() == failed_before {
            failures.push(("(workspace)".into(), stderr.lines().filter(|l| l.contains("error")).take(5).collect::<Vec<_>>().join("\n")));
        }
        report(failures.len() - failed_before);
    }
    let _ = root;
    Ok(failures)
}
