//! Trust analytics: hand-checked values on small explicit fixtures, the planted proxy found and
//! independent fields left alone, shadowed / never-firing / removable rules, the four-fifths
//! rule and small groups, missing-field ranking, enrichment quality, the sweep against the engine
//! with the threshold edited, and the CLI on the sample.

use assert_cmd::Command;
use leadpolicy::analyze::{self, Settings, sweep::SweepSpec};
use leadpolicy::dataset::Dataset;
use leadpolicy::policy::{self, Policy};
use leadpolicy::report;

use crate::common::{DEFAULT_MAPPING, root, sample_mapping, temp_with};

fn load(leads: &str, mapping: &str, policy: &str) -> (Policy, Dataset, tempfile::TempDir) {
    let (dir, p, ds) = crate::common::load_in_temp(leads, mapping, policy);
    (p, ds, dir)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// 40 leads, 20 per gender. Planted: `hobby` is knit for 18 of 20 women and golf for 18 of 20
/// men; `region` north for 15 of 20 women and 5 of 20 men. Independent: `industry` alternates
/// software / retail within each gender; `score` is 1..20 in each gender.
fn proxy_leads() -> String {
    let mut s = String::from("lead_id,gender,hobby,region,industry,score\n");
    let mut n = 0;
    for (g, golf_from, north_until) in [("F", 18, 15), ("M", 2, 5)] {
        for i in 0..20 {
            n += 1;
            let hobby = if i < golf_from { "knit" } else { "golf" };
            let region = if i < north_until { "north" } else { "south" };
            let industry = if i % 2 == 0 { "software" } else { "retail" };
            s.push_str(&format!(
                "L{n:02},{g},{hobby},{region},{industry},{}\n",
                i + 1
            ));
        }
    }
    s
}

const PROXY_POLICY: &str = r#"
[policy]
id = "proxy"
name = "proxy"
version = 1

[fields]
allowed = ["hobby", "region", "industry", "score"]
sensitive = ["gender", "age"]

[evidence]
on_overlap = "first"

[routes.sales]
kind = "sales"

[routes.nurture]
kind = "nurture"

[[rules]]
id = "golfers"
route = "sales"
when = { field = "hobby", eq = "golf" }

[[rules]]
id = "rest"
route = "nurture"
when = { all = [{ field = "region", in = ["north", "south"] }, { field = "industry", in = ["software", "retail"] }, { field = "score", gte = 0 }] }
"#;

fn pair<'a>(a: &'a analyze::Analysis, field: &str) -> &'a analyze::proxy::ProxyPair {
    a.proxies
        .pairs
        .iter()
        .find(|p| p.field == field && p.sensitive == "gender")
        .unwrap()
}

