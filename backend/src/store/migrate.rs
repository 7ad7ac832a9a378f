//! `peerposture migrate-store --from sqlite://… --to postgres://…`: copies a whole SQLite store
//! into an empty PostgreSQL database, row by row and in one transaction, so a deployment that
//! outgrows one machine keeps everything it has: accounts, submissions with every revision,
//! releases exactly as they were computed, standards, practices and the audit log.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, PgConnection, QueryBuilder, Row, SqliteConnection};

use super::{SqlStore, StoreError};

#[derive(Debug, Clone, Copy)]
enum Kind {
    Integer,
    Real,
    Text,
    Blob,
}

use Kind::{Blob, Integer, Real, Text};

/// Every table, parents before children, with the columns both schemas share. A table with an
/// `id` identity column has its sequence moved past the copied ids.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "periods",
        &[
            ("period", Text),
            ("created_at", Integer),
            ("released_at", Integer),
        ],
    ),
    ("store_settings", &[("key", Text), ("value", Text)]),
    (
        // `standard_id` follows once standards are copied, the verification's people once users are.
        "organisations",
        &[
            ("id", Integer),
            ("name", Text),
            ("seat_band", Text),
            ("region", Text),
            ("verticals", Text),
            ("delivery", Text),
            ("wfh_band", Text),
            ("verified_at", Integer),
            ("created_at", Integer),
            ("verification_proposed_at", Integer),
            ("verified_after_releases", Integer),
        ],
    ),
    (
        "client_orgs",
        &[
            ("id", Integer),
            ("name", Text),
            ("address", Text),
            ("created_at", Integer),
        ],
    ),
    (
        "users",
        &[
            ("id", Integer),
            ("email", Text),
            ("name", Text),
            ("role", Text),
            ("org_id", Integer),
            ("client_id", Integer),
            ("password_hash", Text),
            ("created_at", Integer),
            ("invited_by", Integer),
        ],
    ),
    (
        "sessions",
        &[
            ("token_hash", Blob),
            ("user_id", Integer),
            ("expires_at", Integer),
        ],
    ),
    (
        "invitations",
        &[
            ("token_hash", Blob),
            ("email", Text),
            ("role", Text),
            ("org_id", Integer),
            ("client_id", Integer),
            ("invited_by", Integer),
            ("expires_at", Integer),
            ("accepted_at", Integer),
        ],
    ),
    (
        "api_tokens",
        &[
            ("id", Integer),
            ("org_id", Integer),
            ("created_by", Integer),
            ("name", Text),
            ("token_hash", Blob),
            ("created_at", Integer),
            ("last_used_at", Integer),
            ("revoked_at", Integer),
            ("scopes", Text),
            ("expires_at", Integer),
        ],
    ),
    (
        "submissions",
        &[
            ("id", Integer),
            ("org_id", Integer),
            ("period", Text),
            ("revision", Integer),
            ("saved_by", Text),
            ("saved_at", Integer),
        ],
    ),
    (
        "submission_values",
        &[
            ("submission_id", Integer),
            ("metric", Text),
            ("value", Real),
        ],
    ),
    (
        "idempotency_keys",
        &[
            ("org_id", Integer),
            ("key", Text),
            ("request_hash", Blob),
            ("submission_id", Integer),
            ("created_at", Integer),
        ],
    ),
    ("login_failures", &[("subject", Text), ("at", Integer)]),
    (
        "known_devices",
        &[
            ("token_hash", Blob),
            ("user_id", Integer),
            ("expires_at", Integer),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", Integer),
            ("at_ms", Integer),
            ("actor", Text),
            ("action", Text),
            ("target", Text),
            ("detail", Text),
            ("org_id", Integer),
        ],
    ),
    (
        "releases",
        &[
            ("period", Text),
            ("policy", Text),
            ("k", Integer),
            ("released_at", Integer),
        ],
    ),
    (
        "benchmark_cohorts",
        &[("period", Text), ("cohort", Text), ("n_band", Text)],
    ),
    (
        "benchmark_cells",
        &[
            ("period", Text),
            ("cohort", Text),
            ("metric", Text),
            ("position", Integer),
            ("n_band", Text),
            ("reason", Text),
            ("p10", Real),
            ("p25", Real),
            ("p50", Real),
            ("p75", Real),
            ("p90", Real),
            ("mean", Real),
            ("share_band", Text),
        ],
    ),
    (
        "release_contributors",
        &[
            ("period", Text),
            ("org_id", Integer),
            ("submission_id", Integer),
            ("seat_band", Text),
            ("region", Text),
            ("verticals", Text),
            ("delivery", Text),
            ("wfh_band", Text),
        ],
    ),
    (
        "standards",
        &[
            ("id", Integer),
            ("name", Text),
            ("version", Integer),
            ("status", Text),
            ("requirements", Text),
            ("change_log", Text),
            ("supersedes", Integer),
            ("created_by", Integer),
            ("published_at", Integer),
        ],
    ),
    (
        "standard_shares",
        &[
            ("period", Text),
            ("standard_id", Integer),
            ("requirement", Integer),
            ("cohort", Text),
            ("n_band", Text),
            ("reason", Text),
            ("share", Real),
            ("share_band", Text),
        ],
    ),
    (
        "practices",
        &[
            ("id", Integer),
            ("title", Text),
            ("problem", Text),
            ("solution", Text),
            ("result", Text),
            ("metrics", Text),
            ("csf_categories", Text),
            ("tier", Text),
            ("attribution", Text),
            ("status", Text),
            ("author_org_id", Integer),
            ("author_user_id", Integer),
            ("moderation_comment", Text),
            ("updated_at", Integer),
            ("published_at", Integer),
        ],
    ),
    (
        "practice_adoptions",
        &[
            ("practice_id", Integer),
            ("org_id", Integer),
            ("adopted_at", Integer),
        ],
    ),
    (
        "signing_keys",
        &[
            ("kid", Text),
            ("private_seed", Blob),
            ("public_x", Text),
            ("created_at", Integer),
            ("retired_at", Integer),
            ("compromised_from", Integer),
        ],
    ),
    (
        "transparency_log",
        &[("idx", Integer), ("leaf", Blob), ("logged_at", Integer)],
    ),
    (
        "attestations",
        &[
            ("id", Integer),
            ("org_id", Integer),
            ("jti", Text),
            ("share_hash", Blob),
            ("jws", Text),
            ("audience", Text),
            ("period", Text),
            ("cohort", Text),
            ("disclosure", Text),
            ("metrics", Integer),
            ("issued_by", Text),
            ("issued_at", Integer),
            ("expires_at", Integer),
            ("revoked_at", Integer),
            ("open_count", Integer),
            ("log_index", Integer),
            ("readable_after_expiry", Integer),
            ("revocation_jws", Text),
            ("revocation_index", Integer),
            ("client_id", Integer),
        ],
    ),
    (
        "client_suppliers",
        &[
            ("client_id", Integer),
            ("org_id", Integer),
            ("status", Text),
            ("first_shared_at", Integer),
            ("decided_at", Integer),
            ("decided_by", Integer),
        ],
    ),
    (
        "attestation_opens",
        &[("attestation_id", Integer), ("opened_at", Integer)],
    ),
    (
        "targets",
        &[
            ("org_id", Integer),
            ("metric", Text),
            ("value", Real),
            ("owner", Text),
            ("due", Text),
            ("baseline_period", Text),
            ("baseline", Real),
            ("set_by", Text),
            ("updated_at", Integer),
        ],
    ),
    (
        "deadlines",
        &[
            ("period", Text),
            ("due_at", Integer),
            ("set_by", Text),
            ("set_at", Integer),
        ],
    ),
    (
        "events",
        &[
            ("id", Integer),
            ("kind", Text),
            ("key", Text),
            ("payload", Text),
            ("created_at", Integer),
            ("expanded_at", Integer),
        ],
    ),
    (
        "notifications",
        &[
            ("id", Integer),
            ("user_id", Integer),
            ("event_id", Integer),
            ("kind", Text),
            ("title", Text),
            ("body", Text),
            ("link", Text),
            ("created_at", Integer),
            ("read_at", Integer),
        ],
    ),
    (
        "notification_settings",
        &[
            ("user_id", Integer),
            ("kind", Text),
            ("in_app", Integer),
            ("email", Integer),
        ],
    ),
    (
        "email_optouts",
        &[("address", Text), ("kind", Text), ("at", Integer)],
    ),
    (
        "webhooks",
        &[
            ("id", Integer),
            ("org_id", Integer),
            ("url", Text),
            ("secret", Text),
            ("events", Text),
            ("created_by", Integer),
            ("created_at", Integer),
            ("failures", Integer),
            ("paused_at", Integer),
            ("deleted_at", Integer),
        ],
    ),
    (
        "deliveries",
        &[
            ("id", Integer),
            ("event_id", Integer),
            ("channel", Text),
            ("target", Text),
            ("webhook_id", Integer),
            ("kind", Text),
            ("subject", Text),
            ("body", Text),
            ("status", Text),
            ("attempts", Integer),
            ("next_at", Integer),
            ("lease_until", Integer),
            ("last_error", Text),
            ("created_at", Integer),
            ("sent_at", Integer),
        ],
    ),
    (
        "webhook_attempts",
        &[
            ("id", Integer),
            ("webhook_id", Integer),
            ("delivery_id", Integer),
            ("event_id", Integer),
            ("event_kind", Text),
            ("at", Integer),
            ("status", Integer),
            ("response", Text),
            ("error", Text),
            ("duration_ms", Integer),
        ],
    ),
];

/// Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
const BATCH: usize = 1_000;

enum Value {
    Integer(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

/// Copies the SQLite store `from` into the PostgreSQL database `to`, which must hold no
/// PeerPosture data yet. Returns the rows copied per table. Stop the server first (or copy a
/// backup): the copy reads one consistent snapshot, and writes made after it are not in it.
pub async fn migrate_store(from: &str, to: &str) -> Result<Vec<(&'static str, u64)>, StoreError> {
    if !from.starts_with("sqlite:") || !to.starts_with("postgres") {
        return Err(StoreError::UnsupportedUrl(format!(
            "migrate-store copies --from sqlite://FILE --to postgres://…, not {} to {}",
            super::redact_url(from),
            super::redact_url(to)
        )));
    }
    // Opening applies each side's pending migrations, so both have the same tables.
    let source_options = SqliteConnectOptions::from_str(from)?.create_if_missing(false);
    SqliteConnection::connect_with(&source_options)
        .await?
        .close()
        .await?;
    SqlStore::open(from).await?;
    SqlStore::open(to).await?;

    let mut source = SqliteConnection::connect_with(&source_options).await?;
    let mut target = PgConnection::connect_with(&PgConnectOptions::from_str(to)?).await?;
    let mut tx = target.begin().await?;
    let existing: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM organisations) + (SELECT count(*) FROM users)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if existing > 0 {
        return Err(StoreError::Conflict(format!(
            "{} already holds PeerPosture data: migrate into an empty database",
            super::redact_url(to)
        )));
    }
    // One read transaction: every table from the same snapshot.
    let mut snapshot = source.begin().await?;
    let mut copied = Vec::new();
    for (table, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let select = format!("SELECT {} FROM {table}", names.join(", "));
        let rows = sqlx::query(&select).fetch_all(&mut *snapshot).await?;
        for chunk in rows.chunks(BATCH) {
            let values = chunk
                .iter()
                .map(|row| read_row(row, columns))
                .collect::<Result<Vec<_>, _>>()?;
            let mut insert =
                QueryBuilder::new(format!("INSERT INTO {table} ({}) ", names.join(", ")));
            insert.push_values(values, |mut row, values| {
                for value in values {
                    match value {
                        Value::Integer(v) => row.push_bind(v),
                        Value::Real(v) => row.push_bind(v),
                        Value::Text(v) => row.push_bind(v),
                        Value::Blob(v) => row.push_bind(v),
                    };
                }
            });
            insert.build().execute(&mut *tx).await?;
        }
        if names.first() == Some(&"id") {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(&mut *tx)
            .await?;
        }
        copied.push((*table, rows.len() as u64));
    }
    let verifiers: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT id, verification_proposed_by, verified_by FROM organisations \
         WHERE verification_proposed_by IS NOT NULL OR verified_by IS NOT NULL",
    )
    .fetch_all(&mut *snapshot)
    .await?;
    for (org_id, proposed_by, verified_by) in verifiers {
        sqlx::query(
            "UPDATE organisations SET verification_proposed_by = $1, verified_by = $2 WHERE id = $3",
        )
        .bind(proposed_by)
        .bind(verified_by)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    }
    let followed: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, standard_id FROM organisations WHERE standard_id IS NOT NULL")
            .fetch_all(&mut *snapshot)
            .await?;
    for (org_id, standard_id) in followed {
        sqlx::query("UPDATE organisations SET standard_id = $1 WHERE id = $2")
            .bind(standard_id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
    }
    snapshot.rollback().await?;
    tx.commit().await?;
    Ok(copied)
}

fn read_row(
    row: &sqlx::sqlite::SqliteRow,
    columns: &[(&str, Kind)],
) -> Result<Vec<Value>, StoreError> {
    columns
        .iter()
        .enumerate()
        .map(|(index, (_, kind))| {
            Ok(match kind {
                Integer => Value::Integer(row.try_get(index)?),
                Real => Value::Real(row.try_get(index)?),
                Text => Value::Text(row.try_get(index)?),
                Blob => Value::Blob(row.try_get(index)?),
            })
        })
        .collect()
}
