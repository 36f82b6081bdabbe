//! The lifecycle of a policy version: draft → in review → approved → published (→ retired when
//! superseded). Every transition checks its preconditions, changes the state and appends its
//! audit entry in one transaction; an illegal transition is an error and changes nothing.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::{Sqlite, SqliteRow};

use super::{Actor, Status, Workspace, audit, dataset_hash};
use crate::dataset::Dataset;
use crate::dataset::cohort::CohortInfo;
use crate::diag::Source;
use crate::error::Error;
use crate::policy::{self, Policy};
use crate::replay::{self, Metrics, Replay};

/// A limit that blocks approval when the draft, on its recorded replay, is worse than the
/// baseline by more than the setting allows — unless the reviewer writes an override note.
#[derive(Debug, Clone, Copy)]
pub struct Guardrail {
    pub key: &'static str,
    pub label: &'static str,
    /// The default stance favours clean handoffs over raw volume: no worsening at all.
    pub default: f64,
}

pub const GUARDRAILS: [Guardrail; 3] = [
    Guardrail {
        key: "max_later_converted_increase",
        label: "leads not sent to sales that converted anyway",
        default: 0.0,
    },
    Guardrail {
        key: "max_low_fit_handoffs_increase",
        label: "low-fit handoffs (sent back or no-show)",
        default: 0.0,
    },
    Guardrail {
        key: "max_seller_acceptance_drop",
        label: "seller acceptance (limit as a share: 0.02 = 2 points)",
        default: 0.0,
    },
];

/// One guardrail evaluated on a replay.
#[derive(Debug, Clone, Serialize)]
pub struct GuardrailResult {
    pub key: &'static str,
    pub label: &'static str,
    pub limit: f64,
    pub baseline: Option<f64>,
    pub draft: Option<f64>,
    /// How much worse the draft is (positive = worse); `None` when not available.
    pub worsening: Option<f64>,
    pub blocked: bool,
}

impl GuardrailResult {
    /// "low-fit handoffs … rises by 158 (limit 0)"; seller acceptance in points.
    pub fn describe(&self) -> String {
        let w = self.worsening.unwrap_or(0.0);
        if self.key == "max_seller_acceptance_drop" {
            format!(
                "{} drops by {:.1} points (limit {:.1})",
                self.label,
                w * 100.0,
                self.limit * 100.0
            )
        } else {
            format!(
                "{} rises by {} (limit {})",
                self.label,
                crate::format_number(w),
                crate::format_number(self.limit)
            )
        }
    }
}

/// The guardrails of `draft` against `baseline`, with `limits` in [`GUARDRAILS`] order.
pub fn check_guardrails(
    baseline: &Metrics,
    draft: &Metrics,
    limits: &[f64; 3],
) -> Vec<GuardrailResult> {
    GUARDRAILS
        .iter()
        .zip(limits)
        .map(|(g, &limit)| {
            let (b, d, worse_when_up) = match g.key {
                "max_later_converted_increase" => (
                    baseline.later_converted.map(|x| x as f64),
                    draft.later_converted.map(|x| x as f64),
                    true,
                ),
                "max_low_fit_handoffs_increase" => (
                    baseline.low_fit_handoffs.map(|x| x as f64),
                    draft.low_fit_handoffs.map(|x| x as f64),
                    true,
                ),
                _ => (baseline.seller_acceptance, draft.seller_acceptance, false),
            };
            let worsening = b
                .zip(d)
                .map(|(b, d)| if worse_when_up { d - b } else { b - d });
            GuardrailResult {
                key: g.key,
                label: g.label,
                limit,
                baseline: b,
                draft: d,
                worsening,
                // A tiny epsilon keeps float noise in rates from blocking a zero-limit check.
                blocked: worsening.is_some_and(|w| w > limit + 1e-12),
            }
        })
        .collect()
}

/// A stored version.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub policy_id: String,
    pub version: i64,
    pub status: Status,
    pub sha256: String,
    pub author: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip)]
    pub content: String,
}

