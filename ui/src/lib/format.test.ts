import { describe, expect, it } from "vitest";
import {
  decisionLabel,
  deltaTone,
  fmtClock,
  fmtNumber,
  fmtCount,
  fmtDelta,
  fmtMetric,
  fmtMinutes,
  fmtPercent,
  humanize,
  plural,
  splitTicks,
  statusLabel,
} from "./format";

describe("numbers", () => {
  it("formats counts with thousands separators", () => {
    expect(fmtCount(15000)).toBe("15,000");
    expect(fmtCount(0)).toBe("0");
    expect(fmtCount(1234567)).toBe("1,234,567");
  });
  it("says n/a for null, never 0", () => {
    expect(fmtCount(null)).toBe("n/a");
    expect(fmtPercent(null)).toBe("n/a");
    expect(fmtMetric(null, "minutes")).toBe("n/a");
    expect(fmtDelta(null, "count")).toBe("n/a");
  });
  it("formats ratios as percents with one decimal", () => {
    expect(fmtPercent(0.7987804878048781)).toBe("79.9%");
    expect(fmtPercent(1)).toBe("100.0%");
    expect(fmtPercent(0)).toBe("0.0%");
  });
  it("formats minutes", () => {
    expect(fmtMinutes(15)).toBe("15 min");
    expect(fmtMinutes(120)).toBe("2 h");
    expect(fmtMinutes(125)).toBe("2 h 5 min");
  });
  it("picks the format of a metric", () => {
    expect(fmtMetric(2045, "count")).toBe("2,045");
    expect(fmtMetric(0.372, "percent")).toBe("37.2%");
    expect(fmtMetric(30, "minutes")).toBe("30 min");
  });
});

describe("deltas", () => {
  it("signs counts", () => {
    expect(fmtDelta(826, "count")).toBe("+826");
    expect(fmtDelta(-1460, "count")).toBe("\u22121,460");
    expect(fmtDelta(0, "count")).toBe("no change");
  });
  it("gives percent changes in points", () => {
    expect(fmtDelta(-0.01932563265813697, "percent")).toBe("\u22121.9 pts");
    expect(fmtDelta(0.0046, "percent")).toBe("+0.5 pts");
    expect(fmtDelta(0.00001, "percent")).toBe("no change");
  });
  it("colours by the backend's direction", () => {
    expect(deltaTone(826, 1)).toBe("good");
    expect(deltaTone(158, -1)).toBe("bad");
    expect(deltaTone(5, 0)).toBe("neutral");
    expect(deltaTone(0, 1)).toBe("neutral");
    expect(deltaTone(null, 1)).toBe("neutral");
  });
});

describe("words", () => {
  it("names decisions in plain words", () => {
    expect(decisionLabel("out_of_scope")).toBe("Out of scope");
    expect(decisionLabel("accepted")).toBe("Accepted");
    expect(decisionLabel("unresolved")).toBe("Manual review");
  });
  it("names statuses", () => {
    expect(statusLabel("in_review")).toBe("In review");
  });
  it("humanizes field names", () => {
    expect(humanize("job_level")).toBe("job level");
    expect(humanize("missing_field:employees")).toBe("missing field: employees");
  });
  it("pluralizes", () => {
    expect(plural(1, "lead")).toBe("1 lead");
    expect(plural(15000, "lead")).toBe("15,000 leads");
  });
  it("shows a clock time", () => {
    const d = new Date(2026, 10, 27, 12, 3);
    expect(fmtClock(d.toISOString())).toBe("12:03");
    expect(fmtClock("not a date")).toBe("not a date");
  });
});

describe("backticks", () => {
  it("splits names out of messages", () => {
    expect(splitTicks("unknown field `employes` in rule `enterprise-fit`")).toEqual([
      { text: "unknown field ", code: false },
      { text: "employes", code: true },
      { text: " in rule ", code: false },
      { text: "enterprise-fit", code: true },
    ]);
    expect(splitTicks("no ticks")).toEqual([{ text: "no ticks", code: false }]);
    expect(splitTicks("odd ` tick")).toEqual([{ text: "odd ` tick", code: false }]);
  });
});

describe("fmtNumber", () => {
  it("groups thousands and keeps decimals a range needs", () => {
    expect(fmtNumber(19989613000)).toBe("19,989,613,000");
    expect(fmtNumber(36.5)).toBe("36.5");
    expect(fmtNumber(null)).toBe("n/a");
  });
});
