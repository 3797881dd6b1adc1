//! Routes: wiremock matchers in front of a responder, tried in priority order.
//!
//! A route reads like a wiremock mock — `Route::given(method("GET")).and(path("/x"))` with any
//! [`wiremock::Match`] — and answers through [`Respond`] (synchronous, short, no I/O) or
//! [`RespondAsync`] (for the rare route that must wait on something outside the sandbox, such
//! as a bank checking a webhook URL). Unlike a mounted wiremock mock, a route keeps nothing of
//! the requests it matched.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use wiremock::{Match, Request};

use crate::fault::FaultRegistry;
use crate::Reply;

/// A boxed future of a [`Reply`], what [`RespondAsync`] returns.
pub type ReplyFuture = Pin<Box<dyn Future<Output = Reply> + Send + 'static>>;

/// Answers a request, synchronously: read and change state, build a [`Reply`]. No I/O, no
/// sleeping (use [`Reply::set_delay`]).
///
/// Implemented for [`Reply`] (answers a copy of itself) and for `Fn(&Request) -> Reply`.
pub trait Respond: Send + Sync {
    /// The answer to `request`.
    fn respond(&self, request: &Request) -> Reply;
}

impl Respond for Reply {
    fn respond(&self, _request: &Request) -> Reply {
        self.clone()
    }
}

impl<F> Respond for F
where
    F: Fn(&Request) -> Reply + Send + Sync,
{
    fn respond(&self, request: &Request) -> Reply {
        self(request)
    }
}

/// Answers a request after waiting on something outside the sandbox. The future must not
/// hold a lock on shared state while it waits.
pub trait RespondAsync: Send + Sync {
    /// The answer to `request`, later.
    fn respond(&self, request: Request) -> ReplyFuture;
}

enum Handler {
    Sync(Box<dyn Respond>),
    Async(Box<dyn RespondAsync>),
}

/// What a route matches, before it has a responder: made by [`Route::given`].
pub struct RouteBuilder {
    matchers: Vec<Box<dyn Match>>,
}

impl fmt::Debug for RouteBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteBuilder")
            .field("matchers", &self.matchers.len())
            .finish()
    }
}

impl RouteBuilder {
    /// Also requires `matcher`.
    pub fn and<M: Match + 'static>(mut self, matcher: M) -> Self {
        self.matchers.push(Box::new(matcher));
        self
    }

    /// A route answering with `responder`, without fault injection (provider routes go
    /// through [`ProviderContext::route`](crate::ProviderContext::route) instead).
    pub fn respond_with<R: Respond + 'static>(self, responder: R) -> Route {
        self.finish(Handler::Sync(Box::new(responder)), None)
    }

    /// A route answering with an asynchronous `responder`, without fault injection.
    pub fn respond_async<R: RespondAsync + 'static>(self, responder: R) -> Route {
        self.finish(Handler::Async(Box::new(responder)), None)
    }

    pub(crate) fn finish_faulted<R: Respond + 'static>(
        self,
        responder: R,
        faults: Arc<FaultRegistry>,
    ) -> Route {
        self.finish(Handler::Sync(Box::new(responder)), Some(faults))
    }

    pub(crate) fn finish_faulted_async<R: RespondAsync + 'static>(
        self,
        responder: R,
        faults: Arc<FaultRegistry>,
    ) -> Route {
        self.finish(Handler::Async(Box::new(responder)), Some(faults))
    }

    fn finish(self, handler: Handler, faults: Option<Arc<FaultRegistry>>) -> Route {
        Route {
            matchers: self.matchers,
            priority: DEFAULT_PRIORITY,
            handler,
            faults,
        }
    }
}

/// wiremock's default priority: lower numbers are tried first.
const DEFAULT_PRIORITY: u8 = 5;

