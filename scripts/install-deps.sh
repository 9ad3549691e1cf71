#!/bin/sh
# Installs what building and testing ctorch needs on Debian 12, when missing.
# Run as root (CI) or with sudo available.
set -e
# OpenBLAS twice: ctorch links its OpenMP build (one thread team shared with ctorch's own
# loops); the pthreads build stays the system default, the one PyTorch loads.
PKGS="build-essential cmake pkg-config libcmocka-dev libopenblas-dev libopenblas-pthread-dev libopenblas-openmp-dev libsleef-dev python3-torch python3-numpy"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
