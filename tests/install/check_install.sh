#!/bin/sh
# make install works: installs the build into a temporary prefix, then builds the README's
# program once with pkg-config and once with find_package(ctorch), and runs both.
# Usage: check_install.sh <build dir> <source dir>
set -eu
build=$1
src=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name ctorch.pc -path '*pkgconfig*' -exec dirname {} \; | head -n1)
expected='tensor([12.])'

export PKG_CONFIG_PATH="$libdir"
cc "$src/tests/install/hello.c" $(pkg-config --cflags --libs ctorch) -Wl,-rpath,"$libdir/.." -o "$prefix/hello_pc"
got=$("$prefix/hello_pc")
[ "$got" = "$expected" ] || { echo "pkg-config build printed '$got', expected '$expected'"; exit 1; }
echo "ok   pkg-config: $got"

cmake -S "$src/tests/install/consumer" -B "$prefix/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer-build" >/dev/null
got=$(LD_LIBRARY_PATH="$libdir/.." "$prefix/consumer-build/hello")
[ "$got" = "$expected" ] || { echo "find_package build printed '$got', expected '$expected'"; exit 1; }
echo "ok   find_package: $got"
