//! Live scenarios against moto server (`moto[server]`, installed by
//! `cargo xtask test` into `target/moto-venv`; `NIMBUS_MOTO_SERVER` names the
//! executable): each test starts its own server on a free loopback port and
//! stops its process group when done, even on failure.

use nimbus_athena::config::{Config as AwsConfig, Credentials};
use nimbus_core::ErrorKind;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server; dropping it kills its process group.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start(env: &[(&str, &str)]) -> Moto {
        use std::os::unix::process::CommandExt;
        let server = std::env::var("NIMBUS_MOTO_SERVER")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/moto-venv/bin/moto_server").to_owned());
        assert!(
            std::path::Path::new(&server).is_file(),
            "moto_server not found at {server}: run `cargo xtask test`, which installs moto[server] into target/moto-venv"
        );
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let mut cmd = Command::new(&server);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start moto_server");
        let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(30);
        while http_get(port, "/moto-api/").is_none() {
            assert!(Instant::now() < deadline, "moto did not become ready on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    fn port(&self) -> u16 {
        self.url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let pgid = self.child.id();
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{pgid}")]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.starts_with("HTTP/1.1 200").then_some(out)
}

fn config(moto: &Moto) -> AwsConfig {
    AwsConfig::new()
        .region("us-east-1")
        .endpoint_url(&moto.url)
        .credentials(Credentials::new("AKIDMOTO", "moto-secret", None))
        .attempt_timeout(Duration::from_secs(20))
}

async fn athena_scenario() {
    use nimbus_athena::errors::CreateWorkGroupError;
    use nimbus_athena::types::{DataCatalogType, ResultConfiguration, Tag, WorkGroupConfiguration};
    let moto = Moto::start(&[]);
    let athena = nimbus_athena::Client::new(config(&moto));

    let wg_config =
        WorkGroupConfiguration::new().set_result_configuration(ResultConfiguration::new().set_output_location("s3://results/athena/"));
    athena
        .create_work_group("analytics")
        .set_description("team work group")
        .set_configuration(wg_config)
        .send()
        .await
        .expect("CreateWorkGroup");
    let wg = athena.get_work_group("analytics").send().await.expect("GetWorkGroup").work_group.expect("work group");
    assert_eq!(wg.name, "analytics");
    assert_eq!(wg.description.as_deref(), Some("team work group"));
    let groups = athena.list_work_groups().send().await.expect("ListWorkGroups").work_groups.unwrap_or_default();
    assert!(groups.iter().any(|g| g.name.as_deref() == Some("analytics")), "{groups:?}");

    let started = athena.start_query_execution("SELECT 1").set_work_group("analytics").send().await.expect("StartQueryExecution");
    let id = started.query_execution_id.expect("query execution id");
    let execution = athena.get_query_execution(&id).send().await.expect("GetQueryExecution").query_execution.expect("execution");
    assert_eq!(execution.query.as_deref(), Some("SELECT 1"));
    assert_eq!(execution.work_group.as_deref(), Some("analytics"));

    let mut created = Vec::new();
    for i in 0..3 {
        let out = athena
            .create_named_query(format!("q{i}"), "db", format!("SELECT {i}"))
            .set_work_group("analytics")
            .send()
            .await
            .expect("CreateNamedQuery");
        created.push(out.named_query_id.expect("named query id"));
    }
    let mut pages = athena.list_named_queries().set_work_group("analytics").set_max_results(2).pages();
    let mut page_sizes = Vec::new();
    let mut listed = Vec::new();
    while let Some(page) = pages.next().await {
        let ids = page.expect("ListNamedQueries page").named_query_ids.unwrap_or_default();
        page_sizes.push(ids.len());
        listed.extend(ids);
    }
    assert_eq!(page_sizes, vec![2, 1], "pages of MaxResults=2");
    listed.sort();
    created.sort();
    assert_eq!(listed, created);
    let pages = athena.list_named_queries().set_work_group("analytics").set_max_results(1).pages().try_collect().await.expect("pages");
    assert_eq!(pages.len(), 3, "one page per named query with MaxResults=1");

    athena.create_data_catalog("lake", DataCatalogType::Glue).set_description("the lake").send().await.expect("CreateDataCatalog");
    let catalog = athena.get_data_catalog("lake").send().await.expect("GetDataCatalog").data_catalog.expect("catalog");
    assert_eq!((catalog.name.as_str(), catalog.r#type.clone()), ("lake", DataCatalogType::Glue));
    let catalogs = athena.list_data_catalogs().set_max_results(2).items().try_collect().await.expect("catalog items");
    assert!(catalogs.iter().any(|c| c.catalog_name.as_deref() == Some("lake")), "{catalogs:?}");

    athena.create_prepared_statement("stmt", "analytics", "SELECT ?").send().await.expect("CreatePreparedStatement");
    let stmt = athena
        .get_prepared_statement("stmt", "analytics")
        .send()
        .await
        .expect("GetPreparedStatement")
        .prepared_statement
        .expect("statement");
    assert_eq!(stmt.query_statement.as_deref(), Some("SELECT ?"));

    let arn = "arn:aws:athena:us-east-1:123456789012:workgroup/analytics";
    athena.tag_resource(arn, vec![Tag::new().set_key("team").set_value("data")]).send().await.expect("TagResource");
    let tags = athena.list_tags_for_resource(arn).send().await.expect("ListTagsForResource").tags.unwrap_or_default();
    assert!(tags.iter().any(|t| t.key.as_deref() == Some("team") && t.value.as_deref() == Some("data")), "{tags:?}");

    let err = athena.create_work_group("analytics").send().await.unwrap_err();
    match &err {
        CreateWorkGroupError::InvalidRequestException(e) => assert!(e.message.as_deref().unwrap_or("").contains("already exists"), "{e:?}"),
        other => panic!("expected InvalidRequestException, got {other:?}"),
    }
}

async fn workspacesweb_scenario() {
    use nimbus_workspacesweb::types::Tag;
    let moto = Moto::start(&[]);
    let web = nimbus_workspacesweb::Client::new(config(&moto));

    let portal_arn = web.create_portal().set_display_name("team portal").send().await.expect("CreatePortal").portal_arn;
    let portal = web.get_portal(&portal_arn).send().await.expect("GetPortal").portal.expect("portal");
    assert_eq!(portal.display_name.as_deref(), Some("team portal"));
    let portals = web.list_portals().send().await.expect("ListPortals").portals.unwrap_or_default();
    assert!(portals.iter().any(|p| p.portal_arn == portal_arn), "{portals:?}");

    let policy = r#"{"chromePolicies": {"DefaultDownloadDirectory": {"value": "/home/as2-streaming-user/MyFiles/TemporaryFiles1"}}}"#;
    let settings_arn = web.create_browser_settings(policy).send().await.expect("CreateBrowserSettings").browser_settings_arn;
    web.associate_browser_settings(&portal_arn, &settings_arn).send().await.expect("AssociateBrowserSettings");
    let portal = web.get_portal(&portal_arn).send().await.expect("GetPortal").portal.expect("portal");
    assert_eq!(portal.browser_settings_arn.as_deref(), Some(settings_arn.as_str()));

    web.tag_resource(&portal_arn, vec![Tag::new("team", "web")]).send().await.expect("TagResource");
    let tags = web.list_tags_for_resource(&portal_arn).send().await.expect("ListTagsForResource").tags.unwrap_or_default();
    assert!(tags.iter().any(|t| t.key == "team" && t.value == "web"), "{tags:?}");
}

/// awsQuery against moto's STS: who am I, then a role's temporary
/// credentials (XML responses inside `<OperationResult>`, timestamps as
/// RFC 3339).
async fn sts_scenario() {
    let moto = Moto::start(&[]);
    let sts = nimbus_sts::Client::new(config(&moto));
    let me = sts.get_caller_identity().send().await.expect("GetCallerIdentity");
    assert_eq!(me.account.as_deref(), Some("123456789012"), "{me:?}");
    assert!(me.arn.as_deref().is_some_and(|a| a.starts_with("arn:aws:")), "{me:?}");
    assert!(me.request_id().is_some(), "the request id comes back: {me:?}");

    let role = sts
        .assume_role("arn:aws:iam::123456789012:role/analyst", "nimbus-live")
        .set_duration_seconds(900)
        .send()
        .await
        .expect("AssumeRole");
    let credentials = role.credentials.as_ref().expect("credentials");
    assert!(credentials.access_key_id.starts_with("ASIA"), "{:?}", credentials.access_key_id);
    assert!(!credentials.secret_access_key.is_empty() && !credentials.session_token.is_empty());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    assert!(credentials.expiration.secs() > now, "expires in the future: {:?}", credentials.expiration);
    let debug = format!("{role:?}");
    assert!(!debug.contains(&credentials.secret_access_key), "the secret is redacted in Debug: {debug}");
    let user = role.assumed_role_user.as_ref().expect("assumed role user");
    assert!(user.arn.ends_with("assumed-role/analyst/nimbus-live"), "{}", user.arn);
}

/// The default chain's STS sources against moto's STS with signatures
/// checked, through the generated client (`nimbus-aws-credentials`): a
/// `role_arn` profile whose `source_profile` holds an IAM user's keys, and
/// web identity from a token file. The temporary credentials STS returns
/// then sign an Athena call that moto accepts, and STS reports the assumed
/// role as the caller.
async fn credentials_scenario() {
    use nimbus_aws::credentials::DefaultCredentialsChain;
    // The IAM setup (seven calls) is free; everything after must be signed by a known key.
    let moto = Moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "7")]);
    let web_moto = Moto::start(&[]);
    iam(&moto, "Action=CreateUser&UserName=deployer").await;
    let key = iam(&moto, "Action=CreateAccessKey&UserName=deployer").await;
    let (key_id, secret) = (xml_value(&key, "AccessKeyId"), xml_value(&key, "SecretAccessKey"));
    let encode = |json: &str| nimbus_core::protocol::rest::percent_encode(json, false);
    let user_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    iam(&moto, &format!("Action=PutUserPolicy&UserName=deployer&PolicyName=assume&PolicyDocument={}", encode(user_policy))).await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*","Federated":"*"},"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity"]}]}"#;
    let athena_policy =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["athena:*","sts:GetCallerIdentity"],"Resource":"*"}]}"#;
    for (moto, role) in [(&moto, "admin"), (&moto, "pod"), (&web_moto, "pod")] {
        iam(moto, &format!("Action=CreateRole&RoleName={role}&AssumeRolePolicyDocument={}", encode(trust))).await;
        iam(moto, &format!("Action=PutRolePolicy&RoleName={role}&PolicyName=athena&PolicyDocument={}", encode(athena_policy))).await;
    }

    let dir = std::env::temp_dir().join(format!("nimbus-live-credentials-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config_file = dir.join("config");
    std::fs::write(
        &config_file,
        format!(
            "[profile base]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n\
             [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nrole_session_name = nimbus-chain\n"
        ),
    )
    .expect("config file");
    let token_file = dir.join("token");
    std::fs::write(&token_file, "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl").expect("token file");
    let vars = |extra: &[(&str, &str)]| {
        let mut vars: Vec<(String, String)> = [
            ("AWS_CONFIG_FILE", config_file.to_str().unwrap_or_default()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
            ("AWS_ENDPOINT_URL_STS", moto.url.as_str()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .iter()
        .filter(|(k, _)| !extra.iter().any(|(name, _)| name == k))
        .chain(extra)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        vars.sort();
        move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    };
    let signed_calls = |env| {
        let chain = DefaultCredentialsChain::with_env(env).calls(nimbus_aws_credentials::calls());
        let config = AwsConfig::new().region("us-east-1").endpoint_url(&moto.url).credentials(chain);
        let (athena, sts) = (nimbus_athena::Client::new(config.clone()), nimbus_sts::Client::new(config));
        async move {
            athena.list_work_groups().send().await.expect("an Athena call signed with the assumed role's credentials");
            sts.get_caller_identity().send().await.expect("GetCallerIdentity with the chain's credentials")
        }
    };
    let me = signed_calls(vars(&[("AWS_PROFILE", "admin")])).await;
    assert!(me.arn.as_deref().is_some_and(|a| a.ends_with(":assumed-role/admin/nimbus-chain")), "{me:?}");

    // Web identity: AssumeRoleWithWebIdentity is unsigned, and moto with
    // its signature check on answers unsigned requests with a 500, so the
    // check goes on (`reset-auth`) after the chain has fetched its
    // credentials; the next calls are signed with them (cached) and checked.
    let web = vars(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap_or_default()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod"),
        ("AWS_ROLE_SESSION_NAME", "pod-session"),
        ("AWS_ENDPOINT_URL_STS", web_moto.url.as_str()),
    ]);
    let chain = DefaultCredentialsChain::with_env(web).calls(nimbus_aws_credentials::calls());
    let config = AwsConfig::new().region("us-east-1").endpoint_url(&web_moto.url).credentials(chain);
    let (athena, sts) = (nimbus_athena::Client::new(config.clone()), nimbus_sts::Client::new(config));
    athena.list_work_groups().send().await.expect("the first call fetches the web identity credentials");
    moto_post(&web_moto, "/moto-api/reset-auth", "0");
    athena.list_work_groups().send().await.expect("an Athena call signed with the web identity role's credentials");
    let me = sts.get_caller_identity().send().await.expect("GetCallerIdentity with the chain's credentials");
    assert!(me.arn.as_deref().is_some_and(|a| a.ends_with(":assumed-role/pod/pod-session")), "{me:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A plain-text POST to moto's own API (`/moto-api/...`).
fn moto_post(moto: &Moto, path: &str, body: &str) {
    let mut stream = TcpStream::connect(("127.0.0.1", moto.port())).expect("connect to moto");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send to moto");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("moto's answer");
    assert!(answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"), "{path}: {answer}");
}

/// awsQuery against moto's IAM: create and list users, page through
/// policies one at a time (`Marker`), a missing user as the modeled `NoSuchEntityException`
/// (its `@awsQueryError` code `NoSuchEntity`), then delete them.
async fn iam_scenario() {
    use nimbus_iam::errors::GetUserError;
    let moto = Moto::start(&[]);
    let iam = nimbus_iam::Client::new(config(&moto));
    for name in ["ana", "bo", "cy"] {
        let created = iam.create_user(name).set_path("/nimbus/").send().await.expect("CreateUser");
        let user = created.user.expect("the created user");
        assert_eq!((user.user_name.as_str(), user.path.as_str()), (name, "/nimbus/"));
    }
    iam.create_user("outsider").send().await.expect("CreateUser outside the path");
    let listed = iam.list_users().set_path_prefix("/nimbus/").send().await.expect("ListUsers");
    let mut names: Vec<&str> = listed.users.iter().map(|u| u.user_name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["ana", "bo", "cy"]);

    // moto pages ListPolicies (not ListUsers): one policy per page through `Marker`.
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let mut arns = Vec::new();
    for name in ["read-a", "read-b", "read-c"] {
        let created = iam.create_policy(name, document).set_path("/nimbus/").send().await.expect("CreatePolicy");
        arns.push(created.policy.and_then(|p| p.arn).expect("policy arn"));
    }
    let mut pages =
        iam.list_policies().set_scope(nimbus_iam::types::PolicyScopeType::Local).set_path_prefix("/nimbus/").set_max_items(1).pages();
    let (mut policies, mut page_count) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.expect("ListPolicies page");
        page_count += 1;
        assert!(page.policies.as_ref().is_none_or(|p| p.len() <= 1), "max_items is honoured: {page:?}");
        policies.extend(page.policies.into_iter().flatten().filter_map(|p| p.policy_name));
    }
    policies.sort();
    assert_eq!(policies, ["read-a", "read-b", "read-c"]);
    assert!(page_count >= 3, "one policy per page: {page_count} pages");
    for arn in arns {
        iam.delete_policy(arn).send().await.expect("DeletePolicy");
    }

    let err = iam.get_user().set_user_name("nobody").send().await.unwrap_err();
    let GetUserError::NoSuchEntityException(e) = &err else { panic!("expected NoSuchEntityException, got {err:?}") };
    assert!(e.message.as_deref().is_some_and(|m| m.contains("nobody")), "{e:?}");
    assert_eq!(err.status(), Some(404), "{err}");

    for name in ["ana", "bo", "cy", "outsider"] {
        iam.delete_user(name).send().await.expect("DeleteUser");
    }
    let left = iam.list_users().send().await.expect("ListUsers");
    assert!(left.users.is_empty(), "{left:?}");
}

/// restXml against moto's S3, path style (the endpoint URL's bucket in the
/// path, as the endpoint rules put it with `force_path_style`) and
/// virtual-hosted style (the bucket in the host: `<bucket>.localhost`,
/// dialled at 127.0.0.1 by [`LoopbackTransport`]): buckets, objects, a
/// listing paged by continuation token, a missing key as `NoSuchKey`, and a
/// bucket's location (S3's unwrapped `GetBucketLocation` answer).
async fn s3_scenario() {
    use nimbus_s3::errors::GetObjectError;
    let moto = Moto::start(&[]);
    let port = moto.port();
    let path_style = nimbus_s3::Client::new(config(&moto).endpoint_url(format!("http://localhost:{port}")).force_path_style(true));
    let transport = LoopbackTransport(nimbus_core::http::ReqwestTransport::new(None).expect("transport"));
    let virtual_host = nimbus_s3::Client::new(config(&moto).endpoint_url(format!("http://localhost:{port}")).transport(transport.clone()));

    path_style.create_bucket("nimbus-path").send().await.expect("CreateBucket (path style)");
    virtual_host.create_bucket("nimbus-vhost").send().await.expect("CreateBucket (virtual host)");
    for (client, bucket) in [(&path_style, "nimbus-path"), (&virtual_host, "nimbus-vhost")] {
        for i in 0..3 {
            client
                .put_object(bucket, format!("logs/{i} of 3.txt"))
                .set_body(nimbus_core::Blob::new(format!("line {i}\n").into_bytes()))
                .set_content_type("text/plain")
                .send()
                .await
                .expect("PutObject");
        }
        let got = client.get_object(bucket, "logs/1 of 3.txt").send().await.expect("GetObject");
        assert_eq!(got.body.as_bytes(), b"line 1\n", "{bucket}");
        assert_eq!((got.content_length, got.content_type.as_deref()), (Some(7), Some("text/plain")), "{bucket}");
        assert!(got.e_tag.is_some(), "{bucket}: {got:?}");

        let mut pages = client.list_objects_v2(bucket).set_prefix("logs/").set_max_keys(2).pages();
        let (mut keys, mut page_count) = (Vec::new(), 0);
        while let Some(page) = pages.next().await {
            let page = page.expect("ListObjectsV2 page");
            page_count += 1;
            keys.extend(page.contents.into_iter().flatten().filter_map(|o| o.key));
        }
        assert_eq!(keys, ["logs/0 of 3.txt", "logs/1 of 3.txt", "logs/2 of 3.txt"], "{bucket}");
        assert_eq!(page_count, 2, "{bucket}: two keys, then one, by continuation token");

        let err = client.get_object(bucket, "logs/missing.txt").send().await.unwrap_err();
        let GetObjectError::NoSuchKey(e) = &err else { panic!("{bucket}: expected NoSuchKey, got {err:?}") };
        assert_eq!(err.status(), Some(404), "{bucket}: {e:?}");
    }
    // A key with dot segments names an object, not a route: it is sent as
    // written (not resolved to `other.txt`) and listed back as stored.
    path_style
        .put_object("nimbus-path", "dots/../other.txt")
        .set_body(nimbus_core::Blob::new(b"dots".to_vec()))
        .send()
        .await
        .expect("PutObject of a key with `..`");
    let got = path_style.get_object("nimbus-path", "dots/../other.txt").send().await.expect("GetObject of a key with `..`");
    assert_eq!(got.body.as_bytes(), b"dots");
    let listed = path_style.list_objects_v2("nimbus-path").set_prefix("dots/").send().await.expect("ListObjectsV2");
    let keys: Vec<_> = listed.contents.into_iter().flatten().filter_map(|o| o.key).collect();
    assert_eq!(keys, ["dots/../other.txt"]);
    let err = path_style.get_object("nimbus-path", "other.txt").send().await.unwrap_err();
    assert!(matches!(err, GetObjectError::NoSuchKey(_)), "`dots/../other.txt` is not `other.txt`: {err:?}");

    // A bucket elsewhere: its location comes back as the body's root element.
    let ireland =
        nimbus_s3::Client::new(config(&moto).region("eu-west-1").endpoint_url(format!("http://localhost:{port}")).force_path_style(true));
    let location =
        nimbus_s3::types::CreateBucketConfiguration::new().set_location_constraint(nimbus_s3::types::BucketLocationConstraint::EuWest1);
    ireland.create_bucket("nimbus-eu").set_create_bucket_configuration(location).send().await.expect("CreateBucket in eu-west-1");
    let located = ireland.get_bucket_location("nimbus-eu").send().await.expect("GetBucketLocation");
    assert_eq!(located.location_constraint, Some(nimbus_s3::types::BucketLocationConstraint::EuWest1), "{located:?}");

    let hosts = LOOPBACK_HOSTS.lock().expect("hosts").clone();
    assert!(
        hosts.iter().any(|h| h.starts_with("nimbus-vhost.localhost:")),
        "virtual-hosted requests name the bucket in the host: {hosts:?}"
    );
}

/// The hosts [`LoopbackTransport`] was asked to reach.
static LOOPBACK_HOSTS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Sends `http://<name>.localhost:<port>/...` to 127.0.0.1 with the
/// original `Host` header (nothing resolves `*.localhost` here), so
/// virtual-hosted S3 requests reach moto as they would reach S3.
#[derive(Clone, Debug)]
struct LoopbackTransport(nimbus_core::http::ReqwestTransport);

impl nimbus_core::http::Transport for LoopbackTransport {
    fn send<'a>(
        &'a self,
        request: &'a nimbus_core::http::HttpRequest,
    ) -> nimbus_core::http::BoxFuture<'a, Result<nimbus_core::http::StreamingResponse, nimbus_core::Error>> {
        Box::pin(async move {
            let (scheme, rest) = request.url.split_once("://").unwrap_or(("http", &request.url));
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            LOOPBACK_HOSTS.lock().expect("hosts").push(host.to_owned());
            let port = host.rsplit(':').next().unwrap_or("80");
            let mut routed = request.clone();
            routed.url = format!("{scheme}://127.0.0.1:{port}{path}");
            routed.headers.insert("Host", host.to_owned());
            self.0.send(&routed).await
        })
    }
}

/// A signed IAM Query API call (moto routes by the credential scope), for
/// setting up a user and key; returns the XML body.
async fn iam(moto: &Moto, form: &str) -> String {
    let mut request = nimbus_core::http::HttpRequest::new("POST", format!("{}/", moto.url));
    request.headers.insert("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    request.headers.insert("Host", format!("127.0.0.1:{}", moto.port()));
    request.body = format!("{form}&Version=2010-05-08").into();
    let creds = Credentials::new("AKIDSETUP", "setup-secret", None);
    let params = nimbus_aws::sigv4::SigningParams {
        credentials: &creds,
        region: "us-east-1",
        service: "iam",
        time: std::time::SystemTime::now(),
        settings: nimbus_aws::sigv4::SigningSettings::default(),
    };
    nimbus_aws::sigv4::sign_request(&mut request, &params).expect("sign");
    let transport = nimbus_core::http::ReqwestTransport::new(None).expect("transport");
    let response = nimbus_core::ResponseLimits::default().send_full(&transport, &request).await.expect("IAM call");
    let body = String::from_utf8_lossy(&response.body).into_owned();
    assert_eq!(response.status, 200, "{form}: {body}");
    body
}

fn xml_value(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).unwrap_or_else(|| panic!("no <{tag}> in {xml}"));
    let end = xml[start..].find(&format!("</{tag}>")).map(|i| start + i).unwrap_or(start);
    xml[start..end].to_owned()
}

async fn signing_is_verified_by_moto() {
    use nimbus_athena::errors::ListWorkGroupsError;
    // The first three calls (IAM setup) are free; everything after must be signed by a known key.
    let moto = Moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
    iam(&moto, "Action=CreateUser&UserName=analyst").await;
    let key = iam(&moto, "Action=CreateAccessKey&UserName=analyst").await;
    let (key_id, secret) = (xml_value(&key, "AccessKeyId"), xml_value(&key, "SecretAccessKey"));
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["athena:*","s3:*"],"Resource":"*"}]}"#;
    iam(
        &moto,
        &format!(
            "Action=PutUserPolicy&UserName=analyst&PolicyName=athena&PolicyDocument={}",
            nimbus_core::protocol::rest::percent_encode(policy, false)
        ),
    )
    .await;

    let good = nimbus_athena::Client::new(config(&moto).credentials(Credentials::new(&key_id, &secret, None)));
    good.list_work_groups().send().await.expect("a correctly signed call succeeds");

    let bad = nimbus_athena::Client::new(config(&moto).credentials(Credentials::new(&key_id, "not-the-secret", None)));
    let err = bad.list_work_groups().send().await.unwrap_err();
    let ListWorkGroupsError::Unhandled(e) = &err else { panic!("expected Unhandled, got {err:?}") };
    assert_eq!((e.kind(), e.status()), (ErrorKind::Service, Some(403)), "{e}");
    assert!(err.to_string().contains("403"), "{err}");

    // S3 signs as S3 wants (the path as sent, not encoded twice; the payload
    // hash in a header): a key with a space and a plus sign passes the check.
    let s3_config = config(&moto).endpoint_url(format!("http://localhost:{}", moto.port())).force_path_style(true);
    let s3 = nimbus_s3::Client::new(s3_config.clone().credentials(Credentials::new(&key_id, &secret, None)));
    s3.create_bucket("signed").send().await.expect("a signed CreateBucket succeeds");
    s3.put_object("signed", "a b+c.txt").set_body(nimbus_core::Blob::new(b"x".to_vec())).send().await.expect("a signed PutObject succeeds");
    s3.put_object("signed", "a/./b/../c.txt")
        .set_body(nimbus_core::Blob::new(b"x".to_vec()))
        .send()
        .await
        .expect("a signed PutObject of a key with dot segments succeeds");
    let bad_s3 = nimbus_s3::Client::new(s3_config.credentials(Credentials::new(&key_id, "not-the-secret", None)));
    let err = bad_s3.put_object("signed", "a b+c.txt").set_body(nimbus_core::Blob::new(b"y".to_vec())).send().await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
}

/// Runs every scenario (each with its own server, concurrently) and prints
/// `live moto: N passed, M failed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_moto_scenarios() {
    let scenarios = [
        ("athena", tokio::spawn(athena_scenario())),
        ("workspacesweb", tokio::spawn(workspacesweb_scenario())),
        ("signing", tokio::spawn(signing_is_verified_by_moto())),
        ("sts", tokio::spawn(sts_scenario())),
        ("credentials", tokio::spawn(credentials_scenario())),
        ("iam", tokio::spawn(iam_scenario())),
        ("s3", tokio::spawn(s3_scenario())),
    ];
    let (mut passed, mut failed) = (0, Vec::new());
    for (name, task) in scenarios {
        match task.await {
            Ok(()) => passed += 1,
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
    for f in &failed {
        println!("--- live moto: {f}");
    }
    println!("live moto: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "live scenarios failed: {failed:?}");
}
