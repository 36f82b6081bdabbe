//! What the window receives: plain, typed data shaped for the screens, built from the core's
//! types. Nothing here decides or measures anything; it only reshapes and words.

use leadpolicy::chart::ChartId;
use leadpolicy::dataset::{Dataset, Dictionary, FieldType, hidden};
use leadpolicy::engine::explain::{Eval, Node, Packet, RuleCheck, Tri, Value};
use leadpolicy::engine::{Decision, Decisions};
use leadpolicy::policy::diff::{Change, ChangeKind, Section};
use leadpolicy::policy::view::PolicyView;
use leadpolicy::policy::{Action, Policy};
use leadpolicy::replay::Replay;
use leadpolicy::replay::metric::MetricKey;
use leadpolicy::report::replay::{figures, plain_reason};
use leadpolicy::store::Status;
use leadpolicy::store::lifecycle::{GuardrailResult, Version};
use serde::Serialize;
use specta::Type;

use crate::error::AppResult;

#[derive(Debug, Clone, Serialize, Type)]
pub struct VersionInfo {
    pub version: i64,
    pub status: Status,
    pub author: String,
    pub created_at: String,
    pub sha256: String,
}

impl From<&Version> for VersionInfo {
    fn from(v: &Version) -> Self {
        Self {
            version: v.version,
            status: v.status,
            author: v.author.clone(),
            created_at: v.created_at.clone(),
            sha256: v.sha256.clone(),
        }
    }
}

