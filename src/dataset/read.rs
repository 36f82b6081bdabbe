//! Reading one lead or outcome file (CSV, Parquet or a workbook) into raw columns: every cell trimmed once,
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
    /// `None` when the column is numeric and the caller did not ask to keep its text.
    pub text: Option<StringChunked>,
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

/// Numbers are read as the policy crate reads a lead's cells.
pub use leadpolicy_policy::parse_decimal;

/// With a decimal comma (`2,5` for two and a half, as spreadsheets in much of Europe write
/// it): a text column whose every value is a decimal number once its comma is read as the
/// decimal point becomes a number column (its text is kept).
pub fn with_decimal_comma(c: &mut RawColumn) -> Result<(), Error> {
    if c.numbers.is_some() || c.filled == 0 {
        return Ok(());
    }
    let Some(text) = c.text.as_ref() else {
        return Ok(());
    };
    let mut numbers = Vec::with_capacity(text.len());
    for v in text.iter() {
        match v {
            None => numbers.push(None),
            Some(v) if v.matches(',').count() <= 1 && !v.contains('.') => {
                match parse_decimal(&v.replace(',', ".")) {
                    Some(x) => numbers.push(Some(x)),
                    None => return Ok(()),
                }
            }
            Some(_) => return Ok(()),
        }
    }
    c.numbers = Some(Float64Chunked::from_iter_options(
        c.header.as_str().into(),
        numbers.into_iter(),
    ));
    c.first_non_number = None;
    Ok(())
}

/// Trim surrounding Unicode whitespace (`char::is_whitespace`; a byte-order mark is not
/// whitespace and stays, except at the very start of a file — see `read_csv`).
pub fn trim_cell(s: &str) -> &str {
    s.trim()
}

impl RawColumn {
    /// The column's text; the reader keeps it for every column the caller asked for and for
    /// every column that is not numeric.
    pub fn text(&self) -> Result<&StringChunked, Error> {
        self.text.as_ref().ok_or_else(|| {
            Error::Usage(format!(
                "internal: the text of column `{}` was not kept while reading",
                self.header
            ))
        })
    }
}

/// Which columns must keep their text even when they are numeric (by trimmed header).
pub type KeepText<'a> = &'a (dyn Fn(&str) -> bool + Sync);

/// One column while it is read. Numbers are kept as they parse (NaN marks a missing cell, which
/// no decimal number can produce) until the first value that is not a number; the text is kept
/// unless the caller knows it is not needed.
pub(crate) struct ColumnBuilder {
    text: Option<StringChunkedBuilder>,
    numbers: Option<Vec<f64>>,
    first_non_number: Option<(String, usize)>,
    filled: usize,
}

impl ColumnBuilder {
    pub(crate) fn new(name: &str, capacity: usize, numeric: bool) -> Self {
        Self::with_text(name, capacity, numeric, true)
    }

    /// A builder that keeps the text only when `text` is set.
    pub(crate) fn with_text(name: &str, capacity: usize, numeric: bool, text: bool) -> Self {
        Self {
            text: text.then(|| StringChunkedBuilder::new(name.into(), capacity)),
            numbers: numeric.then(|| Vec::with_capacity(capacity)),
            first_non_number: None,
            filled: 0,
        }
    }

    /// Non-missing values pushed so far.
    pub(crate) fn filled(&self) -> usize {
        self.filled
    }

    /// Whether every value pushed so far is a number (false when numbers were not asked for).
    pub(crate) fn numeric(&self) -> bool {
        self.numbers.is_some()
    }

    pub(crate) fn push_missing(&mut self) {
        if let Some(t) = self.text.as_mut() {
            t.append_null();
        }
        if let Some(n) = self.numbers.as_mut() {
            n.push(f64::NAN);
        }
    }

    pub(crate) fn push(&mut self, v: &str, line: usize) {
        self.filled += 1;
        if let Some(t) = self.text.as_mut() {
            t.append_value(v);
        }
        if let Some(n) = self.numbers.as_mut() {
            match parse_decimal(v) {
                Some(x) => n.push(x),
                None => {
                    self.numbers = None;
                    self.first_non_number = Some((v.to_string(), line));
                }
            }
        }
    }
}

