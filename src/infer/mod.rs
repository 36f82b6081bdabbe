//! `leadpolicy data infer`: a dataset mapping read off an export, so that nobody writes TOML
//! between a CRM export and a replay. It reads the file as the loader will (encoding, delimiter
//! and sheet found from the bytes), finds the tokens that mean "not answered", the lead id, the
//! roles, the date formats, the outcomes file's join key, and the sensitive candidates, and says
//! how sure it is of each choice and what it could not decide. [`render`] writes the mapping;
//! [`starter`] writes a first policy for it.

pub mod dates;
pub mod render;
pub mod roles;
pub mod starter;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::read::{RawTable, parse_decimal};
use crate::dataset::source::read_table;
use crate::dataset::source::{self, Format, Kind};
use crate::error::Error;
use crate::policy::Role;

/// How sure the inference is of a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// The header says so exactly.
    Sure,
    /// The header suggests it, or the values do.
    Likely,
    /// A guess worth checking.
    Guess,
}

/// The role a column plays, with the value lists of flag and category roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RoleChoice {
    /// The mapping role (`source`, `converted`, `created_at` …).
    pub role: Role,
    /// `converted` / `enrichment_error`: the values that mean yes.
    #[serde(default)]
    pub truthy: Vec<String>,
    /// Date roles: the strftime format when the values are not ISO.
    #[serde(default)]
    pub format: Option<String>,
    pub certainty: Certainty,
    /// Why, in plain words.
    pub why: String,
}

/// One column of the export as the inference sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ColumnGuess {
    /// The header as written (trimmed).
    pub header: String,
    /// The field name rules use (snake_case).
    pub field: String,
    /// `number` or `text`, after the missing tokens.
    pub kind: String,
    /// Cells with a value (missing tokens and blanks left out).
    pub filled: u32,
    /// Distinct values.
    pub distinct: u32,
    /// Up to five of the most common values with their counts.
    pub samples: Vec<(String, u32)>,
    pub role: Option<RoleChoice>,
    /// Why it may be a protected attribute or a proxy for one; `None` when it is not.
    pub sensitive: Option<String>,
    /// Why it may be filled in after the decision (status, stage, tags …): replays that read
    /// it look better than a policy can be.
    pub recorded_later: Option<String>,
    /// Left out of the mapping (an empty column without a header).
    pub skipped: bool,
}

/// A token that stands for "not answered".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MissingToken {
    pub token: String,
    /// Cells holding it.
    pub cells: u32,
    /// Headers of the columns it appears in.
    pub columns: Vec<String>,
    /// Why it is taken as "missing".
    pub why: String,
}

/// The outcomes file and how it joins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OutcomesGuess {
    pub file: String,
    /// The header whose values are lead ids.
    pub key: Option<String>,
    /// Leads with at least one row there.
    pub matched_leads: u32,
    pub rows: u32,
    /// A won / close date column, for `converted_at`.
    pub converted_at: Option<String>,
    /// Its chrono format when the dates are not ISO.
    pub converted_at_format: Option<String>,
    pub sheet: Option<String>,
    /// When one key cell lists several leads: what separates them.
    pub separator: Option<String>,
}

/// Everything `data infer` found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Inference {
    /// A label for reports.
    pub name: String,
    /// The leads file as the mapping will name it (relative to the mapping, or absolute).
    pub leads: String,
    /// `csv`, `parquet` or `workbook`.
    pub file_kind: String,
    /// The CSV encoding when it is not plain UTF-8 (`windows-1252`, `utf-16le` …).
    pub encoding: Option<String>,
    /// The CSV delimiter when it is not `,`.
    pub delimiter: Option<String>,
    /// `","` when numbers are written with a decimal comma (`2,5`).
    pub decimal: Option<String>,
    /// The workbook sheet read.
    pub sheet: Option<String>,
    /// Every sheet of a workbook (to pick another).
    pub sheets: Vec<String>,
    pub rows: u32,
    /// The id column's header; `None` when no column is unique and filled on every row.
    pub id: Option<String>,
    pub id_why: String,
    pub missing: Vec<MissingToken>,
    pub columns: Vec<ColumnGuess>,
    pub outcomes: Option<OutcomesGuess>,
    /// What it could not decide, in plain words.
    pub undecided: Vec<String>,
}

