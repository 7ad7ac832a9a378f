use super::PostgresStore;
use super::audit::insert_audit;

crate::store::deadlines::impl_deadline_store!(PostgresStore);