#[test]
fn planted_proxies_are_found_and_independent_fields_are_not_flagged() {
    let (p, ds, _dir) = load(&proxy_leads(), DEFAULT_MAPPING, PROXY_POLICY);
    let a = analyze::analyze(&p, None, &ds, &Settings::default()).unwrap();
    // hobby × gender: O = [[18, 2], [2, 18]], every E = 20·20/40 = 10,
    // χ² = 4 · (8²/10) = 25.6, V = √(25.6 / (40 · 1)) = √0.64 = 0.8.
    let hobby = pair(&a, "hobby");
    assert!(close(hobby.cramers_v.unwrap(), 0.8), "{hobby:?}");
    assert!(hobby.flagged);
    // No value is missing: the same strength where both are present, carried by the values.
    assert!(close(hobby.cramers_v_present.unwrap(), 0.8));
    assert_eq!(hobby.carried_by, Some("values"));
    assert_eq!(hobby.categories, (2, 2));
    // region × gender: O = [[15, 5], [5, 15]], E = 10, χ² = 4 · 25/10 = 10, V = √(10/40) = 0.5.
    let region = pair(&a, "region");
    assert!(close(region.cramers_v.unwrap(), 0.5), "{region:?}");
    assert!(region.flagged);
    // industry × gender: O = [[10, 10], [10, 10]] = E, χ² = 0, V = 0.
    let industry = pair(&a, "industry");
    assert!(close(industry.cramers_v.unwrap(), 0.0));
    assert!(!industry.flagged);
    // score (numeric): 40 sorted values 1,1,2,2,…,20,20; cut points v[8]=5, v[16]=9, v[24]=13,
    // v[32]=17 → 5 bins of 4 women + 4 men each: χ² = 0, V = 0; the (missing) bin is empty.
    let score = pair(&a, "score");
    assert!(close(score.cramers_v.unwrap(), 0.0));
    assert!(!score.flagged);
    assert_eq!(score.categories, (5, 2));
    assert!(
        score.field_method.contains("cut points 5, 9, 13, 17"),
        "{}",
        score.field_method
    );
    // Ranked by V; `age` is listed as sensitive but the dataset lacks it.
    let ranked: Vec<&str> = a.proxies.pairs.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(ranked[..2], ["hobby", "region"]);
    assert_eq!(a.proxies.sensitive_absent, ["age"]);
    assert_eq!(a.proxies.flagged().count(), 2);

    // The threshold is a setting: at 0.6 only the planted 0.8 proxy remains.
    let strict = Settings {
        proxy_threshold: 0.6,
        ..Settings::default()
    };
    let a = analyze::analyze(&p, None, &ds, &strict).unwrap();
    let flagged: Vec<&str> = a.proxies.flagged().map(|p| p.field.as_str()).collect();
    assert_eq!(flagged, ["hobby"]);
}

#[test]
fn clean_data_raises_no_proxy_alarm() {
    // Only the independent fields are read: nothing may be flagged.
    let policy = PROXY_POLICY
        .replace(
            r#"when = { field = "hobby", eq = "golf" }"#,
            r#"when = { field = "score", gte = 10 }"#,
        )
        .replace(r#"{ field = "region", in = ["north", "south"] }, "#, "");
    let (p, ds, _dir) = load(&proxy_leads(), DEFAULT_MAPPING, &policy);
    let a = analyze::analyze(&p, None, &ds, &Settings::default()).unwrap();
    let fields: Vec<&str> = a.proxies.pairs.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields.len(), 2, "{fields:?}");
    assert_eq!(a.proxies.flagged().count(), 0, "{:?}", a.proxies.pairs);
    // Acceptance by gender is equal (score ≥ 10: 11 of 20 in each), so no four-fifths flag.
    let small = Settings {
        min_group_size: 20,
        ..Settings::default()
    };
    let a = analyze::analyze(&p, None, &ds, &small).unwrap();
    let g = &a.segments.fields[0];
    assert!(g.groups.iter().all(|g| !g.draft.flagged));
    assert!(
        g.groups
            .iter()
            .all(|g| close(g.draft.accepted_rate.unwrap(), 0.55))
    );
}