/// Tokens that exports write for "not answered", taken as missing wherever they appear.
const KNOWN_MISSING: &[&str] = &[
    "Select", "N/A", "n/a", "NA", "null", "NULL", "None", "none", "-", "--", "(blank)", "#N/A",
    "unknown", "Unknown", "--None--", "nan", "NaN", "?",
];

/// The values of one column (blank cells left out), with counts, in first-seen order.
struct Counts {
    header: String,
    position: usize,
    counts: Vec<(String, u32)>,
}

impl Counts {
    fn of(table: &RawTable) -> Result<Vec<Counts>, Error> {
        let mut out = Vec::with_capacity(table.columns.len());
        for c in &table.columns {
            let mut index: HashMap<&str, usize> = HashMap::new();
            let mut counts: Vec<(String, u32)> = Vec::new();
            for v in c.text()?.iter().flatten() {
                match index.get(v) {
                    Some(&k) => counts[k].1 += 1,
                    None => {
                        index.insert(v, counts.len());
                        counts.push((v.to_string(), 1));
                    }
                }
            }
            out.push(Counts {
                header: c.header.clone(),
                position: c.position,
                counts,
            });
        }
        Ok(out)
    }

    fn filled_without(&self, missing: &HashSet<&str>) -> impl Iterator<Item = &(String, u32)> {
        self.counts
            .iter()
            .filter(move |(v, _)| !missing.contains(v.as_str()))
    }
}

/// Read a table with nothing but blanks as missing, every column's text kept.
fn read_all(
    path: &Path,
    format: Format<'_>,
    progress: crate::dataset::read::Progress<'_>,
) -> Result<RawTable, Error> {
    read_table(path, &[String::new()], format, progress, &|_| true)
}

/// How to read a file, as found from its bytes.
struct Sniffed {
    kind: Kind,
    encoding: Option<&'static encoding_rs::Encoding>,
    delimiter: Option<u8>,
    sheet: Option<String>,
    sheets: Vec<String>,
}

impl Sniffed {
    fn format(&self) -> Format<'_> {
        Format {
            encoding: self.encoding,
            delimiter: self.delimiter,
            sheet: self.sheet.as_deref(),
        }
    }
}

/// How to read `path`: for CSV the encoding and delimiter found from its bytes; for a workbook
/// the sheet (the first when none is named).
fn sniff(path: &Path, sheet: Option<&str>) -> Result<Sniffed, Error> {
    let kind = Kind::of(path);
    let mut out = Sniffed {
        kind,
        encoding: None,
        delimiter: None,
        sheet: None,
        sheets: Vec::new(),
    };
    match kind {
        Kind::Csv => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let enc = source::sniff_encoding(&bytes);
            let head = &bytes[..bytes.len().min(256 << 10)];
            let (text, _, _) = enc.decode(head);
            out.encoding = Some(enc);
            out.delimiter = Some(source::sniff_delimiter(&text));
        }
        Kind::Workbook => {
            out.sheets = crate::dataset::workbook::sheet_names(path)?;
            out.sheet = sheet
                .map(str::to_string)
                .or_else(|| out.sheets.first().cloned());
        }
        Kind::Parquet => {}
    }
    Ok(out)
}

