//! `cargo xtask bench`: what our crates cost a user next to what they would
//! pick instead, measured side by side in one run.
//!
//! - Build cost of a user program: scratch programs under `target/bench/`
//!   (outside the workspace, so the anchors never become project
//!   dependencies) call the seed operations with our crates, with
//!   `aws-sdk-athena` + `aws-config`, and with `google-spanner1`. Each is
//!   built cold (debug and release) in its own target directory, then rebuilt
//!   after touching `main.rs`; a rustc wrapper (this binary) records every
//!   rustc run with its wall time and peak memory.
//! - Per-call CPU: the release binaries call one operation N times against a
//!   loopback server of this process answering canned responses; each program
//!   measures its own process CPU time and counts its allocations
//!   (`bench/harness.rs`). A hand-written reqwest + serde program is the floor.
//! - Codegen time of the three services and of the whole catalog.
//! - Compile cost of the generated crates themselves.
//!
//! The program sources live in `xtask/bench/`; the numbers go to the terminal
//! and to `BENCHMARKS.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Environment variable naming the log file of the rustc wrapper mode.
pub const RUSTC_LOG_ENV: &str = "NIMBUS_BENCH_RUSTC_LOG";

const HARNESS: &str = include_str!("../bench/harness.rs");

/// One scratch program.
struct Program {
    /// Directory and binary name.
    name: &'static str,
    source: &'static str,
    /// The `[dependencies]` section, given the project root.
    dependencies: fn(&Path) -> String,
    /// Measured for build cost (the floors are only built for per-call runs).
    build_bench: bool,
}

const TOKIO: &str = r#"tokio = { version = "1", default-features = false, features = ["macros", "rt"] }"#;
const FLOOR_DEPS: &str = r#"reqwest = { version = "0.12", default-features = false, features = ["rustls-tls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
"#;

fn programs() -> Vec<Program> {
    vec![
        Program {
            name: "athena-nimbus",
            source: include_str!("../bench/athena_nimbus.rs"),
            dependencies: |root| format!("nimbus-athena = {{ path = {:?} }}\n{TOKIO}\n", root.join("crates/nimbus-athena")),
            build_bench: true,
        },
        Program {
            name: "athena-aws-sdk",
            source: include_str!("../bench/athena_aws.rs"),
            dependencies: |_| format!("aws-config = \"1\"\naws-sdk-athena = \"1\"\n{TOKIO}\n"),
            build_bench: true,
        },
        Program {
            name: "athena-floor",
            source: include_str!("../bench/athena_reqwest.rs"),
            dependencies: |_| format!("{FLOOR_DEPS}{TOKIO}\n"),
            build_bench: false,
        },
        Program {
            name: "spanner-nimbus",
            source: include_str!("../bench/spanner_nimbus.rs"),
            dependencies: |root| format!("nimbus-spanner = {{ path = {:?} }}\n{TOKIO}\n", root.join("crates/nimbus-spanner")),
            build_bench: true,
        },
        Program {
            name: "spanner-google",
            source: include_str!("../bench/spanner_google.rs"),
            // google-spanner1 turns on HTTP/2 only; the loopback server speaks
            // HTTP/1.1, so the program enables hyper's HTTP/1 as well.
            dependencies: |_| {
                format!(
                    "google-spanner1 = \"7\"\nhyper-rustls = {{ version = \"0.27\", default-features = false, features = [\"http1\", \"http2\", \"native-tokio\", \"ring\", \"rustls-native-certs\"] }}\nhyper-util = {{ version = \"0.1\", features = [\"client-legacy\", \"http1\", \"tokio\"] }}\n{TOKIO}\n"
                )
            },
            build_bench: true,
        },
        Program {
            name: "spanner-floor",
            source: include_str!("../bench/spanner_reqwest.rs"),
            dependencies: |_| format!("{FLOOR_DEPS}{TOKIO}\n"),
            build_bench: false,
        },
    ]
}

fn bench_dir(root: &Path) -> PathBuf {
    root.join("target/bench")
}

