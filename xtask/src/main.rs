//! `cargo xtask`: see `cargo xtask help`.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;
use xtask::{CodegenOptions, codegen, materialise_all, project_root};

const HELP: &str = "\
cargo xtask <command> [options]

commands:
  specs    [--mirror DIR]                 materialise the pinned inputs (specs/manifest.toml)
  codegen  [--check] [--mirror DIR] [--crates-dir DIR] [ID..]
                                          regenerate the service crates (or check they are fresh);
                                          --crates-dir writes/checks a copy rooted elsewhere
  gen      FILE [--service ID] [--out DIR] generate a crate from any Smithy model or Discovery document
  build    [--mirror DIR]                 codegen, then build every crate of the workspace
  test     [--mirror DIR] [-- ARGS]       materialise the inputs, then run every test
  fuzz     [--mirror DIR] [--iterations N] [--seed S] [--jobs N]
                                          blind mutation fuzzing of the Smithy and Discovery readers (N
                                          executions each, default 1000000); crashes go to target/fuzz/crashes
  fuzz     --coverage [--seconds N] [--save] [--mirror DIR] [--seed S]
                                          coverage-guided (libFuzzer, stable toolchain): the readers with the
                                          emitters, and the response decoders, N seconds each (default 60);
                                          --save merges what raised coverage into fuzz/corpus (seeded only
                                          from committable inputs)
  protocol [--mirror DIR]                 run the AWS protocol compliance suites; one line per suite
  bench    [--mirror DIR] [--skip-catalog] [--reuse-builds] [--calls-scale F]
                                          build cost, binary size and CPU per call of user programs with our
                                          crates vs aws-sdk-athena and google-spanner1, codegen time, compile
                                          cost per crate; prints a table and writes BENCHMARKS.md (~20 min);
                                          `bench serve` only serves the canned responses (for profiling)
  catalog  [--mirror DIR] [--filter S] [--out DIR] [--jobs N] [--no-write] [--check-sample|--check-all]
                                          generate every AWS model and Google Discovery document of the
                                          corpora (default out: target/catalog; summary in summary.md)

