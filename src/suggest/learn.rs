//! Interpretable rule learning over the allowed fields: segments of the leads a policy sends to
//! sales that rarely convert and are often sent back, as conjunctions of at most two conditions
//! (`industry = "education"`, `employees < 20 and job_level = "individual_contributor"`).
//!
//! Disqualifying a segment moves its accepted leads to rejected: low-fit handoffs fall by its
//! sent-back and no-show leads, later conversions rise by its converted ones. A segment is
//! proposed only when that trade is positive and its conversion rate is significantly below that
//! of all accepted leads (one-sided z ≥ [`MIN_Z`], raised for the number of conditions tried), so
//! that data without a pattern yields nothing.

use polars::prelude::StringChunked;

use crate::analyze::Evaluated;
use crate::dataset::{Dataset, hidden};
use crate::engine::Decision;
use crate::error::Error;
use crate::policy::edit::Edit;
use crate::policy::view::{ActionView, Cond, Lit, RuleView};

use super::Candidate;

/// Accepted leads a segment needs before it is judged.
const MIN_SUPPORT: usize = 30;
/// How far below the accepted leads' conversion rate a segment must be, in standard errors.
const MIN_Z: f64 = 3.0;
/// Distinct values above which a text field is not split on.
const MAX_VALUES: usize = 50;
/// How many segments to propose.
const MAX_SEGMENTS: usize = 3;
/// The reason a learned segment is disqualified with.
pub const REASON: &str = "low_fit_segment";
const REASON_LABEL: &str = "Segment that rarely converts and is often sent back";

/// One condition and the accepted leads it holds.
#[derive(Clone)]
struct Literal {
    cond: Cond,
    words: String,
    mask: Vec<bool>,
}

/// What a segment does to the accepted leads.
#[derive(Clone, Copy, Default)]
struct Effect {
    /// In-scope leads of the segment that are not rejected yet, and how many of them were sent
    /// to sales.
    others: usize,
    accepted: usize,
    converted: usize,
    low_fit: usize,
    known_outcome: usize,
}

impl Effect {
    fn gain(&self) -> i64 {
        self.low_fit as i64 - self.converted as i64
    }
}

/// Candidate literals on the allowed, non-sensitive fields, over the accepted leads `acc`.
fn literals(e: &Evaluated<'_>, ds: &Dataset, acc: &[bool]) -> Result<Vec<Literal>, Error> {
    let p = e.policy;
    let mut out = Vec::new();
    for f in &p.allowed {
        let name = f.name.as_str();
        if p.sensitive.iter().any(|s| s.name == name)
            || ds.field(name).is_none_or(|fi| fi.sensitive == Some(true))
            || name == ds.id
        {
            continue;
        }
        if ds
            .field(name)
            .is_some_and(|f| f.ty == crate::dataset::FieldType::Number)
        {
            let col = ds.frame.column(name)?.f64()?.clone();
            let values: Vec<Option<f64>> = col.iter().collect();
            let mut filled: Vec<f64> = values
                .iter()
                .zip(acc)
                .filter(|(_, a)| **a)
                .filter_map(|(v, _)| *v)
                .collect();
            if filled.len() < MIN_SUPPORT * 2 {
                continue;
            }
            filled.sort_by(f64::total_cmp);
            let q = |x: f64| nice(filled[((filled.len() - 1) as f64 * x) as usize]);
            let mut cuts: Vec<(&str, f64)> = [0.1, 0.2, 0.3, 0.4, 0.5]
                .iter()
                .map(|x| ("lt", q(*x)))
                .chain([0.6, 0.7, 0.8, 0.9].iter().map(|x| ("gte", q(*x))))
                .collect();
            cuts.dedup_by(|a, b| a.0 == b.0 && (a.1 - b.1).abs() < 1e-12);
            for (op, t) in cuts {
                let mask: Vec<bool> = values
                    .iter()
                    .map(|v| v.is_some_and(|v| if op == "lt" { v < t } else { v >= t }))
                    .collect();
                let sign = crate::policy::comparison_symbol(op);
                out.push(Literal {
                    cond: Cond::Field {
                        field: name.to_string(),
                        op: op.to_string(),
                        value: Lit::Number(t),
                    },
                    words: format!("{name} {sign} {}", crate::format_number(t)),
                    mask,
                });
            }
        } else {
            let text = ds.text_column(name)?;
            let values: Vec<Option<&str>> = text.iter().collect();
            let mut distinct: Vec<&str> = values.iter().flatten().copied().collect();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() > MAX_VALUES {
                continue;
            }
            for v in distinct {
                let mask: Vec<bool> = values.iter().map(|x| *x == Some(v)).collect();
                out.push(Literal {
                    cond: Cond::Field {
                        field: name.to_string(),
                        op: "eq".into(),
                        value: Lit::Text(v.to_string()),
                    },
                    words: format!("{name} = \"{v}\""),
                    mask,
                });
            }
        }
        let missing: Vec<bool> = ds
            .frame
            .column(name)?
            .is_null()
            .iter()
            .map(|m| m.unwrap_or(false))
            .collect();
        out.push(Literal {
            cond: Cond::Field {
                field: name.to_string(),
                op: "missing".into(),
                value: Lit::Bool(true),
            },
            words: format!("{name} is missing"),
            mask: missing,
        });
    }
    Ok(out)
}

