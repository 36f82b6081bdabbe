//! `leadpolicy suggest` on data with planted patterns: a segment that never converts and is
//! always sent back is found; a disqualify rule whose rejected leads convert is found; data with
//! no pattern gives nothing; and every suggestion's stated figures equal an independent replay of
//! its exact policy text.

use leadpolicy::dataset::Dataset;
use leadpolicy::policy;
use leadpolicy::replay;
use leadpolicy::suggest::{self, Settings};

use crate::common::temp_with;

/// A deterministic stream of numbers in [0, 1).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const INDUSTRIES: [&str; 5] = ["software", "retail", "health", "education", "logistics"];
const SOURCES: [&str; 3] = ["web", "webinar", "event"];

/// `n` leads over 2025 with an industry, a source, employees, conversion and seller outcome
/// drawn by `outcome(industry, source, rng) -> (converted, sent_back)`.
fn leads(n: usize, seed: u64, outcome: impl Fn(&str, &str, &mut Lcg) -> (bool, bool)) -> String {
    let mut r = Lcg(seed);
    let mut s = String::from("lead_id,created,industry,source,employees,won,seller\n");
    for i in 0..n {
        let industry = INDUSTRIES[(r.next() * 5.0) as usize];
        let source = SOURCES[(r.next() * 3.0) as usize];
        let employees = 10 + (r.next() * 990.0) as u32;
        let (won, back) = outcome(industry, source, &mut r);
        let day = 1 + (i * 364 / n);
        let date = chrono_day(day);
        s.push_str(&format!(
            "L{i},{date},{industry},{source},{employees},{},{}\n",
            u8::from(won),
            if back { "sent_back" } else { "accepted" }
        ));
    }
    s
}

fn chrono_day(day: usize) -> String {
    let d = leadpolicy::dataset::dates::from_days(
        leadpolicy::dataset::dates::days(
            leadpolicy::dataset::cohort::parse_day("2025-01-01").unwrap(),
        ) + day as i32
            - 1,
    );
    d.to_string()
}

const MAPPING: &str = "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n[roles]\ncreated_at = \"created\"\nsource = \"source\"\nconverted = { column = \"won\", true = [\"1\"] }\nseller_outcome = { column = \"seller\", accepted = [\"accepted\"], sent_back = [\"sent_back\"] }\n";

/// Every lead to sales, except webinar leads, which are disqualified.
const POLICY: &str = "[policy]\nid = \"p\"\nversion = 1\n[fields]\nallowed = [\"industry\", \"source\", \"employees\"]\n[reasons]\nlow_intent = \"Low intent\"\n[routes.sales]\nkind = \"sales\"\n[routes.nurture]\nkind = \"nurture\"\n[[rules]]\nid = \"dq-webinar\"\ndisqualify = \"low_intent\"\nwhen = { field = \"source\", eq = \"webinar\" }\n[[rules]]\nid = \"sales\"\nroute = \"sales\"\nwhen = { field = \"employees\", gte = 0 }\n[otherwise]\nroute = \"nurture\"\n";

fn run(
    data: &str,
) -> (
    tempfile::TempDir,
    policy::Policy,
    Dataset,
    suggest::Suggestions,
) {
    let (dir, p, ds) = crate::common::load_in_temp(data, MAPPING, POLICY);
    let s = suggest::suggest(&p, None, &ds, &Settings::default(), &|_, _| {}).unwrap();
    (dir, p, ds, s)
}

/// Each suggestion's text passes `check`, and an independent replay of it gives the stated figures.
fn stated_figures_hold(p: &policy::Policy, ds: &Dataset, s: &suggest::Suggestions) {
    for g in &s.suggestions {
        let q = policy::parse(leadpolicy::diag::Source::new(
            "suggested.toml",
            g.policy.clone(),
        ))
        .unwrap_or_else(|e| panic!("{}: {e:?}", g.id));
        assert!(
            policy::validate::check_against(&q, ds).is_empty(),
            "{}",
            g.id
        );
        let r = replay::replay(p, &q, ds).unwrap();
        assert_eq!(r.draft.metrics, g.metrics, "{}", g.id);
        assert_eq!(r.flips.flipped, g.changed_leads, "{}", g.id);
        assert_eq!(r.deltas, g.deltas, "{}", g.id);
    }
}

