//! The qualification packet (row-at-a-time) and the vectorised decision (Polars) are two
//! implementations of one contract: they must agree on every lead of every fixture.

use leadpolicy::dataset::Dataset;
use leadpolicy::engine::{self, explain::explain_row};
use leadpolicy::policy;

use crate::common::{records, root, sample_mapping};

#[test]
fn packets_agree_with_vectorised_decisions_on_every_sample_lead() {
    let ds = Dataset::load(&sample_mapping()).unwrap();
    assert!(ds.len() >= 10_000);
    for name in ["baseline.toml", "draft.toml"] {
        let p = policy::load(&root().join("policies").join(name)).unwrap();
        let df = engine::decide(&p, &ds).unwrap();
        let recs = records(&df);
        assert_eq!(recs.len(), ds.len());
        let mut mismatches = Vec::new();
        for (i, rec) in recs.iter().enumerate() {
            let packet = explain_row(&p, &ds, i).unwrap();
            if &packet.record() != rec {
                mismatches.push(format!("{:?}\n  vs packet {:?}", rec, packet.record()));
            }
        }
        assert!(
            mismatches.is_empty(),
            "{name}: {} leads disagree, e.g.\n{}",
            mismatches.len(),
            mismatches
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        // Every decision type shows up on the sample, so the agreement covers every path.
        let counts = engine::counts(&engine::decide_codes(&p, &ds).unwrap());
        for (d, n) in counts {
            assert!(n > 0, "{name}: no `{}` leads on the sample", d.as_str());
            assert_eq!(n, recs.iter().filter(|r| r.decision == d.as_str()).count());
        }
    }
}

#[test]
fn every_unresolved_reason_code_appears_on_the_sample() {
    let ds = Dataset::load(&sample_mapping()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for name in ["baseline.toml", "draft.toml"] {
        let p = policy::load(&root().join("policies").join(name)).unwrap();
        let df = engine::decide(&p, &ds).unwrap();
        seen.extend(crate::common::reason_kinds(&records(&df)));
    }
    for code in [
        "missing_field",
        "low_enrichment_confidence",
        "no_rule_matched",
        "overlapping_routes",
        "no_owner",
    ] {
        assert!(
            seen.contains(code),
            "no lead on the sample is unresolved for `{code}`: {seen:?}"
        );
    }
}
