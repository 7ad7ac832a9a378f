//! `GET /api/v1/openapi.json`: the API as an OpenAPI 3.1 document, the contract clients are
//! generated from and the tests check every response against. Built from one table of the
//! routes (a test checks it against the routes in the source) and the JSON schemas of the
//! `shared` types the handlers take and return (derived with utoipa).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Router, response::Response};
use serde_json::{Map, Value, json};
use shared::ErrorBody;
use shared::account::{
    AcceptInvitation, ApiTokenCreated, ApiTokenInfo, AuditEntry, InvitationCreated, InvitationInfo,
    LoginRequest, NewApiToken, NewInvitation, NewOrganisation, Organisation, PasswordChange,
    RoleChange, Team, User,
};
use shared::api::{Catalogue, CohortInfo, Health, PeriodInfo};
use shared::attestation::{
    AttestationInfo, AttestationIssued, AttestationStatus, ConsistencyProof, InclusionProof,
    NewAttestation, SharedAttestation, SignedTreeHead,
};
use shared::benchmark::{Benchmark, Policy, Position, ReleaseSummary, Trend};
use shared::catalogue::{CATALOGUE, CsfFunction};
use shared::cohort::CohortKey;
use shared::notify::{
    MarkRead, NewWebhook, NotificationList, NotificationSettings, UnreadCount, Unsubscribed,
    Webhook, WebhookAttempt, WebhookInput,
};
use shared::participation::{Deadline, DeadlineInput, Participation};
use shared::period::Period;
use shared::plan::{Roadmap, Target, TargetInput};
use shared::practice::{Moderation, Practice, PracticeDraft, PracticeSummary};
use shared::standard::{Compliance, FollowedStandard, Standard, StandardDraft, Tier};
use shared::submission::{CsvSaved, RevisionInfo, Submission, SubmissionRequest};
use utoipa::ToSchema;

use super::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Anyone,
    /// Anyone; logging in unlocks more (other cohorts than `all`, drafts).
    AnyoneMore,
    Session,
    SessionOrToken,
}

/// What a request or a response carries: a JSON schema (registering the named schemas it
/// refers to), a CSV file, or nothing.
#[derive(Clone, Copy)]
enum Body {
    Empty,
    Json(fn(&mut Schemas) -> Value),
    Csv,
    /// A compact JWS (`application/jose`).
    Jose,
    /// An export: CSV, or an Excel workbook with `format=xlsx`.
    Export,
}

type Schemas = BTreeMap<String, Value>;

/// A `$ref` to `T`'s schema, registering it and every schema it refers to.
fn reference<T: ToSchema>(schemas: &mut Schemas) -> Value {
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

fn array_of<T: ToSchema>(schemas: &mut Schemas) -> Value {
    json!({ "type": "array", "items": reference::<T>(schemas) })
}

fn one<T: ToSchema>() -> Body {
    Body::Json(reference::<T>)
}

fn many<T: ToSchema>() -> Body {
    Body::Json(array_of::<T>)
}

fn any_object(_: &mut Schemas) -> Value {
    json!({ "type": "object" })
}

/// A query parameter: name, required, schema.
type QueryParameter = (&'static str, bool, fn(&mut Schemas) -> Value);

fn string(_: &mut Schemas) -> Value {
    json!({ "type": "string" })
}

fn metric_key(_: &mut Schemas) -> Value {
    json!({ "type": "string", "enum": CATALOGUE.iter().map(|m| m.key.as_str()).collect::<Vec<_>>() })
}

fn int64(_: &mut Schemas) -> Value {
    json!({ "type": "integer", "format": "int64" })
}

fn uint64(_: &mut Schemas) -> Value {
    json!({ "type": "integer", "format": "int64", "minimum": 0 })
}

fn page_size(_: &mut Schemas) -> Value {
    json!({ "type": "integer", "minimum": 1, "maximum": 500 })
}

const COHORT: &[QueryParameter] = &[("cohort", false, reference::<CohortKey>)];

/// The media type of an Excel workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn export_format(_: &mut Schemas) -> Value {
    json!({ "type": "string", "enum": ["csv", "xlsx"] })
}

/// One operation of the API.
struct Route {
    method: &'static str,
    /// Under `/api`.
    path: &'static str,
    status: u16,
    access: Access,
    summary: &'static str,
    request: Body,
    response: Body,
    query: &'static [QueryParameter],
    /// Error statuses beyond those the route's shape implies (see `error_statuses`).
    errors: &'static [u16],
}

const fn route(
    method: &'static str,
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
    }
}

