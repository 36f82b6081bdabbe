//! Running the compiled replay in PostgreSQL (`leadpolicy replay --engine postgres://…`): the
//! query goes to the server, the figures come back, no lead row leaves it.

use sqlx::{AssertSqlSafe, Connection, Row as _};

use super::Row;
use crate::error::Error;

/// What went wrong talking to the server, in words (the URL's password is never repeated).
fn failed(what: &str, e: &sqlx::Error) -> Error {
    let why = match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Io(io) => format!(
            "{io}; is a server listening there? Check the URL's host and port, or its `?host=/socket/folder`"
        ),
        sqlx::Error::Configuration(c) => c.to_string(),
        other => other.to_string(),
    };
    Error::Usage(format!("PostgreSQL: {what}: {why}"))
}

/// Run the compiled replay `sql` on the server at `url` and read its rows.
pub fn run_replay(url: &str, sql: &str) -> Result<Vec<Row>, Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the PostgreSQL client: {e}")))?;
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(url)
            .await
            .map_err(|e| failed("cannot connect", &e))?;
        let rows = sqlx::query(AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut conn)
            .await
            .map_err(|e| failed("the replay query failed", &e))?;
        let _ = conn.close().await;
        rows.iter()
            .map(|r| {
                let get =
                    |e: sqlx::Error| failed("the replay query returned an unexpected row", &e);
                Ok(Row {
                    breakdown: r.try_get("breakdown").map_err(get)?,
                    grp: r.try_get("grp").map_err(get)?,
                    policy: r.try_get("policy").map_err(get)?,
                    metric: r.try_get("metric").map_err(get)?,
                    key: r.try_get("key").map_err(get)?,
                    sub: r.try_get("sub").map_err(get)?,
                    value: r.try_get("value").map_err(get)?,
                })
            })
            .collect()
    })
}
