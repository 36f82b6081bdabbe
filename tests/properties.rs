//! Properties over generated input (proptest):
//! - the vectorised engine and the packet evaluator agree on every lead of random policies over
//!   random data, and so does the policy crate deciding each lead alone from its cells (a
//!   routing system's path, without a dataset) (condition trees over typed columns with missing values, random rule orders,
//!   scopes, gates with required fields, approved sources and confidence minimums, overlap
//!   modes and owners);
//! - the policy reader, the mapping reader and the CSV loader take arbitrary bytes and mutated
//!   valid files without panicking: always a value or located diagnostics.
//!
//! Case counts: `PROPTEST_CASES` overrides every property's count (e.g. `PROPTEST_CASES=100000`
//! for a long local campaign); the defaults keep `cargo test` within a few seconds each.

use std::fmt::Write as _;
use std::path::Path;

use leadpolicy::dataset::Dataset;
use leadpolicy::diag::Source;
use leadpolicy::engine::{self, explain::explain_row};
use leadpolicy::policy::{self, Role, packet};
use proptest::prelude::*;

use crate::common::records;

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A small deterministic generator: one proptest seed gives one policy and one dataset.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// A non-empty subset, in the order given.
    fn subset<'a>(&mut self, items: &[&'a str]) -> Vec<&'a str> {
        loop {
            let s: Vec<&str> = items.iter().copied().filter(|_| self.chance(50)).collect();
            if !s.is_empty() {
                return s;
            }
        }
    }
}

const NUMBERS: [&str; 9] = ["", "N/A", "-1", "0", "1.5", "2", "10", "200", "007"];
const TEXTS: [&str; 9] = [
    "",
    "N/A",
    "alpha",
    "Beta",
    "beta",
    "gamma x",
    "Ünïcode",
    "ALPHA beta",
    "straße",
];
const SOURCES: [&str; 4] = ["", "web", "event", "partner"];
const CONFIDENCES: [&str; 5] = ["", "0.2", "0.6", "0.9", "1"];
const OWNERS: [&str; 3] = ["", "Ana", "Bo"];
const PROVIDERS: [&str; 5] = ["", "clearbit", "zoominfo", "apollo", "Clearbit"];
const NUM_FIELDS: [&str; 2] = ["n1", "n2"];
const TEXT_FIELDS: [&str; 2] = ["t1", "t2"];
const NUM_LITERALS: [&str; 6] = ["-1", "0", "1.5", "2", "7", "200"];
const TEXT_LITERALS: [&str; 6] = ["alpha", "beta", "Beta", "gamma x", "Ünïcode", "nothing"];
const PATTERNS: [&str; 5] = ["^a", "a$", "(?i)beta", "^$", "ü|ß"];
const SUBSTRINGS: [&str; 5] = ["ALP", "a", "ÜNÏ", "STRASSE", "x"];

fn cell(rng: &mut Rng, values: &[&str]) -> String {
    let v = rng.pick(values);
    // Surrounding spaces are trimmed at load: every operator must see the trimmed value.
    if !v.is_empty() && rng.chance(15) {
        format!("  {v} ")
    } else {
        v.to_string()
    }
}

