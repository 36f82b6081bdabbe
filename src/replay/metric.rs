//! The headline metrics of a replay by key: each key's name (as `replay --json`, the report and
//! the window know it), label, help, how it is shown and which way is good, written once.

use super::model::Metrics;
use crate::engine::Decision;

/// One headline metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum MetricKey {
    #[serde(rename = "accepted")]
    Accepted,
    #[serde(rename = "nurture")]
    Nurture,
    #[serde(rename = "rejected")]
    Rejected,
    #[serde(rename = "unresolved")]
    Unresolved,
    #[serde(rename = "out_of_scope")]
    OutOfScope,
    #[serde(rename = "immature")]
    Immature,
    #[serde(rename = "later_converted")]
    LaterConverted,
    #[serde(rename = "conversion_rate.accepted")]
    ConversionRateAccepted,
    #[serde(rename = "conversion_rate.nurture")]
    ConversionRateNurture,
    #[serde(rename = "conversion_rate.rejected")]
    ConversionRateRejected,
    #[serde(rename = "conversion_rate.unresolved")]
    ConversionRateUnresolved,
    #[serde(rename = "seller_acceptance")]
    SellerAcceptance,
    #[serde(rename = "low_fit_handoffs")]
    LowFitHandoffs,
    #[serde(rename = "disqualification_accuracy")]
    DisqualificationAccuracy,
    #[serde(rename = "override_rate")]
    OverrideRate,
    #[serde(rename = "sla_breach_rate")]
    SlaBreachRate,
    #[serde(rename = "enrichment_errors")]
    EnrichmentErrors,
}

/// A metric's value on one side: a count or a share (0–1); `None` is "not available".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricValue {
    Count(Option<usize>),
    Rate(Option<f64>),
}

impl MetricValue {
    /// The value as a number: counts as counts, rates as shares.
    pub fn number(self) -> Option<f64> {
        match self {
            MetricValue::Count(c) => c.map(|c| c as f64),
            MetricValue::Rate(r) => r,
        }
    }
}

impl MetricKey {
    /// Every headline metric, in the order the report shows them.
    pub const ALL: [MetricKey; 17] = [
        MetricKey::Accepted,
        MetricKey::Nurture,
        MetricKey::Rejected,
        MetricKey::Unresolved,
        MetricKey::OutOfScope,
        MetricKey::Immature,
        MetricKey::LaterConverted,
        MetricKey::ConversionRateAccepted,
        MetricKey::ConversionRateNurture,
        MetricKey::ConversionRateRejected,
        MetricKey::ConversionRateUnresolved,
        MetricKey::SellerAcceptance,
        MetricKey::LowFitHandoffs,
        MetricKey::DisqualificationAccuracy,
        MetricKey::OverrideRate,
        MetricKey::SlaBreachRate,
        MetricKey::EnrichmentErrors,
    ];

