//! Dataset loading: real-export quirks load; every bad input is refused with a message that
//! names the file, the line and the column (or the mapping's line and column).

use leadpolicy::dataset::{Dataset, FieldType, hidden};
use polars::prelude::*;

use crate::common::{DEFAULT_MAPPING, load_err, temp_with};

#[test]
fn a_messy_crm_export_loads() {
    // Spaces and odd capitalisation in headers, `Select` as missing, CRLF, quoted commas,
    // a trailing empty column, a BOM, cells with surrounding spaces.
    let leads = "\u{feff}Lead ID , Company,EMPLOYEES, Industry ,\r\n\
                 L1,\"Acme, Inc.\", 250 ,Select,\r\n\
                 L2,Globex,007,  software ,\r\n\
                 L3,\"Multi\r\nline\",N/A,fintech,\r\n";
    let mapping = r#"[dataset]
leads = "leads.csv"
id = "lead_id"
missing = ["", "Select", "N/A"]
[columns]
"Lead ID" = { name = "lead_id" }
"EMPLOYEES" = { name = "employees" }
"#;
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", mapping)]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    assert_eq!(ds.len(), 3);
    let names: Vec<&str> = ds.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["lead_id", "Company", "employees", "Industry"]);
    assert_eq!(ds.field("employees").unwrap().ty, FieldType::Number);
    assert_eq!(ds.field("Industry").unwrap().ty, FieldType::Text);
    let emp: Vec<Option<f64>> = ds
        .frame
        .column("employees")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(emp, [Some(250.0), Some(7.0), None]);
    let ind: Vec<Option<&str>> = ds
        .frame
        .column("Industry")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ind, [None, Some("software"), Some("fintech")]);
    let co: Vec<Option<&str>> = ds
        .frame
        .column("Company")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        co,
        [Some("Acme, Inc."), Some("Globex"), Some("Multi\r\nline")]
    );
}

#[test]
fn number_inference_follows_the_decimal_rule() {
    let leads = "lead_id,a,b,c,d,e,f\nL1,1.5,1,inf,-,1e3,+.5\nL2,2,\"1,000\",3,-,2E-2,-7\n";
    let mapping = DEFAULT_MAPPING;
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", mapping)]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    let ty = |n: &str| ds.field(n).unwrap().ty;
    assert_eq!(ty("a"), FieldType::Number);
    assert_eq!(
        ty("b"),
        FieldType::Text,
        "thousands separators are not numbers"
    );
    assert_eq!(ty("c"), FieldType::Text, "`inf` is not a number");
    assert_eq!(ty("d"), FieldType::Text, "a column with no values is text");
    assert_eq!(ty("e"), FieldType::Number);
    assert_eq!(ty("f"), FieldType::Number);
    assert_eq!(ty("lead_id"), FieldType::Text);
    for (s, ok) in [
        ("1.", false),
        (".5", true),
        ("1e", false),
        ("NaN", false),
        ("0x10", false),
        ("-0", true),
        ("1_000", false),
    ] {
        assert_eq!(
            leadpolicy::dataset::read::parse_decimal(s).is_some(),
            ok,
            "{s}"
        );
    }
}

#[test]
fn missing_tokens_are_exact_and_case_sensitive() {
    let leads = "lead_id,x\nL1,Select\nL2,select\nL3, N/A \n";
    let mapping = DEFAULT_MAPPING;
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", mapping)]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    let x: Vec<Option<&str>> = ds
        .frame
        .column("x")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(x, [None, Some("select"), None]);
}

#[test]
fn missing_leads_file_names_the_path() {
    let dir = temp_with(&[("mapping.toml", DEFAULT_MAPPING)]);
    let msg = load_err(dir.path());
    assert!(
        msg.contains("leads.csv") && msg.contains("cannot read"),
        "{msg}"
    );
}

#[test]
fn empty_file_and_header_only_file_are_refused() {
    let dir = temp_with(&[("leads.csv", ""), ("mapping.toml", DEFAULT_MAPPING)]);
    let msg = load_err(dir.path());
    assert!(msg.contains("leads.csv") && msg.contains("empty"), "{msg}");
    let dir = temp_with(&[
        ("leads.csv", "lead_id,x\n"),
        ("mapping.toml", DEFAULT_MAPPING),
    ]);
    let msg = load_err(dir.path());
    assert!(
        msg.contains("leads.csv:1") && msg.contains("no data rows"),
        "{msg}"
    );
}

