//! The CLI as a user runs it: exit codes, output files, messages that name the place.

use assert_cmd::Command;

use crate::common::{root, sample_mapping, temp_with};

fn lp() -> Command {
    let mut c = Command::cargo_bin("leadpolicy").unwrap();
    c.current_dir(root());
    c
}

fn stdout_of(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn check_accepts_the_shipped_policies_against_the_sample() {
    let out = stdout_of(
        lp().args([
            "check",
            "policies/baseline.toml",
            "policies/draft.toml",
            "--dataset",
        ])
        .arg(sample_mapping()),
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        2,
        "{out}"
    );
}

#[test]
fn check_reports_problems_with_exit_1_and_locations() {
    let dir = temp_with(&[(
        "p.toml",
        "[policy]\nid = \"p\"\n[fields]\nallowed = [\"employees\"]\n[routes.s]\nkind = \"sales\"\n[[rules]]\nid = \"a\"\nroute = \"s\"\nwhen = { field = \"industry\", eq = \"x\" }\n",
    )]);
    let out = lp()
        .arg("check")
        .arg(dir.path().join("p.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("p.toml:10:18")
            && err.contains("field `industry` in rule `a` is not in [fields] allowed"),
        "{err}"
    );
    assert!(err.contains("1 problem found"), "{err}");
}

/// A catch-all written as a rule under `on_overlap = "review"` sends every lead another rule
/// claims to manual review: `check` says so and names `[otherwise]`; with `[otherwise]` the
/// warning is gone, the overlap too, and the packet says why the lead went there.
#[test]
fn a_catch_all_rule_under_review_is_warned_and_otherwise_replaces_it() {
    let leads = "lead_id,employees\nL1,10\nL2,500\nL3,20\nL4,30\n";
    let mapping = "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n";
    let head = "[policy]\nid = \"p\"\n[fields]\nallowed = [\"employees\"]\n[routes.s]\nkind = \"sales\"\nowner = \"A\"\n[routes.n]\nkind = \"nurture\"\n[[rules]]\nid = \"big\"\nroute = \"s\"\nwhen = { field = \"employees\", gte = 100 }\n";
    let rule = format!(
        "{head}[[rules]]\nid = \"rest\"\nroute = \"n\"\nwhen = {{ field = \"employees\", gte = 0 }}\n"
    );
    let otherwise = format!("{head}[otherwise]\nroute = \"n\"\n");
    let dir = temp_with(&[
        ("leads.csv", leads),
        ("mapping.toml", mapping),
        ("rule.toml", &rule),
        ("otherwise.toml", &otherwise),
    ]);
    let check = |file: &str| {
        let out = lp()
            .arg("check")
            .arg(dir.path().join(file))
            .arg("--dataset")
            .arg(dir.path().join("mapping.toml"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "a warning is not an error");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let warned = check("rule.toml");
    assert!(
        warned.contains("rule `rest` fires for 4 of the 4 leads in scope (100%)")
            && warned.contains("[otherwise] route = \"n\""),
        "{warned}"
    );
    assert!(!warned.contains("rule `big`"), "{warned}");
    assert_eq!(check("otherwise.toml"), "");

    let packet = |file: &str, lead: &str| {
        stdout_of(
            lp().arg("explain")
                .arg("--policy")
                .arg(dir.path().join(file))
                .arg("--dataset")
                .arg(dir.path().join("mapping.toml"))
                .args(["--lead", lead]),
        )
    };
    assert!(packet("rule.toml", "L2").contains("overlapping_routes"));
    let big = packet("otherwise.toml", "L2");
    assert!(
        big.contains("ACCEPTED → route s") && big.contains("rule `big`"),
        "{big}"
    );
    let rest = packet("otherwise.toml", "L1");
    assert!(
        rest.contains("NURTURE → route n")
            && rest.contains(
                "decided by rule `otherwise`: no routing rule fired; the policy's otherwise route applies"
            ),
        "{rest}"
    );
}

#[test]
fn check_against_a_dataset_finds_type_and_column_problems() {
    let dir = temp_with(&[
        ("leads.csv", "lead_id,employees,industry\nL1,10,software\n"),
        (
            "mapping.toml",
            "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n",
        ),
        (
            "p.toml",
            "[policy]\nid = \"p\"\n[fields]\nallowed = [\"employees\", \"industry\", \"revenue\"]\n[evidence]\nmin_enrichment_confidence = 0.5\n[routes.s]\nkind = \"sales\"\n[[rules]]\nid = \"a\"\nroute = \"s\"\nwhen = { any = [{ field = \"industry\", gt = 3 }, { field = \"employees\", contains = \"1\" }, { field = \"revenue\", gte = 1 }] }\n",
        ),
    ]);
    let out = lp()
        .arg("check")
        .arg(dir.path().join("p.toml"))
        .arg("--dataset")
        .arg(dir.path().join("mapping.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`gt` on `industry` in rule `a`: the field is text"),
        "{err}"
    );
    assert!(
        err.contains("`contains` on `employees` in rule `a`: the field is a number"),
        "{err}"
    );
    assert!(
        err.contains("field `revenue` in rule `a` is not a column"),
        "{err}"
    );
    assert!(
        err.contains("no `enrichment_confidence` role") && err.contains("p.toml:6:29"),
        "{err}"
    );
    assert!(err.contains("4 problems found"), "{err}");
}

#[test]
fn decide_writes_exactly_the_contract_columns() {
    let dir = temp_with(&[]);
    let csv = dir.path().join("d.csv");
    let out = stdout_of(
        lp().args(["decide", "--policy", "policies/draft.toml", "--dataset"])
            .arg(sample_mapping())
            .arg("--out")
            .arg(&csv),
    );
    assert!(out.starts_with("decided "), "{out}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "lead_id,decision,rule,reason,unresolved_reasons,route,owner,sla_minutes"
    );
    let rows: Vec<&str> = lines.collect();
    let ds = leadpolicy::dataset::Dataset::load(&sample_mapping()).unwrap();
    assert_eq!(rows.len(), ds.len());
    // The streamed CSV says exactly what the decision table says, lead by lead.
    let p = leadpolicy::policy::load(&root().join("policies/draft.toml")).unwrap();
    let table = crate::common::records(&leadpolicy::engine::decide(&p, &ds).unwrap());
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    for (row, want) in rdr.records().map(Result::unwrap).zip(&table) {
        let opt = |i: usize| Some(row[i].to_string()).filter(|s| !s.is_empty());
        assert_eq!(row[0], want.lead_id);
        assert_eq!(row[1], want.decision);
        assert_eq!(
            (opt(2), opt(3), opt(4), opt(5), opt(6)),
            (
                want.rule.clone(),
                want.reason.clone(),
                want.unresolved_reasons.clone(),
                want.route.clone(),
                want.owner.clone()
            ),
            "{}",
            want.lead_id
        );
        assert_eq!(opt(7).map(|s| s.parse::<f64>().unwrap()), want.sla_minutes);
    }
    // Rows keep the input order.
    let first_id = ds
        .frame
        .column(&ds.id)
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert!(rows[0].starts_with(&format!("{first_id},")));
    // An accepted lead has a whole-number SLA written without a decimal point.
    let accepted = rows
        .iter()
        .find(|r| r.split(',').nth(1) == Some("accepted"))
        .unwrap();
    let sla = accepted.rsplit(',').next().unwrap();
    assert!(!sla.is_empty() && sla.parse::<u32>().is_ok(), "{accepted}");

    // JSON and Parquet carry the same decisions.
    let json = dir.path().join("d.json");
    stdout_of(
        lp().args(["decide", "--policy", "policies/draft.toml", "--dataset"])
            .arg(sample_mapping())
            .arg("--out")
            .arg(&json),
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), rows.len());
    let un = arr.iter().find(|r| r["decision"] == "unresolved").unwrap();
    assert!(
        un["rule"].is_null() && un["sla_minutes"].is_null() && un["unresolved_reasons"].is_string()
    );
    let pq = dir.path().join("d.parquet");
    stdout_of(
        lp().args(["decide", "--policy", "policies/draft.toml", "--dataset"])
            .arg(sample_mapping())
            .arg("--out")
            .arg(&pq),
    );
    use polars::prelude::SerReader;
    let df = polars::prelude::ParquetReader::new(std::fs::File::open(&pq).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), rows.len());
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "lead_id",
            "decision",
            "rule",
            "reason",
            "unresolved_reasons",
            "route",
            "owner",
            "sla_minutes"
        ]
    );
}

