// The app's shared state (Svelte 5 runes) and the few flows that touch several screens:
// startup, draft edits, debounced replays with a generation counter, and error reporting.
// Components call `app.*`; every backend call goes through `commands` from the bindings.
import type { Channel } from "@tauri-apps/api/core";
import {
  commands,
  type AppError,
  type DatasetSummary,
  type Edit as DraftEdit,
  type DraftState,
  type CohortChoices,
  type LeadQuery,
  type ReplayOptions,
  type ReplayView,
  type ReviewView,
  type SuggestionsView,
  type SuggestProgress,
  type Workbench,
} from "./bindings";

/** What every generated command resolves to (tauri-specta's `typedError`). */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

export type Screen = "policy" | "replay" | "leads" | "suggest" | "trust" | "track" | "review" | "history" | "data";

export type ShownError = { what: string; message: string; place: string | null; code: string };

const ACTOR_KEY = "leadpolicy.actor";

/** Replay options that narrow nothing. */
export function everyLead(): ReplayOptions {
  return { from: null, to: null, source: [], campaign: [], form: [], conversion_window: null, as_of: null, by: null };
}
const REPLAY_DEBOUNCE_MS = 150;

function storedActor(): string | null {
  try {
    return globalThis.localStorage?.getItem(ACTOR_KEY) ?? null;
  } catch {
    return null;
  }
}

class AppState {
  loading = $state(true);
  startupFailed = $state(false);
  workbench = $state<Workbench | null>(null);
  draft = $state<DraftState | null>(null);
  dataset = $state<DatasetSummary | null>(null);
  // First thing a person sees: the sample replay, published vs draft.
  screen = $state<Screen>("replay");
  actor = $state("");
  error = $state<ShownError | null>(null);
  saving = $state(0);

  replay = $state<ReplayView | null>(null);
  replaying = $state(false);
  /** Why the last replay could not run (an invalid draft), shown on the Replay screen. */
  replayProblem = $state<string | null>(null);
  /** Lead shown on the Leads screen. */
  inspectLeadId = $state<string | null>(null);
  /** Replay screen: the list of leads opened (flip cell, queue, ledger) and the lead opened in it. */
  replayList = $state<LeadQuery | null>(null);
  replayLead = $state<string | null>(null);

  /** Which leads the replay covers, its conversion window and periods (the cohort bar). */
  replayOptions = $state<ReplayOptions>(everyLead());
  /** The last suggestions found, and the draft text before one was tried (to undo it). */
  suggestions = $state<SuggestionsView | null>(null);
  suggesting = $state(false);
  triedSuggestion = $state<{ title: string; previous: string } | null>(null);
  /** What the cohort bar offers on the loaded data. */
  cohortChoices = $state<CohortChoices | null>(null);

  #latestGeneration = 0;
  #replayTimer: ReturnType<typeof setTimeout> | null = null;

  /** Unwraps a command result; shows the error (except `cancelled`) and returns null on failure. */
  async run<T>(what: string, call: Promise<Result<T, AppError>>): Promise<T | null> {
    try {
      const r = await call;
      if (r.status === "ok") return r.data;
      if (r.error.code !== "cancelled") this.showError(what, r.error);
      return null;
    } catch (e) {
      this.showError(what, { code: "internal", message: e instanceof Error ? e.message : String(e), place: null });
      return null;
    }
  }

  showError(what: string, e: AppError): void {
    this.error = { what, message: e.message, place: e.place, code: e.code };
  }

  dismissError(): void {
    this.error = null;
  }

  setActor(name: string): void {
    this.actor = name;
    try {
      globalThis.localStorage?.setItem(ACTOR_KEY, name);
    } catch {
      // Storage can be unavailable (private mode); the name still applies to this session.
    }
  }

  async start(): Promise<void> {
    this.loading = true;
    this.startupFailed = false;
    const wb = await this.run("Opening the workbench failed", commands.openWorkbench());
    if (!wb) {
      this.loading = false;
      this.startupFailed = true;
      return;
    }
    this.acceptWorkbench(wb);
    this.actor = storedActor() || wb.actor;
    this.loading = false;
    void this.runReplay();
    void this.loadCohortChoices();
  }

  async loadCohortChoices(): Promise<void> {
    this.cohortChoices = this.dataset ? await this.run("The cohort choices could not be read", commands.cohortChoices()) : null;
  }

  /** Finds suggestions for the draft on the replayed leads. A result for a draft that has
   * changed meanwhile is dropped: its policy texts would undo the newer edits. */
  async findSuggestions(onProgress: Channel<SuggestProgress>): Promise<void> {
    if (this.suggesting) return;
    const draftText = this.draft?.text;
    this.suggesting = true;
    try {
      const v = await this.run("Suggestions could not be computed", commands.suggest(onProgress));
      if (v && this.draft?.text === draftText) this.suggestions = v;
    } finally {
      this.suggesting = false;
    }
  }

  /** Makes a suggested policy text the draft's (an audited edit) and shows its replay. */
  async trySuggestion(title: string, text: string): Promise<void> {
    const previous = this.draft?.text;
    if (previous === undefined) return;
    if (await this.edit({ kind: "source", text }, true)) {
      this.triedSuggestion = { title, previous };
      this.screen = "replay";
    }
  }

