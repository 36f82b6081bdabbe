//! The leadpolicy desktop workbench: a thin Tauri shell over the `leadpolicy` core. The window
//! (`ui/`) calls the commands in [`commands`], which call [`session::App`]; the core does every
//! decision, replay, check and write. TypeScript bindings for the commands and their types are
//! generated from this crate ([`bindings`]) and checked for drift by a test.

pub mod cohort;
pub mod commands;
pub mod error;
pub mod import;
mod lifecycle;
pub mod session;
pub mod suggest;
pub mod track;
pub mod views;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use specta_typescript::Typescript;
use tauri::Runtime;

/// The commands, in one place for the app, the tests and the bindings.
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    use commands::*;
    tauri_specta::Builder::<R>::new()
        .commands(tauri_specta::collect_commands![
            open_workbench,
            workbench,
            edit_draft,
            replay,
            load_dataset,
            cancel,
            read_mapping,
            save_mapping,
            leads,
            search_leads,
            inspect_lead,
            trust,
            cohort_choices,
            track,
            suggest,
            set_replay_options,
            review,
            submit,
            approve,
            publish,
            export_policy,
            new_draft,
            versions,
            compare_versions,
            audit,
            keys,
            trust_key,
            infer_export,
            use_inference,
            starter_draft,
        ])
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
        // Every float we send is finite (no metric is NaN: "not available" is null), so a
        // float is a plain `number` in TypeScript.
        .semantic_types(
            specta_typescript::semantic::Configuration::default().enable_lossless_floats(),
        )
}

/// The TypeScript bindings as text (what `ui/src/lib/bindings.ts` must contain).
pub fn bindings() -> Result<String, String> {
    let dir = tempfile_dir()?;
    let path = dir.join("bindings.ts");
    specta_builder::<tauri::Wry>()
        .export(
            Typescript::default().header("// Generated from src-tauri by `cargo test --workspace bindings` (UPDATE_BINDINGS=1 rewrites it). Do not edit.\n/* eslint-disable */"),
            &path,
        )
        .map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(text)
}

fn tempfile_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("leadpolicy-bindings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Who acts by default: the login name (the window lets the person change it).
fn default_actor() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default()
}

/// The app on any runtime: `base` is `tauri::Builder::default()` for the real window or
/// `tauri::test::mock_builder()` in tests; `workspace` overrides the app data dir.
pub fn app_builder<R: Runtime>(
    base: tauri::Builder<R>,
    workspace: Option<PathBuf>,
) -> tauri::Builder<R> {
    let specta = specta_builder::<R>();
    let base = base.invoke_handler(specta.invoke_handler());
    // `LEADPOLICY_WORKSPACE` points the app elsewhere (tests, a second workspace).
    match workspace.or_else(|| std::env::var_os("LEADPOLICY_WORKSPACE").map(PathBuf::from)) {
        Some(dir) => base.manage(session::App::new(dir, default_actor())),
        // The same default folder as the command line's (`leadpolicy workspace …`).
        None => base.manage(session::App::new(
            leadpolicy::store::default_dir(
                std::env::var_os("XDG_DATA_HOME").map(PathBuf::from),
                std::env::var_os("HOME").map(PathBuf::from),
            ),
            default_actor(),
        )),
    }
}

/// Run the desktop app.
pub fn run() {
    let result = app_builder(tauri::Builder::default(), None)
        .plugin(tauri_plugin_dialog::init())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("leadpolicy could not start its window: {e}");
        std::process::exit(1);
    }
}