/// The missing tokens of a table: the known ones it holds, and the form defaults found in the
/// data — a non-number text that is the most common answer of two or more columns that have
/// several answers (`Select` left as a drop-down's default).
fn missing_tokens(cols: &[Counts]) -> Vec<MissingToken> {
    let mut found: Vec<MissingToken> = Vec::new();
    let add = |token: &str, why: String, found: &mut Vec<MissingToken>| {
        let mut cells = 0;
        let mut columns = Vec::new();
        for c in cols {
            if let Some((_, n)) = c.counts.iter().find(|(v, _)| v == token) {
                cells += n;
                columns.push(c.header.clone());
            }
        }
        if cells > 0 && !found.iter().any(|t| t.token == token) {
            found.push(MissingToken {
                token: token.to_string(),
                cells,
                columns,
                why,
            });
        }
    };
    // A form default is a real mode: a unique most common value, on at least a tenth of the
    // column's cells (and more than one), that is not a number.
    let mut modes: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in cols.iter().filter(|c| c.counts.len() >= 3) {
        let filled: u32 = c.counts.iter().map(|(_, n)| n).sum();
        let mut by_count: Vec<&(String, u32)> = c.counts.iter().collect();
        by_count.sort_by_key(|x| std::cmp::Reverse(x.1));
        let (top, next) = (by_count[0], by_count.get(1).map_or(0, |x| x.1));
        if top.1 > 1 && top.1 > next && top.1 * 10 >= filled && parse_decimal(&top.0).is_none() {
            modes.entry(top.0.as_str()).or_default().push(&c.header);
        }
    }
    // Columns of one domain (Country and Billing Country) share their mode honestly: a form
    // default stands in columns whose other answers have little in common.
    let others = |header: &str, token: &str| -> HashSet<&str> {
        cols.iter()
            .find(|c| c.header == header)
            .map(|c| {
                c.counts
                    .iter()
                    .map(|(v, _)| v.as_str())
                    .filter(|v| *v != token)
                    .collect()
            })
            .unwrap_or_default()
    };
    let distinct_domains = |token: &str, columns: &[&str]| {
        columns.iter().enumerate().all(|(i, a)| {
            columns[i + 1..].iter().all(|b| {
                let (x, y) = (others(a, token), others(b, token));
                let shared = x.intersection(&y).count();
                shared * 2 <= x.len().min(y.len())
            })
        })
    };
    let mut defaults: Vec<(&str, Vec<&str>)> = modes
        .into_iter()
        .filter(|(token, cs)| cs.len() >= 2 && distinct_domains(token, cs))
        .collect();
    defaults.sort();
    for (token, columns) in defaults {
        add(
            token,
            format!(
                "the most common answer of {} columns ({}): a form's default left unchanged",
                columns.len(),
                columns.join(", ")
            ),
            &mut found,
        );
    }
    for token in KNOWN_MISSING {
        add(
            token,
            "exports write it for \"not answered\"".into(),
            &mut found,
        );
    }
    found
}

/// Names for the columns: snake_case of the headers, made unique.
fn field_names(headers: &[&str]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    headers
        .iter()
        .map(|h| {
            let base = roles::snake_case(h);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { base } else { format!("{base}_{n}") }
        })
        .collect()
}

/// Infer a mapping for `leads` (and `outcomes`). `sheet` picks a workbook's sheet; `relative_to`
/// is the folder the mapping will live in (file names are written relative to it when they can
/// be).
pub fn infer(
    leads: &Path,
    outcomes: Option<&Path>,
    sheet: Option<&str>,
    relative_to: &Path,
) -> Result<Inference, Error> {
    infer_with_progress(leads, outcomes, sheet, relative_to, &mut |_, _| true)
}

