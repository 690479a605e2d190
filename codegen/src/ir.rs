//! The one intermediate representation both readers lower into.
//!
//! It holds what the emitters need and nothing format-specific they would
//! have to re-derive: names come decided (wire name + Rust identifier), docs
//! come as rustdoc-safe Markdown, encodings are resolved per member, and
//! types live in an arena indexed by [`TypeId`], sorted by Rust name.

use serde_json::Value;

/// A name as it is on the wire and as it is in Rust.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Name {
    /// The name in the spec / on the wire.
    pub wire: String,
    /// The Rust identifier (already escaped and de-duplicated in its scope).
    pub rust: String,
}

/// Index of a type in [`Service::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// Wire protocol of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `aws.protocols#awsJson1_0`.
    AwsJson1_0,
    /// `aws.protocols#awsJson1_1`.
    AwsJson1_1,
    /// `aws.protocols#restJson1`.
    RestJson1,
    /// `aws.protocols#awsQuery`.
    AwsQuery,
    /// `aws.protocols#ec2Query`.
    Ec2Query,
    /// `aws.protocols#restXml`.
    RestXml,
    /// `smithy.protocols#rpcv2Cbor`.
    RpcV2Cbor,
    /// Google REST/JSON from a Discovery document.
    GoogleRest,
    /// A Smithy service with no protocol trait we know.
    Unknown,
}

impl Protocol {
    /// Display name used in summaries and errors.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::AwsJson1_0 => "awsJson1_0",
            Protocol::AwsJson1_1 => "awsJson1_1",
            Protocol::RestJson1 => "restJson1",
            Protocol::AwsQuery => "awsQuery",
            Protocol::Ec2Query => "ec2Query",
            Protocol::RestXml => "restXml",
            Protocol::RpcV2Cbor => "rpcv2Cbor",
            Protocol::GoogleRest => "googleRest",
            Protocol::Unknown => "unknown",
        }
    }
}

/// A whole service: metadata, operations and the type arena.
#[derive(Debug, Clone)]
pub struct Service {
    /// Short service name, e.g. `athena`, `spanner` (crate suffix).
    pub short_name: String,
    /// Human title, e.g. `Amazon Athena`.
    pub title: String,
    /// Service documentation (Markdown).
    pub docs: String,
    /// API version, e.g. `2017-05-18` or `v1`.
    pub version: String,
    /// Wire protocol.
    pub protocol: Protocol,
    /// Where the spec came from, e.g. the Smithy shape id or Discovery id.
    pub source_id: String,
    /// The provider and its metadata: exactly one.
    pub provider: ProviderMeta,
    /// Operations, sorted by Rust name.
    pub operations: Vec<Operation>,
    /// Every type reachable from the operations (and, for Discovery, every
    /// schema), sorted by Rust name; [`TypeId`] indexes this vector.
    pub types: Vec<TypeDef>,
    /// Number of named schemas/shapes in the spec that became types.
    pub spec_type_count: usize,
    /// The reader function (`read_get_session_response`) of each output and
    /// error structure, in `operations` (decided by the names pass).
    pub readers: std::collections::BTreeMap<TypeId, String>,
    /// A Google API's resource tree by resource path (the root is `[]`),
    /// with every accessor, method and struct name decided by the names pass;
    /// empty for AWS services.
    pub resources: std::collections::BTreeMap<Vec<String>, ResourceNode>,
}

/// One resource of a Google API's tree: the struct holding its methods and
/// the names its members get (unique among them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceNode {
    /// The struct's name (`ProjectsInstances`; `Client` for the root).
    pub type_name: String,
    /// Child resources: the accessor method's name and the child's path.
    pub children: Vec<(String, Vec<String>)>,
    /// Methods: the method's name and the operation's index in `Service::operations`.
    pub methods: Vec<(String, usize)>,
}

