//! What a column is, from its header as the major CRMs export it (Salesforce, HubSpot, Zoho,
//! Pipedrive, Marketo, Dynamics) and from its values: the lead id, the mapping roles, and the
//! sensitive candidates (protected attributes and their likely proxies).

use crate::policy::Role;

/// A header reduced for matching: lower case, every run of non-alphanumerics one space.
pub fn normalize(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for c in header.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

/// A field name rules can use: snake_case of the header (`Lead Source` → `lead_source`,
/// `No. of Employees` → `no_of_employees`); never empty, never starting with a digit.
pub fn snake_case(header: &str) -> String {
    // CamelCase boundaries (`TotalVisits` → `total_visits`) before normalising.
    let mut spaced = String::with_capacity(header.len() + 8);
    let mut prev: Option<char> = None;
    for c in header.chars() {
        if let Some(p) = prev
            && c.is_uppercase()
            && p.is_lowercase()
        {
            spaced.push(' ');
        }
        spaced.push(c);
        prev = Some(c);
    }
    let name = normalize(&spaced).replace(' ', "_");
    match name.chars().next() {
        None => "column".to_string(),
        Some(c) if c.is_ascii_digit() => format!("f_{name}"),
        Some(_) => name,
    }
}

/// Headers (normalised) that name the lead id, best first.
const ID_HEADERS: &[&str] = &[
    "lead id",
    "leadid",
    "record id",
    "prospect id",
    "contact id",
    "mql id",
    "lead number",
    "lead no",
    "id",
    "person id",
    "lead",
    "email",
    "email address",
];

/// How strongly a header says "this is the lead id" (higher is stronger; 0 = not at all).
pub fn id_score(header: &str) -> usize {
    let n = normalize(header);
    if let Some(i) = ID_HEADERS.iter().position(|h| *h == n) {
        return 100 - i;
    }
    if n.ends_with(" id") || n.ends_with("_id") {
        return 50;
    }
    0
}

/// The single-column roles and the headers (normalised) that name them, best first.
pub const ROLE_HEADERS: &[(Role, &[&str])] = &[
    (
        Role::Source,
        &[
            "lead source",
            "leadsource",
            "original source",
            "source",
            "original source type",
            "utm source",
            "lead source detail",
            "source channel",
            "channel",
            "origin",
            "lead origin",
        ],
    ),
    (
        Role::Campaign,
        &[
            "campaign",
            "campaign name",
            "primary campaign source",
            "utm campaign",
            "first touch campaign",
            "last touch campaign",
            "original campaign",
        ],
    ),
    (
        Role::Form,
        &[
            "form",
            "form name",
            "first conversion",
            "first form submission",
            "conversion form",
            "recent conversion",
            "web form",
        ],
    ),
    (
        Role::AccountOwner,
        &[
            "lead owner",
            "contact owner",
            "account owner",
            "owner",
            "owner name",
            "lead owner name",
            "hubspot owner",
            "record owner",
            "assigned to",
            "sales rep",
            "sales owner",
        ],
    ),
    (
        Role::CreatedAt,
        &[
            "created date",
            "create date",
            "created time",
            "created at",
            "created on",
            "date created",
            "creation date",
            "createdate",
            "lead created date",
            "first contact date",
            "first contact",
            "created",
        ],
    ),
    (
        Role::ConvertedAt,
        &[
            "converted date",
            "conversion date",
            "date converted",
            "converted at",
            "won date",
            "close date",
            "closed date",
        ],
    ),
    (
        Role::CrmMatch,
        &[
            "crm match",
            "existing account",
            "duplicate",
            "is duplicate",
            "matched account",
        ],
    ),
    (
        Role::EnrichmentSource,
        &["enrichment source", "enrichment provider", "data provider"],
    ),
    (
        Role::EnrichmentConfidence,
        &[
            "enrichment confidence",
            "match confidence",
            "enrichment score",
        ],
    ),
    (
        Role::FirstTouchMinutes,
        &[
            "first touch minutes",
            "minutes to first touch",
            "time to first touch",
            "response time minutes",
            "first response minutes",
        ],
    ),
    (
        Role::SellerFeedback,
        &["seller feedback", "sales feedback", "rep feedback"],
    ),
];

/// Headers of the flag and category roles.
pub const CONVERTED_HEADERS: &[&str] = &[
    "converted",
    "isconverted",
    "is converted",
    "lead converted",
    "won",
    "is won",
];
pub const ENRICHMENT_ERROR_HEADERS: &[&str] = &["enrichment error", "enrichment failed"];
pub const SELLER_OUTCOME_HEADERS: &[&str] = &[
    "seller outcome",
    "sales acceptance",
    "sales accepted",
    "accepted by sales",
    "sdr outcome",
];
pub const MEETING_HEADERS: &[&str] = &["meeting", "meeting status", "meeting outcome"];
pub const HISTORICAL_HEADERS: &[&str] = &[
    "sdr route",
    "historical decision",
    "routing decision",
    "routed to",
];

/// Cell texts that mean "yes" in a flag column, as exports write them.
pub const TRUTHY: &[&str] = &[
    "1",
    "true",
    "True",
    "TRUE",
    "yes",
    "Yes",
    "YES",
    "y",
    "Y",
    "won",
    "Won",
    "converted",
    "Converted",
];

/// How well `header` names one of `names` (best first): 3 exact, 2 with words around, 0 none.
pub fn header_match(header: &str, names: &[&str]) -> Option<(usize, usize)> {
    let n = normalize(header);
    if let Some(i) = names.iter().position(|h| *h == n) {
        return Some((3, i));
    }
    let padded = format!(" {n} ");
    names
        .iter()
        .position(|h| h.len() > 4 && padded.contains(&format!(" {h} ")))
        .map(|i| (2, i))
}

/// Why a column may be a protected attribute (or stand in for one), by its header and values.
pub fn sensitive_reason(header: &str, values: &[&str]) -> Option<String> {
    let n = format!(" {} ", normalize(header));
    let has = |w: &str| n.contains(&format!(" {w} "));
    let named: &[(&[&str], &str)] = &[
        (&["age", "age band", "age group", "age range"], "age"),
        (
            &[
                "date of birth",
                "dob",
                "birthdate",
                "birth date",
                "birthday",
            ],
            "date of birth",
        ),
        (&["gender", "sex"], "gender"),
        (&["ethnicity", "race", "ethnic"], "ethnicity or race"),
        (&["religion", "religious"], "religion"),
        (&["marital", "marital status"], "marital status"),
        (&["nationality", "citizenship"], "nationality"),
        (&["disability", "disabled", "handicap"], "disability"),
        (
            &[
                "postal code",
                "postal",
                "zip",
                "zip code",
                "zipcode",
                "postcode",
            ],
            "postal or ZIP code",
        ),
    ];
    for (words, what) in named {
        if words.iter().any(|w| has(w)) {
            return Some(format!("{what} (by its header)"));
        }
    }
    for (words, what) in [
        (&["country", "country region"][..], "country"),
        (&["city", "town"][..], "city"),
        (
            &["state", "state region", "province", "region"][..],
            "region",
        ),
    ] {
        if words.iter().any(|w| has(w)) {
            return Some(format!(
                "{what}: a possible proxy for nationality or ethnicity"
            ));
        }
    }
    // By content: a column whose answers are genders.
    const GENDERS: &[&str] = &[
        "male",
        "female",
        "m",
        "f",
        "man",
        "woman",
        "non-binary",
        "nonbinary",
        "other",
        "diverse",
        "prefer not to say",
    ];
    let lower: Vec<String> = values.iter().map(|v| v.to_lowercase()).collect();
    if lower.len() >= 2
        && lower.iter().all(|v| GENDERS.contains(&v.as_str()))
        && lower.iter().any(|v| v == "female" || v == "male")
    {
        return Some("gender (by its values)".into());
    }
    None
}

/// Headers of fields that sales fills in after the decision (status, stage, quality, tags,
/// outcome): replays that read them look better than any policy can be.
pub fn may_be_recorded_later(header: &str) -> bool {
    let n = format!(" {} ", normalize(header));
    [
        "status",
        "stage",
        "quality",
        "tags",
        "tag",
        "outcome",
        "disposition",
        "lifecycle",
        "rating",
    ]
    .iter()
    .any(|w| n.contains(&format!(" {w} ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_snake_case() {
        assert_eq!(snake_case("Lead Source"), "lead_source");
        assert_eq!(snake_case("No. of Employees"), "no_of_employees");
        assert_eq!(snake_case("TotalVisits"), "total_visits");
        assert_eq!(snake_case("Country/Region"), "country_region");
        assert_eq!(snake_case("2nd touch"), "f_2nd_touch");
        assert_eq!(snake_case("  "), "column");
        assert_eq!(snake_case("Größe"), "größe");
    }

    #[test]
    fn headers_name_roles_as_crms_export_them() {
        let role = |h: &str| {
            ROLE_HEADERS
                .iter()
                .find(|(_, names)| header_match(h, names).is_some())
                .map(|(r, _)| *r)
        };
        assert_eq!(role("Lead Source"), Some(Role::Source));
        assert_eq!(role("Original Source"), Some(Role::Source));
        assert_eq!(role("Contact owner"), Some(Role::AccountOwner));
        assert_eq!(role("Created Date"), Some(Role::CreatedAt));
        assert_eq!(role("Create Date"), Some(Role::CreatedAt));
        assert_eq!(role("first_contact_date"), Some(Role::CreatedAt));
        assert_eq!(role("Industry"), None);
        assert!(header_match("IsConverted", CONVERTED_HEADERS).is_some());
        assert!(id_score("Prospect ID") > id_score("Lead Number"));
        assert_eq!(id_score("Industry"), 0);
    }

    #[test]
    fn sensitive_candidates_by_name_and_content() {
        assert!(sensitive_reason("Gender", &[]).is_some());
        assert!(sensitive_reason("Postal Code", &[]).is_some());
        assert!(sensitive_reason("Country/Region", &[]).is_some_and(|r| r.contains("proxy")));
        assert!(sensitive_reason("Sex of contact", &[]).is_some());
        assert!(sensitive_reason("Q7", &["Female", "Male", "Other"]).is_some());
        assert_eq!(sensitive_reason("Industry", &["Retail", "Software"]), None);
        // `stage` is a word of its own, not part of "percentage".
        assert!(may_be_recorded_later("Lead Status") && may_be_recorded_later("Deal Stage"));
        assert!(!may_be_recorded_later("Percentage of budget"));
    }
}
