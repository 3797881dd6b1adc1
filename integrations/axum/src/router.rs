//! The builder, the shared state and the per-user provider cache.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;
use bankkit_core::credentials::{CredentialStore, StoredConfig};
use bankkit_core::registry::{self, BuildContext};
use bankkit_core::token::{ScopedTokenStore, TokenStore};
use bankkit_core::{Provider, WebhookEvent};

use crate::handlers;
use crate::problem::Problem;

/// Who the signed-in user of the app is: implement it on the extractor the app already uses
/// for its own routes (a session, a verified JWT, a header set by a proxy). The router does
/// no login; it asks the extractor on every user route and answers with the extractor's own
/// rejection when it fails.
///
/// ```
/// use axum::extract::FromRequestParts;
/// use http::request::Parts;
/// use http::StatusCode;
///
/// /// The user an upstream auth layer put in the request's extensions.
/// #[derive(Clone)]
/// struct SignedIn(String);
///
/// impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
///     type Rejection = StatusCode;
///     async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
///         parts.extensions.get::<SignedIn>().cloned().ok_or(StatusCode::UNAUTHORIZED)
///     }
/// }
///
/// impl bankkit_axum::UserId for SignedIn {
///     fn user_id(&self) -> &str {
///         &self.0
///     }
/// }
/// ```
pub trait UserId: Send + 'static {
    /// The app's id of its user: credentials and tokens are kept under it.
    fn user_id(&self) -> &str;
}

/// The user a request is for, put in its extensions by the identifying middleware.
#[derive(Clone, Debug)]
pub(crate) struct CurrentUser(pub(crate) String);

/// Called with `(user, provider, event)` for every webhook delivery that verified.
pub type EventHandler = Arc<dyn Fn(&str, &str, WebhookEvent) + Send + Sync>;

/// Builds the [`axum::Router`] of provider routes for the users of a web app.
///
/// ```
/// use std::sync::Arc;
/// use bankkit_axum::{BankkitRouter, UserId};
/// use bankkit_core::credentials::MemoryCredentialStore;
/// use bankkit_core::token::MemoryTokenStore;
/// # use axum::extract::FromRequestParts;
/// # struct SignedIn(String);
/// # impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
/// #     type Rejection = http::StatusCode;
/// #     async fn from_request_parts(_: &mut http::request::Parts, _: &S) -> Result<Self, http::StatusCode> {
/// #         Err(http::StatusCode::UNAUTHORIZED)
/// #     }
/// # }
/// # impl UserId for SignedIn { fn user_id(&self) -> &str { &self.0 } }
///
/// let bank = BankkitRouter::<SignedIn>::new(
///     Arc::new(MemoryCredentialStore::new()),
///     Arc::new(MemoryTokenStore::new()),
/// )
/// .on_event(|user, provider, event| println!("{user} {provider}: {event:?}"))
/// .build();
/// let app: axum::Router = axum::Router::new().nest("/bank", bank);
/// # let _ = app;
/// ```
pub struct BankkitRouter<U> {
    credentials: Arc<dyn CredentialStore>,
    tokens: Arc<dyn TokenStore>,
    context: BuildContext,
    on_event: Option<EventHandler>,
    public_url: Option<String>,
    allowed_config_fields: Vec<String>,
    #[cfg(feature = "monobank")]
    monobank_base_url: Option<String>,
    user: std::marker::PhantomData<fn() -> U>,
}

