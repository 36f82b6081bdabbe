//! Your own exports: every encoding, delimiter and file kind that CRMs and spreadsheets write
//! loads to the same leads; `data infer` picks what a RevOps person would; `policy new` gives a
//! policy that passes `check` and replays every lead. The exports in tests/fixtures/import are
//! written by its make.py (a Salesforce report in six forms, a HubSpot contacts export with its
//! deals export, an education company's export with "Select" left as the form default).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use leadpolicy::dataset::Dataset;
use leadpolicy::infer::{self, Certainty, Inference};
use leadpolicy::{engine, policy};

use crate::common::{load_err, root};
use leadpolicy::policy::Role;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/import").join(name)
}

/// Infer, write the mapping into a temp folder, load it: what a user gets from `data infer`.
fn infer_and_load(leads: &str, outcomes: Option<&str>) -> (Inference, Dataset, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let inf = infer::infer(
        &fixture(leads),
        outcomes.map(fixture).as_deref(),
        None,
        dir.path(),
    )
    .unwrap_or_else(|e| panic!("infer {leads}: {e}"));
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, infer::render::mapping(&inf)).unwrap();
    let ds = Dataset::load(&mapping).unwrap_or_else(|e| {
        panic!(
            "the mapping for {leads} does not load:\n{e}\n{}",
            std::fs::read_to_string(&mapping).unwrap()
        )
    });
    (inf, ds, dir)
}

fn role<'a>(inf: &'a Inference, role: &str) -> Option<&'a infer::ColumnGuess> {
    inf.columns
        .iter()
        .find(|c| c.role.as_ref().is_some_and(|r| r.role.as_str() == role))
}

fn column<'a>(inf: &'a Inference, header: &str) -> &'a infer::ColumnGuess {
    inf.columns
        .iter()
        .find(|c| c.header == header)
        .unwrap_or_else(|| panic!("no column {header}"))
}

