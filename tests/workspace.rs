//! The workspace: lifecycle rules, guardrails, semantic diff, audit chain, export/import, and
//! what survives crashes and concurrent writers.

use std::path::{Path, PathBuf};
use std::process::Command;

use leadpolicy::Error;
use leadpolicy::store::{Actor, Status, Workspace, audit, lifecycle::parse_version};

use crate::common::root;

pub(crate) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) const T: &str = "2026-11-27T10:00:00Z";
pub(crate) fn who(user: &str) -> Actor<'_> {
    Actor { user, now: T }
}

/// A workspace with the shipped baseline published (by `seed`) and the draft v4 (by `alice`).
pub(crate) async fn seeded(dir: &Path) -> Workspace {
    let ws = Workspace::create(dir).await.unwrap();
    ws.import(&root().join("policies/baseline.toml"), true, who("seed"))
        .await
        .unwrap();
    ws.import(&root().join("policies/draft.toml"), false, who("alice"))
        .await
        .unwrap();
    ws
}

fn sample() -> PathBuf {
    root().join("fixtures/sample/mapping.toml")
}

fn lifecycle_err<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Lifecycle(m)) => m,
        other => panic!("expected a lifecycle error, got {other:?}"),
    }
}

#[test]
fn the_lifecycle_refuses_every_shortcut_and_changes_nothing_when_it_does() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let ws = seeded(dir.path()).await;
        let id = "inbound-qualification";
        // No replay on record → no submit.
        let m = lifecycle_err(ws.submit(id, 4, who("alice")).await);
        assert!(m.contains("no replay of this exact content"), "{m}");
        // Approve or publish a draft → refused.
        assert!(
            lifecycle_err(ws.approve(id, 4, "ok", None, who("bob")).await)
                .contains("needs a version in review")
        );
        assert!(
            lifecycle_err(ws.publish(id, 4, who("bob")).await)
                .contains("needs an approved version")
        );
        assert_eq!(
            ws.log().await.unwrap().len(),
            2,
            "refused actions leave no audit entry"
        );

        ws.record_replay(id, 4, &sample(), &Default::default(), who("alice"))
            .await
            .unwrap();
        assert_eq!(
            ws.submit(id, 4, who("alice")).await.unwrap().status,
            Status::InReview
        );
        // The author cannot approve; a second reviewer can, but the guardrails block the draft
        // (it raises low-fit handoffs on the sample) until an override note is written.
        assert!(
            lifecycle_err(ws.approve(id, 4, "ok", None, who("alice")).await)
                .contains("cannot approve it")
        );
        let m = lifecycle_err(ws.approve(id, 4, "ok", None, who("bob")).await);
        assert!(
            m.contains("blocked by the guardrails") && m.contains("low-fit handoffs"),
            "{m}"
        );
        let (v, checks) = ws
            .approve(
                id,
                4,
                "reviewed the flips",
                Some("event pilot accepts more send-backs"),
                who("bob"),
            )
            .await
            .unwrap();
        assert_eq!(v.status, Status::Approved);
        assert!(
            checks
                .iter()
                .any(|c| c.key == "max_low_fit_handoffs_increase"
                    && c.blocked
                    && c.worsening == Some(158.0))
        );
        let a = ws.approval(id, 4).await.unwrap().unwrap();
        assert_eq!(
            (a.reviewer.as_str(), a.override_note.as_deref()),
            ("bob", Some("event pilot accepts more send-backs"))
        );

        // Publishing makes v4 the baseline and retires v3; v4 cannot change any more.
        ws.publish(id, 4, who("carol")).await.unwrap();
        assert_eq!(ws.published(id).await.unwrap().unwrap().version, 4);
        assert_eq!(
            ws.version(id, Some(3)).await.unwrap().status,
            Status::Retired
        );
        assert!(lifecycle_err(ws.publish(id, 4, who("carol")).await).contains("it is published"));

        // Editing the published policy creates the next draft, renumbered in its content.
        let edited = dir.path().join("edit.toml");
        let text = std::fs::read_to_string(root().join("policies/draft.toml"))
            .unwrap()
            .replace("sla_minutes = 15", "sla_minutes = 10");
        std::fs::write(&edited, text).unwrap();
        let r = ws.import(&edited, false, who("alice")).await.unwrap();
        assert_eq!(
            (r.version, r.status, r.action),
            (5, Status::Draft, "new_version")
        );
        let v5 = ws.version(id, Some(5)).await.unwrap();
        assert!(v5.content.contains("version = 5") && v5.content.contains("sla_minutes = 10"));
        assert_eq!(
            ws.version(id, Some(4)).await.unwrap().sha256,
            v.sha256,
            "the published version is unchanged"
        );

        let actions: Vec<String> = ws
            .log()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "import", "import", "replay", "submit", "override", "approve", "retire", "publish",
                "edit"
            ]
        );
        assert_eq!(audit::verify(&ws.log().await.unwrap()), Ok(9));
        ws.close().await;
    });
}

