//! Replay: hand-computed metric cases, invariants on the sample (flip matrix and breakdowns sum
//! to their totals), the JSON contract, and the CLI.

use std::path::Path;

use leadpolicy::dataset::Dataset;
use leadpolicy::policy;
use leadpolicy::replay::{self, Replay};
use leadpolicy::report;

use crate::common::{root, sample_mapping, temp_with};

fn sample_replay() -> Replay {
    let ds = Dataset::load(&sample_mapping()).unwrap();
    let b = policy::load(Path::new("policies/baseline.toml")).unwrap();
    let d = policy::load(Path::new("policies/draft.toml")).unwrap();
    replay::replay(&b, &d, &ds).unwrap()
}

/// `leadpolicy ARGS…` run in `dir`.
fn lp_in(dir: &Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("leadpolicy")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// A policy that sends 200+ employees to sales and everything else to nurture, with `leads`
/// and `mapping` written beside it (`p.toml`, `leads.csv`, `mapping.toml`) and loaded.
fn big_or_nurture(leads: &str, mapping: &str) -> (tempfile::TempDir, policy::Policy, Dataset) {
    let policy = "[policy]\nid = \"p\"\nversion = 1\n[fields]\nallowed = [\"employees\"]\n[routes.s]\nkind = \"sales\"\n[routes.n]\nkind = \"nurture\"\n[[rules]]\nid = \"big\"\nroute = \"s\"\nwhen = { field = \"employees\", gte = 200 }\n[otherwise]\nroute = \"n\"\n";
    crate::common::load_in_temp(leads, mapping, policy)
}

/// `leadpolicy replay` of `p.toml` against itself on `mapping.toml` in `dir`, plus `extra`.
fn replay_in(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "replay",
        "--baseline",
        "p.toml",
        "--draft",
        "p.toml",
        "--dataset",
        "mapping.toml",
    ];
    args.extend_from_slice(extra);
    lp_in(dir, &args)
}

