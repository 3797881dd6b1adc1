//! The OpenAPI document, generated from the handlers.

use utoipa::OpenApi;

use crate::handlers;
use crate::problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bankkit",
        description = "Each signed-in user's bank and payment providers. Errors are RFC 9457 problem details (`application/problem+json`)."
    ),
    paths(
        handlers::list_providers,
        handlers::put_credentials,
        handlers::delete_credentials,
        handlers::accounts,
        handlers::balances,
        handlers::balance,
        handlers::statement,
        handlers::collect,
        handlers::pay_out,
        handlers::payment_status,
        handlers::refund,
        handlers::register_webhook,
        handlers::list_webhooks,
        handlers::remove_webhook,
        handlers::receive_webhook,
    ),
    components(schemas(Problem, handlers::StreamError))
)]
struct Core;

#[cfg(feature = "monobank")]
#[derive(OpenApi)]
#[openapi(paths(crate::monobank::currency_rates, crate::monobank::currency_pair))]
struct Monobank;

/// The OpenAPI 3.1 document of every route the router serves (paths relative to where the
/// app nests it).
pub fn document() -> utoipa::openapi::OpenApi {
    #[allow(unused_mut)]
    let mut document = Core::openapi();
    #[cfg(feature = "monobank")]
    document.merge(Monobank::openapi());
    document
}