    /// The key as `replay --json` and the report name it.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKey::Accepted => "accepted",
            MetricKey::Nurture => "nurture",
            MetricKey::Rejected => "rejected",
            MetricKey::Unresolved => "unresolved",
            MetricKey::OutOfScope => "out_of_scope",
            MetricKey::Immature => "immature",
            MetricKey::LaterConverted => "later_converted",
            MetricKey::ConversionRateAccepted => "conversion_rate.accepted",
            MetricKey::ConversionRateNurture => "conversion_rate.nurture",
            MetricKey::ConversionRateRejected => "conversion_rate.rejected",
            MetricKey::ConversionRateUnresolved => "conversion_rate.unresolved",
            MetricKey::SellerAcceptance => "seller_acceptance",
            MetricKey::LowFitHandoffs => "low_fit_handoffs",
            MetricKey::DisqualificationAccuracy => "disqualification_accuracy",
            MetricKey::OverrideRate => "override_rate",
            MetricKey::SlaBreachRate => "sla_breach_rate",
            MetricKey::EnrichmentErrors => "enrichment_errors",
        }
    }

    /// The row's label.
    pub fn label(self) -> &'static str {
        match self {
            MetricKey::Accepted => "Accepted (routed to sales)",
            MetricKey::Nurture => "Nurture",
            MetricKey::Rejected => "Rejected (disqualified)",
            MetricKey::Unresolved => "Unresolved (manual review)",
            MetricKey::OutOfScope => "Out of scope",
            MetricKey::Immature => "Immature (too recent to judge)",
            MetricKey::LaterConverted => "Later converted (not sent to sales)",
            MetricKey::ConversionRateAccepted => "Converted: of accepted leads",
            MetricKey::ConversionRateNurture => "Converted: of nurture leads",
            MetricKey::ConversionRateRejected => "Converted: of rejected leads",
            MetricKey::ConversionRateUnresolved => "Converted: of unresolved leads",
            MetricKey::SellerAcceptance => "Seller acceptance",
            MetricKey::LowFitHandoffs => "Low-fit handoffs",
            MetricKey::DisqualificationAccuracy => "Disqualification accuracy",
            MetricKey::OverrideRate => "Differs from the old process",
            MetricKey::SlaBreachRate => "SLA breaches",
            MetricKey::EnrichmentErrors => "Enrichment errors",
        }
    }

    /// How to read the row.
    pub fn help(self) -> &'static str {
        match self {
            MetricKey::Accepted => "in-scope leads handed to a seller",
            MetricKey::Nurture => "in-scope leads sent to nurture",
            MetricKey::Rejected => "in-scope leads disqualified with a reason",
            MetricKey::Unresolved => "in-scope leads the policy refuses to decide",
            MetricKey::OutOfScope => "leads outside the pilot scope, excluded from every metric",
            MetricKey::Immature => {
                "in-scope leads created within the conversion window of the as-of date: left out of the conversion figures"
            }
            MetricKey::LaterConverted => {
                "rejected, nurture or unresolved leads that converted anyway"
            }
            MetricKey::ConversionRateAccepted => "accepted leads that converted",
            MetricKey::ConversionRateNurture => "nurture leads that converted anyway",
            MetricKey::ConversionRateRejected => "disqualified leads that converted anyway",
            MetricKey::ConversionRateUnresolved => "leads left for manual review that converted",
            MetricKey::SellerAcceptance => {
                "accepted leads the seller kept, of those with a known seller outcome"
            }
            MetricKey::LowFitHandoffs => {
                "accepted leads sent back by the seller or no-show at the meeting"
            }
            MetricKey::DisqualificationAccuracy => "rejected leads that indeed never converted",
            MetricKey::OverrideRate => {
                "in-scope leads decided differently than the historical process did"
            }
            MetricKey::SlaBreachRate => "accepted leads first touched later than their route's SLA",
            MetricKey::EnrichmentErrors => "in-scope leads whose enrichment failed",
        }
    }

    /// Whether it is a share (shown as a percentage) rather than a count.
    pub fn is_rate(self) -> bool {
        matches!(self.value(&Metrics::default()), MetricValue::Rate(_))
    }

    /// +1: up is good for the business; −1: up is bad; 0: neither.
    pub fn up(self) -> i8 {
        match self {
            MetricKey::Accepted
            | MetricKey::Nurture
            | MetricKey::Rejected
            | MetricKey::OutOfScope
            | MetricKey::Immature
            | MetricKey::ConversionRateNurture
            | MetricKey::ConversionRateUnresolved
            | MetricKey::OverrideRate
            | MetricKey::EnrichmentErrors => 0,
            MetricKey::Unresolved
            | MetricKey::LaterConverted
            | MetricKey::ConversionRateRejected
            | MetricKey::LowFitHandoffs
            | MetricKey::SlaBreachRate => -1,
            MetricKey::ConversionRateAccepted
            | MetricKey::SellerAcceptance
            | MetricKey::DisqualificationAccuracy => 1,
        }
    }

    /// The metric's value in `m`.
    pub fn value(self, m: &Metrics) -> MetricValue {
        use MetricValue::{Count, Rate};
        let converted = |d: Decision| {
            m.conversion_rate
                .as_ref()
                .and_then(|c| c.get(d.as_str()).copied().flatten())
        };
        match self {
            MetricKey::Accepted => Count(Some(m.accepted)),
            MetricKey::Nurture => Count(Some(m.nurture)),
            MetricKey::Rejected => Count(Some(m.rejected)),
            MetricKey::Unresolved => Count(Some(m.unresolved)),
            MetricKey::OutOfScope => Count(Some(m.out_of_scope)),
            MetricKey::Immature => Count(m.immature),
            MetricKey::LaterConverted => Count(m.later_converted),
            MetricKey::ConversionRateAccepted => Rate(converted(Decision::Accepted)),
            MetricKey::ConversionRateNurture => Rate(converted(Decision::Nurture)),
            MetricKey::ConversionRateRejected => Rate(converted(Decision::Rejected)),
            MetricKey::ConversionRateUnresolved => Rate(converted(Decision::Unresolved)),
            MetricKey::SellerAcceptance => Rate(m.seller_acceptance),
            MetricKey::LowFitHandoffs => Count(m.low_fit_handoffs),
            MetricKey::DisqualificationAccuracy => Rate(m.disqualification_accuracy),
            MetricKey::OverrideRate => Rate(m.override_rate),
            MetricKey::SlaBreachRate => Rate(m.sla_breach_rate),
            MetricKey::EnrichmentErrors => Count(m.enrichment_errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_shown_as_what_it_holds() {
        let m = Metrics::default();
        for k in MetricKey::ALL {
            assert_eq!(
                k.is_rate(),
                matches!(k.value(&m), MetricValue::Rate(_)),
                "{}",
                k.as_str()
            );
            let json = serde_json::to_value(k).ok();
            assert_eq!(json.as_ref().and_then(|v| v.as_str()), Some(k.as_str()));
        }
    }
}