#[test]
fn ragged_row_names_its_line() {
    let leads = "lead_id,a,b\nL1,1,2\nL2,1\nL3,1,2\n";
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", DEFAULT_MAPPING)]);
    let msg = load_err(dir.path());
    assert!(msg.contains("leads.csv:3"), "{msg}");
    assert!(msg.contains("2 fields but the header has 3"), "{msg}");
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let mut bytes = b"lead_id,name\nL1,ok\nL2,caf".to_vec();
    bytes.push(0xE9); // Latin-1 é
    bytes.extend_from_slice(b"\n");
    let dir = temp_with(&[("mapping.toml", DEFAULT_MAPPING)]);
    std::fs::write(dir.path().join("leads.csv"), bytes).unwrap();
    let msg = load_err(dir.path());
    assert!(
        msg.contains("leads.csv:3") && msg.contains("column `name`") && msg.contains("UTF-8"),
        "{msg}"
    );
}

#[test]
fn duplicate_ids_are_listed_with_lines() {
    let leads = "lead_id,x\nL1,1\nL2,1\n L1 ,2\nL2,3\nL3,1\n";
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", DEFAULT_MAPPING)]);
    let msg = load_err(dir.path());
    assert!(msg.contains("duplicate lead ids"), "{msg}");
    assert!(
        msg.contains("`L1` (lines 2 and 4)") && msg.contains("`L2` (lines 3 and 5)"),
        "{msg}"
    );
}

#[test]
fn missing_id_names_the_line() {
    let leads = "lead_id,x\nL1,1\n,2\n";
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", DEFAULT_MAPPING)]);
    let msg = load_err(dir.path());
    assert!(
        msg.contains("leads.csv:3") && msg.contains("no id"),
        "{msg}"
    );
}

#[test]
fn forced_number_with_a_non_number_names_line_column_and_value() {
    let leads = "lead_id,Employees\nL1,10\nL2,12a\n";
    let mapping = format!(
        "{DEFAULT_MAPPING}[columns]\n\"Employees\" = {{ name = \"employees\", type = \"number\" }}\n"
    );
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", &mapping)]);
    let msg = load_err(dir.path());
    assert!(
        msg.contains("leads.csv:3") && msg.contains("`12a`") && msg.contains("Employees"),
        "{msg}"
    );
}

#[test]
fn forced_text_keeps_numbers_as_text() {
    let leads = "lead_id,zip\nL1,01234\nL2,99\n";
    let mapping = format!("{DEFAULT_MAPPING}[columns]\n\"zip\" = {{ type = \"text\" }}\n");
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", &mapping)]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    assert_eq!(ds.field("zip").unwrap().ty, FieldType::Text);
    let z: Vec<Option<&str>> = ds
        .frame
        .column("zip")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(z, [Some("01234"), Some("99")]);
}

#[test]
fn role_and_id_columns_that_do_not_exist_point_into_the_mapping() {
    let leads = "lead_id,source\nL1,web\n";
    let mapping =
        "[dataset]\nleads = \"leads.csv\"\nid = \"id\"\n[roles]\nsource = \"lead_source\"\n";
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", mapping)]);
    let msg = load_err(dir.path());
    assert!(msg.contains("the id column `id` is not a column"), "{msg}");
    assert!(msg.contains("mapping.toml:3:"), "{msg}");
    assert!(
        msg.contains("the `source` role's column `lead_source`") && msg.contains("mapping.toml:5:"),
        "{msg}"
    );
}

#[test]
fn unknown_mapping_key_is_located() {
    let mapping = "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\nmisisng = [\"-\"]\n";
    let dir = temp_with(&[("leads.csv", "lead_id\nL1\n"), ("mapping.toml", mapping)]);
    let msg = load_err(dir.path());
    assert!(
        msg.contains("misisng") && msg.contains("mapping.toml:4:1"),
        "{msg}"
    );
}

