//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

use leadpolicy::dataset::Dataset;
use leadpolicy::engine::explain::DecisionRecord;
use polars::prelude::*;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample_mapping() -> PathBuf {
    root().join("fixtures/sample/mapping.toml")
}

/// Write `files` into a fresh temp dir.
pub fn temp_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// `leads.csv`, `mapping.toml` and the policy `p.toml` written into a fresh temp dir, then loaded.
pub fn load_in_temp(
    leads: &str,
    mapping: &str,
    policy: &str,
) -> (tempfile::TempDir, leadpolicy::policy::Policy, Dataset) {
    let dir = temp_with(&[
        ("leads.csv", leads),
        ("mapping.toml", mapping),
        ("p.toml", policy),
    ]);
    let p = leadpolicy::policy::load(&dir.path().join("p.toml")).unwrap();
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    (dir, p, ds)
}

/// A default mapping: `lead_id` id, the common missing tokens, no roles.
pub const DEFAULT_MAPPING: &str = r#"[dataset]
name = "case"
leads = "leads.csv"
id = "lead_id"
missing = ["", "N/A", "Select", "-"]
"#;

pub fn load_err(dir: &Path) -> String {
    match Dataset::load(&dir.join("mapping.toml")) {
        Ok(_) => panic!("expected the dataset to be refused"),
        Err(e) => e.to_string(),
    }
}

/// Rows of a decision frame as records, in order.
pub fn records(df: &DataFrame) -> Vec<DecisionRecord> {
    let s = |name: &str| df.column(name).unwrap().str().unwrap().clone();
    let (ids, dec, rule, reason, un, route, owner) = (
        s("lead_id"),
        s("decision"),
        s("rule"),
        s("reason"),
        s("unresolved_reasons"),
        s("route"),
        s("owner"),
    );
    let sla = df.column("sla_minutes").unwrap().f64().unwrap().clone();
    (0..df.height())
        .map(|i| DecisionRecord {
            lead_id: ids.get(i).unwrap().to_string(),
            decision: dec.get(i).unwrap().to_string(),
            rule: rule.get(i).map(str::to_string),
            reason: reason.get(i).map(str::to_string),
            unresolved_reasons: un.get(i).map(str::to_string),
            route: route.get(i).map(str::to_string),
            owner: owner.get(i).map(str::to_string),
            sla_minutes: sla.get(i),
        })
        .collect()
}

/// The `.toml` case files of a folder under `tests/`, sorted, at least `min` of them.
pub fn case_files(folder: &str, min: usize) -> Vec<PathBuf> {
    let dir = root().join("tests").join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= min,
        "expected the {folder} library, found {} files",
        files.len()
    );
    files
}

/// Decide a small inline case: leads CSV, mapping, policy text → the policy, the dataset and
/// every lead's decision record.
pub fn decide_inline(
    leads: &str,
    mapping: &str,
    policy: &str,
) -> (leadpolicy::policy::Policy, Dataset, Vec<DecisionRecord>) {
    let dir = temp_with(&[
        ("leads.csv", leads),
        ("mapping.toml", mapping),
        ("p.toml", policy),
    ]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    let p = leadpolicy::policy::load(&dir.path().join("p.toml")).unwrap();
    let recs = records(&leadpolicy::engine::decide(&p, &ds).unwrap());
    (p, ds, recs)
}

/// The kinds of unresolved reasons among `records` (`missing_field:x` counts as `missing_field`).
pub fn reason_kinds(records: &[DecisionRecord]) -> std::collections::BTreeSet<String> {
    records
        .iter()
        .flat_map(|r| r.unresolved_reasons.iter().flat_map(|u| u.split(';')))
        .map(|reason| reason.split(':').next().unwrap_or(reason).to_string())
        .collect()
}
