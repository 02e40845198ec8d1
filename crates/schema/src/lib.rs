//! temporal-sql-tool compatible schema management, executed the DSQL way.
