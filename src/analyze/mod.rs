//! Trust analytics: evidence that a policy can be trusted, computed from one loaded dataset and
//! the engine's own test bits — proxy detection ([`proxy`]), segment impact ([`segments`]),
//! missing-field patterns ([`missing`]), rule coverage ([`coverage`]), threshold sweeps
//! ([`sweep`]) and enrichment quality ([`enrichment`]).
//!
//! Every analysis works on the leads the policy has in scope (docs/semantics.md: out-of-scope leads are
//! excluded from every metric) and reuses the engine: the policy is evaluated once into
//! [`engine::TestBits`], and decisions are only ever produced by [`engine::assemble`] — there is
//! no third evaluator here. Decision words are docs/semantics.md's: *accepted* is a lead routed to a
//! `sales` route, *rejected* a disqualified one, *unresolved* one left for manual review.
//! This module reads no files and no clock and prints nothing; [`report`] renders the results.

pub mod coverage;
pub mod enrichment;
pub mod leakage;
pub mod missing;
pub mod proxy;
pub mod segments;
pub mod sweep;
pub mod warnings;

use serde::Serialize;

use crate::dataset::{Dataset, FieldType};
use crate::engine::{self, Decisions, TestBits};
use crate::error::Error;
use crate::policy::Policy;
use crate::replay::{MISSING_GROUP, PolicyInfo};

/// Text categories kept by name in a contingency table or a segment list; rarer values are
/// pooled as [`OTHER_GROUP`] so that a field with thousands of values (postal codes, domains)
/// does not inflate Cramér's V with near-empty cells.
pub const TOP_CATEGORIES: usize = 20;
/// Numeric fields are cut into this many quantile bins (quintiles).
pub const NUMERIC_BINS: usize = 5;
/// The pooled group of rare text values.
pub const OTHER_GROUP: &str = "(other)";

/// The analysis settings; [`Settings::default`] holds the documented defaults.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Cramér's V at or above which a field is flagged as a possible proxy (default 0.3).
    pub proxy_threshold: f64,
    /// Groups with fewer in-scope leads than this are "too small to judge" (default 30).
    pub min_group_size: usize,
    /// Which threshold to sweep; `None` sweeps the policy's first numeric comparison.
    pub sweep: Option<sweep::SweepSpec>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            proxy_threshold: 0.3,
            min_group_size: 30,
            sweep: None,
        }
    }
}

/// Every analysis of one policy (optionally against a baseline) on one dataset.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub dataset: String,
    pub leads: usize,
    /// The leads analysed: every lead of the dataset unless the caller narrowed them.
    pub cohort: crate::dataset::cohort::CohortInfo,
    pub policy: PolicyInfo,
    pub baseline: Option<PolicyInfo>,
    pub in_scope: usize,
    pub settings: Settings,
    pub proxies: proxy::Proxies,
    pub segments: segments::Segments,
    pub missing_fields: missing::MissingFields,
    pub coverage: coverage::Coverage,
    pub sweep: sweep::SweepResult,
    pub enrichment: enrichment::Enrichment,
    /// Fields the policy reads that may be recorded after the decision, each with why (see
    /// `analyze::leakage`): a replay that reads them looks better than the policy can be.
    pub recorded_later: Vec<String>,
}

/// A policy evaluated once: its test bits and decisions.
pub(crate) struct Evaluated<'p> {
    pub(crate) policy: &'p Policy,
    pub(crate) bits: TestBits,
    pub(crate) decisions: Decisions,
}

impl<'p> Evaluated<'p> {
    pub(crate) fn new(policy: &'p Policy, ds: &Dataset) -> Result<Self, Error> {
        engine::check(policy, ds)?;
        let bits = engine::test_bits(policy, ds)?;
        let decisions = engine::assemble(policy, ds, &bits, engine::Owners::Keep)?;
        Ok(Self {
            policy,
            bits,
            decisions,
        })
    }

    pub(crate) fn in_scope(&self, i: usize) -> bool {
        self.decisions.decision[i] != engine::Decision::OutOfScope as u8
    }
}

