//! The synthetic consortium the benchmarks run on: 10,000 organisations with random cohort
//! attributes and 90 % of the 33 metrics filled, the same on every run and machine.

use backend::engine::{Attributes, EngineOrg};
use shared::catalogue::CATALOGUE;
use shared::cohort::{Delivery, Region, SeatBand, Vertical, WfhBand};

pub const ORGANISATIONS: usize = 10_000;

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

/// `count` organisations; the first `n` are the same whatever the count.
pub fn generate(count: usize) -> Vec<EngineOrg> {
    let mut rng = Rng(2027);
    (0..count)
        .map(|index| {
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
            EngineOrg {
                id: index as i64,
                attributes,
                values,
            }
        })
        .collect()
}
