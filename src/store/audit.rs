//! The audit log: every action appended inside the transaction that performs it, each entry
//! hash-chained to the previous one, so an edited, inserted or deleted entry breaks the chain
//! that [`verify`] recomputes. SQLite triggers refuse updates and deletes outright.

use serde::Serialize;
use sqlx::sqlite::Sqlite;
use sqlx::{Row, Transaction};

use super::{Actor, Workspace};
use crate::error::Error;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub policy_id: Option<String>,
    pub version: Option<i64>,
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: sha256 over its fields, length-prefixed so that no two different
/// entries encode alike, and the previous hash.
struct Fields<'a> {
    seq: i64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    policy_id: Option<&'a str>,
    version: Option<i64>,
    detail: &'a str,
}

fn entry_hash(prev: &str, f: &Fields<'_>) -> String {
    let version = f.version.map(|v| v.to_string());
    let fields = [
        prev,
        &f.seq.to_string(),
        f.at,
        f.actor,
        f.action,
        f.policy_id.unwrap_or("\u{0}"),
        version.as_deref().unwrap_or("\u{0}"),
        f.detail,
    ];
    let mut buf = Vec::new();
    for f in fields {
        buf.extend_from_slice(&(f.len() as u64).to_le_bytes());
        buf.extend_from_slice(f.as_bytes());
    }
    crate::sha256_hex(&buf)
}

/// The newest entry's hash ([`GENESIS`] for an empty log): what an export anchors.
pub async fn head(pool: &sqlx::SqlitePool) -> Result<String, Error> {
    let last = sqlx::query("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(pool)
        .await?;
    match last {
        Some(r) => Ok(r.try_get(0)?),
        None => Ok(GENESIS.to_string()),
    }
}

/// Append an entry within `tx`.
pub async fn append(
    tx: &mut Transaction<'static, Sqlite>,
    actor: Actor<'_>,
    action: &str,
    policy_id: Option<&str>,
    version: Option<i64>,
    detail: &serde_json::Value,
) -> Result<(), Error> {
    let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (seq, prev) = match last {
        Some(r) => (r.try_get::<i64, _>(0)? + 1, r.try_get::<String, _>(1)?),
        None => (1, GENESIS.to_string()),
    };
    let detail = detail.to_string();
    let hash = entry_hash(
        &prev,
        &Fields {
            seq,
            at: actor.now,
            actor: actor.user,
            action,
            policy_id,
            version,
            detail: &detail,
        },
    );
    sqlx::query(
        "INSERT INTO audit (seq, at, actor, action, policy_id, version, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(seq)
    .bind(actor.now)
    .bind(actor.user)
    .bind(action)
    .bind(policy_id)
    .bind(version)
    .bind(&detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Workspace {
    /// The whole audit log, oldest first.
    pub async fn log(&self) -> Result<Vec<Entry>, Error> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, policy_id, version, detail, prev_hash, hash FROM audit ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let detail: String = r.try_get(6)?;
                Ok(Entry {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    policy_id: r.try_get(4)?,
                    version: r.try_get(5)?,
                    detail: serde_json::from_str(&detail)
                        .unwrap_or(serde_json::Value::String(detail)),
                    prev_hash: r.try_get(7)?,
                    hash: r.try_get(8)?,
                })
            })
            .collect()
    }
}

/// Why a log does not verify.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Break {
    pub seq: i64,
    pub problem: String,
}

/// Recompute the chain. `Ok(n)` when all `n` entries verify; the first break otherwise.
pub fn verify(entries: &[Entry]) -> Result<usize, Break> {
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Err(Break {
                seq: e.seq,
                problem: format!(
                    "entry {expected_seq} is missing (the next entry is {}): an entry was deleted",
                    e.seq
                ),
            });
        }
        if e.prev_hash != prev {
            return Err(Break {
                seq: e.seq,
                problem:
                    "does not follow the entry before it: an entry was deleted, inserted or edited"
                        .into(),
            });
        }
        // Re-serialise the detail exactly as it was stored (serde_json is canonical for what
        // we write: object keys in order, no whitespace).
        let detail = match &e.detail {
            serde_json::Value::String(s)
                if serde_json::from_str::<serde_json::Value>(s).is_err() =>
            {
                s.clone()
            }
            v => v.to_string(),
        };
        let hash = entry_hash(
            &e.prev_hash,
            &Fields {
                seq: e.seq,
                at: &e.at,
                actor: &e.actor,
                action: &e.action,
                policy_id: e.policy_id.as_deref(),
                version: e.version,
                detail: &detail,
            },
        );
        if hash != e.hash {
            return Err(Break {
                seq: e.seq,
                problem: "its content does not match its hash: the entry was edited".into(),
            });
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}
