// Export in two steps so tests can skip the native dialog: `pickAndExport` asks for a path with the
// save dialog, `exportTo` does everything after it. `window.__leadpolicy.exportTo` exposes the
// second for end-to-end tests (dialogs cannot be driven there).
import { save } from "@tauri-apps/plugin-dialog";
import { commands, type ExportView } from "./bindings";
import { app } from "./state.svelte";

export const exportState = $state<{ busy: boolean; result: ExportView | null }>({ busy: false, result: null });

/** Everything after the dialog: export to `path`, then show the written files and checksum. */
export async function exportTo(path: string): Promise<void> {
  exportState.busy = true;
  try {
    const r = await app.run("The export failed", commands.exportPolicy(app.actor, path));
    if (r) exportState.result = r;
  } finally {
    exportState.busy = false;
  }
}

export function defaultExportName(policyId: string, version: number): string {
  return `${policyId}-v${version}.toml`;
}

export async function pickAndExport(policyId: string, version: number): Promise<void> {
  let path: string | null;
  try {
    path = await save({
      title: "Export the approved policy",
      defaultPath: defaultExportName(policyId, version),
      filters: [{ name: "Policy file", extensions: ["toml"] }],
    });
  } catch (e) {
    app.showError("The save dialog could not open", { code: "internal", message: String(e), place: null });
    return;
  }
  if (path) await exportTo(path);
}

declare global {
  interface Window {
    __leadpolicy?: {
      exportTo(path: string): Promise<void>;
      /** Set by the Data screen's import panel: read an export without the file dialog. */
      importFrom?(leads: string, outcomes: string | null): Promise<void>;
    };
  }
}

export function installTestHooks(): void {
  window.__leadpolicy = { exportTo };
}
