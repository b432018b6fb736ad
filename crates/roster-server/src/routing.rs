//! How the route table of `routes.rs` becomes what serves requests.
//!
//! A [`RouteTable`] is filled once, route by route, and gives three things that therefore
//! cannot disagree: the axum router, the OpenAPI document (from each handler's
//! `#[utoipa::path]`, through `utoipa-axum`), and the [`RouteIndex`] the edge consults for
//! every request (`edge.rs`): which route a path belongs to, for metrics and logs, and
//! whether it is a hot read to call without the router ([`Direct`]).

use crate::auth::{BearerDigest, Caller};
use crate::metrics::RouteMetrics;
use crate::state::AppState;
use crate::wire::QueryParams;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use bytes::Bytes;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// The label of requests that match no route.
const OTHER: &str = "other";

/// Where the API's paths live; an operational endpoint is outside them.
const API_PREFIXES: [&str; 3] = ["/v1/", "/identity/", "/idb/"];

/// Routes being added (see `routes.rs` for the table itself).
pub struct RouteTable {
    router: OpenApiRouter<AppState>,
    /// Every path served, with the route it belongs to (an index into `routes`).
    paths: Vec<(String, usize)>,
    routes: Vec<RouteEntry>,
    /// Where the table serves its own OpenAPI document, if anywhere.
    document_path: Option<&'static str>,
}

struct RouteEntry {
    /// The path template, which is also the route's metrics label.
    template: String,
    direct_get: Option<Direct>,
}

impl RouteTable {
    /// An empty table whose document starts as `document` (title, components, security).
    pub fn new(document: OpenApi) -> Self {
        RouteTable {
            router: OpenApiRouter::with_openapi(document),
            paths: Vec::new(),
            routes: Vec::new(),
            document_path: None,
        }
    }

    /// Documented operations (`utoipa_axum::routes!`): each handler's `#[utoipa::path]`
    /// gives its method and path, for the router and the document alike.
    pub fn routes(mut self, routes: UtoipaMethodRouter<AppState>) -> Self {
        let (_, paths, _) = &routes;
        for template in paths.paths.keys() {
            self.add_path(template, template);
        }
        self.router = self.router.routes(routes);
        self
    }

    /// As [`RouteTable::routes`] for a single path, also served at `alias`, which is the
    /// same route (the same label) and is not in the document.
    pub fn routes_with_alias(mut self, routes: UtoipaMethodRouter<AppState>, alias: &str) -> Self {
        let template = single_path(&routes);
        let (_, _, method_router) = &routes;
        let method_router = method_router.clone();
        self = self.routes(routes);
        self.add_path(alias, &template);
        self.router = self.router.route(alias, method_router);
        self
    }

