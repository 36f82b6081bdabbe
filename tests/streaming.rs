//! `decide` streams a CSV leads file part by part. It must write the same bytes as loading the
//! file whole, and any problem must be told exactly as the whole-file load tells it.

use std::path::Path;

use leadpolicy::dataset::{Dataset, Mapping};
use leadpolicy::decide::{How, decide_file};

use crate::common::{root, sample_mapping, temp_with};

/// The decisions file written the whole-file way (load, decide, write), as bytes.
fn whole_bytes(policy: &Path, mapping: &Path, out: &Path) -> Result<Vec<u8>, String> {
    let p = leadpolicy::policy::load(policy).map_err(|e| e.to_string())?;
    let ds = Dataset::load(mapping).map_err(|e| e.to_string())?;
    let d = leadpolicy::engine::decide_codes(&p, &ds).map_err(|e| e.to_string())?;
    leadpolicy::output::write_decisions(&d, &p, &ds, out).map_err(|e| e.to_string())?;
    Ok(std::fs::read(out).unwrap())
}

/// What a streamed decide did: its parts (0 when it took the whole-file way), how many times it
/// started again with the right column types, and the file it wrote.
struct Run {
    parts: usize,
    restarts: usize,
    bytes: Vec<u8>,
}

/// Decide streamed in parts of `part_bytes`, or the error.
fn streamed(policy: &Path, mapping: &Path, out: &Path, part_bytes: u64) -> Result<Run, String> {
    let p = leadpolicy::policy::load(policy).map_err(|e| e.to_string())?;
    let m = Mapping::load(mapping).map_err(|e| e.to_string())?;
    let done = decide_file(&p, &m, out, part_bytes, &mut |_, _| true).map_err(|e| e.to_string())?;
    let (parts, restarts) = match done.how {
        How::Streamed {
            parts, restarts, ..
        } => (parts, restarts),
        How::Whole { .. } => (0, 0),
    };
    Ok(Run {
        parts,
        restarts,
        bytes: std::fs::read(out).unwrap(),
    })
}

#[test]
fn the_sample_decided_in_parts_is_the_sample_decided_whole() {
    let dir = tempfile::tempdir().unwrap();
    for policy in ["policies/baseline.toml", "policies/draft.toml"] {
        let policy = root().join(policy);
        let whole = whole_bytes(&policy, &sample_mapping(), &dir.path().join("whole.csv")).unwrap();
        for part_bytes in [64 << 10, 1 << 30] {
            let run = streamed(
                &policy,
                &sample_mapping(),
                &dir.path().join("parts.csv"),
                part_bytes,
            )
            .unwrap();
            assert!(run.parts >= 1, "the sample was not streamed");
            if part_bytes == 64 << 10 {
                assert!(run.parts > 20, "{} parts", run.parts);
            }
            assert_eq!(
                run.restarts, 0,
                "the sample's types are clear from its first part"
            );
            assert!(
                run.bytes == whole,
                "{}: {} parts differ",
                policy.display(),
                run.parts
            );
        }
    }
}

const QUIRKS_MAPPING: &str = r#"[dataset]
leads = "leads.csv"
outcomes = { file = "deals.csv", key = "lead", converted_at = "won" }
id = "lead_id"
missing = ["", "N/A", "-"]

[columns]
"Forced" = { name = "forced", type = "number" }
"Zip" = { name = "zip", type = "text" }

[roles]
created_at = "created"
source = "source"
account_owner = "owner"
enrichment_confidence = "confidence"
seller_outcome = { column = "outcome", accepted = ["yes"], sent_back = ["no"] }
"#;

const QUIRKS_POLICY: &str = r#"[policy]
id = "q"
name = "quirks"
version = 3

[scope]
source = ["web", "1"]

[fields]
allowed = ["note", "n", "mixed", "late", "forced", "zip", "empty", "confidence"]

[reasons]
spam = "Spam"