fn text(v: &toml::Value, key: &str) -> String {
    v.get(key)
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Compare an expected TOML value with the JSON the replay produced. `"null"` means null.
fn same(want: &toml::Value, got: &serde_json::Value) -> bool {
    match want {
        toml::Value::String(s) if s == "null" => got.is_null(),
        toml::Value::Integer(i) => got.as_f64().is_some_and(|g| (g - *i as f64).abs() < 1e-9),
        toml::Value::Float(f) => got.as_f64().is_some_and(|g| (g - f).abs() < 1e-9),
        toml::Value::Table(t) => {
            let Some(obj) = got.as_object() else {
                return false;
            };
            // Maps are compared whole: no extra non-zero keys, every listed key equal.
            let extra = obj
                .iter()
                .any(|(k, v)| !t.contains_key(k) && v.as_f64().unwrap_or(1.0) != 0.0);
            !extra
                && t.iter().all(|(k, w)| {
                    obj.get(k).is_some_and(|g| same(w, g))
                        || (w.as_integer() == Some(0) && obj.get(k).is_none())
                })
        }
        toml::Value::String(s) => got.as_str() == Some(s),
        _ => false,
    }
}

fn check_table(want: &toml::Value, got: &serde_json::Value, ctx: &str, problems: &mut Vec<String>) {
    for (k, w) in want.as_table().into_iter().flatten() {
        let g = &got[k];
        if !same(w, g) {
            problems.push(format!("{ctx}.{k}: expected {w}, got {g}"));
        }
    }
}

fn run_case(path: &Path) -> Result<(), String> {
    let case: toml::Value =
        toml::from_str(&std::fs::read_to_string(path).unwrap()).map_err(|e| e.to_string())?;
    let (bt, dt, mt, lt, deals) = (
        text(&case, "baseline"),
        text(&case, "draft"),
        text(&case, "mapping"),
        text(&case, "leads"),
        text(&case, "deals"),
    );
    let mut files = vec![
        ("baseline.toml", bt.as_str()),
        ("draft.toml", dt.as_str()),
        ("mapping.toml", mt.as_str()),
        ("leads.csv", lt.trim_start_matches('\n')),
    ];
    if !deals.is_empty() {
        files.push(("deals.csv", deals.trim_start_matches('\n')));
    }
    let dir = temp_with(&files);
    let b =
        policy::load(&dir.path().join("baseline.toml")).map_err(|e| format!("baseline: {e}"))?;
    let d = policy::load(&dir.path().join("draft.toml")).map_err(|e| format!("draft: {e}"))?;
    let ds =
        Dataset::load(&dir.path().join("mapping.toml")).map_err(|e| format!("dataset: {e}"))?;
    let r = replay::replay(&b, &d, &ds).map_err(|e| format!("replay: {e}"))?;
    let json = serde_json::to_value(&r).unwrap();
    let expect = case.get("expect").ok_or("no [expect]")?;
    let mut problems = Vec::new();
    if let Some(w) = expect.get("baseline") {
        check_table(w, &json["baseline"]["metrics"], "baseline", &mut problems);
    }
    if let Some(w) = expect.get("draft") {
        check_table(w, &json["draft"]["metrics"], "draft", &mut problems);
    }
    if let Some(flips) = expect.get("flips").and_then(toml::Value::as_table) {
        for (cell, n) in flips {
            let (from, to) = cell.split_once('>').ok_or("flip keys are from>to")?;
            let got = &json["flips"]["matrix"][from][to];
            if !same(n, got) {
                problems.push(format!("flips {cell}: expected {n}, got {got}"));
            }
        }
        let total: u64 = json["flips"]["matrix"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|r| r.as_object().unwrap().values())
            .map(|v| v.as_u64().unwrap())
            .sum();
        if total as usize != ds.len() {
            problems.push(format!("flip matrix sums to {total}, not {}", ds.len()));
        }
    }
    for (side, key) in [("baseline", "breakdowns"), ("draft", "breakdowns_draft")] {
        for (dim, groups) in expect
            .get(key)
            .and_then(toml::Value::as_table)
            .into_iter()
            .flatten()
        {
            for (group, w) in groups.as_table().into_iter().flatten() {
                check_table(
                    w,
                    &json["breakdowns"][dim][group][side],
                    &format!("{key}.{dim}.{group}"),
                    &mut problems,
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_replay_case_measures_as_written() {
    let files = crate::common::case_files("replay_cases", 8);

    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            run_case(f)
                .err()
                .map(|e| format!("{}:\n{e}", f.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} replay cases failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn flip_matrix_and_breakdowns_sum_to_their_totals() {
    let r = sample_replay();
    let n = r.dataset.leads;
    let total: usize = r.flips.matrix.values().flat_map(|row| row.values()).sum();
    assert_eq!(total, n);
    let diagonal: usize = r.flips.matrix.iter().map(|(k, row)| row[k]).sum();
    assert_eq!(n - diagonal, r.flips.flipped);
    assert_eq!(r.flips.leads.len(), r.flips.flipped);
    for (dim, groups) in &r.breakdowns {
        for (side, overall) in [
            ("baseline", &r.baseline.metrics),
            ("draft", &r.draft.metrics),
        ] {
            let pick = |g: &replay::GroupMetrics| {
                if side == "baseline" {
                    g.baseline.clone()
                } else {
                    g.draft.clone()
                }
            };
            let sum = |f: &dyn Fn(&replay::Metrics) -> usize| {
                groups.values().map(|g| f(&pick(g))).sum::<usize>()
            };
            assert_eq!(sum(&|m| m.leads), n, "{dim} {side} leads");
            assert_eq!(
                sum(&|m| m.accepted),
                overall.accepted,
                "{dim} {side} accepted"
            );
            assert_eq!(sum(&|m| m.nurture), overall.nurture, "{dim} {side} nurture");
            assert_eq!(
                sum(&|m| m.rejected),
                overall.rejected,
                "{dim} {side} rejected"
            );
            assert_eq!(
                sum(&|m| m.unresolved),
                overall.unresolved,
                "{dim} {side} unresolved"
            );
            assert_eq!(
                sum(&|m| m.out_of_scope),
                overall.out_of_scope,
                "{dim} {side} out_of_scope"
            );
            assert_eq!(
                sum(&|m| m.later_converted.unwrap()),
                overall.later_converted.unwrap(),
                "{dim} {side} later_converted"
            );
            assert_eq!(
                sum(&|m| m.low_fit_handoffs.unwrap()),
                overall.low_fit_handoffs.unwrap(),
                "{dim} {side} low_fit"
            );
        }
    }
    // The unresolved queue counts each unresolved lead once per grouping.
    for side in [&r.baseline, &r.draft] {
        let q = &side.unresolved_queue;
        assert_eq!(q.total, side.metrics.unresolved);
        for by in [&q.by_campaign, &q.by_form, &q.by_source] {
            assert_eq!(by.values().sum::<usize>(), q.total);
        }
        assert!(q.by_reason.values().sum::<usize>() >= q.total);
    }
    // The draft's headline change on the sample: fewer leads waiting for manual review.
    assert!(r.draft.metrics.unresolved < r.baseline.metrics.unresolved);
}

#[test]
fn replay_json_uses_the_design_metric_names() {
    let r = sample_replay();
    let v = serde_json::to_value(&r).unwrap();
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["baseline", "draft", "deltas", "flips", "breakdowns"] {
        assert!(top.contains(&k), "missing top-level key {k}");
    }
    let metrics = v["baseline"]["metrics"].as_object().unwrap();
    for k in [
        "accepted",
        "nurture",
        "rejected",
        "unresolved",
        "out_of_scope",
        "later_converted",
        "later_converted_by_reason",
        "later_converted_by_rule",
        "seller_acceptance",
        "low_fit_handoffs",
        "disqualification_accuracy",
        "override_rate",
        "sla_breach_rate",
        "enrichment_errors",
        "enrichment_errors_by_source",
        "conversion_rate",
    ] {
        assert!(metrics.contains_key(k), "missing metric {k}");
    }
    // Deltas are draft − baseline.
    assert_eq!(
        v["deltas"]["accepted"].as_i64().unwrap(),
        r.draft.metrics.accepted as i64 - r.baseline.metrics.accepted as i64
    );
    let sa = v["deltas"]["seller_acceptance"].as_f64().unwrap();
    assert!(
        (sa - (r.draft.metrics.seller_acceptance.unwrap()
            - r.baseline.metrics.seller_acceptance.unwrap()))
        .abs()
            < 1e-12
    );
    for k in ["source", "campaign", "form"] {
        assert!(v["breakdowns"][k].is_object(), "missing breakdown by {k}");
    }
}

#[test]
fn a_dataset_without_outcomes_reports_not_available_never_zero() {
    let dir = temp_with(&[
        ("leads.csv", "lead_id,employees\nL1,300\nL2,10\n"),
        (
            "mapping.toml",
            "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n",
        ),
        (
            "p.toml",
            "[policy]\nid = \"p\"\n[fields]\nallowed = [\"employees\"]\n[routes.s]\nkind = \"sales\"\n[[rules]]\nid = \"big\"\nroute = \"s\"\nwhen = { field = \"employees\", gte = 200 }\n",
        ),
    ]);
    let p = policy::load(&dir.path().join("p.toml")).unwrap();
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    let r = replay::replay(&p, &p, &ds).unwrap();
    let m = serde_json::to_value(&r.baseline.metrics).unwrap();
    for k in [
        "later_converted",
        "seller_acceptance",
        "low_fit_handoffs",
        "disqualification_accuracy",
        "override_rate",
        "sla_breach_rate",
        "enrichment_errors",
        "conversion_rate",
    ] {
        assert!(m[k].is_null(), "{k} should be null, got {}", m[k]);
    }
    assert_eq!(m["accepted"], 1);
    assert_eq!(r.flips.flipped, 0);
    let text = report::replay::render_text(&r);
    assert!(text.contains("n/a"), "{text}");
    // And says why, role by role.
    assert!(
        text.contains("n/a means the dataset cannot say:")
            && text.contains("no `converted` role and no outcomes file")
            && text.contains("no `historical_decision` role"),
        "{text}"
    );
}

#[test]
fn replay_cli_prints_the_comparison_and_writes_the_report() {
    let dir = temp_with(&[]);
    let out = assert_cmd::Command::cargo_bin("leadpolicy")
        .unwrap()
        .current_dir(root())
        .args([
            "replay",
            "--baseline",
            "policies/baseline.toml",
            "--draft",
            "policies/draft.toml",
            "--dataset",
        ])
        .arg(sample_mapping())
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("Seller acceptance")
            && table.contains("baseline")
            && table.contains("change"),
        "{table}"
    );
    for f in [
        "report.json",
        "report.html",
        "flips.csv",
        "unresolved.csv",
        "outcomes.svg",
        "flip_matrix.svg",
        "later_converted_by_reason.svg",
        "decisions_by_campaign.svg",
        "unresolved_by_reason.svg",
    ] {
        assert!(dir.path().join(f).exists(), "{f} not written");
    }
    let r = sample_replay();
    let flips = std::fs::read_to_string(dir.path().join("flips.csv")).unwrap();
    assert_eq!(flips.lines().count(), r.flips.flipped + 1);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        11,
        "the five replay charts and the six trust-analytics charts are inlined"
    );
    // Self-contained: nothing is fetched when the page is opened or printed.
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src=\"http"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(
        json["baseline"]["metrics"]["accepted"],
        r.baseline.metrics.accepted
    );
}

/// What a reviewer needs beside the decisions: conversion per decision in the table, outcomes
/// in flips.csv, and nurture leads in the later-converted chart.
#[test]
fn the_report_shows_conversion_per_decision_outcomes_of_flips_and_nurture_conversions() {
    let r = sample_replay();
    let text = report::replay::render_text(&r);
    let nurture_rate = r.draft.metrics.conversion_rate.as_ref().unwrap()["nurture"].unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("Converted: of nurture leads"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(&format!("{:.1}%", nurture_rate * 100.0)),
        "{line}"
    );
    let csv_bytes = report::replay::flips_csv(&r).unwrap();
    let mut rdr = csv::Reader::from_reader(csv_bytes.as_slice());
    let headers = rdr.headers().unwrap().clone();
    assert!(
        headers.iter().any(|h| h == "converted") && headers.iter().any(|h| h == "seller_outcome")
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), r.flips.flipped);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let converted = rows
        .iter()
        .filter(|row| &row[col("converted")] == "true")
        .count();
    let expected = r
        .flips
        .leads
        .iter()
        .filter(|f| f.converted == Some(true))
        .count();
    assert!(expected > 0);
    assert_eq!(converted, expected);
    let svg = leadpolicy::chart::later_converted_by_reason(&r);
    assert!(svg.contains("Nurture leads, by the rule that sent them to nurture"));
    let by_rule = r.draft.metrics.later_converted_by_rule.as_ref().unwrap();
    assert!(!by_rule.is_empty());
}

/// A cohort, hand-computed: a date window (inclusive; leads without a date left out and counted
/// as no_date) and a source list narrow the replay before scope; the leads outside appear
/// nowhere, the flip matrix sums to the cohort, and every report states it.
#[test]
fn a_cohort_narrows_the_replay_before_scope_and_every_report_states_it() {
    let leads = "lead_id,created,src,employees\n\
                 L1,2025-01-01,web,300\n\
                 L2,2025-01-15,web,10\n\
                 L3,2025-01-31,ads,300\n\
                 L4,2025-02-01,web,300\n\
                 L5,,web,300\n\
                 L6,2025-01-10,web,\n";
    let mapping = "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n[roles]\ncreated_at = \"created\"\nsource = \"src\"\n";
    let (dir, p, ds) = big_or_nurture(leads, mapping);
    let day = |s: &str| leadpolicy::dataset::cohort::parse_day(s).unwrap();
    let cohort = leadpolicy::dataset::cohort::Cohort {
        from: Some(day("2025-01-01")),
        to: Some(day("2025-01-31")),
        source: vec!["web".into()],
        ..Default::default()
    };
    // In January, from the web: L1, L2, L6 (L3 is ads, L4 is February, L5 has no date).
    let opts = |cohort| replay::Options {
        cohort,
        ..Default::default()
    };
    let covered = replay::replay_with(&p, &p, &ds, &opts(cohort)).unwrap();
    let (r, sub) = (covered.replay, covered.leads);
    assert_eq!(sub.len(), 3);
    assert_eq!((r.cohort.leads, r.cohort.of, r.cohort.no_date), (3, 6, 1));
    assert_eq!(r.dataset.leads, 3);
    assert_eq!(
        (r.draft.metrics.accepted, r.draft.metrics.nurture),
        (1, 2),
        "L1 accepted; L2 and L6 (employees unknown) to nurture"
    );
    let total: usize = r.flips.matrix.values().flat_map(|m| m.values()).sum();
    assert_eq!(total, 3);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["cohort"]["from"], "2025-01-01");
    assert_eq!(json["cohort"]["source"][0], "web");
    assert_eq!(json["cohort"]["no_date"], 1);
    let text = report::replay::render_text(&r);
    assert!(
        text.contains("Cohort: created 2025-01-01 to 2025-01-31, source web: 3 of 6 leads (1 without a created date left out)"),
        "{text}"
    );
    // `no_date` counts only the undated leads the value lists keep: L5 is from the web.
    let ads = leadpolicy::dataset::cohort::Cohort {
        from: Some(day("2025-01-01")),
        source: vec!["ads".into()],
        ..Default::default()
    };
    let covered = replay::replay_with(&p, &p, &ds, &opts(ads)).unwrap();
    assert_eq!(
        (covered.replay.cohort.leads, covered.replay.cohort.no_date),
        (1, 0)
    );
    // A window needs dates; an empty cohort is refused.
    let empty = leadpolicy::dataset::cohort::Cohort {
        source: vec!["print".into()],
        ..Default::default()
    };
    let err = replay::replay_with(&p, &p, &ds, &opts(empty))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("the cohort is empty"), "{err}");
    // The CLI takes the same cohort.
    let out = replay_in(
        dir.path(),
        &[
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
            "--source",
            "web",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["cohort"]["leads"], 3);
    let bad = replay_in(dir.path(), &["--from", "31/01/2025"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("write it as YYYY-MM-DD"));
}

/// Periods, hand-computed: ISO weeks start on Monday (2025-01-01 and 2025-01-05 share the week
/// of 2024-12-30), months and quarters on their first day; each period's figures are those of
/// its own leads; leads without a date are in no period.
#[test]
fn periods_split_the_cohort_by_iso_week_month_and_quarter() {
    let leads = "lead_id,created,employees,won\n\
                 L1,2025-01-01,300,1\n\
                 L2,2025-01-05,10,1\n\
                 L3,2025-01-06,300,0\n\
                 L4,2025-03-31,10,0\n\
                 L5,2025-04-01,300,1\n\
                 L6,,300,0\n";
    let mapping = "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n[roles]\ncreated_at = \"created\"\nconverted = { column = \"won\", true = [\"1\"] }\n";
    let (dir, p, ds) = big_or_nurture(leads, mapping);
    use leadpolicy::replay::Period;
    let periods = |by| {
        replay::replay_decided(&p, &p, &ds, Some(by))
            .unwrap()
            .0
            .periods
            .unwrap()
    };
    let weeks = periods(Period::Week);
    let starts: Vec<&str> = weeks.iter().map(|w| w.start.as_str()).collect();
    assert_eq!(starts, ["2024-12-30", "2025-01-06", "2025-03-31"]);
    let w0 = &weeks[0].draft;
    // L1 accepted, L2 nurture and converted (later converted), both in the first week.
    assert_eq!(
        (w0.leads, w0.accepted, w0.nurture, w0.later_converted),
        (2, 1, 1, Some(1))
    );
    let months = periods(Period::Month);
    let m: Vec<(&str, usize)> = months
        .iter()
        .map(|m| (m.start.as_str(), m.draft.leads))
        .collect();
    assert_eq!(m, [("2025-01-01", 3), ("2025-03-01", 1), ("2025-04-01", 1)]);
    // Counted in the replay's own pass, a period's figures are the replay of its leads alone.
    let dates = ds.dates("created_at").unwrap().unwrap();
    for (month, first_day) in months
        .iter()
        .zip(["2025-01-01", "2025-03-01", "2025-04-01"])
    {
        let start = leadpolicy::dataset::cohort::parse_day(first_day).unwrap();
        let keep: Vec<bool> = dates
            .iter()
            .map(|d| {
                d.is_some_and(|d| {
                    let day = leadpolicy::dataset::dates::from_days(d);
                    replay::periods::period_start(day, Period::Month) == start
                })
            })
            .collect();
        let alone = replay::replay(&p, &p, &ds.subset(&keep).unwrap()).unwrap();
        assert_eq!(month.draft, alone.draft.metrics, "{first_day}");
        assert_eq!(month.baseline, alone.baseline.metrics, "{first_day}");
    }
    let quarters = periods(Period::Quarter);
    let q: Vec<(&str, usize)> = quarters
        .iter()
        .map(|q| (q.start.as_str(), q.draft.leads))
        .collect();
    assert_eq!(q, [("2025-01-01", 4), ("2025-04-01", 1)]);
    // The CLI adds them to the JSON and the table.
    let out = replay_in(dir.path(), &["--by", "month", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["periods"][0]["start"], "2025-01-01");
    assert_eq!(json["periods"][0]["draft"]["accepted"], 2);
    assert_eq!(json["periods"][2]["baseline"]["later_converted"], 0);
}

/// A conversion window, hand-computed (30 days, as of the latest date in the data, 2025-03-10):
/// L1 won after 19 days counts; L2 after 59 days does not; L3 and L6 converted without a date
/// to compare and still count; L4 and L5, created fewer than 30 days before the as-of date,
/// are immature: counted apart and left out of the conversion figures.
#[test]
fn a_conversion_window_counts_late_conversions_out_and_immature_leads_apart() {
    let leads = "lead_id,created,employees,won,won_at\n\
                 L1,2025-01-01,10,1,2025-01-20\n\
                 L2,2025-01-01,10,1,2025-03-01\n\
                 L3,2025-01-10,300,1,\n\
                 L4,2025-03-10,10,0,\n\
                 L5,2025-02-20,10,1,2025-02-25\n\
                 L6,,10,1,2025-01-05\n";
    let mapping = "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n[roles]\ncreated_at = \"created\"\nconverted_at = \"won_at\"\nconverted = { column = \"won\", true = [\"1\"] }\n";
    let (dir, p, ds) = big_or_nurture(leads, mapping);
    let plain = replay::replay(&p, &p, &ds).unwrap();
    let m = &plain.draft.metrics;
    assert_eq!((m.later_converted, m.immature), (Some(4), None));
    let window = leadpolicy::dataset::cohort::ConversionWindow {
        days: 30,
        as_of: None,
    };
    let (windowed, as_of) = ds.with_window(window).unwrap();
    assert_eq!(as_of.to_string(), "2025-03-10");
    let r = replay::replay(&p, &p, &windowed).unwrap();
    let m = &r.draft.metrics;
    assert_eq!((m.nurture, m.accepted, m.immature), (5, 1, Some(2)));
    assert_eq!(m.later_converted, Some(2), "L1 and L6");
    let rates = m.conversion_rate.as_ref().unwrap();
    assert_eq!(rates["nurture"], Some(2.0 / 3.0), "L1, L6 of L1, L2, L6");
    assert_eq!(rates["accepted"], Some(1.0), "L3");
    // The CLI states the window and shows the immature leads.
    let out = replay_in(dir.path(), &["--conversion-window", "30"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("conversions counted within 30 days, as of 2025-03-10")
            && text.contains("Immature (too recent to judge)"),
        "{text}"
    );
    let out = replay_in(
        dir.path(),
        &[
            "--conversion-window",
            "30",
            "--as-of",
            "2025-06-30",
            "--json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["draft"]["metrics"]["immature"], 0);
    assert_eq!(json["cohort"]["as_of"], "2025-06-30");
    // Without the window there is no immature row.
    let out = replay_in(dir.path(), &[]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Immature"));
}

/// routing_time, hand-computed (nearest rank): the sales route's accepted leads were touched
/// after 5, 10, 20, 40 and 100 minutes (one unknown): median rank ⌈2.5⌉ = 3 → 20, 90th
/// percentile rank ⌈4.5⌉ = 5 → 100; nurture leads are not accepted and do not count.
#[test]
fn routing_time_is_the_nearest_rank_median_and_p90_per_route() {
    let leads = "lead_id,employees,touch\n\
                 L1,300,40\n\
                 L2,300,5\n\
                 L3,300,100\n\
                 L4,300,20\n\
                 L5,300,10\n\
                 L6,300,\n\
                 L7,10,1\n";
    let mapping = "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n[roles]\nfirst_touch_minutes = \"touch\"\n";
    let (_dir, p, ds) = big_or_nurture(leads, mapping);
    let r = replay::replay(&p, &p, &ds).unwrap();
    let t = &r.draft.metrics.routing_time.as_ref().unwrap()["s"];
    assert_eq!((t.leads, t.median, t.p90), (5, Some(20.0), Some(100.0)));
    assert!(
        !r.draft
            .metrics
            .routing_time
            .as_ref()
            .unwrap()
            .contains_key("n")
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["draft"]["metrics"]["routing_time"]["s"]["p90"], 100.0);
    assert_eq!(json["deltas"]["routing_time"]["s"]["median"], 0.0);
    let text = report::replay::render_text(&r);
    assert!(text.contains("s: 20 / 100 → 20 / 100"), "{text}");
}

/// `track`, hand-computed over two ISO weeks: week of 2025-01-06 has L1 (accepted, seller
/// accepted, meeting held, old process agreed), L2 (accepted, sent back, no-show, old process
/// said nurture) and L3 (nurture, converted: not a rejection, so not "DQ→won"); the week of
/// 2025-01-13 has L4 (accepted, seller accepted). Feedback is tallied per decision and route.
#[test]
fn track_tallies_what_happened_to_each_period_and_judges_stability() {
    let leads = "lead_id,created,employees,seller,meeting,old,won,feedback\n\
                 L1,2025-01-06,300,accepted,held,AE,0,Champion\n\
                 L2,2025-01-12,300,sent_back,no_show,Nurture,0,Too small\n\
                 L3,2025-01-08,10,,,Nurture,1,Champion\n\
                 L4,2025-01-13,500,accepted,,,0,\n";
    let mapping = "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n[roles]\ncreated_at = \"created\"\nconverted = { column = \"won\", true = [\"1\"] }\nseller_outcome = { column = \"seller\", accepted = [\"accepted\"], sent_back = [\"sent_back\"] }\nmeeting = { column = \"meeting\", held = [\"held\"], no_show = [\"no_show\"] }\nhistorical_decision = { column = \"old\", accepted = [\"AE\"], nurture = [\"Nurture\"] }\nseller_feedback = \"feedback\"\n";
    let (dir, p, ds) = big_or_nurture(leads, mapping);
    let t = replay::track::track(&p, &ds, replay::Period::Week).unwrap();
    let starts: Vec<_> = t.periods.iter().map(|p| p.start.clone().unwrap()).collect();
    assert_eq!(starts, ["2025-01-06", "2025-01-13"]);
    let w = &t.periods[0];
    assert_eq!(
        (w.leads, w.decisions["accepted"], w.decisions["nurture"]),
        (3, 2, 1)
    );
    assert_eq!((w.seller_accepted, w.seller_sent_back), (Some(1), Some(1)));
    assert_eq!(w.seller_acceptance, Some(0.5));
    assert_eq!((w.meetings_held, w.meetings_no_show), (Some(1), Some(1)));
    assert_eq!(
        (w.old_process_known, w.old_process_agrees),
        (Some(3), Some(2))
    );
    assert_eq!(w.rejected_converted, Some(0));
    let fb = w.feedback.as_ref().unwrap();
    assert_eq!(fb["accepted · s"]["Champion"], 1);
    assert_eq!(fb["accepted · s"]["Too small"], 1);
    assert_eq!(fb["nurture · n"]["Champion"], 1);
    assert_eq!(t.total.leads, 4);
    assert_eq!(t.total.seller_accepted, Some(2));
    assert!(!t.stability.stable && t.stability.words.starts_with("Too early"));
    // The command line prints the same, and refuses what it cannot do in words.
    let out = lp_in(
        dir.path(),
        &[
            "track",
            "--policy",
            "p.toml",
            "--dataset",
            "mapping.toml",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["periods"][1]["seller_accepted"], 1);
    assert_eq!(json["by"], "week");
}

/// Every value the report page shows is HTML-escaped by its template: a policy name, a dataset
/// name or a lead id with markup in it shows as text, never as markup.
#[test]
fn the_report_page_escapes_what_it_shows() {
    let mut r = sample_replay();
    r.draft.policy.name = "Q&A <script>alert(\"x\")</script>".into();
    r.dataset.name = "exports <b>2025</b>".into();
    if let Some(f) = r.flips.leads.first_mut() {
        f.lead_id = "<img src=x>".into();
    }
    let html = report::replay::render_html_with(&r, &[], "");
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>2025"));
    assert!(html.contains("Q&amp;A &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(html.contains("exports &lt;b&gt;2025&lt;/b&gt;"));
    assert!(html.contains("<td>&lt;img src=x&gt;</td>"));
    assert!(html.ends_with("</body></html>\n"));
}
