//! The manifest written beside an exported policy: what it records (the policy's sha256, the
//! approval, the replay evidence, the compiled SQL beside it, the signature) and where the files
//! go. Read by export, import and verification alike.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::lifecycle::Approval;
use crate::replay::Metrics;

/// The headline figures kept as evidence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Headline {
    pub accepted: usize,
    pub nurture: usize,
    pub rejected: usize,
    pub unresolved: usize,
    pub out_of_scope: usize,
    pub later_converted: Option<usize>,
    pub seller_acceptance: Option<f64>,
    pub low_fit_handoffs: Option<usize>,
    pub disqualification_accuracy: Option<f64>,
}

impl From<&Metrics> for Headline {
    fn from(m: &Metrics) -> Self {
        Self {
            accepted: m.accepted,
            nurture: m.nurture,
            rejected: m.rejected,
            unresolved: m.unresolved,
            out_of_scope: m.out_of_scope,
            later_converted: m.later_converted,
            seller_acceptance: m.seller_acceptance,
            low_fit_handoffs: m.low_fit_handoffs,
            disqualification_accuracy: m.disqualification_accuracy,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    pub dataset: String,
    pub dataset_sha256: String,
    pub baseline_version: Option<i64>,
    pub baseline_sha256: Option<String>,
    pub baseline: Headline,
    pub draft: Headline,
    pub replayed_at: String,
}

/// The manifest written next to an exported policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub policy_id: String,
    pub version: i64,
    pub file: String,
    pub sha256: String,
    pub status: String,
    pub author: String,
    pub approval: Approval,
    pub evidence: Evidence,
    pub exported_at: String,
    pub exported_by: String,
    /// The audit log's head hash when the export was made: anchors the log the approval is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<String>,
    /// The signing workspace's public key (`ed25519:<base64>`) and its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The policy compiled to SQL views written beside it, one per dialect, with their sha256
    /// (covered by the signature like everything here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compiled_sql: Vec<CompiledSql>,
    /// Ed25519 over the manifest's canonical bytes (see [`super::signing`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A view definition exported beside the policy, as the manifest records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompiledSql {
    /// `duckdb`, `postgres` or `spark`.
    pub dialect: String,
    /// The file's name, in the policy file's folder.
    pub file: String,
    pub sha256: String,
    /// The view it creates and the table it reads.
    pub view: String,
    pub leads_table: String,
}

/// The file name of a policy's view in one dialect: `<stem>.<dialect>.sql`.
pub fn sql_path(policy: &Path, dialect: &str) -> PathBuf {
    let stem = policy
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    policy.with_file_name(format!("{stem}.{dialect}.sql"))
}

/// The manifest's file name for a policy file name.
pub fn manifest_path(policy: &Path) -> PathBuf {
    let mut name = policy
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.push_str(".manifest.json");
    policy.with_file_name(name)
}
