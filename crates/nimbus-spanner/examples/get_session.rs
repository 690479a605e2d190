//! Creates a Spanner session, reads it back with `sessions.get`, and deletes it.
//!
//! ```text
//! SPANNER_EMULATOR_HOST=localhost:9010 cargo run -p nimbus-spanner --example spanner-get_session -- <project> <instance> <database>
//! ```
//!
//! With `SPANNER_EMULATOR_HOST` set (the emulator's gRPC address, as for
//! Google's libraries), requests go to the emulator's REST port on that host
//! (`SPANNER_EMULATOR_REST_PORT`, 9020 by default) over plain HTTP without
//! authentication; otherwise set `NIMBUS_ACCESS_TOKEN` to an OAuth
//! access token (e.g. from `gcloud auth print-access-token`).

use nimbus_spanner::names::DatabaseName;
use nimbus_spanner::types::CreateSessionRequest;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(project), Some(instance), Some(database)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: get_session <project> <instance> <database>".into());
    };
    let mut config = nimbus_spanner::Config::new();
    if let Ok(token) = std::env::var("NIMBUS_ACCESS_TOKEN") {
        config = config.token_provider(nimbus_spanner::config::StaticToken::new(token));
    }
    let sessions = nimbus_spanner::Client::new(config).projects().instances().databases().sessions();
    let created = sessions.create(DatabaseName::new(project, instance, database), CreateSessionRequest::new()).send().await?;
    let name = created.name.ok_or("the service returned a session without a name")?;
    let session = sessions.get(&name).send().await?;
    println!("{}: created {:?}", name, session.create_time);
    sessions.delete(name).send().await?;
    Ok(())
}
