use super::SqliteStore;
use super::audit::insert_audit;

crate::store::attestations::impl_attestation_store!(SqliteStore);
