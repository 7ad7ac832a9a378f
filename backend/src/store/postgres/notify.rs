use super::PostgresStore;
use super::audit::insert_audit;

crate::store::notify::impl_notify_store!(PostgresStore);
