// Plain-words formatting of numbers, percents, deltas, decisions and times for the whole UI.
// Pure functions (unit-tested in format.test.ts); no Svelte, no IPC.

import type { Decision, MetricFormat, Status } from "./bindings";

export type Tone = "good" | "bad" | "neutral";

const countFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const NA = "n/a";

/** 15000 → "15,000"; null → "n/a". */
export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return NA;
  return countFmt.format(n);
}

const numberFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** 19989613000 → "19,989,613,000"; 36.5 → "36.5"; null → "n/a". */
export function fmtNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return NA;
  return numberFmt.format(n);
}

/** A ratio 0..1 → "79.9%"; null → "n/a". */
export function fmtPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return NA;
  return `${oneDecimal.format(ratio * 100)}%`;
}

/** Minutes → "15 min", "2 h 5 min". */
export function fmtMinutes(min: number | null | undefined): string {
  if (min === null || min === undefined || !Number.isFinite(min)) return NA;
  const m = Math.round(min);
  if (Math.abs(m) < 60) return `${m} min`;
  const h = Math.trunc(m / 60);
  const rest = Math.abs(m % 60);
  return rest === 0 ? `${h} h` : `${h} h ${rest} min`;
}

export function fmtMetric(value: number | null | undefined, format: MetricFormat): string {
  switch (format) {
    case "percent":
      return fmtPercent(value);
    case "minutes":
      return fmtMinutes(value);
    default:
      return fmtCount(value);
  }
}

const MINUS = "\u2212";

function signed(text: string, v: number): string {
  if (v > 0) return `+${text}`;
  if (v < 0) return `${MINUS}${text}`;
  return text;
}

/** A change: counts "+826" / "−12", percents in points "+1.9 pts", minutes "+5 min"; 0 → "no change". */
export function fmtDelta(delta: number | null | undefined, format: MetricFormat): string {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return NA;
  const abs = Math.abs(delta);
  if (format === "percent") {
    const pts = oneDecimal.format(abs * 100);
    if (pts === "0.0") return "no change";
    return signed(`${pts} pts`, delta);
  }
  if (format === "minutes") {
    if (Math.round(abs) === 0) return "no change";
    return signed(fmtMinutes(abs), delta);
  }
  if (Math.round(abs) === 0) return "no change";
  return signed(countFmt.format(abs), delta);
}

/** `direction` comes from the backend: +1 the change is good for the business, -1 bad, 0 neutral. */
export function deltaTone(delta: number | null | undefined, direction: number): Tone {
  if (delta === null || delta === undefined || delta === 0) return "neutral";
  if (direction > 0) return "good";
  if (direction < 0) return "bad";
  return "neutral";
}

const DECISIONS: Record<Decision, string> = {
  accepted: "Accepted",
  nurture: "Nurture",
  rejected: "Rejected",
  unresolved: "Manual review",
  out_of_scope: "Out of scope",
};

/** Decision → plain words ("out_of_scope" → "Out of scope"). */
export function decisionLabel(code: Decision | null | undefined): string {
  if (!code) return "—";
  return DECISIONS[code];
}

const STATUSES: Record<Status, string> = {
  draft: "Draft",
  in_review: "In review",
  approved: "Approved",
  published: "Published",
  retired: "Retired",
};

export function statusLabel(code: Status | null | undefined): string {
  if (!code) return "—";
  return STATUSES[code];
}

/** "job_level" → "job level"; "missing_field:employees" → "missing field: employees". */
export function humanize(name: string): string {
  return name.replace(/_/g, " ").replace(/:/g, ": ").replace(/\s+/g, " ").trim();
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** ISO-8601 → "12:03" (local time); invalid → the input. */
export function fmtClock(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** ISO-8601 → "2026-11-27 12:03". */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${oneDecimal.format(n / 1024)} KB`;
  if (n < 1024 * 1024 * 1024) return `${oneDecimal.format(n / 1024 / 1024)} MB`;
  return `${oneDecimal.format(n / 1024 / 1024 / 1024)} GB`;
}

/** "1 lead" / "2 leads". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtCount(n)} ${n === 1 ? one : many}`;
}

export type TextPart = { text: string; code: boolean };

/** Backend messages put user input in backticks (``unknown field `employes` ``): split them so
 * the UI can show those parts as names instead of raw backticks. An unmatched backtick stays text. */
export function splitTicks(message: string): TextPart[] {
  const parts: TextPart[] = [];
  const re = /`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(message); m !== null; m = re.exec(message)) {
    if (m.index > last) parts.push({ text: message.slice(last, m.index), code: false });
    parts.push({ text: m[1], code: true });
    last = m.index + m[0].length;
  }
  if (last < message.length) parts.push({ text: message.slice(last), code: false });
  return parts;
}
