//! Request extractors: JSON bodies with API errors, the logged-in user, the calling member
//! (browser session or API token), and the cross-site request guard.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use shared::account::{OrgRef, Role, TokenScope, User};

use super::AppState;
use crate::auth;
use crate::error::AppError;
use crate::store::TokenOwner;

/// `axum::Json`, but its rejections are API errors (400/413/415/422 with the JSON body), and
/// a body that does not arrive within the request timeout is 408: a slow client cannot hold a
/// request open. (The request head has the same time, through the connection loop; requests
/// without a body pay for no timer.)
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> FromRequest<AppState> for ApiJson<T>
where
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let axum::Json(value) =
            in_time(state, axum::Json::<T>::from_request(request, state)).await??;
        Ok(ApiJson(value))
    }
}

/// A text body (a CSV upload), read within the request timeout.
#[derive(Debug)]
pub struct TextBody(pub String);

impl FromRequest<AppState> for TextBody {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let text = in_time(state, String::from_request(request, state))
            .await?
            .map_err(|rejection| match rejection.status().as_u16() {
                413 => AppError::PayloadTooLarge(rejection.body_text()),
                _ => AppError::BadRequest(rejection.body_text()),
            })?;
        Ok(TextBody(text))
    }
}

/// Waits for a body read for at most the request timeout.
async fn in_time<T>(state: &AppState, read: impl Future<Output = T>) -> Result<T, AppError> {
    tokio::time::timeout(state.config.request_timeout(), read)
        .await
        .map_err(|_| AppError::RequestTimeout(state.config.request_timeout_seconds))
}

/// The user of a browser session. Rejects with 401 when there is none.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// The user of the request's session cookie, if any.
pub async fn session_user(state: &AppState, headers: &HeaderMap) -> Result<Option<User>, AppError> {
    match auth::session_cookie(headers) {
        Some(token) => Ok(state
            .store
            .session_user(&auth::token_hash(token), state.clock.now())
            .await?),
        None => Ok(None),
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if auth::session_cookie(&parts.headers).is_none() {
            return Err(AppError::Unauthorized("please log in".to_owned()));
        }
        let user = session_user(state, &parts.headers).await?.ok_or_else(|| {
            AppError::Unauthorized("your session has ended; please log in again".to_owned())
        })?;
        Ok(CurrentUser(user))
    }
}

fn forbidden(message: &str) -> AppError {
    AppError::Forbidden(message.to_owned())
}

/// Defines an extractor for a logged-in user with one of `roles`: 401 without a session, 403
/// for other roles. Role extractors run before the body is read, so a caller without the right
/// never learns how the body would have been judged.
macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident: $($role:path)|+ => $refusal:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub User);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
                match user.role {
                    $($role)|+ => Ok($name(user)),
                    _ => Err(forbidden($refusal)),
                }
            }
        }
    };
}

role_extractor! {
    /// A platform admin.
    Admin: Role::Admin => "only platform admins may do this"
}

role_extractor! {
    /// A user who may invite: an admin (anyone) or a member admin (their own organisation).
    Inviter: Role::Admin | Role::MemberAdmin => "only admins and member admins invite"
}

role_extractor! {
    /// A publisher or an admin: those who release periods.
    Releaser: Role::Publisher | Role::Admin => "only publishers and admins release periods"
}

role_extractor! {
    /// A publisher or an admin: the two kinds of people who verify an organisation (an admin
    /// proposes, another admin or a publisher confirms) and who see the organisations.
    Verifier: Role::Publisher | Role::Admin => "only platform admins and publishers verify organisations"
}

role_extractor! {
    /// Someone who writes best practices: a member admin (for the organisation) or a publisher.
    PracticeWriter: Role::MemberAdmin | Role::Publisher
        => "only member admins and publishers write practices"
}

role_extractor! {
    /// Someone who has written or may write practices, and so has a list of their own.
    PracticeAuthorUser: Role::MemberViewer | Role::MemberAdmin | Role::Publisher
        => "only members and publishers have practices of their own"
}

role_extractor! {
    /// A publisher or an admin, deciding which practices reach the library.
    Moderator: Role::Publisher | Role::Admin => "only publishers and admins moderate practices"
}

role_extractor! {
    /// Anyone of the consortium: members, publishers and admins. Client reviewers are not: they
    /// read what their suppliers share with them and what anyone may read.
    Insider: Role::MemberViewer | Role::MemberAdmin | Role::Publisher | Role::Admin
        => "client reviewers read the attestations shared with them, not the consortium's pages"
}

role_extractor! {
    /// A user of a member organisation (admin or viewer).
    Member: Role::MemberViewer | Role::MemberAdmin => "only members may do this"
}

role_extractor! {
    /// A client organisation's reviewer.
    ClientReviewerUser: Role::ClientReviewer => "only client reviewers have a portfolio"
}

/// A logged-in client reviewer and their client organisation.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub user: User,
    pub client: OrgRef,
}

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientReviewerUser(user) = ClientReviewerUser::from_request_parts(parts, state).await?;
        let client = user.client.clone().ok_or_else(|| {
            AppError::Internal(format!("client reviewer #{} has no client", user.id))
        })?;
        Ok(Reviewer { user, client })
    }
}

/// A logged-in member admin and their organisation.
#[derive(Debug, Clone)]
pub struct OrgAdmin {
    pub user: User,
    pub org_id: i64,
}

