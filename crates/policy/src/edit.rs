//! Structured edits of a policy's TOML text: allow a field, set the evidence rules, add, change,
//! move or delete a rule, a signal, a reason or a route. Edits go through `toml_edit`, so every
//! comment, blank line and layout choice the author made survives, and the result is read back
//! by the ordinary parser: an edit can never produce a policy the parser would not accept
//! without the parser saying so.

use serde::{Deserialize, Serialize};
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value, value};

use super::view::{
    ActionView, Cond, EvidenceView, Lit, OverlapView, OwnerView, RouteKindView, RouteView,
    RuleView, Scalar,
};
/// Why an edit cannot be applied, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// One change to a draft. `Source` replaces the whole text (the source view); the rest edit one
/// section and leave the others byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edit {
    Source {
        text: String,
    },
    Allow {
        field: String,
        allowed: bool,
    },
    Evidence {
        evidence: EvidenceView,
    },
    /// Replace the rule at `index`, or add one (`index` null): a disqualify rule after the last
    /// disqualify rule, a route rule at the end.
    PutRule {
        index: Option<u32>,
        rule: RuleView,
    },
    DeleteRule {
        index: u32,
    },
    MoveRule {
        from: u32,
        to: u32,
    },
    PutSignal {
        previous: Option<String>,
        name: String,
        when: Cond,
    },
    DeleteSignal {
        name: String,
    },
    PutReason {
        code: String,
        label: String,
    },
    DeleteReason {
        code: String,
    },
    PutRoute {
        previous: Option<String>,
        route: RouteView,
    },
    DeleteRoute {
        name: String,
    },
    /// Set the `[otherwise]` route (every lead no route rule claims), or remove it (`null`:
    /// such leads go to manual review as `no_rule_matched`).
    Otherwise {
        route: Option<String>,
    },
}

fn bad(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

/// Apply `edit` to `text` and return the new text. Fails only when the text is not TOML at all
/// (then only a `Source` edit can help) or the edit names something that is not there.
pub fn apply(text: &str, edit: &Edit) -> Result<String, Error> {
    if let Edit::Source { text } = edit {
        return Ok(text.clone());
    }
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        bad(format!(
            "the policy text is not valid TOML ({}); fix it in the source view first",
            e.message()
        ))
    })?;
    match edit {
        Edit::Source { .. } => {}
        Edit::Allow { field, allowed } => allow(&mut doc, field, *allowed)?,
        Edit::Evidence { evidence } => set_evidence(&mut doc, evidence)?,
        Edit::PutRule { index, rule } => put_rule(&mut doc, index.map(|i| i as usize), rule)?,
        Edit::DeleteRule { index } => {
            let mut rules = take_rules(&mut doc)?;
            check_index(*index as usize, rules.len())?;
            rules.remove(*index as usize);
            put_rules(&mut doc, rules);
        }
        Edit::MoveRule { from, to } => {
            let mut rules = take_rules(&mut doc)?;
            let (from, to) = (*from as usize, *to as usize);
            check_index(from, rules.len())?;
            check_index(to, rules.len())?;
            let t = rules.remove(from);
            rules.insert(to, t);
            put_rules(&mut doc, rules);
        }
        Edit::PutSignal {
            previous,
            name,
            when,
        } => {
            let signals = section(&mut doc, "signals")?;
            refuse_clash(signals, previous.as_deref(), name, "signal")?;
            let mut table = match previous.as_deref().and_then(|p| signals.remove(p)) {
                Some(Item::Table(t)) => t,
                _ => Table::new(),
            };
            table.insert("when", value(cond_value(when)));
            signals.insert(name, Item::Table(table));
        }
        Edit::DeleteSignal { name } => remove(&mut doc, "signals", name, "signal")?,
        Edit::PutReason { code, label } => {
            section(&mut doc, "reasons")?.insert(code, value(label.as_str()));
        }
        Edit::DeleteReason { code } => remove(&mut doc, "reasons", code, "reason")?,
        Edit::PutRoute { previous, route } => {
            let routes = section(&mut doc, "routes")?;
            refuse_clash(routes, previous.as_deref(), &route.name, "route")?;
            let mut table = match previous.as_deref().and_then(|p| routes.remove(p)) {
                Some(Item::Table(t)) => t,
                _ => Table::new(),
            };
            write_route(&mut table, route);
            routes.insert(&route.name, Item::Table(table));
        }
        Edit::DeleteRoute { name } => remove(&mut doc, "routes", name, "route")?,
        Edit::Otherwise { route } => match route {
            Some(route) => {
                let t = section(&mut doc, "otherwise")?;
                t.set_implicit(false);
                t.insert("route", value(route.as_str()));
            }
            None => {
                doc.remove("otherwise");
            }
        },
    }
    Ok(doc.to_string())
}

