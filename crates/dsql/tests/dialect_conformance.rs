//! `dialect::analyze` against the answers recorded on a real DSQL cluster
//! (`shared/reference/dsql-conformance/*.json`, beside the repository).
//!
//! Every recorded step is checked:
//! - a step DSQL accepted must get no refusal (we must never refuse what
//!   DSQL runs);
//! - a step DSQL refused must get exactly that SQLSTATE and message, unless
//!   the refusal depends on state a single statement cannot show (the
//!   session's transaction, the catalog, row counts, what PostgreSQL
//!   itself answers) — those are listed below with the reason, and must
//!   get no refusal from `analyze` either;
//! - the transaction rules (multiple DDL, DDL with DML) are replayed through
//!   `txn::violation` over each case's session and must reproduce DSQL's
//!   error at the recorded step.

use dsql::dialect::{Kind, analyze, txn};
use serde_json::Value;
use std::path::PathBuf;

fn conformance_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/dsql-conformance");
    assert!(dir.is_dir(), "conformance recordings missing at {} (they sit beside the repository clone)", dir.display());
    dir
}

/// Refusals that need more than the statement text; who answers instead.
fn decided_elsewhere(case: &str, sqlstate: &str) -> Option<&'static str> {
    match (case, sqlstate) {
        (_, "25P02") => Some("session: transaction already failed"),
        (_, "54000") => Some("runtime: row limit"),
        (_, "23514" | "23503") => Some("PostgreSQL: constraint violation"),
        (_, "42804") => Some("DSQL planner defect (known_gap)"),
        (_, "55000") => Some("runtime: index still building"),
        ("enum_column_undefined" | "enum_cast_undefined", "42704") => Some("PostgreSQL: the type was never created"),
        ("sys_wait_for_job" | "sys_call_wait_for_job" | "sys_call_wait_for_job_literal", _) => {
            Some("emulator: sys.wait_for_job")
        }
        ("q_group_by_all", "42601") => Some("PostgreSQL: same syntax error"),
        ("alter_drop_pk_column", "0A000") => Some("catalog: is the column part of the primary key"),
        _ => None,
    }
}

#[derive(Default)]
struct Tally {
    refusals: usize,
    /// Transaction-rule errors reproduced through `txn::violation`.
    txn_rules: usize,
    accepted: usize,
    elsewhere: usize,
    failures: Vec<String>,
}

fn check_file(path: &std::path::Path, tally: &mut Tally) {
    let text = std::fs::read_to_string(path).expect("readable recording");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    for case in doc["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().unwrap_or("?");
        let Some(steps) = case["steps"].as_array() else { continue };
        let observations = case["observations"].as_array().expect("observations");
        let mut session = Session::default();
        for (step, obs) in steps.iter().zip(observations) {
            let sql = step.as_str().expect("step text");
            if let Some(expected) = session.run(sql) {
                check_txn_rule(name, sql, obs, &expected, tally);
            } else {
                check_step(name, sql, obs, tally);
            }
        }
    }
}

/// The transaction rules as the emulator applies them: within `BEGIN …`
/// (or the implicit transaction of a multi-statement query) one DDL
/// statement, and never DDL with DML — judged by `txn::violation`.
#[derive(Default)]
struct Session {
    in_transaction: bool,
    ddl: bool,
    dml: bool,
}

impl Session {
    /// The transaction-rule error `sql` would get, if any.
    fn run(&mut self, sql: &str) -> Option<dsql::dialect::Refusal> {
        let stmts = analyze(sql);
        // A multi-statement simple query runs as one implicit transaction.
        let implicit = stmts.len() > 1;
        let (mut implicit_ddl, mut implicit_dml) = (false, false);
        for s in &stmts {
            if s.refusal.is_some() {
                return None;
            }
            match s.kind {
                Kind::Begin => (self.in_transaction, self.ddl, self.dml) = (true, false, false),
                Kind::Commit | Kind::Rollback => self.in_transaction = false,
                kind => {
                    let (ddl, dml) = if self.in_transaction {
                        (&mut self.ddl, &mut self.dml)
                    } else if implicit {
                        (&mut implicit_ddl, &mut implicit_dml)
                    } else {
                        continue;
                    };
                    if let Some(r) = txn::violation(*ddl, *dml, kind) {
                        return Some(r);
                    }
                    *ddl |= kind == Kind::Ddl;
                    *dml |= kind == Kind::Dml;
                }
            }
        }
        None
    }
}

