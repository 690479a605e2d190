//! The fuzz targets of `nimbus-fuzz` on every test run, without libFuzzer:
//! - the committed corpus (`fuzz/corpus/<target>/`: seeds and the inputs the
//!   coverage-guided runs kept) replays cleanly through each target;
//! - blind mutations of the decoder seeds never make a response decoder panic.
//!
//! Prints `fuzz corpus: N passed, M failed` and `fuzz decoders: N executions, M crashes`.

use std::path::{Path, PathBuf};
use xtask::fuzz::{Rng, mutate, panic_message};

/// Blind mutations per run, spread over the decoder corpus.
const MUTATIONS: usize = 50_000;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn the_committed_fuzz_corpus_replays_cleanly() {
    let (mut passed, mut failed) = (0, Vec::new());
    for target in nimbus_fuzz::TARGETS {
        let files = corpus(target);
        assert!(!files.is_empty(), "fuzz/corpus/{target} is empty");
        for file in files {
            let input = std::fs::read(&file).unwrap();
            match std::panic::catch_unwind(|| nimbus_fuzz::run(target, &input)) {
                Ok(()) => passed += 1,
                Err(p) => failed.push(format!("{}: {}", file.display(), panic_message(p.as_ref()))),
            }
        }
    }
    for f in &failed {
        println!("--- fuzz corpus: {f}");
    }
    println!("fuzz corpus: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty());
}

#[test]
fn every_fuzz_target_has_a_corpus_folder_and_every_folder_a_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut folders: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    folders.sort();
    let mut targets = nimbus_fuzz::TARGETS.map(str::to_owned).to_vec();
    targets.sort();
    assert_eq!(folders, targets, "`cargo xtask fuzz --coverage` runs one binary per folder of fuzz/corpus");
}

#[test]
fn mutated_responses_never_make_a_decoder_panic() {
    let seeds: Vec<Vec<u8>> = corpus("decoders").iter().map(|f| std::fs::read(f).unwrap()).collect();
    let mut rng = Rng::new(0x5eed);
    let (mut executions, mut crashes) = (0, Vec::new());
    for i in 0..MUTATIONS {
        let input = mutate(&seeds[i % seeds.len()], &mut rng);
        executions += 1;
        if let Err(p) = std::panic::catch_unwind(|| nimbus_fuzz::responses(&input)) {
            crashes.push((String::from_utf8_lossy(&input).into_owned(), panic_message(p.as_ref())));
        }
    }
    for (input, msg) in crashes.iter().take(5) {
        println!("--- fuzz decoders: crash `{msg}` on {input}");
    }
    println!("fuzz decoders: {executions} executions, {} crashes", crashes.len());
    assert!(crashes.is_empty(), "decoder crashes: {}", crashes.len());
}
