//! Read a policy file and check it against a dataset's schema given as `field:type` pairs, as a
//! routing system would before it loads a published policy:
//!
//! ```sh
//! cargo run -p leadpolicy-policy --example check -- policies/draft.toml employees:number industry:text …
//! ```
//!
//! Prints every problem with its line and column, or `ok` and what the policy decides with.

mod common;

use std::collections::BTreeMap;
use std::process::ExitCode;

use leadpolicy_policy::validate::{Schema, check_against};
use leadpolicy_policy::{FieldType, Role};

/// A schema written on the command line: fields as `name:number` or `name:text`; roles as
/// `role=field` (`source=lead_source`).
struct Given {
    fields: BTreeMap<String, FieldType>,
    roles: Vec<Role>,
}

impl Schema for Given {
    fn name(&self) -> &str {
        "given on the command line"
    }
    fn field_names(&self) -> Vec<&str> {
        self.fields.keys().map(String::as_str).collect()
    }
    fn field_type(&self, name: &str) -> Option<FieldType> {
        self.fields.get(name).copied()
    }
    fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: check POLICY.toml field:number field:text … role=field …");
        return ExitCode::from(2);
    };
    let mut schema = Given {
        fields: BTreeMap::new(),
        roles: Vec::new(),
    };
    for a in args {
        if let Some((role, _)) = a.split_once('=') {
            let Some(role) = Role::parse(role) else {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                eprintln!("`{role}` is not a role; roles are {}", known.join(", "));
                return ExitCode::from(2);
            };
            schema.roles.push(role);
        } else if let Some((name, ty)) = a.split_once(':') {
            let ty = match ty {
                "number" => FieldType::Number,
                "text" => FieldType::Text,
                other => {
                    eprintln!(
                        "`{other}` in `{a}` is not a type; write `{name}:number` or `{name}:text`"
                    );
                    return ExitCode::from(2);
                }
            };
            schema.fields.insert(name.to_string(), ty);
        } else {
            eprintln!("`{a}` is neither `field:type` nor `role=field`");
            return ExitCode::from(2);
        }
    }
    let policy = match common::read_policy(&path) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let problems = check_against(&policy, &schema);
    if !problems.is_empty() {
        eprintln!("{problems}");
        return ExitCode::from(1);
    }
    println!(
        "ok: `{}` v{} ({} rules, sha256 {})",
        policy.id,
        policy.version,
        policy.decision_rules().count(),
        policy.sha256()
    );
    ExitCode::SUCCESS
}