/// [`infer`], reporting (bytes read, size) of the leads file; `progress` returning `false`
/// cancels.
pub fn infer_with_progress(
    leads: &Path,
    outcomes: Option<&Path>,
    sheet: Option<&str>,
    relative_to: &Path,
    progress: crate::dataset::read::Progress<'_>,
) -> Result<Inference, Error> {
    if leads
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        return Err(Error::Usage(format!(
            "{} is a TOML file (a mapping or a policy), not a lead export: pass the CSV, Excel or Parquet file the CRM exported",
            leads.display()
        )));
    }
    let sniffed = sniff(leads, sheet)?;
    let format = sniffed.format();
    let table = read_all(leads, format, progress)?;
    let cols = Counts::of(&table)?;
    let rows = table.rows;
    let missing = missing_tokens(&cols);
    let tokens: HashSet<&str> = missing.iter().map(|t| t.token.as_str()).collect();
    let mut undecided = Vec::new();

    let headers: Vec<&str> = cols.iter().map(|c| c.header.as_str()).collect();
    let names = field_names(&headers);
    let mut columns: Vec<ColumnGuess> = Vec::with_capacity(cols.len());
    // A decimal comma (`2,5`): only in a file not split on commas, and only when some column
    // is all numbers once its comma is read as the decimal point, one of them with a comma.
    let comma_number = |v: &str| {
        v.matches(',').count() <= 1
            && !v.contains('.')
            && parse_decimal(&v.replace(',', ".")).is_some()
    };
    let decimal_comma = sniffed.delimiter.is_some_and(|d| d != b',')
        && cols.iter().any(|c| {
            let values: Vec<&(String, u32)> = c.filled_without(&tokens).collect();
            !values.is_empty()
                && values.iter().all(|(v, _)| comma_number(v))
                && values.iter().any(|(v, _)| v.contains(','))
        });
    for (c, field) in cols.iter().zip(names) {
        let values: Vec<&(String, u32)> = c.filled_without(&tokens).collect();
        let filled: u32 = values.iter().map(|(_, n)| n).sum();
        let numeric = filled > 0
            && values
                .iter()
                .all(|(v, _)| parse_decimal(v).is_some() || (decimal_comma && comma_number(v)));
        let mut top: Vec<(String, u32)> = values.iter().map(|(v, n)| (v.clone(), *n)).collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let distinct_values: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
        let sensitive = roles::sensitive_reason(&c.header, &distinct_values);
        let recorded_later = roles::may_be_recorded_later(&c.header).then(|| {
            format!(
                "`{}` may be recorded after the decision (its header says status, stage, quality, tags or outcome): a replay that reads it looks better than any policy can be",
                c.header
            )
        });
        top.truncate(5);
        columns.push(ColumnGuess {
            header: c.header.clone(),
            field,
            kind: if numeric { "number" } else { "text" }.into(),
            filled,
            distinct: u32::try_from(values.len()).unwrap_or(u32::MAX),
            samples: top,
            role: None,
            sensitive,
            recorded_later,
            skipped: c.header.is_empty() && filled == 0,
        });
        if c.header.is_empty() && filled > 0 {
            undecided.push(format!(
                "column {} has no header but holds {filled} values: name it in the export",
                c.position
            ));
        }
    }

    // The id: unique and filled on every row, id-like headers first.
    let rows32 = u32::try_from(rows).unwrap_or(u32::MAX);
    let unique: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].filled == rows32 && columns[i].distinct == rows32)
        .collect();
    let best = unique
        .iter()
        .copied()
        .max_by_key(|&i| (roles::id_score(&columns[i].header), usize::MAX - i));
    let (id, id_why) = match best {
        Some(i) if roles::id_score(&columns[i].header) > 0 => (
            Some(columns[i].header.clone()),
            format!(
                "`{}` is unique and filled on all {rows} rows, and its header names an id",
                columns[i].header
            ),
        ),
        Some(i) => {
            undecided.push(format!(
                "no header names the lead id; `{}` is the first column that is unique and filled on every row: check it",
                columns[i].header
            ));
            (
                Some(columns[i].header.clone()),
                format!(
                    "`{}` is the first column unique and filled on all {rows} rows (no header names an id)",
                    columns[i].header
                ),
            )
        }
        None => {
            undecided.push(
                "no column is unique and filled on every row, so there is no lead id: export the CRM's record id column too".into(),
            );
            (None, "no column is unique and filled on every row".into())
        }
    };

    assign_roles(&mut columns, &cols, &tokens, id.as_deref(), &mut undecided);

    let outcomes_guess = match outcomes {
        Some(o) => Some(infer_outcomes(
            o,
            (sniffed.kind == Kind::Csv && Kind::of(o) == Kind::Csv)
                .then_some((sniffed.encoding, sniffed.delimiter)),
            &cols,
            id.as_deref(),
            &tokens,
            relative_to,
            &mut undecided,
        )?),
        None => None,
    };
    if outcomes_guess.is_some()
        && let Some(c) = columns
            .iter_mut()
            .find(|c| c.role.as_ref().is_some_and(|r| r.role == Role::Converted))
    {
        undecided.push(format!(
            "`{}` looks like a converted flag, but the outcomes file defines who converted: it is left as a plain field",
            c.header
        ));
        c.role = None;
    }

    let encoding = format
        .encoding
        .filter(|e| *e != encoding_rs::UTF_8)
        .map(source::encoding_label);
    let delimiter = format
        .delimiter
        .filter(|d| *d != b',')
        .map(|d| char::from(d).to_string());
    let name = leads
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("leads")
        .replace(['_', '-'], " ");
    Ok(Inference {
        name,
        leads: relative(leads, relative_to),
        file_kind: match sniffed.kind {
            Kind::Csv => "csv",
            Kind::Parquet => "parquet",
            Kind::Workbook => "workbook",
        }
        .into(),
        encoding,
        delimiter,
        decimal: decimal_comma.then(|| ",".to_string()),
        sheet: sniffed.sheet.clone(),
        sheets: sniffed.sheets.clone(),
        rows: rows32,
        id,
        id_why,
        missing,
        columns,
        outcomes: outcomes_guess,
        undecided,
    })
}

