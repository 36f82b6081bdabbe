//! `leadpolicy bench`: generates a large dataset once, then measures loading, deciding (median of
//! several runs on the loaded data) and the whole `leadpolicy decide` command in a child process,
//! with peak memory. Prints figures; asserts nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use leadpolicy::dataset::Dataset;
use leadpolicy::{Error, engine, generate, policy};

/// Peak resident memory of this process in MiB (Linux `VmHWM`).
pub fn peak_rss_mb() -> Option<f64> {
    status_mb("VmHWM:")
}

fn status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

pub fn run(
    rows: usize,
    dir: Option<PathBuf>,
    policy_path: &Path,
    baseline_path: &Path,
    repeat: usize,
) -> Result<ExitCode, Error> {
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join(format!("leadpolicy-bench-{rows}")));
    let mapping = dir.join("mapping.toml");
    if !mapping.exists() {
        eprintln!("generating {rows} leads in {} …", dir.display());
        let t = Instant::now();
        generate::generate(&generate::GenerateOptions { rows, seed: 42 }, &dir)
            .map_err(|e| Error::write(&dir, e))?;
        eprintln!("generated in {:.2}s", t.elapsed().as_secs_f64());
    }
    let csv_mb = std::fs::metadata(dir.join("leads.csv"))
        .map(|m| m.len() as f64 / 1048576.0)
        .unwrap_or(f64::NAN);
    let p = policy::load(policy_path)?;

    let t = Instant::now();
    let ds = Dataset::load(&mapping)?;
    let load_s = t.elapsed().as_secs_f64();
    let rss_after_load = peak_rss_mb().unwrap_or(f64::NAN);

    let mut times = Vec::new();
    let mut table_times = Vec::new();
    let mut decided = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let codes = engine::decide_codes(&p, &ds)?;
        times.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let table = codes.to_frame(&p, &ds)?;
        table_times.push(t.elapsed().as_secs_f64());
        decided = table.height();
    }
    let decide_s = median(times.clone());
    let table_s = median(table_times);

    // Replay: both policies, every metric, breakdowns and flips, on the loaded data.
    let baseline = policy::load(baseline_path)?;
    let mut replay_times = Vec::new();
    let mut flipped = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = leadpolicy::replay::replay(&baseline, &p, &ds)?;
        replay_times.push(t.elapsed().as_secs_f64());
        flipped = r.flips.flipped;
    }
    let replay_s = median(replay_times.clone());

    // What the desktop app does after each edit of the draft: apply the edit to the TOML text,
    // parse and check it against the loaded data, replay both policies and draw every chart.
    let edit = policy::edit::Edit::PutRule {
        index: None,
        rule: policy::view::RuleView {
            id: "bench-edit".into(),
            description: None,
            action: policy::view::ActionView::Route {
                route: p.routes.first().map(|r| r.name.clone()).unwrap_or_default(),
            },
            when: policy::view::Cond::Field {
                field: "employees".into(),
                op: "gte".into(),
                value: policy::view::Lit::Number(5000.0),
            },
        },
    };
    let mut edit_times = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let text = policy::edit::apply(&p.source.text, &edit)?;
        let edited = policy::parse(leadpolicy::diag::Source::new("draft (edited)", text))
            .map_err(Error::Invalid)?;
        let diags = policy::validate::check_against(&edited, &ds);
        if !diags.is_empty() {
            return Err(Error::Invalid(diags));
        }
        let (r, _, _) = leadpolicy::replay::replay_decided(&baseline, &edited, &ds, None)?;
        let charts = leadpolicy::chart::all(&r);
        edit_times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(charts);
    }
    let edit_s = median(edit_times.clone());

    // Time and cohorts: a replay over the second half of the year with a 60-day conversion
    // window, broken into months; and what the app does when the cohort bar changes (a source
    // cohort with monthly trends, then every chart).
    let day = |s: &str| leadpolicy::dataset::cohort::parse_day(s).map_err(Error::Usage);
    let windowed = leadpolicy::replay::Options {
        cohort: leadpolicy::dataset::cohort::Cohort {
            from: Some(day("2025-07-01")?),
            to: Some(day("2025-12-31")?),
            ..Default::default()
        },
        window: Some(leadpolicy::dataset::cohort::ConversionWindow {
            days: 60,
            as_of: None,
        }),
        by: Some(leadpolicy::replay::Period::Month),
    };
    let mut windowed_times = Vec::new();
    let mut windowed_leads = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let c = leadpolicy::replay::replay_with(&baseline, &p, &ds, &windowed)?;
        windowed_times.push(t.elapsed().as_secs_f64());
        windowed_leads = c.replay.cohort.leads;
    }
    let windowed_s = median(windowed_times.clone());
    let cohort_change = leadpolicy::replay::Options {
        cohort: leadpolicy::dataset::cohort::Cohort {
            source: vec!["paid_search".into(), "demo_request".into()],
            ..Default::default()
        },
        by: Some(leadpolicy::replay::Period::Month),
        ..Default::default()
    };
    let mut cohort_times = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let c = leadpolicy::replay::replay_with(&baseline, &p, &ds, &cohort_change)?;
        let charts = leadpolicy::chart::all(&c.replay);
        cohort_times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(charts);
    }
    let cohort_s = median(cohort_times.clone());

    // Suggestions for the draft against the baseline: every candidate measured on the learning
    // leads, the kept ones on the holdout and every lead (one run: it is the slowest step).
    let t = Instant::now();
    let suggested = leadpolicy::suggest::suggest(
        &p,
        Some(&baseline),
        &ds,
        &leadpolicy::suggest::Settings::default(),
        &|_, _| {},
    )?;
    let suggest_s = t.elapsed().as_secs_f64();
    // Trust analytics: the threshold sweep alone (50 thresholds of the first numeric comparison)
    // and every analysis together, on the loaded data.
    use leadpolicy::analyze::{self, Settings, sweep::SweepSpec};
    let sweep_only = Settings {
        sweep: Some(SweepSpec::default()),
        ..Settings::default()
    };
    let mut sweep_times = Vec::new();
    let mut swept = String::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let s = analyze::sweep_only(&p, &ds, &sweep_only)?;
        sweep_times.push(t.elapsed().as_secs_f64());
        if let Some(w) = &s.sweep {
            swept = format!(
                "{} thresholds of `{} {}` ({})",
                w.points.len(),
                w.field,
                w.op,
                w.rule
            );
        }
    }
    let sweep_s = median(sweep_times.clone());
    let mut analyze_times = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        analyze::analyze(&p, Some(&baseline), &ds, &Settings::default())?;
        analyze_times.push(t.elapsed().as_secs_f64());
    }
    let analyze_s = median(analyze_times.clone());
    let rss_in_process = peak_rss_mb().unwrap_or(f64::NAN);

    // The whole command as a user runs it, in a fresh process so its peak memory is its own.
    let out = dir.join("decisions.csv");
    let exe = std::env::current_exe().map_err(|e| Error::io(Path::new("leadpolicy"), e))?;
    let t = Instant::now();
    let child = Command::new(exe)
        .args(["decide", "--stats", "--policy"])
        .arg(policy_path)
        .arg("--dataset")
        .arg(&mapping)
        .arg("--out")
        .arg(&out)
        .output()
        .map_err(|e| Error::io(Path::new("leadpolicy decide"), e))?;
    let e2e_s = t.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&child.stderr);
    let stats = stderr
        .lines()
        .find(|l| l.starts_with("stats:"))
        .unwrap_or("stats: (not reported)");
    let child_peak: f64 = stats
        .split_whitespace()
        .skip_while(|w| *w != "peak_rss_mb")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);

    let runs = |v: &[f64]| {
        v.iter()
            .map(|t| format!("{t:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "leadpolicy bench — {} leads × {} columns, policy `{}` ({} rules, {} signals)",
        ds.len(),
        ds.fields.len(),
        p.id,
        p.rules.len(),
        p.signals.len()
    );
    println!("  csv size                     {csv_mb:8.1} MiB");
    println!("  load (CSV → typed frame)     {load_s:8.3} s   (peak RSS {rss_after_load:.0} MiB)");
    println!(
        "  decide {decided} loaded leads {decide_s:8.3} s   median of {} (runs: {})",
        times.len(),
        runs(&times)
    );
    println!("  + decision table (text cols) {table_s:8.3} s   median (what `decide` writes)");
    println!(
        "  replay baseline vs draft      {replay_s:8.3} s   median of {} (runs: {}); {flipped} flips, all metrics and breakdowns",
        replay_times.len(),
        runs(&replay_times)
    );
    println!(
        "  threshold sweep              {sweep_s:8.3} s   median of {} (runs: {}); {swept}, test bits included",
        sweep_times.len(),
        runs(&sweep_times)
    );
    println!(
        "  analyze (all six, + baseline) {analyze_s:7.3} s   median of {} (runs: {})",
        analyze_times.len(),
        runs(&analyze_times)
    );
    println!(
        "  app: edit → replay → charts  {edit_s:8.3} s   median of {} (runs: {})",
        edit_times.len(),
        runs(&edit_times)
    );
    println!(
        "  replay H2, 60-day window, by month {windowed_s:5.3} s   median of {} (runs: {}); {windowed_leads} leads in the cohort",
        windowed_times.len(),
        runs(&windowed_times)
    );
    println!(
        "  app: cohort change → charts  {cohort_s:8.3} s   median of {} (runs: {}); two sources, monthly trends",
        cohort_times.len(),
        runs(&cohort_times)
    );
    println!(
        "  suggest (draft vs baseline)  {suggest_s:8.3} s   one run; {} candidates tried, {} shown",
        suggested.tried,
        suggested.suggestions.len()
    );
    println!("  in-process peak RSS          {rss_in_process:8.0} MiB");
    println!(
        "  `leadpolicy decide` end to end {e2e_s:6.3} s   (peak RSS {child_peak:.0} MiB = {:.2}× the CSV)",
        child_peak / csv_mb
    );
    println!("  child {stats}");
    if !child.status.success() {
        eprintln!("{stderr}");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