impl Service {
    /// The type behind an id.
    pub fn ty(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// The AWS metadata, for a Smithy service.
    pub fn aws(&self) -> Option<&AwsMeta> {
        match &self.provider {
            ProviderMeta::Aws(aws) => Some(aws),
            ProviderMeta::Google(_) => None,
        }
    }

    /// The AWS metadata, mutable (for the readers' customisations).
    pub fn aws_mut(&mut self) -> Option<&mut AwsMeta> {
        match &mut self.provider {
            ProviderMeta::Aws(aws) => Some(aws),
            ProviderMeta::Google(_) => None,
        }
    }

    /// The Google metadata, for a Discovery API.
    pub fn google(&self) -> Option<&GoogleMeta> {
        match &self.provider {
            ProviderMeta::Google(google) => Some(google),
            ProviderMeta::Aws(_) => None,
        }
    }

    /// Whether the service is a Google API (else an AWS service).
    pub fn is_google(&self) -> bool {
        matches!(self.provider, ProviderMeta::Google(_))
    }
}

/// Who serves the API, with what only that provider's specs say.
#[derive(Debug, Clone)]
pub enum ProviderMeta {
    /// An AWS service (a Smithy model).
    Aws(AwsMeta),
    /// A Google API (a Discovery document).
    Google(GoogleMeta),
}

/// AWS service metadata.
#[derive(Debug, Clone, Default)]
pub struct AwsMeta {
    /// `aws.api#service` `sdkId`.
    pub sdk_id: String,
    /// `aws.api#service` `endpointPrefix`.
    pub endpoint_prefix: String,
    /// SigV4 signing name (`aws.auth#sigv4` `name`).
    pub signing_name: String,
    /// Service shape name: the `X-Amz-Target` prefix of awsJson operations.
    pub target_prefix: String,
    /// `@awsQueryCompatible`: a JSON service that was an awsQuery one; its
    /// requests say `x-amzn-query-mode: true` and its errors carry the
    /// query error code (`x-amzn-query-error`), which modeled errors match.
    pub query_compatible: bool,
    /// Requests are signed as S3 wants: the path as sent (not normalised,
    /// not encoded twice) and the payload hash in `x-amz-content-sha256`.
    pub s3_signing: bool,
    /// Path labels keep `.` and `..` segments, sent as written: the service
    /// reads its paths literally (S3 object keys are names, not routes).
    pub literal_paths: bool,
    /// The crate installs the STS / SSO calls of the runtime's credential
    /// sources (the `aws-credentials` feature, on by default); false for
    /// the services those calls use, which would depend on themselves.
    pub credential_calls: bool,
    /// Headers every request carries (customisations: Glacier's API
    /// version, API Gateway's `Accept`).
    pub static_headers: Vec<(String, String)>,
    /// `smithy.rules#endpointRuleSet`: a document the runtime's rules engine
    /// evaluates (the generated crate embeds it as JSON).
    pub endpoint_rules: Option<Value>,
    /// `smithy.rules#endpointTests` cases, for the generated test.
    pub endpoint_tests: Vec<EndpointTestCase>,
}

/// One `smithy.rules#endpointTests` case.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointTestCase {
    /// What the case checks.
    pub documentation: String,
    /// The rule parameters: a document (name -> string, boolean or list).
    pub params: Value,
    /// The endpoint (URL, headers, properties: a document) or error expected.
    pub expect: Value,
}

/// Google service metadata.
#[derive(Debug, Clone, Default)]
pub struct GoogleMeta {
    /// `rootUrl`, e.g. `https://spanner.googleapis.com/`.
    pub root_url: String,
    /// `mtlsRootUrl`.
    pub mtls_root_url: Option<String>,
    /// `servicePath`, e.g. `""` or `v1/`.
    pub service_path: String,
    /// `batchPath` if any.
    pub batch_path: Option<String>,
    /// OAuth scopes with their descriptions.
    pub scopes: Vec<(String, String)>,
    /// Parameters every method accepts (`fields`, `prettyPrint`, ...).
    pub global_params: Vec<Field>,
    /// The environment variable naming a local emulator (`SPANNER_EMULATOR_HOST`),
    /// for the APIs Google ships an emulator for (the reader's table).
    pub emulator_env: Option<String>,
    /// When the emulator variable names a gRPC address and the REST gateway
    /// listens on another port (Spanner: `host:9010` is gRPC, REST is 9020):
    /// the variable naming the REST port and its default.
    pub emulator_rest_port: Option<(String, u16)>,
    /// The literal prefix of the API's `operations.get` path (`v1/`), when
    /// long-running operations can be polled.
    pub operations_prefix: Option<String>,
}

