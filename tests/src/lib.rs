//! Workspace-level tests of the generated crates; the tests live in `tests/`.
//!
//! Required members are compile-time checked: a constructor takes them, so
//! leaving one out does not compile, and struct literals are ruled out by
//! `#[non_exhaustive]` (so a member cannot be skipped that way either).
//!
//! With the required member it compiles:
//!
//! ```
//! let request = nimbus_athena::types::GetSessionRequest::new("session-id");
//! assert_eq!(request.session_id, "session-id");
//! let session = nimbus_athena::types::EncryptionConfiguration::new(
//!     nimbus_athena::types::EncryptionOption::SseKms,
//! )
//! .set_kms_key("arn:aws:kms:us-east-1:111122223333:key/abc");
//! assert!(session.kms_key.is_some());
//! ```
//!
//! Omitting the required `SessionId` does not compile (wrong number of arguments):
//!
//! ```compile_fail,E0061
//! let request = nimbus_athena::types::GetSessionRequest::new();
//! ```
//!
//! Nor does a struct literal that would skip it (non-exhaustive struct):
//!
//! ```compile_fail,E0639
//! let request = nimbus_athena::types::GetSessionRequest { session_id: String::new() };
//! ```
//!
//! The same holds for WorkSpacesWeb `GetSession` (two required labels):
//!
//! ```compile_fail,E0061
//! let request = nimbus_workspacesweb::types::GetSessionRequest::new("portal-id");
//! ```
//!
//! ```
//! let request = nimbus_workspacesweb::types::GetSessionRequest::new("portal-id", "session-id");
//! assert_eq!(request.session_id, "session-id");
//! ```
