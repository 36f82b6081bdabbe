//! The workbench's state and every action the window can take, independent of Tauri: the
//! commands in `commands.rs` only unwrap their arguments and call these. The workspace (policies,
//! versions, audit log, autosaved working copy) lives in SQLite through the core's `store`; the
//! loaded dataset and the last replay stay in memory so that an edit replays at once.
//!
//! Locking: one async mutex guards the session, held only for short bookkeeping. Loading and
//! replaying run on the blocking pool with what they need cloned out (`Arc`s), so edits,
//! searches and the window never wait for them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use leadpolicy::dataset::{Dataset, hidden};
use leadpolicy::diag::Source;
use leadpolicy::engine::explain;
use leadpolicy::engine::{Decision, Decisions};
use leadpolicy::policy::{self, Policy, edit, view::PolicyView};
use leadpolicy::replay;
use leadpolicy::store::actor::now;
use leadpolicy::store::lifecycle::{Version, parse_version};
use leadpolicy::store::{Status, Workspace};
use leadpolicy::{Error, ErrorCode, chart};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use crate::error::{AppError, AppResult};
use crate::views::*;

/// The sample the first launch seeds, compiled in so the app needs no files beside it.
pub mod sample {
    pub const BASELINE: &str = include_str!("../../policies/baseline.toml");
    pub const DRAFT: &str = include_str!("../../policies/draft.toml");
    pub const MAPPING: &str = include_str!("../../fixtures/sample/mapping.toml");
    pub const LEADS: &[u8] = include_bytes!("../../fixtures/sample/leads.csv");
    pub const DEALS: &[u8] = include_bytes!("../../fixtures/sample/deals.csv");
}

/// The app's small memory between launches: which dataset was open.
const APP_FILE: &str = "app.json";

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Remembered {
    mapping: Option<PathBuf>,
}

/// The last replay, kept for listing leads and opening packets.
#[derive(Debug)]
pub(crate) struct Last {
    /// The cohort's leads (the conversion window applied).
    ds: Arc<Dataset>,
    cohort: leadpolicy::dataset::cohort::CohortInfo,
    baseline: Arc<Policy>,
    draft: Arc<Policy>,
    bd: Decisions,
    dd: Decisions,
}

#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) ws: Workspace,
    pub(crate) policy_id: String,
    pub(crate) policy_name: String,
    pub(crate) mapping: Option<PathBuf>,
    pub(crate) dataset: Option<Arc<Dataset>>,
    pub(crate) fields: Vec<FieldView>,
    pub(crate) last: Option<Arc<Last>>,
    /// The leads the replay covers (cohort, conversion window) and its periods; a new dataset
    /// starts from every lead.
    pub(crate) options: replay::Options,
}

/// Everything the commands share.
#[derive(Debug)]
pub struct App {
    pub(crate) dir: PathBuf,
    actor: String,
    session: Mutex<Option<Session>>,
    /// Counts replay requests (and cancels): a replay whose ticket is no longer the newest is
    /// discarded when it ends.
    replay_seq: AtomicU32,
    /// Set by `cancel`; a load polls it and stops.
    pub(crate) cancel: Arc<AtomicBool>,
}

pub(crate) fn blocking_failed(e: tokio::task::JoinError) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("the background job stopped unexpectedly: {e}"),
    )
}

pub(crate) fn parse_draft(text: &str, version: i64) -> Result<Policy, Error> {
    policy::parse(Source::new(format!("draft v{version}"), text)).map_err(Error::Invalid)
}

fn problems(e: &Error) -> Vec<Problem> {
    match e {
        Error::Invalid(d) => d
            .iter()
            .map(|d| Problem {
                line: d.line as u32,
                column: d.column as u32,
                message: d.message.clone(),
                hint: d.hint.clone(),
                snippet: d.snippet.clone(),
            })
            .collect(),
        other => vec![Problem {
            line: 1,
            column: 1,
            message: other.to_string(),
            hint: None,
            snippet: String::new(),
        }],
    }
}

