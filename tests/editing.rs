//! Structured edits of a policy's text (the desktop editor's write path), the autosaved working
//! copy, and the four-eyes rule on approval.

use leadpolicy::Error;
use leadpolicy::diag::Source;
use leadpolicy::policy::edit::{Edit, apply};
use leadpolicy::policy::view::{
    ActionView, Cond, EvidenceView, Lit, OverlapView, OwnerView, PolicyView, RouteKindView,
    RouteView, RuleView, Scalar,
};
use leadpolicy::policy::{self, Policy};

use crate::common::root;
use crate::workspace::{T, seeded, who};

fn draft_text() -> String {
    std::fs::read_to_string(root().join("policies/draft.toml")).unwrap()
}

fn parse(text: &str) -> Policy {
    policy::parse(Source::new("edited.toml", text)).unwrap_or_else(|d| panic!("{d}"))
}

fn ids(p: &Policy) -> Vec<&str> {
    p.rules.iter().map(|r| r.id.as_str()).collect()
}

fn usage(r: Result<String, leadpolicy::policy::edit::Error>) -> String {
    match r {
        Err(e) => e.to_string(),
        other => panic!("expected an edit to be refused, got {other:?}"),
    }
}

#[test]
fn the_view_reads_back_what_the_file_says() {
    let p = parse(&draft_text());
    let v = PolicyView::of(&p);
    assert_eq!(v.version, 4);
    assert_eq!(v.allowed.len(), 10);
    assert_eq!(v.sensitive, ["age_band", "gender", "postal_code"]);
    assert_eq!(v.evidence.min_enrichment_confidence, Some(0.6));
    assert_eq!(v.evidence.on_overlap, OverlapView::First);
    assert_eq!(v.rules.len(), 16);
    assert_eq!(
        v.rules[0].when,
        Cond::Any {
            items: vec![
                Cond::Field {
                    field: "job_level".into(),
                    op: "eq".into(),
                    value: Lit::Text("student".into())
                },
                Cond::Field {
                    field: "job_title".into(),
                    op: "contains".into(),
                    value: Lit::Text("student".into())
                },
            ]
        }
    );
    let named = v.routes.iter().find(|r| r.name == "named_account").unwrap();
    assert_eq!(
        named.owner,
        Some(OwnerView::Field {
            field: "account_owner".into(),
            fallback: Some("Named accounts pool".into())
        })
    );
}

#[test]
fn rules_are_added_where_the_decision_order_puts_them_and_comments_survive() {
    let text = draft_text();
    let rule = |id: &str, action: ActionView| RuleView {
        id: id.into(),
        description: Some("added in a test".into()),
        action,
        when: Cond::All {
            items: vec![
                Cond::Field {
                    field: "employees".into(),
                    op: "gte".into(),
                    value: Lit::Number(5000.0),
                },
                Cond::Not {
                    item: Box::new(Cond::Signal {
                        name: "engaged".into(),
                    }),
                },
                Cond::Field {
                    field: "industry".into(),
                    op: "in".into(),
                    value: Lit::List(vec![
                        Scalar::Text("retail".into()),
                        Scalar::Text("media".into()),
                    ]),
                },
            ],
        },
    };
    let dq = apply(
        &text,
        &Edit::PutRule {
            index: None,
            rule: rule(
                "dq-x",
                ActionView::Disqualify {
                    reason: "competitor".into(),
                },
            ),
        },
    )
    .unwrap();
    let p = parse(&dq);
    assert_eq!(ids(&p)[6], "dq-x", "after the last disqualify rule");
    assert_eq!(ids(&p)[7], "named-accounts");
    let route = apply(
        &dq,
        &Edit::PutRule {
            index: None,
            rule: rule(
                "route-x",
                ActionView::Route {
                    route: "nurture".into(),
                },
            ),
        },
    )
    .unwrap();
    let p = parse(&route);
    assert_eq!(*ids(&p).last().unwrap(), "route-x");
    // Every comment of the file is still there, and whole numbers stay whole.
    for line in text.lines().filter(|l| l.trim_start().starts_with('#')) {
        assert!(route.contains(line), "lost comment: {line}");
    }
    assert!(
        route.contains("{ field = \"employees\", gte = 5000 }"),
        "{route}"
    );
    // The same rule read back is the rule written.
    let back = PolicyView::of(&p);
    assert_eq!(
        back.rules.last().unwrap().when,
        rule("x", ActionView::Route { route: "n".into() }).when
    );

    // Replace, move and delete by index.
    let replaced = apply(
        &route,
        &Edit::PutRule {
            index: Some(0),
            rule: rule(
                "dq-students",
                ActionView::Disqualify {
                    reason: "student".into(),
                },
            ),
        },
    )
    .unwrap();
    let p = parse(&replaced);
    assert_eq!(p.rules[0].description.as_deref(), Some("added in a test"));
    let moved = apply(&replaced, &Edit::MoveRule { from: 0, to: 2 }).unwrap();
    assert_eq!(
        &ids(&parse(&moved))[..3],
        ["dq-job-seekers", "dq-competitors", "dq-students"]
    );
    let deleted = apply(&moved, &Edit::DeleteRule { index: 2 }).unwrap();
    assert!(!ids(&parse(&deleted)).contains(&"dq-students"));
    assert_eq!(parse(&deleted).rules.len(), 17);
}