/// Where the cells of a chunk go, column by column (`col` is the 0-based position).
pub(crate) trait Cells {
    fn missing(&mut self, col: usize);
    fn value(&mut self, col: usize, v: &str, line: usize);
}

impl Cells for Vec<ColumnBuilder> {
    fn missing(&mut self, col: usize) {
        self[col].push_missing();
    }

    fn value(&mut self, col: usize, v: &str, line: usize) {
        self[col].push(v, line);
    }
}

/// Called while a file is read with (bytes read, file size).
/// Called now and then with (bytes read, file size); returning `false` cancels the load.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

fn data_err(path: &Path, line: Option<u64>, column: Option<String>, message: String) -> Error {
    Error::Data(DataError {
        file: path.to_path_buf(),
        line: line.map(|l| l as usize),
        column,
        lead: None,
        message,
    })
}

/// What to do about a CSV file that is not UTF-8.
const NOT_UTF8_HINT: &str = "the file was probably saved by Excel on Windows; add `encoding = \"windows-1252\"` under [dataset] in the mapping (or the file's own encoding), or let `leadpolicy data infer` find it";

fn csv_err(path: &Path, line_offset: u64, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line() + line_offset);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => data_err(
            path,
            line,
            None,
            format!("this row has {len} cells but the header has {expected_len}"),
        ),
        csv::ErrorKind::Utf8 { err, .. } => data_err(
            path,
            line,
            Some(format!("#{}", err.field() + 1)),
            format!(
                "cell {} is not UTF-8 text: {NOT_UTF8_HINT}",
                err.field() + 1
            ),
        ),
        _ => data_err(
            path,
            line,
            None,
            "this part of the file is not CSV the reader understands".into(),
        ),
    }
}

/// A byte range of the file holding whole records, and the line its first record starts on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) first_line: u64,
}

/// Find where the header record ends and split the rest of a CSV file into at most `parts`
/// ranges that start at record boundaries: a line feed outside quotes. One sequential scan
/// tracks quote parity (an escaped `""` toggles twice) and counts lines, so every chunk knows
/// the line its first record starts on. With one part it stops after the header.
pub(crate) fn split_records(path: &Path, size: u64, parts: u64) -> Result<Vec<Chunk>, Error> {
    use std::io::Read;
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut chunks: Vec<Chunk> = Vec::new();
    // The header is "chunk -1": the first boundary closes it.
    let mut header_done = false;
    let (mut chunk_start, mut chunk_line) = (size, 1);
    let mut target = 0;
    let mut step = 0;
    let (mut pos, mut line, mut quoted) = (0u64, 1u64, false);
    let mut buf = vec![0u8; 1 << 20];
    'scan: loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        // Most of a file is far from the next boundary: there only the line feeds (every one
        // starts a line, quoted or not) and the parity of the quotes matter, counted in sweeps.
        let block = &buf[..n];
        if header_done && pos + (n as u64) < target {
            line += memchr::memchr_iter(b'\n', block).count() as u64;
            quoted ^= memchr::memchr_iter(b'"', block).count() % 2 == 1;
            pos += n as u64;
            continue;
        }
        for &b in block {
            pos += 1;
            if b == b'"' {
                quoted = !quoted;
            } else if b == b'\n' {
                line += 1;
                if quoted {
                    continue;
                }
                if !header_done {
                    header_done = true;
                    chunk_start = pos;
                    chunk_line = line;
                    step = (size - pos) / parts.max(1);
                    target = pos + step;
                    if parts <= 1 {
                        break 'scan;
                    }
                } else if pos >= target && (chunks.len() as u64) < parts - 1 {
                    chunks.push(Chunk {
                        start: chunk_start,
                        end: pos,
                        first_line: chunk_line,
                    });
                    chunk_start = pos;
                    chunk_line = line;
                    target = pos + step;
                    // The last part runs to the end of the file: nothing more to find.
                    if chunks.len() as u64 == parts - 1 {
                        break 'scan;
                    }
                }
            }
        }
    }
    chunks.push(Chunk {
        start: chunk_start,
        end: size,
        first_line: chunk_line,
    });
    Ok(chunks)
}

