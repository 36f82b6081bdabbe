//! Policies compiled to SQL (design.md, "Compiled to SQL"): one `SELECT` per dialect over the raw
//! leads table — columns named as the export's headers, text or numeric — that returns exactly the
//! decision record of `leadpolicy decide` for every lead: the same trimming, missing tokens,
//! number rule, three-valued logic, decision order, evidence gate, `[otherwise]`, owners and
//! record cells. A `matches` pattern is compiled only where it means the same in the dialect's
//! regex engine; otherwise the compiler refuses it with the rule's location.
//!
//! The query is built in layers of common table expressions:
//! `t0` the cells the policy reads, trimmed of Unicode whitespace; `t1` missing tokens made NULL
//! and number fields cast; `f` every test a decision needs, as booleans (SQL's three-valued
//! `AND` / `OR` / `NOT` are the policy's; a rule fires only when its condition is true); `x` the
//! decision order; then the record.

mod dialect;

use std::collections::BTreeMap;

pub use dialect::Dialect;

use crate::dataset::{Dataset, FieldType};
use crate::diag::{Diagnostic, Diagnostics};
use crate::error::Error;
use crate::policy::{Action, Condition, Literal, OnOverlap, Op, Owner, Policy, RouteKind};

/// A column of the leads table the query reads, under its alias.
struct Column {
    alias: String,
    header: String,
    number: bool,
    /// Also wanted as the text written (an owner field).
    text: bool,
}

/// The columns read, by field name.
struct Columns {
    by_name: BTreeMap<String, usize>,
    list: Vec<Column>,
}

impl Columns {
    fn add(&mut self, ds: &Dataset, name: &str) -> Result<String, Error> {
        if let Some(&k) = self.by_name.get(name) {
            return Ok(self.list[k].alias.clone());
        }
        let info = ds
            .field(name)
            .ok_or_else(|| Error::Usage(format!("`{name}` is not a column of the dataset")))?;
        let alias = format!("c{}", self.list.len());
        self.list.push(Column {
            alias: alias.clone(),
            header: info.header.clone(),
            number: info.ty == FieldType::Number,
            text: false,
        });
        self.by_name.insert(name.to_string(), self.list.len() - 1);
        Ok(alias)
    }
}

/// What the compiler needs besides the policy: the dataset (headers, types, roles) and the
/// mapping's missing tokens.
#[derive(Debug)]
pub struct Target<'a> {
    pub ds: &'a Dataset,
    pub missing: &'a [String],
    pub leads_table: &'a str,
}

struct Compiler<'a> {
    p: &'a Policy,
    t: &'a Target<'a>,
    d: Dialect,
    cols: Columns,
    refused: Diagnostics,
}

impl Compiler<'_> {
    fn literal(&self, l: &Literal) -> String {
        match l {
            Literal::Text(s) => self.d.text(s),
            Literal::Number(n) => self.d.number(*n),
        }
    }

    /// A condition as a SQL boolean (NULL = unknown).
    fn condition(&mut self, c: &Condition) -> Result<String, Error> {
        Ok(match c {
            Condition::Field { field, op, span } => {
                let c = self.cols.add(self.t.ds, &field.name)?;
                let list = |ls: &[Literal]| -> String {
                    ls.iter()
                        .map(|l| self.literal(l))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match op {
                    Op::Eq(l) => format!("({c} = {})", self.literal(l)),
                    Op::Ne(l) => format!("({c} <> {})", self.literal(l)),
                    Op::In(ls) => format!("({c} IN ({}))", list(ls)),
                    Op::NotIn(ls) => format!("({c} NOT IN ({}))", list(ls)),
                    Op::Gt(n) => format!("({c} > {})", self.d.number(*n)),
                    Op::Gte(n) => format!("({c} >= {})", self.d.number(*n)),
                    Op::Lt(n) => format!("({c} < {})", self.d.number(*n)),
                    Op::Lte(n) => format!("({c} <= {})", self.d.number(*n)),
                    Op::Contains(s) => self.d.contains(&c, s),
                    Op::Matches(re) => match self.d.matches(&c, re.as_str()) {
                        Ok(sql) => sql,
                        Err(why) => {
                            self.refused.push(Diagnostic::at(
                                &self.p.source,
                                span.clone(),
                                format!(
                                    "this `matches` pattern cannot be compiled to {}: {why}",
                                    self.d.name()
                                ),
                            ));
                            "NULL".into()
                        }
                    },
                    Op::Missing(true) => format!("({c} IS NULL)"),
                    Op::Missing(false) => format!("({c} IS NOT NULL)"),
                }
            }
            Condition::Signal(s) => {
                let sig = self
                    .p
                    .signal(&s.name)
                    .ok_or_else(|| Error::Usage(format!("signal `{}` is not defined", s.name)))?;
                self.condition(&sig.when)?
            }
            Condition::All(cs) => self.join(cs, "AND")?,
            Condition::Any(cs) => self.join(cs, "OR")?,
            Condition::Not(c) => format!("(NOT {})", self.condition(c)?),
        })
    }

    fn join(&mut self, cs: &[Condition], op: &str) -> Result<String, Error> {
        let parts = cs
            .iter()
            .map(|c| self.condition(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("({})", parts.join(&format!(" {op} "))))
    }

    fn role(&mut self, role: &str) -> Result<Option<String>, Error> {
        match self.t.ds.role(role) {
            Some(name) => {
                let name = name.to_string();
                Ok(Some(self.cols.add(self.t.ds, &name)?))
            }
            None => Ok(None),
        }
    }
}

/// `CASE WHEN a THEN x WHEN b THEN y … END` over (condition, value) pairs; NULL when empty.
fn first_of(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return "NULL".into();
    }
    let whens: Vec<String> = pairs
        .iter()
        .map(|(c, v)| format!("WHEN {c} THEN {v}"))
        .collect();
    format!("CASE {} END", whens.join(" "))
}

