//! Calls WorkSpaces Web `GetSession` and prints the session.
//!
//! ```text
//! cargo run -p nimbus-workspacesweb --example get_session -- <portal-id> <session-id>
//! ```
//!
//! Region and credentials come from the environment (`AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, or `~/.aws` with `AWS_PROFILE`);
//! `AWS_ENDPOINT_URL` points the client elsewhere (a local emulator).

use nimbus_workspacesweb::errors::GetSessionError;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(portal_id), Some(session_id)) = (args.next(), args.next()) else {
        return Err("usage: get_session <portal-id> <session-id>".into());
    };
    let client = nimbus_workspacesweb::Client::new(nimbus_workspacesweb::Config::from_env()?);
    match client.get_session(portal_id, session_id).send().await {
        Ok(out) => {
            let session = out.session.unwrap_or_default();
            println!("session {:?}: {:?} since {:?}", session.session_id, session.status, session.start_time);
            Ok(())
        }
        Err(GetSessionError::ResourceNotFoundException(e)) => Err(format!("no such session: {}", e.message.unwrap_or_default()).into()),
        Err(other) => Err(other.into()),
    }
}