fn dataset(rng: &mut Rng, dir: &Path) {
    let rows = 1 + rng.below(40);
    let mut csv = String::from("lead_id,src,n1,n2,t1,t2,conf,owner,prov\n");
    for i in 0..rows {
        let _ = writeln!(
            csv,
            "L{i},{},{},{},{},{},{},{},{}",
            cell(rng, &SOURCES),
            cell(rng, &NUMBERS),
            cell(rng, &NUMBERS),
            cell(rng, &TEXTS),
            cell(rng, &TEXTS),
            cell(rng, &CONFIDENCES),
            cell(rng, &OWNERS),
            cell(rng, &PROVIDERS),
        );
    }
    std::fs::write(dir.join("leads.csv"), csv).unwrap();
    std::fs::write(
        dir.join("mapping.toml"),
        r#"[dataset]
name = "generated"
leads = "leads.csv"
id = "lead_id"
missing = ["", "N/A"]

[columns]
n1 = { type = "number" }
n2 = { type = "number" }
t1 = { type = "text" }
t2 = { type = "text" }
conf = { type = "number" }
owner = { type = "text" }
src = { type = "text" }
prov = { type = "text" }

[roles]
enrichment_source = "prov"
source = "src"
enrichment_confidence = "conf"
account_owner = "owner"
"#,
    )
    .unwrap();
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn condition(rng: &mut Rng, depth: usize, signals: usize) -> String {
    let branch = if depth == 0 { 10 } else { rng.below(13) };
    match branch {
        10 if signals > 0 && rng.chance(30) => {
            format!("{{ signal = \"s{}\" }}", rng.below(signals))
        }
        10 | 0..=3 => {
            if rng.chance(50) {
                let f = rng.pick(&NUM_FIELDS);
                match rng.below(7) {
                    0 => format!("{{ field = \"{f}\", missing = {} }}", rng.chance(50)),
                    1 => format!(
                        "{{ field = \"{f}\", in = [{}] }}",
                        rng.subset(&NUM_LITERALS).join(", ")
                    ),
                    2 => format!(
                        "{{ field = \"{f}\", not_in = [{}] }}",
                        rng.subset(&NUM_LITERALS).join(", ")
                    ),
                    _ => {
                        let op = rng.pick(&["eq", "ne", "gt", "gte", "lt", "lte"]);
                        format!("{{ field = \"{f}\", {op} = {} }}", rng.pick(&NUM_LITERALS))
                    }
                }
            } else {
                let f = rng.pick(&TEXT_FIELDS);
                match rng.below(7) {
                    0 => format!("{{ field = \"{f}\", missing = {} }}", rng.chance(50)),
                    1 => format!(
                        "{{ field = \"{f}\", in = [{}] }}",
                        quoted(&rng.subset(&TEXT_LITERALS))
                    ),
                    2 => format!(
                        "{{ field = \"{f}\", not_in = [{}] }}",
                        quoted(&rng.subset(&TEXT_LITERALS))
                    ),
                    3 => format!(
                        "{{ field = \"{f}\", contains = \"{}\" }}",
                        rng.pick(&SUBSTRINGS)
                    ),
                    4 => format!(
                        "{{ field = \"{f}\", matches = \"{}\" }}",
                        rng.pick(&PATTERNS)
                    ),
                    _ => {
                        let op = rng.pick(&["eq", "ne"]);
                        format!(
                            "{{ field = \"{f}\", {op} = \"{}\" }}",
                            rng.pick(&TEXT_LITERALS)
                        )
                    }
                }
            }
        }
        4..=6 | 11 => {
            let kind = if rng.chance(50) { "all" } else { "any" };
            let n = 1 + rng.below(3);
            let parts: Vec<String> = (0..n).map(|_| condition(rng, depth - 1, signals)).collect();
            format!("{{ {kind} = [{}] }}", parts.join(", "))
        }
        7 | 12 => format!("{{ not = {} }}", condition(rng, depth - 1, signals)),
        _ => condition(rng, 0, signals),
    }
}

fn random_policy(rng: &mut Rng) -> String {
    let mut p = String::from("[policy]\nid = \"generated\"\nname = \"Generated\"\nversion = 1\n\n");
    if rng.chance(30) {
        let _ = writeln!(
            p,
            "[scope]\nsource = [{}]\n",
            quoted(&rng.subset(&["web", "event", "partner", "elsewhere"]))
        );
    }
    p.push_str("[fields]\nallowed = [\"n1\", \"n2\", \"t1\", \"t2\"]\n\n[evidence]\n");
    if rng.chance(40) {
        let all = ["n1", "n2", "t1", "t2"];
        let _ = writeln!(p, "required = [{}]", quoted(&rng.subset(&all)));
    }
    if rng.chance(30) {
        let _ = writeln!(
            p,
            "approved_sources = [{}]",
            quoted(&rng.subset(&["clearbit", "zoominfo", "apollo"]))
        );
    }
    if rng.chance(40) {
        let _ = writeln!(
            p,
            "min_enrichment_confidence = {}",
            rng.pick(&["0.6", "0.9", "0.2"])
        );
    }
    let _ = writeln!(p, "on_overlap = \"{}\"\n", rng.pick(&["review", "first"]));
    // Signals refer only to earlier signals, so there is never a cycle.
    let signals = rng.below(3);
    for i in 0..signals {
        let _ = writeln!(p, "[signals.s{i}]\nwhen = {}\n", condition(rng, 2, i));
    }
    p.push_str("[reasons]\nr1 = \"Reason one\"\nr2 = \"Reason two\"\n\n");
    p.push_str(
        "[routes.sa]\nkind = \"sales\"\nqueue = \"A\"\nowner = \"Team A\"\nsla_minutes = 30\n\n",
    );
    let owner = if rng.chance(50) {
        "{ field = \"owner\", fallback = \"Pool\" }"
    } else {
        "{ field = \"owner\" }"
    };
    let _ = writeln!(
        p,
        "[routes.sb]\nkind = \"sales\"\nqueue = \"B\"\nowner = {owner}\nsla_minutes = 60\n"
    );
    p.push_str("[routes.nu]\nkind = \"nurture\"\n\n");
    // Zero rules too: a policy can be nothing but `[otherwise]` (a starter policy is).
    for i in 0..rng.below(7) {
        let action = if rng.chance(35) {
            format!("disqualify = \"{}\"", rng.pick(&["r1", "r2"]))
        } else {
            format!("route = \"{}\"", rng.pick(&["sa", "sb", "nu"]))
        };
        let _ = writeln!(
            p,
            "[[rules]]\nid = \"rule{i}\"\n{action}\nwhen = {}\n",
            condition(rng, 3, signals)
        );
    }
    if rng.chance(40) {
        let _ = writeln!(
            p,
            "[otherwise]\nroute = \"{}\"\n",
            rng.pick(&["sa", "sb", "nu"])
        );
    }
    p
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn engine_and_packets_agree_on_random_policies_and_data(seed in any::<u64>()) {
        let mut rng = Rng(seed | 1);
        let dir = tempfile::tempdir().unwrap();
        dataset(&mut rng, dir.path());
        let text = random_policy(&mut rng);
        let p = policy::parse(Source::new("generated.toml", text.clone()))
            .unwrap_or_else(|d| panic!("the generated policy does not parse:\n{d}\n{text}"));
        let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
        let df = engine::decide(&p, &ds)
            .unwrap_or_else(|e| panic!("the generated policy does not decide: {e}\n{text}"));
        let recs = records(&df);
        prop_assert_eq!(recs.len(), ds.len());
        let csv = std::fs::read_to_string(dir.path().join("leads.csv")).unwrap();
        let embedded = embedded_leads(&csv);
        for (i, rec) in recs.iter().enumerate() {
            let packet = explain_row(&p, &ds, i).unwrap().record();
            prop_assert_eq!(&packet, rec, "lead {} disagrees\npolicy:\n{}\nleads:\n{}", i, text, csv);
            // A routing system's path: the policy crate alone, on the lead's cells as given.
            let live = packet::explain(&p, &embedded[i], ()).record();
            prop_assert_eq!(&live, rec, "lead {} decided alone disagrees\npolicy:\n{}\nleads:\n{}", i, text, csv);
        }
    }
}

/// The generated leads as a routing system would hand them to the policy crate one at a time:
/// each cell read with the mapping's type and missing tokens, and the mapping's roles.
fn embedded_leads(csv: &str) -> Vec<packet::Fields> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let mut lead = packet::Fields::new(cells[0]);
            for (name, cell) in header.iter().zip(&cells).skip(1) {
                let ty = if ["n1", "n2", "conf"].contains(name) {
                    policy::FieldType::Number
                } else {
                    policy::FieldType::Text
                };
                let value = packet::Value::from_cell(cell, ty, &["", "N/A"]).unwrap();
                lead = lead.with(*name, value);
            }
            lead.with_role(Role::Source, "src")
                .with_role(Role::EnrichmentSource, "prov")
                .with_role(Role::EnrichmentConfidence, "conf")
                .with_role(Role::AccountOwner, "owner")
        })
        .collect()
}

