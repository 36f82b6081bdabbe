//! `leadpolicy workspace …`: the versioned workspace from a terminal or a script. Reads the
//! clock and the user here and hands them to the core as an [`Actor`].

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use leadpolicy::Error;
use leadpolicy::store::{Actor, Workspace, audit, lifecycle};

#[derive(Subcommand, Debug)]
pub enum WorkspaceCommand {
    /// Create a workspace seeded with the bundled policies (baseline published, draft ready) and
    /// the sample leads
    Init {
        /// The repository folder holding `policies/` and `fixtures/` to seed from
        #[arg(long, default_value = ".")]
        from: PathBuf,
        /// Create the workspace without seeding it (e.g. to receive an exported policy)
        #[arg(long)]
        empty: bool,
    },
    /// Add a policy file: a new draft, an edit of a draft, or the next version of one that left
    /// draft. An exported file with its manifest comes in as approved, after its hash is checked
    Import {
        file: PathBuf,
        /// Record this first version of a policy as the published baseline
        #[arg(long)]
        published: bool,
    },
    /// Every version with its status
    List {
        #[arg(long)]
        json: bool,
    },
    /// One version: status, approval, the replay on record, the guardrails, the content
    Show {
        policy: String,
        #[arg(long)]
        version: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// What changed between two versions
    Diff {
        policy: String,
        old: i64,
        new: i64,
        #[arg(long)]
        json: bool,
    },
    /// Replay a version against the published baseline and keep the result on record
    Replay {
        policy: String,
        #[arg(long)]
        version: i64,
        /// Dataset mapping (default: the workspace's sample)
        #[arg(long)]
        dataset: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// The leads to replay (recorded with the replay): a date window, sources, campaigns,
        /// forms, a conversion window
        #[command(flatten)]
        cohort: crate::CohortArgs,
    },
    /// The published version's first days: its decisions period by period since it was published
    /// (90 days, or --from/--to) next to what actually happened; see `leadpolicy track`
    Track {
        policy: String,
        /// Dataset mapping (default: the workspace's sample)
        #[arg(long)]
        dataset: Option<PathBuf>,
        #[command(flatten)]
        cohort: crate::CohortArgs,
        /// Period length: week (ISO, Monday first), month or quarter
        #[arg(long, default_value = "week")]
        by: leadpolicy::replay::Period,
        #[arg(long)]
        json: bool,
    },
    /// Submit a draft for review (needs a replay of its exact content on record)
    Submit {
        policy: String,
        #[arg(long)]
        version: i64,
    },
    /// Approve a version in review (not its author); guardrails may require --override
    Approve {
        policy: String,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        note: String,
        /// Why to approve although a guardrail blocks (kept in the audit log)
        #[arg(long = "override")]
        override_note: Option<String>,
    },
    /// Publish an approved version: it becomes the baseline, the previous one is retired
    Publish {
        policy: String,
        #[arg(long)]
        version: i64,
    },
    /// Write an approved or published version and its manifest into a folder
    Export {
        policy: String,
        #[arg(long)]
        version: i64,
        #[arg(long)]
        out: PathBuf,
        /// Also write the policy compiled to SQL beside it, a view per dialect (DuckDB,
        /// PostgreSQL, Spark SQL) over a leads table shaped like this dataset mapping's export;
        /// the manifest records and signs their sha256
        #[arg(long, value_name = "MAPPING")]
        sql: Option<PathBuf>,
        /// With --sql: the table the views read
        #[arg(long, default_value = "leads", requires = "sql")]
        leads_table: String,
    },
    /// The audit log; --verify checks the hash chain
    Log {
        #[arg(long)]
        verify: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show the guardrail settings, or set one: `settings KEY VALUE`
    Settings {
        key: Option<String>,
        value: Option<f64>,
    },
    /// Print this workspace's public key (`ed25519:…`), the one its exports are signed with;
    /// hand it to the routing team and to workspaces that import those exports
    Key,
    /// Trust a public key to sign exports this workspace imports
    Trust {
        /// The key as `leadpolicy workspace key` prints it (`ed25519:…`), or a file holding it
        key: String,
        /// Whose key it is
        #[arg(long)]
        name: String,
    },
    /// The keys this workspace trusts (its own first)
    Trusted {
        #[arg(long)]
        json: bool,
    },
}

fn json_out<T: serde::Serialize>(v: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(v)
        .map_err(|e| Error::Usage(format!("cannot render JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(to).map_err(|e| Error::write(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let target = to.join(entry.file_name());
        if entry.path().is_file() {
            std::fs::copy(entry.path(), &target).map_err(|e| Error::write(&target, e))?;
        }
    }
    Ok(())
}

pub fn run(dir: &Path, user: &str, cmd: WorkspaceCommand) -> Result<ExitCode, Error> {
    // Multi-threaded: Polars, running inside, may block in place.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Workspace(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(run_async(dir, user, cmd))
}

async fn run_async(dir: &Path, user: &str, cmd: WorkspaceCommand) -> Result<ExitCode, Error> {
    let now = leadpolicy::store::actor::now();
    let actor = Actor { user, now: &now };
    if let WorkspaceCommand::Init { from, empty } = &cmd {
        let ws = Workspace::create(dir).await?;
        // The signing key pair is made now, so the first export does not have to.
        let key = ws.public_key()?;
        println!("signing key {} ({key})", key.id());
        if *empty {
            println!("empty workspace ready at {}", dir.display());
            ws.close().await;
            return Ok(ExitCode::SUCCESS);
        }
        let sample = dir.join("datasets/sample");
        if !sample.join("mapping.toml").exists() {
            copy_dir(&from.join("fixtures/sample"), &sample)?;
        }
        let (base, draft) = ws
            .seed(
                &leadpolicy::policy::load(&from.join("policies/baseline.toml"))?,
                &leadpolicy::policy::load(&from.join("policies/draft.toml"))?,
                &now,
            )
            .await?;
        println!(
            "workspace ready at {}: `{}` v{} {} (baseline), v{} {} (draft); sample leads in {}",
            dir.display(),
            base.policy_id,
            base.version,
            base.status.as_str(),
            draft.version,
            draft.status.as_str(),
            sample.display()
        );
        ws.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    let ws = Workspace::open(dir).await?;
    let code = match cmd {
        WorkspaceCommand::Init { .. } => ExitCode::SUCCESS,
        WorkspaceCommand::Import { file, published } => {
            if leadpolicy::store::export::manifest_path(&file).exists() {
                let (id, v) = ws.import_export(&file, actor).await?;
                println!(
                    "imported `{id}` v{v} as approved (signature by a trusted key and hash checked)"
                );
            } else {
                let r = ws.import(&file, published, actor).await?;
                println!(
                    "`{}` v{}: {} ({})",
                    r.policy_id,
                    r.version,
                    r.action.replace('_', " "),
                    r.status.as_str()
                );
            }
            ExitCode::SUCCESS
        }
        WorkspaceCommand::List { json } => {
            let versions = ws.versions().await?;
            if json {
                json_out(&versions)?;
            } else {
                for v in versions {
                    println!(
                        "{:28} v{:<4} {:10} {}  by {} ({})",
                        v.policy_id,
                        v.version,
                        v.status.as_str(),
                        &v.sha256[..12],
                        v.author,
                        v.updated_at
                    );
                }
            }
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Show {
            policy,
            version,
            json,
        } => {
            let v = ws.version(&policy, version).await?;
            let approval = ws.approval(&policy, v.version).await?;
            let replay = ws.current_replay(&v).await?;
            let earlier = match &replay {
                Some(_) => None,
                None => ws.latest_replay(&v).await?,
            };
            let baseline_now = ws.published(&policy).await?.map(|b| b.version);
            let guardrails = match &replay {
                Some(r) => Some(ws.guardrails(r).await?),
                None => None,
            };
            if json {
                json_out(&serde_json::json!({
                    "version": v, "content": v.content, "approval": approval,
                    "replay": replay, "guardrails": guardrails, "earlier_replay": earlier,
                }))?;
            } else {
                println!(
                    "`{}` v{} — {} (sha256 {})",
                    v.policy_id,
                    v.version,
                    v.status.as_str(),
                    v.sha256
                );
                println!(
                    "author {} · created {} · updated {}",
                    v.author, v.created_at, v.updated_at
                );
                if let Some(a) = &approval {
                    println!(
                        "approved by {} on {}: {}",
                        a.reviewer, a.approved_at, a.note
                    );
                    if let Some(o) = &a.override_note {
                        println!("  override: {o}");
                    }
                }
                match (&replay, &guardrails) {
                    (Some(r), Some(g)) => {
                        println!(
                            "replay #{} on \"{}\" against baseline v{}: accepted {} → {}, unresolved {} → {}",
                            r.id,
                            r.dataset_name,
                            r.baseline_version.unwrap_or(0),
                            r.baseline.accepted,
                            r.draft.accepted,
                            r.baseline.unresolved,
                            r.draft.unresolved
                        );
                        for c in g {
                            println!(
                                "  guardrail {:34} {}",
                                c.key,
                                if c.blocked { "BLOCKS approval" } else { "ok" }
                            );
                        }
                    }
                    _ => match (&earlier, baseline_now) {
                        (Some(r), now) => println!(
                            "replay #{} on \"{}\" against baseline v{} (published then; {}): accepted {} → {}, unresolved {} → {}",
                            r.id,
                            r.dataset_name,
                            r.baseline_version.unwrap_or(0),
                            match now {
                                Some(n) if n == v.version =>
                                    "this version is the baseline now".to_string(),
                                Some(n) => format!("the baseline is v{n} now"),
                                None => "nothing is published now".to_string(),
                            },
                            r.baseline.accepted,
                            r.draft.accepted,
                            r.baseline.unresolved,
                            r.draft.unresolved
                        ),
                        (None, _) => println!(
                            "no replay of this content is on record: run `leadpolicy workspace replay {policy} --version {}`",
                            v.version
                        ),
                    },
                }
                println!("\n{}", v.content);
            }
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Diff {
            policy,
            old,
            new,
            json,
        } => {
            let a = lifecycle::parse_version(&ws.version(&policy, Some(old)).await?)?;
            let b = lifecycle::parse_version(&ws.version(&policy, Some(new)).await?)?;
            let changes = leadpolicy::policy::diff::diff(&a, &b);
            if json {
                json_out(&changes)?;
            } else {
                print!(
                    "{}",
                    leadpolicy::policy::diff::render(
                        &changes,
                        &format!("v{old}"),
                        &format!("v{new}")
                    )
                );
            }
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Replay {
            policy,
            version,
            dataset,
            json,
            cohort,
        } => {
            let mapping = dataset_or_sample(dir, dataset)?;
            let (record, r) = ws
                .record_replay(&policy, version, &mapping, &cohort.options(None), actor)
                .await?;
            if json {
                json_out(&record)?;
            } else {
                print!("{}", leadpolicy::report::replay::render_text(&r));
                println!(
                    "\nrecorded as replay #{} (dataset sha256 {})",
                    record.id, record.dataset_sha256
                );
            }
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Track {
            policy,
            dataset,
            mut cohort,
            by,
            json,
        } => {
            let v = ws.published(&policy).await?.ok_or_else(|| {
                Error::Lifecycle(format!("`{policy}` has no published version to track"))
            })?;
            let p = leadpolicy::store::lifecycle::parse_version(&v)?;
            let since_publish = cohort.from.is_none() && cohort.to.is_none();
            // Without value lists, only the publish window can make the cohort empty.
            let window_only = since_publish
                && cohort.source.is_empty()
                && cohort.campaign.is_empty()
                && cohort.form.is_empty();
            if since_publish {
                let (from, to) = leadpolicy::replay::track::first_days(&v.updated_at)?;
                cohort.from = Some(from);
                cohort.to = Some(to);
            }
            let mapping = dataset_or_sample(dir, dataset)?;
            let (ds, info) = cohort
                .apply(leadpolicy::dataset::Dataset::load(&mapping)?)
                .map_err(|e| match e {
                    Error::Usage(m) if window_only && m.contains("cohort is empty") => {
                        Error::Usage(format!(
                            "no lead in this data was created in the {} days since v{} was published ({}): pass --from and --to to track another window",
                            leadpolicy::replay::track::FIRST_DAYS,
                            v.version,
                            v.updated_at.get(..10).unwrap_or(&v.updated_at)
                        ))
                    }
                    other => other,
                })?;
            let mut t = leadpolicy::replay::track::track(&p, &ds, by)?;
            t.cohort = info;
            crate::print_track(&t, json)?
        }
        WorkspaceCommand::Submit { policy, version } => {
            let v = ws.submit(&policy, version, actor).await?;
            println!(
                "`{}` v{} is {}",
                v.policy_id,
                v.version,
                v.status.as_str().replace('_', " ")
            );
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Approve {
            policy,
            version,
            note,
            override_note,
        } => {
            let (v, checks) = ws
                .approve(&policy, version, &note, override_note.as_deref(), actor)
                .await?;
            for c in checks.iter().filter(|c| c.blocked) {
                println!("guardrail `{}` overridden: {}", c.key, c.label);
            }
            println!(
                "`{}` v{} approved by {}",
                v.policy_id, v.version, actor.user
            );
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Publish { policy, version } => {
            let v = ws.publish(&policy, version, actor).await?;
            println!(
                "`{}` v{} is published: it is the baseline now",
                v.policy_id, v.version
            );
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Export {
            policy,
            version,
            out,
            sql,
            leads_table,
        } => {
            let views = match sql {
                Some(mapping) => {
                    let v = ws.version(&policy, Some(version)).await?;
                    let p = lifecycle::parse_version(&v)?;
                    compiled_views(&p, &mapping, &leads_table)?
                }
                None => Vec::new(),
            };
            let path = out.join(format!("{policy}-v{version}.toml"));
            let e = ws.export_to(&policy, version, &path, actor, &views).await?;
            println!(
                "exported {} and {} (sha256 {})",
                e.policy.display(),
                e.manifest.display(),
                e.sha256
            );
            for f in &e.sql {
                println!("  with {}", f.display());
            }
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Log { verify, json } => {
            let entries = ws.log().await?;
            let checked = if verify {
                Some(audit::verify(&entries))
            } else {
                None
            };
            if json {
                json_out(&serde_json::json!({
                    "entries": entries,
                    "verified": checked.as_ref().map(Result::is_ok),
                    "break": checked.as_ref().and_then(|c| c.as_ref().err()),
                }))?;
            } else {
                let mut out = std::io::stdout().lock();
                for e in &entries {
                    let target = match (&e.policy_id, e.version) {
                        (Some(p), Some(v)) => format!("{p} v{v}"),
                        (Some(p), None) => p.clone(),
                        _ => String::new(),
                    };
                    let _ = writeln!(
                        out,
                        "{:>4}  {}  {:10} {:9} {}  {}",
                        e.seq, e.at, e.actor, e.action, target, e.detail
                    );
                }
            }
            match checked {
                Some(Ok(n)) => {
                    eprintln!("audit log verified: {n} entries, hash chain intact");
                    ExitCode::SUCCESS
                }
                Some(Err(b)) => {
                    eprintln!(
                        "error: the audit log does not verify at entry {}: {}",
                        b.seq, b.problem
                    );
                    ExitCode::from(1)
                }
                None => ExitCode::SUCCESS,
            }
        }
        WorkspaceCommand::Key => {
            println!("{}", ws.public_key()?);
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Trust { key, name } => {
            let key = leadpolicy::store::signing::PublicKey::from_arg(&key)?;
            ws.trust(&key, &name, actor).await?;
            println!(
                "trusted key {} ({name}): exports it signs can be imported",
                key.id()
            );
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Trusted { json } => {
            let keys = ws.trusted_keys().await?;
            if json {
                json_out(&keys)?;
            } else {
                for k in keys {
                    let since = match (&k.added_at, &k.added_by) {
                        (Some(at), Some(by)) => format!("  (trusted {at} by {by})"),
                        _ => String::new(),
                    };
                    println!("{}  {:24} {}{since}", k.id, k.name, k.key);
                }
            }
            ExitCode::SUCCESS
        }
        WorkspaceCommand::Settings { key, value } => {
            match (key, value) {
                (Some(k), Some(v)) => {
                    ws.set_setting(&k, v, actor).await?;
                    println!("{k} = {v}");
                }
                (Some(k), None) => {
                    return Err(Error::Usage(format!("give a value: `settings {k} VALUE`")));
                }
                _ => {
                    for g in lifecycle::GUARDRAILS {
                        println!(
                            "{:34} {:>6}   {}",
                            g.key,
                            ws.setting(g.key, g.default).await?,
                            g.label
                        );
                    }
                }
            }
            ExitCode::SUCCESS
        }
    };
    ws.close().await;
    Ok(code)
}

/// The dataset mapping given, or the workspace's sample.
fn dataset_or_sample(dir: &Path, dataset: Option<PathBuf>) -> Result<PathBuf, Error> {
    if let Some(d) = dataset {
        return Ok(d);
    }
    let sample = dir.join("datasets/sample/mapping.toml");
    if !sample.exists() {
        return Err(Error::Usage(format!(
            "this workspace has no sample dataset ({} is not there): pass --dataset MAPPING, a dataset mapping such as `leadpolicy data infer` writes for your export",
            sample.display()
        )));
    }
    Ok(sample)
}

/// The view of `p` in every dialect, over a leads table shaped like `mapping`'s export.
fn compiled_views(
    p: &leadpolicy::policy::Policy,
    mapping: &Path,
    leads_table: &str,
) -> Result<Vec<leadpolicy::store::export::SqlView>, Error> {
    let m = leadpolicy::dataset::mapping::Mapping::load(mapping)?;
    let ds = leadpolicy::dataset::Dataset::from_mapping(&m)?;
    leadpolicy::store::export::SqlView::for_policy(
        p,
        &leadpolicy::sql::Target {
            ds: &ds,
            mapping: &m,
            leads_table,
            outcomes_table: "outcomes",
        },
    )
}
