//! The best-practice library: practices as submitted, moderated and adopted.

use async_trait::async_trait;
use shared::practice::{PracticeDraft, PracticeStatus};

use super::SqlStore;
use super::Write;
use crate::store::rows::{
    DraftColumns, PRACTICE_ORDER, PRACTICE_SELECT, PracticeParam, PracticeRow, practice_filter,
    try_all,
};
use crate::store::{PracticeAuthor, PracticeSelection, StoreError, StoredPractice};

/// The best-practice library.
#[async_trait]
pub trait PracticeStore {
    /// Stores a new practice as submitted and returns its id.
    async fn create_practice(
        &self,
        write: &mut Write,
        draft: &PracticeDraft,
        author: PracticeAuthor,
    ) -> Result<i64, StoreError>;
    /// Replaces a practice's content and submits it again; `Conflict` once published.
    async fn update_practice(
        &self,
        write: &mut Write,
        id: i64,
        draft: &PracticeDraft,
    ) -> Result<(), StoreError>;
    /// Publishes or returns a submitted practice; `Conflict` unless it is submitted.
    async fn moderate_practice(
        &self,
        write: &mut Write,
        id: i64,
        status: PracticeStatus,
        comment: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Newest first; `viewer_org` decides `adopted_by_viewer`.
    async fn practices(
        &self,
        selection: PracticeSelection,
        viewer_org: Option<i64>,
    ) -> Result<Vec<StoredPractice>, StoreError>;
    async fn set_adoption(
        &self,
        practice_id: i64,
        org_id: i64,
        adopted: bool,
    ) -> Result<(), StoreError>;
}

#[async_trait]
impl PracticeStore for SqlStore {
    async fn create_practice(
        &self,
        write: &mut Write,
        draft: &PracticeDraft,
        author: PracticeAuthor,
    ) -> Result<i64, StoreError> {
        let tx = &mut *write.tx;
        let d = DraftColumns::try_from(draft)?;
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO practices (title, problem, solution, result, metrics, csf_categories, \
             tier, attribution, status, author_org_id, author_user_id, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', $9, $10, {now}) RETURNING id",
            now = self.dialect.now()
        ))
        .bind(d.title)
        .bind(d.problem)
        .bind(d.solution)
        .bind(d.result)
        .bind(d.metrics)
        .bind(d.csf_categories)
        .bind(d.tier)
        .bind(d.attribution)
        .bind(author.org_id)
        .bind(author.user_id)
        .fetch_one(&mut *tx)
        .await?;
        Ok(id)
    }

    async fn update_practice(
        &self,
        write: &mut Write,
        id: i64,
        draft: &PracticeDraft,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        let d = DraftColumns::try_from(draft)?;
        let updated = sqlx::query(&format!(
            "UPDATE practices SET title = $1, problem = $2, solution = $3, result = $4, \
             metrics = $5, csf_categories = $6, tier = $7, attribution = $8, \
             status = 'submitted', updated_at = {now} \
             WHERE id = $9 AND status != 'published'",
            now = self.dialect.now()
        ))
        .bind(d.title)
        .bind(d.problem)
        .bind(d.solution)
        .bind(d.result)
        .bind(d.metrics)
        .bind(d.csf_categories)
        .bind(d.tier)
        .bind(d.attribution)
        .bind(id)
        .execute(&mut *tx)
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
        write: &mut Write,
        id: i64,
        status: PracticeStatus,
        comment: Option<&str>,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        let updated = sqlx::query(&format!(
            "UPDATE practices SET status = $1, moderation_comment = $2, \
             published_at = CASE WHEN $1 = 'published' THEN {now} END \
             WHERE id = $3 AND status = 'submitted'",
            now = self.dialect.now()
        ))
        .bind(status.key())
        .bind(comment)
        .bind(id)
        .execute(&mut *tx)
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
        let (condition, param) = practice_filter(selection);
        let sql = format!("{PRACTICE_SELECT} WHERE {condition} {PRACTICE_ORDER}");
        let query = sqlx::query_as(&sql).bind(viewer_org);
        let query = match param {
            PracticeParam::Id(id) => query.bind(id),
            PracticeParam::Status(status) => query.bind(status),
        };
        let rows: Vec<PracticeRow> = query.fetch_all(&self.pool).await?;
        try_all(rows)
    }

    async fn set_adoption(
        &self,
        practice_id: i64,
        org_id: i64,
        adopted: bool,
    ) -> Result<(), StoreError> {
        let query = if adopted {
            format!(
                "INSERT INTO practice_adoptions (practice_id, org_id, adopted_at) \
                 VALUES ($1, $2, {now}) ON CONFLICT DO NOTHING",
                now = self.dialect.now()
            )
        } else {
            "DELETE FROM practice_adoptions WHERE practice_id = $1 AND org_id = $2".to_owned()
        };
        sqlx::query(&query)
            .bind(practice_id)
            .bind(org_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
