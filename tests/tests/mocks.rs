//! The typed test doubles of the three seed operations, used as a user's
//! test would: a `testing::Mock` of the service crate, typed outputs and
//! errors, the typed inputs the code sent, and a clear failure for a call no
//! rule matches. No HTTP anywhere. Prints `mocks: N passed, M failed`.

use nimbus_core::testing::{Summary, block_on};
use nimbus_core::{Error, ErrorKind};

fn check(condition: bool, what: &str) -> Result<(), String> {
    if condition { Ok(()) } else { Err(what.to_owned()) }
}

fn athena_success() -> Result<(), String> {
    use nimbus_athena::types::{GetSessionResponse, SessionState, SessionStatus};
    let mock = nimbus_athena::testing::Mock::new();
    let rule = mock
        .on_get_session()
        .matching(|input| input.session_id == "s-1")
        .returns(GetSessionResponse::new().set_session_id("s-1").set_status(SessionStatus::new().set_state(SessionState::Idle)));
    let out = block_on(mock.client().get_session("s-1").send()).map_err(|e| e.to_string())?;
    check(out.session_id.as_deref() == Some("s-1"), "the output is the rule's")?;
    check(out.status.and_then(|s| s.state) == Some(SessionState::Idle), "nested members arrive typed")?;
    check(rule.calls() == 1 && rule.inputs()[0].session_id == "s-1", "the rule saw the typed input")
}

fn athena_modeled_error() -> Result<(), String> {
    use nimbus_athena::errors::GetSessionError;
    use nimbus_athena::types::ResourceNotFoundException;
    let mock = nimbus_athena::testing::Mock::new();
    mock.on_get_session().returns_error(GetSessionError::ResourceNotFoundException(
        ResourceNotFoundException::new().set_message("no session s-9").set_resource_name("s-9"),
    ));
    match block_on(mock.client().get_session("s-9").send()) {
        Err(GetSessionError::ResourceNotFoundException(e)) => check(
            e.message.as_deref() == Some("no session s-9") && e.resource_name.as_deref() == Some("s-9"),
            "the modeled error's members",
        ),
        other => Err(format!("expected ResourceNotFoundException, got {other:?}")),
    }
}

fn athena_unmatched() -> Result<(), String> {
    let mock = nimbus_athena::testing::Mock::new();
    let rule = mock.on_get_session().matching(|input| input.session_id == "s-1").returns(Default::default());
    let err = block_on(mock.client().get_session("s-2").send()).expect_err("no rule matches s-2");
    let message = err.to_string();
    check(
        err.code().is_none() && matches!(err, nimbus_athena::errors::GetSessionError::Unhandled(ref e) if e.kind() == ErrorKind::Config),
        "a configuration error",
    )?;
    check(message.contains("GetSession") && message.contains("s-2"), "the error names the operation and the input")?;
    check(rule.calls() == 0, "the declining rule recorded nothing")
}

fn workspacesweb_success() -> Result<(), String> {
    use nimbus_workspacesweb::types::{GetSessionResponse, Session};
    let mock = nimbus_workspacesweb::testing::Mock::new();
    let rule = mock
        .on_get_session()
        .matching(|input| input.portal_id == "p-1")
        .answers(|input| Ok(GetSessionResponse::new().set_session(Session::new().set_session_id(input.session_id.clone()))));
    let out = block_on(mock.client().get_session("p-1", "s-7").send()).map_err(|e| e.to_string())?;
    check(out.session.and_then(|s| s.session_id).as_deref() == Some("s-7"), "the answer is built from the typed input")?;
    let seen = rule.inputs();
    check(seen.len() == 1 && seen[0].portal_id == "p-1" && seen[0].session_id == "s-7", "the rule saw both labels")
}

fn workspacesweb_modeled_error() -> Result<(), String> {
    use nimbus_workspacesweb::errors::GetSessionError;
    use nimbus_workspacesweb::types::ThrottlingException;
    let mock = nimbus_workspacesweb::testing::Mock::new();
    mock.on_get_session().returns_error(GetSessionError::ThrottlingException(ThrottlingException::new().set_message("slow down")));
    match block_on(mock.client().get_session("p-1", "s-1").send()) {
        Err(e @ GetSessionError::ThrottlingException(_)) => {
            check(e.code() == Some("ThrottlingException") && e.message() == Some("slow down"), "code and message of the modeled error")
        }
        other => Err(format!("expected ThrottlingException, got {other:?}")),
    }
}

