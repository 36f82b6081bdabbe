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

/// Roles that are outcomes or bookkeeping, never qualification evidence.
const NOT_EVIDENCE: &[&str] = &[
    "converted",
    "converted_at",
    "seller_outcome",
    "meeting",
    "historical_decision",
    "seller_feedback",
    "first_touch_minutes",
    "account_owner",
    "created_at",
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

/// The starter policy's text for `ds`.
pub fn starter_policy(ds: &Dataset) -> Result<String, Error> {
    let rows = ds.len().max(1);
    let role_fields: HashMap<&str, &str> = ds
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
    let mut candidates: Vec<&crate::dataset::FieldInfo> = ds
        .fields
        .iter()
        .filter(|f| f.name != ds.id && f.filled > 0 && !sensitive.contains(&f.name.as_str()))
        .filter(|f| {
            role_fields
                .get(f.name.as_str())
                .is_none_or(|r| !NOT_EVIDENCE.contains(r))
        })
        .collect();
    candidates.sort_by(|a, b| b.filled.cmp(&a.filled).then_with(|| a.name.cmp(&b.name)));

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
    if let Some(source) = ds.role("source") {
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
    for f in &candidates {
        let _ = writeln!(
            s,
            "#   {:<28} # {}, {:.0}% filled",
            quote(&f.name),
            f.ty.as_str(),
            100.0 * f.filled as f64 / rows as f64
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
        .find(|f| f.filled < rows && f.filled * 10 >= rows * 7)
        .or(candidates.first());
    if let Some(f) = example_required {
        let _ = writeln!(s, "# required = [{}]", quote(&f.name));
    }
    if ds.role("enrichment_confidence").is_some() {
        s.push_str("# min_enrichment_confidence = 0.6   # below it → manual review\n");
    }
    s.push_str(
        "on_overlap = \"review\"   # two rules sending a lead to different routes → manual review\n\n",
    );

    s.push_str("[reasons]   # disqualification reasons: code = label\nnot_a_fit = \"Not a fit for sales\"\n\n");

    s.push_str("[routes.sales]\nkind = \"sales\"\nqueue = \"Sales\"\n");
    match ds.role("account_owner") {
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
    let numeric = candidates.iter().find(|f| f.ty == FieldType::Number);
    let text = candidates
        .iter()
        .find(|f| f.ty == FieldType::Text && !role_fields.contains_key(f.name.as_str()));
    if let Some(f) = numeric {
        let (_, max) = ds.number_range(&f.name)?;
        let threshold = max.map_or(1.0, |m| (m / 2.0).round().max(1.0));
        let _ = writeln!(
            s,
            "# [[rules]]\n# id = \"high-{}\"\n# route = \"sales\"\n# when = {{ field = {}, gte = {} }}\n#",
            f.name.replace('_', "-"),
            quote(&f.name),
            crate::format_number(threshold)
        );
    }
    if let Some(f) = text
        && let Some((value, _)) = top_values(ds, &f.name, 1)?.into_iter().next()
    {
        let _ = writeln!(
            s,
            "# [[rules]]\n# id = \"dq-{}\"\n# disqualify = \"not_a_fit\"\n# when = {{ field = {}, eq = {} }}\n",
            f.name.replace('_', "-"),
            quote(&f.name),
            quote(&value)
        );
    }

    s.push_str(
        "# Every lead that passed the evidence check and that no route rule claims goes here.\n[otherwise]\nroute = \"nurture\"\n",
    );
    Ok(s)
}
