import { describe, expect, it } from "vitest";
import type { Cond, Lit } from "./bindings";
import { condSentence, listText, ruleSentence, ruleSentenceParts } from "./sentence";
import { POLICY } from "./testdata";

const ctx = { reasons: POLICY.reasons, routes: POLICY.routes };
const f = (field: string, op: string, value: Lit): Cond => ({ kind: "field", field, op, value });
const sig = (name: string): Cond => ({ kind: "signal", name });

describe("condition sentences", () => {
  it("reads each operator", () => {
    expect(condSentence(f("job_level", "eq", "student"))).toBe("job level is student");
    expect(condSentence(f("job_level", "ne", "student"))).toBe("job level is not student");
    expect(condSentence(f("employees", "gte", 200))).toBe("employees is at least 200");
    expect(condSentence(f("employees", "lt", 10))).toBe("employees is less than 10");
    expect(condSentence(f("job_title", "contains", "student"))).toBe('job title contains "student"');
    expect(condSentence(f("email_domain", "matches", "^a$"))).toBe('email domain matches the pattern "^a$"');
    expect(condSentence(f("industry", "in", ["software", "fintech", "healthcare"]))).toBe(
      "industry is one of software, fintech or healthcare",
    );
    expect(condSentence(f("job_level", "not_in", ["ic", "intern"]))).toBe("job level is not one of ic nor intern");
    expect(condSentence(f("job_level", "missing", true))).toBe("job level is missing");
    expect(condSentence(f("job_level", "missing", false))).toBe("job level is present");
  });
  it("reads signals and not", () => {
    expect(condSentence(sig("account_fit"))).toBe("account fit");
    expect(condSentence({ kind: "not", item: sig("engaged") })).toBe("not engaged");
    expect(condSentence({ kind: "not", item: { kind: "any", items: [sig("a"), sig("b")] } })).toBe("not (a or b)");
  });
  it("puts nested groups of another kind in parentheses", () => {
    const cond: Cond = { kind: "all", items: [sig("account_fit"), { kind: "any", items: [sig("persona_match"), sig("engaged")] }] };
    expect(condSentence(cond)).toBe("account fit and (persona match or engaged)");
    const flat: Cond = { kind: "all", items: [sig("a"), { kind: "all", items: [sig("b"), sig("c")] }] };
    expect(condSentence(flat)).toBe("a and b and c");
    const deep: Cond = {
      kind: "any",
      items: [{ kind: "all", items: [f("employees", "gte", 50), { kind: "not", item: sig("account_fit") }] }, sig("x")],
    };
    expect(condSentence(deep)).toBe("(employees is at least 50 and not account fit) or x");
  });
  it("joins lists", () => {
    expect(listText(["a"])).toBe("a");
    expect(listText(["a", "b"])).toBe("a or b");
  });
});

describe("rule sentences", () => {
  it("disqualifies with the reason label", () => {
    const rule = {
      action: { kind: "disqualify" as const, reason: "student" },
      when: { kind: "any" as const, items: [f("job_level", "eq", "student"), f("job_title", "contains", "student")] },
    };
    expect(ruleSentence(rule, ctx)).toBe('Disqualify as Student or job seeker when job level is student or job title contains "student"');
    expect(ruleSentenceParts(rule, ctx).target).toBe("Student or job seeker");
  });
  it("routes to the queue", () => {
    const rule = {
      action: { kind: "route" as const, route: "enterprise" },
      when: { kind: "all" as const, items: [sig("account_fit"), { kind: "any" as const, items: [sig("persona_match"), sig("engaged")] }] },
    };
    expect(ruleSentence(rule, ctx)).toBe("Route to Enterprise SDR when account fit and (persona match or engaged)");
  });
  it("falls back to words for unknown targets", () => {
    const rule = { action: { kind: "route" as const, route: "mid_market_nurture" }, when: sig("a") };
    expect(ruleSentence(rule, ctx)).toBe("Route to mid market nurture when a");
  });
});
