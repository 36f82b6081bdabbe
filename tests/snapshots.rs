//! Snapshots over every shipped policy and fixture, so a change in a decision, a packet or a
//! loaded column is reviewed instead of silently accepted.

use std::fmt::Write;

use leadpolicy::dataset::Dataset;
use leadpolicy::engine::{self, explain};
use leadpolicy::policy;

use crate::common::records;

fn fixtures() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path().join("mapping.toml"))
        .filter(|p| p.exists())
        .collect();
    v.sort();
    v
}

fn policies() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir("policies")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn fixture_columns() {
    for m in fixtures() {
        let ds = Dataset::load(&m).unwrap();
        let mut s = format!("{} leads\n", ds.len());
        for f in &ds.fields {
            let _ = writeln!(
                s,
                "{:24} {:6} filled {:>6}  (header `{}`)",
                f.name,
                f.ty.as_str(),
                f.filled,
                f.header
            );
        }
        for (role, col) in &ds.roles {
            let _ = writeln!(s, "role {role} = {col}");
        }
        let name = m
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        insta::assert_snapshot!(format!("columns_{name}"), s);
    }
}

#[test]
fn decisions_of_every_policy_on_every_fixture() {
    for m in fixtures() {
        let ds = Dataset::load(&m).unwrap();
        let fixture = m
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        for pp in policies() {
            let p = policy::load(&pp).unwrap();
            let df = engine::decide(&p, &ds).unwrap();
            let recs = records(&df);
            // Counts by decision, rule, reason and unresolved reasons.
            let mut by: std::collections::BTreeMap<String, usize> = Default::default();
            for r in &recs {
                let key = format!(
                    "{:12} rule={} reason={} unresolved={} route={}",
                    r.decision,
                    r.rule.as_deref().unwrap_or("-"),
                    r.reason.as_deref().unwrap_or("-"),
                    r.unresolved_reasons.as_deref().unwrap_or("-"),
                    r.route.as_deref().unwrap_or("-"),
                );
                *by.entry(key).or_default() += 1;
            }
            let mut s = String::new();
            for (k, n) in by {
                let _ = writeln!(s, "{n:>6}  {k}");
            }
            // Three packets in full: the first lead of each of three decisions.
            for d in ["accepted", "rejected", "unresolved"] {
                if let Some(r) = recs.iter().find(|r| r.decision == d) {
                    let packet = explain(&p, &ds, &r.lead_id).unwrap();
                    let _ = writeln!(s, "\n{}", engine::explain::render(&packet));
                }
            }
            let pname = pp.file_stem().unwrap().to_string_lossy().to_string();
            insta::assert_snapshot!(format!("decisions_{fixture}_{pname}"), s);
        }
    }
}

#[test]
fn charts_of_the_sample_replay() {
    // Golden SVGs: a change in any chart is reviewed as a diff of its SVG.
    let ds = Dataset::load(std::path::Path::new("fixtures/sample/mapping.toml")).unwrap();
    let b = policy::load(std::path::Path::new("policies/baseline.toml")).unwrap();
    let d = policy::load(std::path::Path::new("policies/draft.toml")).unwrap();
    let r = leadpolicy::replay::replay(&b, &d, &ds).unwrap();
    let charts = leadpolicy::chart::all(&r);
    assert_eq!(charts.len(), 5);
    for (name, svg) in charts {
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{name}"
        );
        insta::assert_snapshot!(format!("chart_{name}"), svg);
    }
}
