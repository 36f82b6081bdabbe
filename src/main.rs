//! The `leadpolicy` command line: a thin front door onto the core library.
//!
//! Exit codes: 0 ok, 1 findings (policy or mapping validation errors), 2 usage, data or I/O
//! errors. Everything a command does is a call into the library; this file parses arguments,
//! prints, and measures (the clock is read here, never in the core).

mod args;
mod bench;
mod import_cli;
mod workspace_cli;

use args::{Cli, CohortArgs, Command};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use leadpolicy::dataset::Dataset;
use leadpolicy::engine::{self, explain};
use leadpolicy::{Error, generate, output, policy};

fn main() -> ExitCode {
    // Output piped into `head` and closed early is not an error worth a panic message.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { policies, dataset } => check(&policies, dataset.as_deref()),
        Command::Decide {
            policy,
            dataset,
            out,
            stats,
        } => decide(&policy, &dataset, &out, stats),
        Command::Explain {
            policy,
            dataset,
            lead,
            by,
            json,
        } => explain_lead(&policy, &dataset, &lead, by.as_deref(), json),
        Command::Generate { rows, seed, out } => gen_cmd(rows, seed, &out),
        Command::Analyze {
            policy,
            baseline,
            dataset,
            json,
            out,
            sweep,
            sweep_from,
            sweep_to,
            steps,
            proxy_threshold,
            min_group_size,
            cohort,
        } => {
            let mut spec = sweep
                .as_deref()
                .map(leadpolicy::analyze::sweep::SweepSpec::target)
                .unwrap_or_default();
            spec.from = sweep_from;
            spec.to = sweep_to;
            spec.steps = steps;
            let settings = leadpolicy::analyze::Settings {
                proxy_threshold,
                min_group_size,
                sweep: Some(spec),
            };
            analyze_cmd(
                &policy,
                baseline.as_deref(),
                &dataset,
                &cohort,
                &settings,
                json,
                out.as_deref(),
            )
        }
        Command::Data { command } => import_cli::data(command),
        Command::Policy { command } => import_cli::policy_cmd(command),
        Command::Workspace {
            workspace,
            user,
            command,
        } => workspace_cli::run(
            &workspace.unwrap_or_else(|| {
                leadpolicy::store::default_dir(
                    std::env::var_os("XDG_DATA_HOME").map(PathBuf::from),
                    std::env::var_os("HOME").map(PathBuf::from),
                )
            }),
            &user.unwrap_or_else(leadpolicy::store::actor::login_name),
            command,
        ),
        Command::Replay {
            baseline,
            draft,
            dataset,
            out,
            json,
            cohort,
            by,
            engine,
            leads_table,
            outcomes_table,
        } => match engine {
            Some(url) => replay_engine_cmd(
                [&baseline, &draft],
                &dataset,
                &cohort,
                &url,
                [&leads_table, &outcomes_table],
                json,
            ),
            None => replay_cmd(
                &baseline,
                &draft,
                &dataset,
                &cohort,
                by,
                out.as_deref(),
                json,
            ),
        },
        Command::Verify {
            policy,
            manifest,
            key,
        } => verify_cmd(&policy, manifest, &key),
        Command::Track {
            policy,
            dataset,
            cohort,
            by,
            json,
        } => track_cmd(&policy, &dataset, &cohort, by, json),
        Command::Sql {
            policy,
            replay: _,
            baseline,
            draft,
            view,
            dataset,
            dialect,
            leads_table,
            outcomes_table,
            out,
        } => sql_cmd(
            policy.as_deref().map(|p| (p, view)),
            baseline.as_deref().zip(draft.as_deref()),
            &dataset,
            dialect,
            [&leads_table, &outcomes_table],
            out.as_deref(),
        ),
        Command::Suggest {
            policy,
            dataset,
            baseline,
            json,
            out,
            max,
            workspace,
        } => suggest_cmd(
            &policy,
            &dataset,
            baseline.as_deref(),
            json,
            out.as_deref(),
            max,
            workspace.as_deref(),
        ),
        Command::Bench {
            rows,
            dir,
            policy,
            baseline,
            repeat,
        } => bench::run(rows, dir, &policy, &baseline, repeat),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = std::io::stdout().flush();
            eprintln!("{}", render_error(&e));
            exit_code_for(&e)
        }
    }
}

