//! The outcomes file: a semi-join on the lead id. A lead whose id appears in the file's key
//! column converted; with `converted_at`, its won date is the earliest of its rows. Read once
//! and applied to any number of id columns (the whole leads file, or each part of a streamed
//! one).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use polars::prelude::*;

use super::mapping::{Mapping, OutcomesSpec};
use super::{data, date_column, dates, hidden, parse_dates, read, source::read_table};
use crate::diag::{Diagnostics, list_names};
use crate::error::Error;

/// What the outcomes file says about lead ids.
#[derive(Debug)]
pub struct Outcomes {
    pub path: PathBuf,
    /// Every id that appears in the key column.
    converted: HashSet<String>,
    /// The earliest won date of each id (days since 1970-01-01), when `converted_at` is given.
    earliest: Option<HashMap<String, i32>>,
}

impl Outcomes {
    /// Read the outcomes file the mapping names; errors name the file, the line and the column,
    /// or point into the mapping for a key or date column the file does not have.
    pub fn read(mapping: &Mapping, o: &OutcomesSpec) -> Result<Self, Error> {
        let path = mapping.resolve(o.file.get_ref());
        let table = read_table(
            &path,
            &mapping.missing_tokens(),
            mapping.outcomes_format(),
            &mut |_, _| true,
            &|_| true,
        )?;
        let headers = || {
            let names: Vec<&str> = table.columns.iter().map(|c| c.header.as_str()).collect();
            format!("its headers are {}", list_names(&names))
        };
        let key = o.key.get_ref().trim();
        let Some(kc) = table.columns.iter().find(|c| c.header == key) else {
            return Err(Error::Invalid(Diagnostics(vec![
                mapping
                    .diag(
                        o.key.span(),
                        format!(
                            "the outcomes key `{key}` is not a column of `{}`",
                            path.display()
                        ),
                    )
                    .with_hint(headers()),
            ])));
        };
        // A deal linked to several leads lists them in one cell ("123;456"): with a
        // `separator`, each part is an id.
        let sep = o.separator.as_deref().filter(|s| !s.is_empty());
        let keys = kc.text()?;
        let converted: HashSet<String> = match sep {
            Some(sep) => keys
                .iter()
                .flatten()
                .flat_map(|cell| cell.split(sep).map(read::trim_cell))
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .collect(),
            None => keys.iter().flatten().map(str::to_string).collect(),
        };
        let Some(at) = &o.converted_at else {
            return Ok(Self {
                path,
                converted,
                earliest: None,
            });
        };
        let header = at.get_ref().trim();
        let Some(dc) = table.columns.iter().find(|c| c.header == header) else {
            return Err(Error::Invalid(Diagnostics(vec![
                mapping
                    .diag(
                        at.span(),
                        format!(
                            "the outcomes' `converted_at` column `{header}` is not a column of `{}`",
                            path.display()
                        ),
                    )
                    .with_hint(headers()),
            ])));
        };
        let format = o.converted_at_format.as_deref();
        let won = parse_dates(dc.text()?.iter(), format, |row, value| {
            data(
                &path,
                table.lines.get(row).map(|l| *l as usize),
                Some(header.to_string()),
                format!(
                    "`{value}` in `{header}` (converted_at) is not a date: expected {}",
                    dates::expected(format)
                ),
            )
        })?;
        let mut earliest: HashMap<String, i32> = HashMap::new();
        for (cell, day) in keys.iter().zip(&won) {
            let (Some(cell), Some(day)) = (cell, day) else {
                continue;
            };
            let parts: Vec<&str> = match sep {
                Some(sep) => cell.split(sep).map(read::trim_cell).collect(),
                None => vec![cell],
            };
            for k in parts {
                let e = earliest.entry(k.to_string()).or_insert(*day);
                *e = (*e).min(*day);
            }
        }
        Ok(Self {
            path,
            converted,
            earliest: Some(earliest),
        })
    }

    /// The hidden columns for these lead ids: converted, and the won date when known.
    pub fn columns(&self, ids: &StringChunked) -> Vec<Column> {
        let flags: BooleanChunked = ids
            .iter()
            .map(|id| Some(id.is_some_and(|id| self.converted.contains(id))))
            .collect();
        let mut out = vec![flags.with_name(hidden::CONVERTED.into()).into_column()];
        if let Some(earliest) = &self.earliest {
            let days: Vec<Option<i32>> = ids
                .iter()
                .map(|id| id.and_then(|id| earliest.get(id).copied()))
                .collect();
            out.push(date_column(days, hidden::CONVERTED_AT));
        }
        out
    }
}
