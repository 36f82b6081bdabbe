// The rule builder's logic, kept out of the components: which fields and operators are offered,
// building a `Cond` from flat rows and back, validation messages and id suggestions.
// Tested in builder.test.ts.
import type { Cond, FieldView, Lit, PolicyView, Scalar } from "./bindings";
import { humanize } from "./format";

export type ValueType = "text" | "number" | "signal";
export type Combine = "all" | "any";

/** A builder operator. `present` is `missing = false`; `is_true`/`is_false` apply to signals. */
export type OpKey =
  | "eq"
  | "ne"
  | "in"
  | "not_in"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "contains"
  | "matches"
  | "missing"
  | "present"
  | "is_true"
  | "is_false";

export type OpOption = { key: OpKey; label: string };

/** One row of the builder: `field` is a field name or `signal:<name>`; `value` is the typed text
 * (a comma-separated list for "is one of"). */
export type Row = { field: string; op: OpKey | ""; value: string };

export type FieldOption = { key: string; label: string; type: ValueType; field: FieldView | null };

const TEXT_OPS: OpOption[] = [
  { key: "eq", label: "is" },
  { key: "ne", label: "is not" },
  { key: "in", label: "is one of" },
  { key: "not_in", label: "is not one of" },
  { key: "contains", label: "contains" },
  { key: "matches", label: "matches pattern" },
  { key: "missing", label: "is missing" },
  { key: "present", label: "is present" },
];

const NUMBER_OPS: OpOption[] = [
  { key: "eq", label: "= equals" },
  { key: "ne", label: "≠ does not equal" },
  { key: "gt", label: "> more than" },
  { key: "gte", label: "≥ at least" },
  { key: "lt", label: "< less than" },
  { key: "lte", label: "≤ at most" },
  { key: "in", label: "is one of" },
  { key: "missing", label: "is missing" },
  { key: "present", label: "is present" },
];

const SIGNAL_OPS: OpOption[] = [
  { key: "is_true", label: "is true" },
  { key: "is_false", label: "is false" },
];

export const SIGNAL_PREFIX = "signal:";

export function operatorsFor(type: ValueType): OpOption[] {
  if (type === "number") return NUMBER_OPS;
  if (type === "signal") return SIGNAL_OPS;
  return TEXT_OPS;
}

/** Operators that take no value. */
export function needsValue(op: OpKey | ""): boolean {
  return op !== "" && op !== "missing" && op !== "present" && op !== "is_true" && op !== "is_false";
}

export function isListOp(op: OpKey | ""): boolean {
  return op === "in" || op === "not_in";
}

/** What a rule may read: fields allowed by the policy, present in the dataset and not sensitive,
 * then the policy's signals (unless `withSignals` is false, e.g. inside a signal). */
export function fieldOptions(
  policy: Pick<PolicyView, "allowed" | "sensitive" | "signals">,
  fields: FieldView[],
  opts: { withSignals?: boolean; excludeSignal?: string } = {},
): FieldOption[] {
  const sensitive = new Set(policy.sensitive);
  const out: FieldOption[] = [];
  for (const name of policy.allowed) {
    if (sensitive.has(name)) continue;
    const field = fields.find((f) => f.name === name);
    if (!field) continue;
    out.push({ key: name, label: humanize(name), type: field.type, field });
  }
  if (opts.withSignals !== false) {
    for (const s of policy.signals) {
      if (s.name === opts.excludeSignal) continue;
      out.push({ key: SIGNAL_PREFIX + s.name, label: `signal: ${humanize(s.name)}`, type: "signal", field: null });
    }
  }
  return out;
}

