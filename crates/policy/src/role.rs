//! The roles a dataset mapping gives its columns: what a column *means* to the workbench (the
//! lead's source, its owner, when it was created, whether it converted …), as opposed to the
//! fields a policy's rules read by name. Each role's name in mapping files is spelled here, once;
//! the window's labels for them are typed against this enum (`ui/src/lib/importing.ts`).

/// A role of a dataset mapping's `[roles]` section.
///
/// Declared in the alphabetical order of their names, so that maps keyed by role keep the
/// order they had when keyed by name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    AccountOwner,
    Campaign,
    Converted,
    ConvertedAt,
    CreatedAt,
    CrmMatch,
    EnrichmentConfidence,
    EnrichmentError,
    EnrichmentSource,
    FirstTouchMinutes,
    Form,
    HistoricalDecision,
    Meeting,
    SellerFeedback,
    SellerOutcome,
    Source,
}

impl Role {
    pub const ALL: [Role; 16] = [
        Role::AccountOwner,
        Role::Campaign,
        Role::Converted,
        Role::ConvertedAt,
        Role::CreatedAt,
        Role::CrmMatch,
        Role::EnrichmentConfidence,
        Role::EnrichmentError,
        Role::EnrichmentSource,
        Role::FirstTouchMinutes,
        Role::Form,
        Role::HistoricalDecision,
        Role::Meeting,
        Role::SellerFeedback,
        Role::SellerOutcome,
        Role::Source,
    ];

    /// The role's name in a mapping file's `[roles]` section.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::AccountOwner => "account_owner",
            Role::Campaign => "campaign",
            Role::Converted => "converted",
            Role::ConvertedAt => "converted_at",
            Role::CreatedAt => "created_at",
            Role::CrmMatch => "crm_match",
            Role::EnrichmentConfidence => "enrichment_confidence",
            Role::EnrichmentError => "enrichment_error",
            Role::EnrichmentSource => "enrichment_source",
            Role::FirstTouchMinutes => "first_touch_minutes",
            Role::Form => "form",
            Role::HistoricalDecision => "historical_decision",
            Role::Meeting => "meeting",
            Role::SellerFeedback => "seller_feedback",
            Role::SellerOutcome => "seller_outcome",
            Role::Source => "source",
        }
    }

    /// The role by its mapping-file name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl From<crate::ScopeRole> for Role {
    fn from(s: crate::ScopeRole) -> Role {
        match s {
            crate::ScopeRole::Source => Role::Source,
            crate::ScopeRole::Campaign => Role::Campaign,
            crate::ScopeRole::Form => Role::Form,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn names_are_sorted_unique_and_round_trip() -> Result<(), serde_json::Error> {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "declare roles in name order, once each");
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_string(&r)?, format!("\"{}\"", r.as_str()));
            assert_eq!(
                serde_json::from_str::<Role>(&serde_json::to_string(&r)?)?,
                r
            );
        }
        Ok(())
    }
}
