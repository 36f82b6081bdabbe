//! `leadpolicy data infer` and `leadpolicy policy new`: from a CRM export to a mapping and a
//! starter policy without writing TOML by hand.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use leadpolicy::dataset::Dataset;
use leadpolicy::{Error, infer, policy};

#[derive(Subcommand, Debug)]
pub enum DataCommand {
    /// Read a lead export (CSV in any common encoding and delimiter, Excel .xlsx/.xls/.ods,
    /// Parquet) and write a dataset mapping that loads as it is, with a comment on each choice
    Infer {
        /// The lead export
        leads: PathBuf,
        /// An outcomes export (deals, opportunities) to join: its leads converted
        #[arg(long)]
        outcomes: Option<PathBuf>,
        /// The workbook sheet to read (default: the first)
        #[arg(long)]
        sheet: Option<String>,
        /// Where to write the mapping (default: LEADS.mapping.toml beside the export)
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print what was found as JSON instead of the summary
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Write a starter policy for a dataset: it passes `check` and replays as it is
    New {
        /// The dataset mapping (from `leadpolicy data infer`)
        #[arg(long)]
        dataset: PathBuf,
        /// Where to write the policy (default: policy.toml beside the mapping)
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Refuse to replace a file someone may have edited.
fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::Usage(format!(
                "{} already exists; nothing was written (remove it, or pass --out with another name)",
                path.display()
            )),
            _ => Error::write(path, e),
        })?;
    f.write_all(text.as_bytes())
        .map_err(|e| Error::write(path, e))
}

pub fn data(command: DataCommand) -> Result<ExitCode, Error> {
    match command {
        DataCommand::Infer {
            leads,
            outcomes,
            sheet,
            out,
            json,
        } => {
            let out = out.unwrap_or_else(|| infer::default_out(&leads));
            let dir = out
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let inf = infer::infer(&leads, outcomes.as_deref(), sheet.as_deref(), dir)?;
            let text = infer::render::mapping(&inf);
            write_new(&out, &text)?;
            // The mapping must load as written: check it now, not at the first replay.
            Dataset::load(&out)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&inf).unwrap_or_default());
            } else {
                print!("{}", infer::render::summary(&inf));
                println!(
                    "\nWrote {}. Next: leadpolicy policy new --dataset {}",
                    out.display(),
                    out.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn policy_cmd(command: PolicyCommand) -> Result<ExitCode, Error> {
    match command {
        PolicyCommand::New { dataset, out } => {
            let ds = Dataset::load(&dataset)?;
            let out = out.unwrap_or_else(|| dataset.with_file_name("policy.toml"));
            let text = infer::starter::starter_policy(&ds)?;
            // What is written must pass the checks a replay makes.
            let p = policy::parse(leadpolicy::diag::Source::new(&out, text.clone()))
                .map_err(Error::Invalid)?;
            let problems = policy::validate::check_against(&p, &ds);
            if !problems.is_empty() {
                return Err(Error::Invalid(problems));
            }
            write_new(&out, &text)?;
            println!(
                "Wrote {} (`{}`): every lead goes to nurture until you allow fields and write rules.\nNext: leadpolicy check {} --dataset {}   then   leadpolicy replay --baseline {} --draft {} --dataset {}",
                out.display(),
                p.id,
                out.display(),
                dataset.display(),
                out.display(),
                out.display(),
                dataset.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