/// `path` as the mapping in `dir` names it: relative when it is inside `dir`.
pub fn relative(path: &Path, dir: &Path) -> String {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, d) = (abs(path), abs(dir));
    match p.strip_prefix(&d) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => p.display().to_string(),
    }
}

/// Roles from headers (each role to its best column, each column at most one role), then the
/// value lists of flag roles and the formats of date roles.
fn assign_roles(
    columns: &mut [ColumnGuess],
    cols: &[Counts],
    tokens: &HashSet<&str>,
    id: Option<&str>,
    undecided: &mut Vec<String>,
) {
    let mut taken: HashSet<usize> = HashSet::new();
    if let Some(id) = id
        && let Some(i) = columns.iter().position(|c| c.header == id)
    {
        taken.insert(i);
    }
    let pick = |names: &[&str], taken: &mut HashSet<usize>| -> Option<(usize, Certainty)> {
        let best = columns
            .iter()
            .enumerate()
            .filter(|(i, c)| !taken.contains(i) && !c.skipped && c.filled > 0)
            .filter_map(|(i, c)| roles::header_match(&c.header, names).map(|m| (i, m)))
            .max_by_key(|(i, (level, rank))| (*level, usize::MAX - rank, usize::MAX - i))?;
        taken.insert(best.0);
        let certainty = if best.1.0 == 3 {
            Certainty::Sure
        } else {
            Certainty::Likely
        };
        Some((best.0, certainty))
    };
    let mut chosen: Vec<(usize, RoleChoice)> = Vec::new();
    for (role, names) in roles::ROLE_HEADERS {
        if let Some((i, certainty)) = pick(names, &mut taken) {
            chosen.push((
                i,
                RoleChoice {
                    role: *role,
                    truthy: Vec::new(),
                    format: None,
                    certainty,
                    why: format!("the header `{}` names it", columns[i].header),
                },
            ));
        }
    }
    for (role, names) in [
        (Role::Converted, roles::CONVERTED_HEADERS),
        (Role::EnrichmentError, roles::ENRICHMENT_ERROR_HEADERS),
    ] {
        if let Some((i, certainty)) = pick(names, &mut taken) {
            let values: Vec<&str> = cols[i]
                .filled_without(tokens)
                .map(|(v, _)| v.as_str())
                .collect();
            let truthy: Vec<String> = values
                .iter()
                .filter(|v| roles::TRUTHY.contains(v))
                .map(|v| (*v).to_string())
                .collect();
            if truthy.is_empty() || values.len() > 4 {
                undecided.push(format!(
                    "`{}` may be the {role} flag, but its values ({}) do not read as yes / no: set its `true` values by hand",
                    columns[i].header,
                    values.iter().take(6).copied().collect::<Vec<_>>().join(", ")
                ));
                taken.remove(&i);
                continue;
            }
            chosen.push((
                i,
                RoleChoice {
                    role,
                    why: format!(
                        "the header `{}` names it; {} mean{} yes (values seen: {})",
                        columns[i].header,
                        truthy.join(", "),
                        if truthy.len() == 1 { "s" } else { "" },
                        values.join(", ")
                    ),
                    truthy,
                    format: None,
                    certainty,
                },
            ));
        }
    }
    for (i, mut choice) in chosen {
        if matches!(choice.role, Role::CreatedAt | Role::ConvertedAt) {
            let values: Vec<&str> = cols[i]
                .filled_without(tokens)
                .map(|(v, _)| v.as_str())
                .collect();
            match dates::detect(&values) {
                Some(dates::DateFormat::Iso) => {}
                Some(dates::DateFormat::Format { format, ambiguous }) => {
                    if ambiguous {
                        undecided.push(format!(
                            "`{}`: every day is 12 or less, so `{format}` could be day-first too: check one date by hand",
                            columns[i].header
                        ));
                        choice.certainty = Certainty::Guess;
                    }
                    choice.why.push_str(&format!("; dates read as `{format}`"));
                    choice.format = Some(format);
                }
                None => {
                    undecided.push(format!(
                        "`{}` looks like the {} date by its header, but its values are not dates in a format I know: it is left as a plain field",
                        columns[i].header, choice.role
                    ));
                    continue;
                }
            }
        }
        columns[i].role = Some(choice);
    }
}