#[test]
fn unnamed_columns_are_dropped_when_empty_and_refused_when_not() {
    let dir = temp_with(&[
        ("leads.csv", "lead_id,x,\nL1,1,\nL2,2,\n"),
        ("mapping.toml", DEFAULT_MAPPING),
    ]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    assert_eq!(ds.fields.len(), 2);
    let dir = temp_with(&[
        ("leads.csv", "lead_id,x,\nL1,1,\nL2,2,oops\n"),
        ("mapping.toml", DEFAULT_MAPPING),
    ]);
    let msg = load_err(dir.path());
    assert!(msg.contains("column 3 has no header"), "{msg}");
}

#[test]
fn duplicate_headers_after_trimming_are_refused() {
    let dir = temp_with(&[
        ("leads.csv", "lead_id,Email, Email \nL1,a,b\n"),
        ("mapping.toml", DEFAULT_MAPPING),
    ]);
    let msg = load_err(dir.path());
    assert!(
        msg.contains("columns 2 and 3 have the same header `Email`"),
        "{msg}"
    );
}

#[test]
fn outcomes_file_is_a_semi_join_on_trimmed_ids() {
    let leads = "lead_id,x\nL1,1\nL2,2\nL3,3\n";
    let deals = "Lead,Amount\n L2 ,100\nL2,50\nL9,1\n";
    let mapping = "[dataset]\nleads = \"leads.csv\"\noutcomes = { file = \"deals.csv\", key = \"Lead\" }\nid = \"lead_id\"\n";
    let dir = temp_with(&[
        ("leads.csv", leads),
        ("deals.csv", deals),
        ("mapping.toml", mapping),
    ]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    assert!(ds.has_converted);
    let c: Vec<Option<bool>> = ds
        .frame
        .column(hidden::CONVERTED)
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(c, [Some(false), Some(true), Some(false)]);
}

#[test]
fn outcomes_file_and_converted_role_together_are_refused() {
    let mapping = "[dataset]\nleads = \"leads.csv\"\noutcomes = { file = \"deals.csv\", key = \"Lead\" }\nid = \"lead_id\"\n[roles]\nconverted = { column = \"won\", true = [\"1\"] }\n";
    let dir = temp_with(&[
        ("leads.csv", "lead_id,won\nL1,1\n"),
        ("mapping.toml", mapping),
    ]);
    let msg = load_err(dir.path());
    assert!(
        msg.contains("both an outcomes file and a `converted` role")
            && msg.contains("mapping.toml:6:"),
        "{msg}"
    );
}

#[test]
fn role_value_lists_match_the_cell_text_exactly() {
    let leads =
        "lead_id,won,so,hist\nL1,1,accepted,AE\nL2,1.0,sent_back,DQ\nL3,yes,Accepted,x\nL4,,,\n";
    let mapping = r#"[dataset]
leads = "leads.csv"
id = "lead_id"
[roles]
converted = { column = "won", true = ["1", "yes"] }
seller_outcome = { column = "so", accepted = ["accepted"], sent_back = ["sent_back"] }
historical_decision = { column = "hist", accepted = ["AE"], rejected = ["DQ"] }
"#;
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", mapping)]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    let c: Vec<Option<bool>> = ds
        .frame
        .column(hidden::CONVERTED)
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        c,
        [Some(true), Some(false), Some(true), Some(false)],
        "`1` is not `1.0`"
    );
    let so: Vec<Option<&str>> = ds
        .frame
        .column(hidden::SELLER_OUTCOME)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(so, [Some("accepted"), Some("sent_back"), None, None]);
    let h: Vec<Option<&str>> = ds
        .frame
        .column(hidden::HISTORICAL)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(h, [Some("accepted"), Some("rejected"), None, None]);
}

#[test]
fn parquet_leads_load_with_the_same_rules() {
    let dir = temp_with(&[]);
    let mut df = df!(
        "lead_id" => [" L1", "L2"],
        "employees" => [Some(10i64), None],
        "industry" => [Some(" software "), Some("N/A")],
        "score" => [Some("12"), Some("007")],
    )
    .unwrap();
    let f = std::fs::File::create(dir.path().join("leads.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    let mapping = "[dataset]\nleads = \"leads.parquet\"\nid = \"lead_id\"\nmissing = [\"N/A\"]\n";
    std::fs::write(dir.path().join("mapping.toml"), mapping).unwrap();
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    assert_eq!(ds.field("employees").unwrap().ty, FieldType::Number);
    assert_eq!(ds.field("score").unwrap().ty, FieldType::Number);
    let ind: Vec<Option<&str>> = ds
        .frame
        .column("industry")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ind, [Some("software"), None]);
    assert_eq!(ds.row_of("L1").unwrap(), 0);
}

#[test]
fn a_file_read_in_parallel_parts_equals_one_sequential_pass() {
    use leadpolicy::dataset::read::read_csv_in_parts;
    // Quoted line feeds and escaped quotes around every split point, CRLF, a blank line.
    let mut csv = String::from("lead_id,note,n\r\n");
    for i in 0..400 {
        match i % 4 {
            0 => csv.push_str(&format!("L{i},\"multi\nline \"\"quoted\"\" {i}\",{i}\r\n")),
            1 => csv.push_str(&format!("L{i},\"a, b\",{i}.5\r\n")),
            2 => csv.push_str(&format!("L{i},,-\r\n")),
            _ => csv.push_str(&format!("L{i}, plain ,{i}\r\n\r\n")),
        }
    }
    let dir = temp_with(&[("leads.csv", &csv)]);
    let path = dir.path().join("leads.csv");
    let missing = vec![String::new(), "-".to_string()];
    let read = |parts| {
        read_csv_in_parts(&path, &missing, b',', &mut |_, _| true, &|_| true, parts, 0).unwrap()
    };
    let one = read(1);
    assert_eq!(one.rows, 400);
    for parts in [2, 3, 7] {
        let many = read(parts);
        assert_eq!(many.rows, one.rows, "{parts} parts");
        assert_eq!(many.lines, one.lines, "{parts} parts: line numbers");
        for (a, b) in one.columns.iter().zip(&many.columns) {
            let (ta, tb): (Vec<_>, Vec<_>) = (
                a.text.as_ref().unwrap().iter().collect(),
                b.text.as_ref().unwrap().iter().collect(),
            );
            assert_eq!(ta, tb, "{parts} parts: column {}", a.header);
            assert_eq!(a.numbers.is_some(), b.numbers.is_some());
            assert_eq!(a.filled, b.filled);
        }
    }
    // The quoted line feed makes lead 4 start on line 4 (header 1, lead 0 on lines 2–3, …).
    assert_eq!(&one.lines[..5], &[2, 4, 5, 6, 8]);
}

#[test]
fn an_error_late_in_a_parallel_read_names_its_own_line() {
    use leadpolicy::dataset::read::read_csv_in_parts;
    let mut csv = String::from("lead_id,n\n");
    for i in 0..300 {
        csv.push_str(&format!("L{i},{i}\n"));
    }
    csv.push_str("L300,1,extra\n");
    let dir = temp_with(&[("leads.csv", &csv)]);
    let path = dir.path().join("leads.csv");
    let err = read_csv_in_parts(
        &path,
        &[String::new()],
        b',',
        &mut |_, _| true,
        &|_| true,
        4,
        0,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("leads.csv:302") && err.contains("3 fields but the header has 2"),
        "{err}"
    );
}

#[test]
fn a_byte_order_mark_is_stripped_only_at_the_start_of_the_file() {
    // Regression (found by differential fuzzing): U+FEFF is not whitespace, so inside cells it
    // stays, and `\u{feff}5` is not a number.
    let leads = "\u{feff}lead_id,a,n\nL1,\u{feff}x,\u{feff}5\nL2,x\u{feff},6\n";
    let dir = temp_with(&[("leads.csv", leads), ("mapping.toml", DEFAULT_MAPPING)]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    assert_eq!(ds.fields[0].name, "lead_id");
    let a: Vec<Option<&str>> = ds
        .frame
        .column("a")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(a, [Some("\u{feff}x"), Some("x\u{feff}")]);
    assert_eq!(ds.field("n").unwrap().ty, FieldType::Text);
}

#[test]
fn an_enrichment_confidence_column_with_no_values_loads_and_gates_every_lead() {
    // Regression (found by differential fuzzing): an all-missing confidence column was refused
    // as "not numeric"; every lead simply lacks confidence.
    let leads = "lead_id,c,n\nL1,,5\nL2,N/A,7\n";
    let mapping = format!("{DEFAULT_MAPPING}[roles]\nenrichment_confidence = \"c\"\n");
    let policy = "[policy]\nid = \"p\"\n[fields]\nallowed = [\"n\"]\n[evidence]\nmin_enrichment_confidence = 0.5\n[routes.s]\nkind = \"sales\"\n[[rules]]\nid = \"x\"\nroute = \"s\"\nwhen = { field = \"n\", gt = 1 }\n";
    let (_, _, recs) = crate::common::decide_inline(leads, &mapping, policy);
    for r in recs {
        assert_eq!(
            (r.decision.as_str(), r.unresolved_reasons.as_deref()),
            ("unresolved", Some("low_enrichment_confidence"))
        );
    }
}

#[test]
fn a_numeric_owner_column_is_shown_as_its_cell_text() {
    // Regression (found by differential fuzzing): owners from a numeric column printed as
    // `12345678.0`; an owner is a name, so it keeps its text (`00512`).
    let leads = "lead_id,account_owner,n\nL1,12345678,5\nL2,00512,5\nL3,,5\n";
    let mapping = format!("{DEFAULT_MAPPING}[roles]\naccount_owner = \"account_owner\"\n");
    let policy = "[policy]\nid = \"p\"\n[fields]\nallowed = [\"n\"]\n[routes.s]\nkind = \"sales\"\nowner = { field = \"account_owner\", fallback = \"pool\" }\n[[rules]]\nid = \"x\"\nroute = \"s\"\nwhen = { field = \"n\", gt = 1 }\n";
    let (p, ds, recs) = crate::common::decide_inline(leads, &mapping, policy);
    let owners: Vec<Option<&str>> = recs.iter().map(|r| r.owner.as_deref()).collect();
    assert_eq!(owners, [Some("12345678"), Some("00512"), Some("pool")]);
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(
            &leadpolicy::engine::explain::explain_row(&p, &ds, i)
                .unwrap()
                .record(),
            r
        );
    }
}

/// Date roles, hand-computed: every ISO form of docs/semantics.md and a mapping's own format give the
/// calendar date as written; a bad cell names its place, value and the expected form; the
/// outcomes file's won date is the earliest of a lead's rows, a listed lead included.
#[test]
fn dates_are_read_as_design_md_says() {
    // Days since 1970-01-01: 2025-03-04 is 20151, 2025-01-31 is 20119, 2025-02-01 is 20120.
    let leads = "lead_id,created,signed_up\n\
                 L1,2025-03-04,03/04/2025 09:30 AM\n\
                 L2,2025-03-04T23:30:00-08:00,01/31/2025 11:59 PM\n\
                 L3,2025-03-04 09:30,\n\
                 L4,,02/01/2025 12:00 AM\n";
    let deals = "deal,contacts,close\n\
                 D1,L1,2025-02-01\n\
                 D2,L1,2025-01-31\n\
                 D3,L2;L3,2025-03-04\n\
                 D4,L9,2020-01-01\n";
    let mapping = r#"[dataset]
leads = "leads.csv"
id = "lead_id"
outcomes = { file = "deals.csv", key = "contacts", separator = ";", converted_at = "close" }

[roles]
created_at = "created"
"#;
    let dir = temp_with(&[
        ("leads.csv", leads),
        ("deals.csv", deals),
        ("mapping.toml", mapping),
    ]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    assert_eq!(
        ds.dates("created_at").unwrap().unwrap(),
        [Some(20151), Some(20151), Some(20151), None]
    );
    assert_eq!(
        ds.dates("converted_at").unwrap().unwrap(),
        [Some(20119), Some(20151), Some(20151), None]
    );
    assert_eq!(ds.converted().unwrap().unwrap(), [true, true, true, false]);

    // The mapping's own format.
    std::fs::write(
        dir.path().join("mapping.toml"),
        "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n[roles]\ncreated_at = { column = \"signed_up\", format = \"%m/%d/%Y %I:%M %p\" }\n",
    )
    .unwrap();
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    assert_eq!(
        ds.dates("created_at").unwrap().unwrap(),
        [Some(20151), Some(20119), None, Some(20120)]
    );

    // A bad cell: file, line, column, the value and what was expected.
    std::fs::write(
        dir.path().join("mapping.toml"),
        "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\n[roles]\ncreated_at = \"signed_up\"\n",
    )
    .unwrap();
    let err = load_err(dir.path());
    assert!(
        err.contains("leads.csv:2")
            && err.contains("`03/04/2025 09:30 AM` in `signed_up` (created_at) is not a date")
            && err.contains("an ISO date"),
        "{err}"
    );
    // The same in the outcomes file.
    std::fs::write(
        dir.path().join("deals.csv"),
        "deal,contacts,close\nD1,L1,soon\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("mapping.toml"),
        "[dataset]\nleads = \"leads.csv\"\nid = \"lead_id\"\noutcomes = { file = \"deals.csv\", key = \"contacts\", converted_at = \"close\" }\n",
    )
    .unwrap();
    let err = load_err(dir.path());
    assert!(
        err.contains("deals.csv:2")
            && err.contains("`soon` in `close` (converted_at) is not a date"),
        "{err}"
    );
}

#[test]
fn lead_search_puts_ids_that_start_with_the_text_first() {
    let dir = temp_with(&[
        (
            "leads.csv",
            "lead_id,a\nXL-12,1\nL-120,2\nl-3,3\nAL-1,4\nL-1,5\n",
        ),
        ("mapping.toml", DEFAULT_MAPPING),
    ]);
    let ds = Dataset::load(&dir.path().join("mapping.toml")).unwrap();
    // Starting with "l-1" (case aside) in file order, then containing it.
    assert_eq!(
        ds.search_ids(" l-1 ", 20).unwrap(),
        ["L-120", "L-1", "XL-12", "AL-1"]
    );
    assert_eq!(ds.search_ids("l-1", 2).unwrap(), ["L-120", "L-1"]);
    assert!(ds.search_ids("zzz", 20).unwrap().is_empty());
}
