//! `cargo xtask fuzz --coverage`: coverage-guided fuzzing with libFuzzer on
//! the stable toolchain.
//!
//! The `nimbus-fuzz` binaries are built with LLVM's SanitizerCoverage pass
//! (`-Cpasses=sancov-module` and its `-Cllvm-args`, both stable codegen
//! options) for the host target only, so build scripts and proc macros stay
//! uninstrumented; `libfuzzer-sys` links libFuzzer, which drives each target
//! from a work corpus: the committed regression set (`fuzz/corpus/<target>`)
//! plus, for the readers, slices of the corpus specs. With `save`, the run
//! is seeded only from inputs the project may commit (its fixtures and the
//! Google corpus, not the AWS models) and libFuzzer's merge adds what raised
//! coverage to the committed set.

use crate::fuzz::{Reader, Rng, seeds};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `cargo xtask fuzz --coverage` runs.
pub struct Options {
    /// Seconds of fuzzing per target.
    pub seconds: u64,
    /// Merge the inputs that raised coverage into `fuzz/corpus/`.
    pub save: bool,
    /// libFuzzer's seed and the seed of the corpus slicing.
    pub seed: u64,
}

/// One target's run.
pub struct Report {
    /// The target (binary and corpus folder name).
    pub target: String,
    /// Inputs executed.
    pub execs: u64,
    /// Coverage points (edges) reached, as libFuzzer counts them (`cov:`).
    pub edges: u64,
    /// Crashes (libFuzzer stops at the first and writes it under `target/fuzz/crashes/`).
    pub crashes: u64,
    /// Inputs in the work corpus at the end.
    pub corpus: u64,
}

/// The SanitizerCoverage instrumentation libFuzzer needs, as rustc flags:
/// inline 8-bit edge counters with their PC table, and comparison tracing
/// (libFuzzer learns the tokens the readers compare against).
const RUSTFLAGS: &str = "-Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cforce-frame-pointers=yes";

