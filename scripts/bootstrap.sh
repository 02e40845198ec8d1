#!/usr/bin/env bash
# Installs what dsql-deploy and its tests need on a fresh Debian/Ubuntu
# machine, then builds. Idempotent: each step is skipped when already done,
# so a second run takes seconds.
#
#   scripts/bootstrap.sh            # system packages (when root) + venvs + build
#   BOOTSTRAP_SKIP_BUILD=1 ...      # everything but `cargo build`
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.5
CHECKOV_VERSION=3.3.30

log() { printf '[bootstrap] %s\n' "$*" >&2; }

# --- system packages -------------------------------------------------------
# Each entry: the command that proves the package is there, then the package.
need_pkgs=()
have_pg_server() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null; }
have_pg_server || need_pkgs+=(postgresql)
command -v psql >/dev/null || need_pkgs+=(postgresql-client)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v openvpn >/dev/null || need_pkgs+=(openvpn)
command -v pgbouncer >/dev/null || need_pkgs+=(pgbouncer)
command -v docker-compose >/dev/null || need_pkgs+=(docker-compose)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_pkgs+=(python3-venv)

if ((${#need_pkgs[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    log "installing Debian packages: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
    # Debian starts a system cluster on install; we never use it (tests run
    # private clusters), so stop it only if this script just started it.
    if [[ " ${need_pkgs[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null; then
      for v in /etc/postgresql/*/main; do
        [[ -d $v ]] && pg_ctlcluster "$(basename "$(dirname "$v")")" main stop 2>/dev/null || true
      done
    fi
  else
    log "missing packages: ${need_pkgs[*]}"
    log "install them as root: sudo apt-get install ${need_pkgs[*]}"
    exit 1
  fi
fi

# --- Python tools in project venvs ----------------------------------------
make_venv() { # dir, pip requirement, marker binary
  local dir=$1 req=$2 bin=$3
  if [[ -x $dir/bin/$bin ]] && [[ -f $dir/.req ]] && [[ $(cat "$dir/.req") == "$req" ]]; then
    return
  fi
  log "creating $dir with $req"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "$req"
  echo "$req" > "$dir/.req"
}
make_venv .venv "moto[server]==${MOTO_VERSION}" moto_server
make_venv .venv-checkov "checkov==${CHECKOV_VERSION}" checkov

# --- terraform --------------------------------------------------------------
if ! command -v terraform >/dev/null; then
  log "warning: terraform not found; the Terraform tests need it (https://developer.hashicorp.com/terraform/install)"
fi

# --- build --------------------------------------------------------------------
if [[ -z ${BOOTSTRAP_SKIP_BUILD:-} ]]; then
  log "building dsql-deploy"
  cargo build --workspace --all-targets --quiet
fi
log "ready"
