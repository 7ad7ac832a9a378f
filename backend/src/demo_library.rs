//! The demo's standard and best-practice library: one published baseline the demo member
//! follows, a dozen published practices, one waiting for review and one returned.

use shared::catalogue::MetricValue;
use shared::practice::{Attribution, PracticeDraft, PracticeStatus};
use shared::standard::{Comparison, Requirement, StandardDraft, Tier};

use crate::events::Audit;
use crate::store::{AuditRecord, PracticeAuthor, Store, StoreError};

/// Who the demo's practices come from.
#[derive(Debug, Clone, Copy)]
pub struct Authors {
    pub publisher: i64,
    /// The member admins of demo organisations 1 and 2: (user id, organisation id).
    pub member_1: (i64, i64),
    pub member_2: (i64, i64),
}

fn requirement(
    metric: &str,
    comparison: Comparison,
    threshold: MetricValue,
    tier: Tier,
    rationale: &str,
    references: &[&str],
) -> Requirement {
    Requirement {
        metric: metric.to_owned(),
        comparison,
        threshold,
        tier,
        rationale: rationale.to_owned(),
        references: references.iter().map(|r| (*r).to_owned()).collect(),
    }
}

fn baseline() -> StandardDraft {
    use Comparison::{AtLeast, AtMost, Equals};
    use MetricValue::{Bool, Number};
    StandardDraft {
        name: "BPO Security Baseline 2027".to_owned(),
        change_log: String::new(),
        supersedes: None,
        requirements: vec![
            requirement(
                "mfa_coverage",
                AtLeast,
                Number(75.0),
                Tier::Baseline,
                "Agents log in from home to client systems; a password alone is phished daily.",
                &["PCI DSS v4.0 8.4.2", "NIST CSF 2.0 PR.AA-03"],
            ),
            requirement(
                "critical_patch_days",
                AtMost,
                Number(30.0),
                Tier::Baseline,
                "Known exploited vulnerabilities are weaponised within weeks of disclosure; a month is the outer limit.",
                &["CISA BOD 22-01", "PCI DSS v4.0 6.3.3"],
            ),
            requirement(
                "training_completion",
                AtLeast,
                Number(90.0),
                Tier::Baseline,
                "Every agent who handles customer data completes security awareness training.",
                &["PCI DSS v4.0 12.6", "ISO/IEC 27001:2022 A.6.3"],
            ),
            requirement(
                "leaver_revocation_24h",
                AtLeast,
                Number(85.0),
                Tier::Baseline,
                "Attrition in contact centers is high; leavers keep access unless it is removed the same day.",
                &["ISO/IEC 27001:2022 A.5.18"],
            ),
            requirement(
                "pci_attestation_current",
                Equals,
                Bool(true),
                Tier::Baseline,
                "Clients in card payments require a current attestation of compliance.",
                &["PCI DSS v4.0 12.4"],
            ),
            requirement(
                "phish_prone",
                AtMost,
                Number(15.0),
                Tier::Advanced,
                "When fewer than one agent in seven clicks a simulated lure, phishing stops being the easiest way in.",
                &["NIST CSF 2.0 PR.AT-01"],
            ),
            requirement(
                "phishing_resistant_mfa",
                AtLeast,
                Number(25.0),
                Tier::Advanced,
                "Push-fatigue and adversary-in-the-middle kits defeat one-time codes.",
                &[
                    "CISA Phishing-Resistant MFA fact sheet",
                    "NIST SP 800-63B AAL3",
                ],
            ),
            requirement(
                "mttr_hours",
                AtMost,
                Number(24.0),
                Tier::Advanced,
                "Containing an incident within a day limits how many customer records leave.",
                &["NIST SP 800-61r3"],
            ),
        ],
    }
}

/// (title, problem, solution, result, metrics, categories, tier, attribution, author).
type PracticeSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    Tier,
    Attribution,
    Author,
);

#[derive(Clone, Copy)]
enum Author {
    Publisher,
    Member1,
    Member2,
}

