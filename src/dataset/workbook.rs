//! Reading one sheet of a spreadsheet workbook (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`, with
//! `calamine`) into raw columns, cell by cell as the CSV reader would see the same sheet saved
//! as CSV: numbers stay numbers (`250`, not `250.0`), dates become ISO dates (`2025-03-04`, or
//! `2025-03-04 09:30:00` with a time), `TRUE`/`FALSE` stay text, error cells are their text
//! (`#N/A`). The first non-empty row is the header; "line" in errors is the sheet's row number.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use super::read::{ColumnBuilder, KeepText, RawTable, finish_column, trim_cell};
use crate::error::Error;

fn err(path: &Path, line: Option<usize>, message: String) -> Error {
    super::data(path, line, None, message)
}

/// The sheets of a workbook, in order.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, Error> {
    let wb = open_workbook_auto(path)
        .map_err(|e| err(path, None, format!("cannot read the workbook: {e}")))?;
    Ok(wb.sheet_names())
}

/// A cell as the text a CSV export of the sheet would hold; `None` for an empty cell.
pub fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(crate::format_number(*f)),
        Data::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            Some(if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            })
        }
        Data::DateTime(dt) => Some(crate::format_number(dt.as_f64())),
        // ODS writes ISO date-times (`2025-03-04T09:30:00.123`): a form the date roles read.
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Error(e) => Some(e.to_string()),
    }
}

/// Read `sheet` (the first sheet when `None`) of the workbook at `path`.
pub fn read_workbook(
    path: &Path,
    sheet: Option<&str>,
    missing: &[String],
    keep_text: KeepText<'_>,
) -> Result<RawTable, Error> {
    let mut wb = open_workbook_auto(path)
        .map_err(|e| err(path, None, format!("cannot read the workbook: {e}")))?;
    let names = wb.sheet_names();
    let name = match sheet {
        Some(s) => {
            if !names.iter().any(|n| n == s) {
                return Err(err(
                    path,
                    None,
                    format!(
                        "the workbook has no sheet `{s}`; its sheets are {}",
                        crate::diag::list_names(&names)
                    ),
                ));
            }
            s.to_string()
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| err(path, None, "the workbook has no sheets".into()))?,
    };
    let range = wb.worksheet_range(&name).map_err(|e| {
        err(
            path,
            None,
            format!("cannot read sheet `{name}` of the workbook: {e}"),
        )
    })?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows().enumerate();
    let Some((_, header)) = rows.next() else {
        return Err(err(
            path,
            None,
            format!("sheet `{name}` is empty: it has no header and no data rows"),
        ));
    };
    let headers: Vec<String> = header
        .iter()
        .map(|c| cell_text(c).map_or_else(String::new, |t| trim_cell(&t).to_string()))
        .collect();
    let mut builders: Vec<ColumnBuilder> = headers
        .iter()
        .map(|h| ColumnBuilder::new(h, range.height(), true))
        .collect();
    let mut lines = Vec::new();
    for (i, row) in rows {
        let texts: Vec<Option<String>> = row.iter().map(cell_text).collect();
        let line = first_row as usize + i + 1;
        // A row of empty cells is a blank line, skipped as in CSV.
        if texts
            .iter()
            .all(|t| t.as_deref().is_none_or(|t| trim_cell(t).is_empty()))
        {
            continue;
        }
        lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        for (b, t) in builders.iter_mut().zip(&texts) {
            match t
                .as_deref()
                .map(trim_cell)
                .filter(|v| !missing.iter().any(|m| m == v))
            {
                None => b.push_missing(),
                Some(v) => b.push(v, line),
            }
        }
    }
    if lines.is_empty() {
        return Err(err(
            path,
            Some(first_row as usize + 1),
            format!("sheet `{name}` has a header but no data rows"),
        ));
    }
    let rows = lines.len();
    let columns = builders
        .into_iter()
        .zip(headers)
        .enumerate()
        .map(|(i, (b, h))| {
            let keep = keep_text(&h);
            finish_column(h, first_col as usize + i + 1, b, keep)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(RawTable {
        columns,
        rows,
        lines,
    })
}
