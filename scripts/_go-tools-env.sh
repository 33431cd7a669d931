# Sourced by build-tofu.sh and build-pulumi.sh: where the real IaC tools and their Go caches live,
# and how they are built.
# Outside the clone, so that CI on the same machine reuses what was built (6 GB of Go caches).
cache="${S5_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/s5-tools}"
export GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOCACHE="$cache/go/build-cache"
export GOFLAGS="-buildvcs=false -mod=mod" CGO_ENABLED=0
# One package at a time by default: the machine has two cores and others may build beside us.
jobs="${S5_BUILD_JOBS:-1}"
mkdir -p "$cache/bin"
start=$SECONDS