    /// As [`RouteTable::routes`] for a single path, also served at `alias` and documented
    /// there too: for a second public path that clients call (the JavaScript SDK's
    /// `/idb/oauth2/v1/...`), unlike [`RouteTable::routes_with_alias`]. The alias is a route
    /// of its own (its own label); its operations are the same, their ids prefixed with the
    /// segments that only the alias has (`/idb/oauth2/v1/authorize`: `idb_oauth2_authorize`)
    /// so that ids stay unique, and their descriptions name the path they alias.
    pub fn routes_also_at(self, routes: UtoipaMethodRouter<AppState>, alias: &str) -> Self {
        let template = single_path(&routes);
        let (schemas, mut paths, method_router) = routes;
        let canonical: Vec<&str> = template.split('/').collect();
        let prefix = alias
            .split('/')
            .filter(|segment| !segment.is_empty() && !canonical.contains(segment))
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join("_");
        assert!(
            !prefix.is_empty(),
            "{alias}: an alias differs from {template}"
        );
        let mut item = paths.paths[&template].clone();
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            operation.operation_id = operation
                .operation_id
                .as_ref()
                .map(|id| format!("{prefix}_{id}"));
            let note = format!("The same operation as at `{template}`.");
            operation.description = Some(match &operation.description {
                Some(description) => format!("{note} {description}"),
                None => note,
            });
        }
        paths.paths.insert(alias.to_string(), item);
        self.routes((schemas, paths, method_router))
    }

    /// A documented read (`GET`) that the edge calls without the router (see `edge.rs`);
    /// made with the `hot!` macro of `routes.rs`, which names the handler once for both.
    pub fn hot(mut self, (routes, direct): (UtoipaMethodRouter<AppState>, Direct)) -> Self {
        let template = single_path(&routes);
        let (_, paths, _) = &routes;
        assert!(
            paths.paths[&template].get.is_some(),
            "{template}: a hot read is a GET"
        );
        assert_eq!(
            template.matches('{').count(),
            direct.path_params,
            "{template}: the direct handler takes one value per path parameter"
        );
        self = self.routes(routes);
        let route = self.route_of(&template);
        self.routes[route].direct_get = Some(direct);
        self
    }

    /// An operational endpoint, left out of the document: health, readiness, metrics. Only
    /// these: an API path (under `/v1/`, `/identity/` or `/idb/`) is refused, since every
    /// API endpoint is documented (`routes`, `hot`, `routes_also_at`); a test in `routes.rs`
    /// checks that nothing else is served undocumented.
    pub fn operational(mut self, path: &str, method_router: MethodRouter<AppState>) -> Self {
        assert!(
            !API_PREFIXES.iter().any(|prefix| path.starts_with(prefix)),
            "{path} is an API path: document it with `routes!`"
        );
        self.add_path(path, path);
        self.router = self.router.route(path, method_router);
        self
    }

    /// Serves this table's OpenAPI document at `path` (itself undocumented).
    pub fn document_at(mut self, path: &'static str) -> Self {
        self.add_path(path, path);
        self.document_path = Some(path);
        self
    }

    /// What answers paths that match no route.
    pub fn fallback<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.fallback(handler);
        self
    }

    /// Every path served (the document's own among them), with the template of its route.
    #[cfg(test)]
    pub(crate) fn served_paths(&self) -> impl Iterator<Item = (&str, &str)> {
        self.paths
            .iter()
            .map(|(path, route)| (path.as_str(), self.routes[*route].template.as_str()))
    }

    /// The OpenAPI document of every documented route, as served.
    pub fn document(&self) -> String {
        self.router
            .get_openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    }

    /// Which route each path belongs to, as the edge asks it.
    pub fn index(&self) -> RouteIndex {
        let mut templates = matchit::Router::new();
        let mut statics = HashMap::new();
        for (path, route) in &self.paths {
            if path.contains('{') {
                templates
                    .insert(path.as_str(), *route)
                    .unwrap_or_else(|e| panic!("{path}: {e}"));
            } else {
                statics.insert(path.clone(), *route);
            }
        }
        let mut routes: Vec<Route> = self
            .routes
            .iter()
            .map(|entry| Route {
                metrics: RouteMetrics::of(&entry.template),
                direct_get: entry.direct_get.clone(),
            })
            .collect();
        routes.push(Route {
            metrics: RouteMetrics::of(OTHER),
            direct_get: None,
        });
        RouteIndex {
            statics,
            templates,
            routes,
        }
    }

    /// The table, ready to serve with `state`.
    pub fn into_routes(self, state: AppState) -> Routes {
        let index = self.index();
        let document = Bytes::from(self.document());
        let mut router: Router<AppState> = self.router.into();
        if let Some(path) = self.document_path {
            router = router.route(path, get(move || serve_document(document.clone())));
        }
        let router = router
            .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
            .with_state(state);
        Routes { router, index }
    }

    /// Adds `path` to the route of `template`, which is created if new.
    fn add_path(&mut self, path: &str, template: &str) {
        if let Some((_, route)) = self.paths.iter().find(|(p, _)| p == path) {
            // More methods of a path already added (`routes!` groups may share a path).
            assert_eq!(
                self.routes[*route].template, template,
                "{path} is a path of another route"
            );
            return;
        }
        let route = match self.routes.iter().position(|r| r.template == template) {
            Some(route) => route,
            None => {
                self.routes.push(RouteEntry {
                    template: template.to_string(),
                    direct_get: None,
                });
                self.routes.len() - 1
            }
        };
        self.paths.push((path.to_string(), route));
    }

    fn route_of(&self, template: &str) -> usize {
        self.routes
            .iter()
            .position(|r| r.template == template)
            .expect("a path added is a route")
    }
}

/// The one path of a `routes!` group.
fn single_path(routes: &UtoipaMethodRouter<AppState>) -> String {
    let (_, paths, _) = routes;
    let mut paths = paths.paths.keys();
    match (paths.next(), paths.next()) {
        (Some(path), None) => path.clone(),
        _ => panic!("expected handlers of one path"),
    }
}

async fn serve_document(document: Bytes) -> Response {
    let mut response = Response::new(axum::body::Body::from(document));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(roster_types::JSON_CONTENT_TYPE),
    );
    *response.status_mut() = StatusCode::OK;
    response
}

/// A route table ready to serve: the router, and the index the edge consults first.
pub struct Routes {
    pub router: Router,
    pub index: RouteIndex,
}

/// Which route a request's path belongs to. A path equal to a route without parameters
/// (`/v1/people/me` among them) is that route, for axum's router too, and is found by one
/// hash look-up. The templates with parameters are matched by `matchit`, the matcher
/// axum's router uses, so that the edge and the router agree on them as well.
pub struct RouteIndex {
    statics: HashMap<String, usize>,
    templates: matchit::Router<usize>,
    /// By route; the last is [`OTHER`].
    routes: Vec<Route>,
}

