//! Build cost: the rustc wrapper that logs every rustc run (wall time, peak
//! memory), timed cargo builds, and the line counts of generated crates.

use super::*;

/// Rustc wrapper mode: run the real rustc (the first argument) with the
/// rest, then append `crate-name <TAB> peak RSS KiB <TAB> wall ms` to the log.
pub fn rustc_wrapper(log: &Path, args: &[String]) -> Result<i32, String> {
    let (rustc, rest) = args.split_first().ok_or("rustc wrapper: no rustc given")?;
    let start = Instant::now();
    let status = Command::new(rustc).args(rest).status().map_err(|e| format!("running {rustc}: {e}"))?;
    let wall = start.elapsed();
    if let Some(i) = rest.iter().position(|a| a == "--crate-name") {
        let name = rest.get(i + 1).cloned().unwrap_or_default();
        let line = format!("{name}\t{}\t{}\n", children_peak_rss_kib(), wall.as_millis());
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(|e| format!("{}: {e}", log.display()))?;
        // One write of a short line to an O_APPEND file: concurrent rustc
        // runs never interleave inside a line.
        file.write_all(line.as_bytes()).map_err(|e| format!("{}: {e}", log.display()))?;
    }
    Ok(status.code().unwrap_or(1))
}

/// Peak resident memory of the largest waited-for child, in KiB
/// (`getrusage(RUSAGE_CHILDREN)`): in wrapper mode, the one rustc.
#[allow(unsafe_code)]
pub(super) fn children_peak_rss_kib() -> u64 {
    #[repr(C)]
    struct Rusage {
        user_time: [i64; 2],
        system_time: [i64; 2],
        max_rss: i64,
        rest: [i64; 13],
    }
    unsafe extern "C" {
        fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    }
    const RUSAGE_CHILDREN: i32 = -1;
    let mut usage = Rusage { user_time: [0; 2], system_time: [0; 2], max_rss: 0, rest: [0; 13] };
    // SAFETY: `usage` has the layout of Linux's `struct rusage` on 64-bit
    // targets and is writable; getrusage only writes into it.
    let rc = unsafe { getrusage(RUSAGE_CHILDREN, &mut usage) };
    if rc == 0 { usage.max_rss.max(0) as u64 } else { 0 }
}

/// What the rustc wrapper logged for one build.
#[derive(Debug, Default, Clone)]
pub(super) struct RustcLog {
    /// (crate name, peak RSS KiB, wall ms) per rustc run.
    pub(super) runs: Vec<(String, u64, u64)>,
}

impl RustcLog {
    pub(super) fn read(path: &Path) -> RustcLog {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let runs = text
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?.to_owned(), f.next()?.parse().ok()?, f.next()?.parse().ok()?))
            })
            .collect();
        RustcLog { runs }
    }

    pub(super) fn units(&self) -> usize {
        self.runs.len()
    }

    pub(super) fn peak_rss_kib(&self) -> u64 {
        self.runs.iter().map(|r| r.1).max().unwrap_or(0)
    }

    /// The run of `krate` (its library), if it was compiled.
    pub(super) fn of(&self, krate: &str) -> Option<(u64, u64)> {
        self.runs.iter().filter(|r| r.0 == krate).map(|r| (r.1, r.2)).max_by_key(|r| r.1)
    }
}

pub(super) fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs cargo in `dir` with the rustc wrapper logging into `log`; returns
/// the wall time.
pub(super) fn timed_cargo(dir: &Path, args: &[&str], target_dir: &Path, log: Option<&Path>) -> Result<Duration, String> {
    let mut cmd = Command::new(cargo_bin());
    cmd.args(args).current_dir(dir);
    if args.first() != Some(&"fetch") {
        cmd.arg("--target-dir").arg(target_dir);
    }
    // Whatever the outer `cargo run` set must not leak into the measured build.
    for var in
        ["RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"]
    {
        cmd.env_remove(var);
    }
    if let Some(log) = log {
        let me = std::env::current_exe().map_err(|e| format!("locating xtask: {e}"))?;
        cmd.env("RUSTC_WRAPPER", me).env(RUSTC_LOG_ENV, log);
    }
    let start = Instant::now();
    let out = cmd.output().map_err(|e| format!("running cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo {} in {} failed:\n{}", args.join(" "), dir.display(), tail(&String::from_utf8_lossy(&out.stderr), 40)));
    }
    Ok(start.elapsed())
}

pub(super) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub(super) fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {e}", dir.display())),
        _ => Ok(()),
    }
}

/// Build cost of one user program.
#[derive(Debug, Clone)]
pub(super) struct BuildCost {
    pub(super) cold_debug: Duration,
    pub(super) debug_units: usize,
    pub(super) debug_peak_kib: u64,
    pub(super) incremental: Duration,
    pub(super) cold_release: Duration,
    pub(super) release_units: usize,
    pub(super) release_peak_kib: u64,
    pub(super) binary_bytes: u64,
    /// rustc runs of the debug build, for per-crate lookups.
    pub(super) debug_log: RustcLog,
}

pub(super) fn measure_build(dir: &Path, name: &str, with_debug: bool) -> Result<BuildCost, String> {
    let target = dir.join("target");
    remove_dir(&target)?;
    // Downloads are not part of the build: fetch first.
    timed_cargo(dir, &["fetch", "--quiet"], &target, None)?;
    let (mut cold_debug, mut incremental, mut debug_log) = (Duration::ZERO, Duration::ZERO, RustcLog::default());
    if with_debug {
        let log = dir.join("rustc-debug.log");
        let _ = std::fs::remove_file(&log);
        cold_debug = timed_cargo(dir, &["build", "--quiet"], &target, Some(&log))?;
        debug_log = RustcLog::read(&log);
        let main = dir.join("src/main.rs");
        let file = std::fs::File::options().append(true).open(&main).map_err(|e| format!("{}: {e}", main.display()))?;
        file.set_modified(std::time::SystemTime::now()).map_err(|e| format!("touching {}: {e}", main.display()))?;
        incremental = timed_cargo(dir, &["build", "--quiet"], &target, None)?;
    }
    let log = dir.join("rustc-release.log");
    let _ = std::fs::remove_file(&log);
    let cold_release = timed_cargo(dir, &["build", "--release", "--quiet"], &target, Some(&log))?;
    let release_log = RustcLog::read(&log);
    let binary = target.join("release").join(name);
    let binary_bytes = std::fs::metadata(&binary).map_err(|e| format!("{}: {e}", binary.display()))?.len();
    Ok(BuildCost {
        cold_debug,
        debug_units: debug_log.units(),
        debug_peak_kib: debug_log.peak_rss_kib(),
        incremental,
        cold_release,
        release_units: release_log.units(),
        release_peak_kib: release_log.peak_rss_kib(),
        binary_bytes,
        debug_log,
    })
}

/// Compile cost of one generated crate on its own.
#[derive(Debug, Clone)]
pub(super) struct CrateCost {
    pub(super) name: String,
    pub(super) operations: usize,
    pub(super) lines: usize,
    pub(super) rustc_wall: Duration,
    pub(super) rustc_peak_kib: u64,
    /// Wall time of `cargo build -p` with its dependencies already built.
    pub(super) cargo_wall: Duration,
}

pub(super) fn count_lines(dir: &Path) -> usize {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                total += count_lines(&p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                total += std::fs::read_to_string(&p).map(|t| t.lines().count()).unwrap_or(0);
            }
        }
    }
    total
}