#[test]
fn edits_refuse_what_would_be_wrong_and_say_why() {
    let text = draft_text();
    let m = usage(apply(
        &text,
        &Edit::Allow {
            field: "gender".into(),
            allowed: true,
        },
    ));
    assert!(m.contains("sensitive"), "{m}");
    let dup = RuleView {
        id: "dq-students".into(),
        description: None,
        action: ActionView::Disqualify {
            reason: "student".into(),
        },
        when: Cond::Signal {
            name: "engaged".into(),
        },
    };
    let m = usage(apply(
        &text,
        &Edit::PutRule {
            index: None,
            rule: dup,
        },
    ));
    assert!(m.contains("already exists"), "{m}");
    let m = usage(apply(
        &text,
        &Edit::PutSignal {
            previous: Some("engaged".into()),
            name: "persona_match".into(),
            when: Cond::Signal {
                name: "mid_market".into(),
            },
        },
    ));
    assert!(
        m.contains("signal named `persona_match` already exists"),
        "{m}"
    );
    let m = usage(apply(&text, &Edit::MoveRule { from: 0, to: 99 }));
    assert!(m.contains("no rule number 100"), "{m}");
    let m = usage(apply(
        &text,
        &Edit::DeleteSignal {
            name: "nope".into(),
        },
    ));
    assert!(m.contains("no signal `nope`"), "{m}");
    let m = usage(apply(
        "not = [toml",
        &Edit::Allow {
            field: "x".into(),
            allowed: true,
        },
    ));
    assert!(m.contains("not valid TOML"), "{m}");
    // The source view takes any text: the parser, not the edit, reports its problems.
    assert_eq!(
        apply(
            &text,
            &Edit::Source {
                text: "junk".into()
            }
        )
        .unwrap(),
        "junk"
    );
}

#[test]
fn fields_evidence_signals_reasons_and_routes_round_trip() {
    let mut text = draft_text();
    for edit in [
        Edit::Allow {
            field: "country".into(),
            allowed: true,
        },
        Edit::Allow {
            field: "territory".into(),
            allowed: true,
        },
        Edit::Allow {
            field: "territory".into(),
            allowed: false,
        },
        Edit::Evidence {
            evidence: EvidenceView {
                required: vec!["employees".into()],
                approved_sources: Some(vec!["clearbit".into(), "zoominfo".into()]),
                min_enrichment_confidence: None,
                on_overlap: OverlapView::Review,
            },
        },
        Edit::PutSignal {
            previous: Some("engaged".into()),
            name: "very_engaged".into(),
            when: Cond::Field {
                field: "engagement_score".into(),
                op: "gte".into(),
                value: Lit::Number(80.0),
            },
        },
        Edit::PutReason {
            code: "fraud".into(),
            label: "Looks fraudulent".into(),
        },
        Edit::PutRoute {
            previous: None,
            route: RouteView {
                name: "smb".into(),
                kind: RouteKindView::Sales,
                queue: Some("SMB desk".into()),
                owner: Some(OwnerView::Fixed {
                    name: "SMB pool".into(),
                }),
                sla_minutes: Some(240.0),
            },
        },
        Edit::DeleteRoute {
            name: "mid_market_nurture".into(),
        },
    ] {
        text = apply(&text, &edit).unwrap();
    }
    // The rules still name the old signal and route: the parser says where, with a hint.
    let problems = match policy::parse(Source::new("edited.toml", text.clone())) {
        Err(d) => d.to_string(),
        Ok(_) => panic!("renaming a used signal must be reported"),
    };
    assert!(
        problems.contains("engaged") && problems.contains("mid_market_nurture"),
        "{problems}"
    );
    // With the references removed, the edited policy parses and says what was set.
    let text = apply(
        &text,
        &Edit::PutSignal {
            previous: None,
            name: "engaged".into(),
            when: Cond::Field {
                field: "pages_viewed".into(),
                op: "gte".into(),
                value: Lit::Number(9.0),
            },
        },
    )
    .unwrap();
    let idx = parse_lenient_index(&text, "nurture-mid-market");
    let text = apply(&text, &Edit::DeleteRule { index: idx }).unwrap();
    let v = PolicyView::of(&parse(&text));
    assert!(
        v.allowed.contains(&"country".to_string()) && !v.allowed.contains(&"territory".to_string())
    );
    assert_eq!(v.allowed.len(), 11);
    assert_eq!(v.evidence.required, ["employees"]);
    assert_eq!(v.evidence.min_enrichment_confidence, None);
    assert_eq!(v.evidence.on_overlap, OverlapView::Review);
    assert!(v.signals.iter().any(|s| s.name == "very_engaged"));
    assert_eq!(v.reasons.last().unwrap().label, "Looks fraudulent");
    let smb = v.routes.iter().find(|r| r.name == "smb").unwrap();
    assert_eq!(smb.sla_minutes, Some(240.0));
    assert!(v.routes.iter().all(|r| r.name != "mid_market_nurture"));
}

