//! The private PostgreSQL behind the emulator: created on first start
//! (initdb with a random password kept 0600 in the data dir), started on a
//! free 127.0.0.1 port with DSQL's session defaults, and given the DSQL
//! scaffolding in `sql/bootstrap.sql`.
//!
//! Why the transaction rules live inside PostgreSQL: one-DDL-per-transaction,
//! no DDL+DML mix, the row cap and the transaction size are enforced by an
//! event trigger and per-table statement triggers that raise DSQL's errors
//! (the size through a deferred constraint trigger, so at COMMIT). PostgreSQL then
//! aborts the transaction itself, so 25P02 afterwards, COMMIT answering
//! ROLLBACK and the implicit transaction of a multi-statement query all
//! behave natively, for both protocols, without the proxy re-implementing
//! transaction state. The proxy refuses statements the same way (it rewrites
//! them to `sys.__refuse(...)`), for the same reason.

use std::path::{Path, PathBuf};
use std::time::Duration;

use dsql_deploy_config::EmulatorConfig;
use pgcluster::{Auth, Cluster, InitOptions, RunningServer};

use crate::error::{Error, Result};
use crate::paths::Layout;

/// Superuser of the private cluster (only the emulator logs in as it).
pub const SUPERUSER: &str = "postgres";

/// How long a statement waits for a row or table lock before the emulator
/// reports a conflict. DSQL never waits (conflicts are judged at COMMIT);
/// PostgreSQL makes the second writer wait for the first. A short wait lets
/// the first writer finish (then REPEATABLE READ fails the second with a
/// serialization error) and otherwise turns the wait into the same 40001.
pub const LOCK_TIMEOUT: &str = "100ms";

/// Reads the internal password, creating it (random, 0600) on first use.
pub fn internal_password(layout: &Layout) -> Result<String> {
    let path = layout.password_file();
    if let Ok(text) = std::fs::read_to_string(&path) {
        let text = text.trim().to_string();
        if !text.is_empty() {
            return Ok(text);
        }
    }
    let bytes: [u8; 24] = rand::random();
    let password = hex::encode(bytes);
    fsutil::write_atomic(&path, password.as_bytes(), 0o600)
        .map_err(Error::io(format!("cannot write {}", path.display())))?;
    Ok(password)
}

/// Longest Unix-domain socket path the kernel takes (`sun_path` minus its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// The directory for the private server's Unix-domain socket: its data
/// dir, when the socket's path fits the kernel's limit. The proxy relays
/// every client message through this socket, which costs the kernel less
/// per message than loopback TCP; with a data dir too deep for it the
/// server is reached over TCP only.
pub fn socket_dir(layout: &Layout) -> Option<PathBuf> {
    let dir = layout.pgdata();
    let longest = dir.join(".s.PGSQL.65535");
    (longest.as_os_str().len() <= MAX_SOCKET_PATH).then_some(dir)
}

/// The socket file PostgreSQL creates in `dir` for `port`.
pub fn socket_path(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!(".s.PGSQL.{port}"))
}