impl FromRequestParts<AppState> for OrgAdmin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        match (&user.role, &user.org) {
            (Role::MemberAdmin, Some(org)) => {
                let org_id = org.id;
                Ok(OrgAdmin { user, org_id })
            }
            _ => Err(forbidden("only member admins may do this")),
        }
    }
}

impl TokenOwner {
    /// The token's organisation, when the token has `scope`; 403 otherwise.
    fn org_in_scope(&self, scope: TokenScope) -> Result<i64, AppError> {
        if self.scopes.contains(&scope) {
            Ok(self.org_id)
        } else {
            Err(forbidden(&format!(
                "this API token lacks the `{}` scope",
                scope.key()
            )))
        }
    }
}

/// Who is calling a member endpoint: a logged-in user or a system with an API token.
#[derive(Debug, Clone)]
pub enum Caller {
    User(User),
    Token(TokenOwner),
}

impl Caller {
    /// The organisation whose data the caller may read; 403 for publishers and admins, who
    /// never read raw submissions.
    fn member_org(&self) -> Result<i64, AppError> {
        match self {
            Caller::User(User {
                role,
                org: Some(org),
                ..
            }) if role.is_member() => Ok(org.id),
            Caller::User(_) => Err(forbidden(
                "only members read their organisation's submissions",
            )),
            Caller::Token(owner) => owner.org_in_scope(TokenScope::Read),
        }
    }

    /// The organisation the caller may submit for: member admins and API tokens.
    fn submitting_org(&self) -> Result<i64, AppError> {
        match self {
            Caller::User(User {
                role: Role::MemberAdmin,
                org: Some(org),
                ..
            }) => Ok(org.id),
            Caller::User(_) => Err(forbidden("only member admins submit metrics")),
            Caller::Token(owner) => owner.org_in_scope(TokenScope::Submit),
        }
    }

    /// How the audit log and the submission history name the caller.
    pub fn label(&self) -> String {
        match self {
            Caller::User(user) => user.email.clone(),
            Caller::Token(owner) => format!("API token #{} ({})", owner.token_id, owner.name),
        }
    }

    /// The name shown as "saved by".
    pub fn display_name(&self) -> String {
        match self {
            Caller::User(user) => user.name.clone(),
            Caller::Token(owner) => format!("API token “{}”", owner.name),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = auth::bearer_token(&parts.headers) {
            return state
                .store
                .api_token_owner(&auth::token_hash(token), state.clock.now())
                .await?
                .map(Caller::Token)
                .ok_or_else(|| AppError::Unauthorized("the API token is not valid".to_owned()));
        }
        let Insider(user) = Insider::from_request_parts(parts, state).await?;
        Ok(Caller::User(user))
    }
}

pub use crate::services::values::Reader;

impl Caller {
    /// The caller as a reader of its own organisation's values; 403 for publishers, admins
    /// and tokens without the `read` scope.
    pub fn reader(&self) -> Result<Reader, AppError> {
        Ok(Reader {
            org_id: self.member_org()?,
            label: self.label(),
        })
    }

    /// Whether the caller may read published benchmarks beyond cohort `all`: any logged-in
    /// user, and tokens with the `read` scope.
    pub fn may_read_benchmarks(&self) -> Result<(), AppError> {
        match self {
            Caller::User(_) => Ok(()),
            Caller::Token(owner) => owner.org_in_scope(TokenScope::Read).map(|_| ()),
        }
    }
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Caller::from_request_parts(parts, state).await?.reader()
    }
}

/// A caller that may submit for an organisation: its member admins and its API tokens.
#[derive(Debug, Clone)]
pub struct Submitter {
    pub caller: Caller,
    pub org_id: i64,
}

impl FromRequestParts<AppState> for Submitter {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let org_id = caller.submitting_org()?;
        Ok(Submitter { caller, org_id })
    }
}

/// The address of the client, for per-address limits: the TCP peer, or, when the peer is a
/// trusted proxy, the nearest address in `X-Forwarded-For` that is not one (read from the
/// right: a client can prepend anything, only the proxies' own entries are believed). IPv6
/// clients count per /64, the block one subscriber usually holds.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(ClientIp("unknown".to_owned()));
        };
        let proxies = &state.config.trusted_proxies;
        let mut client = crate::config::canonical(peer.ip());
        if proxies.contains(client) {
            let forwarded: Vec<&str> = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .collect();
            for entry in forwarded.iter().rev() {
                let Ok(address) = entry.trim().parse::<std::net::IpAddr>() else {
                    break;
                };
                client = crate::config::canonical(address);
                if !proxies.contains(client) {
                    break;
                }
            }
        }
        Ok(ClientIp(address_key(client)))
    }
}

/// An IPv4 address as itself, an IPv6 address as its /64.
fn address_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let block = std::net::Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64));
            format!("{block}/64")
        }
    }
}

/// Rejects state-changing requests that a browser marks as cross-site (`Sec-Fetch-Site`) or
/// that come from another origin (`Origin` differs from `Host`): with SameSite=Strict cookies
/// this is a second line of defence against cross-site request forgery.
pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(&request) {
        return AppError::CrossSite.into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request) -> bool {
    let headers = request.headers();
    if headers
        .get("sec-fetch-site")
        .is_some_and(|site| site == "cross-site")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
}
