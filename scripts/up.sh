#!/usr/bin/env bash
# The main job on a fresh machine: bootstrap (installs what is missing,
# builds), then `dsql-deploy up` on the embedded default (local emulator).
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP_SKIP_BUILD=1 scripts/bootstrap.sh
cargo build --release --quiet -p dsql-deploy-cli
exec target/release/dsql-deploy up "$@"
