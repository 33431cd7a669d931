#!/usr/bin/env bash
# Builds OpenTofu from the Go module proxy into .cache/bin/tofu, for the opt-in end-to-end tests
# in test/iac (see docs/iac.md). Re-runnable: it does nothing when the binary is already there.
#
# OpenTofu's go.mod has a `replace` directive, so `go install …@version` refuses it; a throw-away
# wrapper module in .cache/build/tofu repeats that directive and builds the command from there.
#
#   scripts/build-tofu.sh            # build if missing
#   S5_REBUILD=1 scripts/build-tofu.sh
set -euo pipefail

TOFU_VERSION="${TOFU_VERSION:-v1.12.6}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache"
bin="$cache/bin/tofu"

if [[ -x "$bin" && -z "${S5_REBUILD:-}" ]]; then
  echo "tofu already built: $bin ($("$bin" version | head -1))"
  exit 0
fi

export GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOCACHE="$cache/go/build-cache"
export GOFLAGS="-buildvcs=false -mod=mod" CGO_ENABLED=0
work="$cache/build/tofu"
mkdir -p "$work" "$cache/bin"
cd "$work"
cat >go.mod <<EOF
module s5.local/build-tofu

go 1.26.6

godebug (
	tlsmlkem=0
	winsymlink=0
)

require github.com/opentofu/opentofu $TOFU_VERSION

replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828
EOF
rm -f go.sum
start=$SECONDS
go get "github.com/opentofu/opentofu/cmd/tofu@$TOFU_VERSION"
# One package at a time: the machine has two cores and others build beside us.
go build -p "${S5_BUILD_JOBS:-1}" -trimpath \
  -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
  -o "$bin.tmp" github.com/opentofu/opentofu/cmd/tofu
mv "$bin.tmp" "$bin"
echo "built $bin in $((SECONDS - start))s: $("$bin" version | head -1)"
