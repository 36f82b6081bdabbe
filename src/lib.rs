//! leadpolicy — the core of the lead-qualification policy workbench.
//!
//! Policies ([`policy`]) are read and validated with every problem located; datasets
//! ([`dataset`]) are loaded once as their mapping says; the [`engine`] decides every lead in one
//! vectorised pass and explains any single lead with its qualification packet. This crate has no
//! user interface: the `leadpolicy` CLI and the desktop shell are thin front doors onto it. It
//! never reads the clock or the environment, except in [`store::actor`], which the front ends call
//! to stamp an action with its time and user; paths and settings come in as arguments.

pub mod analyze;
pub mod chart;
pub mod dataset;
pub mod decide;
pub mod engine;
pub mod error;
pub mod generate;
pub mod infer;
pub mod output;
pub mod policy;
pub mod replay;
pub mod report;
pub mod sql;
pub mod store;
pub mod suggest;
pub mod text;

use std::path::Path;

pub use error::{Error, ErrorCode};
/// Diagnostics, number formatting and hashing live with the policy language.
pub use leadpolicy_policy::{diag, format_number, sha256_hex};

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Read a UTF-8 text file, with an error that names it.
pub fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes());
        let line = text
            .get(..offset)
            .map_or(1, |s| s.matches('\n').count() + 1);
        Error::Data(error::DataError {
            file: path.to_path_buf(),
            line: Some(line),
            column: None,
            lead: None,
            message: format!("the file is not valid UTF-8 (byte {})", offset + 1),
        })
    })
}
