//! The thin HTTP/1.1 front in front of each provider's `MockServer`.
//!
//! wiremock cannot reset a connection, so each provider's public port belongs to this proxy: it
//! forwards every request to the provider's `MockServer` and relays status, headers and body
//! unchanged, except when the response carries the internal drop mark set by a fault, in which
//! case it closes the connection without sending anything. It also logs one line per request
//! (method, path, status, elapsed) through `tracing`, never header values or bodies.

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::{Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::fault::DROP_HEADER;

type Upstream = Client<HttpConnector, Full<Bytes>>;

/// The service's error: the connection is closed without a response.
#[derive(Debug)]
struct ConnectionDropped;

impl fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Serves `listener`, forwarding to the `MockServer` at `upstream`; abort the handle to stop
/// (open connections close with it).
pub(crate) fn spawn(
    listener: TcpListener,
    upstream: SocketAddr,
    provider: &'static str,
) -> JoinHandle<()> {
    let client: Upstream = Client::builder(TokioExecutor::new()).build_http();
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors or similar: back off briefly and carry on.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            while connections.try_join_next().is_some() {}
            let client = client.clone();
            connections.spawn(async move {
                let service =
                    service_fn(move |request| forward(client.clone(), upstream, provider, request));
                // An error here is a client going away or an injected drop: nothing to do.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

async fn forward(
    client: Upstream,
    upstream: SocketAddr,
    provider: &'static str,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, ConnectionDropped> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let log = |status: &dyn fmt::Display| {
        tracing::info!(
            target: "bankkit_sandbox::request",
            provider,
            %method,
            path = %path,
            status = %status,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "request"
        );
    };

    let response = match relay(&client, upstream, parts, body).await {
        Ok(response) => response,
        Err(status) => plain(status),
    };
    if response.headers().contains_key(DROP_HEADER) {
        log(&"dropped");
        return Err(ConnectionDropped);
    }
    log(&response.status().as_u16());
    Ok(response)
}

/// Sends the request upstream and reads the whole response.
async fn relay(
    client: &Upstream,
    upstream: SocketAddr,
    parts: http::request::Parts,
    body: Incoming,
) -> Result<Response<Full<Bytes>>, StatusCode> {
    let body = body
        .collect()
        .await
        .map_err(|_| StatusCode::BAD_REQUEST)?
        .to_bytes();
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let uri: Uri = format!("http://{upstream}{path_and_query}")
        .parse()
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    let mut forwarded = Request::new(Full::new(body));
    *forwarded.method_mut() = parts.method;
    *forwarded.uri_mut() = uri;
    *forwarded.headers_mut() = parts.headers;
    forwarded.headers_mut().remove(http::header::HOST);

    let response = client
        .request(forwarded)
        .await
        .map_err(|_| StatusCode::BAD_GATEWAY)?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|_| StatusCode::BAD_GATEWAY)?
        .to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}

fn plain(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}
