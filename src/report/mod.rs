//! Results rendered for people, above what they render: the replay's terminal table, CSV ledgers
//! and self-contained `report.html` with its charts ([`replay`]), and the trust analytics' text
//! and HTML section ([`analysis`]). The charts themselves are in [`crate::chart`].

pub mod analysis;
pub mod replay;
