//! The contract in docs/semantics.md is tested: its example mapping loads the sample export, its
//! example policy checks and decides, and its worked example's table is what the engine (and
//! the packet evaluator) decide for leads built as the table describes them.

use leadpolicy::dataset::Dataset;
use leadpolicy::diag::Source;
use leadpolicy::engine::{self, explain::explain_row};
use leadpolicy::policy;

use crate::common::{records, root};

fn semantics() -> String {
    std::fs::read_to_string(root().join("docs/semantics.md")).unwrap()
}

/// The fenced TOML block whose first line is `# example: NAME`.
fn example(doc: &str, name: &str) -> String {
    let marker = format!("```toml\n# example: {name}\n");
    let start = doc
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/semantics.md has no `{name}` example"))
        + "```toml\n".len();
    let end = start + doc[start..].find("\n```").unwrap();
    doc[start..end].to_string()
}

const HEADER: &str = "Lead ID,Created Date,Lead Source,Campaign,Form,Company,Email Domain,Employees,Industry,Annual Revenue,Job Title,Job Level,Country,Postal Code,Age Band,Gender,Engagement Score,Total Time Spent on Website,Pages Viewed,CRM Match,Enrichment Source,Enrichment Confidence,Enrichment Error,Account Owner,Territory,SDR Route,First Touch Minutes,Seller Outcome,Meeting,Seller Feedback";

/// A lead row with the sample's header: the named cells set, every other cell empty.
fn lead(cells: &[(&str, &str)]) -> String {
    HEADER
        .split(',')
        .map(|h| cells.iter().find(|(k, _)| *k == h).map_or("", |(_, v)| *v))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn the_example_mapping_loads_the_sample_and_the_example_policy_decides_it() {
    let doc = semantics();
    let dir = tempfile::tempdir().unwrap();
    for f in ["leads.csv", "deals.csv"] {
        std::fs::copy(root().join("fixtures/sample").join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("mapping.toml"), example(&doc, "mapping")).unwrap();
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    let sample = Dataset::load(&root().join("fixtures/sample/mapping.toml")).unwrap();
    assert_eq!(ds.len(), sample.len());
    let p = policy::parse(Source::new("example.toml", example(&doc, "policy"))).unwrap();
    let counts = engine::counts(&engine::decide_codes(&p, &ds).unwrap());
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), ds.len());
    assert!(counts.iter().all(|(_, n)| *n > 0), "{counts:?}");
}

#[test]
fn the_worked_example_is_what_the_engine_decides() {
    let doc = semantics();
    let dir = tempfile::tempdir().unwrap();
    let common = [
        ("Lead Source", "demo_request"),
        ("Email Domain", "acme.com"),
        ("Enrichment Confidence", "0.9"),
    ];
    let with = |id: &str, cells: &[(&'static str, &'static str)]| {
        let mut all: Vec<(&str, &str)> = vec![("Lead ID", id)];
        for c in cells.iter().chain(common.iter()) {
            if !all.iter().any(|(k, _)| k == &c.0) {
                all.push(*c);
            }
        }
        lead(&all)
    };
    let rows = [
        with(
            "A",
            &[("Job Level", "student"), ("Enrichment Confidence", "0.3")],
        ),
        with(
            "B",
            &[
                ("Job Level", "manager"),
                ("CRM Match", "new"),
                ("Industry", "software"),
                ("Enrichment Confidence", "0.4"),
            ],
        ),
        with(
            "C",
            &[
                ("CRM Match", "existing_account"),
                ("Job Level", "vp"),
                ("Employees", "850"),
                ("Industry", "fintech"),
                ("Account Owner", "Sam Okafor"),
            ],
        ),
        with(
            "D",
            &[
                ("CRM Match", "new"),
                ("Job Level", "director"),
                ("Employees", "1200"),
                ("Industry", "software"),
                ("Engagement Score", "30"),
            ],
        ),
        with(
            "E",
            &[
                ("CRM Match", "N/A"),
                ("Job Level", "manager"),
                ("Employees", "40"),
                ("Industry", "retail"),
                ("Engagement Score", "20"),
            ],
        ),
        with(
            "F",
            &[
                ("CRM Match", "new"),
                ("Job Level", "manager"),
                ("Employees", "40"),
                ("Industry", "retail"),
                ("Engagement Score", "20"),
            ],
        ),
        with("G", &[("Lead Source", "Select")]),
        with(
            "H",
            &[
                ("CRM Match", "existing_account"),
                ("Employees", "120"),
                ("Industry", "retail"),
            ],
        ),
    ];
    std::fs::write(
        dir.path().join("leads.csv"),
        format!("{HEADER}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("deals.csv"),
        "Lead ID,Deal ID,Amount,Closed Date\nA,D1,100,2025-03-01\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("mapping.toml"), example(&doc, "mapping")).unwrap();
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    let p = policy::parse(Source::new("example.toml", example(&doc, "policy"))).unwrap();
    let recs = records(&engine::decide(&p, &ds).unwrap());

    // The table rows of the worked example: | lead | what | decision | rule | reason | unresolved |
    let section = &doc[doc.find("### Worked example").unwrap()..];
    let mut expected: Vec<(String, [String; 4])> = section
        .lines()
        .filter(|l| l.starts_with("| ") && l.len() > 4 && l.as_bytes()[3] == b' ')
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            (
                cells[0].clone(),
                [
                    cells[2].clone(),
                    cells[3].clone(),
                    cells[4].clone(),
                    cells[5].clone(),
                ],
            )
        })
        .collect();
    assert_eq!(
        expected.len(),
        6,
        "the worked example's table changed shape"
    );
    // The two leads the text adds below the table.
    expected.push((
        "G".into(),
        ["out_of_scope".into(), "".into(), "".into(), "".into()],
    ));
    expected.push((
        "H".into(),
        ["unresolved".into(), "".into(), "".into(), "no_owner".into()],
    ));
    for (i, (id, [decision, rule, reason, unresolved])) in expected.iter().enumerate() {
        let r = &recs[i];
        assert_eq!(&r.lead_id, id);
        let got = [
            r.decision.clone(),
            r.rule.clone().unwrap_or_default(),
            r.reason.clone().unwrap_or_default(),
            r.unresolved_reasons.clone().unwrap_or_default(),
        ];
        assert_eq!(
            got,
            [
                decision.clone(),
                rule.clone(),
                reason.clone(),
                unresolved.clone()
            ],
            "lead {id}"
        );
        assert_eq!(&explain_row(&p, &ds, i).unwrap().record(), r, "lead {id}");
    }
}
