// Dev-only fake backend so the UI can be seen without the Rust side (VITE_MOCK=1). Data come from
// the real CLI's replay of policies/*.toml on fixtures/sample (see gen_mockdata.py). Edits are
// applied to the structured policy only; the source text is kept as typed.
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AuditRow,
  ChangeView,
  DatasetSummary,
  Edit as DraftEdit,
  DraftState,
  LeadInspection,
  LeadRow,
  PolicyView,
  Problem,
  ReplayView,
  ReviewView,
  VersionInfo,
  Workbench,
  LoadProgress,
  ErrorCode,
  Status,
} from "../lib/bindings";
import raw from "./mockdata.json";

type MockData = {
  dataset: DatasetSummary;
  draftText: string;
  baselineText: string;
  mappingText: string;
  draft: PolicyView;
  baseline: PolicyView;
  metrics: ReplayView["metrics"];
  flips: ReplayView["flips"];
  charts: ReplayView["charts"];
  unresolved: ReplayView["unresolved_by_reason"];
  leads: LeadRow[];
  inspections: Record<string, LeadInspection>;
};
const data = raw as unknown as MockData;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => new Date().toISOString();

let policy: PolicyView = clone(data.draft);
let text = data.draftText;
let problems: Problem[] = [];
let parses = true;
let savedAt = now();
let status: Status = "draft";
let draftVersion = 4;
let publishedVersion = 3;
let approval: ReviewView["approval"] = null;
let hasDraft = true;
const author = "Dana Whitfield";
const versions: VersionInfo[] = [
  { version: 1, status: "retired", author: "Priya Raman", created_at: "2025-03-02T09:12:00Z", sha256: "9c1e…" },
  { version: 2, status: "retired", author: "Priya Raman", created_at: "2025-06-18T14:40:00Z", sha256: "47ab…" },
  { version: 3, status: "published", author: "Marcus Lee", created_at: "2025-09-01T08:05:00Z", sha256: "1151a01567897d6dc82467eec2cf8f99ac4477f1aecbb02aa1bdb7b4d07636f2" },
  { version: 4, status: "draft", author, created_at: "2026-11-20T10:30:00Z", sha256: "3cbdb14893ef607314f1047ca1644dbf2bea1e9fc30a27b603c4fdae65c23d5c" },
];
const audit: AuditRow[] = [
  { seq: 1, at: "2025-09-01T08:05:00Z", actor: "Marcus Lee", action: "publish", version: 3, detail: "published v3" },
  { seq: 2, at: "2026-11-20T10:30:00Z", actor: author, action: "new_draft", version: 4, detail: "draft v4 from v3" },
];

function draftState(): DraftState | null {
  if (!hasDraft) return null;
  return { version: draftVersion, status, editable: status === "draft", text, saved_at: savedAt, policy: parses ? clone(policy) : null, problems: clone(problems) };
}

function workbench(): Workbench {
  return {
    workspace_dir: "/home/dana/.local/share/leadpolicy",
    actor: author,
    policy_id: policy.id,
    policy_name: policy.name,
    published: versions.find((v) => v.version === publishedVersion) ?? null,
    draft: draftState(),
    dataset: data.dataset,
  };
}

const CHANGES: ChangeView[] = [
  { section: "scope", kind: "changed", name: "source", old: "demo_request, paid_search, webinar, partner_referral", new: "demo_request, paid_search, webinar, partner_referral, event" },
  { section: "fields", kind: "added", name: "annual_revenue", old: null, new: "allowed" },
  { section: "fields", kind: "added", name: "email_domain", old: null, new: "allowed" },
  { section: "evidence", kind: "changed", name: "min enrichment confidence", old: "0.5", new: "0.6" },
  { section: "evidence", kind: "changed", name: "on overlap", old: "review", new: "first match" },
  { section: "signal", kind: "changed", name: "account_fit", old: "employees ≥ 200 and industry in 4 values", new: "(employees ≥ 200 or revenue ≥ 50M) and industry in 5 values" },
  { section: "route", kind: "changed", name: "enterprise", old: "SLA 30 min", new: "SLA 15 min" },
  { section: "rule", kind: "added", name: "dq-competitors", old: null, new: "Disqualify as Works for a competitor when email domain matches …" },
  { section: "rule", kind: "removed", name: "dq-micro-companies", old: "Disqualify as Company under 10 employees when employees < 10", new: null },
];

