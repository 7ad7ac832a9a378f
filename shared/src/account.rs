//! Roles, users, organisations, invitations and API tokens.

use serde::{Deserialize, Serialize};

use crate::cohort::{Delivery, Region, SeatBand, Vertical, WfhBand};

/// What a user may do; see the role table in `docs/roles.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A BPO executive: reads their organisation's data and released benchmarks.
    MemberViewer,
    /// Also submits metrics, uploads CSV, manages API tokens and invites colleagues.
    MemberAdmin,
    /// An industry group: releases periods, publishes standards; never sees raw submissions.
    Publisher,
    /// The platform operator: organisations, users, invitations, audit log.
    Admin,
    /// A client of BPOs (a bank's vendor-risk reviewer): reads the attestations its suppliers
    /// address to its client organisation, and nothing of any member's data beyond them.
    ClientReviewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::MemberViewer,
        Role::MemberAdmin,
        Role::Publisher,
        Role::Admin,
        Role::ClientReviewer,
    ];

    /// The consortium's own roles: everyone but client reviewers.
    pub const INSIDERS: [Role; 4] = [
        Role::MemberViewer,
        Role::MemberAdmin,
        Role::Publisher,
        Role::Admin,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::MemberViewer => "member_viewer",
            Role::MemberAdmin => "member_admin",
            Role::Publisher => "publisher",
            Role::Admin => "admin",
            Role::ClientReviewer => "client_reviewer",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::MemberViewer => "Member (viewer)",
            Role::MemberAdmin => "Member (admin)",
            Role::Publisher => "Publisher",
            Role::Admin => "Platform admin",
            Role::ClientReviewer => "Client reviewer",
        }
    }

    /// Members belong to an organisation; publishers and admins may not.
    pub fn is_member(self) -> bool {
        matches!(self, Role::MemberViewer | Role::MemberAdmin)
    }
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `PUT /api/v1/auth/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// The organisation a user belongs to, as shown next to their name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
}

/// A user as `GET /api/v1/auth/me` and the admin's user list show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub org: Option<OrgRef>,
    /// The client organisation of a client reviewer.
    #[serde(default)]
    pub client: Option<OrgRef>,
}

/// `PUT /api/v1/users/{id}/role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role: Role,
}

/// `POST /api/v1/orgs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
    pub seat_band: SeatBand,
    pub region: Region,
    pub verticals: Vec<Vertical>,
    pub delivery: Delivery,
    pub wfh_band: WfhBand,
}

/// An organisation with its cohort attributes (never its values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub seat_band: SeatBand,
    pub region: Region,
    pub verticals: Vec<Vertical>,
    pub delivery: Delivery,
    pub wfh_band: WfhBand,
    pub verified: bool,
    /// When the verification was confirmed (RFC 3339); null while unverified.
    #[serde(default)]
    pub verified_at: Option<String>,
    /// The platform admin who proposed verifying it (a user id), while the proposal waits for
    /// a second person, and after.
    #[serde(default)]
    pub proposed_by: Option<i64>,
    /// How many releases had been made when it was verified: it counts from the release after
    /// the next one (the first release of a deployment counts everyone verified).
    #[serde(default)]
    pub verified_after_releases: Option<i64>,
    pub created_at: String,
}

/// `POST /api/v1/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    pub role: Role,
    /// Required for member roles; must be absent for the others.
    #[serde(default)]
    pub org_id: Option<i64>,
    /// Required for client reviewers (a client organisation); must be absent for the others.
    #[serde(default)]
    pub client_id: Option<i64>,
}

/// The answer to `POST /api/v1/invitations`: the one-time link, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationCreated {
    pub token: String,
    /// Path of the page where the invitee sets a password (`/invite/{token}`).
    pub url: String,
    pub expires_at: String,
}

/// `GET /api/v1/invitations/{token}`: what the invitee is about to accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationInfo {
    pub email: String,
    pub role: Role,
    pub org: Option<OrgRef>,
    #[serde(default)]
    pub client: Option<OrgRef>,
    pub expires_at: String,
}

