//! Release computation on 10,000 organisations × 33 metrics over the whole lattice.
//! Also writes the generated data to `target/bench/release-10k.csv` so that
//! `bench/duckdb_release.py` aggregates exactly the same values (`cargo xtask bench`).

use std::fmt::Write as _;
use std::hint::black_box;

use backend::engine::{self, Attributes, EngineOrg};
use criterion::{Criterion, criterion_group, criterion_main};
use shared::catalogue::CATALOGUE;
use shared::cohort::{Delivery, Region, SeatBand, Vertical, WfhBand};

const ORGANISATIONS: usize = 10_000;

/// SplitMix64, so the data set is the same on every run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn generate() -> Vec<EngineOrg> {
    let mut rng = Rng(2027);
    (0..ORGANISATIONS)
        .map(|_| {
            let mut verticals = vec![Vertical::ALL[rng.below(Vertical::ALL.len())]];
            let extra = Vertical::ALL[rng.below(Vertical::ALL.len())];
            if rng.unit() < 0.5 && !verticals.contains(&extra) {
                verticals.push(extra);
            }
            let attributes = Attributes {
                seat_band: SeatBand::ALL[rng.below(SeatBand::ALL.len())],
                region: Region::ALL[rng.below(Region::ALL.len())],
                verticals,
                delivery: Delivery::ALL[rng.below(Delivery::ALL.len())],
                wfh_band: WfhBand::ALL[rng.below(WfhBand::ALL.len())],
            };
            let values = CATALOGUE
                .iter()
                .map(|metric| {
                    (rng.unit() < 0.9).then(|| {
                        let span = metric.max.min(1000.0) - metric.min;
                        metric.round(metric.min + span * rng.unit())
                    })
                })
                .collect();
            EngineOrg { attributes, values }
        })
        .collect()
}

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
