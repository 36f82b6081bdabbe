// The import table's rules: which roles a person can give a column, and how giving one moves
// it off any other column (a role belongs to one column).
import type { ColumnGuess, Role } from "./bindings";

/** Roles a column can be given in the import table (those without value lists to fill in). */
export const ROLE_CHOICES = [
  "source",
  "campaign",
  "form",
  "account_owner",
  "created_at",
  "converted",
  "converted_at",
  "crm_match",
  "enrichment_source",
  "enrichment_confidence",
  "enrichment_error",
  "first_touch_minutes",
  "seller_feedback",
] as const satisfies readonly Role[];

/** Cell texts that mean "yes" in a flag column, as exports write them. */
export const TRUTHY = ["1", "true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y"];

/** Every role's label: a role the app learns of fails the type check until it has one. */
const LABELS: Record<Role, string> = {
  source: "Lead source",
  campaign: "Campaign",
  form: "Form",
  account_owner: "Owner",
  created_at: "Created date",
  converted: "Converted (yes/no)",
  converted_at: "Converted date",
  crm_match: "CRM duplicate check",
  enrichment_source: "Enrichment source",
  enrichment_confidence: "Enrichment confidence",
  enrichment_error: "Enrichment failed (yes/no)",
  first_touch_minutes: "Minutes to first touch",
  seller_feedback: "Seller feedback",
  seller_outcome: "Seller accepted / sent back",
  meeting: "Meeting held",
  historical_decision: "Old process's decision",
};

export function roleLabel(role: Role): string {
  return LABELS[role];
}

/** The role a select's value names, or "" for none. */
export function roleFrom(value: string): Role | "" {
  return ROLE_CHOICES.find((r) => r === value) ?? "";
}

/** Columns with `role` given to the column `header` ("" clears it) and taken from any other. */
export function assignRole(columns: ColumnGuess[], header: string, role: Role | ""): ColumnGuess[] {
  return columns.map((c) => {
    if (c.header === header) {
      if (!role) return { ...c, role: null };
      const truthy = role === "converted" || role === "enrichment_error" ? c.samples.map(([v]) => v).filter((v) => TRUTHY.includes(v)) : [];
      return { ...c, role: { role, truthy, format: null, certainty: "sure", why: "chosen by you" } };
    }
    if (role && c.role?.role === role) return { ...c, role: null };
    return c;
  });
}
