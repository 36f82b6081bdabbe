//! The dataset mapping file (TOML): which files, the id column, missing tokens, renames and
//! forced types, and which columns play which roles. Parsed with serde; every error carries the
//! mapping file's line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::source::Format;
use crate::diag::{Diagnostic, Diagnostics, Source};
use leadpolicy_policy::Role;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    pub dataset: DatasetSection,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSpec>,
    #[serde(default)]
    pub roles: RolesSection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSection {
    pub name: Option<String>,
    pub leads: Spanned<String>,
    pub outcomes: Option<OutcomesSpec>,
    pub id: Spanned<String>,
    #[serde(default)]
    pub missing: Vec<String>,
    /// One-character field delimiter of CSV files; `,` when absent.
    pub delimiter: Option<Spanned<String>>,
    /// Text encoding of CSV files (a WHATWG label: `utf-8`, `windows-1252`, `utf-16` …); UTF-8
    /// when absent, or UTF-16 when the file opens with its byte-order mark.
    pub encoding: Option<Spanned<String>>,
    /// The sheet of a workbook leads file; its first sheet when absent.
    pub sheet: Option<Spanned<String>>,
    /// The decimal separator of numbers in CSV files: `"."` (default) or `","`.
    pub decimal: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomesSpec {
    pub file: Spanned<String>,
    pub key: Spanned<String>,
    /// The sheet of a workbook outcomes file; its first sheet when absent.
    pub sheet: Option<String>,
    /// When one key cell lists several leads (HubSpot's "Associated Contact IDs" writes
    /// `123;456`): the text between them. Each part, trimmed, is an id.
    pub separator: Option<String>,
    /// A header of the outcomes file holding the won / close date: a lead's `converted_at` is
    /// the earliest of its rows.
    pub converted_at: Option<Spanned<String>>,
    /// The chrono format of those dates when they are not ISO.
    pub converted_at_format: Option<String>,
}

/// A date role: a column name, or `{ column = "…", format = "%m/%d/%Y" }` when the dates are
/// not ISO.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DateRef {
    Name(String),
    Table(DateTable),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateTable {
    pub column: String,
    pub format: Option<String>,
}

impl DateRef {
    pub fn name(&self) -> &str {
        match self {
            DateRef::Name(s) => s,
            DateRef::Table(t) => &t.column,
        }
    }
    pub fn format(&self) -> Option<&str> {
        match self {
            DateRef::Name(_) => None,
            DateRef::Table(t) => t.format.as_deref(),
        }
    }
}

impl From<&Spanned<DateRef>> for NamedColumn {
    fn from(s: &Spanned<DateRef>) -> Self {
        Self {
            name: s.get_ref().name().to_string(),
            span: s.span(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForcedType {
    Number,
    Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub ty: Option<ForcedType>,
    /// A protected attribute or a proxy for one (`policy new` lists it in `[fields] sensitive`);
    /// `false` when someone checked and it is not.
    pub sensitive: Option<bool>,
}

/// A role that is just a column: `source = "lead_source"` or `source = { column = "…" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ColumnRef {
    Name(String),
    Table { column: String },
}

impl ColumnRef {
    pub fn name(&self) -> &str {
        match self {
            ColumnRef::Name(s) | ColumnRef::Table { column: s } => s,
        }
    }
}

/// A column named in the mapping, with where it was written.
#[derive(Debug, Clone)]
pub struct NamedColumn {
    pub name: String,
    pub span: std::ops::Range<usize>,
}

impl From<&Spanned<String>> for NamedColumn {
    fn from(s: &Spanned<String>) -> Self {
        Self {
            name: s.get_ref().clone(),
            span: s.span(),
        }
    }
}

impl From<&Spanned<ColumnRef>> for NamedColumn {
    fn from(s: &Spanned<ColumnRef>) -> Self {
        Self {
            name: s.get_ref().name().to_string(),
            span: s.span(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagRole {
    pub column: Spanned<String>,
    #[serde(rename = "true")]
    pub truthy: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SellerOutcomeRole {
    pub column: Spanned<String>,
    #[serde(default)]
    pub accepted: Vec<String>,
    #[serde(default)]
    pub sent_back: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingRole {
    pub column: Spanned<String>,
    #[serde(default)]
    pub held: Vec<String>,
    #[serde(default)]
    pub no_show: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoricalRole {
    pub column: Spanned<String>,
    #[serde(default)]
    pub accepted: Vec<String>,
    #[serde(default)]
    pub rejected: Vec<String>,
    #[serde(default)]
    pub nurture: Vec<String>,
    #[serde(default)]
    pub unresolved: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesSection {
    pub created_at: Option<Spanned<DateRef>>,
    pub source: Option<Spanned<ColumnRef>>,
    pub campaign: Option<Spanned<ColumnRef>>,
    pub form: Option<Spanned<ColumnRef>>,
    pub crm_match: Option<Spanned<ColumnRef>>,
    pub enrichment_source: Option<Spanned<ColumnRef>>,
    pub enrichment_confidence: Option<Spanned<ColumnRef>>,
    pub enrichment_error: Option<FlagRole>,
    pub account_owner: Option<Spanned<ColumnRef>>,
    pub first_touch_minutes: Option<Spanned<ColumnRef>>,
    pub converted: Option<FlagRole>,
    pub converted_at: Option<Spanned<DateRef>>,
    pub seller_outcome: Option<SellerOutcomeRole>,
    pub meeting: Option<MeetingRole>,
    pub historical_decision: Option<HistoricalRole>,
    pub seller_feedback: Option<Spanned<ColumnRef>>,
}

impl RolesSection {
    /// Every role with the column it names, in a stable order.
    pub fn columns(&self) -> Vec<(Role, NamedColumn)> {
        let mut out = Vec::new();
        for (name, r) in [
            (Role::CreatedAt, &self.created_at),
            (Role::ConvertedAt, &self.converted_at),
        ] {
            if let Some(r) = r {
                out.push((name, NamedColumn::from(r)));
            }
        }
        let simple: [(Role, &Option<Spanned<ColumnRef>>); 9] = [
            (Role::Source, &self.source),
            (Role::Campaign, &self.campaign),
            (Role::Form, &self.form),
            (Role::CrmMatch, &self.crm_match),
            (Role::EnrichmentSource, &self.enrichment_source),
            (Role::EnrichmentConfidence, &self.enrichment_confidence),
            (Role::AccountOwner, &self.account_owner),
            (Role::FirstTouchMinutes, &self.first_touch_minutes),
            (Role::SellerFeedback, &self.seller_feedback),
        ];
        for (name, r) in simple {
            if let Some(r) = r {
                out.push((name, NamedColumn::from(r)));
            }
        }
        let listed: [(Role, Option<&Spanned<String>>); 5] = [
            (
                Role::EnrichmentError,
                self.enrichment_error.as_ref().map(|r| &r.column),
            ),
            (Role::Converted, self.converted.as_ref().map(|r| &r.column)),
            (
                Role::SellerOutcome,
                self.seller_outcome.as_ref().map(|r| &r.column),
            ),
            (Role::Meeting, self.meeting.as_ref().map(|r| &r.column)),
            (
                Role::HistoricalDecision,
                self.historical_decision.as_ref().map(|r| &r.column),
            ),
        ];
        for (name, c) in listed {
            if let Some(c) = c {
                out.push((name, NamedColumn::from(c)));
            }
        }
        out
    }
}

/// A parsed mapping with its source and the directory its relative paths start from.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub source: Source,
    pub file: MappingFile,
    pub base_dir: PathBuf,
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Self, crate::Error> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if let Some(ext) = ext.filter(|e| {
            matches!(
                e.as_str(),
                "csv" | "tsv" | "txt" | "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" | "parquet" | "pq"
            )
        }) {
            return Err(crate::Error::Usage(format!(
                "{} is a data file ({ext}), not a dataset mapping: run `leadpolicy data infer {}` to write a mapping for it, then pass the mapping (a .toml file) instead",
                path.display(),
                path.display()
            )));
        }
        let text = crate::read_text(path)?;
        Self::parse(Source::new(path, text))
    }

    pub fn parse(source: Source) -> Result<Self, crate::Error> {
        let file: MappingFile = match toml::from_str(&source.text) {
            Ok(f) => f,
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let msg = plain(&e.message().trim_end_matches('\n').replace('\n', " "));
                let d = Diagnostic::at(&source, span, format!("invalid dataset mapping: {msg}"))
                    .with_hint("see the mapping format in README.md (section \"Dataset mapping\")");
                return Err(crate::Error::Invalid(Diagnostics(vec![d])));
            }
        };
        let mut diags = Diagnostics::default();
        if file.outcomes_defined() && file.roles.converted.is_some() {
            diags.push(
                Diagnostic::at(
                    &source,
                    file.roles
                        .converted
                        .as_ref()
                        .map_or(0..0, |c| c.column.span()),
                    "the mapping has both an outcomes file and a `converted` role",
                )
                .with_hint(
                    "a lead present in the outcomes file converted; remove the `converted` role",
                ),
            );
        }
        if let Some(d) = &file.dataset.delimiter
            && d.get_ref().len() != 1
        {
            diags.push(Diagnostic::at(
                &source,
                d.span(),
                format!("delimiter `{}` must be one character", d.get_ref()),
            ));
        }
        if let (Some(o), Some(r)) = (
            file.dataset
                .outcomes
                .as_ref()
                .and_then(|o| o.converted_at.as_ref()),
            &file.roles.converted_at,
        ) {
            diags.push(
                Diagnostic::at(
                    &source,
                    r.span(),
                    "`converted_at` is given twice: in `outcomes` and as a role",
                )
                .with_hint(format!(
                    "keep one: the outcomes file's `{}` column, or this column of the leads file",
                    o.get_ref()
                )),
            );
        }
        if let Some(d) = &file.dataset.decimal
            && !matches!(d.get_ref().as_str(), "." | ",")
        {
            diags.push(
                Diagnostic::at(
                    &source,
                    d.span(),
                    format!("decimal `{}` must be \".\" or \",\"", d.get_ref()),
                )
                .with_hint("write decimal = \",\" when numbers look like 2,5"),
            );
        }
        if let Some(e) = &file.dataset.encoding
            && super::source::encoding_for_label(e.get_ref()).is_none()
        {
            diags.push(
                Diagnostic::at(
                    &source,
                    e.span(),
                    format!("unknown encoding `{}`", e.get_ref()),
                )
                .with_hint(
                    "use a name such as \"utf-8\", \"windows-1252\", \"utf-16\" or \"iso-8859-15\"",
                ),
            );
        }
        if !diags.is_empty() {
            return Err(crate::Error::Invalid(diags));
        }
        let base_dir = source
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Ok(Self {
            source,
            file,
            base_dir,
        })
    }

    pub fn diag(&self, span: std::ops::Range<usize>, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::at(&self.source, span, msg)
    }

    /// Missing tokens; `""` is always one.
    pub fn missing_tokens(&self) -> Vec<String> {
        let mut m = self.file.dataset.missing.clone();
        if !m.iter().any(String::is_empty) {
            m.push(String::new());
        }
        m
    }

    /// Whether numbers are written with a decimal comma (`decimal = ","`).
    pub fn decimal_comma(&self) -> bool {
        self.file
            .dataset
            .decimal
            .as_ref()
            .is_some_and(|d| d.get_ref() == ",")
    }

    /// How to read the leads file.
    pub fn leads_format(&self) -> Format<'_> {
        let ds = &self.file.dataset;
        Format {
            encoding: ds
                .encoding
                .as_ref()
                .and_then(|e| super::source::encoding_for_label(e.get_ref())),
            delimiter: ds
                .delimiter
                .as_ref()
                .and_then(|d| d.get_ref().bytes().next()),
            sheet: ds.sheet.as_ref().map(|s| s.get_ref().as_str()),
        }
    }

    /// How to read the outcomes file: the leads file's encoding and delimiter, its own sheet.
    pub fn outcomes_format(&self) -> Format<'_> {
        Format {
            sheet: self
                .file
                .dataset
                .outcomes
                .as_ref()
                .and_then(|o| o.sheet.as_deref()),
            ..self.leads_format()
        }
    }

    pub fn resolve(&self, rel: &str) -> PathBuf {
        self.base_dir.join(rel)
    }
}

impl MappingFile {
    fn outcomes_defined(&self) -> bool {
        self.dataset.outcomes.is_some()
    }
}

/// A serde message with the mapping's own words in place of Rust type names: what a role or a
/// section looks like, written as TOML.
fn plain(msg: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        (
            "struct FlagRole",
            "a yes/no role: { column = \"Converted\", true = [\"1\", \"Yes\"] }",
        ),
        (
            "struct SellerOutcomeRole",
            "{ column = \"…\", accepted = [\"…\"], sent_back = [\"…\"] }",
        ),
        (
            "struct MeetingRole",
            "{ column = \"…\", held = [\"…\"], no_show = [\"…\"] }",
        ),
        (
            "struct HistoricalRole",
            "{ column = \"…\", accepted = [\"…\"], rejected = [\"…\"], nurture = [\"…\"], unresolved = [\"…\"] }",
        ),
        (
            "untagged enum DateRef",
            "a column name, or { column = \"Created Date\", format = \"%m/%d/%Y\" }",
        ),
        (
            "untagged enum ColumnRef",
            "a column name such as \"Lead Source\", or { column = \"Lead Source\" }",
        ),
        (
            "struct OutcomesSpec",
            "{ file = \"deals.csv\", key = \"Lead ID\" }",
        ),
        (
            "struct ColumnSpec",
            "{ name = \"…\", type = \"number\" | \"text\", sensitive = true | false }",
        ),
        ("struct DatasetSection", "a [dataset] section"),
        ("struct RolesSection", "a [roles] section"),
        ("struct MappingFile", "a dataset mapping"),
        ("enum ForcedType", "\"number\" or \"text\""),
        ("data did not match any variant of", "expected"),
    ];
    let mut out = msg.to_string();
    for (rust, words) in WORDS {
        out = out.replace(rust, words);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error text; empty when the mapping was accepted (every assertion then fails).
    fn error_of(text: &str) -> String {
        Mapping::parse(Source::new("m.toml", text))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn role_shapes_are_explained_in_toml_not_rust() {
        let e = error_of(
            "[dataset]\nleads = \"l.csv\"\nid = \"id\"\n[roles]\nconverted = \"Converted\"\n",
        );
        assert!(
            e.contains("true = [\"1\", \"Yes\"]")
                && !e.contains("FlagRole")
                && e.contains("m.toml:5"),
            "{e}"
        );
        let e = error_of("[dataset]\nleads = \"l.csv\"\nid = \"id\"\n[roles]\nsource = 3\n");
        assert!(
            e.contains("a column name") && !e.contains("ColumnRef"),
            "{e}"
        );
    }
}
