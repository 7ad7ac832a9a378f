use super::SqliteStore;
use super::audit::insert_audit;

crate::store::deadlines::impl_deadline_store!(SqliteStore);
