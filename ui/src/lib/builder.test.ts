import { describe, expect, it } from "vitest";
import type { Cond } from "./bindings";
import {
  buildCond,
  condToRows,
  fieldOptions,
  idProblem,
  operatorsFor,
  rowProblem,
  rowToCond,
  suggestId,
  validateRule,
  type Row,
} from "./builder";
import { FIELDS, POLICY } from "./testdata";

const options = fieldOptions(POLICY, FIELDS);
const keys = (type: "text" | "number" | "signal") => operatorsFor(type).map((o) => o.key);

describe("operators per type", () => {
  it("offers text operators for text fields", () => {
    expect(keys("text")).toEqual(["eq", "ne", "in", "not_in", "contains", "matches", "missing", "present"]);
  });
  it("offers comparisons but no contains/matches for numbers", () => {
    expect(keys("number")).toEqual(["eq", "ne", "gt", "gte", "lt", "lte", "in", "missing", "present"]);
    expect(keys("number")).not.toContain("contains");
    expect(keys("text")).not.toContain("gt");
  });
  it("offers true/false for signals", () => {
    expect(keys("signal")).toEqual(["is_true", "is_false"]);
  });
});

describe("fields offered", () => {
  it("offers only allowed fields that exist in the dataset, then signals", () => {
    expect(options.map((o) => o.key)).toEqual([
      "employees",
      "industry",
      "job_level",
      "job_title",
      "engagement_score",
      "signal:account_fit",
      "signal:persona_match",
    ]);
  });
  it("never offers sensitive fields, even when listed as allowed", () => {
    expect(options.some((o) => o.key === "gender" || o.key === "postal_code")).toBe(false);
  });
  it("does not offer fields missing from the dataset", () => {
    expect(options.some((o) => o.key === "annual_revenue")).toBe(false);
  });
  it("can leave signals out and types the fields", () => {
    const noSignals = fieldOptions(POLICY, FIELDS, { withSignals: false });
    expect(noSignals.every((o) => o.type !== "signal")).toBe(true);
    expect(options.find((o) => o.key === "employees")?.type).toBe("number");
    expect(fieldOptions(POLICY, FIELDS, { excludeSignal: "account_fit" }).some((o) => o.key === "signal:account_fit")).toBe(false);
  });
});

describe("rows to conditions", () => {
  const one = (row: Row) => buildCond([row], "all", options);
  it("builds each text operator", () => {
    expect(one({ field: "job_level", op: "eq", value: " student " })).toEqual({ kind: "field", field: "job_level", op: "eq", value: "student" });
    expect(one({ field: "job_level", op: "ne", value: "vp" })).toEqual({ kind: "field", field: "job_level", op: "ne", value: "vp" });
    expect(one({ field: "industry", op: "in", value: "software, fintech,, " })).toEqual({ kind: "field", field: "industry", op: "in", value: ["software", "fintech"] });
    expect(one({ field: "industry", op: "not_in", value: "government" })).toEqual({ kind: "field", field: "industry", op: "not_in", value: ["government"] });
    expect(one({ field: "job_title", op: "contains", value: "student" })).toEqual({ kind: "field", field: "job_title", op: "contains", value: "student" });
    expect(one({ field: "job_title", op: "matches", value: "(?i)intern" })).toEqual({ kind: "field", field: "job_title", op: "matches", value: "(?i)intern" });
    expect(one({ field: "job_title", op: "missing", value: "" })).toEqual({ kind: "field", field: "job_title", op: "missing", value: true });
    expect(one({ field: "job_title", op: "present", value: "" })).toEqual({ kind: "field", field: "job_title", op: "missing", value: false });
  });
  it("builds numbers as numbers", () => {
    for (const op of ["eq", "ne", "gt", "gte", "lt", "lte"] as const) {
      expect(one({ field: "employees", op, value: "200" })).toEqual({ kind: "field", field: "employees", op, value: 200 });
    }
    expect(one({ field: "engagement_score", op: "gte", value: "40.5" })).toEqual({ kind: "field", field: "engagement_score", op: "gte", value: 40.5 });
    expect(one({ field: "employees", op: "in", value: "10, 20" })).toEqual({ kind: "field", field: "employees", op: "in", value: [10, 20] });
  });
  it("builds signals and their negation", () => {
    expect(one({ field: "signal:account_fit", op: "is_true", value: "" })).toEqual({ kind: "signal", name: "account_fit" });
    expect(one({ field: "signal:account_fit", op: "is_false", value: "" })).toEqual({ kind: "not", item: { kind: "signal", name: "account_fit" } });
  });
  it("combines several rows with all or any", () => {
    const rows: Row[] = [
      { field: "signal:account_fit", op: "is_true", value: "" },
      { field: "employees", op: "gte", value: "50" },
    ];
    expect(buildCond(rows, "any", options)).toEqual({
      kind: "any",
      items: [{ kind: "signal", name: "account_fit" }, { kind: "field", field: "employees", op: "gte", value: 50 }],
    });
  });
  it("refuses incomplete rows", () => {
    expect(() => rowToCond({ field: "employees", op: "gte", value: "lots" }, "number")).toThrow("A number is expected");
  });
});

