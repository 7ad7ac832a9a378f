//! Typed client for the PeerPosture REST API, over `gloo-net` and the `shared` types.

use std::collections::BTreeMap;
use std::fmt;

use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::account::{
    AcceptInvitation, ApiTokenCreated, ApiTokenInfo, AuditEntry, InvitationCreated, InvitationInfo,
    LoginRequest, NewApiToken, NewInvitation, NewOrganisation, Organisation, Role, RoleChange,
    User,
};
use shared::api::{Catalogue, Health, PeriodInfo};
use shared::attestation::{AttestationInfo, AttestationIssued, NewAttestation};
use shared::practice::{Moderation, Practice, PracticeDraft, PracticeSummary};
use shared::standard::{FollowedStandard, Standard, StandardDraft};
use shared::submission::{CsvSaved, RevisionInfo, Submission, SubmissionRequest, SubmittedValue};
use shared::{CohortKey, ErrorBody, Period};

/// Why an API call failed, in terms a page can show.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer from the server (offline, server down, blocked).
    Unreachable,
    /// The server answered with its JSON error body.
    Server { status: u16, body: ErrorBody },
    /// The server answered with something this client does not understand.
    Unexpected(String),
}

impl ApiError {
    /// Per-field messages of a validation error (empty for other errors).
    pub fn fields(&self) -> BTreeMap<String, String> {
        match self {
            ApiError::Server { body, .. } => body.error.fields.clone().unwrap_or_default(),
            _ => BTreeMap::new(),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Server { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unreachable => f.write_str(
                "The PeerPosture server cannot be reached. Check your connection and try again.",
            ),
            ApiError::Server { body, .. } => f.write_str(&body.error.message),
            ApiError::Unexpected(detail) => {
                write!(f, "The server sent an unexpected answer ({detail}).")
            }
        }
    }
}

/// Sends a request and returns the body of a successful answer. Not generic, so the request
/// machinery is compiled once rather than once per response type.
async fn send(request: Result<Request, gloo_net::Error>) -> Result<String, ApiError> {
    let request = request.map_err(|error| ApiError::Unexpected(error.to_string()))?;
    let response = request.send().await.map_err(|_| ApiError::Unreachable)?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|error| ApiError::Unexpected(error.to_string()))?;
    if (200..300).contains(&status) {
        return Ok(text);
    }
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => Err(ApiError::Server { status, body }),
        Err(_) => Err(ApiError::Unexpected(format!("HTTP {status}"))),
    }
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|error| ApiError::Unexpected(error.to_string()))
}

async fn json<T: DeserializeOwned>(
    request: Result<Request, gloo_net::Error>,
) -> Result<T, ApiError> {
    parse(&send(request).await?)
}

fn with_body(builder: RequestBuilder, body: &impl Serialize) -> Result<Request, gloo_net::Error> {
    builder.json(body)
}

pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(Request::get(path).build()).await
}

pub async fn health() -> Result<Health, ApiError> {
    get("/api/v1/health").await
}

pub async fn catalogue() -> Result<Catalogue, ApiError> {
    get("/api/v1/metrics").await
}

pub async fn periods() -> Result<Vec<PeriodInfo>, ApiError> {
    get("/api/v1/periods").await
}

/// The logged-in user, or `None` when there is no session.
pub async fn me() -> Result<Option<User>, ApiError> {
    match get("/api/v1/auth/me").await {
        Ok(user) => Ok(Some(user)),
        Err(error) if error.status() == Some(401) => Ok(None),
        Err(error) => Err(error),
    }
}

pub async fn login(email: String, password: String) -> Result<User, ApiError> {
    json(with_body(
        Request::post("/api/v1/auth/login"),
        &LoginRequest { email, password },
    ))
    .await
}

pub async fn logout() -> Result<(), ApiError> {
    send(Request::post("/api/v1/auth/logout").build())
        .await
        .map(drop)
}

pub async fn invitation(token: &str) -> Result<InvitationInfo, ApiError> {
    get(&format!("/api/v1/invitations/{token}")).await
}

pub async fn accept_invitation(
    token: &str,
    name: String,
    password: String,
) -> Result<User, ApiError> {
    let path = format!("/api/v1/invitations/{token}/accept");
    json(with_body(
        Request::post(&path),
        &AcceptInvitation { name, password },
    ))
    .await
}

