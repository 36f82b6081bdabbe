//! Datasets: historical leads (CSV or Parquet) loaded as the mapping says — renames, forced and
//! inferred types, roles, and an optional outcomes file semi-joined on the lead id.
//!
//! A [`Dataset`] is loaded once and decided many times. Role value lists (converted, seller
//! outcome, meeting, historical decision, enrichment error) and `[scope]` lists match the trimmed
//! cell *text*, so they are resolved here into hidden columns while the text is at hand. This
//! module knows nothing of policies.

pub mod cohort;
pub mod dates;
pub mod mapping;
pub mod outcomes;
pub mod read;
pub mod source;
pub mod stream;
pub mod workbook;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use crate::diag::{Diagnostics, closest, list_names};
use crate::error::{DataError, Error};
use leadpolicy_policy::Role;
pub use mapping::{ForcedType, Mapping};
use outcomes::Outcomes;
use read::{RawColumn, RawTable};
use source::read_table;

/// Hidden columns derived from roles; they never clash with a field (fields cannot start
/// with `__lp_` in practice, and the loader refuses one that does).
pub mod hidden {
    pub const CONVERTED: &str = "__lp_converted";
    pub const SELLER_OUTCOME: &str = "__lp_seller_outcome";
    pub const MEETING: &str = "__lp_meeting";
    pub const HISTORICAL: &str = "__lp_historical_decision";
    pub const ENRICHMENT_ERROR: &str = "__lp_enrichment_error";
    pub const SCOPE_SOURCE: &str = "__lp_scope_source";
    pub const SCOPE_CAMPAIGN: &str = "__lp_scope_campaign";
    pub const SCOPE_FORM: &str = "__lp_scope_form";
    pub const PREFIX: &str = "__lp_";
    /// The cell text of a numeric `account_owner` column (owners are names, even when they
    /// look like numbers: `00512` stays `00512`).
    pub const OWNER_TEXT: &str = "__lp_owner_text";
    /// The `created_at` and `converted_at` roles as dates.
    pub const CREATED_AT: &str = "__lp_created_at";
    pub const CONVERTED_AT: &str = "__lp_converted_at";
    /// Leads too recent for a conversion window to judge (see `cohort::ConversionWindow`).
    pub const IMMATURE: &str = "__lp_immature";
}

pub use leadpolicy_policy::FieldType;

#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldInfo {
    /// The name rules use (after renames).
    pub name: String,
    /// The header in the file.
    pub header: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Non-missing values.
    pub filled: usize,
    /// What the mapping says: `Some(true)` a protected attribute or a proxy for one,
    /// `Some(false)` checked and not, `None` not said.
    pub sensitive: Option<bool>,
}

/// A value that made a column of numbers text (see [`Dataset::stray_text`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StrayText {
    pub value: String,
    /// Its line in the leads file (its row in a sheet); `None` for Parquet.
    pub line: Option<usize>,
    /// How many values of the column are not numbers.
    pub count: usize,
}

/// A loaded dataset, ready to be decided any number of times.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub mapping_path: PathBuf,
    pub leads_path: PathBuf,
    pub outcomes_path: Option<PathBuf>,
    /// The id column (text), every field under its final name, and the hidden role columns.
    pub frame: DataFrame,
    /// Final name of the id column.
    pub id: String,
    /// Every field in file order (the id column included).
    pub fields: Vec<FieldInfo>,
    /// Role name → final column name.
    pub roles: BTreeMap<Role, String>,
    /// Whether `converted` is known (a role or an outcomes file).
    pub has_converted: bool,
    /// Line of each lead in the leads file (CSV only).
    pub lines: Vec<u32>,
    /// Dictionary encodings of text fields, built on first use and shared by every replay.
    dictionaries: Arc<Mutex<HashMap<String, Arc<Dictionary>>>>,
}

/// A text field as distinct values and one code per lead, so that costly text tests
/// (`contains`, `matches`) run once per distinct value instead of once per lead.
#[derive(Debug)]
pub struct Dictionary {
    pub values: Vec<String>,
    /// Index into `values`; [`Dictionary::MISSING`] for a missing cell.
    pub codes: Vec<u32>,
}

impl Dictionary {
    pub const MISSING: u32 = u32::MAX;