/// initdb (first time only) and start on a free port (and, see
/// [`socket_dir`], a Unix-domain socket only our own user can open).
pub fn start(layout: &Layout, config: &EmulatorConfig, password: &str) -> Result<RunningServer> {
    let cluster = Cluster::new(pgcluster::find_bin_dir()?, layout.pgdata())?;
    if !cluster.is_initialised() {
        cluster.init(&InitOptions { superuser: SUPERUSER.into(), auth: Auth::Password(password.into()) })?;
    }
    let max_rows = config.max_rows_per_transaction.to_string();
    let max_bytes = config.max_transaction_bytes.to_string();
    // On top of the client sessions: the emulator's control connection and
    // PostgreSQL's 3 slots reserved for superusers (superuser_reserved_connections).
    let max_connections = (config.max_connections + 4).to_string();
    let mut settings: Vec<(&str, &str)> = vec![
        ("default_transaction_isolation", "repeatable read"),
        ("lock_timeout", LOCK_TIMEOUT),
        ("timezone", "UTC"),
        ("max_connections", &max_connections),
        ("dsql.max_rows_per_transaction", &max_rows),
        ("dsql.max_transaction_bytes", &max_bytes),
    ];
    let socket_dir = socket_dir(layout).map(|d| d.display().to_string());
    if let Some(dir) = &socket_dir {
        settings.extend([("unix_socket_directories", dir.as_str()), ("unix_socket_permissions", "0700")]);
    }
    // Another process may take the port between probe and bind: retry.
    let mut last = None;
    for _ in 0..5 {
        let port = pgcluster::free_port()?;
        match cluster.start(port, &settings, Duration::from_secs(60)) {
            Ok(server) => return Ok(server),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map(Error::from).unwrap_or_else(|| Error::Bootstrap("no attempt to start PostgreSQL".into())))
}

/// Connects to the private cluster as the superuser (the emulator's control connection).
pub async fn connect_superuser(port: u16, password: &str) -> Result<tokio_postgres::Client> {
    connect(port, SUPERUSER, password).await
}

/// Connects as `user` with the internal password.
pub async fn connect(port: u16, user: &str, password: &str) -> Result<tokio_postgres::Client> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.host("127.0.0.1").port(port).user(user).password(password).dbname("postgres");
    cfg.connect_timeout(Duration::from_secs(10));
    let (client, connection) = cfg
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| Error::Bootstrap(format!("cannot connect to the private PostgreSQL as {user}: {e}")))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Roles, ownership and the `sys` scaffolding. Idempotent.
pub async fn bootstrap(client: &tokio_postgres::Client, password: &str) -> Result<()> {
    let quoted = password.replace('\'', "''");
    let roles = format!(
        "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'admin') THEN \
           CREATE ROLE admin LOGIN CREATEROLE; END IF; END$$;\n\
         ALTER ROLE admin WITH LOGIN CREATEROLE PASSWORD '{quoted}';\n\
         ALTER DATABASE postgres OWNER TO admin;\n"
    );
    client
        .batch_execute(&roles)
        .await
        .map_err(|e| Error::Bootstrap(format!("creating role admin: {}", db_error_text(&e))))?;
    // On a restart the DSQL rules' event triggers already exist and would
    // refuse this multi-DDL script; `dsql.internal` is their bypass.
    let script = format!("SET dsql.internal = 'on';\n{}\nRESET dsql.internal;", include_str!("sql/bootstrap.sql"));
    client
        .batch_execute(&script)
        .await
        .map_err(|e| Error::Bootstrap(format!("installing the sys schema: {}", db_error_text(&e))))?;
    Ok(())
}

/// Gives a login role the internal password so the proxy can log in as it.
/// Returns false when the role does not exist, cannot log in, or is the
/// superuser or has a power DSQL roles lack (replication, bypassing RLS).
pub async fn prepare_login_role(client: &tokio_postgres::Client, role: &str, password: &str) -> Result<bool> {
    // Never a role with powers DSQL roles lack: the superuser the emulator
    // itself logs in as would give any token holder the private cluster and
    // the files and programs of its OS user.
    if role == SUPERUSER {
        return Ok(false);
    }
    let row = client
        .query_opt(
            "SELECT rolcanlogin AND NOT rolsuper AND NOT rolreplication AND NOT rolbypassrls \
             FROM pg_roles WHERE rolname = $1",
            &[&role],
        )
        .await
        .map_err(|e| Error::Bootstrap(format!("looking up role {role}: {}", db_error_text(&e))))?;
    let Some(row) = row else { return Ok(false) };
    if !row.get::<_, bool>(0) {
        return Ok(false);
    }
    let sql = format!("ALTER ROLE \"{}\" PASSWORD '{}'", role.replace('"', "\"\""), password.replace('\'', "''"));
    client
        .batch_execute(&sql)
        .await
        .map_err(|e| Error::Bootstrap(format!("preparing role {role}: {}", db_error_text(&e))))?;
    Ok(true)
}

/// The server's message for a database error, else the client's.
pub fn db_error_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_lives_in_the_data_dir_when_its_path_fits() {
        let layout = Layout::new("/var/lib/dsql-deploy/emulator");
        let dir = socket_dir(&layout).expect("a short data dir gets a socket");
        assert_eq!(dir, layout.pgdata());
        assert_eq!(socket_path(&dir, 6543), layout.pgdata().join(".s.PGSQL.6543"));
    }

    #[test]
    fn a_data_dir_too_deep_for_a_socket_path_means_tcp_only() {
        // pgdata + "/.s.PGSQL.65535" must fit in 107 bytes; PostgreSQL
        // refuses to start with a longer socket path.
        let fits = format!("/{}", "d".repeat(MAX_SOCKET_PATH - "/pgdata/.s.PGSQL.65535".len() - 1));
        assert!(socket_dir(&Layout::new(&fits)).is_some(), "{} bytes", fits.len());
        let too_long = format!("{fits}x");
        assert_eq!(socket_dir(&Layout::new(&too_long)), None);
    }
}
