//! The replay compiled to SQL (issue 13): one query that decides every lead of the leads table
//! under a baseline and a draft, joins what happened (the outcomes table or the roles' columns)
//! and returns the figures of `replay --json` — both policies' metrics, the unresolved queue, the
//! flip matrix and the breakdowns by source, campaign and form — computed in the engine. No lead
//! row leaves it.
//!
//! The result is long: one row per figure, `(breakdown, grp, policy, metric, key, sub, value)`.
//! `breakdown` is `''` for the whole table (else `source`, `campaign` or `form`, with `grp` the
//! group); `metric` is a key of the metrics (`accepted`, `later_converted_by_reason`, …),
//! `unresolved_queue.total` / `.by_reason` / `.by_source` / `.by_campaign` / `.by_form`,
//! `flips.matrix` or `flips.flipped`; `key` a map key (a reason, rule, route, decision, source …)
//! and `sub` a second one (`leads`, `median`, `p90` of a route's routing time; the draft's
//! decision in the flip matrix). Ratios are computed in doubles as the engine does; a zero
//! denominator is `NULL`. Map entries that are zero are left out, as in `replay --json`; a
//! metric whose role is not mapped has no row. [`super::rows`] reads the rows back into a
//! [`crate::replay::Replay`].

use super::{Compiler, Dialect, Layers, Target};
use crate::error::Error;
use crate::policy::reason::Review;
use crate::policy::{Policy, Role};

/// The breakdowns, with the role each reads.
pub const BREAKDOWNS: [Role; 3] = [Role::Source, Role::Campaign, Role::Form];
const DECISIONS: [&str; 5] = [
    "accepted",
    "nurture",
    "rejected",
    "unresolved",
    "out_of_scope",
];

/// What happened to each lead, as SQL over layer z (after the join with the outcomes), where the
/// dataset maps it.
struct Happened {
    conv: Option<String>,
    seller: Option<String>,
    meeting: Option<String>,
    hist: Option<String>,
    touch: Option<String>,
    err: Option<String>,
    err_source: String,
    groups: [String; 3],
    /// Which breakdowns the dataset has (the unresolved queue is split by all three).
    present: [bool; 3],
}

/// `CASE WHEN cell IN (list) THEN 'label' …` over the labels whose lists are not empty; NULL
/// for a cell in no list.
fn category(d: Dialect, cell: &str, lists: &[(&str, &Vec<String>)]) -> String {
    let whens: Vec<String> = lists
        .iter()
        .filter(|(_, l)| !l.is_empty())
        .map(|(label, l)| {
            let values: Vec<String> = l.iter().map(|v| d.text(v)).collect();
            format!(
                "WHEN {cell} IN ({}) THEN {}",
                values.join(", "),
                d.text(label)
            )
        })
        .collect();
    if whens.is_empty() {
        d.cast_text("NULL")
    } else {
        format!("CASE {} END", whens.join(" "))
    }
}