    fn build(text: &StringChunked) -> Self {
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut values = Vec::new();
        let codes = text
            .iter()
            .map(|v| match v {
                None => Self::MISSING,
                Some(v) => *index.entry(v).or_insert_with(|| {
                    values.push(v.to_string());
                    (values.len() - 1) as u32
                }),
            })
            .collect();
        Self { values, codes }
    }

    /// A boolean column: `test` of each lead's value, null where the value is missing.
    pub fn mask(&self, name: &str, test: impl Fn(&str) -> bool) -> BooleanChunked {
        let hits: Vec<bool> = self.values.iter().map(|v| test(v)).collect();
        let ca: BooleanChunked = self
            .codes
            .iter()
            .map(|&c| hits.get(c as usize).copied())
            .collect();
        ca.with_name(name.into())
    }
}

impl Dataset {
    /// Load the dataset a mapping file describes.
    pub fn load(mapping_path: &Path) -> Result<Self, Error> {
        let mapping = Mapping::load(mapping_path)?;
        Self::from_mapping(&mapping)
    }

    pub fn len(&self) -> usize {
        self.frame.height()
    }

    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }

    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The dictionary encoding of a text field (built once, then cached).
    pub fn dictionary(&self, field: &str) -> Result<Arc<Dictionary>, Error> {
        let poisoned = || Error::Usage("the dictionary cache was poisoned by a crash".into());
        if let Some(d) = self.dictionaries.lock().map_err(|_| poisoned())?.get(field) {
            return Ok(Arc::clone(d));
        }
        let dict = Arc::new(Dictionary::build(self.frame.column(field)?.str()?));
        self.dictionaries
            .lock()
            .map_err(|_| poisoned())?
            .insert(field.to_string(), Arc::clone(&dict));
        Ok(dict)
    }

    /// A field as text, the way an owner is shown: text fields as they are; the `account_owner`
    /// column by its cell text; other numbers as people write them (`12`, not `12.0`).
    pub fn text_column(&self, field: &str) -> Result<StringChunked, Error> {
        let c = self.frame.column(field)?;
        if c.dtype() == &DataType::String {
            return Ok(c.str()?.rechunk().into_owned());
        }
        if self.role(Role::AccountOwner) == Some(field)
            && let Ok(t) = self.frame.column(hidden::OWNER_TEXT)
        {
            return Ok(t.str()?.rechunk().into_owned());
        }
        Ok(c.f64()?
            .iter()
            .map(|v| v.map(crate::format_number))
            .collect::<StringChunked>()
            .with_name(field.into()))
    }

    /// One cell of [`Dataset::text_column`], without building the column.
    pub fn text_at(&self, field: &str, row: usize) -> Result<Option<String>, Error> {
        let c = self.frame.column(field)?;
        if c.dtype() == &DataType::String {
            return Ok(c.str()?.get(row).map(str::to_string));
        }
        if self.role(Role::AccountOwner) == Some(field)
            && let Ok(t) = self.frame.column(hidden::OWNER_TEXT)
        {
            return Ok(t.str()?.get(row).map(str::to_string));
        }
        Ok(c.f64()?.get(row).map(crate::format_number))
    }

    pub fn role(&self, role: Role) -> Option<&str> {
        self.roles.get(&role).map(String::as_str)
    }

    /// The column of the `first_touch_minutes` role when it is numeric: minutes to the first
    /// touch count only as numbers (a text column of them is not read as times).
    pub fn first_touch(&self) -> Option<&str> {
        self.role(Role::FirstTouchMinutes)
            .filter(|c| self.field(c).is_some_and(|f| f.ty == FieldType::Number))
    }

    /// The smallest and largest value of a number field (`None` when every value is missing).
    pub fn number_range(&self, field: &str) -> Result<(Option<f64>, Option<f64>), Error> {
        let c = self.frame.column(field)?.f64()?;
        Ok((c.min(), c.max()))
    }

    /// A boolean column as one flag per lead (missing = false); `None` when there is no such
    /// column (its role is not mapped).
    pub fn flags(&self, column: &str) -> Result<Option<Vec<bool>>, Error> {
        match self.frame.column(column) {
            Ok(c) => Ok(Some(c.bool()?.iter().map(|v| v == Some(true)).collect())),
            Err(_) => Ok(None),
        }
    }

    /// Whether each lead converted, when outcomes are known.
    pub fn converted(&self) -> Result<Option<Vec<bool>>, Error> {
        if self.has_converted {
            self.flags(hidden::CONVERTED)
        } else {
            Ok(None)
        }
    }

    /// A date role (`created_at`, `converted_at`) as days since 1970-01-01, one per lead
    /// (`None` for a missing date); `None` when the dataset has no such role.
    pub fn dates(&self, role: &str) -> Result<Option<Vec<Option<i32>>>, Error> {
        let name = match role {
            "created_at" => hidden::CREATED_AT,
            "converted_at" => hidden::CONVERTED_AT,
            _ => return Ok(None),
        };
        match self.frame.column(name) {
            Ok(c) => Ok(Some(c.date()?.physical().iter().collect())),
            Err(_) => Ok(None),
        }
    }

    /// Row index of a lead id (trimmed).
    pub fn row_of(&self, lead: &str) -> Result<usize, Error> {
        let ids = self.frame.column(&self.id)?.str()?.clone();
        let lead = read::trim_cell(lead);
        ids.iter()
            .position(|v| v == Some(lead))
            .ok_or_else(|| Error::UnknownLead(lead.to_string()))
    }

    /// Lead ids that start with `text` (case aside), then those that contain it, up to `limit`,
    /// in file order: what a person typing part of an id is looking for.
    pub fn search_ids(&self, text: &str, limit: usize) -> Result<Vec<String>, Error> {
        let needle = text.trim().to_lowercase();
        let ids = self.text_column(&self.id)?;
        let mut starts = Vec::new();
        let mut contains = Vec::new();
        for id in ids.iter().flatten() {
            let low = id.to_lowercase();
            if low.starts_with(&needle) {
                starts.push(id.to_string());
            } else if low.contains(&needle) && contains.len() < limit {
                contains.push(id.to_string());
            }
            if starts.len() >= limit {
                break;
            }
        }
        starts.extend(contains);
        starts.truncate(limit);
        Ok(starts)
    }

    /// When a text field is text only because of a few stray values among numbers (`1,200` in
    /// a column of employee counts): the first such value with its line (CSV) or sheet row,
    /// and how many values are not numbers. `None` for a number field, or a field whose values
    /// are mostly text.
    pub fn stray_text(&self, field: &str) -> Result<Option<StrayText>, Error> {
        if self.field(field).is_none_or(|f| f.ty != FieldType::Text) {
            return Ok(None);
        }
        let (mut numbers, mut others, mut first) = (0usize, 0usize, None);
        for (row, v) in self.text_column(field)?.iter().enumerate() {
            let Some(v) = v else { continue };
            if read::parse_decimal(v).is_some() {
                numbers += 1;
            } else {
                others += 1;
                if first.is_none() {
                    first = Some((v.to_string(), self.lines.get(row).map(|l| *l as usize)));
                }
            }
        }
        let few = others <= 3 || others * 20 <= numbers;
        Ok(match first {
            Some((value, line)) if numbers > 0 && few => Some(StrayText {
                value,
                line,
                count: others,
            }),
            _ => None,
        })
    }

    /// Row index of the lead whose `field` holds `value` (trimmed, as text): another unique
    /// column than the id, such as a CRM's "Lead Number". An error when no lead or several
    /// leads hold it, or when the field does not exist.
    pub fn row_by(&self, field: &str, value: &str) -> Result<usize, Error> {
        // A header as the export writes it (`Lead Number`) names its field too.
        let field = match self.fields.iter().find(|f| f.header == field.trim()) {
            Some(f) if self.field(field).is_none() => f.name.as_str(),
            _ => field,
        };
        if self.field(field).is_none() {
            let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
            let hint = match closest(field, names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("the fields are {}", list_names(&names)),
            };
            return Err(Error::Usage(format!(
                "the dataset has no field `{field}`: {hint}"
            )));
        }
        let value = read::trim_cell(value);
        let column = self.text_column(field)?;
        let mut rows = column
            .iter()
            .enumerate()
            .filter(|(_, v)| *v == Some(value))
            .map(|(i, _)| i);
        match (rows.next(), rows.next()) {
            (Some(i), None) => Ok(i),
            (None, _) => Err(Error::Usage(format!("no lead has `{value}` in `{field}`"))),
            (Some(_), Some(_)) => Err(Error::Usage(format!(
                "several leads have `{value}` in `{field}`, so it does not name one lead: use a column whose values are unique, or the lead id"
            ))),
        }
    }

    /// Load with a progress callback (bytes of the leads file read, its size).
    pub fn load_with_progress(
        mapping_path: &Path,
        progress: read::Progress<'_>,
    ) -> Result<Self, Error> {
        let mapping = Mapping::load(mapping_path)?;
        Self::from_mapping_with_progress(&mapping, progress)
    }

    pub fn from_mapping(mapping: &Mapping) -> Result<Self, Error> {
        Self::from_mapping_with_progress(mapping, &mut |_, _| true)
    }

    pub fn from_mapping_with_progress(
        mapping: &Mapping,
        progress: read::Progress<'_>,
    ) -> Result<Self, Error> {
        let missing = mapping.missing_tokens();
        let ds = &mapping.file.dataset;
        let leads_path = mapping.resolve(ds.leads.get_ref());
        // Numeric columns keep their text only where it is read as text: forced-text columns,
        // the id, and role columns (scope and outcome lists match the cell text).
        let mut text_names: HashSet<String> = mapping
            .file
            .roles
            .columns()
            .into_iter()
            .map(|(_, c)| c.name.trim().to_string())
            .collect();
        text_names.insert(ds.id.get_ref().trim().to_string());
        let keep_text = |header: &str| {
            let spec = mapping.file.columns.get(header);
            let renamed = spec.and_then(|s| s.name.as_deref()).map(str::trim);
            spec.and_then(|s| s.ty) == Some(ForcedType::Text)
                || text_names.contains(header)
                || renamed.is_some_and(|n| text_names.contains(n))
        };
        let raw = read_table(
            &leads_path,
            &missing,
            mapping.leads_format(),
            progress,
            &keep_text,
        )?;
        let mut raw = raw;
        if mapping.decimal_comma() {
            for c in &mut raw.columns {
                read::with_decimal_comma(c)?;
            }
        }
        Self::from_raw(mapping, leads_path, raw, None)
    }

    /// The dataset from the leads as read: header checks, final names and types, roles, the
    /// hidden role columns and the outcomes (read here unless `outcomes` already holds them).
    pub(crate) fn from_raw(
        mapping: &Mapping,
        leads_path: PathBuf,
        raw: RawTable,
        outcomes: Option<&Outcomes>,
    ) -> Result<Self, Error> {
        let ds = &mapping.file.dataset;
        let RawTable {
            columns,
            rows,
            lines,
        } = raw;
        let line_of = |row: usize| lines.get(row).map(|l| *l as usize);

        // Headers: drop empty unnamed columns, refuse unnamed columns with values and duplicates.
        let mut kept: Vec<RawColumn> = Vec::with_capacity(columns.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for c in columns {
            if c.header.is_empty() {
                if c.filled == 0 {
                    continue;
                }
                return Err(data(
                    &leads_path,
                    None,
                    Some(format!("#{}", c.position)),
                    format!(
                        "column {} has no header but holds {} values; name it in the header row",
                        c.position, c.filled
                    ),
                ));
            }
            if let Some(first) = seen.insert(c.header.clone(), c.position) {
                return Err(data(
                    &leads_path,
                    Some(1),
                    Some(c.header.clone()),
                    format!(
                        "columns {first} and {} have the same header `{}`; rename one",
                        c.position, c.header
                    ),
                ));
            }
            kept.push(c);
        }

        let mut diags = Diagnostics::default();
        let headers: Vec<&str> = kept.iter().map(|c| c.header.as_str()).collect();
        for key in mapping.file.columns.keys() {
            if !headers.contains(&key.as_str()) {
                let hint = match closest(key, headers.iter().copied()) {
                    Some(c) => {
                        format!("did you mean `{c}`? headers are matched exactly after trimming")
                    }
                    None => format!("the file's headers are {}", list_names(&headers)),
                };
                diags.push(
                    mapping
                        .diag(
                            key_span(&mapping.source.text, key),
                            format!(
                                "[columns] names `{key}`, which is not a header of `{}`",
                                leads_path.display()
                            ),
                        )
                        .with_hint(hint),
                );
            }
        }

        // Final names and types.
        let mut fields = Vec::with_capacity(kept.len());
        let mut final_of_header: HashMap<String, String> = HashMap::new();
        let mut by_final: HashMap<String, usize> = HashMap::new();
        for (i, c) in kept.iter().enumerate() {
            let spec = mapping.file.columns.get(&c.header);
            let name = spec
                .and_then(|s| s.name.clone())
                .map_or_else(|| c.header.clone(), |n| n.trim().to_string());
            if name.starts_with(hidden::PREFIX) {
                return Err(data(
                    &leads_path,
                    Some(1),
                    Some(name.clone()),
                    format!(
                        "column names starting with `{}` are reserved",
                        hidden::PREFIX
                    ),
                ));
            }
            if let Some(prev) = by_final.insert(name.clone(), i) {
                return Err(data(
                    &leads_path,
                    Some(1),
                    Some(name.clone()),
                    format!(
                        "columns `{}` and `{}` would both be called `{name}` after renaming",
                        kept[prev].header, c.header
                    ),
                ));
            }
            final_of_header.insert(c.header.clone(), name.clone());
            let forced = spec.and_then(|s| s.ty);
            let ty = match forced {
                Some(ForcedType::Text) => FieldType::Text,
                Some(ForcedType::Number) => {
                    if c.numbers.is_none()
                        && let Some((value, line)) = &c.first_non_number
                    {
                        let line = if lines.is_empty() { None } else { Some(*line) };
                        return Err(data(
                            &leads_path,
                            line,
                            Some(c.header.clone()),
                            format!(
                                "`{value}` is not a number, but the mapping forces `{name}` to be a number"
                            ),
                        ));
                    }
                    FieldType::Number
                }
                None if c.numbers.is_some() => FieldType::Number,
                None => FieldType::Text,
            };
            fields.push(FieldInfo {
                name,
                header: c.header.clone(),
                ty,
                filled: c.filled,
                sensitive: mapping
                    .file
                    .columns
                    .get(&c.header)
                    .and_then(|s| s.sensitive),
            });
        }

        let resolve = |col: &mapping::NamedColumn, what: &str, diags: &mut Diagnostics| {
            let wanted = col.name.trim();
            if by_final.contains_key(wanted) {
                return Some(wanted.to_string());
            }
            if let Some(f) = final_of_header.get(wanted) {
                return Some(f.clone());
            }
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            let hint = match closest(wanted, names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("columns are {}", list_names(&names)),
            };
            diags.push(
                mapping
                    .diag(
                        col.span.clone(),
                        format!(
                            "{what} `{wanted}` is not a column of `{}`",
                            leads_path.display()
                        ),
                    )
                    .with_hint(hint),
            );
            None
        };
        let id_name = resolve(&(&ds.id).into(), "the id column", &mut diags);
        let mut roles: BTreeMap<Role, String> = BTreeMap::new();
        for (role, col) in mapping.file.roles.columns() {
            if let Some(name) = resolve(&col, &format!("the `{role}` role's column"), &mut diags) {
                roles.insert(role, name);
            }
        }
        // A confidence column with no values at all is allowed: every lead then lacks it.
        if let Some(c) = roles.get(&Role::EnrichmentConfidence)
            && let Some(f) = fields.iter().find(|f| &f.name == c)
            && f.ty != FieldType::Number
            && f.filled > 0
            && let Some(rc) = &mapping.file.roles.enrichment_confidence
        {
            diags.push(
                mapping
                    .diag(
                        rc.span(),
                        format!("the enrichment confidence column `{c}` is not numeric"),
                    )
                    .with_hint("confidence must be a number between 0 and 1 in every filled cell"),
            );
        }
        if !diags.is_empty() {
            return Err(Error::Invalid(diags));
        }
        let Some(id_name) = id_name else {
            return Err(Error::Invalid(Diagnostics::default()));
        };

        let index_of = |name: &str| by_final.get(name).copied().unwrap_or(0);
        let id_idx = index_of(&id_name);
        // The id column is text.
        if let Some(f) = fields.get_mut(id_idx) {
            f.ty = FieldType::Text;
        }
        let ids = kept[id_idx].text()?.clone();
        check_ids(&ids, &leads_path, &id_name, &line_of)?;

        // Hidden role columns from the trimmed text.
        let mut hidden_cols: Vec<Column> = Vec::new();
        let text_of = |role: Role| {
            roles
                .get(&role)
                .and_then(|n| kept[index_of(n)].text.as_ref())
        };
        let r = &mapping.file.roles;
        let mut has_converted = false;
        if let (Some(role), Some(text)) = (&r.converted, text_of(Role::Converted)) {
            hidden_cols.push(flag(text, &role.truthy, hidden::CONVERTED));
            has_converted = true;
        }
        if let (Some(role), Some(text)) = (&r.enrichment_error, text_of(Role::EnrichmentError)) {
            hidden_cols.push(flag(text, &role.truthy, hidden::ENRICHMENT_ERROR));
        }
        if let (Some(role), Some(text)) = (&r.seller_outcome, text_of(Role::SellerOutcome)) {
            hidden_cols.push(category(
                text,
                &[("accepted", &role.accepted), ("sent_back", &role.sent_back)],
                hidden::SELLER_OUTCOME,
            ));
        }
        if let (Some(role), Some(text)) = (&r.meeting, text_of(Role::Meeting)) {
            hidden_cols.push(category(
                text,
                &[("held", &role.held), ("no_show", &role.no_show)],
                hidden::MEETING,
            ));
        }
        if let (Some(role), Some(text)) =
            (&r.historical_decision, text_of(Role::HistoricalDecision))
        {
            hidden_cols.push(category(
                text,
                &[
                    ("accepted", &role.accepted),
                    ("rejected", &role.rejected),
                    ("nurture", &role.nurture),
                    ("unresolved", &role.unresolved),
                ],
                hidden::HISTORICAL,
            ));
        }
        // Date roles: read as docs/semantics.md says; a filled cell that is not a date stops the load
        // with its place, its value and the expected form.
        for (role, hidden_name, spec) in [
            (Role::CreatedAt, hidden::CREATED_AT, &r.created_at),
            (Role::ConvertedAt, hidden::CONVERTED_AT, &r.converted_at),
        ] {
            if let (Some(spec), Some(text)) = (spec, text_of(role)) {
                let format = spec.get_ref().format();
                let header = roles
                    .get(&role)
                    .map(|n| kept[index_of(n)].header.clone())
                    .unwrap_or_default();
                let days = parse_dates(text.iter(), format, |row, value| {
                    data(
                        &leads_path,
                        line_of(row),
                        Some(header.clone()),
                        format!(
                            "`{value}` in `{header}` ({role}) is not a date: expected {}",
                            dates::expected(format)
                        ),
                    )
                })?;
                hidden_cols.push(date_column(days, hidden_name));
            }
        }
        if let Some(owner) = roles.get(&Role::AccountOwner)
            && fields[index_of(owner)].ty == FieldType::Number
            && let Some(text) = text_of(Role::AccountOwner)
        {
            hidden_cols.push(
                text.clone()
                    .with_name(hidden::OWNER_TEXT.into())
                    .into_column(),
            );
        }
        for (role, name) in [
            (Role::Source, hidden::SCOPE_SOURCE),
            (Role::Campaign, hidden::SCOPE_CAMPAIGN),
            (Role::Form, hidden::SCOPE_FORM),
        ] {
            if let Some(text) = text_of(role) {
                hidden_cols.push(text.clone().with_name(name.into()).into_column());
            }
        }

        let mut outcomes_path = None;
        if let Some(o) = &ds.outcomes {
            let read;
            let outcomes = match outcomes {
                Some(known) => known,
                None => {
                    read = Outcomes::read(mapping, o)?;
                    &read
                }
            };
            hidden_cols.extend(outcomes.columns(&ids));
            has_converted = true;
            outcomes_path = Some(outcomes.path.clone());
        }

        let mut cols: Vec<Column> = Vec::with_capacity(kept.len() + hidden_cols.len());
        for (c, f) in kept.into_iter().zip(&fields) {
            let col = match f.ty {
                FieldType::Number => match c.numbers {
                    Some(n) => n.with_name(f.name.as_str().into()).into_column(),
                    None => Float64Chunked::full_null(f.name.as_str().into(), rows).into_column(),
                },
                FieldType::Text => c
                    .text()?
                    .clone()
                    .with_name(f.name.as_str().into())
                    .into_column(),
            };
            cols.push(col);
        }
        cols.extend(hidden_cols);
        let frame = DataFrame::new(rows, cols)?;
        Ok(Dataset {
            name: ds
                .name
                .clone()
                .unwrap_or_else(|| leads_path.display().to_string()),
            mapping_path: mapping.source.path.clone(),
            leads_path,
            outcomes_path,
            frame,
            id: id_name,
            fields,
            roles,
            has_converted,
            lines,
            dictionaries: Arc::default(),
        })
    }
}

