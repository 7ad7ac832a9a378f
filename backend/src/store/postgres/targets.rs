use super::PostgresStore;
use super::audit::insert_audit;

crate::store::targets::impl_target_store!(PostgresStore);
