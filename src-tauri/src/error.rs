//! The one error shape every command returns: a stable code, plain words, and the place.

use leadpolicy::{Error, ErrorCode};
use serde::Serialize;

/// A failure as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AppError {
    /// What kind of failure (the window branches on it).
    pub code: ErrorCode,
    /// Plain words; several problems are one per line.
    pub message: String,
    /// Where: "leads.csv, line 12, column `Employees`", "draft, line 7, column 5", "lead L-1".
    pub place: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            place: None,
        }
    }
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        let code = e.code();
        match e {
            Error::Invalid(diags) => {
                let first = diags.iter().next();
                let place = first.map(|d| {
                    format!(
                        "{}, line {}, column {}",
                        file_name(&d.file),
                        d.line,
                        d.column
                    )
                });
                let message = diags
                    .iter()
                    .map(|d| {
                        let mut s = format!("line {}, column {}: {}", d.line, d.column, d.message);
                        if let Some(h) = &d.hint {
                            s.push_str(&format!(" ({h})"));
                        }
                        s
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                Self {
                    code,
                    message,
                    place,
                }
            }
            Error::Data(d) => {
                let mut place = file_name(&d.file);
                if let Some(l) = d.line {
                    place.push_str(&format!(", line {l}"));
                }
                if let Some(c) = &d.column {
                    place.push_str(&format!(", column `{c}`"));
                }
                if let Some(l) = &d.lead {
                    place.push_str(&format!(", lead {l}"));
                }
                Self {
                    code,
                    message: d.message,
                    place: Some(place),
                }
            }
            Error::UnknownLead(id) => Self {
                code,
                message: format!("There is no lead `{id}` in the loaded dataset."),
                place: Some(format!("lead {id}")),
            },
            Error::Cancelled => Self::new(code, "Cancelled; nothing was changed."),
            other => Self::new(code, other.to_string()),
        }
    }
}

impl From<tauri::Error> for AppError {
    fn from(e: tauri::Error) -> Self {
        Self::new(ErrorCode::Internal, e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;
