//! What is specific to Aurora DSQL: auth tokens, dialect rules, error classification, limits, endpoint naming.
