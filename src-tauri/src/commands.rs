//! The IPC surface: one thin command per action, each unwrapping its arguments and calling
//! [`App`]. Generic over the runtime so the mock runtime can drive them in tests.

use std::path::PathBuf;

use leadpolicy::infer::Inference;
use leadpolicy::policy::edit::Edit;
use tauri::State;
use tauri::ipc::Channel;

use crate::error::AppResult;
use crate::session::App;
use crate::views::*;

#[tauri::command]
#[specta::specta]
pub async fn open_workbench(app: State<'_, App>) -> AppResult<Workbench> {
    app.open_workbench().await
}

/// The workbench as it is now, without loading anything.
#[tauri::command]
#[specta::specta]
pub async fn workbench(app: State<'_, App>) -> AppResult<Workbench> {
    app.workbench().await
}

#[tauri::command]
#[specta::specta]
pub async fn edit_draft(app: State<'_, App>, edit: Edit) -> AppResult<DraftState> {
    app.edit_draft(&edit).await
}

#[tauri::command]
#[specta::specta]
pub async fn replay(app: State<'_, App>, generation: u32) -> AppResult<ReplayView> {
    app.replay(generation).await
}

#[tauri::command]
#[specta::specta]
pub async fn load_dataset(
    app: State<'_, App>,
    mapping_path: String,
    on_progress: Channel<LoadProgress>,
) -> AppResult<DatasetSummary> {
    app.load_dataset(&PathBuf::from(mapping_path), move |p| {
        let _ = on_progress.send(p);
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel(app: State<'_, App>) -> AppResult<()> {
    app.cancel();
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn read_mapping(app: State<'_, App>) -> AppResult<String> {
    app.read_mapping().await
}

#[tauri::command]
#[specta::specta]
pub async fn save_mapping(
    app: State<'_, App>,
    text: String,
    on_progress: Channel<LoadProgress>,
) -> AppResult<DatasetSummary> {
    app.save_mapping(&text, move |p| {
        let _ = on_progress.send(p);
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn leads(
    app: State<'_, App>,
    query: LeadQuery,
    offset: u32,
    limit: u32,
) -> AppResult<LeadPage> {
    app.leads(&query, offset, limit).await
}

#[tauri::command]
#[specta::specta]
pub async fn search_leads(app: State<'_, App>, text: String) -> AppResult<Vec<String>> {
    app.search_leads(&text).await
}

#[tauri::command]
#[specta::specta]
pub async fn inspect_lead(app: State<'_, App>, lead_id: String) -> AppResult<LeadInspection> {
    app.inspect_lead(&lead_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn trust(app: State<'_, App>) -> AppResult<TrustView> {
    app.trust().await
}

#[tauri::command]
#[specta::specta]
pub async fn suggest(
    app: State<'_, App>,
    on_progress: Channel<crate::suggest::SuggestProgress>,
) -> AppResult<crate::suggest::SuggestionsView> {
    app.suggest(move |p| {
        let _ = on_progress.send(p);
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn track(
    app: State<'_, App>,
    by: crate::cohort::By,
) -> AppResult<crate::track::TrackView> {
    app.track(by).await
}

#[tauri::command]
#[specta::specta]
pub async fn cohort_choices(app: State<'_, App>) -> AppResult<crate::cohort::CohortChoices> {
    app.cohort_choices().await
}

#[tauri::command]
#[specta::specta]
pub async fn set_replay_options(
    app: State<'_, App>,
    options: crate::cohort::ReplayOptions,
) -> AppResult<crate::cohort::ReplayOptions> {
    app.set_replay_options(&options).await
}

#[tauri::command]
#[specta::specta]
pub async fn review(app: State<'_, App>) -> AppResult<ReviewView> {
    app.review().await
}

#[tauri::command]
#[specta::specta]
pub async fn submit(app: State<'_, App>, actor: String) -> AppResult<ReviewView> {
    app.submit(&actor).await
}

#[tauri::command]
#[specta::specta]
pub async fn approve(
    app: State<'_, App>,
    actor: String,
    note: String,
    override_note: Option<String>,
) -> AppResult<ReviewView> {
    app.approve(&actor, &note, override_note.as_deref()).await
}

#[tauri::command]
#[specta::specta]
pub async fn publish(app: State<'_, App>, actor: String) -> AppResult<ReviewView> {
    app.publish(&actor).await
}

#[tauri::command]
#[specta::specta]
pub async fn keys(app: State<'_, App>) -> AppResult<KeysView> {
    app.keys().await
}

#[tauri::command]
#[specta::specta]
pub async fn trust_key(
    app: State<'_, App>,
    actor: String,
    key: String,
    name: String,
) -> AppResult<KeysView> {
    app.trust_key(&actor, &key, &name).await
}

#[tauri::command]
#[specta::specta]
pub async fn export_policy(
    app: State<'_, App>,
    actor: String,
    path: String,
) -> AppResult<ExportView> {
    app.export_policy(&actor, &PathBuf::from(path)).await
}

#[tauri::command]
#[specta::specta]
pub async fn new_draft(app: State<'_, App>, actor: String) -> AppResult<Workbench> {
    app.new_draft(&actor).await
}

#[tauri::command]
#[specta::specta]
pub async fn versions(app: State<'_, App>) -> AppResult<Vec<VersionInfo>> {
    app.versions().await
}

#[tauri::command]
#[specta::specta]
pub async fn compare_versions(
    app: State<'_, App>,
    from: i64,
    to: i64,
) -> AppResult<Vec<ChangeView>> {
    app.compare_versions(from, to).await
}

#[tauri::command]
#[specta::specta]
pub async fn audit(app: State<'_, App>) -> AppResult<AuditView> {
    app.audit().await
}

#[tauri::command]
#[specta::specta]
pub async fn infer_export(
    app: State<'_, App>,
    leads: String,
    outcomes: Option<String>,
    sheet: Option<String>,
    on_progress: Channel<LoadProgress>,
) -> AppResult<Inference> {
    app.infer_export(
        PathBuf::from(leads),
        outcomes.map(PathBuf::from),
        sheet,
        move |p| {
            let _ = on_progress.send(p);
        },
    )
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn use_inference(
    app: State<'_, App>,
    inference: Inference,
    on_progress: Channel<LoadProgress>,
) -> AppResult<DatasetSummary> {
    app.use_inference(inference, move |p| {
        let _ = on_progress.send(p);
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn starter_draft(app: State<'_, App>) -> AppResult<String> {
    app.starter_draft().await
}
