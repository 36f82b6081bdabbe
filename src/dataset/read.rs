//! Reading one lead or outcome file (CSV or Parquet) into raw columns: every cell trimmed once,
//! missing tokens turned into nulls, each column's text kept and its numbers parsed when every
//! value is a decimal number. Errors name the file, the line and the column.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::error::{DataError, Error};

/// One column as read: the trimmed text (null when missing) and, when every non-missing value
/// is a decimal number, the numbers.
#[derive(Debug)]
pub struct RawColumn {
    /// The trimmed header.
    pub header: String,
    /// 1-based position in the file.
    pub position: usize,
    pub text: StringChunked,
    /// `Some` when the column has at least one value and every value is a decimal number.
    pub numbers: Option<Float64Chunked>,
    /// The first value that is not a number, with its line (for forced-number errors).
    pub first_non_number: Option<(String, usize)>,
    /// Non-missing cells.
    pub filled: usize,
}

#[derive(Debug)]
pub struct RawTable {
    pub columns: Vec<RawColumn>,
    pub rows: usize,
    /// Line of each data row in the file (1-based; CSV only, empty for Parquet).
    pub lines: Vec<u32>,
}

/// Parse a decimal number: `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == frac_start {
            return None;
        }
    } else if int_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Trim surrounding Unicode whitespace (and a byte-order mark, which exports put before the
/// first header).
pub fn trim_cell(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

struct ColumnBuilder {
    text: StringChunkedBuilder,
    numbers: Option<Vec<Option<f64>>>,
    first_non_number: Option<(String, usize)>,
    filled: usize,
}

/// Called while a file is read with (bytes read, file size).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Read a CSV file. `missing` are the exact tokens that mean "no value".
pub fn read_csv(
    path: &Path,
    missing: &[String],
    delimiter: u8,
    progress: Progress<'_>,
) -> Result<RawTable, Error> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 20)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let data_err = |line: u64, column: Option<String>, message: String| {
        Error::Data(DataError {
            file: path.to_path_buf(),
            line: Some(line as usize),
            column,
            lead: None,
            message,
        })
    };
    let csv_err = |e: csv::Error| -> Error {
        let line = e.position().map(|p| p.line());
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::io(path, io),
            other => Error::Data(DataError {
                file: path.to_path_buf(),
                line: line.map(|l| l as usize),
                column: None,
                lead: None,
                message: format!("cannot read CSV: {other:?}"),
            }),
        }
    };

    let mut record = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut record).map_err(csv_err)? {
        return Err(Error::Data(DataError {
            file: path.to_path_buf(),
            line: None,
            column: None,
            lead: None,
            message: "the file is empty: it has no header and no data rows".into(),
        }));
    }
    let header_line = record.position().map_or(1, |p| p.line());
    let mut headers = Vec::with_capacity(record.len());
    for (i, h) in record.iter().enumerate() {
        let h = std::str::from_utf8(h).map_err(|e| {
            data_err(
                header_line,
                Some(format!("#{}", i + 1)),
                format!(
                    "the header of column {} is not valid UTF-8 (byte {}); save the file as UTF-8",
                    i + 1,
                    e.valid_up_to() + 1
                ),
            )
        })?;
        headers.push(trim_cell(h).to_string());
    }
    let width = headers.len();
    let is_missing = |s: &str| missing.iter().any(|m| m == s);
    let mut cols: Vec<ColumnBuilder> = headers
        .iter()
        .map(|h| ColumnBuilder {
            text: StringChunkedBuilder::new(h.as_str().into(), 1024),
            numbers: Some(Vec::with_capacity(1024)),
            first_non_number: None,
            filled: 0,
        })
        .collect();
    let mut lines: Vec<u32> = Vec::new();
    while rdr.read_byte_record(&mut record).map_err(csv_err)? {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != width {
            // A line with nothing on it is not a lead: skip it.
            if record.len() == 1
                && record
                    .get(0)
                    .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            return Err(data_err(
                line,
                None,
                format!(
                    "this row has {} fields but the header has {width}; a value may contain an unquoted `{}` or a line may be cut short",
                    record.len(),
                    delimiter as char
                ),
            ));
        }
        lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        if lines.len() % 65_536 == 0 {
            progress(record.position().map_or(0, |p| p.byte()), size);
        }
        for (i, raw) in record.iter().enumerate() {
            let s = std::str::from_utf8(raw).map_err(|e| {
                data_err(
                    line,
                    Some(headers[i].clone()),
                    format!(
                        "invalid UTF-8 at byte {} of this cell; save the file as UTF-8",
                        e.valid_up_to() + 1
                    ),
                )
            })?;
            let v = trim_cell(s);
            let c = &mut cols[i];
            if is_missing(v) {
                c.text.append_null();
                if let Some(n) = c.numbers.as_mut() {
                    n.push(None);
                }
            } else {
                c.filled += 1;
                c.text.append_value(v);
                if let Some(n) = c.numbers.as_mut() {
                    match parse_decimal(v) {
                        Some(x) => n.push(Some(x)),
                        None => {
                            c.numbers = None;
                            c.first_non_number = Some((v.to_string(), line as usize));
                        }
                    }
                }
            }
        }
    }
    if lines.is_empty() {
        return Err(data_err(
            header_line,
            None,
            "the file has a header but no data rows".into(),
        ));
    }
    progress(size, size);
    let rows = lines.len();
    let columns = cols
        .into_iter()
        .zip(headers)
        .enumerate()
        .map(|(i, (c, header))| finish_column(header, i + 1, c))
        .collect();
    Ok(RawTable {
        columns,
        rows,
        lines,
    })
}

