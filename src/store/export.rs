//! Export and import of approved policies: the policy file exactly as stored, plus a manifest
//! (JSON) with its sha256, the approval record and the replay evidence it was approved on.
//! Files are written atomically (temporary file, fsync, rename); an import checks the hash and
//! the manifest against the file and refuses anything that does not match.

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use super::manifest::{CompiledSql, Evidence, Headline, Manifest, manifest_path, sql_path};
use super::signing::{self, KeyPair};
use super::{Actor, Status, Workspace, audit};
use crate::diag::Source;
use crate::error::Error;
use crate::output::{remove_stale_temps, write_atomic};

/// A view definition to export beside the policy: what the manifest records and the text.
#[derive(Debug, Clone)]
pub struct SqlView {
    pub dialect: String,
    pub view: String,
    pub leads_table: String,
    pub text: String,
}

impl SqlView {
    /// The view of `p` in every dialect, over a leads table shaped like the target's dataset.
    pub fn for_policy(
        p: &crate::policy::Policy,
        target: &crate::sql::Target<'_>,
    ) -> Result<Vec<SqlView>, Error> {
        crate::sql::Dialect::ALL
            .into_iter()
            .map(|d| {
                Ok(SqlView {
                    dialect: d.key().to_string(),
                    view: crate::sql::view_name(p),
                    leads_table: target.leads_table.to_string(),
                    text: format!("{};\n", crate::sql::view(p, target, d)?),
                })
            })
            .collect()
    }
}

/// Where an export went.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub policy: PathBuf,
    pub manifest: PathBuf,
    pub sha256: String,
    /// The SQL files written beside the policy.
    pub sql: Vec<PathBuf>,
}

impl Workspace {
    /// Export an approved or published version into `dir`: `<id>-v<version>.toml` and its
    /// manifest. The manifest is written last, so a policy file without a manifest next to it
    /// is an unfinished export.
    pub async fn export(
        &self,
        policy_id: &str,
        version: i64,
        dir: &Path,
        actor: Actor<'_>,
    ) -> Result<Exported, Error> {
        let path = dir.join(format!("{policy_id}-v{version}.toml"));
        self.export_to(policy_id, version, &path, actor, &[]).await
    }