/// A valid file with a few random edits: deleted, inserted and replaced bytes.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    let len = base.len();
    prop::collection::vec((0..len, 0..8usize, any::<u8>(), 0..3u8), 1..6).prop_map(move |edits| {
        let mut bytes = base.as_bytes().to_vec();
        for (at, n, b, kind) in edits {
            let at = at.min(bytes.len());
            match kind {
                0 => {
                    let end = (at + n).min(bytes.len());
                    bytes.drain(at..end);
                }
                1 => bytes.insert(at, b),
                _ if at < bytes.len() => bytes[at] = b,
                _ => bytes.push(b),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Diagnostics from a reader must each point into the file.
fn located(d: &leadpolicy::diag::Diagnostics, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!d.is_empty(), "an error without a diagnostic");
    let lines = text.split('\n').count().max(1);
    for x in &d.0 {
        prop_assert!(
            x.line >= 1 && x.line <= lines && x.column >= 1,
            "diagnostic at {}:{} outside the {} lines of the file: {}",
            x.line,
            x.column,
            lines,
            x.message
        );
        prop_assert!(!x.message.is_empty());
    }
    Ok(())
}

const DRAFT: &str = include_str!("../policies/draft.toml");
const MAPPING: &str = include_str!("../fixtures/sample/mapping.toml");

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn the_policy_reader_never_panics_on_arbitrary_text(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Err(d) = policy::parse(Source::new("fuzz.toml", text.clone())) {
            located(&d, &text)?;
        }
    }

    #[test]
    fn the_policy_reader_locates_every_problem_in_mutated_policies(text in mutated(DRAFT)) {
        if let Err(d) = policy::parse(Source::new("fuzz.toml", text.clone())) {
            located(&d, &text)?;
        }
    }

    #[test]
    fn the_mapping_reader_never_panics(text in prop_oneof![
        mutated(MAPPING),
        prop::collection::vec(any::<u8>(), 0..300).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]) {
        match leadpolicy::dataset::mapping::Mapping::parse(Source::new("fuzz.toml", text.clone())) {
            Ok(_) => {}
            Err(leadpolicy::Error::Invalid(d)) => located(&d, &text)?,
            Err(other) => prop_assert!(!other.to_string().is_empty()),
        }
    }

    #[test]
    fn the_csv_loader_never_panics_on_arbitrary_bytes(
        head in prop::sample::select(vec!["lead_id,a,b\n", "lead_id;a\n", "\u{feff}lead_id,a\n", ""]),
        body in prop::collection::vec(
            prop_oneof![
                Just(b"L1,".to_vec()), Just(b"\"q,\"\"x\"\"\n\"".to_vec()), Just(b",\n".to_vec()),
                Just(b"\r\n".to_vec()), Just("é".as_bytes().to_vec()), Just(vec![0xff, 0xfe]),
                prop::collection::vec(any::<u8>(), 1..6),
            ],
            0..30,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = head.as_bytes().to_vec();
        bytes.extend(body.concat());
        std::fs::write(dir.path().join("leads.csv"), &bytes).unwrap();
        std::fs::write(dir.path().join("mapping.toml"), crate::common::DEFAULT_MAPPING).unwrap();
        match Dataset::load(&dir.path().join("mapping.toml")) {
            Ok(ds) => prop_assert!(!ds.is_empty()),
            Err(e) => {
                let said = e.to_string();
                prop_assert!(said.contains("leads.csv") || said.contains("mapping.toml"), "not located: {said}");
            }
        }
    }
}

#[test]
fn the_generator_makes_policies_that_decide_every_kind_of_lead() {
    // The agreement property is only as good as the policies it draws: across a few hundred
    // seeds every decision and every unresolved reason must appear.
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..300u64 {
        let mut rng = Rng(seed);
        let dir = tempfile::tempdir().unwrap();
        dataset(&mut rng, dir.path());
        let p = policy::parse(Source::new("g.toml", random_policy(&mut rng))).unwrap();
        let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
        let recs = records(&engine::decide(&p, &ds).unwrap());
        seen.extend(recs.iter().map(|r| r.decision.clone()));
        seen.extend(crate::common::reason_kinds(&recs));
    }
    for expected in [
        "accepted",
        "nurture",
        "rejected",
        "unresolved",
        "out_of_scope",
        "missing_field",
        "unapproved_enrichment_source",
        "low_enrichment_confidence",
        "no_rule_matched",
        "overlapping_routes",
        "no_owner",
    ] {
        assert!(
            seen.contains(expected),
            "never generated: {expected} (seen {seen:?})"
        );
    }
}