export function typeOf(key: string, options: FieldOption[]): ValueType | null {
  return options.find((o) => o.key === key)?.type ?? null;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER_RE.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** "software, fintech ,," → ["software", "fintech"]. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The message for one row, or null when it is complete. */
export function rowProblem(row: Row, type: ValueType | null): string | null {
  row = { ...row, value: String(row.value ?? "") };
  if (!row.field) return "Choose a field";
  if (type === null) return "This field cannot be used (not allowed or not in the dataset)";
  if (!row.op) return "Choose a condition";
  if (!operatorsFor(type).some((o) => o.key === row.op)) return "This condition does not fit the field";
  if (!needsValue(row.op)) return null;
  if (isListOp(row.op)) {
    const items = splitList(row.value);
    if (items.length === 0) return "Enter at least one value (separate values with commas)";
    if (type === "number" && items.some((i) => parseNumber(i) === null)) return "Only numbers are expected here";
    return null;
  }
  if (row.value.trim() === "") return "Enter a value";
  if (type === "number" && parseNumber(row.value) === null) return "A number is expected (for example 200)";
  return null;
}

/** One row → a condition; throws with the row problem when the row is incomplete. */
export function rowToCond(row: Row, type: ValueType | null): Cond {
  row = { ...row, value: String(row.value ?? "") };
  const problem = rowProblem(row, type);
  if (problem) throw new Error(problem);
  if (type === "signal") {
    const name = row.field.slice(SIGNAL_PREFIX.length);
    const sig: Cond = { kind: "signal", name };
    return row.op === "is_false" ? { kind: "not", item: sig } : sig;
  }
  if (row.op === "missing") return { kind: "field", field: row.field, op: "missing", value: true };
  if (row.op === "present") return { kind: "field", field: row.field, op: "missing", value: false };
  let value: Lit;
  if (isListOp(row.op)) {
    const items = splitList(row.value);
    value = type === "number" ? items.map((i) => parseNumber(i) as number) : items;
  } else if (type === "number") {
    value = parseNumber(row.value) as number;
  } else {
    // Text literals are used as written: only the surrounding spaces the person typed are dropped.
    value = row.value.trim();
  }
  return { kind: "field", field: row.field, op: row.op, value };
}

/** Rows → one condition: a single row stands alone, several are combined with all/any. */
export function buildCond(rows: Row[], combine: Combine, options: FieldOption[]): Cond {
  const conds = rows.map((r) => rowToCond(r, typeOf(r.field, options)));
  if (conds.length === 1) return conds[0];
  return { kind: combine, items: conds };
}

export type ParsedRows = { ok: true; rows: Row[]; combine: Combine } | { ok: false; reason: string };

function litToText(value: Lit): string {
  if (Array.isArray(value)) return value.map((v: Scalar) => String(v)).join(", ");
  return String(value);
}

function leafToRow(cond: Cond): Row | null {
  if (cond.kind === "signal") return { field: SIGNAL_PREFIX + cond.name, op: "is_true", value: "" };
  if (cond.kind === "not" && cond.item.kind === "signal")
    return { field: SIGNAL_PREFIX + cond.item.name, op: "is_false", value: "" };
  if (cond.kind === "field") {
    if (cond.op === "missing") return { field: cond.field, op: cond.value === false ? "present" : "missing", value: "" };
    return { field: cond.field, op: cond.op as OpKey, value: litToText(cond.value) };
  }
  return null;
}

const TOO_NESTED = "This condition has groups inside groups; edit it in the source view.";

/** A condition → flat rows for the builder, or the reason it does not fit in rows. */
export function condToRows(cond: Cond): ParsedRows {
  const leaf = leafToRow(cond);
  if (leaf) return { ok: true, rows: [leaf], combine: "all" };
  if (cond.kind === "all" || cond.kind === "any") {
    const rows: Row[] = [];
    for (const item of cond.items) {
      const row = leafToRow(item);
      if (!row) return { ok: false, reason: TOO_NESTED };
      rows.push(row);
    }
    if (rows.length === 0) return { ok: false, reason: "This condition is empty; edit it in the source view." };
    return { ok: true, rows, combine: cond.kind };
  }
  return { ok: false, reason: TOO_NESTED };
}

/** Lowercase letters, digits, dashes and underscores; starts with a letter or digit. */
const ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

export function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
}

/** "dq-<reason>" / "route-<route>", made unique against the existing ids. */
export function suggestId(action: "disqualify" | "route", target: string, existing: string[]): string {
  const base = `${action === "disqualify" ? "dq" : "route"}-${slug(target) || "rule"}`;
  if (!existing.includes(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`;
    if (!existing.includes(candidate)) return candidate;
  }
}

export function idProblem(id: string, existing: string[], editing: string | null, noun = "rule"): string | null {
  const t = id.trim();
  if (t === "") return `Give the ${noun} a short name`;
  if (!ID_RE.test(t)) return "Use lowercase letters, digits and dashes only (for example dq-students)";
  if (t !== editing && existing.includes(t)) return `Another ${noun} is already called ${t}`;
  return null;
}

export type RuleDraft = {
  id: string;
  action: "disqualify" | "route";
  target: string;
  rows: Row[];
  combine: Combine;
};

export type RuleProblems = { id: string | null; target: string | null; rows: (string | null)[]; count: number };

export function validateRule(
  draft: RuleDraft,
  ctx: { existingIds: string[]; editing: string | null; options: FieldOption[] },
): RuleProblems {
  const id = idProblem(draft.id, ctx.existingIds, ctx.editing);
  const target = draft.target
    ? null
    : draft.action === "disqualify"
      ? "Choose the disqualification reason"
      : "Choose where to route the lead";
  const rows = draft.rows.map((r) => rowProblem(r, typeOf(r.field, ctx.options)));
  const count = [id, target, ...rows].filter((p) => p !== null).length + (draft.rows.length === 0 ? 1 : 0);
  return { id, target, rows, count };
}
