use super::PostgresStore;
use super::audit::insert_audit;

crate::store::attestations::impl_attestation_store!(PostgresStore);
