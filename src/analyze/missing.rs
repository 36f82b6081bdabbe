//! Missing-field patterns: the "fix the form or the enrichment provider" list.
//!
//! Method. For every field the policy reads ([`super::fields_read`]) and every group of the
//! lead `source`, `campaign`, `form` and `enrichment_source` roles the dataset has (missing
//! values grouped as `(missing)`), plus the whole in-scope population (`by = "all"`), over the
//! policy's in-scope leads:
//!
//! - `blocked` — rejected and unresolved leads of the group; `missing_blocked` — those whose
//!   field is missing; `missing_rate_blocked` their share;
//! - `accepted`, `missing_accepted`, `missing_rate_accepted` — the same among accepted leads,
//!   the comparison that shows whether the gap is where decisions are blocked;
//! - `would_unblock` — for an `[evidence] required` field: unresolved leads whose *only* failed
//!   evidence check is this field, i.e. leads that filling this one field lets past the evidence
//!   gate (they then get a decision from the route rules). `null` for a field the gate does not
//!   require (its absence makes rule conditions unknown rather than blocking outright).
//!
//! Entries with no blocked lead missing the field are left out. Ranked by `would_unblock`, then
//! `missing_blocked`, highest first.

use std::collections::HashMap;

use serde::Serialize;

use super::{Evaluated, fields_read, share};
use crate::dataset::Dataset;
use crate::engine::{Decision, Unresolved};
use crate::error::Error;
use crate::policy::Role;
use crate::replay::{Groups, MISSING_GROUP};

#[derive(Debug, Clone, Default, Serialize)]
pub struct MissingEntry {
    pub field: String,
    /// `all`, `source`, `campaign`, `form` or `enrichment_source`.
    pub by: String,
    pub group: String,
    pub blocked: usize,
    pub missing_blocked: usize,
    pub missing_rate_blocked: Option<f64>,
    pub accepted: usize,
    pub missing_accepted: usize,
    pub missing_rate_accepted: Option<f64>,
    pub would_unblock: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingFields {
    /// Per field over every in-scope lead (`by = "all"`), in the ranking order.
    pub overall: Vec<MissingEntry>,
    /// Per field and group, ranked.
    pub by_group: Vec<MissingEntry>,
}

fn rank(v: &mut [MissingEntry]) {
    v.sort_by(|a, b| {
        b.would_unblock
            .unwrap_or(0)
            .cmp(&a.would_unblock.unwrap_or(0))
            .then_with(|| b.missing_blocked.cmp(&a.missing_blocked))
            .then_with(|| a.field.cmp(&b.field))
            .then_with(|| a.by.cmp(&b.by))
            .then_with(|| a.group.cmp(&b.group))
    });
}

pub(crate) fn missing_fields(e: &Evaluated<'_>, ds: &Dataset) -> Result<MissingFields, Error> {
    let p = e.policy;
    let d = &e.decisions;
    let n = ds.len();
    // Dimensions: (name, group names, group index per lead).
    let groups = Groups::new(ds)?;
    let mut dims: Vec<(String, Vec<String>, Vec<u32>)> = Vec::new();
    for (k, name) in ["source", "campaign", "form"].iter().enumerate() {
        if groups.present[k] {
            dims.push((
                name.to_string(),
                groups.names[k].iter().map(|s| s.to_string()).collect(),
                groups.index[k].clone(),
            ));
        }
    }
    if let Some(col) = ds.role(Role::EnrichmentSource) {
        let text = ds.text_column(col)?;
        let mut seen: HashMap<String, u32> = HashMap::new();
        let mut names = Vec::new();
        let index = text
            .iter()
            .map(|v| {
                let v = v.unwrap_or(MISSING_GROUP);
                *seen.entry(v.to_string()).or_insert_with(|| {
                    names.push(v.to_string());
                    (names.len() - 1) as u32
                })
            })
            .collect();
        dims.push(("enrichment_source".into(), names, index));
    }
    dims.insert(
        0,
        ("all".into(), vec!["all in-scope leads".into()], vec![0; n]),
    );

    let mut overall = Vec::new();
    let mut by_group = Vec::new();
    for field in fields_read(p) {
        let Ok(col) = ds.frame.column(&field) else {
            continue;
        };
        let missing: Vec<bool> = col.is_null().iter().map(|v| v == Some(true)).collect();
        let bit = p
            .evidence
            .required
            .iter()
            .position(|r| r.name == field)
            .map(|k| 1u64 << k);
        for (dim, names, index) in &dims {
            let mut acc = vec![MissingEntry::default(); names.len()];
            for i in 0..n {
                let dec = d.decision(i);
                if dec == Decision::OutOfScope {
                    continue;
                }
                let a = &mut acc[index[i] as usize];
                match dec {
                    Decision::Rejected | Decision::Unresolved => {
                        a.blocked += 1;
                        if missing[i] {
                            a.missing_blocked += 1;
                        }
                    }
                    Decision::Accepted => {
                        a.accepted += 1;
                        if missing[i] {
                            a.missing_accepted += 1;
                        }
                    }
                    _ => {}
                }
                if let Some(bit) = bit
                    && d.unresolved[i] == Unresolved::Gate
                    && d.gate[i] == bit
                {
                    *a.would_unblock.get_or_insert(0) += 1;
                }
            }
            for (k, mut a) in acc.into_iter().enumerate() {
                if a.missing_blocked == 0 {
                    continue;
                }
                a.field = field.clone();
                a.by = dim.clone();
                a.group = names[k].clone();
                a.missing_rate_blocked = share(a.missing_blocked, a.blocked);
                a.missing_rate_accepted = share(a.missing_accepted, a.accepted);
                if bit.is_some() && a.would_unblock.is_none() {
                    a.would_unblock = Some(0);
                }
                if dim == "all" {
                    overall.push(a);
                } else {
                    by_group.push(a);
                }
            }
        }
    }
    rank(&mut overall);
    rank(&mut by_group);
    Ok(MissingFields { overall, by_group })
}
