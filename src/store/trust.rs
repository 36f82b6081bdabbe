//! Which keys a workspace trusts to sign the exports it imports: its own (the key pair in the
//! workspace folder, made on first use) and the public keys it was told to trust, each with a
//! name and kept in the database. Trusting a key is an audited action.

use serde::Serialize;
use sqlx::Row;

use super::signing::{KeyPair, PublicKey};
use super::{Actor, Workspace, audit};
use crate::error::Error;

/// A key the workspace trusts.
#[derive(Debug, Clone, Serialize)]
pub struct TrustedKey {
    #[serde(serialize_with = "as_text")]
    pub key: PublicKey,
    pub id: String,
    pub name: String,
    /// True for the workspace's own key.
    pub own: bool,
    pub added_at: Option<String>,
    pub added_by: Option<String>,
}

fn as_text<S: serde::Serializer>(key: &PublicKey, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(key)
}

/// The name shown for the workspace's own key.
pub const OWN_KEY_NAME: &str = "this workspace";

impl Workspace {
    /// This workspace's public key (the key pair is made on first use).
    pub fn public_key(&self) -> Result<PublicKey, Error> {
        Ok(KeyPair::load_or_create(&self.dir)?.public())
    }

    /// Every trusted key: the workspace's own first, then the others in the order they were
    /// trusted.
    pub async fn trusted_keys(&self) -> Result<Vec<TrustedKey>, Error> {
        let own = self.public_key()?;
        let mut keys = vec![TrustedKey {
            id: own.id(),
            key: own,
            name: OWN_KEY_NAME.into(),
            own: true,
            added_at: None,
            added_by: None,
        }];
        let rows = sqlx::query(
            "SELECT public_key, name, added_at, added_by FROM trusted_keys ORDER BY added_at, key_id",
        )
        .fetch_all(self.pool())
        .await?;
        for r in rows {
            let text: String = r.try_get(0)?;
            let key = PublicKey::parse(&text).map_err(|_| {
                Error::Workspace(format!(
                    "the workspace database holds a damaged trusted key `{text}`"
                ))
            })?;
            keys.push(TrustedKey {
                id: key.id(),
                key,
                name: r.try_get(1)?,
                own: false,
                added_at: Some(r.try_get(2)?),
                added_by: Some(r.try_get(3)?),
            });
        }
        Ok(keys)
    }

    /// Trust `key` (named `name`) to sign exports this workspace imports.
    pub async fn trust(&self, key: &PublicKey, name: &str, actor: Actor<'_>) -> Result<(), Error> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Usage(
                "name the key's owner (e.g. `--name \"EMEA revenue ops\"`), so the list of trusted keys says whose each is".into(),
            ));
        }
        if let Some(known) = self
            .trusted_keys()
            .await?
            .into_iter()
            .find(|t| &t.key == key)
        {
            return Err(Error::Lifecycle(format!(
                "key {} is already trusted (as “{}”)",
                known.id, known.name
            )));
        }
        let mut tx = self.pool().begin().await?;
        sqlx::query("INSERT INTO trusted_keys (key_id, public_key, name, added_at, added_by) VALUES (?, ?, ?, ?, ?)")
            .bind(key.id())
            .bind(key.to_string())
            .bind(name)
            .bind(actor.now)
            .bind(actor.user)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            actor,
            "trust_key",
            None,
            None,
            &serde_json::json!({ "key_id": key.id(), "public_key": key.to_string(), "name": name }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
