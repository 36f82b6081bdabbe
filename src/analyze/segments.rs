//! Segment impact: decision rates per group of each sensitive field, baseline vs draft, with the
//! four-fifths rule.
//!
//! Method. Groups are the categories of the sensitive field ([`super::categorize`]: each text
//! value up to the 20 most frequent, `(other)`, `(missing)`; numbers in 5 quantile bins), cut
//! once over the leads in scope under either policy so both sides use the same groups. For
//! each policy and group, over that policy's in-scope leads of the group: the number of leads and
//! the share accepted, nurtured, rejected and unresolved. A group is *judged* when it has at
//! least `min_group_size` in-scope leads; the **impact ratio** of a judged group is its
//! acceptance rate ÷ the highest acceptance rate among judged groups, and a ratio below 0.8 is
//! flagged (the four-fifths rule). Groups too small to judge are listed with their counts and
//! `too_small = true`, never given a ratio and never flagged.

use serde::Serialize;

use super::{Evaluated, categorize, share};
use crate::dataset::Dataset;
use crate::error::Error;

/// Impact ratios below this are flagged.
pub const FOUR_FIFTHS: f64 = 0.8;

#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupRates {
    /// In-scope leads of the group under this policy.
    pub leads: usize,
    pub accepted: usize,
    pub nurture: usize,
    pub rejected: usize,
    pub unresolved: usize,
    pub accepted_rate: Option<f64>,
    pub rejected_rate: Option<f64>,
    pub unresolved_rate: Option<f64>,
    /// Fewer leads than `min_group_size`: shown, not judged.
    pub too_small: bool,
    /// accepted_rate ÷ the highest accepted_rate among judged groups.
    pub impact_ratio: Option<f64>,
    /// impact_ratio < 0.8.
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub group: String,
    pub draft: GroupRates,
    pub baseline: Option<GroupRates>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SensitiveSegments {
    pub field: String,
    pub method: String,
    /// Groups by draft in-scope leads, largest first.
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Segments {
    pub min_group_size: usize,
    pub four_fifths: f64,
    pub fields: Vec<SensitiveSegments>,
}

fn rates(e: &Evaluated<'_>, codes: &[Option<u32>], groups: usize, min: usize) -> Vec<GroupRates> {
    let mut out = vec![GroupRates::default(); groups];
    for (i, c) in codes.iter().enumerate() {
        let Some(c) = c else { continue };
        if !e.in_scope(i) {
            continue;
        }
        let g = &mut out[*c as usize];
        g.leads += 1;
        match e.decisions.decision(i) {
            crate::engine::Decision::Accepted => g.accepted += 1,
            crate::engine::Decision::Nurture => g.nurture += 1,
            crate::engine::Decision::Rejected => g.rejected += 1,
            crate::engine::Decision::Unresolved => g.unresolved += 1,
            crate::engine::Decision::OutOfScope => {}
        }
    }
    for g in &mut out {
        g.accepted_rate = share(g.accepted, g.leads);
        g.rejected_rate = share(g.rejected, g.leads);
        g.unresolved_rate = share(g.unresolved, g.leads);
        g.too_small = g.leads < min;
    }
    let best = out
        .iter()
        .filter(|g| !g.too_small)
        .filter_map(|g| g.accepted_rate)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    for g in &mut out {
        if g.too_small {
            continue;
        }
        g.impact_ratio = match (g.accepted_rate, best) {
            (Some(r), Some(b)) if b > 0.0 => Some(r / b),
            _ => None,
        };
        g.flagged = g.impact_ratio.is_some_and(|r| r < FOUR_FIFTHS);
    }
    out
}

pub(crate) fn segments(
    draft: &Evaluated<'_>,
    baseline: Option<&Evaluated<'_>>,
    ds: &Dataset,
    min_group_size: usize,
) -> Result<Segments, Error> {
    let include = |i: usize| draft.in_scope(i) || baseline.is_some_and(|b| b.in_scope(i));
    let mut fields = Vec::new();
    for s in &draft.policy.sensitive {
        if ds.field(&s.name).is_none() {
            continue;
        }
        let cats = categorize(ds, &s.name, &include)?;
        let d = rates(draft, &cats.codes, cats.names.len(), min_group_size);
        let b = baseline.map(|b| rates(b, &cats.codes, cats.names.len(), min_group_size));
        let mut groups: Vec<Group> = cats
            .names
            .iter()
            .enumerate()
            .map(|(k, name)| Group {
                group: name.clone(),
                draft: d[k].clone(),
                baseline: b.as_ref().map(|b| b[k].clone()),
            })
            .filter(|g| g.draft.leads > 0 || g.baseline.as_ref().is_some_and(|b| b.leads > 0))
            .collect();
        groups.sort_by(|a, b| {
            b.draft
                .leads
                .cmp(&a.draft.leads)
                .then_with(|| a.group.cmp(&b.group))
        });
        fields.push(SensitiveSegments {
            field: s.name.clone(),
            method: cats.method,
            groups,
        });
    }
    Ok(Segments {
        min_group_size,
        four_fifths: FOUR_FIFTHS,
        fields,
    })
}
