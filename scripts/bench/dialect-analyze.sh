#!/usr/bin/env bash
# Benchmark: dsql::dialect::analyze() in ns per statement, optimised build,
# on Temporal-shaped statements (crates/dsql/tests/dialect_bench_corpus.sql),
# side by side with a full sqlparser parse (PostgreSqlDialect) of the same
# statements — the cost an AST-based classifier would pay.
#
# The dialect module is pure std Rust, so a tiny release harness includes
# its source directly (with sqlparser as the only dependency) instead of a
# release build of the whole dsql crate and its AWS SDK dependencies.
# Rerunnable; builds under target/bench-dialect (first run ~1 min, offline).
# Usage: scripts/bench/dialect-analyze.sh [rounds]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-20000}
work="$root/target/bench-dialect"
mkdir -p "$work/src"
sqlparser_version=$(awk '/^sqlparser *=/{gsub(/"/,"",$3); print $3}' "$root/Cargo.toml")
cat > "$work/Cargo.toml" <<EOF
[package]
name = "bench-dialect"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
sqlparser = "$sqlparser_version"

[profile.release]
debug = false
EOF
cat > "$work/src/main.rs" <<EOF
#![allow(dead_code, unused_imports)]
#[path = "$root/crates/dsql/src"]
mod src {
    pub mod dialect;
}
use src::dialect::analyze;
use std::time::Instant;

fn per_statement(stmts: &[&str], rounds: usize, f: impl Fn(&str) -> usize) -> f64 {
    let mut sink = 0usize;
    let start = Instant::now();
    for _ in 0..rounds {
        for s in stmts {
            sink = sink.wrapping_add(f(std::hint::black_box(s)));
        }
    }
    assert!(sink > 0);
    start.elapsed().as_nanos() as f64 / (rounds * stmts.len()) as f64
}

fn main() {
    let corpus: &str = include_str!("$root/crates/dsql/tests/dialect_bench_corpus.sql");
    let stmts: Vec<&str> = analyze(corpus).into_iter().map(|s| &corpus[s.span]).collect();
    let rounds: usize = $rounds;
    let ours = per_statement(&stmts, rounds, |s| analyze(s).len());
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let theirs = per_statement(&stmts, rounds / 4, |s| sqlparser::parser::Parser::parse_sql(&dialect, s).map_or(1, |v| v.len()));
    let avg = stmts.iter().map(|s| s.len()).sum::<usize>() / stmts.len();
    println!("statements: {} (avg {avg} bytes), rounds: {rounds}", stmts.len());
    println!("dialect::analyze():      {ours:>8.0} ns/statement ({:.0} statements/s)", 1e9 / ours);
    println!("sqlparser parse (AST):   {theirs:>8.0} ns/statement");
    println!("ratio: analyze is {:.1}x faster than a parse alone", theirs / ours);
}
EOF
cargo build --offline --release --quiet --manifest-path "$work/Cargo.toml" --target-dir "$work/target"
"$work/target/release/bench-dialect"