/// Index of a rule by id in a text that may not parse yet (the `[[rules]]` tables in order).
fn parse_lenient_index(text: &str, id: &str) -> u32 {
    let doc: toml::Table = toml::from_str(text).unwrap();
    doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["id"].as_str() == Some(id))
        .unwrap() as u32
}

#[test]
fn the_working_copy_is_kept_until_saved_and_editors_cannot_approve() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let ws = seeded(dir.path()).await;
        let t = T;
        let id = "inbound-qualification";
        // Autosave takes text that does not parse, and the version is untouched.
        ws.set_working_copy(id, 4, "broken = [", t).await.unwrap();
        assert_eq!(
            ws.working_copy(id, 4).await.unwrap().unwrap().content,
            "broken = ["
        );
        let before = ws.version(id, Some(4)).await.unwrap();
        assert!(matches!(
            ws.save_working_copy_as_version(id, 4, who("bob")).await,
            Err(Error::Invalid(_))
        ));
        assert_eq!(ws.version(id, Some(4)).await.unwrap().sha256, before.sha256);
        // Submitting while the copy holds unsaved edits would orphan them: refused.
        ws.record_replay(
            id,
            4,
            &root().join("fixtures/sample/mapping.toml"),
            &Default::default(),
            who("carol"),
        )
        .await
        .unwrap();
        match ws.submit(id, 4, who("carol")).await {
            Err(Error::Lifecycle(m)) => assert!(m.contains("unsaved edits"), "{m}"),
            other => panic!("{other:?}"),
        }
        // A valid copy becomes the version (an audited edit by bob) and the copy is dropped.
        let edited = apply(
            &draft_text(),
            &Edit::Allow {
                field: "country".into(),
                allowed: true,
            },
        )
        .unwrap();
        ws.set_working_copy(id, 4, &edited, t).await.unwrap();
        ws.save_working_copy_as_version(id, 4, who("bob"))
            .await
            .unwrap();
        assert_eq!(ws.version(id, Some(4)).await.unwrap().content, edited);
        assert_eq!(ws.working_copy(id, 4).await.unwrap(), None);
        // bob edited it, carol submits: neither may approve; dave may.
        ws.record_replay(
            id,
            4,
            &root().join("fixtures/sample/mapping.toml"),
            &Default::default(),
            who("carol"),
        )
        .await
        .unwrap();
        ws.submit(id, 4, who("carol")).await.unwrap();
        for hand in ["alice", "bob", "carol"] {
            match ws.approve(id, 4, "ok", Some("pilot"), who(hand)).await {
                Err(Error::Lifecycle(m)) => assert!(m.contains("cannot approve"), "{m}"),
                other => panic!("{hand} approved: {other:?}"),
            }
        }
        ws.approve(id, 4, "ok", Some("pilot"), who("dave"))
            .await
            .unwrap();
        // Once submitted, autosave is refused.
        match ws.set_working_copy(id, 4, "x", t).await {
            Err(Error::Lifecycle(m)) => assert!(m.contains("can no longer be edited"), "{m}"),
            other => panic!("{other:?}"),
        }
        // Export to a chosen file in a folder that does not exist yet.
        let out = dir.path().join("chosen/folder/my-policy.toml");
        let x = ws.export_to(id, 4, &out, who("dave"), &[]).await.unwrap();
        assert_eq!(
            x.sha256,
            leadpolicy::sha256_hex(&std::fs::read(&out).unwrap())
        );
        assert!(
            dir.path()
                .join("chosen/folder/my-policy.manifest.json")
                .is_file()
        );
    });
}

#[test]
fn the_otherwise_route_is_set_changed_and_removed_leaving_the_rest_as_written() {
    let text = draft_text();
    assert_eq!(PolicyView::of(&parse(&text)).otherwise, None);
    let set = apply(
        &text,
        &Edit::Otherwise {
            route: Some("nurture".into()),
        },
    )
    .unwrap();
    assert!(set.starts_with(&text), "only a section is added:\n{set}");
    let p = parse(&set);
    assert_eq!(PolicyView::of(&p).otherwise.as_deref(), Some("nurture"));
    assert_eq!(
        p.otherwise.as_ref().map(|r| r.id.as_str()),
        Some("otherwise")
    );
    let unknown = apply(
        &set,
        &Edit::Otherwise {
            route: Some("nowhere".into()),
        },
    )
    .unwrap();
    let refused = policy::parse(Source::new("edited.toml", unknown)).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("unknown route `nowhere` in [otherwise]"),
        "{refused}"
    );
    let removed = apply(&set, &Edit::Otherwise { route: None }).unwrap();
    assert_eq!(removed.trim_end(), text.trim_end());
}
