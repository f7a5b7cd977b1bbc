//! Operations that answer one resource in several formats (JSON, CSV, XLSX).
//!
//! poem-openapi's response derive keeps only the last variant of a status in
//! the document; `Formats` merges variants that share a status, so the
//! document lists every content type the operation can send.

use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::registry::{MetaResponses, Registry};

pub struct Formats<T>(pub T);

impl<T: ApiResponse> ApiResponse for Formats<T> {
    fn meta() -> MetaResponses {
        let mut merged: Vec<poem_openapi::registry::MetaResponse> = Vec::new();
        for response in T::meta().responses {
            match merged
                .iter_mut()
                .find(|r| r.status == response.status && r.status.is_some())
            {
                Some(first) => first.content.extend(response.content),
                None => merged.push(response),
            }
        }
        MetaResponses { responses: merged }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: IntoResponse> IntoResponse for Formats<T> {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}
