//! The policy TOML reader: walks the spanned TOML tree, builds the model and records every
//! problem with its location instead of stopping at the first one; names are then resolved
//! across sections by `resolve`.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::resolve::check_references;
use super::*;
use crate::diag::{Diagnostic, Diagnostics, Source, closest, list_names};

type Entry<'a, 'i> = (
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
);

const FIELD_OPS: [&str; 11] = [
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "matches", "missing",
];
const COMBINATORS: [&str; 4] = ["signal", "all", "any", "not"];

/// Parse and statically validate a policy. Returns every problem found.
pub fn parse(source: Source) -> Result<Policy, Diagnostics> {
    let mut r = Reader {
        src: &source,
        diags: Diagnostics::default(),
        rule_ids: Vec::new(),
        leaves: 0,
    };
    let doc = match DeTable::parse(&source.text) {
        Ok(doc) => doc,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim_end_matches('\n').to_string();
            r.diags.push(
                Diagnostic::at(&source, span, format!("invalid TOML: {msg}")).with_hint(
                    "the file must be valid TOML; fix this first, then run the check again",
                ),
            );
            return Err(r.diags);
        }
    };
    if get(doc.get_ref(), "dataset").is_some() && get(doc.get_ref(), "policy").is_none() {
        r.diags.push(
            Diagnostic::at(&source, 0..0, "this is a dataset mapping, not a policy").with_hint(
                "pass it with --dataset; a policy starts with [policy] (`leadpolicy policy new --dataset <mapping>` writes one)",
            ),
        );
        return Err(r.diags);
    }
    let policy = r.policy(doc.get_ref());
    match policy {
        Some(p) if r.diags.is_empty() => {
            let mut diags = r.diags;
            check_references(&p, &mut diags);
            if diags.is_empty() { Ok(p) } else { Err(diags) }
        }
        Some(p) => {
            let mut diags = r.diags;
            check_references(&p, &mut diags);
            Err(diags)
        }
        None => Err(r.diags),
    }
}

struct Reader<'s> {
    src: &'s Source,
    diags: Diagnostics,
    /// Ids of every rule seen, valid or not, for the duplicate check.
    rule_ids: Vec<(String, Span)>,
    /// The next field comparison's [`LeafId`].
    leaves: u32,
}

