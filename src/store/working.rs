//! The working copy of a draft: the editor's text, autosaved on every change whether or not it
//! parses. It is a scratch area, not history: it has no audit entries of its own, and
//! [`Workspace::save_working_copy_as_version`] turns it into the draft version (audited as an
//! edit) when the person is ready to submit.

use sqlx::Row;

use super::{Actor, Status, Workspace};
use crate::diag::Source;
use crate::error::Error;
use crate::policy;

/// The autosaved text of a draft and when it was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCopy {
    pub content: String,
    pub updated_at: String,
}

impl Workspace {
    pub async fn working_copy(
        &self,
        policy_id: &str,
        version: i64,
    ) -> Result<Option<WorkingCopy>, Error> {
        let row = sqlx::query(
            "SELECT content, updated_at FROM working_copies WHERE policy_id = ? AND version = ?",
        )
        .bind(policy_id)
        .bind(version)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(WorkingCopy {
                content: r.try_get(0)?,
                updated_at: r.try_get(1)?,
            })
        })
        .transpose()
    }

    /// Autosave: one statement, so the stored copy is the old text or the new one, never a mix.
    pub async fn set_working_copy(
        &self,
        policy_id: &str,
        version: i64,
        content: &str,
        now: &str,
    ) -> Result<(), Error> {
        let v = self.version(policy_id, Some(version)).await?;
        if v.status != Status::Draft {
            return Err(Error::Lifecycle(format!(
                "`{policy_id}` v{version} is {} and can no longer be edited; start a new draft",
                v.status.as_str().replace('_', " ")
            )));
        }
        sqlx::query(
            "INSERT INTO working_copies (policy_id, version, content, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(policy_id, version) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at",
        )
        .bind(policy_id)
        .bind(version)
        .bind(content)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Make the working copy the content of its draft version (an audited edit), then drop the
    /// working copy. Nothing changes when the copy does not parse or has no changes.
    pub async fn save_working_copy_as_version(
        &self,
        policy_id: &str,
        version: i64,
        actor: Actor<'_>,
    ) -> Result<(), Error> {
        let Some(wc) = self.working_copy(policy_id, version).await? else {
            return Ok(());
        };
        let v = self.version(policy_id, Some(version)).await?;
        if wc.content != v.content {
            let p = policy::parse(Source::new(
                format!("{policy_id} v{version} (draft)"),
                wc.content,
            ))
            .map_err(Error::Invalid)?;
            if p.id != policy_id || p.version != version {
                return Err(Error::Lifecycle(format!(
                    "the draft's text says it is `{}` v{}, but it is being saved as `{policy_id}` v{version}; put the id and version back",
                    p.id, p.version
                )));
            }
            self.import_policy(&p, false, actor).await?;
        }
        sqlx::query("DELETE FROM working_copies WHERE policy_id = ? AND version = ?")
            .bind(policy_id)
            .bind(version)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
