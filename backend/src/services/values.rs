//! Members' raw values: the one reader of an organisation's submissions. Every read is written
//! to the audit log first, under the organisation, where its member admins see it
//! (`GET /api/v1/org/team`); if the entry cannot be written, the values are not read.

use shared::Period;

use crate::events::Audit;
use crate::store::{AuditRecord, Store, StoreError, StoredSubmission};

/// Who reads an organisation's values: one of its members, one of its API tokens, or the
/// notification worker writing to its members.
#[derive(Debug, Clone)]
pub struct Reader {
    pub org_id: i64,
    /// How the audit log names the reader.
    pub label: String,
}

impl Reader {
    /// The organisation's latest submission for `period`, read for `purpose`.
    pub async fn own_submission(
        &self,
        store: &dyn Store,
        period: Period,
        purpose: &str,
    ) -> Result<Option<StoredSubmission>, StoreError> {
        let mut read = self.own_submissions(store, &[period], purpose).await?;
        Ok(read.pop().flatten())
    }

    /// The organisation's latest submissions for `periods`, in that order, read for `purpose`
    /// under one audit entry.
    pub async fn own_submissions(
        &self,
        store: &dyn Store,
        periods: &[Period],
        purpose: &str,
    ) -> Result<Vec<Option<StoredSubmission>>, StoreError> {
        let quarters: Vec<String> = periods.iter().map(Period::to_string).collect();
        store
            .audit(AuditRecord {
                actor: self.label.clone(),
                action: Audit::ValuesRead,
                target: format!("organisation #{}, {}", self.org_id, quarters.join(", ")),
                detail: purpose.to_owned(),
                org_id: Some(self.org_id),
                event: None,
            })
            .await?;
        let mut read = Vec::with_capacity(periods.len());
        for &period in periods {
            read.push(store.submission(self.org_id, period).await?);
        }
        Ok(read)
    }
}