/// Compile `p` for `dialect`. The policy must be valid for the dataset (`check_against`).
pub fn compile(p: &Policy, t: &Target<'_>, dialect: Dialect) -> Result<String, Error> {
    let diags = crate::policy::validate::check_against(p, t.ds);
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    let mut c = Compiler {
        p,
        t,
        d: dialect,
        cols: Columns {
            by_name: BTreeMap::new(),
            list: Vec::new(),
        },
        refused: Diagnostics::default(),
    };
    let d = dialect;
    let yes = |cond: &str| format!("COALESCE({cond}, FALSE)");

    // 1. Scope.
    let mut scope = Vec::new();
    for s in &p.scope {
        let col = c.role(s.role.as_str())?.ok_or_else(|| {
            Error::Usage(format!(
                "[scope] reads the `{}` role, which the dataset mapping does not map",
                s.role.as_str()
            ))
        })?;
        let values: Vec<String> = s.values.iter().map(|v| d.text(v)).collect();
        scope.push(format!("({col} IN ({}))", values.join(", ")));
    }
    let in_scope = if scope.is_empty() {
        "TRUE".to_string()
    } else {
        yes(&format!("({})", scope.join(" AND ")))
    };

    // 2. Disqualify and route rules, in decision order.
    let mut tests: Vec<(String, String)> = vec![("s_in".into(), in_scope)];
    let mut dq: Vec<(String, &crate::policy::Rule)> = Vec::new();
    let mut routes: Vec<(String, &crate::policy::Rule)> = Vec::new();
    for (k, r) in p.rules.iter().enumerate() {
        let fire = yes(&c.condition(&r.when)?);
        let name = format!("r{k}");
        tests.push((name.clone(), fire));
        match r.action {
            Action::Disqualify(_) => dq.push((name, r)),
            Action::Route(_) => routes.push((name, r)),
        }
    }

    // 3. The evidence gate, in the contract's order.
    let mut gate: Vec<(String, String)> = Vec::new();
    for (k, f) in p.evidence.required.iter().enumerate() {
        let col = c.cols.add(t.ds, &f.name)?;
        let name = format!("g{k}");
        tests.push((name.clone(), format!("({col} IS NULL)")));
        gate.push((name, format!("missing_field:{}", f.name)));
    }
    if let Some((approved, _)) = &p.evidence.approved_sources {
        let col = c.role("enrichment_source")?.ok_or_else(|| {
            Error::Usage("`approved_sources` needs the `enrichment_source` role".into())
        })?;
        let values: Vec<String> = approved.iter().map(|v| d.text(v)).collect();
        tests.push((
            "g_src".into(),
            format!(
                "NOT {}",
                yes(&format!("({col} IN ({}))", values.join(", ")))
            ),
        ));
        gate.push(("g_src".into(), "unapproved_enrichment_source".into()));
    }
    if let Some((min, _)) = &p.evidence.min_enrichment_confidence {
        let col = c.role("enrichment_confidence")?.ok_or_else(|| {
            Error::Usage(
                "`min_enrichment_confidence` needs the `enrichment_confidence` role".into(),
            )
        })?;
        tests.push((
            "g_conf".into(),
            format!("NOT {}", yes(&format!("({col} >= {})", d.number(*min)))),
        ));
        gate.push(("g_conf".into(), "low_enrichment_confidence".into()));
    }

    // 4. Owners of the routes that read one.
    let mut owner_of: BTreeMap<&str, String> = BTreeMap::new();
    for r in &p.routes {
        let sql = match &r.owner {
            None => "NULL".to_string(),
            Some(Owner::Fixed(s)) => d.text(s),
            Some(Owner::Field { field, fallback }) => {
                let k = c.cols.add(t.ds, &field.name)?;
                if let Some(&i) = c.cols.by_name.get(&field.name) {
                    c.cols.list[i].text = true;
                }
                // The owner is the cell as written (a number field's text, not its value).
                let text = format!("{k}_t");
                match fallback {
                    Some(f) => format!("COALESCE({text}, {})", d.text(f)),
                    None => text,
                }
            }
        };
        owner_of.insert(r.name.as_str(), sql);
    }
    if !c.refused.is_empty() {
        return Err(Error::Invalid(c.refused));
    }

    // Layer t0/t1: the cells.
    let id_header =
        t.ds.field(&t.ds.id)
            .map_or_else(|| t.ds.id.clone(), |f| f.header.clone());
    let mut t0 = vec![format!(
        "{} AS lead_id",
        d.trim(&d.cast_text(&d.ident(&id_header)))
    )];
    let mut t1 = vec!["lead_id".to_string()];
    let missing: Vec<String> = std::iter::once(String::new())
        .chain(t.missing.iter().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|m| d.text(&m))
        .collect();
    let null_if_missing = |v: &str| {
        format!(
            "CASE WHEN {v} IN ({}) THEN NULL ELSE {v} END",
            missing.join(", ")
        )
    };
    for col in &c.cols.list {
        t0.push(format!(
            "{} AS {}",
            d.trim(&d.cast_text(&d.ident(&col.header))),
            col.alias
        ));
        let cell = null_if_missing(&col.alias);
        if col.number {
            t1.push(format!("{} AS {}", d.cast_double(&cell), col.alias));
        } else {
            t1.push(format!("{cell} AS {}", col.alias));
        }
        if col.text {
            t1.push(format!("{cell} AS {}_t", col.alias));
        }
    }

    // Layer x: the decision order.
    let any = |names: &[&String]| -> String {
        if names.is_empty() {
            "FALSE".into()
        } else {
            names
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" OR ")
        }
    };
    let dq_names: Vec<&String> = dq.iter().map(|(n, _)| n).collect();
    let gate_names: Vec<&String> = gate.iter().map(|(n, _)| n).collect();
    let dq_rule = first_of(
        &dq.iter()
            .map(|(n, r)| (n.clone(), d.text(&r.id)))
            .collect::<Vec<_>>(),
    );
    let dq_reason = first_of(
        &dq.iter()
            .map(|(n, r)| {
                let Action::Disqualify(code) = &r.action else {
                    unreachable!("dq holds disqualify rules")
                };
                (n.clone(), d.text(code))
            })
            .collect::<Vec<_>>(),
    );
    let gate_text = if gate.is_empty() {
        "NULL".to_string()
    } else {
        let parts: Vec<String> = gate
            .iter()
            .map(|(n, reason)| {
                format!(
                    "CASE WHEN {n} THEN {} ELSE '' END",
                    d.text(&format!("{reason};"))
                )
            })
            .collect();
        // Each part ends in `;`: drop the last one.
        let all = d.concat(&parts);
        format!(
            "CASE WHEN {} THEN {} END",
            any(&gate_names),
            d.drop_last_char(&all)
        )
    };
    // Distinct routes among the fired rules.
    let mut by_route: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for (n, r) in &routes {
        if let Action::Route(route) = &r.action {
            by_route.entry(route.as_str()).or_default().push(n);
        }
    }
    let n_routes = if by_route.is_empty() {
        "0".to_string()
    } else {
        by_route
            .values()
            .map(|ns| format!("(CASE WHEN {} THEN 1 ELSE 0 END)", any(ns)))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let mut chosen: Vec<(String, String, String)> = routes
        .iter()
        .map(|(n, r)| {
            let Action::Route(route) = &r.action else {
                unreachable!("routes holds route rules")
            };
            (n.clone(), d.text(&r.id), route.clone())
        })
        .collect();
    if let Some(o) = &p.otherwise
        && let Action::Route(route) = &o.action
    {
        chosen.push(("TRUE".into(), d.text("otherwise"), route.clone()));
    }
    let route_rule = first_of(
        &chosen
            .iter()
            .map(|(n, id, _)| (n.clone(), id.clone()))
            .collect::<Vec<_>>(),
    );
    let route_name = first_of(
        &chosen
            .iter()
            .map(|(n, _, route)| (n.clone(), d.text(route)))
            .collect::<Vec<_>>(),
    );
    let overlap = if p.evidence.on_overlap == OnOverlap::Review {
        format!("({n_routes}) > 1")
    } else {
        "FALSE".into()
    };

    // The record, per route: kind, owner, SLA.
    let per_route = |what: &dyn Fn(&crate::policy::Route) -> String| -> String {
        let pairs: Vec<(String, String)> = p
            .routes
            .iter()
            .map(|r| (format!("route = {}", d.text(&r.name)), what(r)))
            .collect();
        first_of(&pairs)
    };
    let kind = per_route(&|r| {
        d.text(match r.kind {
            RouteKind::Sales => "accepted",
            RouteKind::Nurture => "nurture",
        })
    });
    let owner = per_route(&|r| {
        owner_of
            .get(r.name.as_str())
            .cloned()
            .unwrap_or_else(|| "NULL".into())
    });
    let owner_needed = per_route(&|r| {
        match &r.owner {
            Some(Owner::Field { fallback: None, .. }) => "TRUE",
            _ => "FALSE",
        }
        .to_string()
    });
    let sla = per_route(&|r| {
        r.sla_minutes
            .map_or_else(|| d.null_double(), |m| d.number(m))
    });

    let f_cols: Vec<String> = tests
        .iter()
        .map(|(n, sql)| format!("{sql} AS {n}"))
        .collect();
    let sql = format!(
        "-- The decision record of policy `{id}` v{version}, compiled by leadpolicy for {dialect}.\n\
         -- One row per lead of the leads table, in the columns of `leadpolicy decide`.\n\
         WITH t0 AS (\n  SELECT {t0}\n  FROM {table}\n),\n\
         t1 AS (\n  SELECT {t1}\n  FROM t0\n),\n\
         f AS (\n  SELECT t1.*, {f}\n  FROM t1\n),\n\
         x AS (\n  SELECT f.*,\n    {dq_any} AS dq, {dq_rule} AS dq_rule, {dq_reason} AS dq_reason,\n    {gate_text} AS gate,\n    {route_rule} AS route_rule, {route_name} AS route,\n    {overlap} AS overlap\n  FROM f\n),\n\
         y AS (\n  SELECT x.*, {owner} AS owner, {owner_needed} AS owner_needed, {kind} AS kind, {sla} AS sla\n  FROM x\n),\n\
         z AS (\n  SELECT y.*, CASE\n    WHEN NOT s_in THEN 'out_of_scope'\n    WHEN dq THEN 'rejected'\n    WHEN gate IS NOT NULL THEN 'unresolved'\n    WHEN overlap THEN 'unresolved'\n    WHEN route IS NULL THEN 'unresolved'\n    WHEN owner_needed AND owner IS NULL THEN 'unresolved'\n    ELSE kind END AS decision\n  FROM y\n)\n\
         SELECT lead_id, decision,\n  CASE WHEN decision = 'rejected' THEN dq_rule WHEN decision IN ('accepted', 'nurture') THEN route_rule END AS rule,\n  CASE WHEN decision = 'rejected' THEN dq_reason END AS reason,\n  CASE WHEN decision <> 'unresolved' THEN NULL WHEN gate IS NOT NULL THEN gate WHEN overlap THEN 'overlapping_routes' WHEN route IS NULL THEN 'no_rule_matched' ELSE 'no_owner' END AS unresolved_reasons,\n  CASE WHEN decision IN ('accepted', 'nurture') THEN route END AS route,\n  CASE WHEN decision IN ('accepted', 'nurture') THEN owner END AS owner,\n  CASE WHEN decision IN ('accepted', 'nurture') THEN sla END AS sla_minutes\nFROM z",
        id = p.id,
        version = p.version,
        dialect = d.name(),
        t0 = t0.join(",\n    "),
        t1 = t1.join(",\n    "),
        table = d.ident(t.leads_table),
        f = f_cols.join(",\n    "),
        dq_any = any(&dq_names),
    );
    Ok(sql)
}
