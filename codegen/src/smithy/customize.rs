//! Named per-service customisations: what a service needs beyond its
//! protocol and its model, as the official SDKs do it (smithy-rs keeps the
//! same list as decorators). Each is a small function over the lowered IR,
//! chosen by the service's `sdkId`; the protocol code knows none of them.

use crate::ir::{CallShape, EndpointParamSource, Operation, PathSegment, Service, TypeRef};

/// Applies the customisations of `service` (by its `sdkId`).
pub fn apply(service: &mut Service) {
    let sdk_id = service.aws().map(|a| a.sdk_id.clone()).unwrap_or_default();
    match sdk_id.as_str() {
        "S3" => {
            s3_bucket_in_endpoint(service);
            s3_signing_style(service);
            s3_unwrapped_outputs(service);
        }
        "Glacier" => glacier(service),
        "API Gateway" => static_header(service, "Accept", "application/json"),
        "Machine Learning" => machine_learning_predict_endpoint(service),
        "STS" | "SSO" | "SSO OIDC" => without_credential_calls(service),
        _ => {}
    }
}

/// STS, SSO and SSO OIDC: the runtime's role, web identity and SSO
/// credential sources call them (through `nimbus-aws-credentials`), so
/// their crates cannot depend on those calls.
fn without_credential_calls(service: &mut Service) {
    if let Some(aws) = service.aws_mut() {
        aws.credential_calls = false;
    }
}

/// S3: `GetBucketLocation` answers its one member as the root element
/// (`<LocationConstraint>us-west-2</LocationConstraint>`), not inside an
/// element of its own.
fn s3_unwrapped_outputs(service: &mut Service) {
    for op in &mut service.operations {
        if op.name.wire == "GetBucketLocation" {
            op.custom.unwrapped_output = Some("LocationConstraint".into());
        }
    }
}

/// Every request carries `name: value`.
fn static_header(service: &mut Service, name: &str, value: &str) {
    if let Some(aws) = service.aws_mut() {
        aws.static_headers.push((name.to_owned(), value.to_owned()));
    }
}

/// The index of `op`'s input member named `member`, if it is a string.
fn string_member(service: &Service, op: &Operation, member: &str) -> Option<usize> {
    let fields = service.ty(op.input?).fields();
    fields.iter().position(|f| f.member_name == member && f.ty == TypeRef::String)
}

/// Glacier: every request names the API version (`x-amz-glacier-version`);
/// an empty or unset `accountId` is `-` (the account of the credentials);
/// archive and part uploads carry the SHA-256 and the tree hash of their
/// body.
fn glacier(service: &mut Service) {
    let version = service.version.clone();
    static_header(service, "X-Amz-Glacier-Version", &version);
    for i in 0..service.operations.len() {
        let account = string_member(service, &service.operations[i], "accountId");
        let op = &mut service.operations[i];
        if let Some(field) = account {
            op.custom.empty_defaults.push((field, "-".to_owned()));
        }
        op.custom.glacier_checksums = matches!(op.name.wire.as_str(), "UploadArchive" | "UploadMultipartPart");
    }
}

/// Machine Learning: `Predict` goes to the endpoint its `PredictEndpoint`
/// member names.
fn machine_learning_predict_endpoint(service: &mut Service) {
    for i in 0..service.operations.len() {
        if service.operations[i].name.wire == "Predict" {
            let field = string_member(service, &service.operations[i], "PredictEndpoint");
            service.operations[i].custom.endpoint_from = field;
        }
    }
}

/// S3: the endpoint rules place the bucket (`Bucket` context parameter) in
/// the host (virtual-hosted style) or in the endpoint's path (path style),
/// so the `{Bucket}` label leaves the operation's own path:
/// `/{Bucket}/{Key+}` becomes `/{Key+}`.
fn s3_bucket_in_endpoint(service: &mut Service) {
    for op in &mut service.operations {
        let bucket = op.endpoint_params.iter().find_map(|p| match p.source {
            EndpointParamSource::Field(field) if p.name == "Bucket" => Some(field),
            _ => None,
        });
        let (Some(bucket), CallShape::Http(route)) = (bucket, &mut op.call) else { continue };
        let Some(at) = route.path.iter().position(|s| matches!(s, PathSegment::Label { field, .. } if *field == bucket)) else { continue };
        route.path.remove(at);
        // The `/` after the label goes with it (`/{Bucket}/{Key+}` -> `/{Key+}`).
        if let Some(PathSegment::Literal(next)) = route.path.get_mut(at) {
            if let Some(rest) = next.strip_prefix('/') {
                *next = rest.to_owned();
            }
        }
        route.path.retain(|s| !matches!(s, PathSegment::Literal(l) if l.is_empty()));
        // `/{Bucket}` alone: the request is the bucket's, at the endpoint's
        // own path (`https://s3.<region>.amazonaws.com/<bucket>`, not `.../<bucket>/`).
        if matches!(route.path.as_slice(), [PathSegment::Literal(l)] if l == "/") {
            route.path.clear();
        }
    }
}

/// S3: requests are signed with the path as sent (keys are not paths to
/// normalise, nor encoded twice) and the payload hash in
/// `x-amz-content-sha256`; a key's `.` and `..` segments are part of its
/// name and sent as written.
fn s3_signing_style(service: &mut Service) {
    if let Some(aws) = service.aws_mut() {
        aws.s3_signing = true;
        aws.literal_paths = true;
    }
}