    /// Export to a chosen file (the desktop app's save dialog); the manifest goes next to it,
    /// and each of `views` as `<stem>.<dialect>.sql`, recorded in the manifest.
    pub async fn export_to(
        &self,
        policy_id: &str,
        version: i64,
        policy_path: &Path,
        actor: Actor<'_>,
        views: &[SqlView],
    ) -> Result<Exported, Error> {
        let v = self.version(policy_id, Some(version)).await?;
        if !matches!(v.status, Status::Approved | Status::Published) {
            return Err(Error::Lifecycle(format!(
                "cannot export `{policy_id}` v{version}: it is {}; only approved or published versions are exported",
                v.status.as_str().replace('_', " ")
            )));
        }
        let approval = self.approval(policy_id, version).await?.ok_or_else(|| {
            Error::Lifecycle(format!(
                "`{policy_id}` v{version} has no approval record (it was seeded as the baseline); only reviewed versions are exported"
            ))
        })?;
        let replay = self.replay_of_approval(policy_id, version).await?;
        let file = policy_path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "`{}` is not a file name to export to",
                    policy_path.display()
                ))
            })?;
        let sql_files: Vec<(PathBuf, &SqlView)> = views
            .iter()
            .map(|v| (sql_path(policy_path, &v.dialect), v))
            .collect();
        let compiled_sql = sql_files
            .iter()
            .map(|(path, v)| CompiledSql {
                dialect: v.dialect.clone(),
                file: path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: crate::sha256_hex(v.text.as_bytes()),
                view: v.view.clone(),
                leads_table: v.leads_table.clone(),
            })
            .collect();
        let keys = KeyPair::load_or_create(&self.dir)?;
        let public = keys.public();
        let mut manifest = Manifest {
            policy_id: policy_id.to_string(),
            version,
            file: file.clone(),
            sha256: v.sha256.clone(),
            status: v.status.as_str().to_string(),
            author: v.author.clone(),
            approval,
            evidence: Evidence {
                dataset: replay.dataset_name.clone(),
                dataset_sha256: replay.dataset_sha256.clone(),
                baseline_version: replay.baseline_version,
                baseline_sha256: replay.baseline_sha256.clone(),
                baseline: Headline::from(&replay.baseline),
                draft: Headline::from(&replay.draft),
                replayed_at: replay.created_at.clone(),
            },
            exported_at: actor.now.to_string(),
            exported_by: actor.user.to_string(),
            audit_head: Some(audit::head(self.pool()).await?),
            public_key: Some(public.to_string()),
            key_id: Some(public.id()),
            compiled_sql,
            signature: None,
        };
        let cannot = |e: serde_json::Error| Error::Usage(format!("cannot write the manifest: {e}"));
        let unsigned = serde_json::to_value(&manifest).map_err(cannot)?;
        let bytes = unsigned
            .as_object()
            .map(signing::canonical_bytes)
            .ok_or_else(|| Error::Usage("cannot write the manifest: not an object".into()))?;
        manifest.signature = Some(keys.sign(&bytes));
        let json = serde_json::to_vec_pretty(&manifest).map_err(cannot)?;
        if let Some(parent) = policy_path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        }
        let manifest_file = manifest_path(policy_path);
        // An export killed earlier may have left its temporary files; they are ours to clear.
        remove_stale_temps(policy_path)?;
        remove_stale_temps(&manifest_file)?;
        write_atomic(policy_path, |w| {
            std::io::Write::write_all(w, v.content.as_bytes())
        })?;
        for (path, view) in &sql_files {
            remove_stale_temps(path)?;
            write_atomic(path, |w| std::io::Write::write_all(w, view.text.as_bytes()))?;
        }
        write_atomic(&manifest_file, |w| std::io::Write::write_all(w, &json))?;
        let mut tx = self.pool().begin().await?;
        audit::append(
            &mut tx,
            actor,
            "export",
            Some(policy_id),
            Some(version),
            &serde_json::json!({ "file": policy_path.display().to_string(), "sha256": v.sha256, "sql": views.iter().map(|v| &v.dialect).collect::<Vec<_>>() }),
        )
        .await?;
        tx.commit().await?;
        Ok(Exported {
            policy: policy_path.to_path_buf(),
            manifest: manifest_file,
            sha256: v.sha256,
            sql: sql_files.into_iter().map(|(p, _)| p).collect(),
        })
    }

    async fn replay_of_approval(
        &self,
        policy_id: &str,
        version: i64,
    ) -> Result<super::lifecycle::ReplayRecord, Error> {
        let row = sqlx::query(
            "SELECT r.id, r.sha256, r.baseline_version, r.baseline_sha256, d.name, d.sha256, r.metrics, r.created_at
             FROM approvals a JOIN replays r ON r.id = a.replay_id JOIN datasets d ON d.id = r.dataset_id
             WHERE a.policy_id = ? AND a.version = ?",
        )
        .bind(policy_id)
        .bind(version)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| {
            Error::Lifecycle(format!("`{policy_id}` v{version} has no replay evidence on record"))
        })?;
        super::lifecycle::replay_from_row(&row)
    }

    /// Import an exported policy with its manifest into this workspace as an approved version
    /// (keeping its approval record). Refuses an export that is not signed by a trusted key
    /// (this workspace's own, or one it was told to trust), and a file whose bytes do not match
    /// the signed manifest: there is no fallback to the checksum alone.
    pub async fn import_export(
        &self,
        policy_path: &Path,
        actor: Actor<'_>,
    ) -> Result<(String, i64), Error> {
        let manifest_file = manifest_path(policy_path);
        let bytes = std::fs::read(policy_path).map_err(|e| Error::io(policy_path, e))?;
        let manifest_text = crate::read_text(&manifest_file)?;
        let trusted = self.trusted_keys().await?;
        let keys: Vec<_> = trusted.iter().map(|t| t.key.clone()).collect();
        let signed = signing::check(&bytes, &manifest_text, &keys)
            .map_err(|r| Error::Tampered(r.describe(policy_path, &manifest_file)))?;
        let manifest: Manifest = serde_json::from_str(&manifest_text).map_err(|e| {
            Error::Tampered(format!(
                "`{}` is not a leadpolicy manifest: {e}",
                manifest_file.display()
            ))
        })?;
        let sha = signed.sha256;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::Tampered(format!("`{}` is not UTF-8 text", policy_path.display()))
        })?;
        let p = crate::policy::parse(Source::new(policy_path, text)).map_err(Error::Invalid)?;
        if p.id != manifest.policy_id || p.version != manifest.version {
            return Err(Error::Tampered(format!(
                "`{}` is `{}` v{}, but its manifest describes `{}` v{}",
                policy_path.display(),
                p.id,
                p.version,
                manifest.policy_id,
                manifest.version
            )));
        }
        if let Ok(existing) = self.version(&p.id, Some(p.version)).await {
            if existing.sha256 == sha {
                return Err(Error::Lifecycle(format!(
                    "`{}` v{} is already in this workspace ({})",
                    p.id,
                    p.version,
                    existing.status.as_str()
                )));
            }
            return Err(Error::Lifecycle(format!(
                "this workspace already has a different `{}` v{}; nothing was imported",
                p.id, p.version
            )));
        }
        let mut tx = self.pool().begin().await?;
        sqlx::query("INSERT INTO policies (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING")
            .bind(&p.id)
            .bind(&p.name)
            .bind(actor.now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO versions (policy_id, version, content, sha256, status, author, created_at, updated_at) VALUES (?, ?, ?, ?, 'approved', ?, ?, ?)")
            .bind(&p.id)
            .bind(p.version)
            .bind(&p.source.text)
            .bind(&sha)
            .bind(&manifest.author)
            .bind(actor.now)
            .bind(actor.now)
            .execute(&mut *tx)
            .await?;
        let a = &manifest.approval;
        sqlx::query("INSERT INTO approvals (policy_id, version, reviewer, note, override_note, replay_id, approved_at) VALUES (?, ?, ?, ?, ?, NULL, ?)")
            .bind(&p.id)
            .bind(p.version)
            .bind(&a.reviewer)
            .bind(&a.note)
            .bind(&a.override_note)
            .bind(&a.approved_at)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            actor,
            "import",
            Some(&p.id),
            Some(p.version),
            &serde_json::json!({ "file": policy_path.display().to_string(), "sha256": sha, "status": "approved", "manifest": manifest_file.display().to_string(), "approved_by": a.reviewer, "signed_by": signed.key.id(), "source_audit_head": manifest.audit_head }),
        )
        .await?;
        tx.commit().await?;
        Ok((p.id, p.version))
    }
}
