//! Micro benchmark of `analyze` on Temporal-shaped statements, side by side
//! with a full `sqlparser` parse of the same text (what an AST-based
//! classifier would pay). Ignored by default; run it with
//! `cargo test -p dsql --test dialect_bench -- --ignored --nocapture`
//! (dev profile), or optimised via `scripts/bench/dialect-analyze.sh`.

use dsql::dialect::{Kind, analyze};
use std::time::Instant;

const CORPUS: &str = include_str!("dialect_bench_corpus.sql");

fn statements() -> Vec<&'static str> {
    analyze(CORPUS).into_iter().map(|s| &CORPUS[s.span]).collect()
}

#[test]
#[ignore = "benchmark: run explicitly with --ignored --nocapture"]
fn analyze_speed_per_statement() {
    let stmts = statements();
    assert_eq!(stmts.len(), 23);
    // Sanity: the benchmark measures real work that classifies correctly.
    let kinds: Vec<Kind> = stmts.iter().map(|s| analyze(s)[0].kind).collect();
    assert!(kinds.contains(&Kind::Dml) && kinds.contains(&Kind::Query) && kinds.contains(&Kind::Ddl));
    assert!(stmts.iter().all(|s| analyze(s)[0].refusal.is_none()));

    let rounds = 2_000;
    let ours = time_per_statement(&stmts, rounds, |s| analyze(s).len());
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let parsed = time_per_statement(&stmts, rounds / 10, |s| {
        sqlparser::parser::Parser::parse_sql(&dialect, s).map_or(0, |v| v.len())
    });
    println!(
        "analyze(): {ours:.0} ns/statement; sqlparser parse: {parsed:.0} ns/statement (dev profile unless --release)"
    );
}

fn time_per_statement(stmts: &[&str], rounds: usize, f: impl Fn(&str) -> usize) -> f64 {
    let mut sink = 0usize;
    let start = Instant::now();
    for _ in 0..rounds {
        for s in stmts {
            sink = sink.wrapping_add(f(std::hint::black_box(s)));
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / (rounds * stmts.len()) as f64;
    assert!(sink > 0);
    ns
}
