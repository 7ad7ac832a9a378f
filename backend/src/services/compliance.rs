//! A member's compliance with a published standard in a released quarter: each requirement met
//! or missed (with the gap) from the organisation's own values (an audited read), beside the
//! published shares meeting it in the industry and in a cohort.

use shared::cohort::CohortKey;
use shared::standard::{Compliance, RequirementCompliance, ShareMeeting, StandardStatus};
use shared::submission::stored_value;

use super::values::Reader;
use crate::error::{AppError, Result};
use crate::store::Store;

fn no_standard(id: i64) -> AppError {
    AppError::NotFound(format!("no standard #{id}"))
}

/// The reader's compliance with published standard `id` in `period`, with the shares of the
/// industry and of `cohort` meeting each requirement (by default the organisation's size band).
pub async fn compliance_of(
    store: &dyn Store,
    reader: &Reader,
    id: i64,
    period: shared::Period,
    cohort: Option<CohortKey>,
) -> Result<Compliance> {
    // Without a cohort, the member's peers are those of its size band.
    let cohort: CohortKey = match cohort {
        Some(key) => key,
        None => match store.org(reader.org_id).await? {
            Some(org) => CohortKey::Size(org.seat_band),
            None => CohortKey::All,
        },
    };
    let standard = store.standard(id).await?.ok_or_else(|| no_standard(id))?;
    if standard.status == StandardStatus::Draft {
        return Err(no_standard(id));
    }
    if !store.period_released(period).await? {
        return Err(AppError::NotFound(format!("{period} is not released yet")));
    }
    let own = reader
        .own_submission(
            store,
            period,
            &format!("compliance with standard #{id} in {cohort}"),
        )
        .await?
        .map(|s| s.values)
        .unwrap_or_default();
    let industry = store.standard_shares(period, id, CohortKey::All).await?;
    let peers = store.standard_shares(period, id, cohort).await?;
    let share = |shares: &[(usize, ShareMeeting)], index: usize| {
        shares
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, s)| s.clone())
            .unwrap_or(ShareMeeting {
                suppressed: true,
                reason: None,
                n_band: None,
                share_band: None,
            })
    };
    let requirements = standard
        .requirements
        .iter()
        .enumerate()
        .map(|(index, requirement)| {
            let value = own.get(&requirement.metric).copied();
            let assessed = value.map(|v| requirement.assess(v));
            RequirementCompliance {
                requirement: requirement.clone(),
                value: value.map(|v| stored_value(&requirement.metric, v)),
                met: assessed.map(|(met, _)| met),
                gap: assessed.and_then(|(_, gap)| gap),
                industry: share(&industry, index),
                cohort: share(&peers, index),
            }
        })
        .collect();
    let newer_version = store
        .standards(false)
        .await?
        .into_iter()
        .find(|s| s.supersedes == Some(id) && s.status == StandardStatus::Published)
        .map(|s| s.id);
    Ok(Compliance {
        standard_id: id,
        standard_name: standard.name.clone(),
        standard_version: standard.version,
        newer_version,
        period,
        cohort,
        requirements,
    })
}
