//! The connection loop: hyper directly, so that the limits a server in front of users needs
//! (header size, slow clients, idle connections) are ours to set, and so that shutdown can
//! wait for requests in flight.

use crate::edge::Edge;
use crate::routing::Routes;
use crate::state::AppState;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use tokio::net::TcpListener;

pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let config = state.config.clone();
    let routes = std::sync::Arc::new(routes);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Bounds how long a client may take to send a request's headers, and how long an
        // idle keep-alive connection waits for the next request.
        .header_read_timeout(config.header_read_timeout)
        // hyper's own hard cap, well above our limit so that oversized heads still reach
        // `limits.rs` and get a 431 with the Webex body; beyond it hyper drops them bare.
        .max_buf_size((config.max_header_bytes + config.max_uri_bytes).max(8192) * 4)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        // Usually out of file descriptors; pausing beats spinning.
                        tracing::warn!(%error, "cannot accept a connection");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = Edge::new(state.clone(), routes.clone(), remote);
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    // Requests in flight finish; idle connections close at once.
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the shutdown grace period; stopping anyway");
    }
}
