//! The API's routes, each declared once in its area's module (`routes()`): method, path,
//! handler, success status, who may call it, summary, what it takes and returns, its query
//! parameters and the errors beyond those its shape implies. The router serves this table and
//! the OpenAPI document describes it, so neither can list a route the other lacks; the
//! authorization test reads it through [`super::described_routes`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use axum::handler::Handler;
use axum::routing::{self, MethodRouter};
use serde_json::{Value, json};
use shared::catalogue::CATALOGUE;
use shared::cohort::CohortKey;
use utoipa::ToSchema;

use super::AppState;

pub use Access::{Anyone, AnyoneMore, Session, SessionOrToken};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Anyone,
    /// Anyone; logging in unlocks more (other cohorts than `all`, drafts).
    AnyoneMore,
    Session,
    SessionOrToken,
}

/// What a request or a response carries: a JSON schema (registering the named schemas it
/// refers to), a CSV file, or nothing.
#[derive(Clone, Copy)]
pub enum Body {
    Empty,
    Json(fn(&mut Schemas) -> Value),
    Csv,
    /// A compact JWS (`application/jose`).
    Jose,
    /// An export: CSV, or an Excel workbook with `format=xlsx`.
    Export,
}

pub type Schemas = BTreeMap<String, Value>;

/// A `$ref` to `T`'s schema, registering it and every schema it refers to.
pub fn reference<T: ToSchema>(schemas: &mut Schemas) -> Value {
    let name = T::name().into_owned();
    let mut named = vec![(name.clone(), T::schema())];
    T::schemas(&mut named);
    for (key, schema) in named {
        schemas
            .entry(key)
            .or_insert_with(|| serde_json::to_value(schema).expect("schemas serialise"));
    }
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub fn array_of<T: ToSchema>(schemas: &mut Schemas) -> Value {
    json!({ "type": "array", "items": reference::<T>(schemas) })
}

pub fn one<T: ToSchema>() -> Body {
    Body::Json(reference::<T>)
}

pub fn many<T: ToSchema>() -> Body {
    Body::Json(array_of::<T>)
}

pub fn any_object(_: &mut Schemas) -> Value {
    json!({ "type": "object" })
}

/// A query parameter: name, required, schema.
pub type QueryParameter = (&'static str, bool, fn(&mut Schemas) -> Value);

pub fn string(_: &mut Schemas) -> Value {
    json!({ "type": "string" })
}

pub fn metric_key(_: &mut Schemas) -> Value {
    json!({ "type": "string", "enum": CATALOGUE.iter().map(|m| m.key.as_str()).collect::<Vec<_>>() })
}

pub fn int64(_: &mut Schemas) -> Value {
    json!({ "type": "integer", "format": "int64" })
}

pub fn uint64(_: &mut Schemas) -> Value {
    json!({ "type": "integer", "format": "int64", "minimum": 0 })
}

pub fn page_size(_: &mut Schemas) -> Value {
    json!({ "type": "integer", "minimum": 1, "maximum": 500 })
}

pub const COHORT: &[QueryParameter] = &[("cohort", false, reference::<CohortKey>)];

pub fn export_format(_: &mut Schemas) -> Value {
    json!({ "type": "string", "enum": ["csv", "xlsx"] })
}

/// One operation of the API: what the router serves and the OpenAPI document describes.
pub struct Route {
    pub(super) method: &'static str,
    /// Under `/api`.
    pub(super) path: &'static str,
    pub(super) status: u16,
    pub(super) access: Access,
    pub(super) summary: &'static str,
    pub(super) request: Body,
    pub(super) response: Body,
    pub(super) query: &'static [QueryParameter],
    /// Error statuses beyond those the route's shape implies (see `error_statuses`).
    pub(super) errors: &'static [u16],
    handler: MethodRouter<AppState>,
}

fn route(
    method: &'static str,
    handler: MethodRouter<AppState>,
    path: &'static str,
    status: u16,
    access: Access,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        status,
        access,
        summary,
        request: Body::Empty,
        response: Body::Empty,
        query: &[],
        errors: &[],
        handler,
    }
}

/// A `GET` route: its path, handler, success status, callers and summary.
pub fn get<H: Handler<T, AppState>, T: 'static>(
    path: &'static str,
    handler: H,
    status: u16,
    access: Access,
    summary: &'static str,
) -> Route {
    route("get", routing::get(handler), path, status, access, summary)
}