/// The fields `baseline` reads that `ds` lacks, listed for people (`None` when it fits).
fn baseline_misfit(baseline: &Policy, ds: &Dataset) -> Option<String> {
    let problems = policy::validate::check_against(baseline, ds);
    if problems.is_empty() {
        return None;
    }
    let mut fields: Vec<&str> = Vec::new();
    let mut other = 0;
    for d in problems.iter() {
        match d.message.split('`').nth(1) {
            Some(f) if d.message.contains("is not a column") => {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
            _ => other += 1,
        }
    }
    let mut shown: Vec<String> = fields.iter().take(4).map(|f| format!("`{f}`")).collect();
    if fields.len() > 4 {
        shown.push(format!("{} more", fields.len() - 4));
    }
    if other > 0 {
        shown.push(format!(
            "and {other} other problem{}",
            if other == 1 { "" } else { "s" }
        ));
    }
    Some(shown.join(", "))
}

/// The draft parsed and checked against the dataset, or every problem.
fn checked(text: &str, version: i64, ds: &Dataset) -> Result<Policy, Error> {
    let p = parse_draft(text, version)?;
    let diags = policy::validate::check_against(&p, ds);
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    Ok(p)
}

impl Session {
    /// The version being worked on: the newest one that has not been published or retired.
    pub(crate) async fn open_version(&self) -> AppResult<Option<Version>> {
        Ok(self.ws.open_version(&self.policy_id).await?)
    }

    pub(crate) async fn published(&self) -> AppResult<Option<Version>> {
        Ok(self.ws.published(&self.policy_id).await?)
    }

    /// The text being edited: the autosaved working copy, else the version's content.
    pub(crate) async fn text_of(&self, v: &Version) -> AppResult<(String, Option<String>)> {
        Ok(
            match self.ws.working_copy(&self.policy_id, v.version).await? {
                Some(wc) if v.status == Status::Draft => (wc.content, Some(wc.updated_at)),
                _ => (v.content.clone(), None),
            },
        )
    }

    pub(crate) async fn draft_state(&self) -> AppResult<Option<DraftState>> {
        let Some(v) = self.open_version().await? else {
            return Ok(None);
        };
        let (text, saved_at) = self.text_of(&v).await?;
        // Dataset problems still leave a readable policy for the structured views.
        let (policy, problems) = match parse_draft(&text, v.version) {
            Ok(p) => {
                let diags = self
                    .dataset
                    .as_deref()
                    .map(|ds| policy::validate::check_against(&p, ds))
                    .unwrap_or_default();
                (Some(PolicyView::of(&p)), problems(&Error::Invalid(diags)))
            }
            Err(e) => (None, problems(&e)),
        };
        Ok(Some(DraftState {
            version: v.version,
            status: v.status,
            editable: v.status == Status::Draft,
            text,
            saved_at,
            policy,
            problems,
        }))
    }

    fn summary(&self) -> AppResult<Option<DatasetSummary>> {
        let (Some(ds), Some(mapping)) = (&self.dataset, &self.mapping) else {
            return Ok(None);
        };
        let converted = ds
            .converted()?
            .map(|c| c.iter().filter(|&&b| b).count() as u32);
        Ok(Some(DatasetSummary {
            name: ds.name.clone(),
            mapping_path: mapping.display().to_string(),
            leads: ds.len() as u32,
            converted,
            fields: self.fields.clone(),
        }))
    }
}

impl App {
    /// `dir` is the workspace folder (the app data dir, or `LEADPOLICY_WORKSPACE`).
    pub fn new(dir: PathBuf, actor: String) -> Self {
        Self {
            dir,
            actor,
            session: Mutex::new(None),
            replay_seq: AtomicU32::new(0),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// First launch: create the workspace, write the sample dataset into it and seed the
    /// published baseline and the draft. Later launches open what is there.
    async fn ensure_session(&self) -> AppResult<()> {
        let mut guard = self.session.lock().await;
        if guard.is_some() {
            return Ok(());
        }
        let fresh = !self.dir.join(leadpolicy::store::DB_FILE).exists();
        let ws = Workspace::create(&self.dir).await?;
        let sample = self.sample_dir();
        if fresh {
            std::fs::create_dir_all(&sample).map_err(|e| Error::write(&sample, e))?;
            for (name, bytes) in [
                ("mapping.toml", sample::MAPPING.as_bytes()),
                ("leads.csv", sample::LEADS),
                ("deals.csv", sample::DEALS),
            ] {
                let path = sample.join(name);
                leadpolicy::output::write_atomic(&path, |w| std::io::Write::write_all(w, bytes))?;
            }
            let parse = |name: &str, text: &str| {
                policy::parse(Source::new(name, text)).map_err(Error::Invalid)
            };
            let baseline = parse("baseline.toml", sample::BASELINE)?;
            let draft = parse("draft.toml", sample::DRAFT)?;
            ws.seed(&baseline, &draft, &now()).await?;
        }
        let versions = ws.versions().await?;
        let first = versions.first().ok_or_else(|| {
            AppError::new(
                ErrorCode::Workspace,
                format!(
                    "the workspace at {} has no policy; import one with `leadpolicy workspace import`",
                    self.dir.display()
                ),
            )
        })?;
        let policy_id = first.policy_id.clone();
        let policy_name = parse_version(first)
            .map(|p| p.name)
            .unwrap_or_else(|_| policy_id.clone());
        let remembered: Remembered = std::fs::read(self.dir.join(APP_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let mapping = remembered
            .mapping
            .filter(|m| m.is_file())
            .unwrap_or_else(|| sample.join("mapping.toml"));
        *guard = Some(Session {
            ws,
            policy_id,
            policy_name,
            mapping: Some(mapping),
            dataset: None,
            fields: Vec::new(),
            last: None,
            options: Default::default(),
        });
        Ok(())
    }

    /// The open session (opening it first if needed), locked.
    pub(crate) async fn lock(&self) -> AppResult<MappedMutexGuard<'_, Session>> {
        self.ensure_session().await?;
        let guard = self.session.lock().await;
        MutexGuard::try_map(guard, Option::as_mut)
            .map_err(|_| AppError::new(ErrorCode::Workspace, "the workspace is not open"))
    }

    /// The bundled sample's folder inside the workspace (written on first launch).
    fn sample_dir(&self) -> PathBuf {
        self.dir.join("datasets/sample")
    }

    /// Open (seeding on first launch) and load the remembered or sample dataset.
    pub async fn open_workbench(&self) -> AppResult<Workbench> {
        let (loaded, mapping) = {
            let s = self.lock().await?;
            (s.dataset.is_some(), s.mapping.clone())
        };
        if !loaded && let Some(m) = mapping {
            // A remembered dataset that no longer loads must not lock the person out.
            if let Err(e) = self.load_dataset(&m, |_| {}).await {
                let sample = self.sample_dir().join("mapping.toml");
                if m == sample {
                    return Err(e);
                }
                self.load_dataset(&sample, |_| {}).await?;
            }
        }
        self.workbench().await
    }

    pub async fn workbench(&self) -> AppResult<Workbench> {
        let dir = self.dir.display().to_string();
        let actor = self.actor.clone();
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            Ok(Workbench {
                workspace_dir: dir,
                actor,
                policy_id: s.policy_id.clone(),
                policy_name: s.policy_name.clone(),
                published: s.published().await?.as_ref().map(VersionInfo::from),
                draft: s.draft_state().await?,
                dataset: s.summary()?,
            })
        }
    }

    pub async fn draft(&self) -> AppResult<Option<DraftState>> {
        self.lock().await?.draft_state().await
    }

    /// Apply one edit to the working copy and autosave it (whether or not it parses).
    pub async fn edit_draft(&self, e: &edit::Edit) -> AppResult<DraftState> {
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let v = s.open_version().await?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::Lifecycle,
                    "There is no open draft. Start a new draft first.",
                )
            })?;
            if v.status != Status::Draft {
                return Err(AppError::new(
                    ErrorCode::Lifecycle,
                    format!(
                        "v{} is {} and can no longer be edited. Start a new draft to change it.",
                        v.version,
                        status_words(v.status)
                    ),
                ));
            }
            let (text, _) = s.text_of(&v).await?;
            let new_text = edit::apply(&text, e).map_err(Error::from)?;
            s.ws.set_working_copy(&s.policy_id, v.version, &new_text, &now())
                .await?;
            s.draft_state()
                .await?
                .ok_or_else(|| AppError::new(ErrorCode::Lifecycle, "the draft disappeared"))
        }
    }

    /// Load a dataset; `progress` hears (bytes, total). The previous dataset stays until the
    /// new one has loaded, and stays for good when the load fails or is cancelled.
    pub async fn load_dataset(
        &self,
        mapping: &Path,
        progress: impl Fn(LoadProgress) + Send + 'static,
    ) -> AppResult<DatasetSummary> {
        let (ds, fields) = self.read_dataset(mapping, progress).await?;
        self.install(mapping, ds, fields).await
    }

    /// Read and profile a dataset on the blocking pool, without touching the session.
    async fn read_dataset(
        &self,
        mapping: &Path,
        progress: impl Fn(LoadProgress) + Send + 'static,
    ) -> AppResult<(Dataset, Vec<FieldView>)> {
        self.cancel.store(false, Ordering::SeqCst);
        let cancel = Arc::clone(&self.cancel);
        let path = mapping.to_path_buf();
        tokio::task::spawn_blocking(move || -> AppResult<_> {
            let mut report = |done: u64, total: u64| {
                progress(LoadProgress {
                    bytes: done as f64,
                    total_bytes: total as f64,
                    phase: "reading leads".into(),
                });
                !cancel.load(Ordering::SeqCst)
            };
            let ds = Dataset::load_with_progress(&path, &mut report)?;
            if cancel.load(Ordering::SeqCst) {
                return Err(Error::Cancelled.into());
            }
            progress(LoadProgress {
                bytes: 1.0,
                total_bytes: 1.0,
                phase: "profiling fields".into(),
            });
            let fields = field_views(&ds)?;
            Ok((ds, fields))
        })
        .await
        .map_err(blocking_failed)?
    }

    /// Make a read dataset the session's, and remember its mapping for the next launch.
    async fn install(
        &self,
        mapping: &Path,
        ds: Dataset,
        fields: Vec<FieldView>,
    ) -> AppResult<DatasetSummary> {
        let remembered = serde_json::to_vec_pretty(&Remembered {
            mapping: Some(mapping.to_path_buf()),
        })
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        leadpolicy::output::write_atomic(&self.dir.join(APP_FILE), |w| {
            std::io::Write::write_all(w, &remembered)
        })?;
        let mut guard = self.lock().await?;
        let s = &mut *guard;
        s.dataset = Some(Arc::new(ds));
        s.fields = fields;
        s.mapping = Some(mapping.to_path_buf());
        s.last = None;
        // Another dataset has other dates and values: its replays start from every lead.
        s.options = Default::default();
        s.summary()?
            .ok_or_else(|| AppError::new(ErrorCode::Internal, "the dataset did not stay loaded"))
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
        self.replay_seq.fetch_add(1, Ordering::SeqCst);
    }

    pub async fn read_mapping(&self) -> AppResult<String> {
        let m = self.lock().await?.mapping.clone();
        let m = m.ok_or_else(|| AppError::new(ErrorCode::Usage, "No dataset is open."))?;
        Ok(leadpolicy::read_text(&m)?)
    }

    /// Write the open mapping's new text and reload (see [`Self::write_mapping_and_load`]).
    pub async fn save_mapping(
        &self,
        text: &str,
        progress: impl Fn(LoadProgress) + Send + 'static,
    ) -> AppResult<DatasetSummary> {
        let m = self.lock().await?.mapping.clone();
        let m = m.ok_or_else(|| AppError::new(ErrorCode::Usage, "No dataset is open."))?;
        self.write_mapping_and_load(&m, text, progress).await
    }

    /// Write `text` as the mapping `m` and make its dataset the session's. The text is tried
    /// from a side file next to `m` first (relative paths resolve the same), so a mapping that
    /// does not load never replaces one that does, and the session never points at the side
    /// file; the dataset is read once.
    pub(crate) async fn write_mapping_and_load(
        &self,
        m: &Path,
        text: &str,
        progress: impl Fn(LoadProgress) + Send + 'static,
    ) -> AppResult<DatasetSummary> {
        let trial = m.with_file_name("mapping (unsaved edit).toml");
        leadpolicy::output::write_atomic(&trial, |w| {
            std::io::Write::write_all(w, text.as_bytes())
        })?;
        let read = self.read_dataset(&trial, progress).await;
        let _ = std::fs::remove_file(&trial);
        let (mut ds, fields) = read?;
        leadpolicy::output::write_atomic(m, |w| std::io::Write::write_all(w, text.as_bytes()))?;
        ds.mapping_path = m.to_path_buf();
        self.install(m, ds, fields).await
    }

    /// Replay the published baseline and the working copy. A result that a newer request (or a
    /// cancel) has overtaken is reported as cancelled; `generation` is the window's own counter,
    /// echoed back.
    pub async fn replay(&self, generation: u32) -> AppResult<ReplayView> {
        let ticket = self.replay_seq.fetch_add(1, Ordering::SeqCst) + 1;
        let start = Instant::now();
        let (ds, baseline, draft, labels) = {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let ds = s.dataset.clone().ok_or_else(|| {
                AppError::new(
                    ErrorCode::Usage,
                    "No dataset is loaded. Open one on the Data screen.",
                )
            })?;
            let published = s.published().await?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::Lifecycle,
                    "Nothing is published yet, so there is no baseline to compare with.",
                )
            })?;
            let baseline = parse_version(&published)?;
            let v = s.open_version().await?.unwrap_or_else(|| published.clone());
            let (text, _) = s.text_of(&v).await?;
            let draft = checked(&text, v.version, &ds).map_err(|e| {
                let mut err = AppError::from(e);
                err.message = format!(
                    "The draft has problems; fix them to see the replay.\n{}",
                    err.message
                );
                err
            })?;
            let draft_label = if v.version == published.version {
                format!("v{} (published)", v.version)
            } else {
                format!("v{} {}", v.version, status_words(v.status))
            };
            // A baseline written for other data (an export just imported) cannot be replayed on
            // this one: the draft stands on both sides, and the view says so.
            let misfit = baseline_misfit(&baseline, &ds);
            let (baseline, labels, note) = match misfit {
                None => (
                    baseline,
                    (format!("v{} (published)", published.version), draft_label),
                    None,
                ),
                Some(fields) => (
                    draft.clone(),
                    (format!("{draft_label} (no baseline)"), draft_label),
                    Some(format!(
                        "The published v{} reads fields this data does not have ({fields}), so it cannot be replayed on it: both sides show the draft until a version written for this data is published.",
                        published.version
                    )),
                ),
            };
            let options = s.options.clone();
            Ok::<_, AppError>((
                ds,
                Arc::new(baseline),
                Arc::new(draft),
                (labels, note, options),
            ))
        }?;
        let (labels, baseline_note, options) = labels;
        let latest = || self.replay_seq.load(Ordering::SeqCst) == ticket;
        if !latest() {
            return Err(Error::Cancelled.into());
        }
        let (b, d, data) = (Arc::clone(&baseline), Arc::clone(&draft), Arc::clone(&ds));
        let (covered, charts) = tokio::task::spawn_blocking(move || -> AppResult<_> {
            let covered = replay::replay_with(&b, &d, &data, &options)?;
            let charts = chart::all(&covered.replay);
            Ok((covered, charts))
        })
        .await
        .map_err(blocking_failed)??;
        if !latest() {
            return Err(Error::Cancelled.into());
        }
        let r = &covered.replay;
        let view = ReplayView {
            generation,
            elapsed_ms: 0,
            baseline_note,
            baseline_label: labels.0,
            draft_label: labels.1,
            leads: r.dataset.leads as u32,
            cohort: r.cohort.describe(),
            metrics: metric_rows(r),
            charts: charts
                .into_iter()
                .map(|(id, svg)| ChartView {
                    id,
                    title: id.title().unwrap_or_default().into(),
                    svg,
                })
                .collect(),
            flips: flip_matrix(r),
            unresolved_by_reason: unresolved_rows(r),
        };
        drop(ds);
        let last = Arc::new(Last {
            cohort: covered.replay.cohort,
            ds: Arc::new(covered.leads),
            baseline,
            draft,
            bd: covered.baseline,
            dd: covered.draft,
        });
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            s.last = Some(last);
            Ok::<_, AppError>(())
        }?;
        Ok(ReplayView {
            elapsed_ms: start.elapsed().as_millis() as u32,
            ..view
        })
    }

    async fn last(&self) -> AppResult<Arc<Last>> {
        {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            s.last
                .clone()
                .ok_or_else(|| AppError::new(ErrorCode::Usage, "Run a replay first."))
        }
    }

    /// One page of the leads a query selects, from the last replay.
    pub async fn leads(&self, q: &LeadQuery, offset: u32, limit: u32) -> AppResult<LeadPage> {
        let last = self.last().await?;
        let q = q.clone();
        tokio::task::spawn_blocking(move || lead_page(&last, &q, offset, limit))
            .await
            .map_err(blocking_failed)?
    }

    /// Lead ids that start with `text` (then those that contain it), up to 20.
    pub async fn search_leads(&self, text: &str) -> AppResult<Vec<String>> {
        let ds = {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            s.dataset
                .clone()
                .ok_or_else(|| AppError::new(ErrorCode::Usage, "No dataset is loaded."))
        }?;
        let text = text.to_string();
        tokio::task::spawn_blocking(move || -> AppResult<Vec<String>> {
            Ok(ds.search_ids(&text, 20)?)
        })
        .await
        .map_err(blocking_failed)?
    }

    /// A lead's packets under the baseline and the draft of the last replay.
    pub async fn inspect_lead(&self, lead: &str) -> AppResult<LeadInspection> {
        let last = self.last().await?;
        let lead = lead.trim().to_string();
        tokio::task::spawn_blocking(move || -> AppResult<LeadInspection> {
            let ds = &last.ds;
            let row = ds.row_of(&lead)?;
            let bp = explain::explain_row(&last.baseline, ds, row)?;
            let dp = explain::explain_row(&last.draft, ds, row)?;
            let mut fields = Vec::new();
            for f in &ds.fields {
                if f.name.starts_with(hidden::PREFIX) {
                    continue;
                }
                let v = ds.text_at(&f.name, row)?;
                fields.push((f.name.clone(), v.unwrap_or_else(|| "(missing)".into())));
            }
            let label = |p: &Policy, side: &str| format!("v{} {side}", p.version);
            Ok(LeadInspection {
                lead_id: lead.clone(),
                fields,
                outcome: outcome_view(&dp),
                baseline: packet_view(&last.baseline, &bp, &label(&last.baseline, "(published)")),
                draft: packet_view(&last.draft, &dp, &label(&last.draft, "(draft)")),
            })
        })
        .await
        .map_err(blocking_failed)?
    }

    /// The trust analytics of the draft of the last replay, with the baseline for segment impact.
    pub async fn trust(&self) -> AppResult<TrustView> {
        let last = self.last().await?;
        tokio::task::spawn_blocking(move || -> AppResult<TrustView> {
            let start = Instant::now();
            let a = leadpolicy::analyze::analyze(
                &last.draft,
                Some(&last.baseline),
                &last.ds,
                &leadpolicy::analyze::Settings::default(),
            )?;
            let a = leadpolicy::analyze::Analysis {
                cohort: last.cohort.clone(),
                ..a
            };
            let f = leadpolicy::report::analysis::findings(&a);
            Ok(TrustView {
                draft_label: format!("v{}", last.draft.version),
                cohort: last.cohort.describe(),
                proxies: f.proxies,
                proxy_threshold: a.proxies.threshold,
                four_fifths: f.four_fifths,
                idle_rules: f.idle_rules,
                recorded_later: f.recorded_later,
                charts: chart::analysis::all(&a)
                    .into_iter()
                    .map(|(id, svg)| ChartView {
                        id,
                        title: id.title().unwrap_or_default().into(),
                        svg,
                    })
                    .collect(),
                text: leadpolicy::report::analysis::render_text(&a),
                elapsed_ms: start.elapsed().as_millis() as u32,
            })
        })
        .await
        .map_err(blocking_failed)?
    }

    /// Suggested edits of the draft of the last replay, on its leads, with their evidence.
    pub async fn suggest(
        &self,
        progress: impl Fn(crate::suggest::SuggestProgress) + Send + Sync + 'static,
    ) -> AppResult<crate::suggest::SuggestionsView> {
        let last = self.last().await?;
        let limits = self.lock().await?.ws.guardrail_limits().await?;
        tokio::task::spawn_blocking(move || {
            crate::suggest::suggestions(
                &last.draft,
                &last.baseline,
                &last.ds,
                limits,
                &|done, total| {
                    progress(crate::suggest::SuggestProgress {
                        done: done as u32,
                        total: total as u32,
                    })
                },
            )
        })
        .await
        .map_err(blocking_failed)?
    }

    /// The published version's first days on the loaded data, period by period.
    pub async fn track(&self, by: crate::cohort::By) -> AppResult<crate::track::TrackView> {
        let (v, ds) = {
            let mut guard = self.lock().await?;
            let s = &mut *guard;
            let v = s.published().await?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::Lifecycle,
                    "Nothing is published yet, so there is nothing to track.",
                )
            })?;
            let ds = s.dataset.clone().ok_or_else(|| {
                AppError::new(
                    ErrorCode::Usage,
                    "No dataset is loaded. Open one on the Data screen.",
                )
            })?;
            (v, ds)
        };
        tokio::task::spawn_blocking(move || crate::track::track_published(&v, &ds, by))
            .await
            .map_err(blocking_failed)?
    }

    /// What the cohort bar can offer on the loaded data.
    pub async fn cohort_choices(&self) -> AppResult<crate::cohort::CohortChoices> {
        let ds = self.lock().await?.dataset.clone().ok_or_else(|| {
            AppError::new(
                ErrorCode::Usage,
                "No dataset is loaded. Open one on the Data screen.",
            )
        })?;
        tokio::task::spawn_blocking(move || crate::cohort::choices(&ds))
            .await
            .map_err(blocking_failed)?
    }

    /// Set which leads the next replays cover, their conversion window and periods; the window
    /// replays after. Also what a submitted draft's recorded replay covers.
    pub async fn set_replay_options(
        &self,
        options: &crate::cohort::ReplayOptions,
    ) -> AppResult<crate::cohort::ReplayOptions> {
        let core = options.to_core()?;
        self.lock().await?.options = core;
        Ok(options.clone())
    }
}

