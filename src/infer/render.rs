//! An [`Inference`] written out: the mapping file (TOML that loads as it is, a comment on each
//! choice) and the summary `data infer` prints.

use std::fmt::Write as _;

use super::{Certainty, ColumnGuess, Inference};

/// A TOML string literal.
pub fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn quoted_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(quote).collect();
    format!("[{}]", items.join(", "))
}

fn percent(n: u32, of: u32) -> String {
    if of == 0 {
        return "0%".into();
    }
    format!("{:.0}%", 100.0 * f64::from(n) / f64::from(of))
}

fn certainty(c: Certainty) -> &'static str {
    match c {
        Certainty::Sure => "sure",
        Certainty::Likely => "likely",
        Certainty::Guess => "check",
    }
}

/// The three most common values of a column as one short line.
fn samples(c: &ColumnGuess) -> String {
    let mut out: Vec<String> = c
        .samples
        .iter()
        .take(3)
        .map(|(v, n)| {
            let mut short: String = v.chars().take(20).collect::<String>().replace('\n', " ");
            if v.chars().count() > 20 {
                short.push('…');
            }
            format!("{short} ({n})")
        })
        .collect();
    if c.distinct as usize > out.len() {
        out.push("…".into());
    }
    out.join(", ")
}

/// A "not answered" token, its cells and why, on one line.
fn token_line(t: &super::MissingToken) -> String {
    format!(
        "{}: {} cells in {}: {}",
        quote(&t.token),
        t.cells,
        t.columns.join(", "),
        t.why
    )
}

/// The mapping file.
pub fn mapping(inf: &Inference) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Dataset mapping written by `leadpolicy data infer` from {} ({} rows).\n# Every choice has a comment; those marked \"check\" are guesses. Edit anything: the format is\n# in the README (\"Dataset mapping\"). Next: leadpolicy policy new --dataset <this file>\n",
        inf.leads, inf.rows
    );
    s.push_str("[dataset]\n");
    let _ = writeln!(s, "name = {}", quote(&inf.name));
    let _ = writeln!(s, "leads = {}", quote(&inf.leads));
    if let Some(o) = &inf.outcomes {
        match &o.key {
            Some(key) => {
                let mut spec = format!("file = {}, key = {}", quote(&o.file), quote(key));
                if let Some(sheet) = &o.sheet {
                    let _ = write!(spec, ", sheet = {}", quote(sheet));
                }
                if let Some(sep) = &o.separator {
                    let _ = write!(spec, ", separator = {}", quote(sep));
                }
                if let Some(at) = &o.converted_at {
                    let _ = write!(spec, ", converted_at = {}", quote(at));
                }
                if let Some(f) = &o.converted_at_format {
                    let _ = write!(spec, ", converted_at_format = {}", quote(f));
                }
                let _ = writeln!(
                    s,
                    "outcomes = {{ {spec} }}   # {} of {} leads have a row there: they converted{}",
                    o.matched_leads,
                    inf.rows,
                    if o.converted_at.is_some() {
                        "; a lead's converted_at is the earliest won date of its rows"
                    } else {
                        ""
                    }
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "# outcomes = {{ file = {}, key = \"…\" }}   # no column there holds the leads' ids",
                    quote(&o.file)
                );
            }
        }
    }
    match &inf.id {
        Some(id) => {
            let field = inf
                .columns
                .iter()
                .find(|c| &c.header == id)
                .map_or(id.as_str(), |c| c.field.as_str());
            let _ = writeln!(s, "id = {}   # {}", quote(field), inf.id_why);
        }
        None => {
            let _ = writeln!(
                s,
                "id = \"\"   # CHECK: {}; name the lead id column here",
                inf.id_why
            );
        }
    }
    let mut tokens = vec![""];
    tokens.extend(inf.missing.iter().map(|t| t.token.as_str()));
    let _ = writeln!(s, "missing = {}", quoted_list(tokens));
    for t in &inf.missing {
        let _ = writeln!(s, "#   {}", token_line(t));
    }
    if let Some(e) = &inf.encoding {
        let why = if e.starts_with("utf-16") {
            "the file opens with a UTF-16 byte-order mark (Excel's \"Unicode text\")"
        } else {
            "the bytes are not UTF-8 (Excel on Windows saves CSV this way)"
        };
        let _ = writeln!(s, "encoding = {}   # {why}", quote(e));
    }
    if let Some(d) = &inf.delimiter {
        let _ = writeln!(
            s,
            "delimiter = {}   # found from the file: it splits every line alike",
            quote(d)
        );
    }
    if let Some(d) = &inf.decimal {
        let _ = writeln!(
            s,
            "decimal = {}   # numbers are written with a decimal comma, such as 2,5",
            quote(d)
        );
    }
    if let Some(sheet) = &inf.sheet {
        let others: Vec<&str> = inf
            .sheets
            .iter()
            .map(String::as_str)
            .filter(|x| x != sheet)
            .collect();
        let _ = write!(s, "sheet = {}", quote(sheet));
        if !others.is_empty() {
            let _ = write!(s, "   # the workbook's other sheets: {}", others.join(", "));
        }
        s.push('\n');
    }

    s.push_str(
        "\n[columns]   # header = { name = the field name rules use }; sensitive = a protected attribute or proxy\n",
    );
    for c in inf.columns.iter().filter(|c| !c.skipped) {
        let mut spec = format!("name = {}", quote(&c.field));
        if c.sensitive.is_some() {
            spec.push_str(", sensitive = true");
        } else if super::roles::sensitive_reason(&c.header, &[]).is_some() {
            // Someone took the mark off a column whose header looks sensitive: say so, or
            // `policy new` would put it back.
            spec.push_str(", sensitive = false");
        }
        let mut note = format!(
            "{}, {} of {} filled ({})",
            c.kind,
            c.filled,
            inf.rows,
            percent(c.filled, inf.rows)
        );
        if let Some(why) = &c.sensitive {
            let _ = write!(note, "; sensitive: {why}");
        }
        if c.recorded_later.is_some() {
            note.push_str("; may be recorded after the decision");
        }
        let _ = writeln!(s, "{} = {{ {spec} }}   # {note}", quote(&c.header));
    }

    s.push_str("\n[roles]   # which column plays which part; the README lists every role\n");
    for c in &inf.columns {
        let Some(r) = &c.role else { continue };
        let value = match r.role.as_str() {
            "converted" | "enrichment_error" => format!(
                "{{ column = {}, true = {} }}",
                quote(&c.field),
                quoted_list(r.truthy.iter().map(String::as_str))
            ),
            _ => match &r.format {
                Some(f) => format!("{{ column = {}, format = {} }}", quote(&c.field), quote(f)),
                None => quote(&c.field),
            },
        };
        let _ = writeln!(
            s,
            "{} = {value}   # {}: {}",
            r.role,
            certainty(r.certainty),
            r.why
        );
    }
    if !inf.undecided.is_empty() {
        s.push_str("\n# Could not decide:\n");
        for u in &inf.undecided {
            let _ = writeln!(s, "# - {u}");
        }
    }
    s
}