[evidence]
required = ["n"]

[routes.sales]
kind = "sales"
owner = { field = "owner", fallback = "pool" }
sla_minutes = 30

[routes.later]
kind = "nurture"

[[rules]]
id = "dq-spam"
disqualify = "spam"
when = { field = "note", contains = "spam" }

[[rules]]
id = "big"
route = "sales"
when = { any = [{ field = "n", gte = 50 }, { all = [{ field = "forced", gt = 7.5 }, { field = "n", gte = 40 }] }] }

[[rules]]
id = "late-big"
route = "sales"
when = { field = "late", gt = 2990 }

[[rules]]
id = "mixed-text"
route = "later"
when = { all = [{ field = "mixed", in = ["12", "1,200"] }, { not = { field = "zip", matches = "^9" } }, { field = "n", lt = 40 }] }

[[rules]]
id = "empty"
route = "later"
when = { all = [{ field = "empty", missing = true }, { field = "n", lt = 10 }] }
"#;

/// Leads with what makes parts differ from the whole: quoted line feeds and quotes across part
/// boundaries, a column that is numbers until its last value, one that is empty at the top and
/// numbers below, one that is empty everywhere, a numeric owner column shown by its text, dates,
/// outcomes with converted dates.
fn quirky_leads(rows: usize) -> (String, String) {
    let mut leads = String::from(
        "lead_id,source,note,n,mixed,late,Forced,Zip,empty,owner,confidence,created,outcome\n",
    );
    let mut deals = String::from("lead,won\n");
    for i in 0..rows {
        let note = match i % 5 {
            0 => format!("\"two\nlines \"\"quoted\"\" {i}\""),
            1 => "\"spam, surely\"".to_string(),
            2 => "N/A".to_string(),
            3 => format!(" plain {i} "),
            _ => "-".to_string(),
        };
        let source = ["web", "1", "1.0", "partner", ""][i % 5];
        let n = if i % 7 == 0 {
            String::new()
        } else {
            (i % 97).to_string()
        };
        let mixed = if i + 1 == rows {
            "\"1,200\"".to_string()
        } else {
            (i % 20).to_string()
        };
        let late = if i * 2 < rows {
            String::new()
        } else {
            i.to_string()
        };
        let forced = if i % 3 == 0 {
            "N/A".to_string()
        } else {
            format!("{}.5", i % 11)
        };
        let zip = format!("{:05}", (i * 7919) % 100_000);
        let owner = if i % 4 == 0 {
            String::new()
        } else {
            format!("00{}", i % 9)
        };
        let confidence = if i % 6 == 0 {
            "N/A".to_string()
        } else {
            format!("0.{}", i % 10)
        };
        let created = format!("2025-{:02}-{:02}", i % 12 + 1, i % 28 + 1);
        let outcome = ["yes", "no", "", "maybe"][i % 4];
        leads.push_str(&format!(
            "L{i},{source},{note},{n},{mixed},{late},{forced},{zip},,{owner},{confidence},{created},{outcome}\n"
        ));
        if i % 9 == 0 {
            deals.push_str(&format!("L{i},2025-06-{:02}\n", i % 28 + 1));
        }
    }
    (leads, deals)
}

