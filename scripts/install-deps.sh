#!/bin/sh
# Installs what building and testing ctorch needs on Debian 12, when missing.
# Run as root (CI) or with sudo available.
set -e
# OpenBLAS twice: ctorch links its OpenMP build (one thread team shared with ctorch's own
# loops); the pthreads build stays the system default, the one PyTorch loads.
PKGS="build-essential cmake pkg-config zlib1g-dev libpng-dev libprotobuf-c-dev protobuf-c-compiler libcmocka-dev libopenblas-dev libopenblas-pthread-dev libopenblas-openmp-dev libsleef-dev openmpi-bin libopenmpi-dev libzip-dev libcjson-dev python3-torch python3-numpy python3-pip wamerican"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The tensorboard package from PyPI, for the machine's python3 (the one with Debian's torch):
# the TensorBoard tests read event files back with its reader, and PyTorch 1.13's
# torch.utils.tensorboard needs it to write the reference files. Debian has no package.
if ! /usr/bin/python3 -c "import tensorboard" 2>/dev/null; then
  echo "installing tensorboard (pip) for /usr/bin/python3" >&2
  $SUDO /usr/bin/python3 -m pip install --quiet --break-system-packages tensorboard==2.21.0 ||
    echo "install-deps: could not install tensorboard; the TensorBoard tests need it" >&2
fi

# The 8x8 digits of examples/digits_cnn.c: the one file of python3-sklearn it reads, taken
# out of the package rather than installing it (and scipy with it). It goes under
# /usr/local/share/ctorch, never into dist-packages, where a partial sklearn would break
# `import sklearn`. Without it the build still works; the example and its test say what
# is missing.
SKLEARN_DIGITS=/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
DIGITS=/usr/local/share/ctorch/data/digits.csv.gz
fetch_digits() {
  tmp=$(mktemp -d) || return 1
  (cd "$tmp" && apt-get download python3-sklearn >/dev/null 2>&1) ||
    { $SUDO apt-get update -qq && (cd "$tmp" && apt-get download python3-sklearn >/dev/null); } &&
    dpkg-deb --fsys-tarfile "$tmp"/python3-sklearn_*.deb | (cd "$tmp" && tar -x ".$SKLEARN_DIGITS") &&
    $SUDO install -D -m 644 "$tmp$SKLEARN_DIGITS" "$DIGITS"
  status=$?
  rm -rf "$tmp"
  return $status
}
if [ ! -f "$SKLEARN_DIGITS" ] && [ ! -f "$DIGITS" ]; then
  echo "fetching $DIGITS (from Debian's python3-sklearn)" >&2
  fetch_digits || echo "install-deps: could not fetch $DIGITS; examples/digits_cnn and its test need it" >&2
fi