/// A reader that remembers where every line feed was, so that records get their true starting
/// line even when quoted cells hold line breaks (the csv crate's own line count lags there).
struct LineFeeds<R> {
    inner: R,
    offset: u64,
    feeds: std::rc::Rc<std::cell::RefCell<Vec<u64>>>,
}

impl<R: std::io::Read> std::io::Read for LineFeeds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut feeds = self.feeds.borrow_mut();
        feeds.extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| self.offset + i as u64));
        self.offset += n as u64;
        Ok(n)
    }
}

/// What one chunk of records produced.
struct Parsed {
    cols: Vec<ColumnBuilder>,
    lines: Vec<u32>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the reader's settings"
)]
pub(crate) fn parse_chunk(
    path: &Path,
    chunk: Chunk,
    headers: &[String],
    missing: &[String],
    delimiter: u8,
    size: u64,
    scale: u64,
    progress: Option<Progress<'_>>,
    cells: &mut impl Cells,
) -> Result<Vec<u32>, Error> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    file.seek(SeekFrom::Start(chunk.start))
        .map_err(|e| Error::io(path, e))?;
    let feeds = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let reader = LineFeeds {
        inner: std::io::BufReader::with_capacity(1 << 20, file).take(chunk.end - chunk.start),
        offset: 0,
        feeds: std::rc::Rc::clone(&feeds),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 20)
        .from_reader(reader);
    let line_offset = chunk.first_line - 1;
    // Line feeds before the end of the current record, counted as records advance.
    let mut feeds_before = 0usize;
    let width = headers.len();
    let mut lines: Vec<u32> = Vec::new();
    let mut progress = progress;
    let mut record = csv::ByteRecord::new();
    let is_missing = |s: &str| missing.iter().any(|m| m == s);
    while rdr
        .read_byte_record(&mut record)
        .map_err(|e| csv_err(path, line_offset, e))?
    {
        // The record's first line: line feeds before its end, less the terminator's own and
        // those inside quoted cells. (The csv crate's line count lags after quoted line breaks
        // and blank lines, and an LF ending a CRLF record is read with the *next* record.)
        let end = rdr.position().byte();
        {
            let feeds = feeds.borrow();
            while feeds_before < feeds.len() && feeds[feeds_before] + 1 < end {
                feeds_before += 1;
            }
        }
        let inside = memchr::memchr_iter(b'\n', record.as_slice()).count();
        let line = chunk.first_line + feeds_before.saturating_sub(inside) as u64;
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
                path,
                Some(line),
                None,
                format!(
                    "this row has {} fields but the header has {width}; a value may contain an unquoted `{}` or a line may be cut short",
                    record.len(),
                    delimiter as char
                ),
            ));
        }
        lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        if lines.len().is_multiple_of(65_536)
            && let Some(p) = progress.as_mut()
        {
            let done = record.position().map_or(0, |p| p.byte());
            if !p((done * scale).min(size), size) {
                return Err(Error::Cancelled);
            }
        }
        // One check of the whole record's text; a cell is then a slice of it (unless the record
        // is not UTF-8, or a cell boundary falls inside a character: then cell by cell, which
        // also names the cell that is not).
        let whole = std::str::from_utf8(record.as_slice()).ok();
        for (i, raw) in record.iter().enumerate() {
            let cell = whole.and_then(|w| record.range(i).and_then(|r| w.get(r)));
            let s = match cell {
                Some(s) => Ok(s),
                None => std::str::from_utf8(raw),
            };
            let s = s.map_err(|e| {
                data_err(
                    path,
                    Some(line),
                    Some(headers[i].clone()),
                    format!(
                        "this cell is not UTF-8 text (byte {} of it): {NOT_UTF8_HINT}",
                        e.valid_up_to() + 1
                    ),
                )
            })?;
            let v = trim_cell(s);
            if is_missing(v) {
                cells.missing(i);
            } else {
                cells.value(i, v, line as usize);
            }
        }
    }
    Ok(lines)
}

/// A builder per column for a chunk of `bytes` bytes, every column numeric until shown not to be.
fn builders(headers: &[String], bytes: u64) -> Vec<ColumnBuilder> {
    let estimate = rows_in(bytes);
    headers
        .iter()
        .map(|h| ColumnBuilder::new(h, estimate, true))
        .collect()
}

