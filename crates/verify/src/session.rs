//! Opening a session on Temporal's database: on DSQL the database is a
//! schema inside `postgres` (selected with `search_path`), on PostgreSQL a
//! database of its own; we look for the schema first.

use tokio_postgres::Client;

use crate::{Error, VerifyOptions};

pub(crate) async fn open(opts: &VerifyOptions, target: &str) -> Result<Client, Error> {
    let name = &opts.temporal_database;
    let mut connect = opts.connect.clone();
    connect.database = "postgres".into();
    let client =
        pgconn::connect(&connect).await.map_err(|source| Error::Connect { target: target.to_string(), source })?;
    let schema_exists = client
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[name])
        .await
        .map_err(|source| Error::Session { target: target.to_string(), source })?
        .is_some();
    if schema_exists {
        // Identifier quoting: the name is validated as a plain identifier by
        // the config, but quote anyway so no input can change the statement.
        let set = format!("SET search_path TO \"{}\"", name.replace('"', "\"\""));
        client.batch_execute(&set).await.map_err(|source| Error::Session { target: target.to_string(), source })?;
        return Ok(client);
    }
    drop(client);
    connect.database = name.clone();
    match pgconn::connect(&connect).await {
        Ok(client) => Ok(client),
        Err(_) => Err(Error::NoTemporalDatabase { name: name.clone(), target: target.to_string() }),
    }
}