/// Adding `name`, or renaming `previous` to it, must not replace another entry.
fn refuse_clash(t: &Table, previous: Option<&str>, name: &str, what: &str) -> Result<(), Error> {
    if previous != Some(name) && t.contains_key(name) {
        return Err(bad(format!(
            "a {what} named `{name}` already exists; pick another name"
        )));
    }
    Ok(())
}

fn check_index(i: usize, len: usize) -> Result<(), Error> {
    if i < len {
        Ok(())
    } else {
        Err(bad(format!(
            "there is no rule number {} (the policy has {len})",
            i + 1
        )))
    }
}

/// A top-level table, created (implicit, so `[signals.x]` headers stay flat) when missing.
fn section<'d>(doc: &'d mut DocumentMut, key: &str) -> Result<&'d mut Table, Error> {
    let item = doc.entry(key).or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    item.as_table_mut().ok_or_else(|| {
        bad(format!(
            "`{key}` is not a table in the policy text; fix it in the source view"
        ))
    })
}

fn remove(doc: &mut DocumentMut, sect: &str, key: &str, what: &str) -> Result<(), Error> {
    let removed = doc
        .get_mut(sect)
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.remove(key));
    match removed {
        Some(_) => Ok(()),
        None => Err(bad(format!("there is no {what} `{key}` to delete"))),
    }
}

fn string_array<'a>(items: impl IntoIterator<Item = &'a str>) -> Array {
    let mut a = Array::new();
    for s in items {
        a.push(s);
    }
    a
}

fn allow(doc: &mut DocumentMut, field: &str, allowed: bool) -> Result<(), Error> {
    let fields = section(doc, "fields")?;
    let sensitive = fields
        .get("sensitive")
        .and_then(Item::as_array)
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(field)));
    if allowed && sensitive {
        return Err(bad(format!(
            "`{field}` is marked sensitive: a sensitive field can never influence routing"
        )));
    }
    let list = fields
        .entry("allowed")
        .or_insert_with(|| value(Array::new()));
    let Some(arr) = list.as_array_mut() else {
        return Err(bad(
            "`[fields] allowed` is not a list; fix it in the source view",
        ));
    };
    let present = arr.iter().position(|v| v.as_str() == Some(field));
    match (allowed, present) {
        (true, None) => {
            // Keep a one-per-line list one per line.
            let multiline = arr.trailing().as_str().is_some_and(|t| t.contains('\n'))
                || arr
                    .iter()
                    .next()
                    .and_then(|v| v.decor().prefix())
                    .and_then(|p| p.as_str())
                    .is_some_and(|p| p.contains('\n'));
            arr.push(field);
            if multiline {
                if let Some(last) = arr.iter_mut().last() {
                    last.decor_mut().set_prefix("\n    ");
                }
                arr.set_trailing("\n");
                arr.set_trailing_comma(true);
            }
        }
        (false, Some(i)) => {
            arr.remove(i);
        }
        _ => {}
    }
    Ok(())
}

fn set_evidence(doc: &mut DocumentMut, e: &EvidenceView) -> Result<(), Error> {
    let t = section(doc, "evidence")?;
    t.set_implicit(false);
    t.insert(
        "required",
        value(string_array(e.required.iter().map(String::as_str))),
    );
    match &e.approved_sources {
        Some(list) => {
            t.insert(
                "approved_sources",
                value(string_array(list.iter().map(String::as_str))),
            );
        }
        None => {
            t.remove("approved_sources");
        }
    }
    match e.min_enrichment_confidence {
        Some(m) => {
            t.insert("min_enrichment_confidence", value(m));
        }
        None => {
            t.remove("min_enrichment_confidence");
        }
    }
    t.insert(
        "on_overlap",
        value(match e.on_overlap {
            OverlapView::Review => "review",
            OverlapView::First => "first",
        }),
    );
    Ok(())
}

fn scalar_value(s: &Scalar) -> Value {
    match s {
        Scalar::Number(n) => number(*n),
        Scalar::Text(t) => t.as_str().into(),
    }
}

/// Whole numbers are written without a decimal point (`gte = 200`, not `200.0`).
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        (n as i64).into()
    } else {
        n.into()
    }
}