  /** Puts back the draft text from before the suggestion was tried. */
  async undoSuggestion(): Promise<void> {
    const t = this.triedSuggestion;
    if (t && (await this.edit({ kind: "source", text: t.previous }, true))) this.triedSuggestion = null;
  }

  /** Narrows the replay (an empty option narrows nothing) and replays. Shown at once, so that
   * quick changes build on each other; put back if the backend refuses it. */
  async setReplayOptions(options: ReplayOptions): Promise<void> {
    const before = this.replayOptions;
    this.replayOptions = options;
    const set = await this.run("That cohort cannot be used", commands.setReplayOptions(options));
    if (!set) {
      if (this.replayOptions === options) this.replayOptions = before;
      return;
    }
    this.replayList = null;
    this.replayLead = null;
    // Suggestions were learned on the other leads.
    this.suggestions = null;
    this.scheduleReplay(0);
  }

  acceptWorkbench(wb: Workbench): void {
    this.workbench = wb;
    this.draft = wb.draft;
    this.dataset = wb.dataset;
  }

  /** Follows a lifecycle step (submit, approve, publish) in the header and the Policy screen.
   * The contract has no "read the workbench" command (openWorkbench also loads the sample
   * dataset), so the state is patched from the ReviewView instead of re-read. */
  applyReview(review: ReviewView): void {
    // Submitted, approved or published: the suggestions and their undo were for the draft.
    this.suggestions = null;
    this.triedSuggestion = null;
    const wb = this.workbench;
    if (wb) wb.published = review.published;
    const draft = this.draft;
    if (!draft) return;
    const rd = review.draft;
    if (!rd || rd.status === "published" || review.published?.version === draft.version) {
      // Published: there is no open draft until "Start a new draft".
      this.draft = null;
      if (wb) wb.draft = null;
      return;
    }
    if (rd.version !== draft.version) return;
    const next = { ...draft, status: rd.status, editable: rd.status === "draft" };
    this.draft = next;
    if (wb) wb.draft = next;
  }

  /** Applies one edit; on success re-renders from the returned draft and schedules a replay.
   * `fromSuggestion`: trying or undoing a suggestion (see below). */
  async edit(edit: DraftEdit, fromSuggestion = false): Promise<boolean> {
    this.saving++;
    try {
      const next = await this.run("Your change could not be saved", commands.editDraft(edit));
      if (!next) return false;
      // The suggestions were made for the text before this edit; after another edit, undoing a
      // tried suggestion would lose that edit, so neither is offered any more.
      this.suggestions = null;
      if (!fromSuggestion) this.triedSuggestion = null;
      this.draft = next;
      if (this.workbench) this.workbench.draft = next;
      this.scheduleReplay();
      return true;
    } finally {
      this.saving--;
    }
  }

  scheduleReplay(delay = REPLAY_DEBOUNCE_MS): void {
    if (this.#replayTimer) clearTimeout(this.#replayTimer);
    this.#replayTimer = setTimeout(() => {
      this.#replayTimer = null;
      void this.runReplay();
    }, delay);
  }

  async runReplay(): Promise<void> {
    if (!this.dataset) {
      this.replayProblem = "No dataset is loaded yet. Open one on the Data screen.";
      return;
    }
    const generation = ++this.#latestGeneration;
    this.replaying = true;
    try {
      const r = await commands.replay(generation);
      if (generation !== this.#latestGeneration) return; // a newer replay was asked for
      if (r.status === "ok") {
        if (r.data.generation < this.#latestGeneration) return;
        this.replay = r.data;
        this.replayProblem = null;
      } else if (r.error.code === "cancelled") {
        return;
      } else if (r.error.code === "invalid") {
        this.replayProblem = r.error.place ? `${r.error.message} (${r.error.place})` : r.error.message;
      } else {
        this.showError("The replay failed", r.error);
      }
    } catch (e) {
      if (generation === this.#latestGeneration)
        this.showError("The replay failed", { code: "internal", message: String(e), place: null });
    } finally {
      if (generation === this.#latestGeneration) this.replaying = false;
    }
  }

  setDataset(summary: DatasetSummary): void {
    this.dataset = summary;
    // Suggestions were learned from the other data.
    this.suggestions = null;
    this.triedSuggestion = null;
    // Leads opened on other data are not in this one.
    this.replayList = null;
    this.replayLead = null;
    this.inspectLeadId = null;
    if (this.workbench) this.workbench.dataset = summary;
    // Another dataset starts from every lead (the backend resets too).
    this.replayOptions = everyLead();
    void this.loadCohortChoices();
    this.scheduleReplay(0);
    void this.refreshDraft();
  }

  /** Re-reads the draft: its problems depend on the dataset (fields it reads that the data lacks). */
  async refreshDraft(): Promise<void> {
    const wb = await this.run("The draft could not be read", commands.workbench());
    if (!wb) return;
    this.draft = wb.draft;
    if (this.workbench) this.workbench.draft = wb.draft;
  }
}

export const app = new AppState();