/// Builds the instrumented binaries, then fuzzes each target for
/// `opts.seconds`. `corpora` are the spec catalogs the reader seeds are
/// sliced from.
pub fn run(root: &Path, corpora: &[PathBuf], opts: &Options) -> Result<Vec<Report>, String> {
    let target_dir = root.join("target/fuzz-coverage");
    let triple = host_triple()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "nimbus-fuzz", "--features", "libfuzzer", "--bins", "--target", &triple, "--target-dir"])
        .arg(&target_dir)
        .env("RUSTFLAGS", RUSTFLAGS)
        .env("CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS", "true")
        .env("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "true")
        .current_dir(root)
        .status()
        .map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() {
        return Err("building the instrumented fuzz targets failed".into());
    }
    let bin_dir = target_dir.join(&triple).join("release");
    let crash_dir = root.join("target/fuzz/crashes");
    std::fs::create_dir_all(&crash_dir).map_err(|e| format!("{}: {e}", crash_dir.display()))?;
    let mut rng = Rng::new(opts.seed);
    let spec_seeds = seeds(root, corpora, 400, &mut rng)?;
    let mut reports = Vec::new();
    for target in targets(root)? {
        let target = target.as_str();
        let work = target_dir.join("work").join(target);
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
        let committed = root.join("fuzz/corpus").join(target);
        copy_dir(&committed, &work)?;
        let reader = match target {
            "smithy" => Some(Reader::Smithy),
            "discovery" => Some(Reader::Discovery),
            _ => None,
        };
        for (i, (_, bytes)) in spec_seeds.iter().filter(|(r, _)| Some(*r) == reader).enumerate() {
            let file = work.join(format!("slice-{i}.json"));
            std::fs::write(&file, bytes).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        let log = target_dir.join(format!("{target}.log"));
        let bin = bin_dir.join(target);
        let out = Command::new(&bin)
            .arg(&work)
            .arg(format!("-max_total_time={}", opts.seconds))
            .arg(format!("-seed={}", opts.seed % u64::from(u32::MAX)))
            .arg(format!("-artifact_prefix={}/{target}-", crash_dir.display()))
            .arg(format!("-max_len={}", max_len(target)))
            .args(["-print_final_stats=1", "-timeout=20", "-rss_limit_mb=4096"])
            .current_dir(root)
            .output()
            .map_err(|e| format!("running {}: {e}", bin.display()))?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        std::fs::write(&log, &stderr).map_err(|e| format!("{}: {e}", log.display()))?;
        // Every finding (panic, timeout, out-of-memory) is written as a test unit.
        let findings: Vec<&str> = stderr.lines().filter(|l| l.contains("Test unit written to")).collect();
        if !out.status.success() && findings.is_empty() {
            return Err(format!("the {target} fuzzer stopped ({}) without a finding; log: {}", out.status, log.display()));
        }
        for finding in &findings {
            println!("--- fuzz (coverage): {target}: {finding}; log: {}", log.display());
        }
        let report = Report {
            target: target.to_owned(),
            execs: stat(&stderr, "stat::number_of_executed_units:").unwrap_or(0),
            edges: last_number_after(&stderr, "cov: ").unwrap_or(0),
            crashes: findings.len() as u64,
            corpus: std::fs::read_dir(&work).map(|d| d.count() as u64).unwrap_or(0),
        };
        if opts.save && report.crashes == 0 {
            merge_into(&bin, target, &committed, &work)?;
        }
        reports.push(report);
    }
    Ok(reports)
}

/// The targets: one folder of `fuzz/corpus` per binary of `nimbus-fuzz`
/// (the regression test holds the library's list to the same folders).
fn targets(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("fuzz/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// The longest input a target is given: specs need room for a few shapes
/// or methods; a response body finds its paths in a kilobyte (and keeps the
/// committed corpus small).
fn max_len(target: &str) -> usize {
    if target == "decoders" { 1024 } else { 65536 }
}

/// The largest input `--save` commits: the regression set stays a few
/// hundred kilobytes per target (the fixtures themselves are kept whole).
const SAVE_MAX_BYTES: u64 = 8 * 1024;

/// libFuzzer's set-cover merge over edges only (not hit counts or
/// comparisons): adds to `committed` a small set of the inputs of `work`
/// (those up to [`SAVE_MAX_BYTES`]) that reach edges `committed` does not.
fn merge_into(bin: &Path, target: &str, committed: &Path, work: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(work).map_err(|e| format!("{}: {e}", work.display()))?.filter_map(|e| e.ok()) {
        if entry.metadata().is_ok_and(|m| m.len() > SAVE_MAX_BYTES) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let out = Command::new(bin)
        .args(["-set_cover_merge=1", "-use_counters=0", "-use_cmp=0"])
        .arg(format!("-max_len={}", max_len(target)))
        .arg(committed)
        .arg(work)
        .output()
        .map_err(|e| format!("running {}: {e}", bin.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("merging into {} failed:\n{}", committed.display(), String::from_utf8_lossy(&out.stderr)))
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| format!("{}: {e}", from.display()))?.path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, to.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn host_triple() -> Result<String, String> {
    let out = Command::new("rustc").arg("-vV").output().map_err(|e| format!("running rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| "rustc -vV printed no host triple".into())
}

/// The number on the line that starts with `key` (libFuzzer's final stats).
fn stat(log: &str, key: &str) -> Option<u64> {
    log.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().parse().ok())
}

/// The number after the last `key` in the log (libFuzzer's status lines).
fn last_number_after(log: &str, key: &str) -> Option<u64> {
    let at = log.rfind(key)? + key.len();
    log[at..].split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::{last_number_after, stat};

    #[test]
    fn reads_libfuzzers_final_lines() {
        let log = "#2\tINITED cov: 10 ft: 12 corp: 1/1b\n#900\tDONE   cov: 4321 ft: 9000 corp: 70/3Kb\n\
                   Done 900 runs in 2 second(s)\nstat::number_of_executed_units: 900\nstat::peak_rss_mb: 40\n";
        assert_eq!(stat(log, "stat::number_of_executed_units:"), Some(900));
        assert_eq!(last_number_after(log, "cov: "), Some(4321));
        assert_eq!(stat("", "stat::number_of_executed_units:"), None);
    }
}
