//! Writing decision tables as CSV (streamed from the decision codes), JSON or Parquet, chosen
//! by the file extension. Every file is written to a temporary sibling and renamed into place,
//! so a crash never leaves half a file.

use std::io::Write;
use std::path::Path;

use polars::prelude::*;

use crate::error::Error;

/// The output formats `decide` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Parquet,
}

impl Format {
    pub fn from_path(path: &Path) -> Result<Self, Error> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(Format::Csv),
            Some("json") => Ok(Format::Json),
            Some("parquet") => Ok(Format::Parquet),
            _ => Err(Error::Usage(format!(
                "cannot tell the output format of `{}`: use a .csv, .json or .parquet file name",
                path.display()
            ))),
        }
    }
}

/// Write every lead's decision to `path` (CSV, JSON or Parquet by extension). CSV is streamed
/// straight from the decision codes, without building the text table in memory first.
pub fn write_decisions(
    d: &crate::engine::Decisions,
    p: &crate::policy::Policy,
    ds: &crate::dataset::Dataset,
    path: &Path,
) -> Result<(), Error> {
    match Format::from_path(path)? {
        Format::Csv => write_atomic(path, |w| {
            let mut out = csv::Writer::from_writer(w);
            out.write_record(crate::engine::DECISION_COLUMNS)?;
            csv_rows(d, p, ds, &mut out)?;
            out.flush()
        }),
        Format::Json => {
            let df = d.to_frame(p, ds)?;
            write_atomic(path, |w| write_json(&df, w))
        }
        Format::Parquet => {
            let mut df = d.to_frame(p, ds)?;
            write_atomic(path, |w| {
                ParquetWriter::new(w)
                    .finish(&mut df)
                    .map(|_| ())
                    .map_err(|e| std::io::Error::other(e.to_string()))
            })
        }
    }
}

/// One CSV record per lead of `ds` (no header), in the columns of
/// [`DECISION_COLUMNS`](crate::engine::DECISION_COLUMNS).
pub fn csv_rows<W: Write>(
    d: &crate::engine::Decisions,
    p: &crate::policy::Policy,
    ds: &crate::dataset::Dataset,
    out: &mut csv::Writer<W>,
) -> std::io::Result<()> {
    let ids = ds
        .frame
        .column(&ds.id)
        .and_then(|c| c.str())
        .map_err(std::io::Error::other)?;
    let mut texts = crate::engine::ReasonTexts::default();
    let mut record = csv::ByteRecord::new();
    for (i, id) in ids.iter().enumerate() {
        record.clear();
        record.push_field(id.unwrap_or("").as_bytes());
        record.push_field(d.decision(i).as_str().as_bytes());
        let rule = d.rule(p, i);
        record.push_field(rule.map_or("", |r| r.id.as_str()).as_bytes());
        let (reason, route) = match rule.map(|r| &r.action) {
            Some(crate::policy::Action::Disqualify(c)) => (c.as_str(), None),
            Some(crate::policy::Action::Route(n)) => ("", p.route(n)),
            None => ("", None),
        };
        record.push_field(reason.as_bytes());
        record.push_field(d.unresolved_text(p, i, &mut texts).unwrap_or("").as_bytes());
        record.push_field(route.map_or("", |r| r.name.as_str()).as_bytes());
        record.push_field(d.owner.get(i).unwrap_or("").as_bytes());
        let sla = route.and_then(|r| r.sla_minutes).map(crate::format_number);
        record.push_field(sla.as_deref().unwrap_or("").as_bytes());
        out.write_byte_record(&record)?;
    }
    Ok(())
}

/// Remove temporary files that an earlier, interrupted [`write_atomic`] of `path` left behind
/// (a process killed between creating and renaming its temporary file).
pub fn remove_stale_temps(path: &Path) -> Result<usize, Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(0);
    };
    let prefix = format!(".{name}.tmp-");
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            std::fs::remove_file(entry.path()).map_err(|e| Error::write(&entry.path(), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Write through a temporary file in the same directory, then rename over `path`.
pub fn write_atomic(
    path: &Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        f(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::write(path, e));
    }
    Ok(())
}

fn json_value(v: &AnyValue<'_>) -> serde_json::Value {
    match v {
        AnyValue::Null => serde_json::Value::Null,
        AnyValue::String(s) => serde_json::Value::String((*s).to_string()),
        AnyValue::StringOwned(s) => serde_json::Value::String(s.to_string()),
        AnyValue::Boolean(b) => serde_json::Value::Bool(*b),
        AnyValue::Float64(x) => number_json(*x),
        other => serde_json::Value::String(other.to_string()),
    }
}

/// A number for JSON: whole numbers as integers (`15`, not `15.0`).
pub fn number_json(x: f64) -> serde_json::Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        serde_json::Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

fn write_json(df: &DataFrame, w: &mut impl Write) -> std::io::Result<()> {
    let cols: Vec<&Column> = df.columns().iter().collect();
    w.write_all(b"[\n")?;
    for row in 0..df.height() {
        let mut obj = serde_json::Map::new();
        for c in &cols {
            let v = c.get(row).map(|v| json_value(&v)).unwrap_or_default();
            obj.insert(c.name().to_string(), v);
        }
        if row > 0 {
            w.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *w, &serde_json::Value::Object(obj))?;
    }
    w.write_all(b"\n]\n")
}
