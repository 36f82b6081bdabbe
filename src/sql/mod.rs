//! Policies compiled to SQL (docs/semantics.md, "Compiled to SQL"): one `SELECT` per dialect over the raw
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
pub mod postgres;
mod replay;
mod rows;

use std::collections::BTreeMap;

pub use dialect::Dialect;
pub use replay::compile_replay;
pub use rows::{Row, replay_from_rows};

use crate::dataset::mapping::Mapping;
use crate::dataset::{Dataset, FieldType};
use crate::diag::{Diagnostic, Diagnostics};
use crate::error::Error;
use crate::policy::Role;
use crate::policy::reason::Review;
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

/// What the compiler needs besides the policy: the dataset (headers, types, roles), its
/// mapping (missing tokens, role value lists, the outcomes file's key) and the tables' names.
#[derive(Debug)]
pub struct Target<'a> {
    pub ds: &'a Dataset,
    pub mapping: &'a Mapping,
    pub leads_table: &'a str,
    /// The table holding the outcomes file, when the mapping has one.
    pub outcomes_table: &'a str,
}

struct Compiler<'a> {
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
    fn condition(&mut self, p: &Policy, c: &Condition) -> Result<String, Error> {
        Ok(match c {
            Condition::Field {
                field, op, span, ..
            } => {
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
                                &p.source,
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
                let sig = p
                    .signal(&s.name)
                    .ok_or_else(|| Error::Usage(format!("signal `{}` is not defined", s.name)))?;
                self.condition(p, &sig.when)?
            }
            Condition::All(cs) => self.join(p, cs, "AND")?,
            Condition::Any(cs) => self.join(p, cs, "OR")?,
            Condition::Not(c) => format!("(NOT {})", self.condition(p, c)?),
        })
    }

    fn join(&mut self, p: &Policy, cs: &[Condition], op: &str) -> Result<String, Error> {
        let parts = cs
            .iter()
            .map(|c| self.condition(p, c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("({})", parts.join(&format!(" {op} "))))
    }

    fn role(&mut self, role: Role) -> Result<Option<String>, Error> {
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

/// One policy's part of the query, every name prefixed (`b_` and `d_` in a replay, none for
/// `decide`). Each layer is a list of (column, SQL) pairs over the layer before it.
struct Layers {
    prefix: String,
    /// Layer f: scope, every rule and every gate test as a boolean.
    f: Vec<(String, String)>,
    /// Layer x: the decision order's intermediate values.
    x: Vec<(String, String)>,
    /// Layer y: the chosen route's owner, kind and SLA.
    y: Vec<(String, String)>,
    /// Layer z: the decision.
    z: Vec<(String, String)>,
    /// The gate's tests with their reason codes, in the contract's order.
    gate: Vec<(String, String)>,
    /// The disqualification reason codes its rules give, each once, in file order.
    reasons: Vec<String>,
    /// The ids of the rules that can decide a nurture lead.
    nurture_rules: Vec<String>,
}

impl Layers {
    fn name(&self, n: &str) -> String {
        format!("{}{n}", self.prefix)
    }

    /// The decision record's columns over layer z (`rule`, `reason`, … as `decide` writes them).
    fn record(&self) -> Vec<(String, String)> {
        let n = |s: &str| self.name(s);
        let (dec, decided) = (
            n("decision"),
            format!("{} IN ('accepted', 'nurture')", n("decision")),
        );
        vec![
            (
                "rule".into(),
                format!(
                    "CASE WHEN {dec} = 'rejected' THEN {} WHEN {decided} THEN {} END",
                    n("dq_rule"),
                    n("route_rule")
                ),
            ),
            (
                "reason".into(),
                format!("CASE WHEN {dec} = 'rejected' THEN {} END", n("dq_reason")),
            ),
            (
                "unresolved_reasons".into(),
                format!(
                    "CASE WHEN {dec} <> 'unresolved' THEN NULL WHEN {} IS NOT NULL THEN {} ELSE {} END",
                    n("gate"),
                    n("gate"),
                    self.after_gate()
                ),
            ),
            (
                "route".into(),
                format!("CASE WHEN {decided} THEN {} END", n("route")),
            ),
            (
                "owner".into(),
                format!("CASE WHEN {decided} THEN {} END", n("owner")),
            ),
            (
                "sla_minutes".into(),
                format!("CASE WHEN {decided} THEN {} END", n("sla")),
            ),
        ]
    }

    /// The one reason of an unresolved lead that passed the gate.
    fn after_gate(&self) -> String {
        // Codes are plain ASCII words: quoted as they are in every dialect.
        format!(
            "CASE WHEN {} THEN '{}' WHEN {} IS NULL THEN '{}' ELSE '{}' END",
            self.name("overlap"),
            Review::OverlappingRoutes.code(),
            self.name("route"),
            Review::NoRuleMatched.code(),
            Review::NoOwner.code(),
        )
    }
}

impl Compiler<'_> {
    fn new<'a>(t: &'a Target<'a>, d: Dialect) -> Compiler<'a> {
        Compiler {
            t,
            d,
            cols: Columns {
                by_name: BTreeMap::new(),
                list: Vec::new(),
            },
            refused: Diagnostics::default(),
        }
    }

    /// The layers of `p`, its names prefixed with `prefix`. The policy must be valid for the
    /// dataset.
    fn policy(&mut self, p: &Policy, prefix: &str) -> Result<Layers, Error> {
        let diags = crate::policy::validate::check_against(p, self.t.ds);
        if !diags.is_empty() {
            return Err(Error::Invalid(diags));
        }
        let d = self.d;
        let n = |s: &str| format!("{prefix}{s}");
        let yes = |cond: &str| format!("COALESCE({cond}, FALSE)");

        // 1. Scope.
        let mut scope = Vec::new();
        for s in &p.scope {
            let col = self.role(s.role.into())?.ok_or_else(|| {
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
        let mut tests: Vec<(String, String)> = vec![(n("s_in"), in_scope)];
        let mut dq: Vec<(String, &crate::policy::Rule)> = Vec::new();
        let mut routes: Vec<(String, &crate::policy::Rule)> = Vec::new();
        for (k, r) in p.rules.iter().enumerate() {
            let fire = yes(&self.condition(p, &r.when)?);
            let name = n(&format!("r{k}"));
            tests.push((name.clone(), fire));
            match r.action {
                Action::Disqualify(_) => dq.push((name, r)),
                Action::Route(_) => routes.push((name, r)),
            }
        }

        // 3. The evidence gate, in the contract's order.
        let mut gate: Vec<(String, String)> = Vec::new();
        for (k, f) in p.evidence.required.iter().enumerate() {
            let col = self.cols.add(self.t.ds, &f.name)?;
            let name = n(&format!("g{k}"));
            tests.push((name.clone(), format!("({col} IS NULL)")));
            gate.push((name, Review::MissingField(f.name.clone()).code()));
        }
        if let Some((approved, _)) = &p.evidence.approved_sources {
            let col = self.role(Role::EnrichmentSource)?.ok_or_else(|| {
                Error::Usage("`approved_sources` needs the `enrichment_source` role".into())
            })?;
            let values: Vec<String> = approved.iter().map(|v| d.text(v)).collect();
            tests.push((
                n("g_src"),
                format!(
                    "NOT {}",
                    yes(&format!("({col} IN ({}))", values.join(", ")))
                ),
            ));
            gate.push((n("g_src"), Review::UnapprovedEnrichmentSource.code()));
        }
        if let Some((min, _)) = &p.evidence.min_enrichment_confidence {
            let col = self.role(Role::EnrichmentConfidence)?.ok_or_else(|| {
                Error::Usage(
                    "`min_enrichment_confidence` needs the `enrichment_confidence` role".into(),
                )
            })?;
            tests.push((
                n("g_conf"),
                format!("NOT {}", yes(&format!("({col} >= {})", d.number(*min)))),
            ));
            gate.push((n("g_conf"), Review::LowEnrichmentConfidence.code()));
        }

        // 4. Owners of the routes that read one.
        let mut owner_of: BTreeMap<&str, String> = BTreeMap::new();
        for r in &p.routes {
            let sql = match &r.owner {
                None => "NULL".to_string(),
                Some(Owner::Fixed(s)) => d.text(s),
                Some(Owner::Field { field, fallback }) => {
                    // The owner is the cell as written (a number field's text, not its value).
                    let text = self.text_of(&field.name)?;
                    match fallback {
                        Some(f) => format!("COALESCE({text}, {})", d.text(f)),
                        None => text,
                    }
                }
            };
            owner_of.insert(r.name.as_str(), sql);
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
        let mut reasons: Vec<String> = Vec::new();
        let mut dq_rule = Vec::new();
        let mut dq_reason = Vec::new();
        for (name, r) in &dq {
            if let Action::Disqualify(code) = &r.action {
                dq_rule.push((name.clone(), d.text(&r.id)));
                dq_reason.push((name.clone(), d.text(code)));
                if !reasons.contains(code) {
                    reasons.push(code.clone());
                }
            }
        }
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
        let mut chosen: Vec<(String, &crate::policy::Rule, String)> = routes
            .iter()
            .filter_map(|(n, r)| match &r.action {
                Action::Route(route) => Some((n.clone(), *r, route.clone())),
                Action::Disqualify(_) => None,
            })
            .collect();
        if let Some(o) = &p.otherwise
            && let Action::Route(route) = &o.action
        {
            chosen.push(("TRUE".into(), o, route.clone()));
        }
        let nurture_rules = chosen
            .iter()
            .filter(|(_, _, route)| p.route(route).is_some_and(|r| r.kind == RouteKind::Nurture))
            .map(|(_, r, _)| r.id.clone())
            .fold(Vec::new(), |mut v, id| {
                if !v.contains(&id) {
                    v.push(id);
                }
                v
            });
        let route_rule = first_of(
            &chosen
                .iter()
                .map(|(n, r, _)| (n.clone(), d.text(&r.id)))
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

        // Layer y: the record, per route: kind, owner, SLA.
        let route_col = n("route");
        let per_route = |what: &dyn Fn(&crate::policy::Route) -> String| -> String {
            let pairs: Vec<(String, String)> = p
                .routes
                .iter()
                .map(|r| (format!("{route_col} = {}", d.text(&r.name)), what(r)))
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
        let decision = format!(
            "CASE\n    WHEN NOT {s_in} THEN 'out_of_scope'\n    WHEN {dq} THEN 'rejected'\n    WHEN {gate} IS NOT NULL THEN 'unresolved'\n    WHEN {overlap} THEN 'unresolved'\n    WHEN {route} IS NULL THEN 'unresolved'\n    WHEN {needed} AND {owner} IS NULL THEN 'unresolved'\n    ELSE {kind} END",
            s_in = n("s_in"),
            dq = n("dq"),
            gate = n("gate"),
            overlap = n("overlap"),
            route = n("route"),
            needed = n("owner_needed"),
            owner = n("owner"),
            kind = n("kind"),
        );
        Ok(Layers {
            prefix: prefix.to_string(),
            f: tests,
            x: vec![
                (n("dq"), any(&dq_names)),
                (n("dq_rule"), first_of(&dq_rule)),
                (n("dq_reason"), first_of(&dq_reason)),
                (n("gate"), gate_text),
                (n("route_rule"), route_rule),
                (n("route"), route_name),
                (n("overlap"), overlap),
            ],
            y: vec![
                (n("owner"), owner),
                (n("owner_needed"), owner_needed),
                (n("kind"), kind),
                (n("sla"), sla),
            ],
            z: vec![(n("decision"), decision)],
            gate,
            reasons,
            nurture_rules,
        })
    }

    /// The common table expressions `t0` … `z` that decide every lead under each of `policies`:
    /// `WITH t0 AS (…), …, z AS (…)`, without the final `SELECT`.
    fn layers(&self, policies: &[&Layers]) -> Result<String, Error> {
        if !self.refused.is_empty() {
            return Err(Error::Invalid(self.refused.clone()));
        }
        let (d, t) = (self.d, self.t);
        let id_header =
            t.ds.field(&t.ds.id)
                .map_or_else(|| t.ds.id.clone(), |f| f.header.clone());
        let mut t0 = vec![format!(
            "{} AS lead_id",
            d.trim(&d.cast_text(&d.ident(&id_header)))
        )];
        let mut t1 = vec!["lead_id".to_string()];
        let missing = self.missing_list();
        let null_if_missing =
            |v: &str| format!("CASE WHEN {v} IN ({missing}) THEN NULL ELSE {v} END");
        for col in &self.cols.list {
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
        let layer = |name: &str, from: &str, pick: &dyn Fn(&Layers) -> &Vec<(String, String)>| {
            let cols: Vec<String> = policies
                .iter()
                .flat_map(|l| pick(l).iter())
                .map(|(n, sql)| format!("{sql} AS {n}"))
                .collect();
            format!(
                "{name} {as_} (\n  SELECT {from}.*,\n    {}\n  FROM {from}\n)",
                cols.join(",\n    "),
                as_ = d.layer(),
            )
        };
        Ok(format!(
            "WITH t0 AS (\n  SELECT {t0}\n  FROM {table}\n),\nt1 AS (\n  SELECT {t1}\n  FROM t0\n),\n{f},\n{x},\n{y},\n{z}",
            t0 = t0.join(",\n    "),
            t1 = t1.join(",\n    "),
            table = d.ident(t.leads_table),
            f = layer("f", "t1", &|l| &l.f),
            x = layer("x", "f", &|l| &l.x),
            y = layer("y", "x", &|l| &l.y),
            z = layer("z", "y", &|l| &l.z),
        ))
    }

    /// The missing tokens (and `""`) as a SQL list.
    fn missing_list(&self) -> String {
        self.t
            .mapping
            .missing_tokens()
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|m| self.d.text(&m))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A field's cell as written (text, missing = NULL), whatever its type.
    fn text_of(&mut self, name: &str) -> Result<String, Error> {
        let k = self.cols.add(self.t.ds, name)?;
        if let Some(&i) = self.cols.by_name.get(name) {
            self.cols.list[i].text = true;
        }
        Ok(format!("{k}_t"))
    }
}

/// Compile `p` for `dialect`: one `SELECT` returning the decision record of every lead. The
/// policy must be valid for the dataset (`check_against`).
pub fn compile(p: &Policy, t: &Target<'_>, dialect: Dialect) -> Result<String, Error> {
    let mut c = Compiler::new(t, dialect);
    let l = c.policy(p, "")?;
    let record: Vec<String> = l
        .record()
        .into_iter()
        .map(|(n, sql)| format!("{sql} AS {n}"))
        .collect();
    Ok(format!(
        "-- The decision record of policy `{id}` v{version}, compiled by leadpolicy for {dialect}.\n\
         -- One row per lead of the leads table, in the columns of `leadpolicy decide`.\n\
         {layers}\n\
         SELECT lead_id, decision,\n  {record}\nFROM z",
        id = p.id,
        version = p.version,
        dialect = dialect.name(),
        layers = c.layers(&[&l])?,
        record = record.join(",\n  "),
    ))
}

/// The name of a policy version's view: `leadpolicy_<id>_v<version>`, in lowercase letters,
/// digits and `_` so that every dialect takes it unquoted.
pub fn view_name(p: &Policy) -> String {
    let id: String =
        p.id.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
    format!("leadpolicy_{id}_v{}", p.version)
}

/// `CREATE OR REPLACE VIEW leadpolicy_<id>_v<version> AS` the decision record of `p`: what an
/// export carries beside the policy file, so that a warehouse decides with the approved version.
pub fn view(p: &Policy, t: &Target<'_>, dialect: Dialect) -> Result<String, Error> {
    Ok(format!(
        "CREATE OR REPLACE VIEW {} AS\n{}",
        view_name(p),
        compile(p, t, dialect)?
    ))
}