/// Parse date cells (missing stays missing); the first filled cell that is not a date is an
/// error made by `bad(row, value)`.
fn parse_dates<'a>(
    cells: impl Iterator<Item = Option<&'a str>>,
    format: Option<&str>,
    bad: impl Fn(usize, &str) -> Error,
) -> Result<Vec<Option<i32>>, Error> {
    cells
        .enumerate()
        .map(|(row, v)| match v {
            None => Ok(None),
            Some(v) => dates::parse(v, format)
                .map(|d| Some(dates::days(d)))
                .ok_or_else(|| bad(row, v)),
        })
        .collect()
}

/// A hidden `Date` column from days since 1970-01-01.
fn date_column(days: Vec<Option<i32>>, name: &str) -> Column {
    Int32Chunked::from_iter_options(name.into(), days.into_iter())
        .into_date()
        .into_column()
}

fn data(file: &Path, line: Option<usize>, column: Option<String>, message: String) -> Error {
    Error::Data(DataError {
        file: file.to_path_buf(),
        line,
        column,
        lead: None,
        message,
    })
}

fn check_ids(
    ids: &StringChunked,
    path: &Path,
    id_name: &str,
    line_of: &dyn Fn(usize) -> Option<usize>,
) -> Result<(), Error> {
    let mut seen: HashMap<&str, usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(ids.len(), foldhash::fast::RandomState::default());
    let mut dups: Vec<String> = Vec::new();
    let mut dup_count = 0usize;
    let mut first_dup_row = None;
    for (row, id) in ids.iter().enumerate() {
        let Some(id) = id else {
            return Err(data(
                path,
                line_of(row),
                Some(id_name.to_string()),
                format!("lead number {} has no id; every lead needs one", row + 1),
            ));
        };
        if let Some(prev) = seen.insert(id, row) {
            dup_count += 1;
            first_dup_row.get_or_insert(row);
            if dups.len() < 5 {
                let where_ = match (line_of(prev), line_of(row)) {
                    (Some(a), Some(b)) => format!(" (lines {a} and {b})"),
                    _ => format!(" (rows {} and {})", prev + 1, row + 1),
                };
                dups.push(format!("`{id}`{where_}"));
            }
        }
    }
    if dup_count > 0 {
        let more = if dup_count > dups.len() {
            format!(" and {} more", dup_count - dups.len())
        } else {
            String::new()
        };
        return Err(Error::Data(DataError {
            file: path.to_path_buf(),
            line: first_dup_row.and_then(line_of),
            column: Some(id_name.to_string()),
            lead: None,
            message: format!(
                "duplicate lead ids: {}{more}; each lead must appear once",
                dups.join(", ")
            ),
        }));
    }
    Ok(())
}

/// True where the text is in `truthy`, false otherwise (missing included).
fn flag(text: &StringChunked, truthy: &[String], name: &str) -> Column {
    let ca: BooleanChunked = text
        .iter()
        .map(|v| Some(v.is_some_and(|v| truthy.iter().any(|t| t == v))))
        .collect();
    ca.with_name(name.into()).into_column()
}

/// The label of the first list that contains the text; null for values in no list.
fn category(text: &StringChunked, lists: &[(&str, &Vec<String>)], name: &str) -> Column {
    let ca: StringChunked = text
        .iter()
        .map(|v| {
            v.and_then(|v| {
                lists
                    .iter()
                    .find(|(_, l)| l.iter().any(|t| t == v))
                    .map(|(label, _)| *label)
            })
        })
        .collect();
    ca.with_name(name.into()).into_column()
}

/// Best-effort span of a quoted key in a TOML source.
fn key_span(text: &str, key: &str) -> std::ops::Range<usize> {
    for q in [format!("\"{key}\""), format!("'{key}'"), key.to_string()] {
        if let Some(i) = text.find(&q) {
            return i..i + q.len();
        }
    }
    0..0
}