function review(): ReviewView {
  const recorded = status !== "draft";
  const blocked = recorded && !approval;
  return {
    draft: hasDraft ? (versions.find((v) => v.version === draftVersion) ?? null) : null,
    published: versions.find((v) => v.version === publishedVersion) ?? null,
    changes: hasDraft ? CHANGES : [],
    guardrails: recorded
      ? [
          { key: "later_converted", label: "Later-converted leads", text: "later-converted leads rise by 3 (limit 0)", baseline: 372, draft: 375, blocked },
          { key: "seller_acceptance", label: "Seller acceptance", text: "seller acceptance falls by 0.7 pts (limit 2 pts)", baseline: 0.799, draft: 0.792, blocked: false },
        ]
      : [],
    replay_recorded: recorded,
    approval,
    can_submit: hasDraft && status === "draft",
    can_approve: status === "in_review",
    can_publish: status === "approved",
    can_export: status === "approved" || status === "published",
    next_step: !hasDraft
      ? "Published. Start a new draft to make further changes."
      : status === "draft"
        ? "Submit the draft for review: this records its replay against the published v3."
        : status === "in_review"
          ? "A reviewer other than the author approves it (with an override note: a guardrail is exceeded)."
          : status === "approved"
            ? "Publish it to make it the new baseline, then export the file for the routing system."
            : "Export the file for the routing system.",
  };
}

function log(actor: string, action: string, detail: string) {
  audit.push({ seq: audit.length + 1, at: now(), actor, action, version: draftVersion, detail });
}