#[test]
fn the_semantic_diff_names_what_a_reviewer_must_see() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let ws = seeded(dir.path()).await;
        let a = parse_version(&ws.version("inbound-qualification", Some(3)).await.unwrap()).unwrap();
        let b = parse_version(&ws.version("inbound-qualification", Some(4)).await.unwrap()).unwrap();
        let changes = leadpolicy::policy::diff::diff(&a, &b);
        let has = |section: &str, kind: &str, name: &str| changes.iter().any(|c| c.section.as_str() == section && c.kind.as_str() == kind && c.name == name);
        assert!(has("fields", "added", "allowed `email_domain`"), "{changes:#?}");
        assert!(has("fields", "added", "allowed `annual_revenue`"));
        assert!(has("rule", "added", "dq-competitors"));
        assert!(has("rule", "added", "dq-personal-email"));
        assert!(has("rule", "removed", "dq-micro-companies"));
        assert!(!has("rule", "reordered", "order"), "the shipped draft keeps the baseline's order");
        let min = changes.iter().find(|c| c.name == "min_enrichment_confidence").unwrap();
        assert_eq!((min.old.as_deref(), min.new.as_deref()), (Some("0.5"), Some("0.6")));
        let enterprise = changes.iter().find(|c| c.section.as_str() == "route" && c.name == "enterprise").unwrap();
        assert!(enterprise.old.as_deref().unwrap().contains("SLA 30 min") && enterprise.new.as_deref().unwrap().contains("SLA 15 min"));
        let text = leadpolicy::policy::diff::render(&changes, "v3", "v4");
        assert!(text.contains("+ rule added dq-competitors") && text.contains("    now: disqualify as `competitor` when { field = \"email_domain\", matches = "), "{text}");
        ws.close().await;
    });
    // Reordering is a change of its own: decision order is file order.
    let policy = |order: [&str; 2]| {
        let rules: String = order
            .iter()
            .map(|id| {
                format!(
                    "[[rules]]\nid = \"{id}\"\nroute = \"s\"\nwhen = {{ field = \"n\", gt = 1 }}\n"
                )
            })
            .collect();
        let text = format!(
            "[policy]\nid = \"p\"\nversion = 1\n[fields]\nallowed = [\"n\"]\n[routes.s]\nkind = \"sales\"\n{rules}"
        );
        leadpolicy::policy::parse(leadpolicy::diag::Source::new("p.toml", text)).unwrap()
    };
    let changes = leadpolicy::policy::diff::diff(&policy(["a", "b"]), &policy(["b", "a"]));
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(
        (
            changes[0].kind.as_str(),
            changes[0].old.as_deref(),
            changes[0].new.as_deref()
        ),
        ("reordered", Some("a, b"), Some("b, a"))
    );
}