impl Compiler<'_> {
    /// The roles a replay reads, added to the columns; the outcomes table's join, when the
    /// mapping has one, as the `ok` table expression.
    fn happened(&mut self) -> Result<(Happened, Option<String>), Error> {
        let d = self.d;
        let roles = &self.t.mapping.file.roles;
        let text_of_role = |c: &mut Self, role: Role| -> Result<Option<String>, Error> {
            match c.t.ds.role(role) {
                Some(name) => {
                    let name = name.to_string();
                    c.text_of(&name).map(Some)
                }
                None => Ok(None),
            }
        };
        // A flag role: the cell is one of its `true` values (a missing cell is not).
        let flag = |cell: &str, role: &crate::dataset::mapping::FlagRole| {
            let values: Vec<String> = role.truthy.iter().map(|v| d.text(v)).collect();
            format!("COALESCE({cell} IN ({}), FALSE)", values.join(", "))
        };
        let mut ok = None;
        let conv = match (&self.t.mapping.file.dataset.outcomes, &roles.converted) {
            (Some(o), _) => {
                if o.separator.as_deref().is_some_and(|s| !s.is_empty()) {
                    return Err(Error::Usage(
                        "the outcomes key lists several leads per cell (`separator`); the compiled replay reads one lead per row: split the cells into rows in the warehouse first".into(),
                    ));
                }
                let key = d.trim(&d.cast_text(&d.ident(o.key.get_ref().trim())));
                ok = Some(format!(
                    "ok AS (\n  SELECT DISTINCT k FROM (SELECT {key} AS k FROM {table}) o\n  WHERE k IS NOT NULL AND k NOT IN ({missing})\n)",
                    table = d.ident(self.t.outcomes_table),
                    missing = self.missing_list(),
                ));
                Some("(ok.k IS NOT NULL)".to_string())
            }
            (None, Some(f)) => text_of_role(self, Role::Converted)?.map(|t| flag(&t, f)),
            (None, None) => None,
        };
        let seller = match &roles.seller_outcome {
            Some(r) => text_of_role(self, Role::SellerOutcome)?.map(|t| {
                category(
                    d,
                    &t,
                    &[("accepted", &r.accepted), ("sent_back", &r.sent_back)],
                )
            }),
            None => None,
        };
        let meeting = match &roles.meeting {
            Some(r) => text_of_role(self, Role::Meeting)?
                .map(|t| category(d, &t, &[("held", &r.held), ("no_show", &r.no_show)])),
            None => None,
        };
        let hist = match &roles.historical_decision {
            Some(r) => text_of_role(self, Role::HistoricalDecision)?.map(|t| {
                category(
                    d,
                    &t,
                    &[
                        ("accepted", &r.accepted),
                        ("rejected", &r.rejected),
                        ("nurture", &r.nurture),
                        ("unresolved", &r.unresolved),
                    ],
                )
            }),
            None => None,
        };
        // First touch counts only as a number column, as in the engine.
        let touch = match self.t.ds.first_touch() {
            Some(name) => {
                let name = name.to_string();
                Some(self.cols.add(self.t.ds, &name)?)
            }
            None => None,
        };
        let err = match &roles.enrichment_error {
            Some(f) => text_of_role(self, Role::EnrichmentError)?.map(|t| flag(&t, f)),
            None => None,
        };
        let missing_group = d.text(crate::replay::MISSING_GROUP);
        let group = |t: Option<String>| {
            t.map_or_else(
                || missing_group.clone(),
                |t| format!("COALESCE({t}, {missing_group})"),
            )
        };
        let err_source = group(text_of_role(self, Role::EnrichmentSource)?);
        let mut groups: [String; 3] = Default::default();
        let mut present = [false; 3];
        for (k, role) in BREAKDOWNS.iter().enumerate() {
            let t = text_of_role(self, *role)?;
            present[k] = t.is_some();
            groups[k] = group(t);
        }
        Ok((
            Happened {
                conv,
                seller,
                meeting,
                hist,
                touch,
                err,
                err_source,
                groups,
                present,
            },
            ok,
        ))
    }
}

/// Where a figure's row says it belongs: its group (`breakdown`, `grp`), or the whole table
/// (`''`, `''`: the unresolved queue and the flips, whichever group they were read from).
#[derive(Clone, Copy, PartialEq)]
enum At {
    Groups,
    Whole,
}

/// One figure: read from each row of `a` that `filter` keeps.
struct Figure {
    at: At,
    policy: String,
    metric: String,
    /// The map key: a literal, or the group's value (`None` with `key_is_group`).
    key: Option<String>,
    key_is_group: bool,
    sub: Option<String>,
    value: String,
    filter: String,
}

/// Sums over the leads of a group, one column each, and the figures that read them.
struct Figures {
    d: Dialect,
    sums: Vec<String>,
    figures: Vec<Figure>,
}

impl Figures {
    /// A column counting the leads where `cond` holds; its name.
    fn count(&mut self, cond: &str) -> String {
        let name = format!("m{}", self.sums.len());
        self.sums
            .push(format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {name}"));
        name
    }

    fn double(&self, e: &str) -> String {
        self.d.cast_double(e)
    }

    fn ratio(&self, num: &str, den: &str) -> String {
        format!(
            "CASE WHEN {den} > 0 THEN {} / {} END",
            self.double(num),
            self.double(den)
        )
    }

    /// A figure per group of `a` that `filter` keeps.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        at: At,
        policy: &str,
        metric: &str,
        key: Option<&str>,
        sub: Option<&str>,
        value: &str,
        filter: &str,
    ) {
        self.figures.push(Figure {
            at,
            policy: policy.to_string(),
            metric: metric.to_string(),
            key: key.map(str::to_string),
            key_is_group: false,
            sub: sub.map(str::to_string),
            value: value.to_string(),
            filter: filter.to_string(),
        });
    }

