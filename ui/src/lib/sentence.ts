// Renders conditions and rules as readable sentences ("Route to Enterprise SDR when account fit and
// (persona match or engaged)"). Pure functions over the contract types; tested in sentence.test.ts.
import type { ActionView, Cond, Lit, ReasonView, RouteView, RuleView } from "./bindings";
import { humanize } from "./format";

/** Words for an operator inside a sentence (not the short labels of the builder's select). */
const OP_WORDS: Record<string, string> = {
  eq: "is",
  ne: "is not",
  in: "is one of",
  not_in: "is not one of",
  gt: "is more than",
  gte: "is at least",
  lt: "is less than",
  lte: "is at most",
  contains: "contains",
  matches: "matches the pattern",
};

function scalarText(v: string | number, quote: boolean): string {
  if (typeof v === "number") return String(v);
  return quote ? `"${v}"` : v;
}

/** ["a","b","c"] → "a, b or c". */
export function listText(values: (string | number)[], joiner = "or"): string {
  const parts = values.map((v) => scalarText(v, false));
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} ${joiner} ${parts[parts.length - 1]}`;
}

function litText(op: string, value: Lit): string {
  if (Array.isArray(value)) return listText(value, op === "not_in" ? "nor" : "or");
  if (typeof value === "boolean") return String(value);
  return scalarText(value, op === "contains" || op === "matches");
}

/** One condition as words; nested groups of another kind are put in parentheses. */
export function condSentence(cond: Cond): string {
  switch (cond.kind) {
    case "field": {
      const field = humanize(cond.field);
      if (cond.op === "missing") return cond.value === false ? `${field} is present` : `${field} is missing`;
      const words = OP_WORDS[cond.op] ?? cond.op;
      return `${field} ${words} ${litText(cond.op, cond.value)}`;
    }
    case "signal":
      return humanize(cond.name);
    case "not": {
      const inner = cond.item;
      if (inner.kind === "signal") return `not ${humanize(inner.name)}`;
      return `not (${condSentence(inner)})`;
    }
    case "all":
    case "any": {
      if (cond.items.length === 0) return cond.kind === "all" ? "always" : "never";
      const joiner = cond.kind === "all" ? " and " : " or ";
      return cond.items
        .map((item) => {
          const text = condSentence(item);
          const group = (item.kind === "all" || item.kind === "any") && item.kind !== cond.kind && item.items.length > 1;
          return group ? `(${text})` : text;
        })
        .join(joiner);
    }
  }
}

export type SentenceParts = { lead: string; target: string; rest: string };

export type SentenceContext = { reasons: ReasonView[]; routes: RouteView[] };

export function reasonLabel(code: string, reasons: ReasonView[]): string {
  return reasons.find((r) => r.code === code)?.label ?? humanize(code);
}

/** The route's queue in plain words, else its humanized name. */
export function routeLabel(name: string, routes: RouteView[]): string {
  const route = routes.find((r) => r.name === name);
  return route?.queue ?? humanize(name);
}

export function actionParts(action: ActionView, ctx: SentenceContext): { lead: string; target: string } {
  if (action.kind === "disqualify") return { lead: "Disqualify as", target: reasonLabel(action.reason, ctx.reasons) };
  return { lead: "Route to", target: routeLabel(action.route, ctx.routes) };
}

/** Split so the UI can put the target in bold: lead + **target** + rest. */
export function ruleSentenceParts(rule: Pick<RuleView, "action" | "when">, ctx: SentenceContext): SentenceParts {
  const { lead, target } = actionParts(rule.action, ctx);
  return { lead, target, rest: `when ${condSentence(rule.when)}` };
}

/** "Disqualify as Student or job seeker when job level is student or job title contains "student"". */
export function ruleSentence(rule: Pick<RuleView, "action" | "when">, ctx: SentenceContext): string {
  const p = ruleSentenceParts(rule, ctx);
  return `${p.lead} ${p.target} ${p.rest}`;
}
