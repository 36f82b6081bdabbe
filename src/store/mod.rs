//! The workspace: every policy version, who approved it on what evidence, the replays on record
//! and an append-only, hash-chained audit log, in one SQLite database (sqlx) inside a workspace
//! directory.
//!
//! Every change is one transaction that also appends its audit entry, so a crash leaves exactly
//! the old or the new state. The caller passes "who" and "now" ([`Actor`]); this module never
//! reads the clock or the environment.

pub mod actor;
pub mod audit;
pub mod export;
pub mod lifecycle;
pub mod manifest;
pub mod signing;
pub mod trust;
pub mod working;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::Error;

/// The schema this build writes. A database with a higher `user_version` came from a newer
/// leadpolicy and is refused rather than misread.
pub const SCHEMA_VERSION: i64 = 3;

const MIGRATIONS: [&str; 3] = [
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
];

/// The database file inside a workspace directory.
pub const DB_FILE: &str = "workspace.db";

/// The app's identifier: its data folder's name.
pub const APP_ID: &str = "dev.leadpolicy.workbench";

/// The default workspace, shared by the desktop app and the command line, so that what is
/// published in the window is what `leadpolicy workspace export` exports:
/// `$XDG_DATA_HOME/dev.leadpolicy.workbench/workspace`, else
/// `~/.local/share/dev.leadpolicy.workbench/workspace`. The front end reads the environment and
/// passes the two values in.
pub fn default_dir(xdg_data_home: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    let base = xdg_data_home
        .filter(|p| p.is_absolute())
        .or_else(|| home.map(|h| h.join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join(APP_ID).join("workspace")
}

/// Who acts, and when (RFC 3339). Supplied by the front end (see [`actor`]).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a str,
    pub now: &'a str,
}

/// An open workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub dir: PathBuf,
    pool: SqlitePool,
}

/// Lifecycle states of a version, in the order a version goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    InReview,
    Approved,
    Published,
    Retired,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::InReview,
        Status::Approved,
        Status::Published,
        Status::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Published => "published",
            Status::Retired => "retired",
        }
    }
}

impl FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "draft" => Status::Draft,
            "in_review" => Status::InReview,
            "approved" => Status::Approved,
            "published" => Status::Published,
            "retired" => Status::Retired,
            other => {
                return Err(Error::Workspace(format!(
                    "the database holds an unknown status `{other}`"
                )));
            }
        })
    }
}

impl Workspace {
    /// Open an existing workspace.
    pub async fn open(dir: &Path) -> Result<Self, Error> {
        let db = dir.join(DB_FILE);
        if !db.is_file() {
            return Err(Error::Workspace(format!(
                "no workspace at `{}`: run `leadpolicy workspace init --workspace {}` first",
                dir.display(),
                dir.display()
            )));
        }
        Self::connect(dir, false).await
    }

    /// Create a workspace (the directory and its database) or open the one that is there.
    pub async fn create(dir: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        Self::connect(dir, true).await
    }

    async fn connect(dir: &Path, create: bool) -> Result<Self, Error> {
        let options = SqliteConnectOptions::new()
            .filename(dir.join(DB_FILE))
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| match Error::from(e) {
                Error::Workspace(m) => Error::Workspace(format!(
                    "cannot open the workspace at `{}`: {m}",
                    dir.display()
                )),
                other => other,
            })?;
        let ws = Self {
            dir: dir.to_path_buf(),
            pool,
        };
        ws.migrate().await?;
        Ok(ws)
    }

    async fn migrate(&self) -> Result<(), Error> {
        let version: i64 = sqlx::query("PRAGMA user_version")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if version > SCHEMA_VERSION {
            return Err(Error::Workspace(format!(
                "the workspace at `{}` was written by a newer leadpolicy (schema {version}; this one knows {SCHEMA_VERSION}); upgrade leadpolicy to open it",
                self.dir.display()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let target = i as i64 + 1;
            if version < target {
                let mut tx = self.pool.begin().await?;
                sqlx::raw_sql(*sql).execute(&mut *tx).await?;
                // `PRAGMA` takes no bound parameters; the number is ours.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "PRAGMA user_version = {target}"
                )))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Close the database cleanly (checkpoints the WAL).
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// A workspace setting (guardrail limits), or its default.
    pub async fn setting(&self, key: &str, default: f64) -> Result<f64, Error> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(default),
            Some(r) => {
                let v: String = r.try_get(0)?;
                v.parse().map_err(|_| {
                    Error::Workspace(format!(
                        "setting `{key}` holds `{v}`, which is not a number"
                    ))
                })
            }
        }
    }

    /// Change a setting; the change is audited.
    pub async fn set_setting(&self, key: &str, value: f64, actor: Actor<'_>) -> Result<(), Error> {
        if !lifecycle::GUARDRAILS.iter().any(|g| g.key == key) {
            let known: Vec<&str> = lifecycle::GUARDRAILS.iter().map(|g| g.key).collect();
            return Err(Error::Usage(format!(
                "unknown setting `{key}`; settings are {}",
                crate::diag::list_names(&known)
            )));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value.to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            actor,
            "setting",
            None,
            None,
            &serde_json::json!({ "key": key, "value": value }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// sha256 of a dataset's files (mapping, leads, outcomes), as recorded with replays.
pub fn dataset_hash(ds: &crate::dataset::Dataset) -> Result<String, Error> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    let mut files = vec![ds.mapping_path.clone(), ds.leads_path.clone()];
    files.extend(ds.outcomes_path.clone());
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| Error::io(&f, e))?;
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(crate::hex(&h.finalize()))
}

/// Seconds since 1970-01-01 UTC as RFC 3339 with seconds (`2026-11-27T02:16:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