function applyEdit(edit: DraftEdit): void {
  const p = policy;
  switch (edit.kind) {
    case "source": {
      text = edit.text;
      const bad = /^[ \t]*\[\[?[^\]\n]*$/m.exec(text);
      if (bad) {
        const line = text.slice(0, bad.index).split("\n").length;
        problems = [{ line, column: 1, message: "unclosed table header", hint: "end the header with `]`", snippet: bad[0] }];
        parses = false;
      } else {
        problems = [];
        parses = true;
      }
      break;
    }
    case "allow":
      p.allowed = edit.allowed ? [...p.allowed.filter((f) => f !== edit.field), edit.field] : p.allowed.filter((f) => f !== edit.field);
      break;
    case "evidence":
      p.evidence = edit.evidence;
      break;
    case "put_rule": {
      const rule = { ...edit.rule, sentence: "" };
      if (edit.index === null) {
        if (rule.action.kind === "disqualify") {
          let last = -1;
          p.rules.forEach((r, i) => r.action.kind === "disqualify" && (last = i));
          p.rules.splice(last + 1, 0, rule);
        } else p.rules.push(rule);
      } else p.rules[edit.index] = rule;
      break;
    }
    case "delete_rule":
      p.rules.splice(edit.index, 1);
      break;
    case "move_rule": {
      const [r] = p.rules.splice(edit.from, 1);
      p.rules.splice(edit.to, 0, r);
      break;
    }
    case "put_signal": {
      const i = p.signals.findIndex((s) => s.name === (edit.previous ?? edit.name));
      const s = { name: edit.name, when: edit.when, sentence: "" };
      if (i >= 0) p.signals[i] = s;
      else p.signals.push(s);
      break;
    }
    case "delete_signal":
      p.signals = p.signals.filter((s) => s.name !== edit.name);
      break;
    case "put_reason": {
      const i = p.reasons.findIndex((r) => r.code === edit.code);
      if (i >= 0) p.reasons[i] = { code: edit.code, label: edit.label };
      else p.reasons.push({ code: edit.code, label: edit.label });
      break;
    }
    case "delete_reason":
      p.reasons = p.reasons.filter((r) => r.code !== edit.code);
      break;
    case "put_route": {
      const i = p.routes.findIndex((r) => r.name === (edit.previous ?? edit.route.name));
      if (i >= 0) p.routes[i] = edit.route;
      else p.routes.push(edit.route);
      break;
    }
    case "delete_route":
      p.routes = p.routes.filter((r) => r.name !== edit.name);
      break;
  }
  savedAt = now();
}

function err(code: ErrorCode, message: string, place: string | null = null) {
  return Promise.reject({ code, message, place });
}

async function progress(ch: unknown) {
  const channel = ch as { onmessage?: (p: LoadProgress) => void } | undefined;
  const total = 6_200_000;
  for (let b = 0; b <= total; b += 1_240_000) {
    channel?.onmessage?.({ bytes: b, total_bytes: total, phase: b < total ? "Reading leads.csv" : "Checking columns" });
    await sleep(180);
  }
}

let replayCount = 0;

async function handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  switch (cmd) {
    case "open_workbench":
      await sleep(400);
      return workbench();
    case "edit_draft":
      if (status !== "draft") return err("lifecycle", "this version is in review and can no longer be edited; start a new draft to change it");
      applyEdit(args.edit as DraftEdit);
      await sleep(60);
      return draftState();
    case "replay": {
      const generation = args.generation as number;
      await sleep(500);
      if (!parses) return err("invalid", "the draft has problems; fix them in the source view", "draft, line " + (problems[0]?.line ?? 1));
      replayCount++;
      const jitter = replayCount > 1 ? (policy.rules.length - data.draft.rules.length) * 37 : 0;
      const metrics = data.metrics.map((m) =>
        m.key === "accepted" && m.draft !== null && m.baseline !== null
          ? { ...m, draft: m.draft + jitter, delta: m.draft + jitter - m.baseline }
          : m,
      );
      const view: ReplayView = {
        generation,
        elapsed_ms: 84,
        baseline_note: null,
        baseline_label: `v${publishedVersion} (published)`,
        draft_label: `v${draftVersion} draft`,
        leads: data.dataset.leads,
        cohort: `every lead: ${data.dataset.leads} of ${data.dataset.leads} leads`,
        metrics,
        charts: data.charts,
        flips: data.flips,
        unresolved_by_reason: data.unresolved,
      };
      return view;
    }
    case "cancel":
      return null;
    case "load_dataset":
      await progress(args.onProgress);
      return data.dataset;
    case "read_mapping":
      return data.mappingText;
    case "save_mapping": {
      const t = args.text as string;
      const i = t.indexOf("[roles]");
      if (i < 0) return err("data", "the mapping has no [roles] table", "mapping.toml, line 1, column 1");
      await progress(args.onProgress);
      return data.dataset;
    }
    case "leads": {
      const q = args.query as { kind: string; baseline?: string; draft?: string; side?: "baseline" | "draft" };
      let rows = data.leads;
      if (q.kind === "flip") rows = rows.filter((r) => r.baseline.decision === q.baseline && r.draft.decision === q.draft);
      else if (q.kind === "unresolved") rows = rows.filter((r) => r[q.side ?? "draft"].decision === "unresolved");
      else rows = rows.filter((r) => r.converted && ["rejected", "nurture", "unresolved"].includes(r[q.side ?? "draft"].decision));
      const offset = args.offset as number;
      const limit = args.limit as number;
      await sleep(120);
      return { total: rows.length, offset, leads: rows.slice(offset, offset + limit) };
    }
    case "search_leads": {
      const t = String(args.text).toUpperCase();
      return Object.keys(data.inspections)
        .filter((id) => id.includes(t))
        .slice(0, 20);
    }
    case "inspect_lead": {
      const id = args.leadId as string;
      const ins = data.inspections[id] ?? data.inspections[Object.keys(data.inspections)[0]];
      if (!data.inspections[id]) return err("unknown_lead", `no lead \`${id}\` in the dataset`, `lead ${id}`);
      await sleep(100);
      return ins;
    }
    case "review":
      return review();
    case "submit":
      status = "in_review";
      versions[versions.length - 1].status = status;
      log(args.actor as string, "submit", `submitted v${draftVersion} with its replay`);
      return review();
    case "approve":
      if (args.actor === author) return err("lifecycle", `\`${author}\` wrote this version and cannot approve it; another person must approve`);
      if (!args.overrideNote) return err("lifecycle", "a guardrail is exceeded: an override note is required");
      status = "approved";
      versions[versions.length - 1].status = status;
      approval = { reviewer: args.actor as string, note: args.note as string, override_note: args.overrideNote as string, at: now() };
      log(args.actor as string, "approve", `approved v${draftVersion}`);
      return review();
    case "publish":
      status = "published";
      versions.forEach((v) => v.version === publishedVersion && (v.status = "retired"));
      versions[versions.length - 1].status = "published";
      publishedVersion = draftVersion;
      hasDraft = false;
      log(args.actor as string, "publish", `published v${draftVersion}`);
      return review();
    case "export_policy": {
      const path = args.path as string;
      log(args.actor as string, "export", `exported v${publishedVersion} to ${path}`);
      return { policy_path: path, manifest_path: path.replace(/\.toml$/, ".manifest.json"), sha256: versions.find((v) => v.version === publishedVersion)?.sha256 ?? "", sql_paths: ["duckdb", "postgres", "spark"].map((d) => path.replace(/\.toml$/, `.${d}.sql`)), sql_note: null };
    }
    case "new_draft":
      draftVersion = publishedVersion + 1;
      status = "draft";
      hasDraft = true;
      approval = null;
      versions.push({ version: draftVersion, status: "draft", author: args.actor as string, created_at: now(), sha256: "…" });
      log(args.actor as string, "new_draft", `draft v${draftVersion}`);
      return workbench();
    case "versions":
      return clone(versions);
    case "compare_versions":
      return CHANGES;
    case "cohort_choices":
      return { first_day: "2025-01-01", last_day: "2025-12-31", dated: data.dataset.leads, leads: data.dataset.leads, can_window: true, sources: [], campaigns: [], forms: [] };
    case "set_replay_options":
      return args.options;
    case "audit":
      return { entries: clone(audit), verified: true, message: `chain verified — ${audit.length} entries` };
    default:
      // Plugin calls (dialogs) in the browser: pretend the person picked a path.
      if (cmd === "plugin:dialog|save") return "/home/dana/Exports/inbound-qualification-v4.toml";
      if (cmd === "plugin:dialog|open") return "/home/dana/data/mapping.toml";
      return err("internal", `the mock does not know \`${cmd}\``);
  }
}

export function installMock(): void {
  mockIPC((cmd, args) => handle(cmd, (args ?? {}) as Record<string, unknown>));
}
