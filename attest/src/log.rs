//! The transparency log: every issued attestation's hash, appended to an RFC 6962 / RFC 9162
//! Merkle tree (`ct-merkle`). A leaf is the SHA-256 of the attestation's compact JWS; the tree
//! hashes it as `SHA-256(0x00 ‖ leaf)` and joins nodes as `SHA-256(0x01 ‖ left ‖ right)`.
//! Signed tree heads, inclusion proofs and consistency proofs let anyone check that the
//! operator never rewrote or dropped what it issued.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use sha2::{Digest, Sha256};
use shared::attestation::TreeHead;
use shared::format::{hex, unhex};

/// The leaf of an attestation: the SHA-256 of its compact JWS.
pub fn leaf(jws: &str) -> [u8; 32] {
    Sha256::digest(jws.trim().as_bytes()).into()
}

/// The log held in memory, rebuilt from its stored leaves (hashes only).
#[derive(Debug, Clone, Default)]
pub struct Log {
    tree: MemoryBackedTree<Sha256, [u8; 32]>,
}

impl Log {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    pub fn push(&mut self, leaf: [u8; 32]) {
        self.tree.push(leaf);
    }

    /// The index of a leaf, if it is in the log.
    pub fn position(&self, leaf: &[u8; 32]) -> Option<u64> {
        self.tree
            .items()
            .iter()
            .position(|item| item == leaf)
            .map(|i| i as u64)
    }

    /// The current tree head, at `timestamp`.
    pub fn head(&self, timestamp: i64) -> TreeHead {
        TreeHead {
            tree_size: self.len(),
            root_hash: hex(self.tree.root().as_bytes()),
            timestamp,
        }
    }

    /// The audit path of leaf `index` in the current tree; `None` when there is no such leaf.
    pub fn inclusion(&self, index: u64) -> Option<Vec<String>> {
        let index = usize::try_from(index).ok()?;
        (index < self.tree.items().len())
            .then(|| chunks(self.tree.prove_inclusion(index).as_bytes()))
    }

    /// The proof that the tree of `to` leaves extends the tree of `from` leaves; `None` unless
    /// `0 < from <= to <= len`.
    pub fn consistency(&self, from: u64, to: u64) -> Option<Vec<String>> {
        if from == 0 || from > to || to > self.len() {
            return None;
        }
        let additions = usize::try_from(to - from).ok()?;
        if to == self.len() {
            return Some(chunks(self.tree.prove_consistency(additions).as_bytes()));
        }
        let mut prefix = MemoryBackedTree::<Sha256, [u8; 32]>::new();
        for item in &self.tree.items()[..usize::try_from(to).ok()?] {
            prefix.push(*item);
        }
        Some(chunks(prefix.prove_consistency(additions).as_bytes()))
    }
}

fn chunks(bytes: &[u8]) -> Vec<String> {
    bytes.chunks(32).map(hex).collect()
}

fn root(head: &TreeHead) -> Option<RootHash<Sha256>> {
    let bytes: [u8; 32] = unhex(&head.root_hash)?.try_into().ok()?;
    Some(RootHash::new(bytes.into(), head.tree_size))
}

fn joined(path: &[String]) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(path.len() * 32);
    for hash in path {
        let hash = unhex(hash)?;
        if hash.len() != 32 {
            return None;
        }
        bytes.extend(hash);
    }
    Some(bytes)
}

/// Whether `leaf` sits at `index` in the tree `head` describes, by the audit path `path`.
pub fn verify_inclusion(head: &TreeHead, leaf: &[u8; 32], index: u64, path: &[String]) -> bool {
    let (Some(root), Some(bytes)) = (root(head), joined(path)) else {
        return false;
    };
    let Ok(proof) = InclusionProof::<Sha256>::try_from_bytes(bytes) else {
        return false;
    };
    root.verify_inclusion(leaf, index, &proof).is_ok()
}

/// Whether the tree `new` describes extends the tree `old` describes, by `path`.
pub fn verify_consistency(old: &TreeHead, new: &TreeHead, path: &[String]) -> bool {
    let (Some(old_root), Some(new_root), Some(bytes)) = (root(old), root(new), joined(path)) else {
        return false;
    };
    let Ok(proof) = ConsistencyProof::<Sha256>::try_from_bytes(bytes) else {
        return false;
    };
    new_root.verify_consistency(&old_root, &proof).is_ok()
}