/// One operation (Smithy) or method (Discovery).
#[derive(Debug, Clone)]
pub struct Operation {
    /// Operation name: wire = Smithy operation name / Discovery method id;
    /// rust = snake_case method name, unique within the service.
    pub name: Name,
    /// Resource path for nested clients (Discovery: `["projects",
    /// "instances", "databases", "sessions"]`; empty for Smithy).
    pub resource: Vec<String>,
    /// Method name within its resource (Discovery `get`; Smithy = name).
    pub method: String,
    /// Documentation (Markdown).
    pub docs: String,
    /// Input type: a Smithy input shape or a synthetic parameter struct.
    pub input: Option<TypeId>,
    /// Output type.
    pub output: Option<TypeId>,
    /// Modeled errors (operation errors then service errors).
    pub errors: Vec<TypeId>,
    /// How the operation is called on the wire, decided by the protocol.
    pub call: CallShape,
    /// What a successful call answers with.
    pub response: ResponseKind,
    /// The Rust names of the items generated for it (decided by the names pass).
    pub items: OperationItems,
    /// Pagination, if the operation is paginated.
    pub pagination: Option<Pagination>,
    /// Safe to retry (`@idempotent`, `@readonly`, GET/PUT/DELETE, or a
    /// Google method the reader's table knows to be safe).
    pub idempotent: bool,
    /// Conditions on the request body under which a call is safe to repeat
    /// although the operation is not `idempotent` (any one suffices); from
    /// the Discovery reader's per-method table, as the spec is silent.
    pub idempotent_when: Vec<BodyCondition>,
    /// Has no side effects (`@readonly`, GET).
    pub readonly: bool,
    /// Deprecation notice.
    pub deprecated: Option<Deprecation>,
    /// OAuth scopes (Discovery).
    pub scopes: Vec<String>,
    /// Input or output carries a streaming member.
    pub streaming: bool,
    /// Input or output carries an event stream (a `@streaming` union):
    /// the types are generated, calls fail with "not supported" for now.
    pub event_stream: bool,
    /// Host prefix template (Smithy `@endpoint(hostPrefix)`), labels bound
    /// to `@hostLabel` input members.
    pub host_prefix: Option<Vec<PathSegment>>,
    /// Request compression encodings the operation supports (`gzip`).
    pub request_compression: Vec<String>,
    /// The request must carry a `Content-MD5` (`@httpChecksumRequired`).
    pub checksum_required: bool,
    /// Endpoint rules parameters set per request (`@contextParam` input
    /// members, `@staticContextParams`), when the service has rules.
    pub endpoint_params: Vec<EndpointParamBinding>,
    /// What a service customisation adds to the operation's requests.
    pub custom: OperationCustomization,
    /// Protocol compliance test cases attached to the operation.
    pub tests: ProtocolTests,
}

impl Operation {
    /// The HTTP route, for operations of an HTTP-binding protocol.
    pub fn http(&self) -> Option<&HttpRoute> {
        match &self.call {
            CallShape::Http(route) => Some(route),
            CallShape::Rpc { .. } => None,
        }
    }

    /// The RPC target (awsJson `X-Amz-Target`, query `Action`), for RPC protocols.
    pub fn rpc_target(&self) -> Option<&str> {
        match &self.call {
            CallShape::Rpc { target } => Some(target),
            CallShape::Http(_) => None,
        }
    }
}

/// The Rust names of the items generated for one operation, decided once
/// by [`crate::passes::decide_item_names`] (unique in their modules).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationItems {
    /// The request builder (`GetSession`), in `operations`.
    pub builder: String,
    /// The parameter struct of a Discovery method (`…Params`), in `operations`.
    pub params: String,
    /// The per-operation error enum (`GetSessionError`), in `errors`.
    pub error: String,
    /// The `OperationInfo` static (`GET_SESSION`), in `operations`.
    pub info: String,
    /// The builder's setter of the standard parameters (Google), named clear
    /// of the `set_*` setters of its parameters.
    pub standard_params: String,
}

/// What a successful call answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseKind {
    /// One response body.
    #[default]
    Unary,
    /// A long-running operation (AIP-151: an `Operation` with `done`,
    /// `response` and `error`), to be polled until done.
    LongRunning,
    /// A stream of messages (a JSON array that arrives in chunks).
    ServerStream {
        /// The messages are Spanner `PartialResultSet`s, which merge into rows.
        rows: bool,
    },
}

/// How an operation is called: one of the two shapes, never both or neither.
#[derive(Debug, Clone)]
pub enum CallShape {
    /// A route with members bound to the path, query, headers and body
    /// (restJson1, restXml, Google REST).
    Http(HttpRoute),
    /// The whole input to the service's one endpoint, naming the operation:
    /// the awsJson `X-Amz-Target`, or the query protocols' `Action`.
    Rpc {
        /// `Service.Operation` for awsJson, the operation name for query protocols.
        target: String,
    },
}