impl Reader<'_> {
    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::at(self.src, span, msg));
    }
    fn err_hint(&mut self, span: Span, msg: impl Into<String>, hint: impl Into<String>) {
        self.diags
            .push(Diagnostic::at(self.src, span, msg).with_hint(hint));
    }

    /// Report keys of `table` that are not in `known`.
    fn known_keys(&mut self, table: &DeTable<'_>, known: &[&str], context: &str) {
        for (k, _) in table.iter() {
            let key = k.get_ref().as_ref();
            if !known.contains(&key) {
                let hint = match closest(key, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("{context} takes {}", list_names(known)),
                };
                self.err_hint(k.span(), format!("unknown key `{key}` in {context}"), hint);
            }
        }
    }

    fn text(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.err(
                    v.span(),
                    format!("{what} must be text, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn number(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<f64> {
        match number_of(v.get_ref()) {
            Some(n) => Some(n),
            None => {
                let found = describe(v.get_ref());
                self.err(v.span(), format!("{what} must be a number, found {found}"));
                None
            }
        }
    }

    fn names(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Vec<Named> {
        let Some(arr) = self.array(v, what) else {
            return Vec::new();
        };
        arr.iter()
            .filter_map(|item| {
                self.text(item, &format!("each entry of {what}"))
                    .map(|name| Named {
                        name,
                        span: item.span(),
                    })
            })
            .collect()
    }

    fn array<'a, 'i>(
        &mut self,
        v: &'a Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<&'a [Spanned<DeValue<'i>>]> {
        match v.get_ref() {
            DeValue::Array(a) => Some(&a[..]),
            other => {
                self.err(
                    v.span(),
                    format!("{what} must be a list, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn table<'a, 'i>(
        &mut self,
        v: &'a Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<&'a DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.err(
                    v.span(),
                    format!("{what} must be a table, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn policy(&mut self, doc: &DeTable<'_>) -> Option<Policy> {
        self.known_keys(
            doc,
            &[
                "policy",
                "scope",
                "fields",
                "evidence",
                "signals",
                "reasons",
                "routes",
                "rules",
                "otherwise",
            ],
            "a policy file",
        );
        let mut id = None;
        let mut name = None;
        let mut version = 1;
        let mut version_span = None;
        let mut description = None;
        match get(doc, "policy") {
            Some((_, v)) => {
                if let Some(t) = self.table(v, "[policy]") {
                    self.known_keys(t, &["id", "name", "version", "description"], "[policy]");
                    id = get(t, "id").and_then(|(_, v)| self.text(v, "policy id"));
                    name = get(t, "name").and_then(|(_, v)| self.text(v, "policy name"));
                    description =
                        get(t, "description").and_then(|(_, v)| self.text(v, "description"));
                    if let Some((_, v)) = get(t, "version") {
                        match v.get_ref() {
                            DeValue::Integer(i) => {
                                match i64::from_str_radix(i.as_str(), i.radix()) {
                                    Ok(n) => {
                                        version = n;
                                        version_span = Some(v.span());
                                    }
                                    Err(_) => self.err(v.span(), "version is out of range"),
                                }
                            }
                            other => self.err(
                                v.span(),
                                format!(
                                    "version must be a whole number, found {}",
                                    other.type_str()
                                ),
                            ),
                        }
                    }
                    if id.is_none() && get(t, "id").is_none() {
                        self.err_hint(
                            0..0,
                            "[policy] has no `id`",
                            "add `id = \"…\"` under [policy]",
                        );
                    }
                }
            }
            None => self.err_hint(
                0..0,
                "the file has no [policy] section",
                "start the file with [policy] and an `id`, `name` and `version`",
            ),
        }

        let scope = match get(doc, "scope") {
            Some((_, v)) => self.scope(v),
            None => Vec::new(),
        };

        let (mut allowed, mut sensitive) = (Vec::new(), Vec::new());
        if let Some((_, v)) = get(doc, "fields")
            && let Some(t) = self.table(v, "[fields]")
        {
            self.known_keys(t, &["allowed", "sensitive"], "[fields]");
            if let Some((_, v)) = get(t, "allowed") {
                allowed = self.names(v, "[fields] allowed");
            }
            if let Some((_, v)) = get(t, "sensitive") {
                sensitive = self.names(v, "[fields] sensitive");
            }
        }

        let mut evidence = Evidence::default();
        if let Some((_, v)) = get(doc, "evidence")
            && let Some(t) = self.table(v, "[evidence]")
        {
            self.known_keys(
                t,
                &[
                    "required",
                    "approved_sources",
                    "min_enrichment_confidence",
                    "on_overlap",
                ],
                "[evidence]",
            );
            if let Some((_, v)) = get(t, "required") {
                evidence.required = self.names(v, "[evidence] required");
            }
            if let Some((_, v)) = get(t, "approved_sources") {
                let sources: Vec<String> = self
                    .names(v, "[evidence] approved_sources")
                    .into_iter()
                    .map(|n| n.name)
                    .collect();
                if matches!(v.get_ref(), DeValue::Array(a) if a.is_empty()) {
                    self.err_hint(
                        v.span(),
                        "[evidence] approved_sources is empty: no lead could pass the gate",
                        "list the enrichment providers whose data may be used, e.g. [\"clearbit\", \"zoominfo\"], or remove the key to accept any source",
                    );
                } else if !sources.is_empty() {
                    evidence.approved_sources = Some((sources, v.span()));
                }
            }
            if let Some((_, v)) = get(t, "min_enrichment_confidence")
                && let Some(n) = self.number(v, "min_enrichment_confidence")
            {
                if (0.0..=1.0).contains(&n) {
                    evidence.min_enrichment_confidence = Some((n, v.span()));
                } else {
                    self.err_hint(
                        v.span(),
                        format!("min_enrichment_confidence `{n}` is outside 0..1"),
                        "enrichment confidence is a share between 0 and 1, e.g. 0.6",
                    );
                }
            }
            if let Some((_, v)) = get(t, "on_overlap")
                && let Some(s) = self.text(v, "on_overlap")
            {
                match s.as_str() {
                    "review" => evidence.on_overlap = OnOverlap::Review,
                    "first" => evidence.on_overlap = OnOverlap::First,
                    _ => self.err_hint(
                        v.span(),
                        format!("unknown on_overlap `{s}`"),
                        "use \"review\" (send overlaps to manual review) or \"first\"",
                    ),
                }
            }
        }

        let mut signals = Vec::new();
        if let Some((_, v)) = get(doc, "signals")
            && let Some(t) = self.table(v, "[signals]")
        {
            for (k, v) in t.iter() {
                let name = k.get_ref().to_string();
                let ctx = format!("signal `{name}`");
                let Some(st) = self.table(v, &ctx) else {
                    continue;
                };
                self.known_keys(st, &["when", "description", "label"], &ctx);
                match get(st, "when") {
                    Some((_, w)) => {
                        if let Some(when) = self.condition(w, &ctx) {
                            signals.push(Signal {
                                name,
                                span: k.span(),
                                when,
                            });
                        }
                    }
                    None => self.err_hint(
                        k.span(),
                        format!("{ctx} has no `when` condition"),
                        "add e.g. `when = { field = \"employees\", gte = 200 }`",
                    ),
                }
            }
        }

        let mut reasons = Vec::new();
        if let Some((_, v)) = get(doc, "reasons")
            && let Some(t) = self.table(v, "[reasons]")
        {
            for (k, v) in t.iter() {
                if let Some(label) = self.text(v, &format!("the label of reason `{}`", k.get_ref()))
                {
                    reasons.push(Reason {
                        code: k.get_ref().to_string(),
                        label,
                    });
                }
            }
        }

        let mut routes = Vec::new();
        if let Some((_, v)) = get(doc, "routes")
            && let Some(t) = self.table(v, "[routes]")
        {
            for (k, v) in t.iter() {
                if let Some(route) = self.route(k, v) {
                    routes.push(route);
                }
            }
        }

        let mut rules = Vec::new();
        if let Some((_, v)) = get(doc, "rules")
            && let Some(items) = self.array(v, "[[rules]]")
        {
            for item in items {
                if let Some(rule) = self.rule(item) {
                    rules.push(rule);
                }
            }
        }

        let mut otherwise = None;
        if let Some((k, v)) = get(doc, "otherwise")
            && let Some(t) = self.table(v, "[otherwise]")
        {
            self.known_keys(t, &["route"], "[otherwise]");
            match get(t, "route") {
                Some((_, r)) => {
                    otherwise = self.text(r, "[otherwise] route").map(|name| Rule {
                        id: super::OTHERWISE.to_string(),
                        span: r.span(),
                        description: Some(super::OTHERWISE_TEXT.to_string()),
                        when: Condition::All(Vec::new()),
                        action: Action::Route(name),
                    });
                }
                None => self.err_hint(
                    k.span(),
                    "[otherwise] has no `route`",
                    "name the route for every lead no rule claims, e.g. `route = \"nurture\"`",
                ),
            }
        }

        let id = id?;
        Some(Policy {
            source: self.src.clone(),
            name: name.unwrap_or_else(|| id.clone()),
            id,
            version,
            version_span,
            description,
            scope,
            allowed,
            sensitive,
            evidence,
            signals,
            reasons,
            routes,
            rules,
            otherwise,
        })
    }

    fn scope(&mut self, v: &Spanned<DeValue<'_>>) -> Vec<ScopeList> {
        let Some(t) = self.table(v, "[scope]") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in t.iter() {
            let key = k.get_ref().as_ref();
            let role = match key {
                "source" => ScopeRole::Source,
                "campaign" => ScopeRole::Campaign,
                "form" => ScopeRole::Form,
                _ => {
                    let hint = match closest(key, ["source", "campaign", "form"]) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "[scope] lists values of `source`, `campaign` or `form`".into(),
                    };
                    self.err_hint(k.span(), format!("unknown key `{key}` in [scope]"), hint);
                    continue;
                }
            };
            let Some(items) = self.array(v, &format!("[scope] {key}")) else {
                continue;
            };
            if items.is_empty() {
                self.err_hint(
                    v.span(),
                    format!("[scope] `{key}` is an empty list"),
                    "an empty list would put every lead out of scope; list values or remove the key",
                );
                continue;
            }
            let values = items
                .iter()
                .filter_map(|i| self.text(i, &format!("each value of [scope] {key}")))
                .collect();
            out.push(ScopeList {
                role,
                values,
                span: k.span(),
            });
        }
        out
    }

    fn route(
        &mut self,
        k: &Spanned<std::borrow::Cow<'_, str>>,
        v: &Spanned<DeValue<'_>>,
    ) -> Option<Route> {
        let name = k.get_ref().to_string();
        let ctx = format!("route `{name}`");
        let t = self.table(v, &ctx)?;
        self.known_keys(
            t,
            &[
                "kind",
                "queue",
                "owner",
                "sla_minutes",
                "description",
                "label",
            ],
            &ctx,
        );
        let kind = match get(t, "kind") {
            Some((_, kv)) => match self.text(kv, "route kind")?.as_str() {
                "sales" => Some(RouteKind::Sales),
                "nurture" => Some(RouteKind::Nurture),
                other => {
                    self.err_hint(
                        kv.span(),
                        format!("unknown kind `{other}` in {ctx}"),
                        "a route's kind is \"sales\" or \"nurture\"",
                    );
                    None
                }
            },
            None => {
                self.err_hint(
                    k.span(),
                    format!("{ctx} has no `kind`"),
                    "add `kind = \"sales\"` or `kind = \"nurture\"`",
                );
                None
            }
        };
        let queue = get(t, "queue").and_then(|(_, v)| self.text(v, "queue"));
        let sla_minutes = get(t, "sla_minutes").and_then(|(_, v)| self.number(v, "sla_minutes"));
        let owner = match get(t, "owner") {
            None => None,
            Some((_, ov)) => match ov.get_ref() {
                DeValue::String(s) => Some(Owner::Fixed(s.to_string())),
                DeValue::Table(ot) => {
                    self.known_keys(ot, &["field", "fallback"], &format!("the owner of {ctx}"));
                    let fallback = get(ot, "fallback").and_then(|(_, v)| self.text(v, "fallback"));
                    match get(ot, "field") {
                        Some((_, fv)) => self.text(fv, "owner field").map(|f| Owner::Field {
                            field: Named {
                                name: f,
                                span: fv.span(),
                            },
                            fallback,
                        }),
                        None => {
                            self.err_hint(
                                ov.span(),
                                format!("the owner of {ctx} has no `field`"),
                                "write `owner = \"Team\"` or `owner = { field = \"account_owner\", fallback = \"Team\" }`",
                            );
                            None
                        }
                    }
                }
                other => {
                    self.err(
                        ov.span(),
                        format!(
                            "the owner of {ctx} must be text or {{ field = … }}, found {}",
                            other.type_str()
                        ),
                    );
                    None
                }
            },
        };
        Some(Route {
            name,
            span: k.span(),
            kind: kind?,
            queue,
            owner,
            sla_minutes,
        })
    }

    fn rule(&mut self, item: &Spanned<DeValue<'_>>) -> Option<Rule> {
        let t = self.table(item, "each [[rules]] entry")?;
        let id = match get(t, "id") {
            Some((k, v)) => {
                let id = self.text(v, "rule id");
                if let Some(id) = &id {
                    if id == super::OTHERWISE {
                        self.err_hint(
                            v.span(),
                            "`otherwise` is a reserved rule id",
                            "it names the [otherwise] route; give this rule another id, or write `[otherwise] route = \"…\"` for a catch-all",
                        );
                    }
                    if self.rule_ids.iter().any(|(seen, _)| seen == id) {
                        self.err_hint(
                            k.span(),
                            format!("duplicate rule id `{id}`"),
                            "every rule needs its own id so that decisions can name it",
                        );
                    }
                    self.rule_ids.push((id.clone(), k.span()));
                }
                id
            }
            None => {
                self.err_hint(
                    item.span().start..item.span().start + 9,
                    "a rule has no `id`",
                    "give every rule an `id = \"…\"` so decisions can name it",
                );
                None
            }
        };
        let ctx = match &id {
            Some(id) => format!("rule `{id}`"),
            None => "a rule without id".to_string(),
        };
        self.known_keys(
            t,
            &["id", "description", "when", "disqualify", "route"],
            &ctx,
        );
        let description = get(t, "description").and_then(|(_, v)| self.text(v, "description"));
        let head = get(t, "id").map_or(item.span(), |(k, _)| k.span());
        let action = match (get(t, "disqualify"), get(t, "route")) {
            (Some((_, d)), None) => self.text(d, "disqualify").map(Action::Disqualify),
            (None, Some((_, r))) => self.text(r, "route").map(Action::Route),
            (None, None) => {
                self.err_hint(
                    head.clone(),
                    format!("{ctx} has neither `disqualify` nor `route`"),
                    "add `disqualify = \"<reason>\"` or `route = \"<route>\"`",
                );
                None
            }
            (Some(_), Some((rk, _))) => {
                self.err_hint(
                    rk.span(),
                    format!("{ctx} has both `disqualify` and `route`"),
                    "a rule either disqualifies or routes; split it into two rules",
                );
                None
            }
        };
        let when = match get(t, "when") {
            Some((_, w)) => self.condition(w, &ctx),
            None => {
                self.err_hint(
                    head.clone(),
                    format!("{ctx} has no `when` condition"),
                    "add e.g. `when = { field = \"employees\", gte = 200 }`",
                );
                None
            }
        };
        Some(Rule {
            id: id?,
            span: head,
            description,
            when: when?,
            action: action?,
        })
    }

    fn condition(&mut self, v: &Spanned<DeValue<'_>>, ctx: &str) -> Option<Condition> {
        let t = match v.get_ref() {
            DeValue::Table(t) => t,
            other => {
                self.err_hint(
                    v.span(),
                    format!(
                        "a condition in {ctx} must be a table, found {}",
                        other.type_str()
                    ),
                    "write e.g. `{ field = \"employees\", gte = 200 }` or `{ all = [ … ] }`",
                );
                return None;
            }
        };
        let ops: Vec<Entry> = t
            .iter()
            .filter(|(k, _)| FIELD_OPS.contains(&k.get_ref().as_ref()))
            .collect();
        let combs: Vec<Entry> = t
            .iter()
            .filter(|(k, _)| COMBINATORS.contains(&k.get_ref().as_ref()))
            .collect();
        let field = get(t, "field");
        let mut known: Vec<&str> = vec!["field"];
        known.extend(FIELD_OPS);
        known.extend(COMBINATORS);
        self.known_keys(t, &known, &format!("a condition in {ctx}"));

        if let Some((fk, fv)) = field {
            if let Some((ck, _)) = combs.first() {
                self.err_hint(
                    ck.span(),
                    format!("a condition in {ctx} mixes `field` with `{}`", ck.get_ref()),
                    "put field tests inside `all = [ … ]` or `any = [ … ]`",
                );
                return None;
            }
            let name = self.text(fv, "field")?;
            let field = Named {
                name: name.clone(),
                span: fv.span(),
            };
            match ops.as_slice() {
                [] => {
                    self.err_hint(
                        fk.span().start..v.span().end,
                        format!("the condition on `{name}` in {ctx} has no operator"),
                        format!("add one of {}", list_names(&FIELD_OPS)),
                    );
                    None
                }
                [(ok, ov)] => {
                    let op = self.op(ok.get_ref(), ov, &name, ctx)?;
                    let leaf = LeafId(self.leaves);
                    self.leaves += 1;
                    Some(Condition::Field {
                        field,
                        op,
                        span: v.span(),
                        leaf,
                    })
                }
                [(a, _), (b, _), ..] => {
                    self.err_hint(
                        b.span(),
                        format!(
                            "the condition on `{name}` in {ctx} has two operators, `{}` and `{}`",
                            a.get_ref(),
                            b.get_ref()
                        ),
                        "a condition has exactly one operator; combine several with `all = [ … ]`",
                    );
                    None
                }
            }
        } else {
            if let Some((ok, _)) = ops.first() {
                self.err_hint(
                    ok.span(),
                    format!("`{}` in {ctx} has no `field` to test", ok.get_ref()),
                    "write e.g. `{ field = \"employees\", gte = 200 }`",
                );
                return None;
            }
            match combs.as_slice() {
                [] => {
                    if t.iter().next().is_none() {
                        self.err_hint(
                            v.span(),
                            format!("an empty condition in {ctx}"),
                            "write e.g. `{ field = \"employees\", gte = 200 }` or `{ signal = \"account_fit\" }`",
                        );
                    }
                    None
                }
                [(k, cv)] => match k.get_ref().as_ref() {
                    "signal" => self.text(cv, "signal").map(|name| {
                        Condition::Signal(Named {
                            name,
                            span: cv.span(),
                        })
                    }),
                    "not" => self.condition(cv, ctx).map(|c| Condition::Not(Box::new(c))),
                    comb => {
                        let items = self.array(cv, &format!("`{comb}`"))?;
                        if items.is_empty() {
                            self.err_hint(
                                cv.span(),
                                format!("`{comb}` in {ctx} is an empty list"),
                                "list at least one condition",
                            );
                            return None;
                        }
                        let mut out = Vec::new();
                        let mut ok = true;
                        for item in items {
                            match self.condition(item, ctx) {
                                Some(c) => out.push(c),
                                None => ok = false,
                            }
                        }
                        if !ok {
                            return None;
                        }
                        Some(if comb == "all" {
                            Condition::All(out)
                        } else {
                            Condition::Any(out)
                        })
                    }
                },
                [(a, _), (b, _), ..] => {
                    self.err_hint(
                        b.span(),
                        format!(
                            "a condition in {ctx} has both `{}` and `{}`",
                            a.get_ref(),
                            b.get_ref()
                        ),
                        "one condition is one of `field`, `signal`, `all`, `any` or `not`",
                    );
                    None
                }
            }
        }
    }

    fn literal(&mut self, v: &Spanned<DeValue<'_>>, op: &str, ctx: &str) -> Option<Literal> {
        match v.get_ref() {
            DeValue::String(s) => Some(Literal::Text(s.to_string())),
            DeValue::Integer(_) | DeValue::Float(_) => match number_of(v.get_ref()) {
                Some(n) => Some(Literal::Number(n)),
                None => {
                    self.err(
                        v.span(),
                        format!("`{op}` in {ctx} has a number that is out of range"),
                    );
                    None
                }
            },
            DeValue::Boolean(b) => {
                self.err_hint(
                    v.span(),
                    format!("`{op}` in {ctx} compares with the boolean `{b}`"),
                    format!(
                        "there are no booleans in lead data; compare with the text \"{b}\" (quoted)"
                    ),
                );
                None
            }
            DeValue::Datetime(d) => {
                self.err_hint(
                    v.span(),
                    format!("`{op}` in {ctx} compares with the date `{d}`"),
                    "dates are text in lead data; quote the value",
                );
                None
            }
            other => {
                self.err(
                    v.span(),
                    format!(
                        "`{op}` in {ctx} needs a text or number, found {}",
                        other.type_str()
                    ),
                );
                None
            }
        }
    }

    fn op(&mut self, op: &str, v: &Spanned<DeValue<'_>>, field: &str, ctx: &str) -> Option<Op> {
        let threshold = |r: &mut Self| -> Option<f64> {
            match v.get_ref() {
                DeValue::Integer(_) | DeValue::Float(_) => {
                    let n = number_of(v.get_ref());
                    if n.is_none() {
                        r.err(
                            v.span(),
                            format!("`{op}` in {ctx} has a number that is out of range"),
                        );
                    }
                    n
                }
                other => {
                    r.err_hint(
                        v.span(),
                        format!(
                            "`{op}` on `{field}` in {ctx} needs a number, found {}",
                            describe(other)
                        ),
                        "write the number without quotes, e.g. `gte = 200`",
                    );
                    None
                }
            }
        };
        let text = |r: &mut Self| -> Option<String> {
            match v.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                other => {
                    r.err(
                        v.span(),
                        format!(
                            "`{op}` on `{field}` in {ctx} needs text, found {}",
                            describe(other)
                        ),
                    );
                    None
                }
            }
        };
        Some(match op {
            "eq" => Op::Eq(self.literal(v, op, ctx)?),
            "ne" => Op::Ne(self.literal(v, op, ctx)?),
            "in" | "not_in" => {
                let items = self.array(v, &format!("`{op}`"))?;
                if items.is_empty() {
                    self.err_hint(
                        v.span(),
                        format!("`{op}` on `{field}` in {ctx} is an empty list"),
                        "list at least one value",
                    );
                    return None;
                }
                let mut lits = Vec::new();
                for item in items {
                    lits.push(self.literal(item, op, ctx)?);
                }
                if lits.iter().any(|l| l.type_name() != lits[0].type_name()) {
                    self.err_hint(
                        v.span(),
                        format!("`{op}` on `{field}` in {ctx} mixes text and numbers"),
                        "use one type: all quoted text or all numbers",
                    );
                    return None;
                }
                if op == "in" {
                    Op::In(lits)
                } else {
                    Op::NotIn(lits)
                }
            }
            "gt" => Op::Gt(threshold(self)?),
            "gte" => Op::Gte(threshold(self)?),
            "lt" => Op::Lt(threshold(self)?),
            "lte" => Op::Lte(threshold(self)?),
            "contains" => Op::Contains(text(self)?),
            "matches" => {
                let pattern = text(self)?;
                match regex::Regex::new(&pattern) {
                    Ok(re) => Op::Matches(re),
                    Err(e) => {
                        let detail = e.to_string();
                        let last = detail
                            .lines()
                            .last()
                            .unwrap_or("")
                            .trim()
                            .trim_start_matches("error: ")
                            .to_string();
                        self.err_hint(
                            v.span(),
                            format!("invalid regular expression `{pattern}` in {ctx}: {last}"),
                            "`matches` uses Rust regex syntax; escape special characters like `.` as `\\\\.`",
                        );
                        return None;
                    }
                }
            }
            "missing" => match v.get_ref() {
                DeValue::Boolean(b) => Op::Missing(*b),
                other => {
                    self.err_hint(
                        v.span(),
                        format!(
                            "`missing` on `{field}` in {ctx} needs true or false, found {}",
                            describe(other)
                        ),
                        "write `missing = true`",
                    );
                    return None;
                }
            },
            _ => return None,
        })
    }
}

fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<Entry<'a, 'i>> {
    t.iter().find(|(k, _)| k.get_ref().as_ref() == key)
}

fn number_of(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite()),
        _ => None,
    }
}

fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the text \"{s}\""),
        other => other.type_str().to_string(),
    }
}
