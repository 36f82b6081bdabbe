//! Command-level tests through Tauri's mock runtime: the same IPC path the window takes, on a
//! fresh workspace seeded like a first launch. Expected figures come from the core replaying the
//! same files directly, so the shell is held to the core's numbers, not to numbers of its own.

// Tests may unwrap and panic: a failed expectation is exactly what a test should report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

use crate::session::{App, sample};

struct Harness {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

/// The app on a workspace in `dir/ws` (created on first launch).
fn harness_in(dir: &Path) -> Harness {
    let app = crate::app_builder(mock_builder(), Some(dir.join("ws")))
        .build(tauri::generate_context!())
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness { _app: app, window }
}

impl Harness {
    /// Invoke a command; Ok(json) or Err(AppError json).
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }
    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }
}

fn metric<'a>(replay: &'a Value, key: &str) -> &'a Value {
    replay["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == key)
        .unwrap_or_else(|| panic!("no metric {key}"))
}

/// The core's own replay of the bundled files.
fn core_replay(ws: &Path) -> leadpolicy::replay::Replay {
    let parse = |name: &str, text: &str| {
        leadpolicy::policy::parse(leadpolicy::diag::Source::new(name, text)).unwrap()
    };
    let ds = leadpolicy::dataset::Dataset::load(&ws.join("datasets/sample/mapping.toml")).unwrap();
    leadpolicy::replay::replay(
        &parse("baseline", sample::BASELINE),
        &parse("draft", sample::DRAFT),
        &ds,
    )
    .unwrap()
}

#[test]
fn bindings_are_current() {
    let generated = crate::bindings().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/lib/bindings.ts is out of date with the Rust commands: run `UPDATE_BINDINGS=1 cargo test --workspace bindings`"
    );
}

#[test]
fn first_launch_seeds_and_replays_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let h = harness_in(dir.path());
    let wb = h.ok("open_workbench", json!({}));
    assert_eq!(wb["policy_id"], "inbound-qualification");
    assert_eq!(wb["published"]["version"], 3);
    assert_eq!(wb["published"]["status"], "published");
    assert_eq!(wb["draft"]["version"], 4);
    assert_eq!(wb["draft"]["editable"], true);
    assert_eq!(wb["draft"]["problems"], json!([]));
    assert_eq!(wb["dataset"]["leads"], 15000);
    let fields = wb["dataset"]["fields"].as_array().unwrap();
    let employees = fields.iter().find(|f| f["name"] == "employees").unwrap();
    assert_eq!(employees["type"], "number");
    assert!(employees["min"].as_f64().unwrap() >= 1.0);
    let industry = fields.iter().find(|f| f["name"] == "industry").unwrap();
    assert!(
        industry["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "software")
    );
    assert!(industry["fill_rate"].as_f64().unwrap() < 1.0);

    let r = h.ok("replay", json!({ "generation": 1 }));
    let ws = Path::new(wb["workspace_dir"].as_str().unwrap());
    let core = core_replay(ws);
    assert_eq!(r["leads"], 15000);
    assert_eq!(
        metric(&r, "accepted")["baseline"],
        json!(core.baseline.metrics.accepted as f64)
    );
    assert_eq!(
        metric(&r, "accepted")["draft"],
        json!(core.draft.metrics.accepted as f64)
    );
    assert_eq!(
        metric(&r, "later_converted")["delta"],
        json!(
            core.draft.metrics.later_converted.unwrap() as f64
                - core.baseline.metrics.later_converted.unwrap() as f64
        )
    );
    assert_eq!(r["flips"]["flipped"], json!(core.flips.flipped));
    let total: u64 = r["flips"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()))
        .sum();
    assert_eq!(total, 15000);
    assert_eq!(r["charts"].as_array().unwrap().len(), 5);
    assert!(r["charts"][0]["svg"].as_str().unwrap().starts_with("<svg"));

    // A flip cell lists exactly its leads, and a lead opens both packets.
    let (b, d) = ("rejected", "nurture");
    let bi = [
        "accepted",
        "nurture",
        "rejected",
        "unresolved",
        "out_of_scope",
    ];
    let expected = r["flips"]["counts"][bi.iter().position(|x| *x == b).unwrap()]
        [bi.iter().position(|x| *x == d).unwrap()]
    .as_u64()
    .unwrap();
    assert!(expected > 0);
    let page = h.ok(
        "leads",
        json!({ "query": { "kind": "flip", "baseline": b, "draft": d }, "offset": 0, "limit": 10 }),
    );
    assert_eq!(page["total"].as_u64().unwrap(), expected);
    let lead = &page["leads"][0];
    assert_eq!(lead["baseline"]["decision"], b);
    assert_eq!(lead["draft"]["decision"], d);
    let id = lead["lead_id"].as_str().unwrap();
    let inspection = h.ok("inspect_lead", json!({ "leadId": id }));
    assert_eq!(inspection["baseline"]["decision"]["decision"], b);
    assert_eq!(inspection["draft"]["decision"]["decision"], d);
    assert!(
        inspection["baseline"]["disqualify_rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["deciding"] == true && r["fired"] == true)
    );

    let unknown = h
        .call("inspect_lead", json!({ "leadId": "L-999999" }))
        .unwrap_err();
    assert_eq!(unknown["code"], "unknown_lead");
    assert_eq!(unknown["place"], "lead L-999999");
}