const PRACTICES: &[PracticeSeed] = &[
    (
        "Fortnightly phishing simulations with a three-minute lesson",
        "Our home-based agents clicked roughly **one simulated lure in five**. Annual training \
         was completed on time, but did not change behaviour.",
        "- Simulations every two weeks, themed on the lures our clients' customers actually \
         receive (parcel, bank, HR).\n- A click opens a three-minute lesson, not a reprimand.\n- \
         Team leads see their team's rate, never an individual's.",
        "Phish-prone rate fell from 21 % to 6 % in two quarters; reports of real phishing to \
         the SOC tripled.",
        &["phish_prone", "phish_report_rate"],
        &["PR.AT"],
        Tier::Baseline,
        Attribution::Named,
        Author::Publisher,
    ),
    (
        "Passkeys on agent laptops, rolled out by site",
        "One-time codes by SMS were phished twice in a year through adversary-in-the-middle \
         pages that copied a client portal.",
        "We enrolled platform passkeys (Windows Hello, Touch ID) site by site over eight weeks, \
         with hardware keys for shared workstations. Help-desk resets require a video call with \
         the team lead.",
        "Phishing-resistant MFA went from 8 % to 71 % of users; no credential-phishing incident \
         since.",
        &["phishing_resistant_mfa", "mfa_coverage"],
        &["PR.AA"],
        Tier::Advanced,
        Attribution::Named,
        Author::Member2,
    ),
    (
        "Leavers lose access the hour HR records the exit",
        "With 40 % yearly attrition, accounts of departed agents stayed active for days, and \
         one was used to look up customers after the agent left.",
        "The HR system's exit event now triggers deprovisioning in the identity provider, the \
         telephony platform and the CRM through SCIM. A daily report lists anything still active.",
        "Leavers revoked within 24 hours: 71 % → 99.4 %. Dormant accounts disabled: 64 % → 96 %.",
        &["leaver_revocation_24h", "dormant_accounts_disabled"],
        &["PR.AA", "GV.RR"],
        Tier::Baseline,
        Attribution::Anonymous,
        Author::Member2,
    ),
    (
        "Pause-and-resume recording keeps card numbers out of call recordings",
        "Quality assurance found card numbers and security codes in call recordings, which put \
         every recording server in PCI scope.",
        "Agents' desktop triggers pause recording when the payment screen opens and resume when \
         it closes; a weekly sample of recordings is scanned for digit sequences.",
        "Recordings containing sensitive authentication data fell to zero in the weekly samples; \
         the recording platform left PCI scope.",
        &["sad_in_recordings", "payment_descoping"],
        &["PR.DS"],
        Tier::Baseline,
        Attribution::Named,
        Author::Publisher,
    ),
    (
        "DTMF masking takes the contact center out of card-data scope",
        "Even with pause-and-resume, agents heard card numbers and could write them down.",
        "Customers key their card number on the phone; the tones are masked and the digits go \
         straight to the payment provider. Agents see only whether the payment went through.",
        "Share of card payments taken through de-scoping technology: 35 % → 92 %. Our PCI \
         assessment shrank from 300 to 60 controls.",
        &["payment_descoping", "pci_attestation_current"],
        &["PR.DS", "GV.SC"],
        Tier::Advanced,
        Attribution::Anonymous,
        Author::Member1,
    ),
    (
        "Patch windows agreed with clients in the contract",
        "Critical patches waited for each client's change board, so our median was 38 days.",
        "New contracts (and renewals) carry a clause: critical patches within 14 days, with a \
         48-hour notice and a rollback plan. Patches are staged on a 5 % pilot ring first.",
        "Critical patch latency: 38 → 11 days; no client-visible outage from a patch this year.",
        &["critical_patch_days", "vulns_past_sla"],
        &["ID.RA", "PR.PS"],
        Tier::Baseline,
        Attribution::Named,
        Author::Publisher,
    ),
    (
        "Device posture checks before an agent's session starts",
        "Agents working from home used personal machines with outdated operating systems.",
        "The virtual desktop gateway checks disk encryption, EDR running and OS patch level \
         before a session starts; a failing device gets a self-service fix page.",
        "Remote devices meeting the posture policy: 62 % → 97 %; EDR coverage 100 % of \
         corporate-managed endpoints.",
        &["remote_device_compliance", "edr_coverage"],
        &["PR.PS", "DE.CM"],
        Tier::Baseline,
        Attribution::Anonymous,
        Author::Member2,
    ),
    (
        "A ransomware playbook tested twice a year with the clients",
        "Our first tabletop exercise took nine hours to decide who could isolate a client's \
         network segment.",
        "One-page playbooks per scenario with named decision makers, pre-approved isolation \
         steps in every client contract, and a joint exercise every six months.",
        "Mean time to respond in exercises: 9 h → 2.5 h; in the one real incident, containment \
         took 3 h.",
        &["mttr_hours", "ir_plan_tested"],
        &["RS.MA", "RS.CO"],
        Tier::Advanced,
        Attribution::Named,
        Author::Publisher,
    ),
    (
        "Vendor reviews ranked by data access, not by spend",
        "We reviewed our largest suppliers every year, while small tools with access to \
         customer data were never assessed.",
        "Every vendor is tiered by the data it touches; tier-1 vendors get a yearly assessment \
         and a contract clause on breach notice within 24 hours.",
        "Critical vendors assessed in the last 12 months: 45 % → 100 %.",
        &["vendors_assessed", "contracts_with_raci"],
        &["GV.SC"],
        Tier::Baseline,
        Attribution::Named,
        Author::Member2,
    ),
    (
        "Quarterly restore tests of the CRM and telephony backups",
        "A restore during an outage failed because the backup had been silently incomplete \
         for months.",
        "Each quarter we restore the CRM and call-routing configuration into an isolated \
         environment and time it against the recovery objective.",
        "Backups restore-tested: 40 % → 100 % of critical systems; recovery time objective met \
         in the last four tests.",
        &["backup_restore_tested", "dr_rto_met"],
        &["RC.RP", "PR.IR"],
        Tier::Baseline,
        Attribution::Named,
        Author::Publisher,
    ),
    (
        "Fraud-call detection with voice analytics on inbound lines",
        "Social engineers called agents posing as customers to change account e-mail addresses.",
        "Inbound calls are scored for known fraud patterns (spoofed numbers, scripted \
         pretexts); high scores route to a trained team and trigger step-up verification.",
        "Share of fraud attempts detected before account change: 55 % → 88 %.",
        &["fraud_calls_detected", "mttd_hours"],
        &["DE.AE", "DE.CM"],
        Tier::Advanced,
        Attribution::Anonymous,
        Author::Member1,
    ),
    (
        "Access reviews that team leads can finish in ten minutes",
        "Quarterly access reviews were late because managers received spreadsheets of \
         hundreds of entitlements.",
        "The review tool shows each team lead only their agents and flags differences from \
         the role's standard access; unanswered reviews escalate after five days.",
        "Access reviews completed on time: 58 % → 97 %; privileged access coverage now 100 %.",
        &["access_reviews_on_time", "pam_coverage"],
        &["PR.AA", "GV.OV"],
        Tier::Baseline,
        Attribution::Named,
        Author::Publisher,
    ),
];

