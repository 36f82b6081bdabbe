//! What a data file is before it is a table: its kind (CSV, Parquet, a spreadsheet workbook),
//! the text encoding and delimiter of a CSV file, as CRMs and spreadsheets really write them.
//! UTF-8 (with or without a byte-order mark) is read in place; UTF-16 with a byte-order mark
//! (Excel's "Unicode text") and legacy encodings such as Windows-1252 (Excel on Windows) are
//! decoded by `encoding_rs` into a temporary UTF-8 copy with the same lines, so every error still
//! names the original file and line.

use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use crate::error::Error;

/// The kind of a data file, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Parquet,
    /// `.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`, read with `calamine`.
    Workbook,
}

impl Kind {
    pub fn of(path: &Path) -> Self {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("parquet" | "pq") => Kind::Parquet,
            Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => Kind::Workbook,
            _ => Kind::Csv,
        }
    }
}

/// How to read a file: what the mapping says, each part optional (then found from the bytes).
#[derive(Debug, Clone, Copy, Default)]
pub struct Format<'a> {
    pub encoding: Option<&'static Encoding>,
    pub delimiter: Option<u8>,
    pub sheet: Option<&'a str>,
}

/// The encoding names a mapping may use: any WHATWG label (`utf-8`, `utf-16`, `windows-1252`,
/// `latin1`, `iso-8859-15`, `shift_jis` …), as `encoding_rs` knows them.
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// The encoding of a file's bytes: a byte-order mark decides; otherwise UTF-8 when the bytes
/// are valid UTF-8, else Windows-1252 (what Excel on Windows writes as "CSV").
pub fn sniff_encoding(bytes: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return enc;
    }
    // A cut in the middle of a character at the end of a sample is not an error.
    let cut = bytes.len().saturating_sub(3);
    match std::str::from_utf8(bytes) {
        Ok(_) => UTF_8,
        Err(e) if e.valid_up_to() >= cut && e.error_len().is_none() => UTF_8,
        Err(_) => WINDOWS_1252,
    }
}

/// The delimiter of a CSV sample (UTF-8 text): among `,` `;` tab and `|`, the one that splits
/// the most lines into the same number (more than one) of fields, quotes respected; `,` when
/// none does.
pub fn sniff_delimiter(sample: &str) -> u8 {
    // Only whole lines: the sample may end in the middle of one.
    let sample = match sample.rfind('\n') {
        Some(i) => &sample[..=i],
        None => sample,
    };
    let mut best = (b',', 0usize, 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(sample.as_bytes());
        let widths: Vec<usize> = rdr
            .byte_records()
            .take(200)
            .filter_map(Result::ok)
            .map(|r| r.len())
            .collect();
        let Some(&header) = widths.first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        let agreeing = widths.iter().filter(|&&w| w == header).count();
        // Most lines agreeing wins; then more fields.
        if (agreeing, header) > (best.1, best.2) {
            best = (d, agreeing, header);
        }
    }
    best.0
}

/// A name for an encoding as a mapping writes it.
pub fn encoding_label(enc: &'static Encoding) -> String {
    enc.name().to_ascii_lowercase()
}

/// A UTF-8 file to read in place of `path`: `path` itself when it is UTF-8, otherwise a
/// temporary decoded copy that is removed when this is dropped.
#[derive(Debug)]
pub struct Utf8File {
    pub path: PathBuf,
    temporary: bool,
}

impl Drop for Utf8File {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Decode `path` to UTF-8 when its encoding (given, or found from its bytes) is not UTF-8.
pub fn as_utf8(path: &Path, encoding: Option<&'static Encoding>) -> Result<Utf8File, Error> {
    use std::io::Read;
    let in_place = || Utf8File {
        path: path.to_path_buf(),
        temporary: false,
    };
    let mut head = Vec::with_capacity(4);
    std::fs::File::open(path)
        .and_then(|f| f.take(4).read_to_end(&mut head))
        .map_err(|e| Error::io(path, e))?;
    let bom = Encoding::for_bom(&head).map(|(e, _)| e);
    let enc = match (bom, encoding) {
        // A byte-order mark is the file's own statement; it wins over a mapping's guess.
        (Some(b), _) => b,
        (None, Some(e)) => e,
        (None, None) => UTF_8,
    };
    if enc == UTF_8 {
        return Ok(in_place());
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (text, _, malformed) = enc.decode(&bytes);
    // Bytes the encoding cannot read would become U+FFFD and change ids and values silently.
    if malformed {
        return Err(super::data(
            path,
            None,
            None,
            format!(
                "the file holds bytes that are not {} text; set the mapping's `encoding` to the file's own (or save it again as UTF-8)",
                enc.name()
            ),
        ));
    }
    let tmp = std::env::temp_dir().join(format!(
        "leadpolicy-{}-{}.utf8.csv",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let out = Utf8File {
        path: tmp,
        temporary: true,
    };
    std::fs::write(&out.path, text.as_bytes()).map_err(|e| Error::write(&out.path, e))?;
    Ok(out)
}

static TEMP_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// An error about the decoded copy `from`, told about the file the person gave, `to`.
pub fn relocate(e: Error, from: &Path, to: &Path) -> Error {
    if from == to {
        return e;
    }
    match e {
        Error::Data(mut d) if d.file == from => {
            d.file = to.to_path_buf();
            Error::Data(d)
        }
        Error::Io {
            action,
            path,
            source,
        } if path == from => Error::Io {
            action,
            path: to.to_path_buf(),
            source,
        },
        other => other,
    }
}

/// Read a CSV, Parquet or workbook file, chosen by extension. A CSV file is decoded from its
/// encoding first (given, or UTF-16 by its byte-order mark) and split at `format.delimiter`
/// (`,` when none is given).
pub fn read_table(
    path: &Path,
    missing: &[String],
    format: Format<'_>,
    progress: super::read::Progress<'_>,
    keep_text: super::read::KeepText<'_>,
) -> Result<super::read::RawTable, Error> {
    match Kind::of(path) {
        Kind::Parquet => super::read::read_parquet(path, missing, keep_text),
        Kind::Workbook => super::workbook::read_workbook(path, format.sheet, missing, keep_text),
        Kind::Csv => {
            let utf8 = as_utf8(path, format.encoding)?;
            super::read::read_csv(
                &utf8.path,
                missing,
                format.delimiter.unwrap_or(b','),
                progress,
                keep_text,
            )
            .map_err(|e| relocate(e, &utf8.path, path))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{UTF_16BE, UTF_16LE};

    #[test]
    fn encodings_are_told_by_their_mark_or_their_bytes() {
        assert_eq!(sniff_encoding(b"\xef\xbb\xbfa,b"), UTF_8);
        assert_eq!(sniff_encoding(b"\xff\xfea\0,\0"), UTF_16LE);
        assert_eq!(sniff_encoding(b"\xfe\xff\0a"), UTF_16BE);
        assert_eq!(sniff_encoding("Zürich,5".as_bytes()), UTF_8);
        assert_eq!(sniff_encoding(b"Z\xfcrich,5"), WINDOWS_1252);
        // A sample cut inside a character is still UTF-8.
        assert_eq!(sniff_encoding(&"aé".as_bytes()[..2]), UTF_8);
    }

    #[test]
    fn delimiters_are_told_by_consistent_widths() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n4;5,5;6\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
        // A quoted comma inside a `;` file does not fool it.
        assert_eq!(
            sniff_delimiter("name;city\n\"Doe, J\";Oslo\n\"Roe, K\";Rome\n"),
            b';'
        );
        assert_eq!(sniff_delimiter("only\none\n"), b',');
    }
}