impl<U> fmt::Debug for BankkitRouter<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BankkitRouter")
            .field("credentials", &self.credentials)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl<U: UserId> BankkitRouter<U> {
    /// A router keeping each user's provider configs in `credentials` and their rotating
    /// tokens in `tokens` (each user's providers see `ScopedTokenStore::new(tokens, user)`).
    pub fn new(credentials: Arc<dyn CredentialStore>, tokens: Arc<dyn TokenStore>) -> Self {
        Self {
            credentials,
            tokens,
            context: BuildContext::default(),
            on_event: None,
            public_url: None,
            allowed_config_fields: Vec::new(),
            #[cfg(feature = "monobank")]
            monobank_base_url: None,
            user: std::marker::PhantomData,
        }
    }

    /// The template every provider is built with: its clock and HTTP options are kept, its
    /// token store is replaced by the user's scoped view of the router's.
    pub fn build_context(mut self, context: BuildContext) -> Self {
        self.context = context;
        self
    }

    /// Called with `(user, provider, event)` for every webhook delivery that verified at
    /// `POST /hooks/{provider}/{user}`. Keep it short (spawn a task for slow work): the
    /// provider waits for the answer.
    pub fn on_event(
        mut self,
        handler: impl Fn(&str, &str, WebhookEvent) + Send + Sync + 'static,
    ) -> Self {
        self.on_event = Some(Arc::new(handler));
        self
    }

    /// The URL this router is reachable at from the providers (`https://app.example/bank`):
    /// `POST …/webhooks` without a `url` then registers the router's own receiver,
    /// `{public_url}/hooks/{provider}/{user}`.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Lets users' configs set `fields` that are refused by default: `base_url` (where the
    /// server sends the user's requests) and any field ending in `_file`, `_path` or `_dir`
    /// (the server's own files). Without this a user could make the server call any URL or
    /// read any file it can; allow `base_url` only where users are trusted (tests against a
    /// sandbox, an internal tool).
    pub fn allow_config_fields<I, F>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = F>,
        F: Into<String>,
    {
        self.allowed_config_fields
            .extend(fields.into_iter().map(Into::into));
        self
    }

    /// Where `GET /monobank/currency` reads rates (the bank's API by default; a sandbox in
    /// tests).
    #[cfg(feature = "monobank")]
    pub fn monobank_base_url(mut self, url: impl Into<String>) -> Self {
        self.monobank_base_url = Some(url.into());
        self
    }

    /// The router, for a user extractor that needs no state of the app.
    pub fn build<S>(self) -> Router<S>
    where
        U: FromRequestParts<()>,
        S: Clone + Send + Sync + 'static,
    {
        self.build_with_state(())
    }

    /// The router, for a user extractor that reads the app's state `state` (a session store,
    /// a key to verify tokens with).
    pub fn build_with_state<A, S>(self, state: A) -> Router<S>
    where
        U: FromRequestParts<A>,
        A: Clone + Send + Sync + 'static,
        S: Clone + Send + Sync + 'static,
    {
        let shared = Arc::new(self.shared());
        let user_routes: Router<Arc<Shared>> = Router::new()
            .route("/providers", get(handlers::list_providers))
            .route(
                "/providers/{provider}/credentials",
                put(handlers::put_credentials).delete(handlers::delete_credentials),
            )
            .route("/providers/{provider}/accounts", get(handlers::accounts))
            .route("/providers/{provider}/balances", get(handlers::balances))
            .route(
                "/providers/{provider}/accounts/{account}/balance",
                get(handlers::balance),
            )
            .route(
                "/providers/{provider}/accounts/{account}/statement",
                get(handlers::statement),
            )
            .route(
                "/providers/{provider}/payments/collect",
                post(handlers::collect),
            )
            .route(
                "/providers/{provider}/payments/payouts",
                post(handlers::pay_out),
            )
            .route(
                "/providers/{provider}/payments/{id}",
                get(handlers::payment_status),
            )
            .route(
                "/providers/{provider}/payments/{id}/refunds",
                post(handlers::refund),
            )
            .route(
                "/providers/{provider}/webhooks",
                post(handlers::register_webhook).get(handlers::list_webhooks),
            )
            .route(
                "/providers/{provider}/webhooks/{id}",
                delete(handlers::remove_webhook),
            )
            .route_layer(middleware::from_fn_with_state(state, identify::<U, A>));
        let public_routes: Router<Arc<Shared>> = Router::new()
            .route(
                "/hooks/{provider}/{user}",
                post(handlers::receive_webhook).get(handlers::webhook_url_check),
            )
            .route("/openapi.json", get(handlers::openapi));
        #[cfg(feature = "monobank")]
        let public_routes = public_routes
            .route("/monobank/currency", get(crate::monobank::currency_rates))
            .route(
                "/monobank/currency/{a}/{b}",
                get(crate::monobank::currency_pair),
            );
        user_routes
            .merge(public_routes)
            .fallback(handlers::no_route)
            .with_state(shared)
    }

    fn shared(self) -> Shared {
        #[cfg(feature = "monobank")]
        let monobank = crate::monobank::Rates::new(self.monobank_base_url, &self.context);
        Shared {
            credentials: self.credentials,
            tokens: self.tokens,
            context: self.context,
            on_event: self.on_event,
            public_url: self.public_url,
            allowed_config_fields: self.allowed_config_fields,
            cache: Mutex::new(HashMap::new()),
            #[cfg(feature = "monobank")]
            monobank,
        }
    }
}

