//! `credential_process`: credentials printed by a command the profile names
//! (JSON, `Version` 1), as the AWS SDKs and Tools Reference Guide
//! specifies. The command runs through the platform's shell, on the
//! blocking pool; its standard output is never logged, and its standard
//! error is part of the error when it fails.

use super::{Credentials, credentials_from_json};
use nimbus_core::{Error, ErrorKind};

/// Runs `command` and reads the credentials it prints; `at` (`file:line`)
/// names where the command was configured.
pub(crate) async fn run(command: String, at: String) -> Result<Credentials, Error> {
    let fail = |message: String| Error::new(ErrorKind::Credentials, message);
    let output = super::blocking(move || shell(&command).output())
        .await
        .map_err(|e| fail(format!("credential_process ({at}) could not be run: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr = stderr.trim();
        let stderr: String = stderr.chars().take(2000).collect();
        return Err(fail(format!("credential_process ({at}) failed ({}): {stderr}", output.status)));
    }
    let source = format!("credential_process ({at})");
    let body: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|_| fail(format!("{source} did not print a JSON object")))?;
    match body.get("Version").and_then(serde_json::Value::as_u64) {
        Some(1) => {}
        Some(other) => return Err(fail(format!("{source} printed `Version` {other}; only 1 is supported"))),
        None => return Err(fail(format!("{source} printed no `Version` (1)"))),
    }
    credentials_from_json(&body, "SessionToken", &source)
}

/// The command line through the platform's shell, so quoting and arguments
/// work as the AWS CLI runs them.
fn shell(command: &str) -> std::process::Command {
    let mut process = if cfg!(windows) {
        let mut p = std::process::Command::new("cmd.exe");
        p.arg("/C").arg(command);
        p
    } else {
        let mut p = std::process::Command::new("sh");
        p.arg("-c").arg(command);
        p
    };
    process.stdin(std::process::Stdio::null());
    process
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[tokio::test]
    async fn the_json_a_command_prints_becomes_credentials() {
        let json = r#"{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2030-01-02T03:04:05Z"}"#;
        let c = run(format!("printf '%s' '{json}'"), "config:3".into()).await.unwrap();
        assert_eq!((c.access_key_id(), c.secret_access_key(), c.session_token()), ("AKIDPROC", "s", Some("t")));
        assert_eq!(c.expiry(), Some(UNIX_EPOCH + Duration::from_secs(1_893_553_445)));
        let c = run(r#"echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s"}'"#.into(), "config:3".into()).await.unwrap();
        assert_eq!((c.session_token(), c.expiry()), (None, None), "no expiry: never refreshed");
    }

    #[tokio::test]
    async fn failures_say_what_went_wrong_without_the_secret() {
        let e = run("echo 'token expired, run aws sso login' >&2; exit 3".into(), "config:7".into()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert!(e.message().contains("config:7") && e.message().contains("run aws sso login"), "{e}");
        for (stdout, what) in [
            ("not json", "JSON object"),
            (r#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "SECRET"}"#, "Version` 2"),
            (r#"{"AccessKeyId": "A", "SecretAccessKey": "SECRET"}"#, "no `Version`"),
            (r#"{"Version": 1, "SecretAccessKey": "SECRET"}"#, "AccessKeyId"),
            (r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "SECRET", "Expiration": "soon"}"#, "Expiration"),
        ] {
            let e = run(format!("echo '{stdout}'"), "config:7".into()).await.unwrap_err();
            assert!(e.message().contains(what), "{stdout}: {e}");
            assert!(!e.message().contains("SECRET"), "{e}");
        }
    }
}