/// A recorded approval.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Approval {
    pub reviewer: String,
    pub note: String,
    pub override_note: Option<String>,
    pub approved_at: String,
}

/// A replay on record: which content, against which baseline, on which data, with what result.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayRecord {
    pub id: i64,
    pub sha256: String,
    pub baseline_version: Option<i64>,
    pub baseline_sha256: Option<String>,
    pub dataset_name: String,
    pub dataset_sha256: String,
    pub baseline: Metrics,
    pub draft: Metrics,
    /// The leads it covered (every lead for replays recorded before cohorts existed).
    pub cohort: CohortInfo,
    pub created_at: String,
}

fn version_of(r: &SqliteRow) -> Result<Version, Error> {
    let status: String = r.try_get("status")?;
    Ok(Version {
        policy_id: r.try_get("policy_id")?,
        version: r.try_get("version")?,
        status: status.parse()?,
        sha256: r.try_get("sha256")?,
        author: r.try_get("author")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        content: r.try_get("content")?,
    })
}

/// `SELECT <every version column> FROM versions <tail>`, as one static SQL string.
macro_rules! select_versions {
    ($tail:literal) => {
        concat!(
            "SELECT policy_id, version, status, sha256, author, created_at, updated_at, content FROM versions ",
            $tail
        )
    };
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub policy_id: String,
    pub version: i64,
    pub status: Status,
    /// `import`, `edit` (a draft's content replaced), `new_version` (an edit of a version that
    /// had left draft, stored as the next draft) or `unchanged`.
    pub action: &'static str,
}

/// Parse a version's stored content as a policy (for replays, diffs and exports).
pub fn parse_version(v: &Version) -> Result<Policy, Error> {
    let label = format!("{} v{} (workspace)", v.policy_id, v.version);
    policy::parse(Source::new(label, v.content.clone())).map_err(Error::Invalid)
}

fn illegal(v: &Version, action: &str, needs: &str) -> Error {
    Error::Lifecycle(format!(
        "cannot {action} `{}` v{}: it is {}, and {action} needs {needs}",
        v.policy_id,
        v.version,
        v.status.as_str().replace('_', " ")
    ))
}

impl Workspace {
    /// Every version, by policy and version.
    pub async fn versions(&self) -> Result<Vec<Version>, Error> {
        let sql = select_versions!("ORDER BY policy_id, version");
        let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
        rows.iter().map(version_of).collect()
    }

    /// One version; `None` as version means the latest.
    pub async fn version(&self, policy_id: &str, version: Option<i64>) -> Result<Version, Error> {
        let row = match version {
            Some(v) => {
                sqlx::query(select_versions!("WHERE policy_id = ? AND version = ?"))
                    .bind(policy_id)
                    .bind(v)
                    .fetch_optional(self.pool())
                    .await?
            }
            None => {
                sqlx::query(select_versions!(
                    "WHERE policy_id = ? ORDER BY version DESC LIMIT 1"
                ))
                .bind(policy_id)
                .fetch_optional(self.pool())
                .await?
            }
        };
        match row {
            Some(r) => version_of(&r),
            None => Err(Error::Lifecycle(match version {
                Some(v) => format!("the workspace has no version {v} of policy `{policy_id}`"),
                None => format!("the workspace has no policy `{policy_id}`"),
            })),
        }
    }

