//! The report: targets, ratios and the text of `BENCHMARKS.md`.

use super::*;

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Versions of the interesting packages in a program's Cargo.lock.
pub(super) fn locked_versions(dir: &Path) -> BTreeMap<String, String> {
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
pub(super) struct Target {
    pub(super) what: &'static str,
    pub(super) bound: String,
    pub(super) measured: f64,
    /// The same ratio in instructions (per-call targets, with valgrind).
    pub(super) instructions: Option<f64>,
    pub(super) limit: f64,
}

pub(super) fn ratio_text(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"))
}

pub(super) fn targets(r: &Report) -> Vec<Target> {
    let mut out = Vec::new();
    for (ours, aws, what_build, what_binary) in [
        ("athena-nimbus", "athena-aws-sdk", "Athena program, cold debug build", "Athena program, release binary"),
        (
            "athena-nimbus-lean",
            "athena-aws-sdk-lean",
            "Athena program without the STS/SSO credential sources, cold debug build",
            "Athena program without the STS/SSO credential sources, release binary",
        ),
    ] {
        let (Some(ours), Some(aws)) = (r.builds.get(ours), r.builds.get(aws)) else { continue };
        out.push(Target {
            what: what_build,
            bound: "<= 0.5x aws-sdk-athena".into(),
            measured: ours.cold_debug.as_secs_f64() / aws.cold_debug.as_secs_f64(),
            instructions: None,
            limit: 0.5,
        });
        out.push(Target {
            what: what_binary,
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
    for row in r.calls.iter().filter(|c| c.ours.sessions_per_1000.is_some()) {
        out.push(Target {
            what: leak(format!("{} {}, sessions the pool created per 1,000 reads", row.service, row.operation)),
            bound: "<= max sessions (4)".into(),
            measured: row.ours.sessions_per_1000.unwrap_or(f64::INFINITY),
            instructions: None,
            limit: 4.0,
        });
    }
    if let Some(stream) = r.stream {
        out.push(Target {
            what: leak(format!("Spanner {} rows streamed through RowStream, peak RSS (MiB)", stream.rows)),
            bound: "<= 16 MiB".into(),
            measured: stream.peak_rss_kib / 1024.0,
            instructions: None,
            limit: 16.0,
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

pub(super) fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

pub(super) fn summary_table(r: &Report) -> String {
    let mut out = String::from("| target | bound | measured | same ratio in instructions | |\n|---|---|---|---|---|\n");
    for t in targets(r) {
        let ok = if t.measured <= t.limit { "met" } else { "missed" };
        let _ = writeln!(out, "| {} | {} | {:.2} | {} | {ok} |", t.what, t.bound, t.measured, ratio_text(t.instructions));
    }
    out
}

pub(super) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()));
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 =
        meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0);
    let rustc = Command::new("rustc").arg("-V").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default();
    format!("{cores} cores ({}), {:.0} GiB RAM, {rustc}", model.unwrap_or_else(|| "unknown CPU".into()), mem_kib as f64 / 1048576.0)
}

pub(super) fn render(r: &Report, elapsed: Duration) -> String {
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
    for (ours, anchor) in
        [("athena-nimbus", "athena-aws-sdk"), ("athena-nimbus-lean", "athena-aws-sdk-lean"), ("spanner-nimbus", "spanner-google")]
    {
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
    for row in r.calls.iter().filter(|c| c.ours.sessions_per_1000.is_some()) {
        let _ = writeln!(
            md,
            "\n{} {} goes through the data plane's session pool (`nimbus-spanner-data`, min 1, max 4 sessions, multiplexed sessions off): \
             {:.0} single-use reads per second from one task against the loopback server (wall time; {:.0} per CPU-second), and the pool \
             created {:.2} sessions per 1,000 reads.",
            row.service,
            row.operation,
            1e6 / row.ours.wall_us,
            1e6 / row.ours.cpu_us,
            row.ours.sessions_per_1000.unwrap_or_default()
        );
    }
    if let Some(stream) = r.stream {
        let _ = writeln!(
            md,
            "\nA streamed query (`executeStreamingSql`, {} rows x {SPANNER_COLUMNS} columns in sets of {SPANNER_STREAM_SET_ROWS} rows, each with a \
             resume token; a {:.1} MiB response) read row by row through the data plane's `RowStream` (ours only: the anchor has no resumable \
             stream): {:.0} ms CPU ({:.2} us per row), peak RSS of the whole program {:.1} MiB (the same program after its one-row reads: {:.1} MiB).",
            stream.rows,
            stream.body_bytes as f64 / 1048576.0,
            stream.cpu_us / 1000.0,
            stream.cpu_us / stream.rows as f64,
            stream.peak_rss_kib / 1024.0,
            stream.single_read_rss_kib / 1024.0
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
            "| {} | {} | {} | {} | {:.1} s | {} MiB | {:.1} s |",
            c.name,
            c.operations,
            c.lines,
            if c.operations == 0 { "-".to_owned() } else { format!("{:.0}", c.lines as f64 / c.operations as f64) },
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