fn texts(ds: &Dataset, field: &str) -> Vec<Option<String>> {
    ds.text_column(field)
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// The reference: the Salesforce report as CSV, read independently with the csv crate.
fn reference_rows() -> Vec<csv::StringRecord> {
    let bytes = std::fs::read(fixture("salesforce_leads.csv")).unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap().to_string();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_same_report_reads_alike_in_every_encoding_delimiter_and_workbook() {
    let reference = reference_rows();
    let employees: Vec<Option<f64>> = reference
        .iter()
        .map(|r| r.get(10).and_then(|v| v.parse().ok()))
        .collect();
    let cities: Vec<Option<String>> = reference
        .iter()
        .map(|r| r.get(13).filter(|v| !v.is_empty()).map(str::to_string))
        .collect();
    let converted = reference.iter().filter(|r| &r[16] == "1").count();
    for (file, encoding, delimiter) in [
        ("salesforce_leads.csv", None, None),
        (
            "salesforce_leads_excel.csv",
            Some("windows-1252"),
            Some(";"),
        ),
        ("salesforce_leads_unicode.txt", Some("utf-16le"), Some("\t")),
        ("salesforce_leads_pipe.csv", None, Some("|")),
        ("salesforce_leads.xlsx", None, None),
        ("salesforce_leads.xls", None, None),
        ("salesforce_leads.ods", None, None),
    ] {
        let (inf, ds, _dir) = infer_and_load(file, None);
        assert_eq!(inf.encoding.as_deref(), encoding, "{file}");
        assert_eq!(inf.delimiter.as_deref(), delimiter, "{file}");
        assert_eq!(ds.len(), reference.len(), "{file}: every lead");
        assert_eq!(inf.id.as_deref(), Some("Lead ID"), "{file}");
        // Numbers stay numbers, whatever the file kind.
        let field = &column(&inf, "No. of Employees").field;
        assert_eq!(
            ds.field(field).map(|f| f.ty.as_str()),
            Some("number"),
            "{file}"
        );
        let got: Vec<Option<f64>> = ds
            .frame
            .column(field)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(got, employees, "{file}: employees");
        // Accents survive every encoding.
        assert_eq!(texts(&ds, "city"), cities, "{file}: cities");
        // Every conversion counted.
        let conv = ds.converted().unwrap().unwrap();
        assert_eq!(conv.iter().filter(|c| **c).count(), converted, "{file}");
        // The quoted line break stays inside its cell.
        let description = texts(&ds, "description");
        assert_eq!(
            description[0].as_deref(),
            Some("Asked for a demo,\nfollow up next week"),
            "{file}"
        );
    }
}

#[test]
fn a_salesforce_report_gets_the_roles_a_revops_person_would_choose() {
    let (inf, ds, _dir) = infer_and_load("salesforce_leads.csv", None);
    assert_eq!(
        role(&inf, "source").map(|c| c.header.as_str()),
        Some("Lead Source")
    );
    assert_eq!(
        role(&inf, "account_owner").map(|c| c.header.as_str()),
        Some("Lead Owner")
    );
    let created = role(&inf, "created_at").unwrap();
    assert_eq!(created.header, "Created Date");
    assert_eq!(
        created.role.as_ref().unwrap().format.as_deref(),
        Some("%m/%d/%Y %I:%M %p")
    );
    let conv = role(&inf, "converted").unwrap();
    assert_eq!(conv.role.as_ref().unwrap().truthy, ["1"]);
    assert_eq!(conv.role.as_ref().unwrap().certainty, Certainty::Sure);
    assert!(column(&inf, "Gender").sensitive.is_some());
    assert!(
        column(&inf, "Country")
            .sensitive
            .as_deref()
            .is_some_and(|w| w.contains("proxy"))
    );
    assert!(column(&inf, "Lead Status").recorded_later.is_some());
    assert!(column(&inf, "Industry").sensitive.is_none());
    assert_eq!(ds.role(Role::Source), Some("lead_source"));
    // The workbook's dates arrive as ISO dates and need no format.
    let (xlsx, _, _) = infer_and_load("salesforce_leads.xlsx", None);
    let created = role(&xlsx, "created_at").unwrap();
    assert_eq!(created.role.as_ref().unwrap().format, None);
    assert_eq!(created.samples[0].0.len(), "2025-01-06 09:00:00".len());
    assert_eq!(xlsx.sheet.as_deref(), Some("Leads"));
    assert_eq!(xlsx.sheets, ["Leads", "Notes"]);
}

#[test]
fn hubspot_contacts_join_their_deals_on_the_associated_contact_ids() {
    let (inf, ds, _dir) = infer_and_load("hubspot_contacts.csv", Some("hubspot_deals.csv"));
    assert_eq!(inf.id.as_deref(), Some("Record ID"));
    let o = inf.outcomes.as_ref().unwrap();
    assert_eq!(o.key.as_deref(), Some("Associated Contact IDs"));
    assert_eq!(o.converted_at.as_deref(), Some("Close Date"));
    // Independently: contacts with at least one deal.
    let ids: HashSet<String> = csv::Reader::from_path(fixture("hubspot_contacts.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    let won: HashSet<String> = csv::Reader::from_path(fixture("hubspot_deals.csv"))
        .unwrap()
        .records()
        .flat_map(|r| {
            let r = r.unwrap();
            r[5].split(';').map(str::to_string).collect::<Vec<_>>()
        })
        .filter(|id| ids.contains(id))
        .collect();
    assert_eq!(
        o.separator.as_deref(),
        Some(";"),
        "a deal lists several contacts"
    );
    assert!(won.len() > 5);
    assert_eq!(o.matched_leads as usize, won.len());
    let conv = ds.converted().unwrap().unwrap();
    assert_eq!(conv.iter().filter(|c| **c).count(), won.len());
    // Every converted lead has its won date, read from the deals' Close Date.
    let at = ds.dates("converted_at").unwrap().unwrap();
    assert_eq!(at.iter().filter(|d| d.is_some()).count(), won.len());
    assert_eq!(
        role(&inf, "source").map(|c| c.header.as_str()),
        Some("Original Source")
    );
    assert_eq!(
        role(&inf, "account_owner").map(|c| c.header.as_str()),
        Some("Contact owner")
    );
    let created = role(&inf, "created_at").unwrap();
    assert_eq!(created.role.as_ref().unwrap().format, None, "ISO dates");
    assert!(column(&inf, "Postal Code").sensitive.is_some());
    assert!(column(&inf, "Lifecycle Stage").recorded_later.is_some());
}

#[test]
fn form_defaults_and_unknowns_are_found_in_the_data() {
    let (inf, ds, _dir) = infer_and_load("education_leads.csv", None);
    assert_eq!(inf.id.as_deref(), Some("Prospect ID"));
    let select = inf.missing.iter().find(|t| t.token == "Select").unwrap();
    assert!(select.why.contains("form"), "{}", select.why);
    assert!(select.columns.contains(&"City".to_string()));
    assert!(inf.missing.iter().any(|t| t.token == "unknown"));
    // "No" is the common answer of two yes/no columns, not a missing value.
    assert!(!inf.missing.iter().any(|t| t.token == "No"));
    let city = ds.text_column("city").unwrap();
    assert!(city.iter().flatten().all(|v| v != "Select"));
    assert_eq!(column(&inf, "TotalVisits").field, "total_visits");
    assert_eq!(column(&inf, "TotalVisits").kind, "number");
    assert!(inf.columns.iter().any(|c| c.header.is_empty() && c.skipped));
    assert_eq!(
        role(&inf, "converted")
            .unwrap()
            .role
            .as_ref()
            .unwrap()
            .truthy,
        ["1"]
    );
    for later in ["Tags", "Lead Quality"] {
        assert!(column(&inf, later).recorded_later.is_some(), "{later}");
    }
}

#[test]
fn a_starter_policy_passes_check_and_replays_every_lead_and_conversion() {
    for (leads, outcomes) in [
        ("salesforce_leads_excel.csv", None),
        ("salesforce_leads.xlsx", None),
        ("hubspot_contacts.csv", Some("hubspot_deals.csv")),
        ("education_leads.csv", None),
    ] {
        let (_, ds, dir) = infer_and_load(leads, outcomes);
        let text = infer::starter::starter_policy(&ds).unwrap();
        let p = policy::parse(leadpolicy::diag::Source::new(
            dir.path().join("policy.toml"),
            text.clone(),
        ))
        .unwrap_or_else(|d| panic!("{leads}: the starter policy does not parse:\n{d}\n{text}"));
        let problems = policy::validate::check_against(&p, &ds);
        assert!(problems.is_empty(), "{leads}: {problems}\n{text}");
        assert!(p.allowed.is_empty() && p.rules.is_empty());
        let r = leadpolicy::replay::replay(&p, &p, &ds).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        let m = &json["draft"]["metrics"];
        assert_eq!(m["leads"].as_u64(), Some(ds.len() as u64), "{leads}: {m}");
        assert_eq!(m["nurture"].as_u64(), Some(ds.len() as u64), "{leads}: {m}");
        let converted = ds.converted().unwrap().unwrap();
        assert_eq!(
            m["later_converted"].as_u64(),
            Some(converted.iter().filter(|c| **c).count() as u64),
            "{leads}: every conversion counted"
        );
        assert_eq!(
            m["later_converted_by_rule"]["otherwise"].as_u64(),
            m["later_converted"].as_u64(),
            "{leads}: under the otherwise rule"
        );
        let sensitive: Vec<&str> = p.sensitive.iter().map(|n| n.name.as_str()).collect();
        if leads.starts_with("salesforce") {
            assert_eq!(sensitive, ["country", "city", "gender"], "{leads}");
        }
        let d = engine::decide(&p, &ds).unwrap();
        assert_eq!(d.height(), ds.len());
    }
}

fn lp(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("leadpolicy").unwrap();
    c.current_dir(dir);
    c
}

#[test]
fn from_an_export_to_a_replay_on_the_command_line_with_no_hand_edit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("salesforce_leads_excel.csv"),
        dir.path().join("export.csv"),
    )
    .unwrap();
    let out = lp(dir.path())
        .args(["data", "infer", "export.csv"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("60 rows")
            && stdout.contains("windows-1252")
            && stdout.contains(";-separated"),
        "{stdout}"
    );
    assert!(stdout.contains("Wrote export.mapping.toml"), "{stdout}");
    // A second run does not replace the mapping someone may have edited.
    let again = lp(dir.path())
        .args(["data", "infer", "export.csv"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let new = lp(dir.path())
        .args(["policy", "new", "--dataset", "export.mapping.toml"])
        .output()
        .unwrap();
    assert!(
        new.status.success(),
        "{}",
        String::from_utf8_lossy(&new.stderr)
    );
    let check = lp(dir.path())
        .args(["check", "policy.toml", "--dataset", "export.mapping.toml"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let replay = lp(dir.path())
        .args([
            "replay",
            "--baseline",
            "policy.toml",
            "--draft",
            "policy.toml",
            "--dataset",
            "export.mapping.toml",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&replay.stdout).unwrap();
    assert_eq!(json["draft"]["metrics"]["leads"].as_u64(), Some(60));
}

#[test]
fn a_legacy_encoding_without_its_name_says_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("salesforce_leads_excel.csv"),
        dir.path().join("leads.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("mapping.toml"),
        "[dataset]\nleads = \"leads.csv\"\nid = \"Lead ID\"\ndelimiter = \";\"\n",
    )
    .unwrap();
    let err = load_err(dir.path());
    assert!(
        err.contains("not UTF-8") && err.contains("encoding = \"windows-1252\""),
        "{err}"
    );
    assert!(err.contains("leads.csv:"), "names the file and line: {err}");
    std::fs::write(
        dir.path().join("mapping.toml"),
        "[dataset]\nleads = \"leads.csv\"\nid = \"Lead ID\"\ndelimiter = \";\"\nencoding = \"latin-9000\"\n",
    )
    .unwrap();
    let err = load_err(dir.path());
    assert!(
        err.contains("unknown encoding `latin-9000`") && err.contains("mapping.toml:5"),
        "{err}"
    );
}

#[test]
fn a_missing_sheet_names_the_sheets_there_are() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("salesforce_leads.xlsx"),
        dir.path().join("leads.xlsx"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("mapping.toml"),
        "[dataset]\nleads = \"leads.xlsx\"\nid = \"Lead ID\"\nsheet = \"Contacts\"\n",
    )
    .unwrap();
    let err = load_err(dir.path());
    assert!(
        err.contains("no sheet `Contacts`") && err.contains("Leads") && err.contains("Notes"),
        "{err}"
    );
}

#[test]
fn parquet_exports_are_inferred_too() {
    use polars::prelude::*;
    let (_, ds, dir) = infer_and_load("salesforce_leads.csv", None);
    let mut df = ds
        .frame
        .select(["lead_id", "lead_source", "no_of_employees", "converted"])
        .unwrap();
    let path = dir.path().join("leads.parquet");
    let f = std::fs::File::create(&path).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    let inf = infer::infer(&path, None, None, dir.path()).unwrap();
    assert_eq!(inf.file_kind, "parquet");
    assert_eq!(inf.id.as_deref(), Some("lead_id"));
    assert_eq!(column(&inf, "no_of_employees").kind, "number");
    assert_eq!(
        role(&inf, "source").map(|c| c.header.as_str()),
        Some("lead_source")
    );
    std::fs::write(dir.path().join("p.toml"), infer::render::mapping(&inf)).unwrap();
    assert_eq!(Dataset::load(&dir.path().join("p.toml")).unwrap().len(), 60);
}

#[test]
fn an_export_passed_as_the_mapping_points_to_data_infer() {
    let err = Dataset::load(&fixture("salesforce_leads.csv"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is a data file (csv), not a dataset mapping")
            && err.contains("leadpolicy data infer"),
        "{err}"
    );
}

#[test]
fn explain_finds_a_lead_by_another_unique_field() {
    let (_, _, dir) = infer_and_load("education_leads.csv", None);
    let mapping = dir.path().join("mapping.toml");
    let starter = dir.path().join("policy.toml");
    let ds = Dataset::load(&mapping).unwrap();
    std::fs::write(&starter, infer::starter::starter_policy(&ds).unwrap()).unwrap();
    let number = ds
        .text_column("lead_number")
        .unwrap()
        .get(3)
        .unwrap()
        .to_string();
    let id = ds
        .text_column("prospect_id")
        .unwrap()
        .get(3)
        .unwrap()
        .to_string();
    let run = |by: &str, value: &str| {
        lp(dir.path())
            .args(["explain", "--policy"])
            .arg(&starter)
            .arg("--dataset")
            .arg(&mapping)
            .args(["--lead", value, "--by", by])
            .output()
            .unwrap()
    };
    let out = run("lead_number", &number);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&format!("Lead {id}")), "{text}");
    // A field whose values repeat names no single lead.
    let out = run("lead_origin", "API");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("several leads"));
}

#[test]
fn the_starter_policy_offers_qualifying_fields_and_examples_with_their_counts() {
    let (_, ds, _dir) = infer_and_load("salesforce_leads.csv", None);
    let text = infer::starter::starter_policy(&ds).unwrap();
    // Contact details and per-lead values are not qualification evidence.
    for absent in [
        "\"first_name\"",
        "\"last_name\"",
        "\"company\"",
        "\"description\"",
    ] {
        assert!(
            !text.contains(&format!("#   {absent}")),
            "{absent}:\n{text}"
        );
    }
    assert!(text.contains("#   \"industry\""), "{text}");
    assert!(
        text.contains("#   \"lead_status\"") && text.contains("MAY BE RECORDED AFTER THE DECISION"),
        "{text}"
    );
    // Examples say how many leads they touch and how often those converted.
    assert!(text.contains("# [[rules]]   # would disqualify"), "{text}");
    assert!(text.contains("of them converted"), "{text}");
    assert!(text.contains("the top quarter of"), "{text}");
}

#[test]
fn new_user_mistakes_get_a_way_forward() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, d) = infer_and_load("education_leads.csv", None);
    let mapping = d.path().join("mapping.toml");
    let run = |args: &[&std::ffi::OsStr]| lp(dir.path()).args(args).output().unwrap();
    // A mapping passed where a policy goes.
    let out = run(&["check".as_ref(), mapping.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("this is a dataset mapping, not a policy") && err.contains("--dataset"),
        "{err}"
    );
    // A mapping passed to data infer.
    let out = run(&["data".as_ref(), "infer".as_ref(), mapping.as_os_str()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a lead export"));
    // A file that is not there: said plainly, no OS error number.
    let out = run(&["data".as_ref(), "infer".as_ref(), "nope.csv".as_ref()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read `nope.csv`: it does not exist") && !err.contains("os error"),
        "{err}"
    );
    // --by takes the export's header too.
    let ds = Dataset::load(&mapping).unwrap();
    let number = ds
        .text_column("lead_number")
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert_eq!(ds.row_by("Lead Number", &number).unwrap(), 0);
}

#[test]
fn a_rule_on_a_field_recorded_after_the_decision_is_flagged() {
    let (_, ds, dir) = infer_and_load("education_leads.csv", None);
    let starter = infer::starter::starter_policy(&ds).unwrap();
    // Allow `tags` and `lead_origin`, and route on both.
    // The `[otherwise]` table ends the file (the header comment names it too).
    let at = starter.rfind("[otherwise]").unwrap();
    let text = format!(
        "{}[[rules]]\nid = \"ringing\"\nroute = \"sales\"\nwhen = {{ field = \"tags\", eq = \"Ringing\" }}\n\n[[rules]]\nid = \"api\"\nroute = \"sales\"\nwhen = {{ field = \"lead_origin\", eq = \"API\" }}\n\n{}",
        starter[..at].replace("allowed = []", "allowed = [\"tags\", \"lead_origin\"]"),
        &starter[at..]
    );
    std::fs::write(dir.path().join("policy.toml"), &text).unwrap();
    let out = lp(dir.path())
        .args(["check", "policy.toml", "--dataset", "mapping.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "a warning is not an error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("field `tags` may be recorded after the decision")
            && err.contains("its header (`Tags`)"),
        "{err}"
    );
    assert!(!err.contains("field `lead_origin`"), "{err}");
}

/// Spreadsheets in much of Europe write two and a half as `2,5` in `;` files: `data infer`
/// finds the decimal comma, and the loader reads those columns as numbers.
#[test]
fn a_decimal_comma_is_found_and_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("leads.csv"),
        "Lead ID;Pages per visit;City\nL1;2,5;Köln\nL2;3;Paris, Nord\nL3;0,75;Lyon\n",
    )
    .unwrap();
    let inf = infer::infer(&dir.path().join("leads.csv"), None, None, dir.path()).unwrap();
    assert_eq!(inf.decimal.as_deref(), Some(","));
    assert_eq!(column(&inf, "Pages per visit").kind, "number");
    assert_eq!(
        column(&inf, "City").kind,
        "text",
        "a comma in text stays text"
    );
    std::fs::write(dir.path().join("m.toml"), infer::render::mapping(&inf)).unwrap();
    let ds = Dataset::load(&dir.path().join("m.toml")).unwrap();
    let pages: Vec<Option<f64>> = ds
        .frame
        .column("pages_per_visit")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(pages, [Some(2.5), Some(3.0), Some(0.75)]);
}

/// A value that two columns of one domain share as their most common answer is an answer, not
/// a form default; a value read as ISO date-time with fractions loads from a workbook cell.
#[test]
fn shared_answers_are_not_taken_for_form_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Lead ID,Country,Billing Country,Industry,Size\n");
    for i in 0..30 {
        let (c, b) = match i % 5 {
            0..=2 => ("United States", "United States"),
            3 => ("Canada", "Canada"),
            _ => ("Mexico", "United States"),
        };
        let industry = if i % 3 == 0 {
            "Select"
        } else if i % 3 == 1 {
            "Retail"
        } else {
            "Software"
        };
        let size = if i % 2 == 0 {
            "Select"
        } else if i % 4 == 1 {
            "Small"
        } else {
            "Large"
        };
        csv.push_str(&format!("L{i},{c},{b},{industry},{size}\n"));
    }
    std::fs::write(dir.path().join("leads.csv"), csv).unwrap();
    let inf = infer::infer(&dir.path().join("leads.csv"), None, None, dir.path()).unwrap();
    let tokens: Vec<&str> = inf.missing.iter().map(|t| t.token.as_str()).collect();
    assert!(!tokens.contains(&"United States"), "{tokens:?}");
    assert!(tokens.contains(&"Select"), "{tokens:?}");
}

/// A deal without a won date is a blank cell: the won-date column is still recognised, with its
/// format, and the mapping loads with it.
#[test]
fn a_won_date_column_with_blank_cells_is_still_the_won_date() {
    let dir = crate::common::temp_with(&[
        (
            "leads.csv",
            "Lead ID,Created\nL1,1/5/2018\nL2,1/9/2018\nL3,2/1/2018\n",
        ),
        (
            "deals.csv",
            "Lead ID,Won Date\nL1,2/26/2018 19:58\nL2,\nL3,3/1/2018 9:05\n",
        ),
    ]);
    let out = lp(dir.path())
        .args(["data", "infer", "leads.csv", "--outcomes", "deals.csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mapping = std::fs::read_to_string(dir.path().join("leads.mapping.toml")).unwrap();
    assert!(
        mapping.contains(r#"converted_at = "Won Date", converted_at_format = "%m/%d/%Y %H:%M""#),
        "{mapping}"
    );
    let ds = Dataset::load(&dir.path().join("leads.mapping.toml")).unwrap();
    let won = ds.dates("converted_at").unwrap().unwrap();
    assert_eq!(
        won.iter().filter(|d| d.is_some()).count(),
        2,
        "L1 and L3 have a won date"
    );
}
