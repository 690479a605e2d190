//! The committed generated crates are exactly what the generator produces,
//! and `cargo xtask codegen --check` notices an edited, missing or extra file.

use std::path::{Path, PathBuf};
use xtask::{CodegenOptions, codegen, project_root};

#[test]
fn committed_crates_are_fresh() {
    let root = project_root();
    let report = codegen(&root, &CodegenOptions { check: true, ..CodegenOptions::default() }).unwrap();
    let stale: Vec<String> = report.stale.iter().map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string()).collect();
    assert!(stale.is_empty(), "stale generated files {stale:?}: run `cargo xtask codegen` and commit");
    let counts: Vec<(&str, usize)> = report.generated.iter().map(|g| (g.entry.id.as_str(), g.operations)).collect();
    assert!(counts.contains(&("athena", 70)), "{counts:?}");
    assert!(counts.contains(&("workspacesweb", 68)), "{counts:?}");
    assert!(counts.contains(&("spanner", 99)), "{counts:?}");
    let spanner = report.generated.iter().find(|g| g.entry.id == "spanner").unwrap();
    assert_eq!(spanner.spec_types, 180);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nimbus-freshness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn check_reports_edited_missing_and_extra_files() {
    let root = project_root();
    let out = scratch("check");
    let krate = Path::new("tests/fixtures/nimbus-fixture-smithy");
    copy_dir(&root.join(krate), &out.join(krate));
    let opts =
        |check| CodegenOptions { only: vec!["fixture-smithy".into()], check, crates_dir: Some(out.clone()), ..CodegenOptions::default() };
    assert!(codegen(&root, &opts(true)).unwrap().stale.is_empty(), "an exact copy is fresh");

    // A hand edit to a generated file is caught, naming the file.
    let types = out.join(krate).join("src/types.rs");
    let text = std::fs::read_to_string(&types).unwrap();
    std::fs::write(&types, text.replacen("pub struct Tree", "pub struct Tree2", 1)).unwrap();
    // A removed file and a stray file are caught too.
    std::fs::remove_file(out.join(krate).join("src/lib.rs")).unwrap();
    std::fs::write(out.join(krate).join("src/extra.rs"), "// not generated\n").unwrap();
    let mut stale = codegen(&root, &opts(true)).unwrap().stale;
    stale.sort();
    let expected: Vec<PathBuf> = ["src/extra.rs", "src/lib.rs", "src/types.rs"].iter().map(|f| out.join(krate).join(f)).collect();
    assert_eq!(stale, expected);

    // Regenerating repairs all three, after which the check passes again.
    assert!(codegen(&root, &opts(false)).unwrap().stale.is_empty());
    assert!(codegen(&root, &opts(true)).unwrap().stale.is_empty());
    assert!(!out.join(krate).join("src/extra.rs").exists());
    std::fs::remove_dir_all(&out).unwrap();
}
