//! A member's compliance with a standard: each requirement met or missed with the gap, and the
//! published shares of the industry and of the chosen peer group meeting it.

use leptos::prelude::*;
use shared::benchmark::SuppressionReason;
use shared::catalogue::{Metric, MetricValue};
use shared::format::{metric_value, share_band};
use shared::standard::{Compliance, ShareMeeting, gap_text, requirement_text};

/// "40–60 % of 100-249"; held back: why, in a few words.
fn share_text(share: &ShareMeeting) -> String {
    match (&share.share_band, &share.n_band, share.reason) {
        (Some(percent), Some(band), _) => format!("{} of {band}", share_band(percent)),
        (_, _, Some(SuppressionReason::Dominance)) => "held back: too few on one side".to_owned(),
        _ => "not enough peers".to_owned(),
    }
}

/// "5 of 8 requirements met".
pub fn met_summary(compliance: &Compliance) -> String {
    let met = compliance
        .requirements
        .iter()
        .filter(|r| r.met == Some(true))
        .count();
    format!(
        "{met} of {} requirements met",
        compliance.requirements.len()
    )
}

#[component]
pub fn ComplianceTable(
    compliance: Compliance,
    catalogue: StoredValue<Vec<Metric>>,
) -> impl IntoView {
    let peers = format!("{} meeting it", compliance.cohort.label());
    let rows = compliance
        .requirements
        .into_iter()
        .filter_map(|row| {
            let metric = catalogue
                .with_value(|c| c.iter().find(|m| m.key == row.requirement.metric).cloned())?;
            let requirement = requirement_text(&metric, &row.requirement);
            let value = match row.value {
                Some(MetricValue::Number(number)) => metric_value(&metric, number),
                Some(MetricValue::Bool(yes)) => if yes { "yes" } else { "no" }.to_owned(),
                None => "not submitted".to_owned(),
            };
            let (class, status) = match row.met {
                Some(true) => ("status status--met", "Met".to_owned()),
                Some(false) => (
                    "status status--missed",
                    format!("Missed: {}", gap_text(&metric, &row.requirement, row.gap)),
                ),
                None => ("status", "No value".to_owned()),
            };
            Some(view! {
                <tr data-metric=metric.key.clone()>
                    <td>
                        {requirement}
                        <span class="tier">{format!(" · {}", row.requirement.tier.key())}</span>
                    </td>
                    <td class="num">{value}</td>
                    <td><span class=class>{status}</span></td>
                    <td class="num" data-testid="industry-share">{share_text(&row.industry)}</td>
                    <td class="num">{share_text(&row.cohort)}</td>
                </tr>
            })
        })
        .collect_view();
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="table" data-testid="compliance-table">
                <thead>
                    <tr>
                        <th>"Requirement"</th>
                        <th class="num">"You"</th>
                        <th>"Status"</th>
                        <th class="num">"Industry meeting it"</th>
                        <th class="num">{peers}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
