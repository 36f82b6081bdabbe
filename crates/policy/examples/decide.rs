//! Decide one lead from a published policy file, as a routing system embedding this crate
//! would, and print its qualification packet:
//!
//! ```sh
//! cargo run -p leadpolicy-policy --example decide -- policies/draft.toml \
//!     lead_id=L-1 employees=250 country=DE lead_source=web @source=lead_source
//! ```
//!
//! `field=value` gives a field (a number when it reads as one, else text; `field:text=value`
//! keeps a number-looking postcode or owner id as text, `field:number=value` insists on a
//! number), `lead_id=…` the lead's id, and `@role=field` which field plays a role
//! (`@source=…` for a `[scope]`, `@enrichment_source=…` and `@enrichment_confidence=…` for the
//! evidence gate). A field not given is missing: a test on it is unknown, and a field the
//! policy requires under `[evidence]` sends the lead to manual review.

mod common;

use std::process::ExitCode;

use leadpolicy_policy::packet::{self, Fields, Value};
use leadpolicy_policy::{FieldType, Role};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!(
            "usage: decide POLICY.toml lead_id=ID field=value … field:text=value … @role=field …"
        );
        return ExitCode::from(2);
    };
    let policy = match common::read_policy(&path) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut id = String::new();
    let mut lead_fields = Vec::new();
    let mut roles = Vec::new();
    for a in args {
        let Some((key, value)) = a.split_once('=') else {
            eprintln!("`{a}` is not field=value");
            return ExitCode::from(2);
        };
        if let Some(role) = key.strip_prefix('@') {
            let Some(role) = Role::parse(role) else {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                eprintln!("`{role}` is not a role; roles are {}", known.join(", "));
                return ExitCode::from(2);
            };
            roles.push((role, value.to_string()));
        } else if key == "lead_id" {
            id = value.to_string();
        } else if let Some(field) = key.strip_suffix(":text") {
            lead_fields.push((field.to_string(), Value::Text(value.to_string())));
        } else if let Some(field) = key.strip_suffix(":number") {
            let Some(v) = Value::from_cell(value, FieldType::Number, &[]) else {
                eprintln!("`{value}` for `{field}` is not a number");
                return ExitCode::from(2);
            };
            lead_fields.push((field.to_string(), v));
        } else {
            let value = Value::from_cell(value, FieldType::Number, &[])
                .unwrap_or_else(|| Value::Text(value.to_string()));
            lead_fields.push((key.to_string(), value));
        }
    }
    let mut lead = Fields::new(id);
    for (field, value) in lead_fields {
        lead = lead.with(field, value);
    }
    for (role, field) in roles {
        lead = lead.with_role(role, field);
    }
    let decided = packet::explain(&policy, &lead, ());
    print!("{}", packet::render::render(&decided, None));
    ExitCode::SUCCESS
}
