#!/usr/bin/env bash
# The test command: bootstrap (installs what is missing, builds), then every
# test suite. Servers (PostgreSQL, moto_server, the emulator) are started by
# the tests themselves on free 127.0.0.1 ports and stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export TF_CLI_CONFIG_FILE="${TF_CLI_CONFIG_FILE:-$(scripts/tf-mirror-config.sh)}"
cargo nextest run --workspace --no-fail-fast "$@"
