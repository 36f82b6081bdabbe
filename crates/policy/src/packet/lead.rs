//! One lead as the evaluator reads it: values by field name, and which field plays which role.

use std::collections::BTreeMap;

use super::Value;
use crate::{Role, ScopeRole};

/// A lead the evaluator can read. Values are by the field names a policy uses; a field the lead
/// does not have reads as [`Value::Missing`], which makes every test on it unknown (and the
/// lead's decision manual review unless another rule decides it).
pub trait Lead {
    /// The lead's id, as the decision record shows it.
    fn id(&self) -> String;
    /// The lead's value in `field`: trimmed text or a number, or missing.
    fn value(&self, field: &str) -> Value;
    /// The field that plays `role` for this lead (`source`, `enrichment_source`, …), if any.
    fn role_field(&self, role: Role) -> Option<&str>;
    /// The text a `[scope]` list is matched against: the role's cell as text (a number is
    /// written back as [`crate::format_number`] writes it: give scope values as text to keep
    /// them as they are).
    fn scope_value(&self, role: ScopeRole) -> Value {
        match self.role_field(role.into()).map(|f| self.value(f)) {
            Some(Value::Number(n)) => Value::Text(crate::format_number(n)),
            Some(v) => v,
            None => Value::Missing,
        }
    }
    /// An owner read from the lead's `field`, as the decision record shows it; `None` when the
    /// cell is missing. A number is written back as [`crate::format_number`] writes it (`007`
    /// would become `7`): give owner ids as text.
    fn owner_text(&self, field: &str) -> Option<String> {
        match self.value(field) {
            Value::Missing => None,
            Value::Number(n) => Some(crate::format_number(n)),
            Value::Text(s) => Some(s),
        }
    }
}

/// A lead given as values by field name, for deciding one lead at a time (a routing system's
/// lead as it arrives).
#[derive(Debug, Clone, Default)]
pub struct Fields {
    id: String,
    values: BTreeMap<String, Value>,
    roles: BTreeMap<Role, String>,
}

impl Fields {
    pub fn new(id: impl Into<String>) -> Self {
        Fields {
            id: id.into(),
            ..Fields::default()
        }
    }

    /// The lead with `value` in `field`. Text is trimmed, and empty text is missing, as in a
    /// loaded dataset; other missing tokens (`N/A`) are the caller's to map, for instance with
    /// [`Value::from_cell`]. A value of the other type than the field's is not missing: `eq` and
    /// `in` are false for it, `ne` and `not_in` true, comparisons and text tests unknown.
    pub fn with(mut self, field: impl Into<String>, value: Value) -> Self {
        let value = match value {
            Value::Text(t) if t.trim().is_empty() => Value::Missing,
            Value::Text(t) => Value::Text(t.trim().to_string()),
            v => v,
        };
        self.values.insert(field.into(), value);
        self
    }

    /// The lead with `field` playing `role` (the `enrichment_source` an approved-sources gate
    /// reads, the `source` a scope lists …).
    pub fn with_role(mut self, role: Role, field: impl Into<String>) -> Self {
        self.roles.insert(role, field.into());
        self
    }
}

impl Lead for Fields {
    fn id(&self) -> String {
        self.id.clone()
    }
    fn value(&self, field: &str) -> Value {
        self.values.get(field).cloned().unwrap_or(Value::Missing)
    }
    fn role_field(&self, role: Role) -> Option<&str> {
        self.roles.get(&role).map(String::as_str)
    }
}
