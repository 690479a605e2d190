//! Cloud Spanner's data plane, hand-written on top of the generated
//! [`nimbus_spanner`] client (every call goes through it):
//!
//! * [`DatabaseClient`]: a session pool (min/max sessions made with
//!   `batchCreateSessions`, labels, database role, fair bounded waits,
//!   keep-alive `SELECT 1`, shrinking, replacement of sessions the server
//!   lost, [`close`](DatabaseClient::close) deleting them all), with reads
//!   outside read-write transactions on a multiplexed session when the
//!   server makes one;
//! * transactions: single-use queries at a [`TimestampBound`] with their
//!   read timestamp, multi-use [`ReadOnlyTransaction`]s, and read-write
//!   transactions as a closure the runner re-runs on `ABORTED`
//!   ([`DatabaseClient::read_write_transaction`]) with inline begin, DML,
//!   batch DML and mutations ([`Change`]); partitioned DML;
//! * typed values: [`Statement::bind`] infers each parameter's type
//!   ([`ToSpanner`]), [`Row::get`] reads a column as any [`FromSpanner`]
//!   type by name or index;
//! * reads by key ([`TableRead`], [`Keys`]);
//! * [`RowStream`]: streamed query and read results, single-use or in a
//!   transaction, that resume from the last resume token after a failure
//!   mid-stream.
//!
//! ```no_run
//! # async fn demo() -> Result<(), nimbus_spanner::Error> {
//! use nimbus_spanner_data::{Change, DatabaseClient, PoolConfig, Statement};
//! let spanner = nimbus_spanner::Client::new(nimbus_spanner::Config::new());
//! let database = nimbus_spanner::names::DatabaseName::new("my-project", "my-instance", "music");
//! let db = DatabaseClient::new(&spanner, database, PoolConfig::default()).await?;
//! let committed = db
//!     .read_write_transaction(|tx| async move {
//!         let updated = tx.execute_update(Statement::new("UPDATE Singers SET Score = Score + 1 WHERE Id = @id").bind("id", 1i64)).await?;
//!         tx.buffer(Change::insert("Singers", &["Id", "Name"]).row(&[&2i64, &"Catalina"]));
//!         Ok(updated)
//!     })
//!     .await?;
//! println!("{} row(s) updated, committed at {:?}", committed.value, committed.commit_timestamp);
//! db.close().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod client;
mod pool;
mod row;
mod stream;
mod transaction;
pub mod value;

pub use client::{Committed, DatabaseClient};
pub use nimbus_spanner;
pub use pool::{PoolConfig, PoolStats, PooledSession};
pub use row::{ColumnIndex, Columns, QueryResult, Row, Statement};
pub use stream::{MAX_HELD_BYTES, RowStream};
pub use transaction::{Change, Keys, ReadOnlyTransaction, ReadWriteTransaction, TableRead, TimestampBound, is_aborted, retry_delay};
pub use value::{Date, FromSpanner, Json, Numeric, SpannerType, Struct, ToSpanner, Value};
