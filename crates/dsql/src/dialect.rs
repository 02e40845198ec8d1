//! Statement analysis: what kind each SQL statement is and what DSQL would
//! answer to it. Shared by `schema lint` (static) and the emulator (runtime).
//!
//! INTERFACE CONTRACT (owned by the dialect work; others build against it):
//! `analyze(sql)` splits `sql` into statements and returns one
//! [`Statement`] per statement. It never fails: text it cannot parse comes
//! back as `Kind::Unknown` with no refusal, so callers forward it.

/// One statement of the input and what DSQL makes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Byte range of the statement in the analysed text.
    pub span: std::ops::Range<usize>,
    pub kind: Kind,
    /// Some when DSQL refuses this statement.
    pub refusal: Option<Refusal>,
}

/// Statement classes that DSQL's transaction rules care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CREATE/ALTER/DROP … (one per transaction, never mixed with DML).
    Ddl,
    /// INSERT/UPDATE/DELETE (and SELECT … FOR UPDATE? no: that is Query).
    Dml,
    /// SELECT, SHOW, VALUES, EXPLAIN, …
    Query,
    Begin,
    Commit,
    Rollback,
    /// SET / RESET / other session commands.
    Session,
    /// Parsed nothing we classify, or could not parse: forward unchanged.
    Unknown,
}

/// DSQL's answer to a statement it does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// SQLSTATE, e.g. "0A000".
    pub sqlstate: &'static str,
    /// DSQL's message text, exactly as a real cluster words it.
    pub message: String,
    /// How to change the statement so DSQL accepts it.
    pub fix: &'static str,
}

/// Analyses `sql`. See the module docs for the contract.
pub fn analyze(sql: &str) -> Vec<Statement> {
    // Placeholder until the dialect rules land: classify nothing.
    vec![Statement { span: 0..sql.len(), kind: Kind::Unknown, refusal: None }]
}