/// A problem in the draft's text, located in that text.
#[derive(Debug, Clone, Serialize, Type)]
pub struct Problem {
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub hint: Option<String>,
    pub snippet: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct DraftState {
    pub version: i64,
    pub status: Status,
    /// False once the version left draft (submitted): edits need a new draft.
    pub editable: bool,
    /// The autosaved working copy.
    pub text: String,
    pub saved_at: Option<String>,
    /// `None` when the text does not parse.
    pub policy: Option<PolicyView>,
    /// Every problem, parse and dataset checks alike.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Text,
    Number,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MetricFormat {
    Count,
    /// A share, 0–1.
    Percent,
    Minutes,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct FieldView {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ValueType,
    pub role: Option<String>,
    /// Share of leads where the value is present (0–1).
    pub fill_rate: f64,
    pub samples: Vec<String>,
    /// Text fields: the most common values, most common first (up to 100).
    pub values: Vec<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct DatasetSummary {
    pub name: String,
    pub mapping_path: String,
    pub leads: u32,
    /// Converted leads, when outcomes are known.
    pub converted: Option<u32>,
    pub fields: Vec<FieldView>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct LoadProgress {
    pub bytes: f64,
    pub total_bytes: f64,
    pub phase: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct Workbench {
    pub workspace_dir: String,
    pub actor: String,
    pub policy_id: String,
    pub policy_name: String,
    pub published: Option<VersionInfo>,
    pub draft: Option<DraftState>,
    pub dataset: Option<DatasetSummary>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct MetricRow {
    pub key: MetricKey,
    pub label: String,
    pub help: String,
    pub format: MetricFormat,
    pub baseline: Option<f64>,
    pub draft: Option<f64>,
    pub delta: Option<f64>,
    /// +1 the change is good for the business, −1 bad, 0 neutral or no change.
    pub direction: i8,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ChartView {
    pub id: ChartId,
    pub title: String,
    pub svg: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct FlipMatrix {
    pub decisions: Vec<Decision>,
    /// counts[baseline][draft], in the order of `decisions`.
    pub counts: Vec<Vec<u32>>,
    pub flipped: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct CountRow {
    pub label: String,
    pub baseline: u32,
    pub draft: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ReplayView {
    pub generation: u32,
    pub elapsed_ms: u32,
    /// Why the baseline side shows the draft: the published version does not fit this data.
    pub baseline_note: Option<String>,
    pub baseline_label: String,
    pub draft_label: String,
    pub leads: u32,
    /// The leads covered, in words: "every lead: 15,000 of 15,000 leads", "created … to …".
    pub cohort: String,
    pub metrics: Vec<MetricRow>,
    pub charts: Vec<ChartView>,
    pub flips: FlipMatrix,
    pub unresolved_by_reason: Vec<CountRow>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct DecisionBrief {
    pub decision: Decision,
    pub rule: Option<String>,
    /// Plain words: the reason's label, or the unresolved reasons.
    pub reason: Option<String>,
    /// The route's queue (or name).
    pub route: Option<String>,
    pub owner: Option<String>,
    pub sla_minutes: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct LeadRow {
    pub lead_id: String,
    pub company: Option<String>,
    pub baseline: DecisionBrief,
    pub draft: DecisionBrief,
    pub converted: Option<bool>,
    pub seller_outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct LeadPage {
    pub total: u32,
    pub offset: u32,
    pub leads: Vec<LeadRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Baseline,
    Draft,
}

/// Which leads to list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeadQuery {
    Flip { baseline: Decision, draft: Decision },
    Unresolved { side: Side },
    LaterConverted { side: Side },
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct Check {
    pub label: String,
    pub value: String,
    pub result: Tri,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct SignalCheck {
    pub name: String,
    pub result: Tri,
    pub reads: Vec<Check>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct RuleCheckView {
    pub id: String,
    pub action: String,
    pub result: Tri,
    pub fired: bool,
    pub deciding: bool,
    pub reads: Vec<Check>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct GateView {
    pub check: String,
    pub value: String,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct PacketView {
    pub policy_label: String,
    pub in_scope: bool,
    pub scope: Vec<Check>,
    pub signals: Vec<SignalCheck>,
    pub disqualify_rules: Vec<RuleCheckView>,
    pub evidence: Vec<GateView>,
    pub route_rules: Vec<RuleCheckView>,
    pub decision: DecisionBrief,
    pub unresolved_reasons: Vec<String>,
    /// The terminal rendering, for copying into a ticket.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct OutcomeView {
    pub converted: Option<bool>,
    pub seller_outcome: Option<String>,
    pub meeting: Option<String>,
    pub historical_decision: Option<String>,
    pub first_touch_minutes: Option<String>,
    pub seller_feedback: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct LeadInspection {
    pub lead_id: String,
    /// Every field with its value as read (`(missing)` when missing).
    pub fields: Vec<(String, String)>,
    pub baseline: PacketView,
    pub draft: PacketView,
    pub outcome: OutcomeView,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ChangeView {
    pub section: Section,
    pub kind: ChangeKind,
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl From<&Change> for ChangeView {
    fn from(c: &Change) -> Self {
        Self {
            section: c.section,
            kind: c.kind,
            name: c.name.clone(),
            old: c.old.clone(),
            new: c.new.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct GuardrailView {
    pub key: String,
    pub label: String,
    pub text: String,
    pub baseline: Option<f64>,
    pub draft: Option<f64>,
    pub blocked: bool,
}

impl From<&GuardrailResult> for GuardrailView {
    fn from(g: &GuardrailResult) -> Self {
        Self {
            key: g.key.into(),
            label: g.label.into(),
            text: g.describe(),
            baseline: g.baseline,
            draft: g.draft,
            blocked: g.blocked,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ApprovalView {
    pub reviewer: String,
    pub note: String,
    pub override_note: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ReviewView {
    /// The version under review: the open draft, or the one in review or approved.
    pub draft: Option<VersionInfo>,
    pub published: Option<VersionInfo>,
    pub changes: Vec<ChangeView>,
    pub guardrails: Vec<GuardrailView>,
    pub replay_recorded: bool,
    pub approval: Option<ApprovalView>,
    pub can_submit: bool,
    pub can_approve: bool,
    pub can_publish: bool,
    pub can_export: bool,
    /// What to do next and who does it, in plain words.
    pub next_step: String,
}

/// The trust analytics of the draft on the loaded data (see `leadpolicy analyze`).
#[derive(Debug, Clone, Serialize, Type)]
pub struct TrustView {
    pub draft_label: String,
    /// The leads analysed (the replay's cohort), in words.
    pub cohort: String,
    /// "job_level may act as a proxy for age_band", …
    pub proxies: Vec<String>,
    pub proxy_threshold: f64,
    /// "age_band = 18-24", … (acceptance under four-fifths of the best group's, draft)
    pub four_fifths: Vec<String>,
    /// Rules that never fire, are shadowed, or change no decision when removed.
    pub idle_rules: Vec<String>,
    /// Fields the draft reads that may be recorded after the decision, each with why.
    pub recorded_later: Vec<String>,
    pub charts: Vec<ChartView>,
    /// Every figure, as the command line prints it.
    pub text: String,
    pub elapsed_ms: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportView {
    pub policy_path: String,
    pub manifest_path: String,
    pub sha256: String,
    /// The policy compiled to SQL beside it (a view per dialect).
    pub sql_paths: Vec<String>,
    /// Why the export has no SQL, when it has none.
    pub sql_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub version: Option<i64>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct AuditView {
    pub entries: Vec<AuditRow>,
    pub verified: bool,
    pub message: String,
}

/// A key that signs exports: this workspace's own, or one it trusts for imports.
#[derive(Debug, Clone, Serialize, Type)]
pub struct KeyRow {
    /// `ed25519:<base64>`, as `leadpolicy workspace key` prints it.
    pub key: String,
    pub id: String,
    pub name: String,
    pub own: bool,
    pub added_at: Option<String>,
    pub added_by: Option<String>,
}

/// The workspace's signing key and the keys it trusts (its own first).
#[derive(Debug, Clone, Serialize, Type)]
pub struct KeysView {
    pub keys: Vec<KeyRow>,
}

impl From<Vec<leadpolicy::store::trust::TrustedKey>> for KeysView {
    fn from(keys: Vec<leadpolicy::store::trust::TrustedKey>) -> Self {
        Self {
            keys: keys
                .into_iter()
                .map(|k| KeyRow {
                    key: k.key.to_string(),
                    id: k.id,
                    name: k.name,
                    own: k.own,
                    added_at: k.added_at,
                    added_by: k.added_by,
                })
                .collect(),
        }
    }
}

/// "draft" for a draft, "in review" for in_review, …
pub fn status_words(s: Status) -> String {
    s.as_str().replace('_', " ")
}

/// The headline figures with deltas; rates stay shares (the window formats them).
pub fn metric_rows(r: &Replay) -> Vec<MetricRow> {
    figures(r)
        .into_iter()
        .map(|f| {
            let delta = f.baseline.zip(f.draft).map(|(b, d)| d - b);
            let direction = match delta {
                Some(d) if d > 0.0 => f.up,
                Some(d) if d < 0.0 => -f.up,
                _ => 0,
            };
            MetricRow {
                key: f.key,
                label: f.label.into(),
                help: f.help.into(),
                format: if f.is_rate {
                    MetricFormat::Percent
                } else {
                    MetricFormat::Count
                },
                baseline: f.baseline,
                draft: f.draft,
                delta,
                direction,
            }
        })
        .collect()
}

pub fn flip_matrix(r: &Replay) -> FlipMatrix {
    let decisions = Decision::ALL.to_vec();
    let counts = decisions
        .iter()
        .map(|b| {
            decisions
                .iter()
                .map(|d| {
                    r.flips
                        .matrix
                        .get(b.as_str())
                        .and_then(|row| row.get(d.as_str()))
                        .map_or(0, |&n| n as u32)
                })
                .collect()
        })
        .collect();
    FlipMatrix {
        decisions,
        counts,
        flipped: r.flips.flipped as u32,
    }
}

pub fn unresolved_rows(r: &Replay) -> Vec<CountRow> {
    let (b, d) = (
        &r.baseline.unresolved_queue.by_reason,
        &r.draft.unresolved_queue.by_reason,
    );
    let mut keys: Vec<&String> = b.keys().chain(d.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut rows: Vec<CountRow> = keys
        .into_iter()
        .map(|k| CountRow {
            label: plain_reason(k),
            baseline: b.get(k).copied().unwrap_or(0) as u32,
            draft: d.get(k).copied().unwrap_or(0) as u32,
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.baseline.max(r.draft)));
    rows
}

/// One lead's decision under one policy, in words.
pub fn brief(p: &Policy, d: &Decisions, i: usize) -> DecisionBrief {
    let decision = d.decision(i);
    let rule = d.rule(p, i);
    let (reason, route, owner, sla) = match (decision, rule.map(|r| &r.action)) {
        (Decision::Rejected, Some(leadpolicy::policy::Action::Disqualify(code))) => (
            Some(p.reason_label(code).unwrap_or(code).to_string()),
            None,
            None,
            None,
        ),
        (Decision::Accepted | Decision::Nurture, Some(leadpolicy::policy::Action::Route(name))) => {
            let route = p.route(name);
            (
                None,
                Some(
                    route
                        .and_then(|r| r.queue.clone())
                        .unwrap_or_else(|| name.clone()),
                ),
                d.owner.get(i).map(str::to_string),
                route.and_then(|r| r.sla_minutes),
            )
        }
        (Decision::Unresolved, _) => {
            let reasons: Vec<String> = d
                .unresolved_reasons(p, i)
                .iter()
                .map(|r| plain_reason(r))
                .collect();
            (Some(reasons.join(", ")), None, None, None)
        }
        _ => (None, None, None, None),
    };
    DecisionBrief {
        decision,
        rule: rule.map(|r| r.id.clone()),
        reason,
        route,
        owner,
        sla_minutes: sla,
    }
}

/// Every field test and signal an evaluated condition read, flattened, with the value read.
fn reads(e: &Eval, out: &mut Vec<Check>) {
    match &e.node {
        Node::Field { field, test, value } => out.push(Check {
            label: format!("{} {test}", field.replace('_', " ")),
            value: value.to_string(),
            result: e.result,
        }),
        Node::Signal { signal, .. } => out.push(Check {
            label: format!("signal {}", signal.replace('_', " ")),
            value: String::new(),
            result: e.result,
        }),
        Node::All { items } | Node::Any { items } => items.iter().for_each(|i| reads(i, out)),
        Node::Not { item } => {
            let mut inner = Vec::new();
            reads(item, &mut inner);
            out.extend(inner.into_iter().map(|mut c| {
                c.label = format!("not: {}", c.label);
                c
            }));
        }
    }
}

/// A rule's action in words: "Disqualify: <reason label>", "Route to <queue>".
fn action_words(p: &Policy, action: &Action) -> String {
    match action {
        Action::Disqualify(code) => format!("Disqualify: {}", p.reason_label(code).unwrap_or(code)),
        Action::Route(name) => {
            let queue = p
                .route(name)
                .and_then(|r| r.queue.clone())
                .unwrap_or_else(|| name.to_string());
            format!("Route to {queue}")
        }
    }
}

fn rule_view(p: &Policy, pk: &Packet, r: &RuleCheck) -> RuleCheckView {
    let mut out = Vec::new();
    reads(&r.eval, &mut out);
    RuleCheckView {
        id: r.id.clone(),
        action: p
            .rules
            .iter()
            .find(|rule| rule.id == r.id)
            .map_or_else(|| r.action.clone(), |rule| action_words(p, &rule.action)),
        result: r.result,
        fired: r.fired,
        deciding: pk.rule.as_deref() == Some(r.id.as_str()),
        reads: out,
    }
}

pub fn packet_view(p: &Policy, pk: &Packet, label: &str) -> PacketView {
    PacketView {
        policy_label: label.into(),
        in_scope: pk.in_scope,
        scope: pk
            .scope
            .iter()
            .map(|s| Check {
                label: format!("{} is in the pilot scope", s.role.as_str()),
                value: s.value.to_string(),
                result: if s.listed { Tri::True } else { Tri::False },
            })
            .collect(),
        signals: pk
            .signals
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                reads(&s.eval, &mut out);
                SignalCheck {
                    name: s.name.clone(),
                    result: s.result,
                    reads: out,
                }
            })
            .collect(),
        disqualify_rules: pk
            .disqualify_rules
            .iter()
            .map(|r| rule_view(p, pk, r))
            .collect(),
        evidence: pk
            .evidence
            .iter()
            .map(|g| GateView {
                check: g.check.clone(),
                value: g.value.to_string(),
                passed: g.passed,
            })
            .collect(),
        route_rules: pk.route_rules.iter().map(|r| rule_view(p, pk, r)).collect(),
        decision: DecisionBrief {
            decision: pk.decision,
            rule: pk.rule.clone(),
            reason: pk
                .reason_label
                .clone()
                .or_else(|| pk.reason.clone())
                .or_else(|| {
                    (!pk.unresolved_reasons.is_empty()).then(|| {
                        pk.unresolved_reasons
                            .iter()
                            .map(|r| plain_reason(r))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                }),
            route: pk.queue.clone().or_else(|| pk.route.clone()),
            owner: pk.owner.clone(),
            sla_minutes: pk.sla_minutes,
        },
        unresolved_reasons: pk
            .unresolved_reasons
            .iter()
            .map(|r| plain_reason(r))
            .collect(),
        text: leadpolicy::engine::explain::render(pk),
    }
}

/// A value as shown, `None` when missing (the window says "unknown" in its own words).
fn present(v: &Value) -> Option<String> {
    match v {
        Value::Missing => None,
        Value::Text(t) => Some(t.clone()),
        Value::Number(n) => Some(leadpolicy::format_number(*n)),
    }
}

pub fn outcome_view(pk: &Packet) -> OutcomeView {
    let o = &pk.outcome;
    OutcomeView {
        converted: o.converted,
        seller_outcome: o.seller_outcome.clone(),
        meeting: o.meeting.clone(),
        historical_decision: o.historical_decision.clone(),
        first_touch_minutes: o.first_touch_minutes.as_ref().and_then(present),
        seller_feedback: o.seller_feedback.as_ref().and_then(present),
    }
}

/// Fill rate, samples, common values and range of every field the rules may read.
pub fn field_views(ds: &Dataset) -> AppResult<Vec<FieldView>> {
    let n = ds.len().max(1) as f64;
    let role_of = |name: &str| {
        ds.roles
            .iter()
            .find(|(_, c)| c.as_str() == name)
            .map(|(r, _)| (*r).to_string())
    };
    let mut out = Vec::new();
    for f in &ds.fields {
        if f.name == ds.id || f.name.starts_with(hidden::PREFIX) {
            continue;
        }
        let (values, samples) = match ds.dictionary(&f.name) {
            Ok(dict) => common_values(&dict),
            Err(_) => (Vec::new(), Vec::new()),
        };
        let (min, max) = if f.ty == FieldType::Number {
            ds.number_range(&f.name)?
        } else {
            (None, None)
        };
        out.push(FieldView {
            name: f.name.clone(),
            ty: match f.ty {
                FieldType::Text => ValueType::Text,
                FieldType::Number => ValueType::Number,
            },
            role: role_of(&f.name),
            fill_rate: f.filled as f64 / n,
            samples,
            values: if f.ty == FieldType::Text {
                values
            } else {
                Vec::new()
            },
            min,
            max,
        });
    }
    Ok(out)
}

/// The 100 most common values, and 3 samples (the three most common).
fn common_values(d: &Dictionary) -> (Vec<String>, Vec<String>) {
    let mut counts = vec![0u32; d.values.len()];
    for &c in &d.codes {
        if let Some(n) = counts.get_mut(c as usize) {
            *n += 1;
        }
    }
    let mut order: Vec<usize> = (0..d.values.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(counts[i]), i));
    let values: Vec<String> = order
        .iter()
        .take(100)
        .map(|&i| d.values[i].clone())
        .collect();
    let samples = values.iter().take(3).cloned().collect();
    (values, samples)
}
