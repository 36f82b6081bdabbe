//! Enrichment quality: per enrichment source, how much it covers, how sure it is, how often it
//! fails, and how much of the manual-review queue it causes.
//!
//! Method, over the policy's in-scope leads grouped by the `enrichment_source` role (its cell
//! text; missing values as `(missing)`):
//!
//! - `leads`, `share_of_leads` — the source's in-scope leads and their share of all of them;
//! - `coverage` — share of its leads that have every `[evidence] required` field (what the
//!   policy needs from enrichment); null when nothing is required;
//! - confidence — the `enrichment_confidence` role: leads with a value, their minimum, quartiles
//!   (nearest rank) and maximum, and the share of the source's leads with a missing confidence
//!   or one below the policy's `min_enrichment_confidence` (`below_minimum`; null without a
//!   minimum);
//! - `errors`, `error_rate` — leads with the `enrichment_error` role true (null without it);
//! - `unresolved_caused` — unresolved leads of the source stopped by the evidence gate (a
//!   missing required field or low confidence); `share_of_unresolved` — their share of every
//!   unresolved lead of the policy.
//!
//! Without an `enrichment_source` role the whole analysis is "not available".

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Evaluated, share};
use crate::dataset::{Dataset, FieldType};
use crate::engine::{Decision, Unresolved};
use crate::error::Error;
use crate::policy::Role;
use crate::replay::{MISSING_GROUP, Outcomes};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quartiles {
    pub min: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceQuality {
    pub source: String,
    pub leads: usize,
    pub share_of_leads: Option<f64>,
    pub coverage: Option<f64>,
    pub with_confidence: usize,
    pub confidence: Option<Quartiles>,
    pub below_minimum: Option<f64>,
    pub errors: Option<usize>,
    pub error_rate: Option<f64>,
    pub unresolved_caused: usize,
    pub share_of_unresolved: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Enrichment {
    /// `false` when the dataset has no `enrichment_source` role.
    pub available: bool,
    pub min_confidence: Option<f64>,
    /// In-scope unresolved leads of the policy (the denominator of `share_of_unresolved`).
    pub unresolved: usize,
    /// Sources by leads, most first.
    pub sources: Vec<SourceQuality>,
}

/// Nearest-rank quartiles of sorted values.
pub fn quartiles(sorted: &[f64]) -> Option<Quartiles> {
    let at = |q: f64| {
        let k = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[k - 1]
    };
    (!sorted.is_empty()).then(|| Quartiles {
        min: sorted[0],
        p25: at(0.25),
        median: at(0.5),
        p75: at(0.75),
        max: sorted[sorted.len() - 1],
    })
}

#[derive(Default)]
struct Acc {
    leads: usize,
    complete: usize,
    conf: Vec<f64>,
    below: usize,
    errors: usize,
    caused: usize,
}

pub(crate) fn enrichment(e: &Evaluated<'_>, ds: &Dataset) -> Result<Enrichment, Error> {
    let p = e.policy;
    let d = &e.decisions;
    let min = p
        .evidence
        .min_enrichment_confidence
        .as_ref()
        .map(|(m, _)| *m);
    let unresolved = d
        .decision
        .iter()
        .filter(|&&c| c == Decision::Unresolved as u8)
        .count();
    let Some(src_col) = ds.role(Role::EnrichmentSource) else {
        return Ok(Enrichment {
            available: false,
            min_confidence: min,
            unresolved,
            sources: Vec::new(),
        });
    };
    let src = ds.text_column(src_col)?;
    let conf: Option<Vec<Option<f64>>> = match ds.role(Role::EnrichmentConfidence) {
        Some(c) if ds.field(c).is_some_and(|f| f.ty == FieldType::Number) => {
            Some(ds.frame.column(c)?.f64()?.iter().collect())
        }
        _ => None,
    };
    let required: Vec<Vec<bool>> = p
        .evidence
        .required
        .iter()
        .filter_map(|r| ds.frame.column(&r.name).ok())
        .map(|c| c.is_null().iter().map(|v| v == Some(true)).collect())
        .collect();
    let outcomes = Outcomes::new(ds)?;
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let mut in_scope = 0;
    for i in 0..ds.len() {
        if !e.in_scope(i) {
            continue;
        }
        in_scope += 1;
        let key = src.get(i).unwrap_or(MISSING_GROUP);
        let a = match acc.get_mut(key) {
            Some(a) => a,
            None => acc.entry(key.to_string()).or_default(),
        };
        a.leads += 1;
        if required.iter().all(|m| !m[i]) {
            a.complete += 1;
        }
        let c = conf.as_ref().and_then(|c| c[i]);
        if let Some(c) = c {
            a.conf.push(c);
        }
        if let Some(m) = min
            && c.is_none_or(|c| c < m)
        {
            a.below += 1;
        }
        if outcomes.enrichment_error.as_ref().is_some_and(|x| x[i]) {
            a.errors += 1;
        }
        if d.unresolved[i] == Unresolved::Gate {
            a.caused += 1;
        }
    }
    let has_errors = outcomes.enrichment_error.is_some();
    let mut sources: Vec<SourceQuality> = acc
        .into_iter()
        .map(|(source, mut a)| {
            a.conf.sort_by(f64::total_cmp);
            SourceQuality {
                source,
                leads: a.leads,
                share_of_leads: share(a.leads, in_scope),
                coverage: (!p.evidence.required.is_empty())
                    .then(|| share(a.complete, a.leads))
                    .flatten(),
                with_confidence: a.conf.len(),
                confidence: quartiles(&a.conf),
                below_minimum: min.and_then(|_| share(a.below, a.leads)),
                errors: has_errors.then_some(a.errors),
                error_rate: if has_errors {
                    share(a.errors, a.leads)
                } else {
                    None
                },
                unresolved_caused: a.caused,
                share_of_unresolved: share(a.caused, unresolved),
            }
        })
        .collect();
    sources.sort_by(|a, b| b.leads.cmp(&a.leads).then_with(|| a.source.cmp(&b.source)));
    Ok(Enrichment {
        available: true,
        min_confidence: min,
        unresolved,
        sources,
    })
}
