//! Suggested edits with evidence (`leadpolicy suggest`): concrete changes to a policy, each
//! learned from what happened to past leads, each with the exact replay of its policy text, and
//! none applied by itself — people decide.
//!
//! How: the leads are split into a *learning* part and a *holdout* (a time split on `created_at`
//! when dates exist — the newest 30% held out — else a seeded random 30%). Candidates are found on
//! the learning part only ([`candidates`]); each candidate is a list of structured edits applied
//! to the policy text (comments and layout kept), checked, and replayed against the input policy
//! on the learning part, the holdout and every lead. The objective ([`OBJECTIVE`]) ranks them; a
//! gain measured on the leads it was learned from is optimistic, so both figures are shown and a
//! gain that does not hold out is said so in words.

pub mod candidates;
pub mod learn;
pub mod render;

use serde::Serialize;

use crate::dataset::Dataset;
use crate::diag::Source;
use crate::engine::explain::DecisionRecord;
use crate::error::Error;
use crate::policy::{self, Policy, edit::Edit};
use crate::replay::{self, Metrics};
use crate::store::lifecycle::{GuardrailResult, check_guardrails};

/// The default objective, as printed.
pub const OBJECTIVE: &str = "gain = (later converted before − after) + (low-fit handoffs before − after) − max(0, unresolved after − unresolved before); higher is better";

/// Share of the leads held out.
pub const HOLDOUT: f64 = 0.3;

/// What to suggest for.
#[derive(Debug, Clone)]
pub struct Settings {
    /// At most this many suggestions.
    pub max: usize,
    /// Guardrail limits in `store::lifecycle::GUARDRAILS` order (the workspace's defaults: 0).
    pub limits: [f64; 3],
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max: 10,
            limits: crate::store::lifecycle::GUARDRAILS.map(|g| g.default),
        }
    }
}

/// A candidate edit before it is measured.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// `threshold`, `drop_disqualify`, `add_disqualify`, `remove_idle_rule`, `resolve_overlap`,
    /// `add_required`.
    pub kind: &'static str,
    pub title: String,
    pub why: String,
    pub edits: Vec<Edit>,
    /// A change that only simplifies the policy is shown even when it gains nothing.
    pub simplifies: bool,
}

/// The objective's parts on one set of leads.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Gain {
    pub leads: usize,
    /// The objective's value (see [`OBJECTIVE`]).
    pub gain: i64,
    pub later_converted: Option<i64>,
    pub low_fit_handoffs: Option<i64>,
    pub unresolved: i64,
    /// Leads whose decision changes.
    pub changed_leads: usize,
    /// Leads that change decision and converted, were sent back or missed the meeting: the
    /// leads whose moves the gain counts.
    pub moved_with_outcome: usize,
    /// Leads sent to sales that were not before, and how many of them have no seller outcome
    /// in the data (their fit is unknown: the gain cannot count them either way).
    pub newly_accepted: usize,
    pub newly_accepted_unknown: usize,
}

impl Gain {
    /// The Poisson noise of the leads the change moves that have an outcome, `z` times: a gain
    /// below it is what chance alone gives often enough that it is not shown. Changes picked as
    /// the best of many (a threshold, a segment) need more.
    fn noise(&self, z: f64) -> f64 {
        z * (self.moved_with_outcome as f64).sqrt()
    }

    fn of(r: &replay::Replay) -> Self {
        let (b, d) = (&r.baseline.metrics, &r.draft.metrics);
        let diff = |x: Option<usize>, y: Option<usize>| x.zip(y).map(|(x, y)| y as i64 - x as i64);
        let later_converted = diff(b.later_converted, d.later_converted);
        let low_fit_handoffs = diff(b.low_fit_handoffs, d.low_fit_handoffs);
        let unresolved = d.unresolved as i64 - b.unresolved as i64;
        let (mut moved_with_outcome, mut newly_accepted, mut newly_accepted_unknown) = (0, 0, 0);
        for f in &r.flips.leads {
            let low_fit = f.seller_outcome.as_deref() == Some("sent_back")
                || f.meeting.as_deref() == Some("no_show");
            if f.converted == Some(true) || low_fit {
                moved_with_outcome += 1;
            }
            if f.draft.decision == "accepted" && f.baseline.decision != "accepted" {
                newly_accepted += 1;
                if f.seller_outcome.is_none() && f.meeting.is_none() {
                    newly_accepted_unknown += 1;
                }
            }
        }
        Gain {
            leads: r.dataset.leads,
            gain: -later_converted.unwrap_or(0) - low_fit_handoffs.unwrap_or(0) - unresolved.max(0),
            later_converted,
            low_fit_handoffs,
            unresolved,
            changed_leads: r.flips.flipped,
            moved_with_outcome,
            newly_accepted,
            newly_accepted_unknown,
        }
    }
}

