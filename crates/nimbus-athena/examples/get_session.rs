//! Calls Athena `GetSession` and prints the session's state.
//!
//! ```text
//! cargo run -p nimbus-athena --example get_session -- <session-id>
//! ```
//!
//! Region and credentials come from the environment (`AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, or `~/.aws` with `AWS_PROFILE`);
//! `AWS_ENDPOINT_URL` points the client elsewhere (a local emulator).

use nimbus_athena::errors::GetSessionError;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session_id = std::env::args().nth(1).ok_or("usage: get_session <session-id>")?;
    let client = nimbus_athena::Client::new(nimbus_athena::Config::from_env()?);
    match client.get_session(session_id).send().await {
        Ok(session) => {
            let status = session.status.unwrap_or_default();
            println!("session {}: {:?}", session.session_id.unwrap_or_default(), status.state);
            Ok(())
        }
        Err(GetSessionError::ResourceNotFoundException(e)) => Err(format!("no such session: {}", e.message.unwrap_or_default()).into()),
        Err(other) => Err(other.into()),
    }
}
