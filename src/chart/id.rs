//! Every chart by id: its file stem (`outcomes.svg`, `analysis_sweep.svg`) and its heading, once.

/// A chart of the replay report or of the trust analytics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ChartId {
    Outcomes,
    FlipMatrix,
    LaterConvertedByReason,
    DecisionsByCampaign,
    UnresolvedByReason,
    Trends,
    AnalysisProxies,
    AnalysisSegments,
    AnalysisCoverage,
    AnalysisSweep,
    AnalysisMissingFields,
    AnalysisEnrichment,
}

impl ChartId {
    pub const ALL: [ChartId; 12] = [
        ChartId::Outcomes,
        ChartId::FlipMatrix,
        ChartId::LaterConvertedByReason,
        ChartId::DecisionsByCampaign,
        ChartId::UnresolvedByReason,
        ChartId::Trends,
        ChartId::AnalysisProxies,
        ChartId::AnalysisSegments,
        ChartId::AnalysisCoverage,
        ChartId::AnalysisSweep,
        ChartId::AnalysisMissingFields,
        ChartId::AnalysisEnrichment,
    ];

    /// The chart's file stem in a report folder.
    pub fn as_str(self) -> &'static str {
        match self {
            ChartId::Outcomes => "outcomes",
            ChartId::FlipMatrix => "flip_matrix",
            ChartId::LaterConvertedByReason => "later_converted_by_reason",
            ChartId::DecisionsByCampaign => "decisions_by_campaign",
            ChartId::UnresolvedByReason => "unresolved_by_reason",
            ChartId::Trends => "trends",
            ChartId::AnalysisProxies => "analysis_proxies",
            ChartId::AnalysisSegments => "analysis_segments",
            ChartId::AnalysisCoverage => "analysis_coverage",
            ChartId::AnalysisSweep => "analysis_sweep",
            ChartId::AnalysisMissingFields => "analysis_missing_fields",
            ChartId::AnalysisEnrichment => "analysis_enrichment",
        }
    }

    /// A replay chart's heading, for the report and the app; `None` for the trust charts,
    /// which carry their heading inside the picture.
    pub fn title(self) -> Option<&'static str> {
        match self {
            ChartId::Outcomes => Some("Outcomes: baseline vs draft"),
            ChartId::FlipMatrix => Some("Where decisions change"),
            ChartId::LaterConvertedByReason => {
                Some("Leads not sent to sales that converted anyway")
            }
            ChartId::DecisionsByCampaign => Some("Decisions by campaign family"),
            ChartId::UnresolvedByReason => Some("Why leads wait for manual review"),
            ChartId::Trends => Some("Over time"),
            ChartId::AnalysisProxies
            | ChartId::AnalysisSegments
            | ChartId::AnalysisCoverage
            | ChartId::AnalysisSweep
            | ChartId::AnalysisMissingFields
            | ChartId::AnalysisEnrichment => None,
        }
    }
}

impl std::fmt::Display for ChartId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ChartId;

    #[test]
    fn ids_are_their_file_stems() {
        for id in ChartId::ALL {
            let json = serde_json::to_value(id).ok();
            assert_eq!(json.as_ref().and_then(|v| v.as_str()), Some(id.as_str()));
        }
    }
}
