//! The demo consortium: a deterministic, clearly synthetic set of organisations, logins and
//! quarterly submissions, with every past quarter released, seeded into an empty store when
//! `PEERPOSTURE_DEMO=true`.
//!
//! Values are drawn from distributions shaped by the public figures in the metric reference
//! (median, spread, yearly trend: MFA rising, phish-prone falling), with an organisation-level
//! "maturity" that makes a mature center good at most things, as real ones are.

use std::collections::BTreeMap;

use shared::Period;
use shared::account::{NewOrganisation, Role};
use shared::catalogue::{CATALOGUE, Direction, Unit};
use shared::cohort::{Delivery, Region, SeatBand, Vertical, WfhBand};

use crate::auth;
use crate::events::Audit;
use crate::store::{AuditRecord, Saved, Store, StoreError};

/// Every demo login uses this password.
pub const DEMO_PASSWORD: &str = "demo-password";
/// Key in `store_settings` marking a demo store.
pub const DEMO_SETTING: &str = "demo";
const ORGANISATIONS: usize = 150;
/// Quarters with submissions, ending with the current (open) one.
const PERIODS: usize = 8;
const SEED: u64 = 0x5EED_0FB0_5EC0;

/// The demo logins: (email, name, role, organisation number).
pub const DEMO_LOGINS: [(&str, &str, Role, Option<usize>); 5] = [
    ("admin@demo.local", "Demo Admin", Role::Admin, None),
    (
        "publisher@demo.local",
        "Demo Publisher",
        Role::Publisher,
        None,
    ),
    (
        "member-admin@demo.local",
        "Demo Member Admin",
        Role::MemberAdmin,
        Some(1),
    ),
    (
        "member-viewer@demo.local",
        "Demo Member Viewer",
        Role::MemberViewer,
        Some(1),
    ),
    (
        "member-admin-2@demo.local",
        "Demo Member Admin 2",
        Role::MemberAdmin,
        Some(2),
    ),
];

/// Name of demo organisation `number` (1-based).
pub fn org_name(number: usize) -> String {
    format!("Demo Contact Center {number:03}")
}