    /// Every figure from one read of `a`: joined with a table of the figures (its number and
    /// labels), the value and the filter picked by number. One reference to `a` whatever the
    /// number of figures (Spark would plan the aggregate again for each).
    fn select(&self) -> String {
        let d = self.d;
        let lit = |v: &Option<String>| {
            v.as_ref()
                .map_or_else(|| d.cast_text("NULL"), |v| d.text(v))
        };
        let labels: Vec<String> = self
            .figures
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let whole = i32::from(f.at == At::Whole);
                let by_group = i32::from(f.key_is_group);
                format!(
                    "SELECT {i} AS i, {whole} AS whole, {by_group} AS by_group, {} AS policy, {} AS metric, {} AS key, {} AS sub",
                    d.text(&f.policy),
                    d.text(&f.metric),
                    lit(&f.key),
                    lit(&f.sub)
                )
            })
            .collect();
        let pick = |what: &dyn Fn(&Figure) -> &str| -> String {
            let whens: Vec<String> = self
                .figures
                .iter()
                .enumerate()
                .map(|(i, f)| format!("WHEN {i} THEN {}", what(f)))
                .collect();
            format!("CASE f.i\n    {}\n  END", whens.join("\n    "))
        };
        format!(
            "SELECT CASE WHEN f.whole = 1 THEN '' ELSE gk END AS breakdown,\n  CASE WHEN f.whole = 1 THEN '' ELSE gv END AS grp,\n  f.policy, f.metric,\n  CASE WHEN f.by_group = 1 THEN gv ELSE f.key END AS key,\n  f.sub,\n  {value} AS value\nFROM a CROSS JOIN (\n  {labels}\n) f\nWHERE {filter}",
            value = pick(&|f| &f.value),
            labels = labels.join("\n  UNION ALL "),
            filter = pick(&|f| &f.filter),
        )
    }
}

