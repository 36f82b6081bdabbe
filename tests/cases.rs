//! Data-driven decision cases: every file in `tests/cases/` holds a policy, a small lead table
//! and the expected decision of every lead (or the validation errors the policy must get),
//! computed by hand from docs/semantics.md.

use std::path::Path;

use leadpolicy::dataset::Dataset;
use leadpolicy::engine::{self, explain};
use leadpolicy::policy;

use crate::common::{DEFAULT_MAPPING, records, temp_with};

fn text(v: &toml::Value, key: &str) -> String {
    v.get(key)
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn run_case(path: &Path) -> Result<usize, String> {
    let raw = std::fs::read_to_string(path).unwrap();
    let case: toml::Value = toml::from_str(&raw).map_err(|e| format!("case file: {e}"))?;
    let mapping = case
        .get("mapping")
        .and_then(toml::Value::as_str)
        .unwrap_or(DEFAULT_MAPPING);
    let policy_text = text(&case, "policy");
    let leads_text = text(&case, "leads");
    let dir = temp_with(&[
        ("policy.toml", policy_text.as_str()),
        ("mapping.toml", mapping),
        ("leads.csv", leads_text.trim_start_matches('\n')),
    ]);
    let loaded = policy::load(&dir.path().join("policy.toml"));
    let dataset = Dataset::load(&dir.path().join("mapping.toml"));

    if let Some(expected) = case.get("expect_errors").and_then(toml::Value::as_array) {
        let message = match loaded {
            Err(e) => e.to_string(),
            Ok(p) => {
                let ds = dataset.map_err(|e| format!("dataset did not load: {e}"))?;
                match engine::decide(&p, &ds) {
                    Ok(_) => return Err("the policy was accepted but must be refused".into()),
                    Err(e) => e.to_string(),
                }
            }
        };
        for want in expected.iter().filter_map(toml::Value::as_str) {
            if !message.contains(want) {
                return Err(format!("the error does not mention {want:?}:\n{message}"));
            }
        }
        let located = regex::Regex::new(r"policy\.toml:\d+:\d+").unwrap();
        if !located.is_match(&message) {
            return Err(format!("the error names no line:column:\n{message}"));
        }
        return Ok(0);
    }

    let p = loaded.map_err(|e| format!("policy refused:\n{e}"))?;
    let ds = dataset.map_err(|e| format!("dataset refused:\n{e}"))?;
    let df = engine::decide(&p, &ds).map_err(|e| format!("decide failed:\n{e}"))?;
    let got = records(&df);
    let expects = case
        .get("expect")
        .and_then(toml::Value::as_array)
        .ok_or("no [[expect]]")?;
    let mut problems = Vec::new();
    for e in expects {
        let lead = text(e, "lead");
        let Some(row) = got.iter().find(|r| r.lead_id == lead) else {
            problems.push(format!("lead {lead}: not in the output"));
            continue;
        };
        let opt = |k: &str| Some(text(e, k)).filter(|s| !s.is_empty());
        let sla = e
            .get("sla_minutes")
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)));
        let want = (
            text(e, "decision"),
            opt("rule"),
            opt("reason"),
            opt("unresolved_reasons"),
            opt("route"),
            opt("owner"),
            sla,
        );
        let have = (
            row.decision.clone(),
            row.rule.clone(),
            row.reason.clone(),
            row.unresolved_reasons.clone(),
            row.route.clone(),
            row.owner.clone(),
            row.sla_minutes,
        );
        if want != have {
            problems.push(format!(
                "lead {lead}:\n  expected {want:?}\n  got      {have:?}"
            ));
        }
        // The packet must tell the same story as the vectorised decision.
        let packet = explain(&p, &ds, &lead).map_err(|e| e.to_string())?;
        if &packet.record() != row {
            problems.push(format!(
                "lead {lead}: packet {:?} disagrees with decide {row:?}",
                packet.record()
            ));
        }
    }
    if expects.len() != got.len() {
        problems.push(format!(
            "{} leads in the table but {} expectations",
            got.len(),
            expects.len()
        ));
    }
    if problems.is_empty() {
        Ok(expects.len())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_case_file_decides_as_written() {
    let files = crate::common::case_files("cases", 20);

    let mut failures = Vec::new();
    let mut leads = 0;
    for f in &files {
        match run_case(f) {
            Ok(n) => leads += n,
            Err(e) => failures.push(format!(
                "{}:\n{e}",
                f.file_name().unwrap().to_string_lossy()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} case files failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
    assert!(leads >= 100, "only {leads} lead expectations were checked");
}
