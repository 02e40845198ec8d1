#!/usr/bin/env bash
# Benchmark: dsql::dialect::analyze() in ns per statement, optimised build,
# on Temporal-shaped statements (crates/dsql/tests/dialect_bench_corpus.sql).
# The dialect module is pure std Rust, so it is compiled alone with
# `rustc -O` (seconds) instead of a release build of the whole dsql crate
# and its AWS SDK dependencies (many minutes). Rerunnable; no side effects.
# Usage: scripts/bench/dialect-analyze.sh [rounds]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/main.rs" <<EOF
#![allow(dead_code, unused_imports)]
#[path = "$root/crates/dsql/src"]
mod src {
    pub mod dialect;
}
use src::dialect::analyze;
use std::time::Instant;

fn main() {
    let corpus: &str = include_str!("$root/crates/dsql/tests/dialect_bench_corpus.sql");
    let stmts: Vec<&str> = analyze(corpus).into_iter().map(|s| &corpus[s.span]).collect();
    let rounds: usize = $rounds;
    let mut sink = 0usize;
    let start = Instant::now();
    for _ in 0..rounds {
        for s in &stmts {
            sink = sink.wrapping_add(analyze(std::hint::black_box(s)).len());
        }
    }
    let per = start.elapsed().as_nanos() as f64 / (rounds * stmts.len()) as f64;
    let start = Instant::now();
    for _ in 0..rounds {
        sink = sink.wrapping_add(analyze(std::hint::black_box(corpus)).len());
    }
    let whole = start.elapsed().as_nanos() as f64 / (rounds * stmts.len()) as f64;
    println!("statements: {} (avg {} bytes), rounds: {rounds}", stmts.len(), stmts.iter().map(|s| s.len()).sum::<usize>() / stmts.len());
    println!("analyze(one statement): {per:.0} ns/statement ({:.0} statements/s)", 1e9 / per);
    println!("analyze(whole file):    {whole:.0} ns/statement");
    assert!(sink > 0);
}
EOF
rustc -O --edition 2024 -o "$work/bench" "$work/main.rs"
"$work/bench"
