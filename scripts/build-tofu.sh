#!/usr/bin/env bash
# Builds OpenTofu from the Go module proxy into ~/.cache/s5-tools/bin/tofu, for the opt-in end-to-end tests
# in test/iac (see docs/iac.md). Re-runnable: a binary already built is kept.
#
# OpenTofu's go.mod has a `replace` directive, so `go install …@version` refuses it; a throw-away
# wrapper module in ~/.cache/s5-tools/build/tofu repeats that directive and builds the command from there.
#
# The hashicorp/external provider cannot be fetched here, so this also builds
# test/iac/tofu-external-provider (a stand-in implementing the same data source protocol) into a
# filesystem mirror, ~/.cache/s5-tools/tofu-providers, under the version 2.999.0.
#
#   scripts/build-tofu.sh            # build what is missing
#   S5_REBUILD=1 scripts/build-tofu.sh
set -euo pipefail

TOFU_VERSION="${TOFU_VERSION:-v1.12.6}"
FRAMEWORK_VERSION="v1.19.0" # github.com/hashicorp/terraform-plugin-framework
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/_go-tools-env.sh"
bin="$cache/bin/tofu"
mirror="$cache/tofu-providers/registry.opentofu.org/hashicorp/external/2.999.0/linux_amd64"
provider="$mirror/terraform-provider-external_v2.999.0"

if [[ -x "$bin" && -z "${S5_REBUILD:-}" ]]; then
  echo "tofu already built: $bin ($("$bin" version 2>/dev/null | grep -m1 '^OpenTofu'))"
else
  work="$cache/build/tofu"
  mkdir -p "$work"
  cd "$work"
  printf '%s\n' \
    "module s5.local/build-tofu" "" "go 1.26.6" "" \
    "godebug (" "	tlsmlkem=0" "	winsymlink=0" ")" "" \
    "require github.com/opentofu/opentofu $TOFU_VERSION" "" \
    "replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828" \
    >go.mod
  rm -f go.sum
  go get "github.com/opentofu/opentofu/cmd/tofu@$TOFU_VERSION"
  go build -p "$jobs" -trimpath \
    -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
    -o "$bin.tmp" github.com/opentofu/opentofu/cmd/tofu
  mv "$bin.tmp" "$bin"
  echo "built $bin: $("$bin" version 2>/dev/null | grep -m1 '^OpenTofu')"
fi

source="$root/test/iac/tofu-external-provider/main.go"
if [[ -x "$provider" && -z "${S5_REBUILD:-}" && "$provider" -nt "$source" ]]; then
  echo "external provider stand-in already built: $provider"
else
  work="$cache/build/tofu-external"
  mkdir -p "$work" "$mirror"
  cd "$work"
  printf '%s\n' \
    "module s5.local/tofu-external" "" "go 1.26.6" "" \
    "require github.com/hashicorp/terraform-plugin-framework $FRAMEWORK_VERSION" \
    >go.mod
  rm -f go.sum
  cp "$source" main.go
  go mod tidy
  go build -p "$jobs" -trimpath -ldflags "-s -w" -o "$provider.tmp" .
  mv "$provider.tmp" "$provider"
  echo "built $provider"
fi
echo "done in $((SECONDS - start))s"
