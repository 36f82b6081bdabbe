// The import table's rules: which roles a person can give a column, and how giving one moves
// it off any other column (a role belongs to one column).
import type { ColumnGuess } from "./bindings";

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
] as const;

/** Cell texts that mean "yes" in a flag column, as exports write them. */
export const TRUTHY = ["1", "true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y"];

const LABELS: Record<string, string> = {
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
};

export function roleLabel(role: string): string {
  return LABELS[role] ?? role;
}

/** Columns with `role` given to the column `header` ("" clears it) and taken from any other. */
export function assignRole(columns: ColumnGuess[], header: string, role: string): ColumnGuess[] {
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