/// A guess of the rows in `bytes` of CSV, to size a column builder.
pub(crate) fn rows_in(bytes: u64) -> usize {
    (bytes / 64).clamp(16, 1 << 22) as usize
}

/// How many threads read a file at once: one per core.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Parse a chunk into a builder per column.
#[expect(
    clippy::too_many_arguments,
    reason = "the reader's settings, passed through"
)]
fn parse_columns(
    path: &Path,
    chunk: Chunk,
    headers: &[String],
    missing: &[String],
    delimiter: u8,
    size: u64,
    scale: u64,
    progress: Option<Progress<'_>>,
) -> Result<Parsed, Error> {
    let mut cols = builders(headers, chunk.end - chunk.start);
    let lines = parse_chunk(
        path, chunk, headers, missing, delimiter, size, scale, progress, &mut cols,
    )?;
    Ok(Parsed { cols, lines })
}

/// The trimmed headers of a CSV file, the line the header record starts on, and the file's
/// size in bytes.
pub(crate) fn read_headers(path: &Path, delimiter: u8) -> Result<(Vec<String>, u64, u64), Error> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(std::io::BufReader::new(file));
    let mut record = csv::ByteRecord::new();
    if !rdr
        .read_byte_record(&mut record)
        .map_err(|e| csv_err(path, 0, e))?
    {
        return Err(data_err(
            path,
            None,
            None,
            "the file is empty: it has no header and no data rows".into(),
        ));
    }
    let header_line = record.position().map_or(1, |p| p.line());
    let mut headers = Vec::with_capacity(record.len());
    for (i, h) in record.iter().enumerate() {
        // A UTF-8 byte-order mark opens many exports; it belongs to the file, not the header.
        let h = if i == 0 {
            h.strip_prefix(b"\xef\xbb\xbf").unwrap_or(h)
        } else {
            h
        };
        let h = std::str::from_utf8(h).map_err(|e| {
            data_err(
                path,
                Some(header_line),
                Some(format!("#{}", i + 1)),
                format!(
                    "the header of column {} is not UTF-8 text (byte {} of it): {NOT_UTF8_HINT}",
                    i + 1,
                    e.valid_up_to() + 1
                ),
            )
        })?;
        headers.push(trim_cell(h).to_string());
    }
    Ok((headers, header_line, size))
}

/// Read a CSV file. `missing` are the exact tokens that mean "no value". Large files are split
/// at record boundaries and parsed on every core; the result is the same as one sequential pass.
pub fn read_csv(
    path: &Path,
    missing: &[String],
    delimiter: u8,
    progress: Progress<'_>,
    keep_text: KeepText<'_>,
) -> Result<RawTable, Error> {
    let threads = threads() as u64;
    read_csv_in_parts(
        path,
        missing,
        delimiter,
        progress,
        keep_text,
        threads,
        16 << 20,
    )
}