#[test]
fn leads_with_every_quirk_decided_in_parts_are_decided_as_whole() {
    let (leads, deals) = quirky_leads(3000);
    let dir = temp_with(&[
        ("leads.csv", &leads),
        ("deals.csv", &deals),
        ("mapping.toml", QUIRKS_MAPPING),
        ("p.toml", QUIRKS_POLICY),
    ]);
    let (policy, mapping) = (dir.path().join("p.toml"), dir.path().join("mapping.toml"));
    let whole = whole_bytes(&policy, &mapping, &dir.path().join("whole.csv")).unwrap();
    // Every decision occurs, so the comparison covers every branch of the order.
    let text = String::from_utf8(whole.clone()).unwrap();
    for d in [",rejected,", ",accepted,", ",nurture,", ",unresolved,"] {
        assert!(text.contains(d), "no {d} decision in {text:.400}");
    }
    for part_bytes in [300, 4096, 1 << 30] {
        let run = streamed(&policy, &mapping, &dir.path().join("parts.csv"), part_bytes).unwrap();
        assert!(
            run.parts >= 1,
            "not streamed in parts of {part_bytes} bytes"
        );
        // In parts, the first part cannot tell that `mixed` is text and `late` numbers.
        let expected = if run.parts > 1 { 1.. } else { 0.. };
        assert!(
            expected.contains(&run.restarts),
            "{} restarts",
            run.restarts
        );
        assert!(
            run.bytes == whole,
            "parts of {part_bytes} bytes ({} parts) differ from the whole-file way",
            run.parts
        );
    }
}

/// A problem in the last part is told exactly as the whole-file load tells it, and no
/// decisions file is left behind.
#[test]
fn a_problem_late_in_the_file_is_told_as_loading_it_whole_tells_it() {
    let (leads, deals) = quirky_leads(2000);
    // A good last row is `L5000,web,ok,5,3,7,1.5,00001,,001,0.5,2025-01-01,yes`.
    let broken: [(&str, &[u8]); 6] = [
        (
            "a duplicate id",
            b"L3,web,ok,5,3,7,1.5,00001,,001,0.5,2025-01-01,yes",
        ),
        (
            "a missing id",
            b",web,ok,5,3,7,1.5,00001,,001,0.5,2025-01-01,yes",
        ),
        ("a ragged row", b"L5000,web,x"),
        (
            "a forced number that is not one",
            b"L5000,web,ok,5,3,7,lots,00001,,001,0.5,2025-01-01,yes",
        ),
        (
            "a date that is not one",
            b"L5000,web,ok,5,3,7,1.5,00001,,001,0.5,2025/01/01,yes",
        ),
        (
            "a cell that is not UTF-8",
            b"L5000,w\xffb,ok,5,3,7,1.5,00001,,001,0.5,2025-01-01,yes",
        ),
    ];
    for (what, row) in broken {
        let dir = temp_with(&[
            ("deals.csv", &deals),
            ("mapping.toml", QUIRKS_MAPPING),
            ("p.toml", QUIRKS_POLICY),
        ]);
        let mut bytes = leads.clone().into_bytes();
        bytes.extend_from_slice(row);
        bytes.push(b'\n');
        std::fs::write(dir.path().join("leads.csv"), bytes).unwrap();
        let (policy, mapping) = (dir.path().join("p.toml"), dir.path().join("mapping.toml"));
        let whole = whole_bytes(&policy, &mapping, &dir.path().join("whole.csv"))
            .err()
            .unwrap_or_else(|| panic!("{what}: the whole-file way accepted it"));
        let out = dir.path().join("parts.csv");
        let err = streamed(&policy, &mapping, &out, 2048)
            .err()
            .unwrap_or_else(|| panic!("{what}: the streamed way accepted it"));
        assert_eq!(err, whole, "{what}");
        assert!(!out.exists(), "{what}: a decisions file was left behind");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{what}: temporary files left: {leftovers:?}"
        );
    }
}

/// Other outputs and formats take the whole-file way, with the same result.
#[test]
fn json_output_and_parquet_leads_take_the_whole_file_way() {
    let dir = tempfile::tempdir().unwrap();
    let policy = root().join("policies/draft.toml");
    let run = streamed(&policy, &sample_mapping(), &dir.path().join("d.json"), 4096).unwrap();
    assert_eq!(run.parts, 0, "JSON output was streamed");
    let whole = whole_bytes(&policy, &sample_mapping(), &dir.path().join("w.json")).unwrap();
    assert_eq!(std::fs::read(dir.path().join("d.json")).unwrap(), whole);
}
