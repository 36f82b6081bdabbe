//! `leadpolicy policy new`: a first policy for a dataset that passes `check` and replays as it
//! is — every lead goes to nurture through `[otherwise]` until the leader allows fields and
//! writes rules — with comments that teach the format: the candidate fields with their fill
//! rates, the sensitive ones already listed, a commented `[scope]` with the top sources, and
//! commented example rules on this data's own fields and values.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::render::quote;
use super::roles;
use crate::dataset::{Dataset, FieldType};
use crate::error::Error;
use crate::policy::Role;

/// Roles that are outcomes or bookkeeping, never qualification evidence.
const NOT_EVIDENCE: &[Role] = &[
    Role::Converted,
    Role::ConvertedAt,
    Role::SellerOutcome,
    Role::Meeting,
    Role::HistoricalDecision,
    Role::SellerFeedback,
    Role::FirstTouchMinutes,
    Role::AccountOwner,
    Role::CreatedAt,
];

fn slug(name: &str) -> String {
    let s = roles::snake_case(name).replace('_', "-");
    if s == "column" { "starter".into() } else { s }
}

/// The most common values of a text field, with counts, most common first.
fn top_values(ds: &Dataset, field: &str, n: usize) -> Result<Vec<(String, usize)>, Error> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for v in ds.text_column(field)?.iter().flatten() {
        *counts.entry(v.to_string()).or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(n);
    Ok(top)
}

/// Whether a field is sensitive: as the mapping says, else by its header or name.
fn is_sensitive(f: &crate::dataset::FieldInfo) -> bool {
    f.sensitive.unwrap_or_else(|| {
        roles::sensitive_reason(&f.header, &[]).is_some()
            || roles::sensitive_reason(&f.name, &[]).is_some()
    })
}

/// A field leadership may allow, with its values counted.
struct Candidate<'d> {
    field: &'d crate::dataset::FieldInfo,
    /// (value, leads), most common first.
    counts: Vec<(String, usize)>,
    /// Its header says it may be filled in after the decision.
    later: bool,
}

/// Headers of contact details (who the person is, how to reach them).
fn is_contact_detail(header: &str) -> bool {
    let norm = roles::normalize(header);
    let exact = [
        "email",
        "e mail",
        "email address",
        "work email",
        "name",
        "firstname",
        "lastname",
    ];
    let n = format!(" {norm} ");
    exact.contains(&norm.as_str())
        || [
            "phone",
            "mobile",
            "telephone",
            "fax",
            "first name",
            "last name",
            "full name",
            "contact name",
            "lead name",
            "address",
            "street",
            "linkedin",
        ]
        .iter()
        .any(|w| n.contains(&format!(" {w} ")))
}

/// Every value of a field with its count, most common first.
fn value_counts(ds: &Dataset, field: &str) -> Result<Vec<(String, usize)>, Error> {
    top_values(ds, field, usize::MAX)
}

