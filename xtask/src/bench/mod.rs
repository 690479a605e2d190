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

mod build;
mod calls;
mod programs;
mod report;
mod server;

pub use build::rustc_wrapper;
use build::*;
use calls::*;
use programs::*;
use report::*;
use server::*;

/// Environment variable naming the log file of the rustc wrapper mode.
pub const RUSTC_LOG_ENV: &str = "NIMBUS_BENCH_RUSTC_LOG";

/// Everything one run measured.
struct Report {
    builds: BTreeMap<&'static str, BuildCost>,
    calls: Vec<CallRow>,
    stream: Option<StreamRow>,
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
        stream: None,
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
    // SingleRead: a one-row strong single-use read; ours goes through the
    // data plane's session pool (nimbus-spanner-data), the others call
    // executeSql on a fixed session.
    let spanner_cases: [(&'static str, u64, usize); 3] =
        [("GetSession", 2000, SPANNER_SESSION.len()), ("ExecuteSql", 20, SPANNER_ROWS * SPANNER_COLUMNS), ("SingleRead", 2000, 1)];
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
            if let Some(per_1000) = row.ours.sessions_per_1000 {
                println!(
                    "call  {service} {op:<16} through the pool: {:.0} reads per second (one task, wall), {:.0} per CPU-second; {per_1000:.2} sessions created per 1,000 reads",
                    1e6 / row.ours.wall_us,
                    1e6 / row.ours.cpu_us
                );
            }
            report.calls.push(row);
        }
    }

    // 3. A streamed query of many rows through the data plane's RowStream:
    // CPU per row and the program's peak memory (ours only: the anchor has
    // no resumable stream, the floor reads whole bodies).
    let stream_bin = dirs["spanner-nimbus"].join("target/release").join("spanner-nimbus");
    let mut runs =
        (0..3).map(|_| run_once(&stream_bin, &endpoint, "StreamRows", 1, false, SPANNER_STREAM_ROWS)).collect::<Result<Vec<_>, _>>()?;
    runs.sort_by(|a, b| a.cpu_us.total_cmp(&b.cpu_us));
    let single_read_rss = report.calls.iter().find(|c| c.operation == "SingleRead").map_or(0.0, |c| c.ours.peak_rss_kib);
    let stream = StreamRow {
        rows: SPANNER_STREAM_ROWS,
        cpu_us: runs[1].cpu_us,
        peak_rss_kib: runs[1].peak_rss_kib,
        single_read_rss_kib: single_read_rss,
        body_bytes: canned().bodies.get("spanner:StreamRows").map_or(0, Vec::len),
    };
    println!(
        "stream Spanner {} rows through RowStream: {:.0} ms CPU ({:.2} us/row), peak RSS {:.1} MiB (the SingleRead run: {:.1} MiB), response body {:.1} MiB",
        stream.rows,
        stream.cpu_us / 1000.0,
        stream.cpu_us / stream.rows as f64,
        stream.peak_rss_kib / 1024.0,
        stream.single_read_rss_kib / 1024.0,
        stream.body_bytes as f64 / 1048576.0
    );
    report.stream = Some(stream);

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
    // The hand-written Spanner data plane, on top of the generated crate
    // built above (its own rustc time is what it adds to a user's build).
    let data_plane = "nimbus-spanner-data";
    let _ = std::fs::remove_file(&log);
    let wall = timed_cargo(root, &["build", "--quiet", "-p", data_plane], &target, Some(&log))?;
    let (peak, ms) = RustcLog::read(&log).of(&data_plane.replace('-', "_")).unwrap_or_default();
    let lines = count_lines(&root.join("crates").join(data_plane).join("src"));
    println!("crate {data_plane:<22} hand-written, {lines:>6} lines, rustc {:.1} s, peak {} MiB", ms as f64 / 1000.0, peak / 1024);
    report.crates.push(CrateCost {
        name: format!("{data_plane} (hand-written, on nimbus-spanner)"),
        operations: 0,
        lines,
        rustc_wall: Duration::from_millis(ms),
        rustc_peak_kib: peak,
        cargo_wall: wall,
    });

    let markdown = render(&report, total.elapsed());
    let path = if opts.reuse_builds || opts.skip_catalog { bench_dir(root).join("partial.md") } else { root.join("BENCHMARKS.md") };
    std::fs::write(&path, &markdown).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("\n{}", summary_table(&report));
    println!("wrote {} ({:.0} s in all)", path.display(), total.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our user programs depend on one crate of ours, the service crate, as
    /// a user's would, and name nothing of the runtime crates.
    #[test]
    fn our_programs_depend_on_one_service_crate() {
        let ours: Vec<Program> = programs().into_iter().filter(|p| p.name.contains("-nimbus")).collect();
        assert_eq!(ours.len(), 3);
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