#[test]
fn edits_autosave_replay_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let h = harness_in(dir.path());
    h.ok("open_workbench", json!({}));
    let before = h.ok("replay", json!({ "generation": 1 }));
    let rejected_before = metric(&before, "rejected")["draft"].as_f64().unwrap();

    // Allow a field, then add a rule with it: every lead in France is disqualified.
    let d = h.ok(
        "edit_draft",
        json!({ "edit": { "kind": "allow", "field": "country", "allowed": true } }),
    );
    assert!(
        d["policy"]["allowed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "country")
    );
    let rule = json!({
        "id": "dq-france", "description": null,
        "action": { "kind": "disqualify", "reason": "excluded_industry" },
        "when": { "kind": "field", "field": "country", "op": "eq", "value": "France" }
    });
    let d = h.ok(
        "edit_draft",
        json!({ "edit": { "kind": "put_rule", "index": null, "rule": rule } }),
    );
    assert_eq!(d["problems"], json!([]), "{}", d["problems"]);
    let ids: Vec<&str> = d["policy"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // A new disqualify rule goes after the last disqualify rule, before the routes.
    assert_eq!(ids[6], "dq-france");
    assert_eq!(ids[7], "named-accounts");
    assert!(
        d["text"].as_str().unwrap().contains("# ---- Routes"),
        "comments survive edits"
    );
    let after = h.ok("replay", json!({ "generation": 2 }));
    let rejected_after = metric(&after, "rejected")["draft"].as_f64().unwrap();
    assert!(
        rejected_after > rejected_before,
        "{rejected_before} → {rejected_after}"
    );
    // The baseline does not move.
    assert_eq!(
        metric(&after, "rejected")["baseline"],
        metric(&before, "rejected")["baseline"]
    );

    // A broken source is kept (autosaved) and located; replay refuses with the place.
    let text = d["text"]
        .as_str()
        .unwrap()
        .replace("id = \"dq-france\"", "id = \"dq-france\"\nbogus = 1");
    let broken = h.ok(
        "edit_draft",
        json!({ "edit": { "kind": "source", "text": text } }),
    );
    assert!(
        broken["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains("bogus"))
    );
    let line = text.lines().position(|l| l == "bogus = 1").unwrap() + 1;
    assert_eq!(broken["problems"][0]["line"], json!(line));
    let err = h.call("replay", json!({ "generation": 3 })).unwrap_err();
    assert_eq!(err["code"], "invalid");
    assert!(
        err["place"]
            .as_str()
            .unwrap()
            .contains(&format!("line {line}")),
        "{err}"
    );
    drop(h);

    // A new app on the same workspace (the window was closed) finds the unsaved text.
    let app = App::new(ws, "someone".into());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let draft = rt.block_on(app.draft()).unwrap().unwrap();
    assert!(draft.text.contains("bogus = 1"));
    assert!(draft.saved_at.is_some());
}

#[test]
fn review_approve_publish_export() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out/inbound-v4.toml");
    let h = harness_in(dir.path());
    h.ok("open_workbench", json!({}));
    h.ok("replay", json!({ "generation": 1 }));
    let r = h.ok("review", json!({}));
    assert_eq!(r["can_submit"], true);
    assert!(
        r["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["section"] == "rule")
    );

    let nameless = h.call("submit", json!({ "actor": "  " })).unwrap_err();
    assert_eq!(nameless["code"], "usage");
    let r = h.ok("submit", json!({ "actor": "maria" }));
    assert_eq!(r["draft"]["status"], "in_review");
    assert_eq!(r["replay_recorded"], true);
    assert_eq!(r["can_approve"], true);
    // Edits are refused once submitted, and nothing changes.
    let e = h
        .call(
            "edit_draft",
            json!({ "edit": { "kind": "allow", "field": "country", "allowed": true } }),
        )
        .unwrap_err();
    assert_eq!(e["code"], "lifecycle");

    let blocked = r["guardrails"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["blocked"] == true);
    if blocked {
        let e = h
            .call(
                "approve",
                json!({ "actor": "sam", "note": "ok", "overrideNote": null }),
            )
            .unwrap_err();
        assert_eq!(e["code"], "lifecycle");
    }
    let r = h.ok(
        "approve",
        json!({ "actor": "sam", "note": "Checked the flips", "overrideNote": "More nurture is intended" }),
    );
    assert_eq!(r["draft"]["status"], "approved");
    assert_eq!(r["approval"]["reviewer"], "sam");
    let r = h.ok("publish", json!({ "actor": "sam" }));
    assert_eq!(r["published"]["version"], 4);
    assert_eq!(r["draft"], Value::Null);

    let x = h.ok(
        "export_policy",
        json!({ "actor": "sam", "path": out.display().to_string() }),
    );
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(x["sha256"], leadpolicy::sha256_hex(&bytes));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(x["manifest_path"].as_str().unwrap()).unwrap())
            .unwrap();
    assert_eq!(manifest["version"], 4);
    assert_eq!(manifest["file"], "inbound-v4.toml");
    assert_eq!(manifest["approval"]["reviewer"], "sam");
    // The app's export is signed with the workspace's key, and verifies as a routing system
    // would check it.
    let keys = h.ok("keys", json!({}));
    let own = keys["keys"][0]["key"].as_str().unwrap();
    assert_eq!(keys["keys"][0]["own"], true);
    assert_eq!(manifest["public_key"], own);
    let key = leadpolicy::store::signing::PublicKey::parse(own).unwrap();
    leadpolicy::store::signing::verify_files(
        &out,
        Path::new(x["manifest_path"].as_str().unwrap()),
        &[key],
    )
    .unwrap();
    // Trusting another key is listed, and a key that is not one is refused with its words.
    let bad = h
        .call(
            "trust_key",
            json!({ "actor": "sam", "key": "not-a-key", "name": "x" }),
        )
        .unwrap_err();
    assert_eq!(bad["code"], "usage");
    assert!(bad["message"].as_str().unwrap().contains("ed25519:"));

    let audit = h.ok("audit", json!({}));
    assert_eq!(audit["verified"], true);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["export", "publish", "approve", "submit", "replay"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let diff = h.ok("compare_versions", json!({ "from": 3, "to": 4 }));
    assert!(!diff.as_array().unwrap().is_empty());
    let wb = h.ok("new_draft", json!({ "actor": "maria" }));
    assert_eq!(wb["draft"]["version"], 5);
}

#[test]
fn a_bad_mapping_is_located_and_the_loaded_dataset_stays() {
    let dir = tempfile::tempdir().unwrap();
    let h = harness_in(dir.path());
    h.ok("open_workbench", json!({}));
    let text = h.ok("read_mapping", json!({}));
    let broken = text
        .as_str()
        .unwrap()
        .replace("[columns]", "[columns]\n\"Nope\" = { name = 1 }");
    let channel = json!("__CHANNEL__:1");
    let e = h
        .call(
            "save_mapping",
            json!({ "text": broken, "onProgress": channel }),
        )
        .unwrap_err();
    assert_eq!(e["code"], "invalid", "{e}");
    assert!(e["place"].as_str().unwrap().contains("line"), "{e}");
    // Still the sample, still loaded, file unchanged.
    let again = h.ok("read_mapping", json!({}));
    assert_eq!(again, text);
    let r = h.ok("replay", json!({ "generation": 1 }));
    assert_eq!(r["leads"], 15000);
}

/// A CRM export through the window's import path: inferred, corrected (a role moved, a
/// sensitive mark taken off), used; the sample policy does not fit it, a starter policy does,
/// and the replay says why its baseline side shows the draft.
#[test]
fn an_export_is_inferred_corrected_used_and_gets_a_starter_policy() {
    let dir = tempfile::tempdir().unwrap();
    let h = harness_in(dir.path());
    h.ok("open_workbench", json!({}));
    let export = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/import/salesforce_leads_excel.csv");
    let channel = json!("__CHANNEL__:1");
    let mut inf = h.ok(
        "infer_export",
        json!({ "leads": export, "outcomes": null, "sheet": null, "onProgress": channel }),
    );
    assert_eq!(inf["rows"], 60);
    assert_eq!(inf["encoding"], "windows-1252");
    // Corrections: country is a routing territory here, not a proxy; Industry becomes the form.
    for c in inf["columns"].as_array_mut().unwrap() {
        if c["header"] == "Country" {
            c["sensitive"] = Value::Null;
        }
        if c["header"] == "Industry" {
            c["role"] = json!({ "role": "form", "certainty": "sure", "why": "chosen by you" });
        }
    }
    let summary = h.ok(
        "use_inference",
        json!({ "inference": inf, "onProgress": channel }),
    );
    assert_eq!(summary["leads"], 60);
    let mapping = dir
        .path()
        .join("ws/datasets/salesforce_leads_excel/mapping.toml");
    let text = std::fs::read_to_string(&mapping).unwrap();
    assert!(text.contains("form = \"industry\""), "{text}");
    assert!(
        text.contains("\"Country\" = { name = \"country\", sensitive = false }"),
        "{text}"
    );
    assert!(
        text.contains("\"Gender\" = { name = \"gender\", sensitive = true }"),
        "{text}"
    );
    // The sample draft reads fields this export lacks.
    let e = h.call("replay", json!({ "generation": 1 })).unwrap_err();
    assert_eq!(e["code"], "invalid", "{e}");
    let starter = h.ok("starter_draft", json!({}));
    let starter = starter.as_str().unwrap();
    assert!(
        starter.contains("id = \"inbound-qualification\""),
        "{starter}"
    );
    assert!(
        starter.contains("sensitive = [\"city\", \"gender\"]"),
        "{starter}"
    );
    h.ok(
        "edit_draft",
        json!({ "edit": { "kind": "source", "text": starter } }),
    );
    let r = h.ok("replay", json!({ "generation": 2 }));
    assert_eq!(r["leads"], 60);
    assert!(
        r["baseline_note"]
            .as_str()
            .is_some_and(|n| n.contains("does not have")),
        "{r}"
    );
    assert_eq!(
        metric(&r, "nurture")["draft"],
        60.0,
        "everything else → nurture"
    );
}