/// [`seeded`], with v4 replayed, submitted by alice and approved by bob (with an override).
pub(crate) async fn approved_v4(dir: &Path) -> Workspace {
    let ws = seeded(dir).await;
    ws.record_replay(
        "inbound-qualification",
        4,
        &sample(),
        &Default::default(),
        who("alice"),
    )
    .await
    .unwrap();
    ws.submit("inbound-qualification", 4, who("alice"))
        .await
        .unwrap();
    ws.approve(
        "inbound-qualification",
        4,
        "reviewed",
        Some("pilot"),
        who("bob"),
    )
    .await
    .unwrap();
    ws
}

#[test]
fn an_export_reimports_elsewhere_and_a_one_byte_change_is_refused() {
    let (a, b, out) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    rt().block_on(async {
        let ws = approved_v4(a.path()).await;
        let e = ws
            .export("inbound-qualification", 4, out.path(), who("carol"))
            .await
            .unwrap();
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&e.manifest).unwrap()).unwrap();
        assert_eq!(
            manifest["sha256"],
            leadpolicy::sha256_hex(&std::fs::read(&e.policy).unwrap())
        );
        assert_eq!(manifest["approval"]["reviewer"], "bob");
        assert_eq!(manifest["evidence"]["draft"]["low_fit_handoffs"], 423);
        assert_eq!(manifest["evidence"]["baseline_version"], 3);
        assert!(
            manifest["evidence"]["dataset_sha256"]
                .as_str()
                .unwrap()
                .len()
                == 64
        );

        let other = Workspace::create(b.path()).await.unwrap();
        let key = ws.public_key().unwrap();
        other.trust(&key, "workspace A", who("dana")).await.unwrap();
        assert_eq!(
            other.import_export(&e.policy, who("dana")).await.unwrap(),
            ("inbound-qualification".to_string(), 4)
        );
        assert_eq!(
            other
                .version("inbound-qualification", Some(4))
                .await
                .unwrap()
                .status,
            Status::Approved
        );
        assert_eq!(
            other
                .approval("inbound-qualification", 4)
                .await
                .unwrap()
                .unwrap()
                .reviewer,
            "bob"
        );

        // Flip one byte of the policy file: refused, nothing imported.
        let mut bytes = std::fs::read(&e.policy).unwrap();
        let i = bytes.iter().position(|&c| c == b'5').unwrap();
        bytes[i] = b'6';
        std::fs::write(&e.policy, &bytes).unwrap();
        let third = Workspace::create(&b.path().join("third")).await.unwrap();
        third.trust(&key, "workspace A", who("dana")).await.unwrap();
        match third.import_export(&e.policy, who("dana")).await {
            Err(Error::Tampered(m)) => {
                assert!(m.contains("was edited after export"), "{m}")
            }
            other => panic!("expected a tampering error, got {other:?}"),
        }
        assert!(third.versions().await.unwrap().is_empty());
        ws.close().await;
    });
}

#[test]
fn log_verify_catches_an_edited_or_deleted_entry() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let ws = approved_v4(dir.path()).await;
        assert_eq!(audit::verify(&ws.log().await.unwrap()), Ok(6));
        ws.close().await;
        // Someone with the database file drops the guard and rewrites history.
        let url = format!("sqlite://{}", dir.path().join("workspace.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let updated = sqlx::query("UPDATE audit SET actor = 'mallory' WHERE seq = 3").execute(&pool).await;
        assert!(updated.is_err(), "the trigger refuses edits");
        sqlx::raw_sql("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 3").execute(&pool).await.unwrap();
        pool.close().await;
        let ws = Workspace::open(dir.path()).await.unwrap();
        let broken = audit::verify(&ws.log().await.unwrap()).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(broken.problem.contains("edited"), "{}", broken.problem);
        ws.close().await;

        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::raw_sql("DROP TRIGGER audit_no_delete; UPDATE audit SET actor = 'alice' WHERE seq = 3; DELETE FROM audit WHERE seq = 4").execute(&pool).await.unwrap();
        pool.close().await;
        let ws = Workspace::open(dir.path()).await.unwrap();
        let broken = audit::verify(&ws.log().await.unwrap()).unwrap_err();
        assert_eq!(broken.seq, 5);
        assert!(broken.problem.contains("deleted"), "{}", broken.problem);
        ws.close().await;
    });
}

