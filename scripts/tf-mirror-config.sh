#!/usr/bin/env bash
# Writes a Terraform CLI config that installs providers from the machine's
# offline mirror (the folder above registry.terraform.io) and prints its
# path. Never touches the machine's own ~/.terraformrc.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/terraform-cli.tfrc
mkdir -p target
mirror=${TF_PROVIDER_MIRROR:-}
if [[ -z $mirror ]]; then
  provider=$(find / -xdev -path '*registry.terraform.io/hashicorp/aws/*' -name 'terraform-provider-aws*' 2>/dev/null | head -n1 || true)
  if [[ -n $provider ]]; then
    mirror=${provider%%/registry.terraform.io/*}
  fi
fi
if [[ -n $mirror ]]; then
  cat > "$out" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/*/*"]
  }
}
TFRC
else
  : > "$out"
fi
echo "$PWD/$out"
