//! Which organisations a set of published sums exposes: exact linear algebra over the field of
//! integers modulo the prime p = 2⁶¹ − 1.
//!
//! Every published mean of a cell, with the cell's contributor count (which an insider can
//! know exactly), is the sum of its contributors' values: one row of a 0/1 matrix over the
//! organisations. A combination of rows isolates organisation i when the unit vector eᵢ lies in
//! the rows' span (its value is then known), and it exposes i to a member j when some
//! a·eᵢ + b·eⱼ does (j knows its own value and subtracts it). [`RowSpace`] keeps the span in
//! reduced row echelon form, so both questions are read off its rows: a row with no entry
//! outside its pivot isolates the pivot's organisation, a row with one other entry exposes a
//! pair, and two rows whose entries outside their pivots are proportional expose their pivots'
//! pair. Arithmetic modulo a large prime is exact; a dependency over the rationals always
//! holds modulo p, so the check never misses an exposure (modulo p it can only find more,
//! which only withholds more).

use std::collections::{BTreeSet, HashMap};

const P: u64 = (1 << 61) - 1;

fn reduce(x: u128) -> u64 {
    // x < 2¹²² here: fold the high bits onto the low ones (2⁶¹ ≡ 1 mod p).
    let folded = (x & P as u128) + (x >> 61);
    let folded = (folded & P as u128) + (folded >> 61);
    let folded = folded as u64;
    if folded >= P { folded - P } else { folded }
}

fn mul(a: u64, b: u64) -> u64 {
    reduce(a as u128 * b as u128)
}

fn sub(a: u64, b: u64) -> u64 {
    if a >= b { a - b } else { a + P - b }
}

fn inverse(a: u64) -> u64 {
    // Fermat: a^(p − 2).
    let (mut base, mut exponent, mut result) = (a, P - 2, 1);
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        exponent >>= 1;
    }
    result
}

/// The span of the published sums, over `n` organisations.
#[derive(Debug, Clone)]
pub struct RowSpace {
    n: usize,
    /// Rows in reduced echelon form: each has a 1 at its pivot and 0 at every other pivot.
    rows: Vec<Vec<u64>>,
    pivots: Vec<usize>,
}

/// Organisations that published sums expose: `(i, i)` when i's value is determined, `(i, j)`
/// (i < j) when i's value follows from j's and the other way round.
pub type Exposures = BTreeSet<(usize, usize)>;

impl RowSpace {
    pub fn new(n: usize) -> Self {
        RowSpace {
            n,
            rows: Vec::new(),
            pivots: Vec::new(),
        }
    }

    /// Adds the sum over `members` (organisation indexes below `n`); false when it was already
    /// in the span (it tells nothing new).
    pub fn add(&mut self, members: impl IntoIterator<Item = usize>) -> bool {
        let mut row = vec![0u64; self.n];
        for member in members {
            row[member] = 1;
        }
        for (existing, &pivot) in self.rows.iter().zip(&self.pivots) {
            let factor = row[pivot];
            if factor != 0 {
                for (value, &e) in row.iter_mut().zip(existing) {
                    if e != 0 {
                        *value = sub(*value, mul(factor, e));
                    }
                }
            }
        }
        let Some(pivot) = row.iter().position(|&v| v != 0) else {
            return false;
        };
        let scale = inverse(row[pivot]);
        for value in &mut row {
            *value = mul(*value, scale);
        }
        for existing in &mut self.rows {
            let factor = existing[pivot];
            if factor != 0 {
                for (value, &r) in existing.iter_mut().zip(&row) {
                    if r != 0 {
                        *value = sub(*value, mul(factor, r));
                    }
                }
            }
        }
        self.rows.push(row);
        self.pivots.push(pivot);
        true
    }

    /// Every organisation, and every pair, that some combination of the sums determines.
    pub fn exposures(&self) -> Exposures {
        let mut exposed = Exposures::new();
        // Rows whose parts outside their pivots are proportional have the same support, hence
        // the same count of entries and the same first column: only those are compared in full.
        let mut by_outline: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (index, (row, &pivot)) in self.rows.iter().zip(&self.pivots).enumerate() {
            let mut others = row
                .iter()
                .enumerate()
                .filter(|&(column, &value)| column != pivot && value != 0);
            let Some((first, _)) = others.next() else {
                exposed.insert((pivot, pivot));
                continue;
            };
            let count = 1 + others.count();
            if count == 1 {
                exposed.insert((pivot.min(first), pivot.max(first)));
            }
            by_outline.entry((count, first)).or_default().push(index);
        }
        for indexes in by_outline.values().filter(|indexes| indexes.len() > 1) {
            let mut by_shape: HashMap<Vec<(usize, u64)>, Vec<usize>> = HashMap::new();
            for &index in indexes {
                let (row, pivot) = (&self.rows[index], self.pivots[index]);
                let others: Vec<(usize, u64)> = row
                    .iter()
                    .enumerate()
                    .filter(|&(column, &value)| column != pivot && value != 0)
                    .map(|(column, &value)| (column, value))
                    .collect();
                let scale = inverse(others[0].1);
                let shape = others.iter().map(|&(c, v)| (c, mul(v, scale))).collect();
                by_shape.entry(shape).or_default().push(pivot);
            }
            for pivots in by_shape.values() {
                for (index, &a) in pivots.iter().enumerate() {
                    for &b in &pivots[index + 1..] {
                        exposed.insert((a.min(b), a.max(b)));
                    }
                }
            }
        }
        exposed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_modular() {
        assert_eq!(mul(P - 1, P - 1), 1);
        assert_eq!(mul(inverse(12345), 12345), 1);
        assert_eq!(sub(1, 2), P - 1);
    }

    #[test]
    fn a_difference_of_two_sums_isolates_the_organisation_between_them() {
        let mut space = RowSpace::new(30);
        space.add(0..30);
        assert!(space.exposures().is_empty());
        space.add(0..29);
        assert_eq!(space.exposures(), Exposures::from([(29, 29)]));
    }

    #[test]
    fn a_union_of_two_cohorts_and_one_organisation_isolates_it() {
        // Issue #23, channel 5: a delivery cohort equal to two regions plus one organisation.
        let mut space = RowSpace::new(50);
        space.add(0..20);
        space.add(20..40);
        assert!(space.exposures().is_empty());
        space.add(0..41);
        assert_eq!(space.exposures(), Exposures::from([(40, 40)]));
    }

    #[test]
    fn two_held_back_cells_of_a_partition_expose_each_other() {
        // Channel 4: all, and the published parts of a partition; two parts of one each held back.
        let mut space = RowSpace::new(42);
        space.add(0..42);
        space.add(0..20);
        assert!(space.exposures().is_empty());
        space.add(20..40);
        assert_eq!(space.exposures(), Exposures::from([(40, 41)]));
    }

    #[test]
    fn overlapping_cohorts_of_sizes_well_apart_expose_nobody() {
        let mut space = RowSpace::new(40);
        space.add(0..40);
        space.add(0..20);
        space.add(10..30);
        space.add((0..40).step_by(2));
        assert!(space.exposures().is_empty());
        // Re-adding a sum already in the span changes nothing.
        assert!(!space.add(20..40));
    }
}