/// The share of `rows` that converted, when outcomes are known.
fn conversion(converted: Option<&[bool]>, rows: &[usize]) -> Option<f64> {
    let c = converted?;
    (!rows.is_empty()).then(|| rows.iter().filter(|&&i| c[i]).count() as f64 / rows.len() as f64)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// An example route rule: the top quarter of a numeric field to sales, with how many leads
/// that is and how often they converted.
fn route_example(
    ds: &Dataset,
    c: &Candidate<'_>,
    converted: Option<&[bool]>,
) -> Result<String, Error> {
    let column = ds.frame.column(&c.field.name)?.f64()?.clone();
    let mut values: Vec<(usize, f64)> = column
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    values.sort_by(|a, b| a.1.total_cmp(&b.1));
    let Some(&(_, threshold)) = values.get(values.len() * 3 / 4) else {
        return Ok(String::new());
    };
    let rows: Vec<usize> = values
        .iter()
        .filter(|(_, v)| *v >= threshold)
        .map(|(i, _)| *i)
        .collect();
    let mut note = format!(
        "{} of {} leads ({})",
        rows.len(),
        ds.len(),
        pct(rows.len() as f64 / ds.len().max(1) as f64)
    );
    if let (Some(r), Some(all)) = (
        conversion(converted, &rows),
        conversion(converted, &(0..ds.len()).collect::<Vec<_>>()),
    ) {
        let _ = write!(
            note,
            "; {} of them converted, {} of all leads",
            pct(r),
            pct(all)
        );
    }
    Ok(format!(
        "# [[rules]]   # the top quarter of {} to sales: {note}
# id = \"high-{}\"
# route = \"sales\"
# when = {{ field = {}, gte = {} }}
#
",
        c.field.name,
        c.field.name.replace('_', "-"),
        quote(&c.field.name),
        crate::format_number(threshold)
    ))
}

/// An example disqualify rule: of the few-valued text fields, the value (2–25% of leads, never
/// the most common) whose leads converted least — or, without outcomes, the rarest such value.
fn disqualify_example(
    ds: &Dataset,
    candidates: &[&Candidate<'_>],
    role_fields: &HashMap<&str, Role>,
    converted: Option<&[bool]>,
) -> Result<Option<String>, Error> {
    let n = ds.len().max(1);
    let mut best: Option<(f64, &Candidate<'_>, &str, usize, Option<f64>)> = None;
    for c in candidates.iter().filter(|c| {
        c.field.ty == FieldType::Text
            && c.counts.len() <= 30
            && !role_fields.contains_key(c.field.name.as_str())
    }) {
        // The leads of each value, in one pass over the column.
        let text = ds.text_column(&c.field.name)?;
        let mut rows_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, v) in text.iter().enumerate() {
            if let Some(v) = v {
                rows_of.entry(v).or_default().push(i);
            }
        }
        for (value, count) in c.counts.iter().skip(1) {
            if *count * 50 < n || *count * 4 > n {
                continue;
            }
            let rows = rows_of.get(value.as_str()).map_or(&[][..], Vec::as_slice);
            let rate = conversion(converted, rows);
            let score = rate.unwrap_or(*count as f64 / n as f64);
            if best.as_ref().is_none_or(|b| score < b.0) {
                best = Some((score, c, value.as_str(), *count, rate));
            }
        }
    }
    Ok(best.map(|(_, c, value, count, rate)| {
        let mut note = format!(
            "{count} of {} leads ({})",
            ds.len(),
            pct(count as f64 / n as f64)
        );
        if let Some(r) = rate {
            let _ = write!(note, "; {} of them converted", pct(r));
        }
        format!(
            "# [[rules]]   # would disqualify {note}: check that before you use it
# id = \"dq-{}\"
# disqualify = \"not_a_fit\"
# when = {{ field = {}, eq = {} }}
",
            c.field.name.replace('_', "-"),
            quote(&c.field.name),
            quote(value)
        )
    }))
}

/// The starter policy's text for `ds`.
pub fn starter_policy(ds: &Dataset) -> Result<String, Error> {
    let rows = ds.len().max(1);
    let role_fields: HashMap<&str, Role> = ds
        .roles
        .iter()
        .map(|(role, field)| (field.as_str(), *role))
        .collect();
    let sensitive: Vec<&str> = ds
        .fields
        .iter()
        .filter(|f| f.name != ds.id && is_sensitive(f))
        .map(|f| f.name.as_str())
        .collect();
    let converted = ds.converted()?;
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    for f in &ds.fields {
        let outcome_role = role_fields
            .get(f.name.as_str())
            .is_some_and(|r| NOT_EVIDENCE.contains(r));
        if f.name == ds.id || f.filled == 0 || sensitive.contains(&f.name.as_str()) || outcome_role
        {
            continue;
        }
        // Contact details identify a person; they do not qualify a lead.
        if is_contact_detail(&f.header) || is_contact_detail(&f.name) {
            continue;
        }
        let counts = value_counts(ds, &f.name)?;
        // One value everywhere tells nothing; an id-like column, or text with a value per
        // lead, names leads rather than qualifying them.
        let unique_text = f.ty == FieldType::Text && counts.len() * 10 >= f.filled * 9;
        if counts.len() < 2 || unique_text || roles::id_score(&f.header) > 0 {
            continue;
        }
        candidates.push(Candidate {
            field: f,
            counts,
            later: roles::may_be_recorded_later(&f.header),
        });
    }
    candidates.sort_by(|a, b| {
        b.field
            .filled
            .cmp(&a.field.filled)
            .then_with(|| a.field.name.cmp(&b.field.name))
    });

    let mut s = String::new();
    let _ = writeln!(
        s,
        "# A starter policy for \"{}\", written by `leadpolicy policy new`. As it stands it sends\n# every lead to nurture (see [otherwise] at the end), so that a replay runs at once. Make it\n# yours: allow the fields leadership agrees may influence routing, then write rules on them.\n# `leadpolicy check` says what is wrong and where; `leadpolicy replay` shows what changes.\n",
        ds.name
    );
    let _ = writeln!(
        s,
        "[policy]\nid = {}\nname = {}\nversion = 1\ndescription = {}\n",
        quote(&slug(&ds.name)),
        quote(&format!("Lead qualification for {}", ds.name)),
        quote("Starter policy: every lead to nurture until rules are written")
    );

    s.push_str(
        "# [scope]: the leads this policy decides (a pilot). Without it every lead counts.\n",
    );
    if let Some(source) = ds.role(Role::Source) {
        let top = top_values(ds, source, 3)?;
        if !top.is_empty() {
            let values: Vec<String> = top.iter().map(|(v, _)| quote(v)).collect();
            let counts: Vec<String> = top.iter().map(|(v, n)| format!("{v}: {n} leads")).collect();
            let _ = writeln!(
                s,
                "# [scope]\n# source = [{}]   # the most common sources here ({})",
                values.join(", "),
                counts.join(", ")
            );
        }
    }
    s.push('\n');

    s.push_str(
        "[fields]\n# The only fields rules and signals may read. Nothing is allowed yet: move the names you\n# agree on into the list. Candidates, most often filled first:\nallowed = []\n",
    );
    for c in &candidates {
        let f = c.field;
        let _ = writeln!(
            s,
            "#   {:<28} # {}, {:.0}% filled{}",
            quote(&f.name),
            f.ty.as_str(),
            100.0 * f.filled as f64 / rows as f64,
            if c.later {
                "; MAY BE RECORDED AFTER THE DECISION: a replay that reads it looks better than any policy can be"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        s,
        "# Protected attributes and their likely proxies: never allowed; the trust checks look for\n# fields that stand in for them.\nsensitive = [{}]\n",
        sensitive
            .iter()
            .map(|n| quote(n))
            .collect::<Vec<_>>()
            .join(", ")
    );

    s.push_str("[evidence]\n# Fields a lead must have before any route applies; one missing → manual review.\n");
    let example_required = candidates
        .iter()
        .find(|c| !c.later && c.field.filled < rows && c.field.filled * 10 >= rows * 7)
        .or(candidates.first());
    if let Some(c) = example_required {
        let _ = writeln!(s, "# required = [{}]", quote(&c.field.name));
    }
    if ds.role(Role::EnrichmentConfidence).is_some() {
        s.push_str("# min_enrichment_confidence = 0.6   # below it → manual review\n");
    }
    s.push_str(
        "on_overlap = \"review\"   # two rules sending a lead to different routes → manual review\n\n",
    );

    s.push_str("[reasons]   # disqualification reasons: code = label\nnot_a_fit = \"Not a fit for sales\"\n\n");

    s.push_str("[routes.sales]\nkind = \"sales\"\nqueue = \"Sales\"\n");
    match ds.role(Role::AccountOwner) {
        Some(owner) => {
            let _ = writeln!(
                s,
                "owner = {{ field = {}, fallback = \"Sales team\" }}   # the lead's owner, else the team",
                quote(owner)
            );
        }
        None => s.push_str("owner = \"Sales team\"\n"),
    }
    s.push_str("sla_minutes = 60\n\n[routes.nurture]\nkind = \"nurture\"\nqueue = \"Marketing nurture\"\n\n");

    s.push_str(
        "# Rules: every disqualify rule is checked first (file order), then every route rule.\n# Examples on this data — uncomment one after allowing its field:\n",
    );
    let usable: Vec<&Candidate<'_>> = candidates.iter().filter(|c| !c.later).collect();
    if let Some(c) = usable.iter().find(|c| c.field.ty == FieldType::Number) {
        s.push_str(&route_example(ds, c, converted.as_deref())?);
    }
    if let Some(example) = disqualify_example(ds, &usable, &role_fields, converted.as_deref())? {
        s.push_str(&example);
    }

    s.push_str(
        "# Every lead that passed the evidence check and that no route rule claims goes here.\n[otherwise]\nroute = \"nurture\"\n",
    );
    Ok(s)
}
