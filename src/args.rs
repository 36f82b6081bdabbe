//! The command line's grammar: every command, its arguments and their help, as clap reads
//! them. What each command does is in `main.rs`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use leadpolicy::Error;
use leadpolicy::dataset::Dataset;

use crate::{import_cli, workspace_cli};

#[derive(Parser, Debug)]
#[command(
    name = "leadpolicy",
    version,
    about = "Tune lead-qualification policies: check them, decide leads with an explanation for each, replay history"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Which leads a replay covers (docs/semantics.md, "Dates, cohorts and periods"); every lead by default.
#[derive(clap::Args, Debug)]
pub(crate) struct CohortArgs {
    /// Only leads created on or after this date (YYYY-MM-DD, on the `created_at` role)
    #[arg(long, value_parser = leadpolicy::dataset::cohort::parse_day)]
    pub(crate) from: Option<chrono::NaiveDate>,
    /// Only leads created on or before this date (YYYY-MM-DD)
    #[arg(long, value_parser = leadpolicy::dataset::cohort::parse_day)]
    pub(crate) to: Option<chrono::NaiveDate>,
    /// Only leads from this source (repeat for several)
    #[arg(long = "source")]
    pub(crate) source: Vec<String>,
    /// Only leads of this campaign (repeat for several)
    #[arg(long = "campaign")]
    pub(crate) campaign: Vec<String>,
    /// Only leads of this form (repeat for several)
    #[arg(long = "form")]
    pub(crate) form: Vec<String>,
    /// Count a conversion only within this many days of the lead's creation; leads younger
    /// than that (at the as-of date) are counted apart as immature
    #[arg(long, value_name = "DAYS")]
    conversion_window: Option<u32>,
    /// The as-of date of the conversion window (default: the latest date in the dataset)
    #[arg(long, value_parser = leadpolicy::dataset::cohort::parse_day, requires = "conversion_window")]
    as_of: Option<chrono::NaiveDate>,
}

impl CohortArgs {
    /// The replay options these arguments ask for, with `by`'s periods.
    pub(crate) fn options(
        &self,
        by: Option<leadpolicy::replay::Period>,
    ) -> leadpolicy::replay::Options {
        leadpolicy::replay::Options {
            cohort: self.cohort(),
            window: self.window(),
            by,
        }
    }

    /// The cohort's leads of `ds` (the conversion window applied) and what they cover.
    pub(crate) fn apply(
        &self,
        ds: Dataset,
    ) -> Result<(Dataset, leadpolicy::dataset::cohort::CohortInfo), Error> {
        self.options(None).apply(&ds)
    }

    fn window(&self) -> Option<leadpolicy::dataset::cohort::ConversionWindow> {
        self.conversion_window
            .map(|days| leadpolicy::dataset::cohort::ConversionWindow {
                days,
                as_of: self.as_of,
            })
    }

