//! The review and publishing side of the app: submit, approve, publish, export, trusted keys,
//! new drafts, the version history and the audit log, each recorded by who acts.

use std::path::Path;

use leadpolicy::ErrorCode;
use leadpolicy::policy;
use leadpolicy::replay;
use leadpolicy::store::actor::now;
use leadpolicy::store::lifecycle::parse_version;
use leadpolicy::store::{Actor, Status, audit};

use crate::error::{AppError, AppResult};
use crate::session::{App, Session, parse_draft};
use crate::views::*;

impl App {
    /// The review screen: diff against the published version, guardrails on the recorded
    /// replay, the approval, and what can happen next.
    pub async fn review(&self) -> AppResult<ReviewView> {
        review_of(&*self.lock().await?).await
    }

    /// Save the working copy as the draft version, record its replay on the loaded dataset,
    /// and submit it for review.
    pub async fn submit(&self, actor: &str) -> AppResult<ReviewView> {
        let actor = name(actor)?;
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let now = now();
            let who = Actor {
                user: &actor,
                now: &now,
            };
            let v = s.open_version().await?.ok_or_else(|| {
                AppError::new(ErrorCode::Lifecycle, "There is no open draft to submit.")
            })?;
            let ds = s.dataset.clone().ok_or_else(|| {
                AppError::new(
                    ErrorCode::Usage,
                    "Load a dataset first: a draft is submitted with its replay.",
                )
            })?;
            let mapping = ds.mapping_path.clone();
            if v.status == Status::Draft {
                s.ws.save_working_copy_as_version(&s.policy_id, v.version, who)
                    .await?;
            }
            // The replay on record is of every lead (the guardrails judge it), with the
            // conversion window in use; the cohort bar narrows what is looked at, not this.
            let every_lead = replay::Options {
                window: s.options.window,
                ..Default::default()
            };
            s.ws.record_replay_on(&s.policy_id, v.version, ds, &mapping, &every_lead, who)
                .await?;
            s.ws.submit(&s.policy_id, v.version, who).await?;
            review_of(s).await
        }
    }

    pub async fn approve(
        &self,
        actor: &str,
        note: &str,
        override_note: Option<&str>,
    ) -> AppResult<ReviewView> {
        let actor = name(actor)?;
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let now = now();
            let v = s.open_version().await?.ok_or_else(|| {
                AppError::new(ErrorCode::Lifecycle, "There is no version in review.")
            })?;
            let override_note = override_note.map(str::trim).filter(|n| !n.is_empty());
            s.ws.approve(
                &s.policy_id,
                v.version,
                note,
                override_note,
                Actor {
                    user: &actor,
                    now: &now,
                },
            )
            .await?;
            review_of(s).await
        }
    }

    pub async fn publish(&self, actor: &str) -> AppResult<ReviewView> {
        let actor = name(actor)?;
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let now = now();
            let v = s.open_version().await?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::Lifecycle,
                    "There is no approved version to publish.",
                )
            })?;
            s.ws.publish(
                &s.policy_id,
                v.version,
                Actor {
                    user: &actor,
                    now: &now,
                },
            )
            .await?;
            s.last = None;
            review_of(s).await
        }
    }

    /// Export the newest approved or published version to `path` (chosen in the save dialog),
    /// with its manifest next to it.
    /// The signing key of this workspace and the keys it trusts.
    pub async fn keys(&self) -> AppResult<KeysView> {
        let s = self.lock().await?;
        Ok(s.ws.trusted_keys().await?.into())
    }

    /// Trust a public key to sign the exports this workspace imports.
    pub async fn trust_key(&self, actor: &str, key: &str, name_of: &str) -> AppResult<KeysView> {
        let actor = name(actor)?;
        let key = leadpolicy::store::signing::PublicKey::parse(key)?;
        let s = self.lock().await?;
        let now = now();
        s.ws.trust(
            &key,
            name_of,
            Actor {
                user: &actor,
                now: &now,
            },
        )
        .await?;
        Ok(s.ws.trusted_keys().await?.into())
    }

    pub async fn export_policy(&self, actor: &str, path: &Path) -> AppResult<ExportView> {
        let actor = name(actor)?;
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let now = now();
            let versions = s.ws.versions().await?;
            let v = versions
                .iter()
                .filter(|v| v.policy_id == s.policy_id)
                .filter(|v| matches!(v.status, Status::Approved | Status::Published))
                .max_by_key(|v| v.version)
                .ok_or_else(|| {
                    AppError::new(ErrorCode::Lifecycle, "Nothing is approved yet; only approved or published versions are exported.")
                })?;
            // The compiled SQL goes beside the policy, over a leads table shaped like the
            // loaded dataset; a policy the compiler refuses is exported without it, and says why.
            let (views, sql_note) = match (&s.dataset, &s.mapping) {
                (Some(ds), Some(mapping)) => {
                    let compiled =
                        leadpolicy::dataset::mapping::Mapping::load(mapping).and_then(|m| {
                            let p = parse_version(v)?;
                            leadpolicy::store::export::SqlView::for_policy(
                                &p,
                                &leadpolicy::sql::Target {
                                    ds,
                                    mapping: &m,
                                    leads_table: "leads",
                                    outcomes_table: "outcomes",
                                },
                            )
                        });
                    match compiled {
                        Ok(views) => (views, None),
                        Err(e) => (Vec::new(), Some(format!("Exported without SQL: {e}"))),
                    }
                }
                _ => (
                    Vec::new(),
                    Some("Exported without SQL: no dataset is loaded.".into()),
                ),
            };
            let out =
                s.ws.export_to(
                    &s.policy_id,
                    v.version,
                    path,
                    Actor {
                        user: &actor,
                        now: &now,
                    },
                    &views,
                )
                .await?;
            Ok(ExportView {
                policy_path: out.policy.display().to_string(),
                manifest_path: out.manifest.display().to_string(),
                sha256: out.sha256,
                sql_paths: out.sql.iter().map(|p| p.display().to_string()).collect(),
                sql_note,
            })
        }
    }

    /// A new draft from the published version (the next version number).
    pub async fn new_draft(&self, actor: &str) -> AppResult<Workbench> {
        let actor = name(actor)?;
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            if let Some(v) = s.open_version().await? {
                return Err(AppError::new(
                    ErrorCode::Lifecycle,
                    format!(
                        "v{} is still {}; finish it before starting another draft.",
                        v.version,
                        status_words(v.status)
                    ),
                ));
            }
            let published = s.published().await?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::Lifecycle,
                    "Nothing is published to start a draft from.",
                )
            })?;
            let p = parse_version(&published)?;
            let next =
                s.ws.versions()
                    .await?
                    .iter()
                    .filter(|v| v.policy_id == s.policy_id)
                    .map(|v| v.version)
                    .max()
                    .unwrap_or(published.version)
                    + 1;
            let span = p.version_span.clone().ok_or_else(|| {
                AppError::new(
                    ErrorCode::Usage,
                    "The published policy has no version number to count on from.",
                )
            })?;
            let mut text = published.content.clone();
            text.replace_range(span, &next.to_string());
            let draft = parse_draft(&text, next)?;
            let now = now();
            s.ws.import_policy(
                &draft,
                false,
                Actor {
                    user: &actor,
                    now: &now,
                },
            )
            .await?;
        }
        self.workbench().await
    }

    pub async fn versions(&self) -> AppResult<Vec<VersionInfo>> {
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let versions = s.ws.versions().await?;
            Ok(versions
                .iter()
                .filter(|v| v.policy_id == s.policy_id)
                .map(VersionInfo::from)
                .collect())
        }
    }

    pub async fn compare_versions(&self, from: i64, to: i64) -> AppResult<Vec<ChangeView>> {
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let a = parse_version(&s.ws.version(&s.policy_id, Some(from)).await?)?;
            let b = parse_version(&s.ws.version(&s.policy_id, Some(to)).await?)?;
            Ok(policy::diff::diff(&a, &b)
                .iter()
                .map(ChangeView::from)
                .collect())
        }
    }

    pub async fn audit(&self) -> AppResult<AuditView> {
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let entries = s.ws.log().await?;
            let (verified, message) = match audit::verify(&entries) {
                Ok(n) => (
                    true,
                    format!("Chain verified: {n} entries, none changed, none missing."),
                ),
                Err(b) => (
                    false,
                    format!("The log does not verify at entry {}: {}", b.seq, b.problem),
                ),
            };
            Ok(AuditView {
                entries: entries
                    .iter()
                    .rev()
                    .map(|e| AuditRow {
                        seq: e.seq,
                        at: e.at.clone(),
                        actor: e.actor.clone(),
                        action: e.action.clone(),
                        version: e.version,
                        detail: e.detail.to_string(),
                    })
                    .collect(),
                verified,
                message,
            })
        }
    }
}