/// Run every analysis. `baseline`, when given, is compared in the segment impact.
pub fn analyze(
    policy: &Policy,
    baseline: Option<&Policy>,
    ds: &Dataset,
    settings: &Settings,
) -> Result<Analysis, Error> {
    let draft = Evaluated::new(policy, ds)?;
    let base = baseline.map(|b| Evaluated::new(b, ds)).transpose()?;
    let in_scope = (0..ds.len()).filter(|&i| draft.in_scope(i)).count();
    // The analyses only read the evaluated policies: the cheap ones run beside rule coverage;
    // the sweep, which splits its thresholds over the cores itself, runs last.
    let (side, coverage) = std::thread::scope(|s| {
        let side = s.spawn(|| -> Result<_, Error> {
            Ok((
                proxy::proxies(&draft, ds, settings.proxy_threshold)?,
                segments::segments(&draft, base.as_ref(), ds, settings.min_group_size)?,
                missing::missing_fields(&draft, ds)?,
                enrichment::enrichment(&draft, ds)?,
            ))
        });
        let coverage = coverage::coverage(&draft, ds);
        let side = side
            .join()
            .unwrap_or_else(|_| Err(Error::Usage("an analysis crashed".into())));
        (side, coverage)
    });
    let (proxies, segments, missing_fields, enrichment) = side?;
    let coverage = coverage?;
    let sweep = sweep::sweep_policy(&draft, ds, settings.sweep.as_ref())?;
    let recorded_later = leakage::warnings(policy, ds)?;
    Ok(Analysis {
        dataset: ds.name.clone(),
        leads: ds.len(),
        cohort: crate::dataset::cohort::CohortInfo {
            leads: ds.len(),
            of: ds.len(),
            ..Default::default()
        },
        policy: crate::replay::policy_info(policy),
        baseline: baseline.map(crate::replay::policy_info),
        in_scope,
        settings: settings.clone(),
        proxies,
        segments,
        missing_fields,
        coverage,
        sweep,
        enrichment,
        recorded_later,
    })
}

/// The threshold sweep alone (the policy evaluated once, then the sweep), for the bench and
/// callers that only want the chart.
pub fn sweep_only(
    policy: &Policy,
    ds: &Dataset,
    settings: &Settings,
) -> Result<sweep::SweepResult, Error> {
    let e = Evaluated::new(policy, ds)?;
    sweep::sweep_policy(&e, ds, settings.sweep.as_ref())
}

/// The fields a policy reads, in `[fields] allowed` order: every field a rule reads directly or
/// through a signal, plus every `[evidence] required` field.
pub fn fields_read(p: &Policy) -> Vec<String> {
    let mut read: Vec<&str> = Vec::new();
    let used = used_signals(p);
    let conditions = p.rules.iter().map(|r| &r.when).chain(
        p.signals
            .iter()
            .filter(|s| used.contains(&s.name))
            .map(|s| &s.when),
    );
    for c in conditions {
        c.visit_fields(&mut |f, _, _| read.push(f.name.as_str()));
    }
    read.extend(p.evidence.required.iter().map(|r| r.name.as_str()));
    let mut out: Vec<String> = p
        .allowed
        .iter()
        .filter(|a| read.contains(&a.name.as_str()))
        .map(|a| a.name.clone())
        .collect();
    // A field read but not allowed cannot pass validation; listed anyway, never dropped.
    for f in read {
        if !out.iter().any(|o| o == f) {
            out.push(f.to_string());
        }
    }
    out
}

/// Signals some rule reads, directly or through other signals, in `[signals]` order.
pub fn used_signals(p: &Policy) -> Vec<String> {
    signals_read(p, p.rules.iter().map(|r| &r.when))
}

/// Signals the conditions `roots` read, directly or through other signals, in `[signals]` order.
pub fn signals_read<'a>(
    p: &Policy,
    roots: impl IntoIterator<Item = &'a crate::policy::Condition>,
) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    for c in roots {
        c.visit_signals(&mut |s| stack.push(s.name.clone()));
    }
    while let Some(s) = stack.pop() {
        if seen.contains(&s) {
            continue;
        }
        if let Some(sig) = p.signal(&s) {
            sig.when.visit_signals(&mut |n| stack.push(n.name.clone()));
        }
        seen.push(s);
    }
    p.signals
        .iter()
        .filter(|s| seen.contains(&s.name))
        .map(|s| s.name.clone())
        .collect()
}

/// A field cut into categories over a population of leads: one code per lead (`None` outside
/// the population) and the category names.
#[derive(Debug, Clone)]
pub(crate) struct Categories {
    pub(crate) names: Vec<String>,
    pub(crate) codes: Vec<Option<u32>>,
    /// How the field was cut, in words ("5 quantile bins", "text: top 20 values + (other)").
    pub(crate) method: String,
}