pub async fn invite(invitation: &NewInvitation) -> Result<InvitationCreated, ApiError> {
    json(with_body(Request::post("/api/v1/invitations"), invitation)).await
}

pub async fn submission(period: Period) -> Result<Submission, ApiError> {
    get(&format!("/api/v1/submissions/{period}")).await
}

pub async fn save_submission(
    period: Period,
    values: BTreeMap<String, SubmittedValue>,
) -> Result<Submission, ApiError> {
    let path = format!("/api/v1/submissions/{period}");
    json(with_body(
        Request::put(&path),
        &SubmissionRequest { values },
    ))
    .await
}

pub async fn upload_csv(period: Period, csv: String) -> Result<CsvSaved, ApiError> {
    let path = format!("/api/v1/submissions/{period}/csv");
    json(
        Request::post(&path)
            .header("Content-Type", "text/csv")
            .body(csv),
    )
    .await
}

pub async fn history() -> Result<Vec<RevisionInfo>, ApiError> {
    get("/api/v1/submissions").await
}

/// The organisation's accounts, invitations and reads of its values (member admins).
pub async fn team() -> Result<shared::account::Team, ApiError> {
    get("/api/v1/org/team").await
}

pub async fn tokens() -> Result<Vec<ApiTokenInfo>, ApiError> {
    get("/api/v1/tokens").await
}

pub async fn create_token(token: &NewApiToken) -> Result<ApiTokenCreated, ApiError> {
    json(with_body(Request::post("/api/v1/tokens"), token)).await
}

pub async fn attestations() -> Result<Vec<AttestationInfo>, ApiError> {
    get("/api/v1/attestations").await
}

pub async fn peer_groups() -> Result<Vec<shared::api::CohortInfo>, ApiError> {
    get("/api/v1/attestations/peer-groups").await
}

pub async fn issue_attestation(request: &NewAttestation) -> Result<AttestationIssued, ApiError> {
    json(with_body(Request::post("/api/v1/attestations"), request)).await
}

pub async fn revoke_attestation(id: i64) -> Result<(), ApiError> {
    send(Request::delete(&format!("/api/v1/attestations/{id}")).build())
        .await
        .map(|_| ())
}

pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    send(Request::delete(&format!("/api/v1/tokens/{id}")).build())
        .await
        .map(drop)
}

pub async fn orgs() -> Result<Vec<Organisation>, ApiError> {
    get("/api/v1/orgs").await
}

pub async fn create_org(org: &NewOrganisation) -> Result<Organisation, ApiError> {
    json(with_body(Request::post("/api/v1/orgs"), org)).await
}

pub async fn client_orgs() -> Result<Vec<shared::client::ClientOrg>, ApiError> {
    get("/api/v1/clients").await
}

pub async fn create_client_org(
    client: &shared::client::NewClientOrg,
) -> Result<shared::client::ClientOrg, ApiError> {
    json(with_body(Request::post("/api/v1/clients"), client)).await
}

pub async fn portfolio() -> Result<shared::client::Portfolio, ApiError> {
    get("/api/v1/portfolio").await
}

pub async fn decide_supplier(
    org_id: i64,
    accept: bool,
) -> Result<shared::client::Portfolio, ApiError> {
    json(with_body(
        Request::put(&format!("/api/v1/portfolio/suppliers/{org_id}")),
        &shared::client::SupplierDecision { accept },
    ))
    .await
}

pub async fn verify_org(id: i64) -> Result<Organisation, ApiError> {
    json(Request::post(&format!("/api/v1/orgs/{id}/verify")).build()).await
}

pub async fn users() -> Result<Vec<User>, ApiError> {
    get("/api/v1/users").await
}

pub async fn change_role(id: i64, role: Role) -> Result<User, ApiError> {
    json(with_body(
        Request::put(&format!("/api/v1/users/{id}/role")),
        &RoleChange { role },
    ))
    .await
}

pub async fn audit(before: Option<i64>) -> Result<Vec<AuditEntry>, ApiError> {
    match before {
        Some(before) => get(&format!("/api/v1/audit?before={before}")).await,
        None => get("/api/v1/audit").await,
    }
}

pub async fn policy() -> Result<shared::benchmark::Policy, ApiError> {
    get("/api/v1/policy").await
}