impl Route {
    fn takes(mut self, body: Body) -> Self {
        self.request = body;
        self
    }

    fn returns(mut self, body: Body) -> Self {
        self.response = body;
        self
    }

    fn query(mut self, query: &'static [QueryParameter]) -> Self {
        self.query = query;
        self
    }

    fn errors(mut self, errors: &'static [u16]) -> Self {
        self.errors = errors;
        self
    }

    fn path_parameters(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
    }

    /// Every error status the route can answer with.
    fn error_statuses(&self) -> BTreeSet<u16> {
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

use Access::{Anyone, AnyoneMore, Session, SessionOrToken};

/// Every route of the API.
static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    vec![
        route(
            "get",
            "/v1/health",
            200,
            Anyone,
            "Liveness, server version, demo flag",
        )
        .returns(one::<Health>()),
        route("get", "/v1/metrics", 200, Anyone, "The metric catalogue")
            .returns(one::<Catalogue>()),
        route(
            "get",
            "/v1/metrics/template.csv",
            200,
            Anyone,
            "CSV template with every metric key",
        )
        .returns(Body::Csv),
        route("get", "/v1/cohorts", 200, Anyone, "The cohort lattice")
            .returns(many::<CohortInfo>()),
        route(
            "get",
            "/v1/periods",
            200,
            Anyone,
            "Quarters with activity, and the current one",
        )
        .returns(many::<PeriodInfo>()),
        route(
            "get",
            "/v1/policy",
            200,
            Anyone,
            "The anonymity policy: version, k, count and share bands",
        )
        .returns(one::<Policy>()),
        route(
            "post",
            "/v1/auth/login",
            200,
            Anyone,
            "Log in; sets the session cookie",
        )
        .takes(one::<LoginRequest>())
        .returns(one::<User>())
        .errors(&[401, 429]),
        route("post", "/v1/auth/logout", 204, Session, "End the session"),
        route("get", "/v1/auth/me", 200, Session, "The logged-in user").returns(one::<User>()),
        route(
            "put",
            "/v1/auth/password",
            200,
            Session,
            "Change the password; ends other sessions",
        )
        .takes(one::<PasswordChange>())
        .returns(one::<User>()),
        route(
            "get",
            "/v1/orgs",
            200,
            Session,
            "Organisations with attributes and verification state (admin, publisher)",
        )
        .returns(many::<Organisation>()),
        route(
            "post",
            "/v1/orgs",
            201,
            Session,
            "Create an organisation (admin)",
        )
        .takes(one::<NewOrganisation>())
        .returns(one::<Organisation>())
        .errors(&[409]),
        route(
            "post",
            "/v1/orgs/{id}/verify",
            200,
            Session,
            "Propose verifying an organisation (admin), or confirm another admin's proposal (admin, publisher)",
        )
        .returns(one::<Organisation>())
        .errors(&[409]),
        route("get", "/v1/users", 200, Session, "Users (admin)").returns(many::<User>()),
        route(
            "put",
            "/v1/users/{id}/role",
            200,
            Session,
            "Change a user's role (admin)",
        )
        .takes(one::<RoleChange>())
        .returns(one::<User>())
        .errors(&[409]),
        route(
            "post",
            "/v1/invitations",
            201,
            Session,
            "Invite by email (admin, member admin)",
        )
        .takes(one::<NewInvitation>())
        .returns(one::<InvitationCreated>())
        .errors(&[409]),
        route(
            "get",
            "/v1/invitations/{token}",
            200,
            Anyone,
            "What an invitation offers",
        )
        .returns(one::<InvitationInfo>()),
        route(
            "post",
            "/v1/invitations/{token}/accept",
            200,
            Anyone,
            "Accept: set name and password; sets the session cookie",
        )
        .takes(one::<AcceptInvitation>())
        .returns(one::<User>())
        .errors(&[409, 429]),
        route(
            "get",
            "/v1/tokens",
            200,
            Session,
            "API tokens of the organisation (member admin)",
        )
        .returns(many::<ApiTokenInfo>()),
        route(
            "post",
            "/v1/tokens",
            201,
            Session,
            "Create an API token, shown once (member admin)",
        )
        .takes(one::<NewApiToken>())
        .returns(one::<ApiTokenCreated>()),
        route(
            "delete",
            "/v1/tokens/{id}",
            204,
            Session,
            "Revoke an API token (member admin)",
        ),
        route(
            "get",
            "/v1/org/team",
            200,
            Session,
            "Accounts, invitations and reads of the organisation's values (member admin)",
        )
        .returns(one::<Team>()),
        route(
            "get",
            "/v1/submissions",
            200,
            SessionOrToken,
            "The organisation's saves (members)",
        )
        .returns(many::<RevisionInfo>()),
        route(
            "get",
            "/v1/submissions/{period}",
            200,
            SessionOrToken,
            "The organisation's values",
        )
        .returns(one::<Submission>()),
        route(
            "put",
            "/v1/submissions/{period}",
            200,
            SessionOrToken,
            "Save values; a retry with the same Idempotency-Key within a day gets the first answer",
        )
        .takes(one::<SubmissionRequest>())
        .returns(one::<Submission>())
        .errors(&[409]),
        route(
            "post",
            "/v1/submissions/{period}/csv",
            200,
            SessionOrToken,
            "Save a metric,value CSV",
        )
        .takes(Body::Csv)
        .returns(one::<CsvSaved>())
        .errors(&[409]),
        route(
            "post",
            "/v1/periods/{period}/release",
            200,
            Session,
            "Release a quarter (publisher, admin)",
        )
        .returns(one::<ReleaseSummary>())
        .errors(&[409]),
        route(
            "get",
            "/v1/benchmarks/{period}",
            200,
            AnyoneMore,
            "Stored cells of a cohort (all is public, other cohorts need a login)",
        )
        .query(COHORT)
        .returns(one::<Benchmark>())
        .errors(&[401]),
        route(
            "get",
            "/v1/benchmarks/{period}/position",
            200,
            SessionOrToken,
            "Own position per metric",
        )
        .query(COHORT)
        .returns(one::<Position>()),
        route(
            "get",
            "/v1/trends",
            200,
            Session,
            "P25/P50/P75 across released quarters",
        )
        .query(&[
            ("metric", true, metric_key),
            ("cohort", false, reference::<CohortKey>),
        ])
        .returns(one::<Trend>()),
        route(
            "get",
            "/v1/audit",
            200,
            Session,
            "The audit log, newest first (admin)",
        )
        .query(&[("before", false, int64), ("limit", false, page_size)])
        .returns(many::<AuditEntry>()),
        route("get", "/v1/openapi.json", 200, Anyone, "This document")
            .returns(Body::Json(any_object)),
        route(
            "get",
            "/v1/standards",
            200,
            AnyoneMore,
            "Published standards (publishers also see drafts)",
        )
        .returns(many::<Standard>()),
        route(
            "post",
            "/v1/standards",
            201,
            Session,
            "Create a draft or a new version (publisher, admin)",
        )
        .takes(one::<StandardDraft>())
        .returns(one::<Standard>())
        .errors(&[409]),
        route(
            "get",
            "/v1/standards/{id}",
            200,
            AnyoneMore,
            "A standard (drafts for publishers, admins)",
        )
        .returns(one::<Standard>()),
        route(
            "put",
            "/v1/standards/{id}",
            200,
            Session,
            "Replace a draft (publisher, admin)",
        )
        .takes(one::<StandardDraft>())
        .returns(one::<Standard>())
        .errors(&[409]),
        route(
            "post",
            "/v1/standards/{id}/publish",
            200,
            Session,
            "Publish a draft (publisher, admin)",
        )
        .returns(one::<Standard>())
        .errors(&[409]),
        route(
            "get",
            "/v1/standards/{id}/compliance",
            200,
            SessionOrToken,
            "Own compliance and shares meeting each requirement",
        )
        .query(&[
            ("period", true, reference::<Period>),
            ("cohort", false, reference::<CohortKey>),
        ])
        .returns(one::<Compliance>()),
        route(
            "get",
            "/v1/org/standard",
            200,
            SessionOrToken,
            "The standard the organisation follows",
        )
        .returns(one::<FollowedStandard>()),
        route(
            "put",
            "/v1/org/standard",
            200,
            Session,
            "Follow a published standard, or none (member admin)",
        )
        .takes(one::<FollowedStandard>())
        .returns(one::<FollowedStandard>()),
        route(
            "get",
            "/v1/practices",
            200,
            Session,
            "Published practices; filters metric, function, tier, q",
        )
        .query(&[
            ("metric", false, metric_key),
            ("function", false, reference::<CsfFunction>),
            ("tier", false, reference::<Tier>),
            ("q", false, string),
        ])
        .returns(many::<PracticeSummary>()),
        route(
            "post",
            "/v1/practices",
            201,
            Session,
            "Submit a practice (member admin, publisher)",
        )
        .takes(one::<PracticeDraft>())
        .returns(one::<Practice>()),
        route(
            "get",
            "/v1/practices/mine",
            200,
            Session,
            "Own practices with their status",
        )
        .returns(many::<PracticeSummary>()),
        route(
            "get",
            "/v1/practices/queue",
            200,
            Session,
            "Practices waiting for review (publisher, admin)",
        )
        .returns(many::<PracticeSummary>()),
        route(
            "get",
            "/v1/practices/{id}",
            200,
            Session,
            "A practice (published, own, or waiting for a moderator)",
        )
        .returns(one::<Practice>()),
        route(
            "put",
            "/v1/practices/{id}",
            200,
            Session,
            "Edit and resubmit an own practice",
        )
        .takes(one::<PracticeDraft>())
        .returns(one::<Practice>())
        .errors(&[409]),
        route(
            "post",
            "/v1/practices/{id}/moderation",
            200,
            Session,
            "Publish or return with a comment (publisher, admin)",
        )
        .takes(one::<Moderation>())
        .returns(one::<Practice>())
        .errors(&[409]),
        route(
            "put",
            "/v1/practices/{id}/adoption",
            200,
            Session,
            "Mark \"we adopted this\" (members)",
        )
        .returns(one::<Practice>())
        .errors(&[409]),
        route(
            "delete",
            "/v1/practices/{id}/adoption",
            200,
            Session,
            "Remove the adoption mark (members)",
        )
        .returns(one::<Practice>())
        .errors(&[409]),
        route(
            "get",
            "/v1/attestations",
            200,
            Session,
            "The organisation's attestations (member admin)",
        )
        .returns(many::<AttestationInfo>()),
        route(
            "get",
            "/v1/attestations/peer-groups",
            200,
            Session,
            "The peer groups an attestation may name: all and the organisation's cohorts",
        )
        .returns(many::<CohortInfo>()),
        route(
            "post",
            "/v1/attestations",
            201,
            Session,
            "Issue a signed attestation for a client (member admin)",
        )
        .takes(one::<NewAttestation>())
        .returns(one::<AttestationIssued>())
        .errors(&[404]),
        route(
            "delete",
            "/v1/attestations/{id}",
            204,
            Session,
            "Revoke an attestation (member admin)",
        ),
        route(
            "get",
            "/v1/attestations/{id}/jws",
            200,
            Session,
            "An attestation as signed, a .jws file (member admin)",
        )
        .returns(Body::Jose),
        route(
            "get",
            "/v1/shared/{token}",
            200,
            Anyone,
            "What a share link opens: the attestation and its status",
        )
        .returns(one::<SharedAttestation>()),
        route(
            "get",
            "/v1/attestation-status/{jti}",
            200,
            Anyone,
            "Whether an attestation is revoked",
        )
        .returns(one::<AttestationStatus>()),
        route(
            "post",
            "/v1/signing-keys/rotate",
            201,
            Session,
            "Sign with a new key from now on; the old one stays published (admin)",
        )
        .returns(Body::Json(any_object)),
        route(
            "get",
            "/v1/transparency/head",
            200,
            Anyone,
            "The transparency log's signed tree head",
        )
        .returns(one::<SignedTreeHead>()),
        route(
            "get",
            "/v1/transparency/inclusion/{leaf}",
            200,
            Anyone,
            "The audit path of an attestation (leaf: SHA-256 of its JWS) to the signed head",
        )
        .returns(one::<InclusionProof>()),
        route(
            "get",
            "/v1/transparency/consistency",
            200,
            Anyone,
            "Proof that the log of size `to` extends the log of size `from`",
        )
        .query(&[("from", true, uint64), ("to", false, uint64)])
        .returns(one::<ConsistencyProof>()),
        route(
            "put",
            "/v1/periods/{period}/deadline",
            200,
            Session,
            "Set or move a quarter's submission deadline (publisher, admin)",
        )
        .takes(one::<DeadlineInput>())
        .returns(one::<Deadline>())
        .errors(&[409]),
        route(
            "get",
            "/v1/periods/{period}/participation",
            200,
            Session,
            "Verified members by how far they submitted, per cohort, and which (publisher, admin)",
        )
        .returns(one::<Participation>()),
        route(
            "get",
            "/v1/targets",
            200,
            SessionOrToken,
            "The organisation's targets (members)",
        )
        .returns(many::<Target>()),
        route(
            "put",
            "/v1/targets/{metric}",
            200,
            Session,
            "Save the target for a metric: value, owner, due quarter (member admin)",
        )
        .takes(one::<TargetInput>())
        .returns(one::<Target>()),
        route(
            "delete",
            "/v1/targets/{metric}",
            204,
            Session,
            "Delete the target for a metric (member admin)",
        ),
        route(
            "get",
            "/v1/roadmap",
            200,
            SessionOrToken,
            "Open gaps of the latest released quarter, ranked, with targets and practices (members)",
        )
        .query(COHORT)
        .returns(one::<Roadmap>())
        .errors(&[404]),
        route(
            "get",
            "/v1/exports/{table}",
            200,
            SessionOrToken,
            "A table as CSV or Excel: industry (any user), position, compliance, roadmap (members)",
        )
        .query(&[
            ("format", false, export_format),
            ("period", false, reference::<Period>),
            ("cohort", false, reference::<CohortKey>),
            ("standard", false, int64),
        ])
        .returns(Body::Export),
        route(
            "get",
            "/v1/notifications",
            200,
            Session,
            "The user's latest notifications (at most 50) and unread count",
        )
        .returns(one::<NotificationList>()),
        route(
            "get",
            "/v1/notifications/unread",
            200,
            Session,
            "The user's unread count (the bell)",
        )
        .returns(one::<UnreadCount>()),
        route(
            "post",
            "/v1/notifications/read",
            200,
            Session,
            "Mark the given notifications read, or all of them",
        )
        .takes(one::<MarkRead>())
        .returns(one::<UnreadCount>()),
        route(
            "get",
            "/v1/notifications/settings",
            200,
            Session,
            "Per kind: shown in the app, emailed; and whether email is configured",
        )
        .returns(one::<NotificationSettings>()),
        route(
            "put",
            "/v1/notifications/settings",
            200,
            Session,
            "Change what each kind of notification reaches",
        )
        .takes(one::<NotificationSettings>())
        .returns(one::<NotificationSettings>()),
        route(
            "post",
            "/v1/unsubscribe",
            200,
            Anyone,
            "Follow an email's unsubscribe link (RFC 8058 one-click): stop that kind of email",
        )
        .query(&[("token", true, string)])
        .returns(one::<Unsubscribed>())
        .errors(&[404]),
        route(
            "get",
            "/v1/webhooks",
            200,
            Session,
            "The organisation's webhooks (member admin)",
        )
        .returns(many::<Webhook>()),
        route(
            "post",
            "/v1/webhooks",
            201,
            Session,
            "Register an HTTPS endpoint for events; its signing secret is shown once (member admin)",
        )
        .takes(one::<WebhookInput>())
        .returns(one::<NewWebhook>())
        .errors(&[409]),
        route(
            "delete",
            "/v1/webhooks/{id}",
            204,
            Session,
            "Delete a webhook, keeping its delivery log (member admin)",
        ),
        route(
            "post",
            "/v1/webhooks/{id}/test",
            202,
            Session,
            "Queue a sample `ping` request to the webhook (member admin)",
        ),
        route(
            "post",
            "/v1/webhooks/{id}/resume",
            200,
            Session,
            "Resume a webhook paused after repeated failures (member admin)",
        )
        .returns(one::<Webhook>()),
        route(
            "get",
            "/v1/webhooks/{id}/attempts",
            200,
            Session,
            "A webhook's latest delivery attempts with the answers (member admin)",
        )
        .returns(many::<WebhookAttempt>()),
    ]
});

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/openapi.json", get(serve))
}

/// `(METHOD, /api/path)` of every route the document describes.
pub fn described_routes() -> Vec<(String, String)> {
    ROUTES
        .iter()
        .map(|route| (route.method.to_uppercase(), format!("/api{}", route.path)))
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
    for route in ROUTES.iter() {
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