/// Writes the program's Cargo.toml and sources (unchanged files keep their
/// modification time, so rebuilds stay incremental).
fn write_program(root: &Path, p: &Program) -> Result<PathBuf, String> {
    let dir = bench_dir(root).join(p.name);
    let manifest = format!(
        "# Written by `cargo xtask bench`: a user program outside the nimbus workspace.\n\
         [package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{}\n\
         [profile.release]\nstrip = true\n\n\
         # Its own workspace, never a member of the project's.\n[workspace]\n",
        p.name,
        (p.dependencies)(root)
    );
    for (path, text) in
        [(dir.join("Cargo.toml"), manifest.as_str()), (dir.join("src/main.rs"), p.source), (dir.join("src/harness.rs"), HARNESS)]
    {
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::create_dir_all(path.parent().unwrap_or(&dir)).map_err(|e| format!("{}: {e}", dir.display()))?;
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(dir)
}

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
fn children_peak_rss_kib() -> u64 {
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
struct RustcLog {
    /// (crate name, peak RSS KiB, wall ms) per rustc run.
    runs: Vec<(String, u64, u64)>,
}

impl RustcLog {
    fn read(path: &Path) -> RustcLog {
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

    fn units(&self) -> usize {
        self.runs.len()
    }

    fn peak_rss_kib(&self) -> u64 {
        self.runs.iter().map(|r| r.1).max().unwrap_or(0)
    }

    /// The run of `krate` (its library), if it was compiled.
    fn of(&self, krate: &str) -> Option<(u64, u64)> {
        self.runs.iter().filter(|r| r.0 == krate).map(|r| (r.1, r.2)).max_by_key(|r| r.1)
    }
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs cargo in `dir` with the rustc wrapper logging into `log`; returns
/// the wall time.
fn timed_cargo(dir: &Path, args: &[&str], target_dir: &Path, log: Option<&Path>) -> Result<Duration, String> {
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

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {e}", dir.display())),
        _ => Ok(()),
    }
}

/// Build cost of one user program.
#[derive(Debug, Clone)]
struct BuildCost {
    cold_debug: Duration,
    debug_units: usize,
    debug_peak_kib: u64,
    incremental: Duration,
    cold_release: Duration,
    release_units: usize,
    release_peak_kib: u64,
    binary_bytes: u64,
    /// rustc runs of the debug build, for per-crate lookups.
    debug_log: RustcLog,
}

fn measure_build(dir: &Path, name: &str, with_debug: bool) -> Result<BuildCost, String> {
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

/// Canned responses of the loopback server.
struct Canned {
    /// Key (`AmazonAthena.GetSession`, `spanner:GetSession`, ...) -> body.
    bodies: BTreeMap<String, Vec<u8>>,
}

const ATHENA_ROWS: usize = 1000;
const ATHENA_COLUMNS: usize = 8;
const SPANNER_ROWS: usize = 10_000;
const SPANNER_COLUMNS: usize = 5;
const SPANNER_SESSION: &str = "projects/p/instances/i/databases/d/sessions/s-1";

fn canned() -> Canned {
    use serde_json::json;
    let mut bodies = BTreeMap::new();
    let session = json!({
        "SessionId": "s-1",
        "Description": "benchmark session",
        "WorkGroup": "primary",
        "EngineVersion": "PySpark engine version 3",
        "EngineConfiguration": {"CoordinatorDpuSize": 1, "MaxConcurrentDpus": 20, "DefaultExecutorDpuSize": 1,
            "AdditionalConfigs": {"NotebookId": "n-1"}, "SparkProperties": {"spark.executor.memory": "4g"}},
        "NotebookVersion": "Athena notebook version 1",
        "SessionConfiguration": {"ExecutionRole": "arn:aws:iam::123456789012:role/bench", "WorkingDirectory": "s3://bench/work/",
            "IdleTimeoutSeconds": 600, "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"}},
        "Status": {"StartDateTime": 1732406400.123, "LastModifiedDateTime": 1732406460.5, "State": "IDLE", "StateChangeReason": "ready"},
        "Statistics": {"DpuExecutionInMillis": 123456}
    });
    bodies.insert("AmazonAthena.GetSession".into(), session.to_string().into_bytes());
    let work_group = json!({"WorkGroup": {
        "Name": "primary",
        "State": "ENABLED",
        "Configuration": {
            "ResultConfiguration": {"OutputLocation": "s3://bench/results/", "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": "arn:aws:kms:us-east-1:123456789012:key/k"}},
            "EnforceWorkGroupConfiguration": true,
            "PublishCloudWatchMetricsEnabled": true,
            "BytesScannedCutoffPerQuery": 10_000_000_000u64,
            "RequesterPaysEnabled": false,
            "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}
        },
        "Description": "the default work group",
        "CreationTime": 1700000000.0
    }});
    bodies.insert("AmazonAthena.GetWorkGroup".into(), work_group.to_string().into_bytes());
    let columns: Vec<_> = (0..ATHENA_COLUMNS)
        .map(|c| {
            json!({"CatalogName": "hive", "SchemaName": "bench", "TableName": "events", "Name": format!("col{c}"),
                "Label": format!("col{c}"), "Type": "varchar", "Precision": 2147483647, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": true})
        })
        .collect();
    let rows: Vec<_> = (0..ATHENA_ROWS)
        .map(|r| json!({"Data": (0..ATHENA_COLUMNS).map(|c| json!({"VarCharValue": format!("value {r}-{c}")})).collect::<Vec<_>>()}))
        .collect();
    let results = json!({"UpdateCount": 0, "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": columns}}});
    bodies.insert("AmazonAthena.GetQueryResults".into(), results.to_string().into_bytes());
    let spanner_session = json!({"name": SPANNER_SESSION, "labels": {"env": "bench"}, "createTime": "2026-11-24T10:00:00.123456Z",
        "approximateLastUseTime": "2026-11-24T10:05:00Z", "creatorRole": "reader", "multiplexed": false});
    bodies.insert("spanner:GetSession".into(), spanner_session.to_string().into_bytes());
    let fields = [("SingerId", "INT64"), ("Name", "STRING"), ("Score", "FLOAT64"), ("Active", "BOOL"), ("Updated", "TIMESTAMP")];
    let row_type: Vec<_> = fields.iter().map(|(n, t)| json!({"name": n, "type": {"code": t}})).collect();
    let rows: Vec<_> = (0..SPANNER_ROWS)
        .map(|i| json!([i.to_string(), format!("Singer {i}"), i as f64 * 0.5, i % 2 == 0, "2026-11-24T10:00:00.000001Z"]))
        .collect();
    let result_set = json!({"metadata": {"rowType": {"fields": row_type}}, "rows": rows});
    bodies.insert("spanner:ExecuteSql".into(), result_set.to_string().into_bytes());
    Canned { bodies }
}

/// A loopback HTTP/1.1 server (keep-alive, one thread per connection)
/// answering every request from the canned bodies.
fn start_server(canned: Canned) -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding the loopback server: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let canned = Arc::new(canned);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let canned = canned.clone();
            std::thread::spawn(move || serve(stream, &canned));
        }
    });
    Ok(format!("http://{addr}"))
}