/// Compile the replay of `baseline` against `draft` for `dialect`: one query returning every
/// figure of `replay --json` (without the flipped leads themselves) as rows. Both policies must
/// be valid for the dataset.
pub fn compile_replay(
    baseline: &Policy,
    draft: &Policy,
    t: &Target<'_>,
    dialect: Dialect,
) -> Result<String, Error> {
    let d = dialect;
    let mut c = Compiler::new(t, d);
    let b = c.policy(baseline, "b_")?;
    let dr = c.policy(draft, "d_")?;
    let (h, ok) = c.happened()?;
    let layers = c.layers(&[&b, &dr])?;
    let sides: [(&str, &Layers); 2] = [("baseline", &b), ("draft", &dr)];

    // Layer w: per lead, what happened and each policy's decision with its rule and reasons.
    let mut w = vec![
        format!("{} AS g_source", h.groups[0]),
        format!("{} AS g_campaign", h.groups[1]),
        format!("{} AS g_form", h.groups[2]),
        format!("{} AS err_source", h.err_source),
    ];
    let opt = |name: &str, sql: &Option<String>| sql.as_ref().map(|s| format!("{s} AS {name}"));
    w.extend(
        [
            opt("conv", &h.conv),
            opt("seller", &h.seller),
            opt("meeting", &h.meeting),
            opt("hist", &h.hist),
            opt("touch", &h.touch),
            opt("err", &h.err),
        ]
        .into_iter()
        .flatten(),
    );
    for (_, l) in sides {
        let n = |s: &str| l.name(s);
        for (name, sql) in l.record() {
            if matches!(name.as_str(), "rule" | "reason" | "route" | "sla_minutes") {
                w.push(format!("{sql} AS {}", n(&format!("rec_{name}"))));
            }
        }
        w.push(format!(
            "CASE WHEN {} = 'unresolved' AND {} IS NULL THEN {} END AS {}",
            n("decision"),
            n("gate"),
            l.after_gate(),
            n("ureason")
        ));
        // Only what the figures read passes on: the decision, whether the gate stopped the
        // lead and which of its checks failed (not the raw cells, nor every rule's test).
        w.push(format!("z.{}", n("decision")));
        w.push(format!("z.{}", n("gate")));
        w.extend(l.gate.iter().map(|(test, _)| format!("z.{test}")));
    }
    let join = if ok.is_some() {
        "z LEFT JOIN ok ON z.lead_id = ok.k"
    } else {
        "z"
    };
    let mut ctes = vec![layers];
    ctes.extend(ok);
    ctes.push(format!(
        "w {} (\n  SELECT {}\n  FROM {join}\n)",
        d.layer(),
        w.join(",\n    ")
    ));
    // Layer g: every lead once for the whole table and once in each of its groups, by a join
    // with a four-row table so that the layers above are read once (Spark inlines a table
    // expression at every reference).
    let dims = std::iter::once("''".to_string())
        .chain(BREAKDOWNS.iter().map(|dim| d.text(dim.as_str())))
        .collect::<Vec<_>>();
    let gv = BREAKDOWNS
        .iter()
        .map(|dim| format!("WHEN {} THEN g_{dim}", d.text(dim.as_str())))
        .collect::<Vec<_>>()
        .join(" ");
    ctes.push(format!(
        "g AS (\n  SELECT k.gk, CASE k.gk {gv} ELSE '' END AS gv, w.*\n  FROM w CROSS JOIN ({}) k\n)",
        keys_table("gk", &dims)
    ));

    let mut fig = Figures {
        d,
        sums: vec!["COUNT(*) AS leads".into()],
        figures: Vec::new(),
    };
    let mut kept = vec!["gk = ''".to_string()];
    for (k, dim) in BREAKDOWNS.iter().enumerate() {
        if h.present[k] {
            kept.push(format!("gk = {}", d.text(dim.as_str())));
        }
    }
    let kept = format!("({})", kept.join(" OR "));
    let groups_cols = "gk AS breakdown, gv AS grp";
    let whole = "gk = ''";
    for (policy, l) in sides {
        let n = |s: &str| l.name(s);
        let dec = n("decision");
        let is = |x: &str| format!("{dec} = '{x}'");
        let count_row = |fig: &mut Figures, metric: &str, cond: &str| {
            let m = fig.count(cond);
            let v = fig.double(&m);
            fig.row(At::Groups, policy, metric, None, None, &v, &kept);
        };
        let v = fig.double("leads");
        fig.row(At::Groups, policy, "leads", None, None, &v, &kept);
        count_row(&mut fig, "in_scope", &format!("{dec} <> 'out_of_scope'"));
        let mut by_decision = Vec::new();
        for x in DECISIONS {
            let m = fig.count(&is(x));
            let v = fig.double(&m);
            fig.row(At::Groups, policy, x, None, None, &v, &kept);
            by_decision.push(m);
        }
        let unresolved = by_decision[3].clone();
        // The unresolved queue: its total and reasons over every lead, its groups from the
        // breakdowns' unresolved counts (all three, mapped or not).
        let v = fig.double(&unresolved);
        fig.row(
            At::Whole,
            policy,
            "unresolved_queue.total",
            None,
            None,
            &v,
            whole,
        );
        for dim in BREAKDOWNS {
            fig.figures.push(Figure {
                at: At::Whole,
                policy: policy.to_string(),
                metric: format!("unresolved_queue.by_{dim}"),
                key: None,
                key_is_group: true,
                sub: None,
                value: fig.double(&unresolved),
                filter: format!("gk = {} AND {unresolved} > 0", d.text(dim.as_str())),
            });
        }
        // Each reason slot: disqualification reasons count rejected leads, the others unresolved
        // ones (the queue's reasons); with or without a conversion.
        let rejected: Vec<(String, String)> = l
            .reasons
            .iter()
            .map(|code| {
                let cond = format!(
                    "{} AND {} = {}",
                    is("rejected"),
                    n("rec_reason"),
                    d.text(code)
                );
                (code.clone(), cond)
            })
            .collect();
        let unresolved_slots: Vec<(String, String)> = l
            .gate
            .iter()
            .map(|(test, reason)| {
                let cond = format!(
                    "{} AND {} IS NOT NULL AND {test}",
                    is("unresolved"),
                    n("gate")
                );
                (reason.clone(), cond)
            })
            .chain(Review::AFTER_GATE.iter().map(|r| {
                let code = r.code();
                let cond = format!("{} = '{code}'", n("ureason"));
                (code, cond)
            }))
            .collect();
        for (reason, cond) in &unresolved_slots {
            let m = fig.count(cond);
            let v = fig.double(&m);
            fig.row(
                At::Whole,
                policy,
                "unresolved_queue.by_reason",
                Some(reason),
                None,
                &v,
                &format!("{whole} AND {m} > 0"),
            );
        }
        if h.conv.is_some() {
            count_row(
                &mut fig,
                "later_converted",
                &format!("conv AND {dec} IN ('nurture', 'rejected', 'unresolved')"),
            );
            for (reason, cond) in rejected.iter().chain(&unresolved_slots) {
                let m = fig.count(&format!("conv AND {cond}"));
                let v = fig.double(&m);
                fig.row(
                    At::Groups,
                    policy,
                    "later_converted_by_reason",
                    Some(reason),
                    None,
                    &v,
                    &format!("{kept} AND {m} > 0"),
                );
            }
            for rule in &l.nurture_rules {
                let m = fig.count(&format!(
                    "conv AND {} AND {} = {}",
                    is("nurture"),
                    n("rec_rule"),
                    d.text(rule)
                ));
                let v = fig.double(&m);
                fig.row(
                    At::Groups,
                    policy,
                    "later_converted_by_rule",
                    Some(rule),
                    None,
                    &v,
                    &format!("{kept} AND {m} > 0"),
                );
            }
            let num = fig.count(&format!("{} AND NOT conv", is("rejected")));
            let v = fig.ratio(&num, &by_decision[2]);
            fig.row(
                At::Groups,
                policy,
                "disqualification_accuracy",
                None,
                None,
                &v,
                &kept,
            );
            for (k, x) in DECISIONS[..4].iter().enumerate() {
                let num = fig.count(&format!("conv AND {}", is(x)));
                let v = fig.ratio(&num, &by_decision[k]);
                fig.row(
                    At::Groups,
                    policy,
                    "conversion_rate",
                    Some(x),
                    None,
                    &v,
                    &kept,
                );
            }
        }
        if h.seller.is_some() {
            let num = fig.count(&format!("{} AND seller = 'accepted'", is("accepted")));
            let den = fig.count(&format!(
                "{} AND seller IN ('accepted', 'sent_back')",
                is("accepted")
            ));
            let v = fig.ratio(&num, &den);
            fig.row(
                At::Groups,
                policy,
                "seller_acceptance",
                None,
                None,
                &v,
                &kept,
            );
        }
        let low_fit: Vec<&str> = [
            h.seller.as_ref().map(|_| "seller = 'sent_back'"),
            h.meeting.as_ref().map(|_| "meeting = 'no_show'"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !low_fit.is_empty() {
            count_row(
                &mut fig,
                "low_fit_handoffs",
                &format!("{} AND ({})", is("accepted"), low_fit.join(" OR ")),
            );
        }
        if h.hist.is_some() {
            let known = format!("hist IS NOT NULL AND {dec} <> 'out_of_scope'");
            let num = fig.count(&format!("{known} AND hist <> {dec}"));
            let den = fig.count(&known);
            let v = fig.ratio(&num, &den);
            fig.row(At::Groups, policy, "override_rate", None, None, &v, &kept);
        }
        if h.touch.is_some() {
            let known = format!(
                "{} AND touch IS NOT NULL AND {} IS NOT NULL",
                is("accepted"),
                n("rec_sla_minutes")
            );
            let num = fig.count(&format!("{known} AND touch > {}", n("rec_sla_minutes")));
            let den = fig.count(&known);
            let v = fig.ratio(&num, &den);
            fig.row(At::Groups, policy, "sla_breach_rate", None, None, &v, &kept);
        }
        if h.err.is_some() {
            count_row(
                &mut fig,
                "enrichment_errors",
                &format!("err AND {dec} <> 'out_of_scope'"),
            );
        }
    }
    // The flip matrix, out_of_scope included, and the leads that flipped.
    let mut cells = Vec::new();
    for x in DECISIONS {
        for y in DECISIONS {
            let m = fig.count(&format!("b_decision = '{x}' AND d_decision = '{y}'"));
            cells.push((x, y, m));
        }
    }
    for (x, y, m) in cells {
        let v = fig.double(&m);
        fig.row(At::Whole, "", "flips.matrix", Some(x), Some(y), &v, whole);
    }
    let m = fig.count("b_decision <> d_decision");
    let v = fig.double(&m);
    fig.row(At::Whole, "", "flips.flipped", None, None, &v, whole);
    ctes.push(format!(
        "a AS (\n  SELECT gk, gv,\n    {}\n  FROM g\n  GROUP BY gk, gv\n)",
        fig.sums.join(",\n    ")
    ));

    // Per route, minutes to the first touch of accepted leads (nearest rank); enrichment errors
    // per source. Both over groups of the leads, so they are their own table expressions.
    let mut rows = vec![fig.select()];
    let mut tail_ctes = Vec::new();
    // Each lead of each group once per policy, with that policy's decision: a join with a
    // two-row table, for the same reason as layer g.
    let per_policy = |cols: &[&str], plain: &str, filter: &str| -> String {
        let pick = |col: &str| {
            format!(
                "CASE p.policy WHEN 'baseline' THEN {} ELSE {} END AS {col}",
                b.name(col),
                dr.name(col)
            )
        };
        let cols: Vec<String> = cols.iter().map(|c| pick(c)).collect();
        format!(
            "SELECT * FROM (\n    SELECT gk, gv, p.policy, {}, {plain}\n    FROM g CROSS JOIN ({}) p\n    WHERE {kept}\n  ) q WHERE {filter}",
            cols.join(", "),
            keys_table("policy", &[d.text("baseline"), d.text("draft")]),
        )
    };
    if h.touch.is_some() {
        let rank = |q: f64| {
            format!(
                "MAX(CASE WHEN rn = CEIL({} * n) THEN touch END)",
                d.number(q)
            )
        };
        let picks = per_policy(
            &["decision", "rec_route"],
            "touch",
            "decision = 'accepted' AND touch IS NOT NULL AND rec_route IS NOT NULL",
        );
        tail_ctes.push(format!(
            "rt AS (\n  SELECT gk, gv, policy, rec_route AS route, COUNT(*) AS n, {median} AS median, {p90} AS p90 FROM (\n    SELECT r.*, ROW_NUMBER() OVER (PARTITION BY gk, gv, policy, rec_route ORDER BY touch) AS rn, COUNT(*) OVER (PARTITION BY gk, gv, policy, rec_route) AS n\n    FROM ({picks}) r\n  ) s\n  GROUP BY gk, gv, policy, rec_route\n)",
            median = rank(0.5),
            p90 = rank(0.9),
        ));
        rows.push(format!(
            "SELECT {groups_cols}, policy, 'routing_time' AS metric, route AS key, t.sub,\n  CASE t.sub WHEN 'leads' THEN {n} WHEN 'median' THEN median ELSE p90 END AS value\nFROM rt CROSS JOIN ({subs}) t",
            n = d.cast_double("n"),
            subs = keys_table("sub", &["leads", "median", "p90"].map(|x| d.text(x))),
        ));
    }
    if h.err.is_some() {
        let picks = per_policy(
            &["decision"],
            "err, err_source",
            "err AND decision <> 'out_of_scope'",
        );
        tail_ctes.push(format!(
            "es AS (\n  SELECT gk, gv, policy, err_source, COUNT(*) AS n FROM ({picks}) e\n  GROUP BY gk, gv, policy, err_source\n)",
        ));
        rows.push(format!(
            "SELECT {groups_cols}, policy, 'enrichment_errors_by_source' AS metric, err_source AS key, {null} AS sub, {v} AS value FROM es",
            null = d.cast_text("NULL"),
            v = d.cast_double("n"),
        ));
    }
    ctes.extend(tail_ctes);
    Ok(format!(
        "-- The replay of policy `{bid}` v{bv} (baseline) against `{did}` v{dv} (draft), compiled by leadpolicy for {dialect}.\n\
         -- One row per figure of `leadpolicy replay --json`: (breakdown, grp, policy, metric, key, sub, value).\n\
         {ctes}\n{rows}",
        bid = baseline.id,
        bv = baseline.version,
        did = draft.id,
        dv = draft.version,
        dialect = d.name(),
        ctes = ctes.join(",\n"),
        rows = rows.join("\nUNION ALL\n"),
    ))
}

/// `SELECT a AS col UNION ALL SELECT b …`: a small table of keys to join with.
fn keys_table(col: &str, values: &[String]) -> String {
    values
        .iter()
        .enumerate()
        .map(|(k, v)| {
            if k == 0 {
                format!("SELECT {v} AS {col}")
            } else {
                format!("SELECT {v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}