fn name(actor: &str) -> AppResult<String> {
    let a = actor.trim();
    if a.is_empty() {
        return Err(AppError::new(
            ErrorCode::Usage,
            "Type your name in \"You are\" at the top first: every action is signed.",
        ));
    }
    Ok(a.to_string())
}

async fn review_of(s: &Session) -> AppResult<ReviewView> {
    let published = s.published().await?;
    let open = s.open_version().await?;
    let mut changes = Vec::new();
    let mut guardrails = Vec::new();
    let mut replay_recorded = false;
    let mut approval = None;
    if let Some(v) = &open {
        if let Some(p) = &published {
            let (text, _) = s.text_of(v).await?;
            if let (Ok(old), Ok(new)) = (parse_version(p), parse_draft(&text, v.version)) {
                changes = policy::diff::diff(&old, &new)
                    .iter()
                    .map(ChangeView::from)
                    .collect();
            }
        }
        if let Some(r) = s.ws.current_replay(v).await? {
            replay_recorded = true;
            guardrails =
                s.ws.guardrails(&r)
                    .await?
                    .iter()
                    .map(GuardrailView::from)
                    .collect();
        }
        approval =
            s.ws.approval(&s.policy_id, v.version)
                .await?
                .map(|a| ApprovalView {
                    reviewer: a.reviewer,
                    note: a.note,
                    override_note: a.override_note,
                    at: a.approved_at,
                });
    }
    let status = open.as_ref().map(|v| v.status);
    let blocked = guardrails.iter().any(|g| g.blocked);
    let next_step = match (&open, status) {
        (None, _) => {
            "Published. Export it for the routing system, or start a new draft.".to_string()
        }
        (Some(v), Some(Status::Draft)) => format!(
            "v{} is a draft. When the replay looks right, submit it for review; a colleague then approves it.",
            v.version
        ),
        (Some(v), Some(Status::InReview)) => format!(
            "v{} is in review by someone other than {}: read the changes and the guardrails, then approve with a note{}.",
            v.version,
            v.author,
            if blocked {
                " (a guardrail blocks: write an override note explaining why)"
            } else {
                ""
            }
        ),
        (Some(v), Some(Status::Approved)) => format!(
            "v{} is approved. Publish it to make it the baseline, and export it for the routing system.",
            v.version
        ),
        (Some(v), _) => format!("v{} is {}.", v.version, status_words(v.status)),
    };
    // Exportable: the newest approved version, or the published one if it was reviewed (the
    // seeded baseline has no approval, hence no evidence to export with).
    let mut exportable =
        s.ws.versions()
            .await?
            .iter()
            .any(|v| v.policy_id == s.policy_id && v.status == Status::Approved);
    if let Some(p) = &published {
        exportable |= s.ws.approval(&s.policy_id, p.version).await?.is_some();
    }
    Ok(ReviewView {
        draft: open.as_ref().map(VersionInfo::from),
        published: published.as_ref().map(VersionInfo::from),
        changes,
        guardrails,
        replay_recorded,
        approval,
        can_submit: status == Some(Status::Draft),
        can_approve: status == Some(Status::InReview),
        can_publish: status == Some(Status::Approved),
        can_export: exportable,
        next_step,
    })
}
