//! What both examples do first: read a published policy file, or say why not.

use std::process::ExitCode;

use leadpolicy_policy::{Policy, diag::Source, parse};

/// The policy at `path`, or the exit code after printing why it cannot be used: 2 when the file
/// cannot be read, 1 with every problem of an invalid policy, located.
pub fn read_policy(path: &str) -> Result<Policy, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("cannot read {path}: {e}");
        ExitCode::from(2)
    })?;
    parse(Source::new(path, text)).map_err(|problems| {
        eprintln!("{problems}");
        ExitCode::from(1)
    })
}
