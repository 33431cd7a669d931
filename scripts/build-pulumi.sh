#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy into ~/.cache/s5-tools/bin/pulumi, for the opt-in end-to-end
# tests in test/iac (see docs/iac.md). Re-runnable: a binary already built is kept.
#
# pkg/v3's go.mod has `replace` directives, so `go install …@version` refuses it; a throw-away
# wrapper module in ~/.cache/s5-tools/build/pulumi repeats the one that matters and builds the command there.
#
# A `pulumi preview` of a Node.js program also needs a Node.js language host. The real one
# (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served by the module
# proxy here, so this also builds test/iac/pulumi-host, a minimal host that runs the program with
# the SDK's own harness, as ~/.cache/s5-tools/bin/pulumi-language-nodejs (the CLI finds it next to itself).
#
#   scripts/build-pulumi.sh            # build what is missing
#   S5_REBUILD=1 scripts/build-pulumi.sh
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/_go-tools-env.sh"
bin="$cache/bin/pulumi"
host="$cache/bin/pulumi-language-nodejs"

if [[ -x "$bin" && -z "${S5_REBUILD:-}" ]]; then
  echo "pulumi already built: $bin ($("$bin" version))"
else
  work="$cache/build/pulumi"
  mkdir -p "$work"
  cd "$work"
  printf '%s\n' \
    "module s5.local/build-pulumi" "" "go 1.26.6" "" \
    "require (" \
    "	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION" \
    "	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION" \
    ")" "" \
    "replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e" \
    >go.mod
  rm -f go.sum
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" \
    "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
  go build -p "$jobs" -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$bin.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$bin.tmp" "$bin"
  echo "built $bin: $("$bin" version)"
fi

source="$root/test/iac/pulumi-host/main.go"
if [[ -x "$host" && -z "${S5_REBUILD:-}" && "$host" -nt "$source" ]]; then
  echo "language host already built: $host"
else
  work="$cache/build/pulumi-host"
  mkdir -p "$work"
  cd "$work"
  printf '%s\n' \
    "module s5.local/pulumi-host" "" "go 1.26.6" "" \
    "require github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION" \
    >go.mod
  rm -f go.sum
  cp "$source" main.go
  go mod tidy
  go build -p "$jobs" -trimpath -o "$host.tmp" .
  mv "$host.tmp" "$host"
  echo "built $host"
fi
echo "done in $((SECONDS - start))s"
