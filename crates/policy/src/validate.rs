//! The checks a policy must pass when it meets a dataset: every field it reads exists, literal
//! and operator types fit the field's type, and every role it relies on is mapped. They read the
//! dataset's [`Schema`] only — names, types, roles — never its rows.

use crate::diag::{Diagnostic, Diagnostics, closest, list_names};
use crate::{FieldType, Role};

use super::{Condition, Literal, Op, Owner, Policy};

/// What validation needs to know of a dataset.
pub trait Schema {
    /// The dataset's name, for messages.
    fn name(&self) -> &str;
    /// The names rules use for its fields, in file order.
    fn field_names(&self) -> Vec<&str>;
    /// A field's type; `None` when there is no such field.
    fn field_type(&self, name: &str) -> Option<FieldType>;
    /// Whether the dataset maps a role (`source`, `enrichment_source`, …).
    fn has_role(&self, role: Role) -> bool;
    /// For a numeric comparison on a text field: why the field is text, when a few stray values
    /// make it so (the schema of a loaded dataset can tell; a bare schema cannot).
    fn stray_hint(&self, _field: &str) -> Option<String> {
        None
    }
}

/// Every problem of `policy` against a dataset's schema; empty when the policy can be replayed
/// on it.
pub fn check_against(policy: &Policy, dataset: &dyn Schema) -> Diagnostics {
    let src = &policy.source;
    let mut diags = Diagnostics::default();
    let names: Vec<&str> = dataset.field_names();
    let unknown = |name: &str, span: std::ops::Range<usize>, ctx: &str| {
        let hint = match closest(name, names.iter().copied()) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("the dataset's columns are {}", list_names(&names)),
        };
        Diagnostic::at(
            src,
            span,
            format!(
                "field `{name}` in {ctx} is not a column of dataset `{}`",
                dataset.name()
            ),
        )
        .with_hint(hint)
    };

    let check = |cond: &Condition, ctx: &str, diags: &mut Diagnostics| {
        cond.visit_fields(&mut |field, op, _span| {
            let Some(ty) = dataset.field_type(&field.name) else {
                diags.push(unknown(&field.name, field.span.clone(), ctx));
                return;
            };
            if let Some(msg) = type_problem(op, ty) {
                let stray = if op.threshold().is_some() {
                    dataset.stray_hint(&field.name)
                } else {
                    None
                };
                let hint = stray.unwrap_or_else(|| type_hint(ty).to_string());
                diags.push(
                    Diagnostic::at(
                        src,
                        field.span.clone(),
                        format!("`{}` on `{}` in {ctx}: {msg}", op.name(), field.name),
                    )
                    .with_hint(hint),
                );
            }
        });
    };
    for s in &policy.signals {
        check(&s.when, &format!("signal `{}`", s.name), &mut diags);
    }
    for r in &policy.rules {
        check(&r.when, &format!("rule `{}`", r.id), &mut diags);
    }
    for req in &policy.evidence.required {
        if dataset.field_type(&req.name).is_none() {
            diags.push(unknown(&req.name, req.span.clone(), "[evidence] required"));
        }
    }
    for route in &policy.routes {
        if let Some(Owner::Field { field, .. }) = &route.owner
            && dataset.field_type(&field.name).is_none()
        {
            diags.push(unknown(
                &field.name,
                field.span.clone(),
                &format!("the owner of route `{}`", route.name),
            ));
        }
    }
    // Gate settings that read a role: without it they would pass silently, so they are errors.
    let needs_role = [
        (
            policy.evidence.approved_sources.as_ref().map(|a| &a.1),
            "approved_sources",
            Role::EnrichmentSource,
            "map the enrichment provider column under [roles] in the dataset mapping (enrichment_source = \"…\"), or remove the list",
        ),
        (
            policy
                .evidence
                .min_enrichment_confidence
                .as_ref()
                .map(|m| &m.1),
            "min_enrichment_confidence",
            Role::EnrichmentConfidence,
            "map the confidence column under [roles] in the dataset mapping, or remove the minimum",
        ),
    ];
    for (span, key, role, hint) in needs_role {
        if let Some(span) = span
            && !dataset.has_role(role)
        {
            diags.push(
                Diagnostic::at(
                    src,
                    span.clone(),
                    format!(
                        "{key} is set but dataset `{}` has no `{role}` role",
                        dataset.name()
                    ),
                )
                .with_hint(hint),
            );
        }
    }
    for s in &policy.scope {
        if !dataset.has_role(s.role.into()) {
            diags.push(
                Diagnostic::at(
                    src,
                    s.span.clone(),
                    format!(
                        "[scope] lists `{}` but dataset `{}` has no `{}` role",
                        s.role.as_str(),
                        dataset.name(),
                        s.role.as_str()
                    ),
                )
                .with_hint("map that column under [roles] in the dataset mapping"),
            );
        }
    }
    diags
}