/// A condition on a request body member: whether the member at `path` is
/// set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyCondition {
    /// The member's path of wire names from the body's type
    /// (`["transaction", "singleUse", "readOnly"]`).
    pub path: Vec<String>,
    /// The same path bound by the reader: the index of the request body
    /// among the input's fields, then one field index per segment, each in
    /// the structure the previous one reaches.
    pub fields: Vec<usize>,
    /// Met when the member is set (`true`) or when it (or a parent) is unset.
    pub set: bool,
}

/// Protocol compliance test cases (Smithy `smithy.test#http*Tests`), the
/// client-side ones, for the generated test suites.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtocolTests {
    /// `httpRequestTests` cases.
    pub request: Vec<ProtocolTestCase>,
    /// `httpResponseTests` cases.
    pub response: Vec<ProtocolTestCase>,
}

/// One `httpRequestTests` or `httpResponseTests` case, as the Smithy test
/// traits define its members (those of the other kind stay empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtocolTestCase {
    /// The case id, e.g. `RestJsonHttpPayloadWithBlob`.
    pub id: String,
    /// The protocol's shape id, e.g. `aws.protocols#restJson1`.
    pub protocol: String,
    /// Request: the expected method.
    pub method: String,
    /// Request: the expected path.
    pub uri: String,
    /// Request: the host of the endpoint the client is configured with.
    pub host: Option<String>,
    /// Request: the expected host after endpoint resolution.
    pub resolved_host: Option<String>,
    /// Response: the status code.
    pub code: u16,
    /// Headers the request must have, or the response has.
    pub headers: Vec<(String, String)>,
    /// Request: `key=value` query pairs that must be present.
    pub query_params: Vec<String>,
    /// Request: query keys that must be absent.
    pub forbid_query_params: Vec<String>,
    /// Request: query keys that must be present.
    pub require_query_params: Vec<String>,
    /// Request: headers that must be absent.
    pub forbid_headers: Vec<String>,
    /// Request: headers that must be present.
    pub require_headers: Vec<String>,
    /// The expected request body, or the response body.
    pub body: Option<String>,
    /// The media type of the body (JSON bodies are compared structurally).
    pub body_media_type: Option<String>,
    /// The input (request) or output/error (response) as a document.
    pub params: Value,
    /// The client settings the case asks for (its `vendorParams`).
    pub config: TestClientConfig,
}

/// The client settings of a protocol test case, from the AWS suite's
/// `vendorParams` (`scopedConfig.client`, overridden by `.operation`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TestClientConfig {
    /// `region`.
    pub region: Option<String>,
    /// `s3.addressing_style`: `path` (true) or `virtual` (false).
    pub force_path_style: Option<bool>,
    /// `s3.use_dualstack_endpoint`.
    pub dual_stack: Option<bool>,
    /// `s3.use_accelerate_endpoint`.
    pub accelerate: Option<bool>,
}

/// An HTTP route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// HTTP method, upper case.
    pub method: String,
    /// Path segments (after the service root).
    pub path: Vec<PathSegment>,
    /// Literal query string pairs in the URI template (`?x-id=Foo`).
    pub query: Vec<(String, Option<String>)>,
    /// Success status code.
    pub code: u16,
}

/// A piece of a path (or host prefix) template whose labels are bound to
/// the input members that fill them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// Literal text, copied as is.
    Literal(String),
    /// A bound input member; `greedy` = may contain `/` (`{name+}`, `{+name}`).
    Label {
        /// Wire name of the label.
        name: String,
        /// Reserved (greedy) expansion: `/` is kept.
        greedy: bool,
        /// The member that fills it: an index into the fields of the
        /// operation's input structure, decided (and checked) by the reader.
        field: usize,
    },
}

/// A piece of a template as parsed, before its labels are bound to members
/// ([`bind_template`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text.
    Literal(String),
    /// A `{label}`; `greedy` for `{label+}` / `{+label}`.
    Label {
        /// Wire name of the label.
        name: String,
        /// Reserved (greedy) expansion.
        greedy: bool,
    },
}

