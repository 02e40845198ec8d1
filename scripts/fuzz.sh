#!/usr/bin/env bash
# Runs the cargo-fuzz targets for a fixed time each and prints how many
# inputs each ran: crates/wire/fuzz (protocol bytes, both directions) and
# crates/dsql/fuzz (SQL text: dialect analyser, ASYNC rewrite, lint).
#
#   scripts/fuzz.sh                  # 60 s per target
#   FUZZ_SECONDS=600 scripts/fuzz.sh
#   TARGETS="wire:parse" scripts/fuzz.sh
#
# Needs a nightly toolchain (`rustup toolchain install nightly`) and
# cargo-fuzz (installed here with `cargo install cargo-fuzz` if missing).
# A crash leaves its input under crates/<crate>/fuzz/artifacts/ and fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
TARGETS="${TARGETS:-wire:parse dsql:analyze}"
# A target dir of its own: fuzz builds use different flags than the workspace.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/fuzz}"

rustup run nightly rustc --version >/dev/null 2>&1 || {
  echo "error: no nightly toolchain; install it with: rustup toolchain install nightly" >&2
  exit 1
}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz

for spec in $TARGETS; do
  crate="${spec%%:*}" target="${spec#*:}"
  log="$(mktemp)"
  echo "fuzzing $crate/$target for ${FUZZ_SECONDS}s ..."
  if ! (cd "$ROOT/crates/$crate" && cargo +nightly fuzz run "$target" -- \
        -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "error: $crate/$target failed; the input is under crates/$crate/fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs="$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1)"
  echo "  $crate/$target: ${runs:-?} inputs in ${FUZZ_SECONDS}s, no crash (${cov:-cov: ?})"
  rm -f "$log"
done