fn check_txn_rule(name: &str, sql: &str, obs: &Value, expected: &dsql::dialect::Refusal, tally: &mut Tally) {
    let (state, message) = (obs["sqlstate"].as_str().unwrap_or(""), obs["message"].as_str().unwrap_or(""));
    if obs["outcome"] == "error" && state == expected.sqlstate && message == expected.message {
        tally.txn_rules += 1;
    } else {
        tally.failures.push(format!("{name}: {sql:?}: transaction rule says {}, DSQL: {obs}", expected.message));
    }
}

fn check_step(name: &str, sql: &str, obs: &Value, tally: &mut Tally) {
    let analysed = analyze(sql);
    let refusals: Vec<_> = analysed.iter().filter_map(|s| s.refusal.as_ref()).collect();
    if obs["outcome"] == "ok" {
        tally.accepted += 1;
        if let Some(r) = refusals.first() {
            tally.failures.push(format!("{name}: DSQL accepted {sql:?} but we refuse: {} {}", r.sqlstate, r.message));
        }
        if analysed.iter().any(|s| s.kind == Kind::Unknown) && !sql.trim().is_empty() {
            tally.failures.push(format!("{name}: {sql:?} classified Unknown"));
        }
        return;
    }
    let (state, message) = (obs["sqlstate"].as_str().unwrap_or(""), obs["message"].as_str().unwrap_or(""));
    if let Some(reason) = decided_elsewhere(name, state) {
        tally.elsewhere += 1;
        // In a failed transaction 25P02 wins over any refusal of the
        // statement itself (recorded: aborted_txn_prefers_25P02), so a
        // refusal there is still correct.
        if let Some(r) = refusals.first().filter(|_| state != "25P02") {
            tally.failures.push(format!("{name}: {sql:?} is decided by {reason}, but we refuse: {}", r.message));
        }
        return;
    }
    tally.refusals += 1;
    match refusals.first() {
        Some(r) if r.sqlstate == state && r.message == message => {}
        Some(r) => tally
            .failures
            .push(format!("{name}: {sql:?}\n    DSQL: {state} {message}\n    ours: {} {}", r.sqlstate, r.message)),
        None => tally.failures.push(format!("{name}: {sql:?}\n    DSQL: {state} {message}\n    ours: no refusal")),
    }
}

#[test]
fn analyze_matches_every_recorded_single_statement_answer() {
    let mut files: Vec<_> = std::fs::read_dir(conformance_dir())
        .expect("listable")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "expected the recorded groups, found {files:?}");
    let mut tally = Tally::default();
    for f in &files {
        check_file(f, &mut tally);
    }
    println!(
        "conformance: {} refusals matched exactly, {} transaction-rule errors reproduced, {} accepted statements not refused, {} decided outside analyze; {} failures",
        tally.refusals - tally.failures.iter().filter(|f| f.contains("DSQL:")).count(),
        tally.txn_rules,
        tally.accepted,
        tally.elsewhere,
        tally.failures.len()
    );
    assert!(tally.refusals >= 60, "too few refusal cases found ({})", tally.refusals);
    assert!(tally.txn_rules >= 5, "too few transaction-rule cases found ({})", tally.txn_rules);
    assert!(tally.failures.is_empty(), "{} mismatches:\n{}", tally.failures.len(), tally.failures.join("\n"));
}