/// Binds every label of `parts` to the first of `fields` that `fills` it
/// (called with the field and the label's name); `Err` names a label no
/// field fills.
pub fn bind_template(
    parts: &[TemplatePart],
    fields: &[Field],
    fills: impl Fn(&Field, &str) -> bool,
) -> std::result::Result<Vec<PathSegment>, String> {
    parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(l) => Ok(PathSegment::Literal(l.clone())),
            TemplatePart::Label { name, greedy } => match fields.iter().position(|f| fills(f, name)) {
                Some(field) => Ok(PathSegment::Label { name: name.clone(), greedy: *greedy, field }),
                None => Err(name.clone()),
            },
        })
        .collect()
}

/// An endpoint rules parameter an operation sets per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointParamBinding {
    /// The rules parameter, e.g. `Bucket`.
    pub name: String,
    /// Where its value comes from.
    pub source: EndpointParamSource,
}

/// The value of an [`EndpointParamBinding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointParamSource {
    /// The input member at this index (`@contextParam`); a string or a
    /// boolean, left out when unset.
    Field(usize),
    /// A string the operation always sets (`@staticContextParams`).
    Str(String),
    /// A boolean the operation always sets (`@staticContextParams`).
    Bool(bool),
}

/// What the per-service customisations (`smithy/customize.rs`) add to an
/// operation's requests; empty for most operations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperationCustomization {
    /// String input members (by index) that take this value when empty or
    /// unset (Glacier's `accountId` is `-`, the caller's account).
    pub empty_defaults: Vec<(usize, String)>,
    /// The request carries Glacier's `x-amz-content-sha256` and
    /// `x-amz-sha256-tree-hash` of its body.
    pub glacier_checksums: bool,
    /// The input member (by index) whose URL the request goes to instead of
    /// the service endpoint (Machine Learning's `PredictEndpoint`).
    pub endpoint_from: Option<usize>,
    /// The response body's root element is the value of this output member
    /// (S3's `GetBucketLocation`), not the output structure.
    pub unwrapped_output: Option<String>,
}

/// Pagination tokens and items (member paths, as in the spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// Input member carrying the continuation token.
    pub input_token: String,
    /// Output member (path) carrying the next token.
    pub output_token: String,
    /// Output member (path) with the page's items, if known.
    pub items: Option<String>,
    /// Input member with the page size, if any.
    pub page_size: Option<String>,
}

/// A deprecation notice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deprecation {
    /// Why, or what to use instead.
    pub message: Option<String>,
    /// Since when.
    pub since: Option<String>,
}

/// What a type is for, which decides the serde directions it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Sent to the service (needs `Serialize`).
    pub input: bool,
    /// Received from the service (needs `Deserialize`).
    pub output: bool,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Wire name (shape name / schema id) and Rust type name.
    pub name: Name,
    /// Spec location, e.g. `com.amazonaws.athena#Session` or `schemas.Session`.
    pub origin: String,
    /// Documentation (Markdown).
    pub docs: String,
    /// The whole value is sensitive (`@sensitive` on the shape).
    pub sensitive: bool,
    /// Deprecation notice.
    pub deprecated: Option<Deprecation>,
    /// Serialization directions needed.
    pub usage: Usage,
    /// Structure, enum or union.
    pub kind: TypeKind,
    /// Modeled error metadata, when this structure is an error.
    pub error: Option<ErrorInfo>,
    /// Synthetic operation parameters (Discovery): not a JSON body type.
    pub synthetic: bool,
    /// Protocol compliance response cases of an error structure.
    pub tests: ProtocolTests,
    /// restXml: the element a structure is written as when it is a request
    /// body's root (its `@xmlName` or shape name, and its `@xmlNamespace`
    /// or else the service's); `None` for other protocols and kinds.
    pub xml_root: Option<XmlRoot>,
}

/// The root element of a restXml request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlRoot {
    /// Element name.
    pub name: String,
    /// Namespace URI and optional prefix declared on it.
    pub namespace: Option<(String, Option<String>)>,
}

impl TypeDef {
    /// The members of a structure; none for an enum or a union.
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            TypeKind::Struct(fields) => fields,
            _ => &[],
        }
    }
}

/// Error metadata of an error structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// Error code on the wire (shape name, or the `@awsQueryError` code).
    pub code: String,
    /// `true` for `@error("server")`.
    pub server_fault: bool,
    /// `@httpError` status.
    pub http_status: Option<u16>,
    /// `@retryable`: `Some(throttling)`.
    pub retryable: Option<bool>,
}