fn verify_cmd(policy: &Path, manifest: Option<PathBuf>, key: &str) -> Result<ExitCode, Error> {
    use leadpolicy::store::signing;
    let key = signing::PublicKey::from_arg(key)?;
    let manifest = signing::manifest_for(policy, manifest);
    let signed = signing::verify_files(policy, &manifest, std::slice::from_ref(&key))?;
    println!(
        "verified: {} is unchanged (sha256 {}) and its manifest is signed by key {}",
        policy.display(),
        signed.sha256,
        signed.key.id()
    );
    if !signed.sql_files.is_empty() {
        println!(
            "verified: the compiled SQL beside it is unchanged ({})",
            signed.sql_files.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn render_error(e: &Error) -> String {
    let text = e.to_string();
    if text.starts_with("error:") {
        text
    } else {
        format!("error: {text}")
    }
}

fn exit_code_for(e: &Error) -> ExitCode {
    match e {
        Error::Invalid(_) | Error::Lifecycle(_) | Error::Tampered(_) => ExitCode::from(1),
        _ => ExitCode::from(2),
    }
}

fn check(paths: &[PathBuf], dataset: Option<&Path>) -> Result<ExitCode, Error> {
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (policies, mut diags, io) = policy::load_all(&refs);
    if let Some(e) = io.into_iter().next() {
        return Err(e);
    }
    let mut warnings = Vec::new();
    if let Some(mapping) = dataset {
        let ds = Dataset::load(mapping)?;
        for p in &policies {
            let problems = policy::validate::check_against(p, &ds);
            if problems.is_empty() {
                for w in leadpolicy::analyze::warnings::warnings(p, &ds)? {
                    warnings.push(format!("warning: {}: {w}", p.source.path.display()));
                }
            }
            diags.extend(problems);
        }
    }
    let mut out = std::io::stdout().lock();
    for p in &policies {
        let bad = diags.iter().filter(|d| d.file == p.source.path).count();
        if bad == 0 {
            let _ = writeln!(
                out,
                "ok  {}  `{}` v{}: {} rules, {} signals, {} routes",
                p.source.path.display(),
                p.id,
                p.version,
                p.rules.len(),
                p.signals.len(),
                p.routes.len()
            );
        }
    }
    drop(out);
    for w in &warnings {
        eprintln!("{w}");
    }
    if diags.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("{diags}");
    eprintln!(
        "\n{} problem{} found",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    );
    Ok(ExitCode::from(1))
}

fn decide(policy: &Path, mapping: &Path, out: &Path, stats: bool) -> Result<ExitCode, Error> {
    use leadpolicy::decide::{self, How};
    use std::io::IsTerminal;
    output::Format::from_path(out)?;
    let p = policy::load(policy)?;
    let m = leadpolicy::dataset::Mapping::load(mapping)?;
    let tty = std::io::stderr().is_terminal();
    let mut bar = progress_bar("deciding leads", tty);
    let t0 = Instant::now();
    let decided = decide::decide_file(&p, &m, out, decide::PART_BYTES, &mut bar);
    if tty {
        eprint!("\r{:70}\r", "");
    }
    let decided = decided?;
    let summary: Vec<String> = decided
        .counts
        .iter()
        .map(|(d, n)| format!("{} {n}", d.as_str()))
        .collect();
    println!(
        "decided {} leads with `{}` v{}: {} → {}",
        decided.leads,
        p.id,
        p.version,
        summary.join(", "),
        out.display()
    );
    if stats {
        let how = match decided.how {
            How::Streamed {
                parts,
                restarts,
                open,
            } => format!(
                "streamed in {parts} parts ({restarts} restarts; opening {:.3}s)",
                open.as_secs_f64()
            ),
            How::Whole {
                load,
                decide,
                write,
            } => format!(
                "load {:.3}s decide {:.3}s write {:.3}s",
                load.as_secs_f64(),
                decide.as_secs_f64(),
                write.as_secs_f64()
            ),
        };
        eprintln!(
            "stats: {how} total {:.3}s peak_rss_mb {:.0}",
            t0.elapsed().as_secs_f64(),
            bench::peak_rss_mb().unwrap_or(f64::NAN)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn explain_lead(
    policy: &Path,
    mapping: &Path,
    lead: &str,
    by: Option<&str>,
    json: bool,
) -> Result<ExitCode, Error> {
    let p = policy::load(policy)?;
    let ds = Dataset::load(mapping)?;
    let packet = match by {
        Some(field) => {
            engine::check(&p, &ds)?;
            let row = ds.row_by(field, lead)?;
            explain::explain_row(&p, &ds, row)?
        }
        None => explain(&p, &ds, lead).map_err(|e| match e {
            Error::UnknownLead(id) => Error::Usage(format!(
                "lead `{id}` is not in the dataset: no lead has this id (`{}`); to find a lead by another column, such as a lead number or an email, add --by FIELD",
                ds.id
            )),
            other => other,
        })?,
    };
    if json {
        let text = serde_json::to_string_pretty(&packet)
            .map_err(|e| Error::Usage(format!("cannot render the packet as JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", engine::explain::render(&packet));
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr, `what [#####   ]  40%`, drawn only when stderr is a terminal;
/// never cancels.
fn progress_bar(what: &'static str, tty: bool) -> impl FnMut(u64, u64) -> bool {
    move |done, total| {
        if tty && total > 0 {
            let pct = (done * 100 / total).min(100) as usize;
            eprint!("\r{what} [{:<40}] {pct:>3}%", "#".repeat(pct * 40 / 100));
        }
        true
    }
}

/// Load a dataset, drawing a progress bar on stderr when it is a terminal.
fn load_dataset(mapping: &Path) -> Result<Dataset, Error> {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let t = Instant::now();
    let mut bar = progress_bar("loading leads", tty);
    let ds = Dataset::load_with_progress(mapping, &mut bar);
    if tty {
        eprint!("\r{:70}\r", "");
    }
    let ds = ds?;
    if tty {
        eprintln!(
            "loaded {} leads × {} columns in {:.2}s",
            ds.len(),
            ds.fields.len(),
            t.elapsed().as_secs_f64()
        );
    }
    Ok(ds)
}

fn replay_cmd(
    baseline: &Path,
    draft: &Path,
    mapping: &Path,
    leads: &CohortArgs,
    by: Option<leadpolicy::replay::periods::Period>,
    out: Option<&Path>,
    json: bool,
) -> Result<ExitCode, Error> {
    let [b, d] = load_pair(baseline, draft)?;
    let all = load_dataset(mapping)?;
    let covered = leadpolicy::replay::replay_with(&b, &d, &all, &leads.options(by))?;
    drop(all);
    let (r, ds) = (covered.replay, covered.leads);
    for w in leadpolicy::analyze::warnings::warnings(&d, &ds)? {
        eprintln!("warning: draft {}: {w}", d.source.path.display());
    }
    if json {
        let text = serde_json::to_string_pretty(&r)
            .map_err(|e| Error::Usage(format!("cannot render the replay as JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", leadpolicy::report::replay::render_text(&r));
    }
    if let Some(dir) = out {
        let charts = leadpolicy::chart::all(&r);
        // The report carries the trust analytics of the draft (baseline for segment impact).
        let a = leadpolicy::analyze::analyze(&d, Some(&b), &ds, &Default::default())?;
        let files = leadpolicy::report::replay::write_dir_with(&r, &charts, Some(&a), dir)?;
        eprintln!("wrote {} to {}", files.join(", "), dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn suggest_cmd(
    policy_path: &Path,
    mapping: &Path,
    baseline: Option<&Path>,
    json: bool,
    out: Option<&Path>,
    max: usize,
    workspace: Option<&Path>,
) -> Result<ExitCode, Error> {
    let p = policy::load(policy_path)?;
    let b = baseline.map(policy::load).transpose()?;
    let ds = load_dataset(mapping)?;
    let limits = match workspace {
        Some(dir) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Workspace(format!("cannot start: {e}")))?
            .block_on(async {
                leadpolicy::store::Workspace::open(dir)
                    .await?
                    .guardrail_limits()
                    .await
            })?,
        None => [0.0; 3],
    };
    let settings = leadpolicy::suggest::Settings { max, limits };
    let s = leadpolicy::suggest::suggest(&p, b.as_ref(), &ds, &settings, &|_, _| {})?;
    let text = serde_json::to_string_pretty(&s)
        .map_err(|e| Error::Usage(format!("cannot render the suggestions as JSON: {e}")))?;
    if json {
        println!("{text}");
    } else {
        print!("{}", leadpolicy::suggest::render::render_text(&s));
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        for g in &s.suggestions {
            leadpolicy::output::write_atomic(&dir.join(format!("{}.toml", g.id)), |w| {
                std::io::Write::write_all(w, g.policy.as_bytes())
            })?;
        }
        leadpolicy::output::write_atomic(&dir.join("suggestions.json"), |w| {
            std::io::Write::write_all(w, text.as_bytes())
        })?;
        eprintln!(
            "wrote suggestions.json and {} policy files to {}",
            s.suggestions.len(),
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A mapping and the dataset it describes (the SQL compiler reads the mapping's value lists).
fn load_mapped(mapping: &Path) -> Result<(leadpolicy::dataset::mapping::Mapping, Dataset), Error> {
    let m = leadpolicy::dataset::mapping::Mapping::load(mapping)?;
    let ds = Dataset::from_mapping(&m)?;
    Ok((m, ds))
}

/// Two policies, loaded and checked together (every problem of both reported at once).
fn load_pair(baseline: &Path, draft: &Path) -> Result<[policy::Policy; 2], Error> {
    let (policies, diags, io) = policy::load_all(&[baseline, draft]);
    if let Some(e) = io.into_iter().next() {
        return Err(e);
    }
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    <[_; 2]>::try_from(policies).map_err(|_| Error::Usage("expected two policies".into()))
}

/// `leadpolicy sql`: the decision record of `policy` (as a view with `true`), or the replay of
/// a (baseline, draft) pair.
fn sql_cmd(
    policy: Option<(&Path, bool)>,
    pair: Option<(&Path, &Path)>,
    mapping: &Path,
    dialect: leadpolicy::sql::Dialect,
    [leads_table, outcomes_table]: [&str; 2],
    out: Option<&Path>,
) -> Result<ExitCode, Error> {
    let (m, ds) = load_mapped(mapping)?;
    let target = leadpolicy::sql::Target {
        ds: &ds,
        mapping: &m,
        leads_table,
        outcomes_table,
    };
    let sql = match (policy, pair) {
        (Some((p, false)), _) => leadpolicy::sql::compile(&policy::load(p)?, &target, dialect)?,
        (Some((p, true)), _) => leadpolicy::sql::view(&policy::load(p)?, &target, dialect)?,
        (None, Some((b, d))) => {
            let [b, d] = load_pair(b, d)?;
            leadpolicy::sql::compile_replay(&b, &d, &target, dialect)?
        }
        (None, None) => {
            return Err(Error::Usage(
                "give --policy, or --replay with --baseline and --draft".into(),
            ));
        }
    };
    match out {
        Some(path) => {
            leadpolicy::output::write_atomic(path, |w| {
                std::io::Write::write_all(w, format!("{sql};\n").as_bytes())
            })?;
            eprintln!("wrote {}", path.display());
        }
        None => println!("{sql};"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `replay --engine postgres://…`: the replay compiled, run in PostgreSQL, and reported as here.
fn replay_engine_cmd(
    [baseline, draft]: [&Path; 2],
    mapping: &Path,
    leads: &CohortArgs,
    url: &str,
    [leads_table, outcomes_table]: [&str; 2],
    json: bool,
) -> Result<ExitCode, Error> {
    if leads.options(None) != leadpolicy::replay::Options::default() {
        return Err(Error::Usage(
            "--engine replays every lead of the table: narrow the table in the database instead of --from/--to, --source, --campaign, --form or --window".into(),
        ));
    }
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err(Error::Usage(format!(
            "--engine takes a PostgreSQL URL (postgres://user@host/database); `{url}` is not one"
        )));
    }
    let [b, d] = load_pair(baseline, draft)?;
    let (m, ds) = load_mapped(mapping)?;
    let target = leadpolicy::sql::Target {
        ds: &ds,
        mapping: &m,
        leads_table,
        outcomes_table,
    };
    let sql = leadpolicy::sql::compile_replay(&b, &d, &target, leadpolicy::sql::Dialect::Postgres)?;
    let rows = leadpolicy::sql::postgres::run_replay(url, &sql)?;
    let r = leadpolicy::sql::replay_from_rows(&b, &d, &ds, &rows)?;
    if json {
        let text = serde_json::to_string_pretty(&r)
            .map_err(|e| Error::Usage(format!("cannot render the replay as JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", leadpolicy::report::replay::render_text(&r));
        println!(
            "\nRun inside PostgreSQL: the flipped leads stay there (`leadpolicy sql --policy …` lists each lead's decision)."
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn track_cmd(
    policy_path: &Path,
    mapping: &Path,
    leads: &CohortArgs,
    by: leadpolicy::replay::Period,
    json: bool,
) -> Result<ExitCode, Error> {
    let p = policy::load(policy_path)?;
    let (ds, cohort) = leads.apply(load_dataset(mapping)?)?;
    let mut t = leadpolicy::replay::track::track(&p, &ds, by)?;
    t.cohort = cohort;
    print_track(&t, json)
}

/// A track as JSON or as the terminal table.
pub(crate) fn print_track(
    t: &leadpolicy::replay::track::Track,
    json: bool,
) -> Result<ExitCode, Error> {
    if json {
        let text = serde_json::to_string_pretty(t)
            .map_err(|e| Error::Usage(format!("cannot render the track as JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", leadpolicy::replay::track::render_text(t));
    }
    Ok(ExitCode::SUCCESS)
}

fn analyze_cmd(
    policy_path: &Path,
    baseline: Option<&Path>,
    mapping: &Path,
    leads: &CohortArgs,
    settings: &leadpolicy::analyze::Settings,
    json: bool,
    out: Option<&Path>,
) -> Result<ExitCode, Error> {
    if settings.sweep.as_ref().is_some_and(|s| s.steps == 0) {
        return Err(Error::Usage("--steps must be at least 1".into()));
    }
    let mut paths = vec![policy_path];
    paths.extend(baseline);
    let (policies, diags, io) = policy::load_all(&paths);
    if let Some(e) = io.into_iter().next() {
        return Err(e);
    }
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    let mut policies = policies.into_iter();
    let p = policies
        .next()
        .ok_or_else(|| Error::Usage("expected a policy".into()))?;
    let b = policies.next();
    let (ds, cohort) = leads.apply(load_dataset(mapping)?)?;
    let mut a = leadpolicy::analyze::analyze(&p, b.as_ref(), &ds, settings)?;
    a.cohort = cohort;
    if json {
        let text = serde_json::to_string_pretty(&a)
            .map_err(|e| Error::Usage(format!("cannot render the analysis as JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", leadpolicy::report::analysis::render_text(&a));
    }
    if let Some(dir) = out {
        let files = leadpolicy::report::analysis::write_dir(&a, dir)?;
        eprintln!("wrote {} to {}", files.join(", "), dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn gen_cmd(rows: usize, seed: u64, out: &Path) -> Result<ExitCode, Error> {
    if rows == 0 {
        return Err(Error::Usage("--rows must be at least 1".into()));
    }
    let summary = generate::generate(&generate::GenerateOptions { rows, seed }, out)
        .map_err(|e| Error::write(out, e))?;
    println!(
        "generated {} leads ({} converted) in {}",
        summary.rows,
        summary.converted,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
