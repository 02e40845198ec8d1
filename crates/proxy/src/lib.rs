//! The PostgreSQL-wire proxy engine shared by the emulator and the gateway.