/// Runs the app's user extractor and records who the request is for.
async fn identify<U, A>(State(state): State<A>, request: Request, next: Next) -> Response
where
    U: UserId + FromRequestParts<A>,
    A: Clone + Send + Sync + 'static,
{
    let (mut parts, body) = request.into_parts();
    let user = U::from_request_parts(&mut parts, &state)
        .await
        .map(|user| user.user_id().to_owned())
        // The rejection becomes a response here: it need not be `Send`.
        .map_err(IntoResponse::into_response);
    match user {
        Ok(id) => {
            if id.is_empty() {
                return Problem::new(
                    http::StatusCode::UNAUTHORIZED,
                    "no_user",
                    "No user",
                    "the request names no user",
                )
                .into_response();
            }
            parts.extensions.insert(CurrentUser(id));
            next.run(Request::from_parts(parts, body)).await
        }
        Err(rejection) => rejection,
    }
}

/// A provider built for one user, with the config it was built from.
struct Cached {
    config: StoredConfig,
    provider: Arc<dyn Provider>,
}

/// What every handler shares.
pub(crate) struct Shared {
    pub(crate) credentials: Arc<dyn CredentialStore>,
    tokens: Arc<dyn TokenStore>,
    pub(crate) context: BuildContext,
    pub(crate) on_event: Option<EventHandler>,
    pub(crate) public_url: Option<String>,
    pub(crate) allowed_config_fields: Vec<String>,
    cache: Mutex<HashMap<(String, String), Cached>>,
    #[cfg(feature = "monobank")]
    pub(crate) monobank: crate::monobank::Rates,
}

impl Shared {
    /// The first field of a user's config that points the server at a URL or a file of
    /// its own and is not allowed ([`BankkitRouter::allow_config_fields`]).
    pub(crate) fn refused_field<'a>(
        &self,
        object: &'a serde_json::Map<String, serde_json::Value>,
    ) -> Option<&'a str> {
        object.keys().map(String::as_str).find(|name| {
            let guarded = *name == "base_url"
                || name.ends_with("_file")
                || name.ends_with("_path")
                || name.ends_with("_dir");
            guarded
                && !self
                    .allowed_config_fields
                    .iter()
                    .any(|allowed| allowed == name)
        })
    }

    /// `provider` if it is registered, else a 404.
    pub(crate) fn registered(provider: &str) -> Result<(), Problem> {
        match registry::find(provider) {
            Some(_) => Ok(()),
            None => Err(Problem::not_found(
                "unknown_provider",
                format!("no provider named {provider:?} is available"),
            )
            .with_provider(provider)),
        }
    }

    /// `user`'s provider `name`, built from their stored config; a cached one while the
    /// stored config is unchanged (a change made elsewhere, by another process sharing the
    /// store, is seen at the next request).
    pub(crate) async fn provider(
        &self,
        user: &str,
        name: &str,
    ) -> Result<Arc<dyn Provider>, Problem> {
        Self::registered(name)?;
        let stored = self
            .credentials
            .get(user, name)
            .await
            .map_err(|e| Problem::from_error(&e, Some(name)))?
            .ok_or_else(|| {
                Problem::not_found(
                    "no_credentials",
                    format!("no credentials are stored for {name}; PUT them first"),
                )
                .with_provider(name)
            })?;
        let key = (user.to_owned(), name.to_owned());
        if let Some(cached) = self.cache().get(&key) {
            if cached.config.expose_json() == stored.expose_json() {
                return Ok(cached.provider.clone());
            }
        }
        self.build(user, stored)
    }

    /// Builds `user`'s provider from `stored` and caches it.
    pub(crate) fn build(
        &self,
        user: &str,
        stored: StoredConfig,
    ) -> Result<Arc<dyn Provider>, Problem> {
        let name = stored.provider().to_owned();
        let problem = |e: bankkit_core::Error| Problem::from_error(&e, Some(&name));
        let config = stored.config().map_err(problem)?;
        let context = self
            .context
            .clone()
            .with_token_store(Arc::new(ScopedTokenStore::new(self.tokens.clone(), user)));
        let provider = config.build(&context).map_err(problem)?;
        self.cache().insert(
            (user.to_owned(), name),
            Cached {
                config: stored,
                provider: provider.clone(),
            },
        );
        Ok(provider)
    }

    /// Forgets `user`'s cached provider `name`.
    pub(crate) fn forget(&self, user: &str, name: &str) {
        self.cache().remove(&(user.to_owned(), name.to_owned()));
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Cached>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