pub async fn cohorts() -> Result<Vec<shared::api::CohortInfo>, ApiError> {
    get("/api/v1/cohorts").await
}

/// A cohort key as a query value: `+` (in `size:20k+`) would otherwise read as a space.
pub fn query_value(cohort: &str) -> String {
    cohort.replace('+', "%2B")
}

/// A GET with its query parameters encoded by the browser (`URLSearchParams`).
async fn get_with<T: DeserializeOwned>(
    path: &str,
    query: &[(&str, String)],
) -> Result<T, ApiError> {
    json(
        Request::get(path)
            .query(query.iter().map(|(name, value)| (*name, value)))
            .build(),
    )
    .await
}

pub async fn benchmark(
    period: Period,
    cohort: CohortKey,
) -> Result<shared::benchmark::Benchmark, ApiError> {
    let path = format!("/api/v1/benchmarks/{period}");
    get_with(&path, &[("cohort", cohort.to_string())]).await
}

pub async fn position(
    period: Period,
    cohort: CohortKey,
) -> Result<shared::benchmark::Position, ApiError> {
    let path = format!("/api/v1/benchmarks/{period}/position");
    get_with(&path, &[("cohort", cohort.to_string())]).await
}

pub async fn trend(metric: &str, cohort: CohortKey) -> Result<shared::benchmark::Trend, ApiError> {
    let query = [
        ("metric", metric.to_owned()),
        ("cohort", cohort.to_string()),
    ];
    get_with("/api/v1/trends", &query).await
}

pub async fn release(period: Period) -> Result<shared::benchmark::ReleaseSummary, ApiError> {
    json(Request::post(&format!("/api/v1/periods/{period}/release")).build()).await
}

pub async fn standards() -> Result<Vec<Standard>, ApiError> {
    get("/api/v1/standards").await
}

pub async fn standard(id: i64) -> Result<Standard, ApiError> {
    get(&format!("/api/v1/standards/{id}")).await
}

/// Creates a draft (`id` = `None`) or replaces one.
pub async fn save_standard(id: Option<i64>, draft: &StandardDraft) -> Result<Standard, ApiError> {
    let request = match id {
        None => Request::post("/api/v1/standards"),
        Some(id) => Request::put(&format!("/api/v1/standards/{id}")),
    };
    json(with_body(request, draft)).await
}

pub async fn publish_standard(id: i64) -> Result<Standard, ApiError> {
    json(Request::post(&format!("/api/v1/standards/{id}/publish")).build()).await
}

/// A member's compliance, decoded as `T`: the full `Compliance`, or a page's smaller view of it.
/// Without a cohort, the server compares with the member's own size band.
pub async fn compliance<T: DeserializeOwned>(
    id: i64,
    period: Period,
    cohort: Option<CohortKey>,
) -> Result<T, ApiError> {
    let mut query = vec![("period", period.to_string())];
    query.extend(cohort.map(|cohort| ("cohort", cohort.to_string())));
    get_with(&format!("/api/v1/standards/{id}/compliance"), &query).await
}

pub async fn followed_standard() -> Result<FollowedStandard, ApiError> {
    get("/api/v1/org/standard").await
}

pub async fn follow_standard(standard_id: Option<i64>) -> Result<FollowedStandard, ApiError> {
    json(with_body(
        Request::put("/api/v1/org/standard"),
        &FollowedStandard { standard_id },
    ))
    .await
}

/// Published practices, decoded as `T` (a `PracticeSummary`, or a page's smaller view of it);
/// `query` is a ready query string ("?metric=mfa_coverage") or empty.
pub async fn practices<T: DeserializeOwned>(query: &str) -> Result<Vec<T>, ApiError> {
    get(&format!("/api/v1/practices{query}")).await
}

pub async fn practice(id: i64) -> Result<Practice, ApiError> {
    get(&format!("/api/v1/practices/{id}")).await
}

pub async fn my_practices() -> Result<Vec<PracticeSummary>, ApiError> {
    get("/api/v1/practices/mine").await
}

pub async fn practice_queue() -> Result<Vec<PracticeSummary>, ApiError> {
    get("/api/v1/practices/queue").await
}

/// Submits a new practice (`id` = `None`) or resubmits an own one.
pub async fn save_practice(id: Option<i64>, draft: &PracticeDraft) -> Result<Practice, ApiError> {
    let request = match id {
        None => Request::post("/api/v1/practices"),
        Some(id) => Request::put(&format!("/api/v1/practices/{id}")),
    };
    json(with_body(request, draft)).await
}

