use async_trait::async_trait;
use shared::account::{
    ApiTokenInfo, InvitationInfo, NewOrganisation, Organisation, Role, TeamAccount, TeamInvitation,
    User,
};
use sqlx::AnyConnection;

use super::SqlStore;
use super::Write;
use super::dialect::{Dialect, Turn};
use crate::store::rows::{
    API_TOKENS_SELECT, AcceptedInvitationRow, ApiTokenRow, CredentialRow, Flag, InvitationRow,
    KNOWN_DEVICE_SELECT, ORG_COLUMNS, OrgRow, TeamAccountRow, TeamInvitationRow, TokenOwnerRow,
    USER_SELECT, UserRow, confirm_verification_sql, corrupt, email_conflict, org_conflict,
    propose_verification_sql, role, role_conflict, scopes_text, token_owner_sql, try_all,
};
use crate::store::{
    Credentials, LoginAttempt, NewInvitationRecord, NewTokenRecord, StoreError, TokenOwner,
};

/// Organisations, users, sessions, login throttling, invitations and API tokens.
#[async_trait]
pub trait AccountStore {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// A setting of the store itself (`store_settings`).
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;

    // Organisations.
    async fn create_org(
        &self,
        write: &mut Write,
        org: &NewOrganisation,
    ) -> Result<Organisation, StoreError>;
    async fn org(&self, id: i64) -> Result<Option<Organisation>, StoreError>;
    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError>;
    /// Records that user `by` proposes verifying the organisation; `None` when it does not
    /// exist, is verified, or has a proposal already.
    async fn propose_verification(
        &self,
        write: &mut Write,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError>;
    /// Confirms the pending proposal as user `by`, who did not propose it: the organisation is
    /// verified. `None` when there is no such pending proposal.
    async fn confirm_verification(
        &self,
        write: &mut Write,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError>;

    // Users and sessions.
    async fn user_count(&self) -> Result<i64, StoreError>;
    async fn create_user(
        &self,
        email: &str,
        name: &str,
        role: Role,
        org_id: Option<i64>,
        password_hash: &str,
    ) -> Result<User, StoreError>;
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError>;
    async fn password_hash(&self, user_id: i64) -> Result<Option<String>, StoreError>;
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    async fn set_role(
        &self,
        write: &mut Write,
        user_id: i64,
        role: Role,
    ) -> Result<Option<User>, StoreError>;
    /// Replaces the password and ends every session of the user.
    async fn set_password(
        &self,
        write: &mut Write,
        user_id: i64,
        password_hash: &str,
    ) -> Result<(), StoreError>;
    /// Stores a session, sweeping away those expired by `now`.
    async fn create_session(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    async fn session_user(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<User>, StoreError>;
    async fn delete_session(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
    ) -> Result<(), StoreError>;

    // Login throttling: an attempt is counted and recorded before the password is checked,
    // atomically per subject across every instance, so parallel attempts count each other.
    /// When every subject has fewer than its limit of attempts since `since`, records one at
    /// `now` against each and returns their ids; otherwise records nothing and returns the
    /// times (oldest first) of the attempts of the first subject at its limit.
    async fn begin_login_attempt(
        &self,
        subjects: &[(&str, usize)],
        now: i64,
        since: i64,
    ) -> Result<LoginAttempt, StoreError>;
    /// Forgets attempts that turned out not to be failures (refused unheard, or successful).
    async fn forget_login_attempts(&self, ids: &[i64]) -> Result<(), StoreError>;
    async fn clear_login_failures(&self, subject: &str) -> Result<(), StoreError>;
    /// Remembers a browser the user logged in from, until `expires_at`; forgets expired ones.
    async fn remember_device(
        &self,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// Whether the browser holding this device token has logged in to the account of `email`
    /// (lowercase) and is still remembered at `now`.
    async fn known_device(
        &self,
        token_hash: &[u8; 32],
        email: &str,
        now: i64,
    ) -> Result<bool, StoreError>;

    // Invitations.
    async fn create_invitation(
        &self,
        write: &mut Write,
        invitation: &NewInvitationRecord,
    ) -> Result<(), StoreError>;
    /// An invitation that is neither used nor expired.
    async fn invitation(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<InvitationInfo>, StoreError>;
    /// Creates the invited user and uses up the invitation, atomically; `None` when the
    /// invitation is unknown, used or expired.
    async fn accept_invitation(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
        name: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<User>, StoreError>;
    /// Every account of an organisation and every invitation into it, with who created each.
    async fn team(
        &self,
        org_id: i64,
    ) -> Result<(Vec<TeamAccount>, Vec<TeamInvitation>), StoreError>;

    // API tokens.
    /// Stores a token that expires at `expires_at` (Unix seconds).
    async fn create_api_token(
        &self,
        write: &mut Write,
        token: &NewTokenRecord,
    ) -> Result<i64, StoreError>;
    /// Every token of the organisation, newest first, with whether it works at `now`.
    async fn api_tokens(&self, org_id: i64, now: i64) -> Result<Vec<ApiTokenInfo>, StoreError>;
    /// Revokes a token of the organisation; false when there is no such active token.
    async fn revoke_api_token(
        &self,
        write: &mut Write,
        org_id: i64,
        token_id: i64,
    ) -> Result<bool, StoreError>;
    /// The owner of a token that works at `now` (not revoked, not expired, its creator still a
    /// member admin of its organisation), recording its use.
    async fn api_token_owner(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<TokenOwner>, StoreError>;
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM store_settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO store_settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn create_org(
        &self,
        write: &mut Write,
        org: &NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let verticals: Vec<&str> = org.verticals.iter().map(|v| v.key()).collect();
        let tx = &mut *write.tx;
        let row: OrgRow = sqlx::query_as(&format!(
            "INSERT INTO organisations \
                 (name, seat_band, region, verticals, delivery, wfh_band, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, {now}) RETURNING {ORG_COLUMNS}",
            now = self.dialect.now()
        ))
        .bind(&org.name)
        .bind(org.seat_band.key())
        .bind(org.region.key())
        .bind(verticals.join(","))
        .bind(org.delivery.key())
        .bind(org.wfh_band.key())
        .fetch_one(&mut *tx)
        .await
        .map_err(|error| org_conflict(error, &org.name))?;
        let created = Organisation::try_from(row)?;
        Ok(created)
    }

    async fn org(&self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let order = self.dialect.bytewise("lower(name)");
        let rows: Vec<OrgRow> = sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations ORDER BY {order}"
        ))
        .fetch_all(&self.pool)
        .await?;
        try_all(rows)
    }

    async fn propose_verification(
        &self,
        write: &mut Write,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError> {
        self.verification_step(write, &propose_verification_sql(self.dialect.now()), id, by)
            .await
    }

    async fn confirm_verification(
        &self,
        write: &mut Write,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError> {
        self.verification_step(write, &confirm_verification_sql(self.dialect.now()), id, by)
            .await
    }

    async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
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
        insert_user(
            &mut connection,
            self.dialect,
            email,
            name,
            role,
            org_id,
            password_hash,
        )
        .await
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let row: Option<CredentialRow> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE lower(email) = lower($1)")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        let Some(CredentialRow { id, password_hash }) = row else {
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
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let order = self.dialect.bytewise("lower(u.email)");
        let rows: Vec<UserRow> = sqlx::query_as(&format!("{USER_SELECT} ORDER BY {order}"))
            .fetch_all(&self.pool)
            .await?;
        try_all(rows)
    }

    async fn set_role(
        &self,
        write: &mut Write,
        user_id: i64,
        role: Role,
    ) -> Result<Option<User>, StoreError> {
        let tx = &mut *write.tx;
        let updated = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.key())
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(role_conflict)?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        // API tokens end with their creator's rights, for good: a later promotion does not
        // bring them back.
        if role != Role::MemberAdmin {
            sqlx::query(&format!(
                "UPDATE api_tokens SET revoked_at = {} \
                 WHERE created_by = $1 AND revoked_at IS NULL",
                self.dialect.now()
            ))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        let row: UserRow = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        let user = User::try_from(row)?;
        Ok(Some(user))
    }

    async fn set_password(
        &self,
        write: &mut Write,
        user_id: i64,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    async fn create_session(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        // Logins are rare enough to sweep expired sessions away here.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(&token_hash[..])
            .bind(user_id)
            .bind(expires_at)
            .execute(&mut *tx)
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
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn delete_session(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&token_hash[..])
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    async fn begin_login_attempt(
        &self,
        subjects: &[(&str, usize)],
        now: i64,
        since: i64,
    ) -> Result<LoginAttempt, StoreError> {
        let mut tx = self.begin_write().await?;
        // One attempt per subject at a time, on every instance (in one order: no deadlock).
        let mut locked: Vec<&str> = subjects.iter().map(|(subject, _)| *subject).collect();
        locked.sort_unstable();
        for subject in locked {
            self.dialect
                .take_turn(&mut tx, Turn::Subject(subject))
                .await?;
        }
        for &(subject, limit) in subjects {
            let times: Vec<i64> = sqlx::query_scalar(
                "SELECT at FROM login_failures WHERE subject = $1 AND at >= $2 ORDER BY at",
            )
            .bind(subject)
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            if times.len() >= limit {
                return Ok(LoginAttempt::Refused { times, limit });
            }
        }
        let mut ids = Vec::with_capacity(subjects.len());
        for &(subject, _) in subjects {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO login_failures (subject, at) VALUES ($1, $2) RETURNING id",
            )
            .bind(subject)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        // Attempts older than a day no longer matter to any limit.
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - 86_400)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(LoginAttempt::Allowed(ids))
    }

    async fn forget_login_attempts(&self, ids: &[i64]) -> Result<(), StoreError> {
        for id in ids {
            sqlx::query("DELETE FROM login_failures WHERE id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn clear_login_failures(&self, subject: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn remember_device(
        &self,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM known_devices WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO known_devices (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(&token_hash[..])
        .bind(user_id)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }

    async fn known_device(
        &self,
        token_hash: &[u8; 32],
        email: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let known: Flag = sqlx::query_scalar(KNOWN_DEVICE_SELECT)
            .bind(&token_hash[..])
            .bind(email)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(known.0)
    }

    async fn create_invitation(
        &self,
        write: &mut Write,
        invitation: &NewInvitationRecord,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query(
            "INSERT INTO invitations (token_hash, email, role, org_id, invited_by, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&invitation.token_hash[..])
        .bind(&invitation.email)
        .bind(invitation.role.key())
        .bind(invitation.org_id)
        .bind(invitation.invited_by)
        .bind(invitation.expires_at)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn invitation(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<InvitationInfo>, StoreError> {
        let row: Option<InvitationRow> = sqlx::query_as(
            "SELECT i.email, i.role, i.org_id, o.name AS org_name, i.expires_at \
             FROM invitations i LEFT JOIN organisations o ON o.id = i.org_id \
             WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn accept_invitation(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
        name: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<User>, StoreError> {
        let tx = &mut *write.tx;
        // Using the invitation first takes the write lock, so a token works exactly once.
        let row: Option<AcceptedInvitationRow> = sqlx::query_as(&format!(
            "UPDATE invitations SET accepted_at = {now} \
             WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2 \
             RETURNING email, role, org_id, invited_by",
            now = self.dialect.now()
        ))
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(invitation) = row else {
            return Ok(None);
        };
        let role = role(&invitation.role)?;
        let user = insert_user(
            tx,
            self.dialect,
            &invitation.email,
            name,
            role,
            invitation.org_id,
            password_hash,
        )
        .await?;
        sqlx::query("UPDATE users SET invited_by = $1 WHERE id = $2")
            .bind(invitation.invited_by)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        Ok(Some(user))
    }

    async fn team(
        &self,
        org_id: i64,
    ) -> Result<(Vec<TeamAccount>, Vec<TeamInvitation>), StoreError> {
        // The inviter's organisation decides whether they came from outside.
        let accounts: Vec<TeamAccountRow> = sqlx::query_as(
            "SELECT u.name, u.email, u.role, u.created_at, i.email AS invited_by, \
                    (i.id IS NOT NULL AND i.org_id IS DISTINCT FROM u.org_id) \
                        AS invited_from_outside \
             FROM users u LEFT JOIN users i ON i.id = u.invited_by \
             WHERE u.org_id = $1 ORDER BY u.id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        let invitations: Vec<TeamInvitationRow> = sqlx::query_as(
            "SELECT v.email, v.role, i.email AS invited_by, \
                    (i.org_id IS DISTINCT FROM v.org_id) AS invited_from_outside, \
                    v.expires_at, v.accepted_at \
             FROM invitations v JOIN users i ON i.id = v.invited_by \
             WHERE v.org_id = $1 ORDER BY v.expires_at DESC",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok((try_all(accounts)?, try_all(invitations)?))
    }

    async fn create_api_token(
        &self,
        write: &mut Write,
        token: &NewTokenRecord,
    ) -> Result<i64, StoreError> {
        let tx = &mut *write.tx;
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO api_tokens \
                     (org_id, created_by, name, token_hash, scopes, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, {now}) RETURNING id",
            now = self.dialect.now()
        ))
        .bind(token.org_id)
        .bind(token.created_by)
        .bind(&token.name)
        .bind(&token.token_hash[..])
        .bind(scopes_text(&token.scopes))
        .bind(token.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        Ok(id)
    }

    async fn api_tokens(&self, org_id: i64, now: i64) -> Result<Vec<ApiTokenInfo>, StoreError> {
        let rows: Vec<ApiTokenRow> = sqlx::query_as(API_TOKENS_SELECT)
            .bind(now)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        try_all(rows)
    }

    async fn revoke_api_token(
        &self,
        write: &mut Write,
        org_id: i64,
        token_id: i64,
    ) -> Result<bool, StoreError> {
        let tx = &mut *write.tx;
        let result = sqlx::query(&format!(
            "UPDATE api_tokens SET revoked_at = {now} \
             WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL",
            now = self.dialect.now()
        ))
        .bind(token_id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() != 1 {
            return Ok(false);
        }
        Ok(true)
    }

    async fn api_token_owner(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<TokenOwner>, StoreError> {
        let row: Option<TokenOwnerRow> = sqlx::query_as(&token_owner_sql(self.dialect.now()))
            .bind(&token_hash[..])
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TokenOwner::try_from).transpose()
    }
}

impl SqlStore {
    async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }
}

async fn insert_user(
    connection: &mut AnyConnection,
    dialect: Dialect,
    email: &str,
    name: &str,
    role: Role,
    org_id: Option<i64>,
    password_hash: &str,
) -> Result<User, StoreError> {
    let id: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO users (email, name, role, org_id, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, {now}) RETURNING id",
        now = dialect.now()
    ))
    .bind(email)
    .bind(name)
    .bind(role.key())
    .bind(org_id)
    .bind(password_hash)
    .fetch_one(&mut *connection)
    .await
    .map_err(|error| email_conflict(error, email))?;
    let row: UserRow = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_one(&mut *connection)
        .await?;
    row.try_into()
}

impl SqlStore {
    /// One step of a verification (`sql`: `$1` the organisation, `$2` the user).
    async fn verification_step(
        &self,
        write: &mut Write,
        sql: &str,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError> {
        let tx = &mut *write.tx;
        let row: Option<OrgRow> = sqlx::query_as(sql)
            .bind(id)
            .bind(by)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let org = Organisation::try_from(row)?;
        Ok(Some(org))
    }
}
