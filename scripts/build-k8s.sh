#!/usr/bin/env bash
# Gets a real Kubernetes control plane for the end-to-end tests in test/k8s (see docs/kubernetes.md):
# etcd (Debian package etcd-server), kubectl (expected on PATH), and kube-apiserver,
# kube-controller-manager, helm 3 and helm 4 (as helm4) built
# from the Go module proxy into ~/.cache/s5-tools/bin. Re-runnable: what is already there is kept.
#
# k8s.io/kubernetes replaces its ~33 staging modules (k8s.io/api, k8s.io/client-go, …) with local
# paths, so `go install …@version` refuses it. A throw-away wrapper module in
# ~/.cache/s5-tools/build/kube-apiserver requires it and replaces each staging module with the same
# module as published at v0.<minor>.<patch>; the list is read from kubernetes' own go.mod.
#
#   scripts/build-k8s.sh            # get what is missing
#   S5_REBUILD=1 scripts/build-k8s.sh
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
HELM4_VERSION="${HELM4_VERSION:-v4.3.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/_go-tools-env.sh"
apiserver="$cache/bin/kube-apiserver"
helm="$cache/bin/helm"
helm4="$cache/bin/helm4"

# etcd: the Debian package (3.4). Its service is not started (no init system here; policy-rc.d).
if command -v etcd >/dev/null; then
  echo "etcd found: $(command -v etcd)"
else
  sudo=()
  [[ $EUID -eq 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  # Other jobs on the machine may hold the dpkg lock: wait for it rather than fail.
  apt=("${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 -y -q)
  # `apt-get update` only when the package is unknown (an image with no package lists).
  if ! "${apt[@]}" install --no-install-recommends etcd-server; then
    "${apt[@]}" update
    "${apt[@]}" install --no-install-recommends etcd-server
  fi
fi
etcd --version | sed -n 1p

if ! command -v kubectl >/dev/null; then
  echo "kubectl is missing: install it (any recent version; the tests were written with v1.32)" >&2
  exit 1
fi
kubectl version --client 2>/dev/null | sed -n 1p

# kube-controller-manager runs only its garbage collector in the tests (ownerReferences cascade).
for bin in kube-apiserver kube-controller-manager; do
  out="$cache/bin/$bin"
  if [[ -x "$out" && -z "${S5_REBUILD:-}" ]]; then
    echo "$bin already built: $out"
    continue
  fi
  step=$SECONDS
  work="$cache/build/kube-apiserver"
  mkdir -p "$work"
  cd "$work"
  if [[ ! -f go.mod || -n "${S5_REBUILD:-}" ]]; then
    rm -f go.mod go.sum
    # kubernetes' go.mod, from the module cache (downloading it outside a module is fine).
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    staging_version="v0.${KUBE_VERSION#v1.}"
    {
      echo "module s5.local/build-kube-apiserver"
      echo
      # The same language version and GODEBUG defaults as an upstream build.
      grep -E '^(go|godebug) ' "$gomod"
      echo
      echo "require k8s.io/kubernetes $KUBE_VERSION"
      echo
      echo "replace ("
      awk -v v="$staging_version" '$2 == "=>" && $3 ~ /^\.\/staging\// { printf "\t%s => %s %s\n", $1, $1, v }' "$gomod"
      echo ")"
    } >go.mod
    echo "wrapper go.mod: $(grep -c ' => ' go.mod) staging modules replaced by $staging_version"
  fi
  go get "k8s.io/kubernetes/cmd/$bin@$KUBE_VERSION"
  # The version variables hack/lib/version.sh sets: the server reports them at /version, and
  # its compatibility version is derived from them.
  minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  go build -p "$jobs" -trimpath -ldflags "$ldflags" -o "$out.tmp" "k8s.io/kubernetes/cmd/$bin"
  mv "$out.tmp" "$out"
  echo "built $out in $((SECONDS - step))s"
done
"$apiserver" --version
"$cache/bin/kube-controller-manager" --version

# helm 3, and helm 4 as `helm4` for the plugin test (test/k8s/helm-plugin.test.ts). helm has no
# replace directive: a plain `go install` (GOFLAGS' -mod=mod does not apply to it), into a GOBIN
# of its own and then moved, since both binaries are called `helm`.
build_helm() { # OUT MAJOR VERSION
  local out="$1" major="$2" version="$3"
  if [[ -x "$out" && -z "${S5_REBUILD:-}" ]]; then
    echo "$(basename "$out") already built: $out"
  else
    local step=$SECONDS
    GOFLAGS=-buildvcs=false GOBIN="$cache/build/helm-$major" go install -p "$jobs" -trimpath \
      -ldflags "-s -w -X helm.sh/helm/$major/internal/version.version=$version" \
      "helm.sh/helm/$major/cmd/helm@$version"
    mv "$cache/build/helm-$major/helm" "$out"
    echo "built $out in $((SECONDS - step))s"
  fi
  "$out" version --short
}
build_helm "$helm" v3 "$HELM_VERSION"
build_helm "$helm4" v4 "$HELM4_VERSION"

echo "done in $((SECONDS - start))s"
