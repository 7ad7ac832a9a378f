//! The team page's data, for an organisation's member admins: `GET /api/v1/org/team`. Every
//! account and invitation of the organisation with who created it, and every read of its raw
//! values, so that nobody joins it or reads its values unseen (a platform admin included).

use axum::Json;
use axum::extract::State;
use shared::account::Team;

use super::AppState;
use super::extract::OrgAdmin;
use super::routes::*;
use crate::error::Result;
use crate::events::Audit;

/// The newest reads of the organisation's values the page lists.
const VALUE_READS_SHOWN: i64 = 200;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/org/team",
            team,
            200,
            Session,
            "Accounts, invitations and reads of the organisation's values (member admin)",
        )
        .returns(one::<Team>()),
    ]
}

async fn team(State(state): State<AppState>, admin: OrgAdmin) -> Result<Json<Team>> {
    let (accounts, invitations) = state.store.team(admin.org_id).await?;
    let value_reads = state
        .store
        .org_audit_log(admin.org_id, Audit::ValuesRead, VALUE_READS_SHOWN)
        .await?;
    Ok(Json(Team {
        accounts,
        invitations,
        value_reads,
    }))
}