/// The summary `data infer` prints.
pub fn summary(inf: &Inference) -> String {
    let mut s = String::new();
    let mut how = Vec::new();
    if let Some(e) = &inf.encoding {
        how.push(e.clone());
    }
    if let Some(d) = &inf.delimiter {
        how.push(format!(
            "{}-separated",
            if d == "\t" { "tab" } else { d.as_str() }
        ));
    }
    if let Some(sheet) = &inf.sheet {
        how.push(format!("sheet {}", quote(sheet)));
    }
    if inf.decimal.is_some() {
        how.push("decimal comma".into());
    }
    let _ = writeln!(
        s,
        "Read {}: {} rows, {} columns{}",
        inf.leads,
        inf.rows,
        inf.columns.iter().filter(|c| !c.skipped).count(),
        if how.is_empty() {
            String::new()
        } else {
            format!(" ({})", how.join(", "))
        }
    );
    let _ = writeln!(s, "Lead id: {}", inf.id_why);
    if !inf.missing.is_empty() {
        let _ = writeln!(s, "Not answered:");
        for t in &inf.missing {
            let _ = writeln!(s, "  {}", token_line(t));
        }
    }
    if let Some(o) = &inf.outcomes {
        let _ = writeln!(
            s,
            "Outcomes: {} ({} rows) joined on {}: {} leads converted",
            o.file,
            o.rows,
            o.key.as_deref().map_or("nothing".into(), quote),
            o.matched_leads
        );
    }
    let w = |cs: &dyn Fn(&ColumnGuess) -> usize, min| {
        inf.columns.iter().map(cs).max().unwrap_or(0).max(min)
    };
    let hw = w(&|c| c.header.chars().count(), 6).min(32);
    let fw = w(&|c| c.field.chars().count(), 5).min(32);
    let _ = writeln!(
        s,
        "\n{:hw$}  {:fw$}  {:6}  {:>12}  {:24}  {:6}  values",
        "column", "field", "type", "filled", "role", "sure"
    );
    for c in inf.columns.iter().filter(|c| !c.skipped) {
        let (role, sure) = match &c.role {
            Some(r) => (r.role.to_string(), certainty(r.certainty)),
            None if inf.id.as_deref() == Some(c.header.as_str()) => (
                "lead id".into(),
                if super::roles::id_score(&c.header) > 0 {
                    "sure"
                } else {
                    "check"
                },
            ),
            None => (String::new(), ""),
        };
        let mut role = role;
        if c.sensitive.is_some() {
            role = if role.is_empty() {
                "SENSITIVE".into()
            } else {
                format!("{role}, SENSITIVE")
            };
        }
        let header: String = c.header.chars().take(hw).collect();
        let field: String = c.field.chars().take(fw).collect();
        let _ = writeln!(
            s,
            "{header:hw$}  {field:fw$}  {:6}  {:>12}  {role:24}  {sure:6}  {}",
            c.kind,
            format!("{} ({})", c.filled, percent(c.filled, inf.rows)),
            samples(c)
        );
    }
    let sensitive: Vec<String> = inf
        .columns
        .iter()
        .filter_map(|c| c.sensitive.as_ref().map(|w| format!("{} ({w})", c.header)))
        .collect();
    if !sensitive.is_empty() {
        let _ = writeln!(
            s,
            "\nSensitive candidates (never allowed in rules; the trust checks look for proxies of them):"
        );
        for x in sensitive {
            let _ = writeln!(s, "  {x}");
        }
    }
    let later: Vec<&str> = inf
        .columns
        .iter()
        .filter(|c| c.recorded_later.is_some())
        .map(|c| c.header.as_str())
        .collect();
    if !later.is_empty() {
        let _ = writeln!(
            s,
            "\nMay be recorded after the decision (a replay that reads them looks better than any policy can be): {}",
            later.join(", ")
        );
    }
    if !inf.undecided.is_empty() {
        let _ = writeln!(s, "\nCould not decide:");
        for u in &inf.undecided {
            let _ = writeln!(s, "  - {u}");
        }
    }
    s
}
