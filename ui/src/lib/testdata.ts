// Small fixtures shared by the unit tests (shapes of the contract, values of policies/draft.toml).
import type { FieldView, PolicyView } from "./bindings";

export function field(name: string, type: "text" | "number", values: string[] = []): FieldView {
  return { name, type, role: null, fill_rate: 1, samples: values.slice(0, 3), values, min: type === "number" ? 0 : null, max: type === "number" ? 1000 : null };
}

export const FIELDS: FieldView[] = [
  field("employees", "number"),
  field("industry", "text", ["software", "fintech", "government"]),
  field("job_level", "text", ["c_level", "vp", "student"]),
  field("job_title", "text"),
  field("engagement_score", "number"),
  field("gender", "text", ["f", "m"]),
  field("postal_code", "text"),
];

export const POLICY: PolicyView = {
  id: "inbound-qualification",
  name: "Inbound lead qualification",
  version: 4,
  description: null,
  scope: [{ role: "source", values: ["demo_request"] }],
  // `gender` is listed as allowed AND sensitive here on purpose: it must still never be offered.
  allowed: ["employees", "industry", "job_level", "job_title", "engagement_score", "gender", "annual_revenue"],
  sensitive: ["gender", "postal_code"],
  evidence: { required: ["employees"], approved_sources: null, min_enrichment_confidence: 0.6, on_overlap: "first" },
  signals: [
    { name: "account_fit", when: { kind: "field", field: "employees", op: "gte", value: 200 } },
    { name: "persona_match", when: { kind: "field", field: "job_level", op: "in", value: ["c_level", "vp"] } },
  ],
  reasons: [{ code: "student", label: "Student or job seeker" }],
  routes: [{ name: "enterprise", kind: "sales", queue: "Enterprise SDR", owner: null, sla_minutes: 15 }],
  rules: [],
  otherwise: null,
};