/// A `POST` route (see [`get`]).
pub fn post<H: Handler<T, AppState>, T: 'static>(
    path: &'static str,
    handler: H,
    status: u16,
    access: Access,
    summary: &'static str,
) -> Route {
    route(
        "post",
        routing::post(handler),
        path,
        status,
        access,
        summary,
    )
}

/// A `PUT` route (see [`get`]).
pub fn put<H: Handler<T, AppState>, T: 'static>(
    path: &'static str,
    handler: H,
    status: u16,
    access: Access,
    summary: &'static str,
) -> Route {
    route("put", routing::put(handler), path, status, access, summary)
}

/// A `DELETE` route (see [`get`]).
pub fn delete<H: Handler<T, AppState>, T: 'static>(
    path: &'static str,
    handler: H,
    status: u16,
    access: Access,
    summary: &'static str,
) -> Route {
    route(
        "delete",
        routing::delete(handler),
        path,
        status,
        access,
        summary,
    )
}

impl Route {
    pub fn takes(mut self, body: Body) -> Self {
        self.request = body;
        self
    }

    pub fn returns(mut self, body: Body) -> Self {
        self.response = body;
        self
    }

    pub fn query(mut self, query: &'static [QueryParameter]) -> Self {
        self.query = query;
        self
    }

    pub fn errors(mut self, errors: &'static [u16]) -> Self {
        self.errors = errors;
        self
    }

    /// Takes bodies up to `bytes` (instead of the API's JSON limit).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.handler = self
            .handler
            .layer(axum::extract::DefaultBodyLimit::max(bytes));
        self
    }

    pub(super) fn path_parameters(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
    }

    /// Every error status the route can answer with.
    pub(super) fn error_statuses(&self) -> BTreeSet<u16> {
        // A request not answered in time, a server failure, a busy store.
        let mut statuses = BTreeSet::from([408, 500, 503]);
        if self.access != Access::Anyone && self.access != Access::AnyoneMore {
            statuses.extend([401, 403]);
        }
        if self.method != "get" {
            // The cross-site request guard.
            statuses.insert(403);
        }
        if self.path_parameters().next().is_some() {
            statuses.extend([400, 404, 422]);
        }
        if !self.query.is_empty() {
            statuses.extend([400, 422]);
        }
        if !matches!(self.request, Body::Empty) {
            statuses.extend([400, 413, 415, 422]);
        }
        statuses.extend(self.errors);
        statuses
    }
}

/// Every route of the API, in the order the areas declare them.
pub fn all() -> &'static [Route] {
    static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
        [
            super::health::routes(),
            super::catalogue::routes(),
            super::periods::routes(),
            super::account::routes(),
            super::orgs::routes(),
            super::clients::routes(),
            super::invitations::routes(),
            super::tokens::routes(),
            super::team::routes(),
            super::submissions::routes(),
            super::audit::routes(),
            super::benchmarks::routes(),
            super::openapi::routes(),
            super::standards::routes(),
            super::practices::routes(),
            super::attestations::routes(),
            super::portfolio::routes(),
            super::plan::routes(),
            super::exports::routes(),
            super::notifications::routes(),
        ]
        .into_iter()
        .flatten()
        .collect()
    });
    &ROUTES
}

/// The router serving every route of the table.
pub fn router() -> axum::Router<AppState> {
    all().iter().fold(axum::Router::new(), |router, route| {
        router.route(route.path, route.handler.clone())
    })
}
