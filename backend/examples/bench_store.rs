//! The fixture of `cargo xtask bench`'s store benchmarks: the synthetic consortium (10,000
//! organisations × 33 metrics, as in the release benchmark) submitted for three quarters into a
//! new SQLite store, which `migrate-store` then copies into a fresh PostgreSQL schema; plus an
//! admin and API tokens of 64 organisations for the write load.
//!
//! `bench_store SQLITE_FILE POSTGRES_URL TOKENS_FILE [ORGS]` (10,000 organisations unless
//! told; the smoke run of `cargo xtask test` takes fewer) prints `POSTGRES_URL=…` (the schema's
//! URL), `PERIODS=…` (released by the benchmark), `OPEN=…` (the quarter writes go to) and the
//! admin's login.

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

use std::str::FromStr;
use std::time::Instant;

use backend::auth;
use backend::store::SqlStore;
use shared::catalogue::CATALOGUE;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

const ADMIN_EMAIL: &str = "bench-admin@bench.local";
const ADMIN_PASSWORD: &str = "bench-admin-password";
const WRITERS: usize = 64;
/// When the fixture's organisations joined and its rows were written: 2026-01-01T00:00:00Z.
const JOINED_AT: i64 = 1_767_225_600;
const SCHEMA: &str = "pp_bench";
/// Rows per INSERT (three parameters each, within SQLite's limit).
const BATCH: usize = 1_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (sqlite_file, postgres_base, tokens_file, count) = match arguments.as_slice() {
        [sqlite, postgres, tokens] => (sqlite, postgres, tokens, synthetic::ORGANISATIONS),
        [sqlite, postgres, tokens, count] => (sqlite, postgres, tokens, count.parse()?),
        _ => return Err("usage: bench_store SQLITE_FILE POSTGRES_URL TOKENS_FILE [ORGS]".into()),
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{sqlite_file}{suffix}"));
    }
    let sqlite_url = format!("sqlite://{sqlite_file}");
    drop(SqlStore::open(&sqlite_url).await?);

    let orgs = synthetic::generate(count);
    let last = backend::http::current_period().previous();
    let periods = [last.previous().previous(), last.previous(), last];
    let mut connection =
        SqliteConnection::connect_with(&SqliteConnectOptions::from_str(&sqlite_url)?).await?;
    let mut tx = connection.begin().await?;
    for (chunk_start, chunk) in orgs.chunks(BATCH).enumerate() {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO organisations \
             (id, name, seat_band, region, verticals, delivery, wfh_band, verified_at, created_at) ",
        );
        insert.push_values(chunk.iter().enumerate(), |mut row, (n, org)| {
            let id = (chunk_start * BATCH + n + 1) as i64;
            let a = &org.attributes;
            let verticals: Vec<&str> = a.verticals.iter().map(|v| v.key()).collect();
            row.push_bind(id)
                .push_bind(format!("Bench center {id}"))
                .push_bind(a.seat_band.key())
                .push_bind(a.region.key())
                .push_bind(verticals.join(","))
                .push_bind(a.delivery.key())
                .push_bind(a.wfh_band.key())
                .push_bind(JOINED_AT)
                .push_bind(JOINED_AT);
        });
        insert.build().execute(&mut *tx).await?;
    }
    for (p, period) in periods.iter().enumerate() {
        sqlx::query("INSERT INTO periods (period, created_at) VALUES (?, ?)")
            .bind(period.to_string())
            .bind(JOINED_AT)
            .execute(&mut *tx)
            .await?;
        let first = p * orgs.len();
        let mut submissions = QueryBuilder::<Sqlite>::new(
            "INSERT INTO submissions (id, org_id, period, revision, saved_by, saved_at) ",
        );
        for chunk in (0..orgs.len()).collect::<Vec<_>>().chunks(BATCH) {
            submissions.reset();
            submissions.push_values(chunk, |mut row, &n| {
                row.push_bind((first + n + 1) as i64)
                    .push_bind((n + 1) as i64)
                    .push_bind(period.to_string())
                    .push_bind(1_i64)
                    .push_bind("bench")
                    .push_bind(JOINED_AT);
            });
            submissions.build().execute(&mut *tx).await?;
        }
        let values: Vec<(i64, &str, f64)> = orgs
            .iter()
            .enumerate()
            .flat_map(|(n, org)| {
                CATALOGUE
                    .iter()
                    .zip(&org.values)
                    .filter_map(move |(metric, value)| {
                        value.map(|v| ((first + n + 1) as i64, metric.key.as_ref(), v))
                    })
            })
            .collect();
        for chunk in values.chunks(BATCH) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO submission_values (submission_id, metric, value) ",
            );
            insert.push_values(chunk, |mut row, (id, metric, value)| {
                row.push_bind(*id).push_bind(*metric).push_bind(*value);
            });
            insert.build().execute(&mut *tx).await?;
        }
    }
    let admin_hash = auth::hash_password(ADMIN_PASSWORD);
    sqlx::query(
        "INSERT INTO users (id, email, name, role, password_hash) VALUES (1, ?, 'Bench admin', 'admin', ?)",
    )
    .bind(ADMIN_EMAIL)
    .bind(&admin_hash)
    .execute(&mut *tx)
    .await?;
    let mut tokens = String::new();
    for n in 1..=WRITERS as i64 {
        sqlx::query(
            "INSERT INTO users (id, email, name, role, org_id, password_hash) \
             VALUES (?, ?, 'Bench writer', 'member_admin', ?, ?)",
        )
        .bind(n + 1)
        .bind(format!("writer{n}@bench.local"))
        .bind(n)
        .bind(&admin_hash)
        .execute(&mut *tx)
        .await?;
        let token = format!("{}{}", auth::API_TOKEN_PREFIX, auth::random_token());
        // As `POST /api/v1/tokens` makes them: scoped and expiring (here in 30 days).
        sqlx::query(
            "INSERT INTO api_tokens (org_id, created_by, name, token_hash, scopes, expires_at) \
             VALUES (?, ?, 'load', ?, 'read,submit', ?)",
        )
        .bind(n)
        .bind(n + 1)
        .bind(&auth::token_hash(&token)[..])
        .bind(auth::now_unix() + 30 * 86_400)
        .execute(&mut *tx)
        .await?;
        tokens.push_str(&token);
        tokens.push('\n');
    }
    tx.commit().await?;
    connection.close().await?;
    std::fs::write(tokens_file, tokens)?;

    let mut postgres = sqlx::PgConnection::connect(postgres_base).await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        .execute(&mut postgres)
        .await?;
    sqlx::query(&format!("CREATE SCHEMA {SCHEMA}"))
        .execute(&mut postgres)
        .await?;
    postgres.close().await?;
    let postgres_url = backend::store::schema_url(postgres_base, SCHEMA);
    let started = Instant::now();
    let copied = backend::store::migrate_store(&sqlite_url, &postgres_url).await?;
    let rows: u64 = copied.iter().map(|(_, rows)| rows).sum();
    println!(
        "MIGRATED={rows} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("POSTGRES_URL={postgres_url}");
    let periods: Vec<String> = periods.iter().map(ToString::to_string).collect();
    println!("PERIODS={}", periods.join(","));
    println!("OPEN={}", backend::http::current_period());
    println!("ADMIN={ADMIN_EMAIL}:{ADMIN_PASSWORD}");
    Ok(())
}