/// The gain where it was learned and where it was not.
#[derive(Debug, Clone, Serialize)]
pub struct Holdout {
    /// How the leads were split, in words.
    pub split: String,
    pub learning: Gain,
    pub holdout: Gain,
    /// The holdout gain is positive too (for a change that gains something on the learning part).
    pub holds: bool,
    /// In plain words.
    pub words: String,
}

/// One changed lead: its decision under the input policy and under the suggestion.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub lead_id: String,
    pub before: DecisionRecord,
    pub after: DecisionRecord,
    pub converted: Option<bool>,
    pub seller_outcome: Option<String>,
    /// Both qualification packets: under the input policy and under the suggestion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packets: Option<(
        Box<crate::engine::explain::Packet>,
        Box<crate::engine::explain::Packet>,
    )>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub why: String,
    /// The whole suggested policy text: the input with this one change.
    pub policy: String,
    /// The suggested policy's replay metrics on every lead.
    pub metrics: Metrics,
    /// Suggested − input, for every metric.
    pub deltas: serde_json::Value,
    /// The objective on every lead.
    pub gain: Gain,
    pub guardrails: Vec<GuardrailResult>,
    /// Every guardrail passes.
    pub within_guardrails: bool,
    pub changed_leads: usize,
    pub examples: Vec<Example>,
    pub holdout: Holdout,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggestions {
    pub objective: &'static str,
    pub policy: replay::PolicyInfo,
    pub leads: usize,
    /// Candidates tried …
    pub tried: usize,
    /// … and those that could not be made into a valid policy, with why.
    pub skipped: Vec<String>,
    pub suggestions: Vec<Suggestion>,
}

/// The learning part and the holdout of `ds`, and the split in words.
pub fn split(ds: &Dataset) -> Result<(Vec<bool>, String), Error> {
    let n = ds.len();
    if let Some(days) = ds.dates("created_at")? {
        let mut dated: Vec<i32> = days.iter().flatten().copied().collect();
        if dated.len() >= 10 {
            dated.sort_unstable();
            let cut = dated[((dated.len() as f64) * (1.0 - HOLDOUT)) as usize];
            let held: Vec<bool> = days.iter().map(|d| d.is_some_and(|d| d >= cut)).collect();
            let share = held.iter().filter(|h| **h).count() as f64 / n.max(1) as f64;
            // Many leads on one day (or few dates) can make the newest part far from 30%: then
            // the seeded split below is the fairer test.
            if !(0.15..=0.45).contains(&share) {
                return Ok(seeded(n));
            }
            let words = format!(
                "by time: learned on leads created before {}, measured again on the {} created from then on",
                crate::dataset::dates::from_days(cut),
                crate::text::group_digits(held.iter().filter(|h| **h).count())
            );
            return Ok((held, words));
        }
    }
    Ok(seeded(n))
}

/// A seeded random holdout of `n` leads, and the split in words.
fn seeded(n: usize) -> (Vec<bool>, String) {
    // splitmix64 of the row number: the same split every run.
    let held: Vec<bool> = (0..n as u64)
        .map(|i| {
            let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z % 1000) < (HOLDOUT * 1000.0) as u64
        })
        .collect();
    let words = format!(
        "at random (seeded; the created dates do not split the leads about 70/30): {} leads held out",
        crate::text::group_digits(held.iter().filter(|h| **h).count())
    );
    (held, words)
}

/// The policy text after `edits`, parsed and checked against `ds`.
fn apply(policy: &Policy, edits: &[Edit], ds: &Dataset) -> Result<Policy, Error> {
    let mut text = policy.source.text.clone();
    for e in edits {
        text = policy::edit::apply(&text, e)?;
    }
    let p = policy::parse(Source::new(policy.source.path.display().to_string(), text))
        .map_err(Error::Invalid)?;
    let diags = policy::validate::check_against(&p, ds);
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    Ok(p)
}

fn holdout_words(learning: &Gain, holdout: &Gain, simplifies: bool) -> (bool, String) {
    if simplifies && learning.gain == 0 && learning.changed_leads == 0 {
        let same = holdout.changed_leads == 0;
        return (
            same,
            if same {
                "Changes no decision on the learning leads or on the held-out leads.".into()
            } else {
                format!(
                    "Changes no decision on the learning leads, but {} held-out leads: look at them before removing it.",
                    holdout.changed_leads
                )
            },
        );
    }
    // Held out, the gain must stand above one standard error of what it moves.
    let holds = holdout.gain > 0 && holdout.gain as f64 >= holdout.noise(1.0);
    let words = if holds {
        format!(
            "Holds out: gain {} on the learning leads, {} on the held-out leads.",
            learning.gain, holdout.gain
        )
    } else {
        format!(
            "Does not hold out: gain {} on the leads it was learned from, but {} on the held-out leads (within chance there) — treat it as a hunch, not evidence.",
            learning.gain, holdout.gain
        )
    };
    (holds, words)
}

