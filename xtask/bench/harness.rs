//! Shared by every benchmark program (copied next to its `main.rs`): a
//! counting allocator, the process CPU clock, and the measuring loop.
//!
//! Run as `<program> bench <endpoint> <operation> <calls> [unsigned]`, a
//! program calls one operation `calls` times against the loopback server of
//! `cargo xtask bench` and prints one JSON line with what it measured.

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counts allocations (and reallocations) and the bytes they ask for.
pub struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED_BYTES.fetch_add(layout.size() as u64, Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED_BYTES.fetch_add(new_size as u64, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[repr(C)]
struct Timespec {
    seconds: i64,
    nanoseconds: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, now: *mut Timespec) -> i32;
}

/// CPU time of the whole process (every thread), in nanoseconds.
fn process_cpu_ns() -> u64 {
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut now = Timespec { seconds: 0, nanoseconds: 0 };
    // SAFETY: `now` is a valid, writable timespec.
    unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    now.seconds as u64 * 1_000_000_000 + now.nanoseconds as u64
}

/// What `bench` mode was asked to do.
pub struct BenchArgs {
    pub endpoint: String,
    pub operation: String,
    pub calls: u64,
    /// Send without credentials (no signature), like the raw reqwest floor.
    #[allow(dead_code)] // read by the SDK programs; the floors never sign
    pub unsigned: bool,
}

/// The arguments of `bench` mode, or `None` when the program runs normally.
pub fn bench_args() -> Option<BenchArgs> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [mode, endpoint, operation, calls, rest @ ..] if mode == "bench" => Some(BenchArgs {
            endpoint: endpoint.clone(),
            operation: operation.clone(),
            calls: calls.parse().expect("calls is a number"),
            unsigned: rest.iter().any(|a| a == "unsigned"),
        }),
        _ => None,
    }
}

/// Peak resident memory of this process so far (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

/// [`measure_then`] without extra numbers.
pub async fn measure<F, Fut, E>(args: &BenchArgs, call: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, E>>,
    E: std::fmt::Display,
{
    measure_then(args, call, Vec::new).await
}

/// Calls `call` a few times to warm up, then `calls` times measured, and
/// prints `{"operation", "calls", "made", "cpu_ns", "wall_ns", "allocations",
/// "allocated_bytes", "peak_rss_kib", "check"}` and the numbers `extras`
/// returns afterwards; `made` counts the warm-up calls too; `check` is what
/// the last call returned (a count of decoded items) so the runner can see
/// the response was decoded.
pub async fn measure_then<F, Fut, E>(args: &BenchArgs, mut call: F, extras: impl FnOnce() -> Vec<(&'static str, f64)>)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, E>>,
    E: std::fmt::Display,
{
    let warm_up = (args.calls / 10).clamp(1, 50);
    for _ in 0..warm_up {
        if let Err(e) = call().await {
            eprintln!("{}: {e}", args.operation);
            std::process::exit(1);
        }
    }
    let (cpu, wall) = (process_cpu_ns(), std::time::Instant::now());
    let (allocations, bytes) = (ALLOCATIONS.load(Relaxed), ALLOCATED_BYTES.load(Relaxed));
    let mut check = 0;
    for _ in 0..args.calls {
        match call().await {
            Ok(n) => check = n,
            Err(e) => {
                eprintln!("{}: {e}", args.operation);
                std::process::exit(1);
            }
        }
    }
    let (cpu, wall) = (process_cpu_ns() - cpu, wall.elapsed().as_nanos());
    let (allocations, bytes) = (ALLOCATIONS.load(Relaxed) - allocations, ALLOCATED_BYTES.load(Relaxed) - bytes);
    let extras: String = extras().iter().map(|(name, value)| format!(",\"{name}\":{value}")).collect();
    println!(
        "{{\"operation\":\"{}\",\"calls\":{},\"made\":{},\"cpu_ns\":{cpu},\"wall_ns\":{wall},\"allocations\":{allocations},\"allocated_bytes\":{bytes},\"peak_rss_kib\":{},\"check\":{check}{extras}}}",
        args.operation,
        args.calls,
        args.calls + warm_up,
        peak_rss_kib(),
    );
}