/// Matchers and a responder. Mount it with [`Routes::mount`].
///
/// ```
/// use bankkit_sandbox::{Reply, Route, Routes};
/// use bankkit_sandbox::wiremock::matchers::{method, path};
///
/// let mut routes = Routes::default();
/// routes.mount(Route::given(method("GET")).and(path("/ping")).respond_with(Reply::new(204)));
/// routes.mount(Route::any().respond_with(Reply::new(404)).with_priority(10));
/// assert_eq!(routes.len(), 2);
/// ```
pub struct Route {
    matchers: Vec<Box<dyn Match>>,
    priority: u8,
    handler: Handler,
    faults: Option<Arc<FaultRegistry>>,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("matchers", &self.matchers.len())
            .field("priority", &self.priority)
            .field("faulted", &self.faults.is_some())
            .finish_non_exhaustive()
    }
}

impl Route {
    /// A route for requests that match `matcher` (add more with [`RouteBuilder::and`]).
    #[allow(clippy::new_ret_no_self)]
    pub fn given<M: Match + 'static>(matcher: M) -> RouteBuilder {
        RouteBuilder {
            matchers: vec![Box::new(matcher)],
        }
    }

    /// A route for every request.
    pub fn any() -> RouteBuilder {
        RouteBuilder {
            matchers: Vec::new(),
        }
    }

    /// Sets the priority: routes with a lower number are tried first (default 5, as in
    /// wiremock); among equals, the one mounted first.
    pub fn with_priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }

    fn matches(&self, request: &Request) -> bool {
        self.matchers.iter().all(|matcher| matcher.matches(request))
    }

    /// Runs the route: faults first (when the route has them), then the responder.
    pub(crate) async fn answer(&self, request: Request) -> Reply {
        let fault = self
            .faults
            .as_ref()
            .and_then(|faults| faults.take(request.method.as_str(), request.url.path()));
        let Some(kind) = fault else {
            return self.run(request).await;
        };
        let faults = self.faults.as_deref();
        let path = request.url.path().to_owned();
        match faults.map(|faults| faults.act_on(&kind, &path)) {
            Some(crate::fault::FaultAction::Answer(reply)) => reply,
            Some(crate::fault::FaultAction::RunThen(then)) => then.apply(self.run(request).await),
            None => self.run(request).await,
        }
    }

    async fn run(&self, request: Request) -> Reply {
        match &self.handler {
            Handler::Sync(responder) => responder.respond(&request),
            Handler::Async(responder) => responder.respond(request).await,
        }
    }
}

/// A server's route table: the first matching route (by priority, then mount order) answers.
#[derive(Debug, Default)]
pub struct Routes {
    routes: Vec<Route>,
}

impl Routes {
    /// Adds a route.
    pub fn mount(&mut self, route: Route) {
        let at = self
            .routes
            .iter()
            .position(|existing| existing.priority > route.priority)
            .unwrap_or(self.routes.len());
        self.routes.insert(at, route);
    }

    /// How many routes are mounted.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether no route is mounted.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The route that answers `request`, if any.
    pub(crate) fn find(&self, request: &Request) -> Option<&Route> {
        self.routes.iter().find(|route| route.matches(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{any, path};

    fn request(path: &str) -> Request {
        Request {
            url: format!("http://localhost{path}").parse().unwrap(),
            method: http::Method::GET,
            headers: http::HeaderMap::new(),
            body: Vec::new(),
        }
    }

    #[tokio::test]
    async fn lower_priority_numbers_win_then_mount_order() {
        let mut routes = Routes::default();
        routes.mount(
            Route::given(any())
                .respond_with(Reply::new(404))
                .with_priority(10),
        );
        routes.mount(Route::given(path("/a")).respond_with(Reply::new(200)));
        routes.mount(Route::given(path("/a")).respond_with(Reply::new(201)));
        let answer = |p: &str| {
            let request = request(p);
            let route = routes.find(&request).unwrap();
            route.answer(request.clone())
        };
        assert_eq!(answer("/a").await.status(), 200);
        assert_eq!(answer("/b").await.status(), 404);
    }
}
