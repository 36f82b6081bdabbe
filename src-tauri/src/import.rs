//! Your own export in the app: the inference of `leadpolicy data infer` shown as a table a
//! person corrects, saved as a mapping in the workspace and loaded; and a starter policy for
//! data the open policy does not fit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use leadpolicy::infer::{self, Inference};
use leadpolicy::store::Status;
use leadpolicy::{Error, ErrorCode};

use crate::error::{AppError, AppResult};
use crate::session::{App, blocking_failed};
use crate::views::{DatasetSummary, LoadProgress};

/// The workspace folder a mapping for the export `leads` lives in: `datasets/<file stem>`.
fn dataset_dir(workspace: &Path, leads: &str) -> PathBuf {
    let stem = Path::new(leads)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("export");
    workspace
        .join("datasets")
        .join(infer::roles::snake_case(stem))
}

impl App {
    /// Read an export and infer its mapping (on the blocking pool, with progress and Cancel).
    pub async fn infer_export(
        &self,
        leads: PathBuf,
        outcomes: Option<PathBuf>,
        sheet: Option<String>,
        progress: impl Fn(LoadProgress) + Send + 'static,
    ) -> AppResult<Inference> {
        self.cancel.store(false, Ordering::SeqCst);
        let cancel = Arc::clone(&self.cancel);
        let dir = dataset_dir(&self.dir, &leads.display().to_string());
        tokio::task::spawn_blocking(move || -> AppResult<Inference> {
            let mut report = |done: u64, total: u64| {
                progress(LoadProgress {
                    bytes: done as f64,
                    total_bytes: total as f64,
                    phase: "reading the export".into(),
                });
                !cancel.load(Ordering::SeqCst)
            };
            let inf = infer::infer_with_progress(
                &leads,
                outcomes.as_deref(),
                sheet.as_deref(),
                &dir,
                &mut report,
            )?;
            if cancel.load(Ordering::SeqCst) {
                return Err(Error::Cancelled.into());
            }
            Ok(inf)
        })
        .await
        .map_err(blocking_failed)?
    }

    /// Save the (corrected) inference as the mapping of its export in the workspace and load
    /// it, once. A mapping that does not load is not kept: the one before stays in place.
    pub async fn use_inference(
        &self,
        inference: Inference,
        progress: impl Fn(LoadProgress) + Send + 'static,
    ) -> AppResult<DatasetSummary> {
        let dir = dataset_dir(&self.dir, &inference.leads);
        std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
        let text = infer::render::mapping(&inference);
        self.write_mapping_and_load(&dir.join("mapping.toml"), &text, progress)
            .await
    }

    /// A starter policy for the open dataset, as the open draft's text: the draft's policy id
    /// and version kept, so applying it is an ordinary (audited) edit of the draft.
    pub async fn starter_draft(&self) -> AppResult<String> {
        let s = self.lock().await?;
        let ds = s
            .dataset
            .clone()
            .ok_or_else(|| AppError::new(ErrorCode::Usage, "Open a dataset first."))?;
        let v = s.open_version().await?.ok_or_else(|| {
            AppError::new(
                ErrorCode::Lifecycle,
                "There is no draft to start from: start a new draft on the History screen first.",
            )
        })?;
        if v.status != Status::Draft {
            return Err(AppError::new(
                ErrorCode::Lifecycle,
                format!(
                    "v{} is in review; a starter policy can only replace a draft's text.",
                    v.version
                ),
            ));
        }
        let text = infer::starter::starter_policy(&ds)?;
        let mut doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("the starter policy: {e}")))?;
        doc["policy"]["id"] = toml_edit::value(s.policy_id.as_str());
        doc["policy"]["version"] = toml_edit::value(v.version);
        Ok(doc.to_string())
    }
}
