//! The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! write is on disk before the request that made it is acknowledged.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use shared::Period;
use shared::account::{
    ApiTokenInfo, AuditEntry, InvitationInfo, NewOrganisation, OrgRef, Organisation, Role,
    TeamAccount, TeamInvitation, User,
};
use shared::benchmark::{BenchmarkCell, SuppressionReason};
use shared::catalogue::CATALOGUE;
use shared::cohort::{CohortKey, Delivery, Region, SeatBand, Vertical, WfhBand};
use shared::submission::RevisionInfo;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};

use shared::practice::{Attribution, PracticeDraft, PracticeStatus};
use shared::standard::Tier;

use super::{
    AuditRecord, ComputeRelease, Credentials, IdempotencyKey, NewInvitationRecord, PeriodRecord,
    PracticeAuthor, PracticeSelection, ReleaseRecord, Store, StoreError, StoredBenchmark,
    StoredPractice, StoredSubmission, TokenOwner,
};
use crate::engine::{Attributes, CellOutcome, EngineOrg, ReleaseResult};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and applies pending migrations.
    pub async fn open(database_url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(directory) = options.get_filename().parent()
            && !directory.as_os_str().is_empty()
        {
            std::fs::create_dir_all(directory).map_err(|source| StoreError::CreateDirectory {
                path: directory.display().to_string(),
                source,
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// `VACUUM INTO` a new file: a consistent snapshot, taken beside a running server.
    pub async fn backup(database_url: &str, target: &std::path::Path) -> Result<(), StoreError> {
        use sqlx::Connection;
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(5));
        let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
        sqlx::query("VACUUM INTO ?")
            .bind(target.to_string_lossy().into_owned())
            .execute(&mut connection)
            .await?;
        connection.close().await?;
        Ok(())
    }
}

const ORG_COLUMNS: &str =
    "id, name, seat_band, region, verticals, delivery, wfh_band, verified_at, created_at";

type OrgRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
);

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{value}`"))
}

fn org_from_row(row: OrgRow) -> Result<Organisation, StoreError> {
    let (id, name, seat_band, region, verticals, delivery, wfh_band, verified_at, created_at) = row;
    let verticals = verticals
        .split(',')
        .filter(|key| !key.is_empty())
        .map(|key| Vertical::from_key(key).ok_or_else(|| corrupt("vertical", key)))
        .collect::<Result<_, _>>()?;
    Ok(Organisation {
        id,
        name,
        seat_band: SeatBand::from_key(&seat_band)
            .ok_or_else(|| corrupt("seat band", &seat_band))?,
        region: Region::from_key(&region).ok_or_else(|| corrupt("region", &region))?,
        verticals,
        delivery: Delivery::from_key(&delivery).ok_or_else(|| corrupt("delivery", &delivery))?,
        wfh_band: WfhBand::from_key(&wfh_band).ok_or_else(|| corrupt("wfh band", &wfh_band))?,
        verified: verified_at.is_some(),
        created_at,
    })
}

const USER_SELECT: &str = "SELECT u.id, u.email, u.name, u.role, u.org_id, o.name \
     FROM users u LEFT JOIN organisations o ON o.id = u.org_id";

type UserRow = (i64, String, String, String, Option<i64>, Option<String>);

fn user_from_row(row: UserRow) -> Result<User, StoreError> {
    let (id, email, name, role, org_id, org_name) = row;
    Ok(User {
        id,
        email,
        name,
        role: Role::from_key(&role).ok_or_else(|| corrupt("role", &role))?,
        org: org_id.zip(org_name).map(|(id, name)| OrgRef { id, name }),
    })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

async fn load_submission(
    connection: &mut SqliteConnection,
    submission_id: i64,
) -> Result<StoredSubmission, StoreError> {
    let (revision, saved_at, saved_by): (i64, String, String) =
        sqlx::query_as("SELECT revision, saved_at, saved_by FROM submissions WHERE id = ?")
            .bind(submission_id)
            .fetch_one(&mut *connection)
            .await?;
    let values: Vec<(String, f64)> =
        sqlx::query_as("SELECT metric, value FROM submission_values WHERE submission_id = ?")
            .bind(submission_id)
            .fetch_all(&mut *connection)
            .await?;
    Ok(StoredSubmission {
        revision,
        saved_at,
        saved_by,
        values: values.into_iter().collect(),
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn periods(&self) -> Result<Vec<PeriodRecord>, StoreError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT period, released_at FROM periods ORDER BY period")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(period, released_at)| {
                let period = period.parse().map_err(|_| corrupt("period", &period))?;
                Ok(PeriodRecord {
                    period,
                    released_at,
                })
            })
            .collect()
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT value FROM store_settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(value,)| value))
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO store_settings (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn create_org(&self, org: &NewOrganisation) -> Result<Organisation, StoreError> {
        let verticals: Vec<&str> = org.verticals.iter().map(|v| v.key()).collect();
        let row: OrgRow = sqlx::query_as(&format!(
            "INSERT INTO organisations (name, seat_band, region, verticals, delivery, wfh_band) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING {ORG_COLUMNS}"
        ))
        .bind(&org.name)
        .bind(org.seat_band.key())
        .bind(org.region.key())
        .bind(verticals.join(","))
        .bind(org.delivery.key())
        .bind(org.wfh_band.key())
        .fetch_one(&self.pool)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                StoreError::Conflict(format!(
                    "an organisation named `{}` already exists",
                    org.name
                ))
            } else {
                error.into()
            }
        })?;
        org_from_row(row)
    }

    async fn org(&self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(org_from_row).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<OrgRow> = sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(org_from_row).collect()
    }

    async fn verify_org(&self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = sqlx::query_as(&format!(
            "UPDATE organisations \
             SET verified_at = COALESCE(verified_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) \
             WHERE id = ? RETURNING {ORG_COLUMNS}"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(org_from_row).transpose()
    }

    async fn user_count(&self) -> Result<i64, StoreError> {
        let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    async fn create_user(
        &self,
        email: &str,
        name: &str,
        role: Role,
        org_id: Option<i64>,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let mut connection = self.pool.acquire().await?;
        insert_user(&mut connection, email, name, role, org_id, password_hash).await
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE email = ?")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        let Some((id, password_hash)) = row else {
            return Ok(None);
        };
        let user = self
            .user_by_id(id)
            .await?
            .ok_or_else(|| corrupt("user", &id.to_string()))?;
        Ok(Some(Credentials {
            user,
            password_hash,
        }))
    }

    async fn password_hash(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT password_hash FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(hash,)| hash))
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = sqlx::query_as(&format!("{USER_SELECT} ORDER BY u.email"))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(user_from_row).collect()
    }

    async fn set_role(&self, user_id: i64, role: Role) -> Result<Option<User>, StoreError> {
        let updated = sqlx::query("UPDATE users SET role = ? WHERE id = ?")
            .bind(role.key())
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(|error| match error.as_database_error() {
                Some(e) if e.is_check_violation() => StoreError::Conflict(
                    "a member role needs an organisation; this user has none".to_owned(),
                ),
                _ => error.into(),
            })?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        self.user_by_id(user_id).await
    }

    async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        token_hash: &[u8; 32],
        user_id: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        // Logins are rare enough to sweep expired sessions away here.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= strftime('%s', 'now')")
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)")
            .bind(&token_hash[..])
            .bind(user_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "{USER_SELECT} JOIN sessions s ON s.user_id = u.id \
             WHERE s.token_hash = ? AND s.expires_at > ?"
        ))
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(user_from_row).transpose()
    }

    async fn delete_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(&token_hash[..])
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn record_login_failure(&self, subjects: &[String], now: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for subject in subjects {
            sqlx::query("INSERT INTO login_failures (subject, at) VALUES (?, ?)")
                .bind(subject)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        // Failures older than a day no longer matter to any limit.
        sqlx::query("DELETE FROM login_failures WHERE at < ?")
            .bind(now - 86_400)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn login_failures(&self, subject: &str, since: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT at FROM login_failures WHERE subject = ? AND at >= ? ORDER BY at",
        )
        .bind(subject)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(at,)| at).collect())
    }

    async fn clear_login_failures(&self, subject: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE subject = ?")
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_invitation(&self, invitation: &NewInvitationRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO invitations (token_hash, email, role, org_id, invited_by, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&invitation.token_hash[..])
        .bind(&invitation.email)
        .bind(invitation.role.key())
        .bind(invitation.org_id)
        .bind(invitation.invited_by)
        .bind(invitation.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn invitation(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<InvitationInfo>, StoreError> {
        let row: Option<(String, String, Option<i64>, Option<String>, i64)> = sqlx::query_as(
            "SELECT i.email, i.role, i.org_id, o.name, i.expires_at FROM invitations i \
             LEFT JOIN organisations o ON o.id = i.org_id \
             WHERE i.token_hash = ? AND i.accepted_at IS NULL AND i.expires_at > ?",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(email, role, org_id, org_name, expires_at)| {
            Ok(InvitationInfo {
                email,
                role: Role::from_key(&role).ok_or_else(|| corrupt("role", &role))?,
                org: org_id.zip(org_name).map(|(id, name)| OrgRef { id, name }),
                expires_at: shared::period::rfc3339(expires_at),
            })
        })
        .transpose()
    }

    async fn accept_invitation(
        &self,
        token_hash: &[u8; 32],
        name: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<User>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Using the invitation first takes the write lock, so a token works exactly once.
        let row: Option<(String, String, Option<i64>, i64)> = sqlx::query_as(
            "UPDATE invitations SET accepted_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
             WHERE token_hash = ? AND accepted_at IS NULL AND expires_at > ? \
             RETURNING email, role, org_id, invited_by",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((email, role, org_id, invited_by)) = row else {
            return Ok(None);
        };
        let role = Role::from_key(&role).ok_or_else(|| corrupt("role", &role))?;
        let user = insert_user(&mut tx, &email, name, role, org_id, password_hash).await?;
        sqlx::query("UPDATE users SET invited_by = ? WHERE id = ?")
            .bind(invited_by)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    async fn create_api_token(
        &self,
        org_id: i64,
        created_by: i64,
        name: &str,
        token_hash: &[u8; 32],
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO api_tokens (org_id, created_by, name, token_hash) VALUES (?, ?, ?, ?) \
             RETURNING id",
        )
        .bind(org_id)
        .bind(created_by)
        .bind(name)
        .bind(&token_hash[..])
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn api_tokens(&self, org_id: i64) -> Result<Vec<ApiTokenInfo>, StoreError> {
        let rows: Vec<(i64, String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE org_id = ? ORDER BY id DESC",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, created_at, last_used_at, revoked_at)| ApiTokenInfo {
                    id,
                    name,
                    created_at,
                    last_used_at,
                    revoked_at,
                },
            )
            .collect())
    }

    async fn revoke_api_token(&self, org_id: i64, token_id: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
             WHERE id = ? AND org_id = ? AND revoked_at IS NULL",
        )
        .bind(token_id)
        .bind(org_id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn api_token_owner(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<TokenOwner>, StoreError> {
        let row: Option<(i64, i64, String)> = sqlx::query_as(
            "UPDATE api_tokens SET last_used_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
             WHERE token_hash = ? AND revoked_at IS NULL RETURNING id, org_id, name",
        )
        .bind(&token_hash[..])
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(token_id, org_id, name)| TokenOwner {
            token_id,
            org_id,
            name,
        }))
    }

    async fn period_released(&self, period: Period) -> Result<bool, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT released_at FROM periods WHERE period = ?")
                .bind(period.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(matches!(row, Some((Some(_),))))
    }

    async fn save_submission(
        &self,
        org_id: i64,
        period: Period,
        values: &BTreeMap<String, f64>,
        saved_by: &str,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<StoredSubmission, StoreError> {
        let period = period.to_string();
        let mut tx = self.pool.begin().await?;
        // A write first: it takes the database's write lock, so the released check below and
        // the insert cannot interleave with a release.
        sqlx::query("INSERT INTO periods (period) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(&period)
            .execute(&mut *tx)
            .await?;
        let (released_at,): (Option<String>,) =
            sqlx::query_as("SELECT released_at FROM periods WHERE period = ?")
                .bind(&period)
                .fetch_one(&mut *tx)
                .await?;
        if released_at.is_some() {
            return Err(StoreError::PeriodReleased);
        }
        if let Some(idempotency) = idempotency {
            let earlier: Option<(Vec<u8>, i64)> = sqlx::query_as(
                "SELECT request_hash, submission_id FROM idempotency_keys \
                 WHERE org_id = ? AND key = ?",
            )
            .bind(org_id)
            .bind(&idempotency.key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((request_hash, submission_id)) = earlier {
                if request_hash != idempotency.request_hash {
                    return Err(StoreError::Conflict(
                        "this Idempotency-Key was already used with a different request".to_owned(),
                    ));
                }
                return load_submission(&mut tx, submission_id).await;
            }
        }
        let (submission_id, revision, saved_at): (i64, i64, String) = sqlx::query_as(
            "INSERT INTO submissions (org_id, period, revision, saved_by) \
             VALUES (?1, ?2, (SELECT COALESCE(MAX(revision), 0) + 1 FROM submissions \
                              WHERE org_id = ?1 AND period = ?2), ?3) \
             RETURNING id, revision, saved_at",
        )
        .bind(org_id)
        .bind(&period)
        .bind(saved_by)
        .fetch_one(&mut *tx)
        .await?;
        for (metric, value) in values {
            sqlx::query(
                "INSERT INTO submission_values (submission_id, metric, value) VALUES (?, ?, ?)",
            )
            .bind(submission_id)
            .bind(metric)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(idempotency) = idempotency {
            sqlx::query(
                "INSERT INTO idempotency_keys (org_id, key, request_hash, submission_id) \
                 VALUES (?, ?, ?, ?)",
            )
            .bind(org_id)
            .bind(&idempotency.key)
            .bind(&idempotency.request_hash[..])
            .bind(submission_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(StoredSubmission {
            revision,
            saved_at,
            saved_by: saved_by.to_owned(),
            values: values.clone(),
        })
    }

    async fn submission(
        &self,
        org_id: i64,
        period: Period,
    ) -> Result<Option<StoredSubmission>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let latest: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM submissions WHERE org_id = ? AND period = ? \
             ORDER BY revision DESC LIMIT 1",
        )
        .bind(org_id)
        .bind(period.to_string())
        .fetch_optional(&mut *connection)
        .await?;
        match latest {
            Some((id,)) => Ok(Some(load_submission(&mut connection, id).await?)),
            None => Ok(None),
        }
    }

    async fn submission_history(&self, org_id: i64) -> Result<Vec<RevisionInfo>, StoreError> {
        let rows: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
            "SELECT s.period, s.revision, s.saved_at, s.saved_by, \
                    (SELECT count(*) FROM submission_values v WHERE v.submission_id = s.id) \
             FROM submissions s WHERE s.org_id = ? ORDER BY s.id DESC",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(period, revision, saved_at, saved_by, value_count)| {
                Ok(RevisionInfo {
                    period: period.parse().map_err(|_| corrupt("period", &period))?,
                    revision,
                    saved_at,
                    saved_by,
                    value_count,
                })
            })
            .collect()
    }

    async fn release_period(
        &self,
        period: Period,
        policy: &str,
        k: u32,
        compute: ComputeRelease,
    ) -> Result<(ReleaseRecord, ReleaseResult), StoreError> {
        let period_text = period.to_string();
        let mut tx = self.pool.begin().await?;
        // Stamping the period first takes the write lock: no submission can slip in between
        // the read of the inputs and the stored result.
        sqlx::query("INSERT INTO periods (period) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(&period_text)
            .execute(&mut *tx)
            .await?;
        let (released_at,): (String,) = sqlx::query_as(
            "UPDATE periods SET released_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
             WHERE period = ? AND released_at IS NULL RETURNING released_at",
        )
        .bind(&period_text)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("{period} is already released")))?;

        sqlx::query("INSERT INTO releases (period, policy, k, released_at) VALUES (?, ?, ?, ?)")
            .bind(&period_text)
            .bind(policy)
            .bind(k)
            .bind(&released_at)
            .execute(&mut *tx)
            .await?;
        // Freeze who counts: verified organisations and their last revision, with the
        // attributes they have now. Everything computed for this period later reads this set.
        sqlx::query(
            "INSERT INTO release_contributors \
                 (period, org_id, submission_id, seat_band, region, verticals, delivery, wfh_band) \
             SELECT ?1, o.id, s.id, o.seat_band, o.region, o.verticals, o.delivery, o.wfh_band \
             FROM organisations o \
             JOIN submissions s ON s.org_id = o.id AND s.period = ?1 AND s.revision = \
                  (SELECT MAX(revision) FROM submissions WHERE org_id = o.id AND period = ?1) \
             WHERE o.verified_at IS NOT NULL",
        )
        .bind(&period_text)
        .execute(&mut *tx)
        .await?;
        let inputs = frozen_inputs(&mut tx, &period_text).await?;
        let threshold = k as usize;
        let (inputs, result) = tokio::task::spawn_blocking(move || {
            let result = compute(&inputs, threshold);
            (inputs, result)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("the release computation failed: {e}")))?;
        let standards = standards_with_shares(&mut tx, &period_text).await?;
        insert_release_rows(
            &mut tx,
            &period_text,
            &inputs,
            &result,
            &standards,
            threshold,
        )
        .await?;
        tx.commit().await?;
        let record = ReleaseRecord {
            period,
            policy: policy.to_owned(),
            k,
            released_at,
        };
        Ok((record, result))
    }

    async fn reapply_policy(
        &self,
        policy: &str,
        compute: ComputeRelease,
    ) -> Result<Vec<Period>, StoreError> {
        let stale: Vec<(String, i64)> =
            sqlx::query_as("SELECT period, k FROM releases WHERE policy != ? ORDER BY period")
                .bind(policy)
                .fetch_all(&self.pool)
                .await?;
        let mut recomputed = Vec::new();
        for (period, k) in stale {
            let mut tx = self.pool.begin().await?;
            let inputs = frozen_inputs(&mut tx, &period).await?;
            let k = usize::try_from(k).map_err(|_| corrupt("k", &k.to_string()))?;
            let result = compute(&inputs, k);
            let standards = standards_with_shares(&mut tx, &period).await?;
            for table in ["standard_shares", "benchmark_cells", "benchmark_cohorts"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE period = ?"))
                    .bind(&period)
                    .execute(&mut *tx)
                    .await?;
            }
            insert_release_rows(&mut tx, &period, &inputs, &result, &standards, k).await?;
            sqlx::query("UPDATE releases SET policy = ? WHERE period = ?")
                .bind(policy)
                .bind(&period)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            recomputed.push(period.parse().map_err(|_| corrupt("period", &period))?);
        }
        Ok(recomputed)
    }

    async fn benchmark(
        &self,
        period: Period,
        cohort: CohortKey,
    ) -> Result<Option<StoredBenchmark>, StoreError> {
        let period_text = period.to_string();
        let release: Option<(String, i64, String)> =
            sqlx::query_as("SELECT policy, k, released_at FROM releases WHERE period = ?")
                .bind(&period_text)
                .fetch_optional(&self.pool)
                .await?;
        let Some((policy, k, released_at)) = release else {
            return Ok(None);
        };
        let (cohort_band,): (Option<String>,) =
            sqlx::query_as("SELECT n_band FROM benchmark_cohorts WHERE period = ? AND cohort = ?")
                .bind(&period_text)
                .bind(cohort.to_string())
                .fetch_one(&self.pool)
                .await?;
        let rows: Vec<CellRow> = sqlx::query_as(&format!(
            "SELECT {CELL_COLUMNS} FROM benchmark_cells WHERE period = ? AND cohort = ? ORDER BY position"
        ))
        .bind(&period_text)
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await?;
        let cells = rows
            .into_iter()
            .map(BenchmarkCell::try_from)
            .collect::<Result<_, _>>()?;
        let k = u32::try_from(k).map_err(|_| corrupt("k", &k.to_string()))?;
        Ok(Some(StoredBenchmark {
            release: ReleaseRecord {
                period,
                policy,
                k,
                released_at,
            },
            cohort_band,
            cells,
        }))
    }

    async fn trend(
        &self,
        metric: &str,
        cohort: CohortKey,
    ) -> Result<Vec<(Period, BenchmarkCell)>, StoreError> {
        let rows: Vec<TrendRow> = sqlx::query_as(&format!(
            "SELECT period, {CELL_COLUMNS} FROM benchmark_cells \
             WHERE metric = ? AND cohort = ? ORDER BY period"
        ))
        .bind(metric)
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let period = row
                    .period
                    .parse()
                    .map_err(|_| corrupt("period", &row.period))?;
                Ok((period, row.cell.try_into()?))
            })
            .collect()
    }

    async fn create_standard(
        &self,
        draft: &shared::standard::StandardDraft,
        created_by: i64,
    ) -> Result<shared::standard::Standard, StoreError> {
        let mut tx = self.pool.begin().await?;
        let version = match draft.supersedes {
            None => 1,
            Some(previous) => match Self::standard_state(&mut tx, previous).await? {
                Some((status, version)) if status == "published" => version + 1,
                _ => {
                    return Err(StoreError::Conflict(format!(
                        "standard #{previous} is not a published standard to supersede"
                    )));
                }
            },
        };
        let row: StandardRow = sqlx::query_as(&format!(
            "INSERT INTO standards (name, version, status, requirements, change_log, supersedes, created_by) \
             VALUES (?, ?, 'draft', ?, ?, ?, ?) RETURNING {STANDARD_COLUMNS}"
        ))
        .bind(draft.name.trim())
        .bind(version)
        .bind(requirements_json(draft)?)
        .bind(&draft.change_log)
        .bind(draft.supersedes)
        .bind(created_by)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        standard_from_row(row)
    }

    async fn update_standard(
        &self,
        id: i64,
        draft: &shared::standard::StandardDraft,
    ) -> Result<Option<shared::standard::Standard>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !Self::is_draft(
            &mut tx,
            id,
            "published versions never change; create a new version",
        )
        .await?
        {
            return Ok(None);
        }
        let row: StandardRow = sqlx::query_as(&format!(
            "UPDATE standards SET name = ?, requirements = ?, change_log = ? WHERE id = ? \
             RETURNING {STANDARD_COLUMNS}"
        ))
        .bind(draft.name.trim())
        .bind(requirements_json(draft)?)
        .bind(&draft.change_log)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        standard_from_row(row).map(Some)
    }

    async fn publish_standard(
        &self,
        id: i64,
    ) -> Result<Option<shared::standard::Standard>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if !Self::is_draft(&mut tx, id, "it cannot be published again").await? {
            return Ok(None);
        }
        let row: StandardRow = sqlx::query_as(&format!(
            "UPDATE standards SET status = 'published', \
             published_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? \
             RETURNING {STANDARD_COLUMNS}"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let standard = standard_from_row(row)?;
        // Periods released before this standard existed get its shares now, from their frozen
        // data and under the k they were released with.
        let releases: Vec<(String, i64)> =
            sqlx::query_as("SELECT period, k FROM releases ORDER BY period")
                .fetch_all(&mut *tx)
                .await?;
        for (period, k) in releases {
            // The contributors frozen at release and the cells stored then: never today's
            // verified organisations, and never a share where the stored cell is held back.
            let inputs = frozen_inputs(&mut tx, &period).await?;
            let k = usize::try_from(k).map_err(|_| corrupt("k", &k.to_string()))?;
            let held_back = stored_reasons(&mut tx, &period).await?;
            let held_back = |cohort: CohortKey, metric: usize| {
                held_back.get(&(cohort, metric)).copied().flatten()
            };
            insert_shares(&mut tx, &period, &standard, &inputs, held_back, k).await?;
        }
        if let Some(previous) = standard.supersedes {
            sqlx::query(
                "UPDATE standards SET status = 'superseded' WHERE id = ? AND status = 'published'",
            )
            .bind(previous)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(standard))
    }

    async fn standard(&self, id: i64) -> Result<Option<shared::standard::Standard>, StoreError> {
        let row: Option<StandardRow> = sqlx::query_as(&format!(
            "SELECT {STANDARD_COLUMNS} FROM standards WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(standard_from_row).transpose()
    }

    async fn standards(
        &self,
        include_drafts: bool,
    ) -> Result<Vec<shared::standard::Standard>, StoreError> {
        let rows: Vec<StandardRow> = sqlx::query_as(&format!(
            "SELECT {STANDARD_COLUMNS} FROM standards WHERE ? OR status != 'draft' ORDER BY id DESC"
        ))
        .bind(include_drafts)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(standard_from_row).collect()
    }

    async fn standard_shares(
        &self,
        period: Period,
        standard_id: i64,
        cohort: CohortKey,
    ) -> Result<Vec<(usize, shared::standard::ShareMeeting)>, StoreError> {
        let rows: Vec<(i64, Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT requirement, n_band, reason, share_band FROM standard_shares \
             WHERE period = ? AND standard_id = ? AND cohort = ? ORDER BY requirement",
        )
        .bind(period.to_string())
        .bind(standard_id)
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(requirement, n_band, reason, share_band)| {
                let reason = reason_from_key(reason.as_deref())?;
                let index = usize::try_from(requirement)
                    .map_err(|_| corrupt("requirement", &requirement.to_string()))?;
                let meeting = shared::standard::ShareMeeting {
                    suppressed: reason.is_some(),
                    reason,
                    n_band,
                    share_band,
                };
                Ok((index, meeting))
            })
            .collect()
    }

    async fn create_practice(
        &self,
        draft: &PracticeDraft,
        author: PracticeAuthor,
    ) -> Result<i64, StoreError> {
        let row = bind_draft(
            sqlx::query(
                "INSERT INTO practices (title, problem, solution, result, metrics, csf_categories, \
                 tier, attribution, status, author_org_id, author_user_id) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?) RETURNING id",
            ),
            draft,
        )?
        .bind(author.org_id)
        .bind(author.user_id)
        .fetch_one(&self.pool)
        .await?;
        let id: i64 = row.try_get(0)?;
        Ok(id)
    }

    async fn update_practice(&self, id: i64, draft: &PracticeDraft) -> Result<(), StoreError> {
        let updated = bind_draft(
            sqlx::query(
                "UPDATE practices SET title = ?, problem = ?, solution = ?, result = ?, \
                 metrics = ?, csf_categories = ?, tier = ?, attribution = ?, \
                 status = 'submitted', updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
                 WHERE id = ? AND status != 'published'",
            ),
            draft,
        )?
        .bind(id)
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "practice #{id} is published and can no longer be edited"
            )));
        }
        Ok(())
    }

    async fn moderate_practice(
        &self,
        id: i64,
        status: PracticeStatus,
        comment: Option<&str>,
    ) -> Result<(), StoreError> {
        let updated = sqlx::query(
            "UPDATE practices SET status = ?, moderation_comment = ?, \
             published_at = CASE WHEN ? = 'published' \
                 THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END \
             WHERE id = ? AND status = 'submitted'",
        )
        .bind(status.key())
        .bind(comment)
        .bind(status.key())
        .bind(id)
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "practice #{id} is not waiting for review"
            )));
        }
        Ok(())
    }

    async fn practices(
        &self,
        selection: PracticeSelection,
        viewer_org: Option<i64>,
    ) -> Result<Vec<StoredPractice>, StoreError> {
        // ?2 is an id, ?3 a status.
        let (condition, id, status) = match selection {
            PracticeSelection::One(id) => ("p.id = ?2", Some(id), None),
            PracticeSelection::Status(status) => ("p.status = ?3", None, Some(status.key())),
            PracticeSelection::By(PracticeAuthor {
                org_id: Some(org_id),
                ..
            }) => ("p.author_org_id = ?2", Some(org_id), None),
            PracticeSelection::By(PracticeAuthor {
                org_id: None,
                user_id,
            }) => (
                "p.author_org_id IS NULL AND p.author_user_id = ?2",
                Some(user_id),
                None,
            ),
        };
        let rows: Vec<PracticeRow> = sqlx::query_as(&format!(
            "SELECT p.id, p.title, p.problem, p.solution, p.result, p.metrics, p.csf_categories, \
             p.tier, p.attribution, p.status, p.author_org_id, p.author_user_id, \
             COALESCE(o.name, u.name) AS author_name, p.moderation_comment, p.updated_at, \
             p.published_at, \
             (SELECT COUNT(*) FROM practice_adoptions a WHERE a.practice_id = p.id) AS adoptions, \
             EXISTS (SELECT 1 FROM practice_adoptions a \
                     WHERE a.practice_id = p.id AND a.org_id = ?1) AS adopted_by_viewer \
             FROM practices p JOIN users u ON u.id = p.author_user_id \
             LEFT JOIN organisations o ON o.id = p.author_org_id \
             WHERE {condition} \
             ORDER BY COALESCE(p.published_at, p.updated_at) DESC, p.id DESC"
        ))
        .bind(viewer_org)
        .bind(id)
        .bind(status)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(practice_from_row).collect()
    }

    async fn set_adoption(
        &self,
        practice_id: i64,
        org_id: i64,
        adopted: bool,
    ) -> Result<(), StoreError> {
        let query = if adopted {
            "INSERT INTO practice_adoptions (practice_id, org_id) VALUES (?, ?) \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM practice_adoptions WHERE practice_id = ? AND org_id = ?"
        };
        sqlx::query(query)
            .bind(practice_id)
            .bind(org_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn followed_standard(&self, org_id: i64) -> Result<Option<i64>, StoreError> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT standard_id FROM organisations WHERE id = ?")
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(id,)| id))
    }

    async fn follow_standard(
        &self,
        org_id: i64,
        standard_id: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE organisations SET standard_id = ? WHERE id = ?")
            .bind(standard_id)
            .bind(org_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit(&self, record: AuditRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (actor, action, target, detail, org_id) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&record.actor)
        .bind(record.action)
        .bind(&record.target)
        .bind(&record.detail)
        .bind(record.org_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn org_audit_log(
        &self,
        org_id: i64,
        action: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at, actor, action, target, detail FROM audit_log \
             WHERE org_id = ? AND action = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(org_id)
        .bind(action)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    async fn team(
        &self,
        org_id: i64,
    ) -> Result<(Vec<TeamAccount>, Vec<TeamInvitation>), StoreError> {
        // The inviter's organisation decides whether they came from outside.
        let accounts: Vec<TeamAccountRow> = sqlx::query_as(
            "SELECT u.name, u.email, u.role, u.created_at, i.email AS invited_by, \
                    (i.id IS NOT NULL AND i.org_id IS NOT u.org_id) AS invited_from_outside \
             FROM users u LEFT JOIN users i ON i.id = u.invited_by \
             WHERE u.org_id = ? ORDER BY u.id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        let invitations: Vec<TeamInvitationRow> = sqlx::query_as(
            "SELECT v.email, v.role, i.email AS invited_by, (i.org_id IS NOT v.org_id) AS invited_from_outside, \
                    v.expires_at, v.accepted_at \
             FROM invitations v JOIN users i ON i.id = v.invited_by \
             WHERE v.org_id = ? ORDER BY v.expires_at DESC",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            accounts
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, _>>()?,
            invitations
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, _>>()?,
        ))
    }

    async fn audit_log(
        &self,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at, actor, action, target, detail FROM audit_log \
             WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        AuditEntry {
            id: row.id,
            at: row.at,
            actor: row.actor,
            action: row.action,
            target: row.target,
            detail: row.detail,
        }
    }
}

#[derive(sqlx::FromRow)]
struct TeamAccountRow {
    name: String,
    email: String,
    role: String,
    created_at: String,
    invited_by: Option<String>,
    invited_from_outside: bool,
}

impl TryFrom<TeamAccountRow> for TeamAccount {
    type Error = StoreError;

    fn try_from(row: TeamAccountRow) -> Result<Self, StoreError> {
        Ok(TeamAccount {
            role: Role::from_key(&row.role).ok_or_else(|| corrupt("role", &row.role))?,
            name: row.name,
            email: row.email,
            created_at: row.created_at,
            invited_by: row.invited_by,
            invited_from_outside: row.invited_from_outside,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TeamInvitationRow {
    email: String,
    role: String,
    invited_by: String,
    invited_from_outside: bool,
    expires_at: i64,
    accepted_at: Option<String>,
}

impl TryFrom<TeamInvitationRow> for TeamInvitation {
    type Error = StoreError;

    fn try_from(row: TeamInvitationRow) -> Result<Self, StoreError> {
        Ok(TeamInvitation {
            role: Role::from_key(&row.role).ok_or_else(|| corrupt("role", &row.role))?,
            email: row.email,
            invited_by: row.invited_by,
            invited_from_outside: row.invited_from_outside,
            expires_at: shared::period::rfc3339(row.expires_at),
            accepted_at: row.accepted_at,
        })
    }
}

/// A stored benchmark cell: `CELL_COLUMNS`.
#[derive(sqlx::FromRow)]
struct CellRow {
    metric: String,
    n_band: Option<String>,
    reason: Option<String>,
    p10: Option<f64>,
    p25: Option<f64>,
    p50: Option<f64>,
    p75: Option<f64>,
    p90: Option<f64>,
    mean: Option<f64>,
    share_band: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TrendRow {
    period: String,
    #[sqlx(flatten)]
    cell: CellRow,
}

const CELL_COLUMNS: &str = "metric, n_band, reason, p10, p25, p50, p75, p90, mean, share_band";

fn reason_key(reason: SuppressionReason) -> &'static str {
    match reason {
        SuppressionReason::TooFew => "too_few",
        SuppressionReason::Complement => "complement",
        SuppressionReason::Secondary => "secondary",
        SuppressionReason::Dominance => "dominance",
    }
}

fn reason_from_key(reason: Option<&str>) -> Result<Option<SuppressionReason>, StoreError> {
    Ok(match reason {
        None => None,
        Some("too_few") => Some(SuppressionReason::TooFew),
        Some("complement") => Some(SuppressionReason::Complement),
        Some("secondary") => Some(SuppressionReason::Secondary),
        Some("dominance") => Some(SuppressionReason::Dominance),
        Some(other) => return Err(corrupt("suppression reason", other)),
    })
}

impl TryFrom<CellRow> for BenchmarkCell {
    type Error = StoreError;

    fn try_from(row: CellRow) -> Result<Self, StoreError> {
        let reason = reason_from_key(row.reason.as_deref())?;
        Ok(BenchmarkCell {
            metric: row.metric,
            n_band: row.n_band,
            suppressed: reason.is_some(),
            reason,
            p10: row.p10,
            p25: row.p25,
            p50: row.p50,
            p75: row.p75,
            p90: row.p90,
            mean: row.mean,
            share_band: row.share_band,
        })
    }
}

/// The contributors frozen at a period's release with their values, as the engine takes them.
async fn frozen_inputs(
    connection: &mut SqliteConnection,
    period: &str,
) -> Result<Vec<EngineOrg>, StoreError> {
    // Organisation id, its five attributes at release, a metric and its value.
    type InputRow = (i64, String, String, String, String, String, String, f64);
    let rows: Vec<InputRow> = sqlx::query_as(
        "SELECT c.org_id, c.seat_band, c.region, c.verticals, c.delivery, c.wfh_band, v.metric, v.value \
         FROM release_contributors c JOIN submission_values v ON v.submission_id = c.submission_id \
         WHERE c.period = ? ORDER BY c.org_id",
    )
    .bind(period)
    .fetch_all(&mut *connection)
    .await?;
    let mut orgs: Vec<EngineOrg> = Vec::new();
    let mut current_id = None;
    for (id, seat_band, region, verticals, delivery, wfh_band, metric, value) in rows {
        if current_id != Some(id) {
            current_id = Some(id);
            let org = org_from_row((
                id,
                String::new(),
                seat_band,
                region,
                verticals,
                delivery,
                wfh_band,
                None,
                String::new(),
            ))?;
            orgs.push(EngineOrg {
                attributes: Attributes {
                    seat_band: org.seat_band,
                    region: org.region,
                    verticals: org.verticals,
                    delivery: org.delivery,
                    wfh_band: org.wfh_band,
                },
                values: vec![None; CATALOGUE.len()],
            });
        }
        if let Some(index) = CATALOGUE.iter().position(|m| m.key == metric)
            && let Some(org) = orgs.last_mut()
        {
            org.values[index] = Some(value);
        }
    }
    Ok(orgs)
}

impl SqliteStore {
    async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(user_from_row).transpose()
    }
}

async fn insert_user(
    connection: &mut SqliteConnection,
    email: &str,
    name: &str,
    role: Role,
    org_id: Option<i64>,
    password_hash: &str,
) -> Result<User, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (email, name, role, org_id, password_hash) VALUES (?, ?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(role.key())
    .bind(org_id)
    .bind(password_hash)
    .fetch_one(&mut *connection)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            StoreError::Conflict(format!("an account with the email {email} already exists"))
        } else {
            error.into()
        }
    })?;
    let row: UserRow = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = ?"))
        .bind(id)
        .fetch_one(&mut *connection)
        .await?;
    user_from_row(row)
}

const STANDARD_COLUMNS: &str =
    "id, name, version, status, requirements, change_log, supersedes, published_at";

type StandardRow = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
);

fn standard_from_row(row: StandardRow) -> Result<shared::standard::Standard, StoreError> {
    use shared::standard::{Standard, StandardStatus};
    let (id, name, version, status, requirements, change_log, supersedes, published_at) = row;
    let status =
        StandardStatus::from_key(&status).ok_or_else(|| corrupt("standard status", &status))?;
    let requirements = serde_json::from_str(&requirements)
        .map_err(|e| StoreError::Corrupt(format!("requirements of standard #{id}: {e}")))?;
    Ok(Standard {
        id,
        name,
        version,
        status,
        requirements,
        change_log,
        supersedes,
        published_at,
    })
}

fn requirements_json(draft: &shared::standard::StandardDraft) -> Result<String, StoreError> {
    serde_json::to_string(&draft.requirements)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode requirements: {e}")))
}

/// Computes and stores the shares meeting each requirement of `standard` for one period, from
/// its frozen contributors and the reasons its stored cells are held back.
async fn insert_shares(
    connection: &mut SqliteConnection,
    period: &str,
    standard: &shared::standard::Standard,
    inputs: &[EngineOrg],
    held_back: impl Fn(CohortKey, usize) -> Option<SuppressionReason>,
    k: usize,
) -> Result<(), StoreError> {
    use crate::engine::ShareOutcome;
    let shares = crate::engine::compliance_shares(inputs, held_back, &standard.requirements, k);
    for share in shares {
        let (n_band, reason, band) = match &share.outcome {
            ShareOutcome::Published { n_band, share_band } => {
                (Some(n_band.as_str()), None, Some(*share_band))
            }
            ShareOutcome::Suppressed(reason) => (None, Some(reason_key(*reason)), None),
        };
        sqlx::query(
            "INSERT INTO standard_shares \
                 (period, standard_id, requirement, cohort, n_band, reason, share_band) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(period)
        .bind(standard.id)
        .bind(share.requirement as i64)
        .bind(share.cohort.to_string())
        .bind(n_band)
        .bind(reason)
        .bind(band)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// The standards a release of `period` stores shares for: the published ones, and any other
/// that already has shares for it (superseded since; only when a release is recomputed).
async fn standards_with_shares(
    connection: &mut SqliteConnection,
    period: &str,
) -> Result<Vec<shared::standard::Standard>, StoreError> {
    let rows: Vec<StandardRow> = sqlx::query_as(&format!(
        "SELECT {STANDARD_COLUMNS} FROM standards WHERE status = 'published' \
         OR id IN (SELECT standard_id FROM standard_shares WHERE period = ?)"
    ))
    .bind(period)
    .fetch_all(&mut *connection)
    .await?;
    rows.into_iter().map(standard_from_row).collect()
}

/// Stores a computed release: the cohorts' count bands, every cell, and the shares of each of
/// `standards`.
async fn insert_release_rows(
    connection: &mut SqliteConnection,
    period: &str,
    inputs: &[EngineOrg],
    result: &ReleaseResult,
    standards: &[shared::standard::Standard],
    k: usize,
) -> Result<(), StoreError> {
    for (cohort, band) in &result.cohort_bands {
        sqlx::query("INSERT INTO benchmark_cohorts (period, cohort, n_band) VALUES (?, ?, ?)")
            .bind(period)
            .bind(cohort.to_string())
            .bind(band)
            .execute(&mut *connection)
            .await?;
    }
    let insert_cell = format!(
        "INSERT INTO benchmark_cells (period, cohort, position, {CELL_COLUMNS}) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    );
    for cell in &result.cells {
        let query = sqlx::query(&insert_cell)
            .bind(period)
            .bind(cell.cohort.to_string())
            .bind(cell.metric as i64)
            .bind(&CATALOGUE[cell.metric].key);
        let query = match &cell.outcome {
            CellOutcome::Published(stats) => query
                .bind(&stats.n_band)
                .bind(None::<&str>)
                .bind(stats.p10)
                .bind(stats.p25)
                .bind(stats.p50)
                .bind(stats.p75)
                .bind(stats.p90)
                .bind(stats.mean)
                .bind(stats.share_band),
            CellOutcome::Suppressed(reason) => query
                .bind(None::<&str>)
                .bind(reason_key(*reason))
                .bind(None::<f64>)
                .bind(None::<f64>)
                .bind(None::<f64>)
                .bind(None::<f64>)
                .bind(None::<f64>)
                .bind(None::<f64>)
                .bind(None::<&str>),
        };
        query.execute(&mut *connection).await?;
    }
    for standard in standards {
        insert_shares(
            connection,
            period,
            standard,
            inputs,
            |cohort, metric| result.held_back(cohort, metric),
            k,
        )
        .await?;
    }
    Ok(())
}

/// Why each stored cell of a released period is held back (`None`: published), by cohort and
/// catalogue index.
async fn stored_reasons(
    connection: &mut SqliteConnection,
    period: &str,
) -> Result<HashMap<(CohortKey, usize), Option<SuppressionReason>>, StoreError> {
    let rows: Vec<(String, i64, Option<String>)> =
        sqlx::query_as("SELECT cohort, position, reason FROM benchmark_cells WHERE period = ?")
            .bind(period)
            .fetch_all(&mut *connection)
            .await?;
    rows.into_iter()
        .map(|(cohort, position, reason)| {
            let cohort: CohortKey = cohort.parse().map_err(|_| corrupt("cohort", &cohort))?;
            let position = usize::try_from(position)
                .map_err(|_| corrupt("position", &position.to_string()))?;
            Ok(((cohort, position), reason_from_key(reason.as_deref())?))
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct PracticeRow {
    id: i64,
    title: String,
    problem: String,
    solution: String,
    result: String,
    metrics: String,
    csf_categories: String,
    tier: String,
    attribution: String,
    status: String,
    author_org_id: Option<i64>,
    author_user_id: i64,
    author_name: String,
    moderation_comment: Option<String>,
    updated_at: String,
    published_at: Option<String>,
    adoptions: i64,
    adopted_by_viewer: bool,
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

/// Binds a practice's eight content columns, in the order the practice queries name them:
/// title, problem, solution, result, metrics, csf_categories, tier, attribution.
fn bind_draft<'q>(
    query: SqliteQuery<'q>,
    draft: &'q PracticeDraft,
) -> Result<SqliteQuery<'q>, StoreError> {
    let list = |list: &[String]| {
        serde_json::to_string(list)
            .map_err(|e| StoreError::Corrupt(format!("cannot encode a list: {e}")))
    };
    Ok(query
        .bind(draft.title.trim())
        .bind(&draft.problem)
        .bind(&draft.solution)
        .bind(&draft.result)
        .bind(list(&draft.metrics)?)
        .bind(list(&draft.csf_categories)?)
        .bind(draft.tier.key())
        .bind(draft.attribution.key()))
}

fn practice_from_row(row: PracticeRow) -> Result<StoredPractice, StoreError> {
    let list = |json: &str| {
        serde_json::from_str::<Vec<String>>(json)
            .map_err(|e| StoreError::Corrupt(format!("lists of practice #{}: {e}", row.id)))
    };
    let tier = Tier::from_key(&row.tier).ok_or_else(|| corrupt("tier", &row.tier))?;
    let attribution = Attribution::from_key(&row.attribution)
        .ok_or_else(|| corrupt("attribution", &row.attribution))?;
    let status = PracticeStatus::from_key(&row.status)
        .ok_or_else(|| corrupt("practice status", &row.status))?;
    Ok(StoredPractice {
        id: row.id,
        draft: PracticeDraft {
            metrics: list(&row.metrics)?,
            csf_categories: list(&row.csf_categories)?,
            title: row.title,
            problem: row.problem,
            solution: row.solution,
            result: row.result,
            tier,
            attribution,
        },
        status,
        author_org_id: row.author_org_id,
        author_user_id: row.author_user_id,
        author_name: row.author_name,
        moderation_comment: row.moderation_comment,
        adoptions: row.adoptions,
        adopted_by_viewer: row.adopted_by_viewer,
        updated_at: row.updated_at,
        published_at: row.published_at,
    })
}

impl SqliteStore {
    /// The `(status, version)` of a standard.
    /// True for a draft, false when there is no such standard; `Conflict` (with `refusal`)
    /// for a published or superseded one.
    async fn is_draft(
        connection: &mut SqliteConnection,
        id: i64,
        refusal: &str,
    ) -> Result<bool, StoreError> {
        match Self::standard_state(connection, id).await? {
            None => Ok(false),
            Some((status, _)) if status != "draft" => Err(StoreError::Conflict(format!(
                "standard #{id} is {status}: {refusal}"
            ))),
            Some(_) => Ok(true),
        }
    }

    async fn standard_state(
        connection: &mut SqliteConnection,
        id: i64,
    ) -> Result<Option<(String, i64)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT status, version FROM standards WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *connection)
                .await?,
        )
    }
}