fn finish_column(header: String, position: usize, c: ColumnBuilder) -> RawColumn {
    let numbers = match c.numbers {
        Some(v) if c.filled > 0 => Some(Float64Chunked::from_iter_options(
            header.as_str().into(),
            v.into_iter(),
        )),
        _ => None,
    };
    RawColumn {
        header,
        position,
        text: c.text.finish(),
        numbers,
        first_non_number: c.first_non_number,
        filled: c.filled,
    }
}

/// Read a Parquet file: integer and float columns are numeric, string columns go through the
/// same trimming, missing tokens and number rule as CSV cells, everything else becomes text.
pub fn read_parquet(path: &Path, missing: &[String]) -> Result<RawTable, Error> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let df = ParquetReader::new(file).finish().map_err(|e| {
        Error::Data(DataError {
            file: path.to_path_buf(),
            line: None,
            column: None,
            lead: None,
            message: format!("cannot read Parquet: {e}"),
        })
    })?;
    let rows = df.height();
    if rows == 0 {
        return Err(Error::Data(DataError {
            file: path.to_path_buf(),
            line: None,
            column: None,
            lead: None,
            message: "the file has no data rows".into(),
        }));
    }
    let mut columns = Vec::with_capacity(df.width());
    for (i, col) in df.columns().iter().enumerate() {
        let header = trim_cell(col.name().as_str()).to_string();
        let s = col.as_materialized_series();
        let dtype = s.dtype().clone();
        let c = if dtype.is_primitive_numeric() {
            let numbers = s.cast(&DataType::Float64)?.f64()?.clone();
            let text = s.cast(&DataType::String)?.str()?.clone();
            let filled = rows - numbers.null_count();
            RawColumn {
                header,
                position: i + 1,
                text,
                numbers: (filled > 0).then_some(numbers),
                first_non_number: None,
                filled,
            }
        } else {
            let as_text = s.cast(&DataType::String)?;
            let ca = as_text.str()?;
            let mut b = ColumnBuilder {
                text: StringChunkedBuilder::new(header.as_str().into(), rows),
                numbers: if dtype == DataType::String {
                    Some(Vec::with_capacity(rows))
                } else {
                    None
                },
                first_non_number: None,
                filled: 0,
            };
            for (row, v) in ca.iter().enumerate() {
                match v.map(trim_cell).filter(|v| !missing.iter().any(|m| m == v)) {
                    None => {
                        b.text.append_null();
                        if let Some(n) = b.numbers.as_mut() {
                            n.push(None);
                        }
                    }
                    Some(v) => {
                        b.filled += 1;
                        b.text.append_value(v);
                        if let Some(n) = b.numbers.as_mut() {
                            match parse_decimal(v) {
                                Some(x) => n.push(Some(x)),
                                None => {
                                    b.numbers = None;
                                    b.first_non_number = Some((v.to_string(), row + 1));
                                }
                            }
                        }
                    }
                }
            }
            finish_column(header, i + 1, b)
        };
        columns.push(c);
    }
    Ok(RawTable {
        columns,
        rows,
        lines: Vec::new(),
    })
}

/// Read a CSV or Parquet file, chosen by extension.
pub fn read_table(
    path: &Path,
    missing: &[String],
    delimiter: u8,
    progress: Progress<'_>,
) -> Result<RawTable, Error> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("parquet" | "pq") => read_parquet(path, missing),
        _ => read_csv(path, missing, delimiter, progress),
    }
}