#[test]
fn a_segment_that_never_converts_and_is_sent_back_is_found() {
    // Education never converts and is sent back four times in five; the rest convert 30% of
    // the time and are sent back one time in five.
    let data = leads(3000, 11, |industry, _, r| {
        if industry == "education" {
            (false, r.next() < 0.8)
        } else {
            (r.next() < 0.3, r.next() < 0.2)
        }
    });
    let (_dir, p, ds, s) = run(&data);
    let found = s
        .suggestions
        .iter()
        .find(|g| g.kind == "add_disqualify")
        .unwrap_or_else(|| {
            panic!(
                "{:#?}",
                s.suggestions.iter().map(|g| &g.title).collect::<Vec<_>>()
            )
        });
    assert!(
        found.title.contains("industry = \"education\""),
        "{}",
        found.title
    );
    assert!(
        found.policy.contains("low_fit_segment"),
        "the reason is added"
    );
    assert!(
        found.gain.gain > 0 && found.holdout.holds,
        "{:?}",
        found.holdout
    );
    // It never allows anything new.
    let q = policy::parse(leadpolicy::diag::Source::new(
        "s.toml",
        found.policy.clone(),
    ))
    .unwrap();
    assert_eq!(q.allowed.len(), p.allowed.len());
    stated_figures_hold(&p, &ds, &s);
}

#[test]
fn a_disqualify_rule_whose_rejected_leads_convert_is_found() {
    // Webinar leads are disqualified but convert half the time; the others one time in five.
    let data = leads(3000, 12, |_, source, r| {
        let rate = if source == "webinar" { 0.5 } else { 0.2 };
        (r.next() < rate, r.next() < 0.2)
    });
    let (_dir, p, ds, s) = run(&data);
    let found = s
        .suggestions
        .iter()
        .find(|g| g.kind == "drop_disqualify")
        .unwrap_or_else(|| {
            panic!(
                "{:#?}",
                s.suggestions.iter().map(|g| &g.title).collect::<Vec<_>>()
            )
        });
    assert!(found.title.contains("dq-webinar"), "{}", found.title);
    assert!(!found.policy.contains("id = \"dq-webinar\""));
    assert!(found.gain.later_converted.unwrap() < 0);
    stated_figures_hold(&p, &ds, &s);
}

#[test]
fn data_without_a_pattern_gives_no_suggestion() {
    // Outcomes independent of every field, at the same rates everywhere.
    let data = leads(3000, 13, |_, _, r| (r.next() < 0.2, r.next() < 0.2));
    let (_dir, _p, _ds, s) = run(&data);
    assert!(
        s.suggestions.is_empty(),
        "{:#?}",
        s.suggestions
            .iter()
            .map(|g| (&g.title, &g.holdout.words))
            .collect::<Vec<_>>()
    );
    assert!(
        s.tried > 0,
        "candidates were tried and rejected, not skipped"
    );
}

#[test]
fn the_command_line_prints_the_objective_and_writes_each_policy() {
    let data = leads(3000, 11, |industry, _, r| {
        if industry == "education" {
            (false, r.next() < 0.8)
        } else {
            (r.next() < 0.3, r.next() < 0.2)
        }
    });
    let dir = temp_with(&[
        ("leads.csv", &data),
        ("mapping.toml", MAPPING),
        ("p.toml", POLICY),
    ]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_leadpolicy"))
        .current_dir(dir.path())
        .args([
            "suggest",
            "--policy",
            "p.toml",
            "--dataset",
            "mapping.toml",
            "--out",
            "s",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["objective"].as_str().unwrap().starts_with("gain = "));
    let first = &json["suggestions"][0];
    for key in [
        "id",
        "kind",
        "title",
        "why",
        "policy",
        "metrics",
        "deltas",
        "guardrails",
        "changed_leads",
        "holdout",
    ] {
        assert!(!first[key].is_null(), "{key}");
    }
    let file = dir
        .path()
        .join("s")
        .join(format!("{}.toml", first["id"].as_str().unwrap()));
    assert_eq!(
        std::fs::read_to_string(file).unwrap(),
        first["policy"].as_str().unwrap()
    );
    // The suggested file passes `check`.
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_leadpolicy"))
        .current_dir(dir.path())
        .args([
            "check",
            &format!("s/{}.toml", first["id"].as_str().unwrap()),
            "--dataset",
            "mapping.toml",
        ])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}