/// Seeds the standard (followed by demo organisation 1, published at `now`) and the practices.
pub async fn seed(store: &dyn Store, authors: &Authors, now: i64) -> Result<(), StoreError> {
    let mut write = store.write().await?;
    let standard = store
        .create_standard(&mut write, &baseline(), authors.publisher)
        .await?;
    let created = AuditRecord::new("demo", Audit::StandardCreated, &standard.name, "synthetic");
    write.commit_audited(&created).await?;
    crate::release::publish_standard(store, standard.id, "demo", now).await?;
    let mut write = store.write().await?;
    store
        .follow_standard(&mut write, authors.member_1.1, Some(standard.id))
        .await?;
    let followed = AuditRecord::new("demo", Audit::StandardFollowed, "demo organisation 1", "");
    write.commit_audited(&followed).await?;

    let author = |who: Author| match who {
        Author::Publisher => PracticeAuthor {
            org_id: None,
            user_id: authors.publisher,
        },
        Author::Member1 => PracticeAuthor {
            org_id: Some(authors.member_1.1),
            user_id: authors.member_1.0,
        },
        Author::Member2 => PracticeAuthor {
            org_id: Some(authors.member_2.1),
            user_id: authors.member_2.0,
        },
    };
    let draft = |seed: &PracticeSeed| PracticeDraft {
        title: seed.0.to_owned(),
        problem: seed.1.to_owned(),
        solution: seed.2.to_owned(),
        result: seed.3.to_owned(),
        metrics: seed.4.iter().map(|m| (*m).to_owned()).collect(),
        csf_categories: seed.5.iter().map(|c| (*c).to_owned()).collect(),
        tier: seed.6,
        attribution: seed.7,
    };
    for seed in PRACTICES {
        let id = submit_practice(store, &draft(seed), author(seed.8)).await?;
        let published = (PracticeStatus::Published, Audit::PracticePublished);
        moderate_practice(store, id, published, None).await?;
    }

    // The moderation queue and the demo member's own list are not empty either.
    let waiting = PracticeDraft {
        title: "Clean-desk checks for home workers by video".to_owned(),
        problem: "Supervisors could not see whether agents at home wrote customer details on \
                  paper."
            .to_owned(),
        solution: "A monthly two-minute video walk-through of the workspace, booked by the agent, \
                   with a checklist (no paper, screen facing away from windows, locked when away)."
            .to_owned(),
        result: "Findings per check fell from 1.4 to 0.3 in three months.".to_owned(),
        metrics: vec!["remote_device_compliance".to_owned()],
        csf_categories: vec!["PR.AT".to_owned()],
        tier: Tier::Baseline,
        attribution: Attribution::Anonymous,
    };
    submit_practice(store, &waiting, author(Author::Member2)).await?;
    let returned = PracticeDraft {
        title: "Encrypting laptops before they ship to agents".to_owned(),
        problem: "Laptops shipped to new agents' homes were sometimes lost in transit.".to_owned(),
        solution: "The imaging station enables full-disk encryption and escrows the key before \
                   a laptop is packed."
            .to_owned(),
        result: "All shipped laptops are encrypted.".to_owned(),
        metrics: vec!["encryption_at_rest".to_owned()],
        csf_categories: vec!["PR.DS".to_owned()],
        tier: Tier::Baseline,
        attribution: Attribution::Named,
    };
    let id = submit_practice(store, &returned, author(Author::Member1)).await?;
    moderate_practice(
        store,
        id,
        (PracticeStatus::Returned, Audit::PracticeReturned),
        Some("Thanks! Could you add how many laptops a month and what the rollout cost?"),
    )
    .await
}

/// Stores a practice as submitted, audited as the demo's.
async fn submit_practice(
    store: &dyn Store,
    draft: &PracticeDraft,
    author: PracticeAuthor,
) -> Result<i64, StoreError> {
    let mut write = store.write().await?;
    let id = store.create_practice(&mut write, draft, author).await?;
    let target = format!("practice #{id}");
    let audit = AuditRecord::new("demo", Audit::PracticeSubmitted, target, "");
    write.commit_audited(&audit).await?;
    Ok(id)
}

/// Publishes or returns a submitted practice, audited as the demo's.
async fn moderate_practice(
    store: &dyn Store,
    id: i64,
    (status, action): (PracticeStatus, Audit),
    comment: Option<&str>,
) -> Result<(), StoreError> {
    let mut write = store.write().await?;
    store
        .moderate_practice(&mut write, id, status, comment)
        .await?;
    let audit = AuditRecord::new("demo", action, "demo practice", "");
    write.commit_audited(&audit).await
}
