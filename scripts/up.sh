#!/usr/bin/env bash
# The main job on a fresh machine: bootstrap (installs what is missing and
# builds), then `dsql-deploy up` on the embedded default (local emulator).
# Extra arguments go to `up` (e.g. --workdir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec target/debug/dsql-deploy up "$@"