A mirror is a directory laid out like ../shared (the default when present;
also $NIMBUS_SPEC_MIRROR). Without one, inputs are downloaded from their pinned URLs.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Invoked by cargo as the rustc wrapper of a `cargo xtask bench` build.
    if let Some(log) = std::env::var_os(xtask::bench::RUSTC_LOG_ENV) {
        return match xtask::bench::rustc_wrapper(std::path::Path::new(&log), &args) {
            Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let root = project_root();
    let Some((cmd, rest)) = args.split_first() else {
        println!("{HELP}");
        return Ok(());
    };
    let mut mirror = None;
    let mut check = false;
    let mut only = Vec::new();
    let mut passthrough = Vec::new();
    let mut service = None;
    let mut out = None;
    let mut crates_dir = None;
    let mut filter = None;
    let mut jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let mut write = true;
    let mut compile = None;
    let mut iterations: u64 = 1_000_000;
    let mut seed: u64 = 0x6e69_6d62_7573;
    let mut coverage = false;
    let mut seconds = None;
    let mut save = false;
    let mut bench = xtask::bench::Options { skip_catalog: false, calls_scale: 1.0, reuse_builds: false };
    let allowed = options_of(cmd)?;
    let mut iter = rest.iter();
    while let Some(a) = iter.next() {
        if a.starts_with('-') && !allowed.contains(&a.as_str()) {
            return Err(if KNOWN_OPTIONS.contains(&a.as_str()) {
                format!("`{cmd}` does not take `{a}`\n\n{HELP}")
            } else {
                format!("unknown option `{a}`\n\n{HELP}")
            });
        }
        match a.as_str() {
            "--mirror" => mirror = Some(PathBuf::from(iter.next().ok_or("--mirror needs a directory")?)),
            "--check" => check = true,
            "--service" => service = Some(iter.next().ok_or("--service needs a shape id")?.clone()),
            "--crates-dir" => crates_dir = Some(PathBuf::from(iter.next().ok_or("--crates-dir needs a directory")?)),
            "--out" => out = Some(PathBuf::from(iter.next().ok_or("--out needs a directory")?)),
            "--filter" => filter = Some(iter.next().ok_or("--filter needs a text")?.clone()),
            "--jobs" => jobs = iter.next().and_then(|j| j.parse().ok()).ok_or("--jobs needs a number")?,
            "--no-write" => write = false,
            "--check-sample" => compile = Some("sample"),
            "--iterations" => iterations = iter.next().and_then(|j| j.parse().ok()).ok_or("--iterations needs a number")?,
            "--seed" => seed = iter.next().and_then(|j| j.parse().ok()).ok_or("--seed needs a number")?,
            "--check-all" => compile = Some("all"),
            "--coverage" => coverage = true,
            "--seconds" => seconds = Some(iter.next().and_then(|j| j.parse().ok()).ok_or("--seconds needs a number")?),
            "--save" => save = true,
            "--skip-catalog" => bench.skip_catalog = true,
            "--reuse-builds" => bench.reuse_builds = true,
            "--calls-scale" => bench.calls_scale = iter.next().and_then(|j| j.parse().ok()).ok_or("--calls-scale needs a number")?,
            "--" => {
                passthrough.extend(iter.by_ref().cloned());
            }
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`\n\n{HELP}")),
            other => only.push(other.to_owned()),
        }
    }
    if !only.is_empty() && !matches!(cmd.as_str(), "codegen" | "gen" | "bench") {
        return Err(format!("`{cmd}` takes no arguments (got `{}`)\n\n{HELP}", only.join(" ")));
    }
    match cmd.as_str() {
        "specs" => {
            for (id, path) in materialise_all(&root, mirror.as_deref())? {
                println!("{id}: {}", path.strip_prefix(&root).unwrap_or(&path).display());
            }
            Ok(())
        }
        "codegen" => run_codegen(&root, CodegenOptions { only, check, mirror, crates_dir }),
        "gen" => {
            let [file] = only.as_slice() else { return Err(format!("gen takes one spec file\n\n{HELP}")) };
            let start = Instant::now();
            let (name, dir, ops, types) = xtask::generate_file(&root, std::path::Path::new(file), service.as_deref(), out.as_deref())?;
            println!(
                "{name}: {ops} operations, {types} Rust types -> {} ({:.1} ms)",
                dir.display(),
                start.elapsed().as_secs_f64() * 1000.0
            );
            Ok(())
        }
        "build" => {
            run_codegen(&root, CodegenOptions { only: Vec::new(), check: false, mirror, crates_dir: None })?;
            cargo(&root, &["build", "--workspace", "--all-targets"])
        }
        "test" => {
            materialise_all(&root, mirror.as_deref())?;
            let moto = xtask::ensure_moto(&root)?;
            let mut args = vec!["test".to_owned(), "--workspace".to_owned(), "--all-features".to_owned()];
            if !passthrough.is_empty() {
                args.push("--".into());
                args.extend(passthrough);
            }
            cargo_with_env(&root, &args.iter().map(String::as_str).collect::<Vec<_>>(), &[("NIMBUS_MOTO_SERVER", moto.as_os_str())])?;
            // The generated catalog: every spec through the generator, and a representative sample compiled.
            run_catalog(&root, mirror.as_deref(), None, None, jobs, true, Some("sample"))
        }
        "protocol" => {
            materialise_all(&root, mirror.as_deref())?;
            // Every crate the manifest generates with its compliance cases.
            let manifest = xtask::read_manifest(&root)?;
            let mut args: Vec<&str> = vec!["test", "--quiet"];
            for service in manifest.service.iter().filter(|s| s.protocol_tests) {
                args.extend(["-p", service.crate_name.as_str()]);
            }
            args.extend(["--", "--nocapture", "--test-threads=1"]);
            let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let out = Command::new(cargo_bin).args(&args).current_dir(&root).output().map_err(|e| format!("running cargo: {e}"))?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            for line in stdout.lines().map(|l| l.trim_start_matches('.')).filter(|l| l.contains(" tests: ") || l.starts_with("--- ")) {
                println!("{line}");
            }
            if out.status.success() {
                Ok(())
            } else {
                eprintln!("{}", String::from_utf8_lossy(&out.stderr));
                Err("protocol compliance suites failed".into())
            }
        }
        "bench" if only.first().map(String::as_str) == Some("serve") => xtask::bench::serve_forever(),
        "bench" => xtask::bench::run(&root, mirror.as_deref(), &bench),
        "fuzz" if !coverage => {
            if save || seconds.is_some() {
                return Err(format!("--seconds and --save belong to `fuzz --coverage`\n\n{HELP}"));
            }
            run_fuzz(&root, mirror.as_deref(), iterations, seed, jobs)
        }
        "fuzz" => {
            if rest.iter().any(|a| a == "--iterations" || a == "--jobs") {
                return Err(format!("--iterations and --jobs belong to blind `fuzz`, not `fuzz --coverage`\n\n{HELP}"));
            }
            run_fuzz_coverage(&root, mirror.as_deref(), xtask::coverage::Options { seconds: seconds.unwrap_or(60), save, seed })
        }
        "catalog" => run_catalog(&root, mirror.as_deref(), filter, out, jobs, write, compile),
        "help" | "--help" | "-h" => {
            println!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{HELP}")),
    }
}

/// Every option any command takes.
const KNOWN_OPTIONS: &[&str] = &[
    "--mirror",
    "--check",
    "--service",
    "--crates-dir",
    "--out",
    "--filter",
    "--jobs",
    "--no-write",
    "--check-sample",
    "--check-all",
    "--iterations",
    "--seed",
    "--skip-catalog",
    "--reuse-builds",
    "--calls-scale",
    "--coverage",
    "--seconds",
    "--save",
    "--",
];

/// The options `cmd` takes (as its line in `HELP` says); an unknown command
/// is an error.
fn options_of(cmd: &str) -> Result<&'static [&'static str], String> {
    Ok(match cmd {
        "specs" | "build" | "protocol" => &["--mirror"],
        "codegen" => &["--check", "--mirror", "--crates-dir"],
        "gen" => &["--service", "--out"],
        "test" => &["--mirror", "--"],
        "fuzz" => &["--mirror", "--iterations", "--seed", "--jobs", "--coverage", "--seconds", "--save"],
        "bench" => &["--mirror", "--skip-catalog", "--reuse-builds", "--calls-scale"],
        "catalog" => &["--mirror", "--filter", "--out", "--jobs", "--no-write", "--check-sample", "--check-all"],
        "help" | "--help" | "-h" => &[],
        other => return Err(format!("unknown command `{other}`\n\n{HELP}")),
    })
}

/// `cargo xtask catalog`: generate the corpora, write the summary, and
/// optionally `cargo check` a sample or all of the generated crates.
fn run_catalog(
    root: &std::path::Path,
    mirror: Option<&std::path::Path>,
    filter: Option<String>,
    out: Option<PathBuf>,
    jobs: usize,
    write: bool,
    compile: Option<&str>,
) -> Result<(), String> {
    let root = root.to_path_buf();
    let start = Instant::now();
    let dirs = vec![xtask::materialise_id(&root, "aws-corpus", mirror)?, xtask::materialise_id(&root, "google-corpus", mirror)?];
    let out = out.unwrap_or_else(|| root.join("target/catalog"));
    let opts = xtask::catalog::Options { dirs, filter, out: out.clone(), jobs, write };
    let gen_start = Instant::now();
    let results = xtask::catalog::run(&root, &opts, &|done, total, entry| {
        let width = 40;
        let filled = done * width / total.max(1);
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() || (done % 10 != 0 && done != total) {
            return;
        }
        eprint!("\r[{}{}] {done}/{total} {:<50.50}", "#".repeat(filled), " ".repeat(width - filled), entry.spec);
        if done == total {
            eprintln!();
        }
    })?;
    let wall = gen_start.elapsed();
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let summary = xtask::catalog::summary(&results, wall);
    let path = out.join("summary.md");
    std::fs::write(&path, &summary).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{}", summary.lines().take(4).collect::<Vec<_>>().join("\n"));
    for e in results.iter().filter(|e| matches!(e.status, xtask::catalog::Status::Error(_))).take(20) {
        if let xtask::catalog::Status::Error(m) = &e.status {
            println!("  error {}: {m}", e.spec);
        }
    }
    println!("summary: {} (total {:.1} s incl. materialising)", path.display(), start.elapsed().as_secs_f64());
    let errors = results.iter().filter(|e| matches!(e.status, xtask::catalog::Status::Error(_))).count();
    if errors > 0 {
        return Err(format!("{errors} spec(s) failed to generate"));
    }
    if let Some(which) = compile {
        let entries = match which {
            "sample" => xtask::catalog::sample(&results, 2),
            _ => results.iter().filter(|e| e.status == xtask::catalog::Status::Ok).cloned().collect(),
        };
        let check_start = Instant::now();
        let failures = xtask::catalog::check(&root, &out, &entries, &root.join("target/catalog-target"), 40)?;
        for (krate, why) in &failures {
            println!("--- catalog {which}: {krate} FAILED\n{why}");
        }
        println!(
            "catalog {which}: {} passed, {} failed ({:.0} s of cargo check)",
            entries.len() - failures.len().min(entries.len()),
            failures.len(),
            check_start.elapsed().as_secs_f64()
        );
        if !failures.is_empty() {
            return Err("generated crates failed to compile".into());
        }
    }
    Ok(())
}

/// `cargo xtask fuzz`: `iterations` executions per reader over mutated seeds.
fn run_fuzz(root: &std::path::Path, mirror: Option<&std::path::Path>, iterations: u64, seed: u64, jobs: usize) -> Result<(), String> {
    use xtask::fuzz::{Reader, Rng, execute, mutate, seeds};
    let corpora = vec![xtask::materialise_id(root, "aws-corpus", mirror)?, xtask::materialise_id(root, "google-corpus", mirror)?];
    let mut rng = Rng::new(seed);
    let all = seeds(root, &corpora, 400, &mut rng)?;
    let crash_dir = root.join("target/fuzz/crashes");
    std::fs::create_dir_all(&crash_dir).map_err(|e| format!("{}: {e}", crash_dir.display()))?;
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    for reader in [Reader::Smithy, Reader::Discovery] {
        let pool: Vec<&Vec<u8>> = all.iter().filter(|(r, _)| *r == reader).map(|(_, b)| b).collect();
        let start = Instant::now();
        let crashes = std::sync::Mutex::new(Vec::<(String, Vec<u8>)>::new());
        let jobs = jobs.max(1) as u64;
        std::thread::scope(|scope| {
            for j in 0..jobs {
                let pool = &pool;
                let crashes = &crashes;
                scope.spawn(move || {
                    let mut rng = Rng::new(seed ^ (j + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    for _ in 0..iterations / jobs {
                        let seed_input = pool[rng.below(pool.len())];
                        let input = mutate(seed_input, &mut rng);
                        if let Err(msg) = execute(reader, &input) {
                            crashes.lock().unwrap_or_else(|e| e.into_inner()).push((msg, input));
                        }
                    }
                });
            }
        });
        let crashes = crashes.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut distinct = std::collections::BTreeMap::new();
        for (msg, input) in crashes.iter() {
            distinct.entry(msg.clone()).or_insert_with(|| input.clone());
        }
        for (i, (msg, input)) in distinct.iter().enumerate() {
            let file = crash_dir.join(format!("{reader:?}-{i}.json").to_lowercase());
            let _ = std::fs::write(&file, input);
            println!("--- fuzz {reader:?}: crash `{msg}` -> {}", file.display());
        }
        let execs = iterations / jobs * jobs;
        let secs = start.elapsed().as_secs_f64();
        println!(
            "fuzz {}: {execs} executions, {} crashes ({} distinct), {:.0} exec/s, {} seeds",
            format!("{reader:?}").to_lowercase(),
            crashes.len(),
            distinct.len(),
            execs as f64 / secs.max(1e-9),
            pool.len()
        );
        failed |= !crashes.is_empty();
    }
    let _ = std::panic::take_hook();
    if failed { Err("the fuzzer found crashes".into()) } else { Ok(()) }
}

/// `cargo xtask fuzz --coverage`: one line per target; an error when any crashed.
fn run_fuzz_coverage(root: &std::path::Path, mirror: Option<&std::path::Path>, opts: xtask::coverage::Options) -> Result<(), String> {
    // The AWS models may not be committed, so a run that saves to fuzz/corpus slices only the Google corpus.
    let mut corpora = vec![xtask::materialise_id(root, "google-corpus", mirror)?];
    if !opts.save {
        corpora.push(xtask::materialise_id(root, "aws-corpus", mirror)?);
    }
    let reports = xtask::coverage::run(root, &corpora, &opts)?;
    for r in &reports {
        println!(
            "fuzz (coverage): {}: {} execs, {} edges, {} crashes ({} inputs in the work corpus)",
            r.target, r.execs, r.edges, r.crashes, r.corpus
        );
    }
    if reports.iter().any(|r| r.crashes > 0) { Err("the coverage-guided fuzzer found crashes".into()) } else { Ok(()) }
}

fn run_codegen(root: &std::path::Path, opts: CodegenOptions) -> Result<(), String> {
    let start = Instant::now();
    let check = opts.check;
    let report = codegen(root, &opts)?;
    let mut generator = std::time::Duration::ZERO;
    for g in &report.generated {
        generator += g.elapsed;
        let kind = if g.entry.format == "discovery" { ("methods", "schemas") } else { ("operations", "shapes") };
        println!(
            "{:<22} {:>3} {}, {:>3} {} -> {:>3} Rust types  {}  ({:.1} ms)",
            g.entry.id,
            g.operations,
            kind.0,
            g.spec_types,
            kind.1,
            g.rust_types,
            g.entry.crate_dir().display(),
            g.elapsed.as_secs_f64() * 1000.0
        );
    }
    println!("generator time {:.1} ms, total {:.1} ms", generator.as_secs_f64() * 1000.0, start.elapsed().as_secs_f64() * 1000.0);
    if check {
        if report.stale.is_empty() {
            println!("all generated files are up to date");
        } else {
            for s in &report.stale {
                eprintln!("stale: {}", s.strip_prefix(root).unwrap_or(s).display());
            }
            return Err(format!("{} generated file(s) are stale: run `cargo xtask codegen` and commit", report.stale.len()));
        }
    }
    Ok(())
}

fn cargo(root: &std::path::Path, args: &[&str]) -> Result<(), String> {
    cargo_with_env(root, args, &[])
}

fn cargo_with_env(root: &std::path::Path, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(args).current_dir(root);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.status().map_err(|e| format!("running cargo: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`cargo {}` failed", args.join(" "))) }
}