/// Cut `field` into categories over the leads where `include` is true.
///
/// - Missing values are a category of their own, `(missing)`: a field that is missing more
///   often for one group is a proxy too (a missing required field sends the lead to review).
/// - Text: each of the [`TOP_CATEGORIES`] most frequent values (ties by value) is a category;
///   the rest pool into `(other)`.
/// - Numbers: [`NUMERIC_BINS`] quantile bins. With the population's non-missing values sorted
///   (`v[0..n]`), the cut points are `v[floor(k·n/5)]` for k = 1..4, duplicates dropped; a value
///   falls in bin `#{cut points ≤ value}`, so bins are `[cut_k, cut_{k+1})` and ties never split.
pub(crate) fn categorize(
    ds: &Dataset,
    field: &str,
    include: &dyn Fn(usize) -> bool,
) -> Result<Categories, Error> {
    let n = ds.len();
    let numeric = ds.field(field).is_some_and(|f| f.ty == FieldType::Number);
    if numeric {
        let values: Vec<Option<f64>> = ds.frame.column(field)?.f64()?.iter().collect();
        let mut sorted: Vec<f64> = (0..n)
            .filter(|&i| include(i))
            .filter_map(|i| values[i])
            .collect();
        sorted.sort_by(f64::total_cmp);
        let mut cuts: Vec<f64> = (1..NUMERIC_BINS)
            .filter_map(|k| sorted.get(k * sorted.len() / NUMERIC_BINS).copied())
            .collect();
        cuts.dedup();
        // Drop a cut at the minimum: nothing would fall below it.
        if let Some(&first) = sorted.first() {
            cuts.retain(|c| *c > first);
        }
        let fmt = crate::format_number;
        let mut names: Vec<String> = Vec::new();
        for b in 0..=cuts.len() {
            names.push(match (b.checked_sub(1).map(|k| cuts[k]), cuts.get(b)) {
                (None, Some(hi)) => format!("under {}", fmt(*hi)),
                (Some(lo), Some(hi)) => format!("{} to under {}", fmt(lo), fmt(*hi)),
                (Some(lo), None) => format!("{} or more", fmt(lo)),
                (None, None) => "all values".to_string(),
            });
        }
        let missing = names.len() as u32;
        names.push(MISSING_GROUP.to_string());
        let codes = (0..n)
            .map(|i| {
                include(i).then(|| match values[i] {
                    None => missing,
                    Some(v) => cuts.iter().filter(|c| **c <= v).count() as u32,
                })
            })
            .collect();
        return Ok(Categories {
            names,
            codes,
            method: format!(
                "number: {} quantile bins (cut points {}), missing as its own group",
                cuts.len() + 1,
                if cuts.is_empty() {
                    "none".to_string()
                } else {
                    cuts.iter().map(|c| fmt(*c)).collect::<Vec<_>>().join(", ")
                }
            ),
        });
    }
    // Text: count through the dataset's cached dictionary encoding (one code per lead).
    let dict = ds.dictionary(field)?;
    let mut counts = vec![0usize; dict.values.len()];
    for (i, &c) in dict.codes.iter().enumerate() {
        if c != crate::dataset::Dictionary::MISSING && include(i) {
            counts[c as usize] += 1;
        }
    }
    let mut ranked: Vec<(usize, usize)> = counts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| (c, *n))
        .collect();
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| dict.values[a.0].cmp(&dict.values[b.0]))
    });
    let pooled = ranked.len() > TOP_CATEGORIES;
    let mut names: Vec<String> = ranked
        .iter()
        .take(TOP_CATEGORIES)
        .map(|(c, _)| dict.values[*c].clone())
        .collect();
    let other = names.len() as u32;
    if pooled {
        names.push(OTHER_GROUP.to_string());
    }
    let missing = names.len() as u32;
    names.push(MISSING_GROUP.to_string());
    let mut category = vec![other; dict.values.len()];
    for (k, (c, _)) in ranked.iter().take(TOP_CATEGORIES).enumerate() {
        category[*c] = k as u32;
    }
    let codes = dict
        .codes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            include(i).then(|| {
                if c == crate::dataset::Dictionary::MISSING {
                    missing
                } else {
                    category[c as usize]
                }
            })
        })
        .collect();
    Ok(Categories {
        names,
        codes,
        method: if pooled {
            format!(
                "text: the {TOP_CATEGORIES} most frequent of {} values, the rest pooled as (other); missing as its own group",
                ranked.len()
            )
        } else {
            format!(
                "text: each of its {} values, missing as its own group",
                ranked.len()
            )
        },
    })
}

/// `part ÷ whole`, `None` for an empty whole (never NaN).
pub(crate) fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
