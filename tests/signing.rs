//! Signed exports: an untouched export verifies with the workspace's public key; every tamper an
//! attacker would try is refused by `verify` and by `import`, each with its own words; the
//! private key file is its owner's alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use leadpolicy::Error;
use leadpolicy::store::Workspace;
use leadpolicy::store::export::manifest_path;
use leadpolicy::store::signing::{self, KeyPair, PublicKey, Refusal};

use crate::common::root;
use crate::workspace::{approved_v4, rt, who};

/// A workspace in `dir` with v4 approved and exported into `out`; returns the policy file.
async fn exported(dir: &Path, out: &Path) -> (Workspace, PathBuf) {
    let ws = approved_v4(dir).await;
    let e = ws
        .export("inbound-qualification", 4, out, who("carol"))
        .await
        .unwrap();
    (ws, e.policy)
}

fn manifest_json(policy: &Path) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(&std::fs::read(manifest_path(policy)).unwrap())
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

fn write_manifest(policy: &Path, m: &serde_json::Map<String, serde_json::Value>) {
    std::fs::write(
        manifest_path(policy),
        serde_json::to_vec_pretty(&serde_json::Value::Object(m.clone())).unwrap(),
    )
    .unwrap();
}

fn check(policy: &Path, key: &PublicKey) -> Result<signing::Signed, Refusal> {
    signing::check(
        &std::fs::read(policy).unwrap(),
        &std::fs::read_to_string(manifest_path(policy)).unwrap(),
        std::slice::from_ref(key),
    )
}

