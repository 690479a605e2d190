//! The `cargo xtask` binary: a bad spec is one error line and a non-zero exit;
//! a good one generates a crate.

use std::process::Command;

fn xtask(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output().expect("xtask runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn fixture(name: &str) -> String {
    xtask::project_root().join("codegen/tests/fixtures").join(name).display().to_string()
}

#[test]
fn bad_specs_exit_non_zero_with_one_located_line() {
    for (name, needle) in [
        ("bad/malformed.smithy.json", "malformed JSON"),
        ("bad/dangling-target.smithy.json", "$.shapes[\"a.b#In\"].members.thing.target"),
        ("bad/unknown-shape-type.smithy.json", "unknown shape type `tuple`"),
        ("bad/wrong-trait-type.smithy.json", "expected a string, found a number"),
        ("bad/missing-ref.discovery.json", "`$ref` to `Nowhere`"),
    ] {
        let (ok, _, stderr) = xtask(&["gen", &fixture(name), "--out", &std::env::temp_dir().join("nimbus-cli-bad").display().to_string()]);
        assert!(!ok, "{name} must fail");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: one line, got {stderr}");
        assert!(lines[0].starts_with("error: ") && lines[0].contains(name) && lines[0].contains(needle), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn gen_writes_a_crate_for_any_spec() {
    let out = std::env::temp_dir().join(format!("nimbus-cli-gen-{}", std::process::id()));
    let (ok, stdout, stderr) = xtask(&["gen", &fixture("kitchen-sink.discovery.json"), "--out", &out.display().to_string()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("kitchen: 7 operations"), "{stdout}");
    let lib = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(lib.starts_with("// @generated"), "{lib}");
    assert!(out.join("Cargo.toml").is_file() && out.join("src/types.rs").is_file());
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn unknown_command_fails() {
    let (ok, _, stderr) = xtask(&["frobnicate"]);
    assert!(!ok);
    assert!(stderr.contains("unknown command `frobnicate`"), "{stderr}");
}

#[test]
fn codegen_check_fails_on_an_edited_file() {
    let root = xtask::project_root();
    let out = std::env::temp_dir().join(format!("nimbus-cli-check-{}", std::process::id()));
    let krate = out.join("tests/fixtures/nimbus-fixture-discovery");
    let (ok, _, stderr) = xtask(&["codegen", "--crates-dir", &out.display().to_string(), "fixture-discovery"]);
    assert!(ok, "{stderr}");
    let (ok, stdout, _) = xtask(&["codegen", "--check", "--crates-dir", &out.display().to_string(), "fixture-discovery"]);
    assert!(ok && stdout.contains("up to date"), "{stdout}");
    let types = krate.join("src/types.rs");
    let text = std::fs::read_to_string(&types).unwrap();
    std::fs::write(&types, format!("{text}\n// a hand edit\n")).unwrap();
    let (ok, _, stderr) = xtask(&["codegen", "--check", "--crates-dir", &out.display().to_string(), "fixture-discovery"]);
    assert!(!ok, "an edited generated file must fail the check");
    assert!(stderr.contains("stale: ") && stderr.contains("nimbus-fixture-discovery/src/types.rs"), "{stderr}");
    assert!(stderr.contains("run `cargo xtask codegen` and commit"), "{stderr}");
    assert_eq!(std::fs::read_to_string(root.join("tests/fixtures/nimbus-fixture-discovery/src/types.rs")).unwrap(), text);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn options_belong_to_their_command() {
    let (ok, _, stderr) = xtask(&["codegen", "--iterations", "5"]);
    assert!(!ok && stderr.contains("`codegen` does not take `--iterations`"), "{stderr}");
    let (ok, _, stderr) = xtask(&["specs", "--frobnicate"]);
    assert!(!ok && stderr.contains("unknown option `--frobnicate`"), "{stderr}");
    let (ok, _, stderr) = xtask(&["protocol", "extra"]);
    assert!(!ok && stderr.contains("`protocol` takes no arguments"), "{stderr}");
}
