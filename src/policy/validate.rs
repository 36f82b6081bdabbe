//! Validation against a loaded dataset: the language's checks read the dataset as a
//! [`Schema`].

use crate::dataset::{Dataset, FieldType};

pub use leadpolicy_policy::validate::*;

impl Schema for Dataset {
    fn name(&self) -> &str {
        &self.name
    }
    fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }
    fn field_type(&self, name: &str) -> Option<FieldType> {
        self.field(name).map(|f| f.ty)
    }
    fn has_role(&self, role: crate::policy::Role) -> bool {
        self.role(role).is_some()
    }
    fn stray_hint(&self, field: &str) -> Option<String> {
        let s = self.stray_text(field).ok().flatten()?;
        Some(format!(
            "`{field}` is text only because of `{}`{} ({} of its values {} not a number): fix it in the export, list it in the mapping's `missing` if it means \"not answered\", or force `type = \"number\"` there to have every such cell named",
            s.value,
            s.line.map_or_else(String::new, |l| format!(
                " on line {l} of {}",
                self.leads_path.display()
            )),
            s.count,
            if s.count == 1 { "is" } else { "are" }
        ))
    }
}
