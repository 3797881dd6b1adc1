//! Extractors whose rejections are problem details.

use axum::extract::{FromRequestParts, Path, Query};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::problem::{without_values, Problem};

/// [`Path`], rejected as a `400` problem.
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(Problem::bad_request(
                "invalid_path",
                without_values(&rejection.body_text()),
            )),
        }
    }
}

/// [`Query`], rejected as a `400` problem.
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(Problem::bad_request(
                "invalid_query",
                without_values(&rejection.body_text()),
            )),
        }
    }
}

/// A JSON body read as `T`, or a `400` problem naming the field at fault without quoting
/// any value (bodies carry card numbers and tokens).
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let message = without_values(&e.inner().to_string());
        let detail = if path == "." {
            message
        } else {
            format!("{path}: {message}")
        };
        Problem::bad_request("invalid_body", detail)
    })?;
    deserializer
        .end()
        .map_err(|_| Problem::bad_request("invalid_body", "trailing characters after the JSON"))?;
    Ok(value)
}