fn workspacesweb_unmatched() -> Result<(), String> {
    let mock = nimbus_workspacesweb::testing::Mock::new();
    mock.on_list_sessions().returns(Default::default());
    let err = block_on(mock.client().get_session("p-1", "s-1").send()).expect_err("only ListSessions has a rule");
    let message = err.to_string();
    check(message.contains("GetSession") && message.contains("ListSessions"), "the error names the operation and the rules there are")
}

const SESSION: &str = "projects/p/instances/i/databases/d/sessions/s-1";

fn spanner_success() -> Result<(), String> {
    use nimbus_spanner::types::Session;
    let mock = nimbus_spanner::testing::Mock::new();
    let get = mock
        .on_projects_instances_databases_sessions_get()
        .matching(|params| params.name == SESSION)
        .returns(Session::new().set_name(SESSION).set_creator_role("reader"));
    let sessions = mock.client().projects().instances().databases().sessions();
    let session = block_on(sessions.get(SESSION).send()).map_err(|e| e.to_string())?;
    check(session.name.as_deref() == Some(SESSION) && session.creator_role.as_deref() == Some("reader"), "the typed session")?;
    check(get.inputs().iter().map(|p| p.name.as_str()).eq([SESSION]), "the rule saw the session name")
}

fn spanner_status_error() -> Result<(), String> {
    let mock = nimbus_spanner::testing::Mock::new();
    mock.on_projects_instances_databases_sessions_get().returns_error(Error::service_status(404, "NOT_FOUND", "Session not found"));
    let sessions = mock.client().projects().instances().databases().sessions();
    let err = block_on(sessions.get(SESSION).send()).expect_err("NOT_FOUND");
    check(err.kind() == ErrorKind::Service && err.code() == Some("NOT_FOUND") && err.status() == Some(404), "the canonical status")
}

fn spanner_unmatched() -> Result<(), String> {
    let mock = nimbus_spanner::testing::Mock::new();
    let get = mock.on_projects_instances_databases_sessions_get().matching(|params| params.name == SESSION).returns(Default::default());
    let sessions = mock.client().projects().instances().databases().sessions();
    let other = "projects/p/instances/i/databases/d/sessions/s-2";
    let err = block_on(sessions.get(other).send()).expect_err("no rule for s-2");
    check(err.kind() == ErrorKind::Config && err.message().contains("s-2"), "a configuration error naming the input")?;
    check(get.calls() == 0, "nothing recorded")
}

/// One case: it passes, or says what went wrong.
type Case = fn() -> Result<(), String>;

#[test]
fn typed_test_doubles() {
    let cases: [(&str, Case); 9] = [
        ("athena GetSession success", athena_success),
        ("athena GetSession modeled error", athena_modeled_error),
        ("athena GetSession unmatched", athena_unmatched),
        ("workspacesweb GetSession success", workspacesweb_success),
        ("workspacesweb GetSession modeled error", workspacesweb_modeled_error),
        ("workspacesweb GetSession unmatched", workspacesweb_unmatched),
        ("spanner sessions.get success", spanner_success),
        ("spanner sessions.get status error", spanner_status_error),
        ("spanner sessions.get unmatched", spanner_unmatched),
    ];
    let mut summary = Summary::default();
    for (id, case) in cases {
        summary.run(id, case);
    }
    assert!(summary.report("mocks"), "mock cases failed");
}

/// What a user names comes from the service crate alone.
#[test]
fn users_name_everything_through_the_service_crate() {
    let _athena = nimbus_athena::config::Config::new()
        .region(nimbus_athena::config::Region::new("eu-west-1"))
        .credentials(nimbus_athena::config::Credentials::new("AKID", "secret", None))
        .retry(nimbus_athena::config::RetryConfig::disabled());
    let _spanner = nimbus_spanner::Config::new().token_provider(nimbus_spanner::StaticToken::new("token"));
    let settings = nimbus_spanner::WaitSettings::default();
    let params = nimbus_spanner::StandardParams::new().fields("name");
    assert!(settings.deadline > std::time::Duration::ZERO && !params.is_empty());
    let _: Option<nimbus_spanner::primitives::DateTime> = None;
    let _: Option<nimbus_athena::Error> = None;
}
