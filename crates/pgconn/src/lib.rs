//! Opening PostgreSQL/DSQL connections: TLS modes like libpq, password or IAM-token auth, retries, error classification.