/// The outcomes file: its join key (the column whose values are lead ids) and a close date.
/// The encoding and delimiter of a CSV leads file.
type CsvFormat = (Option<&'static encoding_rs::Encoding>, Option<u8>);

fn infer_outcomes(
    path: &Path,
    leads_format: Option<CsvFormat>,
    leads: &[Counts],
    id: Option<&str>,
    tokens: &HashSet<&str>,
    relative_to: &Path,
    undecided: &mut Vec<String>,
) -> Result<OutcomesGuess, Error> {
    let sniffed = sniff(path, None)?;
    if let Some(leads_format) = leads_format
        && (sniffed.encoding != leads_format.0 || sniffed.delimiter != leads_format.1)
    {
        undecided.push(format!(
            "{} is written differently from the leads file (encoding or delimiter), and the mapping reads both alike: save it like the leads file",
            path.display()
        ));
    }
    let table = read_all(path, sniffed.format(), &mut |_, _| true)?;
    let cols = Counts::of(&table)?;
    let ids: HashSet<&str> = id
        .and_then(|id| leads.iter().find(|c| c.header == id))
        .map(|c| c.counts.iter().map(|(v, _)| v.as_str()).collect())
        .unwrap_or_default();
    // The column whose values (or, split on `;` or `,`, their parts) are the most lead ids.
    let mut best: Option<(usize, usize, Option<&str>)> = None;
    for (i, c) in cols.iter().enumerate() {
        for sep in [None, Some(";"), Some(",")] {
            let matched: HashSet<&str> = c
                .counts
                .iter()
                .flat_map(|(v, _)| match sep {
                    Some(sep) => v.split(sep).map(str::trim).collect::<Vec<_>>(),
                    None => vec![v.as_str()],
                })
                .filter(|id| ids.contains(id))
                .collect();
            let hits = matched.len();
            if hits > 0 && best.is_none_or(|(_, b, _)| hits > b) {
                best = Some((i, hits, sep));
            }
        }
    }
    let key = best.map(|(i, _, _)| cols[i].header.clone());
    let separator = best.and_then(|(_, _, sep)| sep).map(str::to_string);
    let matched = best.map_or(0, |(_, n, _)| n);
    if key.is_none() {
        undecided.push(format!(
            "no column of {} holds the leads' ids, so it cannot be joined: export the deals with the lead or contact id",
            path.display()
        ));
    }
    let close = cols
        .iter()
        .filter_map(|c| {
            roles::header_match(
                &c.header,
                &["close date", "won date", "closed date", "date won"],
            )
            .map(|m| (m, c))
        })
        .max_by_key(|(m, _)| (m.0, usize::MAX - m.1))
        .map(|(_, c)| c);
    // Only a column whose values are dates in a known format.
    let mut converted_at = None;
    let mut converted_at_format = None;
    if let Some(c) = close {
        // The missing tokens apply to the outcomes file too: a deal without a won date is blank.
        let values: Vec<&str> = c.filled_without(tokens).map(|(v, _)| v.as_str()).collect();
        match dates::detect(&values) {
            Some(dates::DateFormat::Iso) => converted_at = Some(c.header.clone()),
            Some(dates::DateFormat::Format { format, .. }) => {
                converted_at = Some(c.header.clone());
                converted_at_format = Some(format);
            }
            None => undecided.push(format!(
                "`{}` in the outcomes file looks like the won date, but its values are not dates in a format I know",
                c.header
            )),
        }
    }
    Ok(OutcomesGuess {
        file: relative(path, relative_to),
        key,
        matched_leads: u32::try_from(matched).unwrap_or(u32::MAX),
        rows: u32::try_from(table.rows).unwrap_or(u32::MAX),
        converted_at,
        converted_at_format,
        sheet: sniffed.sheet,
        separator,
    })
}

/// Where `data infer` writes the mapping when `--out` is not given: beside the leads file.
pub fn default_out(leads: &Path) -> PathBuf {
    let stem = leads
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("leads");
    leads.with_file_name(format!("{stem}.mapping.toml"))
}