/// The body of a named type.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// A structure with fields.
    Struct(Vec<Field>),
    /// A closed-or-open set of string values (always open in Rust).
    StringEnum(Vec<EnumVariant>),
    /// A set of integer values (always open in Rust).
    IntEnum(Vec<EnumVariant>),
    /// Exactly one of several members (tagged union).
    Union(Vec<Field>),
}

/// A value of an enum.
#[derive(Debug, Clone)]
pub struct EnumVariant {
    /// Wire value (as a string for string enums) and Rust variant name.
    pub name: Name,
    /// Integer value for int enums.
    pub int_value: Option<i64>,
    /// Documentation.
    pub docs: String,
    /// Deprecation notice.
    pub deprecated: Option<Deprecation>,
}

/// A member of a structure or union, or an operation parameter.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name: wire = JSON key (after `jsonName`) or parameter name; rust = field ident.
    pub name: Name,
    /// The Smithy member name (differs from `name.wire` under `jsonName`).
    pub member_name: String,
    /// Documentation.
    pub docs: String,
    /// Type of the value.
    pub ty: TypeRef,
    /// Must be given to construct the value (constructor argument).
    pub required: bool,
    /// Has a default (`@default`), so it is not optional in Rust.
    pub defaulted: bool,
    /// The default when it is not the type's zero value (`@default(10)`):
    /// the struct's `Default` and a missing member on the wire give it. A
    /// document (Smithy node value) of the member's type.
    pub default_value: Option<Value>,
    /// The value must not be printed.
    pub sensitive: bool,
    /// Deprecation notice.
    pub deprecated: Option<Deprecation>,
    /// Where the member goes in an HTTP message.
    pub binding: Binding,
    /// Stored boxed to break a recursive type cycle.
    pub boxed: bool,
    /// Filled with a fresh UUID when the caller leaves it unset.
    pub idempotency_token: bool,
    /// Validation constraints.
    pub constraints: Constraints,
    /// Output only (Discovery `readOnly`).
    pub read_only: bool,
    /// A streaming blob or event stream.
    pub streaming: bool,
    /// Also fills a label of the operation's host prefix (`@hostLabel`).
    pub host_label: bool,
    /// Media type of a string or blob (`@mediaType`): such strings travel
    /// base64-encoded in headers; payloads use it as their content type.
    pub media_type: Option<String>,
    /// How the member travels in the XML-shaped protocols (awsQuery,
    /// ec2Query, restXml); `None` for the others. `name.wire` is then the
    /// element name a response uses (`@xmlName` or the member name).
    pub xml: Option<XmlMember>,
}

/// A member's shape in the XML-shaped protocols, decided by the reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XmlMember {
    /// The name a request uses: the query key (ec2Query: `@ec2QueryName`,
    /// else the capitalised `@xmlName` or member name) or the XML element
    /// (for a restXml structure payload, the body's root element: the
    /// member's `@xmlName`, else the target's root name).
    pub request_name: String,
    /// A list or map member whose items repeat the member's element
    /// (`@xmlFlattened`).
    pub flattened: bool,
    /// Read from and written as an attribute of the structure's element
    /// (`@xmlAttribute`).
    pub attribute: bool,
    /// `@xmlNamespace`: URI and optional prefix.
    pub namespace: Option<(String, Option<String>)>,
    /// The runtime's `wire::Layout` name when the member is not written the
    /// default way (flattened, custom item / key / value names, an
    /// attribute, namespaces), e.g. `xml:flat;member=item`.
    pub layout: Option<String>,
}

/// Where a member is bound in an HTTP message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Binding {
    /// A member of the JSON body.
    #[default]
    Body,
    /// A path label.
    Label,
    /// A query parameter with this name.
    Query(String),
    /// A map of query parameters (`@httpQueryParams`).
    QueryParams,
    /// A header with this name.
    Header(String),
    /// Headers with this prefix (`@httpPrefixHeaders`).
    PrefixHeaders(String),
    /// The whole body (`@httpPayload`, Discovery `request`).
    Payload,
    /// The HTTP status code (`@httpResponseCode`).
    ResponseCode,
}

/// Validation constraints of a member.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// `@length` / Discovery none.
    pub length: Option<(Option<f64>, Option<f64>)>,
    /// `@range` / Discovery `minimum`/`maximum`.
    pub range: Option<(Option<f64>, Option<f64>)>,
    /// `@pattern` / Discovery `pattern`.
    pub pattern: Option<String>,
}

