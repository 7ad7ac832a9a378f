//! `GET /api/v1/openapi.json`: the API as an OpenAPI 3.1 document, the contract clients are
//! generated from and the tests check every response against. Built from one table of the
//! routes (a test checks it against the routes in the source) and the JSON schemas of the
//! `shared` types the handlers take and return (derived with utoipa).

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::response::Response;
use serde_json::{Map, Value, json};
use shared::ErrorBody;
use shared::api::Health;
use shared::catalogue::CATALOGUE;
use shared::period::Period;

use super::routes::*;

/// The media type of an Excel workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes() -> Vec<Route> {
    vec![
        get("/v1/openapi.json", serve, 200, Anyone, "This document")
            .returns(Body::Json(any_object)),
    ]
}

/// `(METHOD, /api/path, who may call it)` of every route the router serves and the document
/// describes; who: `anyone`, `anyone, more when logged in`, `session` or `session or token`.
pub fn described_routes() -> Vec<(String, String, &'static str)> {
    all()
        .iter()
        .map(|route| {
            let access = match route.access {
                Anyone => "anyone",
                AnyoneMore => "anyone, more when logged in",
                Session => "session",
                SessionOrToken => "session or token",
            };
            (
                route.method.to_uppercase(),
                format!("/api{}", route.path),
                access,
            )
        })
        .collect()
}

static DOCUMENT: LazyLock<Bytes> = LazyLock::new(|| {
    Bytes::from(serde_json::to_vec(&document()).expect("the document serialises"))
});

async fn serve() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT.clone(),
    )
        .into_response()
}

/// A body's `content` map, or `None` for an empty one.
fn content(body: Body, schemas: &mut Schemas) -> Option<Value> {
    match body {
        Body::Empty => None,
        Body::Json(schema) => Some(json!({ "application/json": { "schema": schema(schemas) } })),
        Body::Csv => Some(json!({ "text/csv": { "schema": { "type": "string" } } })),
        Body::Jose => Some(json!({ "application/jose": { "schema": { "type": "string" } } })),
        Body::Export => Some(json!({
            "text/csv": { "schema": { "type": "string" } },
            XLSX: { "schema": { "type": "string", "format": "binary" } },
        })),
    }
}

fn path_parameter(name: &str, schemas: &mut Schemas) -> Value {
    let schema = match name {
        "period" => reference::<Period>(schemas),
        "id" => int64(schemas),
        "jti" => json!({ "type": "string", "pattern": "^[0-9a-fA-F]{32}$" }),
        "leaf" => json!({ "type": "string", "pattern": "^[0-9a-fA-F]{64}$" }),
        "table" => {
            json!({ "type": "string", "enum": ["industry", "position", "compliance", "roadmap"] })
        }
        "metric" => {
            json!({ "type": "string", "enum": CATALOGUE.iter().map(|m| m.key.as_str()).collect::<Vec<_>>() })
        }
        _ => json!({ "type": "string" }),
    };
    json!({ "name": name, "in": "path", "required": true, "schema": schema })
}

fn describe(status: u16) -> &'static str {
    match status {
        400 => "The path, query or body could not be read",
        401 => "Not logged in, or the session or token is not valid",
        403 => "This role, organisation or token scope may not do this, or a cross-site request",
        404 => "No such resource (or not visible to this caller)",
        408 => "The request was not complete, or not answered, in time",
        409 => "The resource is in a state that does not allow this",
        413 => "The body is too large",
        415 => "The body is not of the content type this route takes",
        422 => "Some values are not acceptable; see fields",
        429 => "Too many attempts; see Retry-After",
        500 => "Something failed on the server",
        503 => "The store is busy; see Retry-After",
        _ => "Error",
    }
}

/// The whole document.
pub fn document() -> Value {
    let mut schemas = Schemas::new();
    let error = reference::<ErrorBody>(&mut schemas);
    let mut paths = Map::new();
    for route in all() {
        let mut parameters: Vec<Value> = route
            .path_parameters()
            .map(|name| path_parameter(name, &mut schemas))
            .collect();
        for &(name, required, schema) in route.query {
            parameters.push(json!({
                "name": name, "in": "query", "required": required, "schema": schema(&mut schemas)
            }));
        }
        if route.method == "put" && route.path == "/v1/submissions/{period}" {
            parameters.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "schema": { "type": "string", "minLength": 1, "maxLength": 200 }
            }));
        }
        let security = match route.access {
            Anyone => json!([]),
            AnyoneMore => json!([{}, { "session": [] }]),
            Session => json!([{ "session": [] }]),
            SessionOrToken => json!([{ "session": [] }, { "token": [] }]),
        };
        let mut responses = Map::new();
        let mut success = json!({ "description": "Success" });
        if let Some(content) = content(route.response, &mut schemas) {
            success["content"] = content;
        }
        responses.insert(route.status.to_string(), success);
        for status in route.error_statuses() {
            // The health check answers 503 with its own body.
            let schema = if route.path == "/v1/health" && status == 503 {
                reference::<Health>(&mut schemas)
            } else {
                error.clone()
            };
            responses.insert(
                status.to_string(),
                json!({
                    "description": describe(status),
                    "content": { "application/json": { "schema": schema } }
                }),
            );
        }
        let mut operation = json!({
            "operationId": operation_id(route),
            "summary": route.summary,
            "parameters": parameters,
            "security": security,
            "responses": responses,
        });
        if let Some(content) = content(route.request, &mut schemas) {
            operation["requestBody"] = json!({ "required": true, "content": content });
        }
        let item = paths
            .entry(format!("/api{}", route.path))
            .or_insert_with(|| json!({}));
        item[route.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "PeerPosture API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Anonymised security benchmarks for BPO contact centres. Browser \
                sessions use the pp_session cookie; systems use API tokens as bearer tokens."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE },
                "token": { "type": "http", "scheme": "bearer" }
            },
            "schemas": schemas,
        }
    })
}

/// `get_v1_submissions_period`: unique, and stable for generated clients.
fn operation_id(route: &Route) -> String {
    let words: Vec<String> = route
        .path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            segment
                .trim_matches(|c| c == '{' || c == '}')
                .replace(['.', '-'], "_")
        })
        .collect();
    format!("{}_{}", route.method, words.join("_"))
}
