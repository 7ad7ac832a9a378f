use super::SqliteStore;
use super::audit::insert_audit;

crate::store::notify::impl_notify_store!(SqliteStore);
