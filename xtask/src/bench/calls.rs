//! CPU per call: runs of the release binaries (median of several), and
//! instructions per call from callgrind.

use super::*;

/// One per-call measurement: CPU time and allocations (the best of the
/// repetitions) and, when valgrind is installed, instructions per call.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CallCost {
    pub(super) cpu_us: f64,
    /// Wall time per call (one task, calls in sequence).
    pub(super) wall_us: f64,
    pub(super) allocations: f64,
    pub(super) allocated_kib: f64,
    pub(super) instructions: Option<f64>,
    /// Peak resident memory of the program's process.
    pub(super) peak_rss_kib: f64,
    /// Sessions the data plane's pool created per 1,000 calls (warm-up
    /// included), for the programs that report it.
    pub(super) sessions_per_1000: Option<f64>,
}

/// One operation measured with every client.
#[derive(Debug, Clone)]
pub(super) struct CallRow {
    pub(super) service: &'static str,
    pub(super) operation: &'static str,
    pub(super) ours: CallCost,
    /// Ours configured like the floor: unsigned for Athena (the floor does
    /// not sign); for Spanner both send the same bearer token, so it is `ours`.
    pub(super) ours_like_floor: CallCost,
    pub(super) anchor: CallCost,
    pub(super) floor: CallCost,
}

impl CallRow {
    pub(super) fn vs_anchor(&self) -> f64 {
        self.ours.cpu_us / self.anchor.cpu_us
    }

    pub(super) fn vs_floor(&self) -> f64 {
        self.ours_like_floor.cpu_us / self.floor.cpu_us
    }

    pub(super) fn instructions_vs(a: CallCost, b: CallCost) -> Option<f64> {
        Some(a.instructions? / b.instructions?)
    }
}

/// The data plane's streamed query, measured with our program only.
#[derive(Debug, Clone, Copy)]
pub(super) struct StreamRow {
    pub(super) rows: usize,
    /// CPU of one whole stream (median of three runs).
    pub(super) cpu_us: f64,
    pub(super) peak_rss_kib: f64,
    /// The same program's peak after the one-row reads, for comparison.
    pub(super) single_read_rss_kib: f64,
    pub(super) body_bytes: usize,
}

/// Runs per client; the clients of one operation take turns, so a slow
/// moment of the machine hits all of them, and the median is kept.
pub(super) const REPETITIONS: usize = 11;

/// The bench-mode command line of a program.
pub(super) fn bench_command(binary: &Path, endpoint: &str, operation: &str, calls: u64, unsigned: bool) -> Vec<String> {
    let mut args = vec![binary.display().to_string(), "bench".into(), endpoint.into(), operation.into(), calls.to_string()];
    if unsigned {
        args.push("unsigned".into());
    }
    args
}

/// One run of a program in bench mode.
pub(super) fn run_once(
    binary: &Path,
    endpoint: &str,
    operation: &str,
    calls: u64,
    unsigned: bool,
    expected: usize,
) -> Result<CallCost, String> {
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
        wall_us: number("wall_ns") / n / 1000.0,
        allocations: number("allocations") / n,
        allocated_kib: number("allocated_bytes") / n / 1024.0,
        instructions: None,
        peak_rss_kib: number("peak_rss_kib"),
        sessions_per_1000: v
            .get("sessions_created")
            .and_then(serde_json::Value::as_f64)
            .map(|created| created * 1000.0 / number("made").max(1.0)),
    })
}

/// Measures every client of one operation: `clients` are (binary, unsigned).
pub(super) fn measure_clients(
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
pub(super) fn instructions_per_call(binary: &Path, endpoint: &str, operation: &str, calls: u64, unsigned: bool) -> Option<f64> {
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
