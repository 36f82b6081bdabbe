import { describe, expect, it } from "vitest";
import type { ColumnGuess, Role } from "./bindings";
import { assignRole, roleFrom, roleLabel } from "./importing";

function col(header: string, role: Role | null, samples: [string, number][] = []): ColumnGuess {
  return {
    header,
    field: header.toLowerCase(),
    kind: "text",
    filled: 10,
    distinct: samples.length,
    samples,
    role: role ? { role, truthy: [], format: null, certainty: "likely", why: "" } : null,
    sensitive: null,
    recorded_later: null,
    skipped: false,
  };
}

describe("assignRole", () => {
  it("moves a role off the column that had it", () => {
    const cols = [col("Lead Source", "source"), col("Channel", null)];
    const next = assignRole(cols, "Channel", "source");
    expect(next[0].role).toBeNull();
    expect(next[1].role?.role).toBe("source");
    expect(next[1].role?.certainty).toBe("sure");
  });

  it("reads the yes values of a flag from the column's values", () => {
    const next = assignRole([col("Won?", null, [["No", 40], ["Yes", 12]])], "Won?", "converted");
    expect(next[0].role?.truthy).toEqual(["Yes"]);
  });

  it("clears a role and leaves the others", () => {
    const cols = [col("Owner", "account_owner"), col("Lead Source", "source")];
    const next = assignRole(cols, "Owner", "");
    expect(next[0].role).toBeNull();
    expect(next[1].role?.role).toBe("source");
    expect(roleLabel("account_owner")).toBe("Owner");
    expect(roleFrom("source")).toBe("source");
    expect(roleFrom("not_a_role")).toBe("");
  });
});