fn verify_cli(policy: &Path, key: &str) -> (Option<i32>, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("leadpolicy"))
        .arg("verify")
        .arg(policy)
        .args(["--key", key])
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Import `policy` into a fresh workspace that trusts `key`; the error text when refused.
async fn import_refusal(dir: &Path, policy: &Path, key: &PublicKey) -> Option<String> {
    let ws = Workspace::create(dir).await.unwrap();
    ws.trust(key, "exporting workspace", who("dana"))
        .await
        .unwrap();
    let r = ws.import_export(policy, who("dana")).await;
    let versions = ws.versions().await.unwrap();
    ws.close().await;
    match r {
        Ok(_) => None,
        Err(Error::Tampered(m)) => {
            // INVARIANT: a refused import changes nothing.
            assert!(versions.is_empty(), "refused, yet imported: {versions:?}");
            Some(m)
        }
        Err(other) => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn an_untouched_export_verifies_and_every_tamper_is_refused_with_its_own_words() {
    let (a, b, out) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    rt().block_on(async {
        let (ws, policy) = exported(a.path(), out.path()).await;
        let key = ws.public_key().unwrap();
        let key_text = key.to_string();
        assert!(key_text.starts_with("ed25519:") && key_text.len() == 8 + 44);

        // The manifest carries the key, its id, the audit head and a signature.
        let m = manifest_json(&policy);
        assert_eq!(m["public_key"], key_text.as_str());
        assert_eq!(m["key_id"], key.id().as_str());
        let head = leadpolicy::store::audit::verify(&ws.log().await.unwrap());
        assert!(head.is_ok());
        let log = ws.log().await.unwrap();
        // The head at export is the entry before the export's own entry.
        assert_eq!(m["audit_head"], log[log.len() - 2].hash.as_str());
        assert_eq!(m["signature"].as_str().unwrap().len(), 88);

        // Round trip: the library, the CLI (key given as text and as a file) and an import.
        assert!(check(&policy, &key).is_ok());
        let (code, said) = verify_cli(&policy, &key_text);
        assert_eq!(code, Some(0), "{said}");
        assert!(said.contains("verified"), "{said}");
        let key_file = out.path().join("routing.pub");
        std::fs::write(&key_file, format!("{key_text}\n")).unwrap();
        assert_eq!(verify_cli(&policy, key_file.to_str().unwrap()).0, Some(0));
        assert_eq!(
            import_refusal(&b.path().join("ok"), &policy, &key).await,
            None
        );

        let pristine_policy = std::fs::read(&policy).unwrap();
        let pristine = manifest_json(&policy);
        let restore = || {
            std::fs::write(&policy, &pristine_policy).unwrap();
            write_manifest(&policy, &pristine);
        };
        let attacker = KeyPair::load_or_create(b.path()).unwrap();

        type Tamper<'a> = (&'a str, Box<dyn Fn() + 'a>, &'a str);
        let tampers: Vec<Tamper> = vec![
            (
                "one byte of the policy",
                Box::new(|| {
                    let mut bytes = pristine_policy.clone();
                    let i = bytes.iter().position(|&c| c == b'5').unwrap();
                    bytes[i] = b'6';
                    std::fs::write(&policy, bytes).unwrap();
                }),
                "was edited after export",
            ),
            (
                "a manifest field (the reviewer)",
                Box::new(|| {
                    let mut m = pristine.clone();
                    m["approval"]["reviewer"] = "mallory".into();
                    write_manifest(&policy, &m);
                }),
                "was edited after it was signed",
            ),
            (
                "a field added to the manifest",
                Box::new(|| {
                    let mut m = pristine.clone();
                    m.insert("note".into(), "harmless?".into());
                    write_manifest(&policy, &m);
                }),
                "was edited after it was signed",
            ),
            (
                "the policy edited and its sha256 recomputed in the manifest",
                Box::new(|| {
                    let mut text = String::from_utf8(pristine_policy.clone()).unwrap();
                    text.push_str("\n# routed differently now\n");
                    std::fs::write(&policy, &text).unwrap();
                    let mut m = pristine.clone();
                    m["sha256"] = leadpolicy::sha256_hex(text.as_bytes()).into();
                    write_manifest(&policy, &m);
                }),
                "was edited after it was signed",
            ),
            (
                "the signature stripped (and the sha256 recomputed)",
                Box::new(|| {
                    let mut text = String::from_utf8(pristine_policy.clone()).unwrap();
                    text.push('\n');
                    std::fs::write(&policy, &text).unwrap();
                    let mut m = pristine.clone();
                    m.remove("signature");
                    m["sha256"] = leadpolicy::sha256_hex(text.as_bytes()).into();
                    write_manifest(&policy, &m);
                }),
                "carries no signature",
            ),
            (
                "an empty signature",
                Box::new(|| {
                    let mut m = pristine.clone();
                    m["signature"] = "".into();
                    write_manifest(&policy, &m);
                }),
                "carries no signature",
            ),
            (
                "the public key swapped and the manifest re-signed by another key",
                Box::new(|| {
                    let mut m = pristine.clone();
                    let theirs = attacker.public();
                    m["public_key"] = theirs.to_string().into();
                    m["key_id"] = theirs.id().into();
                    m.remove("signature");
                    let sig = attacker.sign(&signing::canonical_bytes(&m));
                    m.insert("signature".into(), sig.into());
                    write_manifest(&policy, &m);
                }),
                "which is not a trusted key",
            ),
            (
                "the public key swapped without re-signing",
                Box::new(|| {
                    let mut m = pristine.clone();
                    let theirs = attacker.public();
                    m["public_key"] = theirs.to_string().into();
                    m["key_id"] = theirs.id().into();
                    write_manifest(&policy, &m);
                }),
                "was edited after it was signed",
            ),
            (
                "a key id that is not the key's",
                Box::new(|| {
                    let mut m = pristine.clone();
                    m["key_id"] = "0000000000000000".into();
                    write_manifest(&policy, &m);
                }),
                "was edited after it was signed",
            ),
        ];
        for (i, (what, tamper, expected)) in tampers.iter().enumerate() {
            restore();
            tamper();
            let (code, said) = verify_cli(&policy, &key_text);
            assert_eq!(code, Some(1), "verify accepted {what}: {said}");
            assert!(said.contains(expected), "verify, {what}: {said}");
            let refused = import_refusal(&b.path().join(format!("t{i}")), &policy, &key)
                .await
                .unwrap_or_else(|| panic!("import accepted {what}"));
            assert!(refused.contains(expected), "import, {what}: {refused}");
        }
        restore();
        assert!(check(&policy, &key).is_ok());

        // Verified with another workspace's key: signed by another key.
        let (code, said) = verify_cli(&policy, &attacker.public().to_string());
        assert_eq!(code, Some(1));
        assert!(said.contains("not a trusted key"), "{said}");
        // A key that is not a key: a usage error in words.
        let (code, said) = verify_cli(&policy, "ed25519:abc");
        assert_eq!(code, Some(2));
        assert!(said.contains("is not a leadpolicy public key"), "{said}");
        ws.close().await;
    });
}

#[test]
fn the_private_key_is_its_owners_alone_and_never_in_the_database_or_the_export() {
    let (a, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    rt().block_on(async {
        let (ws, policy) = exported(a.path(), out.path()).await;
        let key_file = a.path().join(signing::KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
        }
        let secret = std::fs::read_to_string(&key_file).unwrap();
        let seed = secret
            .lines()
            .find(|l| !l.starts_with('#'))
            .unwrap()
            .trim()
            .to_string();
        assert_eq!(seed.len(), 44);
        for f in [
            policy.clone(),
            manifest_path(&policy),
            a.path().join(leadpolicy::store::DB_FILE),
        ] {
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&seed),
                "the private key leaked into {}",
                f.display()
            );
        }
        // The same key on every use: made once, never replaced.
        let first = ws.public_key().unwrap();
        assert_eq!(ws.public_key().unwrap(), first);
        ws.close().await;

        // A key file others can read is refused, saying how to fix it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
            match KeyPair::load_or_create(a.path()) {
                Err(Error::Workspace(m)) => {
                    assert!(m.contains("chmod 600") && m.contains("mode 644"), "{m}")
                }
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
    });
}

#[test]
fn a_workspace_trusts_its_own_key_and_the_keys_it_is_told_to_trust() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    rt().block_on(async {
        let ws = Workspace::create(a.path()).await.unwrap();
        let other = KeyPair::load_or_create(b.path()).unwrap().public();
        let keys = ws.trusted_keys().await.unwrap();
        assert_eq!(keys.len(), 1);
        assert!(keys[0].own);
        ws.trust(&other, "EMEA revenue ops", who("dana"))
            .await
            .unwrap();
        let keys = ws.trusted_keys().await.unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].name, "EMEA revenue ops");
        assert_eq!(keys[1].key, other);
        // Trusting it twice, or without a name, is refused; the audit log records the trust.
        assert!(matches!(
            ws.trust(&other, "again", who("dana")).await,
            Err(Error::Lifecycle(_))
        ));
        assert!(matches!(
            ws.trust(
                &KeyPair::load_or_create(a.path()).unwrap().public(),
                " ",
                who("dana")
            )
            .await,
            Err(Error::Usage(_))
        ));
        let log = ws.log().await.unwrap();
        assert_eq!(log.last().unwrap().action, "trust_key");
        assert_eq!(log.last().unwrap().detail["key_id"], other.id().as_str());
        ws.close().await;
    });
}