/// Segments worth disqualifying, found on `ds` (the learning leads) under `e`'s decisions.
pub(crate) fn segments(e: &Evaluated<'_>, ds: &Dataset) -> Result<Vec<Candidate>, Error> {
    let Some(conv) = ds.converted()? else {
        return Ok(Vec::new());
    };
    let text = |name: &str| -> Result<Option<StringChunked>, Error> {
        match ds.frame.column(name) {
            Ok(c) => Ok(Some(c.str()?.clone())),
            Err(_) => Ok(None),
        }
    };
    let (seller, meeting) = (text(hidden::SELLER_OUTCOME)?, text(hidden::MEETING)?);
    if seller.is_none() && meeting.is_none() {
        // Without a seller outcome or a meeting, nothing says a lead was a poor fit.
        return Ok(Vec::new());
    }
    fn at(c: &Option<StringChunked>, i: usize) -> Option<&str> {
        c.as_ref().and_then(|c| c.get(i))
    }
    let acc: Vec<bool> = (0..ds.len())
        .map(|i| e.decisions.decision(i) == Decision::Accepted)
        .collect();
    let low_fit: Vec<bool> = (0..ds.len())
        .map(|i| at(&seller, i) == Some("sent_back") || at(&meeting, i) == Some("no_show"))
        .collect();
    let known: Vec<bool> = (0..ds.len())
        .map(|i| at(&seller, i).is_some() || at(&meeting, i).is_some())
        .collect();
    // Nurture and manual-review leads: a disqualify rule runs before the evidence check and the
    // routes, so it rejects them too.
    let open: Vec<bool> = (0..ds.len())
        .map(|i| {
            matches!(
                e.decisions.decision(i),
                Decision::Nurture | Decision::Unresolved
            )
        })
        .collect();
    let effect = |mask: &[bool]| {
        let mut f = Effect::default();
        for i in 0..mask.len() {
            if mask[i] && open[i] && !acc[i] {
                f.others += 1;
            }
            if mask[i] && acc[i] {
                f.accepted += 1;
                f.converted += usize::from(conv[i]);
                f.low_fit += usize::from(low_fit[i]);
                f.known_outcome += usize::from(known[i]);
            }
        }
        f
    };
    let all = effect(&vec![true; ds.len()]);
    if all.accepted == 0 {
        return Ok(Vec::new());
    }
    let base = all.converted as f64 / all.accepted as f64;
    let lits = literals(e, ds, &acc)?;
    // Every literal and each of the five best paired with every other is a test: the bar rises
    // with their number (Bonferroni at 5%), so more fields do not mean more chance findings.
    let tests = (lits.len() * 6).max(1) as f64;
    let min_z = MIN_Z.max((2.0 * (tests / 0.05).ln()).sqrt());
    let significant = |f: &Effect| {
        if f.accepted < MIN_SUPPORT || base <= 0.0 || base >= 1.0 || f.gain() <= 0 {
            return false;
        }
        let rate = f.converted as f64 / f.accepted as f64;
        let z = (base - rate) / (base * (1.0 - base) / f.accepted as f64).sqrt();
        z >= min_z
    };
    let mut singles: Vec<(usize, Effect)> = lits
        .iter()
        .enumerate()
        .map(|(k, l)| (k, effect(&l.mask)))
        .filter(|(_, f)| f.accepted >= MIN_SUPPORT)
        .collect();
    singles.sort_by_key(|s| std::cmp::Reverse(s.1.gain()));
    // Depth one, then each of the best five narrowed by a second condition.
    let mut found: Vec<(Vec<usize>, Effect)> = singles
        .iter()
        .filter(|(_, f)| significant(f))
        .map(|(k, f)| (vec![*k], *f))
        .collect();
    for (k, _) in singles.iter().take(5) {
        for (j, _) in singles.iter() {
            if j == k || lits[*j].cond_field() == lits[*k].cond_field() {
                continue;
            }
            let both: Vec<bool> = lits[*k]
                .mask
                .iter()
                .zip(&lits[*j].mask)
                .map(|(a, b)| *a && *b)
                .collect();
            let f = effect(&both);
            if significant(&f) {
                found.push((vec![*k, *j], f));
            }
        }
    }
    found.sort_by(|a, b| b.1.gain().cmp(&a.1.gain()).then(a.0.len().cmp(&b.0.len())));
    let mut chosen: Vec<(Vec<usize>, Effect)> = Vec::new();
    for (ks, f) in found {
        // One segment per field: `employees < 470` and `employees < 240` say the same thing.
        let fields: Vec<Option<&str>> = ks.iter().map(|k| lits[*k].cond_field()).collect();
        if chosen
            .iter()
            .any(|(c, _)| c.iter().any(|k| fields.contains(&lits[*k].cond_field())))
        {
            continue;
        }
        chosen.push((ks, f));
        if chosen.len() == MAX_SEGMENTS {
            break;
        }
    }
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let n = crate::text::group_digits;
    let has_reason = e.policy.reasons.iter().any(|r| r.code == REASON);
    Ok(chosen
        .into_iter()
        .map(|(ks, f)| {
            let words: Vec<&str> = ks.iter().map(|k| lits[*k].words.as_str()).collect();
            let when = if ks.len() == 1 {
                lits[ks[0]].cond.clone()
            } else {
                Cond::All {
                    items: ks.iter().map(|k| lits[*k].cond.clone()).collect(),
                }
            };
            let id = format!(
                "dq-{}",
                words
                    .join("-")
                    .to_lowercase()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect::<String>()
                    .split('-')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("-")
            );
            let mut edits = Vec::new();
            if !has_reason {
                edits.push(Edit::PutReason {
                    code: REASON.into(),
                    label: REASON_LABEL.into(),
                });
            }
            edits.push(Edit::PutRule {
                index: None,
                rule: RuleView {
                    id,
                    description: Some(format!("Suggested from outcomes: {}", words.join(" and "))),
                    action: ActionView::Disqualify {
                        reason: REASON.into(),
                    },
                    when,
                },
            });
            Candidate {
                kind: "add_disqualify",
                title: format!("Disqualify leads with {}", words.join(" and ")),
                why: format!(
                    "On the learning leads, {} leads with {} were sent to sales: {} converted ({}, against {} for every lead sent to sales) and {} of the {} with a seller outcome or a meeting were sent back or missed the meeting. Disqualify rules run before the evidence check and the routes, so it also rejects the segment's {} nurture and manual-review leads. It reads only allowed fields.",
                    n(f.accepted),
                    words.join(" and "),
                    n(f.converted),
                    pct(f.converted as f64 / f.accepted as f64),
                    pct(base),
                    n(f.low_fit),
                    n(f.known_outcome),
                    n(f.others)
                ),
                edits,
                simplifies: false,
            }
        })
        .collect())
}

impl Literal {
    fn cond_field(&self) -> Option<&str> {
        match &self.cond {
            Cond::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// A round number near `v` for a threshold people read: two significant digits from 1,000 on,
/// whole numbers from 100, one decimal from 1, else two.
pub(crate) fn nice(v: f64) -> f64 {
    let a = v.abs();
    if a >= 1000.0 {
        let unit = 10f64.powi(a.log10().floor() as i32 - 1);
        (v / unit).round() * unit
    } else if a >= 100.0 {
        v.round()
    } else if a >= 1.0 {
        (v * 10.0).round() / 10.0
    } else {
        (v * 100.0).round() / 100.0
    }
}