fn type_problem(op: &Op, ty: FieldType) -> Option<String> {
    let lit_ty = |l: &Literal| match l {
        Literal::Text(_) => FieldType::Text,
        Literal::Number(_) => FieldType::Number,
    };
    match (op, ty) {
        (Op::Gt(_) | Op::Gte(_) | Op::Lt(_) | Op::Lte(_), FieldType::Text) => {
            Some("the field is text, so it cannot be compared as a number".into())
        }
        (Op::Contains(_) | Op::Matches(_), FieldType::Number) => {
            Some("the field is a number; `contains` and `matches` work on text".into())
        }
        (Op::Eq(l) | Op::Ne(l), _) if lit_ty(l) != ty => Some(format!(
            "the field is {} but {l} is {}",
            ty.as_str(),
            l.type_name()
        )),
        (Op::In(ls) | Op::NotIn(ls), _) if ls.first().is_some_and(|l| lit_ty(l) != ty) => {
            Some(format!(
                "the field is {} but the list holds {}",
                ty.as_str(),
                ls.first().map_or("", Literal::type_name)
            ))
        }
        _ => None,
    }
}

fn type_hint(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Number => {
            "write numbers without quotes; a column is a number when every filled cell is one"
        }
        FieldType::Text => {
            "quote text values; if the column should be numeric, check it for non-numbers or force `type = \"number\"` in the mapping"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;

    struct Fields(&'static [(&'static str, FieldType)]);

    impl Schema for Fields {
        fn name(&self) -> &str {
            "test"
        }
        fn field_names(&self) -> Vec<&str> {
            self.0.iter().map(|(n, _)| *n).collect()
        }
        fn field_type(&self, name: &str) -> Option<FieldType> {
            self.0.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
        }
        fn has_role(&self, _role: Role) -> bool {
            false
        }
    }

    fn policy(when: &str) -> Result<Policy, Diagnostics> {
        let text = format!(
            "[policy]\nid = \"p\"\n[fields]\nallowed = [\"employees\", \"industry\", \"emploees\"]\n[routes.s]\nkind = \"sales\"\n[[rules]]\nid = \"r\"\nroute = \"s\"\nwhen = {when}\n"
        );
        crate::parse(Source::new("p.toml", text))
    }

    #[test]
    fn a_schema_is_enough_to_find_unknown_fields_and_type_clashes() -> Result<(), Diagnostics> {
        let schema = Fields(&[
            ("employees", FieldType::Number),
            ("industry", FieldType::Text),
        ]);
        assert!(
            check_against(&policy(r#"{ field = "employees", gte = 200 }"#)?, &schema).is_empty()
        );
        let typo = check_against(&policy(r#"{ field = "emploees", gte = 200 }"#)?, &schema);
        let text = typo.to_string();
        assert!(
            text.contains("p.toml:10:18") && text.contains("did you mean `employees`?"),
            "{text}"
        );
        let clash = check_against(&policy(r#"{ field = "industry", gt = 3 }"#)?, &schema);
        assert!(
            clash
                .to_string()
                .contains("the field is text, so it cannot be compared as a number"),
            "{clash}"
        );
        let scoped = crate::parse(Source::new(
            "p.toml",
            "[policy]\nid = \"p\"\n[scope]\nsource = [\"web\"]\n[fields]\nallowed = []\n",
        ))?;
        let roles = check_against(&scoped, &schema);
        assert!(
            roles.to_string().contains("has no `source` role"),
            "{roles}"
        );
        Ok(())
    }
}
