//! Release computation on 10,000 organisations × 33 metrics over the whole lattice
//! (`PEERPOSTURE_BENCH_ORGS` organisations when set: the smoke run of `cargo xtask test` takes
//! fewer). Also writes the generated data to `target/bench/release.csv` so that
//! `bench/duckdb_release.py` aggregates exactly the same values (`cargo xtask bench`).

use std::fmt::Write as _;
use std::hint::black_box;

use backend::engine::{self, EngineOrg};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use shared::catalogue::CATALOGUE;

#[path = "support/synthetic.rs"]
mod synthetic;

use synthetic::{ORGANISATIONS, generate};

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
    std::fs::write(format!("{dir}/release.csv"), csv).expect("write the data set");
}

fn release(c: &mut Criterion) {
    let count = std::env::var("PEERPOSTURE_BENCH_ORGS")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or(ORGANISATIONS);
    let orgs = generate(count);
    write_csv(&orgs);
    // `release/10000`: the organisations are the benchmark's parameter.
    c.bench_with_input(BenchmarkId::new("release", count), &orgs, |b, orgs| {
        b.iter(|| engine::compute(black_box(orgs), 10))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = release
}
criterion_main!(benches);