/// What the edge knows of a route.
pub struct Route {
    pub metrics: &'static RouteMetrics,
    direct_get: Option<Direct>,
}

/// A path's route, and the path parameters of its template.
pub struct Found<'i, 'p> {
    pub route: &'i Route,
    params: Option<matchit::Params<'i, 'p>>,
}

impl RouteIndex {
    pub fn find<'i, 'p>(&'i self, path: &'p str) -> Found<'i, 'p> {
        if let Some(&route) = self.statics.get(path) {
            return Found {
                route: &self.routes[route],
                params: None,
            };
        }
        match self.templates.at(path) {
            Ok(matched) => Found {
                route: &self.routes[*matched.value],
                params: Some(matched.params),
            },
            Err(_) => Found {
                route: self.routes.last().expect("there is always `other`"),
                params: None,
            },
        }
    }
}

impl<'i> Found<'i, '_> {
    /// The direct handler of a `GET` of this path, and its path parameter, when the route
    /// is a hot read and the parameter needs no percent-decoding: only then is the raw
    /// value exactly what axum's `Path` would give. Others (`%3D` padding, say) take the
    /// router.
    pub fn direct_get(&self) -> Option<(&'i Direct, Option<String>)> {
        let direct = self.route.direct_get.as_ref()?;
        let param = self
            .params
            .as_ref()
            .and_then(|params| params.iter().next())
            .map(|(_, value)| value);
        if param.is_some_and(|value| value.contains('%')) {
            return None;
        }
        Some((direct, param.map(str::to_string)))
    }
}

impl Route {
    pub fn label(&self) -> &'static str {
        self.metrics.label()
    }
}

/// The future of a handler's response, boxed so that the edge's own future stays small.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

type DirectCall =
    dyn Fn(AppState, Parts, Option<BearerDigest>, Option<String>) -> HandlerFuture + Send + Sync;

/// A hot read as the edge calls it without the router: with the request's head, what the
/// edge knows of its bearer token (see [`BearerDigest`]), and its path parameter, if any.
#[derive(Clone)]
pub struct Direct {
    call: Arc<DirectCall>,
    /// How many path parameters the handler takes (0 or 1).
    path_params: usize,
}

impl Direct {
    pub fn call(
        &self,
        state: AppState,
        parts: Parts,
        bearer: Option<BearerDigest>,
        path_param: Option<String>,
    ) -> HandlerFuture {
        (self.call)(state, parts, bearer, path_param)
    }
}

/// Handlers the edge can call directly, told apart by their arguments (`T`), as axum's
/// `Handler` does. The extractors run in the order axum runs them: the caller, the path,
/// then the query.
pub trait DirectRead<T> {
    fn into_direct(self) -> Direct;
}

impl<H, F, R> DirectRead<(Caller, QueryParams)> for H
where
    H: Fn(State<AppState>, Caller, QueryParams) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = R> + Send + 'static,
    R: IntoResponse + 'static,
{
    fn into_direct(self) -> Direct {
        Direct {
            call: Arc::new(move |state, parts, bearer, _| {
                let handler = self.clone();
                Box::pin(direct_read(
                    state,
                    parts,
                    bearer,
                    move |state, caller, query| handler(State(state), caller, query),
                ))
            }),
            path_params: 0,
        }
    }
}

impl<H, F, R> DirectRead<(Caller, Path<String>, QueryParams)> for H
where
    H: Fn(State<AppState>, Caller, Path<String>, QueryParams) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = R> + Send + 'static,
    R: IntoResponse + 'static,
{
    fn into_direct(self) -> Direct {
        Direct {
            call: Arc::new(move |state, parts, bearer, path_param| {
                let handler = self.clone();
                let path = Path(path_param.unwrap_or_default());
                Box::pin(direct_read(
                    state,
                    parts,
                    bearer,
                    move |state, caller, query| handler(State(state), caller, path, query),
                ))
            }),
            path_params: 1,
        }
    }
}

/// Runs the extractors every hot read takes, the caller then the query, and `handler`.
async fn direct_read<H, F, R>(
    state: AppState,
    mut parts: Parts,
    bearer: Option<BearerDigest>,
    handler: H,
) -> Response
where
    H: FnOnce(AppState, Caller, QueryParams) -> F,
    F: Future<Output = R>,
    R: IntoResponse,
{
    let caller = match Caller::authenticate(&parts.headers, bearer, &state).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let query = match QueryParams::from_request_parts(&mut parts, &state).await {
        Ok(query) => query,
        Err(error) => return error.into_response(),
    };
    handler(state, caller, query).await.into_response()
}