describe("conditions back to rows", () => {
  const cases: Row[][] = [
    [{ field: "job_level", op: "eq", value: "student" }],
    [
      { field: "industry", op: "in", value: "software, fintech" },
      { field: "employees", op: "lt", value: "200" },
      { field: "job_title", op: "present", value: "" },
      { field: "job_title", op: "missing", value: "" },
      { field: "signal:persona_match", op: "is_false", value: "" },
      { field: "employees", op: "in", value: "10, 20" },
    ],
  ];
  for (const rows of cases) {
    for (const combine of ["all", "any"] as const) {
      it(`round-trips ${rows.length} row(s) with ${combine}`, () => {
        const cond = buildCond(rows, combine, options);
        const back = condToRows(cond);
        expect(back).toEqual({ ok: true, rows, combine: rows.length === 1 ? "all" : combine });
        if (back.ok) expect(buildCond(back.rows, back.combine, options)).toEqual(cond);
      });
    }
  }
  it("says to edit nested conditions in the source", () => {
    const nested: Cond = { kind: "all", items: [{ kind: "signal", name: "a" }, { kind: "any", items: [{ kind: "signal", name: "b" }, { kind: "signal", name: "c" }] }] };
    const r = condToRows(nested);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/source view/);
    expect(condToRows({ kind: "not", item: { kind: "field", field: "x", op: "eq", value: "y" } }).ok).toBe(false);
  });
});

describe("validation", () => {
  it("explains row problems", () => {
    expect(rowProblem({ field: "", op: "", value: "" }, null)).toBe("Choose a field");
    expect(rowProblem({ field: "gender", op: "eq", value: "f" }, null)).toMatch(/cannot be used/);
    expect(rowProblem({ field: "job_level", op: "", value: "" }, "text")).toBe("Choose a condition");
    expect(rowProblem({ field: "job_level", op: "gt", value: "1" }, "text")).toBe("This condition does not fit the field");
    expect(rowProblem({ field: "job_level", op: "eq", value: "  " }, "text")).toBe("Enter a value");
    expect(rowProblem({ field: "employees", op: "gte", value: "2OO" }, "number")).toBe("A number is expected (for example 200)");
    expect(rowProblem({ field: "industry", op: "in", value: " , " }, "text")).toMatch(/at least one value/);
    expect(rowProblem({ field: "employees", op: "in", value: "1, x" }, "number")).toBe("Only numbers are expected here");
    expect(rowProblem({ field: "job_level", op: "missing", value: "" }, "text")).toBeNull();
  });
  it("checks ids", () => {
    expect(idProblem("", [], null)).toBe("Give the rule a short name");
    expect(idProblem("Dq Students", [], null)).toMatch(/lowercase/);
    expect(idProblem("dq-students", ["dq-students"], null)).toBe("Another rule is already called dq-students");
    expect(idProblem("dq-students", ["dq-students"], "dq-students")).toBeNull();
  });
  it("validates a whole rule", () => {
    const p = validateRule(
      { id: "dq-x", action: "disqualify", target: "", rows: [{ field: "employees", op: "gte", value: "" }], combine: "all" },
      { existingIds: [], editing: null, options },
    );
    expect(p.target).toBe("Choose the disqualification reason");
    expect(p.rows).toEqual(["Enter a value"]);
    expect(p.count).toBe(2);
  });
  it("suggests unique ids from the action", () => {
    expect(suggestId("disqualify", "Student or job seeker", [])).toBe("dq-student-or-job-seeker");
    expect(suggestId("route", "Enterprise SDR", ["route-enterprise-sdr"])).toBe("route-enterprise-sdr-2");
  });
});