    fn cohort(&self) -> leadpolicy::dataset::cohort::Cohort {
        leadpolicy::dataset::cohort::Cohort {
            from: self.from,
            to: self.to,
            source: self.source.clone(),
            campaign: self.campaign.clone(),
            form: self.form.clone(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Validate policy files (and, with --dataset, check them against a dataset's columns)
    Check {
        /// Policy files (TOML)
        #[arg(required = true)]
        policies: Vec<PathBuf>,
        /// A dataset mapping (TOML) to check field names and types against
        #[arg(long)]
        dataset: Option<PathBuf>,
    },
    /// Decide every lead of a dataset under a policy and write one row per lead
    Decide {
        #[arg(long)]
        policy: PathBuf,
        /// The dataset mapping (TOML)
        #[arg(long)]
        dataset: PathBuf,
        /// Output file: .csv, .json or .parquet
        #[arg(long)]
        out: PathBuf,
        /// Print load/decide/write times and peak memory to stderr
        #[arg(long)]
        stats: bool,
    },
    /// Show the qualification packet of one lead: the rules, the evidence, the decision
    Explain {
        /// The policy file (TOML)
        #[arg(long)]
        policy: PathBuf,
        /// The dataset mapping (TOML; `leadpolicy data infer` writes one for an export)
        #[arg(long)]
        dataset: PathBuf,
        /// The lead id (or, with --by, the lead's value in that field)
        #[arg(long)]
        lead: String,
        /// Find the lead by another unique field than the id, e.g. --by lead_number
        #[arg(long)]
        by: Option<String>,
        /// Print the packet as JSON
        #[arg(long)]
        json: bool,
    },
    /// Replay historical leads under the published baseline and a draft, side by side
    Replay {
        #[arg(long)]
        baseline: PathBuf,
        #[arg(long)]
        draft: PathBuf,
        /// The dataset mapping (TOML)
        #[arg(long)]
        dataset: PathBuf,
        /// Write report.json, the charts (SVG), flips.csv, unresolved.csv and report.html here
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the whole replay as one JSON object instead of the table
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        cohort: CohortArgs,
        /// Also figures per period of `created_at`: week (ISO, Monday first), month or quarter
        #[arg(long)]
        by: Option<leadpolicy::replay::periods::Period>,
        /// Run the replay inside PostgreSQL (`postgres://user@host/db`, or
        /// `postgres:///db?host=/socket/dir`) over the leads table; only the figures come back
        #[arg(long, conflicts_with_all = ["out", "by"])]
        engine: Option<String>,
        /// With --engine: the table holding the leads export, columns named as its headers
        #[arg(long, default_value = "leads", requires = "engine")]
        leads_table: String,
        /// With --engine: the table holding the mapping's outcomes file
        #[arg(long, default_value = "outcomes", requires = "engine")]
        outcomes_table: String,
    },
    /// A policy's decisions period by period next to what actually happened (the old process,
    /// sellers accepting or sending back, meetings, disqualified leads that converted, seller
    /// feedback), and whether seller acceptance is stable
    Track {
        #[arg(long)]
        policy: PathBuf,
        /// The dataset mapping (TOML)
        #[arg(long)]
        dataset: PathBuf,
        #[command(flatten)]
        cohort: CohortArgs,
        /// Period length: week (ISO, Monday first), month or quarter
        #[arg(long, default_value = "week")]
        by: leadpolicy::replay::Period,
        /// Print the track as one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Suggested edits with evidence: each a whole policy file with its replay, the guardrails and
    /// how it does on held-out leads; nothing is applied
    Suggest {
        #[arg(long)]
        policy: PathBuf,
        /// The dataset mapping (TOML)
        #[arg(long)]
        dataset: PathBuf,
        /// The published policy the guardrails compare with (default: the input policy)
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Print the suggestions as one JSON object
        #[arg(long)]
        json: bool,
        /// Write each suggested policy (`<id>.toml`) and suggestions.json into DIR
        #[arg(long)]
        out: Option<PathBuf>,
        /// At most this many suggestions
        #[arg(long, default_value_t = 10)]
        max: usize,
        /// Read the guardrail limits from this workspace (default: every limit 0)
        #[arg(long)]
        workspace: Option<PathBuf>,
    },
    /// Compile a policy to one SQL query (DuckDB, PostgreSQL or Spark SQL) over the raw leads
    /// table that returns the decision record of every lead, as `decide` writes it
    Sql {
        /// The policy to compile (its decision record)
        #[arg(long, required_unless_present = "replay", conflicts_with = "replay")]
        policy: Option<PathBuf>,
        /// Compile the replay of --draft against --baseline instead: one query returning every
        /// figure of `replay --json` (metrics, unresolved queue, flip matrix, breakdowns)
        #[arg(long, requires_all = ["baseline", "draft"])]
        replay: bool,
        #[arg(long, requires = "replay")]
        baseline: Option<PathBuf>,
        #[arg(long, requires = "replay")]
        draft: Option<PathBuf>,
        /// Write the decision record as `CREATE OR REPLACE VIEW leadpolicy_<id>_v<version>`, as
        /// an export carries it beside the policy file
        #[arg(long, conflicts_with = "replay")]
        view: bool,
        /// The dataset mapping (TOML): headers, types, roles and missing tokens of the table
        #[arg(long)]
        dataset: PathBuf,
        /// duckdb, postgres or spark
        #[arg(long)]
        dialect: leadpolicy::sql::Dialect,
        /// The table holding the leads export, columns named as its headers
        #[arg(long, default_value = "leads")]
        leads_table: String,
        /// The table holding the mapping's outcomes file, columns named as its headers
        #[arg(long, default_value = "outcomes")]
        outcomes_table: String,
        /// Write the query here instead of printing it
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Trust analytics of a policy on a dataset: proxies of sensitive fields, segment impact
    /// (four-fifths rule), missing-field patterns, rule coverage, a threshold sweep and
    /// enrichment quality
    Analyze {
        #[arg(long)]
        policy: PathBuf,
        /// A second policy (the published baseline) for the segment impact comparison
        #[arg(long)]
        baseline: Option<PathBuf>,
        #[arg(long)]
        dataset: PathBuf,
        /// Print the analysis as one JSON object
        #[arg(long)]
        json: bool,
        /// Write analysis.json and the charts (SVG) into DIR
        #[arg(long)]
        out: Option<PathBuf>,
        /// The comparison to sweep: RULE_ID or RULE_ID:FIELD (default: the policy's first
        /// gt/gte/lt/lte comparison)
        #[arg(long, value_name = "RULE_ID[:FIELD]")]
        sweep: Option<String>,
        /// First threshold of the sweep (default: 5th percentile of the field, or the current value)
        #[arg(long)]
        sweep_from: Option<f64>,
        /// Last threshold of the sweep (default: 95th percentile of the field, or the current value)
        #[arg(long)]
        sweep_to: Option<f64>,
        /// Number of thresholds
        #[arg(long, default_value_t = leadpolicy::analyze::sweep::DEFAULT_STEPS)]
        steps: usize,
        /// Cramér's V at or above which a field is flagged as a possible proxy
        #[arg(long, default_value_t = 0.3)]
        proxy_threshold: f64,
        /// Groups with fewer in-scope leads are shown as too small to judge
        #[arg(long, default_value_t = 30)]
        min_group_size: usize,
        #[command(flatten)]
        cohort: CohortArgs,
    },
    /// Check an exported policy file before loading it: exit 0 only when the file is unchanged
    /// and its manifest carries a valid signature by KEY; otherwise say what was changed
    Verify {
        /// The exported policy file (TOML)
        policy: PathBuf,
        /// Its manifest (default: `<policy stem>.manifest.json` next to it)
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// The exporting workspace's public key (`ed25519:…`, as `leadpolicy workspace key`
        /// prints it), or a file holding it
        #[arg(long)]
        key: String,
    },
    /// The versioned workspace: import, replay, submit, approve, publish, export, audit log
    Workspace {
        /// The workspace folder (default: the desktop app's, ~/.local/share/dev.leadpolicy.workbench/workspace)
        #[arg(long, global = true)]
        workspace: Option<PathBuf>,
        /// Who is acting (default: the login name)
        #[arg(long = "as", global = true)]
        user: Option<String>,
        #[command(subcommand)]
        command: workspace_cli::WorkspaceCommand,
    },
    /// Your own exports: `data infer` writes a dataset mapping for a CRM export
    Data {
        #[command(subcommand)]
        command: import_cli::DataCommand,
    },
    /// Policies from scratch: `policy new` writes a starter policy for a dataset
    Policy {
        #[command(subcommand)]
        command: import_cli::PolicyCommand,
    },
    /// Write a realistic synthetic dataset (leads.csv, deals.csv, mapping.toml), same output for a seed
    Generate {
        #[arg(long, default_value_t = 15_000)]
        rows: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Measure load and decide speed and peak memory on generated data (1M leads by default)
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Where to generate the data (kept between runs); a temp dir by default
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Policy to decide with (the draft of the replay figure)
        #[arg(long, default_value = "policies/draft.toml")]
        policy: PathBuf,
        /// Baseline of the replay figure
        #[arg(long, default_value = "policies/baseline.toml")]
        baseline: PathBuf,
        /// Decide repetitions for the median
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
}
