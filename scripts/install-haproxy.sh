#!/usr/bin/env bash
# Installs HAProxy (the Debian/Ubuntu package) for the OpenBao HA tests, which put it in front of a
# three-node cluster (test/setup/ha-cluster.ts). Re-runnable: does nothing when haproxy is there.
# apt-get needs root; sudo is used when it is available.
set -euo pipefail

if command -v haproxy >/dev/null 2>&1 || [[ -x /usr/sbin/haproxy ]]; then
  echo "haproxy already installed: $(PATH="$PATH:/usr/sbin" haproxy -v | head -1)"
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) for apt-get install haproxy" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends haproxy
PATH="$PATH:/usr/sbin" haproxy -v | head -1