#[test]
fn canonical_bytes_follow_rfc_8785() {
    // Members sorted, no whitespace, `signature` left out, numbers in ECMAScript form.
    let m: serde_json::Value = serde_json::from_str(
        r#"{"b": 1.0, "a": {"z": null, "y": [true, 0.5, 1e-7, 100]}, "signature": "x", "é": "line\nbreak"}"#,
    )
    .unwrap();
    let bytes = signing::canonical_bytes(m.as_object().unwrap());
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        r#"{"a":{"y":[true,0.5,1e-7,100],"z":null},"b":1,"é":"line\nbreak"}"#
    );
}

#[test]
fn a_routing_system_can_verify_without_leadpolicy() {
    // docs/verify_manifest.py is the README's recipe for routing teams (Python + `cryptography`,
    // which `.ci/test` installs): it must accept a real export and refuse a tampered one.
    let (a, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (policy, key) = rt().block_on(async {
        let (ws, policy) = exported(a.path(), out.path()).await;
        let key = ws.public_key().unwrap().to_string();
        ws.close().await;
        (policy, key)
    });
    let run = || {
        let o = Command::new("python3")
            .arg(root().join("docs/verify_manifest.py"))
            .arg(&policy)
            .arg(manifest_path(&policy))
            .arg(&key)
            .output()
            .expect("python3 runs");
        (
            o.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    let (code, said) = run();
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("verified"), "{said}");
    let mut m = manifest_json(&policy);
    m["evidence"]["draft"]["accepted"] = 1.into();
    write_manifest(&policy, &m);
    let (code, said) = run();
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("edited after it was signed"), "{said}");
}

#[test]
fn the_compiled_sql_beside_an_export_is_signed_with_it() {
    let (dir, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let key = rt().block_on(async {
        let ws = approved_v4(dir.path()).await;
        let key = ws.public_key().unwrap().to_string();
        ws.close().await;
        key
    });
    let sample = root().join("fixtures/sample/mapping.toml");
    let run = Command::new(assert_cmd::cargo::cargo_bin("leadpolicy"))
        .args(["workspace", "--workspace"])
        .arg(dir.path())
        .args([
            "--as",
            "carol",
            "export",
            "inbound-qualification",
            "--version",
            "4",
            "--out",
        ])
        .arg(out.path())
        .arg("--sql")
        .arg(&sample)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let policy = out.path().join("inbound-qualification-v4.toml");
    // One view per dialect, each the one `sql --view` writes, recorded in the signed manifest.
    let listed = manifest_json(&policy)["compiled_sql"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), 3);
    let p = leadpolicy::policy::load(&policy).unwrap();
    let m = leadpolicy::dataset::mapping::Mapping::load(&sample).unwrap();
    let ds = leadpolicy::dataset::Dataset::from_mapping(&m).unwrap();
    let target = leadpolicy::sql::Target {
        ds: &ds,
        mapping: &m,
        leads_table: "leads",
        outcomes_table: "outcomes",
    };
    for (entry, dialect) in listed.iter().zip(leadpolicy::sql::Dialect::ALL) {
        let file = out.path().join(entry["file"].as_str().unwrap());
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text,
            format!(
                "{};\n",
                leadpolicy::sql::view(&p, &target, dialect).unwrap()
            )
        );
        assert!(text.starts_with("CREATE OR REPLACE VIEW leadpolicy_inbound_qualification_v4 AS"));
        assert_eq!(
            entry["sha256"].as_str().unwrap(),
            leadpolicy::sha256_hex(text.as_bytes())
        );
    }
    // The routing team's check without leadpolicy does the same.
    let by_python = || {
        Command::new("python3")
            .arg(root().join("docs/verify_manifest.py"))
            .arg(&policy)
            .arg(manifest_path(&policy))
            .arg(&key)
            .output()
            .expect("python3 runs")
    };
    let (code, said) = verify_cli(&policy, &key);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("the compiled SQL beside it is unchanged"),
        "{said}"
    );
    assert_eq!(by_python().status.code(), Some(0));
    // One changed byte in a view, or a missing view, is refused in words.
    let spark = out.path().join("inbound-qualification-v4.spark.sql");
    let text = std::fs::read_to_string(&spark).unwrap();
    std::fs::write(&spark, text.replacen("'rejected'", "'accepted'", 1)).unwrap();
    let (code, said) = verify_cli(&policy, &key);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("spark.sql` was edited after export"),
        "{said}"
    );
    let refused = by_python();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("spark.sql was edited after export"));
    std::fs::remove_file(&spark).unwrap();
    let (code, said) = verify_cli(&policy, &key);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("cannot be read: it does not exist"), "{said}");
    // Stripping the list from the manifest breaks its signature.
    let mut m = manifest_json(&policy);
    m.remove("compiled_sql");
    write_manifest(&policy, &m);
    let (code, said) = verify_cli(&policy, &key);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("was edited after it was signed"), "{said}");
}
