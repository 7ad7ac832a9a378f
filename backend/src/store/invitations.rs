//! Invitations: one-time links that create an account.

use async_trait::async_trait;
use shared::account::{InvitationInfo, TeamAccount, TeamInvitation, User};

use super::SqlStore;
use super::Write;
use super::users::insert_user;
use crate::store::rows::{
    AcceptedInvitationRow, InvitationRow, TeamAccountRow, TeamInvitationRow, role, try_all,
};
use crate::store::{NewInvitationRecord, StoreError};

/// Invitations, and the team they build.
#[async_trait]
pub trait InvitationStore {
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
}

#[async_trait]
impl InvitationStore for SqlStore {
    async fn create_invitation(
        &self,
        write: &mut Write,
        invitation: &NewInvitationRecord,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query(
            "INSERT INTO invitations (token_hash, email, role, org_id, client_id, invited_by, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&invitation.token_hash[..])
        .bind(&invitation.email)
        .bind(invitation.role.key())
        .bind(invitation.org_id)
        .bind(invitation.client_id)
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
            "SELECT i.email, i.role, i.org_id, o.name AS org_name, i.client_id, \
             c.name AS client_name, i.expires_at \
             FROM invitations i LEFT JOIN organisations o ON o.id = i.org_id \
             LEFT JOIN client_orgs c ON c.id = i.client_id \
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
             RETURNING email, role, org_id, client_id, invited_by",
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
            (invitation.org_id, invitation.client_id),
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
}