#[test]
fn decide_refuses_an_unknown_output_format_with_exit_2() {
    let out = lp()
        .args(["decide", "--policy", "policies/draft.toml", "--dataset"])
        .arg(sample_mapping())
        .args(["--out", "/tmp/x.xlsx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use a .csv, .json or .parquet"));
}

#[test]
fn decide_on_a_missing_dataset_names_the_file_with_exit_2() {
    let out = lp()
        .args([
            "decide",
            "--policy",
            "policies/draft.toml",
            "--dataset",
            "nope/mapping.toml",
            "--out",
            "/tmp/x.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope/mapping.toml"));
}

#[test]
fn explain_tells_the_same_story_as_decide() {
    let dir = temp_with(&[]);
    let csv = dir.path().join("d.csv");
    stdout_of(
        lp().args(["decide", "--policy", "policies/draft.toml", "--dataset"])
            .arg(sample_mapping())
            .arg("--out")
            .arg(&csv),
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rejected = rdr
        .records()
        .map(Result::unwrap)
        .find(|r| &r[1] == "rejected")
        .unwrap();
    let lead = rejected[0].to_string();
    let human = stdout_of(
        lp().args(["explain", "--policy", "policies/draft.toml", "--dataset"])
            .arg(sample_mapping())
            .args(["--lead", &lead]),
    );
    assert!(human.contains(&format!("Lead {lead}")), "{human}");
    assert!(human.contains("Decision   REJECTED"), "{human}");
    assert!(
        human.contains(&format!("decided by rule `{}`", &rejected[2])),
        "{human}"
    );
    let json = stdout_of(
        lp().args([
            "explain",
            "--json",
            "--policy",
            "policies/draft.toml",
            "--dataset",
        ])
        .arg(sample_mapping())
        .args(["--lead", &lead]),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["decision"], "rejected");
    assert_eq!(v["rule"], &rejected[2]);
    assert_eq!(v["reason"], &rejected[3]);
    assert!(v["signals"].as_array().unwrap().len() >= 3);
}

#[test]
fn explain_an_unknown_lead_says_so() {
    let out = lp()
        .args(["explain", "--policy", "policies/draft.toml", "--dataset"])
        .arg(sample_mapping())
        .args(["--lead", "NOPE-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lead `NOPE-1` is not in the dataset"));
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let dir = temp_with(&[]);
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    for (d, seed) in [(&a, "5"), (&b, "5"), (&c, "6")] {
        stdout_of(
            lp().args(["generate", "--rows", "500", "--seed", seed, "--out"])
                .arg(d),
        );
    }
    let read = |d: &std::path::Path| std::fs::read(d.join("leads.csv")).unwrap();
    assert_eq!(read(&a), read(&b));
    assert_ne!(read(&a), read(&c));
    assert_eq!(
        std::fs::read(a.join("deals.csv")).unwrap(),
        std::fs::read(b.join("deals.csv")).unwrap()
    );
    // What it writes loads as a dataset with 500 leads.
    let ds = leadpolicy::dataset::Dataset::load(&a.join("mapping.toml")).unwrap();
    assert_eq!(ds.len(), 500);
    assert!(ds.has_converted);
}

/// `replay --engine URL` of the shipped policies on the sample, with `extra` arguments: the
/// exit code and what it said.
fn replay_in(url: &str, extra: &[&str]) -> (Option<i32>, String) {
    let out = lp()
        .args([
            "replay",
            "--baseline",
            "policies/baseline.toml",
            "--draft",
            "policies/draft.toml",
            "--engine",
            url,
        ])
        .args(extra)
        .arg("--dataset")
        .arg(sample_mapping())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn replay_in_an_engine_says_what_it_cannot_do_in_words() {
    // A cohort narrows the table in the database, not here.
    let (code, err) = replay_in("postgres://nobody@localhost/none", &["--source", "web"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("narrow the table in the database"), "{err}");
    // Not a PostgreSQL URL.
    let (_, err) = replay_in("duckdb:leads.db", &[]);
    assert!(err.contains("is not one"), "{err}");
    // No server there: the connection error in words, without a Rust type name.
    let dir = temp_with(&[]);
    let url = format!(
        "postgres://nobody@localhost/none?host={}",
        dir.path().display()
    );
    let (code, err) = replay_in(&url, &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("PostgreSQL: cannot connect") && !err.contains("Error {"),
        "{err}"
    );
}

#[test]
fn the_replay_compiles_to_one_query_of_figures() {
    let sql = stdout_of(
        lp().args([
            "sql",
            "--replay",
            "--baseline",
            "policies/baseline.toml",
            "--draft",
            "policies/draft.toml",
            "--dialect",
            "postgres",
            "--dataset",
        ])
        .arg(sample_mapping()),
    );
    assert!(sql.starts_with("-- The replay of policy"), "{sql}");
    // Both policies decide in the same layers; the figures come out as rows.
    assert!(sql.contains("b_decision") && sql.contains("d_decision"));
    assert!(sql.contains("'flips.matrix'") && sql.contains("'routing_time'"));
    assert!(
        sql.ends_with("FROM es;\n")
            || sql.ends_with("FROM rt;\n")
            || sql.ends_with("FROM a WHERE gk = '';\n"),
        "one statement"
    );
    // --policy and --replay do not go together.
    let out = lp()
        .args([
            "sql",
            "--replay",
            "--policy",
            "policies/draft.toml",
            "--dialect",
            "duckdb",
            "--dataset",
        ])
        .arg(sample_mapping())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
