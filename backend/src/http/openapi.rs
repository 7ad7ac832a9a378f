//! `GET /api/v1/openapi.json`: the API described for client generators and people. Built from
//! one table of the routes; a test checks the table against the routes in the source.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    Anyone,
    Session,
    SessionOrToken,
}

/// (method, path under /api, success status, access, summary).
#[rustfmt::skip]
const ROUTES: &[(&str, &str, u16, Access, &str)] = &[
    ("get", "/v1/health", 200, Access::Anyone, "Liveness, server version, demo flag"),
    ("get", "/v1/metrics", 200, Access::Anyone, "The metric catalogue"),
    ("get", "/v1/metrics/template.csv", 200, Access::Anyone, "CSV template with every metric key"),
    ("get", "/v1/cohorts", 200, Access::Anyone, "The cohort lattice"),
    ("get", "/v1/periods", 200, Access::Anyone, "Quarters with activity, and the current one"),
    ("get", "/v1/policy", 200, Access::Anyone, "The anonymity policy: version, k, count and share bands"),
    ("post", "/v1/auth/login", 200, Access::Anyone, "Log in; sets the session cookie"),
    ("post", "/v1/auth/logout", 204, Access::Session, "End the session"),
    ("get", "/v1/auth/me", 200, Access::Session, "The logged-in user"),
    ("put", "/v1/auth/password", 200, Access::Session, "Change the password; ends other sessions"),
    ("get", "/v1/orgs", 200, Access::Session, "Organisations with attributes (admin)"),
    ("post", "/v1/orgs", 201, Access::Session, "Create an organisation (admin)"),
    ("post", "/v1/orgs/{id}/verify", 200, Access::Session, "Verify an organisation (admin)"),
    ("get", "/v1/users", 200, Access::Session, "Users (admin)"),
    ("put", "/v1/users/{id}/role", 200, Access::Session, "Change a user's role (admin)"),
    ("post", "/v1/invitations", 201, Access::Session, "Invite by email (admin, member admin)"),
    ("get", "/v1/invitations/{token}", 200, Access::Anyone, "What an invitation offers"),
    ("post", "/v1/invitations/{token}/accept", 200, Access::Anyone, "Accept: set name and password"),
    ("get", "/v1/tokens", 200, Access::Session, "API tokens of the organisation (member admin)"),
    ("post", "/v1/tokens", 201, Access::Session, "Create an API token, shown once (member admin)"),
    ("delete", "/v1/tokens/{id}", 204, Access::Session, "Revoke an API token (member admin)"),
    ("get", "/v1/org/team", 200, Access::Session, "Accounts, invitations and reads of the organisation's values (member admin)"),
    ("get", "/v1/submissions", 200, Access::SessionOrToken, "The organisation's saves (members)"),
    ("get", "/v1/submissions/{period}", 200, Access::SessionOrToken, "The organisation's values"),
    ("put", "/v1/submissions/{period}", 200, Access::SessionOrToken, "Save values; Idempotency-Key"),
    ("post", "/v1/submissions/{period}/csv", 200, Access::SessionOrToken, "Save a metric,value CSV"),
    ("post", "/v1/periods/{period}/release", 200, Access::Session, "Release a quarter (publisher, admin)"),
    ("get", "/v1/benchmarks/{period}", 200, Access::Anyone, "Stored cells of a cohort (?cohort=, all is public)"),
    ("get", "/v1/benchmarks/{period}/position", 200, Access::SessionOrToken, "Own position per metric"),
    ("get", "/v1/trends", 200, Access::Session, "P25/P50/P75 across released quarters"),
    ("get", "/v1/audit", 200, Access::Session, "The audit log (admin)"),
    ("get", "/v1/openapi.json", 200, Access::Anyone, "This document"),
    ("get", "/v1/standards", 200, Access::Anyone, "Published standards (publishers also see drafts)"),
    ("post", "/v1/standards", 201, Access::Session, "Create a draft or a new version (publisher, admin)"),
    ("get", "/v1/standards/{id}", 200, Access::Anyone, "A standard (drafts for publishers, admins)"),
    ("put", "/v1/standards/{id}", 200, Access::Session, "Replace a draft (publisher, admin)"),
    ("post", "/v1/standards/{id}/publish", 200, Access::Session, "Publish a draft (publisher, admin)"),
    ("get", "/v1/standards/{id}/compliance", 200, Access::SessionOrToken, "Own compliance and shares meeting each requirement"),
    ("get", "/v1/org/standard", 200, Access::SessionOrToken, "The standard the organisation follows"),
    ("put", "/v1/org/standard", 200, Access::Session, "Follow a published standard, or none (member admin)"),
    ("get", "/v1/practices", 200, Access::Session, "Published practices; filters metric, function, tier, q"),
    ("post", "/v1/practices", 201, Access::Session, "Submit a practice (member admin, publisher)"),
    ("get", "/v1/practices/mine", 200, Access::Session, "Own practices with their status"),
    ("get", "/v1/practices/queue", 200, Access::Session, "Practices waiting for review (publisher, admin)"),
    ("get", "/v1/practices/{id}", 200, Access::Session, "A practice (published, own, or waiting for a moderator)"),
    ("put", "/v1/practices/{id}", 200, Access::Session, "Edit and resubmit an own practice"),
    ("post", "/v1/practices/{id}/moderation", 200, Access::Session, "Publish or return with a comment (publisher, admin)"),
    ("put", "/v1/practices/{id}/adoption", 200, Access::Session, "Mark \"we adopted this\" (members)"),
    ("delete", "/v1/practices/{id}/adoption", 200, Access::Session, "Remove the adoption mark (members)"),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/openapi.json", get(document))
}

/// `(METHOD, /api/path)` of every route the document describes.
pub fn described_routes() -> Vec<(String, String)> {
    ROUTES
        .iter()
        .map(|(m, p, ..)| (m.to_uppercase(), format!("/api{p}")))
        .collect()
}

async fn document() -> Json<Value> {
    let mut paths = Map::new();
    for &(method, path, status, access, summary) in ROUTES {
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let security = match access {
            Access::Anyone => json!([]),
            Access::Session => json!([{ "session": [] }]),
            Access::SessionOrToken => json!([{ "session": [] }, { "token": [] }]),
        };
        let operation = json!({
            "summary": summary,
            "parameters": parameters,
            "security": security,
            "responses": {
                status.to_string(): { "description": "Success" },
                "default": {
                    "description": "Error",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
                }
            }
        });
        let item = paths
            .entry(format!("/api{path}"))
            .or_insert_with(|| json!({}));
        item[method] = operation;
    }
    Json(json!({
        "openapi": "3.1.0",
        "info": { "title": "PeerPosture API", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE },
                "token": { "type": "http", "scheme": "bearer" }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": { "type": "string" },
                            "message": { "type": "string" },
                            "fields": { "type": "object", "additionalProperties": { "type": "string" } }
                        }
                    } }
                }
            }
        }
    }))
}