/// Seeds the demo consortium when the store is empty, up to the quarter holding `now` (Unix
/// seconds, the server's clock); returns whether the store is a demo store (seeded now or
/// before).
pub async fn seed_if_empty(store: &dyn Store, now: i64, k: u32) -> Result<bool, StoreError> {
    let current = Period::containing_unix_seconds(now);
    if store.setting(DEMO_SETTING).await?.is_some() {
        return Ok(true);
    }
    if store.user_count().await? > 0 || !store.orgs().await?.is_empty() {
        tracing::warn!("PEERPOSTURE_DEMO is set but the store already holds data: not seeding");
        return Ok(false);
    }
    tracing::info!(
        "seeding the synthetic demo consortium ({ORGANISATIONS} organisations, {PERIODS} quarters)"
    );
    let mut rng = Rng(SEED);
    let mut org_ids = Vec::with_capacity(ORGANISATIONS);
    let mut profiles = Vec::with_capacity(ORGANISATIONS);
    let mut verify = Vec::with_capacity(ORGANISATIONS);
    for number in 1..=ORGANISATIONS {
        let org = organisation(number, &mut rng);
        let mut write = store.write().await?;
        let created = store.create_org(&mut write, &org).await?;
        write
            .commit_audited(&AuditRecord::new(
                "demo",
                Audit::OrganisationCreated,
                &created.name,
                "synthetic",
            ))
            .await?;
        // A few stay unverified, as newly joined members are.
        verify.push(number <= 2 || rng.uniform() > 0.06);
        org_ids.push(created.id);
        profiles.push((org.wfh_band, rng.normal()));
    }

    let password_hash = tokio::task::spawn_blocking(|| auth::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| StoreError::Corrupt(format!("password task failed: {e}")))?;
    let mut user_ids = Vec::with_capacity(DEMO_LOGINS.len());
    for (email, name, role, org) in DEMO_LOGINS {
        let org_id = org.map(|number| org_ids[number - 1]);
        let user = store
            .create_user(email, name, role, org_id, &password_hash)
            .await?;
        user_ids.push(user.id);
    }
    // Two people verify each organisation, as on any deployment: the admin proposes, and the
    // publisher (a single-admin deployment's second person) confirms. The unverified few wait:
    // the admin has proposed half of them.
    let (admin, publisher) = (user_ids[0], user_ids[1]);
    for (index, (&org_id, &verified)) in org_ids.iter().zip(&verify).enumerate() {
        if !verified && index % 2 == 1 {
            continue;
        }
        let mut write = store.write().await?;
        if let Some(org) = store
            .propose_verification(&mut write, org_id, admin)
            .await?
        {
            let action = Audit::OrganisationVerificationProposed;
            let audit = AuditRecord::new("demo", action, &org.name, "synthetic");
            write.commit_audited(&audit).await?;
        }
        if verified {
            let mut write = store.write().await?;
            if let Some(org) = store
                .confirm_verification(&mut write, org_id, publisher)
                .await?
            {
                let audit =
                    AuditRecord::new("demo", Audit::OrganisationVerified, &org.name, "synthetic");
                write.commit_audited(&audit).await?;
            }
        }
    }

    let first = (1..PERIODS).fold(current, |period, _| period.previous());
    let mut period = first;
    for quarter in 0..PERIODS {
        let is_current = period == current;
        for (index, (&org_id, &(wfh_band, maturity))) in org_ids.iter().zip(&profiles).enumerate() {
            let demo_member = index == 0;
            // Most members report every quarter; the open quarter is still coming in.
            let reports = if is_current {
                demo_member || rng.uniform() < 0.45
            } else {
                demo_member || rng.uniform() < 0.92
            };
            if !reports {
                continue;
            }
            let mut values = quarter_values(quarter, maturity, wfh_band, &mut rng);
            if is_current && demo_member {
                // The demo member is part-way through the open quarter's form.
                values.retain(|key, _| key.as_bytes()[0] < b'm');
            }
            let saved_by = if demo_member {
                "Demo Member Admin"
            } else {
                "Demo seed"
            };
            let mut write = store.write().await?;
            if let Saved::New(stored) = store
                .save_submission(&mut write, org_id, period, &values, saved_by, None)
                .await?
            {
                let target = format!("organisation #{org_id}, {period}");
                let detail = format!("revision {} (synthetic)", stored.revision);
                let audit = AuditRecord::new("demo", Audit::SubmissionSaved, target, detail);
                write.commit_audited(&audit).await?;
            }
        }
        period = period.next();
    }
    // Every quarter but the open one is released, as the industry group would have done.
    let mut period = first;
    while period < current {
        crate::release::release_period(store, period, k, "demo", now).await?;
        period = period.next();
    }
    // Positions in DEMO_LOGINS: publisher, member admins of organisations 1 and 2.
    let authors = crate::demo_library::Authors {
        publisher: user_ids[1],
        member_1: (user_ids[2], org_ids[0]),
        member_2: (user_ids[4], org_ids[1]),
    };
    crate::demo_library::seed(store, &authors, now).await?;
    // The seeded history is not news: only the latest release is announced.
    let latest = current.previous().to_string();
    for event in store.pending_events(10_000).await? {
        let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap_or_default();
        if event.kind != "released" || payload["period"] != latest.as_str() {
            store.expand_event(event.id, &[], &[], now).await?;
        }
    }
    store.set_setting(DEMO_SETTING, "true").await?;
    Ok(true)
}

fn organisation(number: usize, rng: &mut Rng) -> NewOrganisation {
    if number == 1 {
        return NewOrganisation {
            name: org_name(1),
            seat_band: SeatBand::From1k,
            region: Region::SoutheastAsia,
            verticals: vec![Vertical::Banking, Vertical::Telecom],
            delivery: Delivery::Offshore,
            wfh_band: WfhBand::Half,
        };
    }
    let seat_band = *rng.weighted(SeatBand::ALL, &[20, 30, 28, 15, 7]);
    let region = *rng.weighted(Region::ALL, &[22, 16, 16, 8, 14, 16, 8]);
    let mut verticals = Vec::new();
    let wanted = 1 + (rng.uniform() * 3.0) as usize;
    while verticals.len() < wanted {
        let vertical = *rng.weighted(Vertical::ALL, &[22, 16, 14, 16, 14, 8, 6, 4]);
        if !verticals.contains(&vertical) {
            verticals.push(vertical);
        }
    }
    verticals.sort();
    NewOrganisation {
        name: org_name(number),
        seat_band,
        region,
        verticals,
        delivery: *rng.weighted(Delivery::ALL, &[30, 22, 30, 18]),
        wfh_band: *rng.weighted(WfhBand::ALL, &[8, 30, 40, 22]),
    }
}