pub async fn moderate_practice(id: i64, moderation: &Moderation) -> Result<Practice, ApiError> {
    json(with_body(
        Request::post(&format!("/api/v1/practices/{id}/moderation")),
        moderation,
    ))
    .await
}

pub async fn set_adoption(id: i64, adopted: bool) -> Result<Practice, ApiError> {
    let path = format!("/api/v1/practices/{id}/adoption");
    let request = if adopted {
        Request::put(&path)
    } else {
        Request::delete(&path)
    };
    json(request.build()).await
}

pub async fn targets() -> Result<Vec<shared::plan::Target>, ApiError> {
    get("/api/v1/targets").await
}

pub async fn save_target(
    metric: &str,
    input: &shared::plan::TargetInput,
) -> Result<shared::plan::Target, ApiError> {
    json(with_body(
        Request::put(&format!("/api/v1/targets/{metric}")),
        input,
    ))
    .await
}

pub async fn delete_target(metric: &str) -> Result<(), ApiError> {
    send(Request::delete(&format!("/api/v1/targets/{metric}")).build())
        .await
        .map(drop)
}

pub async fn roadmap(cohort: CohortKey) -> Result<shared::plan::Roadmap, ApiError> {
    get_with("/api/v1/roadmap", &[("cohort", cohort.to_string())]).await
}

pub async fn set_deadline(
    period: Period,
    due: String,
) -> Result<shared::participation::Deadline, ApiError> {
    json(with_body(
        Request::put(&format!("/api/v1/periods/{period}/deadline")),
        &shared::participation::DeadlineInput { due },
    ))
    .await
}

pub async fn participation(
    period: Period,
) -> Result<shared::participation::Participation, ApiError> {
    get(&format!("/api/v1/periods/{period}/participation")).await
}

pub async fn unread() -> Result<shared::notify::UnreadCount, ApiError> {
    get("/api/v1/notifications/unread").await
}

pub async fn notifications() -> Result<shared::notify::NotificationList, ApiError> {
    get("/api/v1/notifications").await
}

/// Marks the notifications `ids` read (all of them with `None`); the unread count after.
pub async fn mark_read(ids: Option<Vec<i64>>) -> Result<shared::notify::UnreadCount, ApiError> {
    json(with_body(
        Request::post("/api/v1/notifications/read"),
        &shared::notify::MarkRead { ids },
    ))
    .await
}

pub async fn notification_settings() -> Result<shared::notify::NotificationSettings, ApiError> {
    get("/api/v1/notifications/settings").await
}

pub async fn save_notification_settings(
    settings: &shared::notify::NotificationSettings,
) -> Result<shared::notify::NotificationSettings, ApiError> {
    json(with_body(
        Request::put("/api/v1/notifications/settings"),
        settings,
    ))
    .await
}

pub async fn unsubscribe(token: &str) -> Result<shared::notify::Unsubscribed, ApiError> {
    json(
        Request::post("/api/v1/unsubscribe")
            .query([("token", token)])
            .build(),
    )
    .await
}

pub async fn webhooks() -> Result<Vec<shared::notify::Webhook>, ApiError> {
    get("/api/v1/webhooks").await
}

pub async fn create_webhook(
    input: &shared::notify::WebhookInput,
) -> Result<shared::notify::NewWebhook, ApiError> {
    json(with_body(Request::post("/api/v1/webhooks"), input)).await
}

pub async fn delete_webhook(id: i64) -> Result<(), ApiError> {
    send(Request::delete(&format!("/api/v1/webhooks/{id}")).build())
        .await
        .map(drop)
}

pub async fn test_webhook(id: i64) -> Result<(), ApiError> {
    send(Request::post(&format!("/api/v1/webhooks/{id}/test")).build())
        .await
        .map(drop)
}

pub async fn resume_webhook(id: i64) -> Result<shared::notify::Webhook, ApiError> {
    json(Request::post(&format!("/api/v1/webhooks/{id}/resume")).build()).await
}

pub async fn webhook_attempts(id: i64) -> Result<Vec<shared::notify::WebhookAttempt>, ApiError> {
    get(&format!("/api/v1/webhooks/{id}/attempts")).await
}
