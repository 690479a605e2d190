//! The layering rules of ARCHITECTURE.md, checked on the source:
//! - no import cycle among the modules of a runtime crate (`nimbus-core`,
//!   `nimbus-aws`, `nimbus-google`);
//! - the core names no provider crate;
//! - generated code reaches the runtime only through its provider's
//!   `codegen` module (besides std and serde).
//!
//! The import scan is deliberately simple: every `crate::name` outside
//! comments and test modules is an edge from the file's top-level module to
//! the module `name` is (or, for items re-exported from `lib.rs`, the module
//! it comes from). `$crate::` in macros is not an import of the module that
//! defines the macro and is skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comment lines and without its `#[cfg(test)]`
/// module (tests may reach anywhere).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn identifier_at(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The modules `lib.rs` declares, and the module each root re-export comes from.
fn root_items(lib: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let mut modules = BTreeSet::new();
    let mut items = BTreeMap::new();
    for line in code(lib).lines().map(str::trim) {
        let line = line.trim_start_matches("pub ");
        if let Some(rest) = line.strip_prefix("mod ") {
            modules.insert(identifier_at(rest).to_owned());
        } else if let Some(rest) = line.strip_prefix("use ") {
            let Some((module, names)) = rest.split_once("::") else { continue };
            if module == "nimbus_core" || module == "crate" {
                continue;
            }
            for name in names.trim_end_matches(';').trim_matches(|c| c == '{' || c == '}').split(',') {
                let name = name.trim().rsplit("::").next().unwrap_or_default();
                if !name.is_empty() {
                    items.insert(name.to_owned(), module.to_owned());
                }
            }
        }
    }
    (modules, items)
}

/// Edges `module -> module it imports` of the crate at `src`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let (modules, items) = root_items(&lib);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for file in files {
        let relative = file.strip_prefix(src).expect("under src");
        let first = relative.components().next().expect("a component").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let text = code(&std::fs::read_to_string(&file).expect("readable"));
        let mut rest = text.as_str();
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            let name = identifier_at(&rest[at + "crate::".len()..]);
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c == '$' || c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let target = if modules.contains(name) { Some(name.to_owned()) } else { items.get(name).cloned() };
            if let Some(target) = target.filter(|t| *t != module) {
                graph.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    graph
}

/// A cycle of `graph`, if it has one (as the list of modules around it).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[i..].iter().map(|s| (*s).to_owned()).collect();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn runtime_modules_have_no_import_cycles() {
    for krate in ["nimbus-core", "nimbus-aws", "nimbus-google"] {
        let graph = module_graph(&root().join("crates").join(krate).join("src"));
        assert!(graph.len() >= 5, "{krate}: the scan found too few modules: {graph:?}");
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{krate}: modules import each other in a cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_scan_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", &["b"][..]), ("b", &["c"]), ("c", &["a"]), ("d", &[])]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
        .collect();
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    let lib = "pub mod http;\nmod error;\npub use error::{Error, ErrorKind};\n";
    let (modules, items) = root_items(lib);
    assert!(modules.contains("http") && modules.contains("error"));
    assert_eq!(items.get("ErrorKind").map(String::as_str), Some("error"));
}

#[test]
fn the_core_names_no_provider() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/nimbus-core/src"), &mut files);
    for file in files {
        let text = code(&std::fs::read_to_string(&file).expect("readable"));
        for provider in ["nimbus_aws", "nimbus_google", "sigv4", "google"] {
            assert!(!text.contains(provider), "{} names `{provider}`", file.display());
        }
    }
    let manifest = std::fs::read_to_string(root().join("crates/nimbus-core/Cargo.toml")).expect("manifest");
    for dependency in ["nimbus-aws", "nimbus-google", "hmac", "sha2", "md-5", "flate2", "ring", "uuid"] {
        assert!(!manifest.contains(&format!("\n{dependency}")), "nimbus-core depends on {dependency}");
    }
}

/// The generated crates: every crate whose `lib.rs` carries the generator's preamble.
fn generated_crates() -> Vec<PathBuf> {
    let mut crates = Vec::new();
    for parent in ["crates", "tests/fixtures", "tests/protocol"] {
        for entry in std::fs::read_dir(root().join(parent)).expect("dir").flatten() {
            let lib = entry.path().join("src/lib.rs");
            if std::fs::read_to_string(&lib).is_ok_and(|t| t.starts_with("// @generated")) {
                crates.push(entry.path());
            }
        }
    }
    crates.sort();
    crates
}

#[test]
fn generated_code_uses_only_the_codegen_modules() {
    let crates = generated_crates();
    assert!(crates.len() >= 8, "found {crates:?}");
    let mut uses = 0;
    for krate in &crates {
        let mut files = Vec::new();
        rust_files(&krate.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable");
            for runtime in ["nimbus_core", "nimbus_aws", "nimbus_google", "nimbus_aws_credentials"] {
                let mut rest = text.as_str();
                while let Some(at) = rest.find(runtime) {
                    let after = &rest[at + runtime.len()..];
                    // A longer name (`nimbus_aws_credentials` for `nimbus_aws`) is checked as itself.
                    if after.starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric()) {
                        rest = after;
                        continue;
                    }
                    let line = text[..text.len() - rest.len() + at].lines().count();
                    assert!(
                        runtime != "nimbus_core" && after.starts_with("::codegen"),
                        "{}:{line}: generated code names `{runtime}{}` outside its provider's `codegen` module",
                        file.display(),
                        identifier_at(after.trim_start_matches("::"))
                    );
                    uses += 1;
                    rest = after;
                }
            }
            assert!(!text.contains("nimbus::"), "{} names the old runtime", file.display());
        }
    }
    assert!(uses > 1000, "the scan saw only {uses} runtime paths");
}

#[test]
fn examples_name_only_their_service_crate() {
    let mut examples = Vec::new();
    for krate in generated_crates() {
        let dir = krate.join("examples");
        if dir.is_dir() {
            rust_files(&dir, &mut examples);
        }
    }
    assert!(examples.len() >= 3, "found {examples:?}");
    for example in examples {
        let text = std::fs::read_to_string(&example).expect("readable");
        for runtime in ["nimbus_core", "nimbus_aws", "nimbus_google", "nimbus::"] {
            assert!(!text.contains(runtime), "{} names `{runtime}`: users depend on the service crate only", example.display());
        }
    }
}

/// The normal (non-dev) dependency tree of a package, one `name vX` per line.
fn dependency_tree(package: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "-p", package, "-e", "normal", "--prefix", "none"])
        .current_dir(root())
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree -p {package}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A Spanner user compiles no AWS code (no SigV4 crypto, no endpoint rules,
/// no gzip), and an Athena user no Google code.
#[test]
fn each_service_compiles_only_its_provider() {
    let names = |tree: &str| tree.lines().filter_map(|l| l.split_whitespace().next().map(str::to_owned)).collect::<BTreeSet<_>>();
    let spanner = names(&dependency_tree("nimbus-spanner"));
    assert!(spanner.contains("nimbus-google") && spanner.contains("nimbus-core"), "{spanner:?}");
    for aws in ["nimbus-aws", "hmac", "sha2", "md-5", "flate2", "uuid"] {
        assert!(!spanner.contains(aws), "nimbus-spanner depends on {aws}");
    }
    for service in ["nimbus-athena", "nimbus-workspacesweb"] {
        let tree = names(&dependency_tree(service));
        assert!(tree.contains("nimbus-aws"), "{tree:?}");
        assert!(!tree.contains("nimbus-google"), "{service} depends on nimbus-google");
    }
}
