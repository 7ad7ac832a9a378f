//! Release computation on 10,000 organisations × 33 metrics over the whole lattice.
//! Also writes the generated data to `target/bench/release-10k.csv` so that
//! `bench/duckdb_release.py` aggregates exactly the same values (`cargo xtask bench`).

use std::fmt::Write as _;
use std::hint::black_box;

use backend::engine::{self, EngineOrg};
use criterion::{Criterion, criterion_group, criterion_main};
use shared::catalogue::CATALOGUE;

#[path = "support/synthetic.rs"]
mod synthetic;

use synthetic::generate;

/// Long format, one row per organisation and metric, for DuckDB.
fn write_csv(orgs: &[EngineOrg]) {
    let mut csv = String::from("org,seat_band,region,verticals,delivery,wfh_band,metric,value\n");
    for (id, org) in orgs.iter().enumerate() {
        let a = &org.attributes;
        let verticals: Vec<&str> = a.verticals.iter().map(|v| v.key()).collect();
        for (metric, value) in CATALOGUE.iter().zip(&org.values) {
            if let Some(value) = value {
                let _ = writeln!(
                    csv,
                    "{id},{},{},{},{},{},{},{value}",
                    a.seat_band.key(),
                    a.region.key(),
                    verticals.join(";"),
                    a.delivery.key(),
                    a.wfh_band.key(),
                    metric.key
                );
            }
        }
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench");
    std::fs::create_dir_all(dir).expect("create target/bench");
    std::fs::write(format!("{dir}/release-10k.csv"), csv).expect("write the data set");
}

fn release(c: &mut Criterion) {
    let orgs = generate();
    write_csv(&orgs);
    c.bench_function("release_10k_orgs_33_metrics", |b| {
        b.iter(|| engine::compute(black_box(&orgs), 10))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = release
}
criterion_main!(benches);
