//! A read-write transaction: read, write with DML and a mutation, commit; the
//! runner runs the closure again if Spanner aborts the transaction.
//!
//! ```text
//! SPANNER_EMULATOR_HOST=localhost:9010 cargo run -p nimbus-spanner-data --example read_write -- <project> <instance> <database>
//! ```
//!
//! The database needs `CREATE TABLE Singers (Id INT64 NOT NULL, Name STRING(MAX), Score FLOAT64) PRIMARY KEY (Id)`.

use nimbus_spanner_data::nimbus_spanner::{self, names::DatabaseName};
use nimbus_spanner_data::{Change, DatabaseClient, PoolConfig, Statement};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [project, instance, database] = args.as_slice() else {
        return Err("usage: read_write <project> <instance> <database>".into());
    };
    let spanner = nimbus_spanner::Client::new(nimbus_spanner::Config::new());
    let db = DatabaseClient::new(&spanner, DatabaseName::new(project, instance, database), PoolConfig::default()).await?;

    let committed = db
        .read_write_transaction(|tx| async move {
            let next: i64 = tx.execute_query("SELECT COALESCE(MAX(Id), 0) + 1 AS next FROM Singers").await?.rows[0].get("next")?;
            tx.execute_update(
                Statement::new("INSERT INTO Singers (Id, Name, Score) VALUES (@id, @name, 0)").bind("id", next).bind("name", "Alice"),
            )
            .await?;
            tx.buffer(Change::update("Singers", &["Id", "Score"]).row(&[&next, &9.5f64]));
            Ok(next)
        })
        .await?;
    println!("inserted singer {} at {:?} ({} aborted attempts)", committed.value, committed.commit_timestamp, committed.aborted_retries);

    let result = db.query(Statement::new("SELECT Name, Score FROM Singers WHERE Id = @id").bind("id", committed.value)).await?;
    let row = &result.rows[0];
    println!("{} has score {}", row.get::<String>("Name")?, row.get::<f64>("Score")?);
    db.close().await;
    Ok(())
}
