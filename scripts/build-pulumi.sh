#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy into .cache/bin/pulumi, for the opt-in end-to-end
# tests in test/iac (see docs/iac.md). Re-runnable: it does nothing when the binary is already there.
#
# pkg/v3's go.mod has `replace` directives, so `go install …@version` refuses it; a throw-away
# wrapper module in .cache/build/pulumi repeats the one that matters and builds the command there.
# Note: a real `pulumi preview` of a Node.js program also needs the Node.js language host
# (pulumi-language-nodejs), which the module proxy does not serve here; see docs/iac.md.
#
#   scripts/build-pulumi.sh            # build if missing
#   S5_REBUILD=1 scripts/build-pulumi.sh
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache"
bin="$cache/bin/pulumi"

if [[ -x "$bin" && -z "${S5_REBUILD:-}" ]]; then
  echo "pulumi already built: $bin ($("$bin" version))"
  exit 0
fi

export GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOCACHE="$cache/go/build-cache"
export GOFLAGS="-buildvcs=false -mod=mod" CGO_ENABLED=0
work="$cache/build/pulumi"
mkdir -p "$work" "$cache/bin"
cd "$work"
cat >go.mod <<EOF
module s5.local/build-pulumi

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
rm -f go.sum
start=$SECONDS
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" \
  "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
# One package at a time: the machine has two cores and others build beside us.
go build -p "${S5_BUILD_JOBS:-1}" -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  -o "$bin.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mv "$bin.tmp" "$bin"
echo "built $bin in $((SECONDS - start))s: $("$bin" version)"
