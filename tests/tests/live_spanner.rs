//! Live scenarios against the official Cloud Spanner emulator (preinstalled:
//! `gateway_main` + `emulator_main`; `NIMBUS_SPANNER_EMULATOR_DIR` overrides
//! where they are): each run starts its own emulator on free loopback ports
//! and stops its whole process group when done, even on failure.

use nimbus_core::ErrorKind;
use nimbus_google::WaitSettings;
use nimbus_spanner::config::Config as GoogleConfig;
use nimbus_spanner::names::{DatabaseName, InstanceName, SessionName};
use nimbus_spanner::types::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PROJECT: &str = "nimbus-test";

struct Emulator {
    child: Child,
    grpc_port: u16,
    http_port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl Emulator {
    fn start() -> Emulator {
        use std::os::unix::process::CommandExt;
        let dir =
            std::env::var("NIMBUS_SPANNER_EMULATOR_DIR").unwrap_or_else(|_| "/usr/lib/google-cloud-sdk/bin/cloud_spanner_emulator".into());
        let gateway = format!("{dir}/gateway_main");
        assert!(std::path::Path::new(&gateway).is_file(), "Cloud Spanner emulator not found at {dir} (set NIMBUS_SPANNER_EMULATOR_DIR)");
        let (grpc_port, http_port) = (free_port(), free_port());
        let child = Command::new(&gateway)
            .args(["--hostname", "127.0.0.1", "--grpc_port", &grpc_port.to_string(), "--http_port", &http_port.to_string()])
            .arg("--grpc_binary")
            .arg(format!("{dir}/emulator_main"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start the emulator");
        let emulator = Emulator { child, grpc_port, http_port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready(http_port) {
            assert!(Instant::now() < deadline, "the emulator did not answer on port {http_port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        emulator
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let pgid = self.child.id();
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{pgid}")]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(s, "GET /v1/projects/{PROJECT}/instances HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200")
}

fn quick() -> WaitSettings {
    WaitSettings { initial_delay: Duration::from_millis(100), max_delay: Duration::from_millis(500), deadline: Duration::from_secs(60) }
}

/// Fails a step with a message.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

/// The scenario's state, filled step by step.
struct State {
    spanner: nimbus_spanner::Client,
    url: String,
    grpc_port: u16,
    http_port: u16,
    db: DatabaseName,
    session: String,
}

impl State {
    fn sessions(&self) -> nimbus_spanner::client::ProjectsInstancesDatabasesSessions {
        self.spanner.projects().instances().databases().sessions()
    }
}

fn instance_request(id: &str) -> CreateInstanceRequest {
    let project = format!("projects/{PROJECT}");
    let instance = Instance::new().set_config(format!("{project}/instanceConfigs/emulator-config")).set_display_name(id).set_node_count(1);
    CreateInstanceRequest::new().set_instance_id(id).set_instance(instance)
}

async fn create_instance(s: &mut State) -> Result<(), String> {
    let created: Instance =
        s.spanner.projects().instances().create(format!("projects/{PROJECT}"), instance_request("inst")).wait(quick()).await.map_err(e)?;
    ensure!(created.name.as_deref() == Some(InstanceName::new(PROJECT, "inst").to_string().as_str()), "instance {created:?}");
    Ok(())
}

async fn create_database(s: &mut State) -> Result<(), String> {
    let ddl = CreateDatabaseRequest::new().set_create_statement("CREATE DATABASE music").set_extra_statements(vec![
        "CREATE TABLE Singers (Id INT64 NOT NULL, Name STRING(MAX), Score FLOAT64) PRIMARY KEY (Id)".to_owned(),
        "CREATE TABLE Items (Id INT64 NOT NULL, Task INT64) PRIMARY KEY (Id)".to_owned(),
        "CREATE TABLE Albums (Id INT64 NOT NULL, Title STRING(MAX)) PRIMARY KEY (Id)".to_owned(),
    ]);
    let database: Database =
        s.spanner.projects().instances().databases().create(InstanceName::new(PROJECT, "inst"), ddl).wait(quick()).await.map_err(e)?;
    ensure!(database.name.as_deref() == Some(s.db.to_string().as_str()), "database {database:?}");
    Ok(())
}

async fn create_session(s: &mut State) -> Result<(), String> {
    let session = s.sessions().create(s.db.clone(), CreateSessionRequest::new()).send().await.map_err(e)?;
    s.session = session.name.ok_or("no session name")?;
    Ok(())
}

async fn get_session(s: &mut State) -> Result<(), String> {
    let id = s.session.rsplit('/').next().unwrap_or_default().to_owned();
    let got = s.sessions().get(SessionName::new(PROJECT, "inst", "music", id)).send().await.map_err(e)?;
    ensure!(got.name.as_deref() == Some(s.session.as_str()), "got {got:?}");
    ensure!(got.create_time.is_some(), "no createTime in {got:?}");
    Ok(())
}

async fn batch_create_and_list(s: &mut State) -> Result<(), String> {
    let out = s.sessions().batch_create(s.db.clone(), BatchCreateSessionsRequest::new().set_session_count(2)).send().await.map_err(e)?;
    ensure!(out.session.unwrap_or_default().len() == 2, "batchCreate made 2 sessions");
    let mut pages = s.sessions().list(s.db.clone()).set_page_size(1).pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        sizes.push(page.map_err(e)?.sessions.unwrap_or_default().len());
    }
    ensure!(sizes == vec![1, 1, 1], "pages of one session each: {sizes:?}");
    let items = s.sessions().list(s.db.clone()).set_page_size(1).items().try_collect().await.map_err(e)?;
    ensure!(items.len() == 3, "3 sessions as items, got {}", items.len());
    Ok(())
}

fn read_write() -> BeginTransactionRequest {
    BeginTransactionRequest::new().set_options(TransactionOptions::new().set_read_write(ReadWrite::new()))
}

async fn insert_and_commit(s: &mut State) -> Result<(), String> {
    let tx = s.sessions().begin_transaction(&s.session, read_write()).send().await.map_err(e)?.id.ok_or("no transaction id")?;
    let dml = ExecuteSqlRequest::new()
        .set_sql("INSERT INTO Singers (Id, Name, Score) VALUES (1, 'Marc', 1.5), (2, 'Catalina', 2.5), (3, 'Ünïcode ✓', -0.25)")
        .set_transaction(TransactionSelector::new().set_id(tx.clone()))
        .set_seqno(1);
    let result = s.sessions().execute_sql(&s.session, dml).send().await.map_err(e)?;
    let count = result.stats.and_then(|st| st.row_count_exact);
    ensure!(count == Some(3), "3 rows inserted, got {count:?}");
    s.sessions().commit(&s.session, CommitRequest::new().set_transaction_id(tx)).send().await.map_err(e)?;
    Ok(())
}

async fn rollback_another(s: &mut State) -> Result<(), String> {
    let tx = s.sessions().begin_transaction(&s.session, read_write()).send().await.map_err(e)?.id.ok_or("no transaction id")?;
    let dml = ExecuteSqlRequest::new()
        .set_sql("INSERT INTO Singers (Id, Name) VALUES (99, 'Rolled back')")
        .set_transaction(TransactionSelector::new().set_id(tx.clone()))
        .set_seqno(1);
    s.sessions().execute_sql(&s.session, dml).send().await.map_err(e)?;
    s.sessions().rollback(&s.session, RollbackRequest::new().set_transaction_id(tx)).send().await.map_err(e)?;
    let rows = s
        .sessions()
        .execute_sql(&s.session, ExecuteSqlRequest::new().set_sql("SELECT COUNT(*) FROM Singers WHERE Id = 99"))
        .send()
        .await
        .map_err(e)?
        .rows;
    ensure!(rows == Some(vec![vec![serde_json::json!("0")]]), "the rolled-back row is absent: {rows:?}");
    Ok(())
}

async fn typed_values(s: &mut State) -> Result<(), String> {
    let sql = "SELECT CAST(9223372036854775807 AS INT64), CAST(-9223372036854775808 AS INT64), CAST('NaN' AS FLOAT64), 1.5, \
               b'\\x00\\xffnimbus', TIMESTAMP '2026-11-24T10:00:00.123456789Z', NUMERIC '123.456789', JSON '{\"a\": [1, null]}', [1, 2, 3], 'Ünïcode ✓'";
    let result = s.sessions().execute_sql(&s.session, ExecuteSqlRequest::new().set_sql(sql)).send().await.map_err(e)?;
    let fields = result.metadata.and_then(|m| m.row_type).and_then(|t| t.fields).unwrap_or_default();
    let codes: Vec<String> =
        fields.iter().map(|f| f.r#type.as_ref().and_then(|t| t.code.as_ref()).map(|c| c.as_str().to_owned()).unwrap_or_default()).collect();
    ensure!(
        codes == ["INT64", "INT64", "FLOAT64", "FLOAT64", "BYTES", "TIMESTAMP", "NUMERIC", "JSON", "ARRAY", "STRING"],
        "column types {codes:?}"
    );
    let row = result.rows.unwrap_or_default().into_iter().next().ok_or("no row")?;
    let want = serde_json::json!([
        "9223372036854775807",
        "-9223372036854775808",
        "NaN",
        1.5,
        "AP9uaW1idXM=",
        "2026-11-24T10:00:00.123456789Z",
        "123.456789",
        "{\"a\":[1,null]}",
        ["1", "2", "3"],
        "Ünïcode ✓"
    ]);
    ensure!(serde_json::Value::Array(row.clone()) == want, "row {row:?}");
    let max: i64 = row[0].as_str().unwrap_or_default().parse().map_err(e)?;
    ensure!(max == i64::MAX, "INT64 max round-trips");
    let ts = nimbus_core::DateTime::parse_rfc3339(row[5].as_str().unwrap_or_default()).map_err(e)?;
    ensure!(ts.to_rfc3339() == "2026-11-24T10:00:00.123456789Z", "nanoseconds kept: {}", ts.to_rfc3339());
    Ok(())
}

async fn streaming_rows(s: &mut State) -> Result<(), String> {
    let query = || {
        ExecuteSqlRequest::new().set_sql("SELECT x, CONCAT('row-', CAST(x AS STRING)) FROM UNNEST(GENERATE_ARRAY(1, 300)) AS x ORDER BY x")
    };
    let mut stream = s.sessions().execute_streaming_sql(&s.session, query()).stream().await.map_err(e)?;
    let (mut parts, mut values) = (0, 0);
    while let Some(part) = stream.next().await {
        parts += 1;
        values += part.map_err(e)?.values.unwrap_or_default().len();
    }
    ensure!(values == 600 && parts >= 1, "600 values over {parts} partial result sets, got {values}");
    let rows = s.sessions().execute_streaming_sql(&s.session, query()).rows().await.map_err(e)?.try_collect().await.map_err(e)?;
    ensure!(rows.len() == 300, "300 rows, got {}", rows.len());
    ensure!(rows[299] == vec![serde_json::json!("300"), serde_json::json!("row-300")], "last row {:?}", rows[299]);
    Ok(())
}

async fn errors(s: &mut State) -> Result<(), String> {
    let err = s.sessions().execute_sql(&s.session, ExecuteSqlRequest::new().set_sql("SELEC oops")).send().await.unwrap_err();
    ensure!(err.kind() == ErrorKind::Service && err.code() == Some("INVALID_ARGUMENT"), "syntax error: {err}");
    ensure!(err.status() == Some(400), "HTTP 400 for INVALID_ARGUMENT: {err}");
    let missing = SessionName::new(PROJECT, "inst", "music", "no-such-session");
    let err = s.sessions().get(missing).send().await.unwrap_err();
    // The emulator's known bug: NOT_FOUND arrives as 500 {"code": 13, "message": "failed to marshal error message"}.
    ensure!(err.code() == Some("INTERNAL") && err.status() == Some(500), "missing session: {err}");
    let err = s.spanner.projects().instances().create(format!("projects/{PROJECT}"), instance_request("inst")).send().await.unwrap_err();
    ensure!(err.code() == Some("ALREADY_EXISTS"), "duplicate instance: {err}");
    let err = s.sessions().get("projects/p/sessions/s").send().await.unwrap_err();
    ensure!(err.kind() == ErrorKind::InvalidRequest, "a name outside the pattern is refused: {err}");
    Ok(())
}

async fn delete_session(s: &mut State) -> Result<(), String> {
    s.sessions().delete(&s.session).send().await.map_err(e)?;
    let remaining = s.sessions().list(s.db.clone()).items().try_collect().await.map_err(e)?;
    ensure!(remaining.len() == 2, "2 sessions left, got {}", remaining.len());
    Ok(())
}

/// Builds `example` of `package` and runs it against the emulator found
/// through SPANNER_EMULATOR_HOST (gRPC address) and SPANNER_EMULATOR_REST_PORT.
fn run_example(s: &State, package: &str, example: &str) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let built =
        Command::new(&cargo).args(["build", "--quiet", "-p", package, "--example", example]).current_dir(root).status().map_err(e)?;
    ensure!(built.success(), "cargo build --example {example} failed");
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| format!("{root}/target"));
    let out = Command::new(format!("{target}/debug/examples/{example}"))
        .args([PROJECT, "inst", "music"])
        .env("SPANNER_EMULATOR_HOST", format!("127.0.0.1:{}", s.grpc_port))
        .env("SPANNER_EMULATOR_REST_PORT", s.http_port.to_string())
        .output()
        .map_err(e)?;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    ensure!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    Ok(stdout)
}

async fn data_plane_examples(s: &mut State) -> Result<(), String> {
    let out = run_example(s, "nimbus-spanner-data", "session_pool")?;
    ensure!(out.contains("values [10, 20, 30, 40, 50, 60, 70, 80]") && out.contains("closed: 0 sessions left"), "{out}");
    let out = run_example(s, "nimbus-spanner-data", "read_write")?;
    ensure!(out.contains("has score 9.5"), "{out}");
    Ok(())
}

async fn example_via_emulator_host(s: &mut State) -> Result<(), String> {
    // The emulator convention end to end: the example uses `Config::new()` and
    // finds the emulator as Google's libraries do, SPANNER_EMULATOR_HOST naming
    // the gRPC address; the REST port is SPANNER_EMULATOR_REST_PORT (9020 when unset).
    let stdout = run_example(s, "nimbus-spanner", "spanner-get_session")?;
    ensure!(stdout.contains(&format!("{}/sessions/", s.db)), "{stdout} (via {})", s.url);
    Ok(())
}

/// Runs the scenario step by step against a fresh emulator and prints
/// `spanner emulator: N passed, M failed` (a step after a failed one is not
/// run and counts as failed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spanner_emulator_scenario() {
    let emulator = Emulator::start();
    let mut state = State {
        spanner: nimbus_spanner::Client::new(GoogleConfig::new().endpoint_url(emulator.url()).no_credentials()),
        url: emulator.url(),
        grpc_port: emulator.grpc_port,
        http_port: emulator.http_port,
        db: DatabaseName::new(PROJECT, "inst", "music"),
        session: String::new(),
    };
    let mut passed = 0;
    let mut failed = Vec::new();
    macro_rules! step {
        ($name:literal, $f:ident) => {
            if failed.is_empty() {
                match $f(&mut state).await {
                    Ok(()) => passed += 1,
                    Err(why) => failed.push(format!("{}: {why}", $name)),
                }
            } else {
                failed.push(format!("{}: not run", $name));
            }
        };
    }
    step!("create instance (LRO)", create_instance);
    step!("create database with DDL (LRO)", create_database);
    step!("create session", create_session);
    step!("get session", get_session);
    step!("batchCreate and list with pageSize=1", batch_create_and_list);
    step!("insert in a read-write transaction and commit", insert_and_commit);
    step!("rollback another transaction", rollback_another);
    step!("select typed values", typed_values);
    step!("executeStreamingSql, 300 rows", streaming_rows);
    step!("error cases", errors);
    step!("delete session", delete_session);
    step!("examples/get_session.rs via SPANNER_EMULATOR_HOST", example_via_emulator_host);
    step!("pool: 500 read-write transactions from 50 tasks through 10 sessions", pool_contention);
    step!("pool: typed round trip of every type through parameters, NULLs included", pool_typed_round_trip);
    step!("pool: single-use bounds, read-only transaction, mutations, batch DML, streamed query, partitioned DML", pool_transactions);
    step!("pool: keep-alive, shrink, replacement of a lost session, close", pool_upkeep);
    step!("pool: reads by key, streamed reads in every transaction kind, a lost session under a stream, multiplexed fallback", pool_reads);
    step!("examples/session_pool.rs and examples/read_write.rs via SPANNER_EMULATOR_HOST", data_plane_examples);
    drop(emulator);
    for f in &failed {
        println!("--- spanner emulator: {f}");
    }
    println!("spanner emulator: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "spanner emulator steps failed: {failed:?}");
}

// ---- The data plane (nimbus-spanner-data) against the emulator ----

use nimbus_spanner_data::{
    Change, DatabaseClient, Date, Json, Keys, Numeric, PoolConfig, Row, RowStream, Statement, Struct, TableRead, TimestampBound,
};

fn pool_config(label: &str, min: usize, max: usize) -> PoolConfig {
    PoolConfig {
        min_sessions: min,
        max_sessions: max,
        labels: [("pool".to_owned(), label.to_owned())].into_iter().collect(),
        ..PoolConfig::default()
    }
}

/// The sessions on the server that carry label `pool=<label>`.
async fn labelled_sessions(s: &State, label: &str) -> Result<Vec<Session>, String> {
    let all = s.sessions().list(s.db.clone()).items().try_collect().await.map_err(e)?;
    Ok(all.into_iter().filter(|x| x.labels.as_ref().and_then(|l| l.get("pool")).map(String::as_str) == Some(label)).collect())
}

async fn pool_contention(s: &mut State) -> Result<(), String> {
    let db = DatabaseClient::new(&s.spanner, s.db.clone(), pool_config("contention", 10, 10)).await.map_err(e)?;
    let mut tasks = Vec::new();
    for task in 0..50i64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut retries = 0;
            for i in 0..10i64 {
                let id = task * 10 + i;
                let committed = db
                    .read_write_transaction(|tx| async move {
                        let statement =
                            Statement::new("INSERT INTO Items (Id, Task) VALUES (@id, @task)").bind("id", id).bind("task", task);
                        tx.execute_update(statement).await
                    })
                    .await?;
                if committed.value != 1 {
                    return Err(nimbus_core::Error::config(format!("insert of {id} changed {} rows", committed.value)));
                }
                retries += committed.aborted_retries;
            }
            Ok::<u32, nimbus_core::Error>(retries)
        }));
    }
    let mut retries = 0;
    for task in tasks {
        retries += task.await.map_err(e)?.map_err(e)?;
    }
    let result = db.query("SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d FROM Items").await.map_err(e)?;
    let row = result.rows.first().ok_or("no count row")?;
    let (n, d): (i64, i64) = (row.get("n").map_err(e)?, row.get("d").map_err(e)?);
    ensure!(n == 500 && d == 500, "COUNT(*) = {n}, COUNT(DISTINCT Id) = {d}");
    let created = db.stats().created.load(std::sync::atomic::Ordering::Relaxed);
    ensure!(created <= 10, "{created} sessions created for a pool of 10");
    println!("spanner emulator contention: 500 transactions committed, {retries} ABORTED retries, {created} sessions created");
    db.close().await;
    ensure!(labelled_sessions(s, "contention").await?.is_empty(), "close() left sessions");
    Ok(())
}

async fn pool_typed_round_trip(s: &mut State) -> Result<(), String> {
    let db = DatabaseClient::new(&s.spanner, s.db.clone(), pool_config("typed", 1, 2)).await.map_err(e)?;
    let ts = nimbus_core::DateTime::parse_rfc3339("2026-11-30T10:00:00.123456789Z").map_err(e)?;
    let date = Date::new(2024, 2, 29).ok_or("date")?;
    let numeric: Numeric = "-123.456789".parse().map_err(e)?;
    let json = Json(serde_json::json!({"a": [1, null], "b": "ü"}));
    let statement = Statement::new(
        "SELECT @b AS b, @i AS i, @f AS f, @f32 AS f32, @s AS s, @bytes AS bytes, @ts AS ts, @d AS d, @n AS n, @j AS j, \
         @arr AS arr, [@st] AS st, @nb AS nb, @ni AS ni, @ns AS ns, @nts AS nts, @narr AS narr, @nan AS nan",
    )
    .bind("b", true)
    .bind("i", i64::MIN)
    .bind("f", 1.25f64)
    .bind("f32", 0.5f32)
    .bind("s", "Ünïcode ✓")
    .bind("bytes", vec![0u8, 255, 7])
    .bind("ts", ts)
    .bind("d", date)
    .bind("n", numeric.clone())
    .bind("j", json.clone())
    .bind("arr", vec![Some(1i64), None, Some(3)])
    .bind("st", Struct::new().field("a", 7i64).field("b", "x"))
    .bind("nb", Option::<bool>::None)
    .bind("ni", Option::<i64>::None)
    .bind("ns", Option::<String>::None)
    .bind("nts", Option::<nimbus_core::DateTime>::None)
    .bind("narr", Option::<Vec<i64>>::None)
    .bind("nan", f64::NAN);
    let result = db.query(statement).await.map_err(e)?;
    let row = result.rows.first().ok_or("no row")?;
    ensure!(row.get::<bool>("b").map_err(e)?, "bool");
    ensure!(row.get::<i64>("i").map_err(e)? == i64::MIN, "INT64");
    ensure!(row.get::<f64>("f").map_err(e)? == 1.25, "FLOAT64");
    ensure!(row.get::<f32>("f32").map_err(e)? == 0.5, "FLOAT32");
    ensure!(row.get::<String>("s").map_err(e)? == "Ünïcode ✓", "STRING");
    ensure!(row.get::<Vec<u8>>("bytes").map_err(e)? == vec![0u8, 255, 7], "BYTES");
    ensure!(row.get::<nimbus_core::DateTime>("ts").map_err(e)? == ts, "TIMESTAMP with nanoseconds");
    ensure!(row.get::<Date>("d").map_err(e)? == date, "DATE");
    ensure!(row.get::<Numeric>("n").map_err(e)? == numeric, "NUMERIC");
    ensure!(row.get::<Json>("j").map_err(e)? == json, "JSON");
    ensure!(row.get::<Vec<Option<i64>>>("arr").map_err(e)? == vec![Some(1), None, Some(3)], "ARRAY with a NULL element");
    let structs: Vec<Row> = row.get("st").map_err(e)?;
    let first = structs.first().ok_or("no struct")?;
    ensure!(first.get::<i64>("a").map_err(e)? == 7 && first.get::<String>("b").map_err(e)? == "x", "STRUCT fields");
    ensure!(row.get::<Option<bool>>("nb").map_err(e)?.is_none(), "NULL BOOL");
    ensure!(row.get::<Option<i64>>("ni").map_err(e)?.is_none(), "NULL INT64");
    ensure!(row.get::<Option<String>>("ns").map_err(e)?.is_none(), "NULL STRING");
    ensure!(row.get::<Option<nimbus_core::DateTime>>("nts").map_err(e)?.is_none(), "NULL TIMESTAMP");
    ensure!(row.get::<Option<Vec<i64>>>("narr").map_err(e)?.is_none(), "NULL ARRAY");
    ensure!(row.get::<f64>("nan").map_err(e)?.is_nan(), "NaN");
    let err = row.get::<i64>("s").unwrap_err().to_string();
    ensure!(err.contains("`s`") && err.contains("STRING") && err.contains("i64"), "a mismatch names the column and both types: {err}");
    let err = row.get::<i64>("missing").unwrap_err().to_string();
    ensure!(err.contains("missing"), "an unknown column is named: {err}");
    db.close().await;
    Ok(())
}

async fn pool_transactions(s: &mut State) -> Result<(), String> {
    let db = DatabaseClient::new(&s.spanner, s.db.clone(), pool_config("tx", 1, 3)).await.map_err(e)?;
    // Mutations only: a single-use read-write commit.
    let committed = db
        .read_write_transaction(|tx| async move {
            tx.buffer(Change::insert("Albums", &["Id", "Title"]).row(&[&1i64, &"One"]).row(&[&2i64, &"Two"]).row(&[&3i64, &"Three"]));
            tx.buffer(Change::insert_or_update("Albums", &["Id", "Title"]).row(&[&4i64, &"Four"]));
            Ok(())
        })
        .await
        .map_err(e)?;
    ensure!(committed.commit_timestamp.is_some(), "commit timestamp");
    db.read_write_transaction(|tx| async move {
        tx.buffer(Change::update("Albums", &["Id", "Title"]).row(&[&1i64, &"Uno"]));
        tx.buffer(Change::replace("Albums", &["Id", "Title"]).row(&[&2i64, &"Dos"]));
        tx.buffer(Change::delete("Albums", Keys::new().key(&[&3i64])));
        Ok(())
    })
    .await
    .map_err(e)?;
    // Strong single-use read with its timestamp.
    let strong = db.query("SELECT Id, Title FROM Albums ORDER BY Id").await.map_err(e)?;
    let titles: Vec<String> = strong.rows.iter().map(|r| r.get("Title")).collect::<Result<_, _>>().map_err(e)?;
    ensure!(titles == ["Uno", "Dos", "Four"], "after update/replace/delete: {titles:?}");
    let stale = db.query_at(TimestampBound::ExactStaleness(Duration::from_secs(1)), "SELECT 1").await.map_err(e)?;
    ensure!(stale.read_timestamp.is_some(), "exact staleness returns its read timestamp");
    let bounded = db.query_at(TimestampBound::MaxStaleness(Duration::from_secs(10)), "SELECT 1").await.map_err(e)?;
    ensure!(bounded.read_timestamp.is_some(), "bounded staleness returns its read timestamp");
    // A multi-use read-only transaction.
    let ro = db.read_only_transaction(TimestampBound::Strong).await.map_err(e)?;
    let a = ro.execute_query("SELECT COUNT(*) FROM Albums").await.map_err(e)?;
    let b = ro.execute_query("SELECT MAX(Id) FROM Albums").await.map_err(e)?;
    ensure!(a.rows[0].get::<i64>(0).map_err(e)? == 3 && b.rows[0].get::<i64>(0).map_err(e)? == 4, "read-only reads");
    ensure!(ro.read_timestamp().is_some(), "read-only timestamp");
    drop(ro);
    // DML, a query and batch DML in one transaction; reads see its writes.
    let committed = db
        .read_write_transaction(|tx| async move {
            tx.execute_update(Statement::new("INSERT INTO Albums (Id, Title) VALUES (@id, 'Ten')").bind("id", 10i64)).await?;
            let seen = tx.execute_query("SELECT COUNT(*) FROM Albums WHERE Id = 10").await?;
            let counts = tx
                .batch_update(vec![
                    Statement::new("INSERT INTO Albums (Id, Title) VALUES (11, 'Eleven')"),
                    Statement::new("UPDATE Albums SET Title = 'TEN' WHERE Id >= 10"),
                ])
                .await?;
            Ok((seen.rows[0].get::<i64>(0)?, counts))
        })
        .await
        .map_err(e)?;
    ensure!(committed.value == (1, vec![1, 2]), "read-your-writes and batch counts: {:?}", committed.value);
    // A failing statement rolls the transaction back.
    let err = db
        .read_write_transaction(|tx| async move {
            tx.execute_update("INSERT INTO Albums (Id, Title) VALUES (20, 'Twenty')").await?;
            tx.execute_update("INSERT INTO Albums (Id, Title) VALUES (1, 'duplicate')").await
        })
        .await
        .unwrap_err();
    ensure!(err.code() == Some("ALREADY_EXISTS"), "duplicate key: {err}");
    let twenty = db.query("SELECT COUNT(*) FROM Albums WHERE Id = 20").await.map_err(e)?;
    ensure!(twenty.rows[0].get::<i64>(0).map_err(e)? == 0, "the failed transaction was rolled back");
    // A streamed query through the pool.
    let mut stream = db.query_stream("SELECT x FROM UNNEST(GENERATE_ARRAY(1, 300)) AS x ORDER BY x").await.map_err(e)?;
    let mut sum = 0i64;
    while let Some(row) = stream.next().await {
        sum += row.map_err(e)?.get::<i64>("x").map_err(e)?;
    }
    ensure!(sum == 300 * 301 / 2, "streamed rows sum to {sum}");
    drop(stream);
    // Partitioned DML.
    let changed = db.partitioned_update("UPDATE Albums SET Title = UPPER(Title) WHERE Id < 10").await.map_err(e)?;
    ensure!(changed == 3, "partitioned DML changed {changed}");
    db.close().await;
    Ok(())
}

async fn pool_upkeep(s: &mut State) -> Result<(), String> {
    let config = PoolConfig {
        keep_alive_interval: Duration::from_millis(800),
        idle_timeout: Duration::from_secs(3),
        maintenance_interval: Duration::from_millis(200),
        ..pool_config("upkeep", 2, 4)
    };
    let db = DatabaseClient::new(&s.spanner, s.db.clone(), config).await.map_err(e)?;
    // Grow to four: four read-only transactions hold a session each.
    let held = futures_util::future::try_join_all((0..4).map(|_| db.read_only_transaction(TimestampBound::Strong))).await.map_err(e)?;
    ensure!(db.session_count() == 4, "grew to 4, has {}", db.session_count());
    drop(held);
    let before = labelled_sessions(s, "upkeep").await?;
    ensure!(before.len() == 4, "4 sessions on the server, found {}", before.len());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let keep_alives = db.stats().keep_alives.load(std::sync::atomic::Ordering::Relaxed);
    ensure!(keep_alives >= 4, "idle sessions got SELECT 1: {keep_alives} keep-alives");
    let after = labelled_sessions(s, "upkeep").await?;
    let moved = after
        .iter()
        .filter(|x| {
            let was = before.iter().find(|b| b.name == x.name).and_then(|b| b.approximate_last_use_time);
            x.approximate_last_use_time > was
        })
        .count();
    ensure!(moved == 4, "approximateLastUseTime moved on {moved} of 4 sessions");
    // Shrink: above min, idle since the start (keep-alives do not count as use).
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.session_count() > 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ensure!(db.session_count() == 2, "shrank to min 2, has {}", db.session_count());
    let left = labelled_sessions(s, "upkeep").await?;
    ensure!(left.len() == 2, "2 sessions left on the server, found {}", left.len());
    // Delete one session behind the pool's back: two concurrent queries use both
    // sessions; the one on the lost session is replaced and retried.
    s.sessions().delete(left[0].name.clone().unwrap_or_default()).send().await.map_err(e)?;
    let (a, b) = futures_util::future::join(db.query("SELECT 1"), db.query("SELECT 2")).await;
    a.map_err(e)?;
    b.map_err(e)?;
    let replaced = db.stats().replaced.load(std::sync::atomic::Ordering::Relaxed);
    ensure!(replaced == 1, "{replaced} sessions replaced");
    db.close().await;
    let remaining = labelled_sessions(s, "upkeep").await?;
    ensure!(remaining.is_empty(), "close() left {} sessions", remaining.len());
    ensure!(db.query("SELECT 1").await.is_err(), "a closed pool refuses calls");
    Ok(())
}

/// The ids of a stream's rows (column `Id`).
async fn stream_ids(stream: &mut RowStream) -> Result<Vec<i64>, nimbus_core::Error> {
    let mut ids = Vec::new();
    while let Some(row) = stream.next().await {
        ids.push(row?.get::<i64>("Id")?);
    }
    Ok(ids)
}

async fn pool_reads(s: &mut State) -> Result<(), String> {
    let db = DatabaseClient::new(&s.spanner, s.db.clone(), pool_config("reads", 1, 2)).await.map_err(e)?;
    // The emulator answers a request for a multiplexed session with a regular
    // one: reads use the pool, and that session is the pool's first.
    ensure!(!db.uses_multiplexed_sessions(), "the emulator has no multiplexed sessions");
    ensure!(db.stats().created.load(std::sync::atomic::Ordering::Relaxed) == 1, "the probe's session is the pool's one");
    ensure!(labelled_sessions(s, "reads").await?.len() == 1, "one labelled session on the server");
    let albums = Change::insert("Albums", &["Id", "Title"]);
    let albums = (100..400i64).fold(albums, |c, id| c.row(&[&id, &format!("album-{id}")]));
    db.read_write_transaction(|tx| {
        let albums = albums.clone();
        async move {
            tx.buffer(albums);
            Ok(())
        }
    })
    .await
    .map_err(e)?;
    let range = || Keys::new().range(&[&100i64], &[&399i64]);
    let want: Vec<i64> = (100..400).collect();
    // Single-use reads: whole, limited, streamed.
    let read = db.read(TableRead::new("Albums", &["Id", "Title"], Keys::new().key(&[&100i64]).key(&[&250i64]))).await.map_err(e)?;
    let got: Vec<(i64, String)> =
        read.rows.iter().map(|r| Ok((r.get("Id")?, r.get("Title")?))).collect::<Result<_, nimbus_core::Error>>().map_err(e)?;
    ensure!(got == [(100, "album-100".to_owned()), (250, "album-250".to_owned())], "read by keys: {got:?}");
    ensure!(read.read_timestamp.is_some(), "a single-use read returns its timestamp");
    let limited = db.read(TableRead::new("Albums", &["Id"], range()).limit(7)).await.map_err(e)?;
    ensure!(limited.rows.len() == 7, "limit 7 read {} rows", limited.rows.len());
    let mut stream = db.read_stream(TableRead::new("Albums", &["Id", "Title"], range())).await.map_err(e)?;
    ensure!(stream_ids(&mut stream).await.map_err(e)? == want, "streamingRead of 300 rows");
    drop(stream);
    // A read-only transaction: a read and two streams at one timestamp.
    let ro = db.read_only_transaction(TimestampBound::Strong).await.map_err(e)?;
    let one = ro.read(TableRead::new("Albums", &["Id"], Keys::new().key(&[&101i64]))).await.map_err(e)?;
    ensure!(one.rows.len() == 1, "read-only read");
    let by_key = stream_ids(&mut ro.read_stream(TableRead::new("Albums", &["Id"], range()))).await.map_err(e)?;
    let by_sql = stream_ids(&mut ro.query_stream("SELECT Id FROM Albums WHERE Id BETWEEN 100 AND 399 ORDER BY Id")).await.map_err(e)?;
    ensure!(by_key == want && by_sql == want, "read-only streams");
    drop(ro);
    // A read-write transaction whose first statement is a stream (inline
    // begin), then a read and DML in the same transaction.
    let committed = db
        .read_write_transaction(|tx| async move {
            let mut stream = tx.query_stream("SELECT Id FROM Albums WHERE Id BETWEEN 100 AND 399 ORDER BY Id").await?;
            let streamed = stream_ids(&mut stream).await?;
            let by_key = stream_ids(&mut tx.read_stream(TableRead::new("Albums", &["Id"], Keys::new().key(&[&399i64]))).await?).await?;
            let read = tx.read(TableRead::new("Albums", &["Id"], Keys::new().key(&[&100i64]))).await?;
            let deleted = tx.execute_update("DELETE FROM Albums WHERE Id >= 390 AND Id < 400").await?;
            Ok((streamed.len(), by_key, read.rows.len(), deleted))
        })
        .await
        .map_err(e)?;
    ensure!(committed.value == (300, vec![399], 1, 10), "read-write streams, read and DML: {:?}", committed.value);
    let left = db.query("SELECT COUNT(*) FROM Albums WHERE Id BETWEEN 100 AND 399").await.map_err(e)?;
    ensure!(left.rows[0].get::<i64>(0).map_err(e)? == 290, "the transaction committed its DELETE");
    // The pool's session deleted behind its back: a stream moves to a new one.
    let sessions = labelled_sessions(s, "reads").await?;
    ensure!(sessions.len() == 1, "one session before the loss, found {}", sessions.len());
    s.sessions().delete(sessions[0].name.clone().unwrap_or_default()).send().await.map_err(e)?;
    let mut stream = db.read_stream(TableRead::new("Albums", &["Id"], range())).await.map_err(e)?;
    ensure!(stream_ids(&mut stream).await.map_err(e)?.len() == 290, "the stream on a new session");
    drop(stream);
    let replaced = db.stats().replaced.load(std::sync::atomic::Ordering::Relaxed);
    ensure!(replaced == 1, "{replaced} sessions replaced");
    db.close().await;
    ensure!(labelled_sessions(s, "reads").await?.is_empty(), "close() left sessions");
    Ok(())
}