    /// The published version (the baseline) of a policy, if any.
    pub async fn published(&self, policy_id: &str) -> Result<Option<Version>, Error> {
        let row = sqlx::query(select_versions!(
            "WHERE policy_id = ? AND status = 'published'"
        ))
        .bind(policy_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(version_of).transpose()
    }

    pub async fn approval(&self, policy_id: &str, version: i64) -> Result<Option<Approval>, Error> {
        let row = sqlx::query(
            "SELECT reviewer, note, override_note, approved_at FROM approvals WHERE policy_id = ? AND version = ?",
        )
        .bind(policy_id)
        .bind(version)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Approval {
                reviewer: r.try_get(0)?,
                note: r.try_get(1)?,
                override_note: r.try_get(2)?,
                approved_at: r.try_get(3)?,
            })
        })
        .transpose()
    }

    /// A new workspace's first policy: `baseline` imported as published and `draft` as the
    /// draft after it, both by [`super::actor::SEED`] at `now`.
    pub async fn seed(
        &self,
        baseline: &Policy,
        draft: &Policy,
        now: &str,
    ) -> Result<(Imported, Imported), Error> {
        let seed = Actor {
            user: super::actor::SEED,
            now,
        };
        let base = self.import_policy(baseline, true, seed).await?;
        let next = self.import_policy(draft, false, seed).await?;
        Ok((base, next))
    }

    /// The version being worked on: the newest of `policy_id` that has not been published or
    /// retired (a draft, in review or approved).
    pub async fn open_version(&self, policy_id: &str) -> Result<Option<Version>, Error> {
        Ok(self
            .versions()
            .await?
            .into_iter()
            .filter(|v| v.policy_id == policy_id)
            .filter(|v| {
                matches!(
                    v.status,
                    Status::Draft | Status::InReview | Status::Approved
                )
            })
            .max_by_key(|v| v.version))
    }

    /// Import a policy file: a new version as a draft, an edit of a draft, or — for a version
    /// that has left draft — the next version number as a new draft. `published` marks the
    /// first version of a policy as the published baseline (seeding a workspace).
    pub async fn import(
        &self,
        path: &Path,
        published: bool,
        actor: Actor<'_>,
    ) -> Result<Imported, Error> {
        let p = policy::load(path)?;
        self.import_policy(&p, published, actor).await
    }

    pub async fn import_policy(
        &self,
        p: &Policy,
        published: bool,
        actor: Actor<'_>,
    ) -> Result<Imported, Error> {
        if p.version_span.is_none() {
            return Err(Error::Usage(format!(
                "`{}` has no `version` under [policy]; the workspace numbers versions by it",
                p.source.path.display()
            )));
        }
        let mut tx = self.pool().begin().await?;
        sqlx::query("INSERT INTO policies (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING")
            .bind(&p.id)
            .bind(&p.name)
            .bind(actor.now)
            .execute(&mut *tx)
            .await?;
        let existing = sqlx::query(select_versions!("WHERE policy_id = ? AND version = ?"))
            .bind(&p.id)
            .bind(p.version)
            .fetch_optional(&mut *tx)
            .await?;
        let sha = p.sha256();
        let (version, content, action) = match existing.as_ref().map(version_of).transpose()? {
            None => (p.version, p.source.text.clone(), "import"),
            Some(v) if v.sha256 == sha => {
                return Ok(Imported {
                    policy_id: v.policy_id,
                    version: v.version,
                    status: v.status,
                    action: "unchanged",
                });
            }
            Some(v) if v.status == Status::Draft => (v.version, p.source.text.clone(), "edit"),
            Some(_) => {
                // The version left draft: the edit becomes the next version.
                let max: i64 = sqlx::query("SELECT MAX(version) FROM versions WHERE policy_id = ?")
                    .bind(&p.id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                let next = max + 1;
                let span = p.version_span.clone().unwrap_or(0..0);
                let mut text = p.source.text.clone();
                text.replace_range(span, &next.to_string());
                (next, text, "new_version")
            }
        };
        let sha = crate::sha256_hex(content.as_bytes());
        let status = if published && action == "import" {
            Status::Published
        } else {
            Status::Draft
        };
        if status == Status::Published {
            let already = sqlx::query(
                "SELECT version FROM versions WHERE policy_id = ? AND status = 'published'",
            )
            .bind(&p.id)
            .fetch_optional(&mut *tx)
            .await?;
            if already.is_some() {
                return Err(Error::Lifecycle(format!(
                    "`{}` already has a published version; import the new one as a draft and take it through review",
                    p.id
                )));
            }
        }
        if action == "edit" {
            sqlx::query("UPDATE versions SET content = ?, sha256 = ?, updated_at = ? WHERE policy_id = ? AND version = ?")
                .bind(&content)
                .bind(&sha)
                .bind(actor.now)
                .bind(&p.id)
                .bind(version)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("INSERT INTO versions (policy_id, version, content, sha256, status, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(&p.id)
                .bind(version)
                .bind(&content)
                .bind(&sha)
                .bind(status.as_str())
                .bind(actor.user)
                .bind(actor.now)
                .bind(actor.now)
                .execute(&mut *tx)
                .await?;
        }
        let audit_action = if action == "import" { "import" } else { "edit" };
        audit::append(
            &mut tx,
            actor,
            audit_action,
            Some(&p.id),
            Some(version),
            &serde_json::json!({ "sha256": sha, "status": status.as_str(), "file": p.source.path.display().to_string(), "how": action }),
        )
        .await?;
        tx.commit().await?;
        Ok(Imported {
            policy_id: p.id.clone(),
            version,
            status,
            action,
        })
    }

    /// Replay a version against the current published baseline on the leads of a dataset that
    /// `opts` covers, and record it with its cohort.
    pub async fn record_replay(
        &self,
        policy_id: &str,
        version: i64,
        mapping: &Path,
        opts: &replay::Options,
        actor: Actor<'_>,
    ) -> Result<(ReplayRecord, Replay), Error> {
        // Loading is CPU work: keep it off the async workers.
        let path = mapping.to_path_buf();
        let ds = tokio::task::spawn_blocking(move || Dataset::load(&path))
            .await
            .map_err(|e| Error::Workspace(format!("loading stopped unexpectedly: {e}")))??;
        self.record_replay_on(policy_id, version, Arc::new(ds), mapping, opts, actor)
            .await
    }

    /// [`Self::record_replay`] on a dataset already loaded from `mapping` (the desktop app keeps
    /// its dataset in memory).
    pub async fn record_replay_on(
        &self,
        policy_id: &str,
        version: i64,
        ds: Arc<Dataset>,
        mapping: &Path,
        opts: &replay::Options,
        actor: Actor<'_>,
    ) -> Result<(ReplayRecord, Replay), Error> {
        let v = self.version(policy_id, Some(version)).await?;
        let baseline = self.published(policy_id).await?.ok_or_else(|| {
            Error::Lifecycle(format!(
                "`{policy_id}` has no published baseline to replay against"
            ))
        })?;
        let draft_policy = parse_version(&v)?;
        let baseline_policy = parse_version(&baseline)?;
        let opts = opts.clone();
        let (r, ds_sha, ds_name) = tokio::task::spawn_blocking(move || -> Result<_, Error> {
            let sha = dataset_hash(&ds)?;
            let r = replay::replay_with(&baseline_policy, &draft_policy, &ds, &opts)?.replay;
            Ok((r, sha, ds.name.clone()))
        })
        .await
        .map_err(|e| Error::Workspace(format!("the replay stopped unexpectedly: {e}")))??;
        let metrics = serde_json::json!({
            "baseline": r.baseline.metrics, "draft": r.draft.metrics, "cohort": r.cohort,
        });
        let mapping_text = mapping.display().to_string();

        let mut tx = self.pool().begin().await?;
        sqlx::query("INSERT INTO datasets (name, mapping_path, sha256, registered_at) VALUES (?, ?, ?, ?) ON CONFLICT(mapping_path, sha256) DO NOTHING")
            .bind(&ds_name)
            .bind(&mapping_text)
            .bind(&ds_sha)
            .bind(actor.now)
            .execute(&mut *tx)
            .await?;
        let dataset_id: i64 =
            sqlx::query("SELECT id FROM datasets WHERE mapping_path = ? AND sha256 = ?")
                .bind(&mapping_text)
                .bind(&ds_sha)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        let id: i64 = sqlx::query("INSERT INTO replays (policy_id, version, sha256, baseline_version, baseline_sha256, dataset_id, metrics, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")
            .bind(policy_id)
            .bind(version)
            .bind(&v.sha256)
            .bind(baseline.version)
            .bind(&baseline.sha256)
            .bind(dataset_id)
            .bind(metrics.to_string())
            .bind(actor.user)
            .bind(actor.now)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        audit::append(
            &mut tx,
            actor,
            "replay",
            Some(policy_id),
            Some(version),
            &serde_json::json!({
                "replay": id, "sha256": v.sha256, "baseline_version": baseline.version,
                "baseline_sha256": baseline.sha256, "dataset": ds_name, "dataset_sha256": ds_sha,
                "cohort": r.cohort.describe(),
            }),
        )
        .await?;
        tx.commit().await?;
        let record = ReplayRecord {
            id,
            sha256: v.sha256,
            baseline_version: Some(baseline.version),
            baseline_sha256: Some(baseline.sha256),
            dataset_name: ds_name,
            dataset_sha256: ds_sha,
            baseline: r.baseline.metrics.clone(),
            draft: r.draft.metrics.clone(),
            cohort: r.cohort.clone(),
            created_at: actor.now.to_string(),
        };
        Ok((record, r))
    }

    /// The latest replay of exactly this content against exactly the current baseline.
    pub async fn current_replay(&self, v: &Version) -> Result<Option<ReplayRecord>, Error> {
        let Some(baseline) = self.published(&v.policy_id).await? else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT r.id, r.sha256, r.baseline_version, r.baseline_sha256, d.name, d.sha256, r.metrics, r.created_at
             FROM replays r JOIN datasets d ON d.id = r.dataset_id
             WHERE r.policy_id = ? AND r.version = ? AND r.sha256 = ? AND r.baseline_sha256 = ?
             ORDER BY r.id DESC LIMIT 1",
        )
        .bind(&v.policy_id)
        .bind(v.version)
        .bind(&v.sha256)
        .bind(&baseline.sha256)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(replay_from_row).transpose()
    }

    /// The latest replay of `v`'s exact content, against whichever baseline was published then
    /// (after publishing, the current baseline is the version itself).
    pub async fn latest_replay(&self, v: &Version) -> Result<Option<ReplayRecord>, Error> {
        let row = sqlx::query(
            "SELECT r.id, r.sha256, r.baseline_version, r.baseline_sha256, d.name, d.sha256, r.metrics, r.created_at
             FROM replays r JOIN datasets d ON d.id = r.dataset_id
             WHERE r.policy_id = ? AND r.version = ? AND r.sha256 = ?
             ORDER BY r.id DESC LIMIT 1",
        )
        .bind(&v.policy_id)
        .bind(v.version)
        .bind(&v.sha256)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(replay_from_row).transpose()
    }

    /// Submit a draft for review: needs a replay of its exact content against the current
    /// published baseline on record.
    pub async fn submit(
        &self,
        policy_id: &str,
        version: i64,
        actor: Actor<'_>,
    ) -> Result<Version, Error> {
        let v = self.version(policy_id, Some(version)).await?;
        if v.status != Status::Draft {
            return Err(illegal(&v, "submit", "a draft"));
        }
        // Edits autosaved by the desktop app and not saved into the version would be orphaned.
        if self
            .working_copy(policy_id, version)
            .await?
            .is_some_and(|wc| wc.content != v.content)
        {
            return Err(Error::Lifecycle(format!(
                "`{policy_id}` v{version} has unsaved edits in the desktop app's working copy; submit it from the app (which saves them first), or save them there"
            )));
        }
        let Some(replay) = self.current_replay(&v).await? else {
            return Err(Error::Lifecycle(format!(
                "cannot submit `{policy_id}` v{version}: no replay of this exact content against the current published baseline is on record; run `leadpolicy workspace replay {policy_id} --version {version}` first"
            )));
        };
        // The guardrails judge the replay on record: it must cover every lead, not a cohort.
        if replay.cohort.narrowed() {
            return Err(Error::Lifecycle(format!(
                "cannot submit `{policy_id}` v{version}: the replay on record covers only {}; the guardrails need every lead: run `leadpolicy workspace replay {policy_id} --version {version}` without --from, --to, --source, --campaign or --form",
                replay.cohort.describe()
            )));
        }
        self.transition(
            &v,
            Status::InReview,
            actor,
            "submit",
            serde_json::json!({ "replay": replay.id }),
        )
        .await
    }

    /// The guardrails evaluated on a replay.
    pub async fn guardrails(&self, replay: &ReplayRecord) -> Result<Vec<GuardrailResult>, Error> {
        let limits = self.guardrail_limits().await?;
        Ok(check_guardrails(&replay.baseline, &replay.draft, &limits))
    }

    /// The workspace's guardrail limits, in [`GUARDRAILS`] order.
    pub async fn guardrail_limits(&self) -> Result<[f64; 3], Error> {
        let mut limits = [0.0; 3];
        for (limit, g) in limits.iter_mut().zip(&GUARDRAILS) {
            *limit = self.setting(g.key, g.default).await?;
        }
        Ok(limits)
    }

    /// Approve a version in review. The reviewer cannot be the author; a guardrail that blocks
    /// needs an override note, which the audit log keeps.
    pub async fn approve(
        &self,
        policy_id: &str,
        version: i64,
        note: &str,
        override_note: Option<&str>,
        actor: Actor<'_>,
    ) -> Result<(Version, Vec<GuardrailResult>), Error> {
        let v = self.version(policy_id, Some(version)).await?;
        if v.status != Status::InReview {
            return Err(illegal(&v, "approve", "a version in review"));
        }
        // Four eyes: whoever wrote, edited or submitted this version cannot approve it.
        let hands: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT actor FROM audit WHERE policy_id = ? AND version = ? AND action IN ('import', 'edit', 'submit')",
        )
        .bind(policy_id)
        .bind(version)
        .fetch_all(self.pool())
        .await?;
        if v.author == actor.user || hands.iter().any(|h| h == actor.user) {
            return Err(Error::Lifecycle(format!(
                "`{}` wrote, edited or submitted `{policy_id}` v{version} and cannot approve it; another reviewer must",
                actor.user
            )));
        }
        if note.trim().is_empty() {
            return Err(Error::Usage(
                "an approval needs a note (what was reviewed, and why it is fine)".into(),
            ));
        }
        let Some(replay) = self.current_replay(&v).await? else {
            return Err(Error::Lifecycle(format!(
                "cannot approve `{policy_id}` v{version}: the published baseline changed since its replay; replay it again and resubmit"
            )));
        };
        let checks = self.guardrails(&replay).await?;
        let blocked: Vec<&GuardrailResult> = checks.iter().filter(|c| c.blocked).collect();
        let override_note = override_note.map(str::trim).filter(|n| !n.is_empty());
        if !blocked.is_empty() && override_note.is_none() {
            let what: Vec<String> = blocked.iter().map(|c| c.describe()).collect();
            return Err(Error::Lifecycle(format!(
                "approval of `{policy_id}` v{version} is blocked by the guardrails: {}; approve with an override note to go ahead anyway",
                what.join("; ")
            )));
        }
        let mut tx = self.pool().begin().await?;
        sqlx::query("INSERT INTO approvals (policy_id, version, reviewer, note, override_note, replay_id, approved_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(policy_id)
            .bind(version)
            .bind(actor.user)
            .bind(note)
            .bind(override_note)
            .bind(replay.id)
            .bind(actor.now)
            .execute(&mut *tx)
            .await?;
        if let Some(o) = override_note {
            let keys: Vec<&str> = blocked.iter().map(|c| c.key).collect();
            audit::append(
                &mut tx,
                actor,
                "override",
                Some(policy_id),
                Some(version),
                &serde_json::json!({ "note": o, "guardrails": keys }),
            )
            .await?;
        }
        let v = transition_in(
            &mut tx,
            &v,
            Status::Approved,
            actor,
            "approve",
            serde_json::json!({ "note": note, "replay": replay.id }),
        )
        .await?;
        tx.commit().await?;
        Ok((v, checks))
    }

    /// Publish an approved version: it becomes the baseline and the previous one is retired.
    pub async fn publish(
        &self,
        policy_id: &str,
        version: i64,
        actor: Actor<'_>,
    ) -> Result<Version, Error> {
        let v = self.version(policy_id, Some(version)).await?;
        if v.status != Status::Approved {
            return Err(illegal(&v, "publish", "an approved version"));
        }
        let previous = self.published(policy_id).await?;
        let mut tx = self.pool().begin().await?;
        if let Some(prev) = &previous {
            transition_in(
                &mut tx,
                prev,
                Status::Retired,
                actor,
                "retire",
                serde_json::json!({ "superseded_by": version }),
            )
            .await?;
        }
        let v = transition_in(
            &mut tx,
            &v,
            Status::Published,
            actor,
            "publish",
            serde_json::json!({ "sha256": v.sha256 }),
        )
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    async fn transition(
        &self,
        v: &Version,
        to: Status,
        actor: Actor<'_>,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<Version, Error> {
        let mut tx = self.pool().begin().await?;
        let out = transition_in(&mut tx, v, to, actor, action, detail).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// Change a version's status inside `tx`, guarded by its current status (so that a concurrent
/// change makes this one fail instead of overwriting it), and audit it.
async fn transition_in(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    v: &Version,
    to: Status,
    actor: Actor<'_>,
    action: &str,
    mut detail: serde_json::Value,
) -> Result<Version, Error> {
    let done = sqlx::query("UPDATE versions SET status = ?, updated_at = ? WHERE policy_id = ? AND version = ? AND status = ?")
        .bind(to.as_str())
        .bind(actor.now)
        .bind(&v.policy_id)
        .bind(v.version)
        .bind(v.status.as_str())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Busy(format!(
            "`{}` v{} changed while this {action} was in progress",
            v.policy_id, v.version
        )));
    }
    if let serde_json::Value::Object(map) = &mut detail {
        map.insert("from".into(), v.status.as_str().into());
        map.insert("to".into(), to.as_str().into());
    }
    audit::append(
        tx,
        actor,
        action,
        Some(&v.policy_id),
        Some(v.version),
        &detail,
    )
    .await?;
    Ok(Version {
        status: to,
        updated_at: actor.now.to_string(),
        ..v.clone()
    })
}

/// A replay row selected as `id, sha256, baseline_version, baseline_sha256, dataset name,
/// dataset sha256, metrics, created_at`, in that order.
pub(crate) fn replay_from_row(r: &SqliteRow) -> Result<ReplayRecord, Error> {
    #[derive(serde::Deserialize)]
    struct Both {
        baseline: Metrics,
        draft: Metrics,
        #[serde(default)]
        cohort: Option<CohortInfo>,
    }
    let metrics: String = r.try_get(6)?;
    let both: Both = serde_json::from_str(&metrics)
        .map_err(|e| Error::Workspace(format!("a stored replay is unreadable: {e}")))?;
    Ok(ReplayRecord {
        id: r.try_get(0)?,
        sha256: r.try_get(1)?,
        baseline_version: r.try_get(2)?,
        baseline_sha256: r.try_get(3)?,
        dataset_name: r.try_get(4)?,
        dataset_sha256: r.try_get(5)?,
        cohort: both.cohort.unwrap_or_else(|| CohortInfo {
            leads: both.baseline.leads,
            of: both.baseline.leads,
            ..Default::default()
        }),
        baseline: both.baseline,
        draft: both.draft,
        created_at: r.try_get(7)?,
    })
}