#[test]
fn four_fifths_rule_flags_low_groups_and_small_groups_are_shown_not_judged() {
    let (p, ds, _dir) = load(&proxy_leads(), DEFAULT_MAPPING, PROXY_POLICY);
    let base = PROXY_POLICY.replace(r#"eq = "golf""#, r#"in = ["golf", "knit"]"#);
    let dir = temp_with(&[("b.toml", &base)]);
    let b = policy::load(&dir.path().join("b.toml")).unwrap();
    // min 20: both genders judged. Draft: accepted = golfers, 2 of 20 women (10%), 18 of 20 men
    // (90%); ratios 0.1/0.9 = 0.111… (flagged) and 1. Baseline accepts everyone: 1 and 1.
    let settings = Settings {
        min_group_size: 20,
        ..Settings::default()
    };
    let a = analyze::analyze(&p, Some(&b), &ds, &settings).unwrap();
    let f = &a.segments.fields[0];
    assert_eq!(f.field, "gender");
    let women = f.groups.iter().find(|g| g.group == "F").unwrap();
    let men = f.groups.iter().find(|g| g.group == "M").unwrap();
    assert_eq!((women.draft.leads, women.draft.accepted), (20, 2));
    assert!(close(women.draft.impact_ratio.unwrap(), 0.1 / 0.9));
    assert!(women.draft.flagged);
    assert!(close(men.draft.impact_ratio.unwrap(), 1.0));
    assert!(!men.draft.flagged);
    let wb = women.baseline.as_ref().unwrap();
    assert_eq!(wb.accepted, 20);
    assert!(!wb.flagged && close(wb.impact_ratio.unwrap(), 1.0));

    // Default min 30: 20 leads per group is too small — shown with counts, no ratio, no flag.
    let a = analyze::analyze(&p, Some(&b), &ds, &Settings::default()).unwrap();
    let f = &a.segments.fields[0];
    assert_eq!(f.groups.len(), 2);
    for g in &f.groups {
        assert!(g.draft.too_small && g.draft.impact_ratio.is_none() && !g.draft.flagged);
        assert_eq!(g.draft.leads, 20);
    }
    assert!(report::analysis::render_text(&a).contains("too small to judge"));
}

const COVERAGE_LEADS: &str = "lead_id,industry,employees,title
L1,retail,5,ic
L2,retail,500,vp
L3,software,500,vp
L4,software,50,ic
L5,software,5,vp
L6,fintech,,ic
";

const COVERAGE_POLICY: &str = r#"
[policy]
id = "coverage"
name = "coverage"
version = 1

[fields]
allowed = ["industry", "employees", "title"]

[signals.unused_sig]
when = { field = "title", eq = "vp" }

[reasons]
retail = "Retail"

[routes.sales]
kind = "sales"

[routes.nurture]
kind = "nurture"

[[rules]]
id = "dq-retail"
disqualify = "retail"
when = { field = "industry", eq = "retail" }

[[rules]]
id = "dq-retail-big"
disqualify = "retail"
when = { all = [{ field = "industry", eq = "retail" }, { field = "employees", gte = 100 }] }

[[rules]]
id = "dq-never"
disqualify = "retail"
when = { field = "industry", eq = "government" }

[[rules]]
id = "enterprise"
route = "sales"
when = { field = "employees", gte = 100 }

[[rules]]
id = "tiny-nurture"
route = "nurture"
when = { field = "employees", lt = 10 }

[[rules]]
id = "small-nurture"
route = "nurture"
when = { field = "employees", lt = 100 }
"#;

#[test]
fn coverage_finds_shadowed_never_firing_and_removable_rules() {
    let (p, ds, _dir) = load(COVERAGE_LEADS, DEFAULT_MAPPING, COVERAGE_POLICY);
    let a = analyze::analyze(&p, None, &ds, &Settings::default()).unwrap();
    let got: Vec<(&str, usize, usize, bool, bool, usize)> = a
        .coverage
        .rules
        .iter()
        .map(|r| {
            (
                r.rule.as_str(),
                r.fired,
                r.decided,
                r.never_fires,
                r.shadowed,
                r.changed_if_removed,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // Fires on L1, L2 and rejects both. Removed: L2 is still rejected `retail` by
            // dq-retail-big (same reason), L1 becomes nurture (tiny-nurture) → 1 change.
            ("dq-retail", 2, 2, false, false, 1),
            // Fires on L2 only, which dq-retail already rejected: fully shadowed, no change.
            ("dq-retail-big", 1, 0, false, true, 0),
            ("dq-never", 0, 0, true, false, 0),
            // Fires on L2 (rejected) and L3 (accepted by it); removed, L3 has no rule → 1 change.
            ("enterprise", 2, 1, false, false, 1),
            // Fires on L1 (rejected) and L5 (nurtured by it); removed, small-nurture nurtures L5
            // on the same route: decides a lead, yet removal changes nothing.
            ("tiny-nurture", 2, 1, false, false, 0),
            // Fires on L1, L4, L5; decides L4 (L5 went to tiny-nurture first).
            ("small-nurture", 3, 1, false, false, 1),
        ]
    );
    let tiny = &a.coverage.rules[4];
    assert!(tiny.removal_changes_nothing && !tiny.shadowed);
    assert_eq!(a.coverage.unused_signals, ["unused_sig"]);
    assert_eq!(a.coverage.unused_allowed_fields, ["title"]);
    let text = report::analysis::render_text(&a);
    assert!(text.contains("fully shadowed by earlier rules"), "{text}");
    assert!(text.contains("never fires"), "{text}");
}

const QUALITY_MAPPING: &str = r#"[dataset]
name = "quality"
leads = "leads.csv"
id = "lead_id"

[roles]
source = "source"
form = "form"
enrichment_source = "provider"
enrichment_confidence = "confidence"
enrichment_error = { column = "error", true = ["1"] }
"#;

const QUALITY_LEADS: &str = "lead_id,source,form,employees,industry,provider,confidence,error
L1,web,f1,100,sw,clearbit,0.9,0
L2,web,f1,,sw,clearbit,0.9,0
L3,web,f2,,,apollo,0.9,1
L4,ads,f2,50,,apollo,0.3,1
L5,ads,f1,,sw,apollo,0.8,0
L6,ads,f1,20,sw,,,
L7,web,f2,200,fin,clearbit,0.7,0
L8,web,f1,,fin,clearbit,0.95,0
";

const QUALITY_POLICY: &str = r#"
[policy]
id = "quality"
name = "quality"
version = 1

[fields]
allowed = ["employees", "industry"]

[evidence]
required = ["employees", "industry"]
min_enrichment_confidence = 0.5

[routes.sales]
kind = "sales"

[[rules]]
id = "any-company"
route = "sales"
when = { field = "employees", gte = 0 }
"#;

#[test]
fn missing_fields_are_ranked_by_the_decisions_they_would_unblock() {
    let (p, ds, _dir) = load(QUALITY_LEADS, QUALITY_MAPPING, QUALITY_POLICY);
    let a = analyze::analyze(&p, None, &ds, &Settings::default()).unwrap();
    let m = &a.missing_fields;
    // Accepted: L1, L7. Unresolved: L2, L5, L8 (employees only), L3 (both), L4 (industry and
    // low confidence), L6 (missing confidence).
    let emp = &m.overall[0];
    assert_eq!(emp.field, "employees");
    // Blocked 6, employees missing for L2, L3, L5, L8 = 4 (66.7%), none of the 2 accepted;
    // filling employees alone unblocks L2, L5, L8.
    assert_eq!(
        (
            emp.blocked,
            emp.missing_blocked,
            emp.accepted,
            emp.missing_accepted
        ),
        (6, 4, 2, 0)
    );
    assert_eq!(emp.would_unblock, Some(3));
    assert!(close(emp.missing_rate_blocked.unwrap(), 4.0 / 6.0));
    let ind = &m.overall[1];
    assert_eq!(
        (ind.field.as_str(), ind.missing_blocked, ind.would_unblock),
        ("industry", 2, Some(0))
    );
    // By group: form f1 (L2, L5, L8 unblockable) ranks first, then source web and clearbit (2).
    let top = &m.by_group[0];
    assert_eq!(
        (top.field.as_str(), top.by.as_str(), top.group.as_str()),
        ("employees", "form", "f1")
    );
    assert_eq!(
        (top.blocked, top.missing_blocked, top.would_unblock),
        (4, 3, Some(3))
    );
    let web = m
        .by_group
        .iter()
        .find(|e| e.field == "employees" && e.by == "source" && e.group == "web")
        .unwrap();
    assert_eq!(
        (
            web.blocked,
            web.missing_blocked,
            web.accepted,
            web.would_unblock
        ),
        (3, 3, 2, Some(2))
    );
    let ads = m
        .by_group
        .iter()
        .find(|e| e.field == "employees" && e.by == "source" && e.group == "ads")
        .unwrap();
    // No accepted lead from ads: the comparison rate is not available, not 0.
    assert_eq!((ads.accepted, ads.missing_rate_accepted), (0, None));
}

#[test]
fn enrichment_quality_per_source() {
    let (p, ds, _dir) = load(QUALITY_LEADS, QUALITY_MAPPING, QUALITY_POLICY);
    let a = analyze::analyze(&p, None, &ds, &Settings::default()).unwrap();
    let e = &a.enrichment;
    assert!(e.available);
    assert_eq!(e.unresolved, 6);
    let names: Vec<&str> = e.sources.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(names, ["clearbit", "apollo", "(missing)"]);
    let c = &e.sources[0];
    // clearbit: L1, L2, L7, L8; complete evidence L1, L7; confidences 0.7, 0.9, 0.9, 0.95
    // (nearest rank: p25 = 1st, median = 2nd, p75 = 3rd); no errors; L2, L8 gated = 2 of 6.
    assert_eq!(c.leads, 4);
    assert!(close(c.share_of_leads.unwrap(), 0.5));
    assert!(close(c.coverage.unwrap(), 0.5));
    let q = c.confidence.as_ref().unwrap();
    assert_eq!(
        (q.min, q.p25, q.median, q.p75, q.max),
        (0.7, 0.7, 0.9, 0.9, 0.95)
    );
    assert!(close(c.below_minimum.unwrap(), 0.0));
    assert_eq!(c.errors, Some(0));
    assert_eq!(c.unresolved_caused, 2);
    assert!(close(c.share_of_unresolved.unwrap(), 2.0 / 6.0));
    let ap = &e.sources[1];
    // apollo: L3, L4, L5; none complete; confidences 0.3, 0.8, 0.9; L4 below 0.5; errors L3, L4.
    assert_eq!(ap.leads, 3);
    assert!(close(ap.coverage.unwrap(), 0.0));
    let q = ap.confidence.as_ref().unwrap();
    assert_eq!((q.p25, q.median, q.p75), (0.3, 0.8, 0.9));
    assert!(close(ap.below_minimum.unwrap(), 1.0 / 3.0));
    assert!(close(ap.error_rate.unwrap(), 2.0 / 3.0));
    assert_eq!(ap.unresolved_caused, 3);
    let none = &e.sources[2];
    // No provider: no confidence at all (counts as below the minimum), unresolved.
    assert_eq!(
        (none.leads, none.with_confidence, none.unresolved_caused),
        (1, 0, 1)
    );
    assert!(none.confidence.is_none());
    assert!(close(none.below_minimum.unwrap(), 1.0));
}

#[test]
fn enrichment_is_not_available_without_the_role() {
    let (p, ds, _dir) = load(COVERAGE_LEADS, DEFAULT_MAPPING, COVERAGE_POLICY);
    let a = analyze::analyze(&p, None, &ds, &Settings::default()).unwrap();
    assert!(!a.enrichment.available);
    assert!(
        report::analysis::render_text(&a)
            .contains("not available: the dataset has no enrichment_source role")
    );
}

#[test]
fn sweep_points_match_the_engine_with_the_threshold_edited() {
    let ds = Dataset::load(&sample_mapping()).unwrap();
    let path = root().join("policies/draft.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let p = policy::load(&path).unwrap();
    let spec = SweepSpec {
        rule: Some("enterprise-fit".into()),
        field: Some("employees".into()),
        from: Some(150.0),
        to: Some(350.0),
        steps: 5,
    };
    let settings = Settings {
        sweep: Some(spec),
        ..Settings::default()
    };
    let a = analyze::analyze(&p, None, &ds, &settings).unwrap();
    let s = a.sweep.sweep.as_ref().unwrap();
    assert_eq!(
        (s.field.as_str(), s.op.as_str(), s.current),
        ("employees", "gte", 200.0)
    );
    assert_eq!(s.signal.as_deref(), Some("account_fit"));
    assert_eq!(
        s.rules_affected,
        ["enterprise-fit", "commercial-hand-raisers"]
    );
    let thresholds: Vec<f64> = s.points.iter().map(|p| p.threshold).collect();
    assert_eq!(thresholds, [150.0, 200.0, 250.0, 300.0, 350.0]);
    // The leaf lives in signal account_fit; edit exactly it in the file and replay.
    let leaf = r#"{ field = "employees", gte = 200 }"#;
    assert_eq!(text.matches(leaf).count(), 1);
    let mut distinct = std::collections::BTreeSet::new();
    for point in &s.points {
        let edited = text.replace(
            leaf,
            &format!("{{ field = \"employees\", gte = {} }}", point.threshold),
        );
        let dir = temp_with(&[("p.toml", &edited)]);
        let q = policy::load(&dir.path().join("p.toml")).unwrap();
        let r = leadpolicy::replay::replay(&q, &q, &ds).unwrap();
        let m = &r.draft.metrics;
        assert_eq!(
            (
                point.accepted,
                point.nurture,
                point.rejected,
                point.unresolved
            ),
            (m.accepted, m.nurture, m.rejected, m.unresolved),
            "at {}",
            point.threshold
        );
        assert_eq!(
            point.later_converted, m.later_converted,
            "at {}",
            point.threshold
        );
        assert_eq!(
            point.low_fit_handoffs, m.low_fit_handoffs,
            "at {}",
            point.threshold
        );
        distinct.insert(point.accepted);
    }
    // The threshold matters on this data (otherwise the check above would prove little).
    assert!(distinct.len() >= 3, "{distinct:?}");
    assert_eq!(s.at_current, s.points[1]);
}

#[test]
fn sweep_of_an_unknown_rule_is_a_usage_error_and_the_default_says_what_it_swept() {
    let ds = Dataset::load(&sample_mapping()).unwrap();
    let p = policy::load(&root().join("policies/draft.toml")).unwrap();
    let bad = Settings {
        sweep: Some(SweepSpec::target("no-such-rule")),
        ..Settings::default()
    };
    let err = analyze::analyze(&p, None, &ds, &bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no rule `no-such-rule`"), "{err}");
    let a = analyze::analyze(&p, None, &ds, &Settings::default()).unwrap();
    let note = a.sweep.note.as_deref().unwrap();
    assert!(
        note.contains("`employees gte 200` in rule `enterprise-fit`"),
        "{note}"
    );
    // Default range: half to double the current 200, 50 whole-number thresholds.
    let s = a.sweep.sweep.as_ref().unwrap();
    assert_eq!(s.points.len(), 50);
    assert_eq!(
        (s.points[0].threshold, s.points[49].threshold),
        (100.0, 400.0)
    );
}

fn lp() -> Command {
    let mut c = Command::cargo_bin("leadpolicy").unwrap();
    c.current_dir(root());
    c
}

#[test]
fn cli_analyze_prints_all_six_on_the_sample() {
    let out = lp()
        .args([
            "analyze",
            "--policy",
            "policies/draft.toml",
            "--baseline",
            "policies/baseline.toml",
            "--dataset",
        ])
        .arg(sample_mapping())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for heading in [
        "1. Proxy detection",
        "2. Segment impact",
        "3. Missing-field patterns",
        "4. Rule coverage",
        "5. Threshold sweep",
        "6. Enrichment quality",
    ] {
        assert!(text.contains(heading), "missing {heading}:\n{text}");
    }
    // Real figures of the sample (seed 7), checked against `replay` and by hand from the JSON.
    assert!(text.contains("15,000 leads, 9,666 in scope"), "{text}");
    assert!(text.contains("No field is flagged."), "{text}");
    assert!(text.contains("18-24"), "{text}");
    assert!(text.contains("0.32 ⚑ below 0.8"), "{text}");
    assert!(text.contains("nurture-micro-companies"), "{text}");
    assert!(text.contains("removal changes no decision"), "{text}");
    assert!(text.contains("2,045"), "{text}");

    let out = lp()
        .args([
            "analyze",
            "--json",
            "--policy",
            "policies/draft.toml",
            "--dataset",
        ])
        .arg(sample_mapping())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["in_scope"], 9666);
    // The sweep at the current threshold equals the draft's replay figures.
    let ds = Dataset::load(&sample_mapping()).unwrap();
    let p = policy::load(&root().join("policies/draft.toml")).unwrap();
    let r = leadpolicy::replay::replay(&p, &p, &ds).unwrap();
    let cur = &v["sweep"]["sweep"]["at_current"];
    assert_eq!(cur["accepted"], r.draft.metrics.accepted);
    assert_eq!(
        cur["later_converted"],
        r.draft.metrics.later_converted.unwrap()
    );
    assert_eq!(
        cur["low_fit_handoffs"],
        r.draft.metrics.low_fit_handoffs.unwrap()
    );
    let rules = v["coverage"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), p.rules.len());
    let decided: u64 = rules.iter().map(|r| r["decided"].as_u64().unwrap()).sum();
    let m = &r.draft.metrics;
    // Every accepted, nurtured and rejected lead is decided by exactly one rule.
    assert_eq!(decided as usize, m.accepted + m.nurture + m.rejected);
}

#[test]
fn cli_analyze_rejects_an_unknown_sweep_rule_with_exit_2() {
    let out = lp()
        .args([
            "analyze",
            "--policy",
            "policies/draft.toml",
            "--sweep",
            "nope:employees",
            "--dataset",
        ])
        .arg(sample_mapping())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule `nope`"));
}

#[test]
fn replay_report_includes_the_analyses() {
    let dir = tempfile::tempdir().unwrap();
    let out = lp()
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
    for f in [
        "analysis.json",
        "analysis_proxies.svg",
        "analysis_segments.svg",
        "analysis_coverage.svg",
        "analysis_sweep.svg",
        "analysis_missing_fields.svg",
        "analysis_enrichment.svg",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<h2>Trust analytics</h2>"));
    assert!(html.contains("data-chart=\"analysis_sweep\""));
    let a: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("analysis.json")).unwrap()).unwrap();
    assert_eq!(a["baseline"]["version"], 3);
    assert_eq!(a["policy"]["version"], 4);
}

#[test]
fn charts_of_the_sample_analysis() {
    let ds = Dataset::load(&sample_mapping()).unwrap();
    let p = policy::load(&root().join("policies/draft.toml")).unwrap();
    let b = policy::load(&root().join("policies/baseline.toml")).unwrap();
    let a = analyze::analyze(&p, Some(&b), &ds, &Settings::default()).unwrap();
    for (name, svg) in leadpolicy::chart::analysis::all(&a) {
        assert!(svg.starts_with("<svg"), "{name}");
        assert!(!svg.contains("could not be drawn"), "{name}");
        insta::assert_snapshot!(format!("chart_{name}"), svg);
    }
}

#[test]
fn sweep_of_a_route_rule_matches_the_engine_and_hand_counts() {
    // The swept comparison is the whole condition of route rule `enterprise`; L6 has no
    // employees (unknown at every threshold); overlaps go to review (the default).
    let (p, ds, _dir) = load(COVERAGE_LEADS, DEFAULT_MAPPING, COVERAGE_POLICY);
    let spec = SweepSpec {
        from: Some(0.0),
        to: Some(600.0),
        steps: 4,
        ..SweepSpec::target("enterprise")
    };
    let settings = Settings {
        sweep: Some(spec),
        ..Settings::default()
    };
    let a = analyze::analyze(&p, None, &ds, &settings).unwrap();
    let s = a.sweep.sweep.as_ref().unwrap();
    assert_eq!(s.rules_affected, ["enterprise"]);
    let line = r#"when = { field = "employees", gte = 100 }
"#;
    assert_eq!(COVERAGE_POLICY.matches(line).count(), 1);
    let got: Vec<(f64, usize, usize, usize, usize)> = s
        .points
        .iter()
        .map(|p| (p.threshold, p.accepted, p.nurture, p.rejected, p.unresolved))
        .collect();
    // By hand (L1, L2 retail: rejected throughout):
    //   0   — enterprise fires on L3, L4, L5; L4, L5 also fire a nurture rule → overlapping
    //         routes: accepted L3, unresolved L4, L5, L6;
    //   200, 400 — enterprise fires on L3 only (500): accepted L3, nurture L4, L5, unresolved L6;
    //   600 — no one: L3 matches no rule → unresolved L3, L6.
    assert_eq!(
        got,
        [
            (0.0, 1, 0, 2, 3),
            (200.0, 1, 2, 2, 1),
            (400.0, 1, 2, 2, 1),
            (600.0, 0, 2, 2, 2)
        ]
    );
    for point in &s.points {
        let edited = COVERAGE_POLICY.replace(
            line,
            &line.replace("gte = 100", &format!("gte = {}", point.threshold)),
        );
        let (q, ds2, _d) = load(COVERAGE_LEADS, DEFAULT_MAPPING, &edited);
        let r = leadpolicy::replay::replay(&q, &q, &ds2).unwrap();
        let m = &r.draft.metrics;
        assert_eq!(
            (
                point.accepted,
                point.nurture,
                point.rejected,
                point.unresolved
            ),
            (m.accepted, m.nurture, m.rejected, m.unresolved),
            "at {}",
            point.threshold
        );
    }
}

/// The current threshold is one of the swept ones: the table prints it once, marked current.
#[test]
fn the_sweep_table_prints_each_threshold_once() {
    let ds = Dataset::load(&sample_mapping()).unwrap();
    let p = policy::load(&root().join("policies/draft.toml")).unwrap();
    let settings = Settings {
        sweep: Some(SweepSpec {
            rule: Some("enterprise-fit".into()),
            field: Some("employees".into()),
            from: Some(100.0),
            to: Some(300.0),
            steps: 3,
        }),
        ..Settings::default()
    };
    let a = analyze::analyze(&p, None, &ds, &settings).unwrap();
    let text = report::analysis::render_text(&a);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            t.starts_with("100 ") || t.starts_with("200 ") || t.starts_with("300 ")
        })
        .collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert_eq!(rows.iter().filter(|l| l.contains("◀ current")).count(), 1);
    assert!(rows[1].contains("◀ current"), "{rows:?}");
}

