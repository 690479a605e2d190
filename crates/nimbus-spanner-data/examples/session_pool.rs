//! The session lifecycle done by the pool: sessions are created, reused by
//! concurrent work, kept alive, and deleted at the end, with no session
//! bookkeeping in the program.
//!
//! ```text
//! SPANNER_EMULATOR_HOST=localhost:9010 cargo run -p nimbus-spanner-data --example session_pool -- <project> <instance> <database>
//! ```
//!
//! With `SPANNER_EMULATOR_HOST` set (the emulator's gRPC address; REST goes to
//! `SPANNER_EMULATOR_REST_PORT`, 9020 by default) requests go to the emulator
//! unauthenticated; otherwise Application Default Credentials are used.

use nimbus_spanner_data::nimbus_spanner::{self, names::DatabaseName};
use nimbus_spanner_data::{DatabaseClient, PoolConfig, Statement};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [project, instance, database] = args.as_slice() else {
        return Err("usage: session_pool <project> <instance> <database>".into());
    };
    let spanner = nimbus_spanner::Client::new(nimbus_spanner::Config::new());
    let config = PoolConfig { min_sessions: 2, max_sessions: 4, ..PoolConfig::default() };
    let db = DatabaseClient::new(&spanner, DatabaseName::new(project, instance, database), config).await?;

    // Eight concurrent queries share at most four sessions.
    let mut tasks = Vec::new();
    for i in 1..=8i64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let result = db.query(Statement::new("SELECT @i * 10 AS v").bind("i", i)).await?;
            result.rows[0].get::<i64>("v")
        }));
    }
    let mut values = Vec::new();
    for task in tasks {
        values.push(task.await??);
    }
    println!("values {values:?} from {} sessions", db.session_count());

    db.close().await;
    println!("closed: {} sessions left", db.session_count());
    Ok(())
}