/// [`read_csv`] with the split made explicit: files with more than `min_bytes` of data are read
/// in `parts` chunks in parallel (tests use small values to exercise the split).
pub fn read_csv_in_parts(
    path: &Path,
    missing: &[String],
    delimiter: u8,
    progress: Progress<'_>,
    keep_text: KeepText<'_>,
    parts: u64,
    min_bytes: u64,
) -> Result<RawTable, Error> {
    let (headers, header_line, size) = read_headers(path, delimiter)?;

    // INVARIANT: chunks cover everything after the header, in order, each starting at a
    // record boundary.
    let parts = if size > min_bytes { parts.max(1) } else { 1 };
    let chunks = split_records(path, size, parts)?;
    let scale = chunks.len() as u64;
    let heads = headers.as_slice();
    let results: Vec<Result<Parsed, Error>> = std::thread::scope(|s| {
        let others: Vec<_> = chunks[1..]
            .iter()
            .map(|&c| {
                s.spawn(move || {
                    parse_columns(path, c, heads, missing, delimiter, size, scale, None)
                })
            })
            .collect();
        let first = parse_columns(
            path,
            chunks[0],
            heads,
            missing,
            delimiter,
            size,
            scale,
            Some(progress),
        );
        let mut all = vec![first];
        for h in others {
            all.push(h.join().unwrap_or_else(|_| {
                Err(data_err(path, None, None, "a reader thread crashed".into()))
            }));
        }
        all
    });
    let mut parsed = Vec::with_capacity(results.len());
    for r in results {
        parsed.push(r?);
    }
    let rows: usize = parsed.iter().map(|p| p.lines.len()).sum();
    if rows == 0 {
        return Err(data_err(
            path,
            Some(header_line),
            None,
            "the file has a header but no data rows".into(),
        ));
    }
    let mut lines = Vec::with_capacity(rows);
    for p in &parsed {
        lines.extend_from_slice(&p.lines);
    }
    let mut per_column: Vec<Vec<ColumnBuilder>> = headers.iter().map(|_| Vec::new()).collect();
    for p in parsed {
        for (i, c) in p.cols.into_iter().enumerate() {
            per_column[i].push(c);
        }
    }
    let columns = per_column
        .into_iter()
        .zip(headers)
        .enumerate()
        .map(|(i, (parts, header))| {
            let keep = keep_text(&header);
            merge_column(header, i + 1, parts, keep)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(RawTable {
        columns,
        rows,
        lines,
    })
}

/// Join one column's chunks: the text chunks appended, numbers kept only when every chunk was
/// numeric, the earliest non-number remembered.
fn merge_column(
    header: String,
    position: usize,
    parts: Vec<ColumnBuilder>,
    keep_text: bool,
) -> Result<RawColumn, Error> {
    let mut text: Option<StringChunked> = None;
    let mut numbers: Option<Vec<f64>> = Some(Vec::new());
    let mut first_non_number = None;
    let mut filled = 0;
    for p in parts {
        filled += p.filled;
        if first_non_number.is_none() {
            first_non_number = p.first_non_number;
        }
        numbers = match (numbers, p.numbers) {
            (Some(mut a), Some(b)) => {
                if a.is_empty() {
                    a = b;
                } else {
                    a.extend_from_slice(&b);
                }
                Some(a)
            }
            _ => None,
        };
        if let Some(t) = p.text {
            let t = t.finish();
            match text.as_mut() {
                None => text = Some(t),
                Some(acc) => acc.append(&t)?,
            }
        }
    }
    let name: PlSmallStr = header.as_str().into();
    // Drop a numeric column's text as soon as it is known to be unneeded: it is the largest
    // part of the peak memory while a big file loads.
    let numeric = numbers.is_some() && filled > 0;
    // One chunk per column: Polars would otherwise re-align the chunks of the parallel parts
    // on every query over the frame, copying them each time.
    let text = if numeric && !keep_text {
        None
    } else {
        text.map(|t| t.rechunk().into_owned())
    };
    let numbers = match numbers {
        Some(v) if filled > 0 => Some(Float64Chunked::from_iter_options(
            name.clone(),
            v.into_iter().map(|x| (!x.is_nan()).then_some(x)),
        )),
        _ => None,
    };
    Ok(RawColumn {
        header,
        position,
        text,
        numbers,
        first_non_number,
        filled,
    })
}

pub(crate) fn finish_column(
    header: String,
    position: usize,
    c: ColumnBuilder,
    keep_text: bool,
) -> Result<RawColumn, Error> {
    merge_column(header, position, vec![c], keep_text)
}

/// Read a Parquet file: integer and float columns are numeric, string columns go through the
/// same trimming, missing tokens and number rule as CSV cells, everything else becomes text.
pub fn read_parquet(
    path: &Path,
    missing: &[String],
    keep_text: KeepText<'_>,
) -> Result<RawTable, Error> {
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
                text: keep_text(&header).then_some(text),
                header,
                position: i + 1,
                numbers: (filled > 0).then_some(numbers),
                first_non_number: None,
                filled,
            }
        } else {
            let as_text = s.cast(&DataType::String)?;
            let ca = as_text.str()?;
            let mut b = ColumnBuilder::new(&header, rows, dtype == DataType::String);
            for (row, v) in ca.iter().enumerate() {
                match v.map(trim_cell).filter(|v| !missing.iter().any(|m| m == v)) {
                    None => b.push_missing(),
                    Some(v) => b.push(v, row + 1),
                }
            }
            let keep = keep_text(&header);
            finish_column(header, i + 1, b, keep)?
        };
        columns.push(c);
    }
    Ok(RawTable {
        columns,
        rows,
        lines: Vec::new(),
    })
}