/// (mean eight quarters ago, change per quarter, standard deviation); for yes/no metrics the
/// mean is the probability of "yes".
fn distribution(key: &str) -> (f64, f64, f64) {
    match key {
        "vendors_assessed" => (62.0, 1.0, 18.0),
        "contracts_with_raci" => (55.0, 1.2, 20.0),
        "pci_attestation_current" => (0.70, 0.01, 0.0),
        "dsr_on_time" => (85.0, 0.5, 10.0),
        "security_budget_share" => (9.0, 0.2, 3.5),
        "asset_inventory_coverage" => (78.0, 0.8, 12.0),
        "vulns_past_sla" => (14.0, -0.4, 8.0),
        "mfa_coverage" => (64.0, 1.2, 15.0),
        "phishing_resistant_mfa" => (8.0, 1.4, 7.0),
        "cde_mfa" => (88.0, 0.8, 10.0),
        "pam_coverage" => (58.0, 1.5, 20.0),
        "leaver_revocation_24h" => (72.0, 1.0, 15.0),
        "dormant_accounts_disabled" => (75.0, 0.8, 15.0),
        "access_reviews_on_time" => (70.0, 1.0, 18.0),
        "training_completion" => (82.0, 0.6, 10.0),
        "phish_prone" => (24.0, -0.9, 8.0),
        "phish_report_rate" => (18.0, 1.0, 9.0),
        "critical_patch_days" => (38.0, -0.8, 15.0),
        "remote_device_compliance" => (68.0, 1.3, 16.0),
        "encryption_at_rest" => (60.0, 1.2, 18.0),
        "payment_descoping" => (45.0, 2.0, 22.0),
        "sad_in_recordings" => (6.0, -0.2, 5.0),
        "dlp_coverage" => (55.0, 1.2, 18.0),
        "edr_coverage" => (80.0, 0.8, 12.0),
        "log_review_coverage" => (66.0, 1.0, 16.0),
        "mttd_hours" => (96.0, -2.0, 60.0),
        "fraud_calls_detected" => (15.0, 0.3, 6.0),
        "mttr_hours" => (48.0, -1.0, 30.0),
        "ir_plan_tested" => (0.62, 0.015, 0.0),
        "breach_notice_72h" => (88.0, 0.5, 12.0),
        "backup_restore_tested" => (60.0, 1.2, 18.0),
        "dr_rto_met" => (70.0, 1.0, 16.0),
        _ => (50.0, 0.0, 15.0),
    }
}

fn quarter_values(
    quarter: usize,
    maturity: f64,
    wfh_band: WfhBand,
    rng: &mut Rng,
) -> BTreeMap<String, f64> {
    let mut values = BTreeMap::new();
    for metric in CATALOGUE.iter() {
        let sign = match metric.direction {
            Direction::HigherIsBetter => 1.0,
            Direction::LowerIsBetter => -1.0,
            Direction::Context => 0.0,
        };
        let (mean, trend, sd) = distribution(&metric.key);
        let center = mean + trend * quarter as f64;
        let value = match metric.unit {
            _ if metric.key == "wfh_share" => {
                let (low, high) = match wfh_band {
                    WfhBand::None => (0.0, 0.0),
                    WfhBand::Few => (1.0, 25.0),
                    WfhBand::Half => (26.0, 75.0),
                    WfhBand::Most => (76.0, 100.0),
                };
                low + (high - low) * rng.uniform()
            }
            Unit::Boolean => {
                let probability = (center + 0.12 * maturity).clamp(0.02, 0.98);
                if rng.uniform() < probability {
                    1.0
                } else {
                    0.0
                }
            }
            _ => center + sd * (0.6 * sign * maturity + 0.8 * rng.normal()),
        };
        let value = metric.round(value.clamp(metric.min, metric.max));
        values.insert(metric.key.clone(), value);
    }
    values
}

/// SplitMix64: small, fast and the same on every machine, which is all a demo needs.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(f64::MIN_POSITIVE);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn weighted<'a, T>(&mut self, items: &'a [T], weights: &[u32]) -> &'a T {
        let total: u32 = weights.iter().sum();
        let mut pick = (self.uniform() * f64::from(total)) as u32;
        for (item, &weight) in items.iter().zip(weights) {
            if pick < weight {
                return item;
            }
            pick -= weight;
        }
        &items[items.len() - 1]
    }
}