/// Timestamp wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    /// Seconds since the epoch as a number.
    EpochSeconds,
    /// RFC 3339 string.
    DateTime,
    /// RFC 7231 IMF-fixdate string.
    HttpDate,
}

/// The type of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `bool`.
    Bool,
    /// Integers; `as_string`: encoded as a JSON string (Google int64).
    Int {
        /// Width and signedness.
        kind: IntKind,
        /// Encoded as a decimal string.
        as_string: bool,
    },
    /// `f32`.
    Float,
    /// `f64`.
    Double,
    /// Arbitrary precision integer or decimal.
    BigNumber,
    /// `String`.
    String,
    /// Bytes, base64 in JSON.
    Blob,
    /// A point in time with its wire format.
    Timestamp(TimestampFormat),
    /// Untyped JSON.
    Document,
    /// A list; `sparse` = elements may be null.
    List {
        /// Element type.
        item: Box<TypeRef>,
        /// Elements may be null.
        sparse: bool,
    },
    /// A map with string (or enum) keys.
    Map {
        /// Key type (String or a string enum).
        key: Box<TypeRef>,
        /// Value type.
        value: Box<TypeRef>,
        /// Values may be null.
        sparse: bool,
    },
    /// A named type.
    Named(TypeId),
}

impl TypeRef {
    /// Rewrites every named reference through `map` (old index -> new id).
    pub fn remap(&mut self, map: &[TypeId]) {
        match self {
            TypeRef::Named(id) => *id = map[id.0],
            TypeRef::List { item, .. } => item.remap(map),
            TypeRef::Map { key, value, .. } => {
                key.remap(map);
                value.remap(map);
            }
            _ => {}
        }
    }

    /// Calls `f` for every named type this reference mentions.
    pub fn visit_named(&self, f: &mut impl FnMut(TypeId)) {
        match self {
            TypeRef::Named(id) => f(*id),
            TypeRef::List { item, .. } => item.visit_named(f),
            TypeRef::Map { key, value, .. } => {
                key.visit_named(f);
                value.visit_named(f);
            }
            _ => {}
        }
    }
}

/// Integer widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntKind {
    /// `i8` (Smithy byte).
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32` (Discovery uint32).
    U32,
    /// `u64` (Discovery uint64).
    U64,
}

/// Parses a path template with `{label}`, `{label+}` (Smithy) or `{+label}`
/// (RFC 6570 reserved expansion, Discovery) placeholders.
pub fn parse_template(path: &str) -> std::result::Result<Vec<TemplatePart>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(TemplatePart::Literal(rest[..open].to_owned()));
        }
        let close = rest[open..].find('}').ok_or_else(|| format!("unclosed `{{` in path template `{path}`"))? + open;
        let inner = &rest[open + 1..close];
        let (name, greedy) = if let Some(n) = inner.strip_prefix('+') {
            (n, true)
        } else if let Some(n) = inner.strip_suffix('+') {
            (n, true)
        } else {
            (inner, false)
        };
        if name.is_empty() || name.contains(['{', '/', '}']) {
            return Err(format!("bad label `{{{inner}}}` in path template `{path}`"));
        }
        out.push(TemplatePart::Label { name: name.to_owned(), greedy });
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("unmatched `}}` in path template `{path}`"));
    }
    if !rest.is_empty() {
        out.push(TemplatePart::Literal(rest.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// The IR holds spec JSON only where the value is a document by nature
    /// (rule sets the runtime evaluates, test parameters and expectations,
    /// default values): everything the emitters decide on is typed.
    #[test]
    fn json_values_only_where_documents_are_meant() {
        const DOCUMENTS: &[&str] = &["endpoint_rules", "params", "expect", "default_value"];
        let source = include_str!("ir.rs");
        let source = source.split("#[cfg(test)]").next().unwrap_or(source);
        let fields: Vec<&str> = source
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("pub ") && l.contains("Value") && l.contains(':') && !l.contains("fn "))
            .filter_map(|l| l.trim_start_matches("pub ").split(':').next())
            .collect();
        assert!(fields.len() >= DOCUMENTS.len() - 1, "the scan found {fields:?}");
        for field in fields {
            assert!(DOCUMENTS.contains(&field), "`{field}` holds spec JSON: give it a type");
        }
    }
}