#[test]
fn a_missing_or_newer_workspace_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        match Workspace::open(&dir.path().join("nope")).await {
            Err(Error::Workspace(m)) => assert!(
                m.contains("no workspace at") && m.contains("workspace init"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
        let ws = Workspace::create(dir.path()).await.unwrap();
        ws.close().await;
        let url = format!("sqlite://{}", dir.path().join("workspace.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::raw_sql("PRAGMA user_version = 99")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        match Workspace::open(dir.path()).await {
            Err(Error::Workspace(m)) => assert!(m.contains("newer leadpolicy (schema 99"), "{m}"),
            other => panic!("{other:?}"),
        }
    });
}

fn lp() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("leadpolicy"));
    c.current_dir(root());
    c
}

/// `leadpolicy workspace --workspace DIR ARGS…`, as a command to run.
fn in_ws(dir: &Path, args: &[&std::ffi::OsStr]) -> Command {
    let mut c = lp();
    c.arg("workspace").arg("--workspace").arg(dir).args(args);
    c
}

fn run_ok(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        c,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A replay recorded for a cohort keeps it; `workspace track` follows the published version and
/// says in words when no lead was created since it was published.
#[test]
fn a_recorded_replay_keeps_its_cohort_and_track_follows_the_published_version() {
    let w = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut c = lp();
        c.arg("workspace").arg("--workspace").arg(w.path());
        c.args(["--as", "alice"]).args(args);
        c.output().unwrap()
    };
    assert!(run(&["init"]).status.success());
    let out = run(&[
        "replay",
        "inbound-qualification",
        "--version",
        "4",
        "--source",
        "paid_search",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["cohort"]["source"][0], "paid_search");
    let (leads, of) = (
        record["cohort"]["leads"].as_u64().unwrap(),
        record["cohort"]["of"].as_u64().unwrap(),
    );
    assert!(leads > 0 && leads < of, "{leads} of {of}");
    // Read back from the database, not only echoed.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stored = rt.block_on(async {
        let ws = Workspace::open(w.path()).await.unwrap();
        let v = ws.version("inbound-qualification", Some(4)).await.unwrap();
        ws.latest_replay(&v).await.unwrap().unwrap()
    });
    assert_eq!(
        (stored.cohort.source.clone(), stored.cohort.leads as u64),
        (vec!["paid_search".to_string()], leads)
    );
    // The sample's leads are from 2025; v3 was published today: nothing to track since then.
    let out = run(&["track", "inbound-qualification"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("since v3 was published"),
        "{err}"
    );
    let out = run(&[
        "track",
        "inbound-qualification",
        "--from",
        "2025-10-01",
        "--to",
        "2025-12-31",
        "--by",
        "month",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["policy"]["version"], 3);
    let starts: Vec<&str> = t["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["start"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["2025-10-01", "2025-11-01", "2025-12-01"]);
}

#[test]
fn the_cli_takes_a_draft_from_init_to_an_exported_file() {
    let (w, w2, out) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let ws = |c: &mut Command, user: &str| {
        c.arg("workspace")
            .arg("--workspace")
            .arg(w.path())
            .args(["--as", user]);
    };
    let step = |user: &str, args: &[&str]| {
        let mut c = lp();
        ws(&mut c, user);
        c.args(args);
        run_ok(&mut c)
    };
    assert!(step("alice", &["init"]).contains("v3 published"));
    assert!(step("alice", &["list"]).contains("draft"));
    step(
        "alice",
        &["replay", "inbound-qualification", "--version", "4"],
    );
    step(
        "alice",
        &["submit", "inbound-qualification", "--version", "4"],
    );
    step(
        "bob",
        &[
            "approve",
            "inbound-qualification",
            "--version",
            "4",
            "--note",
            "ok",
            "--override",
            "pilot",
        ],
    );
    step(
        "carol",
        &["publish", "inbound-qualification", "--version", "4"],
    );
    let o = out.path().to_str().unwrap();
    step(
        "carol",
        &[
            "export",
            "inbound-qualification",
            "--version",
            "4",
            "--out",
            o,
        ],
    );
    // After publishing, `show` names the replay of record and what it was against.
    let shown = step(
        "carol",
        &["show", "inbound-qualification", "--version", "4"],
    );
    assert!(
        shown.contains("against baseline v3 (published then; this version is the baseline now)"),
        "{shown}"
    );
    let diff = step("carol", &["diff", "inbound-qualification", "3", "4"]);
    assert!(diff.contains("+ rule added dq-personal-email"), "{diff}");
    let list: serde_json::Value =
        serde_json::from_str(&step("carol", &["list", "--json"])).unwrap();
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["retired", "published"]);
    let mut c = lp();
    c.arg("workspace")
        .arg("--workspace")
        .arg(w.path())
        .args(["log", "--verify"]);
    let verified = c.output().unwrap();
    assert!(verified.status.success());
    assert!(String::from_utf8_lossy(&verified.stderr).contains("hash chain intact"));

    // The exported pair re-imports into another workspace; a one-byte change is refused.
    let file = out.path().join("inbound-qualification-v4.toml");
    let other = |args: &[&str]| {
        let mut c = lp();
        c.arg("workspace")
            .arg("--workspace")
            .arg(w2.path())
            .args(["--as", "dana"])
            .args(args);
        c.output().unwrap()
    };
    assert!(other(&["init", "--empty"]).status.success());
    // An empty workspace has no sample to fall back on: it says --dataset is needed.
    let no_sample = other(&["replay", "inbound-qualification", "--version", "1"]);
    assert_eq!(no_sample.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&no_sample.stderr).contains("pass --dataset MAPPING"),
        "{}",
        String::from_utf8_lossy(&no_sample.stderr)
    );
    let key = step("carol", &["key"]);
    assert!(key.starts_with("ed25519:"), "{key}");
    let trusted = other(&["trust", key.trim(), "--name", "revenue ops"]);
    assert!(trusted.status.success());
    let imported = other(&["import", file.to_str().unwrap()]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(
        String::from_utf8_lossy(&imported.stdout)
            .contains("imported `inbound-qualification` v4 as approved")
    );
    // Before anyone trusts the key, the same export is refused, saying how to trust it.
    let w4 = tempfile::tempdir().unwrap();
    run_ok(&mut in_ws(
        w4.path(),
        &["init".as_ref(), "--empty".as_ref()],
    ));
    let foreign = in_ws(w4.path(), &["import".as_ref(), file.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(foreign.status.code(), Some(1));
    let said = String::from_utf8_lossy(&foreign.stderr);
    assert!(
        said.contains("not a trusted key") && said.contains("leadpolicy workspace trust ed25519:"),
        "{said}"
    );
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let w3 = tempfile::tempdir().unwrap();
    run_ok(&mut in_ws(
        w3.path(),
        &["init".as_ref(), "--empty".as_ref()],
    ));
    run_ok(&mut in_ws(
        w3.path(),
        &[
            "trust".as_ref(),
            key.trim().as_ref(),
            "--name".as_ref(),
            "revenue ops".as_ref(),
        ],
    ));
    let refused = in_ws(w3.path(), &["import".as_ref(), file.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("was edited after export"));
}

/// A small deterministic generator for kill delays.
fn delays(seed: u64, n: usize, max_ms: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % max_ms
        })
        .collect()
}

fn copy_ws(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn killing_publish_and_export_at_random_points_leaves_the_old_or_the_new_state() {
    let template = tempfile::tempdir().unwrap();
    let rt = rt();
    rt.block_on(async {
        approved_v4(template.path()).await.close().await;
    });
    let (mut killed, mut finished, mut killed_after_commit) = (0, 0, 0);
    let work = tempfile::tempdir().unwrap();
    const RUNS: usize = 60;
    for (i, delay) in delays(7, RUNS, 30_000).into_iter().enumerate() {
        let ws_dir = work.path().join(format!("ws{i}"));
        copy_ws(template.path(), &ws_dir);
        let out_dir = work.path().join(format!("out{i}"));
        let publish = i % 2 == 0;
        let mut c = lp();
        c.arg("workspace")
            .arg("--workspace")
            .arg(&ws_dir)
            .args(["--as", "carol"]);
        if publish {
            c.args(["publish", "inbound-qualification", "--version", "4"]);
        } else {
            c.args(["export", "inbound-qualification", "--version", "4", "--out"])
                .arg(&out_dir);
        }
        let mut child = c
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(delay));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1
        } else {
            killed += 1
        }
        let was_killed = !status.success();

        rt.block_on(async {
            let ws = Workspace::open(&ws_dir)
                .await
                .expect("the database opens after a kill");
            let log = ws.log().await.unwrap();
            assert!(audit::verify(&log).is_ok(), "run {i}: the log verifies");
            let v3 = ws
                .version("inbound-qualification", Some(3))
                .await
                .unwrap()
                .status;
            let v4 = ws
                .version("inbound-qualification", Some(4))
                .await
                .unwrap()
                .status;
            // Exactly the old or the new state, never a mix.
            assert!(
                (v3, v4) == (Status::Published, Status::Approved)
                    || (v3, v4) == (Status::Retired, Status::Published),
                "run {i}: v3 {v3:?}, v4 {v4:?}"
            );
            let committed = log
                .iter()
                .any(|e| e.action == "publish" || e.action == "export");
            if was_killed && committed {
                killed_after_commit += 1;
            }
            let published_entries = log.iter().filter(|e| e.action == "publish").count();
            assert_eq!(
                published_entries == 1,
                v4 == Status::Published,
                "run {i}: the log matches the state"
            );
            let sha = ws
                .version("inbound-qualification", Some(4))
                .await
                .unwrap()
                .sha256;
            ws.close().await;
            // No partial export: whatever export file exists is complete.
            if out_dir.exists() {
                for f in std::fs::read_dir(&out_dir).unwrap() {
                    let p = f.unwrap().path();
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    if name.starts_with('.') {
                        continue; // a temporary file that was never renamed into place
                    }
                    let bytes = std::fs::read(&p).unwrap();
                    if name.ends_with(".toml") {
                        assert_eq!(
                            leadpolicy::sha256_hex(&bytes),
                            sha,
                            "run {i}: {name} is complete"
                        );
                    } else {
                        let m: serde_json::Value = serde_json::from_slice(&bytes)
                            .unwrap_or_else(|_| panic!("run {i}: {name} is complete JSON"));
                        assert_eq!(m["sha256"], sha);
                    }
                }
            }
        });
    }
    eprintln!(
        "kill test: {} runs: {finished} finished, {killed} killed ({killed_after_commit} after their transaction committed, {} before); every run left the old or the new state",
        killed + finished,
        killed - killed_after_commit
    );
    assert_eq!(killed + finished, RUNS);
    // A later export clears whatever temporary files the killed ones left behind.
    rt.block_on(async {
        for i in (1..RUNS).step_by(2) {
            let ws = Workspace::open(&work.path().join(format!("ws{i}")))
                .await
                .unwrap();
            let out_dir = work.path().join(format!("out{i}"));
            ws.export("inbound-qualification", 4, &out_dir, who("carol"))
                .await
                .unwrap();
            let names: Vec<String> = std::fs::read_dir(&out_dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect();
            assert_eq!(
                names.len(),
                2,
                "run {i}: only the policy and its manifest: {names:?}"
            );
            ws.close().await;
        }
    });
    assert!(
        killed > 0,
        "some kills must land before the command finished"
    );
}

#[test]
fn two_writers_at_once_get_busy_or_succeed_never_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    rt.block_on(async {
        approved_v4(dir.path()).await.close().await;
    });
    let spawn = || {
        let mut c = lp();
        c.arg("workspace").arg("--workspace").arg(dir.path()).args([
            "--as",
            "carol",
            "publish",
            "inbound-qualification",
            "--version",
            "4",
        ]);
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let ok = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(ok, 1, "exactly one publish wins");
    let loser = outs.iter().find(|o| !o.status.success()).unwrap();
    let msg = String::from_utf8_lossy(&loser.stderr);
    assert!(
        msg.contains("busy") || msg.contains("it is published"),
        "{msg}"
    );
    rt.block_on(async {
        let ws = Workspace::open(dir.path()).await.unwrap();
        assert!(audit::verify(&ws.log().await.unwrap()).is_ok());
        assert_eq!(
            ws.log()
                .await
                .unwrap()
                .iter()
                .filter(|e| e.action == "publish")
                .count(),
            1
        );
        ws.close().await;
    });
}

/// A small tmpfs of our own, unmounted when dropped (needs root, which CI has here).
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(dir.to_path_buf()))
    }
    fn remount(&self, opts: &str) {
        assert!(
            Command::new("mount")
                .args(["-o", &format!("remount,{opts}")])
                .arg(&self.0)
                .status()
                .unwrap()
                .success()
        );
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_or_read_only_disk_is_a_clear_error_and_loses_nothing() {
    let base = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(&base.path().join("disk"), "2m") else {
        eprintln!(
            "SKIPPED: cannot mount a tmpfs here (not root?); full and read-only disks untested"
        );
        return;
    };
    let ws_dir = disk.0.join("ws");
    let rt = rt();
    rt.block_on(async {
        let ws = approved_v4(&ws_dir).await;
        let before = ws.log().await.unwrap();
        // Fill the disk, then try to change and to export.
        let filler = disk.0.join("filler");
        let _ = std::fs::write(&filler, vec![0u8; 4 << 20]);
        let published = ws.publish("inbound-qualification", 4, who("carol")).await;
        let export_dir = disk.0.join("export");
        let exported = ws
            .export("inbound-qualification", 4, &export_dir, who("carol"))
            .await;
        let errors: Vec<String> = [published.err(), exported.err()]
            .into_iter()
            .flatten()
            .map(|e| e.to_string())
            .collect();
        assert!(!errors.is_empty(), "a full disk must fail something");
        eprintln!("full disk: {errors:?}");
        for e in &errors {
            assert!(
                e.contains("full") || e.contains("No space left"),
                "the message says why: {e}"
            );
        }
        // Nothing half-written: no export file without its complete content.
        if export_dir.exists() {
            for f in std::fs::read_dir(&export_dir).unwrap() {
                let name = f.unwrap().file_name().to_string_lossy().to_string();
                assert!(
                    name.starts_with('.') || name.ends_with(".toml") || name.ends_with(".json"),
                    "{name}"
                );
                assert!(
                    !name.starts_with(".inbound"),
                    "temporary files are removed on failure: {name}"
                );
            }
        }
        ws.close().await;
        std::fs::remove_file(&filler).unwrap();
        let ws = Workspace::open(&ws_dir).await.unwrap();
        let after = ws.log().await.unwrap();
        assert!(audit::verify(&after).is_ok());
        assert!(after.starts_with(&before), "no audit entry was lost");
        let v4 = ws
            .version("inbound-qualification", Some(4))
            .await
            .unwrap()
            .status;
        assert!(matches!(v4, Status::Approved | Status::Published));
        ws.close().await;

        // Read-only: opening for work is refused with the place named.
        disk.remount("ro");
        match Workspace::open(&ws_dir).await {
            Err(e) => {
                eprintln!("read-only: {e}");
                assert!(e.to_string().contains(&ws_dir.display().to_string()), "{e}");
            }
            Ok(ws) => {
                // SQLite may open read-only files; then any change must fail clearly.
                let r = ws.publish("inbound-qualification", 4, who("carol")).await;
                let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
                eprintln!("read-only: {msg}");
                assert!(msg.contains("read") || msg.contains("published"), "{msg}");
                ws.close().await;
            }
        }
        disk.remount("rw");
    });
}