fn serve(stream: TcpStream, canned: &Canned) {
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else { return };
    let mut writer = std::io::BufWriter::new(write_half);
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let (mut length, mut chunked, mut target) = (0usize, false, None);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.parse().unwrap_or(0),
                    "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                    "x-amz-target" => target = Some(value.to_owned()),
                    _ => {}
                }
            }
        }
        if !read_body(&mut reader, length, chunked) {
            return;
        }
        let key = match target {
            Some(t) => t,
            None if path.contains(":executeSql") => "spanner:ExecuteSql".into(),
            None => "spanner:GetSession".into(),
        };
        let (status, body, content_type) = match canned.bodies.get(&key) {
            Some(b) if key.starts_with("spanner:") => ("200 OK", b.as_slice(), "application/json; charset=UTF-8"),
            Some(b) => ("200 OK", b.as_slice(), "application/x-amz-json-1.1"),
            None => ("404 Not Found", &b"{\"message\":\"no canned response\"}"[..], "application/json"),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-amzn-requestid: bench-request\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).and_then(|_| writer.write_all(body)).and_then(|_| writer.flush()).is_err() {
            return;
        }
    }
}

/// Reads (and drops) a request body; false when the connection broke.
fn read_body(reader: &mut BufReader<TcpStream>, length: usize, chunked: bool) -> bool {
    if !chunked {
        return std::io::copy(&mut reader.by_ref().take(length as u64), &mut std::io::sink()).is_ok();
    }
    loop {
        let mut size_line = String::new();
        if reader.read_line(&mut size_line).unwrap_or(0) == 0 {
            return false;
        }
        let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        // The chunk and its CRLF (or, for the last chunk, the final CRLF).
        if std::io::copy(&mut reader.by_ref().take(size as u64 + 2), &mut std::io::sink()).is_err() {
            return false;
        }
        if size == 0 {
            return true;
        }
    }
}

/// One per-call measurement: CPU time and allocations (the best of the
/// repetitions) and, when valgrind is installed, instructions per call.
#[derive(Debug, Clone, Copy, Default)]
struct CallCost {
    cpu_us: f64,
    allocations: f64,
    allocated_kib: f64,
    instructions: Option<f64>,
}

/// One operation measured with every client.
#[derive(Debug, Clone)]
struct CallRow {
    service: &'static str,
    operation: &'static str,
    ours: CallCost,
    /// Ours configured like the floor: unsigned for Athena (the floor does
    /// not sign); for Spanner both send the same bearer token, so it is `ours`.
    ours_like_floor: CallCost,
    anchor: CallCost,
    floor: CallCost,
}

impl CallRow {
    fn vs_anchor(&self) -> f64 {
        self.ours.cpu_us / self.anchor.cpu_us
    }

    fn vs_floor(&self) -> f64 {
        self.ours_like_floor.cpu_us / self.floor.cpu_us
    }

    fn instructions_vs(a: CallCost, b: CallCost) -> Option<f64> {
        Some(a.instructions? / b.instructions?)
    }
}

/// Runs per client; the clients of one operation take turns, so a slow
/// moment of the machine hits all of them, and the median is kept.
const REPETITIONS: usize = 11;

/// The bench-mode command line of a program.
fn bench_command(binary: &Path, endpoint: &str, operation: &str, calls: u64, unsigned: bool) -> Vec<String> {
    let mut args = vec![binary.display().to_string(), "bench".into(), endpoint.into(), operation.into(), calls.to_string()];
    if unsigned {
        args.push("unsigned".into());
    }
    args
}

