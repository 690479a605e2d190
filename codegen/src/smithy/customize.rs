//! Named per-service customisations: what a service needs beyond its
//! protocol and its model, as the official SDKs do it (smithy-rs keeps the
//! same list as decorators). Each is a small function over the lowered IR,
//! chosen by the service's `sdkId`; the protocol code knows none of them.

use crate::ir::{CallShape, EndpointParamSource, PathSegment, Service};

/// Applies the customisations of `service` (by its `sdkId`).
pub fn apply(service: &mut Service) {
    let sdk_id = service.aws().map(|a| a.sdk_id.clone()).unwrap_or_default();
    if sdk_id.as_str() == "S3" {
        s3_bucket_in_endpoint(service);
        s3_payload_hash_header(service);
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
    }
}

/// S3: every request signs its payload hash in `x-amz-content-sha256`.
fn s3_payload_hash_header(service: &mut Service) {
    if let Some(aws) = service.aws_mut() {
        aws.payload_hash_header = true;
    }
}