/// `POST /api/v1/invitations/{token}/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    pub name: String,
    pub password: String,
}

/// What an API token may do: read the organisation's submissions, positions and compliance,
/// and/or save submissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    Submit,
}

impl TokenScope {
    pub const ALL: [TokenScope; 2] = [TokenScope::Read, TokenScope::Submit];

    pub fn key(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Submit => "submit",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.key() == key)
    }
}

/// Days an API token lives unless its creator picks another term, and the longest term.
pub const TOKEN_DEFAULT_DAYS: u32 = 90;
pub const TOKEN_MAX_DAYS: u32 = 365;

fn all_scopes() -> Vec<TokenScope> {
    TokenScope::ALL.to_vec()
}

fn default_token_days() -> u32 {
    TOKEN_DEFAULT_DAYS
}

/// `POST /api/v1/tokens`. A token works until it expires, is revoked, or its creator is no
/// longer a member admin of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
    /// At least one; both when left out.
    #[serde(default = "all_scopes")]
    pub scopes: Vec<TokenScope>,
    /// 1 to [`TOKEN_MAX_DAYS`]; [`TOKEN_DEFAULT_DAYS`] when left out.
    #[serde(default = "default_token_days")]
    pub expires_in_days: u32,
}

/// The answer to `POST /api/v1/tokens`; `token` is shown this once and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenCreated {
    pub id: i64,
    pub name: String,
    pub token: String,
    pub scopes: Vec<TokenScope>,
    /// RFC 3339 UTC.
    pub expires_at: String,
}

/// One entry of `GET /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Whether it authenticates now: not revoked, not expired, and its creator still a member
    /// admin of the organisation.
    pub active: bool,
}

/// One entry of `GET /api/v1/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    /// Who acted: an email, "API token #3 (name)", or "anonymous".
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// One account of an organisation on its team page, with who created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamAccount {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub created_at: String,
    /// Who invited the account: an email; null for accounts made at setup.
    pub invited_by: Option<String>,
    /// True when the inviter is not an account of this organisation (a platform admin).
    pub invited_from_outside: bool,
}

/// One invitation into an organisation, used or not, with who created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamInvitation {
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub invited_from_outside: bool,
    pub expires_at: String,
    /// When the invitation was accepted; null while open or after it expired.
    pub accepted_at: Option<String>,
}

/// `GET /api/v1/org/team`, for the organisation's member admins: every account and invitation
/// of the organisation with who created it, and every read of its raw values (newest first),
/// so that nobody (a platform admin included) joins or reads unseen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    pub accounts: Vec<TeamAccount>,
    pub invitations: Vec<TeamInvitation>,
    pub value_reads: Vec<AuditEntry>,
}

/// Minimum password length (NIST SP 800-63B recommends at least 8; we ask for more).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Checks a new password; the message is shown next to the field.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if chars > 256 {
        return Err("must be at most 256 characters".to_owned());
    }
    Ok(())
}

/// A plausible email address: one `@`, something on both sides, a dot in the domain.
pub fn check_email(email: &str) -> Result<(), String> {
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(())
    } else {
        Err("must be an email address such as name@example.com".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_keys() {
        for role in Role::ALL {
            assert_eq!(Role::from_key(role.key()), Some(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.key())
            );
        }
        assert!(Role::MemberAdmin.is_member() && !Role::Publisher.is_member());
    }

    #[test]
    fn request_bodies_reject_unknown_fields() {
        let body = r#"{"email":"a@b.co","password":"x","admin":true}"#;
        assert!(serde_json::from_str::<LoginRequest>(body).is_err());
    }

    #[test]
    fn short_passwords_and_odd_emails_are_refused() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
        assert!(check_email("exec@contact-center.example").is_ok());
        for bad in [
            "",
            "no-at.example",
            "a@b",
            "a@@b.co",
            "a b@c.co",
            "@b.co",
            "a@.co",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
