//! Fields that may be recorded after the decision. A `Tags`, `Lead Status`, `Lead Quality` or
//! `Stage` column that sales fills in after contact makes every replay that reads it look
//! better than the policy can be. A field the policy reads is flagged when its header says so
//! (status, stage, quality, tags, outcome …) or when its values separate converted from not
//! converted leads almost perfectly.

use std::collections::HashMap;

use crate::dataset::{Dataset, FieldType};
use crate::error::Error;

use crate::policy::Policy;

/// Share of leads (with a value) whose value's group is all-converted or none-converted above
/// which a field "separates converted from not converted almost perfectly".
const SEPARATION: f64 = 0.95;
/// How much better than knowing nothing that must be, so that a field is not flagged only
/// because almost nobody converted.
const OVER_BASE: f64 = 0.10;

/// The fields `policy` reads, in the order rules and signals first read them.
fn read_fields(policy: &Policy) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for c in policy
        .signals
        .iter()
        .map(|s| &s.when)
        .chain(policy.rules.iter().map(|r| &r.when))
    {
        c.visit_fields(&mut |f, _, _| {
            if !names.contains(&f.name.as_str()) {
                names.push(f.name.as_str());
            }
        });
    }
    names
}

/// How well a text field's values separate converted leads: the share of leads with a value
/// whose value is (almost) always or never converted, weighted, and the same for no field.
fn separation(values: &[Option<&str>], converted: &[bool]) -> Option<(f64, f64)> {
    let mut groups: HashMap<&str, (usize, usize)> = HashMap::new();
    let (mut n, mut yes) = (0usize, 0usize);
    for (v, c) in values.iter().zip(converted) {
        let Some(v) = v else { continue };
        let g = groups.entry(v).or_default();
        g.0 += 1;
        n += 1;
        if *c {
            g.1 += 1;
            yes += 1;
        }
    }
    if n < 20 || groups.len() < 2 || groups.len() * 4 > n {
        return None;
    }
    let pure: usize = groups.values().map(|(t, c)| (*c).max(t - c)).sum();
    let base = yes.max(n - yes) as f64 / n as f64;
    Some((pure as f64 / n as f64, base))
}

/// A warning for each field the policy reads that may be recorded after the decision.
pub fn warnings(policy: &Policy, ds: &Dataset) -> Result<Vec<String>, Error> {
    let converted = ds.converted()?;
    let mut out = Vec::new();
    for name in read_fields(policy) {
        let Some(f) = ds.field(name) else { continue };
        let by_header = crate::infer::roles::may_be_recorded_later(&f.header)
            || crate::infer::roles::may_be_recorded_later(&f.name);
        let separates = match (&converted, f.ty) {
            (Some(conv), FieldType::Text) => {
                let text = ds.text_column(name)?;
                let values: Vec<Option<&str>> = text.iter().collect();
                separation(&values, conv)
                    .filter(|(pure, base)| *pure >= SEPARATION && pure - base >= OVER_BASE)
                    .map(|(pure, _)| pure)
            }
            _ => None,
        };
        let why = match (by_header, separates) {
            (_, Some(pure)) => format!(
                "its values separate converted from not converted leads almost perfectly ({:.0}% of the leads with a value are in an all-or-nothing group)",
                100.0 * pure
            ),
            (true, None) => format!(
                "its header (`{}`) says it is a status, stage, quality, tag or outcome",
                f.header
            ),
            (false, None) => continue,
        };
        out.push(format!(
            "field `{name}` may be recorded after the decision: {why}. A replay that reads it looks better than the policy can be in use; check when the CRM fills it in"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separation_needs_pure_groups_beyond_the_base_rate() {
        let conv: Vec<bool> = (0..40).map(|i| i % 2 == 0).collect();
        // A value per outcome: perfectly separated, base rate 50%.
        let tags: Vec<Option<&str>> = conv
            .iter()
            .map(|c| Some(if *c { "won" } else { "lost" }))
            .collect();
        assert_eq!(separation(&tags, &conv), Some((1.0, 0.5)));
        // Values unrelated to the outcome.
        let noise: Vec<Option<&str>> = (0..40)
            .map(|i| Some(if i % 4 < 2 { "a" } else { "b" }))
            .collect();
        let (pure, base) = separation(&noise, &conv).unwrap_or_default();
        assert!(pure < SEPARATION && (base - 0.5).abs() < 1e-9);
        // Too few leads to judge.
        assert_eq!(separation(&tags[..10], &conv[..10]), None);
    }
}