/// One run of a program in bench mode.
fn run_once(binary: &Path, endpoint: &str, operation: &str, calls: u64, unsigned: bool, expected: usize) -> Result<CallCost, String> {
    let command = bench_command(binary, endpoint, operation, calls, unsigned);
    let out = Command::new(&command[0]).args(&command[1..]).output().map_err(|e| format!("running {}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!("{} {operation} failed: {}", binary.display(), String::from_utf8_lossy(&out.stderr).trim()));
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(line.trim()).map_err(|e| format!("{} printed {line:?}: {e}", binary.display()))?;
    let number = |k: &str| v.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
    let check = number("check") as usize;
    if check != expected {
        return Err(format!(
            "{} {operation}: decoded {check}, expected {expected}: the client did not decode the response",
            binary.display()
        ));
    }
    let n = calls as f64;
    Ok(CallCost {
        cpu_us: number("cpu_ns") / n / 1000.0,
        allocations: number("allocations") / n,
        allocated_kib: number("allocated_bytes") / n / 1024.0,
        instructions: None,
    })
}

/// Measures every client of one operation: `clients` are (binary, unsigned).
fn measure_clients(
    clients: &[(PathBuf, bool)],
    endpoint: &str,
    operation: &str,
    calls: u64,
    expected: usize,
) -> Result<Vec<CallCost>, String> {
    let mut samples: Vec<Vec<CallCost>> = vec![Vec::new(); clients.len()];
    for _ in 0..REPETITIONS {
        for ((binary, unsigned), runs) in clients.iter().zip(&mut samples) {
            runs.push(run_once(binary, endpoint, operation, calls, *unsigned, expected)?);
        }
    }
    let mut out = Vec::new();
    for ((binary, unsigned), mut runs) in clients.iter().zip(samples) {
        runs.sort_by(|a, b| a.cpu_us.total_cmp(&b.cpu_us));
        let mut median = runs[runs.len() / 2];
        median.instructions = instructions_per_call(binary, endpoint, operation, calls, *unsigned);
        out.push(median);
    }
    Ok(out)
}

/// Instructions per call, counted by callgrind (repeatable whatever else
/// the machine does): the program runs with `n` and `2n` calls and the
/// difference is divided by the difference in calls made (warm-up included,
/// see `harness.rs`). `None` without valgrind.
fn instructions_per_call(binary: &Path, endpoint: &str, operation: &str, calls: u64, unsigned: bool) -> Option<f64> {
    let n = (calls / 20).max(2);
    let made = |c: u64| c + (c / 10).clamp(1, 50);
    let count = |c: u64| -> Option<f64> {
        let command = bench_command(binary, endpoint, operation, c, unsigned);
        let out = Command::new("valgrind").args(["--tool=callgrind", "--callgrind-out-file=/dev/null"]).args(&command).output().ok()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let collected = stderr.lines().find_map(|l| l.split("Collected :").nth(1))?;
        collected.trim().replace(',', "").parse().ok()
    };
    let (one, two) = (count(n)?, count(2 * n)?);
    Some((two - one) / (made(2 * n) - made(n)) as f64)
}

/// Compile cost of one generated crate on its own.
#[derive(Debug, Clone)]
struct CrateCost {
    name: String,
    operations: usize,
    lines: usize,
    rustc_wall: Duration,
    rustc_peak_kib: u64,
    /// Wall time of `cargo build -p` with its dependencies already built.
    cargo_wall: Duration,
}

fn count_lines(dir: &Path) -> usize {
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

/// Everything one run measured.
struct Report {
    builds: BTreeMap<&'static str, BuildCost>,
    calls: Vec<CallRow>,
    codegen_three: Duration,
    codegen_three_generator: Duration,
    catalog: Option<(Duration, usize)>,
    crates: Vec<CrateCost>,
    versions: BTreeMap<String, String>,
}

/// Options of `cargo xtask bench`.
#[derive(Debug, Default)]
pub struct Options {
    /// Skip the full-catalog codegen timing.
    pub skip_catalog: bool,
    /// Multiply the default call counts (1 = default).
    pub calls_scale: f64,
    /// Reuse the release binaries of an earlier run instead of measuring
    /// builds (for working on the per-call part); the report then goes to
    /// `target/bench/partial.md`, not `BENCHMARKS.md`.
    pub reuse_builds: bool,
}

/// Serves the canned responses on a loopback port until killed (for
/// profiling a program by hand: `<program> bench <endpoint> <op> <calls>`).
pub fn serve_forever() -> Result<(), String> {
    let endpoint = start_server(canned())?;
    println!("{endpoint}");
    loop {
        std::thread::park();
    }
}

/// Runs every benchmark, prints the table and writes `BENCHMARKS.md`.
pub fn run(root: &Path, mirror: Option<&Path>, opts: &Options) -> Result<(), String> {
    let total = Instant::now();
    let mut report = Report {
        builds: BTreeMap::new(),
        calls: Vec::new(),
        codegen_three: Duration::ZERO,
        codegen_three_generator: Duration::ZERO,
        catalog: None,
        crates: Vec::new(),
        versions: BTreeMap::new(),
    };

    // 3. Codegen time (first: it needs the inputs, which the builds do not).
    crate::materialise_all(root, mirror)?;
    let only = vec!["athena".to_owned(), "workspacesweb".to_owned(), "spanner".to_owned()];
    let start = Instant::now();
    let generated =
        crate::codegen(root, &crate::CodegenOptions { only, check: true, mirror: mirror.map(Path::to_path_buf), crates_dir: None })?;
    report.codegen_three = start.elapsed();
    report.codegen_three_generator = generated.generated.iter().map(|g| g.elapsed).sum();
    println!("codegen: 3 services in {:.0} ms ({:.0} ms in the generator)", ms(report.codegen_three), ms(report.codegen_three_generator));
    if !opts.skip_catalog {
        let dirs = vec![crate::materialise_id(root, "aws-corpus", mirror)?, crate::materialise_id(root, "google-corpus", mirror)?];
        let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let catalog_opts = crate::catalog::Options { dirs, filter: None, out: bench_dir(root).join("catalog"), jobs, write: false };
        let start = Instant::now();
        let results = crate::catalog::run(root, &catalog_opts, &|_, _, _| {})?;
        report.catalog = Some((start.elapsed(), results.len()));
        println!("codegen: catalog of {} specs in {:.1} s", results.len(), start.elapsed().as_secs_f64());
    }

    // 1. Build cost of the user programs.
    let programs = programs();
    let mut dirs = BTreeMap::new();
    for p in &programs {
        dirs.insert(p.name, write_program(root, p)?);
    }
    for p in programs.iter().filter(|_| !opts.reuse_builds) {
        let dir = &dirs[p.name];
        eprintln!("bench: building {} ...", p.name);
        let cost = measure_build(dir, p.name, p.build_bench)?;
        if p.build_bench {
            println!(
                "build {:<16} cold debug {:>6.1} s ({} rustc runs, peak {} MiB), touch main.rs {:>5.1} s, cold release {:>6.1} s ({} runs, peak {} MiB), binary {:.2} MiB",
                p.name,
                cost.cold_debug.as_secs_f64(),
                cost.debug_units,
                cost.debug_peak_kib / 1024,
                cost.incremental.as_secs_f64(),
                cost.cold_release.as_secs_f64(),
                cost.release_units,
                cost.release_peak_kib / 1024,
                cost.binary_bytes as f64 / 1048576.0
            );
        }
        report.builds.insert(p.name, cost);
        report.versions.extend(locked_versions(dir));
    }

    // 2. Per-call CPU against the loopback server.
    let endpoint = start_server(canned())?;
    let scale = if opts.calls_scale > 0.0 { opts.calls_scale } else { 1.0 };
    // (operation, calls, what a client decoding the response reports: see harness.rs)
    let athena_cases: [(&'static str, u64, usize); 3] = [
        ("GetSession", 2000, "s-1".len()),
        ("GetWorkGroup", 2000, "primary".len()),
        ("GetQueryResults", 100, ATHENA_ROWS * ATHENA_COLUMNS),
    ];
    let spanner_cases: [(&'static str, u64, usize); 2] =
        [("GetSession", 2000, SPANNER_SESSION.len()), ("ExecuteSql", 20, SPANNER_ROWS * SPANNER_COLUMNS)];
    // (service, its cases, [our program, the anchor, the floor])
    type Cases<'a> = &'a [(&'static str, u64, usize)];
    let service_cases: [(&'static str, Cases, [&'static str; 3]); 2] = [
        ("Athena", &athena_cases, ["athena-nimbus", "athena-aws-sdk", "athena-floor"]),
        ("Spanner", &spanner_cases, ["spanner-nimbus", "spanner-google", "spanner-floor"]),
    ];
    for (service, cases, [ours, anchor, floor]) in service_cases {
        for &(op, calls, expected) in cases {
            let calls = ((calls as f64 * scale).round() as u64).max(1);
            let bin = |name: &str| dirs[name].join("target/release").join(name);
            let like_floor = service == "Athena";
            let mut clients = vec![(bin(ours), false), (bin(anchor), false), (bin(floor), false)];
            if like_floor {
                clients.push((bin(ours), true));
            }
            let costs = measure_clients(&clients, &endpoint, op, calls, expected)?;
            let row = CallRow {
                service,
                operation: op,
                ours: costs[0],
                anchor: costs[1],
                floor: costs[2],
                ours_like_floor: if like_floor { costs[3] } else { costs[0] },
            };
            println!(
                "call  {service} {op:<16} ours {:>8.1} us, anchor {:>8.1} us, floor {:>8.1} us; ours/anchor {:.2} (instructions {}), ours/floor {:.2} (instructions {})",
                row.ours.cpu_us,
                row.anchor.cpu_us,
                row.floor.cpu_us,
                row.vs_anchor(),
                ratio_text(CallRow::instructions_vs(row.ours, row.anchor)),
                row.vs_floor(),
                ratio_text(CallRow::instructions_vs(row.ours_like_floor, row.floor)),
            );
            report.calls.push(row);
        }
    }

    // 4. Compile cost of the generated crates themselves: the runtime first
    // (with its dependencies), then each service crate alone on top.
    let target = bench_dir(root).join("workspace-target");
    remove_dir(&target)?;
    let log = bench_dir(root).join("rustc-crates.log");
    let _ = std::fs::remove_file(&log);
    timed_cargo(root, &["build", "--quiet", "-p", "nimbus-aws", "-p", "nimbus-google"], &target, Some(&log))?;
    for g in &generated.generated {
        let krate = g.entry.crate_name.clone();
        let _ = std::fs::remove_file(&log);
        let wall = timed_cargo(root, &["build", "--quiet", "-p", &krate], &target, Some(&log))?;
        let runs = RustcLog::read(&log);
        let (peak, ms) = runs.of(&krate.replace('-', "_")).unwrap_or_default();
        let lines = count_lines(&root.join(g.entry.crate_dir()).join("src"));
        println!(
            "crate {krate:<22} {:>3} operations, {:>6} lines ({:.0}/operation), rustc {:.1} s, peak {} MiB",
            g.operations,
            lines,
            lines as f64 / g.operations.max(1) as f64,
            ms as f64 / 1000.0,
            peak / 1024
        );
        report.crates.push(CrateCost {
            name: krate,
            operations: g.operations,
            lines,
            rustc_wall: Duration::from_millis(ms),
            rustc_peak_kib: peak,
            cargo_wall: wall,
        });
    }

    let markdown = render(&report, total.elapsed());
    let path = if opts.reuse_builds || opts.skip_catalog { bench_dir(root).join("partial.md") } else { root.join("BENCHMARKS.md") };
    std::fs::write(&path, &markdown).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("\n{}", summary_table(&report));
    println!("wrote {} ({:.0} s in all)", path.display(), total.elapsed().as_secs_f64());
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Versions of the interesting packages in a program's Cargo.lock.
fn locked_versions(dir: &Path) -> BTreeMap<String, String> {
    let wanted = [
        "aws-sdk-athena",
        "aws-config",
        "aws-smithy-runtime",
        "google-spanner1",
        "google-apis-common",
        "reqwest",
        "hyper",
        "tokio",
        "serde_json",
    ];
    let text = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take())
            && wanted.contains(&n.as_str())
        {
            out.insert(n, v.trim_matches('"').to_owned());
        }
    }
    out
}

/// A target and how the run did against it.
struct Target {
    what: &'static str,
    bound: String,
    measured: f64,
    /// The same ratio in instructions (per-call targets, with valgrind).
    instructions: Option<f64>,
    limit: f64,
}

fn ratio_text(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"))
}

fn targets(r: &Report) -> Vec<Target> {
    let mut out = Vec::new();
    if let (Some(ours), Some(aws)) = (r.builds.get("athena-nimbus"), r.builds.get("athena-aws-sdk")) {
        out.push(Target {
            what: "Athena program, cold debug build",
            bound: "<= 0.5x aws-sdk-athena".into(),
            measured: ours.cold_debug.as_secs_f64() / aws.cold_debug.as_secs_f64(),
            instructions: None,
            limit: 0.5,
        });
        out.push(Target {
            what: "Athena program, release binary",
            bound: "<= 0.5x aws-sdk-athena".into(),
            measured: ours.binary_bytes as f64 / aws.binary_bytes as f64,
            instructions: None,
            limit: 0.5,
        });
    }
    for row in r.calls.iter().filter(|c| c.service == "Athena") {
        out.push(Target {
            what: leak(format!("{} {}, CPU per call vs anchor", row.service, row.operation)),
            bound: "<= 0.5x aws-sdk-athena".into(),
            measured: row.vs_anchor(),
            instructions: CallRow::instructions_vs(row.ours, row.anchor),
            limit: 0.5,
        });
    }
    for row in &r.calls {
        out.push(Target {
            what: leak(format!("{} {}, CPU per call vs raw reqwest", row.service, row.operation)),
            bound: "<= 1.2x floor".into(),
            measured: row.vs_floor(),
            instructions: CallRow::instructions_vs(row.ours_like_floor, row.floor),
            limit: 1.2,
        });
    }
    out.push(Target {
        what: "codegen, three services (s)",
        bound: "< 1 s".into(),
        measured: r.codegen_three.as_secs_f64(),
        instructions: None,
        limit: 1.0,
    });
    out
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn summary_table(r: &Report) -> String {
    let mut out = String::from("| target | bound | measured | same ratio in instructions | |\n|---|---|---|---|---|\n");
    for t in targets(r) {
        let ok = if t.measured <= t.limit { "met" } else { "missed" };
        let _ = writeln!(out, "| {} | {} | {:.2} | {} | {ok} |", t.what, t.bound, t.measured, ratio_text(t.instructions));
    }
    out
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()));
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 =
        meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0);
    let rustc = Command::new("rustc").arg("-V").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default();
    format!("{cores} cores ({}), {:.0} GiB RAM, {rustc}", model.unwrap_or_else(|| "unknown CPU".into()), mem_kib as f64 / 1048576.0)
}

fn render(r: &Report, elapsed: Duration) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench` ({:.0} min on the machine below; not part of the test run). \
         Every number in this file comes from that one run; ratios are ours / theirs, lower is better.\n",
        elapsed.as_secs_f64() / 60.0
    );
    let _ = writeln!(md, "Machine: {}.\n", machine());
    let versions: Vec<String> = r.versions.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(md, "Versions resolved by the scratch programs: {}.\n", versions.join(", "));
    let _ = writeln!(md, "## Targets\n\n{}", summary_table(r));

    let _ = writeln!(md, "## 1. Build cost of a user program\n");
    let _ = writeln!(
        md,
        "Scratch programs in `target/bench/<name>/` (sources in `xtask/bench/`), each its own workspace with its own \
         target directory, calling the seed operation (and the per-call operations below). Dependencies are fetched \
         before timing. \"rustc runs\" counts every compiled unit (crates and build scripts); peak memory is the \
         largest single rustc. Release binaries are stripped (`strip = true`).\n"
    );
    let _ = writeln!(md, "| program | cold debug | rustc runs | peak rustc | touch main.rs | cold release | peak rustc | binary |");
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for (name, b) in r.builds.iter().filter(|(n, _)| !n.ends_with("floor")) {
        let _ = writeln!(
            md,
            "| {name} | {:.1} s | {} | {} MiB | {:.2} s | {:.1} s | {} MiB | {:.2} MiB |",
            b.cold_debug.as_secs_f64(),
            b.debug_units,
            b.debug_peak_kib / 1024,
            b.incremental.as_secs_f64(),
            b.cold_release.as_secs_f64(),
            b.release_peak_kib / 1024,
            b.binary_bytes as f64 / 1048576.0
        );
    }
    let _ = writeln!(md);
    for (ours, anchor) in [("athena-nimbus", "athena-aws-sdk"), ("spanner-nimbus", "spanner-google")] {
        if let (Some(a), Some(b)) = (r.builds.get(ours), r.builds.get(anchor)) {
            let _ = writeln!(
                md,
                "- {ours} / {anchor}: cold debug {:.2}x, rustc runs {:.2}x, peak rustc {:.2}x, touch main.rs {:.2}x, cold release {:.2}x, binary {:.2}x",
                a.cold_debug.as_secs_f64() / b.cold_debug.as_secs_f64(),
                a.debug_units as f64 / b.debug_units.max(1) as f64,
                a.debug_peak_kib as f64 / b.debug_peak_kib.max(1) as f64,
                a.incremental.as_secs_f64() / b.incremental.as_secs_f64(),
                a.cold_release.as_secs_f64() / b.cold_release.as_secs_f64(),
                a.binary_bytes as f64 / b.binary_bytes.max(1) as f64
            );
        }
    }
    let _ = writeln!(md, "\nThe service crate's own rustc run inside the cold debug build:\n");
    for (program, krate) in [
        ("athena-nimbus", "nimbus_athena"),
        ("athena-aws-sdk", "aws_sdk_athena"),
        ("spanner-nimbus", "nimbus_spanner"),
        ("spanner-google", "google_spanner1"),
    ] {
        if let Some((peak, ms)) = r.builds.get(program).and_then(|b| b.debug_log.of(krate)) {
            let _ = writeln!(md, "- `{krate}`: {:.1} s, peak {} MiB", ms as f64 / 1000.0, peak / 1024);
        }
    }

    let _ = writeln!(md, "\n## 2. CPU per call\n");
    let _ = writeln!(
        md,
        "Release binaries call the operation N times in sequence (after a warm-up) on a current-thread Tokio runtime \
         against a loopback HTTP/1.1 server in the `xtask` process answering canned responses; each program reads its \
         own process CPU clock and counts its allocations with a counting global allocator; median of {REPETITIONS} runs, \
         the clients of an operation taking turns. \
         Instructions per call come from callgrind (the difference between runs of n and 2n calls), which does not \
         depend on what else the machine is doing; on a shared 2-core VM the CPU times wander by 10-30 % between runs. \
         \"ours\" and the anchor sign requests (SigV4 with static credentials; Spanner: a bearer token); the floor \
         is a hand-written reqwest + serde call decoding only the fields read. For Athena the floor does not sign, so \
         it is compared with ours unsigned (`no_credentials()`); for Spanner all three send the same bearer token. Athena GetQueryResults returns {ATHENA_ROWS} rows x {ATHENA_COLUMNS} columns; \
         Spanner executeSql {SPANNER_ROWS} rows x {SPANNER_COLUMNS} columns.\n"
    );
    let _ = writeln!(
        md,
        "| call | ours | ours like the floor | anchor | floor | ours/anchor | ours/floor | instructions ours / anchor / floor | allocations (KiB) ours / anchor / floor |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    let k = |c: CallCost| c.instructions.map_or_else(|| "n/a".to_owned(), |i| format!("{:.0}k", i / 1000.0));
    for row in &r.calls {
        let _ = writeln!(
            md,
            "| {} {} | {:.1} us | {:.1} us | {:.1} us | {:.1} us | {:.2} | {:.2} | {} / {} / {} | {:.0} ({:.0}) / {:.0} ({:.0}) / {:.0} ({:.0}) |",
            row.service,
            row.operation,
            row.ours.cpu_us,
            row.ours_like_floor.cpu_us,
            row.anchor.cpu_us,
            row.floor.cpu_us,
            row.vs_anchor(),
            row.vs_floor(),
            k(row.ours),
            k(row.anchor),
            k(row.floor),
            row.ours.allocations,
            row.ours.allocated_kib,
            row.anchor.allocations,
            row.anchor.allocated_kib,
            row.floor.allocations,
            row.floor.allocated_kib
        );
    }
    let _ = writeln!(md, "\n## 3. Codegen time\n");
    let _ = writeln!(
        md,
        "- Athena + WorkSpaces Web + Spanner: {:.0} ms wall (read, lower, emit, format, compare with the committed crates), {:.0} ms of it in the generator.",
        ms(r.codegen_three),
        ms(r.codegen_three_generator)
    );
    if let Some((wall, n)) = r.catalog {
        let _ = writeln!(md, "- The whole catalog ({n} specs, `cargo xtask catalog --no-write`): {:.1} s wall.", wall.as_secs_f64());
    }

    let _ = writeln!(md, "\n## 4. Compile cost of the generated crates\n");
    let _ = writeln!(
        md,
        "`cargo build -p <crate>` (debug) in a fresh target directory after building the runtime crates (`nimbus-core`, `nimbus-aws`, `nimbus-google`) and their \
         dependencies: rustc and its peak are the crate's own run; `cargo build -p` also counts what the crate's \
         features add (Spanner: `google-adc`, which adds no dependency: ADC is `nimbus-google`'s own, RS256 by the `ring` that rustls compiles). There are no per-operation or per-resource features yet: the \
         whole service is always compiled.\n"
    );
    let _ = writeln!(md, "| crate | operations | generated lines | lines/operation | rustc | peak rustc | cargo build -p |");
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    for c in &r.crates {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.0} | {:.1} s | {} MiB | {:.1} s |",
            c.name,
            c.operations,
            c.lines,
            c.lines as f64 / c.operations.max(1) as f64,
            c.rustc_wall.as_secs_f64(),
            c.rustc_peak_kib / 1024,
            c.cargo_wall.as_secs_f64()
        );
    }
    let _ = writeln!(md, "\n## Reproduce\n\n```sh\ncargo xtask bench\n```\n");
    let _ = writeln!(
        md,
        "Needs network access to crates.io for the anchors (fetched before timing). Options (each writes \
         `target/bench/partial.md` instead of this file): `--skip-catalog`, `--reuse-builds` (per-call runs on the \
         binaries of an earlier run), `--calls-scale F` (multiply the call counts)."
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our user programs depend on one crate of ours, the service crate, as
    /// a user's would, and name nothing of the runtime crates.
    #[test]
    fn our_programs_depend_on_one_service_crate() {
        let ours: Vec<Program> = programs().into_iter().filter(|p| p.name.ends_with("-nimbus")).collect();
        assert_eq!(ours.len(), 2);
        for program in ours {
            let dependencies = (program.dependencies)(Path::new("/root"));
            let of_ours: Vec<&str> = dependencies.lines().filter(|l| l.starts_with("nimbus")).collect();
            assert_eq!(of_ours.len(), 1, "{}: {dependencies}", program.name);
            for runtime in ["nimbus_core", "nimbus_aws", "nimbus_google"] {
                assert!(!program.source.contains(runtime), "{} names {runtime}", program.name);
            }
        }
    }

    /// Reads one HTTP/1.1 response (head and Content-Length body).
    fn read_response(reader: &mut BufReader<TcpStream>) -> (String, serde_json::Value) {
        let mut status = String::new();
        reader.read_line(&mut status).expect("status line");
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            if line.trim().is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        (status.trim().to_owned(), serde_json::from_slice(&body).expect("JSON body"))
    }

    #[test]
    fn loopback_server_answers_each_seed_call_on_one_connection() {
        let endpoint = start_server(canned()).expect("server");
        let mut stream = TcpStream::connect(endpoint.trim_start_matches("http://")).expect("connect");
        // A chunked awsJson request, then a Spanner GET on the same connection.
        let athena = "POST / HTTP/1.1\r\nhost: x\r\nX-Amz-Target: AmazonAthena.GetQueryResults\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n";
        let spanner = format!("GET /v1/{SPANNER_SESSION} HTTP/1.1\r\nhost: x\r\n\r\n");
        stream.write_all(athena.as_bytes()).expect("write");
        stream.write_all(spanner.as_bytes()).expect("write");
        let mut reader = BufReader::new(stream);
        let (status, results) = read_response(&mut reader);
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert_eq!(results["ResultSet"]["Rows"].as_array().map(Vec::len), Some(ATHENA_ROWS));
        let (status, session) = read_response(&mut reader);
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert_eq!(session["name"], SPANNER_SESSION);
    }

    #[test]
    fn rustc_log_lines_give_units_peaks_and_per_crate_runs() {
        let dir = std::env::temp_dir().join(format!("nimbus-bench-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("rustc.log");
        std::fs::write(&path, "serde\t51200\t900\nnimbus_athena\t555000\t6100\nbuild_script_build\t40000\t300\nnot a line\n")
            .expect("write");
        let log = RustcLog::read(&path);
        assert_eq!(log.units(), 3);
        assert_eq!(log.peak_rss_kib(), 555_000);
        assert_eq!(log.of("nimbus_athena"), Some((555_000, 6100)));
        assert_eq!(log.of("aws_sdk_athena"), None);
        std::fs::write(
            dir.join("Cargo.lock"),
            "[[package]]\nname = \"aws-sdk-athena\"\nversion = \"1.128.0\"\n\n[[package]]\nname = \"other\"\nversion = \"2.0.0\"\n",
        )
        .expect("lock");
        let versions = locked_versions(&dir);
        assert_eq!(versions.get("aws-sdk-athena").map(String::as_str), Some("1.128.0"));
        assert!(!versions.contains_key("other"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
