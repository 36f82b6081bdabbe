//! Policy validation reports every problem at once, each with file, line, column and a hint.

use leadpolicy::diag::Source;
use leadpolicy::policy;

fn problems(text: &str) -> leadpolicy::diag::Diagnostics {
    match policy::parse(Source::new("p.toml", text)) {
        Ok(_) => panic!("expected the policy to be refused"),
        Err(d) => d,
    }
}

const BROKEN: &str = r#"[policy]
id = "broken"
name = "Broken"
version = 1

[fields]
allowed = ["employees", "industry", "age"]
sensitive = ["age"]

[reasons]
student = "Student"

[routes.sales]
kind = "sales"

[routes.odd]
kind = "partner"

[[rules]]
id = "r1"
disqualify = "studnet"
when = { field = "employes", gte = 200 }

[[rules]]
id = "r1"
route = "sales"
when = { field = "industry", eq = "x", ne = "y" }

[[rules]]
id = "r3"
route = "sales"
when = { field = "industry", matches = "([a-z" }
"#;

#[test]
fn every_problem_is_reported_with_its_place() {
    let d = problems(BROKEN);
    let text = d.to_string();
    let find = |needle: &str| {
        d.iter()
            .find(|x| x.message.contains(needle))
            .unwrap_or_else(|| panic!("no problem mentions {needle:?} in:\n{text}"))
    };
    let sens = find("`age` is both allowed and sensitive");
    assert_eq!((sens.line, sens.column), (7, 37));
    let kind = find("unknown kind `partner`");
    assert_eq!(kind.line, 17);
    let reason = find("unknown reason `studnet`");
    assert_eq!(reason.line, 21);
    assert_eq!(reason.hint.as_deref(), Some("did you mean `student`?"));
    let field = find("field `employes` in rule `r1` is not in [fields] allowed");
    assert_eq!((field.line, field.column), (22, 18));
    assert!(field.hint.as_deref().unwrap().contains("`employees`"));
    let dup = find("duplicate rule id `r1`");
    assert_eq!(dup.line, 25);
    let two = find("has two operators, `eq` and `ne`");
    assert_eq!(two.line, 27);
    let re = find("invalid regular expression `([a-z`");
    assert_eq!(re.line, 32);
    assert!(d.len() >= 7, "{text}");
    // The rendering shows the file:line:col and the source line under a caret.
    assert!(text.contains("--> p.toml:22:18"), "{text}");
    assert!(
        text.contains("22 | when = { field = \"employes\", gte = 200 }"),
        "{text}"
    );
    assert!(text.contains("^^^^^^^^^^"), "{text}");
}

#[test]
fn unknown_keys_get_a_did_you_mean() {
    let d = problems(
        "[policy]\nid = \"x\"\n[[rules]]\nid = \"a\"\nroute = \"r\"\nwehn = { field = \"a\", eq = 1 }\n",
    );
    let k = d
        .iter()
        .find(|x| x.message.contains("unknown key `wehn`"))
        .unwrap();
    assert_eq!((k.line, k.column), (6, 1));
    assert_eq!(k.hint.as_deref(), Some("did you mean `when`?"));
}

#[test]
fn signal_cycles_name_the_path() {
    let text = r#"[policy]
id = "c"
[signals.a]
when = { signal = "b" }
[signals.b]
when = { signal = "a" }
"#;
    let d = problems(text);
    assert!(
        d.iter()
            .any(|x| x.message.contains("cycle: `a` → `b` → `a`") && x.line == 3),
        "{d}"
    );
}

#[test]
fn invalid_toml_points_at_the_spot() {
    let d = problems("[policy]\nid = \"x\n");
    assert_eq!(d.len(), 1);
    assert!(d.0[0].message.starts_with("invalid TOML"), "{d}");
    assert_eq!(d.0[0].line, 2);
}

#[test]
fn the_shipped_policies_are_valid() {
    for name in ["baseline.toml", "draft.toml"] {
        let p = policy::load(&crate::common::root().join("policies").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(p.rules.len() >= 10, "{name} should be a realistic policy");
    }
}
