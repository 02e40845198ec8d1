//! PostgreSQL v3 protocol messages, both directions, as a pure codec with no I/O.