/// A condition as an inline table, `{ field = "x", gte = 200 }`.
pub fn cond_value(c: &Cond) -> InlineTable {
    let mut t = InlineTable::new();
    match c {
        Cond::Field { field, op, value } => {
            t.insert("field", field.as_str().into());
            let v = match value {
                Lit::Bool(b) => (*b).into(),
                Lit::Number(n) => number(*n),
                Lit::Text(s) => s.as_str().into(),
                Lit::List(items) => {
                    let mut a = Array::new();
                    for i in items {
                        a.push(scalar_value(i));
                    }
                    Value::Array(a)
                }
            };
            t.insert(op, v);
        }
        Cond::Signal { name } => {
            t.insert("signal", name.as_str().into());
        }
        Cond::All { items } | Cond::Any { items } => {
            let mut a = Array::new();
            for i in items {
                a.push(Value::InlineTable(cond_value(i)));
            }
            let key = if matches!(c, Cond::All { .. }) {
                "all"
            } else {
                "any"
            };
            t.insert(key, Value::Array(a));
        }
        Cond::Not { item } => {
            t.insert("not", Value::InlineTable(cond_value(item)));
        }
    }
    t
}

fn write_route(t: &mut Table, r: &RouteView) {
    t.insert(
        "kind",
        value(match r.kind {
            RouteKindView::Sales => "sales",
            RouteKindView::Nurture => "nurture",
        }),
    );
    let mut opt = |key: &str, v: Option<Value>| match v {
        Some(v) => {
            t.insert(key, value(v));
        }
        None => {
            t.remove(key);
        }
    };
    opt("queue", r.queue.as_deref().map(Value::from));
    opt(
        "owner",
        r.owner.as_ref().map(|o| match o {
            OwnerView::Fixed { name } => Value::from(name.as_str()),
            OwnerView::Field { field, fallback } => {
                let mut it = InlineTable::new();
                it.insert("field", field.as_str().into());
                if let Some(f) = fallback {
                    it.insert("fallback", f.as_str().into());
                }
                Value::InlineTable(it)
            }
        }),
    );
    opt("sla_minutes", r.sla_minutes.map(number));
}

fn rule_table(r: &RuleView, mut t: Table) -> Table {
    t.insert("id", value(r.id.as_str()));
    match &r.description {
        Some(d) if !d.trim().is_empty() => {
            t.insert("description", value(d.as_str()));
        }
        _ => {
            t.remove("description");
        }
    }
    t.remove("disqualify");
    t.remove("route");
    match &r.action {
        ActionView::Disqualify { reason } => t.insert("disqualify", value(reason.as_str())),
        ActionView::Route { route } => t.insert("route", value(route.as_str())),
    };
    // `when` last, as every rule in the shipped policies writes it.
    t.remove("when");
    t.insert("when", value(cond_value(&r.when)));
    t
}

fn take_rules(doc: &mut DocumentMut) -> Result<Vec<Table>, Error> {
    match doc.get("rules") {
        None => Ok(Vec::new()),
        Some(Item::ArrayOfTables(a)) => Ok(a.iter().cloned().collect()),
        Some(_) => Err(bad(
            "`rules` is not a list of [[rules]] tables; fix it in the source view",
        )),
    }
}

/// Write the rules back in this order. Tables keep their comments; positions are renumbered
/// from where the first rule was, so the file lists them in the new order.
fn put_rules(doc: &mut DocumentMut, rules: Vec<Table>) {
    let base = rules
        .iter()
        .filter_map(Table::position)
        .min()
        .unwrap_or_else(|| {
            doc.iter()
                .filter_map(|(_, i)| i.as_table().and_then(Table::position))
                .max()
                .map_or(0, |p| p + 1)
        });
    let mut aot = ArrayOfTables::new();
    for (i, mut t) in rules.into_iter().enumerate() {
        t.set_position(base + i as isize);
        aot.push(t);
    }
    doc.insert("rules", Item::ArrayOfTables(aot));
}

fn is_disqualify(t: &Table) -> bool {
    t.contains_key("disqualify")
}

fn put_rule(doc: &mut DocumentMut, index: Option<usize>, r: &RuleView) -> Result<(), Error> {
    let mut rules = take_rules(doc)?;
    let clash = rules.iter().enumerate().any(|(i, t)| {
        Some(i) != index && t.get("id").and_then(Item::as_str) == Some(r.id.as_str())
    });
    if clash {
        return Err(bad(format!(
            "a rule with id `{}` already exists; pick another id",
            r.id
        )));
    }
    match index {
        Some(i) => {
            check_index(i, rules.len())?;
            let old = std::mem::take(&mut rules[i]);
            rules[i] = rule_table(r, old);
        }
        None => {
            let t = rule_table(r, Table::new());
            let at = match r.action {
                ActionView::Disqualify { .. } => {
                    rules.iter().rposition(is_disqualify).map_or(0, |i| i + 1)
                }
                ActionView::Route { .. } => rules.len(),
            };
            rules.insert(at, t);
        }
    }
    put_rules(doc, rules);
    Ok(())
}
