//! Opening connections. Everything goes through `pgconn::connect` (TLS, IAM
//! tokens, retries). TEMPORARY: while pgconn is still a stub (it answers
//! `Error::Todo`), a plaintext connection is opened directly for
//! `sslmode=disable` so the schema tool can be tested; this fallback goes
//! away once pgconn lands.

use pgconn::{ConnectOptions, SslMode};

pub(crate) async fn connect(opts: &ConnectOptions) -> Result<tokio_postgres::Client, pgconn::Error> {
    match pgconn::connect(opts).await {
        Err(pgconn::Error::Todo) if opts.sslmode == SslMode::Disable => plaintext(opts).await.map_err(|_| pgconn::Error::Todo),
        other => other,
    }
}

async fn plaintext(opts: &ConnectOptions) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(&opts.host)
        .port(opts.port)
        .user(&opts.user)
        .dbname(&opts.database)
        .application_name(&opts.application_name)
        .connect_timeout(opts.connect_timeout);
    if let pgconn::Auth::Password(Some(pw)) = &opts.auth {
        config.password(pw);
    }
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}