/// A proxy carried by missingness, hand-computed: `visits` is missing exactly when `country` is
/// (leads with no visits never fill in a country), and independent of it where both have a
/// value. With `(missing)` as a category the 3 × 3 table gives χ² = 40 on 40 leads, so
/// V = √(40 / (40 · 2)) = √0.5; where both are present every cell holds 5 leads and V = 0. The
/// finding says the missingness carries it.
#[test]
fn a_proxy_carried_by_missing_values_says_so() {
    let mut leads = String::from("lead_id,visits,country\n");
    for i in 0..20 {
        let visits = if (i / 2) % 2 == 0 { "x" } else { "y" };
        let country = if i % 2 == 0 { "A" } else { "B" };
        leads.push_str(&format!("L{i},{visits},{country}\n"));
    }
    for i in 20..40 {
        leads.push_str(&format!("L{i},,\n"));
    }
    let policy = "[policy]\nid = \"p\"\n[fields]\nallowed = [\"visits\"]\nsensitive = [\"country\"]\n[routes.s]\nkind = \"sales\"\n[[rules]]\nid = \"r\"\nroute = \"s\"\nwhen = { field = \"visits\", eq = \"x\" }\n";
    let (p, ds, _dir) = load(&leads, DEFAULT_MAPPING, policy);
    let a = analyze::analyze(&p, None, &ds, &Settings::default()).unwrap();
    let pair = &a.proxies.pairs[0];
    assert!(close(pair.cramers_v.unwrap(), 0.5f64.sqrt()));
    assert!(close(pair.cramers_v_present.unwrap(), 0.0));
    assert!(pair.flagged);
    assert_eq!(pair.carried_by, Some("missingness"));
    assert!(
        pair.finding()
            .contains("through whether it is missing (V 0.00 where both have a value)"),
        "{}",
        pair.finding()
    );
}
