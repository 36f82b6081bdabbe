//! Why a lead is left for manual review: docs/semantics.md's unresolved reason codes, spelled here once.
//! Everything that writes or reads a code (the engine, packets, replay, charts, reports, SQL)
//! goes through [`Review`].

/// One reason a lead goes to manual review.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Review {
    /// A field in `[evidence] required` has no value (`missing_field:<field>`).
    MissingField(String),
    UnapprovedEnrichmentSource,
    LowEnrichmentConfidence,
    NoRuleMatched,
    OverlappingRoutes,
    NoOwner,
}

const MISSING_FIELD: &str = "missing_field:";

impl Review {
    /// The reasons a lead that passed the evidence gate can have, in the contract's order.
    pub const AFTER_GATE: [Review; 3] = [
        Review::NoRuleMatched,
        Review::OverlappingRoutes,
        Review::NoOwner,
    ];

    /// The code written in decision records and reports.
    pub fn code(&self) -> String {
        match self {
            Review::MissingField(f) => format!("{MISSING_FIELD}{f}"),
            other => other.fixed_code().to_string(),
        }
    }

    fn fixed_code(&self) -> &'static str {
        match self {
            Review::MissingField(_) => MISSING_FIELD,
            Review::UnapprovedEnrichmentSource => "unapproved_enrichment_source",
            Review::LowEnrichmentConfidence => "low_enrichment_confidence",
            Review::NoRuleMatched => "no_rule_matched",
            Review::OverlappingRoutes => "overlapping_routes",
            Review::NoOwner => "no_owner",
        }
    }

    /// A code read back; `None` for anything else (a disqualification reason, say).
    pub fn parse(code: &str) -> Option<Review> {
        if let Some(f) = code.strip_prefix(MISSING_FIELD) {
            return Some(Review::MissingField(f.to_string()));
        }
        [
            Review::UnapprovedEnrichmentSource,
            Review::LowEnrichmentConfidence,
            Review::NoRuleMatched,
            Review::OverlappingRoutes,
            Review::NoOwner,
        ]
        .into_iter()
        .find(|r| r.fixed_code() == code)
    }

    /// The reason in a sales leader's words: "Missing job level", "No rule matched".
    pub fn label(&self) -> String {
        match self {
            Review::MissingField(f) => format!("Missing {}", f.replace('_', " ")),
            Review::UnapprovedEnrichmentSource => "Enrichment source not approved".into(),
            Review::LowEnrichmentConfidence => "Low enrichment confidence".into(),
            Review::NoRuleMatched => "No rule matched".into(),
            Review::OverlappingRoutes => "Overlapping routes".into(),
            Review::NoOwner => "No owner".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself() {
        for r in [
            Review::MissingField("employees".into()),
            Review::UnapprovedEnrichmentSource,
            Review::LowEnrichmentConfidence,
            Review::NoRuleMatched,
            Review::OverlappingRoutes,
            Review::NoOwner,
        ] {
            assert_eq!(Review::parse(&r.code()), Some(r.clone()));
        }
        assert_eq!(Review::parse("competitor"), None);
        assert_eq!(
            Review::parse("missing_field:job_level").map(|r| r.label()),
            Some("Missing job level".to_string())
        );
    }
}