/// Suggest edits of `policy` on `ds`; `baseline` (the published policy) is what the guardrails
/// compare with, the input policy when not given. `progress` is called with (done, total).
pub fn suggest(
    policy: &Policy,
    baseline: Option<&Policy>,
    ds: &Dataset,
    settings: &Settings,
    progress: &dyn Fn(usize, usize),
) -> Result<Suggestions, Error> {
    crate::engine::check(policy, ds)?;
    let (held, split_words) = split(ds)?;
    let learning_keep: Vec<bool> = held.iter().map(|h| !h).collect();
    let learning = ds.subset(&learning_keep)?;
    let holdout = ds.subset(&held)?;
    let found = candidates::all(policy, &learning)?;
    let tried = found.len();
    progress(0, tried);

    // Measure on the learning part first; only changes that gain something (or simplify) go on.
    // Make each candidate a policy; measure them on the learning part two at a time (a replay's
    // counting pass is one thread).
    let mut made = Vec::new();
    let mut skipped = Vec::new();
    for c in found {
        match apply(policy, &c.edits, ds) {
            Ok(p) => made.push((c, p)),
            Err(e) => skipped.push(format!("{}: {e}", c.title)),
        }
    }
    let mut measured = Vec::new();
    for (k, pair) in made.chunks(2).enumerate() {
        progress(2 * k, tried);
        let gains: Vec<Result<Gain, Error>> = std::thread::scope(|s| {
            let handles: Vec<_> = pair
                .iter()
                .map(|(_, p)| {
                    s.spawn(|| replay::replay(policy, p, &learning).map(|r| Gain::of(&r)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Usage("measuring a suggestion crashed".into()))
                    })
                })
                .collect()
        });
        for ((c, p), on_learning) in pair.iter().zip(gains) {
            let on_learning = on_learning?;
            // Only gains larger than chance are shown (see `Gain::noise`).
            let keep = if c.simplifies && on_learning.gain == 0 {
                true
            } else {
                let z = if matches!(c.kind, "threshold" | "add_disqualify") {
                    3.0
                } else {
                    2.0
                };
                on_learning.gain > 0 && on_learning.gain as f64 >= on_learning.noise(z)
            };
            if keep {
                measured.push((c.clone(), p.clone(), on_learning));
            }
        }
    }
    measured.sort_by_key(|m| std::cmp::Reverse(m.2.gain));
    measured.truncate(settings.max);

    let base_metrics = match baseline {
        Some(b) => Some(replay::replay(b, b, ds)?.baseline.metrics),
        None => None,
    };
    let mut out = Vec::new();
    for (k, (c, p, on_learning)) in measured.into_iter().enumerate() {
        // The held-out part and every lead, side by side.
        let (on_holdout, all) = std::thread::scope(|s| {
            let held = s.spawn(|| replay::replay(policy, &p, &holdout));
            let all = replay::replay(policy, &p, ds);
            let held = held
                .join()
                .unwrap_or_else(|_| Err(Error::Usage("measuring a suggestion crashed".into())));
            (held, all)
        });
        let (on_holdout, all) = (Gain::of(&on_holdout?), all?);
        let (holds, words) = holdout_words(&on_learning, &on_holdout, c.simplifies);
        let reference = base_metrics.as_ref().unwrap_or(&all.baseline.metrics);
        let guardrails = check_guardrails(reference, &all.draft.metrics, &settings.limits);
        let gain = Gain::of(&all);
        let mut why = c.why.clone();
        if gain.newly_accepted_unknown > 0 {
            why.push_str(&format!(
                " It sends {} more leads to sales; {} of them have no seller outcome in the data, so whether they fit is unknown and the gain does not count them.",
                crate::text::group_digits(gain.newly_accepted),
                crate::text::group_digits(gain.newly_accepted_unknown)
            ));
        }
        for w in crate::analyze::leakage::warnings(&p, ds)? {
            why.push_str(&format!(" Note: {w}."));
        }
        out.push(Suggestion {
            id: format!("s{}-{}", k + 1, c.kind.replace('_', "-")),
            kind: c.kind.to_string(),
            title: c.title,
            why,
            policy: p.source.text.clone(),
            gain,
            metrics: all.draft.metrics.clone(),
            deltas: all.deltas.clone(),
            within_guardrails: guardrails.iter().all(|g| !g.blocked),
            guardrails,
            changed_leads: all.flips.flipped,
            examples: all
                .flips
                .leads
                .iter()
                .take(3)
                .map(|f| Example {
                    lead_id: f.lead_id.clone(),
                    before: f.baseline.clone(),
                    after: f.draft.clone(),
                    converted: f.converted,
                    seller_outcome: f.seller_outcome.clone(),
                    packets: f.packets.clone(),
                })
                .collect(),
            holdout: Holdout {
                split: split_words.clone(),
                learning: on_learning,
                holdout: on_holdout,
                holds,
                words,
            },
        });
    }
    progress(tried, tried);
    Ok(Suggestions {
        objective: OBJECTIVE,
        policy: replay::policy_info(policy),
        leads: ds.len(),
        tried,
        skipped,
        suggestions: out,
    })
}
