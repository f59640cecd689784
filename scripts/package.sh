#!/usr/bin/env bash
# Builds the Debian packages (elfdesk, elfdesk-host, elfdesk-common, elfdesk-relay) with CPack and checks
# them with lintian.  Usage: scripts/package.sh [BUILD_DIR]   (default build/package; packages in BUILD_DIR/deb)
# An existing release build can be packaged in place: scripts/package.sh build/release
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(realpath -m "${1:-$root/build/package}")
jobs=$(nproc)

if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DELFDESK_TESTS=OFF >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$dir/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
  echo "package.sh: $dir was configured with CMAKE_INSTALL_PREFIX=$prefix; packages need /usr" >&2
  exit 2
fi
echo "package.sh: building in $dir"
cmake --build "$dir" -j "$jobs" >/dev/null
rm -rf "$dir/deb"
(cd "$dir" && cpack -G DEB -B "$dir/deb" >"$dir/cpack.log" 2>&1) || { cat "$dir/cpack.log"; exit 1; }
rm -rf "$dir/deb/_CPack_Packages"
ls -1 "$dir"/deb/*.deb

if command -v lintian >/dev/null; then
  # Errors fail the build; warnings are printed. Tags that do not apply to a locally built package:
  lintian --fail-on error --suppress-tags no-manual-page,initial-upload-closes-no-bugs,bad-distribution-in-changes-file \
    "$dir"/deb/*.deb
  echo "package.sh: lintian found no errors"
else
  echo "package.sh: lintian is not installed; packages not checked" >&2
fi
