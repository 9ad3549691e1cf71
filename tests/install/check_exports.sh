#!/bin/sh
# Every CT_API function declared in include/ctorch/*.h is exported by libctorch.so (the
# library is built with hidden visibility, so a definition that does not see its
# declaration would silently stay private).
# Usage: check_exports.sh <build dir> <source dir>
set -eu
build=$1
src=$2
exported=$(mktemp)
declared=$(mktemp)
trap 'rm -f "$exported" "$declared"' EXIT
nm -D --defined-only "$build/libctorch.so" | awk '{print $3}' | sort -u > "$exported"
cat "$src"/include/ctorch/*.h | tr '\n' ' ' | grep -o 'CT_API [^(;]*(' | sed -E 's/.*[ *]([A-Za-z_0-9]+)\($/\1/' |
  grep -v -e '^__attribute__$' -e '^__declspec$' | sort -u > "$declared" # export.h defines CT_API itself
missing=$(comm -13 "$exported" "$declared")
if [ -n "$missing" ]; then
  echo "declared CT_API but not exported from libctorch.so:"
  echo "$missing"
  exit 1
fi
echo "ok   all $(wc -l < "$declared") CT_API functions are exported"
