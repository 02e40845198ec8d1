//! The local Aurora DSQL emulator: the proxy with the enforce policy in front of a private PostgreSQL.
