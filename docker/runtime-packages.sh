#!/usr/bin/env bash
# runtime-packages.sh BINARY... — prints, one per line, the Debian packages that hold the shared
# libraries the binaries load (ldd, then dpkg -S). docker/Dockerfile runs it in the build stage so
# that each runtime stage installs exactly what its binary links, with no list to keep in sync.
# Fails if a library is missing or belongs to no package.
set -euo pipefail
(($# > 0)) || { echo "usage: $0 BINARY..." >&2; exit 2; }
libs=$(ldd "$@" | awk '/=> not found/ {print "MISSING:" $1; next} $3 ~ /^\// {print $3}' | sort -u)
if grep -q '^MISSING:' <<<"$libs"; then
  echo "runtime-packages: unresolved libraries: $(grep '^MISSING:' <<<"$libs" | tr '\n' ' ')" >&2
  exit 1
fi
for lib in $libs; do
  # usrmerge: dpkg may know the file under /lib or /usr/lib, as a symlink or its target.
  pkg=""
  for path in "$lib" "$(readlink -f "$lib")" "${lib#/usr}" "$(readlink -f "$lib" | sed 's|^/usr||')"; do
    pkg=$(dpkg -S "$path" 2>/dev/null | head -n1 | cut -d: -f1) && [[ -n $pkg ]] && break
  done
  [[ -n $pkg ]] || { echo "runtime-packages: no package owns $lib" >&2; exit 1; }
  echo "$pkg"
done | sort -u
