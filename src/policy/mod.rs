//! Policies: the language itself lives in the `leadpolicy-policy` crate (model, reader,
//! resolution, schema validation, diff, edits, packets); here are the parts that need this
//! crate's files and datasets: reading policy files with located errors, and the dataset as a
//! validation schema. The warnings a replay shows are in `analyze` (`warnings`, `leakage`).

pub mod validate;

use std::path::Path;

pub use leadpolicy_policy::*;

use crate::diag::{Diagnostics, Source};

/// Read and parse a policy file.
pub fn load(path: &Path) -> Result<Policy, crate::Error> {
    let text = crate::read_text(path)?;
    parse(Source::new(path, text)).map_err(crate::Error::Invalid)
}

/// Parse many policy files, returning every problem of every file.
pub fn load_all(paths: &[&Path]) -> (Vec<Policy>, Diagnostics, Vec<crate::Error>) {
    let mut policies = Vec::new();
    let mut diags = Diagnostics::default();
    let mut io = Vec::new();
    for p in paths {
        match load(p) {
            Ok(pol) => policies.push(pol),
            Err(crate::Error::Invalid(d)) => diags.extend(d),
            Err(e) => io.push(e),
        }
    }
    (policies, diags, io)
}
