//! [`AcmeClient`]: one typed method per Acme endpoint, wire types in and out.

use std::fmt;
use std::sync::Arc;

use bankkit_core::http::{path_segment, ApiRequest, HttpClient};
use bankkit_core::secret::{bearer_header, SecretString};
use bankkit_core::{Clock, Result};
use serde::de::DeserializeOwned;

use crate::error::map_error;
use crate::wire::{Account, AccountList, AmountBody, Charge, NewCharge, Refund};

/// The Acme API over bankkit's HTTP client.
///
/// Every write is sent once: Acme does not dedupe, so a repeat could charge or refund
/// twice (the provider keeps creates at most once with a local record).
pub(crate) struct AcmeClient {
    http: HttpClient,
    api_key: SecretString,
}

impl fmt::Debug for AcmeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcmeClient")
            .field("http", &self.http)
            .field("api_key", &"[REDACTED]")
            .finish()
    }
}

impl AcmeClient {
    pub(crate) fn new(http: HttpClient, api_key: SecretString) -> Self {
        Self { http, api_key }
    }

    /// The clock the client waits and stamps with.
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.http.clock()
    }

    fn authorised(&self, request: ApiRequest) -> Result<ApiRequest> {
        let header = bearer_header(&self.api_key)?;
        Ok(request.header(http::header::AUTHORIZATION, header))
    }

    async fn call<T: DeserializeOwned>(&self, request: ApiRequest, what: &str) -> Result<T> {
        let response = self
            .http
            .send(self.authorised(request)?, &map_error)
            .await?;
        response.json(what)
    }

    /// `GET /v1/accounts`.
    pub(crate) async fn accounts(&self) -> Result<Vec<Account>> {
        let request = ApiRequest::get("/v1/accounts").operation("accounts");
        Ok(self
            .call::<AccountList>(request, "account list")
            .await?
            .accounts)
    }

    /// `GET /v1/accounts/{id}`.
    pub(crate) async fn account(&self, id: &str) -> Result<Account> {
        let request = ApiRequest::get(account_path(id)).operation("account");
        self.call(request, "account").await
    }

    /// `POST /v1/charges`: charges (or, with `capture: false`, holds) a card. Never
    /// repeated by the client.
    pub(crate) async fn create_charge(&self, charge: &NewCharge, key: &str) -> Result<Charge> {
        let request = ApiRequest::post("/v1/charges")
            .operation("create charge")
            .idempotency_key(key)
            .json(charge)?;
        self.call(request, "charge").await
    }

    /// `GET /v1/charges/{id}`.
    pub(crate) async fn charge(&self, id: &str) -> Result<Charge> {
        let request = ApiRequest::get(charge_path(id, "")).operation("charge");
        self.call(request, "charge").await
    }

    /// `POST /v1/charges/{id}/capture`: all of the hold, or `amount`.
    pub(crate) async fn capture(&self, id: &str, body: &AmountBody) -> Result<Charge> {
        let request = ApiRequest::post(charge_path(id, "/capture"))
            .operation("capture charge")
            .json(body)?;
        self.call(request, "charge").await
    }

    /// `POST /v1/charges/{id}/cancel`: releases a hold.
    pub(crate) async fn cancel(&self, id: &str) -> Result<Charge> {
        let request = ApiRequest::post(charge_path(id, "/cancel"))
            .operation("cancel charge")
            .json(&serde_json::json!({}))?;
        self.call(request, "charge").await
    }

    /// `POST /v1/charges/{id}/refunds`: all of what is left, or `amount`. Never repeated by
    /// the client.
    pub(crate) async fn refund(&self, id: &str, body: &AmountBody, key: &str) -> Result<Refund> {
        let request = ApiRequest::post(charge_path(id, "/refunds"))
            .operation("refund charge")
            .idempotency_key(key)
            .json(body)?;
        self.call(request, "refund").await
    }
}

/// The path of one account; the id is escaped, so it cannot reach another path.
pub(crate) fn account_path(id: &str) -> String {
    format!("/v1/accounts/{}", path_segment(id))
}

/// The path of one charge (plus `tail`); the id is escaped.
pub(crate) fn charge_path(id: &str, tail: &str) -> String {
    format!("/v1/charges/{}{tail}", path_segment(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(account_path("acc_main"), "/v1/accounts/acc_main");
        assert_eq!(
            account_path("../admin?x=1"),
            "/v1/accounts/..%2Fadmin%3Fx%3D1"
        );
        assert_eq!(
            charge_path("ch_1/../x", "/capture"),
            "/v1/charges/ch_1%2F..%2Fx/capture"
        );
    }
}
