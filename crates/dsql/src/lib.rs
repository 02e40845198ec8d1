//! What is specific to Aurora DSQL: auth tokens, dialect rules (what DSQL
//! refuses, with its exact SQLSTATE and message), error classification,
//! limits and endpoint naming.

pub mod dialect;
pub mod endpoint;
pub mod errors;
pub mod limits;
pub mod lint;
pub mod token;
