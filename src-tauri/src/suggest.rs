//! The Suggestions screen: edits of the draft learned from outcomes, each with its evidence, for
//! people to try (an ordinary, audited edit of the draft) or leave (see `leadpolicy suggest`).

use leadpolicy::dataset::Dataset;
use leadpolicy::diag::Source;
use leadpolicy::policy::{self, Policy};
use leadpolicy::suggest::{self, Gain, Settings, Suggestion};
use serde::Serialize;
use specta::Type;

use crate::error::AppResult;
use crate::views::ChangeView;

/// The objective's parts on one set of leads, for a card.
#[derive(Debug, Clone, Serialize, Type)]
pub struct GainView {
    pub leads: u32,
    pub gain: i32,
    pub later_converted: Option<i32>,
    pub low_fit_handoffs: Option<i32>,
    pub unresolved: i32,
    pub changed_leads: u32,
}

impl From<&Gain> for GainView {
    fn from(g: &Gain) -> Self {
        Self {
            leads: g.leads as u32,
            gain: g.gain as i32,
            later_converted: g.later_converted.map(|x| x as i32),
            low_fit_handoffs: g.low_fit_handoffs.map(|x| x as i32),
            unresolved: g.unresolved as i32,
            changed_leads: g.changed_leads as u32,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct SuggestionCard {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub why: String,
    /// The whole suggested policy text ("Try it" makes it the draft's).
    pub policy: String,
    /// What changes against the draft, section by section.
    pub changes: Vec<ChangeView>,
    /// On every lead of the replay.
    pub all: GainView,
    pub learning: GainView,
    pub holdout: GainView,
    pub holds: bool,
    /// The holdout in words, and how the leads were split.
    pub holdout_words: String,
    pub split: String,
    pub within_guardrails: bool,
    /// "low-fit handoffs … rises by 12 (limit 0)" for each blocked guardrail.
    pub blocked: Vec<String>,
    /// "L-000003: accepted → rejected (did not convert)".
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct SuggestionsView {
    pub objective: String,
    pub leads: u32,
    pub tried: u32,
    pub cards: Vec<SuggestionCard>,
    pub elapsed_ms: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct SuggestProgress {
    pub done: u32,
    pub total: u32,
}

fn card(draft: &Policy, s: &Suggestion) -> SuggestionCard {
    let changes = policy::parse(Source::new("suggested", s.policy.clone()))
        .map(|q| {
            policy::diff::diff(draft, &q)
                .iter()
                .map(ChangeView::from)
                .collect()
        })
        .unwrap_or_default();
    SuggestionCard {
        id: s.id.clone(),
        kind: s.kind.clone(),
        title: s.title.clone(),
        why: s.why.clone(),
        policy: s.policy.clone(),
        changes,
        all: (&s.gain).into(),
        learning: (&s.holdout.learning).into(),
        holdout: (&s.holdout.holdout).into(),
        holds: s.holdout.holds,
        holdout_words: s.holdout.words.clone(),
        split: s.holdout.split.clone(),
        within_guardrails: s.within_guardrails,
        blocked: s
            .guardrails
            .iter()
            .filter(|g| g.blocked)
            .map(|g| g.describe())
            .collect(),
        examples: s
            .examples
            .iter()
            .map(|e| {
                format!(
                    "{}: {} → {}{}",
                    e.lead_id,
                    e.before.decision.replace('_', " "),
                    e.after.decision.replace('_', " "),
                    match e.converted {
                        Some(true) => " (converted)",
                        Some(false) => " (did not convert)",
                        None => "",
                    }
                )
            })
            .collect(),
    }
}

/// Suggestions for `draft` on `ds` (the replay's leads), guardrails against `baseline` under the
/// workspace's `limits`.
pub fn suggestions(
    draft: &Policy,
    baseline: &Policy,
    ds: &Dataset,
    limits: [f64; 3],
    progress: &dyn Fn(usize, usize),
) -> AppResult<SuggestionsView> {
    let start = std::time::Instant::now();
    let settings = Settings {
        limits,
        ..Settings::default()
    };
    let s = suggest::suggest(draft, Some(baseline), ds, &settings, progress)?;
    Ok(SuggestionsView {
        objective: s.objective.to_string(),
        leads: s.leads as u32,
        tried: s.tried as u32,
        cards: s.suggestions.iter().map(|g| card(draft, g)).collect(),
        elapsed_ms: start.elapsed().as_millis() as u32,
    })
}
