//! The library's error type. Every variant says what is wrong and where: a file and, where it
//! applies, a line, a column and a lead id.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostics;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("cannot {action} `{}`: {}", path.display(), io_words(source))]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A policy or mapping file has problems (all of them, with locations).
    #[error("{0}")]
    Invalid(Diagnostics),
    /// A data file has a problem at a place.
    #[error("{0}")]
    Data(DataError),
    /// A lead id that the dataset does not have.
    #[error("lead `{0}` is not in the dataset")]
    UnknownLead(String),
    /// A usage problem that is not tied to a file (bad output extension, …).
    #[error("{0}")]
    Usage(String),
    #[error("internal data error: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    /// The workspace is missing, from a newer version, or its database cannot be used.
    #[error("{0}")]
    Workspace(String),
    /// Another process holds the workspace; try again.
    #[error("the workspace is busy (another leadpolicy is writing to it); try again: {0}")]
    Busy(String),
    /// An action that the lifecycle does not allow (and nothing was changed).
    #[error("{0}")]
    Lifecycle(String),
    /// A file does not match the hash or the record it claims to match.
    #[error("{0}")]
    Tampered(String),
    /// The person cancelled a long job (a load); nothing was changed.
    #[error("cancelled")]
    Cancelled,
}

/// An I/O error as people say it: "the file does not exist", not "os error 2".
pub fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "it does not exist".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::AlreadyExists => "it already exists".into(),
        ErrorKind::IsADirectory => "it is a folder, not a file".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

impl From<leadpolicy_policy::edit::Error> for Error {
    fn from(e: leadpolicy_policy::edit::Error) -> Self {
        Error::Usage(e.0)
    }
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn write(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        }
    }
    /// A stable code for front ends to branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Io { .. } => ErrorCode::Io,
            Error::Invalid(_) => ErrorCode::Invalid,
            Error::Data(_) => ErrorCode::Data,
            Error::UnknownLead(_) => ErrorCode::UnknownLead,
            Error::Usage(_) => ErrorCode::Usage,
            Error::Polars(_) => ErrorCode::Internal,
            Error::Workspace(_) => ErrorCode::Workspace,
            Error::Busy(_) => ErrorCode::Busy,
            Error::Lifecycle(_) => ErrorCode::Lifecycle,
            Error::Tampered(_) => ErrorCode::Tampered,
            Error::Cancelled => ErrorCode::Cancelled,
        }
    }
}

/// What kind of failure an [`Error`] is, for front ends to branch on (the app's windows switch
/// over these; their string forms are stable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file could not be read or written.
    Io,
    /// A policy or mapping with located problems.
    Invalid,
    /// A data file with a problem at a place.
    Data,
    UnknownLead,
    /// A request that does not make sense (a missing argument, an unknown name).
    Usage,
    /// A bug: something the program should have prevented.
    Internal,
    Workspace,
    /// Another window or process holds the workspace.
    Busy,
    /// A step the policy's lifecycle does not allow (approve a draft not in review …).
    Lifecycle,
    /// A signed file that does not match its signature.
    Tampered,
    /// The person cancelled.
    Cancelled,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::Io,
        ErrorCode::Invalid,
        ErrorCode::Data,
        ErrorCode::UnknownLead,
        ErrorCode::Usage,
        ErrorCode::Internal,
        ErrorCode::Workspace,
        ErrorCode::Busy,
        ErrorCode::Lifecycle,
        ErrorCode::Tampered,
        ErrorCode::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Io => "io",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Data => "data",
            ErrorCode::UnknownLead => "unknown_lead",
            ErrorCode::Usage => "usage",
            ErrorCode::Internal => "internal",
            ErrorCode::Workspace => "workspace",
            ErrorCode::Busy => "busy",
            ErrorCode::Lifecycle => "lifecycle",
            ErrorCode::Tampered => "tampered",
            ErrorCode::Cancelled => "cancelled",
        }
    }
}

/// A problem in a data file: `file:line`, the column and the lead when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<String>,
    pub lead: Option<String>,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        write!(f, "  --> {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let mut parts = Vec::new();
        if let Some(c) = &self.column {
            parts.push(format!("column `{c}`"));
        }
        if let Some(l) = &self.lead {
            parts.push(format!("lead `{l}`"));
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for DataError {}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        let text = e.to_string();
        let busy = matches!(&e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c == "5" || c == "6"))
            || text.contains("database is locked")
            || text.contains("database is busy");
        let code = match &e {
            sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
            _ => None,
        };
        match code.as_deref() {
            _ if busy => Error::Busy(text),
            Some("13") => Error::Workspace(format!(
                "the disk is full ({text}); nothing was changed: free some space and try again"
            )),
            Some("8") => Error::Workspace(format!(
                "the workspace is read-only ({text}); nothing was changed"
            )),
            Some("14") => Error::Workspace(format!(
                "cannot open the database file ({text}): the folder may be read-only, or gone"
            )),
            _ => Error::Workspace(format!("the workspace database failed: {text}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn error_codes_travel_as_their_string_form() -> Result<(), serde_json::Error> {
        for c in ErrorCode::ALL {
            let json = serde_json::to_string(&c)?;
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json)?, c);
        }
        Ok(())
    }
}
