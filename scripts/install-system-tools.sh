#!/usr/bin/env bash
# Installs the system tools some tests drive (Debian/Ubuntu packages): strace (races made
# deterministic by stopping one s5 at a system call; a failed fchmod), fusefat and dosfstools (a
# FAT file system without modes, mounted through FUSE) and bindfs (a mount that shows wider modes
# than a file has) and git-lfs (s5 check of files git stores through it). Re-runnable: installs only what is missing. apt-get needs root; sudo is used
# when it is available.
set -euo pipefail

missing=()
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v fusefat >/dev/null 2>&1 || missing+=(fusefat)
{ command -v mkfs.vfat >/dev/null 2>&1 || [[ -x /usr/sbin/mkfs.vfat ]] || [[ -x /sbin/mkfs.vfat ]]; } || missing+=(dosfstools)
command -v bindfs >/dev/null 2>&1 || missing+=(bindfs)
command -v git-lfs >/dev/null 2>&1 || missing+=(git-lfs)
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "system tools already installed: strace fusefat dosfstools bindfs git-lfs"
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) for apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
echo "installed: ${missing[*]}"
