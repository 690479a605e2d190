//! The scratch user programs: their sources, dependencies and directories.

use super::*;

pub(super) const HARNESS: &str = include_str!("../../bench/harness.rs");

/// One scratch program.
pub(super) struct Program {
    /// Directory and binary name.
    pub(super) name: &'static str,
    pub(super) source: &'static str,
    /// The `[dependencies]` section, given the project root.
    pub(super) dependencies: fn(&Path) -> String,
    /// Measured for build cost (the floors are only built for per-call runs).
    pub(super) build_bench: bool,
}

pub(super) const TOKIO: &str = r#"tokio = { version = "1", default-features = false, features = ["macros", "rt"] }"#;
pub(super) const FLOOR_DEPS: &str = r#"reqwest = { version = "0.12", default-features = false, features = ["rustls-tls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
"#;

pub(super) fn programs() -> Vec<Program> {
    vec![
        Program {
            name: "athena-nimbus",
            source: include_str!("../../bench/athena_nimbus.rs"),
            dependencies: |root| format!("nimbus-athena = {{ path = {:?} }}\n{TOKIO}\n", root.join("crates/nimbus-athena")),
            build_bench: true,
        },
        Program {
            name: "athena-aws-sdk",
            source: include_str!("../../bench/athena_aws.rs"),
            dependencies: |_| format!("aws-config = \"1\"\naws-sdk-athena = \"1\"\n{TOKIO}\n"),
            build_bench: true,
        },
        // The same programs without the credential sources that call STS and
        // SSO: our `aws-credentials` feature off, aws-config without its
        // default `sso` and `credentials-process` features (it always keeps
        // STS for its web identity and assume-role providers).
        Program {
            name: "athena-nimbus-lean",
            source: include_str!("../../bench/athena_nimbus.rs"),
            dependencies: |root| {
                format!("nimbus-athena = {{ path = {:?}, default-features = false }}\n{TOKIO}\n", root.join("crates/nimbus-athena"))
            },
            build_bench: true,
        },
        Program {
            name: "athena-aws-sdk-lean",
            source: include_str!("../../bench/athena_aws.rs"),
            dependencies: |_| {
                format!(
                    "aws-config = {{ version = \"1\", default-features = false, features = [\"default-https-client\", \"rt-tokio\"] }}\naws-sdk-athena = \"1\"\n{TOKIO}\n"
                )
            },
            build_bench: true,
        },
        Program {
            name: "athena-floor",
            source: include_str!("../../bench/athena_reqwest.rs"),
            dependencies: |_| format!("{FLOOR_DEPS}{TOKIO}\n"),
            build_bench: false,
        },
        Program {
            name: "spanner-nimbus",
            source: include_str!("../../bench/spanner_nimbus.rs"),
            dependencies: |root| format!("nimbus-spanner-data = {{ path = {:?} }}\n{TOKIO}\n", root.join("crates/nimbus-spanner-data")),
            build_bench: true,
        },
        Program {
            name: "spanner-google",
            source: include_str!("../../bench/spanner_google.rs"),
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
            source: include_str!("../../bench/spanner_reqwest.rs"),
            dependencies: |_| format!("{FLOOR_DEPS}{TOKIO}\n"),
            build_bench: false,
        },
    ]
}

pub(super) fn bench_dir(root: &Path) -> PathBuf {
    root.join("target/bench")
}

/// Writes the program's Cargo.toml and sources (unchanged files keep their
/// modification time, so rebuilds stay incremental).
pub(super) fn write_program(root: &Path, p: &Program) -> Result<PathBuf, String> {
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
