//! What the anonymity policy costs on the demo consortium: per released quarter, how many
//! cells, percentiles (P25/P50/P75 sets), tails (P10/P90), means and shares (yes/no bands)
//! the server publishes, out of the lattice. Run it on two commits to compare two policies:
//! `cargo run -p peerposture-tests --example policy_cost`.

use peerposture_tests::{Fetch, TestApp};

use shared::api::{PeriodInfo, PeriodStatus};
use shared::benchmark::Benchmark;
use shared::cohort::CohortKey;

#[tokio::main]
async fn main() {
    let app = TestApp::spawn_demo().await;
    let member = app.login("member-admin@demo.local", "demo-password").await;
    let periods: Vec<PeriodInfo> = app.client.get(app.url("/api/v1/periods")).fetch().await;
    // Who reported and who counted (the roster), per quarter: from the store itself.
    let store = backend::store::open(&app.database_url).await.unwrap();
    let mut snapshot = store.begin_snapshot().await.unwrap();
    let mut history = Vec::new();
    let mut rosters = std::collections::BTreeMap::new();
    for release in snapshot.releases().await.unwrap() {
        let frozen = snapshot.frozen_inputs(release.period).await.unwrap();
        let counted = backend::engine::counted(&frozen, release.k as usize, &history);
        let reporting: usize = frozen
            .iter()
            .map(|o| o.values.iter().flatten().count())
            .sum();
        let counting: usize = counted
            .iter()
            .map(|o| o.values.iter().flatten().count())
            .sum();
        let waiting = frozen
            .iter()
            .filter(|o| !counted.iter().any(|c| c.id == o.id))
            .count();
        rosters.insert(release.period, (frozen.len(), reporting, counting, waiting));
        let published = snapshot.published_cells(release.period).await.unwrap();
        history.push(backend::engine::PastRelease {
            orgs: frozen,
            published,
        });
    }
    println!(
        "| quarter | policy | cells published | quartiles | P10/P90 | means | yes/no shares | \
         organisations reporting | values reported → counted | reporting but not counted |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for info in periods
        .iter()
        .filter(|p| p.status == PeriodStatus::Released)
    {
        let (mut total, mut cells, mut quartiles, mut tails, mut means, mut shares) =
            (0, 0, 0, 0, 0, 0);
        let mut policy = String::new();
        for cohort in CohortKey::lattice() {
            let response = member
                .client
                .get(app.url(&format!("/api/v1/benchmarks/{}", info.period)))
                .query(&[("cohort", cohort.to_string())])
                .sent()
                .await;
            let status = response.status();
            let body = response.text().await.unwrap();
            let benchmark: Benchmark =
                serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status} {body}: {e}"));
            policy = benchmark.policy.clone();
            for cell in &benchmark.cells {
                total += 1;
                if cell.suppressed {
                    continue;
                }
                cells += 1;
                quartiles += usize::from(cell.p50.is_some());
                tails += usize::from(cell.p10.is_some());
                means += usize::from(cell.mean.is_some());
                shares += usize::from(cell.share_band.is_some());
            }
        }
        let (orgs, reporting, counting, waiting) = rosters[&info.period];
        println!(
            "| {} | {policy} | {cells} of {total} | {quartiles} | {tails} | {means} | {shares} | \
             {orgs} | {reporting} → {counting} | {waiting} |",
            info.period
        );
    }
    app.stop().await;
}