/// The leads a query selects, one page of them.
fn lead_page(last: &Last, q: &LeadQuery, offset: u32, limit: u32) -> AppResult<LeadPage> {
    let ds = &last.ds;
    let converted = ds.converted()?;
    let later = |d: &Decisions, i: usize| {
        matches!(
            d.decision(i),
            Decision::Rejected | Decision::Nurture | Decision::Unresolved
        ) && converted.as_ref().is_some_and(|c| c[i])
    };
    let selected: Vec<usize> = match q {
        LeadQuery::Flip { baseline, draft } => {
            let (b, d) = (*baseline, *draft);
            (0..ds.len())
                .filter(|&i| last.bd.decision(i) == b && last.dd.decision(i) == d)
                .collect()
        }
        LeadQuery::Unresolved { side } => {
            let d = if *side == Side::Baseline {
                &last.bd
            } else {
                &last.dd
            };
            (0..ds.len())
                .filter(|&i| d.decision(i) == Decision::Unresolved)
                .collect()
        }
        LeadQuery::LaterConverted { side } => {
            let d = if *side == Side::Baseline {
                &last.bd
            } else {
                &last.dd
            };
            (0..ds.len()).filter(|&i| later(d, i)).collect()
        }
    };
    let company = ds.field("company").map(|f| f.name.clone());
    let mut leads = Vec::new();
    for &i in selected.iter().skip(offset as usize).take(limit as usize) {
        leads.push(LeadRow {
            lead_id: ds.text_at(&ds.id, i)?.unwrap_or_default(),
            company: match &company {
                Some(c) => ds.text_at(c, i)?,
                None => None,
            },
            baseline: brief(&last.baseline, &last.bd, i),
            draft: brief(&last.draft, &last.dd, i),
            converted: converted.as_ref().map(|c| c[i]),
            seller_outcome: ds.text_at(hidden::SELLER_OUTCOME, i).ok().flatten(),
        });
    }
    Ok(LeadPage {
        total: selected.len() as u32,
        offset,
        leads,
    })
}
